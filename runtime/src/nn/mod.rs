//! Layers, activations and sequential models: the building blocks of
//! `torch.nn` for fixed-size models.
//!
//! Every function and method here has a `_vjp` sibling (the reverse-mode
//! rule `#[differentiable]` links to by name): `relu` and `relu_vjp`,
//! `Linear::forward` and `Linear::forward_vjp`, and so on.
//!
//! * [`Linear`]: the fully connected layer, PyTorch's weight layout and
//!   initialisation ([`init`]).
//! * Activations as functions, elementwise on anything [`Elementwise`]
//!   (scalars, vectors, matrices): [`relu`], [`leaky_relu`], [`sigmoid`],
//!   [`tanh`], [`softplus`], [`elu`], [`gelu`], [`gelu_tanh`], [`silu`];
//!   per column: [`softmax`], [`log_softmax`].
//! * The same as modules ([`Relu`], [`Sigmoid`], ...), and tuples of
//!   modules as sequential models ([`Module`]); their split forward and
//!   reverse passes over storage the caller owns ([`SplitModule`]), which
//!   `#[differentiable]` code uses for `model.forward(&x)`.
//! * [`utils`]: gradient clipping.

mod activation;
mod elementwise;
pub mod init;
mod linear;
mod linear_no_bias;
mod module;
mod split;
pub mod utils;

pub use activation::{
    elu, elu_jvp, elu_jvp2, elu_vjp, gelu, gelu_jvp, gelu_jvp2, gelu_tanh, gelu_tanh_jvp,
    gelu_tanh_jvp2, gelu_tanh_vjp, gelu_vjp, leaky_relu, leaky_relu_jvp, leaky_relu_jvp2,
    leaky_relu_vjp, log_softmax, log_softmax_jvp, log_softmax_jvp2, log_softmax_vjp, relu,
    relu_jvp, relu_jvp2, relu_vjp, sigmoid, sigmoid_jvp, sigmoid_jvp2, sigmoid_vjp, silu, silu_jvp,
    silu_jvp2, silu_vjp, softmax, softmax_jvp, softmax_jvp2, softmax_vjp, softplus, softplus_jvp,
    softplus_jvp2, softplus_vjp, tanh, tanh_jvp, tanh_jvp2, tanh_vjp,
};
pub(crate) use activation::{log_sigmoid_scalar, sigmoid_scalar};
pub use elementwise::Elementwise;
pub use linear::Linear;
pub use linear_no_bias::LinearNoBias;
pub use module::{
    Elu, Gelu, GeluTanh, LeakyRelu, LogSoftmax, Module, Relu, Sigmoid, Silu, Softmax, Softplus,
    Tanh,
};
#[doc(hidden)]
pub use split::dispatch as split_dispatch;
pub use split::{SplitModule, write_matrix};
