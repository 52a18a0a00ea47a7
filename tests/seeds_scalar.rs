//! The tutorial runs of `tests/data/seeds.json` that need no `nn` layers,
//! reproduced end to end with hand-written gradients (they test the
//! optimizers and schedulers, not the gradient generator):
//!
//! * `scalar_trajectory` (cube, abs_exponential, curve_adam, square_gd): every
//!   x, f(x), loss and learning rate along the trajectory;
//! * `curve_fit` (quadratic_fit): the loss and parameter history every 1000
//!   steps and the final loss and parameters after 20 000 SGD steps.
//!
//! All within the trajectory tolerance `|a - b| <= 1e-8·max(|b|, S)`. The
//! `mlp_training` cases need the `nn` layers and are covered elsewhere.

mod common;
use common::{assert_close_trajectory, numbers};
use serde_json::Value;
use tapeless::Params;
use tapeless::optim::{Adam, Optimizer, Sgd};
use tapeless::sched::{ExponentialLr, LrScheduler};

/// torch.sign: 0 at 0.
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// A scalar function of one variable.
type Scalar = fn(f64) -> f64;

/// The function of a case and its derivative.
fn function(text: &str) -> (Scalar, Scalar) {
    match text {
        "f(x) = x**3" => (|x| x * x * x, |x| 3.0 * x * x),
        "f(x) = abs(x) * 5" => (|x| x.abs() * 5.0, |x| 5.0 * sign(x)),
        "f(x) = x**2/20 + tanh(sin(x))" => (
            |x| x * x / 20.0 + x.sin().tanh(),
            |x| x / 10.0 + (1.0 - x.sin().tanh().powi(2)) * x.cos(),
        ),
        "f(theta) = theta**2" => (|x| x * x, |x| 2.0 * x),
        other => panic!("unknown function `{other}`"),
    }
}

/// The optimizer of a case: only `lr` may be given.
fn optimizer<P: Params<Scalar = f64> + 'static>(spec: &Value) -> Box<dyn Optimizer<P>> {
    let kwargs = spec["kwargs"].as_object().expect("kwargs");
    for key in kwargs.keys() {
        assert_eq!(key, "lr", "unsupported optimizer keyword {key}");
    }
    let lr = kwargs["lr"].as_f64().expect("lr");
    match spec["name"].as_str().expect("name") {
        "SGD" => Box::new(Sgd::new(lr)),
        "Adam" => Box::new(Adam::new(lr)),
        other => panic!("unknown optimizer {other}"),
    }
}

fn scalar_trajectory(case: &Value) {
    let name = case["name"].as_str().expect("name");
    let (f, df) = function(case["function"].as_str().expect("function"));
    let target = case["l1_target"].as_f64();
    assert!(target.is_some() || case["l1_target"].is_null());
    let mut opt = optimizer::<f64>(&case["optimizer"]);
    let mut scheduler = match &case["scheduler"] {
        Value::Null => None,
        spec => {
            assert_eq!(spec["name"], "ExponentialLR", "{name}: unknown scheduler");
            let args = spec["args"].as_object().expect("args");
            assert!(args.keys().all(|k| k == "gamma" || k == "last_epoch"));
            assert_eq!(args["last_epoch"], -1);
            let gamma = args["gamma"].as_f64().expect("gamma");
            Some(ExponentialLr::new(&mut *opt, gamma))
        }
    };
    let steps = usize::try_from(case["steps"].as_u64().expect("steps")).expect("fits");
    let mut x = case["x0"].as_f64().expect("x0");
    let (mut xs, mut ys, mut losses, mut lrs) = (vec![x], vec![f(x)], Vec::new(), Vec::new());
    for _ in 0..steps {
        let y = f(x);
        // L1Loss (mean over one element) against the target, or f itself.
        let (loss, grad) = match target {
            Some(t) => ((y - t).abs(), sign(y - t) * df(x)),
            None => (y, df(x)),
        };
        losses.push(loss);
        lrs.push(opt.lr());
        opt.step(&mut x, &grad);
        if let Some(scheduler) = scheduler.as_mut() {
            scheduler.step(&mut *opt);
        }
        xs.push(x);
        ys.push(f(x));
    }
    assert_close_trajectory(&xs, &numbers(&case["x"]), &format!("{name}: x"));
    assert_close_trajectory(&ys, &numbers(&case["y"]), &format!("{name}: y"));
    assert_close_trajectory(
        &losses,
        &numbers(&case["loss_values"]),
        &format!("{name}: loss"),
    );
    assert_close_trajectory(&lrs, &numbers(&case["lr"]), &format!("{name}: lr"));
}

