//! The [`Module`] trait, activation modules, and tuples of modules as
//! sequential models (PyTorch's `nn.Sequential`).

use super::Elementwise;
use super::activation::{
    elu, elu_backward, gelu_backward, gelu_scalar, gelu_tanh_backward, gelu_tanh_scalar,
    leaky_relu, leaky_relu_backward, log_softmax, log_softmax_backward, relu_backward, relu_scalar,
    sigmoid_backward, sigmoid_scalar, silu_backward, silu_scalar, softmax, softmax_backward,
    softplus, softplus_backward, tanh_backward, tanh_scalar,
};
use super::{SplitModule, write_matrix};
use crate::{ParamsOf, Real};
use core::mem::MaybeUninit;
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
///
/// A layer of your own is a module once it has a forward pass, says what
/// its reverse pass needs, and has that reverse pass; it then composes into
/// sequential models and `#[differentiable]` functions like the built-in
/// ones. Here a learned elementwise scale `y = s ⊙ x`:
///
/// ```
/// use tapeless_runtime::nn::{Module, Relu};
/// use nalgebra::Vector2;
///
/// #[derive(Clone, Copy, Debug, PartialEq)]
/// struct Scale(Vector2<f64>);
///
/// impl Module<Vector2<f64>> for Scale {
///     type Output = Vector2<f64>;
///     type Saved = (); // the reverse pass needs only `s` and `x`
///     fn forward(&self, x: &Vector2<f64>) -> Vector2<f64> {
///         self.0.component_mul(x)
///     }
///     fn forward_saving(&self, x: &Vector2<f64>) -> (Vector2<f64>, ()) {
///         (self.forward(x), ())
///     }
///     fn backward(
///         &self,
///         x: &Vector2<f64>,
///         (): &(),
///         adjoint: Vector2<f64>,
///     ) -> (Self, Vector2<f64>) {
///         (Scale(adjoint.component_mul(x)), adjoint.component_mul(&self.0))
///     }
/// }
///
/// let model = (Scale(Vector2::new(2.0, -3.0)), Relu);
/// let x = Vector2::new(1.0, 1.0);
/// let (y, pullback) = model.forward_vjp(&x);
/// assert_eq!(y, Vector2::new(2.0, 0.0));
/// let ((grad, _), grad_x) = pullback(Vector2::new(1.0, 1.0));
/// assert_eq!(grad.0, Vector2::new(1.0, 0.0)); // ∂y₀/∂s₀ = x₀; relu cuts y₁
/// assert_eq!(grad_x, Vector2::new(2.0, 0.0));
/// ```
pub trait Module<Input>: Sized {
    /// What the module computes from an `Input`.
    type Output;

    /// What the reverse pass needs from the forward pass besides the module
    /// and its input: `()` for a layer whose derivatives need only those
    /// ([`Linear`](super::Linear), [`Relu`]), the output for one whose
    /// derivative is written with its output ([`Sigmoid`], [`Tanh`],
    /// [`Softmax`]), and for a sequential model the activations between its
    /// members with what each member saved (PyTorch's
    /// `ctx.save_for_backward`).
    type Saved;

    /// Applies the module to `x`.
    fn forward(&self, x: &Input) -> Self::Output;

    /// [`forward`](Module::forward), and what [`backward`](Module::backward)
    /// needs of it.
    fn forward_saving(&self, x: &Input) -> (Self::Output, Self::Saved);

    /// The reverse pass: for the cotangent `adjoint` of the output of
    /// [`forward_saving`](Module::forward_saving) on `x`, the cotangents of
    /// the module (a value of its own type) and of `x`.
    ///
    /// `saved` must come from `forward_saving` on the same module and input;
    /// anything else gives a meaningless result (not undefined behaviour).
    fn backward(&self, x: &Input, saved: &Self::Saved, adjoint: Self::Output) -> (Self, Input);

