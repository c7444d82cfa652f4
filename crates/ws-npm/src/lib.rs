//! The npm package's main wasm: [`ws_wasm::Core`] behind a raw ABI, without wasm-bindgen.
//!
//! `Core` takes numbers and strings and answers with records (see `ws_wasm::boundary`);
//! nothing else crosses, so the boundary needs no glue: these exports take numbers, strings
//! come in through one buffer the wrapper writes (UTF-8; [`buffer`]), and the records and
//! their texts are read from this module's memory after the call ([`records`], [`text`]).
//! The wasm imports nothing. The JS half is npm/src/core.js (and the loaders, browser.js
//! and node.js); `Core`s are numbered slots, freed by the wrapper's `FinalizationRegistry`.
//!
//! Every export runs to completion and calls no JS, and JS calls them one at a time: the
//! state below is only ever borrowed by one export at once (see [`shared`]).
#![cfg(target_arch = "wasm32")]
#![no_std]
#![warn(missing_docs)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::UnsafeCell;

use ws_wasm::Core;

/// What the exports share: the `Core` slots, the input buffer and the last call's records.
struct Shared {
    cores: Vec<Option<Core>>,
    /// Strings (and `configure`'s numbers) the wrapper wrote for the next call: 8-aligned, so
    /// the wrapper can write numbers through a `Float64Array`.
    buffer: Vec<u64>,
    records: Vec<f64>,
    text: String,
}

struct Global(UnsafeCell<Shared>);

// SAFETY: wasm32-unknown-unknown without the threads proposal runs one thread.
unsafe impl Sync for Global {}

static SHARED: Global =
    Global(UnsafeCell::new(Shared { cores: Vec::new(), buffer: Vec::new(), records: Vec::new(), text: String::new() }));

/// The shared state. Each export calls this once and drops the borrow before it returns.
fn shared() -> &'static mut Shared {
    // SAFETY: one thread (see `Global`), exports are not re-entered (they call no JS), and
    // each takes this reference once: no two live at the same time.
    unsafe { &mut *SHARED.0.get() }
}

impl Shared {
    /// The first `len` bytes of the buffer.
    fn bytes(&self, len: usize) -> &[u8] {
        let len = len.min(self.buffer.len() * 8);
        // SAFETY: the buffer's `u64`s are `len / 8` or more whole words of initialised
        // memory, viewed as bytes (any bit pattern is a valid `u8`).
        unsafe { core::slice::from_raw_parts(self.buffer.as_ptr().cast::<u8>(), len) }
    }

    /// The strings the wrapper wrote one after another, by their byte lengths (−1: none).
    fn texts<const N: usize>(&self, lengths: [i32; N]) -> [Option<&str>; N] {
        let total = lengths.iter().map(|&len| len.max(0) as usize).sum();
        let bytes = self.bytes(total);
        let mut start = 0;
        lengths.map(|len| {
            let len = usize::try_from(len).ok()?;
            // SAFETY: `Core::is_utf8` checked the bytes as `core::str::from_utf8` would.
            let text = bytes
                .get(start..start + len)
                .filter(|b| Core::is_utf8(b))
                .map(|b| unsafe { core::str::from_utf8_unchecked(b) });
            start += len;
            Some(text.unwrap_or_default())
        })
    }

    /// Keeps a call's records (and their texts) for [`records`] and [`text`]; their count.
    fn keep(&mut self, slot: u32, records: Vec<f64>) -> u32 {
        self.text.clear();
        if let Some(Some(core)) = self.cores.get(slot as usize) {
            self.text.push_str(core.text());
        }
        self.records = records;
        self.records.len() as u32
    }

    fn core(&mut self, slot: u32) -> Option<&mut Core> {
        self.cores.get_mut(slot as usize)?.as_mut()
    }
}

/// Makes room for `bytes` bytes of input and returns where to write them.
#[no_mangle]
pub extern "C" fn buffer(bytes: usize) -> *mut u8 {
    let buffer = &mut shared().buffer;
    buffer.clear();
    buffer.resize(bytes.div_ceil(8), 0);
    buffer.as_mut_ptr().cast()
}

