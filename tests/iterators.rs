//! Iterator chains and local closures, as users write them: against hand
//! derivations, central differences and the same function written with
//! `for` loops.
#![allow(
    dead_code,
    clippy::redundant_closure,
    clippy::unnecessary_fold,
    reason = "the primals are written as users write them"
)]

mod common;

use common::tight;
use nalgebra::{Vector2, Vector3};
use tapeless::differentiable;

/// A line fit: `zip`, `map` and `sum`.
#[differentiable]
fn line_sse(p: &Vector2<f64>, t: &[f64], y: &[f64]) -> f64 {
    t.iter()
        .zip(y)
        .map(|(t, y)| (p.x * t + p.y - y).powi(2))
        .sum::<f64>()
}

#[differentiable]
fn line_sse_for(p: &Vector2<f64>, t: &[f64], y: &[f64]) -> f64 {
    let mut total = 0.0;
    for (t, y) in t.iter().zip(y) {
        total += (p.x * t + p.y - y).powi(2);
    }
    total
}

/// `fold` with a closure that destructures a reference.
#[differentiable]
fn fold_sse(w: f64, xs: &[f64]) -> f64 {
    xs.iter().fold(0.0, |acc, &x| acc + (w * x - 1.0).powi(2))
}

/// An L2 penalty over the differentiated vector itself.
#[differentiable]
fn l2(w: &Vector3<f64>) -> f64 {
    w.iter().map(|w| w * w).sum()
}

/// The product of the differentiated vector's entries.
#[differentiable]
fn product(w: &Vector3<f64>) -> f64 {
    w.iter().product()
}

/// Weights indexed inside `enumerate().map(..)`, with a filter on data
/// after it.
#[differentiable]
fn weighted(w: &Vector3<f64>, xs: &[f64]) -> f64 {
    xs.iter()
        .enumerate()
        .map(|(i, x)| if *x > 0.0 { w[i % 3] * x } else { 0.0 })
        .filter(|term| *term != 0.0)
        .sum::<f64>()
}

/// A maximum through `fold(.., f64::max)`.
#[differentiable]
fn softest_max(x: f64, data: &[f64]) -> f64 {
    data.iter()
        .map(|d| (x * d).sin())
        .fold(f64::NEG_INFINITY, f64::max)
}

/// A model written as a local closure.
#[differentiable]
fn decay_fit(p: &Vector2<f64>, t: &[f64], y: &[f64]) -> f64 {
    let model = |t: f64| p.x * (-p.y * t).exp();
    let mut total = 0.0;
    for (t, y) in t.iter().zip(y) {
        let r = model(*t) - y;
        total += r * r;
    }
    total
}

/// A closure whose captured `s` is bound again only in scopes that end
/// before its calls: an inner block, a match arm in a call's argument, a
/// loop's pattern.
#[differentiable(wrt = (x, s))]
fn scoped_shadows(x: f64, s: f64, data: &[f64]) -> f64 {
    let scale = |t: f64| x * s * t;
    let inner = {
        let s = 2.0;
        s * x
    };
    let mut total = scale(match data.len() {
        s if s > 0 => s as f64 * 0.25,
        _ => 0.0,
    });
    for s in data {
        total += s * inner;
    }
    total + scale(inner)
}

/// `for w in v.iter()` over a differentiated vector, and `for w in &v`.
#[differentiable]
fn cubes(v: &Vector3<f64>) -> f64 {
    let mut total = 0.0;
    for w in v.iter() {
        total += w * w * w;
    }
    for w in v {
        total += w.sin();
    }
    total
}

/// Positional adapters: `skip`, `take`, `step_by`, `rev`, `copied`.
#[differentiable]
fn positional(x: f64, data: &[f64]) -> f64 {
    let a: f64 = data.iter().skip(1).take(3).map(|d| x * d).sum();
    let b: f64 = data
        .iter()
        .step_by(2)
        .copied()
        .map(|d| (x - d).powi(2))
        .sum();
    let c = data.iter().rev().fold(x, |acc, d| acc * 0.5 + d * x);
    a + b + c
}

