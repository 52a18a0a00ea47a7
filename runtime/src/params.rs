//! Parameter sets: values made of scalars that gradients and optimizer state
//! are stored in.

use crate::Real;
use core::fmt;
use nalgebra::SMatrix;

/// A fixed-size value made of scalars: a parameter set, and also its own
/// gradient type and optimizer-state type.
///
/// A `Params` value is a sequence of [`SLICES`](Params::SLICES) contiguous
/// slices of [`Scalar`](Params::Scalar)s, always the same number of slices
/// with the same lengths for every value of the type. Optimizers walk two or
/// more values of the same type in lockstep, slice by slice, so that update
/// rules are tight loops over `&mut [T]` that the compiler vectorises.
///
/// Implemented for `f32`, `f64`, nalgebra `SMatrix`/`SVector` (one slice, in
/// nalgebra's column-major order), arrays `[P; N]` and tuples of up to eight
/// parameter sets, and for any struct deriving `Params`.
///
/// # Laws
///
/// For values `a`, `b` of a type `P: Params` and scalars `α`, `β`:
///
/// * shape: `a.slice(k).len() == b.slice(k).len()` for every `k < P::SLICES`;
/// * `P::zeros()` is the additive identity: `a.accumulate(&P::zeros())`
///   leaves `a` unchanged, and `P::zeros().num_params() == a.num_params()`;
/// * `a.add_scaled(α, &b)` is `a + α·b`, elementwise, so
///   `a.add_scaled(1, &b)` equals `a.accumulate(&b)`;
/// * `a.scale(α)` then `a.scale(β)` equals `a.scale(α·β)` up to rounding;
/// * `a.dot(&b) == b.dot(&a)` and `a.dot(&a) == a.norm()²` up to rounding;
/// * `a.subtract(&a)` gives `P::zeros()`, and `a.accumulate(&b)` then
///   `a.subtract(&b)` gives back `a` up to rounding;
/// * the flat order is the slice order: `P::from_flat(&f)` after
///   `a.copy_to_flat(&mut f)` equals `a` exactly, and
///   `zip_slices_mut` hands over slice `k` of every value at once;
/// * `a.approx_eq(&a, 0, 0)` holds unless `a` has a NaN.
///
/// Structs deriving `Params` (and [`Linear`](crate::nn::Linear)) also get
/// `+`, `-`, `+=`, `-=`, unary `-` and `* scalar` with the same meaning, so
/// `a + b * α` reads as the formula.
///
/// ```
/// use tapeless_runtime::Params;
/// use nalgebra::Vector3;
///
/// let mut p = (Vector3::new(1.0, 2.0, 3.0), 4.0_f64);
/// let g = (Vector3::new(1.0, 1.0, 1.0), 2.0_f64);
/// p.add_scaled(-0.5, &g);
/// assert_eq!(p, (Vector3::new(0.5, 1.5, 2.5), 3.0));
/// assert_eq!(p.num_params(), 4);
/// assert_eq!(g.dot(&g), 7.0);
/// ```
pub trait Params: Clone {
    /// The scalar every slice is made of.
    type Scalar: Real;

    /// How many contiguous slices a value of this type has.
    const SLICES: usize;

    /// The value whose every scalar is zero.
    #[must_use]
    fn zeros() -> Self;

    /// The `index`-th slice, for `index < Self::SLICES`.
    ///
    /// # Panics
    /// If `index >= Self::SLICES`.
    fn slice(&self, index: usize) -> &[Self::Scalar];

    /// The `index`-th slice, mutably, for `index < Self::SLICES`.
    ///
    /// # Panics
    /// If `index >= Self::SLICES`.
    fn slice_mut(&mut self, index: usize) -> &mut [Self::Scalar];

    /// A zero value of the same type (`Self::zeros()`); used by generated
    /// code, which knows values but not types.
    #[inline]
    #[must_use]
    fn zero_like(&self) -> Self {
        Self::zeros()
    }

    /// The number of scalars.
    #[inline]
    fn num_params(&self) -> usize {
        (0..Self::SLICES).map(|k| self.slice(k).len()).sum()
    }

    /// Sets every scalar to `value`.
    #[inline]
    fn fill(&mut self, value: Self::Scalar) {
        for k in 0..Self::SLICES {
            self.slice_mut(k).fill(value);
        }
    }

