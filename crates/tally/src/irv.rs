//! Instant runoff (the alternative vote): one seat, filled by repeatedly excluding the
//! candidate with the fewest votes and passing their ballots on.
//!
//! Source: the Commonwealth Electoral Act 1918 (Australia), section 274, for the House of
//! Representatives: a candidate with more than half of the votes still in the count (an
//! absolute majority of the continuing ballots) is elected; otherwise the candidate with the
//! fewest votes is excluded and each of their ballots goes to its next preference for a
//! continuing candidate. A ballot with no such preference left is exhausted and reported.
//!
//! Ties for the fewest votes are the choice the source leaves to each jurisdiction, so it is an
//! option ([`IrvTie`]): exclude the tied candidate who had fewer votes at the latest earlier
//! round where their votes differed (section 274(7)-(8)'s rule), then by lot; exclude one of
//! them by lot; or exclude all tied candidates together. Wikipedia's 45-voter Schulze example
//! shows the difference: in round 2 B and E tie; excluding one elects C, excluding both
//! elects A.
//!
//! A rank holding several continuing candidates (an equal ranking) cannot count for one of
//! them: it is passed over like an overvote (Minneapolis Code of Ordinances 167.60(c)(2)), and
//! the count says how many ballots that was.
//!
//! Speed: identical ballots are counted once with their weight; ballots are kept in a bucket
//! per candidate they currently count for, so an exclusion touches only the excluded
//! candidate's ballots, and nothing is allocated per ballot per round.

use crate::election::BallotsRef;
use crate::ranked::{CountError, Ranked, empty_ballots, ids, names};
use crate::{CandidateId, Election, FlatElection, Lot, Outcome, Round, SetAside, Tally};

/// How to break a tie for the fewest votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IrvTie {
    /// Exclude the tied candidate with the fewest votes at the latest earlier round where the
    /// tied candidates' votes differed; if they never differed, by lot.
    #[default]
    PreviousRounds,
    /// Exclude one of the tied candidates, drawn by lot.
    Lot,
    /// Exclude every candidate tied for the fewest votes at once (by lot only if that would
    /// exclude every continuing candidate).
    AllTied,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IrvOptions {
    pub tie: IrvTie,
    pub seed: u64,
}

const NO_CANDIDATE: u32 = u32::MAX;

/// Counts by instant runoff. See the [module docs](self).
pub fn count(election: &Election, options: &IrvOptions) -> Result<Outcome, CountError> {
    count_in(election, BallotsRef::Nested(&election.ballots), options)
}

/// [`count`] for an election whose ballots are kept flat: the same outcome, without building
/// a vector per ballot (see [`FlatElection`]).
pub fn count_flat(election: &FlatElection, options: &IrvOptions) -> Result<Outcome, CountError> {
    election.count_with(|e, ballots| count_in(e, ballots, options))
}

