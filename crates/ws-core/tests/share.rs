//! The sharing policy: members and hubs over a modelled channel — each sender's messages in
//! order, different senders' in any order (as `BroadcastChannel`), delivered to every other
//! listener present at delivery time — with leaders dying at any point, their last messages
//! lost or delivered late, sockets closing, stopping, or refusing to send at once, sends
//! lost with a dying tab while still in its socket's buffer, the lock manager answered late,
//! and forged hub messages on the channel.

use std::collections::VecDeque;

use proptest::prelude::*;
use ws_core::share::{
    channel_name, current_hub, fingerprint, member_config, HeldLock, Hub, HubOutput, Member, MemberOutput, Wire,
    ACK_SETTLE_MS, DRAIN_POLL_MS, STOPPED_CODE,
};
use ws_core::{CloseKind, Config, RequestId};

/// (member, message number)
type Msg = (usize, u32);

/// Who posted a channel message.
#[derive(Clone, Copy, PartialEq, Debug)]
enum From {
    Member(usize),
    Hub(u32),
}

struct World {
    members: Vec<Member<Msg>>,
    /// Each member's links that are open or waiting (the model's engine keeps one).
    links: Vec<Vec<u32>>,
    open_links: Vec<Vec<u32>>,
    sent: Vec<u32>,
    hub: Option<(u32, Hub<Msg>)>,
    hubs: u32,
    socket_open: bool,
    /// Between a server's close frame and the close event: a send would only be queued.
    closing: bool,
    stopped: bool,
    channel: VecDeque<(From, Wire<Msg>)>,
    /// On the socket, still in its buffer: lost if the tab dies or the socket drops.
    buffered: Vec<Msg>,
    /// What reached the server.
    transmitted: Vec<Msg>,
    /// Each message that reached the server, with the hub that sent it.
    via: Vec<(u32, Msg)>,
    /// Members waiting for the lock manager's answer ([`MemberOutput::CheckHub`]).
    checks: VecDeque<usize>,
    /// Forged hub messages posted.
    forged: u64,
    /// Sends that reached the server through a leader that died before the member took
    /// their ack (each may go out once more).
    lost_acks: usize,
    warnings: Vec<String>,
    delivered: Vec<Vec<Msg>>,
    /// Each member's sends reported back after a stop (the app's drop events).
    dropped: Vec<Vec<u32>>,
    /// The other members' blocks of request ids each member was last told of.
    blocks: Vec<Vec<u64>>,
}

/// Member `i`'s block of request ids.
fn block(i: usize) -> u64 {
    RequestId::shared_block(i as u64).0
}

impl World {
    fn new(members: usize) -> World {
        let mut world = World {
            members: (0..members).map(|i| Member::new(format!("tab{i}"), "o".into(), block(i))).collect(),
            links: vec![Vec::new(); members],
            open_links: vec![Vec::new(); members],
            sent: vec![0; members],
            hub: None,
            hubs: 0,
            socket_open: false,
            closing: false,
            stopped: false,
            channel: VecDeque::new(),
            buffered: Vec::new(),
            transmitted: Vec::new(),
            via: Vec::new(),
            checks: VecDeque::new(),
            forged: 0,
            lost_acks: 0,
            warnings: Vec::new(),
            delivered: vec![Vec::new(); members],
            dropped: vec![Vec::new(); members],
            blocks: vec![Vec::new(); members],
        };
        for i in 0..members {
            let conn = world.members[i].connect();
            world.links[i].push(conn);
            world.pump_member(i);
        }
        world
    }

    fn pump_member(&mut self, i: usize) {
        while let Some(output) = self.members[i].poll_output() {
            match output {
                MemberOutput::Post(wire) => self.channel.push_back((From::Member(i), wire)),
                MemberOutput::CheckHub => self.checks.push_back(i),
                MemberOutput::Opened { conn, .. } => self.open_links[i].push(conn),
                MemberOutput::Closed { conn, code, .. } => {
                    self.links[i].retain(|c| *c != conn);
                    self.open_links[i].retain(|c| *c != conn);
                    // The member's engine retries its link at once, unless told to stop.
                    if code != STOPPED_CODE {
                        let conn = self.members[i].connect();
                        self.links[i].push(conn);
                    }
                }
                MemberOutput::Deliver(data) => self.delivered[i].push(data),
                MemberOutput::Unsent((m, n)) => self.dropped[m].push(n),
                MemberOutput::Warn(text) => self.warnings.push(text),
                MemberOutput::OthersBlock { added, forgotten } => {
                    self.blocks[i].retain(|b| Some(*b) != forgotten);
                    self.blocks[i].push(added);
                }
                _ => unreachable!(),
            }
        }
    }

    fn pump_hub(&mut self) {
        let Some((id, hub)) = self.hub.as_mut() else { return };
        while let Some(output) = hub.poll_output() {
            match output {
                HubOutput::Post(wire) => self.channel.push_back((From::Hub(*id), wire)),
                HubOutput::Transmit { tab, seq, data } => {
                    assert!(self.socket_open, "transmitted on a socket that is not open");
                    if !self.closing {
                        self.buffered.push(data);
                        hub.transmitted(tab, seq, 1);
                        hub.drained(0, self.buffered.len() as u64); // still there: no ack yet
                    }
                }
                HubOutput::WatchMember { .. } => {}
                HubOutput::Reconnect => {
                    self.stopped = false;
                    hub.socket_connecting();
                }
                HubOutput::CheckMembers { .. } => hub.members_checked(true),
                HubOutput::End => unreachable!("members never leave here"),
                _ => unreachable!(),
            }
        }
    }

