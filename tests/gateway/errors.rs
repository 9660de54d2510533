//! Every error-code path of every v1 method: the code, and that nothing changed. Each row is one
//! request; the table is checked on the family it names.

use crate::support::*;
use paycheck::gateway::FaultSet;
use serde_json::{Map, Value, json};

const OK_URL: &str = "https://m.example/ok";

fn with_main(body: Value) -> Value {
    let mut map: Map<String, Value> = body.as_object().cloned().unwrap_or_default();
    map.entry("userName").or_insert(json!(MAIN.0));
    map.entry("password").or_insert(json!(MAIN.1));
    Value::Object(map)
}

async fn expect(h: &Harness, path: &str, body: Value, code: &str, label: &str) -> Value {
    let (status, answer) = h.json(path, body).await;
    assert_eq!(status, 200, "{label}: HTTP {status}");
    let found = answer
        .get("errorCode")
        .or_else(|| answer.get("ErrorCode"))
        .or_else(|| answer.pointer("/error/code"))
        .cloned()
        .unwrap_or(Value::Null);
    let bank_register_success = found.is_null() && code == "0" && answer["orderId"].is_string();
    if !bank_register_success {
        assert_eq!(found, json!(code), "{label}: {answer}");
    }
    if code != "0" {
        let message = answer
            .get("errorMessage")
            .or_else(|| answer.get("ErrorMessage"))
            .or_else(|| answer.pointer("/error/message"))
            .and_then(Value::as_str)
            .unwrap_or("");
        assert!(!message.is_empty(), "{label}: no message in {answer}");
        assert!(answer.get("orderId").is_none() || path.contains("alfapay"), "{label}: {answer}");
    }
    answer
}

fn register_body(extra: Value) -> Value {
    let mut body = json!({"orderNumber": unique(), "amount": 1000, "returnUrl": OK_URL});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            if v.is_null() {
                b.remove(k);
            } else {
                b.insert(k.clone(), v.clone());
            }
        }
    }
    with_main(body)
}

#[tokio::test]
async fn credentials_on_every_method() {
    let h = Harness::start(FaultSet::none()).await;
    let methods = [
        "register.do",
        "registerPreAuth.do",
        "instantPayment.do",
        "paymentorder.do",
        "getOrderStatusExtended.do",
        "getOrderStatus.do",
        "deposit.do",
        "reverse.do",
        "decline.do",
        "refund.do",
        "alfapay/paymentOrder.do",
    ];
    for family in ["/v1", "/payment/rest"] {
        for method in methods {
            if family == "/payment/rest" && method.starts_with("alfapay") {
                continue;
            }
            let path = format!("{family}/{method}");
            expect(&h, &path, json!({"password": "x", "amount": "bad"}), "4", &format!("{path} no user")).await;
            expect(&h, &path, json!({"userName": "test_user", "amount": "bad"}), "4", &format!("{path} no password"))
                .await;
            expect(
                &h,
                &path,
                json!({"userName": "test_user", "password": "x", "amount": "bad"}),
                "5",
                &format!("{path} wrong password"),
            )
            .await;
            expect(&h, &path, json!({"userName": "nobody", "password": "x"}), "5", &format!("{path} unknown user"))
                .await;
        }
    }
    let token = expect(
        &h,
        "/v1/register.do",
        json!({"token": "second_user_token", "orderNumber": unique(), "amount": 100, "returnUrl": OK_URL}),
        "0",
        "token",
    )
    .await;
    assert!(token["orderId"].is_string());
    expect(&h, "/v1/register.do", json!({"token": "nope", "amount": 100}), "5", "bad token").await;
    h.stop().await;
}

