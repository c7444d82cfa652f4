//! Every policy and transition of the engine, driven with a fake clock.

mod common;

use common::Driver;
use std::rc::Rc;
use ws_core::*;

fn no_jitter(b: ConfigBuilder) -> ConfigBuilder {
    b.jitter(Jitter::None).min_reconnection_delay(1_000.0).max_reconnection_delay(8_000.0)
}

// ---- connecting, opening, states -----------------------------------------------------------

#[test]
fn connect_open_and_ready() {
    let mut d = Driver::new(Config::default());
    assert_eq!(d.engine.state(), State::Idle);
    assert_eq!(d.engine.poll_timeout(), None, "idle engines arm no timer");
    d.engine.connect(0);
    assert_eq!(d.engine.state(), State::Connecting { attempt: 0 });
    let conn = d.expect_open_socket();
    assert_eq!(d.engine.poll_timeout(), Some(4_000), "connect timeout armed");
    d.now = 25;
    d.engine.socket_opened(25, conn);
    let events = d.events();
    assert_eq!(
        events,
        vec![Event::Open { conn }, Event::StateChanged(State::Open), Event::Ready { conn, open_to_ready_ms: 0 }]
    );
    assert_eq!(d.engine.stats().attempts, 1);
    assert_eq!(d.engine.stats().opens, 1);
    assert_eq!(d.engine.poll_timeout(), None, "no heartbeat by default");
}

