//! The values every counting method takes: candidates, seats and weighted ballots.

use serde::{Deserialize, Serialize};

/// A candidate's position in [`Election::candidates`], counted from zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CandidateId(pub u32);

impl CandidateId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One ranked ballot, or many identical ones (`weight` copies).
///
/// `ranks[0]` is the first preference. A rank holds more than one candidate where the voter
/// ranked them equally (`=` in BLT); methods that do not accept equal rankings say what they do
/// with them in their report.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ballot {
    pub weight: u64,
    pub ranks: Vec<Vec<CandidateId>>,
}

/// An election as a file describes it: who stands, how many seats, who withdrew, and the ballots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Election {
    pub title: String,
    pub candidates: Vec<String>,
    pub seats: u32,
    pub withdrawn: Vec<CandidateId>,
    pub ballots: Vec<Ballot>,
}
