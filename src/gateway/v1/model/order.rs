//! The order record and its registration.

use super::state::OrderState;
use super::{Event, EventKind, Policy};
use crate::gateway::clock::EpochMillis;

/// The path family an order was registered through (spec 1.1, A2, A3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// The router, `/v1/*.do`, JSON.
    Router,
    /// The bank gateway, `/payment/rest/*.do`, form-urlencoded.
    Bank,
}

/// The validated inputs of `register.do` / `registerPreAuth.do` / `instantPayment.do`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The gateway's id for the order (`orderId`, `mdOrder`).
    pub id: String,
    /// The owning merchant's `userName`.
    pub merchant: String,
    /// The merchant's `orderNumber`.
    pub order_number: String,
    /// Where it was registered.
    pub family: Family,
    /// `registerPreAuth.do` or `preAuth=true`.
    pub two_phase: bool,
    /// Amount in minor units.
    pub amount: i64,
    /// ISO 4217 numeric code.
    pub currency: String,
    /// `description`.
    pub description: Option<String>,
    /// `returnUrl`.
    pub return_url: String,
    /// `failUrl`.
    pub fail_url: Option<String>,
    /// `clientId`.
    pub client_id: Option<String>,
    /// `jsonParams`, in the order given.
    pub params: Vec<(String, String)>,
    /// `email`.
    pub email: Option<String>,
    /// `phone`.
    pub phone: Option<String>,
    /// `allowedPaymentWays` (router).
    pub allowed_payment_ways: Vec<String>,
    /// `dynamicCallbackUrl`.
    pub callback_url: Option<String>,
    /// The end of the order's lifetime (spec 3.3).
    pub expires_at: EpochMillis,
    /// `autocompletionDate`.
    pub autocompletion_at: Option<EpochMillis>,
    /// `autoReverseDate`.
    pub auto_reverse_at: Option<EpochMillis>,
    /// The bank an order is created at; `None` for a router order until it is routed.
    pub bank: Option<String>,
    /// The bank's id for the order, with `bank`.
    pub gw_order_id: Option<String>,
}

/// The card an authorisation was made with, as the status shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardInfo {
    /// `411111**1111`.
    pub masked_pan: String,
    /// `YYYYMM`.
    pub expiry: String,
    /// Cardholder name.
    pub holder: String,
    /// VISA, MASTERCARD, MIR...
    pub payment_system: String,
}

/// One performed refund (the `refunds[]` block).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRecord {
    /// When it was performed.
    pub date: EpochMillis,
    /// The merchant's `externalRefundId`, if given.
    pub external_id: Option<String>,
    /// Refunded amount.
    pub amount: i64,
    /// `approvalCode`.
    pub approval_code: String,
    /// `referenceNumber`.
    pub reference_number: String,
    /// `refundItems` positions refunded, as (positionId, itemAmount).
    pub items: Vec<(String, i64)>,
}

/// The kind of a money operation (router `operations[]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    /// One-phase payment.
    Purchase,
    /// Two-phase authorisation.
    Approve,
    /// Capture.
    Deposit,
    /// Reversal.
    Reverse,
    /// Refund.
    Refund,
}

impl OperationKind {
    /// The `operationType` string.
    pub fn name(self) -> &'static str {
        match self {
            OperationKind::Purchase => "PURCHASE",
            OperationKind::Approve => "APPROVE",
            OperationKind::Deposit => "DEPOSIT",
            OperationKind::Reverse => "REVERSE",
            OperationKind::Refund => "REFUND",
        }
    }
}

/// One money operation, successful or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// What it was.
    pub kind: OperationKind,
    /// Its amount.
    pub amount: i64,
    /// When.
    pub date: EpochMillis,
    /// Whether it succeeded.
    pub success: bool,
    /// Processing result (actionCode).
    pub action_code: i32,
    /// `referenceNumber`.
    pub reference_number: String,
    /// `authCode`.
    pub approval_code: String,
}

