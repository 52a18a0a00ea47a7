//! Building the IR from the user's function: every expression becomes a
//! value, variables become renamings, `if` becomes a region.
//!
//! Before:
//! ```text
//! fn f(x: f64, k: f64) -> f64 {
//!     let mut y = x * k;
//!     if y > 1.0 { y = y.ln(); }
//!     y + 1.0
//! }
//! ```
//! After (as printed by `Display`):
//! ```text
//! v0 = param 0
//! v1 = param 1
//! v2 = mul v0, v1
//! v3 = opaque.zero v2
//! if v3 {
//!     v4 = builtin.ln v2
//! } else {
//! }
//! v5 = phi v4, v2
//! v6 = const
//! v7 = add v5, v6
//! return v7
//! ```

use crate::ctxt::Ctxt;
use crate::ir::{
    Access, ArithOp, Block, Carried, Effect, ForRegion, Function, IfRegion, LoopId, Op, Opacity,
    Operand, Phi, Projection, Stmt, Value, ValueId,
};
use crate::rules;
use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::visit::Visit;

/// A parameter of the differentiated function.
#[derive(Clone, Debug)]
pub(crate) struct Param {
    /// The name (`self` for a receiver).
    pub(crate) ident: Ident,
    /// The declared type (`Self` or `&Self` for a receiver).
    pub(crate) ty: syn::Type,
    /// Whether the parameter is a shared reference (`&T`, `&self`).
    pub(crate) is_ref: bool,
}

impl Param {
    /// The parameter's type without the reference: the type of its
    /// gradient.
    pub(crate) fn value_type(&self) -> syn::Type {
        match &self.ty {
            syn::Type::Reference(reference) => (*reference.elem).clone(),
            other => other.clone(),
        }
    }
}

#[derive(Clone, Debug)]
struct Binding {
    name: String,
    /// The value the variable was first bound to (its type is the
    /// variable's).
    first: Option<ValueId>,
    /// `None` for `let x;` before its first assignment.
    operand: Option<Operand>,
    /// The type of `let x: T;`, given to the value first assigned.
    declared_ty: Option<syn::Type>,
}

/// Builds the IR of one function body.
pub(crate) struct Builder<'a> {
    cx: &'a Ctxt,
    values: Vec<Value>,
    scopes: Vec<Vec<Binding>>,
    current: Vec<Stmt>,
    items: Vec<syn::Item>,
    /// The places (`x[i]`, `p.a`) read in the block being built, so that
    /// reading one twice gives one value (and `x[i] * x[i]` is a square).
    /// One map per block: a place read inside a branch is not shared with
    /// reads outside it.
    places: Vec<HashMap<String, ValueId>>,
    /// How many `for` loops were lowered so far (the next loop's id).
    loops: usize,
}

impl<'a> Builder<'a> {
    /// Lowers `body` of a function with `params`; unsupported constructs are
    /// recorded in `cx` (and lowered to placeholders so that every error is
    /// found in one pass).
    pub(crate) fn build(cx: &'a Ctxt, params: &[Param], body: &syn::Block) -> Function {
        let mut builder = Builder {
            cx,
            values: Vec::new(),
            scopes: vec![Vec::new()],
            current: Vec::new(),
            items: Vec::new(),
            places: vec![HashMap::new()],
            loops: 0,
        };
        for (index, param) in params.iter().enumerate() {
            let id = builder.new_value(
                Op::Param { index },
                param.ident.span(),
                Some(param.ident.to_string()),
                None,
            );
            builder.bind(param.ident.to_string(), Some(Operand::plain(id)), None);
        }
        let result = builder.lower_fn_body(body);
        let body = Block {
            stmts: std::mem::take(&mut builder.current),
        };
        Function {
            values: builder.values,
            body,
            result,
            items: builder.items,
        }
    }

    // ---- values and scopes ------------------------------------------------

    fn new_value(
        &mut self,
        op: Op,
        span: Span,
        name: Option<String>,
        ty: Option<syn::Type>,
    ) -> ValueId {
        let id = ValueId::from_index(self.values.len());
        self.values.push(Value {
            op,
            name,
            ty,
            span,
            like: None,
        });
        id
    }

    /// Creates a value defined by a statement of the current block.
    fn define(&mut self, op: Op, span: Span) -> Operand {
        let id = self.new_value(op, span, None, None);
        self.current.push(Stmt::Def(id));
        Operand::plain(id)
    }

