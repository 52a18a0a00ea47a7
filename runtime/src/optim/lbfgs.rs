//! L-BFGS, `torch.optim.LBFGS`, with an optional strong-Wolfe line search.

use super::{LearningRate, check_non_negative, constant, lr_accessors};
use crate::saved_state::{Kind, named};
use crate::{Params, Real};

/// The line searches [`Lbfgs`] can use (torch's `line_search_fn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum LineSearch {
    /// torch's `"strong_wolfe"`: a bracketing line search with cubic
    /// interpolation satisfying the strong Wolfe conditions
    /// (`c1 = 1e-4`, `c2 = 0.9`).
    StrongWolfe,
}

/// L-BFGS: limited-memory BFGS, `torch.optim.LBFGS`, with its curvature
/// history in fixed-size storage of `HISTORY` pairs of values of type `P`.
///
/// One [`step`](Lbfgs::step) runs up to `max_iter` iterations and evaluates
/// the objective through a closure, exactly as torch calls its closure: the
/// same number of evaluations, in the same order, at the same points.
///
/// Defaults (`Lbfgs::new(lr)`; torch's default `lr` is `1`): `max_iter = 20`,
/// `max_eval = max_iter·5/4` (rounded down), `tolerance_grad = 1e-7`,
/// `tolerance_change = 1e-9`, `history_size = HISTORY` (torch's default is
/// 100, so `Lbfgs<P, 100>` reproduces torch's defaults), no line search.
///
/// # Requirements on the problem
///
/// The closure receives the parameters and returns the objective and its
/// gradient there, as `(loss, grad)`; it is called at least once per step.
/// The objective should be smooth; torch's behaviour on non-smooth or
/// non-finite values is reproduced, not improved.
///
/// # Reference
///
/// `torch/optim/lbfgs.py`: evaluate once; stop if `max|g| ≤ tolerance_grad`.
/// Otherwise iterate: the direction is `−g` on the very first iteration
/// ever, else the two-loop recursion over the stored pairs `(y, s)` (a pair
/// is stored only if `yᵀs > 1e-10`, with `H_diag = yᵀs/yᵀy`); the step
/// length is `min(1, 1/Σ|g|)·lr` on the very first iteration ever, else
/// `lr`; stop if `gᵀd > −tolerance_change`. Without line search the
/// parameters move by `t·d` and the closure is evaluated again unless this
/// was the last iteration; with the strong-Wolfe search, the search makes its
/// evaluations (at most `max_eval` minus those made so far in this step).
/// Stop after `max_iter` iterations, `max_eval` evaluations, or when
/// `max|g| ≤ tolerance_grad`, `max|t·d| ≤ tolerance_change` or
/// `|f − f_prev| < tolerance_change`. The history and the last direction
/// persist across steps.
///
/// ```
/// use tapeless_runtime::optim::{LineSearch, Lbfgs};
/// use nalgebra::Vector2;
///
/// // Rosenbrock from (-1.5, 2).
/// let rosenbrock = |p: &Vector2<f64>| {
///     let (x, y) = (p.x, p.y);
///     let f = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
///     let g = Vector2::new(-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x));
///     (f, g)
/// };
/// let mut p = Vector2::new(-1.5, 2.0);
/// let mut lbfgs = Lbfgs::<_, 100>::new(1.0).line_search_fn(Some(LineSearch::StrongWolfe));
/// let first = lbfgs.step(&mut p, rosenbrock);
/// assert_eq!(first, rosenbrock(&Vector2::new(-1.5, 2.0)).0);
/// for _ in 0..5 {
///     lbfgs.step(&mut p, rosenbrock);
/// }
/// // torch stops at (0.999998, 0.999997), where f ≈ 1.9e-10.
/// assert!((p - Vector2::new(1.0, 1.0)).norm() < 1e-5);
/// assert!(rosenbrock(&p).0 < 1e-9);
/// assert_eq!(lbfgs.func_evals(), 25 + 25 + 3 + 1 + 1 + 1);
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(bound(
        serialize = "P: serde::Serialize, P::Scalar: serde::Serialize",
        deserialize = "P: serde::Deserialize<'de>, P::Scalar: serde::Deserialize<'de>"
    ))
)]
pub struct Lbfgs<P: Params, const HISTORY: usize> {
    #[cfg_attr(
        not(feature = "serde"),
        expect(dead_code, reason = "only serde reads the marker")
    )]
    kind: Kind<Self>,
    lr: P::Scalar,
    initial_lr: Option<P::Scalar>,
    max_iter: usize,
    max_eval: Option<usize>,
    tolerance_grad: P::Scalar,
    tolerance_change: P::Scalar,
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::saved_state::check::size::<_, HISTORY>")
    )]
    history_size: usize,
    line_search: Option<LineSearch>,
    state: Option<LbfgsState<P, HISTORY>>,
    func_evals: usize,
    n_iter: usize,
}

