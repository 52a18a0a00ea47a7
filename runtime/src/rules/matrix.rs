//! Rules of products and quotients involving fixed-size matrices and
//! vectors, and of the matrix methods `#[differentiable]` knows by name.
//!
//! Shapes follow nalgebra: an `SVector<T, N>` is an `SMatrix<T, N, 1>`, a
//! row vector an `SMatrix<T, 1, N>`; every rule below covers them all.

use super::arith::{DivRule, MulRule};
use crate::Real;
use nalgebra::SMatrix;

/// `s · A`: `∂/∂s = ⟨Ā, A⟩`, `∂/∂A = s·Ā`.
impl<T: Real, const R: usize, const C: usize> MulRule<SMatrix<T, R, C>> for T {
    type Output = SMatrix<T, R, C>;
    #[inline]
    fn mul_lhs(adjoint: &SMatrix<T, R, C>, _lhs: &T, rhs: &SMatrix<T, R, C>) -> T {
        adjoint.dot(rhs)
    }
    #[inline]
    fn mul_rhs(adjoint: &SMatrix<T, R, C>, lhs: &T, _rhs: &SMatrix<T, R, C>) -> SMatrix<T, R, C> {
        adjoint * *lhs
    }
}

/// `A · s`: `∂/∂A = Ā·s`, `∂/∂s = ⟨Ā, A⟩`.
impl<T: Real, const R: usize, const C: usize> MulRule<T> for SMatrix<T, R, C> {
    type Output = SMatrix<T, R, C>;
    #[inline]
    fn mul_lhs(adjoint: &SMatrix<T, R, C>, _lhs: &SMatrix<T, R, C>, rhs: &T) -> SMatrix<T, R, C> {
        adjoint * *rhs
    }
    #[inline]
    fn mul_rhs(adjoint: &SMatrix<T, R, C>, lhs: &SMatrix<T, R, C>, _rhs: &T) -> T {
        adjoint.dot(lhs)
    }
}

/// `A · B` (matrix × matrix, matrix × vector, column × row): `∂/∂A = C̄·Bᵀ`,
/// `∂/∂B = Aᵀ·C̄`.
impl<T: Real, const R: usize, const K: usize, const C: usize> MulRule<SMatrix<T, K, C>>
    for SMatrix<T, R, K>
{
    type Output = SMatrix<T, R, C>;
    #[inline]
    fn mul_lhs(
        adjoint: &SMatrix<T, R, C>,
        _lhs: &SMatrix<T, R, K>,
        rhs: &SMatrix<T, K, C>,
    ) -> SMatrix<T, R, K> {
        adjoint * rhs.transpose()
    }
    #[inline]
    fn mul_rhs(
        adjoint: &SMatrix<T, R, C>,
        lhs: &SMatrix<T, R, K>,
        _rhs: &SMatrix<T, K, C>,
    ) -> SMatrix<T, K, C> {
        lhs.tr_mul(adjoint)
    }
}

/// `A / s`: `∂/∂A = Ā/s`, `∂/∂s = −⟨Ā, A/s⟩/s`.
impl<T: Real, const R: usize, const C: usize> DivRule<T> for SMatrix<T, R, C> {
    type Output = SMatrix<T, R, C>;
    #[inline]
    fn div_lhs(
        adjoint: &SMatrix<T, R, C>,
        _lhs: &Self,
        rhs: &T,
        _output: &SMatrix<T, R, C>,
    ) -> Self {
        adjoint / *rhs
    }
    #[inline]
    fn div_rhs(adjoint: &SMatrix<T, R, C>, _lhs: &Self, rhs: &T, output: &SMatrix<T, R, C>) -> T {
        -(adjoint.dot(output) / *rhs)
    }
    #[inline]
    fn div_rhs_jvp(tangent: &T, _lhs: &Self, rhs: &T, output: &SMatrix<T, R, C>) -> Self {
        output * -(*tangent / *rhs)
    }
    #[inline]
    fn div_rhs_second(
        _a: &Self,
        b: &T,
        bu: &T,
        bv: &T,
        buv: &T,
        y: &SMatrix<T, R, C>,
        yu: &SMatrix<T, R, C>,
        yv: &SMatrix<T, R, C>,
    ) -> Self {
        -((y * *buv + yv * *bu + yu * *bv) / *b)
    }
}

/// The rule of `x.abs()`, elementwise for matrices: `x̄ = ȳ·sign(x)` with
/// `sign(0) = 0` (as `torch.abs`).
pub trait AbsRule: Sized {
    /// The contribution of `adjoint` to the adjoint of `x`.
    fn abs(adjoint: &Self, x: &Self, y: &Self) -> Self;
}

