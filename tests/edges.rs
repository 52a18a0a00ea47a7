//! Numbers at the edges: NaN and ±∞ in data or parameters propagate as NaN
//! and ±∞ (never a hang, a panic or an endless loop) through activations,
//! losses, optimizer steps, gradient clipping, generated siblings and the
//! least-squares solver, as PyTorch's do.
//!
//! PyTorch's behaviour is `tests/data/edges.json`, written by
//! `tests/data/edges.py` with torch 2.15 (float64). Where torch raises instead
//! (`BCELoss` on an input outside [0, 1], `error_if_nonfinite`), tapeless
//! returns NaN or an `Err`. Losses at logits of ±1000 and probabilities 0
//! and 1 are the `_large` and `_edge` cases of `tests/data/losses.json`,
//! replayed (values and gradients) by `tests/loss_parity.rs`;
//! [`losses_at_extreme_logits_and_probabilities`] repeats them here from the
//! formulas torch documents, with their gradients.

use std::sync::mpsc;
use std::time::Duration;

use nalgebra::{Matrix2x3, SMatrix, Vector2, Vector3, Vector4};
use serde_json::Value;
use tapeless::loss::{self, KlDivReduction, Reduction};
use tapeless::lsq;
use tapeless::nn::{self, utils};
use tapeless::optim::{
    Adadelta, Adagrad, Adam, AdamW, Adamax, Lbfgs, LineSearch, NAdam, Optimizer, RAdam, RmsProp,
    Sgd,
};
use tapeless::prelude::*;

fn edges() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/edges.json"
    ))
    .expect("tests/data/edges.json");
    serde_json::from_str(&text).expect("JSON")
}

/// A number of the reference ("nan", "inf" and "-inf" as strings).
fn number(value: &Value) -> f64 {
    match value {
        Value::String(s) if s == "nan" => f64::NAN,
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        other => other.as_f64().expect("a number"),
    }
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("a list")
        .iter()
        .map(number)
        .collect()
}

/// `ours` equals `torch`: the same NaNs and infinities, finite values within
/// 1e-12 relative.
fn assert_same(what: &str, ours: &[f64], torch: &[f64]) {
    assert_eq!(ours.len(), torch.len(), "{what}: length");
    for (i, (&a, &b)) in ours.iter().zip(torch).enumerate() {
        let same = if b.is_nan() {
            a.is_nan()
        } else if b.is_infinite() {
            a == b
        } else {
            a.is_finite() && (a - b).abs() <= 1e-12 * b.abs().max(1.0)
        };
        assert!(
            same,
            "{what}[{i}]: ours {a}, torch {b}\nours  {ours:?}\ntorch {torch:?}"
        );
    }
}

/// Input gradients: torch's, except that at a NaN input ours may be NaN
/// where torch's is a number (torch's relu, leaky_relu and elu masks and
/// its `sign(NaN) = 0` pass a gradient through a NaN; tapeless propagates
/// the NaN). Never a number where torch's is NaN.
fn assert_same_gradient(what: &str, input: &[f64], ours: &[f64], torch: &[f64]) {
    assert_eq!(ours.len(), torch.len(), "{what}: length");
    for (i, (&a, &b)) in ours.iter().zip(torch).enumerate() {
        if input[i].is_nan() && a.is_nan() {
            continue;
        }
        assert_same(&format!("{what}[{i}]"), &[a], &[b]);
    }
}

/// Runs `f` on another thread and fails if it takes more than 20 s (a hang
/// or an endless loop) or panics.
fn within_time<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(f());
    });
    match receive.recv_timeout(Duration::from_secs(20)) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: no result after 20 s"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: panicked"),
    }
}

type Activation = fn(SMatrix<f64, 7, 1>) -> (SMatrix<f64, 7, 1>, SMatrix<f64, 7, 1>);

