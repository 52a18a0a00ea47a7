//! `LambdaLR`.

use super::{LrScheduler, base_lr};
use crate::optim::LearningRate;
use crate::{Params, Real};

/// The learning rate `base_lr·λ(epoch)` for a user function λ:
/// `torch.optim.lr_scheduler.LambdaLR`.
///
/// λ is any `Fn(usize) -> T`: a closure, or a plain `fn` pointer (which
/// keeps the scheduler's type nameable without generics, e.g. in a
/// `static`).
///
/// # Reference
///
/// Closed form `lr = base_lr·λ(epoch)`, also at epoch 0 (construction).
///
/// ```
/// use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
/// use tapeless_runtime::sched::{LambdaLr, LrScheduler};
/// fn warmup(epoch: usize) -> f64 { ((epoch + 1) as f64 / 4.0).min(1.0) }
/// let mut opt = Sgd::<f64>::new(0.2);
/// let mut sched = LambdaLr::new(&mut opt, warmup as fn(usize) -> f64);
/// assert_eq!(opt.lr(), 0.05);
/// sched.step(&mut opt);
/// assert_eq!(opt.lr(), 0.1);
/// ```
#[derive(Clone, Debug)]
pub struct LambdaLr<T, F> {
    base_lr: T,
    lr_lambda: F,
    last_epoch: usize,
}

impl<T: Real, F: Fn(usize) -> T> LambdaLr<T, F> {
    /// Scales the base learning rate by `lr_lambda(epoch)`; sets the
    /// learning rate of epoch 0.
    pub fn new<P: Params<Scalar = T>>(
        opt: &mut (impl LearningRate<P> + ?Sized),
        lr_lambda: F,
    ) -> Self {
        let base_lr = base_lr(opt);
        opt.set_lr(base_lr * lr_lambda(0));
        Self {
            base_lr,
            lr_lambda,
            last_epoch: 0,
        }
    }
}

impl<T: Real, F: Fn(usize) -> T> LrScheduler<T> for LambdaLr<T, F> {
    fn step<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch += 1;
        opt.set_lr(self.base_lr * (self.lr_lambda)(self.last_epoch));
    }

    fn restart<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch = 0;
        opt.set_lr(self.base_lr * (self.lr_lambda)(0));
    }

    fn last_epoch(&self) -> usize {
        self.last_epoch
    }
}
