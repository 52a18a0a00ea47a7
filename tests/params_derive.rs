//! `#[derive(Params)]`, the laws of parameter sets, and gradient clipping.

use nalgebra::{Matrix2, SMatrix, SVector, Vector2, Vector3};
use tapeless::nn::utils::{clip_grad_norm, clip_grad_value, total_norm};
use tapeless::nn::{Linear, Module, Relu, Sigmoid};
use tapeless::{Params, Real, check_grad, loss};

/// A hand-made model: layers and an activation as fields.
#[derive(Clone, Debug, PartialEq, Params)]
struct Mlp<T: Real> {
    hidden: Linear<3, 4, T>,
    activation: Relu,
    output: Linear<4, 1, T>,
}

impl<T: Real> Mlp<T> {
    fn forward(&self, x: &SVector<T, 3>) -> SVector<T, 1> {
        self.output
            .forward(&tapeless::nn::relu(self.hidden.forward(x)))
    }
}

/// Plain scalars, vectors and arrays.
#[derive(Clone, Debug, PartialEq, Params)]
struct Curve {
    a: f64,
    b: Vector2<f64>,
    c: [f64; 3],
}

/// Nested parameter sets and a tuple struct.
#[derive(Clone, Debug, PartialEq, Params)]
struct Outer(Curve, Matrix2<f64>, (f64, [Vector2<f64>; 2]));

/// An activation first: the scalar type is given.
#[derive(Clone, Debug, PartialEq, Params)]
#[params(scalar = f32, no_ops)]
struct ActivationFirst {
    activation: Sigmoid,
    layer: Linear<2, 2>,
}

/// A local module named like the crate must not confuse the expansion.
#[allow(dead_code)]
mod shadowing {
    mod tapeless {}
    mod core {}
    #[derive(Clone, ::tapeless::Params)]
    pub(crate) struct Shadowed {
        pub(crate) x: f64,
    }
}

fn curve(a: f64) -> Curve {
    Curve {
        a,
        b: Vector2::new(a + 1.0, a + 2.0),
        c: [a + 3.0, a + 4.0, a + 5.0],
    }
}

#[test]
fn derived_slices_follow_field_order() {
    // A scalar and a vector are one slice each, an array of 3 scalars three.
    assert_eq!(Curve::SLICES, 5);
    assert_eq!(<Mlp<f64>>::SLICES, 4);
    assert_eq!(Outer::SLICES, 5 + 1 + 3);
    assert_eq!(ActivationFirst::SLICES, 2);
    let c = curve(0.0);
    assert_eq!(c.num_params(), 6);
    let mut flat = [0.0; 6];
    c.copy_to_flat(&mut flat);
    assert_eq!(flat, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(Curve::from_flat(&flat), c);
    assert_eq!(c.to_flat_array::<6>(), flat);
    assert_eq!(
        Curve::zeros(),
        Curve {
            a: 0.0,
            b: Vector2::zeros(),
            c: [0.0; 3]
        }
    );
    let outer = Outer(
        curve(1.0),
        Matrix2::new(1.0, 2.0, 3.0, 4.0),
        (5.0, [Vector2::new(6.0, 7.0), Vector2::new(8.0, 9.0)]),
    );
    assert_eq!(outer.num_params(), 6 + 4 + 5);
    assert_eq!(outer.slice(5), Matrix2::new(1.0, 2.0, 3.0, 4.0).as_slice());
    assert_eq!(outer.slice(8), &[8.0, 9.0]);
    assert_eq!(Params::num_params(&shadowing::Shadowed { x: 2.0 }), 1);
    let model = Mlp::<f64> {
        hidden: Linear::seeded(1),
        activation: Relu,
        output: Linear::seeded(2),
    };
    assert_eq!(model.num_params(), 3 * 4 + 4 + 4 + 1);
    assert_eq!(model.slice(2), model.output.weight.as_slice());
    assert_eq!(
        format!(
            "{}",
            Curve::from_flat(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.5]).display()
        ),
        "[1, 2, 3, 4, 5, 6.5]"
    );
}

#[test]
#[should_panic(expected = "out of range for `Curve`")]
fn derived_slice_index_is_checked() {
    let _ = curve(0.0).slice(5);
}

