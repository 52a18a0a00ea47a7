//! Adadelta, `torch.optim.Adadelta`.

use super::{
    LearningRate, Optimizer, check_non_negative, constant, effective_grad, eps_setter,
    lr_accessors, maximize_setter, weight_decay_setter,
};
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// Adadelta: `torch.optim.Adadelta`.
///
/// Defaults (`Adadelta::new(lr)`; torch's default `lr` is `1.0`):
/// `rho = 0.9`, `eps = 1e-6`, `weight_decay = 0`, `maximize = false`.
///
/// # Reference
///
/// ```text
/// g ← −g                               if maximize
/// g ← g + wd·p                         if wd ≠ 0
/// v ← ρ·v + (1 − ρ)·g²
/// δ ← √(u + eps) / √(v + eps) · g      (eps inside both square roots)
/// u ← ρ·u + (1 − ρ)·δ²
/// p ← p − lr·δ
/// ```
///
/// ```
/// use tapeless_runtime::optim::{Adadelta, Optimizer};
/// let mut x = 1.0_f64;
/// let mut adadelta = Adadelta::new(1.0);
/// adadelta.step(&mut x, &1.0);
/// // v = 0.1, δ = √1e-6/√(0.1 + 1e-6) ≈ 3.16e-3
/// let delta = (1e-6_f64).sqrt() / (0.1_f64 + 1e-6).sqrt();
/// assert!((x - (1.0 - delta)).abs() < 1e-15);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Adadelta<P: Params> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    lr: P::Scalar,
    initial_lr: Option<P::Scalar>,
    rho: P::Scalar,
    eps: P::Scalar,
    weight_decay: P::Scalar,
    maximize: bool,
    state: Option<(P, P)>,
    step_count: usize,
}

named!("Adadelta", impl<P: Params> crate::saved_state::Named for Adadelta<P>);

impl<P: Params> Adadelta<P> {
    /// Adadelta with learning rate `lr` and torch's defaults otherwise.
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
            rho: constant(0.9),
            eps: constant(1e-6),
            weight_decay: P::Scalar::ZERO,
            maximize: false,
            state: None,
            step_count: 0,
        }
    }

    /// Decay rate ρ of the running averages (torch's `rho`, default 0.9).
    ///
    /// # Panics
    /// If `rho` is outside `[0, 1]`.
    #[must_use]
    #[track_caller]
    pub fn rho(mut self, rho: P::Scalar) -> Self {
        assert!(
            rho >= P::Scalar::ZERO && rho <= P::Scalar::ONE,
            "invalid rho value: {rho} (must be in [0, 1])"
        );
        self.rho = rho;
        self
    }

    eps_setter!("Term added inside the square roots", "1e-6");

    weight_decay_setter!("L2 penalty (torch's `weight_decay`, default 0).");

    maximize_setter!();
}

impl<P: Params> LearningRate<P> for Adadelta<P> {
    lr_accessors!();
}

impl<P: Params> Optimizer<P> for Adadelta<P> {
    fn step(&mut self, params: &mut P, grad: &P) {
        let (lr, rho, eps) = (self.lr, self.rho, self.eps);
        let (wd, maximize) = (self.weight_decay, self.maximize);
        let one_minus_rho = P::Scalar::ONE - rho;
        let (square_avg, acc_delta) = self.state.get_or_insert_with(|| (P::zeros(), P::zeros()));
        self.step_count += 1;
        for k in 0..P::SLICES {
            let rows = params
                .slice_mut(k)
                .iter_mut()
                .zip(grad.slice(k))
                .zip(square_avg.slice_mut(k))
                .zip(acc_delta.slice_mut(k));
            for (((p, &g), v), u) in rows {
                let g = effective_grad(g, *p, maximize, wd);
                *v = *v * rho + one_minus_rho * g * g;
                let std = P::Scalar::sqrt(*v + eps);
                let delta = P::Scalar::sqrt(*u + eps) / std * g;
                *u = *u * rho + one_minus_rho * delta * delta;
                *p += -lr * delta;
            }
        }
    }

    fn step_count(&self) -> usize {
        self.step_count
    }
}
