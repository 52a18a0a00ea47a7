//! Loss functions of `torch.nn`, with their `_vjp` rules.
//!
//! Elementwise losses ([`l1`], [`mse`], [`huber`], [`smooth_l1`], [`bce`],
//! [`bce_with_logits`], [`poisson_nll`]) take any [`Elementwise`] input (a
//! scalar, a vector or a matrix) and a target of the same type, and reduce
//! with a [`Reduction`]; their `_elementwise` forms are PyTorch's
//! `reduction='none'`. Classification losses ([`cross_entropy`], [`nll`])
//! take a batch `SMatrix<T, C, B>` of `C` class scores per sample, samples
//! as columns (a single sample is an `SVector<T, C>`), and class indices
//! `&[usize; B]`. [`kl_div`] reduces with a [`KlDivReduction`].
//!
//! Each function `f` has a sibling `f_vjp` with the same arguments that
//! returns the loss and a pullback; the pullback returns the gradient with
//! respect to the input and [`NoTangent`](crate::NoTangent) for targets and
//! options. Pullbacks own copies of what they need, so they never borrow
//! the arguments (callers may pass temporaries). Values and gradients
//! follow PyTorch's formulas, including its special cases (BCE's log clamp
//! at −100 and its backward's `1e-12` floor, `sign(0) = 0` for L1, stable
//! log-sum-exp).
//!
//! ```
//! use tapeless_runtime::loss::{mse, mse_vjp, Reduction};
//! use nalgebra::Vector2;
//! let (x, y) = (Vector2::new(1.0, 3.0), Vector2::new(0.0, 1.0));
//! assert_eq!(mse(&x, &y, Reduction::Mean), 2.5);
//! let (_, pullback) = mse_vjp(&x, &y, Reduction::Mean);
//! assert_eq!(pullback(1.0).0, Vector2::new(1.0, 2.0));
//! ```

#![allow(
    clippy::type_complexity,
    reason = "the `_vjp` signatures are fixed by the convention: value and pullback returning one cotangent per argument"
)]

mod binary;
mod classification;
mod kl_div;
mod poisson;
mod regression;

pub use crate::nn::Elementwise;
pub use binary::{
    bce, bce_elementwise, bce_elementwise_vjp, bce_vjp, bce_weighted, bce_weighted_vjp,
    bce_with_logits, bce_with_logits_elementwise, bce_with_logits_elementwise_vjp,
    bce_with_logits_pos_weight, bce_with_logits_pos_weight_elementwise,
    bce_with_logits_pos_weight_elementwise_vjp, bce_with_logits_pos_weight_vjp,
    bce_with_logits_vjp, bce_with_logits_weighted, bce_with_logits_weighted_vjp,
};
pub use classification::{
    cross_entropy, cross_entropy_elementwise, cross_entropy_elementwise_vjp,
    cross_entropy_ignore_index, cross_entropy_ignore_index_vjp, cross_entropy_probs,
    cross_entropy_probs_vjp, cross_entropy_vjp, cross_entropy_with, cross_entropy_with_vjp, nll,
    nll_elementwise, nll_elementwise_vjp, nll_ignore_index, nll_ignore_index_vjp, nll_vjp,
    nll_with, nll_with_vjp,
};
pub use kl_div::{KlDivReduction, kl_div, kl_div_elementwise, kl_div_elementwise_vjp, kl_div_vjp};
pub use poisson::{
    poisson_nll, poisson_nll_elementwise, poisson_nll_elementwise_vjp, poisson_nll_vjp,
    poisson_nll_with_eps, poisson_nll_with_eps_elementwise, poisson_nll_with_eps_elementwise_vjp,
    poisson_nll_with_eps_vjp,
};
pub use regression::{
    huber, huber_elementwise, huber_elementwise_vjp, huber_vjp, l1, l1_elementwise,
    l1_elementwise_vjp, l1_vjp, mse, mse_elementwise, mse_elementwise_vjp, mse_vjp, smooth_l1,
    smooth_l1_elementwise, smooth_l1_elementwise_vjp, smooth_l1_vjp,
};

use crate::Real;

/// How a loss combines the losses of its elements (or samples), PyTorch's
/// `reduction` argument. For `reduction='none'` call the function's
/// `_elementwise` form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Reduction {
    /// The mean over elements (PyTorch's default). For losses with class
    /// weights, the weighted mean: the sum divided by the sum of the
    /// weights of the target classes.
    #[default]
    Mean,
    /// The sum over elements.
    Sum,
}

