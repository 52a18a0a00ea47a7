//! Forward mode and second order: every sibling of
//! `#[differentiable(jvp, jacobian, hessian)]` against hand derivations and
//! central differences.

#![allow(
    dead_code,
    reason = "some primals are only called through their generated siblings"
)]

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
    let (w, b, x, y) = (
        Vector3::new(0.5, -1.0, 2.0),
        0.3,
        Vector3::new(1.0, 2.0, -0.5),
        0.7,
    );
    let (dw, db) = (Vector3::new(0.1, 0.2, -0.3), -0.4);
    let (value, tangent) = linear_jvp(&w, b, &x, y, &dw, &db, NoTangent, NoTangent);
    let r = w.dot(&x) + b - y;
    assert_eq!(value, r * r);
    assert_close(tangent, 2.0 * r * (dw.dot(&x) + db), 1e-14, "linear");
    // The gradient and the jvp agree: ⟨∇f, d⟩.
    let (_, (gw, gb)) = linear_grad(&w, b, &x, y);
    assert_close(tangent, gw.dot(&dw) + gb * db, 1e-14, "linear vs grad");
}

// --- loops, branches, match, early exits ------------------------------------

const STEPS: usize = 40;

#[differentiable(jvp, hessian)]
fn recurrence(p: &SVector<f64, 2>, steps: usize) -> f64 {
    let mut s = p[0];
    for _ in 0..STEPS {
        if steps == 0 {
            break;
        }
        s = s - 0.3 * (s * p[1]).sin();
    }
    s * s
}

#[differentiable(jvp, hessian)]
fn data_loop(p: &Vector3<f64>, xs: &[f64], ys: &[f64]) -> f64 {
    let mut total = 0.0;
    for (x, y) in xs.iter().zip(ys.iter()) {
        if *x > 2.5 {
            break;
        }
        if *y < 0.0 {
            continue;
        }
        let r = p.x * (p.y * x).exp() + p.z - y;
        total += r * r;
    }
    total / xs.len() as f64
}

#[differentiable(jvp, hessian)]
fn piecewise(p: &Vector2<f64>, mode: u8) -> f64 {
    let t = p[0] * p[1];
    if t > 1.0 {
        return t.ln() * p[0];
    }
    let scaled = match mode {
        0 => t * 2.0,
        1 => t.powi(3) - p[1],
        _ => t.tanh() / p[0],
    };
    let base = if let Some(offset) = Some(0.5) {
        scaled + offset
    } else {
        scaled
    };
    base * base
}

/// Checks `f_jvp` along several directions against central differences of
/// the primal.
fn check_jvp<const N: usize>(
    f: impl Fn(&SVector<f64, N>) -> f64,
    jvp: impl Fn(&SVector<f64, N>, &SVector<f64, N>) -> (f64, f64),
    x: &SVector<f64, N>,
    what: &str,
) {
    for seed in 0..3 {
        let direction =
            SVector::<f64, N>::from_fn(|i, _| ((i + 1) as f64 * 0.7 + seed as f64).sin());
        let (value, tangent) = jvp(x, &direction);
        assert_eq!(value, f(x), "{what}: value");
        assert_close(tangent, directional(&f, x, &direction), 1e-6, what);
    }
}

