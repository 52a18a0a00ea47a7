//! `continue` and `break` in `for` loops, in branches at any depth and in
//! `match` arms: against hand derivations and central differences.
#![allow(
    dead_code,
    clippy::needless_continue,
    clippy::needless_range_loop,
    clippy::assign_op_pattern,
    reason = "the primals are written as users write them"
)]

mod common;

use common::tight;
use nalgebra::Vector2;
use tapeless::differentiable;

/// Skips missing observations (`NaN`) and stops at a sentinel.
#[differentiable]
fn fit(p: &Vector2<f64>, ts: &[f64], ys: &[f64]) -> f64 {
    let mut total = 0.0;
    for (t, y) in ts.iter().zip(ys) {
        if y.is_nan() {
            continue;
        }
        if *t > 100.0 {
            break;
        }
        let r = p.x * t + p.y - y;
        total += r * r;
    }
    total
}

#[test]
fn continue_and_break_in_a_data_loop_match_hand_derivation() {
    let ts = [0.0, 1.0, 2.0, 3.0, 1000.0, 4.0];
    let ys = [1.0, f64::NAN, 2.9, 4.2, 0.0, 7.0];
    let p = Vector2::new(1.1, 0.9);
    let (value, gradient) = fit_grad(&p, &ts, &ys);
    assert_eq!(value, fit(&p, &ts, &ys));
    let mut hand = Vector2::zeros();
    for (t, y) in [(0.0, 1.0), (2.0, 2.9), (3.0, 4.2)] {
        let r = p.x * t + p.y - y;
        hand += Vector2::new(2.0 * r * t, 2.0 * r);
    }
    assert!(
        (gradient - hand).norm() <= 1e-12 * hand.norm(),
        "{gradient} vs {hand}"
    );
}

/// A recurrence that stops early, and a skip inside a `match` arm.
#[differentiable]
fn damped(x: f64, rate: f64, kinds: &[u8; 8]) -> f64 {
    let mut v = x;
    for i in 0..8 {
        match kinds[i] {
            0 => continue,
            1 => {
                if v.abs() < 0.01 {
                    break;
                }
                v = v * (1.0 - rate);
            }
            _ => v = v + rate * v.sin(),
        }
    }
    v
}

#[test]
fn a_recurrence_with_continue_and_break_matches_central_differences() {
    for kinds in [[1, 0, 2, 1, 1, 0, 2, 1], [2, 2, 2, 2, 2, 2, 2, 2], [0; 8]] {
        for (x, rate) in [(0.8, 0.3), (0.02, 0.9), (-1.2, 0.1)] {
            let (value, gradient) = damped_grad(x, rate, &kinds);
            assert_eq!(value.to_bits(), damped(x, rate, &kinds).to_bits());
            let point = nalgebra::Vector1::new(x);
            let hand = nalgebra::Vector1::new(gradient);
            tight()
                .run(|p| damped(p[0], rate, &kinds), &point, &hand)
                .unwrap();
        }
    }
}

/// `break` in an inner loop leaves only that loop.
#[differentiable]
fn nested(w: f64, rows: &[[f64; 3]; 3]) -> f64 {
    let mut total = 0.0;
    for row in rows.iter() {
        for value in row.iter() {
            if *value < 0.0 {
                break;
            }
            total += w * value;
        }
    }
    total
}

#[test]
fn break_leaves_the_inner_loop_only() {
    let rows = [[1.0, 2.0, -1.0], [-1.0, 5.0, 5.0], [0.5, 0.5, 0.5]];
    assert_eq!(nested_grad(2.0, &rows), (2.0 * 4.5, 4.5));
}
