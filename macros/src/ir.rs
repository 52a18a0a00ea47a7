//! The intermediate representation: a function body as a static graph in SSA
//! form, with structured regions for control flow.
//!
//! Every expression the differentiator looks into becomes a [`Value`] in one
//! arena, identified by a [`ValueId`]. `let`, shadowing, `x = ...` and
//! `x += ...` are renamings: each produces a new value, and the builder's
//! environment points the variable at it. Control flow is a tree of
//! [`Block`]s; an `if` is a [`Stmt::If`] region whose [`Phi`]s merge the
//! variables its branches assign.
//!
//! # Invariants (checked by [`Function::verify`])
//!
//! 1. *Operands precede users*: every operand of value `vN` has an id `< N`,
//!    so walking ids downwards is a valid reverse sweep.
//! 2. *Single definition*: every value except parameters and phis is defined
//!    by exactly one [`Stmt::Def`]; every phi by exactly one `If` region;
//!    every parameter by no statement.
//! 3. *Phi inputs*: a phi's incoming values are defined before the region
//!    or inside the branch they come from.
//! 4. *Conditions* of regions are values defined before the region.
//! 5. *Type witnesses* (`Value::like`) precede the values they type.

use proc_macro2::{Ident, Span};
use std::fmt;

/// The id of a value in [`Function::values`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ValueId(pub(crate) u32);

impl ValueId {
    /// The id of the value at `index` of [`Function::values`].
    pub(crate) fn from_index(index: usize) -> Self {
        Self(u32::try_from(index).expect("fewer than 2^32 values"))
    }

    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for ValueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

/// The identity of a `for` loop in one function, in source order
/// (displayed `loop0`, `loop1`, ...). Everything the generator keeps per
/// loop is keyed by it, never by a region's address or a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct LoopId(pub(crate) u32);

impl fmt::Display for LoopId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "loop{}", self.0)
    }
}

/// How the user's expression reached an operand: `x`, `&x` or `*x`. The
/// forward sweep writes it back as written; adjoints flow through it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    Plain,
    Ref,
    Deref,
}

/// A use of a value as an operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Operand {
    pub(crate) value: ValueId,
    pub(crate) access: Access,
}

impl Operand {
    pub(crate) fn plain(value: ValueId) -> Self {
        Self {
            value,
            access: Access::Plain,
        }
    }
}

/// The four arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl ArithOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }
}

/// Why an opaque expression has no derivative rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Opacity {
    /// Piecewise constant or boolean (comparisons, `signum`, casts to
    /// integers): its derivative is zero, so it is never active.
    ZeroDerivative,
    /// Not differentiable by tapeless: an error if it turns out active. The
    /// message says what is unsupported and what to write instead.
    Unsupported(String),
    /// Names bound by a pattern (`match`, `if let`) out of data, maybe by
    /// reference: read through references where a rule takes them, as a
    /// loop variable is; an error with this message if one turns out
    /// active.
    Binding(String),
    /// A construct the checks before building reported already (a loop, a
    /// closure, ...): treated as unsupported, without a second error.
    Reported,
}