/// A new `Core`: its slot.
#[no_mangle]
pub extern "C" fn create() -> u32 {
    let cores = &mut shared().cores;
    let slot = cores.iter().position(Option::is_none).unwrap_or(cores.len());
    if slot == cores.len() {
        cores.push(None);
    }
    cores[slot] = Some(Core::new());
    slot as u32
}

/// Frees `slot`'s `Core` (its instance was collected, or its constructor threw).
#[no_mangle]
pub extern "C" fn release(slot: u32) {
    if let Some(core) = shared().cores.get_mut(slot as usize) {
        *core = None;
    }
}

/// [`Core::configure`] with the number options in the buffer (16 `f64`s): the record count.
#[no_mangle]
pub extern "C" fn configure(slot: u32, given: u32, jitter: i32, overflow: i32) -> u32 {
    let shared = shared();
    let numbers: Vec<f64> = shared.buffer.iter().map(|bits| f64::from_bits(*bits)).collect();
    let records = shared.core(slot).map(|core| core.configure(&numbers, given, jitter, overflow)).unwrap_or_default();
    shared.keep(slot, records)
}

/// [`Core::setup`], its strings in the buffer one after another (byte lengths, −1: none):
/// the URL and the share key. The record count.
#[no_mangle]
pub extern "C" fn setup(
    slot: u32,
    seed: f64,
    has_check: u32,
    timeout: f64,
    can_share: u32,
    url: i32,
    share: i32,
) -> u32 {
    let shared = shared();
    let [url, share] = shared.texts([url, share]);
    let (url, share) = (url.map(String::from), share.map(String::from));
    let records = shared
        .core(slot)
        .map(|core| core.setup(seed, has_check != 0, timeout, url.as_deref(), share.as_deref(), can_share != 0))
        .unwrap_or_default();
    shared.keep(slot, records)
}

/// [`Core::input`], its text in the buffer (`text`: its byte length, −1: none). The record
/// count.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn input(slot: u32, input: u32, now: f64, a: f64, b: f64, c: f64, given: u32, text: i32) -> u32 {
    let shared = shared();
    let [text] = shared.texts([text]);
    let text = text.map(String::from);
    let records =
        shared.core(slot).map(|core| core.input(input, now, a, b, c, given, text.as_deref())).unwrap_or_default();
    shared.keep(slot, records)
}

/// Where the last call's records are (as many `f64`s as it returned).
#[no_mangle]
pub extern "C" fn records() -> *const f64 {
    shared().records.as_ptr()
}

/// Where the last call's texts are (UTF-8, [`text_len`] bytes).
#[no_mangle]
pub extern "C" fn text() -> *const u8 {
    shared().text.as_ptr()
}

/// The byte length of the last call's texts.
#[no_mangle]
pub extern "C" fn text_len() -> usize {
    shared().text.len()
}

/// [`Core::is_token`] on the buffer's first `len` bytes (1: a token).
#[no_mangle]
pub extern "C" fn is_token(len: i32) -> u32 {
    let shared = shared();
    let [text] = shared.texts([len]);
    u32::from(text.is_some_and(Core::is_token))
}

/// [`Core::timeout`].
#[no_mangle]
pub extern "C" fn timeout(value: f64) -> f64 {
    Core::timeout(value)
}

/// [`Core::grace`] (`given` 0: the default).
#[no_mangle]
pub extern "C" fn grace(value: f64, given: u32) -> f64 {
    Core::grace((given != 0).then_some(value))
}

/// [`Core::queued_bytes`].
#[no_mangle]
pub extern "C" fn queued_bytes(slot: u32) -> f64 {
    shared().core(slot).map_or(0.0, |core| core.queued_bytes())
}

/// [`Core::resolve`] (1: it was pending).
#[no_mangle]
pub extern "C" fn resolve(slot: u32, id: f64) -> u32 {
    shared().core(slot).map_or(0, |core| u32::from(core.resolve(id)))
}
