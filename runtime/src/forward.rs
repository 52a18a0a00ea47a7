//! Jacobians and Hessians assembled from the forward-mode siblings that
//! `#[differentiable(jvp, jacobian, hessian)]` generates.
//!
//! `f_jacobian` calls `f_jvp` once per unit vector (N directional
//! derivatives give the N columns); `f_hessian` and `f_hvp` call the
//! hyper-dual sibling `f_jvp2`, which returns the value, the directional
//! derivatives along `u` and `v`, and the second directional derivative
//! `uᵀ∇²f·v`, exactly (no differences are taken).

use crate::Real;
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

/// The type of the Hessian with respect to an argument of type `Self`: for
/// `SVector<T, N>`, `SMatrix<T, N, N>`.
#[diagnostic::on_unimplemented(
    message = "`_hessian` and `_hvp` need the differentiated argument to be an `SVector<T, N>`, not `{Self}`",
    label = "this argument",
    note = "for other types call `_jvp2` with the directions you need"
)]
pub trait HessianOf {
    /// `SMatrix<T, N, N>`.
    type Matrix;
}

impl<T: Real, const N: usize> HessianOf for SVector<T, N> {
    type Matrix = SMatrix<T, N, N>;
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

/// The value, the gradient and the Hessian of a scalar function of `x`,
/// from its hyper-dual sibling `jvp2(u, v) -> (value, ∂f·u, ∂f·v, uᵀ∇²f·v)`,
/// called for each pair of unit vectors `i ≤ j` (N(N+1)/2 calls).
///
/// ```
/// use nalgebra::{Matrix2, Vector2};
/// use tapeless_runtime::forward::hessian;
/// // f(x) = x₀²x₁
/// let x = Vector2::new(2.0, 3.0);
/// let jvp2 = |u: &Vector2<f64>, v: &Vector2<f64>| {
///     let g = Vector2::new(2.0 * x[0] * x[1], x[0] * x[0]);
///     let h = Matrix2::new(2.0 * x[1], 2.0 * x[0], 2.0 * x[0], 0.0);
///     (x[0] * x[0] * x[1], g.dot(u), g.dot(v), (h * v).dot(u))
/// };
/// let (value, gradient, h) = hessian(&x, jvp2);
/// assert_eq!((value, gradient), (12.0, Vector2::new(12.0, 4.0)));
/// assert_eq!(h, Matrix2::new(6.0, 4.0, 4.0, 0.0));
/// ```
#[inline]
pub fn hessian<T: Real, const N: usize>(
    x: &SVector<T, N>,
    mut jvp2: impl FnMut(&SVector<T, N>, &SVector<T, N>) -> (T, T, T, T),
) -> (T, SVector<T, N>, SMatrix<T, N, N>) {
    let _ = x;
    let mut gradient = SVector::<T, N>::zeros();
    let mut matrix = SMatrix::<T, N, N>::zeros();
    let mut value = None;
    for i in 0..N {
        let u = unit(i);
        for j in i..N {
            let (y, along_u, _, second) = jvp2(&u, &unit(j));
            value.get_or_insert(y);
            gradient[i] = along_u;
            matrix[(i, j)] = second;
            matrix[(j, i)] = second;
        }
    }
    let zero = SVector::zeros();
    let value = value.unwrap_or_else(|| jvp2(&zero, &zero).0);
    (value, gradient, matrix)
}

/// The value, the gradient and the Hessian-vector product `∇²f·v` of a
/// scalar function of `x`, from its hyper-dual sibling (N calls, one per
/// unit vector `eᵢ`, each giving `∂f/∂xᵢ` and `eᵢᵀ∇²f·v`).
///
/// ```
/// use nalgebra::{Matrix2, Vector2};
/// use tapeless_runtime::forward::hvp;
/// let x = Vector2::new(2.0, 3.0);
/// let h = Matrix2::new(6.0, 4.0, 4.0, 0.0);
/// let g = Vector2::new(12.0, 4.0);
/// let jvp2 = |u: &Vector2<f64>, v: &Vector2<f64>| (12.0, g.dot(u), g.dot(v), (h * v).dot(u));
/// let (_, gradient, product) = hvp(&x, &Vector2::new(1.0, -1.0), jvp2);
/// assert_eq!((gradient, product), (g, Vector2::new(2.0, 4.0)));
/// ```
#[inline]
pub fn hvp<T: Real, const N: usize>(
    x: &SVector<T, N>,
    v: &SVector<T, N>,
    mut jvp2: impl FnMut(&SVector<T, N>, &SVector<T, N>) -> (T, T, T, T),
) -> (T, SVector<T, N>, SVector<T, N>) {
    let _ = x;
    let mut gradient = SVector::<T, N>::zeros();
    let mut product = SVector::<T, N>::zeros();
    let mut value = None;
    for i in 0..N {
        let (y, along_u, _, second) = jvp2(&unit(i), v);
        value.get_or_insert(y);
        gradient[i] = along_u;
        product[i] = second;
    }
    let value = value.unwrap_or_else(|| jvp2(&SVector::zeros(), v).0);
    (value, gradient, product)
}

fn unit<T: Real, const N: usize>(index: usize) -> SVector<T, N> {
    let mut unit = SVector::zeros();
    unit[index] = T::ONE;
    unit
}
