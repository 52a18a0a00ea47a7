//! Multi-class losses: cross entropy (class indices or probabilities) and
//! negative log-likelihood. Inputs are `C × B` batches, samples as columns.

use super::Reduction;
use crate::nn::log_softmax;
use crate::{NoTangent, Real};
use nalgebra::{SMatrix, SVector};

/// The weight of class `class` (1 without weights).
#[inline]
fn class_weight<T: Real, const C: usize>(weight: Option<&SVector<T, C>>, class: usize) -> T {
    weight.map_or(T::ONE, |weight| weight[class])
}

/// The target class of sample `n`, checked.
#[inline]
fn target_class<const C: usize, const B: usize>(target: &[usize; B], n: usize) -> usize {
    let class = target[n];
    assert!(
        class < C,
        "target class {class} of sample {n} is out of range for {C} classes"
    );
    class
}

/// Whether sample `n` is ignored (its target is `ignore_index`).
#[inline]
fn ignored<const B: usize>(target: &[usize; B], ignore_index: Option<usize>, n: usize) -> bool {
    ignore_index == Some(target[n])
}

/// The sum of the weights of the target classes of the samples that are
/// not ignored: what [`Reduction::Mean`] divides by.
#[inline]
fn target_weight_total<T: Real, const C: usize, const B: usize>(
    target: &[usize; B],
    weight: Option<&SVector<T, C>>,
    ignore_index: Option<usize>,
) -> T {
    let mut total = T::ZERO;
    for n in 0..B {
        if !ignored(target, ignore_index, n) {
            total += class_weight(weight, target_class::<C, B>(target, n));
        }
    }
    total
}

/// Per sample `n` of a batch: `(nll_n, smooth_n, w[y_n])` with
/// `nll_n = −w[y_n]·logp[y_n, n]` and `smooth_n = −Σ_c w_c·logp[c, n]`;
/// zeros for an ignored sample.
#[inline]
fn sample_terms<T: Real, const C: usize, const B: usize>(
    log_probs: &SMatrix<T, C, B>,
    target: &[usize; B],
    weight: Option<&SVector<T, C>>,
    ignore_index: Option<usize>,
    n: usize,
) -> (T, T, T) {
    if ignored(target, ignore_index, n) {
        return (T::ZERO, T::ZERO, T::ZERO);
    }
    let class = target_class::<C, B>(target, n);
    let target_weight = class_weight(weight, class);
    let nll = -target_weight * log_probs[(class, n)];
    let mut smooth = T::ZERO;
    for c in 0..C {
        smooth -= class_weight(weight, c) * log_probs[(c, n)];
    }
    (nll, smooth, target_weight)
}

/// The backward of `log_softmax` for column `n`: `x̄ = ḡ − exp(logp)·Σ ḡ`,
/// where `ḡ` is the adjoint of the log-probabilities.
#[inline]
fn log_softmax_column_pullback<T: Real, const C: usize, const B: usize>(
    grad: &mut SMatrix<T, C, B>,
    log_probs: &SMatrix<T, C, B>,
    n: usize,
) {
    let mut sum = T::ZERO;
    for c in 0..C {
        sum += grad[(c, n)];
    }
    for c in 0..C {
        grad[(c, n)] -= T::exp(log_probs[(c, n)]) * sum;
    }
}

/// Cross entropy of logits against class indices
/// (`nn.CrossEntropyLoss()`): `−logp[y_n]` per sample with
/// `logp = log_softmax(x)` per column, through log-sum-exp.
///
/// `input` is `C × B` (a column of `C` logits per sample; an `SVector<T, C>`
/// for one sample), `target[n]` the class of sample `n`.
///
/// # Panics
/// If a target class is not below `C`.
///
/// ```
/// use tapeless_runtime::loss::{cross_entropy, Reduction};
/// use nalgebra::Vector3;
/// let logits = Vector3::new(1000.0_f64, 0.0, -1000.0);
/// assert_eq!(cross_entropy(&logits, &[0], Reduction::Mean), 0.0);
/// assert_eq!(cross_entropy(&logits, &[1], Reduction::Mean), 1000.0);
/// ```
#[inline]
#[must_use]
pub fn cross_entropy<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    reduction: Reduction,
) -> T {
    cross_entropy_with(input, target, None, T::ZERO, reduction)
}

