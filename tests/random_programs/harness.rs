//! Compiles random programs in one crate with `#[differentiable]`, runs
//! every sibling against Richardson-extrapolated central differences, and
//! reports per program: a program whose expansion does not compile is a
//! failure of that program, found in rustc's JSON diagnostics and removed
//! so that the rest still build and run.

use crate::grammar::{Program, Rng, Wrt};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What happened to one program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Every sibling matched the central differences.
    Passed { checked: usize },
    /// Nothing could be compared (non-finite values, kinks at every
    /// component, a callee that failed).
    Skipped(String),
    /// A gradient or value disagreed.
    Wrong(String),
    /// The expansion did not compile: the first error.
    Compile { code: String, message: String },
    /// The generated code panicked.
    Panicked(String),
}

impl Outcome {
    pub(crate) fn is_failure(&self) -> bool {
        matches!(
            self,
            Outcome::Wrong(_) | Outcome::Compile { .. } | Outcome::Panicked(_)
        )
    }

    /// What a shrunk program must still show to count as the same failure.
    pub(crate) fn key(&self) -> String {
        match self {
            Outcome::Wrong(_) => "wrong".into(),
            Outcome::Panicked(_) => "panic".into(),
            Outcome::Compile { code, .. } => format!("compile {code}"),
            Outcome::Passed { .. } | Outcome::Skipped(_) => "none".into(),
        }
    }
}

/// A program under test, named by its module.
#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) module: String,
    pub(crate) program: Program,
    /// The point of evaluation: `x`, `s` and the data `d`.
    pub(crate) point: ([f64; 3], f64, [f64; 4]),
}

impl Entry {
    pub(crate) fn new(program: Program, rng: &mut Rng) -> Self {
        Self::named(format!("p{}", program.index), program, rng)
    }

    pub(crate) fn named(module: String, program: Program, rng: &mut Rng) -> Self {
        let mut real = || rng.real(-1.2, 1.2);
        let point = (
            [real(), real(), real()],
            real(),
            [real(), real(), real(), real()],
        );
        Self {
            module,
            program,
            point,
        }
    }
}

/// A scratch crate under `target/random-programs/`, with a target directory
/// shared by every run (so tapeless is compiled once).
pub(crate) struct Scratch {
    dir: PathBuf,
    target: PathBuf,
}