    /// Delivers the next message of one sender (`pick` chooses which of those waiting).
    fn deliver(&mut self, pick: usize) {
        let mut senders: Vec<From> = Vec::new();
        for (from, _) in &self.channel {
            if !senders.contains(from) {
                senders.push(*from);
            }
        }
        if senders.is_empty() {
            return;
        }
        let sender = senders[pick % senders.len()];
        let at = self.channel.iter().position(|(from, _)| *from == sender).unwrap();
        let (from, wire) = self.channel.remove(at).unwrap();
        if let (Some((_, hub)), From::Member(_)) = (self.hub.as_mut(), from) {
            hub.receive(wire.clone());
        }
        for i in 0..self.members.len() {
            if from != From::Member(i) {
                self.members[i].receive(wire.clone());
                self.pump_member(i);
            }
        }
        self.pump_hub();
    }

    /// The socket's buffer drains: what was in it reaches the server.
    fn drain(&mut self) {
        if let Some((id, hub)) = self.hub.as_mut() {
            let id = *id;
            self.via.extend(self.buffered.iter().map(|msg| (id, *msg)));
            self.transmitted.append(&mut self.buffered);
            hub.drained(0, 0); // it left the buffer ...
            hub.drained(ACK_SETTLE_MS, 0); // ... and settled: acknowledged
            self.pump_hub();
        }
    }

    /// The lock manager answers the oldest check: the hub leading at this moment.
    fn answer_check(&mut self) {
        if let Some(i) = self.checks.pop_front() {
            let name = self.hub.as_ref().map(|(id, _)| format!("hub{id}"));
            self.members[i].hub_checked(name);
            self.pump_member(i);
        }
    }

    /// Another page posts in a hub's name: a forged leader, ack (of everything) and close.
    fn forge(&mut self, i: usize) {
        let hub = String::from("forged");
        let to = format!("tab{i}");
        self.forged += 1;
        self.channel.push_back((From::Hub(0), Wire::Leader { hub: hub.clone() }));
        self.channel.push_back((From::Hub(0), Wire::Ack { hub: hub.clone(), to, seq: u64::MAX }));
        let close = Wire::Close { hub, to: None, conn: None, code: 4000, reason: "forged".into(), clean: true };
        self.channel.push_back((From::Hub(0), close));
    }

    fn send(&mut self, i: usize) {
        if let Some(&conn) = self.open_links[i].first() {
            self.sent[i] += 1;
            self.members[i].send(conn, (i, self.sent[i]), self.sent[i] as usize).unwrap();
            self.pump_member(i);
        }
    }

    fn new_leader(&mut self) {
        if self.hub.is_none() {
            self.hubs += 1;
            self.hub = Some((self.hubs, Hub::new(format!("hub{}", self.hubs), "o".into())));
            self.socket_open = false;
            self.stopped = false;
            self.pump_hub();
        }
    }

    /// The leader's tab dies; what it posted is lost (`lose`) or still delivered, late. Sends
    /// it got out whose ack the member has not taken may go out again (replayed to the next
    /// leader): the duplicates the documented at-least-once window allows.
    fn leader_dies(&mut self, lose: bool) {
        if let Some((id, _)) = self.hub.take() {
            for i in 0..self.members.len() {
                let acked = self.sent[i] - self.members[i].unacknowledged() as u32;
                self.lost_acks += self.via.iter().filter(|(hub, (m, n))| *hub == id && *m == i && *n > acked).count();
            }
            if lose {
                self.channel.retain(|(f, _)| *f != From::Hub(id));
            }
            self.socket_open = false;
            self.closing = false;
            self.buffered.clear(); // never left the dead tab
        }
    }

    fn socket(&mut self, event: u8) {
        let Some((_, hub)) = self.hub.as_mut() else { return };
        match event {
            0 if !self.socket_open && !self.stopped => {
                self.socket_open = true;
                hub.socket_opened("wss://x/".into(), String::new());
            }
            1 if self.socket_open => {
                self.socket_open = false;
                self.closing = false;
                self.buffered.clear(); // the link dropped with it
                hub.socket_closed(1006, "", false, None);
            }
            2 if !self.stopped => {
                self.buffered.clear();
                self.socket_open = false;
                self.closing = false;
                self.stopped = true;
                hub.socket_closed(1008, "go away", true, Some((CloseKind::Policy, "")));
            }
            3 if self.socket_open => {
                let n = self.transmitted.len() as u32;
                let hub_name = String::from(hub.id());
                hub.receive(Wire::Message { hub: hub_name.clone(), data: (usize::MAX, n) }); // members' only
                let id = self.hub.as_ref().map_or(0, |(id, _)| *id);
                self.channel.push_back((From::Hub(id), Wire::Message { hub: hub_name, data: (usize::MAX, n) }));
            }
            4 if self.socket_open => self.closing = true,
            _ => {}
        }
        self.pump_hub();
    }

    fn revive(&mut self, i: usize) {
        if self.links[i].is_empty() {
            self.members[i].revive();
            let conn = self.members[i].connect();
            self.links[i].push(conn);
            self.pump_member(i);
        }
    }

    /// A leader with an open socket, every member back, every message delivered.
    fn settle(&mut self) {
        self.new_leader();
        self.quiet();
        for i in 0..self.members.len() {
            self.revive(i);
        }
        self.quiet();
        self.socket(1); // a closing socket closes
        self.quiet();
        self.socket(0);
        self.quiet();
    }

