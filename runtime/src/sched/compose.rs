//! `SequentialLR` and `ChainedScheduler`, as generic compositions.

use super::{LrScheduler, base_lr};
use crate::optim::LearningRate;
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// Runs `first` until epoch `milestone`, then `second`:
/// `torch.optim.lr_scheduler.SequentialLR` with two schedulers (nest
/// `SequentialLr`s as `second` for more).
///
/// # Reference
///
/// The constructor resets the learning rate to the base learning rate and
/// restarts `first`. At the milestone torch calls `second.step(0)`: the
/// **closed form of `second` at epoch 0** ([`LrScheduler::restart`]); after
/// that `second`'s recursive form continues from there.
///
/// ```
/// use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
/// use tapeless_runtime::sched::{ExponentialLr, LinearLr, LrScheduler, SequentialLr};
/// let mut opt = Sgd::<f64>::new(1.0);
/// let warmup = LinearLr::new(&mut opt, 0.5, 1.0, 2);
/// let decay = ExponentialLr::new(&mut opt, 0.5);
/// let mut sched = SequentialLr::new(&mut opt, warmup, decay, 2);
/// let lrs: Vec<f64> = (0..5).map(|_| { let lr = opt.lr(); sched.step(&mut opt); lr }).collect();
/// assert_eq!(lrs, [0.5, 0.75, 1.0, 0.5, 0.25]);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SequentialLr<T, A, B> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    base_lr: T,
    first: A,
    second: B,
    milestone: usize,
    last_epoch: usize,
}

named!("SequentialLr", impl<T, A, B> crate::saved_state::Named for SequentialLr<T, A, B>);

impl<T: Real, A: LrScheduler<T>, B: LrScheduler<T>> SequentialLr<T, A, B> {
    /// `first` for epochs `0..milestone`, `second` from `milestone` on. Both
    /// must have been created on `opt`.
    pub fn new<P: Params<Scalar = T>>(
        opt: &mut (impl LearningRate<P> + ?Sized),
        first: A,
        second: B,
        milestone: usize,
    ) -> Self {
        let base_lr = base_lr(opt);
        let mut scheduler = Self {
            kind: Kind::NEW,
            base_lr,
            first,
            second,
            milestone,
            last_epoch: 0,
        };
        scheduler.restart(opt);
        scheduler
    }
}

impl<T: Real, A: LrScheduler<T>, B: LrScheduler<T>> LrScheduler<T> for SequentialLr<T, A, B> {
    fn step<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch += 1;
        if self.last_epoch < self.milestone {
            self.first.step(opt);
        } else if self.last_epoch == self.milestone {
            self.second.restart(opt);
        } else {
            self.second.step(opt);
        }
    }

    fn restart<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch = 0;
        opt.set_lr(self.base_lr);
        self.first.restart(opt);
    }

    fn last_epoch(&self) -> usize {
        self.last_epoch
    }
}

/// Steps `first` then `second` on each step, each multiplying the current
/// learning rate: `torch.optim.lr_scheduler.ChainedScheduler` with two
/// schedulers (nest for more).
///
/// # Reference
///
/// `step()` is `first.step(); second.step()`; nothing happens at
/// construction.
///
/// ```
/// use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
/// use tapeless_runtime::sched::{ChainedScheduler, ExponentialLr, LrScheduler, StepLr};
/// let mut opt = Sgd::<f64>::new(1.0);
/// let exponential = ExponentialLr::new(&mut opt, 0.5);
/// let step = StepLr::new(&mut opt, 2, 0.5);
/// let mut sched = ChainedScheduler::new(exponential, step);
/// sched.step(&mut opt);
/// assert_eq!(opt.lr(), 0.5);
/// sched.step(&mut opt);
/// assert_eq!(opt.lr(), 0.125);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChainedScheduler<A, B> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    first: A,
    second: B,
    last_epoch: usize,
}

named!("ChainedScheduler", impl<A, B> crate::saved_state::Named for ChainedScheduler<A, B>);

impl<A, B> ChainedScheduler<A, B> {
    /// Chains two schedulers of the same optimizer.
    pub fn new(first: A, second: B) -> Self {
        Self {
            kind: Kind::NEW,
            first,
            second,
            last_epoch: 0,
        }
    }
}

impl<T: Real, A: LrScheduler<T>, B: LrScheduler<T>> LrScheduler<T> for ChainedScheduler<A, B> {
    fn step<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch += 1;
        self.first.step(opt);
        self.second.step(opt);
    }

    /// Restarts both schedulers, in order.
    fn restart<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch = 0;
        self.first.restart(opt);
        self.second.restart(opt);
    }

    fn last_epoch(&self) -> usize {
        self.last_epoch
    }
}
