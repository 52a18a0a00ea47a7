//! Activation functions, elementwise on scalars, vectors and matrices, and
//! `softmax`/`log_softmax` per column, each with its `_vjp` rule.
//!
//! Every function matches `torch.nn.functional` in float64 to a few ulps,
//! including the derivatives at kinks (`relu'(0) = 0`,
//! `leaky_relu'(0) = slope`, `elu'(0) = α`) and the numerically stable forms
//! (`sigmoid` and `softplus` do not overflow for any input, `log_softmax`
//! goes through log-sum-exp).

use super::Elementwise;
use crate::forward::HyperArg;
use crate::{NoTangent, Real};
use nalgebra::SMatrix;

/// `σ(x) = 1/(1 + e⁻ˣ)`, evaluated without overflow for any `x`.
#[inline]
pub(crate) fn sigmoid_scalar<T: Real>(x: T) -> T {
    if x >= T::ZERO {
        T::ONE / (T::ONE + T::exp(-x))
    } else {
        let e = T::exp(x);
        e / (T::ONE + e)
    }
}

/// `ln σ(x) = min(x, 0) − ln(1 + e^−|x|)`, without overflow.
#[inline]
pub(crate) fn log_sigmoid_scalar<T: Real>(x: T) -> T {
    T::min(x, T::ZERO) - T::ln_1p(T::exp(-T::abs(x)))
}

/// `ln(1 + eᶻ)` without overflow.
#[inline]
fn log1p_exp<T: Real>(z: T) -> T {
    if z > T::ZERO {
        z + T::ln_1p(T::exp(-z))
    } else {
        T::ln_1p(T::exp(z))
    }
}

/// `ReLU(x) = max(x, 0)`, elementwise. Derivative `x > 0 ? 1 : 0`, so
/// `relu'(0) = 0` as PyTorch.
///
/// ```
/// use tapeless_runtime::nn::{relu, relu_vjp};
/// use nalgebra::Vector3;
/// assert_eq!(relu(Vector3::new(-1.0, 0.0, 2.0)), Vector3::new(0.0, 0.0, 2.0));
/// let (y, pullback) = relu_vjp(0.0_f64);
/// assert_eq!((y, pullback(1.0).0), (0.0, 0.0));
/// ```
#[inline]
#[must_use]
pub fn relu<X: Elementwise>(x: X) -> X {
    x.map_elements(relu_scalar)
}

/// `x ≤ 0 ? 0 : x` (so `relu(NaN) = NaN`, as torch's).
#[inline]
pub(crate) fn relu_scalar<T: Real>(x: T) -> T {
    if x <= T::ZERO { T::ZERO } else { x }
}

/// The `_vjp` rule of [`relu`].
#[inline]
pub fn relu_vjp<X: Elementwise>(x: X) -> (X, impl FnOnce(X) -> (X,)) {
    (relu(x), move |adjoint: X| (relu_backward(&x, adjoint),))
}

/// `x̄ = ȳ·relu'(x)`, from the input.
#[inline]
pub(crate) fn relu_backward<X: Elementwise>(x: &X, adjoint: X) -> X {
    // torch's mask `x <= 0` (a NaN input passes the adjoint, as torch's).
    adjoint.zip_map_elements(x, |g, x| {
        if x <= X::Element::ZERO {
            X::Element::ZERO
        } else {
            g
        }
    })
}

/// `LeakyReLU(x) = x > 0 ? x : negative_slope·x`, elementwise (PyTorch's
/// default slope is 0.01). Derivative `x > 0 ? 1 : negative_slope`.
///
/// ```
/// use tapeless_runtime::nn::leaky_relu;
/// assert_eq!(leaky_relu(-2.0_f64, 0.01), -0.02);
/// ```
#[inline]
#[must_use]
pub fn leaky_relu<X: Elementwise>(x: X, negative_slope: X::Element) -> X {
    x.map_elements(|x| {
        if x > X::Element::ZERO {
            x
        } else {
            x * negative_slope
        }
    })
}

/// The `_vjp` rule of [`leaky_relu`] (the slope is not differentiated).
#[inline]
pub fn leaky_relu_vjp<X: Elementwise>(
    x: X,
    negative_slope: X::Element,
) -> (X, impl FnOnce(X) -> (X, NoTangent)) {
    (leaky_relu(x, negative_slope), move |adjoint: X| {
        (leaky_relu_backward(&x, negative_slope, adjoint), NoTangent)
    })
}

/// `x̄ = ȳ·leaky_relu'(x)`, from the input.
#[inline]
pub(crate) fn leaky_relu_backward<X: Elementwise>(
    x: &X,
    negative_slope: X::Element,
    adjoint: X,
) -> X {
    adjoint.zip_map_elements(x, |g, x| {
        if x > X::Element::ZERO {
            g
        } else {
            g * negative_slope
        }
    })
}