    fn quiet(&mut self) {
        for _ in 0..10_000 {
            if self.channel.is_empty() && self.checks.is_empty() && self.buffered.is_empty() {
                return;
            }
            self.deliver(0);
            self.answer_check();
            if self.socket_open {
                self.drain();
            }
        }
        panic!("the channel never went quiet");
    }
}

#[derive(Clone, Debug)]
enum Action {
    Send(usize),
    Deliver(usize),
    Socket(u8),
    LeaderDies(bool),
    NewLeader,
    Revive(usize),
    Drain,
    AnswerCheck,
    Forge(usize),
}

fn action(members: usize) -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0..members).prop_map(Action::Send),
        8 => (0usize..4).prop_map(Action::Deliver),
        3 => (0u8..5).prop_map(Action::Socket),
        1 => any::<bool>().prop_map(Action::LeaderDies),
        2 => Just(Action::NewLeader),
        1 => (0..members).prop_map(Action::Revive),
        3 => Just(Action::Drain),
        3 => Just(Action::AnswerCheck),
        1 => (0..members).prop_map(Action::Forge),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Whatever the interleaving of sends, deliveries, socket closes, stops, leaders dying
    /// with sends in their buffer, late lock answers and forged hub messages: every accepted
    /// send reaches the server or is handed back after a stop (never both), each member's in
    /// its order (by first arrival), and a send goes out twice only when a dying leader took
    /// its ack along.
    #[test]
    fn every_send_goes_out_once_in_order_across_failovers(
        members in 1usize..4,
        actions in prop::collection::vec(action(3), 0..300),
    ) {
        let mut world = World::new(members);
        for action in actions {
            match action {
                Action::Send(i) if i < members => world.send(i),
                Action::Deliver(pick) => world.deliver(pick),
                Action::Socket(event) => world.socket(event),
                Action::LeaderDies(lose) => world.leader_dies(lose),
                Action::NewLeader => world.new_leader(),
                Action::Revive(i) if i < members => world.revive(i),
                Action::Drain => world.drain(),
                Action::AnswerCheck => world.answer_check(),
                Action::Forge(i) if i < members => world.forge(i),
                _ => {}
            }
            // Send n is n bytes: a member's bufferedAmount is never below one byte per send
            // it holds, and is 0 exactly when it holds none.
            for member in &world.members {
                let (held, bytes) = (member.unacknowledged(), member.buffered_amount());
                prop_assert!(bytes >= held && (bytes == 0) == (held == 0), "{} bytes for {} sends", bytes, held);
            }
        }
        world.settle();
        let mut duplicates = 0;
        for i in 0..members {
            let mine: Vec<u32> = world.transmitted.iter().filter(|(m, _)| *m == i).map(|(_, n)| *n).collect();
            let mut firsts = Vec::new();
            for n in &mine {
                if firsts.contains(n) {
                    duplicates += 1;
                } else {
                    firsts.push(*n);
                }
            }
            // Every send reached the server or was reported (dropped after a stop), and what
            // reached it did so in order. Both only when a dying leader took the ack along (the
            // at-least-once window: the drop report then errs on the side of saying so).
            let dropped = &world.dropped[i];
            let expected: Vec<u32> = (1..=world.sent[i]).filter(|n| !dropped.contains(n)).collect();
            let kept: Vec<u32> = firsts.iter().copied().filter(|n| !dropped.contains(n)).collect();
            prop_assert_eq!(kept, expected, "member {}", i);
            duplicates += firsts.iter().filter(|n| dropped.contains(n)).count();
            prop_assert_eq!(world.members[i].unacknowledged(), 0);
            prop_assert_eq!(world.members[i].buffered_amount(), 0);
        }
        prop_assert!(duplicates <= world.lost_acks, "{} duplicates or delivered drops, {} acks lost", duplicates, world.lost_acks);
        prop_assert!(world.warnings.is_empty());
        // Each member knows every other's block of request ids (their replies are not its
        // app's messages), and only those: its own ids and any other id are its app's.
        for i in 0..members {
            let mut others: Vec<u64> = (0..members).filter(|j| *j != i).map(block).collect();
            let mut known = world.blocks[i].clone();
            others.sort_unstable();
            known.sort_unstable();
            prop_assert_eq!(&known, &others, "member {}", i);
            for j in 0..members {
                prop_assert_eq!(world.members[i].others_reply(block(j) + 5), j != i);
            }
            prop_assert!(!world.members[i].others_reply(1_733_000_000_000));
        }
    }
}

#[test]
fn a_server_message_reaches_every_member_once() {
    let mut world = World::new(3);
    world.new_leader();
    world.socket(0);
    world.quiet();
    world.socket(3);
    world.quiet();
    for delivered in &world.delivered {
        assert_eq!(delivered.len(), 1);
    }
}

#[test]
fn a_stopped_socket_closes_links_with_4000_naming_the_kind_and_revives_on_reconnect() {
    let mut world = World::new(2);
    world.new_leader();
    world.socket(0);
    world.quiet();
    assert_eq!(world.open_links, vec![vec![1], vec![1]]);
    let (_, hub) = world.hub.as_mut().unwrap();
    hub.socket_closed(1008, "", true, Some((CloseKind::Policy, "the server's policy")));
    let Some(HubOutput::Post(Wire::Close { code, reason, to: None, .. })) = hub.poll_output() else { panic!() };
    assert_eq!(code, STOPPED_CODE);
    assert_eq!(reason, "shared connection stopped (policy): the server's policy");
    // A link that asks while stopped is told at once.
    hub.receive(Wire::Hello { tab: "late".into(), conn: 7, options: "o".into(), ids: 0 });
    assert_eq!(hub.poll_output(), Some(HubOutput::WatchMember { tab: "late".into() }));
    assert!(matches!(hub.poll_output(), Some(HubOutput::Post(Wire::Close { conn: Some(7), code: 4000, .. }))));
    hub.receive(Wire::Revive { tab: "late".into() });
    assert_eq!(hub.poll_output(), Some(HubOutput::Reconnect));
    hub.receive(Wire::Revive { tab: "late".into() });
    assert_eq!(hub.poll_output(), None, "revived once");
}

