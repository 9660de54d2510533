//! The first slice end to end: register on both families, pay, both status shapes, credentials,
//! merchant isolation, and the manual clock.

use crate::support::*;
use paycheck::gateway::FaultSet;
use serde_json::json;

#[tokio::test]
async fn router_order_lifecycle_and_status_shape() {
    let h = Harness::start(FaultSet::none()).await;
    let answer = h
        .v1(
            "register.do",
            json!({"orderNumber": unique(), "amount": 1234, "currency": "643", "language": "ru",
                   "returnUrl": "https://merchant.example/ok", "clientId": "client_10001"}),
        )
        .await;
    assert_eq!(answer["errorCode"], "0");
    let id = answer["orderId"].as_str().expect("orderId").to_string();
    assert!(answer["formUrl"].as_str().expect("formUrl").contains(&id));
    let status = h.status(&id).await;
    assert_eq!(status["state"], "PREREGISTERED");
    assert_eq!(status["orderStatusResultModel"]["orderStatus"], -1);
    assert_eq!(status["orderStatusResultModel"]["gwId"], serde_json::Value::Null);

    let paid = h.pay(&id, SUCCESS_PAN).await;
    assert_eq!(paid["errorCode"], "0", "{paid}");
    assert!(paid["redirect"].as_str().expect("redirect").starts_with("https://merchant.example/ok"));
    let status = h.status(&id).await;
    assert_eq!(status["state"], "DEPOSITED");
    assert_eq!(status["depositedAmount"], 1234);
    let model = &status["orderStatusResultModel"];
    assert_eq!(model["orderStatus"], 2);
    assert_eq!(model["actionCode"], 0);
    assert_eq!(model["errorCode"], "0");
    assert_eq!(model["cardInfo"]["maskedPan"], "444455**3333");
    assert_eq!(model["refunds"], json!([]));
    h.stop().await;
}

#[tokio::test]
async fn bank_family_form_register_and_flat_status() {
    let h = Harness::start(FaultSet::none()).await;
    let answer = h
        .rest(
            "register.do",
            &[
                ("amount", "2000"),
                ("currency", "643"),
                ("returnUrl", "https://mybestmerchantreturnurl.com"),
                ("description", "my_first_order"),
                ("language", "en"),
            ],
        )
        .await;
    assert!(answer.get("errorCode").is_none(), "{answer}");
    let id = answer["orderId"].as_str().expect("orderId").to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    let status = h.flat_status(&id).await;
    assert_eq!(status["errorCode"], "0");
    assert_eq!(status["orderStatus"], 0);
    assert_eq!(status["paymentAmountInfo"]["paymentState"], "CREATED");
    let declined = h
        .rest(
            "paymentorder.do",
            &[
                ("MDORDER", &id),
                ("$PAN", DECLINE_PAN),
                ("$CVC", "123"),
                ("YYYY", "2030"),
                ("MM", "12"),
                ("TEXT", "X Y"),
            ],
        )
        .await;
    assert_eq!(declined["errorCode"], "0");
    let status = h.flat_status(&id).await;
    assert_eq!(status["orderStatus"], 6);
    assert_ne!(status["actionCode"], 0);
    let router_view = h.status(&id).await;
    assert_eq!(router_view["state"], "DECLINED");
    h.stop().await;
}

#[tokio::test]
async fn credentials_and_isolation() {
    let h = Harness::start(FaultSet::none()).await;
    let (_, missing_user) = h.json("/v1/register.do", json!({"password": "x", "amount": 1})).await;
    assert_eq!(missing_user["errorCode"], "4");
    let (_, missing_pw) = h.json("/v1/register.do", json!({"userName": "test_user"})).await;
    assert_eq!(missing_pw["errorCode"], "4");
    let (_, wrong) = h.json("/v1/register.do", json!({"userName": "test_user", "password": "nope"})).await;
    assert_eq!(wrong["errorCode"], "5");
    assert_eq!(wrong["errorMessage"], "Access denied");

    let id = h.register(500, false).await;
    let foreign = h.v1_as(SECOND, "getOrderStatusExtended.do", json!({"orderId": id})).await;
    let unknown =
        h.v1_as(SECOND, "getOrderStatusExtended.do", json!({"orderId": uuid::Uuid::new_v4().to_string()})).await;
    assert_eq!(foreign, unknown);
    assert_eq!(foreign["errorCode"], "6");
    h.stop().await;
}

#[tokio::test]
async fn manual_clock_expires_an_unpaid_order() {
    let h = Harness::start(FaultSet::none()).await;
    let (status, clock) = h.json("/_paycheck/clock", json!(null)).await;
    assert_eq!(status, 405);
    let clock_now = h
        .client
        .get(format!("{}/_paycheck/clock", h.root))
        .send()
        .await
        .expect("clock")
        .json::<serde_json::Value>()
        .await
        .expect("json");
    assert!(clock_now["nowMs"].as_i64().is_some(), "{clock}");
    let answer = h
        .v1(
            "register.do",
            json!({"orderNumber": unique(), "amount": 100, "returnUrl": "https://m.example/ok", "sessionTimeoutSecs": 60}),
        )
        .await;
    let id = answer["orderId"].as_str().expect("orderId").to_string();
    let advanced = h.advance(61).await;
    assert!(advanced["nowMs"].as_i64().expect("nowMs") >= clock_now["nowMs"].as_i64().expect("nowMs") + 61_000);
    let status = h.status(&id).await;
    assert_eq!(status["state"], "DECLINED");
    assert_eq!(status["orderStatusResultModel"]["actionCode"], -2007);
    assert_eq!(status["orderStatusResultModel"]["gwId"], serde_json::Value::Null);
    let pay = h.pay(&id, SUCCESS_PAN).await;
    assert_eq!(pay["errorCode"], "7", "{pay}");
    h.stop().await;
}

#[tokio::test]
async fn a_real_clock_has_no_admin_endpoint() {
    let h = Harness::with_config(paycheck::gateway::GatewayConfig::reference()).await;
    let get = h.client.get(format!("{}/_paycheck/clock", h.root)).send().await.expect("request");
    assert_eq!(get.status().as_u16(), 404);
    let (status, _) = h.json("/_paycheck/clock/advance", json!({"seconds": 5})).await;
    assert_eq!(status, 404);
    h.stop().await;
}