    /// The `_vjp` rule of [`forward`](Module::forward): the output and a
    /// pullback that maps the output's cotangent to the cotangents of the
    /// module and of `x`.
    ///
    /// The pullback borrows the module and `x` (it copies neither) and owns
    /// what [`forward_saving`](Module::forward_saving) saved. (Generated
    /// `_grad` code calls a module that implements
    /// [`SplitModule`](super::SplitModule) through that trait instead, which
    /// moves nothing.)
    #[inline]
    fn forward_vjp<'a>(
        &'a self,
        x: &'a Input,
    ) -> (Self::Output, impl FnOnce(Self::Output) -> (Self, Input)) {
        let (y, saved) = self.forward_saving(x);
        (y, move |adjoint| self.backward(x, &saved, adjoint))
    }
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

/// Defines a unit-struct module applying an elementwise activation whose
/// derivative is written with its input (`input`) or its output (`output`,
/// which the module then saves).
macro_rules! unit_activation {
    (@saved input $x:ty) => { () };
    (@saved output $x:ty) => { $x };
    (@forward_saving input $y:ident) => { ($y, ()) };
    (@forward_saving output $y:ident) => { ($y, $y) };
    (@backward input $backward:ident, $x:ident, $saved:ident, $adjoint:ident) => {
        $backward($x, $adjoint)
    };
    (@backward output $backward:ident, $x:ident, $saved:ident, $adjoint:ident) => {
        $backward($saved, $adjoint)
    };
    (@record input $record:ident, $output:ident) => { $record.write(()) };
    (@record output $record:ident, $output:ident) => { $record.write(*$output) };
    (@from input $x:ident, $record:ident) => { $x };
    (@in_place input $backward:ident, $x:ident, $record:ident, $adjoint:ident) => {
        for (x, adjoint) in $x.as_mut_slice().iter_mut().zip($adjoint.as_slice()) {
            *x = $backward(&*x, *adjoint);
        }
    };
    (@in_place output $backward:ident, $x:ident, $record:ident, $adjoint:ident) => {
        for ((x, adjoint), y) in $x
            .as_mut_slice()
            .iter_mut()
            .zip($adjoint.as_slice())
            .zip($record.as_slice())
        {
            *x = $backward(y, *adjoint);
        }
    };
    (@from output $x:ident, $record:ident) => { &*$record };
    (
        $(#[$doc:meta])* $name:ident, $scalar:ident, $backward:ident from $from:ident
    ) => {
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
            type Saved = unit_activation!(@saved $from X);
            #[inline]
            fn forward(&self, x: &X) -> X {
                x.map_elements_of($scalar)
            }
            #[inline]
            fn forward_saving(&self, x: &X) -> (X, Self::Saved) {
                let y = self.forward(x);
                unit_activation!(@forward_saving $from y)
            }
            #[inline]
            fn backward(&self, x: &X, saved: &Self::Saved, adjoint: X) -> (Self, X) {
                let _ = (&x, &saved);
                ($name, unit_activation!(@backward $from $backward, x, saved, adjoint))
            }
        }

        impl<T: Real + Elementwise<Element = T>, const R: usize, const C: usize>
            SplitModule<SMatrix<T, R, C>> for $name
        {
            type Record = unit_activation!(@saved $from SMatrix<T, R, C>);
            #[inline]
            fn forward_record<'r, 'o>(
                &self,
                x: &SMatrix<T, R, C>,
                record: &'r mut MaybeUninit<Self::Record>,
                output: &'o mut MaybeUninit<SMatrix<T, R, C>>,
            ) -> (&'r mut Self::Record, &'o mut SMatrix<T, R, C>) {
                let output = write_matrix(output, |r, c| $scalar(x.data.0[c][r]));
                (unit_activation!(@record $from record, output), output)
            }
            #[inline]
            fn backward_record(
                &self,
                x: &SMatrix<T, R, C>,
                record: &mut Self::Record,
                adjoint: &SMatrix<T, R, C>,
                grad: &mut Self,
                grad_x: Option<&mut SMatrix<T, R, C>>,
            ) {
                let _ = (&x, &record);
                *grad = $name;
                let Some(grad_x) = grad_x else { return };
                // The scalar rule on each element, from the input or the
                // saved output.
                let from = unit_activation!(@from $from x, record);
                for ((grad_x, adjoint), from) in grad_x
                    .as_mut_slice()
                    .iter_mut()
                    .zip(adjoint.as_slice())
                    .zip(from.as_slice())
                {
                    *grad_x = $backward(from, *adjoint);
                }
            }
            #[inline]
            fn backward_record_in_place(
                &self,
                x: &mut SMatrix<T, R, C>,
                record: &mut Self::Record,
                adjoint: &SMatrix<T, R, C>,
                grad: &mut Self,
            ) {
                let _ = &record;
                *grad = $name;
                unit_activation!(@in_place $from $backward, x, record, adjoint);
            }
        }
    };
}

