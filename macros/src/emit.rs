//! Rendering the IR as Rust: the forward sweep (the primal computation with
//! SSA names, keeping pullbacks of active calls) and the reverse sweep's
//! [`Rev`] tree. Every local is named after the user's variable where there
//! is one (`y`, `y_1` after reassignment, `adj_of_y`) and carries
//! `Span::mixed_site()` hygiene, so it can neither capture nor shadow the
//! user's names.

use crate::activity::Activity;
use crate::build::Param;
use crate::ir::{
    Access, Block, ForRegion, Function, IfRegion, LoopId, Op, Operand, Projection, Stmt, ValueId,
};
use crate::plan::{Contribution, How, Plan, Rev};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use std::collections::{BTreeSet, HashMap, HashSet};
use syn::visit_mut::VisitMut;

/// Names and rendering of one function's values.
pub(crate) struct Emitter<'a> {
    pub(crate) function: &'a Function,
    pub(crate) activity: &'a Activity,
    pub(crate) params: &'a [Param],
    /// The path generated code names the runtime by (`::tapeless`).
    pub(crate) krate: TokenStream,
    /// The local holding each value.
    pub(crate) local: Vec<Ident>,
    /// The local holding each value's adjoint.
    pub(crate) adjoint: Vec<Ident>,
    /// The local holding each active call's pullback.
    pub(crate) pullback: Vec<Ident>,
    /// Names of the cotangents each call's pullback returns, per argument.
    cotangents: HashMap<(ValueId, usize), Ident>,
    /// Values written in place at each use (literals, paths) instead of
    /// being bound to a local.
    inline: Vec<bool>,
    /// Whether the reverse sweep runs in a pullback that outlives the
    /// function (`_vjp`): a callee's pullback that borrows one of the
    /// function's locals is then made inside it, not in the forward sweep.
    pub(crate) pullback_escapes: bool,
    /// The per-unit gradient of an outer value in a fused loop, one name per
    /// loop and value (two loops adding to `x` sum into different locals).
    unit_adjoints: HashMap<(LoopId, ValueId), Ident>,
    /// The local holding the per-iteration values of a carried variable.
    tape_names: HashMap<ValueId, Ident>,
    /// The index of each `for _ in 0..N` loop (whose pattern names none).
    loop_indices: HashMap<LoopId, Ident>,
}

/// Which calls of a block the forward sweep keeps pullbacks of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pullbacks {
    /// Active calls whose pullbacks do not borrow locals that die before
    /// the pullback is called (the function body).
    TopLevel,
    /// Every active call (the body of a fused loop, reversed in place).
    Active,
    /// None (regions replayed by the reverse sweep).
    None,
}

struct Names(HashSet<String>);

impl Names {
    fn fresh(&mut self, wanted: &str) -> Ident {
        let mut name = wanted.to_owned();
        let mut suffix = 1;
        while !self.0.insert(name.clone()) {
            name = format!("{wanted}_{suffix}");
            suffix += 1;
        }
        Ident::new(&name, Span::mixed_site())
    }
}

