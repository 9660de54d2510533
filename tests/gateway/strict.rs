//! `paycheck serve --strict`: every client clause, one request breaking only it (recorded with it,
//! named in the answer's header) and the same request made correct (recorded with nothing); the
//! gateway still answers; the violations endpoint lists and clears.

use std::net::SocketAddr;
use std::sync::Arc;

use paycheck::gateway::strict::{Session, VIOLATIONS_HEADER, clauses};
use paycheck::gateway::{ClockMode, GatewayConfig, RunningGateway};
use paycheck::signature::gate::sign;
use rstest::rstest;
use serde_json::{Value, json};

use crate::support::{GATE_PROJECT, MAIN, unique};

/// A request as the test sends it.
struct Sent {
    path: String,
    query: Option<String>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

fn json_to(path: &str, body: Value) -> Sent {
    Sent { path: path.into(), query: None, content_type: Some("application/json"), body: body.to_string().into_bytes() }
}

fn form_to(path: &str, pairs: &[(&str, &str)]) -> Sent {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        form.append_pair(name, value);
    }
    Sent {
        path: path.into(),
        query: None,
        content_type: Some("application/x-www-form-urlencoded"),
        body: form.finish().into_bytes(),
    }
}

fn register(amount: Value, extra: Value) -> Value {
    let mut body = json!({
        "userName": MAIN.0, "password": MAIN.1, "orderNumber": unique(), "amount": amount,
        "returnUrl": "https://shop.example/ok",
    });
    if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
        body.extend(extra);
    }
    body
}

fn sale(amount: Value, drop_account: bool, key: &str) -> Value {
    let mut body = json!({
        "general": {"project_id": GATE_PROJECT.0, "payment_id": unique()},
        "customer": {"id": "customer123", "ip_address": "1.1.1.1", "account_id": "account_1"},
        "payment": {"amount": amount, "currency": "RUB"},
    });
    if drop_account && let Some(customer) = body.get_mut("customer").and_then(Value::as_object_mut) {
        customer.remove("account_id");
    }
    let signature = sign(&body, key);
    body["general"]["signature"] = Value::from(signature);
    body
}

