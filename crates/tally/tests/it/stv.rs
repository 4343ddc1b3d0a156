//! Tests: stv.