impl Scratch {
    pub(crate) fn new(name: &str) -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let base = root.join("target").join("random-programs");
        let dir = base.join(name);
        std::fs::create_dir_all(dir.join("src")).expect("scratch directory");
        let manifest = format!(
            r#"[package]
name = "random-programs"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
tapeless = {{ path = {root:?} }}

[profile.dev]
debug = false

[workspace]
"#,
            root = root.display().to_string()
        );
        std::fs::write(dir.join("Cargo.toml"), manifest).expect("write Cargo.toml");
        // The workspace's lock file: the same dependency versions, no
        // registry look-up.
        if let Ok(lock) = std::fs::read_to_string(root.join("Cargo.lock")) {
            let path = dir.join("Cargo.lock");
            if !path.exists() {
                std::fs::write(path, lock).expect("write Cargo.lock");
            }
        }
        Self {
            dir,
            target: base.join("target"),
        }
    }

    /// Compiles and runs `entries` (and the `support` programs they call,
    /// which are compiled but not checked), returning each entry's outcome.
    pub(crate) fn run(&self, entries: &[Entry], support: &[Entry]) -> BTreeMap<String, Outcome> {
        let mut outcomes = BTreeMap::new();
        let mut live: Vec<Entry> = entries.to_vec();
        let mut support: Vec<Entry> = support.to_vec();
        loop {
            let (source, lines) = render_crate(&live, &support);
            std::fs::write(self.dir.join("src/main.rs"), &source).expect("write main.rs");
            let errors = self.build();
            if errors.is_empty() {
                break;
            }
            let mut broken = BTreeSet::new();
            for error in errors {
                let module = error
                    .line
                    .and_then(|line| {
                        lines
                            .iter()
                            .find(|(_, range)| range.contains(&line))
                            .map(|(module, _)| module.clone())
                    })
                    .unwrap_or_else(|| {
                        panic!(
                            "a compile error outside every program (a harness defect):\n{}\n{source}",
                            error.rendered
                        )
                    });
                if broken.insert(module.clone()) {
                    outcomes.insert(
                        module,
                        Outcome::Compile {
                            code: error.code,
                            message: error.rendered,
                        },
                    );
                }
            }
            // Remove the broken programs and, transitively, their callers.
            loop {
                let before = broken.len();
                for entry in live.iter().chain(&support) {
                    if entry
                        .program
                        .callees()
                        .iter()
                        .any(|callee| broken.contains(&format!("p{callee}")))
                        && broken.insert(entry.module.clone())
                    {
                        outcomes.entry(entry.module.clone()).or_insert_with(|| {
                            Outcome::Skipped("a callee does not compile".into())
                        });
                    }
                }
                if broken.len() == before {
                    break;
                }
            }
            live.retain(|entry| !broken.contains(&entry.module));
            support.retain(|entry| !broken.contains(&entry.module));
        }
        let binary = self.target.join("debug").join("random-programs");
        // A generated program that never ends (a loop whose exit the
        // generated code misses) must fail the run, not hang it: the
        // programs without a result by the deadline are reported.
        let deadline = std::time::Duration::from_secs(120 + live.len() as u64 / 2);
        let stdout = run_with_deadline(&binary, deadline);
        for line in stdout.lines() {
            let Some(rest) = line.strip_prefix("RESULT ") else {
                continue;
            };
            let mut parts = rest.splitn(3, ' ');
            let module = parts.next().expect("a module").to_owned();
            let kind = parts.next().expect("a kind");
            let detail = parts.next().unwrap_or("").to_owned();
            let outcome = match kind {
                "ok" => Outcome::Passed {
                    checked: detail.parse().expect("a count"),
                },
                "skip" => Outcome::Skipped(detail),
                "wrong" => Outcome::Wrong(detail),
                "panic" => Outcome::Panicked(detail),
                other => panic!("unknown result {other}"),
            };
            outcomes.insert(module, outcome);
        }
        for entry in &live {
            outcomes.entry(entry.module.clone()).or_insert_with(|| {
                Outcome::Panicked(
                    "no result (the run aborted, or did not end by its deadline)".into(),
                )
            });
        }
        outcomes
    }

    /// `cargo build`; the errors, with the line of `src/main.rs` each
    /// points at.
    fn build(&self) -> Vec<CompileError> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let output = Command::new(cargo)
            .args(["build", "--quiet", "--message-format=json"])
            .arg("--target-dir")
            .arg(&self.target)
            .current_dir(&self.dir)
            .env_remove("RUSTFLAGS")
            .output()
            .expect("cargo runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let mut errors = Vec::new();
        for line in stdout.lines() {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if message["reason"] != "compiler-message" || message["message"]["level"] != "error" {
                continue;
            }
            let diagnostic = &message["message"];
            let rendered = diagnostic["rendered"].as_str().unwrap_or("").to_owned();
            if rendered.starts_with("error: aborting") {
                continue;
            }
            let code = diagnostic["code"]["code"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    diagnostic["message"]
                        .as_str()
                        .unwrap_or("")
                        .chars()
                        .take(40)
                        .collect()
                });
            errors.push(CompileError {
                line: primary_line(diagnostic),
                code,
                rendered,
            });
        }
        if errors.is_empty() && !output.status.success() {
            panic!(
                "cargo build failed without a compiler error:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        errors
    }
}

struct CompileError {
    line: Option<usize>,
    code: String,
    rendered: String,
}

/// The line in `src/main.rs` of a diagnostic's primary span, following
/// macro expansions back to the user's code.
fn primary_line(diagnostic: &serde_json::Value) -> Option<usize> {
    let spans = diagnostic["spans"].as_array()?;
    let span = spans
        .iter()
        .find(|s| s["is_primary"] == true)
        .or(spans.first())?;
    let mut span = span;
    loop {
        if span["file_name"] == "src/main.rs" {
            return span["line_start"].as_u64().map(|l| l as usize);
        }
        span = &span["expansion"]["span"];
        if span.is_null() {
            return None;
        }
    }
}

