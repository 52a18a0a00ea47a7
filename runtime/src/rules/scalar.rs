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
pub fn powf_base<T: Real>(adjoint: &T, x: &T, p: &T, y: &T) -> T {
    if *p == T::ZERO {
        T::ZERO
    } else {
        *adjoint * *p * pow_lowered(*x, *p, *y, 1)
    }
}

/// `xᵖ⁻ᵏ` (`k` = 1 or 2) from the forward value `y = xᵖ`: `y/xᵏ`, without a
/// second `powf`, wherever that quotient is as accurate (`x ≠ 0`, `y` a
/// normal number, the quotient finite); `powf(x, p − k)` elsewhere (a zero,
/// subnormal or overflowed `y`, a NaN).
#[inline]
fn pow_lowered<T: Real>(x: T, p: T, y: T, k: i32) -> T {
    // `x = 0` (or NaN) makes the quotient infinite (or NaN), not normal.
    let quotient = if k == 1 { y / x } else { y / x / x };
    if T::is_normal(y) & T::is_normal(quotient) {
        quotient
    } else {
        pow_fallback(x, p - T::from_i32_lossy(k))
    }
}

/// `powf` out of line: the rare path of [`pow_lowered`], kept a call so
/// that the optimizer does not compute it speculatively on the common one.
#[cold]
#[inline(never)]
fn pow_fallback<T: Real>(x: T, p: T) -> T {
    T::powf(x, p)
}

