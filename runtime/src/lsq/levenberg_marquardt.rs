//! Moré's Levenberg–Marquardt method with the Jacobian taken row by row
//! (MINPACK's `lmstr`).

use super::linalg::{self, LmScratch, SumSquares};
use super::{Fit, LsqError, Parameters, Square, Termination};
use crate::{Params, Real};

/// The Levenberg–Marquardt least-squares solver: Moré's trust-region
/// implementation, MINPACK's `lmstr`, which takes the Jacobian one row at a
/// time and never stores it.
///
/// Minimizes `Σᵢ rᵢ(p)²` over the parameters `p` for residuals `rᵢ` given
/// with their gradients, as the `NAME_grad` sibling of a `#[differentiable]`
/// residual function returns them. Each pass over the residuals adds every
/// gradient (a row of the Jacobian `J`) to an n×n triangle `R` of `J = Q·R`,
/// 4n rows at a time by Householder reflections (where `lmstr` rotates each
/// row in by Givens rotations), so memory is O(n²) for any number of
/// residuals (about 7n² scalars on the stack), and nothing is allocated.
///
/// Each iteration solves the damped problem `min ‖J·s + r‖² + λ·‖D·s‖²` for a
/// step `s` inside the trust region `‖D·s‖ ≤ Δ`, with `D` the column norms of
/// the Jacobian (the largest seen so far) and `λ` found by Moré's safeguarded
/// Newton iteration, then compares the actual with the predicted reduction
/// to accept the step and resize `Δ`.
///
/// Differences from MINPACK: every pass evaluates the gradients as well, so
/// an accepted step needs no separate Jacobian pass (`evaluations` counts
/// passes); a non-finite residual at a trial point rejects the step instead
/// of failing; after convergence, Gauss–Newton steps polish the solution
/// while they contract and leave the sum of squares unchanged within its
/// rounding noise (a relative 1e-10). The tolerances stop MINPACK where the
/// sum of squares no longer decreases noticeably, which in a flat valley
/// (MGH09, Thurber, Lanczos3) is several digits short of the minimum; the
/// polishing steps find the minimum from the gradient, to the precision the
/// residuals are computed with. With the defaults every parameter of the 14
/// NIST StRD problems of the test suite, from both starts, has ≥ 10
/// certified digits.
///
/// # Requirements on the problem
///
/// * At least as many residuals as parameters, and a Jacobian of full rank
///   at the solution (else [`LsqError::Singular`]).
/// * Residuals and gradients finite at the starting point.
/// * The parameter type implements [`Parameters`] (`f32`, `f64`,
///   `SVector<T, N>`, `[T; N]`).
///
/// # Reference
///
/// * J. J. Moré (1978), "The Levenberg-Marquardt algorithm: implementation
///   and theory", in G. A. Watson (ed.), *Numerical Analysis*, Lecture Notes
///   in Mathematics 630, Springer, pp. 105–116.
/// * J. J. Moré, B. S. Garbow, K. E. Hillstrom (1980), *User Guide for
///   MINPACK-1*, Argonne National Laboratory report ANL-80-74.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LevenbergMarquardt {
    ftol: f64,
    xtol: f64,
    gtol: f64,
    max_evaluations: Option<usize>,
    factor: f64,
}

impl Default for LevenbergMarquardt {
    fn default() -> Self {
        Self::new()
    }
}

/// MINPACK's default `ftol` and `xtol`: the square root of `f64` machine
/// epsilon.
const SQRT_EPSILON: f64 = 1.490_116_119_384_765_6e-8;

#[track_caller]
fn check_tolerance(name: &str, value: f64) {
    assert!(
        value >= 0.0,
        "invalid {name}: {value} (must be non-negative)"
    );
}

