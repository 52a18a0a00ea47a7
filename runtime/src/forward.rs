//! Jacobians and Hessians assembled from the forward-mode siblings that
//! `#[differentiable(jvp, jacobian, hessian)]` generates.
//!
//! `f_jacobian` calls `f_jvp` once per unit vector (N directional
//! derivatives give the N columns); `f_hessian` and `f_hvp` call the
//! hyper-dual sibling `f_jvp2` once, along all the unit vectors at the same
//! time ([`Hyper`]): it returns the value, the directional derivatives and
//! the second directional derivatives `uᵢᵀ∇²f·vⱼ`, exactly (no differences
//! are taken).

use crate::{NoTangent, Params, Real};
use nalgebra::{SMatrix, SVector};

/// The type of the Jacobian of a function returning `Self` with respect to
/// an argument of type `X`: for `SVector<T, M>` of `SVector<T, N>`,
/// `SMatrix<T, M, N>`.
#[diagnostic::on_unimplemented(
    message = "`_jacobian` needs a result of type `SVector<T, M>` and an argument of type `SVector<T, N>`, not `{Self}` of `{X}`",
    label = "this result",
    note = "for other types call `_jvp` with the directions you need"
)]
pub trait JacobianOf<X> {
    /// `SMatrix<T, M, N>`.
    type Matrix;
}

impl<T: Real, const M: usize, const N: usize> JacobianOf<SVector<T, N>> for SVector<T, M> {
    type Matrix = SMatrix<T, M, N>;
}

/// The value and the Jacobian of a function of `x`, from its forward-mode
/// derivative `jvp(direction) -> (value, tangent)`, called once per column
/// (once with a zero direction when `N = 0`).
///
/// ```
/// use nalgebra::{Matrix2, Vector2};
/// use tapeless_runtime::forward::jacobian;
/// // f(x) = (x₀x₁, x₀ + x₁)
/// let x = Vector2::new(2.0, 3.0);
/// let f_jvp = |d: &Vector2<f64>| {
///     (Vector2::new(x[0] * x[1], x[0] + x[1]), Vector2::new(d[0] * x[1] + x[0] * d[1], d[0] + d[1]))
/// };
/// let (value, j) = jacobian(&x, f_jvp);
/// assert_eq!(value, Vector2::new(6.0, 5.0));
/// assert_eq!(j, Matrix2::new(3.0, 2.0, 1.0, 1.0));
/// ```
#[inline]
pub fn jacobian<T: Real, const M: usize, const N: usize>(
    x: &SVector<T, N>,
    mut jvp: impl FnMut(&SVector<T, N>) -> (SVector<T, M>, SVector<T, M>),
) -> (SVector<T, M>, SMatrix<T, M, N>) {
    let _ = x;
    let mut matrix = SMatrix::<T, M, N>::zeros();
    let mut value = None;
    for column in 0..N {
        let (y, tangent) = jvp(&unit(column));
        matrix.set_column(column, &tangent);
        value.get_or_insert(y);
    }
    let value = value.unwrap_or_else(|| jvp(&SVector::zeros()).0);
    (value, matrix)
}

/// The tangents of one differentiated argument of type `X` that a
/// hyper-dual sibling `f_jvp2` takes: `U` tangents along the first
/// directions, `V` along the second, and the `U × V` second-order ones
/// (`None`: zero, as for an argument of the function being differentiated).
///
/// Each active value of `f_jvp2` carries `U + V + U·V` tangents beside its
/// value, so one pass gives the derivatives along all the directions and
/// the second-order ones `uᵢᵀ∇²f·vⱼ` for every pair: with `U = V = N` unit
/// vectors the whole Hessian, with `U = N` unit vectors and `V = 1` the
/// Hessian-vector product. The value is computed once.
#[derive(Clone, Copy, Debug)]
pub struct Hyper<'a, X, const U: usize, const V: usize> {
    /// The tangents along the first directions.
    pub u: &'a [X; U],
    /// The tangents along the second directions.
    pub v: &'a [X; V],
    /// The second-order tangents, `uv[i][j]` for the pair `(uᵢ, vⱼ)`.
    pub uv: Option<&'a [[X; V]; U]>,
}

/// What `f_jvp2` takes for a differentiated argument of type `X`: a
/// [`Hyper`], or [`NoTangent`] where the argument is constant at the call.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a hyper-dual tangent for a parameter of type `{X}`",
    label = "pass `Hyper {{ u, v, uv }}` or `NoTangent`"
)]
pub trait HyperArg<X, const U: usize, const V: usize> {
    /// The tangents, owned, zero where not given.
    #[allow(clippy::type_complexity, reason = "the three kinds of tangents")]
    fn lanes(self, like: &X) -> ([X; U], [X; V], [[X; V]; U]);
}

impl<X: Clone + Params, const U: usize, const V: usize> HyperArg<X, U, V> for Hyper<'_, X, U, V> {
    #[inline]
    fn lanes(self, like: &X) -> ([X; U], [X; V], [[X; V]; U]) {
        let uv = match self.uv {
            Some(uv) => uv.clone(),
            None => core::array::from_fn(|_| core::array::from_fn(|_| like.zero_like())),
        };
        (self.u.clone(), self.v.clone(), uv)
    }
}

impl<X: Params, const U: usize, const V: usize> HyperArg<X, U, V> for NoTangent {
    #[inline]
    fn lanes(self, like: &X) -> ([X; U], [X; V], [[X; V]; U]) {
        (
            core::array::from_fn(|_| like.zero_like()),
            core::array::from_fn(|_| like.zero_like()),
            core::array::from_fn(|_| core::array::from_fn(|_| like.zero_like())),
        )
    }
}

