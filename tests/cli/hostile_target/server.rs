//! A hostile target over raw TCP: it answers every request the worst way it knows, by path.
//!
//! - `…/huge.do`: 50 MB of JSON, announced with its length; the secret stands across the first
//!   512 bytes, where an error quotes the body.
//! - `…/endless.do`: a chunked body that never ends.
//! - `…/bomb.do`: 512 MiB of zeros, gzip-compressed to about half a megabyte.
//! - `…/slow.do`: the headers, then one byte of body every 200 ms, forever.
//! - `…/echo.do`: the request's password echoed back in every encoding of [`super::forms`], as
//!   JSON (and `…/echo-text.do`: as HTML, not JSON; with real line breaks in wrapped base64).
//! - `…/cut.do`: text with the secret across 64 KiB, where reports cut a body.
//! - `…/big-json.do`: 3 MB of JSON (under the limit) whose one field breaks the schema.
//! - `/_paycheck/clock`: never answers (the runner must give up within its timeout).

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::forms;

/// The size of the huge answer.
pub const HUGE_BYTES: usize = 50_000_000;
/// How many bytes the gzip bomb inflates to.
pub const BOMB_INFLATED: usize = 512 * 1024 * 1024;

/// A running hostile target; it stops when the test process ends.
pub struct HostileTarget {
    /// Where it listens.
    pub addr: SocketAddr,
}

impl HostileTarget {
    /// Starts it on 127.0.0.1 with an ephemeral port, on its own thread.
    pub fn start() -> HostileTarget {
        let bomb = Arc::new(gzip_bomb());
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            runtime.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                sender.send(listener.local_addr().expect("address")).expect("send address");
                loop {
                    let Ok((socket, _)) = listener.accept().await else { continue };
                    tokio::spawn(serve(socket, Arc::clone(&bomb)));
                }
            });
        });
        HostileTarget { addr: receiver.recv().expect("the target's address") }
    }

    /// Its root URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn serve(mut socket: TcpStream, bomb: Arc<Vec<u8>>) {
    while let Some((head, body)) = read_request(&mut socket).await {
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        let endpoint = path.rsplit('/').next().unwrap_or_default().split('?').next().unwrap_or_default().to_string();
        let written = match endpoint.as_str() {
            "huge.do" => huge(&mut socket).await,
            "endless.do" => endless(&mut socket).await,
            "bomb.do" => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
                    bomb.len()
                );
                write_all(&mut socket, &[head.as_bytes(), &bomb]).await
            }
            "slow.do" => slow(&mut socket).await,
            "echo.do" => answer(&mut socket, 200, "application/json", &forms::echo_json(&body)).await,
            "echo-text.do" => answer(&mut socket, 200, "text/html", &forms::echo_text(&body)).await,
            "cut.do" => answer(&mut socket, 200, "text/plain", &forms::across_cuts()).await,
            "big-json.do" => {
                let text = format!("{{\"echo\":\"{}\"}}", "q".repeat(3_000_000));
                answer(&mut socket, 200, "application/json", &text).await
            }
            "clock" => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                false
            }
            _ => answer(&mut socket, 404, "text/plain", "not found").await,
        };
        if !written {
            return;
        }
    }
}

async fn write_all(socket: &mut TcpStream, parts: &[&[u8]]) -> bool {
    for part in parts {
        if socket.write_all(part).await.is_err() {
            return false;
        }
    }
    true
}

async fn answer(socket: &mut TcpStream, status: u16, content_type: &str, body: &str) -> bool {
    let head = format!("HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n", body.len());
    write_all(socket, &[head.as_bytes(), body.as_bytes()]).await
}

/// `{"pad":"aaa…<secret>xxxx…"}`, 50 MB in all.
async fn huge(socket: &mut TcpStream) -> bool {
    let start = format!("{{\"pad\":\"{}{}", "a".repeat(512 - 16), forms::SECRET);
    let end = "\"}";
    let filler = vec![b'x'; 1 << 16];
    let head =
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {HUGE_BYTES}\r\n\r\n{start}");
    if !write_all(socket, &[head.as_bytes()]).await {
        return false;
    }
    let mut left = HUGE_BYTES - start.len() - end.len();
    while left > 0 {
        let piece = left.min(filler.len());
        if !write_all(socket, &[&filler[..piece]]).await {
            return false;
        }
        left -= piece;
    }
    write_all(socket, &[end.as_bytes()]).await
}

/// Chunks of 64 KiB until the client goes away.
async fn endless(socket: &mut TcpStream) -> bool {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    let chunk = [format!("{:x}\r\n", 1 << 16).into_bytes(), vec![b'y'; 1 << 16], b"\r\n".to_vec()].concat();
    if !write_all(socket, &[head.as_bytes(), b"5\r\n[\"yyy\r\n"]).await {
        return false;
    }
    while write_all(socket, &[&chunk]).await {}
    false
}

/// One byte every 200 ms, forever.
async fn slow(socket: &mut TcpStream) -> bool {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n";
    if !write_all(socket, &[head.as_bytes()]).await {
        return false;
    }
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if !write_all(socket, &[b" "]).await {
            return false;
        }
    }
}

/// A gzip member inflating to [`BOMB_INFLATED`] zeros: one megabyte of zeros deflated with a
/// sync flush compresses to the same bytes each time once the window is full of zeros, so the
/// member is the first megabyte's bytes, then the second's repeated.
fn gzip_bomb() -> Vec<u8> {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        use flate2::{Compress, Compression, Crc, FlushCompress};
        let megabyte = vec![0u8; 1 << 20];
        let mut compress = Compress::new(Compression::best(), false);
        let mut deflate = |input: &[u8], flush: FlushCompress| {
            let mut out = Vec::with_capacity(1 << 20);
            compress.compress_vec(input, &mut out, flush).expect("deflate");
            out
        };
        let first = deflate(&megabyte, FlushCompress::Sync);
        let repeated = deflate(&megabyte, FlushCompress::Sync);
        assert_eq!(repeated, deflate(&megabyte, FlushCompress::Sync), "deflate repeats itself");
        let last = deflate(&[], FlushCompress::Finish);
        let count = BOMB_INFLATED >> 20;
        let mut crc = Crc::new();
        crc.update(&megabyte);
        let mut one = Crc::new();
        one.update(&megabyte);
        for _ in 1..count {
            crc.combine(&one);
        }
        let mut member = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff];
        member.extend_from_slice(&first);
        for _ in 1..count {
            member.extend_from_slice(&repeated);
        }
        member.extend_from_slice(&last);
        member.extend_from_slice(&crc.sum().to_le_bytes());
        member.extend_from_slice(&u32::try_from(BOMB_INFLATED).expect("fits").to_le_bytes());
        member
    })
    .clone()
}

/// The request's head and body (by `Content-Length`); `None` when the client closed.
async fn read_request(socket: &mut TcpStream) -> Option<(String, String)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        let Some(head_end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") else { continue };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let length = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0);
        if buffer.len() >= head_end + 4 + length {
            let body = String::from_utf8_lossy(&buffer[head_end + 4..head_end + 4 + length]).into_owned();
            return Some((head, body));
        }
    }
}