#[tokio::test]
async fn register_validation_codes_in_order() {
    let h = Harness::start(FaultSet::none()).await;
    for family in ["/v1", "/payment/rest"] {
        for method in ["register.do", "registerPreAuth.do"] {
            let path = format!("{family}/{method}");
            let rows: Vec<(&str, Value, &str)> = vec![
                ("no amount", json!({"amount": null}), "4"),
                ("no returnUrl", json!({"returnUrl": null}), "4"),
                ("no amount before bad currency", json!({"amount": null, "currency": "RUB"}), "4"),
                ("order number 37", json!({"orderNumber": "x".repeat(37)}), "5"),
                ("amount 0", json!({"amount": 0}), "5"),
                ("amount negative", json!({"amount": -5}), "5"),
                ("amount text", json!({"amount": "abc"}), "5"),
                ("amount fraction", json!({"amount": 12.5}), "5"),
                ("amount 13 digits", json!({"amount": 1_000_000_000_000i64}), "5"),
                ("relative returnUrl", json!({"returnUrl": "/ok"}), "4"),
                ("relative failUrl", json!({"failUrl": "./fail"}), "4"),
                ("currency letters", json!({"currency": "RUB"}), "5"),
                ("language", json!({"language": "rus"}), "5"),
                ("jsonParams", json!({"jsonParams": "not json"}), "5"),
                ("sessionTimeoutSecs", json!({"sessionTimeoutSecs": "soon"}), "5"),
                ("expirationDate", json!({"expirationDate": "tomorrow"}), "5"),
                ("expirationDate past", json!({"expirationDate": "2001-01-01T00:00:00"}), "5"),
                ("dynamicCallbackUrl", json!({"dynamicCallbackUrl": "/cb"}), "5"),
                ("features", json!({"features": "TELEPORT"}), "14"),
                ("features clash", json!({"features": "AUTO_PAYMENT,FORCE_TDS"}), "13"),
                ("unknown currency", json!({"currency": "999"}), "3"),
                ("format before currency", json!({"currency": "999", "language": "xyz"}), "5"),
                ("order number 36", json!({"orderNumber": format!("{:0>36}", unique())}), "0"),
                ("max amount", json!({"amount": 999_999_999_999i64}), "0"),
            ];
            for (label, extra, code) in rows {
                expect(&h, &path, register_body(extra), code, &format!("{path} {label}")).await;
            }
            let auto_code = if method == "register.do" { "5" } else { "0" };
            expect(
                &h,
                &path,
                register_body(json!({"autocompletionDate": "2099-01-01T00:00:00"})),
                auto_code,
                &format!("{path} auto date"),
            )
            .await;
        }
    }
    let second = |extra: Value| {
        let mut b = register_body(extra);
        b["userName"] = json!(SECOND.0);
        b["password"] = json!(SECOND.1);
        b
    };
    expect(&h, "/v1/register.do", second(json!({"orderNumber": null})), "4", "second needs orderNumber").await;
    expect(
        &h,
        "/v1/registerPreAuth.do",
        second(json!({"autoReverseDate": "2099-01-01T00:00:00"})),
        "13",
        "no permission",
    )
    .await;

    let number = unique();
    let first = expect(&h, "/v1/register.do", register_body(json!({"orderNumber": number})), "0", "first").await;
    let dup =
        expect(&h, "/payment/rest/registerPreAuth.do", register_body(json!({"orderNumber": number})), "1", "duplicate")
            .await;
    assert_eq!(dup["errorMessage"], "Order with this number was registered, but was not paid");
    expect(&h, "/v1/register.do", second(json!({"orderNumber": number})), "0", "other merchant may reuse it").await;
    h.pay(first["orderId"].as_str().expect("id"), SUCCESS_PAN).await;
    let dup = expect(&h, "/v1/register.do", register_body(json!({"orderNumber": number})), "1", "duplicate paid").await;
    assert_eq!(dup["errorMessage"], "Order with this number was already processed");
    h.stop().await;
}

