//! What every count returns: the result and how it was reached, round by round.
//!
//! Methods build an [`Outcome`]. Vote figures are kept as text in the method's own arithmetic
//! (e.g. `"1234.56789"` for Scottish STV's five decimals), so that a report shows exactly the
//! numbers the rule computed, never a float's approximation of them.

use serde::{Deserialize, Serialize};

use crate::CandidateId;

/// The result of a count and its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The method's command-line name, e.g. `scottish-stv`.
    pub method: String,
    /// Where the rule comes from (statute, manual, paper).
    pub source: String,
    pub seats: u32,
    /// The elected, in the order they were elected (or ranked, for ordering methods).
    pub elected: Vec<CandidateId>,
    /// A full order of the candidates where the method gives one (Schulze, Borda).
    pub order: Option<Vec<Vec<CandidateId>>>,
    pub rounds: Vec<Round>,
    /// Ballots not counted, or no longer counted, and why.
    pub set_aside: Vec<SetAside>,
    /// The seed of the lot, where ties may be broken by lot; recorded so the count replays.
    pub seed: Option<u64>,
    /// Anything else a reader of the count should know (e.g. how equal rankings were treated).
    pub notes: Vec<String>,
}

/// One round (stage) of a count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub number: u32,
    /// Each continuing (or elected) candidate's votes at the end of this round.
    pub tallies: Vec<Tally>,
    pub quota: Option<String>,
    /// Votes that could not be transferred (exhausted), cumulative.
    pub non_transferable: Option<String>,
    /// Votes lost to the rule's rounding, cumulative, where the rule rounds.
    pub rounding_loss: Option<String>,
    pub elected: Vec<CandidateId>,
    pub excluded: Vec<CandidateId>,
    /// What happened in this round and why, as a sentence.
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub candidate: CandidateId,
    pub votes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAside {
    /// Index of the ballot (line) in the input, where known.
    pub ballot: Option<usize>,
    /// How many ballots this entry stands for (a weighted ballot line).
    pub count: u64,
    pub reason: String,
}
