//! Random operation sequences, chosen from the model's view of each order: what its state makes
//! possible and interesting (amounts at the boundaries, replays, races), with invalid operations
//! in the mix so that their refusal is checked too.

use super::op::{AutoDate, Card, GateCurrency, GateOp, Lookup, Op, Refund, Register};
use super::oracle::World;
use super::rng::Rng;
use crate::gateway::clock::EpochMillis;
use crate::gateway::gate::model::{Payment, PaymentStatus};
use crate::gateway::v1::model::{Family, Order, OrderState};

/// The time the generator imagines (noon UTC): it only steers choices; the oracle predicts each
/// answer again at the target's own time.
const NOMINAL_NOW: EpochMillis = 1_767_268_800_000;

/// Operations per sequence, at most.
pub const MAX_OPS: usize = 14;

/// One sequence: operations on a few orders of one merchant on one path family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequence {
    /// The run's seed.
    pub seed: u64,
    /// The sequence's index in the run.
    pub index: u64,
    /// The path family.
    pub family: Family,
    /// The merchant's role.
    pub merchant: &'static str,
    /// The operations.
    pub ops: Vec<Op>,
}

impl Sequence {
    /// Whether the sequence lets time pass (it then runs alone on the target).
    pub fn waits(&self) -> bool {
        self.ops.iter().any(Op::waits)
    }
}

/// What the generator may use.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    /// The target has a manual clock: time may pass.
    pub time: bool,
    /// The target offers the router family.
    pub router: bool,
    /// The target offers the bank family.
    pub bank: bool,
    /// The target offers Gate v2 (and names its `gate` project).
    pub gate: bool,
    /// v1 orders may ask for callbacks (the listener runs and the main merchant's callback token is known).
    pub callbacks: bool,
    /// Gate v2 payments may ask for callbacks (the listener runs).
    pub gate_callbacks: bool,
}

impl Scope {
    /// Everything: a target with a manual clock, every API, callbacks.
    pub const ALL: Scope =
        Scope { time: true, router: true, bank: true, gate: true, callbacks: true, gate_callbacks: true };
}

/// Sequence `index` of the run seeded with `seed`.
pub fn generate(seed: u64, index: u64, scope: Scope) -> Sequence {
    let mut rng = Rng::for_sequence(seed, index);
    if scope.gate && (rng.chance(20) || !(scope.router || scope.bank)) {
        return generate_gate(seed, index, rng, scope);
    }
    let family = match (scope.router, scope.bank) {
        (true, true) if rng.chance(50) => Family::Bank,
        (false, true) => Family::Bank,
        _ => Family::Router,
    };
    let merchant = match rng.below(10) {
        0 => "overcapture",
        1 => "retry",
        _ => "main",
    };
    let timed = scope.time && rng.chance(20);
    let length = 3 + rng.below((MAX_OPS - 2) as u64) as usize;
    let mut world = World::new(family, merchant, NOMINAL_NOW);
    let callbacks = scope.callbacks && merchant == "main";
    let alfapay = family == Family::Router;
    let mut generator = Generator { rng, timed, numbers: 0, waited: 0, callbacks, alfapay };
    let mut ops = Vec::with_capacity(length);
    let first = generator.register(&world, 0);
    world.apply(&first);
    ops.push(first);
    let mut attempts = 0;
    while ops.len() < length && attempts < 4 * MAX_OPS {
        attempts += 1;
        let Some(op) = generator.next(&world) else { break };
        if world.applicable(&op) {
            apply(&mut world, &op);
            ops.push(op);
        }
    }
    Sequence { seed, index, family, merchant, ops }
}

/// A Gate v2 sequence: sales, the payer's presses, refunds and status requests on a few payments
/// of the `gate` project (and time passing, on a target with a manual clock).
fn generate_gate(seed: u64, index: u64, mut rng: Rng, scope: Scope) -> Sequence {
    let timed = scope.time && rng.chance(25);
    let length = 3 + rng.below((MAX_OPS - 2) as u64) as usize;
    let merchant = super::gate::PROJECT_ROLE;
    let mut world = World::new(Family::Router, merchant, NOMINAL_NOW);
    let mut generator =
        Generator { rng, timed, numbers: 0, waited: 0, callbacks: scope.gate_callbacks, alfapay: false };
    let mut ops = Vec::with_capacity(length);
    let mut attempts = 0;
    while ops.len() < length && attempts < 4 * MAX_OPS {
        attempts += 1;
        let Some(op) = generator.next_gate(&world) else { break };
        if world.applicable(&op) {
            world.apply(&op);
            ops.push(op);
        }
    }
    Sequence { seed, index, family: Family::Router, merchant, ops }
}

