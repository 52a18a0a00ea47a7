//! `CosineAnnealingLR` and `CosineAnnealingWarmRestarts`.

use super::{LrScheduler, base_lr, epoch, pi};
use crate::optim::LearningRate;
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// Cosine annealing from the base learning rate to `eta_min` over `t_max`
/// epochs: `torch.optim.lr_scheduler.CosineAnnealingLR`.
///
/// # Reference
///
/// torch's recursive form, for epoch `e ≥ 1`, `T = t_max`, `η = eta_min`:
///
/// ```text
/// lr ← lr + (base_lr − η)(1 − cos(π/T))/2                 if (e − 1 − T) mod 2T = 0
/// lr ← (1 + cos(πe/T)) / (1 + cos(π(e − 1)/T))·(lr − η) + η   otherwise
/// ```
///
/// Past `t_max` the learning rate does not stay at `eta_min`: it climbs back
/// (the schedule has period `2T`), exactly as torch's.
///
/// ```
/// use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
/// use tapeless_runtime::sched::{CosineAnnealingLr, LrScheduler};
/// let mut opt = Sgd::<f64>::new(1.0);
/// let mut sched = CosineAnnealingLr::new(&mut opt, 2, 0.0);
/// sched.step(&mut opt);
/// assert!((opt.lr() - 0.5).abs() < 1e-15);
/// sched.step(&mut opt);
/// assert!(opt.lr().abs() < 1e-15);
/// sched.step(&mut opt); // climbs back
/// assert!((opt.lr() - 0.5).abs() < 1e-15);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CosineAnnealingLr<T> {
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
    t_max: usize,
    eta_min: T,
    last_epoch: usize,
}

named!("CosineAnnealingLr", impl<T> crate::saved_state::Named for CosineAnnealingLr<T>);

impl<T: Real> CosineAnnealingLr<T> {
    /// Anneals over `t_max` epochs (torch's `T_max`) down to `eta_min`
    /// (torch's default 0).
    ///
    /// # Panics
    /// If `t_max == 0`.
    #[track_caller]
    pub fn new<P: Params<Scalar = T>>(
        opt: &mut (impl LearningRate<P> + ?Sized),
        t_max: usize,
        eta_min: T,
    ) -> Self {
        assert!(t_max > 0, "invalid T_max: 0 (must be >= 1)");
        let base_lr = base_lr(opt);
        Self {
            kind: Kind::NEW,
            base_lr,
            t_max,
            eta_min,
            last_epoch: 0,
        }
    }
}

impl<T: Real> LrScheduler<T> for CosineAnnealingLr<T> {
    fn step<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch += 1;
        let (e, t_max, eta_min) = (self.last_epoch, self.t_max, self.eta_min);
        let lr = opt.lr();
        let period = 2 * t_max;
        // Python's (e - 1 - T) % (2T), non-negative.
        let phase = (e + t_max - 1) % period;
        let t_max_f: T = epoch(t_max);
        let new_lr = if phase == 0 {
            lr + (self.base_lr - eta_min) * (T::ONE - T::cos(pi::<T>() / t_max_f)) / T::TWO
        } else {
            (T::ONE + T::cos(pi::<T>() * epoch(e) / t_max_f))
                / (T::ONE + T::cos(pi::<T>() * epoch(e - 1) / t_max_f))
                * (lr - eta_min)
                + eta_min
        };
        opt.set_lr(new_lr);
    }

    fn restart<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch = 0;
        // The closed form at epoch 0: η + (base − η)(1 + cos 0)/2.
        let eta_min = self.eta_min;
        opt.set_lr(eta_min + (self.base_lr - eta_min) * (T::ONE + T::cos(T::ZERO)) / T::TWO);
    }

    fn last_epoch(&self) -> usize {
        self.last_epoch
    }
}

/// Cosine annealing with warm restarts after `t_0`, `t_0·t_mult`,
/// `t_0·t_mult²`, ... epochs: `torch.optim.lr_scheduler.CosineAnnealingWarmRestarts`.
///
/// # Reference
///
/// `T_cur ← T_cur + 1`; if `T_cur ≥ T_i`: `T_cur ← T_cur − T_i`,
/// `T_i ← T_i·t_mult`; then the closed form
/// `lr = η + (base_lr − η)(1 + cos(π·T_cur/T_i))/2`.
///
/// ```
/// use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
/// use tapeless_runtime::sched::{CosineAnnealingWarmRestarts, LrScheduler};
/// let mut opt = Sgd::<f64>::new(1.0);
/// let mut sched = CosineAnnealingWarmRestarts::new(&mut opt, 2, 1, 0.0);
/// sched.step(&mut opt);
/// assert!((opt.lr() - 0.5).abs() < 1e-15);
/// sched.step(&mut opt); // restart
/// assert_eq!(opt.lr(), 1.0);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CosineAnnealingWarmRestarts<T> {
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
    t_0: usize,
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::saved_state::check::positive")
    )]
    t_mult: usize,
    eta_min: T,
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::saved_state::check::positive")
    )]
    t_i: usize,
    t_cur: usize,
    last_epoch: usize,
}

named!("CosineAnnealingWarmRestarts", impl<T> crate::saved_state::Named for CosineAnnealingWarmRestarts<T>);

impl<T: Real> CosineAnnealingWarmRestarts<T> {
    /// First restart after `t_0` epochs (torch's `T_0`), each period
    /// `t_mult` times the previous (torch's `T_mult`, default 1), down to
    /// `eta_min` (default 0). Sets the learning rate of epoch 0.
    ///
    /// # Panics
    /// If `t_0 == 0` or `t_mult == 0`, as torch.
    #[track_caller]
    pub fn new<P: Params<Scalar = T>>(
        opt: &mut (impl LearningRate<P> + ?Sized),
        t_0: usize,
        t_mult: usize,
        eta_min: T,
    ) -> Self {
        assert!(t_0 > 0, "expected positive integer T_0, but got 0");
        assert!(t_mult > 0, "expected integer T_mult >= 1, but got 0");
        let base_lr = base_lr(opt);
        let mut scheduler = Self {
            kind: Kind::NEW,
            base_lr,
            t_0,
            t_mult,
            eta_min,
            t_i: t_0,
            t_cur: 0,
            last_epoch: 0,
        };
        scheduler.restart(opt);
        scheduler
    }

    fn apply<P: Params<Scalar = T>>(&self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        let eta_min = self.eta_min;
        let angle = pi::<T>() * epoch(self.t_cur) / epoch(self.t_i);
        opt.set_lr(eta_min + (self.base_lr - eta_min) * (T::ONE + T::cos(angle)) / T::TWO);
    }
}

impl<T: Real> LrScheduler<T> for CosineAnnealingWarmRestarts<T> {
    fn step<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch += 1;
        self.t_cur += 1;
        if self.t_cur >= self.t_i {
            self.t_cur -= self.t_i;
            self.t_i *= self.t_mult;
        }
        self.apply(opt);
    }

    fn restart<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch = 0;
        self.t_i = self.t_0;
        self.t_cur = 0;
        self.apply(opt);
    }

    fn last_epoch(&self) -> usize {
        self.last_epoch
    }
}
