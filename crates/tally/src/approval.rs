//! Approval with a threshold, and yes/no/abstain per candidate: the rules of competitive
//! elections in Chinese associations.
//!
//! Source: the Electoral Law of the People's Republic of China for the National People's
//! Congress and Local People's Congresses, whose rules association charters commonly adopt:
//! a ballot that marks more candidates than there are seats is void ("每一选票所选的人数，多于
//! 规定应选代表人数的作废"); a candidate is elected only with more than half of the votes
//! ("获得……过半数的选票时，始得当选"); where more candidates pass that threshold than there are
//! seats, those with the most votes are elected, and where equal votes leave the last seat
//! undecided, the tied candidates go to a further vote ("应当就票数相等的候选人再次投票"); seats
//! left unfilled go to a further round ("不足的名额另行选举").
//!
//! Here the base of "more than half" is the valid ballots (void ballots are set aside and do
//! not count in it; blank ballots are valid and do). The threshold, the limit on marks and
//! what to do with a tie at the last seat are options; without a threshold this is plain
//! approval voting (Brams and Fishburn, "Approval Voting", 1978).

use crate::ranked::{CountError, Ranked, ids, names, top_k};
use crate::{CandidateId, Election, Lot, Outcome, Round, SetAside, Tally};

/// Who must approve a candidate for election, as a share of the valid ballots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Threshold {
    /// No threshold: the most approved are elected.
    None,
    /// More than half of the valid ballots.
    #[default]
    MoreThanHalf,
    /// More than `num / den` of the valid ballots.
    MoreThan { num: u64, den: u64 },
}

impl Threshold {
    fn passes(self, votes: u64, valid: u64) -> bool {
        let (num, den) = match self {
            Threshold::None => return true,
            Threshold::MoreThanHalf => (1u128, 2u128),
            Threshold::MoreThan { num, den } => (u128::from(num), u128::from(den)),
        };
        u128::from(votes) * den > u128::from(valid) * num
    }

    fn describe(self) -> String {
        match self {
            Threshold::None => "no threshold".into(),
            Threshold::MoreThanHalf => "more than half of the valid ballots".into(),
            Threshold::MoreThan { num, den } => {
                format!("more than {num}/{den} of the valid ballots")
            }
        }
    }
}

/// What to do when candidates tie for the last seat(s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TieRule {
    /// Leave the seat(s) unfilled and report the tied candidates for a further vote, as the
    /// source prescribes.
    #[default]
    FurtherVote,
    /// Decide by lot from the seed.
    Lot,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalOptions {
    pub seats: Option<u32>,
    pub threshold: Threshold,
    /// A ballot approving more candidates than there are seats is void (the source's rule);
    /// `false` allows any number of marks.
    pub void_over_seats: bool,
    pub tie: TieRule,
    pub seed: u64,
}

impl Default for ApprovalOptions {
    fn default() -> Self {
        ApprovalOptions {
            seats: None,
            threshold: Threshold::MoreThanHalf,
            void_over_seats: true,
            tie: TieRule::FurtherVote,
            seed: 0,
        }
    }
}

/// One voter's marks on a yes/no/abstain ballot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Yes,
    No,
    Abstain,
}

/// A yes/no/abstain ballot (or `weight` identical ones): one mark per candidate, in the order
/// of the candidates; a missing mark is an abstention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YesNoBallot {
    pub weight: u64,
    pub marks: Vec<Mark>,
}

/// Approval with a threshold on ranked or marked ballots: every candidate a ballot lists, at
/// any rank, is approved. See the [module docs](self).
pub fn count(election: &Election, options: &ApprovalOptions) -> Result<Outcome, CountError> {
    let ranked = Ranked::new(election)?;
    let seats = options.seats.unwrap_or(election.seats);
    if seats == 0 {
        return Err(CountError::NoSeats);
    }
    let mut yes = vec![0u64; ranked.n];
    let mut valid = 0u64;
    let mut void = 0u64;
    let mut blank = 0u64;
    for b in 0..ranked.ballots() {
        let w = ranked.weights[b];
        let ranks = ranked.ranks(b);
        let marks: usize = ranks.iter().map(|&(s, e)| (e - s) as usize).sum();
        if options.void_over_seats && marks > seats as usize {
            void += w;
            continue;
        }
        valid += w;
        if marks == 0 {
            blank += w;
        }
        for &span in ranks {
            for &c in ranked.rank(span) {
                yes[c as usize] += w;
            }
        }
    }
    let standing = ranked.candidates();
    let outcome = decide(
        election, &standing, &yes, None, valid, seats, options, "approval",
    );
    let mut outcome = outcome;
    if void > 0 {
        outcome.set_aside.push(SetAside {
            ballot: None,
            count: void,
            reason: format!("void: approves more candidates than the {seats} seat(s)"),
        });
    }
    if blank > 0 {
        outcome.notes.push(format!(
            "{blank} blank ballots are valid and count in the base of the threshold"
        ));
    }
    Ok(outcome)
}

