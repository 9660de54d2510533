//! The catalogue of named faults: realistic deviations from the spec that the gateway can be told
//! to commit, so that the suite can prove it catches each of them.
//!
//! This is the one place that says what each fault does ([`Fault::effect`]): either it bends a
//! rule of an API's policy (the pure models and the services read only their policy, never a
//! fault), or it reshapes an answer or a callback in the one layer that runs after the handlers.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Value, json};

use crate::gateway::answer::Answer;
use crate::gateway::gate::model::GateFullRefund;
use crate::gateway::gate::policy::{CallbackSignature, Policy as GatePolicy};
use crate::gateway::v1::model::{FullRefund, RefundRemainder};
use crate::gateway::v1::notifier::CallbackParams;
use crate::gateway::v1::policy::Policy as V1Policy;

macro_rules! faults {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $clause:literal, $description:literal; )+) => {
        /// One named deviation from the spec; [`Fault::effect`] says what it does.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Fault {
            $( $(#[$doc])* $variant, )+
        }

        impl Fault {
            /// Every fault, in catalogue order.
            pub fn all() -> &'static [Fault] {
                &[$( Fault::$variant, )+]
            }

            /// The kebab-case name used on the command line (`--fault NAME`).
            pub fn name(&self) -> &'static str {
                match self { $( Fault::$variant => $name, )+ }
            }

            /// The id of the clause (in the project's clause catalogue) this fault breaks.
            pub fn clause(&self) -> &'static str {
                match self { $( Fault::$variant => $clause, )+ }
            }

            /// One sentence: what the faulty gateway does.
            pub fn description(&self) -> &'static str {
                match self { $( Fault::$variant => $description, )+ }
            }
        }
    };
}

