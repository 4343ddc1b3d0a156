//! Inclusive Gregory counts with fixed-point arithmetic: Scottish STV and the PR Foundation's
//! WIGM reference rule.
//!
//! Both move whole parcels of ballot papers from one candidate to the next: an excluded
//! candidate's papers at the value they arrived with, an elected candidate's papers at a reduced
//! value so that together they carry the surplus. They differ in the quota, in how the reduced
//! value is rounded, and in how ties are broken.

use crate::election::BallotsRef;
use crate::num::Fixed;
use crate::report::{Outcome, Round, Tally};
use crate::{CandidateId, Election, Lot};

use super::prep::{EqualRanks, Prepared, prepare};
use super::{StvError, names};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Rule {
    /// The Scottish Local Government Elections Order 2007 (SSI 2007/42), Schedule 1, rules 45
    /// to 52, as amended by SSI 2011/399:
    ///
    /// - rule 46: the quota is the number of valid ballot papers divided by one more than the
    ///   seats, decimals ignored, plus one;
    /// - rule 47: a candidate whose votes equal or exceed the quota at any stage is deemed
    ///   elected (all such candidates of a stage together);
    /// - rule 48: a surplus is transferred by moving all of the elected candidate's papers to
    ///   their next available preference for a continuing candidate, each at the value "A
    ///   divided by B", A the surplus times the paper's value when received, B the candidate's
    ///   total votes, "to five decimal places (any remainder being ignored)";
    /// - rule 49: the largest surplus first; equal surpluses by the most recent preceding stage
    ///   at which the candidates had unequal votes, then by lot;
    /// - rule 50: otherwise the candidate with the lowest votes is excluded and all their papers
    ///   move on at the value they arrived with; rule 51: ties by the most recent preceding
    ///   stage at which the candidates had unequal votes, then by lot;
    /// - rule 52: when the continuing candidates are as many as the vacancies, they are deemed
    ///   elected and no further transfer is made.
    Scottish,
    /// The PR Foundation's Weighted Inclusive Gregory Method reference rule (as implemented in
    /// the Droop package, `wigm-prf`): quota = valid ballots / (seats + 1) + 0.0001; each
    /// product or quotient truncated to four decimal places; the largest surplus first; one
    /// exclusion at a time; ties by lot.
    Wigm,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Hopeful,
    /// Deemed elected, surplus not yet transferred.
    Pending,
    Elected,
    Excluded,
    Withdrawn,
}

#[derive(Clone, Copy)]
struct Parcel {
    ballot: u32,
    /// Position in the ballot of the candidate who holds the paper.
    pos: u32,
    value: i64,
}

pub(crate) fn count(
    election: &Election,
    ballots: BallotsRef<'_>,
    seats: u32,
    rule: Rule,
    seed: u64,
) -> Result<Outcome, StvError> {
    let prepared = prepare(election, ballots, EqualRanks::Truncate, true)?;
    match rule {
        Rule::Scottish => Count::<5>::new(election, &prepared, seats, rule, seed).run(),
        Rule::Wigm => Count::<4>::new(election, &prepared, seats, rule, seed).run(),
    }
}

struct Count<'a, const DP: u32> {
    election: &'a Election,
    p: &'a Prepared,
    seats: usize,
    rule: Rule,
    lot: Lot,
    state: Vec<State>,
    votes: Vec<Fixed<DP>>,
    piles: Vec<Vec<Parcel>>,
    quota: Fixed<DP>,
    non_transferable: Fixed<DP>,
    rounding_loss: Fixed<DP>,
    /// Every candidate's votes at the end of each stage, for the tie rules.
    history: Vec<Vec<Fixed<DP>>>,
    rounds: Vec<Round>,
    elected: Vec<CandidateId>,
}

impl<'a, const DP: u32> Count<'a, DP> {
    fn new(election: &'a Election, p: &'a Prepared, seats: u32, rule: Rule, seed: u64) -> Self {
        let n = election.candidates.len();
        let mut state = vec![State::Hopeful; n];
        for w in &election.withdrawn {
            if let Some(s) = state.get_mut(w.index()) {
                *s = State::Withdrawn;
            }
        }
        Count {
            election,
            p,
            seats: seats as usize,
            rule,
            lot: Lot::new(seed),
            state,
            votes: vec![Fixed::ZERO; n],
            piles: vec![Vec::new(); n],
            quota: Fixed::ZERO,
            non_transferable: Fixed::ZERO,
            rounding_loss: Fixed::ZERO,
            history: Vec::new(),
            rounds: Vec::new(),
            elected: Vec::new(),
        }
    }

