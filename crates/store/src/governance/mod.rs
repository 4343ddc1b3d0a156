//! Governance: bodies, terms, seats and offices; meetings with attendance, proxies and quorum;
//! motions, elections and polls; documents (the charter) with every version; delegates.
//!
//! The rules are `federa_core::governance`'s: every change loads the stored values, runs a
//! core rule on them inside the writing transaction and persists the result only when the rule
//! says `Ok`, with one audit event. A refused operation returns the core error
//! ([`GovernanceError::Refused`], whose [`GovError::code`] is the stable code), writes nothing
//! and leaves the audit chain as it was.
//!
//! # What is kept how
//!
//! - The [`Bodies`] of an organisation (bodies, their rules, terms, seats and offices) are one
//!   JSON document with a version number ([`StoredBodies`]), changed through a closure:
//!   `store.update_bodies(org, actor, "fill_seats", |b, ids| b.term_mut(t)?.fill_seats(..))`.
//! - A [`Meeting`] is a JSON document too, but without what grows with the number of members:
//!   its roll (attendance, proxies) is kept as rows, and so are each poll's voters, snapshotted
//!   when the poll opens. [`Store::update_meeting`] loads the roll and the organisation's bodies,
//!   runs the closure, and writes back only the attendance rows that changed.
//! - Votes ([`Store::cast_vote`]) read and write a constant number of rows: the meeting row
//!   (its state, rules and attendance figures for the quorum), the voter's row (unique key
//!   (poll, voter), updated only while `voted = 0`), and for secret polls the ballot piles.
//! - Secret ballots follow the invariant of [`federa_core::governance::poll`]: a pile row
//!   (poll, content, ballots, weight) has no voter, no time and no sequence. Every vote rewrites
//!   every pile of its poll, so that no pile's last-written mark (PostgreSQL's `xmin`) points
//!   at the vote that added to it, and SQLite keeps piles `WITHOUT ROWID`, in content order. No
//!   audit event names a ballot.
//! - [`Document`]s are JSON documents with every version; [`Store::adopt_document`] makes an
//!   adopted motion's text current, linked to the motion and its poll.
//!
//! Ids (bodies, terms, meetings, motions, elections, polls, documents) come from one counter
//! ([`Ids`]), handed to the closures that create things.

mod meetings;

use federa_core::governance::{
    Bodies, Document, DocumentId, DocumentKind, GovError, Holder, MeetingId, MotionId,
};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;

use crate::{Actor, Store, StoreError};

pub use meetings::{MeetingRecord, MeetingSummary, NewMeeting, PollProgress, PollRecord};

/// Why a governance operation failed: refused by a rule (nothing written), or the store's own.
#[derive(Debug, thiserror::Error)]
pub enum GovernanceError {
    /// A core rule refused the operation; its [`GovError::code`] is the stable code.
    #[error(transparent)]
    Refused(#[from] GovError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for GovernanceError {
    fn from(e: sqlx::Error) -> GovernanceError {
        GovernanceError::Store(StoreError::Database(e))
    }
}

impl From<serde_json::Error> for GovernanceError {
    fn from(e: serde_json::Error) -> GovernanceError {
        GovernanceError::Store(StoreError::from(e))
    }
}

impl GovernanceError {
    /// The stable code: the core rule's, or the store's (`not_found`, `conflict`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            GovernanceError::Refused(e) => e.code(),
            GovernanceError::Store(StoreError::NotFound { .. }) => "not_found",
            GovernanceError::Store(StoreError::Conflict { .. }) => "conflict",
            GovernanceError::Store(StoreError::Invalid(_)) => "invalid_field",
            GovernanceError::Store(_) => "internal",
        }
    }
}

pub type GovResult<T> = std::result::Result<T, GovernanceError>;

/// Hands out fresh governance ids inside a writing transaction.
#[derive(Debug)]
pub struct Ids {
    next: u64,
    start: u64,
}

impl Ids {
    /// A fresh id, never handed out before.
    pub fn fresh(&mut self) -> u64 {
        let id = self.next;
        self.next += 1;
        id
    }

    /// The same as [`Ids::fresh`].
    #[allow(clippy::should_implement_trait)] // never ends, so not an iterator
    pub fn next(&mut self) -> u64 {
        self.fresh()
    }

    async fn load(tx: &mut Transaction<'static, Any>) -> GovResult<Ids> {
        let next: i64 = sqlx::query_scalar("SELECT next_id FROM gov_ids WHERE id = 1")
            .fetch_one(&mut **tx)
            .await?;
        Ok(Ids {
            next: next as u64,
            start: next as u64,
        })
    }

