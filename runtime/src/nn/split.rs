//! The split forward/backward convention of modules ([`SplitModule`]):
//! storage owned by the caller, filled in place by the forward pass and
//! borrowed by the reverse pass, and cotangents written into places the
//! caller provides.

use super::Module;
use crate::Params;

/// A [`Module`] whose forward and reverse passes can run apart, over
/// storage that the caller owns: the faster convention that
/// `#[differentiable]` code uses for a call `module.forward(&x)` in a
/// `_grad` sibling when the module implements it (falling back to
/// [`forward_vjp`](Module::forward_vjp) otherwise).
///
/// [`Module::forward_vjp`] returns a pullback that owns what the reverse
/// pass needs, so a sequential model's activations are moved into the
/// pullback and out of it and its members' results: for a batch of 100
/// samples through 32 hidden units, ten copies of 25.6 KB per gradient.
/// Here the caller declares a [`Record`](SplitModule::Record) in its own
/// frame ([`new_record`](SplitModule::new_record)), the forward pass writes
/// every activation into it where it stays
/// ([`forward_record`](SplitModule::forward_record)), and the reverse pass
/// reads it there and writes the cotangents into the caller's places
/// ([`backward_record`](SplitModule::backward_record)). Nothing large is
/// moved, and the cotangent of an input that is data is not computed.
///
/// Implemented for [`Linear`](super::Linear), the elementwise activation
/// modules ([`Relu`](super::Relu), [`Sigmoid`](super::Sigmoid), ...) on
/// matrices and vectors, and tuples of up to eight split modules.
///
/// ```
/// use tapeless_runtime::nn::{Linear, Module, Relu, SplitModule};
/// use nalgebra::{SMatrix, Vector1, Vector2};
///
/// let model = (
///     Linear::<2, 2, f64>::from_weights(SMatrix::identity(), Vector2::new(0.0, -1.0)),
///     Relu,
///     Linear::<2, 1, f64>::from_weights(SMatrix::from_element(1.0), Vector1::new(0.0)),
/// );
/// let x = Vector2::new(2.0, 0.5);
/// let mut record = <(Linear<2, 2, f64>, Relu, Linear<2, 1, f64>) as SplitModule<Vector2<f64>>>::new_record();
/// let mut y = Vector1::zeros();
/// model.forward_record(&x, &mut record, &mut y);
/// assert_eq!(y, model.forward(&x));
///
/// // The same cotangents as the pullback of `forward_vjp`, written in place.
/// let (mut grad, mut grad_x) = (model, Vector2::zeros());
/// model.backward_record(&x, &mut record, &Vector1::new(1.0), &mut grad, Some(&mut grad_x));
/// let (_, pullback) = model.forward_vjp(&x);
/// assert_eq!((grad, grad_x), pullback(Vector1::new(1.0)));
/// ```
pub trait SplitModule<Input>: Module<Input> {
    /// What the reverse pass needs, with room for what it computes on the
    /// way (a sequential model's activations between members and their
    /// cotangents): storage the caller owns.
    type Record;

    /// Storage for [`forward_record`](SplitModule::forward_record) to fill
    /// (zeros).
    fn new_record() -> Self::Record;

    /// [`forward`](Module::forward) of `x`, written into `output`, and what
    /// [`backward_record`](SplitModule::backward_record) needs, written into
    /// `record`. Every element of `output` is written.
    fn forward_record(&self, x: &Input, record: &mut Self::Record, output: &mut Self::Output);

    /// The reverse pass: for the cotangent `adjoint` of the output of
    /// [`forward_record`](SplitModule::forward_record) on `x`, writes the
    /// cotangent of the module into `grad` and, if asked, that of `x` into
    /// `grad_x` (both overwritten, not accumulated into).
    ///
    /// `record` must come from `forward_record` on the same module and
    /// input; anything else gives a meaningless result (not undefined
    /// behaviour). The reverse pass may use it as scratch space.
    fn backward_record(
        &self,
        x: &Input,
        record: &mut Self::Record,
        adjoint: &Self::Output,
        grad: &mut Self,
        grad_x: Option<&mut Input>,
    );

