//! Early `return` from `if` branches, at any depth: against hand
//! derivations and central differences.
#![allow(
    dead_code,
    clippy::needless_return,
    clippy::assign_op_pattern,
    clippy::collapsible_match,
    reason = "the primals are written as users write them"
)]

mod common;

use common::{assert_rel, central_difference};
use tapeless::differentiable;

#[differentiable]
fn relu(x: f64) -> f64 {
    if x < 0.0 {
        return 0.0;
    }
    x
}

/// Huber's loss of a line fit's residual, written with an early return.
#[differentiable(wrt = (m, c))]
fn huber(m: f64, c: f64, x: f64, y: f64, delta: f64) -> f64 {
    let r = y - (m * x + c);
    if r.abs() > delta {
        return delta * (r.abs() - 0.5 * delta);
    }
    0.5 * r * r
}

/// Returns at several depths, with statements between them.
#[differentiable]
fn nested(x: f64, k: f64) -> f64 {
    let mut y = x * k;
    if y > 2.0 {
        if k > 1.0 {
            return y.ln();
        }
        y = y * 0.5;
    } else if y < -1.0 {
        return -y * x;
    }
    let z = y.sin();
    if z > 0.5 {
        return z * x;
    }
    z + y
}

#[test]
fn relu_with_an_early_return() {
    assert_eq!(relu_grad(-2.0), (0.0, 0.0));
    assert_eq!(relu_grad(3.0), (3.0, 1.0));
}

#[test]
fn huber_with_an_early_return_matches_hand_derivation() {
    let (x, y, delta) = (2.0, 1.0, 0.5);
    for (m, c) in [(0.1, 0.2), (0.45, 0.05), (0.6, -0.5)] {
        let (value, (dm, dc)) = huber_grad(m, c, x, y, delta);
        assert_eq!(value, huber(m, c, x, y, delta));
        let r: f64 = y - (m * x + c);
        let dr = if r.abs() > delta {
            delta * r.signum()
        } else {
            r
        };
        assert_rel(dm, -dr * x, 1e-12, "d/dm");
        assert_rel(dc, -dr, 1e-12, "d/dc");
    }
}

#[test]
fn returns_at_several_depths_match_central_differences() {
    for x in [-3.0, -0.7, 0.3, 0.9, 1.7, 3.0] {
        for k in [0.5, 1.5, 2.5] {
            let (value, gradient) = nested_grad(x, k);
            assert_eq!(value.to_bits(), nested(x, k).to_bits(), "nested({x}, {k})");
            assert_rel(
                gradient,
                central_difference(|x| nested(x, k), x),
                1e-6,
                &format!("nested({x}, {k})"),
            );
        }
    }
}

/// Returns from `match` arms, one of them inside an `if`.
#[differentiable]
fn by_kind(x: f64, kind: u8) -> f64 {
    match kind {
        0 => return x * x,
        1 => {
            if x > 1.0 {
                return x.ln();
            }
        }
        _ => {}
    }
    x.sin()
}

#[test]
fn returns_from_match_arms() {
    for (x, kind, expected) in [
        (1.5, 0, 3.0),
        (2.0, 1, 0.5),
        (0.5, 1, 0.5_f64.cos()),
        (0.5, 7, 0.5_f64.cos()),
    ] {
        let (value, gradient) = by_kind_grad(x, kind);
        assert_eq!(value, by_kind(x, kind));
        assert_rel(gradient, expected, 1e-12, &format!("by_kind({x}, {kind})"));
    }
}

/// A `return` from inside a loop (the former ui case `return_in_loop`).
#[differentiable]
fn first_large(x: f64, data: &[f64]) -> f64 {
    let mut total = 0.0;
    for t in data.iter() {
        if *t > 10.0 {
            return total;
        }
        total += x * t;
    }
    total
}

/// A `return` from a nested loop, from a `match` arm, and from a `while`
/// loop through a recurrence.
#[differentiable(jvp)]
fn search(x: f64, data: &[f64]) -> f64 {
    let mut v = x;
    for (i, t) in data.iter().enumerate() {
        for k in 0..3_u8 {
            v = v * 0.9 + t * 0.1 * f64::from(k);
            if v > 5.0 {
                return v * v;
            }
        }
        match i % 4 {
            3 => return v.sin() + x,
            _ => v += x * t,
        }
    }
    let mut steps = 0;
    while v > 0.1 {
        v *= 0.5;
        steps += 1;
        if steps > 100 {
            return -v;
        }
    }
    v + x
}

#[test]
fn returns_inside_loops_match_hand_derivation_and_central_differences() {
    let data = [1.0, 2.0, 30.0, 4.0];
    let (value, g) = first_large_grad(0.5, &data);
    assert_eq!(value, first_large(0.5, &data));
    assert_eq!(value, 0.5 * 3.0);
    assert_eq!(g, 3.0);
    let (value, g) = first_large_grad(0.5, &[1.0, 2.0]);
    assert_eq!((value, g), (1.5, 3.0));

    for data in [
        vec![0.5, 1.5, 2.5, 0.2, 1.0],
        vec![4.0, 9.0, 1.0],
        vec![0.1, 0.2, 0.3],
        vec![],
    ] {
        for x in [0.3, 1.1, 2.9] {
            let (value, g) = search_grad(x, &data);
            assert_eq!(value, search(x, &data), "{data:?} at {x}");
            let fd = common::central_difference(|x| search(x, &data), x);
            assert!(
                (g - fd).abs() <= 1e-6 * fd.abs().max(1.0),
                "{data:?} at {x}: {g} vs {fd}"
            );
            let (_, tangent) = search_jvp(x, &data, &1.0, tapeless::NoTangent);
            assert!(
                (tangent - g).abs() <= 1e-12 * g.abs().max(1.0),
                "jvp {tangent} vs {g}"
            );
        }
    }
}
