//! Binary classification losses: BCE on probabilities and on logits.

use super::{Elementwise, Reduction, elementwise_loss};
use crate::nn::{log_sigmoid_scalar, sigmoid_scalar};
use crate::{NoTangent, Real};
use nalgebra::{SMatrix, SVector};

/// PyTorch's `EPSILON` in the BCE backward: the `float` `1e-12`.
const BCE_EPSILON: f32 = 1e-12;

/// A log clamped at −100 as torch's BCE, NaN kept (`max` would make NaN
/// −100, a finite loss for a NaN input).
#[inline]
fn clamp_log<T: Real>(log: T) -> T {
    let floor = T::from_f64_lossy(-100.0);
    if log < floor { floor } else { log }
}

elementwise_loss! {
    /// Binary cross entropy on probabilities `x ∈ [0, 1]` (`nn.BCELoss`):
    /// `−(t·max(ln x, −100) + (1 − t)·max(ln(1 − x), −100))`, each log
    /// clamped at −100 as PyTorch. The derivative is PyTorch's, not that of
    /// the clamped loss: `(x − t)/max(x(1 − x), 1e-12)` (`1e-12` as an
    /// `f32`), so it is finite at `x ∈ {0, 1}`. Where torch refuses an
    /// input outside `[0, 1]` (NaN included), the loss is NaN.
    ///
    /// ```
    /// use tapeless_runtime::loss::{bce, bce_vjp, Reduction};
    /// assert_eq!(bce(&0.0_f64, &1.0, Reduction::Mean), 100.0);
    /// let (_, pullback) = bce_vjp(&0.0_f64, &1.0, Reduction::Mean);
    /// assert!((pullback(1.0).0 + 1.000000004e12).abs() < 1e3);
    /// ```
    bce, bce_vjp, bce_elementwise, bce_elementwise_vjp;
    ();
    |x, t| value = bce_value(x, t), derivative = bce_derivative(x, t);
}

/// Binary cross entropy on logits (`nn.BCEWithLogitsLoss`):
/// `(1 − t)·x − ln σ(x)`, stable for any logit. Derivative `σ(x) − t`.
/// The `_vjp` rules take one `exp` per element: `e^−|x|` gives both the
/// loss and `σ(x)`.
///
/// ```
/// use tapeless_runtime::loss::{bce_with_logits, Reduction};
/// assert_eq!(bce_with_logits(&-1000.0_f64, &0.0, Reduction::Sum), 0.0);
/// assert_eq!(bce_with_logits(&-1000.0_f64, &1.0, Reduction::Sum), 1000.0);
/// ```
#[inline]
#[must_use]
pub fn bce_with_logits<X: Elementwise>(input: &X, target: &X, reduction: Reduction) -> X::Element {
    let losses = bce_with_logits_elementwise(input, target);
    reduction.apply(losses.sum_elements(), super::element_count(input))
}

/// The `_vjp` rule of [`bce_with_logits`]: the gradient with respect to
/// `input`; target and reduction get `NoTangent`.
#[inline]
pub fn bce_with_logits_vjp<X: Elementwise>(
    input: &X,
    target: &X,
    reduction: Reduction,
) -> (
    X::Element,
    impl FnOnce(X::Element) -> (X, NoTangent, NoTangent) + use<X>,
) {
    let (losses, derivative) = bce_with_logits_parts(input, target);
    let count = super::element_count(input);
    let value = reduction.apply(losses.sum_elements(), count);
    (value, move |adjoint: X::Element| {
        let adjoint = reduction.adjoint(adjoint, count);
        (
            derivative.map_elements(|d| adjoint * d),
            NoTangent,
            NoTangent,
        )
    })
}

/// The loss of each element, unreduced, as [`bce_with_logits`] with
/// PyTorch's `reduction='none'`.
#[inline]
#[must_use]
pub fn bce_with_logits_elementwise<X: Elementwise>(input: &X, target: &X) -> X {
    input.zip_map_elements(target, |x, t| {
        (X::Element::ONE - t) * x - log_sigmoid_scalar(x)
    })
}

/// The `_vjp` rule of [`bce_with_logits_elementwise`]: the vector-Jacobian
/// product with respect to `input`.
#[inline]
pub fn bce_with_logits_elementwise_vjp<X: Elementwise>(
    input: &X,
    target: &X,
) -> (X, impl FnOnce(X) -> (X, NoTangent) + use<X>) {
    let (losses, derivative) = bce_with_logits_parts(input, target);
    (losses, move |adjoint: X| {
        (
            adjoint.zip_map_elements(&derivative, |g, d| g * d),
            NoTangent,
        )
    })
}

