//! One socket for every tab: the sharing policy, sans-IO.
//!
//! Tabs of one origin that open the same URL, protocols and key meet on a channel named by
//! [`channel_name`] (in browsers a `BroadcastChannel`). One tab leads — the driver holds a
//! lock for that, the browser's Web Locks — and runs a [`Hub`] next to an ordinary engine
//! that owns the real socket. Every app-facing instance, the leader's included, is a
//! [`Member`]: its own engine runs (with [`member_config`]) over *links*, socket look-alikes
//! whose far end is the hub, so it queues, drops, times out requests and reports events
//! exactly as over a socket of its own.
//!
//! The policy, in one place:
//! - **Open**: a link opens when the hub's socket is ready; it closes with the socket's close.
//! - **Replay**: a member keeps each send until the hub acknowledges it, which it does once
//!   its socket has sent it (it takes nothing while the socket is down or would only queue
//!   it, so nothing is held in a tab that may die). When a new hub leads, a member's open links
//!   close (1006) and reopen there, and the unacknowledged sends go first, in order.
//! - **Stop**: when the hub's socket stops for good, links close with 4000 ("do not retry"),
//!   whose reason names the hub's close kind; a member's `reconnect()` revives the hub.
//! - **Leave**: the hub ends (closes its socket) when the last member has left; the driver
//!   finds out whether any is left (each member holds a lock of its own while it is open,
//!   released when it leaves, navigates or crashes, which the hub watches).
//! - **Options**: the hub's win; a member whose [`fingerprint`] differs is told once.
//!
//! Drivers perform the outputs in order: [`MemberOutput::Post`] and [`HubOutput::Post`] go
//! to every other tab on the channel, and each side ignores what is not meant for it.
//!
//! ```
//! use ws_core::share::{Hub, HubOutput, Member, MemberOutput};
//!
//! fn to_hub(member: &mut Member<&'static str>, hub: &mut Hub<&'static str>) {
//!     // The channel: every post reaches the other side.
//!     while let Some(MemberOutput::Post(wire)) = member.poll_output() {
//!         hub.receive(wire);
//!     }
//! }
//! let mut member = Member::new("tab-a".into(), "opts".into());
//! let mut hub = Hub::new("tab-b/hub".into(), 1, "opts".into());
//! hub.poll_output(); // its Leader announcement (no member hears it: it joins later)
//! assert!(matches!(hub.poll_output(), Some(HubOutput::CheckMembers { .. })));
//! hub.members_checked(true); // the driver asked the Web Locks: someone is there
//! let conn = member.connect();
//! to_hub(&mut member, &mut hub);
//! assert!(matches!(hub.poll_output(), Some(HubOutput::WatchMember { .. })));
//! hub.socket_opened("wss://example.com/".into(), String::new());
//! while let Some(HubOutput::Post(wire)) = hub.poll_output() {
//!     member.receive(wire);
//! }
//! let outputs: Vec<_> = std::iter::from_fn(|| member.poll_output()).collect();
//! assert!(outputs.iter().any(|o| matches!(o, MemberOutput::Opened { .. })));
//! member.send(conn, "hi").unwrap();
//! to_hub(&mut member, &mut hub);
//! let Some(HubOutput::Transmit { data: "hi", tab, seq }) = hub.poll_output() else { panic!() };
//! hub.transmitted(tab, seq); // it went out: the member may forget it
//! ```

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use crate::backoff::Jitter;
use crate::close::CloseKind;
use crate::config::Config;
use crate::status::push_decimal;

/// A tab's name on the channel (drivers make it unique, e.g. time and randomness).
pub type Tab = String;

/// The close code links get when the shared socket stopped for good ("do not retry").
pub const STOPPED_CODE: u16 = 4000;

