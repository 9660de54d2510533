//! The ids of the client contract's clauses (`clauses.yaml`, area `client.`).

/// amount: an integer in minor units, at most 12 digits.
pub const AMOUNT: &str = "client.amount-minor-units";
/// A non-empty body in its family's encoding, with that Content-Type.
pub const BODY_ENCODING: &str = "client.body-encoding";
/// A body that is what its Content-Type says.
pub const BODY_WELL_FORMED: &str = "client.body-well-formed";
/// userName and password, or token.
pub const CREDENTIALS: &str = "client.credentials";
/// currency: three digits.
pub const CURRENCY: &str = "client.currency-numeric";
/// jsonParams: an object, or the text of one in a form.
pub const JSON_PARAMS: &str = "client.json-params";
/// language: two letters.
pub const LANGUAGE: &str = "client.language";
/// orderNumber: 1 to 36 characters.
pub const ORDER_NUMBER: &str = "client.order-number-length";
/// Parameter names spelt as the spec does, case included.
pub const PARAMETER_NAMES: &str = "client.parameter-names";
/// A parameter in the query string and the body carries one value.
pub const QUERY_BODY_CONFLICT: &str = "client.query-body-conflict";
/// Each method's required parameters.
pub const REQUIRED_PARAMS: &str = "client.required-params";
/// returnUrl: absolute, at most 512 characters.
pub const RETURN_URL: &str = "client.return-url-absolute";
/// Gate: field types.
pub const GATE_FIELD_TYPES: &str = "client.gate-field-types";
/// Gate: a JSON object body.
pub const GATE_JSON_BODY: &str = "client.gate-json-body";
/// Gate: required fields.
pub const GATE_REQUIRED_FIELDS: &str = "client.gate-required-fields";
/// Gate: the spec 6 signature.
pub const GATE_SIGNATURE: &str = "client.gate-signature";

/// Every client clause, in catalogue order.
pub const ALL: [&str; 16] = [
    AMOUNT,
    BODY_ENCODING,
    BODY_WELL_FORMED,
    CREDENTIALS,
    CURRENCY,
    JSON_PARAMS,
    LANGUAGE,
    ORDER_NUMBER,
    PARAMETER_NAMES,
    QUERY_BODY_CONFLICT,
    REQUIRED_PARAMS,
    RETURN_URL,
    GATE_FIELD_TYPES,
    GATE_JSON_BODY,
    GATE_REQUIRED_FIELDS,
    GATE_SIGNATURE,
];

/// The clause id as a `&'static str`, when it is one of the contract's.
pub fn known(id: &str) -> Option<&'static str> {
    ALL.into_iter().find(|clause| *clause == id)
}
