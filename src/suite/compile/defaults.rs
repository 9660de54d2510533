//! Folder defaults laid into a step's request: the body parameters, query parameters and headers
//! every API request (a `path:` request) of the folder carries, unless the request gives its own
//! value or leaves the default out with `omit:`.

use serde_json::Value;
use serde_saphyr::Spanned;

use super::Compiler;
use crate::suite::case_format::StepDoc;
use crate::suite::suggest;

/// `omit:` naming every default.
const OMIT_ALL: &str = "all";

impl Compiler<'_> {
    /// The step with the folder defaults applied, or `None` when they change nothing.
    pub(super) fn apply_defaults(&mut self, doc: &Spanned<StepDoc>) -> Option<Spanned<StepDoc>> {
        let request = doc.value.request.as_ref()?;
        let defaults = std::sync::Arc::clone(&self.scope.defaults);
        let omitted: Vec<&str> = request.value.omit.iter().map(|name| name.value.as_str()).collect();
        for name in &request.value.omit {
            if name.value != OMIT_ALL && !defaults.parameter_names().any(|known| known == name.value) {
                let span = self.span(name);
                let help = suggest::did_you_mean(&name.value, defaults.parameter_names().chain([OMIT_ALL]))
                    .unwrap_or_else(|| {
                        "`omit:` names a body parameter, query parameter or header of the folder defaults, or `all`"
                            .into()
                    });
                self.error(span, format!("`{}` is not a default of this folder", name.value))
                    .add_label("nothing to omit")
                    .add_help(help);
            }
        }
        if defaults.is_empty() || request.value.path.is_none() || omitted.contains(&OMIT_ALL) {
            return None;
        }
        let keep = |name: &String| !omitted.contains(&name.as_str());
        let mut doc = doc.clone();
        let request = doc.value.request.as_mut()?;
        let request = &mut request.value;
        if request.raw_body.is_none() {
            let mut body = serde_json::Map::new();
            for (name, value) in defaults.body.iter().filter(|(name, _)| keep(name)) {
                body.insert(name.clone(), value.value.value.clone());
            }
            match &mut request.body {
                Some(own) => {
                    if let Value::Object(own_map) = &own.value {
                        let mut merged = body;
                        merge(&mut merged, own_map);
                        own.value = Value::Object(merged);
                    }
                }
                None if !body.is_empty() => {
                    request.body = Some(Spanned::new(Value::Object(body), doc.referenced, doc.defined));
                }
                None => {}
            }
        }
        for (name, value) in defaults.query.iter().filter(|(name, _)| keep(name)) {
            if !request.query.contains_key(name) {
                request.query.insert(name.clone(), value.value.clone());
            }
        }
        for (name, value) in defaults.headers.iter().filter(|(name, _)| keep(name)) {
            if !request.headers.keys().any(|own| own.eq_ignore_ascii_case(name)) {
                request.headers.insert(name.clone(), value.value.clone());
            }
        }
        Some(doc)
    }
}

/// Lays `own` over `base`: a key in both whose values are maps is merged key by key; otherwise
/// `own`'s value wins. The defaults' keys come first.
fn merge(base: &mut serde_json::Map<String, Value>, own: &serde_json::Map<String, Value>) {
    for (key, value) in own {
        match (base.get_mut(key), value) {
            (Some(Value::Object(base_map)), Value::Object(own_map)) => merge(base_map, own_map),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}
