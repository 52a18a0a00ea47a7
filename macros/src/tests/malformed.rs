//! Malformed input never panics the macros: a corpus of mutated inputs
//! through `expand::differentiable` and `derive_params::expand`, each of
//! which must give a compile error or valid code (a `syn::File`), never a
//! panic.
//!
//! The corpus:
//!
//! * **grammar at every position**: a catalogue of the constructs of the
//!   Rust grammar (every kind of expression, statement and item, pattern,
//!   type and attribute) put into every hole of a set of templates (operands,
//!   arguments, conditions, loop heads, match arms, closure bodies, `let`
//!   patterns and types, signatures, attribute positions), each construct in
//!   holes of every category, not only its own;
//! * **random programs**: the generator of `tests/random_programs`
//!   (`grammar.rs`, included here through `#[path]`: it needs only `std`) writes
//!   well-typed programs of every supported construct; each is expanded
//!   as written, then with tokens deleted, duplicated and swapped at every
//!   depth of its token tree and with group delimiters changed or removed;
//! * **attributes with wrong arguments**: a list of wrong `#[differentiable]`
//!   arguments on valid functions, and the token mutations of valid ones;
//! * **`#[derive(Params)]`**: token mutations of parameter structs and their
//!   `#[params(...)]` options.
//!
//! More random programs and more of their mutations (default: seeds `0..2`,
//! four programs each, 200 mutations of each program):
//!
//! ```text
//! TAPELESS_MALFORMED_SEEDS=0..40 TAPELESS_MALFORMED_SAMPLE=100000 \
//!     cargo test -p tapeless-macros malformed -- --nocapture
//! ```

use crate::derive_params;
use crate::expand::differentiable;
use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

#[path = "../../../tests/random_programs/grammar.rs"]
#[allow(
    dead_code,
    reason = "the random-program test uses the shrinking half of the grammar; this one only generates"
)]
mod grammar;

thread_local! {
    /// Whether this thread expects panics that it catches (their messages
    /// are then not printed).
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Silences the panic messages of the expansions this module catches, and
/// only those: other tests keep the default hook's output.
fn quiet_caught_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(Cell::get) {
                default(info);
            }
        }));
    });
}

/// Runs `expand` and checks its output: a compile error (a
/// `compile_error!`, beside the user's tokens as they came, which may not
/// be Rust when the input is not), or else a Rust file. A panic is a
/// failure.
fn check_output(what: &str, expand: impl FnOnce() -> TokenStream) -> Result<(), String> {
    quiet_caught_panics();
    CATCHING.with(|c| c.set(true));
    let result = catch_unwind(AssertUnwindSafe(expand));
    CATCHING.with(|c| c.set(false));
    match result {
        Ok(output) if output.to_string().contains("compile_error") => Ok(()),
        Ok(output) => match syn::parse2::<syn::File>(output.clone()) {
            Ok(_) => Ok(()),
            Err(error) => Err(format!("{what}: output is not Rust ({error}): {output}")),
        },
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            Err(format!("{what}: panicked: {message}"))
        }
    }
}

fn check_differentiable(attr: &TokenStream, item: &TokenStream) -> Result<(), String> {
    check_output(&format!("#[differentiable({attr})] {item}"), || {
        differentiable(attr.clone(), item.clone())
    })
}

fn check_derive(item: &TokenStream) -> Result<(), String> {
    check_output(&format!("#[derive(Params)] {item}"), || {
        derive_params::expand(item.clone())
    })
}

fn tokens(source: &str) -> TokenStream {
    source
        .parse()
        .unwrap_or_else(|error| panic!("{source}: not tokens: {error}"))
}

/// Collects failures; fails the test with all of them (the first 20).
struct Failures {
    list: Vec<String>,
    checked: usize,
    started: std::time::Instant,
}

impl Default for Failures {
    fn default() -> Self {
        Self {
            list: Vec::new(),
            checked: 0,
            started: std::time::Instant::now(),
        }
    }
}

impl Failures {
    fn record(&mut self, result: Result<(), String>) {
        self.checked += 1;
        if let Err(why) = result {
            self.list.push(why);
        }
    }

    fn assert_none(self, what: &str) {
        let shown: Vec<&str> = self.list.iter().take(20).map(String::as_str).collect();
        assert!(
            self.list.is_empty(),
            "{what}: {} of {} inputs failed:\n{}",
            self.list.len(),
            self.checked,
            shown.join("\n")
        );
        eprintln!(
            "{what}: {} inputs, no panic, in {:.1?}",
            self.checked,
            self.started.elapsed()
        );
    }
}

