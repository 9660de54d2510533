//! A Gate v2 payment as pure state (spec 5.3, 5.5–5.7, decisions A17 and A21): no I/O, no clock
//! reads. Time, fresh ids and the [`Policy`] are arguments, so every transition can be tested
//! alone, under the spec's reading and under any deviation from it.
//!
//! Lifecycle: a sale opens the payment `awaiting redirect result` (callback 1 carries the
//! redirect data); the payer's choice on the emulator page, or 30 minutes without one, settles
//! it `success` or `decline` (callback 2); refunds then lower its balance, making it
//! `partially refunded` and finally `refunded` (one callback each). Every transition returns the
//! [`Notice`] of the callback it calls for.

use crate::gateway::clock::EpochMillis;

/// What a refund without amount refunds (spec 5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateFullRefund {
    /// What is left of the payment.
    Balance,
    /// The payment's initial amount, even after partial refunds, whatever is left.
    InitialAmount,
}

/// The rules of the payment lifecycle. The default is the spec's reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// In test mode a sale of 40000 or 40400 declines whatever the payer does (spec 5.7).
    pub test_amount_rule: bool,
    /// In test mode a sale nobody answers declines after the redirect timeout (spec 5.7, A21).
    pub untouched_sales_decline: bool,
    /// A refund over what is left of the payment is declined with 3283 (spec 5.3).
    pub refund_over_balance_declined: bool,
    /// A partial refund makes the payment `partially refunded`, not `refunded` (spec 5.6).
    pub partial_refund_marks_refunded: bool,
    /// What a refund without amount refunds.
    pub full_refund: GateFullRefund,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            test_amount_rule: true,
            untouched_sales_decline: true,
            refund_over_balance_declined: true,
            partial_refund_marks_refunded: false,
            full_refund: GateFullRefund::Balance,
        }
    }
}

/// Amounts that a test project's sale declines with, whatever the payer does (spec 5.7).
pub const TEST_DECLINE_AMOUNTS: [i64; 2] = [40_000, 40_400];

/// A result code and its message (`operation.code`, `operation.message`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultCode {
    /// The code, a decimal string.
    pub code: &'static str,
    /// Its message.
    pub message: &'static str,
}

/// Success.
pub const SUCCESS: ResultCode = ResultCode { code: "0", message: "Success" };
/// A test sale of 40000 or 40400 (A21; the seed's decline example).
pub const INSUFFICIENT_FUNDS: ResultCode =
    ResultCode { code: "20105", message: "Insufficient funds on customer account" };
/// A sale the payer declined, or left untouched for 30 minutes (A21).
pub const GENERAL_DECLINE: ResultCode = ResultCode { code: "20000", message: "General decline" };
/// A refund over what is left of the payment (spec 5.3, seed S1).
pub const REFUND_OVER_INITIAL: ResultCode = ResultCode { code: "3283", message: "Refund amount more than init amount" };

/// `payment.status` (spec 5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    /// The sale waits for the payer on the bank's (emulator's) page.
    AwaitingRedirectResult,
    /// Paid.
    Success,
    /// Not paid.
    Decline,
    /// Paid, then refunded in part.
    PartiallyRefunded,
    /// Paid, then refunded in full.
    Refunded,
}

impl PaymentStatus {
    /// The status as Gate spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::AwaitingRedirectResult => "awaiting redirect result",
            PaymentStatus::Success => "success",
            PaymentStatus::Decline => "decline",
            PaymentStatus::PartiallyRefunded => "partially refunded",
            PaymentStatus::Refunded => "refunded",
        }
    }

    /// Whether money was taken and some of it is still there to refund.
    pub fn refundable(self) -> bool {
        matches!(self, PaymentStatus::Success | PaymentStatus::PartiallyRefunded)
    }
}

/// `operation.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationType {
    /// The payment itself.
    Sale,
    /// A refund.
    Refund,
}

impl OperationType {
    /// The type as Gate spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationType::Sale => "sale",
            OperationType::Refund => "refund",
        }
    }
}

/// `operation.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationStatus {
    /// The sale waits for the payer.
    AwaitingRedirectResult,
    /// Done.
    Success,
    /// Refused.
    Decline,
}