    /// [`backward_record`](SplitModule::backward_record) for an input that
    /// the caller owns and no longer needs: `x` holds the input on entry
    /// and its cotangent on return. A sequential model runs its members
    /// this way, each writing the cotangent of its input over the previous
    /// member's output, so that its record needs no room for cotangents.
    fn backward_record_in_place(
        &self,
        x: &mut Input,
        record: &mut Self::Record,
        adjoint: &Self::Output,
        grad: &mut Self,
    );
}

/// Implements [`SplitModule`] for a tuple of two or more modules applied in
/// order. Its record holds, for each member but the last, the member's own
/// record and its output; then the last member's record. The reverse pass
/// writes each member's output cotangent over that output.
macro_rules! impl_split_tuple {
    (
        ($first:ident, $first_out:ident);
        $(($ty:ident, $in:ident, $out:ident, $index:tt, $prev:tt);)*
        last ($last:ident, $last_in:ident, $last_out:ident, $last_index:tt, $last_prev:tt);
        reverse: $(($rev_index:tt, $rev_prev:tt))*
    ) => {
        impl<Input, $first, $first_out, $($ty, $out,)* $last, $last_out> SplitModule<Input>
            for ($first, $($ty,)* $last,)
        where
            $first: SplitModule<Input, Output = $first_out>,
            $first_out: Params,
            $($ty: SplitModule<$in, Output = $out>, $out: Params,)*
            $last: SplitModule<$last_in, Output = $last_out>,
        {
            type Record = (
                (<$first as SplitModule<Input>>::Record, $first_out),
                $((<$ty as SplitModule<$in>>::Record, $out),)*
                <$last as SplitModule<$last_in>>::Record,
            );

            #[inline]
            fn new_record() -> Self::Record {
                (
                    (<$first as SplitModule<Input>>::new_record(), $first_out::zeros()),
                    $((<$ty as SplitModule<$in>>::new_record(), $out::zeros()),)*
                    <$last as SplitModule<$last_in>>::new_record(),
                )
            }

            #[inline]
            fn forward_record(&self, x: &Input, record: &mut Self::Record, output: &mut $last_out) {
                // Each member reads the previous member's output where that
                // member wrote it.
                self.0.forward_record(x, &mut record.0.0, &mut record.0.1);
                $(self.$index.forward_record(
                    &record.$prev.1,
                    &mut record.$index.0,
                    &mut record.$index.1,
                );)*
                self.$last_index.forward_record(
                    &record.$last_prev.1,
                    &mut record.$last_index,
                    output,
                );
            }

            #[inline]
            fn backward_record(
                &self,
                x: &Input,
                record: &mut Self::Record,
                adjoint: &$last_out,
                grad: &mut Self,
                grad_x: Option<&mut Input>,
            ) {
                impl_split_tuple!(@members self, record, adjoint, grad;
                    $(($rev_index, $rev_prev))*; $last_index, $last_prev);
                let first = &mut record.0;
                self.0.backward_record(x, &mut first.0, &first.1, &mut grad.0, grad_x);
            }

            #[inline]
            fn backward_record_in_place(
                &self,
                x: &mut Input,
                record: &mut Self::Record,
                adjoint: &$last_out,
                grad: &mut Self,
            ) {
                impl_split_tuple!(@members self, record, adjoint, grad;
                    $(($rev_index, $rev_prev))*; $last_index, $last_prev);
                let first = &mut record.0;
                self.0.backward_record_in_place(x, &mut first.0, &first.1, &mut grad.0);
            }
        }
    };
    // The reverse pass of the members after the first, from the last: each
    // reads the cotangent of its output where the next member wrote it (or
    // the model's, for the last), and writes that of its input over the
    // previous member's output.
    (@members $self:ident, $record:ident, $adjoint:ident, $grad:ident;
        $(($rev_index:tt, $rev_prev:tt))*; $last_index:tt, $last_prev:tt) => {
        $self.$last_index.backward_record_in_place(
            &mut $record.$last_prev.1,
            &mut $record.$last_index,
            $adjoint,
            &mut $grad.$last_index,
        );
        $({
            let (before, current) = (&mut $record.$rev_prev, &mut $record.$rev_index);
            $self.$rev_index.backward_record_in_place(
                &mut before.1,
                &mut current.0,
                &current.1,
                &mut $grad.$rev_index,
            );
        })*
    };
}

