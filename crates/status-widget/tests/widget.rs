//! The indicator and the hook in headless Chromium and Firefox (see scripts/browser-tests.sh).
#![cfg(target_arch = "wasm32")]

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use status_widget::{use_rebound, ConnectionStatus, Indicator, Status};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use ws_wasm::ws_core::{CloseInfo, CloseKind, State};

wasm_bindgen_test_configure!(run_in_browser);

fn container() -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

fn root(container: &web_sys::HtmlElement) -> web_sys::Element {
    container.query_selector(".rebound-status").unwrap().expect("the indicator is rendered")
}

async fn settle() {
    TimeoutFuture::new(20).await;
}

fn now() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

/// A status that went through `states` (just now), after `close` if given.
fn made(max: Option<u32>, close: Option<(CloseKind, &str)>, states: &[State]) -> Status {
    let mut status = Status::new(max);
    if let Some((kind, reason)) = close {
        status.closed(&CloseInfo::stopped(kind, 1008, reason));
    }
    for state in states {
        status.state_changed(now(), *state);
    }
    status
}

#[wasm_bindgen_test]
async fn each_state_renders_text_icon_and_attributes() {
    let host = container();
    let status = RwSignal::new(Status::default());
    let retries = RwSignal::new(0);
    let on_retry = Callback::new(move |()| retries.update(|n| *n += 1));
    let _mounted = leptos::mount::mount_to(host.clone(), move || {
        view! { <ConnectionStatus status=status on_retry=on_retry/> }
    });
    let later = now() as u64 + 2_500;
    let policy = State::Failed { kind: CloseKind::Policy, retries_exhausted: false };
    let cases = [
        (made(None, None, &[State::Open]), Indicator::Connected, "Connected", "●"),
        (made(None, None, &[State::Connecting { attempt: 0 }]), Indicator::Connecting, "Connecting…", "↻"),
        (
            made(Some(10), None, &[State::Reconnecting { attempt: 2, retry_at: later }]),
            Indicator::Reconnecting,
            "Reconnecting · retrying in 3 s · attempt 2 of 10",
            "↻",
        ),
        (made(None, None, &[State::Offline { attempt: 1 }]), Indicator::Offline, "Waiting for network…", "⚠"),
        (made(None, None, &[State::Closed]), Indicator::Disconnected, "Disconnected", "○"),
        (
            made(None, Some((CloseKind::Policy, "token expired")), &[policy]),
            Indicator::Error,
            "The server refused the connection: token expired",
            "!",
        ),
    ];
    for (value, indicator, text, icon) in cases {
        status.set(value);
        settle().await;
        let root = root(&host);
        assert_eq!(root.get_attribute("data-state").as_deref(), Some(indicator.as_str()));
        assert_eq!(root.get_attribute("role").as_deref(), Some("status"));
        assert_eq!(root.get_attribute("aria-live").as_deref(), Some("polite"));
        let shown = root.query_selector(".rebound-status__text").unwrap().unwrap().text_content().unwrap();
        assert!(
            shown == text || (indicator == Indicator::Reconnecting && shown.starts_with("Reconnecting · retrying in")),
            "{shown}"
        );
        let glyph = root.query_selector(".rebound-status__icon").unwrap().unwrap();
        assert_eq!(glyph.text_content().as_deref(), Some(icon));
        assert_eq!(glyph.get_attribute("aria-hidden").as_deref(), Some("true"));
        let spoken = root.query_selector(".rebound-status__spoken").unwrap().unwrap().text_content().unwrap();
        assert!(!spoken.contains("retrying in"), "the live region does not tick: {spoken}");
        let button: web_sys::HtmlElement = root.query_selector("button").unwrap().unwrap().unchecked_into();
        let offered = matches!(indicator, Indicator::Error | Indicator::Disconnected);
        assert_eq!(!button.hidden(), offered, "Retry only in error and disconnected");
        if offered {
            assert_eq!(button.get_attribute("type").as_deref(), Some("button"));
            let before = retries.get_untracked();
            button.focus().unwrap();
            button.click();
            assert_eq!(retries.get_untracked(), before + 1, "Retry calls the callback");
        }
    }
    assert!(root(&host).query_selector("style").unwrap().is_some(), "styles ship with the component");
}

