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

impl Outcome {
    /// The outcome as one JSON object, with candidates by NAME (as in the ballot file):
    /// `method`, `source`, `seats`, `elected`, `order` (tiers of names, where the method gives
    /// an order), `rounds` (each with `tallies` as `{candidate, votes}`, `quota`,
    /// `non_transferable`, `rounding_loss`, `elected`, `excluded`, `action`), `set_aside`,
    /// `seed` and `notes`.
    pub fn to_json(&self, candidates: &[String]) -> serde_json::Value {
        use serde_json::json;
        let name = |c: &CandidateId| -> serde_json::Value {
            candidates
                .get(c.index())
                .map_or_else(|| json!(format!("#{}", c.0 + 1)), |n| json!(n))
        };
        let list = |cs: &[CandidateId]| -> Vec<serde_json::Value> { cs.iter().map(name).collect() };
        json!({
            "method": self.method,
            "source": self.source,
            "seats": self.seats,
            "elected": list(&self.elected),
            "order": self.order.as_ref().map(|o| o.iter().map(|t| list(t)).collect::<Vec<_>>()),
            "rounds": self.rounds.iter().map(|r| json!({
                "number": r.number,
                "tallies": r.tallies.iter().map(|t| json!({
                    "candidate": name(&t.candidate),
                    "votes": t.votes,
                })).collect::<Vec<_>>(),
                "quota": r.quota,
                "non_transferable": r.non_transferable,
                "rounding_loss": r.rounding_loss,
                "elected": list(&r.elected),
                "excluded": list(&r.excluded),
                "action": r.action,
            })).collect::<Vec<_>>(),
            "set_aside": self.set_aside.iter().map(|s| json!({
                "ballot": s.ballot,
                "count": s.count,
                "reason": s.reason,
            })).collect::<Vec<_>>(),
            "seed": self.seed,
            "notes": self.notes,
        })
    }

    /// The outcome as a readable report: the result first, then each round with every
    /// candidate's votes, then what was set aside and the notes.
    pub fn to_text(&self, candidates: &[String]) -> String {
        use std::fmt::Write as _;
        let name = |c: &CandidateId| -> String {
            candidates
                .get(c.index())
                .cloned()
                .unwrap_or_else(|| format!("#{}", c.0 + 1))
        };
        let list =
            |cs: &[CandidateId]| -> String { cs.iter().map(name).collect::<Vec<_>>().join(", ") };
        let mut out = String::new();
        let _ = writeln!(out, "Method: {} ({} seat(s))", self.method, self.seats);
        let _ = writeln!(out, "Rule:   {}", self.source);
        if let Some(seed) = self.seed {
            let _ = writeln!(
                out,
                "Seed:   {seed} (ties decided by lot replay with this seed)"
            );
        }
        let elected = if self.elected.is_empty() {
            "nobody".to_owned()
        } else {
            list(&self.elected)
        };
        let _ = writeln!(out, "Elected: {elected}");
        if let Some(order) = &self.order {
            let tiers: Vec<String> = order
                .iter()
                .map(|t| t.iter().map(name).collect::<Vec<_>>().join(" = "))
                .collect();
            let _ = writeln!(out, "Order:   {}", tiers.join(" > "));
        }
        let width = self
            .rounds
            .iter()
            .flat_map(|r| r.tallies.iter())
            .map(|t| name(&t.candidate).chars().count())
            .max()
            .unwrap_or(0)
            .max(16);
        for r in &self.rounds {
            let _ = writeln!(out, "\nRound {}", r.number);
            if let Some(q) = &r.quota {
                let _ = writeln!(out, "  quota: {q}");
            }
            for t in &r.tallies {
                let mark = if r.elected.contains(&t.candidate) {
                    "  elected"
                } else if r.excluded.contains(&t.candidate) {
                    "  excluded"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "  {:<width$}  {:>14}{mark}",
                    name(&t.candidate),
                    t.votes
                );
            }
            if let Some(nt) = &r.non_transferable {
                let _ = writeln!(out, "  {:<width$}  {:>14}", "non-transferable", nt);
            }
            if let Some(loss) = &r.rounding_loss {
                let _ = writeln!(out, "  {:<width$}  {:>14}", "rounding loss", loss);
            }
            let _ = writeln!(out, "  {}", r.action);
        }
        if !self.set_aside.is_empty() {
            let _ = writeln!(out, "\nSet aside:");
            for s in &self.set_aside {
                match s.ballot {
                    Some(b) => {
                        let _ = writeln!(out, "  ballot {b}: {} ({})", s.reason, s.count);
                    }
                    None => {
                        let _ = writeln!(out, "  {:>8}  {}", s.count, s.reason);
                    }
                }
            }
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out, "\nNotes:");
            for n in &self.notes {
                let _ = writeln!(out, "  {n}");
            }
        }
        out
    }
}