impl LevenbergMarquardt {
    /// The solver with MINPACK's defaults: `ftol = xtol = √ε ≈ 1.49e-8`,
    /// `gtol = 0`, `factor = 100`, and a budget of `1000·(n + 1)`
    /// evaluations for `n` parameters.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            ftol: SQRT_EPSILON,
            xtol: SQRT_EPSILON,
            gtol: 0.0,
            max_evaluations: None,
            factor: 100.0,
        }
    }

    /// Tolerance on the relative reduction of the sum of squares (default
    /// `√ε ≈ 1.49e-8`): the fit has converged when both the actual and the
    /// predicted relative reduction in a step are at most `ftol`.
    ///
    /// # Panics
    /// If `ftol` is negative or NaN.
    #[must_use]
    #[track_caller]
    pub fn ftol(mut self, ftol: f64) -> Self {
        check_tolerance("ftol", ftol);
        self.ftol = ftol;
        self
    }

    /// Tolerance on the relative change of the parameters (default
    /// `√ε ≈ 1.49e-8`): the fit has converged when the trust region's radius
    /// is at most `xtol` times the norm of the scaled parameters.
    ///
    /// # Panics
    /// If `xtol` is negative or NaN.
    #[must_use]
    #[track_caller]
    pub fn xtol(mut self, xtol: f64) -> Self {
        check_tolerance("xtol", xtol);
        self.xtol = xtol;
        self
    }

    /// Tolerance on the orthogonality of the residuals to the Jacobian's
    /// columns (default 0): the fit has converged when the cosine of the
    /// angle between the residual vector and every column is at most `gtol`
    /// in absolute value.
    ///
    /// # Panics
    /// If `gtol` is negative or NaN.
    #[must_use]
    #[track_caller]
    pub fn gtol(mut self, gtol: f64) -> Self {
        check_tolerance("gtol", gtol);
        self.gtol = gtol;
        self
    }

    /// The largest number of passes over the residuals (default
    /// `1000·(n + 1)` for `n` parameters); [`LsqError::MaxEvaluations`] when
    /// it runs out.
    ///
    /// # Panics
    /// If `max_evaluations` is 0.
    #[must_use]
    #[track_caller]
    pub fn max_evaluations(mut self, max_evaluations: usize) -> Self {
        assert!(max_evaluations > 0, "invalid max_evaluations: 0");
        self.max_evaluations = Some(max_evaluations);
        self
    }

    /// The initial step bound (default 100): the first trust region's radius
    /// is `factor·‖D·p₀‖` (or `factor` if that is zero). MINPACK recommends
    /// values from 0.1 to 100.
    ///
    /// # Panics
    /// If `factor` is not positive.
    #[must_use]
    #[track_caller]
    pub fn factor(mut self, factor: f64) -> Self {
        assert!(factor > 0.0, "invalid factor: {factor} (must be positive)");
        self.factor = factor;
        self
    }

    /// Fits `params` to `n_residuals` residuals, starting from the value of
    /// `params` and leaving the solution there.
    ///
    /// `residual(p, i)` returns residual `i` (for `i < n_residuals`) at `p`
    /// and its gradient with respect to `p`, a row of the Jacobian: the
    /// `NAME_grad` sibling of a `#[differentiable]` residual function.
    /// Nothing is allocated.
    ///
    /// ```
    /// use tapeless_runtime::lsq::LevenbergMarquardt;
    /// use nalgebra::Vector2;
    ///
    /// // y = a·exp(b·x), sampled exactly at a = 2, b = −0.5, with noise.
    /// let xs: [f64; 7] = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0];
    /// let noise = [0.01, -0.02, 0.015, 0.0, -0.01, 0.005, -0.005];
    /// let ys: [f64; 7] = core::array::from_fn(|i| 2.0 * (-0.5 * xs[i]).exp() + noise[i]);
    /// // Residual i and its gradient (what `#[differentiable]` generates).
    /// let residual = |p: &Vector2<f64>, i: usize| {
    ///     let e = (p[1] * xs[i]).exp();
    ///     (p[0] * e - ys[i], Vector2::new(e, p[0] * xs[i] * e))
    /// };
    ///
    /// let mut p = Vector2::new(1.0, 0.0);
    /// let fit = LevenbergMarquardt::new().minimize(&mut p, xs.len(), residual)?;
    /// assert!((p[0] - 2.0).abs() < 0.02 && (p[1] + 0.5).abs() < 0.02);
    /// assert!(fit.rss < 1e-3);
    /// // Standard errors of the same type as the parameters.
    /// assert!(fit.std_errors[0] > 0.0 && fit.std_errors[0] < 0.05);
    /// assert!(fit.evaluations < 50);
    /// # Ok::<(), tapeless_runtime::lsq::LsqError<Vector2<f64>>>(())
    /// ```
    ///
    /// # Errors
    /// [`LsqError::TooFewResiduals`] if `n_residuals` is less than the number
    /// of parameters; [`LsqError::NonFinite`] if a residual or gradient is
    /// not finite at the start; [`LsqError::MaxEvaluations`] if the budget
    /// runs out; [`LsqError::Singular`] if the Jacobian at the solution is
    /// rank-deficient.
    ///
    /// # Panics
    /// If the [`Parameters`] implementation of `P` names a square of another
    /// size than the number of scalars of `params`.
    pub fn minimize<P, F>(
        &self,
        params: &mut P,
        n_residuals: usize,
        mut residual: F,
    ) -> Result<Fit<P>, LsqError<P>>
    where
        P: Parameters,
        F: FnMut(&P, usize) -> (P::Scalar, P),
    {
        let n = <P::Square as Square<P::Scalar>>::N;
        assert_eq!(
            params.num_params(),
            n,
            "the Parameters square of this type is not n×n for its n scalars"
        );
        if n_residuals < n {
            return Err(LsqError::TooFewResiduals {
                residuals: n_residuals,
                parameters: n,
            });
        }
        let budget = self.max_evaluations.unwrap_or(1000 * (n + 1));
        let mut work = Work::<P>::new(params.clone());
        // The starting point.
        let norm = evaluate(
            &work.x,
            n_residuals,
            &mut residual,
            &mut work.current,
            &mut work.block,
        )
        .map_err(|index| LsqError::NonFinite { index })?;
        work.fnorm = norm;
        let mut counts = Counts {
            evaluations: 1,
            iterations: 0,
            budget,
        };
        let termination = self.run(&mut work, n_residuals, &mut residual, &mut counts);
        if termination.is_some() {
            Self::polish(&mut work, n_residuals, &mut residual, &mut counts);
        }
        params.clone_from(&work.x);
        let rss = work.fnorm * work.fnorm;
        let Some(termination) = termination else {
            return Err(LsqError::MaxEvaluations {
                params: work.x,
                rss,
                evaluations: counts.evaluations,
            });
        };
        let mut std_errors = Work::<P>::vector_zeros();
        linalg::inverse_diagonal(
            n,
            work.current.r.as_flat(),
            work.ipvt.as_ref(),
            work.scratch.as_flat_mut(),
            work.perm.as_mut(),
            work.wa1.as_mut(),
            std_errors.as_mut(),
        )
        .map_err(|rank| LsqError::Singular {
            rank,
            parameters: n,
        })?;
        let dof = P::Scalar::from_f64_lossy((n_residuals - n) as f64);
        for v in std_errors.as_mut() {
            *v = P::Scalar::sqrt(*v * rss / dof);
        }
        Ok(Fit {
            rss,
            evaluations: counts.evaluations,
            iterations: counts.iterations,
            std_errors: P::from_flat(std_errors.as_ref()),
            termination,
        })
    }

    /// Gauss–Newton steps from a converged point while they contract and do
    /// not increase the sum of squares by more than its rounding noise: they
    /// locate the minimum from the gradient, far more precisely than the
    /// sum of squares itself can tell points apart in a flat valley.
    fn polish<P, F>(work: &mut Work<P>, m: usize, residual: &mut F, counts: &mut Counts)
    where
        P: Parameters,
        F: FnMut(&P, usize) -> (P::Scalar, P),
    {
        type T<P> = <P as Params>::Scalar;
        let n = <P::Square as Square<T<P>>>::N;
        let noise = T::<P>::ONE + T::<P>::from_f64_lossy(POLISH_NOISE);
        let mut previous = T::<P>::INFINITY;
        for _ in 0..POLISH_STEPS {
            if counts.evaluations >= counts.budget {
                return;
            }
            linalg::lm_parameter(
                n,
                work.current.r.as_flat_mut(),
                work.ipvt.as_ref(),
                work.diag.as_ref(),
                work.current.qtf.as_ref(),
                T::<P>::INFINITY,
                T::<P>::ZERO,
                work.step.as_mut(),
                LmScratch {
                    sdiag: work.sdiag.as_mut(),
                    wa1: work.wa1.as_mut(),
                    wa2: work.wa2.as_mut(),
                },
            );
            let (pnorm, xnorm) = {
                let step = work.step.as_ref();
                let x = work.flat_x.as_ref();
                let trial = work.flat_trial.as_mut();
                let diag = work.diag.as_ref();
                for j in 0..n {
                    trial[j] = x[j] - step[j];
                }
                (
                    linalg::norm((0..n).map(|j| diag[j] * step[j])),
                    linalg::norm((0..n).map(|j| diag[j] * x[j])),
                )
            };
            let contracting = pnorm < T::<P>::from_f64_lossy(POLISH_CONTRACTION) * previous;
            if !contracting || pnorm <= T::<P>::EPSILON * xnorm {
                return;
            }
            previous = pnorm;
            work.trial_x.copy_from_flat(work.flat_trial.as_ref());
            counts.evaluations += 1;
            let Ok(fnorm1) = evaluate(&work.trial_x, m, residual, &mut work.trial, &mut work.block)
            else {
                return;
            };
            if fnorm1 > work.fnorm * noise {
                return;
            }
            core::mem::swap(&mut work.x, &mut work.trial_x);
            core::mem::swap(&mut work.flat_x, &mut work.flat_trial);
            core::mem::swap(&mut work.current, &mut work.trial);
            work.fnorm = fnorm1;
            work.ipvt = <P::Square as Square<T<P>>>::identity_indices();
            counts.iterations += 1;
        }
    }

    /// Moré's algorithm from the current point of `work` (whose triangle is
    /// up to date). `None` when the budget runs out.
    fn run<P, F>(
        &self,
        work: &mut Work<P>,
        m: usize,
        residual: &mut F,
        counts: &mut Counts,
    ) -> Option<Termination>
    where
        P: Parameters,
        F: FnMut(&P, usize) -> (P::Scalar, P),
    {
        type T<P> = <P as Params>::Scalar;
        let n = <P::Square as Square<T<P>>>::N;
        let one = T::<P>::ONE;
        let zero = T::<P>::ZERO;
        let tenth = T::<P>::from_f64_lossy(0.1);
        let quarter = T::<P>::from_f64_lossy(0.25);
        let three_quarters = T::<P>::from_f64_lossy(0.75);
        let ftol = T::<P>::from_f64_lossy(self.ftol);
        let xtol = T::<P>::from_f64_lossy(self.xtol);
        let gtol = T::<P>::from_f64_lossy(self.gtol);
        let factor = T::<P>::from_f64_lossy(self.factor);
        let epsilon = T::<P>::EPSILON;

        let mut first = true;
        let mut par = zero;
        let mut delta = zero;
        let mut xnorm = zero;
        loop {
            // Column norms of J (= of R), then R·P = Q·R' with column
            // pivoting if R is singular.
            {
                let r = work.current.r.as_flat();
                let norms = work.col_norms.as_mut();
                for j in 0..n {
                    norms[j] = linalg::norm(r[j * n..=j + j * n].iter().copied());
                }
            }
            work.ipvt = <P::Square as Square<T<P>>>::identity_indices();
            let singular = {
                let r = work.current.r.as_flat();
                (0..n).any(|j| r[j + j * n] == zero)
            };
            if singular {
                linalg::pivoted_qr(
                    n,
                    work.current.r.as_flat_mut(),
                    work.ipvt.as_mut(),
                    work.current.qtf.as_mut(),
                );
            }
            let x = work.flat_x.as_ref();
            if first {
                let diag = work.diag.as_mut();
                for (d, &c) in diag.iter_mut().zip(work.col_norms.as_ref()) {
                    *d = if c == zero { one } else { c };
                }
                xnorm = linalg::norm((0..n).map(|j| diag[j] * x[j]));
                delta = if xnorm == zero {
                    factor
                } else {
                    factor * xnorm
                };
            }
            // The scaled gradient's largest cosine.
            let fnorm = work.fnorm;
            let mut gnorm = zero;
            if fnorm != zero {
                let r = work.current.r.as_flat();
                let qtf = work.current.qtf.as_ref();
                for j in 0..n {
                    let c = work.col_norms.as_ref()[work.ipvt.as_ref()[j]];
                    if c != zero {
                        let s: T<P> = (0..=j).map(|i| r[i + j * n] * (qtf[i] / fnorm)).sum();
                        gnorm = T::<P>::max(gnorm, T::<P>::abs(s / c));
                    }
                }
            }
            if gnorm <= gtol {
                return Some(Termination::Gtol);
            }
            {
                for (d, &c) in work.diag.as_mut().iter_mut().zip(work.col_norms.as_ref()) {
                    *d = T::<P>::max(*d, c);
                }
            }

            loop {
                // The step: lmpar, then p = −x.
                par = linalg::lm_parameter(
                    n,
                    work.current.r.as_flat_mut(),
                    work.ipvt.as_ref(),
                    work.diag.as_ref(),
                    work.current.qtf.as_ref(),
                    delta,
                    par,
                    work.step.as_mut(),
                    LmScratch {
                        sdiag: work.sdiag.as_mut(),
                        wa1: work.wa1.as_mut(),
                        wa2: work.wa2.as_mut(),
                    },
                );
                let pnorm = {
                    let step = work.step.as_mut();
                    let x = work.flat_x.as_ref();
                    let trial = work.flat_trial.as_mut();
                    let diag = work.diag.as_ref();
                    for j in 0..n {
                        step[j] = -step[j];
                        trial[j] = x[j] + step[j];
                    }
                    linalg::norm((0..n).map(|j| diag[j] * step[j]))
                };
                if first {
                    delta = T::<P>::min(delta, pnorm);
                }
                work.trial_x.copy_from_flat(work.flat_trial.as_ref());
                counts.evaluations += 1;
                let fnorm1 = evaluate(&work.trial_x, m, residual, &mut work.trial, &mut work.block)
                    .unwrap_or(T::<P>::INFINITY);

                let mut actred = -one;
                if tenth * fnorm1 < fnorm {
                    let q = fnorm1 / fnorm;
                    actred = one - q * q;
                }
                // Predicted reduction and directional derivative.
                let (temp1, temp2) = {
                    let r = work.current.r.as_flat();
                    let step = work.step.as_ref();
                    let ipvt = work.ipvt.as_ref();
                    let wa = work.wa1.as_mut();
                    wa.fill(zero);
                    for j in 0..n {
                        let t = step[ipvt[j]];
                        for i in 0..=j {
                            wa[i] += r[i + j * n] * t;
                        }
                    }
                    (
                        linalg::norm(wa.iter().copied()) / fnorm,
                        T::<P>::sqrt(par) * pnorm / fnorm,
                    )
                };
                let prered = temp1 * temp1 + temp2 * temp2 / T::<P>::HALF;
                let dirder = -(temp1 * temp1 + temp2 * temp2);
                let ratio = if prered == zero {
                    zero
                } else {
                    actred / prered
                };

                // Update the trust region.
                if ratio <= quarter {
                    let mut temp = if actred >= zero {
                        T::<P>::HALF
                    } else {
                        T::<P>::HALF * dirder / (dirder + T::<P>::HALF * actred)
                    };
                    if tenth * fnorm1 >= fnorm || temp < tenth || T::<P>::is_nan(temp) {
                        temp = tenth;
                    }
                    delta = temp * T::<P>::min(delta, pnorm / tenth);
                    par /= temp;
                } else if par == zero || ratio >= three_quarters {
                    delta = pnorm / T::<P>::HALF;
                    par *= T::<P>::HALF;
                }

                let accepted = ratio >= T::<P>::from_f64_lossy(1e-4);
                if accepted {
                    core::mem::swap(&mut work.x, &mut work.trial_x);
                    core::mem::swap(&mut work.flat_x, &mut work.flat_trial);
                    core::mem::swap(&mut work.current, &mut work.trial);
                    work.fnorm = fnorm1;
                    work.ipvt = <P::Square as Square<T<P>>>::identity_indices();
                    let x = work.flat_x.as_ref();
                    let diag = work.diag.as_ref();
                    xnorm = linalg::norm((0..n).map(|j| diag[j] * x[j]));
                    counts.iterations += 1;
                    first = false;
                }

                // Convergence.
                let small_reduction =
                    T::<P>::abs(actred) <= ftol && prered <= ftol && T::<P>::HALF * ratio <= one;
                let small_step = delta <= xtol * xnorm;
                match (small_reduction, small_step) {
                    (true, true) => return Some(Termination::FtolAndXtol),
                    (true, false) => return Some(Termination::Ftol),
                    (false, true) => return Some(Termination::Xtol),
                    (false, false) => {}
                }
                if counts.evaluations >= counts.budget {
                    return None;
                }
                if (T::<P>::abs(actred) <= epsilon
                    && prered <= epsilon
                    && T::<P>::HALF * ratio <= one)
                    || delta <= epsilon * xnorm
                    || gnorm <= epsilon
                {
                    return Some(Termination::Precision);
                }
                if accepted {
                    break;
                }
            }
        }
    }
}

