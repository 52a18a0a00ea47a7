//! `#[derive(Params)]`: makes a struct of parameter sets a parameter set.
//!
//! Before:
//!
//! ```text
//! #[derive(Clone, Params)]
//! struct Mlp<T: Real> { l1: Linear<3, 10, T>, act: Relu, l2: Linear<10, 1, T> }
//! ```
//!
//! After (abridged; `P` is `::tapeless::__private`, `S` the scalar
//! `<Linear<3, 10, T> as P::Params>::Scalar`):
//!
//! ```text
//! impl<T: Real> P::Params for Mlp<T>
//! where Linear<3, 10, T>: P::Params, Relu: P::ParamsOf<S>, Linear<10, 1, T>: P::ParamsOf<S>
//! {
//!     type Scalar = S;
//!     const SLICES: usize = 0 + <Linear<3, 10, T> as P::ParamsOf<S>>::SLICES_OF + ...;
//!     fn zeros() -> Self { Self { l1: P::ParamsOf::<S>::zeros_of(), ... } }
//!     fn slice(&self, index: usize) -> &[S] {
//!         let mut start = 0;
//!         if index < start + SLICES_OF(l1) { return self.l1.slice_of(index - start); }
//!         start += SLICES_OF(l1);
//!         ...
//!         panic!(...)
//!     }
//!     fn slice_mut(...) // the same, mutably
//! }
//! // and, unless `#[params(no_ops)]`: Add, Sub, AddAssign, SubAssign, Neg and
//! // Mul<S> through the `Params` methods.
//! ```
//!
//! Attributes on the struct: `#[params(crate = path)]` names the crate root
//! that re-exports the runtime (default `::tapeless`; the runtime itself
//! writes `crate`), as `#[differentiable(crate = path)]` does; the derived
//! code names `path::__private::...`. `#[params(scalar = Type)]` fixes the
//! scalar type (otherwise the first field's), `#[params(no_ops)]` leaves out
//! the operator impls.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Fields, Index, Item, ItemStruct, Member, Path, Type, parse_quote};

/// Expands `#[derive(Params)]` on `item`.
pub(crate) fn expand(item: TokenStream) -> TokenStream {
    match syn::parse2::<Item>(item).and_then(|item| expand_item(&item)) {
        Ok(tokens) => tokens,
        Err(error) => error.into_compile_error(),
    }
}

/// The struct attributes `#[params(...)]`.
struct Options {
    /// The path of the runtime's items: the crate root's `__private`.
    krate: Path,
    scalar: Option<Type>,
    ops: bool,
}

fn parse_options(input: &ItemStruct) -> syn::Result<Options> {
    let mut options = Options {
        krate: parse_quote!(::tapeless),
        scalar: None,
        ops: true,
    };
    for attr in input
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("params"))
    {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                options.krate = meta.value()?.parse()?;
                Ok(())
            } else if meta.path.is_ident("scalar") {
                options.scalar = Some(meta.value()?.parse()?);
                Ok(())
            } else if meta.path.is_ident("no_ops") {
                options.ops = false;
                Ok(())
            } else {
                Err(meta.error(
                    "unknown `params` option: expected `crate = path`, `scalar = Type` or `no_ops`",
                ))
            }
        })?;
    }
    options.krate.segments.push(parse_quote!(__private));
    Ok(options)
}

fn expand_item(item: &Item) -> syn::Result<TokenStream> {
    match item {
        Item::Struct(input) => expand_struct(input),
        Item::Enum(data) => Err(syn::Error::new_spanned(
            data.enum_token,
            "`#[derive(Params)]` needs a struct: a parameter set has the same scalars in every value, which an enum cannot promise",
        )),
        Item::Union(data) => Err(syn::Error::new_spanned(
            data.union_token,
            "`#[derive(Params)]` needs a struct, not a union",
        )),
        other => Err(syn::Error::new_spanned(
            other,
            "`#[derive(Params)]` needs a struct",
        )),
    }
}

