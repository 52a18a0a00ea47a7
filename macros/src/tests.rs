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

/// `TAPELESS_SHOW=path/to/fn.rs cargo test -p tapeless-macros show -- --ignored --nocapture`
/// prints the expansion of the function in that file (attribute arguments
/// on its first line, after `//`).
#[test]
#[ignore = "prints an expansion for reading"]
fn show() {
    let path = std::env::var("TAPELESS_SHOW").expect("TAPELESS_SHOW names a file");
    let text = std::fs::read_to_string(path).expect("a readable file");
    let (attr, item) = match text.strip_prefix("//") {
        Some(rest) => rest.split_once('\n').expect("a first line"),
        None => ("", text.as_str()),
    };
    let out = expand(attr.parse().expect("tokens"), item.parse().expect("tokens"));
    println!("{out}");
}