fn count_in(
    election: &Election,
    ballots: BallotsRef<'_>,
    options: &IrvOptions,
) -> Result<Outcome, CountError> {
    let r = Ranked::of(election, ballots)?;
    let n = r.n;
    let mut continuing = r.standing.clone();
    let mut n_continuing = continuing.iter().filter(|&&c| c).count();
    if n_continuing == 0 {
        return Err(CountError::Invalid("every candidate has withdrawn".into()));
    }
    let d = r.ballots();
    // pos[b]: the rank ballot b counts at now.
    let mut pos = vec![0u32; d];
    let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut votes = vec![0u64; n];
    let mut exhausted = 0u64;
    let mut passed_over = 0u64;
    let mut passed_seen = vec![false; d];

    // Finds ballot b's highest rank, from pos[b] on, holding exactly one continuing candidate.
    let advance = |b: usize,
                   pos: &mut [u32],
                   continuing: &[bool],
                   passed_seen: &mut [bool],
                   passed_over: &mut u64|
     -> u32 {
        let ranks = r.ranks(b);
        let mut p = pos[b] as usize;
        while p < ranks.len() {
            let rank = r.rank(ranks[p]);
            let mut found = NO_CANDIDATE;
            let mut several = false;
            for &c in rank {
                if continuing[c as usize] {
                    if found == NO_CANDIDATE {
                        found = c;
                    } else {
                        several = true;
                        break;
                    }
                }
            }
            if several {
                if !passed_seen[b] {
                    passed_seen[b] = true;
                    *passed_over += r.weights[b];
                }
            } else if found != NO_CANDIDATE {
                pos[b] = p as u32;
                return found;
            }
            p += 1;
        }
        pos[b] = p as u32;
        NO_CANDIDATE
    };

    let mut empty = 0u64;
    for b in 0..d {
        let c = advance(b, &mut pos, &continuing, &mut passed_seen, &mut passed_over);
        if c == NO_CANDIDATE {
            if r.ranks(b).is_empty() {
                empty += r.weights[b];
            } else {
                exhausted += r.weights[b];
            }
        } else {
            buckets[c as usize].push(b as u32);
            votes[c as usize] += r.weights[b];
        }
    }

    let mut lot = Lot::new(options.seed);
    let mut rounds: Vec<Round> = Vec::new();
    let mut history: Vec<Vec<u64>> = Vec::new();
    let mut notes = Vec::new();
    if election.seats > 1 {
        notes.push(format!(
            "instant runoff fills one seat; the file's {} seats are not used",
            election.seats
        ));
    }
    let mut winner = NO_CANDIDATE;
    while winner == NO_CANDIDATE {
        let number = rounds.len() as u32 + 1;
        let live: u64 = (0..n).filter(|&c| continuing[c]).map(|c| votes[c]).sum();
        let mut tallies: Vec<Tally> = (0..n as u32)
            .filter(|&c| continuing[c as usize])
            .map(|c| Tally {
                candidate: CandidateId(c),
                votes: votes[c as usize].to_string(),
            })
            .collect();
        tallies.sort_by(|a, b| {
            votes[b.candidate.index()]
                .cmp(&votes[a.candidate.index()])
                .then(a.candidate.cmp(&b.candidate))
        });
        let leader = (0..n as u32)
            .filter(|&c| continuing[c as usize])
            .max_by(|&a, &b| votes[a as usize].cmp(&votes[b as usize]).then(b.cmp(&a)))
            .unwrap_or(NO_CANDIDATE);
        let round = |action: String, elected: Vec<u32>, excluded: Vec<u32>, tallies| Round {
            number,
            tallies,
            quota: Some(format!("{} (more than half of {live})", live / 2 + 1)),
            non_transferable: Some(exhausted.to_string()),
            rounding_loss: None,
            elected: ids(elected),
            excluded: ids(excluded),
            action,
        };
        if leader != NO_CANDIDATE && (votes[leader as usize] * 2 > live || n_continuing == 1) {
            winner = leader;
            let why = if n_continuing == 1 {
                "is the only continuing candidate"
            } else {
                "has more than half of the continuing votes"
            };
            rounds.push(round(
                format!(
                    "{} {why} ({} of {live}) and is elected",
                    names(election, &[leader]),
                    votes[leader as usize]
                ),
                vec![leader],
                Vec::new(),
                tallies,
            ));
            break;
        }
        // Fewest votes, and the tie rule.
        let min = (0..n)
            .filter(|&c| continuing[c])
            .map(|c| votes[c])
            .min()
            .unwrap_or(0);
        let tied: Vec<u32> = (0..n as u32)
            .filter(|&c| continuing[c as usize] && votes[c as usize] == min)
            .collect();
        let mut why = String::new();
        let excluded: Vec<u32> = if tied.len() == 1 {
            tied.clone()
        } else {
            match options.tie {
                IrvTie::AllTied if tied.len() < n_continuing => {
                    why = format!(
                        "; {} tied for the fewest votes and are all excluded",
                        names(election, &tied)
                    );
                    tied.clone()
                }
                IrvTie::PreviousRounds => {
                    let mut left = tied.clone();
                    for (k, earlier) in history.iter().enumerate().rev() {
                        let m = left.iter().map(|&c| earlier[c as usize]).min().unwrap_or(0);
                        let fewer: Vec<u32> = left
                            .iter()
                            .copied()
                            .filter(|&c| earlier[c as usize] == m)
                            .collect();
                        if fewer.len() < left.len() {
                            left = fewer;
                            if left.len() == 1 {
                                why = format!(
                                    "; {} tied for the fewest votes, and {} had fewer in round {}",
                                    names(election, &tied),
                                    names(election, &left),
                                    k + 1
                                );
                                break;
                            }
                        }
                    }
                    if left.len() > 1 {
                        let i = lot.draw(left.len()).unwrap_or(0);
                        why = format!(
                            "; {} tied for the fewest votes (also in earlier rounds), {} drawn by lot (seed {})",
                            names(election, &tied),
                            names(election, &left[i..=i]),
                            options.seed
                        );
                        left = vec![left[i]];
                    }
                    left
                }
                IrvTie::Lot | IrvTie::AllTied => {
                    let i = lot.draw(tied.len()).unwrap_or(0);
                    why = format!(
                        "; {} tied for the fewest votes, {} drawn by lot (seed {})",
                        names(election, &tied),
                        names(election, &tied[i..=i]),
                        options.seed
                    );
                    vec![tied[i]]
                }
            }
        };
        rounds.push(round(
            format!(
                "no candidate has more than half of the {live} continuing votes: {} excluded with the fewest ({min}){why}",
                names(election, &excluded)
            ),
            Vec::new(),
            excluded.clone(),
            tallies,
        ));
        history.push(votes.clone());
        for &c in &excluded {
            continuing[c as usize] = false;
            n_continuing -= 1;
        }
        for &c in &excluded {
            let mut bucket = std::mem::take(&mut buckets[c as usize]);
            // In ballot order, the per-ballot arrays are read front to back rather than at
            // random: the order in which ballots move does not change any total.
            bucket.sort_unstable();
            votes[c as usize] = 0;
            for &b in &bucket {
                let b = b as usize;
                let next = advance(b, &mut pos, &continuing, &mut passed_seen, &mut passed_over);
                if next == NO_CANDIDATE {
                    exhausted += r.weights[b];
                } else {
                    buckets[next as usize].push(b as u32);
                    votes[next as usize] += r.weights[b];
                }
            }
        }
    }

    let mut set_aside: Vec<SetAside> = empty_ballots(&r).into_iter().collect();
    debug_assert_eq!(set_aside.iter().map(|s| s.count).sum::<u64>(), empty);
    if exhausted > 0 {
        set_aside.push(SetAside {
            ballot: None,
            count: exhausted,
            reason: "exhausted: no preference left for a continuing candidate".into(),
        });
    }
    if passed_over > 0 {
        notes.push(format!(
            "{passed_over} ballots ranked continuing candidates equally at some rank: that rank was passed over"
        ));
    }
    Ok(Outcome {
        method: "irv".into(),
        source: "Commonwealth Electoral Act 1918 (Australia), s 274: absolute majority of continuing votes, exclusion of the fewest".into(),
        seats: 1,
        elected: vec![CandidateId(winner)],
        order: None,
        rounds,
        set_aside,
        seed: Some(options.seed),
        notes,
    })
}
