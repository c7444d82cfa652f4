//! Property tests: random configurations and random sequences of inputs and timer firings,
//! checked against the engine's invariants after every step.

use proptest::prelude::*;
use ws_core::*;

#[derive(Clone, Debug)]
enum Op {
    Connect,
    Close,
    Send(usize),
    Request(u64),
    Advance(u64),
    Opened,
    Closed(u16, bool),
    Error,
    Activity,
    Pong,
    Verified(bool),
    Network(bool),
    Hidden(bool),
    PageHide(bool),
    PageShow(bool),
    Buffered(usize),
    Stale(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Connect),
        1 => Just(Op::Close),
        4 => (0usize..12).prop_map(Op::Send),
        1 => (1u64..3_000).prop_map(Op::Request),
        6 => prop_oneof![0u64..50, 0u64..3_000, 0u64..120_000].prop_map(Op::Advance),
        3 => Just(Op::Opened),
        3 => (prop::sample::select(vec![1000u16, 1001, 1006, 1008, 1011, 1013, 4000, 4500]), any::<bool>())
            .prop_map(|(c, hint)| Op::Closed(c, hint)),
        1 => Just(Op::Error),
        1 => Just(Op::Activity),
        1 => Just(Op::Pong),
        2 => any::<bool>().prop_map(Op::Verified),
        1 => any::<bool>().prop_map(Op::Network),
        1 => any::<bool>().prop_map(Op::Hidden),
        1 => any::<bool>().prop_map(Op::PageHide),
        1 => any::<bool>().prop_map(Op::PageShow),
        1 => (0usize..40).prop_map(Op::Buffered),
        1 => (1006u16..1007).prop_map(Op::Stale),
    ]
}

#[derive(Clone, Debug)]
struct Limits {
    max_messages: usize,
    max_bytes: usize,
}

fn config() -> impl Strategy<Value = (Config, Limits)> {
    (
        prop::sample::select(vec![Jitter::None, Jitter::Full, Jitter::Equal, Jitter::Decorrelated, Jitter::Phased]),
        any::<bool>(),
        any::<bool>(),
        0usize..6,
        0usize..40,
        prop::sample::select(vec![Overflow::DropOldest, Overflow::DropNewest, Overflow::Error]),
        prop::option::of(1u64..5_000),
        prop::option::of(0u32..4),
    )
        .prop_map(|(jitter, verify, heartbeat, max_messages, max_bytes, overflow, ttl, retries)| {
            let mut b = Config::builder()
                .jitter(jitter)
                .min_reconnection_delay(100.0)
                .max_reconnection_delay(2_000.0)
                .connection_timeout(1_000.0)
                .min_uptime(500.0)
                .max_enqueued_messages(max_messages as f64)
                .max_enqueued_bytes(max_bytes as f64)
                .queue_overflow(overflow)
                .message_ttl(ttl.unwrap_or(0) as f64)
                .high_water_mark(20.0)
                .low_water_mark(5.0)
                .max_retries(retries.map_or(f64::INFINITY, f64::from));
            if verify {
                b = b.verify(true).verify_timeout(700.0);
            }
            if heartbeat {
                b = b.heartbeat_interval(400.0).heartbeat_timeout(800.0).probe_timeout(300.0);
            }
            (b.build().expect("valid"), Limits { max_messages, max_bytes })
        })
}

/// A driver that also plays the part of the browser's socket.
struct World {
    engine: Engine<String>,
    now: u64,
    live: Option<ConnId>,
    seen: Vec<ConnId>,
    log: Vec<Output<String>>,
    next_message: usize,
    refused: Vec<usize>,
    requests: Vec<RequestId>,
    user_closed: bool,
    /// The last close was a 1013: its floor may exceed the cap.
    server_floor: bool,
}

impl World {
    fn new(config: Config, seed: u64) -> Self {
        World {
            engine: Engine::new(config, seed),
            now: 0,
            live: None,
            seen: Vec::new(),
            log: Vec::new(),
            next_message: 0,
            refused: Vec::new(),
            requests: Vec::new(),
            user_closed: false,
            server_floor: false,
        }
    }