#[test]
fn a_long_stop_reason_is_cut_to_123_bytes_at_a_character() {
    let mut hub: Hub<()> = started("o");
    hub.socket_closed(1008, &"é".repeat(100), true, Some((CloseKind::Policy, "")));
    let Some(HubOutput::Post(Wire::Close { reason, .. })) = hub.poll_output() else { panic!() };
    assert!(reason.len() <= 123 && reason.len() > 115, "{}", reason.len());
}

#[test]
fn sends_are_not_taken_while_the_socket_is_down() {
    let mut hub: Hub<u8> = started("o");
    hub.receive(Wire::Send { tab: "a".into(), conn: 1, hub: "h".into(), epoch: 0, seq: 1, data: 9 });
    assert_eq!(hub.poll_output(), None);
    hub.socket_opened("u".into(), "p".into());
    hub.receive(Wire::Send { tab: "a".into(), conn: 1, hub: "h".into(), epoch: 0, seq: 2, data: 9 });
    assert_eq!(hub.poll_output(), None, "sent on an earlier socket");
    hub.receive(Wire::Send { tab: "a".into(), conn: 1, hub: "other".into(), epoch: 1, seq: 2, data: 9 });
    assert_eq!(hub.poll_output(), None, "sent to another hub");
    hub.receive(Wire::Send { tab: "a".into(), conn: 1, hub: "h".into(), epoch: 1, seq: 2, data: 9 });
    assert_eq!(hub.poll_output(), Some(HubOutput::Transmit { tab: "a".into(), seq: 2, data: 9 }));
    assert_eq!(hub.poll_output(), None, "acknowledged only once the socket sent it");
    hub.transmitted("a".into(), 2, 10);
    hub.drained(0, 10);
    assert_eq!(hub.poll_output(), None, "still in the socket's buffer");
    hub.drained(0, 0);
    assert_eq!(hub.poll_output(), None, "out of the buffer, not settled");
    hub.drained(ACK_SETTLE_MS, 0);
    assert_eq!(hub.poll_output(), Some(HubOutput::Post(Wire::Ack { hub: "h".into(), to: "a".into(), seq: 2 })));
}

/// Found in review: a member that left the channel (its `close()`) before the ack came and
/// relinks (`reconnect()`) replays sends this socket took and acknowledged; the socket does
/// not take them again, so without a second ack they stayed in the member's outbox (and its
/// `bufferedAmount`) until a later send was acknowledged.
#[test]
fn a_replay_of_the_last_acknowledged_send_is_acknowledged_again() {
    let mut hub: Hub<u8> = started("o");
    hub.socket_opened("u".into(), "p".into());
    let send = |seq| Wire::Send { tab: "a".into(), conn: 1, hub: "h".into(), epoch: 1, seq, data: 9 };
    let ack = |seq| Some(HubOutput::Post(Wire::Ack { hub: "h".into(), to: "a".into(), seq }));
    for seq in 1..=3 {
        hub.receive(send(seq));
        assert!(matches!(hub.poll_output(), Some(HubOutput::Transmit { .. })));
        hub.transmitted("a".into(), seq, 1);
    }
    hub.drained(0, 1); // 1 and 2 left the buffer; 3 has not
    hub.drained(ACK_SETTLE_MS, 1);
    assert_eq!(hub.poll_output(), ack(2));
    // The member missed that ack and replays 1 to 3: 2 is acknowledged again, once; 1 is
    // covered by it; 3 is still in the buffer, not acknowledged yet; none is sent twice.
    for seq in 1..=3 {
        hub.receive(send(seq));
    }
    assert_eq!(hub.poll_output(), ack(2));
    assert_eq!(hub.poll_output(), None);
    hub.drained(ACK_SETTLE_MS, 0);
    hub.drained(2 * ACK_SETTLE_MS, 0);
    assert_eq!(hub.poll_output(), ack(3));
}

/// Issue 16: acknowledging when `send()` returned lost what a dying tab still had buffered.
#[test]
fn a_send_is_acknowledged_once_the_buffer_drained_past_it_one_ack_per_member() {
    let mut hub: Hub<u8> = started("o");
    hub.socket_opened("u".into(), "p".into());
    hub.transmitted("a".into(), 1, 100); // bytes 0..100
    hub.transmitted("b".into(), 1, 5); // 100..105
    hub.transmitted("a".into(), 2, 50); // 105..155
    hub.drained(0, 155 - 99); // 99 bytes left the buffer: a's first is not all gone
    hub.drained(ACK_SETTLE_MS, 155 - 99);
    assert_eq!(hub.poll_output(), None);
    hub.drained(ACK_SETTLE_MS, 50); // 105 gone: a1 and b1, not settled yet
    assert_eq!(hub.poll_output(), None);
    hub.drained(2 * ACK_SETTLE_MS, 50); // settled
    let ack = |to: &str, seq| Some(HubOutput::Post(Wire::Ack { hub: "h".into(), to: to.into(), seq }));
    assert_eq!(hub.poll_output(), ack("a", 1));
    assert_eq!(hub.poll_output(), ack("b", 1));
    assert_eq!(hub.poll_output(), None);
    assert!(hub.awaiting_drain());
    hub.transmitted("a".into(), 3, 1);
    hub.drained(2 * ACK_SETTLE_MS, 0); // empty: everything left the buffer
    hub.drained(3 * ACK_SETTLE_MS - 1, 0);
    assert_eq!(hub.poll_output(), None, "not settled");
    hub.drained(3 * ACK_SETTLE_MS, 0);
    assert_eq!(hub.poll_output(), ack("a", 3));
    assert!(!hub.awaiting_drain());
    // What a closing socket still held is never acknowledged: the member replays it.
    hub.transmitted("a".into(), 4, 1);
    hub.socket_closed(1006, "", false, None);
    hub.drained(10 * ACK_SETTLE_MS, 0);
    assert!(matches!(hub.poll_output(), Some(HubOutput::Post(Wire::Close { .. }))));
    assert_eq!(hub.poll_output(), None);
}

