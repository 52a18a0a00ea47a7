//! The grammar of random differentiable programs: a small typed AST, a
//! generator that only writes well-typed Rust the macro promises to
//! differentiate, a renderer, and the shrinking steps.
//!
//! Every program has the signature
//! `fn f(x: &Vector3<f64>, s: f64, d: &[f64]) -> f64` (`d` has length 4) and
//! is differentiated with respect to `x`, `s` or both. Its body combines:
//! arithmetic on scalars and vectors; every built-in scalar method, each on
//! an argument inside its domain; `dot`, `norm`, `norm_squared`, `sum`,
//! `component_mul`, `Vector3::new`; locals that alias projections (`let r
//! = x[1];`, `let w = x;`); reassignment and compound assignment; `if` on data
//! and on active values, as statements and as expressions; `match` and
//! `if let` on data (or-patterns, guards, bindings read in the arm); early
//! `return` from `if` branches, inside loops too; `break` and `continue` in branches of `for`
//! loops; `for`
//! loops over
//! `0..N` (accumulators and recurrences), over the data (`d.iter()`,
//! `enumerate`, `zip`) and nested; recurrences over the data (of a trip
//! count known at run time only, checkpointed); `while` and `loop` loops;
//! iterator chains (`map`, `filter`, `enumerate`, `sum`, `fold`, over the
//! data and over `x`), nalgebra's `x.map(..)` and local closures; calls of
//! earlier programs.
//!
//! The generator keeps to what the macro documents as supported, so every
//! compile error is a defect of the macro (or of this grammar), never an
//! expected rejection.

use std::fmt::Write as _;

/// A small deterministic generator (SplitMix64), so a seed names a run.
#[derive(Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub(crate) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// Uniform in `[lo, hi)`, rounded to three decimals so programs read well.
    pub(crate) fn real(&mut self, lo: f64, hi: f64) -> f64 {
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        ((lo + (hi - lo) * u) * 1000.0).round() / 1000.0
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The types of values in a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    /// `f64`.
    Scalar,
    /// `Vector3<f64>`.
    Vector,
    /// `&Vector3<f64>` (the parameter `x`, or a local alias of it).
    VectorRef,
    /// `usize` (a range loop's index).
    Index,
    /// `&f64` (an element of the data in a loop over `d.iter()`).
    DataRef,
}

/// Scalar methods with a built-in rule, by the argument form that keeps them
/// inside their domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    // any argument
    Sin,
    Cos,
    Tanh,
    Atan,
    Asinh,
    Abs,
    Fract,
    ToDegrees,
    ToRadians,
    Cbrt,
    // argument squashed by tanh first
    Exp,
    Exp2,
    ExpM1,
    Sinh,
    Cosh,
    Tan,
    // argument inside (-0.9, 0.9)
    Asin,
    Acos,
    Atanh,
    // positive argument
    Ln,
    Ln1p,
    Log2,
    Log10,
    Sqrt,
    Recip,
    // argument > 1
    Acosh,
}

impl Method {
    const ALL: [Method; 26] = [
        Method::Sin,
        Method::Cos,
        Method::Tanh,
        Method::Atan,
        Method::Asinh,
        Method::Abs,
        Method::Fract,
        Method::ToDegrees,
        Method::ToRadians,
        Method::Cbrt,
        Method::Exp,
        Method::Exp2,
        Method::ExpM1,
        Method::Sinh,
        Method::Cosh,
        Method::Tan,
        Method::Asin,
        Method::Acos,
        Method::Atanh,
        Method::Ln,
        Method::Ln1p,
        Method::Log2,
        Method::Log10,
        Method::Sqrt,
        Method::Recip,
        Method::Acosh,
    ];

    fn name(self) -> &'static str {
        match self {
            Method::Sin => "sin",
            Method::Cos => "cos",
            Method::Tanh => "tanh",
            Method::Atan => "atan",
            Method::Asinh => "asinh",
            Method::Abs => "abs",
            Method::Fract => "fract",
            Method::ToDegrees => "to_degrees",
            Method::ToRadians => "to_radians",
            Method::Cbrt => "cbrt",
            Method::Exp => "exp",
            Method::Exp2 => "exp2",
            Method::ExpM1 => "exp_m1",
            Method::Sinh => "sinh",
            Method::Cosh => "cosh",
            Method::Tan => "tan",
            Method::Asin => "asin",
            Method::Acos => "acos",
            Method::Atanh => "atanh",
            Method::Ln => "ln",
            Method::Ln1p => "ln_1p",
            Method::Log2 => "log2",
            Method::Log10 => "log10",
            Method::Sqrt => "sqrt",
            Method::Recip => "recip",
            Method::Acosh => "acosh",
        }
    }

    /// The argument, reshaped into the method's domain.
    fn domain(self, arg: Expr) -> Expr {
        let square_plus = |arg: Expr, c: f64| {
            Expr::bin(
                Bin::Add,
                Expr::bin(Bin::Mul, arg.clone(), arg),
                Expr::Lit(c),
            )
        };
        match self {
            Method::Sin
            | Method::Cos
            | Method::Tanh
            | Method::Atan
            | Method::Asinh
            | Method::Abs
            | Method::Fract
            | Method::ToDegrees
            | Method::ToRadians => arg,
            // cbrt'(0) is infinite: keep away from 0.
            Method::Cbrt => square_plus(arg, 0.3),
            Method::Exp
            | Method::Exp2
            | Method::ExpM1
            | Method::Sinh
            | Method::Cosh
            | Method::Tan => Expr::Method(Method::Tanh, Box::new(arg)),
            Method::Asin | Method::Acos | Method::Atanh => Expr::bin(
                Bin::Mul,
                Expr::Method(Method::Tanh, Box::new(arg)),
                Expr::Lit(0.9),
            ),
            Method::Ln
            | Method::Ln1p
            | Method::Log2
            | Method::Log10
            | Method::Sqrt
            | Method::Recip => square_plus(arg, 0.5),
            Method::Acosh => square_plus(arg, 1.5),
        }
    }
}

/// Scalar methods of two or three scalars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method2 {
    Max,
    Min,
    Hypot,
    Atan2,
    /// `base.powf(exponent)` with a positive base.
    Powf,
    /// `value.log(base)` with a base above 2.
    Log,
    /// `value.mul_add(factor, addend)`.
    MulAdd,
}

/// The runtime's activations (`tapeless::nn`), elementwise on scalars and
/// vectors: calls linked by name to their `_vjp` rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Act {
    Relu,
    LeakyRelu,
    Sigmoid,
    Tanh,
    Softplus,
    Elu,
    Gelu,
    Silu,
}

impl Act {
    const ALL: [Act; 8] = [
        Act::Relu,
        Act::LeakyRelu,
        Act::Sigmoid,
        Act::Tanh,
        Act::Softplus,
        Act::Elu,
        Act::Gelu,
        Act::Silu,
    ];

