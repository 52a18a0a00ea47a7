//! `LinearLR`, `ConstantLR` and `PolynomialLR`.

use super::{LrScheduler, base_lr, epoch};
use crate::optim::LearningRate;
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// Scales the learning rate linearly from `start_factor` to `end_factor`
/// over `total_iters` epochs: `torch.optim.lr_scheduler.LinearLR`.
///
/// # Reference
///
/// Epoch 0: `lr = base_lr·start`; for `1 ≤ e ≤ total_iters` torch's
/// recursive form `lr ← lr·(1 + (end − start)/(total_iters·start + (e − 1)(end − start)))`;
/// constant afterwards.
///
/// ```
/// use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
/// use tapeless_runtime::sched::{LinearLr, LrScheduler};
/// let mut opt = Sgd::<f64>::new(1.0);
/// let mut sched = LinearLr::new(&mut opt, 0.5, 1.0, 2);
/// assert_eq!(opt.lr(), 0.5);
/// sched.step(&mut opt);
/// assert_eq!(opt.lr(), 0.75);
/// sched.step(&mut opt);
/// sched.step(&mut opt);
/// assert!((opt.lr() - 1.0).abs() < 1e-15);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LinearLr<T> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    base_lr: T,
    start_factor: T,
    end_factor: T,
    total_iters: usize,
    last_epoch: usize,
}

named!("LinearLr", impl<T> crate::saved_state::Named for LinearLr<T>);

impl<T: Real> LinearLr<T> {
    /// torch's `LinearLR(start_factor, end_factor, total_iters)` (torch's
    /// defaults: `1/3`, `1.0`, `5`). Sets the learning rate of epoch 0.
    ///
    /// # Panics
    /// If `start_factor` is not in `(0, 1]` or `end_factor` not in `[0, 1]`,
    /// as torch.
    #[track_caller]
    pub fn new<P: Params<Scalar = T>>(
        opt: &mut (impl LearningRate<P> + ?Sized),
        start_factor: T,
        end_factor: T,
        total_iters: usize,
    ) -> Self {
        assert!(
            start_factor > T::ZERO && start_factor <= T::ONE,
            "starting multiplicative factor expected to be greater than 0 and less or equal to 1"
        );
        assert!(
            end_factor >= T::ZERO && end_factor <= T::ONE,
            "ending multiplicative factor expected to be between 0 and 1"
        );
        let base_lr = base_lr(opt);
        let mut scheduler = Self {
            kind: Kind::NEW,
            base_lr,
            start_factor,
            end_factor,
            total_iters,
            last_epoch: 0,
        };
        scheduler.restart(opt);
        scheduler
    }
}

impl<T: Real> LrScheduler<T> for LinearLr<T> {
    fn step<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch += 1;
        let e = self.last_epoch;
        if e <= self.total_iters {
            let (start, end) = (self.start_factor, self.end_factor);
            let factor = T::ONE
                + (end - start)
                    / (epoch::<T>(self.total_iters) * start + epoch::<T>(e - 1) * (end - start));
            opt.set_lr(opt.lr() * factor);
        }
    }

    fn restart<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch = 0;
        opt.set_lr(self.base_lr * self.start_factor);
    }

    fn last_epoch(&self) -> usize {
        self.last_epoch
    }
}

/// Multiplies the learning rate by `factor` until epoch `total_iters`:
/// `torch.optim.lr_scheduler.ConstantLR`.
///
/// # Reference
///
/// Epoch 0: `lr = base_lr·factor`; at epoch `total_iters`:
/// `lr ← lr·(1/factor)`.
///
/// ```
/// use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
/// use tapeless_runtime::sched::{ConstantLr, LrScheduler};
/// let mut opt = Sgd::<f64>::new(1.0);
/// let mut sched = ConstantLr::new(&mut opt, 0.5, 2);
/// assert_eq!(opt.lr(), 0.5);
/// sched.step(&mut opt);
/// assert_eq!(opt.lr(), 0.5);
/// sched.step(&mut opt);
/// assert_eq!(opt.lr(), 1.0);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ConstantLr<T> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    base_lr: T,
    factor: T,
    total_iters: usize,
    last_epoch: usize,
}

