//! Adam, `torch.optim.Adam`.

use super::{
    LearningRate, Optimizer, as_scalar, betas_setter, check_non_negative, constant, effective_grad,
    eps_setter, lerp, lr_accessors, maximize_setter, weight_decay_setter,
};
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// Adam: adaptive moment estimation, `torch.optim.Adam`.
///
/// Defaults (`Adam::new(lr)`; torch's default `lr` is `1e-3`):
/// `betas = (0.9, 0.999)`, `eps = 1e-8`, `weight_decay = 0`,
/// `amsgrad = false`, `maximize = false`, `decoupled_weight_decay = false`.
///
/// # Reference
///
/// torch's single-tensor rule, with `g` the gradient and `t` the step count
/// starting at 1:
///
/// ```text
/// g ← −g                                   if maximize
/// p ← p·(1 − lr·wd)                        if decoupled_weight_decay (AdamW)
/// g ← g + wd·p                             otherwise, if wd ≠ 0
/// m ← lerp(m, g, 1 − β₁)
/// v ← β₂·v + (1 − β₂)·g²
/// v̂ ← max(v̂, v), and v̂ replaces v below  if amsgrad
/// denom ← √v / √(1 − β₂ᵗ) + eps            (eps after the bias correction)
/// p ← p − lr/(1 − β₁ᵗ) · m / denom
/// ```
///
/// ```
/// use tapeless_runtime::optim::{Adam, LearningRate, Optimizer};
/// let mut x = 1.0_f64;
/// let mut adam = Adam::new(0.1);
/// adam.step(&mut x, &0.5);
/// // The first Adam step moves by lr·g/(|g| + eps·…) ≈ lr.
/// assert!((x - 0.9).abs() < 1e-7);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Adam<P: Params> {
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
    amsgrad: bool,
    maximize: bool,
    decoupled_weight_decay: bool,
    state: Option<AdamState<P>>,
    step_count: usize,
}

named!("Adam", impl<P: Params> crate::saved_state::Named for Adam<P>);

#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct AdamState<P> {
    exp_avg: P,
    exp_avg_sq: P,
    max_exp_avg_sq: Option<P>,
}

impl<P: Params> Adam<P> {
    /// Adam with learning rate `lr` and torch's defaults otherwise.
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
            amsgrad: false,
            maximize: false,
            decoupled_weight_decay: false,
            state: None,
            step_count: 0,
        }
    }

    betas_setter!(
        "Decay rates `(β₁, β₂)` of the first and second moment estimates ",
        "(torch's `betas`, default `(0.9, 0.999)`)."
    );

    eps_setter!("Term added to the denominator", "1e-8");

    weight_decay_setter!(
        "Weight decay (torch's `weight_decay`, default 0): an L2 penalty added ",
        "to the gradient, or decoupled decay if ",
        "[`decoupled_weight_decay`](Adam::decoupled_weight_decay) is set."
    );

    /// The AMSGrad variant (torch's `amsgrad`, default false).
    #[must_use]
    pub fn amsgrad(mut self, amsgrad: bool) -> Self {
        self.amsgrad = amsgrad;
        self
    }

    maximize_setter!();

    /// Decoupled weight decay, as [`AdamW`](super::AdamW) (torch's
    /// `decoupled_weight_decay`, default false).
    #[must_use]
    pub fn decoupled_weight_decay(mut self, decoupled: bool) -> Self {
        self.decoupled_weight_decay = decoupled;
        self
    }
}

impl<P: Params> LearningRate<P> for Adam<P> {
    lr_accessors!();

    fn momentum_or_beta1(&self) -> Option<P::Scalar> {
        Some(self.betas.0)
    }

    fn set_momentum_or_beta1(&mut self, momentum: P::Scalar) {
        self.betas.0 = momentum;
    }
}

impl<P: Params> Optimizer<P> for Adam<P> {
    fn step(&mut self, params: &mut P, grad: &P) {
        let one = P::Scalar::ONE;
        let (beta1, beta2) = self.betas;
        let (lr, eps, maximize) = (self.lr, self.eps, self.maximize);
        let amsgrad = self.amsgrad;
        let (l2_decay, param_scale) = match (self.decoupled_weight_decay, self.weight_decay) {
            (true, wd) => (P::Scalar::ZERO, one - lr * wd),
            (false, wd) => (wd, one),
        };
        let decoupled = self.decoupled_weight_decay && self.weight_decay != P::Scalar::ZERO;
        self.step_count += 1;
        let t = as_scalar::<P::Scalar>(self.step_count);
        let state = self.state.get_or_insert_with(|| AdamState {
            exp_avg: P::zeros(),
            exp_avg_sq: P::zeros(),
            max_exp_avg_sq: None,
        });
        if amsgrad && state.max_exp_avg_sq.is_none() {
            state.max_exp_avg_sq = Some(P::zeros());
        }
        let bias_correction1 = one - P::Scalar::powf(beta1, t);
        let bias_correction2 = one - P::Scalar::powf(beta2, t);
        let step_size = lr / bias_correction1;
        let bias_correction2_sqrt = P::Scalar::sqrt(bias_correction2);
        let (one_minus_beta1, one_minus_beta2) = (one - beta1, one - beta2);
        // One element: decay, moment updates; returns the second moment to use.
        let moments = |p: &mut P::Scalar, g: P::Scalar, m: &mut P::Scalar, v: &mut P::Scalar| {
            let g = effective_grad(g, *p, maximize, l2_decay);
            if decoupled {
                *p *= param_scale;
            }
            *m = lerp(*m, g, one_minus_beta1);
            *v = *v * beta2 + one_minus_beta2 * g * g;
        };
        let update = |p: &mut P::Scalar, m: P::Scalar, second: P::Scalar| {
            let denom = P::Scalar::sqrt(second) / bias_correction2_sqrt + eps;
            *p += -step_size * m / denom;
        };
        for k in 0..P::SLICES {
            let rows = params
                .slice_mut(k)
                .iter_mut()
                .zip(grad.slice(k))
                .zip(state.exp_avg.slice_mut(k))
                .zip(state.exp_avg_sq.slice_mut(k));
            match state.max_exp_avg_sq.as_mut() {
                Some(max_exp_avg_sq) if amsgrad => {
                    for ((((p, &g), m), v), v_max) in rows.zip(max_exp_avg_sq.slice_mut(k)) {
                        moments(p, g, m, v);
                        *v_max = P::Scalar::max(*v_max, *v);
                        update(p, *m, *v_max);
                    }
                }
                _ => {
                    for (((p, &g), m), v) in rows {
                        moments(p, g, m, v);
                        update(p, *m, *v);
                    }
                }
            }
        }
    }

    fn step_count(&self) -> usize {
        self.step_count
    }
}
