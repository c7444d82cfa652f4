//! Page and network hints: the browser's online/offline, visibility, freeze/resume and
//! back/forward cache events, each turned into a probe, a retry, a pause or a resume.

use super::closing::{Afterwards, Ending};
use super::Engine;
use crate::close::CloseKind;
use crate::hint::Hint;
use crate::queue::Payload;
use crate::state::State;

impl<P: Payload> Engine<P> {
    /// A page or network hint (see [`Hint`]).
    pub fn hint(&mut self, now: u64, hint: Hint) {
        match hint {
            Hint::Online => self.network_changed(now, true),
            Hint::Offline => self.network_changed(now, false),
            Hint::Hidden => self.visibility_changed(now, true),
            Hint::Visible => self.visibility_changed(now, false),
            Hint::PageHide { persisted } => self.page_hidden(persisted),
            Hint::PageShow { persisted } => self.page_shown(now, persisted),
            Hint::Resumed => self.resumed(now),
        }
    }

    /// The page ran again after being frozen: whatever its timers said, the link may have
    /// died meanwhile, so an open one is probed at once and a waiting one retries soon.
    fn resumed(&mut self, now: u64) {
        match self.state {
            State::Open => self.probe(now),
            State::Reconnecting { .. } => self.retry_soon(now),
            _ => {}
        }
    }

    fn network_changed(&mut self, now: u64, online: bool) {
        self.online = online;
        match self.state {
            State::Reconnecting { attempt, .. } if !online => self.set_state(State::Offline { attempt }),
            State::Offline { .. } if online => self.start_attempt(now),
            State::Reconnecting { .. } if online => self.retry_soon(now),
            State::Open => self.probe(now),
            _ => {}
        }
    }

    fn visibility_changed(&mut self, now: u64, hidden: bool) {
        let resumed = self.hidden && !hidden;
        self.hidden = hidden;
        if resumed {
            match self.state {
                State::Open => self.probe(now),
                State::Reconnecting { .. } => self.retry_soon(now),
                _ => {}
            }
        }
    }

    /// Entering the back/forward cache closes the socket cleanly and stops every timer
    /// until the page is shown again.
    fn page_hidden(&mut self, persisted: bool) {
        if !persisted || self.state.is_stopped() {
            return;
        }
        if let Some(socket) = self.socket.take() {
            self.close_socket(socket.conn, 1000, "page hidden");
            self.end_socket(
                socket,
                Ending::on_purpose(CloseKind::Suspended, "page hidden"),
                Afterwards::Retries { in_ms: None },
            );
        }
        self.set_state(State::Suspended);
    }

    fn page_shown(&mut self, now: u64, persisted: bool) {
        if persisted && self.state == State::Suspended {
            if self.online {
                self.connect(now);
            } else {
                self.retries = 0;
                self.set_state(State::Offline { attempt: 0 });
            }
        }
    }
}