    fn count_state(&self, s: State) -> usize {
        self.state.iter().filter(|&&x| x == s).count()
    }

    fn seats_left(&self) -> usize {
        self.seats
            .saturating_sub(self.count_state(State::Pending) + self.count_state(State::Elected))
    }

    fn complete(&self) -> bool {
        let left = self.seats_left();
        left == 0 || self.count_state(State::Hopeful) <= left
    }

    fn run(mut self) -> Result<Outcome, StvError> {
        let p = self.p;
        // Rule 45 / A.4-A.5: first preferences.
        for b in 0..p.len() {
            let c = p.ballot(b)[0] as usize;
            self.piles[c].push(Parcel {
                ballot: b as u32,
                pos: 0,
                value: Fixed::<DP>::SCALE,
            });
            self.votes[c] += Fixed::ONE.mul_int(p.weights[b]);
        }
        let valid = p.valid;
        let seats1 = self.seats as u64 + 1;
        self.quota = match self.rule {
            // Rule 46: "ignoring any decimal places", "increased by one".
            Rule::Scottish => Fixed::from_int(valid / seats1 + 1),
            // A.1: "divided by one more than the number of seats ... plus 0.0001", truncated.
            Rule::Wigm => Fixed::from_int(valid)
                .and_then(|v| v.div_int_trunc(seats1))
                .map(|q| q + Fixed::EPSILON),
        }
        .ok_or(StvError::TooManyBallots {
            total: u128::from(valid),
        })?;
        let action = format!(
            "First preferences counted: {valid} valid ballot papers, quota {} ({}).",
            self.quota,
            match self.rule {
                Rule::Scottish =>
                    "rule 46: valid papers divided by seats plus one, decimals ignored, plus one",
                Rule::Wigm => "valid ballots divided by seats plus one, plus 0.0001",
            }
        );
        self.end_stage(action, Vec::new());

        loop {
            if self.complete() {
                break;
            }
            let pending: Vec<usize> = (0..self.state.len())
                .filter(|&c| self.state[c] == State::Pending)
                .collect();
            if !pending.is_empty() {
                // Rule 49 / B.3: the largest surplus first.
                let (c, why) = self.choose(&pending, true);
                self.transfer_surplus(c, why);
            } else {
                // Rule 50 / B.4: exclude the lowest.
                let hopeful: Vec<usize> = (0..self.state.len())
                    .filter(|&c| self.state[c] == State::Hopeful)
                    .collect();
                if hopeful.is_empty() {
                    break;
                }
                let (c, why) = self.choose(&hopeful, false);
                self.exclude(c, why);
            }
        }

        // Rule 52 / C: fill the last vacancies, or close the count.
        for c in 0..self.state.len() {
            if self.state[c] == State::Pending {
                self.state[c] = State::Elected;
            }
        }
        let left = self.seats_left();
        let hopeful: Vec<usize> = (0..self.state.len())
            .filter(|&c| self.state[c] == State::Hopeful)
            .collect();
        if left > 0 && !hopeful.is_empty() {
            let mut last: Vec<usize> = hopeful.clone();
            last.sort_by(|&a, &b| self.votes[b].cmp(&self.votes[a]).then(a.cmp(&b)));
            for &c in &last {
                self.state[c] = State::Elected;
                self.elected.push(CandidateId(c as u32));
            }
            let sentence = format!(
                " {} {} as many continuing candidates as vacancies, and so deemed elected ({}).",
                names(self.election, last.iter().copied()),
                if last.len() == 1 {
                    "is the only continuing candidate left for"
                } else {
                    "are"
                },
                match self.rule {
                    Rule::Scottish => "rule 52",
                    Rule::Wigm => "step C",
                }
            );
            if let Some(r) = self.rounds.last_mut() {
                r.action.push_str(&sentence);
                r.elected
                    .extend(last.iter().map(|&c| CandidateId(c as u32)));
            }
        }

        let mut notes = p.notes.clone();
        notes.push(match self.rule {
            Rule::Scottish => "Values are to five decimal places, remainders ignored (SSI 2007/42 rule 48(3)).".to_owned(),
            Rule::Wigm => "Values are to four decimal places, truncated (PR Foundation WIGM reference rule D.4).".to_owned(),
        });
        let source = match self.rule {
            Rule::Scottish => {
                "The Scottish Local Government Elections Order 2007 (SSI 2007/42), Schedule 1, rules 45 to 52, as amended by SSI 2011/399"
            }
            Rule::Wigm => "PR Foundation reference rule: Weighted Inclusive Gregory Method (WIGM)",
        };
        Ok(Outcome {
            method: match self.rule {
                Rule::Scottish => "scottish-stv",
                Rule::Wigm => "wigm",
            }
            .into(),
            source: source.into(),
            seats: self.seats as u32,
            elected: self.elected,
            order: None,
            rounds: self.rounds,
            set_aside: p.set_aside.clone(),
            seed: (self.lot.draws() > 0).then_some(self.lot.seed()),
            notes,
        })
    }

