//! Checkpoint and resume (torch's `state_dict`/`load_state_dict`): every
//! optimizer and every scheduler, saved with serde_json after k steps and
//! loaded into fresh values, continues on the bit-identical trajectory of a
//! run that was never interrupted; corrupt, truncated and mismatched
//! checkpoints are errors.
//!
//! The uninterrupted run is the independent truth here: resuming must not
//! change a single bit of the parameters, of the learning rates, or of the
//! optimizer's state (compared through its serialized form, which
//! `float_roundtrip` makes exact).
#![cfg(feature = "serde")]

use nalgebra::{Matrix2, Vector3, Vector4};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tapeless::Params;
use tapeless::optim::{
    Adadelta, Adagrad, Adam, AdamW, Adamax, Lbfgs, LearningRate, LineSearch, NAdam, Optimizer,
    RAdam, RmsProp, Sgd,
};
use tapeless::sched::{
    AnnealStrategy, ChainedScheduler, ConstantLr, CosineAnnealingLr, CosineAnnealingWarmRestarts,
    CyclicLr, CyclicLrConfig, CyclicMode, ExponentialLr, LambdaLr, LinearLr, LrScheduler,
    MultiStepLr, OneCycleLr, OneCycleLrConfig, PlateauMode, PolynomialLr, ReduceLrOnPlateau,
    SequentialLr, StepLr, ThresholdMode,
};

/// A parameter set of two differently shaped members.
type P = (Vector3<f64>, Matrix2<f64>);

const TARGET: [f64; 7] = [0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.0];

fn start() -> P {
    (
        Vector3::new(1.0, 0.25, -0.75),
        Matrix2::new(0.1, -0.3, 2.5, -1.0),
    )
}

/// `f(p) = Σ (p_i − c_i)² + p_i⁴/4 + p_0·p_6/2` and its gradient.
fn objective(p: &P) -> (f64, P) {
    let mut grad = P::zeros();
    let mut loss = 0.0;
    let mut flat = [0.0; 7];
    let mut i = 0;
    for k in 0..P::SLICES {
        for &x in p.slice(k) {
            flat[i] = x;
            i += 1;
        }
    }
    let mut flat_grad = [0.0; 7];
    for (i, (&x, &c)) in flat.iter().zip(&TARGET).enumerate() {
        loss += (x - c).powi(2) + x.powi(4) / 4.0;
        flat_grad[i] = 2.0 * (x - c) + x.powi(3);
    }
    loss += flat[0] * flat[6] / 2.0;
    flat_grad[0] += flat[6] / 2.0;
    flat_grad[6] += flat[0] / 2.0;
    let mut i = 0;
    for k in 0..P::SLICES {
        for g in grad.slice_mut(k) {
            *g = flat_grad[i];
            i += 1;
        }
    }
    (loss, grad)
}

/// The bits of every scalar of `p`.
fn bits(p: &P) -> Vec<u64> {
    (0..P::SLICES)
        .flat_map(|k| p.slice(k).iter().map(|x| x.to_bits()))
        .collect()
}

fn save<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("serialize")
}

fn load<T: DeserializeOwned>(json: &str) -> T {
    serde_json::from_str(json).unwrap_or_else(|error| panic!("deserialize: {error}\n{json}"))
}

/// Runs `total` steps uninterrupted, and again with a save after `k` steps
/// and a load into fresh values; the two must agree bit for bit.
fn resumes_bitwise<O>(name: &str, make: impl Fn() -> O, total: usize)
where
    O: Optimizer<P> + Serialize + DeserializeOwned,
{
    let run = |opt: &mut O, params: &mut P, steps: usize| {
        for _ in 0..steps {
            let (_, grad) = objective(params);
            opt.step(params, &grad);
        }
    };
    let mut params = start();
    let mut opt = make();
    run(&mut opt, &mut params, total);
    assert!(
        bits(&params) != bits(&start()),
        "{name}: the run must move the parameters"
    );
    for k in [0, 1, total / 2, total - 1] {
        let mut first_params = start();
        let mut first = make();
        run(&mut first, &mut first_params, k);
        let (saved_opt, saved_params) = (save(&first), save(&first_params));
        drop((first, first_params));
        let mut resumed: O = load(&saved_opt);
        let mut resumed_params: P = load(&saved_params);
        assert_eq!(resumed.step_count(), k, "{name}");
        run(&mut resumed, &mut resumed_params, total - k);
        assert_eq!(
            bits(&resumed_params),
            bits(&params),
            "{name}: parameters after resuming at step {k}"
        );
        assert_eq!(
            save(&resumed),
            save(&opt),
            "{name}: optimizer state after resuming at step {k}"
        );
    }
}

