//! One WebSocket connection: the upgrade (with its faults), then echo and answers. Generic over
//! the connection ([`Conn`]): plain TCP for `ws://`, TLS for `wss://`.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::faults::{Command, State};
use crate::http::{respond, Request};
use crate::tls::Conn;

/// Resets the connection: RST instead of FIN, as a crashed server or a dropped link looks
/// (over TLS too: no `close_notify`, the TCP socket underneath is reset).
fn reset(stream: &impl Conn) {
    let _ = stream.tcp().set_zero_linger();
}

/// Completes (or sabotages) the upgrade, then runs the connection until it ends.
pub async fn serve(mut stream: impl Conn, request: Request, state: State) {
    if state.is_down() {
        state.count_refused();
        reset(&stream);
        return;
    }
    let delay = state.slow_upgrade();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if state.reject_upgrade() {
        return respond(&mut stream, "503 Service Unavailable", "text/plain", b"upgrade rejected by the test bed")
            .await;
    }
    let Some(key) = request.header("sec-websocket-key") else {
        return respond(&mut stream, "400 Bad Request", "text/plain", b"missing Sec-WebSocket-Key").await;
    };
    let protocol =
        request.header("sec-websocket-protocol").and_then(|p| p.split(',').next()).map(|p| p.trim().to_string());
    let mut head = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n",
        derive_accept_key(key.as_bytes())
    );
    if let Some(p) = &protocol {
        head.push_str(&format!("Sec-WebSocket-Protocol: {p}\r\n"));
    }
    head.push_str("\r\n");
    // Flushed: TLS holds written bytes until then, and the client says nothing before the 101.
    if stream.write_all(head.as_bytes()).await.is_err() || stream.flush().await.is_err() {
        return;
    }
    let ws = WebSocketStream::from_raw_socket(stream, Role::Server, None).await;
    let (tx, rx) = mpsc::unbounded_channel();
    let id = state.register(tx, protocol);
    if request.path == "/bench" {
        bench(ws, rx).await;
    } else {
        run(ws, rx, id, &state).await;
    }
    state.closed(id);
}

/// The benchmark endpoint: never the bottleneck. `burst N SIZE` writes N pre-framed text
/// messages of SIZE (≤ 125) bytes in one go; `count` answers `count <messages received>`;
/// everything else is only counted (not recorded, not echoed).
async fn bench(mut ws: WebSocketStream<impl Conn>, mut commands: mpsc::UnboundedReceiver<Command>) {
    let mut received: u64 = 0;
    loop {
        tokio::select! {
            command = commands.recv() => {
                if matches!(command, Some(Command::Drop) | None) {
                    reset(ws.get_ref());
                }
                return;
            }
            message = ws.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let words: Vec<&str> = text.split(' ').collect();
                    match words.as_slice() {
                        ["burst", n, size] => {
                            let (n, size) = (n.parse().unwrap_or(0usize), size.parse().unwrap_or(32usize).min(125));
                            let mut frames = Vec::with_capacity(n * (size + 2));
                            for _ in 0..n {
                                frames.extend_from_slice(&[0x81, size as u8]);
                                frames.extend(std::iter::repeat_n(b'x', size));
                            }
                            let raw = ws.get_mut();
                            if raw.write_all(&frames).await.is_err() || raw.flush().await.is_err() {
                                return;
                            }
                        }
                        ["count"] => {
                            if ws.send(Message::text(format!("count {received}"))).await.is_err() {
                                return;
                            }
                        }
                        _ => received += 1,
                    }
                }
                Some(Ok(Message::Binary(_))) => received += 1,
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            }
        }
    }
}

/// The app-level answer to a text message, if it gets one other than an echo.
fn answer(text: &str) -> Option<String> {
    if text == "ping" {
        return Some("pong".into());
    }
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    match value.get("type")?.as_str()? {
        "ping" => {
            let mut pong = serde_json::json!({ "type": "pong" });
            if let Some(id) = value.get("id") {
                pong["id"] = id.clone();
            }
            Some(pong.to_string())
        }
        "hello" => Some(r#"{"type":"welcome"}"#.into()),
        _ => None,
    }
}

/// Whether a reply is a heartbeat answer (delayed by `/control/pong-delay`).
fn is_pong(reply: &str) -> bool {
    reply == "pong" || reply.contains(r#""type":"pong""#)
}

/// The `/ws` endpoint: answers (see [`answer`]) or echoes every message, records what it got,
/// and obeys the control API's commands until the connection ends.
async fn run(
    mut ws: WebSocketStream<impl Conn>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    id: u64,
    state: &State,
) {
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                Some(Command::Drop) | None => {
                    reset(ws.get_ref());
                    return;
                }
                Some(Command::Close(code, reason)) => {
                    let frame = CloseFrame { code: CloseCode::from(code), reason: reason.into() };
                    let _ = ws.close(Some(frame)).await;
                    // Wait briefly for the client's close frame, then hang up.
                    let _ = tokio::time::timeout(Duration::from_secs(2), async { while ws.next().await.is_some() {} }).await;
                    return;
                }
                Some(Command::Blackhole(duration)) => {
                    // Keep TCP open but neither read nor answer; only a drop ends it early.
                    let sleep = tokio::time::sleep(duration);
                    tokio::pin!(sleep);
                    loop {
                        tokio::select! {
                            _ = &mut sleep => break,
                            command = commands.recv() => if matches!(command, Some(Command::Drop) | None) {
                                reset(ws.get_ref());
                                return;
                            },
                        }
                    }
                }
            },
            message = ws.next() => {
                let reply = match message {
                    Some(Ok(Message::Text(text))) => {
                        state.received(id, text.to_string());
                        Some(answer(&text).map(Message::from).unwrap_or(Message::Text(text)))
                    }
                    Some(Ok(Message::Binary(bytes))) => {
                        state.received(id, format!("<binary {} bytes>", bytes.len()));
                        Some(Message::Binary(bytes))
                    }
                    Some(Ok(_)) => None,
                    Some(Err(_)) | None => return,
                };
                if let Some(reply) = reply {
                    if reply.to_text().is_ok_and(is_pong) {
                        let delay = state.pong_delay();
                        if !delay.is_zero() {
                            tokio::time::sleep(delay).await;
                        }
                    }
                    if ws.send(reply).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}
