//! Procedural macros of [tapeless](https://docs.rs/tapeless). Use them through
//! the `tapeless` facade, which documents them.
//!
//! `#[differentiable]` is a pipeline, one module per stage, in order
//! (errors go to one `ctxt::Ctxt`, so every unsupported construct of a
//! function is reported at once; code generation starts only without them):
//!
//! - `expand`: the entry point; runs the stages below and assembles the
//!   primal, `NAME_grad` and `NAME_vjp` (or stand-ins after an error).
//! - `attr`: the attribute's arguments (`wrt`, `grad`, `crate`).
//! - `exits`: early `return` (from `if` branches and `match` arms) and
//!   `continue`/`break` of `for` loops rewritten into branch values and
//!   flags.
//! - `check`: the signature and the constructs that are not supported.
//! - `build`: the function body to the SSA graph of `ir` (statements,
//!   expressions, calls, control flow, free variables).
//! - `ir`: the graph, its invariants and their verifier; `rules`: the
//!   built-in methods and their derivative rules.
//! - `activity`: which values depend on the differentiated arguments and
//!   reach the result.
//! - `loops`: **where loops are classified**: accumulators, trip counts,
//!   recurrences (and the error for one without a known trip count).
//! - `names`: the generated locals' names; `render`: values as Rust
//!   operands and expressions.
//! - `reverse`: the adjoint statements, as a tree (`plan::Rev`) and a
//!   `plan::Plan` for the forward sweep; `reverse::def` is **where the
//!   reverse of each value, calls included, is emitted**; then branches and
//!   loops.
//! - `forward`: the forward sweep (and recomputation), as the plan says.
//! - `emit`: the reverse sweep's tree as Rust statements.
//!
//! `#[derive(Params)]` is `derive_params`.

use proc_macro::TokenStream;

mod activity;
mod attr;
mod build;
mod check;
mod ctxt;
mod derive_params;
mod desugar;
mod emit;
mod exits;
mod expand;
mod forward;
mod forward_siblings;
mod ir;
mod loops;
mod names;
mod plan;
mod render;
mod reverse;
mod rules;
mod tangent;

#[cfg(test)]
mod tests;

/// See `tapeless::differentiable`.
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::differentiable(attr.into(), item.into()).into()
}

/// Makes a struct of parameter sets a parameter set (`tapeless::Params`);
/// documented, with examples, where `tapeless` re-exports it.
#[proc_macro_derive(Params, attributes(params))]
pub fn derive_params(item: TokenStream) -> TokenStream {
    derive_params::expand(item.into()).into()
}
