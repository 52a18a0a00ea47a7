//! Parity of `loss` with PyTorch: every case of `tests/data/losses.json`,
//! values and input gradients, plus central-difference checks of every
//! `_vjp` at random points.
//!
//! Layout: a PyTorch `[N, C]` tensor is our `C × N` matrix (samples as
//! columns), so our column-major storage is PyTorch's row-major order and
//! `Params::from_flat` reads the reference lists directly.

mod common;
use common::{assert_close_op, flat, reference};
use nalgebra::{SMatrix, SVector};
use serde_json::Value;
use tapeless::loss::{self, KlDivReduction, Reduction};
use tapeless::nn::Elementwise;
use tapeless::{GradCheck, Params};

// ---------------------------------------------------------------- helpers

fn shape(value: &Value) -> Vec<u64> {
    value
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_u64().expect("dim"))
        .collect()
}

/// Class indices of a case.
fn classes<const B: usize>(value: &Value) -> [usize; B] {
    let list: Vec<usize> = value
        .as_array()
        .expect("targets")
        .iter()
        .map(|v| v.as_u64().expect("index") as usize)
        .collect();
    list.try_into().expect("batch size")
}

/// What a case computes: the reduction, or `None` for `reduction='none'`.
enum Reduce {
    Reduced(Reduction),
    BatchMean,
    None,
}

fn reduce_of(case: &Value) -> Reduce {
    match case["args"]["reduction"].as_str().expect("reduction") {
        "mean" => Reduce::Reduced(Reduction::Mean),
        "sum" => Reduce::Reduced(Reduction::Sum),
        "batchmean" => Reduce::BatchMean,
        "none" => Reduce::None,
        other => panic!("unknown reduction {other}"),
    }
}

/// Compares a reduced loss and its input gradient (pullback of 1).
fn check_reduced<X: Params<Scalar = f64>>(name: &str, case: &Value, value: f64, grad: &X) {
    assert_close_op(&[value], &flat(&case["output"]), &format!("{name} value"));
    let mut flat_grad = vec![0.0; grad.num_params()];
    grad.copy_to_flat(&mut flat_grad);
    assert_close_op(
        &flat_grad,
        &flat(&case["grad_input"]),
        &format!("{name} grad_input"),
    );
}

/// Compares unreduced losses and the VJP with the recorded `grad_output`.
fn check_unreduced<Y: Params<Scalar = f64>, X: Params<Scalar = f64>>(
    name: &str,
    case: &Value,
    values: &Y,
    grad: &X,
) {
    let mut flat_values = vec![0.0; values.num_params()];
    values.copy_to_flat(&mut flat_values);
    assert_close_op(
        &flat_values,
        &flat(&case["output"]),
        &format!("{name} output"),
    );
    let mut flat_grad = vec![0.0; grad.num_params()];
    grad.copy_to_flat(&mut flat_grad);
    assert_close_op(
        &flat_grad,
        &flat(&case["grad_input"]),
        &format!("{name} grad_input"),
    );
}

fn number(case: &Value, key: &str) -> f64 {
    case["args"][key]
        .as_f64()
        .unwrap_or_else(|| panic!("argument {key}"))
}

fn flag(case: &Value, key: &str) -> bool {
    case["args"][key]
        .as_bool()
        .unwrap_or_else(|| panic!("argument {key}"))
}

// ------------------------------------------------------- elementwise losses

