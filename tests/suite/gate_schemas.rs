//! The Gate v2 schemas accept the seed's own examples (seed S1, spec 5.2, 5.3, 5.5) and refuse what
//! the spec forbids: a null anywhere (SDK-6), a wrong date format, an amount as a string.

use std::path::Path;

use paycheck::check::schema;
use paycheck::suite::schema_registry::SchemaRegistry;
use serde_json::{Value, json};

fn registry() -> SchemaRegistry {
    let (registry, diagnostics) = SchemaRegistry::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas"));
    assert!(diagnostics.is_empty(), "{}", diagnostics.render(false));
    registry
}

fn violations(registry: &SchemaRegistry, name: &str, document: &Value) -> Vec<String> {
    let compiled = match registry.get(name) {
        Some(Ok(compiled)) => compiled,
        Some(Err(error)) => panic!("schema {name} does not compile: {error}"),
        None => panic!("no schema {name}"),
    };
    schema::validate(compiled, document, &paycheck::secret::Masker::default())
        .listed
        .into_iter()
        .map(|v| format!("{}: {}", v.instance_path, v.message))
        .collect()
}

fn seed_callback(status: &str, operation: &str, op_status: &str, code: &str, message: &str) -> Value {
    json!({
        "project_id": 386,
        "payment": {"id": "EP1bb6-c379", "type": "purchase", "status": status, "date": "2019-03-04T11:07:22+0000",
                    "method": "alfa-click", "sum": {"amount": 10000, "currency": "RUB"}, "description": ""},
        "account": {"number": "account1"},
        "operation": {"id": 632, "type": operation, "status": op_status, "date": "2019-03-04T11:07:22+0000",
                      "created_date": "2019-03-04T11:07:08+0000", "request_id": "e0865f7f",
                      "sum_initial": {"amount": 10000, "currency": "RUB"},
                      "sum_converted": {"amount": 10000, "currency": "RUB"},
                      "provider": {"id": 1310, "payment_id": "94b4a6a43480d57ee45ab107",
                                   "date": "2018-10-26T07:25:18+0000", "auth_code": "", "endpoint_id": "alfabank"},
                      "code": code, "message": message},
        "signature": "yMGGZSFFOatC0/gyFF2zlFgFfslBksxuYqVTjQ0T0DMIA9evlziWay30F+QBQ=="
    })
}

#[test]
fn the_seed_requests_conform() {
    let registry = registry();
    let sale = json!({"general": {"project_id": 35, "payment_id": "Payment 12", "signature": "2tlMuYxLW9Yu6RETr8pdCfmi0UPE8euD+o4EVPjLyfbOQ+9ajAteg5lPk96Q=="},
                      "customer": {"account_id": "account_1", "ip_address": "1.1.1.1", "id": "customer123"},
                      "payment": {"amount": 10000, "currency": "RUB"}});
    assert_eq!(violations(&registry, "gate/sale.request.json", &sale), Vec::<String>::new());
    let refund = json!({"general": {"project_id": 239, "payment_id": "refund_02", "signature": "of8k9xerKSK4XL1QFaDH3p9Mh0CIcjmOwSwKJ7KLTZYO56lCv+f1M0Sf/7eg=="},
                        "customer": {"ip_address": "1.2.3.4"},
                        "payment": {"amount": 50000, "currency": "RUB", "description": "refund_02"}});
    assert_eq!(violations(&registry, "gate/refund.request.json", &refund), Vec::<String>::new());
    let mut partial_without_currency = refund.clone();
    partial_without_currency["payment"].as_object_mut().map(|p| p.remove("currency"));
    assert!(!violations(&registry, "gate/refund.request.json", &partial_without_currency).is_empty());
}

#[test]
fn the_seed_callbacks_conform() {
    let registry = registry();
    let success = seed_callback("success", "sale", "success", "0", "Success");
    assert_eq!(violations(&registry, "gate/callback-sale.json", &success), Vec::<String>::new());
    let decline = seed_callback("decline", "sale", "decline", "20105", "Insufficient funds on customer account");
    assert_eq!(violations(&registry, "gate/callback-sale.json", &decline), Vec::<String>::new());
    let refunded = seed_callback("partially refunded", "refund", "success", "0", "Success");
    assert_eq!(violations(&registry, "gate/callback-refund.json", &refunded), Vec::<String>::new());
    let refused = seed_callback("success", "refund", "decline", "3283", "Refund amount more than init amount");
    assert_eq!(violations(&registry, "gate/callback-refund.json", &refused), Vec::<String>::new());
    assert!(!violations(&registry, "gate/callback-redirect.json", &success).is_empty(), "no redirect_data");
}

#[test]
fn nulls_dates_and_types_the_spec_forbids_are_refused() {
    let registry = registry();
    let mut null_auth_code = seed_callback("success", "sale", "success", "0", "Success");
    null_auth_code["operation"]["provider"]["auth_code"] = Value::Null;
    assert!(!violations(&registry, "gate/callback-sale.json", &null_auth_code).is_empty(), "SDK-6");
    let mut null_extra = seed_callback("success", "sale", "success", "0", "Success");
    null_extra["operation"]["unknown_to_the_spec"] = Value::Null;
    assert!(!violations(&registry, "gate/callback-sale.json", &null_extra).is_empty(), "SDK-6, any field");
    let mut iso_date = seed_callback("success", "sale", "success", "0", "Success");
    iso_date["payment"]["date"] = json!("2019-03-04T11:07:22Z");
    assert!(!violations(&registry, "gate/callback-sale.json", &iso_date).is_empty());
    let mut text_amount = seed_callback("success", "sale", "success", "0", "Success");
    text_amount["payment"]["sum"]["amount"] = json!("10000");
    assert!(!violations(&registry, "gate/callback-sale.json", &text_amount).is_empty());
    let ack = json!({"status": "success", "request_id": "r", "project_id": 35, "payment_id": "p"});
    assert_eq!(violations(&registry, "gate/ack.response.json", &ack), Vec::<String>::new());
    let error = json!({"status": "error", "code": "3261", "message": "Invalid signature", "project_id": 35});
    assert_eq!(violations(&registry, "gate/error.response.json", &error), Vec::<String>::new());
    assert!(!violations(&registry, "gate/ack.response.json", &error).is_empty());
}
