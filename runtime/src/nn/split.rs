//! The split forward/backward convention of modules ([`SplitModule`]):
//! storage owned by the caller, filled in place by the forward pass and
//! borrowed by the reverse pass, and cotangents written into places the
//! caller provides.
#![allow(
    unsafe_code,
    reason = "records are written into uninitialised storage, once, instead of zeroed first"
)]

use super::Module;
use crate::Params;
use core::mem::MaybeUninit;
use core::ptr;
use nalgebra::SMatrix;

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
/// Here the caller declares uninitialised storage for a
/// [`Record`](SplitModule::Record) in its own frame, the forward pass writes
/// every activation into it once, where it stays
/// ([`forward_record`](SplitModule::forward_record)), and the reverse pass
/// reads it there and writes the cotangents into the caller's places
/// ([`backward_record`](SplitModule::backward_record)). Nothing large is
/// zeroed first or moved, and the cotangent of an input that is data is not
/// computed.
///
/// Implemented for [`Linear`](super::Linear),
/// [`LinearNoBias`](super::LinearNoBias), every activation module
/// ([`Relu`](super::Relu), [`LeakyRelu`](super::LeakyRelu),
/// [`Softmax`](super::Softmax), ...) on matrices and vectors, and tuples of
/// up to eight split modules.
///
/// ```
/// use core::mem::MaybeUninit;
/// use tapeless_runtime::nn::{Linear, Module, Relu, SplitModule};
/// use nalgebra::{SMatrix, Vector1, Vector2};
///
/// let model = (
///     Linear::<2, 2, f64>::from_weights(SMatrix::identity(), Vector2::new(0.0, -1.0)),
///     Relu,
///     Linear::<2, 1, f64>::from_weights(SMatrix::from_element(1.0), Vector1::new(0.0)),
/// );
/// let x = Vector2::new(2.0, 0.5);
/// let (mut record, mut y) = (MaybeUninit::uninit(), MaybeUninit::uninit());
/// let (record, y) = model.forward_record(&x, &mut record, &mut y);
/// assert_eq!(*y, model.forward(&x));
///
/// // The same cotangents as the pullback of `forward_vjp`, written in place.
/// let (mut grad, mut grad_x) = (model, Vector2::zeros());
/// model.backward_record(&x, record, &Vector1::new(1.0), &mut grad, Some(&mut grad_x));
/// let (_, pullback) = model.forward_vjp(&x);
/// assert_eq!((grad, grad_x), pullback(Vector1::new(1.0)));
/// ```
pub trait SplitModule<Input>: Module<Input> {
    /// What the reverse pass needs, with room for what it computes on the
    /// way (a sequential model's activations between members and their
    /// cotangents): storage the caller owns.
    type Record;

