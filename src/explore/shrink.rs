//! Shrinking a failing sequence: drop and simplify operations while the discrepancy persists,
//! re-running every candidate against the target on fresh orders.

use super::case_writer::flatten;
use super::compare::Mismatch;
use super::op::{Lookup, Op};
use super::{Executed, Explorer};
use crate::gateway::v1::model::Family;

/// What identifies a discrepancy while shrinking: the kind of operation answered wrongly and
/// where its answer differs.
fn signature(ops: &[Op], at: usize, mismatches: &[Mismatch]) -> (String, String) {
    (
        ops.get(at).map(|op| op.kind().to_string()).unwrap_or_default(),
        mismatches.first().map(|m| m.at.clone()).unwrap_or_default(),
    )
}

/// The smallest sequence found (within `runs` re-runs) that still shows the discrepancy of
/// `ops`' last operation, with that run's mismatches.
pub async fn shrink(
    explorer: &Explorer,
    family: Family,
    merchant: &str,
    ops: Vec<Op>,
    mismatches: Vec<Mismatch>,
    runs: usize,
) -> (Vec<Op>, Vec<Mismatch>) {
    let wanted = signature(&ops, ops.len().saturating_sub(1), &mismatches);
    let mut best = (ops, mismatches);
    let mut left = runs;
    let attempt = async |candidate: Vec<Op>, left: &mut usize| -> Option<(Vec<Op>, Vec<Mismatch>)> {
        if *left == 0 || candidate.is_empty() {
            return None;
        }
        *left -= 1;
        match explorer.execute(family, merchant, &candidate, None).await {
            Ok(Executed::Found { at, mismatches, ran, .. }) if signature(&ran, at, &mismatches) == wanted => {
                Some((ran, mismatches))
            }
            _ => None,
        }
    };
    if best.0.iter().any(|op| matches!(op, Op::Together(_)))
        && let Some(found) = attempt(flatten(&best.0), &mut left).await
    {
        best = found;
    }
    loop {
        let mut shorter = false;
        let mut i = best.0.len();
        while i > 0 && left > 0 {
            i -= 1;
            let mut candidate = best.0.clone();
            candidate.remove(i);
            if let Some(found) = attempt(candidate, &mut left).await {
                best = found;
                shorter = true;
                i = i.min(best.0.len());
            }
        }
        if !shorter || left == 0 {
            break;
        }
    }
    for i in 0..best.0.len() {
        let simpler = match &best.0[i] {
            Op::Status { slot, lookup } if *lookup != Lookup::Extended => {
                Op::Status { slot: *slot, lookup: Lookup::Extended }
            }
            Op::Refund { slot, refund } if refund.items || refund.expected_deposited.is_some() => {
                let mut refund = refund.clone();
                refund.items = false;
                refund.expected_deposited = None;
                Op::Refund { slot: *slot, refund }
            }
            _ => continue,
        };
        let mut candidate = best.0.clone();
        candidate[i] = simpler;
        if let Some(found) = attempt(candidate, &mut left).await {
            best = found;
        }
    }
    best
}
