//! Values as Rust: operands as the user wrote them (`x`, `&x`, `*x`, a
//! place `p.w[i]` written in place, a literal), references for derivative
//! rules, the primal expression of each value, and expressions copied
//! verbatim with the locals they mention renamed or rebound.

use crate::activity::Activity;
use crate::build::Param;
use crate::ir::{Access, ForRegion, Function, Op, Opacity, Operand, Projection, ValueId};
use crate::names::{Names, unraw};
use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use std::collections::HashMap;
use syn::visit_mut::VisitMut;

/// How one function's values are written as Rust.
pub(crate) struct Emitter<'a> {
    pub(crate) function: &'a Function,
    pub(crate) activity: &'a Activity,
    pub(crate) params: &'a [Param],
    /// The path generated code names the runtime by (`::tapeless`).
    pub(crate) krate: TokenStream,
    /// The generated locals' names.
    pub(crate) names: Names,
    /// Values written in place at each use (literals, paths) instead of
    /// being bound to a local.
    pub(crate) inline: Vec<bool>,
    /// Whether the reverse sweep runs in a pullback that outlives the
    /// function (`_vjp`): a callee's pullback that borrows one of the
    /// function's locals is then made inside it, not in the forward sweep.
    pub(crate) pullback_escapes: bool,
    /// The number of snapshots a checkpointed loop keeps (`snapshots = K`).
    pub(crate) snapshots: TokenStream,
}

