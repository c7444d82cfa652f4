//! What the page and the network tell the engine: one [`Hint`] type, one entry point
//! ([`crate::Engine::hint`]), so a new hint touches this enum, the engine and its binding.

/// A page or network event the engine reacts to.
///
/// ```
/// use ws_core::{Config, Engine, Hint, State};
/// let mut engine: Engine<String> = Engine::new(Config::default(), 1);
/// engine.connect(0);
/// engine.hint(10, Hint::Offline);
/// assert!(matches!(engine.state(), State::Connecting { .. })); // the attempt runs on
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hint {
    /// The browser's `online` event: retry now instead of waiting.
    Online,
    /// The browser's `offline` event: no attempts (no busy retry) until online.
    Offline,
    /// The page went to the background (`visibilitychange`, hidden).
    Hidden,
    /// The page came back (`visibilitychange`, visible): probe the link at once.
    Visible,
    /// `pagehide`; `persisted` when the page enters the back/forward cache, where the
    /// socket is closed cleanly and every timer stops.
    PageHide {
        /// The page may be restored from the back/forward cache.
        persisted: bool,
    },
    /// `pageshow`; `persisted` when restored from the back/forward cache: reconnect.
    PageShow {
        /// The page was restored from the back/forward cache.
        persisted: bool,
    },
    /// The page was frozen and runs again (Page Lifecycle `resume`: a background or mobile
    /// page the browser suspended): probe the link at once, as on `Visible`.
    Resumed,
}

/// What the page says besides a page event's type: the facts [`Hint::from_event`] reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageFacts {
    /// `document.hidden` when the event fired.
    pub hidden: bool,
    /// The event's `persisted` (a `pagehide`/`pageshow` into or out of the back/forward
    /// cache); `false` for other events.
    pub persisted: bool,
}

impl Hint {
    /// The hint a DOM event means: its `type`, with `document.hidden` for
    /// `visibilitychange` and the event's `persisted` for `pagehide`/`pageshow` (the rule of
    /// which fact matters lives here, for both faces).
    ///
    /// ```
    /// use ws_core::{Hint, PageFacts};
    /// let hidden = PageFacts { hidden: true, persisted: false };
    /// let cached = PageFacts { hidden: true, persisted: true };
    /// assert_eq!(Hint::from_event("pagehide", cached), Some(Hint::PageHide { persisted: true }));
    /// assert_eq!(Hint::from_event("pagehide", hidden), Some(Hint::PageHide { persisted: false }));
    /// assert_eq!(Hint::from_event("visibilitychange", PageFacts::default()), Some(Hint::Visible));
    /// assert_eq!(Hint::from_event("click", hidden), None);
    /// ```
    pub fn from_event(event_type: &str, page: PageFacts) -> Option<Hint> {
        let index = Hint::EVENTS.iter().position(|(name, _)| *name == event_type)?;
        Hint::from_event_at(index, page)
    }

    /// [`Hint::from_event`] for the event at `index` in [`Hint::EVENTS`] (`None` past its
    /// end), for a binding that names the events by their place in that list (the JS face:
    /// no event names in its wasm).
    ///
    /// ```
    /// use ws_core::{Hint, PageFacts};
    /// let hidden = PageFacts { hidden: true, persisted: false };
    /// for (index, (name, _)) in Hint::EVENTS.iter().enumerate() {
    ///     assert_eq!(Hint::from_event_at(index, hidden), Hint::from_event(name, hidden));
    /// }
    /// assert_eq!(Hint::from_event_at(Hint::EVENTS.len(), hidden), None);
    /// ```
    pub fn from_event_at(index: usize, page: PageFacts) -> Option<Hint> {
        let PageFacts { hidden, persisted } = page;
        Some(match index {
            0 => Hint::Online,
            1 => Hint::Offline,
            2 if hidden => Hint::Hidden,
            2 => Hint::Visible,
            3 => Hint::PageHide { persisted },
            4 => Hint::PageShow { persisted },
            5 => Hint::Resumed,
            _ => return None,
        })
    }

    /// The DOM events that carry hints (the binding listens to exactly these), each with
    /// whether it listens on `document` (true) or `window` (false).
    pub const EVENTS: [(&'static str, bool); 6] = [
        ("online", false),
        ("offline", false),
        ("visibilitychange", true),
        ("pagehide", false),
        ("pageshow", false),
        ("resume", true),
    ];
}