impl<'a> Emitter<'a> {
    pub(crate) fn new(
        function: &'a Function,
        activity: &'a Activity,
        params: &'a [Param],
        krate: TokenStream,
    ) -> Self {
        let mut names = Names(params.iter().map(|p| p.ident.to_string()).collect());
        let count = function.values.len();
        let mut local = Vec::with_capacity(count);
        let mut inline = Vec::with_capacity(count);
        for (index, value) in function.values.iter().enumerate() {
            let is_inline = matches!(&value.op, Op::Const { expr } if value.name.is_none() && is_simple(expr))
                || matches!(value.op, Op::Project { .. });
            inline.push(is_inline);
            local.push(match (&value.op, &value.name) {
                (Op::Param { index }, _) => params[*index].ident.clone(),
                (_, Some(name)) => names.fresh(name),
                (_, None) => names.fresh(&format!("v{index}")),
            });
        }
        let adjoint: Vec<Ident> = local
            .iter()
            .map(|name| names.fresh(&format!("adj_of_{}", unraw(name))))
            .collect();
        let mut pullback = Vec::with_capacity(count);
        let mut cotangents = HashMap::new();
        for (index, value) in function.values.iter().enumerate() {
            let id = ValueId::from_index(index);
            let arguments: Vec<Operand> = match &value.op {
                Op::Call { args, .. } => args.clone(),
                Op::MethodCall { receiver, args, .. } => std::iter::once(*receiver)
                    .chain(args.iter().copied())
                    .collect(),
                _ => {
                    pullback.push(format_ident!("unused_pullback"));
                    continue;
                }
            };
            pullback.push(names.fresh(&format!("{}_pullback", unraw(&local[index]))));
            for (position, argument) in arguments.iter().enumerate() {
                let argument_name = unraw(&local[argument.value.index()]);
                cotangents.insert(
                    (id, position),
                    names.fresh(&format!("cotangent_of_{argument_name}")),
                );
            }
        }
        let mut unit_adjoints = HashMap::new();
        let mut tape_names = HashMap::new();
        let mut loop_indices = HashMap::new();
        for region in crate::loops::all(&function.body) {
            let inside = crate::loops::interior(region);
            for (index, adjoint) in adjoint.iter().enumerate() {
                let id = ValueId::from_index(index);
                if !inside.contains(&id) && activity.is_varied(id) {
                    let name = names.fresh(&format!("unit_{}", unraw(adjoint)));
                    unit_adjoints.insert((region.id, id), name);
                }
            }
            for carried in &region.carried {
                let header = carried.header;
                let name = names.fresh(&format!("tape_of_{}", unraw(&local[header.index()])));
                tape_names.insert(header, name);
            }
            if region.bindings.is_empty() {
                loop_indices.insert(region.id, names.fresh("iteration"));
            }
        }
        Self {
            function,
            activity,
            params,
            krate,
            local,
            adjoint,
            pullback,
            cotangents,
            inline,
            pullback_escapes: false,
            unit_adjoints,
            tape_names,
            loop_indices,
        }
    }

    /// The value whose storage `value` lives in: the base of a projection.
    fn root(&self, value: ValueId) -> ValueId {
        match &self.function.value(value).op {
            Op::Project { base, .. } => self.root(base.value),
            _ => value,
        }
    }