impl<T: Real> AbsRule for T {
    #[inline]
    fn abs(adjoint: &T, x: &T, y: &T) -> T {
        super::scalar::abs(adjoint, x, y)
    }
}

impl<T: Real, const R: usize, const C: usize> AbsRule for SMatrix<T, R, C> {
    #[inline]
    fn abs(adjoint: &Self, x: &Self, y: &Self) -> Self {
        adjoint.zip_zip_map(x, y, |a, x, y| super::scalar::abs(&a, &x, &y))
    }
}

/// `y = a·b` (`a.dot(&b)`), with respect to `a`: `ȳ·b`.
#[inline]
#[must_use]
pub fn dot_lhs<T: Real, const R: usize, const C: usize>(
    adjoint: &T,
    _a: &SMatrix<T, R, C>,
    b: &SMatrix<T, R, C>,
    _y: &T,
) -> SMatrix<T, R, C> {
    b * *adjoint
}

/// `y = a·b` (`a.dot(&b)`), with respect to `b`: `ȳ·a`.
#[inline]
#[must_use]
pub fn dot_rhs<T: Real, const R: usize, const C: usize>(
    adjoint: &T,
    a: &SMatrix<T, R, C>,
    _b: &SMatrix<T, R, C>,
    _y: &T,
) -> SMatrix<T, R, C> {
    a * *adjoint
}

/// `Y = A ⊙ B` (`a.component_mul(&b)`), with respect to `A`: `Ȳ ⊙ B`.
#[inline]
#[must_use]
pub fn component_mul_lhs<T: Real, const R: usize, const C: usize>(
    adjoint: &SMatrix<T, R, C>,
    _a: &SMatrix<T, R, C>,
    b: &SMatrix<T, R, C>,
    _y: &SMatrix<T, R, C>,
) -> SMatrix<T, R, C> {
    adjoint.component_mul(b)
}

/// `Y = A ⊙ B` (`a.component_mul(&b)`), with respect to `B`: `Ȳ ⊙ A`.
#[inline]
#[must_use]
pub fn component_mul_rhs<T: Real, const R: usize, const C: usize>(
    adjoint: &SMatrix<T, R, C>,
    a: &SMatrix<T, R, C>,
    _b: &SMatrix<T, R, C>,
    _y: &SMatrix<T, R, C>,
) -> SMatrix<T, R, C> {
    adjoint.component_mul(a)
}

/// `Y = A ⊘ B` (`a.component_div(&b)`), with respect to `A`: `Ȳ ⊘ B`.
#[inline]
#[must_use]
pub fn component_div_lhs<T: Real, const R: usize, const C: usize>(
    adjoint: &SMatrix<T, R, C>,
    _a: &SMatrix<T, R, C>,
    b: &SMatrix<T, R, C>,
    _y: &SMatrix<T, R, C>,
) -> SMatrix<T, R, C> {
    adjoint.component_div(b)
}

/// `Y = A ⊘ B` (`a.component_div(&b)`), with respect to `B`: `−Ȳ ⊙ Y ⊘ B`.
#[inline]
#[must_use]
pub fn component_div_rhs<T: Real, const R: usize, const C: usize>(
    adjoint: &SMatrix<T, R, C>,
    _a: &SMatrix<T, R, C>,
    b: &SMatrix<T, R, C>,
    y: &SMatrix<T, R, C>,
) -> SMatrix<T, R, C> {
    adjoint.zip_zip_map(y, b, |a, y, b| -(a * y / b))
}

/// `Y = Aᵀ`: `Ā = Ȳᵀ`.
#[inline]
#[must_use]
pub fn transpose<T: Real, const R: usize, const C: usize>(
    adjoint: &SMatrix<T, C, R>,
    _a: &SMatrix<T, R, C>,
    _y: &SMatrix<T, C, R>,
) -> SMatrix<T, R, C> {
    adjoint.transpose()
}

/// `y = Σ aᵢ`: `āᵢ = ȳ`.
#[inline]
#[must_use]
pub fn sum<T: Real, const R: usize, const C: usize>(
    adjoint: &T,
    _a: &SMatrix<T, R, C>,
    _y: &T,
) -> SMatrix<T, R, C> {
    SMatrix::from_element(*adjoint)
}

/// `y = Σ aᵢ / n`: `āᵢ = ȳ/n`.
#[inline]
#[must_use]
pub fn mean<T: Real, const R: usize, const C: usize>(
    adjoint: &T,
    _a: &SMatrix<T, R, C>,
    _y: &T,
) -> SMatrix<T, R, C> {
    SMatrix::from_element(*adjoint / T::from_f64_lossy((R * C) as f64))
}

