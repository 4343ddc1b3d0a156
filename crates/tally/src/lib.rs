//! `tally` counts votes and ballots for every decision federa records.
//!
//! It exists so that a count can be checked, replayed and explained: every method takes
//! values (an [`Election`] and its rules) and returns a result together with a round-by-round
//! report. It refuses to do I/O, async, SQL or HTTP: callers read files and hand over bytes or
//! strings, and store or print what comes back.

pub mod approval;
pub mod borda;
pub mod decision;
pub mod election;
pub mod formats;
pub mod irv;
pub mod lot;
pub mod num;
pub mod plurality;
pub mod ranked;
pub mod report;
pub mod schulze;
pub mod stv;
pub mod synth;

pub use election::{Ballot, CandidateId, Election, FlatBallots, FlatElection, RANK_BREAK};
pub use lot::Lot;
pub use report::{Outcome, Round, SetAside, Tally};
