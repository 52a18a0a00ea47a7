//! Values that activations and elementwise losses act on scalar by scalar.

use crate::{Params, Real};
use nalgebra::SMatrix;

/// A scalar (`f32`, `f64`) or a fixed-size nalgebra matrix or vector of
/// them, seen as a flat run of scalars: what activations and elementwise
/// losses are generic over.
///
/// ```
/// use tapeless_runtime::nn::Elementwise;
/// use nalgebra::Vector2;
/// let doubled = Vector2::new(1.0, -2.0).map_elements(|x| 2.0 * x);
/// assert_eq!(doubled, Vector2::new(2.0, -4.0));
/// assert_eq!(3.0_f64.map_elements(|x| -x), -3.0);
/// ```
pub trait Elementwise: Params<Scalar = <Self as Elementwise>::Element> + Copy {
    /// The scalar type (the same as [`Params::Scalar`]).
    type Element: Real;

    /// Every scalar, in storage order (column-major for matrices).
    fn elements(&self) -> &[Self::Element];

    /// Every scalar, mutably.
    fn elements_mut(&mut self) -> &mut [Self::Element];

    /// The value with `f` applied to every scalar.
    #[inline]
    #[must_use]
    fn map_elements(mut self, mut f: impl FnMut(Self::Element) -> Self::Element) -> Self {
        for x in self.elements_mut() {
            *x = f(*x);
        }
        self
    }

    /// A new value with `f` applied to every scalar of `self`: what
    /// [`map_elements`](Elementwise::map_elements) gives for a copy, without
    /// the copy (a layer applies its activation to an input it borrows).
    #[inline]
    #[must_use]
    fn map_elements_of(&self, f: impl FnMut(Self::Element) -> Self::Element) -> Self {
        self.map_elements(f)
    }

    /// The value with `f` applied to corresponding scalars of `self` and
    /// `other`.
    #[inline]
    #[must_use]
    fn zip_map_elements(
        mut self,
        other: &Self,
        mut f: impl FnMut(Self::Element, Self::Element) -> Self::Element,
    ) -> Self {
        for (x, y) in self.elements_mut().iter_mut().zip(other.elements()) {
            *x = f(*x, *y);
        }
        self
    }

    /// The value with `f` applied to corresponding scalars of `self`,
    /// `second` and `third`.
    #[inline]
    #[must_use]
    fn zip3_map_elements(
        mut self,
        second: &Self,
        third: &Self,
        mut f: impl FnMut(Self::Element, Self::Element, Self::Element) -> Self::Element,
    ) -> Self {
        for ((x, y), z) in self
            .elements_mut()
            .iter_mut()
            .zip(second.elements())
            .zip(third.elements())
        {
            *x = f(*x, *y, *z);
        }
        self
    }

    /// The sum of all scalars.
    #[inline]
    fn sum_elements(&self) -> Self::Element {
        self.elements().iter().copied().sum()
    }
}

macro_rules! impl_elementwise_scalar {
    ($t:ty) => {
        impl Elementwise for $t {
            type Element = $t;
            #[inline]
            fn elements(&self) -> &[$t] {
                core::slice::from_ref(self)
            }
            #[inline]
            fn elements_mut(&mut self) -> &mut [$t] {
                core::slice::from_mut(self)
            }
        }
    };
}

impl_elementwise_scalar!(f32);
impl_elementwise_scalar!(f64);

impl<T: Real, const R: usize, const C: usize> Elementwise for SMatrix<T, R, C> {
    type Element = T;
    #[inline]
    fn map_elements_of(&self, f: impl FnMut(T) -> T) -> Self {
        self.map(f)
    }
    #[inline]
    fn elements(&self) -> &[T] {
        self.as_slice()
    }
    #[inline]
    fn elements_mut(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
}
