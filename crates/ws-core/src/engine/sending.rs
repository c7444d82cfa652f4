//! Sending: a message queued or transmitted, the queue's drops and expiry (each reported),
//! and requests failed with a reason (never left hanging).

use super::{Engine, DRAIN_POLL_MS};
use crate::output::{Event, Output, SendError, SendStatus};
use crate::queue::{Admit, DropReason, Payload, Queued};
use crate::requests::RequestFailure;
use crate::state::{ConnId, RequestId, State};

impl<P: Payload> Engine<P> {
    pub(super) fn transmit(&mut self, now: u64, conn: ConnId, item: Queued<P>) -> bool {
        if let Some(id) = item.request {
            self.requests.mark_sent(id, conn);
        }
        self.stats.messages_sent += 1;
        self.buffered = self.buffered.saturating_add(item.len);
        self.outputs.push_back(Output::Transmit { conn, payload: item.payload, request: item.request });
        let congested = self.buffered > self.config.high_water_bytes;
        if congested && self.drain_check_at.is_none() {
            self.drain_check_at = Some(now.saturating_add(DRAIN_POLL_MS));
        }
        congested
    }

    pub(super) fn send_tagged(
        &mut self,
        now: u64,
        payload: P,
        request: Option<RequestId>,
    ) -> Result<SendStatus, SendError<P>> {
        if self.state.drops_sends() {
            self.drop_payload(payload, DropReason::Closed);
            return Ok(SendStatus::Dropped(DropReason::Closed));
        }
        let item = Queued { len: payload.byte_len(), payload, at: now, request };
        if self.state == State::Open {
            if let Some(conn) = self.current_conn() {
                let congested = self.transmit(now, conn, item);
                return Ok(SendStatus::Sent { congested });
            }
        }
        match self.queue.push(item) {
            Admit::Queued(evicted) => {
                for old in evicted {
                    self.report_drop(old, DropReason::QueueFull);
                }
                Ok(SendStatus::Queued)
            }
            Admit::Dropped(item, reason) => {
                self.drop_payload(item.payload, reason);
                Ok(SendStatus::Dropped(reason))
            }
            Admit::Refused(item, DropReason::TooLarge) => Err(SendError::TooLarge(item.payload)),
            Admit::Refused(item, _) => Err(SendError::QueueFull(item.payload)),
        }
    }

    /// Reports every queued message dropped (`closed`): the engine stopped and nothing will
    /// send them without the app acting.
    pub(super) fn drop_queue(&mut self) {
        while let Some(item) = self.queue.pop() {
            self.report_drop(item, DropReason::Closed);
        }
    }

    pub(super) fn drop_payload(&mut self, payload: P, reason: DropReason) {
        self.stats.messages_dropped += 1;
        self.emit(Event::Dropped { payload, reason });
    }

    /// Reports a message dropped from the queue, failing its request if it had one.
    pub(super) fn report_drop(&mut self, item: Queued<P>, reason: DropReason) {
        self.drop_payload(item.payload, reason);
        if let Some(id) = item.request {
            self.fail_request(id, RequestFailure::Dropped(reason));
        }
    }

    pub(super) fn fail_request(&mut self, id: RequestId, failure: RequestFailure) {
        if self.requests.remove(id) {
            self.emit(Event::RequestFailed { id, failure });
        }
    }

    pub(super) fn fail_all_requests(&mut self) {
        for id in self.requests.take_all() {
            self.emit(Event::RequestFailed { id, failure: RequestFailure::Closed });
            if let Some(item) = self.queue.remove_request(id) {
                self.report_drop(item, DropReason::Closed);
            }
        }
    }

    pub(super) fn expire_queue(&mut self, now: u64) {
        while let Some(item) = self.queue.pop_expired(now) {
            self.report_drop(item, DropReason::Expired);
        }
    }
}
