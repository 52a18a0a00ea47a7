//! The split convention (`SplitModule`): a call `model.forward(&x)` in a
//! `_grad` sibling runs the module's forward pass into a record in the
//! generated frame and its reverse pass from there. Its gradients match
//! central differences and the `_vjp` convention's, for every module that
//! implements it, with respect to the model, the input or both; modules
//! that do not implement it still go through their `_vjp`.

mod common;

use common::tight;
use core::mem::MaybeUninit;
use nalgebra::{Matrix2, SMatrix, Vector2};
use tapeless::loss::{self, Reduction};
use tapeless::nn::{
    Elu, Gelu, GeluTanh, LeakyRelu, Linear, LinearNoBias, LogSoftmax, Module, Relu, Sigmoid, Silu,
    Softmax, Softplus, SplitModule, Tanh, init::DefaultRng, init::SeedableRng,
};
use tapeless::{NoTangent, Params, differentiable};

type Inputs = SMatrix<f64, 3, 7>;
type Targets = SMatrix<f64, 1, 7>;
type Deep = (
    Linear<3, 5, f64>,
    Tanh,
    Linear<5, 4, f64>,
    Sigmoid,
    Linear<4, 4, f64>,
    Silu,
    Linear<4, 1, f64>,
);
type Wide = (
    Linear<3, 6, f64>,
    Gelu,
    Linear<6, 6, f64>,
    GeluTanh,
    Linear<6, 1, f64>,
    Relu,
);

fn data() -> (Inputs, Targets) {
    let x = Inputs::from_fn(|i, j| ((3 * i + 5 * j) % 11) as f64 / 5.0 - 1.0);
    let y = Targets::from_fn(|_, j| (j as f64 * 0.7).sin());
    (x, y)
}

/// W3's shape: the loss of a sequential model on a batch.
#[differentiable]
fn deep_loss(model: &Deep, x: &Inputs, y: &Targets) -> f64 {
    let prediction = model.forward(x);
    loss::mse(&prediction, y, Reduction::Sum)
}

#[differentiable]
fn wide_loss(model: &Wide, x: &Inputs, y: &Targets) -> f64 {
    let prediction = model.forward(x);
    loss::mse(&prediction, y, Reduction::Mean)
}

/// Two module calls in a row, the second on the first's output (a local),
/// and a single layer.
#[differentiable]
fn chained_loss(
    model: &((Linear<3, 4, f64>, Relu), Linear<4, 1, f64>),
    x: &Inputs,
    y: &Targets,
) -> f64 {
    let hidden = model.0.forward(x);
    let prediction = model.1.forward(&hidden);
    let error = prediction - y;
    error.norm_squared()
}

/// The gradient with respect to the input: the pullback then computes the
/// input's cotangent.
#[differentiable(wrt = (model, x))]
fn input_loss(model: &Deep, x: &Inputs, y: &Targets) -> f64 {
    let prediction = model.forward(x);
    loss::mse(&prediction, y, Reduction::Sum)
}

fn seeded<M: Params<Scalar = f64>>(seed: u64) -> M {
    let mut rng = DefaultRng::seed_from_u64(seed);
    let mut model = M::zeros();
    for k in 0..M::SLICES {
        for w in model.slice_mut(k) {
            *w = tapeless::nn::init::uniform(&mut rng, -0.8, 0.8);
        }
    }
    model
}

#[test]
fn split_gradients_match_central_differences() {
    let (x, y) = data();
    let deep: Deep = seeded(1);
    let (value, gradient) = deep_loss_grad(&deep, &x, &y);
    assert_eq!(value, deep_loss(&deep, &x, &y));
    tight()
        .run(|m| deep_loss(m, &x, &y), &deep, &gradient)
        .unwrap();

    let wide: Wide = seeded(2);
    let (_, gradient) = wide_loss_grad(&wide, &x, &y);
    tight()
        .run(|m| wide_loss(m, &x, &y), &wide, &gradient)
        .unwrap();

    let chained = seeded(3);
    let (_, gradient) = chained_loss_grad(&chained, &x, &y);
    tight()
        .run(|m| chained_loss(m, &x, &y), &chained, &gradient)
        .unwrap();

    let (_, (gradient, grad_x)) = input_loss_grad(&deep, &x, &y);
    tight()
        .run(|m| input_loss(m, &x, &y), &deep, &gradient)
        .unwrap();
    tight()
        .run(|x| input_loss(&deep, x, &y), &x, &grad_x)
        .unwrap();
}

#[test]
fn split_gradients_equal_the_vjp_convention() {
    // The `_vjp` sibling's pullback outlives its frame, so it calls the
    // module through `forward_vjp`: the two conventions agree exactly up
    // to the order of additions.
    let (x, y) = data();
    let deep: Deep = seeded(4);
    let (_, split) = input_loss_grad(&deep, &x, &y);
    let (_, pullback) = input_loss_vjp(&deep, &x, &y);
    let (model, input, NoTangent) = pullback(1.0);
    assert!(split.0.approx_eq(&model, 1e-13, 1e-15));
    assert!(split.1.approx_eq(&input, 1e-13, 1e-15));
}