/// Every token-tree mutation of `stream`: each token (at every depth)
/// deleted, duplicated, swapped with the next; each group's delimiter
/// replaced by the others, removed (contents spliced in) or its contents
/// emptied. Groups stay balanced, so every mutation is a token stream the
/// compiler would hand to the macro.
fn mutations(stream: &TokenStream) -> Vec<TokenStream> {
    let tokens: Vec<TokenTree> = stream.clone().into_iter().collect();
    let mut out = Vec::new();
    for i in 0..tokens.len() {
        let mut deleted = tokens.clone();
        deleted.remove(i);
        out.push(deleted);
        let mut duplicated = tokens.clone();
        duplicated.insert(i, tokens[i].clone());
        out.push(duplicated);
        if i + 1 < tokens.len() {
            let mut swapped = tokens.clone();
            swapped.swap(i, i + 1);
            out.push(swapped);
        }
        if let TokenTree::Group(group) = &tokens[i] {
            let with = |tree: TokenTree| {
                let mut replaced = tokens.clone();
                replaced[i] = tree;
                replaced
            };
            for delimiter in [
                Delimiter::Parenthesis,
                Delimiter::Brace,
                Delimiter::Bracket,
                Delimiter::None,
            ] {
                if delimiter != group.delimiter() {
                    out.push(with(Group::new(delimiter, group.stream()).into()));
                }
            }
            out.push(with(
                Group::new(group.delimiter(), TokenStream::new()).into(),
            ));
            let mut spliced = tokens.clone();
            spliced.splice(i..=i, group.stream());
            out.push(spliced);
            for inner in mutations(&group.stream()) {
                out.push(with(Group::new(group.delimiter(), inner).into()));
            }
        }
    }
    out.into_iter().map(|t| t.into_iter().collect()).collect()
}

/// The constructs of the Rust grammar, by category.
const EXPRESSIONS: &[&str] = &[
    "[x, 1.0]",
    "[x; 3]",
    "y = x",
    "y += x",
    "async { x }",
    "async move { x }",
    "x.await",
    "x + 1.0 * x - x / 2.0 % 3.0",
    "x == x && x < 1.0 || !(x > 2.0)",
    "1 << 2 >> 1 & 3 | 4 ^ 5",
    "{ x }",
    "'a: { break 'a x }",
    "break",
    "break 'a x",
    "g(x, 1.0)",
    "g::<f64>(x)",
    "x as f32 as f64",
    "|t| t * x",
    "move |t: f64| -> f64 { t }",
    "async |t| t",
    "const { 1.0 }",
    "continue",
    "continue 'a",
    "v.x",
    "(x, x).1",
    "for i in 0..3 { y += x; }",
    "(x)",
    "if x > 0.0 { x } else { -x }",
    "if let Some(t) = o { t } else { x }",
    "v[0]",
    "m[(0, 1)]",
    "_",
    "let z = x",
    "1.0",
    "1e-3_f64",
    "'c'",
    "\"text\"",
    "b'a'",
    "true",
    "0x10u8",
    "1u128",
    "loop { break x; }",
    "println!(\"{}\", x)",
    "vec![x; 3]",
    "match x as i32 { 0 => x, 1 | 2 if x > 0.0 => -x, n @ 3..=9 => n as f64, _ => 0.0 }",
    "x.powi(2).sin().max(x)",
    "x.powf::<f64>(2.0)",
    "v.iter().map(|e| e * x).sum::<f64>()",
    "(x)",
    "std::f64::consts::PI",
    "<f64 as Float>::sin(x)",
    "<f64>::cos(x)",
    "Self::K",
    "1.0..2.0",
    "..=3",
    "..",
    "&raw const x",
    "&mut y",
    "&&x",
    "[0.0; 0]",
    "S { x, y: 1.0, ..Default::default() }",
    "S { ..s }",
    "x?",
    "try { x }",
    "(x,)",
    "()",
    "-x",
    "*&x",
    "!x",
    "unsafe { x }",
    "while x > 0.0 { y -= 1.0; }",
    "while let Some(t) = o { y += t; }",
    "yield x",
    "return x",
    "return",
    "become g(x)",
    "do yeet",
    "builtin # offset_of(S, x)",
    "format_args!(\"{x}\")",
    "#[cfg(test)] x",
    "x.0.1.2",
    "x.f(x)(x)",
    "(|| x)()",
    "gen { yield x }",
];

