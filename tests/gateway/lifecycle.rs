//! The v1 order lifecycle over HTTP: two-phase capture, reversal, decline, refunds, lifetime and
//! auto dates on the manual clock, Alfa Pay, the payment page, the legacy status.

use crate::support::*;
use paycheck::gateway::FaultSet;
use serde_json::{Value, json};

fn model(status: &Value) -> &Value {
    &status["orderStatusResultModel"]
}

async fn approved_order(h: &Harness, amount: i64) -> String {
    let id = h.register(amount, true).await;
    let paid = h.pay(&id, SUCCESS_PAN).await;
    assert_eq!(paid["errorCode"], "0", "{paid}");
    id
}

#[tokio::test]
async fn two_phase_capture_in_full_in_part_and_over_the_hold() {
    let h = Harness::start(FaultSet::none()).await;
    let id = approved_order(&h, 10_000).await;
    let flat = h.flat_status(&id).await;
    assert_eq!(flat["orderStatus"], 1);
    assert_eq!(flat["paymentAmountInfo"]["approvedAmount"], 10_000);
    assert_eq!(flat["paymentAmountInfo"]["depositedAmount"], 0);
    let over = h.v1("deposit.do", json!({"orderId": id, "amount": 10_001})).await;
    assert_eq!(over["errorCode"], "5");
    let small = h.v1("deposit.do", json!({"orderId": id, "amount": 99})).await;
    assert_eq!(small["errorCode"], "5");
    let partial = h.v1("deposit.do", json!({"orderId": id, "amount": 6_000})).await;
    assert_eq!(partial["errorCode"], "0", "{partial}");
    let flat = h.flat_status(&id).await;
    assert_eq!(flat["orderStatus"], 2);
    assert_eq!(flat["paymentAmountInfo"]["depositedAmount"], 6_000);
    let again = h.v1("deposit.do", json!({"orderId": id})).await;
    assert_eq!(again["errorCode"], "7");
    let reverse = h.v1("reverse.do", json!({"orderId": id})).await;
    assert_eq!(reverse["errorCode"], "7", "no reversal after a partial capture");

    let full = approved_order(&h, 5_000).await;
    let zero = h.v1("deposit.do", json!({"orderId": full, "amount": 0})).await;
    assert_eq!(zero["errorCode"], "0");
    assert_eq!(h.status(&full).await["depositedAmount"], 5_000);

    let over_merchant = ("overcapture_user", "overcapture_user_password");
    let answer = h
        .v1_as(
            over_merchant,
            "registerPreAuth.do",
            json!({"orderNumber": unique(), "amount": 10_000, "returnUrl": "https://m.example/ok"}),
        )
        .await;
    let oc = answer["orderId"].as_str().expect("orderId").to_string();
    let pay = h
        .v1_as(
            over_merchant,
            "paymentorder.do",
            json!({"MDORDER": oc, "$PAN": SUCCESS_PAN, "$CVC": "123", "$EXPIRY": "203012"}),
        )
        .await;
    assert_eq!(pay["errorCode"], "0");
    let too_much = h.v1_as(over_merchant, "deposit.do", json!({"orderId": oc, "amount": 12_001})).await;
    assert_eq!(too_much["errorCode"], "5");
    let allowed = h.v1_as(over_merchant, "deposit.do", json!({"orderId": oc, "amount": 12_000})).await;
    assert_eq!(allowed["errorCode"], "0");
    h.stop().await;
}

