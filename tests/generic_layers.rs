//! Differentiable methods of generic layers (type and const parameters on
//! the `impl`), composed by a generic loss.

mod common;

use common::tight;
use nalgebra::{SMatrix, SVector};
use tapeless::{Params, Real, differentiable};

#[derive(Params, Clone, Copy, Debug, PartialEq)]
struct Dense<T: Real, const I: usize, const O: usize> {
    weight: SMatrix<T, O, I>,
    bias: SVector<T, O>,
}

impl<T: Real, const I: usize, const O: usize> Dense<T, I, O> {
    #[differentiable(wrt = (self, x))]
    fn forward(&self, x: &SVector<T, I>) -> SVector<T, O> {
        self.weight * x + self.bias
    }
}

#[differentiable]
fn loss<T: Real, const I: usize, const H: usize>(
    layers: &(Dense<T, I, H>, Dense<T, H, 1>),
    x: &SVector<T, I>,
) -> T {
    let hidden = layers.0.forward(x);
    let output = layers.1.forward(&hidden);
    output.dot(&output)
}

#[test]
fn generic_layers_compose() {
    let first = Dense::<f64, 3, 4> {
        weight: SMatrix::from_fn(|i, j| 0.1 * (i + 2 * j) as f64 - 0.3),
        bias: SVector::from_element(0.1),
    };
    let second = Dense::<f64, 4, 1> {
        weight: SMatrix::from_fn(|_, j| 0.2 - 0.1 * j as f64),
        bias: SVector::from_element(-0.2),
    };
    let layers = (first, second);
    let x = SVector::<f64, 3>::new(0.5, -1.0, 2.0);
    let (value, gradient) = loss_grad(&layers, &x);
    assert_eq!(value, loss(&layers, &x));
    tight()
        .run(|layers| loss(layers, &x), &layers, &gradient)
        .unwrap();
    let (value32, _) = loss_grad(
        &(
            Dense::<f32, 3, 4> {
                weight: SMatrix::from_element(0.1),
                bias: SVector::zeros(),
            },
            Dense::<f32, 4, 1> {
                weight: SMatrix::from_element(0.2),
                bias: SVector::zeros(),
            },
        ),
        &SVector::<f32, 3>::new(1.0, 2.0, 3.0),
    );
    assert!((value32 - 0.2304).abs() < 1e-5);
}
