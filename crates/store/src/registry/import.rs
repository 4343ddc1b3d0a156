//! Importing a member list into an organisation, and exporting it.
//!
//! The core reads and checks the file ([`federa_core::registry::import`]); the store adds the
//! checks that need the database (the organisation's categories and current members, and
//! registration numbers other organisations hold), then writes every valid row in one
//! transaction with multi-row inserts, and one audit event for the batch.

use std::collections::{HashMap, HashSet};

use federa_core::org::{MemberStatus, OrgStatus, format_date};
use federa_core::registry::import::{self, name_key};
use federa_core::registry::{
    Category, Decision, ExistingMember, ExportFormat, HeaderLang, ImportContext, ImportMode,
    ImportOptions, MemberRow, Preview, ProblemCode, RowProblem,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{Any, Row};
use time::Date;

use super::{Tx, categories_in, refused};
use crate::{Actor, Backend, Result, Store, StoreError};

/// Rows per multi-row insert: well under both databases' bound-parameter limits.
const CHUNK: usize = 500;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The batch the new memberships and people carry (`import_batch`).
    pub batch: String,
    pub rows_read: usize,
    pub imported: usize,
    pub skipped_rows: usize,
    /// Every problem of the file; with `valid_rows_only`, the rows they name were skipped.
    pub problems: Vec<RowProblem>,
    /// Member units created, and existing organisations made members.
    pub organisations_created: usize,
    pub organisations_reused: usize,
}

async fn existing_members<'e, E>(exec: E, org: i64) -> Result<Vec<ExistingMember>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows = sqlx::query(
        "SELECT o.name, o.registration_number FROM memberships m \
         JOIN organisations o ON o.id = m.member_id \
         WHERE m.organisation_id = $1 AND m.left_on IS NULL",
    )
    .bind(org)
    .fetch_all(exec)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ExistingMember {
                name: r.try_get("name")?,
                registration_number: r.try_get("registration_number")?,
            })
        })
        .collect()
}

/// `n` placeholders for the parameters numbered from `from`. SQLite gets anonymous `?`s, bound
/// in order: for numbered ones, sqlx looks up each parameter's name with
/// `sqlite3_bind_parameter_name`, which walks the statement's list of names, so binding a
/// multi-row insert would take time quadratic in its parameters.
fn marks(backend: Backend, from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| match backend {
            Backend::Sqlite => "?".to_string(),
            Backend::Postgres => format!("${i}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Organisations (id, name, registration number) with one of these names.
async fn orgs_named(
    tx: &mut Tx,
    backend: Backend,
    names: &[&str],
) -> Result<HashMap<String, (i64, Option<String>)>> {
    let mut out = HashMap::new();
    for chunk in names.chunks(CHUNK) {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, name, registration_number FROM organisations WHERE name IN ({})",
            marks(backend, 1, chunk.len())
        )));
        for n in chunk {
            q = q.bind(*n);
        }
        for r in q.fetch_all(&mut **tx).await? {
            out.insert(
                r.try_get::<String, _>("name")?,
                (r.try_get("id")?, r.try_get("registration_number")?),
            );
        }
    }
    Ok(out)
}

/// Organisations holding one of these registration numbers: number → name.
async fn orgs_with_regno(
    tx: &mut Tx,
    backend: Backend,
    regnos: &[&str],
) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for chunk in regnos.chunks(CHUNK) {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name, registration_number FROM organisations \
             WHERE registration_number IN ({})",
            marks(backend, 1, chunk.len())
        )));
        for n in chunk {
            q = q.bind(*n);
        }
        for r in q.fetch_all(&mut **tx).await? {
            out.insert(r.try_get("registration_number")?, r.try_get("name")?);
        }
    }
    Ok(out)
}