/// The losses of [`bce_with_logits_elementwise`] and their derivatives
/// `σ(x) − t`, from one `exp` per element: with `e = e^−|x|`,
/// `ln σ(x) = min(x, 0) − ln(1 + e)` and `σ(x) = 1/(1 + e)` for `x ≥ 0`,
/// `e/(1 + e)` otherwise (the same numbers as `log_sigmoid_scalar` and
/// `sigmoid_scalar`, which each take the `exp`).
#[inline]
fn bce_with_logits_parts<X: Elementwise>(input: &X, target: &X) -> (X, X) {
    let mut losses = *input;
    let mut derivative = *input;
    for ((loss, slope), t) in losses
        .elements_mut()
        .iter_mut()
        .zip(derivative.elements_mut())
        .zip(target.elements())
    {
        let (x, t) = (*loss, *t);
        let one = X::Element::ONE;
        let e = X::Element::exp(-X::Element::abs(x));
        let log_sigmoid = X::Element::min(x, X::Element::ZERO) - X::Element::ln_1p(e);
        let sigmoid = if x >= X::Element::ZERO {
            one / (one + e)
        } else {
            e / (one + e)
        };
        *loss = (one - t) * x - log_sigmoid;
        *slope = sigmoid - t;
    }
    (losses, derivative)
}

