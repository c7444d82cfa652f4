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

impl Hint {
    /// The hint a DOM event means: its `type`, and `flag` = `document.hidden` for
    /// `visibilitychange`, `event.persisted` for `pagehide`/`pageshow` (ignored otherwise).
    ///
    /// ```
    /// use ws_core::Hint;
    /// assert_eq!(Hint::from_event("pagehide", true), Some(Hint::PageHide { persisted: true }));
    /// assert_eq!(Hint::from_event("visibilitychange", false), Some(Hint::Visible));
    /// assert_eq!(Hint::from_event("click", false), None);
    /// ```
    pub fn from_event(event_type: &str, flag: bool) -> Option<Hint> {
        Some(match event_type {
            "online" => Hint::Online,
            "offline" => Hint::Offline,
            "visibilitychange" if flag => Hint::Hidden,
            "visibilitychange" => Hint::Visible,
            "pagehide" => Hint::PageHide { persisted: flag },
            "pageshow" => Hint::PageShow { persisted: flag },
            "resume" => Hint::Resumed,
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