/// The `_vjp` rule of [`cross_entropy`]: `softmax(x) − onehot(y)` per sample,
/// scaled by the reduction.
#[inline]
pub fn cross_entropy_vjp<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    reduction: Reduction,
) -> (
    T,
    impl FnOnce(T) -> (SMatrix<T, C, B>, NoTangent, NoTangent) + use<T, C, B>,
) {
    let (value, pullback) = cross_entropy_with_vjp(input, target, None, T::ZERO, reduction);
    (value, move |adjoint: T| {
        (pullback(adjoint).0, NoTangent, NoTangent)
    })
}

/// Cross entropy with optional class weights and label smoothing `ε`
/// (`nn.CrossEntropyLoss(weight=..., label_smoothing=ε)`):
/// `l_n = (1 − ε)·nll_n + (ε/C)·smooth_n` with `nll_n = −w[y_n]·logp[y_n]`
/// and `smooth_n = −Σ_c w_c·logp_c`. [`Reduction::Mean`] divides the sum by
/// `Σ_n w[y_n]` (by `B` without weights), as PyTorch.
///
/// # Panics
/// If a target class is not below `C`.
///
/// ```
/// use tapeless_runtime::loss::{cross_entropy, cross_entropy_with, Reduction};
/// use nalgebra::{Matrix3x2, Vector3};
/// let x = Matrix3x2::new(0.5_f64, -1.0, 2.0, 0.0, -0.5, 1.0);
/// let weight = Vector3::new(1.0, 1.0, 1.0);
/// let plain = cross_entropy(&x, &[2, 0], Reduction::Mean);
/// let weighted = cross_entropy_with(&x, &[2, 0], Some(&weight), 0.0, Reduction::Mean);
/// assert!((plain - weighted).abs() < 1e-15);
/// ```
#[must_use]
pub fn cross_entropy_with<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    weight: Option<&SVector<T, C>>,
    label_smoothing: T,
    reduction: Reduction,
) -> T {
    cross_entropy_value(input, target, weight, label_smoothing, None, reduction)
}

/// Cross entropy with class weights, label smoothing and PyTorch's
/// `ignore_index`: samples whose target is `ignore_index` add nothing to the
/// loss or the gradient, and [`Reduction::Mean`] divides by the weights of
/// the other samples' targets only
/// (`nn.CrossEntropyLoss(weight=..., ignore_index=..., label_smoothing=ε)`).
/// The ignored target need not be a class below `C`.
///
/// # Panics
/// If a target class other than `ignore_index` is not below `C`.
///
/// ```
/// use tapeless_runtime::loss::{cross_entropy, cross_entropy_ignore_index, Reduction};
/// use nalgebra::{Matrix3x2, Vector3};
/// let x = Matrix3x2::new(0.5_f64, -1.0, 2.0, 0.0, -0.5, 1.0);
/// // The second sample is ignored: the loss is the first sample's.
/// let loss = cross_entropy_ignore_index(&x, &[2, 7], 7, None, 0.0, Reduction::Mean);
/// let first = cross_entropy(&x.column(0).into_owned(), &[2], Reduction::Mean);
/// assert!((loss - first).abs() < 1e-15);
/// ```
#[must_use]
pub fn cross_entropy_ignore_index<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    ignore_index: usize,
    weight: Option<&SVector<T, C>>,
    label_smoothing: T,
    reduction: Reduction,
) -> T {
    cross_entropy_value(
        input,
        target,
        weight,
        label_smoothing,
        Some(ignore_index),
        reduction,
    )
}