/// A v1 order: what the gateway knows about it at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// What was registered (`bank` and `gw_order_id` there are where it was created; the
    /// order's own fields below follow it when it is routed).
    pub registration: Registration,
    /// Registration time (`date`).
    pub created_at: EpochMillis,
    /// Current state.
    pub state: OrderState,
    /// Last processing result; `None` before any attempt or decision.
    pub action_code: Option<i32>,
    /// The bank the order is at (`gwId`); `None` for a router order never routed.
    pub bank: Option<String>,
    /// The bank's id for the order (`gwOrderId`).
    pub gw_order_id: Option<String>,
    /// `paymentWay` once a payment was attempted.
    pub payment_way: Option<String>,
    /// Payment attempts made (approved or declined).
    pub attempts: u32,
    /// Declined because its lifetime ran out.
    pub timed_out: bool,
    /// A reversal was performed or refused for amount, window or partial capture (A12).
    pub reversal_attempted: bool,
    /// The card of the last attempt.
    pub card: Option<CardInfo>,
    /// `approvalCode` of the authorisation.
    pub approval_code: Option<String>,
    /// `authRefNum`.
    pub auth_ref_num: Option<String>,
    /// Held amount.
    pub approved_amount: i64,
    /// Captured amount.
    pub deposited_amount: i64,
    /// Sum of performed refunds.
    pub refunded_amount: i64,
    /// Authorisation time.
    pub auth_at: Option<EpochMillis>,
    /// Capture time.
    pub deposited_at: Option<EpochMillis>,
    /// Reversal time.
    pub reversed_at: Option<EpochMillis>,
    /// Last refund time.
    pub refunded_at: Option<EpochMillis>,
    /// Decline time (issuer, `decline.do` or expiry).
    pub declined_at: Option<EpochMillis>,
    /// Performed refunds, oldest first.
    pub refunds: Vec<RefundRecord>,
    /// Money operations, oldest first.
    pub operations: Vec<Operation>,
}

impl Order {
    /// A newly registered order: PREREGISTERED on the router, CREATED at the bank (A3).
    pub fn register(reg: Registration, now: EpochMillis, policy: &Policy) -> Order {
        let state = match reg.family {
            Family::Router if policy.router_orders_start_preregistered => OrderState::Preregistered,
            _ => OrderState::Created,
        };
        let (bank, gw_order_id) = (reg.bank.clone(), reg.gw_order_id.clone());
        Order {
            registration: reg,
            created_at: now,
            state,
            action_code: None,
            bank,
            gw_order_id,
            payment_way: None,
            attempts: 0,
            timed_out: false,
            reversal_attempted: false,
            card: None,
            approval_code: None,
            auth_ref_num: None,
            approved_amount: 0,
            deposited_amount: 0,
            refunded_amount: 0,
            auth_at: None,
            deposited_at: None,
            reversed_at: None,
            refunded_at: None,
            declined_at: None,
            refunds: Vec::new(),
            operations: Vec::new(),
        }
    }

    /// When the order reached a state nothing more can happen to (DECLINED, REVERSED, REFUNDED in
    /// full); `None` while it can still change.
    pub fn finished_at(&self) -> Option<EpochMillis> {
        match self.state {
            OrderState::Declined => self.declined_at.or(Some(self.created_at)),
            OrderState::Reversed => self.reversed_at.or(Some(self.created_at)),
            OrderState::Refunded if self.refundable() <= 0 => self.refunded_at.or(Some(self.created_at)),
            _ => None,
        }
    }

    /// What is left to refund: deposited minus refunded.
    pub fn refundable(&self) -> i64 {
        self.deposited_amount - self.refunded_amount
    }

    /// Records a money operation and returns the event to report.
    pub(super) fn record(
        &mut self,
        kind: OperationKind,
        event: EventKind,
        amount: i64,
        now: EpochMillis,
        success: bool,
        action_code: i32,
    ) -> Event {
        let (reference_number, approval_code) = self.next_codes(now);
        self.operations.push(Operation {
            kind,
            amount,
            date: now,
            success,
            action_code,
            reference_number,
            approval_code,
        });
        Event { kind: event, success, amount }
    }

    /// A deterministic (reference number, approval code) pair for the next operation.
    pub(super) fn next_codes(&self, now: EpochMillis) -> (String, String) {
        let seq = (self.operations.len() + self.refunds.len()) as i64;
        let reference = now.rem_euclid(1_000_000_000) * 1000 + seq.rem_euclid(1000);
        let approval = (now.rem_euclid(1_000_000) * 7 + seq * 131 + 100_000).rem_euclid(1_000_000);
        (format!("{reference:012}"), format!("{approval:06}"))
    }
}
