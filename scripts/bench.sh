#!/usr/bin/env bash
# The benchmarks of issue 7 in one command: tapeless against hand-written
# gradients (benches/gradients.rs), then against num-dual and candle
# (benches/peers/, its own workspace), then the README's tables from
# criterion's medians (scripts/bench_table.py). Criterion's reports stay in
# $CARGO_TARGET_DIR/criterion (default target/criterion).
#
#   scripts/bench.sh            both suites and the tables
#   scripts/bench.sh --table    the tables of the last run only
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

if [ "${1:-}" != "--table" ]; then
    cargo bench --bench gradients
    cargo bench --manifest-path benches/peers/Cargo.toml
fi

echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(rustc --version)"
echo
python3 scripts/bench_table.py "$CARGO_TARGET_DIR/criterion"