#[test]
fn activations_propagate_nan_and_infinity_as_torch() {
    let reference = edges();
    let cases: [(&str, Activation); 8] = [
        ("relu", |x| {
            let (y, back) = nn::relu_vjp(x);
            (y, back(SMatrix::repeat(1.0)).0)
        }),
        ("leaky_relu", |x| {
            let (y, back) = nn::leaky_relu_vjp(x, 0.01);
            (y, back(SMatrix::repeat(1.0)).0)
        }),
        ("sigmoid", |x| {
            let (y, back) = nn::sigmoid_vjp(x);
            (y, back(SMatrix::repeat(1.0)).0)
        }),
        ("tanh", |x| {
            let (y, back) = nn::tanh_vjp(x);
            (y, back(SMatrix::repeat(1.0)).0)
        }),
        ("softplus", |x| {
            let (y, back) = nn::softplus_vjp(x, 1.0, 20.0);
            (y, back(SMatrix::repeat(1.0)).0)
        }),
        ("elu", |x| {
            let (y, back) = nn::elu_vjp(x, 1.0);
            (y, back(SMatrix::repeat(1.0)).0)
        }),
        ("gelu", |x| {
            let (y, back) = nn::gelu_vjp(x);
            (y, back(SMatrix::repeat(1.0)).0)
        }),
        ("silu", |x| {
            let (y, back) = nn::silu_vjp(x);
            (y, back(SMatrix::repeat(1.0)).0)
        }),
    ];
    for (name, activation) in cases {
        let case = &reference["activations"][name];
        let x = SMatrix::<f64, 7, 1>::from_iterator(numbers(&case["x"]));
        let (y, grad) = activation(x);
        assert_same(&format!("{name}(x)"), y.as_slice(), &numbers(&case["y"]));
        assert_same_gradient(
            &format!("{name}'(x)"),
            x.as_slice(),
            grad.as_slice(),
            &numbers(&case["grad"]),
        );
    }
}

#[test]
fn softmax_and_log_softmax_at_a_thousand() {
    // exp(−1000) underflows to 0: softmax is exactly one-hot, log_softmax
    // the differences, never NaN (the stable log-sum-exp).
    let x = Vector3::new(1000.0, -1000.0, 0.0);
    assert_eq!(nn::softmax(x), Vector3::new(1.0, 0.0, 0.0));
    assert_eq!(nn::log_softmax(x), Vector3::new(0.0, -2000.0, -1000.0));
    let nan = Vector3::new(f64::NAN, 0.0, 1.0);
    assert!(nn::softmax(nan).iter().all(|v| v.is_nan()));
    assert!(nn::log_softmax(nan).iter().all(|v| v.is_nan()));
}

#[test]
fn losses_at_extreme_logits_and_probabilities() {
    // BCEWithLogits: max(x, 0) − x·t + ln(1 + e^−|x|), gradient σ(x) − t.
    let x = Vector4::new(1000.0, 1000.0, -1000.0, -1000.0);
    let t = Vector4::new(1.0, 0.0, 1.0, 0.0);
    let (value, back) = loss::bce_with_logits_vjp(&x, &t, Reduction::Sum);
    assert_eq!(value, 2000.0);
    assert_eq!(back(1.0).0, Vector4::new(0.0, 1.0, -1.0, 0.0));
    // BCE: −(t·max(ln p, −100) + (1 − t)·max(ln(1 − p), −100)); torch's
    // gradient (p − t)/max(p(1 − p), 1e-12).
    let p = Vector4::new(0.0, 0.0, 1.0, 1.0);
    let t = Vector4::new(0.0, 1.0, 0.0, 1.0);
    let (value, back) = loss::bce_vjp(&p, &t, Reduction::Sum);
    assert_eq!(value, 200.0);
    let epsilon = f64::from(1e-12_f32); // torch's EPSILON is a C++ float
    assert_eq!(
        back(1.0).0,
        Vector4::new(0.0, -1.0 / epsilon, 1.0 / epsilon, 0.0)
    );
    // CrossEntropy: logsumexp(x) − x_t, gradient softmax(x) − onehot(t).
    let logits = Matrix2x3::new(1000.0, -1000.0, 0.0, -1000.0, 1000.0, 0.0).transpose();
    let (value, back) = loss::cross_entropy_vjp(&logits, &[1, 1], Reduction::Sum);
    assert_eq!(value, 2000.0);
    let expected = Matrix2x3::new(1.0, -1.0, 0.0, 0.0, 0.0, 0.0).transpose();
    assert_eq!(back(1.0).0, expected);
    // KLDiv with a zero target: torch's xlogy makes 0·ln 0 = 0.
    let input = Vector2::new(-1000.0, -0.5);
    let target = Vector2::new(0.0, 1.0);
    let value = loss::kl_div(&input, &target, false, KlDivReduction::Sum);
    assert_eq!(value, 0.5);
}