/// The logistic sigmoid `σ(x) = 1/(1 + e⁻ˣ)`, elementwise, without overflow
/// for any `x`. Derivative `y(1 − y)`, from the output as PyTorch.
///
/// ```
/// use tapeless_runtime::nn::sigmoid;
/// assert_eq!(sigmoid(0.0_f64), 0.5);
/// assert_eq!(sigmoid(-800.0_f64), 0.0);
/// assert_eq!(sigmoid(800.0_f64), 1.0);
/// ```
#[inline]
#[must_use]
pub fn sigmoid<X: Elementwise>(x: X) -> X {
    x.map_elements(sigmoid_scalar)
}

/// The `_vjp` rule of [`sigmoid`].
#[inline]
pub fn sigmoid_vjp<X: Elementwise>(x: X) -> (X, impl FnOnce(X) -> (X,)) {
    let y = sigmoid(x);
    (y, move |adjoint: X| (sigmoid_backward(&y, adjoint),))
}

/// `x̄ = ȳ·y(1 − y)`, from the output `y`.
#[inline]
pub(crate) fn sigmoid_backward<X: Elementwise>(y: &X, adjoint: X) -> X {
    adjoint.zip_map_elements(y, |g, y| g * (y * (X::Element::ONE - y)))
}

/// The hyperbolic tangent, elementwise. Derivative `1 − y²`, from the
/// output as PyTorch.
///
/// ```
/// use tapeless_runtime::nn::tanh;
/// assert_eq!(tanh(0.0_f64), 0.0);
/// ```
#[inline]
#[must_use]
pub fn tanh<X: Elementwise>(x: X) -> X {
    x.map_elements(tanh_scalar)
}

/// `tanh(x)`.
#[inline]
pub(crate) fn tanh_scalar<T: Real>(x: T) -> T {
    T::tanh(x)
}

/// The `_vjp` rule of [`tanh`].
#[inline]
pub fn tanh_vjp<X: Elementwise>(x: X) -> (X, impl FnOnce(X) -> (X,)) {
    let y = tanh(x);
    (y, move |adjoint: X| (tanh_backward(&y, adjoint),))
}

/// `x̄ = ȳ·(1 − y²)`, from the output `y`.
#[inline]
pub(crate) fn tanh_backward<X: Elementwise>(y: &X, adjoint: X) -> X {
    adjoint.zip_map_elements(y, |g, y| g * (X::Element::ONE - y * y))
}

/// `Softplus(x) = ln(1 + e^(βx))/β`, and `x` where `βx > threshold`
/// (strictly, as PyTorch; its defaults are `β = 1`, `threshold = 20`).
/// Evaluated without overflow for any `x`. Derivative `σ(βx)`, or 1 on the
/// linear branch.
///
/// ```
/// use tapeless_runtime::nn::softplus;
/// assert!((softplus(0.0_f64, 1.0, 20.0) - 2.0_f64.ln()).abs() < 1e-15);
/// assert_eq!(softplus(800.0_f64, 1.0, 20.0), 800.0);
/// ```
#[inline]
#[must_use]
pub fn softplus<X: Elementwise>(x: X, beta: X::Element, threshold: X::Element) -> X {
    x.map_elements(|x| {
        if x * beta > threshold {
            x
        } else {
            log1p_exp(x * beta) / beta
        }
    })
}

/// The `_vjp` rule of [`softplus`] (`beta` and `threshold` are not
/// differentiated).
#[inline]
pub fn softplus_vjp<X: Elementwise>(
    x: X,
    beta: X::Element,
    threshold: X::Element,
) -> (X, impl FnOnce(X) -> (X, NoTangent, NoTangent)) {
    (softplus(x, beta, threshold), move |adjoint: X| {
        (
            softplus_backward(&x, beta, threshold, adjoint),
            NoTangent,
            NoTangent,
        )
    })
}

/// `x̄ = ȳ·softplus'(x)`, from the input.
#[inline]
pub(crate) fn softplus_backward<X: Elementwise>(
    x: &X,
    beta: X::Element,
    threshold: X::Element,
    adjoint: X,
) -> X {
    adjoint.zip_map_elements(x, |g, x| {
        let z = x * beta;
        if z > threshold {
            g
        } else {
            g * sigmoid_scalar(z)
        }
    })
}

/// `ELU(x) = x > 0 ? x : α(eˣ − 1)` (PyTorch's default `α = 1`).
/// Derivative `x > 0 ? 1 : α·eˣ`, so `elu'(0) = α`.
///
/// ```
/// use tapeless_runtime::nn::elu;
/// assert_eq!(elu(2.0_f64, 1.0), 2.0);
/// assert!((elu(-1.0_f64, 1.0) - (-1.0_f64).exp_m1()).abs() < 1e-16);
/// ```
#[inline]
#[must_use]
pub fn elu<X: Elementwise>(x: X, alpha: X::Element) -> X {
    x.map_elements(|x| {
        if x > X::Element::ZERO {
            x
        } else {
            alpha * X::Element::exp_m1(x)
        }
    })
}