/// What tabs say to each other on the channel.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Wire<T> {
    /// A member's link wants the socket; `options` is the member's [`fingerprint`].
    Hello {
        /// The member.
        tab: Tab,
        /// The link.
        conn: u32,
        /// The member's option fingerprint.
        options: String,
    },
    /// A member closed a link.
    Bye {
        /// The member.
        tab: Tab,
        /// The link.
        conn: u32,
    },
    /// A message to send on the socket, numbered per member.
    Send {
        /// The member.
        tab: Tab,
        /// The link it was sent on.
        conn: u32,
        /// The hub and socket the link is open on ([`Wire::Open`]): any other ignores it.
        hub: Tab,
        /// The socket's epoch at that hub.
        epoch: u32,
        /// Its number (per member, from 1).
        seq: u64,
        /// The message.
        data: T,
    },
    /// A member left (its app closed it).
    Leave {
        /// The member.
        tab: Tab,
    },
    /// A member's `reconnect()`: a stopped socket tries again.
    Revive {
        /// The member.
        tab: Tab,
    },
    /// A new hub leads.
    Leader {
        /// The hub.
        hub: Tab,
        /// Its term: later hubs have higher terms (the channel orders each sender's
        /// messages, not different senders', so a dead hub's words can arrive late).
        term: u64,
    },
    /// The socket is ready for link `conn` of member `to`.
    Open {
        /// The member.
        to: Tab,
        /// The link.
        conn: u32,
        /// The hub.
        hub: Tab,
        /// The hub's term.
        term: u64,
        /// Counts the hub's socket openings: sends name it, so none made on an earlier
        /// socket is taken by a later one ahead of its replay.
        epoch: u32,
        /// The socket's URL.
        url: String,
        /// The socket's subprotocol.
        protocol: String,
    },
    /// A message from the server, for every open link.
    Message {
        /// The message.
        data: T,
    },
    /// Member `to`'s sends up to `seq` are on the socket.
    Ack {
        /// The member.
        to: Tab,
        /// The last send handed to the socket.
        seq: u64,
    },
    /// Links close: every link, or those of `to` (only link `conn` when given).
    Close {
        /// The hub (members ignore a close from a hub that is not theirs).
        hub: Tab,
        /// The hub's term.
        term: u64,
        /// The member, or everyone.
        to: Option<Tab>,
        /// The link, or every link of `to`.
        conn: Option<u32>,
        /// The close code links report.
        code: u16,
        /// The close reason.
        reason: String,
        /// Whether the socket closed cleanly.
        clean: bool,
    },
    /// Member `to`'s options differ from the hub's (which win).
    Mismatch {
        /// The member.
        to: Tab,
        /// The hub's fingerprint.
        options: String,
    },
}

/// What a [`Member`] asks its driver to do.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum MemberOutput<T> {
    /// Post on the channel.
    Post(Wire<T>),
    /// Link `conn` is open (its `open` event).
    Opened {
        /// The link.
        conn: u32,
        /// The shared socket's URL.
        url: String,
        /// The shared socket's subprotocol.
        protocol: String,
    },
    /// Link `conn` is closed now; its `close` event follows in a later task.
    Closed {
        /// The link.
        conn: u32,
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
        /// Whether it closed cleanly.
        clean: bool,
    },
    /// A server message for every open link.
    Deliver(T),
    /// Tell the app (once): this tab's options differ from the leading tab's.
    Warn(String),
}

/// What a [`Hub`] asks its driver to do.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum HubOutput<T> {
    /// Post on the channel.
    Post(Wire<T>),
    /// Send `data` on the socket if it goes out now (open, nothing ahead of it), and then
    /// report [`Hub::transmitted`]; if it would only be queued, drop it here: the member
    /// still has it and sends it again when its link reopens.
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
    /// A member left: find out whether any other is still there (other than `leaving`,
    /// whose lock may not be gone yet) and report with [`Hub::members_checked`].
    CheckMembers {
        /// The member that left.
        leaving: Tab,
    },
    /// The last member is gone: close the socket and give up leading.
    End,
}

/// The name tabs meet under: the key (`""` for `share: true`), the URL (`None` for a URL
/// provider) and the subprotocols.
///
/// ```
/// assert_eq!(ws_core::share::channel_name("", Some("wss://a/"), &["v1", "v2"]), "rebound-ws::wss://a/:v1,v2");
/// ```
pub fn channel_name(key: &str, url: Option<&str>, protocols: &[&str]) -> String {
    // Built by hand, not with `format!`: core::fmt costs the npm wasm kilobytes.
    let mut name = String::from("rebound-ws:");
    name.push_str(key);
    name.push(':');
    name.push_str(url.unwrap_or("provider"));
    name.push(':');
    for (i, protocol) in protocols.iter().enumerate() {
        if i > 0 {
            name.push(',');
        }
        name.push_str(protocol);
    }
    name
}

