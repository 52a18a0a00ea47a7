//! What `#[differentiable]` reports for a method of `f32`/`f64` that has no
//! derivative rule (`x.sin_cos()`, `x.rem_euclid(1.0)`), and how to add one.
//!
//! A method call `x.m(a)` on a differentiated value is linked by name to
//! `x.m_vjp(a)`. For the methods of `f32` and `f64` without a built-in rule,
//! the generated code has [`FloatMethodsWithoutRule`] in scope: a fallback
//! that method resolution picks only when no `m_vjp` of yours is in scope
//! (it takes `&mut self`, the last receiver rustc tries), and whose bound
//! fails with a message that names the built-in methods and the `m_vjp` to
//! write. Write it as an extension trait:
//!
//! ```
//! /// `sin_cos` with its rule: d sin = cos, d cos = −sin.
//! trait SinCosRule: Sized {
//!     fn sin_cos_vjp(self) -> ((Self, Self), impl FnOnce((Self, Self)) -> (Self,));
//! }
//!
//! impl SinCosRule for f64 {
//!     fn sin_cos_vjp(self) -> ((f64, f64), impl FnOnce((f64, f64)) -> (f64,)) {
//!         let (sin, cos) = self.sin_cos();
//!         ((sin, cos), move |(d_sin, d_cos): (f64, f64)| (d_sin * cos - d_cos * sin,))
//!     }
//! }
//!
//! // The pullback of the cotangent (1, 1): d(sin x + cos x)/dx = cos x − sin x.
//! let ((sin, cos), pullback) = 0.3_f64.sin_cos_vjp();
//! assert_eq!((sin, cos), 0.3_f64.sin_cos());
//! assert_eq!(pullback((1.0, 1.0)).0, cos - sin);
//! ```
//!
//! With the trait in scope, a `#[differentiable]` function may call
//! `x.sin_cos()` on a differentiated `x` (the README's "A rule for a method
//! of `f32`/`f64`"; `tests/first_contact.rs` checks such rules against
//! central differences):
//!
//! ```text
//! #[differentiable]
//! fn f(x: f64) -> f64 {
//!     let (s, c) = x.sin_cos();
//!     s * c // = sin(2x)/2, whose derivative is cos(2x)
//! }
//! ```
//!
//! The rule has the `_vjp` convention of every call: the method's value and
//! a pullback from the cotangent of the value to one cotangent per operand,
//! receiver first (`NoTangent` for an operand that is never differentiated).

#![allow(
    clippy::type_complexity,
    reason = "the fallbacks have the `_vjp` signatures: value and pullback returning one cotangent per operand"
)]

/// The bound that fails when `sin_cos` is called on a differentiated value
/// and no `sin_cos_vjp` is in scope.
#[diagnostic::on_unimplemented(
    message = "`sin_cos` on a differentiated `{Self}` has no derivative rule",
    label = "no derivative rule for `sin_cos`",
    note = "the methods of `f32`/`f64` with a derivative rule: abs, acos, acosh, asin, asinh, atan, atan2, atanh, cbrt, clamp, cos, cosh, exp, exp2, exp_m1, fract, hypot, ln, ln_1p, log, log10, log2, max, min, mul_add, powf, powi, recip, sin, sinh, sqrt, tan, tanh, to_degrees, to_radians; with derivative 0: ceil, floor, round, round_ties_even, signum, trunc",
    note = "add a rule: a trait with `fn sin_cos_vjp(self) -> ((Self, Self), impl FnOnce((Self, Self)) -> (Self,))`, implemented for `{Self}` and in scope where the function is (the method's value and a pullback from its cotangent to one cotangent per operand, receiver first)",
    note = "example: the documentation of `tapeless::rules::method_rules`, or the README's \"A rule for a method\""
)]
pub trait SinCosHasNoRule {}

/// The bound that fails when `rem_euclid` is called on a differentiated value
/// and no `rem_euclid_vjp` is in scope.
#[diagnostic::on_unimplemented(
    message = "`rem_euclid` on a differentiated `{Self}` has no derivative rule",
    label = "no derivative rule for `rem_euclid`",
    note = "the methods of `f32`/`f64` with a derivative rule: abs, acos, acosh, asin, asinh, atan, atan2, atanh, cbrt, clamp, cos, cosh, exp, exp2, exp_m1, fract, hypot, ln, ln_1p, log, log10, log2, max, min, mul_add, powf, powi, recip, sin, sinh, sqrt, tan, tanh, to_degrees, to_radians; with derivative 0: ceil, floor, round, round_ties_even, signum, trunc",
    note = "add a rule: a trait with `fn rem_euclid_vjp(self, rhs: Self) -> (Self, impl FnOnce(Self) -> (Self, Self))`, implemented for `{Self}` and in scope where the function is (the method's value and a pullback from its cotangent to one cotangent per operand, receiver first)",
    note = "example: the documentation of `tapeless::rules::method_rules`, or the README's \"A rule for a method\""
)]
pub trait RemEuclidHasNoRule {}

/// The bound that fails when `div_euclid` is called on a differentiated value
/// and no `div_euclid_vjp` is in scope.
#[diagnostic::on_unimplemented(
    message = "`div_euclid` on a differentiated `{Self}` has no derivative rule",
    label = "no derivative rule for `div_euclid`",
    note = "the methods of `f32`/`f64` with a derivative rule: abs, acos, acosh, asin, asinh, atan, atan2, atanh, cbrt, clamp, cos, cosh, exp, exp2, exp_m1, fract, hypot, ln, ln_1p, log, log10, log2, max, min, mul_add, powf, powi, recip, sin, sinh, sqrt, tan, tanh, to_degrees, to_radians; with derivative 0: ceil, floor, round, round_ties_even, signum, trunc",
    note = "add a rule: a trait with `fn div_euclid_vjp(self, rhs: Self) -> (Self, impl FnOnce(Self) -> (Self, Self))`, implemented for `{Self}` and in scope where the function is (the method's value and a pullback from its cotangent to one cotangent per operand, receiver first)",
    note = "example: the documentation of `tapeless::rules::method_rules`, or the README's \"A rule for a method\""
)]
pub trait DivEuclidHasNoRule {}