#[tokio::test]
async fn reversal_once_within_the_window() {
    let h = Harness::start(FaultSet::none()).await;
    let approved = approved_order(&h, 3_000).await;
    let partial = h.v1("reverse.do", json!({"orderId": approved, "amount": 1_000})).await;
    assert_eq!(partial["errorCode"], "5");
    let after_failed = h.v1("reverse.do", json!({"orderId": approved})).await;
    assert_eq!(after_failed["errorCode"], "7", "A12: no reversal after a failed attempt");
    assert_eq!(h.status(&approved).await["state"], "APPROVED");

    let approved = approved_order(&h, 3_000).await;
    let ok = h.v1("reverse.do", json!({"orderId": approved})).await;
    assert_eq!(ok["errorCode"], "0");
    let flat = h.flat_status(&approved).await;
    assert_eq!(flat["orderStatus"], 3);
    assert_eq!(flat["paymentAmountInfo"]["paymentState"], "REVERSED");
    assert_eq!(flat["paymentAmountInfo"]["approvedAmount"], 3_000);
    let twice = h.v1("reverse.do", json!({"orderId": approved})).await;
    assert_eq!(twice["errorCode"], "7");

    let paid = h.paid_order(2_000).await;
    let ok = h.v1("reverse.do", json!({"orderId": paid})).await;
    assert_eq!(ok["errorCode"], "0");
    assert_eq!(h.status(&paid).await["state"], "REVERSED");

    let refunded = h.paid_order(2_000).await;
    let r = h.v1("refund.do", json!({"orderId": refunded, "amount": 500})).await;
    assert_eq!(r["errorCode"], "0");
    let after_refund = h.v1("reverse.do", json!({"orderId": refunded})).await;
    assert_eq!(after_refund["errorCode"], "7");

    let late = h.paid_order(2_000).await;
    h.advance(13 * 3600).await;
    let closed = h.v1("reverse.do", json!({"orderId": late})).await;
    assert_eq!(closed["errorCode"], "7");
    assert_eq!(h.status(&late).await["state"], "DEPOSITED");

    let unpaid = h.register(2_000, false).await;
    let refused = h.v1("reverse.do", json!({"orderId": unpaid})).await;
    assert_eq!(refused["errorCode"], "7");
    assert_eq!(refused["errorMessage"], "Invalid operation for the current order status");
    h.stop().await;
}

#[tokio::test]
async fn decline_of_unpaid_orders_only() {
    let h = Harness::start(FaultSet::none()).await;
    let id = h.register(1_000, false).await;
    let ok = h.v1("decline.do", json!({"orderId": id})).await;
    assert_eq!(ok["errorCode"], "0");
    let status = h.status(&id).await;
    assert_eq!(status["state"], "DECLINED");
    assert_eq!(model(&status)["actionCode"], 4005);
    let again = h.v1("decline.do", json!({"orderId": id})).await;
    assert_eq!(again["errorCode"], "7");
    assert_eq!(model(&h.status(&id).await)["actionCode"], 4005);
    let pay = h.pay(&id, SUCCESS_PAN).await;
    assert_eq!(pay["errorCode"], "7");

    let bank = h
        .rest("register.do", &[("orderNumber", &unique()), ("amount", "700"), ("returnUrl", "https://m.example/ok")])
        .await;
    let bank_id = bank["orderId"].as_str().expect("orderId").to_string();
    let number = h.flat_status(&bank_id).await["orderNumber"].as_str().expect("number").to_string();
    let by_number = h.rest("decline.do", &[("orderNumber", &number)]).await;
    assert_eq!(by_number["errorCode"], "0");
    let flat = h.flat_status(&bank_id).await;
    assert_eq!(flat["paymentAmountInfo"]["paymentState"], "DECLINED");

    let paid = h.paid_order(1_000).await;
    let refused = h.v1("decline.do", json!({"orderId": paid})).await;
    assert_eq!(refused["errorCode"], "7");
    assert_eq!(h.status(&paid).await["state"], "DEPOSITED");
    h.stop().await;
}

