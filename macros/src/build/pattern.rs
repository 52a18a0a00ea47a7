//! `match` and `if let` on data, lowered to the `if` regions the rest of
//! the pipeline knows: each arm's test is a `match` of its pattern (and
//! guard) to `true`, tried in order, and the names an arm's pattern binds are read
//! out of the scrutinee at the start of its branch. The bindings are data:
//! should one turn out to depend on a differentiated value, it is an error
//! at the pattern, never a silently missing gradient.
//!
//! Before:
//! ```text
//! match shape {
//!     Shape::Circle(r) => total += w * r,
//!     Shape::Square { side } if side > 1.0 => total += 2.0 * w * side,
//!     _ => {}
//! }
//! ```
//! After (as lowered):
//! ```text
//! if match shape { Shape::Circle(_) => true, _ => false } {
//!     let r = match shape { Shape::Circle(r) => r, _ => unreachable!() };
//!     total += w * r
//! } else if match shape { Shape::Square { side } if side > 1.0 => true, _ => false } {
//!     let side = match shape { Shape::Square { side } => side, _ => unreachable!() };
//!     total += 2.0 * w * side
//! } else {
//!     {}
//! }
//! ```
//! A scrutinee that is not a place (`classify(t)`) is evaluated once, into a
//! local, first.

use super::Builder;
use super::free::pattern_idents;
use crate::ir::{Opacity, Operand};
use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

/// The marker on a synthesized `match` that reads a pattern's bindings out
/// of a scrutinee (taken off before the expression is kept).
const BINDINGS_MARKER: &str = "tapeless_pattern_bindings";

/// The marker on a synthesized `match` that tests an arm's pattern.
const TEST_MARKER: &str = "tapeless_pattern_test";

