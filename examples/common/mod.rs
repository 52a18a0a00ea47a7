//! What the examples share: the tutorials' computations ([`tutorials`]),
//! where pictures go, and small line-chart helpers on plotters' bitmap
//! backend (PNG and GIF, text in the bundled DejaVu Sans, so no system
//! library is needed).
#![allow(dead_code, reason = "each example uses only some of the helpers")]

pub(crate) mod tutorials;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Once;

/// What an example's `main` returns: an error makes the process exit
/// non-zero.
pub(crate) type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The folder the pictures go to: `$TAPELESS_PLOTS`, or
/// `target/tapeless-plots/` in the repository. Created if missing.
pub(crate) fn output_dir() -> Result<PathBuf> {
    let dir = std::env::var_os("TAPELESS_PLOTS").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .unwrap_or(Path::new("."))
                .join("target/tapeless-plots")
        },
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Prints where the pictures are, and checks that each file was written.
pub(crate) fn report_pictures(files: &[PathBuf]) -> Result {
    println!();
    println!("pictures in {}:", output_dir()?.display());
    for file in files {
        let size = std::fs::metadata(file)?.len();
        if size == 0 {
            return Err(format!("{} is empty", file.display()).into());
        }
        println!("  {}", file.display());
    }
    Ok(())
}

/// Makes the bundled font the one plotters draws "sans-serif" text with.
pub(crate) fn register_font() {
    static FONT: Once = Once::new();
    FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../assets/DejaVuSans.ttf");
        if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_err() {
            panic!("the bundled font is a valid TrueType font");
        }
    });
}

/// Colours of matplotlib's `tab10`, so that the pictures look like the
/// tutorials'.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mark {
    /// A line through the points.
    Line,
    /// A dot at each point.
    Dots,
    /// A line with a dot at each point.
    LineDots,
}

/// One named series of a chart.
#[derive(Clone, Debug)]
pub(crate) struct Series {
    /// The legend's text (empty: not in the legend).
    pub(crate) name: String,
    /// The points `(x, y)`.
    pub(crate) points: Vec<(f64, f64)>,
    /// The colour.
    pub(crate) color: RGBColor,
    /// How it is drawn.
    pub(crate) mark: Mark,
}

impl Series {
    /// A series of `mark`s in `color`.
    pub(crate) fn new(
        name: impl Into<String>,
        points: Vec<(f64, f64)>,
        color: RGBColor,
        mark: Mark,
    ) -> Self {
        Self {
            name: name.into(),
            points,
            color,
            mark,
        }
    }
}

/// A line chart: title, axis labels, series, and optional fixed ranges.
#[derive(Clone, Debug, Default)]
pub(crate) struct Chart {
    /// The caption.
    pub(crate) title: String,
    /// The x axis' label.
    pub(crate) x_label: String,
    /// The y axis' label.
    pub(crate) y_label: String,
    /// The series, drawn in order.
    pub(crate) series: Vec<Series>,
    /// A logarithmic y axis.
    pub(crate) log_y: bool,
    /// The x range (default: the data's).
    pub(crate) x_range: Option<Range<f64>>,
    /// The y range (default: the data's, with a margin).
    pub(crate) y_range: Option<Range<f64>>,
}

impl Chart {
    /// A chart with a title and axis labels and no series yet.
    pub(crate) fn new(title: &str, x_label: &str, y_label: &str) -> Self {
        Self {
            title: title.to_owned(),
            x_label: x_label.to_owned(),
            y_label: y_label.to_owned(),
            ..Self::default()
        }
    }

