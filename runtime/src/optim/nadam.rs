//! NAdam, `torch.optim.NAdam`.

use super::{
    LearningRate, Optimizer, as_scalar, betas_setter, check_non_negative, constant, effective_grad,
    eps_setter, lerp, lr_accessors, maximize_setter, weight_decay_setter,
};
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// NAdam: Adam with Nesterov momentum, `torch.optim.NAdam`.
///
/// Defaults (`NAdam::new(lr)`; torch's default `lr` is `2e-3`):
/// `betas = (0.9, 0.999)`, `eps = 1e-8`, `weight_decay = 0`,
/// `momentum_decay = 4e-3`, `decoupled_weight_decay = false`,
/// `maximize = false`.
///
/// # Reference
///
/// ```text
/// g ← −g                                    if maximize
/// p ← p·(1 − lr·wd)   if decoupled_weight_decay, else g ← g + wd·p
/// μₜ = β₁(1 − ½·0.96^(t·ψ)),  μₜ₊₁ = β₁(1 − ½·0.96^((t+1)·ψ))   (ψ = momentum_decay)
/// Πμ ← Πμ·μₜ                                (running product, starts at 1)
/// m ← lerp(m, g, 1 − β₁);  v ← β₂·v + (1 − β₂)·g²
/// denom ← √(v / (1 − β₂ᵗ)) + eps
/// p ← p − lr(1 − μₜ)/(1 − Πμ) · g/denom
/// p ← p − lr·μₜ₊₁/(1 − Πμ·μₜ₊₁) · m/denom
/// ```
///
/// ```
/// use tapeless_runtime::optim::{NAdam, Optimizer};
/// let mut x = 0.0_f64;
/// let mut nadam = NAdam::new(0.01);
/// for _ in 0..2000 {
///     let g = 2.0 * (x - 1.0);
///     nadam.step(&mut x, &g);
/// }
/// assert!((x - 1.0).abs() < 1e-3);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NAdam<P: Params> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    lr: P::Scalar,
    initial_lr: Option<P::Scalar>,
    betas: (P::Scalar, P::Scalar),
    eps: P::Scalar,
    weight_decay: P::Scalar,
    momentum_decay: P::Scalar,
    decoupled_weight_decay: bool,
    maximize: bool,
    mu_product: P::Scalar,
    state: Option<(P, P)>,
    step_count: usize,
}

named!("NAdam", impl<P: Params> crate::saved_state::Named for NAdam<P>);

impl<P: Params> NAdam<P> {
    /// NAdam with learning rate `lr` and torch's defaults otherwise.
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
            betas: (constant(0.9), constant(0.999)),
            eps: constant(1e-8),
            weight_decay: P::Scalar::ZERO,
            momentum_decay: constant(4e-3),
            decoupled_weight_decay: false,
            maximize: false,
            mu_product: P::Scalar::ONE,
            state: None,
            step_count: 0,
        }
    }

    betas_setter!("Decay rates `(β₁, β₂)` (torch's `betas`, default `(0.9, 0.999)`).");

    eps_setter!("Term added to the denominator", "1e-8");

    weight_decay_setter!("Weight decay (torch's `weight_decay`, default 0).");

    /// Momentum decay ψ (torch's `momentum_decay`, default `4e-3`).
    ///
    /// # Panics
    /// If `momentum_decay < 0`.
    #[must_use]
    #[track_caller]
    pub fn momentum_decay(mut self, momentum_decay: P::Scalar) -> Self {
        check_non_negative("momentum_decay value", momentum_decay);
        self.momentum_decay = momentum_decay;
        self
    }

    /// Decoupled weight decay as in AdamW (torch's `decoupled_weight_decay`).
    #[must_use]
    pub fn decoupled_weight_decay(mut self, decoupled: bool) -> Self {
        self.decoupled_weight_decay = decoupled;
        self
    }

    maximize_setter!();
}

impl<P: Params> LearningRate<P> for NAdam<P> {
    lr_accessors!();

    fn momentum_or_beta1(&self) -> Option<P::Scalar> {
        Some(self.betas.0)
    }

    fn set_momentum_or_beta1(&mut self, momentum: P::Scalar) {
        self.betas.0 = momentum;
    }
}

impl<P: Params> Optimizer<P> for NAdam<P> {
    fn step(&mut self, params: &mut P, grad: &P) {
        let one = P::Scalar::ONE;
        let (beta1, beta2) = self.betas;
        let (lr, eps, maximize) = (self.lr, self.eps, self.maximize);
        let decoupled = self.decoupled_weight_decay && self.weight_decay != P::Scalar::ZERO;
        let l2_decay = if self.decoupled_weight_decay {
            P::Scalar::ZERO
        } else {
            self.weight_decay
        };
        let param_scale = one - lr * self.weight_decay;
        let (exp_avg, exp_avg_sq) = self.state.get_or_insert_with(|| (P::zeros(), P::zeros()));
        self.step_count += 1;
        let t = as_scalar::<P::Scalar>(self.step_count);
        let bias_correction2 = one - P::Scalar::powf(beta2, t);
        let base = constant::<P::Scalar>(0.96);
        let mu = beta1 * (one - P::Scalar::HALF * P::Scalar::powf(base, t * self.momentum_decay));
        let mu_next = beta1
            * (one - P::Scalar::HALF * P::Scalar::powf(base, (t + one) * self.momentum_decay));
        self.mu_product *= mu;
        let mu_product_next = self.mu_product * mu_next;
        let grad_coefficient = -lr * (one - mu) / (one - self.mu_product);
        let avg_coefficient = -lr * mu_next / (one - mu_product_next);
        let (one_minus_beta1, one_minus_beta2) = (one - beta1, one - beta2);
        for k in 0..P::SLICES {
            let rows = params
                .slice_mut(k)
                .iter_mut()
                .zip(grad.slice(k))
                .zip(exp_avg.slice_mut(k))
                .zip(exp_avg_sq.slice_mut(k));
            for (((p, &g), m), v) in rows {
                let g = effective_grad(g, *p, maximize, l2_decay);
                if decoupled {
                    *p *= param_scale;
                }
                *m = lerp(*m, g, one_minus_beta1);
                *v = *v * beta2 + one_minus_beta2 * g * g;
                let denom = P::Scalar::sqrt(*v / bias_correction2) + eps;
                *p += grad_coefficient * g / denom;
                *p += avg_coefficient * *m / denom;
            }
        }
    }

    fn step_count(&self) -> usize {
        self.step_count
    }
}
