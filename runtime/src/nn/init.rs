//! Seedable, allocation-free random initialisation.
//!
//! The generator is [`DefaultRng`] (xoshiro256++, from `rand_xoshiro`);
//! any [`RngCore`] works.

use crate::{Params, Real};
pub use rand_core::{RngCore, SeedableRng};

/// The generator [`Linear::seeded`](super::Linear::seeded) uses: xoshiro256++,
/// small, fast and of good statistical quality (not cryptographic).
pub type DefaultRng = rand_xoshiro::Xoshiro256PlusPlus;

/// A number uniform in `[low, high)`, from the top 53 bits of one `u64`.
///
/// ```
/// use tapeless_runtime::nn::init::{uniform, DefaultRng, SeedableRng};
/// let mut rng = DefaultRng::seed_from_u64(0);
/// let x: f64 = uniform(&mut rng, -1.0, 1.0);
/// assert!((-1.0..1.0).contains(&x));
/// ```
#[inline]
pub fn uniform<T: Real>(rng: &mut impl RngCore, low: T, high: T) -> T {
    let unit = (rng.next_u64() >> 11) as f64 * (1.0 / (1_u64 << 53) as f64);
    low + (high - low) * T::from_f64_lossy(unit)
}

/// Sets every scalar of `params` uniform in `[low, high)`, in slice order
/// (PyTorch's `nn.init.uniform_`).
///
/// ```
/// use tapeless_runtime::{Params, nn::init::{uniform_, DefaultRng, SeedableRng}};
/// let mut p = [0.0_f64; 4];
/// uniform_(&mut p, -0.1, 0.1, &mut DefaultRng::seed_from_u64(3));
/// assert!(p.iter().all(|w| w.abs() <= 0.1) && p.max_abs() > 0.0);
/// ```
pub fn uniform_<P: Params>(
    params: &mut P,
    low: P::Scalar,
    high: P::Scalar,
    rng: &mut impl RngCore,
) {
    params.for_each_scalar_mut(|x| *x = uniform(rng, low, high));
}
