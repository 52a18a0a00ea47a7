//! The scalar types tapeless differentiates: [`Real`], implemented for `f32`
//! and `f64`.

use core::fmt::{Debug, Display};
use core::iter::Sum;
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point scalar: `f32` or `f64`.
///
/// Derivative rules, parameter sets and optimizers are generic over `Real`.
/// Its math functions are *associated functions without a receiver*
/// (`Real::exp(x)`, not `x.exp()`), so that a generic function bounded by
/// both `Real` and `num_traits::Float` or `nalgebra::RealField` still calls
/// `x.exp()` without ambiguity. With the `std` feature they are the
/// platform's functions (bit-identical to `f64::exp` and friends); without it
/// they come from `libm`.
///
/// Every `Real` is a parameter set of one element (`Params<Scalar = Self>`),
/// so that generic code over `T: Real` can accumulate and step scalars.
///
/// `#[differentiable]` adds the bound `T: Real` to the generated `_grad` and
/// `_vjp` functions for every type parameter the user bounded by `Float`,
/// `RealField`, `ComplexField` or `Real`. Its other supertraits are the
/// nalgebra and num-traits bounds fixed-size matrix arithmetic needs, none
/// with a method of the same name as `Float`'s or `RealField`'s.
///
/// ```
/// use tapeless_runtime::Real;
/// fn half<T: Real>(x: T) -> T { x * T::HALF }
/// assert_eq!(half(3.0_f64), 1.5);
/// assert_eq!(<f32 as Real>::sqrt(4.0), 2.0);
/// ```
pub trait Real:
    Copy
    + Default
    + Debug
    + Display
    + PartialOrd
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
    + nalgebra::Scalar
    + num_traits::Zero
    + num_traits::One
    + nalgebra::ClosedAddAssign
    + nalgebra::ClosedSubAssign
    + nalgebra::ClosedMulAssign
    + nalgebra::ClosedDivAssign
    + crate::Params<Scalar = Self>
    + sealed::Sealed
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// 2.
    const TWO: Self;
    /// 0.5.
    const HALF: Self;
    /// ln 2.
    const LN_2: Self;
    /// ln 10.
    const LN_10: Self;
    /// Positive infinity.
    const INFINITY: Self;
    /// Machine epsilon.
    const EPSILON: Self;
    /// The smallest positive normal number.
    const MIN_POSITIVE: Self;

    /// Converts an `f64`, rounding to the nearest value of `Self`.
    fn from_f64_lossy(x: f64) -> Self;
    /// Converts to `f64` (exact for `f32` and `f64`).
    fn to_f64_lossless(x: Self) -> f64;
    /// Converts an `i32`, rounding to the nearest value of `Self`.
    fn from_i32_lossy(n: i32) -> Self;

    /// eˣ.
    fn exp(x: Self) -> Self;
    /// 2ˣ.
    fn exp2(x: Self) -> Self;
    /// eˣ − 1, accurate near 0.
    fn exp_m1(x: Self) -> Self;
    /// Natural logarithm.
    fn ln(x: Self) -> Self;
    /// ln(1 + x), accurate near 0.
    fn ln_1p(x: Self) -> Self;
    /// Base-2 logarithm.
    fn log2(x: Self) -> Self;
    /// Base-10 logarithm.
    fn log10(x: Self) -> Self;
    /// Square root.
    fn sqrt(x: Self) -> Self;
    /// Cube root.
    fn cbrt(x: Self) -> Self;
    /// xⁿ for an integer n.
    fn powi(x: Self, n: i32) -> Self;
    /// xʸ.
    fn powf(x: Self, y: Self) -> Self;
    /// Sine.
    fn sin(x: Self) -> Self;
    /// Cosine.
    fn cos(x: Self) -> Self;
    /// Tangent.
    fn tan(x: Self) -> Self;
    /// Hyperbolic sine.
    fn sinh(x: Self) -> Self;
    /// Hyperbolic cosine.
    fn cosh(x: Self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(x: Self) -> Self;
    /// Absolute value.
    fn abs(x: Self) -> Self;
    /// √(x² + y²) without overflow.
    fn hypot(x: Self, y: Self) -> Self;
    /// Largest integer ≤ x.
    fn floor(x: Self) -> Self;
    /// Whether x is NaN.
    fn is_nan(x: Self) -> bool;
    /// Whether x is neither infinite nor NaN.
    fn is_finite(x: Self) -> bool;
    /// Whether x is a normal number: finite, not zero and not subnormal.
    #[inline]
    fn is_normal(x: Self) -> bool {
        Self::is_finite(x) && Self::abs(x) >= Self::MIN_POSITIVE
    }
    /// The larger of `x` and `y` (the number if one is NaN).
    fn max(x: Self, y: Self) -> Self;
    /// The smaller of `x` and `y` (the number if one is NaN).
    fn min(x: Self, y: Self) -> Self;
    /// The error function `erf x = 2/√π ∫₀ˣ e^(−t²) dt`, from `libm` (also
    /// with `std`, which has no `erf`).
    fn erf(x: Self) -> Self;
}

