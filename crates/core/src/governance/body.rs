//! Bodies and their rules; terms, seats and offices; who may be elected to what.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tally::decision::{Majority, Quorum};
use time::Date;

use super::{BodyId, ElectionId, GovError, Holder, Ineligibility, TermId};

/// What kind of body this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// 会员代表大会: the highest body; every member unit sits in it.
    Congress,
    /// 理事会: elected by the congress for a term.
    Council,
    /// 常务理事会: elected by the council from its own members.
    ExecutiveCouncil,
    /// 监事会: elected by the congress; its members may not sit on the council.
    Supervisors,
    Committee,
}

/// Who may carry proxies at a meeting, and whether they count for the quorum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyRule {
    /// The most proxies one attendee may carry; 0 allows none.
    pub max_per_carrier: u32,
    /// Whether a member represented by proxy counts as present for the quorum and for bases
    /// "of those present".
    pub count_as_present: bool,
}

impl ProxyRule {
    pub const NONE: ProxyRule = ProxyRule {
        max_per_carrier: 0,
        count_as_present: false,
    };
}

/// The rules the charter sets for a body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyRules {
    /// Number of seats in a term; `None` where every member sits (the congress).
    pub seats: Option<u32>,
    /// The body that elects this one (`None`: members sit by right, or by appointment).
    pub elected_by: Option<BodyId>,
    /// Candidates must sit in this body (the executive council is drawn from the council).
    pub drawn_from: Option<BodyId>,
    /// Members of these bodies may not sit in this one (supervisors may not sit on the council).
    pub incompatible_with: Vec<BodyId>,
    pub quorum: Quorum,
    /// The majority a motion needs unless it says otherwise.
    pub majority: Majority,
    pub proxies: ProxyRule,
    /// The shortest notice of a meeting, in days.
    pub notice_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    pub id: BodyId,
    pub kind: BodyKind,
    pub name: String,
    pub rules: BodyRules,
}

/// An office in a term.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficeKind {
    /// 会长
    President,
    /// 副会长
    VicePresident,
    /// 秘书长
    SecretaryGeneral,
    /// 监事长
    ChairOfSupervisors,
    Other(String),
}

/// A seat held in a term, from `start` until `end` (open while `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    pub holder: Holder,
    /// Votes the holder carries in the body's polls (1 unless the charter weighs votes).
    pub weight: u64,
    pub start: Date,
    pub end: Option<Date>,
    pub elected_in: Option<ElectionId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Office {
    pub kind: OfficeKind,
    pub holder: Holder,
    pub start: Date,
    pub end: Option<Date>,
    pub elected_in: Option<ElectionId>,
}

fn during(start: Date, end: Option<Date>, on: Date) -> bool {
    start <= on && end.is_none_or(|e| on < e)
}

/// A numbered term of a body (届): "the first council".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub id: TermId,
    pub body: BodyId,
    /// 1 for the first term.
    pub number: u32,
    pub start: Date,
    pub end: Option<Date>,
    pub seats: Vec<Seat>,
    pub offices: Vec<Office>,
}

impl Term {
    pub fn new(id: TermId, body: BodyId, number: u32, start: Date) -> Term {
        Term {
            id,
            body,
            number,
            start,
            end: None,
            seats: Vec::new(),
            offices: Vec::new(),
        }
    }

    pub fn is_current(&self, on: Date) -> bool {
        during(self.start, self.end, on)
    }

    /// Whether `holder` holds a seat on `on`.
    pub fn seated(&self, holder: Holder, on: Date) -> bool {
        self.seats
            .iter()
            .any(|s| s.holder == holder && during(s.start, s.end, on))
    }

    /// The holders of seats on `on`, with their weights: the roll of the body's meetings.
    pub fn roll(&self, on: Date) -> Vec<(Holder, u64)> {
        self.seats
            .iter()
            .filter(|s| during(s.start, s.end, on))
            .map(|s| (s.holder, s.weight))
            .collect()
    }

    /// Seats the holders from `start`, refusing more than the body's seats. A holder already
    /// seated is left as is.
    pub fn fill_seats(
        &mut self,
        rules: &BodyRules,
        holders: &[Holder],
        start: Date,
        elected_in: Option<ElectionId>,
    ) -> Result<(), GovError> {
        let seated: BTreeSet<Holder> = self.roll(start).into_iter().map(|(h, _)| h).collect();
        let new: BTreeSet<Holder> = holders
            .iter()
            .copied()
            .filter(|h| !seated.contains(h))
            .collect();
        let filled = seated.len();
        if let Some(seats) = rules.seats
            && filled + new.len() > seats as usize
        {
            return Err(GovError::SeatsFull {
                term: self.id,
                seats,
                filled,
                more: new.len(),
            });
        }
        let mut added = BTreeSet::new();
        for holder in holders {
            if new.contains(holder) && added.insert(*holder) {
                self.seats.push(Seat {
                    holder: *holder,
                    weight: 1,
                    start,
                    end: None,
                    elected_in,
                });
            }
        }
        Ok(())
    }

