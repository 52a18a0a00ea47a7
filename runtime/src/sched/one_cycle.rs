//! `OneCycleLR`.

use super::{LrScheduler, epoch, pi};
use crate::optim::LearningRate;
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// How [`OneCycleLr`] interpolates within a phase (torch's
/// `anneal_strategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum AnnealStrategy {
    /// `"cos"` (torch's default): `end + (start − end)/2·(cos(π·pct) + 1)`.
    Cos,
    /// `"linear"`: `(end − start)·pct + start`.
    Linear,
}

impl AnnealStrategy {
    fn anneal<T: Real>(self, start: T, end: T, pct: T) -> T {
        match self {
            Self::Cos => end + (start - end) / T::TWO * (T::cos(pi::<T>() * pct) + T::ONE),
            Self::Linear => (end - start) * pct + start,
        }
    }
}

/// The arguments of [`OneCycleLr`], with torch's defaults from
/// [`OneCycleLrConfig::new`] and builder methods named after torch's keyword
/// arguments.
///
/// ```
/// use tapeless_runtime::sched::{AnnealStrategy, OneCycleLrConfig};
/// let config = OneCycleLrConfig::new(0.1_f64, 100).pct_start(0.25).anneal_strategy(AnnealStrategy::Linear);
/// assert_eq!(config.div_factor, 25.0);
/// assert_eq!(config.pct_start, 0.25);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OneCycleLrConfig<T> {
    /// Peak learning rate (torch's `max_lr`).
    pub max_lr: T,
    /// Number of steps in the cycle (torch's `total_steps`, or
    /// `epochs·steps_per_epoch`).
    pub total_steps: usize,
    /// Fraction of the cycle spent increasing the learning rate (default 0.3).
    pub pct_start: T,
    /// Interpolation within phases (default [`AnnealStrategy::Cos`]).
    pub anneal_strategy: AnnealStrategy,
    /// Whether momentum is cycled inversely to the learning rate (default true).
    pub cycle_momentum: bool,
    /// Lowest momentum (default 0.85).
    pub base_momentum: T,
    /// Highest momentum (default 0.95).
    pub max_momentum: T,
    /// Initial learning rate is `max_lr/div_factor` (default 25).
    pub div_factor: T,
    /// Final learning rate is `max_lr/div_factor/final_div_factor` (default 1e4).
    pub final_div_factor: T,
    /// Use three phases instead of two (default false).
    pub three_phase: bool,
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: $t:ty) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, $name: $t) -> Self {
            self.$name = $name;
            self
        }
    };
}

impl<T: Real> OneCycleLrConfig<T> {
    /// torch's defaults for a cycle of `total_steps` steps peaking at
    /// `max_lr`.
    pub fn new(max_lr: T, total_steps: usize) -> Self {
        Self {
            max_lr,
            total_steps,
            pct_start: T::from_f64_lossy(0.3),
            anneal_strategy: AnnealStrategy::Cos,
            cycle_momentum: true,
            base_momentum: T::from_f64_lossy(0.85),
            max_momentum: T::from_f64_lossy(0.95),
            div_factor: T::from_f64_lossy(25.0),
            final_div_factor: T::from_f64_lossy(1e4),
            three_phase: false,
        }
    }

    /// torch's defaults for a cycle of `epochs·steps_per_epoch` steps
    /// (torch's `OneCycleLR(opt, max_lr, epochs=E, steps_per_epoch=S)`,
    /// stepped once per batch).
    ///
    /// ```
    /// use tapeless_runtime::sched::OneCycleLrConfig;
    /// let config = OneCycleLrConfig::with_epochs(0.1_f64, 5, 20);
    /// assert_eq!(config, OneCycleLrConfig::new(0.1, 100));
    /// ```
    ///
    /// # Panics
    /// If `epochs` or `steps_per_epoch` is 0 (torch's `ValueError`), or if
    /// their product overflows.
    #[track_caller]
    pub fn with_epochs(max_lr: T, epochs: usize, steps_per_epoch: usize) -> Self {
        assert!(
            epochs > 0,
            "Expected positive integer epochs, but got {epochs}"
        );
        assert!(
            steps_per_epoch > 0,
            "Expected positive integer steps_per_epoch, but got {steps_per_epoch}"
        );
        let total_steps = epochs
            .checked_mul(steps_per_epoch)
            .expect("epochs·steps_per_epoch overflows usize");
        Self::new(max_lr, total_steps)
    }

    setter!(
        /// Sets `pct_start`.
        pct_start: T
    );
    setter!(
        /// Sets `anneal_strategy`.
        anneal_strategy: AnnealStrategy
    );
    setter!(
        /// Sets `cycle_momentum`.
        cycle_momentum: bool
    );
    setter!(
        /// Sets `base_momentum`.
        base_momentum: T
    );
    setter!(
        /// Sets `max_momentum`.
        max_momentum: T
    );
    setter!(
        /// Sets `div_factor`.
        div_factor: T
    );
    setter!(
        /// Sets `final_div_factor`.
        final_div_factor: T
    );
    setter!(
        /// Sets `three_phase`.
        three_phase: bool
    );
}

/// One phase: where it ends and the learning rates and momenta it goes
/// between.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct Phase<T> {
    end_step: T,
    start_lr: T,
    end_lr: T,
    start_momentum: T,
    end_momentum: T,
}