const STATEMENTS: &[&str] = &[
    "let z = x;",
    "let mut z: f64 = x;",
    "let z;",
    "let (a, b) = (x, x);",
    "let Some(z) = o else { return x; };",
    "let z = x else { panic!() };",
    "x;",
    ";",
    "y = x;",
    "y *= 2.0;",
    "fn inner(t: f64) -> f64 { t * 2.0 }",
    "struct S { x: f64 }",
    "enum E { A(f64), B { x: f64 } }",
    "union U { x: f64 }",
    "impl S { fn m(&self) -> f64 { self.x } }",
    "impl Trait for S {}",
    "trait T { fn m(&self) -> f64; }",
    "type A = f64;",
    "use std::f64::consts::PI;",
    "use super::*;",
    "const K: f64 = 2.0;",
    "static S: f64 = 1.0;",
    "static mut M: f64 = 1.0;",
    "mod m { pub fn g() {} }",
    "extern crate core;",
    "extern \"C\" { fn c(x: f64) -> f64; }",
    "macro_rules! m { ($e:expr) => { $e }; }",
    "m!(x);",
    "#[allow(unused)] let z = x;",
    "#![allow(unused)]",
    "assert!(x == x);",
    "return x;",
    "break;",
    "continue;",
    "for i in 0..3 { y += x * i as f64; }",
    "while y < 10.0 { y += 1.0; }",
    "loop { break; }",
    "if x > 0.0 { y = x; }",
    "match x as i32 { _ => {} }",
    "{ let z = x; y += z; }",
    "unsafe { y = x; }",
    "async { };",
    "impl<T> S<T> where T: Copy {}",
    "pub(crate) fn p() {}",
    "unsafe extern \"C\" fn c() {}",
];

const PATTERNS: &[&str] = &[
    "z",
    "mut z",
    "ref z",
    "ref mut z",
    "z @ 1..=3",
    "_",
    "..",
    "1",
    "-1",
    "1..=3",
    "..=3",
    "1..",
    "'a'..='z'",
    "(a, b)",
    "(a, ..)",
    "[a, b]",
    "[a, .., b]",
    "[a, rest @ ..]",
    "S { x, .. }",
    "S { x: z, y: _ }",
    "Some(z)",
    "None",
    "E::A(z) | E::B { x: z }",
    "&z",
    "&mut z",
    "box z",
    "const { 1 }",
    "<f64>::NAN",
    "m!()",
    "(z)",
    "z: f64",
];

const TYPES: &[&str] = &[
    "f64",
    "f32",
    "T",
    "i32",
    "&f64",
    "&'a mut f64",
    "*const f64",
    "*mut f64",
    "[f64; 3]",
    "[f64]",
    "(f64, f64)",
    "()",
    "!",
    "_",
    "fn(f64) -> f64",
    "unsafe extern \"C\" fn(f64)",
    "impl Fn(f64) -> f64",
    "dyn Fn(f64) -> f64",
    "Box<dyn Float + 'static>",
    "Vector3<f64>",
    "SMatrix<f64, 2, 3>",
    "SVector<T, { N + 1 }>",
    "<T as Trait>::Output",
    "Option<Vec<f64>>",
    "(f64)",
    "for<'a> fn(&'a f64) -> &'a f64",
    "m!()",
    "Self",
];

const ATTRIBUTES: &[&str] = &[
    "inline",
    "inline(always)",
    "cfg(test)",
    "cfg_attr(test, allow(unused))",
    "allow(unused)",
    "must_use",
    "doc = \"doc\"",
    "differentiable",
    "differentiable(wrt = x)",
    "rustfmt::skip",
    "path::to::attr(1, 2)",
    "= 1",
];

/// `#[differentiable]` arguments, right and wrong.
const ARGUMENTS: &[&str] = &[
    "",
    "wrt = x",
    "wrt = (x, v)",
    "wrt = (x,)",
    "wrt = ",
    "wrt",
    "wrt()",
    "wrt = ()",
    "wrt = (x, x)",
    "wrt = (self)",
    "wrt = self",
    "wrt = 3",
    "wrt = \"x\"",
    "wrt = x::y",
    "wrt = (x y)",
    "wrt = [x]",
    "wrt = {x}",
    "wrt = x, wrt = x",
    "wrt = x,",
    ",",
    ",,",
    "wrt = x,, grad",
    "crate",
    "crate = ",
    "crate = crate",
    "crate = ::tapeless",
    "crate = 1 + 1",
    "crate = \"tapeless\"",
    "grad",
    "grad, grad",
    "grad = true",
    "jvp, jacobian, hessian",
    "hessian(x)",
    "unknown",
    "unknown(1)",
    "unknown = 1",
    "= x",
    "x",
    "1",
    "\"string\"",
    "#[differentiable]",
    "differentiable",
    "wrt = x crate = crate",
    "wrt => x",
    "wrt: x",
    "wrt == x",
    "wrt = r#x",
    "wrt = 'a",
    "wrt = _",
];

