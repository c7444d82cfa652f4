//! Shared helpers for the browser tests: the test bed's control API, an event recorder, and
//! waiting with generous deadlines.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use ws_wasm::ws_core::{CloseInfo, CloseKind, Config, ConfigBuilder, Jitter, State};
use ws_wasm::{Options, Socket, SocketEvent};

#[wasm_bindgen(inline_js = "
export function control(base, action, query) {
  return fetch(base + '/control/' + action + (query ? '?' + query : ''), { method: 'POST' }).then((r) => r.json());
}
export function bedStats(base) { return fetch(base + '/control/stats').then((r) => r.json()); }
export function dispatchWindow(name) { window.dispatchEvent(new Event(name)); }
export function setHidden(hidden) {
  Object.defineProperty(document, 'hidden', { value: hidden, configurable: true });
  document.dispatchEvent(new Event('visibilitychange'));
}
export function receivedBy(stats, id) {
  const c = stats.connections.find((c) => c.id === id);
  return c ? c.received : [];
}
")]
extern "C" {
    fn control(base: &str, action: &str, query: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = bedStats)]
    fn bed_stats(base: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = dispatchWindow)]
    pub fn dispatch_window(name: &str);
    #[wasm_bindgen(js_name = setHidden)]
    pub fn set_hidden(hidden: bool);
}

/// The test bed the run started (`scripts/browser-tests.sh` sets it at compile time).
pub fn bed() -> &'static str {
    match option_env!("REBOUND_TESTBED") {
        Some(url) => url,
        None => panic!("run through scripts/browser-tests.sh, which starts the test bed"),
    }
}

pub fn ws_url() -> String {
    [bed().replace("http://", "ws://").as_str(), "/ws"].concat()
}

/// `POST /control/<action>?<query>`, then wait for the answer.
pub async fn fault(action: &str, query: &str) {
    JsFuture::from(control(bed(), action, query)).await.expect("control API answers");
}

pub async fn reset() {
    fault("reset", "stats").await;
}

/// `GET /control/stats`.
pub async fn stats() -> JsValue {
    JsFuture::from(bed_stats(bed())).await.expect("stats")
}

/// Every connection's received messages, in connection order.
pub async fn received_per_connection() -> Vec<Vec<String>> {
    let stats = stats().await;
    let connections = js_sys::Reflect::get(&stats, &"connections".into()).unwrap();
    js_sys::Array::from(&connections)
        .iter()
        .map(|c| {
            let received = js_sys::Reflect::get(&c, &"received".into()).unwrap();
            js_sys::Array::from(&received).iter().filter_map(|m| m.as_string()).collect()
        })
        .collect()
}

pub async fn accepted() -> f64 {
    js_sys::Reflect::get(&stats().await, &"accepted".into()).unwrap().as_f64().unwrap()
}

pub async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await;
}

/// Everything a socket reported, in order.
#[derive(Clone, Default)]
pub struct Recorder(pub Rc<RefCell<Vec<SocketEvent>>>);

impl Recorder {
    pub fn closes(&self) -> Vec<CloseInfo> {
        self.0
            .borrow()
            .iter()
            .filter_map(|e| match e {
                SocketEvent::Closed(info) => Some(info.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn texts(&self) -> Vec<String> {
        self.0
            .borrow()
            .iter()
            .filter_map(|e| match e {
                SocketEvent::Message(m) => m.data().as_string(),
                _ => None,
            })
            .collect()
    }

    pub fn count(&self, matches: impl Fn(&SocketEvent) -> bool) -> usize {
        self.0.borrow().iter().filter(|e| matches(e)).count()
    }

    pub fn last_close_kind(&self) -> Option<CloseKind> {
        self.closes().last().map(|c| c.kind)
    }
}

/// Fast, deterministic retries for tests.
pub fn quick() -> ConfigBuilder {
    Config::builder()
        .jitter(Jitter::None)
        .min_reconnection_delay(50.0)
        .max_reconnection_delay(200.0)
        .connection_timeout(2_000.0)
}

/// Connects to the test bed with `config` and records everything.
pub fn connect_with(options: Options) -> (Socket, Recorder) {
    let recorder = Recorder::default();
    let sink = recorder.clone();
    let socket = Socket::connect(&ws_url(), options, move |event| sink.0.borrow_mut().push(event)).expect("valid URL");
    (socket, recorder)
}

pub fn connect(config: ConfigBuilder) -> (Socket, Recorder) {
    connect_with(Options { config: config.build().expect("valid config"), ..Options::default() })
}

/// Polls `condition` every 10 ms; panics with `what` after `timeout_ms`.
pub async fn wait_for(what: &str, timeout_ms: u32, mut condition: impl FnMut() -> bool) {
    let mut waited = 0;
    while !condition() {
        if waited >= timeout_ms {
            panic!("timed out after {timeout_ms} ms waiting for {what}");
        }
        sleep(10).await;
        waited += 10;
    }
}

pub async fn wait_open(socket: &Socket) {
    wait_for("the socket to be open", 10_000, || socket.state().unwrap() == State::Open).await;
}

pub fn now() -> f64 {
    js_sys::Date::now()
}
