//! Requests: method, target, headers, query, body, encoding, and signing (spec 6).

use serde_saphyr::Spanned;

use super::{Compiler, DEFAULT_SIGNATURE_FIELD};
use crate::suite::api::Encoding;
use crate::suite::case::{Body, RequestSpec, RequestTarget, Signing};
use crate::suite::case_format::{RequestDoc, SignDoc};
use crate::suite::suggest;

impl Compiler<'_> {
    pub(super) fn request(&mut self, doc: &Spanned<RequestDoc>) -> Option<RequestSpec> {
        let span = self.span(doc);
        let request = &doc.value;
        let method = match &request.method {
            None => reqwest::Method::POST,
            Some(method) => match reqwest::Method::from_bytes(method.value.to_ascii_uppercase().as_bytes()) {
                Ok(parsed) => parsed,
                Err(_) => {
                    let span = self.span(method);
                    self.error(span, format!("invalid HTTP method `{}`", method.value));
                    reqwest::Method::POST
                }
            },
        };
        let target = match (&request.path, &request.url) {
            (Some(path), None) => RequestTarget::Path(self.template(path)?),
            (None, Some(url)) => RequestTarget::Url(self.template(url)?),
            (Some(_), Some(_)) => {
                self.error(span, "a request has `path` or `url`, not both");
                return None;
            }
            (None, None) => {
                self.error(span, "the request has no `path`")
                    .add_help("give a `path` relative to the API's base URL, or an absolute `url`");
                return None;
            }
        };
        let headers =
            request.headers.iter().filter_map(|(name, value)| Some((name.clone(), self.template(value)?))).collect();
        let query = request
            .query
            .iter()
            .filter_map(|(name, value)| {
                let span = self.span(value);
                Some((name.clone(), self.template_value(&value.value, &span)?))
            })
            .collect();
        let body = match (&request.body, &request.raw_body) {
            (Some(body), None) => {
                let body_span = self.span(body);
                if !body.value.is_object() {
                    self.error(body_span.clone(), "`body` must be a map of parameters")
                        .add_help("use `raw_body` to send exact text");
                }
                Body::Map(self.template_value(&body.value, &body_span)?)
            }
            (None, Some(raw)) => Body::Raw(self.template(raw)?),
            (None, None) => Body::Empty,
            (Some(_), Some(_)) => {
                self.error(span, "a request has `body` or `raw_body`, not both");
                Body::Empty
            }
        };
        let encoding = request.encoding.as_ref().and_then(|encoding| match encoding.value.as_str() {
            "json" => Some(Encoding::Json),
            "form" => Some(Encoding::Form),
            other => {
                let span = self.span(encoding);
                let help = suggest::did_you_mean(other, ["json", "form"]).unwrap_or_else(|| "use json or form".into());
                self.error(span, format!("unknown encoding `{other}`")).add_help(help);
                None
            }
        });
        let sign = request.sign.as_ref().and_then(|sign| self.signing(sign));
        if let (Some(sign), false) = (&request.sign, matches!(body, Body::Map(_))) {
            let span = self.span(sign);
            self.error(span, "`sign` needs a `body` map to sign")
                .add_help("write the body as a map under `body:`; `raw_body` is sent as it is, unsigned");
        }
        if let (Some(sign), Some(Encoding::Form)) = (&request.sign, encoding) {
            let span = self.span(sign);
            self.error(span, "`sign` signs a JSON body; this request is sent as a form");
        }
        Some(RequestSpec { method, target, headers, query, body, encoding, sign })
    }

    pub(super) fn signing(&mut self, doc: &Spanned<SignDoc>) -> Option<Signing> {
        let key = self.template(&doc.value.key)?;
        let (text, span) = match &doc.value.field {
            Some(field) => (field.value.clone(), self.span(field)),
            None => (DEFAULT_SIGNATURE_FIELD.to_string(), self.span(doc)),
        };
        let field: Vec<String> = text.split('.').map(str::to_string).collect();
        if field.iter().any(String::is_empty) {
            self.error(span, format!("invalid signature field `{text}`"))
                .add_help("name it by the keys from the body's root, joined by dots, such as general.signature");
            return None;
        }
        Some(Signing { key, field })
    }
}