/// Mean squared error of `a·t² + b·t + c` against the signal, and its
/// gradient with respect to `(a, b, c)`.
fn quadratic_fit_loss(p: &(f64, f64, f64), t: &[f64], signal: &[f64]) -> (f64, (f64, f64, f64)) {
    let n = t.len() as f64;
    let (mut loss, mut grad) = (0.0, (0.0, 0.0, 0.0));
    for (&t, &y) in t.iter().zip(signal) {
        let residual = p.0 * (t * t) + p.1 * t + p.2 - y;
        loss += residual * residual;
        let d = 2.0 * residual / n;
        grad.0 += d * t * t;
        grad.1 += d * t;
        grad.2 += d;
    }
    (loss / n, grad)
}

fn curve_fit(case: &Value) {
    let name = case["name"].as_str().expect("name");
    assert_eq!(case["loss"]["name"], "MSELoss");
    assert_eq!(case["loss"]["args"]["reduction"], "mean");
    let (t, signal) = (numbers(&case["t"]), numbers(&case["signal"]));
    let p0 = numbers(&case["params0"]);
    let mut params = (p0[0], p0[1], p0[2]);
    let mut opt = optimizer::<(f64, f64, f64)>(&case["optimizer"]);
    let steps = usize::try_from(case["steps"].as_u64().expect("steps")).expect("fits");
    let every =
        usize::try_from(case["record_every"].as_u64().expect("record_every")).expect("fits");
    let (mut loss_history, mut params_history) = (Vec::new(), Vec::new());
    for k in 0..steps {
        let (loss, grad) = quadratic_fit_loss(&params, &t, &signal);
        if k % every == 0 {
            loss_history.push(loss);
            params_history.push(vec![params.0, params.1, params.2]);
        }
        opt.step(&mut params, &grad);
    }
    assert_close_trajectory(
        &loss_history,
        &numbers(&case["loss_history"]),
        &format!("{name}: loss"),
    );
    let expected: Vec<Vec<f64>> = case["params_history"]
        .as_array()
        .expect("params_history")
        .iter()
        .map(numbers)
        .collect();
    assert_eq!(params_history.len(), expected.len());
    let flat_expected: Vec<f64> = expected.into_iter().flatten().collect();
    let flat_actual: Vec<f64> = params_history.into_iter().flatten().collect();
    assert_close_trajectory(&flat_actual, &flat_expected, &format!("{name}: params"));
    let final_loss = quadratic_fit_loss(&params, &t, &signal).0;
    assert_close_trajectory(
        &[final_loss],
        &[case["final_loss"].as_f64().expect("final_loss")],
        name,
    );
    assert_close_trajectory(
        &[params.0, params.1, params.2],
        &numbers(&case["final_params"]),
        name,
    );
}

#[test]
fn tutorial_runs_without_layers_follow_torch() {
    let file = common::reference("seeds.json");
    let (mut scalar, mut fits, mut skipped) = (0, 0, 0);
    for case in file["cases"].as_array().expect("cases") {
        match case["kind"].as_str().expect("kind") {
            "scalar_trajectory" => {
                scalar_trajectory(case);
                scalar += 1;
            }
            "curve_fit" => {
                curve_fit(case);
                fits += 1;
            }
            // Needs the `nn` layers; not an optimizer test.
            "mlp_training" => skipped += 1,
            other => panic!("unknown seed kind {other}"),
        }
    }
    assert_eq!((scalar, fits, skipped), (4, 1, 2));
}
