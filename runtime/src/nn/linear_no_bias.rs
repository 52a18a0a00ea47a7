//! The fully connected layer without a bias, [`LinearNoBias`]
//! (`nn.Linear(IN, OUT, bias=False)`).
#![allow(
    clippy::type_complexity,
    reason = "the `_vjp` signatures are fixed by the convention"
)]

use super::init::{DefaultRng, uniform};
use super::linear::row_dot;
use super::{Module, SplitModule, write_matrix};
use crate::{Params, Real};
use core::mem::MaybeUninit;
use nalgebra::SMatrix;
use rand_core::{RngCore, SeedableRng};

/// A fully connected layer without a bias, `y = W·x`, from `IN` to `OUT`
/// features: PyTorch's `nn.Linear(IN, OUT, bias=False)`.
///
/// As [`Linear`](super::Linear) but with no bias at all: the parameter set
/// is the weight alone (one slice; `num_params() == OUT·IN`), so optimizers
/// and weight decay see only the weight, as in torch.
///
/// ```
/// use tapeless_runtime::Params;
/// use tapeless_runtime::nn::LinearNoBias;
/// use nalgebra::{Matrix2x3, Vector2, Vector3};
///
/// let layer = LinearNoBias::from_weight(Matrix2x3::new(1.0, 0.0, 2.0, 0.0, 1.0, -1.0));
/// let x = Vector3::new(1.0, 2.0, 3.0);
/// assert_eq!(layer.forward(&x), Vector2::new(7.0, -1.0));
/// assert_eq!(layer.num_params(), 6);
///
/// let (_, pullback) = layer.forward_vjp(&x);
/// let (grad, grad_x) = pullback(Vector2::new(1.0, 0.0));
/// assert_eq!(grad.weight, Matrix2x3::new(1.0, 2.0, 3.0, 0.0, 0.0, 0.0));
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
pub struct LinearNoBias<const IN: usize, const OUT: usize, T = f32> {
    /// The weight, `OUT × IN` (PyTorch's layout).
    pub weight: SMatrix<T, OUT, IN>,
}

impl<const IN: usize, const OUT: usize, T: Real> LinearNoBias<IN, OUT, T> {
    /// A layer with the given weight (`OUT × IN`).
    #[inline]
    #[must_use]
    pub fn from_weight(weight: SMatrix<T, OUT, IN>) -> Self {
        Self { weight }
    }

    /// A layer initialised as PyTorch's `nn.Linear(bias=False)`: every
    /// weight uniform in `[−1/√IN, 1/√IN)`, drawn from `rng` in row-major
    /// order (the same weights as [`Linear::new`](super::Linear::new) from
    /// the same generator).
    ///
    /// ```
    /// use tapeless_runtime::nn::{Linear, LinearNoBias};
    /// assert_eq!(LinearNoBias::<3, 2, f64>::seeded(4).weight, Linear::<3, 2, f64>::seeded(4).weight);
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
        layer
    }

    /// [`new`](LinearNoBias::new) with a [`DefaultRng`] seeded from `seed`.
    #[must_use]
    pub fn seeded(seed: u64) -> Self {
        Self::new(&mut DefaultRng::seed_from_u64(seed))
    }

    /// `W·x` for one sample (an `SVector<T, IN>`) or for each column of a
    /// batch.
    #[inline]
    #[must_use]
    pub fn forward<const B: usize>(&self, x: &SMatrix<T, IN, B>) -> SMatrix<T, OUT, B> {
        self.weight * x
    }

    /// The `_vjp` rule of [`forward`](LinearNoBias::forward): for the output
    /// cotangent `ȳ`, the gradient `W̄ = ȳ·xᵀ` as a `LinearNoBias`, and
    /// `x̄ = Wᵀ·ȳ`. The pullback borrows the layer and `x`.
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

    /// The cotangents of the layer and of its input for the output
    /// cotangent `adjoint`.
    #[inline]
    fn backward<const B: usize>(
        &self,
        x: &SMatrix<T, IN, B>,
        adjoint: &SMatrix<T, OUT, B>,
    ) -> (Self, SMatrix<T, IN, B>) {
        let grad = Self {
            weight: adjoint * x.transpose(),
        };
        (grad, self.weight.tr_mul(adjoint))
    }
}