/// The options that shape the shared socket, as text; tabs compare them (the hub's win).
/// Bindings append their own (heartbeat and verification messages).
///
/// ```
/// let text = ws_core::share::fingerprint(&ws_core::Config::default());
/// assert!(text.starts_with("delay=1000..5500 x2000 phased retries=off"), "{text}");
/// ```
pub fn fingerprint(config: &Config) -> String {
    let c = config;
    let mut text = String::from("delay=");
    push_decimal(&mut text, c.min_delay_ms);
    text.push_str("..");
    push_decimal(&mut text, c.max_delay_ms);
    text.push_str(" x");
    push_decimal(&mut text, (c.grow_factor * 1000.0) as u64);
    text.push(' ');
    text.push_str(c.jitter.as_str());
    let fields = [
        (" retries=", c.max_retries.map(u64::from)),
        (" uptime=", Some(c.min_uptime_ms)),
        (" connect=", Some(c.connect_timeout_ms)),
        (" heartbeat=", c.heartbeat_interval_ms),
        ("/", Some(c.heartbeat_timeout_ms)),
        (" probe=", Some(c.probe_timeout_ms)),
        (" verify=", c.verify.then_some(c.verify_timeout_ms)),
        (" later=", Some(c.try_again_later_ms)),
        (" predicate=", Some(u64::from(c.close_predicate.is_some()))),
    ];
    for (name, value) in fields {
        text.push_str(name);
        match value {
            Some(n) => push_decimal(&mut text, n),
            None => text.push_str("off"),
        }
    }
    text
}

/// A member engine's config: the app's, without the heartbeat and verification (the hub
/// runs those once, for everyone), with quick unlimited retries of the link (they cost the
/// server nothing; the hub's backoff paces the real socket, and links close with
/// [`STOPPED_CODE`] when it stops for good).
pub fn member_config(config: &Config) -> Config {
    let mut member = config.clone();
    member.heartbeat_interval_ms = None;
    member.verify = false;
    member.min_delay_ms = 50;
    member.max_delay_ms = 500;
    member.jitter = Jitter::None;
    member.max_retries = None;
    member
}

/// An app-facing instance's end of the share: its links, and its sends the hub has not yet
/// put on the socket.
#[derive(Debug)]
pub struct Member<T> {
    tab: Tab,
    options: String,
    /// Each link and the hub and epoch it is open on (`None` while waiting). A handful at
    /// most (a Vec: no BTreeMap code in the wasm).
    links: Vec<(u32, Option<(Tab, u32)>)>,
    last_conn: u32,
    /// Sent, not yet acknowledged, oldest first.
    outbox: VecDeque<(u64, T)>,
    last_seq: u64,
    /// The hub this member follows and its term: what an older term says is stale.
    hub: Option<(Tab, u64)>,
    warned: bool,
    outputs: VecDeque<MemberOutput<T>>,
}

/// [`Member::send`] on a link that is not open (as `WebSocket.send` while connecting).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkNotOpen;

impl<T: Clone> Member<T> {
    /// A member named `tab`, whose options have this [`fingerprint`].
    pub fn new(tab: Tab, options: String) -> Self {
        Member {
            tab,
            options,
            links: Vec::new(),
            last_conn: 0,
            outbox: VecDeque::new(),
            last_seq: 0,
            hub: None,
            warned: false,
            outputs: VecDeque::new(),
        }
    }

    /// The next thing to do, in order.
    pub fn poll_output(&mut self) -> Option<MemberOutput<T>> {
        self.outputs.pop_front()
    }

    /// A new link (the engine opened a socket): asks the hub for the socket.
    pub fn connect(&mut self) -> u32 {
        self.last_conn += 1;
        let conn = self.last_conn;
        self.links.push((conn, None));
        let hello = Wire::Hello { tab: self.tab.clone(), conn, options: self.options.clone() };
        self.outputs.push_back(MemberOutput::Post(hello));
        conn
    }

    /// Sends on an open link; kept until the hub acknowledges it.
    pub fn send(&mut self, conn: u32, data: T) -> Result<(), LinkNotOpen> {
        let Some((_, Some((hub, epoch)))) = self.links.iter().find(|(c, _)| *c == conn) else {
            return Err(LinkNotOpen);
        };
        let (hub, epoch) = (hub.clone(), *epoch);
        self.last_seq += 1;
        self.outbox.push_back((self.last_seq, data.clone()));
        let send = Wire::Send { tab: self.tab.clone(), conn, hub, epoch, seq: self.last_seq, data };
        self.outputs.push_back(MemberOutput::Post(send));
        Ok(())
    }

