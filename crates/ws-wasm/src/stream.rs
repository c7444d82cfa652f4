//! The async face of [`Socket`], the gloo-net way, and typed messages through `codee`.
//!
//! - [`Message`]: a message as Rust data, text or binary.
//! - [`Connection`]: a socket whose events are a `futures` [`Stream`] and whose sends are a
//!   [`Sink`] of [`Message`]s; `futures::StreamExt::split` gives the two halves.
//! - [`Socket::request_async`]: a request as a future of its reply.
//! - [`encode`] / [`decode`]: a value to a [`Message`] and back with any `codee` codec
//!   (`JsonSerdeCodec`, `FromToStringCodec`, a binary codec, `JsonSerdeWasmCodec` which
//!   decodes through serde-wasm-bindgen), as leptos-use's `use_websocket` takes them.
//!
//! ```no_run
//! use futures::{SinkExt, StreamExt};
//! use ws_wasm::{Connection, Message, Options, SocketEvent};
//!
//! async fn chat() -> Result<(), wasm_bindgen::JsValue> {
//!     let (mut tx, mut rx) = Connection::open("/ws", Options::default())?.split();
//!     tx.send(Message::Text("hello".into())).await.ok();
//!     while let Some(event) = rx.next().await {
//!         if let SocketEvent::Message(message) = &event {
//!             if let Some(Message::Text(text)) = Message::from_event(message) {
//!                 web_sys::console::log_1(&text.into());
//!             }
//!         }
//!     }
//!     Ok(())
//! }
//! ```

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll};

use codee::{HybridCoderError, HybridDecoder, HybridEncoder};
use futures_channel::{mpsc, oneshot};
use futures_core::Stream;
use futures_sink::Sink;
use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BinaryType, MessageEvent};
use ws_core::{RequestFailure, SendStatus, State};

use crate::rust_api::{Options, Refused, Socket, SocketEvent};

/// A message as Rust data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
}

impl Message {
    /// The message an event carries: text, or binary when it arrived as an `ArrayBuffer`
    /// ([`Connection`] asks for those); `None` for a `Blob` (read it yourself).
    pub fn from_event(event: &MessageEvent) -> Option<Message> {
        let data = event.data();
        if let Some(text) = data.as_string() {
            return Some(Message::Text(text));
        }
        let buffer = data.dyn_into::<ArrayBuffer>().ok()?;
        Some(Message::Binary(Uint8Array::new(&buffer).to_vec()))
    }
}

impl From<Message> for JsValue {
    fn from(message: Message) -> JsValue {
        match message {
            Message::Text(text) => text.into(),
            Message::Binary(bytes) => Uint8Array::from(bytes.as_slice()).buffer().into(),
        }
    }
}

/// A value a codec could not encode, or a message it could not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodecError {
    /// What went wrong, in the codec's words.
    pub reason: String,
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "codec: {}", self.reason)
    }
}

fn codec_error<E: fmt::Debug>(error: HybridCoderError<E>) -> CodecError {
    let reason = match error {
        HybridCoderError::NotImplemented(what) => what.to_string(),
        HybridCoderError::Coder(error) => alloc::format!("{error:?}"),
    };
    CodecError { reason }
}

/// `value` as a message with codec `C` (a text codec makes text, a binary codec binary).
///
/// ```
/// use codee::string::FromToStringCodec;
/// use ws_wasm::{encode, Message};
/// assert_eq!(encode::<u32, FromToStringCodec, String>(&5), Ok(Message::Text("5".into())));
/// ```
pub fn encode<T, C, E>(value: &T) -> Result<Message, CodecError>
where
    C: HybridEncoder<T, E>,
    C::Error: fmt::Debug,
{
    if C::is_binary_encoder() {
        C::encode_bin(value).map(Message::Binary).map_err(codec_error)
    } else {
        C::encode_str(value).map(Message::Text).map_err(codec_error)
    }
}

/// `message` decoded with codec `C`; an error (never a panic) for a message it cannot read.
///
/// ```
/// use codee::string::FromToStringCodec;
/// use ws_wasm::{decode, Message};
/// assert_eq!(decode::<u32, FromToStringCodec, str>(&Message::Text("7".into())), Ok(7));
/// assert!(decode::<u32, FromToStringCodec, str>(&Message::Text("seven".into())).is_err());
/// ```
pub fn decode<T, C, D>(message: &Message) -> Result<T, CodecError>
where
    C: HybridDecoder<T, D>,
    C::Error: fmt::Debug,
    D: ?Sized,
{
    match message {
        Message::Text(text) => C::decode_str(text),
        Message::Binary(bytes) => C::decode_bin(bytes),
    }
    .map_err(codec_error)
}

/// A [`Socket`] whose events are a [`Stream`] and whose sends are a [`Sink`]. Every event
/// arrives on the stream, in order (messages, state changes, closes, drops); the socket
/// reconnects by itself as ever, and the stream ends once it stops for good (the state
/// `Closed` after a close, or `Failed`: that state change is its last item). Events wait
/// on the stream until read: read it (a sink-only user drops its half of `split`). Dropping
/// the `Connection` (both halves) closes the socket, unless a clone of [`Connection::socket`]
/// is still held.
pub struct Connection {
    socket: Socket,
    events: mpsc::UnboundedReceiver<SocketEvent>,
    /// The socket stopped for good: the stream has ended.
    ended: bool,
}

