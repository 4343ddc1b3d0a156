//! A membership's status history as a state machine: applied → admitted → suspended →
//! admitted / withdrawn / expelled, each change dated and tied to the decision that made it.
//!
//! The allowed transitions are [`MemberStatus::may_become`]'s, so the registry and the
//! membership form agree; a history may also start directly at `admitted` (founding members,
//! imported lists).

use serde::{Deserialize, Serialize};
use time::Date;

use super::RegistryError;
use crate::org::{MemberStatus, format_date};

/// What authorised a change of status.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Decision {
    /// A motion adopted by a body (council, executive council, congress).
    Motion { motion_id: i64 },
    /// A decision of the secretariat, by its reference (e.g. `秘书处〔2024〕3号`).
    Secretariat { reference: String },
    /// Carried over from a predecessor organisation on succession.
    Succession { predecessor_id: i64 },
    /// Created by importing a member list.
    Import { batch: String },
    /// Entered through a plain membership form, without a cited decision.
    Recorded,
}

/// One change of status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// `None` for the first entry of a history.
    pub from: Option<MemberStatus>,
    pub to: MemberStatus,
    #[serde(with = "super::dates")]
    pub on: Date,
    pub decision: Decision,
}

/// The ordered changes of one membership's status. Construct with [`StatusHistory::start`];
/// the entries are private so that every history in memory obeys the state machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusHistory {
    changes: Vec<StatusChange>,
}

impl StatusHistory {
    /// Starts a history at `applied` or `admitted`.
    pub fn start(
        status: MemberStatus,
        on: Date,
        decision: Decision,
    ) -> Result<StatusHistory, RegistryError> {
        if !matches!(status, MemberStatus::Applied | MemberStatus::Admitted) {
            return Err(RegistryError::IllegalTransition {
                from: "none".into(),
                to: status.as_str().into(),
            });
        }
        Ok(StatusHistory {
            changes: vec![StatusChange {
                from: None,
                to: status,
                on,
                decision,
            }],
        })
    }

    /// Rebuilds a history from stored changes, checking each one again.
    pub fn from_changes(changes: Vec<StatusChange>) -> Result<StatusHistory, RegistryError> {
        let mut it = changes.into_iter();
        let first = it
            .next()
            .ok_or_else(|| RegistryError::invalid("history", "empty"))?;
        let mut h = StatusHistory::start(first.to, first.on, first.decision)?;
        for c in it {
            if c.from != Some(h.current()) {
                return Err(RegistryError::IllegalTransition {
                    from: c.from.map_or("none", MemberStatus::as_str).into(),
                    to: c.to.as_str().into(),
                });
            }
            h.change(c.to, c.on, c.decision)?;
        }
        Ok(h)
    }

    /// The status now.
    pub fn current(&self) -> MemberStatus {
        self.changes.last().map_or(MemberStatus::Applied, |c| c.to)
    }

    pub fn changes(&self) -> &[StatusChange] {
        &self.changes
    }

    /// Applies a change: it must be allowed from the current status and not earlier than the
    /// previous change. Returns the recorded change.
    pub fn change(
        &mut self,
        to: MemberStatus,
        on: Date,
        decision: Decision,
    ) -> Result<&StatusChange, RegistryError> {
        let from = self.current();
        if !from.may_become(to) {
            return Err(RegistryError::IllegalTransition {
                from: from.as_str().into(),
                to: to.as_str().into(),
            });
        }
        if let Some(last) = self.changes.last()
            && on < last.on
        {
            return Err(RegistryError::ChangeBeforePrevious {
                date: format_date(on),
                previous: format_date(last.on),
            });
        }
        self.changes.push(StatusChange {
            from: Some(from),
            to,
            on,
            decision,
        });
        Ok(&self.changes[self.changes.len() - 1])
    }

    /// The status in force at the end of `day`, or `None` before the history starts.
    pub fn status_on(&self, day: Date) -> Option<MemberStatus> {
        self.changes
            .iter()
            .take_while(|c| c.on <= day)
            .last()
            .map(|c| c.to)
    }

    /// The day the membership was first admitted, if it ever was.
    pub fn admitted_on(&self) -> Option<Date> {
        self.changes
            .iter()
            .find(|c| c.to == MemberStatus::Admitted)
            .map(|c| c.on)
    }

    /// The day the membership ended (withdrawn or expelled), if it has.
    pub fn ended_on(&self) -> Option<Date> {
        self.changes.iter().find(|c| c.to.is_ended()).map(|c| c.on)
    }
}
