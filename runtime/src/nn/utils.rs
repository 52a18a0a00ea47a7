//! Gradient clipping, as `torch.nn.utils`.

use crate::{Params, Real};

/// Scales `grad` so that its `norm_type`-norm is at most `max_norm`, as
/// `torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type)`, and
/// returns the norm before clipping.
///
/// The whole parameter set is one vector. `norm_type` is `p` of the
/// p-norm (`2.0` for the Euclidean norm) or `T::INFINITY` for the largest
/// absolute value. As PyTorch, the factor is `max_norm/(norm + 1e-6)`
/// clamped at 1, and it is applied even when it is 1.
///
/// ```
/// use tapeless_runtime::nn::utils::clip_grad_norm;
/// let mut grad = [3.0_f64, 4.0];
/// let norm = clip_grad_norm(&mut grad, 1.0, 2.0);
/// assert_eq!(norm, 5.0);
/// assert!((grad[0] - 0.6).abs() < 1e-6 && (grad[1] - 0.8).abs() < 1e-6);
/// ```
pub fn clip_grad_norm<P: Params>(
    grad: &mut P,
    max_norm: P::Scalar,
    norm_type: P::Scalar,
) -> P::Scalar {
    let norm = total_norm(grad, norm_type);
    let coefficient = max_norm / (norm + P::Scalar::from_f64_lossy(1e-6));
    let clamped = P::Scalar::min(coefficient, P::Scalar::ONE);
    grad.scale(clamped);
    norm
}

/// The `norm_type`-norm of all scalars of `params` (∞ for the largest
/// absolute value).
///
/// ```
/// use tapeless_runtime::nn::utils::total_norm;
/// assert_eq!(total_norm(&[3.0_f64, -4.0], 2.0), 5.0);
/// assert_eq!(total_norm(&[3.0_f64, -4.0], 1.0), 7.0);
/// assert_eq!(total_norm(&[3.0_f64, -4.0], f64::INFINITY), 4.0);
/// ```
pub fn total_norm<P: Params>(params: &P, norm_type: P::Scalar) -> P::Scalar {
    if norm_type == P::Scalar::INFINITY {
        return params.max_abs();
    }
    if norm_type == P::Scalar::TWO {
        return params.norm();
    }
    let mut total = P::Scalar::ZERO;
    for k in 0..P::SLICES {
        for x in params.slice(k) {
            total += P::Scalar::powf(P::Scalar::abs(*x), norm_type);
        }
    }
    P::Scalar::powf(total, P::Scalar::ONE / norm_type)
}

/// Clamps every scalar of `grad` to `[−clip_value, clip_value]`, as
/// `torch.nn.utils.clip_grad_value_`.
///
/// ```
/// use tapeless_runtime::nn::utils::clip_grad_value;
/// let mut grad = (2.0_f64, [-0.5_f64, -3.0]);
/// clip_grad_value(&mut grad, 1.0);
/// assert_eq!(grad, (1.0, [-0.5, -1.0]));
/// ```
pub fn clip_grad_value<P: Params>(grad: &mut P, clip_value: P::Scalar) {
    grad.for_each_scalar_mut(|x| *x = P::Scalar::max(-clip_value, P::Scalar::min(*x, clip_value)));
}
