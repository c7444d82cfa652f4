//! App-level heartbeat and dead-peer detection, judged by elapsed time.
//!
//! Browsers cannot send ping frames, so the heartbeat is a message the server answers. Any
//! inbound message proves the peer alive; a ping goes out only after `interval` without
//! traffic. The peer is dead when a ping really sent at `t` has had no inbound traffic by
//! `t + timeout`. A timer that fires long after its deadline (a throttled background tab,
//! a laptop waking up) is not evidence: the reply may be queued right behind it. Such a
//! late check sends a fresh probe and judges only by that probe's own deadline.

/// A check this much later than its deadline is "late": Chrome aligns background timers to
/// one second, so anything later than that comes from throttling or sleep.
pub const LATE_TIMER_MS: u64 = 1_000;

#[derive(Clone, Copy, Debug)]
struct Ping {
    sent_at: u64,
    deadline: u64,
    /// A probe sent after a late check or on resume: its own lateness is not excused again.
    is_probe: bool,
}

/// What a heartbeat check decided.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Beat {
    Nothing,
    SendPing,
    Dead,
}

pub(crate) struct Heartbeat {
    interval_ms: Option<u64>,
    timeout_ms: u64,
    probe_timeout_ms: u64,
    last_inbound: u64,
    ping: Option<Ping>,
}

impl Heartbeat {
    pub(crate) fn new(interval_ms: Option<u64>, timeout_ms: u64, probe_timeout_ms: u64) -> Self {
        Heartbeat { interval_ms, timeout_ms, probe_timeout_ms, last_inbound: 0, ping: None }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.interval_ms.is_some()
    }

    /// A connection became ready at `now`.
    pub(crate) fn restart(&mut self, now: u64) {
        self.last_inbound = now;
        self.ping = None;
    }

    /// Inbound traffic seen at `at`.
    pub(crate) fn inbound(&mut self, at: u64) {
        self.last_inbound = self.last_inbound.max(at);
        if self.ping.is_some_and(|ping| at >= ping.sent_at) {
            self.ping = None;
        }
    }

    /// The heartbeat reply arrived at `now`; the round-trip time if a ping was outstanding.
    pub(crate) fn pong(&mut self, now: u64) -> Option<u64> {
        let rtt = self.ping.map(|ping| now.saturating_sub(ping.sent_at));
        self.inbound(now);
        rtt
    }

    /// When the next check is due.
    pub(crate) fn deadline(&self) -> Option<u64> {
        match self.ping {
            Some(ping) => Some(ping.deadline),
            None => Some(self.last_inbound.saturating_add(self.interval_ms?)),
        }
    }

    fn send(&mut self, now: u64, timeout_ms: u64, is_probe: bool) -> Beat {
        self.ping = Some(Ping { sent_at: now, deadline: now.saturating_add(timeout_ms), is_probe });
        Beat::SendPing
    }

    /// A timer fired at `now`.
    pub(crate) fn check(&mut self, now: u64) -> Beat {
        match self.ping {
            Some(ping) if now < ping.deadline => Beat::Nothing,
            Some(ping) if !ping.is_probe && now - ping.deadline > LATE_TIMER_MS => {
                self.send(now, self.probe_timeout_ms.min(self.timeout_ms), true)
            }
            Some(_) => Beat::Dead,
            None => match self.interval_ms {
                // A late check (the page was frozen or asleep, or its clock jumped): the link
                // may have died meanwhile, so the ping is a probe with the short deadline.
                Some(interval) if now > self.last_inbound.saturating_add(interval).saturating_add(LATE_TIMER_MS) => {
                    self.send(now, self.probe_timeout_ms.min(self.timeout_ms), true)
                }
                Some(interval) if now >= self.last_inbound.saturating_add(interval) => {
                    self.send(now, self.timeout_ms, false)
                }
                _ => Beat::Nothing,
            },
        }
    }

