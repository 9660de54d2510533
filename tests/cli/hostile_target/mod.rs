//! The runner against a hostile target (huge, endless, gzip-bomb, slow and echoing answers):
//! its memory, its reports and its output stay bounded, each such step fails saying why, and the
//! merchant's password, echoed back in every encoding, appears in no output.
//!
//! The figures of a run (peak memory, output sizes) are printed; to measure another build of
//! `paycheck`, point `PAYCHECK_HOSTILE_BIN` at it and run with `--nocapture`.

mod forms;
mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use forms::{SECRET, SECRET_VARIABLE};
use server::HostileTarget;

/// The most memory the runner may use, whatever the target sends.
const MAX_PEAK_MEMORY: u64 = 200 * 1024 * 1024;
/// The largest report, stdout or stderr allowed.
const MAX_OUTPUT: usize = 2 * 1024 * 1024;

/// A suite folder with a target `hostile` at the server, whose merchant's password comes from
/// [`SECRET_VARIABLE`], and whose clock is `real` or `auto` (probed).
struct Suite {
    dir: tempfile::TempDir,
}

impl Suite {
    fn new(url: &str, clock: &str) -> Suite {
        let suite = Suite { dir: tempfile::tempdir().expect("temporary folder") };
        suite.write(
            "paycheck.toml",
            &format!(
                "[targets.hostile]\nurl = \"{url}\"\napis = [\"router\"]\nclock = \"{clock}\"\n\
                 [targets.hostile.merchants.main]\nuser = \"test_user\"\npassword = {{ env = \"{SECRET_VARIABLE}\" }}\n"
            ),
        );
        suite.write(
            "clauses.yaml",
            "version: 1\nclauses:\n  - {id: t.any, api: v1, section: '1', text: the target answers, level: must}\n",
        );
        suite.write(
            "schemas/t/numbers.json",
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                "additionalProperties": {"type": "integer"}}"#,
        );
        suite
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folder");
        std::fs::write(path, text).expect("write file");
    }

    /// A case calling `path` with the merchant's credentials, then `extra` (more YAML for the step).
    fn case(&self, file: &str, name: &str, path: &str, extra: &str) {
        self.write(
            &format!("cases/{file}.yaml"),
            &format!(
                "name: {name}\ncovers: [t.any]\napi: router\nsteps:\n  - name: call\n    request:\n      path: {path}\n      \
                 body: {{ userName: \"{{{{ merchant.user }}}}\", password: \"{{{{ merchant.password }}}}\" }}\n    \
                 expect:\n      status: 200\n{extra}"
            ),
        );
    }

    /// Every file under the suite's folder, by path relative to it.
    fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        let mut folders = vec![self.dir.path().to_path_buf()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("readable folder").map(|entry| entry.expect("entry")) {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    let name = path.strip_prefix(self.dir.path()).expect("inside").display().to_string();
                    files.push((name, std::fs::read(&path).expect("readable file")));
                }
            }
        }
        files
    }
}

/// What a run produced.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// The runner's peak resident memory (`VmHWM`), in bytes.
    peak_memory: u64,
    elapsed: Duration,
    /// The files the run wrote in the suite, by relative path, with their contents.
    written: Vec<(String, Vec<u8>)>,
}

