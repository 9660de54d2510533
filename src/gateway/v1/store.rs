//! The order store shared by both path families. One lock guards it, so every operation on an
//! order (time effects included) is atomic: concurrent refunds can neither over-refund nor
//! perform a replayed `externalRefundId` twice.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::model::{Event, Order, RefundOutcome, RefundRequest, Rejection};
use super::policy::Policy;
use crate::gateway::clock::EpochMillis;
use crate::gateway::config::StoreLimits;
use crate::gateway::retention::Finished;

/// How a request names an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKey<'a> {
    /// `orderId` / `MDORDER`.
    Id(&'a str),
    /// The merchant's `orderNumber`.
    Number(&'a str),
}

/// How a payer-facing page names an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicHandle<'a> {
    /// `mdOrder` of the payment page.
    OrderId(&'a str),
    /// The bank's id (Alfa Pay).
    GwOrderId(&'a str),
}

/// The result of touching an order: what the closure returned, the events time produced before
/// it ran, and the order as it is afterwards.
#[derive(Debug)]
pub struct Touched<R> {
    /// The closure's result.
    pub result: R,
    /// Events of time effects applied first (expiry, auto dates).
    pub ticked: Vec<Event>,
    /// The order after the operation.
    pub order: Order,
}

/// Why a new order was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertRefused {
    /// The merchant already used the `orderNumber`.
    Duplicate {
        /// Whether money was ever held or taken for the earlier order.
        paid: bool,
    },
    /// The store holds its maximum and none of its orders has finished.
    Full {
        /// The maximum.
        max_entries: usize,
    },
}

#[derive(Debug, Default)]
struct Orders {
    by_id: HashMap<String, Order>,
    finished: Finished<String>,
    by_number: HashMap<(String, String), String>,
    by_gw_id: HashMap<String, String>,
    refund_ids: HashMap<(String, String), String>,
    numbered: u64,
}

/// All orders of one gateway, within its limits.
#[derive(Debug, Default)]
pub struct Store {
    inner: Mutex<Orders>,
    limits: StoreLimits,
}

impl Store {
    /// An empty store that keeps within `limits`.
    pub fn new(limits: StoreLimits) -> Store {
        Store { inner: Mutex::default(), limits }
    }

    /// How many orders it holds.
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    /// Whether it holds no order.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Orders> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A fresh order number for a merchant that lets the gateway number its orders.
    pub fn next_order_number(&self, merchant: &str) -> String {
        let mut orders = self.lock();
        loop {
            orders.numbered += 1;
            let candidate = format!("PC{:010}", orders.numbered);
            if !orders.by_number.contains_key(&(merchant.to_string(), candidate.clone())) {
                return candidate;
            }
        }
    }

    /// Stores a newly registered order, unless the merchant already used its `orderNumber`. When
    /// the store is full, the orders that finished first make room; if none has, it is refused.
    pub fn insert(&self, order: Order, now: EpochMillis, policy: &Policy) -> Result<(), InsertRefused> {
        let mut orders = self.lock();
        let number_key = (order.registration.merchant.clone(), order.registration.order_number.clone());
        if let Some(existing) = orders.by_number.get(&number_key).cloned()
            && policy.order_numbers_unique
            && let Some(earlier) = orders.by_id.get_mut(&existing)
        {
            earlier.tick(now, &policy.state_machine);
            let paid = earlier.state.was_paid();
            orders.note(&existing);
            return Err(InsertRefused::Duplicate { paid });
        }
        if orders.by_id.len() >= self.limits.max_entries {
            orders.make_room(self.limits.max_entries.saturating_sub(1));
            if orders.by_id.len() >= self.limits.max_entries {
                return Err(InsertRefused::Full { max_entries: self.limits.max_entries });
            }
        }
        orders.by_number.insert(number_key, order.registration.id.clone());
        if let Some(gw) = &order.gw_order_id {
            orders.by_gw_id.insert(gw.clone(), order.registration.id.clone());
        }
        orders.by_id.insert(order.registration.id.clone(), order);
        Ok(())
    }

    fn resolve(orders: &Orders, merchant: &str, key: OrderKey<'_>, policy: &Policy) -> Option<String> {
        let foreign_visible = !policy.orders_isolated_by_merchant;
        let id = match key {
            OrderKey::Id(id) => id.to_string(),
            OrderKey::Number(number) => match orders.by_number.get(&(merchant.to_string(), number.to_string())) {
                Some(id) => id.clone(),
                None if foreign_visible => {
                    orders.by_number.iter().find(|((_, n), _)| n == number).map(|(_, id)| id.clone())?
                }
                None => return None,
            },
        };
        let order = orders.by_id.get(&id)?;
        (order.registration.merchant == merchant || foreign_visible).then_some(id)
    }

    /// Runs `f` on the merchant's order named by `key`, after applying what time made due.
    /// `None` if the order does not exist or belongs to another merchant.
    pub fn with_order<R>(
        &self,
        merchant: &str,
        key: OrderKey<'_>,
        now: EpochMillis,
        policy: &Policy,
        f: impl FnOnce(&mut Order) -> R,
    ) -> Option<Touched<R>> {
        let mut orders = self.lock();
        let id = Store::resolve(&orders, merchant, key, policy)?;
        let order = orders.by_id.get_mut(&id)?;
        let ticked = order.tick(now, &policy.state_machine);
        let result = f(order);
        let snapshot = order.clone();
        if let Some(gw) = &snapshot.gw_order_id {
            orders.by_gw_id.insert(gw.clone(), snapshot.registration.id.clone());
        }
        orders.note(&id);
        Some(Touched { result, ticked, order: snapshot })
    }

    /// Runs `f` on an order named by a payer-facing page (no merchant credentials involved): the
    /// payment page names it by `orderId`, the Alfa Pay emulator by the bank's `gwOrderId`.
    pub fn with_public_order<R>(
        &self,
        handle: PublicHandle<'_>,
        now: EpochMillis,
        policy: &Policy,
        f: impl FnOnce(&mut Order) -> R,
    ) -> Option<Touched<R>> {
        let mut orders = self.lock();
        let id = match handle {
            PublicHandle::OrderId(id) => id.to_string(),
            PublicHandle::GwOrderId(gw) => orders.by_gw_id.get(gw)?.clone(),
        };
        let order = orders.by_id.get_mut(&id)?;
        let ticked = order.tick(now, &policy.state_machine);
        let result = f(order);
        let snapshot = order.clone();
        orders.note(&id);
        Some(Touched { result, ticked, order: snapshot })
    }

    /// `refund.do` on the merchant's order: an `externalRefundId` the merchant used on another
    /// order is a conflict (A7, "already exists for merchant"); otherwise the model decides.
    pub fn refund(
        &self,
        merchant: &str,
        key: OrderKey<'_>,
        request: RefundRequest,
        now: EpochMillis,
        policy: &Policy,
    ) -> Option<Touched<Result<RefundOutcome, Rejection>>> {
        let mut orders = self.lock();
        let id = Store::resolve(&orders, merchant, key, policy)?;
        let id_key = request.external_id.as_ref().map(|ext| (merchant.to_string(), ext.clone()));
        let used_elsewhere = id_key.as_ref().and_then(|k| orders.refund_ids.get(k)).is_some_and(|owner| *owner != id);
        let order = orders.by_id.get_mut(&id)?;
        let ticked = order.tick(now, &policy.state_machine);
        let result = if used_elsewhere {
            Err(Rejection::RefundIdConflict)
        } else {
            order.refund(request, now, &policy.state_machine)
        };
        let snapshot = order.clone();
        orders.note(&id);
        if let (Ok(RefundOutcome::Performed(_)), Some(k)) = (&result, id_key) {
            orders.refund_ids.insert(k, id);
        }
        Some(Touched { result, ticked, order: snapshot })
    }

    /// Applies what time made due to every order and removes the orders that finished longer
    /// than the retention ago; returns the orders that changed and why.
    pub fn sweep(&self, now: EpochMillis, policy: &Policy) -> Vec<(Order, Vec<Event>)> {
        let mut orders = self.lock();
        let changed: Vec<(Order, Vec<Event>)> = orders
            .by_id
            .values_mut()
            .filter_map(|order| {
                let events = order.tick(now, &policy.state_machine);
                (!events.is_empty()).then(|| (order.clone(), events))
            })
            .collect();
        for (order, _) in &changed {
            orders.note(&order.registration.id);
        }
        let retention = i64::try_from(self.limits.retention.as_millis()).unwrap_or(i64::MAX);
        orders.remove_finished(|at, _| at.saturating_add(retention) <= now);
        changed
    }
}

impl Orders {
    /// Records the order `id` as finished, if it is.
    fn note(&mut self, id: &str) {
        let at = self.by_id.get(id).and_then(Order::finished_at);
        self.finished.note(&id.to_string(), at);
    }

    /// Removes an order and every index entry that names it.
    fn remove(&mut self, id: &str) {
        let Some(order) = self.by_id.remove(id) else { return };
        self.finished.forget(&id.to_string(), order.finished_at());
        let merchant = &order.registration.merchant;
        let number_key = (merchant.clone(), order.registration.order_number.clone());
        if self.by_number.get(&number_key).is_some_and(|owner| owner == id) {
            self.by_number.remove(&number_key);
        }
        for gw in [&order.gw_order_id, &order.registration.gw_order_id].into_iter().flatten() {
            if self.by_gw_id.get(gw).is_some_and(|owner| owner == id) {
                self.by_gw_id.remove(gw);
            }
        }
        for external in order.refunds.iter().filter_map(|refund| refund.external_id.clone()) {
            let key = (merchant.clone(), external);
            if self.refund_ids.get(&key).is_some_and(|owner| owner == id) {
                self.refund_ids.remove(&key);
            }
        }
    }

    /// Removes finished orders, the earliest finished first, while `due(finished at, orders
    /// held)` holds.
    fn remove_finished(&mut self, due: impl Fn(EpochMillis, usize) -> bool) {
        loop {
            let held = self.by_id.len();
            let by_id = &self.by_id;
            let Some(id) = self.finished.take_due(|at| due(at, held), |id| by_id.get(id).and_then(Order::finished_at))
            else {
                return;
            };
            self.remove(&id);
        }
    }

    /// Removes finished orders, the earliest finished first, until at most `keep` remain (or no
    /// finished order is left).
    fn make_room(&mut self, keep: usize) {
        self.remove_finished(|_, held| held > keep);
    }
}
