//! Every optimizer configuration of `tests/data/optimizers.json` (PyTorch's
//! trajectories on Rosenbrock and on an ill-conditioned quadratic), replayed
//! step by step: parameters and objective within the trajectory tolerance
//! `|a - b| <= 1e-8·max(|b|, S)`, and for L-BFGS the closure evaluations and
//! iterations of every step equal to torch's.

mod common;
use common::numbers;
use nalgebra::SVector;
use serde_json::Value;
use tapeless::Real;
use tapeless::optim::{
    Adadelta, Adagrad, Adam, AdamW, Adamax, Lbfgs, LineSearch, NAdam, Optimizer, RAdam, RmsProp,
    Sgd,
};

/// One of the problems of the file, with the objective sign of a case.
struct Objective {
    kind: String,
    a: Vec<Vec<f64>>,
    b: Vec<f64>,
    sign: f64,
}

impl Objective {
    fn new(problem: &Value, sign: f64) -> Self {
        let kind = problem["kind"].as_str().expect("kind").to_owned();
        let (a, b) = match kind.as_str() {
            "rosenbrock" => (Vec::new(), Vec::new()),
            "quadratic" => (
                problem["A"]
                    .as_array()
                    .expect("A")
                    .iter()
                    .map(numbers)
                    .collect(),
                numbers(&problem["b"]),
            ),
            other => panic!("unknown problem kind {other}"),
        };
        Self { kind, a, b, sign }
    }

    /// The (signed) objective and its gradient, in `T`.
    fn eval<T: Real>(&self, x: &[T]) -> (T, Vec<T>) {
        let c = |v: f64| T::from_f64_lossy(v);
        let n = x.len();
        let mut g = vec![T::ZERO; n];
        let mut f = T::ZERO;
        if self.kind == "rosenbrock" {
            for i in 0..n - 1 {
                let r = x[i + 1] - x[i] * x[i];
                f += (T::ONE - x[i]) * (T::ONE - x[i]) + c(100.0) * r * r;
                g[i] += -c(2.0) * (T::ONE - x[i]) - c(400.0) * x[i] * r;
                g[i + 1] += c(200.0) * r;
            }
        } else {
            let ax: Vec<T> = self
                .a
                .iter()
                .map(|row| row.iter().zip(x).map(|(&a, &x)| c(a) * x).sum())
                .collect();
            let xax: T = x.iter().zip(&ax).map(|(&x, &ax)| x * ax).sum();
            let bx: T = self.b.iter().zip(x).map(|(&b, &x)| c(b) * x).sum();
            f = T::HALF * xax - bx;
            for i in 0..n {
                g[i] = ax[i] - c(self.b[i]);
            }
        }
        let sign = c(self.sign);
        (sign * f, g.into_iter().map(|g| sign * g).collect())
    }
}

fn kwarg_f64(value: &Value, key: &str) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("`{key}` is not a number: {value}"))
}

fn kwarg_bool(value: &Value, key: &str) -> bool {
    value
        .as_bool()
        .unwrap_or_else(|| panic!("`{key}` is not a bool: {value}"))
}

fn kwarg_betas<T: Real>(value: &Value) -> (T, T) {
    let betas = numbers(value);
    assert_eq!(betas.len(), 2, "betas");
    (T::from_f64_lossy(betas[0]), T::from_f64_lossy(betas[1]))
}