    /// `self ← self + other`.
    #[inline]
    fn accumulate(&mut self, other: &Self) {
        for k in 0..Self::SLICES {
            for (a, b) in self.slice_mut(k).iter_mut().zip(other.slice(k)) {
                *a += *b;
            }
        }
    }

    /// `self ← self + alpha·other`.
    #[inline]
    fn add_scaled(&mut self, alpha: Self::Scalar, other: &Self) {
        for k in 0..Self::SLICES {
            for (a, b) in self.slice_mut(k).iter_mut().zip(other.slice(k)) {
                *a += alpha * *b;
            }
        }
    }

    /// `self ← alpha·self`.
    #[inline]
    fn scale(&mut self, alpha: Self::Scalar) {
        for k in 0..Self::SLICES {
            for a in self.slice_mut(k) {
                *a *= alpha;
            }
        }
    }

    /// The sum of the products of corresponding scalars.
    #[inline]
    fn dot(&self, other: &Self) -> Self::Scalar {
        let mut total = Self::Scalar::ZERO;
        for k in 0..Self::SLICES {
            for (a, b) in self.slice(k).iter().zip(other.slice(k)) {
                total += *a * *b;
            }
        }
        total
    }

    /// The Euclidean norm of all scalars, `√(self·self)`.
    #[inline]
    fn norm(&self) -> Self::Scalar {
        Self::Scalar::sqrt(self.dot(self))
    }

    /// `self ← self − other`.
    #[inline]
    fn subtract(&mut self, other: &Self) {
        for k in 0..Self::SLICES {
            for (a, b) in self.slice_mut(k).iter_mut().zip(other.slice(k)) {
                *a -= *b;
            }
        }
    }

    /// The largest absolute value of a scalar (the ∞-norm); 0 for a value
    /// without scalars, NaN if a scalar is NaN (as torch's `abs().max()`).
    #[inline]
    fn max_abs(&self) -> Self::Scalar {
        let mut largest = Self::Scalar::ZERO;
        for k in 0..Self::SLICES {
            for a in self.slice(k) {
                if Self::Scalar::is_nan(*a) {
                    return *a;
                }
                largest = Self::Scalar::max(largest, Self::Scalar::abs(*a));
            }
        }
        largest
    }

    /// Calls `f` on every scalar, mutably, in slice order.
    #[inline]
    fn for_each_scalar_mut(&mut self, mut f: impl FnMut(&mut Self::Scalar)) {
        for k in 0..Self::SLICES {
            self.slice_mut(k).iter_mut().for_each(&mut f);
        }
    }

    /// Visits `self` slice by slice in lockstep with `others` (values of the
    /// same type): `f(slice k of self, [slice k of each other])` for every
    /// `k < SLICES`. This is the loop optimizers are made of.
    ///
    /// ```
    /// use tapeless_runtime::Params;
    /// use nalgebra::Vector2;
    /// let mut p = (Vector2::new(1.0, 2.0), 3.0_f64);
    /// let (g, m) = ((Vector2::new(1.0, 1.0), 1.0), (Vector2::new(0.5, 0.5), 2.0));
    /// p.zip_slices_mut([&g, &m], |p, [g, m]| {
    ///     for i in 0..p.len() {
    ///         p[i] -= g[i] * m[i];
    ///     }
    /// });
    /// assert_eq!(p, (Vector2::new(0.5, 1.5), 1.0));
    /// ```
    #[inline]
    fn zip_slices_mut<const K: usize>(
        &mut self,
        others: [&Self; K],
        mut f: impl FnMut(&mut [Self::Scalar], [&[Self::Scalar]; K]),
    ) {
        for k in 0..Self::SLICES {
            f(self.slice_mut(k), others.map(|other| other.slice(k)));
        }
    }

    /// Whether every scalar `a` of `self` is close to the corresponding
    /// scalar `b` of `other`: `|a − b| ≤ atol + rtol·|b|` (NumPy's
    /// `isclose`, so not symmetric in `self` and `other`). NaN is never close.
    ///
    /// ```
    /// use tapeless_runtime::Params;
    /// assert!((1.0_f64, [2.0_f64]).approx_eq(&(1.0 + 1e-12, [2.0]), 1e-10, 0.0));
    /// assert!(!(1.0_f64, [2.0_f64]).approx_eq(&(1.0, [2.1]), 1e-10, 1e-3));
    /// ```
    #[inline]
    fn approx_eq(&self, other: &Self, rtol: Self::Scalar, atol: Self::Scalar) -> bool {
        (0..Self::SLICES).all(|k| {
            self.slice(k)
                .iter()
                .zip(other.slice(k))
                .all(|(a, b)| Self::Scalar::abs(*a - *b) <= atol + rtol * Self::Scalar::abs(*b))
        })
    }

