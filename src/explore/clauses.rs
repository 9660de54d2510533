//! The clause (of `clauses.yaml`) an operation's predicted answer shows, for the `covers:` of a
//! written case.

use super::op::{Card, Lookup, Op};
use crate::gateway::v1::model::{Order, OrderState};

/// The clause `op`'s answer (result `code`) shows, given the order as it was before.
pub fn clause(op: &Op, before: Option<&Order>, code: u8) -> &'static str {
    let state = before.map(|o| o.state);
    match op {
        Op::Register(_) if code == 1 => "register.duplicate-order-number",
        Op::Register(r) if r.auto.is_some() => "preauth.autocompletion",
        Op::Register(_) => "register.form-url-md-order",
        Op::Pay { card: Card::NotLuhn, .. } => "cards.non-luhn",
        Op::Pay { .. } if before.is_some_and(|o| o.timed_out) => "lifetime.expired-not-payable",
        Op::Pay { .. } if code != 0 => "payment.not-payable-state",
        Op::Pay { card: Card::Decline, .. } => "cards.decline-cards",
        Op::Pay { card: Card::Expired, .. } => "cards.expired-card",
        Op::Pay { card: Card::ThreeDsFrictionless, .. } => "cards.frictionless-success",
        Op::Pay { card: Card::ThreeDsChallenge, .. } => "cards.challenge-cards",
        Op::Pay { .. } => "payment.redirect",
        Op::Instant { card: Card::NotLuhn, .. } => "cards.non-luhn",
        Op::Instant { .. } if code == 1 => "instant.duplicate-order-number",
        Op::Instant { card: Card::Decline | Card::Expired, .. } => "instant.declined-card",
        Op::Instant { card: Card::ThreeDsChallenge, .. } => "instant.three-ds",
        Op::Instant { register, .. } if register.two_phase => "instant.pre-auth",
        Op::Instant { .. } => "instant.success-one-phase",
        Op::AlfaPay { .. } if code == 0 => "alfapay.pending",
        Op::AlfaPay { .. } => "alfapay.error-envelope",
        Op::AlfaPayer { .. } => "alfapay.success-envelope",
        Op::Deposit { .. } if code == 0 => "deposit.success",
        Op::Deposit { .. } if state == Some(OrderState::Deposited) => "deposit.second-refused",
        Op::Deposit { amount: Some(a), .. } if before.is_some_and(|o| *a > o.approved_amount) => "deposit.over-capture",
        Op::Deposit { .. } if code == 5 => "deposit.below-one-rouble",
        Op::Deposit { .. } => "deposit.not-approved",
        Op::Reverse { .. } if code == 0 => "reverse.approved",
        Op::Reverse { .. } if state == Some(OrderState::Refunded) => "reverse.after-refund",
        Op::Reverse { .. } if state == Some(OrderState::Reversed) => "reverse.once",
        Op::Reverse { .. } if before.is_some_and(|o| o.reversal_attempted) => "reverse.after-failed-attempt",
        Op::Reverse { .. } if code == 5 => "reverse.partial-refused",
        Op::Reverse { .. } if before.is_some_and(|o| o.deposited_amount != o.approved_amount) => {
            "reverse.after-partial-capture"
        }
        Op::Reverse { .. } if before.is_some_and(|o| o.state.was_paid()) => "reverse.window-expired",
        Op::Reverse { .. } => "reverse.unpaid-refused",
        Op::Decline { .. } if code == 0 => "decline.unpaid",
        Op::Decline { .. } => "decline.paid-refused",
        Op::Refund { refund, .. } => refund_clause(refund, before, code),
        Op::Status { lookup: Lookup::Foreign, .. } => "isolation.status",
        Op::Status { lookup: Lookup::WrongPassword, .. } => "auth.wrong-credentials",
        Op::Status { lookup: Lookup::QueryString, .. } => "transport.query-string-params",
        Op::Status { lookup: Lookup::ByNumber, .. } => "status.by-order-number",
        Op::Status { lookup: Lookup::Legacy, .. } => "legacy-status.order-status-matches",
        Op::Status { .. } => status_clause(before),
        Op::Unknown { .. } => "status.not-found",
        Op::Wait { .. } | Op::Together(_) | Op::Gate(_) => "status.schema-conformance",
    }
}

