//! Self-regulation: the convention member units sign (each version a document of its own), and
//! complaints about a member unit, handled by the body the organisation names.

use federa_core::org::{MAX_TEXT, format_date};
use federa_core::registry::conduct::{
    self, Complaint, ComplaintState, ComplaintStep, ConventionSignature, Outcome,
};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::Date;

use super::{date_field, is_current_member, rule, stored_date};
use crate::{Actor, Result, Role, Store, StoreError};

/// The body that handles complaints when the organisation names none.
pub const DEFAULT_COMPLAINT_BODY: &str = "board_of_supervisors";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConventionInput {
    pub title: String,
    pub body: String,
    /// `YYYY-MM-DD`
    pub adopted_on: String,
}

/// One version of an organisation's convention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Convention {
    pub id: i64,
    pub organisation_id: i64,
    pub version: i64,
    pub title: String,
    pub body: String,
    pub adopted_on: String,
}

/// A signature with the names to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignatureRecord {
    #[serde(flatten)]
    pub signature: ConventionSignature,
    pub unit_name: String,
    pub signer_name: String,
}

/// A convention with who signed it and which current member units have not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConventionRecord {
    pub convention: Convention,
    pub signatures: Vec<SignatureRecord>,
    /// Current member units that have not signed: (unit, name).
    pub not_signed: Vec<(i64, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ComplaintInput {
    /// The member unit complained about.
    pub against: i64,
    pub summary: String,
}

/// A step in a complaint's handling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ComplaintAdvance {
    /// under_review, rejected, resolved, withdrawn
    pub to: ComplaintState,
    #[serde(default)]
    pub note: Option<String>,
    /// Required to reject or resolve.
    #[serde(default)]
    pub outcome: Option<Outcome>,
}

/// A complaint as stored, with the names to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintRecord {
    pub id: i64,
    pub organisation_id: i64,
    pub filed_by: i64,
    pub filed_by_name: String,
    pub against: i64,
    pub against_name: String,
    pub summary: String,
    /// The handling body, e.g. `board_of_supervisors`.
    pub handled_by: String,
    pub state: ComplaintState,
    pub steps: Vec<ComplaintStep>,
    pub outcome: Option<Outcome>,
}

fn state_parse(s: &str) -> Option<ComplaintState> {
    use ComplaintState::*;
    [Filed, UnderReview, Rejected, Resolved, Withdrawn]
        .into_iter()
        .find(|x| x.as_str() == s)
}

fn convention_from_row(r: &AnyRow) -> Result<Convention> {
    Ok(Convention {
        id: r.try_get("id")?,
        organisation_id: r.try_get("organisation_id")?,
        version: r.try_get("version")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        adopted_on: r.try_get("adopted_on")?,
    })
}

async fn convention_in(conn: &mut sqlx::AnyConnection, id: i64) -> Result<Convention> {
    let r = sqlx::query(
        "SELECT id, organisation_id, version, title, body, adopted_on FROM conventions \
         WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("convention", id))?;
    convention_from_row(&r)
}

async fn signatures_in(
    conn: &mut sqlx::AnyConnection,
    c: &Convention,
) -> Result<Vec<SignatureRecord>> {
    let rows = sqlx::query(
        "SELECT s.unit_id, s.signed_by, s.signed_on, o.name, \
         COALESCE(u.display_name, u.username) AS signer FROM convention_signatures s \
         JOIN organisations o ON o.id = s.unit_id JOIN users u ON u.id = s.signed_by \
         WHERE s.convention_id = $1 ORDER BY s.signed_on, o.name",
    )
    .bind(c.id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let on: String = r.try_get("signed_on")?;
            Ok(SignatureRecord {
                signature: ConventionSignature {
                    document_id: c.id,
                    document_version: c.version,
                    unit: r.try_get("unit_id")?,
                    signed_by: r.try_get("signed_by")?,
                    signed_on: stored_date("convention", c.id, &on)?,
                },
                unit_name: r.try_get("name")?,
                signer_name: r.try_get("signer")?,
            })
        })
        .collect()
}

const COMPLAINT_COLS: &str = "c.id, c.organisation_id, c.filed_by, c.against_unit, c.summary, \
    c.handled_by, c.state, c.outcome_json, COALESCE(u.display_name, u.username) AS filer, \
    o.name AS against_name";