/// The optimizer of a case: `X::new(lr)` (lr from `kwargs`, else torch's
/// default recorded in `defaults`) and one builder call per other keyword
/// argument. Unknown optimizers and keywords fail the test.
fn build<T: Real, const D: usize>(case: &Value) -> Box<dyn Optimizer<SVector<T, D>>> {
    let name = case["optimizer"].as_str().expect("optimizer");
    let kwargs = case["kwargs"].as_object().expect("kwargs");
    let lr = T::from_f64_lossy(kwarg_f64(
        kwargs.get("lr").unwrap_or(&case["defaults"]["lr"]),
        "lr",
    ));
    let c = |v: &Value, key: &str| T::from_f64_lossy(kwarg_f64(v, key));
    let unknown =
        |key: &str| -> ! { panic!("{}: unknown keyword `{key}` for {name}", case["name"]) };
    let others = kwargs.iter().filter(|(key, _)| key.as_str() != "lr");
    match name {
        "SGD" => {
            let mut opt = Sgd::new(lr);
            // Builder order does not matter: nesterov first, where a check
            // in the setters would have failed.
            let mut entries: Vec<_> = others.collect();
            entries.sort_by_key(|(key, _)| key.as_str() != "nesterov");
            for (key, v) in entries {
                opt = match key.as_str() {
                    "momentum" => opt.momentum(c(v, key)),
                    "dampening" => opt.dampening(c(v, key)),
                    "weight_decay" => opt.weight_decay(c(v, key)),
                    "nesterov" => opt.nesterov(kwarg_bool(v, key)),
                    "maximize" => opt.maximize(kwarg_bool(v, key)),
                    _ => unknown(key),
                };
            }
            Box::new(opt)
        }
        "Adam" => {
            let mut opt = Adam::new(lr);
            for (key, v) in others {
                opt = match key.as_str() {
                    "betas" => opt.betas(kwarg_betas(v)),
                    "eps" => opt.eps(c(v, key)),
                    "weight_decay" => opt.weight_decay(c(v, key)),
                    "amsgrad" => opt.amsgrad(kwarg_bool(v, key)),
                    "maximize" => opt.maximize(kwarg_bool(v, key)),
                    "decoupled_weight_decay" => opt.decoupled_weight_decay(kwarg_bool(v, key)),
                    _ => unknown(key),
                };
            }
            Box::new(opt)
        }
        "AdamW" => {
            let mut opt = AdamW::new(lr);
            for (key, v) in others {
                opt = match key.as_str() {
                    "betas" => opt.betas(kwarg_betas(v)),
                    "eps" => opt.eps(c(v, key)),
                    "weight_decay" => opt.weight_decay(c(v, key)),
                    "amsgrad" => opt.amsgrad(kwarg_bool(v, key)),
                    "maximize" => opt.maximize(kwarg_bool(v, key)),
                    _ => unknown(key),
                };
            }
            Box::new(opt)
        }
        "Adagrad" => {
            let mut opt = Adagrad::new(lr);
            for (key, v) in others {
                opt = match key.as_str() {
                    "lr_decay" => opt.lr_decay(c(v, key)),
                    "weight_decay" => opt.weight_decay(c(v, key)),
                    "initial_accumulator_value" => opt.initial_accumulator_value(c(v, key)),
                    "eps" => opt.eps(c(v, key)),
                    "maximize" => opt.maximize(kwarg_bool(v, key)),
                    _ => unknown(key),
                };
            }
            Box::new(opt)
        }
        "Adadelta" => {
            let mut opt = Adadelta::new(lr);
            for (key, v) in others {
                opt = match key.as_str() {
                    "rho" => opt.rho(c(v, key)),
                    "eps" => opt.eps(c(v, key)),
                    "weight_decay" => opt.weight_decay(c(v, key)),
                    "maximize" => opt.maximize(kwarg_bool(v, key)),
                    _ => unknown(key),
                };
            }
            Box::new(opt)
        }
        "RMSprop" => {
            let mut opt = RmsProp::new(lr);
            for (key, v) in others {
                opt = match key.as_str() {
                    "alpha" => opt.alpha(c(v, key)),
                    "eps" => opt.eps(c(v, key)),
                    "weight_decay" => opt.weight_decay(c(v, key)),
                    "momentum" => opt.momentum(c(v, key)),
                    "centered" => opt.centered(kwarg_bool(v, key)),
                    "maximize" => opt.maximize(kwarg_bool(v, key)),
                    _ => unknown(key),
                };
            }
            Box::new(opt)
        }
        "NAdam" => {
            let mut opt = NAdam::new(lr);
            for (key, v) in others {
                opt = match key.as_str() {
                    "betas" => opt.betas(kwarg_betas(v)),
                    "eps" => opt.eps(c(v, key)),
                    "weight_decay" => opt.weight_decay(c(v, key)),
                    "momentum_decay" => opt.momentum_decay(c(v, key)),
                    "decoupled_weight_decay" => opt.decoupled_weight_decay(kwarg_bool(v, key)),
                    "maximize" => opt.maximize(kwarg_bool(v, key)),
                    _ => unknown(key),
                };
            }
            Box::new(opt)
        }
        "RAdam" => {
            let mut opt = RAdam::new(lr);
            for (key, v) in others {
                opt = match key.as_str() {
                    "betas" => opt.betas(kwarg_betas(v)),
                    "eps" => opt.eps(c(v, key)),
                    "weight_decay" => opt.weight_decay(c(v, key)),
                    "decoupled_weight_decay" => opt.decoupled_weight_decay(kwarg_bool(v, key)),
                    "maximize" => opt.maximize(kwarg_bool(v, key)),
                    _ => unknown(key),
                };
            }
            Box::new(opt)
        }
        "Adamax" => {
            let mut opt = Adamax::new(lr);
            for (key, v) in others {
                opt = match key.as_str() {
                    "betas" => opt.betas(kwarg_betas(v)),
                    "eps" => opt.eps(c(v, key)),
                    "weight_decay" => opt.weight_decay(c(v, key)),
                    "maximize" => opt.maximize(kwarg_bool(v, key)),
                    _ => unknown(key),
                };
            }
            Box::new(opt)
        }
        other => panic!("{}: unknown optimizer {other}", case["name"]),
    }
}

