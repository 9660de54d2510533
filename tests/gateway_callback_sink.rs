//! The callback sink (`/_paycheck/callback-sink/<inbox>`): it records what is sent to it, lists it
//! back per inbox, and receives the gateway's own callbacks when an order names it as
//! `dynamicCallbackUrl`, so that suite cases can check callbacks with plain requests.

mod gateway_support;

use std::time::Duration;

use gateway_support::*;
use paycheck::gateway::FaultSet;
use paycheck::gateway::callbacks::checksum;
use serde_json::{Value, json};

async fn received(h: &Harness, inbox: &str) -> Vec<Value> {
    let url = format!("{}/_paycheck/callback-sink/{inbox}/received", h.root);
    let body: Value = h.client.get(url).send().await.expect("list").json().await.expect("JSON");
    body["callbacks"].as_array().cloned().expect("a callbacks array")
}

async fn wait_for(h: &Harness, inbox: &str, count: usize) -> Vec<Value> {
    for _ in 0..100 {
        let callbacks = received(h, inbox).await;
        if callbacks.len() >= count {
            return callbacks;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("fewer than {count} callbacks in inbox {inbox}: {:?}", received(h, inbox).await);
}

#[tokio::test]
async fn records_query_and_form_parameters_per_inbox() {
    let h = Harness::start(FaultSet::default()).await;
    assert!(received(&h, "empty").await.is_empty(), "an inbox nothing was sent to is empty");
    let sink = format!("{}/_paycheck/callback-sink/one", h.root);
    let resp = h.client.get(format!("{sink}?mdOrder=a&status=1")).send().await.expect("GET");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.expect("JSON"), json!({"received": 1}));
    let resp =
        h.client.post(format!("{sink}?operation=deposited")).form(&[("amount", "1500")]).send().await.expect("POST");
    assert_eq!(resp.status(), 200);
    let callbacks = received(&h, "one").await;
    assert_eq!(
        callbacks,
        vec![
            json!({"method": "GET", "params": {"mdOrder": "a", "status": "1"}}),
            json!({"method": "POST", "params": {"operation": "deposited", "amount": "1500"}}),
        ]
    );
    assert!(received(&h, "other").await.is_empty(), "inboxes are kept apart");
    h.stop().await;
}

#[tokio::test]
async fn receives_the_gateways_signed_callbacks() {
    let h = Harness::start(FaultSet::default()).await;
    let sink = format!("{}/_paycheck/callback-sink/order", h.root);
    let order = h
        .v1(
            "register.do",
            json!({"orderNumber": unique(), "amount": 1500, "returnUrl": "https://merchant.example/ok", "dynamicCallbackUrl": sink}),
        )
        .await;
    let order_id = order["orderId"].as_str().expect("orderId").to_string();
    h.pay(&order_id, SUCCESS_PAN).await;
    let callbacks = wait_for(&h, "order", 1).await;
    let params = callbacks[0]["params"].as_object().expect("params");
    assert_eq!(params["mdOrder"], json!(order_id));
    assert_eq!(params["operation"], json!("deposited"));
    assert_eq!(params["status"], json!("1"));
    let pairs: Vec<(String, String)> =
        params.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect();
    assert_eq!(params["checksum"], json!(checksum(&pairs, "test_callback_token")), "signed with main's token");
    h.stop().await;
}
