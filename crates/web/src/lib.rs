//! `federa_web` is the only crate that knows HTTP.
