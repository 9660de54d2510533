//! Concurrency over HTTP on loopback: many simultaneous refunds and replays on one order never
//! refund more than was deposited and never perform a replayed refund twice; simultaneous refunds
//! carrying the same `expectedDepositedAmount` execute once.

use std::collections::HashMap;
use std::sync::Arc;

use crate::support::*;
use paycheck::gateway::FaultSet;
use serde_json::{Value, json};

const ORDERS: usize = 6;
const IDS_PER_ORDER: usize = 30;
const REPLAYS_PER_ID: usize = 4;
const ANONYMOUS_PER_ORDER: usize = 40;
const DEPOSITED: i64 = 100_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_refunds_and_replays_never_over_refund() {
    let h = Arc::new(Harness::start(FaultSet::none()).await);
    let mut requests = 0usize;
    let mut performed_total = 0usize;
    let mut rejected_total = 0usize;
    for order_index in 0..ORDERS {
        let id = h.paid_order(DEPOSITED).await;
        let mut tasks = Vec::new();
        for n in 0..IDS_PER_ORDER {
            let amount = 1_000 + ((n * 7_919 + order_index * 104_729) % 9_000) as i64;
            for _ in 0..REPLAYS_PER_ID {
                let (h, id) = (h.clone(), id.clone());
                let ext = format!("o{order_index}-r{n}");
                tasks.push(tokio::spawn(async move {
                    let answer =
                        h.v1("refund.do", json!({"orderId": id, "amount": amount, "externalRefundId": ext})).await;
                    (Some(ext), amount, answer)
                }));
            }
        }
        for n in 0..ANONYMOUS_PER_ORDER {
            let (h, id) = (h.clone(), id.clone());
            let amount = 500 + ((n * 3_571) % 4_000) as i64;
            tasks.push(tokio::spawn(async move {
                let answer = h.v1("refund.do", json!({"orderId": id, "amount": amount})).await;
                (None, amount, answer)
            }));
        }
        requests += tasks.len();
        let mut ok_by_id: HashMap<String, usize> = HashMap::new();
        let mut anonymous_ok = 0i64;
        for task in tasks {
            let (ext, amount, answer) = task.await.expect("task");
            match answer["errorCode"].as_str() {
                Some("0") => match ext {
                    Some(ext) => *ok_by_id.entry(ext).or_default() += 1,
                    None => anonymous_ok += amount,
                },
                Some("7") => rejected_total += 1,
                other => panic!("unexpected answer {other:?}: {answer}"),
            }
        }
        let flat = h.flat_status(&id).await;
        let refunds = flat["refunds"].as_array().expect("refunds").clone();
        let listed: i64 = refunds.iter().map(|r| r["amount"].as_i64().unwrap_or(0)).sum();
        let refunded = flat["paymentAmountInfo"]["refundedAmount"].as_i64().expect("refunded");
        assert_eq!(listed, refunded);
        assert!(refunded <= DEPOSITED, "over-refund: {refunded} > {DEPOSITED}");
        let mut listed_ids: HashMap<String, usize> = HashMap::new();
        for r in &refunds {
            if let Some(ext) = r.get("externalRefundId").and_then(Value::as_str) {
                *listed_ids.entry(ext.to_string()).or_default() += 1;
            }
        }
        assert!(listed_ids.values().all(|n| *n == 1), "a replayed refund was performed twice");
        for ext in ok_by_id.keys() {
            assert_eq!(listed_ids.get(ext), Some(&1), "{ext} answered 0 but is not listed once");
        }
        let anonymous_listed: i64 = refunds
            .iter()
            .filter(|r| r.get("externalRefundId").is_none())
            .map(|r| r["amount"].as_i64().unwrap_or(0))
            .sum();
        assert_eq!(anonymous_listed, anonymous_ok);
        performed_total += refunds.len();
    }
    println!(
        "concurrency: {ORDERS} orders x {} simultaneous refund requests = {requests} requests \
         ({} distinct externalRefundIds x {REPLAYS_PER_ID} copies + {ANONYMOUS_PER_ORDER} without id per order); \
         {performed_total} refunds performed, {rejected_total} rejected over the limit; over-refunds found: 0, double replays found: 0",
        IDS_PER_ORDER * REPLAYS_PER_ID + ANONYMOUS_PER_ORDER,
        IDS_PER_ORDER,
    );
    match Arc::try_unwrap(h) {
        Ok(h) => h.stop().await,
        Err(_) => panic!("harness still shared"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_expected_deposited_amount_executes_once() {
    let h = Arc::new(Harness::start(FaultSet::none()).await);
    let id = h.paid_order(50_000).await;
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let (h, id) = (h.clone(), id.clone());
            tokio::spawn(async move {
                h.v1("refund.do", json!({"orderId": id, "amount": 1_000, "expectedDepositedAmount": 50_000})).await
            })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        if task.await.expect("task")["errorCode"] == "0" {
            ok += 1;
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(h.flat_status(&id).await["paymentAmountInfo"]["refundedAmount"], 1_000);
    println!("expectedDepositedAmount: 40 simultaneous refunds, {ok} executed");
    match Arc::try_unwrap(h) {
        Ok(h) => h.stop().await,
        Err(_) => panic!("harness still shared"),
    }
}