/// A chain of run-time length inside an `fold` recurrence, with a count.
#[differentiable]
fn mean_of_positive(x: f64, data: &[f64]) -> f64 {
    let n = data.iter().filter(|d| **d > 0.0).count();
    let s: f64 = data
        .iter()
        .filter(|d| **d > 0.0)
        .map(|d| (x * d).tanh())
        .sum();
    s / n as f64
}

fn data() -> (Vec<f64>, Vec<f64>) {
    let t: Vec<f64> = (0..9).map(|i| 0.25 * f64::from(i)).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|t| 1.5 * (-0.7 * t).exp() + 0.1 * t.sin())
        .collect();
    (t, y)
}

#[test]
fn line_fit_chain_equals_the_for_loop_form() {
    let (t, y) = data();
    let p = Vector2::new(0.3, -1.2);
    let (value, gradient) = line_sse_grad(&p, &t, &y);
    let (value_for, gradient_for) = line_sse_for_grad(&p, &t, &y);
    assert_eq!(value.to_bits(), value_for.to_bits());
    assert_eq!(gradient, gradient_for);
    assert_eq!(value, line_sse(&p, &t, &y));
    tight().run(|p| line_sse(p, &t, &y), &p, &gradient).unwrap();
}

#[test]
fn fold_and_reductions_match_hand_derivations() {
    let xs = [0.5, -1.0, 2.0];
    let (value, g) = fold_sse_grad(0.7, &xs);
    assert_eq!(value, fold_sse(0.7, &xs));
    let hand: f64 = xs.iter().map(|x| 2.0 * (0.7 * x - 1.0) * x).sum();
    assert!((g - hand).abs() <= 1e-14 * hand.abs());

    let w = Vector3::new(0.5, -2.0, 1.5);
    let (value, g) = l2_grad(&w);
    assert_eq!(value, w.norm_squared());
    assert_eq!(g, 2.0 * w);

    let (value, g) = product_grad(&w);
    assert_eq!(value, w.x * w.y * w.z);
    let hand = Vector3::new(w.y * w.z, w.x * w.z, w.x * w.y);
    assert!((g - hand).norm() <= 1e-14 * hand.norm());
}

#[test]
fn enumerate_filter_and_max_fold_match_central_differences() {
    let xs = [0.5, -1.0, 2.0, 3.0, -0.5, 1.5];
    let w = Vector3::new(0.5, -2.0, 1.5);
    let (value, g) = weighted_grad(&w, &xs);
    assert_eq!(value, weighted(&w, &xs));
    // Hand: each positive x at position i adds x to w[i % 3]'s derivative.
    let mut hand = Vector3::zeros();
    for (i, x) in xs.iter().enumerate() {
        if *x > 0.0 {
            hand[i % 3] += x;
        }
    }
    assert_eq!(g, hand);

    let data = [0.3, 1.7, -0.4, 0.9];
    let (value, g) = softest_max_grad(0.8, &data);
    assert_eq!(value, softest_max(0.8, &data));
    let fd = common::central_difference(|x| softest_max(x, &data), 0.8);
    assert!((g - fd).abs() <= 1e-8, "{g} vs {fd}");
}