    /// Writes every scalar, in slice order, to the front of `out`.
    ///
    /// # Panics
    /// If `out` is shorter than [`num_params`](Params::num_params).
    #[inline]
    fn copy_to_flat(&self, out: &mut [Self::Scalar]) {
        let mut start = 0;
        for k in 0..Self::SLICES {
            let slice = self.slice(k);
            out[start..start + slice.len()].copy_from_slice(slice);
            start += slice.len();
        }
    }

    /// Reads every scalar, in slice order, from the front of `flat`.
    ///
    /// # Panics
    /// If `flat` is shorter than [`num_params`](Params::num_params).
    #[inline]
    fn copy_from_flat(&mut self, flat: &[Self::Scalar]) {
        let mut start = 0;
        for k in 0..Self::SLICES {
            let slice = self.slice_mut(k);
            let len = slice.len();
            slice.copy_from_slice(&flat[start..start + len]);
            start += len;
        }
    }

    /// The value whose scalars, in slice order, are the front of `flat`.
    ///
    /// ```
    /// use tapeless_runtime::Params;
    /// use nalgebra::Vector2;
    /// let p = <(Vector2<f64>, f64)>::from_flat(&[1.0, 2.0, 3.0]);
    /// assert_eq!(p, (Vector2::new(1.0, 2.0), 3.0));
    /// assert_eq!(p.to_flat_array::<3>(), [1.0, 2.0, 3.0]);
    /// ```
    ///
    /// # Panics
    /// If `flat` is shorter than [`num_params`](Params::num_params).
    #[inline]
    #[must_use]
    fn from_flat(flat: &[Self::Scalar]) -> Self
    where
        Self: Sized,
    {
        let mut value = Self::zeros();
        value.copy_from_flat(flat);
        value
    }

    /// Every scalar, in slice order, as an array of exactly `N` scalars.
    ///
    /// # Panics
    /// If `N` differs from [`num_params`](Params::num_params).
    #[inline]
    fn to_flat_array<const N: usize>(&self) -> [Self::Scalar; N] {
        assert_eq!(
            N,
            self.num_params(),
            "flat array length differs from the number of scalars"
        );
        let mut flat = [Self::Scalar::ZERO; N];
        self.copy_to_flat(&mut flat);
        flat
    }

    /// A value that prints every scalar, in slice order, as a list:
    /// `[1, 2.5, -3]`. Formatting options (such as a precision) apply to
    /// each scalar.
    ///
    /// ```
    /// use tapeless_runtime::Params;
    /// use nalgebra::Vector2;
    /// let p = (Vector2::new(1.0, 2.5), -3.0_f64);
    /// assert_eq!(format!("{}", p.display()), "[1, 2.5, -3]");
    /// assert_eq!(format!("{:.2}", p.display()), "[1.00, 2.50, -3.00]");
    /// ```
    #[inline]
    fn display(&self) -> DisplayParams<'_, Self>
    where
        Self: Sized,
    {
        DisplayParams(self)
    }
}

/// Prints a parameter set's scalars as a flat list; made by
/// [`Params::display`].
#[derive(Clone, Copy, Debug)]
pub struct DisplayParams<'a, P>(&'a P);

impl<P: Params> fmt::Display for DisplayParams<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        let mut first = true;
        for k in 0..P::SLICES {
            for a in self.0.slice(k) {
                if !first {
                    f.write_str(", ")?;
                }
                first = false;
                fmt::Display::fmt(a, f)?;
            }
        }
        f.write_str("]")
    }
}

