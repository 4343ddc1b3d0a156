//! The audit log: every change appends one event (who, when, which entity, what action, the
//! record before and after as JSON) in the same transaction as the change.
//!
//! Events form a hash chain: `hash = sha256(prev_hash || "\n" || content)` where `content` is
//! the JSON array of the event's stored fields. Editing, deleting or reordering any event breaks
//! every later link, and the chain head row (last seq and hash) catches a truncated tail.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};

use crate::checkpoint::Checkpoints;
use crate::{Actor, Backend, Page, Paged, Result, Store, StoreError};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    /// Position in the chain, from 1 without gaps.
    pub seq: i64,
    pub at: String,
    pub actor_user_id: Option<i64>,
    /// `system` or `user:ID`.
    pub actor: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub prev_hash: String,
    pub hash: String,
}

/// What [`Store::verify_audit_chain`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Events checked.
    pub events: u64,
    /// The first event whose link or content does not check out, if any.
    pub first_bad_seq: Option<i64>,
    /// What is wrong, in words; `None` when the chain is intact.
    pub problem: Option<String>,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.problem.is_none()
    }
}

#[allow(clippy::too_many_arguments)]
fn event_hash(
    prev_hash: &str,
    seq: i64,
    at: &str,
    actor_user_id: Option<i64>,
    actor: &str,
    entity: &str,
    entity_id: &str,
    action: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let content = serde_json::json!([
        seq,
        at,
        actor_user_id,
        actor,
        entity,
        entity_id,
        action,
        before,
        after
    ]);
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(content.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// A writing transaction that holds the chain head until it commits or is dropped (which rolls
/// everything back, the audit events included).
pub(crate) struct Write {
    pub(crate) tx: Transaction<'static, Any>,
    seq: i64,
    hash: String,
    appended: bool,
    checkpoints: Option<Checkpoints>,
}

impl Write {
    /// Begins a write; its commit wakes `checkpoints`, SQLite's log checkpoint task.
    pub(crate) async fn begin(
        pool: &AnyPool,
        backend: Backend,
        checkpoints: Option<Checkpoints>,
    ) -> Result<Write> {
        let (mut tx, head) = match backend {
            // IMMEDIATE takes SQLite's one write lock now rather than at the first write, so
            // two writers never both read the head and then fail to upgrade.
            Backend::Sqlite => (
                pool.begin_with("BEGIN IMMEDIATE").await?,
                "SELECT seq, hash FROM audit_head WHERE id = 1",
            ),
            Backend::Postgres => (
                pool.begin().await?,
                "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
            ),
        };
        let row = sqlx::query(head).fetch_one(&mut *tx).await?;
        Ok(Write {
            seq: row.try_get("seq")?,
            hash: row.try_get("hash")?,
            tx,
            appended: false,
            checkpoints,
        })
    }

    /// Appends one event to the chain.
    pub(crate) async fn audit<B: Serialize, A: Serialize>(
        &mut self,
        actor: Actor,
        entity: &str,
        entity_id: impl ToString,
        action: &str,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<()> {
        let before = before.map(serde_json::to_string).transpose()?;
        let after = after.map(serde_json::to_string).transpose()?;
        let seq = self.seq + 1;
        let at = crate::now();
        let entity_id = entity_id.to_string();
        let label = actor.label();
        let hash = event_hash(
            &self.hash,
            seq,
            &at,
            actor.user_id(),
            &label,
            entity,
            &entity_id,
            action,
            before.as_deref(),
            after.as_deref(),
        );
        sqlx::query(
            "INSERT INTO audit_events (seq, at, actor_user_id, actor, entity, entity_id, action, \
             before_json, after_json, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(seq)
        .bind(&at)
        .bind(actor.user_id())
        .bind(&label)
        .bind(entity)
        .bind(&entity_id)
        .bind(action)
        .bind(before)
        .bind(after)
        .bind(&self.hash)
        .bind(&hash)
        .execute(&mut *self.tx)
        .await?;
        self.seq = seq;
        self.hash = hash;
        self.appended = true;
        Ok(())
    }

    /// Moves the chain head and commits the change with its events.
    pub(crate) async fn commit(mut self) -> Result<()> {
        if self.appended {
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(self.seq)
                .bind(&self.hash)
                .execute(&mut *self.tx)
                .await?;
        }
        self.tx.commit().await?;
        if let Some(c) = &self.checkpoints {
            c.wake();
        }
        Ok(())
    }
}

fn event_from_row(row: &AnyRow) -> Result<AuditEvent> {
    let parse = |s: Option<String>| -> Option<serde_json::Value> {
        s.and_then(|s| serde_json::from_str(&s).ok())
    };
    Ok(AuditEvent {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor_user_id: row.try_get("actor_user_id")?,
        actor: row.try_get("actor")?,
        entity: row.try_get("entity")?,
        entity_id: row.try_get("entity_id")?,
        action: row.try_get("action")?,
        before: parse(row.try_get("before_json")?),
        after: parse(row.try_get("after_json")?),
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

const EVENT_COLS: &str = "seq, at, actor_user_id, actor, entity, entity_id, action, before_json, \
                          after_json, prev_hash, hash";

impl Store {
    /// Audit events, newest first; only those about one entity (`organisation`, ...) and one id
    /// when given.
    pub async fn list_audit_events(
        &self,
        entity: Option<&str>,
        entity_id: Option<&str>,
        page: Page,
    ) -> Result<Paged<AuditEvent>> {
        let (offset, limit) = page.checked()?;
        let filter = "($1 IS NULL OR entity = $1) AND ($2 IS NULL OR entity_id = $2)";
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM audit_events WHERE {filter}"
        )))
        .bind(entity)
        .bind(entity_id)
        .fetch_one(&self.pool)
        .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EVENT_COLS} FROM audit_events WHERE {filter} ORDER BY seq DESC LIMIT $3 OFFSET $4"
        )))
        .bind(entity)
        .bind(entity_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(Paged {
            items: rows.iter().map(event_from_row).collect::<Result<_>>()?,
            total: total as u64,
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// Recomputes every link of the audit chain, oldest first, and compares the end with the
    /// chain head. A broken chain is a report, not an error; errors are the database's.
    pub async fn verify_audit_chain(&self) -> Result<ChainReport> {
        const CHUNK: i64 = 1000;
        let mut prev = GENESIS.to_string();
        let mut expected_seq = 1i64;
        let mut events = 0u64;
        let bad = |seq: i64, events: u64, problem: String| ChainReport {
            events,
            first_bad_seq: Some(seq),
            problem: Some(problem),
        };
        loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {EVENT_COLS} FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT $2"
            )))
            .bind(expected_seq)
            .bind(CHUNK)
            .fetch_all(&self.pool)
            .await?;
            let n = rows.len();
            for row in &rows {
                let seq: i64 = row.try_get("seq")?;
                let prev_hash: String = row.try_get("prev_hash")?;
                let hash: String = row.try_get("hash")?;
                if seq != expected_seq {
                    return Ok(bad(
                        expected_seq,
                        events,
                        format!("event {expected_seq} is missing"),
                    ));
                }
                if prev_hash != prev {
                    return Ok(bad(
                        seq,
                        events,
                        format!("event {seq} does not link to event {}", seq - 1),
                    ));
                }
                let before: Option<String> = row.try_get("before_json")?;
                let after: Option<String> = row.try_get("after_json")?;
                let actor: String = row.try_get("actor")?;
                let entity: String = row.try_get("entity")?;
                let entity_id: String = row.try_get("entity_id")?;
                let action: String = row.try_get("action")?;
                let at: String = row.try_get("at")?;
                let recomputed = event_hash(
                    &prev_hash,
                    seq,
                    &at,
                    row.try_get("actor_user_id")?,
                    &actor,
                    &entity,
                    &entity_id,
                    &action,
                    before.as_deref(),
                    after.as_deref(),
                );
                if recomputed != hash {
                    return Ok(bad(seq, events, format!("event {seq} was altered")));
                }
                prev = hash;
                expected_seq += 1;
                events += 1;
            }
            if (n as i64) < CHUNK {
                break;
            }
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        let head_seq: i64 = head.try_get("seq")?;
        let head_hash: String = head.try_get("hash")?;
        if head_seq != expected_seq - 1 || head_hash != prev {
            return Ok(bad(
                expected_seq,
                events,
                format!(
                    "the chain ends at event {} but its head says {head_seq}",
                    expected_seq - 1
                ),
            ));
        }
        Ok(ChainReport {
            events,
            first_bad_seq: None,
            problem: None,
        })
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> StoreError {
        StoreError::Corrupt {
            entity: "json",
            id: String::new(),
            reason: e.to_string(),
        }
    }
}
