//! Writing a Gate v2 sequence as an ordinary YAML case (`api: gate`): signed requests, the
//! payer's presses on the page its redirect callback names, and an `await_callback` step for every
//! callback the model expects, each expecting what the model predicts.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::case_writer::{Origin, flatten, write_head};
use super::compare::{gate_schema_name, json_path};
use super::gate::{
    ACCOUNT, CALLBACK_POINTERS, CURRENCY, GateAnswer, OTHER_CURRENCY, PROJECT_ROLE, STATUS_POINTERS, WRONG_KEY,
};
use super::op::{GateCurrency, GateOp, Op};
use super::oracle::{ExpectedCallback, View, World};
use crate::gateway::v1::model::Family;

/// Noon UTC: the clock the written case's predictions are made at (only durations matter).
const CASE_NOW: i64 = 1_767_268_800_000;

const PROJECT_ID: &str = "{{ merchants.gate.project_id | int }}";
const KEY: &str = "{{ merchants.gate.secret_key }}";

/// The case file's text for the Gate v2 sequence `ops`.
pub fn write_gate_case(ops: &[Op], origin: &Origin<'_>) -> String {
    let ops = flatten(ops);
    let mut world = World::new(Family::Router, PROJECT_ROLE, CASE_NOW);
    let mut steps = String::new();
    let mut covers = BTreeSet::new();
    let mut numbers = BTreeSet::new();
    let mut slot_numbers: BTreeMap<usize, usize> = BTreeMap::new();
    let mut unknown = false;
    for (i, op) in ops.iter().enumerate() {
        let Op::Gate(gate) = op else {
            if let Op::Wait { seconds } = op {
                world.apply(op);
                let _ = writeln!(steps, "  - wait: {seconds}s");
            }
            continue;
        };
        let Some(prediction) = world.apply(op) else { continue };
        let View::Gate(answer) = &prediction.view else { continue };
        covers.insert(prediction.clause);
        if let GateOp::Sale { slot, number, forged: false, .. } = gate {
            numbers.insert(*number);
            slot_numbers.entry(*slot).or_insert(*number);
        }
        let payment = |slot: &usize| format!("{{{{ i{} }}}}", slot_numbers.get(slot).copied().unwrap_or_default());
        let _ = writeln!(steps, "  - name: {}", json!(format!("{}. {op}", i + 1)));
        let _ = writeln!(steps, "    covers: [{}]", prediction.clause);
        if matches!(gate, GateOp::Sale { forged: true, .. } | GateOp::Refund { forged: true, .. }) {
            let _ = writeln!(steps, "    violates: [client.gate-signature]");
        }
        let general = |payment_id: String, callback: bool| {
            let mut general = json!({"project_id": PROJECT_ID, "payment_id": payment_id});
            if callback {
                general["merchant_callback_url"] = json!("{{ callback.url }}");
            }
            general
        };
        let (path, body, forged) = match gate {
            GateOp::Sale { number, amount, forged, callback, .. } => {
                numbers.insert(*number);
                let body = json!({
                    "general": general(format!("{{{{ i{number} }}}}"), *callback),
                    "customer": {"id": "customer", "ip_address": "1.1.1.1", "account_id": ACCOUNT},
                    "payment": {"amount": amount, "currency": CURRENCY},
                });
                ("v2/payment/online-banking/alfa-click/sale", body, *forged)
            }
            GateOp::Refund { slot, amount, currency, forged, callback } => {
                let mut money = json!({"description": "refund"});
                if let Some(a) = amount {
                    money["amount"] = json!(a);
                }
                match currency {
                    GateCurrency::Payment => money["currency"] = json!(CURRENCY),
                    GateCurrency::Other => money["currency"] = json!(OTHER_CURRENCY),
                    GateCurrency::Omitted => {}
                }
                let body = json!({"general": general(payment(slot), *callback), "customer": {"ip_address": "1.1.1.1"}, "payment": money});
                ("v2/payment/online-banking/alfa-click/refund", body, *forged)
            }
            GateOp::Status { slot } => ("v2/payment/status", json!({"general": general(payment(slot), false)}), false),
            GateOp::Unknown => {
                unknown = true;
                ("v2/payment/status", json!({"general": general("{{ unknown_payment }}".into(), false)}), false)
            }
            GateOp::Payer { slot, success } => {
                let button = if *success { "success" } else { "decline" };
                let _ = writeln!(
                    steps,
                    "    request: {{ url: \"{{{{ page_p{slot} }}}}\", encoding: form, body: {{ button: {button} }} }}"
                );
                let _ = writeln!(steps, "    expect: {{ status: {} }}", answer.http_status());
                write_callbacks(&mut steps, &mut covers, &prediction.callbacks, &slot_numbers);
                continue;
            }
        };
        let _ = writeln!(steps, "    request:");
        let _ = writeln!(steps, "      path: {path}");
        let _ = writeln!(steps, "      sign: {{ key: {} }}", json!(if forged { WRONG_KEY } else { KEY }));
        let _ = writeln!(steps, "      body: {body}");
        let _ = writeln!(steps, "    expect:");
        let _ = writeln!(steps, "      status: {}", answer.http_status());
        if let Some(schema) = gate_schema_name(gate, answer) {
            let _ = writeln!(steps, "      schema: {schema}");
        }
        let _ = writeln!(steps, "      json: {}", Value::Object(answer_expectations(answer)));
        write_callbacks(&mut steps, &mut covers, &prediction.callbacks, &slot_numbers);
    }
    let mut vars: Vec<String> = numbers.iter().map(|n| format!("i{n}")).collect();
    if unknown {
        vars.push("unknown_payment".into());
    }
    let mut text = write_head(origin, "A Gate v2 sequence", &covers, "[explore, gate]", "gate", &vars);
    text.push_str(&steps);
    text
}

