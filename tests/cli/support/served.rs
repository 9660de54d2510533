//! `paycheck serve` as a child process for the tests that run the suite over the network.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command as ProcessCommand, Stdio};

use assert_cmd::cargo::cargo_bin;

/// `paycheck serve` on an ephemeral port; killed on drop.
pub struct Served {
    child: Child,
    /// The gateway's root URL.
    pub url: String,
    _output: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `paycheck serve` with `extra` arguments.
pub fn serve(extra: &[&str]) -> Served {
    let mut child = ProcessCommand::new(cargo_bin("paycheck"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("paycheck serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first_line = lines.next().expect("a line").expect("readable");
    let url = first_line.rsplit(' ').next().expect("the URL ends the line").to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{first_line}");
    Served { child, url, _output: lines }
}