/// The 1cycle policy: `torch.optim.lr_scheduler.OneCycleLR`.
///
/// The constructor **overwrites the optimizer's learning rate** with
/// `max_lr/div_factor` (annealed at epoch 0, which gives torch's
/// `0.0040000000000000036` rather than `0.004` for `max_lr = 0.1`) and, if
/// `cycle_momentum`, its momentum (or `beta1`) with `max_momentum`.
///
/// # Reference
///
/// Phases end at `pct_start·total_steps − 1` and `total_steps − 1` (three
/// phases: `pct_start·total_steps − 1`, `2·pct_start·total_steps − 2`,
/// `total_steps − 1`); within a phase the learning rate and momentum are
/// annealed (closed form) with `pct = (step − phase_start)/(phase_end −
/// phase_start)`.
///
/// ```
/// use tapeless_runtime::optim::{LearningRate, Optimizer, Sgd};
/// use tapeless_runtime::sched::{LrScheduler, OneCycleLr, OneCycleLrConfig};
/// let mut opt = Sgd::<f64>::new(0.1).momentum(0.9);
/// let mut sched = OneCycleLr::new(&mut opt, OneCycleLrConfig::new(0.1, 10));
/// assert!((opt.lr() - 0.004).abs() < 1e-15);
/// assert!((opt.momentum_or_beta1().unwrap() - 0.95).abs() < 1e-15);
/// for _ in 0..2 {
///     sched.step(&mut opt);
/// }
/// assert!((opt.lr() - 0.1).abs() < 1e-15); // the peak, at pct_start·10 − 1
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OneCycleLr<T> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    phases: [Phase<T>; 3],
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::saved_state::check::length::<_, 3>")
    )]
    phase_count: usize,
    total_steps: usize,
    anneal_strategy: AnnealStrategy,
    cycle_momentum: bool,
    last_epoch: usize,
}

named!("OneCycleLr", impl<T> crate::saved_state::Named for OneCycleLr<T>);

impl<T: Real> OneCycleLr<T> {
    /// Attaches the 1cycle policy of `config` to `opt` and sets the learning
    /// rate (and momentum) of epoch 0.
    ///
    /// # Panics
    /// As torch: if `total_steps == 0`, if `pct_start` is not in `[0, 1]`,
    /// or if `cycle_momentum` is set and the optimizer has no momentum
    /// ([`LearningRate::momentum_or_beta1`](crate::optim::LearningRate::momentum_or_beta1) is `None`).
    #[track_caller]
    pub fn new<P: Params<Scalar = T>>(
        opt: &mut (impl LearningRate<P> + ?Sized),
        config: OneCycleLrConfig<T>,
    ) -> Self {
        let OneCycleLrConfig {
            max_lr,
            total_steps,
            pct_start,
            ..
        } = config;
        assert!(
            total_steps > 0,
            "expected positive integer total_steps, but got 0"
        );
        assert!(
            pct_start >= T::ZERO && pct_start <= T::ONE,
            "expected float between 0 and 1 pct_start, but got {pct_start}"
        );
        assert!(
            !config.cycle_momentum || opt.momentum_or_beta1().is_some(),
            "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
        );
        let initial_lr = max_lr / config.div_factor;
        let min_lr = initial_lr / config.final_div_factor;
        let (base_m, max_m) = (config.base_momentum, config.max_momentum);
        let total: T = epoch(total_steps);
        let phase_one_end = pct_start * total - T::ONE;
        let phase = |end_step, start_lr, end_lr, start_momentum, end_momentum| Phase {
            end_step,
            start_lr,
            end_lr,
            start_momentum,
            end_momentum,
        };
        let last = total - T::ONE;
        let (phases, phase_count) = if config.three_phase {
            let phase_two_end = T::TWO * pct_start * total - T::TWO;
            (
                [
                    phase(phase_one_end, initial_lr, max_lr, max_m, base_m),
                    phase(phase_two_end, max_lr, initial_lr, base_m, max_m),
                    phase(last, initial_lr, min_lr, max_m, max_m),
                ],
                3,
            )
        } else {
            let unused = phase(last, min_lr, min_lr, max_m, max_m);
            (
                [
                    phase(phase_one_end, initial_lr, max_lr, max_m, base_m),
                    phase(last, max_lr, min_lr, base_m, max_m),
                    unused,
                ],
                2,
            )
        };
        opt.set_initial_lr(initial_lr);
        if config.cycle_momentum {
            opt.set_momentum_or_beta1(max_m);
        }
        let mut scheduler = Self {
            kind: Kind::NEW,
            phases,
            phase_count,
            total_steps,
            anneal_strategy: config.anneal_strategy,
            cycle_momentum: config.cycle_momentum,
            last_epoch: 0,
        };
        scheduler.restart(opt);
        scheduler
    }

    fn apply<P: Params<Scalar = T>>(&self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        let step: T = epoch(self.last_epoch);
        let mut start_step = T::ZERO;
        for (i, phase) in self.phases[..self.phase_count].iter().enumerate() {
            if step <= phase.end_step || i == self.phase_count - 1 {
                let pct = (step - start_step) / (phase.end_step - start_step);
                let anneal = self.anneal_strategy;
                opt.set_lr(anneal.anneal(phase.start_lr, phase.end_lr, pct));
                if self.cycle_momentum {
                    opt.set_momentum_or_beta1(anneal.anneal(
                        phase.start_momentum,
                        phase.end_momentum,
                        pct,
                    ));
                }
                return;
            }
            start_step = phase.end_step;
        }
    }
}

impl<T: Real> LrScheduler<T> for OneCycleLr<T> {
    /// # Panics
    /// When stepped more than `total_steps` times, as torch ("Tried to step
    /// N times. The specified number of total steps is M").
    #[track_caller]
    fn step<P: Params<Scalar = T>>(&mut self, opt: &mut (impl LearningRate<P> + ?Sized)) {
        self.last_epoch += 1;
        assert!(
            self.last_epoch <= self.total_steps,
            "Tried to step {} times. The specified number of total steps is {}",
            self.last_epoch,
            self.total_steps
        );
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
