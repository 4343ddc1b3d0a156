//! A meeting of a body: notice, roll and attendance with proxies, agenda, and the business
//! done in it (motions, elections, their polls), each in turn.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tally::decision::{self, Choice, Counts, Decision, QuorumCheck};
use time::OffsetDateTime;

use super::{
    BallotContent, Body, BodyId, BodyRules, Election, ElectionId, ElectionRound, Entitlement,
    GovError, Holder, MeetingId, Motion, MotionId, Poll, PollId, PollState, PollSubject, Receipt,
    Secrecy, Term, TermId,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingState {
    /// Notice sent; attendees may sign in.
    Convened,
    Open,
    Closed,
    /// The minutes were approved (at a later meeting).
    MinutesApproved,
}

impl MeetingState {
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingState::Convened => "convened",
            MeetingState::Open => "open",
            MeetingState::Closed => "closed",
            MeetingState::MinutesApproved => "minutes_approved",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Presence {
    Absent,
    Present,
    /// Represented by `carrier`, who is present.
    Proxy {
        carrier: Holder,
    },
}

/// One member on the meeting's roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub weight: u64,
    pub presence: Presence,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    /// 1 for the first item.
    pub number: u32,
    pub title: String,
}

/// A meeting and everything decided in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub id: MeetingId,
    pub body: BodyId,
    pub term: TermId,
    pub title: String,
    /// Where the meeting is held, as the notice says (empty when it does not say).
    #[serde(default)]
    pub place: String,
    /// The notice's own words to the members, besides the time, place and agenda.
    #[serde(default)]
    pub notice: String,
    /// The body's rules when the meeting was convened.
    pub rules: BodyRules,
    pub notice_at: OffsetDateTime,
    pub starts_at: OffsetDateTime,
    pub state: MeetingState,
    pub opened_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    /// The meeting whose vote approved these minutes.
    pub minutes_approved_by: Option<MeetingId>,
    /// Everyone who sits in the body, with their presence.
    #[serde(with = "super::pairs")]
    pub roll: BTreeMap<Holder, Attendee>,
    pub agenda: Vec<AgendaItem>,
    pub motions: Vec<Motion>,
    pub elections: Vec<Election>,
    pub polls: Vec<Poll>,
}

impl Meeting {
    /// Convenes a meeting of `term` of `body`; the roll is the term's seats on the day.
    pub fn convene(
        id: MeetingId,
        body: &Body,
        term: &Term,
        title: &str,
        notice_at: OffsetDateTime,
        starts_at: OffsetDateTime,
    ) -> Result<Meeting, GovError> {
        let given = starts_at - notice_at;
        if given < time::Duration::days(i64::from(body.rules.notice_days)) {
            return Err(GovError::NoticeTooShort {
                required_days: body.rules.notice_days,
                given_hours: given.whole_hours(),
            });
        }
        let roll = term
            .roll(starts_at.date())
            .into_iter()
            .map(|(h, weight)| {
                (
                    h,
                    Attendee {
                        weight,
                        presence: Presence::Absent,
                    },
                )
            })
            .collect();
        Ok(Meeting {
            id,
            body: body.id,
            term: term.id,
            title: title.into(),
            place: String::new(),
            notice: String::new(),
            rules: body.rules.clone(),
            notice_at,
            starts_at,
            state: MeetingState::Convened,
            opened_at: None,
            closed_at: None,
            minutes_approved_by: None,
            roll,
            agenda: Vec::new(),
            motions: Vec::new(),
            elections: Vec::new(),
            polls: Vec::new(),
        })
    }

    fn require(&self, action: &str, states: &[MeetingState]) -> Result<(), GovError> {
        if states.contains(&self.state) {
            Ok(())
        } else {
            Err(GovError::MeetingState {
                action: action.into(),
                state: self.state.as_str().into(),
            })
        }
    }

    fn attendee(&mut self, who: Holder) -> Result<&mut Attendee, GovError> {
        self.roll.get_mut(&who).ok_or(GovError::NotOnRoll { who })
    }

    /// Signs `who` in (in person); a proxy they gave lapses.
    pub fn sign_in(&mut self, who: Holder) -> Result<(), GovError> {
        self.require("sign in", &[MeetingState::Convened, MeetingState::Open])?;
        self.attendee(who)?.presence = Presence::Present;
        Ok(())
    }

    /// Records that `who` left; the proxies they carried no longer count.
    pub fn sign_out(&mut self, who: Holder) -> Result<(), GovError> {
        self.require("sign out", &[MeetingState::Convened, MeetingState::Open])?;
        self.attendee(who)?.presence = Presence::Absent;
        Ok(())
    }

