//! Parity of `nn` (activations, `Linear`, sequential models) with PyTorch:
//! every case of `tests/data/activations.json` and `tests/data/layers.json`,
//! values and vector-Jacobian products, plus central-difference checks of
//! every `_vjp` at random points.

mod common;
use common::{assert_close_op, flat, reference, row_major};
use nalgebra::{SMatrix, SVector};
use serde_json::Value;
use tapeless::nn::{
    self, Elementwise, Elu, Gelu, GeluTanh, LeakyRelu, Linear, LogSoftmax, Module, Relu, Sigmoid,
    Silu, Softmax, Softplus, Tanh,
};
use tapeless::{GradCheck, Params, loss};

// ---------------------------------------------------------------- helpers

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
}

/// Central differences of `x ↦ ⟨adjoint, f(x)⟩` against the vjp's `grad`.
fn check_vjp<X: Params<Scalar = f64>, Y: Elementwise<Element = f64>>(
    what: &str,
    f: impl Fn(&X) -> Y,
    at: &X,
    adjoint: &Y,
    grad: &X,
) {
    let check = GradCheck::<f64> {
        rtol: 1e-6,
        atol: 1e-7,
        ..GradCheck::default()
    };
    let objective = |x: &X| f(x).dot(adjoint);
    if let Err(error) = check.run(objective, at, grad) {
        panic!("{what}: {error}");
    }
}

// ------------------------------------------------------------ activations

/// Applies the elementwise activation of a case (function, `_vjp`, module)
/// to an `Elementwise` value; returns (output, input gradient) three times.
fn elementwise_case<X: Elementwise<Element = f64>>(
    case: &Value,
    x: X,
    adjoint: X,
) -> Vec<(&'static str, X, X)> {
    let kwargs = &case["kwargs"];
    let number = |key: &str| {
        kwargs[key]
            .as_f64()
            .unwrap_or_else(|| panic!("kwarg {key}"))
    };
    macro_rules! all_forms {
        ($function:expr, $function_vjp:expr, $module:expr) => {{
            let (y, pullback) = $function_vjp;
            let module = $module;
            let (module_y, module_pullback) = Module::forward_vjp(&module, &x);
            assert_eq!(module.forward(&x).elements(), y.elements());
            vec![
                ("function", $function, pullback(adjoint).0),
                ("module", module_y, module_pullback(adjoint).1),
            ]
        }};
    }
    match case["activation"].as_str().expect("activation") {
        "relu" => all_forms!(nn::relu(x), nn::relu_vjp(x), Relu),
        "leaky_relu" => {
            let slope = number("negative_slope");
            all_forms!(
                nn::leaky_relu(x, slope),
                nn::leaky_relu_vjp(x, slope),
                LeakyRelu {
                    negative_slope: slope
                }
            )
        }
        "sigmoid" => all_forms!(nn::sigmoid(x), nn::sigmoid_vjp(x), Sigmoid),
        "tanh" => all_forms!(nn::tanh(x), nn::tanh_vjp(x), Tanh),
        "softplus" => {
            let (beta, threshold) = (number("beta"), number("threshold"));
            all_forms!(
                nn::softplus(x, beta, threshold),
                nn::softplus_vjp(x, beta, threshold),
                Softplus { beta, threshold }
            )
        }
        "elu" => {
            let alpha = number("alpha");
            all_forms!(nn::elu(x, alpha), nn::elu_vjp(x, alpha), Elu { alpha })
        }
        "gelu" => match kwargs["approximate"].as_str().expect("approximate") {
            "none" => all_forms!(nn::gelu(x), nn::gelu_vjp(x), Gelu),
            "tanh" => all_forms!(nn::gelu_tanh(x), nn::gelu_tanh_vjp(x), GeluTanh),
            other => panic!("unknown gelu approximation {other}"),
        },
        "silu" => all_forms!(nn::silu(x), nn::silu_vjp(x), Silu),
        other => panic!("unknown elementwise activation {other}"),
    }
}

