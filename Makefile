# Rebound's task runner. `make test` is the README's test command and what CI runs.
.PHONY: setup test test-core lint herd package testbed test-browser test-node test-types test-pages

setup: ## install everything a fresh machine needs (a no-op when present)
	@bash scripts/setup.sh

test: setup test-core lint test-browser test-node test-types test-pages ## everything CI checks

test-core: ## the engine: unit, property and doc tests
	cargo test -p ws-core

lint:
	cargo clippy --workspace --exclude status-widget --all-targets -- -D warnings
	cargo clippy -p ws-wasm -p status-widget --target wasm32-unknown-unknown --all-targets -- -D warnings
	cargo fmt --all -- --check

herd: ## the herd simulator table (add ARGS=--json for JSON)
	cargo run --release -p ws-core --example herd -- $(ARGS)

package: setup ## the npm package: npm/dist and target/npm/rebound-ws-<version>.tgz
	node scripts/package.mjs

testbed:
	cargo build -p testbed

test-browser: setup testbed ## ws-wasm and status-widget in headless Chromium against the test bed
	bash scripts/browser-tests.sh

test-node: package testbed ## the packed tarball in Node with the ws package
	node --test --test-concurrency=1 tests/node/

test-types: package ## a TypeScript example compiles with --strict
	node_modules/.bin/tsc -p tests/types

test-pages: package testbed ## a Vite build and a strict-CSP plain page in headless Chromium
	node tests/pages/run.mjs
