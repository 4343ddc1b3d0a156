//! Circulars: text and attachments (kept in the database, size-limited) sent to all member
//! units or a filtered set; each recipient's delivered, read and acknowledged times; reminders
//! to those who have not acknowledged by the deadline; and the email copy's state.

use std::collections::HashMap;

use federa_core::org::MemberStatus;
use federa_core::registry::circular::{
    self, Attachment, Audience, Circular, CircularProgress, Delivery, DeliveryState,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;

use super::{member_pairs, rule, stored_time};
use crate::{Actor, Result, Store, StoreError};

/// Largest attachment, in bytes.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// Most attachments on one circular.
pub const MAX_ATTACHMENTS: usize = 5;

/// A file to attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub file_name: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

/// A circular to send, as a user composes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CircularInput {
    pub title: String,
    pub body: String,
    pub audience: Audience,
    /// Only memberships with one of these statuses (none: those in force).
    pub statuses: Vec<String>,
    /// Acknowledge by then.
    pub acknowledge_by: Option<OffsetDateTime>,
    pub attachments: Vec<NewAttachment>,
    /// Whether to queue an email copy to each recipient that has a contact address.
    pub email: bool,
}

/// Where an email copy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EmailState {
    /// No copy: no mail server, or the unit has no contact address.
    None,
    /// Queued, not yet handed to the mail server.
    Pending,
    /// Accepted by the mail server.
    Sent,
    /// The mail server refused or could not be reached; `email_error` says why.
    Failed,
}

impl EmailState {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailState::None => "none",
            EmailState::Pending => "pending",
            EmailState::Sent => "sent",
            EmailState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> EmailState {
        match s {
            "pending" => EmailState::Pending,
            "sent" => EmailState::Sent,
            "failed" => EmailState::Failed,
            _ => EmailState::None,
        }
    }
}

/// What came of handing one email to the mail server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailOutcome {
    Sent,
    Failed(String),
}

/// One recipient of a circular, with its progress and email copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recipient {
    pub unit: i64,
    pub unit_name: String,
    pub state: DeliveryState,
    #[serde(with = "circular::instant::option")]
    pub delivered_at: Option<OffsetDateTime>,
    #[serde(with = "circular::instant::option")]
    pub read_at: Option<OffsetDateTime>,
    #[serde(with = "circular::instant::option")]
    pub acknowledged_at: Option<OffsetDateTime>,
    pub reminders: u32,
    pub email_to: Option<String>,
    pub email_state: EmailState,
    pub email_error: Option<String>,
}

/// An attachment's description, with its id for download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentData {
    pub id: i64,
    #[serde(flatten)]
    pub attachment: Attachment,
}

/// A circular as stored: the rule's value, its attachments and each recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CircularRecord {
    pub id: i64,
    pub organisation_id: i64,
    pub title: String,
    pub body: String,
    pub audience: Audience,
    pub statuses: Vec<String>,
    #[serde(with = "circular::instant")]
    pub sent_at: OffsetDateTime,
    #[serde(with = "circular::instant::option")]
    pub acknowledge_by: Option<OffsetDateTime>,
    pub sent_by: Option<i64>,
    pub attachments: Vec<AttachmentData>,
    pub progress: CircularProgress,
    pub recipients: Vec<Recipient>,
}

/// A line of the circular list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CircularSummary {
    pub id: i64,
    pub title: String,
    #[serde(with = "circular::instant")]
    pub sent_at: OffsetDateTime,
    #[serde(with = "circular::instant::option")]
    pub acknowledge_by: Option<OffsetDateTime>,
    pub progress: CircularProgress,
}

/// A circular in a member unit's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxItem {
    pub circular_id: i64,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub title: String,
    #[serde(with = "circular::instant")]
    pub sent_at: OffsetDateTime,
    #[serde(with = "circular::instant::option")]
    pub acknowledge_by: Option<OffsetDateTime>,
    pub state: DeliveryState,
    pub attachments: usize,
}