/// The `_vjp` rule of [`cross_entropy_ignore_index`].
#[inline]
pub fn cross_entropy_ignore_index_vjp<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    ignore_index: usize,
    weight: Option<&SVector<T, C>>,
    label_smoothing: T,
    reduction: Reduction,
) -> (
    T,
    impl FnOnce(
        T,
    ) -> (
        SMatrix<T, C, B>,
        NoTangent,
        NoTangent,
        NoTangent,
        NoTangent,
        NoTangent,
    ) + use<T, C, B>,
) {
    let (value, pullback) = cross_entropy_vjp_impl(
        input,
        target,
        weight,
        label_smoothing,
        Some(ignore_index),
        reduction,
    );
    (value, move |adjoint: T| {
        (
            pullback(adjoint),
            NoTangent,
            NoTangent,
            NoTangent,
            NoTangent,
            NoTangent,
        )
    })
}

/// The value of the weighted, smoothed cross entropy with an optional
/// `ignore_index`.
fn cross_entropy_value<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    weight: Option<&SVector<T, C>>,
    label_smoothing: T,
    ignore_index: Option<usize>,
    reduction: Reduction,
) -> T {
    let log_probs = log_softmax(*input);
    let (mut nll_total, mut smooth_total, mut weight_total) = (T::ZERO, T::ZERO, T::ZERO);
    for n in 0..B {
        let (nll, smooth, target_weight) =
            sample_terms(&log_probs, target, weight, ignore_index, n);
        nll_total += nll;
        smooth_total += smooth;
        weight_total += target_weight;
    }
    let nll = reduction.apply(nll_total, weight_total);
    if label_smoothing == T::ZERO {
        return nll;
    }
    let smooth = reduction.apply(smooth_total, weight_total);
    (T::ONE - label_smoothing) * nll + smooth * (label_smoothing / T::from_f64_lossy(C as f64))
}

/// The gradient of the smoothed, weighted cross entropy of each column
/// `n`, whose loss has the adjoint `adjoint(n)`.
#[inline]
fn cross_entropy_grad<T: Real, const C: usize, const B: usize>(
    log_probs: &SMatrix<T, C, B>,
    target: &[usize; B],
    weight: Option<&SVector<T, C>>,
    label_smoothing: T,
    ignore_index: Option<usize>,
    adjoint: impl Fn(usize) -> T,
) -> SMatrix<T, C, B> {
    let mut grad = SMatrix::<T, C, B>::from_element(T::ZERO);
    let smoothing_per_class = label_smoothing / T::from_f64_lossy(C as f64);
    for n in 0..B {
        if ignored(target, ignore_index, n) {
            continue;
        }
        let class = target_class::<C, B>(target, n);
        let adjoint = adjoint(n);
        if label_smoothing != T::ZERO {
            for c in 0..C {
                grad[(c, n)] = -(adjoint * smoothing_per_class) * class_weight(weight, c);
            }
        }
        grad[(class, n)] -= adjoint * (T::ONE - label_smoothing) * class_weight(weight, class);
        log_softmax_column_pullback(&mut grad, log_probs, n);
    }
    grad
}

/// The `_vjp` rule of [`cross_entropy_with`].
#[inline]
pub fn cross_entropy_with_vjp<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    weight: Option<&SVector<T, C>>,
    label_smoothing: T,
    reduction: Reduction,
) -> (
    T,
    impl FnOnce(T) -> (SMatrix<T, C, B>, NoTangent, NoTangent, NoTangent, NoTangent) + use<T, C, B>,
) {
    let (value, pullback) =
        cross_entropy_vjp_impl(input, target, weight, label_smoothing, None, reduction);
    (value, move |adjoint: T| {
        (
            pullback(adjoint),
            NoTangent,
            NoTangent,
            NoTangent,
            NoTangent,
        )
    })
}

/// The value and the pullback (to the input's cotangent) of
/// [`cross_entropy_value`].
#[inline]
fn cross_entropy_vjp_impl<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    weight: Option<&SVector<T, C>>,
    label_smoothing: T,
    ignore_index: Option<usize>,
    reduction: Reduction,
) -> (T, impl FnOnce(T) -> SMatrix<T, C, B> + use<T, C, B>) {
    let value = cross_entropy_value(
        input,
        target,
        weight,
        label_smoothing,
        ignore_index,
        reduction,
    );
    let (input, target, weight) = (*input, *target, weight.copied());
    (value, move |adjoint: T| {
        let (input, target, weight) = (&input, &target, weight.as_ref());
        let log_probs = log_softmax(*input);
        let weight_total = target_weight_total(target, weight, ignore_index);
        let adjoint = reduction.adjoint(adjoint, weight_total);
        cross_entropy_grad(
            &log_probs,
            target,
            weight,
            label_smoothing,
            ignore_index,
            |_| adjoint,
        )
    })
}