/// The crate's `main.rs` and, per module, the lines it spans.
fn render_crate(
    entries: &[Entry],
    support: &[Entry],
) -> (String, Vec<(String, std::ops::Range<usize>)>) {
    let mut source =
        String::from("#![allow(unused, clippy::all)]\nuse tapeless::prelude::*;\nmod check;\n\n");
    let mut lines = Vec::new();
    for entry in support.iter().chain(entries) {
        let start = source.lines().count() + 1;
        source.push_str(&entry.program.render(&entry.module));
        let end = source.lines().count() + 1;
        lines.push((entry.module.clone(), start..end));
    }
    source.push_str("\nfn main() {\n    check::quiet();\n");
    for entry in entries {
        let module = &entry.module;
        let ([x0, x1, x2], s, [d0, d1, d2, d3]) = entry.point;
        let flatten = match entry.program.wrt {
            Wrt::X => "let g = [g[0], g[1], g[2]];",
            Wrt::S => "let g = [g];",
            Wrt::Both => "let g = [g.0[0], g.0[1], g.0[2], g.1];",
        };
        let cotangent = match entry.program.wrt {
            Wrt::X => "let g = [c.0[0], c.0[1], c.0[2]];",
            Wrt::S => "let g = [c.1];",
            Wrt::Both => "let g = [c.0[0], c.0[1], c.0[2], c.1];",
        };
        // `_jvp` along each unit direction of the differentiated arguments.
        let jvp = match entry.program.wrt {
            Wrt::X => format!(
                "(0..3).map(|k| {{ let mut e = Vector3::zeros(); e[k] = 1.0; {module}::f_jvp(x, s, d, &e, NoTangent, NoTangent) }}).collect::<Vec<_>>()"
            ),
            Wrt::S => format!("vec![{module}::f_jvp(x, s, d, NoTangent, &1.0, NoTangent)]"),
            Wrt::Both => format!(
                "(0..4).map(|k| {{ let mut e = Vector3::zeros(); if k < 3 {{ e[k] = 1.0; }} {module}::f_jvp(x, s, d, &e, &if k == 3 {{ 1.0 }} else {{ 0.0 }}, NoTangent) }}).collect::<Vec<_>>()"
            ),
        };
        // `_jvp2` along the unit vectors of the differentiated components,
        // as `u` and as `v`: the gradient and the Hessian in one pass.
        let hyper = "tapeless::__private::Hyper";
        let second = match entry.program.wrt {
            Wrt::X => format!(
                "let u = [Vector3::x(), Vector3::y(), Vector3::z()]; let (v, g, _, h) = {module}::f_jvp2(x, s, d, {hyper} {{ u: &u, v: &u, uv: None }}, NoTangent, NoTangent);"
            ),
            Wrt::S => format!(
                "let (v, g, _, h) = {module}::f_jvp2(x, s, d, NoTangent, {hyper} {{ u: &[1.0], v: &[1.0], uv: None }}, NoTangent);"
            ),
            Wrt::Both => format!(
                "let (ux, us) = ([Vector3::x(), Vector3::y(), Vector3::z(), Vector3::zeros()], [0.0, 0.0, 0.0, 1.0]); let (v, g, _, h) = {module}::f_jvp2(x, s, d, {hyper} {{ u: &ux, v: &ux, uv: None }}, {hyper} {{ u: &us, v: &us, uv: None }}, NoTangent);"
            ),
        };
        let wrt = match entry.program.wrt {
            Wrt::X => "&[0, 1, 2]",
            Wrt::S => "&[3]",
            Wrt::Both => "&[0, 1, 2, 3]",
        };
        writeln!(
            source,
            "    check::run({module:?}, [{x0:?}, {x1:?}, {x2:?}, {s:?}], [{d0:?}, {d1:?}, {d2:?}, {d3:?}], {wrt}, {module}::f,
        |x, s, d| {{ let (v, g) = {module}::f_grad(x, s, d); {flatten} (v, g.to_vec()) }},
        |x, s, d| {{ let (v, pullback) = {module}::f_vjp(x, s, d); let c = pullback(1.0); {cotangent} (v, g.to_vec()) }},
        |x, s, d| {{ let t = {jvp}; (t[0].0, t.iter().map(|t| t.1).collect()) }},
        |x, s, d| {{ {second} (v, g.to_vec(), h.iter().map(|row| row.to_vec()).collect()) }});"
        )
        .expect("write");
    }
    source.push_str("}\n");
    (source, lines)
}

/// The checker compiled into the scratch crate (`src/check.rs`).
pub(crate) const CHECK: &str = include_str!("check.rs");

impl Scratch {
    /// Writes the checker next to `main.rs`.
    pub(crate) fn install_checker(&self) {
        std::fs::write(self.dir.join("src/check.rs"), CHECK).expect("write check.rs");
    }
}

/// Runs `binary` and returns its standard output; kills it at `deadline`
/// (what it printed until then is returned).
fn run_with_deadline(binary: &std::path::Path, deadline: std::time::Duration) -> String {
    use std::io::Read as _;
    let mut child = Command::new(binary)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
    let mut pipe = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    });
    let start = std::time::Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
        }
    }
    let bytes = reader.join().expect("the reader thread");
    String::from_utf8_lossy(&bytes).into_owned()
}
