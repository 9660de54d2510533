//! Preflight: before any case runs, harmless authenticated calls per v1 family in use and per
//! merchant role the run needs, so that a credentials problem is told from a contract failure: a
//! status query for an order that does not exist (`6`: the credentials were accepted), and when
//! that is refused, one without an order reference (credentials are checked first, §7: a refusal
//! of both with `4` or `5` is a refusal of the credentials; anything else means the credentials
//! passed and the target only answers unknown orders its own way). The `main` role refused stops the run
//! (exit code 3, naming the role and where its password comes from); another role refused makes
//! the cases that need it skipped, with the reason (spec 8.2 R6).

use std::collections::BTreeSet;

use crate::engine::credentials::{self, Answer};
use crate::engine::plan::CaseRun;
use crate::secret::Masker;
use crate::suite::api::Api;
use crate::suite::config::{FieldValue, TargetConfig};
use crate::suite::needs::MAIN_ROLE;
use crate::suite::target::Target;

/// What preflight found.
#[derive(Debug, Default)]
pub struct Preflight {
    /// Roles the target refused, with why (never `main`: that stops the run).
    pub refused_roles: Vec<(String, String)>,
    /// Lines for the run's header.
    pub notes: Vec<String>,
}

/// Checks the credentials of every merchant role the planned runs need; `Err` with the message
/// when the target refuses the `main` role.
pub async fn check(
    client: &reqwest::Client,
    target: &Target,
    config: Option<&TargetConfig>,
    runs: &[CaseRun],
    masker: &Masker,
) -> Result<Preflight, String> {
    let active: Vec<&CaseRun> = runs.iter().filter(|run| run.skip.is_none()).collect();
    let families: BTreeSet<Api> =
        active.iter().map(|run| run.api).filter(|api| matches!(api, Api::Router | Api::Bank)).collect();
    let mut roles: BTreeSet<&str> = active.iter().flat_map(|run| run.case.needs.merchant_roles()).collect();
    roles.retain(|role| target.merchants.get(*role).is_some_and(|merchant| merchant.fields.contains_key("user")));
    let mut preflight = Preflight::default();
    let mut checked = 0;
    for role in &roles {
        for &api in &families {
            if target.base_url(api).is_none() {
                continue;
            }
            checked += 1;
            match credentials::check(client, target, role, api).await {
                Answer::Accepted | Answer::Inconclusive => {}
                Answer::Refused(code, message) => {
                    let why = masker.mask(&format!("errorCode {code} on the {api} API: {message}"));
                    if *role == MAIN_ROLE {
                        return Err(refusal(target, config, role, &why));
                    }
                    preflight.refused_roles.push((role.to_string(), why));
                    break;
                }
            }
        }
    }
    if checked > 0 {
        let refused = preflight.refused_roles.len();
        preflight.notes.push(format!(
            "preflight: the credentials of {} merchant role{} checked on {} ({})",
            roles.len(),
            if roles.len() == 1 { "" } else { "s" },
            families.iter().map(|api| api.name()).collect::<Vec<_>>().join(" and "),
            if refused == 0 {
                "all accepted".to_string()
            } else {
                format!("{refused} refused: their cases are skipped")
            }
        ));
    }
    Ok(preflight)
}

/// The message for a refused `main` role: what was refused and where the credentials come from.
fn refusal(target: &Target, config: Option<&TargetConfig>, role: &str, why: &str) -> String {
    let source = config.and_then(|config| config.merchants.get(role)).map(|fields| {
        let describe = |name: &str| match fields.get(name) {
            Some(FieldValue::Env(reference)) => format!("`{name}` from the environment variable {}", reference.env),
            Some(FieldValue::Literal(_)) => format!("`{name}` as written in paycheck.toml"),
            None => format!("no `{name}`"),
        };
        format!("{} and {}", describe("user"), describe("password"))
    });
    let source = source.unwrap_or_else(|| {
        "the reference gateway's public test credentials (a URL target has no others: name the target in \
         paycheck.toml and give `[targets.NAME.merchants.main]`)"
            .to_string()
    });
    format!(
        "target `{}` refused the credentials of merchant role `{role}` ({why}).\n\
         They are {source}.\n\
         This is a credentials problem, not a contract failure: no case was run.",
        target.name
    )
}