named!("Lbfgs", impl<P: Params, const HISTORY: usize> crate::saved_state::Named for Lbfgs<P, HISTORY>);

/// What persists between steps (torch's `state`).
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(bound(
        serialize = "P: serde::Serialize, P::Scalar: serde::Serialize",
        deserialize = "P: serde::Deserialize<'de>, P::Scalar: serde::Deserialize<'de>"
    ))
)]
struct LbfgsState<P: Params, const HISTORY: usize> {
    direction: P,
    step_length: P::Scalar,
    /// `y` of the stored pairs, a ring buffer starting at `oldest`.
    #[cfg_attr(feature = "serde", serde(with = "crate::saved_state::array"))]
    old_dirs: [P; HISTORY],
    /// `s` of the stored pairs.
    #[cfg_attr(feature = "serde", serde(with = "crate::saved_state::array"))]
    old_stps: [P; HISTORY],
    #[cfg_attr(feature = "serde", serde(with = "crate::saved_state::array"))]
    ro: [P::Scalar; HISTORY],
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::saved_state::check::below::<_, HISTORY>")
    )]
    oldest: usize,
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::saved_state::check::length::<_, HISTORY>")
    )]
    len: usize,
    h_diag: P::Scalar,
    prev_flat_grad: P,
    prev_loss: P::Scalar,
}

/// A learning-rate scheduler drives L-BFGS's learning rate as torch's
/// schedulers drive `LBFGS`'s `param_groups[0]['lr']`; see
/// [`LearningRate`].
impl<P: Params, const HISTORY: usize> LearningRate<P> for Lbfgs<P, HISTORY> {
    lr_accessors!();
}

impl<P: Params, const HISTORY: usize> Lbfgs<P, HISTORY> {
    /// L-BFGS with learning rate `lr` and torch's defaults otherwise (with
    /// `history_size = HISTORY`).
    ///
    /// # Panics
    /// If `lr < 0` (or NaN), as torch, or if `HISTORY == 0`.
    #[track_caller]
    pub fn new(lr: P::Scalar) -> Self {
        check_non_negative("learning rate", lr);
        assert!(HISTORY > 0, "Lbfgs needs HISTORY >= 1");
        Self {
            kind: Kind::NEW,
            lr,
            initial_lr: None,
            max_iter: 20,
            max_eval: None,
            tolerance_grad: constant(1e-7),
            tolerance_change: constant(1e-9),
            history_size: HISTORY,
            line_search: None,
            state: None,
            func_evals: 0,
            n_iter: 0,
        }
    }