/// Applies an operation (operations sent together: in the order listed).
fn apply(world: &mut World, op: &Op) {
    match op {
        Op::Together(ops) => ops.iter().for_each(|op| {
            world.apply(op);
        }),
        op => {
            world.apply(op);
        }
    }
}

struct Generator {
    rng: Rng,
    timed: bool,
    numbers: usize,
    waited: u64,
    callbacks: bool,
    /// Alfa Pay may be used (router sequences).
    alfapay: bool,
}

impl Generator {
    fn register(&mut self, world: &World, slot: usize) -> Op {
        let rng = &mut self.rng;
        let number = match world.slots().last() {
            Some(_) if rng.chance(25) => {
                let used: Vec<usize> = (0..self.numbers)
                    .filter(|n| world.number_owner(*n).is_some_and(|slot| !world.forgettable(slot)))
                    .collect();
                match used.as_slice() {
                    [] => self.fresh_number(),
                    used => *self.rng.pick(used),
                }
            }
            _ => self.fresh_number(),
        };
        let rng = &mut self.rng;
        let two_phase = rng.chance(50);
        let amount = *rng.pick(&[100, 1000, 5000, 10_000, 12_345, 99_900]);
        let lifetime_secs = if self.timed && rng.chance(50) { Some(*rng.pick(&[60, 300, 900])) } else { None };
        let auto = if self.timed && rng.chance(40) {
            let secs = *rng.pick(&[600, 1800]);
            Some(if rng.chance(50) { AutoDate::Completion(secs) } else { AutoDate::Reverse(secs) })
        } else if rng.chance(3) {
            Some(AutoDate::Completion(3600))
        } else {
            None
        };
        let callback = self.callbacks && self.rng.chance(30);
        let register = Register { slot, two_phase, amount, number, lifetime_secs, auto, callback };
        if self.rng.chance(12) {
            let card = self.card();
            return Op::Instant { register: Register { auto: None, ..register }, card };
        }
        Op::Register(register)
    }

    /// The next Gate v2 operation.
    fn next_gate(&mut self, world: &World) -> Option<Op> {
        let gate = world.gate();
        let live: Vec<(usize, Payment)> = gate
            .slots()
            .filter(|slot| !gate.forgettable(*slot, world.now))
            .filter_map(|slot| gate.payment(slot, world.now).map(|p| (slot, p)))
            .collect();
        let next_slot = gate.slots().last().map_or(0, |s| s + 1);
        let roll = self.rng.below(100);
        if live.is_empty() || (roll < 10 && next_slot < 3) {
            return (next_slot < 4).then(|| self.sale(world, next_slot, false));
        }
        if self.timed && roll < 30 {
            return Some(self.gate_wait(world, &live));
        }
        let (slot, payment) = self.rng.pick(&live).clone();
        match self.rng.below(100) {
            0..=2 => return Some(Op::Gate(GateOp::Unknown)),
            3..=22 => return Some(Op::Gate(GateOp::Status { slot })),
            _ => {}
        }
        let press = |rng: &mut Rng| Op::Gate(GateOp::Payer { slot, success: rng.chance(80) });
        let invited = self.rng.chance(85);
        Some(match payment.status {
            PaymentStatus::AwaitingRedirectResult if invited && gate.has_page(slot) => press(&mut self.rng),
            PaymentStatus::Success | PaymentStatus::PartiallyRefunded if invited => self.gate_refund(slot, &payment),
            _ => match self.rng.below(3) {
                0 if gate.has_page(slot) => press(&mut self.rng),
                1 if next_slot < 4 => self.sale(world, next_slot, true),
                _ => self.gate_refund(slot, &payment),
            },
        })
    }

    /// A sale filling `slot`; `duplicate`: with a payment id already used, if any.
    fn sale(&mut self, world: &World, slot: usize, duplicate: bool) -> Op {
        let gate = world.gate();
        let used: Vec<usize> = (0..self.numbers)
            .filter(|n| gate.number_owner(*n).is_some_and(|owner| !gate.forgettable(owner, world.now)))
            .collect();
        let number = if !used.is_empty() && (duplicate || self.rng.chance(15)) {
            *self.rng.pick(&used)
        } else {
            self.fresh_number()
        };
        let amount = *self.rng.pick(&[10_000, 10_000, 40_000, 40_400, 100, 5_000, 12_345]);
        let forged = self.rng.chance(5);
        Op::Gate(GateOp::Sale { slot, number, amount, forged, callback: self.callbacks })
    }

