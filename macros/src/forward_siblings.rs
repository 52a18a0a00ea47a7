//! The forward-mode and second-order siblings that
//! `#[differentiable(jvp, jacobian, hessian)]` asks for: their checks, their
//! signatures and their bodies (the tangent code itself is
//! [`crate::tangent`]'s).
//!
//! * `NAME_jvp(args.., tangents..) -> (Y, Y)`: one tangent per parameter,
//!   after the primal's parameters, in the same order: for a differentiated
//!   parameter of type `X` or `&X`, any `TangentArg<X>` (`&X`, or
//!   `NoTangent` for a zero tangent: the argument is constant at the call),
//!   for the others `NoTangent` (the mirror of `_vjp`'s cotangents). A call `g(a, b)` in a
//!   function differentiated in forward mode links to `g_jvp(a, b, &ȧ,
//!   NoTangent)`, so a hand-written `g_jvp` of that signature is a custom
//!   forward rule.
//! * `NAME_jacobian(args..) -> (Y, J)`: `NAME_jvp` along each unit vector
//!   (N calls for an `SVector<T, N>` argument; the columns of `J`).
//! * `NAME_jvp2(args.., u: &X, v: &X) -> (Y, Y, Y, Y)`: hyper-dual forward
//!   mode, the value, `∂f·u`, `∂f·v` and `uᵀ∇²f·v`, exact.
//! * `NAME_hessian(args..) -> (Y, X, H)`: `NAME_jvp2` for each pair of unit
//!   vectors `i ≤ j` (N(N+1)/2 calls), and `NAME_hvp(args.., v: &X) -> (Y, X,
//!   X)`: `NAME_jvp2(eᵢ, v)` for each `i` (N calls).

use crate::activity::Activity;
use crate::attr::Args;
use crate::ctxt::Ctxt;
use crate::expand::Generated;
use crate::ir::{Function, Op, ValueId};
use crate::tangent::{Order, Tangents, U, UV, V};
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};

/// What the checks of the forward siblings read.
pub(crate) struct Checked<'c> {
    pub(crate) function: &'c syn::ItemFn,
    pub(crate) ir: &'c Function,
    pub(crate) activity: &'c Activity,
    pub(crate) wrt: &'c [usize],
    pub(crate) ret: &'c syn::Type,
    pub(crate) scalar_result: bool,
}

/// Reports the requests the forward siblings cannot honour.
pub(crate) fn check(cx: &Ctxt, args: &Args, checked: &Checked<'_>) {
    let name = &checked.function.sig.ident;
    if let Some(option) = &args.jacobian {
        if checked.scalar_result {
            cx.error_spanned_by(
                checked.ret,
                format!(
                    "`{name}_jacobian` needs a vector result (`SVector<T, M>`); for a scalar result use `{name}_grad`"
                ),
            );
        }
        if checked.wrt.len() != 1 {
            cx.error_spanned_by(
                option,
                format!(
                    "`{name}_jacobian` differentiates one `SVector<T, N>` argument; name it with `wrt = x`, or call `{name}_jvp` with the directions you need"
                ),
            );
        }
    }
    if let Some(option) = &args.hessian {
        if !checked.scalar_result {
            cx.error_spanned_by(
                checked.ret,
                format!(
                    "`{name}_hessian` needs a scalar result (`f32`, `f64` or a scalar type parameter)"
                ),
            );
        }
        if checked.wrt.len() != 1 {
            cx.error_spanned_by(
                option,
                format!(
                    "`{name}_hessian` differentiates one `SVector<T, N>` argument; name it with `wrt = x`"
                ),
            );
        }
        for (index, value) in checked.ir.values.iter().enumerate() {
            let active = checked.activity.is_active(ValueId::from_index(index));
            if let (true, Op::MethodCall { method, .. }) = (active, &value.op) {
                cx.error_spanned_by(
                    method,
                    format!(
                        "`{name}_hessian` cannot differentiate through methods linked by name (`.{method}()`) yet; write the method's body here, or drop `hessian` and use `{name}_grad`"
                    ),
                );
            }
        }
    }
}

