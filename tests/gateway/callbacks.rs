//! Callbacks (spec 2.11): sent to `dynamicCallbackUrl` on approve, deposit, reverse, refund and
//! decline, with the checksum when the merchant has a callback token, retried when delivery fails,
//! never delaying the API answer.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::*;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use paycheck::gateway::{ClockMode, GatewayConfig};
use paycheck::signature::checksum;
use serde_json::json;
use tokio::sync::mpsc;

type Received = HashMap<String, String>;

struct Receiver {
    url: String,
    rx: mpsc::UnboundedReceiver<Received>,
}

#[derive(Clone)]
struct Sink {
    tx: mpsc::UnboundedSender<Received>,
    failures_left: Arc<AtomicUsize>,
    hits: Arc<AtomicUsize>,
}

async fn receiver(failures: usize) -> (Receiver, Arc<AtomicUsize>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let hits = Arc::new(AtomicUsize::new(0));
    let sink = Sink { tx, failures_left: Arc::new(AtomicUsize::new(failures)), hits: hits.clone() };
    let app = axum::Router::new()
        .route(
            "/cb",
            axum::routing::get(|State(sink): State<Sink>, Query(q): Query<Received>| async move {
                sink.hits.fetch_add(1, Ordering::SeqCst);
                let failing =
                    sink.failures_left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
                if failing {
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                let _ = sink.tx.send(q);
                StatusCode::OK
            }),
        )
        .with_state(sink);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/cb", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (Receiver { url, rx }, hits)
}

impl Receiver {
    async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(5), self.rx.recv())
            .await
            .expect("a callback within 5 s")
            .expect("channel open")
    }
}

fn fast_retries() -> GatewayConfig {
    GatewayConfig {
        clock: ClockMode::Manual,
        callback_retry_delay: Duration::from_millis(20),
        ..GatewayConfig::reference()
    }
}

fn verify(cb: &Received, key: &str) {
    let params: Vec<(String, String)> =
        cb.iter().filter(|(k, _)| *k != "checksum").map(|(k, v)| (k.clone(), v.clone())).collect();
    assert_eq!(cb.get("checksum"), Some(&checksum(&params, key)), "{cb:?}");
}

#[tokio::test]
async fn every_operation_notifies_with_a_valid_checksum() {
    let (mut rx, _) = receiver(0).await;
    let h = Harness::with_config(fast_retries()).await;
    let answer = h
        .v1(
            "registerPreAuth.do",
            json!({"orderNumber": unique(), "amount": 5_000,
            "returnUrl": "https://m.example/ok", "dynamicCallbackUrl": rx.url}),
        )
        .await;
    let id = answer["orderId"].as_str().expect("orderId").to_string();
    h.pay(&id, SUCCESS_PAN).await;
    let approved = rx.next().await;
    assert_eq!(approved["operation"], "approved");
    assert_eq!(approved["status"], "1");
    assert_eq!(approved["mdOrder"], id);
    verify(&approved, "test_callback_token");
    h.v1("deposit.do", json!({"orderId": id})).await;
    let deposited = rx.next().await;
    assert_eq!(deposited["operation"], "deposited");
    verify(&deposited, "test_callback_token");
    h.v1("refund.do", json!({"orderId": id, "amount": 1_000})).await;
    let refunded = rx.next().await;
    assert_eq!(refunded["operation"], "refunded");
    assert_eq!(refunded["amount"], "1000");
    verify(&refunded, "test_callback_token");

    let answer = h
        .v1(
            "register.do",
            json!({"orderNumber": unique(), "amount": 700,
            "returnUrl": "https://m.example/ok", "dynamicCallbackUrl": rx.url}),
        )
        .await;
    let paid = answer["orderId"].as_str().expect("orderId").to_string();
    h.pay(&paid, SUCCESS_PAN).await;
    assert_eq!(rx.next().await["operation"], "deposited");
    h.v1("reverse.do", json!({"orderId": paid})).await;
    assert_eq!(rx.next().await["operation"], "reversed");

    let answer = h
        .v1(
            "register.do",
            json!({"orderNumber": unique(), "amount": 700,
            "returnUrl": "https://m.example/ok", "dynamicCallbackUrl": rx.url}),
        )
        .await;
    let declined = answer["orderId"].as_str().expect("orderId").to_string();
    h.v1("decline.do", json!({"orderId": declined})).await;
    let cb = rx.next().await;
    assert_eq!(cb["operation"], "declined");
    assert_eq!(cb["mdOrder"], declined);

    let answer = h
        .v1(
            "register.do",
            json!({"orderNumber": unique(), "amount": 700, "sessionTimeoutSecs": 10,
            "returnUrl": "https://m.example/ok", "dynamicCallbackUrl": rx.url}),
        )
        .await;
    let expiring = answer["orderId"].as_str().expect("orderId").to_string();
    h.advance(11).await;
    let cb = rx.next().await;
    assert_eq!(cb["operation"], "declinedByTimeout");
    assert_eq!(cb["mdOrder"], expiring);
    h.stop().await;
}

#[tokio::test]
async fn failed_deliveries_are_retried_a_bounded_number_of_times() {
    let (mut rx, hits) = receiver(2).await;
    let h = Harness::with_config(fast_retries()).await;
    let answer = h
        .v1(
            "register.do",
            json!({"orderNumber": unique(), "amount": 700,
            "returnUrl": "https://m.example/ok", "dynamicCallbackUrl": rx.url}),
        )
        .await;
    let id = answer["orderId"].as_str().expect("orderId").to_string();
    h.pay(&id, SUCCESS_PAN).await;
    let cb = rx.next().await;
    assert_eq!(cb["operation"], "deposited");
    assert_eq!(hits.load(Ordering::SeqCst), 3, "two failures, then delivered");

    let (never, never_hits) = receiver(usize::MAX).await;
    let answer = h
        .v1(
            "register.do",
            json!({"orderNumber": unique(), "amount": 700,
            "returnUrl": "https://m.example/ok", "dynamicCallbackUrl": never.url}),
        )
        .await;
    let id = answer["orderId"].as_str().expect("orderId").to_string();
    let started = std::time::Instant::now();
    h.pay(&id, SUCCESS_PAN).await;
    assert!(started.elapsed() < Duration::from_secs(2), "delivery must not block the answer");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(never_hits.load(Ordering::SeqCst), 4, "bounded: 4 attempts in all");
    h.stop().await;
}

#[tokio::test]
async fn unsigned_without_a_callback_token() {
    let (mut rx, _) = receiver(0).await;
    let h = Harness::with_config(fast_retries()).await;
    let answer = h
        .v1_as(
            SECOND,
            "register.do",
            json!({"orderNumber": unique(), "amount": 700,
            "returnUrl": "https://m.example/ok", "dynamicCallbackUrl": rx.url}),
        )
        .await;
    let id = answer["orderId"].as_str().expect("orderId").to_string();
    h.v1_as(SECOND, "paymentorder.do", json!({"MDORDER": id, "$PAN": SUCCESS_PAN, "$CVC": "123", "$EXPIRY": "203012"}))
        .await;
    let cb = rx.next().await;
    assert_eq!(cb["operation"], "deposited");
    assert!(!cb.contains_key("checksum"));
    h.stop().await;
}
