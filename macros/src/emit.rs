//! Rendering the reverse sweep's [`Rev`] tree as Rust statements: the
//! first contribution to an adjoint declares it, later ones add to it.

use crate::ir::{Operand, ValueId};
use crate::plan::{Contribution, How, Rev};
use crate::render::Emitter;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use std::collections::BTreeSet;

impl Emitter<'_> {
    /// Renders reverse-sweep statements; `mutable` lists the adjoints that
    /// are accumulated into.
    pub(crate) fn reverse(&self, code: &[Rev], mutable: &BTreeSet<ValueId>) -> TokenStream {
        let krate = &self.krate;
        let mut tokens = TokenStream::new();
        for rev in code {
            match rev {
                Rev::Code(code) => tokens.extend(code.clone()),
                Rev::Declare(id) => {
                    let adjoint = &self.names.adjoint[id.index()];
                    let mutability = mutable.contains(id).then(|| quote!(mut));
                    tokens.extend(quote!(let #mutability #adjoint;));
                }
                Rev::Contribute {
                    target,
                    how,
                    contribution,
                    name,
                } => {
                    let adjoint = name.as_ref().unwrap_or(&self.names.adjoint[target.index()]);
                    let value = match contribution {
                        Contribution::Plain(c) => c.clone(),
                        Contribution::Negated(c) => quote!(-#c),
                        Contribution::Cotangent(c, span) => {
                            let like = self.reference(*target);
                            quote_spanned!(*span=> #krate::__private::cotangent(#like, #c))
                        }
                        Contribution::Zero(like) => {
                            let reference = self.reference(*like);
                            quote!(#krate::__private::Params::zero_like(#reference))
                        }
                        Contribution::Projected(..) => {
                            let reference = self.reference(*target);
                            quote!(#krate::__private::Params::zero_like(#reference))
                        }
                    };
                    if let Contribution::Projected(place, c, _) = contribution {
                        let accumulate =
                            quote!(#krate::__private::accumulate(&mut #adjoint #place, #c););
                        tokens.extend(match how {
                            How::Let => quote!(let mut #adjoint = #value; #accumulate),
                            How::Assign | How::Reassign => quote!(#adjoint = #value; #accumulate),
                            How::Accumulate => accumulate,
                        });
                        continue;
                    }
                    tokens.extend(match (how, contribution) {
                        (How::Let, _) => {
                            let mutability = mutable.contains(target).then(|| quote!(mut));
                            quote!(let #mutability #adjoint = #value;)
                        }
                        (How::Assign | How::Reassign, _) => quote!(#adjoint = #value;),
                        (How::Accumulate, Contribution::Plain(c)) => quote!(#adjoint += #c;),
                        (How::Accumulate, Contribution::Negated(c)) => quote!(#adjoint -= #c;),
                        (How::Accumulate, Contribution::Cotangent(c, span)) => {
                            quote_spanned!(*span=> #krate::__private::accumulate(&mut #adjoint, #c);)
                        }
                        (How::Accumulate, Contribution::Zero(_) | Contribution::Projected(..)) => {
                            TokenStream::new()
                        }
                    });
                }
                Rev::Loop { head, body } => {
                    let body = self.reverse(body, mutable);
                    tokens.extend(quote!(for #head { #body }));
                }
                Rev::Checkpointed {
                    checkpoints,
                    state,
                    advance,
                    unpack,
                    body,
                } => {
                    let body = self.reverse(body, mutable);
                    tokens.extend(quote! {
                        #checkpoints.reverse(
                            |#state| { #advance },
                            |#state| { #unpack { #body } },
                        );
                    });
                }
                Rev::If {
                    condition,
                    then_branch,
                    else_branch,
                } => {
                    let condition = self.operand(Operand::plain(*condition));
                    let then_branch = self.reverse(then_branch, mutable);
                    let else_branch = self.reverse(else_branch, mutable);
                    tokens.extend(if else_branch.is_empty() {
                        quote!(if #condition { #then_branch })
                    } else {
                        quote!(if #condition { #then_branch } else { #else_branch })
                    });
                }
            }
        }
        tokens
    }
}
