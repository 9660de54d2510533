//! Writing a sequence as an ordinary YAML case (the suite's format): each operation a step whose
//! expectations are the model's predictions, so the case passes against a gateway that follows
//! the spec and fails where the explored target did not.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::compare::{document, fixed_pointers, json_path, legacy_envelope, refunds_pointer, schema_name, value_fixed};
use super::executor::WRONG_PASSWORD;
use super::op::{AutoDate, Lookup, Op};
use super::oracle::{ExpectedCallback, Prediction, RETURN_URL, View, World};
use crate::gateway::v1::model::Family;

/// Noon UTC: the clock the written case's predictions are made at (only durations matter).
const CASE_NOW: i64 = 1_767_268_800_000;

/// What the case says about where it came from.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    /// The run's seed.
    pub seed: u64,
    /// The sequence's index.
    pub index: u64,
    /// The target's name.
    pub target: &'a str,
    /// The discrepancy, in one line per mismatch.
    pub found: &'a [String],
}

/// The head of a found case, down to `steps:`: where it came from (`what` names the kind of
/// sequence), what it covers, its tags and API, and its variables (each a fresh order number).
pub fn write_head(
    origin: &Origin<'_>,
    what: &str,
    covers: &BTreeSet<&str>,
    tags: &str,
    api: &str,
    vars: &[String],
) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "# yaml-language-server: $schema=../../schemas/case.schema.json");
    let _ = writeln!(
        text,
        "# Found by `paycheck explore --seed {}` (sequence {}) against `{}`, then shrunk.",
        origin.seed, origin.index, origin.target
    );
    let _ = writeln!(text, "name: {}", json!(format!("explore seed {} sequence {}", origin.seed, origin.index)));
    let _ = writeln!(text, "description: >");
    let _ = writeln!(
        text,
        "  {what} the model-based explorer found: each step expects what the reference model predicts. \
         Against `{}` it answered differently:",
        origin.target
    );
    for line in origin.found {
        let _ = writeln!(text, "  {line}.");
    }
    let _ = writeln!(text, "covers: [{}]", covers.iter().copied().collect::<Vec<_>>().join(", "));
    let _ = writeln!(text, "tags: {tags}");
    let _ = writeln!(text, "api: {api}");
    if !vars.is_empty() {
        let _ = writeln!(text, "vars:");
        for name in vars {
            let _ = writeln!(text, "  {name}: \"{{{{ unique_order_number() }}}}\"");
        }
    }
    let _ = writeln!(text, "steps:");
    text
}

/// The operations sequentially (operations sent together one after the other).
pub fn flatten(ops: &[Op]) -> Vec<Op> {
    ops.iter()
        .flat_map(|op| match op {
            Op::Together(ops) => ops.clone(),
            op => vec![op.clone()],
        })
        .collect()
}

fn api_name(family: Family) -> &'static str {
    match family {
        Family::Router => "router",
        Family::Bank => "bank",
    }
}

fn login(merchant: &str) -> (String, String) {
    if merchant == "main" {
        ("{{ merchant.user }}".into(), "{{ merchant.password }}".into())
    } else {
        (format!("{{{{ merchants.{merchant}.user }}}}"), format!("{{{{ merchants.{merchant}.password }}}}"))
    }
}

