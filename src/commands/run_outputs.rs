//! What `paycheck run` writes besides the terminal: which report files, where snapshots go, and
//! which slice of the suite a shard runs. Kept apart from `run.rs` so that file stays about the run.

use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::shard::Shard;
use crate::report::files::ReportSpec;
use crate::runner::SnapshotOptions;
use crate::snapshot::{SnapshotPolicy, name, store};
use crate::suite::case::Case;
use crate::suite::config::LoadedConfig;
use crate::suite::target::Target;

/// The reports asked for; under CI with none asked for, every format at its default path.
pub fn report_specs(asked: &[ReportSpec], ci: bool) -> Vec<ReportSpec> {
    if asked.is_empty() && ci { ReportSpec::ci_defaults() } else { asked.to_vec() }
}
/// The folders case keys are relative to: the cases folder, then the suite root.
pub fn case_bases(loaded: &LoadedConfig) -> Vec<PathBuf> {
    vec![loaded.cases_dir(), loaded.root.clone()]
}

/// The cases of the shard (all of them without `--shard`).
pub fn shard_cases(cases: &[Arc<Case>], loaded: &LoadedConfig, shard: Option<Shard>) -> Vec<Arc<Case>> {
    let Some(shard) = shard else { return cases.to_vec() };
    let bases = case_bases(loaded);
    let bases = name::canonical_bases(&bases.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    cases.iter().filter(|case| shard.selects(&name::case_key(&case.file.path, &bases))).cloned().collect()
}

/// Where the target's snapshots live: `snapshots/<target>/` under the suite root. A target
/// given as a URL is named by its host and port (`127.0.0.1_8080`), so that two local gateways
/// on different ports keep separate baselines. With the policy `off`, the run neither compares
/// nor writes snapshots.
pub fn snapshot_options(
    loaded: &LoadedConfig,
    target: &Target,
    update: bool,
    policy: SnapshotPolicy,
) -> SnapshotOptions {
    if policy == SnapshotPolicy::Off {
        return SnapshotOptions::RenderOnly;
    }
    let folder = match url::Url::parse(&target.name) {
        Ok(url) if url.has_host() => match url.port_or_known_default() {
            Some(port) => format!("{}_{port}", url.host_str().unwrap_or("target")),
            None => url.host_str().unwrap_or("target").to_string(),
        },
        _ => target.name.clone(),
    };
    let folder: String =
        folder.chars().map(|c| if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect();
    SnapshotOptions::Compare { dir: store::snapshots_root(&loaded.root).join(folder), update }
}