/// A value whose slices are made of scalars `T`: every [`Params`] type `P`
/// is `ParamsOf<P::Scalar>`, and a value without scalars (an activation
/// module such as [`nn::Relu`](crate::nn::Relu)) is `ParamsOf<T>` for every
/// `T`.
///
/// Tuples and derived structs require it of all members after the first, so
/// that `(Linear<3, 10, f64>, Relu, Linear<10, 1, f64>)` is a parameter set of
/// `f64` although `Relu` names no scalar type. The first member fixes the
/// scalar and must therefore be a [`Params`] type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a parameter set of `{T}` scalars",
    label = "not made of `{T}` scalars",
    note = "members of a parameter set are `f32`/`f64`, nalgebra matrices, arrays and tuples of them, layers, activation modules and `#[derive(Params)]` structs, all with the same scalar type"
)]
pub trait ParamsOf<T: Real>: Clone {
    /// How many contiguous slices a value of this type has.
    const SLICES_OF: usize;
    /// The value whose every scalar is zero.
    #[must_use]
    fn zeros_of() -> Self;
    /// The `index`-th slice.
    fn slice_of(&self, index: usize) -> &[T];
    /// The `index`-th slice, mutably.
    fn slice_of_mut(&mut self, index: usize) -> &mut [T];
}

impl<P: Params> ParamsOf<P::Scalar> for P {
    const SLICES_OF: usize = P::SLICES;
    #[inline]
    fn zeros_of() -> Self {
        P::zeros()
    }
    #[inline]
    fn slice_of(&self, index: usize) -> &[P::Scalar] {
        self.slice(index)
    }
    #[inline]
    fn slice_of_mut(&mut self, index: usize) -> &mut [P::Scalar] {
        self.slice_mut(index)
    }
}

macro_rules! impl_params_scalar {
    ($t:ty) => {
        impl Params for $t {
            type Scalar = $t;
            const SLICES: usize = 1;
            #[inline]
            fn zeros() -> Self {
                0.0
            }
            #[inline]
            fn slice(&self, index: usize) -> &[$t] {
                assert!(index == 0, "slice index {index} out of range for a scalar");
                core::slice::from_ref(self)
            }
            #[inline]
            fn slice_mut(&mut self, index: usize) -> &mut [$t] {
                assert!(index == 0, "slice index {index} out of range for a scalar");
                core::slice::from_mut(self)
            }
            // Direct arithmetic: generated gradients accumulate scalars in
            // their innermost loops.
            #[inline]
            fn accumulate(&mut self, other: &Self) {
                *self += *other;
            }
            #[inline]
            fn add_scaled(&mut self, alpha: $t, other: &Self) {
                *self += alpha * *other;
            }
            #[inline]
            fn scale(&mut self, alpha: $t) {
                *self *= alpha;
            }
        }
    };
}

impl_params_scalar!(f32);
impl_params_scalar!(f64);

impl<T: Real, const R: usize, const C: usize> Params for SMatrix<T, R, C> {
    type Scalar = T;
    const SLICES: usize = 1;
    #[inline]
    fn zeros() -> Self {
        // An array expression, which LLVM fills where the value is stored
        // (`from_element` fills a copy, then moves it).
        Self::from_data(nalgebra::ArrayStorage([[T::ZERO; R]; C]))
    }
    #[inline]
    fn slice(&self, index: usize) -> &[T] {
        assert!(index == 0, "slice index {index} out of range for a matrix");
        self.as_slice()
    }
    #[inline]
    fn slice_mut(&mut self, index: usize) -> &mut [T] {
        assert!(index == 0, "slice index {index} out of range for a matrix");
        self.as_mut_slice()
    }
    #[inline]
    fn accumulate(&mut self, other: &Self) {
        *self += other;
    }
    #[inline]
    fn scale(&mut self, alpha: T) {
        *self *= alpha;
    }
}

impl<P: Params, const N: usize> Params for [P; N] {
    type Scalar = P::Scalar;
    const SLICES: usize = N * P::SLICES;
    #[inline]
    fn zeros() -> Self {
        core::array::from_fn(|_| P::zeros())
    }
    #[inline]
    fn slice(&self, index: usize) -> &[P::Scalar] {
        assert!(index < Self::SLICES, "slice index {index} out of range");
        self[index / P::SLICES].slice(index % P::SLICES)
    }
    #[inline]
    fn slice_mut(&mut self, index: usize) -> &mut [P::Scalar] {
        assert!(index < Self::SLICES, "slice index {index} out of range");
        self[index / P::SLICES].slice_mut(index % P::SLICES)
    }
}

