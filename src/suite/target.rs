//! A resolved target: where each API lives, the merchants and cards to use, and the secrets to mask.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::api::{self, Api};
use super::capabilities::Capabilities;
use super::clauses::Capability;
use super::config::{CARD_FIELDS, CapabilitiesConfig, FieldValue, MERCHANT_FIELDS, TargetConfig};
use super::diagnostic::{Diagnostic, Diagnostics};
use super::suggest;

/// Merchant fields that are secrets and so may only come from environment variables.
pub const SECRET_FIELDS: &[&str] = &["password", "token", "secret_key", "callback_token"];

/// How the runner lets time pass on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockSetting {
    /// Ask the target (`GET <root>/_paycheck/clock`) whether it offers a manual clock.
    Auto,
    /// The target offers a manual clock; fail if it does not.
    Manual,
    /// Always really wait.
    Real,
}

/// Credentials and cards a target uses when its configuration gives none: the reference
/// gateway's own, which are also the spec's public test values.
#[derive(Debug, Clone, Default)]
pub struct ReferenceProfile {
    /// Merchants by role.
    pub merchants: IndexMap<String, Merchant>,
    /// Cards by role: fields such as `pan`, `expiry`, `cvc`, `holder`.
    pub cards: IndexMap<String, IndexMap<String, String>>,
}

/// A merchant: its fields (`user`, `password`, ...) and which of them are secret.
#[derive(Debug, Clone, Default)]
pub struct Merchant {
    /// Field values.
    pub fields: IndexMap<String, String>,
    /// Names of the fields that are secrets.
    pub secret_fields: Vec<String>,
}

/// Everything the runner needs to know about where it is sending requests.
#[derive(Debug, Clone)]
pub struct Target {
    /// `embedded`, a configured name, or the URL given.
    pub name: String,
    /// The gateway's root URL, when known.
    pub root: Option<String>,
    /// Offered APIs and their base URLs (no trailing slash).
    pub apis: BTreeMap<Api, String>,
    /// Merchants by role.
    pub merchants: IndexMap<String, Merchant>,
    /// Test cards by role.
    pub cards: IndexMap<String, IndexMap<String, String>>,
    /// Named secrets.
    pub secrets: IndexMap<String, String>,
    /// Free settings.
    pub settings: Map<String, Value>,
    /// How time passes.
    pub clock: ClockSetting,
    /// The optional behaviours it declares (spec 8.2).
    pub capabilities: Capabilities,
    /// Where the capabilities came from, for the run's header.
    pub capabilities_source: CapabilitiesSource,
}

/// How the runner knows a target's capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapabilitiesSource {
    /// The reference gateway, in-process: every capability.
    Reference,
    /// `[targets.NAME.capabilities]` in `paycheck.toml`.
    Configured,
    /// Not known yet: asked of the target (`GET <root>/_paycheck/capabilities`) before the run.
    Ask,
    /// Asked of the target, which advertised them.
    Advertised,
    /// Asked of the target, which advertises none: no optional capability is assumed.
    Assumed,
}

impl Target {
    /// A target given as a URL: the gateway's root, offering every API at its default path.
    pub fn from_url(name: &str, url: &str, profile: &ReferenceProfile) -> Result<Target, Diagnostic> {
        let root = normalise_root(url)?;
        let apis = Api::ALL.into_iter().map(|api| (api, format!("{root}{}", api.default_base_path()))).collect();
        Ok(Target {
            name: name.to_string(),
            root: Some(root),
            apis,
            merchants: profile.merchants.clone(),
            cards: profile.cards.clone(),
            secrets: IndexMap::new(),
            settings: Map::new(),
            clock: ClockSetting::Auto,
            capabilities: Capabilities::none(),
            capabilities_source: CapabilitiesSource::Ask,
        })
    }

    /// The target with the capabilities of the reference gateway (every one).
    pub fn with_reference_capabilities(mut self) -> Target {
        self.capabilities = Capabilities::all();
        self.capabilities_source = CapabilitiesSource::Reference;
        self
    }