/// Checks `f_hessian` and `f_hvp` against central differences of the
/// gradient (`_grad`, reverse mode: an independent code path).
fn check_hessian<const N: usize>(
    grad: impl Fn(&SVector<f64, N>) -> (f64, SVector<f64, N>),
    hessian: impl Fn(&SVector<f64, N>) -> (f64, SVector<f64, N>, SMatrix<f64, N, N>),
    hvp: impl Fn(&SVector<f64, N>, &SVector<f64, N>) -> (f64, SVector<f64, N>, SVector<f64, N>),
    x: &SVector<f64, N>,
    what: &str,
) {
    let (value, gradient) = grad(x);
    let (h_value, h_gradient, h) = hessian(x);
    assert_eq!(h_value, value, "{what}: value");
    for i in 0..N {
        assert_close(
            h_gradient[i],
            gradient[i],
            1e-12,
            &format!("{what}: gradient {i}"),
        );
        let e = SVector::<f64, N>::from_fn(|k, _| if k == i { 1.0 } else { 0.0 });
        let step = 1e-5;
        let column = (grad(&(x + e * step)).1 - grad(&(x - e * step)).1) / (2.0 * step);
        for j in 0..N {
            assert_close(h[(j, i)], column[j], 1e-6, &format!("{what}: H[{j}, {i}]"));
        }
    }
    let v = SVector::<f64, N>::from_fn(|i, _| 0.3 - 0.2 * i as f64);
    let (p_value, p_gradient, product) = hvp(x, &v);
    assert_eq!(p_value, value);
    assert_eq!(p_gradient, h_gradient);
    let expected = h * v;
    for i in 0..N {
        assert_close(
            product[i],
            expected[i],
            1e-12,
            &format!("{what}: (Hv)[{i}]"),
        );
    }
}

#[test]
fn loops_and_recurrences() {
    let p = SVector::<f64, 2>::new(0.8, 1.3);
    for steps in [0, 1] {
        check_jvp(
            |p| recurrence(p, steps),
            |p, d| recurrence_jvp(p, steps, d, NoTangent),
            &p,
            "recurrence",
        );
        check_hessian(
            |p| recurrence_grad(p, steps),
            |p| recurrence_hessian(p, steps),
            |p, v| recurrence_hvp(p, steps, v),
            &p,
            "recurrence",
        );
    }
    let xs = [0.1, 0.5, -1.0, 1.2, 2.0, 3.0, 0.2];
    let ys = [0.3, -0.2, 0.5, 1.0, 2.5, 0.0, 0.1];
    let p = Vector3::new(0.7, 0.4, -0.2);
    check_jvp(
        |p| data_loop(p, &xs, &ys),
        |p, d| data_loop_jvp(p, &xs, &ys, d, NoTangent, NoTangent),
        &p,
        "data_loop",
    );
    check_hessian(
        |p| data_loop_grad(p, &xs, &ys),
        |p| data_loop_hessian(p, &xs, &ys),
        |p, v| data_loop_hvp(p, &xs, &ys, v),
        &p,
        "data_loop",
    );
}

#[test]
fn branches_match_if_let_and_early_return() {
    for (p, mode) in [
        (Vector2::new(0.5, 0.7), 0),
        (Vector2::new(0.5, 0.7), 1),
        (Vector2::new(0.5, -0.7), 2),
        (Vector2::new(2.0, 0.9), 1),
    ] {
        check_jvp(
            |p| piecewise(p, mode),
            |p, d| piecewise_jvp(p, mode, d, NoTangent),
            &p,
            "piecewise",
        );
        check_hessian(
            |p| piecewise_grad(p, mode),
            |p| piecewise_hessian(p, mode),
            |p, v| piecewise_hvp(p, mode, v),
            &p,
            "piecewise",
        );
    }
}

// --- calls between annotated functions, custom rules -------------------------

