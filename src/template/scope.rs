//! The names a step's templates can read: variables, captures, and the run's namespaces.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use minijinja::Value;
use minijinja::value::ValueKind;

/// Variables visible to templates. Cloning is cheap and handing the scope to an expression
/// copies nothing: the map is shared and only copied when a shared scope is written to.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    values: Arc<BTreeMap<String, Value>>,
}

impl Scope {
    /// Sets a name to a JSON value.
    pub fn set(&mut self, name: &str, value: serde_json::Value) {
        self.set_value(name, Value::from(minijinja::value::Serde(&value)));
    }

    /// Sets a name to an already converted template value.
    pub fn set_value(&mut self, name: &str, value: Value) {
        Arc::make_mut(&mut self.values).insert(name.to_string(), value);
    }

    /// Reads a name back as JSON.
    pub fn get(&self, name: &str) -> Option<serde_json::Value> {
        self.values.get(name).and_then(|value| serde_json::to_value(value).ok())
    }

    /// Calls `visit` with each string in the value of `name` and its path from the name
    /// (`name.field`, `name[0]`), depth first in order, down to `max_depth` levels; stops when
    /// `visit` says false. Nothing is converted or copied (snapshots look for a case's inputs so).
    pub fn walk_strings(&self, name: &str, max_depth: usize, visit: &mut impl FnMut(&str, &str) -> bool) {
        if let Some(value) = self.values.get(name) {
            walk_strings(value, &mut name.to_string(), 0, max_depth, visit);
        }
    }

    /// True when the name is defined.
    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// A name and its attributes, when every one is there (`["merchant", "user"]`).
    pub(super) fn lookup(&self, segments: &[String]) -> Option<Value> {
        let (name, attributes) = segments.split_first()?;
        let mut value = self.values.get(name)?.clone();
        for attribute in attributes {
            value = value.get_attr(attribute).ok().filter(|found| !found.is_undefined())?;
        }
        Some(value)
    }

    /// The evaluation context for minijinja.
    pub(super) fn context(&self) -> Value {
        Value::from_dyn_object(Arc::clone(&self.values))
    }
}

/// [`Scope::walk_strings`] from one value at `depth`; false once `visit` said stop.
fn walk_strings(
    value: &Value,
    path: &mut String,
    depth: usize,
    max_depth: usize,
    visit: &mut impl FnMut(&str, &str) -> bool,
) -> bool {
    if depth > max_depth {
        return true;
    }
    let length = path.len();
    match value.kind() {
        ValueKind::String => value.as_str().is_none_or(|text| visit(path, text)),
        ValueKind::Map => {
            // Keys and values together: looking each key up again costs a hash and a clone.
            let Some(pairs) = value.as_object().and_then(|object| object.try_iter_pairs()) else { return true };
            for (key, item) in pairs {
                let Some(name) = key.as_str() else { continue };
                path.push('.');
                path.push_str(name);
                let go_on = walk_strings(&item, path, depth + 1, max_depth, visit);
                path.truncate(length);
                if !go_on {
                    return false;
                }
            }
            true
        }
        ValueKind::Seq => {
            let Ok(items) = value.try_iter() else { return true };
            for (index, item) in items.enumerate() {
                let _ = write!(path, "[{index}]");
                let go_on = walk_strings(&item, path, depth + 1, max_depth, visit);
                path.truncate(length);
                if !go_on {
                    return false;
                }
            }
            true
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn walk_strings_visits_each_string_with_its_path_in_order_and_stops_when_asked() {
        let mut scope = Scope::default();
        scope.set("cells", json!({"b": {"clause": "x.y", "n": 5}, "a": ["one", {"deep": "two"}]}));
        let mut seen = Vec::new();
        scope.walk_strings("cells", 8, &mut |path, text| {
            seen.push(format!("{path}={text}"));
            true
        });
        assert_eq!(seen, ["cells.b.clause=x.y", "cells.a[0]=one", "cells.a[1].deep=two"]);

        let mut shallow = Vec::new();
        scope.walk_strings("cells", 2, &mut |path, _| {
            shallow.push(path.to_string());
            true
        });
        assert_eq!(shallow, ["cells.b.clause", "cells.a[0]"], "no deeper than two levels");

        let mut first = Vec::new();
        scope.walk_strings("cells", 8, &mut |path, _| {
            first.push(path.to_string());
            false
        });
        assert_eq!(first, ["cells.b.clause"]);
        scope.walk_strings("absent", 8, &mut |_, _| panic!("no such name"));
    }
}
