//! The leading tab's end: relays the real socket to every member.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use super::{truncate, Tab, Wire, STOPPED_CODE};
use crate::close::CloseKind;

/// What a [`Hub`] asks its driver to do.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum HubOutput<T> {
    /// Post on the channel.
    Post(Wire<T>),
    /// Send `data` on the socket if it goes out now (open, nothing ahead of it), and then
    /// report [`Hub::transmitted`] with what it added to the socket's `bufferedAmount`; if
    /// it would only be queued, drop it here: the member still has it and sends it again
    /// when its link reopens.
    Transmit {
        /// The member that sent it.
        tab: Tab,
        /// Its number.
        seq: u64,
        /// The message.
        data: T,
    },
    /// Find out when member `tab` is gone (its lock is released: it closed, navigated or
    /// crashed) and report [`Hub::member_gone`].
    WatchMember {
        /// The member.
        tab: Tab,
    },
    /// The stopped socket tries again (the engine's `reconnect`).
    Reconnect,
    /// Find out whether any member other than `leaving` is still there (its lock may not be
    /// gone yet; [`super::any_member`]) and report with [`Hub::members_checked`].
    CheckMembers {
        /// The member that left (`""` at the start: none).
        leaving: Tab,
    },
    /// The last member is gone: close the socket and give up leading (both locks).
    End,
}

/// The leading tab's end: relays the real socket to every member.
#[derive(Debug)]
pub struct Hub<T> {
    id: Tab,
    options: String,
    /// Links waiting for the socket to be ready (member, link).
    waiting: Vec<(Tab, u32)>,
    /// The socket's URL and subprotocol while it is ready.
    socket: Option<(String, String)>,
    /// How many times the socket has opened.
    epoch: u32,
    /// Sends on the socket not yet acknowledged (in its buffer, or out of it for less than
    /// [`super::ACK_SETTLE_MS`]), oldest first.
    unsent: Vec<Unacked>,
    /// Bytes put on this socket by [`Hub::transmitted`].
    added: u64,
    /// Each member's latest send this socket took (so a replay is not sent twice), and the
    /// latest it acknowledged (0: none; a replay of that one means the member missed the ack).
    taken: Vec<(Tab, u64, u64)>,
    /// The close links get while the socket has stopped for good.
    stopped: Option<(u16, String, bool)>,
    /// Members whose going the driver watches.
    watched: Vec<Tab>,
    ended: bool,
    outputs: VecDeque<HubOutput<T>>,
}

/// A member's send on the socket, not acknowledged yet.
#[derive(Clone, Debug)]
struct Unacked {
    tab: Tab,
    seq: u64,
    /// Where it ends in the bytes this hub put on the socket.
    end: u64,
    /// When the buffer was first seen drained past it.
    gone_at: Option<u64>,
}

impl<T> Hub<T> {
    /// A hub named `id` (unique: a new name for every hub, even in the same tab), running
    /// the socket with options of this [`super::fingerprint`]. The driver holds the leader's
    /// lock and this hub's [`super::hub_lock`] before it starts one. It announces itself and
    /// asks whether any member is there at all (the one that started it may have left).
    pub fn new(id: Tab, options: String) -> Self {
        let mut outputs = VecDeque::new();
        outputs.push_back(HubOutput::Post(Wire::Leader { hub: id.clone() }));
        outputs.push_back(HubOutput::CheckMembers { leaving: Tab::new() });
        Hub {
            id,
            options,
            waiting: Vec::new(),
            socket: None,
            epoch: 0,
            unsent: Vec::new(),
            added: 0,
            taken: Vec::new(),
            stopped: None,
            watched: Vec::new(),
            ended: false,
            outputs,
        }
    }

    /// The next thing to do, in order.
    pub fn poll_output(&mut self) -> Option<HubOutput<T>> {
        self.outputs.pop_front()
    }

    /// This hub's name (server messages are relayed in it: `Wire::Message { hub, .. }`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The socket is ready: every waiting link opens.
    pub fn socket_opened(&mut self, url: String, protocol: String) {
        if self.ended {
            return;
        }
        self.epoch += 1;
        self.unsent.clear();
        self.added = 0;
        self.taken.clear();
        for (tab, conn) in core::mem::take(&mut self.waiting) {
            self.open(tab, conn, &url, &protocol);
        }
        self.socket = Some((url, protocol));
    }

