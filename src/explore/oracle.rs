//! The oracle: the reference gateway's pure v1 model under the spec's default policy. Applying
//! an operation to a [`World`] changes it as the spec says and returns what the spec fixes about
//! the answer ([`Prediction`]); everything the spec leaves open (ids, dates, texts) is not
//! predicted.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::gate::{GateAnswer, GateCallback, GateState};
use super::op::{AutoDate, Card, GateOp, Lookup, Op, Refund, Register};
use crate::gateway::clock::EpochMillis;
use crate::gateway::config::{GatewayConfig, MerchantConfig, TestCard};
use crate::gateway::v1::cards::authorize;
use crate::gateway::v1::cards::{ALFAPAY_BANK, ALFAPAY_WAY, alfapay_authorization};
use crate::gateway::v1::model::{
    ACTION_DECLINED_BY_MERCHANT, Event, Family, Order, OrderState, RefundItem, RefundOutcome, RefundRequest,
    Registration, Rejection,
};
use crate::gateway::v1::policy::Policy;
use crate::gateway::v1::{REFERENCE_BANK, bank_status, router_status};

/// What the spec fixes about one answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The business result code: 0 for success.
    pub code: u8,
    /// The clause (of `clauses.yaml`) the answer shows.
    pub clause: &'static str,
    /// The answer's fixed content beyond the code.
    pub view: View,
    /// The callbacks the operation calls for, in the order they are sent.
    pub callbacks: Vec<ExpectedCallback>,
}

/// A callback the model expects an operation to cause.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectedCallback {
    /// A v1 callback (spec 2.11) to the order's `dynamicCallbackUrl`.
    V1 {
        /// The order's slot.
        slot: usize,
        /// `operation`.
        operation: &'static str,
        /// `status` 1 (else 0).
        success: bool,
        /// `amount`.
        amount: i64,
    },
    /// A Gate v2 callback (spec 5.5).
    Gate(GateCallback),
}

impl ExpectedCallback {
    /// The slot of the order or payment it reports.
    pub fn slot(&self) -> usize {
        match self {
            ExpectedCallback::V1 { slot, .. } => *slot,
            ExpectedCallback::Gate(callback) => callback.slot,
        }
    }
}

/// The fixed content of an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum View {
    /// Nothing beyond the code.
    Plain,
    /// A registration: `orderId` and `formUrl` are present, as strings.
    Registered,
    /// The router's `getOrderStatusExtended.do`, as the reference gateway renders the model's order.
    Router(Value),
    /// The bank's `getOrderStatusExtended.do`.
    Bank(Value),
    /// `getOrderStatus.do`.
    Legacy(Value),
    /// A Gate v2 answer.
    Gate(GateAnswer),
    /// `instantPayment.do`: `orderId` is present, as a string.
    Instant,
    /// The wallet envelope of `alfapay/paymentOrder.do` (spec 8 A1): `success` true with `data`
    /// on success (code 0), else `success` false and `error.code` the prediction's code.
    Wallet,
    /// The payer's press on a page: a redirect (HTTP 3xx) back to the merchant.
    Page,
}

impl Prediction {
    fn code(code: u8) -> Prediction {
        Prediction { code, clause: "", view: View::Plain, callbacks: Vec::new() }
    }

    /// The result as coverage counts it.
    pub fn code_label(&self) -> String {
        match &self.view {
            View::Gate(answer) => answer.code_label(),
            _ => self.code.to_string(),
        }
    }

    fn of(result: Result<(), Rejection>) -> Prediction {
        Prediction::code(result.err().map_or(0, |r| r.error_code()))
    }
}

/// One sequence's orders as the model sees them, with the clock of the target.
#[derive(Debug, Clone)]
pub struct World {
    /// The path family every operation of the sequence uses.
    pub family: Family,
    /// The merchant the sequence acts as.
    pub merchant: &'static MerchantConfig,
    /// The target's time, as far as the model knows it.
    pub now: EpochMillis,
    orders: BTreeMap<usize, Order>,
    numbers: BTreeMap<usize, usize>,
    refund_ids: BTreeMap<u8, usize>,
    cards: &'static [TestCard],
    policy: Policy,
    gate: GateState,
    events: Vec<(usize, Event)>,
}