    /// A target from `paycheck.toml`, reading its secrets from the environment's `variables`.
    pub fn from_config(
        name: &str,
        config: &TargetConfig,
        profile: &ReferenceProfile,
        variables: &BTreeMap<String, String>,
    ) -> Result<Target, Diagnostics> {
        let mut diagnostics = Diagnostics::default();
        let context = format!("target `{name}`");
        let root = match &config.url {
            Some(url) => match normalise_root(url) {
                Ok(root) => Some(root),
                Err(diagnostic) => {
                    diagnostics.push(diagnostic);
                    None
                }
            },
            None => None,
        };
        let offered: Vec<Api> = match &config.apis {
            None => Api::ALL.to_vec(),
            Some(names) => {
                let mut offered = Vec::new();
                for name in names {
                    match api::expand(name) {
                        Some(apis) => offered.extend(apis),
                        None => diagnostics.push(unknown_api(&context, name)),
                    }
                }
                offered
            }
        };
        for key in config.base_urls.keys() {
            if Api::from_name(key).is_none() {
                diagnostics.push(unknown_api(&context, key));
            }
        }
        let mut apis = BTreeMap::new();
        for api in offered {
            let base = match (config.base_urls.get(api.name()), &root) {
                (Some(base), _) => base.trim_end_matches('/').to_string(),
                (None, Some(root)) => format!("{root}{}", api.default_base_path()),
                (None, None) => {
                    diagnostics.push(Diagnostic::general(format!(
                        "{context} offers the {api} API but gives neither `url` nor `base_urls.{api}`"
                    )));
                    continue;
                }
            };
            apis.insert(api, base);
        }
        let clock = match config.clock.as_deref() {
            None | Some("auto") => ClockSetting::Auto,
            Some("manual") => ClockSetting::Manual,
            Some("real") => ClockSetting::Real,
            Some(other) => {
                diagnostics.push(
                    Diagnostic::general(format!("{context}: unknown clock `{other}`"))
                        .with_help("use auto, manual or real"),
                );
                ClockSetting::Auto
            }
        };
        let mut merchants = IndexMap::new();
        for (role, fields) in &config.merchants {
            let mut merchant = Merchant::default();
            for (field, value) in fields {
                if !MERCHANT_FIELDS.contains(&field.as_str()) {
                    diagnostics.push(unknown_key(&format!("{context}: merchant `{role}`"), field, MERCHANT_FIELDS));
                    continue;
                }
                let is_secret_field = SECRET_FIELDS.contains(&field.as_str());
                match value {
                    FieldValue::Literal(_) if is_secret_field => diagnostics.push(
                        Diagnostic::general(format!(
                            "{context}: merchant `{role}` writes its `{field}` in the file; secrets may only come from the environment"
                        ))
                        .with_help(format!("write `{field} = {{ env = \"PAYCHECK_{}_{}\" }}`", name.to_uppercase(), field.to_uppercase())),
                    ),
                    FieldValue::Literal(text) => {
                        merchant.fields.insert(field.clone(), text.clone());
                    }
                    FieldValue::Env(reference) => match read_env(variables, &reference.env, &format!("{context}, merchant `{role}`, `{field}`")) {
                        Ok(text) => {
                            merchant.fields.insert(field.clone(), text);
                            merchant.secret_fields.push(field.clone());
                        }
                        Err(diagnostic) => diagnostics.push(diagnostic),
                    },
                }
            }
            merchants.insert(role.clone(), merchant);
        }
        if merchants.is_empty() {
            merchants = profile.merchants.clone();
        }
        let mut secrets = IndexMap::new();
        for (secret, reference) in &config.secrets {
            match read_env(variables, &reference.env, &format!("{context}, secret `{secret}`")) {
                Ok(text) => {
                    secrets.insert(secret.clone(), text);
                }
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        }
        for (role, fields) in &config.cards {
            for field in fields.keys().filter(|field| !CARD_FIELDS.contains(&field.as_str())) {
                diagnostics.push(unknown_key(&format!("{context}: card `{role}`"), field, CARD_FIELDS));
            }
        }
        let cards = if config.cards.is_empty() { profile.cards.clone() } else { config.cards.clone() };
        let (capabilities, capabilities_source) = match &config.capabilities {
            Some(declared) => (declared_capabilities(declared), CapabilitiesSource::Configured),
            None => (Capabilities::none(), CapabilitiesSource::Ask),
        };
        let settings = match serde_json::to_value(&config.settings) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        if !diagnostics.is_empty() {
            return Err(diagnostics);
        }
        Ok(Target {
            name: name.to_string(),
            root,
            apis,
            merchants,
            cards,
            secrets,
            settings,
            clock,
            capabilities,
            capabilities_source,
        })
    }

    /// True when the target offers the API.
    pub fn offers(&self, api: Api) -> bool {
        self.apis.contains_key(&api)
    }

    /// The API's base URL.
    pub fn base_url(&self, api: Api) -> Option<&str> {
        self.apis.get(&api).map(String::as_str)
    }

    /// Every secret value the target holds (passwords, keys, tokens), for masking.
    pub fn secret_values(&self) -> Vec<String> {
        let mut values: Vec<String> = self.secrets.values().cloned().collect();
        for merchant in self.merchants.values() {
            for field in &merchant.secret_fields {
                if let Some(value) = merchant.fields.get(field) {
                    values.push(value.clone());
                }
            }
        }
        values.retain(|value| !value.is_empty());
        values.sort();
        values.dedup();
        values
    }

    /// The template namespaces the target defines (see `template::environment::NAMESPACES`).
    pub fn namespaces(&self) -> Vec<(&'static str, Value)> {
        let merchants: Map<String, Value> =
            self.merchants.iter().map(|(role, merchant)| (role.clone(), json!(merchant.fields))).collect();
        let main = self
            .merchants
            .get("main")
            .or_else(|| self.merchants.values().next())
            .map_or(Value::Object(Map::new()), |merchant| json!(merchant.fields));
        vec![
            ("target", json!({ "name": self.name, "url": self.root, "settings": self.settings })),
            ("merchant", main),
            ("merchants", Value::Object(merchants)),
            ("cards", json!(self.cards)),
            ("secret", json!(self.secrets)),
        ]
    }
}

fn normalise_root(url: &str) -> Result<String, Diagnostic> {
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {
            Ok(url.trim_end_matches('/').to_string())
        }
        _ => Err(Diagnostic::general(format!("invalid target URL `{url}`"))
            .with_help("a target URL is the gateway's root, such as http://127.0.0.1:8080")),
    }
}