/// What a value is.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    /// The function's `index`-th parameter (`self` included).
    Param { index: usize },
    /// An expression that mentions no local variable (a literal, a constant,
    /// a path). Copied verbatim.
    Const { expr: syn::Expr },
    /// An expression the differentiator does not look into, copied verbatim
    /// with the local variables it mentions renamed.
    Opaque {
        expr: syn::Expr,
        uses: Vec<(Ident, ValueId)>,
        opacity: Opacity,
    },
    /// `lhs op rhs`.
    Arith {
        op: ArithOp,
        lhs: Operand,
        rhs: Operand,
    },
    /// `-arg`.
    Neg { arg: Operand },
    /// `*arg` bound to a local (`let v = *x;`, `v = *t;`): a copy of the
    /// referenced value, so that a variable always holds a value, never a
    /// reference read through an access the use sites would have to repeat.
    Copy { arg: Operand },
    /// A scalar method with a built-in rule: `receiver.method(args)`.
    Builtin {
        method: Ident,
        rule: &'static crate::rules::MethodRule,
        receiver: Operand,
        args: Vec<Operand>,
    },
    /// A call linked by name: `func(args)`, differentiated through
    /// `func_vjp(args)`. `spans` locate the arguments.
    Call {
        func: syn::ExprPath,
        args: Vec<Operand>,
        spans: Vec<Span>,
    },
    /// A method call linked by name: `receiver.method(args)`, differentiated
    /// through `receiver.method_vjp(args)`.
    MethodCall {
        /// Where the receiver and then each argument stand.
        spans: Vec<Span>,
        receiver: Operand,
        method: Ident,
        turbofish: Option<syn::AngleBracketedGenericArguments>,
        args: Vec<Operand>,
    },
    /// The merge of a variable (or of the `if` expression's value) at the
    /// end of an `if` region.
    Phi,
    /// A place inside a value: `base.field`, `base.0`, `base[index]`. Written
    /// in place at each use (never copied into a local); its adjoint flows
    /// into the same place of the base's adjoint.
    Project {
        base: Operand,
        projection: Projection,
    },
    /// `(a, b, ...)`.
    Tuple { elements: Vec<Operand> },
    /// `[a, b, ...]`.
    Array { elements: Vec<Operand> },
    /// `Path { field: value, ... }`.
    Struct {
        path: syn::Path,
        fields: Vec<(syn::Member, Operand)>,
    },
    /// A nalgebra constructor from scalars, `Vector3::new(a, b, c)` or
    /// `Matrix2::new(m11, m12, m21, m22)` (row by row).
    NewMatrix {
        func: syn::ExprPath,
        args: Vec<Operand>,
    },
    /// A nalgebra vector from an array, `SVector::from([a, b])`.
    VectorFrom { func: syn::ExprPath, arg: Operand },
    /// A variable bound by a `for` loop's pattern (never differentiated).
    LoopVar,
    /// A variable a `for` loop carries, at the start of an iteration.
    LoopHeader,
    /// A variable a `for` loop carries, after the loop.
    LoopOut,
}

/// How a [`Op::Project`] selects a place.
#[derive(Clone, Debug)]
pub(crate) enum Projection {
    /// `.field` or `.0`.
    Field(syn::Member),
    /// `[index]`, with an index that is not differentiated.
    Index(Operand),
}

/// A value of the graph.
#[derive(Clone, Debug)]
pub(crate) struct Value {
    pub(crate) op: Op,
    /// The user's variable name, for readable generated locals.
    pub(crate) name: Option<String>,
    /// The type written in `let x: T = ...`, kept in the generated `let`.
    pub(crate) ty: Option<syn::Type>,
    /// Where the user wrote it.
    pub(crate) span: Span,
    /// For a float literal assigned to a variable (`x = 0.5;`), the value
    /// the variable was declared with: the literal takes its type (in the
    /// user's code the variable's type does; in SSA form the assignment is
    /// a new local). Not an operand: no adjoint flows through it.
    pub(crate) like: Option<ValueId>,
}

impl Value {
    /// The values this one reads, in operand order.
    pub(crate) fn operands(&self) -> Vec<ValueId> {
        match &self.op {
            Op::Param { .. }
            | Op::Const { .. }
            | Op::Phi
            | Op::LoopVar
            | Op::LoopHeader
            | Op::LoopOut => Vec::new(),
            Op::Opaque { uses, .. } => uses.iter().map(|(_, v)| *v).collect(),
            Op::Arith { lhs, rhs, .. } => vec![lhs.value, rhs.value],
            Op::Neg { arg } | Op::Copy { arg } => vec![arg.value],
            Op::Builtin { receiver, args, .. } | Op::MethodCall { receiver, args, .. } => {
                std::iter::once(receiver.value)
                    .chain(args.iter().map(|a| a.value))
                    .collect()
            }
            Op::Call { args, .. }
            | Op::NewMatrix { args, .. }
            | Op::Tuple { elements: args }
            | Op::Array { elements: args } => args.iter().map(|a| a.value).collect(),
            Op::Struct { fields, .. } => fields.iter().map(|(_, a)| a.value).collect(),
            Op::VectorFrom { arg, .. } => vec![arg.value],
            Op::Project {
                base,
                projection: Projection::Field(_),
            } => vec![base.value],
            Op::Project {
                base,
                projection: Projection::Index(index),
            } => vec![base.value, index.value],
        }
    }
}