/// A one-member tuple is its member.
impl<Input, A: SplitModule<Input>> SplitModule<Input> for (A,) {
    type Record = A::Record;
    #[inline]
    fn new_record() -> A::Record {
        A::new_record()
    }
    #[inline]
    fn forward_record(&self, x: &Input, record: &mut A::Record, output: &mut A::Output) {
        self.0.forward_record(x, record, output);
    }
    #[inline]
    fn backward_record(
        &self,
        x: &Input,
        record: &mut A::Record,
        adjoint: &A::Output,
        grad: &mut Self,
        grad_x: Option<&mut Input>,
    ) {
        self.0
            .backward_record(x, record, adjoint, &mut grad.0, grad_x);
    }
    #[inline]
    fn backward_record_in_place(
        &self,
        x: &mut Input,
        record: &mut A::Record,
        adjoint: &A::Output,
        grad: &mut Self,
    ) {
        self.0
            .backward_record_in_place(x, record, adjoint, &mut grad.0);
    }
}

impl_split_tuple!(
    (A, OA);
    last (B, OA, OB, 1, 0);
    reverse:
);
impl_split_tuple!(
    (A, OA);
    (B, OA, OB, 1, 0);
    last (C, OB, OC, 2, 1);
    reverse: (1, 0)
);
impl_split_tuple!(
    (A, OA);
    (B, OA, OB, 1, 0);
    (C, OB, OC, 2, 1);
    last (D, OC, OD, 3, 2);
    reverse: (2, 1) (1, 0)
);
impl_split_tuple!(
    (A, OA);
    (B, OA, OB, 1, 0);
    (C, OB, OC, 2, 1);
    (D, OC, OD, 3, 2);
    last (E, OD, OE, 4, 3);
    reverse: (3, 2) (2, 1) (1, 0)
);
impl_split_tuple!(
    (A, OA);
    (B, OA, OB, 1, 0);
    (C, OB, OC, 2, 1);
    (D, OC, OD, 3, 2);
    (E, OD, OE, 4, 3);
    last (F, OE, OF, 5, 4);
    reverse: (4, 3) (3, 2) (2, 1) (1, 0)
);
impl_split_tuple!(
    (A, OA);
    (B, OA, OB, 1, 0);
    (C, OB, OC, 2, 1);
    (D, OC, OD, 3, 2);
    (E, OD, OE, 4, 3);
    (F, OE, OF, 5, 4);
    last (G, OF, OG, 6, 5);
    reverse: (5, 4) (4, 3) (3, 2) (2, 1) (1, 0)
);
impl_split_tuple!(
    (A, OA);
    (B, OA, OB, 1, 0);
    (C, OB, OC, 2, 1);
    (D, OC, OD, 3, 2);
    (E, OD, OE, 4, 3);
    (F, OE, OF, 5, 4);
    (G, OF, OG, 6, 5);
    last (H, OG, OH, 7, 6);
    reverse: (6, 5) (5, 4) (4, 3) (3, 2) (2, 1) (1, 0)
);

/// How generated code calls a module: through [`SplitModule`] where the
/// module implements it, through its `_vjp` otherwise, chosen by method
/// resolution (autoref specialisation: the impl for `&Split` wins when its
/// bounds hold, and the impl for `Split` one auto-dereference later
/// otherwise).
///
/// ```text
/// let mut record_of_y = (&&Split(model, x)).tag().new_record(model, x);
/// let (y, y_pullback) = (&&Split(model, x)).tag().record_vjp(model, x, &mut record_of_y, || model.forward_vjp(x));
/// ```
pub mod dispatch {
    use super::SplitModule;
    use crate::{NoTangent, Params};

