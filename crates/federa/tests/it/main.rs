//! Integration tests of the `federa` binary, run as a user would run it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod import_cmd;
mod serve;
mod tally_cmd;
