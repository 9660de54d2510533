//! `await_callback` steps: which callback to wait for and how to verify it.

use serde_saphyr::Spanned;

use super::{Compiler, DEFAULT_CALLBACK_TIMEOUT, duration};
use crate::suite::case::{AwaitCallback, CallbackKey, Expectations, SignatureExpectation};
use crate::suite::case_format::{AwaitCallbackDoc, StepDoc, keys};
use crate::suite::suggest;

impl Compiler<'_> {
    pub(super) fn await_callback(&mut self, doc: &Spanned<AwaitCallbackDoc>, step: &StepDoc) -> Option<AwaitCallback> {
        let awaited = &doc.value;
        if let Some(poll) = &step.poll {
            let span = self.span(poll);
            self.error(span, "an `await_callback` step cannot `poll`")
                .add_help("it already waits, up to its `timeout`");
        }
        let mut matching = Vec::new();
        for (name, value) in &awaited.matching.value {
            let span = self.span(value);
            let Some(key) = CallbackKey::from_name(name) else {
                let help = suggest::did_you_mean(name, keys::CALLBACK_MATCH.iter().copied())
                    .unwrap_or_else(|| format!("callbacks are matched by {}", keys::CALLBACK_MATCH.join(", ")));
                self.error(span, format!("unknown callback key `{name}`")).add_help(help);
                continue;
            };
            if let Some(template) = self.template(value) {
                matching.push((key, template));
            }
        }
        if awaited.matching.value.is_empty() {
            let span = self.span(&awaited.matching);
            self.error(span, "`match` names no callback")
                .add_help("match the callback by payment_id (Gate) or order_id / order_number (v1)");
        }
        let signature = match &awaited.signature {
            None => SignatureExpectation::Valid,
            Some(text) => match text.value.as_str() {
                "valid" => SignatureExpectation::Valid,
                "invalid" => SignatureExpectation::Invalid,
                "unchecked" => SignatureExpectation::Unchecked,
                other => {
                    let span = self.span(text);
                    let help = suggest::did_you_mean(other, keys::CALLBACK_SIGNATURE.iter().copied())
                        .unwrap_or_else(|| format!("use {}", keys::CALLBACK_SIGNATURE.join(", ")));
                    self.error(span, format!("unknown signature expectation `{other}`")).add_help(help);
                    SignatureExpectation::Valid
                }
            },
        };
        let key = awaited.key.as_ref().and_then(|key| self.template(key));
        if awaited.key.is_none() && signature != SignatureExpectation::Unchecked {
            let span = self.span(doc);
            self.error(span, "`await_callback` needs the `key` its signature is checked with")
                .add_help("give `key: \"{{ merchants.<role>.secret_key }}\"` (Gate) or the callback token (v1), or `signature: unchecked`");
        }
        let timeout = match &awaited.timeout {
            Some(timeout) => self.duration(timeout, &duration::CALLBACK_TIMEOUT)?,
            None => DEFAULT_CALLBACK_TIMEOUT,
        };
        let (expect, expect_on) = match &step.expect {
            Some(expect) => self.expectations(expect),
            None => (Expectations::default(), Vec::new()),
        };
        for block in std::iter::once(&expect).chain(expect_on.iter().map(|(_, block)| block)) {
            if let Some(status) = &block.status {
                self.error(status.span.clone(), "a callback has no status to check").add_help(
                    "the runner answers every callback 200 itself; check its content with `json` or `schema`",
                );
            }
        }
        let captures = step.capture.iter().filter_map(|(name, source)| self.capture(name, source)).collect();
        Some(AwaitCallback { matching, key, signature, timeout, expect, expect_on, captures, snapshot: None })
    }
}
