//! Shared helpers for the end-to-end tests: a temporary suite folder and a misbehaving server.

#![allow(dead_code)]

pub mod served;
pub mod stub;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A temporary suite: `cases/`, `schemas/`, `clauses.yaml`, removed on drop.
pub struct TempSuite {
    dir: tempfile::TempDir,
}

impl TempSuite {
    /// An empty suite with a one-clause catalogue and a small response schema.
    pub fn new() -> TempSuite {
        let dir = tempfile::tempdir().expect("temporary folder");
        let suite = TempSuite { dir };
        suite.write(
            "clauses.yaml",
            "version: 1\nclauses:\n  - {id: test.register, api: v1, section: '2.1', text: register answers an order id, level: must}\n",
        );
        suite.write(
            "schemas/test/register.json",
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                "required": ["orderId"], "properties": {"orderId": {"type": "string"}}}"#,
        );
        suite
    }

    /// Writes a file (creating folders).
    pub fn write(&self, relative: &str, text: &str) {
        let path = self.dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(path, text).expect("write file");
    }

    /// The suite's folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A file's path.
    pub fn file(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// `paycheck` run inside the suite's folder.
    pub fn paycheck(&self) -> Command {
        let mut command = Command::cargo_bin("paycheck").expect("the paycheck binary");
        command.current_dir(self.dir.path()).env_remove("CI").env("NO_COLOR", "1");
        command
    }
}
