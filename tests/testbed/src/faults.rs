//! Shared state: the faults in force, the live connections, and what each one received.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::mpsc::UnboundedSender;

/// An order sent to one live connection.
#[derive(Clone, Debug)]
pub enum Command {
    /// Reset the TCP connection (RST, no close frame).
    Drop,
    /// Send a close frame with this code and reason.
    Close(u16, String),
    /// Stop reading and answering for this long, keeping TCP open.
    Blackhole(Duration),
}

#[derive(Default)]
struct Faults {
    down_until: Option<Instant>,
    slow_upgrade: Duration,
    reject_upgrade: bool,
    pong_delay: Duration,
}

struct Record {
    id: u64,
    open: bool,
    protocol: Option<String>,
    received: Vec<String>,
}

#[derive(Default)]
pub struct Shared {
    faults: Mutex<Faults>,
    live: Mutex<HashMap<u64, UnboundedSender<Command>>>,
    records: Mutex<Vec<Record>>,
    accepted: AtomicU64,
    refused: AtomicU64,
}

pub type State = Arc<Shared>;

impl Shared {
    pub fn is_down(&self) -> bool {
        self.faults.lock().unwrap().down_until.is_some_and(|t| Instant::now() < t)
    }
    pub fn count_refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }
    pub fn slow_upgrade(&self) -> Duration {
        self.faults.lock().unwrap().slow_upgrade
    }
    pub fn reject_upgrade(&self) -> bool {
        self.faults.lock().unwrap().reject_upgrade
    }
    pub fn pong_delay(&self) -> Duration {
        self.faults.lock().unwrap().pong_delay
    }

    /// Registers a new connection; returns its id.
    pub fn register(&self, commands: UnboundedSender<Command>, protocol: Option<String>) -> u64 {
        let id = self.accepted.fetch_add(1, Ordering::Relaxed) + 1;
        self.live.lock().unwrap().insert(id, commands);
        self.records.lock().unwrap().push(Record { id, open: true, protocol, received: Vec::new() });
        id
    }

    pub fn received(&self, id: u64, message: String) {
        if let Some(record) = self.records.lock().unwrap().iter_mut().find(|r| r.id == id) {
            record.received.push(message);
        }
    }

    pub fn closed(&self, id: u64) {
        self.live.lock().unwrap().remove(&id);
        if let Some(record) = self.records.lock().unwrap().iter_mut().find(|r| r.id == id) {
            record.open = false;
        }
    }

    fn broadcast(&self, command: Command) -> usize {
        let live = self.live.lock().unwrap();
        live.values().filter(|tx| tx.send(command.clone()).is_ok()).count()
    }

    /// Runs a control request; returns the JSON answer or an error message.
    pub fn control(&self, action: &str, param: impl Fn(&str) -> Option<String>) -> Result<serde_json::Value, String> {
        let ms = || -> Result<Duration, String> {
            let raw = param("ms").ok_or("missing ms")?;
            raw.parse::<u64>().map(Duration::from_millis).map_err(|_| format!("bad ms: {raw}"))
        };
        let affected = match action {
            "drop" => self.broadcast(Command::Drop),
            "close" => {
                let code = param("code").unwrap_or_else(|| "1000".into());
                let code: u16 = code.parse().map_err(|_| format!("bad code: {code}"))?;
                self.broadcast(Command::Close(code, param("reason").unwrap_or_default()))
            }
            "blackhole" => self.broadcast(Command::Blackhole(ms()?)),
            "down" => {
                let ms = ms()?;
                self.faults.lock().unwrap().down_until = Some(Instant::now() + ms);
                self.broadcast(Command::Drop)
            }
            "slow-upgrade" => {
                self.faults.lock().unwrap().slow_upgrade = ms()?;
                0
            }
            "reject-upgrade" => {
                self.faults.lock().unwrap().reject_upgrade = true;
                0
            }
            "pong-delay" => {
                self.faults.lock().unwrap().pong_delay = ms()?;
                0
            }
            "reset" => {
                *self.faults.lock().unwrap() = Faults::default();
                if param("stats").is_some() {
                    self.records.lock().unwrap().clear();
                }
                0
            }
            "stats" => return Ok(self.stats()),
            other => return Err(format!("unknown control action: {other}")),
        };
        Ok(json!({ "ok": true, "affected": affected }))
    }

    fn stats(&self) -> serde_json::Value {
        let records = self.records.lock().unwrap();
        let connections: Vec<_> = records
            .iter()
            .map(|r| json!({ "id": r.id, "open": r.open, "protocol": r.protocol, "received": r.received }))
            .collect();
        json!({
            "accepted": self.accepted.load(Ordering::Relaxed),
            "refused": self.refused.load(Ordering::Relaxed),
            "live": self.live.lock().unwrap().len(),
            "connections": connections,
        })
    }
}