/// The bound that fails when `copysign` is called on a differentiated value
/// and no `copysign_vjp` is in scope.
#[diagnostic::on_unimplemented(
    message = "`copysign` on a differentiated `{Self}` has no derivative rule",
    label = "no derivative rule for `copysign`",
    note = "the methods of `f32`/`f64` with a derivative rule: abs, acos, acosh, asin, asinh, atan, atan2, atanh, cbrt, clamp, cos, cosh, exp, exp2, exp_m1, fract, hypot, ln, ln_1p, log, log10, log2, max, min, mul_add, powf, powi, recip, sin, sinh, sqrt, tan, tanh, to_degrees, to_radians; with derivative 0: ceil, floor, round, round_ties_even, signum, trunc",
    note = "add a rule: a trait with `fn copysign_vjp(self, sign: Self) -> (Self, impl FnOnce(Self) -> (Self, Self))`, implemented for `{Self}` and in scope where the function is (the method's value and a pullback from its cotangent to one cotangent per operand, receiver first)",
    note = "example: the documentation of `tapeless::rules::method_rules`, or the README's \"A rule for a method\""
)]
pub trait CopysignHasNoRule {}

/// The bound that fails when `midpoint` is called on a differentiated value
/// and no `midpoint_vjp` is in scope.
#[diagnostic::on_unimplemented(
    message = "`midpoint` on a differentiated `{Self}` has no derivative rule",
    label = "no derivative rule for `midpoint`",
    note = "the methods of `f32`/`f64` with a derivative rule: abs, acos, acosh, asin, asinh, atan, atan2, atanh, cbrt, clamp, cos, cosh, exp, exp2, exp_m1, fract, hypot, ln, ln_1p, log, log10, log2, max, min, mul_add, powf, powi, recip, sin, sinh, sqrt, tan, tanh, to_degrees, to_radians; with derivative 0: ceil, floor, round, round_ties_even, signum, trunc",
    note = "add a rule: a trait with `fn midpoint_vjp(self, other: Self) -> (Self, impl FnOnce(Self) -> (Self, Self))`, implemented for `{Self}` and in scope where the function is (the method's value and a pullback from its cotangent to one cotangent per operand, receiver first)",
    note = "example: the documentation of `tapeless::rules::method_rules`, or the README's \"A rule for a method\""
)]
pub trait MidpointHasNoRule {}

/// The fallback `_vjp` methods of the `f32`/`f64` methods that have no
/// derivative rule: each fails to compile with a message that says which
/// `_vjp` to write (see the [module documentation](self)). They take
/// `&mut self`, so that an `m_vjp` of yours, by value or by reference, is
/// found first.
pub trait FloatMethodsWithoutRule: Sized {
    #[doc = "Fails to compile: `sin_cos` has no derivative rule."]
    fn sin_cos_vjp(&mut self) -> ((Self, Self), fn((Self, Self)) -> (Self,))
    where
        Self: SinCosHasNoRule;
    #[doc = "Fails to compile: `rem_euclid` has no derivative rule."]
    fn rem_euclid_vjp(&mut self, rhs: Self) -> (Self, fn(Self) -> (Self, Self))
    where
        Self: RemEuclidHasNoRule;
    #[doc = "Fails to compile: `div_euclid` has no derivative rule."]
    fn div_euclid_vjp(&mut self, rhs: Self) -> (Self, fn(Self) -> (Self, Self))
    where
        Self: DivEuclidHasNoRule;
    #[doc = "Fails to compile: `copysign` has no derivative rule."]
    fn copysign_vjp(&mut self, sign: Self) -> (Self, fn(Self) -> (Self, Self))
    where
        Self: CopysignHasNoRule;
    #[doc = "Fails to compile: `midpoint` has no derivative rule."]
    fn midpoint_vjp(&mut self, other: Self) -> (Self, fn(Self) -> (Self, Self))
    where
        Self: MidpointHasNoRule;
}

impl<T: crate::Real> FloatMethodsWithoutRule for T {
    fn sin_cos_vjp(&mut self) -> ((Self, Self), fn((Self, Self)) -> (Self,))
    where
        Self: SinCosHasNoRule,
    {
        unreachable!("`SinCosHasNoRule` has no implementation")
    }
    fn rem_euclid_vjp(&mut self, _: Self) -> (Self, fn(Self) -> (Self, Self))
    where
        Self: RemEuclidHasNoRule,
    {
        unreachable!("`RemEuclidHasNoRule` has no implementation")
    }
    fn div_euclid_vjp(&mut self, _: Self) -> (Self, fn(Self) -> (Self, Self))
    where
        Self: DivEuclidHasNoRule,
    {
        unreachable!("`DivEuclidHasNoRule` has no implementation")
    }
    fn copysign_vjp(&mut self, _: Self) -> (Self, fn(Self) -> (Self, Self))
    where
        Self: CopysignHasNoRule,
    {
        unreachable!("`CopysignHasNoRule` has no implementation")
    }
    fn midpoint_vjp(&mut self, _: Self) -> (Self, fn(Self) -> (Self, Self))
    where
        Self: MidpointHasNoRule,
    {
        unreachable!("`MidpointHasNoRule` has no implementation")
    }
}
