//! The bounded outbound queue that holds messages while the connection is not ready.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use crate::config::Overflow;
use crate::state::RequestId;

/// A message the engine can queue: it only needs the size, never the content.
///
/// Implemented for the usual owned types; the browser binding implements it for its
/// `JsValue` wrapper so payloads are never copied into Rust.
pub trait Payload {
    /// Size in bytes, counted against the queue's byte limit and the backpressure marks.
    fn byte_len(&self) -> usize;
}

impl Payload for String {
    fn byte_len(&self) -> usize {
        self.len()
    }
}
impl Payload for Vec<u8> {
    fn byte_len(&self) -> usize {
        self.len()
    }
}
impl Payload for Box<[u8]> {
    fn byte_len(&self) -> usize {
        self.len()
    }
}
impl Payload for &'static str {
    fn byte_len(&self) -> usize {
        self.len()
    }
}

/// Why a message was dropped instead of sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// The queue was full (by count or bytes) and the overflow policy dropped it.
    QueueFull,
    /// Larger than the whole queue's byte limit: it could never be queued.
    TooLarge,
    /// It waited longer than `messageTtl`, or its request timed out before it was sent.
    Expired,
    /// The app closed the connection (or it failed for good) while its request waited.
    Closed,
    /// The socket refused the value when it was sent (a detached `ArrayBuffer`, say): it
    /// could never go out, so it is not kept.
    Refused,
}

impl DropReason {
    /// Every reason.
    pub const ALL: [DropReason; 5] =
        [DropReason::QueueFull, DropReason::TooLarge, DropReason::Expired, DropReason::Closed, DropReason::Refused];

    /// The reason's stable name, e.g. `"queue-full"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::QueueFull => "queue-full",
            DropReason::TooLarge => "too-large",
            DropReason::Expired => "expired",
            DropReason::Closed => "closed",
            DropReason::Refused => "refused",
        }
    }
}

/// One queued message.
#[derive(Debug)]
pub(crate) struct Queued<P> {
    pub(crate) payload: P,
    pub(crate) len: usize,
    pub(crate) at: u64,
    pub(crate) request: Option<RequestId>,
}

/// The result of offering a message to a full or limited queue.
pub(crate) enum Admit<P> {
    /// Queued; these older messages were evicted to make room.
    Queued(Vec<Queued<P>>),
    /// The new message was dropped (policy drop-newest, or too large).
    Dropped(Queued<P>, DropReason),
    /// The new message was refused (policy error).
    Refused(Queued<P>, DropReason),
}

pub(crate) struct OutboundQueue<P> {
    items: VecDeque<Queued<P>>,
    bytes: usize,
    max_messages: usize,
    max_bytes: usize,
    overflow: Overflow,
    ttl_ms: Option<u64>,
    /// How many messages at the front came back from a socket that could not take them.
    returned: usize,
}

impl<P> OutboundQueue<P> {
    pub(crate) fn new(max_messages: usize, max_bytes: usize, overflow: Overflow, ttl_ms: Option<u64>) -> Self {
        OutboundQueue { items: VecDeque::new(), bytes: 0, max_messages, max_bytes, overflow, ttl_ms, returned: 0 }
    }

    /// A message that was handed to a socket and came back (it was closing): it was sent
    /// before anything still queued, so it goes ahead of them, after the ones that came back
    /// before it. It was accepted long ago, so the limits do not apply to it.
    pub(crate) fn push_returned(&mut self, item: Queued<P>) {
        self.bytes += item.len;
        self.items.insert(self.returned.min(self.items.len()), item);
        self.returned += 1;
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    fn fits(&self, len: usize) -> bool {
        self.items.len() < self.max_messages && self.bytes + len <= self.max_bytes
    }

    pub(crate) fn push(&mut self, item: Queued<P>) -> Admit<P> {
        let too_large = item.len > self.max_bytes;
        let impossible = too_large || self.max_messages == 0;
        let mut evicted = Vec::new();
        while !self.fits(item.len) {
            let reason = if too_large { DropReason::TooLarge } else { DropReason::QueueFull };
            match self.overflow {
                Overflow::DropOldest if !impossible => evicted.extend(self.pop()),
                Overflow::Error => return Admit::Refused(item, reason),
                _ => return Admit::Dropped(item, reason),
            }
        }
        self.bytes += item.len;
        self.items.push_back(item);
        Admit::Queued(evicted)
    }

    pub(crate) fn pop(&mut self) -> Option<Queued<P>> {
        let item = self.items.pop_front()?;
        self.bytes -= item.len;
        self.returned = self.returned.saturating_sub(1);
        Some(item)
    }

    /// When the oldest message expires, if a TTL is set.
    pub(crate) fn next_expiry(&self) -> Option<u64> {
        Some(self.items.front()?.at.saturating_add(self.ttl_ms?))
    }

    /// Removes the oldest message if it has expired by `now`.
    pub(crate) fn pop_expired(&mut self, now: u64) -> Option<Queued<P>> {
        if self.next_expiry()? <= now {
            self.pop()
        } else {
            None
        }
    }

    /// Removes the queued message of a request (it timed out before it could be sent).
    pub(crate) fn remove_request(&mut self, id: RequestId) -> Option<Queued<P>> {
        let index = self.items.iter().position(|item| item.request == Some(id))?;
        let item = self.items.remove(index)?;
        self.bytes -= item.len;
        if index < self.returned {
            self.returned -= 1;
        }
        Some(item)
    }
}
