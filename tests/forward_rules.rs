//! Every operator and built-in method in forward mode: the first derivative
//! from `_jvp` against the reverse-mode gradient and central differences of
//! the primal, the second derivative from `_hessian` against central
//! differences of `_jvp` (the `_second` rules against the `_jvp` rules).

#![allow(
    dead_code,
    reason = "the primals are only called through their generated siblings"
)]

use nalgebra::{SMatrix, SVector, Vector1, Vector3};
use tapeless::differentiable;

fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tolerance * expected.abs().max(1.0),
        "{what}: {actual} vs {expected}"
    );
}

/// One function of a scalar `x = v[0]` per case (in a module named after
/// the case), and a test of its first and second derivatives at each point.
macro_rules! scalar_cases {
    ($($name:ident($x:ident) = $body:expr, at [$($point:expr),+ $(,)?];)+) => {
        $(
            mod $name {
                use super::*;
                #[differentiable(jvp, hessian)]
                pub(super) fn f(v: &Vector1<f64>) -> f64 {
                    let $x = v[0];
                    $body
                }
            }
        )+

        #[test]
        fn scalar_methods_to_second_order() {
            $(
                for point in [$($point),+] {
                    let what = format!("{} at {point}", stringify!($name));
                    let f = |x: f64| $name::f(&Vector1::new(x));
                    let jvp = |x: f64| $name::f_jvp(&Vector1::new(x), &Vector1::new(1.0)).1;
                    let (value, tangent) = $name::f_jvp(&Vector1::new(point), &Vector1::new(1.0));
                    assert_eq!(value, f(point), "{what}: value");
                    let (_, gradient) = $name::f_grad(&Vector1::new(point));
                    assert_close(tangent, gradient[0], 1e-13, &format!("{what}: jvp vs grad"));
                    let h = 1e-6;
                    assert_close(tangent, (f(point + h) - f(point - h)) / (2.0 * h), 1e-6, &format!("{what}: jvp vs differences"));
                    let (h_value, h_gradient, hessian) = $name::f_hessian(&Vector1::new(point));
                    assert_eq!(h_value, value);
                    assert_close(h_gradient[0], tangent, 1e-13, &format!("{what}: hessian's gradient"));
                    let h = 1e-5;
                    let numeric = (jvp(point + h) - jvp(point - h)) / (2.0 * h);
                    assert_close(hessian[(0, 0)], numeric, 1e-6, &format!("{what}: second derivative"));
                }
            )+
        }
    };
}

scalar_cases! {
    exp(x) = x.exp(), at [-2.5, 0.3, 1.9];
    exp2(x) = x.exp2(), at [-2.5, 0.3, 1.9];
    exp_m1(x) = x.exp_m1(), at [-2.5, 0.3, 1.9];
    ln(x) = x.ln(), at [0.2, 1.0, 7.0];
    ln_1p(x) = x.ln_1p(), at [-0.9, 0.3, 7.0];
    log2(x) = x.log2(), at [0.2, 2.5];
    log10(x) = x.log10(), at [0.2, 2.5];
    sqrt(x) = x.sqrt(), at [0.2, 2.5, 7.0];
    cbrt(x) = x.cbrt(), at [-2.5, 0.2, 7.0];
    recip(x) = x.recip(), at [-2.5, 0.3, 1.9];
    sin(x) = x.sin(), at [-2.5, 0.0, 1.9];
    cos(x) = x.cos(), at [-2.5, 0.0, 1.9];
    tan(x) = x.tan(), at [-0.7, 0.3, 1.2];
    asin(x) = x.asin(), at [-0.9, 0.2, 0.75];
    acos(x) = x.acos(), at [-0.9, 0.2, 0.75];
    atan(x) = x.atan(), at [-2.5, 0.3, 1.9];
    sinh(x) = x.sinh(), at [-2.5, 0.3, 1.9];
    cosh(x) = x.cosh(), at [-2.5, 0.3, 1.9];
    tanh(x) = x.tanh(), at [-2.5, 0.3, 1.9];
    asinh(x) = x.asinh(), at [-2.5, 0.3, 1.9];
    acosh(x) = x.acosh(), at [1.2, 3.0];
    atanh(x) = x.atanh(), at [-0.9, 0.3, 0.75];
    abs(x) = x.abs() * x, at [-2.5, 1.9];
    to_degrees(x) = x.to_degrees() * x, at [-2.5, 1.9];
    to_radians(x) = x.to_radians() * x, at [-2.5, 1.9];
    fract(x) = x.fract() * x, at [-2.3, 1.4];
    powi3(x) = x.powi(3), at [-2.5, 0.3, 1.9];
    powi_neg2(x) = x.powi(-2), at [-2.5, 0.3, 1.9];
    powf_base(x) = x.powf(2.7), at [0.3, 1.9];
    powf_exponent(x) = 1.7_f64.powf(x * x), at [-1.5, 0.3, 1.9];
    powf_both(x) = (x * 0.5 + 1.0).powf(x), at [-0.5, 0.3, 1.9];
    log_value(x) = (x * x + 1.0).log(3.0), at [-1.5, 0.3];
    log_base(x) = 5.0_f64.log(x + 2.0), at [-0.5, 0.3, 1.9];
    log_both(x) = (x * x + 1.0).log(x + 2.0), at [-0.5, 0.3, 1.9];
    atan2_y(x) = (x * x).atan2(0.7), at [-1.5, 0.3];
    atan2_x(x) = 0.7_f64.atan2(x), at [-1.5, 0.3];
    atan2_both(x) = (x * x).atan2(x + 2.0), at [-1.5, 0.3];
    hypot_both(x) = (x * x).hypot(x - 2.0), at [-1.5, 0.3];
    max_lhs(x) = (x * x).max(0.5) * x, at [-1.5, 0.3];
    min_rhs(x) = 0.5_f64.min(x.sin()) * x, at [-1.5, 1.3];
    clamp_value(x) = (x * x).clamp(0.1, 2.0) * x, at [-1.5, 0.2, 1.0];
    mul_add_all(x) = x.mul_add(x * x, x.sin()), at [-1.5, 0.3];
    quotient(x) = (x.sin() + 2.0) / (x * x + 1.0), at [-1.5, 0.3];
    product(x) = (x + 1.0) * x.exp() * (2.0 - x), at [-1.5, 0.3];
    negation(x) = -(x * x) - (3.0 - x.cos()), at [-1.5, 0.3];
}