/// `y = ‖a‖`: `ā = ȳ·a/y`, and 0 at `a = 0` (as `torch.linalg.vector_norm`).
#[inline]
#[must_use]
pub fn norm<T: Real, const R: usize, const C: usize>(
    adjoint: &T,
    a: &SMatrix<T, R, C>,
    y: &T,
) -> SMatrix<T, R, C> {
    if *y == T::ZERO {
        SMatrix::zeros()
    } else {
        a * (*adjoint / *y)
    }
}

/// `y = ‖a‖²`: `ā = 2ȳ·a`.
#[inline]
#[must_use]
pub fn norm_squared<T: Real, const R: usize, const C: usize>(
    adjoint: &T,
    a: &SMatrix<T, R, C>,
    _y: &T,
) -> SMatrix<T, R, C> {
    a * (T::TWO * *adjoint)
}

/// `y = max aᵢ`: `ȳ` shared evenly by the elements equal to the maximum (as
/// `torch.amax`).
#[inline]
#[must_use]
pub fn max<T: Real, const R: usize, const C: usize>(
    adjoint: &T,
    a: &SMatrix<T, R, C>,
    y: &T,
) -> SMatrix<T, R, C> {
    share_among_equal(adjoint, a, y)
}

/// `y = min aᵢ`: `ȳ` shared evenly by the elements equal to the minimum (as
/// `torch.amin`).
#[inline]
#[must_use]
pub fn min<T: Real, const R: usize, const C: usize>(
    adjoint: &T,
    a: &SMatrix<T, R, C>,
    y: &T,
) -> SMatrix<T, R, C> {
    share_among_equal(adjoint, a, y)
}

fn share_among_equal<T: Real, const R: usize, const C: usize>(
    adjoint: &T,
    a: &SMatrix<T, R, C>,
    y: &T,
) -> SMatrix<T, R, C> {
    let count = a.iter().filter(|x| **x == *y).count();
    let share = *adjoint / T::from_f64_lossy(count.max(1) as f64);
    a.map(|x| if x == *y { share } else { T::ZERO })
}

/// The contribution to the `index`-th argument of `SMatrix::new(...)` (row
/// by row, as nalgebra's `new` takes them).
#[inline]
#[must_use]
pub fn new_argument<T: Real, const R: usize, const C: usize>(
    adjoint: &SMatrix<T, R, C>,
    index: usize,
) -> T {
    adjoint[(index / C, index % C)]
}

/// The contribution to the array of `SVector::from([...])`: the adjoint's
/// elements.
#[inline]
#[must_use]
pub fn vector_from_argument<T: Real, const N: usize>(adjoint: &nalgebra::SVector<T, N>) -> [T; N] {
    (*adjoint).into()
}

// Forward mode: each `_jvp` rule takes the tangent of one operand, then the
// operands and the result, and returns that operand's part of the result's
// tangent. Each `_second` rule returns the second-order term of a
// hyper-dual tangent along directions `u` and `v` (operands, their `u`
// tangents, their `v` tangents, the result); rules without one are linear or
// piecewise linear.

/// `y = a·b`, through `a`: `ȧ·b`.
#[inline]
#[must_use]
pub fn dot_lhs_jvp<T: Real, const R: usize, const C: usize>(
    tangent: &SMatrix<T, R, C>,
    _a: &SMatrix<T, R, C>,
    b: &SMatrix<T, R, C>,
    _y: &T,
) -> T {
    tangent.dot(b)
}

/// `y = a·b`, through `b`: `a·ḃ`.
#[inline]
#[must_use]
pub fn dot_rhs_jvp<T: Real, const R: usize, const C: usize>(
    tangent: &SMatrix<T, R, C>,
    a: &SMatrix<T, R, C>,
    _b: &SMatrix<T, R, C>,
    _y: &T,
) -> T {
    a.dot(tangent)
}

/// `y = a·b`: the second-order term `uₐ·v_b + vₐ·u_b`.
#[inline]
#[must_use]
pub fn dot_second<T: Real, const R: usize, const C: usize>(
    _a: &SMatrix<T, R, C>,
    _b: &SMatrix<T, R, C>,
    ua: &SMatrix<T, R, C>,
    ub: &SMatrix<T, R, C>,
    va: &SMatrix<T, R, C>,
    vb: &SMatrix<T, R, C>,
    _y: &T,
) -> T {
    ua.dot(vb) + va.dot(ub)
}

