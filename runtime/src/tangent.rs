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

/// A cotangent that can flow into a differentiated value of type `V`: `V`
/// itself, for every [`Params`] type.
///
/// Generated code requires it of each cotangent it takes from a pullback, so
/// that a [`NoTangent`] (or a cotangent of the wrong type from a hand-written
/// rule) reaching a differentiated value is a compile error that says what to
/// do.
#[diagnostic::on_unimplemented(
    message = "the called function's pullback returns `{Self}` for an argument of type `{V}` that is differentiated here",
    label = "this argument is differentiated",
    note = "`NoTangent` means the callee does not differentiate this argument: list it in the callee's `#[differentiable(wrt = (...))]`, or give its hand-written `_vjp` a cotangent for it"
)]
pub trait CotangentOf<V> {
    /// The cotangent as an adjoint value.
    fn into_adjoint(self) -> V;
}

impl<P: Params> CotangentOf<P> for P {
    #[inline]
    fn into_adjoint(self) -> P {
        self
    }
}

/// Checks that `cotangent` can flow into a differentiated value like
/// `value`, and returns it as that value's adjoint. (`value` comes first so
/// that it fixes `V` before the bound is checked.)
#[inline]
pub fn cotangent<V: Params, C: CotangentOf<V>>(value: &V, cotangent: C) -> V {
    let _ = value;
    cotangent.into_adjoint()
}

/// `adjoint ← adjoint + cotangent`, for a cotangent returned by a pullback.
#[inline]
pub fn accumulate<V: Params, C: CotangentOf<V>>(adjoint: &mut V, cotangent: C) {
    adjoint.accumulate(&cotangent.into_adjoint());
}

/// Reads through references to a value: `as_value(&x)` is `&x` for a
/// scalar, matrix or integer `x`, and `x` itself for `&x` (`&&x`, ...).
/// Generated code passes loop variables to derivative rules through it,
/// since `for x in xs.iter()` binds references.
pub trait AsValue {
    /// The value behind the references.
    type Value: ?Sized;
    /// A reference to the value behind the references.
    fn as_value(&self) -> &Self::Value;
}

macro_rules! as_value_itself {
    ($($t:ty),+) => {
        $(impl AsValue for $t {
            type Value = Self;
            #[inline]
            fn as_value(&self) -> &Self {
                self
            }
        })+
    };
}

as_value_itself!(
    f32, f64, usize, isize, u8, u16, u32, u64, u128, i8, i16, i32, i64, i128, bool
);

impl<T: crate::Real, const R: usize, const C: usize> AsValue for nalgebra::SMatrix<T, R, C> {
    type Value = Self;
    #[inline]
    fn as_value(&self) -> &Self {
        self
    }
}

impl<T: AsValue + ?Sized> AsValue for &T {
    type Value = T::Value;
    #[inline]
    fn as_value(&self) -> &T::Value {
        (**self).as_value()
    }
}

/// Reads through references to a value (see `AsValue`).
#[inline]
pub fn as_value<V: AsValue + ?Sized>(value: &V) -> &V::Value {
    value.as_value()
}

/// `value`, with the type of `like`: a literal assigned to a variable keeps
/// the variable's float type in generated code, where the assignment
/// becomes a new local (`x = 0.5;` after `let mut x = s;`).
#[inline(always)]
pub fn typed_like<T>(_like: &T, value: T) -> T {
    value
}

/// The scalar 1 of the type of `value`: the adjoint that seeds a fused
/// loop's per-iteration reverse sweep.
#[inline]
pub fn unit_like<T: crate::Real>(value: &T) -> T {
    let _ = value;
    T::ONE
}

/// The scalar ½ of the type of `value`: the seed of a fused loop that sums
/// squares, whose square rule then gives each square's operand as its own
/// adjoint (the factor 2 is applied once, after the loop).
#[inline]
pub fn half_like<T: crate::Real>(value: &T) -> T {
    let _ = value;
    T::HALF
}

/// `value · factor`: a fused loop's per-unit gradient scaled by the adjoint
/// of its accumulator.
#[inline]
pub fn scaled<P: Params>(mut value: P, factor: P::Scalar) -> P {
    value.scale(factor);
    value
}

/// A zero of the type of `adjoint`'s elements (`adjoint[i]`): the start of
/// the adjoint of a place `x[i + k]` that a fused loop carries from one
/// iteration to the next.
#[inline]
#[must_use]
pub fn zero_element<V, E>(adjoint: &V) -> E
where
    V: core::ops::Index<usize, Output = E>,
    E: Params,
{
    let _ = adjoint;
    E::zeros()
}

/// The scalar 0 of the type the context asks for: the tangent of a
/// constant argument of `SMatrix::new(...)` in forward mode.
#[inline]
#[must_use]
pub fn scalar_zero<T: crate::Real>() -> T {
    T::ZERO
}

