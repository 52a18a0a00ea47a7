//! Rules of the scalar methods `#[differentiable]` knows by name.
//!
//! Each function is named after the method (and, for methods of several
//! operands, the operand: `powf_base`, `powf_exponent`) and returns the
//! contribution of `adjoint` (the adjoint of the method's result `y`) to the
//! adjoint of that operand. Where a derivative is undefined, the value is the
//! one PyTorch uses, stated in each function's documentation.

use crate::Real;

macro_rules! unary_rules {
    ($($(#[$doc:meta])* $name:ident($adjoint:ident, $x:ident, $y:ident) = $body:expr;)+) => {
        $(
            $(#[$doc])*
            #[inline]
            #[must_use]
            #[allow(unused_variables, reason = "not every rule needs both x and y")]
            pub fn $name<T: Real>($adjoint: &T, $x: &T, $y: &T) -> T {
                let ($adjoint, $x, $y) = (*$adjoint, *$x, *$y);
                $body
            }
        )+
    };
}

unary_rules! {
    /// `y = eˣ`: `ȳ·y`.
    exp(adjoint, x, y) = adjoint * y;
    /// `y = 2ˣ`: `ȳ·y·ln 2`.
    exp2(adjoint, x, y) = adjoint * y * T::LN_2;
    /// `y = eˣ − 1`: `ȳ·(y + 1)`.
    exp_m1(adjoint, x, y) = adjoint * (y + T::ONE);
    /// `y = ln x`: `ȳ/x` (`±∞` at 0, as PyTorch).
    ln(adjoint, x, y) = adjoint / x;
    /// `y = ln(1 + x)`: `ȳ/(1 + x)`.
    ln_1p(adjoint, x, y) = adjoint / (x + T::ONE);
    /// `y = log₂ x`: `ȳ/(x·ln 2)`.
    log2(adjoint, x, y) = adjoint / (x * T::LN_2);
    /// `y = log₁₀ x`: `ȳ/(x·ln 10)`.
    log10(adjoint, x, y) = adjoint / (x * T::LN_10);
    /// `y = √x`: `ȳ/(2y)` (`+∞` at 0, as PyTorch).
    sqrt(adjoint, x, y) = adjoint / (T::TWO * y);
    /// `y = ∛x`: `ȳ/(3y²)` (`+∞` at 0).
    cbrt(adjoint, x, y) = adjoint / ((T::TWO + T::ONE) * y * y);
    /// `y = 1/x`: `−ȳ·y²`.
    recip(adjoint, x, y) = -(adjoint * y * y);
    /// `y = sin x`: `ȳ·cos x`.
    sin(adjoint, x, y) = adjoint * T::cos(x);
    /// `y = cos x`: `−ȳ·sin x`.
    cos(adjoint, x, y) = -(adjoint * T::sin(x));
    /// `y = tan x`: `ȳ·(1 + y²)`.
    tan(adjoint, x, y) = adjoint * (T::ONE + y * y);
    /// `y = asin x`: `ȳ/√(1 − x²)`.
    asin(adjoint, x, y) = adjoint / T::sqrt(T::ONE - x * x);
    /// `y = acos x`: `−ȳ/√(1 − x²)`.
    acos(adjoint, x, y) = -(adjoint / T::sqrt(T::ONE - x * x));
    /// `y = atan x`: `ȳ/(1 + x²)`.
    atan(adjoint, x, y) = adjoint / (T::ONE + x * x);
    /// `y = sinh x`: `ȳ·cosh x`.
    sinh(adjoint, x, y) = adjoint * T::cosh(x);
    /// `y = cosh x`: `ȳ·sinh x`.
    cosh(adjoint, x, y) = adjoint * T::sinh(x);
    /// `y = tanh x`: `ȳ·(1 − y²)` (PyTorch computes it from the output too).
    tanh(adjoint, x, y) = adjoint * (T::ONE - y * y);
    /// `y = asinh x`: `ȳ/√(x² + 1)`.
    asinh(adjoint, x, y) = adjoint / T::sqrt(x * x + T::ONE);
    /// `y = acosh x`: `ȳ/√(x² − 1)`.
    acosh(adjoint, x, y) = adjoint / T::sqrt(x * x - T::ONE);
    /// `y = atanh x`: `ȳ/(1 − x²)`.
    atanh(adjoint, x, y) = adjoint / (T::ONE - x * x);
    /// `y = |x|`: `ȳ·sign x`, with **sign(0) = 0** as PyTorch (`abs'(0) = 0`).
    abs(adjoint, x, y) = adjoint * sign(x);
    /// `y = x·180/π`: `ȳ·180/π`.
    to_degrees(adjoint, x, y) = adjoint * T::from_f64_lossy(180.0 / core::f64::consts::PI);
    /// `y = x·π/180`: `ȳ·π/180`.
    to_radians(adjoint, x, y) = adjoint * T::from_f64_lossy(core::f64::consts::PI / 180.0);
    /// `y = x − trunc x`: `ȳ` (PyTorch's `frac`).
    fract(adjoint, x, y) = adjoint;
}

/// `sign(x)` with `sign(0) = 0` and `sign(NaN) = NaN`, as `torch.sign`.
#[inline]
pub(crate) fn sign<T: Real>(x: T) -> T {
    if x > T::ZERO {
        T::ONE
    } else if x < T::ZERO {
        -T::ONE
    } else {
        // 0 stays 0 (with its sign), NaN stays NaN.
        x * T::ZERO
    }
}

/// `y = xⁿ` (integer `n`): `ȳ·n·xⁿ⁻¹`, and 0 when `n = 0` (as PyTorch).
#[inline]
#[must_use]
pub fn powi<T: Real>(adjoint: &T, x: &T, n: &i32, _y: &T) -> T {
    if *n == 0 {
        T::ZERO
    } else {
        *adjoint * T::from_i32_lossy(*n) * T::powi(*x, *n - 1)
    }
}

/// `y = xᵖ`, with respect to the base: `ȳ·p·xᵖ⁻¹`, and 0 when `p = 0` (as
/// PyTorch's `pow_backward`).
#[inline]
#[must_use]
pub fn powf_base<T: Real>(adjoint: &T, x: &T, p: &T, _y: &T) -> T {
    if *p == T::ZERO {
        T::ZERO
    } else {
        *adjoint * *p * T::powf(*x, *p - T::ONE)
    }
}

/// `y = xᵖ`, with respect to the exponent: `ȳ·y·ln x`, and 0 where `x = 0`
/// and `p ≥ 0` (as PyTorch's `pow_backward_exponent`).
#[inline]
#[must_use]
pub fn powf_exponent<T: Real>(adjoint: &T, x: &T, p: &T, y: &T) -> T {
    if *x == T::ZERO && *p >= T::ZERO {
        T::ZERO
    } else {
        *adjoint * *y * T::ln(*x)
    }
}

/// `y = log_b x` (`x.log(b)`), with respect to `x`: `ȳ/(x·ln b)`.
#[inline]
#[must_use]
pub fn log_value<T: Real>(adjoint: &T, x: &T, base: &T, _y: &T) -> T {
    *adjoint / (*x * T::ln(*base))
}

/// `y = log_b x` (`x.log(b)`), with respect to `b`: `−ȳ·y/(b·ln b)`.
#[inline]
#[must_use]
pub fn log_base<T: Real>(adjoint: &T, _x: &T, base: &T, y: &T) -> T {
    -(*adjoint * *y / (*base * T::ln(*base)))
}

/// `z = atan2(y, x)` (`y.atan2(x)`), with respect to `y`: `z̄·x/(x² + y²)`,
/// and 0 at the origin.
#[inline]
#[must_use]
pub fn atan2_y<T: Real>(adjoint: &T, y: &T, x: &T, _z: &T) -> T {
    let r2 = *x * *x + *y * *y;
    if r2 == T::ZERO {
        T::ZERO
    } else {
        *adjoint * *x / r2
    }
}

/// `z = atan2(y, x)` (`y.atan2(x)`), with respect to `x`: `−z̄·y/(x² + y²)`,
/// and 0 at the origin.
#[inline]
#[must_use]
pub fn atan2_x<T: Real>(adjoint: &T, y: &T, x: &T, _z: &T) -> T {
    let r2 = *x * *x + *y * *y;
    if r2 == T::ZERO {
        T::ZERO
    } else {
        -(*adjoint * *y / r2)
    }
}

/// `h = hypot(x, y)`, with respect to `x`: `h̄·x/h`, and 0 at the origin (the
/// subgradient PyTorch uses for norms; `torch.hypot` itself gives NaN there).
#[inline]
#[must_use]
pub fn hypot_lhs<T: Real>(adjoint: &T, x: &T, _y: &T, h: &T) -> T {
    if *h == T::ZERO {
        T::ZERO
    } else {
        *adjoint * *x / *h
    }
}

/// `h = hypot(x, y)`, with respect to `y`: `h̄·y/h`, and 0 at the origin.
#[inline]
#[must_use]
pub fn hypot_rhs<T: Real>(adjoint: &T, _x: &T, y: &T, h: &T) -> T {
    if *h == T::ZERO {
        T::ZERO
    } else {
        *adjoint * *y / *h
    }
}

/// `m = max(a, b)`, with respect to `a`: `m̄` if `a > b`, 0 if `a < b`, and
/// `m̄/2` on a tie (as `torch.maximum`).
#[inline]
#[must_use]
pub fn max_lhs<T: Real>(adjoint: &T, a: &T, b: &T, _m: &T) -> T {
    select_larger(*adjoint, *a, *b)
}

/// `m = max(a, b)`, with respect to `b`: the mirror of [`max_lhs`].
#[inline]
#[must_use]
pub fn max_rhs<T: Real>(adjoint: &T, a: &T, b: &T, _m: &T) -> T {
    select_larger(*adjoint, *b, *a)
}

/// `m = min(a, b)`, with respect to `a`: `m̄` if `a < b`, 0 if `a > b`, and
/// `m̄/2` on a tie (as `torch.minimum`).
#[inline]
#[must_use]
pub fn min_lhs<T: Real>(adjoint: &T, a: &T, b: &T, _m: &T) -> T {
    select_larger(*adjoint, *b, *a)
}

/// `m = min(a, b)`, with respect to `b`: the mirror of [`min_lhs`].
#[inline]
#[must_use]
pub fn min_rhs<T: Real>(adjoint: &T, a: &T, b: &T, _m: &T) -> T {
    select_larger(*adjoint, *a, *b)
}

/// The adjoint that flows to `this` when the larger of `this` and `other` was
/// selected: all of it, none, or half on a tie. A NaN operand loses to a
/// number, as `f64::max` picks the number.
#[inline]
fn select_larger<T: Real>(adjoint: T, this: T, other: T) -> T {
    if this > other || T::is_nan(other) && !T::is_nan(this) {
        adjoint
    } else if this == other {
        adjoint * T::HALF
    } else {
        T::ZERO
    }
}

/// `y = x.clamp(lo, hi)`, with respect to `x`: `ȳ` where `lo ≤ x ≤ hi`, else 0
/// (as `torch.clamp`, bounds inclusive).
#[inline]
#[must_use]
pub fn clamp_value<T: Real>(adjoint: &T, x: &T, lo: &T, hi: &T, _y: &T) -> T {
    if *x >= *lo && *x <= *hi {
        *adjoint
    } else {
        T::ZERO
    }
}

/// `y = x.clamp(lo, hi)`, with respect to `lo`: `ȳ` where `x < lo`, else 0.
#[inline]
#[must_use]
pub fn clamp_min<T: Real>(adjoint: &T, x: &T, lo: &T, _hi: &T, _y: &T) -> T {
    if *x < *lo { *adjoint } else { T::ZERO }
}

/// `y = x.clamp(lo, hi)`, with respect to `hi`: `ȳ` where `x > hi`, else 0.
#[inline]
#[must_use]
pub fn clamp_max<T: Real>(adjoint: &T, x: &T, _lo: &T, hi: &T, _y: &T) -> T {
    if *x > *hi { *adjoint } else { T::ZERO }
}

/// `y = x.mul_add(a, b) = x·a + b`, with respect to `x`: `ȳ·a`.
#[inline]
#[must_use]
pub fn mul_add_value<T: Real>(adjoint: &T, _x: &T, a: &T, _b: &T, _y: &T) -> T {
    *adjoint * *a
}

/// `y = x.mul_add(a, b) = x·a + b`, with respect to `a`: `ȳ·x`.
#[inline]
#[must_use]
pub fn mul_add_factor<T: Real>(adjoint: &T, x: &T, _a: &T, _b: &T, _y: &T) -> T {
    *adjoint * *x
}

/// `y = x.mul_add(a, b) = x·a + b`, with respect to `b`: `ȳ`.
#[inline]
#[must_use]
pub fn mul_add_addend<T: Real>(adjoint: &T, _x: &T, _a: &T, _b: &T, _y: &T) -> T {
    *adjoint
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinks_follow_pytorch() {
        assert_eq!(abs(&1.0, &0.0, &0.0), 0.0);
        assert_eq!(abs(&2.0, &-3.0, &3.0), -2.0);
        assert_eq!(max_lhs(&1.0, &2.0, &2.0, &2.0), 0.5);
        assert_eq!(max_rhs(&1.0, &2.0, &2.0, &2.0), 0.5);
        assert_eq!(max_lhs(&1.0, &3.0, &2.0, &3.0), 1.0);
        assert_eq!(min_lhs(&1.0, &3.0, &2.0, &2.0), 0.0);
        assert_eq!(min_rhs(&1.0, &3.0, &2.0, &2.0), 1.0);
        assert_eq!(max_lhs(&1.0, &1.0, &f64::NAN, &1.0), 1.0);
        assert_eq!(powi(&1.0, &0.0, &0, &1.0), 0.0);
        assert_eq!(powf_base(&1.0, &0.0, &0.0, &1.0), 0.0);
        assert_eq!(powf_exponent(&1.0, &0.0, &2.0, &0.0), 0.0);
        assert_eq!(clamp_value(&1.0, &1.0, &1.0, &2.0, &1.0), 1.0);
        assert_eq!(clamp_min(&1.0, &0.5, &1.0, &2.0, &1.0), 1.0);
        assert_eq!(hypot_lhs(&1.0, &0.0, &0.0, &0.0), 0.0);
    }

    #[test]
    fn smooth_rules_match_hand_derivations() {
        let x = 0.3_f64;
        assert_eq!(sin(&1.0, &x, &x.sin()), x.cos());
        assert_eq!(tanh(&2.0, &x, &x.tanh()), 2.0 * (1.0 - x.tanh() * x.tanh()));
        assert!((sqrt(&1.0, &x, &x.sqrt()) - 0.5 / x.sqrt()).abs() < 1e-15);
        assert!((atan2_y(&1.0, &x, &2.0, &x.atan2(2.0)) - 2.0 / (4.0 + x * x)).abs() < 1e-15);
    }
}