fn check_elementwise_vector<const N: usize>(case: &Value, name: &str) {
    let (input, output) = (flat(&case["input"]), flat(&case["output"]));
    let (grad_output, grad_input) = (flat(&case["grad_output"]), flat(&case["grad_input"]));
    let x = SVector::<f64, N>::from_column_slice(&input);
    let adjoint = SVector::<f64, N>::from_column_slice(&grad_output);
    for (form, y, grad) in elementwise_case(case, x, adjoint) {
        assert_close_op(
            y.as_slice(),
            &output,
            &format!("{name} {form} (vector) output"),
        );
        assert_close_op(
            grad.as_slice(),
            &grad_input,
            &format!("{name} {form} (vector) grad_input"),
        );
    }
    // The same, one scalar at a time.
    let mut scalar_y = Vec::new();
    let mut scalar_grad = Vec::new();
    for (x, g) in input.iter().zip(&grad_output) {
        let results = elementwise_case(case, *x, *g);
        scalar_y.push(results[0].1);
        scalar_grad.push(results[0].2);
    }
    assert_close_op(&scalar_y, &output, &format!("{name} (scalars) output"));
    assert_close_op(
        &scalar_grad,
        &grad_input,
        &format!("{name} (scalars) grad_input"),
    );
}

fn check_column_activation<const R: usize, const C: usize>(
    case: &Value,
    name: &str,
    x: SMatrix<f64, R, C>,
    adjoint: SMatrix<f64, R, C>,
    to_torch: impl Fn(&SMatrix<f64, R, C>) -> Vec<f64>,
) {
    let (y, grad, module_y, module_grad) = match case["activation"].as_str().expect("activation") {
        "softmax" => {
            let (y, pullback) = nn::softmax_vjp(x);
            let (module_y, module_pullback) = Softmax.forward_vjp(&x);
            assert_eq!(nn::softmax(x), y);
            (y, pullback(adjoint).0, module_y, module_pullback(adjoint).1)
        }
        "log_softmax" => {
            let (y, pullback) = nn::log_softmax_vjp(x);
            let (module_y, module_pullback) = LogSoftmax.forward_vjp(&x);
            assert_eq!(nn::log_softmax(x), y);
            (y, pullback(adjoint).0, module_y, module_pullback(adjoint).1)
        }
        other => panic!("unknown activation {other}"),
    };
    assert_eq!((y, grad), (module_y, module_grad));
    assert_close_op(
        &to_torch(&y),
        &flat(&case["output"]),
        &format!("{name} output"),
    );
    assert_close_op(
        &to_torch(&grad),
        &flat(&case["grad_input"]),
        &format!("{name} grad_input"),
    );
}

fn check_softmax_case(case: &Value, name: &str) {
    let shape: Vec<u64> = case["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_u64().expect("dim"))
        .collect();
    let dim = case["kwargs"]["dim"].as_u64().expect("dim");
    let (input, grad_output) = (flat(&case["input"]), flat(&case["grad_output"]));
    match (shape.as_slice(), dim) {
        ([7], 0) => check_column_activation::<7, 1>(
            case,
            name,
            SMatrix::from_column_slice(&input),
            SMatrix::from_column_slice(&grad_output),
            |m| m.as_slice().to_vec(),
        ),
        ([5], 0) => check_column_activation::<5, 1>(
            case,
            name,
            SMatrix::from_column_slice(&input),
            SMatrix::from_column_slice(&grad_output),
            |m| m.as_slice().to_vec(),
        ),
        // Normalised along dim 1: each torch row is one of our columns.
        ([3, 4], 1) => check_column_activation::<4, 3>(
            case,
            name,
            SMatrix::from_column_slice(&input),
            SMatrix::from_column_slice(&grad_output),
            |m| m.as_slice().to_vec(),
        ),
        // Normalised along dim 0: the torch matrix as it is.
        ([3, 4], 0) => check_column_activation::<3, 4>(
            case,
            name,
            SMatrix::from_row_slice(&input),
            SMatrix::from_row_slice(&grad_output),
            row_major,
        ),
        (shape, dim) => panic!("{name}: no test for shape {shape:?} along dim {dim}"),
    }
}

#[test]
fn activations_match_pytorch() {
    let data = reference("activations.json");
    let cases = data["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 27);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        match case["activation"].as_str().expect("activation") {
            "softmax" | "log_softmax" => check_softmax_case(case, name),
            _ => match flat(&case["input"]).len() {
                16 => check_elementwise_vector::<16>(case, name),
                17 => check_elementwise_vector::<17>(case, name),
                n => panic!("{name}: no test for {n} elements"),
            },
        }
    }
}