/// How many Gauss–Newton steps polish a converged solution at most.
const POLISH_STEPS: usize = 50;

/// How much each polishing step must be shorter than the previous one:
/// Gauss–Newton converges only linearly on problems with large residuals
/// (MGH09 and Thurber contract by about 0.65 a step).
const POLISH_CONTRACTION: f64 = 0.9;

/// The relative increase of `‖r‖` a polishing step may cause: rounding
/// noise, not an increase of the sum of squares.
const POLISH_NOISE: f64 = 1e-10;

/// Evaluation counts of one fit.
struct Counts {
    evaluations: usize,
    iterations: usize,
    budget: usize,
}

/// How many n×n squares hold the block of rows `evaluate` folds into the
/// triangle at once: `PARTS·n` rows.
const PARTS: usize = 4;

/// The least-squares system `(R, Qᵀr)` of one point.
struct System<P: Parameters> {
    r: P::Square,
    qtf: <P::Square as Square<P::Scalar>>::Vector,
}

/// The block of rows `evaluate` has not yet folded into the triangle:
/// `PARTS` parts of n rows, each column-major in an n×n square, so that each
/// column of a part is contiguous; and the gradient of the last residual.
/// Scratch of one pass, shared by both systems.
struct Block<P: Parameters> {
    rows: [P::Square; PARTS],
    values: [<P::Square as Square<P::Scalar>>::Vector; PARTS],
    gradient: <P::Square as Square<P::Scalar>>::Vector,
}