/// The `_vjp` rule of [`elu`] (`alpha` is not differentiated).
#[inline]
pub fn elu_vjp<X: Elementwise>(x: X, alpha: X::Element) -> (X, impl FnOnce(X) -> (X, NoTangent)) {
    (elu(x, alpha), move |adjoint: X| {
        (elu_backward(&x, alpha, adjoint), NoTangent)
    })
}

/// `x̄ = ȳ·elu'(x)`, from the input.
#[inline]
pub(crate) fn elu_backward<X: Elementwise>(x: &X, alpha: X::Element, adjoint: X) -> X {
    adjoint.zip_map_elements(x, |g, x| {
        if x > X::Element::ZERO {
            g
        } else {
            g * alpha * X::Element::exp(x)
        }
    })
}

/// √(1/2).
const FRAC_1_SQRT_2: f64 = core::f64::consts::FRAC_1_SQRT_2;
/// 1/√(2π).
const FRAC_1_SQRT_2PI: f64 =
    core::f64::consts::FRAC_2_SQRT_PI * core::f64::consts::FRAC_1_SQRT_2 * 0.5;
/// √(2/π).
const SQRT_2_OVER_PI: f64 = core::f64::consts::SQRT_2 * core::f64::consts::FRAC_2_SQRT_PI * 0.5;
/// The cubic coefficient of the tanh approximation of GELU.
const GELU_KAPPA: f64 = 0.044715;

/// The exact `GELU(x) = x·Φ(x) = x·(1 + erf(x/√2))/2`, elementwise (PyTorch's
/// `approximate='none'`). Derivative `Φ(x) + x·φ(x)`.
///
/// ```
/// use tapeless_runtime::nn::gelu;
/// assert_eq!(gelu(0.0_f64), 0.0);
/// assert!((gelu(1.0_f64) - 0.8413447460685429).abs() < 1e-15);
/// ```
#[inline]
#[must_use]
pub fn gelu<X: Elementwise>(x: X) -> X {
    x.map_elements(gelu_scalar)
}

/// `x·Φ(x)`.
#[inline]
pub(crate) fn gelu_scalar<T: Real>(x: T) -> T {
    x * T::HALF * (T::ONE + T::erf(x * T::from_f64_lossy(FRAC_1_SQRT_2)))
}

/// The `_vjp` rule of [`gelu`].
#[inline]
pub fn gelu_vjp<X: Elementwise>(x: X) -> (X, impl FnOnce(X) -> (X,)) {
    (gelu(x), move |adjoint: X| (gelu_backward(&x, adjoint),))
}

/// `x̄ = ȳ·gelu'(x)`, from the input.
#[inline]
pub(crate) fn gelu_backward<X: Elementwise>(x: &X, adjoint: X) -> X {
    let half = X::Element::HALF;
    let frac_1_sqrt_2 = X::Element::from_f64_lossy(FRAC_1_SQRT_2);
    let frac_1_sqrt_2pi = X::Element::from_f64_lossy(FRAC_1_SQRT_2PI);
    adjoint.zip_map_elements(x, |g, x| {
        let cdf = half * (X::Element::ONE + X::Element::erf(x * frac_1_sqrt_2));
        let pdf = X::Element::exp(-half * x * x) * frac_1_sqrt_2pi;
        g * (cdf + x * pdf)
    })
}

/// The tanh approximation of GELU (PyTorch's `approximate='tanh'`),
/// `x·(1 + tanh(√(2/π)(x + 0.044715x³)))/2`, elementwise.
///
/// ```
/// use tapeless_runtime::nn::{gelu, gelu_tanh};
/// assert!((gelu_tanh(1.0_f64) - gelu(1.0_f64)).abs() < 1e-3);
/// ```
#[inline]
#[must_use]
pub fn gelu_tanh<X: Elementwise>(x: X) -> X {
    x.map_elements(gelu_tanh_scalar)
}

/// `x·(1 + tanh(√(2/π)(x + 0.044715x³)))/2`.
#[inline]
pub(crate) fn gelu_tanh_scalar<T: Real>(x: T) -> T {
    let beta = T::from_f64_lossy(SQRT_2_OVER_PI);
    let kappa = T::from_f64_lossy(GELU_KAPPA);
    let inner = beta * (x + kappa * (x * x * x));
    T::HALF * x * (T::ONE + T::tanh(inner))
}

/// The `_vjp` rule of [`gelu_tanh`].
#[inline]
pub fn gelu_tanh_vjp<X: Elementwise>(x: X) -> (X, impl FnOnce(X) -> (X,)) {
    (gelu_tanh(x), move |adjoint: X| {
        (gelu_tanh_backward(&x, adjoint),)
    })
}

