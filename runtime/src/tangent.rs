//! Cotangents as they flow between `_vjp` functions.

use crate::Params;

/// The cotangent a `_vjp` pullback returns for an argument it does not
/// differentiate (an argument outside its `wrt` list, or data such as an
/// integer or a slice).
///
/// A caller that needs the gradient of such an argument gets a compile error
/// rather than a silently wrong gradient.
///
/// ```
/// use tapeless_runtime::NoTangent;
/// // A hand-written rule for `scale(x, k) = k·x` that differentiates `x` only.
/// fn scale_vjp(x: f64, k: f64) -> (f64, impl FnOnce(f64) -> (f64, NoTangent)) {
///     (k * x, move |adjoint| (adjoint * k, NoTangent))
/// }
/// let (y, pullback) = scale_vjp(2.0, 3.0);
/// assert_eq!((y, pullback(1.0).0), (6.0, 3.0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NoTangent;

/// A value that can be the cotangent of a differentiated argument: every
/// [`Params`] type.
///
/// Generated code requires it of each cotangent it takes from a pullback, so
/// that a [`NoTangent`] reaching a differentiated value is a compile error
/// that says what to do.
#[diagnostic::on_unimplemented(
    message = "the called function does not differentiate this argument (its pullback returns `{Self}`)",
    label = "this argument is differentiated here",
    note = "list the parameter in the callee's `#[differentiable(wrt = (...))]`, or give its hand-written `_vjp` a cotangent for it"
)]
pub trait Cotangent {
    /// `self ← self + other`.
    fn accumulate_cotangent(&mut self, other: Self);
}

impl<P: Params> Cotangent for P {
    #[inline]
    fn accumulate_cotangent(&mut self, other: Self) {
        self.accumulate(&other);
    }
}

/// Checks that `cotangent` can flow into a differentiated value, and passes
/// it through.
#[inline]
pub fn cotangent<C: Cotangent>(cotangent: C) -> C {
    cotangent
}

/// `adjoint ← adjoint + cotangent`, for a cotangent returned by a pullback.
#[inline]
pub fn accumulate<C: Cotangent>(adjoint: &mut C, cotangent: C) {
    adjoint.accumulate_cotangent(cotangent);
}