    fn render(self, arg: &str) -> String {
        match self {
            Act::Relu => format!("nn::relu({arg})"),
            Act::LeakyRelu => format!("nn::leaky_relu({arg}, 0.01)"),
            Act::Sigmoid => format!("nn::sigmoid({arg})"),
            Act::Tanh => format!("nn::tanh({arg})"),
            Act::Softplus => format!("nn::softplus({arg}, 1.0, 20.0)"),
            Act::Elu => format!("nn::elu({arg}, 1.0)"),
            Act::Gelu => format!("nn::gelu({arg})"),
            Act::Silu => format!("nn::silu({arg})"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bin {
    Add,
    Sub,
    Mul,
    Div,
}

impl Bin {
    fn symbol(self) -> &'static str {
        match self {
            Bin::Add => "+",
            Bin::Sub => "-",
            Bin::Mul => "*",
            Bin::Div => "/",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    Lt,
    Gt,
}

/// An expression. Its type is known from its construction.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    Lit(f64),
    /// A local or parameter by name, with its type.
    Var(String, Ty),
    /// `d[i]`.
    Data(usize),
    /// `d[i]` with a loop index `i`.
    DataAt(String),
    /// `base[i]` on a vector place (a variable), `i` a literal.
    Index(String, usize),
    /// `base[i]` with a loop index, or `base[i + k]` with an offset `k`.
    IndexAt(String, String, usize),
    /// `base.x`, `.y`, `.z`.
    Field(String, &'static str),
    /// `i as f64` for a loop index.
    IndexAsF64(String),
    /// `*t` for an element of the data.
    Deref(String),
    /// `(match d.len() { v => v as f64 * 0.25 })`: data, through a pattern
    /// that shadows the variable `v` (the expression binds a name of its
    /// own, which must not be renamed).
    Shadow(String),
    Bin(Bin, Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Method(Method, Box<Expr>),
    Method2(Method2, Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    /// `e.powi(n)`.
    Powi(Box<Expr>, i32),
    /// `e.clamp(lo, hi)` with literal bounds.
    Clamp(Box<Expr>, f64, f64),
    /// `Vector3::new(a, b, c)`.
    VectorNew(Box<[Expr; 3]>),
    /// `Vector3::zeros()`.
    VectorZeros,
    /// `(*x)`: a copy of the vector a reference points to.
    VectorCopy(String),
    /// `a.dot(&b)`.
    Dot(Box<Expr>, Box<Expr>),
    /// `v.norm()` (with `v` kept away from 0 by adding a constant vector).
    Norm(Box<Expr>),
    NormSquared(Box<Expr>),
    Sum(Box<Expr>),
    /// `a.component_mul(&b)`.
    ComponentMul(Box<Expr>, Box<Expr>),
    /// An activation of the runtime, on a scalar or a vector.
    Act(Act, Box<Expr>),
    /// `nn::softmax(v)`.
    Softmax(Box<Expr>),
    /// `v.mean()`.
    Mean(Box<Expr>),
    /// `v.max()` (the largest element).
    VectorMax(Box<Expr>),
    /// `v.abs()` (elementwise).
    VectorAbs(Box<Expr>),
    /// `if a < b { t } else { e }`.
    If(Box<Cond>, Box<Expr>, Box<Expr>),
    /// `pN::f(&v, s, d)`: a call of an earlier program.
    Call(usize, Box<Expr>, Box<Expr>),
    /// An iterator chain or a local closure whose body reads the element
    /// `name` (see [`ChainKind`]); the second expression is the closure's
    /// argument (unused by the chains).
    Chain(ChainKind, String, Box<Expr>, Box<Expr>),
}

/// The iterator chains and closures of [`Expr::Chain`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ChainKind {
    /// `d.iter().map(|e| body).sum::<f64>()`.
    MapSum,
    /// `d.iter().filter(|e| **e > 0.3).map(|e| body).sum::<f64>()`.
    FilterMapSum,
    /// `d.iter().enumerate().map(|(i, e)| body).sum::<f64>()`, `i` named.
    EnumerateSum(String),
    /// `d.iter().fold(0.5, |acc, e| acc * 0.5 + body)`: a recurrence over
    /// the data, `acc` named.
    Fold(String),
    /// `x.iter().map(|e| body).sum::<f64>()` over the differentiated vector.
    VectorSum,
    /// `{ let c = |e: f64| -> f64 { body }; c(arg) }`, `c` named (the
    /// declared result types a body that ignores `e`).
    Closure(String),
    /// `x.map(|e| e + body).sum()`: nalgebra's elementwise `map`.
    ElementwiseSum,
}

/// `a < b` or `a > b` on scalars.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Cond {
    pub(crate) lhs: Expr,
    pub(crate) cmp: Cmp,
    pub(crate) rhs: Expr,
    /// How an `if` statement tests: this comparison, or a pattern.
    pub(crate) form: Form,
}

/// The test of an `if` statement: a comparison, a `match` on data, or an
/// `if let` on data (the branches are the arms).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Form {
    Compare,
    /// `match (d[i] * 3.0).floor() as i64 { 0 | 1 => then, _ => otherwise }`.
    MatchLiteral {
        index: usize,
    },
    /// `match (d[i] * 3.0).floor() as i64 { k if k > 0 => then, _ => otherwise }`.
    MatchGuard {
        index: usize,
        name: String,
    },
    /// `if let Some(c) = d.get(i) { then (reads c) } else { otherwise }`.
    IfLet {
        index: usize,
        name: String,
    },
}

impl Expr {
    fn bin(op: Bin, lhs: Expr, rhs: Expr) -> Expr {
        Expr::Bin(op, Box::new(lhs), Box::new(rhs))
    }

    /// How many nodes the expression has (the shrinker's measure).
    pub(crate) fn size(&self) -> usize {
        1 + self.children().into_iter().map(Expr::size).sum::<usize>()
    }

    /// The variables the expression reads.
    fn reads(&self, found: &mut Vec<String>) {
        match self {
            Expr::Var(name, _)
            | Expr::DataAt(name)
            | Expr::Index(name, _)
            | Expr::Field(name, _)
            | Expr::IndexAsF64(name)
            | Expr::Deref(name)
            | Expr::VectorCopy(name) => found.push(name.clone()),
            Expr::IndexAt(base, index, _) => {
                found.push(base.clone());
                found.push(index.clone());
            }
            Expr::Chain(kind, element, body, arg) => {
                // The body's own names are bound by the closure.
                let mut inner = Vec::new();
                body.reads(&mut inner);
                let own: Vec<&str> = match kind {
                    ChainKind::EnumerateSum(index) => vec![element, index],
                    ChainKind::Fold(acc) => vec![element, acc],
                    _ => vec![element],
                };
                found.extend(
                    inner
                        .into_iter()
                        .filter(|name| !own.contains(&name.as_str())),
                );
                if matches!(kind, ChainKind::VectorSum | ChainKind::ElementwiseSum) {
                    found.push("x".to_owned());
                }
                if matches!(kind, ChainKind::Closure(_)) {
                    arg.reads(found);
                }
                return;
            }
            _ => {}
        }
        for child in self.children() {
            child.reads(found);
        }
    }

    /// The programs the expression calls.
    fn calls(&self, found: &mut Vec<usize>) {
        if let Expr::Call(index, ..) = self {
            found.push(*index);
        }
        for child in self.children() {
            child.calls(found);
        }
    }

    /// The immediate subexpressions.
    fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Neg(a)
            | Expr::Method(_, a)
            | Expr::Powi(a, _)
            | Expr::Clamp(a, ..)
            | Expr::Norm(a)
            | Expr::NormSquared(a)
            | Expr::Act(_, a)
            | Expr::Softmax(a)
            | Expr::Mean(a)
            | Expr::VectorMax(a)
            | Expr::VectorAbs(a)
            | Expr::Sum(a) => vec![a],
            Expr::Bin(_, a, b)
            | Expr::Dot(a, b)
            | Expr::ComponentMul(a, b)
            | Expr::Call(_, a, b) => vec![a, b],
            Expr::Method2(_, a, b, c) => {
                let mut children: Vec<&Expr> = vec![a, b];
                children.extend(c.as_deref());
                children
            }
            Expr::VectorNew(items) => items.iter().collect(),
            Expr::If(cond, a, b) => vec![&cond.lhs, &cond.rhs, a, b],
            Expr::Chain(kind, _, body, arg) => match kind {
                ChainKind::Closure(_) => vec![body, arg],
                _ => vec![body],
            },
            Expr::Lit(_)
            | Expr::Var(..)
            | Expr::Data(_)
            | Expr::DataAt(_)
            | Expr::Index(..)
            | Expr::IndexAt(..)
            | Expr::Field(..)
            | Expr::IndexAsF64(_)
            | Expr::Deref(_)
            | Expr::Shadow(_)
            | Expr::VectorCopy(_)
            | Expr::VectorZeros => Vec::new(),
        }
    }

    /// The immediate subexpressions, mutably, with their types.
    fn children_mut(&mut self) -> Vec<&mut Expr> {
        match self {
            Expr::Neg(a)
            | Expr::Method(_, a)
            | Expr::Powi(a, _)
            | Expr::Clamp(a, ..)
            | Expr::Norm(a)
            | Expr::NormSquared(a)
            | Expr::Act(_, a)
            | Expr::Softmax(a)
            | Expr::Mean(a)
            | Expr::VectorMax(a)
            | Expr::VectorAbs(a)
            | Expr::Sum(a) => vec![a],
            Expr::Bin(_, a, b)
            | Expr::Dot(a, b)
            | Expr::ComponentMul(a, b)
            | Expr::Call(_, a, b) => vec![a, b],
            Expr::Method2(_, a, b, c) => {
                let mut v: Vec<&mut Expr> = vec![a, b];
                if let Some(c) = c {
                    v.push(c);
                }
                v
            }
            Expr::VectorNew(items) => items.iter_mut().collect(),
            Expr::If(cond, a, b) => vec![&mut cond.lhs, &mut cond.rhs, a, b],
            Expr::Chain(kind, _, body, arg) => match kind {
                ChainKind::Closure(_) => vec![body, arg],
                _ => vec![body],
            },
            _ => Vec::new(),
        }
    }
}

/// A statement.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Stmt {
    /// `let mut name = init;` (or `let name = init;`).
    Let { name: String, ty: Ty, init: Expr },
    /// `name = value;`, `name += value;`, ...
    Assign {
        name: String,
        op: Option<Bin>,
        value: Expr,
    },
    /// `if cond { then } else { otherwise }`.
    If {
        cond: Cond,
        then: Vec<Stmt>,
        otherwise: Vec<Stmt>,
    },
    /// A `for` loop.
    For { head: LoopHead, body: Vec<Stmt> },
    /// `return value;` (in `if` branches, inside loops or not).
    Return { value: Expr },
    /// `break;` (`true`) or `continue;` in a `for` loop's branches.
    Jump { is_break: bool },
}

/// What a `for` loop iterates over.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum LoopHead {
    /// `for i in 0..n` (or `for _ in 0..n` when `index` is `None`), or
    /// `for i in (0..n).rev()`.
    Range {
        index: Option<String>,
        n: usize,
        rev: bool,
    },
    /// `for t in d.iter()`.
    Data { element: String },
    /// `for (i, t) in d.iter().enumerate()`.
    Enumerate { index: String, element: String },
    /// `for (t, u) in d.iter().zip(d.iter().rev())`.
    Zip { first: String, second: String },
    /// `let mut k = 0_usize; while k < n { k += 1; ... }`: a trip count the
    /// macro cannot see.
    While { counter: String, n: usize },
    /// `let mut k = 0_usize; loop { if k >= n { break; } k += 1; ... }`.
    Loop { counter: String, n: usize },
}

