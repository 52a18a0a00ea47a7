//! Regression losses: L1, MSE, Huber and smooth L1.

use super::{Elementwise, Reduction, elementwise_loss, sign};
use crate::Real;

elementwise_loss! {
    /// The mean absolute error `|x − t|` (`nn.L1Loss`). Derivative
    /// `sign(x − t)` with `sign(0) = 0`.
    ///
    /// ```
    /// use tapeless_runtime::loss::{l1, Reduction};
    /// use nalgebra::Vector2;
    /// let x = Vector2::new(1.0, -1.0);
    /// assert_eq!(l1(&x, &Vector2::zeros(), Reduction::Sum), 2.0);
    /// ```
    l1, l1_vjp, l1_elementwise, l1_elementwise_vjp;
    ();
    |x, t| value = X::Element::abs(x - t), derivative = sign(x - t);
}

elementwise_loss! {
    /// The mean squared error `(x − t)²` (`nn.MSELoss`). Derivative
    /// `2(x − t)`.
    ///
    /// ```
    /// use tapeless_runtime::loss::{mse, Reduction};
    /// assert_eq!(mse(&3.0_f64, &1.0, Reduction::Mean), 4.0);
    /// ```
    mse, mse_vjp, mse_elementwise, mse_elementwise_vjp;
    ();
    |x, t| value = (x - t) * (x - t), derivative = X::Element::TWO * (x - t);
}

elementwise_loss! {
    /// The Huber loss (`nn.HuberLoss(delta=delta)`, PyTorch's default
    /// `delta = 1`): with `d = x − t`, `d²/2` where `|d| < δ`, else
    /// `δ(|d| − δ/2)`. Derivative `clamp(d, −δ, δ)`.
    ///
    /// ```
    /// use tapeless_runtime::loss::{huber, Reduction};
    /// assert_eq!(huber(&0.5_f64, &0.0, 1.0, Reduction::Mean), 0.125);
    /// assert_eq!(huber(&3.0_f64, &0.0, 1.0, Reduction::Mean), 2.5);
    /// ```
    huber, huber_vjp, huber_elementwise, huber_elementwise_vjp;
    (delta: X::Element);
    |x, t| value = huber_value(x - t, delta),
        derivative = huber_derivative(x - t, delta);
}

elementwise_loss! {
    /// The smooth L1 loss (`nn.SmoothL1Loss(beta=beta)`, PyTorch's default
    /// `beta = 1`): with `d = x − t`, `d²/(2β)` where `|d| < β`, else
    /// `|d| − β/2`; `β = 0` is the L1 loss. Derivative `d/β` inside, else
    /// `sign(d)`.
    ///
    /// ```
    /// use tapeless_runtime::loss::{smooth_l1, Reduction};
    /// assert_eq!(smooth_l1(&0.5_f64, &0.0, 1.0, Reduction::Mean), 0.125);
    /// assert_eq!(smooth_l1(&3.0_f64, &0.0, 1.0, Reduction::Mean), 2.5);
    /// ```
    smooth_l1, smooth_l1_vjp, smooth_l1_elementwise, smooth_l1_elementwise_vjp;
    (beta: X::Element);
    |x, t| value = smooth_l1_value(x - t, beta), derivative = smooth_l1_derivative(x - t, beta);
}

/// Huber loss of a difference `d` (PyTorch's `huber_loss` kernel).
#[inline]
fn huber_value<T: Real>(d: T, delta: T) -> T {
    let z = T::abs(d);
    if z < delta {
        T::HALF * z * z
    } else {
        delta * (z - T::HALF * delta)
    }
}

/// Derivative of the Huber loss, `clamp(d, −δ, δ)`, NaN for a NaN `d` (as
/// torch's `clamp`; `max`/`min` would return a bound).
#[inline]
fn huber_derivative<T: Real>(d: T, delta: T) -> T {
    if d < -delta {
        -delta
    } else if d > delta {
        delta
    } else {
        d
    }
}

/// Smooth L1 loss of a difference `d` (PyTorch's `smooth_l1_loss` kernel).
#[inline]
fn smooth_l1_value<T: Real>(d: T, beta: T) -> T {
    let z = T::abs(d);
    if beta == T::ZERO {
        z
    } else if z < beta {
        T::HALF * z * z / beta
    } else {
        z - T::HALF * beta
    }
}

/// Derivative of the smooth L1 loss (PyTorch's `smooth_l1_backward`).
#[inline]
fn smooth_l1_derivative<T: Real>(d: T, beta: T) -> T {
    if beta == T::ZERO {
        sign(d)
    } else if d <= -beta {
        -T::ONE
    } else if d >= beta {
        T::ONE
    } else {
        d / beta
    }
}
