#!/usr/bin/env bash
# The benchmarks of issue 7 in one command: tapeless against hand-written
# gradients (benches/gradients.rs), then against num-dual and candle
# (benches/peers/, its own workspace), then the README's tables from
# criterion's medians (scripts/bench_table.py). Criterion's reports stay in
# $CARGO_TARGET_DIR/criterion (default target/criterion).
#
#   scripts/bench.sh            both suites and the tables
#   scripts/bench.sh --table    the tables of the last run only
#
# The machine may be shared, so the gradients suite runs BENCH_RUNS times
# (default 3) and the tables give, per benchmark, the median of the runs'
# medians (each run's estimates are kept in $CARGO_TARGET_DIR/bench-runs/).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

runs="${BENCH_RUNS:-3}"
archive="$CARGO_TARGET_DIR/bench-runs"
if [ "${1:-}" != "--table" ]; then
    rm -rf "$archive"
    for run in $(seq "$runs"); do
        cargo bench -p tapeless --bench gradients
        # Keep this run's medians (criterion overwrites them on the next
        # run); the peer suite's groups (peers_*) are not part of this run.
        mkdir -p "$archive/$run"
        (cd "$CARGO_TARGET_DIR/criterion" &&
            find . -path './peers_*' -prune -o -path '*/new/estimates.json' \
                -exec cp --parents {} "$archive/$run" \;)
    done
    cargo bench --manifest-path benches/peers/Cargo.toml
fi

echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(rustc --version)"
echo
python3 scripts/bench_table.py "$CARGO_TARGET_DIR/criterion" "$archive"