    /// The engine closed link `conn` (a clean close with its code and reason).
    pub fn disconnect(&mut self, conn: u32, code: u16, reason: &str) {
        if self.links.iter().any(|(c, _)| *c == conn) {
            self.outputs.push_back(MemberOutput::Post(Wire::Bye { tab: self.tab.clone(), conn }));
            self.close_link(conn, code, String::from(reason), true);
        }
    }

    /// The app's `reconnect()`: a socket that stopped for good tries again.
    pub fn revive(&mut self) {
        self.outputs.push_back(MemberOutput::Post(Wire::Revive { tab: self.tab.clone() }));
    }

    /// The app closed its instance.
    pub fn leave(&mut self) {
        self.outputs.push_back(MemberOutput::Post(Wire::Leave { tab: self.tab.clone() }));
    }

    /// Sends not yet acknowledged.
    pub fn unacknowledged(&self) -> usize {
        self.outbox.len()
    }

    /// A message from the channel.
    pub fn receive(&mut self, wire: Wire<T>) {
        match wire {
            Wire::Leader { hub, term } => {
                self.follow(hub, term);
            }
            Wire::Open { to, conn, hub, term, epoch, url, protocol }
                if to == self.tab && self.follow(hub.clone(), term) =>
            {
                let Some((_, link @ None)) = self.links.iter_mut().find(|(c, _)| *c == conn) else {
                    return;
                };
                *link = Some((hub.clone(), epoch));
                // What no socket has taken yet goes first, in order.
                for (seq, data) in &self.outbox {
                    let (tab, hub, seq, data) = (self.tab.clone(), hub.clone(), *seq, data.clone());
                    let send = Wire::Send { tab, conn, hub, epoch, seq, data };
                    self.outputs.push_back(MemberOutput::Post(send));
                }
                self.outputs.push_back(MemberOutput::Opened { conn, url, protocol });
            }
            Wire::Message { data } => self.outputs.push_back(MemberOutput::Deliver(data)),
            Wire::Ack { to, seq } if to == self.tab => {
                while self.outbox.front().is_some_and(|(s, _)| *s <= seq) {
                    self.outbox.pop_front();
                }
            }
            Wire::Close { to, conn, code, reason, clean, hub, term }
                if to.as_ref().map_or(true, |to| *to == self.tab) && self.follow(hub.clone(), term) =>
            {
                let links: Vec<u32> =
                    self.links.iter().map(|(c, _)| *c).filter(|c| conn.map_or(true, |n| n == *c)).collect();
                for link in links {
                    self.close_link(link, code, reason.clone(), clean);
                }
            }
            Wire::Mismatch { to, options } if to == self.tab && !self.warned => {
                self.warned = true;
                let mut text = String::from("rebound-ws: share: this tab's options differ from the leading tab's, ");
                text.push_str("whose options the shared socket uses (this tab: ");
                text.push_str(&self.options);
                text.push_str("; leading tab: ");
                text.push_str(&options);
                text.push(')');
                self.outputs.push_back(MemberOutput::Warn(text));
            }
            _ => {}
        }
    }

    /// Whether a message from `hub` of `term` is current. A later term is a new hub:
    /// links the old one served are gone (1006) and those still waiting ask the new one.
    fn follow(&mut self, hub: Tab, term: u64) -> bool {
        match &self.hub {
            Some((current, t)) if term < *t || (term == *t && *current != hub) => return false,
            Some((current, _)) if *current == hub => return true,
            _ => {}
        }
        self.hub = Some((hub, term));
        let links: Vec<(u32, bool)> = self.links.iter().map(|(c, o)| (*c, o.is_some())).collect();
        for (conn, open) in links {
            match open {
                true => self.close_link(conn, 1006, "the leading tab went away".into(), false),
                false => {
                    let hello = Wire::Hello { tab: self.tab.clone(), conn, options: self.options.clone() };
                    self.outputs.push_back(MemberOutput::Post(hello));
                }
            }
        }
        true
    }

    fn close_link(&mut self, conn: u32, code: u16, reason: String, clean: bool) {
        self.links.retain(|(c, _)| *c != conn);
        self.outputs.push_back(MemberOutput::Closed { conn, code, reason, clean });
    }
}