macro_rules! impl_real {
    (@erf f32, $x:ident) => {
        libm::erff($x)
    };
    (@erf f64, $x:ident) => {
        libm::erf($x)
    };
    ($t:ident) => {
        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const TWO: Self = 2.0;
            const HALF: Self = 0.5;
            const LN_2: Self = core::$t::consts::LN_2;
            const LN_10: Self = core::$t::consts::LN_10;
            const INFINITY: Self = $t::INFINITY;
            const EPSILON: Self = $t::EPSILON;
            const MIN_POSITIVE: Self = $t::MIN_POSITIVE;

            #[inline]
            #[allow(clippy::cast_possible_truncation, reason = "documented rounding")]
            fn from_f64_lossy(x: f64) -> Self {
                x as $t
            }
            #[inline]
            fn to_f64_lossless(x: Self) -> f64 {
                f64::from(x)
            }
            #[inline]
            #[allow(clippy::cast_possible_truncation, reason = "documented rounding")]
            fn from_i32_lossy(n: i32) -> Self {
                f64::from(n) as $t
            }
            #[inline]
            fn exp(x: Self) -> Self {
                num_traits::Float::exp(x)
            }
            #[inline]
            fn exp2(x: Self) -> Self {
                num_traits::Float::exp2(x)
            }
            #[inline]
            fn exp_m1(x: Self) -> Self {
                num_traits::Float::exp_m1(x)
            }
            #[inline]
            fn ln(x: Self) -> Self {
                num_traits::Float::ln(x)
            }
            #[inline]
            fn ln_1p(x: Self) -> Self {
                num_traits::Float::ln_1p(x)
            }
            #[inline]
            fn log2(x: Self) -> Self {
                num_traits::Float::log2(x)
            }
            #[inline]
            fn log10(x: Self) -> Self {
                num_traits::Float::log10(x)
            }
            #[inline]
            fn sqrt(x: Self) -> Self {
                num_traits::Float::sqrt(x)
            }
            #[inline]
            fn cbrt(x: Self) -> Self {
                num_traits::Float::cbrt(x)
            }
            #[inline]
            fn powi(x: Self, n: i32) -> Self {
                num_traits::Float::powi(x, n)
            }
            #[inline]
            fn powf(x: Self, y: Self) -> Self {
                num_traits::Float::powf(x, y)
            }
            #[inline]
            fn sin(x: Self) -> Self {
                num_traits::Float::sin(x)
            }
            #[inline]
            fn cos(x: Self) -> Self {
                num_traits::Float::cos(x)
            }
            #[inline]
            fn tan(x: Self) -> Self {
                num_traits::Float::tan(x)
            }
            #[inline]
            fn sinh(x: Self) -> Self {
                num_traits::Float::sinh(x)
            }
            #[inline]
            fn cosh(x: Self) -> Self {
                num_traits::Float::cosh(x)
            }
            #[inline]
            fn tanh(x: Self) -> Self {
                num_traits::Float::tanh(x)
            }
            #[inline]
            fn abs(x: Self) -> Self {
                num_traits::Float::abs(x)
            }
            #[inline]
            fn hypot(x: Self, y: Self) -> Self {
                num_traits::Float::hypot(x, y)
            }
            #[inline]
            fn floor(x: Self) -> Self {
                num_traits::Float::floor(x)
            }
            #[inline]
            fn is_nan(x: Self) -> bool {
                x.is_nan()
            }
            #[inline]
            fn is_finite(x: Self) -> bool {
                x.is_finite()
            }
            #[inline]
            fn is_normal(x: Self) -> bool {
                x.is_normal()
            }
            #[inline]
            fn max(x: Self, y: Self) -> Self {
                num_traits::Float::max(x, y)
            }
            #[inline]
            fn min(x: Self, y: Self) -> Self {
                num_traits::Float::min(x, y)
            }
            #[inline]
            fn erf(x: Self) -> Self {
                impl_real!(@erf $t, x)
            }
        }
    };
}