faults! {
    /// A refund larger than what is left to refund is performed.
    RefundOverLimitAccepted = "refund-over-limit-accepted", "refund.over-limit",
        "a refund larger than the amount left to refund is performed instead of rejected with 7";
    /// Partial refunds are each checked against the deposited amount, never their sum.
    RefundRemainingNotTracked = "refund-remaining-not-tracked", "refund.over-limit",
        "each partial refund is checked against the deposited amount, not against what earlier refunds left";
    /// A "full" refund refunds the order amount, not the remaining amount.
    RefundFullRefundsOriginal = "refund-full-refunds-original", "refund.full-means-remaining",
        "a refund without amount (or with 0) refunds the whole order amount even after partial refunds";
    /// A replayed `externalRefundId` performs the refund again.
    RefundReplayPerformedTwice = "refund-replay-performed-twice", "refund.external-id-replay-same-amount",
        "a refund repeating an earlier externalRefundId is performed a second time";
    /// `expectedDepositedAmount` is not checked.
    ExpectedDepositedIgnored = "expected-deposited-ignored", "refund.expected-deposited-mismatch",
        "refund.do ignores expectedDepositedAmount, so a stale value does not stop the refund";
    /// A refund is accepted before the money was captured.
    RefundBeforeCaptureAllowed = "refund-before-capture-allowed", "refund.not-debited",
        "refund.do on an APPROVED (not yet captured) order succeeds";
    /// A partial refund leaves the order DEPOSITED.
    PartialRefundKeepsDeposited = "partial-refund-keeps-deposited", "refund.partial-state-refunded",
        "after a partial refund the order stays DEPOSITED (orderStatus 2) instead of REFUNDED (4)";
    /// Unpaid orders never expire.
    SessionNeverExpires = "session-never-expires", "lifetime.session-timeout-secs",
        "an unpaid order past its sessionTimeoutSecs/expirationDate stays payable and is never DECLINED";
    /// Expiry uses the wrong actionCode.
    ExpiryWrongActionCode = "expiry-wrong-action-code", "lifetime.expired-unpaid",
        "an expired order is DECLINED with actionCode 4005 (the decline.do code) instead of -2007";
    /// An expired order can still be paid.
    ExpiredOrderPayable = "expired-order-payable", "lifetime.expired-not-payable",
        "paying an order whose session has expired succeeds";
    /// A second capture is accepted.
    CaptureTwiceAllowed = "capture-twice-allowed", "deposit.second-refused",
        "deposit.do on an already DEPOSITED two-phase order succeeds again";
    /// Capture over the hold is accepted for a merchant that does not allow it.
    OverCaptureAccepted = "over-capture-accepted", "deposit.over-capture",
        "deposit.do over the approved amount succeeds for a merchant whose maxOverCapturePercent is 0";
    /// A refunded order can still be reversed.
    ReverseAfterRefundAllowed = "reverse-after-refund-allowed", "reverse.after-refund",
        "reverse.do on a REFUNDED order succeeds";
    /// A reversed order can be reversed again.
    ReverseTwiceAllowed = "reverse-twice-allowed", "reverse.once",
        "a second reverse.do on a REVERSED order succeeds";
    /// A failed reversal does not block the next one.
    ReverseRetryAllowed = "reverse-retry-allowed", "reverse.after-failed-attempt",
        "after a refused reverse.do (e.g. a partial amount) a further reverse.do succeeds";
    /// The reversal window is not enforced.
    ReverseWindowIgnored = "reverse-window-ignored", "reverse.window-expired",
        "reverse.do on a DEPOSITED order succeeds after the UTC day of payment has ended";
    /// decline.do leaves the wrong actionCode.
    DeclineWrongActionCode = "decline-wrong-action-code", "decline.unpaid",
        "decline.do makes the order DECLINED with actionCode -2007 instead of 4005";
    /// decline.do cancels a paid order.
    DeclinePaidOrderAllowed = "decline-paid-order-allowed", "decline.paid-refused",
        "decline.do on a DEPOSITED or APPROVED order succeeds and makes it DECLINED";
    /// Router registration skips PREREGISTERED.
    RouterSkipsPreregistered = "router-skips-preregistered", "state.preregistered-router",
        "an order registered on /v1 starts CREATED (orderStatus 0) instead of PREREGISTERED (-1)";
    /// autocompletionDate / autoReverseDate are ignored.
    AutoDatesIgnored = "auto-dates-ignored", "preauth.autocompletion",
        "an APPROVED order is never captured at autocompletionDate nor reversed at autoReverseDate";
    /// The decline test cards are approved.
    DeclineCardApproved = "decline-card-approved", "cards.decline-cards",
        "the decline test cards (5168494895055780, 4000001111111126) pay successfully";
    /// A PAN failing the Luhn check is accepted.
    NonLuhnAccepted = "non-luhn-accepted", "cards.non-luhn",
        "paymentorder.do accepts a PAN that fails the Luhn check and pays the order";
    /// Another merchant's order is visible.
    ForeignOrderVisible = "foreign-order-visible", "isolation.status",
        "a merchant can read, pay, capture, reverse, decline and refund another merchant's orders";
    /// orderNumber uniqueness is not enforced.
    DuplicateOrderNumberAccepted = "duplicate-order-number-accepted", "register.duplicate-order-number",
        "registering an orderNumber the merchant already used creates a second order instead of error 1";
    /// The password is not checked.
    WrongPasswordAccepted = "wrong-password-accepted", "auth.wrong-credentials",
        "a known userName with a wrong password is let in instead of errorCode 5 Access denied";
    /// orderStatus is a string.
    OrderStatusAsString = "order-status-as-string", "status.order-status-integer",
        "orderStatus / OrderStatus is a JSON string (\"2\") instead of an integer";
    /// Business errors are sent with HTTP 400.
    BusinessErrorHttp400 = "business-error-http-400", "transport.business-error-http-200",
        "business errors (errorCode other than 0) are answered with HTTP 400 instead of 200";
    /// formUrl is missing from register answers.
    FormUrlMissing = "form-url-missing", "register.form-url-md-order",
        "register.do / registerPreAuth.do answers lack formUrl";
    /// The query string is ignored.
    QueryParamsIgnored = "query-params-ignored", "transport.query-string-params",
        "parameters sent in the query string are ignored; only the body is read";
    /// An unknown order is answered with the wrong code.
    UnknownOrderWrongCode = "unknown-order-wrong-code", "status.not-found",
        "an unknown (or foreign) order is answered with errorCode 5 Access denied instead of 6";
    /// Refunds are missing from the status.
    RefundsBlockMissing = "refunds-block-missing", "refund.listed-in-status",
        "getOrderStatusExtended.do omits the refunds[] block";
    /// Callbacks are sent without checksum.
    CallbackChecksumMissing = "callback-checksum-missing", "callback.checksum",
        "callbacks to a merchant with a callback token carry no checksum";
    /// Gate v2: a request with a wrong signature is accepted.
    GateSignatureNotChecked = "gate-signature-not-checked", "gate-sale.signature-invalid",
        "Gate v2 accepts a sale or refund whose general.signature does not match the body (a missing one is still refused)";
    /// Gate v2: callbacks are not signed.
    GateCallbackUnsigned = "gate-callback-unsigned", "gate-callback.signed",
        "Gate v2 callbacks carry no signature";
    /// Gate v2: callback signatures are computed over unsorted entries.
    GateCallbackSignatureUnsorted = "gate-callback-signature-unsorted", "gate-signature.algorithm",
        "Gate v2 callback signatures are computed over the flattened entries in document order instead of sorted by path";
    /// Gate v2: callbacks carry nulls.
    GateCallbackNullFields = "gate-callback-null-fields", "gate-callback.no-null",
        "Gate v2 callbacks carry null for values the gateway does not know (payment.description, operation.provider.auth_code) instead of omitting them or sending text";
    /// Gate v2: a repeated payment id is accepted.
    GateDuplicatePaymentIdAccepted = "gate-duplicate-payment-id-accepted", "gate-sale.duplicate-payment-id",
        "a Gate v2 sale repeating a payment_id of the project starts a new payment instead of being refused with 3041";
    /// Gate v2: the test-mode amount rule is ignored.
    GateTestAmountRuleIgnored = "gate-test-amount-rule-ignored", "gate-test.amount-decline",
        "in test mode a sale of 40000 or 40400 approved on the emulator succeeds instead of declining";
    /// Gate v2: an untouched sale never declines.
    GateUntouchedNeverDeclines = "gate-untouched-never-declines", "gate-test.untouched-decline",
        "in test mode a sale nobody approves or declines on the emulator stays awaiting its redirect result forever instead of declining after 30 minutes";
    /// Gate v2: a refund over the payment's amount is performed.
    GateRefundOverInitialAccepted = "gate-refund-over-initial-accepted", "gate-refund.over-initial-amount",
        "a Gate v2 refund larger than what is left of the payment is performed instead of declined with 3283";
    /// Gate v2: a partial refund marks the payment refunded.
    GatePartialRefundStatusRefunded = "gate-partial-refund-status-refunded", "gate-refund.partial",
        "after a partial Gate v2 refund payment.status is 'refunded' instead of 'partially refunded'";
    /// Gate v2: a refund without amount refunds the initial amount.
    GateRefundFullRefundsInitial = "gate-refund-full-refunds-initial", "gate-refund.full-remaining",
        "a Gate v2 refund without amount refunds the payment's initial amount even after partial refunds, instead of what is left";
}