#[tokio::test]
async fn refunds_partial_repeated_full_over_limit_and_replayed() {
    let h = Harness::start(FaultSet::none()).await;
    let id = h.paid_order(10_000).await;
    let unpaid = h.register(1_000, false).await;
    assert_eq!(h.v1("refund.do", json!({"orderId": unpaid, "amount": 500})).await["errorCode"], "7");

    let first = h.v1("refund.do", json!({"orderId": id, "amount": 3_000, "externalRefundId": "r1"})).await;
    assert_eq!(first["errorCode"], "0");
    let status = h.status(&id).await;
    assert_eq!(status["state"], "REFUNDED");
    assert_eq!(status["depositedAmount"], 10_000);
    let replay = h.v1("refund.do", json!({"orderId": id, "amount": 3_000, "externalRefundId": "r1"})).await;
    assert_eq!(replay["errorCode"], "0");
    let replay_no_amount = h.v1("refund.do", json!({"orderId": id, "externalRefundId": "r1"})).await;
    assert_eq!(replay_no_amount["errorCode"], "0");
    let conflict = h.v1("refund.do", json!({"orderId": id, "amount": 2_000, "externalRefundId": "r1"})).await;
    assert_eq!(conflict["errorCode"], "5");
    assert_eq!(conflict["errorMessage"], "Refund with this externalRefundId already exists for merchant");

    let over = h.v1("refund.do", json!({"orderId": id, "amount": 7_001})).await;
    assert_eq!(over["errorCode"], "7");
    assert_eq!(over["errorMessage"], "The refund amount exceeds the debited amount");
    let tiny = h.v1("refund.do", json!({"orderId": id, "amount": 50})).await;
    assert_eq!(tiny["errorCode"], "7");
    let stale = h.v1("refund.do", json!({"orderId": id, "amount": 1_000, "expectedDepositedAmount": 10_000})).await;
    assert_eq!(stale["errorCode"], "7");
    let current = h.v1("refund.do", json!({"orderId": id, "amount": 1_000, "expectedDepositedAmount": 7_000})).await;
    assert_eq!(current["errorCode"], "0");
    let items = h
        .v1(
            "refund.do",
            json!({"orderId": id, "amount": 1_000, "refundItems": {"items": [
            {"positionId": "1", "name": "Thing", "quantity": {"value": 1, "measure": "pcs"},
             "itemAmount": 1_000, "itemCurrency": 643, "itemCode": "T-1", "itemPrice": 1_000}]}}),
        )
        .await;
    assert_eq!(items["errorCode"], "0", "{items}");
    let full = h.v1("refund.do", json!({"orderId": id, "amount": 10_000})).await;
    assert_eq!(full["errorCode"], "0", "amount = order amount means the rest");
    let flat = h.flat_status(&id).await;
    assert_eq!(flat["paymentAmountInfo"]["refundedAmount"], 10_000);
    let refunds = flat["refunds"].as_array().expect("refunds");
    assert_eq!(
        refunds.iter().map(|r| r["amount"].as_i64().unwrap_or(0)).collect::<Vec<_>>(),
        vec![3_000, 1_000, 1_000, 5_000]
    );
    assert_eq!(refunds[0]["externalRefundId"], "r1");
    let nothing_left = h.v1("refund.do", json!({"orderId": id})).await;
    assert_eq!(nothing_left["errorCode"], "7");
    assert_eq!(nothing_left["errorMessage"], "Payment must be in the correct state");

    let number_order = h.paid_order(4_000).await;
    let number = model(&h.status(&number_order).await)["orderNumber"].as_str().expect("n").to_string();
    let by_number = h.v1("refund.do", json!({"orderNumber": number})).await;
    assert_eq!(by_number["errorCode"], "0");
    assert_eq!(h.flat_status(&number_order).await["paymentAmountInfo"]["refundedAmount"], 4_000);
    let elsewhere = h.v1("refund.do", json!({"orderId": number_order, "externalRefundId": "r1"})).await;
    assert_eq!(elsewhere["errorCode"], "5", "an id used on another order of the merchant");
    h.stop().await;
}