/// The loss of each sample of [`cross_entropy_with`], unreduced
/// (`reduction='none'`).
///
/// # Panics
/// If a target class is not below `C`.
#[must_use]
pub fn cross_entropy_elementwise<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    weight: Option<&SVector<T, C>>,
    label_smoothing: T,
) -> SVector<T, B> {
    let log_probs = log_softmax(*input);
    let smoothing_per_class = label_smoothing / T::from_f64_lossy(C as f64);
    SVector::from_fn(|n, _| {
        let (nll, smooth, _) = sample_terms(&log_probs, target, weight, None, n);
        if label_smoothing == T::ZERO {
            nll
        } else {
            (T::ONE - label_smoothing) * nll + smooth * smoothing_per_class
        }
    })
}

/// The `_vjp` rule of [`cross_entropy_elementwise`].
#[inline]
pub fn cross_entropy_elementwise_vjp<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    weight: Option<&SVector<T, C>>,
    label_smoothing: T,
) -> (
    SVector<T, B>,
    impl FnOnce(SVector<T, B>) -> (SMatrix<T, C, B>, NoTangent, NoTangent, NoTangent) + use<T, C, B>,
) {
    let value = cross_entropy_elementwise(input, target, weight, label_smoothing);
    let (input, target, weight) = (*input, *target, weight.copied());
    (value, move |adjoint: SVector<T, B>| {
        let (input, target, weight) = (&input, &target, weight.as_ref());
        let log_probs = log_softmax(*input);
        let grad = cross_entropy_grad(&log_probs, target, weight, label_smoothing, None, |n| {
            adjoint[n]
        });
        (grad, NoTangent, NoTangent, NoTangent)
    })
}

/// Cross entropy against class probabilities (`nn.CrossEntropyLoss` with a
/// float target of the input's shape): `l_n = −Σ_c w_c·t'_cn·logp_cn` with
/// the smoothed target `t' = (1 − ε)·t + ε/C`. [`Reduction::Mean`] divides
/// by the batch size `B`, as PyTorch (not by the weights).
///
/// ```
/// use tapeless_runtime::loss::{cross_entropy, cross_entropy_probs, Reduction};
/// use nalgebra::{Matrix3x2, Vector3};
/// let x = Matrix3x2::new(0.5_f64, -1.0, 2.0, 0.0, -0.5, 1.0);
/// let onehot = Matrix3x2::new(0.0, 1.0, 0.0, 0.0, 1.0, 0.0);
/// let by_index = cross_entropy(&x, &[2, 0], Reduction::Mean);
/// let by_probs = cross_entropy_probs(&x, &onehot, None, 0.0, Reduction::Mean);
/// assert!((by_index - by_probs).abs() < 1e-15);
/// ```
#[must_use]
pub fn cross_entropy_probs<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &SMatrix<T, C, B>,
    weight: Option<&SVector<T, C>>,
    label_smoothing: T,
    reduction: Reduction,
) -> T {
    let log_probs = log_softmax(*input);
    let smoothing_per_class = label_smoothing / T::from_f64_lossy(C as f64);
    let mut total = T::ZERO;
    for n in 0..B {
        for c in 0..C {
            let smoothed = target[(c, n)] * (T::ONE - label_smoothing) + smoothing_per_class;
            total -= log_probs[(c, n)] * smoothed * class_weight(weight, c);
        }
    }
    reduction.apply(total, T::from_f64_lossy(B as f64))
}