/// What a fault does.
#[derive(Debug, Clone, Copy)]
pub enum Effect {
    /// Bends a rule of the v1 API's policy.
    V1Rule(fn(&mut V1Policy)),
    /// Bends a rule of Gate v2's policy.
    GateRule(fn(&mut GatePolicy)),
    /// Reshapes every v1 answer, after its handler.
    V1Answer(fn(&mut Answer)),
    /// Reshapes every v1 callback's parameters, after they are signed.
    V1Callback(fn(&mut CallbackParams)),
    /// Reshapes every Gate v2 callback document, before it is signed.
    GateCallback(fn(&mut Value)),
}

impl Fault {
    /// What this fault does: the rule it bends or the reshaping it applies.
    pub fn effect(self) -> Effect {
        use Effect::{GateCallback, GateRule, V1Answer, V1Callback, V1Rule};
        match self {
            Fault::RefundOverLimitAccepted => V1Rule(|p| p.state_machine.refund_over_remainder_refused = false),
            Fault::RefundRemainingNotTracked => {
                V1Rule(|p| p.state_machine.refund_remainder = RefundRemainder::Deposited)
            }
            Fault::RefundFullRefundsOriginal => V1Rule(|p| p.state_machine.full_refund = FullRefund::OrderAmount),
            Fault::RefundReplayPerformedTwice => V1Rule(|p| p.state_machine.refund_id_replay_idempotent = false),
            Fault::ExpectedDepositedIgnored => V1Rule(|p| p.state_machine.expected_deposited_enforced = false),
            Fault::RefundBeforeCaptureAllowed => V1Rule(|p| p.state_machine.refund_requires_capture = false),
            Fault::PartialRefundKeepsDeposited => V1Rule(|p| p.state_machine.partial_refund_marks_refunded = false),
            Fault::SessionNeverExpires => V1Rule(|p| p.state_machine.sessions_expire = false),
            Fault::ExpiryWrongActionCode => {
                V1Rule(|p| p.state_machine.expiry_action_code = crate::gateway::v1::model::ACTION_DECLINED_BY_MERCHANT)
            }
            Fault::ExpiredOrderPayable => V1Rule(|p| p.state_machine.expired_orders_payable = true),
            Fault::CaptureTwiceAllowed => V1Rule(|p| p.state_machine.second_capture_refused = false),
            Fault::OverCaptureAccepted => V1Rule(|p| p.state_machine.over_capture_limit_enforced = false),
            Fault::ReverseAfterRefundAllowed => V1Rule(|p| p.state_machine.refunded_orders_reversible = true),
            Fault::ReverseTwiceAllowed => V1Rule(|p| p.state_machine.reversed_orders_reversible = true),
            Fault::ReverseRetryAllowed => V1Rule(|p| p.state_machine.refused_reversal_is_final = false),
            Fault::ReverseWindowIgnored => V1Rule(|p| p.state_machine.reverse_window_enforced = false),
            Fault::DeclineWrongActionCode => {
                V1Rule(|p| p.state_machine.decline_action_code = crate::gateway::v1::model::ACTION_SESSION_EXPIRED)
            }
            Fault::DeclinePaidOrderAllowed => V1Rule(|p| p.state_machine.paid_orders_declinable = true),
            Fault::RouterSkipsPreregistered => V1Rule(|p| p.state_machine.router_orders_start_preregistered = false),
            Fault::AutoDatesIgnored => V1Rule(|p| p.state_machine.auto_dates_applied = false),
            Fault::DeclineCardApproved => V1Rule(|p| p.decline_cards_decline = false),
            Fault::NonLuhnAccepted => V1Rule(|p| p.luhn_checked = false),
            Fault::ForeignOrderVisible => V1Rule(|p| p.orders_isolated_by_merchant = false),
            Fault::DuplicateOrderNumberAccepted => V1Rule(|p| p.order_numbers_unique = false),
            Fault::WrongPasswordAccepted => V1Rule(|p| p.password_checked = false),
            Fault::QueryParamsIgnored => V1Rule(|p| p.query_string_read = false),
            Fault::OrderStatusAsString => V1Answer(order_status_as_string),
            Fault::BusinessErrorHttp400 => V1Answer(business_error_http_400),
            Fault::FormUrlMissing => V1Answer(|answer| remove_everywhere(&mut answer.body, "formUrl")),
            Fault::UnknownOrderWrongCode => V1Answer(unknown_order_access_denied),
            Fault::RefundsBlockMissing => V1Answer(|answer| remove_everywhere(&mut answer.body, "refunds")),
            Fault::CallbackChecksumMissing => V1Callback(|params| params.retain(|(name, _)| name != "checksum")),
            Fault::GateSignatureNotChecked => GateRule(|p| p.signature_checked = false),
            Fault::GateCallbackUnsigned => GateRule(|p| p.callback_signature = CallbackSignature::Absent),
            Fault::GateCallbackSignatureUnsorted => {
                GateRule(|p| p.callback_signature = CallbackSignature::DocumentOrder)
            }
            Fault::GateCallbackNullFields => GateCallback(unknown_values_as_null),
            Fault::GateDuplicatePaymentIdAccepted => GateRule(|p| p.payment_ids_unique = false),
            Fault::GateTestAmountRuleIgnored => GateRule(|p| p.payments.test_amount_rule = false),
            Fault::GateUntouchedNeverDeclines => GateRule(|p| p.payments.untouched_sales_decline = false),
            Fault::GateRefundOverInitialAccepted => GateRule(|p| p.payments.refund_over_balance_declined = false),
            Fault::GatePartialRefundStatusRefunded => GateRule(|p| p.payments.partial_refund_marks_refunded = true),
            Fault::GateRefundFullRefundsInitial => GateRule(|p| p.payments.full_refund = GateFullRefund::InitialAmount),
        }
    }
}

