//! Tests: decision.