/// The case file's text for `ops` (flattened) run as `merchant` on `family`.
pub fn write_case(family: Family, merchant: &str, ops: &[Op], origin: &Origin<'_>) -> String {
    if ops.iter().any(Op::is_gate) {
        return super::gate_case::write_gate_case(ops, origin);
    }
    let ops = races_kept(family, merchant, ops);
    let mut world = World::new(family, merchant, CASE_NOW);
    let mut steps = String::new();
    let mut covers = BTreeSet::new();
    let mut numbers = BTreeSet::new();
    let mut refund_ids = BTreeSet::new();
    let mut needs_clock = false;
    let mut slot_numbers = std::collections::BTreeMap::new();
    for (i, op) in ops.iter().enumerate() {
        if let Op::Wait { seconds } = op {
            world.apply(op);
            let _ = writeln!(steps, "  - wait: {seconds}s");
            continue;
        }
        if let Op::Together(pair) = op {
            let mut used = Used { numbers: &mut numbers, refund_ids: &mut refund_ids, needs_clock: &mut needs_clock };
            let race = Race { family, merchant, number: i + 1, slot_numbers: &slot_numbers };
            world = write_race(&mut steps, &race, &world, pair, &mut used, &mut covers);
            continue;
        }
        let Some(prediction) = world.apply(op) else { continue };
        covers.insert(prediction.clause);
        if let (Op::Register(r) | Op::Instant { register: r, .. }, 0) = (op, prediction.code) {
            slot_numbers.insert(r.slot, r.number);
        }
        if let Op::AlfaPayer { slot, approve } = op {
            let button = if *approve { "approve" } else { "decline" };
            let _ = writeln!(steps, "  - name: {}", json!(format!("{}. {op}", i + 1)));
            let _ = writeln!(steps, "    covers: [{}]", prediction.clause);
            let _ = writeln!(steps, "    request: {{ url: \"{{{{ alfapay_o{slot} }}}}/{button}\" }}");
            let _ = writeln!(steps, "    expect: {{ status: {{ gte: 300, lt: 400 }} }}");
            write_callbacks(&mut steps, &prediction.callbacks, &mut covers);
            continue;
        }
        let mut used = Used { numbers: &mut numbers, refund_ids: &mut refund_ids, needs_clock: &mut needs_clock };
        let (path, query, body) = request(op, merchant, &slot_numbers, &mut used);
        let mut expect_json = Map::new();
        if prediction.view == View::Wallet {
            expect_json.insert("$.success".into(), json!({ "eq": prediction.code == 0 }));
            if prediction.code != 0 {
                expect_json.insert("$.error.code".into(), json!({ "code": prediction.code }));
            }
        } else {
            let code_path = if legacy_envelope(op) { "$.ErrorCode" } else { "$.errorCode" };
            expect_json.insert(code_path.into(), json!({ "code": prediction.code }));
        }
        if matches!(prediction.view, View::Registered | View::Instant) {
            for pointer in fixed_pointers(&prediction.view) {
                expect_json.insert(json_path(pointer), json!({ "type": "string" }));
            }
        }
        if let Some(predicted) = document(&prediction.view) {
            for pointer in fixed_pointers(&prediction.view) {
                if let Some(value) = predicted.pointer(pointer).filter(|v| value_fixed(pointer, v)) {
                    expect_json.insert(json_path(pointer), json!({ "eq": value }));
                }
            }
            if let Some(pointer) = refunds_pointer(&prediction.view)
                && let Some(Value::Array(refunds)) = predicted.pointer(pointer)
            {
                let path = json_path(pointer);
                expect_json.insert(path.clone(), json!({ "len": refunds.len() }));
                for (n, refund) in refunds.iter().enumerate() {
                    if let Some(amount) = refund.get("amount") {
                        expect_json.insert(format!("{path}[{n}].amount"), json!({ "eq": amount }));
                    }
                }
            }
        }
        let _ = writeln!(steps, "  - name: {}", json!(format!("{}. {op}", i + 1)));
        let _ = writeln!(steps, "    covers: [{}]", prediction.clause);
        let _ = writeln!(steps, "    request:");
        let _ = writeln!(steps, "      path: {path}");
        if !query.is_empty() {
            let _ = writeln!(steps, "      query: {}", Value::Object(query));
        }
        let _ = writeln!(steps, "      body: {}", Value::Object(body));
        let _ = writeln!(steps, "    expect:");
        let _ = writeln!(steps, "      status: 200");
        if let Some(schema) = schema_name(op, family, prediction.code == 0) {
            let _ = writeln!(steps, "      schema: {schema}");
        }
        let _ = writeln!(steps, "      json: {}", Value::Object(expect_json));
        if let (Op::Register(r) | Op::Instant { register: r, .. }, 0) = (op, prediction.code) {
            let _ = writeln!(steps, "    capture: {{ o{}: \"$.orderId\" }}", r.slot);
        }
        if let (Op::AlfaPay { slot }, 0) = (op, prediction.code) {
            let _ = writeln!(steps, "    capture: {{ alfapay_o{slot}: \"$.data.redirect\" }}");
        }
        write_callbacks(&mut steps, &prediction.callbacks, &mut covers);
    }
    let mut vars: Vec<String> = numbers.iter().map(|n| format!("n{n}")).collect();
    vars.extend(refund_ids.iter().map(|r| format!("r{r}")));
    let mut text = write_head(origin, "A sequence", &covers, "[explore]", api_name(family), &vars);
    if needs_clock {
        let (user, password) = login(merchant);
        let _ = writeln!(text, "  - name: register an order to read the gateway's clock");
        let _ = writeln!(text, "    request:");
        let _ = writeln!(text, "      path: register.do");
        let body = json!({"userName": user, "password": password, "orderNumber": "{{ unique_order_number() }}", "amount": "100", "returnUrl": RETURN_URL});
        let _ = writeln!(text, "      body: {body}");
        let _ = writeln!(text, "    expect: {{ json: {{ \"$.errorCode\": {{ code: 0 }} }} }}");
        let _ = writeln!(text, "    capture: {{ clock_order: \"$.orderId\" }}");
        let _ = writeln!(text, "  - name: its registration date is the gateway's current time");
        let _ = writeln!(text, "    request:");
        let _ = writeln!(text, "      path: getOrderStatusExtended.do");
        let body = json!({"userName": user, "password": password, "orderId": "{{ clock_order }}"});
        let _ = writeln!(text, "      body: {body}");
        let _ = writeln!(text, "    expect: {{ json: {{ \"$..date\": {{ len: 1 }} }} }}");
        let _ = writeln!(text, "    capture: {{ clock: \"$..date\" }}");
    }
    text.push_str(&steps);
    text
}

