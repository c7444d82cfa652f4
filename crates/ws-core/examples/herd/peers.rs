//! The published reconnect policies of the JS peers, as the simulator models them.

use ws_core::Rng;

/// A peer library's retry policy: the delay before retry `n` (1-based) and its connect
/// timeout (`None`: the attempt hangs as long as the server lets it).
pub trait PeerPolicy {
    fn delay_ms(&mut self, retry: u32, rng: &mut Rng) -> u64;
    fn connect_timeout_ms(&self) -> Option<u64>;
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

/// gRPC connection backoff: 1 s × 1.6ⁿ, ±20 %, capped at 120 s; 20 s connect timeout.
pub struct Grpc;

impl PeerPolicy for Grpc {
    fn delay_ms(&mut self, retry: u32, rng: &mut Rng) -> u64 {
        let base = (1_000.0 * 1.6f64.powi(retry as i32 - 1)).min(120_000.0);
        (base * (0.8 + 0.4 * rng.next_f64())) as u64
    }
    fn connect_timeout_ms(&self) -> Option<u64> {
        Some(20_000)
    }
}