impl_real!(f32);
impl_real!(f64);

macro_rules! real_methods {
    ($($(#[$doc:meta])* fn $name:ident(self $(, $arg:ident: $arg_ty:ty)*) -> $ret:ty;)*) => {
        /// Method syntax for [`Real`]'s math functions: `x.tanh()` where `x`
        /// is of a type parameter bounded by `Real` alone.
        ///
        /// [`Real`]'s functions have no receiver (so that a function bounded
        /// by both `Real` and `num_traits::Float` or `nalgebra::RealField`
        /// calls `x.exp()` without ambiguity); this trait, implemented for
        /// every `Real` and in `tapeless::prelude`, gives them one. It is
        /// never ambiguous: a method of a bound (`Float::exp`) comes before
        /// a trait in scope, `f32` and `f64` use their own methods, and
        /// `T::tanh(x)` still names `Real::tanh` (a path looks only at the
        /// bounds).
        ///
        /// ```
        /// use tapeless_runtime::{Real, RealMethods};
        ///
        /// fn squash<T: Real>(x: T) -> T {
        ///     x.tanh() * T::TWO
        /// }
        ///
        /// assert_eq!(squash(0.5_f64), 2.0 * 0.5_f64.tanh());
        /// assert_eq!(squash(0.5_f32), 2.0 * 0.5_f32.tanh());
        /// ```
        ///
        /// `#[differentiable]` brings it into scope in the function it
        /// expands (when the body calls one of these methods), so
        /// `#[differentiable] fn squash<T: Real>(x: T) -> T` with `x.tanh()`
        /// works with `use tapeless::{differentiable, Real}` alone.
        pub trait RealMethods: Real {
            $($(#[$doc])* fn $name(self $(, $arg: $arg_ty)*) -> $ret;)*
        }

        impl<T: Real> RealMethods for T {
            $(
                #[inline(always)]
                fn $name(self $(, $arg: $arg_ty)*) -> $ret {
                    <T as Real>::$name(self $(, $arg)*)
                }
            )*
        }
    };
}

real_methods! {
    /// [`Real::exp`].
    fn exp(self) -> Self;
    /// [`Real::exp2`].
    fn exp2(self) -> Self;
    /// [`Real::exp_m1`].
    fn exp_m1(self) -> Self;
    /// [`Real::ln`].
    fn ln(self) -> Self;
    /// [`Real::ln_1p`].
    fn ln_1p(self) -> Self;
    /// [`Real::log2`].
    fn log2(self) -> Self;
    /// [`Real::log10`].
    fn log10(self) -> Self;
    /// [`Real::sqrt`].
    fn sqrt(self) -> Self;
    /// [`Real::cbrt`].
    fn cbrt(self) -> Self;
    /// [`Real::powi`].
    fn powi(self, n: i32) -> Self;
    /// [`Real::powf`].
    fn powf(self, y: Self) -> Self;
    /// [`Real::sin`].
    fn sin(self) -> Self;
    /// [`Real::cos`].
    fn cos(self) -> Self;
    /// [`Real::tan`].
    fn tan(self) -> Self;
    /// [`Real::sinh`].
    fn sinh(self) -> Self;
    /// [`Real::cosh`].
    fn cosh(self) -> Self;
    /// [`Real::tanh`].
    fn tanh(self) -> Self;
    /// [`Real::abs`].
    fn abs(self) -> Self;
    /// [`Real::hypot`].
    fn hypot(self, y: Self) -> Self;
    /// [`Real::floor`].
    fn floor(self) -> Self;
    /// [`Real::is_nan`].
    fn is_nan(self) -> bool;
    /// [`Real::is_finite`].
    fn is_finite(self) -> bool;
    /// [`Real::max`].
    fn max(self, y: Self) -> Self;
    /// [`Real::min`].
    fn min(self, y: Self) -> Self;
    /// [`Real::erf`].
    fn erf(self) -> Self;
}
