//! The methods the differentiator knows by name, and the runtime rule each
//! operand's adjoint comes from.
//!
//! A method call `x.m(a, b)` whose name and argument count [`method`] finds
//! becomes an [`Op::Builtin`](crate::ir::Op::Builtin); the reverse sweep
//! calls the rule (`scalar_rules::sin`, `AbsRule::abs`, ...) as
//! `RULE(&adjoint, &x, &a, &b, &y)` for each active operand that has one.
//! Methods in [`ZERO_DERIVATIVE`] are piecewise constant and never active.
//! Any other method is linked by name (`x.m_vjp(a, b)`).

/// The rule of one built-in method.
#[derive(Debug)]
pub(crate) struct MethodRule {
    /// The method's name.
    pub(crate) name: &'static str,
    /// The rule for each operand, receiver first, as a path under the
    /// runtime's `__private` module; `None` for an operand that is not
    /// differentiable (the integer exponent of `powi`).
    pub(crate) operands: &'static [Option<&'static str>],
    /// The forward-mode rule for each operand (same paths with `_jvp`):
    /// `RULE(&tangent, &x, &a, &b, &y)` is that operand's part of the
    /// result's tangent.
    pub(crate) tangents: &'static [Option<&'static str>],
    /// The second-order term of a hyper-dual tangent,
    /// `RULE(&x, &a, .., &u_x, &u_a, .., &v_x, &v_a, .., &y)`; `None` for a
    /// method that is linear or piecewise linear (the term is zero).
    pub(crate) second: Option<&'static str>,
}

impl MethodRule {
    /// The number of arguments besides the receiver.
    pub(crate) fn arity(&self) -> usize {
        self.operands.len() - 1
    }
}

macro_rules! unary {
    (@second linear $name:literal) => { None };
    (@second $name:literal) => { Some(concat!("scalar_rules::", $name, "_second")) };
    ($($name:literal $($linear:ident)?),+ $(,)?) => {
        [$(MethodRule {
            name: $name,
            operands: &[Some(concat!("scalar_rules::", $name))],
            tangents: &[Some(concat!("scalar_rules::", $name, "_jvp"))],
            second: unary!(@second $($linear)? $name),
        }),+]
    };
}

const UNARY: [MethodRule; 25] = unary![
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
    "to_degrees" linear,
    "to_radians" linear,
    "fract" linear,
];

const MULTI: [MethodRule; 9] = [
    MethodRule {
        name: "powi",
        operands: &[Some("scalar_rules::powi"), None],
        tangents: &[Some("scalar_rules::powi_jvp"), None],
        second: Some("scalar_rules::powi_second"),
    },
    MethodRule {
        name: "powf",
        operands: &[
            Some("scalar_rules::powf_base"),
            Some("scalar_rules::powf_exponent"),
        ],
        tangents: &[
            Some("scalar_rules::powf_base_jvp"),
            Some("scalar_rules::powf_exponent_jvp"),
        ],
        second: Some("scalar_rules::powf_second"),
    },
    MethodRule {
        name: "log",
        operands: &[
            Some("scalar_rules::log_value"),
            Some("scalar_rules::log_base"),
        ],
        tangents: &[
            Some("scalar_rules::log_value_jvp"),
            Some("scalar_rules::log_base_jvp"),
        ],
        second: Some("scalar_rules::log_second"),
    },
    MethodRule {
        name: "atan2",
        operands: &[Some("scalar_rules::atan2_y"), Some("scalar_rules::atan2_x")],
        tangents: &[
            Some("scalar_rules::atan2_y_jvp"),
            Some("scalar_rules::atan2_x_jvp"),
        ],
        second: Some("scalar_rules::atan2_second"),
    },
    MethodRule {
        name: "hypot",
        operands: &[
            Some("scalar_rules::hypot_lhs"),
            Some("scalar_rules::hypot_rhs"),
        ],
        tangents: &[
            Some("scalar_rules::hypot_lhs_jvp"),
            Some("scalar_rules::hypot_rhs_jvp"),
        ],
        second: Some("scalar_rules::hypot_second"),
    },
    MethodRule {
        name: "max",
        operands: &[Some("scalar_rules::max_lhs"), Some("scalar_rules::max_rhs")],
        tangents: &[
            Some("scalar_rules::max_lhs_jvp"),
            Some("scalar_rules::max_rhs_jvp"),
        ],
        second: None,
    },
    MethodRule {
        name: "min",
        operands: &[Some("scalar_rules::min_lhs"), Some("scalar_rules::min_rhs")],
        tangents: &[
            Some("scalar_rules::min_lhs_jvp"),
            Some("scalar_rules::min_rhs_jvp"),
        ],
        second: None,
    },
    MethodRule {
        name: "clamp",
        operands: &[
            Some("scalar_rules::clamp_value"),
            Some("scalar_rules::clamp_min"),
            Some("scalar_rules::clamp_max"),
        ],
        tangents: &[
            Some("scalar_rules::clamp_value_jvp"),
            Some("scalar_rules::clamp_min_jvp"),
            Some("scalar_rules::clamp_max_jvp"),
        ],
        second: None,
    },
    MethodRule {
        name: "mul_add",
        operands: &[
            Some("scalar_rules::mul_add_value"),
            Some("scalar_rules::mul_add_factor"),
            Some("scalar_rules::mul_add_addend"),
        ],
        tangents: &[
            Some("scalar_rules::mul_add_value_jvp"),
            Some("scalar_rules::mul_add_factor_jvp"),
            Some("scalar_rules::mul_add_addend_jvp"),
        ],
        second: Some("scalar_rules::mul_add_second"),
    },
];

