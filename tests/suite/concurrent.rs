//! `concurrent:` step groups: a race case passes when the gateway keeps one order consistent under
//! two requests at once and fails when it does not; a malformed group is refused at load time with
//! file:line:column.

use paycheck::gateway::{Fault, FaultSet};
use paycheck::outcome::{Outcome, StepStatus};

use crate::support::{self, assert_refused, check_file, root};

const RACE_CASE: &str = "cases/v1/refund-concurrent-over-balance.yaml";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_refunds_over_the_balance_race_and_exactly_one_must_win() {
    let case = root().join(RACE_CASE);
    let plan = support::plan(support::load(&[case.as_path()]));
    let clean = support::run_against_reference(&plan, FaultSet::default(), 2).await;
    assert_eq!(clean.cases.len(), 2, "router and bank");
    for result in &clean.cases {
        assert_eq!(result.outcome, Outcome::Passed, "{result:#?}");
        let race = &result.steps[2];
        let outcome = race.checks.iter().find(|check| check.subject == "expect_one_of").expect("the outcome check");
        assert!(outcome.passed && outcome.actual.starts_with("outcome "), "{outcome:?}");
    }
    let faulty = support::run_against_reference(&plan, FaultSet::of(&[Fault::RefundOverLimitAccepted]), 2).await;
    for result in &faulty.cases {
        assert_eq!(result.outcome, Outcome::Failed);
        let race = &result.steps[2];
        assert_eq!(race.status, StepStatus::Failed);
        let outcome = race.checks.iter().find(|check| check.subject == "expect_one_of").expect("the outcome check");
        assert!(!outcome.passed, "both refunds made: no outcome of the race holds");
        assert!(outcome.actual.contains("second refund: $.errorCode is \"0\""), "{}", outcome.actual);
        assert!(
            race.checks.iter().any(|check| check.subject == "first refund: status" && check.passed),
            "each request keeps its own checks, named after it"
        );
    }
}

const HEAD: &str = "name: Race\napi: router\nsteps:\n";
const REFUND: &str = "request: { path: refund.do, body: { orderId: x, amount: 1 } }";

#[test]
fn a_malformed_group_is_refused_where_it_is_written() {
    let group = |outcomes: &str| {
        format!(
            "{HEAD}  - name: race\n    concurrent:\n      - {{ name: a, {REFUND} }}\n      - {{ name: b, {REFUND} }}\n{outcomes}"
        )
    };
    let (code, stderr, _, _dir) = check_file(
        "race.yaml",
        &group("    expect_one_of:\n      - [ { status: 200 }, {} ]\n      - [ {}, { status: 200 } ]\n"),
    );
    assert_eq!(code, Some(0), "a well-formed group loads: {stderr}");
    assert_refused(
        &group("    expect_one_of:\n      - [ { status: 200 } ]\n"),
        "this outcome has 1 expectation block, but the group sends 2 requests",
        9,
        9,
    );
    assert_refused(
        &format!("{HEAD}  - concurrent:\n      - {{ {REFUND} }}\n"),
        "a `concurrent` group sends 2 to 8 requests at once, not 1",
        5,
        7,
    );
    assert_refused(
        &format!("{HEAD}  - concurrent:\n      - {{ {REFUND} }}\n      - {{ wait: 1s, {REFUND} }}\n"),
        "a request of a `concurrent` group cannot have `wait`",
        6,
        9,
    );
    assert_refused(
        &format!("{HEAD}  - {REFUND}\n    expect_one_of: [ [ {{}} ] ]\n"),
        "`expect_one_of` lists the outcomes of a race, but the step has no `concurrent`",
        4,
        5,
    );
    assert_refused(
        &format!(
            "{HEAD}  - concurrent:\n      - {{ {REFUND} }}\n      - {{ {REFUND} }}\n    expect: {{ status: 200 }}\n"
        ),
        "a `concurrent` group cannot have `expect`",
        4,
        5,
    );
}