impl Builder<'_> {
    /// Lowers `match scrutinee { arms }`.
    pub(super) fn lower_match(&mut self, expr_match: &syn::ExprMatch) -> Option<Operand> {
        let span = expr_match.span();
        if expr_match.arms.is_empty() {
            self.cx.error_spanned_by(
                expr_match,
                "a `match` without arms cannot be differentiated",
            );
            return None;
        }
        self.scopes.push(Vec::new());
        let scrutinee = self.scrutinee(&expr_match.expr, expr_match);
        let mut chain: Option<syn::Expr> = None;
        for (index, arm) in expr_match.arms.iter().enumerate().rev() {
            let branch = bound_block(&scrutinee, &arm.pat, &arm.body, arm.body.span());
            let is_last = index + 1 == expr_match.arms.len();
            chain = Some(if is_last {
                syn::Expr::Block(syn::ExprBlock {
                    attrs: Vec::new(),
                    label: None,
                    block: branch,
                })
            } else {
                // The test binds nothing (unused bindings would warn) unless
                // the guard reads them.
                let mut read = Vec::new();
                if let Some((_, guard)) = &arm.guard {
                    collect_idents(guard.to_token_stream(), &mut read);
                }
                let pat = blank(&arm.pat, &read);
                let guard = arm
                    .guard
                    .as_ref()
                    .map(|(if_token, guard)| quote_spanned!(guard.span()=> #if_token #guard));
                let marker = format_ident!("{}", TEST_MARKER);
                let test = quote_spanned!(arm.pat.span()=> #[#marker] match #scrutinee { #pat #guard => true, _ => false });
                let mut expr_if: syn::ExprIf =
                    syn::parse_quote_spanned!(arm.span()=> if #test #branch);
                expr_if.else_branch = chain
                    .take()
                    .map(|rest| (syn::token::Else(span), Box::new(rest)));
                syn::Expr::If(expr_if)
            });
        }
        // The last arm's pattern matched when no earlier one did (`match`
        // is exhaustive); its guard, if any, must hold too.
        if let Some((_, guard)) = &expr_match.arms.last().expect("an arm").guard {
            self.cx.error_spanned_by(
                guard,
                "the last arm of a differentiated `match` cannot have a guard; end with an arm without one (`_ => ...`)",
            );
        }
        let result = match chain.expect("an arm") {
            syn::Expr::If(expr_if) => self.lower_if(&expr_if),
            syn::Expr::Block(block) => self.lower_scoped(&block.block),
            _ => unreachable!("an `if` chain or a block"),
        };
        self.scopes.pop();
        result
    }

    /// Lowers `if let pat = scrutinee { then } else { otherwise }`.
    pub(super) fn lower_if_let(
        &mut self,
        expr_if: &syn::ExprIf,
        expr_let: &syn::ExprLet,
    ) -> Option<Operand> {
        self.scopes.push(Vec::new());
        let scrutinee = self.scrutinee(&expr_let.expr, expr_let);
        let test_pat = blank(&expr_let.pat, &[]);
        let marker = format_ident!("{}", TEST_MARKER);
        let test = quote_spanned!(expr_let.span()=> #[#marker] match #scrutinee { #test_pat => true, _ => false });
        let pat = &expr_let.pat;
        let branch = bound_block(
            &scrutinee,
            pat,
            &syn::Expr::Block(syn::ExprBlock {
                attrs: Vec::new(),
                label: None,
                block: expr_if.then_branch.clone(),
            }),
            expr_if.then_branch.span(),
        );
        let mut lowered: syn::ExprIf = syn::parse_quote_spanned!(expr_if.span()=> if #test #branch);
        lowered.else_branch = expr_if.else_branch.clone();
        let result = self.lower_if(&lowered);
        self.scopes.pop();
        result
    }

    /// The scrutinee as an expression that can be evaluated again: itself
    /// if it is a place (`shape`, `data[i]`, `&p.kind`), otherwise a local
    /// it is evaluated into first, named so as to clash with no name in
    /// `whole` (the `match` or `if let`).
    fn scrutinee(&mut self, expr: &syn::Expr, whole: &impl quote::ToTokens) -> syn::Expr {
        if is_place(expr) {
            return expr.clone();
        }
        let mut taken = Vec::new();
        collect_idents(whole.to_token_stream(), &mut taken);
        let mut name = "scrutinee".to_owned();
        let mut suffix = 1;
        while taken.iter().any(|ident| *ident == name) || self.lookup(&name).is_some() {
            name = format!("scrutinee_{suffix}");
            suffix += 1;
        }
        let operand = self.lower_named(expr, &name, None);
        self.bind(name.clone(), Some(operand), None);
        let ident = Ident::new(&name, expr.span());
        syn::parse_quote!(#ident)
    }

    /// The opaque value of a synthesized `match`: an arm's test (a boolean
    /// of data) or its bindings (see [`bound_block`]); `None` if `expr` is
    /// the user's.
    pub(super) fn pattern_bindings(&mut self, expr: &syn::ExprMatch) -> Option<Operand> {
        if expr
            .attrs
            .iter()
            .any(|attr| attr.path().is_ident(TEST_MARKER))
        {
            let mut plain = expr.clone();
            plain
                .attrs
                .retain(|attr| !attr.path().is_ident(TEST_MARKER));
            return Some(self.opaque(&syn::Expr::Match(plain), Opacity::ZeroDerivative));
        }
        if !expr
            .attrs
            .iter()
            .any(|attr| attr.path().is_ident(BINDINGS_MARKER))
        {
            return None;
        }
        let mut plain = expr.clone();
        plain
            .attrs
            .retain(|attr| !attr.path().is_ident(BINDINGS_MARKER));
        // `_ => unreachable!()` after an irrefutable pattern is unreachable.
        let span = expr.span();
        let bound: syn::Expr = syn::parse_quote_spanned!(span=> {
            #[allow(unreachable_patterns)]
            let bound = #plain;
            bound
        });
        Some(self.opaque(
            &bound,
            Opacity::Binding(
                "a name bound by a `match` or `if let` pattern depends on a differentiated value; match on data, or compute the value with `if`/`else`"
                    .to_owned(),
            ),
        ))
    }
}

/// `{ let (a, b) = match scrutinee { pat => (a, b), _ => unreachable!() }; body }`
/// (no `let` when the pattern binds no name).
fn bound_block(scrutinee: &syn::Expr, pat: &syn::Pat, body: &syn::Expr, span: Span) -> syn::Block {
    let names = pattern_idents(pat);
    let marker = format_ident!("{}", BINDINGS_MARKER);
    let bind = match names.as_slice() {
        [] => TokenStream::new(),
        [name] => quote_spanned!(pat.span()=>
            let #name = #[#marker] match #scrutinee { #pat => #name, _ => ::core::unreachable!() };
        ),
        names => quote_spanned!(pat.span()=>
            let (#(#names,)*) = #[#marker] match #scrutinee { #pat => (#(#names,)*), _ => ::core::unreachable!() };
        ),
    };
    // The body is pushed, not parsed after `bind`: syn accepts expressions
    // in arms (`0 => let z = x`) that are no statement a block parses.
    let mut block: syn::Block = syn::parse_quote_spanned!(span=> { #bind });
    block.stmts.push(syn::Stmt::Expr(body.clone(), None));
    block
}

/// `pat` with every binding not in `keep` replaced by `_` (`x @ p` by `p`,
/// `{ side }` by `{ side: _ }`): the same test, binding only what a guard
/// reads.
fn blank(pat: &syn::Pat, keep: &[Ident]) -> syn::Pat {
    struct Blank<'k>(&'k [Ident]);
    impl VisitMut for Blank<'_> {
        fn visit_pat_mut(&mut self, pat: &mut syn::Pat) {
            if let syn::Pat::Ident(ident) = pat {
                if self.0.contains(&ident.ident) {
                    return syn::visit_mut::visit_pat_mut(self, pat);
                }
                *pat = match ident.subpat.take() {
                    Some((_, subpat)) => *subpat,
                    None => syn::Pat::Wild(syn::PatWild {
                        attrs: Vec::new(),
                        underscore_token: syn::token::Underscore(ident.ident.span()),
                    }),
                };
            }
            syn::visit_mut::visit_pat_mut(self, pat);
        }

        fn visit_field_pat_mut(&mut self, field: &mut syn::FieldPat) {
            let kept = matches!(&field.member, syn::Member::Named(name) if self.0.contains(name));
            if field.colon_token.is_none() && !kept {
                field.colon_token = Some(syn::token::Colon(field.member.span()));
            }
            syn::visit_mut::visit_field_pat_mut(self, field);
        }
    }
    let mut blank = pat.clone();
    Blank(keep).visit_pat_mut(&mut blank);
    blank
}

/// Whether evaluating `expr` again is cheap and has no effect: a path, a
/// field, an index by a path or literal, a reference to one of those.
fn is_place(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Path(_) | syn::Expr::Lit(_) => true,
        syn::Expr::Field(field) => is_place(&field.base),
        syn::Expr::Index(index) => is_place(&index.expr) && is_place(&index.index),
        syn::Expr::Reference(reference) => is_place(&reference.expr),
        syn::Expr::Paren(paren) => is_place(&paren.expr),
        syn::Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Deref(_)) => is_place(&unary.expr),
        _ => false,
    }
}

/// Every identifier in `tokens`, groups included.
pub(crate) fn collect_idents(tokens: TokenStream, found: &mut Vec<Ident>) {
    for token in tokens {
        match token {
            TokenTree::Ident(ident) => found.push(ident),
            TokenTree::Group(group) => collect_idents(group.stream(), found),
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
    }
}