#[test]
fn losses_propagate_nan_as_torch() {
    let reference = edges();
    let cases = &reference["losses_nan"];
    let vector = |name: &str, key: &str| Vector4::from_iterator(numbers(&cases[name][key]));
    let check = |name: &str, (value, grad): (f64, Vector4<f64>)| {
        let case = &cases[name];
        assert_same(name, &[value], &[number(&case["value"])]);
        let input = numbers(&case["input"]);
        let torch = numbers(&case["grad"]);
        assert_same_gradient(&format!("{name}'"), &input, grad.as_slice(), &torch);
    };
    let (x, t) = (vector("l1", "input"), vector("l1", "target"));
    let (v, back) = loss::l1_vjp(&x, &t, Reduction::Mean);
    check("l1", (v, back(1.0).0));
    let (v, back) = loss::mse_vjp(&x, &t, Reduction::Mean);
    check("mse", (v, back(1.0).0));
    let (v, back) = loss::huber_vjp(&x, &t, 1.0, Reduction::Mean);
    check("huber", (v, back(1.0).0));
    let (v, back) = loss::smooth_l1_vjp(&x, &t, 1.0, Reduction::Mean);
    check("smooth_l1", (v, back(1.0).0));
    let (x, t) = (
        vector("bce_with_logits", "input"),
        vector("bce_with_logits", "target"),
    );
    let (v, back) = loss::bce_with_logits_vjp(&x, &t, Reduction::Mean);
    check("bce_with_logits", (v, back(1.0).0));
    let (x, t) = (
        vector("poisson_nll", "input"),
        vector("poisson_nll", "target"),
    );
    let (v, back) = loss::poisson_nll_vjp(&x, &t, true, false, Reduction::Mean);
    check("poisson_nll", (v, back(1.0).0));
    let (x, t) = (vector("kl_div", "input"), vector("kl_div", "target"));
    let (v, back) = loss::kl_div_vjp(&x, &t, false, KlDivReduction::Sum);
    check("kl_div", (v, back(1.0).0));
    // torch refuses a NaN probability in BCELoss; the value is NaN here.
    assert!(cases["bce"]["error"].is_string());
    let (p, t) = (vector("bce", "input"), vector("bce", "target"));
    let (v, back) = loss::bce_vjp(&p, &t, Reduction::Mean);
    assert!(v.is_nan());
    assert!(back(1.0).0[1].is_nan());
    // Class-index losses: 3 classes × 2 samples, torch's [N, C] row-major
    // is our C × N column-major.
    for name in ["cross_entropy", "nll"] {
        let input = Matrix2x3::from_row_slice(&numbers(&cases[name]["input"])).transpose();
        let (v, back) = if name == "nll" {
            let (v, back) = loss::nll_vjp(&input, &[1, 2], Reduction::Mean);
            (v, back(1.0).0)
        } else {
            let (v, back) = loss::cross_entropy_vjp(&input, &[1, 2], Reduction::Mean);
            (v, back(1.0).0)
        };
        assert_same(name, &[v], &[number(&cases[name]["value"])]);
        assert_same(&format!("{name}'"), back.transpose().as_slice(), &{
            // Our transpose is row-major in torch's order.
            let torch = numbers(&cases[name]["grad"]);
            let m = Matrix2x3::from_row_slice(&torch);
            m.transpose().transpose().as_slice().to_vec()
        });
    }
}

fn run_optimizer<O: Optimizer<Vector5> + Send + 'static>(
    name: &str,
    mut opt: O,
    grads: Vec<Vec<f64>>,
) -> Vec<Vec<f64>> {
    within_time(name, move || {
        let mut params = Vector5::new(1.0, 2.0, 3.0, 4.0, 5.0);
        grads
            .iter()
            .map(|g| {
                opt.step(&mut params, &Vector5::from_column_slice(g));
                params.as_slice().to_vec()
            })
            .collect()
    })
}

