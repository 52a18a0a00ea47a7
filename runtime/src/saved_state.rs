//! What makes a saved optimizer or scheduler load only as itself.
//!
//! Every optimizer and scheduler carries a zero-sized [`Kind`] field,
//! serialized first as `"kind": "Adam"` (the type's name). Loading a
//! checkpoint into another type is then an error naming both types, rather
//! than a silently different run when two types happen to share their field
//! names (torch's `load_state_dict` only checks the number of parameter
//! groups).
//!
//! Without the `serde` feature [`Kind`] is an empty marker and costs nothing.

use core::fmt;
use core::marker::PhantomData;

/// The name a type is saved under (its Rust name, without generics).
#[cfg(feature = "serde")]
pub(crate) trait Named {
    /// The type's name.
    const NAME: &'static str;
}

/// A zero-sized field that serializes as the owning type's name
/// (`Named::NAME`) and deserializes only from that name.
pub(crate) struct Kind<T: ?Sized>(PhantomData<fn() -> T>);

impl<T: ?Sized> Kind<T> {
    /// The marker.
    pub(crate) const NEW: Self = Kind(PhantomData);
}

impl<T: ?Sized> Clone for Kind<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for Kind<T> {}

impl<T: ?Sized> fmt::Debug for Kind<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Kind")
    }
}

#[cfg(feature = "serde")]
impl<T: ?Sized + Named> serde::Serialize for Kind<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(T::NAME)
    }
}

#[cfg(feature = "serde")]
impl<'de, T: ?Sized + Named> serde::Deserialize<'de> for Kind<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T: ?Sized>(PhantomData<fn() -> T>);
        impl<T: ?Sized + Named> serde::de::Visitor<'_> for Visitor<T> {
            type Value = Kind<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "the name `{}`", T::NAME)
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Kind<T>, E> {
                if name == T::NAME {
                    Ok(Kind::NEW)
                } else {
                    Err(E::custom(format_args!(
                        "this checkpoint holds a `{name}`, not a `{}`",
                        T::NAME
                    )))
                }
            }
        }
        deserializer.deserialize_str(Visitor(PhantomData))
    }
}

/// Implements `Named` for a type, with its generics (nothing without the
/// `serde` feature).
macro_rules! named {
    ($name:literal, impl<$($generic:tt)*) => {
        #[cfg(feature = "serde")]
        impl<$($generic)* {
            const NAME: &'static str = $name;
        }
    };
}
pub(crate) use named;

/// serde for arrays of any length `N` (serde's own impls stop at 32), as a
/// tuple of `N` elements: the history of [`Lbfgs`](crate::optim::Lbfgs),
/// the milestones of [`MultiStepLr`](crate::sched::MultiStepLr).
#[cfg(feature = "serde")]
pub(crate) mod array {
    use core::fmt;
    use core::marker::PhantomData;
    use serde::de::{Error, SeqAccess, Visitor};
    use serde::ser::SerializeTuple;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serializes the `N` elements in order.
    pub(crate) fn serialize<S: Serializer, T: Serialize, const N: usize>(
        array: &[T; N],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(N)?;
        for element in array {
            tuple.serialize_element(element)?;
        }
        tuple.end()
    }

    /// Deserializes exactly `N` elements; fewer or more is an error.
    pub(crate) fn deserialize<'de, D, T, const N: usize>(
        deserializer: D,
    ) -> Result<[T; N], D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        struct ArrayVisitor<T, const N: usize>(PhantomData<fn() -> T>);
        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for ArrayVisitor<T, N> {
            type Value = [T; N];
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an array of {N} elements")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<[T; N], A::Error> {
                let mut elements: [Option<T>; N] = core::array::from_fn(|_| None);
                for (index, slot) in elements.iter_mut().enumerate() {
                    *slot = Some(
                        seq.next_element()?
                            .ok_or_else(|| A::Error::invalid_length(index, &self))?,
                    );
                }
                if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(A::Error::invalid_length(N + 1, &self));
                }
                // The loop above filled every element or returned.
                Ok(elements.map(|element| element.expect("every element was read")))
            }
        }
        deserializer.deserialize_tuple(N, ArrayVisitor::<T, N>(PhantomData))
    }
}

/// Deserializers that reject values a constructor would have rejected, so
/// that a loaded checkpoint cannot make a later step panic.
#[cfg(feature = "serde")]
pub(crate) mod check {
    use serde::de::{Deserialize, Deserializer, Error, Unexpected};

    /// A count that must be at least 1 (a period, a step size).
    pub(crate) fn positive<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
        let value = usize::deserialize(deserializer)?;
        if value == 0 {
            return Err(D::Error::invalid_value(
                Unexpected::Unsigned(0),
                &"a positive integer",
            ));
        }
        Ok(value)
    }

    /// An index into storage of `LIMIT` elements: at most `LIMIT - 1`.
    pub(crate) fn below<'de, D: Deserializer<'de>, const LIMIT: usize>(
        deserializer: D,
    ) -> Result<usize, D::Error> {
        at_most::<D, LIMIT>(
            deserializer,
            LIMIT.saturating_sub(1),
            "an index into the storage",
        )
    }

    /// A length of storage of `LIMIT` elements: at most `LIMIT`.
    pub(crate) fn length<'de, D: Deserializer<'de>, const LIMIT: usize>(
        deserializer: D,
    ) -> Result<usize, D::Error> {
        at_most::<D, LIMIT>(deserializer, LIMIT, "a length within the storage")
    }

    /// A size of at least 1 and at most `LIMIT`.
    pub(crate) fn size<'de, D: Deserializer<'de>, const LIMIT: usize>(
        deserializer: D,
    ) -> Result<usize, D::Error> {
        let value = positive(deserializer)?;
        if value > LIMIT {
            return Err(D::Error::invalid_value(
                Unexpected::Unsigned(value as u64),
                &"a size within the storage",
            ));
        }
        Ok(value)
    }

    fn at_most<'de, D: Deserializer<'de>, const LIMIT: usize>(
        deserializer: D,
        max: usize,
        what: &'static str,
    ) -> Result<usize, D::Error> {
        let value = usize::deserialize(deserializer)?;
        if value > max {
            return Err(D::Error::invalid_value(
                Unexpected::Unsigned(value as u64),
                &what,
            ));
        }
        Ok(value)
    }
}

/// serde for a scalar that may be infinite or NaN (the best metric of
/// [`ReduceLrOnPlateau`](crate::sched::ReduceLrOnPlateau) starts at ±∞),
/// which JSON cannot hold as a number: `{"Finite": x}`, `"Infinity"`,
/// `"NegInfinity"` or `"NaN"`.
#[cfg(feature = "serde")]
pub(crate) mod float {
    use crate::Real;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    enum Float<T> {
        Finite(T),
        Infinity,
        NegInfinity,
        NaN,
    }

    /// Serializes `x`, naming infinities and NaN.
    pub(crate) fn serialize<S: Serializer, T: Real + Serialize>(
        x: &T,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let x = *x;
        let float = if T::is_finite(x) {
            Float::Finite(x)
        } else if T::is_nan(x) {
            Float::NaN
        } else if x > T::ZERO {
            Float::Infinity
        } else {
            Float::NegInfinity
        };
        float.serialize(serializer)
    }

    /// Deserializes what [`serialize`] wrote.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: Real + Deserialize<'de>>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        Ok(match Float::deserialize(deserializer)? {
            Float::Finite(x) => x,
            Float::Infinity => T::INFINITY,
            Float::NegInfinity => -T::INFINITY,
            Float::NaN => T::from_f64_lossy(f64::NAN),
        })
    }
}