#[tokio::test]
async fn lifetime_and_auto_dates_on_the_manual_clock() {
    let h = Harness::start(FaultSet::none()).await;
    let default_router = h.register(1_000, false).await;
    let bank = h.rest("register.do", &[("amount", "1000"), ("returnUrl", "https://m.example/ok")]).await;
    let bank_id = bank["orderId"].as_str().expect("orderId").to_string();
    h.advance(1_199).await;
    assert_eq!(h.flat_status(&bank_id).await["orderStatus"], 0);
    h.advance(2).await;
    let flat = h.flat_status(&bank_id).await;
    assert_eq!(flat["orderStatus"], 6);
    assert_eq!(flat["actionCode"], -2007);
    assert_eq!(h.status(&default_router).await["state"], "PREREGISTERED");
    h.advance(600).await;
    let expired = h.status(&default_router).await;
    assert_eq!(expired["state"], "DECLINED");
    assert_eq!(model(&expired)["gwId"], Value::Null);

    let retry = ("retry_user", "retry_user_password");
    let answer = h
        .v1_as(retry, "register.do", json!({"orderNumber": unique(), "amount": 900, "returnUrl": "https://m.example/ok", "sessionTimeoutSecs": 120}))
        .await;
    let tried = answer["orderId"].as_str().expect("orderId").to_string();
    let declined = h
        .v1_as(
            retry,
            "paymentorder.do",
            json!({"MDORDER": tried, "$PAN": DECLINE_PAN, "$CVC": "123", "$EXPIRY": "203012"}),
        )
        .await;
    assert_eq!(declined["errorCode"], "0");
    let status = h.v1_as(retry, "getOrderStatusExtended.do", json!({"orderId": tried})).await;
    assert_eq!(status["state"], "CREATED", "attempts left");
    h.advance(121).await;
    let status = h.v1_as(retry, "getOrderStatusExtended.do", json!({"orderId": tried})).await;
    assert_eq!(status["state"], "DECLINED");
    assert_eq!(model(&status)["actionCode"], -2007);
    assert_ne!(model(&status)["gwId"], Value::Null);

    let deadline = jiff::Timestamp::from_millisecond(h.advance(0).await["nowMs"].as_i64().expect("nowMs") + 3_600_000)
        .expect("time")
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let complete = h
        .v1("registerPreAuth.do", json!({"orderNumber": unique(), "amount": 800, "returnUrl": "https://m.example/ok", "autocompletionDate": deadline}))
        .await;
    let complete = complete["orderId"].as_str().expect("orderId").to_string();
    let reverse = h
        .v1("registerPreAuth.do", json!({"orderNumber": unique(), "amount": 800, "returnUrl": "https://m.example/ok", "autoReverseDate": deadline}))
        .await;
    let reverse = reverse["orderId"].as_str().expect("orderId").to_string();
    let plain = approved_order(&h, 800).await;
    assert_eq!(h.pay(&complete, SUCCESS_PAN).await["errorCode"], "0");
    assert_eq!(h.pay(&reverse, SUCCESS_PAN).await["errorCode"], "0");
    let expiring = h
        .v1("register.do", json!({"orderNumber": unique(), "amount": 800, "returnUrl": "https://m.example/ok", "expirationDate": deadline}))
        .await;
    let expiring = expiring["orderId"].as_str().expect("orderId").to_string();
    h.advance(3_601).await;
    assert_eq!(h.status(&complete).await["state"], "DEPOSITED");
    assert_eq!(h.status(&complete).await["depositedAmount"], 800);
    assert_eq!(h.status(&reverse).await["state"], "REVERSED");
    assert_eq!(h.status(&plain).await["state"], "APPROVED");
    assert_eq!(h.status(&expiring).await["state"], "DECLINED");

    let second = h
        .v1_as(SECOND, "registerPreAuth.do", json!({"orderNumber": unique(), "amount": 800, "returnUrl": "https://m.example/ok", "autocompletionDate": "2099-01-01T00:00:00"}))
        .await;
    assert_eq!(second["errorCode"], "13");
    h.stop().await;
}

