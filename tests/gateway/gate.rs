//! Gate v2 on the reference gateway (spec sections 5 and 6): signed requests, the acknowledgement,
//! the callbacks in order and signed, the test-mode rules on the emulator page and the manual
//! clock, refunds down to zero, every refusal with its code, and the retry schedule compressed
//! by the manual clock.

use crate::support::*;
use paycheck::gateway::{ClockMode, Fault, FaultSet, GatewayConfig};
use paycheck::signature::{Verification, gate as signature};
use serde_json::{Value, json};

const SALE: &str = "/v2/payment/online-banking/alfa-click/sale";
const REFUND: &str = "/v2/payment/online-banking/alfa-click/refund";
const STATUS: &str = "/v2/payment/status";

fn assert_signed(callback: &Value) {
    assert_eq!(signature::verify(callback, GATE_PROJECT.1), Verification::Valid, "{callback}");
    assert!(!has_null(callback), "a null in {callback}");
}

#[tokio::test]
async fn a_sale_is_acknowledged_then_reported_by_signed_callbacks_in_order() {
    let mut rx = GateReceiver::start(0).await;
    let h = Harness::start(FaultSet::none()).await;
    let id = unique();
    let (status, ack) = h.gate(SALE, gate_sale(&id, 10_000, &rx.url)).await;
    assert_eq!(status, 200, "{ack}");
    assert_eq!(ack["status"], "success");
    assert_eq!(ack["project_id"], 35);
    assert_eq!(ack["payment_id"], id);
    assert!(ack["request_id"].as_str().is_some_and(|r| !r.is_empty()), "{ack}");
    assert!(ack.get("operation").is_none() && ack.get("payment").is_none(), "no result in the answer: {ack}");

    let redirect = rx.next().await;
    assert_signed(&redirect);
    assert_eq!(redirect["payment"]["id"], id);
    assert_eq!(redirect["payment"]["status"], "awaiting redirect result");
    assert_eq!(redirect["operation"]["request_id"], ack["request_id"]);
    assert_eq!(redirect["redirect_data"]["method"], "GET");
    let url = redirect["redirect_data"]["url"].as_str().expect("url").to_string();
    assert!(url.starts_with(&h.root), "{url}");
    let page = h.client.get(&url).send().await.expect("page");
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap_or_default().contains("Success"));

    assert_eq!(h.press(&redirect, "success").await, 200);
    let result = rx.next().await;
    assert_signed(&result);
    assert_eq!(result["payment"]["status"], "success");
    assert_eq!(result["operation"]["type"], "sale");
    assert_eq!(result["operation"]["status"], "success");
    assert_eq!(result["operation"]["code"], "0");
    assert_eq!(result["operation"]["id"], redirect["operation"]["id"]);
    assert_eq!(result["account"]["number"], "account_1");
    let date = result["payment"]["date"].as_str().unwrap_or("");
    assert!(date.len() == 24 && date.ends_with("+0000") && date.as_bytes()[10] == b'T', "{date}");
    assert_eq!(h.press(&redirect, "decline").await, 409, "a settled sale stays settled");
    assert!(rx.quiet_for(200).await, "no further callback");
    h.stop().await;
}

#[tokio::test]
async fn test_amounts_decline_even_when_the_payer_approves() {
    let mut rx = GateReceiver::start(0).await;
    let h = Harness::start(FaultSet::none()).await;
    for amount in [40_000, 40_400] {
        let (_, redirect) = h.gate_sale(&mut rx, amount).await;
        h.press(&redirect, "success").await;
        let result = rx.next().await;
        assert_signed(&result);
        assert_eq!(result["payment"]["status"], "decline", "{amount}");
        assert_eq!(result["operation"]["status"], "decline");
        assert_eq!(result["operation"]["code"], "20105");
    }
    let (_, redirect) = h.gate_sale(&mut rx, 40_001).await;
    h.press(&redirect, "decline").await;
    let declined = rx.next().await;
    assert_eq!(
        (declined["payment"]["status"].as_str(), declined["operation"]["code"].as_str()),
        (Some("decline"), Some("20000"))
    );
    h.stop().await;
}

