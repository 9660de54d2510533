//! Report files: `--report FORMAT[=PATH]`, the run as the file writers collect it, and the
//! reporter that writes a file (atomically) when the run is over.

use std::path::PathBuf;
use std::str::FromStr;

use crate::outcome::{Event, RunRecord};

use super::reporter::Reporter;
use super::{html, json, junit};

/// The folder reports go to when no path is given.
pub const DEFAULT_DIR: &str = "reports";

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// JUnit XML, for CI systems.
    Junit,
    /// The versioned JSON document (`schemas/report.schema.json`).
    Json,
    /// One self-contained HTML page.
    Html,
}

impl ReportFormat {
    /// Every format.
    pub const ALL: [ReportFormat; 3] = [ReportFormat::Junit, ReportFormat::Json, ReportFormat::Html];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Junit => "junit",
            ReportFormat::Json => "json",
            ReportFormat::Html => "html",
        }
    }

    /// Where the report goes when no path is given.
    pub fn default_path(self) -> PathBuf {
        let file = match self {
            ReportFormat::Junit => "junit.xml",
            ReportFormat::Json => "report.json",
            ReportFormat::Html => "report.html",
        };
        PathBuf::from(DEFAULT_DIR).join(file)
    }
}

/// One `--report FORMAT[=PATH]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSpec {
    /// The format.
    pub format: ReportFormat,
    /// Where to write it.
    pub path: PathBuf,
}

impl ReportSpec {
    /// Every format at its default path: what a run under CI writes when no `--report` is given.
    pub fn ci_defaults() -> Vec<ReportSpec> {
        ReportFormat::ALL.into_iter().map(|format| ReportSpec { format, path: format.default_path() }).collect()
    }
}

impl FromStr for ReportSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<ReportSpec, String> {
        let (name, path) = match text.split_once('=') {
            Some((name, path)) => (name.trim(), Some(path.trim())),
            None => (text.trim(), None),
        };
        let format =
            ReportFormat::ALL.into_iter().find(|format| format.name().eq_ignore_ascii_case(name)).ok_or_else(|| {
                format!("unknown report format `{name}`: use junit, json or html, as in junit=out/junit.xml")
            })?;
        let path = match path {
            Some("") => return Err(format!("no path after `{name}=`")),
            Some(path) => PathBuf::from(path),
            None => format.default_path(),
        };
        Ok(ReportSpec { format, path })
    }
}

/// Renders a run in the spec's format and writes it (atomically) to the spec's path.
pub fn write(spec: &ReportSpec, record: &RunRecord) -> Result<(), String> {
    let text = match spec.format {
        ReportFormat::Junit => junit::render(record),
        ReportFormat::Json => json::render(record),
        ReportFormat::Html => html::render(record),
    }
    .map_err(|error| format!("cannot render the {} report: {error}", spec.format.name()))?;
    crate::atomic_file::write(&spec.path, text.as_bytes())
}

/// Writes one report file when the run is over.
pub struct FileReporter {
    spec: ReportSpec,
    record: RunRecord,
}

impl FileReporter {
    /// A reporter writing `spec`; `shard` is recorded in the report.
    pub fn new(spec: ReportSpec, shard: Option<String>) -> FileReporter {
        FileReporter { spec, record: RunRecord { shard, ..RunRecord::default() } }
    }
}

impl Reporter for FileReporter {
    fn on_event(&mut self, event: &Event) {
        self.record.on_event(event);
    }

    fn finish(&mut self) -> Result<(), String> {
        write(&self.spec, &self.record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_specs_name_a_format_and_maybe_a_path() {
        assert_eq!(
            "junit=out/j.xml".parse::<ReportSpec>().unwrap(),
            ReportSpec { format: ReportFormat::Junit, path: "out/j.xml".into() }
        );
        assert_eq!("HTML".parse::<ReportSpec>().unwrap().path, PathBuf::from("reports/report.html"));
        assert!("xml=a".parse::<ReportSpec>().is_err());
        assert!("json=".parse::<ReportSpec>().is_err());
    }
}
