//! Source files and positions inside them, so that every error can point at file, line and column.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file the suite was loaded from, kept whole so diagnostics can quote it.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user gave it or as discovery found it (relative where possible).
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
    /// The byte offset at which each line starts, found once so that a position costs a binary
    /// search, not a scan of the file.
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Wraps a file's text.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Arc<SourceFile> {
        let text = text.into();
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(index, _)| index + 1)).collect();
        Arc::new(SourceFile { path: path.into(), text, line_starts })
    }

    /// The path for display.
    pub fn display_path(&self) -> String {
        match self.path.to_str() {
            Some(path) => path.to_string(),
            None => self.path.display().to_string(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, byte_offset: usize) -> (usize, usize) {
        let offset = crate::text::floor_char_boundary(&self.text, byte_offset);
        let line_index = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line_index];
        let column = self.text[line_start..offset].chars().count() + 1;
        (line_index + 1, column)
    }

    /// The byte offset of a 1-based line and column (in characters), clamped to the text.
    pub fn byte_offset(&self, line: usize, column: usize) -> usize {
        let Some(&line_start) = line.checked_sub(1).and_then(|index| self.line_starts.get(index)) else {
            return self.text.len();
        };
        let line_end = self.line_starts.get(line).copied().unwrap_or(self.text.len());
        let in_line: usize =
            self.text[line_start..line_end].chars().take(column.saturating_sub(1)).map(char::len_utf8).sum();
        line_start + in_line
    }

    /// The byte range of the 1-based lines `first..=last` (clamped to the file), with their line
    /// ends: what a diagnostic quotes.
    pub fn line_range(&self, first: usize, last: usize) -> std::ops::Range<usize> {
        let start = self.line_starts.get(first.saturating_sub(1)).copied().unwrap_or(self.text.len());
        let end = self.line_starts.get(last).copied().unwrap_or(self.text.len());
        start..end.max(start)
    }
}

/// A byte range in a source file, with the line and column of its start worked out once.
#[derive(Debug, Clone)]
pub struct SourceSpan {
    /// The file.
    pub file: Arc<SourceFile>,
    /// Byte offsets into the file's text.
    pub range: std::ops::Range<usize>,
    line: usize,
    column: usize,
    /// `path:line:column`, written the first time a result asks for it: a case run many times
    /// records it for every check of every run.
    position: std::sync::OnceLock<String>,
}

impl SourceSpan {
    /// A span covering a byte range.
    pub fn new(file: &Arc<SourceFile>, range: std::ops::Range<usize>) -> SourceSpan {
        let end = range.end.min(file.text.len());
        let start = range.start.min(end);
        let (line, column) = file.line_col(start);
        SourceSpan { file: Arc::clone(file), range: start..end, line, column, position: std::sync::OnceLock::new() }
    }

    /// A span for a serde-saphyr location (line and column are 1-based).
    pub fn from_location(file: &Arc<SourceFile>, location: &serde_saphyr::Location) -> SourceSpan {
        let span = location.span();
        if let (Some(offset), Some(len)) = (span.byte_offset(), span.byte_len()) {
            let start = offset as usize;
            return SourceSpan::new(file, start..start + len as usize);
        }
        let start = file.byte_offset(location.line() as usize, location.column() as usize);
        SourceSpan::new(file, start..start)
    }

    /// `path:line:column`, the way compilers print positions.
    pub fn position(&self) -> String {
        let written = || match self.file.path.to_str() {
            // A UTF-8 path is copied, not re-validated by `Path::display`.
            Some(path) => format!("{path}:{}:{}", self.line, self.column),
            None => format!("{}:{}:{}", self.file.path.display(), self.line, self.column),
        };
        self.position.get_or_init(written).clone()
    }

    /// The file this span points into.
    pub fn path(&self) -> &Path {
        &self.file.path
    }

    /// The 1-based line the span starts on.
    pub fn line(&self) -> usize {
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let file = SourceFile::new("a.yaml", "name: x\nsteps:\n  - é: 1\n");
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(8), (2, 1));
        let offset = file.text.find(": 1").unwrap();
        assert_eq!(file.line_col(offset), (3, 6));
    }

    #[test]
    fn byte_offset_round_trips_line_and_column() {
        let file = SourceFile::new("a.yaml", "a: 1\nbb: 2\né: 3");
        assert_eq!(file.byte_offset(2, 2), 6);
        assert_eq!(file.line_col(6), (2, 2));
        assert_eq!(file.byte_offset(3, 2), 13);
        assert_eq!(file.line_col(13), (3, 2));
        assert_eq!(file.byte_offset(9, 1), file.text.len());
        assert_eq!(file.byte_offset(0, 1), file.text.len());
    }

    #[test]
    fn positions_past_the_end_and_inside_a_character_are_clamped() {
        let file = SourceFile::new("a.yaml", "é\n");
        assert_eq!(file.line_col(1), (1, 1));
        assert_eq!(file.line_col(99), (2, 1));
        assert_eq!(file.line_range(1, 1), 0..3);
        assert_eq!(file.line_range(2, 9), 3..3);
    }
}
