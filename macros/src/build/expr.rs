//! Expressions: operators, negation, references, places (`p.w`, `v[i]`,
//! read once per block), and the expressions the differentiator does not
//! look into (copied verbatim, with a reason should they be active).

use super::{Builder, arith_op, compound_op, is_integer_type, single_ident};
use crate::ir::{Access, Op, Opacity, Operand, Projection};
use proc_macro2::Span;
use syn::spanned::Spanned;

impl Builder<'_> {
    /// Lowers an expression to the operand holding its value.
    pub(super) fn lower(&mut self, expr: &syn::Expr) -> Operand {
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
            syn::Expr::Match(expr_match) => match self.pattern_bindings(expr_match) {
                Some(bindings) => bindings,
                None => match self.lower_match(expr_match) {
                    Some(operand) => operand,
                    None => self.define(Op::Const { expr: syn::parse_quote_spanned!(span=> ()) }, span),
                },
            },
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
    pub(super) fn place(&mut self, base: Operand, projection: Projection, span: Span) -> Operand {
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

    pub(super) fn with_access(
        &mut self,
        inner: Operand,
        access: Access,
        expr: &syn::Expr,
    ) -> Operand {
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

    pub(super) fn opaque(&mut self, expr: &syn::Expr, opacity: Opacity) -> Operand {
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
}
