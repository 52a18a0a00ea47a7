//! The adjoint of each kind of value: arithmetic and built-in methods
//! through the runtime's rules, projections, tuples and constructors
//! elementwise, and calls (free and methods) through the pullback their
//! `_vjp` returned.

use super::{AdjointState, ReverseSweep, located_at};
use crate::ir::{ArithOp, Op, Projection, ValueId};
use crate::plan::{Contribution, Rev};
use proc_macro2::TokenStream;
use quote::quote;

impl ReverseSweep<'_, '_> {
    pub(super) fn def(&mut self, id: ValueId, state: &mut AdjointState, out: &mut Vec<Rev>) {
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let value = emitter.function.value(id);
        let adjoint = &emitter.names.adjoint[id.index()];
        if let Some(operand) = emitter.square_operand(id) {
            // `x * x`, `x.powi(2)`: one rule call for both contributions.
            if emitter.activity.is_varied(operand) {
                let read = self.read(operand, value.span);
                let call = located_at(
                    quote!(#krate::__private::SquareRule::square(&#adjoint, #read)),
                    value.span,
                );
                self.contribute(operand, Contribution::Plain(call), state, out);
            }
            return;
        }
        match &value.op {
            Op::Arith { op, lhs, rhs } => {
                let (lhs, rhs) = (lhs.value, rhs.value);
                match op {
                    ArithOp::Add | ArithOp::Sub => {
                        self.contribute(lhs, Contribution::Plain(quote!(#adjoint)), state, out);
                        let rhs_contribution = if *op == ArithOp::Add {
                            Contribution::Plain(quote!(#adjoint))
                        } else {
                            Contribution::Negated(quote!(#adjoint))
                        };
                        self.contribute(rhs, rhs_contribution, state, out);
                    }
                    ArithOp::Mul if self.scaled_square(lhs, rhs).is_some() => {
                        // `c * x * x` (`(c * x) * x`, `c` a constant scalar): the
                        // adjoint of `x` is that of the square of `c * x`,
                        // `2 (c x) ȳ`, in one rule call, as for `c * (x * x)`.
                        let (scaled, x) = self.scaled_square(lhs, rhs).expect("matched");
                        if emitter.activity.is_varied(x) {
                            let operand = self.read(scaled, value.span);
                            let call = located_at(
                                quote!(#krate::__private::SquareRule::square(&#adjoint, #operand)),
                                value.span,
                            );
                            self.contribute(x, Contribution::Plain(call), state, out);
                        }
                    }
                    ArithOp::Mul => {
                        for (target, rule) in [(lhs, quote!(mul_lhs)), (rhs, quote!(mul_rhs))] {
                            if emitter.activity.is_varied(target) {
                                let (l, r) =
                                    (self.read(lhs, value.span), self.read(rhs, value.span));
                                let call = located_at(
                                    quote!(#krate::__private::MulRule::#rule(&#adjoint, #l, #r)),
                                    value.span,
                                );
                                self.contribute(target, Contribution::Plain(call), state, out);
                            }
                        }
                    }
                    ArithOp::Div => {
                        for (target, rule) in [(lhs, quote!(div_lhs)), (rhs, quote!(div_rhs))] {
                            if emitter.activity.is_varied(target) {
                                let (l, r, y) = (
                                    self.read(lhs, value.span),
                                    self.read(rhs, value.span),
                                    self.read(id, value.span),
                                );
                                let call = located_at(
                                    quote!(#krate::__private::DivRule::#rule(&#adjoint, #l, #r, #y)),
                                    value.span,
                                );
                                self.contribute(target, Contribution::Plain(call), state, out);
                            }
                        }
                    }
                }
            }
            Op::Copy { arg } => {
                self.contribute(arg.value, Contribution::Plain(quote!(#adjoint)), state, out);
            }
            Op::Neg { arg } => self.contribute(
                arg.value,
                Contribution::Negated(quote!(#adjoint)),
                state,
                out,
            ),
            Op::Builtin {
                rule,
                receiver,
                args,
                ..
            } => {
                let operands: Vec<ValueId> = std::iter::once(receiver.value)
                    .chain(args.iter().map(|a| a.value))
                    .collect();
                for (position, rule_name) in rule.operands.iter().enumerate() {
                    let Some(rule_name) = rule_name else { continue };
                    let target = operands[position];
                    if !emitter.activity.is_varied(target) {
                        continue;
                    }
                    let references: Vec<TokenStream> = operands
                        .iter()
                        .map(|operand| self.read(*operand, value.span))
                        .collect();
                    let output = self.read(id, value.span);
                    let rule: syn::Path = syn::parse_str(rule_name).expect("a rule path");
                    let call = located_at(
                        quote!(#krate::__private::#rule(&#adjoint, #(#references,)* #output)),
                        value.span,
                    );
                    self.contribute(target, Contribution::Plain(call), state, out);
                }
            }
            Op::Call { args, spans, .. } => {
                let arguments: Vec<ValueId> = args.iter().map(|a| a.value).collect();
                self.pullback(id, &arguments, spans, state, out);
            }
            Op::MethodCall {
                receiver,
                args,
                spans,
                ..
            } => {
                let arguments: Vec<ValueId> = std::iter::once(receiver.value)
                    .chain(args.iter().map(|a| a.value))
                    .collect();
                self.pullback(id, &arguments, spans, state, out);
            }
            Op::Project { base, projection } => {
                let (place, index) = match projection {
                    Projection::Field(member) => (quote!(.#member), None),
                    Projection::Index(index) => {
                        self.reads.insert(index.value);
                        let rendered = emitter.operand(*index);
                        (quote!([#rendered]), Some(index.value))
                    }
                };
                self.reads.insert(base.value);
                self.contribute(
                    base.value,
                    Contribution::Projected(place, quote!(#adjoint), index),
                    state,
                    out,
                );
            }
            Op::Tuple { elements } => {
                for (position, element) in elements.iter().enumerate() {
                    let index = syn::Index::from(position);
                    self.contribute(
                        element.value,
                        Contribution::Plain(quote!(#adjoint.#index)),
                        state,
                        out,
                    );
                }
            }
            Op::Array { elements } => {
                for (position, element) in elements.iter().enumerate() {
                    self.contribute(
                        element.value,
                        Contribution::Plain(quote!(#adjoint[#position])),
                        state,
                        out,
                    );
                }
            }
            Op::Struct { fields, .. } => {
                for (member, field) in fields {
                    self.contribute(
                        field.value,
                        Contribution::Plain(quote!(#adjoint.#member)),
                        state,
                        out,
                    );
                }
            }
            Op::NewMatrix { args, .. } => {
                for (position, argument) in args.iter().enumerate() {
                    let call =
                        quote!(#krate::__private::matrix_rules::new_argument(&#adjoint, #position));
                    self.contribute(argument.value, Contribution::Plain(call), state, out);
                }
            }
            Op::VectorFrom { arg, .. } => {
                let call = quote!(#krate::__private::matrix_rules::vector_from_argument(&#adjoint));
                self.contribute(arg.value, Contribution::Plain(call), state, out);
            }
            // Parameters and constants have no operands; phis and loop values
            // are handled by their region; unsupported opaque values were
            // reported.
            Op::LoopVar | Op::LoopHeader | Op::LoopOut => {}
            Op::Param { .. } | Op::Const { .. } | Op::Opaque { .. } | Op::Phi => {}
        }
    }

    /// `let (cotangent_of_a, _) = y_pullback(adj_of_y);` and the
    /// contributions of the cotangents.
    pub(super) fn pullback(
        &mut self,
        id: ValueId,
        arguments: &[ValueId],
        spans: &[proc_macro2::Span],
        state: &mut AdjointState,
        out: &mut Vec<Rev>,
    ) {
        let emitter = self.emitter;
        self.pullbacks.insert(id);
        let pullback = &emitter.names.pullback[id.index()];
        let adjoint = &emitter.names.adjoint[id.index()];
        let mut patterns = Vec::new();
        let mut contributions = Vec::new();
        for (position, argument) in arguments.iter().enumerate() {
            if emitter.activity.is_varied(*argument) {
                let name = emitter.names.cotangent(id, position);
                patterns.push(quote!(#name));
                contributions.push((*argument, name, spans[position]));
            } else {
                patterns.push(quote!(_));
            }
        }
        if self.top_level && emitter.recomputes_pullback(id) {
            out.push(Rev::Code(emitter.make_pullback(id)));
        }
        // The cotangents after the last one used are left to `..`: a call
        // with the wrong number of arguments is reported once, by rustc at
        // the user's call, and not again as a tuple of the wrong length.
        while patterns.last().is_some_and(|p| p.to_string() == "_") {
            patterns.pop();
        }
        out.push(Rev::Code(located_at(
            quote!(let (#(#patterns,)* ..) = #pullback(#adjoint);),
            emitter.function.value(id).span,
        )));
        for (argument, mut name, span) in contributions {
            // A type error in the cotangent points at the user's argument.
            name.set_span(name.span().located_at(span));
            self.reads.insert(argument);
            self.contribute(
                argument,
                Contribution::Cotangent(quote!(#name), span),
                state,
                out,
            );
        }
    }
}

impl ReverseSweep<'_, '_> {
    /// For the operands of a product `lhs * rhs` that is `(c * x) * x`,
    /// `(x * c) * x` or `x * (c * x)` with `c` a scalar that is not
    /// differentiated (a float literal, or declared `f32`/`f64`: a scalar,
    /// so that the product is `c x²` for square matrices too) and `c * x`
    /// used by this product only: `c * x` and `x`.
    fn scaled_square(&self, lhs: ValueId, rhs: ValueId) -> Option<(ValueId, ValueId)> {
        let emitter = self.emitter;
        let function = emitter.function;
        let plain = |operand: &crate::ir::Operand, value: ValueId| {
            operand.value == value && operand.access == crate::ir::Access::Plain
        };
        let of = |scaled: ValueId, x: ValueId| -> bool {
            let Op::Arith {
                op: ArithOp::Mul,
                lhs: inner_lhs,
                rhs: inner_rhs,
            } = &function.value(scaled).op
            else {
                return false;
            };
            let literal_and_x = (emitter.is_constant_scalar(inner_lhs.value)
                && plain(inner_rhs, x))
                || (emitter.is_constant_scalar(inner_rhs.value) && plain(inner_lhs, x));
            literal_and_x && emitter.is_used_once(scaled)
        };
        if of(lhs, rhs) {
            Some((lhs, rhs))
        } else if of(rhs, lhs) {
            Some((rhs, lhs))
        } else {
            None
        }
    }
}