/// `model`'s forward pass into uninitialised storage gives `forward_vjp`'s
/// output, and its reverse passes from the record (with the input's
/// cotangent, in place over the input, and for data) give the pullback's
/// cotangents, overwriting the gradient they are given rather than adding to
/// it. Returns the model's cotangent from the record.
fn assert_records_match_pullback<M>(model: &M, x: &Inputs, adjoint: M::Output) -> M
where
    M: SplitModule<Inputs> + Params<Scalar = f64> + Clone,
    M::Output: Clone + PartialEq + std::fmt::Debug,
{
    let (output, pullback) = model.forward_vjp(x);
    let (grad, grad_x) = pullback(adjoint.clone());

    // Uninitialised storage, written once by each forward pass.
    let (mut storage, mut output_storage) = (MaybeUninit::uninit(), MaybeUninit::uninit());
    let (record, split_output) = model.forward_record(x, &mut storage, &mut output_storage);
    assert_eq!(*split_output, output);
    let (mut split_grad, mut split_grad_x) = (model.clone(), Inputs::zeros());
    model.backward_record(
        x,
        record,
        &adjoint,
        &mut split_grad,
        Some(&mut split_grad_x),
    );
    assert!(split_grad.approx_eq(&grad, 1e-13, 1e-15));
    assert!(split_grad_x.approx_eq(&grad_x, 1e-13, 1e-15));

    // The same storage again (holding the previous pass, used as scratch).
    let (record, _) = model.forward_record(x, &mut storage, &mut output_storage);
    let mut in_place = *x;
    let mut in_place_grad = model.clone();
    model.backward_record_in_place(&mut in_place, record, &adjoint, &mut in_place_grad);
    assert!(in_place_grad.approx_eq(&grad, 1e-13, 1e-15));
    assert!(in_place.approx_eq(&grad_x, 1e-13, 1e-15));

    let (record, _) = model.forward_record(x, &mut storage, &mut output_storage);
    let mut data_grad = model.clone();
    model.backward_record(x, record, &adjoint, &mut data_grad, None);
    assert!(data_grad.approx_eq(&grad, 1e-13, 1e-15));
    split_grad
}

#[test]
fn records_give_the_pullbacks_cotangents() {
    let (x, _) = data();
    let deep: Deep = seeded(5);
    let adjoint = SMatrix::<f64, 1, 7>::from_fn(|_, j| j as f64 - 3.0);
    assert_records_match_pullback(&deep, &x, adjoint);
}

/// A module whose `forward_record` returns storage other than it was
/// given: a sequential model cannot know its record written, and panics.
#[derive(Params, Clone, Copy, Debug, PartialEq)]
#[params(scalar = f64)]
struct Elsewhere;

impl Module<Vector2<f64>> for Elsewhere {
    type Output = Vector2<f64>;
    type Saved = ();
    fn forward(&self, x: &Vector2<f64>) -> Vector2<f64> {
        *x
    }
    fn forward_saving(&self, x: &Vector2<f64>) -> (Vector2<f64>, ()) {
        (*x, ())
    }
    fn backward(&self, _: &Vector2<f64>, (): &(), adjoint: Vector2<f64>) -> (Self, Vector2<f64>) {
        (Elsewhere, adjoint)
    }
}

impl SplitModule<Vector2<f64>> for Elsewhere {
    type Record = Vector2<f64>;
    fn forward_record<'r, 'o>(
        &self,
        x: &Vector2<f64>,
        _: &'r mut MaybeUninit<Vector2<f64>>,
        output: &'o mut MaybeUninit<Vector2<f64>>,
    ) -> (&'r mut Vector2<f64>, &'o mut Vector2<f64>) {
        let elsewhere = Box::leak(Box::new(*x));
        (elsewhere, output.write(*x))
    }
    fn backward_record(
        &self,
        _: &Vector2<f64>,
        _: &mut Vector2<f64>,
        adjoint: &Vector2<f64>,
        _: &mut Self,
        grad_x: Option<&mut Vector2<f64>>,
    ) {
        if let Some(grad_x) = grad_x {
            *grad_x = *adjoint;
        }
    }
    fn backward_record_in_place(
        &self,
        x: &mut Vector2<f64>,
        _: &mut Vector2<f64>,
        adjoint: &Vector2<f64>,
        _: &mut Self,
    ) {
        *x = *adjoint;
    }
}

#[test]
#[should_panic(expected = "`forward_record` returned storage other than it was given")]
fn records_written_elsewhere_are_refused() {
    let model = (Elsewhere, Relu);
    let (mut record, mut output) = (MaybeUninit::uninit(), MaybeUninit::uninit());
    model.forward_record(&Vector2::new(1.0, -1.0), &mut record, &mut output);
}

// ---- the other layers -------------------------------------------------------------------