/// Templates with a hole `@`, valid (or nearly) when the hole holds a
/// construct of the right category.
const TEMPLATES: &[&str] = &[
    // Expression positions.
    "fn f(x: f64, v: &Vector3<f64>) -> f64 { let a = @; a * x }",
    "fn f(x: f64) -> f64 { @ * x }",
    "fn f(x: f64) -> f64 { x * @ }",
    "fn f(x: f64) -> f64 { x.powf(@) }",
    "fn f(x: f64) -> f64 { (@).sin() * x }",
    "fn f(x: f64) -> f64 { g(@, x) }",
    "fn f(x: f64) -> f64 { if @ { x } else { 1.0 } }",
    "fn f(x: f64) -> f64 { let mut y = x; for i in @ { y += x; } y }",
    "fn f(x: f64) -> f64 { let mut y = x; while @ { y += x; } y }",
    "fn f(x: f64) -> f64 { let mut y = x; y += @; y }",
    "fn f(x: f64, v: &Vector3<f64>) -> f64 { v[@] * x }",
    "fn f(x: f64) -> f64 { match @ { _ => x } }",
    "fn f(x: f64) -> f64 { match x as i32 { 0 => @, _ => x } }",
    "fn f(x: f64) -> f64 { match x as i32 { 0 => return x, 1 => @, _ => x } }",
    "fn f(x: f64) -> f64 { if let Some(n) = Some(1) { @ } else { x } }",
    "fn f(x: f64) -> f64 { let c = |t: f64| @; c(x) }",
    "fn f(x: f64) -> f64 { return @; }",
    "fn f(x: f64) -> f64 { let y = x; @ }",
    "fn f(x: f64) -> f64 { (x, @).0 }",
    "fn f(x: f64) -> f64 { [x, @][0] }",
    "fn f(x: f64, d: &[f64]) -> f64 { d.iter().map(|e| e * @).sum() }",
    "fn f(x: f64, d: &[f64]) -> f64 { d.iter().fold(x, |a, e| @) }",
    "fn f(x: f64, d: &[f64]) -> f64 { d.iter().filter(|e| @).map(|e| e * x).sum() }",
    "fn f(x: f64, d: &[f64]) -> f64 { d.iter().zip(@).map(|(a, b)| a * b * x).sum() }",
    "fn f(x: f64, d: &[f64]) -> f64 { @.iter().enumerate().map(|(i, e)| e * x).product() }",
    "fn f(x: f64) -> f64 { let g = |t: f64| -> f64 { @ }; g(x) }",
    "fn f(x: f64) -> f64 { let mut y = x; loop { if y > 10.0 { break; } y = @; } y }",
    "fn f(x: f64) -> f64 { let mut y = x; for i in 0..3 { if x > 1.0 { y = @; } } y }",
    // Statement positions.
    "fn f(x: f64) -> f64 { @ x }",
    "fn f(x: f64) -> f64 { let mut y = x; @ y }",
    "fn f(x: f64) -> f64 { let mut y = 0.0; for i in 0..3 { @ y += x; } y }",
    "fn f(x: f64) -> f64 { let mut y = x; if x > 0.0 { @ } y }",
    "fn f(x: f64) -> f64 { let mut y = x; loop { @ break; } y }",
    "fn f(x: f64) -> f64 { let mut y = x; match 1 { _ => { @ } } y }",
    "fn f(x: f64, d: &[f64]) -> f64 { let mut y = x; for e in d { @ } y }",
    "fn f(x: f64) -> f64 { let mut y = x; while y < 10.0 { @ y *= 2.0; } y }",
    // Pattern positions.
    "fn f(x: f64) -> f64 { let @ = x; x }",
    "fn f(x: f64) -> f64 { match x as i32 { @ => x, _ => 0.0 } }",
    "fn f(@: f64) -> f64 { 1.0 }",
    "fn f(x: f64) -> f64 { let mut y = x; for @ in 0..3 { y += x; } y }",
    "fn f(x: f64) -> f64 { if let @ = Some(x) { x } else { 0.0 } }",
    "fn f(x: f64) -> f64 { let c = |@| x; c(1.0) }",
    "fn f(x: f64, d: &[f64]) -> f64 { d.iter().map(|@| x).sum() }",
    "fn f(x: f64, d: &[f64]) -> f64 { d.iter().fold(x, |@, e| x * e) }",
    // Type positions.
    "fn f(x: @) -> f64 { x }",
    "fn f(x: f64) -> @ { x }",
    "fn f(x: f64) -> f64 { let y: @ = x; y }",
    "fn f(x: f64) -> f64 { x as @ }",
    "fn f(x: f64) -> f64 { g::<@>(x) }",
    "fn f<T: @>(x: T) -> T { x }",
    "fn f<T>(x: T) -> T where @: Float { x }",
    "fn f(x: f64) -> f64 { <@>::sin(x) }",
    // Attribute positions.
    "#[@] fn f(x: f64) -> f64 { x }",
    "fn f(#[@] x: f64) -> f64 { x }",
    "fn f(x: f64) -> f64 { #[@] let y = x; y }",
    "fn f(x: f64) -> f64 { #[@] x }",
    "fn f(x: f64) -> f64 { let y = #[@] x; y }",
    "fn f(x: f64) -> f64 { #![@] x }",
    // Signature positions.
    "fn @(x: f64) -> f64 { x }",
    "fn f<@>(x: f64) -> f64 { x }",
    "@ fn f(x: f64) -> f64 { x }",
    "fn f(x: f64) -> f64 @ { x }",
];

