//! RAdam, `torch.optim.RAdam`.

use super::{
    LearningRate, Optimizer, as_scalar, betas_setter, check_non_negative, constant, effective_grad,
    eps_setter, lerp, lr_accessors, maximize_setter, weight_decay_setter,
};
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// RAdam: rectified Adam, `torch.optim.RAdam`.
///
/// Defaults (`RAdam::new(lr)`; torch's default `lr` is `1e-3`):
/// `betas = (0.9, 0.999)`, `eps = 1e-8`, `weight_decay = 0`,
/// `decoupled_weight_decay = false`, `maximize = false`.
///
/// # Reference
///
/// ```text
/// g ← −g                                    if maximize
/// p ← p·(1 − lr·wd)   if decoupled_weight_decay, else g ← g + wd·p
/// m ← lerp(m, g, 1 − β₁);  v ← β₂·v + (1 − β₂)·g²;  m̂ ← m/(1 − β₁ᵗ)
/// ρ∞ = 2/(1 − β₂) − 1;  ρₜ = ρ∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)
/// if ρₜ > 5: r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ))
///            p ← p − m̂·lr·(√(1 − β₂ᵗ)/(√v + eps))·r
/// else:      p ← p − m̂·lr
/// ```
///
/// ```
/// use tapeless_runtime::optim::{Optimizer, RAdam};
/// let mut x = 1.0_f64;
/// let mut radam = RAdam::new(0.1);
/// radam.step(&mut x, &0.5);
/// // ρ₁ ≤ 5: the first steps are momentum SGD with m̂ = g.
/// assert!((x - 0.95).abs() < 1e-12);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RAdam<P: Params> {
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
    decoupled_weight_decay: bool,
    maximize: bool,
    state: Option<(P, P)>,
    step_count: usize,
}

named!("RAdam", impl<P: Params> crate::saved_state::Named for RAdam<P>);

impl<P: Params> RAdam<P> {
    /// RAdam with learning rate `lr` and torch's defaults otherwise.
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
            decoupled_weight_decay: false,
            maximize: false,
            state: None,
            step_count: 0,
        }
    }

    betas_setter!("Decay rates `(β₁, β₂)` (torch's `betas`, default `(0.9, 0.999)`).");

    eps_setter!("Term added to the denominator", "1e-8");

    weight_decay_setter!("Weight decay (torch's `weight_decay`, default 0).");

    /// Decoupled weight decay as in AdamW (torch's `decoupled_weight_decay`).
    #[must_use]
    pub fn decoupled_weight_decay(mut self, decoupled: bool) -> Self {
        self.decoupled_weight_decay = decoupled;
        self
    }

    maximize_setter!();
}

impl<P: Params> LearningRate<P> for RAdam<P> {
    lr_accessors!();

    fn momentum_or_beta1(&self) -> Option<P::Scalar> {
        Some(self.betas.0)
    }

    fn set_momentum_or_beta1(&mut self, momentum: P::Scalar) {
        self.betas.0 = momentum;
    }
}

impl<P: Params> Optimizer<P> for RAdam<P> {
    fn step(&mut self, params: &mut P, grad: &P) {
        let one = P::Scalar::ONE;
        let two = P::Scalar::TWO;
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
        let bias_correction1 = one - P::Scalar::powf(beta1, t);
        let bias_correction2 = one - P::Scalar::powf(beta2, t);
        let rho_inf = two / (one - beta2) - one;
        let rho_t = rho_inf - two * t * P::Scalar::powf(beta2, t) / bias_correction2;
        let four = two * two;
        // `None`: the variance is not tractable yet, plain momentum step.
        let rectification = (rho_t > constant(5.0)).then(|| {
            P::Scalar::sqrt(
                (rho_t - four) * (rho_t - two) * rho_inf
                    / ((rho_inf - four) * (rho_inf - two) * rho_t),
            )
        });
        let bias_correction2_sqrt = P::Scalar::sqrt(bias_correction2);
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
                let corrected = *m / bias_correction1;
                match rectification {
                    Some(rect) => {
                        let adaptive = bias_correction2_sqrt / (P::Scalar::sqrt(*v) + eps);
                        *p += -(corrected * lr * adaptive * rect);
                    }
                    None => *p += -(corrected * lr),
                }
            }
        }
    }

    fn step_count(&self) -> usize {
        self.step_count
    }
}