    async fn save(&self, tx: &mut Transaction<'static, Any>) -> GovResult<()> {
        if self.next != self.start {
            sqlx::query("UPDATE gov_ids SET next_id = $1 WHERE id = 1")
                .bind(self.next as i64)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}

/// How a holder is written in rows: `unit:ID` or `person:ID`.
pub fn holder_key(h: Holder) -> String {
    match h {
        Holder::Unit(id) => format!("unit:{id}"),
        Holder::Person(id) => format!("person:{id}"),
    }
}

/// Reads a holder written by [`holder_key`].
pub fn parse_holder(s: &str) -> Option<Holder> {
    let (kind, id) = s.split_once(':')?;
    let id: u64 = id.parse().ok()?;
    match kind {
        "unit" => Some(Holder::Unit(id)),
        "person" => Some(Holder::Person(id)),
        _ => None,
    }
}

pub(crate) fn holder_of(s: &str, entity: &'static str) -> GovResult<Holder> {
    parse_holder(s).ok_or_else(|| {
        GovernanceError::Store(StoreError::Corrupt {
            entity,
            id: s.to_string(),
            reason: "not a holder".into(),
        })
    })
}

/// An organisation's bodies with the version they were read at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredBodies {
    pub organisation_id: i64,
    /// 0 before the first change; one more with each change.
    pub version: i64,
    pub bodies: Bodies,
}

/// A document with the version of its row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentRecord {
    pub organisation_id: i64,
    pub version: i64,
    pub document: Document,
}

/// What an audit event of a governance change records: the result of the change, never a
/// ballot.
#[derive(Serialize)]
struct Changed<'a, T: Serialize> {
    version: i64,
    result: &'a T,
}

async fn org_exists(tx: &mut Transaction<'static, Any>, org: i64) -> GovResult<()> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE id = $1")
        .bind(org)
        .fetch_optional(&mut **tx)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::not_found("organisation", org).into()),
    }
}

pub(crate) async fn load_bodies(
    tx: &mut Transaction<'static, Any>,
    org: i64,
) -> GovResult<(i64, Bodies)> {
    let row = sqlx::query("SELECT version, doc FROM gov_bodies WHERE organisation_id = $1")
        .bind(org)
        .fetch_optional(&mut **tx)
        .await?;
    match row {
        Some(row) => {
            let doc: String = row.try_get("doc")?;
            Ok((row.try_get("version")?, serde_json::from_str(&doc)?))
        }
        None => Ok((0, Bodies::default())),
    }
}

/// Writes the bodies if the stored version is still `version`; returns the new version.
pub(crate) async fn save_bodies(
    tx: &mut Transaction<'static, Any>,
    org: i64,
    version: i64,
    bodies: &Bodies,
) -> GovResult<i64> {
    let doc = serde_json::to_string(bodies)?;
    let now = crate::now();
    let done = if version == 0 {
        sqlx::query(
            "INSERT INTO gov_bodies (organisation_id, version, doc, updated_at) \
             VALUES ($1, 1, $2, $3) ON CONFLICT (organisation_id) DO NOTHING",
        )
        .bind(org)
        .bind(doc)
        .bind(now)
        .execute(&mut **tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE gov_bodies SET version = version + 1, doc = $1, updated_at = $2 \
             WHERE organisation_id = $3 AND version = $4",
        )
        .bind(doc)
        .bind(now)
        .bind(org)
        .bind(version)
        .execute(&mut **tx)
        .await?
    };
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            entity: "bodies",
            field: "version",
            value: version.to_string(),
        }
        .into());
    }
    Ok(version + 1)
}

fn document_kind(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Charter => "charter",
        DocumentKind::Rules => "rules",
        DocumentKind::Convention => "convention",
        DocumentKind::Other => "other",
    }
}

async fn load_document(
    tx: &mut Transaction<'static, Any>,
    id: DocumentId,
) -> GovResult<DocumentRecord> {
    let row = sqlx::query("SELECT organisation_id, version, doc FROM gov_documents WHERE id = $1")
        .bind(id.0 as i64)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("document", id))?;
    document_from_row(&row)
}

fn document_from_row(row: &sqlx::any::AnyRow) -> GovResult<DocumentRecord> {
    let doc: String = row.try_get("doc")?;
    Ok(DocumentRecord {
        organisation_id: row.try_get("organisation_id")?,
        version: row.try_get("version")?,
        document: serde_json::from_str(&doc)?,
    })
}

async fn save_document(
    tx: &mut Transaction<'static, Any>,
    record: &DocumentRecord,
) -> GovResult<i64> {
    let d = &record.document;
    let done = sqlx::query(
        "UPDATE gov_documents SET kind = $1, title = $2, current_version = $3, \
         version = version + 1, doc = $4, updated_at = $5 WHERE id = $6 AND version = $7",
    )
    .bind(document_kind(d.kind))
    .bind(&d.title)
    .bind(d.current.map(i64::from))
    .bind(serde_json::to_string(d)?)
    .bind(crate::now())
    .bind(d.id.0 as i64)
    .bind(record.version)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            entity: "document",
            field: "version",
            value: record.version.to_string(),
        }
        .into());
    }
    Ok(record.version + 1)
}