type Vector5 = nalgebra::SVector<f64, 5>;

#[test]
fn optimizer_steps_propagate_nan_and_infinity_as_torch() {
    let reference = edges();
    for (name, case) in reference["optimizers"].as_object().expect("optimizers") {
        let grads: Vec<Vec<f64>> = case["grads"]
            .as_array()
            .expect("grads")
            .iter()
            .map(numbers)
            .collect();
        let ours = match name.as_str() {
            "Sgd" => run_optimizer(name, Sgd::new(0.1), grads),
            "SgdMomentum" => run_optimizer(name, Sgd::new(0.1).momentum(0.9), grads),
            "Adam" => run_optimizer(name, Adam::new(0.1), grads),
            "AdamAmsgrad" => run_optimizer(name, Adam::new(0.1).amsgrad(true), grads),
            "AdamW" => run_optimizer(name, AdamW::new(0.1), grads),
            "Adagrad" => run_optimizer(name, Adagrad::new(0.1), grads),
            "Adadelta" => run_optimizer(name, Adadelta::new(1.0), grads),
            "RmsProp" => run_optimizer(name, RmsProp::new(0.01), grads),
            "RmsPropCentered" => {
                run_optimizer(name, RmsProp::new(0.01).centered(true).momentum(0.5), grads)
            }
            "NAdam" => run_optimizer(name, NAdam::new(0.1), grads),
            "RAdam" => run_optimizer(name, RAdam::new(0.1), grads),
            "Adamax" => run_optimizer(name, Adamax::new(0.1), grads),
            other => panic!("no optimizer for the case {other}"),
        };
        for (step, (ours, torch)) in ours
            .iter()
            .zip(case["params"].as_array().expect("params"))
            .enumerate()
        {
            assert_same(&format!("{name}, step {}", step + 1), ours, &numbers(torch));
        }
    }
}

#[test]
fn lbfgs_on_nan_data_ends_as_torch() {
    let reference = edges();
    for (name, line_search) in [
        ("none", None),
        ("strong_wolfe", Some(LineSearch::StrongWolfe)),
    ] {
        let case = reference["lbfgs"][name].clone();
        let (losses, params, evals, iterations) = within_time(name, move || {
            let weights = Vector3::new(f64::NAN, 1.0, 2.0);
            let centre = Vector3::new(1.0, -1.0, 0.5);
            let objective = |p: &Vector3<f64>| {
                let d = p - centre;
                let loss = weights.component_mul(&d).dot(&d);
                (loss, 2.0 * weights.component_mul(&d))
            };
            let mut lbfgs = Lbfgs::<Vector3<f64>, 5>::new(1.0).line_search_fn(line_search);
            let mut p = Vector3::zeros();
            let losses: Vec<f64> = (0..2).map(|_| lbfgs.step(&mut p, objective)).collect();
            (losses, p, lbfgs.func_evals(), lbfgs.n_iter())
        });
        assert_same(
            &format!("Lbfgs {name} losses"),
            &losses,
            &numbers(&case["losses"]),
        );
        assert_same(
            &format!("Lbfgs {name} params"),
            params.as_slice(),
            &numbers(&case["params"]),
        );
        assert_eq!(
            evals,
            case["func_evals"].as_u64().expect("evals") as usize,
            "{name}"
        );
        assert_eq!(
            iterations,
            case["n_iter"].as_u64().expect("n_iter") as usize,
            "{name}"
        );
    }
}

