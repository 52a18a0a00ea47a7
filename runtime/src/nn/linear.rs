//! The fully connected layer [`Linear`] (`nn.Linear`).
#![allow(
    clippy::type_complexity,
    reason = "the `_vjp` signatures are fixed by the convention"
)]

use super::init::{DefaultRng, uniform};
use super::{Module, SplitModule, write_matrix};
use crate::{Params, Real};
use core::mem::MaybeUninit;
use nalgebra::{SMatrix, SVector};
use rand_core::{RngCore, SeedableRng};

/// A fully connected layer `y = W·x + b` from `IN` to `OUT` features,
/// PyTorch's `nn.Linear(IN, OUT)`.
///
/// `weight` has PyTorch's `OUT × IN` layout, so weights copy over from a
/// PyTorch state dict unchanged. [`forward`](Linear::forward) takes one
/// sample (`SVector<T, IN>`) or a batch with samples as columns
/// (`SMatrix<T, IN, B>`); the batch is one matrix product.
///
/// A `Linear` is a parameter set (two slices: the weight in nalgebra's
/// column-major order, then the bias) and its own gradient type.
///
/// ```
/// use tapeless_runtime::nn::Linear;
/// use nalgebra::{Matrix2x3, Vector2, Vector3};
///
/// let layer = Linear::from_weights(
///     Matrix2x3::new(1.0, 0.0, 2.0,
///                    0.0, 1.0, -1.0),
///     Vector2::new(0.5, 0.0),
/// );
/// let x = Vector3::new(1.0, 2.0, 3.0);
/// assert_eq!(layer.forward(&x), Vector2::new(7.5, -1.0));
///
/// let (_, pullback) = layer.forward_vjp(&x);
/// let (grad, grad_x) = pullback(Vector2::new(1.0, 0.0));
/// assert_eq!(grad.weight, Matrix2x3::new(1.0, 2.0, 3.0, 0.0, 0.0, 0.0));
/// assert_eq!(grad.bias, Vector2::new(1.0, 0.0));
/// assert_eq!(grad_x, Vector3::new(1.0, 0.0, 2.0));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(bound(
        serialize = "T: Real + serde::Serialize",
        deserialize = "T: Real + serde::Deserialize<'de>"
    ))
)]
pub struct Linear<const IN: usize, const OUT: usize, T = f32> {
    /// The weight, `OUT × IN` (PyTorch's layout: row `o` holds the weights
    /// into output `o`).
    pub weight: SMatrix<T, OUT, IN>,
    /// The bias.
    pub bias: SVector<T, OUT>,
}

impl<const IN: usize, const OUT: usize, T: Real> Linear<IN, OUT, T> {
    /// A layer with the given weight (`OUT × IN`) and bias.
    #[inline]
    #[must_use]
    pub fn from_weights(weight: SMatrix<T, OUT, IN>, bias: SVector<T, OUT>) -> Self {
        Self { weight, bias }
    }

    /// A layer initialised as PyTorch's `nn.Linear` does: every weight and
    /// bias uniform in `[−1/√IN, 1/√IN)` (`kaiming_uniform_(a=√5)` for the
    /// weight), drawn from `rng` (weight in row-major order as PyTorch, then
    /// the bias). The numbers differ from PyTorch's, whose generator is not
    /// reproduced.
    ///
    /// ```
    /// use tapeless_runtime::nn::{Linear, init::{DefaultRng, SeedableRng}};
    /// let mut rng = DefaultRng::seed_from_u64(7);
    /// let layer = Linear::<4, 3, f64>::new(&mut rng);
    /// assert!(layer.weight.iter().chain(layer.bias.iter()).all(|w| w.abs() <= 0.5));
    /// ```
    #[must_use]
    pub fn new(rng: &mut impl RngCore) -> Self {
        let bound = T::ONE / T::sqrt(T::from_f64_lossy(IN as f64));
        let mut layer = Self::zeros();
        for o in 0..OUT {
            for i in 0..IN {
                layer.weight[(o, i)] = uniform(rng, -bound, bound);
            }
        }
        for o in 0..OUT {
            layer.bias[o] = uniform(rng, -bound, bound);
        }
        layer
    }