impl Stmt {
    pub(crate) fn size(&self) -> usize {
        match self {
            Stmt::Let { init, .. } => 1 + init.size(),
            Stmt::Assign { value, .. } | Stmt::Return { value } => 1 + value.size(),
            Stmt::Jump { .. } => 1,
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                1 + cond.lhs.size()
                    + cond.rhs.size()
                    + then.iter().map(Stmt::size).sum::<usize>()
                    + otherwise.iter().map(Stmt::size).sum::<usize>()
            }
            Stmt::For { body, .. } => 1 + body.iter().map(Stmt::size).sum::<usize>(),
        }
    }
}

/// Which arguments a program is differentiated with respect to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wrt {
    X,
    S,
    Both,
}

impl Wrt {
    pub(crate) fn has_x(self) -> bool {
        matches!(self, Wrt::X | Wrt::Both)
    }

    pub(crate) fn has_s(self) -> bool {
        matches!(self, Wrt::S | Wrt::Both)
    }
}

/// A generated function.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Program {
    pub(crate) index: usize,
    pub(crate) wrt: Wrt,
    pub(crate) body: Vec<Stmt>,
    pub(crate) result: Expr,
}

impl Program {
    pub(crate) fn size(&self) -> usize {
        self.body.iter().map(Stmt::size).sum::<usize>() + self.result.size()
    }

    /// The programs this one calls.
    pub(crate) fn callees(&self) -> Vec<usize> {
        let mut found = Vec::new();
        visit_exprs(&self.body, &mut |e| e.calls(&mut found));
        self.result.calls(&mut found);
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The module holding the program: `mod p3 { ... }`.
    pub(crate) fn render(&self, name: &str) -> String {
        let mut out = String::new();
        let attr = match self.wrt {
            Wrt::X => "#[differentiable(jvp, hessian)]".to_owned(),
            Wrt::S => "#[differentiable(jvp, hessian, wrt = s)]".to_owned(),
            Wrt::Both => "#[differentiable(jvp, jvp2, wrt = (x, s))]".to_owned(),
        };
        writeln!(out, "pub mod {name} {{").unwrap();
        writeln!(out, "    #[allow(unused_imports)]\n    use super::*;").unwrap();
        writeln!(out, "    {attr}").unwrap();
        writeln!(
            out,
            "    pub fn f(x: &Vector3<f64>, s: f64, d: &[f64]) -> f64 {{"
        )
        .unwrap();
        render_block(&self.body, 2, &mut out);
        writeln!(out, "        {}", render(&self.result)).unwrap();
        writeln!(out, "    }}\n}}").unwrap();
        out
    }
}

fn visit_exprs(block: &[Stmt], visit: &mut impl FnMut(&Expr)) {
    for stmt in block {
        match stmt {
            Stmt::Let { init: e, .. }
            | Stmt::Assign { value: e, .. }
            | Stmt::Return { value: e } => visit(e),
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                visit(&cond.lhs);
                visit(&cond.rhs);
                visit_exprs(then, visit);
                visit_exprs(otherwise, visit);
            }
            Stmt::For { body, .. } => visit_exprs(body, visit),
            Stmt::Jump { .. } => {}
        }
    }
}

fn render_block(block: &[Stmt], depth: usize, out: &mut String) {
    let indent = "    ".repeat(depth);
    for stmt in block {
        match stmt {
            Stmt::Let { name, ty, init } => {
                // A constant's float type is spelled out, as a person would
                // (`let total: f64 = 0.0;`).
                let mut reads = Vec::new();
                init.reads(&mut reads);
                let mut calls = Vec::new();
                init.calls(&mut calls);
                let annotation = match ty {
                    Ty::Scalar if reads.is_empty() && calls.is_empty() => ": f64",
                    _ => "",
                };
                writeln!(
                    out,
                    "{indent}let mut {name}{annotation} = {};",
                    render(init)
                )
                .unwrap();
            }
            Stmt::Return { value } => {
                writeln!(out, "{indent}return {};", render(value)).unwrap();
            }
            Stmt::Jump { is_break } => {
                let jump = if *is_break { "break" } else { "continue" };
                writeln!(out, "{indent}{jump};").unwrap();
            }
            Stmt::Assign { name, op, value } => {
                let op = op.map_or("", Bin::symbol);
                writeln!(out, "{indent}{name} {op}= {};", render(value)).unwrap();
            }
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                let inner = "    ".repeat(depth + 1);
                let arms = |pattern: String, out: &mut String| {
                    writeln!(out, "{inner}{pattern} => {{").unwrap();
                    render_block(then, depth + 2, out);
                    writeln!(out, "{inner}}}\n{inner}_ => {{").unwrap();
                    render_block(otherwise, depth + 2, out);
                    writeln!(out, "{inner}}}\n{indent}}}").unwrap();
                };
                match &cond.form {
                    Form::Compare => {
                        writeln!(out, "{indent}if {} {{", render_cond(cond)).unwrap();
                        render_block(then, depth + 1, out);
                        if otherwise.is_empty() {
                            writeln!(out, "{indent}}}").unwrap();
                        } else {
                            writeln!(out, "{indent}}} else {{").unwrap();
                            render_block(otherwise, depth + 1, out);
                            writeln!(out, "{indent}}}").unwrap();
                        }
                    }
                    Form::MatchLiteral { index } => {
                        writeln!(out, "{indent}match (d[{index}] * 3.0).floor() as i64 {{")
                            .unwrap();
                        arms("0 | 1".to_owned(), out);
                    }
                    Form::MatchGuard { index, name } => {
                        writeln!(out, "{indent}match (d[{index}] * 3.0).floor() as i64 {{")
                            .unwrap();
                        arms(format!("{name} if {name} > 0"), out);
                    }
                    Form::IfLet { index, name } => {
                        writeln!(out, "{indent}if let Some({name}) = d.get({index}) {{").unwrap();
                        render_block(then, depth + 1, out);
                        writeln!(out, "{indent}}} else {{").unwrap();
                        render_block(otherwise, depth + 1, out);
                        writeln!(out, "{indent}}}").unwrap();
                    }
                }
            }
            Stmt::For { head, body } => {
                let head = match head {
                    LoopHead::Range {
                        index,
                        n,
                        rev: false,
                    } => {
                        format!("{} in 0..{n}", index.as_deref().unwrap_or("_"))
                    }
                    LoopHead::Range {
                        index,
                        n,
                        rev: true,
                    } => {
                        format!("{} in (0..{n}).rev()", index.as_deref().unwrap_or("_"))
                    }
                    LoopHead::Data { element } => format!("{element} in d.iter()"),
                    LoopHead::Enumerate { index, element } => {
                        format!("({index}, {element}) in d.iter().enumerate()")
                    }
                    LoopHead::Zip { first, second } => {
                        format!("({first}, {second}) in d.iter().zip(d.iter().rev())")
                    }
                    LoopHead::While { counter, n } => {
                        writeln!(out, "{indent}let mut {counter} = 0_usize;").unwrap();
                        writeln!(out, "{indent}while {counter} < {n} {{").unwrap();
                        writeln!(out, "{indent}    {counter} += 1;").unwrap();
                        render_block(body, depth + 1, out);
                        writeln!(out, "{indent}}}").unwrap();
                        continue;
                    }
                    LoopHead::Loop { counter, n } => {
                        writeln!(out, "{indent}let mut {counter} = 0_usize;").unwrap();
                        writeln!(out, "{indent}loop {{").unwrap();
                        writeln!(out, "{indent}    if {counter} >= {n} {{").unwrap();
                        writeln!(out, "{indent}        break;").unwrap();
                        writeln!(out, "{indent}    }}").unwrap();
                        writeln!(out, "{indent}    {counter} += 1;").unwrap();
                        render_block(body, depth + 1, out);
                        writeln!(out, "{indent}}}").unwrap();
                        continue;
                    }
                };
                writeln!(out, "{indent}for {head} {{").unwrap();
                render_block(body, depth + 1, out);
                writeln!(out, "{indent}}}").unwrap();
            }
        }
    }
}

fn render_cond(cond: &Cond) -> String {
    let cmp = match cond.cmp {
        Cmp::Lt => "<",
        Cmp::Gt => ">",
    };
    format!(
        "{} {cmp} {}",
        render_operand(&cond.lhs),
        render_operand(&cond.rhs)
    )
}

/// An operand of a binary operator: parenthesised unless atomic.
fn render_operand(e: &Expr) -> String {
    let text = render(e);
    if is_atomic(e) {
        text
    } else {
        format!("({text})")
    }
}

