//! Organisations and their member units: the values, and the rules a new or changed one must
//! satisfy before anything is stored.
//!
//! Dates are ISO 8601 calendar dates (`YYYY-MM-DD`); the caller supplies "today" where a rule
//! needs it.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::{FieldError, Invalid};

/// Longest name, short name, district, sector, category or reason we accept, in characters.
pub const MAX_TEXT: usize = 200;
/// Longest short name, in characters.
pub const MAX_SHORT: usize = 60;

/// What kind of organisation this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Federation,
    Association,
    Company,
    University,
    Institute,
    Government,
    Other,
}

impl OrgKind {
    pub const ALL: [OrgKind; 7] = [
        OrgKind::Federation,
        OrgKind::Association,
        OrgKind::Company,
        OrgKind::University,
        OrgKind::Institute,
        OrgKind::Government,
        OrgKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Federation => "federation",
            OrgKind::Association => "association",
            OrgKind::Company => "company",
            OrgKind::University => "university",
            OrgKind::Institute => "institute",
            OrgKind::Government => "government",
            OrgKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Whether an organisation is active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrgStatus {
    Active,
    Dissolved,
    /// Succeeded by another organisation, which took over its members and history.
    Succeeded,
}

impl OrgStatus {
    pub const ALL: [OrgStatus; 3] = [
        OrgStatus::Active,
        OrgStatus::Dissolved,
        OrgStatus::Succeeded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgStatus::Active => "active",
            OrgStatus::Dissolved => "dissolved",
            OrgStatus::Succeeded => "succeeded",
        }
    }

    pub fn parse(s: &str) -> Option<OrgStatus> {
        OrgStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: OrgKind,
    pub district: Option<String>,
    pub sector: Option<String>,
    /// `YYYY-MM-DD`
    pub founded: Option<String>,
    pub status: OrgStatus,
    pub predecessor_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// The fields of an organisation a user gives when creating or editing one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrgInput {
    pub name: String,
    #[serde(default)]
    pub short_name: Option<String>,
    /// One of federation, association, company, university, institute, government, other.
    pub kind: String,
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub sector: Option<String>,
    /// `YYYY-MM-DD`
    #[serde(default)]
    pub founded: Option<String>,
    #[serde(default)]
    pub predecessor_id: Option<i64>,
}

/// An [`OrgInput`] that passed every rule: trimmed, with empty optional fields as `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidOrg {
    pub name: String,
    pub short_name: Option<String>,
    pub kind: OrgKind,
    pub district: Option<String>,
    pub sector: Option<String>,
    pub founded: Option<Date>,
    pub predecessor_id: Option<i64>,
}

impl OrgInput {
    /// Checks every field and reports every problem at once, each naming its field.
    pub fn validate(&self) -> Result<ValidOrg, Invalid> {
        let mut errors = Vec::new();
        let name = required(&mut errors, "name", &self.name, MAX_TEXT);
        let short_name = optional(
            &mut errors,
            "short_name",
            self.short_name.as_deref(),
            MAX_SHORT,
        );
        let kind = OrgKind::parse(self.kind.trim());
        if kind.is_none() {
            errors.push(FieldError::new("kind", "unknown_kind"));
        }
        let district = optional(&mut errors, "district", self.district.as_deref(), MAX_TEXT);
        let sector = optional(&mut errors, "sector", self.sector.as_deref(), MAX_TEXT);
        let founded = optional_date(&mut errors, "founded", self.founded.as_deref());
        match (errors.is_empty(), kind) {
            (true, Some(kind)) => Ok(ValidOrg {
                name,
                short_name,
                kind,
                district,
                sector,
                founded,
                predecessor_id: self.predecessor_id,
            }),
            _ => Err(Invalid(errors)),
        }
    }
}

/// A member unit's standing in an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Applied,
    Admitted,
    Suspended,
    Withdrawn,
    Expelled,
}

impl MemberStatus {
    pub const ALL: [MemberStatus; 5] = [
        MemberStatus::Applied,
        MemberStatus::Admitted,
        MemberStatus::Suspended,
        MemberStatus::Withdrawn,
        MemberStatus::Expelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Applied => "applied",
            MemberStatus::Admitted => "admitted",
            MemberStatus::Suspended => "suspended",
            MemberStatus::Withdrawn => "withdrawn",
            MemberStatus::Expelled => "expelled",
        }
    }

    pub fn parse(s: &str) -> Option<MemberStatus> {
        MemberStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A membership in this status has ended.
    pub fn is_ended(self) -> bool {
        matches!(self, MemberStatus::Withdrawn | MemberStatus::Expelled)
    }

    /// Which changes of status the registry allows: an applicant is admitted (or withdraws),
    /// an admitted member may be suspended, withdraw or be expelled, a suspended one restored,
    /// withdraw or be expelled. An ended membership does not change; a unit that returns joins
    /// anew.
    pub fn may_become(self, next: MemberStatus) -> bool {
        use MemberStatus::*;
        matches!(
            (self, next),
            (Applied, Admitted)
                | (Applied, Withdrawn)
                | (Admitted, Suspended)
                | (Admitted, Withdrawn)
                | (Admitted, Expelled)
                | (Suspended, Admitted)
                | (Suspended, Withdrawn)
                | (Suspended, Expelled)
        )
    }
}