/// The elementwise losses of a case on inputs of type `X`.
fn run_elementwise<X: Elementwise<Element = f64>>(name: &str, case: &Value) {
    let x = X::from_flat(&flat(&case["input"]));
    let t = X::from_flat(&flat(&case["target"]));
    macro_rules! dispatch {
        ($reduced:path, $reduced_vjp:path, $none:path, $none_vjp:path $(, $arg:expr)*) => {
            match reduce_of(case) {
                Reduce::Reduced(reduction) => {
                    let value = $reduced(&x, &t, $($arg,)* reduction);
                    let (vjp_value, pullback) = $reduced_vjp(&x, &t, $($arg,)* reduction);
                    assert_eq!(value.to_bits(), vjp_value.to_bits(), "{name}: primal and vjp values");
                    check_reduced(name, case, value, &pullback(1.0).0);
                }
                Reduce::None => {
                    let values = $none(&x, &t, $($arg),*);
                    let (vjp_values, pullback) = $none_vjp(&x, &t, $($arg),*);
                    assert_eq!(values.elements(), vjp_values.elements());
                    let adjoint = X::from_flat(&flat(&case["grad_output"]));
                    check_unreduced(name, case, &values, &pullback(adjoint).0);
                }
                Reduce::BatchMean => panic!("{name}: batchmean is for KLDivLoss only"),
            }
        };
    }
    match case["loss"].as_str().expect("loss") {
        "L1Loss" => dispatch!(
            loss::l1,
            loss::l1_vjp,
            loss::l1_elementwise,
            loss::l1_elementwise_vjp
        ),
        "MSELoss" => dispatch!(
            loss::mse,
            loss::mse_vjp,
            loss::mse_elementwise,
            loss::mse_elementwise_vjp
        ),
        "HuberLoss" => {
            let delta = number(case, "delta");
            dispatch!(
                loss::huber,
                loss::huber_vjp,
                loss::huber_elementwise,
                loss::huber_elementwise_vjp,
                delta
            )
        }
        "SmoothL1Loss" => {
            let beta = number(case, "beta");
            dispatch!(
                loss::smooth_l1,
                loss::smooth_l1_vjp,
                loss::smooth_l1_elementwise,
                loss::smooth_l1_elementwise_vjp,
                beta
            )
        }
        "BCELoss" => {
            assert!(
                case["args"]["weight"].is_null(),
                "{name}: BCELoss weight is not supported"
            );
            dispatch!(
                loss::bce,
                loss::bce_vjp,
                loss::bce_elementwise,
                loss::bce_elementwise_vjp
            )
        }
        "BCEWithLogitsLoss" => {
            assert!(
                case["args"]["weight"].is_null(),
                "{name}: weight is not supported"
            );
            assert!(
                case["args"]["pos_weight"].is_null(),
                "{name}: pos_weight cases go through run_pos_weight"
            );
            dispatch!(
                loss::bce_with_logits,
                loss::bce_with_logits_vjp,
                loss::bce_with_logits_elementwise,
                loss::bce_with_logits_elementwise_vjp
            )
        }
        "PoissonNLLLoss" => {
            let (log_input, full) = (flag(case, "log_input"), flag(case, "full"));
            assert_eq!(number(case, "eps"), 1e-8, "{name}: eps");
            dispatch!(
                loss::poisson_nll,
                loss::poisson_nll_vjp,
                loss::poisson_nll_elementwise,
                loss::poisson_nll_elementwise_vjp,
                log_input,
                full
            )
        }
        other => panic!("{name}: unknown elementwise loss {other}"),
    }
}

fn run_pos_weight<const R: usize, const C: usize>(name: &str, case: &Value) {
    let x = SMatrix::<f64, R, C>::from_flat(&flat(&case["input"]));
    let t = SMatrix::<f64, R, C>::from_flat(&flat(&case["target"]));
    let pos_weight = SVector::<f64, R>::from_flat(&flat(&case["args"]["pos_weight"]));
    match reduce_of(case) {
        Reduce::Reduced(reduction) => {
            let (value, pullback) =
                loss::bce_with_logits_pos_weight_vjp(&x, &t, &pos_weight, reduction);
            assert_eq!(
                value,
                loss::bce_with_logits_pos_weight(&x, &t, &pos_weight, reduction)
            );
            check_reduced(name, case, value, &pullback(1.0).0);
        }
        Reduce::None => {
            let (values, pullback) =
                loss::bce_with_logits_pos_weight_elementwise_vjp(&x, &t, &pos_weight);
            let adjoint = SMatrix::<f64, R, C>::from_flat(&flat(&case["grad_output"]));
            check_unreduced(name, case, &values, &pullback(adjoint).0);
        }
        Reduce::BatchMean => panic!("{name}: batchmean"),
    }
}

