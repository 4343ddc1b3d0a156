//! Integration tests of the counting engine, driven by shared/testdata/tally.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod decision;
mod flat;
mod formats;
mod methods;
mod stv;
