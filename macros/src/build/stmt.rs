//! Blocks and statements: `let` (names, tuples, `_`), assignments and
//! compound assignments as renamings, statements kept for their effect.

use super::{Builder, compound_op, is_untyped_float, single_ident};
use crate::ir::{ArithOp, Effect, Op, Operand, Projection, Stmt};
use proc_macro2::TokenStream;
use syn::spanned::Spanned;

impl Builder<'_> {
    pub(super) fn lower_fn_body(&mut self, body: &syn::Block) -> Operand {
        let span = body.span();
        let stmts = &body.stmts;
        // A trailing `return e;` is the tail expression `e`.
        if let Some(syn::Stmt::Expr(syn::Expr::Return(ret), _)) = stmts.last() {
            for stmt in &stmts[..stmts.len() - 1] {
                self.lower_stmt(stmt, false);
            }
            return match &ret.expr {
                Some(expr) => self.lower(expr),
                None => {
                    self.cx
                        .error_spanned_by(ret, "a differentiable function must return a value");
                    self.placeholder(span)
                }
            };
        }
        match self.lower_stmts(stmts) {
            Some(tail) => tail,
            None => {
                let at = stmts
                    .last()
                    .map_or(body.brace_token.span.close(), Spanned::span);
                self.cx.error_at(
                    at,
                    "a differentiable function must end with the expression it returns",
                );
                self.placeholder(span)
            }
        }
    }

    /// Lowers statements into the current block and returns the value of the
    /// tail expression, if any.
    pub(super) fn lower_stmts(&mut self, stmts: &[syn::Stmt]) -> Option<Operand> {
        let mut tail = None;
        for (index, stmt) in stmts.iter().enumerate() {
            let is_last = index + 1 == stmts.len();
            tail = self.lower_stmt(stmt, is_last);
        }
        tail
    }

    /// Lowers a block in a scope of its own.
    pub(super) fn lower_scoped(&mut self, block: &syn::Block) -> Option<Operand> {
        self.scopes.push(Vec::new());
        let tail = self.lower_stmts(&block.stmts);
        self.scopes.pop();
        tail
    }

    pub(super) fn lower_stmt(&mut self, stmt: &syn::Stmt, is_last: bool) -> Option<Operand> {
        match stmt {
            syn::Stmt::Local(local) => {
                self.lower_local(local);
                None
            }
            syn::Stmt::Item(item) => {
                self.items.push(item.clone());
                None
            }
            syn::Stmt::Macro(mac) => {
                self.effect(stmt, mac.mac.tokens.clone());
                None
            }
            // `{ total += e }`, `{ for .. { .. } }`: an assignment or a loop
            // ending a block is a statement.
            syn::Stmt::Expr(
                expr @ (syn::Expr::Assign(_) | syn::Expr::Binary(_) | syn::Expr::ForLoop(_)),
                None,
            ) if is_last && (is_assignment(expr) || matches!(expr, syn::Expr::ForLoop(_))) => {
                self.lower_statement_expr(stmt, expr);
                None
            }
            syn::Stmt::Expr(expr, None) if is_last => Some(self.lower(expr)),
            syn::Stmt::Expr(expr, _) => {
                self.lower_statement_expr(stmt, expr);
                None
            }
        }
    }

    pub(super) fn lower_statement_expr(&mut self, stmt: &syn::Stmt, expr: &syn::Expr) {
        match expr {
            syn::Expr::Assign(assign) => self.assign(&assign.left, None, &assign.right, expr),
            syn::Expr::Binary(binary) if compound_op(&binary.op).is_some() => {
                self.assign(&binary.left, compound_op(&binary.op), &binary.right, expr);
            }
            syn::Expr::Macro(mac) => self.effect(stmt, mac.mac.tokens.clone()),
            syn::Expr::If(expr_if) => {
                self.lower_if(expr_if);
            }
            syn::Expr::Match(expr_match) => {
                self.lower_match(expr_match);
            }
            syn::Expr::ForLoop(expr_for) => self.lower_for(expr_for),
            syn::Expr::Block(block) if block.label.is_none() => {
                self.lower_scoped(&block.block);
            }
            _ if self.mentions_locals(expr) => {
                // An expression statement (`f(x);`): kept for its effect; it
                // cannot change a local, so it has no derivative.
                let uses = self.free_locals(expr);
                self.current.push(Stmt::Effect(Box::new(Effect {
                    stmt: stmt.clone(),
                    uses,
                })));
            }
            _ => {
                self.current.push(Stmt::Effect(Box::new(Effect {
                    stmt: stmt.clone(),
                    uses: Vec::new(),
                })));
            }
        }
    }

    pub(super) fn effect(&mut self, stmt: &syn::Stmt, tokens: TokenStream) {
        let uses = self.locals_in_tokens(tokens);
        self.current.push(Stmt::Effect(Box::new(Effect {
            stmt: stmt.clone(),
            uses,
        })));
    }

    pub(super) fn lower_local(&mut self, local: &syn::Local) {
        if let Some(init) = &local.init {
            if let Some((_, diverge)) = &init.diverge {
                self.cx.error_spanned_by(
                    diverge,
                    "`let ... else` is not supported; use `if` on a condition instead",
                );
            }
        }
        let (pat, ty) = match &local.pat {
            syn::Pat::Type(typed) => (&*typed.pat, Some((*typed.ty).clone())),
            other => (other, None),
        };
        match pat {
            syn::Pat::Ident(pat_ident) => {
                if pat_ident.by_ref.is_some() || pat_ident.subpat.is_some() {
                    self.cx.error_spanned_by(
                        pat_ident,
                        "`ref` bindings and `@` patterns are not supported; bind by value",
                    );
                }
                let name = pat_ident.ident.to_string();
                let operand = local
                    .init
                    .as_ref()
                    .map(|init| self.lower_named(&init.expr, &name, ty.clone()));
                let declared_ty = if operand.is_none() { ty } else { None };
                self.bind(name, operand, declared_ty);
            }
            syn::Pat::Wild(_) => {
                if let Some(init) = &local.init {
                    if self.mentions_locals(&init.expr) {
                        let uses = self.free_locals(&init.expr);
                        self.current.push(Stmt::Effect(Box::new(Effect {
                            stmt: syn::Stmt::Local(local.clone()),
                            uses,
                        })));
                    }
                }
            }
            syn::Pat::Tuple(tuple) => {
                let Some(init) = &local.init else {
                    self.cx.error_spanned_by(
                        &local.pat,
                        "a tuple pattern needs a value: `let (a, b) = ...;`",
                    );
                    return;
                };
                let literal = match &*init.expr {
                    syn::Expr::Tuple(literal) if literal.elems.len() == tuple.elems.len() => {
                        Some(literal)
                    }
                    _ => None,
                };
                // `let (a, b) = (x, y);` binds each element; `let (a, b) = f(x);`
                // binds the fields `.0`, `.1` of the value.
                let whole = literal.is_none().then(|| self.lower(&init.expr));
                let mut bindings = Vec::new();
                for (position, pat) in tuple.elems.iter().enumerate() {
                    match pat {
                        syn::Pat::Ident(pat_ident)
                            if pat_ident.by_ref.is_none() && pat_ident.subpat.is_none() =>
                        {
                            let name = pat_ident.ident.to_string();
                            let operand = match (literal, whole) {
                                (Some(literal), _) => {
                                    self.lower_named(&literal.elems[position], &name, None)
                                }
                                (None, Some(base)) => {
                                    let member = syn::Member::Unnamed(syn::Index::from(position));
                                    let projection = Projection::Field(member);
                                    let id = self.new_value(
                                        Op::Project { base, projection },
                                        pat.span(),
                                        Some(name.clone()),
                                        None,
                                    );
                                    self.current.push(Stmt::Def(id));
                                    Operand::plain(id)
                                }
                                (None, None) => unreachable!("a literal or a value"),
                            };
                            bindings.push((name, operand));
                        }
                        syn::Pat::Wild(_) => {}
                        other => self.cx.error_spanned_by(
                            other,
                            "only names and `_` are supported inside tuple patterns",
                        ),
                    }
                }
                for (name, operand) in bindings {
                    self.bind(name, Some(operand), None);
                }
            }
            other => self.cx.error_spanned_by(
                other,
                "this pattern is not supported in a differentiable function; bind a name",
            ),
        }
    }

    /// Lowers the value bound to the variable `name`, naming the value after
    /// it when the value is new (`let y = x;` merely aliases `x`).
    pub(super) fn lower_named(
        &mut self,
        expr: &syn::Expr,
        name: &str,
        ty: Option<syn::Type>,
    ) -> Operand {
        let first_new = self.values.len();
        let operand = self.lower(expr);
        let operand = self.held(operand, expr.span());
        let value = &mut self.values[operand.value.index()];
        if operand.value.index() >= first_new && value.name.is_none() {
            value.name = Some(name.to_owned());
            if value.ty.is_none() {
                value.ty = ty;
            }
        }
        operand
    }

    /// `place = value` or `place op= value`.
    pub(super) fn assign(
        &mut self,
        place: &syn::Expr,
        op: Option<ArithOp>,
        value: &syn::Expr,
        whole: &syn::Expr,
    ) {
        let name = match place {
            syn::Expr::Path(path) => single_ident(path).map(ToString::to_string),
            _ => None,
        };
        let Some(name) = name.filter(|name| self.lookup(name).is_some()) else {
            self.cx.error_spanned_by(
                place,
                "assignment through a reference, field or index is not supported; assign to a local variable (`let mut y = ...; y = ...;`)",
            );
            return;
        };
        let binding = self.lookup(&name).expect("checked above").clone();
        let operand = match op {
            None => {
                let first_new = self.values.len();
                let operand = self.lower(value);
                let operand = self.held(operand, value.span());
                if operand.value.index() >= first_new
                    && self.values[operand.value.index()].name.is_none()
                {
                    self.values[operand.value.index()].name = Some(name.clone());
                    if self.values[operand.value.index()].ty.is_none() {
                        self.values[operand.value.index()].ty = binding.declared_ty.clone();
                    }
                    let new = &mut self.values[operand.value.index()];
                    if new.ty.is_none() && is_untyped_float(&new.op) {
                        new.like = binding.first;
                    }
                }
                operand
            }
            Some(op) => {
                let Some(current) = binding.operand else {
                    self.cx
                        .error_spanned_by(place, format!("`{name}` is used before it is assigned"));
                    return;
                };
                let rhs = self.lower(value);
                let id = self.new_value(
                    Op::Arith {
                        op,
                        lhs: current,
                        rhs,
                    },
                    whole.span(),
                    Some(name.clone()),
                    None,
                );
                self.current.push(Stmt::Def(id));
                Operand::plain(id)
            }
        };
        let binding = self.lookup_mut(&name).expect("checked above");
        binding.operand = Some(operand);
        binding.first.get_or_insert(operand.value);
    }
}

/// Whether `expr` is `place = value` or `place op= value`.
fn is_assignment(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Assign(_) => true,
        syn::Expr::Binary(binary) => compound_op(&binary.op).is_some(),
        _ => false,
    }
}