// ----------------------------------------------------- classification

fn class_weight<const C: usize>(case: &Value) -> Option<SVector<f64, C>> {
    let weight = &case["args"]["weight"];
    if weight.is_null() {
        None
    } else {
        Some(SVector::from_flat(&flat(weight)))
    }
}

fn run_cross_entropy<const C: usize, const B: usize>(name: &str, case: &Value) {
    let x = SMatrix::<f64, C, B>::from_flat(&flat(&case["input"]));
    let weight = class_weight::<C>(case);
    let smoothing = number(case, "label_smoothing");
    assert_eq!(
        case["args"]["ignore_index"].as_i64(),
        Some(-100),
        "{name}: ignore_index"
    );
    match case["target_dtype"].as_str().expect("target_dtype") {
        "int64" => {
            let target = classes::<B>(&case["target"]);
            match reduce_of(case) {
                Reduce::Reduced(reduction) => {
                    let (value, pullback) = loss::cross_entropy_with_vjp(
                        &x,
                        &target,
                        weight.as_ref(),
                        smoothing,
                        reduction,
                    );
                    assert_eq!(
                        value,
                        loss::cross_entropy_with(
                            &x,
                            &target,
                            weight.as_ref(),
                            smoothing,
                            reduction
                        )
                    );
                    check_reduced(name, case, value, &pullback(1.0).0);
                    if weight.is_none() && smoothing == 0.0 {
                        let (plain, plain_pullback) =
                            loss::cross_entropy_vjp(&x, &target, reduction);
                        assert_eq!(plain, loss::cross_entropy(&x, &target, reduction));
                        check_reduced(name, case, plain, &plain_pullback(1.0).0);
                    }
                }
                Reduce::None => {
                    let (values, pullback) = loss::cross_entropy_elementwise_vjp(
                        &x,
                        &target,
                        weight.as_ref(),
                        smoothing,
                    );
                    let adjoint = SVector::<f64, B>::from_flat(&flat(&case["grad_output"]));
                    check_unreduced(name, case, &values, &pullback(adjoint).0);
                }
                Reduce::BatchMean => panic!("{name}: batchmean"),
            }
        }
        "float64" => {
            let target = SMatrix::<f64, C, B>::from_flat(&flat(&case["target"]));
            let Reduce::Reduced(reduction) = reduce_of(case) else {
                panic!("{name}: probability targets are tested reduced only")
            };
            let (value, pullback) =
                loss::cross_entropy_probs_vjp(&x, &target, weight.as_ref(), smoothing, reduction);
            assert_eq!(
                value,
                loss::cross_entropy_probs(&x, &target, weight.as_ref(), smoothing, reduction)
            );
            check_reduced(name, case, value, &pullback(1.0).0);
        }
        other => panic!("{name}: target dtype {other}"),
    }
}

fn run_nll<const C: usize, const B: usize>(name: &str, case: &Value) {
    let x = SMatrix::<f64, C, B>::from_flat(&flat(&case["input"]));
    let target = classes::<B>(&case["target"]);
    let weight = class_weight::<C>(case);
    match reduce_of(case) {
        Reduce::Reduced(reduction) => {
            let (value, pullback) = loss::nll_with_vjp(&x, &target, weight.as_ref(), reduction);
            assert_eq!(
                value,
                loss::nll_with(&x, &target, weight.as_ref(), reduction)
            );
            check_reduced(name, case, value, &pullback(1.0).0);
            if weight.is_none() {
                let (plain, plain_pullback) = loss::nll_vjp(&x, &target, reduction);
                assert_eq!(plain, loss::nll(&x, &target, reduction));
                check_reduced(name, case, plain, &plain_pullback(1.0).0);
            }
        }
        Reduce::None => {
            let (values, pullback) = loss::nll_elementwise_vjp(&x, &target, weight.as_ref());
            assert_eq!(values, loss::nll_elementwise(&x, &target, weight.as_ref()));
            let adjoint = SVector::<f64, B>::from_flat(&flat(&case["grad_output"]));
            check_unreduced(name, case, &values, &pullback(adjoint).0);
        }
        Reduce::BatchMean => panic!("{name}: batchmean"),
    }
}

