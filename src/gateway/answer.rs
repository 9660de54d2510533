//! The layer after the handlers: an API's answers reshaped by a list of mutations (the
//! response-shape faults). With no mutation the layer passes answers through untouched.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::Value;

/// A JSON answer as a mutation sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// The JSON body.
    pub body: Value,
}

/// The envelope keys of a v1 error: standard, legacy, and the wallet's `error` object.
const ERROR_FIELDS: [(&str, &str, &str); 3] =
    [("", "errorCode", "errorMessage"), ("", "ErrorCode", "ErrorMessage"), ("error", "code", "message")];

impl Answer {
    /// Whether the body is a business error: an `errorCode` other than `"0"` in any envelope.
    pub fn is_business_error(&self) -> bool {
        ERROR_FIELDS.iter().any(|(object, code, _)| {
            let holder = if object.is_empty() { Some(&self.body) } else { self.body.get(object) };
            holder.and_then(|h| h.get(code)).and_then(Value::as_str).is_some_and(|c| c != "0")
        })
    }

    /// Replaces the error code `from` by `to` with `message`, in whichever envelope holds it.
    pub fn recode_error(&mut self, from: &str, to: &str, message: &str) {
        for (object, code, text) in ERROR_FIELDS {
            let holder = if object.is_empty() { Some(&mut self.body) } else { self.body.get_mut(object) };
            if let Some(Value::Object(map)) = holder
                && map.get(code).and_then(Value::as_str) == Some(from)
            {
                map.insert(code.into(), Value::from(to));
                map.insert(text.into(), Value::from(message));
            }
        }
    }
}

/// The mutations one API's answers go through, in order.
pub type Mutations = Arc<[fn(&mut Answer)]>;

/// The layer: applies `mutations` to every JSON answer (middleware for
/// `axum::middleware::map_response_with_state`).
pub async fn reshape(State(mutations): State<Mutations>, response: Response) -> Response {
    if mutations.is_empty() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(body) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let mut answer = Answer { status: parts.status, body };
    for mutate in mutations.iter() {
        mutate(&mut answer);
    }
    parts.status = answer.status;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(answer.body.to_string()))
}
