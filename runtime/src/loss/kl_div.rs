//! The Kullback-Leibler divergence loss.

use super::Elementwise;
use crate::{NoTangent, Real};
use nalgebra::SMatrix;

/// How [`kl_div`] reduces, PyTorch's `reduction` of `nn.KLDivLoss`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum KlDivReduction {
    /// The mean over **all** elements (PyTorch's default, which it warns
    /// about: it is not the KL divergence).
    #[default]
    Mean,
    /// The sum over all elements.
    Sum,
    /// The sum divided by the batch size, the number of columns `B`
    /// (PyTorch's `'batchmean'`, the KL divergence averaged over samples).
    BatchMean,
}

/// One element: `xlogy(t, t) − t·x`, or `eᵗ·(t − x)` with `log_target`.
#[inline]
fn kl_div_value<T: Real>(x: T, t: T, log_target: bool) -> T {
    if log_target {
        T::exp(t) * (t - x)
    } else {
        let t_log_t = if t == T::ZERO { T::ZERO } else { t * T::ln(t) };
        t_log_t - t * x
    }
}

/// Its derivative with respect to `x`: `−t`, or `−eᵗ` with `log_target`.
#[inline]
fn kl_div_derivative<T: Real>(t: T, log_target: bool) -> T {
    if log_target { -T::exp(t) } else { -t }
}

/// The divisor of a reduction over `R × B` elements.
#[inline]
fn divisor<T: Real>(reduction: KlDivReduction, rows: usize, columns: usize) -> T {
    match reduction {
        KlDivReduction::Mean => T::from_f64_lossy((rows * columns) as f64),
        KlDivReduction::Sum => T::ONE,
        KlDivReduction::BatchMean => T::from_f64_lossy(columns as f64),
    }
}

/// The Kullback-Leibler divergence loss `nn.KLDivLoss(reduction,
/// log_target)`: `input` holds log-probabilities, `target` probabilities
/// (or log-probabilities with `log_target`), one sample per column. Each
/// element is `t·ln t − t·x` with `0·ln 0 = 0` (or `eᵗ·(t − x)`).
///
/// ```
/// use tapeless_runtime::loss::{kl_div, KlDivReduction};
/// use nalgebra::Vector2;
/// let p = Vector2::new(0.25_f64, 0.75);
/// let log_p = p.map(f64::ln);
/// assert!(kl_div(&log_p, &p, false, KlDivReduction::BatchMean).abs() < 1e-16);
/// ```
#[must_use]
pub fn kl_div<T: Real, const R: usize, const B: usize>(
    input: &SMatrix<T, R, B>,
    target: &SMatrix<T, R, B>,
    log_target: bool,
    reduction: KlDivReduction,
) -> T {
    kl_div_elementwise(input, target, log_target).sum_elements() / divisor::<T>(reduction, R, B)
}

/// The `_vjp` rule of [`kl_div`].
#[inline]
pub fn kl_div_vjp<T: Real, const R: usize, const B: usize>(
    input: &SMatrix<T, R, B>,
    target: &SMatrix<T, R, B>,
    log_target: bool,
    reduction: KlDivReduction,
) -> (
    T,
    impl FnOnce(T) -> (SMatrix<T, R, B>, NoTangent, NoTangent, NoTangent) + use<T, R, B>,
) {
    let value = kl_div(input, target, log_target, reduction);
    let target = *target;
    (value, move |adjoint: T| {
        let target = &target;
        let adjoint = adjoint / divisor::<T>(reduction, R, B);
        let grad = target.map_elements(|t| adjoint * kl_div_derivative(t, log_target));
        (grad, NoTangent, NoTangent, NoTangent)
    })
}

/// The loss of each element of [`kl_div`], unreduced (`reduction='none'`).
#[must_use]
pub fn kl_div_elementwise<T: Real, const R: usize, const B: usize>(
    input: &SMatrix<T, R, B>,
    target: &SMatrix<T, R, B>,
    log_target: bool,
) -> SMatrix<T, R, B> {
    input.zip_map_elements(target, |x, t| kl_div_value(x, t, log_target))
}

/// The `_vjp` rule of [`kl_div_elementwise`].
#[inline]
pub fn kl_div_elementwise_vjp<T: Real, const R: usize, const B: usize>(
    input: &SMatrix<T, R, B>,
    target: &SMatrix<T, R, B>,
    log_target: bool,
) -> (
    SMatrix<T, R, B>,
    impl FnOnce(SMatrix<T, R, B>) -> (SMatrix<T, R, B>, NoTangent, NoTangent) + use<T, R, B>,
) {
    let value = kl_div_elementwise(input, target, log_target);
    let target = *target;
    (value, move |adjoint: SMatrix<T, R, B>| {
        let target = &target;
        let grad = adjoint.zip_map_elements(target, |g, t| g * kl_div_derivative(t, log_target));
        (grad, NoTangent, NoTangent)
    })
}