fn run_kl_div<const R: usize, const B: usize>(name: &str, case: &Value) {
    let x = SMatrix::<f64, R, B>::from_flat(&flat(&case["input"]));
    let t = SMatrix::<f64, R, B>::from_flat(&flat(&case["target"]));
    let log_target = flag(case, "log_target");
    let reduction = match reduce_of(case) {
        Reduce::Reduced(Reduction::Mean) => KlDivReduction::Mean,
        Reduce::Reduced(Reduction::Sum) => KlDivReduction::Sum,
        Reduce::BatchMean => KlDivReduction::BatchMean,
        Reduce::None => {
            let (values, pullback) = loss::kl_div_elementwise_vjp(&x, &t, log_target);
            assert_eq!(values, loss::kl_div_elementwise(&x, &t, log_target));
            let adjoint = SMatrix::<f64, R, B>::from_flat(&flat(&case["grad_output"]));
            check_unreduced(name, case, &values, &pullback(adjoint).0);
            return;
        }
    };
    let (value, pullback) = loss::kl_div_vjp(&x, &t, log_target, reduction);
    assert_eq!(value, loss::kl_div(&x, &t, log_target, reduction));
    check_reduced(name, case, value, &pullback(1.0).0);
}

#[test]
fn losses_match_pytorch() {
    let data = reference("losses.json");
    let cases = data["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 64);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let input_shape = shape(&case["input_shape"]);
        match (case["loss"].as_str().expect("loss"), input_shape.as_slice()) {
            ("BCEWithLogitsLoss", [4, 3]) if !case["args"]["pos_weight"].is_null() => {
                run_pos_weight::<3, 4>(name, case)
            }
            ("CrossEntropyLoss", [5, 4]) => run_cross_entropy::<4, 5>(name, case),
            ("CrossEntropyLoss", [4, 3]) => run_cross_entropy::<3, 4>(name, case),
            ("NLLLoss", [5, 4]) => run_nll::<4, 5>(name, case),
            ("KLDivLoss", [3, 5]) => run_kl_div::<5, 3>(name, case),
            (_, [4, 3]) => run_elementwise::<SMatrix<f64, 3, 4>>(name, case),
            (_, [8]) => run_elementwise::<SVector<f64, 8>>(name, case),
            (_, [12]) => run_elementwise::<SVector<f64, 12>>(name, case),
            (_, [6]) => run_elementwise::<SVector<f64, 6>>(name, case),
            (loss, shape) => panic!("{name}: no test for {loss} on shape {shape:?}"),
        }
    }
}

#[test]
fn elementwise_losses_work_on_scalars() {
    // The same rule on one scalar as on a vector of one element.
    let (x, t) = (0.3_f64, 0.8_f64);
    let vector = |v: f64| SVector::<f64, 1>::new(v);
    assert_eq!(
        loss::bce(&x, &t, Reduction::Mean),
        loss::bce(&vector(x), &vector(t), Reduction::Mean)
    );
    assert_eq!(loss::huber_vjp(&x, &t, 0.2, Reduction::Sum).1(2.0).0, -0.4);
    assert_eq!(loss::l1_vjp(&t, &t, Reduction::Mean).1(1.0).0, 0.0);
}

// ------------------------------------------------- central differences

/// A deterministic generator of normal numbers (64-bit LCG + Box-Muller).
struct Normal(u64);