#[test]
fn every_first_order_optimizer_resumes_bitwise() {
    let steps = 12;
    resumes_bitwise("Sgd", || Sgd::new(0.02), steps);
    resumes_bitwise(
        "Sgd momentum nesterov",
        || {
            Sgd::new(0.02)
                .momentum(0.9)
                .nesterov(true)
                .weight_decay(0.01)
        },
        steps,
    );
    resumes_bitwise(
        "Sgd dampening",
        || Sgd::new(0.02).momentum(0.8).dampening(0.3).maximize(false),
        steps,
    );
    resumes_bitwise("Adam", || Adam::new(0.05), steps);
    resumes_bitwise(
        "Adam amsgrad",
        || Adam::new(0.05).amsgrad(true).weight_decay(0.1),
        steps,
    );
    resumes_bitwise("AdamW", || AdamW::new(0.05).amsgrad(true), steps);
    resumes_bitwise(
        "Adagrad",
        || {
            Adagrad::new(0.1)
                .lr_decay(0.01)
                .initial_accumulator_value(0.1)
        },
        steps,
    );
    resumes_bitwise("Adadelta", || Adadelta::new(1.0).rho(0.8), steps);
    resumes_bitwise(
        "RmsProp centered momentum",
        || RmsProp::new(0.01).centered(true).momentum(0.5),
        steps,
    );
    resumes_bitwise("NAdam", || NAdam::new(0.05).momentum_decay(0.01), steps);
    resumes_bitwise(
        "NAdam decoupled",
        || {
            NAdam::new(0.05)
                .decoupled_weight_decay(true)
                .weight_decay(0.1)
        },
        steps,
    );
    resumes_bitwise("RAdam", || RAdam::new(0.05), steps);
    resumes_bitwise(
        "RAdam decoupled",
        || {
            RAdam::new(0.05)
                .decoupled_weight_decay(true)
                .weight_decay(0.1)
        },
        steps,
    );
    resumes_bitwise("Adamax", || Adamax::new(0.05), steps);
}

fn lbfgs_resumes_bitwise<const H: usize>(name: &str, make: impl Fn() -> Lbfgs<P, H>) {
    let total = 6;
    let run = |opt: &mut Lbfgs<P, H>, params: &mut P, steps: usize| {
        let mut losses = Vec::new();
        for _ in 0..steps {
            losses.push(opt.step(params, objective).to_bits());
        }
        losses
    };
    let mut params = start();
    let mut opt = make();
    let losses = run(&mut opt, &mut params, total);
    for k in [0, 1, 2, total - 1] {
        let mut first_params = start();
        let mut first = make();
        let mut resumed_losses = run(&mut first, &mut first_params, k);
        let (saved_opt, saved_params) = (save(&first), save(&first_params));
        let mut resumed: Lbfgs<P, H> = load(&saved_opt);
        let mut resumed_params: P = load(&saved_params);
        assert_eq!(resumed.func_evals(), first.func_evals(), "{name}");
        resumed_losses.extend(run(&mut resumed, &mut resumed_params, total - k));
        assert_eq!(resumed_losses, losses, "{name}: losses, resumed at {k}");
        assert_eq!(
            bits(&resumed_params),
            bits(&params),
            "{name}: parameters, resumed at {k}"
        );
        assert_eq!(save(&resumed), save(&opt), "{name}: state, resumed at {k}");
    }
}

#[test]
fn lbfgs_resumes_bitwise_with_and_without_line_search() {
    // A history of 3 pairs wraps around the ring buffer within the run.
    lbfgs_resumes_bitwise("Lbfgs", || Lbfgs::<P, 3>::new(0.5).max_iter(4));
    lbfgs_resumes_bitwise("Lbfgs strong Wolfe", || {
        Lbfgs::<P, 3>::new(1.0)
            .max_iter(3)
            .line_search_fn(Some(LineSearch::StrongWolfe))
    });
    // More pairs than serde's own array impls handle (32).
    lbfgs_resumes_bitwise("Lbfgs history 40", || {
        Lbfgs::<P, 40>::new(1.0).history_size(40).max_iter(10)
    });
}

/// A training run driven by a scheduler: Sgd with momentum (the cyclic
/// schedulers cycle it). Returns the learning rates, the momenta and the
/// final parameters, bit for bit.
struct SchedRun {
    lrs: Vec<u64>,
    momenta: Vec<u64>,
    params: Vec<u64>,
}

