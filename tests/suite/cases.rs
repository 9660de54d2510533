//! The suite as `cargo test` runs it: every case file under `cases/` is a test (rstest's
//! `#[files]`; `build.rs` rebuilds this crate when a case is added), run against the in-process
//! reference gateway with every exchange snapshotted (`--snapshots all`), each snapshot asserted
//! with insta against the golden set under `snapshots/embedded/`. A changed response shows as an
//! insta diff; `cargo insta review` (or `paycheck snapshots review`) accepts it.
//!
//! The snapshot text comes from the same `render_snapshot` as `paycheck run --target embedded`,
//! so both agree on the committed files. After changing a case or the gateway, regenerate the
//! whole set with `rm -rf snapshots/embedded && cargo run -- run --snapshots all --update-snapshots`
//! (it also drops the snapshots of steps that are gone), then review the diff in git.

#[cfg(paycheck_has_cases)]
mod harness {
    use std::path::PathBuf;

    use paycheck::commands::embedded;
    use paycheck::gateway::FaultSet;
    use paycheck::outcome::{CaseResult, Outcome, StepStatus};
    use paycheck::runner::RunOptions;
    use paycheck::snapshot::{SnapshotPolicy, SnapshotSettings};
    use paycheck::text::step_details;
    use rstest::rstest;

    use crate::support::{self, root};

    #[rstest]
    fn case(
        #[files("cases/**/*.yaml")]
        #[exclude("_defaults\\.yaml$|/_fragments/")]
        path: PathBuf,
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let suite = support::load(&[&path]);
        let snapshot_settings = SnapshotSettings { policy: SnapshotPolicy::All, ..SnapshotSettings::default() }
            .with_schemas(&suite.schemas);
        let plan = support::plan(suite);
        let options = RunOptions { jobs: 4, snapshot_settings, ..RunOptions::default() };
        let record = runtime.block_on(support::run_against_reference_with_options(&plan, FaultSet::none(), options));
        for result in &record.cases {
            assert_snapshots(result);
        }
        let failures: Vec<String> = record.cases.iter().filter_map(|result| describe_failure(result)).collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// Asserts each snapshot the case took with insta, in its folder under `snapshots/embedded/`.
    fn assert_snapshots(result: &CaseResult) {
        for step in &result.steps {
            let Some(snapshot) = &step.snapshot else { continue };
            let (folder, file) = snapshot.name.rsplit_once('/').unwrap_or(("", &snapshot.name));
            let file_stem = file.trim_end_matches(".snap");
            let mut settings = insta::Settings::clone_current();
            settings.set_snapshot_path(root().join("snapshots").join(embedded::NAME).join(folder));
            settings.set_prepend_module_to_snapshot(false);
            settings.set_input_file(&result.path);
            settings
                .set_description(format!("{} [{}], step {} \"{}\"", result.name, result.api, step.number, step.name));
            settings.set_omit_expression(true);
            settings.bind(|| insta::assert_snapshot!(file_stem, snapshot.text));
        }
    }

    fn describe_failure(result: &CaseResult) -> Option<String> {
        match &result.outcome {
            Outcome::Passed | Outcome::Skipped { .. } => None,
            Outcome::Failed | Outcome::Known | Outcome::Errored { .. } => {
                let steps: Vec<String> = result
                    .steps
                    .iter()
                    .filter(|step| matches!(step.status, StepStatus::Failed | StepStatus::Errored))
                    .map(|step| step_details(step))
                    .collect();
                Some(format!("{} failed:\n{}", result.id, steps.join("\n")))
            }
        }
    }
}

#[cfg(not(paycheck_has_cases))]
#[test]
fn no_case_files_yet() {
    // `cases/` holds no case: nothing to run. Adding one rebuilds this crate (see build.rs).
}
