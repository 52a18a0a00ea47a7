//! `CyclicLR`.

use super::{LrScheduler, base_lr, epoch};
use crate::optim::LearningRate;
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// The amplitude policy of [`CyclicLr`] (torch's `mode`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CyclicMode<T> {
    /// `"triangular"` (torch's default): constant amplitude.
    Triangular,
    /// `"triangular2"`: the amplitude halves every cycle.
    Triangular2,
    /// `"exp_range"`: the amplitude is scaled by `gamma^iteration`.
    ExpRange {
        /// torch's `gamma`.
        gamma: T,
    },
}

/// The arguments of [`CyclicLr`], with torch's defaults from
/// [`CyclicLrConfig::new`] and builder methods named after torch's keyword
/// arguments.
///
/// ```
/// use tapeless_runtime::sched::CyclicLrConfig;
/// let config = CyclicLrConfig::new(0.01_f64, 0.1).step_size_up(5);
/// assert_eq!(config.step_size_down, None);
/// assert_eq!(config.max_momentum, 0.9);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CyclicLrConfig<T> {
    /// Lower learning-rate boundary (torch's `base_lr`).
    pub base_lr: T,
    /// Upper learning-rate boundary (torch's `max_lr`).
    pub max_lr: T,
    /// Steps in the increasing half of a cycle (default 2000).
    pub step_size_up: usize,
    /// Steps in the decreasing half (default: `step_size_up`).
    pub step_size_down: Option<usize>,
    /// Amplitude policy (default [`CyclicMode::Triangular`]).
    pub mode: CyclicMode<T>,
    /// Whether momentum is cycled inversely to the learning rate (default true).
    pub cycle_momentum: bool,
    /// Lower momentum boundary (default 0.8).
    pub base_momentum: T,
    /// Upper momentum boundary (default 0.9).
    pub max_momentum: T,
}

impl<T: Real> CyclicLrConfig<T> {
    /// torch's defaults for a cycle between `base_lr` and `max_lr`.
    pub fn new(base_lr: T, max_lr: T) -> Self {
        Self {
            base_lr,
            max_lr,
            step_size_up: 2000,
            step_size_down: None,
            mode: CyclicMode::Triangular,
            cycle_momentum: true,
            base_momentum: T::from_f64_lossy(0.8),
            max_momentum: T::from_f64_lossy(0.9),
        }
    }

    /// Sets `step_size_up`.
    #[must_use]
    pub fn step_size_up(mut self, step_size_up: usize) -> Self {
        self.step_size_up = step_size_up;
        self
    }

    /// Sets `step_size_down`.
    #[must_use]
    pub fn step_size_down(mut self, step_size_down: Option<usize>) -> Self {
        self.step_size_down = step_size_down;
        self
    }

    /// Sets `mode` (and `gamma`, for [`CyclicMode::ExpRange`]).
    #[must_use]
    pub fn mode(mut self, mode: CyclicMode<T>) -> Self {
        self.mode = mode;
        self
    }

    /// Sets `cycle_momentum`.
    #[must_use]
    pub fn cycle_momentum(mut self, cycle_momentum: bool) -> Self {
        self.cycle_momentum = cycle_momentum;
        self
    }

    /// Sets `base_momentum`.
    #[must_use]
    pub fn base_momentum(mut self, base_momentum: T) -> Self {
        self.base_momentum = base_momentum;
        self
    }

    /// Sets `max_momentum`.
    #[must_use]
    pub fn max_momentum(mut self, max_momentum: T) -> Self {
        self.max_momentum = max_momentum;
        self
    }
}