    /// Check liveness now with the short probe deadline (page visible again, network back).
    pub(crate) fn probe(&mut self, now: u64) -> Beat {
        if !self.enabled() {
            return Beat::Nothing;
        }
        let deadline = now.saturating_add(self.probe_timeout_ms);
        match self.ping {
            Some(ping) if ping.deadline <= deadline => Beat::Nothing,
            _ => self.send(now, self.probe_timeout_ms, true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beat() -> Heartbeat {
        let mut hb = Heartbeat::new(Some(1_000), 2_000, 500);
        hb.restart(0);
        hb
    }

    #[test]
    fn pings_after_an_idle_interval_and_dies_after_the_timeout() {
        let mut hb = beat();
        assert_eq!(hb.deadline(), Some(1_000));
        assert_eq!(hb.check(999), Beat::Nothing);
        assert_eq!(hb.check(1_000), Beat::SendPing);
        assert_eq!(hb.deadline(), Some(3_000));
        assert_eq!(hb.check(2_999), Beat::Nothing);
        assert_eq!(hb.check(3_000), Beat::Dead);
    }

    #[test]
    fn any_inbound_message_proves_liveness() {
        let mut hb = beat();
        hb.inbound(800);
        assert_eq!(hb.deadline(), Some(1_800));
        assert_eq!(hb.check(1_800), Beat::SendPing);
        hb.inbound(1_900);
        assert_eq!(hb.deadline(), Some(2_900));
        assert_eq!(hb.check(3_800), Beat::SendPing);
    }

    #[test]
    fn a_reply_from_before_the_ping_does_not_count() {
        let mut hb = beat();
        assert_eq!(hb.check(1_000), Beat::SendPing);
        hb.inbound(900);
        assert_eq!(hb.check(3_000), Beat::Dead);
    }

    #[test]
    fn pong_measures_round_trip() {
        let mut hb = beat();
        hb.check(1_000);
        assert_eq!(hb.pong(1_042), Some(42));
        assert_eq!(hb.pong(1_050), None);
    }

    #[test]
    fn a_late_interval_check_sends_a_probe_with_the_short_deadline() {
        // Issue 19: a page frozen for 8 s sent its ping on resume with the full timeout.
        let mut hb = beat(); // interval 1,000, timeout 2,000, probe 500
        assert_eq!(hb.check(9_000), Beat::SendPing, "due at 1,000, checked 8 s late");
        assert_eq!(hb.deadline(), Some(9_500), "the probe's deadline, not the full timeout");
        assert_eq!(hb.check(9_500), Beat::Dead, "a probe is not excused twice");
        let mut hb = beat();
        assert_eq!(hb.check(1_500), Beat::SendPing, "on time (within a second)");
        assert_eq!(hb.deadline(), Some(3_500), "an ordinary ping: the full timeout");
    }

    #[test]
    fn a_late_timer_probes_instead_of_declaring_death() {
        let mut hb = beat();
        assert_eq!(hb.check(1_000), Beat::SendPing);
        // Throttled: the 3 s check runs at 60 s. Probe, do not judge.
        assert_eq!(hb.check(60_000), Beat::SendPing);
        assert_eq!(hb.deadline(), Some(60_500));
        hb.inbound(60_010);
        assert_eq!(hb.check(60_500), Beat::Nothing);
    }

    #[test]
    fn a_late_probe_is_judged() {
        let mut hb = beat();
        hb.check(1_000);
        hb.check(60_000);
        assert_eq!(hb.check(120_000), Beat::Dead);
    }

    #[test]
    fn probe_on_resume_uses_the_short_deadline() {
        let mut hb = beat();
        assert_eq!(hb.probe(100), Beat::SendPing);
        assert_eq!(hb.deadline(), Some(600));
        assert_eq!(hb.probe(200), Beat::Nothing, "an earlier deadline is already pending");
        assert_eq!(hb.check(600), Beat::Dead);
        let mut off = Heartbeat::new(None, 2_000, 500);
        assert_eq!(off.probe(0), Beat::Nothing);
        assert_eq!(off.deadline(), None);
    }
}
