//! Tests: governance rules and the founding day.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod founding_day;
mod minutes;
mod properties;
mod rules;
