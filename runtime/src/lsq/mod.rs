//! Nonlinear least squares without a stored Jacobian: fit parameters `p` by
//! minimizing `Σᵢ rᵢ(p)²`, given each residual `rᵢ` with its gradient.
//!
//! A residual is an ordinary `#[differentiable]` scalar function of the
//! parameters and one observation; its `NAME_grad` sibling returns the
//! residual and a row of the Jacobian, which the solver folds into an n×n
//! triangle at once, so memory does not grow with the number of
//! observations and nothing is allocated.
//!
//! ```
//! use tapeless_runtime::lsq::LevenbergMarquardt;
//!
//! // Fit y = k·x through (1, 2.1), (2, 3.9), (3, 6.2): k = Σxy/Σx².
//! let (xs, ys) = ([1.0, 2.0, 3.0], [2.1, 3.9, 6.2]);
//! let mut k = 1.0_f64;
//! let fit = LevenbergMarquardt::new()
//!     .minimize(&mut k, 3, |k, i| (k * xs[i] - ys[i], xs[i]))
//!     .unwrap();
//! assert!((k - 28.5 / 14.0).abs() < 1e-12);
//! assert!(fit.std_errors > 0.0);
//! ```
//!
//! | tapeless | MINPACK | SciPy / lmfit |
//! |---|---|---|
//! | [`LevenbergMarquardt`] | `lmstr` (`lmder` with a row-wise Jacobian) | `least_squares(method='lm')`, `leastsq`, lmfit `leastsq` |
//!
//! # Reference
//!
//! * J. J. Moré (1978), "The Levenberg-Marquardt algorithm: implementation
//!   and theory", in G. A. Watson (ed.), *Numerical Analysis*, Lecture Notes
//!   in Mathematics 630, Springer, pp. 105–116.
//! * J. J. Moré, B. S. Garbow, K. E. Hillstrom (1980), *User Guide for
//!   MINPACK-1*, Argonne National Laboratory report ANL-80-74.

mod fit;
mod levenberg_marquardt;
mod linalg;
mod parameters;

pub use fit::{Fit, LsqError, Termination};
pub use levenberg_marquardt::LevenbergMarquardt;
pub use parameters::{Parameters, Square};
