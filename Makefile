# Rebound's task runner. `make test` is the README's test command and what CI runs.
.PHONY: setup test test-core lint herd

setup: ## install everything a fresh machine needs (a no-op when present)
	@bash scripts/setup.sh

test: setup test-core lint ## everything CI checks

test-core: ## the engine: unit, property and doc tests
	cargo test -p ws-core

lint:
	cargo clippy --workspace --all-targets -- -D warnings
	cargo fmt --all -- --check

herd: ## the herd simulator table (add ARGS=--json for JSON)
	cargo run --release -p ws-core --example herd -- $(ARGS)
