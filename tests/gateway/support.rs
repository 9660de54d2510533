//! Shared helpers of the gateway tests: a gateway on loopback and a small client.

#![allow(dead_code)]

use std::net::SocketAddr;

use paycheck::gateway::{ClockMode, FaultSet, GatewayConfig, RunningGateway};
use serde_json::{Value, json};

pub const MAIN: (&str, &str) = ("test_user", "test_user_password");
pub const SECOND: (&str, &str) = ("second_user", "second_user_password");
pub const SUCCESS_PAN: &str = "4444555511113333";
pub const DECLINE_PAN: &str = "5168494895055780";

/// A running gateway and a client for it.
pub struct Harness {
    pub gateway: RunningGateway,
    pub client: reqwest::Client,
    pub root: String,
}

impl Harness {
    /// The reference configuration on a manual clock, with `faults`.
    pub async fn start(faults: FaultSet) -> Harness {
        let config = GatewayConfig { clock: ClockMode::Manual, faults, ..GatewayConfig::reference() };
        Harness::with_config(config).await
    }

    /// A gateway with `config`.
    pub async fn with_config(config: GatewayConfig) -> Harness {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("address");
        let gateway = RunningGateway::start(config, addr).await.expect("gateway starts");
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let root = gateway.url();
        Harness { gateway, client, root }
    }

