//! `ExponentialLR`.

use super::{LrScheduler, base_lr};
use crate::optim::LearningRate;
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// Decays the learning rate by `gamma` every epoch:
/// `torch.optim.lr_scheduler.ExponentialLR`.
///
/// # Reference
///
/// Recursive form `lr ← lr·γ` (closed form `base_lr·γ^epoch`).
///
/// ```
/// use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
/// use tapeless_runtime::sched::{ExponentialLr, LrScheduler};
/// let mut opt = Sgd::<f64>::new(1.0);
/// let mut sched = ExponentialLr::new(&mut opt, 0.5);
/// sched.step(&mut opt);
/// sched.step(&mut opt);
/// assert_eq!(opt.lr(), 0.25);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ExponentialLr<T> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    base_lr: T,
    gamma: T,
    last_epoch: usize,
}

named!("ExponentialLr", impl<T> crate::saved_state::Named for ExponentialLr<T>);

impl<T: Real> ExponentialLr<T> {
    /// Decay by `gamma` every epoch.
    pub fn new<P: Params<Scalar = T>>(opt: &mut (impl LearningRate<P> + ?Sized), gamma: T) -> Self {
        let base_lr = base_lr(opt);
        Self {
            kind: Kind::NEW,
            base_lr,
            gamma,
            last_epoch: 0,
        }
    }
}

impl<T: Real> LrScheduler<T> for ExponentialLr<T> {
    fn step<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch += 1;
        opt.set_lr(opt.lr() * self.gamma);
    }

    fn restart<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch = 0;
        opt.set_lr(self.base_lr);
    }

    fn last_epoch(&self) -> usize {
        self.last_epoch
    }
}