/// The operations to write: operations sent together stay together (a `concurrent` group) when
/// the rest of the sequence is predicted alike whichever of them the gateway takes first, so
/// the case holds however the race goes; otherwise they are written one after the other.
fn races_kept(family: Family, merchant: &str, ops: &[Op]) -> Vec<Op> {
    let mut world = World::new(family, merchant, CASE_NOW);
    let mut kept = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        match op {
            Op::Together(pair) if pair.len() == 2 && race_settles(&world, pair, &ops[i + 1..]) => {
                world = in_order(&world, pair, [0, 1]).0;
                kept.push(op.clone());
            }
            op => {
                for one in flatten(std::slice::from_ref(op)) {
                    world.apply(&one);
                    kept.push(one);
                }
            }
        }
    }
    kept
}

/// The world after `pair` applied in `order`, and each operation's prediction (by its place in
/// `pair`).
fn in_order(world: &World, pair: &[Op], order: [usize; 2]) -> (World, [Option<Prediction>; 2]) {
    let mut world = world.clone();
    let mut predictions = [None, None];
    for k in order {
        predictions[k] = world.apply(&pair[k]);
    }
    (world, predictions)
}

/// Whether the two orders of `pair` cause the same callbacks and leave `rest` predicted alike.
fn race_settles(world: &World, pair: &[Op], rest: &[Op]) -> bool {
    let (mut first, a) = in_order(world, pair, [0, 1]);
    let (mut second, b) = in_order(world, pair, [1, 0]);
    let callbacks = |predictions: &[Option<Prediction>; 2]| {
        let mut all: Vec<String> =
            predictions.iter().flatten().flat_map(|p| &p.callbacks).map(|c| format!("{c:?}")).collect();
        all.sort();
        all
    };
    callbacks(&a) == callbacks(&b)
        && flatten(rest).iter().all(|op| {
            let (x, y) = (first.apply(op), second.apply(op));
            x.map(|p| (p.code, p.view, p.callbacks)) == y.map(|p| (p.code, p.view, p.callbacks))
        })
}

/// Where a race is written: the sequence's family and merchant, its step number, the orders'
/// numbers.
struct Race<'a> {
    family: Family,
    merchant: &'a str,
    number: usize,
    slot_numbers: &'a std::collections::BTreeMap<usize, usize>,
}

