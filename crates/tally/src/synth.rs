//! Large synthetic elections, generated reproducibly from a seed, for benchmarks and tests.
//!
//! Voters rank candidates by a Plackett-Luce model: each next preference is drawn among the
//! candidates not yet ranked, with probability proportional to the candidate's popularity, and
//! candidates of the party just ranked get a bonus (voters tend to follow a party down the
//! ballot). Ballot lengths are geometric (most voters rank a few candidates), as in real
//! STV elections. The generator is pure: the same spec gives the same ballots on every machine.

use std::fmt::Write as _;

use crate::{Ballot, CandidateId, Election, Lot};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthSpec {
    pub candidates: u32,
    pub seats: u32,
    pub ballots: u64,
    pub seed: u64,
    /// Parties the candidates are spread over (candidate `i` stands for party `i % parties`).
    pub parties: u32,
}

impl SynthSpec {
    pub fn new(candidates: u32, seats: u32, ballots: u64, seed: u64) -> Self {
        SynthSpec {
            candidates,
            seats,
            ballots,
            seed,
            parties: candidates.div_ceil(3).max(1),
        }
    }

    fn title(&self) -> String {
        format!(
            "Synthetic election: {} ballots, {} candidates, {} seats, seed {}",
            self.ballots, self.candidates, self.seats, self.seed
        )
    }

    fn names(&self) -> Vec<String> {
        (0..self.candidates)
            .map(|i| format!("Candidate {} (P{})", i + 1, i % self.parties.max(1) + 1))
            .collect()
    }
}

/// Draws ballots one by one into `out` (cleared first); calls `emit` for each.
fn each_ballot(spec: &SynthSpec, mut emit: impl FnMut(&[u32])) {
    let n = spec.candidates as usize;
    if n == 0 {
        return;
    }
    let parties = spec.parties.max(1) as usize;
    let mut lot = Lot::new(spec.seed);
    // Popularities: 1000 × a Zipf-like fall-off, shuffled so candidate 1 is not always first.
    let mut popularity: Vec<u64> = (0..n).map(|i| 12_000 / (i as u64 + 2) + 200).collect();
    for i in (1..n).rev() {
        let j = lot.draw(i + 1).unwrap_or(0);
        popularity.swap(i, j);
    }
    let mut weight = vec![0u64; n];
    let mut ballot: Vec<u32> = Vec::with_capacity(n);
    for _ in 0..spec.ballots {
        weight.copy_from_slice(&popularity);
        let mut total: u64 = weight.iter().sum();
        ballot.clear();
        loop {
            // Geometric length: after each preference, stop with probability 1/4.
            if !ballot.is_empty() && lot.draw(4) == Some(0) {
                break;
            }
            if total == 0 {
                break;
            }
            let mut x = draw_below(&mut lot, total);
            let mut pick = 0;
            for (c, &w) in weight.iter().enumerate() {
                if x < w {
                    pick = c;
                    break;
                }
                x -= w;
            }
            ballot.push(pick as u32);
            total -= weight[pick];
            weight[pick] = 0;
            // Party loyalty: the party's remaining candidates become five times as likely.
            let party = pick % parties;
            for c in (party..n).step_by(parties) {
                if weight[c] > 0 {
                    total += 4 * weight[c];
                    weight[c] *= 5;
                }
            }
        }
        emit(&ballot);
    }
}

fn draw_below(lot: &mut Lot, n: u64) -> u64 {
    // `Lot::draw` takes a usize; totals here are far below u32::MAX.
    lot.draw(usize::try_from(n).unwrap_or(usize::MAX))
        .unwrap_or(0) as u64
}

/// The synthetic election as a BLT file, one line per ballot (weight 1), as a voter-level
/// export would write it. Candidates are named on a `[nick c1 c2 ...]` line and the ballots
/// use those nicknames, the dialect that both federa and the Droop family of counters read.
pub fn blt(spec: &SynthSpec) -> String {
    let mut out = String::with_capacity(spec.ballots as usize * 20 + 1024);
    let _ = writeln!(out, "{} {}", spec.candidates, spec.seats);
    out.push_str("[nick");
    for i in 1..=spec.candidates {
        let _ = write!(out, " c{i}");
    }
    out.push_str("]\n");
    each_ballot(spec, |b| {
        out.push('1');
        for &c in b {
            let _ = write!(out, " c{}", c + 1);
        }
        out.push_str(" 0\n");
    });
    out.push_str("0\n");
    for name in spec.names() {
        let _ = writeln!(out, "\"{name}\"");
    }
    let _ = writeln!(out, "\"{}\"", spec.title());
    out
}

/// The synthetic election in memory, identical ballots merged into one with their weight.
pub fn election(spec: &SynthSpec) -> Election {
    let mut index: std::collections::HashMap<Vec<u32>, usize> = std::collections::HashMap::new();
    let mut ballots: Vec<Ballot> = Vec::new();
    each_ballot(spec, |b| match index.get(b) {
        Some(&i) => ballots[i].weight += 1,
        None => {
            index.insert(b.to_vec(), ballots.len());
            ballots.push(Ballot {
                weight: 1,
                ranks: b.iter().map(|&c| vec![CandidateId(c)]).collect(),
            });
        }
    });
    Election {
        title: spec.title(),
        candidates: spec.names(),
        seats: spec.seats,
        withdrawn: Vec::new(),
        ballots,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_election() {
        let spec = SynthSpec::new(7, 3, 500, 9);
        assert_eq!(blt(&spec), blt(&spec));
        assert_ne!(blt(&spec), blt(&SynthSpec::new(7, 3, 500, 10)));
        let e = election(&spec);
        assert_eq!(e.ballots.iter().map(|b| b.weight).sum::<u64>(), 500);
        assert!(e.ballots.len() < 500, "identical ballots are merged");
        for b in &e.ballots {
            assert!(!b.ranks.is_empty() && b.ranks.len() <= 7);
            let mut seen: Vec<_> = b.ranks.iter().flatten().collect();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), b.ranks.len(), "no candidate twice");
        }
    }

    #[test]
    fn blt_text_has_the_ballots() {
        let text = blt(&SynthSpec::new(4, 2, 10, 1));
        assert!(text.starts_with("4 2\n[nick c1 c2 c3 c4]\n"));
        assert_eq!(text.lines().filter(|l| l.starts_with("1 ")).count(), 10);
        assert!(text.contains("\"Candidate 4 (P2)\""));
    }
}
