//! Errors in the suite (cases, schemas, clauses, configuration), rendered the way rustc renders
//! its own: a title, the file, line and column, the offending snippet, and a help line.

use std::fmt;

use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::source::SourceSpan;

/// One problem found while loading the suite.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// What is wrong, in one line.
    pub message: String,
    /// Where it is, when it is in a file we can quote.
    pub span: Option<Box<SourceSpan>>,
    /// A path to show when there is no span (a file that could not be read, say).
    pub path: Option<String>,
    /// The label under the snippet.
    pub label: Option<String>,
    /// Extra lines: what was expected, a "did you mean".
    pub help: Vec<String>,
    /// Context lines after the help: for a mistake inside a fragment, where each call that
    /// reached it is, innermost first.
    pub notes: Box<[String]>,
}

impl Diagnostic {
    /// A diagnostic at a span.
    pub fn at(span: SourceSpan, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            span: Some(Box::new(span)),
            path: None,
            label: None,
            help: Vec::new(),
            notes: Box::default(),
        }
    }

    /// A diagnostic about a whole file.
    pub fn in_file(path: impl fmt::Display, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            span: None,
            path: Some(path.to_string()),
            label: None,
            help: Vec::new(),
            notes: Box::default(),
        }
    }

    /// A diagnostic with no location (a bad command-line value, say).
    pub fn general(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            span: None,
            path: None,
            label: None,
            help: Vec::new(),
            notes: Box::default(),
        }
    }

    /// Sets the label shown under the snippet.
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help.push(help.into());
        self
    }

    /// Adds a note line (shown after the help lines).
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        let mut notes = std::mem::take(&mut self.notes).into_vec();
        notes.push(note.into());
        self.notes = notes.into_boxed_slice();
        self
    }

    /// Sets the label in place (for diagnostics already recorded).
    pub fn add_label(&mut self, label: impl Into<String>) -> &mut Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// Adds a help line in place.
    pub fn add_help(&mut self, help: impl Into<String>) -> &mut Diagnostic {
        self.help.push(help.into());
        self
    }

    /// `path:line:column`, or the bare path, or nothing.
    pub fn position(&self) -> Option<String> {
        match (&self.span, &self.path) {
            (Some(span), _) => Some(span.position()),
            (None, Some(path)) => Some(path.clone()),
            (None, None) => None,
        }
    }

    /// Renders the diagnostic; `styled` adds colour for a terminal.
    pub fn render(&self, styled: bool) -> String {
        let renderer = if styled { Renderer::styled() } else { Renderer::plain() }.decor_style(DecorStyle::Ascii);
        let title_text = match (&self.span, &self.path) {
            (None, Some(path)) => format!("{path}: {}", self.message),
            _ => self.message.clone(),
        };
        let mut group = Group::with_title(Level::ERROR.primary_title(title_text.as_str()));
        if let Some(span) = &self.span {
            // Quote only the lines the span covers, so that rendering costs the size of the span,
            // not of the file (a file with thousands of mistakes renders in linear time).
            let file = &span.file;
            let last_line = file.line_col(span.range.end).0;
            let mut first_line = span.line();
            let mut excerpt = file.line_range(first_line, last_line);
            if excerpt.is_empty() && first_line > 1 {
                // The end of a file that ends with a line break is shown at the end of its last line.
                first_line -= 1;
                excerpt = file.line_range(first_line, last_line);
            }
            let relative = span.range.start - excerpt.start..span.range.end - excerpt.start;
            let mut annotation = AnnotationKind::Primary.span(relative);
            if let Some(label) = &self.label {
                annotation = annotation.label(label.as_str());
            }
            let source = &file.text[excerpt];
            group = group.element(
                Snippet::source(source).line_start(first_line).path(file.display_path()).annotation(annotation),
            );
        }
        for help in &self.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        for note in &self.notes {
            group = group.element(Level::NOTE.message(note.as_str()));
        }
        let report = [group];
        renderer.render(&report).to_string()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// Every problem found while loading: loading goes on after the first so the user sees them all.
#[derive(Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Records a problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// True when nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many problems were found.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Renders all of them, separated by blank lines.
    pub fn render(&self, styled: bool) -> String {
        let mut out = String::new();
        for diagnostic in &self.0 {
            out.push_str(&diagnostic.render(styled));
            out.push_str("\n\n");
        }
        out
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Diagnostics {
        Diagnostics(vec![diagnostic])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::source::SourceFile;

    /// What rendering printed when it quoted the whole file: quoting only the span's lines must not
    /// change a byte of it.
    fn rendered_against_whole_file(diagnostic: &Diagnostic) -> String {
        let span = diagnostic.span.as_ref().expect("a span");
        let mut annotation = AnnotationKind::Primary.span(span.range.clone());
        if let Some(label) = &diagnostic.label {
            annotation = annotation.label(label.as_str());
        }
        let snippet = Snippet::source(span.file.text.as_str())
            .line_start(1)
            .path(span.file.display_path())
            .annotation(annotation);
        let mut group = Group::with_title(Level::ERROR.primary_title(diagnostic.message.as_str())).element(snippet);
        for help in &diagnostic.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        Renderer::plain().decor_style(DecorStyle::Ascii).render(&[group]).to_string()
    }

    #[test]
    fn quoting_the_span_lines_renders_what_quoting_the_file_did() {
        let texts = [
            "name: x\nsteps:\n  - request:\n      path: é.do\n    expect:\n      status: 2000\n  - wait: soon\n",
            "name: x\r\nsteps:\r\n\r\n  - wait: soon",
            "",
        ];
        for text in texts {
            let file = SourceFile::new("cases/a.yaml", text);
            let mut boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            boundaries.push(text.len() + 5);
            for &start in &boundaries {
                for &end in boundaries.iter().filter(|&&end| end >= start).step_by(3) {
                    let diagnostic = Diagnostic::at(SourceSpan::new(&file, start..end), "something is wrong")
                        .with_label("here")
                        .with_help("fix it");
                    let expected = rendered_against_whole_file(&diagnostic);
                    assert_eq!(diagnostic.render(false), expected, "{text:?} {start}..{end}");
                }
            }
        }
    }
}