/// A differentiated argument that `f_hessian` and `f_hvp` take: an
/// `SVector<T, N>` (N coordinates) or a scalar (one).
#[diagnostic::on_unimplemented(
    message = "`_hessian` and `_hvp` need the differentiated argument to be an `SVector<T, N>` or a scalar, not `{Self}`",
    label = "this argument",
    note = "for other types call `_jvp2` with the directions you need"
)]
pub trait SecondOrder: Sized {
    /// The unit vectors, `[Self; N]`.
    type Units;
    /// `N` scalars, `[T; N]`: the gradient as `f_jvp2` returns it.
    type Row;
    /// `N` single scalars, `[[T; 1]; N]`: a Hessian-vector product as
    /// `f_jvp2` returns it.
    type Column;
    /// `N × N` scalars, `[[T; N]; N]`: the Hessian as `f_jvp2` returns it.
    type Square;
    /// The Hessian: `SMatrix<T, N, N>` (a scalar for a scalar argument).
    type Matrix;
    /// The N unit vectors.
    fn units() -> Self::Units;
    /// The gradient from its coordinates.
    fn from_row(row: Self::Row) -> Self;
    /// The Hessian-vector product from its coordinates.
    fn from_column(column: Self::Column) -> Self;
    /// The Hessian from its entries.
    fn from_square(square: Self::Square) -> Self::Matrix;
}

impl<T: Real, const N: usize> SecondOrder for SVector<T, N> {
    type Units = [Self; N];
    type Row = [T; N];
    type Column = [[T; 1]; N];
    type Square = [[T; N]; N];
    type Matrix = SMatrix<T, N, N>;

    #[inline]
    fn units() -> [Self; N] {
        core::array::from_fn(unit)
    }
    #[inline]
    fn from_row(row: [T; N]) -> Self {
        Self::from(row)
    }
    #[inline]
    fn from_column(column: [[T; 1]; N]) -> Self {
        Self::from_fn(|i, _| column[i][0])
    }
    #[inline]
    fn from_square(square: [[T; N]; N]) -> SMatrix<T, N, N> {
        SMatrix::from_fn(|i, j| square[i][j])
    }
}

impl<T: Real> SecondOrder for T {
    type Units = [Self; 1];
    type Row = [T; 1];
    type Column = [[T; 1]; 1];
    type Square = [[T; 1]; 1];
    type Matrix = T;

    #[inline]
    fn units() -> [Self; 1] {
        [T::ONE]
    }
    #[inline]
    fn from_row(row: [T; 1]) -> Self {
        row[0]
    }
    #[inline]
    fn from_column(column: [[T; 1]; 1]) -> Self {
        column[0][0]
    }
    #[inline]
    fn from_square(square: [[T; 1]; 1]) -> T {
        square[0][0]
    }
}

/// The unit vectors along which `f_hessian` and `f_hvp` run `f_jvp2`.
///
/// ```
/// use nalgebra::Vector2;
/// use tapeless_runtime::forward::units;
/// assert_eq!(units(&Vector2::new(3.0, 4.0)), [Vector2::new(1.0, 0.0), Vector2::new(0.0, 1.0)]);
/// assert_eq!(units(&2.5), [1.0]);
/// ```
#[inline]
#[must_use]
pub fn units<X: SecondOrder>(x: &X) -> X::Units {
    let _ = x;
    X::units()
}

/// `f_hessian`'s result from one pass of `f_jvp2` along the unit vectors
/// (both as `u` and as `v`): the value, the gradient and the Hessian.
///
/// ```
/// use nalgebra::{Matrix2, Vector2};
/// use tapeless_runtime::forward::hessian;
/// // f(x) = x₀²x₁ at (2, 3), as `f_jvp2` along the unit vectors returns it.
/// let jvp2 = (12.0, [12.0, 4.0], [12.0, 4.0], [[6.0, 4.0], [4.0, 0.0]]);
/// let (value, gradient, h) = hessian::<Vector2<f64>, f64>(jvp2);
/// assert_eq!((value, gradient), (12.0, Vector2::new(12.0, 4.0)));
/// assert_eq!(h, Matrix2::new(6.0, 4.0, 4.0, 0.0));
/// ```
#[inline]
pub fn hessian<X: SecondOrder, Y>(
    (value, gradient, _, square): (Y, X::Row, X::Row, X::Square),
) -> (Y, X, X::Matrix) {
    (value, X::from_row(gradient), X::from_square(square))
}

/// `f_hvp`'s result from one pass of `f_jvp2` along the unit vectors (as
/// `u`) and the direction (as the one `v`): the value, the gradient and the
/// Hessian-vector product.
///
/// ```
/// use nalgebra::Vector2;
/// use tapeless_runtime::forward::hvp;
/// let jvp2 = (12.0, [12.0, 4.0], [8.0], [[2.0], [4.0]]);
/// let (_, gradient, product) = hvp::<Vector2<f64>, f64>(jvp2);
/// assert_eq!((gradient, product), (Vector2::new(12.0, 4.0), Vector2::new(2.0, 4.0)));
/// ```
#[inline]
pub fn hvp<X: SecondOrder, Y>(
    (value, gradient, _, column): (Y, X::Row, [Y; 1], X::Column),
) -> (Y, X, X) {
    (value, X::from_row(gradient), X::from_column(column))
}

fn unit<T: Real, const N: usize>(index: usize) -> SVector<T, N> {
    let mut unit = SVector::zeros();
    unit[index] = T::ONE;
    unit
}