/// `x̄ = ȳ·gelu_tanh'(x)`, from the input.
#[inline]
pub(crate) fn gelu_tanh_backward<X: Elementwise>(x: &X, adjoint: X) -> X {
    let one = X::Element::ONE;
    let beta = X::Element::from_f64_lossy(SQRT_2_OVER_PI);
    let kappa = X::Element::from_f64_lossy(GELU_KAPPA);
    let three = X::Element::from_f64_lossy(3.0);
    adjoint.zip_map_elements(x, |g, x| {
        let x_squared = x * x;
        let inner = beta * (x + kappa * (x_squared * x));
        let tanh_inner = X::Element::tanh(inner);
        let left = X::Element::HALF * x;
        let right = one + tanh_inner;
        let left_derivative = X::Element::HALF * right;
        let right_derivative = one - tanh_inner * tanh_inner;
        let inner_derivative = beta * (one + three * kappa * x_squared);
        g * (left_derivative + left * right_derivative * inner_derivative)
    })
}

/// `SiLU(x) = x·σ(x)` (also called swish), elementwise. Derivative
/// `σ(x)(1 + x(1 − σ(x)))`.
///
/// ```
/// use tapeless_runtime::nn::silu;
/// assert_eq!(silu(0.0_f64), 0.0);
/// ```
#[inline]
#[must_use]
pub fn silu<X: Elementwise>(x: X) -> X {
    x.map_elements(silu_scalar)
}

/// `x·σ(x)`.
#[inline]
pub(crate) fn silu_scalar<T: Real>(x: T) -> T {
    x * sigmoid_scalar(x)
}

/// The `_vjp` rule of [`silu`].
#[inline]
pub fn silu_vjp<X: Elementwise>(x: X) -> (X, impl FnOnce(X) -> (X,)) {
    (silu(x), move |adjoint: X| (silu_backward(&x, adjoint),))
}

/// `x̄ = ȳ·silu'(x)`, from the input.
#[inline]
pub(crate) fn silu_backward<X: Elementwise>(x: &X, adjoint: X) -> X {
    adjoint.zip_map_elements(x, |g, x| {
        let s = sigmoid_scalar(x);
        g * (s * (X::Element::ONE + x * (X::Element::ONE - s)))
    })
}

/// `softmax(x)ᵢ = eˣⁱ/Σⱼ eˣʲ` of each column of `x` (of a vector, or of each
/// sample of a batch with samples as columns: PyTorch's `dim` is the
/// column). Stable for large entries (the maximum is subtracted first).
///
/// ```
/// use tapeless_runtime::nn::softmax;
/// use nalgebra::Vector2;
/// assert_eq!(softmax(Vector2::new(1000.0_f64, 1000.0)), Vector2::new(0.5, 0.5));
/// ```
#[inline]
#[must_use]
pub fn softmax<T: Real, const R: usize, const C: usize>(x: SMatrix<T, R, C>) -> SMatrix<T, R, C> {
    let mut y = x;
    for mut column in y.column_iter_mut() {
        let max = column.iter().copied().fold(-T::INFINITY, T::max);
        let mut sum = T::ZERO;
        for value in column.iter_mut() {
            *value = T::exp(*value - max);
            sum += *value;
        }
        for value in column.iter_mut() {
            *value /= sum;
        }
    }
    y
}

/// The `_vjp` rule of [`softmax`]: `x̄ = y ⊙ (ȳ − Σ ȳ⊙y)` per column.
#[inline]
pub fn softmax_vjp<T: Real, const R: usize, const C: usize>(
    x: SMatrix<T, R, C>,
) -> (
    SMatrix<T, R, C>,
    impl FnOnce(SMatrix<T, R, C>) -> (SMatrix<T, R, C>,),
) {
    let y = softmax(x);
    (y, move |adjoint| (softmax_backward(&y, adjoint),))
}

/// `x̄ = y ⊙ (ȳ − Σ ȳ⊙y)` per column, from the output `y`.
#[inline]
pub(crate) fn softmax_backward<T: Real, const R: usize, const C: usize>(
    y: &SMatrix<T, R, C>,
    adjoint: SMatrix<T, R, C>,
) -> SMatrix<T, R, C> {
    let mut grad = adjoint;
    for (mut g, y) in grad.column_iter_mut().zip(y.column_iter()) {
        let dot: T = g.iter().zip(y.iter()).map(|(g, y)| *g * *y).sum();
        for (g, y) in g.iter_mut().zip(y.iter()) {
            *g = *y * (*g - dot);
        }
    }
    grad
}

