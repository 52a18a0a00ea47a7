//! Every scheduler case of `tests/data/schedulers.json`, replayed: the
//! learning rate (and the cycled momentum, and ReduceLROnPlateau's `best` and
//! `num_bad_epochs`) after construction and after each of the 30 steps,
//! within 1e-12 relative of torch's.

mod common;
use common::numbers;
use std::collections::BTreeSet;

use serde_json::{Map, Value};
use tapeless::optim::{LearningRate, Optimizer, Sgd};
use tapeless::sched::{
    AnnealStrategy, ChainedScheduler, ConstantLr, CosineAnnealingLr, CosineAnnealingWarmRestarts,
    CyclicLr, CyclicLrConfig, CyclicMode, ExponentialLr, LambdaLr, LinearLr, LrScheduler,
    MultiStepLr, OneCycleLr, OneCycleLrConfig, PlateauMode, PolynomialLr, ReduceLrOnPlateau,
    SequentialLr, StepLr, ThresholdMode,
};

/// The arguments of a constructor; every one must be used (see
/// [`Args::finish`]), so a configuration this test does not understand fails.
struct Args<'v> {
    map: &'v Map<String, Value>,
    used: BTreeSet<&'static str>,
    what: String,
}

impl<'v> Args<'v> {
    fn new(value: &'v Value, what: &str) -> Self {
        let map = value.as_object().expect("args");
        let mut args = Self {
            map,
            used: BTreeSet::new(),
            what: what.to_owned(),
        };
        if args.map.contains_key("last_epoch") {
            assert_eq!(
                args.get("last_epoch"),
                &Value::from(-1),
                "{what}: last_epoch"
            );
        }
        args
    }

    fn get(&mut self, key: &'static str) -> &'v Value {
        self.used.insert(key);
        self.map
            .get(key)
            .unwrap_or_else(|| panic!("{}: missing `{key}`", self.what))
    }

    fn f64(&mut self, key: &'static str) -> f64 {
        self.get(key)
            .as_f64()
            .unwrap_or_else(|| panic!("{}: `{key}` not a number", self.what))
    }

    fn usize(&mut self, key: &'static str) -> usize {
        let v = self
            .get(key)
            .as_u64()
            .unwrap_or_else(|| panic!("{}: `{key}` not an integer", self.what));
        usize::try_from(v).expect("fits")
    }

    fn str(&mut self, key: &'static str) -> &'v str {
        self.get(key)
            .as_str()
            .unwrap_or_else(|| panic!("{}: `{key}` not a string", self.what))
    }

    fn bool(&mut self, key: &'static str) -> bool {
        self.get(key)
            .as_bool()
            .unwrap_or_else(|| panic!("{}: `{key}` not a bool", self.what))
    }

    /// Fails on arguments that were not used.
    fn finish(self) {
        for key in self.map.keys() {
            assert!(
                self.used.contains(key.as_str()),
                "{}: unsupported argument `{key}`",
                self.what
            );
        }
    }
}

type Opt = Sgd<f64>;

/// Any scheduler of the file but the composites and ReduceLROnPlateau, so
/// that the composites can be built from the file's descriptions.
enum Simple {
    Step(StepLr<f64>),
    MultiStep(MultiStepLr<f64, 3>),
    Exponential(ExponentialLr<f64>),
    Lambda(LambdaLr<f64, fn(usize) -> f64>),
    Cosine(CosineAnnealingLr<f64>),
    WarmRestarts(CosineAnnealingWarmRestarts<f64>),
    Linear(LinearLr<f64>),
    Constant(ConstantLr<f64>),
    Polynomial(PolynomialLr<f64>),
    OneCycle(OneCycleLr<f64>),
    Cyclic(CyclicLr<f64>),
}

macro_rules! delegate {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Simple::Step($s) => $e,
            Simple::MultiStep($s) => $e,
            Simple::Exponential($s) => $e,
            Simple::Lambda($s) => $e,
            Simple::Cosine($s) => $e,
            Simple::WarmRestarts($s) => $e,
            Simple::Linear($s) => $e,
            Simple::Constant($s) => $e,
            Simple::Polynomial($s) => $e,
            Simple::OneCycle($s) => $e,
            Simple::Cyclic($s) => $e,
        }
    };
}