#[tokio::test]
async fn a_sale_left_untouched_for_thirty_minutes_declines() {
    let mut rx = GateReceiver::start(0).await;
    let h = Harness::start(FaultSet::none()).await;
    let (id, redirect) = h.gate_sale(&mut rx, 10_000).await;
    h.advance(29 * 60).await;
    assert!(rx.quiet_for(200).await, "not yet");
    h.advance(60).await;
    let result = rx.next().await;
    assert_signed(&result);
    assert_eq!(result["payment"]["id"], id);
    assert_eq!(result["payment"]["status"], "decline");
    assert_eq!(result["operation"]["code"], "20000");
    assert_eq!(h.press(&redirect, "success").await, 409, "too late to approve");
    h.stop().await;
}

#[tokio::test]
async fn refunds_lower_the_balance_to_zero_and_the_status_follows() {
    let mut rx = GateReceiver::start(0).await;
    let h = Harness::start(FaultSet::none()).await;
    let id = h.gate_paid(&mut rx, 10_000).await;

    let (status, ack) = h.gate(REFUND, gate_refund(&id, Some(3_000), &rx.url)).await;
    assert_eq!((status, ack["status"].as_str(), ack["payment_id"].as_str()), (200, Some("success"), Some(id.as_str())));
    let partial = rx.next().await;
    assert_signed(&partial);
    assert_eq!(partial["operation"]["type"], "refund");
    assert_eq!(partial["operation"]["status"], "success");
    assert_eq!(partial["operation"]["sum_initial"]["amount"], 3_000);
    assert_eq!(partial["payment"]["status"], "partially refunded");
    assert_eq!(partial["payment"]["sum"]["amount"], 7_000, "payment.sum is the balance (A17)");

    let (status, current) = h.gate(STATUS, json!({"general": {"project_id": 35, "payment_id": id}})).await;
    assert_eq!(status, 200, "{current}");
    assert_eq!(current["payment"]["status"], "partially refunded");
    assert_eq!(current["operations"].as_array().map(Vec::len), Some(2));
    assert_signed(&current);

    let (status, _) = h.gate(REFUND, gate_refund(&id, None, &rx.url)).await;
    assert_eq!(status, 200);
    let full = rx.next().await;
    assert_eq!(full["operation"]["sum_initial"]["amount"], 7_000, "a full refund refunds what is left");
    assert_eq!(full["payment"]["status"], "refunded");
    assert_eq!(full["payment"]["sum"]["amount"], 0);

    let (status, refused) = h.gate(REFUND, gate_refund(&id, None, &rx.url)).await;
    assert_eq!((status, refused["code"].as_str()), (400, Some("3060")), "{refused}");
    h.stop().await;
}

#[tokio::test]
async fn a_refund_over_the_initial_amount_is_declined_by_callback_with_3283() {
    let mut rx = GateReceiver::start(0).await;
    let h = Harness::start(FaultSet::none()).await;
    let id = h.gate_paid(&mut rx, 10_000).await;
    let (status, _) = h.gate(REFUND, gate_refund(&id, Some(10_001), &rx.url)).await;
    assert_eq!(status, 200, "acknowledged; the decline comes by callback (seed S1)");
    let declined = rx.next().await;
    assert_signed(&declined);
    assert_eq!(declined["operation"]["status"], "decline");
    assert_eq!(declined["operation"]["code"], "3283");
    assert_eq!(declined["operation"]["message"], "Refund amount more than init amount");
    assert_eq!(declined["payment"]["status"], "success", "unchanged");
    assert_eq!(declined["payment"]["sum"]["amount"], 10_000);
    h.stop().await;
}