/// A tangent argument of a forward-mode `_jvp` sibling for a parameter of
/// type `X` or `&X`: `&X`, or [`NoTangent`] for a zero tangent (an argument
/// that is constant where the function is called).
///
/// ```
/// use tapeless_runtime::{NoTangent, TangentArg};
/// assert_eq!(TangentArg::tangent(&2.5, &1.0), 2.5);
/// assert_eq!(TangentArg::tangent(NoTangent, &1.0), 0.0);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tangent for a parameter of type `{X}`",
    label = "pass `&tangent` (of type `&{X}`) or `NoTangent`"
)]
pub trait TangentArg<X> {
    /// The tangent, of the type of `like`.
    fn tangent(self, like: &X) -> X;
}

impl<X: Clone> TangentArg<X> for &X {
    #[inline]
    fn tangent(self, _like: &X) -> X {
        self.clone()
    }
}

impl<X: Params> TangentArg<X> for NoTangent {
    #[inline]
    fn tangent(self, like: &X) -> X {
        like.zero_like()
    }
}

/// `v` with element `index` replaced by `value`: how `#[differentiable]`
/// builds the result of `v.map(|e| ...)` and `a.zip_map(&b, |x, y| ...)`,
/// one element per iteration.
///
/// ```
/// use nalgebra::Vector3;
/// use tapeless_runtime::__private::{replaced, replaced_vjp};
/// let v = Vector3::new(1.0, 2.0, 3.0);
/// assert_eq!(replaced(v, 1, 5.0), Vector3::new(1.0, 5.0, 3.0));
/// let (_, pullback) = replaced_vjp(v, 1, 5.0);
/// let (dv, _, dvalue) = pullback(Vector3::new(0.1, 0.2, 0.3));
/// assert_eq!((dv, dvalue), (Vector3::new(0.1, 0.0, 0.3), 0.2));
/// ```
#[inline]
#[must_use]
pub fn replaced<V, T>(mut v: V, index: usize, value: T) -> V
where
    V: core::ops::IndexMut<usize, Output = T>,
{
    v[index] = value;
    v
}

/// The `_vjp` rule of [`replaced`]: the adjoint of `v` is the result's with
/// element `index` zeroed, that of `value` the result's element `index`.
#[inline]
pub fn replaced_vjp<V, T>(v: V, index: usize, value: T) -> (V, impl FnOnce(V) -> (V, NoTangent, T))
where
    V: core::ops::IndexMut<usize, Output = T>,
    T: Params,
{
    (replaced(v, index, value), move |mut adjoint: V| {
        let element = adjoint[index].clone();
        adjoint[index] = element.zero_like();
        (adjoint, NoTangent, element)
    })
}

/// The `_jvp` rule of [`replaced`]: the tangent of `v` with element `index`
/// replaced by the tangent of `value`.
#[inline]
pub fn replaced_jvp<V, T>(
    v: V,
    index: usize,
    value: T,
    tangent_of_v: impl TangentArg<V>,
    _: NoTangent,
    tangent_of_value: impl TangentArg<T>,
) -> (V, V)
where
    V: core::ops::IndexMut<usize, Output = T>,
{
    let tangent_of_v = tangent_of_v.tangent(&v);
    let tangent_of_value = tangent_of_value.tangent(&value);
    (
        replaced(v, index, value),
        replaced(tangent_of_v, index, tangent_of_value),
    )
}

/// The `_jvp2` rule of [`replaced`]: every lane of the tangents of `v` with
/// element `index` replaced by that lane of the tangents of `value`
/// (`replaced` is linear: no second-order term).
#[allow(clippy::type_complexity, reason = "the three kinds of tangents")]
#[inline]
pub fn replaced_jvp2<V, T, const U: usize, const W: usize>(
    v: V,
    index: usize,
    value: T,
    tangent_of_v: impl crate::forward::HyperArg<V, U, W>,
    _: NoTangent,
    tangent_of_value: impl crate::forward::HyperArg<T, U, W>,
) -> (V, [V; U], [V; W], [[V; W]; U])
where
    V: core::ops::IndexMut<usize, Output = T>,
{
    let (u, w, uw) = tangent_of_v.lanes(&v);
    let (value_u, value_w, value_uw) = tangent_of_value.lanes(&value);
    let mut uw_values = value_uw.into_iter();
    (
        replaced(v, index, value),
        zip_replaced(u, value_u, index),
        zip_replaced(w, value_w, index),
        uw.map(|row| zip_replaced(row, uw_values.next().expect("U rows"), index)),
    )
}

/// Each lane of `lanes` with element `index` replaced by that lane of
/// `values`.
#[inline]
fn zip_replaced<V, T, const N: usize>(lanes: [V; N], values: [T; N], index: usize) -> [V; N]
where
    V: core::ops::IndexMut<usize, Output = T>,
{
    let mut values = values.into_iter();
    lanes.map(|lane| replaced(lane, index, values.next().expect("N values")))
}
