//! Early `return`, rewritten before building: a `return` inside `if`
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
//! [`crate::check`] to report.

/// The function body with its early returns rewritten (unchanged if it has
/// none that can be).
pub(crate) fn rewrite(body: &syn::Block) -> syn::Block {
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
        stmts: rewrite_stmts(stmts),
    }
}

/// Rewrites a statement list whose last statement (if any) is its tail.
fn rewrite_stmts(stmts: Vec<syn::Stmt>) -> Vec<syn::Stmt> {
    let Some(position) = stmts.iter().position(returns_here) else {
        return stmts;
    };
    let mut stmts = stmts;
    let rest = stmts.split_off(position + 1);
    let stmt = stmts.pop().expect("the statement at `position`");
    let expr = match stmt {
        syn::Stmt::Expr(expr, _) => expr,
        other => {
            // Not a form `returns_here` accepts.
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
        syn::Expr::If(expr_if) => {
            let rewritten = rewrite_if(expr_if, &rest);
            stmts.push(syn::Stmt::Expr(syn::Expr::If(rewritten), None));
        }
        syn::Expr::Match(mut expr_match) => {
            for arm in &mut expr_match.arms {
                let block = match &*arm.body {
                    syn::Expr::Block(block) if block.label.is_none() => block.block.clone(),
                    body => syn::parse_quote!({ #body }),
                };
                *arm.body = syn::Expr::Block(syn::ExprBlock {
                    attrs: Vec::new(),
                    label: None,
                    block: continued(block, &rest),
                });
            }
            stmts.push(syn::Stmt::Expr(syn::Expr::Match(expr_match), None));
        }
        _ => unreachable!("`returns_here` accepts returns, ifs and matches"),
    }
    stmts
}

/// `if c { then } else { otherwise }` followed by `rest`: each branch
/// continues with `rest` unless it returns.
fn rewrite_if(expr_if: syn::ExprIf, rest: &[syn::Stmt]) -> syn::ExprIf {
    let then_branch = continued(expr_if.then_branch, rest);
    let else_branch = match expr_if.else_branch {
        Some((else_token, otherwise)) => {
            let otherwise = match *otherwise {
                syn::Expr::If(nested) => syn::Expr::If(rewrite_if(nested, rest)),
                syn::Expr::Block(block) => syn::Expr::Block(syn::ExprBlock {
                    block: continued(block.block, rest),
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
fn continued(block: syn::Block, rest: &[syn::Stmt]) -> syn::Block {
    let mut stmts = block.stmts;
    // Followed by statements, the branch's tail is a statement (its value
    // is `()`); at the end of the function it is the function's value.
    if !rest.is_empty() {
        if let Some(syn::Stmt::Expr(expr, semi @ None)) = stmts.last_mut() {
            if !matches!(expr, syn::Expr::Return(_)) {
                *semi = Some(syn::token::Semi::default());
            }
        }
    }
    // Statements after a `return` are unreachable: the branch ends there.
    let returns_at = stmts
        .iter()
        .position(|stmt| matches!(stmt, syn::Stmt::Expr(syn::Expr::Return(_), _)));
    if returns_at.is_none() {
        stmts.extend(rest.iter().cloned());
    }
    syn::Block {
        brace_token: block.brace_token,
        stmts: rewrite_stmts(stmts),
    }
}

/// Whether `stmt` is a `return`, or an `if` statement with a `return` in its
/// branches (outside loops, closures and items) that this rewrite places.
fn returns_here(stmt: &syn::Stmt) -> bool {
    match stmt {
        syn::Stmt::Expr(syn::Expr::Return(_), _) => true,
        syn::Stmt::Expr(syn::Expr::If(expr_if), _) => if_returns(expr_if),
        syn::Stmt::Expr(syn::Expr::Match(expr_match), _) => {
            expr_match.arms.iter().any(|arm| match &*arm.body {
                syn::Expr::Block(block) => block_returns(&block.block),
                syn::Expr::Return(_) => true,
                _ => false,
            })
        }
        _ => false,
    }
}

fn if_returns(expr_if: &syn::ExprIf) -> bool {
    block_returns(&expr_if.then_branch)
        || expr_if
            .else_branch
            .as_ref()
            .is_some_and(|(_, otherwise)| match &**otherwise {
                syn::Expr::If(nested) => if_returns(nested),
                syn::Expr::Block(block) => block_returns(&block.block),
                _ => false,
            })
}

/// Whether a branch has a `return` this rewrite places: as one of its
/// statements, or in an `if` among them.
fn block_returns(block: &syn::Block) -> bool {
    block.stmts.iter().any(returns_here)
}
