//! Member self-regulation: a convention (a document) member units sign, and complaints about a
//! member unit, filed by a person and handled by a named body with a recorded outcome.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use time::Date;

use super::RegistryError;
use super::status::Decision;

/// A member unit's signature of a convention version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConventionSignature {
    pub document_id: i64,
    pub document_version: i64,
    pub unit: i64,
    /// The person who signed for the unit (its representative).
    pub signed_by: i64,
    #[serde(with = "super::dates")]
    pub signed_on: Date,
}

impl ConventionSignature {
    /// Checks a new signature against those already recorded: the signer must represent the
    /// unit (`representatives` are the unit's representatives), and a unit signs a version once.
    pub fn check(
        &self,
        existing: &[ConventionSignature],
        representatives: &[i64],
        today: Date,
    ) -> Result<(), RegistryError> {
        if !representatives.contains(&self.signed_by) {
            return Err(RegistryError::invalid("signed_by", "not_representative"));
        }
        if self.signed_on > today {
            return Err(RegistryError::invalid("signed_on", "in_future"));
        }
        if existing.iter().any(|s| {
            s.document_id == self.document_id
                && s.document_version == self.document_version
                && s.unit == self.unit
        }) {
            return Err(RegistryError::invalid("unit", "already_signed"));
        }
        Ok(())
    }
}

/// The units among `members` that have not signed this version.
pub fn not_signed(
    members: &[i64],
    signatures: &[ConventionSignature],
    document_id: i64,
    version: i64,
) -> Vec<i64> {
    let signed: HashSet<i64> = signatures
        .iter()
        .filter(|s| s.document_id == document_id && s.document_version == version)
        .map(|s| s.unit)
        .collect();
    members
        .iter()
        .copied()
        .filter(|u| !signed.contains(u))
        .collect()
}

/// Where a complaint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintState {
    Filed,
    /// Accepted for handling; under review by the handling body.
    UnderReview,
    /// Not admissible.
    Rejected,
    /// Decided, with an outcome.
    Resolved,
    /// Withdrawn by the complainant.
    Withdrawn,
}

impl ComplaintState {
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintState::Filed => "filed",
            ComplaintState::UnderReview => "under_review",
            ComplaintState::Rejected => "rejected",
            ComplaintState::Resolved => "resolved",
            ComplaintState::Withdrawn => "withdrawn",
        }
    }

    /// filed → under_review / rejected / withdrawn; under_review → resolved / withdrawn.
    pub fn may_become(self, next: ComplaintState) -> bool {
        use ComplaintState::*;
        matches!(
            (self, next),
            (Filed, UnderReview)
                | (Filed, Rejected)
                | (Filed, Withdrawn)
                | (UnderReview, Resolved)
                | (UnderReview, Withdrawn)
        )
    }

    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ComplaintState::Rejected | ComplaintState::Resolved | ComplaintState::Withdrawn
        )
    }
}

/// One step of a complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintStep {
    pub state: ComplaintState,
    #[serde(with = "super::dates")]
    pub on: Date,
    /// The person who recorded the step.
    pub by: i64,
    pub note: Option<String>,
}

/// The recorded outcome of a rejected or resolved complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Outcome {
    pub text: String,
    /// The handling body's decision.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub decision: Decision,
}

/// A complaint about a member unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Complaint {
    pub id: i64,
    pub organisation_id: i64,
    /// The person who filed it (signed in).
    pub filed_by: i64,
    /// The member unit complained about.
    pub against: i64,
    pub summary: String,
    /// The body that handles it (by default the board of supervisors).
    pub handled_by_body: i64,
    pub steps: Vec<ComplaintStep>,
    pub outcome: Option<Outcome>,
}

impl Complaint {
    pub fn file(
        id: i64,
        organisation_id: i64,
        filed_by: i64,
        against: i64,
        summary: &str,
        handled_by_body: i64,
        on: Date,
    ) -> Result<Complaint, RegistryError> {
        let summary = summary.trim();
        if summary.is_empty() {
            return Err(RegistryError::invalid("summary", "required"));
        }
        if summary.chars().count() > 5000 {
            return Err(RegistryError::invalid("summary", "too_long"));
        }
        Ok(Complaint {
            id,
            organisation_id,
            filed_by,
            against,
            summary: summary.to_string(),
            handled_by_body,
            steps: vec![ComplaintStep {
                state: ComplaintState::Filed,
                on,
                by: filed_by,
                note: None,
            }],
            outcome: None,
        })
    }

    pub fn state(&self) -> ComplaintState {
        self.steps.last().map_or(ComplaintState::Filed, |s| s.state)
    }

    /// Moves the complaint on. Rejecting or resolving needs an outcome; only the complainant
    /// withdraws.
    pub fn advance(
        &mut self,
        to: ComplaintState,
        on: Date,
        by: i64,
        note: Option<String>,
        outcome: Option<Outcome>,
    ) -> Result<(), RegistryError> {
        let from = self.state();
        if !from.may_become(to) {
            return Err(RegistryError::IllegalState {
                kind: "complaint".into(),
                from: from.as_str().into(),
                to: to.as_str().into(),
            });
        }
        if self.steps.last().is_some_and(|s| on < s.on) {
            return Err(RegistryError::invalid("on", "before_previous"));
        }
        let needs_outcome = matches!(to, ComplaintState::Rejected | ComplaintState::Resolved);
        match (&outcome, needs_outcome) {
            (None, true) => return Err(RegistryError::invalid("outcome", "required")),
            (Some(o), true) if o.text.trim().is_empty() => {
                return Err(RegistryError::invalid("outcome", "required"));
            }
            (Some(_), false) => return Err(RegistryError::invalid("outcome", "not_expected")),
            _ => {}
        }
        if to == ComplaintState::Withdrawn && by != self.filed_by {
            return Err(RegistryError::invalid("by", "not_complainant"));
        }
        self.steps.push(ComplaintStep {
            state: to,
            on,
            by,
            note,
        });
        if outcome.is_some() {
            self.outcome = outcome;
        }
        Ok(())
    }
}