    /// The socket closed. `stopped` is `Some(kind, hint)` when it will not retry: links
    /// then close with [`STOPPED_CODE`], the reason naming the kind and the reason (or hint).
    /// Otherwise links close with the socket's code and reason and ask again at once, so they
    /// wait at the hub and are open when the socket is (a link that asked only after the
    /// socket's countdown could miss the first server messages in a throttled tab).
    /// Sends still in its buffer are not acknowledged: members replay them.
    pub fn socket_closed(&mut self, code: u16, reason: &str, clean: bool, stopped: Option<(CloseKind, &str)>) {
        self.socket = None;
        self.unsent.clear();
        self.waiting.clear(); // the close below reaches waiting links too; they ask again
        if self.ended {
            return; // its own close, after the last member left: nobody to tell
        }
        let close = match stopped {
            None => (code, String::from(reason), clean),
            Some((kind, hint)) => {
                let why = if reason.is_empty() { hint } else { reason };
                let mut text = String::from("shared connection stopped (");
                text.push_str(kind.as_str());
                text.push_str("): ");
                text.push_str(why);
                truncate(&mut text, 123); // a close reason's limit, in bytes
                (STOPPED_CODE, text, clean)
            }
        };
        self.stopped = stopped.map(|_| close.clone());
        let (code, reason, clean) = close;
        let hub = self.id.clone();
        self.outputs.push_back(HubOutput::Post(Wire::Close { to: None, conn: None, code, reason, clean, hub }));
    }

    /// The socket is connecting again (its tab's `reconnect()`): it is no longer stopped.
    pub fn socket_connecting(&mut self) {
        self.stopped = None;
    }

    /// Whether the hub has ended (the last member left).
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// A message from the channel.
    pub fn receive(&mut self, wire: Wire<T>) {
        if self.ended {
            return;
        }
        match wire {
            Wire::Hello { tab, conn, options, .. } => {
                if !self.watched.contains(&tab) {
                    self.watched.push(tab.clone());
                    self.outputs.push_back(HubOutput::WatchMember { tab: tab.clone() });
                }
                // Every time (a member warns once): it ignores what a hub says before it
                // follows that hub, and says hello again once it does.
                if options != self.options {
                    let mismatch =
                        Wire::Mismatch { hub: self.id.clone(), to: tab.clone(), options: self.options.clone() };
                    self.outputs.push_back(HubOutput::Post(mismatch));
                }
                if let Some((url, protocol)) = self.socket.clone() {
                    self.open(tab, conn, &url, &protocol);
                } else if let Some((code, reason, clean)) = self.stopped.clone() {
                    let hub = self.id.clone();
                    let close = Wire::Close { to: Some(tab), conn: Some(conn), code, reason, clean, hub };
                    self.outputs.push_back(HubOutput::Post(close));
                } else if !self.waiting.iter().any(|(t, c)| *t == tab && *c == conn) {
                    self.waiting.push((tab, conn));
                }
            }
            Wire::Bye { tab, conn } => {
                self.waiting.retain(|(t, c)| !(*t == tab && *c == conn));
            }
            // Taken only by the open socket it was sent to; otherwise it stays in the
            // member's outbox and is sent again, first, when its link reopens.
            // Once per socket: a member that relinks (its `reconnect()`) replays what is not
            // yet acknowledged, and what this socket already took is not sent twice.
            Wire::Send { tab, hub, epoch, seq, data, .. }
                if self.socket.is_some() && hub == self.id && epoch == self.epoch =>
            {
                match self.taken.iter_mut().find(|(t, _, _)| *t == tab) {
                    Some((_, last, acked)) if seq <= *last => {
                        // Acknowledged already, but the member replays it: it missed the ack
                        // (it left the channel and came back), so it hears it again.
                        if seq == *acked {
                            let ack = Wire::Ack { hub: self.id.clone(), to: tab, seq };
                            self.outputs.push_back(HubOutput::Post(ack));
                        }
                        return;
                    }
                    Some((_, last, _)) => *last = seq,
                    None => self.taken.push((tab.clone(), seq, 0)),
                }
                self.outputs.push_back(HubOutput::Transmit { tab, seq, data });
            }
            Wire::Leave { tab } => {
                self.waiting.retain(|(t, _)| *t != tab);
                self.outputs.push_back(HubOutput::CheckMembers { leaving: tab });
            }
            Wire::Revive { .. } if self.stopped.take().is_some() => self.outputs.push_back(HubOutput::Reconnect),
            _ => {}
        }
    }

