//! What a case needs of its target, inferred from the names its templates read: merchant roles
//! and their fields, card roles, named secrets. A target that lacks one gets the case skipped
//! with the reason instead of failed.

use std::collections::BTreeSet;

/// The merchant role `merchant.*` stands for.
pub const MAIN_ROLE: &str = "main";

/// A case's needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// Merchant roles, each with the fields read of it (empty: the role as a whole).
    pub merchants: BTreeSet<(String, String)>,
    /// Card roles.
    pub cards: BTreeSet<String>,
    /// Named secrets (`secret.NAME`).
    pub secrets: BTreeSet<String>,
}

impl Needs {
    /// Notes what reading `path` (`merchants.second.user`, `cards.decline.pan`, `secret.x`) needs.
    pub fn note(&mut self, path: &str) {
        let segments: Vec<&str> = path.split('.').collect();
        match segments.as_slice() {
            ["merchant", field, ..] => self.merchants.insert((MAIN_ROLE.to_string(), field.to_string())),
            ["merchant"] => self.merchants.insert((MAIN_ROLE.to_string(), String::new())),
            ["merchants", role, field, ..] => self.merchants.insert((role.to_string(), field.to_string())),
            ["merchants", role] => self.merchants.insert((role.to_string(), String::new())),
            ["cards", role, ..] => self.cards.insert(role.to_string()),
            ["secret", name, ..] => self.secrets.insert(name.to_string()),
            _ => false,
        };
    }

    /// The merchant roles needed.
    pub fn merchant_roles(&self) -> BTreeSet<&str> {
        self.merchants.iter().map(|(role, _)| role.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_needs() {
        let mut needs = Needs::default();
        for path in
            ["merchant.user", "merchants.second.token", "cards.decline.pan", "secret.callback_token", "order_id"]
        {
            needs.note(path);
        }
        assert_eq!(
            needs.merchants,
            BTreeSet::from([("main".to_string(), "user".to_string()), ("second".to_string(), "token".to_string())])
        );
        assert_eq!(needs.cards, BTreeSet::from(["decline".to_string()]));
        assert_eq!(needs.secrets, BTreeSet::from(["callback_token".to_string()]));
    }
}
