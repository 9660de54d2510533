//! The Gate v2 endpoints (spec 5.1): sale, refund and status. Each reads the body as received,
//! checks its signature, validates it, acts, and answers at once; results reach the merchant by
//! callback, in the background.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::model::{Notice, ProjectRules};
use super::reply::{self, DUPLICATE_PAYMENT, GateError, NOT_FOUND};
use super::service::Gate;
use super::store::OpenRefused;
use super::{callback, request};
use crate::gateway::http;

/// A fresh `request_id`.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Reads a request within the size limit (an oversized body is drained, then answered with the
/// JSON error and `413`, whatever its size), finds its project and checks its signature.
async fn read<'a>(gate: &'a Gate, headers: &HeaderMap, body: Body) -> Result<request::Signed<'a>, GateError> {
    let limit = gate.config.body_limit_bytes;
    if http::declared_too_large(headers) {
        return Err(GateError::too_large(limit));
    }
    let bytes = http::read_body(body, limit).await.ok_or_else(|| GateError::too_large(limit))?;
    request::signed(&gate.config, &bytes, gate.policy.signature_checked)
}

/// `POST /v2/payment/online-banking/alfa-click/sale`.
pub async fn sale(State(gate): State<Arc<Gate>>, headers: HeaderMap, body: Body) -> Response {
    let request_id = new_request_id();
    let policy = &gate.policy;
    let signed = match read(&gate, &headers, body).await {
        Ok(signed) => signed,
        Err(error) => return error.into_response(&request_id),
    };
    let sale = match signed.sale() {
        Ok(sale) => sale,
        Err(error) => return error.into_response(&request_id),
    };
    let project = signed.project;
    let rules = ProjectRules { test_mode: project.test_mode, redirect_timeout_secs: project.redirect_timeout_secs };
    let now = gate.clock.now_ms();
    let operation = gate.store.new_operation(&request_id);
    match gate.store.open(sale, operation, now, rules, policy) {
        Ok((payment, notice)) => {
            let root = http::root_url(gate.config.public_url.as_deref(), &headers);
            gate.notify(&payment, &[notice], Some(&root));
            reply::accepted(&request_id, payment.project_id, &payment.id)
        }
        Err(OpenRefused::Duplicate) => GateError::coded(DUPLICATE_PAYMENT)
            .naming(Some(project.project_id), Some(&signed.payment_id))
            .into_response(&request_id),
        Err(OpenRefused::Full { max_entries }) => GateError::store_full(max_entries)
            .naming(Some(project.project_id), Some(&signed.payment_id))
            .into_response(&request_id),
    }
}

/// `POST /v2/payment/online-banking/alfa-click/refund`.
pub async fn refund(State(gate): State<Arc<Gate>>, headers: HeaderMap, body: Body) -> Response {
    let request_id = new_request_id();
    let policy = &gate.policy;
    let signed = match read(&gate, &headers, body).await {
        Ok(signed) => signed,
        Err(error) => return error.into_response(&request_id),
    };
    let refund = match signed.refund() {
        Ok(refund) => refund,
        Err(error) => return error.into_response(&request_id),
    };
    let (project_id, payment_id) = (signed.project.project_id, signed.payment_id.as_str());
    let named = |error: GateError| error.naming(Some(project_id), Some(payment_id)).into_response(&request_id);
    let now = gate.clock.now_ms();
    let operation = gate.store.new_operation(&request_id);
    let Some(touched) = gate.store.with_payment(project_id, payment_id, now, policy, |payment| {
        payment.refund(&refund, operation, now, &policy.payments)
    }) else {
        return named(GateError::coded(NOT_FOUND));
    };
    gate.notify(&touched.payment, touched.ticked.as_slice(), None);
    match touched.result {
        Ok(notice) => {
            gate.notify(&touched.payment, &[notice], None);
            reply::accepted(&request_id, project_id, payment_id)
        }
        Err(refusal) => named(GateError::coded(refusal.result())),
    }
}

/// `POST /v2/payment/status`: the payment as it is now, signed.
pub async fn status(State(gate): State<Arc<Gate>>, headers: HeaderMap, body: Body) -> Response {
    let request_id = new_request_id();
    let policy = &gate.policy;
    let signed = match read(&gate, &headers, body).await {
        Ok(signed) => signed,
        Err(error) => return error.into_response(&request_id),
    };
    let (project, payment_id) = (signed.project, signed.payment_id.as_str());
    let now = gate.clock.now_ms();
    let Some(touched) = gate.store.with_payment(project.project_id, payment_id, now, policy, |_| ()) else {
        return GateError::coded(NOT_FOUND)
            .naming(Some(project.project_id), Some(payment_id))
            .into_response(&request_id);
    };
    let ticked: &[Notice] = touched.ticked.as_slice();
    gate.notify(&touched.payment, ticked, None);
    axum::Json(callback::status(&touched.payment, &project.secret_key)).into_response()
}
