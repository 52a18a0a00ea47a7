//! Calls between differentiable functions, hand-written `_vjp` rules (custom
//! derivatives), references, several `wrt` parameters and generic scalars.
#![allow(
    dead_code,
    reason = "some primals are only called through their generated siblings"
)]

mod common;

use common::{assert_rel, central_difference};
use nalgebra::RealField;
use num_traits::Float;
use tapeless::{NoTangent, check_grad, differentiable};

#[differentiable]
fn square(x: f64) -> f64 {
    x * x
}

#[differentiable]
fn outer(x: f64) -> f64 {
    square(x.sin()) + square(x) * 2.0 + square(3.0)
}

#[test]
fn calls_are_linked_through_vjp() {
    for x in [-1.2, 0.0, 0.8] {
        let (value, gradient) = outer_grad(x);
        assert_eq!(value, outer(x));
        assert_rel(
            gradient,
            2.0 * x.sin() * x.cos() + 4.0 * x,
            1e-14,
            "hand derivation",
        );
    }
}

mod shapes {
    use tapeless::differentiable;

    /// The area of an ellipse, differentiated with respect to both axes.
    #[differentiable(wrt = (a, b))]
    pub(crate) fn ellipse_area(a: f64, b: f64) -> f64 {
        core::f64::consts::PI * a * b
    }
}

#[differentiable(wrt = (r, h))]
fn cylinder_volume(r: f64, h: f64) -> f64 {
    shapes::ellipse_area(r, r) * h
}

#[test]
fn calls_through_module_paths_with_several_differentiated_arguments() {
    let (value, (dr, dh)) = cylinder_volume_grad(2.0, 3.0);
    let pi = std::f64::consts::PI;
    assert_rel(value, pi * 12.0, 1e-15, "value");
    assert_rel(dr, 2.0 * pi * 2.0 * 3.0, 1e-15, "d/dr");
    assert_rel(dh, pi * 4.0, 1e-15, "d/dh");
}

// ---- custom derivative rules ------------------------------------------------------

