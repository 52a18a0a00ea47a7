//! `#[differentiable]`: the pipeline from the user's function to the primal
//! and its `_grad` and `_vjp` siblings.

use crate::activity::Activity;
use crate::build::{Builder, Param};
use crate::ctxt::Ctxt;
use crate::ir::Op;
use crate::loops::Loops;
use crate::plan::Contribution;
use crate::render::Emitter;
use crate::reverse::{AdjointState, ReverseSweep, accumulated};
use crate::{attr, check, desugar, exits};
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use std::collections::BTreeSet;
use syn::visit_mut::VisitMut;

/// Expands `#[differentiable(attr)] item`.
pub(crate) fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = attr::parse(&cx, attr);
    let mut function: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let target = syn::parse2::<syn::Item>(item.clone())
                .map_or_else(|_| item.clone(), |item| item_head(&item));
            cx.error_spanned_by(
                target,
                "`#[differentiable]` applies to a function with a body (`fn f(x: f64) -> f64 { ... }`), free or in an `impl` block",
            );
            let errors = cx
                .check()
                .expect_err("an error was recorded")
                .into_compile_error();
            return quote!(#item #errors);
        }
    };

    import_real_methods(&mut function, &args.krate);
    let params = check::signature(&cx, &function.sig);
    let wrt = check::wrt(&cx, &function.sig, &params, args.wrt.as_deref());
    let wrt_names: Vec<String> = wrt
        .iter()
        .map(|index| params[*index].ident.to_string())
        .collect();
    let body = desugar::rewrite(&cx, &function.block, &wrt_names, &args.krate);
    let scalar_return = match &function.sig.output {
        syn::ReturnType::Type(_, ty) if is_scalar_type(ty, &function.sig.generics) => Some(&**ty),
        _ => None,
    };
    let body = exits::rewrite(&body, scalar_return, &args.krate);
    check::body(&cx, &body);
    let return_type = match &function.sig.output {
        syn::ReturnType::Type(_, ty) => Some((**ty).clone()),
        syn::ReturnType::Default => None,
    };
    let scalar_result = return_type
        .as_ref()
        .is_some_and(|ty| is_scalar_type(ty, &function.sig.generics));
    if let (true, false, Some(ty)) = (args.require_grad, scalar_result, &return_type) {
        cx.error_spanned_by(
            ty,
            format!(
                "`{}_grad` needs a scalar result (`f32`, `f64` or a scalar type parameter); for this result use `{}_vjp` with a cotangent",
                function.sig.ident, function.sig.ident
            ),
        );
    }

    let Some(ret) = return_type else {
        // Without a result there is nothing to differentiate, and nothing
        // to stand in for.
        let errors = cx
            .check()
            .expect_err("a missing return type was reported")
            .into_compile_error();
        return quote!(#function #errors);
    };
    let ir = Builder::build(&cx, &params, &body);
    if let Err(message) = ir.verify() {
        cx.error_spanned_by(
            &function.sig.ident,
            format!("internal error in `#[differentiable]` (please report): {message}"),
        );
    }
    let activity = Activity::analyse(&cx, &ir, &wrt);
    let loops = Loops::analyse(&ir, &activity);

    crate::forward_siblings::check(
        &cx,
        &args,
        &crate::forward_siblings::Checked {
            function: &function,
            ir: &ir,
            activity: &activity,
            wrt: &wrt,
            ret: &ret,
            scalar_result,
        },
    );

    let krate = args.krate.to_token_stream();
    if let Err(error) = cx.check() {
        let errors = error.into_compile_error();
        let stubs = stubs(&function, &params, &wrt, &ret, scalar_result, &krate);
        return quote!(#function #errors #stubs);
    }
    let snapshots = args.snapshots.as_ref().map(|count| quote!({ #count }));
    let mut emitter = Emitter::new(&ir, &activity, &params, krate.clone());
    if let Some(count) = &snapshots {
        emitter.snapshots = count.clone();
    }
    let generated = Generated {
        function: &function,
        loops: &loops,
        params: &params,
        wrt: &wrt,
        ret: &ret,
        emitter: &emitter,
    };
    let grad = scalar_result.then(|| generated.grad());
    let mut emitter = Emitter::new(&ir, &activity, &params, krate);
    emitter.pullback_escapes = true;
    if let Some(count) = snapshots {
        emitter.snapshots = count;
    }
    let generated = Generated {
        emitter: &emitter,
        ..generated
    };
    let vjp = generated.vjp();
    let tangent_emitter = Emitter::new(&ir, &activity, &params, args.krate.to_token_stream());
    let generated = Generated {
        emitter: &tangent_emitter,
        ..generated
    };
    let forward = generated.forward_siblings(&args);
    quote! {
        #function
        #grad
        #vjp
        #forward
    }
}

/// The tokens of an item to underline in an error: its keyword and name.
fn item_head(item: &syn::Item) -> TokenStream {
    match item {
        syn::Item::Struct(item) => {
            let (keyword, name) = (&item.struct_token, &item.ident);
            quote!(#keyword #name)
        }
        _ => item.to_token_stream().into_iter().take(2).collect(),
    }
}

pub(crate) struct Generated<'g, 'a> {
    pub(crate) function: &'g syn::ItemFn,
    loops: &'g Loops,
    pub(crate) params: &'g [Param],
    pub(crate) wrt: &'g [usize],
    pub(crate) ret: &'g syn::Type,
    pub(crate) emitter: &'g Emitter<'a>,
}

impl Generated<'_, '_> {
    /// `NAME_grad`: the value and the gradient, with the adjoint of the result
    /// seeded with 1.
    fn grad(&self) -> TokenStream {
        if self.forward_grad() {
            return self.grad_by_forward_mode();
        }
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let ret = self.ret;
        let result = emitter.function.result.value;
        let mut sweep = ReverseSweep::new(emitter, self.loops);
        let mut state = AdjointState::new(emitter.function.values.len());
        let mut code = Vec::new();
        sweep.contribute(
            result,
            Contribution::Plain(quote!(<#ret as #krate::__private::Real>::ONE)),
            &mut state,
            &mut code,
        );
        sweep.block(&emitter.function.body, &mut state, &mut code);
        let mut mutable = BTreeSet::new();
        accumulated(&code, &mut mutable);
        let reverse = emitter.reverse(&code, &mutable);
        let forward = emitter.forward(&sweep.plan);
        let value = emitter.result();
        let gradients: Vec<_> = self
            .wrt
            .iter()
            .map(|index| self.gradient(*index, &state))
            .collect();
        let gradient_types: Vec<_> = self
            .wrt
            .iter()
            .map(|index| self.params[*index].value_type())
            .collect();
        let (gradient, gradient_type) = if gradients.len() == 1 {
            (gradients[0].clone(), gradient_types[0].to_token_stream())
        } else {
            (quote!((#(#gradients),*)), quote!((#(#gradient_types),*)))
        };
        let name = format_ident!("{}_grad", self.function.sig.ident);
        let wrt = self.wrt_names();
        let doc = format!(
            " The value of `{}` and its gradient with respect to {wrt}. Generated by `#[differentiable]`.",
            self.function.sig.ident
        );
        let signature = self.signature(name, false, quote!((#ret, #gradient_type)));
        self.sibling(
            &doc,
            &signature,
            quote! {
                #forward
                #reverse
                (#value, #gradient)
            },
        )
    }

    /// Whether `NAME_grad` runs in forward mode: one differentiated
    /// parameter, a scalar (so one forward pass carrying its tangent gives
    /// the whole gradient), and a recurrence of run-time length, which the
    /// reverse sweep would replay from snapshots, recomputing states, while
    /// forward mode needs none. Only when every active operation has a
    /// built-in forward rule (no call linked by name, whose `_jvp` sibling
    /// may not exist).
    fn forward_grad(&self) -> bool {
        let emitter = self.emitter;
        let [index] = self.wrt else {
            return false;
        };
        let scalar = crate::expand::is_scalar_type(
            &self.params[*index].value_type(),
            &self.function.sig.generics,
        );
        let checkpointed = crate::loops::all(&emitter.function.body)
            .into_iter()
            .any(|region| self.loops.facts(region).checkpointed);
        let linked_by_name = emitter
            .function
            .values
            .iter()
            .enumerate()
            .any(|(id, value)| {
                matches!(
                    value.op,
                    crate::ir::Op::Call { .. } | crate::ir::Op::MethodCall { .. }
                ) && emitter
                    .activity
                    .is_active(crate::ir::ValueId::from_index(id))
            });
        scalar && checkpointed && !linked_by_name
    }

    /// `NAME_grad` in forward mode: the function's tangent code with the
    /// parameter's tangent 1 (see [`Self::forward_grad`]).
    fn grad_by_forward_mode(&self) -> TokenStream {
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let ret = self.ret;
        let index = self.wrt[0];
        let param = &self.params[index];
        let ident = &param.ident;
        let value_type = param.value_type();
        let tangent = self.forward_tangent_name(index);
        let reference = if param.is_ref {
            quote!(#ident)
        } else {
            quote!(&#ident)
        };
        let seed = if param.is_ref {
            quote!(let #tangent = &#krate::__private::unit_like(#reference);)
        } else {
            quote!(let #tangent = #krate::__private::unit_like(#reference);)
        };
        let body = crate::tangent::Tangents {
            emitter,
            order: crate::tangent::Order::First,
        }
        .body();
        let name = format_ident!("{}_grad", self.function.sig.ident);
        let wrt = self.wrt_names();
        let doc = format!(
            " The value of `{}` and its derivative with respect to {wrt}, by forward mode (one scalar differentiated through a loop of run-time length: no snapshots, no recomputation). Generated by `#[differentiable]`.",
            self.function.sig.ident
        );
        let signature = self.signature(name, false, quote!((#ret, #value_type)));
        self.sibling(
            &doc,
            &signature,
            quote! {
                #seed
                #body
            },
        )
    }

    /// A generated function: documented, with the primal's `cfg` and lint
    /// attributes, visibility and nested items.
    pub(crate) fn sibling(
        &self,
        doc: &str,
        signature: &TokenStream,
        body: TokenStream,
    ) -> TokenStream {
        let attrs = self.passed_attributes();
        let vis = &self.function.vis;
        let items = &self.emitter.function.items;
        let krate = &self.emitter.krate;
        let calls_float_method_without_rule = self.emitter.function.values.iter().any(|value| {
            matches!(&value.op, Op::MethodCall { method, .. }
                if crate::rules::FLOAT_METHODS_WITHOUT_RULE.contains(&method.to_string().as_str()))
        });
        let fallback = calls_float_method_without_rule
            .then(|| quote!(use #krate::__private::FloatMethodsWithoutRule as _;));
        quote! {
            #[doc = #doc]
            #(#attrs)*
            #[inline]
            #vis #signature {
                #fallback
                #(#items)*
                #body
            }
        }
    }

    /// `NAME_vjp`: the value and a pullback from the result's cotangent to
    /// every argument's.
    fn vjp(&self) -> TokenStream {
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let ret = self.ret;
        let result = emitter.function.result.value;
        let mut sweep = ReverseSweep::new(emitter, self.loops);
        let mut state = AdjointState::new(emitter.function.values.len());
        let mut code = Vec::new();
        let result_active = emitter.activity.is_varied(result);
        if result_active {
            state.initialized[result.index()] = true;
        }
        sweep.block(&emitter.function.body, &mut state, &mut code);
        let mut mutable = BTreeSet::new();
        accumulated(&code, &mut mutable);
        let reverse = emitter.reverse(&code, &mutable);
        let forward = emitter.forward(&sweep.plan);
        let value = emitter.result();
        let adjoint_parameter = if result_active {
            let adjoint = &emitter.names.adjoint[result.index()];
            let mutability = mutable.contains(&result).then(|| quote!(mut));
            quote!(#mutability #adjoint)
        } else {
            quote!(_)
        };
        let cotangents: Vec<_> = (0..self.params.len())
            .map(|index| {
                if self.wrt.contains(&index) {
                    self.gradient(index, &state)
                } else {
                    quote!(#krate::__private::NoTangent)
                }
            })
            .collect();
        let cotangent_types: Vec<_> = (0..self.params.len())
            .map(|index| {
                if self.wrt.contains(&index) {
                    self.params[index].value_type().to_token_stream()
                } else {
                    quote!(#krate::__private::NoTangent)
                }
            })
            .collect();
        let (cotangents, cotangent_types) = (tuple(&cotangents), tuple(&cotangent_types));
        let name = format_ident!("{}_vjp", self.function.sig.ident);
        let captures = self.captures();
        let krate = &emitter.krate;
        let output = quote!((#ret, impl ::core::ops::FnOnce(#ret) -> #cotangent_types #(+ #krate::__private::Captures<&#captures ()>)*));
        let signature = self.signature(name, true, output);
        let doc = format!(
            " The value of `{}` and its pullback: a function from the cotangent of the result to the cotangents of the arguments (differentiated: {}; the others get `NoTangent`). Generated by `#[differentiable]`.",
            self.function.sig.ident,
            self.wrt_names()
        );
        self.sibling(
            &doc,
            &signature,
            quote! {
                #forward
                (#value, move |#adjoint_parameter: #ret| {
                    #reverse
                    #cotangents
                })
            },
        )
    }

    fn gradient(&self, index: usize, state: &AdjointState) -> TokenStream {
        let emitter = self.emitter;
        if state.initialized[index] {
            emitter.names.adjoint[index].to_token_stream()
        } else {
            let krate = &emitter.krate;
            let reference = emitter.reference(crate::ir::ValueId::from_index(index));
            quote!(#krate::__private::Params::zero_like(#reference))
        }
    }

    pub(crate) fn wrt_names(&self) -> String {
        self.wrt
            .iter()
            .map(|index| format!("`{}`", self.params[*index].ident))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `cfg` and lint attributes of the primal apply to the siblings too.
    fn passed_attributes(&self) -> Vec<syn::Attribute> {
        passed_attributes(&self.function.attrs)
    }

    /// The sibling's signature: the primal's parameters (without `mut`),
    /// generics with `T: Real` for scalar type parameters and, for the
    /// `_vjp`, one named lifetime `'vjp` for elided references.
    fn signature(
        &self,
        name: syn::Ident,
        name_lifetimes: bool,
        output: TokenStream,
    ) -> TokenStream {
        self.signature_with(name, name_lifetimes, output, Vec::new())
    }

    /// [`Self::signature`] with `extra` parameters after the primal's.
    pub(crate) fn signature_with(
        &self,
        name: syn::Ident,
        name_lifetimes: bool,
        output: TokenStream,
        extra: Vec<syn::FnArg>,
    ) -> TokenStream {
        self.signature_with_generics(name, name_lifetimes, output, extra, Vec::new())
    }

    /// [`Self::signature_with`], with `generics` after the function's own
    /// generic parameters.
    pub(crate) fn signature_with_generics(
        &self,
        name: syn::Ident,
        name_lifetimes: bool,
        output: TokenStream,
        extra: Vec<syn::FnArg>,
        generics: Vec<syn::GenericParam>,
    ) -> TokenStream {
        let mut sig = self.function.sig.clone();
        sig.ident = name;
        sig.generics.params.extend(generics);
        sig.inputs.extend(extra);
        sig.constness = None;
        for input in &mut sig.inputs {
            if let syn::FnArg::Typed(typed) = input {
                if let syn::Pat::Ident(pat) = &mut *typed.pat {
                    pat.mutability = None;
                }
            }
        }
        if name_lifetimes {
            let mut namer = LifetimeNamer {
                lifetime: vjp_lifetime(),
                used: false,
            };
            for input in &mut sig.inputs {
                namer.visit_fn_arg_mut(input);
            }
            if namer.used {
                sig.generics.params.insert(
                    0,
                    syn::GenericParam::Lifetime(syn::LifetimeParam::new(vjp_lifetime())),
                );
            }
        }
        add_real_bounds(&mut sig.generics, &self.emitter.krate);
        let (generics, where_clause) = (&sig.generics, &sig.generics.where_clause);
        let (ident, inputs) = (&sig.ident, &sig.inputs);
        let (generic_params, _, _) = generics.split_for_impl();
        quote!(fn #ident #generic_params (#inputs) -> #output #where_clause)
    }

    /// The lifetimes the `_vjp`'s pullback captures. Type and const
    /// parameters (the function's and its `impl`'s) are captured in every
    /// edition; lifetimes are named through `Captures<&'a ()>`, which works
    /// in editions 2021 and 2024 alike and, unlike `use<..>`, need not list
    /// the parameters of an enclosing `impl`.
    fn captures(&self) -> Vec<TokenStream> {
        let mut captures = Vec::new();
        let uses_vjp_lifetime = {
            let mut namer = LifetimeNamer {
                lifetime: vjp_lifetime(),
                used: false,
            };
            for input in &mut self.function.sig.inputs.clone() {
                namer.visit_fn_arg_mut(input);
            }
            namer.used
        };
        if uses_vjp_lifetime {
            captures.push(vjp_lifetime().to_token_stream());
        }
        for lifetime in self.function.sig.generics.lifetimes() {
            captures.push(lifetime.lifetime.to_token_stream());
        }
        captures
    }
}

fn tuple(elements: &[TokenStream]) -> TokenStream {
    if elements.len() == 1 {
        let element = &elements[0];
        quote!((#element,))
    } else {
        quote!((#(#elements),*))
    }
}

fn vjp_lifetime() -> syn::Lifetime {
    syn::Lifetime::new("'vjp", Span::call_site())
}

fn passed_attributes(attrs: &[syn::Attribute]) -> Vec<syn::Attribute> {
    const PASSED: &[&str] = &[
        "cfg", "cfg_attr", "allow", "warn", "deny", "expect", "forbid",
    ];
    attrs
        .iter()
        .filter(|attr| PASSED.iter().any(|name| attr.path().is_ident(name)))
        .map(|attr| syn::Attribute {
            // An inner attribute of the body (`{ #![allow(..)] .. }`) is an
            // outer one on a sibling, which has a body of its own.
            style: syn::AttrStyle::Outer,
            ..attr.clone()
        })
        .collect()
}

/// Gives elided reference lifetimes (`&T`, `&self`, `'_`) the name `'vjp`, so
/// that the pullback can capture the references in any edition.
struct LifetimeNamer {
    lifetime: syn::Lifetime,
    used: bool,
}

impl VisitMut for LifetimeNamer {
    fn visit_type_reference_mut(&mut self, reference: &mut syn::TypeReference) {
        if reference.lifetime.is_none() {
            reference.lifetime = Some(self.lifetime.clone());
            self.used = true;
        }
        syn::visit_mut::visit_type_reference_mut(self, reference);
    }

    fn visit_receiver_mut(&mut self, receiver: &mut syn::Receiver) {
        if let Some((_, lifetime @ None)) = &mut receiver.reference {
            *lifetime = Some(self.lifetime.clone());
            self.used = true;
            if let syn::Type::Reference(reference) = &mut *receiver.ty {
                reference.lifetime = Some(self.lifetime.clone());
            }
        }
    }

    fn visit_lifetime_mut(&mut self, lifetime: &mut syn::Lifetime) {
        if lifetime.ident == "_" {
            *lifetime = self.lifetime.clone();
            self.used = true;
        }
    }
}

/// Brings the runtime's `RealMethods` into scope in the body (and so in
/// the siblings, which copy the body's items) when it calls a method of
/// `Real` with method syntax, so that `x.tanh()` on `T: Real` works
/// whatever the user imported. It never changes which method a call
/// means: `f32`/`f64` use their own methods, and a bound's method
/// (`Float::tanh`) comes before a trait in scope.
///
/// Before: `fn f<T: Real>(x: T) -> T { x.tanh() }`
///
/// After: `fn f<T: Real>(x: T) -> T { #[allow(unused_imports)] use ::tapeless::__private::RealMethods as _; x.tanh() }`
fn import_real_methods(function: &mut syn::ItemFn, krate: &impl ToTokens) {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            self.0 |= crate::rules::REAL_METHODS.contains(&call.method.to_string().as_str());
            syn::visit::visit_expr_method_call(self, call);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_block(&mut finder, &function.block);
    if finder.0 {
        function.block.stmts.insert(
            0,
            syn::parse_quote!(#[allow(unused_imports)] use #krate::__private::RealMethods as _;),
        );
    }
}

/// Names of the traits that mark a type parameter as a scalar.
const SCALAR_BOUNDS: &[&str] = &["Float", "RealField", "ComplexField", "FloatCore", "Real"];

fn is_scalar_bound(bound: &syn::TypeParamBound) -> bool {
    matches!(bound, syn::TypeParamBound::Trait(trait_bound)
        if trait_bound.path.segments.last().is_some_and(|s| SCALAR_BOUNDS.contains(&s.ident.to_string().as_str())))
}

/// Adds `T: Real` for every type parameter bounded by a scalar trait,
/// beside that bound (inline or in the `where` clause).
fn add_real_bounds(generics: &mut syn::Generics, krate: &TokenStream) {
    let real: syn::TypeParamBound = syn::parse_quote!(#krate::__private::Real);
    let mut pending = Vec::new();
    for param in generics.type_params_mut() {
        if param.bounds.iter().any(is_scalar_bound) {
            param.bounds.push(real.clone());
        } else {
            pending.push(param.ident.clone());
        }
    }
    if let Some(where_clause) = &mut generics.where_clause {
        for predicate in &mut where_clause.predicates {
            if let syn::WherePredicate::Type(predicate) = predicate {
                let bounded = pending.iter().position(|ident| {
                    matches!(&predicate.bounded_ty, syn::Type::Path(path) if path.path.is_ident(ident))
                });
                if let Some(index) = bounded {
                    if predicate.bounds.iter().any(is_scalar_bound) {
                        predicate.bounds.push(real.clone());
                        pending.remove(index);
                    }
                }
            }
        }
    }
}

/// Whether a return type is a scalar, as far as its syntax tells.
pub(crate) fn is_scalar_type(ty: &syn::Type, generics: &syn::Generics) -> bool {
    match ty {
        syn::Type::Paren(paren) => is_scalar_type(&paren.elem, generics),
        syn::Type::Group(group) => is_scalar_type(&group.elem, generics),
        syn::Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last().expect("a path has a segment");
            if !matches!(last.arguments, syn::PathArguments::None) {
                return false;
            }
            let name = last.ident.to_string();
            if name == "f32"
                || name == "f64"
                || generics
                    .type_params()
                    .any(|param| param.ident == last.ident)
            {
                return true;
            }
            const CONTAINERS: &[&str] = &[
                "Vector",
                "Matrix",
                "RowVector",
                "Point",
                "SVector",
                "SMatrix",
                "DVector",
                "DMatrix",
                "Quaternion",
            ];
            !CONTAINERS.iter().any(|prefix| name.starts_with(prefix))
        }
        syn::Type::Path(_) => true,
        _ => false,
    }
}

/// Stand-ins for the siblings when the function has errors, so that callers
/// do not add "cannot find function" errors to the real ones.
fn stubs(
    function: &syn::ItemFn,
    params: &[Param],
    wrt: &[usize],
    ret: &syn::Type,
    scalar_result: bool,
    krate: &TokenStream,
) -> TokenStream {
    let vis = &function.vis;
    let mut sig = function.sig.clone();
    for input in &mut sig.inputs {
        if let syn::FnArg::Typed(typed) = input {
            if let syn::Pat::Ident(pat) = &mut *typed.pat {
                pat.mutability = None;
            }
        }
    }
    let (generic_params, _, where_clause) = sig.generics.split_for_impl();
    let inputs = &sig.inputs;
    let value_types: Vec<_> = params.iter().map(Param::value_type).collect();
    let wrt_types: Vec<_> = wrt
        .iter()
        .map(|index| value_types[*index].to_token_stream())
        .collect();
    let gradient_type = if wrt_types.len() == 1 {
        wrt_types[0].clone()
    } else {
        quote!((#(#wrt_types),*))
    };
    let cotangent_types: Vec<_> = (0..params.len())
        .map(|index| {
            if wrt.contains(&index) {
                value_types[index].to_token_stream()
            } else {
                quote!(#krate::__private::NoTangent)
            }
        })
        .collect();
    let cotangent_types = tuple(&cotangent_types);
    let grad_name = format_ident!("{}_grad", sig.ident);
    let vjp_name = format_ident!("{}_vjp", sig.ident);
    let grad = scalar_result.then(|| {
        quote! {
            #[allow(unused_variables, clippy::all)]
            #[doc(hidden)]
            #vis fn #grad_name #generic_params (#inputs) -> (#ret, #gradient_type) #where_clause {
                ::core::unimplemented!("`#[differentiable]` reported an error")
            }
        }
    });
    quote! {
        #grad
        #[allow(unused_variables, unreachable_code, clippy::all)]
        #[doc(hidden)]
        #vis fn #vjp_name #generic_params (#inputs) -> (#ret, impl ::core::ops::FnOnce(#ret) -> #cotangent_types) #where_clause {
            (::core::unimplemented!("`#[differentiable]` reported an error"), move |_: #ret| ::core::unimplemented!())
        }
    }
}
