//! Property tests of the pure order model: random sequences of operations never break the
//! invariants of spec section 3 and decisions A7–A12.
//!
//! Invariants checked after every operation (time effects included):
//! - refunded ≤ deposited ≤ approved (× the merchant's over-capture allowance);
//! - the refunds listed add up to the refunded amount, and no `externalRefundId` is listed twice;
//! - the state only moves along the transitions of spec 3.2 (table written out here, independently
//!   of the model's own);
//! - a rejected operation changes nothing (but the reversal-attempt mark of A12);
//! - a replayed `externalRefundId` never refunds again.
//!
//! The clean model must pass; the same property, run against the model with each state-machine
//! fault switched on, must find a counterexample (proof that the property has teeth).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use paycheck::gateway::faults::{Fault, FaultSet};
use paycheck::gateway::v1::model::{
    Authorization, Family, MerchantRules, Order, OrderState, Policy, RefundOutcome, RefundRequest, Registration,
    ReverseWindow,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

const CASES: u32 = 512;
const MAX_OPS: usize = 30;

#[derive(Debug, Clone)]
enum Op {
    Route,
    Redirect,
    Pay {
        approved: bool,
    },
    Deposit(Option<i64>),
    Reverse(Option<i64>),
    Decline,
    Refund {
        amount: Option<i64>,
        external: Option<u8>,
        expected: Expected,
    },
    Wait(i64),
    /// Repeats the last performed refund that carried an `externalRefundId`, amount included.
    ReplayLast,
}

#[derive(Debug, Clone, Copy)]
enum Expected {
    None,
    Current,
    Stale,
}

#[derive(Debug, Clone)]
struct Scenario {
    family: Family,
    two_phase: bool,
    amount: i64,
    lifetime_secs: i64,
    autocompletion_secs: Option<i64>,
    auto_reverse_secs: Option<i64>,
    rules: MerchantRules,
    ops: Vec<Op>,
}

fn amount_strategy() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(0)),
        1 => (1i64..100).prop_map(Some),
        6 => (100i64..25_000).prop_map(Some),
    ]
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Route),
        1 => Just(Op::Redirect),
        4 => any::<bool>().prop_map(|approved| Op::Pay { approved }),
        3 => amount_strategy().prop_map(Op::Deposit),
        2 => amount_strategy().prop_map(Op::Reverse),
        1 => Just(Op::Decline),
        8 => (
            amount_strategy(),
            proptest::option::of(0u8..4),
            prop_oneof![Just(Expected::None), Just(Expected::Current), Just(Expected::Stale)],
        )
            .prop_map(|(amount, external, expected)| Op::Refund { amount, external, expected }),
        3 => Just(Op::ReplayLast),
        2 => prop_oneof![8 => 0i64..120, 3 => 0i64..4_000, 1 => Just(86_400)].prop_map(Op::Wait),
    ]
}

fn scenario_strategy() -> impl Strategy<Value = Scenario> {
    (
        any::<bool>(),
        any::<bool>(),
        prop_oneof![1i64..200, 100i64..20_000],
        60i64..3_600,
        proptest::option::of(0i64..5_000),
        proptest::option::of(0i64..5_000),
        prop_oneof![Just(0u32), Just(20u32)],
        prop_oneof![Just(ReverseWindow::SameUtcDay), Just(ReverseWindow::Seconds(600)), Just(ReverseWindow::Unlimited)],
        1u32..4,
        prefix_strategy(),
        proptest::collection::vec(op_strategy(), 1..=MAX_OPS),
    )
        .prop_map(|(router, two_phase, amount, lifetime, ac, ar, over, window, attempts, prefix, rest)| {
            let ops: Vec<Op> = prefix.into_iter().chain(rest).take(MAX_OPS).collect();
            Scenario {
                family: if router { Family::Router } else { Family::Bank },
                two_phase,
                amount,
                lifetime_secs: lifetime,
                autocompletion_secs: ac,
                auto_reverse_secs: ar,
                rules: MerchantRules {
                    max_over_capture_percent: over,
                    reverse_window: window,
                    payment_attempts: attempts,
                },
                ops,
            }
        })
}

/// Most sequences start by paying (and capturing), so that refunds and reversals get exercised.
fn prefix_strategy() -> impl Strategy<Value = Vec<Op>> {
    let pay = || vec![Op::Route, Op::Pay { approved: true }];
    prop_oneof![
        2 => Just(Vec::new()),
        3 => Just(pay()),
        4 => Just({
            let mut ops = pay();
            ops.push(Op::Deposit(None));
            ops
        }),
        2 => (100i64..20_000).prop_map(move |a| {
            let mut ops = pay();
            ops.push(Op::Deposit(Some(a)));
            ops
        }),
    ]
}

