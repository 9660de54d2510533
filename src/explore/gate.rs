//! The Gate v2 part of the oracle: the reference gateway's pure payment model
//! (`gateway::gate::model`) under the spec's default policy, for the payments of one sequence.
//! It predicts each answer (acknowledged, or refused with which code), the status document, and
//! the callbacks each operation calls for.

use std::collections::BTreeMap;

use serde_json::Value;

use super::op::{GateCurrency, GateOp};
use crate::gateway::clock::EpochMillis;
use crate::gateway::config::{GatewayConfig, ProjectConfig};
use crate::gateway::gate::callback;
use crate::gateway::gate::model::{
    NewOperation, Notice, PayerChoice, Payment, Policy, ProjectRules, RefundRequest, Sale,
};
use crate::gateway::gate::reply::{DUPLICATE_PAYMENT, INVALID_SIGNATURE, NOT_FOUND};

/// The project role Gate v2 sequences act as.
pub const PROJECT_ROLE: &str = "gate";
/// The currency of every sale (a test project takes RUB only).
pub const CURRENCY: &str = "RUB";
/// The currency a refund names when it names another one.
pub const OTHER_CURRENCY: &str = "USD";
/// `customer.account_id` of every sale.
pub const ACCOUNT: &str = "account_1";
/// The key a forged request is signed with.
pub const WRONG_KEY: &str = "not-the-project-key";

/// What the spec fixes about a Gate v2 answer.
#[derive(Debug, Clone, PartialEq)]
pub enum GateAnswer {
    /// `200`, `status` `success`.
    Ack,
    /// `400`, `status` `error` with this `code`.
    Error(&'static str),
    /// `200`, the signed status document (as the reference gateway renders the model's payment).
    Status(Value),
    /// The emulator page: `200` when the payer's press settled the sale, `409` when it no longer waits.
    Page {
        /// The sale no longer waited for the payer.
        conflict: bool,
    },
}

impl GateAnswer {
    /// The HTTP status.
    pub fn http_status(&self) -> u16 {
        match self {
            GateAnswer::Ack | GateAnswer::Status(_) | GateAnswer::Page { conflict: false } => 200,
            GateAnswer::Page { conflict: true } => 409,
            GateAnswer::Error(_) => 400,
        }
    }

    /// The result as coverage counts it.
    pub fn code_label(&self) -> String {
        match self {
            GateAnswer::Error(code) => format!("gate {code}"),
            GateAnswer::Page { conflict: true } => "gate 409".into(),
            _ => "gate 0".into(),
        }
    }
}

/// A Gate v2 callback the model expects: the document (unsigned) and the schema it conforms to.
#[derive(Debug, Clone, PartialEq)]
pub struct GateCallback {
    /// The payment's slot.
    pub slot: usize,
    /// The document the reference gateway would send (before signing).
    pub document: Value,
    /// The first callback of a sale: it carries the redirect data.
    pub redirect: bool,
    /// Its schema.
    pub schema: &'static str,
}

/// The Gate v2 payments of one sequence.
#[derive(Debug, Clone, Default)]
pub struct GateState {
    payments: BTreeMap<usize, Payment>,
    numbers: BTreeMap<usize, usize>,
    next_operation: u64,
}

fn policy() -> Policy {
    Policy::default()
}

/// The reference gateway's Gate v2 project the sequences act as.
pub fn project() -> &'static ProjectConfig {
    static PROJECT: std::sync::LazyLock<ProjectConfig> = std::sync::LazyLock::new(|| {
        GatewayConfig::reference()
            .project(PROJECT_ROLE)
            .cloned()
            .unwrap_or_else(|| ProjectConfig::new(PROJECT_ROLE, 35, "gate_test_secret"))
    });
    &PROJECT
}

/// The field the explorer's callback listener is named in.
pub const LISTENER: &str = "http://listener.invalid/callbacks";

impl GateState {
    /// The payment in `slot`, as it is at `now` (time effects applied to a copy).
    pub fn payment(&self, slot: usize, now: EpochMillis) -> Option<Payment> {
        let mut payment = self.payments.get(&slot)?.clone();
        payment.tick(now, &policy());
        Some(payment)
    }

