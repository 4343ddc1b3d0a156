//! Plurality and block vote: each voter votes for up to as many candidates as there are seats,
//! and the candidates with the most votes are elected.
//!
//! Source: the first-past-the-post rules of UK elections, e.g. the Parliamentary Elections
//! Rules (Representation of the People Act 1983, Schedule 1): the candidate(s) with the most
//! votes are returned, and "where an equality of votes is found ... the returning officer shall
//! forthwith decide between those candidates by lot" (rule 49). With `k` seats, each voter
//! marks up to `k` candidates (block vote, as in multi-member wards of English local
//! elections); a ballot marking more than `k` is void for uncertainty as to the surplus marks.
//!
//! Ranked ballots are read as marks: a ballot votes for its highest-ranked standing candidates,
//! whole ranks at a time, as long as they number at most `k`. A ballot whose first rank alone
//! holds more than `k` candidates is set aside (an overvote); where a later rank would go over
//! `k`, only the ranks before it count, and the count says how many ballots that was.
//! Ties for the last seat are broken by lot from the recorded seed.

use crate::ranked::{CountError, Ranked, empty_ballots, ids, names, top_k};
use crate::{Election, Lot, Outcome, Round, SetAside, Tally};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PluralityOptions {
    /// Seats to fill; the election's own number when `None`.
    pub seats: Option<u32>,
    /// Seed of the lot that breaks ties for the last seat.
    pub seed: u64,
}

/// Counts by plurality (one seat) or block vote (several). See the [module docs](self).
pub fn count(election: &Election, options: &PluralityOptions) -> Result<Outcome, CountError> {
    let ranked = Ranked::new(election)?;
    let seats = options.seats.unwrap_or(election.seats);
    if seats == 0 {
        return Err(CountError::NoSeats);
    }
    let k = seats as usize;
    let mut votes = vec![0u64; ranked.n];
    let mut overvoted = 0u64;
    let mut cut = 0u64;
    for b in 0..ranked.ballots() {
        let w = ranked.weights[b];
        let mut marked = 0usize;
        for (i, &span) in ranked.ranks(b).iter().enumerate() {
            let rank = ranked.rank(span);
            if marked + rank.len() > k {
                if i == 0 {
                    overvoted += w;
                } else {
                    cut += w;
                }
                break;
            }
            marked += rank.len();
            for &c in rank {
                votes[c as usize] += w;
            }
        }
    }
    let standing = ranked.candidates();
    let scores: Vec<(u32, u64)> = standing.iter().map(|&c| (c, votes[c as usize])).collect();
    let mut lot = Lot::new(options.seed);
    let top = top_k(&scores, k, Some(&mut lot));

    let mut set_aside: Vec<SetAside> = empty_ballots(&ranked).into_iter().collect();
    if overvoted > 0 {
        set_aside.push(SetAside {
            ballot: None,
            count: overvoted,
            reason: format!("marks more than {k} candidate(s) at its first rank (overvote)"),
        });
    }
    let mut notes = Vec::new();
    if cut > 0 {
        notes.push(format!(
            "{cut} ballots rank more candidates than the {k} seat(s): only their first {k} preference(s) count as votes"
        ));
    }
    let mut action = format!(
        "{} elected with the most votes",
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
    let mut tallies: Vec<Tally> = scores
        .iter()
        .map(|&(c, v)| Tally {
            candidate: crate::CandidateId(c),
            votes: v.to_string(),
        })
        .collect();
    tallies.sort_by(|a, b| {
        votes[b.candidate.index()]
            .cmp(&votes[a.candidate.index()])
            .then(a.candidate.cmp(&b.candidate))
    });
    Ok(Outcome {
        method: if k == 1 { "plurality" } else { "block-vote" }.into(),
        source: "Parliamentary Elections Rules (Representation of the People Act 1983, Schedule 1), rule 49: most votes elected, equality decided by lot; block vote with one mark per seat".into(),
        seats,
        elected: ids(top.chosen.iter().copied()),
        order: None,
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
        set_aside,
        seed: Some(options.seed),
        notes,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::formats::blt;

    #[test]
    fn block_vote_counts_marks_and_voids_overvotes() {
        // 2 seats; the third ballot line marks three candidates at once: void.
        let e =
            blt::parse("4 2\n3 1 2 0\n2 3 0\n1 1=2=3 0\n2 4 3 1 0\n0\nA\nB\nC\nD\nT\n").unwrap();
        let o = count(&e, &PluralityOptions::default()).unwrap();
        assert_eq!(o.method, "block-vote");
        // A 3, B 3, C 2+2=4, D 2
        assert_eq!(o.elected.len(), 2);
        assert_eq!(o.elected[0], crate::CandidateId(2));
        assert_eq!(o.set_aside.len(), 1);
        assert_eq!(o.set_aside[0].count, 1);
        assert!(o.rounds[0].action.contains("by lot"));
    }
}