/// Writes operations sent together as a `concurrent` group whose `expect_one_of` lists the
/// outcomes of both orders; returns the world after it (as if in the order listed: the race
/// settles alike).
fn write_race(
    steps: &mut String,
    race: &Race<'_>,
    world: &World,
    pair: &[Op],
    used: &mut Used<'_>,
    covers: &mut BTreeSet<&'static str>,
) -> World {
    let (after, first) = in_order(world, pair, [0, 1]);
    let (_, second) = in_order(world, pair, [1, 0]);
    let mut outcomes: Vec<Value> = Vec::new();
    for predictions in [&first, &second] {
        let blocks: Vec<Value> = pair
            .iter()
            .zip(predictions.iter())
            .map(|(op, prediction)| {
                let code = prediction.as_ref().map_or(0, |p| p.code);
                let mut block = Map::new();
                if let Some(schema) = schema_name(op, race.family, code == 0) {
                    block.insert("schema".into(), json!(schema));
                }
                block.insert("json".into(), json!({ "$.errorCode": { "code": code } }));
                Value::Object(block)
            })
            .collect();
        let outcome = Value::Array(blocks);
        if !outcomes.contains(&outcome) {
            outcomes.push(outcome);
        }
    }
    let clauses: BTreeSet<&'static str> = first.iter().chain(second.iter()).flatten().map(|p| p.clause).collect();
    covers.extend(clauses.iter().copied());
    let op = Op::Together(pair.to_vec());
    let _ = writeln!(steps, "  - name: {}", json!(format!("{}. {op}", race.number)));
    let _ = writeln!(steps, "    covers: [{}]", clauses.iter().copied().collect::<Vec<_>>().join(", "));
    let _ = writeln!(steps, "    concurrent:");
    for (k, member) in pair.iter().enumerate() {
        let (path, query, body) = request(member, race.merchant, race.slot_numbers, used);
        let _ = writeln!(steps, "      - name: {}", json!(format!("request {}: {member}", k + 1)));
        let _ = writeln!(steps, "        request:");
        let _ = writeln!(steps, "          path: {path}");
        if !query.is_empty() {
            let _ = writeln!(steps, "          query: {}", Value::Object(query));
        }
        let _ = writeln!(steps, "          body: {}", Value::Object(body));
        let _ = writeln!(steps, "        expect: {{ status: 200 }}");
    }
    let _ = writeln!(steps, "    expect_one_of:");
    for outcome in &outcomes {
        let _ = writeln!(steps, "      - {outcome}");
    }
    let callbacks: Vec<ExpectedCallback> = first.into_iter().flatten().flat_map(|p| p.callbacks).collect();
    write_callbacks(steps, &callbacks, covers);
    after
}

/// The `await_callback` steps of the v1 callbacks the model expects.
fn write_callbacks(steps: &mut String, callbacks: &[ExpectedCallback], covers: &mut BTreeSet<&'static str>) {
    for callback in callbacks {
        if let ExpectedCallback::V1 { slot, operation, success, amount } = callback {
            covers.insert("callback.checksum");
            let expect = json!({
                "$.operation": {"eq": operation},
                "$.status": {"eq": u8::from(*success).to_string()},
                "$.amount": {"eq": amount.to_string()},
                "$.checksum": {"regex": "^[0-9A-F]{64}$"},
            });
            let _ = writeln!(steps, "  - name: {}", json!(format!("the callback `{operation}` of o{slot}")));
            let _ = writeln!(steps, "    covers: [callback.checksum]");
            let _ = writeln!(
                steps,
                "    await_callback: {{ match: {{ order_id: \"{{{{ o{slot} }}}}\" }}, key: \"{{{{ merchant.callback_token }}}}\", timeout: 5s }}"
            );
            let _ = writeln!(steps, "    expect: {{ json: {expect} }}");
        }
    }
}

type Request = (&'static str, Map<String, Value>, Map<String, Value>);

/// What the steps use that the case must declare.
struct Used<'a> {
    numbers: &'a mut BTreeSet<usize>,
    refund_ids: &'a mut BTreeSet<u8>,
    needs_clock: &'a mut bool,
}

