//! Stochastic gradient descent, `torch.optim.SGD`.

use super::{
    LearningRate, Optimizer, check_non_negative, effective_grad, lr_accessors, maximize_setter,
    weight_decay_setter,
};
use crate::Params;
use crate::saved_state::{Kind, named};

/// Stochastic gradient descent with optional momentum, dampening, Nesterov
/// momentum, L2 weight decay and maximisation: `torch.optim.SGD`.
///
/// Defaults (`Sgd::new(lr)`): `momentum = 0`, `dampening = 0`,
/// `weight_decay = 0`, `nesterov = false`, `maximize = false`.
///
/// # Reference
///
/// torch's single-tensor rule, with `g` the gradient:
///
/// ```text
/// g ← −g                         if maximize
/// g ← g + weight_decay·p         if weight_decay ≠ 0
/// if momentum μ ≠ 0:
///     buf ← g                    at the first step (no dampening)
///     buf ← μ·buf + (1 − τ)·g    afterwards (τ = dampening)
///     g ← g + μ·buf              if nesterov, else g ← buf
/// p ← p − lr·g
/// ```
///
/// ```
/// use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
/// let mut x = 1.0_f64;
/// let mut sgd = Sgd::new(0.1).momentum(0.9);
/// sgd.step(&mut x, &1.0); // buf = 1
/// assert_eq!(x, 0.9);
/// sgd.step(&mut x, &1.0); // buf = 0.9·1 + 1 = 1.9
/// assert!((x - 0.71).abs() < 1e-15);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Sgd<P: Params> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    lr: P::Scalar,
    initial_lr: Option<P::Scalar>,
    momentum: P::Scalar,
    dampening: P::Scalar,
    weight_decay: P::Scalar,
    nesterov: bool,
    maximize: bool,
    momentum_buffer: Option<P>,
    step_count: usize,
}

named!("Sgd", impl<P: Params> crate::saved_state::Named for Sgd<P>);

impl<P: Params> Sgd<P> {
    /// SGD with learning rate `lr` and torch's defaults otherwise.
    ///
    /// # Panics
    /// If `lr < 0` (or NaN), as torch.
    #[track_caller]
    pub fn new(lr: P::Scalar) -> Self {
        check_non_negative("learning rate", lr);
        let zero = <P::Scalar as crate::Real>::ZERO;
        Self {
            kind: Kind::NEW,
            lr,
            initial_lr: None,
            momentum: zero,
            dampening: zero,
            weight_decay: zero,
            nesterov: false,
            maximize: false,
            momentum_buffer: None,
            step_count: 0,
        }
    }

    /// Momentum factor μ (torch's `momentum`, default 0).
    ///
    /// # Panics
    /// If `momentum < 0`. (Nesterov momentum without momentum is reported by
    /// the first [`step`](Optimizer::step): the setters may come in any order.)
    #[must_use]
    #[track_caller]
    pub fn momentum(mut self, momentum: P::Scalar) -> Self {
        check_non_negative("momentum value", momentum);
        self.momentum = momentum;
        self
    }

    /// Dampening τ of the momentum (torch's `dampening`, default 0).
    #[must_use]
    pub fn dampening(mut self, dampening: P::Scalar) -> Self {
        self.dampening = dampening;
        self
    }

    weight_decay_setter!("L2 penalty added to the gradient (torch's `weight_decay`, default 0).");

    /// Nesterov momentum (torch's `nesterov`, default false). Like torch's
    /// keyword arguments, the setters may come in any order:
    /// `Sgd::new(lr).nesterov(true).momentum(0.9)` is
    /// `Sgd::new(lr).momentum(0.9).nesterov(true)`.
    ///
    /// ```
    /// use tapeless_runtime::optim::{Optimizer, Sgd};
    /// let (mut x, mut y) = (1.0_f64, 1.0_f64);
    /// let mut first = Sgd::new(0.1).nesterov(true).momentum(0.9);
    /// let mut second = Sgd::new(0.1).momentum(0.9).nesterov(true);
    /// for _ in 0..3 {
    ///     let (grad_x, grad_y) = (2.0 * x, 2.0 * y);
    ///     first.step(&mut x, &grad_x);
    ///     second.step(&mut y, &grad_y);
    /// }
    /// assert_eq!(x, y);
    /// ```
    ///
    /// # Panics
    /// The first [`step`](Optimizer::step) panics if `nesterov` is true while
    /// `momentum <= 0` or `dampening != 0` (torch's `ValueError` "Nesterov
    /// momentum requires a momentum and zero dampening"): only then is the
    /// combination known to be complete. [`Sgd::validate`] checks it earlier.
    #[must_use]
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.nesterov = nesterov;
        self
    }

    maximize_setter!();

    /// Checks the combination of the setters, as torch's constructor does,
    /// and returns the optimizer: call it at the end of the builder chain to
    /// have an invalid combination reported there rather than at the first
    /// step.
    ///
    /// ```should_panic
    /// use tapeless_runtime::optim::Sgd;
    /// // Panics: "Nesterov momentum requires a momentum and zero dampening".
    /// let _ = Sgd::<f64>::new(0.1).nesterov(true).validate();
    /// ```
    ///
    /// # Panics
    /// If `nesterov` is true while `momentum <= 0` or `dampening != 0`.
    #[must_use]
    #[track_caller]
    pub fn validate(self) -> Self {
        self.check_nesterov();
        self
    }

    #[track_caller]
    fn check_nesterov(&self) {
        let zero = <P::Scalar as crate::Real>::ZERO;
        assert!(
            !self.nesterov || (self.momentum > zero && self.dampening == zero),
            "Nesterov momentum requires a momentum and zero dampening"
        );
    }
}

impl<P: Params> LearningRate<P> for Sgd<P> {
    lr_accessors!();

    fn momentum_or_beta1(&self) -> Option<P::Scalar> {
        Some(self.momentum)
    }

    fn set_momentum_or_beta1(&mut self, momentum: P::Scalar) {
        self.momentum = momentum;
    }
}

impl<P: Params> Optimizer<P> for Sgd<P> {
    fn step(&mut self, params: &mut P, grad: &P) {
        let zero = <P::Scalar as crate::Real>::ZERO;
        if self.step_count == 0 {
            // The builder's setters come in any order; the combination is
            // complete now.
            self.check_nesterov();
        }
        let (lr, wd, maximize) = (self.lr, self.weight_decay, self.maximize);
        self.step_count += 1;
        if self.momentum == zero {
            for k in 0..P::SLICES {
                for (p, &g) in params.slice_mut(k).iter_mut().zip(grad.slice(k)) {
                    let g = effective_grad(g, *p, maximize, wd);
                    *p += -lr * g;
                }
            }
            return;
        }
        let (momentum, nesterov) = (self.momentum, self.nesterov);
        let first = self.momentum_buffer.is_none();
        let buffer = self.momentum_buffer.get_or_insert_with(P::zeros);
        let keep = <P::Scalar as crate::Real>::ONE - self.dampening;
        for k in 0..P::SLICES {
            let slices = params
                .slice_mut(k)
                .iter_mut()
                .zip(grad.slice(k))
                .zip(buffer.slice_mut(k));
            for ((p, &g), buf) in slices {
                let g = effective_grad(g, *p, maximize, wd);
                *buf = if first { g } else { *buf * momentum + keep * g };
                let g = if nesterov { g + momentum * *buf } else { *buf };
                *p += -lr * g;
            }
        }
    }

    fn step_count(&self) -> usize {
        self.step_count
    }
}
