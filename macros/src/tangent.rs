//! Forward mode: the tangent transformation of the IR, for `NAME_jvp`
//! (first order) and `NAME_jvp2` (hyper-dual, for `_hessian` and `_hvp`).
//!
//! The primal runs as written; every *active* value (varied by a
//! differentiated argument, and needed by the result) gets, right after its
//! definition, its tangent: one local `tangent_of_y` of the same type as `y`
//! (a reference where `y` is one, so that every use of a tangent is written
//! exactly as the user wrote the use of the value). No tape, no stored
//! values: a loop carries its tangents beside its values, an `if` merges
//! them with its values.
//!
//! Before (`#[differentiable(jvp)]`):
//! ```text
//! let r = x * x;
//! r.sin()
//! ```
//! After (`f_jvp(x, tangent_of_x)`):
//! ```text
//! let r = x * x;
//! let tangent_of_r = tangent_of_x * x + x * tangent_of_x;
//! let v2 = r.sin();
//! let tangent_of_v2 = scalar_rules::sin_jvp(&tangent_of_r, &r, &v2);
//! (v2, tangent_of_v2)
//! ```
//!
//! Products and sums are written with the user's operator (`ȧ·b + a·ḃ`),
//! so they are differentiated for exactly the types the primal multiplies;
//! quotients and methods call the runtime's `_jvp` rules, calls the
//! callee's `_jvp` sibling (linked by name, like `_vjp`).
//!
//! Second order ([`Order::Second`]) carries three kinds of tangents per
//! value, along directions `u` and `v` and the mixed second-order ones: a
//! hyper-dual number `y + y_u·ε₁ + y_v·ε₂ + y_uv·ε₁ε₂`, in lanes: arrays of
//! `LANES_U` tangents along `u₁, u₂, ..`, `LANES_V` along `v₁, ..` and
//! `LANES_U × LANES_V` second-order ones, each lane written as in first
//! order inside `from_fn(|lane_u| ..)`. The first two follow the
//! first-order rules; `y_uv` is linear in the operands' `_uv` tangents (the
//! same rules) plus each operation's second-order term (`ȧ_u·ḃ_v + ȧ_v·ḃ_u`
//! for a product, the runtime's `_second` rules for methods). A scalar
//! method's partial derivatives are computed once, before its lanes
//! ([`Tangents::scalar_partials`]).

use crate::ir::{Access, Block, ForRegion, IfRegion, Op, Operand, Projection, Stmt, ValueId};
use crate::render::Emitter;
use crate::reverse::located_at;
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};

/// Which forward mode to generate.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// One tangent per value (`NAME_jvp`).
    First,
    /// Tangents along `u`, along `v`, and the second-order one (`NAME_jvp2`).
    Second,
}

/// The tangent along `u` (the only one in first order).
pub(crate) const U: usize = 0;
/// The tangent along `v`.
pub(crate) const V: usize = 1;
/// The second-order tangent.
pub(crate) const UV: usize = 2;

/// Renders the forward-mode body of one function.
pub(crate) struct Tangents<'e, 'a> {
    pub(crate) emitter: &'e Emitter<'a>,
    pub(crate) order: Order,
}

