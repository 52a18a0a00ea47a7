//! Vectors, matrices, arrays, tuples and parameter structs inside
//! `#[differentiable]` functions, checked against central differences
//! (`check_grad`) and hand derivations.
#![allow(
    dead_code,
    reason = "some primals are only called through their generated siblings"
)]

mod common;

use common::tight;
use nalgebra::{Matrix2x3, SMatrix, SVector, Vector2, Vector3};
use tapeless::{Params, check_grad, differentiable};

// ---- products and shapes --------------------------------------------------------

#[differentiable]
fn quadratic_form(x: &Vector3<f64>, a: &Matrix2x3<f64>, w: &Vector2<f64>) -> f64 {
    let y = a * x; // matrix × vector
    let z = y * 2.0 + w * x.norm(); // vector × scalar, scalar-valued method
    let scaled = 0.5 * z; // scalar × vector
    scaled.dot(&(w - z / 3.0)) // vector / scalar, dot
}

#[test]
fn products_of_every_shape_pair() {
    let a = Matrix2x3::new(1.0, -2.0, 0.5, 0.3, 1.5, -1.0);
    let w = Vector2::new(0.7, -0.4);
    for x in [Vector3::new(0.2, -1.0, 2.0), Vector3::new(-3.0, 0.5, 0.1)] {
        let (value, gradient) = quadratic_form_grad(&x, &a, &w);
        assert_eq!(value, quadratic_form(&x, &a, &w));
        tight()
            .run(|x| quadratic_form(x, &a, &w), &x, &gradient)
            .unwrap();
    }
}

#[differentiable(wrt = (a, b))]
fn matrix_product(a: &SMatrix<f64, 2, 3>, b: &SMatrix<f64, 3, 2>) -> f64 {
    let c = a * b; // matrix × matrix
    let outer = a.transpose() * c; // (3×2)·(2×2)
    (c.component_mul(&c).sum() + outer.abs().max() + outer.min()) / c.mean()
}

#[test]
fn matrix_products_transpose_and_reductions() {
    let a = SMatrix::<f64, 2, 3>::new(1.0, -2.0, 0.5, 0.3, 1.5, -1.0);
    let b = SMatrix::<f64, 3, 2>::new(0.2, 1.0, -0.7, 0.4, 1.3, -0.6);
    let (value, (da, db)) = matrix_product_grad(&a, &b);
    assert_eq!(value, matrix_product(&a, &b));
    tight().run(|a| matrix_product(a, &b), &a, &da).unwrap();
    tight().run(|b| matrix_product(&a, b), &b, &db).unwrap();
}

#[differentiable(wrt = (u, v))]
fn vector_methods(u: Vector3<f64>, v: Vector3<f64>) -> f64 {
    let q = u.component_div(&v) + u.component_mul(&v);
    let row = u.transpose(); // a row vector
    let r = row * v; // row × column: a 1×1 matrix
    q.norm_squared() + r.sum() - q.mean() * u.norm()
}

#[test]
fn vector_methods_match_central_differences() {
    let u = Vector3::new(0.5, -1.2, 2.0);
    let v = Vector3::new(1.5, 0.7, -0.9);
    let (value, (du, dv)) = vector_methods_grad(u, v);
    assert_eq!(value, vector_methods(u, v));
    tight().run(|u| vector_methods(*u, v), &u, &du).unwrap();
    tight().run(|v| vector_methods(u, *v), &v, &dv).unwrap();
}

// ---- indexing, fields, construction -----------------------------------------------

#[differentiable]
fn elements(p: &Vector3<f64>, data: &[f64; 3]) -> f64 {
    let first = p[0] * data[0];
    let m = Matrix2x3::new(p.x, p.y, p.z, p[2], p[1], p[0]);
    let corner = m[(1, 2)];
    let built = Vector3::new(first, corner, p.y * p.z);
    let array = [p.x, p.y];
    let pair = (array[1] * 2.0, built);
    pair.0 + pair.1.sum() + m.norm()
}