/// A merge at the end of an `if` region: `out` is `then_value` when the
/// condition held and `else_value` otherwise.
#[derive(Clone, Debug)]
pub(crate) struct Phi {
    pub(crate) out: ValueId,
    pub(crate) then_value: ValueId,
    pub(crate) else_value: ValueId,
}

/// An `if`/`else` region.
#[derive(Clone, Debug)]
pub(crate) struct IfRegion {
    pub(crate) condition: ValueId,
    pub(crate) then_block: Block,
    pub(crate) else_block: Block,
    pub(crate) phis: Vec<Phi>,
}

/// A variable a `for` loop reassigns: `init` before the loop, `header` at
/// the start of each iteration, `next` at its end, `out` after the loop.
#[derive(Clone, Debug)]
pub(crate) struct Carried {
    pub(crate) init: ValueId,
    pub(crate) header: ValueId,
    pub(crate) next: ValueId,
    pub(crate) out: ValueId,
}

/// A `for` loop over data that is not differentiated.
#[derive(Clone, Debug)]
pub(crate) struct ForRegion {
    /// The loop's identity.
    pub(crate) id: LoopId,
    /// The loop's pattern as written; `bindings` name the values it binds.
    pub(crate) pat: syn::Pat,
    pub(crate) bindings: Vec<(Ident, ValueId)>,
    /// The iterated expression, with the locals it mentions.
    pub(crate) iter: syn::Expr,
    pub(crate) iter_uses: Vec<(Ident, ValueId)>,
    pub(crate) body: Block,
    pub(crate) carried: Vec<Carried>,
    /// The header of the flag a `break` sets (see [`crate::exits`]): the
    /// loop ends at the start of the first iteration that finds it set.
    pub(crate) exit: Option<ValueId>,
}

/// A statement with an effect the forward sweep must keep (a macro
/// statement such as `println!`, an expression statement). The variables it
/// mentions are rebound under their own names around it.
#[derive(Clone, Debug)]
pub(crate) struct Effect {
    pub(crate) stmt: syn::Stmt,
    pub(crate) uses: Vec<(Ident, ValueId)>,
}

/// A statement of a block.
#[derive(Clone, Debug)]
pub(crate) enum Stmt {
    /// Defines a value.
    Def(ValueId),
    /// A structured `if` region.
    If(IfRegion),
    /// A statement kept for its effect only.
    Effect(Box<Effect>),
    /// A `for` loop region.
    For(Box<ForRegion>),
}

/// A sequence of statements.
#[derive(Clone, Debug, Default)]
pub(crate) struct Block {
    pub(crate) stmts: Vec<Stmt>,
}

/// A function body in SSA form.
#[derive(Clone, Debug)]
pub(crate) struct Function {
    pub(crate) values: Vec<Value>,
    pub(crate) body: Block,
    /// The value the function returns, as written (`x`, `*x`).
    pub(crate) result: Operand,
    /// Items declared inside the body (`const`, `use`, nested `fn`), copied
    /// into every generated function.
    pub(crate) items: Vec<syn::Item>,
}

impl Function {
    pub(crate) fn value(&self, id: ValueId) -> &Value {
        &self.values[id.index()]
    }

