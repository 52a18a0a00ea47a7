#!/usr/bin/env bash
# What #[differentiable] adds to compile time (issue 7).
#
# Generates a crate with N functions, in rotation a scalar function with a
# branch, a `for` loop accumulating over slices and a two-layer model with a
# loss, and a caller of each; then builds it twice: with the functions
# annotated `#[differentiable]` (the callers call NAME_grad) and with the
# primal functions only (the callers call NAME). Both depend on tapeless,
# built beforehand, so the times are those of the crate alone: `cargo check`
# (expansion and type checking), `cargo build` (dev) and
# `cargo build --release`, each after touching the source.
#
#   scripts/compile_time.sh [N ...]        default: 10 50 200
#
# Prints a Markdown table. Work directory: $COMPILE_TIME_DIR or
# target/compile-time (its own target directory, kept between runs).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sizes=("$@")
if [ ${#sizes[@]} -eq 0 ]; then sizes=(10 50 200); fi
work="${COMPILE_TIME_DIR:-$root/target/compile-time}"
mkdir -p "$work"
export CARGO_TARGET_DIR="$work/target"
export CARGO_TERM_COLOR=never

generate() { # generate DIR N ANNOTATED(0|1)
    local dir="$1" n="$2" annotated="$3" attribute="" suffix=""
    if [ "$annotated" = 1 ]; then attribute="#[differentiable]"; suffix="_grad"; fi
    mkdir -p "$dir/src"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "compile-time-probe"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
tapeless = { path = "$root" }
TOML
    {
        echo '#![allow(dead_code, unused_variables)]'
        echo 'use tapeless::loss::{self, Reduction};'
        echo 'use tapeless::nalgebra::{SMatrix, Vector3};'
        echo 'use tapeless::nn::{Linear, Module, Relu};'
        echo '#[allow(unused_imports)] use tapeless::differentiable;'
        echo 'pub type Model = (Linear<3, 8, f64>, Relu, Linear<8, 1, f64>);'
        for ((k = 0; k < n; k++)); do
            case $((k % 3)) in
            0)
                cat <<RS
$attribute
pub fn f$k(x: f64, k: f64) -> f64 {
    let y = (x * k).sin() + x.exp() / (1.0 + x * x) * $k.0;
    if y > 0.0 { y * y.sqrt() } else { -y * k }
}
pub fn call$k(x: f64) -> f64 { let r = f$k$suffix(x, 0.5); r.0 + r.1 }
RS
                ;;
            1)
                cat <<RS
$attribute
pub fn f$k(p: &Vector3<f64>, t: &[f64], y: &[f64]) -> f64 {
    let mut total = 0.0;
    for (ti, yi) in t.iter().zip(y.iter()) {
        let residual = p.x * (ti * ti) + p.y * ti + p.z - yi * $k.0;
        total += residual * residual;
    }
    total / t.len() as f64
}
pub fn call$k(p: &Vector3<f64>, t: &[f64]) -> f64 { let r = f$k$suffix(p, t, t); r.0 + r.1.x }
RS
                ;;
            2)
                cat <<RS
$attribute
pub fn f$k(model: &Model, x: &SMatrix<f64, 3, 4>, y: &SMatrix<f64, 1, 4>) -> f64 {
    let prediction = model.forward(x) * $k.0;
    loss::mse(&prediction, y, Reduction::Mean)
}
pub fn call$k(model: &Model, x: &SMatrix<f64, 3, 4>) -> f64 {
    let r = f$k$suffix(model, x, &SMatrix::zeros());
    r.0 + r.1.0.bias[0]
}
RS
                ;;
            esac
        done
    } > "$dir/src/lib.rs"
    # The primal variant returns plain values; make `r.0`/`r.1` read alike.
    if [ "$annotated" = 0 ]; then
        sed -i -e 's/let r = \(f[0-9]*\)(\(.*\)); r\.0 + r\.1\.x }/\1(\2) }/' \
            -e 's/let r = \(f[0-9]*\)(\(.*\)); r\.0 + r\.1 }/\1(\2) }/' \
            -e 's/let r = \(f[0-9]*\)(\(.*\));$/\1(\2)/' \
            -e '/r\.0 + r\.1\.0\.bias\[0\]/d' "$dir/src/lib.rs"
    fi
}

seconds() { # seconds DIR CARGO-ARGS...: the time of one build of the crate alone
    local dir="$1"; shift
    touch "$dir/src/lib.rs"
    local start end
    start=$(date +%s.%N)
    cargo "$@" --quiet --manifest-path "$dir/Cargo.toml" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

# Build the dependencies once per profile.
generate "$work/warm" 3 1
cargo check --quiet --manifest-path "$work/warm/Cargo.toml"
cargo build --quiet --manifest-path "$work/warm/Cargo.toml"
cargo build --quiet --release --manifest-path "$work/warm/Cargo.toml"

echo "| N | variant | check (s) | build, dev (s) | build, release (s) |"
echo "|---:|---|---:|---:|---:|"
for n in "${sizes[@]}"; do
    declare -A row=()
    for annotated in 0 1; do
        dir="$work/n$n-$annotated"
        generate "$dir" "$n" "$annotated"
        check=$(seconds "$dir" check)
        dev=$(seconds "$dir" build)
        release=$(seconds "$dir" build --release)
        row[$annotated]="$check $dev $release"
        name=$([ "$annotated" = 1 ] && echo "#[differentiable]" || echo "primal only")
        printf '| %s | %s | %.2f | %.2f | %.2f |\n' "$n" "$name" $check $dev $release
    done
    read -r c0 d0 r0 <<<"${row[0]}"
    read -r c1 d1 r1 <<<"${row[1]}"
    printf '| %s | added per function (ms) | %.1f | %.1f | %.1f |\n' "$n" \
        "$(echo "($c1 - $c0) * 1000 / $n" | bc -l)" \
        "$(echo "($d1 - $d0) * 1000 / $n" | bc -l)" \
        "$(echo "($r1 - $r0) * 1000 / $n" | bc -l)"
done