#[differentiable(jvp)]
fn softplus(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

/// A plain function with a hand-written forward rule (and reverse rule).
fn cube(x: f64) -> f64 {
    x * x * x
}

fn cube_jvp(x: f64, tangent: &f64) -> (f64, f64) {
    (x * x * x, 3.0 * x * x * tangent)
}

fn cube_vjp(x: f64) -> (f64, impl FnOnce(f64) -> (f64,)) {
    (x * x * x, move |adjoint| (3.0 * x * x * adjoint,))
}

#[differentiable(jvp)]
fn composed(p: &Vector2<f64>) -> f64 {
    softplus(p[0] * p[1]) + cube(p[1]) * 2.0
}

#[test]
fn calls_link_to_jvp_siblings_and_custom_rules() {
    let p = Vector2::new(0.4, -1.1);
    check_jvp(composed, |p, d| composed_jvp(p, d), &p, "composed");
    // By hand: ∂/∂p₀ = σ(p₀p₁)·p₁, ∂/∂p₁ = σ(p₀p₁)·p₀ + 6p₁².
    let sigma = 1.0 / (1.0 + (-(p[0] * p[1])).exp());
    let (_, along_0) = composed_jvp(&p, &Vector2::new(1.0, 0.0));
    let (_, along_1) = composed_jvp(&p, &Vector2::new(0.0, 1.0));
    assert_close(along_0, sigma * p[1], 1e-14, "composed ∂0");
    assert_close(
        along_1,
        sigma * p[0] + 6.0 * p[1] * p[1],
        1e-14,
        "composed ∂1",
    );
}

// --- generic scalars, f32 ------------------------------------------------------

#[differentiable(jvp)]
fn generic<T: nalgebra::RealField + Copy>(x: T, c: T) -> T {
    let u = x * c + x.sin();
    u * u.exp() / (T::one() + x * x)
}

#[test]
fn generic_functions_stay_generic() {
    for x in [-0.8, 0.3, 1.7] {
        let (value, tangent) = generic_jvp(x, 1.5, &1.0, NoTangent);
        assert_eq!(value, generic(x, 1.5));
        let h = 1e-6;
        let numeric = (generic(x + h, 1.5) - generic(x - h, 1.5)) / (2.0 * h);
        assert_close(tangent, numeric, 1e-7, "generic f64");
        // By hand: u = cx + sin x, f = u·eᵘ/(1 + x²).
        let (u, du) = (1.5 * x + x.sin(), 1.5 + x.cos());
        let expected = (du * u.exp() * (1.0 + u)) / (1.0 + x * x)
            - 2.0 * x * u * u.exp() / ((1.0 + x * x) * (1.0 + x * x));
        assert_close(tangent, expected, 1e-13, "generic by hand");
        let (value32, tangent32) = generic_jvp(x as f32, 1.5_f32, &1.0_f32, NoTangent);
        assert!((f64::from(value32) - value).abs() < 1e-5 * value.abs().max(1.0));
        assert!(
            (f64::from(tangent32) - tangent).abs() < 1e-5 * tangent.abs().max(1.0),
            "f32: {tangent32} vs {tangent}"
        );
    }
}

// --- Jacobians -------------------------------------------------------------------

#[differentiable(jacobian)]
fn polar(q: &Vector2<f64>) -> Vector3<f64> {
    let r = q[0];
    let angle = q[1];
    Vector3::new(r * angle.cos(), r * angle.sin(), r * r)
}

#[differentiable(jacobian, jvp)]
fn affine(x: &Vector3<f64>, a: &SMatrix<f64, 2, 3>) -> Vector2<f64> {
    let y = a * x;
    y.component_mul(&y) + y * x.norm()
}

#[test]
fn jacobians_match_hand_derivations_and_differences() {
    let q = Vector2::new(1.5, 0.4);
    let (value, jacobian) = polar_jacobian(&q);
    assert_eq!(value, polar(&q));
    let expected = SMatrix::<f64, 3, 2>::new(
        q[1].cos(),
        -q[0] * q[1].sin(),
        q[1].sin(),
        q[0] * q[1].cos(),
        2.0 * q[0],
        0.0,
    );
    assert!(
        (jacobian - expected).abs().max() < 1e-15,
        "{jacobian} vs {expected}"
    );

    let x = Vector3::new(0.2, -0.5, 1.1);
    let a = SMatrix::<f64, 2, 3>::new(1.0, 2.0, -1.0, 0.5, 0.0, 3.0);
    let (value, jacobian) = affine_jacobian(&x, &a);
    assert_eq!(value, affine(&x, &a));
    for column in 0..3 {
        let h = 1e-6;
        let mut e = Vector3::zeros();
        e[column] = h;
        let numeric = (affine(&(x + e), &a) - affine(&(x - e), &a)) / (2.0 * h);
        for row in 0..2 {
            assert_close(jacobian[(row, column)], numeric[row], 1e-7, "affine");
        }
    }
}

// --- Hessians against hyper-dual numbers (num-dual) -------------------------------

#[differentiable(hessian, jvp)]
fn rat43(b: &SVector<f64, 4>, x: f64, y: f64) -> f64 {
    let r = b[0] / (1.0 + (b[1] - b[2] * x).exp()).powf(1.0 / b[3]) - y;
    r * r
}

fn rat43_hyperdual(b: [num_dual::HyperDual64; 4], x: f64, y: f64) -> num_dual::HyperDual64 {
    use num_dual::DualNum;
    let one = num_dual::HyperDual64::from(1.0);
    // xᵖ written as exp(p·ln x): num-dual's powf takes a constant exponent.
    let base = one + (b[1] - b[2] * x).exp();
    let r = b[0] / (base.ln() / b[3]).exp() - y;
    r * r
}

#[test]
fn hessian_matches_hyper_dual_numbers() {
    let b = SVector::<f64, 4>::new(699.6, 5.27, 0.76, 1.28);
    for (x, y) in [(1.0, 16.08), (4.0, 33.83), (9.0, 272.52), (15.0, 663.32)] {
        let (value, gradient, hessian) = rat43_hessian(&b, x, y);
        assert_eq!(value, rat43(&b, x, y));
        for i in 0..4 {
            for j in 0..4 {
                let dual: [num_dual::HyperDual64; 4] = core::array::from_fn(|k| {
                    num_dual::HyperDual64::new(
                        b[k],
                        if k == i { 1.0 } else { 0.0 },
                        if k == j { 1.0 } else { 0.0 },
                        0.0,
                    )
                });
                let reference = rat43_hyperdual(dual, x, y);
                assert_close(
                    hessian[(i, j)],
                    reference.eps1eps2,
                    1e-12,
                    &format!("H[{i}, {j}] at x = {x}"),
                );
                assert_close(
                    gradient[i],
                    reference.eps1,
                    1e-12,
                    &format!("g[{i}] at x = {x}"),
                );
            }
        }
        check_hessian(
            |b| rat43_grad(b, x, y),
            |b| rat43_hessian(b, x, y),
            |b, v| rat43_hvp(b, x, y, v),
            &b,
            "rat43",
        );
    }
}

#[differentiable(jvp, wrt = (x, s))]
fn scaled_norm(x: &Vector3<f64>, s: f64) -> f64 {
    x.norm() * s
}

#[differentiable(jvp)]
fn caller_with_constant(x: &Vector3<f64>) -> f64 {
    // `s` is differentiated by the callee but constant here: its tangent
    // is `NoTangent`, a zero.
    scaled_norm(x, 0.5) * x.z
}

#[test]
fn constant_arguments_of_differentiated_parameters_get_zero_tangents() {
    let x = Vector3::new(0.3, -1.2, 0.8);
    check_jvp(
        caller_with_constant,
        |x, d| caller_with_constant_jvp(x, d),
        &x,
        "caller_with_constant",
    );
    // The same sibling called directly with `NoTangent` for `s`.
    let (_, tangent) = scaled_norm_jvp(&x, 0.5, &Vector3::new(1.0, 0.0, 0.0), NoTangent);
    assert_close(tangent, 0.5 * x.x / x.norm(), 1e-15, "scaled_norm");
    let (_, tangent) = scaled_norm_jvp(&x, 0.5, NoTangent, &1.0);
    assert_close(tangent, x.norm(), 1e-15, "scaled_norm along s");
}

// Second order through calls: each callee has `hessian` too, and the call
// links to its `_jvp2`, which takes the caller's tangents in every lane
// (the second-order ones included: the arguments below are not the
// function's own parameters, and their second-order tangents are not zero).

#[differentiable(hessian)]
fn softened(x: f64) -> f64 {
    (1.0 + x * x).sqrt()
}

#[differentiable(hessian, wrt = b)]
fn decay(b: &SVector<f64, 3>, t: f64) -> f64 {
    b[0] * (-b[1] * t).exp() + b[2]
}

#[differentiable(hessian)]
fn decay_loss(b: &SVector<f64, 3>, ts: &[f64], ys: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..ts.len() {
        let r = decay(b, ts[i]) - ys[i];
        total += softened(r * b[1]);
    }
    total + softened(b[0] * b[2]).ln()
}

#[test]
fn hessians_through_calls() {
    let ts = [0.0, 0.4, 1.1, 2.0, 3.5];
    let ys = [2.1, 1.6, 1.0, 0.7, 0.4];
    for b in [
        SVector::<f64, 3>::new(2.0, 0.6, 0.3),
        SVector::<f64, 3>::new(-1.0, 1.4, 0.9),
    ] {
        check_hessian(
            |b| decay_loss_grad(b, &ts, &ys),
            |b| decay_loss_hessian(b, &ts, &ys),
            |b, v| decay_loss_hvp(b, &ts, &ys, v),
            &b,
            "decay_loss",
        );
    }
    // A scalar argument: the Hessian is the second derivative, a scalar.
    for x in [-2.0, 0.0, 0.7] {
        let (value, derivative, second) = softened_hessian(x);
        let s = (1.0_f64 + x * x).sqrt();
        assert_eq!(value, s);
        assert_close(derivative, x / s, 1e-15, "softened'");
        assert_close(second, 1.0 / (s * s * s), 1e-15, "softened''");
        let (_, _, product) = softened_hvp(x, &3.0);
        assert_close(product, 3.0 / (s * s * s), 1e-15, "softened'' · 3");
    }
}

/// A generic scalar and a generic dimension.
#[differentiable(hessian)]
fn generic_rosenbrock<T: nalgebra::RealField + Copy, const N: usize>(x: &SVector<T, N>) -> T {
    let hundred: T = nalgebra::convert(100.0);
    let mut total = T::zero();
    for i in 0..N - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = T::one() - x[i];
        total += a * a * hundred + b * b;
    }
    total
}

