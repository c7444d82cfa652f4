//! One socket for every tab: the sharing policy, sans-IO.
//!
//! Tabs of one origin that would open the same socket meet on a channel named by
//! [`channel_name`] (in browsers a `BroadcastChannel`); the name carries [`VERSION`], so tabs
//! running different releases never meet. One tab leads — the driver holds the Web Lock of
//! that name, and then [`hub_lock`] — and runs a [`Hub`] next to an ordinary engine that
//! owns the real socket. Every app-facing instance, the leader's included, is a [`Member`]:
//! its own engine runs (with [`member_config`]) over *links*, socket look-alikes whose far
//! end is the hub, so it queues, drops, times out requests and reports events exactly as
//! over a socket of its own.
//!
//! The policy, in one place:
//! - **Who leads**: liveness, not trust. A member follows a hub only once the driver has
//!   seen, in the lock manager, that it holds both the leader's lock and its own hub lock
//!   ([`current_hub`]); what any other sender says in a hub's name is ignored and counted.
//!   No clock decides anything: a clock step changes nothing.
//! - **Open**: a link opens when the hub's socket is ready; it closes with the socket's close.
//! - **Replay**: a member keeps each send until the hub acknowledges it, which it does once
//!   its socket has handed it to the network (the socket's `bufferedAmount` has drained past
//!   it, [`Hub::drained`]): nothing is acknowledged that a dying tab could still lose. When a
//!   new hub leads, a member's open links close (1006) and reopen there, and the
//!   unacknowledged sends go first, in order.
//! - **Stop**: when the hub's socket stops for good, links close with 4000 ("do not retry"),
//!   whose reason names the hub's close kind; a member's `reconnect()` revives the hub.
//! - **Leave**: the hub ends (closes its socket) when the last member has left; the driver
//!   finds out whether any is left (each member holds its [`member_lock`] while it is open,
//!   released when it leaves, navigates or crashes, which the hub watches; [`any_member`]).
//! - **Options**: the hub's win; a member whose [`fingerprint`] differs is told once.
//! - **Replies**: every member hears every server message. Each numbers its requests in a
//!   block of its own ([`crate::RequestId::shared_block`]) and says which in its hello and
//!   in answer to a new member's ([`Wire::Ids`]); a message whose id is in a block another
//!   member announced is that member's reply ([`Member::others_reply`]); anything else is
//!   the app's message, whatever its id.
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
//! fn to_member(hub: &mut Hub<&'static str>, member: &mut Member<&'static str>) {
//!     while let Some(HubOutput::Post(wire)) = hub.poll_output() {
//!         member.receive(wire);
//!     }
//! }
//! let mut member = Member::new("tab-a".into(), "opts".into(), 0);
//! let mut hub = Hub::new("tab-b/hub".into(), "opts".into());
//! hub.poll_output(); // its Leader announcement (no member hears it: it joins later)
//! assert!(matches!(hub.poll_output(), Some(HubOutput::CheckMembers { .. })));
//! hub.members_checked(true); // the driver asked the Web Locks: someone is there
//! let conn = member.connect();
//! to_hub(&mut member, &mut hub);
//! assert!(matches!(hub.poll_output(), Some(HubOutput::WatchMember { .. })));
//! hub.socket_opened("wss://example.com/".into(), String::new());
//! to_member(&mut hub, &mut member); // an Open from a hub this member does not know yet:
//! assert_eq!(member.poll_output(), Some(MemberOutput::CheckHub));
//! member.hub_checked(Some("tab-b/hub".into())); // the lock manager says it leads
//! to_hub(&mut member, &mut hub); // the link asks again, now of the hub it follows
//! to_member(&mut hub, &mut member);
//! let outputs: Vec<_> = std::iter::from_fn(|| member.poll_output()).collect();
//! assert!(outputs.iter().any(|o| matches!(o, MemberOutput::Opened { .. })));
//! member.send(conn, "hi", 2).unwrap(); // 2: its size, as the engine's queue counts it
//! assert_eq!(member.buffered_amount(), 2); // the look-alike's bufferedAmount until acknowledged
//! to_hub(&mut member, &mut hub);
//! let Some(HubOutput::Transmit { data: "hi", tab, seq }) = hub.poll_output() else { panic!() };
//! hub.transmitted(tab, seq, 2); // on the socket: 2 more bytes buffered
//! hub.drained(0, 0); // the buffer is empty: it left the page ...
//! hub.drained(ws_core::share::ACK_SETTLE_MS, 0); // ... long enough ago: the member may forget it
//! to_member(&mut hub, &mut member);
//! assert_eq!((member.unacknowledged(), member.buffered_amount()), (0, 0));
//! ```