/// The leading tab's end: relays the real socket to every member.
#[derive(Debug)]
pub struct Hub<T> {
    id: Tab,
    term: u64,
    options: String,
    /// Links waiting for the socket to be ready (member, link).
    waiting: Vec<(Tab, u32)>,
    /// The socket's URL and subprotocol while it is ready.
    socket: Option<(String, String)>,
    /// How many times the socket has opened.
    epoch: u32,
    /// The close links get while the socket has stopped for good.
    stopped: Option<(u16, String, bool)>,
    warned: Vec<Tab>,
    /// Members whose going the driver watches.
    watched: Vec<Tab>,
    ended: bool,
    outputs: VecDeque<HubOutput<T>>,
}

impl<T> Hub<T> {
    /// A hub named `id` (unique: a new name for every hub, even in the same tab) of `term`
    /// (higher than any earlier hub's: drivers use the time it started, in µs), running the
    /// socket with options of this [`fingerprint`]; it announces itself and asks whether
    /// any member is there at all (the one that started it may have left).
    pub fn new(id: Tab, term: u64, options: String) -> Self {
        let mut outputs = VecDeque::new();
        outputs.push_back(HubOutput::Post(Wire::Leader { hub: id.clone(), term }));
        outputs.push_back(HubOutput::CheckMembers { leaving: Tab::new() });
        Hub {
            id,
            term,
            options,
            waiting: Vec::new(),
            socket: None,
            epoch: 0,
            stopped: None,
            warned: Vec::new(),
            watched: Vec::new(),
            ended: false,
            outputs,
        }
    }

    /// The next thing to do, in order.
    pub fn poll_output(&mut self) -> Option<HubOutput<T>> {
        self.outputs.pop_front()
    }

    /// The socket is ready: every waiting link opens.
    pub fn socket_opened(&mut self, url: String, protocol: String) {
        if self.ended {
            return;
        }
        self.epoch += 1;
        for (tab, conn) in core::mem::take(&mut self.waiting) {
            self.open(tab, conn, &url, &protocol);
        }
        self.socket = Some((url, protocol));
    }

    /// The socket closed. `stopped` is `Some(kind, hint)` when it will not retry: links
    /// then close with [`STOPPED_CODE`], the reason naming the kind and the reason (or hint).
    pub fn socket_closed(&mut self, code: u16, reason: &str, clean: bool, stopped: Option<(CloseKind, &str)>) {
        self.socket = None;
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
        let (hub, term) = (self.id.clone(), self.term);
        self.outputs.push_back(HubOutput::Post(Wire::Close { to: None, conn: None, code, reason, clean, hub, term }));
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
            Wire::Hello { tab, conn, options } => {
                if !self.watched.contains(&tab) {
                    self.watched.push(tab.clone());
                    self.outputs.push_back(HubOutput::WatchMember { tab: tab.clone() });
                }
                if options != self.options && !self.warned.contains(&tab) {
                    self.warned.push(tab.clone());
                    let mismatch = Wire::Mismatch { to: tab.clone(), options: self.options.clone() };
                    self.outputs.push_back(HubOutput::Post(mismatch));
                }
                if let Some((url, protocol)) = self.socket.clone() {
                    self.open(tab, conn, &url, &protocol);
                } else if let Some((code, reason, clean)) = self.stopped.clone() {
                    let (hub, term) = (self.id.clone(), self.term);
                    let close = Wire::Close { to: Some(tab), conn: Some(conn), code, reason, clean, hub, term };
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
            Wire::Send { tab, hub, epoch, seq, data, .. }
                if self.socket.is_some() && hub == self.id && epoch == self.epoch =>
            {
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

    /// The driver put member `tab`'s send `seq` ([`HubOutput::Transmit`]) on the socket.
    pub fn transmitted(&mut self, tab: Tab, seq: u64) {
        if !self.ended {
            self.outputs.push_back(HubOutput::Post(Wire::Ack { to: tab, seq }));
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
            self.outputs.push_back(HubOutput::End);
        }
    }

    fn open(&mut self, to: Tab, conn: u32, url: &str, protocol: &str) {
        let (hub, epoch) = (self.id.clone(), self.epoch);
        let term = self.term;
        let open = Wire::Open { to, conn, hub, term, epoch, url: url.into(), protocol: protocol.into() };
        self.outputs.push_back(HubOutput::Post(open));
    }
}

/// Cuts `text` to at most `max` bytes, at a character boundary.
fn truncate(text: &mut String, max: usize) {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
}
