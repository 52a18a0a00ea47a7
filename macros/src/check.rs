//! Checks of the user's function that do not need the IR: its signature and
//! the constructs the differentiator cannot handle anywhere in the body.

use crate::build::Param;
use crate::ctxt::Ctxt;
use proc_macro2::Ident;
use syn::spanned::Spanned;
use syn::visit::Visit;

/// Reports every construct of `body` that cannot be differentiated, wherever
/// it stands.
/// The body is the one [`crate::exits`] rewrote: a `return`, `break` or
/// `continue` still in it is one that cannot be placed.
pub(crate) fn body(cx: &Ctxt, body: &syn::Block) {
    let mut checker = BodyChecker { cx };
    checker.visit_block(body);
}

struct BodyChecker<'a> {
    cx: &'a Ctxt,
}

impl<'ast> Visit<'ast> for BodyChecker<'_> {
    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        let message = match expr {
            syn::Expr::While(_) | syn::Expr::Loop(_) => {
                Some("labeled loops are not supported in a differentiable function")
            }
            syn::Expr::ForLoop(expr_for) if expr_for.label.is_some() => {
                Some("labeled loops are not supported in a differentiable function")
            }
            syn::Expr::Break(_) => Some(
                "this `break` cannot be differentiated where it stands; `break` is supported in `for` loops, unlabeled",
            ),
            syn::Expr::Continue(_) => Some(
                "this `continue` cannot be differentiated where it stands; `continue` is supported in `for` loops, unlabeled",
            ),
            syn::Expr::Return(_) => Some(
                "this `return` cannot be differentiated where it stands (inside a loop or a `let`); return from `if` branches or `match` arms, or compute the value with `if`/`else`",
            ),
            syn::Expr::Try(_) => Some(
                "the `?` operator is not supported in a differentiable function; handle errors before calling it",
            ),
            syn::Expr::Closure(_) => Some(
                "this closure cannot be differentiated where it stands: a closure is supported when bound to a local and called (`let f = |t| ...; f(x)`), or passed to `map`, `filter` or `fold` in an iterator chain consumed by `sum`, `product`, `fold`, `count` or a `for` loop; otherwise write a named function (`#[differentiable]` if values it computes are differentiated)",
            ),
            syn::Expr::Unsafe(_) => {
                Some("`unsafe` blocks are not supported in a differentiable function")
            }
            syn::Expr::Async(_) | syn::Expr::Await(_) => {
                Some("`async` and `.await` are not supported in a differentiable function")
            }
            syn::Expr::TryBlock(_) | syn::Expr::Yield(_) => {
                Some("this expression is not supported in a differentiable function")
            }
            syn::Expr::Block(block) if block.label.is_some() => {
                Some("labeled blocks are not supported in a differentiable function")
            }
            _ => None,
        };
        match message {
            Some(message) => self.cx.error_spanned_by(expr_head(expr), message),
            None => syn::visit::visit_expr(self, expr),
        }
    }

    fn visit_expr_for_loop(&mut self, expr_for: &'ast syn::ExprForLoop) {
        if crate::exits::exit_flag(&expr_for.body).is_none() {
            return syn::visit::visit_expr_for_loop(self, expr_for);
        }
        // The exit check the rewrite put first is not the user's `break`.
        self.visit_pat(&expr_for.pat);
        self.visit_expr(&expr_for.expr);
        for stmt in &expr_for.body.stmts[1..] {
            self.visit_stmt(stmt);
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {
        // Nested items are separate functions.
    }
}

/// The tokens an error about `expr` should underline: the keyword or
/// operator, not a whole loop body.
fn expr_head(expr: &syn::Expr) -> proc_macro2::TokenStream {
    use quote::ToTokens;
    match expr {
        syn::Expr::While(e) => e.while_token.into_token_stream(),
        syn::Expr::Loop(e) => e.loop_token.into_token_stream(),
        syn::Expr::ForLoop(e) => {
            let mut tokens = e.for_token.into_token_stream();
            e.pat.to_tokens(&mut tokens);
            e.in_token.to_tokens(&mut tokens);
            e.expr.to_tokens(&mut tokens);
            tokens
        }
        syn::Expr::Closure(e) => {
            let mut tokens = e.or1_token.into_token_stream();
            e.inputs.to_tokens(&mut tokens);
            e.or2_token.to_tokens(&mut tokens);
            tokens
        }
        syn::Expr::Unsafe(e) => e.unsafe_token.into_token_stream(),
        syn::Expr::Async(e) => e.async_token.into_token_stream(),
        syn::Expr::Try(e) => e.question_token.into_token_stream(),
        other => other.into_token_stream(),
    }
}

/// Checks the signature and returns its parameters.
pub(crate) fn signature(cx: &Ctxt, sig: &syn::Signature) -> Vec<Param> {
    if let Some(token) = &sig.asyncness {
        cx.error_spanned_by(token, "`async fn` cannot be differentiated");
    }
    if let Some(token) = &sig.unsafety {
        cx.error_spanned_by(token, "`unsafe fn` cannot be differentiated");
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, "variadic functions cannot be differentiated");
    }
    if let syn::ReturnType::Default = sig.output {
        cx.error_spanned_by(
            &sig.ident,
            "a differentiable function needs a return type: the value it returns is differentiated (`-> f64`)",
        );
    }
    let mut params = Vec::new();
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(receiver) => {
                if receiver.mutability.is_some() && receiver.reference.is_some() {
                    cx.error_spanned_by(receiver, "`&mut self` is not supported: a differentiable method reads its receiver; take `&self`");
                }
                params.push(Param {
                    ident: Ident::new("self", receiver.self_token.span),
                    ty: if receiver.reference.is_some() {
                        syn::parse_quote!(&Self)
                    } else {
                        syn::parse_quote!(Self)
                    },
                    is_ref: receiver.reference.is_some(),
                });
            }
            syn::FnArg::Typed(typed) => {
                let ident = match &*typed.pat {
                    syn::Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                        pat.ident.clone()
                    }
                    other => {
                        cx.error_spanned_by(other, "parameters must be plain names (`x: f64`); destructure inside the body");
                        Ident::new("_", other.span())
                    }
                };
                if let syn::Type::Reference(reference) = &*typed.ty {
                    if reference.mutability.is_some() {
                        cx.error_spanned_by(
                            &typed.ty,
                            "`&mut` arguments are not supported: a differentiable function must not modify its inputs; take `&T` or `T` and return the new value",
                        );
                    }
                }
                if let syn::Type::ImplTrait(_) = &*typed.ty {
                    cx.error_spanned_by(
                        &typed.ty,
                        "`impl Trait` arguments are not supported; use a named type parameter",
                    );
                }
                params.push(Param {
                    ident,
                    ty: (*typed.ty).clone(),
                    is_ref: matches!(&*typed.ty, syn::Type::Reference(_)),
                });
            }
        }
    }
    params
}

