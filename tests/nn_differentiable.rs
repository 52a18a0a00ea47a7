//! `nn` and `loss` through `#[differentiable]`: a sequential model and a
//! loss in a user function, whose generated gradient matches PyTorch's
//! (`tests/data/layers.json`) and central differences.

mod common;
use common::{assert_close_op, flat, reference, row_major};
use nalgebra::{SMatrix, SVector};
use tapeless::loss::{self, Reduction};
use tapeless::nn::{self, Linear, Module, Relu, Sigmoid};
use tapeless::{GradCheck, differentiable};

type Model = (Linear<3, 10, f64>, Relu, Linear<10, 1, f64>, Sigmoid);

/// BCE of a sequential model on a batch; the layer outputs are temporaries
/// whose pullbacks must not borrow them.
#[differentiable]
fn bce_of_model(model: &Model, x: &SMatrix<f64, 3, 20>, y: &SMatrix<f64, 1, 20>) -> f64 {
    let out = model.forward(x);
    loss::bce(&out, y, Reduction::Mean)
}

/// The same network written layer by layer with free activation functions.
#[differentiable(wrt = (hidden, output))]
fn bce_by_layers(
    hidden: &Linear<3, 10, f64>,
    output: &Linear<10, 1, f64>,
    x: &SMatrix<f64, 3, 20>,
    y: &SMatrix<f64, 1, 20>,
) -> f64 {
    let h = nn::relu(hidden.forward(x));
    let out = nn::sigmoid(output.forward(&h));
    loss::bce(&out, y, Reduction::Mean)
}

#[test]
fn generated_gradient_of_a_sequential_model_matches_pytorch() {
    let data = reference("layers.json");
    let case = data["mlp_gradient_cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|case| case["name"] == "mlp_3_10_1_relu_sigmoid_bce_mean")
        .expect("the 3-10-1 case");
    let entry = |list: &str, name: &str| {
        let params = case["params"].as_array().expect("params");
        let index = params
            .iter()
            .position(|p| p["name"] == name)
            .expect("parameter");
        let item = &case[list][index];
        flat(item.get("value").unwrap_or(item))
    };
    let model: Model = (
        Linear::from_weights(
            SMatrix::from_row_slice(&entry("params", "0.weight")),
            SVector::from_column_slice(&entry("params", "0.bias")),
        ),
        Relu,
        Linear::from_weights(
            SMatrix::from_row_slice(&entry("params", "2.weight")),
            SVector::from_column_slice(&entry("params", "2.bias")),
        ),
        Sigmoid,
    );
    let x = SMatrix::<f64, 3, 20>::from_column_slice(&flat(&case["x"]));
    let y = SMatrix::<f64, 1, 20>::from_column_slice(&flat(&case["y"]));

    let (value, grad) = bce_of_model_grad(&model, &x, &y);
    assert_close_op(&[value], &flat(&case["loss_value"]), "loss");
    assert_close_op(
        &row_major(&grad.0.weight),
        &entry("grads", "0.weight"),
        "0.weight",
    );
    assert_close_op(grad.0.bias.as_slice(), &entry("grads", "0.bias"), "0.bias");
    assert_close_op(
        &row_major(&grad.2.weight),
        &entry("grads", "2.weight"),
        "2.weight",
    );
    assert_close_op(grad.2.bias.as_slice(), &entry("grads", "2.bias"), "2.bias");

    let (value_by_layers, (grad_hidden, grad_output)) =
        bce_by_layers_grad(&model.0, &model.2, &x, &y);
    assert_close_op(&[value_by_layers], &[value], "loss by layers");
    assert_eq!(bce_by_layers(&model.0, &model.2, &x, &y), value_by_layers);
    assert_close_op(
        grad_hidden.weight.as_slice(),
        grad.0.weight.as_slice(),
        "hidden by layers",
    );
    assert_close_op(
        grad_output.bias.as_slice(),
        grad.2.bias.as_slice(),
        "output by layers",
    );

    let check = GradCheck::<f64> {
        rtol: 1e-6,
        atol: 1e-8,
        ..GradCheck::default()
    };
    check
        .run(|m: &Model| bce_of_model(m, &x, &y), &model, &grad)
        .expect("central differences");
}