use alloc::string::String;

use crate::backoff::Jitter;
use crate::config::Config;
use crate::status::push_decimal;

mod hub;
mod member;

pub use hub::{Hub, HubOutput};
pub use member::{LinkNotOpen, Member, MemberOutput, REMEMBERED_BLOCKS};

/// A tab's name on the channel (drivers make it unique, e.g. time and randomness).
pub type Tab = String;

/// The version of the channel's messages. It is part of every channel and lock name, so
/// tabs running releases that speak different versions never meet: each keeps its own
/// socket. Raise it whenever [`Wire`] or the lock scheme changes.
pub const VERSION: u32 = 3;

/// The close code links get when the shared socket stopped for good ("do not retry").
pub const STOPPED_CODE: u16 = 4000;

/// While sends wait for [`Hub::drained`] (see [`Hub::awaiting_drain`]), a hub's driver reads
/// the socket's `bufferedAmount` in the next task this many times (a buffer on a fast link is
/// empty by then, and a task is not throttled in a hidden tab as a timer is) ...
pub const DRAIN_TASK_READS: u32 = 3;

/// ... and then every this many ms while a send is still in it (then once, when the oldest
/// send out of it settles: [`Hub::next_read_in`]).
pub const DRAIN_POLL_MS: u32 = 20;

/// How long a send must have been out of the socket's buffer before the hub acknowledges it
/// (ms). `bufferedAmount` falls as the page hands bytes to the browser's network stack, not
/// as they reach the server: a leading tab that closes right after loses what the network
/// stack had not written yet (measured: sends from the last ~100 ms before the close, under
/// load). Until then the member keeps the send and replays it to the next hub, so a message
/// from that window may arrive twice (at least once), never not at all.
pub const ACK_SETTLE_MS: u64 = 1_000;

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
        /// The first id of the member's block of request ids ([`crate::RequestId::shared_block`];
        /// 0: it numbers none). Every tab hears it: a reply in that block is that member's.
        ids: u64,
    },
    /// A member's answer to a hello of a new member (its link 1) or of one it had not heard
    /// of: the first id of its block of request ids, so a member that joins (or rejoins)
    /// late knows whose replies are not its app's.
    Ids {
        /// The first id of the block.
        ids: u64,
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
    /// A new hub leads (members check that with the lock manager before following it).
    Leader {
        /// The hub.
        hub: Tab,
    },
    /// The socket is ready for link `conn` of member `to`.
    Open {
        /// The member.
        to: Tab,
        /// The link.
        conn: u32,
        /// The hub.
        hub: Tab,
        /// Counts the hub's socket openings: sends name it, so none made on an earlier
        /// socket is taken by a later one ahead of its replay.
        epoch: u32,
        /// The socket's URL.
        url: String,
        /// The socket's subprotocol.
        protocol: String,
    },
    /// A message from the server, for every open link of the hub's members.
    Message {
        /// The hub.
        hub: Tab,
        /// The message.
        data: T,
    },
    /// Member `to`'s sends up to `seq` have left through the socket.
    Ack {
        /// The hub.
        hub: Tab,
        /// The member.
        to: Tab,
        /// The last send gone.
        seq: u64,
    },
    /// Links close: every link, or those of `to` (only link `conn` when given).
    Close {
        /// The hub (members ignore a close from a hub that is not theirs).
        hub: Tab,
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
        /// The hub.
        hub: Tab,
        /// The member.
        to: Tab,
        /// The hub's fingerprint.
        options: String,
    },
}

/// The name tabs meet under (the channel, and the leading tab's Web Lock): [`VERSION`], the
/// key (`""` for `share: true`), the URL (`None` for a URL provider, whose identity is the
/// key alone: bindings refuse a provider without one) and the subprotocols.
///
/// ```
/// assert_eq!(ws_core::share::channel_name("", Some("wss://a/"), &["v1", "v2"]), "rebound-ws/3::wss://a/:v1,v2");
/// assert_eq!(ws_core::share::channel_name("chat", None, &[]), "rebound-ws/3:chat:provider:");
/// ```
pub fn channel_name(key: &str, url: Option<&str>, protocols: &[&str]) -> String {
    // Built by hand, not with `format!`: core::fmt costs the npm wasm kilobytes.
    let mut name = String::from("rebound-ws/");
    push_decimal(&mut name, VERSION.into());
    name.push(':');
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

/// The Web Lock a member holds while it is open (the hub watches it to know who is left).
///
/// ```
/// assert_eq!(ws_core::share::member_lock("rebound-ws/3::wss://a/:", "t1"), "rebound-ws/3::wss://a/::member:t1");
/// ```
pub fn member_lock(name: &str, tab: &str) -> String {
    let mut lock = String::from(name);
    lock.push_str(":member:");
    lock.push_str(tab);
    lock
}

/// The Web Lock a hub holds, in the tab that holds the leader's lock (`name`), for as long
/// as it runs: members follow a hub only when the lock manager shows both ([`current_hub`]).
///
/// ```
/// assert_eq!(ws_core::share::hub_lock("rebound-ws/3::wss://a/:", "h1"), "rebound-ws/3::wss://a/::hub:h1");
/// ```
pub fn hub_lock(name: &str, hub: &str) -> String {
    let mut lock = String::from(name);
    lock.push_str(":hub:");
    lock.push_str(hub);
    lock
}

/// A lock the lock manager holds (`navigator.locks.query()`'s `held`).
#[derive(Clone, Copy, Debug)]
pub struct HeldLock<'a> {
    /// Its name.
    pub name: &'a str,
    /// Whether it is held exclusively (not `shared`).
    pub exclusive: bool,
    /// The holder (a tab or worker).
    pub client: &'a str,
}

