//! A fake-clock driver for the engine tests.
#![allow(dead_code)]

use ws_core::{CloseInfo, Config, ConfigBuilder, ConnId, Engine, Event, Output, State};

pub struct Driver {
    pub engine: Engine<String>,
    pub now: u64,
    pub log: Vec<Output<String>>,
}

impl Driver {
    pub fn new(config: Config) -> Self {
        Driver::seeded(config, 7)
    }

    pub fn seeded(config: Config, seed: u64) -> Self {
        Driver { engine: Engine::new(config, seed), now: 0, log: Vec::new() }
    }

    pub fn with(build: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> Self {
        Driver::new(build(Config::builder()).build().expect("valid config"))
    }

    /// Drains the engine's outputs into the log and returns them.
    pub fn outputs(&mut self) -> Vec<Output<String>> {
        let fresh: Vec<_> = std::iter::from_fn(|| self.engine.poll_output()).collect();
        self.log.extend(fresh.iter().cloned());
        fresh
    }

    pub fn events(&mut self) -> Vec<Event<String>> {
        self.outputs()
            .into_iter()
            .filter_map(|o| match o {
                Output::Event(e) => Some(e),
                _ => None,
            })
            .collect()
    }

    pub fn closes(&mut self) -> Vec<CloseInfo> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Closed(info) => Some(info),
                _ => None,
            })
            .collect()
    }

    /// Moves the clock to `t`, firing the timer if it is due by then.
    pub fn advance_to(&mut self, t: u64) {
        self.now = t;
        if self.engine.poll_timeout().is_some_and(|d| d <= t) {
            self.engine.handle_timeout(t);
        }
    }

    pub fn advance(&mut self, ms: u64) {
        self.advance_to(self.now + ms);
    }

    /// Fires the armed timer exactly at its deadline; returns the deadline.
    pub fn fire(&mut self) -> u64 {
        let deadline = self.engine.poll_timeout().expect("a timer is armed");
        self.advance_to(deadline);
        deadline
    }

    /// Expects an `OpenSocket` among the pending outputs and returns its number.
    pub fn expect_open_socket(&mut self) -> ConnId {
        self.outputs()
            .into_iter()
            .find_map(|o| match o {
                Output::OpenSocket { conn, .. } => Some(conn),
                _ => None,
            })
            .expect("an OpenSocket output")
    }

    /// Connects and opens the first socket; returns it with the outputs drained.
    pub fn connected(&mut self) -> ConnId {
        self.engine.connect(self.now);
        let conn = self.expect_open_socket();
        self.engine.socket_opened(self.now, conn);
        self.outputs();
        conn
    }

    /// The socket is refused (error then close 1006), as when the server is down.
    pub fn refuse(&mut self, conn: ConnId) {
        self.engine.socket_error(self.now, conn, None);
        self.engine.socket_closed(self.now, conn, 1006, "", false);
    }

    pub fn retry_in(&self) -> u64 {
        match self.engine.state() {
            State::Reconnecting { retry_at, .. } => retry_at - self.now,
            other => panic!("not reconnecting: {other:?}"),
        }
    }

    pub fn transmitted(&self) -> Vec<String> {
        self.log
            .iter()
            .filter_map(|o| match o {
                Output::Transmit { payload, .. } => Some(payload.clone()),
                _ => None,
            })
            .collect()
    }
}