/// `log_softmax(x)ᵢ = xᵢ − ln Σⱼ eˣʲ` of each column of `x`, through
/// log-sum-exp (stable for large entries).
///
/// ```
/// use tapeless_runtime::nn::log_softmax;
/// use nalgebra::Vector2;
/// let y = log_softmax(Vector2::new(1000.0_f64, 1000.0));
/// assert_eq!(y, Vector2::new(-2.0_f64.ln(), -2.0_f64.ln()));
/// ```
#[inline]
#[must_use]
pub fn log_softmax<T: Real, const R: usize, const C: usize>(
    x: SMatrix<T, R, C>,
) -> SMatrix<T, R, C> {
    let mut y = x;
    for mut column in y.column_iter_mut() {
        let max = column.iter().copied().fold(-T::INFINITY, T::max);
        let log_sum_exp = T::ln(column.iter().map(|x| T::exp(*x - max)).sum());
        for value in column.iter_mut() {
            *value = *value - max - log_sum_exp;
        }
    }
    y
}

/// The `_vjp` rule of [`log_softmax`]: `x̄ = ȳ − exp(y)·Σ ȳ` per column.
#[inline]
pub fn log_softmax_vjp<T: Real, const R: usize, const C: usize>(
    x: SMatrix<T, R, C>,
) -> (
    SMatrix<T, R, C>,
    impl FnOnce(SMatrix<T, R, C>) -> (SMatrix<T, R, C>,),
) {
    let y = log_softmax(x);
    (y, move |adjoint| (log_softmax_backward(&y, adjoint),))
}

/// `x̄ = ȳ − exp(y)·Σ ȳ` per column, from the output `y`.
#[inline]
pub(crate) fn log_softmax_backward<T: Real, const R: usize, const C: usize>(
    y: &SMatrix<T, R, C>,
    adjoint: SMatrix<T, R, C>,
) -> SMatrix<T, R, C> {
    let mut grad = adjoint;
    for (mut g, y) in grad.column_iter_mut().zip(y.column_iter()) {
        let sum: T = g.iter().copied().sum();
        for (g, y) in g.iter_mut().zip(y.iter()) {
            *g -= T::exp(*y) * sum;
        }
    }
    grad
}

// Forward mode. An elementwise activation has a diagonal Jacobian, and
// softmax's, `diag(y) − y·yᵀ` per column, is symmetric: their `_jvp` rules
// apply the reverse rule's backward step to the tangent. Parameters that are
// not differentiated take `NoTangent`, as `#[differentiable(jvp)]` passes it.

/// The `_jvp` rule of [`relu`]: `ẏ = ẋ·relu'(x)`.
///
/// ```
/// use tapeless_runtime::nn::relu_jvp;
/// assert_eq!(relu_jvp(2.0_f64, &3.0), (2.0, 3.0));
/// assert_eq!(relu_jvp(-2.0_f64, &3.0), (0.0, 0.0));
/// ```
#[inline]
pub fn relu_jvp<X: Elementwise>(x: X, tangent: &X) -> (X, X) {
    (relu(x), relu_backward(&x, *tangent))
}

/// The `_jvp` rule of [`leaky_relu`] (the slope is not differentiated).
#[inline]
pub fn leaky_relu_jvp<X: Elementwise>(
    x: X,
    negative_slope: X::Element,
    tangent: &X,
    _: NoTangent,
) -> (X, X) {
    (
        leaky_relu(x, negative_slope),
        leaky_relu_backward(&x, negative_slope, *tangent),
    )
}

/// The `_jvp` rule of [`sigmoid`]: `ẏ = ẋ·y(1 − y)`.
#[inline]
pub fn sigmoid_jvp<X: Elementwise>(x: X, tangent: &X) -> (X, X) {
    let y = sigmoid(x);
    (y, sigmoid_backward(&y, *tangent))
}

/// The `_jvp` rule of [`tanh`]: `ẏ = ẋ·(1 − y²)`.
#[inline]
pub fn tanh_jvp<X: Elementwise>(x: X, tangent: &X) -> (X, X) {
    let y = tanh(x);
    (y, tanh_backward(&y, *tangent))
}

/// The `_jvp` rule of [`softplus`] (`beta` and `threshold` are not
/// differentiated).
#[inline]
pub fn softplus_jvp<X: Elementwise>(
    x: X,
    beta: X::Element,
    threshold: X::Element,
    tangent: &X,
    _: NoTangent,
    _: NoTangent,
) -> (X, X) {
    (
        softplus(x, beta, threshold),
        softplus_backward(&x, beta, threshold, *tangent),
    )
}

/// The `_jvp` rule of [`elu`] (`alpha` is not differentiated).
#[inline]
pub fn elu_jvp<X: Elementwise>(x: X, alpha: X::Element, tangent: &X, _: NoTangent) -> (X, X) {
    (elu(x, alpha), elu_backward(&x, alpha, *tangent))
}

/// The `_jvp` rule of [`gelu`].
#[inline]
pub fn gelu_jvp<X: Elementwise>(x: X, tangent: &X) -> (X, X) {
    (gelu(x), gelu_backward(&x, *tangent))
}