    /// Gives `kind` to `holder` from `start`. The holder must sit in the term.
    pub fn appoint(
        &mut self,
        kind: OfficeKind,
        holder: Holder,
        start: Date,
        elected_in: Option<ElectionId>,
    ) -> Result<(), GovError> {
        if !self.seated(holder, start) {
            return Err(GovError::Ineligible {
                candidate: holder,
                body: self.body,
                why: Ineligibility::NotSeatedIn { body: self.body },
            });
        }
        self.offices.push(Office {
            kind,
            holder,
            start,
            end: None,
            elected_in,
        });
        Ok(())
    }

    /// Ends `holder`'s seat and offices on `on` (resignation, removal, end of membership).
    pub fn vacate(&mut self, holder: Holder, on: Date) -> Result<(), GovError> {
        if !self.seated(holder, on) {
            return Err(GovError::NotOnRoll { who: holder });
        }
        for s in self.seats.iter_mut().filter(|s| s.holder == holder) {
            if during(s.start, s.end, on) {
                s.end = Some(on);
            }
        }
        for o in self.offices.iter_mut().filter(|o| o.holder == holder) {
            if during(o.start, o.end, on) {
                o.end = Some(on);
            }
        }
        Ok(())
    }

    /// Ends the term on `on`, and every seat and office still held in it.
    pub fn end_term(&mut self, on: Date) {
        self.end = Some(on);
        for s in self.seats.iter_mut().filter(|s| s.end.is_none()) {
            s.end = Some(on);
        }
        for o in self.offices.iter_mut().filter(|o| o.end.is_none()) {
            o.end = Some(on);
        }
    }

    /// Who holds `kind` on `on`.
    pub fn holders_of(&self, kind: &OfficeKind, on: Date) -> Vec<Holder> {
        self.offices
            .iter()
            .filter(|o| &o.kind == kind && during(o.start, o.end, on))
            .map(|o| o.holder)
            .collect()
    }
}

/// The bodies of an organisation and their terms: what eligibility is checked against.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bodies {
    pub bodies: Vec<Body>,
    pub terms: Vec<Term>,
}

impl Bodies {
    pub fn body(&self, id: BodyId) -> Result<&Body, GovError> {
        self.bodies
            .iter()
            .find(|b| b.id == id)
            .ok_or(GovError::NoSuchBody { body: id })
    }

    pub fn term(&self, id: TermId) -> Result<&Term, GovError> {
        self.terms
            .iter()
            .find(|t| t.id == id)
            .ok_or(GovError::NoSuchTerm { term: id })
    }

    pub fn term_mut(&mut self, id: TermId) -> Result<&mut Term, GovError> {
        self.terms
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or(GovError::NoSuchTerm { term: id })
    }

    /// The body's term that runs on `on` (the latest, if terms overlap).
    pub fn current_term(&self, body: BodyId, on: Date) -> Option<&Term> {
        self.terms
            .iter()
            .filter(|t| t.body == body && t.is_current(on))
            .max_by_key(|t| t.number)
    }

    /// Whether `holder` sits in `body`'s current term on `on`.
    pub fn seated(&self, body: BodyId, holder: Holder, on: Date) -> bool {
        self.current_term(body, on)
            .is_some_and(|t| t.seated(holder, on))
    }

    /// Checks `candidate` against `body`'s rules on `on`: drawn from the right body, and sitting
    /// in no incompatible one.
    pub fn check_eligible(
        &self,
        body: BodyId,
        candidate: Holder,
        on: Date,
    ) -> Result<(), GovError> {
        let b = self.body(body)?;
        if let Some(from) = b.rules.drawn_from
            && !self.seated(from, candidate, on)
        {
            return Err(GovError::Ineligible {
                candidate,
                body,
                why: Ineligibility::NotSeatedIn { body: from },
            });
        }
        // Incompatibility runs both ways: a council member may not become a supervisor, and a
        // supervisor may not join the council, whichever body names the other.
        for other in &self.bodies {
            let excluded = b.rules.incompatible_with.contains(&other.id)
                || other.rules.incompatible_with.contains(&body);
            if other.id != body && excluded && self.seated(other.id, candidate, on) {
                return Err(GovError::Ineligible {
                    candidate,
                    body,
                    why: Ineligibility::SeatedIn { body: other.id },
                });
            }
        }
        Ok(())
    }
}