#[test]
fn clip_grad_norm_on_non_finite_gradients_as_torch() {
    let reference = edges();
    for case in reference["clip_grad_norm"].as_array().expect("cases") {
        let grad = Vector3::from_iterator(numbers(&case["grad"]));
        let norm_type = number(&case["norm_type"]);
        let what = format!("clip_grad_norm({grad:?}, norm_type {norm_type})");
        // error_if_nonfinite=False (torch's default): scaled by the NaN or
        // zero factor anyway.
        let mut clipped = grad;
        let norm = utils::clip_grad_norm(&mut clipped, 1.0, norm_type);
        assert_same(&what, &[norm], &[number(&case["norm"])]);
        assert_same(&what, clipped.as_slice(), &numbers(&case["clipped"]));
        // error_if_nonfinite=True: an error, the gradient untouched.
        let mut checked = grad;
        match (
            utils::try_clip_grad_norm(&mut checked, 1.0, norm_type),
            &case["error_if_nonfinite"],
        ) {
            (Ok(norm), Value::Null) => {
                assert_same(&what, &[norm], &[number(&case["norm"])]);
                assert_same(&what, checked.as_slice(), &numbers(&case["clipped"]));
            }
            (Err(error), Value::String(torch)) => {
                assert_same(
                    &what,
                    checked.as_slice(),
                    &numbers(&case["grad_after_error"]),
                );
                // torch's message up to its advice (which names its keyword).
                let message = error.to_string();
                let head = |m: &str| m.split(", so").next().unwrap_or_default().to_owned();
                assert_eq!(head(&message), head(torch), "{what}: {message}");
                assert!(error.norm().is_nan() || error.norm().is_infinite());
            }
            (ours, torch) => panic!("{what}: ours {ours:?}, torch {torch}"),
        }
    }
}

#[differentiable(jvp, hessian)]
fn smooth(p: &Vector3<f64>, data: &[f64; 4]) -> f64 {
    let mut total = 0.0;
    for (i, d) in data.iter().enumerate() {
        let r = p.x * (p.y * d).sin() + p.z * (i as f64) - d;
        total += r * r;
    }
    total + p.norm_squared().sqrt()
}

#[differentiable]
fn branchy(p: &Vector3<f64>, data: &[f64]) -> f64 {
    // A recurrence, an accumulation over run-time data, branches on
    // active values, Newton steps.
    let mut state = p.x;
    for k in 0..8 {
        state = 0.5 * state + p.y * (k as f64);
    }
    let mut total = 0.0;
    for d in data.iter() {
        total += d * state;
    }
    let mut y = if total > 0.0 {
        total.ln_1p()
    } else {
        total.exp()
    };
    for _ in 0..6 {
        y = 0.5 * (y + 2.0 / y);
    }
    y * p.z + nn::relu(p.x) * nn::sigmoid(p.y)
}

#[test]
fn generated_siblings_propagate_nan_and_infinity() {
    within_time("siblings", || {
        let finite = Vector3::new(0.5, -0.25, 1.5);
        let data = [0.1, 0.2, 0.3, 0.4];
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for k in 0..3 {
                let mut p = finite;
                p[k] = bad;
                let (value, grad) = smooth_grad(&p, &data);
                assert_eq!(value.is_nan(), smooth(&p, &data).is_nan());
                assert!(!value.is_finite(), "smooth({p:?}) = {value}");
                assert!(
                    grad.iter().any(|g| !g.is_finite()),
                    "smooth'({p:?}) = {grad:?}"
                );
                let (value, pullback) = smooth_vjp(&p, &data);
                assert!(!value.is_finite(), "{value}");
                assert!(pullback(1.0).0.iter().any(|g| !g.is_finite()));
                let (value, tangent) =
                    smooth_jvp(&p, &data, &Vector3::new(1.0, 1.0, 1.0), tapeless::NoTangent);
                assert!(
                    !value.is_finite() && !tangent.is_finite(),
                    "jvp {value} {tangent}"
                );
                let (value, grad, hessian) = smooth_hessian(&p, &data);
                assert!(!value.is_finite(), "{value}");
                assert!(grad.iter().any(|g| !g.is_finite()), "{grad}");
                assert!(hessian.iter().any(|h| !h.is_finite()), "{hessian}");
                let (value, grad) = branchy_grad(&p, &data);
                assert_eq!(value.is_nan(), branchy(&p, &data).is_nan());
                assert!(
                    !value.is_finite() || grad.iter().any(|g| !g.is_finite()),
                    "branchy({p:?}) = {value}, {grad:?}"
                );
            }
            // Bad data, finite parameters.
            let mut bad_data = data;
            bad_data[2] = bad;
            let (value, grad) = smooth_grad(&finite, &bad_data);
            assert!(value.is_nan() || value.is_infinite(), "{value}");
            assert!(grad.iter().any(|g| !g.is_finite()), "{grad:?}");
            let (value, grad) = branchy_grad(&finite, &bad_data);
            assert!(
                !value.is_finite() || grad.iter().any(|g| !g.is_finite()),
                "branchy: {value}, {grad:?}"
            );
        }
    });
}