impl OperationStatus {
    /// The status as Gate spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationStatus::AwaitingRedirectResult => "awaiting redirect result",
            OperationStatus::Success => "success",
            OperationStatus::Decline => "decline",
        }
    }
}

/// Ids the gateway mints for a new operation (the model never invents them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOperation {
    /// `operation.id`.
    pub id: u64,
    /// `request_id` of the request that started it.
    pub request_id: String,
    /// `operation.provider.payment_id`, the bank's id.
    pub provider_payment_id: String,
}

/// One operation on a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// `operation.id`.
    pub id: u64,
    /// Sale or refund.
    pub kind: OperationType,
    /// Its status.
    pub status: OperationStatus,
    /// The request that started it.
    pub request_id: String,
    /// When it started.
    pub created_at: EpochMillis,
    /// When its status last changed.
    pub date: EpochMillis,
    /// The amount it was asked for (`sum_initial`, A17).
    pub amount: i64,
    /// Its currency.
    pub currency: String,
    /// The bank's id for it.
    pub provider_payment_id: String,
    /// `general.merchant_callback_url` of the request that started it (SDK-7).
    pub callback_url: Option<String>,
    /// When the bank answered, once it has.
    pub provider_date: Option<EpochMillis>,
    /// Its result, once settled.
    pub result: Option<ResultCode>,
}

/// A validated sale request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    /// `general.project_id`.
    pub project_id: u64,
    /// `general.payment_id`.
    pub payment_id: String,
    /// `customer.id`.
    pub customer_id: String,
    /// `customer.account_id`, the payer's Alfa-Click login (`account.number` in callbacks).
    pub account: String,
    /// `payment.amount`, minor units.
    pub amount: i64,
    /// `payment.currency`, ISO 4217 alpha-3.
    pub currency: String,
    /// `payment.description`, if given.
    pub description: Option<String>,
    /// `general.merchant_callback_url`, if given (SDK-7).
    pub callback_url: Option<String>,
}

/// The project settings the lifecycle depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectRules {
    /// Test mode: the amount rule applies (spec 5.7).
    pub test_mode: bool,
    /// How long the payer has on the emulator page (A21).
    pub redirect_timeout_secs: i64,
}

/// A validated refund request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// `payment.amount`; `None`: what is left (a full refund).
    pub amount: Option<i64>,
    /// `payment.currency`.
    pub currency: Option<String>,
    /// `payment.description`.
    pub description: String,
    /// `general.merchant_callback_url`, if given (SDK-7).
    pub callback_url: Option<String>,
}

/// What the payer pressed on the emulator page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayerChoice {
    /// Success.
    Success,
    /// Decline.
    Decline,
}

/// A callback to send: which operation it reports, and whether it carries the redirect data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    /// Index in [`Payment::operations`].
    pub operation: usize,
    /// The first callback of a sale: `redirect_data` included.
    pub redirect: bool,
}

/// Why a refund is refused outright (answered with HTTP 400, no callback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundRefusal {
    /// The payment is not paid, or nothing is left of it (3060).
    StatusForbids,
    /// A partial refund without currency, or in another currency than the payment's (3284).
    CurrencyMismatch,
}

impl RefundRefusal {
    /// The code and message of the refusal.
    pub fn result(self) -> ResultCode {
        match self {
            RefundRefusal::StatusForbids => {
                ResultCode { code: "3060", message: "Current payment or operation status does not allow this action" }
            }
            RefundRefusal::CurrencyMismatch => {
                ResultCode { code: "3284", message: "Refund currency mismatched or empty" }
            }
        }
    }
}

/// A Gate v2 payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The owning project.
    pub project_id: u64,
    /// `payment.id`, the merchant's `payment_id`.
    pub id: String,
    /// `customer.id`.
    pub customer_id: String,
    /// `account.number`.
    pub account: String,
    /// The initial amount.
    pub amount: i64,
    /// Its currency.
    pub currency: String,
    /// `payment.description`.
    pub description: Option<String>,
    /// `payment.status`.
    pub status: PaymentStatus,
    /// When the status last changed (`payment.date`).
    pub date: EpochMillis,
    /// Sum of the successful refunds.
    pub refunded: i64,
    /// Sale first, then refunds, in order.
    pub operations: Vec<Operation>,
    /// When an untouched sale declines.
    pub redirect_deadline: EpochMillis,
    /// Whether the project is in test mode.
    pub test_mode: bool,
}