fn optimizer() -> Sgd<P> {
    Sgd::new(0.05).momentum(0.9)
}

/// `make` builds the scheduler on a fresh optimizer; the run is `total`
/// epochs, interrupted after `k` (never if `k` is `None`), saving the
/// parameters, the optimizer and the scheduler, and loading them with
/// `reload`.
fn sched_run<S>(
    make: &impl Fn(&mut Sgd<P>) -> S,
    reload: &impl Fn(&str) -> S,
    step: &impl Fn(&mut S, &mut Sgd<P>, f64),
    total: usize,
    k: Option<usize>,
) -> SchedRun
where
    S: Serialize,
{
    let mut params = start();
    let mut opt = optimizer();
    let mut sched = make(&mut opt);
    let mut run = SchedRun {
        lrs: Vec::new(),
        momenta: Vec::new(),
        params: Vec::new(),
    };
    for epoch in 0..total {
        if Some(epoch) == k {
            let saved = (save(&params), save(&opt), save(&sched));
            params = load(&saved.0);
            opt = load(&saved.1);
            sched = reload(&saved.2);
        }
        run.lrs.push(opt.lr().to_bits());
        run.momenta
            .push(opt.momentum_or_beta1().unwrap_or(f64::NAN).to_bits());
        let (loss, grad) = objective(&params);
        opt.step(&mut params, &grad);
        step(&mut sched, &mut opt, loss);
    }
    run.params = bits(&params);
    run
}

fn sched_resumes_bitwise<S>(
    name: &str,
    make: impl Fn(&mut Sgd<P>) -> S,
    reload: impl Fn(&str) -> S,
    step: impl Fn(&mut S, &mut Sgd<P>, f64),
) where
    S: Serialize,
{
    let total = 24;
    let truth = sched_run(&make, &reload, &step, total, None);
    let distinct: std::collections::BTreeSet<_> = truth.lrs.iter().collect();
    assert!(
        distinct.len() > 1,
        "{name}: the schedule must change the lr"
    );
    for k in [0, 1, 5, 11, total - 1] {
        let resumed = sched_run(&make, &reload, &step, total, Some(k));
        assert_eq!(resumed.lrs, truth.lrs, "{name}: lrs, resumed at {k}");
        assert_eq!(resumed.momenta, truth.momenta, "{name}: momenta at {k}");
        assert_eq!(resumed.params, truth.params, "{name}: params at {k}");
    }
}

fn scheduled<S: LrScheduler<f64> + Serialize + DeserializeOwned>(
    name: &str,
    make: impl Fn(&mut Sgd<P>) -> S,
) {
    sched_resumes_bitwise(name, make, load, |sched: &mut S, opt, _| sched.step(opt));
}

#[test]
fn every_scheduler_resumes_bitwise() {
    scheduled("StepLr", |opt| StepLr::new(opt, 4, 0.5));
    scheduled("MultiStepLr", |opt| {
        MultiStepLr::new(opt, [2, 5, 5, 13], 0.5)
    });
    scheduled("ExponentialLr", |opt| ExponentialLr::new(opt, 0.9));
    scheduled("CosineAnnealingLr", |opt| {
        CosineAnnealingLr::new(opt, 7, 0.001)
    });
    scheduled("CosineAnnealingWarmRestarts", |opt| {
        CosineAnnealingWarmRestarts::new(opt, 3, 2, 0.001)
    });
    scheduled("LinearLr", |opt| LinearLr::new(opt, 0.25, 1.0, 9));
    scheduled("ConstantLr", |opt| ConstantLr::new(opt, 0.5, 7));
    scheduled("PolynomialLr", |opt| PolynomialLr::new(opt, 15, 2.0));
    scheduled("OneCycleLr", |opt| {
        OneCycleLr::new(
            opt,
            OneCycleLrConfig::new(0.1, 24)
                .anneal_strategy(AnnealStrategy::Linear)
                .three_phase(true),
        )
    });
    scheduled("CyclicLr", |opt| {
        CyclicLr::new(
            opt,
            CyclicLrConfig::new(0.01, 0.1)
                .step_size_up(3)
                .step_size_down(Some(4))
                .mode(CyclicMode::ExpRange { gamma: 0.95 }),
        )
    });
    scheduled("CyclicLr triangular2", |opt| {
        CyclicLr::new(
            opt,
            CyclicLrConfig::new(0.01, 0.1)
                .step_size_up(2)
                .mode(CyclicMode::Triangular2),
        )
    });
    scheduled("SequentialLr", |opt| {
        let warmup = LinearLr::new(opt, 0.1, 1.0, 4);
        let decay = CosineAnnealingLr::new(opt, 6, 0.0);
        SequentialLr::new(opt, warmup, decay, 5)
    });
    scheduled("ChainedScheduler", |opt| {
        let exponential = ExponentialLr::new(opt, 0.95);
        let step = StepLr::new(opt, 3, 0.5);
        ChainedScheduler::new(exponential, step)
    });
}

