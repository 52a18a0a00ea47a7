//! Property tests: for random inputs, every operation and shape pair's
//! generated gradient agrees with central differences. Failing cases
//! proptest finds are kept in `tests/properties.proptest-regressions` and
//! replayed first on every run.
#![allow(
    dead_code,
    reason = "the primals are only called through their generated siblings"
)]

use nalgebra::{Matrix2x3, Matrix3, RowVector3, SMatrix, Vector2, Vector3};
use proptest::prelude::*;
use tapeless::{GradCheck, Params, differentiable};

fn check<P: Params<Scalar = f64>>(
    f: impl Fn(&P) -> f64,
    at: &P,
    gradient: &P,
) -> Result<(), TestCaseError> {
    let settings = GradCheck {
        rtol: 1e-6,
        atol: 1e-7,
        ..GradCheck::default()
    };
    settings
        .run(f, at, gradient)
        .map_err(|error| TestCaseError::fail(error.to_string()))
}

fn scalar() -> impl Strategy<Value = f64> {
    -3.0..3.0_f64
}

fn vector3() -> impl Strategy<Value = Vector3<f64>> {
    (scalar(), scalar(), scalar()).prop_map(|(a, b, c)| Vector3::new(a, b, c))
}

fn matrix2x3() -> impl Strategy<Value = Matrix2x3<f64>> {
    proptest::collection::vec(scalar(), 6).prop_map(|v| Matrix2x3::from_row_slice(&v))
}

fn matrix3() -> impl Strategy<Value = Matrix3<f64>> {
    proptest::collection::vec(scalar(), 9).prop_map(|v| Matrix3::from_row_slice(&v))
}

#[differentiable(wrt = (a, b))]
fn scalar_ops(a: f64, b: f64) -> f64 {
    let q = a * b - a / (b * b + 1.0) + (a - b) * 0.5;
    q.sin() + (a * a + 1.0).ln() * b.tanh() - (b.exp() + a.abs()).sqrt()
        + a.atan2(b + 4.0)
        + a.max(b) * b.min(a)
}

#[differentiable(wrt = (s, v))]
fn scalar_vector(s: f64, v: Vector3<f64>) -> f64 {
    let left = s * v;
    let right = v * s;
    let quotient = v / (s * s + 1.0);
    left.dot(&right) + quotient.norm() + (left - quotient).sum() * s
}

#[differentiable(wrt = (m, x))]
fn matrix_vector(m: Matrix2x3<f64>, x: Vector3<f64>) -> f64 {
    let y = m * x;
    let z = m.transpose() * y;
    y.norm_squared() + z.component_mul(&x).mean() + (m * 2.0).max()
}

#[differentiable(wrt = (a, b))]
fn matrix_matrix(a: Matrix3<f64>, b: Matrix3<f64>) -> f64 {
    let c = a * b + b.transpose();
    let d = c * a;
    d.norm() + c.component_div(&(b.abs() + Matrix3::repeat(1.0))).sum()
}

#[differentiable(wrt = (column, row))]
fn outer_product(column: Vector3<f64>, row: RowVector3<f64>) -> f64 {
    let outer = column * row;
    let inner = row * column;
    outer.norm_squared() + inner[0] * 3.0 + outer[(1, 2)]
}

#[differentiable]
fn construction(x: Vector3<f64>) -> f64 {
    let built = Vector2::new(x.x * x.y, x.z.sin());
    let matrix = SMatrix::<f64, 2, 2>::new(x[0], x[1], built[0], built.y);
    let pair = (x.dot(&x), [x.z, x.x]);
    matrix.norm() + pair.0 * pair.1[0] - pair.1[1]
}

#[differentiable]
fn data_loop(w: Vector3<f64>, data: &[Vector3<f64>]) -> f64 {
    let mut total = 0.0;
    for (i, x) in data.iter().enumerate() {
        let weight = 1.0 + i as f64;
        let activation = w.dot(x);
        if activation > 0.0 {
            total += activation * weight;
        } else {
            total += (activation * activation).exp() - weight;
        }
    }
    total / data.len() as f64
}

proptest! {
    #[test]
    fn scalars(a in scalar(), b in scalar()) {
        prop_assume!((a - b).abs() > 1e-3); // max/min's kink
        prop_assume!(a.abs() > 1e-3); // abs's kink
        let (_, (da, db)) = scalar_ops_grad(a, b);
        check(|a: &f64| scalar_ops(*a, b), &a, &da)?;
        check(|b: &f64| scalar_ops(a, *b), &b, &db)?;
    }

    #[test]
    fn scalar_times_vector(s in scalar(), v in vector3()) {
        let (_, (ds, dv)) = scalar_vector_grad(s, v);
        check(|s: &f64| scalar_vector(*s, v), &s, &ds)?;
        check(|v: &Vector3<f64>| scalar_vector(s, *v), &v, &dv)?;
    }

    #[test]
    fn matrix_times_vector(m in matrix2x3(), x in vector3()) {
        let (_, (dm, dx)) = matrix_vector_grad(m, x);
        check(|m: &Matrix2x3<f64>| matrix_vector(*m, x), &m, &dm)?;
        check(|x: &Vector3<f64>| matrix_vector(m, *x), &x, &dx)?;
    }

    #[test]
    fn matrix_times_matrix(a in matrix3(), b in matrix3()) {
        prop_assume!(b.iter().all(|v| v.abs() > 1e-3)); // abs's kink
        let (_, (da, db)) = matrix_matrix_grad(a, b);
        check(|a: &Matrix3<f64>| matrix_matrix(*a, b), &a, &da)?;
        check(|b: &Matrix3<f64>| matrix_matrix(a, *b), &b, &db)?;
    }

    #[test]
    fn column_times_row(column in vector3(), row in vector3()) {
        let row = row.transpose();
        let (_, (dc, dr)) = outer_product_grad(column, row);
        check(|c: &Vector3<f64>| outer_product(*c, row), &column, &dc)?;
        check(|r: &RowVector3<f64>| outer_product(column, *r), &row, &dr)?;
    }

    #[test]
    fn constructors_tuples_arrays(x in vector3()) {
        let (_, dx) = construction_grad(x);
        check(|x: &Vector3<f64>| construction(*x), &x, &dx)?;
    }

    #[test]
    fn loops_over_data(w in vector3(), data in proptest::collection::vec(vector3(), 1..12)) {
        // Samples a quarter the size keep `exp(a²)` below e^5.1: where one
        // sample's term reaches e^176, central differences lose the other
        // samples' contributions to rounding (and the check, not the
        // gradient, fails).
        let data: Vec<Vector3<f64>> = data.iter().map(|x| x * 0.25).collect();
        prop_assume!(data.iter().all(|x| w.dot(x).abs() > 1e-3)); // the branch switch
        let (_, dw) = data_loop_grad(w, &data);
        check(|w: &Vector3<f64>| data_loop(*w, &data), &w, &dw)?;
    }
}