/// The `_vjp` rule of [`cross_entropy_probs`] (the target is not
/// differentiated).
#[inline]
pub fn cross_entropy_probs_vjp<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &SMatrix<T, C, B>,
    weight: Option<&SVector<T, C>>,
    label_smoothing: T,
    reduction: Reduction,
) -> (
    T,
    impl FnOnce(T) -> (SMatrix<T, C, B>, NoTangent, NoTangent, NoTangent, NoTangent) + use<T, C, B>,
) {
    let value = cross_entropy_probs(input, target, weight, label_smoothing, reduction);
    let (input, target, weight) = (*input, *target, weight.copied());
    (value, move |adjoint: T| {
        let (input, target, weight) = (&input, &target, weight.as_ref());
        let log_probs = log_softmax(*input);
        let adjoint = reduction.adjoint(adjoint, T::from_f64_lossy(B as f64));
        let smoothing_per_class = label_smoothing / T::from_f64_lossy(C as f64);
        let mut grad = SMatrix::<T, C, B>::from_element(T::ZERO);
        for n in 0..B {
            for c in 0..C {
                let smoothed = target[(c, n)] * (T::ONE - label_smoothing) + smoothing_per_class;
                grad[(c, n)] = -(adjoint * smoothed * class_weight(weight, c));
            }
            log_softmax_column_pullback(&mut grad, &log_probs, n);
        }
        (grad, NoTangent, NoTangent, NoTangent, NoTangent)
    })
}

/// Negative log-likelihood of log-probabilities against class indices
/// (`nn.NLLLoss()`): `−x[y_n, n]` per sample.
///
/// # Panics
/// If a target class is not below `C`.
///
/// ```
/// use tapeless_runtime::loss::{nll, Reduction};
/// use nalgebra::Matrix2;
/// let log_probs = Matrix2::new(-0.1, -2.0, -2.4, -0.2);
/// assert_eq!(nll(&log_probs, &[0, 1], Reduction::Sum), 0.1 + 0.2);
/// ```
#[inline]
#[must_use]
pub fn nll<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    reduction: Reduction,
) -> T {
    nll_with(input, target, None, reduction)
}

/// The `_vjp` rule of [`nll`].
#[inline]
pub fn nll_vjp<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    reduction: Reduction,
) -> (
    T,
    impl FnOnce(T) -> (SMatrix<T, C, B>, NoTangent, NoTangent) + use<T, C, B>,
) {
    let (value, pullback) = nll_with_vjp(input, target, None, reduction);
    (value, move |adjoint: T| {
        (pullback(adjoint).0, NoTangent, NoTangent)
    })
}

/// Negative log-likelihood with optional class weights
/// (`nn.NLLLoss(weight=...)`): `l_n = −w[y_n]·x[y_n, n]`;
/// [`Reduction::Mean`] divides by `Σ_n w[y_n]`.
///
/// # Panics
/// If a target class is not below `C`.
#[must_use]
pub fn nll_with<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    weight: Option<&SVector<T, C>>,
    reduction: Reduction,
) -> T {
    nll_value(input, target, weight, None, reduction)
}

/// Negative log-likelihood with class weights and PyTorch's
/// `ignore_index` (`nn.NLLLoss(weight=..., ignore_index=...)`): samples
/// whose target is `ignore_index` add nothing, and [`Reduction::Mean`]
/// divides by the weights of the other samples' targets.
///
/// # Panics
/// If a target class other than `ignore_index` is not below `C`.
///
/// ```
/// use tapeless_runtime::loss::{nll_ignore_index, Reduction};
/// use nalgebra::Matrix2;
/// let log_probs = Matrix2::new(-0.1, -2.0, -2.4, -0.2);
/// let loss = nll_ignore_index(&log_probs, &[0, 1], 1, None, Reduction::Mean);
/// assert_eq!(loss, 0.1);
/// ```
#[must_use]
pub fn nll_ignore_index<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    ignore_index: usize,
    weight: Option<&SVector<T, C>>,
    reduction: Reduction,
) -> T {
    nll_value(input, target, weight, Some(ignore_index), reduction)
}

