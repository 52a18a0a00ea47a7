//! Compiled into the scratch crate of `tests/random_programs.rs` (not a
//! module of the test itself): checks one program's `_grad`, `_vjp` and `_jvp`
//! against Richardson-extrapolated central differences, its `_jvp2` (the
//! gradient and the Hessian in one pass) against `_grad` and central
//! differences of `_grad`, and prints one `RESULT` line.

use tapeless::prelude::*;

/// A sibling flattened to `(value, gradient components)`.
pub type Sibling = fn(&Vector3<f64>, f64, &[f64]) -> (f64, Vec<f64>);

/// `_jvp2` along the unit vectors of the differentiated components, as `u`
/// and as `v`: `(value, gradient, Hessian)`.
pub type Second = fn(&Vector3<f64>, f64, &[f64]) -> (f64, Vec<f64>, Vec<Vec<f64>>);

/// Panics are reported as results, not printed.
pub fn quiet() {
    std::panic::set_hook(Box::new(|_| {}));
}

enum Verdict {
    Skip(String),
    Wrong(String),
}

/// Checks one program at `point` (`x0, x1, x2, s`) and prints its result.
pub fn run(
    name: &str,
    point: [f64; 4],
    data: [f64; 4],
    wrt: &[usize],
    primal: fn(&Vector3<f64>, f64, &[f64]) -> f64,
    grad: Sibling,
    vjp: Sibling,
    jvp: Sibling,
    second: Second,
) {
    let result = std::panic::catch_unwind(|| {
        check(point, &data, wrt, primal, grad, vjp, jvp, second)
    });
    match result {
        Ok(Ok(checked)) => println!("RESULT {name} ok {checked}"),
        Ok(Err(Verdict::Skip(why))) => println!("RESULT {name} skip {why}"),
        Ok(Err(Verdict::Wrong(why))) => println!("RESULT {name} wrong {why}"),
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            println!("RESULT {name} panic {}", message.replace('\n', " "));
        }
    }
}