/// Resolves `wrt` to parameter indices (default: the first parameter).
pub(crate) fn wrt(
    cx: &Ctxt,
    sig: &syn::Signature,
    params: &[Param],
    wrt: Option<&[Ident]>,
) -> Vec<usize> {
    let Some(names) = wrt else {
        if params.is_empty() {
            cx.error_spanned_by(
                &sig.ident,
                "a differentiable function needs a parameter to differentiate with respect to",
            );
            return Vec::new();
        }
        return if check_differentiable_type(cx, &params[0], &params[0].ident) {
            vec![0]
        } else {
            Vec::new()
        };
    };
    let mut indices = Vec::new();
    for name in names {
        match params.iter().position(|param| param.ident == *name) {
            Some(index) if indices.contains(&index) => {
                cx.error_spanned_by(name, format!("`{name}` is listed twice in `wrt`"))
            }
            Some(index) => {
                if check_differentiable_type(cx, &params[index], name) {
                    indices.push(index);
                }
            }
            None => {
                let known = params
                    .iter()
                    .map(|p| format!("`{}`", p.ident))
                    .collect::<Vec<_>>()
                    .join(", ");
                cx.error_spanned_by(
                    name,
                    format!("`wrt` names `{name}`, which is not a parameter of `{}` (its parameters: {known})", sig.ident),
                );
            }
        }
    }
    indices
}

/// Reports a parameter whose type is plainly not differentiable; returns
/// whether it may be differentiated.
fn check_differentiable_type(cx: &Ctxt, param: &Param, at: &Ident) -> bool {
    let ty = param.value_type();
    let non_differentiable = crate::build::is_integer_type(&ty)
        || matches!(&ty, syn::Type::Path(path) if path.path.get_ident().is_some_and(|i| i == "bool" || i == "char" || i == "str" || i == "String"))
        || matches!(&ty, syn::Type::Slice(_));
    if non_differentiable {
        use quote::ToTokens;
        let ty_text = ty.to_token_stream().to_string().replace(' ', "");
        cx.error_spanned_by(
            at,
            format!(
                "cannot differentiate with respect to `{}`: `{ty_text}` is not a differentiable type (use `f32`, `f64`, nalgebra vectors and matrices, arrays, tuples or a `#[derive(Params)]` struct)",
                param.ident
            ),
        );
    }
    !non_differentiable
}
