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
