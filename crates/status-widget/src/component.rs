//! `ConnectionStatus`: the indicator itself.

use gloo_timers::callback::Interval;
use leptos::prelude::*;

use crate::status::{Phase, Status};

/// Default look: light and dark palettes through CSS custom properties, a spinner that stops
/// for `prefers-reduced-motion`. Override any `--rebound-*` property on `.rebound-status` or
/// an ancestor.
pub const STYLE: &str = r#"
.rebound-status {
  --rebound-connected: #1a7f37; --rebound-connecting: #0969da; --rebound-disconnected: #59636e;
  --rebound-error: #cf222e; --rebound-bg: #f6f8fa; --rebound-fg: #1f2328; --rebound-radius: 999px;
  display: inline-flex; align-items: center; gap: .5em; padding: .3em .8em;
  border-radius: var(--rebound-radius); background: var(--rebound-bg); color: var(--rebound-fg);
  font: 500 .9rem/1.4 system-ui, sans-serif; border: 1px solid var(--rebound-accent);
}
@media (prefers-color-scheme: dark) {
  .rebound-status {
    --rebound-connected: #3fb950; --rebound-connecting: #58a6ff; --rebound-disconnected: #9198a1;
    --rebound-error: #f85149; --rebound-bg: #151b23; --rebound-fg: #f0f6fc;
  }
}
.rebound-status[data-state=connected] { --rebound-accent: var(--rebound-connected); }
.rebound-status[data-state=connecting], .rebound-status[data-state=reconnecting] { --rebound-accent: var(--rebound-connecting); }
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
.rebound-status__retry:focus-visible, .rebound-status:focus-visible { outline: 2px solid var(--rebound-fg); outline-offset: 2px; }
"#;

fn icon(phase: Phase) -> &'static str {
    match phase {
        Phase::Connected => "●",
        Phase::Connecting | Phase::Reconnecting => "↻",
        Phase::Disconnected => "○",
        Phase::Error => "!",
    }
}

fn performance_now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// The connection indicator: `role="status"`, `aria-live="polite"`, class `rebound-status`,
/// `data-state` one of `connected`, `connecting`, `reconnecting`, `disconnected`, `error`;
/// an icon and a text line besides the colour; in `error`, the reason as text and a Retry
/// `<button>` that calls `on_retry` (focus then moves to the indicator, not the page). The
/// countdown ("retrying in 3 s · attempt 2 of 10") ticks while reconnecting.
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
) -> impl IntoView {
    let (clock, set_clock) = signal(performance_now());
    // Tick only while a countdown is on screen.
    let ticker = StoredValue::new_local(None::<Interval>);
    Effect::new(move |_| {
        let waiting = status.with(|s| s.retry_at.is_some());
        set_clock.set(performance_now());
        ticker.set_value(waiting.then(|| Interval::new(250, move || set_clock.set(performance_now()))));
    });
    on_cleanup(move || ticker.dispose());
    let root = NodeRef::<leptos::html::Div>::new();
    let retry = move |_| {
        on_retry.run(());
        // The button disappears with the error state; keep keyboard focus on the indicator.
        if let Some(root) = root.get_untracked() {
            let _ = root.focus();
        }
    };
    let phase = move || status.with(|s| s.phase);
    let text = move || status.with(|s| s.text(clock.get()));
    let spoken = move || status.with(Status::spoken);
    view! {
        <div node_ref=root class="rebound-status" role="status" aria-live="polite" tabindex="-1"
             data-state=move || phase().as_str()>
            {(!unstyled).then(|| view! { <style>{STYLE}</style> })}
            <span class="rebound-status__icon" aria-hidden="true">{move || icon(phase())}</span>
            // The ticking countdown is for the eyes; screen readers get a line that only
            // changes when the state does, so a polite live region is not chatty.
            <span class="rebound-status__text" aria-hidden="true">{text}</span>
            <span class="rebound-status__spoken">{spoken}</span>
            <Show when=move || phase() == Phase::Error>
                <button type="button" class="rebound-status__retry" on:click=retry>
                    "Retry"
                </button>
            </Show>
        </div>
    }
}
