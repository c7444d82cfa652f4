//! `use_rebound_typed`: the hook with typed messages, through a `codee` codec (as
//! leptos-use's `use_websocket::<Tx, Rx, C>` takes them).

use core::fmt::Debug;
use core::marker::PhantomData;

use leptos::prelude::*;
use ws_wasm::codee::{Decoder, Encoder, HybridDecoder, HybridEncoder};
use ws_wasm::ws_core::SendStatus;
use ws_wasm::{decode, encode, CodecError, Message, Options, Refused, SocketEvent};

use crate::hook::{use_rebound_with, Rebound};
use crate::status::Status;

/// Signals and actions for one socket with typed messages: `In` received, `Out` sent. `Copy`.
pub struct TypedRebound<In: 'static, Out: 'static> {
    /// The untyped hook underneath: `close`, `reconnect`, `stats`, `last_event`, and `send`
    /// for a message the codec does not make.
    pub raw: Rebound,
    /// What the connection is doing, for [`crate::ConnectionStatus`].
    pub status: ReadSignal<Status>,
    /// The last message received that the codec could read.
    pub message: ReadSignal<Option<In>, LocalStorage>,
    /// How many received messages the codec could not read (never a panic).
    pub decode_errors: ReadSignal<u64>,
    /// Why the codec could not read the last of them.
    pub last_decode_error: ReadSignal<Option<CodecError>>,
    encoder: fn(&Out) -> Result<Message, CodecError>,
    _out: PhantomData<fn(&Out)>,
}

impl<In, Out> Clone for TypedRebound<In, Out> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<In, Out> Copy for TypedRebound<In, Out> {}

/// Why [`TypedRebound::send`] sent nothing.
#[derive(Debug, PartialEq)]
#[non_exhaustive]
pub enum TypedSendError {
    /// The codec could not encode the value.
    Encode(CodecError),
    /// The socket refused it (see [`Refused`]).
    Refused(Refused),
}

impl core::fmt::Display for TypedSendError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TypedSendError::Encode(error) => write!(f, "rebound: send: {error}"),
            TypedSendError::Refused(refused) => write!(f, "{refused}"),
        }
    }
}

impl std::error::Error for TypedSendError {}

impl<In, Out> TypedRebound<In, Out> {
    /// Encodes `value` with the codec and sends it (or queues it while reconnecting).
    pub fn send(&self, value: &Out) -> Result<SendStatus, TypedSendError> {
        let message = (self.encoder)(value).map_err(TypedSendError::Encode)?;
        self.raw.send(message).map_err(TypedSendError::Refused)
    }
}

/// Opens a socket like [`crate::use_rebound`], whose messages are `In` and `Out` through the
/// codec `C` (any `codee` codec: `JsonSerdeCodec` with codee's `json_serde` feature,
/// `FromToStringCodec`, a binary codec). Binary messages arrive as `ArrayBuffer`s unless
/// `options.binary_type` says otherwise.
///
/// ```no_run
/// use codee::string::JsonSerdeCodec;
/// use leptos::prelude::*;
/// use serde::{Deserialize, Serialize};
/// use status_widget::{use_rebound_typed, ConnectionStatus};
///
/// #[derive(Clone, Serialize, Deserialize)]
/// struct ChatMsg { from: String, text: String }
///
/// #[component]
/// fn Chat() -> impl IntoView {
///     let chat = use_rebound_typed::<ChatMsg, ChatMsg, JsonSerdeCodec>("/ws", ws_wasm::Options::default());
///     let send = move |_| { let _ = chat.send(&ChatMsg { from: "me".into(), text: "hi".into() }); };
///     view! {
///         <ConnectionStatus status=chat.status on_retry=move || chat.raw.reconnect()/>
///         <p>{move || chat.message.get().map(|m| m.text)}</p>
///         <button on:click=send>"Send"</button>
///     }
/// }
/// ```
pub fn use_rebound_typed<In, Out, C>(url: &str, mut options: Options) -> TypedRebound<In, Out>
where
    In: 'static,
    Out: 'static,
    C: Encoder<Out> + Decoder<In>,
    C: HybridEncoder<Out, <C as Encoder<Out>>::Encoded, Error = <C as Encoder<Out>>::Error>,
    C: HybridDecoder<In, <C as Decoder<In>>::Encoded, Error = <C as Decoder<In>>::Error>,
    <C as Encoder<Out>>::Error: Debug,
    <C as Decoder<In>>::Error: Debug,
{
    options.binary_type.get_or_insert(web_sys::BinaryType::Arraybuffer);
    let (message, set_message) = signal_local(None::<In>);
    let (decode_errors, set_decode_errors) = signal(0u64);
    let (last_decode_error, set_last_decode_error) = signal(None::<CodecError>);
    let raw = use_rebound_with(url, options, move |event| {
        let SocketEvent::Message(event) = event else { return };
        let decoded = match Message::from_event(event) {
            Some(received) => decode::<In, C, <C as Decoder<In>>::Encoded>(&received),
            // A Blob (the leading tab of a shared socket chose `blob`): not readable here.
            None => Err(CodecError { reason: "a binary message arrived as a Blob, not an ArrayBuffer".into() }),
        };
        match decoded {
            Ok(value) => set_message.set(Some(value)),
            Err(error) => {
                set_decode_errors.update(|n| *n += 1);
                set_last_decode_error.set(Some(error));
            }
        }
    });
    TypedRebound {
        raw,
        status: raw.status,
        message,
        decode_errors,
        last_decode_error,
        encoder: encode::<Out, C, <C as Encoder<Out>>::Encoded>,
        _out: PhantomData,
    }
}
