//! Every fault of the catalogue is live: for each one, a probe that the clean gateway passes and
//! the gateway with that fault switched on fails. (The suite-level fault matrix then shows which
//! case catches it.)

use crate::support::*;
use paycheck::gateway::faults::catalogue_listing;
use paycheck::gateway::v1::V1;
use paycheck::gateway::v1::model::{Event, EventKind, Family, Order, Registration};
use paycheck::gateway::{Clock, ClockMode};
use paycheck::gateway::{Fault, FaultSet, GatewayConfig};
use serde_json::{Value, json};

fn state(status: &Value) -> &str {
    status["state"].as_str().unwrap_or("")
}

fn code(answer: &Value) -> &str {
    answer["errorCode"].as_str().unwrap_or("")
}

async fn refunded(h: &Harness, id: &str) -> i64 {
    h.flat_status(id).await["paymentAmountInfo"]["refundedAmount"].as_i64().unwrap_or(-1)
}

async fn approved(h: &Harness, amount: i64) -> String {
    let id = h.register(amount, true).await;
    h.pay(&id, SUCCESS_PAN).await;
    id
}

async fn expiring(h: &Harness) -> String {
    let answer = h
        .v1(
            "register.do",
            json!({"orderNumber": unique(), "amount": 500,
            "returnUrl": "https://m.example/ok", "sessionTimeoutSecs": 10}),
        )
        .await;
    let id = answer["orderId"].as_str().unwrap_or("").to_string();
    h.advance(11).await;
    id
}

fn signs_callbacks(faults: FaultSet) -> bool {
    let config = GatewayConfig { faults, ..GatewayConfig::reference() };
    let v1 = V1::new(std::sync::Arc::new(config), std::sync::Arc::new(Clock::new(ClockMode::Real)));
    let merchant = v1.config.merchant("main").expect("main").clone();
    let order = Order::register(
        Registration {
            id: "id".into(),
            merchant: merchant.user_name.clone(),
            order_number: "n".into(),
            family: Family::Router,
            two_phase: false,
            amount: 100,
            currency: "643".into(),
            description: None,
            return_url: "https://m.example/ok".into(),
            fail_url: None,
            client_id: None,
            params: Vec::new(),
            email: None,
            phone: None,
            allowed_payment_ways: Vec::new(),
            callback_url: Some("http://127.0.0.1:9/cb".into()),
            expires_at: i64::MAX,
            autocompletion_at: None,
            auto_reverse_at: None,
            bank: None,
            gw_order_id: None,
        },
        0,
        &Default::default(),
    );
    let event = Event { kind: EventKind::Deposited, success: true, amount: 100 };
    let sent = v1.notifier.notifications(&merchant, &order, &[event]);
    sent.iter().all(|n| n.params.iter().any(|(k, _)| k == "checksum"))
}