/// Spec 3.2, written out independently of `OrderState::can_move_to`.
fn allowed(from: OrderState, to: OrderState) -> bool {
    use OrderState::*;
    if from == to {
        return true;
    }
    let next: &[OrderState] = match from {
        Preregistered => &[Created, PendingRedirect, Declined],
        Created => &[PendingAcs, PendingRedirect, Approved, Deposited, Declined],
        PendingAcs | PendingRedirect => &[Created, Approved, Deposited, Declined],
        Approved => &[Deposited, Reversed],
        Deposited => &[Reversed, Refunded],
        Refunded | Reversed | Declined => &[],
    };
    next.contains(&to)
}

#[derive(Default)]
struct Figures {
    cases: AtomicU64,
    ops: AtomicU64,
    rejected: AtomicU64,
    refunds: AtomicU64,
    replays: AtomicU64,
    expiries: AtomicU64,
}

impl Figures {
    fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

const NOON: i64 = 1_735_732_800_000; // 2025-01-01T12:00:00Z

fn check_invariants(order: &Order, rules: &MerchantRules) -> Result<(), TestCaseError> {
    prop_assert!(order.refunded_amount <= order.deposited_amount, "refunded > deposited: {order:?}");
    prop_assert!(
        order.deposited_amount <= rules.capture_limit(order.approved_amount),
        "deposited over the capture limit: {order:?}"
    );
    if rules.max_over_capture_percent == 0 {
        prop_assert!(order.deposited_amount <= order.approved_amount);
    }
    let listed: i64 = order.refunds.iter().map(|r| r.amount).sum();
    prop_assert_eq!(listed, order.refunded_amount);
    let mut ids = HashSet::new();
    for r in &order.refunds {
        if let Some(id) = &r.external_id {
            prop_assert!(ids.insert(id.clone()), "externalRefundId {} performed twice", id);
        }
    }
    match order.state {
        OrderState::Refunded => prop_assert!(order.refunded_amount > 0),
        OrderState::Deposited => prop_assert_eq!(order.refunded_amount, 0),
        _ => {}
    }
    Ok(())
}

fn masked(order: &Order) -> Order {
    let mut o = order.clone();
    o.reversal_attempted = false;
    o
}

fn run(s: &Scenario, policy: &Policy, figures: &Figures) -> Result<(), TestCaseError> {
    Figures::add(&figures.cases);
    let mut now = NOON;
    let reg = Registration {
        id: "order".into(),
        merchant: "m".into(),
        order_number: "n".into(),
        family: s.family,
        two_phase: s.two_phase,
        amount: s.amount,
        currency: "643".into(),
        description: None,
        return_url: "https://m.example/ok".into(),
        fail_url: None,
        client_id: None,
        params: Vec::new(),
        email: None,
        phone: None,
        allowed_payment_ways: Vec::new(),
        callback_url: None,
        expires_at: now + s.lifetime_secs * 1000,
        autocompletion_at: s.autocompletion_secs.map(|x| now + x * 1000),
        auto_reverse_at: s.auto_reverse_secs.map(|x| now + x * 1000),
        bank: (s.family == Family::Bank).then(|| "BANK".into()),
        gw_order_id: (s.family == Family::Bank).then(|| "gw".into()),
    };
    let mut order = Order::register(reg, now, policy);
    let mut replayed_ids: HashSet<u8> = HashSet::new();
    let mut last_with_id: Option<RefundRequest> = None;
    for op in &s.ops {
        Figures::add(&figures.ops);
        now += 1_000;
        let before_tick = order.clone();
        let ticked = order.tick(now, policy);
        prop_assert!(
            allowed(before_tick.state, order.state),
            "tick moved {:?} -> {:?}",
            before_tick.state,
            order.state
        );
        if ticked.iter().any(|e| e.kind == paycheck::gateway::v1::model::EventKind::DeclinedByTimeout) {
            Figures::add(&figures.expiries);
        }
        check_invariants(&order, &s.rules)?;
        let before = order.clone();
        let result: Result<(), ()> = match op {
            Op::Route => order.route("BANK", "gw", policy).map(|_| ()).map_err(|_| ()),
            Op::Redirect => order.start_redirect("ALFA", "gw", "ALFAPAY", policy).map_err(|_| ()),
            Op::Pay { approved } => {
                let auth = Authorization {
                    approved: *approved,
                    action_code: if *approved { 0 } else { -20010 },
                    card: None,
                    payment_way: "CARD".into(),
                };
                order.pay(auth, now, &s.rules, policy).map(|_| ()).map_err(|_| ())
            }
            Op::Deposit(a) => order.deposit(*a, now, &s.rules, policy).map(|_| ()).map_err(|_| ()),
            Op::Reverse(a) => order.reverse(*a, now, &s.rules, policy).map(|_| ()).map_err(|_| ()),
            Op::Decline => order.decline(now, policy).map(|_| ()).map_err(|_| ()),
            Op::Refund { amount, external, expected } => {
                let expected_deposited = match expected {
                    Expected::None => None,
                    Expected::Current => Some(order.refundable()),
                    Expected::Stale => Some(order.refundable() + 1),
                };
                let req = RefundRequest {
                    amount: *amount,
                    external_id: external.map(|e| format!("ext-{e}")),
                    expected_deposited,
                    items: Vec::new(),
                };
                let known = external.is_some_and(|e| replayed_ids.contains(&e));
                let outcome = order.refund(req.clone(), now, policy);
                match &outcome {
                    Ok(RefundOutcome::Performed(_)) => {
                        Figures::add(&figures.refunds);
                        prop_assert!(
                            !matches!(expected, Expected::Stale),
                            "a refund with a stale expectedDepositedAmount was performed"
                        );
                        prop_assert!(!known, "a known externalRefundId refunded again");
                        if let Some(e) = external {
                            replayed_ids.insert(*e);
                            last_with_id = Some(req);
                        }
                    }
                    Ok(RefundOutcome::Replayed) => {
                        Figures::add(&figures.replays);
                        prop_assert!(known);
                        prop_assert_eq!(&order, &before, "a replay changed the order");
                    }
                    Err(_) => {}
                }
                outcome.map(|_| ()).map_err(|_| ())
            }
            Op::Wait(secs) => {
                now += secs * 1000;
                Ok(())
            }
            Op::ReplayLast => match &last_with_id {
                None => Ok(()),
                Some(req) => {
                    let outcome = order.refund(req.clone(), now, policy);
                    prop_assert!(
                        matches!(outcome, Ok(RefundOutcome::Replayed)),
                        "an exact replay was not answered as a replay: {:?}",
                        outcome
                    );
                    Figures::add(&figures.replays);
                    prop_assert_eq!(&order, &before, "a replay changed the order");
                    Ok(())
                }
            },
        };
        if result.is_err() {
            Figures::add(&figures.rejected);
            prop_assert_eq!(masked(&order), masked(&before), "a rejected {:?} changed the order", op);
        }
        prop_assert!(allowed(before.state, order.state), "{:?} moved {:?} -> {:?}", op, before.state, order.state);
        check_invariants(&order, &s.rules)?;
    }
    Ok(())
}

fn runner() -> TestRunner {
    TestRunner::new(Config { cases: CASES, failure_persistence: None, ..Config::default() })
}

/// A reproducible runner with room to hunt: faults must be found on every run.
fn hunting_runner() -> TestRunner {
    let config = Config { cases: 4 * CASES, failure_persistence: None, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

#[test]
fn the_clean_model_keeps_every_invariant() {
    let figures = Figures::default();
    let policy = Policy::default();
    let outcome = runner().run(&scenario_strategy(), |s| run(&s, &policy, &figures));
    println!(
        "model property: {} cases, {} operations tried ({} rejected, {} refunds performed, {} replays answered, {} expiries), counterexamples found: {}",
        figures.cases.load(Ordering::Relaxed),
        figures.ops.load(Ordering::Relaxed),
        figures.rejected.load(Ordering::Relaxed),
        figures.refunds.load(Ordering::Relaxed),
        figures.replays.load(Ordering::Relaxed),
        figures.expiries.load(Ordering::Relaxed),
        u8::from(outcome.is_err()),
    );
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

#[test]
fn the_property_catches_each_state_machine_fault() {
    let breaking = [
        Fault::RefundOverLimitAccepted,
        Fault::RefundRemainingNotTracked,
        Fault::RefundReplayPerformedTwice,
        Fault::ExpectedDepositedIgnored,
        Fault::RefundBeforeCaptureAllowed,
        Fault::PartialRefundKeepsDeposited,
        Fault::OverCaptureAccepted,
        Fault::ReverseAfterRefundAllowed,
        Fault::DeclinePaidOrderAllowed,
        Fault::ExpiredOrderPayable,
    ];
    for fault in breaking {
        let figures = Figures::default();
        let policy = FaultSet::of(&[fault]).v1_policy().state_machine;
        let outcome = hunting_runner().run(&scenario_strategy(), |s| run(&s, &policy, &figures));
        println!(
            "fault {}: counterexample found after {} cases, {} operations",
            fault.name(),
            figures.cases.load(Ordering::Relaxed),
            figures.ops.load(Ordering::Relaxed)
        );
        assert!(outcome.is_err(), "the property did not catch {}", fault.name());
    }
}
