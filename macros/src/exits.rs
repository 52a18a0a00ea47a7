//! Early exits, rewritten before building. Early `return`: a `return` inside `if`
//! branches or `match` arms (at any depth, not inside a loop) becomes the
//! value of its branch, and the statements after the `if` or `match` move
//! into the branches that fall through, so the function is one expression
//! again.
//!
//! Before:
//! ```text
//! let r = y - m * x;
//! if r.abs() > delta {
//!     return delta * (r.abs() - 0.5 * delta);
//! }
//! 0.5 * r * r
//! ```
//! After:
//! ```text
//! let r = y - m * x;
//! if r.abs() > delta {
//!     delta * (r.abs() - 0.5 * delta)
//! } else {
//!     0.5 * r * r
//! }
//! ```
//! A `return` this cannot place (inside a loop or a `let`) is left for
//! [`crate::check`] to report. `continue` and `break` in `for` loops are
//! rewritten the same way, a loop body at a time (see [`Jumps`]).

use quote::ToTokens;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// The exit a rewrite places.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Exit {
    /// `return value` from the function.
    Return,
    /// `continue` from a loop's body.
    Continue,
}

impl Exit {
    /// Whether `expr` is this exit (an unlabeled one, for `continue`).
    fn is(self, expr: &syn::Expr) -> bool {
        match (self, expr) {
            (Exit::Return, syn::Expr::Return(_)) => true,
            (Exit::Continue, syn::Expr::Continue(exit)) => exit.label.is_none(),
            _ => false,
        }
    }
}

/// The function body with its `while` and `loop` loops as `for` loops, its
/// early returns, and its loops' `continue` and `break`, rewritten
/// (unchanged where there are none that can be).
///
/// `scalar_result` is the function's result type when it is a scalar: a
/// `return` inside a loop then stores its value and leaves the loops (see
/// [`ReturnsInLoops`]).
pub(crate) fn rewrite(
    body: &syn::Block,
    scalar_result: Option<&syn::Type>,
    krate: &syn::Path,
) -> syn::Block {
    let mut body = body.clone();
    let mut taken = Vec::new();
    crate::build::collect_idents(body.to_token_stream(), &mut taken);
    LoopsToFor.visit_block_mut(&mut body);
    if let Some(ty) = scalar_result {
        ReturnsInLoops {
            taken: &mut taken,
            ty,
            krate,
        }
        .visit_block_mut(&mut body);
    }
    Jumps { taken }.visit_block_mut(&mut body);
    rewrite_returns(&body)
}

/// A name like `wanted` that is not in `taken` (which then holds it).
fn fresh(taken: &mut Vec<proc_macro2::Ident>, wanted: &str) -> proc_macro2::Ident {
    let mut name = wanted.to_owned();
    let mut suffix = 1;
    while taken.iter().any(|ident| *ident == name) {
        name = format!("{wanted}_{suffix}");
        suffix += 1;
    }
    let ident = proc_macro2::Ident::new(&name, proc_macro2::Span::call_site());
    taken.push(ident.clone());
    ident
}

/// Whether `block` holds a `return` (in nested loops too, not in closures).
fn has_return(block: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder(false);
    finder.visit_block(block);
    finder.0
}

/// A `return` inside a loop: the value is stored, a flag set and the loop
/// left (`break`, which [`Jumps`] then rewrites); after each enclosing loop
/// the flag leaves that loop too, and after the outermost one the stored
/// value is returned, an early return outside loops like any other:
///
/// ```text
/// for t in data {                     let mut returned = false;
///     if *t > limit {                 let mut returned_value: f64 = 0.0;
///         return x * t;               for t in data {
///     }                                   if *t > limit {
///     total += x * t;                         returned_value = x * t;
/// }                                           returned = true;
/// total                                       break;
///                                         }
///                                         total += x * t;
///                                     }
///                                     if returned { return returned_value; }
///                                     total
/// ```
struct ReturnsInLoops<'r> {
    taken: &'r mut Vec<proc_macro2::Ident>,
    ty: &'r syn::Type,
    krate: &'r syn::Path,
}