impl Store {
    /// The bodies of an organisation (empty, version 0, before any was set up).
    pub async fn bodies(&self, org: i64) -> GovResult<StoredBodies> {
        let mut tx = self.pool.begin().await?;
        org_exists(&mut tx, org).await?;
        let (version, bodies) = load_bodies(&mut tx, org).await?;
        tx.commit().await?;
        Ok(StoredBodies {
            organisation_id: org,
            version,
            bodies,
        })
    }

    /// Changes an organisation's bodies through `f`, which calls core's rules (add a body, a
    /// term, fill seats, appoint, vacate, end a term) and may take fresh ids from [`Ids`]. On
    /// `Ok` the bodies are saved with their version one higher and an audit event (entity
    /// `bodies`, id the organisation, `action`) recording `f`'s result; on `Err` nothing is.
    pub async fn update_bodies<T, F>(
        &self,
        org: i64,
        actor: Actor,
        action: &str,
        f: F,
    ) -> GovResult<(T, StoredBodies)>
    where
        T: Serialize,
        F: FnOnce(&mut Bodies, &mut Ids) -> Result<T, GovError>,
    {
        let mut w = self.write().await?;
        org_exists(&mut w.tx, org).await?;
        let (version, mut bodies) = load_bodies(&mut w.tx, org).await?;
        let mut ids = Ids::load(&mut w.tx).await?;
        let result = f(&mut bodies, &mut ids)?;
        ids.save(&mut w.tx).await?;
        let version = save_bodies(&mut w.tx, org, version, &bodies).await?;
        w.audit(
            actor,
            "bodies",
            org,
            action,
            None::<&()>,
            Some(&Changed {
                version,
                result: &result,
            }),
        )
        .await?;
        w.commit().await?;
        Ok((
            result,
            StoredBodies {
                organisation_id: org,
                version,
                bodies,
            },
        ))
    }

    /// Creates a document of an organisation with its first draft (version 1).
    pub async fn create_document(
        &self,
        actor: Actor,
        org: i64,
        kind: DocumentKind,
        title: &str,
        paragraphs: Vec<String>,
    ) -> GovResult<DocumentRecord> {
        let title = title.trim();
        if title.is_empty() {
            return Err(StoreError::invalid("title", "required").into());
        }
        let mut w = self.write().await?;
        org_exists(&mut w.tx, org).await?;
        let mut ids = Ids::load(&mut w.tx).await?;
        let id = DocumentId(ids.fresh());
        ids.save(&mut w.tx).await?;
        let mut document = Document::new(id, kind, title);
        document.draft(paragraphs, None);
        sqlx::query(
            "INSERT INTO gov_documents (id, organisation_id, kind, title, current_version, \
             version, doc, updated_at) VALUES ($1, $2, $3, $4, NULL, 1, $5, $6)",
        )
        .bind(id.0 as i64)
        .bind(org)
        .bind(document_kind(kind))
        .bind(title)
        .bind(serde_json::to_string(&document)?)
        .bind(crate::now())
        .execute(&mut *w.tx)
        .await?;
        w.audit(
            actor,
            "document",
            id,
            "create",
            None::<&()>,
            Some(&document),
        )
        .await?;
        w.commit().await?;
        Ok(DocumentRecord {
            organisation_id: org,
            version: 1,
            document,
        })
    }

    pub async fn get_document(&self, id: DocumentId) -> GovResult<DocumentRecord> {
        let mut tx = self.pool.begin().await?;
        let d = load_document(&mut tx, id).await?;
        tx.commit().await?;
        Ok(d)
    }

    /// The documents of an organisation, oldest first.
    pub async fn list_documents(&self, org: i64) -> GovResult<Vec<DocumentRecord>> {
        let rows = sqlx::query(
            "SELECT organisation_id, version, doc FROM gov_documents \
             WHERE organisation_id = $1 ORDER BY id",
        )
        .bind(org)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(document_from_row).collect()
    }

    /// Changes a document through `f` (e.g. `|d| Ok(d.draft(paragraphs, Some(1)))` for a new
    /// draft); saved with one audit event recording `f`'s result.
    pub async fn update_document<T, F>(
        &self,
        actor: Actor,
        id: DocumentId,
        action: &str,
        f: F,
    ) -> GovResult<(T, DocumentRecord)>
    where
        T: Serialize,
        F: FnOnce(&mut Document) -> Result<T, GovError>,
    {
        let mut w = self.write().await?;
        let mut record = load_document(&mut w.tx, id).await?;
        let result = f(&mut record.document)?;
        record.version = save_document(&mut w.tx, &record).await?;
        w.audit(
            actor,
            "document",
            id,
            action,
            None::<&()>,
            Some(&Changed {
                version: record.version,
                result: &result,
            }),
        )
        .await?;
        w.commit().await?;
        Ok((result, record))
    }

