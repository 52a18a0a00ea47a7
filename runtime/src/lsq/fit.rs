//! What a fit returns: [`Fit`] and its [`Termination`] reason, or an
//! [`LsqError`].

use crate::Params;
use core::fmt;

/// A successful least-squares fit: the parameters themselves are left in the
/// `&mut` argument of the solver.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Fit<P: Params> {
    /// The residual sum of squares `Σ rᵢ²` at the solution.
    pub rss: P::Scalar,
    /// Passes over the residuals: each evaluates every residual with its
    /// gradient once (so this also counts Jacobians).
    pub evaluations: usize,
    /// Accepted steps.
    pub iterations: usize,
    /// The standard error of every parameter, `√(diag((JᵀJ)⁻¹)·rss/(m − n))`
    /// for `m` residuals and `n` parameters, at the solution: the "standard
    /// deviations" NIST certifies. NaN or infinite when `m = n`.
    pub std_errors: P,
    /// Why the solver stopped.
    pub termination: Termination,
}

/// Why a solver stopped with success (MINPACK's `info` 1 to 4, and 6 to 8
/// as [`Precision`](Termination::Precision)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Termination {
    /// Both the actual and the predicted relative reduction of the sum of
    /// squares are at most `ftol`.
    Ftol,
    /// The relative error between two consecutive iterates (the trust
    /// region's radius relative to the scaled parameters) is at most `xtol`.
    Xtol,
    /// Both [`Ftol`](Termination::Ftol) and [`Xtol`](Termination::Xtol).
    FtolAndXtol,
    /// The cosine of the angle between the residuals and every column of
    /// the Jacobian is at most `gtol` in absolute value (always so for zero
    /// residuals).
    Gtol,
    /// A tolerance is below the scalar's precision and no further progress
    /// is possible: the relative reduction, the step or the cosine is at
    /// most machine epsilon.
    Precision,
}

impl fmt::Display for Termination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Ftol => "relative reduction of the sum of squares at most ftol",
            Self::Xtol => "relative change of the parameters at most xtol",
            Self::FtolAndXtol => {
                "relative reduction of the sum of squares at most ftol and relative change of the parameters at most xtol"
            }
            Self::Gtol => "residuals orthogonal to the Jacobian's columns within gtol",
            Self::Precision => "no further progress possible at machine precision",
        })
    }
}

/// Why a least-squares fit failed. The parameters are then left at the best
/// point reached (at the starting point for
/// [`TooFewResiduals`](LsqError::TooFewResiduals) and
/// [`NonFinite`](LsqError::NonFinite)).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum LsqError<P: Params> {
    /// Fewer residuals than parameters: the problem is underdetermined.
    TooFewResiduals {
        /// The number of residuals.
        residuals: usize,
        /// The number of parameters.
        parameters: usize,
    },
    /// A residual or a component of its gradient is NaN or infinite at the
    /// starting point. (A non-finite value at a trial point only rejects
    /// that step: the trust region shrinks.)
    NonFinite {
        /// The index of the residual.
        index: usize,
    },
    /// The Jacobian at the solution is numerically rank-deficient (for
    /// example all zero), so the parameters are not determined and have no
    /// standard errors.
    Singular {
        /// The numerical rank of the Jacobian.
        rank: usize,
        /// The number of parameters.
        parameters: usize,
    },
    /// The evaluation budget (`max_evaluations`) ran out before convergence.
    MaxEvaluations {
        /// The best parameters reached (also left in the solver's argument).
        params: P,
        /// Their residual sum of squares.
        rss: P::Scalar,
        /// The evaluations made.
        evaluations: usize,
    },
}

impl<P: Params> fmt::Display for LsqError<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooFewResiduals {
                residuals,
                parameters,
            } => write!(
                f,
                "{residuals} residuals cannot determine {parameters} parameters (need at least as many residuals as parameters)"
            ),
            Self::NonFinite { index } => write!(
                f,
                "residual {index} or its gradient is not finite at the starting point"
            ),
            Self::Singular { rank, parameters } => write!(
                f,
                "the Jacobian at the solution has rank {rank} < {parameters} parameters: the problem is singular"
            ),
            Self::MaxEvaluations {
                rss, evaluations, ..
            } => write!(
                f,
                "no convergence within {evaluations} evaluations (best residual sum of squares {rss})"
            ),
        }
    }
}

impl<P: Params + fmt::Debug> core::error::Error for LsqError<P> {}
