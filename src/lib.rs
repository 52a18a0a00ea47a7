//! tapeless: compile-time reverse-mode automatic differentiation.
#![no_std]

pub use tapeless_macros::differentiable;
pub use tapeless_macros::Params;
pub use tapeless_runtime::*;