/// The `_vjp` rule of [`nll_ignore_index`].
#[inline]
pub fn nll_ignore_index_vjp<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    ignore_index: usize,
    weight: Option<&SVector<T, C>>,
    reduction: Reduction,
) -> (
    T,
    impl FnOnce(T) -> (SMatrix<T, C, B>, NoTangent, NoTangent, NoTangent, NoTangent) + use<T, C, B>,
) {
    let (value, pullback) = nll_vjp_impl(input, target, weight, Some(ignore_index), reduction);
    (value, move |adjoint: T| {
        (
            pullback(adjoint),
            NoTangent,
            NoTangent,
            NoTangent,
            NoTangent,
        )
    })
}

/// The value of the weighted NLL with an optional `ignore_index`.
fn nll_value<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    weight: Option<&SVector<T, C>>,
    ignore_index: Option<usize>,
    reduction: Reduction,
) -> T {
    let mut total = T::ZERO;
    for n in 0..B {
        if ignored(target, ignore_index, n) {
            continue;
        }
        let class = target_class::<C, B>(target, n);
        total -= class_weight(weight, class) * input[(class, n)];
    }
    reduction.apply(total, target_weight_total(target, weight, ignore_index))
}

/// The value and the pullback (to the input's cotangent) of [`nll_value`].
#[inline]
fn nll_vjp_impl<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    weight: Option<&SVector<T, C>>,
    ignore_index: Option<usize>,
    reduction: Reduction,
) -> (T, impl FnOnce(T) -> SMatrix<T, C, B> + use<T, C, B>) {
    let value = nll_value(input, target, weight, ignore_index, reduction);
    let (target, weight) = (*target, weight.copied());
    (value, move |adjoint: T| {
        let (target, weight) = (&target, weight.as_ref());
        let adjoint = reduction.adjoint(adjoint, target_weight_total(target, weight, ignore_index));
        let mut grad = SMatrix::<T, C, B>::from_element(T::ZERO);
        for n in 0..B {
            if ignored(target, ignore_index, n) {
                continue;
            }
            let class = target_class::<C, B>(target, n);
            grad[(class, n)] = -(adjoint * class_weight(weight, class));
        }
        grad
    })
}

/// The `_vjp` rule of [`nll_with`].
#[inline]
pub fn nll_with_vjp<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    weight: Option<&SVector<T, C>>,
    reduction: Reduction,
) -> (
    T,
    impl FnOnce(T) -> (SMatrix<T, C, B>, NoTangent, NoTangent, NoTangent) + use<T, C, B>,
) {
    let (value, pullback) = nll_vjp_impl(input, target, weight, None, reduction);
    (value, move |adjoint: T| {
        (pullback(adjoint), NoTangent, NoTangent, NoTangent)
    })
}

/// The loss of each sample of [`nll_with`], unreduced
/// (`reduction='none'`).
///
/// # Panics
/// If a target class is not below `C`.
#[must_use]
pub fn nll_elementwise<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    weight: Option<&SVector<T, C>>,
) -> SVector<T, B> {
    SVector::from_fn(|n, _| {
        let class = target_class::<C, B>(target, n);
        -(class_weight(weight, class) * input[(class, n)])
    })
}

/// The `_vjp` rule of [`nll_elementwise`].
#[inline]
pub fn nll_elementwise_vjp<T: Real, const C: usize, const B: usize>(
    input: &SMatrix<T, C, B>,
    target: &[usize; B],
    weight: Option<&SVector<T, C>>,
) -> (
    SVector<T, B>,
    impl FnOnce(SVector<T, B>) -> (SMatrix<T, C, B>, NoTangent, NoTangent) + use<T, C, B>,
) {
    let value = nll_elementwise(input, target, weight);
    let (target, weight) = (*target, weight.copied());
    (value, move |adjoint: SVector<T, B>| {
        let (target, weight) = (&target, weight.as_ref());
        let mut grad = SMatrix::<T, C, B>::from_element(T::ZERO);
        for n in 0..B {
            let class = target_class::<C, B>(target, n);
            grad[(class, n)] = -(adjoint[n] * class_weight(weight, class));
        }
        (grad, NoTangent, NoTangent)
    })
}
