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
}

impl SourceFile {
    /// Wraps a file's text.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Arc<SourceFile> {
        Arc::new(SourceFile { path: path.into(), text: text.into() })
    }

    /// The path for display.
    pub fn display_path(&self) -> String {
        self.path.display().to_string()
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, byte_offset: usize) -> (usize, usize) {
        let offset = byte_offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
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
}

impl SourceSpan {
    /// A span covering a byte range.
    pub fn new(file: &Arc<SourceFile>, range: std::ops::Range<usize>) -> SourceSpan {
        let end = range.end.min(file.text.len());
        let start = range.start.min(end);
        let (line, column) = file.line_col(start);
        SourceSpan { file: Arc::clone(file), range: start..end, line, column }
    }

    /// A span for a serde-saphyr location (line and column are 1-based).
    pub fn from_location(file: &Arc<SourceFile>, location: &serde_saphyr::Location) -> SourceSpan {
        let span = location.span();
        if let (Some(offset), Some(len)) = (span.byte_offset(), span.byte_len()) {
            let start = offset as usize;
            return SourceSpan::new(file, start..start + len as usize);
        }
        let start = byte_offset_of(&file.text, location.line() as usize, location.column() as usize);
        SourceSpan::new(file, start..start)
    }

    /// `path:line:column`, the way compilers print positions.
    pub fn position(&self) -> String {
        format!("{}:{}:{}", self.file.path.display(), self.line, self.column)
    }

    /// The file this span points into.
    pub fn path(&self) -> &Path {
        &self.file.path
    }
}

/// The byte offset of a 1-based line and column, clamped to the text.
fn byte_offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (index, line_text) in text.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            let in_line: usize = line_text.chars().take(column.saturating_sub(1)).map(char::len_utf8).sum();
            return offset + in_line;
        }
        offset += line_text.len();
    }
    text.len()
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
        let text = "a: 1\nbb: 2\n";
        assert_eq!(byte_offset_of(text, 2, 2), 6);
        assert_eq!(byte_offset_of(text, 9, 1), text.len());
    }
}
