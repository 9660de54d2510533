//! Shared by the reports, snapshot and secret tests: a gateway whose answers the test sets (and
//! changes between runs), a suite folder with a named target pointing at it, and scans for a
//! secret in every form it can take.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

/// The password of the stub's merchant, which must never appear in any output. It has
/// characters that every encoding changes.
pub const SECRET: &str = "Sup3r-S3cret/p@ss+w0rd~ü";
/// The environment variable the target reads it from.
pub const SECRET_VARIABLE: &str = "PAYCHECK_STUB_PASSWORD";

/// A gateway that answers what the test says: per path, a status and a JSON body in which
/// `{uuid}` and `{now}` become a fresh UUID and the current time on every call. `…/echo.do`
/// answers 500 with the request echoed back: its body, its `Authorization` header, and the
/// password it carried, raw and as `Basic` credentials.
pub struct GatewayStub {
    /// Where it listens.
    pub addr: SocketAddr,
    answers: Arc<Mutex<HashMap<String, (u16, String)>>>,
}

impl GatewayStub {
    /// Starts it on 127.0.0.1 with an ephemeral port, on its own thread.
    pub fn start() -> GatewayStub {
        let answers: Arc<Mutex<HashMap<String, (u16, String)>>> = Arc::default();
        let shared = Arc::clone(&answers);
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
                sender.send(listener.local_addr().expect("address")).expect("send address");
                let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
                    let answers = Arc::clone(&shared);
                    async move { answer(&answers, &uri, &headers, &body) }
                });
                axum::serve(listener, app).await.expect("serve");
            });
        });
        GatewayStub { addr: receiver.recv().expect("the stub's address"), answers }
    }

    /// The root URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sets the answer to a path (`/v1/register.do`).
    pub fn set(&self, path: &str, status: u16, body: &str) {
        self.answers.lock().expect("lock").insert(path.to_string(), (status, body.to_string()));
    }
}

fn answer(answers: &Mutex<HashMap<String, (u16, String)>>, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Response {
    let path = uri.path();
    if path.ends_with("/echo.do") {
        let text = String::from_utf8_lossy(body).into_owned();
        let password = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|json| json.get("password").and_then(|value| value.as_str()).map(str::to_string))
            .or_else(|| {
                form_urlencoded::parse(text.as_bytes())
                    .find(|(name, _)| name == "password")
                    .map(|(_, value)| value.into_owned())
            })
            .unwrap_or_default();
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("test_user:{password}"));
        let echo = serde_json::json!({
            "errorCode": "7",
            "errorMessage": format!("System error for {password}"),
            "echo": text,
            "authorization": headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()),
            "basic": basic,
            "note": "<script>document.title = 'injected'</script>",
        });
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (header::WWW_AUTHENTICATE, format!("Basic {basic}")),
            ],
            echo.to_string(),
        )
            .into_response();
    }
    let found = answers.lock().expect("lock").get(path).cloned();
    match found {
        Some((status, template)) => {
            let body = template
                .replace("{uuid}", &uuid::Uuid::new_v4().to_string())
                .replace("{now}", &jiff::Timestamp::now().to_string());
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        None => (StatusCode::NOT_FOUND, "no answer set for this path").into_response(),
    }
}

/// A suite folder: `paycheck.toml` with a target `stub` at the given URL whose merchant's
/// password comes from [`SECRET_VARIABLE`], a clause catalogue, and a schema with volatile fields.
pub struct Suite {
    dir: tempfile::TempDir,
}

impl Suite {
    /// A suite pointing at `url`.
    pub fn new(url: &str) -> Suite {
        let suite = Suite { dir: tempfile::tempdir().expect("temporary folder") };
        suite.write(
            "paycheck.toml",
            &format!(
                "[targets.stub]\nurl = \"{url}\"\napis = [\"router\", \"bank\"]\nclock = \"real\"\n\
                 [targets.stub.merchants.main]\nuser = \"test_user\"\npassword = {{ env = \"{SECRET_VARIABLE}\" }}\n"
            ),
        );
        suite.write(
            "clauses.yaml",
            "version: 1\nclauses:\n  - {id: t.register, api: v1, section: '2.1', text: register answers an order, level: must}\n  \
             - {id: t.status, api: v1, section: '2.5', text: the status is right, level: must}\n  \
             - {id: t.gate, api: gate, section: '5', text: gate answers, level: must}\n",
        );
        suite.write(
            "schemas/t/common.json",
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": {"order_id": {"type": "string", "x-volatile": "order_id"},
                          "timestamp": {"type": "string", "x-volatile": "timestamp"}}}"#,
        );
        suite.write(
            "schemas/t/order.json",
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                "required": ["orderId"],
                "properties": {"orderId": {"$ref": "common.json#/$defs/order_id"},
                               "createdAt": {"$ref": "common.json#/$defs/timestamp"}}}"#,
        );
        suite
    }

    /// Writes a file (creating folders).
    pub fn write(&self, relative: &str, text: &str) {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folder");
        std::fs::write(path, text).expect("write file");
    }

    /// The suite's folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A file's path.
    pub fn file(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// `paycheck` in the suite's folder, with the secret in the environment and `CI` unset.
    pub fn paycheck(&self) -> Command {
        let mut command = Command::cargo_bin("paycheck").expect("the paycheck binary");
        command.current_dir(self.dir.path()).env_remove("CI").env("NO_COLOR", "1").env(SECRET_VARIABLE, SECRET);
        command
    }

    /// Every file under the suite's folder, with its contents.
    pub fn files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        ignore::WalkBuilder::new(self.path())
            .standard_filters(false)
            .build()
            .filter_map(Result::ok)
            .filter(|entry| entry.path().is_file())
            .map(|entry| (entry.path().to_path_buf(), std::fs::read(entry.path()).expect("readable file")))
            .collect()
    }
}

/// A case on the router API calling `path` with the merchant's credentials.
pub fn case(name: &str, path: &str, extra: &str) -> String {
    format!(
        r#"name: {name}
covers: [t.register]
api: router
steps:
  - name: call
    request:
      path: {path}
      body: {{ userName: "{{{{ merchant.user }}}}", password: "{{{{ merchant.password }}}}", amount: 100 }}
    expect:
      status: 200
{extra}"#
    )
}

/// The forms of [`SECRET`] that must never appear in an output.
pub fn secret_forms() -> Vec<String> {
    let engines = [&base64::engine::general_purpose::STANDARD, &base64::engine::general_purpose::URL_SAFE_NO_PAD];
    let mut forms = vec![
        SECRET.to_string(),
        form_urlencoded::byte_serialize(SECRET.as_bytes()).collect(),
        serde_json::to_string(SECRET).expect("json").trim_matches('"').to_string(),
        // the part of the secret that survives any cut or escape: "S3cret/p@ss"
        SECRET[6..17].to_string(),
    ];
    for engine in engines {
        forms.push(engine.encode(SECRET));
        // the secret inside longer base64 (Basic credentials): its bytes at every offset
        for prefix in ["test_user:", "test_user:x", "test_user:xy"] {
            let encoded = engine.encode(format!("{prefix}{SECRET}"));
            let start = (prefix.len() * 8).div_ceil(6) + 1;
            forms.push(encoded[start..start + 16].to_string());
        }
    }
    forms
}

/// The secret forms found in a text.
pub fn leaks(text: &str) -> Vec<String> {
    secret_forms().into_iter().filter(|form| text.contains(form.as_str())).collect()
}