    fn bind(&mut self, name: String, operand: Option<Operand>, declared_ty: Option<syn::Type>) {
        self.scopes.last_mut().expect("a scope").push(Binding {
            name,
            first: operand.map(|operand| operand.value),
            operand,
            declared_ty,
        });
    }

    fn lookup(&self, name: &str) -> Option<&Binding> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.iter().rev())
            .find(|binding| binding.name == name)
    }

    fn lookup_mut(&mut self, name: &str) -> Option<&mut Binding> {
        self.scopes
            .iter_mut()
            .rev()
            .flat_map(|scope| scope.iter_mut().rev())
            .find(|binding| binding.name == name)
    }

    /// A placeholder after an error, so lowering can go on.
    fn placeholder(&mut self, span: Span) -> Operand {
        self.define(
            Op::Const {
                expr: syn::parse_quote_spanned!(span=> ()),
            },
            span,
        )
    }

    // ---- blocks and statements ---------------------------------------------

    fn lower_fn_body(&mut self, body: &syn::Block) -> Operand {
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
    fn lower_stmts(&mut self, stmts: &[syn::Stmt]) -> Option<Operand> {
        let mut tail = None;
        for (index, stmt) in stmts.iter().enumerate() {
            let is_last = index + 1 == stmts.len();
            tail = self.lower_stmt(stmt, is_last);
        }
        tail
    }

    /// Lowers a block in a scope of its own.
    fn lower_scoped(&mut self, block: &syn::Block) -> Option<Operand> {
        self.scopes.push(Vec::new());
        let tail = self.lower_stmts(&block.stmts);
        self.scopes.pop();
        tail
    }

    fn lower_stmt(&mut self, stmt: &syn::Stmt, is_last: bool) -> Option<Operand> {
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
            syn::Stmt::Expr(expr, None) if is_last => Some(self.lower(expr)),
            syn::Stmt::Expr(expr, _) => {
                self.lower_statement_expr(stmt, expr);
                None
            }
        }
    }

    fn lower_statement_expr(&mut self, stmt: &syn::Stmt, expr: &syn::Expr) {
        match expr {
            syn::Expr::Assign(assign) => self.assign(&assign.left, None, &assign.right, expr),
            syn::Expr::Binary(binary) if compound_op(&binary.op).is_some() => {
                self.assign(&binary.left, compound_op(&binary.op), &binary.right, expr);
            }
            syn::Expr::Macro(mac) => self.effect(stmt, mac.mac.tokens.clone()),
            syn::Expr::If(expr_if) => {
                self.lower_if(expr_if);
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

    fn effect(&mut self, stmt: &syn::Stmt, tokens: TokenStream) {
        let uses = self.locals_in_tokens(tokens);
        self.current.push(Stmt::Effect(Box::new(Effect {
            stmt: stmt.clone(),
            uses,
        })));
    }

    fn lower_local(&mut self, local: &syn::Local) {
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
    fn lower_named(&mut self, expr: &syn::Expr, name: &str, ty: Option<syn::Type>) -> Operand {
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
    fn assign(
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

    /// The operand as a variable holds it: `*x` becomes a copy (a value of
    /// its own), so that loops and branches that carry or merge the
    /// variable see a value, not an access to repeat.
    fn held(&mut self, operand: Operand, span: Span) -> Operand {
        if operand.access == Access::Deref {
            self.define(Op::Copy { arg: operand }, span)
        } else {
            operand
        }
    }

    // ---- expressions ---------------------------------------------------------

    /// Lowers an expression to the operand holding its value.
    fn lower(&mut self, expr: &syn::Expr) -> Operand {
        match expr {
            syn::Expr::Paren(paren) => return self.lower(&paren.expr),
            syn::Expr::Group(group) => return self.lower(&group.expr),
            syn::Expr::Path(path) => {
                if let Some(ident) = single_ident(path) {
                    if let Some(binding) = self.lookup(&ident.to_string()) {
                        return match binding.operand {
                            Some(operand) => operand,
                            None => {
                                self.cx.error_spanned_by(
                                    path,
                                    format!("`{ident}` is used before it is assigned"),
                                );
                                self.placeholder(path.span())
                            }
                        };
                    }
                }
            }
            _ => {}
        }
        if !self.mentions_locals(expr) {
            return self.define(Op::Const { expr: expr.clone() }, expr.span());
        }
        let span = expr.span();
        match expr {
            syn::Expr::Binary(binary) => {
                if let Some(op) = arith_op(&binary.op) {
                    let lhs = self.lower(&binary.left);
                    let rhs = self.lower(&binary.right);
                    return self.define(Op::Arith { op, lhs, rhs }, span);
                }
                if compound_op(&binary.op).is_some() {
                    self.cx.error_spanned_by(expr, "compound assignment inside an expression is not supported; make it a statement");
                    return self.placeholder(span);
                }
                let opacity = match binary.op {
                    syn::BinOp::Rem(_) => Opacity::Unsupported(
                        "the `%` operator is not differentiable by tapeless; write `a - b * (a / b).trunc()`".to_owned(),
                    ),
                    syn::BinOp::BitAnd(_)
                    | syn::BinOp::BitOr(_)
                    | syn::BinOp::BitXor(_)
                    | syn::BinOp::Shl(_)
                    | syn::BinOp::Shr(_) => Opacity::Unsupported("bitwise operators have no derivative".to_owned()),
                    _ => Opacity::ZeroDerivative,
                };
                self.opaque(expr, opacity)
            }
            syn::Expr::Unary(unary) => match unary.op {
                syn::UnOp::Neg(_) => {
                    let arg = self.lower(&unary.expr);
                    self.define(Op::Neg { arg }, span)
                }
                syn::UnOp::Deref(_) => {
                    let inner = self.lower(&unary.expr);
                    self.with_access(inner, Access::Deref, expr)
                }
                _ => self.opaque(expr, Opacity::ZeroDerivative),
            },
            syn::Expr::Reference(reference) => {
                if reference.mutability.is_some() {
                    self.cx.error_spanned_by(expr, "`&mut` borrows are not supported in a differentiable function; pass values or `&`");
                    return self.placeholder(span);
                }
                let inner = self.lower(&reference.expr);
                self.with_access(inner, Access::Ref, expr)
            }
            syn::Expr::MethodCall(call) => self.lower_method_call(call),
            syn::Expr::Call(call) => self.lower_call(call),
            syn::Expr::Cast(cast) => {
                let opacity = if is_integer_type(&cast.ty) {
                    Opacity::ZeroDerivative
                } else {
                    Opacity::Unsupported(
                        "an `as` cast of a differentiated value has no derivative rule; keep the computation in one float type"
                            .to_owned(),
                    )
                };
                self.opaque(expr, opacity)
            }
            syn::Expr::If(expr_if) => match self.lower_if(expr_if) {
                Some(operand) => operand,
                None => self.define(Op::Const { expr: syn::parse_quote_spanned!(span=> ()) }, span),
            },
            syn::Expr::Block(block) if block.label.is_none() => match self.lower_scoped(&block.block) {
                Some(tail) => tail,
                None => self.define(Op::Const { expr: syn::parse_quote_spanned!(span=> ()) }, span),
            },
            syn::Expr::Macro(_) => self.opaque(
                expr,
                Opacity::Unsupported(
                    "a macro call cannot be differentiated; compute the value outside the macro, in plain Rust".to_owned(),
                ),
            ),
            syn::Expr::Field(field) => {
                let base = self.lower(&field.base);
                let projection = Projection::Field(field.member.clone());
                self.place(base, projection, span)
            }
            syn::Expr::Index(index) => {
                let base = self.lower(&index.expr);
                let position = self.lower(&index.index);
                self.place(base, Projection::Index(position), span)
            }
            syn::Expr::Tuple(tuple) => {
                let elements = tuple.elems.iter().map(|e| self.lower(e)).collect();
                self.define(Op::Tuple { elements }, span)
            }
            syn::Expr::Array(array) => {
                let elements = array.elems.iter().map(|e| self.lower(e)).collect();
                self.define(Op::Array { elements }, span)
            }
            syn::Expr::Struct(literal) if literal.rest.is_none() && literal.qself.is_none() => {
                let fields = literal
                    .fields
                    .iter()
                    .map(|field| (field.member.clone(), self.lower(&field.expr)))
                    .collect();
                self.define(Op::Struct { path: literal.path.clone(), fields }, span)
            }
            syn::Expr::Struct(_) | syn::Expr::Repeat(_) => self.opaque(
                expr,
                Opacity::Unsupported(
                    "struct update syntax (`..base`) and `[x; N]` of differentiated values are not supported; write every field or element"
                        .to_owned(),
                ),
            ),
            syn::Expr::Match(_) => self.opaque(
                expr,
                Opacity::Unsupported("`match` is not supported in a differentiable function; use `if`/`else`".to_owned()),
            ),
            syn::Expr::ForLoop(expr_for) => {
                self.lower_for(expr_for);
                self.define(Op::Const { expr: syn::parse_quote_spanned!(span=> ()) }, span)
            }
            syn::Expr::While(_)
            | syn::Expr::Loop(_)
            | syn::Expr::Break(_)
            | syn::Expr::Continue(_)
            | syn::Expr::Return(_)
            | syn::Expr::Try(_)
            | syn::Expr::Closure(_)
            | syn::Expr::Unsafe(_)
            | syn::Expr::Async(_)
            | syn::Expr::Await(_)
            | syn::Expr::TryBlock(_)
            | syn::Expr::Yield(_)
            | syn::Expr::Block(_) => self.opaque(expr, Opacity::Reported),
            _ => self.opaque(expr, Opacity::Unsupported("this expression cannot be differentiated".to_owned())),
        }
    }

    /// A place inside `base`, the same value as an earlier read of the same
    /// place in this block.
    fn place(&mut self, base: Operand, projection: Projection, span: Span) -> Operand {
        let key = match &projection {
            Projection::Field(member) => {
                format!("{base:?}.{}", quote::ToTokens::to_token_stream(member))
            }
            Projection::Index(index) => format!("{base:?}[{index:?}]"),
        };
        if let Some(value) = self.places.last().and_then(|places| places.get(&key)) {
            return Operand::plain(*value);
        }
        let operand = self.define(Op::Project { base, projection }, span);
        self.places
            .last_mut()
            .expect("a block")
            .insert(key, operand.value);
        operand
    }

    fn with_access(&mut self, inner: Operand, access: Access, expr: &syn::Expr) -> Operand {
        let combined = match (inner.access, access) {
            (Access::Plain, access) => access,
            (Access::Ref, Access::Deref) | (Access::Deref, Access::Ref) => Access::Plain,
            _ => {
                self.cx
                    .error_spanned_by(expr, "nested references are not supported; borrow once");
                Access::Plain
            }
        };
        Operand {
            value: inner.value,
            access: combined,
        }
    }

    fn opaque(&mut self, expr: &syn::Expr, opacity: Opacity) -> Operand {
        let uses = self.free_locals(expr);
        self.define(
            Op::Opaque {
                expr: expr.clone(),
                uses,
                opacity,
            },
            expr.span(),
        )
    }

    fn lower_method_call(&mut self, call: &syn::ExprMethodCall) -> Operand {
        let span = call.span();
        let name = call.method.to_string();
        let expr = syn::Expr::MethodCall(call.clone());
        if name == "clone" && call.args.is_empty() {
            // `x.clone()` has the value (and so the derivative) of `x`.
            let receiver = self.lower(&call.receiver);
            return Operand::plain(receiver.value);
        }
        if rules::ZERO_DERIVATIVE.contains(&name.as_str()) {
            return self.opaque(&expr, Opacity::ZeroDerivative);
        }
        let receiver = self.lower(&call.receiver);
        let args: Vec<Operand> = call.args.iter().map(|arg| self.lower(arg)).collect();
        if let Some(rule) = rules::method(&name, args.len()) {
            if call.turbofish.is_none() {
                return self.define(
                    Op::Builtin {
                        method: call.method.clone(),
                        rule,
                        receiver,
                        args,
                    },
                    span,
                );
            }
        }
        let spans = std::iter::once(call.receiver.span())
            .chain(call.args.iter().map(Spanned::span))
            .collect();
        self.define(
            Op::MethodCall {
                spans,
                receiver,
                method: call.method.clone(),
                turbofish: call.turbofish.clone(),
                args,
            },
            span,
        )
    }

    fn lower_call(&mut self, call: &syn::ExprCall) -> Operand {
        let span = call.span();
        let syn::Expr::Path(func) = &*call.func else {
            return self.opaque(
                &syn::Expr::Call(call.clone()),
                Opacity::Unsupported(
                    "calling a function value cannot be differentiated; call a named function"
                        .to_owned(),
                ),
            );
        };
        let last = func.path.segments.last().expect("a path has a segment");
        let name = last.ident.to_string();
        if let Some(kind) = nalgebra_constructor(func) {
            let args: Vec<Operand> = call.args.iter().map(|arg| self.lower(arg)).collect();
            return match (kind, args.as_slice()) {
                (Constructor::New, _) => self.define(
                    Op::NewMatrix {
                        func: func.clone(),
                        args,
                    },
                    span,
                ),
                (Constructor::From, [arg]) => self.define(
                    Op::VectorFrom {
                        func: func.clone(),
                        arg: *arg,
                    },
                    span,
                ),
                (Constructor::From, _) => self.placeholder(span),
            };
        }
        if is_type_qualified(func) && !call.args.is_empty() {
            if rules::ZERO_DERIVATIVE.contains(&name.as_str()) {
                return self.opaque(&syn::Expr::Call(call.clone()), Opacity::ZeroDerivative);
            }
            if rules::is_builtin_name(&name) {
                if let Some(rule) = rules::method(&name, call.args.len() - 1) {
                    // `f64::max(a, b)` is the method call `a.max(b)`.
                    let receiver = self.lower(&call.args[0]);
                    let args = call
                        .args
                        .iter()
                        .skip(1)
                        .map(|arg| self.lower(arg))
                        .collect();
                    let method = Ident::new(&name, last.ident.span());
                    return self.define(
                        Op::Builtin {
                            method,
                            rule,
                            receiver,
                            args,
                        },
                        span,
                    );
                }
            }
        }
        let args = call.args.iter().map(|arg| self.lower(arg)).collect();
        let spans = call.args.iter().map(Spanned::span).collect();
        self.define(
            Op::Call {
                func: func.clone(),
                args,
                spans,
            },
            span,
        )
    }

    /// Lowers a `for` loop: the outer variables its body assigns become
    /// carried values (header, next, out).
    fn lower_for(&mut self, expr_for: &syn::ExprForLoop) {
        let span = expr_for.span();
        if let Some(label) = &expr_for.label {
            self.cx.error_spanned_by(
                label,
                "labeled loops are not supported in a differentiable function",
            );
        }
        let iter_uses = self.free_locals(&expr_for.expr);
        let mut carried = Vec::new();
        for name in assigned_names(&expr_for.body) {
            let Some((depth, index)) = self.position(&name) else {
                continue;
            };
            let Some(init) = self.scopes[depth][index].operand else {
                continue;
            };
            let header = self.new_value(Op::LoopHeader, span, Some(name.clone()), None);
            self.scopes[depth][index].operand = Some(Operand::plain(header));
            carried.push((depth, index, init.value, header));
        }
        self.scopes.push(Vec::new());
        let mut bindings = Vec::new();
        for ident in pattern_idents(&expr_for.pat) {
            let id = self.new_value(Op::LoopVar, ident.span(), Some(ident.to_string()), None);
            self.bind(ident.to_string(), Some(Operand::plain(id)), None);
            bindings.push((ident, id));
        }
        let (body, _) = self.lower_branch(|builder| {
            builder.lower_scoped(&expr_for.body);
            None
        });
        self.scopes.pop();
        let carried = carried
            .into_iter()
            .map(|(depth, index, init, header)| {
                let next = self.scopes[depth][index]
                    .operand
                    .expect("assigned in the body")
                    .value;
                let name = self.scopes[depth][index].name.clone();
                let out = self.new_value(Op::LoopOut, span, Some(name), None);
                self.scopes[depth][index].operand = Some(Operand::plain(out));
                Carried {
                    init,
                    header,
                    next,
                    out,
                }
            })
            .collect();
        let id = LoopId(u32::try_from(self.loops).expect("fewer than 2^32 loops"));
        self.loops += 1;
        self.current.push(Stmt::For(Box::new(ForRegion {
            id,
            pat: (*expr_for.pat).clone(),
            bindings,
            iter: (*expr_for.expr).clone(),
            iter_uses,
            body,
            carried,
            span,
        })));
    }

    fn position(&self, name: &str) -> Option<(usize, usize)> {
        self.scopes
            .iter()
            .enumerate()
            .rev()
            .find_map(|(depth, scope)| {
                scope
                    .iter()
                    .rposition(|binding| binding.name == name)
                    .map(|index| (depth, index))
            })
    }

    /// Lowers an `if` region; returns its value if both branches have one.
    fn lower_if(&mut self, expr_if: &syn::ExprIf) -> Option<Operand> {
        let span = expr_if.span();
        if let syn::Expr::Let(expr_let) = &*expr_if.cond {
            self.cx.error_spanned_by(
                expr_let,
                "`if let` is not supported in a differentiable function; use `if` on a condition",
            );
            return None;
        }
        let condition = self.lower(&expr_if.cond).value;
        let entry = self.scopes.clone();

        let (then_block, then_tail) = self.lower_branch(|builder| {
            let tail = builder.lower_scoped(&expr_if.then_branch)?;
            Some(builder.held(tail, span))
        });
        let then_scopes = std::mem::replace(&mut self.scopes, entry.clone());
        let (else_block, else_tail) = match &expr_if.else_branch {
            Some((_, else_expr)) => self.lower_branch(|builder| {
                let tail = match &**else_expr {
                    syn::Expr::If(nested) => builder.lower_if(nested),
                    syn::Expr::Block(block) => builder.lower_scoped(&block.block),
                    other => Some(builder.lower(other)),
                }?;
                Some(builder.held(tail, span))
            }),
            None => (Block::default(), None),
        };
        let else_scopes = std::mem::replace(&mut self.scopes, entry);

        let mut phis = Vec::new();
        for (depth, scope) in then_scopes.iter().enumerate() {
            for (index, then_binding) in scope.iter().enumerate() {
                let else_binding = &else_scopes[depth][index];
                let (Some(then_operand), Some(else_operand)) =
                    (then_binding.operand, else_binding.operand)
                else {
                    continue;
                };
                let entry_operand = self.scopes[depth][index].operand;
                if then_operand == else_operand {
                    self.scopes[depth][index].operand = Some(then_operand);
                    continue;
                }
                if entry_operand == Some(then_operand) && entry_operand == Some(else_operand) {
                    continue;
                }
                let out = self.new_value(Op::Phi, span, Some(then_binding.name.clone()), None);
                phis.push(Phi {
                    out,
                    then_value: then_operand.value,
                    else_value: else_operand.value,
                });
                self.scopes[depth][index].operand = Some(Operand::plain(out));
            }
        }
        let result = match (then_tail, else_tail) {
            (Some(then_operand), Some(else_operand)) => {
                let out = self.new_value(Op::Phi, span, None, None);
                phis.push(Phi {
                    out,
                    then_value: then_operand.value,
                    else_value: else_operand.value,
                });
                Some(Operand::plain(out))
            }
            _ => None,
        };
        self.current.push(Stmt::If(IfRegion {
            condition,
            then_block,
            else_block,
            phis,
        }));
        result
    }

    fn lower_branch(
        &mut self,
        lower: impl FnOnce(&mut Self) -> Option<Operand>,
    ) -> (Block, Option<Operand>) {
        let outer = std::mem::take(&mut self.current);
        self.places.push(HashMap::new());
        let tail = lower(self);
        self.places.pop();
        let block = Block {
            stmts: std::mem::replace(&mut self.current, outer),
        };
        (block, tail)
    }

    // ---- free variables ----------------------------------------------------------

    fn mentions_locals(&self, expr: &syn::Expr) -> bool {
        !self.free_locals(expr).is_empty()
    }

    /// The local variables `expr` reads, with their current values. A name
    /// the expression binds itself (a closure parameter, a `match` arm's
    /// pattern, a `let` inside a block, a `for` or `if let` pattern) is not
    /// a read of the local of that name where the binding is in scope.
    fn free_locals(&self, expr: &syn::Expr) -> Vec<(Ident, ValueId)> {
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
    fn locals_in_tokens(&self, tokens: TokenStream) -> Vec<(Ident, ValueId)> {
        let mut found = Vec::new();
        self.scan_tokens(tokens, &mut found);
        found
    }

    fn scan_tokens(&self, tokens: TokenStream, found: &mut Vec<(Ident, ValueId)>) {
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

    fn note_local(&self, ident: &Ident, found: &mut Vec<(Ident, ValueId)>) {
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

/// The local variables a block assigns (`x = ...`, `x += ...`), in order of
/// first assignment.
fn assigned_names(block: &syn::Block) -> Vec<String> {
    struct Finder(Vec<String>);
    impl Finder {
        fn note(&mut self, place: &syn::Expr) {
            if let syn::Expr::Path(path) = place {
                if let Some(ident) = single_ident(path) {
                    let name = ident.to_string();
                    if !self.0.contains(&name) {
                        self.0.push(name);
                    }
                }
            }
        }
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
            self.note(&assign.left);
            syn::visit::visit_expr_assign(self, assign);
        }
        fn visit_expr_binary(&mut self, binary: &'ast syn::ExprBinary) {
            if compound_op(&binary.op).is_some() {
                self.note(&binary.left);
            }
            syn::visit::visit_expr_binary(self, binary);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder(Vec::new());
    finder.visit_block(block);
    finder.0
}

/// The names a pattern binds.
fn pattern_idents(pat: &syn::Pat) -> Vec<Ident> {
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
fn inline_format_args(literal: &str) -> Vec<String> {
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

/// Whether `func` names an associated function of a type (`f64::max`,
/// `T::sin`, `<T as Float>::exp`, `Float::abs`) rather than a function in a
/// module (`nn::tanh`): the segment before the last starts with an uppercase
/// letter or is a float type.
fn is_type_qualified(func: &syn::ExprPath) -> bool {
    if func.qself.is_some() {
        return true;
    }
    let segments = &func.path.segments;
    segments.len() > 1 && {
        let owner = segments[segments.len() - 2].ident.to_string();
        owner == "f32" || owner == "f64" || owner.starts_with(|c: char| c.is_ascii_uppercase())
    }
}

/// How a nalgebra value is built from scalars.
#[derive(Clone, Copy)]
enum Constructor {
    /// `Vector3::new(a, b, c)`, `Matrix2::new(...)` (row by row).
    New,
    /// `SVector::from([a, b])`, `Vector2::from(array)`.
    From,
}

/// Recognises `Vector3::new`, `SMatrix::<T, 2, 2>::new`, `RowVector2::new`,
/// `SVector::from`, ... by the type's name.
fn nalgebra_constructor(func: &syn::ExprPath) -> Option<Constructor> {
    let segments = &func.path.segments;
    if func.qself.is_some() || segments.len() < 2 {
        return None;
    }
    let owner = segments[segments.len() - 2].ident.to_string();
    let is_matrix = [
        "Vector",
        "RowVector",
        "Matrix",
        "SVector",
        "SMatrix",
        "RowSVector",
    ]
    .iter()
    .any(|prefix| owner.starts_with(prefix));
    let is_column_vector = owner.starts_with("Vector") || owner == "SVector";
    match segments
        .last()
        .expect("a segment")
        .ident
        .to_string()
        .as_str()
    {
        "new" if is_matrix => Some(Constructor::New),
        "from" if is_column_vector => Some(Constructor::From),
        _ => None,
    }
}

pub(crate) fn single_ident(path: &syn::ExprPath) -> Option<&Ident> {
    if path.qself.is_none() {
        path.path.get_ident()
    } else {
        None
    }
}

fn arith_op(op: &syn::BinOp) -> Option<ArithOp> {
    match op {
        syn::BinOp::Add(_) => Some(ArithOp::Add),
        syn::BinOp::Sub(_) => Some(ArithOp::Sub),
        syn::BinOp::Mul(_) => Some(ArithOp::Mul),
        syn::BinOp::Div(_) => Some(ArithOp::Div),
        _ => None,
    }
}

fn compound_op(op: &syn::BinOp) -> Option<ArithOp> {
    match op {
        syn::BinOp::AddAssign(_) => Some(ArithOp::Add),
        syn::BinOp::SubAssign(_) => Some(ArithOp::Sub),
        syn::BinOp::MulAssign(_) => Some(ArithOp::Mul),
        syn::BinOp::DivAssign(_) => Some(ArithOp::Div),
        _ => None,
    }
}

/// Whether `op` is a float literal without a suffix (`0.5`, `-2.0`), whose
/// type only its context tells.
fn is_untyped_float(op: &Op) -> bool {
    let Op::Const { expr } = op else {
        return false;
    };
    let literal = match expr {
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => &**expr,
        other => other,
    };
    matches!(literal, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Float(float), .. }) if float.suffix().is_empty())
}

/// Whether `ty` is a primitive integer type.
pub(crate) fn is_integer_type(ty: &syn::Type) -> bool {
    const INTEGERS: &[&str] = &[
        "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
    ];
    matches!(ty, syn::Type::Path(path) if path.qself.is_none()
        && path.path.get_ident().is_some_and(|ident| INTEGERS.contains(&ident.to_string().as_str())))
}