    /// The driver put member `tab`'s send `seq` ([`HubOutput::Transmit`]) on the socket,
    /// which added `bytes` to its `bufferedAmount`. It is acknowledged once the buffer has
    /// drained past it and [`super::ACK_SETTLE_MS`] have passed since ([`Hub::drained`]), not
    /// before: a tab that dies with it still in the buffer never sent it, nor, often, one
    /// that dies just after (see `ACK_SETTLE_MS`), and the member replays it to the next hub.
    pub fn transmitted(&mut self, tab: Tab, seq: u64, bytes: u64) {
        if self.ended || self.socket.is_none() {
            return;
        }
        self.added += bytes;
        self.unsent.push(Unacked { tab, seq, end: self.added, gone_at: None });
    }

    /// The socket's `bufferedAmount` at `now` (the driver's clock, ms): what has left the
    /// buffer (everything, at 0) is noted, and what left it [`super::ACK_SETTLE_MS`] or more
    /// ago is acknowledged, one ack per member for its latest send gone. Bytes the socket
    /// buffered without [`Hub::transmitted`] (the heartbeat's pings) only make this later,
    /// never early.
    pub fn drained(&mut self, now: u64, buffered: u64) {
        if self.ended {
            return;
        }
        let gone = if buffered == 0 { u64::MAX } else { self.added.saturating_sub(buffered) };
        for sent in self.unsent.iter_mut().take_while(|sent| sent.end <= gone) {
            sent.gone_at.get_or_insert(now);
        }
        let settled = |sent: &Unacked| sent.gone_at.is_some_and(|at| now.saturating_sub(at) >= super::ACK_SETTLE_MS);
        let left = self.unsent.iter().take_while(|sent| settled(sent)).count();
        let mut acks: Vec<(Tab, u64)> = Vec::new();
        for Unacked { tab, seq, .. } in self.unsent.drain(..left) {
            match acks.iter_mut().find(|(t, _)| *t == tab) {
                Some(ack) => ack.1 = seq,
                None => acks.push((tab, seq)),
            }
        }
        for (to, seq) in acks {
            if let Some((_, _, acked)) = self.taken.iter_mut().find(|(t, _, _)| *t == to) {
                *acked = seq;
            }
            self.outputs.push_back(HubOutput::Post(Wire::Ack { hub: self.id.clone(), to, seq }));
        }
    }

    /// Whether sends wait for [`Hub::drained`] (to leave the buffer, or to settle): the driver
    /// reads the socket's buffer while this is true ([`super::DRAIN_TASK_READS`] times in the next task, then every
    /// [`super::DRAIN_POLL_MS`]).
    pub fn awaiting_drain(&self) -> bool {
        !self.unsent.is_empty()
    }

    /// While [`Hub::awaiting_drain`], in how many ms from `now` the driver reads the buffer
    /// again (after the reads in the next task): [`super::DRAIN_POLL_MS`] while a send is still
    /// in the buffer, else when the oldest send out of it settles ([`super::ACK_SETTLE_MS`]),
    /// so a socket whose sends all left it is read once more, not every few ms.
    pub fn next_read_in(&self, now: u64) -> u64 {
        let poll = u64::from(super::DRAIN_POLL_MS);
        match self.unsent.first().and_then(|sent| sent.gone_at) {
            Some(_) if self.unsent.iter().any(|sent| sent.gone_at.is_none()) => poll,
            Some(at) => (at + super::ACK_SETTLE_MS).saturating_sub(now).max(1),
            None => poll,
        }
    }

    /// A watched member is gone ([`HubOutput::WatchMember`]): is anyone left?
    pub fn member_gone(&mut self, tab: Tab) {
        self.watched.retain(|t| *t != tab);
        self.waiting.retain(|(t, _)| *t != tab);
        if !self.ended {
            self.outputs.push_back(HubOutput::CheckMembers { leaving: tab });
        }
    }

    /// The driver's answer to [`HubOutput::CheckMembers`]: with none left, the hub ends.
    pub fn members_checked(&mut self, any_left: bool) {
        if !any_left && !self.ended {
            self.ended = true;
            self.waiting.clear();
            self.unsent.clear();
            self.outputs.push_back(HubOutput::End);
        }
    }

    fn open(&mut self, to: Tab, conn: u32, url: &str, protocol: &str) {
        let (hub, epoch) = (self.id.clone(), self.epoch);
        let open = Wire::Open { to, conn, hub, epoch, url: url.into(), protocol: protocol.into() };
        self.outputs.push_back(HubOutput::Post(open));
    }
}
