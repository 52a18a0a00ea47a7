#!/usr/bin/env bash
# Issue 15's timing goal in one command: the 28 NIST StRD fits (14 problems
# of tests/data/nist/, both starts) with tapeless' default
# LevenbergMarquardt (criterion: `cargo bench -p tapeless --bench nist`,
# benchmark nist/all_28_fits) and with lmfit's leastsq
# (scripts/lmfit_nist.py), alternately NIST_RUNS times (default 3, the
# machine may be shared), then the median of each side's runs and their
# ratio. Needs python3 with lmfit (pip install lmfit); without it, only the
# tapeless side runs. Not part of CI.
#
#   scripts/nist_vs_lmfit.sh            (NIST_RUNS=5 scripts/nist_vs_lmfit.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
runs="${NIST_RUNS:-3}"

lmfit=yes
if ! python3 -c 'import lmfit' 2>/dev/null; then
    echo "lmfit is not installed (pip install lmfit): timing tapeless only" >&2
    lmfit=no
fi

estimate="$CARGO_TARGET_DIR/criterion/nist/all_28_fits/new/estimates.json"
tapeless_runs=()
lmfit_runs=()
for run in $(seq "$runs"); do
    cargo bench -p tapeless --bench nist -- all_28_fits
    tapeless_runs+=("$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["median"]["point_estimate"] / 1e9)' "$estimate")")
    if [ "$lmfit" = yes ]; then
        output="$(python3 scripts/lmfit_nist.py)"
        echo "$output"
        lmfit_runs+=("$(echo "$output" | sed -n 's/^total_seconds //p')")
    fi
done

echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(rustc --version), $(date -u +%F)"
python3 - "${tapeless_runs[*]}" "${lmfit_runs[*]:-}" <<'PY'
import statistics, sys
tapeless = [float(t) for t in sys.argv[1].split()]
lmfit = [float(t) for t in sys.argv[2].split()]
print(f"tapeless, 28 fits: {statistics.median(tapeless) * 1e3:.2f} ms "
      f"(criterion medians of {len(tapeless)} runs: {', '.join(f'{t * 1e3:.2f}' for t in tapeless)} ms)")
if lmfit:
    print(f"lmfit leastsq, 28 fits: {statistics.median(lmfit) * 1e3:.1f} ms "
          f"(medians of {len(lmfit)} runs: {', '.join(f'{t * 1e3:.1f}' for t in lmfit)} ms)")
    print(f"ratio: {statistics.median(lmfit) / statistics.median(tapeless):.0f}x (goal: >= 100x)")
PY
