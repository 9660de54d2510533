//! Lets the `cargo test` harness (`tests/suite/cases.rs`) see new case files: rstest's `#[files]`
//! expands its glob at compile time, so the test crate is rebuilt whenever `cases/` changes, and
//! the harness is compiled only when there is a case to run (rstest rejects an empty glob).

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(paycheck_has_cases)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=cases");
    if has_case_file(Path::new("cases")) {
        println!("cargo::rustc-cfg=paycheck_has_cases");
    }
}

fn has_case_file(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.filter_map(Result::ok).any(|entry| {
        let path = entry.path();
        if path.is_dir() { has_case_file(&path) } else { path.extension().is_some_and(|extension| extension == "yaml") }
    })
}
