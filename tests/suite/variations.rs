//! No false failures (spec 8.2): the whole suite against the reference gateway seen through a
//! proxy that varies its answers only in ways 8.2 permits must give 0 failures. The proxy
//!
//! - sends unset optional router fields as `null` (R1),
//! - leaves out the version-tagged status fields and declares status version 9 (R2, §2.5),
//! - adds a field no source lists to the answer and the router's order model, and reverses the
//!   order of every object's keys (R8),
//! - rewrites every message text (`errorMessage`, `actionCodeDescription`, `info`) (R7),
//! - answers `Content-Type: application/json; charset=utf-8` (R8),
//! - declares neither callbacks nor token authentication (capabilities, 8.2).
//!
//! The warnings the run produces (differences from the reference gateway on points the sources
//! leave open) are printed: `cargo test --test suite variations -- --nocapture`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use paycheck::commands::embedded;
use paycheck::gateway::{FaultSet, GatewayConfig};
use paycheck::outcome::Outcome;
use paycheck::runner::{Environment, RunOptions, Runner};
use paycheck::suite::target::Target;
use serde_json::{Map, Value, json};

use crate::support::{self, root};

/// What the varied gateway declares (no callbacks, no token, status version 9).
const DECLARED: &[&str] =
    &["partial-reversal", "over-capture", "three-ds", "alfa-pay", "child-merchants", "status-version-9"];

/// Status fields of a version above 9 (§2.5), left out.
const VERSIONED_FIELDS: &[&str] = &["depositedDate", "refundedDate", "reversedDate", "externalRefundId"];

/// Optional router status fields sent as null when unset (R1, the seed's `"gwId": null`).
const NULLABLE_ROUTER_FIELDS: &[&str] = &["orderDescription", "gwId", "paymentWay", "gwOrderId"];

/// Message texts, which 8.2 R7 says are examples only.
const TEXT_FIELDS: &[&str] = &["errorMessage", "ErrorMessage", "actionCodeDescription", "info"];

struct Upstream {
    client: reqwest::Client,
    root: String,
}

#[test]
fn answers_varied_as_spec_8_2_permits_fail_nothing() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(async {
        let (reference, gateway) =
            embedded::start_target(GatewayConfig { faults: FaultSet::none(), ..GatewayConfig::reference() })
                .await
                .expect("the gateway starts");
        let upstream = Arc::new(Upstream {
            client: paycheck::engine::http::client(Duration::from_secs(30), 8).expect("client"),
            root: reference.root.clone().expect("a root"),
        });
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("bind");
        let address = listener.local_addr().expect("address");
        let app = Router::new().fallback(forward).with_state(upstream);
        let proxy = tokio::spawn(async move { axum::serve(listener, app).await });

        let plan = support::plan(support::load(&[&root().join("cases")]));
        let target = Target::from_url("varied", &format!("http://{address}"), &embedded::reference_profile())
            .expect("the target");
        let options = RunOptions { jobs: 8, timeout: Duration::from_secs(30), ..RunOptions::default() };
        let runner = Runner::new(options, Environment::isolated()).expect("a runner");
        let finished = runner.run(&plan, &target, None, Vec::new()).await.expect("the run starts");
        proxy.abort();
        gateway.shutdown().await;

        let record = &finished.record;
        let failures: Vec<String> = record
            .cases
            .iter()
            .filter(|case| matches!(case.outcome, Outcome::Failed | Outcome::Errored { .. }))
            .map(|case| {
                let steps: Vec<String> = case
                    .steps
                    .iter()
                    .filter(|step| step.failed_checks().next().is_some() || step.error.is_some())
                    .map(|step| paycheck::text::step_message(step))
                    .collect();
                format!("{}: {}", case.id, steps.join("; "))
            })
            .collect();
        let mut warnings: Vec<String> = record
            .cases
            .iter()
            .flat_map(|case| {
                case.steps.iter().flat_map(move |step| {
                    step.warnings().map(move |check| {
                        format!("{} step {}: {}", case.id, step.number, paycheck::text::cause::check_cause(check))
                    })
                })
            })
            .collect();
        warnings.sort();
        let skipped = record.cases.iter().filter(|case| matches!(case.outcome, Outcome::Skipped { .. })).count();
        println!(
            "varied gateway: {} case runs, {} failed, {skipped} skipped (capabilities not declared), {} warnings",
            record.cases.len(),
            failures.len(),
            warnings.len()
        );
        for warning in &warnings {
            println!("  warning: {warning}");
        }
        assert!(failures.is_empty(), "false failures against a gateway 8.2 permits:\n{}", failures.join("\n"));
        assert!(skipped > 0, "the callback and token cases are skipped, not failed");
    });
}

/// Forwards a request to the reference gateway and varies the answer.
async fn forward(
    State(upstream): State<Arc<Upstream>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map_or(uri.path(), |path| path.as_str()).to_string();
    if uri.path() == "/_paycheck/capabilities" {
        return axum::Json(json!({ "capabilities": DECLARED })).into_response();
    }
    let mut request = upstream.client.request(method, format!("{}{path}", upstream.root)).body(body);
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    let Ok(response) = request.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = response.status();
    let mut out_headers = HeaderMap::new();
    for (name, value) in response.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            out_headers.insert(name.clone(), value.clone());
        }
    }
    let Ok(bytes) = response.bytes().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let varied_path = uri.path().starts_with("/v1/") || uri.path().starts_with("/payment/rest/");
    let json: Option<Value> = if varied_path { serde_json::from_slice(&bytes).ok() } else { None };
    let Some(mut document) = json else {
        return (status, out_headers, bytes).into_response();
    };
    vary(&mut document, uri.path().starts_with("/v1/getOrderStatusExtended"));
    add_extension(&mut document);
    if let Some(model) = document.get_mut("orderStatusResultModel") {
        add_extension(model);
    }
    out_headers.insert("content-type", HeaderValue::from_static("application/json; charset=utf-8"));
    (status, out_headers, document.to_string()).into_response()
}

/// A field no source lists (R8), at the front so that key order changes too.
fn add_extension(value: &mut Value) {
    if let Value::Object(fields) = value {
        let mut extended = Map::new();
        extended.insert("vendorExtension".to_string(), json!({ "note": "a field no source lists" }));
        extended.extend(std::mem::take(fields));
        *fields = extended;
    }
}

/// The variations 8.2 permits, applied to every object of the document.
fn vary(value: &mut Value, router_status: bool) {
    match value {
        Value::Object(fields) => {
            for field in VERSIONED_FIELDS {
                fields.remove(*field);
            }
            for field in TEXT_FIELDS {
                if let Some(text) = fields.get_mut(*field).filter(|text| text.is_string()) {
                    *text = json!("A vendor's own wording");
                }
            }
            if router_status && fields.contains_key("orderStatus") && fields.contains_key("orderNumber") {
                for field in NULLABLE_ROUTER_FIELDS {
                    fields.entry(field.to_string()).or_insert(Value::Null);
                }
            }
            for (_, child) in fields.iter_mut() {
                vary(child, router_status);
            }
            let reversed: Map<String, Value> = std::mem::take(fields).into_iter().rev().collect();
            *fields = reversed;
        }
        Value::Array(items) => items.iter_mut().for_each(|item| vary(item, router_status)),
        _ => {}
    }
}