#[differentiable]
fn exponential_decay(b: &Vector2<f64>, x: f64, y: f64) -> f64 {
    b[0] * (-b[1] * x).exp() - y
}

#[test]
fn least_squares_on_non_finite_input_is_an_error() {
    within_time("lsq", || {
        let xs = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0];
        let ys = [3.0, 1.8, 1.1, 0.66, 0.4, 0.24];
        let fit = |start: Vector2<f64>, ys: [f64; 6]| {
            let mut b = start;
            lsq::LevenbergMarquardt::new().minimize(&mut b, xs.len(), |b, i| {
                exponential_decay_grad(b, xs[i], ys[i])
            })
        };
        // The clean problem fits.
        let mut b = Vector2::new(1.0, 0.1);
        assert!(fit(b, ys).is_ok());
        b = Vector2::new(3.0, 0.5);
        assert!(exponential_decay(&b, 0.0, 3.0).abs() < 1e-15);
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut bad_ys = ys;
            bad_ys[3] = bad;
            match fit(Vector2::new(1.0, 0.1), bad_ys) {
                Err(lsq::LsqError::NonFinite { index: 3 }) => {}
                other => panic!("data {bad}: {other:?}"),
            }
            match fit(Vector2::new(bad, 0.1), ys) {
                Err(lsq::LsqError::NonFinite { .. }) => {}
                other => panic!("start {bad}: {other:?}"),
            }
        }
        // Finite at the start, overflowing at trial points (e^{−b₁x} for a
        // large negative b₁): those steps are rejected, the fit ends.
        let result = fit(Vector2::new(1.0, -300.0), ys);
        if let Ok(fit) = &result {
            assert!(fit.rss.is_finite());
        }
    });
}

#[test]
fn reduce_lr_on_plateau_with_nan_metrics_as_torch() {
    let reference = edges();
    let case = &reference["plateau_nan"];
    let mut opt = Sgd::<f64>::new(1.0);
    let mut sched = tapeless::sched::ReduceLrOnPlateau::new()
        .patience(1)
        .factor(0.5);
    let lrs: Vec<f64> = numbers(&case["metrics"])
        .into_iter()
        .map(|metric| {
            sched.step(&mut opt, metric);
            opt.lr()
        })
        .collect();
    assert_same("lrs", &lrs, &numbers(&case["lrs"]));
    assert_same("best", &[sched.best()], &[number(&case["best"])]);
}

#[test]
fn check_grad_reports_non_finite_gradients_without_panicking() {
    let nan = Vector3::new(f64::NAN, 1.0, 2.0);
    let (_, grad) = smooth_grad(&nan, &[0.1, 0.2, 0.3, 0.4]);
    let checked = within_time("check_grad", move || {
        tapeless::check_grad(
            |p: &Vector3<f64>| smooth(p, &[0.1, 0.2, 0.3, 0.4]),
            &nan,
            &grad,
        )
    });
    // A NaN gradient is no verified gradient.
    assert!(checked.is_err(), "check_grad accepted a NaN gradient");
}

#[test]
fn params_helpers_propagate_nan() {
    let p = Vector3::new(1.0, f64::NAN, 2.0);
    assert!(p.norm().is_nan());
    assert!(utils::total_norm(&p, 1.0).is_nan());
    assert!(utils::total_norm(&p, f64::INFINITY).is_nan());
    let mut q = p;
    utils::clip_grad_value(&mut q, 1.0);
    assert!(
        q[1].is_nan(),
        "clip_grad_value keeps NaN as torch's clamp: {q}"
    );
}
