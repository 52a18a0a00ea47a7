//! Control flow: `if` regions with phis for the variables the branches
//! assign, and `for` regions with the variables the body carries.

use super::free::pattern_idents;
use super::{Builder, compound_op, single_ident};
use crate::ir::{Block, Carried, ForRegion, IfRegion, LoopId, Op, Operand, Phi, Stmt};
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::visit::Visit;

impl Builder<'_> {
    /// Lowers a `for` loop: the outer variables its body assigns become
    /// carried values (header, next, out).
    pub(super) fn lower_for(&mut self, expr_for: &syn::ExprForLoop) {
        let span = expr_for.span();
        if let Some(label) = &expr_for.label {
            self.cx.error_spanned_by(
                label,
                "labeled loops are not supported in a differentiable function",
            );
        }
        let iter_uses = self.free_locals(&expr_for.expr);
        let mut carried = Vec::new();
        for name in assigned_names(&expr_for.body) {
            let Some((depth, index)) = self.position(&name) else {
                continue;
            };
            let Some(init) = self.scopes[depth][index].operand else {
                continue;
            };
            let header = self.new_value(Op::LoopHeader, span, Some(name.clone()), None);
            self.scopes[depth][index].operand = Some(Operand::plain(header));
            carried.push((depth, index, init.value, header));
        }
        self.scopes.push(Vec::new());
        let mut bindings = Vec::new();
        for ident in pattern_idents(&expr_for.pat) {
            let id = self.new_value(Op::LoopVar, ident.span(), Some(ident.to_string()), None);
            self.bind(ident.to_string(), Some(Operand::plain(id)), None);
            bindings.push((ident, id));
        }
        // `if broken { break; }`, first in a body whose `break`s the exit
        // rewrite turned into a flag: the loop's exit, not a statement.
        let exit_flag = crate::exits::exit_flag(&expr_for.body);
        let body_block = match exit_flag {
            Some(_) => syn::Block {
                brace_token: expr_for.body.brace_token,
                stmts: expr_for.body.stmts[1..].to_vec(),
            },
            None => expr_for.body.clone(),
        };
        let (body, _) = self.lower_branch(|builder| {
            builder.lower_scoped(&body_block);
            None
        });
        self.scopes.pop();
        let carried: Vec<Carried> = carried
            .into_iter()
            .map(|(depth, index, init, header)| {
                let next = self.scopes[depth][index]
                    .operand
                    .expect("assigned in the body")
                    .value;
                let name = self.scopes[depth][index].name.clone();
                let out = self.new_value(Op::LoopOut, span, Some(name), None);
                self.scopes[depth][index].operand = Some(Operand::plain(out));
                Carried {
                    init,
                    header,
                    next,
                    out,
                }
            })
            .collect();
        let exit = exit_flag.and_then(|flag| {
            let flag = flag.to_string();
            carried
                .iter()
                .map(|carried: &Carried| carried.header)
                .find(|header| self.values[header.index()].name.as_deref() == Some(flag.as_str()))
        });
        let id = LoopId(u32::try_from(self.loops).expect("fewer than 2^32 loops"));
        self.loops += 1;
        self.current.push(Stmt::For(Box::new(ForRegion {
            id,
            pat: (*expr_for.pat).clone(),
            bindings,
            iter: (*expr_for.expr).clone(),
            iter_uses,
            body,
            carried,
            exit,
        })));
    }

    pub(super) fn position(&self, name: &str) -> Option<(usize, usize)> {
        self.scopes
            .iter()
            .enumerate()
            .rev()
            .find_map(|(depth, scope)| {
                scope
                    .iter()
                    .rposition(|binding| binding.name == name)
                    .map(|index| (depth, index))
            })
    }

    /// Lowers an `if` region; returns its value if both branches have one.
    pub(super) fn lower_if(&mut self, expr_if: &syn::ExprIf) -> Option<Operand> {
        let span = expr_if.span();
        if let syn::Expr::Let(expr_let) = &*expr_if.cond {
            return self.lower_if_let(expr_if, expr_let);
        }
        if contains_let(&expr_if.cond) {
            self.cx.error_spanned_by(
                &expr_if.cond,
                "`let` chains are not supported in a differentiable function; nest the `if let`s",
            );
            return None;
        }
        let condition = self.lower(&expr_if.cond).value;
        let entry = self.scopes.clone();

        let (then_block, then_tail) = self.lower_branch(|builder| {
            let tail = builder.lower_scoped(&expr_if.then_branch)?;
            Some(builder.held(tail, span))
        });
        let then_scopes = std::mem::replace(&mut self.scopes, entry.clone());
        let (else_block, else_tail) = match &expr_if.else_branch {
            Some((_, else_expr)) => self.lower_branch(|builder| {
                let tail = match &**else_expr {
                    syn::Expr::If(nested) => builder.lower_if(nested),
                    syn::Expr::Block(block) => builder.lower_scoped(&block.block),
                    other => Some(builder.lower(other)),
                }?;
                Some(builder.held(tail, span))
            }),
            None => (Block::default(), None),
        };
        let else_scopes = std::mem::replace(&mut self.scopes, entry);

        let mut phis = Vec::new();
        for (depth, scope) in then_scopes.iter().enumerate() {
            for (index, then_binding) in scope.iter().enumerate() {
                let else_binding = &else_scopes[depth][index];
                let (Some(then_operand), Some(else_operand)) =
                    (then_binding.operand, else_binding.operand)
                else {
                    continue;
                };
                let entry_operand = self.scopes[depth][index].operand;
                if then_operand == else_operand {
                    self.scopes[depth][index].operand = Some(then_operand);
                    continue;
                }
                if entry_operand == Some(then_operand) && entry_operand == Some(else_operand) {
                    continue;
                }
                let out = self.new_value(Op::Phi, span, Some(then_binding.name.clone()), None);
                phis.push(Phi {
                    out,
                    then_value: then_operand.value,
                    else_value: else_operand.value,
                });
                self.scopes[depth][index].operand = Some(Operand::plain(out));
            }
        }
        let result = match (then_tail, else_tail) {
            (Some(then_operand), Some(else_operand)) => {
                let out = self.new_value(Op::Phi, span, None, None);
                phis.push(Phi {
                    out,
                    then_value: then_operand.value,
                    else_value: else_operand.value,
                });
                Some(Operand::plain(out))
            }
            _ => None,
        };
        self.current.push(Stmt::If(IfRegion {
            condition,
            then_block,
            else_block,
            phis,
        }));
        result
    }

    pub(super) fn lower_branch(
        &mut self,
        lower: impl FnOnce(&mut Self) -> Option<Operand>,
    ) -> (Block, Option<Operand>) {
        let outer = std::mem::take(&mut self.current);
        self.places.push(HashMap::new());
        let tail = lower(self);
        self.places.pop();
        let block = Block {
            stmts: std::mem::replace(&mut self.current, outer),
        };
        (block, tail)
    }
}