/// The core's preview plus the database's own duplicates: a registration number another
/// organisation holds under another name, or a name whose organisation holds another number.
async fn preview_in(
    tx: &mut Tx,
    backend: Backend,
    org: i64,
    bytes: &[u8],
    options: &ImportOptions,
    today: Date,
) -> Result<(Preview, Vec<Category>)> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE id = $1")
        .bind(org)
        .fetch_optional(&mut **tx)
        .await?;
    if exists.is_none() {
        return Err(StoreError::not_found("organisation", org));
    }
    let categories = categories_in(&mut **tx, org).await?;
    let existing = existing_members(&mut **tx, org).await?;
    let ctx = ImportContext {
        categories: &categories,
        existing: &existing,
        today,
    };
    let mut preview = import::preview(bytes, options, &ctx).map_err(refused)?;
    let regnos: Vec<&str> = preview
        .valid
        .iter()
        .filter_map(|r| r.registration_number.as_deref())
        .collect();
    let by_regno = orgs_with_regno(tx, backend, &regnos).await?;
    let names: Vec<&str> = preview.valid.iter().map(|r| r.name.as_str()).collect();
    let by_name = orgs_named(tx, backend, &names).await?;
    let mut clash = Vec::new();
    for r in &preview.valid {
        let holder = r
            .registration_number
            .as_ref()
            .and_then(|n| by_regno.get(n))
            .filter(|holder| name_key(holder) != name_key(&r.name));
        let named_other = by_name
            .get(&r.name)
            .and_then(|(_, n)| n.as_ref())
            .filter(|n| {
                r.registration_number
                    .as_ref()
                    .is_some_and(|mine| mine != *n)
            });
        if let Some(detail) = holder.or(named_other) {
            clash.push(RowProblem {
                row: r.row,
                column: Some("registration_number".into()),
                code: ProblemCode::DuplicateExisting,
                detail: Some(detail.clone()),
            });
        }
    }
    if !clash.is_empty() {
        let rows: HashSet<usize> = clash.iter().map(|p| p.row).collect();
        preview.valid.retain(|r| !rows.contains(&r.row));
        preview.invalid_rows += rows.len();
        preview.problems.extend(clash);
        preview.problems.sort_by_key(|p| p.row);
    }
    Ok((preview, categories))
}

impl Store {
    /// Reads and checks a member list for an organisation without writing anything: every
    /// problem by row, column and reason.
    pub async fn preview_member_import(
        &self,
        organisation_id: i64,
        bytes: &[u8],
        options: &ImportOptions,
        today: Date,
    ) -> Result<Preview> {
        // A read-only transaction, so the checks see one state of the database.
        let mut tx = self.pool.begin().await?;
        let (preview, _) = preview_in(
            &mut tx,
            self.backend,
            organisation_id,
            bytes,
            options,
            today,
        )
        .await?;
        tx.rollback().await?;
        Ok(preview)
    }