/// The cyclical learning-rate policy: `torch.optim.lr_scheduler.CyclicLR`.
///
/// The constructor sets the optimizer's learning rate to `base_lr` and, if
/// `cycle_momentum`, its momentum (or `beta1`) to `max_momentum`.
///
/// # Reference
///
/// Closed form at step `e`, with `total = up + down` and `ratio = up/total`:
/// `cycle = ⌊1 + e/total⌋`, `x = 1 + e/total − cycle`,
/// `scale = x/ratio` if `x ≤ ratio` else `(x − 1)/(ratio − 1)`;
/// `lr = base_lr + (max_lr − base_lr)·scale·f`, and the momentum
/// `max_momentum − (max_momentum − base_momentum)·scale·f`, with
/// `f = 1`, `1/2^(cycle−1)` or `γ^e` by mode.
///
/// ```
/// use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
/// use tapeless_runtime::sched::{CyclicLr, CyclicLrConfig, LrScheduler};
/// let mut opt = Sgd::<f64>::new(0.5).momentum(0.9);
/// let mut sched = CyclicLr::new(&mut opt, CyclicLrConfig::new(0.1, 0.5).step_size_up(2));
/// assert_eq!(opt.lr(), 0.1);
/// sched.step(&mut opt);
/// sched.step(&mut opt);
/// assert_eq!(opt.lr(), 0.5);
/// assert_eq!(opt.momentum_or_beta1(), Some(0.8));
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CyclicLr<T> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    config: CyclicLrConfig<T>,
    total_size: T,
    step_ratio: T,
    last_epoch: usize,
}

named!("CyclicLr", impl<T> crate::saved_state::Named for CyclicLr<T>);

impl<T: Real> CyclicLr<T> {
    /// Attaches the cyclical policy of `config` to `opt` and sets the
    /// learning rate (and momentum) of epoch 0.
    ///
    /// # Panics
    /// If `step_size_up + step_size_down == 0`, or, as torch, if
    /// `cycle_momentum` is set and the optimizer has no momentum
    /// ([`LearningRate::momentum_or_beta1`](crate::optim::LearningRate::momentum_or_beta1) is `None`).
    #[track_caller]
    pub fn new<P: Params<Scalar = T>>(
        opt: &mut (impl LearningRate<P> + ?Sized),
        config: CyclicLrConfig<T>,
    ) -> Self {
        let up: T = epoch(config.step_size_up);
        let down: T = config.step_size_down.map_or(up, epoch);
        let total_size = up + down;
        assert!(
            total_size > T::ZERO,
            "step_size_up + step_size_down must be positive"
        );
        assert!(
            !config.cycle_momentum || opt.momentum_or_beta1().is_some(),
            "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
        );
        opt.set_lr(config.base_lr);
        let _ = base_lr(opt);
        if config.cycle_momentum {
            opt.set_momentum_or_beta1(config.max_momentum);
        }
        let mut scheduler = Self {
            kind: Kind::NEW,
            config,
            total_size,
            step_ratio: up / total_size,
            last_epoch: 0,
        };
        scheduler.restart(opt);
        scheduler
    }

    fn apply<P: Params<Scalar = T>>(&self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        let e: T = epoch(self.last_epoch);
        let cycle = T::floor(T::ONE + e / self.total_size);
        let x = T::ONE + e / self.total_size - cycle;
        let scale_factor = if x <= self.step_ratio {
            x / self.step_ratio
        } else {
            (x - T::ONE) / (self.step_ratio - T::ONE)
        };
        let amplitude = match self.config.mode {
            CyclicMode::Triangular => T::ONE,
            CyclicMode::Triangular2 => T::ONE / T::powf(T::TWO, cycle - T::ONE),
            CyclicMode::ExpRange { gamma } => T::powf(gamma, e),
        };
        let c = &self.config;
        let base_height = (c.max_lr - c.base_lr) * scale_factor;
        opt.set_lr(c.base_lr + base_height * amplitude);
        if c.cycle_momentum {
            let base_height = (c.max_momentum - c.base_momentum) * scale_factor;
            opt.set_momentum_or_beta1(c.max_momentum - base_height * amplitude);
        }
    }
}

impl<T: Real> LrScheduler<T> for CyclicLr<T> {
    fn step<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch += 1;
        self.apply(opt);
    }

    fn restart<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch = 0;
        self.apply(opt);
    }

    fn last_epoch(&self) -> usize {
        self.last_epoch
    }
}
