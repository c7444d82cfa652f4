# Rebound's task runner. `make test` is the README's test command and what CI runs.
.PHONY: setup demo demo-build ssr-app bench test test-native test-size test-core lint herd package testbed test-browser test-node test-types test-pages test-e2e screenshots
PORT ?= 8080

setup: ## install everything a fresh machine needs (a no-op when present)
	@bash scripts/setup.sh

demo: demo-build testbed ## the README's main command: build the demo, serve it on 127.0.0.1:$(PORT)
	@echo "Rebound demo: http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	target/debug/testbed --www www/dist --port $(PORT)

demo-build: package ## the demo in www/dist (Leptos app + the npm package's ESM bundle)
	bash scripts/build-demo.sh

test: setup ## everything CI checks (prints each suite's time)
	@bash scripts/timed.sh test-core test-native lint test-size test-browser test-node test-types test-pages test-e2e

test-native: ## the Rust faces natively: the Leptos widget rendered on the server (leptos "ssr"), the doc examples, the JS face's boundary (its generated JS half current, its tables in step with the engine and index.d.ts), the crates packaged as for crates.io (and built from the packages)
	cargo test -p status-widget --test ssr
	cargo test -p ws-wasm --features js-api --test boundary
	cargo test -p ws-wasm -p status-widget --doc
	bash scripts/package-crates.sh

test-size: package ## the size gate: what each entry ships (min+gzip) against size-budget.json; no core::fmt linked
	node scripts/size-check.mjs
	@# The gate can fail: the same build against zero budgets must be refused.
	@node -e "const b=require('./size-budget.json');for(const k of ['core','status','share'])b[k]=0;require('fs').writeFileSync('target/size-budget-zero.json',JSON.stringify(b))"
	@! node scripts/size-check.mjs --budget target/size-budget-zero.json >/dev/null && echo "size: the gate refuses a build over its budget (checked)"
	@# No core::fmt in either wasm (panics abort in place: wasm-pack.toml); the check reads the
	@# names of the same build, and must find the engine's (so it reads them at all).
	@node scripts/package.mjs --keep-names >/dev/null
	node scripts/wasm-sizes.mjs target/npm-names/rebound.wasm --forbid '4core3fmt|^core(\[[0-9a-f]+\])?::fmt|::fmt::'
	node scripts/wasm-sizes.mjs target/npm-names/rebound-share.wasm --forbid '4core3fmt|^core(\[[0-9a-f]+\])?::fmt|::fmt::'
	@! node scripts/wasm-sizes.mjs target/npm-names/rebound.wasm --forbid 'ws_core' >/dev/null && echo "size: the core::fmt check sees the engine's functions (checked)"

test-core: ## the engine: unit, property and doc tests
	cargo test -p ws-core

lint:
	cargo clippy --workspace --exclude rebound-demo --all-targets -- -D warnings
	cargo clippy -p ws-wasm -p status-widget -p rebound-demo --target wasm32-unknown-unknown --all-targets -- -D warnings
	cargo clippy -p ws-wasm --features js-api --target wasm32-unknown-unknown --all-targets -- -D warnings
	cargo clippy -p ws-npm --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p ssr-app --features ssr --all-targets -- -D warnings
	cargo fmt --all -- --check

herd: ## the herd simulator table (add ARGS=--json for JSON)
	cargo run --release -p ws-core --example herd -- $(ARGS)

package: setup ## the npm package: npm/dist and target/npm/rebound-ws-<version>.tgz
	node scripts/package.mjs

testbed:
	cargo build -p testbed

test-browser: package testbed ## ws-wasm and status-widget in headless Chromium and Firefox against the test bed (serving npm/dist)
	bash scripts/browser-tests.sh

test-node: package testbed ## the packed tarball in Node with the ws package
	node --test --test-concurrency=1 tests/node/

test-types: package ## a TypeScript example compiles with --strict; the package's own JS type-checks (// @ts-check)
	node_modules/.bin/tsc -p tests/types
	node_modules/.bin/tsc -p npm

test-pages: package testbed ## a Vite build and a webpack build (each also with share), a strict-CSP plain page and the fuzz page in headless Chromium and Firefox
	node tests/pages/run.mjs

test-e2e: demo-build ssr-app testbed ## the demo and share in headless Chromium and Firefox (screenshots to a temporary folder)
	node --test tests/e2e/

ssr-app: ## the Leptos SSR example (tests/ssr-app): the server's page and the hydrating wasm, in target/ssr-app
	bash scripts/build-ssr-app.sh

screenshots: demo-build testbed ## the README's screenshots (docs/screenshots/*.png), from the demo test
	REBOUND_SCREENSHOTS=docs/screenshots node --test tests/e2e/demo.test.mjs

bench: package ## Rebound vs raw WebSocket and the JS peers; writes target/bench/summary.json
	cargo build --release -p testbed
	TESTBED_BIN=target/release/testbed node tests/bench/run.mjs
	TESTBED_BIN=target/release/testbed node tests/bench/share.mjs
