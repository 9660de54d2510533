//! A deliberately wrong gateway, over raw TCP so that it can also break connections.
//!
//! Routes (any method): `/v1/register.do` answers well; `/v1/wrong-status.do` answers 500;
//! `/v1/schema-violation.do` answers an `orderId` that is a number; `/v1/not-json.do` answers
//! HTML; `/v1/close.do` closes the connection after part of the body; `/v1/hang.do` never
//! answers. Every request's raw text
//! is kept so tests can check what was sent.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A running stub; it stops when the test process ends.
pub struct Stub {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Every request received, as text.
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl Stub {
    /// Starts the stub on 127.0.0.1 with an ephemeral port, on its own thread.
    pub fn start() -> Stub {
        let (sender, receiver) = std::sync::mpsc::channel();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&requests);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                sender.send(listener.local_addr().expect("address")).expect("send address");
                loop {
                    let Ok((mut socket, _)) = listener.accept().await else { continue };
                    let kept = Arc::clone(&kept);
                    tokio::spawn(async move {
                        loop {
                            let Some(request) = read_request(&mut socket).await else { return };
                            kept.lock().expect("lock").push(request.clone());
                            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                            let answer: Vec<u8> = match path.as_str() {
                                "/v1/register.do" => ok_json(r#"{"errorCode":"0","orderId":"6f1c2e1a-0000-4000-8000-000000000001"}"#),
                                "/v1/wrong-status.do" => response(500, "application/json", r#"{"errorCode":"0"}"#),
                                "/v1/schema-violation.do" => ok_json(r#"{"errorCode":"0","orderId":12345}"#),
                                "/v1/not-json.do" => response(200, "text/html", "<html><body>Bad Gateway</body></html>"),
                                "/v1/hang.do" => {
                                    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                                    return;
                                }
                                "/v1/close.do" => {
                                    let _ = socket
                                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"orderId\":")
                                        .await;
                                    let _ = socket.shutdown().await;
                                    return;
                                }
                                _ => response(404, "text/plain", "not found"),
                            };
                            if socket.write_all(&answer).await.is_err() {
                                return;
                            }
                        }
                    });
                }
            });
        });
        let addr = receiver.recv().expect("the stub's address");
        Stub { addr, requests }
    }

    /// The stub's root URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn ok_json(body: &str) -> Vec<u8> {
    response(200, "application/json", body)
}

fn response(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}", body.len())
        .into_bytes()
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&buffer).to_string();
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length = text[..head_end]
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buffer.len() >= head_end + 4 + length {
                return Some(text);
            }
        }
    }
}