/// The JSONPath expectations of an answer.
fn answer_expectations(answer: &GateAnswer) -> Map<String, Value> {
    let mut expect = Map::new();
    match answer {
        GateAnswer::Ack => {
            expect.insert("$.status".into(), json!({"eq": "success"}));
        }
        GateAnswer::Error(code) => {
            expect.insert("$.status".into(), json!({"eq": "error"}));
            expect.insert("$.code".into(), json!({"eq": code}));
        }
        GateAnswer::Status(document) => {
            for pointer in STATUS_POINTERS {
                if let Some(value) = document.pointer(pointer) {
                    expect.insert(json_path(pointer), json!({"eq": value}));
                }
            }
            let operations = document.get("operations").and_then(Value::as_array).cloned().unwrap_or_default();
            expect.insert("$.operations".into(), json!({"len": operations.len()}));
            for (n, operation) in operations.iter().enumerate() {
                for pointer in ["/type", "/status", "/code", "/sum_initial/amount"] {
                    if let Some(value) = operation.pointer(pointer) {
                        expect.insert(
                            format!("$.operations[{n}]{}", json_path(pointer).trim_start_matches('$')),
                            json!({"eq": value}),
                        );
                    }
                }
            }
        }
        GateAnswer::Page { .. } => {}
    }
    expect
}

/// An `await_callback` step for every Gate callback expected.
fn write_callbacks(
    steps: &mut String,
    covers: &mut BTreeSet<&'static str>,
    callbacks: &[ExpectedCallback],
    slot_numbers: &BTreeMap<usize, usize>,
) {
    for callback in callbacks {
        let ExpectedCallback::Gate(callback) = callback else { continue };
        let number = slot_numbers.get(&callback.slot).copied().unwrap_or_default();
        let mut expect = Map::new();
        for pointer in CALLBACK_POINTERS {
            if let Some(value) = callback.document.pointer(pointer) {
                expect.insert(json_path(pointer), json!({"eq": value}));
            }
        }
        covers.insert("gate-callback.signed");
        let what = if callback.redirect { "redirect data" } else { "result" };
        let _ = writeln!(steps, "  - name: {}", json!(format!("the {what} callback of p{}", callback.slot)));
        let _ = writeln!(steps, "    covers: [gate-callback.signed, gate-callback.no-null]");
        let _ = writeln!(
            steps,
            "    await_callback: {{ match: {{ payment_id: \"{{{{ i{number} }}}}\" }}, key: \"{KEY}\", timeout: 5s }}"
        );
        let _ = writeln!(steps, "    expect:");
        let _ = writeln!(steps, "      schema: {}", callback.schema);
        let _ = writeln!(steps, "      json: {}", Value::Object(expect));
        if callback.redirect {
            let _ = writeln!(steps, "    capture: {{ page_p{}: \"$.redirect_data.url\" }}", callback.slot);
        }
    }
}