/// A member unit: an organisation that is a member of another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Membership {
    pub id: i64,
    pub organisation_id: i64,
    pub member: Organisation,
    pub category: String,
    /// `YYYY-MM-DD`
    pub joined: String,
    /// `YYYY-MM-DD`, once the membership has ended.
    pub left_on: Option<String>,
    pub status: MemberStatus,
    pub end_reason: Option<String>,
}

/// What a user gives to add a member unit: an existing organisation or a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MembershipInput {
    /// An existing organisation; give this or `new_member`.
    #[serde(default)]
    pub member_id: Option<i64>,
    /// A new organisation to create and admit; give this or `member_id`.
    #[serde(default)]
    pub new_member: Option<OrgInput>,
    pub category: String,
    /// `YYYY-MM-DD`
    pub joined: String,
    /// `applied` or `admitted` (the default).
    #[serde(default)]
    pub status: Option<String>,
}

/// The member unit to add, after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewMember {
    Existing(i64),
    New(ValidOrg),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMembership {
    pub member: NewMember,
    pub category: String,
    pub joined: Date,
    pub status: MemberStatus,
}

impl MembershipInput {
    pub fn validate(&self) -> Result<ValidMembership, Invalid> {
        let mut errors = Vec::new();
        let member = match (self.member_id, &self.new_member) {
            (Some(id), None) => Some(NewMember::Existing(id)),
            (None, Some(org)) => match org.validate() {
                Ok(v) => Some(NewMember::New(v)),
                Err(Invalid(es)) => {
                    errors.extend(es.into_iter().map(|e| FieldError {
                        field: format!("new_member.{}", e.field),
                        ..e
                    }));
                    None
                }
            },
            (Some(_), Some(_)) => {
                errors.push(FieldError::new("member_id", "member_id_or_new_member"));
                None
            }
            (None, None) => {
                errors.push(FieldError::new("member_id", "required"));
                None
            }
        };
        let category = required(&mut errors, "category", &self.category, MAX_TEXT);
        let joined = required_date(&mut errors, "joined", &self.joined);
        let status = match self
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Some(MemberStatus::Admitted),
            Some(s) => match MemberStatus::parse(s) {
                Some(st @ (MemberStatus::Applied | MemberStatus::Admitted)) => Some(st),
                _ => {
                    errors.push(FieldError::new("status", "status_applied_or_admitted"));
                    None
                }
            },
        };
        match (member, joined, status) {
            (Some(member), Some(joined), Some(status)) if errors.is_empty() => {
                Ok(ValidMembership {
                    member,
                    category,
                    joined,
                    status,
                })
            }
            _ => Err(Invalid(errors)),
        }
    }
}

/// Ending a membership: when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EndMembershipInput {
    /// `YYYY-MM-DD`
    pub left_on: String,
    /// `withdrawn` (the default) or `expelled`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidEnd {
    pub left_on: Date,
    pub status: MemberStatus,
    pub reason: Option<String>,
}

impl EndMembershipInput {
    /// Checks the input against the membership it ends (its join date and current status).
    pub fn validate(&self, joined: Date, current: MemberStatus) -> Result<ValidEnd, Invalid> {
        let mut errors = Vec::new();
        let left_on = required_date(&mut errors, "left_on", &self.left_on);
        if let Some(d) = left_on
            && d < joined
        {
            errors.push(FieldError::new("left_on", "before_joined"));
        }
        let status = match self
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => MemberStatus::Withdrawn,
            Some(s) => match MemberStatus::parse(s) {
                Some(st) if st.is_ended() => st,
                _ => {
                    errors.push(FieldError::new("status", "status_withdrawn_or_expelled"));
                    MemberStatus::Withdrawn
                }
            },
        };
        if !current.may_become(status) {
            errors.push(FieldError::new("status", "membership_already_ended"));
        }
        let reason = optional(&mut errors, "reason", self.reason.as_deref(), MAX_TEXT);
        match left_on {
            Some(left_on) if errors.is_empty() => Ok(ValidEnd {
                left_on,
                status,
                reason,
            }),
            _ => Err(Invalid(errors)),
        }
    }
}

