//! `schemas/case.schema.json` (for editors) and the parser describe the same case format.

use std::collections::BTreeSet;
use std::path::Path;

use paycheck::check::matcher;
use paycheck::suite::api::API_NAMES;
use paycheck::suite::case_format::keys;
use paycheck::suite::library;
use serde_json::Value;

fn editor_schema() -> Value {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/case.schema.json"))
        .expect("schemas/case.schema.json is readable");
    serde_json::from_str(&text).expect("schemas/case.schema.json is JSON")
}

fn property_names(schema: &Value, pointer: &str) -> BTreeSet<String> {
    schema
        .pointer(pointer)
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("no object at {pointer}"))
        .keys()
        .cloned()
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|name| name.to_string()).collect()
}

#[test]
fn every_part_of_the_format_has_the_same_keys_in_the_schema_and_the_parser() {
    let schema = editor_schema();
    assert_eq!(property_names(&schema, "/properties"), set(keys::CASE), "case keys");
    assert_eq!(property_names(&schema, "/$defs/step/properties"), set(keys::STEP), "step keys");
    assert_eq!(property_names(&schema, "/$defs/request/properties"), set(keys::REQUEST), "request keys");
    assert_eq!(property_names(&schema, "/$defs/expect/properties"), set(keys::EXPECT), "expect keys");
    assert_eq!(property_names(&schema, "/$defs/poll/properties"), set(keys::POLL), "poll keys");
    assert_eq!(property_names(&schema, "/$defs/defaults/properties"), set(keys::DEFAULTS), "defaults keys");
    assert_eq!(
        property_names(&schema, "/$defs/defaults/properties/request/properties"),
        set(keys::DEFAULTS_REQUEST),
        "defaults request keys"
    );
    assert_eq!(property_names(&schema, "/$defs/fragment/properties"), set(keys::FRAGMENT), "fragment keys");
    assert_eq!(
        property_names(&schema, "/$defs/fragment/properties/params/additionalProperties/oneOf/1/properties"),
        set(keys::PARAM),
        "parameter keys"
    );
    assert_eq!(property_names(&schema, "/$defs/sign/properties"), set(keys::SIGN), "sign keys");
    assert_eq!(property_names(&schema, "/$defs/await_callback/properties"), set(keys::AWAIT_CALLBACK), "await keys");
    assert_eq!(
        property_names(&schema, "/$defs/await_callback/properties/match/properties"),
        set(keys::CALLBACK_MATCH),
        "callback match keys"
    );
    let mut matcher_keys = set(matcher::KEYS);
    matcher_keys.insert("covers".to_string());
    assert_eq!(property_names(&schema, "/$defs/matcher/then/properties"), matcher_keys, "matcher keys (and covers)");
}

#[test]
fn enumerations_agree() {
    let schema = editor_schema();
    let strings = |pointer: &str| -> BTreeSet<String> {
        schema
            .pointer(pointer)
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("no array at {pointer}"))
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    assert_eq!(strings("/$defs/api/enum"), set(API_NAMES));
    assert_eq!(strings("/$defs/matcher/then/properties/type/enum"), set(matcher::TYPES));
    assert_eq!(strings("/$defs/await_callback/properties/signature/enum"), set(keys::CALLBACK_SIGNATURE));
}

/// The editor schema of a kind of file: a case, or one of `$defs` (`defaults`, `fragment`).
fn schema_of(kind: Option<&str>) -> Value {
    let mut schema = editor_schema();
    if let (Some(kind), Some(root)) = (kind, schema.as_object_mut()) {
        for key in ["type", "required", "additionalProperties"] {
            root.remove(key);
        }
        root.insert("$ref".into(), Value::String(format!("#/$defs/{kind}")));
    }
    schema
}

#[test]
fn every_case_defaults_file_and_fragment_of_the_suite_validates_against_the_editor_schema() {
    let validators = [None, Some("defaults"), Some("fragment")]
        .map(|kind| jsonschema::draft202012::new(&schema_of(kind)).expect("the editor schema compiles"));
    let cases_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
    let mut checked = 0;
    for entry in ignore::WalkBuilder::new(&cases_dir).build().filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "yaml") {
            continue;
        }
        let validator = if path.file_name().is_some_and(|name| name == library::DEFAULTS_FILE) {
            &validators[1]
        } else if path.components().any(|part| part.as_os_str() == library::FRAGMENTS_DIR) {
            &validators[2]
        } else {
            &validators[0]
        };
        let text = std::fs::read_to_string(path).expect("case file is readable");
        let document: Value = serde_saphyr::from_str(&text).expect("case file is YAML");
        let errors: Vec<String> = validator.iter_errors(&document).map(|error| error.to_string()).collect();
        assert!(errors.is_empty(), "{} does not match the editor schema: {errors:#?}", path.display());
        checked += 1;
    }
    if cases_dir.exists() {
        assert!(checked > 0, "no case file found under cases/");
    }
}

#[test]
fn the_editor_schema_rejects_what_the_parser_rejects() {
    let schema = editor_schema();
    let validator = jsonschema::draft202012::new(&schema).expect("the editor schema compiles");
    for bad in [
        "name: x\nsteps:\n  - reqest: {path: a}\n",
        "name: x\nsteps:\n  - request: {path: a}\n    wait: 1s\n",
        "name: x\nsteps:\n  - request: {path: a}\n    expect: {json: {'$.a': {rgex: b}}}\n",
        "name: x\napi: bnak\nsteps:\n  - wait: 1s\n",
        "name: x\nsteps:\n  - await_callback: {match: {payment_id: a}}\n    wait: 1s\n",
        "name: x\nsteps:\n  - await_callback: {match: {paymnet_id: a}}\n",
        "name: x\nsteps:\n  - request: {path: a, sign: {kye: b}}\n",
        "name: x\nsteps:\n  - call: a\n    wait: 1s\n",
        "name: x\nmatrix: { amount: 5 }\nsteps:\n  - wait: 1s\n",
        "name: x\nsteps:\n  - request: {path: a, omit: password}\n",
    ] {
        let document: Value = serde_saphyr::from_str(bad).expect("YAML");
        assert!(!validator.is_valid(&document), "the editor schema accepts:\n{bad}");
    }
}