    /// The slots holding a payment.
    pub fn slots(&self) -> impl Iterator<Item = usize> + '_ {
        self.payments.keys().copied()
    }

    /// Whether `slot` holds a payment.
    pub fn has(&self, slot: usize) -> bool {
        self.payments.contains_key(&slot)
    }

    /// The slot whose sale used payment id `number`.
    pub fn number_owner(&self, number: usize) -> Option<usize> {
        self.numbers.get(&number).copied()
    }

    /// Whether the payment in `slot` finished long enough ago that the target may have forgotten it.
    pub fn forgettable(&self, slot: usize, now: EpochMillis) -> bool {
        self.payment(slot, now).and_then(|p| p.finished_at()).is_some_and(|at| now - at > 50 * 60_000)
    }

    /// Whether a sale of `slot` asked for callbacks (the payer's page is known only from them).
    pub fn has_page(&self, slot: usize) -> bool {
        self.payments.get(&slot).and_then(|p| p.sale()).is_some_and(|sale| sale.callback_url.is_some())
    }

    /// The moments the payments' fates turn on (an untouched sale's deadline).
    pub fn deadlines(&self) -> Vec<EpochMillis> {
        self.payments.values().map(|p| p.redirect_deadline).collect()
    }

    fn new_operation(&mut self) -> NewOperation {
        self.next_operation += 1;
        let n = self.next_operation;
        NewOperation { id: n, request_id: format!("r{n}"), provider_payment_id: format!("p{n}") }
    }

    /// Applies `op` at `now`: the answer it predicts and the callbacks it calls for.
    pub fn apply(&mut self, op: &GateOp, now: EpochMillis) -> (GateAnswer, Vec<GateCallback>) {
        let policy = policy();
        let mut callbacks = Vec::new();
        let answer = match op {
            GateOp::Sale { forged: true, .. } | GateOp::Refund { forged: true, .. } => {
                GateAnswer::Error(INVALID_SIGNATURE.code)
            }
            GateOp::Sale { slot, number, amount, callback, .. } => {
                if self.numbers.contains_key(number) {
                    return (GateAnswer::Error(DUPLICATE_PAYMENT.code), callbacks);
                }
                let sale = Sale {
                    project_id: project().project_id,
                    payment_id: format!("i{number}"),
                    customer_id: "customer".into(),
                    account: ACCOUNT.into(),
                    amount: *amount,
                    currency: CURRENCY.into(),
                    description: None,
                    callback_url: callback.then(|| LISTENER.to_string()),
                };
                let rules = ProjectRules {
                    test_mode: project().test_mode,
                    redirect_timeout_secs: project().redirect_timeout_secs,
                };
                let operation = self.new_operation();
                let (payment, notice) = Payment::open(sale, operation, now, rules);
                push(&mut callbacks, *slot, &payment, notice);
                self.payments.insert(*slot, payment);
                self.numbers.insert(*number, *slot);
                GateAnswer::Ack
            }
            GateOp::Payer { slot, success } => {
                let choice = if *success { PayerChoice::Success } else { PayerChoice::Decline };
                let Some(payment) = self.payments.get_mut(slot) else {
                    return (GateAnswer::Error(NOT_FOUND.code), callbacks);
                };
                if let Some(notice) = payment.tick(now, &policy) {
                    push(&mut callbacks, *slot, payment, notice);
                }
                match payment.payer_choice(choice, now, &policy) {
                    Some(notice) => {
                        push(&mut callbacks, *slot, payment, notice);
                        GateAnswer::Page { conflict: false }
                    }
                    None => GateAnswer::Page { conflict: true },
                }
            }
            GateOp::Refund { slot, amount, currency, callback, .. } => {
                let request = RefundRequest {
                    amount: *amount,
                    currency: match currency {
                        GateCurrency::Payment => Some(CURRENCY.to_string()),
                        GateCurrency::Omitted => None,
                        GateCurrency::Other => Some(OTHER_CURRENCY.to_string()),
                    },
                    description: "refund".into(),
                    callback_url: callback.then(|| LISTENER.to_string()),
                };
                let operation = self.new_operation();
                let Some(payment) = self.payments.get_mut(slot) else {
                    return (GateAnswer::Error(NOT_FOUND.code), callbacks);
                };
                if let Some(notice) = payment.tick(now, &policy) {
                    push(&mut callbacks, *slot, payment, notice);
                }
                match payment.refund(&request, operation, now, &policy) {
                    Ok(notice) => {
                        push(&mut callbacks, *slot, payment, notice);
                        GateAnswer::Ack
                    }
                    Err(refusal) => GateAnswer::Error(refusal.result().code),
                }
            }
            GateOp::Status { slot } => {
                let Some(payment) = self.payments.get_mut(slot) else {
                    return (GateAnswer::Error(NOT_FOUND.code), callbacks);
                };
                if let Some(notice) = payment.tick(now, &policy) {
                    push(&mut callbacks, *slot, payment, notice);
                }
                GateAnswer::Status(callback::status(payment, ""))
            }
            GateOp::Unknown => GateAnswer::Error(NOT_FOUND.code),
        };
        (answer, callbacks)
    }
}

