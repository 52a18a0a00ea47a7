//! Unit tests of the expansion, outside the compiler.

use crate::expand::differentiable;
use proc_macro2::TokenStream;
use quote::quote;

fn expand(attr: TokenStream, item: TokenStream) -> String {
    let tokens = differentiable(attr, item);
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(error) => panic!("expansion does not parse: {error}\n{tokens}"),
    }
}

#[test]
fn scalar_expansion_parses() {
    let out = expand(quote!(), quote! {
        fn f(x: f64, k: f64) -> f64 {
            let mut y = x * k;
            if y > 1.0 { y = y.ln(); }
            y + 1.0
        }
    });
    assert!(out.contains("fn f_grad"), "{out}");
    assert!(out.contains("fn f_vjp"), "{out}");
}

#[test]
#[ignore = "prints an expansion for reading"]
fn show() {
    let out = expand(quote!(), quote! {
        fn f(x: f64, k: f64) -> f64 {
            let mut y = x * k;
            if y > 1.0 { y = y.ln(); }
            let z = g(y, k);
            z.sin() + y * 2.0
        }
    });
    println!("{out}");
}