#[tokio::test]
async fn refusals_are_400_with_status_error_and_their_code() {
    let rx = GateReceiver::start(0).await;
    let h = Harness::start(FaultSet::none()).await;
    let id = unique();
    let sale = gate_sale(&id, 10_000, &rx.url);

    let (status, unsigned) = h.json(SALE, sale.clone()).await;
    assert_eq!((status, unsigned["status"].as_str(), unsigned["code"].as_str()), (400, Some("error"), Some("3262")));
    let (status, wrong) = h.json(SALE, gate_signed(sale.clone(), "not the key")).await;
    assert_eq!(
        (status, wrong["code"].as_str(), wrong["message"].as_str()),
        (400, Some("3261"), Some("Invalid signature"))
    );
    assert_eq!((wrong["project_id"].as_u64(), wrong["payment_id"].as_str()), (Some(35), Some(id.as_str())));
    assert!(!has_null(&wrong));

    let signed = gate_signed(sale.clone(), GATE_PROJECT.1);
    let mut tampered = serde_json::to_string(&signed).unwrap_or_default();
    tampered = tampered.replace("10000", "10001");
    let (status, answer) = h.raw(SALE, "application/json", tampered.into_bytes()).await;
    assert_eq!((status, answer["code"].as_str()), (400, Some("3261")), "the signature covers the body as sent");

    let (status, _) = h.gate(SALE, sale.clone()).await;
    assert_eq!(status, 200, "none of the refused ones created the payment");
    let (status, duplicate) = h.gate(SALE, sale.clone()).await;
    assert_eq!((status, duplicate["code"].as_str()), (400, Some("3041")), "{duplicate}");

    let mut no_account = gate_sale(&unique(), 10_000, &rx.url);
    no_account["customer"].as_object_mut().map(|c| c.remove("account_id"));
    let (status, missing) = h.gate(SALE, no_account).await;
    assert_eq!((status, missing["status"].as_str()), (400, Some("error")), "{missing}");
    assert!(missing["message"].as_str().unwrap_or("").contains("customer.account_id"), "{missing}");
    let mut dollars = gate_sale(&unique(), 10_000, &rx.url);
    dollars["payment"]["currency"] = json!("USD");
    let (status, _) = h.gate(SALE, dollars).await;
    assert_eq!(status, 400, "a test project takes RUB only");

    let huge = format!("{{\"padding\": \"{}\"}}", "x".repeat(70 * 1024));
    let (status, too_large) = h.raw(SALE, "application/json", huge.into_bytes()).await;
    assert_eq!((status, too_large["status"].as_str()), (413, Some("error")), "{too_large}");

    let (status, unknown) = h.gate(REFUND, gate_refund(&unique(), None, &rx.url)).await;
    assert_eq!((status, unknown["code"].as_str()), (400, Some("3061")));
    let (status, early) = h.gate(REFUND, gate_refund(&id, None, &rx.url)).await;
    assert_eq!((status, early["code"].as_str()), (400, Some("3060")), "not paid yet");
    h.stop().await;
}

#[tokio::test]
async fn failed_deliveries_are_resent_every_ten_seconds_of_the_gateway_clock() {
    let mut rx = GateReceiver::start(3).await;
    let h = Harness::start(FaultSet::none()).await;
    let id = unique();
    let (status, _) = h.gate(SALE, gate_sale(&id, 10_000, &rx.url)).await;
    assert_eq!(status, 200);
    for attempt in 1..=3 {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while rx.hits() < attempt && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(rx.hits(), attempt);
        assert!(rx.quiet_for(300).await, "no resend before 10 s of the gateway's clock");
        assert_eq!(rx.hits(), attempt);
        h.advance(10).await;
    }
    let delivered = rx.next().await;
    assert_eq!(delivered["payment"]["id"], id);
    assert_eq!(rx.hits(), 4, "three refused attempts, then delivered");
    h.stop().await;
}

#[tokio::test]
async fn callbacks_go_to_the_request_url_else_the_project_url() {
    let mut project_rx = GateReceiver::start(0).await;
    let mut request_rx = GateReceiver::start(0).await;
    let mut config = GatewayConfig { clock: ClockMode::Manual, ..GatewayConfig::reference() };
    for project in &mut config.projects {
        project.callback_url = Some(project_rx.url.clone());
    }
    let h = Harness::with_config(config).await;
    let (status, _) = h.gate(SALE, gate_sale(&unique(), 10_000, &request_rx.url)).await;
    assert_eq!(status, 200);
    assert_eq!(request_rx.next().await["payment"]["status"], "awaiting redirect result");
    let mut plain = gate_sale(&unique(), 10_000, "");
    plain["general"].as_object_mut().map(|g| g.remove("merchant_callback_url"));
    let (status, _) = h.gate(SALE, plain).await;
    assert_eq!(status, 200);
    assert_eq!(project_rx.next().await["payment"]["status"], "awaiting redirect result");
    assert!(project_rx.quiet_for(200).await && request_rx.quiet_for(1).await);
    h.stop().await;
}

#[test]
fn every_fault_names_a_clause_of_the_catalogue() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/clauses.yaml")).expect("clauses.yaml");
    for fault in Fault::all() {
        assert!(
            text.contains(&format!("- id: {}\n", fault.clause())),
            "{} names unknown clause {}",
            fault,
            fault.clause()
        );
    }
}
