//! AdamW, `torch.optim.AdamW`.

use super::{Adam, LearningRate, Optimizer, constant};
use crate::Params;
use crate::saved_state::{Kind, named};

/// Adam with decoupled weight decay: `torch.optim.AdamW`.
///
/// The same update as [`Adam`] with `decoupled_weight_decay = true`.
/// Defaults (`AdamW::new(lr)`; torch's default `lr` is `1e-3`):
/// `betas = (0.9, 0.999)`, `eps = 1e-8`, `weight_decay = 0.01`,
/// `amsgrad = false`, `maximize = false`.
///
/// # Reference
///
/// ```text
/// p ← p·(1 − lr·wd)          first, at the current parameters
/// then the Adam update with the undecayed gradient g
/// ```
///
/// ```
/// use tapeless_runtime::optim::{AdamW, Optimizer};
/// let mut x = 1.0_f64;
/// let mut adamw = AdamW::new(0.1).weight_decay(0.5);
/// adamw.step(&mut x, &0.0);
/// // Zero gradient: only the decay acts, x·(1 − 0.1·0.5).
/// assert!((x - 0.95).abs() < 1e-15);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(bound(
        serialize = "P: serde::Serialize, P::Scalar: serde::Serialize",
        deserialize = "P: serde::Deserialize<'de>, P::Scalar: serde::Deserialize<'de>"
    ))
)]
pub struct AdamW<P: Params> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    adam: Adam<P>,
}

named!("AdamW", impl<P: Params> crate::saved_state::Named for AdamW<P>);

impl<P: Params> AdamW<P> {
    /// AdamW with learning rate `lr` and torch's defaults otherwise.
    ///
    /// # Panics
    /// If `lr < 0` (or NaN), as torch.
    #[track_caller]
    pub fn new(lr: P::Scalar) -> Self {
        Self {
            kind: Kind::NEW,
            adam: Adam::new(lr)
                .decoupled_weight_decay(true)
                .weight_decay(constant(0.01)),
        }
    }

    /// Decay rates `(β₁, β₂)` (torch's `betas`, default `(0.9, 0.999)`).
    ///
    /// # Panics
    /// If either is outside `[0, 1)`.
    #[must_use]
    #[track_caller]
    pub fn betas(self, betas: (P::Scalar, P::Scalar)) -> Self {
        Self {
            kind: Kind::NEW,
            adam: self.adam.betas(betas),
        }
    }

    /// Term added to the denominator (torch's `eps`, default `1e-8`).
    ///
    /// # Panics
    /// If `eps < 0`.
    #[must_use]
    #[track_caller]
    pub fn eps(self, eps: P::Scalar) -> Self {
        Self {
            kind: Kind::NEW,
            adam: self.adam.eps(eps),
        }
    }

    /// Decoupled weight decay coefficient (torch's `weight_decay`, default
    /// 0.01).
    ///
    /// # Panics
    /// If `weight_decay < 0`.
    #[must_use]
    #[track_caller]
    pub fn weight_decay(self, weight_decay: P::Scalar) -> Self {
        Self {
            kind: Kind::NEW,
            adam: self.adam.weight_decay(weight_decay),
        }
    }

    /// The AMSGrad variant (torch's `amsgrad`, default false).
    #[must_use]
    pub fn amsgrad(self, amsgrad: bool) -> Self {
        Self {
            kind: Kind::NEW,
            adam: self.adam.amsgrad(amsgrad),
        }
    }

    /// Maximise the objective instead of minimising it (torch's `maximize`).
    #[must_use]
    pub fn maximize(self, maximize: bool) -> Self {
        Self {
            kind: Kind::NEW,
            adam: self.adam.maximize(maximize),
        }
    }
}

impl<P: Params> LearningRate<P> for AdamW<P> {
    #[inline]
    fn lr(&self) -> P::Scalar {
        self.adam.lr()
    }
    #[inline]
    fn set_lr(&mut self, lr: P::Scalar) {
        self.adam.set_lr(lr);
    }
    #[inline]
    fn initial_lr(&self) -> Option<P::Scalar> {
        self.adam.initial_lr()
    }
    #[inline]
    fn set_initial_lr(&mut self, lr: P::Scalar) {
        self.adam.set_initial_lr(lr);
    }
    #[inline]
    fn momentum_or_beta1(&self) -> Option<P::Scalar> {
        self.adam.momentum_or_beta1()
    }
    #[inline]
    fn set_momentum_or_beta1(&mut self, momentum: P::Scalar) {
        self.adam.set_momentum_or_beta1(momentum);
    }
}

impl<P: Params> Optimizer<P> for AdamW<P> {
    #[inline]
    fn step(&mut self, params: &mut P, grad: &P) {
        self.adam.step(params, grad);
    }
    #[inline]
    fn step_count(&self) -> usize {
        self.adam.step_count()
    }
}