    fn gate_refund(&mut self, slot: usize, payment: &Payment) -> Op {
        let left = payment.balance();
        let choices =
            [None, Some(left), Some(left + 1), Some(left - 1), Some(left / 2), Some(payment.amount), Some(100)];
        let amount = (*self.rng.pick(&choices)).filter(|a| *a >= 1);
        let currency = match self.rng.below(100) {
            0..=4 => GateCurrency::Omitted,
            5..=8 => GateCurrency::Other,
            _ => GateCurrency::Payment,
        };
        let forged = self.rng.chance(4);
        Op::Gate(GateOp::Refund { slot, amount, currency, forged, callback: self.callbacks })
    }

    /// Time passing, aimed just before or after an untouched sale's deadline.
    fn gate_wait(&mut self, world: &World, live: &[(usize, Payment)]) -> Op {
        let awaiting: Vec<EpochMillis> = live
            .iter()
            .filter(|(_, p)| p.status == PaymentStatus::AwaitingRedirectResult)
            .map(|(_, p)| p.redirect_deadline)
            .collect();
        self.wait_around(world.now, &awaiting)
    }

    fn fresh_number(&mut self) -> usize {
        self.numbers += 1;
        self.numbers - 1
    }

    fn next(&mut self, world: &World) -> Option<Op> {
        let live: Vec<(usize, Order)> = world
            .slots()
            .filter(|slot| !world.forgettable(*slot))
            .filter_map(|slot| world.order(slot).map(|order| (slot, order)))
            .collect();
        let next_slot = world.slots().last().map_or(0, |s| s + 1);
        let roll = self.rng.below(100);
        if live.is_empty() || (roll < 8 && next_slot < 3) {
            return (next_slot < 4).then(|| self.register(world, next_slot));
        }
        if self.timed && roll < 30 {
            return Some(self.wait(world, &live));
        }
        let (slot, order) = self.rng.pick(&live).clone();
        match self.rng.below(100) {
            0..=2 => return Some(Op::Unknown { legacy: self.rng.chance(30) }),
            3..=27 => return Some(Op::Status { slot, lookup: self.lookup() }),
            28..=32 if order.state.was_paid() => return Some(self.together(slot, &order)),
            _ => {}
        }
        Some(self.operation(slot, &order))
    }

    fn lookup(&mut self) -> Lookup {
        match self.rng.below(100) {
            0..=54 => Lookup::Extended,
            55..=69 => Lookup::ByNumber,
            70..=81 => Lookup::Legacy,
            82..=89 => Lookup::QueryString,
            90..=94 => Lookup::WrongPassword,
            _ => Lookup::Foreign,
        }
    }

    /// A state-changing operation, mostly one the state invites, sometimes one it refuses.
    fn operation(&mut self, slot: usize, order: &Order) -> Op {
        let choice = self.rng.below(100);
        let invited = choice < 75;
        match order.state {
            OrderState::PendingRedirect if invited && self.rng.chance(85) => {
                Op::AlfaPayer { slot, approve: self.rng.chance(75) }
            }
            OrderState::Preregistered | OrderState::Created | OrderState::PendingAcs | OrderState::PendingRedirect
                if invited =>
            {
                match self.rng.below(100) {
                    0..=14 => Op::Decline { slot },
                    15..=29 if self.alfapay => Op::AlfaPay { slot },
                    _ => Op::Pay { slot, card: self.card() },
                }
            }
            OrderState::Approved if invited => match self.rng.below(10) {
                0..=5 => Op::Deposit { slot, amount: self.deposit_amount(order) },
                6..=8 => Op::Reverse { slot, amount: self.reverse_amount(order) },
                _ => Op::Decline { slot },
            },
            OrderState::Deposited | OrderState::Refunded if invited => match self.rng.below(10) {
                0..=6 => Op::Refund { slot, refund: self.refund(order) },
                7..=8 => Op::Reverse { slot, amount: self.reverse_amount(order) },
                _ => Op::Deposit { slot, amount: self.deposit_amount(order) },
            },
            _ => match self.rng.below(if self.alfapay { 7 } else { 6 }) {
                0 => Op::Pay { slot, card: self.card() },
                6 => Op::AlfaPay { slot },
                1 => Op::Deposit { slot, amount: self.deposit_amount(order) },
                2 => Op::Reverse { slot, amount: self.reverse_amount(order) },
                3 => Op::Decline { slot },
                _ => Op::Refund { slot, refund: self.refund(order) },
            },
        }
    }

    fn card(&mut self) -> Card {
        match self.rng.below(100) {
            0..=52 => Card::Success,
            53..=58 => Card::ThreeDsFrictionless,
            59..=64 => Card::ThreeDsChallenge,
            65..=79 => Card::Decline,
            80..=89 => Card::Expired,
            _ => Card::NotLuhn,
        }
    }

