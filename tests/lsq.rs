//! `lsq::LevenbergMarquardt` on small problems: every parameter type, every
//! `LsqError` variant, and the builder's validation.
#![allow(
    dead_code,
    reason = "the models are only called through their generated siblings"
)]

use tapeless::differentiable;
use tapeless::lsq::{LevenbergMarquardt, LsqError, Termination};
use tapeless::prelude::*;

const XS: [f64; 6] = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0];

/// `2·exp(−0.7·x)` with a little noise.
fn ys() -> [f64; 6] {
    let noise = [0.01, -0.02, 0.015, 0.0, -0.01, 0.005];
    core::array::from_fn(|i| 2.0 * (-0.7 * XS[i]).exp() + noise[i])
}

#[differentiable]
fn exponential(b: &SVector<f64, 2>, x: f64, y: f64) -> f64 {
    b[0] * (-b[1] * x).exp() - y
}

#[test]
fn the_design_example_infers_everything() {
    let ys = ys();
    let mut b = SVector::<f64, 2>::new(1.0, 0.1);
    let fit = lsq::LevenbergMarquardt::new()
        .minimize(&mut b, XS.len(), |b, i| exponential_grad(b, XS[i], ys[i]))
        .unwrap();
    assert!(
        (b[0] - 2.0).abs() < 0.03 && (b[1] - 0.7).abs() < 0.03,
        "{b}"
    );
    assert!(fit.rss < 1e-3);
    assert!(fit.std_errors[0] > 0.0 && fit.std_errors[1] > 0.0);
    assert!(fit.iterations > 0 && fit.evaluations > fit.iterations);
    assert!(matches!(
        fit.termination,
        Termination::Ftol | Termination::Xtol | Termination::FtolAndXtol | Termination::Precision
    ));
}

#[test]
fn arrays_scalars_and_f32() {
    // [f64; 2]: the same fit.
    let ys = ys();
    let mut b = [1.0_f64, 0.1];
    let residual = |b: &[f64; 2], i: usize| {
        let e = (-b[1] * XS[i]).exp();
        (b[0] * e - ys[i], [e, -b[0] * XS[i] * e])
    };
    LevenbergMarquardt::new()
        .minimize(&mut b, 6, residual)
        .unwrap();
    let mut v = SVector::<f64, 2>::new(1.0, 0.1);
    LevenbergMarquardt::new()
        .minimize(&mut v, 6, |b, i| exponential_grad(b, XS[i], ys[i]))
        .unwrap();
    assert!((b[0] - v[0]).abs() < 1e-9 && (b[1] - v[1]).abs() < 1e-9);

    // A scalar: the mean, with the standard error of the mean.
    let data = [1.0, 2.0, 4.0, 5.0];
    let mut mean = 0.0_f64;
    let fit = LevenbergMarquardt::new()
        .minimize(&mut mean, 4, |m, i| (m - data[i], 1.0))
        .unwrap();
    assert!((mean - 3.0).abs() < 1e-12);
    assert!((fit.rss - 10.0).abs() < 1e-10);
    let sem = (10.0_f64 / 3.0 / 4.0).sqrt();
    assert!((fit.std_errors - sem).abs() < 1e-10);

    // f32, with tolerances it can reach.
    let mut b = SVector::<f32, 2>::new(1.0, 0.1);
    let ys32 = ys.map(|y| y as f32);
    LevenbergMarquardt::new()
        .ftol(1e-6)
        .xtol(1e-6)
        .minimize(&mut b, 6, |b, i| {
            let x = XS[i] as f32;
            let e = (-b[1] * x).exp();
            (b[0] * e - ys32[i], SVector::<f32, 2>::new(e, -b[0] * x * e))
        })
        .unwrap();
    assert!((f64::from(b[0]) - v[0]).abs() < 1e-4 && (f64::from(b[1]) - v[1]).abs() < 1e-4);
}

#[test]
fn a_zero_residual_fit_stops_on_gtol_with_zero_errors() {
    let mut b = SVector::<f64, 2>::new(3.0, 0.5);
    let ys: [f64; 6] = core::array::from_fn(|i| 3.0 * (-0.5 * XS[i]).exp());
    let fit = LevenbergMarquardt::new()
        .minimize(&mut b, 6, |b, i| exponential_grad(b, XS[i], ys[i]))
        .unwrap();
    assert!(fit.rss < 1e-28);
    assert_eq!(fit.termination, Termination::Gtol);
    assert!(fit.std_errors.max_abs() < 1e-12);
}

#[test]
fn too_few_residuals() {
    let mut b = SVector::<f64, 2>::new(1.0, 0.1);
    let error = LevenbergMarquardt::new()
        .minimize(&mut b, 1, |b, i| exponential_grad(b, XS[i], 1.0))
        .unwrap_err();
    assert_eq!(
        error,
        LsqError::TooFewResiduals {
            residuals: 1,
            parameters: 2
        }
    );
    assert_eq!(
        error.to_string(),
        "1 residuals cannot determine 2 parameters (need at least as many residuals as parameters)"
    );
    assert_eq!(b, SVector::<f64, 2>::new(1.0, 0.1));
}