impl Generated<'_, '_> {
    /// Every forward sibling `args` asks for.
    pub(crate) fn forward_siblings(&self, args: &Args) -> TokenStream {
        let mut tokens = TokenStream::new();
        if args.jvp.is_some() || args.jacobian.is_some() {
            tokens.extend(self.jvp(Order::First));
        }
        if args.jacobian.is_some() {
            tokens.extend(self.jacobian());
        }
        if args.hessian.is_some() {
            tokens.extend(self.jvp(Order::Second));
            tokens.extend(self.hessian());
            tokens.extend(self.hvp());
        }
        tokens
    }

    /// The local of parameter `index`'s value.
    fn param_value(&self, index: usize) -> Option<ValueId> {
        self.emitter
            .function
            .values
            .iter()
            .position(|value| matches!(value.op, Op::Param { index: i } if i == index))
            .map(ValueId::from_index)
    }

    /// The first-order tangent of parameter `index` (`tangent_of_x`).
    pub(crate) fn forward_tangent_name(&self, index: usize) -> syn::Ident {
        self.tangent_name(U, index)
    }

    fn tangent_name(&self, slot: usize, index: usize) -> syn::Ident {
        match self.param_value(index) {
            Some(value) => self.emitter.names.tangent[slot][value.index()].clone(),
            None => format_ident!(
                "tangent_of_param_{index}",
                span = proc_macro2::Span::mixed_site()
            ),
        }
    }

