//! The methods the differentiator knows by name, and the runtime rule each
//! operand's adjoint comes from.
//!
//! A method call `x.m(a, b)` whose name and argument count appear in
//! [`METHODS`] becomes an [`Op::Builtin`](crate::ir::Op::Builtin); the
//! reverse sweep calls `scalar_rules::RULE(&adjoint, &x, &a, &b, &y)` for
//! each active operand that has a rule. Methods in [`ZERO_DERIVATIVE`] are
//! piecewise constant and never active. Any other method is linked by name
//! (`x.m_vjp(a, b)`).

/// The rule of one built-in method.
#[derive(Debug)]
pub(crate) struct MethodRule {
    /// The method's name.
    pub(crate) name: &'static str,
    /// The rule function for each operand, receiver first; `None` for an
    /// operand that is not differentiable (the integer exponent of `powi`).
    pub(crate) operands: &'static [Option<&'static str>],
}

impl MethodRule {
    /// The number of arguments besides the receiver.
    pub(crate) fn arity(&self) -> usize {
        self.operands.len() - 1
    }
}

macro_rules! unary {
    ($($name:literal),+ $(,)?) => {
        [$(MethodRule { name: $name, operands: &[Some($name)] }),+]
    };
}

const UNARY: [MethodRule; 26] = unary![
    "exp",
    "exp2",
    "exp_m1",
    "ln",
    "ln_1p",
    "log2",
    "log10",
    "sqrt",
    "cbrt",
    "recip",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "abs",
    "to_degrees",
    "to_radians",
    "fract",
];

const MULTI: [MethodRule; 9] = [
    MethodRule {
        name: "powi",
        operands: &[Some("powi"), None],
    },
    MethodRule {
        name: "powf",
        operands: &[Some("powf_base"), Some("powf_exponent")],
    },
    MethodRule {
        name: "log",
        operands: &[Some("log_value"), Some("log_base")],
    },
    MethodRule {
        name: "atan2",
        operands: &[Some("atan2_y"), Some("atan2_x")],
    },
    MethodRule {
        name: "hypot",
        operands: &[Some("hypot_lhs"), Some("hypot_rhs")],
    },
    MethodRule {
        name: "max",
        operands: &[Some("max_lhs"), Some("max_rhs")],
    },
    MethodRule {
        name: "min",
        operands: &[Some("min_lhs"), Some("min_rhs")],
    },
    MethodRule {
        name: "clamp",
        operands: &[Some("clamp_value"), Some("clamp_min"), Some("clamp_max")],
    },
    MethodRule {
        name: "mul_add",
        operands: &[
            Some("mul_add_value"),
            Some("mul_add_factor"),
            Some("mul_add_addend"),
        ],
    },
];

/// Methods whose derivative is zero wherever it exists (PyTorch gives them a
/// zero gradient), and predicates.
pub(crate) const ZERO_DERIVATIVE: &[&str] = &[
    "signum",
    "floor",
    "ceil",
    "round",
    "round_ties_even",
    "trunc",
    "is_nan",
    "is_finite",
    "is_infinite",
    "is_normal",
    "is_sign_positive",
    "is_sign_negative",
    "partial_cmp",
    "total_cmp",
];

/// The built-in rule for `name` called with `arity` arguments, if any.
pub(crate) fn method(name: &str, arity: usize) -> Option<&'static MethodRule> {
    UNARY
        .iter()
        .chain(MULTI.iter())
        .find(|rule| rule.name == name && rule.arity() == arity)
}

/// Whether `name` is a built-in method under any arity (used to read
/// `f64::sin(x)` as the method call `x.sin()`).
pub(crate) fn is_builtin_name(name: &str) -> bool {
    UNARY
        .iter()
        .chain(MULTI.iter())
        .any(|rule| rule.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_no_duplicates() {
        let mut names: Vec<_> = UNARY
            .iter()
            .chain(MULTI.iter())
            .map(|r| (r.name, r.arity()))
            .collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
        assert!(method("powi", 1).is_some());
        assert!(method("sin", 1).is_none());
    }
}