/// Everything a fit works in, on the stack.
struct Work<P: Parameters> {
    x: P,
    trial_x: P,
    flat_x: <P::Square as Square<P::Scalar>>::Vector,
    flat_trial: <P::Square as Square<P::Scalar>>::Vector,
    fnorm: P::Scalar,
    current: System<P>,
    trial: System<P>,
    block: Block<P>,
    diag: <P::Square as Square<P::Scalar>>::Vector,
    col_norms: <P::Square as Square<P::Scalar>>::Vector,
    step: <P::Square as Square<P::Scalar>>::Vector,
    sdiag: <P::Square as Square<P::Scalar>>::Vector,
    wa1: <P::Square as Square<P::Scalar>>::Vector,
    wa2: <P::Square as Square<P::Scalar>>::Vector,
    ipvt: <P::Square as Square<P::Scalar>>::Indices,
    perm: <P::Square as Square<P::Scalar>>::Indices,
    scratch: P::Square,
}

impl<P: Parameters> System<P> {
    fn new() -> Self {
        Self {
            r: <P::Square as Square<P::Scalar>>::zeros(),
            qtf: <P::Square as Square<P::Scalar>>::zero_vector(),
        }
    }
}

impl<P: Parameters> Block<P> {
    fn new() -> Self {
        Self {
            rows: core::array::from_fn(|_| <P::Square as Square<P::Scalar>>::zeros()),
            values: core::array::from_fn(|_| <P::Square as Square<P::Scalar>>::zero_vector()),
            gradient: <P::Square as Square<P::Scalar>>::zero_vector(),
        }
    }
}

