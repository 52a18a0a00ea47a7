//! The Poisson negative log-likelihood.

use super::{Elementwise, Reduction, elementwise_loss};
use crate::Real;

/// PyTorch's `eps` of `PoissonNLLLoss` (added to rates before the log).
const POISSON_EPS: f64 = 1e-8;

elementwise_loss! {
    /// Poisson negative log-likelihood (`nn.PoissonNLLLoss(log_input, full)`,
    /// `eps = 1e-8`): with `log_input`, the input is a log-rate and the loss
    /// is `eˣ − t·x`; otherwise a rate and the loss is `x − t·ln(x + eps)`.
    /// `full` adds the Stirling term `t·ln t − t + ln(2πt)/2` where `t > 1`
    /// (it does not depend on the input). Derivative `eˣ − t`, or
    /// `1 − t/(x + eps)`.
    ///
    /// ```
    /// use tapeless_runtime::loss::{poisson_nll, Reduction};
    /// assert_eq!(poisson_nll(&0.0_f64, &2.0, true, false, Reduction::Mean), 1.0);
    /// ```
    poisson_nll, poisson_nll_vjp, poisson_nll_elementwise, poisson_nll_elementwise_vjp;
    (log_input: bool, full: bool);
    |x, t| value = {
            let loss = if log_input {
                X::Element::exp(x) - t * x
            } else {
                x - t * X::Element::ln(x + X::Element::from_f64_lossy(POISSON_EPS))
            };
            if full && t > X::Element::ONE { loss + stirling(t) } else { loss }
        },
        derivative = if log_input {
            X::Element::exp(x) - t
        } else {
            X::Element::ONE - t / (x + X::Element::from_f64_lossy(POISSON_EPS))
        };
}

/// Stirling's approximation term of `ln t!`, `t·ln t − t + ln(2πt)/2`.
#[inline]
fn stirling<T: Real>(t: T) -> T {
    let two_pi = T::from_f64_lossy(2.0 * core::f64::consts::PI);
    t * T::ln(t) - t + T::HALF * T::ln(two_pi * t)
}

elementwise_loss! {
    /// [`poisson_nll`] with PyTorch's `eps` (`nn.PoissonNLLLoss(log_input,
    /// full, eps=ε)`): without `log_input`, the loss is `x − t·ln(x + ε)` and
    /// its derivative `1 − t/(x + ε)`; with `log_input`, `eps` is unused, as
    /// in torch.
    ///
    /// ```
    /// use tapeless_runtime::loss::{poisson_nll, poisson_nll_with_eps, Reduction};
    /// let loss = poisson_nll_with_eps(&0.0_f64, &2.0, false, false, 0.5, Reduction::Mean);
    /// assert_eq!(loss, -2.0 * 0.5_f64.ln());
    /// assert_eq!(
    ///     poisson_nll_with_eps(&0.3_f64, &2.0, false, false, 1e-8, Reduction::Mean),
    ///     poisson_nll(&0.3_f64, &2.0, false, false, Reduction::Mean),
    /// );
    /// ```
    poisson_nll_with_eps, poisson_nll_with_eps_vjp, poisson_nll_with_eps_elementwise, poisson_nll_with_eps_elementwise_vjp;
    (log_input: bool, full: bool, eps: X::Element);
    |x, t| value = {
            let loss = if log_input {
                X::Element::exp(x) - t * x
            } else {
                x - t * X::Element::ln(x + eps)
            };
            if full && t > X::Element::ONE { loss + stirling(t) } else { loss }
        },
        derivative = if log_input {
            X::Element::exp(x) - t
        } else {
            X::Element::ONE - t / (x + eps)
        };
}
