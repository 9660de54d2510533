//! Whether a target accepts a merchant's credentials, told without creating anything: a status
//! query for an order that does not exist (`6`: accepted), and when that is refused, one without
//! an order reference (credentials are checked first, spec 7: `4` or `5` to both is a refusal of
//! the credentials). `paycheck run`'s preflight and `paycheck explore` both ask this way.

use std::time::Duration;

use serde_json::{Value, json};

use crate::suite::api::Api;
use crate::suite::target::Target;

/// How long one call may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What the target said to a merchant's credentials.
#[derive(Debug)]
pub enum Answer {
    /// Accepted (an unknown order is `6`, or a query without order reference got past the credentials).
    Accepted,
    /// Refused: the `errorCode` (`4` or `5`) and the message (at most 200 characters).
    Refused(String, String),
    /// No usable answer (no such family, a transport failure, a body that is not JSON).
    Inconclusive,
}

/// A status query for a fresh order id, then (if refused) one without an order reference.
pub async fn check(client: &reqwest::Client, target: &Target, role: &str, api: Api) -> Answer {
    let Some(base) = target.base_url(api) else { return Answer::Inconclusive };
    match status_query(client, target, role, api, base, true).await {
        Answer::Refused(code, message) => match status_query(client, target, role, api, base, false).await {
            Answer::Refused(..) => Answer::Refused(code, message),
            _ => Answer::Accepted,
        },
        other => other,
    }
}

/// One status query: `6` (not found) means the credentials were accepted, `4` or `5` that they
/// were refused (or the order reference was); without `with_order`, any other code means accepted.
async fn status_query(
    client: &reqwest::Client,
    target: &Target,
    role: &str,
    api: Api,
    base: &str,
    with_order: bool,
) -> Answer {
    let Some(merchant) = target.merchants.get(role) else { return Answer::Inconclusive };
    let field = |name: &str| merchant.fields.get(name).cloned().unwrap_or_default();
    let mut body = json!({ "userName": field("user"), "password": field("password") });
    if with_order {
        body["orderId"] = json!(uuid::Uuid::new_v4().to_string());
    }
    let url = format!("{base}/getOrderStatusExtended.do");
    let request = match api {
        Api::Bank => client.post(url).form(&body),
        _ => client.post(url).json(&body),
    };
    let Ok(response) = request.timeout(TIMEOUT).send().await else { return Answer::Inconclusive };
    let Ok(answer) = response.json::<Value>().await else { return Answer::Inconclusive };
    let code = ["errorCode", "ErrorCode"].iter().find_map(|key| answer.get(*key)).map(|code| match code {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    });
    let message = ["errorMessage", "ErrorMessage"]
        .iter()
        .find_map(|key| answer.get(*key).and_then(Value::as_str))
        .unwrap_or("")
        .chars()
        .take(200)
        .collect::<String>();
    match code.as_deref() {
        Some("6") => Answer::Accepted,
        Some(code @ ("4" | "5")) => Answer::Refused(code.to_string(), message),
        Some(_) if !with_order => Answer::Accepted,
        _ => Answer::Inconclusive,
    }
}
