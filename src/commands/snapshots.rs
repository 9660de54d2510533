//! `paycheck snapshots review|accept|reject`: the pending snapshot workflow for users outside a
//! Cargo project (inside one, `cargo insta review` works on the same files).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anstyle::Style;

use crate::exit_code;
use crate::snapshot::store::{self, Pending};
use crate::suite::config;

use super::suite_loading;

const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

/// Arguments of `paycheck snapshots`.
#[derive(Debug, clap::Args)]
pub struct SnapshotsArgs {
    /// What to do with the pending snapshots.
    #[command(subcommand)]
    pub action: SnapshotAction,
    /// Only this target's snapshots (default: every target's).
    #[arg(long, global = true)]
    pub target: Option<String>,
    /// The configuration file (default: `paycheck.toml` here or in a parent folder).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
}

/// What to do with the pending snapshots.
#[derive(Debug, Clone, Copy, clap::Subcommand)]
pub enum SnapshotAction {
    /// Show each pending snapshot's diff and ask whether to accept it (lists them when not interactive).
    Review,
    /// Accept every pending snapshot.
    Accept,
    /// Delete every pending snapshot.
    Reject,
}

/// Runs the command and returns the exit code.
pub fn snapshots(args: &SnapshotsArgs) -> i32 {
    let loaded = match config::load(args.config.as_deref()) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            suite_loading::print_diagnostics(&diagnostics);
            return exit_code::INVALID_SUITE;
        }
    };
    let mut dir = store::snapshots_root(&loaded.root);
    if let Some(target) = &args.target {
        dir = dir.join(target);
    }
    let pending = store::pending_under(&dir);
    if pending.is_empty() {
        println!("paycheck: no pending snapshot under {}", dir.display());
        return exit_code::SUCCESS;
    }
    let mut out = anstream::stdout();
    let result = match args.action {
        SnapshotAction::Accept => apply_all(&pending, Pending::accept, "accepted"),
        SnapshotAction::Reject => apply_all(&pending, Pending::reject, "rejected"),
        SnapshotAction::Review if std::io::stdin().is_terminal() => review(&pending, &mut out),
        SnapshotAction::Review => {
            for snapshot in &pending {
                if let Err(message) = show(snapshot, &mut out) {
                    eprintln!("paycheck: {message}");
                    return exit_code::INVALID_SUITE;
                }
            }
            let _ = writeln!(
                out,
                "\n{} pending snapshots; accept them with `paycheck snapshots accept`, or reject them with `paycheck snapshots reject`",
                pending.len()
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => exit_code::SUCCESS,
        Err(message) => {
            eprintln!("paycheck: {message}");
            exit_code::INVALID_SUITE
        }
    }
}

fn apply_all(pending: &[Pending], action: fn(&Pending) -> Result<(), String>, done: &str) -> Result<(), String> {
    for snapshot in pending {
        action(snapshot)?;
        println!("{done} {}", snapshot.accepted.display());
    }
    println!("paycheck: {done} {} snapshots", pending.len());
    Ok(())
}

fn show(snapshot: &Pending, out: &mut impl Write) -> Result<(), String> {
    let state = if snapshot.accepted.exists() { "changed" } else { "new" };
    let _ = writeln!(out, "\n{BOLD}{}{BOLD:#} {DIM}({state}){DIM:#}", snapshot.accepted.display());
    for line in &snapshot.diff()?.lines {
        let style = crate::text::diff_line_style(line.kind);
        let _ = writeln!(out, "  {style}{}{style:#}", line.unified());
    }
    Ok(())
}

fn review(pending: &[Pending], out: &mut impl Write) -> Result<(), String> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let (mut accepted, mut rejected, mut skipped) = (0, 0, 0);
    for (index, snapshot) in pending.iter().enumerate() {
        show(snapshot, out)?;
        loop {
            let _ = write!(
                out,
                "[{}/{}] {BOLD}a{BOLD:#}ccept, {BOLD}r{BOLD:#}eject, {BOLD}s{BOLD:#}kip, {BOLD}q{BOLD:#}uit? ",
                index + 1,
                pending.len()
            );
            let _ = out.flush();
            let answer = match lines.next() {
                Some(Ok(line)) => line.trim().to_ascii_lowercase(),
                _ => "q".to_string(),
            };
            match answer.as_str() {
                "a" | "accept" => {
                    snapshot.accept()?;
                    accepted += 1;
                }
                "r" | "reject" => {
                    snapshot.reject()?;
                    rejected += 1;
                }
                "s" | "skip" | "" => skipped += 1,
                "q" | "quit" => {
                    skipped += pending.len() - index;
                    let _ = writeln!(out, "paycheck: {accepted} accepted, {rejected} rejected, {skipped} left pending");
                    return Ok(());
                }
                _ => continue,
            }
            break;
        }
    }
    let _ = writeln!(out, "paycheck: {accepted} accepted, {rejected} rejected, {skipped} left pending");
    Ok(())
}
