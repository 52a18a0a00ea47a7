//! Learning-rate schedulers that reproduce `torch.optim.lr_scheduler`'s
//! learning-rate sequences, without allocation.
//!
//! A scheduler is created from the optimizer it drives (which sets the
//! learning rate of epoch 0, as torch's constructors do) and is stepped with
//! [`LrScheduler::step`] after each optimizer step. It does not borrow the
//! optimizer between steps. Like torch, schedulers evaluate the recursive
//! ("chainable") forms on each step, which differ from the closed forms in
//! the last bits; [`LambdaLr`], [`CosineAnnealingWarmRestarts`],
//! [`OneCycleLr`] and [`CyclicLr`] use closed forms, as torch does.
//!
//! | tapeless | PyTorch |
//! |---|---|
//! | [`StepLr`] | `StepLR` |
//! | [`MultiStepLr`] | `MultiStepLR` |
//! | [`ExponentialLr`] | `ExponentialLR` |
//! | [`LambdaLr`] | `LambdaLR` |
//! | [`CosineAnnealingLr`] | `CosineAnnealingLR` |
//! | [`CosineAnnealingWarmRestarts`] | `CosineAnnealingWarmRestarts` |
//! | [`LinearLr`] | `LinearLR` |
//! | [`ConstantLr`] | `ConstantLR` |
//! | [`PolynomialLr`] | `PolynomialLR` |
//! | [`OneCycleLr`] | `OneCycleLR` |
//! | [`CyclicLr`] | `CyclicLR` |
//! | [`ReduceLrOnPlateau`] | `ReduceLROnPlateau` |
//! | [`SequentialLr`] | `SequentialLR` |
//! | [`ChainedScheduler`] | `ChainedScheduler` |
//!
//! All schedulers start from the optimizer's
//! [`initial_lr`](crate::optim::LearningRate::initial_lr), which the first
//! scheduler attached to an optimizer records from its current learning rate
//! (torch's `param_group.setdefault('initial_lr', lr)`), so that several
//! schedulers on one optimizer share the same base learning rate.
//!
//! Invalid arguments (those for which torch raises `ValueError`) make the
//! constructors panic; each documents when under "Panics".
//!
//! ```
//! use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
//! use tapeless_runtime::sched::{LrScheduler, StepLr};
//!
//! let mut x = 1.0_f64;
//! let mut opt = Sgd::new(0.1);
//! let mut sched = StepLr::new(&mut opt, 2, 0.5);
//! let mut lrs = Vec::new();
//! for _ in 0..5 {
//!     lrs.push(opt.lr());
//!     let grad = 2.0 * x;
//!     opt.step(&mut x, &grad);
//!     sched.step(&mut opt);
//! }
//! assert_eq!(lrs, [0.1, 0.1, 0.05, 0.05, 0.025]);
//! ```

use crate::optim::LearningRate;
use crate::{Params, Real};

mod compose;
mod cosine;
mod cyclic;
mod exponential;
mod lambda;
mod linear;
mod one_cycle;
mod plateau;
mod step;

pub use compose::{ChainedScheduler, SequentialLr};
pub use cosine::{CosineAnnealingLr, CosineAnnealingWarmRestarts};
pub use cyclic::{CyclicLr, CyclicLrConfig, CyclicMode};
pub use exponential::ExponentialLr;
pub use lambda::LambdaLr;
pub use linear::{ConstantLr, LinearLr, PolynomialLr};
pub use one_cycle::{AnnealStrategy, OneCycleLr, OneCycleLrConfig};
pub use plateau::{PlateauMode, ReduceLrOnPlateau, ThresholdMode};
pub use step::{MultiStepLr, StepLr};

/// A learning-rate scheduler stepped once per epoch (or per batch), after
/// the optimizer step: torch's `LRScheduler`.
///
/// [`ReduceLrOnPlateau`] is not one: its `step` takes the metric.
pub trait LrScheduler<T: Real> {
    /// Advances one epoch and sets the optimizer's learning rate (and, for
    /// the cyclic schedulers, its momentum) for the next optimizer steps.
    fn step<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized));

    /// Restarts at epoch 0 with the closed form of the schedule (torch's
    /// `scheduler.step(0)`, which [`SequentialLr`] calls at its milestones).
    fn restart<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized));

    /// The number of [`step`](LrScheduler::step)s since construction or the
    /// last [`restart`](LrScheduler::restart) (torch's `last_epoch`).
    fn last_epoch(&self) -> usize;
}

/// The learning rate schedules start from: the optimizer's `initial_lr`,
/// recorded from its current learning rate if no scheduler did so before
/// (torch's `group.setdefault('initial_lr', group['lr'])`).
pub(crate) fn base_lr<P: Params>(opt: &mut (impl LearningRate<P> + ?Sized)) -> P::Scalar {
    if let Some(lr) = opt.initial_lr() {
        lr
    } else {
        let lr = opt.lr();
        opt.set_initial_lr(lr);
        lr
    }
}

/// An epoch count as a scalar.
#[inline]
pub(crate) fn epoch<T: Real>(count: usize) -> T {
    T::from_f64_lossy(count as f64)
}

/// π in `T`.
#[inline]
pub(crate) fn pi<T: Real>() -> T {
    T::from_f64_lossy(core::f64::consts::PI)
}
