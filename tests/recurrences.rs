//! Recurrences whose trip count is known only at run time (checkpointed:
//! snapshots on the stack, states recomputed between them), and `while` and
//! `loop` loops: against hand derivations and central differences, for trip
//! counts below, at and far above the snapshot buffer.
#![allow(
    dead_code,
    clippy::assign_op_pattern,
    clippy::while_float,
    reason = "the primals are written as users write them"
)]

mod common;

use common::tight;
use nalgebra::{Matrix2, Vector2};
use tapeless::differentiable;

/// Simple exponential smoothing: the sum of squared one-step errors.
#[differentiable(jvp)]
fn smoothing_sse(alpha: f64, ys: &[f64]) -> f64 {
    let mut level = ys[0];
    let mut total = 0.0;
    for y in &ys[1..] {
        let error = y - level;
        total += error * error;
        level = level + alpha * error;
    }
    total
}

/// The same with a second differentiated parameter (the first level's
/// scale), so that `_grad` runs in reverse mode through the checkpointed
/// loop, with 4 snapshots only.
#[differentiable(snapshots = 4, wrt = (alpha, scale))]
fn smoothing_sse_small(alpha: f64, scale: f64, ys: &[f64]) -> f64 {
    let mut level = scale * ys[0];
    let mut total = 0.0;
    for y in &ys[1..] {
        let error = y - level;
        total += error * error;
        level = level + alpha * error;
    }
    total
}

/// The same as `smoothing_sse_small` with the default snapshots.
#[differentiable(wrt = (alpha, scale))]
fn smoothing_sse_two(alpha: f64, scale: f64, ys: &[f64]) -> f64 {
    let mut level = scale * ys[0];
    let mut total = 0.0;
    for y in &ys[1..] {
        let error = y - level;
        total += error * error;
        level = level + alpha * error;
    }
    total
}

/// The derivative of `smoothing_sse` in `alpha`, by forward mode carried by
/// hand alongside the recurrence.
fn smoothing_hand(alpha: f64, ys: &[f64]) -> (f64, f64) {
    let (mut level, mut dlevel) = (ys[0], 0.0);
    let (mut total, mut dtotal) = (0.0, 0.0);
    for y in &ys[1..] {
        let (error, derror) = (y - level, -dlevel);
        total += error * error;
        dtotal += 2.0 * error * derror;
        dlevel = dlevel + error + alpha * derror;
        level = level + alpha * error;
    }
    (total, dtotal)
}

fn series(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let t = i as f64;
            (0.1 * t).sin() + 0.01 * t + 0.3 * (1.7 * t).cos()
        })
        .collect()
}

#[test]
fn smoothing_matches_hand_forward_mode_for_every_trip_count() {
    for n in [1, 2, 3, 4, 5, 6, 17, 63, 64, 65, 66, 200, 1000, 10_000] {
        let ys = series(n);
        for alpha in [0.05, 0.3, 0.9] {
            let (value, hand) = smoothing_hand(alpha, &ys);
            let (v, tangent) = smoothing_sse_jvp(alpha, &ys, &1.0, tapeless::NoTangent);
            assert_eq!(v, value);
            assert!((tangent - hand).abs() <= 1e-10 * hand.abs().max(1e-300));
            for (name, (v, g)) in [
                ("forward mode", smoothing_sse_grad(alpha, &ys)),
                ("64 snapshots", {
                    let (v, (g, _)) = smoothing_sse_two_grad(alpha, 1.0, &ys);
                    (v, g)
                }),
                ("4 snapshots", {
                    let (v, (g, _)) = smoothing_sse_small_grad(alpha, 1.0, &ys);
                    (v, g)
                }),
            ] {
                assert_eq!(v, smoothing_sse(alpha, &ys), "{name}, n = {n}");
                assert_eq!(v, smoothing_sse_small(alpha, 1.0, &ys), "{name}, n = {n}");
                assert_eq!(v, value, "{name}, n = {n}");
                assert!(
                    (g - hand).abs() <= 1e-10 * hand.abs().max(1e-300),
                    "{name}, n = {n}, alpha = {alpha}: {g} vs {hand}"
                );
            }
        }
    }
}

/// A damped spring, `steps` Euler steps fitted to observed positions: the
/// recurrence's length is an argument.
#[differentiable]
fn spring_loss(p: &Vector2<f64>, dt: f64, steps: usize, observed: &[f64]) -> f64 {
    let (k, c) = (p.x, p.y);
    let mut x = 1.0;
    let mut v = 0.0;
    let mut loss = 0.0;
    for i in 0..steps {
        let a = -k * x - c * v;
        x = x + dt * v;
        v = v + dt * a;
        let r = x - observed[i % observed.len()];
        loss += r * r;
    }
    loss
}

