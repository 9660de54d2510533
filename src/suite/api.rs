//! The APIs a target can offer and a case can need.

use std::fmt;

/// An API family of the gateway (spec 1.1), each with its own base path and body encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    /// The router's v1 API: `/v1/<method>.do`, JSON bodies.
    Router,
    /// The bank gateway's v1 API: `/payment/rest/<method>.do`, form-urlencoded bodies.
    Bank,
    /// Gate v2: `/v2/payment/...`, JSON bodies, signed.
    Gate,
}

/// How a request body written as a map is put on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`; nested values are sent as JSON text.
    Form,
}

impl Api {
    /// Every API, in display order.
    pub const ALL: [Api; 3] = [Api::Router, Api::Bank, Api::Gate];

    /// The name used in case files, configuration and reports.
    pub fn name(self) -> &'static str {
        match self {
            Api::Router => "router",
            Api::Bank => "bank",
            Api::Gate => "gate",
        }
    }

    /// Parses a name; `v1` is not an API but a shorthand the caller expands.
    pub fn from_name(name: &str) -> Option<Api> {
        Api::ALL.into_iter().find(|api| api.name() == name)
    }

    /// Where the API lives below a gateway's root.
    pub fn default_base_path(self) -> &'static str {
        match self {
            Api::Router => "/v1",
            Api::Bank => "/payment/rest",
            Api::Gate => "",
        }
    }

    /// The body encoding of the family.
    pub fn encoding(self) -> Encoding {
        match self {
            Api::Router | Api::Gate => Encoding::Json,
            Api::Bank => Encoding::Form,
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Names accepted where a case lists APIs: each API, and `v1` for both v1 families.
pub const API_NAMES: &[&str] = &["v1", "router", "bank", "gate"];

/// Expands an API name from a case file (`v1` = router and bank).
pub fn expand(name: &str) -> Option<Vec<Api>> {
    match name {
        "v1" => Some(vec![Api::Router, Api::Bank]),
        other => Api::from_name(other).map(|api| vec![api]),
    }
}