fn refund_clause(refund: &super::op::Refund, before: Option<&Order>, code: u8) -> &'static str {
    let Some(order) = before else { return "refund.success" };
    let replay = refund.external_id.is_some_and(|id| {
        let id = format!("r{id}");
        order.refunds.iter().any(|r| r.external_id.as_deref() == Some(id.as_str()))
    });
    match code {
        _ if replay && code == 0 => "refund.external-id-replay-same-amount",
        5 if replay || refund.external_id.is_some() => "refund.external-id-replay-different-amount",
        _ if !matches!(order.state, OrderState::Deposited | OrderState::Refunded) => {
            if order.state == OrderState::Approved { "refund.not-debited" } else { "refund.reversed-or-declined" }
        }
        _ if refund.expected_deposited.is_some_and(|e| e != order.refundable()) => "refund.expected-deposited-mismatch",
        0 if refund.amount.is_none_or(|a| a == 0) => "refund.full-means-remaining",
        0 if order.refunds.is_empty() && refund.amount.is_some_and(|a| a < order.refundable()) => "refund.partial",
        0 => "refund.multiple",
        7 if refund.amount.is_some_and(|a| (1..100).contains(&a)) => "refund.below-one-rouble",
        7 => "refund.over-limit",
        _ => "refund.invalid-amount",
    }
}

fn status_clause(before: Option<&Order>) -> &'static str {
    let Some(order) = before else { return "status.schema-conformance" };
    match order.state {
        OrderState::Declined if order.timed_out => "lifetime.expired-unpaid",
        OrderState::Declined if order.card.is_none() => "decline.unpaid",
        OrderState::Declined => "cards.decline-cards",
        OrderState::Refunded if order.refundable() > 0 => "refund.partial-state-refunded",
        OrderState::Refunded => "refund.listed-in-status",
        OrderState::Preregistered => "state.preregistered-router",
        OrderState::PendingRedirect => "alfapay.pending",
        OrderState::PendingAcs => "payment.three-ds-pending",
        OrderState::Deposited if order.registration.two_phase && order.registration.autocompletion_at.is_some() => {
            "preauth.autocompletion"
        }
        OrderState::Reversed if order.registration.auto_reverse_at.is_some() => "preauth.auto-reverse",
        _ => "status.order-status-integer",
    }
}

/// The clause a Gate v2 operation's predicted `answer` shows, given the payment as it was before.
pub fn gate_clause(
    op: &super::op::GateOp,
    before: Option<&crate::gateway::gate::model::Payment>,
    answer: &super::gate::GateAnswer,
) -> &'static str {
    use super::gate::GateAnswer;
    use super::op::GateOp;
    use crate::gateway::gate::model::{PaymentStatus, TEST_DECLINE_AMOUNTS};
    match (op, answer) {
        (GateOp::Sale { forged: true, .. } | GateOp::Refund { forged: true, .. }, _) => "gate-sale.signature-invalid",
        (GateOp::Sale { .. }, GateAnswer::Error(_)) => "gate-sale.duplicate-payment-id",
        (GateOp::Sale { .. }, _) => "gate-sale.accepted",
        (GateOp::Payer { .. }, _) if before.is_some_and(|p| TEST_DECLINE_AMOUNTS.contains(&p.amount)) => {
            "gate-test.amount-decline"
        }
        (GateOp::Payer { .. }, _) => "gate-callback.sale-success",
        (GateOp::Refund { .. }, GateAnswer::Error(_)) => "gate-status.current-status",
        (GateOp::Refund { amount: None, .. }, _) => "gate-refund.full-remaining",
        (GateOp::Refund { amount: Some(a), .. }, _) if before.is_some_and(|p| *a > p.balance()) => {
            "gate-refund.over-initial-amount"
        }
        (GateOp::Refund { .. }, _) => "gate-refund.partial",
        (GateOp::Status { .. }, GateAnswer::Status(document))
            if document.pointer("/payment/status").and_then(serde_json::Value::as_str) == Some("decline")
                && before.is_some_and(|p| {
                    p.status == PaymentStatus::Decline
                        && p.operations.first().and_then(|o| o.result).is_some_and(|r| r.code == "20000")
                }) =>
        {
            "gate-test.untouched-decline"
        }
        (GateOp::Status { .. } | GateOp::Unknown, _) => "gate-status.current-status",
    }
}
