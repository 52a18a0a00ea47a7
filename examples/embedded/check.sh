#!/usr/bin/env bash
# Builds the embedded example for the Cortex-M3, runs it under QEMU, runs the
# same fits (the same src/fit.rs) on the host, and fails unless QEMU exits
# with status 0 (both losses below their thresholds) and each printed final
# loss matches the host's within a relative 1e-4.
#
# Needs: rustup target thumbv7m-none-eabi, qemu-system-arm, binutils' size
# (.ci/run installs the first two). Run from anywhere: bash examples/embedded/check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

tolerance=1e-4
target_dir="${CARGO_TARGET_DIR:-target}"
elf="$target_dir/thumbv7m-none-eabi/release/tapeless-embedded"
out="$target_dir/check"
mkdir -p "$out"

echo "-- format and lints of the example and its host twin"
cargo fmt --check
cargo fmt --check --manifest-path host/Cargo.toml
cargo clippy --release -- -D warnings

echo "-- build for thumbv7m-none-eabi (release; target and linker script from .cargo/config.toml)"
cargo build --release

echo "-- flash and RAM: flash = text + data, static RAM = data + bss (the stack is measured below)"
size "$elf"

echo "-- run under QEMU"
status=0
start=$(date +%s%N)
timeout 300 qemu-system-arm -cpu cortex-m3 -machine lm3s6965evb -nographic \
    -semihosting-config enable=on,target=native -kernel "$elf" >"$out/qemu.txt" || status=$?
end=$(date +%s%N)
cat "$out/qemu.txt"
echo "qemu: exit status $status after $(( (end - start) / 1000000 )) ms"
if [ "$status" -eq 124 ]; then
    echo "FAIL: QEMU did not finish within 300 s" >&2
    exit 1
elif [ "$status" -ne 0 ]; then
    echo "FAIL: the program on the board exited with status $status (a loss above its threshold, or a panic)" >&2
    exit 1
fi

echo "-- the same fits on the host"
host_triple="$(rustc -vV | sed -n 's/^host: //p')"
cargo run --quiet --release --manifest-path host/Cargo.toml --target "$host_triple" >"$out/host.txt"

echo "-- compare the final losses (relative tolerance $tolerance)"
failed=0
for fit in quadratic mlp spring; do
    board=$(sed -n "s/^$fit final_loss=//p" "$out/qemu.txt")
    host=$(sed -n "s/^$fit final_loss=//p" "$out/host.txt")
    if [ -z "$board" ] || [ -z "$host" ]; then
        echo "FAIL: no '$fit final_loss=' line (board: '$board', host: '$host')" >&2
        failed=1
        continue
    fi
    if awk -v board="$board" -v host="$host" -v tolerance="$tolerance" 'BEGIN {
            difference = board - host; if (difference < 0) difference = -difference
            scale = host < 0 ? -host : host
            exit !(difference <= tolerance * scale)
        }'; then
        echo "$fit: board $board, host $host: match"
    else
        echo "FAIL: $fit: board $board, host $host differ by more than $tolerance relative" >&2
        failed=1
    fi
done
if diff <(grep -v '^stack ' "$out/qemu.txt") "$out/host.txt" >/dev/null; then
    echo "transcripts (less the board's stack lines): identical"
else
    echo "transcripts differ (allowed; only the final losses are checked):"
    diff <(grep -v '^stack ' "$out/qemu.txt") "$out/host.txt" || true
fi
exit "$failed"