#[tokio::test]
async fn payment_and_status_codes() {
    let h = Harness::start(FaultSet::none()).await;
    let id = h.register(1000, false).await;
    let card = |extra: Value| {
        let mut b = with_main(json!({"MDORDER": id, "$PAN": SUCCESS_PAN, "$CVC": "123", "$EXPIRY": "203012"}));
        if let (Some(m), Some(e)) = (b.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                if v.is_null() {
                    m.remove(k);
                } else {
                    m.insert(k.clone(), v.clone());
                }
            }
        }
        b
    };
    let rows: Vec<(&str, Value, &str)> = vec![
        ("no MDORDER", json!({"MDORDER": null}), "4"),
        ("no PAN", json!({"$PAN": null}), "4"),
        ("no CVC", json!({"$CVC": null}), "4"),
        ("no expiry", json!({"$EXPIRY": null}), "4"),
        ("non-Luhn", json!({"$PAN": "4444555511113334"}), "5"),
        ("letters in PAN", json!({"$PAN": "4444abcd11113333"}), "5"),
        ("CVC", json!({"$CVC": "12a"}), "5"),
        ("expiry", json!({"$EXPIRY": "2030-12"}), "5"),
        ("expiry month", json!({"$EXPIRY": "203013"}), "5"),
        ("unknown order", json!({"MDORDER": "00000000-0000-0000-0000-000000000000"}), "6"),
    ];
    for family in ["/v1", "/payment/rest"] {
        for (label, extra, code) in &rows {
            expect(&h, &format!("{family}/paymentorder.do"), card(extra.clone()), code, label).await;
        }
    }
    assert_eq!(h.status(&id).await["state"], "PREREGISTERED", "nothing changed");
    let mut foreign = card(json!({}));
    foreign["userName"] = json!(SECOND.0);
    foreign["password"] = json!(SECOND.1);
    expect(&h, "/v1/paymentorder.do", foreign.clone(), "6", "foreign order").await;
    expect(&h, "/v1/paymentorder.do", card(json!({"$EXPIRY": null, "YYYY": "2030", "MM": "12"})), "0", "YYYY+MM").await;
    expect(&h, "/v1/paymentorder.do", card(json!({})), "7", "already paid").await;

    let s = "/v1/getOrderStatusExtended.do";
    expect(&h, s, with_main(json!({})), "1", "no reference").await;
    let unknown = expect(&h, s, with_main(json!({"orderId": "nope"})), "6", "unknown").await;
    assert!(unknown.get("orderStatus").is_none());
    let mut foreign_status = with_main(json!({"orderId": id}));
    foreign_status["userName"] = json!(SECOND.0);
    foreign_status["password"] = json!(SECOND.1);
    expect(&h, s, foreign_status, "6", "foreign").await;
    let other = h.register(2000, false).await;
    let number = h.status(&other).await["orderStatusResultModel"]["orderNumber"].clone();
    let wins = h.v1("getOrderStatusExtended.do", json!({"orderId": id, "orderNumber": number})).await;
    assert_eq!(wins["orderStatusResultModel"]["orderId"], id.as_str());
    let by_number = expect(
        &h,
        "/payment/rest/getOrderStatusExtended.do",
        with_main(json!({"orderNumber": number})),
        "0",
        "by number",
    )
    .await;
    assert_eq!(by_number["amount"], 2000);
    let mut foreign_number = with_main(json!({"orderNumber": number}));
    foreign_number["userName"] = json!(SECOND.0);
    foreign_number["password"] = json!(SECOND.1);
    expect(&h, s, foreign_number, "6", "foreign number").await;
    expect(&h, "/v1/getOrderStatus.do", with_main(json!({})), "5", "legacy no id").await;
    expect(&h, "/payment/rest/getOrderStatus.do", with_main(json!({"orderId": "nope"})), "6", "legacy unknown").await;
    h.stop().await;
}

