//! Parameter types the least-squares solvers accept: [`Params`] types that
//! name fixed-size storage for an n×n matrix, n being their number of scalars.

use crate::{Params, Real};
use nalgebra::SVector;

/// A parameter set of a fixed number n of scalars that names storage for the
/// solver's n×n work matrices, so that a fit allocates nothing.
///
/// Implemented for `f32` and `f64` (n = 1), nalgebra `SVector<T, N>` and
/// arrays `[T; N]` of scalars. Any other [`Params`] type of n scalars (a
/// `#[derive(Params)]` struct, a tuple) can implement it in one line, with
/// `Square = [[T; n]; n]`:
///
/// ```
/// use tapeless_runtime::lsq::Parameters;
/// use nalgebra::Vector2;
///
/// #[derive(Clone, Debug, PartialEq)]
/// struct Pair((Vector2<f64>, f64)); // (see `Params` for tuples)
/// # impl tapeless_runtime::Params for Pair {
/// #     type Scalar = f64;
/// #     const SLICES: usize = 2;
/// #     fn zeros() -> Self { Pair((Vector2::zeros(), 0.0)) }
/// #     fn slice(&self, k: usize) -> &[f64] { self.0.slice(k) }
/// #     fn slice_mut(&mut self, k: usize) -> &mut [f64] { self.0.slice_mut(k) }
/// # }
/// impl Parameters for Pair {
///     type Square = [[f64; 3]; 3];
/// }
/// ```
///
/// # Laws
///
/// `<P::Square as Square<P::Scalar>>::N == p.num_params()` for every value
/// `p` of `P`; the solvers check it and panic otherwise.
pub trait Parameters: Params {
    /// `[[Self::Scalar; n]; n]`, with n the number of scalars.
    type Square: Square<Self::Scalar>;
}

/// Fixed-size storage for an n×n matrix of scalars `T`, with its vectors of
/// length n: implemented for `[[T; N]; N]`.
pub trait Square<T: Real>: Clone {
    /// n, the number of rows and of columns.
    const N: usize;
    /// Storage for n scalars: `[T; N]`.
    type Vector: AsRef<[T]> + AsMut<[T]> + Clone;
    /// Storage for n indices: `[usize; N]`.
    type Indices: AsRef<[usize]> + AsMut<[usize]> + Clone;
    /// The zero matrix.
    #[must_use]
    fn zeros() -> Self;
    /// The zero vector.
    #[must_use]
    fn zero_vector() -> Self::Vector;
    /// The indices `0, 1, …, n − 1`.
    #[must_use]
    fn identity_indices() -> Self::Indices;
    /// The n² scalars, column after column (column `j` is `[j·n, (j+1)·n)`).
    fn as_flat(&self) -> &[T];
    /// The n² scalars, mutably, column after column.
    fn as_flat_mut(&mut self) -> &mut [T];
}

impl<T: Real, const N: usize> Square<T> for [[T; N]; N] {
    const N: usize = N;
    type Vector = [T; N];
    type Indices = [usize; N];
    #[inline]
    fn zeros() -> Self {
        [[T::ZERO; N]; N]
    }
    #[inline]
    fn zero_vector() -> [T; N] {
        [T::ZERO; N]
    }
    #[inline]
    fn identity_indices() -> [usize; N] {
        core::array::from_fn(|i| i)
    }
    #[inline]
    fn as_flat(&self) -> &[T] {
        self.as_flattened()
    }
    #[inline]
    fn as_flat_mut(&mut self) -> &mut [T] {
        self.as_flattened_mut()
    }
}

impl Parameters for f32 {
    type Square = [[f32; 1]; 1];
}

impl Parameters for f64 {
    type Square = [[f64; 1]; 1];
}

impl<T: Real, const N: usize> Parameters for SVector<T, N> {
    type Square = [[T; N]; N];
}

impl<T: Real + Params<Scalar = T>, const N: usize> Parameters for [T; N] {
    type Square = [[T; N]; N];
}
