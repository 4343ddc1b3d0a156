//! `federa_store` is the only crate that speaks SQL.
