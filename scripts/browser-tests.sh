#!/usr/bin/env bash
# Runs the wasm crates' browser tests in headless Chromium and Firefox ESR against a test bed
# started for the run, which also serves the npm package's browser build (npm/dist, from `make package`)
# for the test that loads it beside the Rust face.
# Usage: scripts/browser-tests.sh [crate-dir ...] (default: ws-wasm, status-widget)
set -euo pipefail
cd "$(dirname "$0")/.."
log=target/testbed-browser.log
target/debug/testbed --port 0 --www npm/dist > "$log" 2>&1 &
bed=$!
trap 'kill $bed 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^listening on' "$log" && break; sleep 0.05; done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$log")
[ -n "$port" ] || { echo "test bed did not start:"; cat "$log"; exit 1; }
export REBOUND_TESTBED="http://127.0.0.1:$port"
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"
# geckodriver looks for a binary named `firefox`: Debian's is firefox-esr.
firefox_bin=target/firefox-bin
mkdir -p "$firefox_bin"
ln -sf /usr/bin/firefox-esr "$firefox_bin/firefox"
for crate in "${@:-crates/ws-wasm crates/status-widget}"; do
  for dir in $crate; do
    # ws-wasm's tests also check the JS face's exports (`Core`, `ShareMember`): feature js-api.
    features=()
    [ "$(basename "$dir")" = ws-wasm ] && features=(--features js-api)
    CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome --mode no-install "$dir" "${features[@]}"
    PATH="$PWD/$firefox_bin:$PATH" GECKODRIVER=$(command -v geckodriver) wasm-pack test --headless --firefox --mode no-install "$dir" "${features[@]}"
  done
done