/// Methods of scalars and matrices alike (the rule is a trait), and of
/// nalgebra matrices and vectors.
const MATRIX: [MethodRule; 11] = [
    MethodRule {
        name: "abs",
        operands: &[Some("AbsRule::abs")],
        tangents: &[Some("AbsRule::abs")],
        second: None,
    },
    MethodRule {
        name: "dot",
        operands: &[Some("matrix_rules::dot_lhs"), Some("matrix_rules::dot_rhs")],
        tangents: &[
            Some("matrix_rules::dot_lhs_jvp"),
            Some("matrix_rules::dot_rhs_jvp"),
        ],
        second: Some("matrix_rules::dot_second"),
    },
    MethodRule {
        name: "component_mul",
        operands: &[
            Some("matrix_rules::component_mul_lhs"),
            Some("matrix_rules::component_mul_rhs"),
        ],
        tangents: &[
            Some("matrix_rules::component_mul_lhs_jvp"),
            Some("matrix_rules::component_mul_rhs_jvp"),
        ],
        second: Some("matrix_rules::component_mul_second"),
    },
    MethodRule {
        name: "component_div",
        operands: &[
            Some("matrix_rules::component_div_lhs"),
            Some("matrix_rules::component_div_rhs"),
        ],
        tangents: &[
            Some("matrix_rules::component_div_lhs_jvp"),
            Some("matrix_rules::component_div_rhs_jvp"),
        ],
        second: Some("matrix_rules::component_div_second"),
    },
    MethodRule {
        name: "transpose",
        operands: &[Some("matrix_rules::transpose")],
        tangents: &[Some("matrix_rules::transpose_jvp")],
        second: None,
    },
    MethodRule {
        name: "sum",
        operands: &[Some("matrix_rules::sum")],
        tangents: &[Some("matrix_rules::sum_jvp")],
        second: None,
    },
    MethodRule {
        name: "mean",
        operands: &[Some("matrix_rules::mean")],
        tangents: &[Some("matrix_rules::mean_jvp")],
        second: None,
    },
    MethodRule {
        name: "norm",
        operands: &[Some("matrix_rules::norm")],
        tangents: &[Some("matrix_rules::norm_jvp")],
        second: Some("matrix_rules::norm_second"),
    },
    MethodRule {
        name: "norm_squared",
        operands: &[Some("matrix_rules::norm_squared")],
        tangents: &[Some("matrix_rules::norm_squared_jvp")],
        second: Some("matrix_rules::norm_squared_second"),
    },
    MethodRule {
        name: "max",
        operands: &[Some("matrix_rules::max")],
        tangents: &[Some("matrix_rules::max_jvp")],
        second: None,
    },
    MethodRule {
        name: "min",
        operands: &[Some("matrix_rules::min")],
        tangents: &[Some("matrix_rules::min_jvp")],
        second: None,
    },
];

/// Methods of `f32`/`f64` without a derivative rule. Where one is called,
/// the siblings bring the runtime's `FloatMethodsWithoutRule` into scope: a
/// fallback `NAME_vjp` that rustc picks only when the user wrote none, and
/// whose bound fails with a message naming the `_vjp` to write.
pub(crate) const FLOAT_METHODS_WITHOUT_RULE: &[&str] = &[
    "sin_cos",
    "rem_euclid",
    "div_euclid",
    "copysign",
    "midpoint",
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
    // Shapes: integers.
    "len",
    "is_empty",
    "nrows",
    "ncols",
];

/// The methods of the runtime's `RealMethods` (method syntax for `Real`'s
/// functions); keep in step with `runtime/src/real.rs`.
pub(crate) const REAL_METHODS: &[&str] = &[
    "exp",
    "exp2",
    "exp_m1",
    "ln",
    "ln_1p",
    "log2",
    "log10",
    "sqrt",
    "cbrt",
    "powi",
    "powf",
    "sin",
    "cos",
    "tan",
    "sinh",
    "cosh",
    "tanh",
    "abs",
    "hypot",
    "floor",
    "is_nan",
    "is_finite",
    "max",
    "min",
    "erf",
];

fn all() -> impl Iterator<Item = &'static MethodRule> {
    UNARY.iter().chain(MULTI.iter()).chain(MATRIX.iter())
}

/// The built-in rule for `name` called with `arity` arguments, if any.
pub(crate) fn method(name: &str, arity: usize) -> Option<&'static MethodRule> {
    all().find(|rule| rule.name == name && rule.arity() == arity)
}

/// Whether `name` is a built-in method under any arity (used to read
/// `f64::sin(x)` as the method call `x.sin()`).
pub(crate) fn is_builtin_name(name: &str) -> bool {
    all().any(|rule| rule.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_no_duplicates() {
        let mut names: Vec<_> = all().map(|r| (r.name, r.arity())).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
        assert!(method("powi", 1).is_some());
        assert!(method("sin", 1).is_none());
    }

    #[test]
    fn real_methods_match_the_runtime() {
        // In the workspace, the runtime's `real_methods!` list is this one.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime/src/real.rs");
        let Ok(source) = std::fs::read_to_string(path) else {
            return;
        };
        let list = source
            .split_once("real_methods! {")
            .expect("the runtime's real_methods! list")
            .1;
        let names: Vec<&str> = list
            .split("fn ")
            .skip(1)
            .filter_map(|rest| rest.split_once("(self").map(|(name, _)| name))
            .collect();
        assert_eq!(names, REAL_METHODS);
    }
}
