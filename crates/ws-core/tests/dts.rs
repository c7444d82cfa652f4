//! The npm package's TypeScript unions name exactly what the engine emits: a variant added
//! (or renamed) here and forgotten in `npm/index.d.ts`, or the other way round, fails here.

use std::collections::BTreeSet;

use ws_core::{CloseKind, DropReason, Indicator, Jitter, Overflow, RequestFailure, RetryButton, State};

/// The string members of `export type <name> = 'a' | 'b' ...;` in npm/index.d.ts.
fn union(name: &str) -> BTreeSet<String> {
    let dts = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../npm/index.d.ts")).unwrap();
    let start = dts.find(&format!("export type {name} =")).unwrap_or_else(|| panic!("no type {name} in index.d.ts"));
    let body = &dts[start..start + dts[start..].find(';').unwrap()];
    body.split('\'').skip(1).step_by(2).map(String::from).collect()
}

fn names<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> BTreeSet<String> {
    all.iter().map(|item| as_str(*item).to_string()).collect()
}

#[test]
fn every_union_in_the_typescript_declarations_matches_the_engine() {
    assert_eq!(union("State"), names(&State::ALL, State::as_str), "State");
    assert_eq!(union("CloseKind"), names(&CloseKind::ALL, CloseKind::as_str), "CloseKind");
    assert_eq!(union("DropReason"), names(&DropReason::ALL, DropReason::as_str), "DropReason");
    assert_eq!(union("RequestFailure"), names(&RequestFailure::ALL, RequestFailure::as_str), "RequestFailure");
    assert_eq!(union("Jitter"), names(&Jitter::ALL, Jitter::as_str), "Jitter");
    assert_eq!(union("QueueOverflow"), names(&Overflow::ALL, Overflow::as_str), "QueueOverflow");
    assert_eq!(union("StatusIndicator"), names(&Indicator::ALL, Indicator::as_str), "StatusIndicator");
    assert_eq!(union("RetryButton"), names(&RetryButton::ALL, RetryButton::as_str), "RetryButton");
}

#[test]
fn the_all_lists_hold_distinct_names() {
    assert_eq!(names(&State::ALL, State::as_str).len(), State::ALL.len());
    assert_eq!(names(&CloseKind::ALL, CloseKind::as_str).len(), CloseKind::ALL.len());
    assert_eq!(names(&DropReason::ALL, DropReason::as_str).len(), DropReason::ALL.len());
    assert_eq!(names(&RequestFailure::ALL, RequestFailure::as_str).len(), RequestFailure::ALL.len());
}