impl Payment {
    /// A new payment from an accepted sale; its first callback carries the redirect data.
    pub fn open(sale: Sale, op: NewOperation, now: EpochMillis, rules: ProjectRules) -> (Payment, Notice) {
        let operation = Operation {
            id: op.id,
            kind: OperationType::Sale,
            status: OperationStatus::AwaitingRedirectResult,
            request_id: op.request_id,
            created_at: now,
            date: now,
            amount: sale.amount,
            currency: sale.currency.clone(),
            provider_payment_id: op.provider_payment_id,
            callback_url: sale.callback_url,
            provider_date: None,
            result: None,
        };
        let payment = Payment {
            project_id: sale.project_id,
            id: sale.payment_id,
            customer_id: sale.customer_id,
            account: sale.account,
            amount: sale.amount,
            currency: sale.currency,
            description: sale.description,
            status: PaymentStatus::AwaitingRedirectResult,
            date: now,
            refunded: 0,
            operations: vec![operation],
            redirect_deadline: now.saturating_add(rules.redirect_timeout_secs.saturating_mul(1000)),
            test_mode: rules.test_mode,
        };
        (payment, Notice { operation: 0, redirect: true })
    }

    /// When the payment reached a state nothing more can happen to (declined, or refunded in
    /// full); `None` while it can still change.
    pub fn finished_at(&self) -> Option<EpochMillis> {
        matches!(self.status, PaymentStatus::Decline | PaymentStatus::Refunded).then_some(self.date)
    }

    /// What is left to refund (`payment.sum` in callbacks, A17).
    pub fn balance(&self) -> i64 {
        self.amount - self.refunded
    }

    /// The sale operation.
    pub fn sale(&self) -> Option<&Operation> {
        self.operations.first()
    }

    /// The bank's id of the sale, which the emulator page is addressed by.
    pub fn redirect_token(&self) -> Option<&str> {
        self.sale().map(|sale| sale.provider_payment_id.as_str())
    }

    /// The payer pressed a button on the emulator page. `None` when the sale is no longer
    /// waiting for them. In test mode the amount rule wins over the button (spec 5.7).
    pub fn payer_choice(&mut self, choice: PayerChoice, now: EpochMillis, policy: &Policy) -> Option<Notice> {
        if self.status != PaymentStatus::AwaitingRedirectResult {
            return None;
        }
        let amount_rule = self.test_mode && TEST_DECLINE_AMOUNTS.contains(&self.amount) && policy.test_amount_rule;
        let result = match choice {
            _ if amount_rule => INSUFFICIENT_FUNDS,
            PayerChoice::Success => SUCCESS,
            PayerChoice::Decline => GENERAL_DECLINE,
        };
        Some(self.settle_sale(result, now))
    }

    /// Applies what time made due: a sale untouched past its deadline declines (spec 5.7, A21).
    pub fn tick(&mut self, now: EpochMillis, policy: &Policy) -> Option<Notice> {
        let due = self.status == PaymentStatus::AwaitingRedirectResult
            && now >= self.redirect_deadline
            && policy.untouched_sales_decline;
        due.then(|| self.settle_sale(GENERAL_DECLINE, now))
    }

    fn settle_sale(&mut self, result: ResultCode, now: EpochMillis) -> Notice {
        let success = result == SUCCESS;
        self.status = if success { PaymentStatus::Success } else { PaymentStatus::Decline };
        self.date = now;
        if let Some(sale) = self.operations.first_mut() {
            sale.status = if success { OperationStatus::Success } else { OperationStatus::Decline };
            sale.date = now;
            sale.provider_date = Some(now);
            sale.result = Some(result);
        }
        Notice { operation: 0, redirect: false }
    }