    /// Maximal number of iterations per step (torch's `max_iter`, default 20).
    #[must_use]
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Maximal number of closure evaluations per step (torch's `max_eval`,
    /// default `max_iter·5/4`, from the final `max_iter`).
    #[must_use]
    pub fn max_eval(mut self, max_eval: usize) -> Self {
        self.max_eval = Some(max_eval);
        self
    }

    /// Termination tolerance on the largest gradient component (torch's
    /// `tolerance_grad`, default `1e-7`).
    #[must_use]
    pub fn tolerance_grad(mut self, tolerance_grad: P::Scalar) -> Self {
        self.tolerance_grad = tolerance_grad;
        self
    }

    /// Termination tolerance on changes of the objective and of the
    /// parameters (torch's `tolerance_change`, default `1e-9`).
    #[must_use]
    pub fn tolerance_change(mut self, tolerance_change: P::Scalar) -> Self {
        self.tolerance_change = tolerance_change;
        self
    }

    /// Number of curvature pairs kept (torch's `history_size`, default
    /// `HISTORY`).
    ///
    /// # Panics
    /// If `history_size` is 0 or larger than the storage `HISTORY`.
    #[must_use]
    #[track_caller]
    pub fn history_size(mut self, history_size: usize) -> Self {
        assert!(
            (1..=HISTORY).contains(&history_size),
            "invalid history_size: {history_size} (must be in 1..={HISTORY}, the storage size)"
        );
        self.history_size = history_size;
        self
    }

    /// The line search (torch's `line_search_fn`: `None`, the default, or
    /// `Some(LineSearch::StrongWolfe)` for `"strong_wolfe"`).
    #[must_use]
    pub fn line_search_fn(mut self, line_search: Option<LineSearch>) -> Self {
        self.line_search = line_search;
        self
    }

    /// The learning rate.
    pub fn lr(&self) -> P::Scalar {
        self.lr
    }

    /// Sets the learning rate used by the next steps.
    pub fn set_lr(&mut self, lr: P::Scalar) {
        self.lr = lr;
    }

    /// Closure evaluations so far, over all steps (torch's
    /// `state['func_evals']`).
    pub fn func_evals(&self) -> usize {
        self.func_evals
    }

    /// Iterations so far, over all steps (torch's `state['n_iter']`).
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// One L-BFGS step (up to `max_iter` iterations): moves `params` and
    /// returns the objective at the parameters it started from (the first
    /// closure value), as torch's `step(closure)`.
    ///
    /// `closure(p)` returns the objective and its gradient at `p`.
    pub fn step<F>(&mut self, params: &mut P, mut closure: F) -> P::Scalar
    where
        F: FnMut(&P) -> (P::Scalar, P),
    {
        let lr = self.lr;
        let (tolerance_grad, tolerance_change) = (self.tolerance_grad, self.tolerance_change);
        let max_iter = self.max_iter;
        let max_eval = self.max_eval.unwrap_or(max_iter * 5 / 4);
        let history_size = self.history_size;

        let (orig_loss, mut flat_grad) = closure(params);
        let mut loss = orig_loss;
        let mut current_evals = 1;
        self.func_evals += 1;
        if max_abs(&flat_grad) <= tolerance_grad {
            return orig_loss;
        }
        let state = self.state.get_or_insert_with(|| LbfgsState {
            direction: P::zeros(),
            step_length: P::Scalar::ZERO,
            old_dirs: core::array::from_fn(|_| P::zeros()),
            old_stps: core::array::from_fn(|_| P::zeros()),
            ro: [P::Scalar::ZERO; HISTORY],
            oldest: 0,
            len: 0,
            h_diag: P::Scalar::ONE,
            prev_flat_grad: P::zeros(),
            prev_loss: P::Scalar::ZERO,
        });

        let mut n_iter = 0;
        while n_iter < max_iter {
            n_iter += 1;
            self.n_iter += 1;
            if self.n_iter == 1 {
                state.direction = flat_grad.clone();
                state.direction.scale(-P::Scalar::ONE);
                state.len = 0;
                state.oldest = 0;
                state.h_diag = P::Scalar::ONE;
            } else {
                state.update_history(&flat_grad, history_size);
                state.two_loop(&flat_grad, history_size);
            }
            state.prev_flat_grad.clone_from(&flat_grad);
            state.prev_loss = loss;
            state.step_length = if self.n_iter == 1 {
                P::Scalar::min(P::Scalar::ONE, P::Scalar::ONE / sum_abs(&flat_grad)) * lr
            } else {
                lr
            };
            let gtd = flat_grad.dot(&state.direction);
            if gtd > -tolerance_change {
                break;
            }
            let mut opt_cond = false;
            let mut ls_func_evals = 0;
            match self.line_search {
                Some(LineSearch::StrongWolfe) => {
                    let x_init = params.clone();
                    let direction = &state.direction;
                    let objective = |t: P::Scalar| {
                        let mut x = x_init.clone();
                        x.add_scaled(t, direction);
                        closure(&x)
                    };
                    let result = strong_wolfe(
                        objective,
                        state.step_length,
                        direction,
                        loss,
                        &flat_grad,
                        gtd,
                        max_eval.saturating_sub(current_evals),
                    );
                    loss = result.loss;
                    flat_grad = result.grad;
                    state.step_length = result.step_length;
                    ls_func_evals = result.evals;
                    params.add_scaled(state.step_length, &state.direction);
                    opt_cond = max_abs(&flat_grad) <= tolerance_grad;
                }
                None => {
                    params.add_scaled(state.step_length, &state.direction);
                    if n_iter != max_iter {
                        (loss, flat_grad) = closure(params);
                        opt_cond = max_abs(&flat_grad) <= tolerance_grad;
                        ls_func_evals = 1;
                    }
                }
            }
            current_evals += ls_func_evals;
            self.func_evals += ls_func_evals;
            if n_iter == max_iter || current_evals >= max_eval || opt_cond {
                break;
            }
            if max_abs_scaled(&state.direction, state.step_length) <= tolerance_change {
                break;
            }
            if P::Scalar::abs(loss - state.prev_loss) < tolerance_change {
                break;
            }
        }
        orig_loss
    }
}

impl<P: Params, const HISTORY: usize> LbfgsState<P, HISTORY> {
    /// Stores the pair `(y, s)` of the last iteration if its curvature
    /// `yᵀs` exceeds 1e-10, dropping the oldest pair when full.
    fn update_history(&mut self, flat_grad: &P, history_size: usize) {
        let mut y = flat_grad.clone();
        y.add_scaled(-P::Scalar::ONE, &self.prev_flat_grad);
        let mut s = self.direction.clone();
        s.scale(self.step_length);
        let ys = y.dot(&s);
        if ys > constant(1e-10) {
            let slot = if self.len == history_size {
                let slot = self.oldest;
                self.oldest = (self.oldest + 1) % history_size;
                slot
            } else {
                self.len += 1;
                (self.oldest + self.len - 1) % history_size
            };
            self.h_diag = ys / y.dot(&y);
            self.old_dirs[slot] = y;
            self.old_stps[slot] = s;
            self.ro[slot] = P::Scalar::ONE / ys;
        }
    }

