#!/usr/bin/env bash
# Instruction counts (valgrind's callgrind, which do not move with the
# machine's load) of the NIST Rat43 functions of benches/gradients.rs
# (`rat43` group): Jacobian rows accumulated into JᵀJ and Jᵀr (generated,
# hand-written keeping `powf`, hand-optimized), the gradient, the HVP and the
# Hessian summed over the 15 observations, beside num-dual's. One call each
# after one warm-up call, in a scratch crate that depends on this checkout.
#
#   scripts/callgrind_rat43.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="${CARGO_TARGET_DIR:-$root/target}/callgrind-rat43"
mkdir -p "$scratch/src"
cat >"$scratch/Cargo.toml" <<TOML
[package]
name = "callgrind-rat43"
version = "0.0.0"
edition = "2024"
publish = false
[dependencies]
tapeless = { path = "$root" }
nalgebra = { version = "0.35", default-features = false, features = ["libm"] }
num-dual = { version = "0.15", default-features = false, features = ["nalgebra"] }
[profile.release]
debug = 1
[workspace]
TOML
# The functions, word for word from benches/gradients.rs.
sed -n '/^mod rat43 {/,/^}/p' "$root/benches/gradients.rs" >"$scratch/src/rat43.rs"
cat >"$scratch/src/main.rs" <<'RUST'
#![allow(missing_docs, dead_code)]
include!("rat43.rs");
use std::hint::black_box;
fn main() {
    let which = std::env::args().nth(1).expect("a function");
    let b = rat43::b();
    let v = nalgebra::SVector::<f64, 4>::new(0.3, -1.0, 0.5, 2.0);
    let mut sink = 0.0;
    for _ in 0..2 {
        sink += match which.as_str() {
            "rows_tapeless" => rat43::normal_equations(rat43::residual_grad, black_box(&b)).1.sum(),
            "rows_tapeless_exp_ln" => rat43::normal_equations(rat43::residual_exp_ln_grad, black_box(&b)).1.sum(),
            "rows_hand" => rat43::normal_equations(rat43::hand, black_box(&b)).1.sum(),
            "rows_hand_optimized" => rat43::normal_equations(rat43::hand_optimized, black_box(&b)).1.sum(),
            "gradient" => rat43::gradient_tapeless(black_box(&b)).sum(),
            "jvp" => rat43::jvp_tapeless(black_box(&b), black_box(&v)),
            "jvp_num_dual" => rat43::jvp_num_dual(black_box(&b), black_box(&v)),
            "hvp" => rat43::hvp_tapeless(black_box(&b), black_box(&v)).sum(),
            "hessian" => rat43::hessian_tapeless(black_box(&b)).sum(),
            "hessian_num_dual" => rat43::hessian_num_dual(black_box(&b)).sum(),
            "hessian_num_dual_one_pass" => rat43::hessian_num_dual_one_pass(black_box(&b)).sum(),
            "none" => 0.0,
            other => panic!("unknown function {other}"),
        };
    }
    println!("{sink}");
}
RUST
(cd "$scratch" && CARGO_TARGET_DIR="$scratch/target" cargo build --release --quiet)
binary="$scratch/target/release/callgrind-rat43"
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$@" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
# Each count less that of the same setup without the call.
baseline=$(count none)
for f in "${@:-rows_tapeless rows_tapeless_exp_ln rows_hand rows_hand_optimized gradient jvp jvp_num_dual hvp hessian hessian_num_dual hessian_num_dual_one_pass}"; do
    for g in $f; do
        total=$(count "$g")
        echo "$g: $(( (total - baseline) / 2 )) instructions per call"
    done
done
