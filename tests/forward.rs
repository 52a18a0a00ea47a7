//! Forward mode and second order: every sibling of
//! `#[differentiable(jvp, jacobian, hessian)]` against hand derivations and
//! central differences.

use nalgebra::{SMatrix, SVector, Vector2, Vector3};
use tapeless::{NoTangent, differentiable};

/// `|a − b| ≤ tol·max(1, |b|)`.
fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tolerance * expected.abs().max(1.0),
        "{what}: {actual} vs {expected}"
    );
}

/// The central difference of `f` at `x` along `direction`, with step `h`.
fn directional<const N: usize>(
    f: impl Fn(&SVector<f64, N>) -> f64,
    x: &SVector<f64, N>,
    direction: &SVector<f64, N>,
) -> f64 {
    let h = 1e-6;
    (f(&(x + direction * h)) - f(&(x - direction * h))) / (2.0 * h)
}

#[differentiable(jvp)]
fn cube_sin(x: f64) -> f64 {
    let r = x * x * x;
    r.sin() / x
}

#[test]
fn scalar_jvp_matches_the_hand_derivation() {
    for x in [-1.3, 0.4, 2.0] {
        let (value, tangent) = cube_sin_jvp(x, &1.5);
        assert_eq!(value, cube_sin(x));
        // d/dx sin(x³)/x = 3x·cos(x³) − sin(x³)/x²
        let expected = 3.0 * x * (x * x * x).cos() - (x * x * x).sin() / (x * x);
        assert_close(tangent, 1.5 * expected, 1e-13, "cube_sin");
    }
}

#[differentiable(jvp, wrt = (w, b))]
fn linear(w: &Vector3<f64>, b: f64, x: &Vector3<f64>, y: f64) -> f64 {
    let r = w.dot(x) + b - y;
    r * r
}

#[test]
fn several_differentiated_arguments_take_one_tangent_each() {
    let (w, b, x, y) = (Vector3::new(0.5, -1.0, 2.0), 0.3, Vector3::new(1.0, 2.0, -0.5), 0.7);
    let (dw, db) = (Vector3::new(0.1, 0.2, -0.3), -0.4);
    let (value, tangent) = linear_jvp(&w, b, &x, y, &dw, &db, NoTangent, NoTangent);
    let r = w.dot(&x) + b - y;
    assert_eq!(value, r * r);
    assert_close(tangent, 2.0 * r * (dw.dot(&x) + db), 1e-14, "linear");
    // The gradient and the jvp agree: ⟨∇f, d⟩.
    let (_, (gw, gb)) = linear_grad(&w, b, &x, y);
    assert_close(tangent, gw.dot(&dw) + gb * db, 1e-14, "linear vs grad");
}