    /// POSTs a JSON body to `path` (relative to the root) and returns status and body.
    pub async fn json(&self, path: &str, body: Value) -> (u16, Value) {
        let resp = self.client.post(format!("{}{}", self.root, path)).json(&body).send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// POSTs a form body to `path`.
    pub async fn form(&self, path: &str, pairs: &[(&str, String)]) -> (u16, Value) {
        let resp = self.client.post(format!("{}{}", self.root, path)).form(pairs).send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// POSTs raw bytes with a content type.
    pub async fn raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
        let resp = self
            .client
            .post(format!("{}{}", self.root, path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Calls a router (`/v1`) method with `body` plus the main merchant's credentials.
    pub async fn v1(&self, method: &str, body: Value) -> Value {
        self.v1_as(MAIN, method, body).await
    }

    /// Calls a router method as `merchant`.
    pub async fn v1_as(&self, merchant: (&str, &str), method: &str, mut body: Value) -> Value {
        body["userName"] = json!(merchant.0);
        body["password"] = json!(merchant.1);
        let (status, answer) = self.json(&format!("/v1/{method}"), body).await;
        assert_eq!(status, 200, "{method}: {answer}");
        answer
    }

    /// Calls a bank (`/payment/rest`) method with form `pairs` plus the main credentials.
    pub async fn rest(&self, method: &str, pairs: &[(&str, &str)]) -> Value {
        let mut all: Vec<(&str, String)> = vec![("userName", MAIN.0.into()), ("password", MAIN.1.into())];
        all.extend(pairs.iter().map(|(k, v)| (*k, v.to_string())));
        let (status, answer) = self.form(&format!("/payment/rest/{method}"), &all).await;
        assert_eq!(status, 200, "{method}: {answer}");
        answer
    }

    /// Registers a router order (one-phase unless `pre_auth`) and returns its id.
    pub async fn register(&self, amount: i64, pre_auth: bool) -> String {
        let method = if pre_auth { "registerPreAuth.do" } else { "register.do" };
        let answer = self
            .v1(
                method,
                json!({"orderNumber": unique(), "amount": amount,
                       "returnUrl": "https://merchant.example/ok", "failUrl": "https://merchant.example/fail"}),
            )
            .await;
        assert_eq!(answer["errorCode"], "0", "{answer}");
        answer["orderId"].as_str().expect("orderId").to_string()
    }

    /// Pays an order on the router with `pan`.
    pub async fn pay(&self, order_id: &str, pan: &str) -> Value {
        self.v1(
            "paymentorder.do",
            json!({"MDORDER": order_id, "$PAN": pan, "$CVC": "123", "$EXPIRY": "203012", "TEXT": "TEST CARDHOLDER"}),
        )
        .await
    }

    /// A paid one-phase router order of `amount`.
    pub async fn paid_order(&self, amount: i64) -> String {
        let id = self.register(amount, false).await;
        let answer = self.pay(&id, SUCCESS_PAN).await;
        assert_eq!(answer["errorCode"], "0", "{answer}");
        id
    }

    /// The router status of an order.
    pub async fn status(&self, order_id: &str) -> Value {
        self.v1("getOrderStatusExtended.do", json!({"orderId": order_id})).await
    }

    /// The bank (flat) status of an order.
    pub async fn flat_status(&self, order_id: &str) -> Value {
        self.rest("getOrderStatusExtended.do", &[("orderId", order_id)]).await
    }

    /// Advances the manual clock.
    pub async fn advance(&self, seconds: u64) -> Value {
        let (status, body) = self.json("/_paycheck/clock/advance", json!({"seconds": seconds})).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Stops the gateway.
    pub async fn stop(self) {
        self.gateway.shutdown().await;
    }
}

/// A fresh order number.
pub fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..20].to_string()
}

/// The reference Gate project (`gate`): its id and secret key.
pub const GATE_PROJECT: (u64, &str) = (35, "gate_test_secret");

/// A receiver of Gate callbacks (JSON POSTs) on loopback that fails its first `failures` deliveries.
pub struct GateReceiver {
    pub url: String,
    rx: tokio::sync::mpsc::UnboundedReceiver<Value>,
    pub hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

#[derive(Clone)]
struct GateSink {
    tx: tokio::sync::mpsc::UnboundedSender<Value>,
    failures_left: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl GateReceiver {
    /// Starts a receiver.
    pub async fn start(failures: usize) -> GateReceiver {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let hits = std::sync::Arc::new(AtomicUsize::new(0));
        let sink = GateSink { tx, failures_left: std::sync::Arc::new(AtomicUsize::new(failures)), hits: hits.clone() };
        let app = axum::Router::new()
            .route(
                "/gate",
                axum::routing::post(
                    |axum::extract::State(sink): axum::extract::State<GateSink>, body: axum::body::Bytes| async move {
                        sink.hits.fetch_add(1, Ordering::SeqCst);
                        let failing = sink
                            .failures_left
                            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                            .is_ok();
                        if failing {
                            return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                        }
                        let _ = sink.tx.send(serde_json::from_slice(&body).unwrap_or(Value::Null));
                        axum::http::StatusCode::OK
                    },
                ),
            )
            .with_state(sink);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/gate", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        GateReceiver { url, rx, hits }
    }

    /// The next callback delivered (within 5 s).
    pub async fn next(&mut self) -> Value {
        tokio::time::timeout(std::time::Duration::from_secs(5), self.rx.recv())
            .await
            .expect("a callback within 5 s")
            .expect("receiver open")
    }

    /// The next callback delivered within `millis`, if one is.
    pub async fn try_next(&mut self, millis: u64) -> Option<Value> {
        tokio::time::timeout(std::time::Duration::from_millis(millis), self.rx.recv()).await.ok().flatten()
    }

    /// Whether a callback arrives within `millis`.
    pub async fn quiet_for(&mut self, millis: u64) -> bool {
        tokio::time::timeout(std::time::Duration::from_millis(millis), self.rx.recv()).await.is_err()
    }

    /// Delivery attempts so far, failed ones included.
    pub fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A sale body of the reference project (unsigned).
pub fn gate_sale(payment_id: &str, amount: i64, callback_url: &str) -> Value {
    json!({
        "general": {"project_id": GATE_PROJECT.0, "payment_id": payment_id, "merchant_callback_url": callback_url},
        "customer": {"id": "customer123", "ip_address": "1.1.1.1", "account_id": "account_1"},
        "payment": {"amount": amount, "currency": "RUB"}
    })
}

/// A refund body of the reference project (unsigned); `amount` `None` for a full refund.
pub fn gate_refund(payment_id: &str, amount: Option<i64>, callback_url: &str) -> Value {
    let mut payment = json!({"description": "refund"});
    if let Some(amount) = amount {
        payment["amount"] = json!(amount);
        payment["currency"] = json!("RUB");
    }
    json!({
        "general": {"project_id": GATE_PROJECT.0, "payment_id": payment_id, "merchant_callback_url": callback_url},
        "customer": {"ip_address": "1.2.3.4"},
        "payment": payment
    })
}

/// `body` with `general.signature` set with `key`.
pub fn gate_signed(mut body: Value, key: &str) -> Value {
    let signature = paycheck::signature::gate::sign(&body, key);
    body["general"]["signature"] = json!(signature);
    body
}

impl Harness {
    /// POSTs a Gate request signed with the reference project's key.
    pub async fn gate(&self, path: &str, body: Value) -> (u16, Value) {
        self.json(path, gate_signed(body, GATE_PROJECT.1)).await
    }

    /// Sells `amount` and returns the redirect callback.
    pub async fn gate_sale(&self, rx: &mut GateReceiver, amount: i64) -> (String, Value) {
        let id = unique();
        let (status, ack) =
            self.gate("/v2/payment/online-banking/alfa-click/sale", gate_sale(&id, amount, &rx.url)).await;
        assert_eq!(status, 200, "{ack}");
        let redirect = rx.next().await;
        assert_eq!(redirect["payment"]["status"], "awaiting redirect result", "{redirect}");
        (id, redirect)
    }

    /// Presses `button` on the emulator page the redirect callback points at.
    pub async fn press(&self, redirect: &Value, button: &str) -> u16 {
        let url = redirect["redirect_data"]["url"].as_str().expect("redirect_data.url");
        let response = self.client.post(url).form(&[("button", button)]).send().await.expect("emulator answers");
        response.status().as_u16()
    }

    /// A paid Gate payment of `amount`; its result callback consumed.
    pub async fn gate_paid(&self, rx: &mut GateReceiver, amount: i64) -> String {
        let (id, redirect) = self.gate_sale(rx, amount).await;
        assert_eq!(self.press(&redirect, "success").await, 200);
        let result = rx.next().await;
        assert_eq!(result["payment"]["status"], "success", "{result}");
        id
    }
}

/// True when `value` holds a JSON null anywhere.
pub fn has_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(has_null),
        Value::Object(map) => map.values().any(has_null),
        _ => false,
    }
}
