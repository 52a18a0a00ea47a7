//! `StepLR` and `MultiStepLR`.

use super::{LrScheduler, base_lr, epoch};
use crate::optim::LearningRate;
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// Decays the learning rate by `gamma` every `step_size` epochs:
/// `torch.optim.lr_scheduler.StepLR`.
///
/// # Reference
///
/// Recursive form (what torch evaluates): `lr ← lr·γ` when
/// `epoch % step_size == 0`; closed form `base_lr·γ^⌊epoch/step_size⌋`.
///
/// ```
/// use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
/// use tapeless_runtime::sched::{LrScheduler, StepLr};
/// let mut opt = Sgd::<f64>::new(1.0);
/// let mut sched = StepLr::new(&mut opt, 3, 0.5);
/// let lrs: Vec<f64> = (0..7).map(|_| { let lr = opt.lr(); sched.step(&mut opt); lr }).collect();
/// assert_eq!(lrs, [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StepLr<T> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    base_lr: T,
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::saved_state::check::positive")
    )]
    step_size: usize,
    gamma: T,
    last_epoch: usize,
}

named!("StepLr", impl<T> crate::saved_state::Named for StepLr<T>);

impl<T: Real> StepLr<T> {
    /// Decay by `gamma` (torch's default 0.1) every `step_size` epochs.
    ///
    /// # Panics
    /// If `step_size == 0`.
    #[track_caller]
    pub fn new<P: Params<Scalar = T>>(
        opt: &mut (impl LearningRate<P> + ?Sized),
        step_size: usize,
        gamma: T,
    ) -> Self {
        assert!(step_size > 0, "invalid step_size: 0 (must be >= 1)");
        let base_lr = base_lr(opt);
        Self {
            kind: Kind::NEW,
            base_lr,
            step_size,
            gamma,
            last_epoch: 0,
        }
    }
}

impl<T: Real> LrScheduler<T> for StepLr<T> {
    fn step<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch += 1;
        if self.last_epoch.is_multiple_of(self.step_size) {
            opt.set_lr(opt.lr() * self.gamma);
        }
    }

    fn restart<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch = 0;
        opt.set_lr(self.base_lr);
    }

    fn last_epoch(&self) -> usize {
        self.last_epoch
    }
}

/// Decays the learning rate by `gamma` at each milestone epoch:
/// `torch.optim.lr_scheduler.MultiStepLR`, with the `N` milestones in an
/// array.
///
/// # Reference
///
/// `lr ← lr·γ^c` where `c` counts the milestones equal to the epoch (a
/// repeated milestone decays several times).
///
/// ```
/// use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
/// use tapeless_runtime::sched::{LrScheduler, MultiStepLr};
/// let mut opt = Sgd::<f64>::new(1.0);
/// let mut sched = MultiStepLr::new(&mut opt, [1, 3], 0.5);
/// let lrs: Vec<f64> = (0..5).map(|_| { let lr = opt.lr(); sched.step(&mut opt); lr }).collect();
/// assert_eq!(lrs, [1.0, 0.5, 0.5, 0.25, 0.25]);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MultiStepLr<T, const N: usize> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    base_lr: T,
    #[cfg_attr(feature = "serde", serde(with = "crate::saved_state::array"))]
    milestones: [usize; N],
    gamma: T,
    last_epoch: usize,
}

named!("MultiStepLr", impl<T, const N: usize> crate::saved_state::Named for MultiStepLr<T, N>);

impl<T: Real, const N: usize> MultiStepLr<T, N> {
    /// Decay by `gamma` (torch's default 0.1) at each of the `milestones`.
    pub fn new<P: Params<Scalar = T>>(
        opt: &mut (impl LearningRate<P> + ?Sized),
        milestones: [usize; N],
        gamma: T,
    ) -> Self {
        let base_lr = base_lr(opt);
        Self {
            kind: Kind::NEW,
            base_lr,
            milestones,
            gamma,
            last_epoch: 0,
        }
    }
}

impl<T: Real, const N: usize> LrScheduler<T> for MultiStepLr<T, N> {
    fn step<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch += 1;
        let count = self
            .milestones
            .iter()
            .filter(|&&m| m == self.last_epoch)
            .count();
        if count > 0 {
            opt.set_lr(opt.lr() * T::powf(self.gamma, epoch(count)));
        }
    }

    fn restart<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch = 0;
        let passed = self.milestones.iter().filter(|&&m| m == 0).count();
        opt.set_lr(self.base_lr * T::powf(self.gamma, epoch(passed)));
    }

    fn last_epoch(&self) -> usize {
        self.last_epoch
    }
}