#[test]
fn activation_vjps_match_central_differences() {
    let mut normal = Normal(17);
    for round in 0..5 {
        let x: SMatrix<f64, 4, 3> = normal.matrix(3.0);
        let adjoint: SMatrix<f64, 4, 3> = normal.matrix(1.0);
        let what = |name: &str| format!("{name} (round {round})");
        check_vjp(
            &what("relu"),
            |x| nn::relu(*x),
            &x,
            &adjoint,
            &nn::relu_vjp(x).1(adjoint).0,
        );
        check_vjp(
            &what("leaky_relu"),
            |x| nn::leaky_relu(*x, 0.1),
            &x,
            &adjoint,
            &nn::leaky_relu_vjp(x, 0.1).1(adjoint).0,
        );
        check_vjp(
            &what("sigmoid"),
            |x| nn::sigmoid(*x),
            &x,
            &adjoint,
            &nn::sigmoid_vjp(x).1(adjoint).0,
        );
        check_vjp(
            &what("tanh"),
            |x| nn::tanh(*x),
            &x,
            &adjoint,
            &nn::tanh_vjp(x).1(adjoint).0,
        );
        check_vjp(
            &what("softplus"),
            |x| nn::softplus(*x, 2.0, 5.0),
            &x,
            &adjoint,
            &nn::softplus_vjp(x, 2.0, 5.0).1(adjoint).0,
        );
        check_vjp(
            &what("elu"),
            |x| nn::elu(*x, 1.5),
            &x,
            &adjoint,
            &nn::elu_vjp(x, 1.5).1(adjoint).0,
        );
        check_vjp(
            &what("gelu"),
            |x| nn::gelu(*x),
            &x,
            &adjoint,
            &nn::gelu_vjp(x).1(adjoint).0,
        );
        check_vjp(
            &what("gelu_tanh"),
            |x| nn::gelu_tanh(*x),
            &x,
            &adjoint,
            &nn::gelu_tanh_vjp(x).1(adjoint).0,
        );
        check_vjp(
            &what("silu"),
            |x| nn::silu(*x),
            &x,
            &adjoint,
            &nn::silu_vjp(x).1(adjoint).0,
        );
        check_vjp(
            &what("softmax"),
            |x| nn::softmax(*x),
            &x,
            &adjoint,
            &nn::softmax_vjp(x).1(adjoint).0,
        );
        check_vjp(
            &what("log_softmax"),
            |x| nn::log_softmax(*x),
            &x,
            &adjoint,
            &nn::log_softmax_vjp(x).1(adjoint).0,
        );
    }
}

#[test]
fn stable_forms_do_not_overflow() {
    for x in [-1e4_f64, -745.0, -701.0, 701.0, 745.0, 1e4] {
        let s = nn::sigmoid(x);
        assert!(
            s.is_finite() && (0.0..=1.0).contains(&s),
            "sigmoid({x}) = {s}"
        );
        let sp = nn::softplus(x, 1.0, 1e6);
        assert!(sp.is_finite() && sp >= 0.0, "softplus({x}) = {sp}");
        assert!(
            (sp - x.max(0.0)).abs() < 1e-300_f64.max(1e-12 * x.abs()),
            "softplus({x}) = {sp}"
        );
        let g = nn::softplus_vjp(x, 1.0, 1e6).1(1.0).0;
        assert!(g.is_finite(), "softplus'({x}) = {g}");
    }
    let y = nn::log_softmax(SVector::<f64, 3>::new(1e5, 0.0, -1e5));
    assert!(y.iter().all(|v| v.is_finite()));
    assert_eq!(y[0], 0.0);
}

// ----------------------------------------------------------------- layers

