//! Rebound's demo: the Leptos status widget and hook against the test bed, with buttons for
//! every fault the test bed can inject, a log, a one-minute timeline and live stats.

mod timeline;

use gloo_timers::callback::Interval;
use leptos::prelude::*;
use status_widget::{use_rebound_with, ConnectionStatus};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use ws_wasm::ws_core::Config;
use ws_wasm::{Options, SocketEvent};

use timeline::{Timeline, TimelineView};

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// `POST /control/<action>` on the test bed that serves this page.
fn inject(action: &'static str, query: &'static str) {
    wasm_bindgen_futures::spawn_local(async move {
        let Some(window) = web_sys::window() else { return };
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        let url = format!("/control/{action}{}{query}", if query.is_empty() { "" } else { "?" });
        let _ = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init(&url, &init)).await;
    });
}

/// A one-line description of a socket event for the log.
fn describe(event: &SocketEvent) -> Option<String> {
    Some(match event {
        SocketEvent::State(state) => format!("state → {}", state.as_str()),
        SocketEvent::Ready { open_to_ready_ms } => format!("ready ({open_to_ready_ms} ms after open)"),
        SocketEvent::Message(message) => {
            format!("← {}", message.data().as_string().unwrap_or_else(|| "(binary)".into()))
        }
        SocketEvent::Closed(info) => format!(
            "closed {} {}{} — {}",
            info.code,
            info.kind.as_str(),
            info.retry_in_ms.map(|ms| format!(", retry in {ms} ms")).unwrap_or_default(),
            info.kind.hint()
        ),
        SocketEvent::Error => "socket error".into(),
        SocketEvent::Dropped { reason, .. } => format!("dropped a message ({})", reason.as_str()),
        SocketEvent::Drain => "drained".into(),
        _ => return None,
    })
}

const FAULTS: [(&str, &str, &str); 8] = [
    ("Server down 5 s", "down", "ms=5000"),
    ("Drop connections", "drop", ""),
    ("Half-open 15 s", "blackhole", "ms=15000"),
    ("Close 1008 (policy)", "close", "code=1008&reason=token%20expired"),
    ("Close 1012 (restart)", "close", "code=1012&reason=restarting"),
    ("Close 4000 (app stop)", "close", "code=4000&reason=kicked%20by%20admin"),
    ("Slow upgrade 10 s", "slow-upgrade", "ms=10000"),
    ("Reset", "reset", ""),
];

#[component]
fn App() -> impl IntoView {
    let config = Config::builder()
        .heartbeat_interval(2_000.0)
        .heartbeat_timeout(3_000.0)
        .max_retries(10.0)
        .build()
        .expect("the demo's options are valid");
    let log = RwSignal::new(Vec::<String>::new());
    let rebound = use_rebound_with("/ws", Options { config, ..Options::default() }, move |event| {
        if let Some(line) = describe(event) {
            log.update(|lines| {
                lines.insert(0, format!("{:>7.1} s  {line}", now() / 1000.0));
                lines.truncate(60);
            });
        }
    });
    let timeline = RwSignal::new(Timeline::default());
    Effect::new(move |_| {
        // The engine's state as it happens (no grace period): the timeline shows every blip.
        let phase = rebound.status.with(|s| s.view(now(), 0).indicator);
        timeline.update(|t| t.record(now(), phase));
    });
    let (stats, set_stats) = signal((rebound.stats(), rebound.queued(), now()));
    let poll = Interval::new(500, move || set_stats.set((rebound.stats(), rebound.queued(), now())));
    let poll = StoredValue::new_local(Some(poll));
    on_cleanup(move || poll.dispose());
    let (draft, set_draft) = signal(String::from("hello"));

    view! {
        <header>
            <h1>"Rebound"</h1>
            <ConnectionStatus status=rebound.status on_retry=move || rebound.reconnect()/>
        </header>
        <section class="panel">
            <h2>"Faults"</h2>
            <div class="buttons">
                {FAULTS.iter().map(|&(label, action, query)| view! {
                    <button type="button" data-fault=action on:click=move |_| inject(action, query)>{label}</button>
                }).collect_view()}
                <button type="button" on:click=move |_| rebound.close()>"Close (app)"</button>
                <button type="button" on:click=move |_| rebound.reconnect()>"Reconnect (app)"</button>
            </div>
        </section>
        <section class="panel">
            <h2>"Messages"</h2>
            <form on:submit=move |ev| { ev.prevent_default(); let _ = rebound.send(draft.get_untracked()); }>
                <input aria-label="Message" prop:value=draft on:input=move |ev| set_draft.set(event_target_value(&ev))/>
                <button type="submit">"Send"</button>
            </form>
            <p>"Last message: " <output class="last-message">{move || rebound.last_message.get()}</output></p>
        </section>
        <section class="panel">
            <h2>"Last minute"</h2>
            <TimelineView timeline=timeline now=Signal::derive(move || stats.get().2)/>
        </section>
        <section class="panel">
            <h2>"Stats"</h2>
            <dl class="stats">
                {move || {
                    let (s, (queued, _), at) = stats.get();
                    let uptime = s.ready_since.map_or("—".into(), |since| format!("{:.0} s", (at - since as f64) / 1000.0));
                    let rtt = s.rtt_ms.map_or("—".into(), |ms| format!("{ms} ms"));
                    view! {
                        <dt>"Attempts"</dt><dd>{s.attempts}</dd>
                        <dt>"RTT"</dt><dd>{rtt}</dd>
                        <dt>"Uptime"</dt><dd>{uptime}</dd>
                        <dt>"Queued"</dt><dd>{queued}</dd>
                        <dt>"Dropped"</dt><dd>{s.messages_dropped}</dd>
                    }
                }}
            </dl>
        </section>
        <section class="panel log">
            <h2>"Log"</h2>
            <ol>{move || log.get().into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ol>
        </section>
    }
}

/// Mounts the demo into `<main id="leptos">`, above the plain-JS panel.
#[wasm_bindgen(start)]
pub fn start() {
    let main = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("leptos"));
    match main {
        Some(main) => leptos::mount::mount_to(main.unchecked_into(), App).forget(),
        None => leptos::mount::mount_to_body(App),
    }
}