fn is_atomic(e: &Expr) -> bool {
    match e {
        Expr::Lit(v) => *v >= 0.0,
        Expr::Var(..)
        | Expr::Data(_)
        | Expr::DataAt(_)
        | Expr::Index(..)
        | Expr::IndexAt(..)
        | Expr::Field(..)
        | Expr::VectorZeros
        | Expr::VectorCopy(_)
        | Expr::Deref(_)
        | Expr::Shadow(_)
        | Expr::IndexAsF64(_)
        | Expr::VectorNew(_)
        | Expr::Method(..)
        | Expr::Method2(..)
        | Expr::Powi(..)
        | Expr::Clamp(..)
        | Expr::Dot(..)
        | Expr::Norm(_)
        | Expr::NormSquared(_)
        | Expr::Sum(_)
        | Expr::ComponentMul(..)
        | Expr::Act(..)
        | Expr::Softmax(_)
        | Expr::Mean(_)
        | Expr::VectorMax(_)
        | Expr::VectorAbs(_)
        | Expr::Call(..) => true,
        _ => false,
    }
}

/// A method receiver.
fn render_receiver(e: &Expr) -> String {
    let mut reads = Vec::new();
    e.reads(&mut reads);
    let mut calls = Vec::new();
    e.calls(&mut calls);
    match e {
        Expr::Lit(v) => format!("({v:?}_f64)"),
        // A constant expression: its float type must be spelled out.
        _ if reads.is_empty() && calls.is_empty() && !is_vector(e) => {
            format!("({} as f64)", render_operand(e))
        }
        _ => render_operand(e),
    }
}

/// A branch of an `if` expression: a literal with its type spelled out, so
/// that the `if` has a type even when both branches are constants.
fn render_branch(e: &Expr) -> String {
    match e {
        Expr::Lit(v) => format!("{v:?}_f64"),
        _ => render(e),
    }
}

/// A vector expression as a value: a reference alias becomes a copy.
fn as_value(e: Expr) -> Expr {
    match e {
        Expr::Var(name, Ty::VectorRef) => Expr::VectorCopy(name),
        other => other,
    }
}

/// An argument taken by reference (`&b`), or `x` itself.
fn render_borrowed(e: &Expr) -> String {
    match e {
        Expr::Var(name, Ty::VectorRef) => name.clone(),
        Expr::Var(name, _) => format!("&{name}"),
        _ => format!("&({})", render(e)),
    }
}

pub(crate) fn render(e: &Expr) -> String {
    match e {
        Expr::Lit(v) => format!("{v:?}"),
        Expr::Var(name, _) => name.clone(),
        Expr::Data(i) => format!("d[{i}]"),
        Expr::DataAt(i) => format!("d[{i}]"),
        Expr::Index(base, i) => format!("{base}[{i}]"),
        Expr::IndexAt(base, i, 0) => format!("{base}[{i}]"),
        Expr::IndexAt(base, i, k) => format!("{base}[{i} + {k}]"),
        Expr::Field(base, field) => format!("{base}.{field}"),
        Expr::IndexAsF64(i) => format!("({i} as f64)"),
        Expr::Deref(t) => format!("(*{t})"),
        Expr::Shadow(v) => format!("(match d.len() {{ {v} => {v} as f64 * 0.25 }})"),
        Expr::Chain(kind, e, body, arg) => {
            let body = render(body);
            match kind {
                ChainKind::MapSum => format!("d.iter().map(|{e}| {body}).sum::<f64>()"),
                ChainKind::FilterMapSum => {
                    format!("d.iter().filter(|{e}| **{e} > 0.3).map(|{e}| {body}).sum::<f64>()")
                }
                ChainKind::EnumerateSum(i) => {
                    format!("d.iter().enumerate().map(|({i}, {e})| {body}).sum::<f64>()")
                }
                ChainKind::Fold(acc) => {
                    format!("d.iter().fold(0.5_f64, |{acc}, {e}| {acc} * 0.5 + {body})")
                }
                ChainKind::VectorSum => format!("x.iter().map(|{e}| {body}).sum::<f64>()"),
                // The element's type types the result (a literal body
                // alone would leave the float type ambiguous).
                ChainKind::ElementwiseSum => format!("x.map(|{e}| {e} + {body}).sum()"),
                ChainKind::Closure(c) => {
                    format!(
                        "{{ let {c} = |{e}: f64| -> f64 {{ {body} }}; {c}({}) }}",
                        render(arg)
                    )
                }
            }
        }
        Expr::Bin(op, a, b) => {
            format!(
                "{} {} {}",
                render_operand(a),
                op.symbol(),
                render_operand(b)
            )
        }
        Expr::Neg(a) => format!("-{}", render_operand(a)),
        Expr::Method(method, a) => format!("{}.{}()", render_receiver(a), method.name()),
        // A literal receiver through the type's path: `f64::powf(0.5, e)`.
        Expr::Method2(method, a, b, c) if matches!(**a, Expr::Lit(_)) => {
            let name = match method {
                Method2::Max => "max",
                Method2::Min => "min",
                Method2::Hypot => "hypot",
                Method2::Atan2 => "atan2",
                Method2::Powf => "powf",
                Method2::Log => "log",
                Method2::MulAdd => "mul_add",
            };
            let third = c
                .as_ref()
                .map(|c| format!(", {}", render(c)))
                .unwrap_or_default();
            format!("f64::{name}({}, {}{third})", render(a), render(b))
        }
        Expr::Method2(method, a, b, c) => {
            let (a, b) = (render_receiver(a), render(b));
            match method {
                Method2::Max => format!("{a}.max({b})"),
                Method2::Min => format!("{a}.min({b})"),
                Method2::Hypot => format!("{a}.hypot({b})"),
                Method2::Atan2 => format!("{a}.atan2({b})"),
                Method2::Powf => format!("{a}.powf({b})"),
                Method2::Log => format!("{a}.log({b})"),
                Method2::MulAdd => format!(
                    "{a}.mul_add({b}, {})",
                    render(c.as_ref().expect("mul_add has three operands"))
                ),
            }
        }
        Expr::Powi(a, n) => format!("{}.powi({n})", render_receiver(a)),
        Expr::Clamp(a, lo, hi) => format!("{}.clamp({lo:?}, {hi:?})", render_receiver(a)),
        Expr::VectorNew(items) => format!(
            "Vector3::new({}, {}, {})",
            render(&items[0]),
            render(&items[1]),
            render(&items[2])
        ),
        Expr::VectorZeros => "Vector3::<f64>::zeros()".to_owned(),
        Expr::VectorCopy(name) => format!("(*{name})"),
        Expr::Dot(a, b) => format!("{}.dot({})", render_receiver(a), render_borrowed(b)),
        Expr::Norm(a) => format!("{}.norm()", render_receiver(a)),
        Expr::NormSquared(a) => format!("{}.norm_squared()", render_receiver(a)),
        Expr::Sum(a) => format!("{}.sum()", render_receiver(a)),
        Expr::ComponentMul(a, b) => {
            format!(
                "{}.component_mul({})",
                render_receiver(a),
                render_borrowed(b)
            )
        }
        Expr::Act(act, a) => act.render(&render(a)),
        Expr::Softmax(a) => format!("nn::softmax({})", render(a)),
        Expr::Mean(a) => format!("{}.mean()", render_receiver(a)),
        Expr::VectorMax(a) => format!("{}.max()", render_receiver(a)),
        Expr::VectorAbs(a) => format!("{}.abs()", render_receiver(a)),
        Expr::If(cond, a, b) => {
            let (a, b) = (render_branch(a), render_branch(b));
            match &cond.form {
                Form::Compare => format!("if {} {{ {a} }} else {{ {b} }}", render_cond(cond)),
                Form::MatchLiteral { index } => {
                    format!("match (d[{index}] * 3.0).floor() as i64 {{ 0 | 1 => {a}, _ => {b} }}")
                }
                Form::MatchGuard { index, name } => format!(
                    "match (d[{index}] * 3.0).floor() as i64 {{ {name} if {name} > 0 => {a}, _ => {b} }}"
                ),
                Form::IfLet { index, name } => {
                    format!("if let Some(_{name}) = d.get({index}) {{ {a} }} else {{ {b} }}")
                }
            }
        }
        Expr::Call(index, v, s) => format!(
            "super::p{index}::f({}, {}, d)",
            render_borrowed(v),
            render(s)
        ),
    }
}

// ---- generation ----------------------------------------------------------

/// A variable in scope.
#[derive(Clone, Debug)]
struct Var {
    name: String,
    ty: Ty,
    /// Whether it may be assigned here (declared `mut`, not frozen by an
    /// enclosing data loop).
    assignable: bool,
    /// Whether it may be read here (an accumulator of an enclosing data
    /// loop may not: its loop would no longer be an accumulation).
    readable: bool,
    /// Whether it depends on a differentiated argument (for calls).
    active: bool,
    /// An accumulator of the enclosing data loop at this depth: only `+=`
    /// and `-=` directly in that loop's body.
    accumulator_of: Option<usize>,
    /// For a loop index, the loop's trip count (`x[i]` needs at most 3).
    bound: Option<usize>,
}

/// The callable earlier programs.
#[derive(Clone, Copy)]
pub(crate) struct Callee {
    pub(crate) index: usize,
    pub(crate) wrt: Wrt,
}

