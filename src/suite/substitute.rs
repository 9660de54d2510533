//! Putting a fragment's arguments in place of its parameters, at load time.
//!
//! A string that is exactly `{{ param }}` becomes the argument itself (a number stays a number, a
//! map a map, a template the template). Inside any other `{{ }}` expression the parameter's name
//! is replaced by the argument as an expression in brackets: a plain value as a literal, a
//! template's expression as it is, text with templates as a `~` concatenation. Nothing is renamed
//! inside string literals or after a `.`.
//!
//! A request body key with `{{ param }}` takes the argument's text (`"{{ key }}": 0`); the case
//! works out what is left of it when it loads.
//!
//! A map entry `"...": "{{ param }}"` (a JSON check list, a header list, a request body or a map
//! inside one) spreads the argument: its entries take the entry's place, and an entry the
//! fragment writes itself under the same name is replaced by the caller's.

use indexmap::IndexMap;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::case_format::{AwaitCallbackDoc, ExpectDoc, RequestDoc, StepDoc};

/// A fragment call's arguments: parameter → value.
pub type Arguments = IndexMap<String, Value>;

/// Replaces the parameters in every template of a step.
pub fn step(step: &mut StepDoc, arguments: &Arguments) {
    if let Some(name) = &mut step.name {
        name.value = step_name(&name.value, arguments);
    }
    step.covers = std::mem::take(&mut step.covers).into_iter().flat_map(|id| clause_ids(id, arguments)).collect();
    if step.capture.keys().any(|name| whole_parameter(name, arguments).is_some()) {
        step.capture = std::mem::take(&mut step.capture)
            .into_iter()
            .map(|(name, source)| match whole_parameter(&name, arguments) {
                Some((_, Value::String(renamed))) => (renamed.clone(), source),
                _ => (name, source),
            })
            .collect();
    }
    rename_body_keys(step, &mut |key| Some(inline_text(key, arguments, true)));
    visit_step(step, &mut |slot| match slot {
        Slot::Text(text) => {
            if let Some(replaced) = text_slot(text, arguments) {
                *text = replaced;
            }
        }
        Slot::Value(value) => value_slot(value, arguments),
    });
    spread_step(step);
}

/// The key of a map entry whose argument's entries take its place.
pub const SPREAD: &str = "...";

/// Spreads every `"...": {map}` entry of a step's request body and checks.
fn spread_step(step: &mut StepDoc) {
    if let Some(body) = step.request.as_mut().and_then(|request| request.value.body.as_mut()) {
        spread_value(&mut body.value);
    }
    if let Some(expect) = &mut step.expect {
        spread_expect(&mut expect.value);
    }
}

fn spread_expect(expect: &mut ExpectDoc) {
    spread_map(&mut expect.json);
    spread_map(&mut expect.headers);
    for nested in [&mut expect.router, &mut expect.bank, &mut expect.gate].into_iter().flatten() {
        spread_expect(&mut nested.value);
    }
}

/// Spreads a `"..."` entry whose value is a map; any other value stays, for the checks to reject.
fn spread_map(map: &mut IndexMap<String, Spanned<Value>>) {
    let Some(index) = map.get_index_of(SPREAD) else { return };
    if !map[index].value.is_object() {
        return;
    }
    let Some((_, spread)) = map.shift_remove_index(index) else { return };
    if let Value::Object(entries) = spread.value {
        for (key, value) in entries {
            map.insert(key, Spanned::new(value, spread.referenced, spread.defined));
        }
    }
}

/// A spread entry still written as a template once the arguments are in place
/// (`"...": "{{ cells[limit].body }}"` in a case, or a caller's such template given to a
/// fragment): where it is, and its text.
pub struct LoadTimeSpread<'a> {
    /// Where the entry (or the map holding it) is written.
    pub at: serde_saphyr::Location,
    /// The template.
    pub template: &'a mut Value,
}