/// Whether the gateway behind `h` (running with `active`) follows the clause `fault` breaks.
async fn follows_spec(h: &Harness, fault: Fault, active: &FaultSet) -> bool {
    match fault {
        Fault::RefundOverLimitAccepted => {
            let id = h.paid_order(1_000).await;
            code(&h.v1("refund.do", json!({"orderId": id, "amount": 1_500})).await) == "7"
        }
        Fault::RefundRemainingNotTracked => {
            let id = h.paid_order(1_000).await;
            h.v1("refund.do", json!({"orderId": id, "amount": 600})).await;
            code(&h.v1("refund.do", json!({"orderId": id, "amount": 600})).await) == "7"
        }
        Fault::RefundFullRefundsOriginal => {
            let id = h.paid_order(1_000).await;
            h.v1("refund.do", json!({"orderId": id, "amount": 300})).await;
            let full = h.v1("refund.do", json!({"orderId": id})).await;
            code(&full) == "0" && refunded(h, &id).await == 1_000
        }
        Fault::RefundReplayPerformedTwice => {
            let id = h.paid_order(1_000).await;
            for _ in 0..2 {
                h.v1("refund.do", json!({"orderId": id, "amount": 300, "externalRefundId": "x"})).await;
            }
            refunded(h, &id).await == 300
        }
        Fault::ExpectedDepositedIgnored => {
            let id = h.paid_order(1_000).await;
            let r = h.v1("refund.do", json!({"orderId": id, "amount": 100, "expectedDepositedAmount": 5})).await;
            code(&r) == "7"
        }
        Fault::RefundBeforeCaptureAllowed => {
            let id = approved(h, 1_000).await;
            code(&h.v1("refund.do", json!({"orderId": id, "amount": 100})).await) == "7"
        }
        Fault::PartialRefundKeepsDeposited => {
            let id = h.paid_order(1_000).await;
            h.v1("refund.do", json!({"orderId": id, "amount": 300})).await;
            state(&h.status(&id).await) == "REFUNDED"
        }
        Fault::SessionNeverExpires => {
            let id = expiring(h).await;
            state(&h.status(&id).await) == "DECLINED"
        }
        Fault::ExpiryWrongActionCode => {
            let id = expiring(h).await;
            h.status(&id).await["orderStatusResultModel"]["actionCode"] == -2007
        }
        Fault::ExpiredOrderPayable => {
            let id = expiring(h).await;
            code(&h.pay(&id, SUCCESS_PAN).await) == "7"
        }
        Fault::CaptureTwiceAllowed => {
            let id = approved(h, 1_000).await;
            h.v1("deposit.do", json!({"orderId": id})).await;
            code(&h.v1("deposit.do", json!({"orderId": id})).await) == "7"
        }
        Fault::OverCaptureAccepted => {
            let id = approved(h, 1_000).await;
            code(&h.v1("deposit.do", json!({"orderId": id, "amount": 1_100})).await) == "5"
        }
        Fault::ReverseAfterRefundAllowed => {
            let id = h.paid_order(1_000).await;
            h.v1("refund.do", json!({"orderId": id, "amount": 100})).await;
            code(&h.v1("reverse.do", json!({"orderId": id})).await) == "7"
        }
        Fault::ReverseTwiceAllowed => {
            let id = h.paid_order(1_000).await;
            h.v1("reverse.do", json!({"orderId": id})).await;
            code(&h.v1("reverse.do", json!({"orderId": id})).await) == "7"
        }
        Fault::ReverseRetryAllowed => {
            let id = approved(h, 1_000).await;
            h.v1("reverse.do", json!({"orderId": id, "amount": 10})).await;
            code(&h.v1("reverse.do", json!({"orderId": id})).await) == "7"
        }
        Fault::ReverseWindowIgnored => {
            let id = h.paid_order(1_000).await;
            h.advance(13 * 3_600).await;
            code(&h.v1("reverse.do", json!({"orderId": id})).await) == "7"
        }
        Fault::DeclineWrongActionCode => {
            let id = h.register(1_000, false).await;
            h.v1("decline.do", json!({"orderId": id})).await;
            h.status(&id).await["orderStatusResultModel"]["actionCode"] == 4005
        }
        Fault::DeclinePaidOrderAllowed => {
            let id = h.paid_order(1_000).await;
            code(&h.v1("decline.do", json!({"orderId": id})).await) == "7"
        }
        Fault::RouterSkipsPreregistered => {
            let id = h.register(1_000, false).await;
            state(&h.status(&id).await) == "PREREGISTERED"
        }
        Fault::AutoDatesIgnored => {
            let now = h.advance(0).await["nowMs"].as_i64().unwrap_or(0);
            let at = jiff::Timestamp::from_millisecond(now + 60_000)
                .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S").to_string())
                .unwrap_or_default();
            let answer = h
                .v1(
                    "registerPreAuth.do",
                    json!({"orderNumber": unique(), "amount": 500,
                    "returnUrl": "https://m.example/ok", "autocompletionDate": at}),
                )
                .await;
            let id = answer["orderId"].as_str().unwrap_or("").to_string();
            h.pay(&id, SUCCESS_PAN).await;
            h.advance(61).await;
            state(&h.status(&id).await) == "DEPOSITED"
        }
        Fault::DeclineCardApproved => {
            let id = h.register(1_000, false).await;
            h.pay(&id, DECLINE_PAN).await;
            state(&h.status(&id).await) == "DECLINED"
        }
        Fault::NonLuhnAccepted => {
            let id = h.register(1_000, false).await;
            code(&h.pay(&id, "4444555511113334").await) == "5"
        }
        Fault::ForeignOrderVisible => {
            let id = h.register(1_000, false).await;
            let seen = h.v1_as(SECOND, "getOrderStatusExtended.do", json!({"orderId": id})).await;
            seen.get("orderStatusResultModel").is_none()
        }
        Fault::DuplicateOrderNumberAccepted => {
            let number = unique();
            let body = json!({"orderNumber": number, "amount": 100, "returnUrl": "https://m.example/ok"});
            h.v1("register.do", body.clone()).await;
            code(&h.v1("register.do", body).await) == "1"
        }
        Fault::WrongPasswordAccepted => {
            let (_, answer) = h
                .json(
                    "/v1/register.do",
                    json!({"userName": "test_user", "password": "nope",
                    "orderNumber": unique(), "amount": 100, "returnUrl": "https://m.example/ok"}),
                )
                .await;
            code(&answer) == "5"
        }
        Fault::OrderStatusAsString => {
            let id = h.register(1_000, false).await;
            h.status(&id).await["orderStatusResultModel"]["orderStatus"].is_i64()
                && h.flat_status(&id).await["orderStatus"].is_i64()
        }
        Fault::BusinessErrorHttp400 => {
            let (status, _) = h
                .json(
                    "/v1/getOrderStatusExtended.do",
                    json!({"userName": "test_user",
                    "password": "test_user_password", "orderId": "nope"}),
                )
                .await;
            status == 200
        }
        Fault::FormUrlMissing => {
            let answer = h
                .v1(
                    "register.do",
                    json!({"orderNumber": unique(), "amount": 100,
                    "returnUrl": "https://m.example/ok"}),
                )
                .await;
            answer["formUrl"].is_string()
        }
        Fault::QueryParamsIgnored => {
            let path = format!(
                "/v1/register.do?userName=test_user&password=test_user_password&orderNumber={}&amount=100&returnUrl=https://m.example/ok",
                unique()
            );
            code(&h.raw(&path, "application/json", Vec::new()).await.1) == "0"
        }
        Fault::UnknownOrderWrongCode => {
            code(&h.v1("getOrderStatusExtended.do", json!({"orderId": "nope"})).await) == "6"
        }
        Fault::RefundsBlockMissing => {
            let id = h.paid_order(1_000).await;
            h.v1("refund.do", json!({"orderId": id, "amount": 300})).await;
            h.status(&id).await["orderStatusResultModel"]["refunds"].is_array()
                && h.flat_status(&id).await["refunds"].is_array()
        }
        Fault::CallbackChecksumMissing => signs_callbacks(active.clone()),
        Fault::GateSignatureNotChecked => {
            let rx = GateReceiver::start(0).await;
            let forged = gate_signed(gate_sale(&unique(), 1_000, &rx.url), "not the key");
            h.json(GATE_SALE, forged).await.0 == 400
        }
        Fault::GateCallbackUnsigned | Fault::GateCallbackSignatureUnsorted => {
            let mut rx = GateReceiver::start(0).await;
            let (_, redirect) = h.gate_sale(&mut rx, 1_000).await;
            paycheck::signature::gate::verify(&redirect, GATE_PROJECT.1).is_valid()
        }
        Fault::GateCallbackNullFields => {
            let mut rx = GateReceiver::start(0).await;
            let (_, redirect) = h.gate_sale(&mut rx, 1_000).await;
            h.press(&redirect, "success").await;
            rx.try_next(3_000).await.is_some_and(|result| !has_null(&result))
        }
        Fault::GateDuplicatePaymentIdAccepted => {
            let rx = GateReceiver::start(0).await;
            let sale = gate_sale(&unique(), 1_000, &rx.url);
            h.gate(GATE_SALE, sale.clone()).await;
            h.gate(GATE_SALE, sale).await.0 == 400
        }
        Fault::GateTestAmountRuleIgnored => {
            let mut rx = GateReceiver::start(0).await;
            let (_, redirect) = h.gate_sale(&mut rx, 40_000).await;
            h.press(&redirect, "success").await;
            rx.try_next(3_000).await.is_some_and(|result| result["payment"]["status"] == "decline")
        }
        Fault::GateUntouchedNeverDeclines => {
            let mut rx = GateReceiver::start(0).await;
            h.gate_sale(&mut rx, 1_000).await;
            h.advance(1_801).await;
            rx.try_next(1_000).await.is_some_and(|result| result["payment"]["status"] == "decline")
        }
        Fault::GateRefundOverInitialAccepted => {
            let mut rx = GateReceiver::start(0).await;
            let id = h.gate_paid(&mut rx, 1_000).await;
            h.gate(GATE_REFUND, gate_refund(&id, Some(1_001), &rx.url)).await;
            rx.try_next(3_000).await.is_some_and(|refund| refund["operation"]["code"] == "3283")
        }
        Fault::GatePartialRefundStatusRefunded => {
            let mut rx = GateReceiver::start(0).await;
            let id = h.gate_paid(&mut rx, 1_000).await;
            h.gate(GATE_REFUND, gate_refund(&id, Some(300), &rx.url)).await;
            rx.try_next(3_000).await.is_some_and(|refund| refund["payment"]["status"] == "partially refunded")
        }
        Fault::GateRefundFullRefundsInitial => {
            let mut rx = GateReceiver::start(0).await;
            let id = h.gate_paid(&mut rx, 1_000).await;
            h.gate(GATE_REFUND, gate_refund(&id, Some(300), &rx.url)).await;
            rx.try_next(3_000).await;
            h.gate(GATE_REFUND, gate_refund(&id, None, &rx.url)).await;
            rx.try_next(3_000).await.is_some_and(|full| full["operation"]["sum_initial"]["amount"] == 700)
        }
    }
}