impl Normal {
    fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1_u64 << 53) as f64
    }
    fn next(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    fn matrix<const R: usize, const C: usize>(&mut self, scale: f64) -> SMatrix<f64, R, C> {
        SMatrix::from_fn(|_, _| scale * self.next())
    }
    fn probabilities<const R: usize, const C: usize>(&mut self) -> SMatrix<f64, R, C> {
        SMatrix::from_fn(|_, _| 0.05 + 0.9 * self.uniform())
    }
}

fn check(
    what: &str,
    f: impl Fn(&SMatrix<f64, 4, 3>) -> f64,
    at: &SMatrix<f64, 4, 3>,
    grad: &SMatrix<f64, 4, 3>,
) {
    let check = GradCheck::<f64> {
        rtol: 1e-6,
        atol: 1e-8,
        ..GradCheck::default()
    };
    check
        .run(f, at, grad)
        .unwrap_or_else(|error| panic!("{what}: {error}"));
}

#[test]
fn loss_vjps_match_central_differences() {
    let mut normal = Normal(99);
    for round in 0..4 {
        let what = |name: &str| format!("{name} (round {round})");
        let x: SMatrix<f64, 4, 3> = normal.matrix(2.0);
        let t: SMatrix<f64, 4, 3> = normal.matrix(2.0);
        let adjoint: SMatrix<f64, 4, 3> = normal.matrix(1.0);
        for reduction in [Reduction::Mean, Reduction::Sum] {
            check(
                &what("l1"),
                |x| loss::l1(x, &t, reduction),
                &x,
                &loss::l1_vjp(&x, &t, reduction).1(1.0).0,
            );
            check(
                &what("mse"),
                |x| loss::mse(x, &t, reduction),
                &x,
                &loss::mse_vjp(&x, &t, reduction).1(1.0).0,
            );
            check(
                &what("huber"),
                |x| loss::huber(x, &t, 0.7, reduction),
                &x,
                &loss::huber_vjp(&x, &t, 0.7, reduction).1(1.0).0,
            );
            check(
                &what("smooth_l1"),
                |x| loss::smooth_l1(x, &t, 0.7, reduction),
                &x,
                &loss::smooth_l1_vjp(&x, &t, 0.7, reduction).1(1.0).0,
            );
            let p: SMatrix<f64, 4, 3> = normal.probabilities();
            let soft: SMatrix<f64, 4, 3> = normal.probabilities();
            check(
                &what("bce"),
                |p| loss::bce(p, &soft, reduction),
                &p,
                &loss::bce_vjp(&p, &soft, reduction).1(1.0).0,
            );
            check(
                &what("bce_with_logits"),
                |x| loss::bce_with_logits(x, &soft, reduction),
                &x,
                &loss::bce_with_logits_vjp(&x, &soft, reduction).1(1.0).0,
            );
            let pos_weight = SVector::<f64, 4>::new(0.5, 2.0, 3.0, 1.0);
            check(
                &what("bce_with_logits_pos_weight"),
                |x| loss::bce_with_logits_pos_weight(x, &soft, &pos_weight, reduction),
                &x,
                &loss::bce_with_logits_pos_weight_vjp(&x, &soft, &pos_weight, reduction).1(1.0).0,
            );
            let counts = t.map(|v| (v * v).round());
            for log_input in [true, false] {
                let at = if log_input { x } else { p * 3.0 };
                check(
                    &what("poisson_nll"),
                    |x| loss::poisson_nll(x, &counts, log_input, true, reduction),
                    &at,
                    &loss::poisson_nll_vjp(&at, &counts, log_input, true, reduction).1(1.0).0,
                );
            }
            let target = [3, 0, 2];
            let weight = SVector::<f64, 4>::new(1.0, 2.0, 0.5, 1.5);
            for smoothing in [0.0, 0.2] {
                check(
                    &what("cross_entropy_with"),
                    |x| loss::cross_entropy_with(x, &target, Some(&weight), smoothing, reduction),
                    &x,
                    &loss::cross_entropy_with_vjp(&x, &target, Some(&weight), smoothing, reduction)
                        .1(1.0)
                    .0,
                );
                let probs =
                    nalgebra::Matrix4x3::from_fn(|r, c| soft[(r, c)] / soft.column(c).sum());
                check(
                    &what("cross_entropy_probs"),
                    |x| loss::cross_entropy_probs(x, &probs, Some(&weight), smoothing, reduction),
                    &x,
                    &loss::cross_entropy_probs_vjp(&x, &probs, Some(&weight), smoothing, reduction)
                        .1(1.0)
                    .0,
                );
            }
            check(
                &what("nll_with"),
                |x| loss::nll_with(x, &target, Some(&weight), reduction),
                &x,
                &loss::nll_with_vjp(&x, &target, Some(&weight), reduction).1(1.0).0,
            );
        }
        for reduction in [
            KlDivReduction::Mean,
            KlDivReduction::Sum,
            KlDivReduction::BatchMean,
        ] {
            let p: SMatrix<f64, 4, 3> = normal.probabilities();
            for log_target in [false, true] {
                let target = if log_target { p.map(f64::ln) } else { p };
                check(
                    &what("kl_div"),
                    |x| loss::kl_div(x, &target, log_target, reduction),
                    &x,
                    &loss::kl_div_vjp(&x, &target, log_target, reduction).1(1.0).0,
                );
            }
        }
        // Unreduced forms: ⟨adjoint, losses(x)⟩.
        let p: SMatrix<f64, 4, 3> = normal.probabilities();
        let soft: SMatrix<f64, 4, 3> = normal.probabilities();
        let dot = |y: SMatrix<f64, 4, 3>| y.dot(&adjoint);
        check(
            &what("l1_elementwise"),
            |x| dot(loss::l1_elementwise(x, &t)),
            &x,
            &loss::l1_elementwise_vjp(&x, &t).1(adjoint).0,
        );
        check(
            &what("mse_elementwise"),
            |x| dot(loss::mse_elementwise(x, &t)),
            &x,
            &loss::mse_elementwise_vjp(&x, &t).1(adjoint).0,
        );
        check(
            &what("huber_elementwise"),
            |x| dot(loss::huber_elementwise(x, &t, 1.0)),
            &x,
            &loss::huber_elementwise_vjp(&x, &t, 1.0).1(adjoint).0,
        );
        check(
            &what("smooth_l1_elementwise"),
            |x| dot(loss::smooth_l1_elementwise(x, &t, 1.0)),
            &x,
            &loss::smooth_l1_elementwise_vjp(&x, &t, 1.0).1(adjoint).0,
        );
        check(
            &what("bce_elementwise"),
            |p| dot(loss::bce_elementwise(p, &soft)),
            &p,
            &loss::bce_elementwise_vjp(&p, &soft).1(adjoint).0,
        );
        check(
            &what("bce_with_logits_elementwise"),
            |x| dot(loss::bce_with_logits_elementwise(x, &soft)),
            &x,
            &loss::bce_with_logits_elementwise_vjp(&x, &soft).1(adjoint).0,
        );
        check(
            &what("kl_div_elementwise"),
            |x| dot(loss::kl_div_elementwise(x, &p, false)),
            &x,
            &loss::kl_div_elementwise_vjp(&x, &p, false).1(adjoint).0,
        );
        let target = [1, 1, 0];
        let sample_adjoint = SVector::<f64, 3>::new(0.3, -1.2, 0.7);
        check(
            &what("cross_entropy_elementwise"),
            |x| loss::cross_entropy_elementwise(x, &target, None, 0.1).dot(&sample_adjoint),
            &x,
            &loss::cross_entropy_elementwise_vjp(&x, &target, None, 0.1).1(sample_adjoint).0,
        );
        check(
            &what("nll_elementwise"),
            |x| loss::nll_elementwise(x, &target, None).dot(&sample_adjoint),
            &x,
            &loss::nll_elementwise_vjp(&x, &target, None).1(sample_adjoint).0,
        );
    }
}