macro_rules! impl_params_tuple {
    ($first:ident $(, $rest:ident)*; $($index:tt),+) => {
        impl<$first: Params $(, $rest: ParamsOf<$first::Scalar>)*> Params for ($first, $($rest,)*) {
            type Scalar = $first::Scalar;
            const SLICES: usize = $first::SLICES $(+ $rest::SLICES_OF)*;
            #[inline]
            fn zeros() -> Self {
                ($first::zeros(), $($rest::zeros_of(),)*)
            }
            #[inline]
            fn slice(&self, index: usize) -> &[Self::Scalar] {
                impl_params_tuple!(@find self, index, slice_of; $first $(, $rest)*; $($index),+)
            }
            #[inline]
            fn slice_mut(&mut self, index: usize) -> &mut [Self::Scalar] {
                impl_params_tuple!(@find_mut self, index, slice_of_mut; $first $(, $rest)*; $($index),+)
            }
        }
    };
    (@find $self:ident, $index:ident, $method:ident; $($ty:ident),+; $($field:tt),+) => {{
        let mut start = 0;
        $(
            if $index < start + <$ty as ParamsOf<Self::Scalar>>::SLICES_OF {
                return <$ty as ParamsOf<Self::Scalar>>::$method(&$self.$field, $index - start);
            }
            start += <$ty as ParamsOf<Self::Scalar>>::SLICES_OF;
        )+
        panic!("slice index {} out of range (a tuple of {} slices)", $index, start)
    }};
    (@find_mut $self:ident, $index:ident, $method:ident; $($ty:ident),+; $($field:tt),+) => {{
        let mut start = 0;
        $(
            if $index < start + <$ty as ParamsOf<Self::Scalar>>::SLICES_OF {
                return <$ty as ParamsOf<Self::Scalar>>::$method(&mut $self.$field, $index - start);
            }
            start += <$ty as ParamsOf<Self::Scalar>>::SLICES_OF;
        )+
        panic!("slice index {} out of range (a tuple of {} slices)", $index, start)
    }};
}

impl_params_tuple!(A; 0);
impl_params_tuple!(A, B; 0, 1);
impl_params_tuple!(A, B, C; 0, 1, 2);
impl_params_tuple!(A, B, C, D; 0, 1, 2, 3);
impl_params_tuple!(A, B, C, D, E; 0, 1, 2, 3, 4);
impl_params_tuple!(A, B, C, D, E, F; 0, 1, 2, 3, 4, 5);
impl_params_tuple!(A, B, C, D, E, F, G; 0, 1, 2, 3, 4, 5, 6);
impl_params_tuple!(A, B, C, D, E, F, G, H; 0, 1, 2, 3, 4, 5, 6, 7);

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{Matrix2x3, Vector2};
    use std::vec::Vec;

    #[test]
    fn slices_walk_every_scalar_in_order() {
        let p = (
            [1.0_f64, 2.0],
            Matrix2x3::new(1.0, 2.0, 3.0, 4.0, 5.0, 6.0),
            7.0_f64,
        );
        assert_eq!(<([f64; 2], Matrix2x3<f64>, f64)>::SLICES, 4);
        let flat: Vec<f64> = (0..4).flat_map(|k| p.slice(k).to_vec()).collect();
        // nalgebra stores columns contiguously.
        assert_eq!(flat, [1.0, 2.0, 1.0, 4.0, 2.0, 5.0, 3.0, 6.0, 7.0]);
        assert_eq!(p.num_params(), 9);
    }

    #[test]
    fn arithmetic_follows_the_laws() {
        let a = (Vector2::new(1.0_f64, -2.0), [3.0_f64]);
        let b = (Vector2::new(0.5_f64, 4.0), [-1.0_f64]);
        let mut sum = a;
        sum.accumulate(&b);
        let mut axpy = a;
        axpy.add_scaled(1.0, &b);
        assert_eq!(sum, axpy);
        assert_eq!(sum, (Vector2::new(1.5, 2.0), [2.0]));
        let mut zero_added = a;
        zero_added.accumulate(&Params::zeros());
        assert_eq!(zero_added, a);
        assert_eq!(a.dot(&b), 0.5 - 8.0 - 3.0);
        assert_eq!(a.dot(&b), b.dot(&a));
        assert!((a.norm() * a.norm() - a.dot(&a)).abs() < 1e-12);
        let mut scaled = a;
        scaled.scale(2.0);
        scaled.scale(0.5);
        assert_eq!(scaled, a);
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn slice_index_is_checked() {
        let p = (1.0_f64, 2.0_f64);
        let _ = p.slice(2);
    }
}
