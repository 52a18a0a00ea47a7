//! The arguments of `#[differentiable(...)]`.

use crate::ctxt::Ctxt;
use proc_macro2::{Ident, TokenStream};
use syn::parse::Parser;

/// Parsed attribute arguments.
pub(crate) struct Args {
    /// `wrt = x` or `wrt = (x, y)`; `None` means the first parameter.
    pub(crate) wrt: Option<Vec<Ident>>,
    /// `crate = path`: how generated code names the runtime.
    pub(crate) krate: syn::Path,
    /// `grad`: `NAME_grad` is required (an error if the result is not a
    /// scalar) rather than generated when the result looks scalar.
    pub(crate) require_grad: bool,
    /// `snapshots = K`: the states a checkpointed loop keeps (the runtime's
    /// default if absent).
    pub(crate) snapshots: Option<syn::Expr>,
    /// `jvp`: generate `NAME_jvp` (forward mode).
    pub(crate) jvp: Option<Ident>,
    /// `jacobian`: generate `NAME_jacobian` (and `NAME_jvp`, which it calls).
    pub(crate) jacobian: Option<Ident>,
    /// `hessian`: generate `NAME_hessian`, `NAME_hvp` and `NAME_jvp2`.
    pub(crate) hessian: Option<Ident>,
    /// `jvp2`: generate `NAME_jvp2` alone (for a function that a function
    /// with a `hessian` calls, when it has several differentiated
    /// parameters or a vector result, which `_hessian` cannot take).
    pub(crate) jvp2: Option<Ident>,
}

/// Parses the attribute's arguments, recording errors in `cx`.
pub(crate) fn parse(cx: &Ctxt, attr: TokenStream) -> Args {
    let mut args = Args {
        wrt: None,
        krate: syn::parse_quote!(::tapeless),
        require_grad: false,
        snapshots: None,
        jvp: None,
        jacobian: None,
        hessian: None,
        jvp2: None,
    };
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("wrt") {
            let value = meta.value()?;
            let names = if value.peek(syn::token::Paren) {
                let content;
                syn::parenthesized!(content in value);
                content
                    .parse_terminated(parse_name, syn::Token![,])?
                    .into_iter()
                    .collect::<Vec<_>>()
            } else {
                vec![parse_name(value)?]
            };
            if names.is_empty() {
                return Err(
                    meta.error("`wrt` needs at least one parameter: `wrt = x` or `wrt = (x, y)`")
                );
            }
            if args.wrt.replace(names).is_some() {
                return Err(meta.error("`wrt` given twice"));
            }
            Ok(())
        } else if meta.path.is_ident("crate") {
            args.krate = meta.value()?.parse()?;
            Ok(())
        } else if meta.path.is_ident("snapshots") {
            let value: syn::Expr = meta.value()?.parse()?;
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(int),
                ..
            }) = &value
            {
                if int
                    .base10_parse::<usize>()
                    .ok()
                    .is_none_or(|count| count == 0)
                {
                    return Err(syn::Error::new_spanned(
                        int,
                        "`snapshots` is the number of loop states kept for the reverse sweep: a positive integer",
                    ));
                }
            }
            if args.snapshots.replace(value).is_some() {
                return Err(meta.error("`snapshots` given twice"));
            }
            Ok(())
        } else if meta.path.is_ident("grad") {
            args.require_grad = true;
            Ok(())
        } else if let Some(ident) = meta.path.get_ident().filter(|ident| {
            ["jvp", "jacobian", "hessian", "jvp2"]
                .iter()
                .any(|o| *ident == o)
        }) {
            let slot = match ident.to_string().as_str() {
                "jvp" => &mut args.jvp,
                "jacobian" => &mut args.jacobian,
                "jvp2" => &mut args.jvp2,
                _ => &mut args.hessian,
            };
            if slot.replace(ident.clone()).is_some() {
                return Err(meta.error(format!("`{ident}` given twice")));
            }
            Ok(())
        } else {
            Err(meta.error(
                "unknown argument; expected `wrt = x`, `wrt = (x, y)`, `crate = path`, `grad`, `jvp`, `jacobian`, `hessian`, `jvp2` or `snapshots = K`",
            ))
        }
    });
    if let Err(error) = parser.parse2(attr) {
        cx.syn_error(error);
    }
    args
}

fn parse_name(input: syn::parse::ParseStream<'_>) -> syn::Result<Ident> {
    if input.peek(syn::Token![self]) {
        let token: syn::Token![self] = input.parse()?;
        return Ok(Ident::new("self", token.span));
    }
    input.parse()
}
