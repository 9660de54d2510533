//! YAML parsing errors turned into diagnostics that point at the offending key or value.

use std::sync::Arc;

use super::diagnostic::Diagnostic;
use super::source::{SourceFile, SourceSpan};
use super::suggest;

/// Parses a YAML document into a typed value; the error names file, line, column and what was expected.
pub fn parse<T: serde::de::DeserializeOwned>(file: &Arc<SourceFile>) -> Result<T, Diagnostic> {
    // No document here reads its comments back: serde-saphyr is built without its `comments`
    // feature, whose scanner keeps every comment.
    serde_saphyr::from_str::<T>(&file.text).map_err(|error| to_diagnostic(file, &error))
}

fn to_diagnostic(file: &Arc<SourceFile>, error: &serde_saphyr::Error) -> Diagnostic {
    let span = error.location().map(|location| SourceSpan::from_location(file, &location));
    let (message, label, help) = describe(error);
    let mut diagnostic = match span {
        Some(span) => Diagnostic::at(span, message),
        None => Diagnostic::in_file(file.display_path(), message),
    };
    if let Some(label) = label {
        diagnostic = diagnostic.with_label(label);
    }
    if let Some(help) = help {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

fn describe(error: &serde_saphyr::Error) -> (String, Option<String>, Option<String>) {
    if let serde_saphyr::Error::SerdeUnknownField { field, expected, .. } = error.without_snippet() {
        let help = suggest::did_you_mean(field, expected.iter().copied())
            .unwrap_or_else(|| format!("expected one of: {}", expected.join(", ")));
        return (format!("unknown key `{field}`"), Some("not a key here".into()), Some(help));
    }
    if let serde_saphyr::Error::SerdeMissingField { field, .. } = error.without_snippet() {
        return (format!("missing key `{field}`"), Some(format!("`{field}` is required here")), None);
    }
    let rendered =
        error.render_with_options(serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off });
    let first_line = rendered.lines().next().unwrap_or_default();
    let message = strip_position(first_line.trim_start_matches("error: "));
    (format!("invalid case file: {message}"), Some(message.to_string()), None)
}

/// Drops a leading "line N column M: " that the YAML library adds.
fn strip_position(message: &str) -> &str {
    let Some(rest) = message.strip_prefix("line ") else { return message };
    match rest.find(": ") {
        Some(index) if rest[..index].contains("column") => &rest[index + 2..],
        _ => message,
    }
}