fn check(
    point: [f64; 4],
    data: &[f64],
    wrt: &[usize],
    primal: fn(&Vector3<f64>, f64, &[f64]) -> f64,
    grad: Sibling,
    vjp: Sibling,
    jvp: Sibling,
    second: Second,
) -> Result<usize, Verdict> {
    let f = |p: [f64; 4]| primal(&Vector3::new(p[0], p[1], p[2]), p[3], data);
    let x = Vector3::new(point[0], point[1], point[2]);
    let value = f(point);
    if !value.is_finite() {
        return Err(Verdict::Skip("the value is not finite".into()));
    }
    let (grad_value, gradient) = grad(&x, point[3], data);
    let (vjp_value, cotangent) = vjp(&x, point[3], data);
    let close = |a: f64, b: f64, rtol: f64| (a - b).abs() <= rtol * a.abs().max(b.abs()).max(1.0);
    if !close(grad_value, value, 1e-12) || !close(vjp_value, value, 1e-12) {
        return Err(Verdict::Wrong(format!(
            "value: primal {value:e}, _grad {grad_value:e}, _vjp {vjp_value:e}"
        )));
    }
    // Forward mode, one `_jvp` per differentiated component.
    let (jvp_value, tangents) = jvp(&x, point[3], data);
    if !close(jvp_value, value, 1e-12) {
        return Err(Verdict::Wrong(format!(
            "value: primal {value:e}, _jvp {jvp_value:e}"
        )));
    }
    if gradient.iter().any(|g| !g.is_finite()) {
        return Err(Verdict::Skip("the gradient is not finite".into()));
    }
    for (k, (g, c)) in gradient.iter().zip(&cotangent).enumerate() {
        if !close(*g, *c, 1e-10) {
            return Err(Verdict::Wrong(format!(
                "component {k}: _grad {g:e} but _vjp {c:e}"
            )));
        }
    }
    // Second order: `_jvp2`'s value and gradient against `_grad`'s.
    let (second_value, second_gradient, hessian) = second(&x, point[3], data);
    if !close(second_value, value, 1e-12) {
        return Err(Verdict::Wrong(format!(
            "value: primal {value:e}, _jvp2 {second_value:e}"
        )));
    }
    for (k, (g, s)) in gradient.iter().zip(&second_gradient).enumerate() {
        if !close(*g, *s, 1e-10) {
            return Err(Verdict::Wrong(format!(
                "component {k}: _grad {g:e} but _jvp2 {s:e}"
            )));
        }
    }
    let mut checked = 0;
    for (k, &component) in wrt.iter().enumerate() {
        let difference = |h: f64| {
            let (mut plus, mut minus) = (point, point);
            plus[component] += h;
            minus[component] -= h;
            (f(plus) - f(minus)) / (2.0 * h)
        };
        let richardson = |h: f64| (4.0 * difference(h / 2.0) - difference(h)) / 3.0;
        let (coarse, fine) = (richardson(1e-3), richardson(5e-4));
        if !coarse.is_finite() || !fine.is_finite() {
            continue;
        }
        let g = gradient[k];
        let scale = fine.abs().max(g.abs()).max(1.0);
        // One-sided differences: they agree to O(h f'') where f is smooth,
        // and differ by the jump of the derivative at a kink at the point
        // itself, where central differences of every step agree with each
        // other (on the mean of the one-sided derivatives).
        let one_sided = |h: f64| {
            let mut moved = point;
            moved[component] += h;
            (f(moved) - value) / h
        };
        let (forward, backward) = (one_sided(1e-5), one_sided(-1e-5));
        if (coarse - fine).abs() > 1e-6 * scale || (forward - backward).abs() > 1e-3 * scale {
            // A kink (a branch, max, abs, clamp) within a step of the point,
            // or at it: no derivative to compare with.
            continue;
        }
        if (g - fine).abs() > 1e-6 * scale + 1e-9 * value.abs() {
            return Err(Verdict::Wrong(format!(
                "component {component}: generated {g:e}, central differences {fine:e}"
            )));
        }
        let t = tangents[k];
        if (t - fine).abs() > 1e-6 * scale + 1e-9 * value.abs() {
            return Err(Verdict::Wrong(format!(
                "component {component}: _jvp {t:e}, central differences {fine:e}"
            )));
        }
        checked += 1;
        // The Hessian's column: central differences of `_grad` (reverse
        // mode, an independent path), where two steps agree (no kink of the
        // gradient within a step).
        let gradient_at = |h: f64| {
            let mut moved = point;
            moved[component] += h;
            grad(&Vector3::new(moved[0], moved[1], moved[2]), moved[3], data).1
        };
        let column = |h: f64| -> Vec<f64> {
            let (plus, minus) = (gradient_at(h), gradient_at(-h));
            let (half_plus, half_minus) = (gradient_at(h / 2.0), gradient_at(-h / 2.0));
            (0..wrt.len())
                .map(|j| {
                    let coarse = (plus[j] - minus[j]) / (2.0 * h);
                    let fine = (half_plus[j] - half_minus[j]) / h;
                    (4.0 * fine - coarse) / 3.0
                })
                .collect()
        };
        let (coarse, fine) = (column(1e-3), column(5e-4));
        for j in 0..wrt.len() {
            let (c, e, h) = (coarse[j], fine[j], hessian[j][k]);
            let scale = e.abs().max(h.abs()).max(1.0);
            if !c.is_finite() || !e.is_finite() || (c - e).abs() > 1e-5 * scale {
                continue;
            }
            if !h.is_finite() || (h - e).abs() > 1e-5 * scale + 1e-8 * value.abs() {
                return Err(Verdict::Wrong(format!(
                    "Hessian [{j}, {k}]: _jvp2 {h:e}, central differences of _grad {e:e}"
                )));
            }
        }
    }
    if checked == 0 {
        return Err(Verdict::Skip("every component is at a kink".into()));
    }
    Ok(checked)
}
