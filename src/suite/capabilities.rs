//! What a target declares it offers among the optional behaviours of spec 8.2.

use std::collections::BTreeSet;
use std::fmt;

use super::clauses::Capability;

/// The capabilities a target declares. The reference gateway declares every one; a target that
/// declares none is checked on `must` and `reference` clauses only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    declared: BTreeSet<Capability>,
    status_version: Option<u32>,
}

impl Capabilities {
    /// The status version the reference gateway serves (every version-tagged field).
    pub const REFERENCE_STATUS_VERSION: u32 = 46;

    /// Every capability (the reference gateway).
    pub fn all() -> Capabilities {
        let declared = Capability::SIMPLE_NAMES
            .iter()
            .filter_map(|name| Capability::parse(name))
            .chain([Capability::ManualClock])
            .collect();
        Capabilities { declared, status_version: Some(Self::REFERENCE_STATUS_VERSION) }
    }

    /// No optional capability.
    pub fn none() -> Capabilities {
        Capabilities::default()
    }

    /// Declares one.
    pub fn declare(&mut self, capability: Capability) {
        match capability {
            Capability::StatusVersion(version) => {
                self.status_version = Some(self.status_version.map_or(version, |known| known.max(version)));
            }
            other => {
                self.declared.insert(other);
            }
        }
    }

    /// Withdraws one (the manual clock, when the target turns out not to offer it).
    pub fn withdraw(&mut self, capability: Capability) {
        self.declared.remove(&capability);
    }

    /// True when the target offers it; a status version covers every lower one.
    pub fn declares(&self, capability: Capability) -> bool {
        match capability {
            Capability::StatusVersion(version) => self.status_version.is_some_and(|declared| declared >= version),
            other => self.declared.contains(&other),
        }
    }

    /// The declared status version, if any.
    pub fn status_version(&self) -> Option<u32> {
        self.status_version
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<String> = self.declared.iter().map(ToString::to_string).collect();
        if let Some(version) = self.status_version {
            names.push(format!("status-version-{version}"));
        }
        if names.is_empty() { f.write_str("no optional capability") } else { f.write_str(&names.join(", ")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_version_covers_the_lower_ones() {
        let mut capabilities = Capabilities::none();
        capabilities.declare(Capability::StatusVersion(12));
        assert!(capabilities.declares(Capability::StatusVersion(10)));
        assert!(capabilities.declares(Capability::StatusVersion(12)));
        assert!(!capabilities.declares(Capability::StatusVersion(21)));
        assert!(!capabilities.declares(Capability::Callbacks));
        assert!(Capabilities::all().declares(Capability::StatusVersion(21)));
        assert!(Capabilities::all().declares(Capability::ChildMerchants));
    }
}
