//! The catalogue of named faults: realistic deviations from the spec that the gateway can be told
//! to commit, so that the suite can prove it catches each of them.

use std::collections::BTreeSet;
use std::fmt;

macro_rules! faults {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $clause:literal, $description:literal; )+) => {
        /// One named deviation from the spec. Faults that bend the state machine are applied by
        /// the pure model; faults that bend a response's shape are applied by the HTTP layer.
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