/// Yes/no/abstain per candidate: a candidate needs more `Yes` marks than the threshold of the
/// valid ballots; a ballot with more `Yes` marks than seats is void (when so configured).
pub fn count_yes_no(
    candidates: &[String],
    seats: u32,
    ballots: &[YesNoBallot],
    options: &ApprovalOptions,
) -> Result<Outcome, CountError> {
    let n = candidates.len();
    if n == 0 {
        return Err(CountError::NoCandidates);
    }
    let seats = options.seats.unwrap_or(seats);
    if seats == 0 {
        return Err(CountError::NoSeats);
    }
    let mut yes = vec![0u64; n];
    let mut no = vec![0u64; n];
    let (mut valid, mut void) = (0u64, 0u64);
    for (i, b) in ballots.iter().enumerate() {
        if b.marks.len() > n {
            return Err(CountError::Invalid(format!(
                "yes/no ballot {} has {} marks for {n} candidates",
                i + 1,
                b.marks.len()
            )));
        }
        let yeses = b.marks.iter().filter(|&&m| m == Mark::Yes).count();
        if options.void_over_seats && yeses > seats as usize {
            void += b.weight;
            continue;
        }
        valid += b.weight;
        for (c, m) in b.marks.iter().enumerate() {
            match m {
                Mark::Yes => yes[c] += b.weight,
                Mark::No => no[c] += b.weight,
                Mark::Abstain => {}
            }
        }
    }
    let election = Election {
        title: String::new(),
        candidates: candidates.to_vec(),
        seats,
        withdrawn: Vec::new(),
        ballots: Vec::new(),
    };
    let standing: Vec<u32> = (0..n as u32).collect();
    let mut outcome = decide(
        &election,
        &standing,
        &yes,
        Some(&no),
        valid,
        seats,
        options,
        "yes-no",
    );
    if void > 0 {
        outcome.set_aside.push(SetAside {
            ballot: None,
            count: void,
            reason: format!("void: more Yes marks than the {seats} seat(s)"),
        });
    }
    Ok(outcome)
}

#[allow(clippy::too_many_arguments)]
fn decide(
    election: &Election,
    standing: &[u32],
    yes: &[u64],
    no: Option<&[u64]>,
    valid: u64,
    seats: u32,
    options: &ApprovalOptions,
    method: &str,
) -> Outcome {
    let passing: Vec<(u32, u64)> = standing
        .iter()
        .map(|&c| (c, yes[c as usize]))
        .filter(|&(_, v)| options.threshold.passes(v, valid))
        .collect();
    let mut lot = Lot::new(options.seed);
    let top = top_k(
        &passing,
        seats as usize,
        match options.tie {
            TieRule::Lot => Some(&mut lot),
            TieRule::FurtherVote => None,
        },
    );
    let elected = top.chosen.clone();
    let unfilled = seats as usize - elected.len().min(seats as usize);
    let mut notes = Vec::new();
    let mut action = format!(
        "{valid} valid ballots; threshold: {}. ",
        options.threshold.describe()
    );
    if elected.is_empty() {
        action.push_str("Nobody is elected");
    } else {
        action.push_str(&format!("{} elected", names(election, &elected)));
    }
    if top.places_left > 0 {
        match options.tie {
            TieRule::Lot => action.push_str(&format!(
                "; {} tied for the last {} seat(s), decided by lot (seed {})",
                names(election, &top.tied),
                top.places_left,
                options.seed
            )),
            TieRule::FurtherVote => {
                action.push_str(&format!(
                    "; {} tied for the last {} seat(s): a further vote among them is needed",
                    names(election, &top.tied),
                    top.places_left
                ));
                notes.push(format!(
                    "further vote needed among {} for {} seat(s)",
                    names(election, &top.tied),
                    top.places_left
                ));
            }
        }
    }
    if unfilled > 0 && top.places_left == 0 {
        action.push_str(&format!(
            "; {unfilled} seat(s) unfilled: fewer candidates passed the threshold"
        ));
    }
    if unfilled > 0 {
        notes.push(format!(
            "{unfilled} of {seats} seat(s) unfilled: a further round of election is needed"
        ));
    }
    let mut tallies: Vec<Tally> = standing
        .iter()
        .map(|&c| Tally {
            candidate: CandidateId(c),
            votes: match no {
                None => yes[c as usize].to_string(),
                Some(no) => format!("{} (no {})", yes[c as usize], no[c as usize]),
            },
        })
        .collect();
    tallies.sort_by(|a, b| {
        yes[b.candidate.index()]
            .cmp(&yes[a.candidate.index()])
            .then(a.candidate.cmp(&b.candidate))
    });
    Outcome {
        method: method.into(),
        source: "Electoral Law of the PRC (NPC and local people's congresses): ballots marking more candidates than seats are void; election by more than half of the votes; ties for the last seat to a further vote; unfilled seats to a further round".into(),
        seats,
        elected: ids(elected.iter().copied()),
        order: None,
        rounds: vec![Round {
            number: 1,
            tallies,
            quota: match options.threshold {
                Threshold::None => None,
                t => Some(format!("{} ({})", threshold_votes(t, valid), t.describe())),
            },
            non_transferable: None,
            rounding_loss: None,
            elected: ids(elected.iter().copied()),
            excluded: Vec::new(),
            action,
        }],
        set_aside: Vec::new(),
        seed: (options.tie == TieRule::Lot).then_some(options.seed),
        notes,
    }
}

