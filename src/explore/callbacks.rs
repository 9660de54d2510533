//! Callbacks while exploring: the runner's callback listener receives them (v1 callbacks to a
//! `dynamicCallbackUrl`, Gate v2 callbacks to a `merchant_callback_url`), and each one the model
//! expects is taken from it and compared like an answer: its signature, what the spec fixes about
//! its content, no nulls (Gate), its schema.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

use super::compare::{Mismatch, json_path};
use super::gate::{CALLBACK_POINTERS, null_at};
use super::oracle::ExpectedCallback;
use crate::check::schema::validate;
use crate::engine::callbacks::{CallbackListener, CallbackSettings, ReceivedCallback};
use crate::secret::Masker;
use crate::signature::Verification;
use crate::suite::case::CallbackKey;
use crate::suite::schema_registry::SchemaRegistry;

/// How long an expected callback is waited for.
pub const WAIT: Duration = Duration::from_secs(5);

/// The listener and the executions whose callbacks are still wanted.
#[derive(Debug)]
pub struct Callbacks {
    listener: CallbackListener,
    live: Mutex<BTreeSet<String>>,
}

impl Callbacks {
    /// Starts the listener as `settings` say (where it listens, the URL targets are given).
    pub async fn start(settings: &CallbackSettings) -> Result<Callbacks, String> {
        let listener = CallbackListener::start(settings).await?;
        Ok(Callbacks { listener, live: Mutex::new(BTreeSet::new()) })
    }

    /// The URL gateways send callbacks to.
    pub fn url(&self) -> &str {
        self.listener.url()
    }