unit_activation!(
    /// The module form of [`relu`](super::relu) (`nn.ReLU`).
    Relu, relu_scalar, relu_backward from input
);
unit_activation!(
    /// The module form of [`sigmoid`](super::sigmoid) (`nn.Sigmoid`).
    Sigmoid, sigmoid_scalar, sigmoid_backward from output
);
unit_activation!(
    /// The module form of [`tanh`](super::tanh) (`nn.Tanh`).
    Tanh, tanh_scalar, tanh_backward from output
);
unit_activation!(
    /// The module form of [`silu`](super::silu) (`nn.SiLU`).
    Silu, silu_scalar, silu_backward from input
);
unit_activation!(
    /// The module form of the exact [`gelu`](super::gelu) (`nn.GELU()`).
    Gelu, gelu_scalar, gelu_backward from input
);
unit_activation!(
    /// The module form of [`gelu_tanh`](super::gelu_tanh)
    /// (`nn.GELU(approximate='tanh')`).
    GeluTanh, gelu_tanh_scalar, gelu_tanh_backward from input
);

/// Defines a unit-struct module applying a per-column activation, whose
/// derivative is written with its output (which the module saves).
macro_rules! column_activation {
    ($(#[$doc:meta])* $name:ident, $function:ident, $backward:ident) => {
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
            type Saved = SMatrix<T, R, C>;
            #[inline]
            fn forward(&self, x: &SMatrix<T, R, C>) -> SMatrix<T, R, C> {
                $function(*x)
            }
            #[inline]
            fn forward_saving(
                &self,
                x: &SMatrix<T, R, C>,
            ) -> (SMatrix<T, R, C>, SMatrix<T, R, C>) {
                let y = $function(*x);
                (y, y)
            }
            #[inline]
            fn backward(
                &self,
                _: &SMatrix<T, R, C>,
                y: &SMatrix<T, R, C>,
                adjoint: SMatrix<T, R, C>,
            ) -> (Self, SMatrix<T, R, C>) {
                ($name, $backward(y, adjoint))
            }
        }

        impl<T: Real, const R: usize, const C: usize> SplitModule<SMatrix<T, R, C>> for $name {
            /// The output, which the derivative is written with.
            type Record = SMatrix<T, R, C>;
            #[inline]
            fn forward_record<'r, 'o>(
                &self,
                x: &SMatrix<T, R, C>,
                record: &'r mut MaybeUninit<SMatrix<T, R, C>>,
                output: &'o mut MaybeUninit<SMatrix<T, R, C>>,
            ) -> (&'r mut SMatrix<T, R, C>, &'o mut SMatrix<T, R, C>) {
                let output = output.write($function(*x));
                (record.write(*output), output)
            }
            #[inline]
            fn backward_record(
                &self,
                _: &SMatrix<T, R, C>,
                y: &mut SMatrix<T, R, C>,
                adjoint: &SMatrix<T, R, C>,
                grad: &mut Self,
                grad_x: Option<&mut SMatrix<T, R, C>>,
            ) {
                *grad = $name;
                if let Some(grad_x) = grad_x {
                    *grad_x = $backward(y, *adjoint);
                }
            }
            #[inline]
            fn backward_record_in_place(
                &self,
                x: &mut SMatrix<T, R, C>,
                y: &mut SMatrix<T, R, C>,
                adjoint: &SMatrix<T, R, C>,
                grad: &mut Self,
            ) {
                *grad = $name;
                *x = $backward(y, *adjoint);
            }
        }
    };
}