/// The local variables a block assigns (`x = ...`, `x += ...`), in order of
/// first assignment.
pub(super) fn assigned_names(block: &syn::Block) -> Vec<String> {
    struct Finder(Vec<String>);
    impl Finder {
        fn note(&mut self, place: &syn::Expr) {
            if let syn::Expr::Path(path) = place {
                if let Some(ident) = single_ident(path) {
                    let name = ident.to_string();
                    if !self.0.contains(&name) {
                        self.0.push(name);
                    }
                }
            }
        }
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
            self.note(&assign.left);
            syn::visit::visit_expr_assign(self, assign);
        }
        fn visit_expr_binary(&mut self, binary: &'ast syn::ExprBinary) {
            if compound_op(&binary.op).is_some() {
                self.note(&binary.left);
            }
            syn::visit::visit_expr_binary(self, binary);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder(Vec::new());
    finder.visit_block(block);
    finder.0
}

/// Whether a condition is a `let` chain (`if let a = x && b`).
fn contains_let(cond: &syn::Expr) -> bool {
    match cond {
        syn::Expr::Let(_) => true,
        syn::Expr::Binary(binary) => contains_let(&binary.left) || contains_let(&binary.right),
        syn::Expr::Paren(paren) => contains_let(&paren.expr),
        _ => false,
    }
}