/// Calls `render` on every spread entry of a step's request body and checks whose value is
/// still text (a template to work out when the case loads), then spreads every entry that is
/// now a map. `render` replaces the template by a map, or reports why it cannot.
pub fn spread_at_load(step: &mut StepDoc, render: &mut dyn FnMut(LoadTimeSpread<'_>)) {
    if let Some(body) = step.request.as_mut().and_then(|request| request.value.body.as_mut()) {
        let at = body.referenced;
        each_spread_in_value(&mut body.value, at, render);
    }
    if let Some(expect) = &mut step.expect {
        each_spread_in_expect(&mut expect.value, render);
    }
    spread_step(step);
}

/// True when a step has something to work out when the case loads: a name, schema name or
/// request body key with `{{ }}`, or a spread entry in its request body or checks.
pub fn has_load_time_parts(step: &StepDoc) -> bool {
    // (`in_value` and `in_expect` look at the places `spread_at_load` and `schemas_mut` visit.)
    fn in_value(value: &Value) -> bool {
        match value {
            Value::Object(map) => {
                map.contains_key(SPREAD) || map.keys().any(|key| key.contains("{{")) || map.values().any(in_value)
            }
            _ => false,
        }
    }
    fn in_expect(expect: &ExpectDoc) -> bool {
        expect.schema.as_ref().is_some_and(|schema| schema.value.contains("{{"))
            || expect.json.contains_key(SPREAD)
            || expect.headers.contains_key(SPREAD)
            || [&expect.router, &expect.bank, &expect.gate].into_iter().flatten().any(|nested| in_expect(&nested.value))
    }
    step.name.as_ref().is_some_and(|name| name.value.contains("{{"))
        || step
            .request
            .as_ref()
            .and_then(|request| request.value.body.as_ref())
            .is_some_and(|body| in_value(&body.value))
        || step.expect.as_ref().is_some_and(|expect| in_expect(&expect.value))
}

/// Renames every request body key written with `{{ }}` (in maps inside the body too) to what
/// `rename` makes of it; a key it gives `None` for stays.
pub fn rename_body_keys(step: &mut StepDoc, rename: &mut dyn FnMut(&str) -> Option<String>) {
    fn walk(value: &mut Value, rename: &mut dyn FnMut(&str) -> Option<String>) {
        let Value::Object(map) = value else { return };
        if map.keys().any(|key| key.contains("{{")) {
            *map = std::mem::take(map)
                .into_iter()
                .map(|(key, value)| match key.contains("{{").then(|| rename(&key)).flatten() {
                    Some(renamed) => (renamed, value),
                    None => (key, value),
                })
                .collect();
        }
        map.values_mut().for_each(|value| walk(value, rename));
    }
    if let Some(body) = step.request.as_mut().and_then(|request| request.value.body.as_mut()) {
        walk(&mut body.value, rename);
    }
}

/// Every schema name of a step's checks (a family's own included).
pub fn schemas_mut(step: &mut StepDoc) -> Vec<&mut Spanned<String>> {
    let mut names = Vec::new();
    if let Some(expect) = &mut step.expect {
        let expect = &mut expect.value;
        names.extend(expect.schema.as_mut());
        for nested in [&mut expect.router, &mut expect.bank, &mut expect.gate].into_iter().flatten() {
            names.extend(nested.value.schema.as_mut());
        }
    }
    names
}

fn each_spread_in_value(value: &mut Value, at: serde_saphyr::Location, render: &mut dyn FnMut(LoadTimeSpread<'_>)) {
    let Value::Object(map) = value else { return };
    for (key, entry) in map.iter_mut() {
        if key == SPREAD && entry.is_string() {
            render(LoadTimeSpread { at, template: entry });
        } else {
            each_spread_in_value(entry, at, render);
        }
    }
}

fn each_spread_in_expect(expect: &mut ExpectDoc, render: &mut dyn FnMut(LoadTimeSpread<'_>)) {
    for map in [&mut expect.json, &mut expect.headers] {
        if let Some(entry) = map.get_mut(SPREAD).filter(|entry| entry.value.is_string()) {
            render(LoadTimeSpread { at: entry.referenced, template: &mut entry.value });
        }
    }
    for nested in [&mut expect.router, &mut expect.bank, &mut expect.gate].into_iter().flatten() {
        each_spread_in_expect(&mut nested.value, render);
    }
}

fn spread_value(value: &mut Value) {
    let Value::Object(map) = value else { return };
    if let Some(Value::Object(entries)) = map.get(SPREAD).cloned() {
        map.shift_remove(SPREAD);
        map.extend(entries);
    }
    map.values_mut().for_each(spread_value);
}

/// Replaces the parameters in a value (a parameter's default, which may read those before it).
pub fn value(value: &mut Value, arguments: &Arguments) {
    value_slot(value, arguments);
}

/// A `covers:` entry that is exactly `{{ param }}` becomes the argument: a clause id, or a list of
/// them.
fn clause_ids(id: Spanned<String>, arguments: &Arguments) -> Vec<Spanned<String>> {
    match whole_parameter(&id.value, arguments) {
        Some((_, Value::String(one))) => vec![Spanned::new(one.clone(), id.referenced, id.defined)],
        Some((_, Value::Array(many))) => many
            .iter()
            .filter_map(Value::as_str)
            .map(|one| Spanned::new(one.to_string(), id.referenced, id.defined))
            .collect(),
        _ => vec![id],
    }
}

/// A step's name with `{{ param }}` replaced by the argument's text: plain text, a number, or
/// the caller's template as written (`"{{ method }}"`), which the case works out when it loads
/// from its matrix values and `vars` (a name is what reports and snapshot files are called).
fn step_name(name: &str, arguments: &Arguments) -> String {
    inline_text(name, arguments, true)
}

/// Replaces `{{ param }}` by the argument's text when it is plain text or a number, and, when
/// `templates` is set, by a template argument's text too.
fn inline_text(name: &str, arguments: &Arguments, templates: bool) -> String {
    let mut name = name.to_string();
    for (param, argument) in arguments {
        let shown = match argument {
            Value::String(text) if templates || !text.contains("{{") => text.clone(),
            Value::Number(_) | Value::Bool(_) => argument.to_string(),
            _ => continue,
        };
        for written in [format!("{{{{ {param} }}}}"), format!("{{{{{param}}}}}")] {
            name = name.replace(&written, &shown);
        }
    }
    name
}

/// The names a step's templates read (the first segment of each path), in order of appearance.
pub fn names_read(step: &mut StepDoc) -> Vec<String> {
    let mut names = Vec::new();
    let mut note = |text: &str| {
        if !text.contains("{{") {
            return;
        }
        if let Ok(template) = crate::template::Template::compile(text) {
            for path in template.variables() {
                let name = path.split('.').next().unwrap_or(&path).to_string();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
    };
    visit_step(step, &mut |slot| match slot {
        Slot::Text(text) => note(text),
        Slot::Value(value) => each_string(value, &mut |text| note(text)),
    });
    names
}

/// A place in a step that may hold templates.
pub enum Slot<'a> {
    /// A string field.
    Text(&'a mut String),
    /// A value field (strings anywhere inside may hold templates).
    Value(&'a mut Value),
}

fn each_string(value: &Value, note: &mut dyn FnMut(&str)) {
    match value {
        Value::String(text) => note(text),
        Value::Array(items) => items.iter().for_each(|item| each_string(item, note)),
        Value::Object(map) => map.values().for_each(|item| each_string(item, note)),
        _ => {}
    }
}

/// Calls `visit` on every templated place of a step.
pub fn visit_step(step: &mut StepDoc, visit: &mut dyn FnMut(Slot<'_>)) {
    if let Some(when) = &mut step.when {
        visit(Slot::Text(&mut when.value));
    }
    if let Some(call) = &mut step.call {
        visit(Slot::Text(&mut call.value));
    }
    for argument in step.with.values_mut() {
        visit(Slot::Value(&mut argument.value));
    }
    if let Some(request) = &mut step.request {
        visit_request(&mut request.value, visit);
    }
    if let Some(wait) = &mut step.wait {
        visit(Slot::Text(&mut wait.value));
    }
    if let Some(awaited) = &mut step.await_callback {
        visit_await(&mut awaited.value, visit);
    }
    if let Some(expect) = &mut step.expect {
        visit_expect(&mut expect.value, visit);
    }
    for capture in step.capture.values_mut() {
        visit(Slot::Value(&mut capture.value));
    }
    if let Some(poll) = &mut step.poll {
        visit_map(&mut poll.value.until, visit);
        for text in [&mut poll.value.every, &mut poll.value.timeout].into_iter().flatten() {
            visit(Slot::Text(&mut text.value));
        }
    }
    if let Some(snapshot) = &mut step.snapshot {
        visit(Slot::Value(&mut snapshot.value));
    }
}

fn visit_map(map: &mut IndexMap<String, Spanned<Value>>, visit: &mut dyn FnMut(Slot<'_>)) {
    for value in map.values_mut() {
        visit(Slot::Value(&mut value.value));
    }
}

fn visit_request(request: &mut RequestDoc, visit: &mut dyn FnMut(Slot<'_>)) {
    for text in [&mut request.method, &mut request.path, &mut request.url, &mut request.raw_body, &mut request.encoding]
        .into_iter()
        .flatten()
    {
        visit(Slot::Text(&mut text.value));
    }
    for header in request.headers.values_mut() {
        visit(Slot::Text(&mut header.value));
    }
    visit_map(&mut request.query, visit);
    if let Some(body) = &mut request.body {
        visit(Slot::Value(&mut body.value));
    }
    if let Some(sign) = &mut request.sign {
        visit(Slot::Text(&mut sign.value.key.value));
        if let Some(field) = &mut sign.value.field {
            visit(Slot::Text(&mut field.value));
        }
    }
}

fn visit_await(awaited: &mut AwaitCallbackDoc, visit: &mut dyn FnMut(Slot<'_>)) {
    for value in awaited.matching.value.values_mut() {
        visit(Slot::Text(&mut value.value));
    }
    for text in [&mut awaited.key, &mut awaited.signature, &mut awaited.timeout].into_iter().flatten() {
        visit(Slot::Text(&mut text.value));
    }
}

fn visit_expect(expect: &mut ExpectDoc, visit: &mut dyn FnMut(Slot<'_>)) {
    if let Some(status) = &mut expect.status {
        visit(Slot::Value(&mut status.value));
    }
    if let Some(schema) = &mut expect.schema {
        visit(Slot::Text(&mut schema.value));
    }
    visit_map(&mut expect.json, visit);
    visit_map(&mut expect.headers, visit);
    if let Some(text) = &mut expect.text {
        visit(Slot::Value(&mut text.value));
    }
    for nested in [&mut expect.router, &mut expect.bank, &mut expect.gate].into_iter().flatten() {
        visit_expect(&mut nested.value, visit);
    }
}

/// The parameter a string names when it is exactly `{{ name }}`.
fn whole_parameter<'a>(text: &str, arguments: &'a Arguments) -> Option<(&'a String, &'a Value)> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    arguments.get_key_value(inner)
}

fn text_slot(text: &str, arguments: &Arguments) -> Option<String> {
    if let Some((_, argument)) = whole_parameter(text, arguments) {
        return Some(match argument {
            Value::String(argument) => argument.clone(),
            Value::Number(_) | Value::Bool(_) => argument.to_string(),
            other => format!("{{{{ {} }}}}", as_expression(other)),
        });
    }
    rewrite_templates(text, arguments)
}

fn value_slot(value: &mut Value, arguments: &Arguments) {
    match value {
        Value::String(text) => {
            if let Some((_, argument)) = whole_parameter(text, arguments) {
                *value = argument.clone();
            } else if let Some(replaced) = rewrite_templates(text, arguments) {
                *text = replaced;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| value_slot(item, arguments)),
        Value::Object(map) => map.values_mut().for_each(|item| value_slot(item, arguments)),
        _ => {}
    }
}

/// Rewrites every `{{ }}` of a text that names a parameter; `None` when nothing changes. A
/// `{{ param }}` of plain text or a number becomes that text, so that a parameter can also fill
/// places that are not templates (a schema name).
fn rewrite_templates(text: &str, arguments: &Arguments) -> Option<String> {
    if !text.contains("{{") {
        return None;
    }
    let inlined = inline_text(text, arguments, false);
    if inlined != text {
        return Some(rewrite_templates(&inlined, arguments).unwrap_or(inlined));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open + 2]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(after);
            rest = "";
            break;
        };
        let rewritten = rewrite_expression(&after[..close], arguments);
        changed |= rewritten != after[..close];
        out.push_str(&rewritten);
        out.push_str("}}");
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// Replaces parameter names in one expression, leaving string literals and attributes alone.
fn rewrite_expression(expression: &str, arguments: &Arguments) -> String {
    let mut out = String::with_capacity(expression.len());
    let chars: Vec<char> = expression.chars().collect();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if c == '"' || c == '\'' {
            let start = index;
            index += 1;
            while index < chars.len() && chars[index] != c {
                index += if chars[index] == '\\' { 2 } else { 1 };
            }
            index = (index + 1).min(chars.len());
            out.extend(&chars[start..index]);
        } else if c.is_alphabetic() || c == '_' {
            let start = index;
            while index < chars.len() && (chars[index].is_alphanumeric() || chars[index] == '_') {
                index += 1;
            }
            let name: String = chars[start..index].iter().collect();
            let after_dot = out.trim_end().ends_with('.');
            match arguments.get(&name) {
                Some(argument) if !after_dot => {
                    out.push('(');
                    out.push_str(&as_expression(argument));
                    out.push(')');
                }
                _ => out.push_str(&name),
            }
        } else {
            out.push(c);
            index += 1;
        }
    }
    out
}

/// A value as a template expression.
fn as_expression(value: &Value) -> String {
    match value {
        Value::String(text) => string_expression(text),
        Value::Null => "none".to_string(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Array(items) => format!("[{}]", items.iter().map(as_expression).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(key, item)| format!("{}: {}", Value::String(key.clone()), as_expression(item)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Text that may hold templates, as one expression.
fn string_expression(text: &str) -> String {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else { break };
        if open > 0 {
            parts.push(Value::String(rest[..open].to_string()).to_string());
        }
        parts.push(format!("({})", rest[open + 2..open + 2 + close].trim()));
        rest = &rest[open + 2 + close + 2..];
    }
    if !rest.is_empty() || parts.is_empty() {
        parts.push(Value::String(rest.to_string()).to_string());
    }
    parts.join(" ~ ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_step_name_takes_a_template_argument_s_text_inside_longer_text_and_other_places_its_expression() {
        assert_eq!(step_name("refund {{ id }}", &arguments()), "refund {{ order_id }}");
        assert_eq!(step_name("pay {{ amount }} now", &arguments()), "pay 5000 now");
        assert_eq!(rewrite_templates("v1/{{ id }}.json", &arguments()).as_deref(), Some("v1/{{ ((order_id)) }}.json"));
    }

    fn arguments() -> Arguments {
        let mut arguments = Arguments::new();
        arguments.insert("amount".into(), json!(5000));
        arguments.insert("id".into(), json!("{{ order_id }}"));
        arguments.insert("label".into(), json!("x-{{ n }}"));
        arguments.insert("card".into(), json!({ "pan": "{{ cards.success.pan }}" }));
        arguments
    }

    #[test]
    fn a_whole_parameter_becomes_the_argument_with_its_type() {
        let mut value = json!({ "amount": "{{ amount }}", "card": "{{card}}", "id": "{{ id }}" });
        value_slot(&mut value, &arguments());
        assert_eq!(
            value,
            json!({ "amount": 5000, "card": { "pan": "{{ cards.success.pan }}" }, "id": "{{ order_id }}" })
        );
    }

    #[test]
    fn a_spread_entry_puts_the_argument_s_entries_in_its_place_and_the_caller_s_win() {
        let mut body = json!({ "a": 1, "...": { "b": 2, "a": 3 }, "inner": { "...": { "c": 4 } } });
        spread_value(&mut body);
        assert_eq!(body, json!({ "a": 3, "inner": { "c": 4 }, "b": 2 }));
        let mut unchanged = json!({ "...": "{{ not_a_map }}" });
        spread_value(&mut unchanged);
        assert_eq!(unchanged, json!({ "...": "{{ not_a_map }}" }));
    }

    #[test]
    fn a_parameter_inside_an_expression_becomes_a_bracketed_expression() {
        let args = arguments();
        assert_eq!(rewrite_templates("{{ amount + 1 }}", &args).as_deref(), Some("{{ (5000) + 1 }}"));
        assert_eq!(rewrite_templates("n={{ id }}!", &args).as_deref(), Some("n={{ ((order_id)) }}!"));
        assert_eq!(rewrite_templates("{{ label }}", &args).as_deref(), Some("{{ (\"x-\" ~ (n)) }}"));
        assert_eq!(rewrite_templates("{{ x.amount ~ 'amount' }}", &args), None);
        assert_eq!(text_slot("{{ amount }}", &args).as_deref(), Some("5000"));
        assert_eq!(rewrite_templates("no templates", &args), None);
    }
}