/// L-BFGS with torch's default history of 100 pairs.
fn build_lbfgs<const D: usize>(case: &Value) -> Lbfgs<SVector<f64, D>, 100> {
    let kwargs = case["kwargs"].as_object().expect("kwargs");
    let mut opt = Lbfgs::new(kwarg_f64(
        kwargs.get("lr").unwrap_or(&case["defaults"]["lr"]),
        "lr",
    ));
    for (key, v) in kwargs.iter().filter(|(key, _)| key.as_str() != "lr") {
        let count = || usize::try_from(v.as_u64().expect("an integer")).expect("fits");
        opt = match key.as_str() {
            "max_iter" => opt.max_iter(count()),
            "max_eval" => opt.max_eval(count()),
            "history_size" => opt.history_size(count()),
            "tolerance_grad" => opt.tolerance_grad(kwarg_f64(v, key)),
            "tolerance_change" => opt.tolerance_change(kwarg_f64(v, key)),
            "line_search_fn" => match v.as_str() {
                Some("strong_wolfe") => opt.line_search_fn(Some(LineSearch::StrongWolfe)),
                None if v.is_null() => opt.line_search_fn(None),
                _ => panic!("unknown line search {v}"),
            },
            _ => panic!("{}: unknown keyword `{key}` for LBFGS", case["name"]),
        };
    }
    opt
}

/// The largest `|a - b| / (tol·max(|b|, S))` over a record, `S = max(1, max|b|)`:
/// at most 1 when the record is within tolerance.
fn worst_ratio(actual: &[Vec<f64>], expected: &[Vec<f64>], tol: f64) -> f64 {
    assert_eq!(actual.len(), expected.len(), "record lengths differ");
    let scale = expected
        .iter()
        .flatten()
        .fold(1.0_f64, |m, b| m.max(b.abs()));
    let mut worst = 0.0_f64;
    for (a_row, b_row) in actual.iter().zip(expected) {
        assert_eq!(a_row.len(), b_row.len(), "row lengths differ");
        for (a, b) in a_row.iter().zip(b_row) {
            let ratio = (a - b).abs() / (tol * b.abs().max(scale));
            assert!(!ratio.is_nan(), "NaN in the trajectory");
            worst = worst.max(ratio);
        }
    }
    worst
}

/// What one replay produced.
struct Replay {
    params: Vec<Vec<f64>>,
    f: Vec<Vec<f64>>,
}

fn replay_first_order<T: Real, const D: usize>(case: &Value, objective: &Objective) -> Replay {
    let x0 = numbers(&case_problem(case)["x0"]);
    let mut params = SVector::<T, D>::from_iterator(x0.iter().map(|&v| T::from_f64_lossy(v)));
    let mut opt = build::<T, D>(case);
    let steps = usize::try_from(case["steps"].as_u64().expect("steps")).expect("fits");
    let to_f64 = |p: &SVector<T, D>| p.iter().map(|&v| T::to_f64_lossless(v)).collect::<Vec<_>>();
    let mut record = Replay {
        params: vec![to_f64(&params)],
        f: Vec::new(),
    };
    for _ in 0..steps {
        let (f, g) = objective.eval(params.as_slice());
        record.f.push(vec![T::to_f64_lossless(f)]);
        opt.step(&mut params, &SVector::from_column_slice(&g));
        record.params.push(to_f64(&params));
    }
    assert_eq!(opt.step_count(), steps);
    record.f.push(vec![T::to_f64_lossless(
        objective.eval(params.as_slice()).0,
    )]);
    record
}

fn case_problem(case: &Value) -> &'static Value {
    static FILE: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    let file = FILE.get_or_init(|| common::reference("optimizers.json"));
    file["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .find(|p| p["name"] == case["problem"])
        .unwrap_or_else(|| panic!("unknown problem {}", case["problem"]))
}