    /// Imports a member list in one transaction: all rows or nothing (`AllOrNothing` refuses a
    /// file with any problem, naming the count), or only the valid rows. Each row makes its
    /// unit a member (creating the organisation, or reusing the one with that exact name),
    /// admitted on its joining date by an import decision, with its representative as a
    /// person. `progress` hears (rows written, rows to write) after each batch of inserts.
    #[allow(clippy::too_many_arguments)]
    pub async fn import_members(
        &self,
        actor: Actor,
        organisation_id: i64,
        bytes: &[u8],
        options: &ImportOptions,
        mode: ImportMode,
        today: Date,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<ImportReport> {
        let mut w = self.write().await?;
        let (preview, _) = preview_in(
            &mut w.tx,
            self.backend,
            organisation_id,
            bytes,
            options,
            today,
        )
        .await?;
        let rows_read = preview.rows_read;
        let outcome = preview.outcome(mode).map_err(refused)?;
        let now = crate::now();
        let batch = format!("import-{organisation_id}-{now}");
        let rows = &outcome.rows;
        let total = rows.len();

        // Organisations: reuse those with the same name, create the others.
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        let mut ids: HashMap<String, i64> = orgs_named(&mut w.tx, self.backend, &names)
            .await?
            .into_iter()
            .map(|(k, (id, _))| (k, id))
            .collect();
        let reused = ids.len();
        let fresh: Vec<&MemberRow> = rows.iter().filter(|r| !ids.contains_key(&r.name)).collect();
        for chunk in fresh.chunks(CHUNK) {
            let cols = 11;
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", marks(self.backend, i * cols + 1, cols)))
                .collect();
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO organisations (name, short_name, kind, district, sector, founded, \
                 status, registration_number, public, created_at, updated_at) VALUES {} \
                 RETURNING id, name",
                values.join(", ")
            )));
            for r in chunk {
                q = q
                    .bind(r.name.clone())
                    .bind(r.short_name.clone())
                    .bind(r.kind.as_str())
                    .bind(r.district.clone())
                    .bind(r.sector.clone())
                    .bind(r.founded.map(format_date))
                    .bind(OrgStatus::Active.as_str())
                    .bind(r.registration_number.clone())
                    .bind(0i64)
                    .bind(now.clone())
                    .bind(now.clone());
            }
            for rec in q.fetch_all(&mut *w.tx).await? {
                ids.insert(rec.try_get("name")?, rec.try_get("id")?);
            }
        }

        // Memberships, admitted on their joining date by this import.
        let decision = serde_json::to_string(&Decision::Import {
            batch: batch.clone(),
        })?;
        let mut membership_of_row: HashMap<i64, i64> = HashMap::with_capacity(total);
        let mut done = 0;
        for chunk in rows.chunks(CHUNK) {
            let cols = 10;
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", marks(self.backend, i * cols + 1, cols)))
                .collect();
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO memberships (organisation_id, member_id, category, joined, status, \
                 created_at, updated_at, import_batch, import_row, initial_decision_json) \
                 VALUES {} RETURNING id, import_row",
                values.join(", ")
            )));
            for r in chunk {
                let member = ids
                    .get(&r.name)
                    .copied()
                    .ok_or_else(|| StoreError::Corrupt {
                        entity: "organisation",
                        id: r.name.clone(),
                        reason: "vanished during the import".into(),
                    })?;
                q = q
                    .bind(organisation_id)
                    .bind(member)
                    .bind(r.category.clone())
                    .bind(format_date(r.joined))
                    .bind(MemberStatus::Admitted.as_str())
                    .bind(now.clone())
                    .bind(now.clone())
                    .bind(batch.clone())
                    .bind(r.row as i64)
                    .bind(decision.clone());
            }
            let inserted = q.fetch_all(&mut *w.tx).await.map_err(|e| {
                super::db_refusal(e, "member", chunk.first().map_or("", |r| &r.name))
            })?;
            for rec in inserted {
                membership_of_row.insert(rec.try_get("import_row")?, rec.try_get("id")?);
            }
            done += chunk.len();
            progress(done, total);
        }

        // Representatives, as people the organisation keeps.
        let reps: Vec<&MemberRow> = rows.iter().filter(|r| r.representative.is_some()).collect();
        for chunk in reps.chunks(CHUNK) {
            let cols = 8;
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", marks(self.backend, i * cols + 1, cols)))
                .collect();
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO people (organisation_id, name, phone, email, import_batch, \
                 import_row, created_at, updated_at) VALUES {} RETURNING id, import_row",
                values.join(", ")
            )));
            for r in chunk {
                q = q
                    .bind(organisation_id)
                    .bind(r.representative.clone())
                    .bind(r.phone.clone())
                    .bind(r.email.clone())
                    .bind(batch.clone())
                    .bind(r.row as i64)
                    .bind(now.clone())
                    .bind(now.clone());
            }
            let people = q.fetch_all(&mut *w.tx).await?;
            let mut links = Vec::with_capacity(people.len());
            for rec in people {
                let row: i64 = rec.try_get("import_row")?;
                let person: i64 = rec.try_get("id")?;
                if let Some(m) = membership_of_row.get(&row) {
                    links.push((*m, person));
                }
            }
            if links.is_empty() {
                continue;
            }
            let values: Vec<String> = (0..links.len())
                .map(|i| {
                    format!(
                        "({}, 'representative', 1, {})",
                        marks(self.backend, i * 3 + 1, 2),
                        marks(self.backend, i * 3 + 3, 1)
                    )
                })
                .collect();
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO membership_people (membership_id, person_id, role, representative, \
                 created_at) VALUES {}",
                values.join(", ")
            )));
            for (m, p) in links {
                q = q.bind(m).bind(p).bind(now.clone());
            }
            q.execute(&mut *w.tx).await?;
        }

        let report = ImportReport {
            batch: batch.clone(),
            rows_read,
            imported: total,
            skipped_rows: outcome.skipped_rows,
            problems: outcome.problems,
            organisations_created: fresh.len(),
            organisations_reused: reused,
        };
        let summary = serde_json::json!({
            "organisation_id": organisation_id,
            "mode": mode,
            "file_sha256": hex::encode(Sha256::digest(bytes)),
            "file_bytes": bytes.len(),
            "rows_read": rows_read,
            "imported": total,
            "skipped_rows": report.skipped_rows,
            "problems": report.problems.len(),
            "organisations_created": report.organisations_created,
            "organisations_reused": report.organisations_reused,
        });
        w.audit(
            actor,
            "member_import",
            &batch,
            "import",
            None::<&()>,
            Some(&summary),
        )
        .await?;
        w.commit().await?;
        Ok(report)
    }

    /// An organisation's current member units as rows of the import template (the
    /// representative with their phone and e-mail).
    pub async fn member_rows(&self, organisation_id: i64) -> Result<Vec<MemberRow>> {
        let rows = sqlx::query(
            "SELECT o.name, o.short_name, o.kind, o.registration_number, o.district, o.sector, \
             o.founded, m.id, m.category, m.joined, p.name AS rep, p.phone, p.email \
             FROM memberships m JOIN organisations o ON o.id = m.member_id \
             LEFT JOIN membership_people mp ON mp.membership_id = m.id AND mp.representative = 1 \
             LEFT JOIN people p ON p.id = mp.person_id \
             WHERE m.organisation_id = $1 AND m.left_on IS NULL ORDER BY o.name, m.id",
        )
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                let kind: String = r.try_get("kind")?;
                let joined: String = r.try_get("joined")?;
                let founded: Option<String> = r.try_get("founded")?;
                Ok(MemberRow {
                    row: 0,
                    name: r.try_get("name")?,
                    short_name: r.try_get("short_name")?,
                    kind: federa_core::org::OrgKind::parse(&kind).ok_or_else(|| {
                        StoreError::Corrupt {
                            entity: "organisation",
                            id: id.to_string(),
                            reason: format!("unknown kind {kind:?}"),
                        }
                    })?,
                    registration_number: r.try_get("registration_number")?,
                    district: r.try_get("district")?,
                    sector: r.try_get("sector")?,
                    category: r.try_get("category")?,
                    joined: super::date_of("membership", id, &joined)?,
                    founded: founded
                        .as_deref()
                        .map(|f| super::date_of("organisation", id, f))
                        .transpose()?,
                    representative: r.try_get("rep")?,
                    phone: r.try_get("phone")?,
                    email: r.try_get("email")?,
                })
            })
            .collect()
    }

    /// Exports an organisation's current member units as CSV or XLSX, in the template's
    /// layout, so that the file imports again unchanged.
    pub async fn export_members(
        &self,
        organisation_id: i64,
        format: ExportFormat,
        lang: HeaderLang,
    ) -> Result<Vec<u8>> {
        let rows = self.member_rows(organisation_id).await?;
        let categories = categories_in(&self.pool, organisation_id).await?;
        import::export(&rows, &categories, format, lang).map_err(refused)
    }
}
