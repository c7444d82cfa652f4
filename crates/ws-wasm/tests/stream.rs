//! The async face and typed messages in a real browser against the test bed: a
//! `Connection`'s Sink sends and its Stream receives (text and binary, split into halves),
//! requests as futures (typed with codee's JSON codec, and through serde-wasm-bindgen's),
//! and a codec that cannot read a message reports it instead of panicking.
#![cfg(target_arch = "wasm32")]

mod support;

use codee::string::{FromToStringCodec, JsonSerdeCodec, JsonSerdeWasmCodec};
use futures::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use support::*;
use wasm_bindgen_test::*;
use ws_wasm::ws_core::{DropReason, RequestFailure, State};
use ws_wasm::{decode, encode, Connection, Message, Options, Refused, RequestError, SocketEvent};

wasm_bindgen_test_configure!(run_in_browser);

fn options() -> Options {
    Options { config: quick().build().expect("valid config"), ..Options::default() }
}

/// The next message on the stream (other events skipped), within a generous deadline.
async fn next_message(rx: &mut (impl futures::Stream<Item = SocketEvent> + Unpin)) -> Message {
    let deadline = now() + 10_000.0;
    while now() < deadline {
        match rx.next().await {
            Some(SocketEvent::Message(event)) => return Message::from_event(&event).expect("text or ArrayBuffer"),
            Some(_) => continue,
            None => panic!("the stream ended"),
        }
    }
    panic!("no message within 10 s");
}

#[wasm_bindgen_test]
async fn a_connection_is_a_sink_and_a_stream_of_text_and_binary() {
    reset().await;
    let connection = Connection::open(&ws_url(), options()).expect("valid URL");
    let (mut tx, mut rx) = connection.split();
    // Sent before it opens: queued, then flushed in order.
    tx.send(Message::Text("hello".into())).await.expect("accepted");
    tx.send(Message::Binary(vec![1, 2, 3])).await.expect("accepted");
    assert_eq!(next_message(&mut rx).await, Message::Text("hello".into()));
    assert_eq!(next_message(&mut rx).await, Message::Binary(vec![1, 2, 3]));
    tx.close().await.expect("closed");
    // The stream ends after the socket stopped for good: its last item is the state `Closed`.
    let mut last = None;
    while let Some(event) = rx.next().await {
        last = Some(event);
    }
    assert!(matches!(last, Some(SocketEvent::State(State::Closed))), "{last:?}");
}

#[wasm_bindgen_test]
async fn the_sink_refuses_what_the_socket_drops() {
    reset().await;
    let mut connection = Connection::open(&ws_url(), options()).expect("valid URL");
    connection.socket().close(1000, "").unwrap();
    let sent = connection.send(Message::Text("too late".into())).await;
    assert_eq!(sent, Err(Refused::Dropped(DropReason::Closed)));
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Echo {
    #[serde(rename = "type")]
    kind: String,
    id: u64,
    text: String,
}

#[wasm_bindgen_test]
async fn requests_are_futures_typed_with_a_codec() {
    reset().await;
    let connection = Connection::open(&ws_url(), options()).expect("valid URL");
    let socket = connection.socket();
    let reply = socket.request_async(5_000, |id| format!(r#"{{"type":"echo","id":{id}}}"#)).await;
    assert_eq!(reply, Ok(r#"{"type":"echo","id":1}"#.to_string()));
    let typed: Echo = socket
        .request_typed::<Echo, Echo, JsonSerdeCodec>(5_000, |id| Echo { kind: "echo".into(), id, text: "typed".into() })
        .await
        .expect("a typed reply");
    assert_eq!(typed, Echo { kind: "echo".into(), id: 2, text: "typed".into() });
    // serde-wasm-bindgen reads the reply (codee's JsonSerdeWasmCodec).
    let through_js: Echo = socket
        .request_typed::<Echo, Echo, JsonSerdeWasmCodec>(5_000, |id| Echo {
            kind: "echo".into(),
            id,
            text: "js".into(),
        })
        .await
        .expect("a reply read through serde-wasm-bindgen");
    assert_eq!(through_js.text, "js");
    // A reply the codec cannot read is an error, not a panic.
    let wrong = socket
        .request_typed::<Echo, u32, JsonSerdeCodec>(5_000, |id| Echo { kind: "echo".into(), id, text: String::new() })
        .await;
    assert!(matches!(wrong, Err(RequestError::Decode(_))), "{wrong:?}");
    // No reply in time.
    fault("blackhole", "ms=1000").await;
    let late = socket.request_async(200, |id| format!(r#"{{"id":{id}}}"#)).await;
    assert_eq!(late, Err(RequestError::Failed(RequestFailure::Timeout)));
}

#[wasm_bindgen_test]
fn codecs_encode_and_decode_without_panicking() {
    assert_eq!(encode::<u32, FromToStringCodec, String>(&42), Ok(Message::Text("42".into())));
    let echo = Echo { kind: "chat".into(), id: 1, text: "hi".into() };
    let message = encode::<Echo, JsonSerdeCodec, String>(&echo).expect("encodes");
    assert_eq!(decode::<Echo, JsonSerdeCodec, str>(&message), Ok(echo));
    assert!(decode::<Echo, JsonSerdeCodec, str>(&Message::Text("not json".into())).is_err());
    // A text codec given binary data says so.
    let error = decode::<Echo, JsonSerdeCodec, str>(&Message::Binary(vec![1])).unwrap_err();
    assert!(error.reason.contains("string codec"), "{error}");
}
