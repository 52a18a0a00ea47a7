//! Procedural macros of [tapeless](https://docs.rs/tapeless). Use them through
//! the `tapeless` facade, which documents them.
//!
//! `#[differentiable]` runs a pipeline of one module per stage:
//! `attr` (arguments) → `check` (signature, unsupported constructs) →
//! `build` (syn to the SSA graph of `ir`) → `activity` (which values need
//! adjoints) → `reverse` (the adjoint statements) → `emit` (Rust tokens),
//! orchestrated by `expand`. Errors are collected in a `ctxt::Ctxt` so
//! that every unsupported construct of a function is reported at once.

use proc_macro::TokenStream;

mod activity;
mod attr;
mod build;
mod check;
mod ctxt;
mod derive_params;
mod emit;
mod expand;
mod forward;
mod ir;
mod loops;
mod names;
mod plan;
mod render;
mod reverse;
mod rules;

#[cfg(test)]
mod tests;

/// See `tapeless::differentiable`.
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::differentiable(attr.into(), item.into()).into()
}

/// See `tapeless::Params`.
#[proc_macro_derive(Params, attributes(params))]
pub fn derive_params(item: TokenStream) -> TokenStream {
    derive_params::expand(item.into()).into()
}