    /// Picks the candidate with the most (`highest`) or fewest votes, breaking ties by the
    /// rule. Returns the candidate and, where there was a tie, how it was broken.
    fn choose(&mut self, among: &[usize], highest: bool) -> (usize, String) {
        let pick = |v: &[Fixed<DP>], cs: &[usize]| {
            let best = cs.iter().map(|&c| v[c]);
            let best = if highest { best.max() } else { best.min() };
            cs.iter()
                .copied()
                .filter(|&c| Some(v[c]) == best)
                .collect::<Vec<_>>()
        };
        let mut tied = pick(&self.votes, among);
        if tied.len() == 1 {
            return (tied[0], String::new());
        }
        let all = names(self.election, tied.iter().copied());
        if self.rule == Rule::Scottish {
            // Rules 49(2) and 51(2)(a): the most recent preceding stage at which they had
            // unequal votes (the current stage is the last entry of the history).
            let stages = self.history.len().saturating_sub(1);
            for s in (0..stages).rev() {
                let at = &self.history[s];
                if tied.iter().any(|&c| at[c] != at[tied[0]]) {
                    tied = pick(at, &tied);
                    if tied.len() == 1 {
                        let rule = if highest {
                            "rule 49(2)"
                        } else {
                            "rule 51(2)(a)"
                        };
                        return (
                            tied[0],
                            format!(
                                " {all} were tied; {} had the {} votes at stage {}, the most recent stage at which they differed ({rule}).",
                                names(self.election, [tied[0]]),
                                if highest { "most" } else { "fewest" },
                                s + 1
                            ),
                        );
                    }
                }
            }
        }
        let i = self.lot.draw(tied.len()).unwrap_or(0);
        let c = tied[i];
        let rule = match (self.rule, highest) {
            (Rule::Scottish, true) => " (rule 49(3))",
            (Rule::Scottish, false) => " (rule 51(2)(b))",
            (Rule::Wigm, _) => " (step D.1)",
        };
        (
            c,
            format!(
                " {all} were tied{}; {} was chosen by lot (draw {} from seed {}){rule}.",
                if self.rule == Rule::Scottish {
                    " at every stage"
                } else {
                    ""
                },
                names(self.election, [c]),
                self.lot.draws(),
                self.lot.seed()
            ),
        )
    }

    /// Moves every parcel of `from` to its next continuing preference; `reduce` maps a paper's
    /// value to its transfer value. Returns the total moved to candidates and to the
    /// non-transferable parcel.
    fn move_papers(&mut self, from: usize, reduce: impl Fn(i64) -> i64) -> (Fixed<DP>, Fixed<DP>) {
        let pile = std::mem::take(&mut self.piles[from]);
        let (mut moved, mut lost) = (Fixed::ZERO, Fixed::ZERO);
        for parcel in pile {
            let b = parcel.ballot as usize;
            let ballot = self.p.ballot(b);
            let value = reduce(parcel.value);
            let amount = Fixed::<DP>::from_units(value).mul_int(self.p.weights[b]);
            let next = (parcel.pos as usize + 1..ballot.len())
                .find(|&i| self.state[ballot[i] as usize] == State::Hopeful);
            match next {
                Some(i) => {
                    let c = ballot[i] as usize;
                    self.piles[c].push(Parcel {
                        ballot: parcel.ballot,
                        pos: i as u32,
                        value,
                    });
                    self.votes[c] += amount;
                    moved += amount;
                }
                None => lost += amount,
            }
        }
        self.non_transferable += lost;
        (moved, lost)
    }

