//! Adagrad, `torch.optim.Adagrad`.

use super::{
    LearningRate, Optimizer, as_scalar, check_non_negative, constant, effective_grad, eps_setter,
    lr_accessors, maximize_setter, weight_decay_setter,
};
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// Adagrad: per-parameter learning rates from the sum of squared gradients,
/// `torch.optim.Adagrad`.
///
/// Defaults (`Adagrad::new(lr)`; torch's default `lr` is `1e-2`):
/// `lr_decay = 0`, `weight_decay = 0`, `initial_accumulator_value = 0`,
/// `eps = 1e-10`, `maximize = false`.
///
/// # Reference
///
/// ```text
/// g ← −g                               if maximize
/// g ← g + wd·p                         if wd ≠ 0
/// clr ← lr / (1 + (t − 1)·lr_decay)
/// sum ← sum + g²                       (sum starts at initial_accumulator_value)
/// p ← p − clr·g / (√sum + eps)         (eps outside the square root)
/// ```
///
/// ```
/// use tapeless_runtime::optim::{Adagrad, Optimizer};
/// let mut x = 1.0_f64;
/// let mut adagrad = Adagrad::new(0.1);
/// adagrad.step(&mut x, &2.0); // sum = 4: x − 0.1·2/(2 + eps)
/// assert!((x - 0.9).abs() < 1e-9);
/// adagrad.step(&mut x, &2.0); // sum = 8: x − 0.1·2/√8
/// assert!((x - (0.9 - 0.2 / 8.0_f64.sqrt())).abs() < 1e-9);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Adagrad<P: Params> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    lr: P::Scalar,
    initial_lr: Option<P::Scalar>,
    lr_decay: P::Scalar,
    weight_decay: P::Scalar,
    initial_accumulator_value: P::Scalar,
    eps: P::Scalar,
    maximize: bool,
    sum: Option<P>,
    step_count: usize,
}

named!("Adagrad", impl<P: Params> crate::saved_state::Named for Adagrad<P>);

impl<P: Params> Adagrad<P> {
    /// Adagrad with learning rate `lr` and torch's defaults otherwise.
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
            lr_decay: P::Scalar::ZERO,
            weight_decay: P::Scalar::ZERO,
            initial_accumulator_value: P::Scalar::ZERO,
            eps: constant(1e-10),
            maximize: false,
            sum: None,
            step_count: 0,
        }
    }

    /// Learning-rate decay (torch's `lr_decay`, default 0).
    ///
    /// # Panics
    /// If `lr_decay < 0`.
    #[must_use]
    #[track_caller]
    pub fn lr_decay(mut self, lr_decay: P::Scalar) -> Self {
        check_non_negative("lr_decay value", lr_decay);
        self.lr_decay = lr_decay;
        self
    }

    weight_decay_setter!("L2 penalty (torch's `weight_decay`, default 0).");

    /// Starting value of the sum of squares (torch's
    /// `initial_accumulator_value`, default 0).
    ///
    /// # Panics
    /// If `initial_accumulator_value < 0`.
    #[must_use]
    #[track_caller]
    pub fn initial_accumulator_value(mut self, value: P::Scalar) -> Self {
        check_non_negative("initial_accumulator_value", value);
        self.initial_accumulator_value = value;
        self
    }

    eps_setter!("Term added to the denominator", "1e-10");

    maximize_setter!();
}

impl<P: Params> LearningRate<P> for Adagrad<P> {
    lr_accessors!();
}

impl<P: Params> Optimizer<P> for Adagrad<P> {
    fn step(&mut self, params: &mut P, grad: &P) {
        let (wd, eps, maximize) = (self.weight_decay, self.eps, self.maximize);
        let initial = self.initial_accumulator_value;
        let sum = self.sum.get_or_insert_with(|| {
            let mut sum = P::zeros();
            sum.fill(initial);
            sum
        });
        self.step_count += 1;
        let t = as_scalar::<P::Scalar>(self.step_count);
        let clr = self.lr / (P::Scalar::ONE + (t - P::Scalar::ONE) * self.lr_decay);
        for k in 0..P::SLICES {
            let rows = params
                .slice_mut(k)
                .iter_mut()
                .zip(grad.slice(k))
                .zip(sum.slice_mut(k));
            for ((p, &g), s) in rows {
                let g = effective_grad(g, *p, maximize, wd);
                *s += g * g;
                let std = P::Scalar::sqrt(*s) + eps;
                *p += -clr * g / std;
            }
        }
    }

    fn step_count(&self) -> usize {
        self.step_count
    }
}
