//! Checking each planned case's needs against the target before anything is sent: a merchant
//! role, a merchant's field, a card role or a secret the target lacks, or a callback listener it
//! cannot reach, skips the case with the reason instead of failing it.

use std::collections::BTreeSet;

use crate::suite::case::Case;
use crate::suite::target::Target;

use super::plan::CaseRun;

/// What the run knows beyond the target itself.
#[derive(Debug, Clone, Default)]
pub struct RunFacts {
    /// Merchant roles the target refused at preflight, with why.
    pub refused_roles: Vec<(String, String)>,
    /// Whether the target can reach the runner's callback listener.
    pub callbacks_reachable: bool,
}

/// Marks as skipped every run whose case needs what the target lacks.
pub fn skip_unmet(runs: &mut [CaseRun], target: &Target, facts: &RunFacts) {
    for run in runs.iter_mut().filter(|run| run.skip.is_none()) {
        run.skip = unmet(&run.case, target, facts);
    }
}

/// Why the case cannot run against the target, if it cannot.
pub fn unmet(case: &Case, target: &Target, facts: &RunFacts) -> Option<String> {
    let name = &target.name;
    for (role, field) in &case.needs.merchants {
        let Some(merchant) = target.merchants.get(role) else {
            return Some(format!("target `{name}` has no merchant role `{role}`"));
        };
        if !field.is_empty() && !merchant.fields.contains_key(field) {
            return Some(format!("merchant role `{role}` of target `{name}` has no `{field}`"));
        }
    }
    let roles: BTreeSet<&str> = case.needs.merchant_roles();
    if let Some((role, why)) = facts.refused_roles.iter().find(|(role, _)| roles.contains(role.as_str())) {
        return Some(format!("target `{name}` refuses merchant role `{role}` ({why})"));
    }
    if let Some(card) = case.needs.cards.iter().find(|card| !target.cards.contains_key(*card)) {
        return Some(format!("target `{name}` has no card role `{card}`"));
    }
    if let Some(secret) = case.needs.secrets.iter().find(|secret| !target.secrets.contains_key(*secret)) {
        return Some(format!("target `{name}` has no secret `{secret}`"));
    }
    if case.uses_callbacks && !facts.callbacks_reachable {
        return Some(format!(
            "target `{name}` cannot reach the runner's callback listener on loopback; \
             give --callback-listen and --callback-url to receive its callbacks"
        ));
    }
    None
}

/// True when the target is on this machine (so it reaches a listener on loopback).
pub fn is_local(target: &Target) -> bool {
    let urls = target.root.iter().chain(target.apis.values());
    urls.filter_map(|url| url::Url::parse(url).ok()).all(|url| match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    })
}