#[tokio::test]
async fn alfapay_flow_through_the_emulator() {
    let h = Harness::start(FaultSet::none()).await;
    let id = h.register(1_234, false).await;
    let answer = h.v1("alfapay/paymentOrder.do", json!({"orderId": id, "language": "ru"})).await;
    assert_eq!(answer["success"], true, "{answer}");
    let bank_id = answer["data"]["orderId"].as_str().expect("data.orderId").to_string();
    assert_ne!(bank_id, id);
    let status = h.status(&id).await;
    assert_eq!(status["state"], "PENDING");
    assert_eq!(model(&status)["orderStatus"], 7);
    assert_eq!(model(&status)["gwOrderId"], bank_id.as_str());
    let redirect = answer["data"]["redirect"].as_str().expect("redirect").to_string();
    let page = h.client.get(&redirect).send().await.expect("page");
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.expect("html").contains("/approve"));
    let approved = h.client.post(format!("{redirect}/approve")).send().await.expect("approve");
    assert_eq!(approved.status().as_u16(), 303);
    let location = approved.headers()["location"].to_str().expect("location").to_string();
    assert!(location.starts_with("https://merchant.example/ok"), "{location}");
    let status = h.status(&id).await;
    assert_eq!(status["state"], "DEPOSITED");
    assert_eq!(model(&status)["paymentWay"], "ALFAPAY");

    let declined = h.register(1_234, false).await;
    let answer = h.v1("alfapay/paymentOrder.do", json!({"orderId": declined})).await;
    let redirect = answer["data"]["redirect"].as_str().expect("redirect").to_string();
    let resp = h.client.post(format!("{redirect}/decline")).send().await.expect("decline");
    assert!(resp.headers()["location"].to_str().expect("location").starts_with("https://merchant.example/fail"));
    assert_eq!(h.status(&declined).await["state"], "DECLINED");

    let abandoned = h.register(1_234, false).await;
    h.v1("alfapay/paymentOrder.do", json!({"orderId": abandoned})).await;
    h.advance(1_801).await;
    let status = h.status(&abandoned).await;
    assert_eq!(status["state"], "DECLINED");
    assert_eq!(model(&status)["actionCode"], -2007);
    assert_eq!(model(&status)["gwId"], "ALFABANK");

    let wrong =
        h.json("/v1/alfapay/paymentOrder.do", json!({"userName": "test_user", "password": "x", "orderId": id})).await.1;
    assert_eq!(wrong["success"], false);
    assert_eq!(wrong["error"]["code"], "5");
    let unknown = h.v1("alfapay/paymentOrder.do", json!({"orderId": uuid::Uuid::new_v4().to_string()})).await;
    assert_eq!(unknown["error"]["code"], "6");
    h.stop().await;
}

#[tokio::test]
async fn payment_page_pays_and_redirects_after_expiry() {
    let h = Harness::start(FaultSet::none()).await;
    let answer = h
        .v1("register.do", json!({"orderNumber": unique(), "amount": 500, "returnUrl": "https://m.example/ok", "failUrl": "https://m.example/fail"}))
        .await;
    let form_url = answer["formUrl"].as_str().expect("formUrl").to_string();
    let id = answer["orderId"].as_str().expect("orderId").to_string();
    let page = h.client.get(&form_url).send().await.expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let paid = h
        .client
        .post(&form_url)
        .form(&[("pan", SUCCESS_PAN), ("expiry", "203012"), ("cvc", "123"), ("cardholderName", "A B")])
        .send()
        .await
        .expect("pay");
    assert_eq!(paid.status().as_u16(), 303);
    assert!(paid.headers()["location"].to_str().expect("loc").starts_with("https://m.example/ok"));
    assert_eq!(h.status(&id).await["state"], "DEPOSITED");

    let bank = h
        .rest(
            "register.do",
            &[("amount", "500"), ("returnUrl", "https://m.example/ok"), ("failUrl", "https://m.example/fail")],
        )
        .await;
    let form_url = bank["formUrl"].as_str().expect("formUrl").to_string();
    h.advance(1_201).await;
    let expired = h.client.get(&form_url).send().await.expect("page");
    assert_eq!(expired.status().as_u16(), 303);
    assert!(expired.headers()["location"].to_str().expect("loc").starts_with("https://m.example/fail"));
    h.stop().await;
}

