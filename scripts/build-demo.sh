#!/usr/bin/env bash
# Builds the demo into www/dist: the Leptos app (release wasm + wasm-bindgen glue), the page,
# and the npm package's ESM bundle for the plain-JS panel (run `make package` first).
set -euo pipefail
cd "$(dirname "$0")/.."
out=www/dist
mkdir -p "$out"
cargo build --release --target wasm32-unknown-unknown -p rebound-demo
wasm-bindgen target/wasm32-unknown-unknown/release/rebound_demo.wasm --target web --no-typescript --out-dir "$out"
cp www/index.html www/static/* "$out"/
cp npm/dist/index.js "$out/rebound-ws.js"
cp npm/dist/rebound.wasm "$out/rebound.wasm"   # fetched beside rebound-ws.js
cp npm/dist/status.js "$out/rebound-status.js" # <rebound-status>, beside the Leptos widget
cp npm/dist/share-wasm.js npm/dist/rebound-share.wasm "$out"/ # `share`'s module, fetched by rebound-ws.js when used
echo "demo built in $out ($(du -sh "$out" | cut -f1))"