/// A send that left the buffer just before the leading tab closed may still be in the
/// browser's network stack (measured: the churn test lost the last ~100 ms of sends under
/// load): it is acknowledged only once it settled, so a hub that ends first never acks it
/// and the member replays it to the next hub.
#[test]
fn a_send_out_of_the_buffer_is_acknowledged_only_once_it_settled() {
    let mut hub: Hub<u8> = started("o");
    hub.socket_opened("u".into(), "p".into());
    hub.transmitted("a".into(), 1, 10);
    hub.drained(5_000, 0); // out of the page's buffer at 5 s
    assert_eq!(hub.next_read_in(5_000 + 400), ACK_SETTLE_MS - 400, "read again when it settles, not every few ms");
    hub.drained(5_000 + ACK_SETTLE_MS - 1, 0);
    assert_eq!(hub.poll_output(), None, "not yet settled");
    assert!(hub.awaiting_drain(), "the driver keeps reading until it settles");
    hub.transmitted("a".into(), 2, 10);
    assert_eq!(
        hub.next_read_in(5_000 + ACK_SETTLE_MS - 1),
        u64::from(DRAIN_POLL_MS),
        "a send still in the buffer: poll"
    );
    hub.drained(5_000 + ACK_SETTLE_MS, 0); // the first settled; the second just left
    assert_eq!(hub.poll_output(), Some(HubOutput::Post(Wire::Ack { hub: "h".into(), to: "a".into(), seq: 1 })));
    assert_eq!(hub.poll_output(), None);
    // The tab closes now (the page's last read of the buffer, then the socket ends): the
    // second send is never acknowledged, so the member replays it.
    hub.drained(5_000 + ACK_SETTLE_MS + 1, 0);
    hub.socket_closed(1006, "", false, None);
    while let Some(output) = hub.poll_output() {
        assert!(!matches!(output, HubOutput::Post(Wire::Ack { .. })), "{output:?}");
    }
}

/// Review of issue 16: a member's `reconnect()` relinks on the same socket and replays what
/// is not yet acknowledged; the socket must not send it twice.
#[test]
fn a_replay_on_the_same_socket_is_not_sent_twice() {
    let mut hub: Hub<u8> = started("o");
    hub.socket_opened("u".into(), "p".into());
    let send = |seq| Wire::Send { tab: "a".into(), conn: 1, hub: "h".into(), epoch: 1, seq, data: 9 };
    hub.receive(send(1));
    hub.receive(send(2));
    assert!(matches!(hub.poll_output(), Some(HubOutput::Transmit { seq: 1, .. })));
    assert!(matches!(hub.poll_output(), Some(HubOutput::Transmit { seq: 2, .. })));
    hub.receive(send(1)); // the replay on a new link
    hub.receive(send(2));
    hub.receive(send(3));
    assert!(matches!(hub.poll_output(), Some(HubOutput::Transmit { seq: 3, .. })));
    assert_eq!(hub.poll_output(), None);
    hub.socket_opened("u".into(), "p".into()); // a new socket: the replay goes out on it
    hub.receive(Wire::Send { tab: "a".into(), conn: 2, hub: "h".into(), epoch: 2, seq: 2, data: 9 });
    assert!(matches!(hub.poll_output(), Some(HubOutput::Transmit { seq: 2, .. })));
}

/// Review of issue 16: a send the hub discarded while its socket was stopping was kept by
/// the member and lost without a drop when the app then closed.
#[test]
fn a_stop_hands_back_what_was_not_acknowledged() {
    let (mut member, conn) = following("h1");
    member.receive(open("h1", conn));
    while member.poll_output().is_some() {}
    member.send(conn, 7, 1).unwrap();
    member.poll_output();
    member.receive(stopped("h1"));
    assert!(matches!(member.poll_output(), Some(MemberOutput::Closed { code: STOPPED_CODE, .. })));
    assert_eq!(member.poll_output(), Some(MemberOutput::Unsent(7)));
    assert_eq!(member.unacknowledged(), 0);
    // A retryable close keeps them for the replay.
    let (mut member, conn) = following("h1");
    member.receive(open("h1", conn));
    while member.poll_output().is_some() {}
    member.send(conn, 8, 1).unwrap();
    member.receive(close("h1"));
    assert!(!std::iter::from_fn(|| member.poll_output()).any(|o| matches!(o, MemberOutput::Unsent(_))));
    assert_eq!(member.unacknowledged(), 1);
    member.forget(1);
    assert_eq!(member.unacknowledged(), 0, "a send the channel refused is forgotten");
}

