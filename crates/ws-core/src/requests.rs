//! Request/reply bookkeeping: ids, deadlines, and which socket a request went out on.
//!
//! The engine never looks inside messages: the driver stamps the [`RequestId`] into the
//! payload and reports the reply carrying it with [`crate::Engine::resolve_request`].

use alloc::vec::Vec;

use crate::queue::DropReason;
use crate::state::{ConnId, RequestId};

/// Where the request ids of instances that share a socket with other tabs start: every tab
/// sees every reply, so each instance numbers its requests in a block of its own
/// ([`RequestId::shared_block`]) and tells the others which. The blocks lie in the top half
/// of JavaScript's safe integers, above any millisecond or microsecond timestamp a server
/// might put in the same field (2^52 µs is the year 2112). Ids below it are an unshared
/// socket's (from 1) or the app's own.
pub const SHARED_REQUEST_IDS_FROM: u64 = 1 << 52;

/// How many request ids a shared block holds (an instance that sends more runs into the
/// next block: its later replies may then reach other tabs' apps as messages, never lost).
pub const SHARED_BLOCK_IDS: u64 = 1 << 24;

/// How many blocks there are: the top half of the safe integers, less one block of headroom
/// so the last block's ids stay safe integers.
const SHARED_BLOCKS: u64 = (SHARED_REQUEST_IDS_FROM / SHARED_BLOCK_IDS) - 1;

impl RequestId {
    /// The request a reply names, from the JSON number in its id field: only a whole number
    /// from 0 to 2^53 − 1 (JavaScript's safe integers) names one (`5.7` names none), in both
    /// faces.
    ///
    /// ```
    /// use ws_core::RequestId;
    /// assert_eq!(RequestId::from_json_number(5.0), Some(RequestId(5)));
    /// assert_eq!(RequestId::from_json_number(5.7), None);
    /// assert_eq!(RequestId::from_json_number(-1.0), None);
    /// ```
    pub fn from_json_number(value: f64) -> Option<RequestId> {
        let whole = (0.0..=9_007_199_254_740_991.0).contains(&value) && value == (value as u64) as f64;
        whole.then_some(RequestId(value as u64))
    }

    /// The first id of a sharing instance whose random draw is `random`: one of 2^28 − 1
    /// blocks of [`SHARED_BLOCK_IDS`] ids, from [`SHARED_REQUEST_IDS_FROM`] on. Draw it
    /// apart from the jitter's seed (a fixed seed must not give two tabs one block).
    pub fn shared_block(random: u64) -> RequestId {
        RequestId(SHARED_REQUEST_IDS_FROM + (random % SHARED_BLOCKS) * SHARED_BLOCK_IDS)
    }

    /// Whether it is the first id of a block [`RequestId::shared_block`] can give.
    ///
    /// ```
    /// use ws_core::RequestId;
    /// assert!(RequestId::shared_block(7).is_shared_block());
    /// assert!(!RequestId(1_733_000_000_000).is_shared_block()); // a timestamp
    /// assert!(!RequestId(1_733_000_000_000_000).is_shared_block()); // in µs
    /// ```
    pub fn is_shared_block(self) -> bool {
        let index = self.0.wrapping_sub(SHARED_REQUEST_IDS_FROM) / SHARED_BLOCK_IDS;
        self.0 >= SHARED_REQUEST_IDS_FROM && self.0 % SHARED_BLOCK_IDS == 0 && index < SHARED_BLOCKS
    }

    /// The first id of the block it is in (its shared block, for ids from
    /// [`SHARED_REQUEST_IDS_FROM`] on).
    pub fn block(self) -> u64 {
        self.0 - self.0 % SHARED_BLOCK_IDS
    }
}

/// Why a request will never get its reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestFailure {
    /// No reply within the request's timeout.
    Timeout,
    /// The socket it was sent on closed before the reply came.
    Disconnected,
    /// Its message was dropped from the queue before it could be sent.
    Dropped(DropReason),
    /// The connection was closed by the app, failed for good, or never started.
    Closed,
}

impl RequestFailure {
    /// One failure of each name (`Dropped` carries a representative reason).
    pub const ALL: [RequestFailure; 4] = [
        RequestFailure::Timeout,
        RequestFailure::Disconnected,
        RequestFailure::Dropped(DropReason::QueueFull),
        RequestFailure::Closed,
    ];

    /// The failure's stable name, e.g. `"timeout"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestFailure::Timeout => "timeout",
            RequestFailure::Disconnected => "disconnected",
            RequestFailure::Dropped(_) => "dropped",
            RequestFailure::Closed => "closed",
        }
    }
}

struct Pending {
    id: RequestId,
    deadline: u64,
    sent_on: Option<ConnId>,
}

/// Pending requests; few at a time, so a vector scanned in order is enough.
#[derive(Default)]
pub(crate) struct Requests {
    next_id: u64,
    pending: Vec<Pending>,
}

impl Requests {
    pub(crate) fn next_id(&self) -> RequestId {
        RequestId(self.next_id + 1)
    }

    /// Numbers requests from `first` on (only before the first request).
    pub(crate) fn number_from(&mut self, first: u64) {
        if self.next_id == 0 && first > 0 {
            self.next_id = first - 1;
        }
    }

    pub(crate) fn start(&mut self, deadline: u64) -> RequestId {
        self.next_id += 1;
        let id = RequestId(self.next_id);
        self.pending.push(Pending { id, deadline, sent_on: None });
        id
    }

    pub(crate) fn mark_sent(&mut self, id: RequestId, conn: ConnId) {
        if let Some(pending) = self.pending.iter_mut().find(|p| p.id == id) {
            pending.sent_on = Some(conn);
        }
    }

    /// Its message did not go out after all; `false` if the request is no longer pending.
    pub(crate) fn mark_unsent(&mut self, id: RequestId) -> bool {
        self.pending.iter_mut().find(|p| p.id == id).map(|p| p.sent_on = None).is_some()
    }

    /// Forgets the request; `true` if it was pending.
    pub(crate) fn remove(&mut self, id: RequestId) -> bool {
        let before = self.pending.len();
        self.pending.retain(|p| p.id != id);
        self.pending.len() != before
    }

    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.pending.iter().map(|p| p.deadline).min()
    }

    /// Removes and returns one request whose deadline has passed.
    pub(crate) fn pop_expired(&mut self, now: u64) -> Option<RequestId> {
        let index = self.pending.iter().position(|p| p.deadline <= now)?;
        Some(self.pending.remove(index).id)
    }

    /// Removes and returns the requests sent on `conn` (it closed).
    pub(crate) fn take_sent_on(&mut self, conn: ConnId) -> Vec<RequestId> {
        let (lost, kept) = core::mem::take(&mut self.pending).into_iter().partition(|p| p.sent_on == Some(conn));
        self.pending = kept;
        lost.into_iter().map(|p: Pending| p.id).collect()
    }

    /// Removes and returns every pending request.
    pub(crate) fn take_all(&mut self) -> Vec<RequestId> {
        self.pending.drain(..).map(|p| p.id).collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }
}