    fn transfer_surplus(&mut self, c: usize, why: String) {
        let total = self.votes[c];
        let surplus = total - self.quota;
        let (s, t) = (surplus.units(), total.units());
        let rule = self.rule;
        let scale = Fixed::<DP>::SCALE;
        let (moved, lost) = self.move_papers(c, |v| match rule {
            // Rule 48(3): A = surplus × value, B = total votes, A / B to five places, truncated.
            Rule::Scottish => Fixed::<DP>::mul_div_trunc(
                Fixed::from_units(v),
                Fixed::from_units(s),
                Fixed::from_units(t),
            )
            .map_or(0, Fixed::units),
            // B.3 with D.4: (weight × surplus) truncated, then ÷ vote truncated.
            Rule::Wigm => {
                let prod = i128::from(v) * i128::from(s) / i128::from(scale);
                if t == 0 {
                    0
                } else {
                    i64::try_from(prod * i128::from(scale) / i128::from(t)).unwrap_or(0)
                }
            }
        });
        let loss = surplus - moved - lost;
        self.rounding_loss += loss;
        self.votes[c] = self.quota;
        self.state[c] = State::Elected;
        let action = format!(
            "Surplus of {} ({surplus}) transferred: each paper at its value × {surplus} / {total}{}; {moved} to continuing candidates, {lost} non-transferable, {loss} lost to rounding ({}).{why}",
            names(self.election, [c]),
            match rule {
                Rule::Scottish => ", to five decimal places, remainder ignored",
                Rule::Wigm => ", truncated to four decimal places",
            },
            match rule {
                Rule::Scottish => "rules 48 and 49",
                Rule::Wigm => "step B.3",
            }
        );
        self.end_stage(action, Vec::new());
    }

    fn exclude(&mut self, c: usize, why: String) {
        let had = self.votes[c];
        self.state[c] = State::Excluded;
        let (moved, lost) = self.move_papers(c, |v| v);
        self.votes[c] = Fixed::ZERO;
        let action = format!(
            "{} excluded with the fewest votes ({had}); papers transferred at their current value: {moved} to continuing candidates, {lost} non-transferable ({}).{why}",
            names(self.election, [c]),
            match self.rule {
                Rule::Scottish => "rules 50 and 51",
                Rule::Wigm => "step B.4",
            }
        );
        self.end_stage(action, vec![CandidateId(c as u32)]);
    }

    /// Records a stage: candidates reaching the quota are deemed elected together (rule 47),
    /// and the figures are written to the report.
    fn end_stage(&mut self, mut action: String, excluded: Vec<CandidateId>) {
        let mut reached: Vec<usize> = (0..self.state.len())
            .filter(|&c| self.state[c] == State::Hopeful && self.votes[c] >= self.quota)
            .collect();
        reached.sort_by(|&a, &b| self.votes[b].cmp(&self.votes[a]).then(a.cmp(&b)));
        for &c in &reached {
            self.state[c] = if self.votes[c] > self.quota {
                State::Pending
            } else {
                State::Elected
            };
            self.elected.push(CandidateId(c as u32));
        }
        if !reached.is_empty() {
            action.push_str(&format!(
                " {} reached the quota and {} deemed elected ({}).",
                names(self.election, reached.iter().copied()),
                if reached.len() == 1 { "is" } else { "are" },
                match self.rule {
                    Rule::Scottish => "rule 47",
                    Rule::Wigm => "step B.1",
                }
            ));
        }
        self.history.push(self.votes.clone());
        let tallies = (0..self.state.len())
            .filter(|&c| self.state[c] != State::Withdrawn)
            .map(|c| Tally {
                candidate: CandidateId(c as u32),
                votes: self.votes[c].to_string(),
            })
            .collect();
        self.rounds.push(Round {
            number: self.rounds.len() as u32 + 1,
            tallies,
            quota: Some(self.quota.to_string()),
            non_transferable: Some(self.non_transferable.to_string()),
            rounding_loss: Some(self.rounding_loss.to_string()),
            elected: reached.iter().map(|&c| CandidateId(c as u32)).collect(),
            excluded,
            action,
        });
    }
}
