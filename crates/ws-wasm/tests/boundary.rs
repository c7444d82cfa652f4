//! The JS face's boundary stays one thing: `npm/src/boundary.js` is what
//! `ws_wasm::boundary` generates (`UPDATE=1` rewrites it), the record table and the `Action`
//! indices agree, the option table names the engine's builder methods and choices, and the
//! TypeScript unions name what the records carry. Runs natively (`make test-native`).
#![cfg(feature = "js-api")]

use ws_core::{Config, Jitter, Overflow};
use ws_wasm::boundary::{generated_js, Action, Input, Kind, JITTERS, NUMBER_OPTIONS, OPTIONS, OVERFLOWS, RECORDS};
use ws_wasm::options::NUMBERS;

const GENERATED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../npm/src/boundary.js");

#[test]
fn the_generated_module_is_current() {
    let fresh = generated_js();
    if std::env::var_os("UPDATE").is_some() {
        std::fs::write(GENERATED, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(GENERATED).unwrap_or_default();
    assert!(
        committed == fresh,
        "npm/src/boundary.js is stale: run `UPDATE=1 cargo test -p ws-wasm --features js-api --test boundary`"
    );
}

#[test]
fn every_action_is_its_records_index() {
    assert_eq!(Action::ALL.len(), RECORDS.len());
    for (index, action) in Action::ALL.into_iter().enumerate() {
        assert_eq!(action as usize, index, "{action:?}");
        let name = format!("{action:?}");
        let record = RECORDS[index].0;
        assert!(name.eq_ignore_ascii_case(record), "{action:?} is record {index}, {record}");
    }
}

#[test]
fn the_number_options_are_the_builders() {
    assert!(OPTIONS[..NUMBER_OPTIONS].iter().all(|(_, kind, _)| *kind == Kind::Number));
    assert!(OPTIONS[NUMBER_OPTIONS..].iter().all(|(_, kind, _)| *kind != Kind::Number));
    for (index, apply) in NUMBERS.iter().enumerate() {
        // A NaN is refused by every number option, which the error names.
        let error = apply(Config::builder(), f64::NAN).build().unwrap_err();
        assert_eq!(error.option, OPTIONS[index].0, "number option {index}");
    }
}

#[test]
fn the_choices_are_the_engines() {
    let jitters: Vec<&str> = Jitter::ALL.iter().map(|j| j.as_str()).collect();
    let overflows: Vec<&str> = Overflow::ALL.iter().map(|o| o.as_str()).collect();
    assert_eq!(JITTERS.to_vec(), jitters);
    assert_eq!(OVERFLOWS.to_vec(), overflows);
}

#[test]
fn option_names_are_distinct() {
    let mut names: Vec<&str> = OPTIONS.iter().map(|(name, _, _)| *name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), OPTIONS.len());
}

#[test]
fn every_input_is_its_index() {
    for (index, input) in Input::ALL.into_iter().enumerate() {
        assert_eq!(input as usize, index, "{input:?}");
        assert!(format!("{input:?}").eq_ignore_ascii_case(input.name()), "{input:?} is named {}", input.name());
    }
}

/// The texts of a record's text fields (start and length in UTF-16 units of `core.text()`).
fn text(core: &ws_wasm::Core, start: f64, len: f64) -> String {
    let units: Vec<u16> = core.text().encode_utf16().collect();
    String::from_utf16(&units[start as usize..(start + len) as usize]).unwrap()
}

#[test]
fn a_rejected_number_option_is_a_thrown_record_naming_it() {
    let mut core = ws_wasm::Core::new();
    let mut numbers = [0.0; NUMBER_OPTIONS];
    let index = OPTIONS.iter().position(|(name, _, _)| *name == "connectionTimeout").unwrap();
    numbers[index] = -1.0;
    let records = core.configure(&numbers, 1 << index, -1, -1);
    // thrown: name (start, len), option (start, len), problem (start, len), the value refused
    assert_eq!(records.len(), 8, "{records:?}");
    assert_eq!(records[0], Action::Thrown as u8 as f64);
    assert_eq!(text(&core, records[1], records[2]), "RangeError");
    assert_eq!(text(&core, records[3], records[4]), "connectionTimeout");
    assert_eq!(text(&core, records[5], records[6]), "is negative");
    assert_eq!(records[7], -1.0, "the value refused, for the message");
}

#[test]
fn a_valid_set_up_writes_the_settings_record() {
    let mut core = ws_wasm::Core::new();
    assert!(core.configure(&[0.0; NUMBER_OPTIONS], 0, -1, -1).is_empty());
    let records = core.setup(7.0, false, 10_000.0, Some("wss://example.test/"), None, false);
    let (name, fields) = RECORDS[Action::Settings as usize];
    assert_eq!((name, records[0]), ("settings", Action::Settings as u8 as f64));
    // heartbeat off by default, the default high-water mark, not a member, the URL kept.
    assert_eq!(records[1], 0.0, "{fields:?}");
    assert_eq!(records[3], 0.0);
    assert_eq!(text(&core, records[4], records[5]), "wss://example.test/");
}

/// The field names of `export interface <name> … { … }` in npm/index.d.ts.
fn interface(name: &str) -> std::collections::BTreeSet<String> {
    let dts = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../npm/index.d.ts")).unwrap();
    let start = dts.find(&format!("export interface {name} ")).unwrap_or_else(|| panic!("no interface {name}"));
    let body = &dts[start..start + dts[start..].find("\n}").unwrap()];
    body.lines()
        .skip(1)
        .filter_map(|line| {
            let line = line.strip_prefix("  ")?.trim_start_matches("readonly ");
            let name = line.split([':', '?', '(']).next()?;
            (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric())).then(|| name.to_string())
        })
        .collect()
}