fn expand_struct(input: &ItemStruct) -> syn::Result<TokenStream> {
    let options = parse_options(input)?;
    let fields = &input.fields;
    for field in fields {
        if let Some(attr) = field
            .attrs
            .iter()
            .find(|attr| attr.path().is_ident("params"))
        {
            return Err(syn::Error::new_spanned(
                attr,
                "`#[params(...)]` goes on the struct, not on a field",
            ));
        }
    }
    let members: Vec<Member> = fields
        .iter()
        .enumerate()
        .map(|(position, field)| match &field.ident {
            Some(ident) => Member::Named(ident.clone()),
            None => Member::Unnamed(Index::from(position)),
        })
        .collect();
    let types: Vec<&Type> = fields.iter().map(|field| &field.ty).collect();
    let krate = &options.krate;

    let scalar: Type = match (&options.scalar, types.first()) {
        (Some(scalar), _) => scalar.clone(),
        (None, Some(first)) => parse_quote!(<#first as #krate::Params>::Scalar),
        (None, None) => {
            return Err(syn::Error::new(
                Span::call_site(),
                "`#[derive(Params)]` on a struct without fields needs its scalar type: add `#[params(scalar = f64)]`",
            ));
        }
    };

    let mut generics = input.generics.clone();
    {
        let where_clause = generics.make_where_clause();
        for (position, ty) in types.iter().enumerate() {
            if position == 0 && options.scalar.is_none() {
                where_clause
                    .predicates
                    .push(parse_quote!(#ty: #krate::Params));
            } else {
                where_clause
                    .predicates
                    .push(parse_quote!(#ty: #krate::ParamsOf<#scalar>));
            }
        }
    }
    let name = &input.ident;
    // The check below reports a missing `Clone` once, at the struct's name;
    // the impls assume it through a higher-ranked bound, which rustc checks
    // where the impls are used, not where they are defined, so they add no
    // errors of their own.
    let clone_check = {
        let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
        let needs_clone = format_ident!("__tapeless_needs_clone", span = Span::mixed_site());
        let check = format_ident!("__tapeless_check", span = Span::mixed_site());
        let assertion = quote_spanned!(name.span()=> #needs_clone::<#name #ty_generics>());
        quote! {
            const _: () = {
                #[allow(dead_code)]
                fn #needs_clone<T: ::core::clone::Clone>() {}
                #[allow(dead_code)]
                fn #check #impl_generics () #where_clause {
                    #assertion;
                }
            };
        }
    };
    {
        let (_, ty_generics, _) = input.generics.split_for_impl();
        generics
            .make_where_clause()
            .predicates
            .push(parse_quote!(for<'__tapeless> #name #ty_generics: ::core::clone::Clone));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();

    let slices_of: Vec<TokenStream> = types
        .iter()
        .map(|ty| quote!(<#ty as #krate::ParamsOf<#scalar>>::SLICES_OF))
        .collect();
    let zeros = match fields {
        Fields::Named(_) => {
            quote!(Self { #( #members: <#types as #krate::ParamsOf<#scalar>>::zeros_of(), )* })
        }
        Fields::Unnamed(_) => {
            quote!(Self( #( <#types as #krate::ParamsOf<#scalar>>::zeros_of(), )* ))
        }
        Fields::Unit => quote!(Self),
    };
    let index = format_ident!("__tapeless_index", span = Span::mixed_site());
    let start = format_ident!("__tapeless_start", span = Span::mixed_site());
    let message = format!("slice index {{}} out of range for `{name}` ({{}} slices)");

    let find = |method: TokenStream, borrow: TokenStream| {
        quote! {
            let mut #start = 0_usize;
            #(
                if #index < #start + #slices_of {
                    return <#types as #krate::ParamsOf<#scalar>>::#method(#borrow self.#members, #index - #start);
                }
                #start += #slices_of;
            )*
            ::core::panic!(#message, #index, #start)
        }
    };
    let find_ref = find(quote!(slice_of), quote!(&));
    let find_mut = find(quote!(slice_of_mut), quote!(&mut));

    let params_impl = quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Params for #name #ty_generics #where_clause {
            type Scalar = #scalar;
            const SLICES: usize = 0 #( + #slices_of )*;
            #[inline]
            fn zeros() -> Self {
                #zeros
            }
            #[inline]
            #[allow(unused_mut, unused_variables, unreachable_code)]
            fn slice(&self, #index: usize) -> &[#scalar] {
                #find_ref
            }
            #[inline]
            #[allow(unused_mut, unused_variables, unreachable_code)]
            fn slice_mut(&mut self, #index: usize) -> &mut [#scalar] {
                #find_mut
            }
        }
    };

    let ops = if options.ops {
        let ops = quote!(::core::ops);
        let params = quote!(#krate::Params);
        quote! {
            #[automatically_derived]
            impl #impl_generics #ops::Add for #name #ty_generics #where_clause {
                type Output = Self;
                #[inline]
                fn add(mut self, other: Self) -> Self {
                    #params::accumulate(&mut self, &other);
                    self
                }
            }
            #[automatically_derived]
            impl #impl_generics #ops::Sub for #name #ty_generics #where_clause {
                type Output = Self;
                #[inline]
                fn sub(mut self, other: Self) -> Self {
                    #params::subtract(&mut self, &other);
                    self
                }
            }
            #[automatically_derived]
            impl #impl_generics #ops::AddAssign for #name #ty_generics #where_clause {
                #[inline]
                fn add_assign(&mut self, other: Self) {
                    #params::accumulate(self, &other);
                }
            }
            #[automatically_derived]
            impl #impl_generics #ops::SubAssign for #name #ty_generics #where_clause {
                #[inline]
                fn sub_assign(&mut self, other: Self) {
                    #params::subtract(self, &other);
                }
            }
            #[automatically_derived]
            impl #impl_generics #ops::Neg for #name #ty_generics #where_clause {
                type Output = Self;
                #[inline]
                fn neg(mut self) -> Self {
                    #params::scale(&mut self, -<#scalar as #krate::Real>::ONE);
                    self
                }
            }
            #[automatically_derived]
            impl #impl_generics #ops::Mul<#scalar> for #name #ty_generics #where_clause {
                type Output = Self;
                #[inline]
                fn mul(mut self, alpha: #scalar) -> Self {
                    #params::scale(&mut self, alpha);
                    self
                }
            }
        }
    } else {
        TokenStream::new()
    };

    Ok(quote! {
        #clone_check
        #params_impl
        #ops
    })
}

#[cfg(test)]
mod tests {
    use super::expand;
    use quote::quote;

    fn expand_to_string(item: proc_macro2::TokenStream) -> String {
        expand(item).to_string()
    }

    #[test]
    fn named_struct_sums_slices_of_its_fields() {
        let out = expand_to_string(quote! {
            #[params(crate = crate)]
            struct Model { w: Matrix2<f64>, b: f64 }
        });
        assert!(
            out.contains("impl crate :: __private :: Params for Model"),
            "{out}"
        );
        assert!(
            out.contains(
                "type Scalar = < Matrix2 < f64 > as crate :: __private :: Params > :: Scalar"
            ),
            "{out}"
        );
        assert!(out.contains("impl :: core :: ops :: Mul"), "{out}");
    }

    #[test]
    fn enums_unions_and_field_attributes_are_rejected() {
        let out = expand_to_string(quote!(
            enum E {
                A(f64),
            }
        ));
        assert!(
            out.contains("compile_error") && out.contains("needs a struct"),
            "{out}"
        );
        let out = expand_to_string(quote!(union U { a: f64 }));
        assert!(
            out.contains("compile_error") && out.contains("not a union"),
            "{out}"
        );
        let out = expand_to_string(quote!(
            struct S {
                #[params(crate = x)]
                a: f64,
            }
        ));
        assert!(out.contains("goes on the struct"), "{out}");
        let out = expand_to_string(quote!(
            #[params(bogus)]
            struct S {
                a: f64,
            }
        ));
        assert!(out.contains("unknown `params` option"), "{out}");
    }

    #[test]
    fn empty_struct_needs_a_scalar() {
        let out = expand_to_string(quote!(
            struct Nothing;
        ));
        assert!(out.contains("scalar = f64"), "{out}");
        let out = expand_to_string(quote!(
            #[params(scalar = f32, no_ops)]
            struct Nothing;
        ));
        assert!(out.contains("type Scalar = f32"), "{out}");
        assert!(!out.contains("ops :: Add"), "{out}");
    }
}