pub(crate) fn required(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.push(FieldError::new(field, "required"));
    } else if v.chars().count() > max {
        errors.push(FieldError::too_long(field, max));
    }
    v.to_string()
}

pub(crate) fn optional(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max {
        errors.push(FieldError::too_long(field, max));
    }
    Some(v.to_string())
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &format).ok()
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn required_date(errors: &mut Vec<FieldError>, field: &str, value: &str) -> Option<Date> {
    if value.trim().is_empty() {
        errors.push(FieldError::new(field, "required"));
        return None;
    }
    let d = parse_date(value);
    if d.is_none() {
        errors.push(FieldError::new(field, "invalid_date"));
    }
    d
}

fn optional_date(errors: &mut Vec<FieldError>, field: &str, value: Option<&str>) -> Option<Date> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    required_date(errors, field, v)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn org(name: &str, kind: &str) -> OrgInput {
        OrgInput {
            name: name.into(),
            kind: kind.into(),
            ..OrgInput::default()
        }
    }

    fn codes(r: Result<impl std::fmt::Debug, Invalid>) -> Vec<(String, String)> {
        match r {
            Ok(v) => panic!("expected errors, got {v:?}"),
            Err(Invalid(es)) => es.into_iter().map(|e| (e.field, e.code)).collect(),
        }
    }

    #[test]
    fn organisation_rules() {
        let ok = org("  重庆市互联网联合会 ", "federation")
            .validate()
            .unwrap();
        assert_eq!(ok.name, "重庆市互联网联合会");
        assert_eq!(ok.kind, OrgKind::Federation);
        assert_eq!(
            codes(org("", "club").validate()),
            vec![
                ("name".into(), "required".into()),
                ("kind".into(), "unknown_kind".into())
            ]
        );
        let long = "长".repeat(MAX_TEXT + 1);
        assert_eq!(
            codes(org(&long, "company").validate()),
            vec![("name".into(), "too_long".into())]
        );
        // Exactly the limit, counted in characters rather than bytes, is accepted.
        assert!(org(&"长".repeat(MAX_TEXT), "company").validate().is_ok());
        let mut bad_date = org("A", "company");
        bad_date.founded = Some("2017-02-30".into());
        assert_eq!(
            codes(bad_date.validate()),
            vec![("founded".into(), "invalid_date".into())]
        );
    }

    #[test]
    fn membership_rules() {
        let input = MembershipInput {
            member_id: None,
            new_member: Some(org("", "company")),
            category: "".into(),
            joined: "2017/03/01".into(),
            status: Some("expelled".into()),
        };
        assert_eq!(
            codes(input.validate()),
            vec![
                ("new_member.name".into(), "required".into()),
                ("category".into(), "required".into()),
                ("joined".into(), "invalid_date".into()),
                ("status".into(), "status_applied_or_admitted".into()),
            ]
        );
        let ok = MembershipInput {
            member_id: Some(3),
            new_member: None,
            category: "理事单位".into(),
            joined: "2017-03-01".into(),
            status: None,
        }
        .validate()
        .unwrap();
        assert_eq!(ok.status, MemberStatus::Admitted);
        assert_eq!(format_date(ok.joined), "2017-03-01");
    }

    #[test]
    fn ending_a_membership() {
        let joined = parse_date("2020-01-01").unwrap();
        let end = |d: &str, st: Option<&str>| EndMembershipInput {
            left_on: d.into(),
            status: st.map(Into::into),
            reason: None,
        };
        let ok = end("2024-06-30", None)
            .validate(joined, MemberStatus::Admitted)
            .unwrap();
        assert_eq!(ok.status, MemberStatus::Withdrawn);
        assert_eq!(
            codes(end("2019-12-31", None).validate(joined, MemberStatus::Admitted)),
            vec![("left_on".into(), "before_joined".into())]
        );
        assert_eq!(
            codes(end("2024-06-30", Some("expelled")).validate(joined, MemberStatus::Withdrawn)),
            vec![("status".into(), "membership_already_ended".into())]
        );
    }

    #[test]
    fn status_transitions() {
        use MemberStatus::*;
        for s in MemberStatus::ALL {
            assert!(!s.may_become(s), "{s:?} to itself");
            if s.is_ended() {
                assert!(MemberStatus::ALL.iter().all(|&n| !s.may_become(n)));
            }
        }
        assert!(Applied.may_become(Admitted));
        assert!(!Applied.may_become(Expelled));
        assert!(Suspended.may_become(Admitted));
    }
}