impl LrScheduler<f64> for Simple {
    fn step<P: tapeless::Params<Scalar = f64>>(
        &mut self,
        opt: &mut (impl tapeless::optim::LearningRate<P> + ?Sized),
    ) {
        delegate!(self, s => s.step(opt));
    }
    fn restart<P: tapeless::Params<Scalar = f64>>(
        &mut self,
        opt: &mut (impl tapeless::optim::LearningRate<P> + ?Sized),
    ) {
        delegate!(self, s => s.restart(opt));
    }
    fn last_epoch(&self) -> usize {
        delegate!(self, s => s.last_epoch())
    }
}

/// `lambda epoch: B ** epoch`, the only LambdaLR form in the file.
fn lambda_base(source: &str) -> f64 {
    source
        .strip_prefix("lambda epoch: ")
        .and_then(|rest| rest.strip_suffix(" ** epoch"))
        .and_then(|base| base.parse().ok())
        .unwrap_or_else(|| panic!("unsupported lr_lambda `{source}`"))
}

fn pow_095(epoch: usize) -> f64 {
    0.95_f64.powf(epoch as f64)
}

fn build_simple(name: &str, args: &Value, opt: &mut Opt) -> Simple {
    let mut a = Args::new(args, name);
    let scheduler = match name {
        "StepLR" => Simple::Step(StepLr::new(opt, a.usize("step_size"), a.f64("gamma"))),
        "MultiStepLR" => {
            let milestones: Vec<usize> = numbers(a.get("milestones"))
                .into_iter()
                .map(|m| m as usize)
                .collect();
            let milestones: [usize; 3] = milestones.try_into().expect("3 milestones in this test");
            Simple::MultiStep(MultiStepLr::new(opt, milestones, a.f64("gamma")))
        }
        "ExponentialLR" => Simple::Exponential(ExponentialLr::new(opt, a.f64("gamma"))),
        "LambdaLR" => {
            let base = lambda_base(a.str("lr_lambda"));
            assert_eq!(base, 0.95, "only 0.95 ** epoch has a fn here");
            Simple::Lambda(LambdaLr::new(opt, pow_095 as fn(usize) -> f64))
        }
        "CosineAnnealingLR" => Simple::Cosine(CosineAnnealingLr::new(
            opt,
            a.usize("T_max"),
            a.f64("eta_min"),
        )),
        "CosineAnnealingWarmRestarts" => Simple::WarmRestarts(CosineAnnealingWarmRestarts::new(
            opt,
            a.usize("T_0"),
            a.usize("T_mult"),
            a.f64("eta_min"),
        )),
        "LinearLR" => Simple::Linear(LinearLr::new(
            opt,
            a.f64("start_factor"),
            a.f64("end_factor"),
            a.usize("total_iters"),
        )),
        "ConstantLR" => Simple::Constant(ConstantLr::new(
            opt,
            a.f64("factor"),
            a.usize("total_iters"),
        )),
        "PolynomialLR" => Simple::Polynomial(PolynomialLr::new(
            opt,
            a.usize("total_iters"),
            a.f64("power"),
        )),
        "OneCycleLR" => {
            assert!(a.get("epochs").is_null() && a.get("steps_per_epoch").is_null());
            let strategy = match a.str("anneal_strategy") {
                "cos" => AnnealStrategy::Cos,
                "linear" => AnnealStrategy::Linear,
                other => panic!("unknown anneal_strategy {other}"),
            };
            let config = OneCycleLrConfig::new(a.f64("max_lr"), a.usize("total_steps"))
                .pct_start(a.f64("pct_start"))
                .anneal_strategy(strategy)
                .cycle_momentum(a.bool("cycle_momentum"))
                .base_momentum(a.f64("base_momentum"))
                .max_momentum(a.f64("max_momentum"))
                .div_factor(a.f64("div_factor"))
                .final_div_factor(a.f64("final_div_factor"))
                .three_phase(a.bool("three_phase"));
            Simple::OneCycle(OneCycleLr::new(opt, config))
        }
        "CyclicLR" => {
            assert!(a.get("scale_fn").is_null(), "custom scale_fn");
            let gamma = a.f64("gamma");
            let (mode, scale_mode) = match a.str("mode") {
                "triangular" => (CyclicMode::Triangular, "cycle"),
                "triangular2" => (CyclicMode::Triangular2, "cycle"),
                "exp_range" => (CyclicMode::ExpRange { gamma }, "iterations"),
                other => panic!("unknown mode {other}"),
            };
            assert_eq!(a.str("scale_mode"), scale_mode);
            let down = a.get("step_size_down").as_u64().map(|d| d as usize);
            let config = CyclicLrConfig::new(a.f64("base_lr"), a.f64("max_lr"))
                .step_size_up(a.usize("step_size_up"))
                .step_size_down(down)
                .mode(mode)
                .cycle_momentum(a.bool("cycle_momentum"))
                .base_momentum(a.f64("base_momentum"))
                .max_momentum(a.f64("max_momentum"));
            Simple::Cyclic(CyclicLr::new(opt, config))
        }
        other => panic!("unknown scheduler {other}"),
    };
    a.finish();
    scheduler
}