#[test]
fn backoff_grows_to_the_cap_without_jitter() {
    let mut d = Driver::with(no_jitter);
    d.engine.connect(0);
    let mut delays = Vec::new();
    for _ in 0..6 {
        let conn = d.expect_open_socket();
        d.refuse(conn);
        delays.push(d.retry_in());
        d.fire();
    }
    assert_eq!(delays, [1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    assert_eq!(d.engine.state(), State::Connecting { attempt: 6 });
    assert_eq!(d.engine.stats().attempts, 7);
}

#[test]
fn default_jitter_spreads_first_retries_and_settles_on_a_period() {
    let mut d = Driver::new(Config::default());
    d.engine.connect(0);
    let mut attempts = Vec::new();
    for _ in 0..8 {
        let conn = d.expect_open_socket();
        attempts.push(d.now);
        d.now += 3;
        d.refuse(conn);
        d.fire();
    }
    let first = attempts[1];
    assert!((500..=1_003).contains(&first), "first retry after 0.5–1 s, got {first}");
    let gaps: Vec<u64> = attempts.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps[5..].iter().all(|&g| g == 5_500), "settles on the 5.5 s period: {gaps:?}");
}

#[test]
fn max_retries_gives_up_with_a_failed_state() {
    let mut d = Driver::with(|b| no_jitter(b).max_retries(2.0));
    d.engine.connect(0);
    for _ in 0..2 {
        let conn = d.expect_open_socket();
        d.refuse(conn);
        d.fire();
    }
    let conn = d.expect_open_socket();
    d.refuse(conn);
    assert_eq!(d.engine.state(), State::Failed { kind: CloseKind::Unreachable, retries_exhausted: true });
    let close = d.closes().pop().unwrap();
    assert!(!close.will_retry);
    assert_eq!(d.engine.poll_timeout(), None);
    d.engine.connect(d.now);
    assert_eq!(d.engine.state(), State::Connecting { attempt: 0 }, "reconnect() resets the count");
}

#[test]
fn zero_retries_means_one_attempt() {
    let mut d = Driver::with(|b| b.max_retries(0.0));
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    d.refuse(conn);
    assert!(matches!(d.engine.state(), State::Failed { retries_exhausted: true, .. }));
}

#[test]
fn min_uptime_decides_whether_the_retry_count_resets() {
    let mut d = Driver::with(|b| no_jitter(b).min_uptime(5_000.0));
    d.engine.connect(0);
    for _ in 0..3 {
        let conn = d.expect_open_socket();
        d.refuse(conn);
        d.fire();
    }
    // Opens, then dies after 1 s: still a failure, the delay keeps growing.
    let conn = d.expect_open_socket();
    d.engine.socket_opened(d.now, conn);
    d.advance(1_000);
    d.engine.socket_closed(d.now, conn, 1006, "", false);
    assert_eq!(d.retry_in(), 8_000);
    d.fire();
    // Opens and stays up 5 s: the next loss starts over at the first delay.
    let conn = d.expect_open_socket();
    d.engine.socket_opened(d.now, conn);
    d.advance(5_000);
    d.engine.socket_closed(d.now, conn, 1006, "", false);
    assert_eq!(d.retry_in(), 1_000);
    assert_eq!(d.engine.state(), State::Reconnecting { attempt: 1, retry_at: d.now + 1_000 });
}

#[test]
fn connect_timeout_closes_the_attempt_and_backs_off() {
    let mut d = Driver::with(|b| no_jitter(b).connection_timeout(3_000.0));
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    assert_eq!(d.fire(), 3_000);
    let outputs = d.outputs();
    assert!(outputs.contains(&Output::CloseSocket { conn, code: 1000, reason: "connect-timeout".into() }));
    let close = outputs
        .iter()
        .find_map(|o| match o {
            Output::Event(Event::Closed(info)) => Some(info.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(close.kind, CloseKind::ConnectTimeout);
    assert_eq!(close.retry_in_ms, Some(1_000));
    // The abandoned socket's late events change nothing.
    d.engine.socket_opened(3_100, conn);
    d.engine.socket_closed(3_100, conn, 1006, "", false);
    assert!(d.outputs().is_empty());
    assert_eq!(d.engine.state(), State::Reconnecting { attempt: 1, retry_at: 4_000 });
}

#[test]
fn error_then_close_acts_once() {
    let mut d = Driver::with(no_jitter);
    let conn = d.connected();
    d.engine.socket_error(10, conn, None);
    d.engine.socket_closed(10, conn, 1006, "", false);
    d.engine.socket_closed(11, conn, 1006, "", false);
    let events = d.events();
    assert_eq!(events.iter().filter(|e| matches!(e, Event::Closed(_))).count(), 1);
    assert_eq!(events.iter().filter(|e| matches!(e, Event::Error { .. })).count(), 1);
    d.advance(60_000);
    let opens = d.outputs().iter().filter(|o| matches!(o, Output::OpenSocket { .. })).count();
    assert_eq!(opens, 1, "exactly one retry");
    assert_eq!(d.engine.poll_timeout(), Some(d.now + 4_000), "only the new attempt's connect timeout");
}

// ---- user intent ------------------------------------------------------------------------------

#[test]
fn user_close_cancels_everything_until_reconnect() {
    let mut d = Driver::with(no_jitter);
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    d.refuse(conn);
    assert!(d.engine.poll_timeout().is_some());
    d.engine.close(10, 1000, "bye");
    // No socket to wait for: closing until the next timer (a later task), then closed.
    assert_eq!(d.engine.state(), State::Closing);
    assert_eq!(d.engine.poll_timeout(), Some(10));
    d.outputs();
    d.advance_to(10);
    assert_eq!(d.engine.state(), State::Closed);
    assert_eq!(d.engine.poll_timeout(), None);
    d.advance_to(1_000_000);
    d.engine.handle_timeout(1_000_000);
    assert!(!d.outputs().iter().any(|o| matches!(o, Output::OpenSocket { .. })));
    d.engine.connect(d.now);
    assert_eq!(d.engine.state(), State::Connecting { attempt: 0 });
}

#[test]
fn user_close_is_reported_when_the_socket_has_closed() {
    let mut d = Driver::new(Config::default());
    let conn = d.connected();
    d.outputs();
    d.engine.close(5, 4321, "done");
    let outputs = d.outputs();
    assert!(outputs.contains(&Output::CloseSocket { conn, code: 4321, reason: "done".into() }));
    assert!(!outputs.iter().any(|o| matches!(o, Output::Event(Event::Closed(_)))), "not during close()");
    assert_eq!(d.engine.state(), State::Closing);
    assert_eq!(d.engine.poll_timeout(), Some(5 + CLOSE_WAIT_MS));
    // Messages sent meanwhile are reported, as in closed.
    assert_eq!(d.engine.send(6, "late".into()), Ok(SendStatus::Dropped(DropReason::Closed)));
    d.engine.close(6, 1000, "again"); // a second close() changes nothing
    d.engine.socket_closed(7, conn, 4321, "done (echoed)", true);
    let events = d.events();
    let close = events.iter().find_map(|e| match e {
        Event::Closed(info) => Some(info.clone()),
        _ => None,
    });
    let close = close.expect("one close event");
    assert_eq!((close.kind, close.code, close.reason.as_str()), (CloseKind::User, 4321, "done (echoed)"));
    assert!(close.was_clean && !close.will_retry);
    assert_eq!(events.iter().filter(|e| matches!(e, Event::Closed(_))).count(), 1);
    assert!(events.contains(&Event::StateChanged(State::Closed)));
    assert_eq!(d.engine.poll_timeout(), None);
    d.engine.socket_closed(8, conn, 4321, "done", true);
    assert!(d.outputs().is_empty(), "a second close event of the closed socket is ignored");
}

#[test]
fn user_close_without_an_answer_is_reported_after_the_wait() {
    let mut d = Driver::new(Config::default());
    d.connected();
    d.outputs();
    d.engine.close(100, 1000, "bye");
    d.advance_to(100 + CLOSE_WAIT_MS - 1);
    assert_eq!(d.engine.state(), State::Closing);
    d.advance_to(100 + CLOSE_WAIT_MS);
    let closes = d.closes();
    assert_eq!(closes.len(), 1);
    assert_eq!((closes[0].code, closes[0].was_clean, closes[0].kind), (1000, false, CloseKind::User));
    assert_eq!(d.engine.state(), State::Closed);
}

#[test]
fn reconnect_while_closing_reports_the_close_first() {
    let mut d = Driver::new(Config::default());
    let conn = d.connected();
    d.engine.close(5, 1000, "bye");
    d.outputs();
    d.engine.connect(6);
    let events = d.events();
    let closed = events.iter().position(|e| matches!(e, Event::Closed(_))).expect("the close");
    let connecting = events.iter().position(|e| *e == Event::StateChanged(State::Connecting { attempt: 0 }));
    assert!(closed < connecting.expect("connecting"));
    d.engine.socket_closed(7, conn, 1000, "bye", true);
    assert!(d.closes().is_empty(), "the old socket's close event is not reported twice");
}

#[test]
fn close_from_idle_or_failed_becomes_closed_without_an_event() {
    let mut d = Driver::new(Config::default());
    d.engine.close(0, 1000, "");
    assert_eq!(d.engine.state(), State::Closed);
    assert!(d.closes().is_empty());
}

#[test]
fn a_refused_upgrade_is_its_own_kind_with_a_hint_for_its_status() {
    let mut d = Driver::with(no_jitter);
    d.engine.connect(0);
    for (status, needle) in [(426, "Upgrade"), (401, "credentials"), (404, "path"), (503, "upstream"), (418, "HTTP")] {
        let conn = d.expect_open_socket();
        d.engine.socket_error(d.now, conn, Some(status));
        d.engine.socket_closed(d.now, conn, 1006, "", false);
        let close = d.closes().pop().expect("a close");
        assert_eq!((close.kind, close.http_status, close.will_retry), (CloseKind::Refused, Some(status), true));
        assert!(close.hint().contains(needle), "{status}: {}", close.hint());
        d.fire();
    }
    // A status reported for an open socket means nothing: that close is classified by code.
    let conn = d.expect_open_socket();
    d.engine.socket_opened(d.now, conn);
    d.engine.socket_error(d.now, conn, Some(426));
    d.engine.socket_closed(d.now, conn, 1006, "", false);
    let close = d.closes().pop().expect("a close");
    assert_eq!((close.kind, close.http_status), (CloseKind::ConnectionLost, None));
}

#[test]
fn reconnect_replaces_the_socket_and_resets_attempts() {
    let mut d = Driver::new(Config::default());
    let first = d.connected();
    d.engine.connect(10);
    let outputs = d.outputs();
    assert!(outputs.contains(&Output::CloseSocket { conn: first, code: 1000, reason: "reconnect".into() }));
    let second = outputs
        .iter()
        .find_map(|o| match o {
            Output::OpenSocket { conn, attempt: 0 } => Some(*conn),
            _ => None,
        })
        .unwrap();
    assert!(second > first);
    d.engine.socket_closed(11, first, 1000, "", true);
    assert_eq!(d.engine.state(), State::Connecting { attempt: 0 }, "the old socket's close is ignored");
}

// ---- heartbeat --------------------------------------------------------------------------------

fn heartbeat(b: ConfigBuilder) -> ConfigBuilder {
    no_jitter(b).heartbeat_interval(1_000.0).heartbeat_timeout(2_000.0).probe_timeout(500.0)
}

#[test]
fn heartbeat_pings_when_idle_and_measures_rtt() {
    let mut d = Driver::with(heartbeat);
    let conn = d.connected();
    assert_eq!(d.fire(), 1_000);
    assert_eq!(d.outputs(), vec![Output::SendPing { conn }]);
    d.now = 1_030;
    d.engine.pong_received(1_030, conn);
    assert_eq!(d.engine.stats().rtt_ms, Some(30));
    assert_eq!(d.engine.poll_timeout(), Some(2_030));
}

#[test]
fn inbound_traffic_postpones_the_ping() {
    let mut d = Driver::with(heartbeat);
    let conn = d.connected();
    d.engine.socket_activity(conn, 900, 3);
    assert_eq!(d.engine.poll_timeout(), Some(1_900));
    assert_eq!(d.engine.stats().messages_received, 3);
}

#[test]
fn dead_peer_is_detected_after_interval_plus_timeout() {
    let mut d = Driver::with(heartbeat);
    let conn = d.connected();
    d.fire();
    d.outputs();
    assert_eq!(d.fire(), 3_000);
    let outputs = d.outputs();
    assert!(outputs.contains(&Output::CloseSocket { conn, code: 1000, reason: "heartbeat-timeout".into() }));
    assert!(outputs.iter().any(|o| matches!(
        o,
        Output::Event(Event::Closed(CloseInfo { kind: CloseKind::HeartbeatTimeout, will_retry: true, .. }))
    )));
    assert!(matches!(d.engine.state(), State::Reconnecting { attempt: 1, .. }));
}

#[test]
fn a_throttled_timer_probes_instead_of_killing_a_live_socket() {
    let mut d = Driver::with(heartbeat);
    let conn = d.connected();
    d.fire(); // ping at 1 s
    d.outputs();
    // The 3 s check runs at 61 s (background throttling): probe, do not close.
    d.advance_to(61_000);
    assert_eq!(d.outputs(), vec![Output::SendPing { conn }]);
    assert_eq!(d.engine.state(), State::Open);
    d.engine.pong_received(61_020, conn);
    d.advance_to(61_500);
    assert_eq!(d.engine.state(), State::Open);
}

#[test]
fn resume_from_hidden_probes_with_the_short_deadline() {
    let mut d = Driver::with(heartbeat);
    let conn = d.connected();
    d.engine.hint(100, Hint::Hidden);
    assert!(d.outputs().is_empty());
    d.engine.hint(200, Hint::Visible);
    assert_eq!(d.outputs(), vec![Output::SendPing { conn }]);
    assert_eq!(d.engine.poll_timeout(), Some(700));
    d.advance_to(700);
    assert_eq!(d.engine.stats().last_close, Some(CloseKind::HeartbeatTimeout));
}

/// Issue 19: a page frozen while its outstanding ping waited kept the full timeout; the
/// Page Lifecycle `resume` probes at once, as becoming visible does.
#[test]
fn resume_after_a_freeze_probes_with_the_short_deadline() {
    let mut d = Driver::with(heartbeat);
    let conn = d.connected();
    d.engine.hint(200, Hint::Resumed);
    assert_eq!(d.outputs(), vec![Output::SendPing { conn }]);
    assert_eq!(d.engine.poll_timeout(), Some(700));
    d.advance_to(700);
    assert_eq!(d.engine.stats().last_close, Some(CloseKind::HeartbeatTimeout));
    assert_eq!(Hint::from_event("resume", PageFacts::default()), Some(Hint::Resumed));
    assert!(Hint::EVENTS.contains(&("resume", true)), "the bindings listen to it on document");
}

// ---- verification -----------------------------------------------------------------------------

#[test]
fn verification_gates_ready_and_the_queue() {
    let mut d = Driver::with(|b| b.verify(true).verify_timeout(1_000.0));
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    d.engine.socket_opened(10, conn);
    assert_eq!(d.engine.state(), State::Verifying { attempt: 0 });
    assert!(d.outputs().contains(&Output::Verify { conn }));
    assert_eq!(d.engine.send(20, "queued".into()), Ok(SendStatus::Queued));
    d.engine.verification_done(250, conn, true);
    let outputs = d.outputs();
    assert!(outputs.contains(&Output::Event(Event::Ready { conn, open_to_ready_ms: 240 })));
    assert!(outputs.contains(&Output::Transmit { conn, payload: "queued".into(), request: None }));
    assert_eq!(d.engine.stats().open_to_ready_ms, Some(240));
}

#[test]
fn failed_verification_closes_and_backs_off() {
    let mut d = Driver::with(|b| no_jitter(b).verify(true).verify_timeout(1_000.0));
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    d.engine.socket_opened(0, conn);
    d.engine.verification_done(5, conn, false);
    let close = d.closes().pop().unwrap();
    assert_eq!((close.kind, close.will_retry), (CloseKind::VerificationFailed, true));
    assert_eq!(d.engine.state(), State::Reconnecting { attempt: 1, retry_at: 1_005 });
}

#[test]
fn verification_timeout_closes_and_backs_off() {
    let mut d = Driver::with(|b| b.verify(true).verify_timeout(1_000.0));
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    d.engine.socket_opened(0, conn);
    assert_eq!(d.fire(), 1_000);
    assert_eq!(d.closes().pop().unwrap().kind, CloseKind::VerificationTimeout);
    d.engine.verification_done(1_001, conn, true);
    assert!(matches!(d.engine.state(), State::Reconnecting { .. }), "a late verdict is ignored");
}

#[test]
fn a_verify_timeout_alone_does_not_verify() {
    // The trap the binding redesign removed: the timeout is only a setting; having a check
    // (`verify(true)`, set by the bindings when the app gives one) is what turns it on.
    let mut d = Driver::with(|b| b.verify_timeout(1_000.0));
    assert_eq!(d.engine.config().verify_timeout_ms(), None);
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    d.engine.socket_opened(10, conn);
    assert_eq!(d.engine.state(), State::Open);
    let mut config = Config::default();
    config.set_verification(true);
    assert_eq!(config.verify_timeout_ms(), Some(10_000), "the default timeout once a check is given");
}

#[test]
fn a_transmit_that_did_not_go_out_is_sent_after_the_reconnect_in_order() {
    let mut d = Driver::new(Config::builder().jitter(Jitter::None).build().unwrap());
    let conn = d.connected();
    d.outputs();
    // The server's close frame arrived; the socket is CLOSING and the engine does not know.
    for text in ["a", "b"] {
        assert_eq!(d.engine.send(10, text.into()), Ok(SendStatus::Sent { congested: false }));
    }
    assert_eq!(d.engine.send(10, "c".into()), Ok(SendStatus::Sent { congested: false }));
    for text in ["a", "b"] {
        d.engine.transmit_failed(11, text.into(), None);
    }
    d.engine.socket_closed(11, conn, 1012, "restart", true);
    // Sent while reconnecting: queued behind what came back; then "c" comes back late.
    assert_eq!(d.engine.send(11, "d".into()), Ok(SendStatus::Queued));
    d.engine.transmit_failed(11, "c".into(), None);
    assert_eq!(d.engine.queued().0, 4);
    d.advance(d.retry_in());
    let next = d.expect_open_socket();
    d.engine.socket_opened(d.now, next);
    let sent: Vec<_> = d
        .outputs()
        .into_iter()
        .filter_map(|o| match o {
            Output::Transmit { payload, .. } => Some(payload),
            _ => None,
        })
        .collect();
    assert_eq!(sent, ["a", "b", "c", "d"]);
}

#[test]
fn a_request_whose_message_came_back_stays_pending_and_goes_out_again() {
    let mut d = Driver::new(Config::builder().jitter(Jitter::None).build().unwrap());
    let conn = d.connected();
    d.outputs();
    let (id, _) = d.engine.request(10, 60_000, |id| format!("r{}", id.0)).unwrap();
    d.engine.transmit_failed(11, format!("r{}", id.0), Some(id));
    d.engine.socket_closed(12, conn, 1012, "restart", true);
    assert!(!d.events().iter().any(|e| matches!(e, Event::RequestFailed { .. })), "it never left: not disconnected");
    d.advance(d.retry_in());
    let next = d.expect_open_socket();
    d.engine.socket_opened(d.now, next);
    assert!(d.outputs().contains(&Output::Transmit { conn: next, payload: format!("r{}", id.0), request: Some(id) }));
    assert!(d.engine.resolve_request(id));
}

#[test]
fn a_message_that_comes_back_after_close_is_reported_dropped() {
    let mut d = Driver::new(Config::default());
    d.connected();
    d.engine.send(5, "bye".into()).unwrap();
    d.engine.close(6, 1000, "");
    d.outputs();
    d.engine.transmit_failed(7, "bye".into(), None);
    assert!(d.events().contains(&Event::Dropped { payload: "bye".into(), reason: DropReason::Closed }));
    assert_eq!(d.engine.queued(), (0, 0));
}

#[test]
fn a_transmit_that_did_not_go_out_is_kept_even_when_the_queue_is_full() {
    let mut d = Driver::with(|b| b.max_enqueued_messages(0.0));
    d.connected();
    d.outputs();
    d.engine.transmit_failed(5, "kept".into(), None);
    assert_eq!(d.engine.queued().0, 1, "came back: kept even above the limit, it was accepted long ago");
}

#[test]
fn failing_for_good_reports_every_queued_message() {
    let mut d = Driver::with(|b| b.max_retries(0.0));
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    assert_eq!(d.engine.send(1, "held".into()), Ok(SendStatus::Queued));
    d.engine.socket_closed(5, conn, 1006, "", false);
    assert!(matches!(d.engine.state(), State::Failed { .. }));
    assert!(d.events().contains(&Event::Dropped { payload: "held".into(), reason: DropReason::Closed }));
    assert_eq!(d.engine.send(6, "late".into()), Ok(SendStatus::Dropped(DropReason::Closed)));
}

#[test]
fn close_reports_every_queued_message_and_drops_later_sends() {
    let mut d = Driver::new(Config::default());
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    d.engine.socket_closed(5, conn, 1006, "", false);
    assert_eq!(d.engine.send(6, "held".into()), Ok(SendStatus::Queued));
    d.outputs();
    d.engine.close(7, 1000, "done");
    assert!(d.events().contains(&Event::Dropped { payload: "held".into(), reason: DropReason::Closed }));
    assert_eq!(d.engine.queued(), (0, 0));
    assert_eq!(d.engine.send(8, "late".into()), Ok(SendStatus::Dropped(DropReason::Closed)));
    assert!(d.events().contains(&Event::Dropped { payload: "late".into(), reason: DropReason::Closed }));
}

#[test]
fn a_failed_url_provider_is_its_own_kind_and_is_retried() {
    let mut d = Driver::new(Config::builder().jitter(Jitter::None).build().unwrap());
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    d.engine.url_failed(5, conn);
    let events = d.events();
    assert!(events.contains(&Event::Error { conn }));
    let close = events.iter().find_map(|e| match e {
        Event::Closed(info) => Some(info.clone()),
        _ => None,
    });
    let close = close.expect("a close event");
    assert_eq!((close.kind, close.will_retry), (CloseKind::UrlProvider, true));
    assert!(close.kind.hint().contains("URL provider"));
    assert!(matches!(d.engine.state(), State::Reconnecting { attempt: 1, .. }));
}

// ---- hints and decided closes ------------------------------------------------------------------

#[test]
fn hints_from_dom_events_reach_the_engine() {
    let mut d = Driver::new(Config::default());
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    d.engine.socket_closed(10, conn, 1006, "", false);
    let hint = Hint::from_event("offline", PageFacts::default()).unwrap();
    d.engine.hint(20, hint);
    assert!(matches!(d.engine.state(), State::Offline { .. }));
    d.engine.hint(30, Hint::from_event("online", PageFacts::default()).unwrap());
    assert!(matches!(d.engine.state(), State::Connecting { .. }));
}

#[test]
fn a_decision_made_outside_the_engine_overrides_the_table() {
    let mut d = Driver::new(Config::default());
    let conn = d.connected();
    // 1012 reconnects by default; the app said stop.
    d.engine.socket_closed_decided(100, conn, 1012, "restart", true, CloseDecision::Stop);
    assert!(matches!(d.engine.state(), State::Failed { .. }));
    let mut d = Driver::new(Config::default());
    let conn = d.connected();
    // 1008 stops by default; the app said reconnect.
    d.engine.socket_closed_decided(100, conn, 1008, "auth", true, CloseDecision::Reconnect);
    assert!(matches!(d.engine.state(), State::Reconnecting { .. }));
}

// ---- queue ------------------------------------------------------------------------------------

#[test]
fn queue_flushes_in_order_once_ready() {
    let mut d = Driver::new(Config::default());
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    for i in 0..5 {
        assert_eq!(d.engine.send(i, format!("m{i}")), Ok(SendStatus::Queued));
    }
    assert_eq!(d.engine.queued(), (5, 10));
    d.engine.socket_opened(10, conn);
    d.outputs();
    assert_eq!(d.transmitted(), ["m0", "m1", "m2", "m3", "m4"]);
    assert_eq!(d.engine.queued(), (0, 0));
    assert_eq!(d.engine.stats().messages_sent, 5);
}

#[test]
fn overflow_drop_oldest_reports_each_drop() {
    let mut d = Driver::with(|b| b.max_enqueued_messages(2.0));
    for i in 0..4 {
        assert_eq!(d.engine.send(0, format!("m{i}")), Ok(SendStatus::Queued));
    }
    let dropped: Vec<_> = d
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Dropped { payload, reason: DropReason::QueueFull } => Some(payload),
            _ => None,
        })
        .collect();
    assert_eq!(dropped, ["m0", "m1"]);
    assert_eq!(d.engine.stats().messages_dropped, 2);
}

#[test]
fn overflow_drop_newest_and_error() {
    let mut d = Driver::with(|b| b.max_enqueued_bytes(4.0).queue_overflow(Overflow::DropNewest));
    assert_eq!(d.engine.send(0, "abc".into()), Ok(SendStatus::Queued));
    assert_eq!(d.engine.send(0, "de".into()), Ok(SendStatus::Dropped(DropReason::QueueFull)));
    assert_eq!(d.engine.send(0, "toolarge".into()), Ok(SendStatus::Dropped(DropReason::TooLarge)));
    let drops = d.events().into_iter().filter(|e| matches!(e, Event::Dropped { .. })).count();
    assert_eq!(drops, 2);

    let mut d = Driver::with(|b| b.max_enqueued_messages(1.0).max_enqueued_bytes(4.0).queue_overflow(Overflow::Error));
    assert_eq!(d.engine.send(0, "a".into()), Ok(SendStatus::Queued));
    assert_eq!(d.engine.send(0, "b".into()), Err(SendError::QueueFull("b".into())));
    assert_eq!(d.engine.send(0, "12345".into()), Err(SendError::TooLarge("12345".into())));
    assert!(d.events().is_empty(), "refused messages are returned, not dropped");
}

#[test]
fn queued_messages_expire_after_their_ttl() {
    let mut d = Driver::with(|b| b.message_ttl(1_000.0));
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    d.engine.send(0, "old".into()).unwrap();
    d.engine.send(600, "new".into()).unwrap();
    assert_eq!(d.engine.poll_timeout(), Some(1_000), "the oldest message's expiry is armed");
    d.fire();
    assert_eq!(d.events(), vec![Event::Dropped { payload: "old".into(), reason: DropReason::Expired }]);
    d.engine.socket_opened(1_100, conn);
    d.outputs();
    assert_eq!(d.transmitted(), ["new"]);
}

// ---- close-code policy ------------------------------------------------------------------------

fn close_with(code: u16, reason: &str, build: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> (Driver, CloseInfo) {
    let mut d = Driver::with(build);
    let conn = d.connected();
    d.now = 60_000;
    d.engine.socket_closed(60_000, conn, code, reason, true);
    let close = d.closes().pop().unwrap();
    (d, close)
}

#[test]
fn default_table_stops_or_reconnects() {
    for (code, kind) in [(1008, CloseKind::Policy), (4000, CloseKind::AppStop), (1002, CloseKind::Protocol)] {
        let (d, close) = close_with(code, "", |b| b);
        assert_eq!(close.kind, kind);
        assert!(!close.will_retry);
        assert_eq!(d.engine.state(), State::Failed { kind, retries_exhausted: false });
        assert_eq!(d.engine.poll_timeout(), None);
    }
    for (code, kind) in [
        (1000, CloseKind::ServerNormal),
        (1001, CloseKind::GoingAway),
        (1011, CloseKind::ServerError),
        (1012, CloseKind::Restart),
        (4500, CloseKind::AppRetry),
    ] {
        let (d, close) = close_with(code, "", |b| b);
        assert_eq!((close.kind, close.will_retry), (kind, true), "code {code}");
        assert!(matches!(d.engine.state(), State::Reconnecting { attempt: 1, .. }));
    }
}

#[test]
fn predicate_overrides_the_table() {
    let predicate: ClosePredicate = Rc::new(|code, reason| match (code, reason) {
        (1000, _) => CloseDecision::Stop,
        (_, "token refreshed") => CloseDecision::Reconnect,
        _ => CloseDecision::Default,
    });
    let (_, close) = close_with(1000, "", |b| b.close_predicate(predicate.clone()));
    assert!(!close.will_retry);
    let (_, close) = close_with(1008, "token refreshed", |b| b.close_predicate(predicate.clone()));
    assert!(close.will_retry);
    let (_, close) = close_with(1008, "expired", |b| b.close_predicate(predicate));
    assert!(!close.will_retry);
}

#[test]
fn try_again_later_waits_at_least_the_floor() {
    let mut delays = Vec::new();
    for seed in 0..20 {
        let config = Config::builder().try_again_later_delay(10_000.0).build().unwrap();
        let mut d = Driver::seeded(config, seed);
        let conn = d.connected();
        d.engine.socket_closed(0, conn, 1013, "", true);
        let delay = d.closes().pop().unwrap().retry_in_ms.unwrap();
        assert!((10_000..=15_000).contains(&delay), "{delay}");
        delays.push(delay);
    }
    delays.sort_unstable();
    delays.dedup();
    assert!(delays.len() > 10, "the floor is jittered: {delays:?}");
    // Past the floor, the backoff wins.
    let config =
        Config::builder().jitter(Jitter::None).max_reconnection_delay(60_000.0).min_reconnection_delay(20_000.0);
    let (_, close) = close_with(1013, "", |_| config.try_again_later_delay(1_000.0));
    assert_eq!(close.retry_in_ms, Some(20_000));
}

#[test]
fn retry_after_is_a_floor_over_the_backoff() {
    let (d, close) = close_with(1013, "busy retry-after=2345", |b| b);
    assert_eq!(close.retry_in_ms, Some(2_345));
    assert_eq!(d.engine.state(), State::Reconnecting { attempt: 1, retry_at: 62_345 });
    // A hint below the client's own backoff cannot make it come back sooner (no loop on 0).
    for hint in ["retry-after=0", "retry-after=50"] {
        let (_, close) = close_with(1012, hint, |b| b);
        assert!((500..=1_000).contains(&close.retry_in_ms.unwrap()), "{close:?}");
    }
}

// ---- environment ------------------------------------------------------------------------------

#[test]
fn offline_stops_attempts_and_online_retries_now() {
    let mut d = Driver::with(no_jitter);
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    d.refuse(conn);
    d.engine.hint(10, Hint::Offline);
    assert_eq!(d.engine.state(), State::Offline { attempt: 1 });
    assert_eq!(d.engine.poll_timeout(), None, "no busy retry while offline");
    d.engine.hint(20, Hint::Online);
    assert_eq!(d.engine.state(), State::Connecting { attempt: 1 });
    assert!(d.outputs().iter().any(|o| matches!(o, Output::OpenSocket { .. })));
}

#[test]
fn a_socket_dying_while_offline_is_classified_offline_and_waits() {
    let mut d = Driver::with(heartbeat);
    let conn = d.connected();
    d.engine.hint(100, Hint::Offline);
    assert_eq!(d.outputs(), vec![Output::SendPing { conn }], "offline while open probes");
    d.engine.socket_closed(200, conn, 1006, "", false);
    let close = d.closes().pop().unwrap();
    assert_eq!((close.kind, close.retry_in_ms), (CloseKind::Offline, None));
    assert_eq!(d.engine.state(), State::Offline { attempt: 1 });
}

#[test]
fn visible_while_waiting_retries_now_but_not_in_a_loop() {
    let mut d = Driver::with(no_jitter);
    d.engine.connect(0);
    d.engine.hint(0, Hint::Hidden);
    for _ in 0..3 {
        let conn = d.expect_open_socket();
        d.refuse(conn);
        d.fire();
    }
    let conn = d.expect_open_socket(); // attempt at 7 s
    d.refuse(conn);
    assert_eq!(d.retry_in(), 8_000);
    d.now += 1_500;
    d.engine.hint(d.now, Hint::Visible);
    assert_eq!(d.engine.state(), State::Connecting { attempt: 4 }, "back in view: retry now");
    let conn = d.expect_open_socket();
    d.refuse(conn);
    d.engine.hint(d.now, Hint::Hidden);
    d.now += 100;
    d.engine.hint(d.now, Hint::Visible);
    let State::Reconnecting { retry_at, .. } = d.engine.state() else { panic!() };
    assert_eq!(retry_at, d.now - 100 + 1_000, "flipping tabs waits the first retry delay since the last attempt");
}

#[test]
fn hints_do_not_cut_a_server_directed_wait_short() {
    let (mut d, close) = close_with(1013, "retry-after=30000", |b| b);
    assert_eq!(close.retry_in_ms, Some(30_000));
    d.engine.hint(60_100, Hint::Hidden);
    d.engine.hint(63_000, Hint::Visible);
    d.engine.hint(63_000, Hint::Online);
    assert_eq!(d.engine.state(), State::Reconnecting { attempt: 1, retry_at: 90_000 });
}

#[test]
fn bfcache_closes_cleanly_and_restores() {
    let mut d = Driver::new(Config::default());
    let conn = d.connected();
    d.engine.hint(10, Hint::PageHide { persisted: true });
    let outputs = d.outputs();
    assert!(outputs.contains(&Output::CloseSocket { conn, code: 1000, reason: "page hidden".into() }));
    assert_eq!(d.engine.state(), State::Suspended);
    assert_eq!(d.engine.poll_timeout(), None);
    d.engine.hint(5_000, Hint::PageShow { persisted: false });
    assert_eq!(d.engine.state(), State::Suspended, "a normal pageshow is not a restore");
    d.engine.hint(5_000, Hint::PageShow { persisted: true });
    assert_eq!(d.engine.state(), State::Connecting { attempt: 0 });
    let mut d = Driver::new(Config::default());
    d.connected();
    d.engine.hint(10, Hint::PageHide { persisted: false });
    assert_eq!(d.engine.state(), State::Open, "an unloading page is left to the browser");
}

// ---- requests and backpressure ----------------------------------------------------------------

#[test]
fn requests_resolve_time_out_and_fail_on_disconnect() {
    let mut d = Driver::with(no_jitter);
    let conn = d.connected();
    let (a, _) = d.engine.request(0, 500, |id| format!("{{\"id\":{}}}", id.0)).unwrap();
    let (b, _) = d.engine.request(0, 10_000, |id| format!("{{\"id\":{}}}", id.0)).unwrap();
    let (c, _) = d.engine.request(0, 10_000, |id| format!("{{\"id\":{}}}", id.0)).unwrap();
    assert_eq!(d.transmitted(), Vec::<String>::new());
    d.outputs();
    assert_eq!(d.transmitted(), [r#"{"id":1}"#, r#"{"id":2}"#, r#"{"id":3}"#]);
    assert!(d.engine.resolve_request(c));
    assert!(!d.engine.resolve_request(c), "a second reply is not pending");
    d.fire();
    assert_eq!(d.events(), vec![Event::RequestFailed { id: a, failure: RequestFailure::Timeout }]);
    d.engine.socket_closed(600, conn, 1006, "", false);
    assert!(d.events().contains(&Event::RequestFailed { id: b, failure: RequestFailure::Disconnected }));
    assert_eq!(d.engine.pending_requests(), 0);
}

#[test]
fn requests_wait_in_the_queue_and_fail_when_closed() {
    let mut d = Driver::new(Config::default());
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    let (sent, status) = d.engine.request(0, 1_000, |id| id.0.to_string()).unwrap();
    assert_eq!(status, SendStatus::Queued);
    d.engine.socket_opened(10, conn);
    d.outputs();
    assert_eq!(d.transmitted(), ["1"]);
    d.engine.socket_closed(16, conn, 1006, "", false);
    assert!(d.events().contains(&Event::RequestFailed { id: sent, failure: RequestFailure::Disconnected }));
    let (queued, status) = d.engine.request(17, 1_000, |id| id.0.to_string()).unwrap();
    assert_eq!(status, SendStatus::Queued);
    d.engine.close(20, 1000, "");
    assert!(d.events().contains(&Event::RequestFailed { id: queued, failure: RequestFailure::Closed }));
    assert_eq!(d.engine.queued(), (0, 0), "its message left the queue with it");
    let (late, _) = d.engine.request(30, 1_000, |id| id.0.to_string()).unwrap();
    assert!(d.events().contains(&Event::RequestFailed { id: late, failure: RequestFailure::Closed }));
    assert_eq!(d.engine.pending_requests(), 0);
}

#[test]
fn a_request_timing_out_in_the_queue_is_removed() {
    let mut d = Driver::new(Config::default());
    d.engine.connect(0);
    let conn = d.expect_open_socket();
    let (id, _) = d.engine.request(0, 100, |id| id.0.to_string()).unwrap();
    d.advance_to(100);
    assert!(d.events().contains(&Event::RequestFailed { id, failure: RequestFailure::Timeout }));
    assert_eq!(d.engine.queued(), (0, 0));
    d.engine.socket_opened(200, conn);
    d.outputs();
    assert!(d.transmitted().is_empty());
}

#[test]
fn backpressure_reports_congestion_then_drain() {
    let mut d = Driver::with(|b| b.high_water_mark(10.0).low_water_mark(4.0));
    let conn = d.connected();
    assert_eq!(d.engine.send(0, "12345".into()), Ok(SendStatus::Sent { congested: false }));
    assert_eq!(d.engine.send(0, "123456".into()), Ok(SendStatus::Sent { congested: true }));
    assert_eq!(d.engine.poll_timeout(), Some(DRAIN_POLL_MS));
    d.outputs();
    assert!(d.engine.set_buffered_amount(0, conn, 8), "still congested above the low-water mark");
    d.fire();
    assert!(!d.events().contains(&Event::Drain));
    assert!(!d.engine.set_buffered_amount(30, conn, 3));
    assert_eq!(d.events(), vec![Event::Drain]);
    assert_eq!(d.engine.poll_timeout(), None, "no polling once drained");
    // A send the engine did not see (the driver's fast path) reports congestion itself.
    assert!(d.engine.set_buffered_amount(40, conn, 11));
    assert_eq!(d.engine.poll_timeout(), Some(40 + DRAIN_POLL_MS));
    d.engine.set_buffered_amount(50, conn, 0);
    assert_eq!(d.events(), vec![Event::Drain]);
}

// ---- configuration ----------------------------------------------------------------------------

#[test]
fn invalid_options_are_named() {
    let cases: Vec<(ConfigBuilder, &str, Problem)> = vec![
        (Config::builder().min_reconnection_delay(f64::NAN), "minReconnectionDelay", Problem::NotFinite),
        (Config::builder().max_reconnection_delay(-1.0), "maxReconnectionDelay", Problem::Negative),
        (Config::builder().connection_timeout(0.0), "connectionTimeout", Problem::Zero),
        (Config::builder().heartbeat_timeout(0.0), "heartbeatTimeout", Problem::Zero),
        (Config::builder().reconnection_delay_grow_factor(0.5), "reconnectionDelayGrowFactor", Problem::BelowOne),
        (Config::builder().max_retries(1.5), "maxRetries", Problem::NotInteger),
        (Config::builder().max_enqueued_messages(-3.0), "maxEnqueuedMessages", Problem::Negative),
        (Config::builder().message_ttl(f64::INFINITY), "messageTtl", Problem::NotFinite),
        (Config::builder().verify_timeout(1e12), "verifyTimeout", Problem::TooLarge(MAX_DURATION_MS)),
        (
            Config::builder().min_reconnection_delay(5_000.0).max_reconnection_delay(1_000.0),
            "minReconnectionDelay",
            Problem::Exceeds("maxReconnectionDelay"),
        ),
        (
            Config::builder().low_water_mark(10.0).high_water_mark(5.0),
            "lowWaterMark",
            Problem::Exceeds("highWaterMark"),
        ),
    ];
    for (builder, option, problem) in cases {
        let error = builder.build().unwrap_err();
        assert_eq!((error.option, error.problem), (option, problem));
        assert!(error.to_string().contains(option), "{error}");
    }
    let error = Config::builder().connection_timeout(-5.0).min_uptime(f64::NAN).build().unwrap_err();
    assert_eq!(error.option, "connectionTimeout", "the first bad option is reported");
    assert_eq!(error.to_string(), "invalid option `connectionTimeout`: -5 is negative");
    assert!(!Config::builder().max_retries(f64::NAN).build().unwrap_err().is_range_error());
    assert!(Config::builder().max_retries(f64::INFINITY).build().unwrap().max_retries().is_none());
}

#[test]
fn a_queue_of_zero_messages_reports_queue_full() {
    let mut d = Driver::with(|b| b.max_enqueued_messages(0.0));
    assert_eq!(d.engine.send(0, "x".into()), Ok(SendStatus::Dropped(DropReason::QueueFull)));
    let mut d = Driver::with(|b| b.max_enqueued_messages(0.0).queue_overflow(Overflow::Error));
    assert_eq!(d.engine.send(0, "x".into()), Err(SendError::QueueFull("x".into())));
}

#[test]
fn requests_can_be_numbered_from_a_base_before_the_first() {
    let mut d = Driver::new(Config::default());
    d.engine.number_requests_from(RequestId(7 << 32));
    d.connected();
    let (id, _) = d.engine.request(d.now, 1_000, |id| format!("r{}", id.0)).unwrap();
    assert_eq!(id, RequestId(7 << 32));
    d.engine.number_requests_from(RequestId(1)); // too late: ignored
    assert_eq!(d.engine.next_request_id(), RequestId((7 << 32) + 1));
}
