//! The names a step's templates can read: variables, captures, and the run's namespaces.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::Value;

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

    /// True when the name is defined.
    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The evaluation context for minijinja.
    pub(super) fn context(&self) -> Value {
        Value::from_dyn_object(Arc::clone(&self.values))
    }
}