    /// `principal` gives their proxy to `carrier`, who must be present in person and carry no
    /// more than the rules allow.
    pub fn give_proxy(&mut self, principal: Holder, carrier: Holder) -> Result<(), GovError> {
        self.require(
            "give a proxy",
            &[MeetingState::Convened, MeetingState::Open],
        )?;
        let max = self.rules.proxies.max_per_carrier;
        if max == 0 {
            return Err(GovError::ProxiesNotAllowed);
        }
        if principal == carrier {
            return Err(GovError::ProxyToSelf { who: principal });
        }
        self.attendee(principal)?;
        if self.attendee(carrier)?.presence != Presence::Present {
            return Err(GovError::CarrierNotPresent { carrier });
        }
        if self.proxies_of(carrier).len() as u32 >= max {
            return Err(GovError::TooManyProxies { carrier, max });
        }
        self.attendee(principal)?.presence = Presence::Proxy { carrier };
        Ok(())
    }

    /// Whom `carrier` represents by proxy.
    pub fn proxies_of(&self, carrier: Holder) -> Vec<Holder> {
        self.roll
            .iter()
            .filter(|(_, a)| a.presence == Presence::Proxy { carrier })
            .map(|(h, _)| *h)
            .collect()
    }

    /// Who may vote now, and who casts their vote: those present, and those whose proxy is
    /// carried by someone present.
    pub fn voters(&self) -> BTreeMap<Holder, Entitlement> {
        let present = |h: &Holder| {
            self.roll
                .get(h)
                .is_some_and(|a| a.presence == Presence::Present)
        };
        self.roll
            .iter()
            .filter_map(|(h, a)| match a.presence {
                Presence::Present => Some((
                    *h,
                    Entitlement {
                        weight: a.weight,
                        cast_by: *h,
                    },
                )),
                Presence::Proxy { carrier } if present(&carrier) => Some((
                    *h,
                    Entitlement {
                        weight: a.weight,
                        cast_by: carrier,
                    },
                )),
                _ => None,
            })
            .collect()
    }

    /// The total weight of the roll.
    pub fn members(&self) -> u64 {
        self.roll.values().map(|a| a.weight).sum()
    }

    /// The weight present for the quorum: in person, plus by proxy where the rules count it.
    pub fn present(&self) -> u64 {
        let count_proxies = self.rules.proxies.count_as_present;
        self.voters()
            .iter()
            .filter(|(h, e)| count_proxies || e.cast_by == **h)
            .map(|(_, e)| e.weight)
            .sum()
    }

    /// The quorum as it stands.
    pub fn quorum(&self) -> QuorumCheck {
        self.rules.quorum.check(self.present(), self.members())
    }

    fn require_quorum(&self) -> Result<QuorumCheck, GovError> {
        let q = self.quorum();
        if q.met {
            Ok(q)
        } else {
            Err(GovError::NoQuorum {
                present: q.present,
                required: q.required,
            })
        }
    }

    /// Opens the meeting; the charter lets a body meet only with its quorum.
    pub fn open(&mut self, now: OffsetDateTime) -> Result<QuorumCheck, GovError> {
        self.require("open", &[MeetingState::Convened])?;
        let q = self.require_quorum()?;
        self.state = MeetingState::Open;
        self.opened_at = Some(now);
        Ok(q)
    }

    /// Closes the meeting; refused while a poll is open.
    pub fn close(&mut self, now: OffsetDateTime) -> Result<(), GovError> {
        self.require("close", &[MeetingState::Open])?;
        if let Some(p) = self.polls.iter().find(|p| p.state == PollState::Open) {
            return Err(GovError::PollStillOpen { poll: p.id });
        }
        self.state = MeetingState::Closed;
        self.closed_at = Some(now);
        Ok(())
    }

    /// Records that `by` (a later meeting) approved these minutes.
    pub fn approve_minutes(&mut self, by: MeetingId) -> Result<(), GovError> {
        self.require("approve the minutes of", &[MeetingState::Closed])?;
        self.state = MeetingState::MinutesApproved;
        self.minutes_approved_by = Some(by);
        Ok(())
    }

    /// Writes what the notice says besides the time: where, the convener's words, and the
    /// agenda's items, numbered in order after any already on it.
    pub fn give_notice(
        &mut self,
        place: &str,
        text: &str,
        agenda: &[String],
    ) -> Result<(), GovError> {
        self.require("give the notice of", &[MeetingState::Convened])?;
        self.place = place.trim().into();
        self.notice = text.trim().into();
        for item in agenda {
            self.add_agenda_item(item.trim())?;
        }
        Ok(())
    }