/// For each client clause: a request that breaks it alone, and the same request made correct.
fn pair(clause: &str) -> (Sent, Sent) {
    let (user, password) = MAIN;
    match clause {
        clauses::AMOUNT => (
            json_to("/v1/register.do", register(json!("12.50"), json!({}))),
            json_to("/v1/register.do", register(json!(1250), json!({}))),
        ),
        clauses::BODY_ENCODING => {
            let number = unique();
            let pairs = [
                ("userName", user),
                ("password", password),
                ("orderNumber", number.as_str()),
                ("amount", "1000"),
                ("returnUrl", "https://shop.example/ok"),
            ];
            (form_to("/v1/register.do", &pairs), json_to("/v1/register.do", register(json!(1000), json!({}))))
        }
        clauses::BODY_WELL_FORMED => {
            let query = format!("userName={user}&password={password}&orderId={}", uuid::Uuid::new_v4());
            let broken = Sent {
                path: "/v1/getOrderStatusExtended.do".into(),
                query: Some(query.clone()),
                content_type: Some("application/json"),
                body: b"[1, 2]".to_vec(),
            };
            let fixed =
                Sent { body: b"{}".to_vec(), query: Some(query), ..broken_like("/v1/getOrderStatusExtended.do") };
            (broken, fixed)
        }
        clauses::CREDENTIALS => {
            let mut broken = register(json!(1000), json!({}));
            broken.as_object_mut().map(|body| body.remove("password"));
            (json_to("/v1/register.do", broken), json_to("/v1/register.do", register(json!(1000), json!({}))))
        }
        clauses::CURRENCY => (
            json_to("/v1/register.do", register(json!(1000), json!({"currency": "RUB"}))),
            json_to("/v1/register.do", register(json!(1000), json!({"currency": "643"}))),
        ),
        clauses::JSON_PARAMS => {
            let number = unique();
            let base = [
                ("userName", user),
                ("password", password),
                ("orderNumber", number.as_str()),
                ("amount", "1000"),
                ("returnUrl", "https://shop.example/ok"),
            ];
            let mut broken = base.to_vec();
            broken.push(("jsonParams", "not json"));
            let number2 = unique();
            let mut fixed = base.to_vec();
            fixed[2] = ("orderNumber", number2.as_str());
            fixed.push(("jsonParams", r#"{"note":"x"}"#));
            (form_to("/payment/rest/register.do", &broken), form_to("/payment/rest/register.do", &fixed))
        }
        clauses::LANGUAGE => (
            json_to("/v1/register.do", register(json!(1000), json!({"language": "english"}))),
            json_to("/v1/register.do", register(json!(1000), json!({"language": "en"}))),
        ),
        clauses::ORDER_NUMBER => (
            json_to("/v1/register.do", register(json!(1000), json!({"orderNumber": format!("{}x", "1".repeat(36))}))),
            json_to("/v1/register.do", register(json!(1000), json!({"orderNumber": unique()}))),
        ),
        clauses::PARAMETER_NAMES => (
            json_to("/v1/register.do", register(json!(1000), json!({"Language": "en"}))),
            json_to("/v1/register.do", register(json!(1000), json!({"language": "en"}))),
        ),
        clauses::QUERY_BODY_CONFLICT => {
            let body = register(json!(2000), json!({}));
            let broken = Sent { query: Some("amount=1000".into()), ..json_to("/v1/register.do", body) };
            let fixed = Sent {
                query: Some("amount=2000".into()),
                ..json_to("/v1/register.do", register(json!(2000), json!({})))
            };
            (broken, fixed)
        }
        clauses::REQUIRED_PARAMS => (
            json_to("/v1/getOrderStatusExtended.do", json!({"userName": user, "password": password})),
            json_to(
                "/v1/getOrderStatusExtended.do",
                json!({"userName": user, "password": password, "orderId": uuid::Uuid::new_v4().to_string()}),
            ),
        ),
        clauses::RETURN_URL => (
            json_to("/v1/register.do", register(json!(1000), json!({"returnUrl": "/ok"}))),
            json_to("/v1/register.do", register(json!(1000), json!({}))),
        ),
        clauses::GATE_FIELD_TYPES => (
            json_to("/v2/payment/online-banking/alfa-click/sale", sale(json!("10000"), false, GATE_PROJECT.1)),
            json_to("/v2/payment/online-banking/alfa-click/sale", sale(json!(10000), false, GATE_PROJECT.1)),
        ),
        clauses::GATE_JSON_BODY => {
            let body = sale(json!(10000), false, GATE_PROJECT.1);
            let broken = Sent {
                content_type: Some("text/plain"),
                ..json_to("/v2/payment/online-banking/alfa-click/sale", body)
            };
            (broken, json_to("/v2/payment/online-banking/alfa-click/sale", sale(json!(10000), false, GATE_PROJECT.1)))
        }
        clauses::GATE_REQUIRED_FIELDS => (
            json_to("/v2/payment/online-banking/alfa-click/sale", sale(json!(10000), true, GATE_PROJECT.1)),
            json_to("/v2/payment/online-banking/alfa-click/sale", sale(json!(10000), false, GATE_PROJECT.1)),
        ),
        clauses::GATE_SIGNATURE => (
            json_to("/v2/payment/online-banking/alfa-click/sale", sale(json!(10000), false, "not the key")),
            json_to("/v2/payment/online-banking/alfa-click/sale", sale(json!(10000), false, GATE_PROJECT.1)),
        ),
        other => panic!("no request pair for {other}"),
    }
}

fn broken_like(path: &str) -> Sent {
    Sent { path: path.into(), query: None, content_type: Some("application/json"), body: Vec::new() }
}

struct Strict {
    gateway: RunningGateway,
    client: reqwest::Client,
    session: Arc<Session>,
}

impl Strict {
    async fn start() -> Strict {
        let config = GatewayConfig { clock: ClockMode::Manual, ..GatewayConfig::reference() };
        let keys = config.projects.iter().map(|p| (p.project_id, p.secret_key.clone())).collect();
        let secrets = config.merchants.iter().map(|m| m.password.clone()).collect();
        let session = Arc::new(Session::new(secrets, keys, false));
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("address");
        let gateway = RunningGateway::start_strict(config, addr, Arc::clone(&session)).await.expect("gateway starts");
        let _ = rustls::crypto::ring::default_provider().install_default();
        Strict { gateway, client: reqwest::Client::new(), session }
    }

    /// Sends `sent`; returns the status, the violations header and the body.
    async fn send(&self, sent: &Sent) -> (u16, Option<String>, Value) {
        let mut url = format!("{}{}", self.gateway.url(), sent.path);
        if let Some(query) = &sent.query {
            url = format!("{url}?{query}");
        }
        let mut request = self.client.post(url).body(sent.body.clone());
        if let Some(content_type) = sent.content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.expect("the gateway answers");
        let status = response.status().as_u16();
        let header = response.headers().get(VIOLATIONS_HEADER).and_then(|v| v.to_str().ok()).map(String::from);
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (status, header, body)
    }

    async fn violations(&self) -> Vec<String> {
        let url = format!("{}/_paycheck/violations", self.gateway.url());
        let listed: Value = self.client.get(url).send().await.expect("answers").json().await.expect("JSON");
        listed["violations"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|v| v["clause"].as_str().expect("a clause").to_string())
            .collect()
    }

    async fn clear(&self) {
        let url = format!("{}/_paycheck/violations", self.gateway.url());
        let status = self.client.delete(url).send().await.expect("answers").status();
        assert_eq!(status, 204);
    }
}

#[rstest]
#[tokio::test]
async fn a_request_breaking_one_clause_is_recorded_with_it_and_the_corrected_one_is_not(
    #[values(
        "client.amount-minor-units",
        "client.body-encoding",
        "client.body-well-formed",
        "client.credentials",
        "client.currency-numeric",
        "client.json-params",
        "client.language",
        "client.order-number-length",
        "client.parameter-names",
        "client.query-body-conflict",
        "client.required-params",
        "client.return-url-absolute",
        "client.gate-field-types",
        "client.gate-json-body",
        "client.gate-required-fields",
        "client.gate-signature"
    )]
    clause: &str,
) {
    let strict = Strict::start().await;
    let (broken, fixed) = pair(clause);
    let (_, header, _) = strict.send(&broken).await;
    assert_eq!(strict.violations().await, vec![clause.to_string()], "the broken request of {clause}");
    assert_eq!(header.as_deref(), Some(clause), "the answer names the clause");
    strict.clear().await;
    let (_, header, _) = strict.send(&fixed).await;
    assert_eq!(strict.violations().await, Vec::<String>::new(), "the corrected request of {clause}");
    assert_eq!(header, None);
    assert!(!strict.session.any_violation());
    strict.gateway.shutdown().await;
}

