//! A finite-difference gradient checker for users' own functions.

use crate::{Params, Real};
use core::fmt;

/// Settings of a central-difference gradient check; [`check_grad`] uses the
/// defaults.
///
/// Each scalar `xᵢ` of the point is moved by `±hᵢ` with
/// `hᵢ = step·max(1, |xᵢ|)`, the function evaluated twice, and the estimate
/// `(f(x + hᵢ) − f(x − hᵢ))/(2hᵢ)` compared with the claimed partial `gᵢ`:
/// the check passes where `|gᵢ − estimate| ≤ atol + rtol·max(|gᵢ|, |estimate|)`.
///
/// The defaults are `step = ε^(1/3)` (the step that balances truncation and
/// rounding error for central differences) and `rtol = atol = 10·ε^(1/3)`,
/// where `ε` is the machine epsilon of the scalar: about `6e-5` for `f64` and
/// `5e-2` for `f32`. Tighten them for well-scaled functions.
///
/// ```
/// use tapeless_runtime::GradCheck;
/// let check = GradCheck::<f64> { rtol: 1e-8, ..GradCheck::default() };
/// let f = |x: &f64| x.sin();
/// assert!(check.run(f, &0.5, &0.5_f64.cos()).is_ok());
/// assert!(check.run(f, &0.5, &0.5).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheck<T> {
    /// Relative step of the central difference.
    pub step: T,
    /// Relative tolerance.
    pub rtol: T,
    /// Absolute tolerance.
    pub atol: T,
}

impl<T: Real> Default for GradCheck<T> {
    fn default() -> Self {
        let step = T::cbrt(T::EPSILON);
        let ten = T::from_f64_lossy(10.0);
        Self {
            step,
            rtol: ten * step,
            atol: ten * step,
        }
    }
}

/// A partial derivative that disagrees with its finite-difference estimate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheckError<T> {
    /// Which scalar, counting through the parameter set's slices in order.
    pub index: usize,
    /// The claimed partial derivative.
    pub analytic: T,
    /// The central-difference estimate.
    pub numeric: T,
}

impl<T: Real> fmt::Display for GradCheckError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "partial derivative {} is {} but central differences give {}",
            self.index, self.analytic, self.numeric
        )
    }
}

impl<T: Real> core::error::Error for GradCheckError<T> {}

impl<T: Real> GradCheck<T> {
    /// Compares `grad`, the claimed gradient of `f` at `at`, with central
    /// differences of `f`. Returns the first partial derivative that
    /// disagrees. Calls `f` twice per scalar; allocates nothing.
    ///
    /// # Errors
    /// The first disagreeing partial derivative.
    pub fn run<P: Params<Scalar = T>>(
        &self,
        mut f: impl FnMut(&P) -> T,
        at: &P,
        grad: &P,
    ) -> Result<(), GradCheckError<T>> {
        let mut point = at.clone();
        let mut index = 0;
        for k in 0..P::SLICES {
            for i in 0..point.slice(k).len() {
                let x = point.slice(k)[i];
                let h = self.step * T::max(T::ONE, T::abs(x));
                point.slice_mut(k)[i] = x + h;
                let up = f(&point);
                point.slice_mut(k)[i] = x - h;
                let down = f(&point);
                point.slice_mut(k)[i] = x;
                let numeric = (up - down) / (h + h);
                let analytic = grad.slice(k)[i];
                let bound = self.atol + self.rtol * T::max(T::abs(analytic), T::abs(numeric));
                // Written so that a NaN on either side fails the check.
                if T::abs(analytic - numeric)
                    .partial_cmp(&bound)
                    .is_none_or(core::cmp::Ordering::is_gt)
                {
                    return Err(GradCheckError {
                        index,
                        analytic,
                        numeric,
                    });
                }
                index += 1;
            }
        }
        Ok(())
    }
}

/// Checks a claimed gradient against central differences with the default
/// [`GradCheck`] settings.
///
/// `f` is the function, `at` the point and `grad` the gradient claimed there
/// (for a `#[differentiable]` function, the second half of `f_grad(at)`).
///
/// # Errors
/// The first partial derivative that disagrees with its estimate.
///
/// ```
/// use tapeless_runtime::check_grad;
/// use nalgebra::Vector2;
/// let f = |p: &Vector2<f64>| p.x * p.x * p.y;
/// let p = Vector2::new(1.5, -2.0);
/// let grad = Vector2::new(2.0 * p.x * p.y, p.x * p.x);
/// assert!(check_grad(f, &p, &grad).is_ok());
/// let wrong = Vector2::new(grad.x, 0.0);
/// assert_eq!(check_grad(f, &p, &wrong).unwrap_err().index, 1);
/// ```
pub fn check_grad<P: Params>(
    f: impl FnMut(&P) -> P::Scalar,
    at: &P,
    grad: &P,
) -> Result<(), GradCheckError<P::Scalar>> {
    GradCheck::default().run(f, at, grad)
}