    /// Whether a call's arguments (or a method's receiver) borrow a local of
    /// this function, rather than data the caller lent to it.
    fn borrows_local(&self, call: ValueId) -> bool {
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
        let pullback = &self.pullback[call.index()];
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

    /// The sum of per-unit adjoints of the outer value `value` in the fused
    /// loop `region`.
    pub(crate) fn unit_adjoint_name(&self, region: LoopId, value: ValueId) -> Ident {
        self.unit_adjoints[&(region, value)].clone()
    }

    pub(crate) fn cotangent_name(&self, call: ValueId, position: usize) -> Ident {
        self.cotangents[&(call, position)].clone()
    }

    fn is_ref(&self, value: ValueId) -> bool {
        matches!(self.function.value(value).op, Op::Param { index } if self.params[index].is_ref)
    }

    /// A reference to the value, as derivative rules take it: `&x`, or `x`
    /// for a parameter that is a reference already.
    pub(crate) fn reference(&self, value: ValueId) -> TokenStream {
        if let Some(place) = self.place(value) {
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
        let local = &self.local[value.index()];
        if matches!(self.function.value(value).op, Op::LoopVar) {
            let krate = &self.krate;
            return quote!(#krate::__private::as_value(&#local));
        }
        if self.is_ref(value) {
            quote!(#local)
        } else {
            quote!(&#local)
        }
    }

    /// A projection written in place: `p.a`, `v[i]`, `m.l1.weight`.
    fn place(&self, value: ValueId) -> Option<TokenStream> {
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

    fn const_expr(&self, value: ValueId) -> &syn::Expr {
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
            self.local[operand.value.index()].to_token_stream()
        };
        match operand.access {
            Access::Plain => base,
            Access::Ref => quote!(&#base),
            Access::Deref => quote!(*#base),
        }
    }

    /// The operand as a method receiver (parenthesised when borrowed).
    fn receiver(&self, operand: Operand) -> TokenStream {
        let rendered = self.operand(operand);
        if operand.access == Access::Plain {
            rendered
        } else {
            quote!((#rendered))
        }
    }

    /// The primal expression computing `id` (or its `_vjp` call).
    fn expression(&self, id: ValueId, with_pullback: bool) -> TokenStream {
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
                let receiver = self.receiver(*receiver);
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
                let receiver = self.receiver(*receiver);
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
        // Renaming in place would also rename a name the expression binds
        // itself (`match n { v => v }`, `|v| v * 2.0`): such an expression
        // is copied unchanged where the variables are rebound instead.
        if contains_macro(expr) || binds_names(expr) {
            let rebind = self.rebind(uses);
            return quote!({ #rebind #expr });
        }
        let mut renamed = expr.clone();
        let map: HashMap<String, syn::Expr> = uses
            .iter()
            .map(|(ident, value)| (ident.to_string(), self.use_expr(*value)))
            .collect();
        Renamer(&map).visit_expr_mut(&mut renamed);
        renamed.into_token_stream()
    }

    /// The value as an expression standing for the user's variable in an
    /// expression copied verbatim: its local, or, for a value written in
    /// place (a projection `p.x`, a literal), that place or literal,
    /// parenthesised unless it is a path, literal, field or index.
    fn use_expr(&self, value: ValueId) -> syn::Expr {
        if !self.inline[value.index()] {
            return syn::Expr::Path(syn::ExprPath {
                attrs: Vec::new(),
                qself: None,
                path: self.local[value.index()].clone().into(),
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
    fn rebind(&self, uses: &[(Ident, ValueId)]) -> TokenStream {
        let lets = uses.iter().filter_map(|(ident, value)| {
            let local = &self.local[value.index()];
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

    // ---- forward sweep -------------------------------------------------------

    /// The forward sweep of the function body: active calls at the top level
    /// keep their pullbacks; regions run as written (their reverse sweep
    /// recomputes what it needs).
    pub(crate) fn forward(&self, plan: &Plan) -> TokenStream {
        self.forward_block(&self.function.body, Pullbacks::TopLevel, None, plan)
    }

    /// A definition: `let y = x * w;`, or `let (y, y_pullback) = f_vjp(x);`.
    fn def(&self, id: ValueId, with_pullback: bool) -> TokenStream {
        if self.inline[id.index()] {
            return TokenStream::new();
        }
        let value = self.function.value(id);
        let local = &self.local[id.index()];
        let is_call = matches!(value.op, Op::Call { .. } | Op::MethodCall { .. });
        if with_pullback && is_call {
            let expression = self.expression(id, true);
            let pullback = &self.pullback[id.index()];
            return quote!(let (#local, #pullback) = #expression;);
        }
        let mut expression = self.expression(id, false);
        if let Some(like) = value.like {
            let (krate, like) = (&self.krate, self.reference(like));
            expression = quote!(#krate::__private::typed_like(#like, #expression));
        }
        match &value.ty {
            Some(ty) => quote!(let #local: #ty = #expression;),
            None => quote!(let #local = #expression;),
        }
    }

    /// Renders `block`. With `demand`, only the definitions it lists (and
    /// the regions defining phis it lists) are rendered, for recomputation.
    fn forward_block(
        &self,
        block: &Block,
        pullbacks: Pullbacks,
        demand: Option<&Demand>,
        plan: &Plan,
    ) -> TokenStream {
        let mut tokens = TokenStream::new();
        for stmt in &block.stmts {
            match stmt {
                Stmt::Def(id) => {
                    let with_pullback = match demand {
                        None => match pullbacks {
                            Pullbacks::TopLevel => {
                                self.activity.is_active(*id) && !self.recomputes_pullback(*id)
                            }
                            Pullbacks::Active => self.activity.is_active(*id),
                            Pullbacks::None => false,
                        },
                        Some(demand) => {
                            if !demand.values.contains(id) {
                                continue;
                            }
                            demand.pullbacks.contains(id)
                        }
                    };
                    tokens.extend(self.def(*id, with_pullback));
                }
                Stmt::If(region) => {
                    if let Some(demand) = demand {
                        if !region
                            .phis
                            .iter()
                            .any(|phi| demand.values.contains(&phi.out))
                        {
                            continue;
                        }
                    }
                    tokens.extend(self.forward_region(region, demand, plan));
                }
                Stmt::For(region) => {
                    if let Some(demand) = demand {
                        if !region
                            .carried
                            .iter()
                            .any(|carried| demand.values.contains(&carried.out))
                        {
                            continue;
                        }
                    }
                    tokens.extend(self.forward_loop(region, demand, plan));
                }
                Stmt::Effect(effect) => {
                    if demand.is_none() {
                        let rebind = self.rebind(&effect.uses);
                        let stmt = &effect.stmt;
                        if rebind.is_empty() {
                            tokens.extend(quote!(#stmt));
                        } else {
                            tokens.extend(quote!({ #rebind #stmt }));
                        }
                    }
                }
            }
        }
        tokens
    }

    /// `let (y, z) = if c { ...; (y_then, z_then) } else { ...; (y, z_else) };`
    fn forward_region(
        &self,
        region: &IfRegion,
        demand: Option<&Demand>,
        plan: &Plan,
    ) -> TokenStream {
        let condition = self.operand(Operand::plain(region.condition));
        let phis: Vec<_> = region
            .phis
            .iter()
            .filter(|phi| demand.is_none_or(|d| d.values.contains(&phi.out)))
            .collect();
        let then_block = self.forward_block(&region.then_block, Pullbacks::None, demand, plan);
        let else_block = self.forward_block(&region.else_block, Pullbacks::None, demand, plan);
        let then_values: Vec<_> = phis
            .iter()
            .map(|phi| self.operand(Operand::plain(phi.then_value)))
            .collect();
        let else_values: Vec<_> = phis
            .iter()
            .map(|phi| self.operand(Operand::plain(phi.else_value)))
            .collect();
        let outs: Vec<_> = phis
            .iter()
            .map(|phi| &self.local[phi.out.index()])
            .collect();
        match phis.len() {
            0 if else_block.is_empty() => quote!(if #condition { #then_block }),
            0 => quote!(if #condition { #then_block } else { #else_block }),
            1 => {
                quote!(let #(#outs)* = if #condition { #then_block #(#then_values)* } else { #else_block #(#else_values)* };)
            }
            _ => quote! {
                let (#(#outs),*) = if #condition { #then_block (#(#then_values),*) } else { #else_block (#(#else_values),*) };
            },
        }
    }

    /// `let mut x = init; for i in iter { tape_of_x[i] = x; ...; x = next; }
    /// let x_out = x;`
    fn forward_loop(
        &self,
        region: &ForRegion,
        demand: Option<&Demand>,
        plan: &Plan,
    ) -> TokenStream {
        let tapes = &plan.tapes;
        let mut before = TokenStream::new();
        let mut at_start = TokenStream::new();
        let mut at_end = TokenStream::new();
        let mut after = TokenStream::new();
        let index = self.loop_index(region);
        for carried in &region.carried {
            let header = &self.local[carried.header.index()];
            let init = self.operand(Operand::plain(carried.init));
            let out = &self.local[carried.out.index()];
            if carried.next == carried.header {
                before.extend(quote!(let #header = #init;));
            } else {
                let next = self.operand(Operand::plain(carried.next));
                before.extend(quote!(let mut #header = #init;));
                at_end.extend(quote!(#header = #next;));
            }
            if let Some(count) = tapes.get(&carried.header) {
                let tape = self.tape_name(carried.header);
                before.extend(quote!(let mut #tape = [#header; #count];));
                at_start.extend(quote!(#tape[#index] = #header;));
            }
            after.extend(quote!(let #out = #header;));
        }
        let taped = region
            .carried
            .iter()
            .any(|carried| tapes.contains_key(&carried.header));
        let pattern = if taped {
            index.to_token_stream()
        } else {
            self.loop_pattern(region)
        };
        let iter = self.opaque(&region.iter, &region.iter_uses);
        if let (None, Some(fused)) = (demand, plan.fused.get(&region.id)) {
            let (prelude, iteration) = (&fused.prelude, &fused.iteration);
            let body = self.forward_block(&region.body, Pullbacks::Active, None, plan);
            return quote! {
                #before
                #prelude
                for #pattern in #iter {
                    #body
                    #at_end
                    #iteration
                }
                #after
            };
        }
        let body = self.forward_block(&region.body, Pullbacks::None, demand, plan);
        quote! {
            #before
            for #pattern in #iter {
                #at_start
                #body
                #at_end
            }
            #after
        }
    }

    /// The index of a `for i in 0..N` loop: the local of `i`, or a fresh
    /// name for `for _ in 0..N`.
    pub(crate) fn loop_index(&self, region: &ForRegion) -> Ident {
        match region.bindings.first() {
            Some((_, id)) => self.local[id.index()].clone(),
            None => self.loop_indices[&region.id].clone(),
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
            .map(|(ident, value)| (ident.to_string(), self.local[value.index()].clone()))
            .collect();
        let mut pattern = region.pat.clone();
        Renamer(&map).visit_pat_mut(&mut pattern);
        pattern.into_token_stream()
    }

    /// The local holding the per-iteration values of a carried variable.
    pub(crate) fn tape_name(&self, header: ValueId) -> Ident {
        self.tape_names[&header].clone()
    }

    /// The code recomputing, at the start of a replayed branch, the values of
    /// `block` that its reverse sweep `reads` (and the pullbacks it calls),
    /// with the values they need from outside the block.
    pub(crate) fn recompute(
        &self,
        block: &Block,
        reads: &BTreeSet<ValueId>,
        pullbacks: &BTreeSet<ValueId>,
        plan: &Plan,
    ) -> (TokenStream, BTreeSet<ValueId>) {
        let mut demand = Demand {
            values: BTreeSet::new(),
            pullbacks: pullbacks.clone(),
        };
        let mut outer = reads.clone();
        outer.extend(pullbacks.iter().copied());
        self.demand(block, &mut outer, &mut demand.values);
        (
            self.forward_block(block, Pullbacks::None, Some(&demand), plan),
            outer,
        )
    }

    /// Moves from `wanted` to `found` every value `block` defines, adding
    /// what computing it needs to `wanted`.
    fn demand(&self, block: &Block, wanted: &mut BTreeSet<ValueId>, found: &mut BTreeSet<ValueId>) {
        for stmt in block.stmts.iter().rev() {
            match stmt {
                Stmt::Def(id) => {
                    if wanted.remove(id) {
                        found.insert(*id);
                        wanted.extend(self.function.value(*id).operands());
                        wanted.extend(self.function.value(*id).like);
                    }
                }
                Stmt::If(region) => {
                    let mut any = false;
                    for phi in &region.phis {
                        if wanted.remove(&phi.out) {
                            any = true;
                            found.insert(phi.out);
                            wanted.insert(phi.then_value);
                            wanted.insert(phi.else_value);
                        }
                    }
                    if any {
                        wanted.insert(region.condition);
                        self.demand(&region.then_block, wanted, found);
                        self.demand(&region.else_block, wanted, found);
                    }
                }
                Stmt::For(region) => {
                    if !region
                        .carried
                        .iter()
                        .any(|carried| wanted.contains(&carried.out))
                    {
                        continue;
                    }
                    let mut inner = BTreeSet::new();
                    for carried in &region.carried {
                        wanted.remove(&carried.out);
                        found.insert(carried.out);
                        found.insert(carried.header);
                        wanted.insert(carried.init);
                        inner.insert(carried.next);
                    }
                    self.demand(&region.body, &mut inner, found);
                    for (_, binding) in &region.bindings {
                        found.insert(*binding);
                        inner.remove(binding);
                    }
                    for carried in &region.carried {
                        inner.remove(&carried.header);
                    }
                    wanted.extend(inner);
                    wanted.extend(region.iter_uses.iter().map(|(_, value)| *value));
                }
                Stmt::Effect(_) => {}
            }
        }
    }

    // ---- reverse sweep -------------------------------------------------------

    /// Renders reverse-sweep statements; `mutable` lists the adjoints that
    /// are accumulated into.
    pub(crate) fn reverse(&self, code: &[Rev], mutable: &BTreeSet<ValueId>) -> TokenStream {
        let krate = &self.krate;
        let mut tokens = TokenStream::new();
        for rev in code {
            match rev {
                Rev::Code(code) => tokens.extend(code.clone()),
                Rev::Declare(id) => {
                    let adjoint = &self.adjoint[id.index()];
                    let mutability = mutable.contains(id).then(|| quote!(mut));
                    tokens.extend(quote!(let #mutability #adjoint;));
                }
                Rev::Contribute {
                    target,
                    how,
                    contribution,
                    name,
                } => {
                    let adjoint = name.as_ref().unwrap_or(&self.adjoint[target.index()]);
                    let value = match contribution {
                        Contribution::Plain(c) => c.clone(),
                        Contribution::Negated(c) => quote!(-#c),
                        Contribution::Cotangent(c, span) => {
                            let like = self.reference(*target);
                            quote_spanned!(*span=> #krate::__private::cotangent(#like, #c))
                        }
                        Contribution::Zero(like) => {
                            let reference = self.reference(*like);
                            quote!(#krate::__private::Params::zero_like(#reference))
                        }
                        Contribution::Projected(..) => {
                            let reference = self.reference(*target);
                            quote!(#krate::__private::Params::zero_like(#reference))
                        }
                    };
                    if let Contribution::Projected(place, c) = contribution {
                        let accumulate =
                            quote!(#krate::__private::accumulate(&mut #adjoint #place, #c););
                        tokens.extend(match how {
                            How::Let => quote!(let mut #adjoint = #value; #accumulate),
                            How::Assign | How::Reassign => quote!(#adjoint = #value; #accumulate),
                            How::Accumulate => accumulate,
                        });
                        continue;
                    }
                    tokens.extend(match (how, contribution) {
                        (How::Let, _) => {
                            let mutability = mutable.contains(target).then(|| quote!(mut));
                            quote!(let #mutability #adjoint = #value;)
                        }
                        (How::Assign | How::Reassign, _) => quote!(#adjoint = #value;),
                        (How::Accumulate, Contribution::Plain(c)) => quote!(#adjoint += #c;),
                        (How::Accumulate, Contribution::Negated(c)) => quote!(#adjoint -= #c;),
                        (How::Accumulate, Contribution::Cotangent(c, span)) => {
                            quote_spanned!(*span=> #krate::__private::accumulate(&mut #adjoint, #c);)
                        }
                        (How::Accumulate, Contribution::Zero(_) | Contribution::Projected(..)) => {
                            TokenStream::new()
                        }
                    });
                }
                Rev::Loop { head, body } => {
                    let body = self.reverse(body, mutable);
                    tokens.extend(quote!(for #head { #body }));
                }
                Rev::If {
                    condition,
                    then_branch,
                    else_branch,
                } => {
                    let condition = self.operand(Operand::plain(*condition));
                    let then_branch = self.reverse(then_branch, mutable);
                    let else_branch = self.reverse(else_branch, mutable);
                    tokens.extend(if else_branch.is_empty() {
                        quote!(if #condition { #then_branch })
                    } else {
                        quote!(if #condition { #then_branch } else { #else_branch })
                    });
                }
            }
        }
        tokens
    }

    /// The result expression, as the user wrote it.
    pub(crate) fn result(&self) -> TokenStream {
        self.operand(self.function.result)
    }
}

/// What a recomputation must produce.
struct Demand {
    values: BTreeSet<ValueId>,
    pullbacks: BTreeSet<ValueId>,
}

/// `f` → `f_vjp`, `m::f::<T>` → `m::f_vjp::<T>`.
pub(crate) fn vjp_path(func: &syn::ExprPath) -> syn::ExprPath {
    let mut path = func.clone();
    let last = path.path.segments.last_mut().expect("a path has a segment");
    last.ident = format_ident!("{}_vjp", unraw(&last.ident), span = last.ident.span());
    path
}

fn unraw(ident: &Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#")
        .map_or(text.clone(), ToOwned::to_owned)
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

/// Whether `expr` binds names of its own (a pattern anywhere: closure
/// parameters, `match` arms, `let`, `for`, `if let`).
fn binds_names(expr: &syn::Expr) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_pat(&mut self, _: &'ast syn::Pat) {
            self.0 = true;
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_expr(&mut finder, expr);
    finder.0
}

fn contains_macro(expr: &syn::Expr) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_macro(&mut self, _: &'ast syn::Macro) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_expr(&mut finder, expr);
    finder.0
}

/// Replaces local variables in an expression copied verbatim by the
/// expressions standing for them.
struct Renamer<'m>(&'m HashMap<String, syn::Expr>);

impl VisitMut for Renamer<'_> {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::Path(path) = expr {
            if let Some(ident) = crate::build::single_ident(path) {
                if let Some(replacement) = self.0.get(&ident.to_string()) {
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
                if let Some(replacement) = self.0.get(&ident.to_string()) {
                    field.colon_token = Some(syn::Token![:](ident.span()));
                    field.expr = replacement.clone();
                    return;
                }
            }
        }
        syn::visit_mut::visit_field_value_mut(self, field);
    }
}
