#!/usr/bin/env bash
# Instruction counts (valgrind's callgrind, which do not move with the
# machine's load) of the run-time-length recurrences of benches/gradients.rs
# (`recurrences` group): the forward pass, the generated gradient and the
# hand-written ones, one call each after one warm-up call, in a scratch
# crate that depends on this checkout.
#
#   scripts/callgrind_recurrences.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="${CARGO_TARGET_DIR:-$root/target}/callgrind-recurrences"
mkdir -p "$scratch/src"
cat >"$scratch/Cargo.toml" <<TOML
[package]
name = "callgrind-recurrences"
version = "0.0.0"
edition = "2024"
publish = false
[dependencies]
tapeless = { path = "$root" }
nalgebra = { version = "0.35", default-features = false, features = ["libm"] }
[profile.release]
debug = 1
[workspace]
TOML
# The functions, word for word from benches/gradients.rs.
sed -n '/^mod recurrences {/,/^}/p' "$root/benches/gradients.rs" >"$scratch/src/recurrences.rs"
cat >"$scratch/src/main.rs" <<'RUST'
#![allow(missing_docs)]
include!("recurrences.rs");
use recurrences::*;
use std::hint::black_box;
fn main() {
    let which = std::env::args().nth(1).expect("a function");
    let n: usize = std::env::args().nth(2).map_or(10_000, |n| n.parse().unwrap());
    let ys = series(n);
    let mut levels = vec![0.0; n];
    let (w, u) = weights();
    let mut sink = 0.0;
    for _ in 0..2 {
        sink += match which.as_str() {
            "smoothing_forward" => smoothing(black_box(0.3), black_box(&ys)),
            "smoothing_grad" => smoothing_grad(black_box(0.3), black_box(&ys)).1,
            "smoothing_hand_forward" => smoothing_hand_forward(black_box(0.3), black_box(&ys)).1,
            "smoothing_hand_reverse" => smoothing_hand_reverse(black_box(0.3), black_box(&ys), &mut levels).1,
            "rnn_forward" => rnn(black_box(&w), black_box(&u), black_box(&ys)),
            "rnn_grad" => rnn_grad(black_box(&w), black_box(&u), black_box(&ys)).1.sum(),
            "rnn_256_grad" => rnn_256_grad(black_box(&w), black_box(&u), black_box(&ys)).1.sum(),
            "none" => 0.0,
            other => panic!("unknown function {other}"),
        };
    }
    println!("{sink}");
}
RUST
(cd "$scratch" && CARGO_TARGET_DIR="$scratch/target" cargo build --release --quiet)
binary="$scratch/target/release/callgrind-recurrences"
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$@" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
# Each count less that of the same setup (the data) without the call.
for n in 1000 10000; do
    baseline=$(count none "$n")
    for f in smoothing_forward smoothing_grad smoothing_hand_forward smoothing_hand_reverse; do
        total=$(count "$f" "$n")
        echo "$f n=$n: $(( (total - baseline) / 2 )) instructions per call"
    done
done
baseline=$(count none 10000)
for f in rnn_forward rnn_grad rnn_256_grad; do
    total=$(count "$f" 10000)
    echo "$f n=10000: $(( (total - baseline) / 2 )) instructions per call"
done