fn optimizer(case: &Value) -> Opt {
    assert_eq!(case["optimizer"]["name"], "SGD");
    let kwargs = case["optimizer"]["kwargs"].as_object().expect("kwargs");
    let mut opt = Sgd::new(kwargs["lr"].as_f64().expect("lr"));
    for (key, value) in kwargs {
        match key.as_str() {
            "lr" => {}
            "momentum" => opt = opt.momentum(value.as_f64().expect("momentum")),
            other => panic!("unknown optimizer keyword {other}"),
        }
    }
    assert_eq!(opt.lr(), case["base_lr"].as_f64().expect("base_lr"));
    opt
}

/// What a replay records after construction and after each step.
#[derive(Default)]
struct Record {
    lr: Vec<f64>,
    momentum: Vec<f64>,
}

fn record(opt: &Opt, into: &mut Record) {
    into.lr.push(opt.lr());
    into.momentum
        .push(opt.momentum_or_beta1().expect("SGD has momentum"));
}

/// Steps the optimizer with a zero gradient and then the scheduler, as the
/// reference generator did.
fn replay(mut scheduler: impl LrScheduler<f64>, opt: &mut Opt, steps: usize) -> Record {
    let mut out = Record::default();
    record(opt, &mut out);
    let mut x = 1.0;
    for k in 1..=steps {
        opt.step(&mut x, &0.0);
        scheduler.step(opt);
        assert_eq!(scheduler.last_epoch(), k);
        record(opt, &mut out);
    }
    assert_eq!(x, 1.0, "a zero gradient leaves the parameter alone");
    out
}

fn composite_parts(args: &Value, opt: &mut Opt) -> Vec<Simple> {
    args["schedulers"]
        .as_array()
        .expect("schedulers")
        .iter()
        .map(|s| build_simple(s["name"].as_str().expect("name"), &s["args"], opt))
        .collect()
}

/// `max |a - b| / (|b| + 1e-12)`, the metric of `verify_formulas.py`.
fn relative_error(actual: &[f64], expected: &[f64]) -> f64 {
    assert_eq!(actual.len(), expected.len(), "lengths differ");
    actual
        .iter()
        .zip(expected)
        .map(|(a, b)| (a - b).abs() / (b.abs() + 1e-12))
        .fold(0.0, f64::max)
}

#[test]
fn every_scheduler_follows_torch_within_1e_12() {
    let file = common::reference("schedulers.json");
    let cases = file["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 15);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let kind = case["scheduler"].as_str().expect("scheduler");
        let steps = usize::try_from(case["steps"].as_u64().expect("steps")).expect("fits");
        let mut opt = optimizer(case);
        let record = match kind {
            "ReduceLROnPlateau" => {
                replay_plateau(case, &mut opt);
                continue;
            }
            "SequentialLR" => {
                let mut parts = composite_parts(&case["args"], &mut opt).into_iter();
                let (first, second) = (parts.next().expect("2"), parts.next().expect("2"));
                assert!(
                    parts.next().is_none(),
                    "{name}: only two schedulers supported"
                );
                let milestones = numbers(&case["args"]["milestones"]);
                assert_eq!(milestones.len(), 1, "{name}: one milestone");
                let scheduler = SequentialLr::new(&mut opt, first, second, milestones[0] as usize);
                replay(scheduler, &mut opt, steps)
            }
            "ChainedScheduler" => {
                let mut parts = composite_parts(&case["args"], &mut opt).into_iter();
                let (first, second) = (parts.next().expect("2"), parts.next().expect("2"));
                assert!(
                    parts.next().is_none(),
                    "{name}: only two schedulers supported"
                );
                replay(ChainedScheduler::new(first, second), &mut opt, steps)
            }
            _ => {
                let scheduler = build_simple(kind, &case["args"], &mut opt);
                replay(scheduler, &mut opt, steps)
            }
        };
        let error = relative_error(&record.lr, &numbers(&case["lr"]));
        println!("{name:<40} lr relative error {error:.1e}");
        assert!(error <= 1e-12, "{name}: lr relative error {error:e}");
        if let Some(momentum) = case.get("momentum") {
            let error = relative_error(&record.momentum, &numbers(momentum));
            assert!(error <= 1e-12, "{name}: momentum relative error {error:e}");
        }
    }
}