fn remove_everywhere(body: &mut Value, key: &str) {
    if let Value::Object(top) = body {
        top.remove(key);
        if let Some(Value::Object(model)) = top.get_mut("orderStatusResultModel") {
            model.remove(key);
        }
    }
}

fn order_status_as_string(answer: &mut Answer) {
    let stringify = |map: &mut serde_json::Map<String, Value>| {
        for key in ["orderStatus", "OrderStatus"] {
            if let Some(Value::Number(n)) = map.get(key) {
                let text = n.to_string();
                map.insert(key.into(), json!(text));
            }
        }
    };
    if let Value::Object(top) = &mut answer.body {
        stringify(top);
        if let Some(Value::Object(model)) = top.get_mut("orderStatusResultModel") {
            stringify(model);
        }
    }
}

fn business_error_http_400(answer: &mut Answer) {
    if answer.status == axum::http::StatusCode::OK && answer.is_business_error() {
        answer.status = axum::http::StatusCode::BAD_REQUEST;
    }
}

fn unknown_order_access_denied(answer: &mut Answer) {
    answer.recode_error("6", "5", "Access denied");
}

fn unknown_values_as_null(callback: &mut Value) {
    for pointer in ["/payment/description", "/operation/provider/auth_code"] {
        if let Some(value) = callback.pointer_mut(pointer)
            && value.as_str() == Some("")
        {
            *value = Value::Null;
        }
    }
}

