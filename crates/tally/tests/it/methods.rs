//! Tests: methods.
