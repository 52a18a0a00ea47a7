//! Iterator chains and local closures, rewritten before building into the
//! loops and expressions the differentiator handles.
//!
//! Iterator chains (`iter`, `into_iter`, `copied`, `cloned`, `zip`,
//! `enumerate`, `skip`, `take`, `step_by`, `rev`, `map`, `filter`) consumed
//! by `sum`, `product`, `fold`, `count` or a `for` loop become `for` loops:
//!
//! ```text
//! let sse = t.iter().zip(y).map(|(t, y)| (p * t - y).powi(2)).sum::<f64>();
//! ```
//! becomes
//! ```text
//! let sse = {
//!     let mut acc = 0.0_f64;
//!     for item in t.iter().zip(y) {
//!         let mapped = { let (t, y) = item; (p * t - y).powi(2) };
//!         acc += mapped;
//!     }
//!     acc
//! };
//! ```
//! so that a chain compiles to the same fused loop as the `for` form. The
//! adapters before the first closure stay in the loop's iterator, verbatim;
//! after it, they act on the loop's item. A chain over a differentiated
//! parameter (`w.iter()`) loops over its indices instead, the item being
//! `&w[i]`, so that the adjoint flows into `w`'s.
//!
//! nalgebra's `v.map(|e| ..)` and `a.zip_map(&b, |x, y| ..)` become a loop
//! over the elements that replaces each element of the result in turn
//! (the runtime's `replaced`, which has `_vjp` and `_jvp` rules).
//!
//! A closure bound to a local (`let model = |t| p.x * (-p.y * t).exp();`)
//! and only called is inlined at each call, `{ let t = arg; body }`: a
//! closure that escapes (is passed or returned), or whose captured
//! variables change before a call, is an error at the span.

use crate::ctxt::Ctxt;
use quote::{ToTokens, quote};
use std::collections::HashSet;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// Rewrites the iterator chains and local closures of `body`. `wrt` names
/// the differentiated parameters.
pub(crate) fn rewrite(
    cx: &Ctxt,
    body: &syn::Block,
    wrt: &[String],
    krate: &syn::Path,
) -> syn::Block {
    let mut body = body.clone();
    let mut taken = Vec::new();
    crate::build::collect_idents(body.to_token_stream(), &mut taken);
    let mut chains = Chains {
        taken: taken.iter().map(ToString::to_string).collect(),
        wrt,
        krate,
    };
    chains.visit_block_mut(&mut body);
    Closures { cx }.visit_block_mut(&mut body);
    body
}

/// One link of a method chain: `.method::<turbofish>(args)`.
struct Link {
    method: syn::Ident,
    turbofish: Option<syn::AngleBracketedGenericArguments>,
    args: Vec<syn::Expr>,
    span: proc_macro2::Span,
}

/// Splits `root.m1(..).m2(..)` into its root and links, innermost first.
fn links(expr: &syn::Expr) -> (&syn::Expr, Vec<Link>) {
    let mut links = Vec::new();
    let mut current = expr;
    while let syn::Expr::MethodCall(call) = current {
        links.push(Link {
            method: call.method.clone(),
            turbofish: call.turbofish.clone(),
            args: call.args.iter().cloned().collect(),
            span: call.method.span(),
        });
        current = &call.receiver;
    }
    links.reverse();
    (current, links)
}

/// The adapters that keep an item's position (and so can stay in the
/// iterator, verbatim).
const POSITIONAL: &[&str] = &[
    "iter",
    "into_iter",
    "copied",
    "cloned",
    "zip",
    "enumerate",
    "skip",
    "take",
    "step_by",
    "rev",
    "by_ref",
];

/// A chain as a loop: the iterator it runs, the pattern binding the raw
/// item, the statements computing the current item from it, and the current
/// item.
struct Lowered {
    /// Statements before the loop (the length of a differentiated vector).
    before: Vec<syn::Stmt>,
    iter: syn::Expr,
    pat: syn::Pat,
    stmts: Vec<syn::Stmt>,
    current: syn::Expr,
}

