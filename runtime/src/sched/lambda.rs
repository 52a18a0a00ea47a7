//! `LambdaLR`.

use super::{LrScheduler, base_lr};
use crate::optim::LearningRate;
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// The learning rate `base_lr·λ(epoch)` for a user function λ:
/// `torch.optim.lr_scheduler.LambdaLR`.
///
/// λ is any `Fn(usize) -> T`: a closure, or a plain `fn` pointer (which
/// keeps the scheduler's type nameable without generics, e.g. in a
/// `static`).
///
/// With the `serde` feature it serializes its epoch and base learning rate
/// but not λ (torch saves a `LambdaLR`'s functions only when they are
/// callable objects); `LambdaLr::deserialize_with` loads a checkpoint
/// beside the λ given again.
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
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(bound(serialize = "T: serde::Serialize"))
)]
pub struct LambdaLr<T, F> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    base_lr: T,
    #[cfg_attr(feature = "serde", serde(skip))]
    lr_lambda: F,
    last_epoch: usize,
}

named!("LambdaLr", impl<T, F> crate::saved_state::Named for LambdaLr<T, F>);

/// What a [`LambdaLr`] saves: everything but λ.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct LambdaLrState<T> {
    #[expect(dead_code, reason = "checked while deserializing")]
    kind: Kind<LambdaLr<T, ()>>,
    base_lr: T,
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
            kind: Kind::NEW,
            base_lr,
            lr_lambda,
            last_epoch: 0,
        }
    }

    /// Loads a scheduler saved with serde, with the λ it was created with
    /// (λ itself is not saved). The optimizer's learning rate is part of
    /// the optimizer's checkpoint, as in torch.
    ///
    /// # Errors
    /// The deserializer's error if the data is not a saved `LambdaLr`.
    ///
    /// ```
    /// use tapeless_runtime::optim::{LearningRate, Sgd};
    /// use tapeless_runtime::sched::{LambdaLr, LrScheduler};
    /// fn halve(epoch: usize) -> f64 { 0.5_f64.powi(epoch as i32) }
    /// let mut opt = Sgd::<f64>::new(1.0);
    /// let mut sched = LambdaLr::new(&mut opt, halve as fn(usize) -> f64);
    /// sched.step(&mut opt);
    /// let saved = serde_json::to_string(&sched).unwrap();
    /// let mut loaded = LambdaLr::deserialize_with(
    ///     &mut serde_json::Deserializer::from_str(&saved),
    ///     halve as fn(usize) -> f64,
    /// )
    /// .unwrap();
    /// assert_eq!(loaded.last_epoch(), 1);
    /// loaded.step(&mut opt);
    /// assert_eq!(opt.lr(), 0.25);
    /// ```
    #[cfg(feature = "serde")]
    pub fn deserialize_with<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
        lr_lambda: F,
    ) -> Result<Self, D::Error>
    where
        T: serde::Deserialize<'de>,
    {
        let state: LambdaLrState<T> = serde::Deserialize::deserialize(deserializer)?;
        Ok(Self {
            kind: Kind::NEW,
            base_lr: state.base_lr,
            lr_lambda,
            last_epoch: state.last_epoch,
        })
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