impl<const IN: usize, const OUT: usize, T: Real, const B: usize> Module<SMatrix<T, IN, B>>
    for LinearNoBias<IN, OUT, T>
{
    type Output = SMatrix<T, OUT, B>;
    type Saved = ();
    #[inline]
    fn forward(&self, x: &SMatrix<T, IN, B>) -> SMatrix<T, OUT, B> {
        LinearNoBias::forward(self, x)
    }
    #[inline]
    fn forward_saving(&self, x: &SMatrix<T, IN, B>) -> (SMatrix<T, OUT, B>, ()) {
        (LinearNoBias::forward(self, x), ())
    }
    #[inline]
    fn backward(
        &self,
        x: &SMatrix<T, IN, B>,
        (): &(),
        adjoint: SMatrix<T, OUT, B>,
    ) -> (Self, SMatrix<T, IN, B>) {
        LinearNoBias::backward(self, x, &adjoint)
    }
}

impl<const IN: usize, const OUT: usize, T: Real, const B: usize> SplitModule<SMatrix<T, IN, B>>
    for LinearNoBias<IN, OUT, T>
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
        let output = write_matrix(output, |o, b| row_dot(&self.weight, x, o, b));
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
        grad.weight = adjoint * x.transpose();
        if let Some(grad_x) = grad_x {
            self.weight.tr_mul_to(adjoint, grad_x);
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
        grad.weight = adjoint * x.transpose();
        self.weight.tr_mul_to(adjoint, x);
    }
}

impl<const IN: usize, const OUT: usize, T: Real> Params for LinearNoBias<IN, OUT, T> {
    type Scalar = T;
    const SLICES: usize = 1;
    #[inline]
    fn zeros() -> Self {
        Self {
            weight: SMatrix::from_element(T::ZERO),
        }
    }
    #[inline]
    fn slice(&self, index: usize) -> &[T] {
        match index {
            0 => self.weight.as_slice(),
            _ => panic!("slice index {index} out of range for a `LinearNoBias` (1 slice)"),
        }
    }
    #[inline]
    fn slice_mut(&mut self, index: usize) -> &mut [T] {
        match index {
            0 => self.weight.as_mut_slice(),
            _ => panic!("slice index {index} out of range for a `LinearNoBias` (1 slice)"),
        }
    }
}

impl<const IN: usize, const OUT: usize, T: Real> core::ops::Add for LinearNoBias<IN, OUT, T> {
    type Output = Self;
    #[inline]
    fn add(mut self, other: Self) -> Self {
        self.accumulate(&other);
        self
    }
}

impl<const IN: usize, const OUT: usize, T: Real> core::ops::Sub for LinearNoBias<IN, OUT, T> {
    type Output = Self;
    #[inline]
    fn sub(mut self, other: Self) -> Self {
        self.subtract(&other);
        self
    }
}

impl<const IN: usize, const OUT: usize, T: Real> core::ops::AddAssign for LinearNoBias<IN, OUT, T> {
    #[inline]
    fn add_assign(&mut self, other: Self) {
        self.accumulate(&other);
    }
}

impl<const IN: usize, const OUT: usize, T: Real> core::ops::SubAssign for LinearNoBias<IN, OUT, T> {
    #[inline]
    fn sub_assign(&mut self, other: Self) {
        self.subtract(&other);
    }
}

impl<const IN: usize, const OUT: usize, T: Real> core::ops::Mul<T> for LinearNoBias<IN, OUT, T> {
    type Output = Self;
    #[inline]
    fn mul(mut self, alpha: T) -> Self {
        self.scale(alpha);
        self
    }
}

impl<const IN: usize, const OUT: usize, T: Real> core::ops::Neg for LinearNoBias<IN, OUT, T> {
    type Output = Self;
    #[inline]
    fn neg(mut self) -> Self {
        self.scale(-T::ONE);
        self
    }
}
