//! Derivative rules that `#[differentiable]` calls in the reverse sweep.
//!
//! Every rule returns the contribution of one operand to that operand's
//! adjoint, given the adjoint of the operation's result. Arguments come by
//! reference, in the order `(adjoint, operands..., output)`; rules that do not
//! need the output do not take it.
//!
//! Operators whose rule depends on the shapes of the operands (`*`, `/`) are
//! traits implemented per pair of operand types, so rustc picks the rule from
//! the types the macro never sees. Scalar methods (`x.exp()`, `x.max(y)`, ...)
//! are generic functions over [`Real`](crate::Real).

mod arith;
pub mod matrix;
pub mod method_rules;
pub mod scalar;

pub use arith::{DivRule, MulRule, SquareRule};
pub use matrix::AbsRule;