impl Tangents<'_, '_> {
    fn slots(&self) -> &'static [usize] {
        match self.order {
            Order::First => &[U],
            Order::Second => &[U, V, UV],
        }
    }

    fn active(&self, value: ValueId) -> bool {
        self.emitter.activity.is_active(value)
    }

    /// The body of the function: primal and tangents, then
    /// `(value, tangents...)`.
    pub(crate) fn body(&self) -> TokenStream {
        let emitter = self.emitter;
        let block = self.block(&emitter.function.body);
        let value = emitter.result();
        let result = emitter.function.result;
        let tangents: Vec<TokenStream> = self
            .slots()
            .iter()
            .map(|slot| match self.order {
                Order::First if self.active(result.value) => self.operand(*slot, result),
                Order::First => self.zero(result.value),
                Order::Second => self.carried(*slot, result.value),
            })
            .collect();
        quote! {
            #block
            (#value, #(#tangents),*)
        }
    }

    fn block(&self, block: &Block) -> TokenStream {
        let mut tokens = TokenStream::new();
        for stmt in &block.stmts {
            match stmt {
                Stmt::Def(id) => tokens.extend(self.def(*id)),
                Stmt::If(region) => tokens.extend(self.region(region)),
                Stmt::For(region) => tokens.extend(self.for_loop(region)),
                Stmt::Effect(effect) => {
                    let rebind = self.emitter.rebind(&effect.uses);
                    let stmt = &effect.stmt;
                    if rebind.is_empty() {
                        tokens.extend(quote!(#stmt));
                    } else {
                        tokens.extend(quote!({ #rebind #stmt }));
                    }
                }
            }
        }
        tokens
    }

    /// The primal definition and, for an active value, its tangents.
    fn def(&self, id: ValueId) -> TokenStream {
        let emitter = self.emitter;
        let value = emitter.function.value(id);
        if !self.active(id) || emitter.inline[id.index()] {
            return emitter.def(id, false);
        }
        if let Op::Call { .. } | Op::MethodCall { .. } = value.op {
            return self.call(id);
        }
        let mut tokens = emitter.def(id, false);
        if let Some(partials) = self.scalar_partials(id) {
            tokens.extend(partials);
            return tokens;
        }
        for slot in self.slots() {
            let tangent = &emitter.names.tangent[*slot][id.index()];
            let expression = if *slot == UV {
                self.second(id)
            } else {
                self.first(*slot, id)
            };
            let expression = self.lanes(*slot, located_at(expression, value.span));
            tokens.extend(quote!(let #tangent = #expression;));
        }
        tokens
    }

    /// `let (y, tangent_of_y) = g_jvp(a, b, &tangent_of_a, NoTangent);`
    fn call(&self, id: ValueId) -> TokenStream {
        if self.order == Order::Second {
            return self.call_second(id);
        }
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let value = emitter.function.value(id);
        let span = value.span;
        let local = &emitter.names.local[id.index()];
        let tangent = &emitter.names.tangent[U][id.index()];
        let tangent_argument = |operand: &Operand| {
            if self.active(operand.value) {
                self.reference(U, operand.value)
            } else {
                quote!(#krate::__private::NoTangent)
            }
        };
        let call = match &value.op {
            Op::Call { func, args, .. } => {
                let func = jvp_path(func);
                let primal = args.iter().map(|arg| emitter.operand(*arg));
                let tangents = args.iter().map(tangent_argument);
                quote_spanned!(span=> #func(#(#primal,)* #(#tangents),*))
            }
            Op::MethodCall {
                receiver,
                method,
                turbofish,
                args,
                ..
            } => {
                let method = quote::format_ident!(
                    "{}_jvp",
                    crate::names::unraw(method),
                    span = method.span()
                );
                let primal = args.iter().map(|arg| emitter.operand(*arg));
                let tangents = std::iter::once(receiver).chain(args).map(tangent_argument);
                let receiver = emitter.receiver(*receiver);
                quote_spanned!(span=> #receiver.#method #turbofish(#(#primal,)* #(#tangents),*))
            }
            _ => unreachable!("only calls are linked by name"),
        };
        quote!(let (#local, #tangent) = #call;)
    }

    /// `let (y, tangent_of_y, tangent_v_of_y, tangent_uv_of_y) = g_jvp2(a,
    /// b, Hyper { u: &.., v: &.., uv: Some(&..) }, NoTangent);`: a call of
    /// another function, linked by name to its hyper-dual sibling, which
    /// takes every lane of the tangents at once.
    fn call_second(&self, id: ValueId) -> TokenStream {
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let value = emitter.function.value(id);
        let span = value.span;
        let Op::Call { func, args, .. } = &value.op else {
            unreachable!("the checks allow only calls of functions in a `_jvp2`")
        };
        let func = suffixed_path(func, "_jvp2");
        let primal = args.iter().map(|arg| emitter.operand(*arg));
        let tangents = args.iter().map(|operand| {
            if !self.active(operand.value) {
                return quote!(#krate::__private::NoTangent);
            }
            let [u, v, uv] = [U, V, UV].map(|slot| self.carried(slot, operand.value));
            quote!(#krate::__private::Hyper { u: &#u, v: &#v, uv: ::core::option::Option::Some(&#uv) })
        });
        let local = &emitter.names.local[id.index()];
        let [u, v, uv] = [U, V, UV].map(|slot| &emitter.names.tangent[slot][id.index()]);
        let call = quote_spanned!(span=> #func(#(#primal,)* #(#tangents),*));
        quote!(let (#local, #u, #v, #uv) = #call;)
    }

    /// In second order, the tangents of a scalar method (`x.powf(p)`,
    /// `x.sin()`): its partial derivatives first, once, from the runtime's
    /// rules at unit tangents (`∂y/∂x = powf_base_jvp(1, x, p, y)`, the
    /// second-order rule bilinear in its tangents gives each `∂²y/∂x∂p`),
    /// then every lane as their combination, so that no lane recomputes a
    /// logarithm or a power. `None` for other values and in first order.
    fn scalar_partials(&self, id: ValueId) -> Option<TokenStream> {
        if self.order == Order::First {
            return None;
        }
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let value = emitter.function.value(id);
        let Op::Builtin {
            rule,
            receiver,
            args,
            ..
        } = &value.op
        else {
            return None;
        };
        let scalar =
            |path: &Option<&str>| path.is_none_or(|path| path.starts_with("scalar_rules::"));
        if !rule.tangents.iter().all(scalar) || !scalar(&rule.second) {
            return None;
        }
        let operands: Vec<ValueId> = std::iter::once(receiver.value)
            .chain(args.iter().map(|a| a.value))
            .collect();
        let references: Vec<TokenStream> = operands
            .iter()
            .map(|operand| emitter.reference(*operand))
            .collect();
        let output = emitter.reference(id);
        let active: Vec<usize> = (0..operands.len())
            .filter(|k| rule.tangents[*k].is_some() && self.active(operands[*k]))
            .collect();
        let base = &emitter.names.tangent[U][id.index()];
        let first_name = |k: usize| format_ident!("{}_d{}", base, k, span = Span::mixed_site());
        let second_name =
            |k: usize, l: usize| format_ident!("{}_d{}{}", base, k, l, span = Span::mixed_site());
        let mut tokens = TokenStream::new();
        for k in &active {
            let path: syn::Path =
                syn::parse_str(rule.tangents[*k].expect("an active operand has a rule"))
                    .expect("a rule path");
            let name = first_name(*k);
            tokens.extend(quote!(let #name = #krate::__private::#path(&#krate::__private::unit_like(#output), #(#references,)* #output);));
        }
        let mut pairs = Vec::new();
        if let Some(second) = rule.second {
            let path: syn::Path = syn::parse_str(second).expect("a rule path");
            let along = |unit: usize| -> Vec<TokenStream> {
                (0..operands.len())
                    .map(|m| {
                        if rule.tangents[m].is_none() {
                            references[m].clone()
                        } else if m == unit {
                            quote!(&#krate::__private::unit_like(#output))
                        } else {
                            quote!(&#krate::__private::scalar_zero())
                        }
                    })
                    .collect()
            };
            for (position, k) in active.iter().enumerate() {
                for l in &active[position..] {
                    let name = second_name(*k, *l);
                    let (along_u, along_v) = (along(*k), along(*l));
                    tokens.extend(quote!(let #name = #krate::__private::#path(#(#references,)* #(#along_u,)* #(#along_v,)* #output);));
                    pairs.push((*k, *l));
                }
            }
        }
        let tangent = |slot: usize, k: usize| {
            let reference = self.reference(slot, operands[k]);
            quote!((*#reference))
        };
        for slot in [U, V, UV] {
            let mut terms: Vec<TokenStream> = active
                .iter()
                .map(|k| {
                    let (name, tangent) = (first_name(*k), tangent(slot, *k));
                    quote!(#name * #tangent)
                })
                .collect();
            if slot == UV {
                for (k, l) in &pairs {
                    let name = second_name(*k, *l);
                    let (u_k, v_l) = (tangent(U, *k), tangent(V, *l));
                    if k == l {
                        terms.push(quote!(#name * #u_k * #v_l));
                    } else {
                        let (u_l, v_k) = (tangent(U, *l), tangent(V, *k));
                        terms.push(quote!(#name * (#u_k * #v_l + #u_l * #v_k)));
                    }
                }
            }
            let name = &emitter.names.tangent[slot][id.index()];
            let expression = self.lanes(slot, located_at(quote!(#(#terms)+*), value.span));
            tokens.extend(quote!(let #name = #expression;));
        }
        Some(tokens)
    }

    /// In second order, `expression` (one lane of the tangent `slot`,
    /// written with `lane_u`/`lane_v`) for every lane:
    /// `from_fn(|lane_u| ..)`, nested for the second-order tangents. In
    /// first order, `expression` itself.
    fn lanes(&self, slot: usize, expression: TokenStream) -> TokenStream {
        if self.order == Order::First {
            return expression;
        }
        let names = &self.emitter.names;
        let ([lane_u, lane_v], [count_u, count_v]) = (&names.lanes, &names.lane_counts);
        match slot {
            U => quote!(::core::array::from_fn::<_, #count_u, _>(|#lane_u| #expression)),
            V => quote!(::core::array::from_fn::<_, #count_v, _>(|#lane_v| #expression)),
            _ => quote! {
                ::core::array::from_fn::<_, #count_u, _>(|#lane_u| {
                    ::core::array::from_fn::<_, #count_v, _>(|#lane_v| #expression)
                })
            },
        }
    }

    /// The local holding the tangent `slot` of `value`, indexed by the lane
    /// in second order (`tangent_of_y[lane_u]`).
    fn local(&self, slot: usize, value: ValueId) -> TokenStream {
        let names = &self.emitter.names;
        let local = &names.tangent[slot][value.index()];
        if self.order == Order::First {
            return local.to_token_stream();
        }
        let [lane_u, lane_v] = &names.lanes;
        match slot {
            U => quote!(#local[#lane_u]),
            V => quote!(#local[#lane_v]),
            _ => quote!(#local[#lane_u][#lane_v]),
        }
    }

    /// The tangent `slot` (`U` or `V`) of the active value `id`.
    fn first(&self, slot: usize, id: ValueId) -> TokenStream {
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let value = emitter.function.value(id);
        match &value.op {
            Op::Arith { op, lhs, rhs } => {
                let (lhs_active, rhs_active) = (self.active(lhs.value), self.active(rhs.value));
                let (tangent_lhs, tangent_rhs) =
                    (self.operand(slot, *lhs), self.operand(slot, *rhs));
                let (primal_lhs, primal_rhs) = (emitter.operand(*lhs), emitter.operand(*rhs));
                match (op, lhs_active, rhs_active) {
                    (crate::ir::ArithOp::Add, true, true) => quote!(#tangent_lhs + #tangent_rhs),
                    (crate::ir::ArithOp::Sub, true, true) => quote!(#tangent_lhs - #tangent_rhs),
                    (crate::ir::ArithOp::Add | crate::ir::ArithOp::Sub, true, false) => {
                        self.owned(slot, lhs.value)
                    }
                    (crate::ir::ArithOp::Add, false, _) => self.owned(slot, rhs.value),
                    (crate::ir::ArithOp::Sub, false, _) => {
                        let owned = self.owned(slot, rhs.value);
                        quote!(-#owned)
                    }
                    (crate::ir::ArithOp::Mul, true, true) => {
                        quote!(#tangent_lhs * #primal_rhs + #primal_lhs * #tangent_rhs)
                    }
                    (crate::ir::ArithOp::Mul, true, false) => quote!(#tangent_lhs * #primal_rhs),
                    (crate::ir::ArithOp::Mul, false, _) => quote!(#primal_lhs * #tangent_rhs),
                    (crate::ir::ArithOp::Div, _, _) => {
                        let mut terms = Vec::new();
                        if lhs_active {
                            terms.push(quote!(#tangent_lhs / #primal_rhs));
                        }
                        if rhs_active {
                            let (tangent, lhs, rhs, output) = (
                                self.reference(slot, rhs.value),
                                emitter.reference(lhs.value),
                                emitter.reference(rhs.value),
                                emitter.reference(id),
                            );
                            terms.push(quote!(#krate::__private::DivRule::div_rhs_jvp(#tangent, #lhs, #rhs, #output)));
                        }
                        quote!(#(#terms)+*)
                    }
                }
            }
            Op::Builtin {
                rule,
                receiver,
                args,
                ..
            } => {
                let operands: Vec<ValueId> = std::iter::once(receiver.value)
                    .chain(args.iter().map(|a| a.value))
                    .collect();
                let references: Vec<TokenStream> = operands
                    .iter()
                    .map(|operand| emitter.reference(*operand))
                    .collect();
                let output = emitter.reference(id);
                let terms = rule
                    .tangents
                    .iter()
                    .zip(&operands)
                    .filter_map(|(path, operand)| {
                        let path = (*path)?;
                        if !self.active(*operand) {
                            return None;
                        }
                        let path: syn::Path = syn::parse_str(path).expect("a rule path");
                        let tangent = self.reference(slot, *operand);
                        Some(quote!(#krate::__private::#path(#tangent, #(#references,)* #output)))
                    });
                quote!(#(#terms)+*)
            }
            _ => self.linear(slot, id),
        }
    }

    /// The second-order tangent of the active value `id`.
    fn second(&self, id: ValueId) -> TokenStream {
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let value = emitter.function.value(id);
        match &value.op {
            Op::Arith { op, lhs, rhs } => {
                let (lhs_active, rhs_active) = (self.active(lhs.value), self.active(rhs.value));
                match op {
                    crate::ir::ArithOp::Add | crate::ir::ArithOp::Sub => self.first(UV, id),
                    crate::ir::ArithOp::Mul => {
                        let (primal_lhs, primal_rhs) =
                            (emitter.operand(*lhs), emitter.operand(*rhs));
                        let mut terms = Vec::new();
                        if lhs_active {
                            let second = self.operand(UV, *lhs);
                            terms.push(quote!(#second * #primal_rhs));
                        }
                        if rhs_active {
                            let second = self.operand(UV, *rhs);
                            terms.push(quote!(#primal_lhs * #second));
                        }
                        if lhs_active && rhs_active {
                            let (lhs_u, lhs_v) = (self.operand(U, *lhs), self.operand(V, *lhs));
                            let (rhs_u, rhs_v) = (self.operand(U, *rhs), self.operand(V, *rhs));
                            terms.push(quote!(#lhs_u * #rhs_v + #lhs_v * #rhs_u));
                        }
                        quote!(#(#terms)+*)
                    }
                    crate::ir::ArithOp::Div => {
                        let mut terms = Vec::new();
                        if lhs_active {
                            let (second, primal_rhs) =
                                (self.operand(UV, *lhs), emitter.operand(*rhs));
                            terms.push(quote!(#second / #primal_rhs));
                        }
                        if rhs_active {
                            let (rhs_u, rhs_v, rhs_uv) = (
                                self.reference(U, rhs.value),
                                self.reference(V, rhs.value),
                                self.reference(UV, rhs.value),
                            );
                            let (lhs, rhs) =
                                (emitter.reference(lhs.value), emitter.reference(rhs.value));
                            let output = emitter.reference(id);
                            let (output_u, output_v) = (self.local(U, id), self.local(V, id));
                            terms.push(quote!(#krate::__private::DivRule::div_rhs_second(#lhs, #rhs, #rhs_u, #rhs_v, #rhs_uv, #output, &#output_u, &#output_v)));
                        }
                        quote!(#(#terms)+*)
                    }
                }
            }
            Op::Builtin {
                rule,
                receiver,
                args,
                ..
            } => {
                let first = self.first(UV, id);
                let Some(second) = rule.second else {
                    return first;
                };
                let operands: Vec<ValueId> = std::iter::once(receiver.value)
                    .chain(args.iter().map(|a| a.value))
                    .collect();
                let references: Vec<TokenStream> = operands
                    .iter()
                    .map(|operand| emitter.reference(*operand))
                    .collect();
                let directional = |slot: usize| -> Vec<TokenStream> {
                    operands
                        .iter()
                        .zip(rule.tangents)
                        .map(|(operand, tangent_rule)| {
                            if tangent_rule.is_none() {
                                // Not differentiable (an integer exponent):
                                // the rule takes the operand itself.
                                emitter.reference(*operand)
                            } else if self.active(*operand) {
                                self.reference(slot, *operand)
                            } else {
                                let zero = self.zero(*operand);
                                quote!(&#zero)
                            }
                        })
                        .collect()
                };
                let (along_u, along_v) = (directional(U), directional(V));
                let output = emitter.reference(id);
                let path: syn::Path = syn::parse_str(second).expect("a rule path");
                quote!(#first + #krate::__private::#path(#(#references,)* #(#along_u,)* #(#along_v,)* #output))
            }
            _ => self.linear(UV, id),
        }
    }

    /// The tangent of a value that is linear in its operands: the same
    /// construction with each active operand's tangent, and zero for the
    /// others.
    fn linear(&self, slot: usize, id: ValueId) -> TokenStream {
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let value = emitter.function.value(id);
        let span = value.span;
        let element = |operand: &Operand| {
            if self.active(operand.value) {
                self.operand(slot, *operand)
            } else {
                self.zero(operand.value)
            }
        };
        match &value.op {
            Op::Neg { arg } => {
                let tangent = self.operand(slot, *arg);
                quote_spanned!(span=> -#tangent)
            }
            Op::Copy { arg } => self.operand(slot, *arg),
            Op::Tuple { elements } => {
                let elements: Vec<_> = elements.iter().map(element).collect();
                if elements.len() == 1 {
                    quote!((#(#elements,)*))
                } else {
                    quote!((#(#elements),*))
                }
            }
            Op::Array { elements } => {
                let elements = elements.iter().map(element);
                quote!([#(#elements),*])
            }
            Op::Struct { path, fields } => {
                let fields = fields.iter().map(|(member, operand)| {
                    let value = element(operand);
                    quote!(#member: #value)
                });
                quote_spanned!(span=> #path { #(#fields),* })
            }
            Op::NewMatrix { func, args } => {
                let args = args.iter().map(|arg| {
                    if self.active(arg.value) {
                        self.operand(slot, *arg)
                    } else {
                        quote!(#krate::__private::scalar_zero())
                    }
                });
                quote_spanned!(span=> #func(#(#args),*))
            }
            Op::VectorFrom { func, arg } => {
                let arg = element(arg);
                quote_spanned!(span=> #func(#arg))
            }
            // Projections are written in place; the others are never active
            // once the checks passed (their errors stop generation).
            _ => self.zero(id),
        }
    }

    /// `let (y, tangent_of_y) = if c { ...; (y1, tangent_of_y1) } else { ... };`
    fn region(&self, region: &IfRegion) -> TokenStream {
        let emitter = self.emitter;
        let condition = emitter.operand(Operand::plain(region.condition));
        let then_block = self.block(&region.then_block);
        let else_block = self.block(&region.else_block);
        let mut outs = Vec::new();
        let mut then_values = Vec::new();
        let mut else_values = Vec::new();
        for phi in &region.phis {
            outs.push(emitter.names.local[phi.out.index()].to_token_stream());
            then_values.push(emitter.operand(Operand::plain(phi.then_value)));
            else_values.push(emitter.operand(Operand::plain(phi.else_value)));
            if self.active(phi.out) {
                for slot in self.slots() {
                    outs.push(emitter.names.tangent[*slot][phi.out.index()].to_token_stream());
                    then_values.push(self.carried(*slot, phi.then_value));
                    else_values.push(self.carried(*slot, phi.else_value));
                }
            }
        }
        match outs.len() {
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

    /// `let mut x = init; let mut tangent_of_x = ...; for .. in .. { ...;
    /// x = next; tangent_of_x = tangent_of_next; } let x_out = x; ...`
    fn for_loop(&self, region: &ForRegion) -> TokenStream {
        let emitter = self.emitter;
        let mut before = TokenStream::new();
        let mut at_end = TokenStream::new();
        let mut after = TokenStream::new();
        for carried in &region.carried {
            let mut names = vec![(
                emitter.names.local[carried.header.index()].clone(),
                emitter.names.local[carried.out.index()].clone(),
                emitter.operand(Operand::plain(carried.init)),
                emitter.operand(Operand::plain(carried.next)),
            )];
            if self.active(carried.header) {
                for slot in self.slots() {
                    names.push((
                        emitter.names.tangent[*slot][carried.header.index()].clone(),
                        emitter.names.tangent[*slot][carried.out.index()].clone(),
                        self.carried(*slot, carried.init),
                        self.carried(*slot, carried.next),
                    ));
                }
            }
            for (header, out, init, next) in names {
                if carried.next == carried.header {
                    before.extend(quote!(let #header = #init;));
                } else {
                    before.extend(quote!(let mut #header = #init;));
                    at_end.extend(quote!(#header = #next;));
                }
                after.extend(quote!(let #out = #header;));
            }
        }
        let pattern = emitter.loop_pattern(region);
        let iter = emitter.opaque(&region.iter, &region.iter_uses);
        let body = self.block(&region.body);
        // A loop that a `break` ends stops at the first iteration that finds
        // the flag set (a `while` loop's iterator never ends by itself).
        let exit = region.exit.map(|flag| {
            let flag = &emitter.names.local[flag.index()];
            quote!(if #flag { break; })
        });
        quote! {
            #before
            for #pattern in #iter {
                #exit
                #body
                #at_end
            }
            #after
        }
    }

    /// The tangent of a value merged by a region (a phi's input, a loop's
    /// initial or next value), as an owned value: zero if it is not active.
    fn carried(&self, slot: usize, value: ValueId) -> TokenStream {
        if self.order == Order::Second
            && self.active(value)
            && self.place(slot, value).is_none()
            && !self.emitter.is_ref(value)
        {
            // Every lane at once.
            let local = &self.emitter.names.tangent[slot][value.index()];
            return quote!(::core::clone::Clone::clone(&#local));
        }
        let lane = if self.active(value) {
            self.owned(slot, value)
        } else {
            self.zero(value)
        };
        self.lanes(slot, lane)
    }

    /// The tangent `slot` of an active operand, written as the user wrote
    /// the operand (`tangent_of_x`, `*tangent_of_x`, `tangent_of_p.w[i]`).
    pub(crate) fn operand(&self, slot: usize, operand: Operand) -> TokenStream {
        let base = self
            .place(slot, operand.value)
            .unwrap_or_else(|| self.local(slot, operand.value));
        match operand.access {
            Access::Plain => base,
            Access::Ref => quote!(&#base),
            Access::Deref => quote!(*#base),
        }
    }

    /// A projection of a tangent, in place: `tangent_of_p.w[i]`.
    fn place(&self, slot: usize, value: ValueId) -> Option<TokenStream> {
        let Op::Project { base, projection } = &self.emitter.function.value(value).op else {
            return None;
        };
        let rendered = self.operand(slot, *base);
        let base = if base.access == Access::Plain {
            rendered
        } else {
            quote!((#rendered))
        };
        Some(match projection {
            Projection::Field(member) => quote!(#base.#member),
            Projection::Index(index) => {
                let index = self.emitter.operand(*index);
                quote!(#base[#index])
            }
        })
    }

    /// A reference to the tangent of an active value, as rules take it.
    fn reference(&self, slot: usize, value: ValueId) -> TokenStream {
        if let Some(place) = self.place(slot, value) {
            return quote!(&#place);
        }
        let local = self.local(slot, value);
        if self.emitter.is_ref(value) {
            quote!(#local)
        } else {
            quote!(&#local)
        }
    }

    /// The tangent of an active value as an owned value.
    fn owned(&self, slot: usize, value: ValueId) -> TokenStream {
        let reference = self.reference(slot, value);
        quote!(::core::clone::Clone::clone(#reference))
    }

    /// Zero of the type of `value`.
    fn zero(&self, value: ValueId) -> TokenStream {
        let krate = &self.emitter.krate;
        let reference = self.emitter.reference(value);
        quote!(#krate::__private::Params::zero_like(#reference))
    }
}

/// `f` → `f_jvp`, `m::f::<T>` → `m::f_jvp::<T>`.
fn jvp_path(func: &syn::ExprPath) -> syn::ExprPath {
    suffixed_path(func, "_jvp")
}

/// `m::f::<T>` → `m::f{suffix}::<T>`.
fn suffixed_path(func: &syn::ExprPath, suffix: &str) -> syn::ExprPath {
    let mut path = func.clone();
    let last = path.path.segments.last_mut().expect("a path has a segment");
    last.ident = quote::format_ident!(
        "{}{suffix}",
        crate::names::unraw(&last.ident),
        span = last.ident.span()
    );
    path
}