impl<P: Parameters> Work<P> {
    fn new(x: P) -> Self {
        let mut flat_x = Self::vector_zeros();
        x.copy_to_flat(flat_x.as_mut());
        Self {
            trial_x: x.clone(),
            x,
            flat_trial: flat_x.clone(),
            flat_x,
            fnorm: P::Scalar::ZERO,
            current: System::new(),
            trial: System::new(),
            block: Block::new(),
            diag: Self::vector_zeros(),
            col_norms: Self::vector_zeros(),
            step: Self::vector_zeros(),
            sdiag: Self::vector_zeros(),
            wa1: Self::vector_zeros(),
            wa2: Self::vector_zeros(),
            ipvt: <P::Square as Square<P::Scalar>>::identity_indices(),
            perm: <P::Square as Square<P::Scalar>>::identity_indices(),
            scratch: <P::Square as Square<P::Scalar>>::zeros(),
        }
    }

    fn vector_zeros() -> <P::Square as Square<P::Scalar>>::Vector {
        <P::Square as Square<P::Scalar>>::zero_vector()
    }
}

/// One pass over the residuals at `at`: builds `(R, Qᵀr)` in `system` (with
/// `block` as scratch) and returns `‖r‖`, or the index of the first residual that is not finite
/// (with its gradient).
fn evaluate<P, F>(
    at: &P,
    m: usize,
    residual: &mut F,
    system: &mut System<P>,
    block: &mut Block<P>,
) -> Result<P::Scalar, usize>
where
    P: Parameters,
    F: FnMut(&P, usize) -> (P::Scalar, P),
{
    let n = <P::Square as Square<P::Scalar>>::N;
    let r = system.r.as_flat_mut();
    r.fill(P::Scalar::ZERO);
    let qtf = system.qtf.as_mut();
    qtf.fill(P::Scalar::ZERO);
    let mut blocks = block.rows.each_mut().map(Square::as_flat_mut);
    let mut values = block.values.each_mut().map(AsMut::as_mut);
    let row = block.gradient.as_mut();
    let mut sum = SumSquares::new();
    let mut squares = P::Scalar::ZERO;
    let (mut part, mut count) = (0, 0);
    for i in 0..m {
        let (value, gradient) = residual(at, i);
        gradient.copy_to_flat(row);
        // Row `count` of part `part`: element `count` of each column.
        for (column, &g) in blocks[part][..n * n].chunks_exact_mut(n).zip(&row[..n]) {
            column[count] = g;
        }
        values[part][count] = value;
        count += 1;
        if count == n {
            (part, count) = (part + 1, 0);
            if part == PARTS {
                check_finite(n, &blocks, &values, PARTS, i + 1 - PARTS * n)?;
                add_squares(&mut sum, &mut squares, &values, PARTS);
                fold(n, r, qtf, &mut blocks, &mut values, PARTS);
                part = 0;
            }
        }
    }
    if part > 0 || count > 0 {
        // The parts in use, the last one padded with rows of zeros.
        let used = if count > 0 {
            for j in 0..n {
                blocks[part][count + j * n..(j + 1) * n].fill(P::Scalar::ZERO);
            }
            values[part][count..].fill(P::Scalar::ZERO);
            part + 1
        } else {
            part
        };
        check_finite(n, &blocks, &values, used, m - (part * n + count))?;
        add_squares(&mut sum, &mut squares, &values, used);
        fold(n, r, qtf, &mut blocks, &mut values, used);
    }
    sum.add(P::Scalar::sqrt(squares));
    Ok(sum.norm())
}