#[test]
fn non_finite_residual_or_gradient_at_the_start() {
    let ys = ys();
    let mut b = SVector::<f64, 2>::new(1.0, 0.1);
    let error = LevenbergMarquardt::new()
        .minimize(&mut b, 6, |b, i| {
            let (r, g) = exponential_grad(b, XS[i], ys[i]);
            (if i == 3 { f64::NAN } else { r }, g)
        })
        .unwrap_err();
    assert_eq!(error, LsqError::NonFinite { index: 3 });
    assert!(error.to_string().contains("residual 3"), "{error}");

    let error = LevenbergMarquardt::new()
        .minimize(&mut b, 6, |b, i| {
            let (r, mut g) = exponential_grad(b, XS[i], ys[i]);
            if i == 4 {
                g[1] = f64::INFINITY;
            }
            (r, g)
        })
        .unwrap_err();
    assert_eq!(error, LsqError::NonFinite { index: 4 });
}

#[test]
fn non_finite_trial_points_only_shrink_the_step() {
    // √b is NaN for b < 0, where the first steps from b = 0.1 may go.
    let data = [4.0, 4.1, 3.9];
    let mut b = 0.1_f64;
    let fit = LevenbergMarquardt::new()
        .minimize(&mut b, 3, |b, i| {
            let root = b.sqrt();
            (root - data[i], 0.5 / root)
        })
        .unwrap();
    assert!(
        (b - 16.0).abs() < 1e-9,
        "{b} after {} evaluations",
        fit.evaluations
    );
}

#[test]
fn singular_problems() {
    // Only b[0] + b[1] is determined.
    let ys = ys();
    let mut b = SVector::<f64, 2>::new(1.0, 0.1);
    let error = LevenbergMarquardt::new()
        .minimize(&mut b, 6, |b, i| {
            (b[0] + b[1] - ys[i], SVector::<f64, 2>::new(1.0, 1.0))
        })
        .unwrap_err();
    assert_eq!(
        error,
        LsqError::Singular {
            rank: 1,
            parameters: 2
        }
    );
    assert!(error.to_string().contains("rank 1 < 2"), "{error}");
    let mean = ys.iter().sum::<f64>() / 6.0;
    assert!(
        (b[0] + b[1] - mean).abs() < 1e-12,
        "the fit itself succeeded: {b}"
    );

    // An all-zero Jacobian.
    let mut b = SVector::<f64, 2>::new(1.0, 0.1);
    let error = LevenbergMarquardt::new()
        .minimize(&mut b, 6, |_, i| (ys[i], SVector::zeros()))
        .unwrap_err();
    assert_eq!(
        error,
        LsqError::Singular {
            rank: 0,
            parameters: 2
        }
    );
    assert_eq!(b, SVector::<f64, 2>::new(1.0, 0.1));
}

#[test]
fn evaluation_budget_exhausted() {
    let ys = ys();
    let mut b = SVector::<f64, 2>::new(1.0, 0.1);
    let rss_at =
        |b: &SVector<f64, 2>| -> f64 { (0..6).map(|i| exponential(b, XS[i], ys[i]).powi(2)).sum() };
    let start = rss_at(&b);
    let error = LevenbergMarquardt::new()
        .max_evaluations(3)
        .minimize(&mut b, 6, |b, i| exponential_grad(b, XS[i], ys[i]))
        .unwrap_err();
    let LsqError::MaxEvaluations {
        params,
        rss,
        evaluations,
    } = error.clone()
    else {
        panic!("{error:?}");
    };
    assert_eq!(evaluations, 3);
    assert_eq!(params, b, "the best parameters are also left in place");
    assert!(rss < start, "{rss} < {start}");
    assert!((rss - rss_at(&b)).abs() <= 1e-12 * rss);
    assert!(
        error
            .to_string()
            .starts_with("no convergence within 3 evaluations"),
        "{error}"
    );
}

#[test]
fn errors_convert_to_boxed_errors() {
    fn fit() -> Result<f64, Box<dyn std::error::Error>> {
        let mut b = 0.0_f64;
        LevenbergMarquardt::new().minimize(&mut b, 0, |b, _| (*b, 1.0))?;
        Ok(b)
    }
    assert!(fit().is_err());
}

#[test]
#[should_panic(expected = "invalid ftol")]
fn negative_tolerances_panic() {
    let _ = LevenbergMarquardt::new().ftol(-1.0);
}

#[test]
#[should_panic(expected = "invalid factor")]
fn a_non_positive_factor_panics() {
    let _ = LevenbergMarquardt::new().factor(0.0);
}
