//! Calls: built-in methods (by the rules table), methods and functions
//! linked by name to their `_vjp`, and nalgebra constructors.

use super::Builder;
use crate::ir::{Op, Opacity, Operand};
use crate::rules;
use proc_macro2::Ident;
use syn::spanned::Spanned;

impl Builder<'_> {
    pub(super) fn lower_method_call(&mut self, call: &syn::ExprMethodCall) -> Operand {
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

    pub(super) fn lower_call(&mut self, call: &syn::ExprCall) -> Operand {
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
        if name == "detach" && call.args.len() == 1 && !is_type_qualified(func) {
            // `detach(x)` (JAX's `stop_gradient`): the value of `x`, a
            // constant for differentiation.
            return self.opaque(&syn::Expr::Call(call.clone()), Opacity::ZeroDerivative);
        }
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
                    // `f64::max(a, b)` is the method call `a.max(b)`; a
                    // literal receiver keeps the type the path gave it
                    // (`f64::powf(0.5, n)` is `0.5_f64.powf(n)`).
                    let segments = &func.path.segments;
                    let owner = segments.len().checked_sub(2).map(|i| &segments[i].ident);
                    let receiver = match owner.and_then(|owner| typed_literal(&call.args[0], owner))
                    {
                        Some(typed) => self.lower(&typed),
                        None => self.lower(&call.args[0]),
                    };
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
        // The generated `f_vjp(..)` call takes the span of the user's
        // parentheses, so that rustc's messages about the arguments (a wrong
        // number of them) quote the user's call correctly.
        self.define(
            Op::Call {
                func: func.clone(),
                args,
                spans,
            },
            call.paren_token.span.join(),
        )
    }
}

/// Whether `func` names an associated function of a type (`f64::max`,
/// `T::sin`, `<T as Float>::exp`, `Float::abs`) rather than a function in a
/// module (`nn::tanh`): the segment before the last starts with an uppercase
/// letter or is a float type.
pub(super) fn is_type_qualified(func: &syn::ExprPath) -> bool {
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
pub(super) enum Constructor {
    /// `Vector3::new(a, b, c)`, `Matrix2::new(...)` (row by row).
    New,
    /// `SVector::from([a, b])`, `Vector2::from(array)`.
    From,
}

/// Recognises `Vector3::new`, `SMatrix::<T, 2, 2>::new`, `RowVector2::new`,
/// `SVector::from`, ... by the type's name.
pub(super) fn nalgebra_constructor(func: &syn::ExprPath) -> Option<Constructor> {
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

/// A float literal without a suffix (`0.5`, `-0.5`) with the suffix of the
/// float type `owner` (`0.5_f64`); `None` for anything else.
fn typed_literal(expr: &syn::Expr, owner: &Ident) -> Option<syn::Expr> {
    if owner != "f32" && owner != "f64" {
        return None;
    }
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(float),
            attrs,
        }) if float.suffix().is_empty() => {
            let typed =
                syn::LitFloat::new(&format!("{}{owner}", float.base10_digits()), float.span());
            Some(syn::Expr::Lit(syn::ExprLit {
                attrs: attrs.clone(),
                lit: syn::Lit::Float(typed),
            }))
        }
        syn::Expr::Unary(
            unary @ syn::ExprUnary {
                op: syn::UnOp::Neg(_),
                ..
            },
        ) => {
            let inner = typed_literal(&unary.expr, owner)?;
            Some(syn::Expr::Unary(syn::ExprUnary {
                expr: Box::new(inner),
                ..unary.clone()
            }))
        }
        _ => None,
    }
}
