//! Herd simulator: 10,000 clients lose their server at t = 0; it refuses connections for
//! 10 s, then admits at most 2,000 handshakes/s. Rebound's rows drive the real ws-core
//! engine; the peers' rows model their published policies (see `peers.rs`).
//!
//! Server model: after the outage, admission is a token bucket of 2 tokens/ms holding at
//! most 200 (100 ms worth), full when the server comes back. A handshake that finds no
//! token hangs until the client's connect timeout (forever without one). In the `hint`
//! scenario the server instead accepts it and closes with 1013 and `retry-after=<ms>`
//! pointing at the next free slot of its admission schedule (the token is reserved), so
//! the client comes back exactly then and is admitted. Every answer (refusal, 101, 1013)
//! takes one 10 ms round trip.
//!
//! Usage: `cargo run --release -p ws-core --example herd [-- --json | --timeline] [--seed N]`

mod peers;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use peers::{Grpc, PeerPolicy, Phoenix, ReconnectingWebSocket, SocketIo};
use ws_core::{Config, ConnId, Engine, Output, Rng};

const CLIENTS: usize = 10_000;
/// Engines connect at 0 and have been up for a minute when the server goes away.
const DROP_AT: u64 = 60_000;
const BACK_AT: u64 = DROP_AT + 10_000;
const RATE_PER_MS: f64 = 2.0;
const BURST: f64 = 200.0;
const RTT_MS: u64 = 10;
const HORIZON_MS: u64 = 300_000;
const WINDOW_MS: u64 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Refused,
    Admitted,
    Hang,
    RetryAfter(u64),
}

struct Server {
    hint: bool,
    tokens: f64,
    refilled_at: u64,
    closed_1013: usize,
}

impl Server {
    fn new(hint: bool) -> Self {
        Server { hint, tokens: BURST, refilled_at: BACK_AT, closed_1013: 0 }
    }

    fn handshake(&mut self, now: u64, reserved: bool) -> Verdict {
        if now < BACK_AT {
            return Verdict::Refused;
        }
        if reserved {
            return Verdict::Admitted;
        }
        self.tokens = (self.tokens + (now - self.refilled_at) as f64 * RATE_PER_MS).min(BURST);
        self.refilled_at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Verdict::Admitted
        } else if self.hint {
            self.tokens -= 1.0; // reserve the next free slot of the schedule
            self.closed_1013 += 1;
            let slot_in = (-self.tokens / RATE_PER_MS).ceil() as u64;
            Verdict::RetryAfter(slot_in.saturating_sub(RTT_MS))
        } else {
            Verdict::Hang
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Timer,
    Reply { conn: u32, verdict: Verdict },
    PeerAttempt,
    PeerTimeout { attempt: u64 },
}

enum Client {
    Rebound(Box<Engine<Box<[u8]>>>),
    Peer { policy: Box<dyn PeerPolicy>, retry: u32, attempt: u64, waiting: bool },
}

struct Sim {
    clients: Vec<Client>,
    server: Server,
    rng: Rng,
    queue: BinaryHeap<Reverse<(u64, u64, usize, Ev)>>,
    seq: u64,
    armed: Vec<Option<u64>>,
    reserved: Vec<bool>,
    attempts: Vec<u64>,
    back_at: Vec<Option<u64>>,
}

/// What one policy did.
struct Outcome {
    name: &'static str,
    peak_per_100ms: usize,
    attempts_after_return: usize,
    attempts_total: usize,
    p99_back_s: Option<f64>,
    closed_1013: usize,
    timeline: Vec<usize>,
}

impl Sim {
    fn new(clients: Vec<Client>, hint: bool, seed: u64) -> Self {
        let n = clients.len();
        Sim {
            clients,
            server: Server::new(hint),
            rng: Rng::new(seed),
            queue: BinaryHeap::new(),
            seq: 0,
            armed: vec![None; n],
            reserved: vec![false; n],
            attempts: Vec::new(),
            back_at: vec![None; n],
        }
    }

    fn at(&mut self, time: u64, client: usize, ev: Ev) {
        self.seq += 1;
        self.queue.push(Reverse((time, self.seq, client, ev)));
    }

    fn attempt(&mut self, now: u64, client: usize) -> Verdict {
        self.attempts.push(now);
        let verdict = self.server.handshake(now, std::mem::take(&mut self.reserved[client]));
        if let Verdict::RetryAfter(_) = verdict {
            self.reserved[client] = true;
        }
        verdict
    }