/// A leading tab that takes no sends (frozen, or throttled in the background) congests its
/// members as a slow network congests a WebSocket: what they sent and it has not
/// acknowledged is their `bufferedAmount`, which the engine's backpressure watches.
#[test]
fn sends_not_acknowledged_are_the_members_buffered_amount() {
    let (mut member, conn) = following("h1");
    member.receive(open("h1", conn));
    while member.poll_output().is_some() {}
    assert_eq!(member.buffered_amount(), 0);
    for (data, bytes) in [(1, 10), (2, 20), (3, 30), (4, 40)] {
        member.send(conn, data, bytes).unwrap();
    }
    assert_eq!(member.buffered_amount(), 100);
    member.forget(2); // the channel refused the second one
    assert_eq!(member.buffered_amount(), 80);
    let ack = |seq| Wire::Ack { hub: "h1".into(), to: "a".into(), seq };
    member.receive(ack(1));
    assert_eq!((member.unacknowledged(), member.buffered_amount()), (2, 70));
    member.receive(Wire::Ack { hub: "h2".into(), to: "a".into(), seq: 4 }); // not the hub it follows
    assert_eq!(member.buffered_amount(), 70, "a forged ack frees nothing");
    member.receive(close("h1")); // a retryable close: still held for the replay, still counted
    assert_eq!(member.buffered_amount(), 70);
    member.receive(ack(3));
    assert_eq!((member.unacknowledged(), member.buffered_amount()), (1, 40));
    member.receive(stopped("h1")); // stopped for good: handed back (drops), nothing held
    assert_eq!((member.unacknowledged(), member.buffered_amount()), (0, 0));
}

/// A hub past its announcement and first member check (someone is there).
fn started<T: PartialEq + std::fmt::Debug>(options: &str) -> Hub<T> {
    let mut hub = Hub::new("h".into(), options.into());
    assert_eq!(hub.poll_output(), Some(HubOutput::Post(Wire::Leader { hub: "h".into() })));
    assert_eq!(hub.poll_output(), Some(HubOutput::CheckMembers { leaving: String::new() }));
    hub.members_checked(true);
    hub
}

#[test]
fn a_hub_started_for_no_one_ends_and_a_watched_member_going_is_checked() {
    let mut hub: Hub<u8> = Hub::new("h".into(), "o".into());
    hub.poll_output();
    hub.poll_output();
    hub.members_checked(false);
    assert_eq!(hub.poll_output(), Some(HubOutput::End));
    let mut hub: Hub<u8> = started("o");
    hub.receive(Wire::Hello { tab: "a".into(), conn: 1, options: "o".into(), ids: 0 });
    assert_eq!(hub.poll_output(), Some(HubOutput::WatchMember { tab: "a".into() }));
    hub.receive(Wire::Hello { tab: "a".into(), conn: 2, options: "o".into(), ids: 0 });
    assert_eq!(hub.poll_output(), None, "watched once");
    hub.member_gone("a".into());
    assert_eq!(hub.poll_output(), Some(HubOutput::CheckMembers { leaving: "a".into() }));
    hub.members_checked(false);
    assert_eq!(hub.poll_output(), Some(HubOutput::End));
}

/// A member that follows `hub` (the lock manager confirmed it), its link `conn` waiting.
fn following(hub: &str) -> (Member<u8>, u32) {
    let mut member: Member<u8> = Member::new("a".into(), "o".into(), 0);
    let conn = member.connect();
    member.poll_output();
    member.receive(Wire::Leader { hub: hub.into() });
    assert_eq!(member.poll_output(), Some(MemberOutput::CheckHub));
    member.hub_checked(Some(hub.into()));
    assert!(matches!(member.poll_output(), Some(MemberOutput::Post(Wire::Hello { .. }))));
    (member, conn)
}

fn open(hub: &str, conn: u32) -> Wire<u8> {
    Wire::Open { to: "a".into(), conn, hub: hub.into(), epoch: 1, url: "u".into(), protocol: "".into() }
}

fn close(hub: &str) -> Wire<u8> {
    Wire::Close { to: None, conn: None, code: 1006, reason: "".into(), clean: false, hub: hub.into() }
}

/// The hub's close for good (the app stopped it): nothing is replayed after it.
fn stopped(hub: &str) -> Wire<u8> {
    Wire::Close { to: None, conn: None, code: STOPPED_CODE, reason: "stopped".into(), clean: true, hub: hub.into() }
}

/// Found in review: `BroadcastChannel` orders one sender's messages, not different senders'.
/// A replaced hub's late `Open` or `Close` must not tie a link to it or close the new one's.
#[test]
fn a_late_open_or_close_from_a_replaced_hub_is_ignored() {
    let (mut member, conn) = following("h1");
    member.receive(Wire::Leader { hub: "h2".into() });
    assert_eq!(member.poll_output(), Some(MemberOutput::CheckHub));
    member.hub_checked(Some("h2".into()));
    member.receive(open("h1", conn));
    member.receive(Wire::Leader { hub: "h1".into() });
    assert!(member.send(conn, 1, 1).is_err(), "not opened by the replaced hub");
    member.receive(open("h2", conn));
    assert!(member.send(conn, 1, 1).is_ok());
    member.receive(close("h1"));
    assert!(member.send(conn, 2, 1).is_ok(), "still open on h2");
    member.receive(close("h2"));
    assert!(member.send(conn, 3, 1).is_err());
}