#[test]
fn generic_hessians() {
    let x = SVector::<f64, 4>::new(-1.2, 1.0, 0.8, 1.1);
    check_hessian(
        generic_rosenbrock_grad::<f64, 4>,
        generic_rosenbrock_hessian::<f64, 4>,
        generic_rosenbrock_hvp::<f64, 4>,
        &x,
        "generic_rosenbrock",
    );
    // By hand: ∂²/∂xᵢ² of the i-th term, 1200xᵢ² − 400xᵢ₊₁ + 2, and 200 on
    // the next coordinate's diagonal; −400xᵢ off the diagonal.
    let (_, _, h) = generic_rosenbrock_hessian::<f64, 4>(&x);
    let mut expected = SMatrix::<f64, 4, 4>::zeros();
    for i in 0..3 {
        expected[(i, i)] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
        expected[(i + 1, i + 1)] += 200.0;
        expected[(i, i + 1)] = -400.0 * x[i];
        expected[(i + 1, i)] = -400.0 * x[i];
    }
    for (ours, theirs) in h.iter().zip(expected.iter()) {
        assert_close(
            *ours,
            *theirs,
            1e-13,
            "generic_rosenbrock's Hessian by hand",
        );
    }
    // The same function in f32.
    let x32 = x.map(|v| v as f32);
    let (_, _, h32) = generic_rosenbrock_hessian::<f32, 4>(&x32);
    for (ours, theirs) in h32.iter().zip(expected.iter()) {
        assert!(
            (f64::from(*ours) - theirs).abs() <= 1e-4 * theirs.abs().max(1.0),
            "f32: {ours} against {theirs}"
        );
    }
}
