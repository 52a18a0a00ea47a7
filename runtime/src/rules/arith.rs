//! Rules of the binary operators whose adjoints depend on operand shapes.

use crate::Real;

/// Reverse-mode rule of `lhs * rhs`.
///
/// For scalars: `∂(a·b)/∂a = b`, `∂(a·b)/∂b = a`.
///
/// ```
/// use tapeless_runtime::rules::MulRule;
/// assert_eq!(MulRule::mul_lhs(&2.0, &3.0, &5.0), 10.0);
/// assert_eq!(MulRule::mul_rhs(&2.0, &3.0, &5.0), 6.0);
/// ```
#[diagnostic::on_unimplemented(
    message = "cannot differentiate `{Self} * {Rhs}`: no product rule for these operand types",
    label = "this product",
    note = "products are differentiated for scalars, and for nalgebra matrices and vectors of the same scalar type whose shapes match (R×K times K×C)"
)]
pub trait MulRule<Rhs>: Sized {
    /// The type of `lhs * rhs`.
    type Output;
    /// The contribution of `adjoint` to the adjoint of `lhs`.
    fn mul_lhs(adjoint: &Self::Output, lhs: &Self, rhs: &Rhs) -> Self;
    /// The contribution of `adjoint` to the adjoint of `rhs`.
    fn mul_rhs(adjoint: &Self::Output, lhs: &Self, rhs: &Rhs) -> Rhs;
}

/// Reverse-mode rule of `lhs / rhs`.
///
/// For scalars: `∂(a/b)/∂a = 1/b`, `∂(a/b)/∂b = −a/b² = −(a/b)/b`.
///
/// ```
/// use tapeless_runtime::rules::DivRule;
/// let y = 3.0 / 2.0;
/// assert_eq!(DivRule::div_lhs(&1.0, &3.0, &2.0, &y), 0.5);
/// assert_eq!(DivRule::div_rhs(&1.0, &3.0, &2.0, &y), -0.75);
/// ```
#[diagnostic::on_unimplemented(
    message = "cannot differentiate `{Self} / {Rhs}`: no quotient rule for these operand types",
    label = "this quotient",
    note = "quotients are differentiated for scalars, and for nalgebra matrices and vectors divided by a scalar"
)]
pub trait DivRule<Rhs>: Sized {
    /// The type of `lhs / rhs`.
    type Output;
    /// The contribution of `adjoint` to the adjoint of `lhs`.
    fn div_lhs(adjoint: &Self::Output, lhs: &Self, rhs: &Rhs, output: &Self::Output) -> Self;
    /// The contribution of `adjoint` to the adjoint of `rhs`.
    fn div_rhs(adjoint: &Self::Output, lhs: &Self, rhs: &Rhs, output: &Self::Output) -> Rhs;
    /// Forward mode: the part of the result's tangent that the tangent of
    /// `rhs` makes, `−y·ḃ/b`.
    fn div_rhs_jvp(tangent: &Rhs, lhs: &Self, rhs: &Rhs, output: &Self::Output) -> Self::Output;
    /// The second-order term of a hyper-dual tangent of `y = a/b` along
    /// directions `u`, `v`, given the first-order tangents of `b` and `y`:
    /// `−(y·b_uv + y_v·b_u + y_u·b_v)/b` (`lhs` only names the impl), where `b_uv` is the second-order
    /// tangent of `b` (so the whole of `b`'s contribution; `a`'s is `a_uv/b`).
    #[allow(
        clippy::too_many_arguments,
        reason = "two operands, their tangents and the result's"
    )]
    fn div_rhs_second(
        lhs: &Self,
        rhs: &Rhs,
        rhs_u: &Rhs,
        rhs_v: &Rhs,
        rhs_uv: &Rhs,
        output: &Self::Output,
        output_u: &Self::Output,
        output_v: &Self::Output,
    ) -> Self::Output;
}

impl<T: Real> MulRule<T> for T {
    type Output = T;
    #[inline]
    fn mul_lhs(adjoint: &T, _lhs: &T, rhs: &T) -> T {
        *adjoint * *rhs
    }
    #[inline]
    fn mul_rhs(adjoint: &T, lhs: &T, _rhs: &T) -> T {
        *adjoint * *lhs
    }
}

impl<T: Real> DivRule<T> for T {
    type Output = T;
    #[inline]
    fn div_lhs(adjoint: &T, _lhs: &T, rhs: &T, _output: &T) -> T {
        *adjoint / *rhs
    }
    #[inline]
    fn div_rhs(adjoint: &T, _lhs: &T, rhs: &T, output: &T) -> T {
        // `−(ȳ/b)·y`: the quotient `ȳ/b` is `div_lhs`'s, so where both
        // operands are differentiated the two rules share one division.
        -(*adjoint / *rhs * *output)
    }
    #[inline]
    fn div_rhs_jvp(tangent: &T, _lhs: &T, rhs: &T, output: &T) -> T {
        -(*tangent * *output / *rhs)
    }
    #[inline]
    #[allow(
        clippy::too_many_arguments,
        reason = "two operands, their tangents and the result's"
    )]
    fn div_rhs_second(_a: &T, b: &T, bu: &T, bv: &T, buv: &T, y: &T, yu: &T, yv: &T) -> T {
        -((*y * *buv + *yv * *bu + *yu * *bv) / *b)
    }
}

/// Reverse-mode rule of `x * x` (both operands the same value): the sum of
/// [`MulRule`]'s two contributions in one call. For scalars, `(ȳ + ȳ)·x`
/// (bit-identical to `ȳx + ȳx`, doubling being exact, except where `2ȳ`
/// overflows or `ȳx` is subnormal); for square matrices, `Ȳ·Xᵀ + Xᵀ·Ȳ`.
///
/// ```
/// use tapeless_runtime::rules::SquareRule;
/// assert_eq!(SquareRule::square(&1.5, &3.0), 9.0);
/// ```
#[diagnostic::on_unimplemented(
    message = "cannot differentiate `{Self} * {Self}`: no product rule for this type",
    label = "this product"
)]
pub trait SquareRule: Sized {
    /// The contribution of `adjoint` (of `x * x`) to the adjoint of `x`.
    fn square(adjoint: &Self, operand: &Self) -> Self;
}

impl<T: Real> SquareRule for T {
    #[inline]
    fn square(adjoint: &T, operand: &T) -> T {
        // `(ȳ + ȳ)·x`: when ȳ is a constant after inlining (1 in a fused
        // loop, or a literal factor) the doubling folds into it.
        (*adjoint + *adjoint) * *operand
    }
}

impl<T: Real, const N: usize> SquareRule for nalgebra::SMatrix<T, N, N> {
    #[inline]
    fn square(adjoint: &Self, operand: &Self) -> Self {
        adjoint * operand.transpose() + operand.tr_mul(adjoint)
    }
}