/// The callback `notice` of `payment` calls for, if its operation named the listener.
fn push(callbacks: &mut Vec<GateCallback>, slot: usize, payment: &Payment, notice: Notice) {
    let Some(operation) = payment.operations.get(notice.operation) else { return };
    if operation.callback_url.is_none() {
        return;
    }
    let schema = if notice.redirect {
        "gate/callback-redirect.json"
    } else if notice.operation == 0 {
        "gate/callback-sale.json"
    } else {
        "gate/callback-refund.json"
    };
    callbacks.push(GateCallback {
        slot,
        document: callback::callback(payment, notice, Some("http://gateway.invalid")),
        redirect: notice.redirect,
        schema,
    });
}

/// The status document's fixed content: the payment's status and balance, and every operation's
/// type, status, result code and amount.
pub fn status_summary(document: &Value) -> Value {
    let operations: Vec<Value> = document
        .get("operations")
        .and_then(Value::as_array)
        .map(|ops| ops.iter().map(operation_summary).collect())
        .unwrap_or_default();
    serde_json::json!({
        "payment.status": document.pointer("/payment/status"),
        "payment.sum.amount": document.pointer("/payment/sum/amount"),
        "operations": operations,
    })
}

/// An operation's fixed content.
pub fn operation_summary(operation: &Value) -> Value {
    serde_json::json!([
        operation.get("type"),
        operation.get("status"),
        operation.get("code"),
        operation.pointer("/sum_initial/amount"),
    ])
}

/// The JSON pointers a callback's content is compared at.
pub const CALLBACK_POINTERS: &[&str] = &[
    "/payment/status",
    "/payment/sum/amount",
    "/operation/type",
    "/operation/status",
    "/operation/code",
    "/operation/sum_initial/amount",
];

/// The JSON pointers a status answer's content is compared at.
pub const STATUS_POINTERS: &[&str] = &["/payment/status", "/payment/sum/amount"];

/// Where a document holds a null, if anywhere (Gate never sends one, SDK-6).
pub fn null_at(value: &Value, at: &str) -> Option<String> {
    match value {
        Value::Null => Some(if at.is_empty() { "$".into() } else { format!("${at}") }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| null_at(v, &format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| null_at(v, &format!("{at}.{k}"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: EpochMillis = 1_767_268_800_000;

    fn sale(slot: usize, number: usize, amount: i64) -> GateOp {
        GateOp::Sale { slot, number, amount, forged: false, callback: true }
    }

    #[test]
    fn a_sale_paid_then_refunded_in_part_and_over_what_is_left() {
        let mut state = GateState::default();
        let (answer, callbacks) = state.apply(&sale(0, 0, 10_000), NOW);
        assert_eq!((answer, callbacks.len(), callbacks[0].redirect), (GateAnswer::Ack, 1, true));
        let (answer, callbacks) = state.apply(&GateOp::Payer { slot: 0, success: true }, NOW);
        assert_eq!(answer, GateAnswer::Page { conflict: false });
        assert_eq!(callbacks[0].document["payment"]["status"], "success");
        let refund = |amount| GateOp::Refund {
            slot: 0,
            amount: Some(amount),
            currency: GateCurrency::Payment,
            forged: false,
            callback: true,
        };
        let (_, callbacks) = state.apply(&refund(3_000), NOW);
        assert_eq!(callbacks[0].document["payment"]["status"], "partially refunded");
        let (answer, callbacks) = state.apply(&refund(7_001), NOW);
        assert_eq!(answer, GateAnswer::Ack);
        assert_eq!(callbacks[0].document["operation"]["code"], "3283");
        assert_eq!(state.apply(&sale(1, 0, 100), NOW).0, GateAnswer::Error("3041"));
    }

    #[test]
    fn an_untouched_sale_declines_after_its_deadline() {
        let mut state = GateState::default();
        state.apply(&sale(0, 0, 10_000), NOW);
        let (answer, callbacks) = state.apply(&GateOp::Status { slot: 0 }, NOW + 1_800_000);
        let GateAnswer::Status(document) = answer else { panic!("a status") };
        assert_eq!(document["payment"]["status"], "decline");
        assert_eq!(callbacks.len(), 1);
    }
}
