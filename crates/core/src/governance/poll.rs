//! Polls: who may vote (snapshotted when the poll opens), one vote per voter, and ballots kept
//! apart from voters when the poll is secret.
//!
//! **Secret-ballot invariant (for the store):** a secret poll keeps two things that must never
//! be joinable. [`Poll::voted`] says WHO voted (to refuse a second vote); [`Poll::secret`]
//! holds the ballots as a multiset (ballot content -> total weight and count), with no voter,
//! no per-ballot id, no timestamp and no insertion order. Persist them the same way: the
//! "voted" row (poll, voter) and the ballot row (poll, content, weight) are written in ONE
//! transaction (so a vote is recorded exactly once, with a unique key on (poll, voter)), the
//! ballot row carries no voter id, no sequence or time that orders it against the voted rows,
//! and no log line or audit event names the ballot a voter cast. Either keep aggregate rows
//! (content, count, weight) updated in place, or give each ballot row a random id. A weight
//! that only one voter has shows in the totals; that is inherent in weighted secret voting.
//!
//! Named polls keep each voter's ballot in [`Poll::named`], which is public by design.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use tally::decision::{Choice, QuorumCheck};
use time::OffsetDateTime;

use super::{ElectionId, GovError, Holder, MotionId, PollId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Secrecy {
    /// Everyone's vote is recorded with their name (a roll-call vote).
    Named,
    /// Nobody's vote can be linked to them.
    Secret,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PollSubject {
    Motion {
        motion: MotionId,
    },
    /// One round of an election.
    Election {
        election: ElectionId,
        round: u32,
    },
}

/// What a ballot may hold in this poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BallotForm {
    /// Yes, no or abstain.
    Motion,
    /// Marks next to any of `candidates` candidates (approval, block vote).
    Marks { candidates: u32 },
    /// A ranking of some of `candidates` candidates (STV, IRV); equal ranks allowed.
    Ranking { candidates: u32 },
}

/// One ballot's content. Candidates are numbered from 0 in the order of the round's list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BallotContent {
    Motion { choice: Choice },
    Marks { marked: BTreeSet<u32> },
    Ranking { ranks: Vec<Vec<u32>> },
}

/// A voter entitled to vote, as snapshotted when the poll opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entitlement {
    pub weight: u64,
    /// Who casts this vote: the voter, or the attendee carrying the voter's proxy.
    pub cast_by: Holder,
}

/// The secret ballots with the same content: how many, and their total weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Pile {
    pub ballots: u64,
    pub weight: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PollState {
    Open,
    Closed,
}

/// A poll. Build one through the meeting ([`super::Meeting::open_motion_poll`],
/// [`super::Meeting::open_election_poll`]), which checks the quorum first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Poll {
    pub id: PollId,
    pub subject: PollSubject,
    pub secrecy: Secrecy,
    pub form: BallotForm,
    pub state: PollState,
    pub opened_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    /// Everyone entitled to vote, present or represented when the poll opened.
    #[serde(with = "super::pairs")]
    pub entitled: BTreeMap<Holder, Entitlement>,
    /// The total weight present or represented when the poll opened (the base "of those
    /// present").
    pub present: u64,
    /// The total weight of the body's members (the base "of all members").
    pub members: u64,
    /// The quorum when the poll opened, for the minutes.
    pub quorum: QuorumCheck,
    /// Who has voted. For a secret poll this is all that links a voter to the poll.
    pub voted: BTreeSet<Holder>,
    /// Named polls: each voter's ballot.
    #[serde(with = "super::pairs")]
    pub named: BTreeMap<Holder, BallotContent>,
    /// Secret polls: the ballots by content, with no voter and no order.
    #[serde(with = "super::pairs")]
    pub secret: BTreeMap<BallotContent, Pile>,
}

/// What a voter is told when their vote is recorded; it names no ballot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub poll: PollId,
    pub voter: Holder,
    pub weight: u64,
}