named!("ConstantLr", impl<T> crate::saved_state::Named for ConstantLr<T>);

impl<T: Real> ConstantLr<T> {
    /// torch's `ConstantLR(factor, total_iters)` (torch's defaults: `1/3`,
    /// `5`). Sets the learning rate of epoch 0.
    ///
    /// # Panics
    /// If `factor` is not in `[0, 1]`, as torch.
    #[track_caller]
    pub fn new<P: Params<Scalar = T>>(
        opt: &mut (impl LearningRate<P> + ?Sized),
        factor: T,
        total_iters: usize,
    ) -> Self {
        assert!(
            factor >= T::ZERO && factor <= T::ONE,
            "constant factor expected to be between 0 and 1"
        );
        let base_lr = base_lr(opt);
        let mut scheduler = Self {
            kind: Kind::NEW,
            base_lr,
            factor,
            total_iters,
            last_epoch: 0,
        };
        scheduler.restart(opt);
        scheduler
    }
}

impl<T: Real> LrScheduler<T> for ConstantLr<T> {
    fn step<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch += 1;
        if self.last_epoch == self.total_iters {
            opt.set_lr(opt.lr() * (T::ONE / self.factor));
        }
    }

    fn restart<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch = 0;
        let factor = if self.total_iters == 0 {
            T::ONE
        } else {
            self.factor
        };
        opt.set_lr(self.base_lr * factor);
    }

    fn last_epoch(&self) -> usize {
        self.last_epoch
    }
}

/// Polynomial decay to 0 over `total_iters` epochs:
/// `torch.optim.lr_scheduler.PolynomialLR`.
///
/// # Reference
///
/// For `1 ≤ e ≤ total_iters`, torch's recursive form
/// `lr ← lr·((1 − e/T)/(1 − (e − 1)/T))^power`; 0 from epoch `T` on.
///
/// ```
/// use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
/// use tapeless_runtime::sched::{LrScheduler, PolynomialLr};
/// let mut opt = Sgd::<f64>::new(1.0);
/// let mut sched = PolynomialLr::new(&mut opt, 2, 2.0);
/// sched.step(&mut opt);
/// assert_eq!(opt.lr(), 0.25);
/// sched.step(&mut opt);
/// assert_eq!(opt.lr(), 0.0);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PolynomialLr<T> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    base_lr: T,
    total_iters: usize,
    power: T,
    last_epoch: usize,
}

named!("PolynomialLr", impl<T> crate::saved_state::Named for PolynomialLr<T>);

impl<T: Real> PolynomialLr<T> {
    /// torch's `PolynomialLR(total_iters, power)` (torch's defaults: `5`,
    /// `1.0`).
    ///
    /// # Panics
    /// If `total_iters == 0`.
    #[track_caller]
    pub fn new<P: Params<Scalar = T>>(
        opt: &mut (impl LearningRate<P> + ?Sized),
        total_iters: usize,
        power: T,
    ) -> Self {
        assert!(total_iters > 0, "invalid total_iters: 0 (must be >= 1)");
        let base_lr = base_lr(opt);
        Self {
            kind: Kind::NEW,
            base_lr,
            total_iters,
            power,
            last_epoch: 0,
        }
    }
}

impl<T: Real> LrScheduler<T> for PolynomialLr<T> {
    fn step<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch += 1;
        let e = self.last_epoch;
        if e <= self.total_iters {
            let total: T = epoch(self.total_iters);
            let ratio = (T::ONE - epoch::<T>(e) / total) / (T::ONE - epoch::<T>(e - 1) / total);
            opt.set_lr(opt.lr() * T::powf(ratio, self.power));
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
