//! Adamax, `torch.optim.Adamax`.

use super::{
    LearningRate, Optimizer, as_scalar, betas_setter, check_non_negative, constant, effective_grad,
    eps_setter, lerp, lr_accessors, maximize_setter, weight_decay_setter,
};
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// Adamax: Adam with the infinity norm, `torch.optim.Adamax`.
///
/// Defaults (`Adamax::new(lr)`; torch's default `lr` is `2e-3`):
/// `betas = (0.9, 0.999)`, `eps = 1e-8`, `weight_decay = 0`,
/// `maximize = false`.
///
/// # Reference
///
/// ```text
/// g ← −g                                  if maximize
/// g ← g + wd·p                            if wd ≠ 0
/// m ← lerp(m, g, 1 − β₁)
/// u ← max(β₂·u, |g| + eps)                (eps inside the max)
/// p ← p − lr/(1 − β₁ᵗ) · m/u
/// ```
///
/// ```
/// use tapeless_runtime::optim::{Adamax, Optimizer};
/// let mut x = 1.0_f64;
/// let mut adamax = Adamax::new(0.1);
/// adamax.step(&mut x, &0.5);
/// // m = 0.05, u = 0.5 + 1e-8: the step is 0.1/0.1 · 0.05/u ≈ 0.1.
/// assert!((x - 0.9).abs() < 1e-7);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Adamax<P: Params> {
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
    maximize: bool,
    state: Option<(P, P)>,
    step_count: usize,
}

named!("Adamax", impl<P: Params> crate::saved_state::Named for Adamax<P>);

impl<P: Params> Adamax<P> {
    /// Adamax with learning rate `lr` and torch's defaults otherwise.
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
            maximize: false,
            state: None,
            step_count: 0,
        }
    }

    betas_setter!("Decay rates `(β₁, β₂)` (torch's `betas`, default `(0.9, 0.999)`).");

    eps_setter!("Term added inside the max", "1e-8");

    weight_decay_setter!("L2 penalty (torch's `weight_decay`, default 0).");

    maximize_setter!();
}

impl<P: Params> LearningRate<P> for Adamax<P> {
    lr_accessors!();

    fn momentum_or_beta1(&self) -> Option<P::Scalar> {
        Some(self.betas.0)
    }

    fn set_momentum_or_beta1(&mut self, momentum: P::Scalar) {
        self.betas.0 = momentum;
    }
}

impl<P: Params> Optimizer<P> for Adamax<P> {
    fn step(&mut self, params: &mut P, grad: &P) {
        let one = P::Scalar::ONE;
        let (beta1, beta2) = self.betas;
        let (eps, wd, maximize) = (self.eps, self.weight_decay, self.maximize);
        let (exp_avg, exp_inf) = self.state.get_or_insert_with(|| (P::zeros(), P::zeros()));
        self.step_count += 1;
        let t = as_scalar::<P::Scalar>(self.step_count);
        let clr = self.lr / (one - P::Scalar::powf(beta1, t));
        let one_minus_beta1 = one - beta1;
        for k in 0..P::SLICES {
            let rows = params
                .slice_mut(k)
                .iter_mut()
                .zip(grad.slice(k))
                .zip(exp_avg.slice_mut(k))
                .zip(exp_inf.slice_mut(k));
            for (((p, &g), m), u) in rows {
                let g = effective_grad(g, *p, maximize, wd);
                *m = lerp(*m, g, one_minus_beta1);
                *u = P::Scalar::max(*u * beta2, P::Scalar::abs(g) + eps);
                *p += -clr * *m / *u;
            }
        }
    }

    fn step_count(&self) -> usize {
        self.step_count
    }
}