#[test]
fn every_construct_at_every_position_gives_an_error_or_code() {
    let constructs = EXPRESSIONS
        .iter()
        .chain(STATEMENTS)
        .chain(PATTERNS)
        .chain(TYPES)
        .chain(ATTRIBUTES);
    let attr = TokenStream::new();
    let mut failures = Failures::default();
    let mut count = 0;
    for construct in constructs {
        for template in TEMPLATES {
            let source = template.replace('@', construct);
            // A construct and template that are not tokens together (an
            // unbalanced group) never reach the macro.
            if let Ok(item) = source.parse::<TokenStream>() {
                failures.record(check_differentiable(&attr, &item));
                count += 1;
            }
        }
    }
    assert!(count > 8000, "{count} inputs");
    failures.assert_none("constructs at every position");
}

/// The same corpus through the forward-mode siblings (`jvp`, `hessian`),
/// a transformation of its own.
#[test]
fn every_construct_at_every_position_in_forward_mode_gives_an_error_or_code() {
    let constructs = EXPRESSIONS
        .iter()
        .chain(STATEMENTS)
        .chain(PATTERNS)
        .chain(TYPES)
        .chain(ATTRIBUTES);
    let attr = tokens("jvp, hessian");
    let mut failures = Failures::default();
    for construct in constructs {
        for template in TEMPLATES {
            if let Ok(item) = template.replace('@', construct).parse::<TokenStream>() {
                failures.record(check_differentiable(&attr, &item));
            }
        }
    }
    failures.assert_none("constructs at every position, forward mode");
}

#[test]
fn wrong_attribute_arguments_give_an_error_or_code() {
    let functions = [
        "fn f(x: f64, v: &Vector3<f64>) -> f64 { x * v.norm() }",
        "fn f(&self, x: f64) -> f64 { self.k * x }",
        "fn f<T: Float>(x: T) -> T { x }",
        "fn f(x: f64) {}",
        "fn f() -> f64 { 1.0 }",
    ];
    let mut failures = Failures::default();
    for function in functions {
        let item = tokens(function);
        for arguments in ARGUMENTS {
            if let Ok(attr) = arguments.parse::<TokenStream>() {
                failures.record(check_differentiable(&attr, &item));
                for attr in mutations(&attr) {
                    failures.record(check_differentiable(&attr, &item));
                }
            }
        }
    }
    failures.assert_none("attribute arguments");
}

/// The seeds of random programs to mutate (`TAPELESS_MALFORMED_SEEDS`, a
/// range `a..b`, default `0..2`).
fn random_seeds() -> std::ops::Range<u64> {
    match std::env::var("TAPELESS_MALFORMED_SEEDS") {
        Ok(range) => {
            let (start, end) = range
                .split_once("..")
                .expect("TAPELESS_MALFORMED_SEEDS is a range a..b");
            start.parse().expect("a seed")..end.parse().expect("a seed")
        }
        Err(_) => 0..2,
    }
}