fn check_linear<const IN: usize, const OUT: usize, const B: usize>(case: &Value, name: &str) {
    let weight = SMatrix::<f64, OUT, IN>::from_row_slice(&flat(&case["weight"]));
    let has_bias = case["has_bias"].as_bool().expect("has_bias");
    let bias = if has_bias {
        SVector::<f64, OUT>::from_column_slice(&flat(&case["bias"]))
    } else {
        SVector::zeros()
    };
    let layer = Linear::from_weights(weight, bias);
    // torch's [B, IN] rows are our columns.
    let x = SMatrix::<f64, IN, B>::from_column_slice(&flat(&case["input"]));
    let adjoint = SMatrix::<f64, OUT, B>::from_column_slice(&flat(&case["grad_output"]));
    let (y, pullback) = layer.forward_vjp(&x);
    assert_eq!(layer.forward(&x), y);
    assert_close_op(
        y.as_slice(),
        &flat(&case["output"]),
        &format!("{name} output"),
    );
    let (grad, grad_x) = pullback(adjoint);
    assert_close_op(
        &row_major(&grad.weight),
        &flat(&case["grad_weight"]),
        &format!("{name} grad_weight"),
    );
    if has_bias {
        assert_close_op(
            grad.bias.as_slice(),
            &flat(&case["grad_bias"]),
            &format!("{name} grad_bias"),
        );
    }
    assert_close_op(
        grad_x.as_slice(),
        &flat(&case["grad_input"]),
        &format!("{name} grad_input"),
    );
    // Through the Module trait (what sequential models call).
    let (module_y, saved) = Module::forward_saving(&layer, &x);
    assert_eq!(module_y, y);
    assert_eq!(
        Module::backward(&layer, &x, &saved, adjoint),
        (grad, grad_x)
    );
}

#[test]
fn linear_layers_match_pytorch() {
    let data = reference("layers.json");
    let cases = data["linear_cases"].as_array().expect("linear_cases");
    assert_eq!(cases.len(), 5);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let dims = (
            case["in_features"].as_u64().expect("in"),
            case["out_features"].as_u64().expect("out"),
            case["batch"].as_u64(),
        );
        match dims {
            (3, 10, Some(4)) => check_linear::<3, 10, 4>(case, name),
            (10, 1, Some(5)) => check_linear::<10, 1, 5>(case, name),
            (4, 3, Some(3)) => check_linear::<4, 3, 3>(case, name),
            (4, 3, None) => check_linear::<4, 3, 1>(case, name),
            (4, 3, Some(2)) => check_linear::<4, 3, 2>(case, name),
            other => panic!("{name}: no test for {other:?}"),
        }
    }
}

/// Reads a `Linear` from `params` entries `"{index}.weight"` and `"{index}.bias"`.
fn linear_from<const IN: usize, const OUT: usize>(
    params: &[Value],
    index: usize,
) -> Linear<IN, OUT, f64> {
    let find = |suffix: &str| {
        let name = format!("{index}.{suffix}");
        params
            .iter()
            .find(|p| p["name"] == name.as_str())
            .unwrap_or_else(|| panic!("parameter {name}"))["value"]
            .clone()
    };
    Linear::from_weights(
        SMatrix::from_row_slice(&flat(&find("weight"))),
        SVector::from_column_slice(&flat(&find("bias"))),
    )
}

fn check_linear_grads<const IN: usize, const OUT: usize>(
    name: &str,
    grads: &[Value],
    index: usize,
    grad: &Linear<IN, OUT, f64>,
) {
    let want = linear_from::<IN, OUT>(grads, index);
    assert_close_op(
        &row_major(&grad.weight),
        &row_major(&want.weight),
        &format!("{name} {index}.weight grad"),
    );
    assert_close_op(
        grad.bias.as_slice(),
        want.bias.as_slice(),
        &format!("{name} {index}.bias grad"),
    );
}

