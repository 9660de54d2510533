//! Signing a request body by Gate's algorithm (spec 6): the signature of the body as rendered
//! (any `signature` in it left out), placed where the request's `sign.field` says.

use serde_json::{Map, Value};

use crate::signature::gate;
use crate::suite::case::Signing;
use crate::template::Scope;

/// Renders the key, signs `body` and puts the signature at the signing's field.
pub fn sign_body(body: &mut Value, signing: &Signing, scope: &Scope) -> Result<(), String> {
    let key = signing.key.render_string(scope).map_err(|error| format!("the key: {}", error.message))?;
    if key.is_empty() {
        return Err("the key is empty".to_string());
    }
    let signature = gate::sign(body, &key);
    place(body, &signing.field, Value::String(signature))
}

/// Sets `value` at `path` (keys from the root), creating the objects on the way.
fn place(body: &mut Value, path: &[String], value: Value) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        return Err("no field to put the signature in".to_string());
    };
    let mut at = body;
    for (depth, key) in parents.iter().enumerate() {
        let Value::Object(map) = at else {
            return Err(format!("`{}` is not a map, so the signature cannot go in it", path[..depth].join(".")));
        };
        at = map.entry(key.clone()).or_insert_with(|| Value::Object(Map::new()));
    }
    match at {
        Value::Object(map) => {
            map.insert(last.clone(), value);
            Ok(())
        }
        _ => Err(format!("`{}` is not a map, so the signature cannot go in it", parents.join("."))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::Verification;
    use crate::template::Template;
    use serde_json::json;

    fn signing(key: &str, field: &str) -> Signing {
        Signing {
            key: Template::compile(key).expect("template"),
            field: field.split('.').map(str::to_string).collect(),
        }
    }

    #[test]
    fn the_seed_sale_is_signed_as_spec_6_says() {
        let mut body = json!({"general": {"project_id": 35, "payment_id": "Payment 12"},
                              "customer": {"account_id": "account_1", "ip_address": "1.1.1.1", "id": "customer123"},
                              "payment": {"amount": 10000, "currency": "RUB"}});
        sign_body(&mut body, &signing("secret", "general.signature"), &Scope::default()).expect("signs");
        assert_eq!(
            body["general"]["signature"],
            "pbNMwkle+L/F9eez7uDcKnerC/1CchC2LNXCLzHUtAsyFyO5+tNmEVnnKRgVZyaqI5zYBrxMsc+h15Ch/Rd6FA=="
        );
        assert_eq!(gate::verify(&body, "secret"), Verification::Valid);
    }

    #[test]
    fn the_field_is_created_and_a_scalar_in_the_way_is_an_error() {
        let mut body = json!({"a": 1});
        sign_body(&mut body, &signing("k", "signature"), &Scope::default()).expect("top level");
        assert!(body["signature"].is_string());
        let mut body = json!({"general": "text"});
        let error = sign_body(&mut body, &signing("k", "general.signature"), &Scope::default()).expect_err("blocked");
        assert!(error.contains("`general` is not a map"), "{error}");
    }
}