#[tokio::test]
async fn legacy_status_instant_payment_and_one_store() {
    let h = Harness::start(FaultSet::none()).await;
    let id = h.paid_order(1_500).await;
    let legacy = h.v1("getOrderStatus.do", json!({"orderId": id})).await;
    assert_eq!(legacy["ErrorCode"], "0");
    assert_eq!(legacy["OrderStatus"], 2);
    assert_eq!(legacy["Amount"], 1_500);
    assert_eq!(legacy["Pan"], "444455**3333");
    assert_eq!(legacy["approvalCode"].as_str().map(str::len), Some(6));
    let missing = h.v1("getOrderStatus.do", json!({})).await;
    assert_eq!(missing["ErrorCode"], "5");
    let unknown = h.v1("getOrderStatus.do", json!({"orderId": "nope"})).await;
    assert_eq!(unknown["ErrorCode"], "6");
    assert!(unknown.get("OrderStatus").is_none());

    let instant = h
        .v1("instantPayment.do", json!({"orderNumber": unique(), "amount": 2_000, "returnUrl": "https://m.example/ok",
                                          "pan": SUCCESS_PAN, "cvc": "123", "expiry": "203012", "cardholderName": "A B"}))
        .await;
    assert_eq!(instant["errorCode"], "0", "{instant}");
    let instant_id = instant["orderId"].as_str().expect("orderId").to_string();
    assert_eq!(h.status(&instant_id).await["state"], "DEPOSITED");
    let pre_auth = h
        .v1(
            "instantPayment.do",
            json!({"orderNumber": unique(), "amount": 2_000, "returnUrl": "https://m.example/ok",
                                          "pan": SUCCESS_PAN, "cvc": "123", "expiry": "203012", "preAuth": true}),
        )
        .await;
    let pre_auth_id = pre_auth["orderId"].as_str().expect("orderId").to_string();
    assert_eq!(h.status(&pre_auth_id).await["state"], "APPROVED");

    let bank_view = h.flat_status(&id).await;
    assert_eq!(bank_view["orderStatus"], 2);
    assert_eq!(bank_view["attributes"][0]["value"], id.as_str());
    h.stop().await;
}

#[tokio::test]
async fn transport_query_string_empty_body_and_limits() {
    let h = Harness::start(FaultSet::none()).await;
    let query = format!(
        "/v1/register.do?userName=test_user&password=test_user_password&orderNumber={}&amount=100&returnUrl=https://m.example/ok",
        unique()
    );
    let (status, answer) = h.raw(&query, "application/json", Vec::new()).await;
    assert_eq!(status, 200);
    assert_eq!(answer["errorCode"], "0", "{answer}");
    let (_, wins) = h
        .raw("/v1/register.do?amount=abc", "application/json",
             json!({"userName": "test_user", "password": "test_user_password", "amount": 100, "returnUrl": "https://m.example/ok"}).to_string().into_bytes())
        .await;
    assert_eq!(wins["errorCode"], "0", "{wins}");
    let (status, bad_json) = h.raw("/v1/register.do", "application/json", b"{\"userName\":".to_vec()).await;
    assert_eq!(status, 200);
    assert_eq!(bad_json["errorCode"], "5");
    let (_, wrong_type) = h.raw("/payment/rest/register.do", "text/plain", b"hello".to_vec()).await;
    assert_eq!(wrong_type["errorCode"], "5");
    let (_, array) = h.raw("/v1/register.do", "application/json", b"[1,2]".to_vec()).await;
    assert_eq!(array["errorCode"], "5");
    let (status, _) = h.raw("/v1/register.do", "application/json", vec![b' '; 3 * 1024 * 1024]).await;
    assert_eq!(status, 413);
    h.stop().await;
}