/// Every other module with a split form: the layer without a bias, the
/// configured activations and the per-column ones.
type Others = (
    LinearNoBias<3, 5, f64>,
    LeakyRelu<f64>,
    Linear<5, 4, f64>,
    Elu<f64>,
    Linear<4, 4, f64>,
    Softplus<f64>,
    Linear<4, 3, f64>,
    Softmax,
);
type Logs = (LinearNoBias<3, 3, f64>, LogSoftmax);
type Classes = SMatrix<f64, 3, 7>;

#[differentiable(wrt = (model, x))]
fn others_loss(model: &Others, x: &Inputs, y: &Classes) -> f64 {
    let prediction = model.forward(x);
    loss::mse(&prediction, y, Reduction::Sum)
}

#[differentiable(wrt = (model, x))]
fn logs_loss(model: &Logs, x: &Inputs, y: &Classes) -> f64 {
    let prediction = model.forward(x);
    loss::mse(&prediction, y, Reduction::Sum)
}

fn others() -> (Others, Logs, Classes) {
    let mut others: Others = seeded(7);
    // Away from the defaults, so that a configuration lost on the way shows.
    others.1.negative_slope = 0.2;
    others.3.alpha = 0.7;
    others.5.beta = 1.5;
    others.5.threshold = 2.0;
    let y = Classes::from_fn(|i, j| ((i + 2 * j) % 3) as f64 / 3.0);
    (others, seeded(8), y)
}

#[test]
fn other_layers_match_central_differences_and_the_vjp_convention() {
    let (x, _) = data();
    let (others, logs, y) = others();

    let (value, (model, input)) = others_loss_grad(&others, &x, &y);
    assert_eq!(value, others_loss(&others, &x, &y));
    tight()
        .run(|m| others_loss(m, &x, &y), &others, &model)
        .unwrap();
    tight()
        .run(|x| others_loss(&others, x, &y), &x, &input)
        .unwrap();
    let (_, pullback) = others_loss_vjp(&others, &x, &y);
    let (vjp_model, vjp_input, NoTangent) = pullback(1.0);
    assert!(model.approx_eq(&vjp_model, 1e-13, 1e-15));
    assert!(input.approx_eq(&vjp_input, 1e-13, 1e-15));
    assert_eq!(model.5, others.5); // the configuration, not a derivative

    let (_, (model, input)) = logs_loss_grad(&logs, &x, &y);
    tight()
        .run(|m| logs_loss(m, &x, &y), &logs, &model)
        .unwrap();
    tight()
        .run(|x| logs_loss(&logs, x, &y), &x, &input)
        .unwrap();
    let (_, pullback) = logs_loss_vjp(&logs, &x, &y);
    let (vjp_model, vjp_input, NoTangent) = pullback(1.0);
    assert!(model.approx_eq(&vjp_model, 1e-13, 1e-15));
    assert!(input.approx_eq(&vjp_input, 1e-13, 1e-15));
}

#[test]
fn other_layers_records_give_the_pullbacks_cotangents() {
    let (x, _) = data();
    let (others, logs, _) = others();
    let adjoint = Classes::from_fn(|i, j| i as f64 - j as f64 / 3.0);
    let grad = assert_records_match_pullback(&others, &x, adjoint);
    assert_eq!(grad.1, others.1); // the configuration, not a derivative
    assert_records_match_pullback(&logs, &x, adjoint);
}

// ---- modules without the split convention ---------------------------------------------

/// A module of the user's own with `Module` only (the trait's
/// `forward_vjp`): the generated call falls back to it.
#[derive(Params, Clone, Copy, Debug, PartialEq)]
struct Scale {
    scale: Vector2<f64>,
}

impl Module<Vector2<f64>> for Scale {
    type Output = Vector2<f64>;
    type Saved = ();
    fn forward(&self, x: &Vector2<f64>) -> Vector2<f64> {
        self.scale.component_mul(x)
    }
    fn forward_saving(&self, x: &Vector2<f64>) -> (Vector2<f64>, ()) {
        (self.forward(x), ())
    }
    fn backward(&self, x: &Vector2<f64>, (): &(), adjoint: Vector2<f64>) -> (Self, Vector2<f64>) {
        let grad = Scale {
            scale: adjoint.component_mul(x),
        };
        (grad, adjoint.component_mul(&self.scale))
    }
}

/// A sequential model with a member without the split convention, and a
/// split model called on its output.
#[differentiable]
fn mixed_loss(model: &((Scale, Tanh), (Linear<2, 2, f64>, Relu)), x: &Vector2<f64>) -> f64 {
    let hidden = model.0.forward(x);
    let output = model.1.forward(&hidden);
    output.norm_squared()
}

#[test]
fn modules_without_records_use_their_vjp() {
    let model = (
        (
            Scale {
                scale: Vector2::new(0.5, -1.5),
            },
            Tanh,
        ),
        (
            Linear::from_weights(Matrix2::new(0.3, -0.2, 0.7, 0.4), Vector2::new(0.1, 0.2)),
            Relu,
        ),
    );
    let x = Vector2::new(0.8, -0.6);
    let (value, gradient) = mixed_loss_grad(&model, &x);
    assert_eq!(value, mixed_loss(&model, &x));
    tight()
        .run(|m| mixed_loss(m, &x), &model, &gradient)
        .unwrap();
}
