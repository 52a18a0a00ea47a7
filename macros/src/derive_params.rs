//! `#[derive(Params)]`.

use proc_macro2::TokenStream;

/// Expands `#[derive(Params)]` on `item`.
pub(crate) fn expand(item: TokenStream) -> TokenStream {
    syn::Error::new(proc_macro2::Span::call_site(), "`#[derive(Params)]` is not implemented yet")
        .into_compile_error()
        .into_iter()
        .chain(core::iter::empty::<proc_macro2::TokenTree>())
        .collect::<TokenStream>()
        .into_iter()
        .chain(item.into_iter().take(0))
        .collect()
}