fn replay_plateau(case: &Value, opt: &mut Opt) {
    let name = case["name"].as_str().expect("name");
    let mut a = Args::new(&case["args"], name);
    let mode = match a.str("mode") {
        "min" => PlateauMode::Min,
        "max" => PlateauMode::Max,
        other => panic!("unknown mode {other}"),
    };
    let threshold_mode = match a.str("threshold_mode") {
        "rel" => ThresholdMode::Rel,
        "abs" => ThresholdMode::Abs,
        other => panic!("unknown threshold_mode {other}"),
    };
    let mut scheduler = ReduceLrOnPlateau::new()
        .mode(mode)
        .factor(a.f64("factor"))
        .patience(a.usize("patience"))
        .threshold(a.f64("threshold"))
        .threshold_mode(threshold_mode)
        .cooldown(a.usize("cooldown"))
        .min_lr(a.f64("min_lr"))
        .eps(a.f64("eps"));
    a.finish();
    let metrics = numbers(&case["metrics"]);
    let (lr, best, bad) = (
        numbers(&case["lr"]),
        numbers(&case["best"]),
        numbers(&case["num_bad_epochs"]),
    );
    assert_eq!(opt.lr(), lr[0]);
    let mut x = 1.0;
    for (k, &metric) in metrics.iter().enumerate() {
        opt.step(&mut x, &0.0);
        scheduler.step(opt, metric);
        assert_eq!(scheduler.last_epoch(), k + 1);
        assert!(
            (opt.lr() - lr[k + 1]).abs() <= 1e-12 * lr[k + 1].abs(),
            "{name}: lr at step {}",
            k + 1
        );
        assert_eq!(scheduler.best(), best[k], "{name}: best at step {}", k + 1);
        assert_eq!(
            scheduler.num_bad_epochs() as f64,
            bad[k],
            "{name}: num_bad_epochs at step {}",
            k + 1
        );
    }
    println!("{name:<40} replayed {} metrics", metrics.len());
}

/// The schedulers are generic: the same cases in `f32`, at `f32` accuracy.
#[test]
fn schedulers_work_in_f32() {
    let mut opt = Sgd::<f32>::new(0.1).momentum(0.9);
    let mut cosine = CosineAnnealingLr::new(&mut opt, 10, 0.001_f32);
    let mut lrs = Vec::new();
    for _ in 0..30 {
        cosine.step(&mut opt);
        lrs.push(f64::from(opt.lr()));
    }
    let file = common::reference("schedulers.json");
    let case = file["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["scheduler"] == "CosineAnnealingLR")
        .unwrap();
    let expected = numbers(&case["lr"]);
    let error = relative_error(&lrs, &expected[1..]);
    assert!(error < 1e-5, "f32 cosine: {error:e}");

    let mut opt = Sgd::<f32>::new(0.1).momentum(0.9);
    let mut one_cycle = OneCycleLr::new(&mut opt, OneCycleLrConfig::new(0.1_f32, 30));
    let case = file["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["scheduler"] == "OneCycleLR")
        .unwrap();
    let (expected_lr, expected_momentum) = (numbers(&case["lr"]), numbers(&case["momentum"]));
    for k in 0..=30 {
        if k > 0 {
            one_cycle.step(&mut opt);
        }
        assert!(
            (f64::from(opt.lr()) - expected_lr[k]).abs() < 1e-6,
            "f32 one-cycle lr at {k}"
        );
        let momentum = f64::from(opt.momentum_or_beta1().unwrap());
        assert!(
            (momentum - expected_momentum[k]).abs() < 1e-6,
            "f32 one-cycle momentum at {k}"
        );
    }
}

#[test]
#[should_panic(expected = "Tried to step 31 times")]
fn one_cycle_rejects_steps_past_total_steps() {
    let mut opt = Sgd::<f64>::new(0.1).momentum(0.9);
    let mut one_cycle = OneCycleLr::new(&mut opt, OneCycleLrConfig::new(0.1, 30));
    for _ in 0..31 {
        one_cycle.step(&mut opt);
    }
}

#[test]
#[should_panic(expected = "optimizer must support momentum")]
fn cycling_momentum_needs_an_optimizer_with_momentum() {
    let mut opt = tapeless::optim::Adagrad::<f64>::new(0.1);
    let _ = CyclicLr::new(&mut opt, CyclicLrConfig::new(0.01, 0.1));
}