struct Generator<'r> {
    rng: &'r mut Rng,
    scopes: Vec<Vec<Var>>,
    next_name: usize,
    /// The nesting of loops around the current point: `true` for a loop
    /// over the data (whose carried variables must be accumulators).
    loops: Vec<bool>,
    callees: Vec<Callee>,
    /// Statements left to write (bounds the program's size).
    budget: usize,
}

/// Generates program `index`, which may call `callees`.
pub(crate) fn generate(rng: &mut Rng, index: usize, callees: &[Callee]) -> Program {
    let wrt = *rng.pick(&[Wrt::X, Wrt::X, Wrt::S, Wrt::Both]);
    let mut generator = Generator {
        rng,
        scopes: vec![vec![
            Var {
                name: "x".into(),
                ty: Ty::VectorRef,
                assignable: false,
                readable: true,
                active: wrt.has_x(),
                accumulator_of: None,
                bound: None,
            },
            Var {
                name: "s".into(),
                ty: Ty::Scalar,
                assignable: false,
                readable: true,
                active: wrt.has_s(),
                accumulator_of: None,
                bound: None,
            },
        ]],
        next_name: 0,
        loops: Vec::new(),
        callees: callees.to_vec(),
        budget: 4 + index % 9,
    };
    let mut body = Vec::new();
    let statements = 2 + generator.rng.below(5);
    // Half of the programs have several loops at the top level, where the
    // macro fuses accumulations with their reverse sweep.
    let loops = if generator.rng.chance(50) {
        2 + generator.rng.below(2)
    } else {
        0
    };
    for step in 0..statements.max(loops) {
        if step < loops {
            generator.for_statement(&mut body, 0);
        } else if generator.budget > 0 {
            generator.statement(&mut body, 0);
        }
    }
    // The result reads most of the scalars and vectors in scope, so that
    // every part of the body matters.
    let mut result = generator.scalar(1);
    for var in generator.scopes[0].clone() {
        if var.name == "x" || var.name == "s" || !generator.rng.chance(80) {
            continue;
        }
        let term = match var.ty {
            Ty::Scalar => Expr::Var(var.name.clone(), Ty::Scalar),
            Ty::Vector | Ty::VectorRef => {
                Expr::NormSquared(Box::new(Expr::Var(var.name.clone(), var.ty)))
            }
            _ => continue,
        };
        let op = *generator.rng.pick(&[Bin::Add, Bin::Sub, Bin::Mul]);
        result = Expr::bin(op, result, term);
    }
    Program {
        index,
        wrt,
        body,
        result,
    }
}