/// `Y = A ⊙ B`, through `A`: `Ȧ ⊙ B`.
#[inline]
#[must_use]
pub fn component_mul_lhs_jvp<T: Real, const R: usize, const C: usize>(
    tangent: &SMatrix<T, R, C>,
    _a: &SMatrix<T, R, C>,
    b: &SMatrix<T, R, C>,
    _y: &SMatrix<T, R, C>,
) -> SMatrix<T, R, C> {
    tangent.component_mul(b)
}

/// `Y = A ⊙ B`, through `B`: `A ⊙ Ḃ`.
#[inline]
#[must_use]
pub fn component_mul_rhs_jvp<T: Real, const R: usize, const C: usize>(
    tangent: &SMatrix<T, R, C>,
    a: &SMatrix<T, R, C>,
    _b: &SMatrix<T, R, C>,
    _y: &SMatrix<T, R, C>,
) -> SMatrix<T, R, C> {
    a.component_mul(tangent)
}

/// `Y = A ⊙ B`: the second-order term `U_A ⊙ V_B + V_A ⊙ U_B`.
#[inline]
#[must_use]
pub fn component_mul_second<T: Real, const R: usize, const C: usize>(
    _a: &SMatrix<T, R, C>,
    _b: &SMatrix<T, R, C>,
    ua: &SMatrix<T, R, C>,
    ub: &SMatrix<T, R, C>,
    va: &SMatrix<T, R, C>,
    vb: &SMatrix<T, R, C>,
    _y: &SMatrix<T, R, C>,
) -> SMatrix<T, R, C> {
    ua.component_mul(vb) + va.component_mul(ub)
}

/// `Y = A ⊘ B`, through `A`: `Ȧ ⊘ B`.
#[inline]
#[must_use]
pub fn component_div_lhs_jvp<T: Real, const R: usize, const C: usize>(
    tangent: &SMatrix<T, R, C>,
    _a: &SMatrix<T, R, C>,
    b: &SMatrix<T, R, C>,
    _y: &SMatrix<T, R, C>,
) -> SMatrix<T, R, C> {
    tangent.component_div(b)
}

/// `Y = A ⊘ B`, through `B`: `−Y ⊙ Ḃ ⊘ B`.
#[inline]
#[must_use]
pub fn component_div_rhs_jvp<T: Real, const R: usize, const C: usize>(
    tangent: &SMatrix<T, R, C>,
    _a: &SMatrix<T, R, C>,
    b: &SMatrix<T, R, C>,
    y: &SMatrix<T, R, C>,
) -> SMatrix<T, R, C> {
    tangent.zip_zip_map(y, b, |t, y, b| -(y * t / b))
}

/// `Y = A ⊘ B`: the second-order term, elementwise
/// `−(uₐv_b + vₐu_b)/b² + 2a·u_b·v_b/b³`.
#[inline]
#[must_use]
pub fn component_div_second<T: Real, const R: usize, const C: usize>(
    a: &SMatrix<T, R, C>,
    b: &SMatrix<T, R, C>,
    ua: &SMatrix<T, R, C>,
    ub: &SMatrix<T, R, C>,
    va: &SMatrix<T, R, C>,
    vb: &SMatrix<T, R, C>,
    _y: &SMatrix<T, R, C>,
) -> SMatrix<T, R, C> {
    SMatrix::from_fn(|i, j| {
        let (a, b) = (a[(i, j)], b[(i, j)]);
        let (ua, ub, va, vb) = (ua[(i, j)], ub[(i, j)], va[(i, j)], vb[(i, j)]);
        -(ua * vb + va * ub) / (b * b) + T::TWO * a * ub * vb / (b * b * b)
    })
}

/// `Y = Aᵀ`: `Ẏ = Ȧᵀ`.
#[inline]
#[must_use]
pub fn transpose_jvp<T: Real, const R: usize, const C: usize>(
    tangent: &SMatrix<T, R, C>,
    _a: &SMatrix<T, R, C>,
    _y: &SMatrix<T, C, R>,
) -> SMatrix<T, C, R> {
    tangent.transpose()
}

/// `y = Σ aᵢ`: `ẏ = Σ ȧᵢ`.
#[inline]
#[must_use]
pub fn sum_jvp<T: Real, const R: usize, const C: usize>(
    tangent: &SMatrix<T, R, C>,
    _a: &SMatrix<T, R, C>,
    _y: &T,
) -> T {
    tangent.sum()
}

