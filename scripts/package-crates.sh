#!/usr/bin/env bash
# `cargo package` for the three publishable crates, each built from its package (as crates.io
# would). Cargo verifies ws-wasm against the just-packaged ws-core (and status-widget against
# ws-wasm) through a temporary local registry, but it takes a registry crate of the same name
# and version to be unchanged: it reuses an earlier unpacked copy from
# $CARGO_HOME/registry/src/-<hash>/ (the local registries' folders) and earlier compiled
# artifacts in target/. Remove both first (`cargo clean -p`: the host build of these three
# crates only, rebuilt in seconds), and the previous packages.
set -euo pipefail
cd "$(dirname "$0")/.."
crates=(ws-core ws-wasm status-widget)
for crate in "${crates[@]}"; do
  rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/"$crate"-[0-9]*
done
rm -rf target/package
cargo clean --quiet "${crates[@]/#/-p}"
cargo package --quiet "${crates[@]/#/-p}"
