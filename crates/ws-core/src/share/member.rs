//! An app-facing instance's end of the share.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use super::{Tab, Wire, STOPPED_CODE};
use crate::RequestId;

/// How many replaced hubs a member remembers (their late words are ignored without asking
/// the lock manager again); older ones are asked about once more, and found gone.
const REMEMBERED_GONE: usize = 16;

/// How many other members' blocks of request ids a member remembers (the one not heard of
/// for longest is forgotten first: a reply in a forgotten block reaches the app as a
/// message, never lost).
pub const REMEMBERED_BLOCKS: usize = 64;

/// What a [`Member`] asks its driver to do.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum MemberOutput<T> {
    /// Post on the channel.
    Post(Wire<T>),
    /// Find out which hub leads now ([`super::current_hub`] over the lock manager's held
    /// locks) and report it with [`Member::hub_checked`].
    CheckHub,
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
    /// A send the shared socket will not take: it stopped for good before acknowledging it.
    /// Report it to the app as dropped (after the link's close, so the engine has stopped).
    Unsent(T),
    /// Tell the app (once): this tab's options differ from the leading tab's.
    Warn(String),
    /// Another member numbers its requests in the block from `added` (its first id), and the
    /// block from `forgotten` is no longer remembered (to make room). A server message whose
    /// request id is in a remembered block is that member's reply, not this app's message
    /// ([`Member::others_reply`]; a driver that classifies messages outside Rust keeps a copy).
    OthersBlock {
        /// The first id of the block now remembered.
        added: u64,
        /// The first id of the block forgotten, if one was.
        forgotten: Option<u64>,
    },
}

/// An app-facing instance's end of the share: its links, and its sends the hub has not yet
/// put on the network.
#[derive(Debug)]
pub struct Member<T> {
    tab: Tab,
    options: String,
    /// The first id of this member's block of request ids (0: none).
    ids: u64,
    /// Other members' blocks, heard in their hellos and `Ids`, least recently heard first.
    others: Vec<u64>,
    /// Each link and the hub and epoch it is open on (`None` while waiting). A handful at
    /// most (a Vec: no BTreeMap code in the wasm).
    links: Vec<(u32, Option<(Tab, u32)>)>,
    last_conn: u32,
    /// Sent, not yet acknowledged, oldest first: sequence number, message, its size.
    outbox: VecDeque<(u64, T, usize)>,
    /// The sizes in `outbox`, added up: the look-alike's `bufferedAmount`.
    outbox_bytes: usize,
    last_seq: u64,
    /// The hub this member follows (the lock manager showed it leading).
    hub: Option<Tab>,
    /// Hubs this member followed and left for a later one: gone for good.
    gone: Vec<Tab>,
    /// A [`MemberOutput::CheckHub`] is out; `recheck`: another hub spoke meanwhile.
    checking: bool,
    recheck: bool,
    /// Channel messages ignored: said in the name of a hub this member does not follow.
    ignored: u64,
    /// Hubs not followed that spoke since the last check, and how many messages each: those
    /// the check does not show leading count as ignored.
    unconfirmed: Vec<(Tab, u64)>,
    warned: bool,
    outputs: VecDeque<MemberOutput<T>>,
}

/// [`Member::send`] on a link that is not open (as `WebSocket.send` while connecting).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkNotOpen;

impl<T: Clone> Member<T> {
    /// A member named `tab`, whose options have this [`super::fingerprint`], numbering its
    /// requests from `ids` ([`RequestId::shared_block`]; 0: it numbers none). Every tab
    /// hears every reply; the blocks tell whose each is.
    pub fn new(tab: Tab, options: String, ids: u64) -> Self {
        Member {
            tab,
            options,
            ids,
            others: Vec::new(),
            links: Vec::new(),
            last_conn: 0,
            outbox: VecDeque::new(),
            outbox_bytes: 0,
            last_seq: 0,
            hub: None,
            gone: Vec::new(),
            checking: false,
            recheck: false,
            ignored: 0,
            unconfirmed: Vec::new(),
            warned: false,
            outputs: VecDeque::new(),
        }
    }

    /// The next thing to do, in order.
    pub fn poll_output(&mut self) -> Option<MemberOutput<T>> {
        self.outputs.pop_front()
    }

    /// This member's name.
    pub fn tab(&self) -> &str {
        &self.tab
    }

