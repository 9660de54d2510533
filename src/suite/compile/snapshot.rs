//! Snapshot settings of a case and its steps, and their redactions.

use serde_json::Value;
use serde_saphyr::Spanned;

use super::{Compiler, SnapshotSetting};
use crate::check::jsonpath::JsonQuery;
use crate::suite::case::{Redaction, SnapshotSpec};
use crate::suite::case_format::{StepDoc, keys};
use crate::suite::source::SourceSpan;
use crate::suite::suggest;

impl Compiler<'_> {
    /// The snapshot a request step takes: the case's, extended or turned off by the step's own
    /// (`off`, so that a run snapshotting every exchange still leaves it out).
    pub(super) fn step_snapshot(
        &mut self,
        step: &StepDoc,
        step_name: &str,
        step_span: &SourceSpan,
    ) -> Option<SnapshotSpec> {
        let own = step.snapshot.as_ref().and_then(|setting| self.snapshot_setting(setting));
        let mut spec = match (own, &self.case_snapshot) {
            (Some(SnapshotSetting::Off), _) => {
                let name = crate::snapshot::name::slug(step_name);
                return Some(SnapshotSpec { name, off: true, ..SnapshotSpec::default() });
            }
            (None, None) => return None,
            (None, Some(inherited)) => inherited.clone(),
            (Some(SnapshotSetting::On(own)), None) => own,
            (Some(SnapshotSetting::On(own)), Some(inherited)) => {
                let mut merged = inherited.clone();
                merged.redact.extend(own.redact);
                merged.headers.extend(own.headers);
                merged
            }
        };
        spec.headers.sort();
        spec.headers.dedup();
        spec.name = crate::snapshot::name::slug(step_name);
        let at = step.snapshot.as_ref().map_or_else(|| step_span.clone(), |setting| self.span(setting));
        if let Some(first) = self.snapshot_names.get(&spec.name) {
            let help = format!(
                "the other step is at {}; snapshots are named after their step, so give the steps different names",
                first.position()
            );
            self.error(at, format!("two snapshotted steps are both named `{}`", spec.name)).add_help(help);
        } else {
            self.snapshot_names.insert(spec.name.clone(), at);
        }
        Some(spec)
    }

    /// Reads `snapshot: true | false | { redact: {...}, headers: [...] }`.
    pub(super) fn snapshot_setting(&mut self, setting: &Spanned<Value>) -> Option<SnapshotSetting> {
        let span = self.span(setting);
        const SHAPE: &str = "`snapshot` is `true`, `false`, or a map with `redact` (JSONPath → placeholder) and `headers` (a list of names)";
        let fields = match &setting.value {
            Value::Bool(true) => return Some(SnapshotSetting::On(SnapshotSpec::default())),
            Value::Bool(false) => return Some(SnapshotSetting::Off),
            Value::Object(fields) => fields,
            _ => {
                self.error(span, "invalid `snapshot`").add_help(SHAPE);
                return None;
            }
        };
        let mut spec = SnapshotSpec::default();
        for (key, value) in fields {
            match (key.as_str(), value) {
                ("redact", Value::Object(redactions)) => {
                    for (query, placeholder) in redactions {
                        if let Some(redaction) = self.redaction(query, placeholder, &span) {
                            spec.redact.push(redaction);
                        }
                    }
                }
                ("headers", Value::Array(names)) => {
                    for name in names {
                        match name.as_str() {
                            Some(name) if !name.trim().is_empty() => {
                                spec.headers.push(name.trim().to_ascii_lowercase())
                            }
                            _ => {
                                self.error(span.clone(), "`snapshot.headers` lists header names, as strings");
                            }
                        }
                    }
                }
                ("redact" | "headers", _) => {
                    self.error(span.clone(), format!("invalid `snapshot.{key}`")).add_help(SHAPE);
                }
                (other, _) => {
                    let help = suggest::did_you_mean(other, keys::SNAPSHOT.iter().copied())
                        .unwrap_or_else(|| SHAPE.to_string());
                    self.error(span.clone(), format!("unknown key `{other}` in `snapshot`")).add_help(help);
                }
            }
        }
        Some(SnapshotSetting::On(spec))
    }

    pub(super) fn redaction(&mut self, query: &str, placeholder: &Value, span: &SourceSpan) -> Option<Redaction> {
        let path = match JsonQuery::parse(query) {
            Ok(parsed) => parsed.path().clone(),
            Err(message) => {
                self.error(span.clone(), format!("{message} (in `snapshot.redact`)"))
                    .add_help("JSONPath queries start with `$`, as in `$.orderId`");
                return None;
            }
        };
        let name = placeholder.as_str().map(|text| text.trim().trim_start_matches('[').trim_end_matches(']'));
        match name {
            Some(name) if crate::snapshot::name::is_placeholder_name(name) => {
                Some(Redaction { source: query.to_string(), path, placeholder: name.to_string() })
            }
            _ => {
                self.error(span.clone(), format!("invalid placeholder for `{query}` in `snapshot.redact`"))
                    .add_help("a placeholder is a name of letters, digits, `_`, `-` or `.`, such as `order_id`; it is written `[order_id]`");
                None
            }
        }
    }
}
