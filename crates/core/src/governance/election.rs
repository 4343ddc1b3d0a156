//! Elections: nominations checked against the body's rules, the method, and further rounds
//! for the seats a round leaves unfilled.

use serde::{Deserialize, Serialize};
use tally::approval::{self, ApprovalOptions, Threshold, TieRule};
use tally::decision::Fraction;
use tally::irv::{self, IrvOptions};
use tally::plurality::{self, PluralityOptions};
use tally::stv::{self, StvMethod, StvOptions};
use tally::{Ballot, CandidateId, Outcome};
use time::Date;

use super::{
    BallotContent, BallotForm, Bodies, BodyId, ElectionId, GovError, Holder, OfficeKind, PollId,
    TermId,
};

/// How an election is counted (by `tally`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Method {
    /// Approval: mark up to as many candidates as seats; elected with more than `threshold`
    /// of the valid ballots (none: the most approved). Seats left unfilled, and ties for the
    /// last seat, go to a further round (`tally::approval`).
    Approval { threshold: Option<Fraction> },
    /// Plurality (one seat) or block vote (`tally::plurality`).
    Block,
    /// Instant runoff, one seat (`tally::irv`).
    Irv,
    /// Single transferable vote (`tally::stv`).
    Stv { method: StvMethod },
}

impl Method {
    /// Approval with "more than half of the valid ballots", the rule of competitive elections.
    pub const APPROVAL_MAJORITY: Method = Method::Approval {
        threshold: Some(Fraction::HALF),
    };

    pub fn form(self, candidates: u32) -> BallotForm {
        match self {
            Method::Approval { .. } | Method::Block => BallotForm::Marks { candidates },
            Method::Irv | Method::Stv { .. } => BallotForm::Ranking { candidates },
        }
    }
}

/// What the elected fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fills {
    /// Seats in the term.
    Seats,
    /// An office in the term, held by members of the term's body.
    Office { office: OfficeKind },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub holder: Holder,
    pub name: String,
    /// Withdrawn candidates stand in no later round.
    pub withdrawn: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElectionState {
    Nominating,
    Voting,
    /// Every seat is filled, or no candidate is left for the seats still open.
    Done,
}

impl ElectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            ElectionState::Nominating => "nominating",
            ElectionState::Voting => "voting",
            ElectionState::Done => "done",
        }
    }
}

/// One round: its own poll, the candidates still standing, the seats still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElectionRound {
    pub number: u32,
    pub poll: PollId,
    /// Indices into [`Election::candidates`]; ballots number candidates in this order.
    pub candidates: Vec<usize>,
    pub seats: u32,
    pub outcome: Option<Outcome>,
    pub elected: Vec<Holder>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Election {
    pub id: ElectionId,
    /// The body whose seats (or office) are filled; eligibility follows its rules.
    pub body: BodyId,
    pub term: TermId,
    pub fills: Fills,
    pub seats: u32,
    pub method: Method,
    pub candidates: Vec<Candidate>,
    pub state: ElectionState,
    pub rounds: Vec<ElectionRound>,
    /// Everyone elected so far, in order.
    pub elected: Vec<Holder>,
    /// The seed of any lot the count draws, recorded so the count replays.
    pub seed: u64,
    /// The agenda item the election is held under ([`super::Meeting::add_election`] sets
    /// it); `None` in records kept before elections named theirs.
    #[serde(default)]
    pub agenda_item: Option<u32>,
}

impl Election {
    pub fn new(
        id: ElectionId,
        body: BodyId,
        term: TermId,
        fills: Fills,
        seats: u32,
        method: Method,
    ) -> Election {
        Election {
            id,
            body,
            term,
            fills,
            seats,
            method,
            candidates: Vec::new(),
            state: ElectionState::Nominating,
            rounds: Vec::new(),
            elected: Vec::new(),
            seed: 0,
            agenda_item: None,
        }
    }

    fn refuse(&self, action: &str) -> GovError {
        GovError::ElectionState {
            election: self.id,
            action: action.into(),
            state: self.state.as_str().into(),
        }
    }

    /// Nominates a candidate, checked against the rules of the body on `on`: for seats, the
    /// body's own rules; for an office, the candidate must sit in the term's body.
    pub fn nominate(
        &mut self,
        bodies: &Bodies,
        holder: Holder,
        name: &str,
        on: Date,
    ) -> Result<(), GovError> {
        if self.state != ElectionState::Nominating {
            return Err(self.refuse("nominate for"));
        }
        if self.candidates.iter().any(|c| c.holder == holder) {
            return Err(GovError::DuplicateCandidate { candidate: holder });
        }
        match &self.fills {
            Fills::Seats => bodies.check_eligible(self.body, holder, on)?,
            Fills::Office { .. } => {
                if !bodies.term(self.term)?.seated(holder, on) {
                    return Err(GovError::Ineligible {
                        candidate: holder,
                        body: self.body,
                        why: super::Ineligibility::NotSeatedIn { body: self.body },
                    });
                }
            }
        }
        self.candidates.push(Candidate {
            holder,
            name: name.into(),
            withdrawn: false,
        });
        Ok(())
    }

    /// More candidates than seats (差额选举).
    pub fn competitive(&self) -> bool {
        self.candidates.len() > self.seats as usize
    }

    /// Seats not yet filled.
    pub fn open_seats(&self) -> u32 {
        self.seats.saturating_sub(self.elected.len() as u32)
    }

    /// The candidates of the next round: all not yet elected and not withdrawn.
    pub fn standing(&self) -> Vec<usize> {
        (0..self.candidates.len())
            .filter(|&i| {
                let c = &self.candidates[i];
                !c.withdrawn && !self.elected.contains(&c.holder)
            })
            .collect()
    }