    /// [`forward`](Module::forward) of `x`, written into `output`, and what
    /// [`backward_record`](SplitModule::backward_record) needs, written into
    /// `record`: both uninitialised (or holding an earlier pass, which is
    /// overwritten), and returned initialised.
    ///
    /// The references returned must be `record` and `output` themselves
    /// ([`MaybeUninit::write`] and [`write_matrix`] give them): a sequential
    /// model panics otherwise.
    fn forward_record<'r, 'o>(
        &self,
        x: &Input,
        record: &'r mut MaybeUninit<Self::Record>,
        output: &'o mut MaybeUninit<Self::Output>,
    ) -> (&'r mut Self::Record, &'o mut Self::Output);

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

/// Writes `f(row, column)` into every element of `place`, column by column,
/// and returns it initialised: how a layer writes its output in
/// [`forward_record`](SplitModule::forward_record) without zeroing it
/// first.
///
/// ```
/// use core::mem::MaybeUninit;
/// use tapeless_runtime::nn::write_matrix;
/// use nalgebra::Matrix2;
///
/// let mut place = MaybeUninit::<Matrix2<f64>>::uninit();
/// let m = write_matrix(&mut place, |r, c| (10 * r + c) as f64);
/// assert_eq!(*m, Matrix2::new(0.0, 1.0, 10.0, 11.0));
/// ```
#[inline(always)]
pub fn write_matrix<T, const R: usize, const C: usize>(
    place: &mut MaybeUninit<SMatrix<T, R, C>>,
    mut f: impl FnMut(usize, usize) -> T,
) -> &mut SMatrix<T, R, C> {
    // SAFETY: `SMatrix<T, R, C>` is a `#[repr(C)]` `Matrix` whose fields are
    // its storage and a zero-sized `PhantomData`, and its storage
    // `ArrayStorage` is `#[repr(transparent)]` over `[[T; R]; C]`: the two
    // have one layout, and so have their `MaybeUninit`s, whose elements are
    // `MaybeUninit<T>`.
    let columns = unsafe { &mut *place.as_mut_ptr().cast::<[[MaybeUninit<T>; R]; C]>() };
    for (c, column) in columns.iter_mut().enumerate() {
        for (r, element) in column.iter_mut().enumerate() {
            element.write(f(r, c));
        }
    }
    // SAFETY: every element written above, and a matrix has no other bytes.
    unsafe { place.assume_init_mut() }
}

/// Storage for a field of uninitialised storage.
///
/// # Safety
///
/// `field` points to a field of storage that the caller borrows mutably
/// for `'a`, and no other live reference overlaps it.
#[inline(always)]
unsafe fn place<'a, T>(field: *mut T) -> &'a mut MaybeUninit<T> {
    // SAFETY: `MaybeUninit<T>` has the layout of `T` and may hold anything;
    // the caller vouches for the borrow.
    unsafe { &mut *field.cast::<MaybeUninit<T>>() }
}

/// `module.forward_record` into `record` and `output`, checking that it
/// initialised them (returned them, not other storage): a sequential model
/// then knows its whole record initialised, and the dispatch its output.
#[inline(always)]
fn forward_into<'r, 'o, M: SplitModule<I>, I>(
    module: &M,
    x: &I,
    record: &'r mut MaybeUninit<M::Record>,
    output: &'o mut MaybeUninit<M::Output>,
) -> (&'r mut M::Record, &'o mut M::Output) {
    let (record_place, output_place) = (record.as_ptr(), output.as_ptr());
    let (record, output) = module.forward_record(x, record, output);
    assert!(
        ptr::eq(record_place, record) && ptr::eq(output_place, output),
        "`forward_record` returned storage other than it was given"
    );
    (record, output)
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
            fn forward_record<'r, 'o>(
                &self,
                x: &Input,
                record: &'r mut MaybeUninit<Self::Record>,
                output: &'o mut MaybeUninit<$last_out>,
            ) -> (&'r mut Self::Record, &'o mut $last_out) {
                // Each member writes its record and output into their fields
                // of `record`, and the next reads that output there.
                let fields = record.as_mut_ptr();
                // SAFETY (each `place`): distinct fields of the storage that
                // `record` borrows; a member reads only the previous
                // member's output, another field.
                let (_, previous) = forward_into(
                    &self.0,
                    x,
                    unsafe { place(&raw mut (*fields).0.0) },
                    unsafe { place(&raw mut (*fields).0.1) },
                );
                $(let (_, previous) = forward_into(
                    &self.$index,
                    previous,
                    unsafe { place(&raw mut (*fields).$index.0) },
                    unsafe { place(&raw mut (*fields).$index.1) },
                );)*
                let (_, output) = forward_into(
                    &self.$last_index,
                    previous,
                    unsafe { place(&raw mut (*fields).$last_index) },
                    output,
                );
                // SAFETY: every field written, as `forward_into` checked.
                (unsafe { record.assume_init_mut() }, output)
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
    fn forward_record<'r, 'o>(
        &self,
        x: &Input,
        record: &'r mut MaybeUninit<A::Record>,
        output: &'o mut MaybeUninit<A::Output>,
    ) -> (&'r mut A::Record, &'o mut A::Output) {
        self.0.forward_record(x, record, output)
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
/// let mut record_of_y = (&&Split(model, x)).tag().new_record(model, x); // uninitialised
/// let (y, y_pullback) = (&&Split(model, x)).tag().record_vjp(model, x, &mut record_of_y, || model.forward_vjp(x));
/// ```
pub mod dispatch {
    use super::SplitModule;
    use crate::{NoTangent, Params};
    use core::mem::MaybeUninit;

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
        /// The caller's storage for the module's record, uninitialised.
        #[inline]
        pub fn new_record<M: SplitModule<I>, I>(self, _: &M, _: &I) -> MaybeUninit<M::Record> {
            MaybeUninit::uninit()
        }

        /// The output, and a pullback that borrows the record written into
        /// `record` and returns the cotangents of the module and of `x`.
        #[inline]
        pub fn record_vjp<'r, M, I, V>(
            self,
            model: &'r M,
            x: &'r I,
            record: &'r mut MaybeUninit<M::Record>,
            _: V,
        ) -> (M::Output, impl FnOnce(M::Output) -> (M, I) + 'r)
        where
            M: SplitModule<I> + Params,
            M::Output: Params,
            I: Params,
        {
            let (output, record) = forward(model, x, record);
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
            record: &'r mut MaybeUninit<M::Record>,
            _: V,
        ) -> (M::Output, impl FnOnce(M::Output) -> (M, NoTangent) + 'r)
        where
            M: SplitModule<I> + Params,
            M::Output: Params,
        {
            let (output, record) = forward(model, x, record);
            (output, move |adjoint: M::Output| {
                let mut grad = M::zeros();
                model.backward_record(x, record, &adjoint, &mut grad, None);
                (grad, NoTangent)
            })
        }
    }

    /// The forward pass into `record`: the output, by value, and the
    /// record written.
    #[inline(always)]
    fn forward<'r, M: SplitModule<I>, I>(
        model: &M,
        x: &I,
        record: &'r mut MaybeUninit<M::Record>,
    ) -> (M::Output, &'r mut M::Record) {
        let mut output = MaybeUninit::uninit();
        let (record, _) = super::forward_into(model, x, record, &mut output);
        // SAFETY: `forward_into` checked that `forward_record` returned
        // `output` itself as a `&mut M::Output`: it holds a valid output.
        (unsafe { output.assume_init() }, record)
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