#[test]
fn euler_steps_of_run_time_length_match_central_differences() {
    let observed: Vec<f64> = (0..50).map(|i| (0.2 * i as f64).cos() * 0.9).collect();
    let p = Vector2::new(2.0, 0.3);
    for steps in [0, 1, 2, 10, 64, 65, 300, 5000] {
        let (value, gradient) = spring_loss_grad(&p, 0.01, steps, &observed);
        assert_eq!(value, spring_loss(&p, 0.01, steps, &observed));
        tight()
            .run(|p| spring_loss(p, 0.01, steps, &observed), &p, &gradient)
            .unwrap_or_else(|e| panic!("steps = {steps}: {e}"));
    }
}

/// Newton's method for the square root, until the step is small: the trip
/// count depends on the differentiated value.
#[differentiable(jvp)]
fn newton_sqrt(a: f64) -> f64 {
    let mut x = a.max(1.0);
    let mut step: f64 = 1.0;
    while step.abs() > 1e-13 * x {
        step = (x * x - a) / (2.0 * x);
        x = x - step;
    }
    x
}

#[test]
fn newton_in_a_while_loop_differentiates_through_its_iterations() {
    for a in [0.25, 2.0, 10.0, 1e6] {
        let (value, gradient) = newton_sqrt_grad(a);
        assert!((value - a.sqrt()).abs() <= 1e-12 * a.sqrt());
        // Through the converged iterations, the derivative of sqrt.
        let hand = 0.5 / a.sqrt();
        let (_, tangent) = newton_sqrt_jvp(a, &1.0);
        assert!(
            (tangent - hand).abs() <= 1e-9 * hand,
            "jvp at {a}: {tangent}"
        );
        assert!(
            (gradient - hand).abs() <= 1e-9 * hand,
            "a = {a}: {gradient} vs {hand}"
        );
    }
}

/// `loop` with `break`, and a counter: the same recurrence written three
/// ways gives the same gradient.
#[differentiable]
fn decay_loop(x: f64, rate: f64, n: usize) -> f64 {
    let mut v = x;
    let mut i = 0;
    loop {
        if i >= n {
            break;
        }
        v = v - rate * v.sin();
        i += 1;
    }
    v
}

#[differentiable(jvp)]
fn decay_while(x: f64, rate: f64, n: usize) -> f64 {
    let mut v = x;
    let mut i = 0;
    while i < n {
        v = v - rate * v.sin();
        i += 1;
    }
    v
}

#[differentiable]
fn decay_for(x: f64, rate: f64, n: usize) -> f64 {
    let mut v = x;
    for _ in 0..n {
        v = v - rate * v.sin();
    }
    v
}

#[test]
fn loop_while_and_for_agree_with_central_differences() {
    for n in [0, 1, 5, 64, 65, 1000] {
        let x = 1.3;
        let (vl, gl) = decay_loop_grad(x, 0.1, n);
        let (vw, gw) = decay_while_grad(x, 0.1, n);
        let (vf, gf) = decay_for_grad(x, 0.1, n);
        assert_eq!((vl, vw), (vf, vf));
        let fd = common::central_difference(|x| decay_for(x, 0.1, n), x);
        let (_, tw) = decay_while_jvp(x, 0.1, n, &1.0, tapeless::NoTangent, tapeless::NoTangent);
        for g in [gl, gw, gf, tw] {
            assert!(
                (g - fd).abs() <= 1e-7 * fd.abs().max(1.0),
                "n = {n}: {g} vs {fd}"
            );
        }
    }
}

/// An accumulation in a `while` loop over an index.
#[differentiable]
fn while_sum(w: &Vector2<f64>, xs: &[f64]) -> f64 {
    let mut i = 0;
    let mut total = 0.0;
    while i < xs.len() {
        let r = w.x * xs[i] + w.y;
        total += r * r;
        i += 1;
    }
    total
}

#[test]
fn accumulation_in_a_while_loop_matches_hand_derivation() {
    let xs = [0.5, -1.0, 2.0, 3.5];
    let w = Vector2::new(0.7, -0.2);
    let (value, gradient) = while_sum_grad(&w, &xs);
    let mut hand = Vector2::zeros();
    let mut total = 0.0;
    for x in xs {
        let r = w.x * x + w.y;
        total += r * r;
        hand += Vector2::new(2.0 * r * x, 2.0 * r);
    }
    assert_eq!(value, total);
    assert!((gradient - hand).norm() <= 1e-12 * hand.norm());
}

/// A recurrent cell over a slice: `h = tanh(W h + u x)`, the loss the last
/// state's first component.
#[differentiable]
fn rnn(w: &Matrix2<f64>, u: &Vector2<f64>, xs: &[f64]) -> f64 {
    let mut h = Vector2::new(0.0, 0.0);
    for x in xs {
        let z = w * h + u * *x;
        h = Vector2::new(z.x.tanh(), z.y.tanh());
    }
    h.x + 0.5 * h.y
}

