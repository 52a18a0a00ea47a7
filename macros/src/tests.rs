//! Unit tests of the expansion, outside the compiler.

use crate::expand::differentiable;
use proc_macro2::TokenStream;
use quote::quote;

mod malformed;

fn expand(attr: TokenStream, item: TokenStream) -> String {
    let tokens = differentiable(attr, item);
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(error) => panic!("expansion does not parse: {error}\n{tokens}"),
    }
}

#[test]
fn scalar_expansion_parses() {
    let out = expand(
        quote!(),
        quote! {
            fn f(x: f64, k: f64) -> f64 {
                let mut y = x * k;
                if y > 1.0 { y = y.ln(); }
                y + 1.0
            }
        },
    );
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

/// Expansion snapshots: each `tests/expand/NAME.rs` expands to the committed
/// `tests/expand/NAME.expanded.rs` (regenerate with `TAPELESS_BLESS=1`), so
/// a reviewer sees what users get.
#[test]
fn expansion_snapshots() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
    let bless = std::env::var_os("TAPELESS_BLESS").is_some();
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/expand exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            path.extension().is_some_and(|e| e == "rs")
                && !path.to_string_lossy().ends_with(".expanded.rs")
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    for input in inputs {
        let text = std::fs::read_to_string(&input).expect("readable");
        let file: syn::File = syn::parse_str(&text).expect("a Rust file");
        let mut out = String::new();
        for item in file.items {
            let syn::Item::Fn(mut function) = item else {
                panic!("{}: only functions", input.display())
            };
            let attr_index = function
                .attrs
                .iter()
                .position(|a| a.path().is_ident("differentiable"))
                .expect("a #[differentiable] function");
            let attr = function.attrs.remove(attr_index);
            let args = match attr.meta {
                syn::Meta::List(list) => list.tokens,
                _ => TokenStream::new(),
            };
            out.push_str(&expand(args, quote!(#function)));
        }
        let expected_path = input.with_extension("expanded.rs");
        if bless {
            std::fs::write(&expected_path, &out).expect("writable");
        } else {
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|_| {
                panic!(
                    "missing {}; run with TAPELESS_BLESS=1",
                    expected_path.display()
                )
            });
            assert_eq!(
                out,
                expected,
                "expansion of {} changed; run with TAPELESS_BLESS=1 and review",
                input.display()
            );
        }
    }
}

/// Expands `attr`/`item` and checks the result is Rust tokens (with
/// `compile_error!`s for what is unsupported), never a panic.
fn expands_without_panic(attr: &str, item: &str) -> Result<(), String> {
    let (Ok(attr), Ok(item)) = (attr.parse::<TokenStream>(), item.parse::<TokenStream>()) else {
        return Ok(()); // not tokens at all: the compiler rejects it before us
    };
    let result = std::panic::catch_unwind(|| differentiable(attr, item).to_string());
    match result {
        Ok(output) => output
            .parse::<TokenStream>()
            .map(|_| ())
            .map_err(|e| format!("unparseable output: {e}")),
        Err(_) => Err("panicked".to_owned()),
    }
}

const CORPUS: &[(&str, &str)] = &[
    ("", "fn f(x: f64) -> f64 { x }"),
    ("", "fn f() -> f64 { 1.0 }"),
    ("", "fn f(x: f64) -> f64 {}"),
    ("", "fn f(x: f64) {}"),
    ("", "fn f(x: f64) -> f64;"),
    ("", "struct S;"),
    ("", "enum E { A }"),
    ("", "impl S { fn f(&self) -> f64 { 1.0 } }"),
    ("", "const fn f(x: f64) -> f64 { x }"),
    ("", "async fn f(x: f64) -> f64 { x.await }"),
    ("", "unsafe fn f(x: f64) -> f64 { x }"),
    ("", "extern \"C\" fn f(x: f64) -> f64 { x }"),
    (
        "",
        "fn f<'a, T: Float, const N: usize>(x: &'a T, y: [T; N]) -> T where T: Copy { *x }",
    ),
    ("", "fn f(&mut self, x: f64) -> f64 { x }"),
    ("", "fn f(self: Box<Self>) -> f64 { 1.0 }"),
    ("", "fn f((a, b): (f64, f64)) -> f64 { a * b }"),
    ("", "fn f(x: impl Into<f64>) -> f64 { x.into() }"),
    ("", "fn f(_: f64) -> f64 { 1.0 }"),
    ("", "fn f(r#type: f64) -> f64 { r#type * 2.0 }"),
    ("", "fn f(x: f64) -> f64 { match x { _ => x } }"),
    (
        "",
        "fn f(x: f64) -> f64 { if let Some(y) = Some(x) { y } else { x } }",
    ),
    (
        "",
        "fn f(x: f64) -> f64 { let Some(y) = Some(x) else { return 0.0 }; y }",
    ),
    ("", "fn f(x: f64) -> f64 { 'a: { break 'a x } }"),
    ("", "fn f(x: f64) -> f64 { [x, x][0] + (x, x).0 }"),
    ("", "fn f(x: f64) -> f64 { S { x }.x }"),
    (
        "",
        "fn f(x: f64) -> f64 { (0..3).map(|i| i as f64 * x).sum() }",
    ),
    ("", "fn f(x: f64) -> f64 { #[allow(unused)] let y = x; y }"),
    ("", "fn f(x: f64) -> f64 { let y; if x > 0.0 { y = x; } y }"),
    ("", "fn f(x: f64) -> f64 { let y: f64; y }"),
    ("", "fn f(x: f64) -> f64 { x += 1.0; x }"),
    ("", "fn f(x: f64) -> f64 { let mut y = x; y = y = 2.0; y }"),
    ("", "fn f(x: f64) -> f64 { -(-(-(-x))) * ((((x)))) }"),
    (
        "",
        "fn f(x: f64) -> f64 { x.sin().cos().tan().exp().ln().sqrt().abs().powi(2).powf(x).max(x).min(x) }",
    ),
    (
        "",
        "fn f(x: f64) -> f64 { f64::clamp(x, 0.0, 1.0) + f64::mul_add(x, x, x) + <f64>::sin(x) }",
    ),
    (
        "",
        "fn f(x: f64) -> f64 { x.powi() + x.max() + x.sin(1.0) }",
    ),
    (
        "",
        "fn f(x: f64) -> f64 { x % 2.0 + (x as i32 & 1) as f64 }",
    ),
    ("", "fn f(x: f64) -> f64 { let y = &x; let z = &y; **z }"),
    ("", "fn f(x: f64) -> f64 { { { { x } } } }"),
    (
        "",
        "fn f(x: f64) -> f64 { if x > 0.0 { if x > 1.0 { x } else { 2.0 * x } } else if x < -1.0 { -x } else { 0.0 } }",
    ),
    (
        "",
        "fn f(x: f64) -> f64 { println!(\"{x} {} {:?}\", x, x); assert!(x == x, \"{x}\"); x }",
    ),
    (
        "",
        "fn f(x: f64) -> f64 { fn inner(y: f64) -> f64 { y } const K: f64 = 2.0; inner(x) * K }",
    ),
    ("", "fn f(x: f64) -> f64 { return x; }"),
    ("", "fn f(x: f64) -> f64 { return; }"),
    ("", "fn f(x: f64) -> f64 { x?; x }"),
    ("", "fn f(x: f64) -> f64 { unsafe { x } }"),
    ("", "fn f(x: f64) -> f64 { loop { break x; } }"),
    ("", "fn f(x: f64) -> f64 { (|| x)() }"),
    ("", "fn f(x: f64) -> (f64, f64) { (x, x) }"),
    ("", "fn f(x: f64) -> [f64; 2] { [x, x] }"),
    ("", "fn f(x: f64) -> &f64 { &x }"),
    ("", "fn f(x: f64) -> ! { loop {} }"),
    ("wrt = ", "fn f(x: f64) -> f64 { x }"),
    ("wrt = ()", "fn f(x: f64) -> f64 { x }"),
    ("wrt = (x, x)", "fn f(x: f64) -> f64 { x }"),
    ("wrt = (self)", "fn f(&self) -> f64 { 1.0 }"),
    ("wrt = 3", "fn f(x: f64) -> f64 { x }"),
    ("wrt = x, wrt = x", "fn f(x: f64) -> f64 { x }"),
    ("crate", "fn f(x: f64) -> f64 { x }"),
    ("crate = ", "fn f(x: f64) -> f64 { x }"),
    ("crate = 1 + 1", "fn f(x: f64) -> f64 { x }"),
    ("grad, grad", "fn f(x: f64) -> (f64, f64) { (x, x) }"),
    ("unknown(1)", "fn f(x: f64) -> f64 { x }"),
    (
        "",
        "fn f(x: f64) -> f64 { g(x)(x) + x.h::<T>(x) + S::new(x).m() }",
    ),
    ("", "fn é(ñ: f64) -> f64 { ñ * ñ }"),
];

#[test]
fn malformed_and_unusual_inputs_give_errors_not_panics() {
    let mut failures = Vec::new();
    for (attr, item) in CORPUS {
        if let Err(why) = expands_without_panic(attr, item) {
            failures.push(format!("#[differentiable({attr})] {item}: {why}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_truncation_and_token_deletion_of_valid_functions_is_handled() {
    let sources = [
        "fn f(x: f64, k: &f64) -> f64 { let mut y = x * k; if y > 1.0 { y = y.ln(); } else { y += x.sin(); } y * g(x, 2.0) }",
        "fn f<T: Float>(x: T) -> T { let two = T::one() + T::one(); x.powi(2) / two + x.max(T::zero()) }",
    ];
    let mut failures = Vec::new();
    for source in sources {
        let words: Vec<&str> = source.split_whitespace().collect();
        for skip in 0..words.len() {
            let mutated: Vec<&str> = words
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, w)| *w)
                .collect();
            let mutated = mutated.join(" ");
            if let Err(why) = expands_without_panic("", &mutated) {
                failures.push(format!("{mutated}: {why}"));
            }
            let truncated = words[..skip].join(" ");
            if let Err(why) = expands_without_panic("", &truncated) {
                failures.push(format!("{truncated}: {why}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The IR of the example in `build.rs`'s documentation, as text, and its
/// invariants.
#[test]
fn ir_of_a_branching_function() {
    let function: syn::ItemFn = syn::parse_quote! {
        fn f(x: f64, k: f64) -> f64 {
            let mut y = x * k;
            if y > 1.0 { y = y.ln(); }
            y + 1.0
        }
    };
    let cx = crate::ctxt::Ctxt::new();
    let params = crate::check::signature(&cx, &function.sig);
    let ir = crate::build::Builder::build(&cx, &params, &function.block);
    cx.check().expect("no errors");
    ir.verify().expect("the invariants hold");
    let expected = "\
v0 = param 0
v1 = param 1
v2 = mul v0, v1
v3 = opaque.zero v2
if v3 {
    v4 = builtin.ln v2
} else {
}
v5 = phi v4, v2
v6 = const 
v7 = add v5, v6
return v7
";
    assert_eq!(ir.to_string(), expected);
}
