//! `ReduceLROnPlateau`.

use crate::optim::LearningRate;
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// Whether [`ReduceLrOnPlateau`] waits for the metric to decrease or to
/// increase (torch's `mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum PlateauMode {
    /// `"min"` (torch's default): a lower metric is better.
    Min,
    /// `"max"`: a higher metric is better.
    Max,
}

/// How [`ReduceLrOnPlateau`] applies its threshold (torch's
/// `threshold_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ThresholdMode {
    /// `"rel"` (torch's default): better than `best·(1 ∓ threshold)`.
    Rel,
    /// `"abs"`: better than `best ∓ threshold`.
    Abs,
}

/// Reduces the learning rate when a metric stops improving:
/// `torch.optim.lr_scheduler.ReduceLROnPlateau`.
///
/// Not an [`LrScheduler`](super::LrScheduler): [`step`](ReduceLrOnPlateau::step)
/// takes the metric. Defaults ([`ReduceLrOnPlateau::new`]): mode min,
/// `factor = 0.1`, `patience = 10`, `threshold = 1e-4`, relative threshold,
/// `cooldown = 0`, `min_lr = 0`, `eps = 1e-8`.
///
/// # Reference
///
/// On each step: the metric is better if `m < best·(1 − threshold)` (min,
/// rel; `best − threshold` for abs; mirrored for max); then
/// `num_bad_epochs` is reset or incremented; during cooldown it is kept at
/// 0; when it exceeds `patience`, `lr ← max(lr·factor, min_lr)` (only if the
/// decrease exceeds `eps`), the cooldown starts and `num_bad_epochs` resets.
///
/// ```
/// use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
/// use tapeless_runtime::sched::ReduceLrOnPlateau;
/// let mut opt = Sgd::<f64>::new(1.0);
/// let mut sched = ReduceLrOnPlateau::new().patience(1).factor(0.5);
/// for metric in [3.0, 2.0, 2.0, 2.0] {
///     sched.step(&mut opt, metric);
/// }
/// assert_eq!(opt.lr(), 0.5);
/// assert_eq!(sched.best(), 2.0);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(bound(
        serialize = "T: Real + serde::Serialize",
        deserialize = "T: Real + serde::Deserialize<'de>"
    ))
)]
pub struct ReduceLrOnPlateau<T> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    mode: PlateauMode,
    factor: T,
    patience: usize,
    threshold: T,
    threshold_mode: ThresholdMode,
    cooldown: usize,
    min_lr: T,
    eps: T,
    #[cfg_attr(feature = "serde", serde(with = "crate::saved_state::float"))]
    best: T,
    num_bad_epochs: usize,
    cooldown_counter: usize,
    last_epoch: usize,
}

named!("ReduceLrOnPlateau", impl<T> crate::saved_state::Named for ReduceLrOnPlateau<T>);

impl<T: Real> Default for ReduceLrOnPlateau<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real> ReduceLrOnPlateau<T> {
    /// torch's defaults. Unlike the other schedulers it does not read or
    /// change the optimizer before the first step.
    pub fn new() -> Self {
        Self {
            kind: Kind::NEW,
            mode: PlateauMode::Min,
            factor: T::from_f64_lossy(0.1),
            patience: 10,
            threshold: T::from_f64_lossy(1e-4),
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: T::ZERO,
            eps: T::from_f64_lossy(1e-8),
            best: T::INFINITY,
            num_bad_epochs: 0,
            cooldown_counter: 0,
            last_epoch: 0,
        }
    }

    /// Sets `mode` (torch's `"min"`/`"max"`), and resets the best value.
    #[must_use]
    pub fn mode(mut self, mode: PlateauMode) -> Self {
        self.mode = mode;
        self.best = match mode {
            PlateauMode::Min => T::INFINITY,
            PlateauMode::Max => -T::INFINITY,
        };
        self
    }

    /// Sets `factor`, the multiplier of the learning rate.
    ///
    /// # Panics
    /// If `factor >= 1`, as torch ("Factor should be < 1.0").
    #[must_use]
    #[track_caller]
    pub fn factor(mut self, factor: T) -> Self {
        assert!(factor < T::ONE, "Factor should be < 1.0.");
        self.factor = factor;
        self
    }

    /// Sets `patience`: the number of bad epochs tolerated.
    #[must_use]
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }

    /// Sets `threshold`.
    #[must_use]
    pub fn threshold(mut self, threshold: T) -> Self {
        self.threshold = threshold;
        self
    }

    /// Sets `threshold_mode`.
    #[must_use]
    pub fn threshold_mode(mut self, threshold_mode: ThresholdMode) -> Self {
        self.threshold_mode = threshold_mode;
        self
    }

    /// Sets `cooldown`: epochs to wait after a reduction.
    #[must_use]
    pub fn cooldown(mut self, cooldown: usize) -> Self {
        self.cooldown = cooldown;
        self
    }

    /// Sets `min_lr`, the lower bound of the learning rate.
    #[must_use]
    pub fn min_lr(mut self, min_lr: T) -> Self {
        self.min_lr = min_lr;
        self
    }

    /// Sets `eps`, the smallest decrease applied.
    #[must_use]
    pub fn eps(mut self, eps: T) -> Self {
        self.eps = eps;
        self
    }

    /// The best metric seen so far.
    pub fn best(&self) -> T {
        self.best
    }

    /// Consecutive epochs without improvement (torch's `num_bad_epochs`).
    pub fn num_bad_epochs(&self) -> usize {
        self.num_bad_epochs
    }

    /// Steps taken (torch's `last_epoch`).
    pub fn last_epoch(&self) -> usize {
        self.last_epoch
    }

    fn is_better(&self, metric: T) -> bool {
        let (best, threshold) = (self.best, self.threshold);
        match (self.mode, self.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => metric < best * (T::ONE - threshold),
            (PlateauMode::Min, ThresholdMode::Abs) => metric < best - threshold,
            (PlateauMode::Max, ThresholdMode::Rel) => metric > best * (threshold + T::ONE),
            (PlateauMode::Max, ThresholdMode::Abs) => metric > best + threshold,
        }
    }

    /// Records `metric` for the epoch just finished and reduces the
    /// optimizer's learning rate if it has not improved for more than
    /// `patience` epochs.
    pub fn step<P: Params<Scalar = T>>(
        &mut self,
        opt: &mut (impl LearningRate<P> + ?Sized),
        metric: T,
    ) {
        self.last_epoch += 1;
        if self.is_better(metric) {
            self.best = metric;
            self.num_bad_epochs = 0;
        } else {
            self.num_bad_epochs += 1;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.num_bad_epochs = 0;
        }
        if self.num_bad_epochs > self.patience {
            let old_lr = opt.lr();
            let new_lr = T::max(old_lr * self.factor, self.min_lr);
            if old_lr - new_lr > self.eps {
                opt.set_lr(new_lr);
            }
            self.cooldown_counter = self.cooldown;
            self.num_bad_epochs = 0;
        }
    }
}