    /// A refund (spec 5.3): in full when no amount is given (what is left), in part otherwise.
    /// More than what is left is declined with 3283 and changes nothing but the record of the
    /// attempt; a refund the payment's state or currency forbids is refused outright.
    pub fn refund(
        &mut self,
        request: &RefundRequest,
        op: NewOperation,
        now: EpochMillis,
        policy: &Policy,
    ) -> Result<Notice, RefundRefusal> {
        if !self.status.refundable() {
            return Err(RefundRefusal::StatusForbids);
        }
        match (&request.amount, &request.currency) {
            (Some(_), None) => return Err(RefundRefusal::CurrencyMismatch),
            (_, Some(currency)) if *currency != self.currency => return Err(RefundRefusal::CurrencyMismatch),
            _ => {}
        }
        let left = self.balance();
        let initial_as_full = request.amount.is_none() && policy.full_refund == GateFullRefund::InitialAmount;
        let amount = request.amount.unwrap_or(if initial_as_full { self.amount } else { left });
        let performed = amount <= left || initial_as_full || !policy.refund_over_balance_declined;
        if performed {
            self.refunded = self.refunded.saturating_add(amount);
            self.status = if self.refunded >= self.amount || policy.partial_refund_marks_refunded {
                PaymentStatus::Refunded
            } else {
                PaymentStatus::PartiallyRefunded
            };
            self.date = now;
        }
        self.operations.push(Operation {
            id: op.id,
            kind: OperationType::Refund,
            status: if performed { OperationStatus::Success } else { OperationStatus::Decline },
            request_id: op.request_id,
            created_at: now,
            date: now,
            amount,
            currency: self.currency.clone(),
            provider_payment_id: op.provider_payment_id,
            callback_url: request.callback_url.clone(),
            provider_date: Some(now),
            result: Some(if performed { SUCCESS } else { REFUND_OVER_INITIAL }),
        });
        Ok(Notice { operation: self.operations.len() - 1, redirect: false })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: EpochMillis = 1_700_000_000_000;
    const RULES: ProjectRules = ProjectRules { test_mode: true, redirect_timeout_secs: 1800 };

    fn op(n: u64) -> NewOperation {
        NewOperation { id: n, request_id: format!("r{n}"), provider_payment_id: format!("p{n}") }
    }

    fn open(amount: i64) -> Payment {
        let sale = Sale {
            project_id: 35,
            payment_id: "pay-1".into(),
            customer_id: "c".into(),
            account: "account_1".into(),
            amount,
            currency: "RUB".into(),
            description: None,
            callback_url: None,
        };
        let (payment, notice) = Payment::open(sale, op(1), NOW, RULES);
        assert_eq!(notice, Notice { operation: 0, redirect: true });
        payment
    }

    fn paid(amount: i64) -> Payment {
        let mut payment = open(amount);
        assert!(payment.payer_choice(PayerChoice::Success, NOW + 1, &Policy::default()).is_some());
        payment
    }

    fn refund(amount: Option<i64>) -> RefundRequest {
        RefundRequest {
            amount,
            currency: amount.map(|_| "RUB".to_string()),
            description: "r".into(),
            callback_url: None,
        }
    }

    #[test]
    fn the_button_decides_unless_the_test_amount_rule_applies() {
        let clean = Policy::default();
        let mut ok = open(10_000);
        ok.payer_choice(PayerChoice::Success, NOW, &clean);
        assert_eq!((ok.status, ok.operations[0].result), (PaymentStatus::Success, Some(SUCCESS)));
        let mut declined = open(10_000);
        declined.payer_choice(PayerChoice::Decline, NOW, &clean);
        assert_eq!((declined.status, declined.operations[0].result), (PaymentStatus::Decline, Some(GENERAL_DECLINE)));
        for amount in TEST_DECLINE_AMOUNTS {
            let mut payment = open(amount);
            payment.payer_choice(PayerChoice::Success, NOW, &clean);
            assert_eq!(payment.status, PaymentStatus::Decline);
            assert_eq!(payment.operations[0].result, Some(INSUFFICIENT_FUNDS));
            let mut ignored = open(amount);
            ignored.payer_choice(PayerChoice::Success, NOW, &Policy { test_amount_rule: false, ..Policy::default() });
            assert_eq!(ignored.status, PaymentStatus::Success);
        }
        assert!(ok.payer_choice(PayerChoice::Decline, NOW, &clean).is_none(), "a settled sale stays settled");
        assert_eq!(ok.status, PaymentStatus::Success);
    }

    #[test]
    fn an_untouched_sale_declines_after_thirty_minutes() {
        let clean = Policy::default();
        let mut payment = open(10_000);
        assert!(payment.tick(NOW + 1_799_999, &clean).is_none());
        assert_eq!(payment.tick(NOW + 1_800_000, &clean), Some(Notice { operation: 0, redirect: false }));
        assert_eq!((payment.status, payment.operations[0].result), (PaymentStatus::Decline, Some(GENERAL_DECLINE)));
        assert!(payment.tick(NOW + 9_000_000, &clean).is_none(), "declines once");
        let mut never = open(10_000);
        assert!(never.tick(NOW + 9_000_000, &Policy { untouched_sales_decline: false, ..Policy::default() }).is_none());
    }

    #[test]
    fn refunds_lower_the_balance_until_the_payment_is_refunded() {
        let clean = Policy::default();
        let mut payment = paid(10_000);
        let first = payment.refund(&refund(Some(3_000)), op(2), NOW + 2, &clean).expect("refundable");
        assert_eq!(first.operation, 1);
        assert_eq!((payment.status, payment.balance()), (PaymentStatus::PartiallyRefunded, 7_000));
        payment.refund(&refund(None), op(3), NOW + 3, &clean).expect("refundable");
        assert_eq!((payment.status, payment.balance()), (PaymentStatus::Refunded, 0));
        assert_eq!(payment.operations[2].amount, 7_000, "a full refund refunds what is left");
        assert_eq!(payment.refund(&refund(None), op(4), NOW, &clean), Err(RefundRefusal::StatusForbids));
    }

    #[test]
    fn a_refund_over_what_is_left_is_declined_and_changes_nothing() {
        let clean = Policy::default();
        let mut payment = paid(10_000);
        payment.refund(&refund(Some(10_001)), op(2), NOW, &clean).expect("answered by callback");
        assert_eq!((payment.status, payment.balance()), (PaymentStatus::Success, 10_000));
        assert_eq!(payment.operations[1].status, OperationStatus::Decline);
        assert_eq!(payment.operations[1].result, Some(REFUND_OVER_INITIAL));
        let mut faulty = paid(10_000);
        faulty
            .refund(
                &refund(Some(10_001)),
                op(2),
                NOW,
                &Policy { refund_over_balance_declined: false, ..Policy::default() },
            )
            .ok();
        assert_eq!(faulty.status, PaymentStatus::Refunded);
    }

    #[test]
    fn refunds_need_a_paid_payment_and_its_currency() {
        let clean = Policy::default();
        assert_eq!(open(10_000).refund(&refund(None), op(2), NOW, &clean), Err(RefundRefusal::StatusForbids));
        let mut payment = paid(10_000);
        let no_currency =
            RefundRequest { amount: Some(100), currency: None, description: "r".into(), callback_url: None };
        assert_eq!(payment.refund(&no_currency, op(2), NOW, &clean), Err(RefundRefusal::CurrencyMismatch));
        let usd = RefundRequest {
            amount: Some(100),
            currency: Some("USD".into()),
            description: "r".into(),
            callback_url: None,
        };
        assert_eq!(payment.refund(&usd, op(2), NOW, &clean), Err(RefundRefusal::CurrencyMismatch));
        assert_eq!(payment.operations.len(), 1, "a refused refund leaves no operation");
    }

    #[test]
    fn refund_rules_bend_what_they_name() {
        let mut partial = paid(10_000);
        partial
            .refund(
                &refund(Some(1_000)),
                op(2),
                NOW,
                &Policy { partial_refund_marks_refunded: true, ..Policy::default() },
            )
            .ok();
        assert_eq!(partial.status, PaymentStatus::Refunded);
        let policy = Policy { full_refund: GateFullRefund::InitialAmount, ..Policy::default() };
        let mut full = paid(10_000);
        full.refund(&refund(Some(3_000)), op(2), NOW, &policy).ok();
        full.refund(&refund(None), op(3), NOW, &policy).ok();
        assert_eq!((full.operations[2].amount, full.operations[2].status), (10_000, OperationStatus::Success));
    }
}