/// `y = Σ aᵢ / n`: `ẏ = Σ ȧᵢ / n`.
#[inline]
#[must_use]
pub fn mean_jvp<T: Real, const R: usize, const C: usize>(
    tangent: &SMatrix<T, R, C>,
    _a: &SMatrix<T, R, C>,
    _y: &T,
) -> T {
    tangent.sum() / T::from_f64_lossy((R * C) as f64)
}

/// `y = ‖a‖`: `ẏ = a·ȧ/y`, and 0 at `a = 0`.
#[inline]
#[must_use]
pub fn norm_jvp<T: Real, const R: usize, const C: usize>(
    tangent: &SMatrix<T, R, C>,
    a: &SMatrix<T, R, C>,
    y: &T,
) -> T {
    if *y == T::ZERO {
        T::ZERO
    } else {
        a.dot(tangent) / *y
    }
}

/// `y = ‖a‖`: the second-order term `(u·v − (a·u)(a·v)/y²)/y`, and 0 at `a = 0`.
#[inline]
#[must_use]
pub fn norm_second<T: Real, const R: usize, const C: usize>(
    a: &SMatrix<T, R, C>,
    u: &SMatrix<T, R, C>,
    v: &SMatrix<T, R, C>,
    y: &T,
) -> T {
    if *y == T::ZERO {
        T::ZERO
    } else {
        (u.dot(v) - a.dot(u) * a.dot(v) / (*y * *y)) / *y
    }
}

/// `y = ‖a‖²`: `ẏ = 2a·ȧ`.
#[inline]
#[must_use]
pub fn norm_squared_jvp<T: Real, const R: usize, const C: usize>(
    tangent: &SMatrix<T, R, C>,
    a: &SMatrix<T, R, C>,
    _y: &T,
) -> T {
    T::TWO * a.dot(tangent)
}

/// `y = ‖a‖²`: the second-order term `2u·v`.
#[inline]
#[must_use]
pub fn norm_squared_second<T: Real, const R: usize, const C: usize>(
    _a: &SMatrix<T, R, C>,
    u: &SMatrix<T, R, C>,
    v: &SMatrix<T, R, C>,
    _y: &T,
) -> T {
    T::TWO * u.dot(v)
}

/// `y = max aᵢ`: the mean of the tangents of the elements equal to the
/// maximum (the transpose of [`max`]'s even share).
#[inline]
#[must_use]
pub fn max_jvp<T: Real, const R: usize, const C: usize>(
    tangent: &SMatrix<T, R, C>,
    a: &SMatrix<T, R, C>,
    y: &T,
) -> T {
    share_among_equal(&T::ONE, a, y).dot(tangent)
}

/// `y = min aᵢ`: the mean of the tangents of the elements equal to the
/// minimum.
#[inline]
#[must_use]
pub fn min_jvp<T: Real, const R: usize, const C: usize>(
    tangent: &SMatrix<T, R, C>,
    a: &SMatrix<T, R, C>,
    y: &T,
) -> T {
    share_among_equal(&T::ONE, a, y).dot(tangent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{Matrix2x3, Vector2, Vector3};

    #[test]
    fn products_follow_the_shape_rules() {
        let a = Matrix2x3::new(1.0, 2.0, 3.0, 4.0, 5.0, 6.0);
        let x = Vector3::new(1.0, -1.0, 2.0);
        let adjoint = Vector2::new(1.0, 10.0);
        // y = A x: Ā = ȳ xᵀ, x̄ = Aᵀ ȳ
        assert_eq!(MulRule::mul_lhs(&adjoint, &a, &x), adjoint * x.transpose());
        assert_eq!(
            MulRule::mul_rhs(&adjoint, &a, &x),
            Vector3::new(41.0, 52.0, 63.0)
        );
        // y = s v
        let v = Vector2::new(3.0, 4.0);
        assert_eq!(MulRule::mul_lhs(&adjoint, &2.0, &v), 43.0);
        assert_eq!(
            MulRule::mul_rhs(&adjoint, &2.0, &v),
            Vector2::new(2.0, 20.0)
        );
    }

    #[test]
    fn reductions_and_ties() {
        let a = Vector3::new(1.0, 3.0, 3.0);
        assert_eq!(max(&1.0, &a, &3.0), Vector3::new(0.0, 0.5, 0.5));
        assert_eq!(mean(&3.0, &a, &(7.0 / 3.0)), Vector3::new(1.0, 1.0, 1.0));
        assert_eq!(norm(&1.0, &Vector3::zeros(), &0.0), Vector3::zeros());
        assert_eq!(
            new_argument(&Matrix2x3::new(1.0, 2.0, 3.0, 4.0, 5.0, 6.0), 4),
            5.0
        );
    }
}