/// Issue 16: one `{t: 'leader'}` with a newer term from another page stalled every tab.
/// Only the lock manager's word makes a member follow a hub; no clock is involved.
#[test]
fn a_forged_hub_is_ignored_counted_and_cannot_close_or_acknowledge() {
    let (mut member, conn) = following("h1");
    member.receive(open("h1", conn));
    while member.poll_output().is_some() {}
    member.send(conn, 7, 1).unwrap();
    member.poll_output();
    member.receive(Wire::Leader { hub: "forged".into() });
    assert_eq!(member.poll_output(), Some(MemberOutput::CheckHub));
    member.receive(Wire::Ack { hub: "forged".into(), to: "a".into(), seq: u64::MAX });
    member.receive(close("forged"));
    member.receive(Wire::Message { hub: "forged".into(), data: 1 });
    assert_eq!(member.poll_output(), None, "one check at a time, nothing closed or delivered");
    member.hub_checked(Some("h1".into())); // the lock manager: h1 still leads
    assert_eq!(member.poll_output(), Some(MemberOutput::CheckHub), "asked again: others spoke meanwhile");
    member.hub_checked(Some("h1".into()));
    assert_eq!(member.poll_output(), None);
    assert_eq!(member.unacknowledged(), 1, "a forged ack frees nothing");
    assert!(member.send(conn, 8, 1).is_ok(), "still open");
    assert_eq!(member.ignored(), 4, "the forged leader, ack, close and message");
    assert_eq!(member.hub(), Some("h1"));
}

#[test]
fn the_lock_manager_names_the_hub_held_by_the_leaders_client() {
    let held = |locks: &[(&'static str, &'static str)]| -> Vec<HeldLock<'static>> {
        locks.iter().map(|(name, client)| HeldLock { name, exclusive: true, client }).collect()
    };
    assert_eq!(current_hub("g", &held(&[("g", "1"), ("g:hub:h", "1")])), Some("h"));
    assert_eq!(current_hub("g", &held(&[("g", "1"), ("g:hub:h", "2")])), None, "a forger's lock");
    assert_eq!(current_hub("g", &held(&[("g:hub:h", "1")])), None, "no leader");
    assert_eq!(current_hub("g", &held(&[("g", "1"), ("gx:hub:h", "1")])), None, "another group");
}

#[test]
fn the_last_member_leaving_ends_the_hub_once() {
    let mut hub: Hub<u8> = started("o");
    hub.receive(Wire::Leave { tab: "a".into() });
    assert_eq!(hub.poll_output(), Some(HubOutput::CheckMembers { leaving: "a".into() }));
    hub.members_checked(true);
    assert_eq!(hub.poll_output(), None);
    hub.members_checked(false);
    assert_eq!(hub.poll_output(), Some(HubOutput::End));
    assert!(hub.ended());
    hub.members_checked(false);
    hub.receive(Wire::Hello { tab: "b".into(), conn: 1, options: "o".into(), ids: 0 });
    hub.socket_opened("u".into(), "p".into());
    hub.socket_closed(1000, "", true, Some((CloseKind::User, "")));
    assert_eq!(hub.poll_output(), None, "an ended hub says nothing more");
}

#[test]
fn differing_options_warn_the_member_once_and_the_hubs_win() {
    let mut hub: Hub<u8> = started("hub-options");
    let mut member: Member<u8> = Member::new("a".into(), "my-options".into(), 0);
    member.hub_checked(Some("h".into()));
    for _ in 0..2 {
        member.connect();
        while let Some(MemberOutput::Post(wire)) = member.poll_output() {
            hub.receive(wire);
        }
    }
    while let Some(output) = hub.poll_output() {
        if let HubOutput::Post(wire) = output {
            member.receive(wire);
        }
    }
    let warnings: Vec<_> = std::iter::from_fn(|| member.poll_output()).collect();
    let [MemberOutput::Warn(text)] = warnings.as_slice() else { panic!("{warnings:?}") };
    assert!(text.contains("my-options") && text.contains("hub-options"), "{text}");
}

#[test]
fn a_link_sends_only_when_open_and_a_closed_link_says_bye() {
    let mut member: Member<u8> = Member::new("a".into(), "o".into(), 0);
    let conn = member.connect();
    assert!(member.send(conn, 1, 1).is_err());
    member.poll_output();
    member.disconnect(conn, 1000, "bye");
    assert_eq!(member.poll_output(), Some(MemberOutput::Post(Wire::Bye { tab: "a".into(), conn })));
    let closed = MemberOutput::Closed { conn, code: 1000, reason: "bye".into(), clean: true };
    assert_eq!(member.poll_output(), Some(closed));
    member.disconnect(conn, 1000, "bye");
    assert_eq!(member.poll_output(), None);
}

#[test]
fn members_run_without_heartbeat_or_verification_and_retry_the_link_quickly() {
    let app = Config::builder().heartbeat_interval(5_000.0).max_retries(3.0).build().unwrap();
    let member = member_config(&app);
    assert_eq!(member.heartbeat_interval_ms(), None);
    assert_eq!(member.max_retries(), None);
    assert_eq!(member.verify_timeout_ms(), None);
    assert_ne!(fingerprint(&app), fingerprint(&Config::default()));
    assert!(fingerprint(&member).starts_with("delay=0.."), "a failover waits on no timer");
    let stops =
        Config::builder().close_predicate(std::rc::Rc::new(|_, _| ws_core::CloseDecision::Stop)).build().unwrap();
    assert!(fingerprint(&member_config(&stops)).contains("predicate=0"), "links obey the hub, not the app's predicate");
    assert_eq!(channel_name("chat", None, &[]), "rebound-ws/3:chat:provider:");
}

