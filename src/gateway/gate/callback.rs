//! The JSON documents the gateway sends about a payment: callbacks (spec 5.5) and the answer of
//! `/v2/payment/status`, both signed with the project's key (spec 6). Neither ever holds a null
//! (SDK-6): what the gateway does not know is left out.

use serde_json::{Map, Value, json};

use super::model::{Notice, Operation, Payment};
use super::policy::CallbackSignature;
use crate::gateway::clock::EpochMillis;
use crate::signature::gate as signature;

/// `operation.provider.id` of the emulated bank.
pub const PROVIDER_ID: u64 = 1310;
/// `operation.provider.endpoint_id` of the emulated bank.
pub const PROVIDER_ENDPOINT: &str = "alfabank";
/// `payment.method`.
pub const METHOD: &str = "alfa-click";
/// Where the emulated Alfa-Click page lives, below the gateway's root.
pub const EMULATOR_PATH: &str = "/alfa-click-emulator/checkout/payments/";

/// A date as Gate writes it: `YYYY-MM-DDThh:mm:ss+0000` (spec 5.5).
pub fn date(ms: EpochMillis) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S+0000").to_string())
        .unwrap_or_else(|_| "1970-01-01T00:00:00+0000".to_string())
}

/// The emulator page of a payment: `{root}/alfa-click-emulator/checkout/payments/?orderId=<token>`.
pub fn redirect_url(root: &str, token: &str) -> String {
    let token: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
    format!("{}{EMULATOR_PATH}?orderId={token}", root.trim_end_matches('/'))
}

/// The callback `notice` calls for, not yet signed. `root` is the gateway's public root, needed
/// for the redirect data of a sale's first callback.
pub fn callback(payment: &Payment, notice: Notice, root: Option<&str>) -> Value {
    let mut body = Map::new();
    body.insert("project_id".into(), json!(payment.project_id));
    body.insert("payment".into(), payment_object(payment));
    body.insert("account".into(), json!({"number": payment.account}));
    if let Some(operation) = payment.operations.get(notice.operation) {
        body.insert("operation".into(), operation_object(operation));
    }
    if notice.redirect
        && let (Some(root), Some(token)) = (root, payment.redirect_token())
    {
        body.insert(
            "redirect_data".into(),
            json!({"body": {"redirectType": "redirect"}, "method": "GET", "url": redirect_url(root, token)}),
        );
    }
    Value::Object(body)
}

/// Signs a callback document with `key`, the way `how` says.
pub fn sign(body: &mut Value, key: &str, how: CallbackSignature) {
    let signed = match how {
        CallbackSignature::SortedEntries => signature::sign(body, key),
        CallbackSignature::DocumentOrder => signature::sign_text(&signature::join(&signature::entries(body)), key),
        CallbackSignature::Absent => return,
    };
    body[signature::SIGNATURE_KEY] = json!(signed);
}

/// The answer of `/v2/payment/status`: the payment, its account and every operation, signed.
pub fn status(payment: &Payment, key: &str) -> Value {
    let operations: Vec<Value> = payment.operations.iter().map(operation_object).collect();
    let mut body = json!({
        "project_id": payment.project_id,
        "payment": payment_object(payment),
        "account": {"number": payment.account},
        "customer": {"id": payment.customer_id},
        "operations": operations,
    });
    body[signature::SIGNATURE_KEY] = json!(signature::sign(&body, key));
    body
}

fn payment_object(payment: &Payment) -> Value {
    json!({
        "id": payment.id,
        "type": "purchase",
        "status": payment.status.as_str(),
        "date": date(payment.date),
        "method": METHOD,
        "sum": {"amount": payment.balance(), "currency": payment.currency},
        "description": payment.description.as_deref().unwrap_or(""),
    })
}