/// One reminder sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reminder {
    pub id: i64,
    pub circular_id: i64,
    pub unit: i64,
    #[serde(with = "circular::instant")]
    pub sent_at: OffsetDateTime,
    pub email_to: Option<String>,
    pub email_state: EmailState,
    pub email_error: Option<String>,
}

/// Where a member unit's circulars are emailed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UnitContact {
    pub email: String,
    #[serde(default)]
    pub name: Option<String>,
}

impl UnitContact {
    fn validate(&self) -> Result<UnitContact> {
        let email = self.email.trim();
        let ok = email.len() <= 254
            && !email.contains(char::is_whitespace)
            && email
                .split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'));
        if email.is_empty() {
            return Err(StoreError::invalid("email", "required"));
        }
        if !ok {
            return Err(StoreError::invalid("email", "invalid_email"));
        }
        Ok(UnitContact {
            email: email.to_string(),
            name: self
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string),
        })
    }
}

fn media_type_ok(m: &str) -> bool {
    let m = m.trim();
    m.len() <= 100
        && m.split_once('/').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && m.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"/.+-_".contains(&c))
        })
}

/// A file name kept as a plain name: no directories, no control characters.
fn clean_file_name(n: &str) -> Option<String> {
    let base = n.rsplit(['/', '\\']).next().unwrap_or("").trim();
    (!base.is_empty()
        && base.chars().count() <= 200
        && !base.chars().any(char::is_control)
        && base != "."
        && base != "..")
        .then(|| base.to_string())
}

fn audience_statuses(statuses: &[String]) -> Result<Vec<MemberStatus>> {
    statuses
        .iter()
        .map(|s| {
            MemberStatus::parse(s.trim())
                .ok_or_else(|| StoreError::invalid("statuses", "unknown_value"))
        })
        .collect()
}

#[derive(Serialize, Deserialize)]
struct StoredAudience {
    audience: Audience,
    #[serde(default)]
    statuses: Vec<String>,
}

const CIRCULAR_COLS: &str =
    "id, organisation_id, title, body, audience_json, sent_at, acknowledge_by, sent_by";

fn delivery_from_row(row: &AnyRow, circular: i64) -> Result<(Delivery, Recipient)> {
    let unit: i64 = row.try_get("unit_id")?;
    let reminders: i64 = row.try_get("reminders")?;
    let d = Delivery {
        unit,
        delivered_at: stored_time("circular", circular, row.try_get("delivered_at")?)?,
        read_at: stored_time("circular", circular, row.try_get("read_at")?)?,
        acknowledged_at: stored_time("circular", circular, row.try_get("acknowledged_at")?)?,
        reminders: reminders as u32,
    };
    let state: String = row.try_get("email_state")?;
    let r = Recipient {
        unit,
        unit_name: row.try_get("name")?,
        state: d.state(),
        delivered_at: d.delivered_at,
        read_at: d.read_at,
        acknowledged_at: d.acknowledged_at,
        reminders: d.reminders,
        email_to: row.try_get("email_to")?,
        email_state: EmailState::parse(&state),
        email_error: row.try_get("email_error")?,
    };
    Ok((d, r))
}

