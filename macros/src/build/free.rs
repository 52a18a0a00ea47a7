//! The locals an expression reads (through paths, struct shorthand and
//! macro tokens), minus the names it binds itself.

use super::{Binding, Builder, single_ident};
use crate::ir::ValueId;
use proc_macro2::{Ident, TokenStream, TokenTree};
use syn::visit::Visit;

impl Builder<'_> {
    pub(super) fn mentions_locals(&self, expr: &syn::Expr) -> bool {
        !self.free_locals(expr).is_empty()
    }

    /// The local variables `expr` reads, with their current values. A name
    /// the expression binds itself (a closure parameter, a `match` arm's
    /// pattern, a `let` inside a block, a `for` or `if let` pattern) is not
    /// a read of the local of that name where the binding is in scope.
    pub(super) fn free_locals(&self, expr: &syn::Expr) -> Vec<(Ident, ValueId)> {
        let mut finder = FreeLocals {
            builder: self,
            found: Vec::new(),
            bound: Vec::new(),
        };
        finder.visit_expr(expr);
        finder.found
    }

    /// The local variables named in a macro's tokens (including
    /// `{name}` inside format strings).
    pub(super) fn locals_in_tokens(&self, tokens: TokenStream) -> Vec<(Ident, ValueId)> {
        let mut found = Vec::new();
        self.scan_tokens(tokens, &mut found);
        found
    }

    pub(super) fn scan_tokens(&self, tokens: TokenStream, found: &mut Vec<(Ident, ValueId)>) {
        for token in tokens {
            match token {
                TokenTree::Ident(ident) => self.note_local(&ident, found),
                TokenTree::Group(group) => self.scan_tokens(group.stream(), found),
                TokenTree::Literal(literal) => {
                    let text = literal.to_string();
                    if text.starts_with('"') || text.starts_with('r') {
                        for name in inline_format_args(&text) {
                            self.note_local(&Ident::new(&name, literal.span()), found);
                        }
                    }
                }
                TokenTree::Punct(_) => {}
            }
        }
    }

    pub(super) fn note_local(&self, ident: &Ident, found: &mut Vec<(Ident, ValueId)>) {
        let name = ident.to_string();
        if found.iter().any(|(known, _)| *known == name) {
            return;
        }
        if let Some(Binding {
            operand: Some(operand),
            ..
        }) = self.lookup(&name)
        {
            found.push((ident.clone(), operand.value));
        }
    }
}

struct FreeLocals<'b, 'a> {
    builder: &'b Builder<'a>,
    found: Vec<(Ident, ValueId)>,
    /// The names bound inside the expression at the current point.
    bound: Vec<String>,
}

impl FreeLocals<'_, '_> {
    fn note(&mut self, ident: &Ident) {
        if !self.bound.iter().any(|name| ident == name) {
            self.builder.note_local(ident, &mut self.found);
        }
    }

    fn bind(&mut self, pat: &syn::Pat) -> usize {
        let mark = self.bound.len();
        self.bound
            .extend(pattern_idents(pat).iter().map(ToString::to_string));
        mark
    }
}

impl<'ast> Visit<'ast> for FreeLocals<'_, '_> {
    fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
        if let Some(ident) = single_ident(path) {
            self.note(ident);
        }
        syn::visit::visit_expr_path(self, path);
    }

    fn visit_field_value(&mut self, field: &'ast syn::FieldValue) {
        if field.colon_token.is_none() {
            if let syn::Member::Named(ident) = &field.member {
                self.note(ident);
            }
        }
        syn::visit::visit_field_value(self, field);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let mut found = Vec::new();
        self.builder.scan_tokens(mac.tokens.clone(), &mut found);
        for (ident, _) in found {
            self.note(&ident);
        }
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        let mark = self.bound.len();
        for input in &closure.inputs {
            self.bind(input);
        }
        self.visit_expr(&closure.body);
        self.bound.truncate(mark);
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        let mark = self.bind(&arm.pat);
        if let Some((_, guard)) = &arm.guard {
            self.visit_expr(guard);
        }
        self.visit_expr(&arm.body);
        self.bound.truncate(mark);
    }

    fn visit_expr_for_loop(&mut self, expr: &'ast syn::ExprForLoop) {
        self.visit_expr(&expr.expr);
        let mark = self.bind(&expr.pat);
        self.visit_block(&expr.body);
        self.bound.truncate(mark);
    }

    fn visit_expr_if(&mut self, expr: &'ast syn::ExprIf) {
        // `if let P = e { then }`: the pattern's names are bound in `then`
        // (and, for let chains, in the rest of the condition).
        let mark = self.bound.len();
        self.visit_expr(&expr.cond);
        self.visit_block(&expr.then_branch);
        self.bound.truncate(mark);
        if let Some((_, otherwise)) = &expr.else_branch {
            self.visit_expr(otherwise);
        }
    }

    fn visit_expr_while(&mut self, expr: &'ast syn::ExprWhile) {
        let mark = self.bound.len();
        self.visit_expr(&expr.cond);
        self.visit_block(&expr.body);
        self.bound.truncate(mark);
    }

    fn visit_expr_let(&mut self, expr: &'ast syn::ExprLet) {
        // Bound until the enclosing `if`/`while` ends its scope.
        self.visit_expr(&expr.expr);
        self.bind(&expr.pat);
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        let mark = self.bound.len();
        for stmt in &block.stmts {
            match stmt {
                syn::Stmt::Local(local) => {
                    if let Some(init) = &local.init {
                        self.visit_expr(&init.expr);
                        if let Some((_, diverge)) = &init.diverge {
                            self.visit_expr(diverge);
                        }
                    }
                    self.bind(&local.pat);
                }
                other => self.visit_stmt(other),
            }
        }
        self.bound.truncate(mark);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {
        // Items cannot read the function's locals.
    }
}

/// The names a pattern binds.
pub(crate) fn pattern_idents(pat: &syn::Pat) -> Vec<Ident> {
    struct Finder(Vec<Ident>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
            self.0.push(pat.ident.clone());
            syn::visit::visit_pat_ident(self, pat);
        }
    }
    let mut finder = Finder(Vec::new());
    finder.visit_pat(pat);
    finder.0
}

/// The names used as inline arguments in a format string literal:
/// `"{x} and {y:.3}"` gives `x`, `y`.
pub(super) fn inline_format_args(literal: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut chars = literal.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '{' {
            continue;
        }
        if chars.peek() == Some(&'{') {
            chars.next();
            continue;
        }
        let name: String = chars
            .clone()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        {
            names.push(name);
        }
    }
    names
}