    /// Makes the text of `motion` (adopted in `meeting`) the current version of the document
    /// the motion proposed to adopt, linked to the motion and its poll. Returns the document
    /// and the number of the version now current.
    pub async fn adopt_document(
        &self,
        actor: Actor,
        meeting: MeetingId,
        motion: MotionId,
        at: OffsetDateTime,
    ) -> GovResult<(DocumentRecord, u32)> {
        let mut w = self.write().await?;
        let (org, m) = meetings::load_meeting_doc(&mut w.tx, meeting).await?;
        let motion = m.motion(motion)?.clone();
        let doc_ref = motion
            .document
            .ok_or_else(|| StoreError::invalid("motion", "adopts_no_document"))?;
        let mut record = load_document(&mut w.tx, doc_ref.document).await?;
        if record.organisation_id != org {
            return Err(StoreError::not_found("document", doc_ref.document).into());
        }
        let current = record.document.adopt(&motion, meeting, at)?;
        record.version = save_document(&mut w.tx, &record).await?;
        w.audit(
            actor,
            "document",
            doc_ref.document,
            "adopt",
            None::<&()>,
            Some(&serde_json::json!({
                "version": record.version,
                "current": current,
                "meeting": meeting,
                "motion": motion.id,
                "poll": motion.poll,
            })),
        )
        .await?;
        w.commit().await?;
        Ok((record, current))
    }

    /// Links `user_id` as a delegate of `holder` in `org`'s bodies: the user may sign in and
    /// vote for the holder, and for those whose proxy the holder carries. A member unit must
    /// exist as an organisation. Linking twice is a conflict.
    pub async fn link_delegate(
        &self,
        actor: Actor,
        org: i64,
        user_id: i64,
        holder: Holder,
    ) -> GovResult<()> {
        let mut w = self.write().await?;
        org_exists(&mut w.tx, org).await?;
        if let Holder::Unit(unit) = holder {
            let found: Option<i64> =
                sqlx::query_scalar("SELECT id FROM organisations WHERE id = $1")
                    .bind(unit as i64)
                    .fetch_optional(&mut *w.tx)
                    .await?;
            if found.is_none() {
                return Err(StoreError::invalid("holder", "not_found").into());
            }
        }
        let user: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *w.tx)
            .await?;
        if user.is_none() {
            return Err(StoreError::invalid("user_id", "not_found").into());
        }
        let key = holder_key(holder);
        let done = sqlx::query(
            "INSERT INTO gov_delegates (organisation_id, holder, user_id, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (organisation_id, holder, user_id) DO NOTHING",
        )
        .bind(org)
        .bind(&key)
        .bind(user_id)
        .bind(crate::now())
        .execute(&mut *w.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict {
                entity: "delegate",
                field: "holder",
                value: key,
            }
            .into());
        }
        w.audit(
            actor,
            "delegate",
            format!("{org}/{key}"),
            "link",
            None::<&()>,
            Some(
                &serde_json::json!({"organisation_id": org, "holder": holder, "user_id": user_id}),
            ),
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// The holders `user_id` is a delegate of in `org`.
    pub async fn delegate_holders(&self, user_id: i64, org: i64) -> GovResult<Vec<Holder>> {
        let keys: Vec<String> = sqlx::query_scalar(
            "SELECT holder FROM gov_delegates WHERE user_id = $1 AND organisation_id = $2 \
             ORDER BY holder",
        )
        .bind(user_id)
        .bind(org)
        .fetch_all(&self.pool)
        .await?;
        keys.iter().map(|k| holder_of(k, "delegate")).collect()
    }

    /// The users who are delegates of `holder` in `org`.
    pub async fn delegates_of(&self, org: i64, holder: Holder) -> GovResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT user_id FROM gov_delegates WHERE organisation_id = $1 AND holder = $2 \
             ORDER BY user_id",
        )
        .bind(org)
        .bind(holder_key(holder))
        .fetch_all(&self.pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holders_are_written_and_read_back() {
        for h in [Holder::Unit(7), Holder::Person(12345)] {
            assert_eq!(parse_holder(&holder_key(h)), Some(h));
        }
        assert_eq!(parse_holder("unit:x"), None);
        assert_eq!(parse_holder("org:1"), None);
        assert_eq!(parse_holder("unit"), None);
    }
}
