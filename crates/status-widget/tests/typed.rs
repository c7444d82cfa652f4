//! The typed hook in headless Chromium and Firefox against the test bed: a value sent with
//! codee's JSON codec comes back (the bed echoes) as the typed `message`; a message the codec
//! cannot read is counted and kept as the last decode error, never a panic.
#![cfg(target_arch = "wasm32")]

use codee::string::JsonSerdeCodec;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use status_widget::{use_rebound_typed, ConnectionStatus, TypedRebound};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use ws_wasm::ws_core::State;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct ChatMsg {
    from: String,
    text: String,
}

fn ws_url() -> String {
    let Some(bed) = option_env!("REBOUND_TESTBED") else {
        panic!("run through scripts/browser-tests.sh, which starts the test bed")
    };
    [bed.replace("http://", "ws://").as_str(), "/ws"].concat()
}

async fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let mut waited = 0;
    while !condition() {
        assert!(waited < 10_000, "timed out waiting for {what}");
        TimeoutFuture::new(20).await;
        waited += 20;
    }
}

#[wasm_bindgen_test]
async fn typed_messages_round_trip_and_decode_errors_are_counted() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let chat = StoredValue::new_local(None::<TypedRebound<ChatMsg, ChatMsg>>);
    let url = ws_url();
    let _mounted = leptos::mount::mount_to(host.clone(), move || {
        let typed = use_rebound_typed::<ChatMsg, ChatMsg, JsonSerdeCodec>(&url, ws_wasm::Options::default());
        chat.set_value(Some(typed));
        view! {
            <ConnectionStatus status=typed.status on_retry=move || typed.raw.reconnect()/>
            <p class="text">{move || typed.message.get().map(|m| m.text)}</p>
        }
    });
    let chat = chat.get_value().expect("mounted");
    wait_for("open", || chat.status.get_untracked().tracker.state() == State::Open).await;

    let sent = ChatMsg { from: "me".into(), text: "typed hello".into() };
    chat.send(&sent).expect("sent");
    wait_for("the typed echo", || chat.message.get_untracked().as_ref() == Some(&sent)).await;
    wait_for("the DOM", || host.query_selector(".text").unwrap().unwrap().text_content().unwrap() == "typed hello")
        .await;
    assert_eq!(chat.decode_errors.get_untracked(), 0);

    // Not JSON: the echo cannot be read as a ChatMsg.
    chat.raw.send("not json").expect("sent");
    wait_for("the decode error", || chat.decode_errors.get_untracked() == 1).await;
    assert!(chat.last_decode_error.get_untracked().is_some());
    assert_eq!(chat.message.get_untracked(), Some(sent), "the last good message stays");
}
