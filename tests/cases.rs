//! The suite as `cargo test` runs it: every case file under `cases/` is a test (rstest's
//! `#[files]`; `build.rs` rebuilds this crate when a case is added), run against the in-process
//! reference gateway, its snapshots asserted with insta. A changed response shows as an insta
//! diff; `cargo insta review` (or `paycheck snapshots review`) accepts it.
//!
//! The snapshot text comes from the same `render_snapshot` as `paycheck run --target embedded`,
//! so both agree on the committed files under `snapshots/embedded/`. After changing a case or
//! the gateway, regenerate them with `INSTA_UPDATE=always cargo test --test cases` (or
//! `paycheck run --update-snapshots`), then review the diff in git.

#[cfg(paycheck_has_cases)]
mod harness {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use paycheck::commands::embedded;
    use paycheck::engine::clock::TargetClock;
    use paycheck::engine::plan::{self, Selection};
    use paycheck::engine::{self, EventSink, RunContext, http};
    use paycheck::gateway::GatewayConfig;
    use paycheck::report::junit;
    use paycheck::report::result::{CaseResult, Outcome, StepStatus};
    use paycheck::secret::{self, Masker};
    use paycheck::snapshot::{SnapshotSession, name};
    use paycheck::suite::target::Target;
    use paycheck::suite::{self, SuitePaths};
    use rstest::rstest;

    const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

    #[rstest]
    fn case(#[files("cases/**/*.yaml")] path: PathBuf) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let results = runtime.block_on(run_case_file(&path));
        for result in &results {
            assert_snapshots(result);
        }
        let failures: Vec<String> = results.iter().filter_map(describe_failure).collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// Runs one case file against a fresh reference gateway, as `paycheck run` does.
    async fn run_case_file(path: &Path) -> Vec<Arc<CaseResult>> {
        let paths = SuitePaths {
            cases: vec![path.to_path_buf()],
            schemas: root().join("schemas"),
            clauses: root().join("clauses.yaml"),
        };
        let suite = suite::load(&paths).unwrap_or_else(|diagnostics| panic!("{}", diagnostics.render(false)));
        let gateway = embedded::start(GatewayConfig::reference()).await.expect("the reference gateway starts");
        let target =
            Target::from_url(embedded::NAME, &gateway.url(), &embedded::reference_profile()).expect("a target");
        let client = http::client(TIMEOUT, 4).expect("an HTTP client");
        let clock = TargetClock::detect(&client, &target).await.expect("the gateway's clock");
        let runs = plan::plan(&suite.cases, &target, &Selection::default());
        let masker = Masker::labelled(secret::target_secrets(&target, None));
        let mut context = RunContext::new(client, Arc::new(target), clock, TIMEOUT, EventSink::discard());
        context.masker = masker;
        context.snapshots = SnapshotSession { store: None, case_bases: vec![root().join("cases"), root()] };
        let (_, results) = engine::run(Arc::new(context), runs, 4).await;
        gateway.shutdown().await;
        results
    }

    /// Asserts each snapshot the case took with insta, under `snapshots/embedded/<case key>/`.
    fn assert_snapshots(result: &CaseResult) {
        let key = name::case_key(Path::new(&result.path), &[&root().join("cases"), &root()]);
        for step in &result.steps {
            let Some(snapshot) = &step.snapshot else { continue };
            let file_stem = snapshot.name.rsplit('/').next().unwrap_or(&snapshot.name).trim_end_matches(".snap");
            let mut settings = insta::Settings::clone_current();
            settings.set_snapshot_path(root().join("snapshots").join(embedded::NAME).join(&key));
            settings.set_prepend_module_to_snapshot(false);
            settings.set_input_file(&result.path);
            settings
                .set_description(format!("{} [{}], step {} \"{}\"", result.name, result.api, step.number, step.name));
            settings.set_omit_expression(true);
            settings.bind(|| insta::assert_snapshot!(file_stem, snapshot.text));
        }
    }

    fn describe_failure(result: &Arc<CaseResult>) -> Option<String> {
        match &result.outcome {
            Outcome::Passed | Outcome::Skipped { .. } => None,
            Outcome::Failed | Outcome::Errored { .. } => {
                let steps: Vec<String> = result
                    .steps
                    .iter()
                    .filter(|step| matches!(step.status, StepStatus::Failed | StepStatus::Errored))
                    .map(|step| junit::step_details(step))
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
