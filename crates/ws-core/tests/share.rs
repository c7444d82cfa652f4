//! The sharing policy: members and hubs over a modelled channel — each sender's messages in
//! order, different senders' in any order (as `BroadcastChannel`), delivered to every other
//! listener present at delivery time — with leaders dying at any point, their last messages
//! lost or delivered late, and sockets closing, stopping, or refusing to send at once.

use std::collections::VecDeque;

use proptest::prelude::*;
use ws_core::share::{
    channel_name, fingerprint, member_config, Hub, HubOutput, Member, MemberOutput, Wire, STOPPED_CODE,
};
use ws_core::{CloseKind, Config};

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
    transmitted: Vec<Msg>,
    /// Acks a dying leader left on their way, lost or late (each may cause one duplicate).
    lost_acks: usize,
    warnings: Vec<String>,
    delivered: Vec<Vec<Msg>>,
}

impl World {
    fn new(members: usize) -> World {
        let mut world = World {
            members: (0..members).map(|i| Member::new(format!("tab{i}"), "o".into())).collect(),
            links: vec![Vec::new(); members],
            open_links: vec![Vec::new(); members],
            sent: vec![0; members],
            hub: None,
            hubs: 0,
            socket_open: false,
            closing: false,
            stopped: false,
            channel: VecDeque::new(),
            transmitted: Vec::new(),
            lost_acks: 0,
            warnings: Vec::new(),
            delivered: vec![Vec::new(); members],
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
                MemberOutput::Warn(text) => self.warnings.push(text),
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
                        self.transmitted.push(data);
                        hub.transmitted(tab, seq);
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

    fn send(&mut self, i: usize) {
        if let Some(&conn) = self.open_links[i].first() {
            self.sent[i] += 1;
            self.members[i].send(conn, (i, self.sent[i])).unwrap();
            self.pump_member(i);
        }
    }

    fn new_leader(&mut self) {
        if self.hub.is_none() {
            self.hubs += 1;
            self.hub = Some((self.hubs, Hub::new(format!("hub{}", self.hubs), u64::from(self.hubs), "o".into())));
            self.socket_open = false;
            self.stopped = false;
            self.pump_hub();
        }
    }

    /// The leader's tab dies; what it posted is lost (`lose`) or still delivered, late. Its
    /// acks still on their way may come too late either way: each may cost one duplicate
    /// (a send it made, replayed by the member to the next leader).
    fn leader_dies(&mut self, lose: bool) {
        if let Some((id, _)) = self.hub.take() {
            let acks =
                self.channel.iter().filter(|(f, w)| *f == From::Hub(id) && matches!(w, Wire::Ack { .. })).count();
            self.lost_acks += acks;
            if lose {
                self.channel.retain(|(f, _)| *f != From::Hub(id));
            }
            self.socket_open = false;
            self.closing = false;
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
                hub.socket_closed(1006, "", false, None);
            }
            2 if !self.stopped => {
                self.socket_open = false;
                self.closing = false;
                self.stopped = true;
                hub.socket_closed(1008, "go away", true, Some((CloseKind::Policy, "")));
            }
            3 if self.socket_open => {
                let n = self.transmitted.len() as u32;
                hub.receive(Wire::Message { data: (usize::MAX, n) }); // ignored: members' only
                self.channel.push_back((From::Hub(0), Wire::Message { data: (usize::MAX, n) }));
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
            if self.channel.is_empty() {
                return;
            }
            self.deliver(0);
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
}

fn action(members: usize) -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0..members).prop_map(Action::Send),
        8 => (0usize..4).prop_map(Action::Deliver),
        3 => (0u8..5).prop_map(Action::Socket),
        1 => any::<bool>().prop_map(Action::LeaderDies),
        2 => Just(Action::NewLeader),
        1 => (0..members).prop_map(Action::Revive),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Whatever the interleaving of sends, deliveries, socket closes, stops and leaders
    /// dying: every accepted send reaches a socket, each member's in its order (by first
    /// arrival), and a send goes out twice only when a dying leader took its ack along.
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
                _ => {}
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
            prop_assert_eq!(firsts, (1..=world.sent[i]).collect::<Vec<_>>(), "member {}", i);
            prop_assert_eq!(world.members[i].unacknowledged(), 0);
        }
        prop_assert!(duplicates <= world.lost_acks, "{} duplicates, {} acks lost", duplicates, world.lost_acks);
        prop_assert!(world.warnings.is_empty());
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
    hub.receive(Wire::Hello { tab: "late".into(), conn: 7, options: "o".into() });
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
    hub.transmitted("a".into(), 2);
    assert_eq!(hub.poll_output(), Some(HubOutput::Post(Wire::Ack { to: "a".into(), seq: 2 })));
}

/// A hub past its announcement and first member check (someone is there).
fn started<T: PartialEq + std::fmt::Debug>(options: &str) -> Hub<T> {
    let mut hub = Hub::new("h".into(), 1, options.into());
    assert_eq!(hub.poll_output(), Some(HubOutput::Post(Wire::Leader { hub: "h".into(), term: 1 })));
    assert_eq!(hub.poll_output(), Some(HubOutput::CheckMembers { leaving: String::new() }));
    hub.members_checked(true);
    hub
}

#[test]
fn a_hub_started_for_no_one_ends_and_a_watched_member_going_is_checked() {
    let mut hub: Hub<u8> = Hub::new("h".into(), 1, "o".into());
    hub.poll_output();
    hub.poll_output();
    hub.members_checked(false);
    assert_eq!(hub.poll_output(), Some(HubOutput::End));
    let mut hub: Hub<u8> = started("o");
    hub.receive(Wire::Hello { tab: "a".into(), conn: 1, options: "o".into() });
    assert_eq!(hub.poll_output(), Some(HubOutput::WatchMember { tab: "a".into() }));
    hub.receive(Wire::Hello { tab: "a".into(), conn: 2, options: "o".into() });
    assert_eq!(hub.poll_output(), None, "watched once");
    hub.member_gone("a".into());
    assert_eq!(hub.poll_output(), Some(HubOutput::CheckMembers { leaving: "a".into() }));
    hub.members_checked(false);
    assert_eq!(hub.poll_output(), Some(HubOutput::End));
}

/// Found in review: `BroadcastChannel` orders one sender's messages, not different senders'.
/// A replaced hub's late `Open` or `Close` must not tie a link to it or close the new one's.
#[test]
fn a_late_open_or_close_from_a_replaced_hub_is_ignored() {
    let mut member: Member<u8> = Member::new("a".into(), "o".into());
    let conn = member.connect();
    member.receive(Wire::Leader { hub: "h1".into(), term: 1 });
    member.receive(Wire::Leader { hub: "h2".into(), term: 2 });
    let term = |hub: &str| if hub == "h1" { 1 } else { 2 };
    let open = |hub: &str| Wire::Open {
        to: "a".into(),
        conn,
        hub: hub.into(),
        term: term(hub),
        epoch: 1,
        url: "u".into(),
        protocol: "".into(),
    };
    member.receive(open("h1"));
    member.receive(Wire::Leader { hub: "h1".into(), term: 1 });
    assert!(member.send(conn, 1).is_err(), "not opened by the replaced hub");
    member.receive(open("h2"));
    assert!(member.send(conn, 1).is_ok());
    let close = |hub: &str| Wire::Close {
        to: None,
        conn: None,
        code: 1006,
        reason: "".into(),
        clean: false,
        hub: hub.into(),
        term: term(hub),
    };
    member.receive(close("h1"));
    assert!(member.send(conn, 2).is_ok(), "still open on h2");
    member.receive(close("h2"));
    assert!(member.send(conn, 3).is_err());
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
    hub.receive(Wire::Hello { tab: "b".into(), conn: 1, options: "o".into() });
    hub.socket_opened("u".into(), "p".into());
    hub.socket_closed(1000, "", true, Some((CloseKind::User, "")));
    assert_eq!(hub.poll_output(), None, "an ended hub says nothing more");
}

#[test]
fn differing_options_warn_the_member_once_and_the_hubs_win() {
    let mut hub: Hub<u8> = started("hub-options");
    let mut member: Member<u8> = Member::new("a".into(), "my-options".into());
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
    let mut member: Member<u8> = Member::new("a".into(), "o".into());
    let conn = member.connect();
    assert!(member.send(conn, 1).is_err());
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
    assert_eq!(channel_name("chat", None, &[]), "rebound-ws:chat:provider:");
}