/// Loads a circular: the rule's value and the stored record.
async fn load(
    conn: &mut sqlx::AnyConnection,
    id: i64,
) -> Result<Option<(Circular, CircularRecord)>> {
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CIRCULAR_COLS} FROM circulars WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let audience: String = row.try_get("audience_json")?;
    let audience: StoredAudience =
        serde_json::from_str(&audience).map_err(|e| StoreError::Corrupt {
            entity: "circular",
            id: id.to_string(),
            reason: e.to_string(),
        })?;
    let sent_at = stored_time("circular", id, row.try_get("sent_at")?)?.ok_or_else(|| {
        StoreError::Corrupt {
            entity: "circular",
            id: id.to_string(),
            reason: "no sending time".into(),
        }
    })?;
    let acknowledge_by = stored_time("circular", id, row.try_get("acknowledge_by")?)?;
    let att_rows = sqlx::query(
        "SELECT id, file_name, media_type, size, sha256 FROM circular_attachments \
         WHERE circular_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut attachments = Vec::new();
    for r in &att_rows {
        let size: i64 = r.try_get("size")?;
        attachments.push(AttachmentData {
            id: r.try_get("id")?,
            attachment: Attachment {
                file_name: r.try_get("file_name")?,
                media_type: r.try_get("media_type")?,
                size: size as u64,
                sha256: r.try_get("sha256")?,
            },
        });
    }
    let rows = sqlx::query(
        "SELECT d.unit_id, d.delivered_at, d.read_at, d.acknowledged_at, d.reminders, \
         d.email_to, d.email_state, d.email_error, o.name FROM circular_deliveries d \
         JOIN organisations o ON o.id = d.unit_id WHERE d.circular_id = $1 ORDER BY d.unit_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut deliveries = Vec::new();
    let mut recipients = Vec::new();
    for r in &rows {
        let (d, rec) = delivery_from_row(r, id)?;
        deliveries.push(d);
        recipients.push(rec);
    }
    let c = Circular {
        id,
        organisation_id: row.try_get("organisation_id")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        attachments: attachments.iter().map(|a| a.attachment.clone()).collect(),
        audience: audience.audience.clone(),
        sent_at,
        acknowledge_by,
        deliveries,
    };
    let record = CircularRecord {
        id,
        organisation_id: c.organisation_id,
        title: c.title.clone(),
        body: c.body.clone(),
        audience: audience.audience,
        statuses: audience.statuses,
        sent_at,
        acknowledge_by,
        sent_by: row.try_get("sent_by")?,
        attachments,
        progress: c.progress(),
        recipients,
    };
    Ok(Some((c, record)))
}

async fn load_tx(
    tx: &mut Transaction<'static, Any>,
    id: i64,
) -> Result<(Circular, CircularRecord)> {
    load(tx, id)
        .await?
        .ok_or_else(|| StoreError::not_found("circular", id))
}

fn time_str(t: Option<OffsetDateTime>) -> Option<String> {
    t.map(crate::format_time)
}

/// Writes a recipient's times back.
async fn save_delivery(
    tx: &mut Transaction<'static, Any>,
    circular: i64,
    d: &Delivery,
    by: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "UPDATE circular_deliveries SET delivered_at = $1, read_at = $2, acknowledged_at = $3, \
         reminders = $4, read_by = COALESCE(read_by, $5), \
         acknowledged_by = COALESCE(acknowledged_by, $6) WHERE circular_id = $7 AND unit_id = $8",
    )
    .bind(time_str(d.delivered_at))
    .bind(time_str(d.read_at))
    .bind(time_str(d.acknowledged_at))
    .bind(i64::from(d.reminders))
    .bind(d.read_at.and(by))
    .bind(d.acknowledged_at.and(by))
    .bind(circular)
    .bind(d.unit)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn contacts(
    tx: &mut Transaction<'static, Any>,
    units: &[i64],
) -> Result<HashMap<i64, String>> {
    let mut out = HashMap::new();
    for &u in units {
        let e: Option<String> =
            sqlx::query_scalar("SELECT email FROM unit_contacts WHERE unit_id = $1")
                .bind(u)
                .fetch_optional(&mut **tx)
                .await?;
        if let Some(e) = e {
            out.insert(u, e);
        }
    }
    Ok(out)
}

impl Store {
    /// Sets the address a member unit's circulars are emailed to.
    pub async fn set_unit_contact(
        &self,
        actor: Actor,
        unit: i64,
        contact: &UnitContact,
    ) -> Result<UnitContact> {
        let c = contact.validate()?;
        let mut w = self.write().await?;
        if !super::org_exists(&mut w.tx, unit).await? {
            return Err(StoreError::not_found("organisation", unit));
        }
        let before = unit_contact_in(&mut w.tx, unit).await?;
        let now = crate::now();
        if before.is_some() {
            sqlx::query("UPDATE unit_contacts SET email = $1, name = $2, updated_at = $3 WHERE unit_id = $4")
                .bind(&c.email)
                .bind(&c.name)
                .bind(&now)
                .bind(unit)
                .execute(&mut *w.tx)
                .await?;
        } else {
            sqlx::query("INSERT INTO unit_contacts (unit_id, email, name, updated_at) VALUES ($1, $2, $3, $4)")
                .bind(unit)
                .bind(&c.email)
                .bind(&c.name)
                .bind(&now)
                .execute(&mut *w.tx)
                .await?;
        }
        w.audit(
            actor,
            "unit_contact",
            unit,
            "set",
            before.as_ref(),
            Some(&c),
        )
        .await?;
        w.commit().await?;
        Ok(c)
    }

    pub async fn unit_contact(&self, unit: i64) -> Result<Option<UnitContact>> {
        let row = sqlx::query("SELECT email, name FROM unit_contacts WHERE unit_id = $1")
            .bind(unit)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(UnitContact {
                email: r.try_get("email")?,
                name: r.try_get("name")?,
            })
        })
        .transpose()
    }

    /// Sends a circular at `now`: the audience is drawn from the organisation's memberships,
    /// every recipient's inbox has it at once (delivered), and an email copy is queued for
    /// each recipient with a contact address when `input.email` is set.
    pub async fn send_circular(
        &self,
        actor: Actor,
        organisation_id: i64,
        input: &CircularInput,
        now: OffsetDateTime,
    ) -> Result<CircularRecord> {
        if input.title.chars().count() > federa_core::org::MAX_TEXT {
            return Err(StoreError::invalid("title", "too_long"));
        }
        if input.body.chars().count() > 50_000 {
            return Err(StoreError::invalid("body", "too_long"));
        }
        if input.attachments.len() > MAX_ATTACHMENTS {
            return Err(StoreError::invalid("attachments", "too_many"));
        }
        let mut files = Vec::new();
        for a in &input.attachments {
            let name = clean_file_name(&a.file_name)
                .ok_or_else(|| StoreError::invalid("attachments", "invalid_file_name"))?;
            if a.content.is_empty() {
                return Err(StoreError::invalid("attachments", "empty_file"));
            }
            if a.content.len() > MAX_ATTACHMENT_BYTES {
                return Err(StoreError::Invalid(federa_core::error::Invalid(vec![
                    federa_core::error::FieldError::too_long("attachments", MAX_ATTACHMENT_BYTES),
                ])));
            }
            let media = if media_type_ok(&a.media_type) {
                a.media_type.trim().to_string()
            } else {
                "application/octet-stream".to_string()
            };
            files.push((
                name,
                media,
                hex::encode(Sha256::digest(&a.content)),
                &a.content,
            ));
        }
        let statuses = audience_statuses(&input.statuses)?;
        let mut w = self.write().await?;
        if !super::org_exists(&mut w.tx, organisation_id).await? {
            return Err(StoreError::not_found("organisation", organisation_id));
        }
        let members = member_pairs(&mut w.tx, organisation_id).await?;
        let pool = circular::candidates(&members, &statuses, now.date());
        let recipients = input.audience.recipients(&pool);
        let mut c = Circular::send(
            0,
            organisation_id,
            &input.title,
            &input.body,
            input.audience.clone(),
            &recipients,
            now,
            input.acknowledge_by,
        )
        .map_err(rule)?;
        for u in &recipients {
            c.mark_delivered(*u, now).map_err(rule)?;
        }
        let stored = serde_json::to_string(&StoredAudience {
            audience: input.audience.clone(),
            statuses: input
                .statuses
                .iter()
                .map(|s| s.trim().to_string())
                .collect(),
        })?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO circulars (organisation_id, title, body, audience_json, sent_at, \
             acknowledge_by, sent_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(organisation_id)
        .bind(&c.title)
        .bind(&c.body)
        .bind(&stored)
        .bind(crate::format_time(now))
        .bind(time_str(c.acknowledge_by))
        .bind(match actor {
            Actor::User(u) => Some(u),
            Actor::System => None,
        })
        .fetch_one(&mut *w.tx)
        .await?;
        for (name, media, sha, content) in &files {
            sqlx::query(
                "INSERT INTO circular_attachments (circular_id, file_name, media_type, size, \
                 sha256, content) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(name)
            .bind(media)
            .bind(content.len() as i64)
            .bind(sha)
            .bind(content.to_vec())
            .execute(&mut *w.tx)
            .await?;
        }
        let addresses = if input.email {
            contacts(&mut w.tx, &recipients).await?
        } else {
            HashMap::new()
        };
        for d in &c.deliveries {
            let to = addresses.get(&d.unit);
            sqlx::query(
                "INSERT INTO circular_deliveries (circular_id, unit_id, delivered_at, email_to, \
                 email_state) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(d.unit)
            .bind(time_str(d.delivered_at))
            .bind(to)
            .bind(if to.is_some() { "pending" } else { "none" })
            .execute(&mut *w.tx)
            .await?;
        }
        let (_, record) = load_tx(&mut w.tx, id).await?;
        w.audit(actor, "circular", id, "send", None::<&()>, Some(&record))
            .await?;
        w.commit().await?;
        Ok(record)
    }

    pub async fn get_circular(&self, id: i64) -> Result<CircularRecord> {
        let mut c = self.pool.acquire().await?;
        load(&mut c, id)
            .await?
            .map(|(_, r)| r)
            .ok_or_else(|| StoreError::not_found("circular", id))
    }

    /// An organisation's circulars, newest first, with their progress.
    pub async fn list_circulars(&self, organisation_id: i64) -> Result<Vec<CircularSummary>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM circulars WHERE organisation_id = $1 ORDER BY sent_at DESC, id DESC",
        )
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for id in ids {
            let r = self.get_circular(id).await?;
            out.push(CircularSummary {
                id,
                title: r.title,
                sent_at: r.sent_at,
                acknowledge_by: r.acknowledge_by,
                progress: r.progress,
            });
        }
        Ok(out)
    }

    /// The circulars a member unit received, newest first.
    pub async fn inbox(&self, unit: i64) -> Result<Vec<InboxItem>> {
        let rows = sqlx::query(
            "SELECT c.id, c.organisation_id, o.name, c.title, c.sent_at, c.acknowledge_by, \
             d.delivered_at, d.read_at, d.acknowledged_at, \
             (SELECT COUNT(*) FROM circular_attachments a WHERE a.circular_id = c.id) AS files \
             FROM circular_deliveries d JOIN circulars c ON c.id = d.circular_id \
             JOIN organisations o ON o.id = c.organisation_id \
             WHERE d.unit_id = $1 ORDER BY c.sent_at DESC, c.id DESC",
        )
        .bind(unit)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let files: i64 = r.try_get("files")?;
            let d = Delivery {
                unit,
                delivered_at: stored_time("circular", id, r.try_get("delivered_at")?)?,
                read_at: stored_time("circular", id, r.try_get("read_at")?)?,
                acknowledged_at: stored_time("circular", id, r.try_get("acknowledged_at")?)?,
                reminders: 0,
            };
            out.push(InboxItem {
                circular_id: id,
                organisation_id: r.try_get("organisation_id")?,
                organisation_name: r.try_get("name")?,
                title: r.try_get("title")?,
                sent_at: stored_time("circular", id, r.try_get("sent_at")?)?
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH),
                acknowledge_by: stored_time("circular", id, r.try_get("acknowledge_by")?)?,
                state: d.state(),
                attachments: files as usize,
            });
        }
        Ok(out)
    }

    async fn delivery_step(
        &self,
        actor: Actor,
        circular_id: i64,
        unit: i64,
        at: OffsetDateTime,
        acknowledge: bool,
    ) -> Result<CircularRecord> {
        let mut w = self.write().await?;
        let (mut c, before) = load_tx(&mut w.tx, circular_id).await?;
        let was = c.deliveries.iter().find(|d| d.unit == unit).cloned();
        if acknowledge {
            c.acknowledge(unit, at).map_err(rule)?;
        } else {
            c.mark_read(unit, at).map_err(rule)?;
        }
        let Some(d) = c.deliveries.iter().find(|d| d.unit == unit) else {
            return Err(StoreError::invalid("recipient", "not_found"));
        };
        if was.as_ref() == Some(d) {
            // Already read (or acknowledged): the first time counts, nothing to record.
            return Ok(before);
        }
        save_delivery(
            &mut w.tx,
            circular_id,
            d,
            match actor {
                Actor::User(u) => Some(u),
                Actor::System => None,
            },
        )
        .await?;
        let (_, after) = load_tx(&mut w.tx, circular_id).await?;
        let before_d = before.recipients.iter().find(|r| r.unit == unit);
        let after_d = after.recipients.iter().find(|r| r.unit == unit);
        w.audit(
            actor,
            "circular",
            circular_id,
            if acknowledge { "acknowledge" } else { "read" },
            before_d,
            after_d,
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// Records that a recipient unit read the circular (the first time counts).
    pub async fn mark_circular_read(
        &self,
        actor: Actor,
        circular_id: i64,
        unit: i64,
        at: OffsetDateTime,
    ) -> Result<CircularRecord> {
        self.delivery_step(actor, circular_id, unit, at, false)
            .await
    }

    /// Records that a recipient unit acknowledged the circular (implies reading).
    pub async fn acknowledge_circular(
        &self,
        actor: Actor,
        circular_id: i64,
        unit: i64,
        at: OffsetDateTime,
    ) -> Result<CircularRecord> {
        self.delivery_step(actor, circular_id, unit, at, true).await
    }

    /// An attachment's description and bytes.
    pub async fn circular_attachment(
        &self,
        circular_id: i64,
        attachment_id: i64,
    ) -> Result<(AttachmentData, Vec<u8>)> {
        let row = sqlx::query(
            "SELECT id, file_name, media_type, size, sha256, content FROM circular_attachments \
             WHERE id = $1 AND circular_id = $2",
        )
        .bind(attachment_id)
        .bind(circular_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("attachment", attachment_id))?;
        let size: i64 = row.try_get("size")?;
        Ok((
            AttachmentData {
                id: row.try_get("id")?,
                attachment: Attachment {
                    file_name: row.try_get("file_name")?,
                    media_type: row.try_get("media_type")?,
                    size: size as u64,
                    sha256: row.try_get("sha256")?,
                },
            },
            row.try_get("content")?,
        ))
    }

    /// Sends reminders at `now` to every recipient that has not acknowledged once the deadline
    /// has come, recording each; an email copy is queued for those with a contact address when
    /// `email` is set. Refused before the deadline, without one, or with nobody to remind.
    pub async fn send_reminders(
        &self,
        actor: Actor,
        circular_id: i64,
        now: OffsetDateTime,
        email: bool,
    ) -> Result<Vec<Reminder>> {
        let mut w = self.write().await?;
        let (mut c, before) = load_tx(&mut w.tx, circular_id).await?;
        match c.acknowledge_by {
            None => return Err(StoreError::invalid("acknowledge_by", "no_deadline")),
            Some(by) if now < by => {
                return Err(StoreError::invalid("acknowledge_by", "not_yet_due"));
            }
            _ => {}
        }
        let units = c.needs_reminder(now);
        if units.is_empty() {
            return Err(StoreError::invalid("recipients", "all_acknowledged"));
        }
        c.reminded(&units);
        let addresses = if email {
            contacts(&mut w.tx, &units).await?
        } else {
            HashMap::new()
        };
        let by = match actor {
            Actor::User(u) => Some(u),
            Actor::System => None,
        };
        let mut out = Vec::new();
        for d in c.deliveries.iter().filter(|d| units.contains(&d.unit)) {
            save_delivery(&mut w.tx, circular_id, d, None).await?;
            let to = addresses.get(&d.unit);
            let state = if to.is_some() {
                EmailState::Pending
            } else {
                EmailState::None
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO circular_reminders (circular_id, unit_id, sent_at, sent_by, \
                 email_to, email_state) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(circular_id)
            .bind(d.unit)
            .bind(crate::format_time(now))
            .bind(by)
            .bind(to)
            .bind(state.as_str())
            .fetch_one(&mut *w.tx)
            .await?;
            out.push(Reminder {
                id,
                circular_id,
                unit: d.unit,
                sent_at: now,
                email_to: to.cloned(),
                email_state: state,
                email_error: None,
            });
        }
        w.audit(
            actor,
            "circular",
            circular_id,
            "remind",
            Some(&before.progress),
            Some(&out),
        )
        .await?;
        w.commit().await?;
        Ok(out)
    }

    /// The reminders sent for a circular, oldest first.
    pub async fn list_reminders(&self, circular_id: i64) -> Result<Vec<Reminder>> {
        let rows = sqlx::query(
            "SELECT id, unit_id, sent_at, email_to, email_state, email_error \
             FROM circular_reminders WHERE circular_id = $1 ORDER BY id",
        )
        .bind(circular_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                let state: String = r.try_get("email_state")?;
                Ok(Reminder {
                    id,
                    circular_id,
                    unit: r.try_get("unit_id")?,
                    sent_at: stored_time("reminder", id, r.try_get("sent_at")?)?
                        .unwrap_or(OffsetDateTime::UNIX_EPOCH),
                    email_to: r.try_get("email_to")?,
                    email_state: EmailState::parse(&state),
                    email_error: r.try_get("email_error")?,
                })
            })
            .collect()
    }

    /// Records what the mail server did with a circular's copy to a unit (`reminder`: with
    /// that reminder's copy instead).
    pub async fn record_email(
        &self,
        actor: Actor,
        circular_id: i64,
        unit: i64,
        reminder: Option<i64>,
        outcome: &EmailOutcome,
    ) -> Result<()> {
        let (state, error) = match outcome {
            EmailOutcome::Sent => (EmailState::Sent, None),
            EmailOutcome::Failed(e) => (
                EmailState::Failed,
                Some(e.chars().take(500).collect::<String>()),
            ),
        };
        let mut w = self.write().await?;
        let n = match reminder {
            None => sqlx::query(
                "UPDATE circular_deliveries SET email_state = $1, email_error = $2 \
                 WHERE circular_id = $3 AND unit_id = $4 AND email_to IS NOT NULL",
            )
            .bind(state.as_str())
            .bind(&error)
            .bind(circular_id)
            .bind(unit)
            .execute(&mut *w.tx)
            .await?
            .rows_affected(),
            Some(r) => sqlx::query(
                "UPDATE circular_reminders SET email_state = $1, email_error = $2 \
                 WHERE id = $3 AND circular_id = $4 AND unit_id = $5 AND email_to IS NOT NULL",
            )
            .bind(state.as_str())
            .bind(&error)
            .bind(r)
            .bind(circular_id)
            .bind(unit)
            .execute(&mut *w.tx)
            .await?
            .rows_affected(),
        };
        if n == 0 {
            return Err(StoreError::not_found(
                "email copy",
                format!("{circular_id}/{unit}"),
            ));
        }
        let after = serde_json::json!({
            "unit": unit, "reminder": reminder, "email_state": state, "email_error": error,
        });
        w.audit(
            actor,
            "circular",
            circular_id,
            "email",
            None::<&()>,
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(())
    }
}

async fn unit_contact_in(
    tx: &mut Transaction<'static, Any>,
    unit: i64,
) -> Result<Option<UnitContact>> {
    let row = sqlx::query("SELECT email, name FROM unit_contacts WHERE unit_id = $1")
        .bind(unit)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| {
        Ok(UnitContact {
            email: r.try_get("email")?,
            name: r.try_get("name")?,
        })
    })
    .transpose()
}