/// The reference gateway's configuration: its merchants' settings and its test cards.
fn reference() -> &'static GatewayConfig {
    static REFERENCE: std::sync::LazyLock<GatewayConfig> = std::sync::LazyLock::new(GatewayConfig::reference);
    &REFERENCE
}

impl World {
    /// An empty world: `merchant` (a reference merchant role) on `family`, at `now`.
    pub fn new(family: Family, merchant_role: &str, now: EpochMillis) -> World {
        static MAIN: std::sync::LazyLock<MerchantConfig> =
            std::sync::LazyLock::new(|| MerchantConfig::new("main", "test_user", "test_user_password"));
        let config = reference();
        let merchant = config.merchant(merchant_role).or_else(|| config.merchant("main")).unwrap_or(&MAIN);
        World {
            family,
            merchant,
            now,
            orders: BTreeMap::new(),
            numbers: BTreeMap::new(),
            refund_ids: BTreeMap::new(),
            cards: &config.cards,
            policy: Policy::default(),
            gate: GateState::default(),
            events: Vec::new(),
        }
    }

    /// The order in `slot`, as it is now (time effects applied).
    pub fn order(&self, slot: usize) -> Option<Order> {
        let mut order = self.orders.get(&slot)?.clone();
        order.tick(self.now, &self.policy.state_machine);
        Some(order)
    }