async fn complaint_in(conn: &mut sqlx::AnyConnection, id: i64) -> Result<ComplaintRecord> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COMPLAINT_COLS} FROM complaints c JOIN users u ON u.id = c.filed_by \
         JOIN organisations o ON o.id = c.against_unit WHERE c.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("complaint", id))?;
    let steps = sqlx::query(
        "SELECT state, on_date, by_user, note FROM complaint_steps WHERE complaint_id = $1 \
         ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let corrupt = |reason: String| StoreError::Corrupt {
        entity: "complaint",
        id: id.to_string(),
        reason,
    };
    let steps = steps
        .iter()
        .map(|s| {
            let st: String = s.try_get("state")?;
            let on: String = s.try_get("on_date")?;
            Ok(ComplaintStep {
                state: state_parse(&st).ok_or_else(|| corrupt(format!("state {st:?}")))?,
                on: stored_date("complaint", id, &on)?,
                by: s.try_get("by_user")?,
                note: s.try_get("note")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let state: String = r.try_get("state")?;
    let outcome: Option<String> = r.try_get("outcome_json")?;
    Ok(ComplaintRecord {
        id,
        organisation_id: r.try_get("organisation_id")?,
        filed_by: r.try_get("filed_by")?,
        filed_by_name: r.try_get("filer")?,
        against: r.try_get("against_unit")?,
        against_name: r.try_get("against_name")?,
        summary: r.try_get("summary")?,
        handled_by: r.try_get("handled_by")?,
        state: state_parse(&state).ok_or_else(|| corrupt(format!("state {state:?}")))?,
        steps,
        outcome: outcome
            .map(|o| serde_json::from_str(&o))
            .transpose()
            .map_err(|e| corrupt(e.to_string()))?,
    })
}

fn to_core(r: &ComplaintRecord) -> Complaint {
    Complaint {
        id: r.id,
        organisation_id: r.organisation_id,
        filed_by: r.filed_by,
        against: r.against,
        summary: r.summary.clone(),
        handled_by_body: 0,
        steps: r.steps.clone(),
        outcome: r.outcome.clone(),
    }
}

async fn insert_step(
    tx: &mut Transaction<'static, Any>,
    complaint: i64,
    s: &ComplaintStep,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO complaint_steps (complaint_id, state, on_date, by_user, note) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(complaint)
    .bind(s.state.as_str())
    .bind(format_date(s.on))
    .bind(s.by)
    .bind(&s.note)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn user_of(actor: Actor) -> Result<i64> {
    match actor {
        Actor::User(u) => Ok(u),
        Actor::System => Err(StoreError::invalid("by", "user_required")),
    }
}

impl Store {
    /// Adopts a new version of an organisation's convention (version = previous + 1).
    pub async fn create_convention(
        &self,
        actor: Actor,
        organisation_id: i64,
        input: &ConventionInput,
    ) -> Result<Convention> {
        let title = input.title.trim();
        if title.is_empty() {
            return Err(StoreError::invalid("title", "required"));
        }
        if title.chars().count() > MAX_TEXT {
            return Err(StoreError::invalid("title", "too_long"));
        }
        if input.body.trim().is_empty() {
            return Err(StoreError::invalid("body", "required"));
        }
        if input.body.chars().count() > 50_000 {
            return Err(StoreError::invalid("body", "too_long"));
        }
        let adopted = date_field("adopted_on", &input.adopted_on)?;
        let mut w = self.write().await?;
        if !super::org_exists(&mut w.tx, organisation_id).await? {
            return Err(StoreError::not_found("organisation", organisation_id));
        }
        let last: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM conventions WHERE organisation_id = $1")
                .bind(organisation_id)
                .fetch_one(&mut *w.tx)
                .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO conventions (organisation_id, version, title, body, adopted_on, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(organisation_id)
        .bind(last.unwrap_or(0) + 1)
        .bind(title)
        .bind(input.body.trim())
        .bind(format_date(adopted))
        .bind(crate::now())
        .fetch_one(&mut *w.tx)
        .await?;
        let c = convention_in(&mut w.tx, id).await?;
        w.audit(actor, "convention", id, "adopt", None::<&()>, Some(&c))
            .await?;
        w.commit().await?;
        Ok(c)
    }

    /// An organisation's conventions, latest version first.
    pub async fn list_conventions(&self, organisation_id: i64) -> Result<Vec<Convention>> {
        let rows = sqlx::query(
            "SELECT id, organisation_id, version, title, body, adopted_on FROM conventions \
             WHERE organisation_id = $1 ORDER BY version DESC",
        )
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(convention_from_row).collect()
    }

    /// A convention with its signatures and the current member units that have not signed.
    pub async fn get_convention(&self, id: i64) -> Result<ConventionRecord> {
        let mut conn = self.pool.acquire().await?;
        let c = convention_in(&mut conn, id).await?;
        let signatures = signatures_in(&mut conn, &c).await?;
        let members = sqlx::query(
            "SELECT DISTINCT m.member_id, o.name FROM memberships m \
             JOIN organisations o ON o.id = m.member_id \
             WHERE m.organisation_id = $1 AND m.left_on IS NULL \
             AND m.status IN ('admitted', 'suspended') ORDER BY o.name",
        )
        .bind(c.organisation_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut ids = Vec::new();
        let mut names = std::collections::HashMap::new();
        for r in &members {
            let id: i64 = r.try_get("member_id")?;
            ids.push(id);
            names.insert(id, r.try_get::<String, _>("name")?);
        }
        let sigs: Vec<ConventionSignature> =
            signatures.iter().map(|s| s.signature.clone()).collect();
        let not_signed = conduct::not_signed(&ids, &sigs, c.id, c.version)
            .into_iter()
            .map(|u| (u, names.get(&u).cloned().unwrap_or_default()))
            .collect();
        Ok(ConventionRecord {
            convention: c,
            signatures,
            not_signed,
        })
    }

    /// A member unit signs a convention through a user who represents it, on `today`.
    pub async fn sign_convention(
        &self,
        actor: Actor,
        convention_id: i64,
        unit: i64,
        today: Date,
    ) -> Result<ConventionRecord> {
        let signer = user_of(actor)?;
        let mut w = self.write().await?;
        let c = convention_in(&mut w.tx, convention_id).await?;
        if !is_current_member(&mut w.tx, c.organisation_id, unit).await? {
            return Err(StoreError::invalid("unit", "not_a_member"));
        }
        let reps: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM role_grants WHERE organisation_id = $1 AND role = $2",
        )
        .bind(unit)
        .bind(Role::Representative.as_str())
        .fetch_all(&mut *w.tx)
        .await?;
        let existing: Vec<ConventionSignature> = signatures_in(&mut w.tx, &c)
            .await?
            .into_iter()
            .map(|s| s.signature)
            .collect();
        let sig = ConventionSignature {
            document_id: c.id,
            document_version: c.version,
            unit,
            signed_by: signer,
            signed_on: today,
        };
        sig.check(&existing, &reps, today).map_err(rule)?;
        sqlx::query(
            "INSERT INTO convention_signatures (convention_id, unit_id, signed_by, signed_on) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(c.id)
        .bind(unit)
        .bind(signer)
        .bind(format_date(today))
        .execute(&mut *w.tx)
        .await?;
        w.audit(actor, "convention", c.id, "sign", None::<&()>, Some(&sig))
            .await?;
        w.commit().await?;
        self.get_convention(convention_id).await
    }

    /// The body that handles an organisation's complaints.
    pub async fn complaint_body(&self, organisation_id: i64) -> Result<String> {
        let b: Option<String> = sqlx::query_scalar(
            "SELECT complaint_body FROM engagement_settings WHERE organisation_id = $1",
        )
        .bind(organisation_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(b.unwrap_or_else(|| DEFAULT_COMPLAINT_BODY.to_string()))
    }

    /// Names the body that handles an organisation's complaints from now on.
    pub async fn set_complaint_body(
        &self,
        actor: Actor,
        organisation_id: i64,
        body: &str,
    ) -> Result<String> {
        let body = body.trim();
        if body.is_empty() {
            return Err(StoreError::invalid("complaint_body", "required"));
        }
        if body.chars().count() > MAX_TEXT {
            return Err(StoreError::invalid("complaint_body", "too_long"));
        }
        let before = self.complaint_body(organisation_id).await?;
        let mut w = self.write().await?;
        if !super::org_exists(&mut w.tx, organisation_id).await? {
            return Err(StoreError::not_found("organisation", organisation_id));
        }
        sqlx::query("DELETE FROM engagement_settings WHERE organisation_id = $1")
            .bind(organisation_id)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "INSERT INTO engagement_settings (organisation_id, complaint_body) VALUES ($1, $2)",
        )
        .bind(organisation_id)
        .bind(body)
        .execute(&mut *w.tx)
        .await?;
        w.audit(
            actor,
            "organisation",
            organisation_id,
            "set_complaint_body",
            Some(&before),
            Some(&body),
        )
        .await?;
        w.commit().await?;
        Ok(body.to_string())
    }

    /// A signed-in user files a complaint about a current member unit of the organisation.
    pub async fn file_complaint(
        &self,
        actor: Actor,
        organisation_id: i64,
        input: &ComplaintInput,
        today: Date,
    ) -> Result<ComplaintRecord> {
        let filer = user_of(actor)?;
        let body = self.complaint_body(organisation_id).await?;
        let c = Complaint::file(
            0,
            organisation_id,
            filer,
            input.against,
            &input.summary,
            0,
            today,
        )
        .map_err(rule)?;
        let mut w = self.write().await?;
        if !is_current_member(&mut w.tx, organisation_id, input.against).await? {
            return Err(StoreError::invalid("against", "not_a_member"));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO complaints (organisation_id, filed_by, against_unit, summary, \
             handled_by, state, filed_on) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(organisation_id)
        .bind(filer)
        .bind(input.against)
        .bind(&c.summary)
        .bind(&body)
        .bind(c.state().as_str())
        .bind(format_date(today))
        .fetch_one(&mut *w.tx)
        .await?;
        for s in &c.steps {
            insert_step(&mut w.tx, id, s).await?;
        }
        let rec = complaint_in(&mut w.tx, id).await?;
        w.audit(actor, "complaint", id, "file", None::<&()>, Some(&rec))
            .await?;
        w.commit().await?;
        Ok(rec)
    }

    pub async fn get_complaint(&self, id: i64) -> Result<ComplaintRecord> {
        let mut conn = self.pool.acquire().await?;
        complaint_in(&mut conn, id).await
    }

    /// An organisation's complaints, newest first; only those `filed_by` a user when given.
    pub async fn list_complaints(
        &self,
        organisation_id: i64,
        filed_by: Option<i64>,
    ) -> Result<Vec<ComplaintRecord>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM complaints WHERE organisation_id = $1 \
             AND ($2 IS NULL OR filed_by = $2) ORDER BY id DESC",
        )
        .bind(organisation_id)
        .bind(filed_by)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for id in ids {
            out.push(self.get_complaint(id).await?);
        }
        Ok(out)
    }

    /// Moves a complaint on (accept for review, reject, resolve with an outcome, withdraw).
    pub async fn advance_complaint(
        &self,
        actor: Actor,
        id: i64,
        step: &ComplaintAdvance,
        today: Date,
    ) -> Result<ComplaintRecord> {
        let by = user_of(actor)?;
        let note = step
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        if note.as_ref().is_some_and(|n| n.chars().count() > 5000) {
            return Err(StoreError::invalid("note", "too_long"));
        }
        let mut w = self.write().await?;
        let before = complaint_in(&mut w.tx, id).await?;
        let mut c = to_core(&before);
        c.advance(step.to, today, by, note, step.outcome.clone())
            .map_err(rule)?;
        let Some(last) = c.steps.last() else {
            return Err(StoreError::invalid("state", "illegal_state"));
        };
        insert_step(&mut w.tx, id, last).await?;
        sqlx::query("UPDATE complaints SET state = $1, outcome_json = $2 WHERE id = $3")
            .bind(c.state().as_str())
            .bind(c.outcome.as_ref().map(serde_json::to_string).transpose()?)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        let after = complaint_in(&mut w.tx, id).await?;
        w.audit(
            actor,
            "complaint",
            id,
            c.state().as_str(),
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }
}