    /// Performs what engine `i` asked for and re-arms its timer.
    fn drive(&mut self, now: u64, i: usize) {
        loop {
            let Client::Rebound(engine) = &mut self.clients[i] else { return };
            match engine.poll_output() {
                Some(Output::OpenSocket { conn, .. }) => match self.attempt(now, i) {
                    Verdict::Hang => {}
                    verdict => self.at(now + RTT_MS, i, Ev::Reply { conn: conn.0, verdict }),
                },
                Some(_) => {}
                None => {
                    let deadline = engine.poll_timeout();
                    if deadline.is_some() && deadline != self.armed[i] {
                        self.armed[i] = deadline;
                        self.at(deadline.unwrap_or_default(), i, Ev::Timer);
                    }
                    return;
                }
            }
        }
    }

    fn peer_failed(&mut self, now: u64, i: usize) {
        let Client::Peer { policy, retry, waiting, .. } = &mut self.clients[i] else { return };
        *retry += 1;
        *waiting = false;
        let start = policy.next_start(*retry, now, &mut self.rng);
        self.at(start, i, Ev::PeerAttempt);
    }

    fn handle(&mut self, now: u64, i: usize, ev: Ev) {
        match (&mut self.clients[i], ev) {
            (Client::Rebound(engine), Ev::Timer) if self.armed[i] == Some(now) => {
                self.armed[i] = None;
                engine.handle_timeout(now);
            }
            (Client::Rebound(engine), Ev::Reply { conn, verdict }) => {
                let conn = ConnId(conn);
                match verdict {
                    Verdict::Refused => {
                        engine.socket_error(now, conn, None);
                        engine.socket_closed(now, conn, 1006, "", false);
                    }
                    Verdict::Admitted => {
                        engine.socket_opened(now, conn);
                        self.back_at[i] = Some(now);
                    }
                    Verdict::RetryAfter(ms) => {
                        engine.socket_opened(now, conn);
                        engine.socket_closed(now, conn, 1013, &format!("retry-after={ms}"), true);
                    }
                    Verdict::Hang => unreachable!("hangs get no reply"),
                }
            }
            (Client::Peer { policy, attempt, waiting, .. }, Ev::PeerAttempt) => {
                *attempt += 1;
                *waiting = true;
                let (attempt, timeout) = (*attempt, policy.connect_timeout_ms());
                match self.attempt(now, i) {
                    Verdict::Hang => {
                        if let Some(timeout) = timeout {
                            self.at(now + timeout, i, Ev::PeerTimeout { attempt });
                        }
                    }
                    verdict => self.at(now + RTT_MS, i, Ev::Reply { conn: 0, verdict }),
                }
            }
            (Client::Peer { .. }, Ev::Reply { verdict: Verdict::Admitted, .. }) => self.back_at[i] = Some(now),
            (Client::Peer { .. }, Ev::Reply { .. }) => self.peer_failed(now, i),
            (Client::Peer { attempt, waiting, .. }, Ev::PeerTimeout { attempt: timed_out })
                if *waiting && *attempt == timed_out =>
            {
                self.peer_failed(now, i)
            }
            _ => {}
        }
        self.drive(now, i);
    }

    fn run(mut self, name: &'static str) -> Outcome {
        for i in 0..self.clients.len() {
            match &mut self.clients[i] {
                Client::Rebound(engine) => {
                    engine.connect(0);
                    while engine.poll_output().is_some() {}
                    let conn = engine.current_conn().expect("connecting");
                    engine.socket_opened(0, conn);
                    engine.socket_closed(DROP_AT, conn, 1006, "", false);
                    self.drive(DROP_AT, i);
                }
                Client::Peer { .. } => self.peer_failed(DROP_AT, i),
            }
        }
        while let Some(Reverse((now, _, i, ev))) = self.queue.pop() {
            if now > BACK_AT + HORIZON_MS {
                break;
            }
            self.handle(now, i, ev);
        }
        self.outcome(name)
    }