/// How many mutations of each random program to expand
/// (`TAPELESS_MALFORMED_SAMPLE`, default 200).
fn sample_size() -> usize {
    std::env::var("TAPELESS_MALFORMED_SAMPLE").map_or(200, |n| n.parse().expect("a count"))
}

/// The `#[differentiable]` function of a rendered random program: its
/// attribute's arguments and the function without the attribute.
fn split_program(rendered: &str) -> (TokenStream, TokenStream) {
    let file: syn::File = syn::parse_str(rendered).expect("a rendered program parses");
    let Some(syn::Item::Mod(module)) = file.items.into_iter().next() else {
        panic!("a program is a module: {rendered}")
    };
    let (_, items) = module.content.expect("an inline module");
    let function = items
        .into_iter()
        .find_map(|item| match item {
            syn::Item::Fn(function) => Some(function),
            _ => None,
        })
        .expect("a function");
    let mut function = function;
    let position = function
        .attrs
        .iter()
        .position(|a| a.path().is_ident("differentiable"))
        .expect("#[differentiable]");
    let attr = function.attrs.remove(position);
    let args = match attr.meta {
        syn::Meta::List(list) => list.tokens,
        _ => TokenStream::new(),
    };
    (args, quote::ToTokens::into_token_stream(function))
}

#[test]
fn random_programs_and_their_mutations_give_an_error_or_code() {
    let mut failures = Failures::default();
    for seed in random_seeds() {
        let mut rng = grammar::Rng::new(0x6d61_6c66_6f72_6d00 ^ seed);
        let mut made: Vec<grammar::Callee> = Vec::new();
        for index in 0..4 {
            let callees: Vec<grammar::Callee> = made.iter().rev().take(2).cloned().collect();
            let program = grammar::generate(&mut rng, index, &callees);
            made.push(grammar::Callee {
                index,
                wrt: program.wrt,
            });
            let (attr, item) = split_program(&program.render(&format!("p{index}")));
            // The program as written is valid: its expansion must not be an
            // error either.
            let output = differentiable(attr.clone(), item.clone()).to_string();
            assert!(
                !output.contains("compile_error"),
                "seed {seed}, program {index}: a valid program gives an error:\n{item}\n{output}"
            );
            failures.record(check_differentiable(&attr, &item));
            // Every mutation of a program is thousands of expansions of
            // some milliseconds each: take an evenly spread sample
            // (`TAPELESS_MALFORMED_SAMPLE`, default 200).
            let all = mutations(&item);
            let stride = all.len().div_ceil(sample_size()).max(1);
            for mutated in all.iter().step_by(stride) {
                failures.record(check_differentiable(&attr, mutated));
            }
            for mutated in mutations(&attr) {
                failures.record(check_differentiable(&mutated, &item));
            }
        }
    }
    failures.assert_none("random programs, mutated");
}

#[test]
fn mutated_params_structs_give_an_error_or_code() {
    let structs = [
        "struct Model { layer: Linear<3, 2, f64>, scale: f64, bias: SVector<f64, 2> }",
        "#[params(crate = crate)] struct Pair<T: Real>(T, SVector<T, 3>);",
        "#[params(scalar = f32, ops)] struct Unit;",
        "#[params(no_ops)] struct Generic<T, const N: usize> where T: Real { w: [T; N], #[params(skip)] name: &'static str }",
        "enum E { A(f64) }",
        "union U { x: f64 }",
        "struct S<'a> { r: &'a f64 }",
    ];
    let mut failures = Failures::default();
    for source in structs {
        let item = tokens(source);
        failures.record(check_derive(&item));
        for mutated in mutations(&item) {
            failures.record(check_derive(&mutated));
        }
    }
    failures.assert_none("#[derive(Params)] inputs");
}

/// The mutations themselves: a check that the corpus is what it says.
#[test]
fn mutations_delete_duplicate_swap_and_regroup_at_every_depth() {
    let all: Vec<String> = mutations(&tokens("a (b c)"))
        .iter()
        .map(ToString::to_string)
        .collect();
    for expected in [
        "(b c)",     // `a` deleted
        "a a (b c)", // `a` duplicated
        "(b c) a",   // swapped
        "a",         // the group deleted
        "a [b c]",   // delimiter replaced
        "a { b c }",
        "a ()",  // emptied
        "a b c", // delimiters removed
        "a (c)", // inside: `b` deleted
        "a (b b c)",
        "a (c b)",
    ] {
        assert!(all.iter().any(|m| m == expected), "{expected} in {all:?}");
    }
}
