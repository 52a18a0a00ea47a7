//! The [`Module`] trait, activation modules, and tuples of modules as
//! sequential models (PyTorch's `nn.Sequential`).

use super::{
    Elementwise, elu, elu_vjp, gelu, gelu_tanh, gelu_tanh_vjp, gelu_vjp, leaky_relu,
    leaky_relu_vjp, log_softmax, log_softmax_vjp, relu, relu_vjp, sigmoid, sigmoid_vjp, silu,
    silu_vjp, softmax, softmax_vjp, softplus, softplus_vjp, tanh, tanh_vjp,
};
use crate::{ParamsOf, Real};
use nalgebra::SMatrix;

/// A layer or a model: maps an `Input` to an [`Output`](Module::Output), and
/// has a reverse-mode rule whose gradient with respect to the module is a
/// value of the module's own type.
///
/// Implemented for [`Linear`](super::Linear), the activation modules
/// ([`Relu`], [`Sigmoid`], ...) and tuples of up to eight modules, which
/// apply their members in order like `nn.Sequential`:
///
/// ```
/// use tapeless_runtime::nn::{Linear, Module, Relu, Sigmoid};
/// use nalgebra::{SMatrix, Vector1, Vector2};
///
/// let model = (
///     Linear::<2, 2, f64>::from_weights(SMatrix::identity(), Vector2::new(0.0, -1.0)),
///     Relu,
///     Linear::<2, 1, f64>::from_weights(SMatrix::from_element(1.0), Vector1::new(0.0)),
///     Sigmoid,
/// );
/// let x = Vector2::new(2.0, 0.5);
/// let y = model.forward(&x); // sigmoid(relu(2) + relu(-0.5)) = sigmoid(2)
/// assert!((y[0] - 1.0 / (1.0 + (-2.0_f64).exp())).abs() < 1e-15);
///
/// // The gradient of the model is a model: one gradient per layer.
/// let (_, pullback) = model.forward_vjp(&x);
/// let (grad, grad_x) = pullback(Vector1::new(1.0));
/// assert_eq!(grad.2.bias[0], y[0] * (1.0 - y[0]));
/// assert_eq!(grad_x[1], 0.0); // relu'(-0.5) = 0
/// ```
pub trait Module<Input: Clone>: Sized {
    /// What the module computes from an `Input`.
    type Output: Clone;

    /// Applies the module to `x`.
    fn forward(&self, x: &Input) -> Self::Output;

    /// The `_vjp` rule of [`forward`](Module::forward): the output and a
    /// pullback that maps the output's cotangent to the cotangents of the
    /// module and of `x`.
    ///
    /// The pullback owns what it needs (it borrows neither the module nor
    /// `x`), so callers may drop both before calling it.
    #[inline]
    fn forward_vjp(
        &self,
        x: &Input,
    ) -> (
        Self::Output,
        impl FnOnce(Self::Output) -> (Self, Input) + use<Self, Input>,
    ) {
        self.forward_vjp_owned(x.clone())
    }

    /// [`forward_vjp`](Module::forward_vjp) for an input the pullback may
    /// keep: sequential models pass each layer's output to the next layer
    /// this way, so that no pullback borrows a temporary.
    fn forward_vjp_owned(
        &self,
        x: Input,
    ) -> (
        Self::Output,
        impl FnOnce(Self::Output) -> (Self, Input) + use<Self, Input>,
    );
}

/// Implements `ParamsOf<T>` for every `T` for a module without scalars.
macro_rules! impl_params_of_unit {
    ($name:ident) => {
        impl<T: Real> ParamsOf<T> for $name {
            const SLICES_OF: usize = 0;
            #[inline]
            fn zeros_of() -> Self {
                $name
            }
            #[inline]
            fn slice_of(&self, index: usize) -> &[T] {
                panic!(
                    "slice index {index} out of range: `{}` has no parameters",
                    stringify!($name)
                )
            }
            #[inline]
            fn slice_of_mut(&mut self, index: usize) -> &mut [T] {
                panic!(
                    "slice index {index} out of range: `{}` has no parameters",
                    stringify!($name)
                )
            }
        }
    };
}

