//! The secretariat's engagement with member units: activities with invitations, registration
//! and attendance; circulars with attachments, per-recipient delivery, reading and
//! acknowledgement, and reminders; published indicators and member statistics; the
//! self-regulation convention with its signatures, and complaints with their handling.
//!
//! The rules are `federa_core::registry`'s (activity, circular, stats, conduct): each change
//! loads the stored value inside its writing transaction, lets the rule decide, writes what
//! comes back and appends one audit event. A refused change returns before anything is written,
//! so the transaction rolls back with no event.
//!
//! A recipient is a member unit (an organisation with a membership in the organisation that
//! acts); the person who acts is a user. A user represents a unit when they hold the
//! `representative` role on that unit's organisation record.

mod activities;
mod circulars;
mod conduct;
mod stats;

use federa_core::error::{FieldError, Invalid};
use federa_core::org::{MemberStatus, parse_date};
use federa_core::registry::RegistryError;
use federa_core::registry::model;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::Date;

pub use activities::{ActivityInput, AttendanceInput};
pub use circulars::{
    AttachmentData, CircularInput, CircularRecord, CircularSummary, EmailOutcome, EmailState,
    InboxItem, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, NewAttachment, Recipient, Reminder,
    UnitContact,
};
pub use conduct::{
    ComplaintAdvance, ComplaintInput, ComplaintRecord, Convention, ConventionInput,
    ConventionRecord, DEFAULT_COMPLAINT_BODY, SignatureRecord,
};
pub use stats::{IndicatorInput, MemberRow};

use crate::{Result, StoreError};

/// A refusal of the rules as the store's error, naming the field.
pub(crate) fn rule(e: RegistryError) -> StoreError {
    let fe = match &e {
        RegistryError::InvalidValue { field, reason } => FieldError::new(field, reason),
        RegistryError::Unknown { what, .. } => FieldError::new(what, "not_found"),
        RegistryError::IllegalState { .. } => FieldError::new("state", e.code()),
        RegistryError::FileTooLarge { limit, .. } => FieldError {
            limit: Some(*limit),
            ..FieldError::new("file", e.code())
        },
        other => FieldError::new("input", other.code()),
    };
    StoreError::Invalid(Invalid(vec![fe]))
}

/// A `YYYY-MM-DD` input field, or `invalid_date` naming it.
pub(crate) fn date_field(field: &str, v: &str) -> Result<Date> {
    let v = v.trim();
    if v.is_empty() {
        return Err(StoreError::invalid(field, "required"));
    }
    parse_date(v).ok_or_else(|| StoreError::invalid(field, "invalid_date"))
}

pub(crate) fn opt_date_field(field: &str, v: Option<&str>) -> Result<Option<Date>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => date_field(field, s).map(Some),
    }
}

/// A stored date that must parse.
pub(crate) fn stored_date(entity: &'static str, id: i64, v: &str) -> Result<Date> {
    parse_date(v).ok_or_else(|| StoreError::Corrupt {
        entity,
        id: id.to_string(),
        reason: format!("bad date {v:?}"),
    })
}

pub(crate) fn stored_time(
    entity: &'static str,
    id: i64,
    v: Option<String>,
) -> Result<Option<time::OffsetDateTime>> {
    match v {
        None => Ok(None),
        Some(s) => crate::parse_time(&s)
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt {
                entity,
                id: id.to_string(),
                reason: format!("bad time {s:?}"),
            }),
    }
}

/// One membership of an organisation with its member unit, as the registry rules see it.
pub(crate) fn member_pair(row: &AnyRow) -> Result<(model::Organisation, model::Membership)> {
    let unit: i64 = row.try_get("unit_id")?;
    let mid: i64 = row.try_get("m_id")?;
    let status: String = row.try_get("status")?;
    let joined: String = row.try_get("joined")?;
    let left: Option<String> = row.try_get("left_on")?;
    let org = model::Organisation {
        id: unit,
        name: row.try_get("name")?,
        short_name: row.try_get("short_name")?,
        kind: federa_core::org::OrgKind::Company,
        district: row.try_get("district")?,
        sector: row.try_get("sector")?,
        founded: None,
        registration_number: None,
        status: federa_core::org::OrgStatus::Active,
        predecessor_id: None,
        public: false,
    };
    let m = model::Membership {
        id: mid,
        organisation_id: row.try_get("organisation_id")?,
        member: model::Member::Organisation(unit),
        category: row.try_get("category")?,
        joined: stored_date("membership", mid, &joined)?,
        left: left
            .as_deref()
            .map(|l| stored_date("membership", mid, l))
            .transpose()?,
        status: MemberStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
            entity: "membership",
            id: mid.to_string(),
            reason: format!("unknown status {status:?}"),
        })?,
        representative: None,
        contacts: Vec::new(),
    };
    Ok((org, m))
}

pub(crate) const MEMBER_PAIR_SQL: &str = "SELECT m.id AS m_id, m.organisation_id, \
    m.member_id AS unit_id, m.category, m.joined, m.left_on, m.status, o.name, o.short_name, \
    o.district, o.sector FROM memberships m JOIN organisations o ON o.id = m.member_id \
    WHERE m.organisation_id = $1 ORDER BY o.name, m.id";

/// Every membership (current and past) of an organisation's member units.
pub(crate) async fn member_pairs(
    tx: &mut Transaction<'static, Any>,
    organisation_id: i64,
) -> Result<Vec<(model::Organisation, model::Membership)>> {
    let rows = sqlx::query(MEMBER_PAIR_SQL)
        .bind(organisation_id)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(member_pair).collect()
}

/// Whether `unit` holds a membership of `organisation_id` that has not ended.
pub(crate) async fn is_current_member(
    tx: &mut Transaction<'static, Any>,
    organisation_id: i64,
    unit: i64,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships WHERE organisation_id = $1 AND member_id = $2 \
         AND left_on IS NULL",
    )
    .bind(organisation_id)
    .bind(unit)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

pub(crate) async fn org_exists(tx: &mut Transaction<'static, Any>, id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organisations WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}
