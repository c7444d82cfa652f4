#!/usr/bin/env bash
# Runs each make target given, in order, stopping at the first failure, and prints what each
# took (make test's per-suite times, in every CI log).
set -euo pipefail
times=()
for target in "$@"; do
  start=$(date +%s)
  make --no-print-directory "$target"
  times+=("$target $(( $(date +%s) - start )) s")
done
echo "make test: per target:"
printf '  %s\n' "${times[@]}"