/// The `_jvp` rule of [`gelu_tanh`].
#[inline]
pub fn gelu_tanh_jvp<X: Elementwise>(x: X, tangent: &X) -> (X, X) {
    (gelu_tanh(x), gelu_tanh_backward(&x, *tangent))
}

/// The `_jvp` rule of [`silu`].
#[inline]
pub fn silu_jvp<X: Elementwise>(x: X, tangent: &X) -> (X, X) {
    (silu(x), silu_backward(&x, *tangent))
}

/// The `_jvp` rule of [`softmax`]: `ẏ = y ⊙ (ẋ − y·ẋ)` per column.
#[inline]
pub fn softmax_jvp<T: Real, const R: usize, const C: usize>(
    x: SMatrix<T, R, C>,
    tangent: &SMatrix<T, R, C>,
) -> (SMatrix<T, R, C>, SMatrix<T, R, C>) {
    let y = softmax(x);
    (y, softmax_backward(&y, *tangent))
}

/// The `_jvp` rule of [`log_softmax`]: `ẏ = ẋ − softmax(x)·ẋ` per column.
#[inline]
pub fn log_softmax_jvp<T: Real, const R: usize, const C: usize>(
    x: SMatrix<T, R, C>,
    tangent: &SMatrix<T, R, C>,
) -> (SMatrix<T, R, C>, SMatrix<T, R, C>) {
    let y = log_softmax(x);
    let mut output = *tangent;
    for (mut t, y) in output.column_iter_mut().zip(y.column_iter()) {
        let mean: T = t.iter().zip(y.iter()).map(|(t, y)| *t * T::exp(*y)).sum();
        for t in t.iter_mut() {
            *t -= mean;
        }
    }
    (y, output)
}

// Second order. The `_jvp2` siblings that a function with
// `#[differentiable(hessian)]` links a call of an activation to: the value,
// and every lane of the hyper-dual tangents ([`Hyper`](crate::forward::Hyper)).
// An elementwise activation `y = f(x)` gives `y_u = f'(x)·x_u` and
// `y_uv = f'(x)·x_uv + f''(x)·x_u·x_v`, elementwise.

/// The lanes of an elementwise function's hyper-dual tangents, from its value
/// `y` and `derivatives(x) = (f'(x), f''(x))` per element.
#[allow(clippy::type_complexity, reason = "the three kinds of tangents")]
#[inline]
fn elementwise_jvp2<X: Elementwise, const U: usize, const V: usize>(
    x: X,
    y: X,
    tangent: impl HyperArg<X, U, V>,
    derivatives: impl Fn(X::Element) -> (X::Element, X::Element),
) -> (X, [X; U], [X; V], [[X; V]; U]) {
    let (u, v, uv) = tangent.lanes(&x);
    let first = x.map_elements_of(|x| derivatives(x).0);
    let second = x.map_elements_of(|x| derivatives(x).1);
    let along = |t: &X| t.zip_map_elements(&first, |t, d| t * d);
    let mixed = core::array::from_fn(|i| {
        core::array::from_fn(|j| {
            let mut out = along(&uv[i][j]);
            let parts = (u[i].elements(), v[j].elements(), second.elements());
            for (k, out) in out.elements_mut().iter_mut().enumerate() {
                *out += parts.2[k] * parts.0[k] * parts.1[k];
            }
            out
        })
    });
    (y, u.each_ref().map(along), v.each_ref().map(along), mixed)
}

/// The `_jvp2` rule of [`relu`] (`f'' = 0`).
#[allow(clippy::type_complexity, reason = "the three kinds of tangents")]
#[inline]
pub fn relu_jvp2<X: Elementwise, const U: usize, const V: usize>(
    x: X,
    tangent: impl HyperArg<X, U, V>,
) -> (X, [X; U], [X; V], [[X; V]; U]) {
    let zero = X::Element::ZERO;
    elementwise_jvp2(x, relu(x), tangent, |x| {
        (if x > zero { X::Element::ONE } else { zero }, zero)
    })
}

/// The `_jvp2` rule of [`leaky_relu`] (the slope is not differentiated).
#[allow(clippy::type_complexity, reason = "the three kinds of tangents")]
#[inline]
pub fn leaky_relu_jvp2<X: Elementwise, const U: usize, const V: usize>(
    x: X,
    negative_slope: X::Element,
    tangent: impl HyperArg<X, U, V>,
    _: NoTangent,
) -> (X, [X; U], [X; V], [[X; V]; U]) {
    let slope = leaky_relu_backward(&x, negative_slope, x.map_elements_of(|_| X::Element::ONE));
    let (u, v, uv) = tangent.lanes(&x);
    let along = |t: &X| t.zip_map_elements(&slope, |t, d| t * d);
    (
        leaky_relu(x, negative_slope),
        u.each_ref().map(along),
        v.each_ref().map(along),
        uv.each_ref().map(|row| row.each_ref().map(along)),
    )
}

