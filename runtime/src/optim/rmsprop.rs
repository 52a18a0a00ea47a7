//! RMSprop, `torch.optim.RMSprop`.

use super::{
    LearningRate, Optimizer, check_non_negative, constant, effective_grad, eps_setter, lerp,
    lr_accessors, maximize_setter, weight_decay_setter,
};
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// RMSprop: `torch.optim.RMSprop`.
///
/// Defaults (`RmsProp::new(lr)`; torch's default `lr` is `1e-2`):
/// `alpha = 0.99`, `eps = 1e-8`, `weight_decay = 0`, `momentum = 0`,
/// `centered = false`, `maximize = false`.
///
/// # Reference
///
/// ```text
/// g ← −g                               if maximize
/// g ← g + wd·p                         if wd ≠ 0
/// v ← α·v + (1 − α)·g²
/// centered: ḡ ← lerp(ḡ, g, 1 − α);  avg ← √(v − ḡ²) + eps
/// else:                             avg ← √v + eps          (eps outside the root)
/// momentum μ > 0: buf ← μ·buf + g/avg  (buf starts at 0);  p ← p − lr·buf
/// else:           p ← p − lr·g/avg
/// ```
///
/// ```
/// use tapeless_runtime::optim::{Optimizer, RmsProp};
/// let mut x = 1.0_f64;
/// let mut rmsprop = RmsProp::new(0.01);
/// rmsprop.step(&mut x, &1.0);
/// // v = 0.01, so the step is lr·1/(0.1 + 1e-8).
/// assert!((x - (1.0 - 0.01 / (0.1 + 1e-8))).abs() < 1e-15);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RmsProp<P: Params> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    lr: P::Scalar,
    initial_lr: Option<P::Scalar>,
    alpha: P::Scalar,
    eps: P::Scalar,
    weight_decay: P::Scalar,
    momentum: P::Scalar,
    centered: bool,
    maximize: bool,
    square_avg: Option<P>,
    grad_avg: Option<P>,
    momentum_buffer: Option<P>,
    step_count: usize,
}

named!("RmsProp", impl<P: Params> crate::saved_state::Named for RmsProp<P>);

impl<P: Params> RmsProp<P> {
    /// RMSprop with learning rate `lr` and torch's defaults otherwise.
    ///
    /// # Panics
    /// If `lr < 0` (or NaN), as torch.
    #[track_caller]
    pub fn new(lr: P::Scalar) -> Self {
        check_non_negative("learning rate", lr);
        Self {
            kind: Kind::NEW,
            lr,
            initial_lr: None,
            alpha: constant(0.99),
            eps: constant(1e-8),
            weight_decay: P::Scalar::ZERO,
            momentum: P::Scalar::ZERO,
            centered: false,
            maximize: false,
            square_avg: None,
            grad_avg: None,
            momentum_buffer: None,
            step_count: 0,
        }
    }

    /// Smoothing constant α (torch's `alpha`, default 0.99).
    ///
    /// # Panics
    /// If `alpha < 0`.
    #[must_use]
    #[track_caller]
    pub fn alpha(mut self, alpha: P::Scalar) -> Self {
        check_non_negative("alpha value", alpha);
        self.alpha = alpha;
        self
    }

    eps_setter!("Term added to the denominator", "1e-8");

    weight_decay_setter!("L2 penalty (torch's `weight_decay`, default 0).");

    /// Momentum factor (torch's `momentum`, default 0).
    ///
    /// # Panics
    /// If `momentum < 0`.
    #[must_use]
    #[track_caller]
    pub fn momentum(mut self, momentum: P::Scalar) -> Self {
        check_non_negative("momentum value", momentum);
        self.momentum = momentum;
        self
    }

    /// Normalise by an estimate of the gradient's variance instead of its
    /// second moment (torch's `centered`, default false).
    #[must_use]
    pub fn centered(mut self, centered: bool) -> Self {
        self.centered = centered;
        self
    }

    maximize_setter!();
}

impl<P: Params> LearningRate<P> for RmsProp<P> {
    lr_accessors!();

    fn momentum_or_beta1(&self) -> Option<P::Scalar> {
        Some(self.momentum)
    }

    fn set_momentum_or_beta1(&mut self, momentum: P::Scalar) {
        self.momentum = momentum;
    }
}

impl<P: Params> Optimizer<P> for RmsProp<P> {
    fn step(&mut self, params: &mut P, grad: &P) {
        let zero = P::Scalar::ZERO;
        let (lr, alpha, eps, momentum) = (self.lr, self.alpha, self.eps, self.momentum);
        let (wd, maximize) = (self.weight_decay, self.maximize);
        let one_minus_alpha = P::Scalar::ONE - alpha;
        self.step_count += 1;
        let square_avg = self.square_avg.get_or_insert_with(P::zeros);
        let mut grad_avg = if self.centered {
            Some(self.grad_avg.get_or_insert_with(P::zeros))
        } else {
            None
        };
        let mut buffer = if momentum > zero {
            Some(self.momentum_buffer.get_or_insert_with(P::zeros))
        } else {
            None
        };
        // The per-element pieces; each combination of `centered` and momentum
        // below is one branch-free loop over zipped slices.
        let square = |p: P::Scalar, g: P::Scalar, v: &mut P::Scalar| {
            let g = effective_grad(g, p, maximize, wd);
            *v = *v * alpha + one_minus_alpha * g * g;
            g
        };
        let centered = |g: P::Scalar, v: P::Scalar, g_avg: &mut P::Scalar| {
            *g_avg = lerp(*g_avg, g, one_minus_alpha);
            P::Scalar::sqrt(v - *g_avg * *g_avg) + eps
        };
        let plain = |v: P::Scalar| P::Scalar::sqrt(v) + eps;
        let with_momentum =
            |p: &mut P::Scalar, g: P::Scalar, avg: P::Scalar, buf: &mut P::Scalar| {
                *buf = *buf * momentum + g / avg;
                *p += -lr * *buf;
            };
        for k in 0..P::SLICES {
            let rows = params
                .slice_mut(k)
                .iter_mut()
                .zip(grad.slice(k))
                .zip(square_avg.slice_mut(k));
            match (grad_avg.as_deref_mut(), buffer.as_deref_mut()) {
                (None, None) => {
                    for ((p, &g), v) in rows {
                        let g = square(*p, g, v);
                        *p += -lr * g / plain(*v);
                    }
                }
                (Some(grad_avg), None) => {
                    for (((p, &g), v), g_avg) in rows.zip(grad_avg.slice_mut(k)) {
                        let g = square(*p, g, v);
                        *p += -lr * g / centered(g, *v, g_avg);
                    }
                }
                (None, Some(buffer)) => {
                    for (((p, &g), v), buf) in rows.zip(buffer.slice_mut(k)) {
                        let g = square(*p, g, v);
                        with_momentum(p, g, plain(*v), buf);
                    }
                }
                (Some(grad_avg), Some(buffer)) => {
                    let rows = rows.zip(grad_avg.slice_mut(k)).zip(buffer.slice_mut(k));
                    for ((((p, &g), v), g_avg), buf) in rows {
                        let g = square(*p, g, v);
                        with_momentum(p, g, centered(g, *v, g_avg), buf);
                    }
                }
            }
        }
    }

    fn step_count(&self) -> usize {
        self.step_count
    }
}