    /// The two-loop recursion: `direction ← −H·flat_grad`.
    fn two_loop(&mut self, flat_grad: &P, history_size: usize) {
        let mut al = [P::Scalar::ZERO; HISTORY];
        let slot = |i: usize| (self.oldest + i) % history_size;
        let q = &mut self.direction;
        q.clone_from(flat_grad);
        q.scale(-P::Scalar::ONE);
        for i in (0..self.len).rev() {
            let j = slot(i);
            al[i] = self.old_stps[j].dot(q) * self.ro[j];
            q.add_scaled(-al[i], &self.old_dirs[j]);
        }
        q.scale(self.h_diag);
        let r = q;
        for (i, &al_i) in al.iter().enumerate().take(self.len) {
            let j = slot(i);
            let be_i = self.old_dirs[j].dot(r) * self.ro[j];
            r.add_scaled(al_i - be_i, &self.old_stps[j]);
        }
    }
}

/// `max |xᵢ|`, NaN if an `xᵢ` is NaN (torch's `abs().max()`: a NaN
/// gradient never passes for converged).
fn max_abs<P: Params>(x: &P) -> P::Scalar {
    x.max_abs()
}

/// `max |t·xᵢ|`, computed as torch's `d.mul(t).abs().max()` (NaN if a
/// product is NaN).
fn max_abs_scaled<P: Params>(x: &P, t: P::Scalar) -> P::Scalar {
    let mut max = P::Scalar::ZERO;
    for k in 0..P::SLICES {
        for &v in x.slice(k) {
            let scaled = v * t;
            if P::Scalar::is_nan(scaled) {
                return scaled;
            }
            max = P::Scalar::max(max, P::Scalar::abs(scaled));
        }
    }
    max
}

/// `Σ |xᵢ|`.
fn sum_abs<P: Params>(x: &P) -> P::Scalar {
    let mut sum = P::Scalar::ZERO;
    for k in 0..P::SLICES {
        for &v in x.slice(k) {
            sum += P::Scalar::abs(v);
        }
    }
    sum
}

/// torch's `_cubic_interpolate`: the minimiser of the cubic through two
/// points with their derivatives, clamped to `bounds` (default: the
/// interval between the points).
fn cubic_interpolate<T: Real>(
    (x1, f1, g1): (T, T, T),
    (x2, f2, g2): (T, T, T),
    bounds: Option<(T, T)>,
) -> T {
    let (xmin_bound, xmax_bound) = match bounds {
        Some(bounds) => bounds,
        None if x1 <= x2 => (x1, x2),
        None => (x2, x1),
    };
    let three = T::from_f64_lossy(3.0);
    let d1 = g1 + g2 - three * (f1 - f2) / (x1 - x2);
    let d2_square = d1 * d1 - g1 * g2;
    if d2_square >= T::ZERO {
        let d2 = T::sqrt(d2_square);
        let min_pos = if x1 <= x2 {
            x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + T::TWO * d2))
        } else {
            x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + T::TWO * d2))
        };
        python_min(python_max(min_pos, xmin_bound), xmax_bound)
    } else {
        (xmin_bound + xmax_bound) / T::TWO
    }
}