    /// The hub this member follows, if any: server messages (`Wire::Message`) in its name
    /// are the only ones to dispatch (drivers relay them without calling [`Member::receive`]).
    pub fn hub(&self) -> Option<&str> {
        self.hub.as_deref()
    }

    /// Channel messages ignored so far because they spoke for a hub this member does not
    /// follow (forged, stale, or a new hub's before the lock manager confirmed it).
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    /// Whether a server message naming request `id`, which no request of this member waits
    /// for, is another member's reply (so not this app's message): only if its block is one
    /// another member said it numbers from. Anything else — an app's own id that happens to
    /// be large (a timestamp), a late reply of this member's — is the app's message.
    pub fn others_reply(&self, id: u64) -> bool {
        self.others.contains(&RequestId(id).block())
    }

    /// A new link (the engine opened a socket): asks the hub for the socket.
    pub fn connect(&mut self) -> u32 {
        self.last_conn += 1;
        let conn = self.last_conn;
        self.links.push((conn, None));
        self.hello(conn);
        conn
    }

    /// Sends on an open link; kept until the hub acknowledges it. `bytes` is its size as the
    /// engine's queue counts it ([`crate::Payload::byte_len`]): until the hub acknowledges the
    /// send it counts in [`Member::buffered_amount`], so a hub that does not take sends (a
    /// frozen or throttled leading tab) congests this member's socket as a slow network
    /// congests a WebSocket: the engine's backpressure (`send` says `false`, then `drain`)
    /// tells the app.
    pub fn send(&mut self, conn: u32, data: T, bytes: usize) -> Result<(), LinkNotOpen> {
        let Some((_, Some((hub, epoch)))) = self.links.iter().find(|(c, _)| *c == conn) else {
            return Err(LinkNotOpen);
        };
        let (hub, epoch) = (hub.clone(), *epoch);
        self.last_seq += 1;
        self.outbox.push_back((self.last_seq, data.clone(), bytes));
        self.outbox_bytes += bytes;
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

    /// The sizes of the sends not yet acknowledged, added up: what the member's WebSocket
    /// look-alike reports as its `bufferedAmount` (the engine compares it with its high- and
    /// low-water marks, as it does a socket's).
    pub fn buffered_amount(&self) -> usize {
        self.outbox_bytes
    }

    /// Forgets send `seq`: the driver could not post it (the channel refused the value), so
    /// it reports it to the app itself and it must not block the replay.
    pub fn forget(&mut self, seq: u64) {
        let mut freed = 0;
        self.outbox.retain(|(s, _, bytes)| {
            let keep = *s != seq;
            if !keep {
                freed += bytes;
            }
            keep
        });
        self.outbox_bytes -= freed;
    }

    /// A message from the channel. What a hub says counts only if this member follows
    /// that hub; any other hub's word makes the member ask the lock manager who leads
    /// ([`MemberOutput::CheckHub`]) and is otherwise ignored: a hub confirmed later is
    /// asked again (links waiting say hello once more).
    pub fn receive(&mut self, wire: Wire<T>) {
        match &wire {
            Wire::Hello { tab, conn, ids, .. } if *tab != self.tab => {
                // A new member (its first link), or one this member had not heard of (it
                // joined, or came back, while this one was not listening): this member's
                // block, for it to know. `Ids` is never answered, so this cannot loop.
                let new = self.learn_block(*ids);
                if (*conn == 1 || new) && self.ids != 0 {
                    self.outputs.push_back(MemberOutput::Post(Wire::Ids { ids: self.ids }));
                }
            }
            Wire::Ids { ids } => {
                self.learn_block(*ids);
            }
            _ => {}
        }
        let hub = match &wire {
            Wire::Leader { hub }
            | Wire::Open { hub, .. }
            | Wire::Message { hub, .. }
            | Wire::Ack { hub, .. }
            | Wire::Close { hub, .. }
            | Wire::Mismatch { hub, .. } => hub,
            _ => return, // members' words, for the hub
        };
        if self.hub.as_ref() != Some(hub) {
            if self.gone.contains(hub) {
                self.ignored += 1; // a replaced hub's late word
                return;
            }
            let room = self.unconfirmed.len() < REMEMBERED_GONE;
            match self.unconfirmed.iter_mut().find(|(h, _)| h == hub) {
                Some((_, n)) => *n += 1,
                None if room => self.unconfirmed.push((hub.clone(), 1)),
                None => self.ignored += 1,
            }
            self.check();
            return;
        }
        match wire {
            Wire::Open { to, conn, hub, epoch, url, protocol } if to == self.tab => {
                let Some((_, link @ None)) = self.links.iter_mut().find(|(c, _)| *c == conn) else {
                    return;
                };
                *link = Some((hub.clone(), epoch));
                // What no socket has taken yet goes first, in order.
                for (seq, data, _) in &self.outbox {
                    let (tab, hub, seq, data) = (self.tab.clone(), hub.clone(), *seq, data.clone());
                    let send = Wire::Send { tab, conn, hub, epoch, seq, data };
                    self.outputs.push_back(MemberOutput::Post(send));
                }
                self.outputs.push_back(MemberOutput::Opened { conn, url, protocol });
            }
            Wire::Message { data, .. } => self.outputs.push_back(MemberOutput::Deliver(data)),
            Wire::Ack { to, seq, .. } if to == self.tab => {
                while self.outbox.front().is_some_and(|(s, _, _)| *s <= seq) {
                    if let Some((_, _, bytes)) = self.outbox.pop_front() {
                        self.outbox_bytes -= bytes;
                    }
                }
            }
            Wire::Close { to, conn, code, reason, clean, .. } if to.as_ref().map_or(true, |to| *to == self.tab) => {
                let links: Vec<u32> =
                    self.links.iter().map(|(c, _)| *c).filter(|c| conn.map_or(true, |n| n == *c)).collect();
                for link in links {
                    self.close_link(link, code, reason.clone(), clean);
                }
                if code == STOPPED_CODE && self.links.is_empty() {
                    // Stopped for good: what it did not acknowledge will not go out.
                    self.outbox_bytes = 0;
                    for (_, data, _) in core::mem::take(&mut self.outbox) {
                        self.outputs.push_back(MemberOutput::Unsent(data));
                    }
                }
            }
            Wire::Mismatch { to, options, .. } if to == self.tab && !self.warned => {
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

    /// The driver's answer to [`MemberOutput::CheckHub`]: the hub the lock manager shows
    /// leading now (`None`: none does). A new one is followed: links the old hub served are
    /// gone (1006) and reopen there, links still waiting ask it.
    pub fn hub_checked(&mut self, leading: Option<Tab>) {
        self.checking = false;
        for (hub, n) in core::mem::take(&mut self.unconfirmed) {
            if leading.as_ref() != Some(&hub) {
                self.ignored += n;
            }
        }
        if let Some(hub) = leading {
            if self.hub.as_ref() != Some(&hub) && !self.gone.contains(&hub) {
                self.follow(hub);
            }
        }
        if core::mem::take(&mut self.recheck) {
            self.check();
        }
    }

    fn check(&mut self) {
        if self.checking {
            self.recheck = true;
        } else {
            self.checking = true;
            self.outputs.push_back(MemberOutput::CheckHub);
        }
    }

    fn follow(&mut self, hub: Tab) {
        if let Some(old) = self.hub.replace(hub) {
            if self.gone.len() == REMEMBERED_GONE {
                self.gone.remove(0);
            }
            self.gone.push(old);
        }
        let links: Vec<(u32, bool)> = self.links.iter().map(|(c, o)| (*c, o.is_some())).collect();
        for (conn, open) in links {
            match open {
                true => self.close_link(conn, 1006, "the leading tab went away".into(), false),
                false => self.hello(conn),
            }
        }
    }

    /// Remembers another member's block (a valid one, not this member's own); `true` if it
    /// was not known. One heard again moves to the back, so the blocks forgotten first are
    /// those not heard of for longest.
    fn learn_block(&mut self, first: u64) -> bool {
        if first == self.ids || !RequestId(first).is_shared_block() {
            return false;
        }
        if let Some(at) = self.others.iter().position(|b| *b == first) {
            self.others.remove(at);
            self.others.push(first);
            return false;
        }
        let forgotten = (self.others.len() == REMEMBERED_BLOCKS).then(|| self.others.remove(0));
        self.others.push(first);
        self.outputs.push_back(MemberOutput::OthersBlock { added: first, forgotten });
        true
    }

    fn hello(&mut self, conn: u32) {
        let hello = Wire::Hello { tab: self.tab.clone(), conn, options: self.options.clone(), ids: self.ids };
        self.outputs.push_back(MemberOutput::Post(hello));
    }

    fn close_link(&mut self, conn: u32, code: u16, reason: String, clean: bool) {
        self.links.retain(|(c, _)| *c != conn);
        self.outputs.push_back(MemberOutput::Closed { conn, code, reason, clean });
    }
}