#[test]
fn indexing_fields_and_construction() {
    let data = [0.5, 1.0, 2.0];
    let p = Vector3::new(0.3, -1.1, 0.8);
    let (value, gradient) = elements_grad(&p, &data);
    assert_eq!(value, elements(&p, &data));
    tight().run(|p| elements(p, &data), &p, &gradient).unwrap();
}

#[differentiable]
fn from_array(x: f64, y: f64) -> f64 {
    let v = SVector::<f64, 2>::from([x * y, y]);
    let (a, b) = split(v);
    a * b
}

#[differentiable]
fn split(v: SVector<f64, 2>) -> (f64, f64) {
    (v[0] * 3.0, v[1] - 1.0)
}

#[test]
fn tuples_from_calls_and_vectors_from_arrays() {
    let (value, gradient) = from_array_grad(0.5, 2.0);
    assert_eq!(value, from_array(0.5, 2.0));
    // f = 3xy (y - 1): ∂/∂x = 3y(y - 1)
    assert!((gradient - 3.0 * 2.0 * 1.0).abs() < 1e-14);
}

// ---- parameter structs and methods ------------------------------------------------

#[derive(Params, Clone, Copy, Debug, PartialEq)]
struct Affine {
    weight: SMatrix<f64, 2, 3>,
    bias: Vector2<f64>,
}

impl Affine {
    /// A layer written by hand, differentiated with respect to the layer
    /// and its input.
    #[differentiable(wrt = (self, x))]
    fn forward(&self, x: &Vector3<f64>) -> Vector2<f64> {
        self.weight * x + self.bias
    }
}

#[derive(Params, Clone, Copy, Debug, PartialEq)]
struct TwoLayer {
    first: Affine,
    second: Affine,
    scale: f64,
}

#[differentiable]
fn two_layer_loss(model: &TwoLayer, x: &Vector3<f64>, target: &Vector2<f64>) -> f64 {
    let hidden = model.first.forward(x);
    let widened = Vector3::new(hidden.x.tanh(), hidden.y.tanh(), model.scale);
    let output = model.second.forward(&widened);
    let error = output - target;
    error.norm_squared() * model.scale
}

#[test]
fn nested_parameter_structs_and_layer_methods() {
    let layer = |k: f64| Affine {
        weight: SMatrix::<f64, 2, 3>::from_fn(|i, j| 0.3 * k * (i as f64 + 1.0) - 0.2 * j as f64),
        bias: Vector2::new(0.1 * k, -0.2),
    };
    let model = TwoLayer {
        first: layer(1.0),
        second: layer(-0.5),
        scale: 1.5,
    };
    let x = Vector3::new(0.4, -0.3, 0.9);
    let target = Vector2::new(0.2, -0.1);
    let (value, gradient) = two_layer_loss_grad(&model, &x, &target);
    assert_eq!(value, two_layer_loss(&model, &x, &target));
    assert_eq!(gradient.num_params(), model.num_params());
    check_grad(
        |m: &TwoLayer| two_layer_loss(m, &x, &target),
        &model,
        &gradient,
    )
    .unwrap();
    tight()
        .run(
            |m: &TwoLayer| two_layer_loss(m, &x, &target),
            &model,
            &gradient,
        )
        .unwrap();
}

#[test]
fn non_scalar_results_have_a_vjp() {
    let layer = Affine {
        weight: SMatrix::from_element(0.5),
        bias: Vector2::new(1.0, -1.0),
    };
    let x = Vector3::new(1.0, 2.0, 3.0);
    let (y, pullback) = layer.forward_vjp(&x);
    assert_eq!(y, layer.forward(&x));
    let cotangent = Vector2::new(1.0, 2.0);
    let (d_layer, d_x) = pullback(cotangent);
    assert_eq!(d_layer.weight, cotangent * x.transpose());
    assert_eq!(d_layer.bias, cotangent);
    assert_eq!(d_x, layer.weight.transpose() * cotangent);
}