/// [`linalg::add_rows`] of the first `used` parts of a block.
#[inline(always)]
fn fold<T: Real>(
    n: usize,
    r: &mut [T],
    qtf: &mut [T],
    blocks: &mut [&mut [T]; PARTS],
    values: &mut [&mut [T]; PARTS],
    used: usize,
) {
    linalg::add_rows(
        n,
        n,
        used,
        r,
        qtf,
        blocks.each_mut().map(|b| &mut **b),
        values.each_mut().map(|v| &mut **v),
    );
}

/// `Err(first + i)` for the first row `i` of the block (parts of n rows,
/// column-major) whose value or gradient is not finite, the block's
/// residuals being `first, first + 1, …`.
#[inline(always)]
fn check_finite<T: Real>(
    n: usize,
    blocks: &[&mut [T]; PARTS],
    values: &[&mut [T]; PARTS],
    used: usize,
    first: usize,
) -> Result<(), usize> {
    let mut finite = true;
    for (block, values) in blocks[..used].iter().zip(&values[..used]) {
        finite &= linalg::all_finite(&block[..n * n]) & linalg::all_finite(&values[..n]);
    }
    if finite {
        return Ok(());
    }
    let row = (0..used * n)
        .find(|&i| {
            let (block, values) = (&blocks[i / n], &values[i / n]);
            let i = i % n;
            !T::is_finite(values[i]) || (0..n).any(|j| !T::is_finite(block[i + j * n]))
        })
        .unwrap_or(0);
    Err(first + row)
}

/// Adds the squares of `values` to `squares`, a plain sum kept between
/// `T::EPSILON⁴` and `1/T::EPSILON⁴` (moved into `scaled` as one term when it
/// grows past it): where a block's plain sum of squares may have underflowed
/// or overflowed, its values go into `scaled` one by one. Plain sums round
/// as well as the scaled recurrence, without its division per value.
#[inline(always)]
fn add_squares<T: Real>(
    scaled: &mut SumSquares<T>,
    squares: &mut T,
    values: &[&mut [T]; PARTS],
    used: usize,
) {
    let tiny = linalg::underflow_bound::<T>();
    let mut block = T::ZERO;
    for v in &values[..used] {
        block += v.iter().fold(T::ZERO, |s, &v| s + v * v);
    }
    if T::is_finite(block) && block >= tiny && block <= T::ONE / tiny {
        *squares += block;
        if *squares > T::ONE / tiny {
            scaled.add(T::sqrt(*squares));
            *squares = T::ZERO;
        }
    } else {
        for &v in values[..used].iter().flat_map(|v| v.iter()) {
            scaled.add(v);
        }
    }
}