impl Poll {
    #[allow(clippy::too_many_arguments)] // every field of a fresh poll, named at the one call site
    pub(crate) fn open(
        id: PollId,
        subject: PollSubject,
        secrecy: Secrecy,
        form: BallotForm,
        entitled: BTreeMap<Holder, Entitlement>,
        present: u64,
        members: u64,
        quorum: QuorumCheck,
        now: OffsetDateTime,
    ) -> Poll {
        Poll {
            id,
            subject,
            secrecy,
            form,
            state: PollState::Open,
            opened_at: now,
            closed_at: None,
            entitled,
            present,
            members,
            quorum,
            voted: BTreeSet::new(),
            named: BTreeMap::new(),
            secret: BTreeMap::new(),
        }
    }

    /// Records `voter`'s ballot, cast by `by` (the voter, or the carrier of their proxy).
    pub fn cast(
        &mut self,
        by: Holder,
        voter: Holder,
        ballot: BallotContent,
    ) -> Result<Receipt, GovError> {
        if self.state != PollState::Open {
            return Err(GovError::PollClosed { poll: self.id });
        }
        let ent = *self.entitled.get(&voter).ok_or(GovError::NotEntitled {
            poll: self.id,
            voter,
        })?;
        if ent.cast_by != by {
            return Err(GovError::NotProxy { by, voter });
        }
        if self.voted.contains(&voter) {
            return Err(GovError::AlreadyVoted {
                poll: self.id,
                voter,
            });
        }
        self.check_ballot(&ballot)?;
        self.voted.insert(voter);
        match self.secrecy {
            Secrecy::Named => {
                self.named.insert(voter, ballot);
            }
            Secrecy::Secret => {
                let pile = self.secret.entry(ballot).or_default();
                pile.ballots += 1;
                pile.weight += ent.weight;
            }
        }
        Ok(Receipt {
            poll: self.id,
            voter,
            weight: ent.weight,
        })
    }

    fn check_ballot(&self, ballot: &BallotContent) -> Result<(), GovError> {
        let bad = |why: String| GovError::BadBallot { poll: self.id, why };
        match (self.form, ballot) {
            (BallotForm::Motion, BallotContent::Motion { .. }) => Ok(()),
            (BallotForm::Marks { candidates }, BallotContent::Marks { marked }) => {
                match marked.iter().find(|&&c| c >= candidates) {
                    Some(c) => Err(bad(format!("no candidate number {c}"))),
                    None => Ok(()),
                }
            }
            (BallotForm::Ranking { candidates }, BallotContent::Ranking { ranks }) => {
                let mut seen = BTreeSet::new();
                for c in ranks.iter().flatten() {
                    if *c >= candidates {
                        return Err(bad(format!("no candidate number {c}")));
                    }
                    if !seen.insert(*c) {
                        return Err(bad(format!("candidate {c} is ranked twice")));
                    }
                }
                Ok(())
            }
            _ => Err(bad("the wrong kind of ballot for this poll".into())),
        }
    }

    /// Closes the poll; no vote is accepted afterwards.
    pub fn close(&mut self, now: OffsetDateTime) -> Result<(), GovError> {
        if self.state != PollState::Open {
            return Err(GovError::PollClosed { poll: self.id });
        }
        self.state = PollState::Closed;
        self.closed_at = Some(now);
        Ok(())
    }

    /// Every ballot with its weight, in content order (never in casting order).
    pub fn ballots(&self) -> Vec<(BallotContent, u64)> {
        match self.secrecy {
            Secrecy::Named => {
                let mut b: Vec<(BallotContent, u64)> = self
                    .named
                    .iter()
                    .map(|(v, c)| (c.clone(), self.entitled.get(v).map_or(0, |e| e.weight)))
                    .collect();
                b.sort();
                b
            }
            Secrecy::Secret => self
                .secret
                .iter()
                .map(|(c, p)| (c.clone(), p.weight))
                .collect(),
        }
    }
}
