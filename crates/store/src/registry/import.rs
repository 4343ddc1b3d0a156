//! Importing a member list into an organisation, and exporting it.
//!
//! The core reads and checks the file ([`federa_core::registry::import`]); the store adds the
//! checks that need the database (the organisation's categories and current members, and
//! registration numbers other organisations hold), then writes every valid row in one
//! transaction, and one audit event for the batch. Rows are written in batches, one statement
//! a table for each batch, which reads its rows from one JSON array bound as one parameter
//! (SQLite's `jsonb_each`, PostgreSQL's `jsonb_array_elements`): binding each value separately
//! cost more than the writes themselves.

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

/// Rows per insert statement. Each statement binds its rows as one JSON array, so the
/// number of bound parameters does not grow with the rows; the batch bounds the size of that
/// array and how often `progress` hears from the import.
const BATCH: usize = 5_000;

/// SQLite's page cache during an import, in KiB, at most: room for the pages 100,000 new
/// members change (their organisations, memberships with their search indexes, people,
/// history). Pages are allocated as the import reads them.
const IMPORT_CACHE_KIB: i64 = 256 * 1024;

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

/// A JSON array bound as parameter `$n`, as a table `j` with one row per element in its
/// `value` column: an object, read with `j.value ->> 'field'`, which both databases accept.
/// Both hand each element over in its binary form (`jsonb`), so that every `->>` reads a field
/// without parsing the element's text again.
fn json_rows(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => format!("jsonb_each(${n}) AS j"),
        Backend::Postgres => format!("jsonb_array_elements(${n}::jsonb) AS j(value)"),
    }
}

/// A JSON array of strings bound as parameter `$n`, as a table `j` with each string as text
/// in its `value` column.
fn json_texts(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => format!("json_each(${n}) AS j"),
        Backend::Postgres => format!("jsonb_array_elements_text(${n}::jsonb) AS j(value)"),
    }
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

/// Organisations with one of these names: name → registration number.
async fn orgs_named(
    tx: &mut Tx,
    backend: Backend,
    names: &[&str],
) -> Result<HashMap<String, Option<String>>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT name, registration_number FROM organisations \
         WHERE name IN (SELECT j.value FROM {})",
        json_texts(backend, 1)
    )))
    .bind(serde_json::to_string(names)?)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("registration_number")?)))
        .collect()
}

/// Organisations holding one of these registration numbers: number → name.
async fn orgs_with_regno(
    tx: &mut Tx,
    backend: Backend,
    regnos: &[&str],
) -> Result<HashMap<String, String>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT name, registration_number FROM organisations \
         WHERE registration_number IS NOT NULL \
         AND registration_number IN (SELECT j.value FROM {})",
        json_texts(backend, 1)
    )))
    .bind(serde_json::to_string(regnos)?)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("registration_number")?, r.try_get("name")?)))
        .collect()
}

/// One imported row, as the insert statements read it from their JSON parameter.
#[derive(Serialize)]
struct RowJson<'a> {
    row: usize,
    name: &'a str,
    short_name: Option<&'a str>,
    kind: &'static str,
    registration_number: Option<&'a str>,
    district: Option<&'a str>,
    sector: Option<&'a str>,
    founded: Option<String>,
    category: &'a str,
    joined: String,
    representative: Option<&'a str>,
    phone: Option<&'a str>,
    email: Option<&'a str>,
}

impl<'a> RowJson<'a> {
    fn of(r: &'a MemberRow) -> RowJson<'a> {
        RowJson {
            row: r.row,
            name: &r.name,
            short_name: r.short_name.as_deref(),
            kind: r.kind.as_str(),
            registration_number: r.registration_number.as_deref(),
            district: r.district.as_deref(),
            sector: r.sector.as_deref(),
            founded: r.founded.map(format_date),
            category: &r.category,
            joined: format_date(r.joined),
            representative: r.representative.as_deref(),
            phone: r.phone.as_deref(),
            email: r.email.as_deref(),
        }
    }
}

/// A representative's link to their unit's membership, as its insert reads it.
#[derive(Serialize)]
struct LinkJson {
    membership: i64,
    person: i64,
}

/// What every row of one import is written with.
struct Batch<'a> {
    organisation_id: i64,
    batch: &'a str,
    now: &'a str,
    /// The import decision that admits each membership, as JSON.
    decision: &'a str,
}

/// The highest ids of the tables an import writes, before a batch: the batch's own rows are
/// those above them that carry its `import_batch` (on PostgreSQL, where other writers may take
/// ids meanwhile, the batch name tells them apart).
struct LastIds {
    organisation: i64,
    membership: i64,
    person: i64,
}

