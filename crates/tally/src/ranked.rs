//! Ranked ballots laid out flat for counting, shared by the non-STV methods.
//!
//! Ballots are taken from an [`Election`] once: withdrawn candidates are struck out, ranks left
//! empty are dropped, and a candidate ranked twice keeps only its first (highest) rank. Every
//! ballot's ranks then live end to end in one array, so a count walks memory in order and
//! allocates nothing per ballot.

use crate::election::BallotsRef;
use crate::{CandidateId, Election, SetAside};

/// Why a count could not be made at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    #[error("the election has no candidates")]
    NoCandidates,
    #[error("the election has no seats to fill")]
    NoSeats,
    #[error("ballot {ballot} ranks candidate number {candidate}, but there are only {candidates}")]
    UnknownCandidate {
        ballot: usize,
        candidate: u32,
        candidates: usize,
    },
    #[error("{0}")]
    Invalid(String),
}

pub(crate) struct Ranked {
    /// Number of candidates (including withdrawn ones, who are never counted).
    pub n: usize,
    pub standing: Vec<bool>,
    pub weights: Vec<u64>,
    /// Ballot `b`'s ranks are `spans[rank_start[b]..rank_start[b + 1]]`.
    pub rank_start: Vec<u32>,
    /// A rank is `cands[start..end]`.
    pub spans: Vec<(u32, u32)>,
    pub cands: Vec<u32>,
}

impl Ranked {
    pub fn new(election: &Election) -> Result<Ranked, CountError> {
        Ranked::of(election, BallotsRef::Nested(&election.ballots))
    }

    /// `election`'s candidates and withdrawals, with `ballots` (its own or flat ones).
    pub fn of(election: &Election, ballots: BallotsRef<'_>) -> Result<Ranked, CountError> {
        let n = election.candidates.len();
        if n == 0 {
            return Err(CountError::NoCandidates);
        }
        let mut standing = vec![true; n];
        for w in &election.withdrawn {
            if let Some(s) = standing.get_mut(w.index()) {
                *s = false;
            }
        }
        let count = ballots.len();
        let mut r = Ranked {
            n,
            standing,
            weights: Vec::with_capacity(count),
            rank_start: Vec::with_capacity(count + 1),
            spans: Vec::with_capacity(count * 4),
            cands: Vec::with_capacity(count * 4),
        };
        let mut stamp = vec![usize::MAX; n];
        r.rank_start.push(0);
        ballots.each(|i, weight, ranks| {
            for rank in ranks {
                let start = r.cands.len() as u32;
                for &c in rank {
                    let ci = c.index();
                    if ci >= n {
                        return Err(CountError::UnknownCandidate {
                            ballot: i + 1,
                            candidate: c.0 + 1,
                            candidates: n,
                        });
                    }
                    if !r.standing[ci] || stamp[ci] == i {
                        continue;
                    }
                    stamp[ci] = i;
                    r.cands.push(c.0);
                }
                let end = r.cands.len() as u32;
                if end > start {
                    r.spans.push((start, end));
                }
            }
            r.weights.push(weight);
            r.rank_start.push(r.spans.len() as u32);
            Ok(())
        })?;
        Ok(r)
    }

    pub fn ballots(&self) -> usize {
        self.weights.len()
    }

    pub fn ranks(&self, b: usize) -> &[(u32, u32)] {
        &self.spans[self.rank_start[b] as usize..self.rank_start[b + 1] as usize]
    }

    pub fn rank(&self, span: (u32, u32)) -> &[u32] {
        &self.cands[span.0 as usize..span.1 as usize]
    }

    /// The standing candidates, in order.
    pub fn candidates(&self) -> Vec<u32> {
        (0..self.n as u32)
            .filter(|&c| self.standing[c as usize])
            .collect()
    }

    /// Total weight of the ballots that rank no standing candidate.
    pub fn empty_weight(&self) -> u64 {
        (0..self.ballots())
            .filter(|&b| self.ranks(b).is_empty())
            .map(|b| self.weights[b])
            .sum()
    }
}

/// A set-aside entry for the ballots that rank no standing candidate, if there are any.
pub(crate) fn empty_ballots(ranked: &Ranked) -> Option<SetAside> {
    let count = ranked.empty_weight();
    (count > 0).then(|| SetAside {
        ballot: None,
        count,
        reason: "ranks no standing candidate (blank, or only withdrawn candidates)".into(),
    })
}

pub(crate) fn ids(cs: impl IntoIterator<Item = u32>) -> Vec<CandidateId> {
    cs.into_iter().map(CandidateId).collect()
}

pub(crate) fn names(election: &Election, cs: &[u32]) -> String {
    let names: Vec<&str> = cs
        .iter()
        .map(|&c| {
            election
                .candidates
                .get(c as usize)
                .map_or("?", String::as_str)
        })
        .collect();
    match names.len() {
        0 => String::new(),
        1 => names[0].to_owned(),
        _ => {
            let (last, rest) = names.split_last().unwrap_or((&"", &[]));
            format!("{} and {last}", rest.join(", "))
        }
    }
}

/// How the candidates with the most votes were chosen for `seats` places.
pub(crate) struct TopK {
    pub chosen: Vec<u32>,
    /// Candidates tied across the boundary of the last place, if there was such a tie.
    pub tied: Vec<u32>,
    /// How many of `tied` were still to choose.
    pub places_left: usize,
}

/// Picks the `k` candidates with the highest scores, best first. A tie across the boundary of
/// the last place is reported in [`TopK::tied`] and, if `lot` is given, broken by lot.
pub(crate) fn top_k(scores: &[(u32, u64)], k: usize, lot: Option<&mut crate::Lot>) -> TopK {
    let mut sorted = scores.to_vec();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if k >= sorted.len() {
        return TopK {
            chosen: sorted.iter().map(|&(c, _)| c).collect(),
            tied: Vec::new(),
            places_left: 0,
        };
    }
    let boundary = sorted[k - 1].1;
    let first_tied = sorted.iter().position(|&(_, s)| s == boundary).unwrap_or(k);
    let last_tied = sorted
        .iter()
        .rposition(|&(_, s)| s == boundary)
        .unwrap_or(k);
    let mut chosen: Vec<u32> = sorted[..first_tied].iter().map(|&(c, _)| c).collect();
    if last_tied < k {
        chosen.extend(sorted[first_tied..k].iter().map(|&(c, _)| c));
        return TopK {
            chosen,
            tied: Vec::new(),
            places_left: 0,
        };
    }
    let mut tied: Vec<u32> = sorted[first_tied..=last_tied]
        .iter()
        .map(|&(c, _)| c)
        .collect();
    let places_left = k - first_tied;
    let report = tied.clone();
    if let Some(lot) = lot {
        for _ in 0..places_left {
            if let Some(i) = lot.draw(tied.len()) {
                chosen.push(tied.remove(i));
            }
        }
    }
    TopK {
        chosen,
        tied: report,
        places_left,
    }
}
