//! Procedural macros of [tapeless](https://docs.rs/tapeless). Use them through
//! the `tapeless` facade, which documents them.

use proc_macro::TokenStream;

mod derive_params;

/// See `tapeless::differentiable`.
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    let _ = attr;
    item
}

/// See `tapeless::Params`.
#[proc_macro_derive(Params, attributes(params))]
pub fn derive_params(item: TokenStream) -> TokenStream {
    derive_params::expand(item.into()).into()
}