    /// `NAME_jvp` (first order) or `NAME_jvp2` (second order).
    fn jvp(&self, order: Order) -> TokenStream {
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let ret = self.ret;
        let primal = &self.function.sig.ident;
        let mut extra: Vec<syn::FnArg> = Vec::new();
        let mut prelude = TokenStream::new();
        if order == Order::Second {
            return self.jvp2();
        }
        for slot in &[U] {
            for (index, param) in self.params.iter().enumerate() {
                let wrt = self.wrt.contains(&index);
                if !wrt {
                    extra.push(syn::parse_quote!(_: #krate::__private::NoTangent));
                    continue;
                }
                let name = self.tangent_name(*slot, index);
                let value_type = param.value_type();
                let active = self
                    .param_value(index)
                    .is_some_and(|value| emitter.activity.is_active(value));
                // `&X`, or `NoTangent` from a caller where the argument is
                // constant.
                extra.push(
                    syn::parse_quote!(#name: impl #krate::__private::TangentArg<#value_type>),
                );
                let ident = &param.ident;
                if !active {
                    prelude.extend(quote!(let _ = #name;));
                } else if param.is_ref {
                    prelude.extend(
                        quote!(let #name = &#krate::__private::TangentArg::tangent(#name, #ident);),
                    );
                } else {
                    prelude.extend(
                        quote!(let #name = #krate::__private::TangentArg::tangent(#name, &#ident);),
                    );
                }
            }
        }
        let body = Tangents { emitter, order }.body();
        let wrt = self.wrt_names();
        let (name, output, doc) = match order {
            Order::First => (
                format_ident!("{}_jvp", primal),
                quote!((#ret, #ret)),
                format!(
                    " Forward mode: the value of `{primal}` and its directional derivative along the tangents of {wrt} (one `&` tangent per differentiated parameter after the primal's parameters, `NoTangent` for the others). Generated by `#[differentiable(jvp)]`."
                ),
            ),
            Order::Second => unreachable!("`jvp2` renders second order"),
        };
        let signature = self.signature_with(name, false, output, extra);
        let sibling = self.sibling(
            &doc,
            &signature,
            quote! {
                #prelude
                #body
            },
        );
        // A tangent per parameter doubles their number.
        quote! {
            #[allow(clippy::too_many_arguments)]
            #sibling
        }
    }

    /// `NAME_jvp2::<LANES_U, LANES_V>(args.., tangents..) -> (Y, [Y;
    /// LANES_U], [Y; LANES_V], [[Y; LANES_V]; LANES_U])`: one [`Hyper`]
    /// (or `NoTangent`) per differentiated parameter, `NoTangent` for the
    /// others; every lane of the tangents in one pass.
    ///
    /// [`Hyper`]: https://docs.rs/tapeless/latest/tapeless/forward/struct.Hyper.html
    fn jvp2(&self) -> TokenStream {
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let ret = self.ret;
        let primal = &self.function.sig.ident;
        let [count_u, count_v] = &emitter.names.lane_counts;
        let mut extra: Vec<syn::FnArg> = Vec::new();
        let mut prelude = TokenStream::new();
        for (index, param) in self.params.iter().enumerate() {
            if !self.wrt.contains(&index) {
                extra.push(syn::parse_quote!(_: #krate::__private::NoTangent));
                continue;
            }
            let [u, v, uv] = [U, V, UV].map(|slot| self.tangent_name(slot, index));
            let value_type = param.value_type();
            extra.push(syn::parse_quote!(
                #u: impl #krate::__private::HyperArg<#value_type, #count_u, #count_v>
            ));
            let active = self
                .param_value(index)
                .is_some_and(|value| emitter.activity.is_active(value));
            if !active {
                prelude.extend(quote!(let _ = #u;));
                continue;
            }
            let ident = &param.ident;
            let like = if param.is_ref {
                quote!(#ident)
            } else {
                quote!(&#ident)
            };
            prelude
                .extend(quote!(let (#u, #v, #uv) = #krate::__private::HyperArg::lanes(#u, #like);));
            if param.is_ref {
                // The tangents of a reference are references, lane by lane.
                prelude.extend(quote! {
                    let #u = #u.each_ref();
                    let #v = #v.each_ref();
                    let #uv = #uv.each_ref().map(|row| row.each_ref());
                });
            }
        }
        let body = Tangents {
            emitter,
            order: Order::Second,
        }
        .body();
        let wrt = self.wrt_names();
        let name = format_ident!("{}_jvp2", primal);
        let output =
            quote!((#ret, [#ret; #count_u], [#ret; #count_v], [[#ret; #count_v]; #count_u]));
        let doc = format!(
            " Second-order forward mode (hyper-dual numbers, in lanes): the value of `{primal}`, its directional derivatives along each direction `uᵢ` and `vⱼ` (the tangents of {wrt}, given as `Hyper {{ u, v, uv }}`) and the second directional derivatives `uᵢᵀ∇²f·vⱼ`, in one pass. What `_hessian` and `_hvp` call, and what a function with a `hessian` links a call of `{primal}` to. Generated by `#[differentiable(hessian)]`."
        );
        let generics = vec![
            syn::parse_quote!(const #count_u: usize),
            syn::parse_quote!(const #count_v: usize),
        ];
        let signature = self.signature_with_generics(name, false, output, extra, generics);
        let sibling = self.sibling(
            &doc,
            &signature,
            quote! {
                #prelude
                #body
            },
        );
        quote! {
            #[allow(clippy::too_many_arguments, clippy::type_complexity)]
            #sibling
        }
    }

    /// The call of a sibling with the primal's arguments followed by
    /// `tangents` (`Self::` for a method).
    fn call_sibling(&self, name: &syn::Ident, tangents: &[TokenStream]) -> TokenStream {
        let arguments = self.params.iter().map(|param| {
            let ident = &param.ident;
            if param.is_ref {
                quote!(#ident)
            } else {
                quote!(::core::clone::Clone::clone(&#ident))
            }
        });
        let path = if self.function.sig.receiver().is_some() {
            quote!(Self::#name)
        } else {
            quote!(#name)
        };
        quote!(#path(#(#arguments,)* #(#tangents),*))
    }

    /// The differentiated parameter (the checks made sure there is one).
    fn only_wrt(&self) -> (TokenStream, syn::Type) {
        let param = &self.params[self.wrt[0]];
        let ident = &param.ident;
        let reference = if param.is_ref {
            quote!(#ident)
        } else {
            quote!(&#ident)
        };
        (reference, param.value_type())
    }

    /// `NAME_jacobian`: `NAME_jvp` along each unit vector.
    fn jacobian(&self) -> TokenStream {
        let krate = &self.emitter.krate;
        let (ret, primal) = (self.ret, &self.function.sig.ident);
        let direction = &self.emitter.names.directions[0];
        let tangents: Vec<TokenStream> = (0..self.params.len())
            .map(|index| {
                if self.wrt.contains(&index) {
                    direction.to_token_stream()
                } else {
                    quote!(#krate::__private::NoTangent)
                }
            })
            .collect();
        let call = self.call_sibling(&format_ident!("{}_jvp", primal), &tangents);
        let (reference, value_type) = self.only_wrt();
        let output = quote!((#ret, <#ret as #krate::__private::JacobianOf<#value_type>>::Matrix));
        let signature = self.signature_with(
            format_ident!("{}_jacobian", primal),
            false,
            output,
            Vec::new(),
        );
        let doc = format!(
            " The value of `{primal}` and its Jacobian with respect to {} (one `{primal}_jvp` per column). Generated by `#[differentiable(jacobian)]`.",
            self.wrt_names()
        );
        self.sibling(
            &doc,
            &signature,
            quote!(#krate::__private::jacobian(#reference, |#direction| #call)),
        )
    }

    /// `NAME_hessian`: one `NAME_jvp2` along the unit vectors, as `u` and
    /// as `v`.
    fn hessian(&self) -> TokenStream {
        let krate = &self.emitter.krate;
        let (ret, primal) = (self.ret, &self.function.sig.ident);
        let [units, _, _] = &self.emitter.names.directions;
        let call = self.call_sibling(
            &format_ident!("{}_jvp2", primal),
            &self.hyper_tangents(&quote!(&#units), &quote!(&#units)),
        );
        let (reference, value_type) = self.only_wrt();
        let output =
            quote!((#ret, #value_type, <#value_type as #krate::__private::SecondOrder>::Matrix));
        let signature = self.signature_with(
            format_ident!("{}_hessian", primal),
            false,
            output,
            Vec::new(),
        );
        let doc = format!(
            " The value of `{primal}`, its gradient and its Hessian with respect to {} (exact: second-order forward mode, one `{primal}_jvp2` along all the coordinates at once). Generated by `#[differentiable(hessian)]`.",
            self.wrt_names()
        );
        self.sibling(
            &doc,
            &signature,
            quote! {
                let #units = #krate::__private::units(#reference);
                #krate::__private::hessian::<#value_type, #ret>(#call)
            },
        )
    }

    /// `NAME_hvp`: one `NAME_jvp2` along the unit vectors (`u`) and `v`.
    fn hvp(&self) -> TokenStream {
        let krate = &self.emitter.krate;
        let (ret, primal) = (self.ret, &self.function.sig.ident);
        let [units, _, direction] = &self.emitter.names.directions;
        let call = self.call_sibling(
            &format_ident!("{}_jvp2", primal),
            &self.hyper_tangents(
                &quote!(&#units),
                &quote!(::core::array::from_ref(#direction)),
            ),
        );
        let (reference, value_type) = self.only_wrt();
        let output = quote!((#ret, #value_type, #value_type));
        let signature = self.signature_with(
            format_ident!("{}_hvp", primal),
            false,
            output,
            vec![syn::parse_quote!(#direction: &#value_type)],
        );
        let doc = format!(
            " The value of `{primal}`, its gradient with respect to {} and the Hessian-vector product `∇²f·{direction}` (exact: one `{primal}_jvp2` along all the coordinates and `{direction}`). Generated by `#[differentiable(hessian)]`.",
            self.wrt_names()
        );
        self.sibling(
            &doc,
            &signature,
            quote! {
                let #units = #krate::__private::units(#reference);
                #krate::__private::hvp::<#value_type, #ret>(#call)
            },
        )
    }

    /// The tangents `_hessian` and `_hvp` pass to `_jvp2`: `Hyper { u, v }`
    /// for the differentiated parameter, `NoTangent` for the others.
    fn hyper_tangents(&self, u: &TokenStream, v: &TokenStream) -> Vec<TokenStream> {
        let krate = &self.emitter.krate;
        (0..self.params.len())
            .map(|index| {
                if self.wrt.contains(&index) {
                    quote!(#krate::__private::Hyper { u: #u, v: #v, uv: ::core::option::Option::None })
                } else {
                    quote!(#krate::__private::NoTangent)
                }
            })
            .collect()
    }
}