#[test]
fn mlp_gradients_match_pytorch() {
    let data = reference("layers.json");
    let cases = data["mlp_gradient_cases"]
        .as_array()
        .expect("mlp_gradient_cases");
    assert_eq!(cases.len(), 2);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let params = case["params"].as_array().expect("params");
        let grads_json = case["grads"].as_array().expect("grads");
        let grads: Vec<Value> = params
            .iter()
            .zip(grads_json)
            .map(|(p, g)| serde_json::json!({"name": p["name"], "value": g.get("value").unwrap_or(g)}))
            .collect();
        match name {
            "mlp_3_10_1_relu_sigmoid_bce_mean" => {
                let model = (
                    linear_from::<3, 10>(params, 0),
                    Relu,
                    linear_from::<10, 1>(params, 2),
                    Sigmoid,
                );
                let x = SMatrix::<f64, 3, 20>::from_column_slice(&flat(&case["x"]));
                let y = SMatrix::<f64, 1, 20>::from_column_slice(&flat(&case["y"]));
                let (out, pullback) = model.forward_vjp(&x);
                assert_close_op(
                    out.as_slice(),
                    &flat(&case["output"]),
                    &format!("{name} output"),
                );
                let (value, loss_pullback) = loss::bce_vjp(&out, &y, loss::Reduction::Mean);
                assert_close_op(
                    &[value],
                    &flat(&case["loss_value"]),
                    &format!("{name} loss"),
                );
                let (grad, _) = pullback(loss_pullback(1.0).0);
                check_linear_grads(name, &grads, 0, &grad.0);
                check_linear_grads(name, &grads, 2, &grad.2);
                // The whole model is a parameter set: check it by central differences.
                let objective = |m: &(Linear<3, 10, f64>, Relu, Linear<10, 1, f64>, Sigmoid)| {
                    loss::bce(&m.forward(&x), &y, loss::Reduction::Mean)
                };
                let check = GradCheck::<f64> {
                    rtol: 1e-6,
                    atol: 1e-8,
                    ..GradCheck::default()
                };
                check
                    .run(objective, &model, &grad)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            "mlp_4_6_2_tanh_mse_sum" => {
                let model = (
                    linear_from::<4, 6>(params, 0),
                    Tanh,
                    linear_from::<6, 2>(params, 2),
                );
                let x = SMatrix::<f64, 4, 8>::from_column_slice(&flat(&case["x"]));
                let y = SMatrix::<f64, 2, 8>::from_column_slice(&flat(&case["y"]));
                let (out, pullback) = model.forward_vjp(&x);
                assert_close_op(
                    out.as_slice(),
                    &flat(&case["output"]),
                    &format!("{name} output"),
                );
                let (value, loss_pullback) = loss::mse_vjp(&out, &y, loss::Reduction::Sum);
                assert_close_op(
                    &[value],
                    &flat(&case["loss_value"]),
                    &format!("{name} loss"),
                );
                let (grad, _) = pullback(loss_pullback(1.0).0);
                check_linear_grads(name, &grads, 0, &grad.0);
                check_linear_grads(name, &grads, 2, &grad.2);
            }
            other => panic!("unknown MLP case {other}"),
        }
    }
}

#[test]
fn linear_vjp_matches_central_differences() {
    let mut normal = Normal(5);
    for round in 0..3 {
        let layer = Linear::<4, 3, f64>::from_weights(normal.matrix(1.0), normal.matrix(1.0));
        let x: SMatrix<f64, 4, 5> = normal.matrix(2.0);
        let adjoint: SMatrix<f64, 3, 5> = normal.matrix(1.0);
        let (grad, grad_x) = layer.forward_vjp(&x).1(adjoint);
        check_vjp(
            &format!("linear wrt layer ({round})"),
            |l: &Linear<4, 3, f64>| l.forward(&x),
            &layer,
            &adjoint,
            &grad,
        );
        check_vjp(
            &format!("linear wrt input ({round})"),
            |x| layer.forward(x),
            &x,
            &adjoint,
            &grad_x,
        );
        // A sequential model with every activation module.
        let model = (
            layer,
            Gelu,
            Linear::<3, 3, f64>::from_weights(normal.matrix(1.0), normal.matrix(1.0)),
            Softplus::default(),
            Linear::<3, 4, f64>::from_weights(normal.matrix(1.0), normal.matrix(1.0)),
            Elu::default(),
            LeakyRelu::default(),
            LogSoftmax,
        );
        let adjoint: SMatrix<f64, 4, 5> = normal.matrix(1.0);
        let (grad, grad_x) = model.forward_vjp(&x).1(adjoint);
        check_vjp(
            &format!("model wrt parameters ({round})"),
            |m: &_| Module::forward(m, &x),
            &model,
            &adjoint,
            &grad,
        );
        check_vjp(
            &format!("model wrt input ({round})"),
            |x| model.forward(x),
            &x,
            &adjoint,
            &grad_x,
        );
        assert_eq!(model.num_params(), 4 * 3 + 3 + 3 * 3 + 3 + 3 * 4 + 4);
    }
}

