#!/usr/bin/env bash
# Makes a fresh machine ready to build and test Rebound; a fast no-op when it already is.
# Installs: the wasm32 target, the nightly pinned in wasm-pack.toml (for the npm wasm), the
# wasm-bindgen CLI pinned in Cargo.toml, wasm-pack,
# Chromium + ChromeDriver and Firefox ESR (Debian), nginx-light, and the npm dev dependencies
# (binaryen's wasm-opt, playwright-core, puppeteer-core, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }

# The one wasm-bindgen version: the `=X.Y.Z` pin in the workspace Cargo.toml.
wasm_bindgen_version=$(sed -n 's/^wasm-bindgen *= *{ *version *= *"=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen *= *"=\([0-9.]*\)".*/\1/p' Cargo.toml | head -n1)
[ -n "$wasm_bindgen_version" ] || { echo "setup: no wasm-bindgen = \"=X.Y.Z\" pin in Cargo.toml" >&2; exit 1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The pinned nightly the npm wasm is built with (wasm-pack.toml: core and alloc rebuilt,
# panics abort in place), with the sources it rebuilds and the wasm32 target.
nightly=$(sed -n 's/^toolchain *= *"\(.*\)".*/\1/p' wasm-pack.toml | head -n1)
[ -n "$nightly" ] || { echo "setup: no toolchain = \"...\" in wasm-pack.toml" >&2; exit 1; }
if ! rustup run "$nightly" rustc --print sysroot >/dev/null 2>&1 \
  || ! [ -d "$(rustup run "$nightly" rustc --print sysroot)/lib/rustlib/src/rust/library" ] \
  || ! [ -d "$(rustup run "$nightly" rustc --print sysroot)/lib/rustlib/wasm32-unknown-unknown" ]; then
  say "installing the $nightly toolchain (rust-src, wasm32) for the npm wasm"
  rustup toolchain install "$nightly" --profile minimal --component rust-src --target wasm32-unknown-unknown
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wasm_bindgen_version" ]; then
  say "installing wasm-bindgen-cli $wasm_bindgen_version (a few minutes)"
  # No --locked: one locked dependency is missing from the registry mirror (see TOOLCHAIN.md).
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi

if ! command -v wasm-pack >/dev/null 2>&1; then
  say "installing wasm-pack (a few minutes)"
  cargo install wasm-pack
fi

if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
  say "installing chromium and chromium-driver"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# Firefox ESR for the hidden-tab share suite and the share bench (driven by puppeteer-core
# over WebDriver BiDi; Playwright's Firefox is a patched download, not available here).
if ! [ -x /usr/bin/firefox-esr ]; then
  say "installing firefox-esr"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq firefox-esr >/dev/null
fi

# geckodriver: wasm-pack's Firefox runner (the browser tests run in Firefox too).
if ! command -v geckodriver >/dev/null 2>&1; then
  say "installing geckodriver (a few minutes)"
  cargo install geckodriver
fi

# nginx as a reverse proxy in front of a ws server (tests/node/nginx.test.mjs).
if ! [ -x /usr/sbin/nginx ]; then
  say "installing nginx-light"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq nginx-light >/dev/null
fi

# npm dev dependencies, exactly as package-lock.json has them (`npm ci`: it never rewrites
# the lock file, so `make test` leaves the tree clean); reinstalled only when the lock changed.
if ! [ node_modules/.package-lock.json -nt package-lock.json ]; then
  say "installing npm dev dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.package-lock.json
fi

say "ready (wasm-bindgen $wasm_bindgen_version, $(wasm-pack --version), $(/usr/bin/chromium --version 2>/dev/null | head -n1), $(/usr/bin/firefox-esr --version 2>/dev/null | head -n1))"