#[test]
fn recurrent_cell_over_a_slice_matches_central_differences() {
    let w = Matrix2::new(0.5, -0.3, 0.2, 0.4);
    let u = Vector2::new(0.8, -0.6);
    for n in [1, 7, 64, 65, 500] {
        let xs: Vec<f64> = (0..n).map(|i| (0.37 * i as f64).sin()).collect();
        let (value, gradient) = rnn_grad(&w, &u, &xs);
        assert_eq!(value, rnn(&w, &u, &xs));
        tight()
            .run(|w| rnn(w, &u, &xs), &w, &gradient)
            .unwrap_or_else(|e| panic!("n = {n}: {e}"));
    }
}

/// `while let` over the elements of a slice, by index.
#[differentiable]
fn while_let_product(x: f64, factors: &[f64]) -> f64 {
    let mut i = 0;
    let mut v = x;
    while let Some(f) = factors.get(i) {
        v = v * f + 0.1 * v.sin();
        i += 1;
    }
    v
}

#[test]
fn while_let_matches_central_differences() {
    let factors = [0.9, 1.1, 0.7, 1.3, 0.95];
    let x = 0.8;
    let (value, gradient) = while_let_product_grad(x, &factors);
    assert_eq!(value, while_let_product(x, &factors));
    let fd = common::central_difference(|x| while_let_product(x, &factors), x);
    assert!(
        (gradient - fd).abs() <= 1e-8 * fd.abs(),
        "{gradient} vs {fd}"
    );
}

// The four functions below were compile errors before checkpointing (their
// ui cases are now these passing tests).

#[differentiable]
fn repeated_roots(x: f64) -> f64 {
    let mut y = x;
    while y > 1.0 {
        y = y.sqrt();
    }
    y
}

#[differentiable]
fn doubling(x: f64) -> f64 {
    let mut y = x;
    loop {
        if y > 10.0 {
            break;
        }
        y = y * 2.0;
        continue;
    }
    y
}

/// Holt's linear smoothing: two recurrences and an accumulation.
#[differentiable]
fn holt(alpha: f64, data: &[f64]) -> f64 {
    let mut level = data[0];
    level = level * 1.0;
    let mut trend = 0.0;
    trend = trend + 0.0;
    let mut sse = 0.0;
    for t in data.iter() {
        sse += (t - level - trend) * (t - level - trend);
        level = level + alpha * (t - level);
        trend = 0.5 * trend + alpha * (t - level);
    }
    sse
}

#[differentiable]
fn iterate(s0: f64, c: f64, steps: usize) -> f64 {
    let mut s = s0;
    for _ in 0..steps {
        s = s - 0.3 * (s * c).sin();
    }
    s
}

#[test]
fn former_compile_errors_now_match_central_differences() {
    let check = |name: &str, g: f64, f: &dyn Fn(f64) -> f64, x: f64| {
        let fd = common::central_difference(f, x);
        assert!(
            (g - fd).abs() <= 1e-7 * fd.abs().max(1e-3),
            "{name} at {x}: {g} vs {fd}"
        );
    };
    for x in [0.5, 3.0, 70.0] {
        let (value, g) = repeated_roots_grad(x);
        assert_eq!(value, repeated_roots(x));
        check("repeated_roots", g, &repeated_roots, x);
        let (value, g) = doubling_grad(x);
        assert_eq!(value, doubling(x));
        check("doubling", g, &doubling, x);
    }
    let data = series(300);
    for alpha in [0.1, 0.6] {
        let (value, g) = holt_grad(alpha, &data);
        assert_eq!(value, holt(alpha, &data));
        check("holt", g, &|a| holt(a, &data), alpha);
    }
    for steps in [0, 3, 64, 65, 2000] {
        let (value, g) = iterate_grad(0.7, 1.3, steps);
        assert_eq!(value, iterate(0.7, 1.3, steps));
        check("iterate", g, &|s| iterate(s, 1.3, steps), 0.7);
    }
}

/// Both parameters of the smoothing against central differences, through
/// the checkpointed reverse sweep (the scale's derivative too).
#[test]
fn checkpointed_reverse_sweep_matches_central_differences_in_both_parameters() {
    for n in [2, 5, 64, 65, 130, 3000] {
        let ys = series(n);
        let p = nalgebra::Vector2::new(0.35, 1.2);
        let (_, (ga, gs)) = smoothing_sse_small_grad(p.x, p.y, &ys);
        let (_, (ga64, gs64)) = smoothing_sse_two_grad(p.x, p.y, &ys);
        assert_eq!((ga, gs), (ga64, gs64), "n = {n}");
        tight()
            .run(
                |p| smoothing_sse_small(p.x, p.y, &ys),
                &p,
                &nalgebra::Vector2::new(ga, gs),
            )
            .unwrap_or_else(|e| panic!("n = {n}: {e}"));
    }
}