impl Fault {
    /// The fault with this kebab-case name.
    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::all().iter().copied().find(|f| f.name() == name)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of faults switched on; the default is the empty set, a gateway that follows the spec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultSet {
    faults: BTreeSet<Fault>,
}

/// A fault name that is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFault(pub String);

impl fmt::Display for UnknownFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown fault `{}` (`paycheck faults` lists them)", self.0)
    }
}

impl std::error::Error for UnknownFault {}

impl FaultSet {
    /// No faults.
    pub fn none() -> FaultSet {
        FaultSet::default()
    }

    /// The set holding exactly `faults`.
    pub fn of(faults: &[Fault]) -> FaultSet {
        FaultSet { faults: faults.iter().copied().collect() }
    }

    /// The set named by `names` (kebab-case), or the first unknown name.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<FaultSet, UnknownFault> {
        names
            .iter()
            .map(|n| Fault::from_name(n.as_ref()).ok_or_else(|| UnknownFault(n.as_ref().to_string())))
            .collect::<Result<BTreeSet<_>, _>>()
            .map(|faults| FaultSet { faults })
    }

    /// Switches `fault` on.
    pub fn insert(&mut self, fault: Fault) {
        self.faults.insert(fault);
    }

    /// Whether `fault` is on.
    pub fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    /// Whether no fault is on.
    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }

    /// The faults switched on, in catalogue order.
    pub fn iter(&self) -> impl Iterator<Item = Fault> + '_ {
        self.faults.iter().copied()
    }

    fn effects(&self) -> impl Iterator<Item = Effect> + '_ {
        self.iter().map(Fault::effect)
    }

    /// The v1 API's policy: the spec's, with the rules these faults bend.
    pub fn v1_policy(&self) -> V1Policy {
        let mut policy = V1Policy::default();
        for effect in self.effects() {
            if let Effect::V1Rule(bend) = effect {
                bend(&mut policy);
            }
        }
        policy
    }

    /// Gate v2's policy: the spec's, with the rules these faults bend.
    pub fn gate_policy(&self) -> GatePolicy {
        let mut policy = GatePolicy::default();
        for effect in self.effects() {
            if let Effect::GateRule(bend) = effect {
                bend(&mut policy);
            }
        }
        policy
    }

    /// The reshapings of v1 answers these faults apply.
    pub fn v1_answer_mutations(&self) -> Vec<fn(&mut Answer)> {
        self.effects().filter_map(|effect| if let Effect::V1Answer(f) = effect { Some(f) } else { None }).collect()
    }

    /// The reshapings of v1 callbacks these faults apply.
    pub fn v1_callback_mutations(&self) -> Vec<fn(&mut CallbackParams)> {
        self.effects().filter_map(|effect| if let Effect::V1Callback(f) = effect { Some(f) } else { None }).collect()
    }

    /// The reshapings of Gate v2 callbacks these faults apply.
    pub fn gate_callback_mutations(&self) -> Vec<fn(&mut Value)> {
        self.effects().filter_map(|effect| if let Effect::GateCallback(f) = effect { Some(f) } else { None }).collect()
    }
}

