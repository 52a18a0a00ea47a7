#!/usr/bin/env bash
# W4's gradients timed outside criterion: the generated gradient and the
# careful hand gradient of benches/common/workloads.rs (included word for
# word in a scratch crate that depends on this checkout), each behind an
# `#[inline(never)]` wrapper so that both are the same standalone function
# wherever they are called, in a loop of black-boxed calls. Each pair is
# timed alternately ROUNDS times (default 5); the script prints every
# round's nanoseconds per call and the median ratio. Criterion inlines the
# functions into its own loop, where the code around them differs between
# benchmarks; this measures the functions alone.
#
#   scripts/w4_standalone.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${ROUNDS:-5}"
scratch="${CARGO_TARGET_DIR:-$root/target}/w4-standalone"
mkdir -p "$scratch/src"
cat >"$scratch/Cargo.toml" <<TOML
[package]
name = "w4-standalone"
version = "0.0.0"
edition = "2024"
publish = false
[dependencies]
tapeless = { path = "$root" }
nalgebra = { version = "0.35", default-features = false, features = ["libm"] }
[workspace]
TOML
cp "$root/benches/common/workloads.rs" "$scratch/src/workloads.rs"
cat >"$scratch/src/main.rs" <<'RUST'
#![allow(missing_docs)]
mod workloads;
use nalgebra::SVector;
use std::hint::black_box;
use std::time::Instant;
use workloads::*;

macro_rules! wrappers {
    ($($n:literal => $generated:ident, $hand:ident;)*) => {
        $(
            #[inline(never)]
            fn $generated(x: &SVector<f64, $n>) -> (f64, SVector<f64, $n>) {
                rosenbrock_grad(x)
            }
            #[inline(never)]
            fn $hand(x: &SVector<f64, $n>) -> (f64, SVector<f64, $n>) {
                rosenbrock_hand(x)
            }
        )*
    };
}
wrappers! {
    2 => generated_2, hand_2;
    10 => generated_10, hand_10;
    100 => generated_100, hand_100;
}

/// Nanoseconds per call of `f` over `calls` black-boxed calls.
fn time<const N: usize>(calls: u32, f: fn(&SVector<f64, N>) -> (f64, SVector<f64, N>)) -> f64 {
    let x = rosenbrock_start::<N>();
    let start = Instant::now();
    for _ in 0..calls {
        black_box(f(black_box(&x)));
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(calls)
}

fn main() {
    let rounds: usize = std::env::args().nth(1).map_or(5, |r| r.parse().expect("a number of rounds"));
    let cases: [(&str, Box<dyn Fn() -> (f64, f64)>); 3] = [
        ("n = 2", Box::new(|| (time(100_000_000, generated_2), time(100_000_000, hand_2)))),
        ("n = 10", Box::new(|| (time(20_000_000, generated_10), time(20_000_000, hand_10)))),
        ("n = 100", Box::new(|| (time(2_000_000, generated_100), time(2_000_000, hand_100)))),
    ];
    for (name, case) in &cases {
        let mut ratios = Vec::new();
        for _ in 0..rounds {
            let (generated, hand) = case();
            println!("W4 {name}: generated {generated:.2} ns, hand {hand:.2} ns");
            ratios.push(generated / hand);
        }
        ratios.sort_by(f64::total_cmp);
        println!("W4 {name}: median generated / hand {:.2}x", ratios[ratios.len() / 2]);
    }
}
RUST
(cd "$scratch" && CARGO_TARGET_DIR="$scratch/target" cargo build --release --quiet)
"$scratch/target/release/w4-standalone" "$rounds"