impl<'a> Emitter<'a> {
    pub(crate) fn new(
        function: &'a Function,
        activity: &'a Activity,
        params: &'a [Param],
        krate: TokenStream,
    ) -> Self {
        let inline = function
            .values
            .iter()
            .map(|value| {
                matches!(&value.op, Op::Const { expr } if value.name.is_none() && is_simple(expr))
                    || matches!(value.op, Op::Project { .. })
            })
            .collect();
        let krate_for_snapshots = krate.clone();
        Self {
            function,
            activity,
            params,
            krate,
            names: Names::new(function, activity, params),
            inline,
            pullback_escapes: false,
            snapshots: quote!({ #krate_for_snapshots::__private::DEFAULT_SNAPSHOTS }),
        }
    }

    /// The value whose storage `value` lives in: the base of a projection.
    pub(crate) fn root(&self, value: ValueId) -> ValueId {
        match &self.function.value(value).op {
            Op::Project { base, .. } => self.root(base.value),
            _ => value,
        }
    }

    /// Whether a call's arguments (or a method's receiver) borrow a local of
    /// this function, rather than data the caller lent to it.
    pub(crate) fn borrows_local(&self, call: ValueId) -> bool {
        let borrowed = |operand: &Operand| {
            let root = self.root(operand.value);
            !self.is_ref(root) && !self.inline[root.index()]
        };
        match &self.function.value(call).op {
            Op::Call { args, .. } => args.iter().any(|a| a.access == Access::Ref && borrowed(a)),
            Op::MethodCall { receiver, args, .. } => {
                borrowed(receiver) || args.iter().any(|a| a.access == Access::Ref && borrowed(a))
            }
            _ => false,
        }
    }

    /// Whether the pullback of the active call `call` is made in the reverse
    /// sweep (see [`Self::pullback_escapes`]).
    pub(crate) fn recomputes_pullback(&self, call: ValueId) -> bool {
        self.pullback_escapes && self.borrows_local(call)
    }

    /// `let (_, y_pullback) = f_vjp(x);`
    pub(crate) fn make_pullback(&self, call: ValueId) -> TokenStream {
        let pullback = &self.names.pullback[call.index()];
        let expression = self.expression(call, true);
        quote!(let (_, #pullback) = #expression;)
    }

    /// Whether `value` is a scalar literal (`0.0`, `1_f32`) or bound with a
    /// float type (`let total: f64 = ...`).
    pub(crate) fn is_scalar_literal(&self, value: ValueId) -> bool {
        let value = self.function.value(value);
        let typed_float = value.ty.as_ref().is_some_and(|ty| {
            matches!(ty, syn::Type::Path(path) if path.path.is_ident("f32") || path.path.is_ident("f64"))
        });
        let literal = match &value.op {
            Op::Const {
                expr: syn::Expr::Lit(literal),
            } => match &literal.lit {
                syn::Lit::Float(_) => true,
                syn::Lit::Int(int) => matches!(int.suffix(), "f32" | "f64"),
                _ => false,
            },
            _ => false,
        };
        typed_float || literal
    }

    /// Whether `value` is a float literal (`2.0`, `3_f64`).
    pub(crate) fn is_float_literal(&self, value: ValueId) -> bool {
        match &self.function.value(value).op {
            Op::Const {
                expr: syn::Expr::Lit(literal),
            } => match &literal.lit {
                syn::Lit::Float(_) => true,
                syn::Lit::Int(int) => matches!(int.suffix(), "f32" | "f64"),
                _ => false,
            },
            _ => false,
        }
    }

    /// Whether `value` is a scalar that is not differentiated: a float
    /// literal, or a parameter or `let` declared `f32` or `f64` (or a
    /// reference to one) that the result does not depend on through the
    /// differentiated arguments.
    pub(crate) fn is_constant_scalar(&self, value: ValueId) -> bool {
        if self.activity.is_varied(value) {
            return false;
        }
        let is_float = |ty: &syn::Type| matches!(ty, syn::Type::Path(path) if path.path.is_ident("f32") || path.path.is_ident("f64"));
        let declared = match &self.function.value(value).op {
            Op::Param { index } => is_float(&self.params[*index].value_type()),
            _ => self.function.value(value).ty.as_ref().is_some_and(is_float),
        };
        declared || self.is_float_literal(value)
    }

    /// The operand `e` of a square, `e * e` (one value on both sides) or
    /// `e.powi(2)`: the values whose adjoint is `SquareRule`'s.
    pub(crate) fn square_operand(&self, value: ValueId) -> Option<ValueId> {
        match &self.function.value(value).op {
            Op::Arith {
                op: crate::ir::ArithOp::Mul,
                lhs,
                rhs,
            } if lhs.value == rhs.value => Some(lhs.value),
            Op::Builtin {
                method,
                receiver,
                args,
                ..
            } if method == "powi"
                && matches!(args.as_slice(), [n] if self.is_int_literal(n.value, 2)) =>
            {
                Some(receiver.value)
            }
            _ => None,
        }
    }

    /// Whether `value` is the integer literal `n` (unsuffixed or `i32`).
    pub(crate) fn is_int_literal(&self, value: ValueId, n: u64) -> bool {
        matches!(
            &self.function.value(value).op,
            Op::Const { expr: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(int), .. }) }
                if matches!(int.suffix(), "" | "i32") && int.base10_parse::<u64>().is_ok_and(|k| k == n)
        )
    }

    /// Whether exactly one operand, phi input, carried value, region input
    /// or result of the function reads `value`.
    pub(crate) fn is_used_once(&self, value: ValueId) -> bool {
        fn count_block(block: &crate::ir::Block, value: ValueId) -> usize {
            let mut uses = 0;
            for stmt in &block.stmts {
                match stmt {
                    crate::ir::Stmt::Def(_) => {}
                    crate::ir::Stmt::Effect(effect) => {
                        uses += effect.uses.iter().filter(|(_, v)| *v == value).count();
                    }
                    crate::ir::Stmt::If(region) => {
                        uses += usize::from(region.condition == value);
                        uses += region
                            .phis
                            .iter()
                            .map(|phi| {
                                usize::from(phi.then_value == value)
                                    + usize::from(phi.else_value == value)
                            })
                            .sum::<usize>();
                        uses += count_block(&region.then_block, value);
                        uses += count_block(&region.else_block, value);
                    }
                    crate::ir::Stmt::For(region) => {
                        uses += region.iter_uses.iter().filter(|(_, v)| *v == value).count();
                        uses += region
                            .carried
                            .iter()
                            .map(|carried| {
                                usize::from(carried.init == value)
                                    + usize::from(carried.next == value)
                            })
                            .sum::<usize>();
                        uses += usize::from(region.exit == Some(value));
                        uses += count_block(&region.body, value);
                    }
                }
            }
            uses
        }
        let operands = self
            .function
            .values
            .iter()
            .flat_map(crate::ir::Value::operands)
            .filter(|operand| *operand == value)
            .count();
        let result = usize::from(self.function.result.value == value);
        operands + result + count_block(&self.function.body, value) == 1
    }

    pub(crate) fn is_ref(&self, value: ValueId) -> bool {
        matches!(self.function.value(value).op, Op::Param { index } if self.params[index].is_ref)
    }

    /// A reference to the value, as derivative rules take it: `&x`, or `x`
    /// for a parameter that is a reference already.
    pub(crate) fn reference(&self, value: ValueId) -> TokenStream {
        let krate = &self.krate;
        let bound_by_pattern = matches!(
            self.function.value(self.root(value)).op,
            Op::Opaque {
                opacity: Opacity::Binding(_),
                ..
            }
        );
        if let Some(place) = self.place(value) {
            if bound_by_pattern {
                return quote!(#krate::__private::as_value(&#place));
            }
            return quote!(&#place);
        }
        if self.inline[value.index()] {
            let expr = self.const_expr(value);
            return if matches!(expr, syn::Expr::Lit(_) | syn::Expr::Path(_)) {
                quote!(&#expr)
            } else {
                quote!(&(#expr))
            };
        }
        let local = &self.names.local[value.index()];
        if matches!(self.function.value(value).op, Op::LoopVar) || bound_by_pattern {
            return quote!(#krate::__private::as_value(&#local));
        }
        if self.is_ref(value) {
            quote!(#local)
        } else {
            quote!(&#local)
        }
    }

    /// A projection written in place: `p.a`, `v[i]`, `m.l1.weight`.
    pub(crate) fn place(&self, value: ValueId) -> Option<TokenStream> {
        let Op::Project { base, projection } = &self.function.value(value).op else {
            return None;
        };
        let base = self.receiver(*base);
        Some(match projection {
            Projection::Field(member) => quote!(#base.#member),
            Projection::Index(index) => {
                let index = self.operand(*index);
                quote!(#base[#index])
            }
        })
    }

    pub(crate) fn const_expr(&self, value: ValueId) -> &syn::Expr {
        match &self.function.value(value).op {
            Op::Const { expr } => expr,
            _ => unreachable!("only constants are inline"),
        }
    }

    /// The operand as the user wrote it: `x`, `&x`, `*x`, or a literal.
    pub(crate) fn operand(&self, operand: Operand) -> TokenStream {
        let base = if let Some(place) = self.place(operand.value) {
            place
        } else if self.inline[operand.value.index()] {
            let expr = self.const_expr(operand.value);
            if matches!(expr, syn::Expr::Lit(_) | syn::Expr::Path(_)) {
                quote!(#expr)
            } else {
                quote!((#expr))
            }
        } else {
            self.names.local[operand.value.index()].to_token_stream()
        };
        match operand.access {
            Access::Plain => base,
            Access::Ref => quote!(&#base),
            Access::Deref => quote!(*#base),
        }
    }

    /// The operand as a method receiver (parenthesised when borrowed).
    pub(crate) fn receiver(&self, operand: Operand) -> TokenStream {
        let rendered = self.operand(operand);
        if operand.access == Access::Plain {
            rendered
        } else {
            quote!((#rendered))
        }
    }

    /// The receiver of a method call, located at the user's method name:
    /// rustc spans a method call from its receiver, and a receiver written
    /// as a parameter's name would otherwise stretch that span (and the
    /// errors it carries) from the signature to the call.
    fn call_receiver(&self, receiver: Operand, method: &Ident) -> TokenStream {
        crate::reverse::located_at(self.receiver(receiver), method.span())
    }

    /// The primal expression computing `id` (or its `_vjp` call).
    pub(crate) fn expression(&self, id: ValueId, with_pullback: bool) -> TokenStream {
        let value = self.function.value(id);
        let span = value.span;
        match &value.op {
            Op::Const { expr } => quote_spanned!(span=> #expr),
            Op::Opaque { expr, uses, .. } => self.opaque(expr, uses),
            Op::Arith { op, lhs, rhs } => {
                let (lhs, rhs) = (self.operand(*lhs), self.operand(*rhs));
                let op: TokenStream = op
                    .symbol()
                    .parse::<TokenStream>()
                    .expect("an operator")
                    .into_iter()
                    .map(|mut token| {
                        token.set_span(span);
                        token
                    })
                    .collect();
                quote_spanned!(span=> #lhs #op #rhs)
            }
            Op::Neg { arg } => {
                let arg = self.operand(*arg);
                quote_spanned!(span=> -#arg)
            }
            Op::Copy { arg } => self.operand(*arg),
            Op::Builtin {
                method,
                receiver,
                args,
                ..
            } => {
                let receiver = self.call_receiver(*receiver, method);
                let args = args.iter().map(|arg| self.operand(*arg));
                quote_spanned!(span=> #receiver.#method(#(#args),*))
            }
            Op::Call { func, args, .. } => {
                let args = args.iter().map(|arg| self.operand(*arg));
                let func = if with_pullback {
                    vjp_path(func)
                } else {
                    func.clone()
                };
                quote_spanned!(span=> #func(#(#args),*))
            }
            Op::MethodCall {
                receiver,
                method,
                turbofish,
                args,
                ..
            } => {
                let receiver = self.call_receiver(*receiver, method);
                let args = args.iter().map(|arg| self.operand(*arg));
                let method = if with_pullback {
                    format_ident!("{}_vjp", method)
                } else {
                    method.clone()
                };
                quote_spanned!(span=> #receiver.#method #turbofish(#(#args),*))
            }
            Op::Tuple { elements } => {
                let elements: Vec<_> = elements.iter().map(|e| self.operand(*e)).collect();
                if elements.len() == 1 {
                    quote_spanned!(span=> (#(#elements,)*))
                } else {
                    quote_spanned!(span=> (#(#elements),*))
                }
            }
            Op::Array { elements } => {
                let elements = elements.iter().map(|e| self.operand(*e));
                quote_spanned!(span=> [#(#elements),*])
            }
            Op::Struct { path, fields } => {
                let fields = fields.iter().map(|(member, value)| {
                    let value = self.operand(*value);
                    quote!(#member: #value)
                });
                quote_spanned!(span=> #path { #(#fields),* })
            }
            Op::NewMatrix { func, args } => {
                let args = args.iter().map(|arg| self.operand(*arg));
                quote_spanned!(span=> #func(#(#args),*))
            }
            Op::VectorFrom { func, arg } => {
                let arg = self.operand(*arg);
                quote_spanned!(span=> #func(#arg))
            }
            Op::Project { .. } => self.place(id).expect("a projection"),
            Op::Param { .. } | Op::Phi | Op::LoopVar | Op::LoopHeader | Op::LoopOut => {
                unreachable!("not defined by an expression")
            }
        }
    }

    /// An opaque expression with the locals it mentions renamed, or, if it
    /// contains a macro, evaluated where they are rebound to their names.
    pub(crate) fn opaque(&self, expr: &syn::Expr, uses: &[(Ident, ValueId)]) -> TokenStream {
        // Macro tokens cannot be renamed: an expression whose macros name a
        // local is copied unchanged where the locals are rebound instead.
        if macro_names_any(expr, uses) {
            let rebind = self.rebind(uses);
            return quote!({ #rebind #expr });
        }
        let mut renamed = expr.clone();
        let map: HashMap<String, syn::Expr> = uses
            .iter()
            .map(|(ident, value)| (ident.to_string(), self.use_expr(*value)))
            .collect();
        Renamer {
            map: &map,
            bound: Vec::new(),
        }
        .visit_expr_mut(&mut renamed);
        renamed.into_token_stream()
    }

    /// The value as an expression standing for the user's variable in an
    /// expression copied verbatim: its local, or, for a value written in
    /// place (a projection `p.x`, a literal), that place or literal,
    /// parenthesised unless it is a path, literal, field or index.
    pub(crate) fn use_expr(&self, value: ValueId) -> syn::Expr {
        if !self.inline[value.index()] {
            return syn::Expr::Path(syn::ExprPath {
                attrs: Vec::new(),
                qself: None,
                path: self.names.local[value.index()].clone().into(),
            });
        }
        let tokens = self.operand(Operand::plain(value));
        let expr: syn::Expr = syn::parse2(tokens).expect("a rendered operand is an expression");
        match expr {
            syn::Expr::Path(_)
            | syn::Expr::Lit(_)
            | syn::Expr::Field(_)
            | syn::Expr::Index(_)
            | syn::Expr::Paren(_) => expr,
            other => syn::Expr::Paren(syn::ExprParen {
                attrs: Vec::new(),
                paren_token: syn::token::Paren::default(),
                expr: Box::new(other),
            }),
        }
    }

    /// `let x = x_1;` for each use whose local differs from the user's
    /// name, so that tokens the differentiator cannot look into (macro
    /// arguments) see the current values.
    pub(crate) fn rebind(&self, uses: &[(Ident, ValueId)]) -> TokenStream {
        let lets = uses.iter().filter_map(|(ident, value)| {
            let local = &self.names.local[value.index()];
            if self.inline[value.index()] {
                let expr = self.operand(Operand::plain(*value));
                return Some(quote!(#[allow(unused_variables)] let #ident = #expr;));
            }
            let is_same_parameter =
                *local == *ident && matches!(self.function.value(*value).op, Op::Param { .. });
            (!is_same_parameter).then(|| quote!(#[allow(unused_variables)] let #ident = #local;))
        });
        quote!(#(#lets)*)
    }

    /// The index of a `for i in 0..N` loop: the local of `i`, or a fresh
    /// name for `for _ in 0..N`.
    pub(crate) fn loop_index(&self, region: &ForRegion) -> Ident {
        match region.bindings.first() {
            Some((_, id)) => self.names.local[id.index()].clone(),
            None => self.names.loop_index(region.id),
        }
    }

    /// The loop's pattern with its names replaced by their locals.
    pub(crate) fn loop_pattern(&self, region: &ForRegion) -> TokenStream {
        struct Renamer<'m>(&'m HashMap<String, Ident>);
        impl VisitMut for Renamer<'_> {
            fn visit_pat_ident_mut(&mut self, pat: &mut syn::PatIdent) {
                if let Some(local) = self.0.get(&pat.ident.to_string()) {
                    pat.ident = local.clone();
                }
                syn::visit_mut::visit_pat_ident_mut(self, pat);
            }
        }
        let map: HashMap<String, Ident> = region
            .bindings
            .iter()
            .map(|(ident, value)| (ident.to_string(), self.names.local[value.index()].clone()))
            .collect();
        let mut pattern = region.pat.clone();
        Renamer(&map).visit_pat_mut(&mut pattern);
        pattern.into_token_stream()
    }

    /// The result expression, as the user wrote it.
    pub(crate) fn result(&self) -> TokenStream {
        self.operand(self.function.result)
    }
}

/// `f` → `f_vjp`, `m::f::<T>` → `m::f_vjp::<T>`.
pub(crate) fn vjp_path(func: &syn::ExprPath) -> syn::ExprPath {
    let mut path = func.clone();
    let last = path.path.segments.last_mut().expect("a path has a segment");
    last.ident = format_ident!("{}_vjp", unraw(&last.ident), span = last.ident.span());
    path
}

/// Literals, paths and negated literals are written at each use.
fn is_simple(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Lit(_) | syn::Expr::Path(_) => true,
        syn::Expr::Unary(unary) => {
            matches!(unary.op, syn::UnOp::Neg(_)) && matches!(&*unary.expr, syn::Expr::Lit(_))
        }
        _ => false,
    }
}

/// Whether a macro inside `expr` names one of the locals `uses`.
fn macro_names_any(expr: &syn::Expr, uses: &[(Ident, ValueId)]) -> bool {
    struct Finder<'u> {
        uses: &'u [(Ident, ValueId)],
        found: bool,
    }
    fn names(tokens: TokenStream, uses: &[(Ident, ValueId)]) -> bool {
        tokens.into_iter().any(|token| match token {
            proc_macro2::TokenTree::Ident(ident) => uses.iter().any(|(name, _)| *name == ident),
            proc_macro2::TokenTree::Group(group) => names(group.stream(), uses),
            // `{name}` inside a format string.
            proc_macro2::TokenTree::Literal(literal) => {
                let text = literal.to_string();
                uses.iter()
                    .any(|(name, _)| text.contains(&format!("{{{name}")))
            }
            proc_macro2::TokenTree::Punct(_) => false,
        })
    }
    impl<'ast> syn::visit::Visit<'ast> for Finder<'_> {
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            self.found |= names(mac.tokens.clone(), self.uses);
        }
    }
    let mut finder = Finder { uses, found: false };
    syn::visit::Visit::visit_expr(&mut finder, expr);
    finder.found
}

/// Replaces the local variables an expression copied verbatim reads by the
/// expressions standing for them, leaving alone the names the expression
/// binds itself where they are in scope (closure parameters, `match` arms,
/// `let` in blocks, `for` and `if let` patterns).
struct Renamer<'m> {
    map: &'m HashMap<String, syn::Expr>,
    /// The names bound inside the expression at the current point.
    bound: Vec<String>,
}

impl Renamer<'_> {
    fn replacement(&self, ident: &Ident) -> Option<&syn::Expr> {
        let name = ident.to_string();
        if self.bound.contains(&name) {
            return None;
        }
        self.map.get(&name)
    }

    fn bind(&mut self, pat: &syn::Pat) -> usize {
        let mark = self.bound.len();
        self.bound.extend(
            crate::build::pattern_idents(pat)
                .iter()
                .map(ToString::to_string),
        );
        mark
    }
}

impl VisitMut for Renamer<'_> {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::Path(path) = expr {
            if let Some(ident) = crate::build::single_ident(path) {
                if let Some(replacement) = self.replacement(ident) {
                    *expr = replacement.clone();
                    return;
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_field_value_mut(&mut self, field: &mut syn::FieldValue) {
        if field.colon_token.is_none() {
            if let syn::Member::Named(ident) = &field.member {
                if let Some(replacement) = self.replacement(ident) {
                    field.colon_token = Some(syn::Token![:](ident.span()));
                    field.expr = replacement.clone();
                    return;
                }
            }
        }
        syn::visit_mut::visit_field_value_mut(self, field);
    }

    fn visit_expr_closure_mut(&mut self, closure: &mut syn::ExprClosure) {
        let mark = self.bound.len();
        for input in &closure.inputs {
            self.bind(input);
        }
        self.visit_expr_mut(&mut closure.body);
        self.bound.truncate(mark);
    }

    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        let mark = self.bind(&arm.pat);
        if let Some((_, guard)) = &mut arm.guard {
            self.visit_expr_mut(guard);
        }
        self.visit_expr_mut(&mut arm.body);
        self.bound.truncate(mark);
    }

    fn visit_expr_for_loop_mut(&mut self, expr: &mut syn::ExprForLoop) {
        self.visit_expr_mut(&mut expr.expr);
        let mark = self.bind(&expr.pat);
        self.visit_block_mut(&mut expr.body);
        self.bound.truncate(mark);
    }

    fn visit_expr_if_mut(&mut self, expr: &mut syn::ExprIf) {
        let mark = self.bound.len();
        self.visit_expr_mut(&mut expr.cond);
        self.visit_block_mut(&mut expr.then_branch);
        self.bound.truncate(mark);
        if let Some((_, otherwise)) = &mut expr.else_branch {
            self.visit_expr_mut(otherwise);
        }
    }

    fn visit_expr_while_mut(&mut self, expr: &mut syn::ExprWhile) {
        let mark = self.bound.len();
        self.visit_expr_mut(&mut expr.cond);
        self.visit_block_mut(&mut expr.body);
        self.bound.truncate(mark);
    }

    fn visit_expr_let_mut(&mut self, expr: &mut syn::ExprLet) {
        self.visit_expr_mut(&mut expr.expr);
        self.bind(&expr.pat);
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let mark = self.bound.len();
        for stmt in &mut block.stmts {
            match stmt {
                syn::Stmt::Local(local) => {
                    if let Some(init) = &mut local.init {
                        self.visit_expr_mut(&mut init.expr);
                        if let Some((_, diverge)) = &mut init.diverge {
                            self.visit_expr_mut(diverge);
                        }
                    }
                    let pat = local.pat.clone();
                    self.bind(&pat);
                }
                other => self.visit_stmt_mut(other),
            }
        }
        self.bound.truncate(mark);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {
        // Items cannot read the function's locals.
    }
}