const GATE_SALE: &str = "/v2/payment/online-banking/alfa-click/sale";
const GATE_REFUND: &str = "/v2/payment/online-banking/alfa-click/refund";

#[tokio::test]
async fn every_fault_breaks_its_probe_and_the_clean_gateway_passes_all() {
    let clean = Harness::start(FaultSet::none()).await;
    let mut failures = Vec::new();
    for fault in Fault::all() {
        if !follows_spec(&clean, *fault, &FaultSet::none()).await {
            failures.push(format!("clean gateway fails the probe of {}", fault.name()));
        }
        let only = FaultSet::of(&[*fault]);
        let faulty = Harness::start(only.clone()).await;
        if follows_spec(&faulty, *fault, &only).await {
            failures.push(format!("fault {} is not observable", fault.name()));
        }
        faulty.stop().await;
    }
    clean.stop().await;
    println!("{} faults probed", Fault::all().len());
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_listing_has_one_line_per_fault() {
    let listing = catalogue_listing();
    assert_eq!(listing.lines().count(), Fault::all().len());
    for line in listing.lines() {
        assert_eq!(line.split('\t').count(), 3, "{line}");
    }
}

/// The fault table of `docs/gateway.md` is the catalogue's; `UPDATE_DOCS=1` rewrites it.
#[test]
fn the_docs_fault_table_is_the_catalogue() {
    const BEGIN: &str = "<!-- faults:begin -->\n";
    const END: &str = "<!-- faults:end -->";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/gateway.md");
    let docs = std::fs::read_to_string(&path).expect("docs/gateway.md is readable");
    let start = docs.find(BEGIN).expect("docs/gateway.md has the faults:begin marker") + BEGIN.len();
    let end = docs[start..].find(END).expect("docs/gateway.md has the faults:end marker") + start;
    let table = paycheck::gateway::catalogue_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let updated = format!("{}{}{}", &docs[..start], table, &docs[end..]);
        std::fs::write(&path, updated).expect("docs/gateway.md is writable");
        return;
    }
    assert_eq!(
        &docs[start..end],
        table,
        "the fault table of docs/gateway.md differs from the catalogue: run UPDATE_DOCS=1 cargo test --test gateway docs"
    );
}