impl Generator<'_> {
    /// A field of a vector: `x`, `y` or `z`.
    fn field(&mut self) -> &'static str {
        ["x", "y", "z"][self.rng.below(3)]
    }

    fn fresh(&mut self) -> String {
        let name = format!("v{}", self.next_name);
        self.next_name += 1;
        name
    }

    fn visible(&self) -> impl Iterator<Item = &Var> {
        // Inner scopes shadow nothing: names are unique in a program.
        self.scopes.iter().flatten()
    }

    fn readable(&self, ty: Ty) -> Vec<Var> {
        self.visible()
            .filter(|v| v.readable && v.ty == ty)
            .cloned()
            .collect()
    }

    fn declare(&mut self, name: String, ty: Ty, active: bool) {
        self.scopes.last_mut().expect("a scope").push(Var {
            name,
            ty,
            assignable: true,
            readable: true,
            active,
            accumulator_of: None,
            bound: None,
        });
    }

    /// Whether `e` depends on a differentiated argument (conservatively).
    fn is_active(&self, e: &Expr) -> bool {
        let mut reads = Vec::new();
        e.reads(&mut reads);
        let mut calls = Vec::new();
        e.calls(&mut calls);
        !calls.is_empty()
            || reads.iter().any(|name| {
                self.visible()
                    .find(|v| &v.name == name)
                    .is_some_and(|v| v.active)
            })
    }

    fn statement(&mut self, out: &mut Vec<Stmt>, depth: usize) {
        self.budget = self.budget.saturating_sub(1);
        let assignable: Vec<Var> = self
            .visible()
            .filter(|v| v.assignable && matches!(v.ty, Ty::Scalar | Ty::Vector))
            .cloned()
            .collect();
        let roll = self.rng.below(100);
        if roll < 30 || (assignable.is_empty() && roll < 60) {
            self.let_statement(out, depth);
        } else if roll < 55 && !assignable.is_empty() {
            let var = self.rng.pick(&assignable).clone();
            self.assignment(&var, out, depth);
        } else if roll < 72 && depth < 3 {
            self.if_statement(out, depth);
        } else if depth < 3 {
            self.for_statement(out, depth);
        } else {
            self.let_statement(out, depth);
        }
    }

    fn let_statement(&mut self, out: &mut Vec<Stmt>, depth: usize) {
        let name = self.fresh();
        let roll = self.rng.below(100);
        let (ty, init) = if roll < 20 {
            // An alias of a projection of the differentiated vector, or of it.
            let init = match self.rng.below(3) {
                0 => Expr::Index("x".into(), self.rng.below(3)),
                1 => Expr::Field("x".into(), self.field()),
                _ => Expr::Var("x".into(), Ty::VectorRef),
            };
            let ty = if matches!(init, Expr::Var(..)) {
                Ty::VectorRef
            } else {
                Ty::Scalar
            };
            (ty, init)
        } else if roll < 27 {
            // An accumulator to be, or a constant.
            (Ty::Scalar, Expr::Lit(*self.rng.pick(&[0.0, 1.0, 0.5])))
        } else if roll < 40 {
            (Ty::Vector, as_value(self.vector(2)))
        } else {
            (Ty::Scalar, self.scalar(3))
        };
        let _ = depth;
        let active = self.is_active(&init) || matches!(init, Expr::Var(ref name, _) if name == "x");
        out.push(Stmt::Let {
            name: name.clone(),
            ty,
            init,
        });
        self.declare(name, ty, active);
    }

    fn assignment(&mut self, var: &Var, out: &mut Vec<Stmt>, _depth: usize) {
        if let Some(loop_depth) = var.accumulator_of {
            // Only directly in its data loop's body (ifs allowed).
            if loop_depth + 1 != self.loops.len() {
                return;
            }
            let value = match var.ty {
                Ty::Vector => as_value(self.vector(2)),
                // A sum of squares (`total += e.powi(2)`), whose iterations
                // the macro seeds with ½.
                _ if self.rng.chance(30) => Expr::Powi(Box::new(self.scalar(2)), 2),
                _ => self.scalar(2),
            };
            let op = *self.rng.pick(&[Bin::Add, Bin::Add, Bin::Sub]);
            out.push(Stmt::Assign {
                name: var.name.clone(),
                op: Some(op),
                value,
            });
            self.mark_active(&var.name, true);
            return;
        }
        let value = match var.ty {
            Ty::Vector => as_value(self.vector(2)),
            _ => self.scalar(2),
        };
        let op = match var.ty {
            Ty::Vector => *self.rng.pick(&[None, Some(Bin::Add), Some(Bin::Sub)]),
            _ => *self.rng.pick(&[
                None,
                Some(Bin::Add),
                Some(Bin::Sub),
                Some(Bin::Mul),
                Some(Bin::Div),
            ]),
        };
        let value = match op {
            // Keep divisors away from zero.
            Some(Bin::Div) => Expr::bin(
                Bin::Add,
                Expr::bin(Bin::Mul, value.clone(), value),
                Expr::Lit(1.0),
            ),
            // Keep products from growing without bound in loops.
            Some(Bin::Mul) => Expr::Method(Method::Tanh, Box::new(value)),
            // An update that reads the variable itself (`v += v * e`): an
            // accumulation in form, a recurrence in fact.
            Some(Bin::Add | Bin::Sub)
                if var.ty == Ty::Scalar && !self.loops.is_empty() && self.rng.chance(50) =>
            {
                Expr::bin(
                    Bin::Mul,
                    Expr::Var(var.name.clone(), Ty::Scalar),
                    Expr::Method(Method::Tanh, Box::new(value)),
                )
            }
            _ => value,
        };
        let active = self.is_active(&value);
        out.push(Stmt::Assign {
            name: var.name.clone(),
            op,
            value,
        });
        if active {
            self.mark_active(&var.name, true);
        }
    }

    fn mark_active(&mut self, name: &str, active: bool) {
        for scope in &mut self.scopes {
            for var in scope.iter_mut() {
                if var.name == name {
                    var.active |= active;
                }
            }
        }
    }

    fn if_statement(&mut self, out: &mut Vec<Stmt>, depth: usize) {
        let mut cond = self.condition();
        cond.form = self.form();
        let mut then = Vec::new();
        let mut otherwise = Vec::new();
        self.scopes.push(Vec::new());
        if let Form::IfLet { name, .. } = &cond.form {
            // `&f64` out of the data, read like a loop's element.
            self.scopes.last_mut().expect("a scope").push(Var {
                name: name.clone(),
                ty: Ty::DataRef,
                assignable: false,
                readable: true,
                active: false,
                accumulator_of: None,
                bound: None,
            });
        }
        for _ in 0..1 + self.rng.below(3) {
            self.statement(&mut then, depth + 1);
        }
        // An early return from the branch (or match arm), outside loops.
        if self.loops.is_empty() && self.rng.chance(25) {
            let value = self.scalar(2);
            then.push(Stmt::Return { value });
        } else if !self.loops.is_empty() && self.rng.chance(8) {
            // A return from inside loops (the result is a scalar).
            let value = self.scalar(2);
            then.push(Stmt::Return { value });
        } else if !self.loops.is_empty() && self.rng.chance(25) {
            // Leave the innermost loop's iteration, or the loop.
            then.push(Stmt::Jump {
                is_break: self.rng.chance(50),
            });
        }
        self.scopes.pop();
        if self.rng.chance(60) {
            self.scopes.push(Vec::new());
            for _ in 0..1 + self.rng.below(2) {
                self.statement(&mut otherwise, depth + 1);
            }
            self.scopes.pop();
        }
        out.push(Stmt::If {
            cond,
            then,
            otherwise,
        });
    }

    fn for_statement(&mut self, out: &mut Vec<Stmt>, depth: usize) {
        // Loops over the data nest too: their accumulators may be the
        // enclosing data loop's.
        let in_data_loop = self.loops.iter().any(|data| *data);
        let over_data = self.rng.chance(if in_data_loop { 25 } else { 45 });
        let head = if over_data {
            match self.rng.below(3) {
                0 => LoopHead::Data {
                    element: self.fresh(),
                },
                1 => LoopHead::Enumerate {
                    index: self.fresh(),
                    element: self.fresh(),
                },
                _ => LoopHead::Zip {
                    first: self.fresh(),
                    second: self.fresh(),
                },
            }
        } else {
            let n = 1 + self.rng.below(4);
            match self.rng.below(10) {
                0 => LoopHead::While {
                    counter: self.fresh(),
                    n,
                },
                1 => LoopHead::Loop {
                    counter: self.fresh(),
                    n,
                },
                _ => {
                    let index = self.rng.chance(70).then(|| self.fresh());
                    let rev = self.rng.chance(25);
                    LoopHead::Range { index, n, rev }
                }
            }
        };
        // An accumulator declared just before the loop, most of the time.
        if self.rng.chance(70) {
            let name = self.fresh();
            let (ty, init) = if self.rng.chance(80) {
                (Ty::Scalar, Expr::Lit(0.0))
            } else {
                (Ty::Vector, Expr::VectorZeros)
            };
            out.push(Stmt::Let {
                name: name.clone(),
                ty,
                init,
            });
            self.declare(name, ty, false);
        }
        // A counter over the data (`n += 1.0;`): carried but not
        // differentiated, read by the accumulations.
        let counter = (over_data && self.rng.chance(40)).then(|| {
            let name = self.fresh();
            out.push(Stmt::Let {
                name: name.clone(),
                ty: Ty::Scalar,
                init: Expr::Lit(0.0),
            });
            name
        });
        // Over the data, the outer variables are frozen except for a few
        // accumulators, which may not be read in the loop.
        // Recurrences over the data (of a trip count known at run time
        // only) are checkpointed; the rest of the data loops accumulate.
        let mut saved = None;
        if over_data && self.rng.chance(60) {
            saved = Some(self.scopes.clone());
            let loop_depth = self.loops.len();
            // The newest assignable variable (usually the fresh one) is an
            // accumulator; each other one is, with some probability.
            let mut chose = false;
            for scope in self.scopes.iter_mut().rev() {
                for var in scope.iter_mut().rev() {
                    let eligible = var.assignable && matches!(var.ty, Ty::Scalar | Ty::Vector);
                    if eligible && (!chose || self.rng.chance(30)) {
                        chose = true;
                        var.readable = false;
                        var.accumulator_of = Some(loop_depth);
                    } else {
                        var.assignable = false;
                    }
                }
            }
        }
        self.loops.push(saved.is_some());
        self.scopes.push(Vec::new());
        let (scalar_element, index) = match &head {
            LoopHead::Range { index, n, .. } => (None, index.clone().map(|i| (i, *n))),
            LoopHead::Data { element } => (Some(vec![element.clone()]), None),
            LoopHead::Enumerate { index, element } => {
                (Some(vec![element.clone()]), Some((index.clone(), 4)))
            }
            LoopHead::Zip { first, second } => (Some(vec![first.clone(), second.clone()]), None),
            LoopHead::While { .. } | LoopHead::Loop { .. } => (None, None),
        };
        if let Some(elements) = scalar_element {
            for element in elements {
                self.scopes.last_mut().unwrap().push(Var {
                    name: element,
                    ty: Ty::DataRef,
                    assignable: false,
                    readable: true,
                    active: false,
                    accumulator_of: None,
                    bound: None,
                });
            }
        }
        if let Some((index, n)) = index {
            self.scopes.last_mut().unwrap().push(Var {
                name: index,
                ty: Ty::Index,
                assignable: false,
                readable: true,
                active: false,
                accumulator_of: None,
                bound: Some(n),
            });
        }
        let mut body = Vec::new();
        if let Some(counter) = &counter {
            body.push(Stmt::Assign {
                name: counter.clone(),
                op: Some(Bin::Add),
                value: Expr::Lit(1.0),
            });
            self.scopes.last_mut().expect("a scope").push(Var {
                name: counter.clone(),
                ty: Ty::Scalar,
                assignable: false,
                readable: true,
                active: false,
                accumulator_of: None,
                bound: None,
            });
        }
        // Every loop body first updates something carried, if it can.
        let carried: Vec<Var> = self
            .visible()
            .filter(|v| v.assignable && matches!(v.ty, Ty::Scalar | Ty::Vector))
            .cloned()
            .collect();
        let count = 1 + self.rng.below(3);
        for step in 0..count {
            if step == count - 1 && !carried.is_empty() {
                let var = self.rng.pick(&carried).clone();
                let current = self
                    .visible()
                    .find(|v| v.name == var.name)
                    .cloned()
                    .expect("in scope");
                self.assignment(&current, &mut body, depth + 1);
            } else {
                self.statement(&mut body, depth + 1);
            }
        }
        self.scopes.pop();
        self.loops.pop();
        if let Some(saved) = saved {
            // Restore the outer variables' rights, keeping what became active.
            let activity: Vec<(String, bool)> =
                self.visible().map(|v| (v.name.clone(), v.active)).collect();
            self.scopes = saved;
            for (name, active) in activity {
                self.mark_active(&name, active);
            }
        }
        out.push(Stmt::For { head, body });
    }

    /// How an `if` tests: mostly a comparison, sometimes a pattern.
    fn form(&mut self) -> Form {
        match self.rng.below(10) {
            0 => Form::MatchLiteral {
                index: self.rng.below(4),
            },
            1 => Form::MatchGuard {
                index: self.rng.below(4),
                name: self.fresh(),
            },
            2 => Form::IfLet {
                index: self.rng.below(6),
                name: self.fresh(),
            },
            _ => Form::Compare,
        }
    }

    fn condition(&mut self) -> Cond {
        let scalars = self.readable(Ty::Scalar);
        let lhs = match self.rng.below(10) {
            // A variable (often an alias of a projection, `let r = x[1];`).
            0..=2 if !scalars.is_empty() => {
                Expr::Var(self.rng.pick(&scalars).name.clone(), Ty::Scalar)
            }
            0..=5 => self.scalar(1),
            _ => self.data_scalar(),
        };
        Cond {
            lhs,
            cmp: *self.rng.pick(&[Cmp::Lt, Cmp::Gt]),
            rhs: Expr::Lit(self.rng.real(-0.5, 0.5)),
            form: Form::Compare,
        }
    }

    fn data_scalar(&mut self) -> Expr {
        let elements = self.readable(Ty::DataRef);
        if !elements.is_empty() && self.rng.chance(50) {
            return Expr::Deref(self.rng.pick(&elements).name.clone());
        }
        Expr::Data(self.rng.below(4))
    }

    /// A loop index usable for `x[i]` (trip count ≤ 3) or `d[i]` (≤ 4).
    fn index(&mut self, limit: usize) -> Option<String> {
        let indices: Vec<Var> = self
            .readable(Ty::Index)
            .into_iter()
            .filter(|v| v.bound.is_some_and(|n| n <= limit))
            .collect();
        (!indices.is_empty()).then(|| self.rng.pick(&indices).name.clone())
    }

    /// A loop index usable for `x[i]` (trip count ≤ `limit`), and an offset
    /// `k` for `x[i + k]` that stays below `limit` (often 0).
    fn offset_index(&mut self, limit: usize) -> Option<(String, usize)> {
        let indices: Vec<Var> = self
            .readable(Ty::Index)
            .into_iter()
            .filter(|v| v.bound.is_some_and(|n| n <= limit))
            .collect();
        if indices.is_empty() {
            return None;
        }
        let var = self.rng.pick(&indices).clone();
        let room = limit - var.bound.expect("a bound");
        let offset = if room > 0 && self.rng.chance(40) {
            1 + self.rng.below(room)
        } else {
            0
        };
        Some((var.name, offset))
    }

    fn scalar_leaf(&mut self) -> Expr {
        let scalars = self.readable(Ty::Scalar);
        let vectors: Vec<Var> = self
            .visible()
            .filter(|v| v.readable && v.ty == Ty::VectorRef)
            .cloned()
            .collect();
        match self.rng.below(10) {
            0 if self.rng.chance(15) => {
                let names: Vec<Var> = self.visible().cloned().collect();
                Expr::Shadow(self.rng.pick(&names).name.clone())
            }
            0 => Expr::Lit(self.rng.real(-2.0, 2.0)),
            1 => self.data_scalar(),
            2 | 3 if !scalars.is_empty() => {
                Expr::Var(self.rng.pick(&scalars).name.clone(), Ty::Scalar)
            }
            4 => Expr::Var("s".into(), Ty::Scalar),
            5 => match self.offset_index(3) {
                Some((i, k)) => Expr::IndexAt("x".into(), i, k),
                None => Expr::Index("x".into(), self.rng.below(3)),
            },
            6 => match self.index(4) {
                Some(i) if self.rng.chance(50) => Expr::DataAt(i),
                Some(i) => Expr::IndexAsF64(i),
                None => Expr::Field("x".into(), self.field()),
            },
            7 => {
                let var = self.rng.pick(&vectors).name.clone();
                Expr::Index(var, self.rng.below(3))
            }
            _ => {
                let vars = self.readable(Ty::Vector);
                if vars.is_empty() {
                    Expr::Index("x".into(), self.rng.below(3))
                } else {
                    let var = self.rng.pick(&vars).name.clone();
                    match self.offset_index(3) {
                        Some((i, k)) if self.rng.chance(40) => Expr::IndexAt(var, i, k),
                        _ => Expr::Index(var, self.rng.below(3)),
                    }
                }
            }
        }
    }

    fn scalar(&mut self, depth: usize) -> Expr {
        if depth == 0 || self.rng.chance(20) {
            return self.scalar_leaf();
        }
        let d = depth - 1;
        match self.rng.below(22) {
            20 | 21 if self.budget > 0 => self.chain(d),
            0..=4 => {
                let op = *self.rng.pick(&[Bin::Add, Bin::Sub, Bin::Mul, Bin::Mul]);
                Expr::bin(op, self.scalar(d), self.scalar(d))
            }
            5 => {
                let divisor = self.scalar(d);
                Expr::bin(
                    Bin::Div,
                    self.scalar(d),
                    Expr::bin(
                        Bin::Add,
                        Expr::bin(Bin::Mul, divisor.clone(), divisor),
                        Expr::Lit(1.0),
                    ),
                )
            }
            6 => Expr::bin(
                Bin::Div,
                self.scalar(d),
                Expr::Lit(*self.rng.pick(&[2.0, 3.0, 0.5])),
            ),
            7 => Expr::Neg(Box::new(self.scalar(d))),
            8..=10 => {
                let method = *self.rng.pick(&Method::ALL);
                let arg = self.scalar(d);
                Expr::Method(method, Box::new(method.domain(arg)))
            }
            11 => {
                let method = *self.rng.pick(&[
                    Method2::Max,
                    Method2::Min,
                    Method2::Hypot,
                    Method2::Atan2,
                    Method2::Powf,
                    Method2::Log,
                    Method2::MulAdd,
                ]);
                let (a, b) = (self.scalar(d), self.scalar(d));
                let square_plus = |e: Expr, c: f64| {
                    Expr::bin(Bin::Add, Expr::bin(Bin::Mul, e.clone(), e), Expr::Lit(c))
                };
                match method {
                    Method2::Powf => Expr::Method2(
                        method,
                        Box::new(square_plus(a, 0.5)),
                        Box::new(Expr::Method(Method::Tanh, Box::new(b))),
                        None,
                    ),
                    Method2::Log => Expr::Method2(
                        method,
                        Box::new(square_plus(a, 0.5)),
                        Box::new(square_plus(b, 2.0)),
                        None,
                    ),
                    Method2::Atan2 | Method2::Hypot => {
                        Expr::Method2(method, Box::new(a), Box::new(square_plus(b, 0.2)), None)
                    }
                    Method2::MulAdd => {
                        let c = self.scalar(d);
                        Expr::Method2(method, Box::new(a), Box::new(b), Some(Box::new(c)))
                    }
                    _ => Expr::Method2(method, Box::new(a), Box::new(b), None),
                }
            }
            12 => Expr::Powi(Box::new(self.scalar(d)), *self.rng.pick(&[2, 3])),
            13 => Expr::Clamp(Box::new(self.scalar(d)), -0.7, 0.8),
            14 => Expr::Dot(Box::new(self.vector(d)), Box::new(self.vector(d))),
            15 => match self.rng.below(3) {
                0 => Expr::Norm(Box::new(Expr::bin(
                    Bin::Add,
                    self.vector(d),
                    Expr::VectorNew(Box::new([Expr::Lit(1.5), Expr::Lit(0.0), Expr::Lit(0.0)])),
                ))),
                1 => Expr::NormSquared(Box::new(self.vector(d))),
                _ => Expr::Sum(Box::new(self.vector(d))),
            },
            16 => {
                // `if`, `match` or `if let` as an expression.
                let mut cond = self.condition();
                cond.form = self.form();
                Expr::If(
                    Box::new(cond),
                    Box::new(self.scalar(d)),
                    Box::new(self.scalar(d)),
                )
            }
            17 if !self.callees.is_empty() => self.call(d),
            18 => Expr::Act(*self.rng.pick(&Act::ALL), Box::new(self.scalar(d))),
            19 => match self.rng.below(2) {
                0 => Expr::Mean(Box::new(self.vector(d))),
                _ => Expr::VectorMax(Box::new(self.vector(d))),
            },
            _ => self.scalar_leaf(),
        }
    }

    /// An iterator chain or a local closure, its body a scalar expression
    /// that reads the element.
    fn chain(&mut self, d: usize) -> Expr {
        self.budget = self.budget.saturating_sub(1);
        let element = self.fresh();
        let (kind, ty, active) = match self.rng.below(7) {
            6 => (ChainKind::ElementwiseSum, Ty::Scalar, true),
            0 => (ChainKind::MapSum, Ty::DataRef, false),
            1 => (ChainKind::FilterMapSum, Ty::DataRef, false),
            2 => (ChainKind::EnumerateSum(self.fresh()), Ty::DataRef, false),
            3 => (ChainKind::Fold(self.fresh()), Ty::DataRef, false),
            4 => (ChainKind::VectorSum, Ty::DataRef, true),
            _ => (ChainKind::Closure(self.fresh()), Ty::Scalar, true),
        };
        let arg = match kind {
            ChainKind::Closure(_) => self.scalar(d),
            _ => Expr::Lit(0.0),
        };
        self.scopes.push(vec![Var {
            name: element.clone(),
            ty,
            assignable: false,
            readable: true,
            active,
            accumulator_of: None,
            bound: None,
        }]);
        if let ChainKind::EnumerateSum(index) = &kind {
            self.scopes.last_mut().expect("a scope").push(Var {
                name: index.clone(),
                ty: Ty::Index,
                assignable: false,
                readable: true,
                active: false,
                accumulator_of: None,
                bound: Some(4),
            });
        }
        let body = self.scalar(d);
        self.scopes.pop();
        Expr::Chain(kind, element, Box::new(body), Box::new(arg))
    }

    fn call(&mut self, d: usize) -> Expr {
        let callee = *self.rng.pick(&self.callees.clone());
        // An active argument only where the callee differentiates it.
        let vector = if callee.wrt.has_x() {
            self.vector(d)
        } else {
            Expr::VectorNew(Box::new([Expr::Data(0), Expr::Data(1), Expr::Lit(0.5)]))
        };
        let scalar = if callee.wrt.has_s() {
            self.scalar(d)
        } else {
            self.data_scalar()
        };
        Expr::Call(callee.index, Box::new(vector), Box::new(scalar))
    }

    fn vector(&mut self, depth: usize) -> Expr {
        let vectors: Vec<Var> = self
            .visible()
            .filter(|v| v.readable && matches!(v.ty, Ty::Vector | Ty::VectorRef))
            .cloned()
            .collect();
        if depth == 0 || self.rng.chance(25) {
            let var = self.rng.pick(&vectors);
            if var.ty == Ty::VectorRef && self.rng.chance(30) {
                return Expr::VectorCopy(var.name.clone());
            }
            return Expr::Var(var.name.clone(), var.ty);
        }
        let d = depth - 1;
        match self.rng.below(10) {
            8 => match self.rng.below(3) {
                0 => Expr::Act(
                    *self.rng.pick(&Act::ALL),
                    Box::new(as_value(self.vector(d))),
                ),
                1 => Expr::Softmax(Box::new(as_value(self.vector(d)))),
                _ => Expr::VectorAbs(Box::new(self.vector(d))),
            },
            0 | 1 => Expr::bin(
                *self.rng.pick(&[Bin::Add, Bin::Sub]),
                self.vector(d),
                self.vector(d),
            ),
            2 | 3 => Expr::bin(Bin::Mul, self.vector(d), self.scalar(d)),
            4 => Expr::VectorNew(Box::new([self.scalar(d), self.scalar(d), self.scalar(d)])),
            5 => Expr::ComponentMul(Box::new(self.vector(d)), Box::new(self.vector(d))),
            6 => Expr::Neg(Box::new(self.vector(d))),
            _ => Expr::bin(
                Bin::Div,
                self.vector(d),
                Expr::Lit(*self.rng.pick(&[2.0, 4.0])),
            ),
        }
    }
}