    /// Adds a series.
    pub(crate) fn with(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    /// The data's range along one axis.
    fn extent(&self, coordinate: impl Fn(&(f64, f64)) -> f64) -> Range<f64> {
        let values = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(&coordinate))
            .filter(|v| v.is_finite() && (!self.log_y || *v > 0.0));
        let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), v| {
            (low.min(v), high.max(v))
        });
        if low > high {
            0.0..1.0
        } else if low == high {
            low - 0.5..high + 0.5
        } else {
            low..high
        }
    }

    /// Draws the chart on `area`.
    pub(crate) fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result {
        register_font();
        let x_range = self.x_range.clone().unwrap_or_else(|| self.extent(|p| p.0));
        if self.log_y {
            let y = self.y_range.clone().unwrap_or_else(|| {
                let r = self.extent(|p| p.1);
                r.start / 1.5..r.end * 1.5
            });
            self.draw_on(area, x_range, y.log_scale())
        } else {
            let y = self.y_range.clone().unwrap_or_else(|| {
                let r = self.extent(|p| p.1);
                let margin = 0.05 * (r.end - r.start);
                r.start - margin..r.end + margin
            });
            self.draw_on(area, x_range, y)
        }
    }

    fn draw_on<DB: DrawingBackend, Y>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x_range: Range<f64>,
        y_range: Y,
    ) -> Result
    where
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let error = |e: &dyn std::fmt::Display| e.to_string();
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x_range, y_range)
            .map_err(|e| error(&e))?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style(("sans-serif", 14))
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| error(&e))?;
        let mut legend = false;
        for series in &self.series {
            let color = series.color;
            let style = color.stroke_width(2);
            let drawn = match series.mark {
                Mark::Line => chart
                    .draw_series(LineSeries::new(series.points.iter().copied(), style))
                    .map_err(|e| error(&e))?,
                Mark::Dots => chart
                    .draw_series(
                        series
                            .points
                            .iter()
                            .map(|&p| Circle::new(p, 3, color.filled())),
                    )
                    .map_err(|e| error(&e))?,
                Mark::LineDots => {
                    chart
                        .draw_series(
                            series
                                .points
                                .iter()
                                .map(|&p| Circle::new(p, 3, color.filled())),
                        )
                        .map_err(|e| error(&e))?;
                    // Segment by segment: a wide polyline that doubles back
                    // draws a spike at the turn.
                    chart
                        .draw_series(
                            series
                                .points
                                .windows(2)
                                .map(|pair| PathElement::new(pair.to_vec(), style)),
                        )
                        .map_err(|e| error(&e))?
                }
            };
            if !series.name.is_empty() {
                legend = true;
                let label = drawn.label(&series.name);
                if series.mark == Mark::Dots {
                    label.legend(move |(x, y)| Circle::new((x + 10, y), 4, color.filled()));
                } else {
                    label.legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
                }
            }
        }
        if legend {
            chart
                .configure_series_labels()
                .label_font(("sans-serif", 14))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .position(SeriesLabelPosition::UpperRight)
                .draw()
                .map_err(|e| error(&e))?;
        }
        Ok(())
    }
}

/// A tick label: `250`, `0.5`, `1e-6`, `2e5`.
fn tick(value: f64) -> String {
    let magnitude = value.abs();
    if value == 0.0 {
        "0".to_owned()
    } else if !(1e-3..1e5).contains(&magnitude) {
        format!("{value:.0e}")
    } else {
        let text = format!("{value:.4}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// Draws `charts` in a grid of `columns` columns into the PNG `name` in
/// the output folder; returns its path.
pub(crate) fn save_png(
    name: &str,
    charts: &[Chart],
    columns: usize,
    panel: (u32, u32),
) -> Result<PathBuf> {
    let path = output_dir()?.join(name);
    let rows = charts.len().div_ceil(columns);
    let size = (panel.0 * columns as u32, panel.1 * rows as u32);
    {
        let root = BitMapBackend::new(&path, size).into_drawing_area();
        root.fill(&WHITE)?;
        for (area, chart) in root.split_evenly((rows, columns)).iter().zip(charts) {
            chart.draw(area)?;
        }
        root.present()?;
    }
    Ok(path)
}