    /// [`new`](Linear::new) with a [`DefaultRng`] seeded from `seed`.
    ///
    /// ```
    /// use tapeless_runtime::nn::Linear;
    /// assert_eq!(Linear::<3, 2, f64>::seeded(1), Linear::<3, 2, f64>::seeded(1));
    /// assert_ne!(Linear::<3, 2, f64>::seeded(1), Linear::<3, 2, f64>::seeded(2));
    /// ```
    #[must_use]
    pub fn seeded(seed: u64) -> Self {
        Self::new(&mut DefaultRng::seed_from_u64(seed))
    }

    /// `W·x + b` for one sample (`B = 1`, an `SVector<T, IN>`) or for each
    /// column of a batch.
    #[inline]
    #[must_use]
    pub fn forward<const B: usize>(&self, x: &SMatrix<T, IN, B>) -> SMatrix<T, OUT, B> {
        // Each output is one dot product over the weight's row, then `+ b`.
        // nalgebra's storage is an array of columns, indexed here within
        // `from_fn`'s bounds (no checks left), and `from_fn` fills the result
        // without zeroing it first.
        SMatrix::from_fn(|o, b| row_dot(&self.weight, x, o, b) + self.bias.data.0[0][o])
    }

    /// The `_vjp` rule of [`forward`](Linear::forward): for the output
    /// cotangent `ȳ`, the gradient `(W̄ = ȳ·xᵀ, b̄ = Σ_columns ȳ)` as a
    /// `Linear`, and `x̄ = Wᵀ·ȳ`.
    ///
    /// The pullback borrows the layer and `x`; it copies neither.
    #[inline]
    pub fn forward_vjp<'a, const B: usize>(
        &'a self,
        x: &'a SMatrix<T, IN, B>,
    ) -> (
        SMatrix<T, OUT, B>,
        impl FnOnce(SMatrix<T, OUT, B>) -> (Self, SMatrix<T, IN, B>) + 'a,
    ) {
        (self.forward(x), move |adjoint| self.backward(x, &adjoint))
    }

    /// The cotangents of the layer and of its input `x` for the output
    /// cotangent `adjoint`.
    #[inline]
    fn backward<const B: usize>(
        &self,
        x: &SMatrix<T, IN, B>,
        adjoint: &SMatrix<T, OUT, B>,
    ) -> (Self, SMatrix<T, IN, B>) {
        // W̄ = Σ_b ȳ_b·x_bᵀ: per sample, one axpy per weight column (the first
        // sample writes, the others add); b̄ = Σ_b ȳ_b. nalgebra's storage is
        // an array of columns, so the loops run over fixed-size arrays
        // without bounds checks.
        let mut samples = adjoint.data.0.iter().zip(&x.data.0);
        let mut grad = Self::zeros();
        if let Some((adjoint, x)) = samples.next() {
            for (weight_grad, x) in grad.weight.data.0.iter_mut().zip(x) {
                for (weight_grad, adjoint) in weight_grad.iter_mut().zip(adjoint) {
                    *weight_grad = *adjoint * *x;
                }
            }
            grad.bias.data.0[0] = *adjoint;
        }
        for (adjoint, x) in samples {
            for (weight_grad, x) in grad.weight.data.0.iter_mut().zip(x) {
                for (weight_grad, adjoint) in weight_grad.iter_mut().zip(adjoint) {
                    *weight_grad += *adjoint * *x;
                }
            }
            for (bias_grad, adjoint) in grad.bias.data.0[0].iter_mut().zip(adjoint) {
                *bias_grad += *adjoint;
            }
        }
        // x̄_b = Wᵀ·ȳ_b: one dot product per weight column. (Computed even
        // when the caller drops it, for a layer applied to data: the
        // pullback cannot know.)
        let grad_x = SMatrix::from_fn(|i, b| {
            let mut dot = T::ZERO;
            for (weight, adjoint) in self.weight.data.0[i].iter().zip(&adjoint.data.0[b]) {
                dot += *weight * *adjoint;
            }
            dot
        });
        (grad, grad_x)
    }
}