// ---- shrinking -----------------------------------------------------------

/// Smaller variants of `program`, each one step away: a statement removed,
/// an `if` replaced by one branch, a loop's trip count lowered or the loop
/// unrolled once, an expression replaced by a leaf or by one of its
/// operands. Variants that read an undefined variable are left out.
pub(crate) fn shrink(program: &Program) -> Vec<Program> {
    let mut variants = Vec::new();
    let statements = count_statements(&program.body);
    for position in 0..statements {
        for edit in [
            Edit::Remove,
            Edit::Flatten(true),
            Edit::Flatten(false),
            Edit::Fewer,
        ] {
            let mut variant = program.clone();
            let mut counter = 0;
            if edit_statement(&mut variant.body, position, edit, &mut counter) {
                variants.push(variant);
            }
        }
    }
    // Expressions: each node replaced by a literal or by a same-typed child.
    let expressions = {
        let mut count = 0;
        let mut probe = program.clone();
        for_each_expr(&mut probe, &mut |_| count += 1);
        count
    };
    for position in 0..expressions {
        for replacement in 0..4 {
            let mut variant = program.clone();
            let mut counter = 0;
            let mut changed = false;
            for_each_expr(&mut variant, &mut |e| {
                if counter == position {
                    changed = simplify(e, replacement);
                }
                counter += 1;
            });
            if changed {
                variants.push(variant);
            }
        }
    }
    variants.retain(well_scoped);
    variants.sort_by_key(Program::size);
    variants.dedup();
    variants
}