column_activation!(
    /// The module form of [`softmax`](super::softmax) (`nn.Softmax`).
    Softmax, softmax, softmax_backward
);
column_activation!(
    /// The module form of [`log_softmax`](super::log_softmax)
    /// (`nn.LogSoftmax`).
    LogSoftmax, log_softmax, log_softmax_backward
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

/// Implements [`Module`] for a configured activation module: the function
/// and its input-based derivative, called with the module's fields.
macro_rules! config_activation_module {
    ($name:ident, $function:ident, $backward:ident, $($field:ident),+) => {
        impl<T: Real, X: Elementwise<Element = T>> Module<X> for $name<T> {
            type Output = X;
            type Saved = ();
            #[inline]
            fn forward(&self, x: &X) -> X {
                $function(*x, $(self.$field),+)
            }
            #[inline]
            fn forward_saving(&self, x: &X) -> (X, ()) {
                (self.forward(x), ())
            }
            #[inline]
            fn backward(&self, x: &X, (): &(), adjoint: X) -> (Self, X) {
                (*self, $backward(x, $(self.$field,)+ adjoint))
            }
        }

        impl<T: Real + Elementwise<Element = T>, const R: usize, const C: usize>
            SplitModule<SMatrix<T, R, C>> for $name<T>
        {
            /// Nothing: the derivative is written with the input.
            type Record = ();
            #[inline]
            fn forward_record<'r, 'o>(
                &self,
                x: &SMatrix<T, R, C>,
                record: &'r mut MaybeUninit<()>,
                output: &'o mut MaybeUninit<SMatrix<T, R, C>>,
            ) -> (&'r mut (), &'o mut SMatrix<T, R, C>) {
                let output = write_matrix(output, |r, c| {
                    $function(x.data.0[c][r], $(self.$field),+)
                });
                (record.write(()), output)
            }
            #[inline]
            fn backward_record(
                &self,
                x: &SMatrix<T, R, C>,
                (): &mut (),
                adjoint: &SMatrix<T, R, C>,
                grad: &mut Self,
                grad_x: Option<&mut SMatrix<T, R, C>>,
            ) {
                *grad = *self;
                let Some(grad_x) = grad_x else { return };
                // The scalar rule on each element.
                for ((grad_x, adjoint), x) in grad_x
                    .as_mut_slice()
                    .iter_mut()
                    .zip(adjoint.as_slice())
                    .zip(x.as_slice())
                {
                    *grad_x = $backward(x, $(self.$field,)+ *adjoint);
                }
            }
            #[inline]
            fn backward_record_in_place(
                &self,
                x: &mut SMatrix<T, R, C>,
                (): &mut (),
                adjoint: &SMatrix<T, R, C>,
                grad: &mut Self,
            ) {
                *grad = *self;
                for (x, adjoint) in x.as_mut_slice().iter_mut().zip(adjoint.as_slice()) {
                    *x = $backward(&*x, $(self.$field,)+ *adjoint);
                }
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

config_activation_module!(LeakyRelu, leaky_relu, leaky_relu_backward, negative_slope);

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

config_activation_module!(Elu, elu, elu_backward, alpha);

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

config_activation_module!(Softplus, softplus, softplus_backward, beta, threshold);

/// Implements [`Module`] for a tuple of two or more modules applied in
/// order: the first member, the members between (each with its input, the
/// previous member's output), the last member, and the members between
/// again in reverse order for the reverse pass.
///
/// The saved values are `((first's saved, first's output), ..., last's
/// saved)`: every activation between two members once, and nothing else
/// that the members do not save themselves.
macro_rules! impl_module_tuple {
    (
        $x:ident, $saved:ident, $adjoint:ident;
        ($first:ident, $first_out:ident, $first_y:ident, $first_saved:ident, $first_grad:ident);
        $(($ty:ident, $in:ident, $out:ident, $index:tt, $prev:ident, $y:ident, $s:ident, $g:ident);)*
        last ($last:ident, $last_in:ident, $last_out:ident, $last_index:tt, $last_prev:ident, $last_saved:ident, $last_grad:ident);
        reverse: $(($rev_index:tt, $rev_prev:ident, $rev_saved:ident, $rev_grad:ident))*
    ) => {
        impl<Input, $first, $first_out, $($ty, $out,)* $last, $last_out> Module<Input>
            for ($first, $($ty,)* $last,)
        where
            $first: Module<Input, Output = $first_out>,
            $($ty: Module<$in, Output = $out>,)*
            $last: Module<$last_in, Output = $last_out>,
        {
            type Output = $last_out;
            type Saved = (
                (<$first as Module<Input>>::Saved, $first_out),
                $((<$ty as Module<$in>>::Saved, $out),)*
                <$last as Module<$last_in>>::Saved,
            );

            #[inline]
            fn forward(&self, $x: &Input) -> $last_out {
                let $first_y = self.0.forward($x);
                $(let $y = self.$index.forward(&$prev);)*
                self.$last_index.forward(&$last_prev)
            }

            #[inline]
            fn forward_saving(&self, $x: &Input) -> ($last_out, Self::Saved) {
                let ($first_y, $first_saved) = self.0.forward_saving($x);
                $(let ($y, $s) = self.$index.forward_saving(&$prev);)*
                let (output, $last_saved) = self.$last_index.forward_saving(&$last_prev);
                (output, (($first_saved, $first_y), $(($s, $y),)* $last_saved))
            }

            #[inline]
            fn backward(
                &self,
                $x: &Input,
                $saved: &Self::Saved,
                $adjoint: $last_out,
            ) -> (Self, Input) {
                let (($first_saved, $first_y), $(($s, $y),)* $last_saved) = $saved;
                let ($last_grad, $adjoint) =
                    self.$last_index.backward($last_prev, $last_saved, $adjoint);
                $(let ($rev_grad, $adjoint) =
                    self.$rev_index.backward($rev_prev, $rev_saved, $adjoint);)*
                let ($first_grad, $adjoint) = self.0.backward($x, $first_saved, $adjoint);
                (($first_grad, $($g,)* $last_grad,), $adjoint)
            }

            #[inline]
            fn forward_vjp<'a>(
                &'a self,
                $x: &'a Input,
            ) -> ($last_out, impl FnOnce($last_out) -> (Self, Input)) {
                // The pullback keeps each activation where the forward sweep
                // made it (not gathered into one saved tuple first), so each
                // is moved once. It is always inlined: it runs once per
                // sample in a fused loop, where a call would pass the
                // gradients of every member through memory.
                let ($first_y, $first_saved) = self.0.forward_saving($x);
                $(let ($y, $s) = self.$index.forward_saving(&$prev);)*
                let (output, $last_saved) = self.$last_index.forward_saving(&$last_prev);
                (output, #[inline(always)] move |$adjoint: $last_out| {
                    let ($last_grad, $adjoint) =
                        self.$last_index.backward(&$last_prev, &$last_saved, $adjoint);
                    $(let ($rev_grad, $adjoint) =
                        self.$rev_index.backward(&$rev_prev, &$rev_saved, $adjoint);)*
                    let ($first_grad, $adjoint) = self.0.backward($x, &$first_saved, $adjoint);
                    (($first_grad, $($g,)* $last_grad,), $adjoint)
                })
            }
        }
    };
}

/// A one-member tuple is its member.
impl<Input, A: Module<Input>> Module<Input> for (A,) {
    type Output = A::Output;
    type Saved = A::Saved;
    #[inline]
    fn forward(&self, x: &Input) -> A::Output {
        self.0.forward(x)
    }
    #[inline]
    fn forward_saving(&self, x: &Input) -> (A::Output, A::Saved) {
        self.0.forward_saving(x)
    }
    #[inline]
    fn backward(&self, x: &Input, saved: &A::Saved, adjoint: A::Output) -> (Self, Input) {
        let (grad, adjoint) = self.0.backward(x, saved, adjoint);
        ((grad,), adjoint)
    }
}

impl_module_tuple!(
    x, saved, adjoint;
    (A, OA, ya, sa, ga);
    last (B, OA, OB, 1, ya, sb, gb);
    reverse:
);
impl_module_tuple!(
    x, saved, adjoint;
    (A, OA, ya, sa, ga);
    (B, OA, OB, 1, ya, yb, sb, gb);
    last (C, OB, OC, 2, yb, sc, gc);
    reverse: (1, ya, sb, gb)
);
impl_module_tuple!(
    x, saved, adjoint;
    (A, OA, ya, sa, ga);
    (B, OA, OB, 1, ya, yb, sb, gb);
    (C, OB, OC, 2, yb, yc, sc, gc);
    last (D, OC, OD, 3, yc, sd, gd);
    reverse: (2, yb, sc, gc) (1, ya, sb, gb)
);
impl_module_tuple!(
    x, saved, adjoint;
    (A, OA, ya, sa, ga);
    (B, OA, OB, 1, ya, yb, sb, gb);
    (C, OB, OC, 2, yb, yc, sc, gc);
    (D, OC, OD, 3, yc, yd, sd, gd);
    last (E, OD, OE, 4, yd, se, ge);
    reverse: (3, yc, sd, gd) (2, yb, sc, gc) (1, ya, sb, gb)
);
impl_module_tuple!(
    x, saved, adjoint;
    (A, OA, ya, sa, ga);
    (B, OA, OB, 1, ya, yb, sb, gb);
    (C, OB, OC, 2, yb, yc, sc, gc);
    (D, OC, OD, 3, yc, yd, sd, gd);
    (E, OD, OE, 4, yd, ye, se, ge);
    last (F, OE, OF, 5, ye, sf, gf);
    reverse: (4, yd, se, ge) (3, yc, sd, gd) (2, yb, sc, gc) (1, ya, sb, gb)
);
impl_module_tuple!(
    x, saved, adjoint;
    (A, OA, ya, sa, ga);
    (B, OA, OB, 1, ya, yb, sb, gb);
    (C, OB, OC, 2, yb, yc, sc, gc);
    (D, OC, OD, 3, yc, yd, sd, gd);
    (E, OD, OE, 4, yd, ye, se, ge);
    (F, OE, OF, 5, ye, yf, sf, gf);
    last (G, OF, OG, 6, yf, sg, gg);
    reverse: (5, ye, sf, gf) (4, yd, se, ge) (3, yc, sd, gd) (2, yb, sc, gc) (1, ya, sb, gb)
);
impl_module_tuple!(
    x, saved, adjoint;
    (A, OA, ya, sa, ga);
    (B, OA, OB, 1, ya, yb, sb, gb);
    (C, OB, OC, 2, yb, yc, sc, gc);
    (D, OC, OD, 3, yc, yd, sd, gd);
    (E, OD, OE, 4, yd, ye, se, ge);
    (F, OE, OF, 5, ye, yf, sf, gf);
    (G, OF, OG, 6, yf, yg, sg, gg);
    last (H, OG, OH, 7, yg, sh, gh);
    reverse: (6, yf, sg, gg) (5, ye, sf, gf) (4, yd, se, ge) (3, yc, sd, gd) (2, yb, sc, gc)
        (1, ya, sb, gb)
);