impl VisitMut for ReturnsInLoops<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let mut stmts = Vec::with_capacity(block.stmts.len());
        for mut stmt in std::mem::take(&mut block.stmts) {
            let loop_with_return = matches!(
                &stmt,
                syn::Stmt::Expr(syn::Expr::ForLoop(expr_for), _)
                    if expr_for.label.is_none() && has_return(&expr_for.body)
            );
            if !loop_with_return {
                self.visit_stmt_mut(&mut stmt);
                stmts.push(stmt);
                continue;
            }
            let returned = fresh(self.taken, "returned");
            let value = fresh(self.taken, "returned_value");
            let (ty, krate) = (self.ty, self.krate);
            stmts.push(syn::parse_quote!(let mut #returned = false;));
            stmts.push(syn::parse_quote!(
                let mut #value: #ty = <#ty as #krate::__private::Real>::ZERO;
            ));
            LeaveLoops {
                returned: &returned,
                value: &value,
            }
            .visit_stmt_mut(&mut stmt);
            stmts.push(stmt);
            stmts.push(syn::parse_quote!(if #returned { return #value; }));
        }
        block.stmts = stmts;
    }

    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Inside a loop: `return v;` becomes `value = v; returned = true; break;`,
/// and a nested loop holding one is followed by `if returned { break; }`.
struct LeaveLoops<'l> {
    returned: &'l proc_macro2::Ident,
    value: &'l proc_macro2::Ident,
}

impl LeaveLoops<'_> {
    fn leave(&self, ret: &syn::ExprReturn) -> Vec<syn::Stmt> {
        let (returned, value) = (self.returned, self.value);
        let result: syn::Expr = match &ret.expr {
            Some(result) => (**result).clone(),
            None => syn::parse_quote!(()),
        };
        vec![
            syn::parse_quote!(#value = #result;),
            syn::parse_quote!(#returned = true;),
            syn::parse_quote!(break;),
        ]
    }
}

impl VisitMut for LeaveLoops<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let mut stmts = Vec::with_capacity(block.stmts.len());
        for mut stmt in std::mem::take(&mut block.stmts) {
            match &stmt {
                syn::Stmt::Expr(syn::Expr::Return(ret), _) => {
                    stmts.extend(self.leave(ret));
                    // What follows is unreachable.
                    break;
                }
                syn::Stmt::Expr(syn::Expr::ForLoop(expr_for), _) if has_return(&expr_for.body) => {
                    self.visit_stmt_mut(&mut stmt);
                    stmts.push(stmt);
                    let returned = self.returned;
                    stmts.push(syn::parse_quote!(if #returned { break; }));
                }
                _ => {
                    self.visit_stmt_mut(&mut stmt);
                    stmts.push(stmt);
                }
            }
        }
        block.stmts = stmts;
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        // A `return` as an expression (a `match` arm's body).
        if let syn::Expr::Return(ret) = expr {
            let stmts = self.leave(ret);
            *expr = syn::parse_quote!({ #(#stmts)* });
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `while c { body }` becomes `for _ in 0_usize.. { if c { body } else { break; } }`,
/// `while let p = e { body }` becomes
/// `for _ in 0_usize.. { if let p = e { body } else { break; } }` and
/// `loop { body }` becomes `for _ in 0_usize.. { body }`: a `for` loop over
/// an unbounded range that its `break` ends (labeled loops stay as they are,
/// for [`crate::check`] to report).
struct LoopsToFor;

impl VisitMut for LoopsToFor {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        let replacement: syn::Expr = match expr {
            syn::Expr::While(expr_while) if expr_while.label.is_none() => {
                let span = expr_while.while_token.span;
                let body = &expr_while.body;
                match &*expr_while.cond {
                    syn::Expr::Let(expr_let) => {
                        let (pat, scrutinee) = (&expr_let.pat, &expr_let.expr);
                        syn::parse_quote_spanned!(span=> for _ in 0_usize.. {
                            if let #pat = #scrutinee #body else { break; }
                        })
                    }
                    cond => syn::parse_quote_spanned!(span=> for _ in 0_usize.. {
                        if #cond #body else { break; }
                    }),
                }
            }
            syn::Expr::Loop(expr_loop) if expr_loop.label.is_none() => {
                let span = expr_loop.loop_token.span;
                let body = &expr_loop.body;
                syn::parse_quote_spanned!(span=> for _ in 0_usize.. #body)
            }
            _ => return,
        };
        *expr = replacement;
    }

    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The function body with its early returns rewritten.
fn rewrite_returns(body: &syn::Block) -> syn::Block {
    let mut stmts = body.stmts.clone();
    // A `return` ending the function is its tail.
    if let Some(syn::Stmt::Expr(syn::Expr::Return(ret), _)) = stmts.last() {
        if let Some(expr) = &ret.expr {
            let tail = (**expr).clone();
            stmts.pop();
            stmts.push(syn::Stmt::Expr(tail, None));
        }
    }
    syn::Block {
        brace_token: body.brace_token,
        stmts: rewrite_stmts(stmts, Exit::Return),
    }
}

/// Rewrites a statement list whose last statement (if any) is its tail.
fn rewrite_stmts(stmts: Vec<syn::Stmt>, exit: Exit) -> Vec<syn::Stmt> {
    let Some(position) = stmts.iter().position(|stmt| exits_here(stmt, exit)) else {
        return stmts;
    };
    let mut stmts = stmts;
    let rest = stmts.split_off(position + 1);
    let stmt = stmts.pop().expect("the statement at `position`");
    let expr = match stmt {
        syn::Stmt::Expr(expr, _) => expr,
        other => {
            // Not a form `exits_here` accepts.
            stmts.push(other);
            stmts.extend(rest);
            return stmts;
        }
    };
    match expr {
        syn::Expr::Return(ret) => {
            // What follows is unreachable.
            let value = ret
                .expr
                .map_or_else(|| syn::parse_quote!(()), |value| *value);
            stmts.push(syn::Stmt::Expr(value, None));
        }
        syn::Expr::Continue(_) => {
            // The iteration ends here: what follows is unreachable.
        }
        syn::Expr::If(expr_if) => {
            let rewritten = rewrite_if(expr_if, &rest, exit);
            stmts.push(syn::Stmt::Expr(syn::Expr::If(rewritten), None));
        }
        syn::Expr::Match(mut expr_match) => {
            for arm in &mut expr_match.arms {
                let block = match &*arm.body {
                    syn::Expr::Block(block) if block.label.is_none() => block.block.clone(),
                    // Not parsed: an arm may hold what no block parses (`let z = x`).
                    body => syn::Block {
                        brace_token: syn::token::Brace::default(),
                        stmts: vec![syn::Stmt::Expr(body.clone(), None)],
                    },
                };
                *arm.body = syn::Expr::Block(syn::ExprBlock {
                    attrs: Vec::new(),
                    label: None,
                    block: continued(block, &rest, exit),
                });
            }
            stmts.push(syn::Stmt::Expr(syn::Expr::Match(expr_match), None));
        }
        _ => unreachable!("`exits_here` accepts exits, ifs and matches"),
    }
    stmts
}

/// `if c { then } else { otherwise }` followed by `rest`: each branch
/// continues with `rest` unless it returns.
fn rewrite_if(expr_if: syn::ExprIf, rest: &[syn::Stmt], exit: Exit) -> syn::ExprIf {
    let then_branch = continued(expr_if.then_branch, rest, exit);
    let else_branch = match expr_if.else_branch {
        Some((else_token, otherwise)) => {
            let otherwise = match *otherwise {
                syn::Expr::If(nested) => syn::Expr::If(rewrite_if(nested, rest, exit)),
                syn::Expr::Block(block) => syn::Expr::Block(syn::ExprBlock {
                    block: continued(block.block, rest, exit),
                    ..block
                }),
                other => other,
            };
            (else_token, Box::new(otherwise))
        }
        None => {
            let block = continued(
                syn::Block {
                    brace_token: syn::token::Brace::default(),
                    stmts: Vec::new(),
                },
                rest,
                exit,
            );
            (
                syn::token::Else::default(),
                Box::new(syn::Expr::Block(syn::ExprBlock {
                    attrs: Vec::new(),
                    label: None,
                    block,
                })),
            )
        }
    };
    syn::ExprIf {
        then_branch,
        else_branch: Some(else_branch),
        ..expr_if
    }
}

/// A branch followed by `rest`, rewritten: its statements (a tail without
/// a semicolon is a statement here, its value unused), then `rest`.
fn continued(block: syn::Block, rest: &[syn::Stmt], exit: Exit) -> syn::Block {
    let mut stmts = block.stmts;
    // Followed by statements, the branch's tail is a statement (its value
    // is `()`); at the end of the function it is the function's value.
    if !rest.is_empty() {
        if let Some(syn::Stmt::Expr(expr, semi @ None)) = stmts.last_mut() {
            if !exit.is(expr) {
                *semi = Some(syn::token::Semi::default());
            }
        }
    }
    // Statements after the exit are unreachable: the branch ends there.
    let exits_at = stmts
        .iter()
        .position(|stmt| matches!(stmt, syn::Stmt::Expr(expr, _) if exit.is(expr)));
    if exits_at.is_none() {
        stmts.extend(rest.iter().cloned());
    }
    syn::Block {
        brace_token: block.brace_token,
        stmts: rewrite_stmts(stmts, exit),
    }
}

/// Whether `stmt` is the exit, or an `if` or `match` statement with the exit
/// in its branches (outside loops, closures and items) that this rewrite
/// places.
fn exits_here(stmt: &syn::Stmt, exit: Exit) -> bool {
    match stmt {
        syn::Stmt::Expr(expr, _) if exit.is(expr) => true,
        syn::Stmt::Expr(syn::Expr::If(expr_if), _) => if_exits(expr_if, exit),
        syn::Stmt::Expr(syn::Expr::Match(expr_match), _) => {
            expr_match.arms.iter().any(|arm| match &*arm.body {
                syn::Expr::Block(block) => block_exits(&block.block, exit),
                body => exit.is(body),
            })
        }
        _ => false,
    }
}

fn if_exits(expr_if: &syn::ExprIf, exit: Exit) -> bool {
    block_exits(&expr_if.then_branch, exit)
        || expr_if
            .else_branch
            .as_ref()
            .is_some_and(|(_, otherwise)| match &**otherwise {
                syn::Expr::If(nested) => if_exits(nested, exit),
                syn::Expr::Block(block) => block_exits(&block.block, exit),
                _ => false,
            })
}

/// Whether a branch has an exit this rewrite places: as one of its
/// statements, or in an `if` or `match` among them.
fn block_exits(block: &syn::Block, exit: Exit) -> bool {
    block.stmts.iter().any(|stmt| exits_here(stmt, exit))
}

/// Rewrites the `continue`s and `break`s of `for` loops (innermost first):
/// `continue` ends its branch, the rest of the body moving into the branches
/// that fall through (as `return` does for the function); `break` sets a
/// flag, declared before the loop, under which the rest of the iterations
/// do nothing:
///
/// ```text
/// for t in data.iter() {          let mut broken = false;
///     if *t < 0.0 { break; }      for t in data.iter() {
///     total += x * t;                 if !broken {
/// }                                       if *t < 0.0 { broken = true; } else { total += x * t; }
///                                     }
///                                 }
/// ```
struct Jumps {
    /// Every name in the function, so that a flag clashes with none.
    taken: Vec<proc_macro2::Ident>,
}

impl Jumps {
    fn fresh_flag(&mut self) -> proc_macro2::Ident {
        fresh(&mut self.taken, "broken")
    }
}

impl VisitMut for Jumps {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        // Inner loops first.
        syn::visit_mut::visit_block_mut(self, block);
        let mut stmts = Vec::with_capacity(block.stmts.len());
        for stmt in std::mem::take(&mut block.stmts) {
            match stmt {
                syn::Stmt::Expr(syn::Expr::ForLoop(mut expr_for), semi)
                    if expr_for.label.is_none() && has_own(&expr_for.body, Jump::Break) =>
                {
                    let flag = self.fresh_flag();
                    stmts.push(syn::parse_quote!(let mut #flag = false;));
                    BreakToFlag { flag: &flag }.visit_block_mut(&mut expr_for.body);
                    let body = syn::Block {
                        brace_token: expr_for.body.brace_token,
                        stmts: rewrite_stmts(expr_for.body.stmts.clone(), Exit::Continue),
                    };
                    // The check first ends the loop for real (see
                    // `ForRegion::exit`); the guard keeps the iterations a
                    // replay with a known trip count runs to the end inert.
                    expr_for.body = syn::parse_quote!({ if #flag { break; } if !#flag #body });
                    stmts.push(syn::Stmt::Expr(syn::Expr::ForLoop(expr_for), semi));
                }
                other => stmts.push(other),
            }
        }
        block.stmts = stmts;
    }

    fn visit_expr_for_loop_mut(&mut self, expr_for: &mut syn::ExprForLoop) {
        syn::visit_mut::visit_expr_for_loop_mut(self, expr_for);
        if expr_for.label.is_none()
            && has_own(&expr_for.body, Jump::Continue)
            && !has_own(&expr_for.body, Jump::Break)
        {
            let stmts = rewrite_stmts(expr_for.body.stmts.clone(), Exit::Continue);
            expr_for.body.stmts = stmts;
        }
    }

    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The flag of a body that starts with `if flag { break; }`, which only the
/// exit rewrite writes (it replaces every `break` of the user's).
pub(crate) fn exit_flag(body: &syn::Block) -> Option<&syn::Ident> {
    let Some(syn::Stmt::Expr(syn::Expr::If(expr_if), _)) = body.stmts.first() else {
        return None;
    };
    let syn::Expr::Path(path) = &*expr_if.cond else {
        return None;
    };
    let flag = crate::build::single_ident(path)?;
    let is_break = matches!(
        expr_if.then_branch.stmts.as_slice(),
        [syn::Stmt::Expr(syn::Expr::Break(exit), _)] if exit.label.is_none() && exit.expr.is_none()
    );
    (is_break && expr_if.else_branch.is_none()).then_some(flag)
}

/// `break` and `continue`, unlabeled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Jump {
    Break,
    Continue,
}

/// Whether a loop body has a `jump` of its own (not of a nested loop).
fn has_own(body: &syn::Block, jump: Jump) -> bool {
    struct Finder {
        jump: Jump,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_break(&mut self, expr: &'ast syn::ExprBreak) {
            self.found |= self.jump == Jump::Break && expr.label.is_none();
        }
        fn visit_expr_continue(&mut self, expr: &'ast syn::ExprContinue) {
            self.found |= self.jump == Jump::Continue && expr.label.is_none();
        }
        fn visit_expr_for_loop(&mut self, expr: &'ast syn::ExprForLoop) {
            self.visit_expr(&expr.expr);
        }
        fn visit_expr_while(&mut self, expr: &'ast syn::ExprWhile) {
            self.visit_expr(&expr.cond);
        }
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder { jump, found: false };
    finder.visit_block(body);
    finder.found
}

/// Replaces a loop's own unlabeled `break`s by `flag = true; continue;`.
struct BreakToFlag<'f> {
    flag: &'f proc_macro2::Ident,
}

impl VisitMut for BreakToFlag<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let mut stmts = Vec::with_capacity(block.stmts.len() + 1);
        for mut stmt in std::mem::take(&mut block.stmts) {
            match &stmt {
                syn::Stmt::Expr(syn::Expr::Break(exit), _) if exit.label.is_none() => {
                    let flag = self.flag;
                    stmts.push(syn::parse_quote!(#flag = true;));
                    stmts.push(syn::parse_quote!(continue;));
                }
                _ => {
                    self.visit_stmt_mut(&mut stmt);
                    stmts.push(stmt);
                }
            }
        }
        block.stmts = stmts;
    }

    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        if matches!(&*arm.body, syn::Expr::Break(exit) if exit.label.is_none()) {
            let flag = self.flag;
            *arm.body = syn::parse_quote!({ #flag = true; continue; });
            return;
        }
        syn::visit_mut::visit_arm_mut(self, arm);
    }

    fn visit_expr_for_loop_mut(&mut self, expr: &mut syn::ExprForLoop) {
        self.visit_expr_mut(&mut expr.expr);
    }

    fn visit_expr_while_mut(&mut self, expr: &mut syn::ExprWhile) {
        self.visit_expr_mut(&mut expr.cond);
    }

    fn visit_expr_loop_mut(&mut self, _: &mut syn::ExprLoop) {}

    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
