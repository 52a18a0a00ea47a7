//! Every optimizer of `tapeless::optim` on the Rosenbrock function
//! `(1 − x)² + 100 (y − x²)²` from the same start (−1.5, 2), their paths
//! drawn over its contour plot. The minimum is at (1, 1), at the end of a
//! long curved valley.
//!
//! ```ignore
//! #[differentiable]
//! fn rosenbrock(p: &Vector2<f64>) -> f64 {
//!     (1.0 - p.x).powi(2) + 100.0 * (p.y - p.x * p.x).powi(2)
//! }
//! let (value, gradient) = rosenbrock_grad(&p);
//! optimizer.step(&mut p, &gradient);
//! ```
//!
//! The learning rates are chosen per optimizer for the picture; the
//! optimizers' agreement with torch.optim step by step is checked by
//! `tests/optim_parity.rs`.
//!
//! Run with `cargo run --release --example optimizers_tour`.

mod common;

use common::{PALETTE, Result, output_dir, register_font, report_pictures};
use plotters::coord::Shift;
use plotters::prelude::*;
use tapeless::optim::{
    Adadelta, Adagrad, Adam, AdamW, Adamax, Lbfgs, LineSearch, NAdam, Optimizer, RAdam, RmsProp,
    Sgd,
};
use tapeless::prelude::*;

/// The Rosenbrock function.
#[differentiable]
fn rosenbrock(p: &Vector2<f64>) -> f64 {
    (1.0 - p.x).powi(2) + 100.0 * (p.y - p.x * p.x).powi(2)
}

const STEPS: usize = 2000;
const START: (f64, f64) = (-1.5, 2.0);

/// The points an optimizer visits in `STEPS` steps.
fn path(optimizer: &mut dyn Optimizer<Vector2<f64>>) -> Vec<(f64, f64)> {
    let mut p = Vector2::new(START.0, START.1);
    let mut points = vec![START];
    for _ in 0..STEPS {
        let (_, gradient) = rosenbrock_grad(&p);
        optimizer.step(&mut p, &gradient);
        points.push((p.x, p.y));
    }
    points
}

/// One optimizer's path over the contour plot.
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    name: &str,
    points: &[(f64, f64)],
    color: RGBColor,
) -> Result
where
    DB::ErrorType: 'static,
{
    let (x_range, y_range) = (-2.0..2.0, -1.0..3.0);
    let mut chart = ChartBuilder::on(area)
        .caption(name, ("sans-serif", 18))
        .margin(8)
        .x_label_area_size(25)
        .y_label_area_size(30)
        .build_cartesian_2d(x_range.clone(), y_range.clone())?;
    // The contour plot: shades of blue by decades of the function, with
    // alternating bands every half decade marking the level sets.
    let cells = 100;
    let (dx, dy) = (4.0 / f64::from(cells), 4.0 / f64::from(cells));
    chart.draw_series(
        (0..cells)
            .flat_map(|i| (0..cells).map(move |j| (i, j)))
            .map(|(i, j)| {
                let x = x_range.start + dx * f64::from(i);
                let y = y_range.start + dy * f64::from(j);
                let decades = rosenbrock(&Vector2::new(x + dx / 2.0, y + dy / 2.0)).log10();
                let level = ((decades + 2.0) / 5.5).clamp(0.0, 1.0);
                let band = if (decades * 2.0).floor() as i64 % 2 == 0 {
                    0.0
                } else {
                    12.0
                };
                let shade = (255.0 - 130.0 * level - band) as u8;
                Rectangle::new(
                    [(x, y), (x + dx, y + dy)],
                    RGBColor(shade, shade, 255).filled(),
                )
            }),
    )?;
    chart
        .configure_mesh()
        .disable_mesh()
        .label_style(("sans-serif", 12))
        .draw()?;
    let inside = |&(x, y): &(f64, f64)| x_range.contains(&x) && y_range.contains(&y);
    // Segment by segment: a wide polyline that doubles back draws spikes.
    chart.draw_series(
        points
            .windows(2)
            .filter(|pair| inside(&pair[0]) && inside(&pair[1]))
            .map(|pair| PathElement::new(pair.to_vec(), color.stroke_width(2))),
    )?;
    chart.draw_series([
        Circle::new(START, 5, BLACK.filled()),
        Circle::new((1.0, 1.0), 5, RED.filled()),
    ])?;
    if let Some(&end) = points.last().filter(|p| inside(p)) {
        chart.draw_series([Cross::new(end, 6, BLACK.stroke_width(2))])?;
    }
    Ok(())
}

fn main() -> Result {
    let mut runs: Vec<(&str, Vec<(f64, f64)>)> = vec![
        ("SGD(lr=1e-3)", path(&mut Sgd::new(1e-3))),
        (
            "SGD(lr=2e-4, momentum=0.9)",
            path(&mut Sgd::new(2e-4).momentum(0.9)),
        ),
        (
            "SGD(lr=2e-4, nesterov)",
            path(&mut Sgd::new(2e-4).momentum(0.9).nesterov(true)),
        ),
        ("Adam(lr=0.05)", path(&mut Adam::new(0.05))),
        ("AdamW(lr=0.05)", path(&mut AdamW::new(0.05))),
        ("NAdam(lr=0.05)", path(&mut NAdam::new(0.05))),
        ("RAdam(lr=0.01)", path(&mut RAdam::new(0.01))),
        ("Adamax(lr=0.05)", path(&mut Adamax::new(0.05))),
        ("Adagrad(lr=0.5)", path(&mut Adagrad::new(0.5))),
        ("Adadelta(lr=10)", path(&mut Adadelta::new(10.0))),
        ("RMSprop(lr=0.01)", path(&mut RmsProp::new(0.01))),
    ];
    // L-BFGS takes a closure that returns the value and the gradient.
    let mut lbfgs =
        Lbfgs::<Vector2<f64>, 10>::new(1.0).line_search_fn(Some(LineSearch::StrongWolfe));
    let mut p = Vector2::new(START.0, START.1);
    let mut points = vec![START];
    for _ in 0..20 {
        lbfgs.step(&mut p, rosenbrock_grad);
        points.push((p.x, p.y));
    }
    runs.push(("LBFGS(strong_wolfe), 20 steps", points));

    println!(
        "{:<32} {:>10} {:>10} {:>12}",
        "optimizer", "x", "y", "f(x, y)"
    );
    for (name, points) in &runs {
        let &(x, y) = points.last().ok_or("empty path")?;
        let value = rosenbrock(&Vector2::new(x, y));
        println!("{name:<32} {x:10.6} {y:10.6} {value:12.4e}");
        if !value.is_finite() {
            return Err(format!("{name} diverged").into());
        }
    }
    let (_, lbfgs_path) = runs.last().ok_or("no runs")?;
    let &(x, y) = lbfgs_path.last().ok_or("empty path")?;
    if rosenbrock(&Vector2::new(x, y)) > 1e-8 {
        return Err("L-BFGS did not find the minimum".into());
    }

    register_font();
    let file = output_dir()?.join("optimizers_tour.png");
    {
        let root = BitMapBackend::new(&file, (1440, 1080)).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(
            &format!("Rosenbrock (1 - x)² + 100 (y - x²)² from (-1.5, 2), {STEPS} steps each"),
            ("sans-serif", 26),
        )?;
        for (k, (area, (name, points))) in root.split_evenly((3, 4)).iter().zip(&runs).enumerate() {
            panel(area, name, points, PALETTE[k % PALETTE.len()])?;
        }
        root.present()?;
    }
    report_pictures(&[file])
}