impl Connection {
    /// Opens a socket to `url` (see [`Socket::connect`]); binary messages arrive as
    /// `ArrayBuffer`s (so [`Message::from_event`] reads them) unless `options.binary_type`
    /// says otherwise.
    pub fn open(url: &str, mut options: Options) -> Result<Connection, JsValue> {
        options.binary_type.get_or_insert(BinaryType::Arraybuffer);
        let (sender, events) = mpsc::unbounded();
        let socket = Socket::connect(url, options, move |event| {
            let _ = sender.unbounded_send(event);
        })?;
        Ok(Connection { socket, events, ended: false })
    }

    /// The socket, for everything else (`state`, `stats`, `close`, `reconnect`, requests).
    pub fn socket(&self) -> &Socket {
        &self.socket
    }
}

impl Stream for Connection {
    type Item = SocketEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SocketEvent>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let next = Pin::new(&mut self.events).poll_next(cx);
        if let Poll::Ready(Some(SocketEvent::State(State::Closed | State::Failed { .. }))) = &next {
            self.ended = true;
        }
        next
    }
}

/// Sends go straight to the socket (sent if open, else queued: see [`ws_core::SendStatus`]), so the
/// sink is always ready and has nothing to flush; closing it closes the socket (1000). A
/// message the socket drops instead (closed, or the queue's overflow policy) is an error,
/// [`Refused::Dropped`]. There is no backpressure: a full queue drops by its policy
/// (`Config`'s `queue_overflow`), reported as above or as [`SocketEvent::Dropped`].
impl Sink<Message> for Connection {
    type Error = Refused;

    fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Refused>> {
        Poll::Ready(Ok(()))
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Refused> {
        match self.socket.send(message)? {
            SendStatus::Dropped(reason) => Err(Refused::Dropped(reason)),
            _ => Ok(()),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Refused>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Refused>> {
        let _ = self.socket.close(1000, "");
        Poll::Ready(Ok(()))
    }
}

/// Why [`Socket::request_async`] got no reply.
#[derive(Debug, PartialEq)]
#[non_exhaustive]
pub enum RequestError {
    /// The socket did not accept the request (queue full, or called from a close predicate).
    Refused(Refused),
    /// It was sent, or queued, but will never be answered (timeout, disconnect, drop, close).
    Failed(RequestFailure),
    /// The codec could not encode the request; nothing was sent.
    Encode(CodecError),
    /// The reply came but the codec could not read it.
    Decode(CodecError),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Refused(refused) => write!(f, "{refused}"),
            RequestError::Failed(failure) => write!(f, "rebound: request failed: {}", failure.as_str()),
            RequestError::Encode(error) | RequestError::Decode(error) => write!(f, "rebound: request: {error}"),
        }
    }
}

impl std::error::Error for RequestError {}

impl std::error::Error for CodecError {}

impl Socket {
    /// Sends `build(id)` as a request (see [`Socket::request`]) and resolves with the reply's
    /// text, or why there is none. Dropping the future does not withdraw the request: it
    /// ends as ever (reply, timeout, disconnect), unheard.
    pub async fn request_async(
        &self,
        timeout_ms: u64,
        build: impl FnOnce(u64) -> String,
    ) -> Result<String, RequestError> {
        self.request_text(timeout_ms, |id| Some(build(id))).await
    }

    /// [`Socket::request_async`] with typed messages: `build(id)` is encoded with the text
    /// codec `C`, the reply decoded with it. `build` must put `id` in the field the server
    /// echoes (`Options::request_id_field`, `"id"` by default). A value `C` cannot encode is
    /// not sent (`RequestError::Encode`).
    pub async fn request_typed<Req, Reply, C>(
        &self,
        timeout_ms: u64,
        build: impl FnOnce(u64) -> Req,
    ) -> Result<Reply, RequestError>
    where
        C: HybridEncoder<Req, String> + HybridDecoder<Reply, str>,
        <C as HybridEncoder<Req, String>>::Error: fmt::Debug,
        <C as HybridDecoder<Reply, str>>::Error: fmt::Debug,
    {
        let mut refused = None;
        let text = self
            .request_text(timeout_ms, |id| match C::encode_str(&build(id)) {
                Ok(text) => Some(text),
                Err(error) => {
                    refused = Some(codec_error(error));
                    None
                }
            })
            .await;
        if let Some(error) = refused {
            return Err(RequestError::Encode(error));
        }
        decode::<Reply, C, str>(&Message::Text(text?)).map_err(RequestError::Decode)
    }

    async fn request_text(
        &self,
        timeout_ms: u64,
        build: impl FnOnce(u64) -> Option<String>,
    ) -> Result<String, RequestError> {
        let (reply, replied) = oneshot::channel();
        let on_reply = move |result: Result<MessageEvent, RequestFailure>| {
            let _ = reply.send(result.map(|event| event.data().as_string().unwrap_or_default()));
        };
        match self.try_request(timeout_ms, build, on_reply) {
            Err(refused) => return Err(RequestError::Refused(refused)),
            Ok(None) => return Err(RequestError::Refused(Refused::Busy)), // `build` declined: the caller says why
            Ok(Some(_)) => {}
        }
        match replied.await {
            Ok(result) => result.map_err(RequestError::Failed),
            Err(_) => Err(RequestError::Failed(RequestFailure::Closed)),
        }
    }
}
