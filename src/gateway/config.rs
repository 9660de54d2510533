//! The gateway's configuration: merchants, test cards, clock and faults.

use std::time::Duration;

use super::clock::ClockMode;
use super::connections::ConnectionLimits;
use super::faults::FaultSet;
use super::v1::model::{MerchantRules, ReverseWindow};

/// Everything a gateway instance needs; [`GatewayConfig::reference`] is the built-in one.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The merchants (at least two, so isolation can be shown).
    pub merchants: Vec<MerchantConfig>,
    /// The test cards and their behaviour (spec section 4).
    pub cards: Vec<TestCard>,
    /// The Gate v2 projects and their secret keys (spec section 5).
    pub projects: Vec<ProjectConfig>,
    /// Real or manual clock.
    pub clock: ClockMode,
    /// Faults switched on.
    pub faults: FaultSet,
    /// Largest accepted request body; larger bodies get HTTP 413.
    pub body_limit_bytes: usize,
    /// Delivery attempts per callback (the first one included).
    pub callback_attempts: u32,
    /// Delay before the first retry of a callback; doubles at each further retry.
    pub callback_retry_delay: Duration,
    /// Timeout of one callback delivery attempt.
    pub callback_timeout: Duration,
    /// The gateway's public root (`http://host:port`) for `formUrl` and redirect links;
    /// `None`: taken from each request's `Host` header when it is a plain `host[:port]`.
    pub public_url: Option<String>,
    /// The bounds on clients: header-read timeout and connection cap.
    pub connections: ConnectionLimits,
    /// How many orders (v1) and payments (Gate v2) each store keeps, and how long finished ones stay.
    pub orders: StoreLimits,
}

/// What a store keeps: an order (or payment) that reached a final state is removed `retention`
/// after it did; at most `max_entries` are held at once, the oldest finished ones making room for
/// a new one, and a new one is refused (v1 error 7) when none has finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    /// How long a finished order stays readable.
    pub retention: Duration,
    /// The most orders held at once.
    pub max_entries: usize,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits { retention: Duration::from_secs(3600), max_entries: 50_000 }
    }
}

impl GatewayConfig {
    /// The built-in reference configuration, on the real clock with no fault.
    pub fn reference() -> Self {
        GatewayConfig {
            merchants: vec![
                MerchantConfig {
                    callback_token: Some("test_callback_token".into()),
                    auto_dates_allowed: true,
                    order_number_required: false,
                    ..MerchantConfig::new("main", "test_user", "test_user_password")
                },
                MerchantConfig {
                    api_token: Some("second_user_token".into()),
                    ..MerchantConfig::new("second", "second_user", "second_user_password")
                },
                MerchantConfig {
                    max_over_capture_percent: 20,
                    ..MerchantConfig::new("overcapture", "overcapture_user", "overcapture_user_password")
                },
                MerchantConfig {
                    payment_attempts: 3,
                    ..MerchantConfig::new("retry", "retry_user", "retry_user_password")
                },
            ],
            cards: TestCard::reference(),
            projects: ProjectConfig::reference(),
            clock: ClockMode::Real,
            faults: FaultSet::default(),
            body_limit_bytes: 64 * 1024,
            callback_attempts: 4,
            callback_retry_delay: Duration::from_millis(200),
            callback_timeout: Duration::from_secs(5),
            public_url: None,
            connections: ConnectionLimits::default(),
            orders: StoreLimits::default(),
        }
    }

    /// The merchant with this role.
    pub fn merchant(&self, role: &str) -> Option<&MerchantConfig> {
        self.merchants.iter().find(|m| m.role == role)
    }

    /// The Gate v2 project with this role.
    pub fn project(&self, role: &str) -> Option<&ProjectConfig> {
        self.projects.iter().find(|p| p.role == role)
    }

    /// The test card with this role.
    pub fn card(&self, role: &str) -> Option<&TestCard> {
        self.cards.iter().find(|c| c.role == role)
    }
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig::reference()
    }
}

/// One merchant account and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantConfig {
    /// What the merchant is for (`main`, `second`, ...): how cases and the runner name it.
    pub role: String,
    /// `userName`.
    pub user_name: String,
    /// `password`.
    pub password: String,
    /// `token`, accepted instead of userName + password (spec 1.2).
    pub api_token: Option<String>,
    /// Key of the callback checksum (HMAC-SHA256, spec 2.11); `None`: callbacks unsigned.
    pub callback_token: Option<String>,
    /// Callback URL used when an order has no `dynamicCallbackUrl`.
    pub callback_url: Option<String>,
    /// How far a capture may exceed the hold, in percent (spec A10).
    pub max_over_capture_percent: u32,
    /// Whether `autocompletionDate` / `autoReverseDate` are allowed (spec 2.1, "needs permission").
    pub auto_dates_allowed: bool,
    /// The reversal window (spec A12).
    pub reverse_window: ReverseWindow,
    /// Declined payment attempts before an order is DECLINED.
    pub payment_attempts: u32,
    /// Whether `orderNumber` is required; if not, the gateway numbers orders itself (spec 2.1).
    pub order_number_required: bool,
    /// Default lifetime of orders registered on `/v1` (spec A4).
    pub router_session_secs: i64,
    /// Default lifetime of orders registered on `/payment/rest` (spec A4).
    pub bank_session_secs: i64,
    /// ISO 4217 numeric codes the merchant accepts; the first is the default.
    pub currencies: Vec<String>,
}