impl Effect {
    /// Where the effect acts, in a few words.
    pub fn place(&self) -> &'static str {
        match self {
            Effect::V1Rule(_) => "v1 policy",
            Effect::GateRule(_) => "Gate policy",
            Effect::V1Answer(_) => "v1 answers",
            Effect::V1Callback(_) => "v1 callbacks",
            Effect::GateCallback(_) => "Gate callbacks",
        }
    }
}

/// The catalogue as the Markdown table of `docs/gateway.md`: name, clause, where it acts, what
/// the faulty gateway does.
pub fn catalogue_markdown() -> String {
    let mut table = String::from("| name | clause | acts on | what the gateway does wrong |\n|---|---|---|---|\n");
    for fault in Fault::all() {
        let description = fault.description().replace('|', "\\|");
        table.push_str(&format!(
            "| `{}` | `{}` | {} | {} |\n",
            fault.name(),
            fault.clause(),
            fault.effect().place(),
            description
        ));
    }
    table
}

/// The catalogue as text, one fault a line: name, clause, description, tab-separated.
pub fn catalogue_listing() -> String {
    Fault::all().iter().map(|f| format!("{}\t{}\t{}\n", f.name(), f.clause(), f.description())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_round_trip() {
        let mut seen = BTreeSet::new();
        for fault in Fault::all() {
            assert!(seen.insert(fault.name()), "duplicate {}", fault.name());
            assert!(fault.name().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            assert_eq!(Fault::from_name(fault.name()), Some(*fault));
            assert!(fault.clause().contains('.'));
        }
        assert!(Fault::all().len() >= 15);
    }

    #[test]
    fn unknown_names_are_reported() {
        let err = FaultSet::from_names(&["session-never-expires", "nope"]).unwrap_err();
        assert_eq!(err, UnknownFault("nope".into()));
    }
}