/// Replays L-BFGS, checking the evaluation counts and the returned losses.
fn replay_lbfgs<const D: usize>(case: &Value, objective: &Objective) -> Replay {
    let x0 = numbers(&case_problem(case)["x0"]);
    let mut params = SVector::<f64, D>::from_column_slice(&x0);
    let mut opt = build_lbfgs::<D>(case);
    let expected_evals = numbers(&case["func_evals"]);
    let expected_iters = numbers(&case["n_iter"]);
    let expected_f = numbers(&case["f"]);
    let mut record = Replay {
        params: vec![x0],
        f: Vec::new(),
    };
    for (k, (&evals, &iters)) in expected_evals.iter().zip(&expected_iters).enumerate() {
        let (evals_before, iters_before) = (opt.func_evals(), opt.n_iter());
        let mut calls = 0;
        let loss = opt.step(&mut params, |p| {
            calls += 1;
            let (f, g) = objective.eval(p.as_slice());
            (f, SVector::from_column_slice(&g))
        });
        let name = &case["name"];
        assert_eq!(
            calls as f64,
            evals,
            "{name}: closure calls in step {}",
            k + 1
        );
        assert_eq!(
            (opt.func_evals() - evals_before) as f64,
            evals,
            "{name}: func_evals, step {}",
            k + 1
        );
        assert_eq!(
            (opt.n_iter() - iters_before) as f64,
            iters,
            "{name}: n_iter, step {}",
            k + 1
        );
        let bound = 1e-8 * expected_f[k].abs().max(1.0);
        assert!(
            (loss - expected_f[k]).abs() <= bound,
            "{name}: loss returned by step {}",
            k + 1
        );
        record.f.push(vec![loss]);
        record.params.push(params.as_slice().to_vec());
    }
    record.f.push(vec![objective.eval(params.as_slice()).0]);
    record
}

fn replay_f64(case: &Value) -> Replay {
    let problem = case_problem(case);
    let objective = Objective::new(problem, case["objective_sign"].as_f64().expect("sign"));
    let lbfgs = case["optimizer"] == "LBFGS";
    match (problem["dim"].as_u64(), lbfgs) {
        (Some(2), false) => replay_first_order::<f64, 2>(case, &objective),
        (Some(5), false) => replay_first_order::<f64, 5>(case, &objective),
        (Some(2), true) => replay_lbfgs::<2>(case, &objective),
        (Some(5), true) => replay_lbfgs::<5>(case, &objective),
        (dim, _) => panic!("unsupported dimension {dim:?}"),
    }
}

fn expected(case: &Value) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let params = case["params"]
        .as_array()
        .expect("params")
        .iter()
        .map(numbers)
        .collect();
    let f = numbers(&case["f"]).into_iter().map(|f| vec![f]).collect();
    (params, f)
}

#[test]
fn every_configuration_follows_torch_within_1e_8() {
    let file = common::reference("optimizers.json");
    let cases = file["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 50);
    let mut failures = Vec::new();
    for case in cases {
        let replay = replay_f64(case);
        let (params, f) = expected(case);
        let ratio =
            worst_ratio(&replay.params, &params, 1e-8).max(worst_ratio(&replay.f, &f, 1e-8));
        println!(
            "{:<50} worst error / tolerance = {ratio:.2e}",
            case["name"].as_str().unwrap()
        );
        if ratio > 1.0 {
            failures.push(format!("{} ({ratio:.2e})", case["name"]));
        }
    }
    assert!(failures.is_empty(), "outside tolerance: {failures:?}");
}

/// The first-order optimizers in `f32` follow torch's `f64` trajectory on the
/// quadratic to `f32` accuracy (1e-4 of the trajectory's scale).
#[test]
fn first_order_optimizers_work_in_f32() {
    let file = common::reference("optimizers.json");
    let mut count = 0;
    for case in file["cases"].as_array().expect("cases") {
        if case["problem"] != "quadratic5d" || case["optimizer"] == "LBFGS" {
            continue;
        }
        let objective =
            Objective::new(case_problem(case), case["objective_sign"].as_f64().unwrap());
        let replay = replay_first_order::<f32, 5>(case, &objective);
        let (params, _) = expected(case);
        let ratio = worst_ratio(&replay.params, &params, 1e-4);
        assert!(
            ratio <= 1.0,
            "{}: f32 error / 1e-4 tolerance = {ratio:.2e}",
            case["name"]
        );
        count += 1;
    }
    assert_eq!(count, 22);
}
