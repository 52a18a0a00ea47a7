#!/usr/bin/env bash
# Instruction counts (valgrind's callgrind, which do not move with the
# machine's load) of the workloads of benches/gradients.rs: the forward
# pass, the generated gradient and the hand-written ones, in a scratch crate
# that includes benches/common/workloads.rs word for word and depends on
# this checkout. Each function is called CALLS times (default 1000) on the
# same data behind `black_box`, after one warm-up call; the count of the
# same program without the calls is subtracted and the rest divided by the
# number of calls.
#
#   scripts/callgrind_gradients.sh            # every workload
#   scripts/callgrind_gradients.sh w4         # the names that contain `w4`
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
filter="${1:-}"
calls="${CALLS:-1000}"
scratch="${CARGO_TARGET_DIR:-$root/target}/callgrind-gradients"
mkdir -p "$scratch/src"
cat >"$scratch/Cargo.toml" <<TOML
[package]
name = "callgrind-gradients"
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
cp "$root/benches/common/workloads.rs" "$scratch/src/workloads.rs"
cat >"$scratch/src/main.rs" <<'RUST'
#![allow(missing_docs)]
mod workloads;
use std::hint::black_box;
use workloads::*;

/// Calls `f` `calls + 1` times on its argument, behind `black_box`.
fn run<A, R>(calls: usize, argument: &A, f: impl Fn(&A) -> R) {
    for _ in 0..=calls {
        black_box(f(black_box(argument)));
    }
}

macro_rules! rosenbrock_cases {
    ($which:expr, $calls:expr, $($n:literal),*) => {
        match $which {
            $(
                concat!("w4_n", $n, "_forward") => run($calls, &rosenbrock_start::<$n>(), |x| rosenbrock(x)),
                concat!("w4_n", $n, "_tapeless") => run($calls, &rosenbrock_start::<$n>(), |x| rosenbrock_grad(x)),
                concat!("w4_n", $n, "_hand") => run($calls, &rosenbrock_start::<$n>(), |x| rosenbrock_hand(x)),
                concat!("w4_n", $n, "_hand_two_pass") => run($calls, &rosenbrock_start::<$n>(), |x| rosenbrock_hand_two_pass(x)),
                concat!("w4_n", $n, "_hand_simple") => run($calls, &rosenbrock_start::<$n>(), |x| rosenbrock_hand_simple(x)),
            )*
            _ => return false,
        }
    };
}

fn w4(which: &str, calls: usize) -> bool {
    rosenbrock_cases!(which, calls, 2, 10, 100);
    true
}

fn main() {
    let which = std::env::args().nth(1).expect("a function");
    let calls: usize = std::env::args().nth(2).expect("a number of calls").parse().unwrap();
    let (p, t, y) = quad_data();
    let w1 = mlp_bce_f64::data();
    let w1_32 = mlp_bce_f32::data();
    let (regressor, rx, ry, rxs, rys) = regression_data();
    let quad = (p, t, y);
    match which.as_str() {
        "none" => {}
        "w2_forward" => run(calls, &quad, |(p, t, y)| quadratic_mse(p, t, y)),
        "w2_tapeless" => run(calls, &quad, |(p, t, y)| quadratic_mse_grad(p, t, y)),
        "w2_hand" => run(calls, &quad, |(p, t, y)| quadratic_mse_hand(p, t, y)),
        "w1_f64_forward_bce_with_logits" => {
            run(calls, &w1, |d| mlp_bce_f64::batch_bce_with_logits(&d.logits, &d.x, &d.y))
        }
        "w1_f64_tapeless_bce" => {
            run(calls, &w1, |d| mlp_bce_f64::batch_bce_grad(&d.probabilities, &d.x, &d.y))
        }
        "w1_f64_tapeless_bce_with_logits" => {
            run(calls, &w1, |d| mlp_bce_f64::batch_bce_with_logits_grad(&d.logits, &d.x, &d.y))
        }
        "w1_f64_tapeless_loop_bce_with_logits" => run(calls, &w1, |d| {
            mlp_bce_f64::loop_bce_with_logits_grad(&d.logits, &d.xs, &d.ys)
        }),
        "w1_f64_hand_shortcut" => {
            run(calls, &w1, |d| mlp_bce_f64::hand_grad::<true>(&d.logits, &d.x, &d.y))
        }
        "w1_f64_hand_chain" => {
            run(calls, &w1, |d| mlp_bce_f64::hand_grad::<false>(&d.logits, &d.x, &d.y))
        }
        "w1_f32_tapeless_bce_with_logits" => run(calls, &w1_32, |d| {
            mlp_bce_f32::batch_bce_with_logits_grad(&d.logits, &d.x, &d.y)
        }),
        "w1_f32_hand_shortcut" => {
            run(calls, &w1_32, |d| mlp_bce_f32::hand_grad::<true>(&d.logits, &d.x, &d.y))
        }
        "w3_tapeless_batch" => run(calls, &(regressor, rx, ry), |(m, x, y)| regression_batch_grad(m, x, y)),
        "w3_tapeless_loop" => run(calls, &(regressor, &rxs, &rys), |(m, x, y)| regression_loop_grad(m, x, y)),
        "w3_hand" => run(calls, &(regressor, rx, ry), |(m, x, y)| regression_hand(m, x, y)),
        other => assert!(w4(other, calls), "unknown function {other}"),
    }
}
RUST
(cd "$scratch" && cargo build --release --quiet)
binary="${CARGO_TARGET_DIR:-$scratch/target}/release/callgrind-gradients"
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$@" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
functions=(
    w1_f64_tapeless_bce w1_f64_tapeless_bce_with_logits w1_f64_tapeless_loop_bce_with_logits
    w1_f64_hand_chain w1_f64_hand_shortcut w1_f64_forward_bce_with_logits
    w1_f32_tapeless_bce_with_logits w1_f32_hand_shortcut
    w2_forward w2_tapeless w2_hand
    w3_tapeless_batch w3_tapeless_loop w3_hand
)
for n in 2 10 100; do
    for variant in forward tapeless hand hand_two_pass hand_simple; do
        functions+=("w4_n${n}_$variant")
    done
done
for f in "${functions[@]}"; do
    [[ "$f" == *"$filter"* ]] || continue
    # W1 and W3 take microseconds a call: a tenth of the calls.
    n="$calls"
    [[ "$f" == w1_* || "$f" == w3_* ]] && n=$(( calls / 10 ))
    total=$(count "$f" "$n")
    base=$(count none "$n")
    awk -v f="$f" -v t="$total" -v b="$base" -v n="$n" \
        'BEGIN { printf "%s: %.1f instructions per call\n", f, (t - b) / (n + 1) }'
done
