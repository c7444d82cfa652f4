//! Retry delays: exponential growth, a cap, and jitter; plus the engine's seeded PRNG.

/// How a retry delay is randomised around the exponential base `min · grow^(n-1)`
/// (capped at max).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Jitter {
    /// Exactly the base: every client retries in lockstep (only for tests and tiny fleets).
    None,
    /// Uniform in `[0, base]` (AWS "full jitter").
    Full,
    /// Uniform in `[base/2, base]` (AWS "equal jitter").
    Equal,
    /// Uniform in `[min, 3 × previous delay]`, capped (AWS "decorrelated jitter").
    Decorrelated,
    /// Equal jitter while the base is below the cap; from then on the client retries at the
    /// next tick of its own clock of period `max` (so no delay exceeds the cap), whose phase
    /// was drawn once at random. A fleet that lost
    /// its server together comes back evenly spread over one period, at a steady
    /// `clients / max` attempts per second. The default.
    Phased,
}

impl Jitter {
    /// Parses the JS option value (`"none"`, `"full"`, `"equal"`, `"decorrelated"`,
    /// `"phased"`).
    ///
    /// ```
    /// assert_eq!(ws_core::Jitter::parse("full"), Some(ws_core::Jitter::Full));
    /// assert_eq!(ws_core::Jitter::parse("sometimes"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Jitter> {
        Jitter::ALL.into_iter().find(|j| j.as_str() == name)
    }

    /// Every kind, in the order the docs list them.
    pub const ALL: [Jitter; 5] = [Jitter::None, Jitter::Full, Jitter::Equal, Jitter::Decorrelated, Jitter::Phased];

    /// The JS option value, e.g. `"phased"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Jitter::None => "none",
            Jitter::Full => "full",
            Jitter::Equal => "equal",
            Jitter::Decorrelated => "decorrelated",
            Jitter::Phased => "phased",
        }
    }
}

/// A small, fast, seeded PRNG (SplitMix64): the same seed gives the same delays, so tests
/// and the herd simulator are reproducible.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in `[low, high)` (or `low` when the range is empty).
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            low
        } else {
            low + (self.next_f64() * (high - low) as f64) as u64
        }
    }
}

/// Computes retry delays for one engine.
#[derive(Clone, Debug)]
pub(crate) struct Backoff {
    min_ms: u64,
    max_ms: u64,
    grow: f64,
    jitter: Jitter,
    previous_ms: u64,
    phase_ms: u64,
}

impl Backoff {
    pub(crate) fn new(min_ms: u64, max_ms: u64, grow: f64, jitter: Jitter, rng: &mut Rng) -> Self {
        let phase_ms = rng.between(0, max_ms);
        Backoff { min_ms, max_ms, grow, jitter, previous_ms: min_ms, phase_ms }
    }

    /// The un-jittered delay before retry `n` (1-based), capped.
    pub(crate) fn base(&self, retry: u32) -> u64 {
        // min · grow^(retry-1), multiplied out (no `powi` without std) until it passes the cap.
        let mut base = self.min_ms as f64;
        for _ in 1..retry {
            if base >= self.max_ms as f64 {
                break;
            }
            base *= self.grow;
        }
        if base >= self.max_ms as f64 {
            self.max_ms
        } else {
            base as u64
        }
    }

    /// The delay before retry `n` (1-based) when it is scheduled at `now`.
    pub(crate) fn delay(&mut self, retry: u32, now: u64, rng: &mut Rng) -> u64 {
        let base = self.base(retry);
        let delay = match self.jitter {
            Jitter::None => base,
            Jitter::Full => rng.between(0, base + 1),
            Jitter::Equal => rng.between(base / 2, base + 1),
            Jitter::Decorrelated => {
                let high = self.previous_ms.saturating_mul(3).max(self.min_ms + 1);
                rng.between(self.min_ms, high).min(self.max_ms)
            }
            Jitter::Phased if base < self.max_ms => rng.between(base / 2, base + 1),
            // The next tick of the client's own clock: within one period, so never longer
            // than the cap, and always on the clock (the fleet stays spread by phase).
            Jitter::Phased => self.next_tick(now.saturating_add(1)) - now,
        };
        self.previous_ms = delay.max(self.min_ms);
        delay
    }

