//! The embedded target: the reference gateway started in-process on an ephemeral port, with a
//! manual clock, and the credentials and cards it knows (also used for targets given as a URL).

use std::net::SocketAddr;

use indexmap::IndexMap;

use crate::gateway::{ClockMode, GatewayConfig, RunningGateway};
use crate::suite::target::{Merchant, ReferenceProfile, Target};

/// The name of the embedded target.
pub const NAME: &str = "embedded";

/// The reference gateway's merchants and cards, as a target sees them. Its Gate v2 projects are
/// merchants too, by their role (`gate`, `gate-second`), with `project_id` and `secret_key`.
pub fn reference_profile() -> ReferenceProfile {
    let config = GatewayConfig::reference();
    let projects = config.projects.iter().map(|project| {
        let fields = IndexMap::from([
            ("project_id".to_string(), project.project_id.to_string()),
            ("secret_key".to_string(), project.secret_key.clone()),
        ]);
        (project.role.clone(), Merchant { fields, secret_fields: vec!["secret_key".to_string()] })
    });
    let merchants = config
        .merchants
        .iter()
        .map(|merchant| {
            let mut fields = IndexMap::new();
            fields.insert("user".to_string(), merchant.user_name.clone());
            fields.insert("password".to_string(), merchant.password.clone());
            let mut secret_fields = vec!["password".to_string()];
            if let Some(token) = &merchant.callback_token {
                fields.insert("callback_token".to_string(), token.clone());
                secret_fields.push("callback_token".to_string());
            }
            if let Some(token) = &merchant.api_token {
                fields.insert("token".to_string(), token.clone());
                secret_fields.push("token".to_string());
            }
            (merchant.role.clone(), Merchant { fields, secret_fields })
        })
        .chain(projects)
        .collect();
    let cards = config
        .cards
        .iter()
        .map(|card| {
            let fields = IndexMap::from([
                ("pan".to_string(), card.pan.clone()),
                ("expiry".to_string(), card.expiry.clone()),
                ("cvc".to_string(), card.cvc.clone()),
                ("holder".to_string(), card.holder.clone()),
            ]);
            (card.role.clone(), fields)
        })
        .collect();
    ReferenceProfile { merchants, cards }
}

/// Starts the reference gateway on 127.0.0.1 (ephemeral port) with a manual clock.
pub async fn start(config: GatewayConfig) -> Result<RunningGateway, String> {
    let config = GatewayConfig { clock: ClockMode::Manual, ..config };
    let address = SocketAddr::from(([127, 0, 0, 1], 0));
    RunningGateway::start(config, address).await.map_err(|error| format!("cannot start the reference gateway: {error}"))
}

/// Starts the reference gateway (see [`start`]) and returns it with the target that points at it.
pub async fn start_target(config: GatewayConfig) -> Result<(Target, RunningGateway), String> {
    let gateway = start(config).await?;
    match Target::from_url(NAME, &gateway.url(), &reference_profile()) {
        Ok(target) => Ok((target.with_reference_capabilities(), gateway)),
        Err(diagnostic) => {
            gateway.shutdown().await;
            Err(format!("cannot address the reference gateway: {}", diagnostic.render(false)))
        }
    }
}