fn operation_object(operation: &Operation) -> Value {
    let sum = json!({"amount": operation.amount, "currency": operation.currency});
    let mut provider = Map::new();
    provider.insert("id".into(), json!(PROVIDER_ID));
    provider.insert("payment_id".into(), json!(operation.provider_payment_id));
    if let Some(answered) = operation.provider_date {
        provider.insert("date".into(), json!(date(answered)));
        provider.insert("auth_code".into(), json!(""));
    }
    provider.insert("endpoint_id".into(), json!(PROVIDER_ENDPOINT));
    let mut object = Map::new();
    object.insert("id".into(), json!(operation.id));
    object.insert("type".into(), json!(operation.kind.as_str()));
    object.insert("status".into(), json!(operation.status.as_str()));
    object.insert("date".into(), json!(date(operation.date)));
    object.insert("created_date".into(), json!(date(operation.created_at)));
    object.insert("request_id".into(), json!(operation.request_id));
    object.insert("sum_initial".into(), sum.clone());
    object.insert("sum_converted".into(), sum);
    object.insert("provider".into(), Value::Object(provider));
    if let Some(result) = operation.result {
        object.insert("code".into(), json!(result.code));
        object.insert("message".into(), json!(result.message));
    }
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::gate::model::{NewOperation, PayerChoice, ProjectRules, Sale};
    use crate::signature::Verification;

    fn paid() -> Payment {
        let sale = Sale {
            project_id: 35,
            payment_id: "Payment 12".into(),
            customer_id: "customer123".into(),
            account: "account_1".into(),
            amount: 10_000,
            currency: "RUB".into(),
            description: None,
            callback_url: None,
        };
        let op = NewOperation { id: 1000, request_id: "r".into(), provider_payment_id: "p".into() };
        let rules = ProjectRules { test_mode: true, redirect_timeout_secs: 1800 };
        let (mut payment, _) = Payment::open(sale, op, 1_551_697_628_000, rules);
        payment.payer_choice(PayerChoice::Success, 1_551_697_642_000, &Default::default());
        payment
    }

    fn has_null(value: &Value) -> bool {
        match value {
            Value::Null => true,
            Value::Array(items) => items.iter().any(has_null),
            Value::Object(map) => map.values().any(has_null),
            _ => false,
        }
    }

    #[test]
    fn dates_have_the_seed_format() {
        assert_eq!(date(1_551_697_642_000), "2019-03-04T11:07:22+0000");
    }

    #[test]
    fn a_callback_is_signed_with_the_project_key_and_has_no_null() {
        let notice = Notice { operation: 0, redirect: false };
        let mut body = callback(&paid(), notice, None);
        sign(&mut body, "k", CallbackSignature::SortedEntries);
        assert_eq!(signature::verify(&body, "k"), Verification::Valid);
        assert!(!has_null(&body), "{body}");
        assert_eq!(body["operation"]["code"], "0");
        assert_eq!(body["payment"]["description"], "");
        assert_eq!(body["operation"]["provider"]["auth_code"], "");
        assert!(body.get("redirect_data").is_none());
    }

    #[test]
    fn the_first_callback_carries_the_redirect_data() {
        let sale = paid();
        let body = callback(&sale, Notice { operation: 0, redirect: true }, Some("http://gw"));
        assert_eq!(body["redirect_data"]["url"], "http://gw/alfa-click-emulator/checkout/payments/?orderId=p");
        assert_eq!(body["redirect_data"]["method"], "GET");
    }

    #[test]
    fn other_signings_break_the_signature() {
        let notice = Notice { operation: 0, redirect: false };
        let mut unsigned = callback(&paid(), notice, None);
        sign(&mut unsigned, "k", CallbackSignature::Absent);
        assert_eq!(signature::verify(&unsigned, "k"), Verification::Missing);
        let mut unsorted = callback(&paid(), notice, None);
        sign(&mut unsorted, "k", CallbackSignature::DocumentOrder);
        assert!(matches!(signature::verify(&unsorted, "k"), Verification::Invalid { .. }));
    }

    #[test]
    fn the_status_answer_lists_every_operation_and_is_signed() {
        let body = status(&paid(), "k");
        assert_eq!(body["operations"].as_array().map(Vec::len), Some(1));
        assert_eq!(body["payment"]["status"], "success");
        assert_eq!(signature::verify(&body, "k"), Verification::Valid);
    }
}