impl Run {
    /// Runs `paycheck run` in the suite against the target, with every report and `--curl`.
    fn of(suite: &Suite, timeout: &str, extra_args: &[&str]) -> Run {
        let before: Vec<String> = suite.files().into_iter().map(|(name, _)| name).collect();
        let outputs = tempfile::tempdir().expect("temporary folder");
        let binary = std::env::var_os("PAYCHECK_HOSTILE_BIN")
            .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_paycheck")), PathBuf::from);
        let started = Instant::now();
        let mut child = Command::new(binary)
            .current_dir(suite.dir.path())
            .env_remove("CI")
            .env("NO_COLOR", "1")
            .env(SECRET_VARIABLE, SECRET)
            .args(["run", "--target", "hostile", "--timeout", timeout, "--jobs", "8", "--curl"])
            .args(["--report", "junit=out/junit.xml", "--report", "json=out/report.json"])
            .args(["--report", "html=out/report.html"])
            .args(extra_args)
            .stdout(Stdio::from(std::fs::File::create(outputs.path().join("stdout")).expect("stdout file")))
            .stderr(Stdio::from(std::fs::File::create(outputs.path().join("stderr")).expect("stderr file")))
            .spawn()
            .expect("paycheck starts");
        let mut peak_memory = 0;
        let status = loop {
            if let Some(kilobytes) = high_water_mark(child.id()) {
                peak_memory = peak_memory.max(kilobytes * 1024);
            }
            if let Some(status) = child.try_wait().expect("the run's status") {
                break status;
            }
            if started.elapsed() > Duration::from_secs(120) {
                let _ = child.kill();
                panic!("the run did not end within two minutes");
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let read = |name: &str| {
            String::from_utf8_lossy(&std::fs::read(outputs.path().join(name)).expect("output")).into_owned()
        };
        let written = suite.files().into_iter().filter(|(name, _)| !before.contains(name)).collect();
        let run = Run {
            code: status.code(),
            stdout: read("stdout"),
            stderr: read("stderr"),
            peak_memory,
            elapsed: started.elapsed(),
            written,
        };
        run.print_figures();
        run
    }

    fn print_figures(&self) {
        eprintln!(
            "paycheck exited with {:?} after {:.1}s; peak memory {:.1} MB; stdout {} bytes; stderr {} bytes",
            self.code,
            self.elapsed.as_secs_f64(),
            self.peak_memory as f64 / 1e6,
            self.stdout.len(),
            self.stderr.len()
        );
        for (name, bytes) in &self.written {
            eprintln!("  {name}: {} bytes", bytes.len());
        }
    }

    fn written(&self, name: &str) -> String {
        let found = self.written.iter().find(|(written, _)| written == name);
        String::from_utf8_lossy(&found.unwrap_or_else(|| panic!("{name} was not written")).1).into_owned()
    }

    /// Every output: stdout, stderr and each file written.
    fn outputs(&self) -> Vec<(String, String)> {
        let mut outputs =
            vec![("stdout".to_string(), self.stdout.clone()), ("stderr".to_string(), self.stderr.clone())];
        outputs.extend(
            self.written.iter().map(|(name, bytes)| (name.clone(), String::from_utf8_lossy(bytes).into_owned())),
        );
        outputs
    }

    fn assert_no_secret(&self) {
        let found: Vec<String> = self
            .outputs()
            .iter()
            .flat_map(|(name, text)| forms::leaks(text).into_iter().map(move |leak| format!("{name}: {leak:?}")))
            .collect();
        assert!(found.is_empty(), "the secret {SECRET:?} leaked:\n{}", found.join("\n"));
    }

    fn assert_bounded(&self) {
        assert!(self.peak_memory > 0, "the runner's memory was never read");
        assert!(self.peak_memory < MAX_PEAK_MEMORY, "the runner used {} MB of memory", self.peak_memory / 1_000_000);
        for (name, text) in self.outputs() {
            assert!(text.len() < MAX_OUTPUT, "{name} is {} bytes long", text.len());
        }
    }
}

/// The runner's peak resident memory, in kilobytes, while it runs (Linux).
fn high_water_mark(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The step error of the case with this name in the JSON report.
fn step_error(report: &serde_json::Value, case: &str) -> String {
    let cases = report["cases"].as_array().expect("cases in the report");
    let found = cases.iter().find(|entry| entry["name"] == case).unwrap_or_else(|| panic!("no case {case:?}"));
    let steps = found["steps"].as_array().expect("steps");
    steps.iter().filter_map(|step| step["error"].as_str()).collect::<Vec<_>>().join("\n")
}

#[test]
fn huge_endless_and_compressed_answers_neither_fill_the_memory_nor_the_reports() {
    let target = HostileTarget::start();
    let suite = Suite::new(&target.url(), "real");
    for number in 1..=3 {
        suite.case(
            &format!("huge-{number}"),
            &format!("Huge answer {number}"),
            "huge.do",
            "      schema: t/numbers.json\n",
        );
    }
    for number in 4..=6 {
        suite.case(&format!("huge-{number}"), &format!("Huge answer {number}"), "huge.do", "    snapshot: true\n");
    }
    suite.case("endless", "Endless answer", "endless.do", "");
    suite.case("bomb", "Compressed bomb", "bomb.do", "");
    suite.case(
        "big-json",
        "Big answer under the limit",
        "big-json.do",
        "      schema: t/numbers.json\n      json:\n        \"$.echo\": short\n      text: { contains: absent }\n",
    );
    let run = Run::of(&suite, "60s", &[]);
    assert_eq!(run.code, Some(1), "the cases must fail:\n{}\n{}", run.stdout, run.stderr);
    run.assert_bounded();
    run.assert_no_secret();

    let report: serde_json::Value = serde_json::from_str(&run.written("out/report.json")).expect("a JSON report");
    for case in ["Huge answer 1", "Huge answer 6", "Endless answer", "Compressed bomb"] {
        let error = step_error(&report, case);
        assert!(error.starts_with("the response body exceeded 8 MiB"), "{case}: {error}\n{}", run.stdout);
    }
    let error = step_error(&report, "Huge answer 2");
    assert!(error.contains("the first 512 bytes: \"{\\\"pad\\\":\\\"aaa"), "{error}");
    assert!(run.stdout.contains("the response body exceeded 8 MiB"), "{}", run.stdout);
}

#[test]
fn a_slow_answer_and_a_silent_clock_are_bounded_by_the_timeout_and_the_limit_by_its_flag() {
    let target = HostileTarget::start();
    let suite = Suite::new(&target.url(), "auto");
    suite.case("slow", "Slow answer", "slow.do", "");
    suite.case("big-json", "Big answer", "big-json.do", "");
    let run = Run::of(&suite, "2s", &["--max-response-size", "1MiB"]);
    assert_eq!(run.code, Some(1), "the cases must fail:\n{}\n{}", run.stdout, run.stderr);
    assert!(run.elapsed < Duration::from_secs(30), "the run took {:?}", run.elapsed);
    let report: serde_json::Value = serde_json::from_str(&run.written("out/report.json")).expect("a JSON report");
    let error = step_error(&report, "Big answer");
    assert!(error.starts_with("the response body exceeded 1 MiB"), "{error}");
    let error = step_error(&report, "Slow answer");
    assert!(error.contains("no response within 2.00s"), "{error}");
    assert!(
        run.stdout.contains("clock: real (the target offers no manual clock: ")
            && run.stdout.contains("/_paycheck/clock: no response within 2.00s"),
        "the clock's fallback and its reason are not said:\n{}",
        run.stdout
    );
}

#[test]
fn a_secret_echoed_back_in_any_encoding_appears_in_no_output() {
    let target = HostileTarget::start();
    let suite = Suite::new(&target.url(), "real");
    suite.write(
        "cases/echo.yaml",
        "name: Echo in every encoding\ncovers: [t.any]\napi: router\nsteps:\n  - name: echo and snapshot\n    request:\n      \
         path: echo.do\n      body: { userName: \"{{ merchant.user }}\", password: \"{{ merchant.password }}\" }\n    \
         expect:\n      status: 200\n    snapshot: true\n  - name: echo and fail\n    request:\n      path: echo.do\n      \
         body: { userName: \"{{ merchant.user }}\", password: \"{{ merchant.password }}\" }\n    expect:\n      \
         status: 200\n      schema: t/numbers.json\n      json:\n        \"$.echo0\": other\n        \"$.echo3\": other\n        \
         \"$.echo9\": other\n      text: { contains: absent }\n",
    );
    suite.case("echo-text", "Echo as HTML", "echo-text.do", "      json:\n        \"$.errorCode\": \"0\"\n");
    suite.case("cut", "Secret across the cuts", "cut.do", "      json:\n        \"$.errorCode\": \"0\"\n");
    suite.case("huge", "Secret in a huge answer", "huge.do", "");
    let run = Run::of(&suite, "60s", &[]);
    assert_eq!(run.code, Some(1), "the cases must fail:\n{}\n{}", run.stdout, run.stderr);
    run.assert_bounded();
    let mask = format!("[masked:{SECRET_VARIABLE}]");
    assert!(run.stdout.contains(&mask), "no mask in the output:\n{}", run.stdout);
    assert!(
        run.written.iter().any(|(name, _)| name.ends_with(".snap.new")),
        "no pending snapshot was written: {:?}",
        run.written.iter().map(|(name, _)| name).collect::<Vec<_>>()
    );
    run.assert_no_secret();
}
