//! Tests: formats.