#[wasm_bindgen_test]
async fn unstyled_leaves_out_the_style_element() {
    let host = container();
    let status = RwSignal::new(Status::default());
    let _mounted = leptos::mount::mount_to(
        host.clone(),
        move || view! { <ConnectionStatus status=status on_retry=|| () unstyled=true/> },
    );
    settle().await;
    assert!(root(&host).query_selector("style").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn the_countdown_ticks() {
    let host = container();
    let retry_at = now() as u64 + 3_000;
    let status = RwSignal::new(made(None, None, &[State::Reconnecting { attempt: 1, retry_at }]));
    let _mounted =
        leptos::mount::mount_to(host.clone(), move || view! { <ConnectionStatus status=status on_retry=|| ()/> });
    settle().await;
    let text = || root(&host).query_selector(".rebound-status__text").unwrap().unwrap().text_content().unwrap();
    let first = text();
    TimeoutFuture::new(1_300).await;
    assert_ne!(text(), first, "the countdown moved");
}

#[wasm_bindgen_test]
async fn server_reasons_render_as_text_never_html() {
    let host = container();
    let reason = "<img src=x onerror=\"window.__pwned = 1\">";
    let failed = State::Failed { kind: CloseKind::Policy, retries_exhausted: false };
    let status = RwSignal::new(made(None, Some((CloseKind::Policy, reason)), &[failed]));
    let _mounted =
        leptos::mount::mount_to(host.clone(), move || view! { <ConnectionStatus status=status on_retry=|| ()/> });
    settle().await;
    let root = root(&host);
    assert!(root.query_selector("img").unwrap().is_none(), "no element was created from the reason");
    assert!(root.text_content().unwrap().contains(reason), "the reason is shown literally");
    let pwned = js_sys::Reflect::get(&js_sys::global(), &"__pwned".into()).unwrap();
    assert!(pwned.is_undefined());
}

fn bed() -> &'static str {
    match option_env!("REBOUND_TESTBED") {
        Some(url) => url,
        None => panic!("run through scripts/browser-tests.sh, which starts the test bed"),
    }
}

#[wasm_bindgen_test]
async fn a_blip_within_the_grace_period_never_shows_reconnecting() {
    let host = container();
    let status = RwSignal::new(made(None, None, &[State::Open]));
    let _mounted = leptos::mount::mount_to(host.clone(), move || {
        view! { <ConnectionStatus status=status on_retry=|| () grace=300/> }
    });
    settle().await;
    let state = || root(&host).get_attribute("data-state").unwrap();
    status.update(|s| s.state_changed(now(), State::Reconnecting { attempt: 1, retry_at: now() as u64 + 5_000 }));
    settle().await;
    assert_eq!(state(), "connected", "within the grace period");
    TimeoutFuture::new(400).await;
    assert_eq!(state(), "reconnecting", "shown once the grace period is over, with no new event");
}

#[wasm_bindgen_test]
async fn the_hook_connects_and_unmount_closes_the_socket() {
    let host = container();
    let url = [bed().replace("http://", "ws://").as_str(), "/ws"].concat();
    let baseline = ws_wasm::live_handlers();
    let mounted = leptos::mount::mount_to(host.clone(), move || {
        let rebound = use_rebound(&url, ws_wasm::Options::default());
        Effect::new(move |_| {
            if rebound.status.get().tracker.state() == State::Open {
                let _ = rebound.send("hello from the hook");
            }
        });
        view! {
            <ConnectionStatus status=rebound.status on_retry=move || rebound.reconnect()/>
            <p class="last">{move || rebound.last_message.get()}</p>
        }
    });
    let mut waited = 0;
    while host.query_selector(".last").unwrap().unwrap().text_content().unwrap() != "hello from the hook" {
        assert!(waited < 10_000, "the echo reached the hook");
        TimeoutFuture::new(20).await;
        waited += 20;
    }
    assert_eq!(root(&host).get_attribute("data-state").as_deref(), Some("connected"));
    assert!(ws_wasm::live_handlers() > baseline);
    drop(mounted);
    settle().await;
    assert_eq!(ws_wasm::live_handlers(), baseline, "unmount detached the socket's handlers");
    assert!(host.query_selector(".rebound-status").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn an_invalid_url_is_an_error_state_not_a_panic() {
    let host = container();
    let _mounted = leptos::mount::mount_to(host.clone(), move || {
        let rebound = use_rebound("ftp://example.com/", ws_wasm::Options::default());
        view! { <ConnectionStatus status=rebound.status on_retry=move || rebound.reconnect()/> }
    });
    settle().await;
    let root = root(&host);
    assert_eq!(root.get_attribute("data-state").as_deref(), Some("error"));
    assert!(root.text_content().unwrap().contains("unsupported URL scheme"));
}

/// `share` through the hook: two components, one socket. The echo of what one sends
/// reaches both — with a socket each, only the sender's would hear it.
#[wasm_bindgen_test]
async fn two_hooks_with_share_use_one_socket() {
    let host = container();
    let url = [bed().replace("http://", "ws://").as_str(), "/ws"].concat();
    let baseline = ws_wasm::live_handlers();
    let mounted = leptos::mount::mount_to(host.clone(), move || {
        let options = ws_wasm::Options { share: Some("hook-test".into()), ..ws_wasm::Options::default() };
        let a = use_rebound(&url, options.clone());
        let b = use_rebound(&url, options);
        Effect::new(move |_| {
            let open = |r: status_widget::Rebound| r.status.get().tracker.state() == State::Open;
            if open(a) && open(b) {
                let _ = a.send("sent by a");
            }
        });
        view! {
            <p class="a">{move || a.last_message.get()}</p>
            <p class="b">{move || b.last_message.get()}</p>
        }
    });
    let text = |class: &str| host.query_selector(class).unwrap().unwrap().text_content().unwrap();
    let mut waited = 0;
    while text(".a") != "sent by a" || text(".b") != "sent by a" {
        assert!(waited < 10_000, "the echo reached both hooks: a={:?} b={:?}", text(".a"), text(".b"));
        TimeoutFuture::new(20).await;
        waited += 20;
    }
    drop(mounted);
    // The leading tab's socket closes once the hub has seen that no member is left.
    let mut waited = 0;
    while ws_wasm::live_handlers() != baseline {
        assert!(waited < 5_000, "unmount detached every handler, the shared socket's too");
        TimeoutFuture::new(20).await;
        waited += 20;
    }
}