    fn deposit_amount(&mut self, order: &Order) -> Option<i64> {
        let held = order.approved_amount.max(order.registration.amount);
        let choices = [None, Some(0), Some(held), Some(held / 2), Some(held + 1), Some(held * 6 / 5), Some(50)];
        *self.rng.pick(&choices)
    }

    fn reverse_amount(&mut self, order: &Order) -> Option<i64> {
        let amount = order.registration.amount;
        *self.rng.pick(&[None, None, Some(0), Some(amount), Some(amount / 2)])
    }

    fn refund(&mut self, order: &Order) -> Refund {
        let left = order.refundable();
        let whole = order.registration.amount;
        let choices = [
            None,
            Some(0),
            Some(left),
            Some(left + 1),
            Some(left - 1),
            Some(whole),
            Some(50),
            Some(left / 2),
            Some(left / 2),
            Some(order.deposited_amount),
        ];
        let amount = (*self.rng.pick(&choices)).filter(|a| *a >= 0);
        let external_id = self.rng.chance(30).then(|| self.rng.below(2) as u8);
        let expected_deposited = match self.rng.below(10) {
            0 | 1 => Some(left),
            2 => Some(left + 100),
            _ => None,
        };
        let items = amount.is_some_and(|a| a > 0) && self.rng.chance(10);
        Refund { amount, external_id, expected_deposited, items }
    }

    /// Two operations on one paid order at the same moment: a refund and its replay, two refunds
    /// that together exceed the balance, or a refund racing a reversal.
    fn together(&mut self, slot: usize, order: &Order) -> Op {
        let left = order.refundable();
        let refund = |amount: Option<i64>, external_id: Option<u8>| Op::Refund {
            slot,
            refund: Refund { amount, external_id, expected_deposited: None, items: false },
        };
        let half = (left / 2 + 100).max(100);
        let pair = match self.rng.below(3) {
            0 => vec![refund(Some(half), Some(0)), refund(Some(half), Some(0))],
            1 => vec![refund(Some(half), None), refund(Some(half), None)],
            _ => vec![refund(None, None), Op::Reverse { slot, amount: None }],
        };
        Op::Together(pair)
    }

    /// Time passing, aimed just before or after the moments the live orders' fates turn on.
    fn wait(&mut self, world: &World, live: &[(usize, Order)]) -> Op {
        let (_, order) = self.rng.pick(live).clone();
        let reg = &order.registration;
        let mut moments: Vec<EpochMillis> = Vec::new();
        if order.state.is_unpaid() {
            moments.push(reg.expires_at);
        }
        if order.state == OrderState::Approved {
            moments.extend(reg.autocompletion_at);
            moments.extend(reg.auto_reverse_at);
        }
        if order.state.was_paid() && self.rng.chance(40) {
            return Op::Wait { seconds: 86_400 };
        }
        self.wait_around(world.now, &moments)
    }

    /// A wait of 30 s or more that ends 30 s before or after one of the moments (none: 1 to 15
    /// minutes), within what is left of the sequence's 3,000 s of waiting.
    fn wait_around(&mut self, now: EpochMillis, moments: &[EpochMillis]) -> Op {
        let seconds = match moments {
            [] => 60 + self.rng.below(840),
            moments => {
                let at = *self.rng.pick(moments);
                let offset = if self.rng.chance(50) { -30 } else { 30 };
                u64::try_from((at - now) / 1000 + offset).unwrap_or(30).max(30)
            }
        };
        let seconds = seconds.min(3000u64.saturating_sub(self.waited)).max(1);
        self.waited += seconds;
        Op::Wait { seconds }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_clause_the_oracle_names_is_in_the_catalogue() {
        let catalogue = include_str!("../../clauses.yaml");
        let scope = Scope::ALL;
        for index in 0..500 {
            let sequence = generate(3, index, scope);
            let mut world = World::new(sequence.family, sequence.merchant, NOMINAL_NOW);
            for op in super::super::case_writer::flatten(&sequence.ops) {
                if let Some(prediction) = world.apply(&op) {
                    let id = format!("- id: {}\n", prediction.clause);
                    assert!(catalogue.contains(&id), "`{}` (for `{op}`) is not in clauses.yaml", prediction.clause);
                }
            }
        }
    }

    #[test]
    fn the_same_seed_makes_the_same_sequence_and_every_operation_names_a_live_order() {
        let scope = Scope::ALL;
        for index in 0..300 {
            let sequence = generate(42, index, scope);
            assert_eq!(sequence, generate(42, index, scope));
            assert!(sequence.ops.len() <= MAX_OPS);
            let mut world = World::new(sequence.family, sequence.merchant, NOMINAL_NOW);
            for op in &sequence.ops {
                assert!(world.applicable(op), "{op} in sequence {index}");
                apply(&mut world, op);
            }
        }
    }
}