/// The hub that leads the group `name` now, from the held locks: the one whose
/// [`hub_lock`] is held by the client that holds the leader's lock. `None` between leaders.
///
/// ```
/// use ws_core::share::{current_hub, HeldLock};
/// let held = [
///     HeldLock { name: "g", exclusive: true, client: "tab-2" },
///     HeldLock { name: "g:hub:old", exclusive: true, client: "tab-1" }, // released late
///     HeldLock { name: "g:hub:new", exclusive: true, client: "tab-2" },
/// ];
/// assert_eq!(current_hub("g", &held), Some("new"));
/// ```
pub fn current_hub<'a>(name: &str, held: &[HeldLock<'a>]) -> Option<&'a str> {
    let leader = held.iter().find(|lock| lock.exclusive && lock.name == name)?.client;
    held.iter()
        .filter(|lock| lock.exclusive && lock.client == leader)
        .find_map(|lock| lock.name.strip_prefix(name)?.strip_prefix(":hub:"))
}

/// Whether any member of the group `name` other than `leaving` (whose lock may not be
/// released yet) still holds its [`member_lock`] (exclusively: the hub's watches are shared).
///
/// ```
/// use ws_core::share::{any_member, HeldLock};
/// let held = [
///     HeldLock { name: "g:member:a", exclusive: true, client: "1" },
///     HeldLock { name: "g:member:b", exclusive: false, client: "2" }, // the hub's watch
/// ];
/// assert!(any_member("g", "b", &held));
/// assert!(!any_member("g", "a", &held));
/// ```
pub fn any_member(name: &str, leaving: &str, held: &[HeldLock<'_>]) -> bool {
    held.iter().any(|lock| {
        let tab = lock.name.strip_prefix(name).and_then(|rest| rest.strip_prefix(":member:"));
        lock.exclusive && tab.is_some_and(|tab| tab != leaving)
    })
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

/// The whole fingerprint tabs compare: the engine's part ([`fingerprint`]) and a binding's
/// messages (heartbeat message and reply, the ready check's message; `None` when one is
/// not a string, such as a function).
///
/// ```
/// use ws_core::share::{fingerprint, with_messages};
/// let text = with_messages(fingerprint(&ws_core::Config::default()), Some("ping"), Some("pong"), None);
/// assert!(text.ends_with(" ping=ping pong=pong check=(function)"), "{text}");
/// ```
pub fn with_messages(mut all: String, ping: Option<&str>, pong: Option<&str>, check: Option<&str>) -> String {
    for (name, value) in [(" ping=", ping), (" pong=", pong), (" check=", check)] {
        all.push_str(name);
        all.push_str(value.unwrap_or("(function)"));
    }
    all
}

/// A member engine's config: the app's, without the heartbeat, verification and close
/// predicate (the hub runs those once, for everyone: a link's close is the hub's decision,
/// 4000 when it stopped), with immediate unlimited retries of the link: they cost
/// the server nothing (a link waits at the hub until the socket is ready), the hub's
/// backoff paces the real socket, and a failover is not delayed by a timer (background
/// tabs clamp timers to a second or more). Links close with [`STOPPED_CODE`] when the
/// socket stops for good; a driver that fails a link for its own reasons says
/// `retry-after=<ms>` in the reason to be retried later.
pub fn member_config(config: &Config) -> Config {
    let mut member = config.clone();
    member.heartbeat_interval_ms = None;
    member.verify = false;
    member.close_predicate = None; // the hub's engine decided already: links obey its close
    member.min_delay_ms = 0;
    member.max_delay_ms = 500;
    member.jitter = Jitter::None;
    member.max_retries = None;
    member
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