/// The `_jvp2` rule of [`sigmoid`]: `f' = y(1 − y)`, `f'' = f'(1 − 2y)`.
#[allow(clippy::type_complexity, reason = "the three kinds of tangents")]
#[inline]
pub fn sigmoid_jvp2<X: Elementwise, const U: usize, const V: usize>(
    x: X,
    tangent: impl HyperArg<X, U, V>,
) -> (X, [X; U], [X; V], [[X; V]; U]) {
    let one = X::Element::ONE;
    elementwise_jvp2(x, sigmoid(x), tangent, |x| {
        let y = sigmoid_scalar(x);
        let d = y * (one - y);
        (d, d * (one - y - y))
    })
}

/// The `_jvp2` rule of [`tanh`]: `f' = 1 − y²`, `f'' = −2y(1 − y²)`.
#[allow(clippy::type_complexity, reason = "the three kinds of tangents")]
#[inline]
pub fn tanh_jvp2<X: Elementwise, const U: usize, const V: usize>(
    x: X,
    tangent: impl HyperArg<X, U, V>,
) -> (X, [X; U], [X; V], [[X; V]; U]) {
    elementwise_jvp2(x, tanh(x), tangent, |x| {
        let y = X::Element::tanh(x);
        let d = X::Element::ONE - y * y;
        (d, -(y + y) * d)
    })
}

/// The `_jvp2` rule of [`softplus`]: `f' = σ(βx)`, `f'' = β·σ(βx)(1 − σ(βx))`
/// (1 and 0 above the threshold, where softplus is `x`).
#[allow(clippy::type_complexity, reason = "the three kinds of tangents")]
#[inline]
pub fn softplus_jvp2<X: Elementwise, const U: usize, const V: usize>(
    x: X,
    beta: X::Element,
    threshold: X::Element,
    tangent: impl HyperArg<X, U, V>,
    _: NoTangent,
    _: NoTangent,
) -> (X, [X; U], [X; V], [[X; V]; U]) {
    let (zero, one) = (X::Element::ZERO, X::Element::ONE);
    elementwise_jvp2(x, softplus(x, beta, threshold), tangent, |x| {
        let z = x * beta;
        if z > threshold {
            (one, zero)
        } else {
            let s = sigmoid_scalar(z);
            (s, beta * s * (one - s))
        }
    })
}

/// The `_jvp2` rule of [`elu`] (`alpha` is not differentiated): `f' = f'' =
/// α·eˣ` for `x ≤ 0`, 1 and 0 above.
#[allow(clippy::type_complexity, reason = "the three kinds of tangents")]
#[inline]
pub fn elu_jvp2<X: Elementwise, const U: usize, const V: usize>(
    x: X,
    alpha: X::Element,
    tangent: impl HyperArg<X, U, V>,
    _: NoTangent,
) -> (X, [X; U], [X; V], [[X; V]; U]) {
    let (zero, one) = (X::Element::ZERO, X::Element::ONE);
    elementwise_jvp2(x, elu(x, alpha), tangent, |x| {
        if x > zero {
            (one, zero)
        } else {
            let d = alpha * X::Element::exp(x);
            (d, d)
        }
    })
}

/// The `_jvp2` rule of [`gelu`]: `f' = Φ(x) + xφ(x)`, `f'' = φ(x)(2 − x²)`.
#[allow(clippy::type_complexity, reason = "the three kinds of tangents")]
#[inline]
pub fn gelu_jvp2<X: Elementwise, const U: usize, const V: usize>(
    x: X,
    tangent: impl HyperArg<X, U, V>,
) -> (X, [X; U], [X; V], [[X; V]; U]) {
    let half = X::Element::HALF;
    let frac_1_sqrt_2 = X::Element::from_f64_lossy(FRAC_1_SQRT_2);
    let frac_1_sqrt_2pi = X::Element::from_f64_lossy(FRAC_1_SQRT_2PI);
    elementwise_jvp2(x, gelu(x), tangent, |x| {
        let cdf = half * (X::Element::ONE + X::Element::erf(x * frac_1_sqrt_2));
        let pdf = X::Element::exp(-half * x * x) * frac_1_sqrt_2pi;
        (cdf + x * pdf, pdf * (X::Element::TWO - x * x))
    })
}