fn read_env(variables: &BTreeMap<String, String>, name: &str, context: &str) -> Result<String, Diagnostic> {
    match variables.get(name) {
        Some(value) if !value.is_empty() => Ok(value.clone()),
        _ => Err(Diagnostic::general(format!("environment variable `{name}` is not set ({context})"))
            .with_help(format!("export {name}=… before running, or remove it from paycheck.toml"))),
    }
}

fn unknown_key(context: &str, key: &str, known: &[&str]) -> Diagnostic {
    let help = suggest::did_you_mean(key, known.iter().copied())
        .unwrap_or_else(|| format!("the keys are: {}", known.join(", ")));
    Diagnostic::general(format!("{context}: unknown key `{key}`")).with_help(help)
}

fn declared_capabilities(config: &CapabilitiesConfig) -> Capabilities {
    let mut capabilities = Capabilities::none();
    for (declared, capability) in [
        (config.callbacks, Capability::Callbacks),
        (config.token_auth, Capability::TokenAuth),
        (config.partial_reversal, Capability::PartialReversal),
        (config.over_capture, Capability::OverCapture),
        (config.three_ds, Capability::ThreeDs),
        (config.alfa_pay, Capability::AlfaPay),
        (config.child_merchants, Capability::ChildMerchants),
    ] {
        if declared {
            capabilities.declare(capability);
        }
    }
    if let Some(version) = config.status_version {
        capabilities.declare(Capability::StatusVersion(version));
    }
    capabilities
}

fn unknown_api(context: &str, name: &str) -> Diagnostic {
    let help = suggest::did_you_mean(name, api::API_NAMES.iter().copied())
        .unwrap_or_else(|| format!("APIs are: {}", api::API_NAMES.join(", ")));
    Diagnostic::general(format!("{context}: unknown API `{name}`")).with_help(help)
}
