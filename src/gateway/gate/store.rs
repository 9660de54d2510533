//! The Gate v2 payments of one gateway, by project and payment id. One lock guards them, so
//! every operation on a payment (the time effect included) is atomic: two refunds racing on one
//! payment can never both take the same balance.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::model::{NewOperation, Notice, Payment, ProjectRules, Sale};
use super::policy::Policy;
use crate::gateway::clock::EpochMillis;

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

/// A `payment_id` the project already used (3041).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuplicatePayment;

#[derive(Debug, Default)]
struct Payments {
    by_key: HashMap<(u64, String), Payment>,
    by_token: HashMap<String, (u64, String)>,
}

/// All Gate v2 payments of one gateway.
#[derive(Debug)]
pub struct GateStore {
    inner: Mutex<Payments>,
    next_operation: AtomicU64,
}

impl Default for GateStore {
    fn default() -> Self {
        GateStore { inner: Mutex::default(), next_operation: AtomicU64::new(FIRST_OPERATION_ID) }
    }
}

impl GateStore {
    /// An empty store.
    pub fn new() -> GateStore {
        GateStore::default()
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
    ) -> Result<(Payment, Notice), DuplicatePayment> {
        let mut payments = self.lock();
        let key = (sale.project_id, sale.payment_id.clone());
        if payments.by_key.contains_key(&key) && policy.payment_ids_unique {
            return Err(DuplicatePayment);
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
        let payment = payments.by_key.get_mut(&(project_id, payment_id.to_string()))?;
        Some(touch(payment, now, &policy.payments, f))
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
        Some(touch(payment, now, &policy.payments, f))
    }

    /// Applies what time made due to every payment; returns the payments that changed and why.
    pub fn sweep(&self, now: EpochMillis, policy: &Policy) -> Vec<(Payment, Notice)> {
        let mut payments = self.lock();
        payments
            .by_key
            .values_mut()
            .filter_map(|payment| payment.tick(now, &policy.payments).map(|notice| (payment.clone(), notice)))
            .collect()
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
