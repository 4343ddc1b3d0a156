//! `federa_core` is the domain model of an association or federation and the rules it lives by.
//!
//! It exists so that quorum, majorities, eligibility and the order of a meeting's business are
//! decided in one place that can be tested without a database. It refuses to do I/O: it knows
//! nothing of SQL, HTTP, files, clocks or async; callers pass the current time and stored values
//! in and persist what comes back.

pub mod error;
pub mod governance;
pub mod org;
pub mod registry;