async fn last_ids(tx: &mut Tx) -> Result<LastIds> {
    let row = sqlx::query(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM organisations) AS organisation, \
         (SELECT COALESCE(MAX(id), 0) FROM memberships) AS membership, \
         (SELECT COALESCE(MAX(id), 0) FROM people) AS person",
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(LastIds {
        organisation: row.try_get("organisation")?,
        membership: row.try_get("membership")?,
        person: row.try_get("person")?,
    })
}

/// The ids of the rows of `table` (`memberships` or `people`) a batch wrote, by import row. The
/// database hands them over as one JSON value: a result row per id cost as much as the insert.
async fn ids_by_row(
    tx: &mut Tx,
    backend: Backend,
    table: &str,
    after: i64,
    batch: &str,
) -> Result<HashMap<i64, i64>> {
    let pairs = match backend {
        Backend::Sqlite => "json_group_array(json_array(import_row, id))",
        Backend::Postgres => "COALESCE(json_agg(json_build_array(import_row, id)), '[]')::text",
    };
    let json: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT {pairs} FROM {table} WHERE id > $1 AND import_batch = $2"
    )))
    .bind(after)
    .bind(batch)
    .fetch_one(&mut **tx)
    .await?;
    let pairs: Vec<(i64, i64)> = serde_json::from_str(&json)?;
    Ok(pairs.into_iter().collect())
}