/// Defines a unit-struct module applying an elementwise activation.
macro_rules! unit_activation {
    ($(#[$doc:meta])* $name:ident, $function:ident, $function_vjp:ident) => {
        $(#[$doc])*
        ///
        /// A module without parameters: as a member of a parameter set or of
        /// a sequential model it contributes no scalars, and its gradient is
        /// itself.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub struct $name;

        impl_params_of_unit!($name);

        impl<X: Elementwise> Module<X> for $name {
            type Output = X;
            #[inline]
            fn forward(&self, x: &X) -> X {
                $function(*x)
            }
            #[inline]
            fn forward_vjp_owned(&self, x: X) -> (X, impl FnOnce(X) -> (Self, X) + use<X>) {
                let (y, pullback) = $function_vjp(x);
                (y, move |adjoint: X| ($name, pullback(adjoint).0))
            }
        }
    };
}

unit_activation!(
    /// The module form of [`relu`](super::relu) (`nn.ReLU`).
    Relu, relu, relu_vjp
);
unit_activation!(
    /// The module form of [`sigmoid`](super::sigmoid) (`nn.Sigmoid`).
    Sigmoid, sigmoid, sigmoid_vjp
);
unit_activation!(
    /// The module form of [`tanh`](super::tanh) (`nn.Tanh`).
    Tanh, tanh, tanh_vjp
);
unit_activation!(
    /// The module form of [`silu`](super::silu) (`nn.SiLU`).
    Silu, silu, silu_vjp
);
unit_activation!(
    /// The module form of the exact [`gelu`](super::gelu) (`nn.GELU()`).
    Gelu, gelu, gelu_vjp
);
unit_activation!(
    /// The module form of [`gelu_tanh`](super::gelu_tanh)
    /// (`nn.GELU(approximate='tanh')`).
    GeluTanh, gelu_tanh, gelu_tanh_vjp
);

/// Defines a unit-struct module applying a per-column activation.
macro_rules! column_activation {
    ($(#[$doc:meta])* $name:ident, $function:ident, $function_vjp:ident) => {
        $(#[$doc])*
        ///
        /// Normalises each column: a vector, or each sample of a batch with
        /// samples as columns. A module without parameters.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub struct $name;

        impl_params_of_unit!($name);

        impl<T: Real, const R: usize, const C: usize> Module<SMatrix<T, R, C>> for $name {
            type Output = SMatrix<T, R, C>;
            #[inline]
            fn forward(&self, x: &SMatrix<T, R, C>) -> SMatrix<T, R, C> {
                $function(*x)
            }
            #[inline]
            fn forward_vjp_owned(
                &self,
                x: SMatrix<T, R, C>,
            ) -> (
                SMatrix<T, R, C>,
                impl FnOnce(SMatrix<T, R, C>) -> (Self, SMatrix<T, R, C>) + use<T, R, C>,
            ) {
                let (y, pullback) = $function_vjp(x);
                (y, move |adjoint| ($name, pullback(adjoint).0))
            }
        }
    };
}

column_activation!(
    /// The module form of [`softmax`](super::softmax) (`nn.Softmax`).
    Softmax, softmax, softmax_vjp
);
column_activation!(
    /// The module form of [`log_softmax`](super::log_softmax)
    /// (`nn.LogSoftmax`).
    LogSoftmax, log_softmax, log_softmax_vjp
);

/// Implements `ParamsOf<T>` for a configured activation module: it holds
/// hyperparameters, not parameters, so it has no slices and its "zero" is
/// its default configuration.
macro_rules! impl_params_of_config {
    ($name:ident) => {
        impl<T: Real> ParamsOf<T> for $name<T> {
            const SLICES_OF: usize = 0;
            #[inline]
            fn zeros_of() -> Self {
                Self::default()
            }
            #[inline]
            fn slice_of(&self, index: usize) -> &[T] {
                panic!(
                    "slice index {index} out of range: `{}` has no parameters",
                    stringify!($name)
                )
            }
            #[inline]
            fn slice_of_mut(&mut self, index: usize) -> &mut [T] {
                panic!(
                    "slice index {index} out of range: `{}` has no parameters",
                    stringify!($name)
                )
            }
        }
    };
}

/// The module form of [`leaky_relu`](super::leaky_relu) (`nn.LeakyReLU`);
/// the default slope is PyTorch's 0.01.
///
/// Its slope is a hyperparameter, not a parameter: as a member of a model it
/// contributes no scalars, and the pullback returns a copy of it as its
/// gradient.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LeakyRelu<T> {
    /// The slope for negative inputs.
    pub negative_slope: T,
}

impl<T: Real> Default for LeakyRelu<T> {
    fn default() -> Self {
        Self {
            negative_slope: T::from_f64_lossy(0.01),
        }
    }
}

impl_params_of_config!(LeakyRelu);

impl<T: Real, X: Elementwise<Element = T>> Module<X> for LeakyRelu<T> {
    type Output = X;
    #[inline]
    fn forward(&self, x: &X) -> X {
        leaky_relu(*x, self.negative_slope)
    }
    #[inline]
    fn forward_vjp_owned(&self, x: X) -> (X, impl FnOnce(X) -> (Self, X) + use<T, X>) {
        let (y, pullback) = leaky_relu_vjp(x, self.negative_slope);
        let this = *self;
        (y, move |adjoint: X| (this, pullback(adjoint).0))
    }
}

/// The module form of [`elu`](super::elu) (`nn.ELU`); the default `alpha` is
/// PyTorch's 1. A hyperparameter holder like [`LeakyRelu`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Elu<T> {
    /// The scale of the negative branch.
    pub alpha: T,
}

impl<T: Real> Default for Elu<T> {
    fn default() -> Self {
        Self { alpha: T::ONE }
    }
}

impl_params_of_config!(Elu);

impl<T: Real, X: Elementwise<Element = T>> Module<X> for Elu<T> {
    type Output = X;
    #[inline]
    fn forward(&self, x: &X) -> X {
        elu(*x, self.alpha)
    }
    #[inline]
    fn forward_vjp_owned(&self, x: X) -> (X, impl FnOnce(X) -> (Self, X) + use<T, X>) {
        let (y, pullback) = elu_vjp(x, self.alpha);
        let this = *self;
        (y, move |adjoint: X| (this, pullback(adjoint).0))
    }
}

/// The module form of [`softplus`](super::softplus) (`nn.Softplus`); the
/// defaults are PyTorch's `beta = 1`, `threshold = 20`. A hyperparameter
/// holder like [`LeakyRelu`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Softplus<T> {
    /// The sharpness `β`.
    pub beta: T,
    /// Above `βx > threshold` the function is the identity.
    pub threshold: T,
}

impl<T: Real> Default for Softplus<T> {
    fn default() -> Self {
        Self {
            beta: T::ONE,
            threshold: T::from_f64_lossy(20.0),
        }
    }
}

impl_params_of_config!(Softplus);

impl<T: Real, X: Elementwise<Element = T>> Module<X> for Softplus<T> {
    type Output = X;
    #[inline]
    fn forward(&self, x: &X) -> X {
        softplus(*x, self.beta, self.threshold)
    }
    #[inline]
    fn forward_vjp_owned(&self, x: X) -> (X, impl FnOnce(X) -> (Self, X) + use<T, X>) {
        let (y, pullback) = softplus_vjp(x, self.beta, self.threshold);
        let this = *self;
        (y, move |adjoint: X| (this, pullback(adjoint).0))
    }
}

/// Implements [`Module`] for a tuple of modules applied in order.
///
/// Each entry is `(Type, Output, Input, index, pullback)`; the list after
/// `;` repeats the pullbacks in reverse with the names of their gradients.
macro_rules! impl_module_tuple {
    (
        $(($ty:ident, $out:ident, $prev:ident, $index:tt, $pullback:ident, $grad:ident)),+;
        $last:ident;
        $($reverse_pullback:ident $reverse_grad:ident),+
    ) => {
        impl<Input: Clone, $($ty, $out: Clone,)+> Module<Input> for ($($ty,)+)
        where
            $($ty: Module<$prev, Output = $out>,)+
        {
            type Output = $last;

            #[inline]
            fn forward(&self, x: &Input) -> $last {
                let value = x.clone();
                $(let value = self.$index.forward(&value);)+
                value
            }

            #[inline]
            fn forward_vjp_owned(
                &self,
                x: Input,
            ) -> ($last, impl FnOnce($last) -> (Self, Input) + use<Input, $($ty, $out,)+>) {
                let value = x;
                $(let (value, $pullback) = self.$index.forward_vjp_owned(value);)+
                (value, move |adjoint: $last| {
                    $(let ($reverse_grad, adjoint) = $reverse_pullback(adjoint);)+
                    (($($grad,)+), adjoint)
                })
            }
        }
    };
}

impl_module_tuple!((A, OA, Input, 0, pa, ga); OA; pa ga);
impl_module_tuple!((A, OA, Input, 0, pa, ga), (B, OB, OA, 1, pb, gb); OB; pb gb, pa ga);
impl_module_tuple!(
    (A, OA, Input, 0, pa, ga), (B, OB, OA, 1, pb, gb), (C, OC, OB, 2, pc, gc);
    OC; pc gc, pb gb, pa ga
);
impl_module_tuple!(
    (A, OA, Input, 0, pa, ga), (B, OB, OA, 1, pb, gb), (C, OC, OB, 2, pc, gc),
    (D, OD, OC, 3, pd, gd);
    OD; pd gd, pc gc, pb gb, pa ga
);
impl_module_tuple!(
    (A, OA, Input, 0, pa, ga), (B, OB, OA, 1, pb, gb), (C, OC, OB, 2, pc, gc),
    (D, OD, OC, 3, pd, gd), (E, OE, OD, 4, pe, ge);
    OE; pe ge, pd gd, pc gc, pb gb, pa ga
);
impl_module_tuple!(
    (A, OA, Input, 0, pa, ga), (B, OB, OA, 1, pb, gb), (C, OC, OB, 2, pc, gc),
    (D, OD, OC, 3, pd, gd), (E, OE, OD, 4, pe, ge), (F, OF, OE, 5, pf, gf);
    OF; pf gf, pe ge, pd gd, pc gc, pb gb, pa ga
);
impl_module_tuple!(
    (A, OA, Input, 0, pa, ga), (B, OB, OA, 1, pb, gb), (C, OC, OB, 2, pc, gc),
    (D, OD, OC, 3, pd, gd), (E, OE, OD, 4, pe, ge), (F, OF, OE, 5, pf, gf),
    (G, OG, OF, 6, pg, gg);
    OG; pg gg, pf gf, pe ge, pd gd, pc gc, pb gb, pa ga
);
impl_module_tuple!(
    (A, OA, Input, 0, pa, ga), (B, OB, OA, 1, pb, gb), (C, OC, OB, 2, pc, gc),
    (D, OD, OC, 3, pd, gd), (E, OE, OD, 4, pe, ge), (F, OF, OE, 5, pf, gf),
    (G, OG, OF, 6, pg, gg), (H, OH, OG, 7, ph, gh);
    OH; ph gh, pg gg, pf gf, pe ge, pd gd, pc gc, pb gb, pa ga
);