    /// The slots holding an order, in order.
    pub fn slots(&self) -> impl Iterator<Item = usize> + '_ {
        self.orders.keys().copied()
    }

    /// The sequence's Gate v2 payments.
    pub fn gate(&self) -> &GateState {
        &self.gate
    }

    /// The slot that registered order number `number`, if any.
    pub fn number_owner(&self, number: usize) -> Option<usize> {
        self.numbers.get(&number).copied()
    }

    /// Whether `op` can be sent and predicted: every order it names exists (a sequence shrunk by
    /// dropping a registration may name an order that was never made) and has not finished so
    /// long ago that the target may have forgotten it (spec 8.2 leaves retention open).
    pub fn applicable(&self, op: &Op) -> bool {
        if self.awaits_acs(op) {
            return false;
        }
        match op {
            Op::AlfaPayer { slot, .. } => {
                self.orders.get(slot).is_some_and(|o| o.payment_way.as_deref() == Some(ALFAPAY_WAY))
                    && !self.forgettable(*slot)
            }
            Op::Register(r) | Op::Instant { register: r, .. } => {
                !self.orders.contains_key(&r.slot) && self.number_owner(r.number).is_none_or(|o| !self.forgettable(o))
            }
            Op::Together(ops) => ops.iter().all(|op| self.applicable(op)),
            Op::Gate(GateOp::Sale { slot, number, .. }) => {
                !self.gate.has(*slot)
                    && self.gate.number_owner(*number).is_none_or(|o| !self.gate.forgettable(o, self.now))
            }
            Op::Gate(GateOp::Payer { slot, .. }) => {
                self.gate.has_page(*slot) && !self.gate.forgettable(*slot, self.now)
            }
            Op::Gate(GateOp::Unknown) => true,
            Op::Gate(op) => op.slot().is_some_and(|slot| self.gate.has(slot) && !self.gate.forgettable(slot, self.now)),
            Op::Refund { slot, refund } => {
                let owner = refund.external_id.and_then(|id| self.refund_ids.get(&id));
                self.orders.contains_key(slot)
                    && !self.forgettable(*slot)
                    && owner.is_none_or(|o| !self.forgettable(*o))
            }
            other => other.slots().iter().all(|slot| self.orders.contains_key(slot) && !self.forgettable(*slot)),
        }
    }

    /// Applies `op` and predicts its answer (`None` for a wait, which has none).
    pub fn apply(&mut self, op: &Op) -> Option<Prediction> {
        if let Op::Gate(gate) = op {
            let before = gate.slot().and_then(|slot| self.gate.payment(slot, self.now));
            let (answer, callbacks) = self.gate.apply(gate, self.now);
            let code = u8::from(matches!(answer, GateAnswer::Error(_)));
            return Some(Prediction {
                code,
                clause: super::clauses::gate_clause(gate, before.as_ref(), &answer),
                view: View::Gate(answer),
                callbacks: callbacks.into_iter().map(ExpectedCallback::Gate).collect(),
            });
        }
        let before = op.slots().first().and_then(|slot| self.order(*slot));
        self.events.clear();
        let mut prediction = self.predict(op)?;
        prediction.clause = super::clauses::clause(op, before.as_ref(), prediction.code);
        prediction.callbacks = std::mem::take(&mut self.events)
            .into_iter()
            .filter(|(slot, _)| self.orders.get(slot).is_some_and(|o| o.registration.callback_url.is_some()))
            .map(|(slot, event)| ExpectedCallback::V1 {
                slot,
                operation: event.kind.operation(),
                success: event.success,
                amount: event.amount,
            })
            .collect();
        Some(prediction)
    }

    /// Applies time effects to the order in `slot` in place, noting the events they cause.
    fn tick(&mut self, slot: usize) {
        let (now, sm) = (self.now, &self.policy.state_machine);
        if let Some(order) = self.orders.get_mut(&slot) {
            let events = order.tick(now, sm);
            self.events.extend(events.into_iter().map(|e| (slot, e)));
        }
    }

    fn predict(&mut self, op: &Op) -> Option<Prediction> {
        let sm = self.policy.state_machine.clone();
        let (now, rules) = (self.now, self.merchant.rules());
        Some(match op {
            Op::Register(r) => self.register(r),
            Op::Pay { card: Card::NotLuhn, .. } if self.policy.luhn_checked => Prediction::code(5),
            Op::Pay { slot, card } => self.pay(*slot, *card)?,
            Op::Instant { card: Card::NotLuhn, .. } if self.policy.luhn_checked => Prediction::code(5),
            Op::Instant { register, card } => {
                let registered = self.register(register);
                let code = match registered.code {
                    0 => self.pay(register.slot, *card)?.code,
                    refused => refused,
                };
                let view = if code == 0 { View::Instant } else { View::Plain };
                Prediction { view, ..Prediction::code(code) }
            }
            Op::AlfaPay { slot } => {
                let started = self.touch(*slot, |order| {
                    order.start_redirect(ALFAPAY_BANK, "gw", ALFAPAY_WAY, &sm).map(|()| Vec::new())
                });
                Prediction { view: View::Wallet, ..started }
            }
            Op::AlfaPayer { slot, approve } => {
                self.touch(*slot, |order| {
                    if order.state != OrderState::PendingRedirect {
                        return Ok(Vec::new());
                    }
                    Ok(order.pay(alfapay_authorization(*approve), now, &rules, &sm).unwrap_or_default())
                });
                Prediction { view: View::Page, ..Prediction::code(0) }
            }
            Op::Deposit { slot, amount } => self.touch(*slot, |o| o.deposit(*amount, now, &rules, &sm)),
            Op::Reverse { slot, amount } => self.touch(*slot, |o| o.reverse(*amount, now, &rules, &sm)),
            Op::Decline { slot } => self.touch(*slot, |o| o.decline(now, &sm)),
            Op::Refund { slot, refund } => self.refund(*slot, refund),
            Op::Status { lookup: Lookup::WrongPassword, .. } => Prediction::code(5),
            Op::Status { lookup: Lookup::Foreign, .. } | Op::Unknown { .. } => Prediction::code(6),
            Op::Status { slot, lookup } => {
                let order = self.touched(*slot)?;
                let view = match (lookup, self.family) {
                    (Lookup::Legacy, _) => View::Legacy(legacy_status(&order, self.family)),
                    (_, Family::Router) => View::Router(router_status(&order)),
                    (_, Family::Bank) => View::Bank(bank_status(&order)),
                };
                let code = match &view {
                    View::Legacy(body) => body["ErrorCode"].as_str().and_then(|c| c.parse().ok()).unwrap_or(0),
                    _ => 0,
                };
                Prediction { code, clause: "", view, callbacks: Vec::new() }
            }
            Op::Wait { seconds } => {
                self.now = self.now.saturating_add(i64::try_from(*seconds).unwrap_or(i64::MAX / 1000) * 1000);
                return None;
            }
            Op::Together(_) | Op::Gate(_) => return None,
        })
    }

    /// Pays the order in `slot` with the test card `card`, as `paymentorder.do` does.
    fn pay(&mut self, slot: usize, card: Card) -> Option<Prediction> {
        let (now, rules, sm) = (self.now, self.merchant.rules(), self.policy.state_machine.clone());
        let role = card.role();
        let card = self.cards.iter().find(|c| c.role == role)?;
        let input = crate::gateway::v1::cards::CardInput {
            pan: card.pan.clone(),
            expiry: card.expiry.clone(),
            holder: card.holder.clone(),
        };
        let decline_cards = self.policy.decline_cards_decline;
        let cards = self.cards;
        Some(self.touch(slot, |order| {
            order.route(REFERENCE_BANK, "gw", &sm)?;
            order.pay(authorize(&input, cards, now, decline_cards), now, &rules, &sm)
        }))
    }

    /// Whether `op` is a payment with a card the spec lets a gateway challenge (spec 4: "may go
    /// through an emulated ACS step"), so that its answer may be a 3-D Secure step.
    pub fn may_challenge(op: &Op) -> bool {
        matches!(op, Op::Pay { card: Card::ThreeDsChallenge, .. } | Op::Instant { card: Card::ThreeDsChallenge, .. })
    }

    /// The target answered `op` (a payment with a challenge card, already applied) with a 3-D
    /// Secure step (`acsUrl`, or `is3DSVer2`) instead of a direct outcome: the order, as it was
    /// before (`before`, the world then), waits on its ACS step: PENDING, orderStatus 5 (spec 3.2,
    /// 8 A14), until its lifetime ends (then DECLINED, -2007, as any unpaid order: spec 3.3). How
    /// the step completes is not in the spec, so the explorer sends nothing else to that order
    /// but status requests ([`World::applicable`]).
    pub fn enter_acs(&mut self, before: World, op: &Op) {
        let slot = op.slots().first().copied().unwrap_or_default();
        *self = before;
        self.events.clear();
        if let Op::Instant { register, .. } = op {
            self.register(register);
        }
        let sm = self.policy.state_machine.clone();
        self.tick(slot);
        if let Some(order) = self.orders.get_mut(&slot)
            && order.route(REFERENCE_BANK, "gw", &sm).is_ok()
        {
            order.state = OrderState::PendingAcs;
        }
    }

    /// Whether `op` touches an order waiting on its ACS step with anything but a status request.
    fn awaits_acs(&self, op: &Op) -> bool {
        match op {
            Op::Status { .. } | Op::Wait { .. } | Op::Unknown { .. } | Op::Gate(_) => false,
            Op::Together(ops) => ops.iter().any(|op| self.awaits_acs(op)),
            Op::Register(_) | Op::Instant { .. } => false,
            op => op.slots().iter().any(|slot| self.order(*slot).is_some_and(|o| o.state == OrderState::PendingAcs)),
        }
    }

    fn touched(&mut self, slot: usize) -> Option<Order> {
        self.tick(slot);
        self.orders.get(&slot).cloned()
    }

    /// Runs `f` on the order in `slot` after time effects, in place, as the store does.
    fn touch(&mut self, slot: usize, f: impl FnOnce(&mut Order) -> Result<Vec<Event>, Rejection>) -> Prediction {
        self.tick(slot);
        let Some(order) = self.orders.get_mut(&slot) else { return Prediction::code(6) };
        match f(order) {
            Err(Rejection::SessionExpired) => Prediction::code(7),
            Ok(events) => {
                self.events.extend(events.into_iter().map(|e| (slot, e)));
                Prediction::code(0)
            }
            Err(other) => Prediction::of(Err(other)),
        }
    }

    fn register(&mut self, r: &Register) -> Prediction {
        if r.auto.is_some() {
            if !r.two_phase {
                return Prediction::code(5);
            }
            if !self.merchant.auto_dates_allowed {
                return Prediction::code(13);
            }
        }
        if let Some(owner) = self.numbers.get(&r.number).copied() {
            self.tick(owner);
            return Prediction::code(1);
        }
        let default_lifetime = match self.family {
            Family::Router => self.merchant.router_session_secs,
            Family::Bank => self.merchant.bank_session_secs,
        };
        let (autocompletion_at, auto_reverse_at) = match r.auto {
            Some(AutoDate::Completion(secs)) => (Some(auto_date(self.now, secs)), None),
            Some(AutoDate::Reverse(secs)) => (None, Some(auto_date(self.now, secs))),
            None => (None, None),
        };
        let (bank, gw_order_id) = match self.family {
            Family::Router => (None, None),
            Family::Bank => (Some(REFERENCE_BANK.to_string()), Some("gw".to_string())),
        };
        let registration = Registration {
            id: format!("o{}", r.slot),
            merchant: self.merchant.user_name.clone(),
            order_number: format!("n{}", r.number),
            family: self.family,
            two_phase: r.two_phase,
            amount: r.amount,
            currency: self.merchant.default_currency().to_string(),
            description: None,
            return_url: RETURN_URL.to_string(),
            fail_url: None,
            client_id: None,
            params: Vec::new(),
            email: None,
            phone: None,
            allowed_payment_ways: Vec::new(),
            callback_url: r.callback.then(|| super::gate::LISTENER.to_string()),
            expires_at: self.now.saturating_add(r.lifetime_secs.unwrap_or(default_lifetime).saturating_mul(1000)),
            autocompletion_at,
            auto_reverse_at,
            bank,
            gw_order_id,
        };
        let order = Order::register(registration, self.now, &self.policy.state_machine);
        self.orders.insert(r.slot, order);
        self.numbers.insert(r.number, r.slot);
        Prediction { code: 0, clause: "", view: View::Registered, callbacks: Vec::new() }
    }

    fn refund(&mut self, slot: usize, refund: &Refund) -> Prediction {
        if let Some(id) = refund.external_id
            && self.refund_ids.get(&id).is_some_and(|owner| *owner != slot)
        {
            self.tick(slot);
            return Prediction::code(Rejection::RefundIdConflict.error_code());
        }
        let items = match (refund.items, refund.amount) {
            (true, Some(amount)) => vec![RefundItem { position_id: "1".into(), amount }],
            _ => Vec::new(),
        };
        let request = RefundRequest {
            amount: refund.amount,
            external_id: refund.external_id.map(|id| format!("r{id}")),
            expected_deposited: refund.expected_deposited,
            items,
        };
        let (now, sm) = (self.now, self.policy.state_machine.clone());
        self.tick(slot);
        let Some(order) = self.orders.get_mut(&slot) else { return Prediction::code(6) };
        match order.refund(request, now, &sm) {
            Ok(outcome) => {
                if let RefundOutcome::Performed(events) = outcome {
                    self.events.extend(events.into_iter().map(|e| (slot, e)));
                    if let Some(id) = refund.external_id {
                        self.refund_ids.insert(id, slot);
                    }
                }
                Prediction::code(0)
            }
            Err(rejection) => Prediction::code(rejection.error_code()),
        }
    }
}