/// The `_jvp2` rule of [`gelu_tanh`]: with `t = tanh(w)`, `w = β(x + κx³)`,
/// `f' = (1 + t)/2 + x(1 − t²)w'/2` and `f'' = (1 − t²)(w' + x(w'' − 2t·w'²)/2)`.
#[allow(clippy::type_complexity, reason = "the three kinds of tangents")]
#[inline]
pub fn gelu_tanh_jvp2<X: Elementwise, const U: usize, const V: usize>(
    x: X,
    tangent: impl HyperArg<X, U, V>,
) -> (X, [X; U], [X; V], [[X; V]; U]) {
    let one = X::Element::ONE;
    let half = X::Element::HALF;
    let beta = X::Element::from_f64_lossy(SQRT_2_OVER_PI);
    let kappa = X::Element::from_f64_lossy(GELU_KAPPA);
    let three = X::Element::from_f64_lossy(3.0);
    let six = X::Element::from_f64_lossy(6.0);
    elementwise_jvp2(x, gelu_tanh(x), tangent, |x| {
        let w = beta * (x + kappa * (x * x * x));
        let t = X::Element::tanh(w);
        let sech2 = one - t * t;
        let w1 = beta * (one + three * kappa * x * x);
        let w2 = six * beta * kappa * x;
        (
            half * (one + t) + half * x * sech2 * w1,
            sech2 * (w1 + half * x * (w2 - (t + t) * w1 * w1)),
        )
    })
}

/// The `_jvp2` rule of [`silu`]: `f' = s(1 + x(1 − s))`, `f'' = s(1 − s)(2 +
/// x(1 − 2s))` with `s = σ(x)`.
#[allow(clippy::type_complexity, reason = "the three kinds of tangents")]
#[inline]
pub fn silu_jvp2<X: Elementwise, const U: usize, const V: usize>(
    x: X,
    tangent: impl HyperArg<X, U, V>,
) -> (X, [X; U], [X; V], [[X; V]; U]) {
    let one = X::Element::ONE;
    elementwise_jvp2(x, silu(x), tangent, |x| {
        let s = sigmoid_scalar(x);
        let ds = s * (one - s);
        (s + x * ds, ds * (X::Element::TWO + x * (one - s - s)))
    })
}

/// The `_jvp2` rule of [`softmax`], per column: `y_u = y ⊙ (x_u − y·x_u)` and
/// `y_uv = y_v ⊙ (x_u − y·x_u) + y ⊙ (x_uv − y_v·x_u − y·x_uv)`.
#[allow(clippy::type_complexity, reason = "the three kinds of tangents")]
#[inline]
pub fn softmax_jvp2<T: Real, const R: usize, const C: usize, const U: usize, const V: usize>(
    x: SMatrix<T, R, C>,
    tangent: impl HyperArg<SMatrix<T, R, C>, U, V>,
) -> (
    SMatrix<T, R, C>,
    [SMatrix<T, R, C>; U],
    [SMatrix<T, R, C>; V],
    [[SMatrix<T, R, C>; V]; U],
) {
    let y = softmax(x);
    let (u, v, uv) = tangent.lanes(&x);
    let along = |t: &SMatrix<T, R, C>| softmax_backward(&y, *t);
    let (y_u, y_v) = (u.each_ref().map(along), v.each_ref().map(along));
    let mixed = core::array::from_fn(|i| {
        core::array::from_fn(|j| {
            SMatrix::<T, R, C>::from_fn(|r, c| {
                let column =
                    |m: &SMatrix<T, R, C>, n: &SMatrix<T, R, C>| m.column(c).dot(&n.column(c));
                let centred_u = u[i][(r, c)] - column(&y, &u[i]);
                y_v[j][(r, c)] * centred_u
                    + y[(r, c)]
                        * (uv[i][j][(r, c)] - column(&y_v[j], &u[i]) - column(&y, &uv[i][j]))
            })
        })
    });
    (y, y_u, y_v, mixed)
}

/// The `_jvp2` rule of [`log_softmax`], per column, with `p = softmax(x)`:
/// `y_u = x_u − p·x_u` and `y_uv = x_uv − p·x_uv − p_v·x_u`, `p_v = p ⊙ (x_v −
/// p·x_v)`.
#[allow(clippy::type_complexity, reason = "the three kinds of tangents")]
#[inline]
pub fn log_softmax_jvp2<T: Real, const R: usize, const C: usize, const U: usize, const V: usize>(
    x: SMatrix<T, R, C>,
    tangent: impl HyperArg<SMatrix<T, R, C>, U, V>,
) -> (
    SMatrix<T, R, C>,
    [SMatrix<T, R, C>; U],
    [SMatrix<T, R, C>; V],
    [[SMatrix<T, R, C>; V]; U],
) {
    let p = softmax(x);
    let (u, v, uv) = tangent.lanes(&x);
    let centred = |t: &SMatrix<T, R, C>| {
        SMatrix::<T, R, C>::from_fn(|r, c| t[(r, c)] - p.column(c).dot(&t.column(c)))
    };
    let p_v = v.each_ref().map(|t| softmax_backward(&p, *t));
    let mixed = core::array::from_fn(|i| {
        core::array::from_fn(|j| {
            SMatrix::<T, R, C>::from_fn(|r, c| {
                uv[i][j][(r, c)]
                    - p.column(c).dot(&uv[i][j].column(c))
                    - p_v[j].column(c).dot(&u[i].column(c))
            })
        })
    });
    (
        log_softmax(x),
        u.each_ref().map(centred),
        v.each_ref().map(centred),
        mixed,
    )
}
