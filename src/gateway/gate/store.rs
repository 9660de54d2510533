//! The Gate v2 payments of one gateway, by project and payment id. One lock guards them, so
//! every operation on a payment (the time effect included) is atomic: two refunds racing on one
//! payment can never both take the same balance.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::model::{NewOperation, Notice, Payment, ProjectRules, Sale};
use super::policy::Policy;
use crate::gateway::clock::EpochMillis;
use crate::gateway::config::StoreLimits;
use crate::gateway::retention::Finished;

/// The first `operation.id` a gateway hands out.
const FIRST_OPERATION_ID: u64 = 1_000;

/// What touching a payment gave: the closure's result, the callback time made due before it
/// ran (an untouched sale declining), and the payment afterwards.
#[derive(Debug)]
pub struct Touched<R> {
    /// The closure's result.
    pub result: R,
    /// The notice of a time effect applied first.
    pub ticked: Option<Notice>,
    /// The payment after the operation.
    pub payment: Payment,
}

/// Why a sale opened no payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenRefused {
    /// The project already used the `payment_id` (3041).
    Duplicate,
    /// The store holds its maximum and none of its payments has finished.
    Full {
        /// The maximum.
        max_entries: usize,
    },
}

type Key = (u64, String);

#[derive(Debug, Default)]
struct Payments {
    by_key: HashMap<Key, Payment>,
    by_token: HashMap<String, Key>,
    finished: Finished<Key>,
}

impl Payments {
    /// Records the payment `key` as finished, if it is.
    fn note(&mut self, key: &Key) {
        let at = self.by_key.get(key).and_then(Payment::finished_at);
        self.finished.note(key, at);
    }

    /// Removes a payment and the emulator page that names it.
    fn remove(&mut self, key: &Key) {
        let Some(payment) = self.by_key.remove(key) else { return };
        self.finished.forget(key, payment.finished_at());
        if let Some(token) = payment.redirect_token()
            && self.by_token.get(token) == Some(key)
        {
            self.by_token.remove(token);
        }
    }

    /// Removes finished payments, the earliest finished first, while `due(finished at,
    /// payments held)` holds.
    fn remove_finished(&mut self, due: impl Fn(EpochMillis, usize) -> bool) {
        loop {
            let held = self.by_key.len();
            let by_key = &self.by_key;
            let Some(key) =
                self.finished.take_due(|at| due(at, held), |key| by_key.get(key).and_then(Payment::finished_at))
            else {
                return;
            };
            self.remove(&key);
        }
    }
}

/// All Gate v2 payments of one gateway, within its limits (finished payments are removed after
/// the retention; a full store makes room by removing the earliest finished ones).
#[derive(Debug)]
pub struct GateStore {
    inner: Mutex<Payments>,
    next_operation: AtomicU64,
    limits: StoreLimits,
}

impl Default for GateStore {
    fn default() -> Self {
        GateStore::new(StoreLimits::default())
    }
}

impl GateStore {
    /// An empty store that keeps within `limits`.
    pub fn new(limits: StoreLimits) -> GateStore {
        GateStore { inner: Mutex::default(), next_operation: AtomicU64::new(FIRST_OPERATION_ID), limits }
    }

    /// How many payments it holds.
    pub fn len(&self) -> usize {
        self.lock().by_key.len()
    }

    /// Whether it holds no payment.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Payments> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Fresh ids for an operation started by the request `request_id`.
    pub fn new_operation(&self, request_id: &str) -> NewOperation {
        NewOperation {
            id: self.next_operation.fetch_add(1, Ordering::Relaxed),
            request_id: request_id.to_string(),
            provider_payment_id: uuid::Uuid::new_v4().simple().to_string()[..24].to_string(),
        }
    }

    /// Opens a payment for an accepted sale, unless the project already used its payment id.
    pub fn open(
        &self,
        sale: Sale,
        op: NewOperation,
        now: EpochMillis,
        rules: ProjectRules,
        policy: &Policy,
    ) -> Result<(Payment, Notice), OpenRefused> {
        let mut payments = self.lock();
        let key = (sale.project_id, sale.payment_id.clone());
        let known = payments.by_key.contains_key(&key);
        if known && policy.payment_ids_unique {
            return Err(OpenRefused::Duplicate);
        }
        let max_entries = self.limits.max_entries;
        if !known {
            payments.remove_finished(|_, held| held >= max_entries);
            if payments.by_key.len() >= max_entries {
                return Err(OpenRefused::Full { max_entries });
            }
        }
        let (payment, notice) = Payment::open(sale, op, now, rules);
        if let Some(token) = payment.redirect_token() {
            payments.by_token.insert(token.to_string(), key.clone());
        }
        payments.by_key.insert(key, payment.clone());
        Ok((payment, notice))
    }

    /// Runs `f` on the project's payment, after applying what time made due; `None` if the
    /// project has no such payment.
    pub fn with_payment<R>(
        &self,
        project_id: u64,
        payment_id: &str,
        now: EpochMillis,
        policy: &Policy,
        f: impl FnOnce(&mut Payment) -> R,
    ) -> Option<Touched<R>> {
        let mut payments = self.lock();
        let key = (project_id, payment_id.to_string());
        let payment = payments.by_key.get_mut(&key)?;
        let touched = touch(payment, now, &policy.payments, f);
        payments.note(&key);
        Some(touched)
    }

    /// Runs `f` on the payment whose emulator page is addressed by `token` (the bank's id of its
    /// sale): the payer's side, where no project credentials are involved.
    pub fn with_token<R>(
        &self,
        token: &str,
        now: EpochMillis,
        policy: &Policy,
        f: impl FnOnce(&mut Payment) -> R,
    ) -> Option<Touched<R>> {
        let mut payments = self.lock();
        let key = payments.by_token.get(token)?.clone();
        let payment = payments.by_key.get_mut(&key)?;
        let touched = touch(payment, now, &policy.payments, f);
        payments.note(&key);
        Some(touched)
    }

    /// Applies what time made due to every payment and removes the payments that finished longer
    /// than the retention ago; returns the payments that changed and why.
    pub fn sweep(&self, now: EpochMillis, policy: &Policy) -> Vec<(Payment, Notice)> {
        let mut payments = self.lock();
        let changed: Vec<(Payment, Notice)> = payments
            .by_key
            .values_mut()
            .filter_map(|payment| payment.tick(now, &policy.payments).map(|notice| (payment.clone(), notice)))
            .collect();
        for (payment, _) in &changed {
            payments.note(&(payment.project_id, payment.id.clone()));
        }
        let retention = i64::try_from(self.limits.retention.as_millis()).unwrap_or(i64::MAX);
        payments.remove_finished(|at, _| at.saturating_add(retention) <= now);
        changed
    }
}

fn touch<R>(
    payment: &mut Payment,
    now: EpochMillis,
    policy: &super::model::Policy,
    f: impl FnOnce(&mut Payment) -> R,
) -> Touched<R> {
    let ticked = payment.tick(now, policy);
    let result = f(payment);
    Touched { result, ticked, payment: payment.clone() }
}