/// The fewest votes that pass the threshold.
fn threshold_votes(t: Threshold, valid: u64) -> u64 {
    let (num, den) = match t {
        Threshold::None => return 0,
        Threshold::MoreThanHalf => (1u128, 2u128),
        Threshold::MoreThan { num, den } => (u128::from(num), u128::from(den.max(1))),
    };
    // smallest v with v * den > valid * num
    let v = u128::from(valid) * num / den + 1;
    u64::try_from(v).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::formats::blt;

    #[test]
    fn threshold_leaves_seats_for_a_further_round() {
        // 3 seats, 10 valid ballots + 1 void (4 marks). A 8, B 6, C 5 (not more than half), D 2.
        let e = blt::parse(
            "4 3\n4 1 2 3 0\n2 1 2 0\n2 1 4 0\n1 3 0\n1 0\n1 1=2=3=4 0\n0\nA\nB\nC\nD\nT\n",
        )
        .unwrap();
        let o = count(&e, &ApprovalOptions::default()).unwrap();
        assert_eq!(o.elected, vec![CandidateId(0), CandidateId(1)]);
        assert_eq!(
            o.rounds[0].quota.as_deref(),
            Some("6 (more than half of the valid ballots)")
        );
        assert_eq!(o.set_aside[0].count, 1);
        assert!(
            o.notes
                .iter()
                .any(|n| n.contains("1 of 3 seat(s) unfilled"))
        );
    }

    #[test]
    fn a_tie_at_the_last_seat_goes_to_a_further_vote_or_to_lot() {
        let e = blt::parse("3 1\n3 1 0\n3 2 0\n0\nA\nB\nC\nT\n").unwrap();
        let o = count(
            &e,
            &ApprovalOptions {
                threshold: Threshold::None,
                ..ApprovalOptions::default()
            },
        )
        .unwrap();
        assert!(o.elected.is_empty());
        assert!(
            o.notes
                .iter()
                .any(|n| n.contains("further vote needed among A and B"))
        );
        let o = count(
            &e,
            &ApprovalOptions {
                threshold: Threshold::None,
                tie: TieRule::Lot,
                ..ApprovalOptions::default()
            },
        )
        .unwrap();
        assert_eq!(o.elected.len(), 1);
        assert_eq!(o.seed, Some(0));
    }

    #[test]
    fn yes_no_abstain() {
        use Mark::*;
        let names = vec!["A".to_string(), "B".to_string(), "C".to_string()];
        let ballots = vec![
            YesNoBallot {
                weight: 4,
                marks: vec![Yes, No, Yes],
            },
            YesNoBallot {
                weight: 3,
                marks: vec![Yes, Abstain, No],
            },
            YesNoBallot {
                weight: 2,
                marks: vec![No, Yes],
            },
            YesNoBallot {
                weight: 1,
                marks: vec![Yes, Yes, Yes],
            },
        ];
        let o = count_yes_no(&names, 2, &ballots, &ApprovalOptions::default()).unwrap();
        // valid 9 (the last is void: 3 Yes for 2 seats); A 7 yes, B 2, C 4: only A passes 4.5.
        assert_eq!(o.elected, vec![CandidateId(0)]);
        assert_eq!(o.set_aside[0].count, 1);
        assert!(o.rounds[0].tallies[0].votes.contains("no 2"));
    }
}
