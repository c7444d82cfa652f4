//! `ConnectionStatus`: the indicator itself.

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use ws_wasm::ws_core::{RetryButton, DEFAULT_GRACE_MS};

use crate::status::Status;

/// Default look: light and dark palettes through CSS custom properties, a spinner that stops
/// for `prefers-reduced-motion`. Override any `--rebound-*` property on `.rebound-status` or
/// an ancestor.
pub const STYLE: &str = r#"
.rebound-status {
  --rebound-connected: #1a7f37; --rebound-connecting: #0969da; --rebound-disconnected: #59636e;
  --rebound-offline: #9a6700; --rebound-error: #cf222e; --rebound-bg: #f6f8fa; --rebound-fg: #1f2328; --rebound-radius: 999px;
  display: inline-flex; align-items: center; gap: .5em; padding: .3em .8em;
  border-radius: var(--rebound-radius); background: var(--rebound-bg); color: var(--rebound-fg);
  font: 500 .9rem/1.4 system-ui, sans-serif; border: 1px solid var(--rebound-accent);
}
@media (prefers-color-scheme: dark) {
  .rebound-status {
    --rebound-connected: #3fb950; --rebound-connecting: #58a6ff; --rebound-disconnected: #9198a1;
    --rebound-offline: #d29922; --rebound-error: #f85149; --rebound-bg: #151b23; --rebound-fg: #f0f6fc;
  }
}
.rebound-status[data-state=connected] { --rebound-accent: var(--rebound-connected); }
.rebound-status[data-state=connecting], .rebound-status[data-state=reconnecting] { --rebound-accent: var(--rebound-connecting); }
.rebound-status[data-state=offline] { --rebound-accent: var(--rebound-offline); }
.rebound-status[data-state=disconnected] { --rebound-accent: var(--rebound-disconnected); }
.rebound-status[data-state=error] { --rebound-accent: var(--rebound-error); }
.rebound-status__icon { color: var(--rebound-accent); font-weight: 700; display: inline-block; width: 1em; text-align: center; }
.rebound-status[data-state=connecting] .rebound-status__icon,
.rebound-status[data-state=reconnecting] .rebound-status__icon { animation: rebound-spin 1s linear infinite; }
@keyframes rebound-spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .rebound-status__icon { animation: none !important; } }
.rebound-status__spoken {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap;
}
.rebound-status__retry {
  font: inherit; color: var(--rebound-bg); background: var(--rebound-error); border: 0;
  border-radius: var(--rebound-radius); padding: .1em .8em; cursor: pointer;
}
.rebound-status__retry[aria-disabled=true] { opacity: .6; cursor: progress; }
.rebound-status__retry[hidden] { display: none; }
.rebound-status__retry:focus-visible, .rebound-status:focus-visible { outline: 2px solid var(--rebound-fg); outline-offset: 2px; }
"#;

/// The page's clock (`performance.now()` ms), the one the engine's times are on; 0 on the
/// server (an SSR render), which has no page.
pub(crate) fn performance_now() -> f64 {
    #[cfg(target_arch = "wasm32")]
    return web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now());
    #[cfg(not(target_arch = "wasm32"))]
    0.0
}

/// The connection indicator: `role="status"`, `aria-live="polite"`, class `rebound-status`,
/// `data-state` one of `connected`, `connecting`, `reconnecting`, `offline`, `disconnected`,
/// `error`; an icon and a text line besides the colour; in `error` and `disconnected` a
/// Retry `<button>` that calls `on_retry` (`aria-disabled` while the Retry it started
/// connects, so keyboard focus stays on it; when it goes away, focus moves to the indicator).
/// It renders the engine crate's status model ([`crate::Status::view`]), the same one
/// `<rebound-status>` renders, so the two cannot drift: the countdown ("retrying in 3 s ·
/// attempt 2 of 10"), the grace period (a drop that recovers within `grace` ms, default
/// 500, never shows), the error line saying whose side failed and the reason as text.
///
/// The default styles ship inside the component as a `<style>` element; under a CSP without
/// `style-src 'unsafe-inline'` pass `unstyled=true` and serve [`STYLE`] from a stylesheet.
#[component]
pub fn ConnectionStatus(
    /// The status to show (e.g. `use_rebound(..).status`).
    #[prop(into)]
    status: Signal<Status>,
    /// Called by the Retry button.
    #[prop(into)]
    on_retry: Callback<()>,
    /// Leave out the built-in `<style>` element.
    #[prop(optional)]
    unstyled: bool,
    /// The grace period in ms (default 500).
    #[prop(optional)]
    grace: Option<u64>,
) -> impl IntoView {
    let grace = grace.unwrap_or(DEFAULT_GRACE_MS);
    let (clock, set_clock) = signal(0u32);
    // The model says when the view changes without an event (countdown, grace period).
    let view = Memo::new(move |_| {
        clock.track();
        status.with(|s| s.view(performance_now(), grace))
    });
    let timer = StoredValue::new_local(None::<Timeout>);
    Effect::new(move |_| {
        let recheck = view.with(|v| v.recheck_in);
        timer.set_value(
            recheck.map(|ms| Timeout::new(ms.min(60_000) as u32 + 1, move || set_clock.update(|n| *n += 1))),
        );
    });
    on_cleanup(move || timer.dispose());
    let root = NodeRef::<leptos::html::Div>::new();
    let button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        let retry = view.with(|v| v.retry);
        let (Some(button), Some(root)) = (button.get(), root.get()) else { return };
        let focused = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element())
            == Some(button.clone().into());
        button.set_hidden(retry == RetryButton::Hidden);
        let _ = button.set_attribute("aria-disabled", if retry == RetryButton::Disabled { "true" } else { "false" });
        if focused && retry == RetryButton::Hidden {
            let _ = root.focus();
        }
    });
    let retry = move |_| {
        if view.with_untracked(|v| v.retry) == RetryButton::Enabled {
            on_retry.run(());
        }
    };
    let indicator = move || view.with(|v| v.indicator);
    view! {
        <div node_ref=root class="rebound-status" role="status" aria-live="polite" tabindex="-1"
             data-state=move || indicator().as_str()>
            {(!unstyled).then(|| view! { <style>{STYLE}</style> })}
            <span class="rebound-status__icon" aria-hidden="true">{move || indicator().icon()}</span>
            // The ticking countdown is for the eyes; screen readers get a line that only
            // changes when the state does, so a polite live region is not chatty.
            <span class="rebound-status__text" aria-hidden="true">{move || view.with(|v| v.text.clone())}</span>
            <span class="rebound-status__spoken">{move || view.with(|v| v.spoken.clone())}</span>
            <button node_ref=button type="button" class="rebound-status__retry" hidden=true on:click=retry>
                "Retry"
            </button>
        </div>
    }
}
