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
//!
//! One submodule per topic: [`stmt`] (blocks, `let`, assignments),
//! [`expr`] (operators, places, opaque expressions), [`call`] (methods,
//! calls, constructors), [`control`] (`if` and `for` regions), [`free`]
//! (the locals an expression reads), [`pattern`] (`match` and `if let` on
//! data, as `if` regions).

mod call;
mod control;
mod expr;
mod free;
mod pattern;
mod stmt;

pub(crate) use free::pattern_idents;
pub(crate) use pattern::collect_idents;

use crate::ctxt::Ctxt;
use crate::ir::{Access, ArithOp, Block, Function, Op, Operand, Stmt, Value, ValueId};
use proc_macro2::{Ident, Span};
use std::collections::HashMap;

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

pub(crate) fn compound_op(op: &syn::BinOp) -> Option<ArithOp> {
    match op {
        syn::BinOp::AddAssign(_) => Some(ArithOp::Add),
        syn::BinOp::SubAssign(_) => Some(ArithOp::Sub),
        syn::BinOp::MulAssign(_) => Some(ArithOp::Mul),
        syn::BinOp::DivAssign(_) => Some(ArithOp::Div),
        _ => None,
    }
}

/// Whether `op` is a constant made of float literals without a suffix
/// (`0.5`, `-(-2.0)`, `1.5 * 2.0`), whose type only its context tells.
fn is_untyped_float(op: &Op) -> bool {
    /// `Some(has a float literal)` if `expr` is literals without suffixes
    /// under arithmetic and parentheses; `None` if anything else types it.
    fn untyped(expr: &syn::Expr) -> Option<bool> {
        match expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Float(float),
                ..
            }) => float.suffix().is_empty().then_some(true),
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(int),
                ..
            }) => int.suffix().is_empty().then_some(false),
            syn::Expr::Unary(syn::ExprUnary {
                op: syn::UnOp::Neg(_),
                expr,
                ..
            }) => untyped(expr),
            syn::Expr::Paren(paren) => untyped(&paren.expr),
            syn::Expr::Group(group) => untyped(&group.expr),
            syn::Expr::Binary(binary) if arith_op(&binary.op).is_some() => {
                Some(untyped(&binary.left)? | untyped(&binary.right)?)
            }
            _ => None,
        }
    }
    matches!(op, Op::Const { expr } if untyped(expr) == Some(true))
}

/// Whether `ty` is a primitive integer type.
pub(crate) fn is_integer_type(ty: &syn::Type) -> bool {
    const INTEGERS: &[&str] = &[
        "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
    ];
    matches!(ty, syn::Type::Path(path) if path.qself.is_none()
        && path.path.get_ident().is_some_and(|ident| INTEGERS.contains(&ident.to_string().as_str())))
}
