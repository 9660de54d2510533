//! A diff as typed lines, so that every reader (terminal, HTML, JUnit, snapshot review) styles
//! the same kind of line the same way instead of re-splitting text by its `+`/`-` prefixes.
//!
//! The convention is insta's and git's: the expected (accepted) side is `-`, the actual (new)
//! side is `+`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a line of a diff is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    /// A file header (`--- accepted`, `+++ new`) or a hunk header (`@@ … @@`).
    Header,
    /// Only in the expected (accepted) text: `-`.
    Expected,
    /// Only in the actual (new) text: `+`.
    Actual,
    /// In both: context.
    Same,
}

/// One line of a diff, without its prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    /// What the line is.
    pub kind: LineKind,
    /// The line's text (for headers, the whole header).
    pub text: String,
}

impl DiffLine {
    /// The line as a unified diff prints it.
    pub fn unified(&self) -> String {
        match self.kind {
            LineKind::Header => self.text.clone(),
            LineKind::Expected => format!("-{}", self.text),
            LineKind::Actual => format!("+{}", self.text),
            LineKind::Same => format!(" {}", self.text),
        }
    }
}

/// A diff from an expected text to an actual one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diff {
    /// The lines, in order.
    pub lines: Vec<DiffLine>,
}

impl Diff {
    /// A unified diff with three lines of context and file headers naming both sides.
    pub fn unified(expected: &str, actual: &str, expected_label: &str, actual_label: &str) -> Diff {
        let (expected, actual) = (with_final_newline(expected), with_final_newline(actual));
        let diff = similar::TextDiff::from_lines(&expected, &actual);
        let mut lines = Vec::new();
        for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
            if lines.is_empty() {
                lines.push(header(format!("--- {expected_label}")));
                lines.push(header(format!("+++ {actual_label}")));
            }
            lines.push(header(hunk.header().to_string().trim_end().to_string()));
            lines.extend(hunk.iter_changes().map(|change| change_line(change.tag(), change.value())));
        }
        Diff { lines }
    }

    /// Every line of both texts, changed or not, without headers (for short documents).
    pub fn whole(expected: &str, actual: &str) -> Diff {
        let diff = similar::TextDiff::from_lines(expected, actual);
        Diff { lines: diff.iter_all_changes().map(|change| change_line(change.tag(), change.value())).collect() }
    }

    /// True when the texts were equal.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The diff as unified-diff text.
    pub fn to_unified(&self) -> String {
        let mut text = String::new();
        for line in &self.lines {
            text.push_str(&line.unified());
            text.push('\n');
        }
        text
    }
}

impl Serialize for Diff {
    /// Reports carry the unified-diff text.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_unified())
    }
}

impl<'de> Deserialize<'de> for Diff {
    /// Reads the unified-diff text a report carries back into typed lines.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Diff, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Diff::parse_unified(&text))
    }
}

impl Diff {
    /// Types the lines of unified-diff text (the inverse of [`Diff::to_unified`]).
    pub fn parse_unified(text: &str) -> Diff {
        let has_hunks = text.lines().any(|line| line.starts_with("@@ "));
        let lines = text
            .lines()
            .enumerate()
            .map(|(index, line)| {
                let file_header = has_hunks && index < 2 && (line.starts_with("--- ") || line.starts_with("+++ "));
                if file_header || line.starts_with("@@ ") {
                    return header(line.to_string());
                }
                let (kind, rest) = match line.chars().next() {
                    Some('-') => (LineKind::Expected, &line[1..]),
                    Some('+') => (LineKind::Actual, &line[1..]),
                    Some(' ') => (LineKind::Same, &line[1..]),
                    _ => (LineKind::Same, line),
                };
                DiffLine { kind, text: rest.to_string() }
            })
            .collect();
        Diff { lines }
    }
}

fn header(text: String) -> DiffLine {
    DiffLine { kind: LineKind::Header, text }
}

fn change_line(tag: similar::ChangeTag, value: &str) -> DiffLine {
    let kind = match tag {
        similar::ChangeTag::Delete => LineKind::Expected,
        similar::ChangeTag::Insert => LineKind::Actual,
        similar::ChangeTag::Equal => LineKind::Same,
    };
    DiffLine { kind, text: value.trim_end_matches(['\n', '\r']).to_string() }
}

fn with_final_newline(text: &str) -> String {
    if text.ends_with('\n') || text.is_empty() { text.to_string() } else { format!("{text}\n") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unified_diff_types_its_lines() {
        let diff = Diff::unified("HTTP 200\n\n{}", "HTTP 201\n\n{}", "accepted", "new");
        let kinds: Vec<LineKind> = diff.lines.iter().map(|line| line.kind).collect();
        assert_eq!(
            kinds,
            [
                LineKind::Header,
                LineKind::Header,
                LineKind::Header,
                LineKind::Expected,
                LineKind::Actual,
                LineKind::Same,
                LineKind::Same
            ]
        );
        let text = diff.to_unified();
        assert!(text.starts_with("--- accepted\n+++ new\n@@ -1,3 +1,3 @@\n-HTTP 200\n+HTTP 201\n"), "{text}");
    }

    #[test]
    fn a_diff_reads_back_from_its_text() {
        let diff = Diff::unified("a\n-b\n+c\n", "a\n--b\n+c\n", "accepted", "new");
        assert_eq!(Diff::parse_unified(&diff.to_unified()), diff);
        let whole = Diff::whole("{\n  \"a\": 1\n}\n", "{\n  \"a\": 2\n}\n");
        assert_eq!(Diff::parse_unified(&whole.to_unified()), whole);
    }

    #[test]
    fn equal_texts_give_an_empty_diff() {
        assert!(Diff::unified("a\nb\n", "a\nb\n", "accepted", "new").is_empty());
    }
}
