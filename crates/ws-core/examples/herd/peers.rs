//! The published reconnect policies of the JS peers, as the simulator models them.

use ws_core::Rng;

/// A peer library's retry policy: the delay before retry `n` (1-based) and its connect
/// timeout (`None`: the attempt hangs as long as the server lets it).
pub trait PeerPolicy {
    fn delay_ms(&mut self, retry: u32, rng: &mut Rng) -> u64;
    fn connect_timeout_ms(&self) -> Option<u64>;
    /// When the next attempt starts, after the connection dropped or an attempt failed at
    /// `failed_at`; `retry` counts from 1. Most libraries wait the delay after the failure.
    fn next_start(&mut self, retry: u32, failed_at: u64, rng: &mut Rng) -> u64 {
        failed_at + self.delay_ms(retry, rng)
    }
}

/// reconnecting-websocket 4.x: `minReconnectionDelay` drawn once in [1 s, 5 s),
/// ×1.3 per retry, capped at 10 s, no per-attempt jitter, 4 s connection timeout.
pub struct ReconnectingWebSocket {
    min_ms: f64,
}

impl ReconnectingWebSocket {
    pub fn new(rng: &mut Rng) -> Self {
        ReconnectingWebSocket { min_ms: 1_000.0 + 4_000.0 * rng.next_f64() }
    }
}

impl PeerPolicy for ReconnectingWebSocket {
    fn delay_ms(&mut self, retry: u32, _rng: &mut Rng) -> u64 {
        (self.min_ms * 1.3f64.powi(retry as i32 - 1)).min(10_000.0) as u64
    }
    fn connect_timeout_ms(&self) -> Option<u64> {
        Some(4_000)
    }
}

/// socket.io-client 4.x (`Backoff`): 1 s · 2ⁿ, ±50 % (one random number picks both the
/// size and the sign of the deviation), then capped at 5 s; 20 s connect timeout.
pub struct SocketIo;

impl PeerPolicy for SocketIo {
    fn delay_ms(&mut self, retry: u32, rng: &mut Rng) -> u64 {
        let ms = 1_000.0 * 2f64.powi(retry as i32 - 1);
        let rand = rng.next_f64();
        let deviation = (rand * 0.5 * ms).floor();
        let ms = if ((rand * 10.0).floor() as u64) & 1 == 0 { ms - deviation } else { ms + deviation };
        ms.min(5_000.0) as u64
    }
    fn connect_timeout_ms(&self) -> Option<u64> {
        Some(20_000)
    }
}

/// phoenix.js: [10, 50, 100, 150, 200, 250, 500, 1000, 2000] ms, then 5 s, no jitter, and no
/// connect timeout of its own (a hanging upgrade hangs).
pub struct Phoenix;

impl PeerPolicy for Phoenix {
    fn delay_ms(&mut self, retry: u32, _rng: &mut Rng) -> u64 {
        const STEPS: [u64; 9] = [10, 50, 100, 150, 200, 250, 500, 1_000, 2_000];
        STEPS.get(retry as usize - 1).copied().unwrap_or(5_000)
    }
    fn connect_timeout_ms(&self) -> Option<u64> {
        None
    }
}

/// gRPC connection backoff (`connection-backoff.md`): the first attempt is immediate; each
/// attempt gets a deadline of its start + backoff (1 s, then ×1.6 ±20 %, capped at 120 s),
/// and the next attempt starts at that deadline or, if the attempt failed later (a 20 s
/// connect timeout), at once.
#[derive(Default)]
pub struct Grpc {
    backoff_ms: f64,
    deadline: u64,
}

impl PeerPolicy for Grpc {
    fn delay_ms(&mut self, retry: u32, rng: &mut Rng) -> u64 {
        self.backoff_ms = if retry <= 1 { 1_000.0 } else { (self.backoff_ms * 1.6).min(120_000.0) };
        let jitter = if retry <= 1 { 0.0 } else { self.backoff_ms * 0.2 * (2.0 * rng.next_f64() - 1.0) };
        (self.backoff_ms + jitter) as u64
    }
    fn connect_timeout_ms(&self) -> Option<u64> {
        Some(20_000)
    }
    fn next_start(&mut self, retry: u32, failed_at: u64, rng: &mut Rng) -> u64 {
        let start = if retry <= 1 { failed_at } else { failed_at.max(self.deadline) };
        self.deadline = start + self.delay_ms(retry, rng);
        start
    }
}