#[derive(Clone, Copy)]
enum Edit {
    Remove,
    Flatten(bool),
    Fewer,
}

fn count_statements(block: &[Stmt]) -> usize {
    block
        .iter()
        .map(|stmt| {
            1 + match stmt {
                Stmt::If {
                    then, otherwise, ..
                } => count_statements(then) + count_statements(otherwise),
                Stmt::For { body, .. } => count_statements(body),
                _ => 0,
            }
        })
        .sum()
}

fn edit_statement(block: &mut Vec<Stmt>, position: usize, edit: Edit, counter: &mut usize) -> bool {
    let mut index = 0;
    while index < block.len() {
        if *counter == position {
            *counter += 1;
            return match (edit, &mut block[index]) {
                (Edit::Remove, _) => {
                    block.remove(index);
                    true
                }
                (
                    Edit::Flatten(then_side),
                    Stmt::If {
                        then, otherwise, ..
                    },
                ) => {
                    let kept = if then_side {
                        then.clone()
                    } else {
                        otherwise.clone()
                    };
                    block.splice(index..=index, kept);
                    true
                }
                (
                    Edit::Fewer,
                    Stmt::For {
                        head: LoopHead::Range { n, .. },
                        ..
                    },
                ) if *n > 1 => {
                    *n -= 1;
                    true
                }
                (
                    Edit::Flatten(true),
                    Stmt::For {
                        head: LoopHead::Range { index: None, .. },
                        body,
                    },
                ) => {
                    let kept = body.clone();
                    block.splice(index..=index, kept);
                    true
                }
                _ => false,
            };
        }
        *counter += 1;
        let done = match &mut block[index] {
            Stmt::If {
                then, otherwise, ..
            } => {
                edit_statement(then, position, edit, counter)
                    || edit_statement(otherwise, position, edit, counter)
            }
            Stmt::For { body, .. } => edit_statement(body, position, edit, counter),
            _ => false,
        };
        if done || *counter > position {
            return done;
        }
        index += 1;
    }
    false
}

fn for_each_expr(program: &mut Program, visit: &mut impl FnMut(&mut Expr)) {
    fn in_expr(e: &mut Expr, visit: &mut impl FnMut(&mut Expr)) {
        visit(e);
        for child in e.children_mut() {
            in_expr(child, visit);
        }
    }
    fn in_block(block: &mut [Stmt], visit: &mut impl FnMut(&mut Expr)) {
        for stmt in block {
            match stmt {
                Stmt::Let { init: e, .. }
                | Stmt::Assign { value: e, .. }
                | Stmt::Return { value: e } => in_expr(e, visit),
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    in_expr(&mut cond.lhs, visit);
                    in_expr(&mut cond.rhs, visit);
                    in_block(then, visit);
                    in_block(otherwise, visit);
                }
                Stmt::For { body, .. } => in_block(body, visit),
                Stmt::Jump { .. } => {}
            }
        }
    }
    in_block(&mut program.body, visit);
    in_expr(&mut program.result, visit);
}

/// Whether the expression is vector-valued (by its form).
fn is_vector(e: &Expr) -> bool {
    match e {
        Expr::Var(_, ty) => matches!(ty, Ty::Vector | Ty::VectorRef),
        Expr::VectorNew(_) | Expr::VectorZeros | Expr::ComponentMul(..) | Expr::VectorCopy(_) => {
            true
        }
        Expr::Softmax(_) | Expr::VectorAbs(_) => true,
        Expr::Bin(_, a, _) | Expr::Neg(a) | Expr::Act(_, a) => is_vector(a),
        _ => false,
    }
}

/// Replaces `e` by something smaller of the same type; `choice` picks which.
fn simplify(e: &mut Expr, choice: usize) -> bool {
    if is_vector(e) {
        let replacement = match (choice, &*e) {
            (0, Expr::Var(..)) => return false,
            (0, _) => Expr::VectorCopy("x".into()),
            (1, Expr::Bin(_, a, _) | Expr::Neg(a)) if is_vector(a) => as_value((**a).clone()),
            (2, Expr::Bin(_, _, b)) if is_vector(b) => as_value((**b).clone()),
            _ => return false,
        };
        *e = replacement;
        return true;
    }
    let replacement = match (choice, &*e) {
        (0, Expr::Lit(_)) => return false,
        (0, _) => Expr::Lit(0.5),
        (1, Expr::Index(..) | Expr::Field(..) | Expr::Lit(_) | Expr::Var(..)) => return false,
        (1, _) => Expr::Index("x".into(), 0),
        (2, Expr::Var(..)) => return false,
        (2, _) => Expr::Var("s".into(), Ty::Scalar),
        (3, _) => {
            let children: Vec<Expr> = e
                .clone()
                .children_mut()
                .into_iter()
                .map(|c| c.clone())
                .filter(|c| !is_vector(c))
                .collect();
            match children.into_iter().next() {
                Some(child) => child,
                None => return false,
            }
        }
        _ => return false,
    };
    if replacement == *e {
        return false;
    }
    *e = replacement;
    true
}

/// Whether every variable the program reads is declared before, in scope.
fn well_scoped(program: &Program) -> bool {
    fn block(stmts: &[Stmt], scope: &mut Vec<String>) -> bool {
        let mark = scope.len();
        for stmt in stmts {
            let ok = match stmt {
                Stmt::Let { name, init, .. } => {
                    let ok = reads_ok(init, scope);
                    scope.push(name.clone());
                    ok
                }
                Stmt::Assign { name, value, .. } => scope.contains(name) && reads_ok(value, scope),
                Stmt::Return { value } => reads_ok(value, scope),
                Stmt::Jump { .. } => true,
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    let mark = scope.len();
                    if let Form::IfLet { name, .. } = &cond.form {
                        scope.push(name.clone());
                    }
                    let then_ok = block(then, scope);
                    scope.truncate(mark);
                    reads_ok(&cond.lhs, scope)
                        && reads_ok(&cond.rhs, scope)
                        && then_ok
                        && block(otherwise, scope)
                }
                Stmt::For { head, body } => {
                    let inner = scope.len();
                    match head {
                        LoopHead::Range { index, .. } => scope.extend(index.clone()),
                        LoopHead::Data { element } => scope.push(element.clone()),
                        LoopHead::Enumerate { index, element } => {
                            scope.push(index.clone());
                            scope.push(element.clone());
                        }
                        LoopHead::Zip { first, second } => {
                            scope.push(first.clone());
                            scope.push(second.clone());
                        }
                        LoopHead::While { .. } | LoopHead::Loop { .. } => {}
                    }
                    let ok = block(body, scope);
                    scope.truncate(inner);
                    ok
                }
            };
            if !ok {
                return false;
            }
        }
        scope.truncate(mark);
        true
    }
    fn reads_ok(e: &Expr, scope: &[String]) -> bool {
        let mut reads = Vec::new();
        e.reads(&mut reads);
        reads.iter().all(|name| scope.contains(name))
    }
    let mut scope = vec!["x".to_owned(), "s".to_owned()];
    let mark = scope.len();
    let _ = mark;
    // The result reads the top-level scope.
    let mut top = scope.clone();
    if !block(&program.body, &mut scope) {
        return false;
    }
    collect_top(&program.body, &mut top);
    reads_ok(&program.result, &top)
}

fn collect_top(stmts: &[Stmt], scope: &mut Vec<String>) {
    for stmt in stmts {
        if let Stmt::Let { name, .. } = stmt {
            scope.push(name.clone());
        }
    }
}