impl<const IN: usize, const OUT: usize, T: Real, const B: usize> Module<SMatrix<T, IN, B>>
    for Linear<IN, OUT, T>
{
    type Output = SMatrix<T, OUT, B>;
    type Saved = ();
    #[inline]
    fn forward(&self, x: &SMatrix<T, IN, B>) -> SMatrix<T, OUT, B> {
        Linear::forward(self, x)
    }
    #[inline]
    fn forward_saving(&self, x: &SMatrix<T, IN, B>) -> (SMatrix<T, OUT, B>, ()) {
        (Linear::forward(self, x), ())
    }
    #[inline]
    fn backward(
        &self,
        x: &SMatrix<T, IN, B>,
        (): &(),
        adjoint: SMatrix<T, OUT, B>,
    ) -> (Self, SMatrix<T, IN, B>) {
        Linear::backward(self, x, &adjoint)
    }
}

/// `W[o, ·]·x[·, b]`: output `o` of sample `b` before any bias, one dot
/// product over the weight's row (nalgebra's storage is an array of
/// columns, indexed here within bounds).
#[inline(always)]
pub(super) fn row_dot<T: Real, const IN: usize, const OUT: usize, const B: usize>(
    weight: &SMatrix<T, OUT, IN>,
    x: &SMatrix<T, IN, B>,
    o: usize,
    b: usize,
) -> T {
    let mut total = T::ZERO;
    for (weight, x) in weight.data.0.iter().zip(&x.data.0[b]) {
        total += weight[o] * *x;
    }
    total
}

impl<const IN: usize, const OUT: usize, T: Real, const B: usize> SplitModule<SMatrix<T, IN, B>>
    for Linear<IN, OUT, T>
{
    /// Nothing: the reverse pass needs only the layer and its input.
    type Record = ();
    #[inline]
    fn forward_record<'r, 'o>(
        &self,
        x: &SMatrix<T, IN, B>,
        record: &'r mut MaybeUninit<()>,
        output: &'o mut MaybeUninit<SMatrix<T, OUT, B>>,
    ) -> (&'r mut (), &'o mut SMatrix<T, OUT, B>) {
        // `forward`'s dot products, written once into the caller's storage.
        let output = write_matrix(output, |o, b| {
            row_dot(&self.weight, x, o, b) + self.bias.data.0[0][o]
        });
        (record.write(()), output)
    }
    #[inline]
    fn backward_record(
        &self,
        x: &SMatrix<T, IN, B>,
        (): &mut (),
        adjoint: &SMatrix<T, OUT, B>,
        grad: &mut Self,
        grad_x: Option<&mut SMatrix<T, IN, B>>,
    ) {
        self.weight_grad(x, adjoint, grad);
        // x̄_b = Wᵀ·ȳ_b, only when the caller asks for it.
        if let Some(grad_x) = grad_x {
            for (grad_x, adjoint) in grad_x.data.0.iter_mut().zip(&adjoint.data.0) {
                for (grad_x, weight) in grad_x.iter_mut().zip(&self.weight.data.0) {
                    let mut dot = T::ZERO;
                    for (weight, adjoint) in weight.iter().zip(adjoint) {
                        dot += *weight * *adjoint;
                    }
                    *grad_x = dot;
                }
            }
        }
    }

    #[inline]
    fn backward_record_in_place(
        &self,
        x: &mut SMatrix<T, IN, B>,
        (): &mut (),
        adjoint: &SMatrix<T, OUT, B>,
        grad: &mut Self,
    ) {
        self.weight_grad(x, adjoint, grad);
        // x̄_b = Wᵀ·ȳ_b over x_b, which W̄ no longer needs.
        for (x, adjoint) in x.data.0.iter_mut().zip(&adjoint.data.0) {
            for (x, weight) in x.iter_mut().zip(&self.weight.data.0) {
                let mut dot = T::ZERO;
                for (weight, adjoint) in weight.iter().zip(adjoint) {
                    dot += *weight * *adjoint;
                }
                *x = dot;
            }
        }
    }
}