    /// The first tick of this client's clock (`phase + k · max`) at or after `at`.
    fn next_tick(&self, at: u64) -> u64 {
        let period = self.max_ms.max(1);
        if at <= self.phase_ms {
            return self.phase_ms;
        }
        let periods = (at - self.phase_ms).div_ceil(period);
        self.phase_ms.saturating_add(periods.saturating_mul(period))
    }

    /// Forget the previous delay (after a stable connection or a user `reconnect`).
    pub(crate) fn reset(&mut self) {
        self.previous_ms = self.min_ms;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff(jitter: Jitter) -> (Backoff, Rng) {
        let mut rng = Rng::new(7);
        (Backoff::new(1_000, 8_000, 2.0, jitter, &mut rng), rng)
    }

    #[test]
    fn base_grows_and_caps() {
        let (b, _) = backoff(Jitter::None);
        let bases: Vec<u64> = (1..=6).map(|n| b.base(n)).collect();
        assert_eq!(bases, [1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
        assert_eq!(b.base(u32::MAX), 8_000);
    }

    #[test]
    fn each_jitter_stays_in_its_range() {
        for jitter in [Jitter::Full, Jitter::Equal, Jitter::Decorrelated] {
            let (mut b, mut rng) = backoff(jitter);
            for retry in 1..200 {
                let base = b.base(retry);
                let d = b.delay(retry, 0, &mut rng);
                match jitter {
                    Jitter::Full => assert!(d <= base),
                    Jitter::Equal => assert!(d >= base / 2 && d <= base),
                    _ => assert!((1_000..=8_000).contains(&d), "{d}"),
                }
            }
        }
    }

    #[test]
    fn no_jitter_kind_waits_longer_than_the_cap() {
        for jitter in Jitter::ALL {
            for seed in 0..50 {
                let mut rng = Rng::new(seed);
                let mut b = Backoff::new(100, 3_000, 2.0, jitter, &mut rng);
                for retry in 1..40 {
                    let now = rng.between(0, 1_000_000);
                    let d = b.delay(retry, now, &mut rng);
                    assert!(d <= 3_000, "{jitter:?} retry {retry} at {now}: {d} ms");
                }
            }
        }
    }

    #[test]
    fn jitter_actually_spreads_delays() {
        let (mut b, mut rng) = backoff(Jitter::Full);
        let delays: std::collections::HashSet<u64> = (0..50).map(|_| b.delay(4, 0, &mut rng)).collect();
        assert!(delays.len() > 40);
    }

    #[test]
    fn phased_settles_on_a_fixed_period_with_a_random_phase() {
        let (mut b, mut rng) = backoff(Jitter::Phased);
        assert!((500..=1_000).contains(&b.delay(1, 0, &mut rng)));
        let mut now = 10_000;
        let mut attempts = Vec::new();
        for _ in 0..5 {
            now += b.delay(9, now, &mut rng);
            attempts.push(now);
            now += 3; // the attempt is refused a moment later
        }
        assert!(attempts.windows(2).all(|w| w[1] - w[0] == 8_000), "{attempts:?}");
        assert_eq!(attempts[0] % 8_000, b.phase_ms);
        let other = Backoff::new(1_000, 8_000, 2.0, Jitter::Phased, &mut Rng::new(99));
        assert_ne!(other.phase_ms, b.phase_ms);
    }

    #[test]
    fn same_seed_same_delays() {
        let run = || {
            let (mut b, mut rng) = backoff(Jitter::Decorrelated);
            (1..20).map(|n| b.delay(n, 0, &mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
    }
}