    /// Adds an agenda item; returns its number.
    pub fn add_agenda_item(&mut self, title: &str) -> Result<u32, GovError> {
        self.require(
            "change the agenda of",
            &[MeetingState::Convened, MeetingState::Open],
        )?;
        let number = self.agenda.len() as u32 + 1;
        self.agenda.push(AgendaItem {
            number,
            title: title.into(),
        });
        Ok(number)
    }

    fn check_item(&self, item: u32) -> Result<(), GovError> {
        if self.agenda.iter().any(|a| a.number == item) {
            Ok(())
        } else {
            Err(GovError::NoSuchAgendaItem { item })
        }
    }

    /// Submits a motion to this meeting.
    pub fn submit(&mut self, motion: Motion) -> Result<(), GovError> {
        self.require(
            "submit a motion to",
            &[MeetingState::Convened, MeetingState::Open],
        )?;
        if self.motions.iter().any(|m| m.id == motion.id) {
            return Err(GovError::DuplicateId { id: motion.id.0 });
        }
        self.motions.push(motion);
        Ok(())
    }

    pub fn motion(&self, id: MotionId) -> Result<&Motion, GovError> {
        self.motions
            .iter()
            .find(|m| m.id == id)
            .ok_or(GovError::NoSuchMotion { motion: id })
    }

    /// The motion, for amendments and withdrawal (which the motion refuses while voting).
    pub fn motion_mut(&mut self, id: MotionId) -> Result<&mut Motion, GovError> {
        self.motions
            .iter_mut()
            .find(|m| m.id == id)
            .ok_or(GovError::NoSuchMotion { motion: id })
    }

    pub fn put_on_agenda(&mut self, motion: MotionId, item: u32) -> Result<(), GovError> {
        self.check_item(item)?;
        self.motion_mut(motion)?.put_on_agenda(item)
    }

    /// Adds an election to an agenda item.
    pub fn add_election(&mut self, mut election: Election, item: u32) -> Result<(), GovError> {
        self.require(
            "hold an election in",
            &[MeetingState::Convened, MeetingState::Open],
        )?;
        self.check_item(item)?;
        if self.elections.iter().any(|e| e.id == election.id) {
            return Err(GovError::DuplicateId { id: election.id.0 });
        }
        election.agenda_item = Some(item);
        self.elections.push(election);
        Ok(())
    }

    pub fn election(&self, id: ElectionId) -> Result<&Election, GovError> {
        self.elections
            .iter()
            .find(|e| e.id == id)
            .ok_or(GovError::NoSuchElection { election: id })
    }

    /// The election, for nominations.
    pub fn election_mut(&mut self, id: ElectionId) -> Result<&mut Election, GovError> {
        self.elections
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or(GovError::NoSuchElection { election: id })
    }

    pub fn poll(&self, id: PollId) -> Result<&Poll, GovError> {
        self.polls
            .iter()
            .find(|p| p.id == id)
            .ok_or(GovError::NoSuchPoll { poll: id })
    }

    fn before_poll(&self, poll: PollId) -> Result<(), GovError> {
        self.require("open a poll in", &[MeetingState::Open])?;
        if self.polls.iter().any(|p| p.id == poll) {
            return Err(GovError::DuplicateId { id: poll.0 });
        }
        self.require_quorum().map(|_| ())
    }

    /// Opens the vote on a motion on the agenda: checks the quorum, snapshots the voters.
    pub fn open_motion_poll(
        &mut self,
        motion: MotionId,
        poll: PollId,
        secrecy: Secrecy,
        now: OffsetDateTime,
    ) -> Result<&Poll, GovError> {
        self.before_poll(poll)?;
        self.motion_mut(motion)?.start_voting(poll)?;
        self.push_poll(
            poll,
            PollSubject::Motion { motion },
            secrecy,
            super::BallotForm::Motion,
            now,
        )
    }

    /// Opens the next round of an election: checks the quorum, snapshots the voters.
    pub fn open_election_poll(
        &mut self,
        election: ElectionId,
        poll: PollId,
        secrecy: Secrecy,
        now: OffsetDateTime,
    ) -> Result<&Poll, GovError> {
        self.before_poll(poll)?;
        let e = self.election_mut(election)?;
        let method = e.method;
        let round = e.start_round(poll)?;
        let form = method.form(round.candidates.len() as u32);
        let subject = PollSubject::Election {
            election,
            round: round.number,
        };
        self.push_poll(poll, subject, secrecy, form, now)
    }