/// Writes a batch of checked rows with one statement a table, each reading the rows from one
/// JSON array: the organisations not yet stored (an existing one with the row's exact name is
/// reused), the memberships, the representatives as people, and their links to the
/// memberships. On SQLite, where the import's `bulk_import` row stills the triggers that would
/// do it row by row (migration 0007), it also enters the new organisations in the text index
/// and records each new membership's first status change, one statement each; PostgreSQL's
/// triggers do both. Returns how many organisations it created.
async fn write_rows(
    tx: &mut Tx,
    backend: Backend,
    import: &Batch<'_>,
    rows: &[MemberRow],
) -> Result<usize> {
    let json = serde_json::to_string(&rows.iter().map(RowJson::of).collect::<Vec<_>>())?;
    let table = json_rows(backend, 1);
    let last = last_ids(tx).await?;
    let created = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO organisations (name, short_name, kind, district, sector, founded, status, \
         registration_number, public, created_at, updated_at) \
         SELECT j.value ->> 'name', j.value ->> 'short_name', j.value ->> 'kind', \
         j.value ->> 'district', j.value ->> 'sector', j.value ->> 'founded', $2, \
         j.value ->> 'registration_number', 0, $3, $3 FROM {table} \
         WHERE NOT EXISTS (SELECT 1 FROM organisations o WHERE o.name = j.value ->> 'name')"
    )))
    .bind(json.as_str())
    .bind(OrgStatus::Active.as_str())
    .bind(import.now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if backend == Backend::Sqlite && created > 0 {
        // What `organisations_text_insert` writes for each new organisation.
        sqlx::query(
            "INSERT INTO organisations_text (rowid, name, short_name, registration_number) \
             SELECT id, name, short_name, registration_number FROM organisations WHERE id > $1",
        )
        .bind(last.organisation)
        .execute(&mut **tx)
        .await?;
    }

    // Memberships, admitted on their joining date by this import, with their copies of the
    // member's name, district and sector (the stored organisation's, which a reused one keeps),
    // so that the trigger that would copy them need not update each new row.
    let memberships = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO memberships (organisation_id, member_id, category, joined, status, \
         created_at, updated_at, import_batch, import_row, initial_decision_json, \
         member_name, member_district, member_sector) \
         SELECT $2, o.id, j.value ->> 'category', j.value ->> 'joined', $3, $4, $4, $5, \
         CAST(j.value ->> 'row' AS BIGINT), $6, o.name, o.district, o.sector \
         FROM {table} JOIN organisations o ON o.name = j.value ->> 'name'"
    )))
    .bind(json.as_str())
    .bind(import.organisation_id)
    .bind(MemberStatus::Admitted.as_str())
    .bind(import.now)
    .bind(import.batch)
    .bind(import.decision)
    .execute(&mut **tx)
    .await
    .map_err(|e| super::db_refusal(e, "member", rows.first().map_or("", |r| &r.name)))?
    .rows_affected();
    if memberships != rows.len() as u64 {
        return Err(StoreError::Corrupt {
            entity: "organisation",
            id: import.batch.to_string(),
            reason: format!(
                "{} of {} member units vanished during the import",
                rows.len() as u64 - memberships,
                rows.len()
            ),
        });
    }
    if backend == Backend::Sqlite {
        // What `memberships_history_insert` writes for each new membership.
        sqlx::query(
            "INSERT INTO membership_status_changes (membership_id, seq, from_status, to_status, \
             on_date, decision_json, created_at) \
             SELECT m.id, 1, NULL, m.status, m.joined, \
             COALESCE(m.initial_decision_json, '{\"by\":\"recorded\"}'), m.created_at \
             FROM memberships m WHERE m.id > $1 AND m.import_batch = $2 \
             AND NOT EXISTS (SELECT 1 FROM membership_status_changes h \
             WHERE h.membership_id = m.id) \
             ORDER BY m.id",
        )
        .bind(last.membership)
        .bind(import.batch)
        .execute(&mut **tx)
        .await?;
    }

    // Representatives, as people the organisation keeps, each linked to their unit.
    let people = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO people (organisation_id, name, phone, email, import_batch, import_row, \
         created_at, updated_at) \
         SELECT $2, j.value ->> 'representative', j.value ->> 'phone', j.value ->> 'email', \
         $3, CAST(j.value ->> 'row' AS BIGINT), $4, $4 FROM {table} \
         WHERE j.value ->> 'representative' IS NOT NULL"
    )))
    .bind(json.as_str())
    .bind(import.organisation_id)
    .bind(import.batch)
    .bind(import.now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if people > 0 {
        let membership_of_row =
            ids_by_row(tx, backend, "memberships", last.membership, import.batch).await?;
        let person_of_row = ids_by_row(tx, backend, "people", last.person, import.batch).await?;
        let mut links: Vec<LinkJson> = person_of_row
            .iter()
            .filter_map(|(row, &person)| {
                let membership = *membership_of_row.get(row)?;
                Some(LinkJson { membership, person })
            })
            .collect();
        links.sort_unstable_by_key(|l| l.membership);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO membership_people (membership_id, person_id, role, representative, \
             created_at) \
             SELECT CAST(j.value ->> 'membership' AS BIGINT), \
             CAST(j.value ->> 'person' AS BIGINT), 'representative', 1, $2 FROM {table}"
        )))
        .bind(serde_json::to_string(&links)?)
        .bind(import.now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(created as usize)
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
        let named_other = by_name.get(&r.name).and_then(Option::as_ref).filter(|n| {
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

        let decision = serde_json::to_string(&Decision::Import {
            batch: batch.clone(),
        })?;
        let import = Batch {
            organisation_id,
            batch: &batch,
            now: &now,
            decision: &decision,
        };
        // SQLite keeps the pages the import changes in memory until the commit rather than
        // writing and reading them again through the log whenever its page cache (2 MiB by
        // default) is full; the connection gets its own size back before the commit, or after
        // a failed write.
        // It also stills the triggers that would index each new organisation's texts and
        // record each new membership's first status change (migration 0007): `write_rows`
        // writes both for a whole batch at once. The flag lives only in this transaction.
        let cache_size: Option<i64> = match self.backend {
            Backend::Sqlite => {
                sqlx::query("INSERT INTO bulk_import (active) VALUES (1)")
                    .execute(&mut *w.tx)
                    .await?;
                let size = sqlx::query_scalar("PRAGMA cache_size")
                    .fetch_one(&mut *w.tx)
                    .await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "PRAGMA cache_size = -{IMPORT_CACHE_KIB}"
                )))
                .execute(&mut *w.tx)
                .await?;
                Some(size)
            }
            Backend::Postgres => None,
        };
        let written = async {
            let mut created = 0;
            let mut done = 0;
            for chunk in rows.chunks(BATCH) {
                created += write_rows(&mut w.tx, self.backend, &import, chunk).await?;
                done += chunk.len();
                progress(done, total);
            }
            Ok::<_, StoreError>(created)
        }
        .await;
        if let Some(size) = cache_size {
            let restored = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = {size}")))
                .execute(&mut *w.tx)
                .await;
            // A failed write's own error is the one to report.
            if written.is_ok() {
                restored?;
            }
        }
        let created = written?;
        if self.backend == Backend::Sqlite {
            sqlx::query("DELETE FROM bulk_import")
                .execute(&mut *w.tx)
                .await?;
        }

        let report = ImportReport {
            batch: batch.clone(),
            rows_read,
            imported: total,
            skipped_rows: outcome.skipped_rows,
            problems: outcome.problems,
            organisations_created: created,
            organisations_reused: total - created,
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