    /// Withdraws a candidate from the rounds to come (not while a round is being voted on).
    /// A further round can be narrowed this way, e.g. to the candidates tied for the last seat,
    /// or to those with the most votes, as the charter or the electoral rules require.
    pub fn withdraw(&mut self, holder: Holder) -> Result<(), GovError> {
        if self.rounds.last().is_some_and(|r| r.outcome.is_none()) {
            return Err(self.refuse("withdraw a candidate from"));
        }
        let c = self
            .candidates
            .iter_mut()
            .find(|c| c.holder == holder && !c.withdrawn)
            .ok_or(GovError::NotACandidate { candidate: holder })?;
        c.withdrawn = true;
        Ok(())
    }

    pub(crate) fn start_round(&mut self, poll: PollId) -> Result<&ElectionRound, GovError> {
        if self.state == ElectionState::Done {
            return Err(self.refuse("open a round of"));
        }
        if self.rounds.last().is_some_and(|r| r.outcome.is_none()) {
            return Err(self.refuse("open another round of"));
        }
        let candidates = self.standing();
        let seats = self.open_seats();
        if candidates.is_empty() || seats == 0 {
            return Err(GovError::NoCandidates {
                candidates: candidates.len(),
                seats,
            });
        }
        self.state = ElectionState::Voting;
        self.rounds.push(ElectionRound {
            number: self.rounds.len() as u32 + 1,
            poll,
            candidates,
            seats,
            outcome: None,
            elected: Vec::new(),
        });
        self.rounds
            .last()
            .ok_or(GovError::NoSuchElection { election: self.id })
    }

    /// Counts the current round from its poll's ballots.
    pub(crate) fn count_round(
        &mut self,
        ballots: &[(BallotContent, u64)],
    ) -> Result<&ElectionRound, GovError> {
        let id = self.id;
        let (method, seed) = (self.method, self.seed);
        let round = self
            .rounds
            .last_mut()
            .filter(|r| r.outcome.is_none())
            .ok_or(GovError::NoSuchElection { election: id })?;
        let names: Vec<String> = round
            .candidates
            .iter()
            .map(|&i| self.candidates[i].name.clone())
            .collect();
        let election = tally::Election {
            title: String::new(),
            candidates: names,
            seats: round.seats,
            withdrawn: Vec::new(),
            ballots: ballots
                .iter()
                .filter(|(_, w)| *w > 0)
                .map(|(b, w)| Ballot {
                    weight: *w,
                    ranks: match b {
                        BallotContent::Marks { marked } if marked.is_empty() => Vec::new(),
                        BallotContent::Marks { marked } => {
                            vec![marked.iter().map(|&c| CandidateId(c)).collect()]
                        }
                        BallotContent::Ranking { ranks } => ranks
                            .iter()
                            .map(|r| r.iter().map(|&c| CandidateId(c)).collect())
                            .collect(),
                        BallotContent::Motion { .. } => Vec::new(),
                    },
                })
                .collect(),
        };
        let err = |e: &dyn std::fmt::Display| GovError::Count {
            message: e.to_string(),
        };
        let outcome = match method {
            Method::Approval { threshold } => {
                // Blank ballots count as valid (in the base of the threshold); tally treats a
                // ballot with no ranks as blank.
                let options = ApprovalOptions {
                    seats: Some(round.seats),
                    threshold: match threshold {
                        None => Threshold::None,
                        Some(f) if f == Fraction::HALF => Threshold::MoreThanHalf,
                        Some(f) => Threshold::MoreThan {
                            num: f.num(),
                            den: f.den(),
                        },
                    },
                    void_over_seats: true,
                    tie: TieRule::FurtherVote,
                    seed,
                };
                approval::count(&election, &options).map_err(|e| err(&e))?
            }
            Method::Block => plurality::count(
                &election,
                &PluralityOptions {
                    seats: Some(round.seats),
                    seed,
                },
            )
            .map_err(|e| err(&e))?,
            Method::Irv => irv::count(
                &election,
                &IrvOptions {
                    seed,
                    ..IrvOptions::default()
                },
            )
            .map_err(|e| err(&e))?,
            Method::Stv { method } => stv::count(
                &election,
                &StvOptions::new(method)
                    .with_seats(round.seats)
                    .with_seed(seed),
            )
            .map_err(|e| err(&e))?,
        };
        round.elected = outcome
            .elected
            .iter()
            .filter_map(|c| round.candidates.get(c.index()))
            .map(|&i| self.candidates[i].holder)
            .collect();
        round.outcome = Some(outcome);
        self.elected.extend(round.elected.iter().copied());
        let more_possible = self.open_seats() > 0 && !self.standing().is_empty();
        // A round that elected nobody and leaves no way forward (e.g. every candidate below the
        // threshold) still allows a further round: the caller decides whether to hold one or to
        // end the election (`finish`).
        if !more_possible {
            self.state = ElectionState::Done;
        }
        self.rounds
            .last()
            .ok_or(GovError::NoSuchElection { election: id })
    }

    /// Ends the election with the seats filled so far (no further round).
    pub fn finish(&mut self) {
        self.state = ElectionState::Done;
    }

    /// Seats the elected in the term (or gives them the office) from `on`.
    pub fn install(&self, bodies: &mut Bodies, on: Date) -> Result<(), GovError> {
        let rules = bodies.body(self.body)?.rules.clone();
        let term = bodies.term_mut(self.term)?;
        match &self.fills {
            Fills::Seats => term.fill_seats(&rules, &self.elected, on, Some(self.id)),
            Fills::Office { office } => {
                for &h in &self.elected {
                    term.appoint(office.clone(), h, on, Some(self.id))?;
                }
                Ok(())
            }
        }
    }
}
