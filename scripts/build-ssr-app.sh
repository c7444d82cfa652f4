#!/usr/bin/env bash
# Builds the SSR example (tests/ssr-app) into target/ssr-app: the page the server renders
# (native, leptos ssr) and the hydrating wasm (debug: leptos checks hydration as it goes).
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/ssr-app
mkdir -p "$out/pkg"
cargo build --target wasm32-unknown-unknown -p ssr-app --features hydrate
wasm-bindgen target/wasm32-unknown-unknown/debug/ssr_app.wasm --target web --no-typescript --out-dir "$out/pkg"
cargo run --quiet -p ssr-app --features ssr --bin render > "$out/index.html"
echo "ssr app built in $out"