fn fields(record: &str) -> std::collections::BTreeSet<String> {
    let (_, fields) = RECORDS.iter().find(|(name, _)| *name == record).unwrap();
    fields.iter().map(|(field, _)| field.to_string()).collect()
}

#[test]
fn the_records_the_app_sees_are_the_typescript_interfaces() {
    assert_eq!(fields("view"), interface("StatusView"), "StatusView");
    assert_eq!(fields("close"), interface("ReboundCloseEvent"), "ReboundCloseEvent");
    // `shareIgnored` is the wrapper's own counter (the share module's).
    let mut stats = fields("stats");
    stats.insert("shareIgnored".into());
    assert_eq!(stats, interface("ReboundStats"), "ReboundStats");
    let options: std::collections::BTreeSet<String> = OPTIONS.iter().map(|(name, _, _)| name.to_string()).collect();
    assert_eq!(options, interface("Options"), "Options");
}

/// `Core::is_utf8` (the npm wasm's check of the strings it is given) agrees with std on
/// every sequence of up to three bytes and on every four-byte sequence starting F0–F7
/// followed by the boundary cases of its continuation bytes.
#[test]
fn the_utf8_check_agrees_with_std() {
    let agrees = |bytes: &[u8]| {
        assert_eq!(ws_wasm::Core::is_utf8(bytes), std::str::from_utf8(bytes).is_ok(), "{bytes:02x?}");
    };
    agrees(&[]);
    for a in 0..=255u8 {
        agrees(&[a]);
        for b in 0..=255u8 {
            agrees(&[a, b]);
            for c in 0..=255u8 {
                agrees(&[a, b, c]);
            }
        }
    }
    let edges = [0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF];
    for a in 0xF0..=0xFFu8 {
        for b in edges {
            for c in edges {
                for d in edges {
                    agrees(&[a, b, c, d]);
                    agrees(&[b'x', a, b, c, d, b'y']);
                }
            }
        }
    }
    agrees("héllo wörld ✓ 𝄞".as_bytes());
}