    fn push_poll(
        &mut self,
        id: PollId,
        subject: PollSubject,
        secrecy: Secrecy,
        form: super::BallotForm,
        now: OffsetDateTime,
    ) -> Result<&Poll, GovError> {
        let voters = self.voters();
        let present = self.present();
        let members = self.members();
        let quorum = self.quorum();
        self.polls.push(Poll::open(
            id, subject, secrecy, form, voters, present, members, quorum, now,
        ));
        self.poll(id)
    }

    /// `by` casts `voter`'s ballot (their own, or one whose proxy they carry). Refused after
    /// the poll closed, from anyone not entitled when it opened, a second time, or when the
    /// meeting has lost its quorum.
    pub fn cast(
        &mut self,
        poll: PollId,
        by: Holder,
        voter: Holder,
        ballot: BallotContent,
    ) -> Result<Receipt, GovError> {
        self.require("vote in", &[MeetingState::Open])?;
        let quorum = self.quorum();
        let idx = self
            .polls
            .iter()
            .position(|p| p.id == poll)
            .ok_or(GovError::NoSuchPoll { poll })?;
        // The poll is taken out while `cast_into` borrows the meeting, and put back in place.
        let mut p = self.polls.remove(idx);
        let receipt = self.cast_into(&mut p, quorum, by, voter, ballot);
        self.polls.insert(idx, p);
        receipt
    }

    /// The checks and the recording of [`Meeting::cast`], for a store that keeps the roll and
    /// a poll's voters as rows: `quorum` is the quorum as it stands (from
    /// [`Meeting::quorum_of`] on the stored attendance figures), and `poll` may hold only the
    /// entitlement and vote of `voter` (the rest of its voters and ballots left out), so that a
    /// vote reads and writes a constant number of rows. The poll records the ballot on `Ok`.
    pub fn cast_into(
        &self,
        poll: &mut Poll,
        quorum: QuorumCheck,
        by: Holder,
        voter: Holder,
        ballot: BallotContent,
    ) -> Result<Receipt, GovError> {
        self.require("vote in", &[MeetingState::Open])?;
        if poll.state != PollState::Open {
            return Err(GovError::PollClosed { poll: poll.id });
        }
        if !quorum.met {
            return Err(GovError::NoQuorum {
                present: quorum.present,
                required: quorum.required,
            });
        }
        poll.cast(by, voter, ballot)
    }

    /// The quorum under this meeting's rules for `present` out of `members` (the figures of
    /// [`Meeting::present`] and [`Meeting::members`], as a store keeps them).
    pub fn quorum_of(&self, present: u64, members: u64) -> QuorumCheck {
        self.rules.quorum.check(present, members)
    }

    /// Closes a motion's poll and decides it.
    pub fn close_motion_poll(
        &mut self,
        poll: PollId,
        now: OffsetDateTime,
    ) -> Result<Decision, GovError> {
        let p = self.poll(poll)?;
        let PollSubject::Motion { motion } = p.subject else {
            return Err(GovError::NoSuchPoll { poll });
        };
        let counts = Counts::from_votes(
            p.ballots().into_iter().filter_map(|(b, w)| match b {
                BallotContent::Motion { choice } => Some((choice, w)),
                _ => None,
            }),
            p.present,
            p.members,
        );
        let m = self.motion(motion)?;
        let d = decision::decide(counts, m.majority, self.rules.quorum)
            .map_err(|error| GovError::Decision { error })?;
        self.close_poll(poll, now)?;
        self.motion_mut(motion)?.record(d.clone());
        Ok(d)
    }

    /// Closes an election round's poll and counts it.
    pub fn close_election_poll(
        &mut self,
        poll: PollId,
        now: OffsetDateTime,
    ) -> Result<ElectionRound, GovError> {
        let p = self.poll(poll)?;
        let PollSubject::Election { election, .. } = p.subject else {
            return Err(GovError::NoSuchPoll { poll });
        };
        let ballots = p.ballots();
        if p.state != PollState::Open {
            return Err(GovError::PollClosed { poll });
        }
        let round = self.election_mut(election)?.count_round(&ballots)?.clone();
        self.close_poll(poll, now)?;
        Ok(round)
    }

    fn close_poll(&mut self, poll: PollId, now: OffsetDateTime) -> Result<(), GovError> {
        self.polls
            .iter_mut()
            .find(|p| p.id == poll)
            .ok_or(GovError::NoSuchPoll { poll })?
            .close(now)
    }
}

/// The yes/no/abstain ballot for a motion.
pub fn vote(choice: Choice) -> BallotContent {
    BallotContent::Motion { choice }
}