fn request(
    op: &Op,
    merchant: &str,
    slot_numbers: &std::collections::BTreeMap<usize, usize>,
    used: &mut Used<'_>,
) -> Request {
    let (user, password) = login(merchant);
    let mut body = Map::new();
    let mut query = Map::new();
    body.insert("userName".into(), json!(user));
    body.insert("password".into(), json!(password));
    let order = |slot: &usize| json!(format!("{{{{ o{slot} }}}}"));
    let path = match op {
        Op::Register(r) => {
            used.numbers.insert(r.number);
            body.insert("orderNumber".into(), json!(format!("{{{{ n{} }}}}", r.number)));
            body.insert("amount".into(), json!(r.amount.to_string()));
            body.insert("returnUrl".into(), json!(RETURN_URL));
            if let Some(secs) = r.lifetime_secs {
                body.insert("sessionTimeoutSecs".into(), json!(secs.to_string()));
            }
            if r.callback {
                body.insert("dynamicCallbackUrl".into(), json!("{{ callback.url }}"));
            }
            let date = |secs: i64| json!(format!("{{{{ utc_datetime(clock[0] + {}) }}}}", secs * 1000));
            match r.auto {
                Some(AutoDate::Completion(s)) => {
                    *used.needs_clock = true;
                    body.insert("autocompletionDate".into(), date(s));
                }
                Some(AutoDate::Reverse(s)) => {
                    *used.needs_clock = true;
                    body.insert("autoReverseDate".into(), date(s));
                }
                None => {}
            }
            if r.two_phase { "registerPreAuth.do" } else { "register.do" }
        }
        Op::Pay { slot, card } => {
            let role = card.role();
            body.insert("MDORDER".into(), order(slot));
            for (name, field) in [("$PAN", "pan"), ("$CVC", "cvc"), ("$EXPIRY", "expiry"), ("TEXT", "holder")] {
                body.insert(name.into(), json!(format!("{{{{ cards[\"{role}\"].{field} }}}}")));
            }
            "paymentorder.do"
        }
        Op::Instant { register: r, card } => {
            let role = card.role();
            used.numbers.insert(r.number);
            body.insert("orderNumber".into(), json!(format!("{{{{ n{} }}}}", r.number)));
            body.insert("amount".into(), json!(r.amount.to_string()));
            body.insert("returnUrl".into(), json!(RETURN_URL));
            if r.two_phase {
                body.insert("preAuth".into(), json!("true"));
            }
            if let Some(secs) = r.lifetime_secs {
                body.insert("sessionTimeoutSecs".into(), json!(secs.to_string()));
            }
            if r.callback {
                body.insert("dynamicCallbackUrl".into(), json!("{{ callback.url }}"));
            }
            for (name, field) in [("pan", "pan"), ("cvc", "cvc"), ("expiry", "expiry"), ("cardholderName", "holder")] {
                body.insert(name.into(), json!(format!("{{{{ cards[\"{role}\"].{field} }}}}")));
            }
            "instantPayment.do"
        }
        Op::AlfaPay { slot } => {
            body.insert("orderId".into(), order(slot));
            "alfapay/paymentOrder.do"
        }
        Op::Deposit { slot, amount } | Op::Reverse { slot, amount } => {
            body.insert("orderId".into(), order(slot));
            if let Some(a) = amount {
                body.insert("amount".into(), json!(a.to_string()));
            }
            if matches!(op, Op::Deposit { .. }) { "deposit.do" } else { "reverse.do" }
        }
        Op::Decline { slot } => {
            body.insert("orderId".into(), order(slot));
            "decline.do"
        }
        Op::Refund { slot, refund } => {
            body.insert("orderId".into(), order(slot));
            if let Some(a) = refund.amount {
                body.insert("amount".into(), json!(a.to_string()));
            }
            if let Some(id) = refund.external_id {
                used.refund_ids.insert(id);
                body.insert("externalRefundId".into(), json!(format!("{{{{ r{id} }}}}")));
            }
            if let Some(e) = refund.expected_deposited {
                body.insert("expectedDepositedAmount".into(), json!(e.to_string()));
            }
            if let (true, Some(a)) = (refund.items, refund.amount) {
                body.insert("refundItems".into(), json!({"items": [{"positionId": "1", "itemAmount": a}]}));
            }
            "refund.do"
        }
        Op::Status { slot, lookup } => {
            match lookup {
                Lookup::WrongPassword => {
                    body.insert("password".into(), json!(WRONG_PASSWORD));
                }
                Lookup::Foreign => {
                    let (user, password) = login("second");
                    body.insert("userName".into(), json!(user));
                    body.insert("password".into(), json!(password));
                }
                _ => {}
            }
            match lookup {
                Lookup::ByNumber => {
                    let number = slot_numbers.get(slot).copied().unwrap_or_default();
                    body.insert("orderNumber".into(), json!(format!("{{{{ n{number} }}}}")));
                }
                Lookup::QueryString => {
                    query.insert("orderId".into(), order(slot));
                }
                _ => {
                    body.insert("orderId".into(), order(slot));
                }
            }
            if *lookup == Lookup::Legacy { "getOrderStatus.do" } else { "getOrderStatusExtended.do" }
        }
        Op::Unknown { legacy } => {
            body.insert("orderId".into(), json!("00000000-0000-4000-8000-000000000000"));
            if *legacy { "getOrderStatus.do" } else { "getOrderStatusExtended.do" }
        }
        Op::Wait { .. } | Op::Together(_) | Op::Gate(_) | Op::AlfaPayer { .. } => "",
    };
    (path, query, body)
}