/// Defines a loss with PyTorch's `weight` argument: a rescaling weight per
/// element, of the input's type, by which each element's loss (and its
/// derivative) is multiplied; [`Reduction::Mean`] divides by the number of
/// elements, not by the weights (torch's `weight` of the binary losses).
macro_rules! weighted_loss {
    (
        $(#[$doc:meta])*
        $name:ident, $name_vjp:ident, $torch:literal;
        |$x:ident, $t:ident| value = $value:expr, derivative = $derivative:expr;
    ) => {
        $(#[$doc])*
        #[inline]
        #[must_use]
        pub fn $name<X: Elementwise>(input: &X, target: &X, weight: &X, reduction: Reduction) -> X::Element {
            let losses = weight.zip3_map_elements(input, target, |w, $x, $t| w * $value);
            reduction.apply(losses.sum_elements(), $crate::loss::element_count(input))
        }

        #[doc = concat!("The `_vjp` rule of [`", stringify!($name), "`]: the gradient with respect to `input`; target, weight and reduction get `NoTangent`.")]
        #[inline]
        pub fn $name_vjp<X: Elementwise>(
            input: &X,
            target: &X,
            weight: &X,
            reduction: Reduction,
        ) -> (
            X::Element,
            impl FnOnce(X::Element) -> (X, NoTangent, NoTangent, NoTangent) + use<X>,
        ) {
            let value = $name(input, target, weight, reduction);
            let (input, target, weight) = (*input, *target, *weight);
            (value, move |adjoint: X::Element| {
                let adjoint = reduction.adjoint(adjoint, $crate::loss::element_count(&input));
                let grad = weight.zip3_map_elements(&input, &target, |w, $x, $t| adjoint * w * $derivative);
                (grad, NoTangent, NoTangent, NoTangent)
            })
        }
    };
}

weighted_loss! {
    /// [`bce`] with PyTorch's `weight` (`nn.BCELoss(weight=w)`):
    /// `w·bce(x, t)` per element; [`Reduction::Mean`] divides by the number
    /// of elements.
    ///
    /// ```
    /// use tapeless_runtime::loss::{bce, bce_weighted, Reduction};
    /// use nalgebra::Vector2;
    /// let (x, t) = (Vector2::new(0.25_f64, 0.5), Vector2::new(1.0, 0.0));
    /// let weighted = bce_weighted(&x, &t, &Vector2::new(2.0, 0.0), Reduction::Mean);
    /// assert_eq!(weighted, 2.0 * 4.0_f64.ln() / 2.0);
    /// assert_eq!(bce_weighted(&x, &t, &Vector2::new(1.0, 1.0), Reduction::Sum), bce(&x, &t, Reduction::Sum));
    /// ```
    bce_weighted, bce_weighted_vjp, "BCELoss";
    |x, t| value = bce_value(x, t), derivative = bce_derivative(x, t);
}

weighted_loss! {
    /// [`bce_with_logits`] with PyTorch's `weight`
    /// (`nn.BCEWithLogitsLoss(weight=w)`): `w·((1 − t)·x − ln σ(x))` per
    /// element; [`Reduction::Mean`] divides by the number of elements.
    ///
    /// ```
    /// use tapeless_runtime::loss::{bce_with_logits, bce_with_logits_weighted, Reduction};
    /// let plain = bce_with_logits(&0.5_f64, &1.0, Reduction::Mean);
    /// assert_eq!(bce_with_logits_weighted(&0.5_f64, &1.0, &3.0, Reduction::Mean), 3.0 * plain);
    /// ```
    bce_with_logits_weighted, bce_with_logits_weighted_vjp, "BCEWithLogitsLoss";
    |x, t| value = (X::Element::ONE - t) * x - log_sigmoid_scalar(x),
        derivative = sigmoid_scalar(x) - t;
}

/// One element of [`bce`]: each log clamped at −100, as PyTorch.
#[inline]
fn bce_value<T: Real>(x: T, t: T) -> T {
    // `clamp_log` keeps a NaN (a NaN probability gives a NaN loss, as torch).
    (t - T::ONE) * clamp_log(T::ln_1p(-x)) - t * clamp_log(T::ln(x))
}

/// PyTorch's derivative of one element of [`bce`]:
/// `(x − t)/max(x(1 − x), 1e-12)`.
#[inline]
fn bce_derivative<T: Real>(x: T, t: T) -> T {
    (x - t) / T::max((T::ONE - x) * x, T::from_f64_lossy(f64::from(BCE_EPSILON)))
}

/// One element of BCE with logits and a positive-class weight `p`:
/// `(1 − t)·x − (1 + (p − 1)t)·ln σ(x)`.
#[inline]
fn bce_with_logits_pos_weight_value<T: Real>(x: T, t: T, pos_weight: T) -> T {
    let log_weight = (pos_weight - T::ONE) * t + T::ONE;
    (T::ONE - t) * x - log_weight * log_sigmoid_scalar(x)
}

/// Its derivative, as PyTorch: `(p·t + 1 − t)·σ(x) − p·t`.
#[inline]
fn bce_with_logits_pos_weight_derivative<T: Real>(x: T, t: T, pos_weight: T) -> T {
    let weighted_target = pos_weight * t;
    (weighted_target + T::ONE - t) * sigmoid_scalar(x) - weighted_target
}

/// Applies `f(x, t, pos_weight[row])` to each element of a batch.
#[inline]
fn map_with_pos_weight<T: Real, const R: usize, const C: usize>(
    input: &SMatrix<T, R, C>,
    target: &SMatrix<T, R, C>,
    pos_weight: &SVector<T, R>,
    mut f: impl FnMut(T, T, T) -> T,
) -> SMatrix<T, R, C> {
    SMatrix::from_fn(|r, c| f(input[(r, c)], target[(r, c)], pos_weight[r]))
}

/// The per-element losses of [`bce_with_logits_pos_weight`]
/// (`reduction='none'`).
#[inline]
#[must_use]
pub fn bce_with_logits_pos_weight_elementwise<T: Real, const R: usize, const C: usize>(
    input: &SMatrix<T, R, C>,
    target: &SMatrix<T, R, C>,
    pos_weight: &SVector<T, R>,
) -> SMatrix<T, R, C> {
    map_with_pos_weight(input, target, pos_weight, bce_with_logits_pos_weight_value)
}

/// The `_vjp` rule of [`bce_with_logits_pos_weight_elementwise`].
#[inline]
pub fn bce_with_logits_pos_weight_elementwise_vjp<T: Real, const R: usize, const C: usize>(
    input: &SMatrix<T, R, C>,
    target: &SMatrix<T, R, C>,
    pos_weight: &SVector<T, R>,
) -> (
    SMatrix<T, R, C>,
    impl FnOnce(SMatrix<T, R, C>) -> (SMatrix<T, R, C>, NoTangent, NoTangent) + use<T, R, C>,
) {
    let value = bce_with_logits_pos_weight_elementwise(input, target, pos_weight);
    let (input, target, pos_weight) = (*input, *target, *pos_weight);
    (value, move |adjoint: SMatrix<T, R, C>| {
        let (input, target, pos_weight) = (&input, &target, &pos_weight);
        let derivative = map_with_pos_weight(
            input,
            target,
            pos_weight,
            bce_with_logits_pos_weight_derivative,
        );
        (
            adjoint.component_mul_elements(&derivative),
            NoTangent,
            NoTangent,
        )
    })
}

/// Binary cross entropy on logits with a weight `pos_weight[c]` on the
/// positive term of class (row) `c`: `nn.BCEWithLogitsLoss(pos_weight=...)`,
/// whose weight of shape `[C]` broadcasts over the last dimension. Samples
/// are columns, so `pos_weight` scales the rows.
///
/// ```
/// use tapeless_runtime::loss::{bce_with_logits, bce_with_logits_pos_weight, Reduction};
/// use nalgebra::{Vector2, Matrix2x1};
/// let (x, t) = (Matrix2x1::new(0.3_f64, -1.2), Matrix2x1::new(1.0, 0.0));
/// let plain = bce_with_logits(&x, &t, Reduction::Mean);
/// let weighted = bce_with_logits_pos_weight(&x, &t, &Vector2::new(1.0, 1.0), Reduction::Mean);
/// assert!((plain - weighted).abs() < 1e-15);
/// ```
#[inline]
#[must_use]
pub fn bce_with_logits_pos_weight<T: Real, const R: usize, const C: usize>(
    input: &SMatrix<T, R, C>,
    target: &SMatrix<T, R, C>,
    pos_weight: &SVector<T, R>,
    reduction: Reduction,
) -> T {
    let losses = bce_with_logits_pos_weight_elementwise(input, target, pos_weight);
    reduction.apply(losses.sum_elements(), T::from_f64_lossy((R * C) as f64))
}

/// The `_vjp` rule of [`bce_with_logits_pos_weight`].
#[inline]
pub fn bce_with_logits_pos_weight_vjp<T: Real, const R: usize, const C: usize>(
    input: &SMatrix<T, R, C>,
    target: &SMatrix<T, R, C>,
    pos_weight: &SVector<T, R>,
    reduction: Reduction,
) -> (
    T,
    impl FnOnce(T) -> (SMatrix<T, R, C>, NoTangent, NoTangent, NoTangent) + use<T, R, C>,
) {
    let value = bce_with_logits_pos_weight(input, target, pos_weight, reduction);
    let (input, target, pos_weight) = (*input, *target, *pos_weight);
    (value, move |adjoint: T| {
        let (input, target, pos_weight) = (&input, &target, &pos_weight);
        let adjoint = reduction.adjoint(adjoint, T::from_f64_lossy((R * C) as f64));
        let grad = map_with_pos_weight(input, target, pos_weight, |x, t, p| {
            adjoint * bce_with_logits_pos_weight_derivative(x, t, p)
        });
        (grad, NoTangent, NoTangent, NoTangent)
    })
}

/// Elementwise product through [`Elementwise`] (no nalgebra arithmetic
/// bounds needed).
trait ComponentMulElements: Elementwise {
    fn component_mul_elements(self, other: &Self) -> Self {
        self.zip_map_elements(other, |a, b| a * b)
    }
}

impl<X: Elementwise> ComponentMulElements for X {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::sigmoid_scalar;
    use nalgebra::Vector4;

    /// The rules that share one `exp` per element give the numbers of the
    /// loss and of `σ(x) − t` evaluated apart, to the bit.
    #[test]
    fn bce_with_logits_rules_share_one_exp_without_changing_a_bit() {
        let x = Vector4::new(-800.0_f64, -0.3, 0.0, 37.5);
        let t = Vector4::new(1.0, 0.0, 1.0, 0.25);
        let (value, pullback) = bce_with_logits_vjp(&x, &t, Reduction::Mean);
        assert_eq!(
            value.to_bits(),
            bce_with_logits(&x, &t, Reduction::Mean).to_bits()
        );
        let gradient = pullback(2.0).0;
        let (losses, pullback) = bce_with_logits_elementwise_vjp(&x, &t);
        assert_eq!(losses, bce_with_logits_elementwise(&x, &t));
        let elementwise = pullback(Vector4::repeat(0.5)).0;
        for i in 0..4 {
            let derivative = sigmoid_scalar(x[i]) - t[i];
            assert_eq!(gradient[i].to_bits(), (0.5 * derivative).to_bits());
            assert_eq!(elementwise[i].to_bits(), (0.5 * derivative).to_bits());
        }
    }
}