    /// Checks the invariants listed in the module documentation.
    pub(crate) fn verify(&self) -> Result<(), String> {
        let mut defined = vec![false; self.values.len()];
        for (index, value) in self.values.iter().enumerate() {
            if let Op::Param { .. } = value.op {
                defined[index] = true;
            }
            if value.like.is_some_and(|like| like.index() >= index) {
                return Err(format!("v{index} takes the type of a later value"));
            }
            for operand in value.operands() {
                if operand.index() >= index {
                    return Err(format!(
                        "v{index} reads {operand}, which does not precede it"
                    ));
                }
            }
        }
        self.verify_block(&self.body, &mut defined)?;
        if let Some(index) = defined.iter().position(|d| !d) {
            return Err(format!("v{index} is never defined"));
        }
        if !defined[self.result.value.index()] {
            return Err(format!("the result {} is not defined", self.result.value));
        }
        Ok(())
    }

    fn verify_block(&self, block: &Block, defined: &mut [bool]) -> Result<(), String> {
        for stmt in &block.stmts {
            match stmt {
                Stmt::Def(id) => {
                    if matches!(
                        self.value(*id).op,
                        Op::Param { .. } | Op::Phi | Op::LoopVar | Op::LoopHeader | Op::LoopOut
                    ) {
                        return Err(format!("{id} is defined by a region, not a statement"));
                    }
                    for operand in self.value(*id).operands() {
                        if !defined[operand.index()] {
                            return Err(format!("{id} reads {operand} before its definition"));
                        }
                    }
                    define(defined, *id)?;
                }
                Stmt::If(region) => {
                    if !defined[region.condition.index()] {
                        return Err(format!(
                            "condition {} is not defined before its region",
                            region.condition
                        ));
                    }
                    let mut then_defined = defined.to_vec();
                    self.verify_block(&region.then_block, &mut then_defined)?;
                    let mut else_defined = defined.to_vec();
                    self.verify_block(&region.else_block, &mut else_defined)?;
                    for phi in &region.phis {
                        if !matches!(self.value(phi.out).op, Op::Phi) {
                            return Err(format!("{} merges a region but is not a phi", phi.out));
                        }
                        if !then_defined[phi.then_value.index()]
                            || !else_defined[phi.else_value.index()]
                        {
                            return Err(format!(
                                "an input of phi {} is not defined in its branch",
                                phi.out
                            ));
                        }
                    }
                    // Values of both branches stay "defined" for the uniqueness
                    // check; scoping keeps them out of reach of later code.
                    for index in 0..defined.len() {
                        defined[index] |= then_defined[index] | else_defined[index];
                    }
                    for phi in &region.phis {
                        define(defined, phi.out)?;
                    }
                }
                Stmt::Effect(effect) => {
                    for (_, id) in &effect.uses {
                        if !defined[id.index()] {
                            return Err(format!("an effect reads {id} before its definition"));
                        }
                    }
                }
                Stmt::For(region) => {
                    for (_, id) in &region.iter_uses {
                        if !defined[id.index()] {
                            return Err(format!("a loop iterates over {id} before its definition"));
                        }
                    }
                    for carried in &region.carried {
                        if !defined[carried.init.index()] {
                            return Err(format!("loop input {} is not defined", carried.init));
                        }
                    }
                    let mut body_defined = defined.to_vec();
                    for (_, id) in &region.bindings {
                        define(&mut body_defined, *id)?;
                    }
                    for carried in &region.carried {
                        define(&mut body_defined, carried.header)?;
                    }
                    self.verify_block(&region.body, &mut body_defined)?;
                    for carried in &region.carried {
                        if !body_defined[carried.next.index()] {
                            return Err(format!("loop output {} is not defined", carried.next));
                        }
                    }
                    for index in 0..defined.len() {
                        defined[index] |= body_defined[index];
                    }
                    for carried in &region.carried {
                        define(defined, carried.out)?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn define(defined: &mut [bool], id: ValueId) -> Result<(), String> {
    if std::mem::replace(&mut defined[id.index()], true) {
        return Err(format!("{id} is defined twice"));
    }
    Ok(())
}

/// The IR as text, one value per line (`v3 = mul v1, v2`), for test failures
/// and debugging.
impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, value) in self.values.iter().enumerate() {
            if let Op::Param { index: param } = value.op {
                writeln!(f, "v{index} = param {param}")?;
            }
        }
        self.fmt_block(f, &self.body, 0)?;
        writeln!(f, "return {}", self.result.value)
    }
}

impl Function {
    fn fmt_block(&self, f: &mut fmt::Formatter<'_>, block: &Block, depth: usize) -> fmt::Result {
        let indent = "    ".repeat(depth);
        for stmt in &block.stmts {
            match stmt {
                Stmt::Def(id) => {
                    let value = self.value(*id);
                    let operands = value
                        .operands()
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ");
                    let op = match &value.op {
                        Op::Param { .. } | Op::Phi | Op::LoopVar | Op::LoopHeader | Op::LoopOut => {
                            unreachable!("not defined by a statement")
                        }
                        Op::Const { .. } => "const".to_owned(),
                        Op::Opaque {
                            opacity: Opacity::ZeroDerivative,
                            ..
                        } => "opaque.zero".to_owned(),
                        Op::Opaque { .. } => "opaque".to_owned(),
                        Op::Arith { op, .. } => format!("{op:?}").to_lowercase(),
                        Op::Neg { .. } => "neg".to_owned(),
                        Op::Copy { .. } => "copy".to_owned(),
                        Op::Builtin { method, .. } => format!("builtin.{method}"),
                        Op::Call { func, .. } => {
                            format!(
                                "call {}",
                                quote::ToTokens::to_token_stream(func)
                                    .to_string()
                                    .replace(' ', "")
                            )
                        }
                        Op::MethodCall { method, .. } => format!("method.{method}"),
                        Op::Project {
                            projection: Projection::Field(member),
                            ..
                        } => {
                            format!("field.{}", quote::ToTokens::to_token_stream(member))
                        }
                        Op::Project {
                            projection: Projection::Index(_),
                            ..
                        } => "index".to_owned(),
                        Op::Tuple { .. } => "tuple".to_owned(),
                        Op::Array { .. } => "array".to_owned(),
                        Op::Struct { .. } => "struct".to_owned(),
                        Op::NewMatrix { .. } => "new_matrix".to_owned(),
                        Op::VectorFrom { .. } => "vector_from".to_owned(),
                    };
                    writeln!(f, "{indent}{id} = {op} {operands}")?;
                }
                Stmt::If(region) => {
                    writeln!(f, "{indent}if {} {{", region.condition)?;
                    self.fmt_block(f, &region.then_block, depth + 1)?;
                    writeln!(f, "{indent}}} else {{")?;
                    self.fmt_block(f, &region.else_block, depth + 1)?;
                    writeln!(f, "{indent}}}")?;
                    for phi in &region.phis {
                        writeln!(
                            f,
                            "{indent}{} = phi {}, {}",
                            phi.out, phi.then_value, phi.else_value
                        )?;
                    }
                }
                Stmt::Effect(effect) => {
                    let uses = effect
                        .uses
                        .iter()
                        .map(|(_, v)| v.to_string())
                        .collect::<Vec<_>>()
                        .join(", ");
                    writeln!(f, "{indent}effect {uses}")?;
                }
                Stmt::For(region) => {
                    let bindings = region
                        .bindings
                        .iter()
                        .map(|(_, v)| v.to_string())
                        .collect::<Vec<_>>()
                        .join(", ");
                    writeln!(f, "{indent}for.{} {bindings} {{", region.id)?;
                    for carried in &region.carried {
                        writeln!(
                            f,
                            "{indent}    {} = carry {}, {}",
                            carried.header, carried.init, carried.next
                        )?;
                    }
                    self.fmt_block(f, &region.body, depth + 1)?;
                    writeln!(f, "{indent}}}")?;
                    for carried in &region.carried {
                        writeln!(f, "{indent}{} = out {}", carried.out, carried.header)?;
                    }
                }
            }
        }
        Ok(())
    }
}
