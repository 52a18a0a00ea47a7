//! What a newcomer writes first: generic functions over vectors, `T: Real`
//! with method syntax, `detach`, and a rule for a method of `f64` added
//! through an extension trait. Gradients against hand derivations and
//! central differences.

#![allow(
    dead_code,
    reason = "the primal functions stand beside the siblings the tests call"
)]
#![allow(
    clippy::type_complexity,
    reason = "the `_vjp` signatures: value and pullback returning one cotangent per operand"
)]

use tapeless::prelude::*;

/// Central difference of a scalar function.
fn central(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6;
    (f(x + h) - f(x - h)) / (2.0 * h)
}

#[differentiable]
fn product<T: RealField + Copy>(p: &Vector2<T>) -> T {
    p.x * p.y
}

#[differentiable]
fn weighted<T: RealField + Copy>(p: &Vector2<T>, w: T) -> T {
    (p.x * w).tanh() + p.y * p.y
}

#[test]
fn generic_vector_functions_compile_and_differentiate() {
    // d(xy) = (y, x).
    let (value, gradient) = product_grad(&Vector2::new(3.0_f64, -2.0));
    assert_eq!((value, gradient), (-6.0, Vector2::new(-2.0, 3.0)));
    let (_, gradient) = product_grad(&Vector2::new(3.0_f32, -2.0));
    assert_eq!(gradient, Vector2::new(-2.0, 3.0));
    // d/dx tanh(wx) = w (1 − tanh²(wx)), d/dy y² = 2y.
    let (_, gradient) = weighted_grad(&Vector2::new(0.5_f64, 1.5), 2.0);
    let expected = 2.0 * (1.0 - 1.0_f64.tanh().powi(2));
    assert!((gradient.x - expected).abs() < 1e-15);
    assert_eq!(gradient.y, 3.0);
}

#[differentiable]
fn squash<T: Real>(x: T) -> T {
    x.tanh() * x.exp() + T::sin(x)
}

#[test]
fn real_bound_has_method_syntax() {
    for x in [-1.3, 0.0, 0.4, 2.0] {
        let (value, gradient) = squash_grad(x);
        let f = |x: f64| x.tanh() * x.exp() + x.sin();
        assert_eq!(value, f(x));
        assert!((gradient - central(f, x)).abs() < 1e-8, "{x}: {gradient}");
        let (_, gradient32) = squash_grad(x as f32);
        assert!((f64::from(gradient32) - gradient).abs() < 1e-5);
    }
}

/// `T: Real` with method syntax and no prelude: the macro brings
/// `RealMethods` into scope itself.
mod without_prelude {
    use tapeless::{Real, differentiable};

    #[differentiable]
    pub(super) fn squash<T: Real>(x: T) -> T {
        x.tanh() * x.exp()
    }
}

#[test]
fn real_bound_has_method_syntax_without_the_prelude() {
    let x = 0.7_f64;
    let (value, gradient) = without_prelude::squash_grad(x);
    assert_eq!(value, without_prelude::squash(x));
    let f = |x: f64| x.tanh() * x.exp();
    assert!((gradient - central(f, x)).abs() < 1e-8, "{gradient}");
}

#[differentiable]
fn stopped(x: f64, y: f64) -> f64 {
    let scale = detach(x * x);
    scale * x + detach(y).sin() * x
}

#[differentiable(wrt = (x, y))]
fn stopped_both(x: f64, y: f64) -> f64 {
    x * detach(y) + y * detach(x)
}

#[test]
fn detach_passes_the_value_and_stops_the_gradient() {
    let (x, y) = (1.5, 0.3);
    let (value, gradient) = stopped_grad(x, y);
    assert_eq!(value, stopped(x, y));
    assert_eq!(value, x * x * x + y.sin() * x);
    // With x² a constant c: d(c·x + sin(y)·x)/dx = c + sin y = x² + sin y,
    // not the 3x² + sin y of the undetached function.
    assert_eq!(gradient, x * x + y.sin());
    let (_, (dx, dy)) = stopped_both_grad(x, y);
    assert_eq!((dx, dy), (y, x));
    // Outside differentiated code, `detach` is the identity.
    assert_eq!(detach(Vector2::new(1.0, 2.0)), Vector2::new(1.0, 2.0));
}

/// A rule for `f64::rem_euclid` (derivative 1 in the dividend, `-floor(x/m)`
/// in the modulus) and one for `f64::sin_cos`, as the README shows.
trait FloatRules: Sized {
    fn rem_euclid_vjp(self, modulus: Self) -> (Self, impl FnOnce(Self) -> (Self, Self));
    fn sin_cos_vjp(self) -> ((Self, Self), impl FnOnce((Self, Self)) -> (Self,));
}

impl FloatRules for f64 {
    fn rem_euclid_vjp(self, modulus: f64) -> (f64, impl FnOnce(f64) -> (f64, f64)) {
        let quotient = self.div_euclid(modulus);
        (self.rem_euclid(modulus), move |adjoint| {
            (adjoint, -adjoint * quotient)
        })
    }

    fn sin_cos_vjp(self) -> ((f64, f64), impl FnOnce((f64, f64)) -> (f64,)) {
        let (sin, cos) = self.sin_cos();
        ((sin, cos), move |(d_sin, d_cos): (f64, f64)| {
            (d_sin * cos - d_cos * sin,)
        })
    }
}

#[differentiable]
fn phase(x: f64) -> f64 {
    let (s, c) = (3.0 * x).sin_cos();
    s * c * x + (x * x).rem_euclid(1.0)
}

#[differentiable(wrt = (x, m))]
fn wrapped(x: f64, m: f64) -> f64 {
    (x * 2.0).rem_euclid(m) * m
}

#[test]
fn extension_trait_rules_for_float_methods_match_central_differences() {
    for x in [0.2, 0.7, 1.3, 2.9] {
        let (value, gradient) = phase_grad(x);
        assert_eq!(value, phase(x));
        let numeric = central(phase, x);
        assert!(
            (gradient - numeric).abs() < 1e-6,
            "{x}: {gradient} vs {numeric}"
        );
    }
    let (x, m) = (1.7, 1.25);
    let (_, (dx, dm)) = wrapped_grad(x, m);
    let numeric_x = central(|x| wrapped(x, m), x);
    let numeric_m = central(|m| wrapped(x, m), m);
    assert!((dx - numeric_x).abs() < 1e-6, "{dx} vs {numeric_x}");
    assert!((dm - numeric_m).abs() < 1e-6, "{dm} vs {numeric_m}");
}

#[test]
fn reduction_is_in_the_prelude() {
    let (x, y) = (Vector2::new(1.0, 3.0), Vector2::new(0.0, 1.0));
    assert_eq!(loss::mse(&x, &y, Reduction::Sum), 5.0);
}
