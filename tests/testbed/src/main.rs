//! Rebound's test bed: a WebSocket server on loopback with a control API to inject faults.
//!
//! `testbed [--port N] [--www DIR] [--tls]` (or `PORT=N`); port 0 picks a free one. The first
//! line printed is `listening on 127.0.0.1:PORT`; the second names the schemes
//! (`scheme http ws` or `scheme https wss`).
//!
//! With `--tls` the one listener speaks TLS only (see [`tls`]): a self-signed certificate for
//! `127.0.0.1` and `localhost` is made at start, and everything below works the same over it,
//! so `https://127.0.0.1:PORT/…` pages and `wss://127.0.0.1:PORT/ws` work (for clients told to
//! accept that certificate, e.g. Chromium with `--ignore-certificate-errors`).
//!
//! - `/ws` — WebSocket: `ping` → `pong`; `{"type":"ping","id":..}` → `{"type":"pong","id":..}`;
//!   `{"type":"hello"}` → `{"type":"welcome"}`; anything else is echoed. The first offered
//!   subprotocol is accepted.
//! - `POST /control/drop` — TCP reset of every connection.
//! - `POST /control/close?code=N&reason=R` — close every connection with a close frame.
//! - `POST /control/blackhole?ms=N` — current connections stop reading and answering for N ms.
//! - `POST /control/down?ms=N` — drop all, and reset every upgrade for N ms.
//! - `POST /control/slow-upgrade?ms=N` — answer upgrades N ms late.
//! - `POST /control/reject-upgrade` — answer upgrades with 503.
//! - `POST /control/pong-delay?ms=N` — delay heartbeat replies.
//! - `POST /control/reset[?stats]` — back to normal (and forget recorded connections).
//! - `GET /control/stats` — connections accepted, upgrades refused, and per connection the
//!   messages received in order.
//! - `/bench` — WebSocket for benchmarks: `burst N SIZE` sends N pre-framed text messages at
//!   once, `count` answers `count <received>`; nothing is echoed.
//! - anything else: a static file from `--www DIR`.

mod faults;
mod http;
mod socket;
mod tls;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use faults::State;
use tls::Conn;

/// The command line.
struct Args {
    port: u16,
    www: Option<PathBuf>,
    tls: bool,
}

/// Reads `--port N`, `--www DIR` and `--tls` (and `PORT` from the environment).
fn parse_args() -> Result<Args, String> {
    let mut port = std::env::var("PORT").ok().map(|p| p.parse().map_err(|_| format!("bad PORT: {p}"))).transpose()?;
    let mut www = None;
    let mut tls = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--port" => port = Some(value()?.parse().map_err(|_| "bad --port".to_string())?),
            "--www" => www = Some(PathBuf::from(value()?)),
            "--tls" => tls = true,
            other => return Err(format!("unknown argument: {other} (use --port N, --www DIR, --tls)")),
        }
    }
    Ok(Args { port: port.unwrap_or(0), www, tls })
}

/// Serves one connection, plain or TLS: a control call, a WebSocket, or a static file.
async fn handle<S: Conn>(mut stream: S, state: State, www: Option<Arc<PathBuf>>) {
    let Some(request) = http::read_head(&mut stream).await else { return };
    if let Some(action) = request.path.strip_prefix("/control/") {
        let answer = state.control(action, |name| request.param(name));
        return match answer {
            Ok(json) => http::respond(&mut stream, "200 OK", "application/json", json.to_string().as_bytes()).await,
            Err(message) => http::respond(&mut stream, "400 Bad Request", "text/plain", message.as_bytes()).await,
        };
    }
    if request.is_upgrade() && (request.path == "/ws" || request.path == "/bench") {
        return socket::serve(stream, request, state).await;
    }
    match (&www, request.method.as_str()) {
        (Some(root), "GET") => http::serve_file(&mut stream, root, &request.path).await,
        _ => http::respond(&mut stream, "404 Not Found", "text/plain", b"not found").await,
    }
}

/// Runs the TLS handshake when the listener speaks TLS (bounded by
/// [`tls::HANDSHAKE_TIMEOUT`]; a failed one just ends the connection), then [`handle`]s it.
async fn accept(stream: TcpStream, acceptor: Option<TlsAcceptor>, state: State, www: Option<Arc<PathBuf>>) {
    let Some(acceptor) = acceptor else { return handle(stream, state, www).await };
    if let Ok(Ok(stream)) = tokio::time::timeout(tls::HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        handle(stream, state, www).await;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("testbed: {message}");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", args.port)).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("testbed: cannot listen on 127.0.0.1:{}: {error}", args.port);
            std::process::exit(1);
        }
    };
    let acceptor = match args.tls.then(tls::acceptor).transpose() {
        Ok(acceptor) => acceptor,
        Err(message) => {
            eprintln!("testbed: {message}");
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
    println!("listening on 127.0.0.1:{port}");
    println!("scheme {}", if acceptor.is_some() { "https wss" } else { "http ws" });
    let _ = std::io::stdout().flush();
    let state = State::default();
    let www = args.www.map(Arc::new);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(accept(stream, acceptor.clone(), state.clone(), www.clone()));
                }
            }
            _ = tokio::signal::ctrl_c() => return,
        }
    }
}