/// Python's `max(a, b)`: `a` unless `b > a`.
fn python_max<T: Real>(a: T, b: T) -> T {
    if b > a { b } else { a }
}

/// Python's `min(a, b)`: `a` unless `b < a`.
fn python_min<T: Real>(a: T, b: T) -> T {
    if b < a { b } else { a }
}

/// What the line search found.
struct LineSearchResult<P: Params> {
    loss: P::Scalar,
    grad: P,
    step_length: P::Scalar,
    evals: usize,
}

/// One point of the line search: step length, objective, gradient and
/// directional derivative.
#[derive(Clone)]
struct Point<P: Params> {
    t: P::Scalar,
    f: P::Scalar,
    g: P,
    gtd: P::Scalar,
}

/// torch's `_strong_wolfe` (with its defaults `c1 = 1e-4`, `c2 = 0.9`,
/// `tolerance_change = 1e-9`) and at most `max_ls` evaluations.
fn strong_wolfe<P, F>(
    mut objective: F,
    mut t: P::Scalar,
    d: &P,
    f: P::Scalar,
    g: &P,
    gtd: P::Scalar,
    max_ls: usize,
) -> LineSearchResult<P>
where
    P: Params,
    F: FnMut(P::Scalar) -> (P::Scalar, P),
{
    let c1: P::Scalar = constant(1e-4);
    let c2: P::Scalar = constant(0.9);
    let tolerance_change: P::Scalar = constant(1e-9);
    let d_norm = max_abs(d);
    let (mut f_new, mut g_new) = objective(t);
    let mut evals = 1;
    let mut gtd_new = g_new.dot(d);

    let mut prev = Point {
        t: P::Scalar::ZERO,
        f,
        g: g.clone(),
        gtd,
    };
    let mut done = false;
    let mut ls_iter = 0;
    // The bracket: one point (`len == 1`, then both entries are equal) or two.
    let mut bracket: Option<[Point<P>; 2]> = None;
    while ls_iter < max_ls {
        let new = Point {
            t,
            f: f_new,
            g: g_new.clone(),
            gtd: gtd_new,
        };
        if f_new > f + c1 * t * gtd || (ls_iter > 1 && f_new >= prev.f) {
            bracket = Some([prev, new]);
            break;
        }
        if P::Scalar::abs(gtd_new) <= -c2 * gtd {
            bracket = Some([new.clone(), new]);
            done = true;
            break;
        }
        if gtd_new >= P::Scalar::ZERO {
            bracket = Some([prev, new]);
            break;
        }
        let min_step = t + constant::<P::Scalar>(0.01) * (t - prev.t);
        let max_step = t * constant(10.0);
        t = cubic_interpolate(
            (prev.t, prev.f, prev.gtd),
            (t, f_new, gtd_new),
            Some((min_step, max_step)),
        );
        prev = new;
        (f_new, g_new) = objective(t);
        evals += 1;
        gtd_new = g_new.dot(d);
        ls_iter += 1;
    }
    let mut bracket = match bracket {
        Some(bracket) if ls_iter != max_ls => bracket,
        _ => [
            Point {
                t: P::Scalar::ZERO,
                f,
                g: g.clone(),
                gtd: P::Scalar::ZERO,
            },
            Point {
                t,
                f: f_new,
                g: g_new,
                gtd: P::Scalar::ZERO,
            },
        ],
    };

    let mut insuf_progress = false;
    let (mut low, mut high) = if bracket[0].f <= bracket[1].f {
        (0, 1)
    } else {
        (1, 0)
    };
    while !done && ls_iter < max_ls {
        if P::Scalar::abs(bracket[1].t - bracket[0].t) * d_norm < tolerance_change {
            break;
        }
        let [a, b] = &bracket;
        t = cubic_interpolate((a.t, a.f, a.gtd), (b.t, b.f, b.gtd), None);
        let bracket_max = python_max(a.t, b.t);
        let bracket_min = python_min(a.t, b.t);
        let eps = constant::<P::Scalar>(0.1) * (bracket_max - bracket_min);
        if python_min(bracket_max - t, t - bracket_min) < eps {
            if insuf_progress || t >= bracket_max || t <= bracket_min {
                t = if P::Scalar::abs(t - bracket_max) < P::Scalar::abs(t - bracket_min) {
                    bracket_max - eps
                } else {
                    bracket_min + eps
                };
                insuf_progress = false;
            } else {
                insuf_progress = true;
            }
        } else {
            insuf_progress = false;
        }
        (f_new, g_new) = objective(t);
        evals += 1;
        gtd_new = g_new.dot(d);
        ls_iter += 1;
        let new = Point {
            t,
            f: f_new,
            g: g_new.clone(),
            gtd: gtd_new,
        };
        if f_new > f + c1 * t * gtd || f_new >= bracket[low].f {
            bracket[high] = new;
            (low, high) = if bracket[0].f <= bracket[1].f {
                (0, 1)
            } else {
                (1, 0)
            };
        } else {
            if P::Scalar::abs(gtd_new) <= -c2 * gtd {
                done = true;
            } else if gtd_new * (bracket[high].t - bracket[low].t) >= P::Scalar::ZERO {
                bracket[high] = bracket[low].clone();
            }
            bracket[low] = new;
        }
    }
    let [first, second] = bracket;
    let best = if low == 0 { first } else { second };
    LineSearchResult {
        loss: best.f,
        grad: best.g,
        step_length: best.t,
        evals,
    }
}
