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
/// A non-finite norm is used as torch uses it (`error_if_nonfinite=False`,
/// its default): a NaN norm makes every component NaN, an infinite one
/// scales by 0 (∞·0 = NaN where the gradient is infinite). For torch's
/// `error_if_nonfinite=True`, use [`try_clip_grad_norm`].
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
    // torch's clamp(max=1) keeps NaN (`min` would drop it).
    let clamped = if coefficient > P::Scalar::ONE {
        P::Scalar::ONE
    } else {
        coefficient
    };
    grad.scale(clamped);
    norm
}

/// [`clip_grad_norm`] that refuses a non-finite norm, as torch's
/// `clip_grad_norm_(..., error_if_nonfinite=True)`: the gradient is left
/// as it is and the error carries the norm.
///
/// # Errors
/// [`NonFiniteNorm`] if the `norm_type`-norm of `grad` is NaN or infinite.
///
/// ```
/// use tapeless_runtime::nn::utils::try_clip_grad_norm;
/// let mut grad = [3.0_f64, 4.0];
/// assert_eq!(try_clip_grad_norm(&mut grad, 10.0, 2.0), Ok(5.0));
/// let mut bad = [f64::NAN, 4.0];
/// let error = try_clip_grad_norm(&mut bad, 1.0, 2.0).unwrap_err();
/// assert!(error.norm().is_nan());
/// assert_eq!(bad[1], 4.0); // untouched
/// ```
pub fn try_clip_grad_norm<P: Params>(
    grad: &mut P,
    max_norm: P::Scalar,
    norm_type: P::Scalar,
) -> Result<P::Scalar, NonFiniteNorm<P::Scalar>> {
    let norm = total_norm(grad, norm_type);
    if !P::Scalar::is_finite(norm) {
        return Err(NonFiniteNorm { norm_type, norm });
    }
    Ok(clip_grad_norm(grad, max_norm, norm_type))
}

/// The error of [`try_clip_grad_norm`]: the total norm of the gradient is
/// NaN or infinite, so it cannot be clipped (torch's `RuntimeError` with
/// `error_if_nonfinite=True`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NonFiniteNorm<T> {
    norm_type: T,
    norm: T,
}

impl<T: Real> NonFiniteNorm<T> {
    /// The norm: NaN or ±∞.
    pub fn norm(&self) -> T {
        self.norm
    }

    /// The order of the norm asked for.
    pub fn norm_type(&self) -> T {
        self.norm_type
    }
}

impl<T: Real> core::fmt::Display for NonFiniteNorm<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // torch's message, the order printed as Python prints a float.
        write!(
            f,
            "The total norm of order {:?} for gradients from `parameters` is non-finite, so it cannot be clipped. To scale the gradients by the non-finite norm ({}) anyway, use `clip_grad_norm`",
            self.norm_type, self.norm
        )
    }
}

impl<T: Real> core::error::Error for NonFiniteNorm<T> {}

/// The `norm_type`-norm of all scalars of `params` (∞ for the largest
/// absolute value); NaN if a scalar is NaN, as torch's.
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
/// `torch.nn.utils.clip_grad_value_` (NaN stays NaN, as torch's `clamp`).
///
/// ```
/// use tapeless_runtime::nn::utils::clip_grad_value;
/// let mut grad = (2.0_f64, [-0.5_f64, -3.0]);
/// clip_grad_value(&mut grad, 1.0);
/// assert_eq!(grad, (1.0, [-0.5, -1.0]));
/// ```
pub fn clip_grad_value<P: Params>(grad: &mut P, clip_value: P::Scalar) {
    grad.for_each_scalar_mut(|x| {
        if *x > clip_value {
            *x = clip_value;
        } else if *x < -clip_value {
            *x = -clip_value;
        }
    });
}