const DAY_MS: i64 = 86_400_000;

impl World {
    /// The seconds a wait of `seconds` should last so that the clock does not land within a few
    /// seconds of a moment the model's answer turns on (an expiry, an auto date, midnight): the
    /// target's clock runs a little ahead of the model's while requests travel.
    pub fn safe_wait(&self, seconds: u64) -> u64 {
        const MARGIN_MS: i64 = 10_000;
        let mut deadlines: Vec<EpochMillis> = self
            .orders
            .values()
            .flat_map(|o| {
                [Some(o.registration.expires_at), o.registration.autocompletion_at, o.registration.auto_reverse_at]
            })
            .flatten()
            .chain(self.gate.deadlines())
            .collect();
        let mut seconds = seconds;
        for _ in 0..8 {
            let landing = self.now.saturating_add(i64::try_from(seconds).unwrap_or(0) * 1000);
            deadlines.push(landing.div_euclid(DAY_MS) * DAY_MS);
            deadlines.push((landing.div_euclid(DAY_MS) + 1) * DAY_MS);
            if deadlines.iter().all(|d| (landing - d).abs() > MARGIN_MS) {
                return seconds;
            }
            seconds += 2 * (MARGIN_MS as u64) / 1000;
        }
        seconds
    }

    /// Whether the order in `slot` finished so long ago that the target may have forgotten it
    /// (finished orders are kept an hour).
    pub fn forgettable(&self, slot: usize) -> bool {
        if !self.orders.contains_key(&slot) {
            return self.gate.forgettable(slot, self.now);
        }
        self.orders
            .get(&slot)
            .and_then(|o| {
                let mut o = o.clone();
                o.tick(self.now, &self.policy.state_machine);
                o.finished_at()
            })
            .is_some_and(|at| self.now - at > 50 * 60_000)
    }
}