    fn drain(&mut self) -> Result<(), TestCaseError> {
        while let Some(output) = self.engine.poll_output() {
            match &output {
                Output::OpenSocket { conn, .. } => {
                    prop_assert!(self.live.is_none(), "a second socket while {:?} is live", self.live);
                    prop_assert!(!self.user_closed, "an attempt after a user close");
                    self.live = Some(*conn);
                    self.seen.push(*conn);
                }
                Output::CloseSocket { conn, .. } => {
                    prop_assert_eq!(self.live, Some(*conn), "closing a socket that is not live");
                    self.live = None;
                }
                Output::Transmit { conn, .. } | Output::SendPing { conn } | Output::Verify { conn } => {
                    prop_assert_eq!(self.live, Some(*conn), "using a socket that is not live");
                }
                // No delay exceeds maxReconnectionDelay (2 s here) unless the server set a
                // floor: a 1013 (at least tryAgainLaterDelay); `retry-after=250` is below it.
                Output::Event(Event::StateChanged(State::Reconnecting { retry_at, .. })) => {
                    let delay = retry_at.saturating_sub(self.now);
                    prop_assert!(self.server_floor || delay <= 2_000, "a {delay} ms retry delay");
                }
                Output::Event(_) => {}
                other => prop_assert!(false, "an output this test does not know: {other:?}"),
            }
            self.log.push(output);
        }
        Ok(())
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let now = self.now;
        let live = self.live;
        match *op {
            Op::Connect => {
                self.user_closed = false;
                self.engine.connect(now);
            }
            Op::Close => {
                self.engine.close(now, 1000, "bye");
                self.user_closed = true;
            }
            Op::Send(len) => {
                let payload = format!("{:0>width$}", self.next_message, width = len.max(1));
                let id = self.next_message;
                self.next_message += 1;
                if self.engine.send(now, payload).is_err() {
                    self.refused.push(id);
                }
            }
            Op::Request(timeout) => {
                if let Ok((id, _)) = self.engine.request(now, timeout, |id| format!("r{}", id.0)) {
                    self.requests.push(id);
                }
            }
            Op::Advance(ms) => {
                self.now += ms;
                if self.engine.poll_timeout().is_some_and(|d| d <= self.now) {
                    self.engine.handle_timeout(self.now);
                }
            }
            Op::Opened => live.into_iter().for_each(|c| self.engine.socket_opened(now, c)),
            Op::Closed(code, hint) => {
                if let Some(conn) = live {
                    self.live = None;
                    let reason = if hint { "retry-after=250" } else { "" };
                    self.server_floor = code == 1013;
                    self.engine.socket_closed(now, conn, code, reason, code != 1006);
                }
            }
            Op::Error => live.into_iter().for_each(|c| self.engine.socket_error(now, c, None)),
            Op::Activity => live.into_iter().for_each(|c| self.engine.socket_activity(c, now, 1)),
            Op::Pong => live.into_iter().for_each(|c| self.engine.pong_received(now, c)),
            Op::Verified(ok) => live.into_iter().for_each(|c| self.engine.verification_done(now, c, ok)),
            Op::Network(online) => self.engine.hint(now, if online { Hint::Online } else { Hint::Offline }),
            Op::Hidden(hidden) => self.engine.hint(now, if hidden { Hint::Hidden } else { Hint::Visible }),
            Op::PageHide(persisted) => self.engine.hint(now, Hint::PageHide { persisted }),
            Op::PageShow(persisted) => self.engine.hint(now, Hint::PageShow { persisted }),
            Op::Buffered(bytes) => live.into_iter().for_each(|c| {
                self.engine.set_buffered_amount(now, c, bytes);
            }),
            Op::Stale(code) => {
                let stale: Vec<ConnId> = self.seen.iter().copied().filter(|c| Some(*c) != live).collect();
                for conn in stale {
                    self.engine.socket_opened(now, conn);
                    self.engine.socket_error(now, conn, None);
                    self.engine.socket_closed(now, conn, code, "", false);
                }
            }
        }
        self.drain()
    }

    fn check(&self, limits: &Limits) -> Result<(), TestCaseError> {
        let (messages, bytes) = self.engine.queued();
        prop_assert!(messages <= limits.max_messages && bytes <= limits.max_bytes, "queue over its bounds");
        prop_assert_eq!(self.engine.current_conn(), self.live, "engine and socket disagree");
        let closing = self.engine.state() == State::Closing;
        if self.user_closed && !closing {
            prop_assert_eq!(self.engine.poll_timeout(), None, "a timer after a user close");
        }
        if closing {
            // The one timer left bounds the wait for the closed socket's close event.
            let deadline = self.engine.poll_timeout();
            prop_assert!(
                deadline.is_some_and(|at| at <= self.now + CLOSE_WAIT_MS),
                "closing waits at most CLOSE_WAIT_MS"
            );
        }
        if self.engine.state().is_stopped() {
            prop_assert!(self.live.is_none() && (closing || self.engine.poll_timeout().is_none()));
        }
        let pending_retry = matches!(self.engine.state(), State::Reconnecting { .. });
        prop_assert!(!(pending_retry && self.live.is_some()), "a retry pending while a socket is live");
        Ok(())
    }