#[test]
fn every_client_clause_is_in_the_catalogue_and_has_a_test_above() {
    let catalogue = paycheck::suite::clauses::ClauseCatalogue::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("clauses.yaml"),
    )
    .expect("the catalogue loads");
    let in_catalogue: Vec<&str> = catalogue.ids().filter(|id| id.starts_with("client.")).collect();
    let mut listed = clauses::ALL.to_vec();
    listed.sort_unstable();
    let mut sorted = in_catalogue.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, listed);
    for clause in clauses::ALL {
        let _ = pair(clause);
    }
}

#[tokio::test]
async fn the_gateway_still_answers_as_it_would_and_the_session_counts_what_it_checked() {
    let strict = Strict::start().await;
    let (status, header, body) = strict.send(&pair(clauses::AMOUNT).0).await;
    assert_eq!(status, 200);
    assert_eq!(body["errorCode"], "5", "the business error the gateway gives anyway: {body}");
    assert!(header.is_some());
    let (status, _, body) = strict.send(&pair(clauses::AMOUNT).1).await;
    assert_eq!(status, 200);
    assert!(body["orderId"].is_string(), "{body}");
    let page = strict.client.get(format!("{}/_paycheck/clock", strict.gateway.url())).send().await.expect("answers");
    assert_eq!(page.status(), 200, "admin endpoints are not the contract's business");
    assert_eq!(strict.session.requests(), 2);
    let tallies = strict.session.tallies();
    let amount = tallies.iter().find(|(_, clause, _)| clause == clauses::AMOUNT).expect("amount exercised");
    assert_eq!((amount.2.checked, amount.2.broken), (2, 1));
    strict.gateway.shutdown().await;
}