struct Chains<'w> {
    taken: HashSet<String>,
    wrt: &'w [String],
    krate: &'w syn::Path,
}

impl Chains<'_> {
    fn fresh(&mut self, wanted: &str, span: proc_macro2::Span) -> syn::Ident {
        let mut name = wanted.to_owned();
        let mut suffix = 1;
        while !self.taken.insert(name.clone()) {
            name = format!("{wanted}_{suffix}");
            suffix += 1;
        }
        syn::Ident::new(&name, span)
    }

    /// The loop of a chain `root.links..`; `None` if it is not an iterator
    /// chain this rewrite handles (left as written).
    fn lower(&mut self, root: &syn::Expr, links: &[Link]) -> Option<Lowered> {
        let span = root.span();
        let item = self.fresh("item", span);
        let mut before = Vec::new();
        // Over a differentiated parameter: its indices, the item `&w[i]`.
        #[allow(clippy::type_complexity)]
        let (mut iter, mut pat, mut current, mut verbatim, rest): (
            syn::Expr,
            syn::Pat,
            syn::Expr,
            bool,
            &[Link],
        ) = match (root, links.first()) {
            (syn::Expr::Path(path), Some(first))
                if matches!(first.method.to_string().as_str(), "iter" | "into_iter")
                    && path
                        .path
                        .get_ident()
                        .is_some_and(|ident| self.wrt.contains(&ident.to_string())) =>
            {
                let len = self.fresh("len", span);
                before.push(syn::parse_quote_spanned!(span=> let #len = #root.len();));
                (
                    syn::parse_quote_spanned!(span=> 0..#len),
                    syn::parse_quote!(#item),
                    syn::parse_quote_spanned!(span=> &#root[#item]),
                    false,
                    &links[1..],
                )
            }
            _ => (
                root.clone(),
                syn::parse_quote!(#item),
                syn::parse_quote!(#item),
                true,
                links,
            ),
        };
        let mut stmts: Vec<syn::Stmt> = Vec::new();
        let mut filtered = false;
        for link in rest {
            let method = link.method.to_string();
            let (name, args) = (&link.method, &link.args);
            if verbatim && POSITIONAL.contains(&method.as_str()) {
                iter = syn::parse_quote!(#iter.#name(#(#args),*));
                continue;
            }
            verbatim = false;
            match (method.as_str(), args.as_slice()) {
                ("iter" | "into_iter" | "by_ref", []) => {}
                ("copied", []) => current = syn::parse_quote!(*#current),
                ("cloned", []) => {
                    current = syn::parse_quote!(::core::clone::Clone::clone(#current));
                }
                ("zip", [other]) => {
                    let second = self.fresh("item", link.span);
                    iter = syn::parse_quote!(#iter.zip(#other));
                    pat = syn::parse_quote!((#pat, #second));
                    current = syn::parse_quote!((#current, #second));
                }
                ("enumerate", []) => {
                    let index = self.fresh("index", link.span);
                    iter = syn::parse_quote!(#iter.enumerate());
                    pat = syn::parse_quote!((#index, #pat));
                    current = syn::parse_quote!((#index, #current));
                }
                ("skip" | "take" | "step_by" | "rev", _) if !filtered => {
                    iter = syn::parse_quote!(#iter.#name(#(#args),*));
                }
                ("map", [function]) => {
                    let mapped = self.fresh("mapped", link.span);
                    let value = match function {
                        // The closure's pattern binds the item in the loop's
                        // pattern where it can (as a `for` loop's would).
                        syn::Expr::Closure(closure) if closure.inputs.len() == 1 => {
                            bind(&mut pat, &mut stmts, &closure.inputs[0], &current);
                            closure_body(closure)
                        }
                        _ => call(function, &[current.clone()])?,
                    };
                    stmts.push(syn::parse_quote_spanned!(link.span=> let #mapped = #value;));
                    current = syn::parse_quote!(#mapped);
                }
                ("filter", [function]) => {
                    let keep = self.fresh("keep", link.span);
                    // The predicate takes a reference to the item; a `match`
                    // binds its pattern as Rust does (through the reference).
                    let value: syn::Expr = match function {
                        syn::Expr::Closure(closure)
                            if closure.inputs.len() == 1
                                && closure.output == syn::ReturnType::Default =>
                        {
                            let pattern = match &closure.inputs[0] {
                                syn::Pat::Type(typed) => &*typed.pat,
                                other => other,
                            };
                            let body = &closure.body;
                            syn::parse_quote_spanned!(link.span=> match &#current { #pattern => #body })
                        }
                        _ => call(function, &[syn::parse_quote!(&#current)])?,
                    };
                    stmts.push(syn::parse_quote_spanned!(link.span=> let #keep: bool = #value;));
                    stmts.push(syn::parse_quote_spanned!(link.span=> if !#keep { continue; }));
                    filtered = true;
                }
                _ => return None,
            }
        }
        if verbatim && stmts.is_empty() {
            // Nothing to look into: the loop's iterator is as written.
            return None;
        }
        Some(Lowered {
            before,
            iter,
            pat,
            stmts,
            current,
        })
    }

    /// `chain.sum()`, `.product()`, `.fold(init, f)` or `.count()` as a
    /// block with a loop; `None` if `expr` is not one.
    fn consumer(&mut self, expr: &syn::Expr) -> Option<syn::Expr> {
        let (root, links) = links(expr);
        let (consumer, chain) = links.split_last()?;
        // An iterator chain: at least one adapter before the consumer (a
        // nalgebra `v.sum()` has none).
        if chain.is_empty() {
            return None;
        }
        let method = consumer.method.to_string();
        let span = consumer.span;
        let krate = self.krate;
        let lowered = match method.as_str() {
            "sum" | "product" | "fold" | "count" => {
                // A chain over data alone is still a loop: the differentiated
                // values may be in the closures.
                let lowered = self.lower(root, chain);
                match lowered {
                    Some(lowered) => lowered,
                    None => {
                        let item = self.fresh("item", span);
                        let (chain_root, chain_links) = (root, chain);
                        let mut iter = chain_root.clone();
                        for link in chain_links {
                            let (name, args) = (&link.method, &link.args);
                            if !POSITIONAL.contains(&link.method.to_string().as_str()) {
                                return None;
                            }
                            iter = syn::parse_quote!(#iter.#name(#(#args),*));
                        }
                        Lowered {
                            before: Vec::new(),
                            iter,
                            pat: syn::parse_quote!(#item),
                            stmts: Vec::new(),
                            current: syn::parse_quote!(#item),
                        }
                    }
                }
            }
            _ => return None,
        };
        let acc = self.fresh("acc", span);
        let typed = |one: bool| -> syn::Expr {
            let literal = if one { quote!(1.0) } else { quote!(0.0) };
            match consumer
                .turbofish
                .as_ref()
                .and_then(|turbofish| turbofish.args.first())
            {
                Some(syn::GenericArgument::Type(syn::Type::Path(ty)))
                    if ty.path.is_ident("f64") || ty.path.is_ident("f32") =>
                {
                    let suffixed = syn::LitFloat::new(
                        &format!("{literal}_{}", ty.path.get_ident().expect("an ident")),
                        span,
                    );
                    syn::parse_quote!(#suffixed)
                }
                Some(syn::GenericArgument::Type(ty)) => {
                    let constant = if one { quote!(ONE) } else { quote!(ZERO) };
                    syn::parse_quote_spanned!(span=> <#ty as #krate::__private::Real>::#constant)
                }
                _ => syn::parse_quote_spanned!(span=> #literal),
            }
        };
        let mut lowered = lowered;
        let current = &lowered.current.clone();
        let (init, update): (syn::Expr, syn::Stmt) =
            match (method.as_str(), consumer.args.as_slice()) {
                ("sum", []) => (
                    typed(false),
                    syn::parse_quote_spanned!(span=> #acc += #current;),
                ),
                ("product", []) => (
                    typed(true),
                    syn::parse_quote_spanned!(span=> #acc *= #current;),
                ),
                ("count", []) => (
                    syn::parse_quote_spanned!(span=> 0_usize),
                    syn::parse_quote_spanned!(span=> #acc += 1;),
                ),
                ("fold", [init, function]) => {
                    let value = match function {
                        syn::Expr::Closure(closure) if closure.inputs.len() == 2 => {
                            let (mut pat, mut stmts) = (lowered.pat.clone(), Vec::new());
                            bind(&mut pat, &mut stmts, &closure.inputs[1], current);
                            lowered.pat = pat;
                            lowered.stmts.extend(stmts);
                            let first = bind_one(&closure.inputs[0], &syn::parse_quote!(#acc));
                            block_with(vec![first], closure_body(closure))
                        }
                        _ => call(function, &[syn::parse_quote!(#acc), current.clone()])?,
                    };
                    (
                        init.clone(),
                        syn::parse_quote_spanned!(span=> #acc = #value;),
                    )
                }
                _ => return None,
            };
        let Lowered {
            before,
            iter,
            pat,
            stmts,
            ..
        } = lowered;
        // Parsed fallibly: the user's pattern or receiver may be one a
        // `for` head does not take (`|..| x`, a struct literal); the chain
        // is then left as it is, for the later checks to report.
        syn::parse2(quote::quote_spanned! {span=> {
            #(#before)*
            let mut #acc = #init;
            for #pat in #iter {
                #(#stmts)*
                #update
            }
            #acc
        }})
        .ok()
    }
}

impl Chains<'_> {
    /// `for pat in chain { body }` as a loop over the chain's iterator, or
    /// `None` if the chain needs no rewrite.
    fn for_loop(&mut self, expr_for: &syn::ExprForLoop) -> Option<syn::Expr> {
        let (root, links) = links(&expr_for.expr);
        // `for w in &v` and `for w in v` over a differentiated parameter.
        let (root, links) = match (&*expr_for.expr, links.is_empty()) {
            (syn::Expr::Reference(reference), true) => (
                &*reference.expr,
                vec![Link {
                    method: syn::Ident::new("iter", reference.span()),
                    turbofish: None,
                    args: Vec::new(),
                    span: reference.span(),
                }],
            ),
            (syn::Expr::Path(_), true) => (
                root,
                vec![Link {
                    method: syn::Ident::new("into_iter", root.span()),
                    turbofish: None,
                    args: Vec::new(),
                    span: root.span(),
                }],
            ),
            _ => (root, links),
        };
        if links.is_empty() {
            return None;
        }
        let Lowered {
            before,
            iter,
            mut pat,
            mut stmts,
            current,
        } = self.lower(root, &links)?;
        bind(&mut pat, &mut stmts, &expr_for.pat, &current);
        let mut rewritten = expr_for.clone();
        let body = &expr_for.body;
        rewritten.pat = Box::new(pat);
        rewritten.expr = Box::new(iter);
        // Parsed fallibly, as in `consumer`.
        rewritten.body = syn::parse2(quote!({
            #(#stmts)*
            #body
        }))
        .ok()?;
        if before.is_empty() {
            Some(syn::Expr::ForLoop(rewritten))
        } else {
            syn::parse2(quote!({ #(#before)* #rewritten })).ok()
        }
    }
}

impl Chains<'_> {
    /// nalgebra's `v.map(|e| ..)` and `a.zip_map(&b, |x, y| ..)` on a value
    /// that is not an iterator: a loop over the elements that replaces each
    /// element of the result (starting from `v * 0.0`) by the closure's
    /// value. `None` for other calls.
    fn elementwise(&mut self, call: &syn::ExprMethodCall) -> Option<syn::Expr> {
        let method = call.method.to_string();
        let (root, links) = links(&call.receiver);
        // An iterator's `map` is a chain (see `lower`).
        if links
            .iter()
            .any(|link| POSITIONAL.contains(&link.method.to_string().as_str()))
            || matches!(root, syn::Expr::Range(_))
        {
            return None;
        }
        let args: Vec<&syn::Expr> = call.args.iter().collect();
        let (other, closure) = match (method.as_str(), args.as_slice()) {
            ("map", [syn::Expr::Closure(closure)]) if closure.inputs.len() == 1 => (None, closure),
            ("zip_map", [other, syn::Expr::Closure(closure)]) if closure.inputs.len() == 2 => {
                (Some(*other), closure)
            }
            _ => return None,
        };
        let span = call.method.span();
        let krate = self.krate;
        let source = self.fresh("source", span);
        let mapped = self.fresh("mapped", span);
        let index = self.fresh("index", span);
        let value = self.fresh("value", span);
        let len = self.fresh("len", span);
        let receiver = &call.receiver;
        let mut bindings = vec![bind_one(
            &closure.inputs[0],
            &syn::parse_quote!(#source[#index]),
        )];
        let mut before = Vec::new();
        if let Some(other) = other {
            let second = self.fresh("other", span);
            before.push(quote!(let #second = #other;));
            bindings.push(bind_one(
                &closure.inputs[1],
                &syn::parse_quote!(#second[#index]),
            ));
        }
        let body = closure_body(closure);
        Some(syn::parse_quote_spanned! {span=> {
            let #source = #receiver;
            #(#before)*
            let mut #mapped = #source * 0.0;
            let #len = #source.len();
            for #index in 0..#len {
                let #value = { #(#bindings)* #body };
                #mapped = #krate::__private::replaced(#mapped, #index, #value);
            }
            #mapped
        }})
    }
}

/// `function(args)`: a closure's body with its parameters bound to the
/// arguments, or a call of a path (`f64::max`, a local closure's name).
fn call(function: &syn::Expr, args: &[syn::Expr]) -> Option<syn::Expr> {
    match function {
        syn::Expr::Closure(closure) => {
            if closure.inputs.len() != args.len()
                || closure.asyncness.is_some()
                || closure.movability.is_some()
            {
                return None;
            }
            let bindings = closure
                .inputs
                .iter()
                .zip(args)
                .map(|(pat, arg)| bind_one(pat, arg))
                .collect();
            Some(block_with(bindings, closure_body(closure)))
        }
        syn::Expr::Path(_) => Some(syn::parse_quote!(#function(#(#args),*))),
        _ => None,
    }
}

/// A closure's body, with its declared return type if any.
fn closure_body(closure: &syn::ExprClosure) -> syn::Expr {
    let body = &closure.body;
    match &closure.output {
        syn::ReturnType::Default => (**body).clone(),
        syn::ReturnType::Type(_, ty) => {
            let typed = syn::Pat::Type(syn::PatType {
                attrs: Vec::new(),
                pat: Box::new(syn::parse_quote!(value)),
                colon_token: syn::token::Colon::default(),
                ty: ty.clone(),
            });
            let binding = bind_one(&typed, body);
            block_with(vec![binding], syn::parse_quote!(value))
        }
    }
}

/// `{ stmts; body }`, built rather than parsed: a closure's body may be an
/// expression that is no statement after others (`|t| let z = t`), which
/// the checks after desugaring then reject with an error.
fn block_with(mut stmts: Vec<syn::Stmt>, body: syn::Expr) -> syn::Expr {
    stmts.push(syn::Stmt::Expr(body, None));
    syn::Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: syn::Block {
            brace_token: syn::token::Brace::default(),
            stmts,
        },
    })
}

/// `let pat = arg;`, a reference pattern `&x` reading through the
/// reference instead (`let x = *arg;`). Attributes of a closure parameter
/// (`|#[cfg(..)] t|`) go on the statement, where Rust writes them.
fn bind_one(pat: &syn::Pat, arg: &syn::Expr) -> syn::Stmt {
    match pat {
        syn::Pat::Reference(reference) if reference.mutability.is_none() => {
            bind_one(&reference.pat, &syn::parse_quote!(*#arg))
        }
        _ => {
            let mut pat = pat.clone();
            let attrs = match &mut pat {
                syn::Pat::Ident(ident) => std::mem::take(&mut ident.attrs),
                syn::Pat::Type(typed) => std::mem::take(&mut typed.attrs),
                _ => Vec::new(),
            };
            syn::Stmt::Local(syn::Local {
                attrs,
                let_token: syn::Token![let](pat.span()),
                pat,
                init: Some(syn::LocalInit {
                    eq_token: syn::Token![=](arg.span()),
                    expr: Box::new(arg.clone()),
                    diverge: None,
                }),
                semi_token: syn::Token![;](arg.span()),
            })
        }
    }
}

/// Binds `user` to the item `current`: in the loop's pattern when the item
/// is the loop's whole raw item (`item @ user` if statements before read
/// `item` by its name), otherwise by a statement.
fn bind(pat: &mut syn::Pat, stmts: &mut Vec<syn::Stmt>, user: &syn::Pat, current: &syn::Expr) {
    let raw = match (&*pat, current) {
        (syn::Pat::Ident(raw), syn::Expr::Path(path))
            if raw.subpat.is_none() && path.path.is_ident(&raw.ident) =>
        {
            Some(raw.ident.clone())
        }
        _ => None,
    };
    if let Some(raw) = raw {
        let user = match user {
            syn::Pat::Type(typed) => (*typed.pat).clone(),
            other => other.clone(),
        };
        if stmts.is_empty() {
            *pat = user;
            return;
        }
        // `raw @ user` where a subpattern may follow `@` (not `..`, not a
        // range without an end); otherwise a statement binds.
        if let Ok(bound) = syn::parse::Parser::parse2(syn::Pat::parse_single, quote!(#raw @ #user))
        {
            *pat = bound;
            return;
        }
    }
    stmts.push(bind_one(user, current));
}

impl VisitMut for Chains<'_> {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        // Inner chains first (a closure's body may hold one).
        syn::visit_mut::visit_expr_mut(self, expr);
        let replacement = match expr {
            syn::Expr::ForLoop(expr_for) => self.for_loop(expr_for),
            syn::Expr::MethodCall(call) => self.elementwise(call).or_else(|| self.consumer(expr)),
            _ => self.consumer(expr),
        };
        if let Some(replacement) = replacement {
            *expr = replacement;
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Inlines the closures bound to locals at their calls.
struct Closures<'c> {
    cx: &'c Ctxt,
}

impl VisitMut for Closures<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let mut index = 0;
        while index < block.stmts.len() {
            let Some((name, closure)) = local_closure(&block.stmts[index]) else {
                index += 1;
                continue;
            };
            let rest = &mut block.stmts[index + 1..];
            if let Some(problem) = captured_changes(&name, &closure, rest) {
                self.cx.error_spanned_by(&closure, problem);
            }
            let mut inliner = Inliner {
                name: &name,
                closure: &closure,
                cx: self.cx,
            };
            for stmt in rest.iter_mut() {
                inliner.visit_stmt_mut(stmt);
            }
            block.stmts.remove(index);
        }
        syn::visit_mut::visit_block_mut(self, block);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `let name = |..| ..;`
fn local_closure(stmt: &syn::Stmt) -> Option<(String, syn::ExprClosure)> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let syn::Pat::Ident(pat) = &local.pat else {
        return None;
    };
    let init = local.init.as_ref()?;
    let syn::Expr::Closure(closure) = &*init.expr else {
        return None;
    };
    if init.diverge.is_some() || pat.by_ref.is_some() || pat.subpat.is_some() {
        return None;
    }
    Some((pat.ident.to_string(), closure.clone()))
}

/// Why inlining the closure `name` into `rest` would read other values than
/// the closure does: a variable it reads is assigned again after it, or
/// declared again where the declaration is in scope at one of its calls (a
/// later `let`, or a match arm, loop, `if let` or closure around the call).
fn captured_changes(name: &str, closure: &syn::ExprClosure, rest: &[syn::Stmt]) -> Option<String> {
    let mut own = Vec::new();
    for input in &closure.inputs {
        crate::build::collect_idents(input.to_token_stream(), &mut own);
    }
    // The variables the body reads: paths of one segment (not fields or
    // methods), and every identifier inside macros.
    struct Reads(HashSet<String>);
    impl<'ast> Visit<'ast> for Reads {
        fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
            if let Some(ident) = path.path.get_ident() {
                self.0.insert(ident.to_string());
            }
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            let mut idents = Vec::new();
            crate::build::collect_idents(mac.tokens.clone(), &mut idents);
            self.0.extend(idents.iter().map(ToString::to_string));
        }
    }
    let mut reads = Reads(HashSet::new());
    reads.visit_expr(&closure.body);
    let read: HashSet<String> = reads
        .0
        .into_iter()
        .filter(|name| !own.iter().any(|ident| ident == name))
        .collect();
    // Assignments to what the closure reads, anywhere after it.
    struct Assignments<'r> {
        read: &'r HashSet<String>,
        found: Option<String>,
    }
    impl<'ast> Visit<'ast> for Assignments<'_> {
        fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
            self.note(&assign.left);
            syn::visit::visit_expr_assign(self, assign);
        }
        fn visit_expr_binary(&mut self, binary: &'ast syn::ExprBinary) {
            if crate::build::compound_op(&binary.op).is_some() {
                self.note(&binary.left);
            }
            syn::visit::visit_expr_binary(self, binary);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    impl Assignments<'_> {
        fn note(&mut self, place: &syn::Expr) {
            if let syn::Expr::Path(path) = place {
                if let Some(ident) = path.path.get_ident() {
                    if self.read.contains(&ident.to_string()) && self.found.is_none() {
                        self.found = Some(ident.to_string());
                    }
                }
            }
        }
    }
    let mut assignments = Assignments {
        read: &read,
        found: None,
    };
    for stmt in rest {
        assignments.visit_stmt(stmt);
    }
    let mut shadowing = Shadowing {
        read: &read,
        closure: name,
        scopes: vec![Vec::new()],
        found: None,
    };
    for stmt in rest {
        shadowing.visit_stmt(stmt);
    }
    assignments.found.or(shadowing.found).map(|name| {
        format!(
            "this closure reads `{name}`, which is assigned or declared again after it: tapeless inlines the closure where it is called, so give the later `{name}` another name, or compute the closure's inputs first"
        )
    })
}

/// The names a pattern binds (identifiers in it: a unit variant or constant
/// counts too, which only makes the check below more cautious).
fn bound_names(pat: &syn::Pat) -> Vec<String> {
    struct Bound(Vec<String>);
    impl<'ast> Visit<'ast> for Bound {
        fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
            self.0.push(pat.ident.to_string());
            syn::visit::visit_pat_ident(self, pat);
        }
    }
    let mut bound = Bound(Vec::new());
    bound.visit_pat(pat);
    bound.0
}

/// The names the `let`s of a condition (`if let`, `while let`, chains)
/// bind for the branch they guard.
fn condition_bindings(cond: &syn::Expr) -> Vec<String> {
    struct Lets(Vec<String>);
    impl<'ast> Visit<'ast> for Lets {
        fn visit_expr_let(&mut self, expr: &'ast syn::ExprLet) {
            self.0.extend(bound_names(&expr.pat));
            syn::visit::visit_expr_let(self, expr);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut lets = Lets(Vec::new());
    lets.visit_expr(cond);
    lets.0
}

/// Finds a call of the closure `closure` where a name it reads is bound
/// again: each scope (block, match arm, loop body, branch, closure) holds
/// the names declared in it so far.
struct Shadowing<'r> {
    read: &'r HashSet<String>,
    closure: &'r str,
    scopes: Vec<Vec<String>>,
    found: Option<String>,
}

impl Shadowing<'_> {
    fn scoped(&mut self, names: Vec<String>, visit: impl FnOnce(&mut Self)) {
        self.scopes.push(names);
        visit(self);
        self.scopes.pop();
    }
}

impl<'ast> Visit<'ast> for Shadowing<'_> {
    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.scoped(Vec::new(), |this| {
            for stmt in &block.stmts {
                this.visit_stmt(stmt);
            }
        });
    }
    fn visit_local(&mut self, local: &'ast syn::Local) {
        // The initializer sees the earlier binding; what follows, the new one.
        if let Some(init) = &local.init {
            self.visit_local_init(init);
        }
        let names = bound_names(&local.pat);
        self.scopes.last_mut().expect("a scope").extend(names);
    }
    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.scoped(bound_names(&arm.pat), |this| {
            if let Some((_, guard)) = &arm.guard {
                this.visit_expr(guard);
            }
            this.visit_expr(&arm.body);
        });
    }
    fn visit_expr_for_loop(&mut self, expr: &'ast syn::ExprForLoop) {
        self.visit_expr(&expr.expr);
        self.scoped(bound_names(&expr.pat), |this| this.visit_block(&expr.body));
    }
    fn visit_expr_if(&mut self, expr: &'ast syn::ExprIf) {
        self.visit_expr(&expr.cond);
        self.scoped(condition_bindings(&expr.cond), |this| {
            this.visit_block(&expr.then_branch);
        });
        if let Some((_, otherwise)) = &expr.else_branch {
            self.visit_expr(otherwise);
        }
    }
    fn visit_expr_while(&mut self, expr: &'ast syn::ExprWhile) {
        self.visit_expr(&expr.cond);
        self.scoped(condition_bindings(&expr.cond), |this| {
            this.visit_block(&expr.body)
        });
    }
    fn visit_expr_closure(&mut self, expr: &'ast syn::ExprClosure) {
        let names = expr.inputs.iter().flat_map(bound_names).collect();
        self.scoped(names, |this| this.visit_expr(&expr.body));
    }
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(path) = &*call.func {
            if path.path.is_ident(self.closure) && self.found.is_none() {
                self.found = self
                    .scopes
                    .iter()
                    .flatten()
                    .find(|name| self.read.contains(*name))
                    .cloned();
            }
        }
        syn::visit::visit_expr_call(self, call);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Replaces `name(args)` by the closure's body, and reports any other use
/// of `name`.
struct Inliner<'i> {
    name: &'i str,
    closure: &'i syn::ExprClosure,
    cx: &'i Ctxt,
}

impl VisitMut for Inliner<'_> {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::Call(call_expr) = expr {
            if let syn::Expr::Path(path) = &*call_expr.func {
                if path.path.is_ident(self.name) {
                    for arg in &mut call_expr.args {
                        self.visit_expr_mut(arg);
                    }
                    let args: Vec<syn::Expr> = call_expr.args.iter().cloned().collect();
                    match call(&syn::Expr::Closure(self.closure.clone()), &args) {
                        Some(inlined) => *expr = inlined,
                        None => self.cx.error_spanned_by(
                            &*call_expr,
                            format!(
                                "`{}` takes {} argument(s) here; tapeless inlines local closures at their calls, with as many arguments as parameters",
                                self.name,
                                self.closure.inputs.len()
                            ),
                        ),
                    }
                    return;
                }
            }
        }
        if let syn::Expr::Path(path) = expr {
            if path.path.is_ident(self.name) {
                self.cx.error_spanned_by(
                    &*path,
                    format!(
                        "the closure `{}` escapes here: tapeless differentiates a local closure by inlining it where it is called (`{}(x)`); pass its result instead, or write a named function",
                        self.name, self.name
                    ),
                );
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