impl<const IN: usize, const OUT: usize, T: Real> Linear<IN, OUT, T> {
    /// Writes `W̄ = Σ_b ȳ_b·x_bᵀ` and `b̄ = Σ_b ȳ_b` into `grad`, as
    /// [`backward`](Self::backward) computes them: the first sample writes,
    /// the others add.
    #[inline]
    fn weight_grad<const B: usize>(
        &self,
        x: &SMatrix<T, IN, B>,
        adjoint: &SMatrix<T, OUT, B>,
        grad: &mut Self,
    ) {
        let mut samples = adjoint.data.0.iter().zip(&x.data.0);
        if let Some((adjoint, x)) = samples.next() {
            for (weight_grad, x) in grad.weight.data.0.iter_mut().zip(x) {
                for (weight_grad, adjoint) in weight_grad.iter_mut().zip(adjoint) {
                    *weight_grad = *adjoint * *x;
                }
            }
            grad.bias.data.0[0] = *adjoint;
        } else {
            grad.weight.fill(T::ZERO);
            grad.bias.fill(T::ZERO);
        }
        for (adjoint, x) in samples {
            for (weight_grad, x) in grad.weight.data.0.iter_mut().zip(x) {
                for (weight_grad, adjoint) in weight_grad.iter_mut().zip(adjoint) {
                    *weight_grad += *adjoint * *x;
                }
            }
            for (bias_grad, adjoint) in grad.bias.data.0[0].iter_mut().zip(adjoint) {
                *bias_grad += *adjoint;
            }
        }
    }
}

impl<const IN: usize, const OUT: usize, T: Real> Params for Linear<IN, OUT, T> {
    type Scalar = T;
    const SLICES: usize = 2;
    #[inline]
    fn zeros() -> Self {
        Self {
            weight: SMatrix::from_element(T::ZERO),
            bias: SVector::from_element(T::ZERO),
        }
    }
    #[inline]
    fn slice(&self, index: usize) -> &[T] {
        match index {
            0 => self.weight.as_slice(),
            1 => self.bias.as_slice(),
            _ => panic!("slice index {index} out of range for a `Linear` (2 slices)"),
        }
    }
    #[inline]
    fn slice_mut(&mut self, index: usize) -> &mut [T] {
        match index {
            0 => self.weight.as_mut_slice(),
            1 => self.bias.as_mut_slice(),
            _ => panic!("slice index {index} out of range for a `Linear` (2 slices)"),
        }
    }
}

impl<const IN: usize, const OUT: usize, T: Real> core::ops::Add for Linear<IN, OUT, T> {
    type Output = Self;
    #[inline]
    fn add(mut self, other: Self) -> Self {
        self.accumulate(&other);
        self
    }
}

impl<const IN: usize, const OUT: usize, T: Real> core::ops::Sub for Linear<IN, OUT, T> {
    type Output = Self;
    #[inline]
    fn sub(mut self, other: Self) -> Self {
        self.subtract(&other);
        self
    }
}

impl<const IN: usize, const OUT: usize, T: Real> core::ops::AddAssign for Linear<IN, OUT, T> {
    #[inline]
    fn add_assign(&mut self, other: Self) {
        self.accumulate(&other);
    }
}

impl<const IN: usize, const OUT: usize, T: Real> core::ops::SubAssign for Linear<IN, OUT, T> {
    #[inline]
    fn sub_assign(&mut self, other: Self) {
        self.subtract(&other);
    }
}

impl<const IN: usize, const OUT: usize, T: Real> core::ops::Mul<T> for Linear<IN, OUT, T> {
    type Output = Self;
    #[inline]
    fn mul(mut self, alpha: T) -> Self {
        self.scale(alpha);
        self
    }
}

impl<const IN: usize, const OUT: usize, T: Real> core::ops::Neg for Linear<IN, OUT, T> {
    type Output = Self;
    #[inline]
    fn neg(mut self) -> Self {
        self.scale(-T::ONE);
        self
    }
}

#[cfg(all(test, feature = "serde"))]
mod serde_tests {
    use super::Linear;
    use crate::Params;
    use crate::nn::{Relu, Sigmoid};
    use std::string::String;

    #[test]
    fn models_round_trip_through_serde() {
        type Model = (Linear<3, 4, f64>, Relu, Linear<4, 1, f64>, Sigmoid);
        let model: Model = (Linear::seeded(1), Relu, Linear::seeded(2), Sigmoid);
        let json: String = serde_json::to_string(&model).expect("serialize");
        let back: Model = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, model);
        assert_eq!(back.num_params(), 21);
    }
}