// --- matrices and vectors --------------------------------------------------------

#[differentiable(jvp, hessian)]
fn vectors(p: &Vector3<f64>, a: &SMatrix<f64, 2, 3>) -> f64 {
    let y = a * p;
    let squares = y.component_mul(&y);
    let z = squares.component_div(&(squares + SVector::<f64, 2>::new(1.0, 2.0)));
    let w = Vector3::new(p.x * p.y, p.z, 1.0);
    let m = w * w.transpose();
    let unit = p / p.norm();
    z.dot(&y) + p.norm() * w.norm_squared() + m.sum() * 0.1 + unit.mean() + w.max() - p.min()
        + p.abs().sum()
}

#[test]
fn matrix_methods_to_second_order() {
    let a = SMatrix::<f64, 2, 3>::new(1.0, 2.0, -1.0, 0.5, 0.0, 3.0);
    for p in [Vector3::new(0.2, -0.5, 1.1), Vector3::new(-1.3, 0.4, 0.9)] {
        let (value, gradient) = vectors_grad(&p, &a);
        let (_, h_gradient, hessian) = vectors_hessian(&p, &a);
        for i in 0..3 {
            let mut e = Vector3::zeros();
            e[i] = 1.0;
            let (v, tangent) = vectors_jvp(&p, &a, &e, tapeless::NoTangent);
            assert_eq!(v, value);
            let h = 1e-6;
            let numeric = (vectors(&(p + e * h), &a) - vectors(&(p - e * h), &a)) / (2.0 * h);
            assert_close(tangent, numeric, 1e-7, "vectors: jvp vs differences");
            assert_close(tangent, gradient[i], 1e-13, "vectors: jvp vs grad");
            assert_close(
                h_gradient[i],
                gradient[i],
                1e-13,
                "vectors: hessian's gradient",
            );
            let h = 1e-5;
            let column =
                (vectors_grad(&(p + e * h), &a).1 - vectors_grad(&(p - e * h), &a).1) / (2.0 * h);
            for j in 0..3 {
                assert_close(
                    hessian[(j, i)],
                    column[j],
                    1e-6,
                    &format!("vectors: H[{j}, {i}]"),
                );
            }
        }
    }
}

