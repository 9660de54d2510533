//! `--curl`: a failed step's request as a `curl` command that reproduces it. Secrets are never
//! written: each masked value (`[masked:NAME]`) becomes a reference to the environment variable
//! it came from (`${NAME}`), which the command's first line asks the reader to set.

use crate::outcome::RequestRecord;

/// The variable used for a secret that has no name.
const UNNAMED_SECRET: &str = "PAYCHECK_SECRET";

/// The command, with ` \` line continuations, preceded by a comment naming the variables it needs.
pub fn curl_command(request: &RequestRecord) -> String {
    let mut variables = Vec::new();
    let mut parts = vec![format!("curl -sS -i -X {}", request.method), shell_word(&request.url, &mut variables)];
    for (name, value) in &request.headers {
        if matches!(name.as_str(), "content-length" | "host") {
            continue;
        }
        parts.push(format!("-H {}", shell_word(&format!("{name}: {value}"), &mut variables)));
    }
    if let Some(body) = &request.body {
        let is_form = request.headers.iter().any(|(name, value)| {
            name.eq_ignore_ascii_case("content-type") && value.starts_with("application/x-www-form-urlencoded")
        });
        if is_form && !body.is_empty() {
            for pair in body.split('&') {
                if has_mask(pair) {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    let decoded = |text: &str| {
                        form_urlencoded::parse(format!("x={text}").as_bytes())
                            .next()
                            .map(|(_, value)| value.into_owned())
                            .unwrap_or_default()
                    };
                    let argument = format!("{}={}", decoded(name), decoded(value));
                    parts.push(format!("--data-urlencode {}", shell_word(&argument, &mut variables)));
                } else {
                    parts.push(format!("--data-raw {}", shell_word(pair, &mut variables)));
                }
            }
        } else {
            parts.push(format!("--data-raw {}", shell_word(body, &mut variables)));
        }
    }
    variables.sort();
    variables.dedup();
    let mut command = String::new();
    if !variables.is_empty() {
        command.push_str(&format!("# set {} first (secrets are never printed)\n", variables.join(", ")));
    }
    command.push_str(&parts.join(" \\\n  "));
    command
}

fn has_mask(text: &str) -> bool {
    text.contains("[masked]") || text.contains("[masked:")
}

/// One shell word: single-quoted, or double-quoted with `${NAME}` where a secret was masked.
fn shell_word(text: &str, variables: &mut Vec<String>) -> String {
    if !has_mask(text) {
        return format!("'{}'", text.replace('\'', r"'\''"));
    }
    let mut word = String::from("\"");
    let mut rest = text;
    while let Some(start) = rest.find("[masked") {
        word.push_str(&double_quote_escape(&rest[..start]));
        let after = &rest[start + "[masked".len()..];
        let (name, consumed) = match after.strip_prefix(':').and_then(|tail| tail.find(']').map(|end| (tail, end))) {
            Some((tail, end)) if is_variable_name(&tail[..end]) => (tail[..end].to_string(), 1 + end + 1),
            _ if after.starts_with(']') => (UNNAMED_SECRET.to_string(), 1),
            _ => {
                word.push_str("[masked");
                rest = after;
                continue;
            }
        };
        word.push_str(&format!("${{{name}}}"));
        variables.push(name);
        rest = &after[consumed..];
    }
    word.push_str(&double_quote_escape(rest));
    word.push('"');
    word
}

fn is_variable_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn double_quote_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(content_type: &str, body: &str) -> RequestRecord {
        RequestRecord {
            method: "POST".into(),
            url: "http://127.0.0.1:8080/payment/rest/register.do".into(),
            headers: vec![("content-type".into(), content_type.into())],
            body: Some(body.into()),
        }
    }

    #[test]
    fn a_form_body_sends_secrets_from_the_environment_url_encoded() {
        let command = curl_command(&request(
            "application/x-www-form-urlencoded",
            "userName=test_user&password=[masked:PAYCHECK_UAT_PASSWORD]&returnUrl=https%3A%2F%2Fx",
        ));
        assert_eq!(
            command,
            "# set PAYCHECK_UAT_PASSWORD first (secrets are never printed)\n\
             curl -sS -i -X POST \\\n  'http://127.0.0.1:8080/payment/rest/register.do' \\\n  \
             -H 'content-type: application/x-www-form-urlencoded' \\\n  --data-raw 'userName=test_user' \\\n  \
             --data-urlencode \"password=${PAYCHECK_UAT_PASSWORD}\" \\\n  --data-raw 'returnUrl=https%3A%2F%2Fx'"
        );
    }

    #[test]
    fn a_json_body_is_quoted_for_the_shell() {
        let command =
            curl_command(&request("application/json", r#"{"userName":"o'brien","password":"[masked]","n":"$x"}"#));
        assert!(
            command.ends_with(
                r#"--data-raw "{\"userName\":\"o'brien\",\"password\":\"${PAYCHECK_SECRET}\",\"n\":\"\$x\"}""#
            ),
            "{command}"
        );
        assert!(command.starts_with("# set PAYCHECK_SECRET first"));
    }
}
