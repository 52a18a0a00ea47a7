#!/usr/bin/env bash
# Instruction counts (valgrind's callgrind, which do not move with the
# machine's load) of W3 `mlp_adam` (benches/common/workloads.rs): the
# forward passes, the generated gradients of the batch and loop forms, the
# hand-written gradient and the Adam steps, one call each after one warm-up
# call, in a scratch crate that depends on this checkout.
#
# Two counts per function. valgrind counts each byte that glibc's `memset`
# and `memcpy` move with `rep stosb`/`rep movsb` (their choice above a few
# KB) as one instruction, where the processor moves 32 bytes or more per
# cycle; the second count makes glibc use its vector loops instead (32
# bytes an instruction), which weighs large copies and fills as their time
# does.
#
#   scripts/callgrind_w3.sh [FUNCTION...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="${CARGO_TARGET_DIR:-$root/target}/callgrind-w3"
mkdir -p "$scratch/src"
cat >"$scratch/Cargo.toml" <<TOML
[package]
name = "callgrind-w3"
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
cat >"$scratch/src/main.rs" <<RUST
#![allow(missing_docs)]
#[path = "$root/benches/common/workloads.rs"]
mod workloads;
RUST
cat >>"$scratch/src/main.rs" <<'RUST'
use std::hint::black_box;
use tapeless::optim::Adam;
use workloads::*;
fn main() {
    let which = std::env::args().nth(1).expect("a function");
    let (mut model, x, y, xs, ys) = regression_data();
    let mut adam = Adam::new(1e-3);
    let mut hand_adam = HandAdam::new(1e-3);
    let mut sink = 0.0;
    for _ in 0..2 {
        sink += match which.as_str() {
            "forward_batch" => regression_batch(black_box(&model), black_box(&x), black_box(&y)),
            "forward_loop" => regression_loop(black_box(&model), black_box(&xs), black_box(&ys)),
            "gradient_batch" => {
                let (value, gradient) = regression_batch_grad(black_box(&model), black_box(&x), black_box(&y));
                value + gradient.2.bias[0]
            }
            "gradient_loop" => {
                let (value, gradient) = regression_loop_grad(black_box(&model), black_box(&xs), black_box(&ys));
                value + gradient.2.bias[0]
            }
            "gradient_hand" => {
                let (value, gradient) = regression_hand(black_box(&model), black_box(&x), black_box(&y));
                value + gradient.2.bias[0]
            }
            "adam_batch" => adam_step_batch(&mut model, &mut adam, black_box(&x), black_box(&y)),
            "adam_loop" => adam_step_loop(&mut model, &mut adam, black_box(&xs), black_box(&ys)),
            "adam_hand" => adam_step_hand(&mut model, &mut hand_adam, black_box(&x), black_box(&y)),
            "none" => 0.0,
            other => panic!("unknown function {other}"),
        };
        black_box(&model);
    }
    println!("{sink}");
}
RUST
(cd "$scratch" && CARGO_TARGET_DIR="$scratch/target" cargo build --release --quiet)
binary="$scratch/target/release/callgrind-w3"
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$@" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
vector_count() {
    GLIBC_TUNABLES=glibc.cpu.x86_rep_stosb_threshold=0x10000000:glibc.cpu.x86_rep_movsb_threshold=0x10000000 \
        count "$@"
}
# Each count less that of the same setup (the data) without the call.
baseline=$(count none)
vector_baseline=$(vector_count none)
functions=("$@")
if [ ${#functions[@]} -eq 0 ]; then
    functions=(forward_batch forward_loop gradient_batch gradient_loop gradient_hand adam_batch adam_loop adam_hand)
fi
for f in "${functions[@]}"; do
    total=$(count "$f")
    vector_total=$(vector_count "$f")
    echo "$f: $(( (total - baseline) / 2 )) instructions per call ($(( (vector_total - vector_baseline) / 2 )) with vector memset/memcpy)"
done