#[test]
fn lambda_lr_resumes_bitwise_with_its_function_given_again() {
    fn warmup(epoch: usize) -> f64 {
        ((epoch + 1) as f64 / 6.0).min(1.0) * 0.9_f64.powi(epoch as i32)
    }
    let lambda = warmup as fn(usize) -> f64;
    sched_resumes_bitwise(
        "LambdaLr",
        |opt| LambdaLr::new(opt, lambda),
        |json| {
            LambdaLr::deserialize_with(&mut serde_json::Deserializer::from_str(json), lambda)
                .expect("load LambdaLr")
        },
        |sched, opt, _| sched.step(opt),
    );
}

#[test]
fn reduce_lr_on_plateau_resumes_bitwise() {
    // The loss stalls and rises once the parameters pass their optimum, so
    // the scheduler reduces; `best` starts at +inf, which JSON has no
    // number for.
    let step = |sched: &mut ReduceLrOnPlateau<f64>, opt: &mut Sgd<P>, loss: f64| {
        sched.step(opt, (loss * 4.0).round())
    };
    sched_resumes_bitwise(
        "ReduceLrOnPlateau",
        |_| ReduceLrOnPlateau::new().patience(1).factor(0.5).cooldown(1),
        load,
        step,
    );
    sched_resumes_bitwise(
        "ReduceLrOnPlateau max abs",
        |_| {
            ReduceLrOnPlateau::new()
                .mode(PlateauMode::Max)
                .threshold_mode(ThresholdMode::Abs)
                .patience(2)
        },
        load,
        step,
    );
    let fresh = ReduceLrOnPlateau::<f64>::new();
    let json = save(&fresh);
    assert!(json.contains(r#""best":"Infinity""#), "{json}");
    let loaded: ReduceLrOnPlateau<f64> = load(&json);
    assert_eq!(loaded.best(), f64::INFINITY);
    let max: ReduceLrOnPlateau<f64> = load(&save(&fresh.mode(PlateauMode::Max)));
    assert_eq!(max.best(), f64::NEG_INFINITY);
}

/// The error of loading `json` as a `T`; fails the test if it loads.
fn load_error<T: DeserializeOwned>(json: &str) -> String {
    match serde_json::from_str::<T>(json) {
        Ok(_) => panic!("loaded a bad checkpoint: {json}"),
        Err(error) => error.to_string(),
    }
}

/// An Adam and an Lbfgs with state, saved.
fn saved_states() -> (String, String) {
    let mut params = start();
    let mut adam = Adam::new(0.05).amsgrad(true);
    let mut lbfgs = Lbfgs::<P, 4>::new(1.0).max_iter(5);
    for _ in 0..3 {
        let (_, grad) = objective(&params);
        adam.step(&mut params, &grad);
        lbfgs.step(&mut params, objective);
    }
    (save(&adam), save(&lbfgs))
}

#[test]
fn another_optimizer_is_an_error_naming_both() {
    let (adam, lbfgs) = saved_states();
    let error = load_error::<Sgd<P>>(&adam);
    assert!(
        error.contains("holds a `Adam`, not a `Sgd`"),
        "message: {error}"
    );
    // AdamW is Adam with other defaults: still not the same optimizer.
    let error = load_error::<AdamW<P>>(&adam);
    assert!(error.contains("not a `AdamW`"), "message: {error}");
    let error = load_error::<Adam<P>>(&lbfgs);
    assert!(
        error.contains("holds a `Lbfgs`, not a `Adam`"),
        "message: {error}"
    );
    // Schedulers of the same fields (base_lr, gamma, last_epoch).
    let mut opt = optimizer();
    let exponential = save(&ExponentialLr::new(&mut opt, 0.5));
    let error = load_error::<StepLr<f64>>(&exponential);
    assert!(error.contains("`ExponentialLr`"), "message: {error}");
    // A parameter set is not an optimizer.
    load_error::<Adam<P>>(&save(&start()));
}

#[test]
fn other_shapes_are_an_error() {
    let (adam, lbfgs) = saved_states();
    let error = load_error::<Adam<Vector4<f64>>>(&adam);
    assert!(error.contains("invalid"), "message: {error}");
    load_error::<Adam<(Vector3<f64>, Matrix2<f64>, f64)>>(&adam);
    load_error::<Adam<(Vector4<f64>, Matrix2<f64>)>>(&adam);
    // Another history size: the stored history has 4 pairs.
    let error = load_error::<Lbfgs<P, 5>>(&lbfgs);
    assert!(error.contains("array of 5 elements"), "message: {error}");
    load_error::<Lbfgs<P, 3>>(&lbfgs);
    load_error::<Lbfgs<Vector4<f64>, 4>>(&lbfgs);
    // Another number of milestones.
    let mut opt = MultiStepLr::new(&mut optimizer(), [3, 5], 0.5);
    opt.step(&mut optimizer());
    load_error::<MultiStepLr<f64, 3>>(&save(&opt));
    load_error::<MultiStepLr<f64, 1>>(&save(&opt));
}

#[test]
fn truncated_checkpoints_are_an_error() {
    let (adam, lbfgs) = saved_states();
    for json in [&adam, &lbfgs] {
        for cut in (0..json.len()).step_by(7) {
            load_error::<Adam<P>>(&json[..cut]);
            load_error::<Lbfgs<P, 4>>(&json[..cut]);
        }
    }
}

#[test]
fn corrupt_checkpoints_are_an_error() {
    let (adam, lbfgs) = saved_states();
    load_error::<Adam<P>>("");
    load_error::<Adam<P>>("\u{0}\u{1}garbage");
    load_error::<Adam<P>>(&adam.replace("\"lr\":", "\"lr\":\"x\","));
    load_error::<Adam<P>>(&adam.replace("\"step_count\":3", "\"step_count\":-3"));
    load_error::<Adam<P>>(&adam.replace("\"amsgrad\":true", "\"amsgrad\":1"));
    load_error::<Adam<P>>(&adam.replace("\"kind\":\"Adam\",", ""));
    // Indices into the history that a step would follow out of bounds.
    let oldest = lbfgs.find("\"oldest\":").expect("oldest") + "\"oldest\":".len();
    let corrupt = format!("{}9{}", &lbfgs[..oldest], &lbfgs[oldest + 1..]);
    let error = load_error::<Lbfgs<P, 4>>(&corrupt);
    assert!(error.contains("an index into the storage"), "{error}");
    let len = lbfgs.find("\"len\":").expect("len") + "\"len\":".len();
    let corrupt = format!("{}7{}", &lbfgs[..len], &lbfgs[len + 1..]);
    let error = load_error::<Lbfgs<P, 4>>(&corrupt);
    assert!(error.contains("a length within the storage"), "{error}");
    let corrupt = lbfgs.replace("\"history_size\":4", "\"history_size\":0");
    load_error::<Lbfgs<P, 4>>(&corrupt);
    // Periods a step would divide by.
    let mut opt = optimizer();
    let step = save(&StepLr::new(&mut opt, 4, 0.5));
    let error = load_error::<StepLr<f64>>(&step.replace("\"step_size\":4", "\"step_size\":0"));
    assert!(error.contains("expected a positive integer"), "{error}");
    let cosine = save(&CosineAnnealingLr::new(&mut opt, 7, 0.0));
    load_error::<CosineAnnealingLr<f64>>(&cosine.replace("\"t_max\":7", "\"t_max\":0"));
    let restarts = save(&CosineAnnealingWarmRestarts::new(&mut opt, 3, 2, 0.0));
    load_error::<CosineAnnealingWarmRestarts<f64>>(&restarts.replace("\"t_i\":3", "\"t_i\":0"));
    let one_cycle = save(&OneCycleLr::new(&mut opt, OneCycleLrConfig::new(0.1, 10)));
    load_error::<OneCycleLr<f64>>(&one_cycle.replace("\"phase_count\":2", "\"phase_count\":4"));
    // A NaN in the state is written as null by serde_json: an error on
    // loading, not a run on different numbers.
    let mut params = start();
    let mut adam = Adam::new(0.05);
    let (_, mut grad) = objective(&params);
    grad.0.x = f64::NAN;
    adam.step(&mut params, &grad);
    load_error::<Adam<P>>(&save(&adam));
}