impl Reduction {
    /// The reduced value of a sum of `count` elements (or of total weight
    /// `count`).
    #[inline]
    pub(crate) fn apply<T: Real>(self, sum: T, count: T) -> T {
        match self {
            Reduction::Mean => sum / count,
            Reduction::Sum => sum,
        }
    }

    /// The adjoint of each element's loss, given the adjoint of the reduced
    /// loss.
    #[inline]
    pub(crate) fn adjoint<T: Real>(self, adjoint: T, count: T) -> T {
        match self {
            Reduction::Mean => adjoint / count,
            Reduction::Sum => adjoint,
        }
    }
}

/// The number of scalars of `X`, as a scalar.
#[inline]
pub(crate) fn element_count<X: Elementwise>(x: &X) -> X::Element {
    X::Element::from_f64_lossy(x.elements().len() as f64)
}

pub(crate) use crate::rules::scalar::sign;

/// Turns an argument name into the type `NoTangent` (the cotangent of an
/// option argument).
macro_rules! no_tangent {
    ($param:ident) => {
        $crate::NoTangent
    };
}
pub(crate) use no_tangent;

/// Defines an elementwise loss: `NAME` (reduced), `NAME_vjp`,
/// `NAME_elementwise` and `NAME_elementwise_vjp`, from the loss of one
/// element and its derivative with respect to the input.
macro_rules! elementwise_loss {
    (
        $(#[$doc:meta])*
        $name:ident, $name_vjp:ident, $elementwise:ident, $elementwise_vjp:ident;
        ($($param:ident : $param_ty:ty),*);
        |$x:ident, $t:ident| value = $value:expr, derivative = $derivative:expr;
    ) => {
        $(#[$doc])*
        #[inline]
        #[must_use]
        pub fn $name<X: Elementwise>(
            input: &X,
            target: &X,
            $($param: $param_ty,)*
            reduction: Reduction,
        ) -> X::Element {
            let losses = $elementwise(input, target, $($param),*);
            reduction.apply(losses.sum_elements(), $crate::loss::element_count(input))
        }

        #[doc = concat!("The `_vjp` rule of [`", stringify!($name), "`]: the gradient with respect to `input`; targets and options get `NoTangent`.")]
        #[inline]
        pub fn $name_vjp<X: Elementwise>(
            input: &X,
            target: &X,
            $($param: $param_ty,)*
            reduction: Reduction,
        ) -> (
            X::Element,
            impl FnOnce(X::Element) -> (X, $crate::NoTangent, $($crate::loss::no_tangent!($param),)* $crate::NoTangent) + use<X>,
        ) {
            let value = $name(input, target, $($param,)* reduction);
            let (input, target) = (*input, *target);
            (value, move |adjoint: X::Element| {
                let adjoint = reduction.adjoint(adjoint, $crate::loss::element_count(&input));
                let grad = input.zip_map_elements(&target, |$x, $t| adjoint * $derivative);
                (grad, $crate::NoTangent, $($crate::loss::no_tangent!($param),)* $crate::NoTangent)
            })
        }

        #[doc = concat!("The loss of each element, unreduced, as [`", stringify!($name), "`] with PyTorch's `reduction='none'`.")]
        #[inline]
        #[must_use]
        pub fn $elementwise<X: Elementwise>(input: &X, target: &X, $($param: $param_ty),*) -> X {
            input.zip_map_elements(target, |$x, $t| $value)
        }

        #[doc = concat!("The `_vjp` rule of [`", stringify!($elementwise), "`]: the vector-Jacobian product with respect to `input`.")]
        #[inline]
        pub fn $elementwise_vjp<X: Elementwise>(
            input: &X,
            target: &X,
            $($param: $param_ty),*
        ) -> (X, impl FnOnce(X) -> (X, $crate::NoTangent, $($crate::loss::no_tangent!($param)),*) + use<X>) {
            let value = $elementwise(input, target, $($param),*);
            let (input, target) = (*input, *target);
            (value, move |adjoint: X| {
                let grad = adjoint.zip3_map_elements(&input, &target, |g, $x, $t| g * $derivative);
                (grad, $crate::NoTangent, $($crate::loss::no_tangent!($param)),*)
            })
        }
    };
}
pub(crate) use elementwise_loss;
