//! The server render, as an SSR app's server runs it (native target, leptos `ssr`): the hook
//! and the indicator render without touching a browser API, showing the engine's first
//! state, and the hook's actions are harmless there.
#![cfg(not(target_arch = "wasm32"))]

use leptos::prelude::*;
use status_widget::{use_rebound, ConnectionStatus, Rebound};

#[component]
fn Chat(rebound: Rebound) -> impl IntoView {
    view! {
        <ConnectionStatus status=rebound.status on_retry=move || rebound.reconnect()/>
        <p class="last">{move || rebound.last_message.get()}</p>
    }
}

/// Renders `Chat` with a hook made in the same owner, as a server does for one request (the
/// owner keeps the hook's signals alive).
fn render() -> (Owner, String, Rebound) {
    let owner = Owner::new();
    let (html, rebound) = owner.with(|| {
        let rebound = use_rebound("wss://example.com/ws", ws_wasm::Options::default());
        (view! { <Chat rebound=rebound/> }.to_html(), rebound)
    });
    (owner, html, rebound)
}

#[test]
fn the_indicator_renders_on_the_server_as_connecting() {
    let (_owner, html, _) = render();
    assert!(html.contains(r#"class="rebound-status""#), "{html}");
    assert!(html.contains(r#"role="status""#), "{html}");
    assert!(html.contains(r#"data-state="connecting""#), "{html}");
    assert!(html.contains("Connecting…"), "{html}");
    assert!(html.contains("<style>"), "the default styles ship inside: {html}");
}

#[test]
fn the_hooks_actions_do_nothing_on_the_server() {
    // (Not `send`: a `JsValue` cannot even be made off wasm; event handlers, where sends
    // happen, do not run on the server.)
    let (_owner, _, rebound) = render();
    rebound.close();
    rebound.reconnect();
    assert_eq!(rebound.stats().attempts, 0);
    assert_eq!(rebound.queued(), (0, 0));
    assert_eq!(rebound.last_message.get_untracked(), None);
}

#[test]
fn the_typed_hook_renders_on_the_server_too() {
    #[derive(Clone, serde::Serialize, serde::Deserialize)]
    struct ChatMsg {
        text: String,
    }
    let owner = Owner::new();
    let html = owner.with(|| {
        let chat = status_widget::use_rebound_typed::<ChatMsg, ChatMsg, codee::string::JsonSerdeCodec>(
            "wss://example.com/ws",
            ws_wasm::Options::default(),
        );
        view! {
            <ConnectionStatus status=chat.status on_retry=move || chat.raw.reconnect()/>
            <p>{move || chat.message.get().map(|m| m.text)}</p>
        }
        .to_html()
    });
    assert!(html.contains(r#"data-state="connecting""#), "{html}");
}
