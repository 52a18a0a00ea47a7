//! The tutorials of tapeless: PyTorch's tutorials written with tapeless,
//! each a `cargo run --release --example NAME` from the repository root
//! (see the README's table). This package exists so that running them
//! compiles only what they need: tapeless, plotters for the pictures,
//! indicatif for the progress bar and serde_json for PyTorch's recorded
//! numbers, and none of the test and benchmark tools.
//!
//! The tutorials' shared code is `common/` beside this file;
//! `tests/examples_output.rs` checks their numbers against PyTorch's runs.
