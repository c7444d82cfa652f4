//! The last minute of connection states as a strip chart.

use leptos::prelude::*;
use status_widget::Indicator as Phase;

/// Seconds shown.
const WINDOW_MS: f64 = 60_000.0;

/// State changes: when (performance.now() ms) and into what.
#[derive(Clone, Default)]
pub struct Timeline {
    changes: Vec<(f64, Phase)>,
}

impl Timeline {
    pub fn record(&mut self, at: f64, phase: Phase) {
        if self.changes.last().map(|&(_, last)| last) != Some(phase) {
            self.changes.push((at, phase));
        }
        // Keep one change older than the window: it colours the window's start.
        let cutoff = at - WINDOW_MS;
        let old = self.changes.iter().take_while(|(t, _)| *t < cutoff).count();
        self.changes.drain(..old.saturating_sub(1));
    }

    /// `(start %, width %, phase)` segments covering the window ending at `now`.
    fn segments(&self, now: f64) -> Vec<(f64, f64, Phase)> {
        let start = now - WINDOW_MS;
        let mut segments = Vec::new();
        for (i, &(at, phase)) in self.changes.iter().enumerate() {
            let end = self.changes.get(i + 1).map_or(now, |&(next, _)| next);
            let (from, to) = (at.max(start), end.min(now));
            if to > from {
                segments.push(((from - start) / WINDOW_MS * 100.0, (to - from) / WINDOW_MS * 100.0, phase));
            }
        }
        segments
    }
}

#[component]
pub fn TimelineView(timeline: RwSignal<Timeline>, #[prop(into)] now: Signal<f64>) -> impl IntoView {
    view! {
        <svg class="timeline" viewBox="0 0 100 10" preserveAspectRatio="none" role="img"
             aria-label="Connection states over the last minute">
            {move || timeline.with(|t| t.segments(now.get())).into_iter().map(|(x, width, phase)| view! {
                <rect x=x y="0" width=width height="10" class=format!("segment {}", phase.as_str())>
                    <title>{phase.as_str()}</title>
                </rect>
            }).collect_view()}
        </svg>
        <div class="timeline-axis"><span>"−60 s"</span><span>"now"</span></div>
    }
}