    /// A call `model.forward(x)`, for method resolution to choose its
    /// convention.
    pub struct Split<'a, M, I>(pub &'a M, pub &'a I);

    /// The split convention ([`SplitModule`]).
    pub struct SplitTag;

    /// The `_vjp` convention.
    pub struct VjpTag;

    /// The record of a call through the `_vjp` convention: nothing (its
    /// pullback owns what it needs).
    pub struct NoRecord;

    /// Chooses [`SplitTag`] for a module that implements [`SplitModule`].
    pub trait ViaSplit {
        /// The convention.
        #[inline]
        fn tag(&self) -> SplitTag {
            SplitTag
        }
    }

    impl<M, I> ViaSplit for &Split<'_, M, I>
    where
        M: SplitModule<I> + Params,
        M::Output: Params,
    {
    }

    /// Chooses [`VjpTag`] for anything else.
    pub trait ViaVjp {
        /// The convention.
        #[inline]
        fn tag(&self) -> VjpTag {
            VjpTag
        }
    }

    impl<M, I> ViaVjp for Split<'_, M, I> {}

    impl SplitTag {
        /// The caller's storage for the module's record.
        #[inline]
        pub fn new_record<M: SplitModule<I>, I>(self, _: &M, _: &I) -> M::Record {
            M::new_record()
        }

        /// The output, and a pullback that borrows `record` and returns the
        /// cotangents of the module and of `x`.
        #[inline]
        pub fn record_vjp<'r, M, I, V>(
            self,
            model: &'r M,
            x: &'r I,
            record: &'r mut M::Record,
            _: V,
        ) -> (M::Output, impl FnOnce(M::Output) -> (M, I) + 'r)
        where
            M: SplitModule<I> + Params,
            M::Output: Params,
            I: Params,
        {
            let mut output = M::Output::zeros();
            model.forward_record(x, record, &mut output);
            (output, move |adjoint: M::Output| {
                let (mut grad, mut grad_x) = (M::zeros(), I::zeros());
                model.backward_record(x, record, &adjoint, &mut grad, Some(&mut grad_x));
                (grad, grad_x)
            })
        }

        /// [`record_vjp`](SplitTag::record_vjp) where `x` is data: the
        /// pullback does not compute its cotangent.
        #[inline]
        pub fn record_vjp_of_module<'r, M, I, V>(
            self,
            model: &'r M,
            x: &'r I,
            record: &'r mut M::Record,
            _: V,
        ) -> (M::Output, impl FnOnce(M::Output) -> (M, NoTangent) + 'r)
        where
            M: SplitModule<I> + Params,
            M::Output: Params,
        {
            let mut output = M::Output::zeros();
            model.forward_record(x, record, &mut output);
            (output, move |adjoint: M::Output| {
                let mut grad = M::zeros();
                model.backward_record(x, record, &adjoint, &mut grad, None);
                (grad, NoTangent)
            })
        }
    }

    impl VjpTag {
        /// No storage: the pullback of the `_vjp` owns what it needs.
        #[inline]
        pub fn new_record<M, I>(self, _: &M, _: &I) -> NoRecord {
            NoRecord
        }

        /// The module's `_vjp`, called.
        #[inline]
        pub fn record_vjp<M, I, R>(
            self,
            _: &M,
            _: &I,
            _: &mut NoRecord,
            vjp: impl FnOnce() -> R,
        ) -> R {
            vjp()
        }

        /// The module's `_vjp`, called.
        #[inline]
        pub fn record_vjp_of_module<M, I, R>(
            self,
            _: &M,
            _: &I,
            _: &mut NoRecord,
            vjp: impl FnOnce() -> R,
        ) -> R {
            vjp()
        }
    }
}