    /// Messages (not requests) handed to a socket, in order.
    fn transmitted(&self) -> Vec<usize> {
        self.log
            .iter()
            .filter_map(|o| match o {
                Output::Transmit { payload, .. } if !payload.starts_with('r') => payload.parse().ok(),
                _ => None,
            })
            .collect()
    }

    fn dropped(&self) -> Vec<usize> {
        self.log
            .iter()
            .filter_map(|o| match o {
                Output::Event(Event::Dropped { payload, .. }) if !payload.starts_with('r') => payload.parse().ok(),
                _ => None,
            })
            .collect()
    }

    /// Connects, opens and verifies a final socket so whatever is still queued is flushed.
    fn flush(&mut self) -> Result<(), TestCaseError> {
        self.user_closed = false;
        self.engine.connect(self.now);
        self.drain()?;
        let conn = self.live.expect("connect opens a socket");
        self.engine.socket_opened(self.now, conn);
        self.engine.verification_done(self.now, conn, true);
        self.drain()
    }
}

fn run(config: Config, seed: u64, ops: &[Op], limits: &Limits) -> Result<World, TestCaseError> {
    let mut world = World::new(config, seed);
    for op in ops {
        world.apply(op)?;
        world.check(limits)?;
    }
    Ok(world)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_for_any_sequence((config, limits) in config(), seed in any::<u64>(), ops in prop::collection::vec(op(), 1..120)) {
        let mut world = run(config, seed, &ops, &limits)?;

        // Order is preserved and nothing is lost or duplicated: every message is sent once,
        // dropped once (with an event) or refused at `send`.
        world.flush()?;
        let transmitted = world.transmitted();
        prop_assert!(transmitted.windows(2).all(|w| w[0] < w[1]), "out of order: {:?}", transmitted);
        let mut accounted: Vec<usize> = transmitted.iter().chain(&world.dropped()).chain(&world.refused).copied().collect();
        accounted.sort_unstable();
        prop_assert_eq!(accounted, (0..world.next_message).collect::<Vec<_>>());

        // Every request ends exactly once, without a user close: let every timer run.
        let end = world.now + 10_000;
        while let Some(deadline) = world.engine.poll_timeout().filter(|&d| d <= end) {
            world.now = deadline;
            world.engine.handle_timeout(deadline);
            world.drain()?;
        }
        prop_assert_eq!(world.engine.pending_requests(), 0);
        let mut ended: Vec<RequestId> = world.log.iter().filter_map(|o| match o {
            Output::Event(Event::RequestFailed { id, .. }) => Some(*id),
            _ => None,
        }).collect();
        ended.sort_unstable();
        prop_assert_eq!(ended, world.requests.clone());
    }

    #[test]
    fn same_seed_same_outputs((config, limits) in config(), seed in any::<u64>(), ops in prop::collection::vec(op(), 1..80)) {
        let first = run(config.clone(), seed, &ops, &limits)?;
        let second = run(config, seed, &ops, &limits)?;
        prop_assert_eq!(first.log, second.log);
    }

    #[test]
    fn nothing_happens_after_a_user_close((config, limits) in config(), seed in any::<u64>(),
        before in prop::collection::vec(op(), 0..40), after in prop::collection::vec(op(), 0..40)) {
        let mut world = run(config, seed, &before, &limits)?;
        let reported = !matches!(world.engine.state(), State::Idle | State::Closed | State::Failed { .. });
        let from = world.log.len();
        world.apply(&Op::Close)?;
        for op in after.iter().filter(|op| !matches!(op, Op::Connect)) {
            let attempts = world.engine.stats().attempts;
            world.apply(op)?;
            world.check(&limits)?;
            prop_assert_eq!(world.engine.stats().attempts, attempts);
            prop_assert!(matches!(world.engine.state(), State::Closing | State::Closed), "{:?}", world.engine.state());
        }
        // Whatever happened meanwhile, the close is reported exactly once, within the wait.
        world.apply(&Op::Advance(CLOSE_WAIT_MS))?;
        prop_assert_eq!(world.engine.state(), State::Closed);
        let user_closes = world.log[from..]
            .iter()
            .filter(|o| matches!(o, Output::Event(Event::Closed(info)) if info.kind == CloseKind::User))
            .count();
        prop_assert_eq!(user_closes, usize::from(reported));
    }
}