#[tokio::test]
async fn order_management_codes() {
    let h = Harness::start(FaultSet::none()).await;
    let unpaid = h.register(1000, false).await;
    let approved = h.register(1000, true).await;
    h.pay(&approved, SUCCESS_PAN).await;
    let paid = h.paid_order(5000).await;
    let unknown = "00000000-0000-0000-0000-000000000000";
    let second = |body: Value| {
        let mut b = with_main(body);
        b["userName"] = json!(SECOND.0);
        b["password"] = json!(SECOND.1);
        b
    };
    let rows: Vec<(&str, &str, Value, &str)> = vec![
        ("deposit.do", "no reference", with_main(json!({})), "5"),
        ("deposit.do", "amount text", with_main(json!({"orderId": approved, "amount": "abc"})), "5"),
        ("deposit.do", "amount negative", with_main(json!({"orderId": approved, "amount": -5})), "5"),
        ("deposit.do", "below a rouble", with_main(json!({"orderId": approved, "amount": 99})), "5"),
        ("deposit.do", "over the hold", with_main(json!({"orderId": approved, "amount": 1001})), "5"),
        ("deposit.do", "unknown", with_main(json!({"orderId": unknown})), "6"),
        ("deposit.do", "foreign", second(json!({"orderId": approved})), "6"),
        ("deposit.do", "unpaid", with_main(json!({"orderId": unpaid})), "7"),
        ("deposit.do", "one-phase paid", with_main(json!({"orderId": paid})), "7"),
        ("reverse.do", "no reference", with_main(json!({})), "5"),
        ("reverse.do", "amount text", with_main(json!({"orderId": paid, "amount": "x"})), "5"),
        ("reverse.do", "unknown", with_main(json!({"orderId": unknown})), "6"),
        ("reverse.do", "foreign", second(json!({"orderId": paid})), "6"),
        ("reverse.do", "unpaid", with_main(json!({"orderId": unpaid})), "7"),
        ("decline.do", "no reference", with_main(json!({})), "5"),
        ("decline.do", "unknown", with_main(json!({"orderId": unknown})), "6"),
        ("decline.do", "foreign", second(json!({"orderId": unpaid})), "6"),
        ("decline.do", "paid", with_main(json!({"orderId": paid})), "7"),
        ("decline.do", "approved", with_main(json!({"orderId": approved})), "7"),
        ("refund.do", "no reference", with_main(json!({})), "5"),
        ("refund.do", "amount text", with_main(json!({"orderId": paid, "amount": "abc"})), "5"),
        ("refund.do", "amount negative", with_main(json!({"orderId": paid, "amount": -1})), "5"),
        (
            "refund.do",
            "externalRefundId 33",
            with_main(json!({"orderId": paid, "amount": 100, "externalRefundId": "x".repeat(33)})),
            "5",
        ),
        (
            "refund.do",
            "expected text",
            with_main(json!({"orderId": paid, "amount": 100, "expectedDepositedAmount": "x"})),
            "5",
        ),
        ("refund.do", "refundItems", with_main(json!({"orderId": paid, "refundItems": {"items": "none"}})), "5"),
        (
            "refund.do",
            "refundItems sum",
            with_main(
                json!({"orderId": paid, "amount": 500, "refundItems": {"items": [{"positionId": "1", "itemAmount": 400}]}}),
            ),
            "5",
        ),
        ("refund.do", "unknown", with_main(json!({"orderId": unknown, "amount": 100})), "6"),
        ("refund.do", "unknown number", with_main(json!({"orderNumber": "nope", "amount": 100})), "6"),
        ("refund.do", "foreign", second(json!({"orderId": paid, "amount": 100})), "6"),
        ("refund.do", "unpaid", with_main(json!({"orderId": unpaid, "amount": 100})), "7"),
        ("refund.do", "not captured", with_main(json!({"orderId": approved, "amount": 100})), "7"),
        ("refund.do", "over", with_main(json!({"orderId": paid, "amount": 5001})), "7"),
        ("refund.do", "below a rouble", with_main(json!({"orderId": paid, "amount": 99})), "7"),
        (
            "refund.do",
            "expected mismatch",
            with_main(json!({"orderId": paid, "amount": 100, "expectedDepositedAmount": 1})),
            "7",
        ),
        ("reverse.do", "partial", with_main(json!({"orderId": approved, "amount": 10})), "5"),
        ("reverse.do", "after a failed attempt", with_main(json!({"orderId": approved})), "7"),
    ];
    for family in ["/v1", "/payment/rest"] {
        for (method, label, body, code) in &rows {
            if family == "/payment/rest" && label.starts_with("partial") {
                continue;
            }
            expect(&h, &format!("{family}/{method}"), body.clone(), code, &format!("{family}/{method} {label}")).await;
        }
    }
    assert_eq!(h.status(&unpaid).await["state"], "PREREGISTERED");
    assert_eq!(h.status(&approved).await["state"], "APPROVED");
    let flat = h.flat_status(&paid).await;
    assert_eq!(flat["orderStatus"], 2);
    assert_eq!(flat["paymentAmountInfo"]["refundedAmount"], 0);

    let a = "/v1/alfapay/paymentOrder.do";
    expect(&h, a, with_main(json!({})), "4", "alfapay no order").await;
    expect(&h, a, with_main(json!({"orderId": unknown})), "6", "alfapay unknown").await;
    expect(&h, a, second(json!({"orderId": unpaid})), "6", "alfapay foreign").await;
    expect(&h, a, with_main(json!({"orderId": paid})), "7", "alfapay paid").await;
    h.stop().await;
}

#[tokio::test]
async fn instant_payment_codes() {
    let h = Harness::start(FaultSet::none()).await;
    let number = unique();
    let body = |extra: Value| {
        let mut b = register_body(json!({"orderNumber": number, "pan": SUCCESS_PAN, "cvc": "123", "expiry": "203012"}));
        if let (Some(m), Some(e)) = (b.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                if v.is_null() {
                    m.remove(k);
                } else {
                    m.insert(k.clone(), v.clone());
                }
            }
        }
        b
    };
    for family in ["/v1", "/payment/rest"] {
        let path = format!("{family}/instantPayment.do");
        let rows: Vec<(&str, Value, &str)> = vec![
            ("no amount", json!({"amount": null}), "4"),
            ("no amount and no card", json!({"amount": null, "pan": null}), "4"),
            ("no PAN", json!({"pan": null}), "4"),
            ("non-Luhn", json!({"pan": "4444555511113334"}), "5"),
            ("CVC", json!({"cvc": "1"}), "5"),
            ("preAuth", json!({"preAuth": "maybe"}), "5"),
            ("unknown currency", json!({"currency": "999"}), "3"),
        ];
        for (label, extra, code) in rows {
            expect(&h, &path, body(extra), code, &format!("{path} {label}")).await;
        }
    }
    let first = expect(&h, "/v1/instantPayment.do", body(json!({})), "0", "first").await;
    assert!(first["orderId"].is_string());
    expect(&h, "/v1/instantPayment.do", body(json!({})), "1", "same orderNumber again").await;
    let declined = expect(
        &h,
        "/v1/instantPayment.do",
        body(json!({"orderNumber": unique(), "pan": DECLINE_PAN})),
        "0",
        "declined",
    )
    .await;
    let id = declined["orderId"].as_str().expect("orderId");
    assert_eq!(h.status(id).await["state"], "DECLINED");
    h.stop().await;
}