/// The runtime's `_jvp2` rules of the activations (what a function with a
/// `hessian` links `nn::sigmoid(x)` and the others to): the first-order
/// lanes against their `_jvp`, the second-order ones against central
/// differences of `_jvp` along `v`, with a nonzero `x_uv` too.
#[test]
fn activation_jvp2_rules_match_differences_of_their_jvp() {
    use nalgebra::{Matrix3x2, Vector3};
    use tapeless::NoTangent;
    use tapeless::forward::Hyper;
    use tapeless::nn;
    let x = Vector3::new(-1.3, 0.4, 2.2);
    let (u, v, uv) = (
        [Vector3::new(0.5, -1.0, 0.3), Vector3::new(0.2, 0.7, -0.4)],
        [Vector3::new(-0.6, 0.1, 0.9)],
        [
            [Vector3::new(0.05, -0.02, 0.1)],
            [Vector3::new(-0.3, 0.2, 0.0)],
        ],
    );
    let hyper = Hyper {
        u: &u,
        v: &v,
        uv: Some(&uv),
    };
    let h = 1e-5;
    macro_rules! check {
        ($name:literal, $jvp:expr, $jvp2:expr) => {{
            let (name, jvp, jvp2) = ($name, $jvp, $jvp2);
            let (y, y_u, y_v, y_uv) = jvp2(x, hyper);
            assert_eq!(y, jvp(x, &u[0]).0, "{name}: value");
            for i in 0..2 {
                assert!(
                    (y_u[i] - jvp(x, &u[i]).1).norm() <= 1e-14,
                    "{name}: u lane {i}"
                );
                // d/dε of (f'(x + εv)·(u + ε·uv)).
                let moved = |e: f64| jvp(x + v[0] * e, &(u[i] + uv[i][0] * e)).1;
                let expected = (moved(h) - moved(-h)) / (2.0 * h);
                assert!(
                    (y_uv[i][0] - expected).norm() <= 1e-8,
                    "{name}: uv lane {i}: {} against {expected}",
                    y_uv[i][0]
                );
            }
            assert!((y_v[0] - jvp(x, &v[0]).1).norm() <= 1e-14, "{name}: v lane");
        }};
    }
    check!("relu", nn::relu_jvp, nn::relu_jvp2);
    check!("sigmoid", nn::sigmoid_jvp, nn::sigmoid_jvp2);
    check!("tanh", nn::tanh_jvp, nn::tanh_jvp2);
    check!("gelu", nn::gelu_jvp, nn::gelu_jvp2);
    check!("gelu_tanh", nn::gelu_tanh_jvp, nn::gelu_tanh_jvp2);
    check!("silu", nn::silu_jvp, nn::silu_jvp2);
    check!(
        "softplus",
        |x: Vector3<f64>, t: &Vector3<f64>| nn::softplus_jvp(x, 1.5, 20.0, t, NoTangent, NoTangent),
        |x, t| nn::softplus_jvp2(x, 1.5, 20.0, t, NoTangent, NoTangent)
    );
    check!(
        "elu",
        |x: Vector3<f64>, t: &Vector3<f64>| nn::elu_jvp(x, 0.8, t, NoTangent),
        |x, t| nn::elu_jvp2(x, 0.8, t, NoTangent)
    );
    check!(
        "leaky_relu",
        |x: Vector3<f64>, t: &Vector3<f64>| nn::leaky_relu_jvp(x, 0.1, t, NoTangent),
        |x, t| nn::leaky_relu_jvp2(x, 0.1, t, NoTangent)
    );
    // Softmax and log-softmax, per column of a matrix.
    let x = Matrix3x2::new(0.3, -1.0, 1.2, 0.5, -0.4, 2.0);
    let (u, v, uv) = (
        [Matrix3x2::new(0.5, -1.0, 0.3, 0.2, 0.7, -0.4)],
        [Matrix3x2::new(-0.6, 0.1, 0.9, 0.3, -0.2, 0.5)],
        [[Matrix3x2::new(0.05, -0.02, 0.1, -0.3, 0.2, 0.0)]],
    );
    let hyper = Hyper {
        u: &u,
        v: &v,
        uv: Some(&uv),
    };
    macro_rules! check_matrix {
        ($name:literal, $jvp:expr, $jvp2:expr) => {{
            let (name, jvp, jvp2) = ($name, $jvp, $jvp2);
            let (y, y_u, y_v, y_uv) = jvp2(x, hyper);
            assert!((y - jvp(x, &u[0]).0).norm() <= 1e-15, "{name}: value");
            assert!((y_u[0] - jvp(x, &u[0]).1).norm() <= 1e-14, "{name}: u lane");
            assert!((y_v[0] - jvp(x, &v[0]).1).norm() <= 1e-14, "{name}: v lane");
            let moved = |e: f64| jvp(x + v[0] * e, &(u[0] + uv[0][0] * e)).1;
            let expected = (moved(h) - moved(-h)) / (2.0 * h);
            assert!(
                (y_uv[0][0] - expected).norm() <= 1e-8,
                "{name}: uv lane: {} against {expected}",
                y_uv[0][0]
            );
        }};
    }
    check_matrix!("softmax", nn::softmax_jvp, nn::softmax_jvp2);
    check_matrix!("log_softmax", nn::log_softmax_jvp, nn::log_softmax_jvp2);
}