/// `returnUrl` of every registration.
pub const RETURN_URL: &str = "https://merchant.example/ok";

/// The auto date `secs` after `now`, to the second (as the request's `yyyy-MM-ddTHH:mm:ss` says it).
pub fn auto_date(now: EpochMillis, secs: i64) -> EpochMillis {
    now.saturating_add(secs.saturating_mul(1000)).div_euclid(1000) * 1000
}

/// The fixed fields of `getOrderStatus.do`.
fn legacy_status(order: &Order, family: Family) -> Value {
    let status = match (family, order.state) {
        (Family::Bank, OrderState::Preregistered) => OrderState::Created.order_status(),
        (_, s) => s.order_status(),
    };
    let issuer_declined = order.state == OrderState::Declined
        && order.card.is_some()
        && !order.timed_out
        && order.action_code != Some(ACTION_DECLINED_BY_MERCHANT);
    json!({
        "ErrorCode": if issuer_declined { "2" } else { "0" },
        "OrderStatus": status,
        "Amount": order.registration.amount,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register(slot: usize, two_phase: bool, number: usize) -> Op {
        Op::Register(Register {
            slot,
            two_phase,
            amount: 10_000,
            number,
            lifetime_secs: None,
            auto: None,
            callback: false,
        })
    }

    #[test]
    fn a_partial_refund_then_one_over_the_rest_is_refused() {
        let mut world = World::new(Family::Router, "main", 1_700_000_000_000);
        assert_eq!(world.apply(&register(0, false, 0)).map(|p| p.code), Some(0));
        assert_eq!(world.apply(&Op::Pay { slot: 0, card: Card::Success }).map(|p| p.code), Some(0));
        let refund = |amount| Op::Refund {
            slot: 0,
            refund: Refund { amount: Some(amount), external_id: None, expected_deposited: None, items: false },
        };
        assert_eq!(world.apply(&refund(4000)).map(|p| p.code), Some(0));
        assert_eq!(world.apply(&refund(6001)).map(|p| p.code), Some(7));
        assert_eq!(world.order(0).map(|o| o.state), Some(OrderState::Refunded));
    }

    fn status(world: &mut World, slot: usize) -> Value {
        match world.apply(&Op::Status { slot, lookup: Lookup::Extended }).map(|p| p.view) {
            Some(View::Router(body)) => body,
            other => panic!("a router status, not {other:?}"),
        }
    }

    #[test]
    fn an_order_left_on_its_acs_step_is_pending_until_its_lifetime_ends() {
        let mut world = World::new(Family::Router, "main", 1_700_000_000_000);
        world.apply(&register(0, false, 0));
        let pay = Op::Pay { slot: 0, card: Card::ThreeDsChallenge };
        assert!(World::may_challenge(&pay));
        let before = world.clone();
        assert_eq!(world.apply(&pay).map(|p| p.code), Some(0));
        assert_eq!(status(&mut world.clone(), 0)["state"], "DEPOSITED", "no ACS step: paid at once");
        world.enter_acs(before, &pay);
        let pending = status(&mut world, 0);
        assert_eq!(
            (pending["state"].clone(), pending["orderStatusResultModel"]["orderStatus"].clone()),
            (json!("PENDING"), json!(5))
        );
        let refund = Op::Refund {
            slot: 0,
            refund: Refund { amount: None, external_id: None, expected_deposited: None, items: false },
        };
        assert!(!world.applicable(&refund), "how an ACS step completes is not in the spec: nothing but status");
        world.apply(&Op::Wait { seconds: 1801 });
        let expired = status(&mut world, 0);
        assert_eq!(expired["state"], "DECLINED");
        assert_eq!(expired["orderStatusResultModel"]["actionCode"], -2007);
    }

    #[test]
    fn alfa_pay_leaves_the_order_pending_until_the_payer_answers() {
        let mut world = World::new(Family::Router, "main", 1_700_000_000_000);
        world.apply(&register(0, false, 0));
        assert!(!world.applicable(&Op::AlfaPayer { slot: 0, approve: true }), "no page before alfapay");
        let started = world.apply(&Op::AlfaPay { slot: 0 });
        assert_eq!(started.map(|p| (p.code, p.view)), Some((0, View::Wallet)));
        assert_eq!(status(&mut world, 0)["orderStatusResultModel"]["orderStatus"], 7);
        assert_eq!(world.apply(&Op::AlfaPayer { slot: 0, approve: true }).map(|p| p.view), Some(View::Page));
        assert_eq!(status(&mut world, 0)["state"], "DEPOSITED");
        assert_eq!(
            world.apply(&Op::AlfaPay { slot: 0 }).map(|p| p.code),
            Some(7),
            "a paid order is not handed over again"
        );
    }

    #[test]
    fn instant_payment_registers_and_pays_in_one_call() {
        let mut world = World::new(Family::Bank, "main", 1_700_000_000_000);
        let Op::Register(r) = register(0, true, 0) else { unreachable!() };
        let instant = |card| Op::Instant { register: r.clone(), card };
        assert_eq!(world.apply(&instant(Card::NotLuhn)).map(|p| p.code), Some(5));
        assert!(world.order(0).is_none(), "a refused instant payment makes no order");
        assert_eq!(world.apply(&instant(Card::Success)).map(|p| (p.code, p.view)), Some((0, View::Instant)));
        assert_eq!(world.order(0).map(|o| o.state), Some(OrderState::Approved));
        let again = Op::Instant { register: Register { slot: 1, ..r.clone() }, card: Card::Success };
        assert_eq!(world.apply(&again).map(|p| p.code), Some(1));
    }

    #[test]
    fn a_duplicate_number_and_a_stranger_are_refused() {
        let mut world = World::new(Family::Bank, "main", 1_700_000_000_000);
        world.apply(&register(0, true, 0));
        assert_eq!(world.apply(&register(1, true, 0)).map(|p| p.code), Some(1));
        assert!(!world.applicable(&Op::Decline { slot: 1 }));
        assert_eq!(world.apply(&Op::Status { slot: 0, lookup: Lookup::Foreign }).map(|p| p.code), Some(6));
    }
}