/// `y = xᵖ`, with respect to the exponent: `ȳ·y·ln x`, and 0 where `x = 0`
/// and `p ≥ 0` (as PyTorch's `pow_backward_exponent`).
#[inline]
#[must_use]
pub fn powf_exponent<T: Real>(adjoint: &T, x: &T, p: &T, y: &T) -> T {
    // `ln x` outside the branch: the same call in every lane of a
    // hyper-dual sibling is then computed once.
    let ln = T::ln(*x);
    if *x == T::ZERO && *p >= T::ZERO {
        T::ZERO
    } else {
        *adjoint * *y * ln
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

// Forward mode.
//
// For a scalar function of scalars the reverse contribution `ȳ·∂y/∂x` and
// the tangent `∂y/∂x·ẋ` are the same product, so each `_jvp` rule below is
// its reverse rule with the tangent in the adjoint's place (the kinks follow
// PyTorch in both directions). The `_second` rules give the second-order
// term of a hyper-dual tangent: for `y = f(x₁, …, xₖ)` along directions `u`
// and `v`, `∂²y/∂u∂v = Σᵢ ∂y/∂xᵢ·∂²xᵢ/∂u∂v + Σᵢⱼ ∂²y/∂xᵢ∂xⱼ·uᵢ·vⱼ`; `_second`
// returns the last sum (the first is the `_jvp` rule applied to each
// operand's second-order tangent).

macro_rules! forward_rules {
    ($($(#[$doc:meta])* $name:ident => $jvp:ident;)+) => {
        $(
            $(#[$doc])*
            ///
            /// Forward-mode rule: the tangent of the result for the tangent
            /// `tangent` of the operand (arguments `(tangent, x, y)`).
            #[inline]
            #[must_use]
            pub fn $jvp<T: Real>(tangent: &T, x: &T, y: &T) -> T {
                $name(tangent, x, y)
            }
        )+
    };
}

forward_rules! {
    /// `y = eˣ`: `ẏ = y·ẋ`.
    exp => exp_jvp;
    /// `y = 2ˣ`: `ẏ = y·ln 2·ẋ`.
    exp2 => exp2_jvp;
    /// `y = eˣ − 1`: `ẏ = (y + 1)·ẋ`.
    exp_m1 => exp_m1_jvp;
    /// `y = ln x`: `ẏ = ẋ/x`.
    ln => ln_jvp;
    /// `y = ln(1 + x)`: `ẏ = ẋ/(1 + x)`.
    ln_1p => ln_1p_jvp;
    /// `y = log₂ x`: `ẏ = ẋ/(x·ln 2)`.
    log2 => log2_jvp;
    /// `y = log₁₀ x`: `ẏ = ẋ/(x·ln 10)`.
    log10 => log10_jvp;
    /// `y = √x`: `ẏ = ẋ/(2y)`.
    sqrt => sqrt_jvp;
    /// `y = ∛x`: `ẏ = ẋ/(3y²)`.
    cbrt => cbrt_jvp;
    /// `y = 1/x`: `ẏ = −y²·ẋ`.
    recip => recip_jvp;
    /// `y = sin x`: `ẏ = cos x·ẋ`.
    sin => sin_jvp;
    /// `y = cos x`: `ẏ = −sin x·ẋ`.
    cos => cos_jvp;
    /// `y = tan x`: `ẏ = (1 + y²)·ẋ`.
    tan => tan_jvp;
    /// `y = asin x`: `ẏ = ẋ/√(1 − x²)`.
    asin => asin_jvp;
    /// `y = acos x`: `ẏ = −ẋ/√(1 − x²)`.
    acos => acos_jvp;
    /// `y = atan x`: `ẏ = ẋ/(1 + x²)`.
    atan => atan_jvp;
    /// `y = sinh x`: `ẏ = cosh x·ẋ`.
    sinh => sinh_jvp;
    /// `y = cosh x`: `ẏ = sinh x·ẋ`.
    cosh => cosh_jvp;
    /// `y = tanh x`: `ẏ = (1 − y²)·ẋ`.
    tanh => tanh_jvp;
    /// `y = asinh x`: `ẏ = ẋ/√(x² + 1)`.
    asinh => asinh_jvp;
    /// `y = acosh x`: `ẏ = ẋ/√(x² − 1)`.
    acosh => acosh_jvp;
    /// `y = atanh x`: `ẏ = ẋ/(1 − x²)`.
    atanh => atanh_jvp;
    /// `y = |x|`: `ẏ = sign x·ẋ`, with sign(0) = 0.
    abs => abs_jvp;
    /// `y = x·180/π`: `ẏ = ẋ·180/π`.
    to_degrees => to_degrees_jvp;
    /// `y = x·π/180`: `ẏ = ẋ·π/180`.
    to_radians => to_radians_jvp;
    /// `y = x − trunc x`: `ẏ = ẋ`.
    fract => fract_jvp;
}

macro_rules! second_rules {
    ($($(#[$doc:meta])* $name:ident($x:ident, $y:ident) = $body:expr;)+) => {
        $(
            $(#[$doc])*
            ///
            /// Second-order term of a hyper-dual tangent: `f''(x)·u·v`.
            #[inline]
            #[must_use]
            #[allow(unused_variables, reason = "not every rule needs both x and y")]
            pub fn $name<T: Real>($x: &T, u: &T, v: &T, $y: &T) -> T {
                let ($x, $y) = (*$x, *$y);
                let second: T = $body;
                second * *u * *v
            }
        )+
    };
}

second_rules! {
    /// `y = eˣ`: `f'' = y`.
    exp_second(x, y) = y;
    /// `y = 2ˣ`: `f'' = y·ln²2`.
    exp2_second(x, y) = y * T::LN_2 * T::LN_2;
    /// `y = eˣ − 1`: `f'' = y + 1`.
    exp_m1_second(x, y) = y + T::ONE;
    /// `y = ln x`: `f'' = −1/x²`.
    ln_second(x, y) = -(x * x).recip_real();
    /// `y = ln(1 + x)`: `f'' = −1/(1 + x)²`.
    ln_1p_second(x, y) = -((T::ONE + x) * (T::ONE + x)).recip_real();
    /// `y = log₂ x`: `f'' = −1/(x²·ln 2)`.
    log2_second(x, y) = -(x * x * T::LN_2).recip_real();
    /// `y = log₁₀ x`: `f'' = −1/(x²·ln 10)`.
    log10_second(x, y) = -(x * x * T::LN_10).recip_real();
    /// `y = √x`: `f'' = −1/(4y³)`.
    sqrt_second(x, y) = -(T::TWO * T::TWO * y * y * y).recip_real();
    /// `y = ∛x`: `f'' = −2/(9y⁵)`.
    cbrt_second(x, y) = -T::TWO / (T::from_f64_lossy(9.0) * y * y * y * y * y);
    /// `y = 1/x`: `f'' = 2y³`.
    recip_second(x, y) = T::TWO * y * y * y;
    /// `y = sin x`: `f'' = −y`.
    sin_second(x, y) = -y;
    /// `y = cos x`: `f'' = −y`.
    cos_second(x, y) = -y;
    /// `y = tan x`: `f'' = 2y(1 + y²)`.
    tan_second(x, y) = T::TWO * y * (T::ONE + y * y);
    /// `y = asin x`: `f'' = x/(1 − x²)^{3/2}`.
    asin_second(x, y) = x / T::powf(T::ONE - x * x, T::from_f64_lossy(1.5));
    /// `y = acos x`: `f'' = −x/(1 − x²)^{3/2}`.
    acos_second(x, y) = -(x / T::powf(T::ONE - x * x, T::from_f64_lossy(1.5)));
    /// `y = atan x`: `f'' = −2x/(1 + x²)²`.
    atan_second(x, y) = -(T::TWO * x) / ((T::ONE + x * x) * (T::ONE + x * x));
    /// `y = sinh x`: `f'' = y`.
    sinh_second(x, y) = y;
    /// `y = cosh x`: `f'' = y`.
    cosh_second(x, y) = y;
    /// `y = tanh x`: `f'' = −2y(1 − y²)`.
    tanh_second(x, y) = -(T::TWO * y * (T::ONE - y * y));
    /// `y = asinh x`: `f'' = −x/(x² + 1)^{3/2}`.
    asinh_second(x, y) = -(x / T::powf(x * x + T::ONE, T::from_f64_lossy(1.5)));
    /// `y = acosh x`: `f'' = −x/(x² − 1)^{3/2}`.
    acosh_second(x, y) = -(x / T::powf(x * x - T::ONE, T::from_f64_lossy(1.5)));
    /// `y = atanh x`: `f'' = 2x/(1 − x²)²`.
    atanh_second(x, y) = T::TWO * x / ((T::ONE - x * x) * (T::ONE - x * x));
}

trait RecipReal {
    fn recip_real(self) -> Self;
}

impl<T: Real> RecipReal for T {
    #[inline]
    fn recip_real(self) -> T {
        T::ONE / self
    }
}

/// `y = xⁿ` (integer `n`): `ẏ = n·xⁿ⁻¹·ẋ`, and 0 when `n = 0`.
#[inline]
#[must_use]
pub fn powi_jvp<T: Real>(tangent: &T, x: &T, n: &i32, y: &T) -> T {
    powi(tangent, x, n, y)
}

/// `y = xⁿ`: the second-order term `n(n − 1)·xⁿ⁻²·u·v`.
#[inline]
#[must_use]
pub fn powi_second<T: Real>(x: &T, n: &i32, u: &T, _: &i32, v: &T, _: &i32, _y: &T) -> T {
    if *n == 0 || *n == 1 {
        T::ZERO
    } else {
        T::from_i32_lossy(*n) * T::from_i32_lossy(*n - 1) * T::powi(*x, *n - 2) * *u * *v
    }
}

macro_rules! binary_forward_rules {
    ($($(#[$doc:meta])* $vjp:ident => $jvp:ident;)+) => {
        $(
            $(#[$doc])*
            #[inline]
            #[must_use]
            pub fn $jvp<T: Real>(tangent: &T, a: &T, b: &T, y: &T) -> T {
                $vjp(tangent, a, b, y)
            }
        )+
    };
}

binary_forward_rules! {
    /// `y = xᵖ`, the tangent through the base: `p·xᵖ⁻¹·ẋ` (0 when `p = 0`).
    powf_base => powf_base_jvp;
    /// `y = xᵖ`, the tangent through the exponent: `y·ln x·ṗ` (0 where `x = 0`, `p ≥ 0`).
    powf_exponent => powf_exponent_jvp;
    /// `y = log_b x`, through `x`: `ẋ/(x·ln b)`.
    log_value => log_value_jvp;
    /// `y = log_b x`, through `b`: `−y·ḃ/(b·ln b)`.
    log_base => log_base_jvp;
    /// `z = atan2(y, x)`, through `y`: `x·ẏ/(x² + y²)` (0 at the origin).
    atan2_y => atan2_y_jvp;
    /// `z = atan2(y, x)`, through `x`: `−y·ẋ/(x² + y²)` (0 at the origin).
    atan2_x => atan2_x_jvp;
    /// `h = hypot(x, y)`, through `x`: `x·ẋ/h` (0 at the origin).
    hypot_lhs => hypot_lhs_jvp;
    /// `h = hypot(x, y)`, through `y`: `y·ẏ/h` (0 at the origin).
    hypot_rhs => hypot_rhs_jvp;
    /// `m = max(a, b)`, through `a`: `ȧ` if `a > b`, `ȧ/2` on a tie, else 0.
    max_lhs => max_lhs_jvp;
    /// `m = max(a, b)`, through `b`: the mirror of [`max_lhs_jvp`].
    max_rhs => max_rhs_jvp;
    /// `m = min(a, b)`, through `a`: `ȧ` if `a < b`, `ȧ/2` on a tie, else 0.
    min_lhs => min_lhs_jvp;
    /// `m = min(a, b)`, through `b`: the mirror of [`min_lhs_jvp`].
    min_rhs => min_rhs_jvp;
}

/// `y = x.clamp(lo, hi)`, through `x`: `ẋ` where `lo ≤ x ≤ hi`, else 0.
#[inline]
#[must_use]
pub fn clamp_value_jvp<T: Real>(tangent: &T, x: &T, lo: &T, hi: &T, y: &T) -> T {
    clamp_value(tangent, x, lo, hi, y)
}

/// `y = x.clamp(lo, hi)`, through `lo`: `l̇o` where `x < lo`, else 0.
#[inline]
#[must_use]
pub fn clamp_min_jvp<T: Real>(tangent: &T, x: &T, lo: &T, hi: &T, y: &T) -> T {
    clamp_min(tangent, x, lo, hi, y)
}

/// `y = x.clamp(lo, hi)`, through `hi`: `ḣi` where `x > hi`, else 0.
#[inline]
#[must_use]
pub fn clamp_max_jvp<T: Real>(tangent: &T, x: &T, lo: &T, hi: &T, y: &T) -> T {
    clamp_max(tangent, x, lo, hi, y)
}

/// `y = x·a + b`, through `x`: `a·ẋ`.
#[inline]
#[must_use]
pub fn mul_add_value_jvp<T: Real>(tangent: &T, x: &T, a: &T, b: &T, y: &T) -> T {
    mul_add_value(tangent, x, a, b, y)
}

/// `y = x·a + b`, through `a`: `x·ȧ`.
#[inline]
#[must_use]
pub fn mul_add_factor_jvp<T: Real>(tangent: &T, x: &T, a: &T, b: &T, y: &T) -> T {
    mul_add_factor(tangent, x, a, b, y)
}

/// `y = x·a + b`, through `b`: `ḃ`.
#[inline]
#[must_use]
pub fn mul_add_addend_jvp<T: Real>(tangent: &T, x: &T, a: &T, b: &T, y: &T) -> T {
    mul_add_addend(tangent, x, a, b, y)
}

/// `y = xᵖ`: the second-order term `f_xx·uₓvₓ + f_xp·(uₓv_p + vₓu_p) + f_pp·u_pv_p`
/// with `f_xx = p(p−1)xᵖ⁻²`, `f_xp = xᵖ⁻¹(1 + p·ln x)`, `f_pp = y·ln²x`;
/// terms whose tangents are zero are skipped (so that `ln x` of a negative
/// base never enters a constant exponent's result).
#[inline]
#[must_use]
pub fn powf_second<T: Real>(x: &T, p: &T, ux: &T, up: &T, vx: &T, vp: &T, y: &T) -> T {
    let (x, p, y) = (*x, *p, *y);
    // Computed before any branch, so that every lane of a hyper-dual sibling
    // shares them.
    let (ln, lowered_1, lowered_2) = (T::ln(x), pow_lowered(x, p, y, 1), pow_lowered(x, p, y, 2));
    let mut second = T::ZERO;
    if p != T::ZERO && p != T::ONE {
        second += p * (p - T::ONE) * lowered_2 * *ux * *vx;
    }
    if *up != T::ZERO || *vp != T::ZERO {
        second += lowered_1 * (T::ONE + p * ln) * (*ux * *vp + *vx * *up);
        second += y * ln * ln * *up * *vp;
    }
    second
}

/// `y = log_b x = ln x/ln b`: the second-order term, with `f_xx = −1/(x²ln b)`,
/// `f_xb = −1/(x·b·ln²b)`, `f_bb = y(ln b + 2)/(b²ln²b)`.
#[inline]
#[must_use]
pub fn log_second<T: Real>(x: &T, b: &T, ux: &T, ub: &T, vx: &T, vb: &T, y: &T) -> T {
    let (x, b, y) = (*x, *b, *y);
    let lb = T::ln(b);
    let mut second = -(*ux * *vx) / (x * x * lb);
    if *ub != T::ZERO || *vb != T::ZERO {
        second -= (*ux * *vb + *vx * *ub) / (x * b * lb * lb);
        second += y * (lb + T::TWO) / (b * b * lb * lb) * *ub * *vb;
    }
    second
}

/// `z = atan2(y, x)`: the second-order term, with `r² = x² + y²`,
/// `f_yy = −2xy/r⁴`, `f_xx = 2xy/r⁴`, `f_yx = (y² − x²)/r⁴` (0 at the origin).
#[inline]
#[must_use]
pub fn atan2_second<T: Real>(y: &T, x: &T, uy: &T, ux: &T, vy: &T, vx: &T, _z: &T) -> T {
    let (x, y) = (*x, *y);
    let r2 = x * x + y * y;
    if r2 == T::ZERO {
        return T::ZERO;
    }
    let r4 = r2 * r2;
    let xy2 = T::TWO * x * y;
    (-xy2 * *uy * *vy + xy2 * *ux * *vx + (y * y - x * x) * (*uy * *vx + *vy * *ux)) / r4
}

/// `h = hypot(x, y)`: the second-order term `(y²uₓvₓ − xy(uₓv_y + vₓu_y) + x²u_yv_y)/h³`
/// (0 at the origin).
#[inline]
#[must_use]
pub fn hypot_second<T: Real>(x: &T, y: &T, ux: &T, uy: &T, vx: &T, vy: &T, h: &T) -> T {
    let (x, y, h) = (*x, *y, *h);
    if h == T::ZERO {
        return T::ZERO;
    }
    (y * y * *ux * *vx - x * y * (*ux * *vy + *vx * *uy) + x * x * *uy * *vy) / (h * h * h)
}

/// `y = x·a + b`: the second-order term `uₓv_a + vₓu_a`.
#[inline]
#[must_use]
#[allow(clippy::too_many_arguments, reason = "three operands, two directions")]
pub fn mul_add_second<T: Real>(
    _x: &T,
    _a: &T,
    _b: &T,
    ux: &T,
    ua: &T,
    _ub: &T,
    vx: &T,
    va: &T,
    _vb: &T,
    _y: &T,
) -> T {
    *ux * *va + *vx * *ua
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The power rules reuse `y = xᵖ` (no second `powf`) only where that is
    /// as accurate as `powf(x, p − 1)`: at overflowed, underflowed,
    /// subnormal and zero values they agree with the textbook formula.
    #[test]
    fn power_rules_reuse_the_value_only_where_exact() {
        let textbook = |x: f64, p: f64| p * x.powf(p - 1.0);
        for (x, p) in [
            (3.0, 2.5),
            (-2.0, 3.0),
            (0.7, -1.3),
            (1e200, 2.0),
            (1e-160, 2.0),
            (1e-300, 1.5),
            (5e-324, 0.5),
            (0.0, 2.0),
            (0.0, 0.5),
            (0.0, 1.0),
            (-0.5, 0.5),
            (f64::INFINITY, 2.0),
        ] {
            let y = x.powf(p);
            let (ours, theirs) = (powf_base(&1.0, &x, &p, &y), textbook(x, p));
            assert!(
                ours == theirs
                    || (ours.is_nan() && theirs.is_nan())
                    || ((ours - theirs) / theirs).abs() <= 4.0 * f64::EPSILON,
                "x = {x:e}, p = {p}: {ours:e} against {theirs:e}"
            );
            let second = powf_second(&x, &p, &1.0, &0.0, &1.0, &0.0, &y);
            // x¹ is linear: its second derivative is 0 even at x = 0.
            let theirs = if p == 1.0 {
                0.0
            } else {
                p * (p - 1.0) * x.powf(p - 2.0)
            };
            assert!(
                second == theirs
                    || (second.is_nan() && theirs.is_nan())
                    || ((second - theirs) / theirs).abs() <= 8.0 * f64::EPSILON,
                "x = {x:e}, p = {p}: second {second:e} against {theirs:e}"
            );
        }
    }

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
