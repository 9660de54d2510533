//! The gateway against hostile clients (issue 14): clock advances that would overflow, amounts
//! that would wrap, slow and stalled connections, register floods, bytes that are not UTF-8,
//! oversized Gate bodies and forged `Host` headers.

use std::time::{Duration, Instant};

use paycheck::gateway::gate::model::{PayerChoice, ProjectRules, Sale};
use paycheck::gateway::gate::store::{GateStore, OpenRefused};
use paycheck::gateway::v1::model::{Family, Order, Registration};
use paycheck::gateway::v1::policy::Policy;
use paycheck::gateway::v1::store::{InsertRefused, OrderKey, Store};
use paycheck::gateway::{ClockMode, ConnectionLimits, FaultSet, GatewayConfig, StoreLimits};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

async fn clock(h: &Harness) -> i64 {
    let body: Value =
        h.client.get(format!("{}/_paycheck/clock", h.root)).send().await.expect("clock").json().await.expect("json");
    body["nowMs"].as_i64().expect("nowMs")
}

#[tokio::test]
async fn clock_advances_that_would_overflow_are_refused_and_the_clock_never_goes_back() {
    let h = Harness::start(FaultSet::none()).await;
    let before = clock(&h).await;
    for seconds in [u64::MAX, 9_223_372_036_854_775, 9_223_372_036_854_775] {
        let (status, body) = h.json("/_paycheck/clock/advance", json!({"seconds": seconds})).await;
        assert_eq!(status, 400, "{seconds}: {body}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("did not move")), "{body}");
        let now = clock(&h).await;
        assert!(now >= before && now - before < 60_000, "the clock did not move: {before} -> {now}");
    }
    let order = h.register(5000, false).await;
    assert_eq!(h.status(&order).await["orderStatusResultModel"]["orderStatus"], -1, "a new order is not declined");
    let far = h.advance(100 * 365 * 86_400).await;
    assert!(far["nowMs"].as_i64().is_some_and(|ms| ms > before), "{far}");
    assert!(far["now"].as_str().is_some_and(|t| t.starts_with("21")), "{far}");
    h.stop().await;
}

#[tokio::test]
async fn refund_items_that_add_up_past_any_amount_are_refused_with_a_format_error() {
    let h = Harness::start(FaultSet::none()).await;
    let order = h.paid_order(10_000).await;
    let max = i64::MAX;
    for amounts in [vec![max, max, 5002], vec![max, max, 2], vec![999_999_999_999, 999_999_999_999]] {
        let items: Vec<Value> = amounts
            .iter()
            .enumerate()
            .map(|(i, amount)| json!({"positionId": i + 1, "name": "x", "itemAmount": amount}))
            .collect();
        let answer = h.v1("refund.do", json!({"orderId": order, "refundItems": {"items": items}})).await;
        assert_eq!(answer["errorCode"], "5", "{amounts:?}: {answer}");
    }
    let status = h.status(&order).await;
    assert_eq!(status["orderStatusResultModel"]["orderStatus"], 2, "nothing was refunded: {status}");
    assert_eq!(status["orderStatusResultModel"]["refunds"], json!([]), "{status}");
    h.stop().await;
}

/// A gateway whose clients have `header_secs` to send their headers, `max` connections at once.
async fn guarded(header_secs: u64, max: usize) -> Harness {
    let config = GatewayConfig {
        clock: ClockMode::Manual,
        connections: ConnectionLimits { header_read_timeout: Duration::from_secs(header_secs), max_connections: max },
        ..GatewayConfig::reference()
    };
    Harness::with_config(config).await
}

/// Opens a connection and sends half a request's headers; returns it.
async fn stall(h: &Harness) -> TcpStream {
    let mut stream = TcpStream::connect(h.gateway.addr()).await.expect("connect");
    stream.write_all(b"POST /v1/register.do HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty").await.expect("half a header");
    stream
}

/// How long until the peer closes `stream` (bounded by `limit`).
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = [0u8; 1024];
    loop {
        match tokio::time::timeout_at((started + limit).into(), stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_connection_stalled_mid_header_or_silent_is_closed_within_the_header_timeout() {
    let h = guarded(1, 64).await;
    let mut stalled = stall(&h).await;
    let mut silent = TcpStream::connect(h.gateway.addr()).await.expect("connect");
    for stream in [&mut stalled, &mut silent] {
        let closed = closed_within(stream, Duration::from_secs(5)).await;
        assert!(closed.is_some_and(|after| after < Duration::from_secs(3)), "closed after {closed:?}");
    }
    let started = Instant::now();
    h.register(5000, false).await;
    assert!(started.elapsed() < Duration::from_secs(1), "a normal client is served at once");
    h.stop().await;
}

#[tokio::test]
async fn stalled_connections_cannot_hold_the_connection_cap_for_long() {
    let h = guarded(1, 2).await;
    let _first = stall(&h).await;
    let _second = stall(&h).await;
    let started = Instant::now();
    let order = tokio::time::timeout(Duration::from_secs(5), h.register(5000, false)).await;
    assert!(order.is_ok(), "a normal client is served once the stalled ones time out");
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    h.stop().await;
}

fn registration(n: usize) -> Registration {
    Registration {
        id: format!("order-{n}"),
        merchant: "m".into(),
        order_number: format!("n-{n}"),
        family: Family::Router,
        two_phase: false,
        amount: 1000,
        currency: "643".into(),
        description: None,
        return_url: "https://m.example/ok".into(),
        fail_url: None,
        client_id: None,
        params: Vec::new(),
        email: None,
        phone: None,
        allowed_payment_ways: Vec::new(),
        callback_url: None,
        expires_at: i64::MAX,
        autocompletion_at: None,
        auto_reverse_at: None,
        bank: None,
        gw_order_id: None,
    }
}

#[test]
fn a_register_flood_keeps_the_store_within_its_bound() {
    let limits = StoreLimits { retention: Duration::from_secs(60), max_entries: 100 };
    let store = Store::new(limits);
    let policy = Policy::default();
    let mut now = 1_700_000_000_000;
    let mut refused = 0;
    for n in 0..20_000 {
        now += 10;
        let order = Order::register(registration(n), now, &policy.state_machine);
        match store.insert(order, now, &policy) {
            Ok(()) => {}
            Err(InsertRefused::Full { max_entries }) => {
                assert_eq!(max_entries, 100);
                refused += 1;
            }
            Err(other) => panic!("{other:?}"),
        }
        if n % 2 == 0 {
            let id = format!("order-{n}");
            store.with_order("m", OrderKey::Id(&id), now, &policy, |order| order.decline(now, &policy.state_machine));
        }
        if n % 1000 == 0 {
            store.sweep(now, &policy);
        }
        assert!(store.len() <= 100, "{} orders after {n} registers", store.len());
    }
    assert!(refused > 0, "a flood of orders that never finish fills the store, then registers are refused");
}

#[test]
fn finished_orders_are_removed_after_the_retention() {
    let store = Store::new(StoreLimits { retention: Duration::from_secs(60), max_entries: 100 });
    let policy = Policy::default();
    let now = 1_700_000_000_000;
    for n in 0..10 {
        store.insert(Order::register(registration(n), now, &policy.state_machine), now, &policy).expect("room");
    }
    for n in 0..5 {
        let id = format!("order-{n}");
        store.with_order("m", OrderKey::Id(&id), now, &policy, |order| order.decline(now, &policy.state_machine));
    }
    store.sweep(now + 59_000, &policy);
    assert_eq!(store.len(), 10, "kept during the retention");
    store.sweep(now + 60_000, &policy);
    assert_eq!(store.len(), 5, "the five declined orders are gone, the five unpaid ones stay");
    let again = Order::register(registration(0), now + 60_000, &policy.state_machine);
    assert!(store.insert(again, now + 60_000, &policy).is_ok(), "a removed order's number is free again");
}

#[test]
fn a_sale_flood_keeps_the_gate_store_within_its_bound() {
    let store = GateStore::new(StoreLimits { retention: Duration::from_secs(60), max_entries: 50 });
    let policy = paycheck::gateway::gate::policy::Policy::default();
    let rules = ProjectRules { test_mode: true, redirect_timeout_secs: 1800 };
    let mut now = 1_700_000_000_000;
    let mut refused = 0;
    for n in 0..5000 {
        now += 10;
        let sale = Sale {
            project_id: 35,
            payment_id: format!("p{n}"),
            customer_id: "c".into(),
            account: "a".into(),
            amount: 1000,
            currency: "RUB".into(),
            description: None,
            callback_url: None,
        };
        match store.open(sale, store.new_operation("r"), now, rules, &policy) {
            Ok(_) => {}
            Err(OpenRefused::Full { max_entries }) => {
                assert_eq!(max_entries, 50);
                refused += 1;
            }
            Err(other) => panic!("{other:?}"),
        }
        if n % 2 == 0 {
            let id = format!("p{n}");
            store.with_payment(35, &id, now, &policy, |p| p.payer_choice(PayerChoice::Decline, now, &policy.payments));
        }
        assert!(store.len() <= 50, "{} payments after {n} sales", store.len());
    }
    assert!(refused > 0, "sales nobody settles fill the store, then sales are refused");
    store.with_payment(35, "p1", now, &policy, |p| p.payer_choice(PayerChoice::Decline, now, &policy.payments));
    store.sweep(now + 60_000, &policy);
    assert_eq!(store.len(), 49, "the declined payment is removed after the retention");
}

#[tokio::test]
async fn a_full_store_refuses_new_orders_with_a_clear_error_until_one_finishes() {
    let config = GatewayConfig {
        clock: ClockMode::Manual,
        orders: StoreLimits { retention: Duration::from_secs(3600), max_entries: 3 },
        ..GatewayConfig::reference()
    };
    let h = Harness::with_config(config).await;
    let orders = [h.register(5000, false).await, h.register(5000, false).await, h.register(5000, false).await];
    let refused = h
        .v1("register.do", json!({"orderNumber": unique(), "amount": 5000, "returnUrl": "https://merchant.example/ok"}))
        .await;
    assert_eq!(refused["errorCode"], "7", "{refused}");
    assert!(refused["errorMessage"].as_str().is_some_and(|m| m.contains("maximum of 3 orders")), "{refused}");
    let declined = h.v1("decline.do", json!({"orderId": orders[0]})).await;
    assert_eq!(declined["errorCode"], "0", "{declined}");
    h.register(5000, false).await;
    h.stop().await;
}

#[tokio::test]
async fn percent_encoded_bytes_that_are_not_utf8_are_refused_like_raw_ones() {
    let h = Harness::start(FaultSet::none()).await;
    let credentials =
        format!("userName={}&password={}&amount=5000&returnUrl=https%3A%2F%2Fm.example%2Fok", MAIN.0, MAIN.1);
    for number in [&b"%FF%FEz"[..], b"%C0%AFz", b"\xFFz"] {
        let mut body = format!("{credentials}&orderNumber=").into_bytes();
        body.extend_from_slice(number);
        let (status, answer) = h.raw("/payment/rest/register.do", "application/x-www-form-urlencoded", body).await;
        assert_eq!((status, answer["errorCode"].as_str()), (200, Some("5")), "{number:?}: {answer}");
    }
    h.stop().await;
}

#[tokio::test]
async fn a_gate_body_over_two_mebibytes_gets_the_json_error() {
    let h = Harness::start(FaultSet::none()).await;
    let body = vec![b' '; 3 * 1024 * 1024];
    let (status, answer) = h.raw("/v2/payment/online-banking/alfa-click/sale", "application/json", body).await;
    assert_eq!(status, 413, "{answer}");
    assert_eq!((answer["status"].as_str(), answer["code"].as_str()), (Some("error"), Some("2")), "{answer}");
    h.stop().await;
}

#[tokio::test]
async fn a_forged_host_header_never_reaches_form_url() {
    let h = Harness::start(FaultSet::none()).await;
    let body = format!(
        "userName={}&password={}&orderNumber={}&amount=5000&returnUrl=https%3A%2F%2Fm.example%2Fok",
        MAIN.0,
        MAIN.1,
        unique()
    );
    let request = format!(
        "POST /payment/rest/register.do HTTP/1.1\r\nHost: evil.example/phish?x=\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(h.gateway.addr()).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("request");
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut answer))
        .await
        .expect("an answer in time")
        .expect("readable");
    let json_start = answer.find('{').expect("a JSON body");
    let body: Value = serde_json::from_str(answer[json_start..].trim()).expect("JSON");
    let form_url = body["formUrl"].as_str().expect("formUrl");
    assert!(form_url.starts_with("http://127.0.0.1/payment/merchants/"), "{form_url}");
    assert!(!form_url.contains("evil"), "{form_url}");
    h.stop().await;
}