/// A sequential model's pullback (each length has its own implementation)
/// against central differences, with the same batch as input.
fn check_sequential<M, const OUT: usize>(what: &str, model: &M, normal: &mut Normal)
where
    M: Module<SMatrix<f64, 3, 4>, Output = SMatrix<f64, OUT, 4>> + Params<Scalar = f64> + PartialEq,
{
    let x: SMatrix<f64, 3, 4> = normal.matrix(1.0);
    let adjoint: SMatrix<f64, OUT, 4> = normal.matrix(1.0);
    let (y, pullback) = model.forward_vjp(&x);
    assert_eq!(y, model.forward(&x), "{what}: forward_vjp's value");
    let (grad, grad_x) = pullback(adjoint);
    // The same through forward_saving and backward.
    let (y_saving, saved) = model.forward_saving(&x);
    assert_eq!(y_saving, y, "{what}: forward_saving's value");
    let (grad_again, grad_x_again) = model.backward(&x, &saved, adjoint);
    assert!(
        grad_again == grad && grad_x_again == grad_x,
        "{what}: backward"
    );
    check_vjp(
        &format!("{what} wrt parameters"),
        |m: &M| m.forward(&x),
        model,
        &adjoint,
        &grad,
    );
    check_vjp(
        &format!("{what} wrt input"),
        |x| model.forward(x),
        &x,
        &adjoint,
        &grad_x,
    );
}

#[test]
fn sequential_models_of_every_length_match_central_differences() {
    let mut normal = Normal(23);
    let mut layer = || Linear::<3, 3, f64>::from_weights(normal.matrix(1.0), normal.matrix(1.0));
    let (a, b, c, d) = (layer(), layer(), layer(), layer());
    let mut normal = Normal(29);
    check_sequential("1 member", &(a,), &mut normal);
    check_sequential("2 members", &(a, Tanh), &mut normal);
    check_sequential("3 members", &(a, Sigmoid, b), &mut normal);
    check_sequential("4 members", &(a, Silu, b, Tanh), &mut normal);
    check_sequential("5 members", &(a, Tanh, b, Sigmoid, c), &mut normal);
    check_sequential("6 members", &(a, Gelu, b, Tanh, c, Sigmoid), &mut normal);
    check_sequential("7 members", &(a, Tanh, b, Silu, c, Sigmoid, d), &mut normal);
    check_sequential(
        "8 members",
        &(a, Sigmoid, b, Tanh, c, GeluTanh, d, Softmax),
        &mut normal,
    );
}

#[test]
fn linear_initialisation_is_pytorchs_distribution_and_seedable() {
    let layer = Linear::<16, 8, f64>::seeded(42);
    assert_eq!(layer, Linear::<16, 8, f64>::seeded(42));
    assert_ne!(layer, Linear::<16, 8, f64>::seeded(43));
    let bound = 0.25;
    let values: Vec<f64> = layer
        .weight
        .iter()
        .chain(layer.bias.iter())
        .copied()
        .collect();
    assert!(values.iter().all(|w| (-bound..bound).contains(w)));
    // Spread over the whole interval.
    assert!(values.iter().any(|w| *w > 0.2) && values.iter().any(|w| *w < -0.2));
    let single = Linear::<3, 2>::seeded(1);
    assert!(
        single
            .weight
            .iter()
            .all(|w| w.abs() <= 1.0 / 3.0_f32.sqrt())
    );
}