    fn live(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.live.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// An execution whose ids start with `prefix` begins.
    pub fn begin(&self, prefix: &str) {
        self.live().insert(prefix.to_string());
    }

    /// The execution `prefix` ended: its callbacks (and any other execution's that came too
    /// late) are dropped.
    pub fn end(&self, prefix: &str) {
        let live = {
            let mut live = self.live();
            live.remove(prefix);
            live.clone()
        };
        self.listener.inbox().retain(|callback| {
            let id = callback.id(CallbackKey::PaymentId).or_else(|| callback.id(CallbackKey::OrderNumber));
            id.is_some_and(|id| live.iter().any(|p| id.starts_with(p.as_str())))
        });
    }

    /// Takes the oldest callback about the order (`mdOrder`) or payment (`payment.id`) `id`.
    pub async fn take(&self, gate: bool, id: &str) -> Option<std::sync::Arc<ReceivedCallback>> {
        let key = if gate { CallbackKey::PaymentId } else { CallbackKey::OrderId };
        self.listener.inbox().take(&[(key, id.to_string())], WAIT).await.ok()
    }

    /// Stops the listener.
    pub async fn shutdown(&self) {
        self.listener.shutdown().await;
    }
}

/// Everything in `received` that contradicts `expected`; `key` verifies its signature (the
/// project's key for Gate, the merchant's callback token for v1).
pub fn compare_callback(
    expected: &ExpectedCallback,
    received: &ReceivedCallback,
    key: &str,
    schemas: &SchemaRegistry,
    masker: &Masker,
) -> Vec<Mismatch> {
    let mut found = Vec::new();
    let mut mismatch = |at: String, expected: String, actual: String| {
        found.push(Mismatch { at: format!("callback {at}"), expected, actual: masker.mask(&actual) })
    };
    let content = received.json();
    match received.verify(key) {
        Verification::Valid => {}
        Verification::Missing => {
            mismatch(signature_path(expected), format!("a {}", received.scheme()), "none".into());
        }
        Verification::Invalid { .. } => {
            mismatch(signature_path(expected), "a signature that verifies with the key".into(), "another one".into());
        }
    }
    match expected {
        ExpectedCallback::V1 { operation, success, amount, .. } => {
            let text = |name: &str| content.get(name).and_then(Value::as_str).map(str::to_string);
            let wanted = [
                ("operation", operation.to_string()),
                ("status", u8::from(*success).to_string()),
                ("amount", amount.to_string()),
            ];
            for (name, value) in wanted {
                if text(name).as_deref() != Some(value.as_str()) {
                    mismatch(format!("$.{name}"), format!("{value:?}"), format!("{:?}", text(name)));
                }
            }
        }
        ExpectedCallback::Gate(callback) => {
            if let Some(at) = null_at(&content, "") {
                mismatch(at, "no null (SDK-6)".into(), "null".into());
            }
            for pointer in CALLBACK_POINTERS {
                let (want, got) = (callback.document.pointer(pointer), content.pointer(pointer));
                if want != got {
                    let show = |v: Option<&Value>| v.map_or_else(|| "absent".to_string(), Value::to_string);
                    mismatch(json_path(pointer), show(want), show(got));
                }
            }
            if callback.redirect && !content.pointer("/redirect_data/url").is_some_and(Value::is_string) {
                mismatch("$.redirect_data.url".into(), "a string".into(), "absent".into());
            }
            if let Some(Ok(schema)) = schemas.get(callback.schema) {
                let violations = validate(schema, &content, masker);
                if let Some(first) = violations.listed.first() {
                    mismatch(
                        "schema".into(),
                        format!("conforms to {}", callback.schema),
                        format!("{}: {}", first.instance_path, first.message),
                    );
                }
            }
        }
    }
    found
}

fn signature_path(expected: &ExpectedCallback) -> String {
    match expected {
        ExpectedCallback::V1 { .. } => "$.checksum".into(),
        ExpectedCallback::Gate(_) => "$.signature".into(),
    }
}

/// Describes a callback the model expects, for the mismatch when none came.
pub fn describe(expected: &ExpectedCallback) -> String {
    match expected {
        ExpectedCallback::V1 { operation, success, .. } => {
            format!("a callback `{operation}` status {}", u8::from(*success))
        }
        ExpectedCallback::Gate(callback) => format!(
            "a callback: payment {}, operation {} {}",
            callback.document.pointer("/payment/status").unwrap_or(&Value::Null),
            callback.document.pointer("/operation/type").unwrap_or(&Value::Null),
            callback.document.pointer("/operation/status").unwrap_or(&Value::Null)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::gate::{GateAnswer, GateState};
    use crate::explore::op::GateOp;
    use axum::http::HeaderMap;
    use bytes::Bytes;

    fn mismatches(expected: &ExpectedCallback, received: &ReceivedCallback, key: &str) -> Vec<String> {
        compare_callback(expected, received, key, &SchemaRegistry::default(), &Masker::default())
            .into_iter()
            .map(|m| m.at)
            .collect()
    }

    #[test]
    fn a_v1_callback_without_its_checksum_or_with_another_operation_differs() {
        let expected = ExpectedCallback::V1 { slot: 0, operation: "deposited", success: true, amount: 5000 };
        let params: Vec<(String, String)> =
            [("mdOrder", "o"), ("orderNumber", "n"), ("operation", "deposited"), ("status", "1"), ("amount", "5000")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let signed = format!(
            "/cb?{}&checksum={}",
            form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish(),
            crate::signature::checksum(&params, "token")
        );
        let parse = |target: &str| ReceivedCallback::parse("GET", target, HeaderMap::new(), Bytes::new());
        assert_eq!(mismatches(&expected, &parse(&signed), "token"), Vec::<String>::new());
        let unsigned = signed.split("&checksum").next().unwrap_or_default().to_string();
        assert_eq!(mismatches(&expected, &parse(&unsigned), "token"), vec!["callback $.checksum"]);
        let reversed = signed.replace("deposited", "reversed");
        assert!(mismatches(&expected, &parse(&reversed), "token").contains(&"callback $.operation".to_string()));
    }

    #[test]
    fn a_gate_callback_with_a_null_or_unsigned_differs() {
        let mut state = GateState::default();
        let sale = GateOp::Sale { slot: 0, number: 0, amount: 10_000, forged: false, callback: true };
        let (answer, callbacks) = state.apply(&sale, 1_767_268_800_000);
        assert_eq!(answer, GateAnswer::Ack);
        let expected = ExpectedCallback::Gate(callbacks[0].clone());
        let mut document = callbacks[0].document.clone();
        crate::gateway::gate::callback::sign(
            &mut document,
            "k",
            crate::gateway::gate::policy::CallbackSignature::SortedEntries,
        );
        let parse = |body: &serde_json::Value| {
            ReceivedCallback::parse("POST", "/cb", HeaderMap::new(), Bytes::from(body.to_string()))
        };
        assert_eq!(mismatches(&expected, &parse(&document), "k"), Vec::<String>::new());
        assert_eq!(mismatches(&expected, &parse(&document), "another key"), vec!["callback $.signature"]);
        let mut with_null = callbacks[0].document.clone();
        with_null["payment"]["description"] = serde_json::Value::Null;
        crate::gateway::gate::callback::sign(
            &mut with_null,
            "k",
            crate::gateway::gate::policy::CallbackSignature::SortedEntries,
        );
        assert_eq!(mismatches(&expected, &parse(&with_null), "k"), vec!["callback $.payment.description"]);
    }
}