#[test]
fn local_closure_and_loops_over_a_differentiated_vector() {
    let (t, y) = data();
    let p = Vector2::new(1.2, 0.6);
    let (value, g) = decay_fit_grad(&p, &t, &y);
    assert_eq!(value, decay_fit(&p, &t, &y));
    tight().run(|p| decay_fit(p, &t, &y), &p, &g).unwrap();

    let data = [0.3, -1.2, 2.0];
    let (value, (dx, ds)) = scoped_shadows_grad(0.7, -1.3, &data);
    assert_eq!(value, scoped_shadows(0.7, -1.3, &data));
    // d/dx (x s n/4 + 2x Σd + 2 s x²) and d/ds (x n/4 + 2 x²), n = 3.
    let (hand_dx, hand_ds) = (
        -1.3 * 0.75 + 2.0 * 1.1 + 4.0 * -1.3 * 0.7,
        0.7 * 0.75 + 2.0 * 0.49,
    );
    assert!(
        (dx - hand_dx).abs() <= 1e-14 && (ds - hand_ds).abs() <= 1e-14,
        "{dx}, {ds}"
    );
    let fd = common::central_difference(|x| scoped_shadows(x, -1.3, &data), 0.7);
    assert!((dx - fd).abs() <= 1e-7, "{dx} vs {fd}");

    let v = Vector3::new(0.5, -2.0, 1.5);
    let (value, g) = cubes_grad(&v);
    assert_eq!(value, cubes(&v));
    let hand = v.map(|w| 3.0 * w * w + w.cos());
    assert!((g - hand).norm() <= 1e-14 * hand.norm());
}

#[test]
fn positional_adapters_and_counts_match_central_differences() {
    let data = [0.3, 1.7, -0.4, 0.9, 2.2, -1.1, 0.6];
    for x in [-0.7, 0.4, 1.9] {
        let (value, g) = positional_grad(x, &data);
        assert_eq!(value, positional(x, &data));
        let fd = common::central_difference(|x| positional(x, &data), x);
        assert!((g - fd).abs() <= 1e-7 * fd.abs().max(1.0), "{g} vs {fd}");

        let (value, g) = mean_of_positive_grad(x, &data);
        assert_eq!(value, mean_of_positive(x, &data));
        let fd = common::central_difference(|x| mean_of_positive(x, &data), x);
        assert!((g - fd).abs() <= 1e-7 * fd.abs().max(1.0), "{g} vs {fd}");
    }
}

/// A filter that destructures the item, then a map that does too.
#[differentiable]
fn weighted_positive(w: &Vector3<f64>, xs: &[f64]) -> f64 {
    xs.iter()
        .enumerate()
        .filter(|(_, x)| **x > 0.0)
        .map(|(i, x)| w[i % 3] * x)
        .sum::<f64>()
}

#[test]
fn filter_then_map_over_destructured_items() {
    let xs = [0.5, -1.0, 2.0, 3.0, -0.5, 1.5];
    let w = Vector3::new(0.5, -2.0, 1.5);
    let (value, g) = weighted_positive_grad(&w, &xs);
    assert_eq!(value, weighted_positive(&w, &xs));
    let (_, g_map_form) = weighted_grad(&w, &xs);
    assert_eq!(g, g_map_form);
}

/// nalgebra's `map` on a differentiated vector, and `zip_map`.
#[differentiable(jvp)]
fn elementwise(v: &Vector3<f64>, targets: &Vector3<f64>) -> f64 {
    let activated = v.map(|e| e.tanh() * 2.0);
    let errors = activated.zip_map(targets, |a, t| (a - t).powi(2));
    errors.sum() + (v * 0.5).map(|e| e.exp()).sum()
}

#[test]
fn nalgebra_map_and_zip_map_match_hand_derivation() {
    let v = Vector3::new(0.3, -1.2, 0.8);
    let targets = Vector3::new(0.5, -0.5, 1.0);
    let (value, g) = elementwise_grad(&v, &targets);
    assert_eq!(value, elementwise(&v, &targets));
    let hand = v.zip_map(&targets, |e, t| {
        let a = e.tanh() * 2.0;
        2.0 * (a - t) * 2.0 * (1.0 - e.tanh().powi(2)) + 0.5 * (0.5 * e).exp()
    });
    assert!((g - hand).norm() <= 1e-14 * hand.norm(), "{g} vs {hand}");
    for i in 0..3 {
        let mut direction = Vector3::zeros();
        direction[i] = 1.0;
        let (_, tangent) = elementwise_jvp(&v, &targets, &direction, tapeless::NoTangent);
        assert!((tangent - hand[i]).abs() <= 1e-14 * hand.norm());
    }
}
