//! Learning what a target offers among the optional behaviours of spec 8.2, when its
//! configuration does not say: a target may advertise them at `GET <root>/_paycheck/capabilities`
//! (`{"capabilities": ["callbacks", "status-version-12", ...]}`, as `paycheck serve` does);
//! otherwise none is assumed and the run's header says so.

use std::time::Duration;

use serde_json::Value;

use crate::suite::capabilities::Capabilities;
use crate::suite::clauses::Capability;
use crate::suite::target::{CapabilitiesSource, Target};

/// The path a target advertises its capabilities at.
pub const PATH: &str = "/_paycheck/capabilities";

/// How long the question may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Asks the target when its capabilities are not known; a sentence for the run's header.
pub async fn resolve(client: &reqwest::Client, target: &mut Target) -> String {
    if target.capabilities_source == CapabilitiesSource::Ask {
        match ask(client, target).await {
            Some(capabilities) => {
                target.capabilities = capabilities;
                target.capabilities_source = CapabilitiesSource::Advertised;
            }
            None => target.capabilities_source = CapabilitiesSource::Assumed,
        }
    }
    let from = match target.capabilities_source {
        CapabilitiesSource::Reference => "the reference gateway offers every one",
        CapabilitiesSource::Configured => "declared in paycheck.toml",
        CapabilitiesSource::Advertised => "advertised by the target",
        CapabilitiesSource::Ask | CapabilitiesSource::Assumed => {
            "assumed: the target advertises none and paycheck.toml declares none"
        }
    };
    format!("capabilities (spec 8.2): {} ({from}); checks that need another are skipped", target.capabilities)
}

async fn ask(client: &reqwest::Client, target: &Target) -> Option<Capabilities> {
    let root = target.root.as_ref()?;
    let response = client.get(format!("{root}{PATH}")).timeout(TIMEOUT).send().await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    let body: Value = response.json().await.ok()?;
    let mut capabilities = Capabilities::none();
    for name in body.get("capabilities")?.as_array()?.iter().filter_map(Value::as_str) {
        if let Some(capability) = Capability::parse(name) {
            capabilities.declare(capability);
        }
    }
    Some(capabilities)
}