/// `round` has derivative zero almost everywhere; a straight-through
/// estimator replaces it with the identity. A hand-written `_vjp` beside a
/// plain function is that custom rule.
fn round_to_tenth(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round_to_tenth_vjp(x: f64) -> (f64, impl FnOnce(f64) -> (f64,)) {
    (round_to_tenth(x), |adjoint| (adjoint,))
}

#[differentiable]
fn quantised_loss(x: f64) -> f64 {
    let q = round_to_tenth(x * 2.0);
    q * q
}

#[test]
fn hand_written_vjp_is_a_custom_derivative() {
    let (value, gradient) = quantised_loss_grad(0.33);
    assert_eq!(value, 0.7 * 0.7);
    // d/dx (q²) with the straight-through rule dq/du = 1 and u = 2x.
    assert_rel(
        gradient,
        2.0 * 0.7 * 2.0,
        1e-15,
        "straight-through gradient",
    );
}

/// A numerically stable `ln(1 + e^x)` whose hand-written rule uses the
/// logistic function directly.
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

fn softplus_vjp(x: f64) -> (f64, impl FnOnce(f64) -> (f64,)) {
    let value = softplus(x);
    (value, move |adjoint| (adjoint / (1.0 + (-x).exp()),))
}

/// A rule for a function of two arguments that differentiates only the
/// first: the second gets `NoTangent`.
fn scaled(x: f64, factor: f64) -> f64 {
    x * factor
}

fn scaled_vjp(x: f64, factor: f64) -> (f64, impl FnOnce(f64) -> (f64, NoTangent)) {
    (x * factor, move |adjoint| (adjoint * factor, NoTangent))
}

#[differentiable]
fn stable(x: f64, factor: f64) -> f64 {
    scaled(softplus(x), factor) + softplus(-x)
}

#[test]
fn custom_rules_compose_and_pass_the_gradient_check() {
    for x in [-30.0, -1.0, 0.0, 2.5, 40.0] {
        let (value, gradient) = stable_grad(x, 3.0);
        assert_eq!(value, stable(x, 3.0));
        let logistic = 1.0 / (1.0 + (-x).exp());
        assert_rel(
            gradient,
            3.0 * logistic - (1.0 - logistic),
            1e-14,
            "hand derivation",
        );
        assert!(
            check_grad(|x: &f64| stable(*x, 3.0), &x, &gradient).is_ok(),
            "check_grad at {x}"
        );
    }
}

// ---- references, wrt, methods ----------------------------------------------------

#[differentiable(wrt = (x, k))]
fn by_reference(x: &f64, k: &f64, offset: f64) -> f64 {
    let scaled = *x * k;
    scaled.exp() + x * offset
}

#[test]
fn arguments_by_reference() {
    let (value, (dx, dk)) = by_reference_grad(&0.5, &2.0, 3.0);
    assert_eq!(value, by_reference(&0.5, &2.0, 3.0));
    assert_rel(dx, 2.0 * 1.0_f64.exp() + 3.0, 1e-15, "d/dx");
    assert_rel(dk, 0.5 * 1.0_f64.exp(), 1e-15, "d/dk");
}

#[test]
fn a_vjp_can_be_called_by_hand() {
    let (value, pullback) = by_reference_vjp(&0.5, &2.0, 3.0);
    let (dx, dk, offset) = pullback(2.0);
    assert_eq!(value, by_reference(&0.5, &2.0, 3.0));
    assert_rel(dx, 2.0 * (2.0 * 1.0_f64.exp() + 3.0), 1e-15, "scaled d/dx");
    assert_rel(dk, 2.0 * 0.5 * 1.0_f64.exp(), 1e-15, "scaled d/dk");
    assert_eq!(offset, NoTangent);
}

struct Spring {
    stiffness: f64,
}

impl Spring {
    /// Potential energy of a displacement; the spring itself is data here.
    #[differentiable(wrt = x)]
    fn energy(&self, x: f64) -> f64 {
        0.5 * self.stiffness * x * x
    }
}

#[differentiable]
fn total_energy(x: f64, spring: &Spring) -> f64 {
    spring.energy(x) + spring.energy(2.0 * x)
}

#[test]
fn methods_are_linked_through_their_vjp() {
    let spring = Spring { stiffness: 3.0 };
    let (value, gradient) = total_energy_grad(0.5, &spring);
    assert_eq!(value, total_energy(0.5, &spring));
    assert_rel(
        gradient,
        3.0 * 0.5 + 4.0 * 3.0 * 0.5,
        1e-15,
        "hand derivation",
    );
}

// ---- generic scalars -------------------------------------------------------------------

#[differentiable]
fn generic_real_field<T: RealField + Copy>(x: T, scale: T) -> T {
    let two = T::one() + T::one();
    x.sin() * x * scale + x.powi(3) / two
}

#[differentiable]
fn generic_float<T>(x: T) -> T
where
    T: Float,
{
    let shifted = x + T::one();
    shifted.exp() * x.tanh()
}

#[test]
fn generic_functions_instantiate_with_f32_and_f64() {
    let x = 0.7_f64;
    let expected = x.cos() * x * 2.0 + x.sin() * 2.0 + 1.5 * x * x;
    assert_rel(
        generic_real_field_grad(x, 2.0).1,
        expected,
        1e-14,
        "RealField, f64",
    );
    let (value32, gradient32) = generic_real_field_grad(0.7_f32, 2.0_f32);
    assert_eq!(value32, generic_real_field(0.7_f32, 2.0_f32));
    assert!(
        (f64::from(gradient32) - expected).abs() < 1e-5,
        "RealField, f32"
    );

    let expected = (x + 1.0).exp() * x.tanh() + (x + 1.0).exp() * (1.0 - x.tanh() * x.tanh());
    assert_rel(generic_float_grad(x).1, expected, 1e-14, "Float, f64");
    assert!(
        (f64::from(generic_float_grad(0.7_f32).1) - expected).abs() < 1e-5,
        "Float, f32"
    );
    assert_rel(
        generic_float_grad(x).1,
        central_difference(generic_float::<f64>, x),
        1e-7,
        "Float, numerically",
    );
}

#[differentiable]
fn const_generic<const N: usize>(x: f64) -> f64 {
    x.powi(2) * N as f64
}

#[test]
fn const_generic_parameters_are_kept() {
    assert_eq!(const_generic_grad::<3>(2.0), (12.0, 12.0));
}

#[differentiable]
fn single_precision(x: f32) -> f32 {
    (x * x).sqrt() + x.exp()
}

#[test]
fn f32_functions() {
    let (value, gradient) = single_precision_grad(1.5);
    assert_eq!(value, single_precision(1.5));
    assert!((gradient - (1.0 + 1.5_f32.exp())).abs() < 1e-5);
}