/// Found in review (silent loss): a server message whose id was a large number no request
/// here waited for (a millisecond timestamp) was taken for another tab's reply and never
/// dispatched. Only a block another member announced is another member's.
#[test]
fn only_blocks_other_members_announce_are_their_replies() {
    let mut member: Member<u8> = Member::new("a".into(), "o".into(), block(1));
    let timestamp = 1_733_000_000_000;
    assert!(!member.others_reply(timestamp), "nobody announced anything");
    // A member heard on the channel (not heard of before: answered), one that is not a
    // block, and this member's own.
    member.receive(Wire::Hello { tab: "b".into(), conn: 2, options: "o".into(), ids: block(2) });
    assert_eq!(member.poll_output(), Some(MemberOutput::OthersBlock { added: block(2), forgotten: None }));
    assert_eq!(member.poll_output(), Some(MemberOutput::Post(Wire::Ids { ids: block(1) })));
    assert_eq!(member.poll_output(), None);
    member.receive(Wire::Hello { tab: "c".into(), conn: 2, options: "o".into(), ids: timestamp });
    member.receive(Wire::Ids { ids: block(1) });
    member.receive(Wire::Hello { tab: "b".into(), conn: 3, options: "o".into(), ids: block(2) });
    assert_eq!(member.poll_output(), None, "nothing new");
    assert!(member.others_reply(block(2) + 9));
    assert!(!member.others_reply(block(1) + 9), "its own late reply is its app's message");
    assert!(!member.others_reply(timestamp));
    assert!(!member.others_reply(block(3) + 1), "nobody announced that block");
}

#[test]
fn a_new_members_first_hello_is_answered_with_each_members_block() {
    let mut early: Member<u8> = Member::new("early".into(), "o".into(), block(5));
    let mut late: Member<u8> = Member::new("late".into(), "o".into(), block(6));
    let conn = late.connect();
    let Some(MemberOutput::Post(hello)) = late.poll_output() else { panic!("no hello") };
    early.receive(hello);
    let outputs: Vec<_> = std::iter::from_fn(|| early.poll_output()).collect();
    assert_eq!(
        outputs,
        [
            MemberOutput::OthersBlock { added: block(6), forgotten: None },
            MemberOutput::Post(Wire::Ids { ids: block(5) })
        ]
    );
    late.receive(Wire::Ids { ids: block(5) });
    assert_eq!(late.poll_output(), Some(MemberOutput::OthersBlock { added: block(5), forgotten: None }));
    assert!(late.others_reply(block(5) + 1));
    // A later hello of the same member (a reconnect: link 2) is not answered again.
    early.receive(Wire::Hello { tab: "late".into(), conn: conn + 1, options: "o".into(), ids: block(6) });
    assert_eq!(early.poll_output(), None);
}

/// Found in review: a member that was not listening (its app closed it, then reconnected)
/// missed a newcomer's first hello; the newcomer, hearing its later hello, never answered.
#[test]
fn a_hello_from_a_member_not_heard_of_before_is_answered_whatever_its_link() {
    let mut newcomer: Member<u8> = Member::new("b".into(), "o".into(), block(2));
    newcomer.receive(Wire::Hello { tab: "a".into(), conn: 2, options: "o".into(), ids: block(1) });
    let outputs: Vec<_> = std::iter::from_fn(|| newcomer.poll_output()).collect();
    assert_eq!(
        outputs,
        [
            MemberOutput::OthersBlock { added: block(1), forgotten: None },
            MemberOutput::Post(Wire::Ids { ids: block(2) })
        ]
    );
}

#[test]
fn a_member_remembers_the_latest_64_blocks() {
    let mut member: Member<u8> = Member::new("a".into(), "o".into(), 0);
    for i in 1..=70 {
        member.receive(Wire::Ids { ids: block(i) });
    }
    let told: Vec<_> = std::iter::from_fn(|| member.poll_output()).collect();
    assert_eq!(told.last(), Some(&MemberOutput::OthersBlock { added: block(70), forgotten: Some(block(6)) }));
    assert!(!member.others_reply(block(6) + 1), "forgotten: its replies reach the app, never lost");
    assert!(member.others_reply(block(7) + 1));
    assert!(member.others_reply(block(70) + 1));
    // One heard again is kept over those not heard of since.
    member.receive(Wire::Ids { ids: block(7) });
    member.receive(Wire::Ids { ids: block(71) });
    assert!(member.others_reply(block(7) + 1), "heard again: kept");
    assert!(!member.others_reply(block(8) + 1), "the least recently heard went instead");
}

#[test]
fn shared_blocks_lie_above_timestamps_and_within_safe_integers() {
    for random in [0, 1, 7, u64::MAX, (1 << 28) - 2, (1 << 28) - 1, 1 << 28] {
        let first = RequestId::shared_block(random);
        assert!(first.is_shared_block(), "{random}");
        assert!(first.0 >= 1 << 52, "above any µs timestamp before 2112");
        assert!(
            first.0 + ws_core::SHARED_BLOCK_IDS - 1 < (1 << 53) - ws_core::SHARED_BLOCK_IDS,
            "one block of headroom"
        );
    }
    assert!(!RequestId((1 << 52) + 1).is_shared_block(), "not a block's first id");
    assert!(!RequestId(1 << 53).is_shared_block(), "not a safe integer");
    assert!(!RequestId((1 << 53) - ws_core::SHARED_BLOCK_IDS).is_shared_block(), "the headroom");
}
