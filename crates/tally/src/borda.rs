//! The Borda count.
//!
//! Source: J.-C. de Borda, "Mémoire sur les élections au scrutin", Histoire de l'Académie
//! Royale des Sciences, 1781 (1784): with `n` candidates, a ballot gives `n - 1` points to its
//! first choice, `n - 2` to its second, down to 0 for its last; the most points win.
//!
//! Variant, stated because ballots in practice are not all complete orders:
//! - `n` counts the standing candidates (withdrawn ones are struck out first);
//! - a truncated ballot gives 0 points to the candidates it leaves unranked, and the ranked
//!   ones keep the points of their positions (`n - 1`, `n - 2`, ...: the "pessimistic" or
//!   "optional-truncation" Borda, not the modified Borda count that scores by ballot length);
//! - candidates ranked equally share the positions they occupy: each receives the average of
//!   their points, which is always a whole or half number, so scores are kept in half-points
//!   and stay exact.
//!
//! With `k` seats, the `k` highest scores are elected; a tie at the last seat is broken by lot
//! from the recorded seed.

use crate::ranked::{CountError, Ranked, empty_ballots, ids, names, top_k};
use crate::{CandidateId, Election, Lot, Outcome, Round, Tally};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BordaOptions {
    pub seats: Option<u32>,
    pub seed: u64,
}

fn half_points(h: u64) -> String {
    if h.is_multiple_of(2) {
        (h / 2).to_string()
    } else {
        format!("{}.5", h / 2)
    }
}

/// Counts by Borda. See the [module docs](self).
pub fn count(election: &Election, options: &BordaOptions) -> Result<Outcome, CountError> {
    let r = Ranked::new(election)?;
    let standing = r.candidates();
    let n = standing.len() as u64;
    if n == 0 {
        return Err(CountError::Invalid("every candidate has withdrawn".into()));
    }
    let seats = options.seats.unwrap_or(election.seats);
    if seats == 0 {
        return Err(CountError::NoSeats);
    }
    // Scores in half-points: the position `p` (0-based) is worth 2 * (n - 1 - p) half-points.
    let mut score = vec![0u64; r.n];
    for b in 0..r.ballots() {
        let w = r.weights[b];
        let mut p = 0u64;
        for &span in r.ranks(b) {
            let rank = r.rank(span);
            let size = rank.len() as u64;
            // Positions p .. p + size - 1; average points = (n-1-p + n-p-size) / 2.
            let half = (n - 1 - p) + (n - p - size);
            for &c in rank {
                score[c as usize] += w * half;
            }
            p += size;
        }
    }
    let scores: Vec<(u32, u64)> = standing.iter().map(|&c| (c, score[c as usize])).collect();
    let mut lot = Lot::new(options.seed);
    let top = top_k(&scores, seats as usize, Some(&mut lot));
    let mut sorted = scores.clone();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let tallies: Vec<Tally> = sorted
        .iter()
        .map(|&(c, h)| Tally {
            candidate: CandidateId(c),
            votes: half_points(h),
        })
        .collect();
    // The full order, with equal scores as ties.
    let mut order: Vec<Vec<CandidateId>> = Vec::new();
    let mut last = None;
    for &(c, h) in &sorted {
        match order.last_mut() {
            Some(tier) if last == Some(h) => tier.push(CandidateId(c)),
            _ => order.push(vec![CandidateId(c)]),
        }
        last = Some(h);
    }
    let mut action = format!(
        "{} elected with the highest score",
        names(election, &top.chosen)
    );
    if top.places_left > 0 {
        action.push_str(&format!(
            "; {} tied for the last {} seat(s), decided by lot (seed {})",
            names(election, &top.tied),
            top.places_left,
            options.seed
        ));
    }
    Ok(Outcome {
        method: "borda".into(),
        source: "J.-C. de Borda, 'Mémoire sur les élections au scrutin', 1781: n-1 points for a first choice down to 0; unranked candidates 0, equal ranks share their positions' points".into(),
        seats,
        elected: ids(top.chosen.iter().copied()),
        order: Some(order),
        rounds: vec![Round {
            number: 1,
            tallies,
            quota: None,
            non_transferable: None,
            rounding_loss: None,
            elected: ids(top.chosen.iter().copied()),
            excluded: Vec::new(),
            action,
        }],
        set_aside: empty_ballots(&r).into_iter().collect(),
        seed: Some(options.seed),
        notes: vec![format!("{n} standing candidates: a first choice is worth {} points", n - 1)],
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::formats::blt;

    #[test]
    fn equal_ranks_share_points_and_truncation_gives_zero() {
        // 3 candidates: "1=2 3" gives A and B 1.5 each, C 0; "3" gives C 2.
        let e = blt::parse("3 1\n1 1=2 3 0\n1 3 0\n0\nA\nB\nC\nT\n").unwrap();
        let o = count(&e, &BordaOptions::default()).unwrap();
        let votes: Vec<&str> = o.rounds[0]
            .tallies
            .iter()
            .map(|t| t.votes.as_str())
            .collect();
        assert_eq!(votes, ["2", "1.5", "1.5"]);
        assert_eq!(o.elected, vec![CandidateId(2)]);
    }
}