    fn outcome(self, name: &'static str) -> Outcome {
        let mut after: Vec<u64> = self.attempts.iter().copied().filter(|&t| t >= BACK_AT).collect();
        after.sort_unstable();
        let mut peak = 0;
        let mut start = 0;
        for end in 0..after.len() {
            while after[end] - after[start] >= WINDOW_MS {
                start += 1;
            }
            peak = peak.max(end - start + 1);
        }
        let mut timeline = vec![0; ((after.last().copied().unwrap_or(DROP_AT) - DROP_AT) / WINDOW_MS + 1) as usize];
        for &t in &self.attempts {
            timeline[((t - DROP_AT) / WINDOW_MS) as usize] += 1;
        }
        let mut back: Vec<u64> = self.back_at.iter().flatten().map(|t| t - BACK_AT).collect();
        back.sort_unstable();
        let needed = (self.clients.len() * 99).div_ceil(100);
        Outcome {
            name,
            peak_per_100ms: peak,
            attempts_after_return: after.len(),
            attempts_total: self.attempts.len(),
            p99_back_s: back.get(needed - 1).map(|&ms| ms as f64 / 1000.0),
            closed_1013: self.server.closed_1013,
            timeline,
        }
    }
}

fn rebound_clients(count: usize, seed: u64) -> Vec<Client> {
    (0..count)
        .map(|i| Client::Rebound(Box::new(Engine::new(Config::default(), seed ^ (i as u64).wrapping_mul(0x9E37_79B9)))))
        .collect()
}

fn peer_clients(count: usize, make: impl Fn(&mut Rng) -> Box<dyn PeerPolicy>, rng: &mut Rng) -> Vec<Client> {
    (0..count).map(|_| Client::Peer { policy: make(rng), retry: 0, attempt: 0, waiting: false }).collect()
}

/// One run per policy: Rebound, Rebound with the hinting server, and the four peers.
fn peer_runs(count: usize, seed: u64, names: [&'static str; 6]) -> Vec<(&'static str, Vec<Client>, bool)> {
    let mut rng = Rng::new(seed);
    vec![
        (names[0], rebound_clients(count, seed), false),
        (names[1], rebound_clients(count, seed), true),
        (names[2], peer_clients(count, |r| Box::new(ReconnectingWebSocket::new(r)), &mut rng), false),
        (names[3], peer_clients(count, |_| Box::new(SocketIo), &mut rng), false),
        (names[4], peer_clients(count, |_| Box::new(Phoenix), &mut rng), false),
        (names[5], peer_clients(count, |_| Box::<Grpc>::default(), &mut rng), false),
    ]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seed = args.iter().position(|a| a == "--seed").and_then(|i| args.get(i + 1)?.parse().ok()).unwrap_or(1);
    let runs =
        peer_runs(CLIENTS, seed, ["rebound", "rebound-hint", "reconnecting-websocket", "socket.io", "phoenix", "grpc"]);
    let outcomes: Vec<Outcome> =
        runs.into_iter().map(|(name, clients, hint)| Sim::new(clients, hint, seed).run(name)).collect();
    // Sensitivity: twice the clients, so Rebound's 5.5 s period overloads the server.
    let doubled: Vec<Outcome> = peer_runs(
        2 * CLIENTS,
        seed,
        ["rebound-20k", "rebound-hint-20k", "reconnecting-websocket-20k", "socket.io-20k", "phoenix-20k", "grpc-20k"],
    )
    .into_iter()
    .map(|(name, clients, hint)| Sim::new(clients, hint, seed).run(name))
    .collect();
    let json_rows = |outcomes: &[Outcome]| -> String {
        let rows: Vec<String> = outcomes
            .iter()
            .map(|o| {
                let p99 = o.p99_back_s.map_or("null".to_string(), |s| format!("{s:.3}"));
                format!(
                    "\"{}\": {{\"peak_per_100ms\": {}, \"attempts_after_return\": {}, \"attempts_total\": {}, \"p99_back_s\": {}, \"closed_1013\": {}}}",
                    o.name, o.peak_per_100ms, o.attempts_after_return, o.attempts_total, p99, o.closed_1013
                )
            })
            .collect();
        rows.join(", ")
    };

    if args.iter().any(|a| a == "--json") {
        println!("{{\"policies\": {{{}}}, \"sensitivity\": {{{}}}}}", json_rows(&outcomes), json_rows(&doubled));
    } else if args.iter().any(|a| a == "--timeline") {
        println!("t_s,{}", outcomes.iter().map(|o| o.name).collect::<Vec<_>>().join(","));
        let len = outcomes.iter().map(|o| o.timeline.len()).max().unwrap_or(0).min(700);
        for w in 0..len {
            let counts: Vec<String> =
                outcomes.iter().map(|o| o.timeline.get(w).copied().unwrap_or(0).to_string()).collect();
            println!("{:.1},{}", w as f64 * WINDOW_MS as f64 / 1000.0, counts.join(","));
        }
    } else {
        println!("{CLIENTS} clients; server down 10 s, then 2,000 handshakes/s (limits: 200 / 100 ms, {CLIENTS} attempts, 5.0 s)");
        print_table(&outcomes);
        println!("\nsensitivity: {} clients (limits: 200 / 100 ms, {} attempts, 10.0 s)", 2 * CLIENTS, 2 * CLIENTS);
        print_table(&doubled);
    }
}

fn print_table(outcomes: &[Outcome]) {
    println!(
        "{:<26} {:>14} {:>22} {:>15} {:>13} {:>10}",
        "policy", "peak / 100 ms", "attempts after return", "attempts total", "p99 back (s)", "1013 sent"
    );
    for o in outcomes {
        let p99 = o.p99_back_s.map_or("never".to_string(), |s| format!("{s:.2}"));
        println!(
            "{:<26} {:>14} {:>22} {:>15} {:>13} {:>10}",
            o.name, o.peak_per_100ms, o.attempts_after_return, o.attempts_total, p99, o.closed_1013
        );
    }
}