#[test]
fn derived_operators_follow_the_laws() {
    let (a, b) = (curve(1.0), curve(-0.5));
    let zero = Curve::zeros();
    // a + 0 = a, a − a = 0, a + b = b + a, −a = (−1)·a.
    assert_eq!(a.clone() + zero.clone(), a);
    assert_eq!(a.clone() - a.clone(), zero);
    assert_eq!(a.clone() + b.clone(), b.clone() + a.clone());
    assert_eq!(-a.clone(), a.clone() * -1.0);
    // a + α·b as an operator expression and as `add_scaled`.
    let mut axpy = a.clone();
    axpy.add_scaled(0.25, &b);
    assert_eq!(a.clone() + b.clone() * 0.25, axpy);
    let mut sum = a.clone();
    sum += b.clone();
    sum -= b.clone();
    assert_eq!(sum, a);
    // dot, norm, approximate comparison.
    assert_eq!(a.dot(&b), b.dot(&a));
    assert!((a.norm() * a.norm() - a.dot(&a)).abs() < 1e-12);
    let mut nudged = a.clone();
    nudged.a += 1e-12;
    assert!(nudged.approx_eq(&a, 1e-10, 0.0) && nudged != a);
    assert!(!b.approx_eq(&a, 1e-10, 1e-3));
    // Generic derived structs get the operators too.
    let m = Mlp::<f32> {
        hidden: Linear::seeded(3),
        activation: Relu,
        output: Linear::seeded(4),
    };
    let doubled = m.clone() + m.clone();
    assert_eq!(doubled, m.clone() * 2.0);
    assert_eq!(doubled.hidden.weight, m.hidden.weight * 2.0);
}

#[test]
fn lockstep_visits_give_optimizers_their_loop() {
    // One SGD-with-momentum step written against `zip_slices_mut`.
    let mut params = curve(1.0);
    let grad = curve(0.5);
    let mut momentum = Curve::zeros();
    momentum.zip_slices_mut([&grad], |m, [g]| {
        for (m, g) in m.iter_mut().zip(g) {
            *m = 0.9 * *m + g;
        }
    });
    params.zip_slices_mut([&momentum], |p, [m]| {
        for (p, m) in p.iter_mut().zip(m) {
            *p -= 0.1 * m;
        }
    });
    let mut expected = curve(1.0);
    expected.add_scaled(-0.1, &curve(0.5));
    assert!(params.approx_eq(&expected, 1e-15, 1e-15));
}

#[test]
fn a_derived_model_is_differentiable_with_layer_vjps() {
    let model = Mlp::<f64> {
        hidden: Linear::seeded(5),
        activation: Relu,
        output: Linear::seeded(6),
    };
    let x = Vector3::new(0.3, -1.2, 2.0);
    let y = SVector::<f64, 1>::new(0.7);
    // The reverse sweep the macro generates, written out by hand.
    let (h, hidden_pullback) = model.hidden.forward_vjp(&x);
    let (a, relu_pullback) = tapeless::nn::relu_vjp(h);
    let (out, output_pullback) = model.output.forward_vjp(&a);
    let (_, loss_pullback) = loss::mse_vjp(&out, &y, loss::Reduction::Mean);
    let grad_out = loss_pullback(1.0).0;
    let (grad_output_layer, grad_a) = output_pullback(grad_out);
    let (grad_hidden, _) = hidden_pullback(relu_pullback(grad_a).0);
    let grad = Mlp {
        hidden: grad_hidden,
        activation: Relu,
        output: grad_output_layer,
    };
    let objective = |m: &Mlp<f64>| loss::mse(&m.forward(&x), &y, loss::Reduction::Mean);
    check_grad(objective, &model, &grad).expect("gradient of a derived model");
    // The same model as a sequential tuple has the same gradient.
    let sequential = (model.hidden, Relu, model.output);
    let (_, pullback) = sequential.forward_vjp(&x);
    let (grad_tuple, _) = pullback(grad_out);
    assert_eq!((grad_tuple.0, grad_tuple.2), (grad.hidden, grad.output));
}

#[test]
fn clipping_matches_torch_nn_utils() {
    // torch.nn.utils.clip_grad_norm_([torch.tensor([3., 4.]), torch.tensor([12.])], 6.5)
    // returns 13 and scales by 6.5 / (13 + 1e-6).
    let mut grad = (Vector2::new(3.0_f64, 4.0), 12.0_f64);
    let norm = clip_grad_norm(&mut grad, 6.5, 2.0);
    assert_eq!(norm, 13.0);
    let factor = 6.5 / (13.0 + 1e-6);
    assert_eq!(
        grad,
        (Vector2::new(3.0 * factor, 4.0 * factor), 12.0 * factor)
    );
    // A norm below the maximum is left (as torch: scaled by the clamped factor 1).
    let mut small = [0.1_f64, -0.2];
    assert!((clip_grad_norm(&mut small, 1.0, 2.0) - 0.05_f64.sqrt()).abs() < 1e-16);
    assert_eq!(small, [0.1, -0.2]);
    // ∞-norm and 1-norm.
    let mut grad = [1.0_f64, -3.0, 2.0];
    assert_eq!(clip_grad_norm(&mut grad, 1.5, f64::INFINITY), 3.0);
    assert!((grad[1] + 1.5).abs() < 1e-6);
    assert_eq!(total_norm(&[1.0_f64, -3.0, 2.0], 1.0), 6.0);
    // Values.
    let mut grad = SMatrix::<f64, 2, 2>::new(0.5, -2.0, 3.0, -0.1);
    clip_grad_value(&mut grad, 1.0);
    assert_eq!(grad, SMatrix::<f64, 2, 2>::new(0.5, -1.0, 1.0, -0.1));
}
