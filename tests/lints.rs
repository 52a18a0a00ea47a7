//! Generated code compiles cleanly under strict lints, and names nothing
//! through the user's scope: a local module called `tapeless` and local
//! items called like the runtime's cannot capture it.
#![deny(
    warnings,
    unused,
    unused_qualifications,
    rust_2018_idioms,
    missing_docs
)]
#![deny(clippy::all, clippy::pedantic)]

/// A local module with the crate's name: generated paths are absolute.
mod tapeless {}

/// Local items with the names generated code uses.
#[allow(dead_code, reason = "present only to collide")]
mod collisions {
    pub(crate) struct MulRule;
    pub(crate) struct Params;
    pub(crate) fn cotangent() {}
}
#[allow(unused_imports, reason = "present only to collide")]
use collisions::{MulRule, Params, cotangent};

use ::tapeless::differentiable;
use num_traits::Float;

/// A documented public function: its siblings are documented too.
#[differentiable(wrt = (x, scale))]
#[must_use]
pub fn strict(x: f64, scale: &f64, n: u32) -> f64 {
    let count = f64::from(n);
    let mut total = x * scale / count;
    if total > 1.0 {
        total = total.ln();
    } else if total < -1.0 {
        total *= -x;
    }
    let adj_of_total = 3.0; // a user name like the generated ones
    total.tanh() * adj_of_total + helper(x)
}

/// A helper with a generated rule.
#[differentiable]
#[must_use]
pub fn helper(x: f64) -> f64 {
    x.powi(2).max(0.5)
}

/// A generic function.
#[differentiable]
#[must_use]
pub fn generic<T: Float>(x: T, y: T) -> T {
    let v0 = x * y; // a user name like a generated temporary
    v0.sin() + x
}

/// Loops: a fused accumulator with branches, a replayed vector
/// accumulator and a recurrence.
#[differentiable]
#[must_use]
pub fn loops(w: &nalgebra::Vector3<f64>, data: &[nalgebra::Vector3<f64>]) -> f64 {
    let mut total = 0.0;
    for x in data {
        let activation = w.dot(x);
        if activation > 0.0 {
            total += activation;
        } else {
            total -= activation * activation;
        }
    }
    let mut sum = nalgebra::Vector3::zeros();
    for x in data {
        sum += x.component_mul(w);
    }
    let mut s = total;
    for _ in 0..4 {
        s = (s * 0.5).sin() + s;
    }
    s + sum.norm()
}

/// A chain over neighbouring elements, forwards and backwards: the
/// adjoints carried across iterations (`carried_adj_of_x`, `last_i`).
#[differentiable]
#[must_use]
pub fn neighbours(x: &nalgebra::Vector4<f64>) -> f64 {
    let mut total = 0.0;
    for i in 0..3 {
        let a = x[i + 1] - x[i] * x[i];
        total += 100.0 * a * a;
    }
    let mut back = 0.0;
    for i in (1..4).rev() {
        back += x[i] * x[i - 1];
    }
    total + back
}

/// An inner lint attribute in the body applies to the siblings too (as an
/// outer attribute there: the malformed-input corpus found it copied as an
/// inner one, which does not compile).
#[differentiable]
#[must_use]
pub fn inner_attribute(x: f64) -> f64 {
    #![allow(clippy::float_cmp, reason = "an exact comparison on purpose")]
    if x == 1.0 { 2.0 * x } else { x * x }
}

/// Run-time-length recurrences: a checkpointed `for` loop over data, a
/// `while` loop until convergence and a `loop` with `break`.
#[differentiable(snapshots = 8)]
#[must_use]
pub fn runtime_lengths(alpha: f64, data: &[f64]) -> f64 {
    let mut level = 0.0;
    let mut sse = 0.0;
    for y in data {
        let error = y - level;
        sse += error * error;
        level += alpha * error;
    }
    let mut x = sse.max(1.0);
    let mut step: f64 = 1.0;
    while step.abs() > 1e-12 {
        step = (x * x - sse) / (2.0 * x);
        x -= step;
    }
    let mut y = x;
    loop {
        if y < 1.0 {
            break;
        }
        y *= 0.5;
    }
    y
}

#[test]
fn strict_lints_and_hygiene() {
    let x = nalgebra::Vector4::new(-1.2, 1.0, 0.5, 2.0);
    let (value, gradient) = neighbours_grad(&x);
    assert_eq!(value.to_bits(), neighbours(&x).to_bits());
    assert!(gradient.iter().all(|g| g.is_finite()));
    let (value, dx) = inner_attribute_grad(3.0);
    assert_eq!((value, dx), (9.0, 6.0));
    assert_eq!(inner_attribute_grad(1.0), (2.0, 2.0));
    let data = [1.0, 2.0, 1.5, 3.0, 2.5, 4.0, 3.5, 5.0, 4.5, 6.0, 5.5];
    let (value, gradient) = runtime_lengths_grad(0.3, &data);
    assert_eq!(value.to_bits(), runtime_lengths(0.3, &data).to_bits());
    assert!(gradient.is_finite());
    let (value, (dx, dscale)) = strict_grad(0.5, &2.0, 4);
    assert_eq!(value.to_bits(), strict(0.5, &2.0, 4).to_bits());
    assert!(dx.is_finite() && dscale.is_finite());
    let (value, dx) = generic_grad(0.5_f64, 2.0);
    assert_eq!(value.to_bits(), generic(0.5_f64, 2.0).to_bits());
    assert!((dx - (2.0 * 1.0_f64.cos() + 1.0)).abs() < 1e-15);
    let data = [
        nalgebra::Vector3::new(1.0, -2.0, 0.5),
        nalgebra::Vector3::new(0.3, 0.1, -1.0),
    ];
    let w = nalgebra::Vector3::new(0.2, 0.4, -0.6);
    let (value, gradient) = loops_grad(&w, &data);
    assert_eq!(value.to_bits(), loops(&w, &data).to_bits());
    assert!(gradient.norm().is_finite());
}