impl MerchantConfig {
    /// A merchant with the default settings of spec section 8.
    pub fn new(role: &str, user_name: &str, password: &str) -> MerchantConfig {
        MerchantConfig {
            role: role.into(),
            user_name: user_name.into(),
            password: password.into(),
            api_token: None,
            callback_token: None,
            callback_url: None,
            max_over_capture_percent: 0,
            auto_dates_allowed: false,
            reverse_window: ReverseWindow::SameUtcDay,
            payment_attempts: 1,
            order_number_required: true,
            router_session_secs: 1800,
            bank_session_secs: 1200,
            currencies: vec!["643".into(), "840".into(), "978".into()],
        }
    }

    /// The state-machine rules these settings imply.
    pub fn rules(&self) -> MerchantRules {
        MerchantRules {
            max_over_capture_percent: self.max_over_capture_percent,
            reverse_window: self.reverse_window,
            payment_attempts: self.payment_attempts.max(1),
        }
    }

    /// The currency used when a request names none.
    pub fn default_currency(&self) -> &str {
        self.currencies.first().map(String::as_str).unwrap_or("643")
    }
}

/// A Gate v2 project (spec section 5): its id, its secret key, where its callbacks go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectConfig {
    /// What the project is for (`gate`, `gate-second`): how cases and the runner name it.
    pub role: String,
    /// `general.project_id`.
    pub project_id: u64,
    /// The key requests are signed and callbacks are signed with (spec section 6).
    pub secret_key: String,
    /// Where callbacks go when a request names no `general.merchant_callback_url` (SDK-7);
    /// `None`: only to the URL a request names.
    pub callback_url: Option<String>,
    /// Test mode (spec 5.7): RUB only, the amount rule, the emulator's 30-minute limit.
    pub test_mode: bool,
    /// How long a test payment waits for the payer on the emulator page before it declines (A21).
    pub redirect_timeout_secs: i64,
}

impl ProjectConfig {
    /// A test project with the defaults of spec 5.7 and decision A21.
    pub fn new(role: &str, project_id: u64, secret_key: &str) -> ProjectConfig {
        ProjectConfig {
            role: role.into(),
            project_id,
            secret_key: secret_key.into(),
            callback_url: None,
            test_mode: true,
            redirect_timeout_secs: 1800,
        }
    }

    /// The reference projects: `gate` (35, the seed's sale example) and `gate-second` (239, the
    /// seed's refund example), both in test mode.
    pub fn reference() -> Vec<ProjectConfig> {
        vec![
            ProjectConfig::new("gate", 35, "gate_test_secret"),
            ProjectConfig::new("gate-second", 239, "gate_second_secret"),
        ]
    }
}

/// A test card (spec section 4). A card whose role starts with `decline` is declined by the
/// issuer; any other Luhn-valid card is approved, unless its expiry is in the past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCard {
    /// What the card is for (`success`, `decline`, ...).
    pub role: String,
    /// Card number.
    pub pan: String,
    /// `YYYYMM`.
    pub expiry: String,
    /// Three digits.
    pub cvc: String,
    /// Cardholder name.
    pub holder: String,
}

impl TestCard {
    fn new(role: &str, pan: &str, expiry: &str) -> TestCard {
        TestCard {
            role: role.into(),
            pan: pan.into(),
            expiry: expiry.into(),
            cvc: "123".into(),
            holder: "TEST CARDHOLDER".into(),
        }
    }

    /// The cards of the spec's section 4 table, under descriptive roles.
    pub fn reference() -> Vec<TestCard> {
        vec![
            TestCard::new("success", "4444555511113333", "203012"),
            TestCard::new("decline", "5168494895055780", "203012"),
            TestCard::new("success-3ds2-frictionless", "4111111111111111", "203012"),
            TestCard::new("success-3ds2-challenge", "5555555555555599", "203012"),
            TestCard::new("success-3ds2-attempt", "4000001111111118", "203012"),
            TestCard::new("success-3ds", "5000001111111115", "203012"),
            TestCard::new("decline-issuer", "4000001111111126", "203012"),
            TestCard::new("expired", "4444555511113333", "202001"),
            TestCard::new("not-luhn", "4444555511113334", "203012"),
        ]
    }
}
