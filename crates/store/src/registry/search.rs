//! Finding an organisation's member units: the core's validated [`MemberQuery`] as SQL, and the
//! public member directory.
//!
//! The count of matches stops at [`COUNT_CAP`]: on a registry of a million members an exact
//! count costs more than the page itself, and a pager needs no more.

use federa_core::org::{MemberStatus, format_date};
use federa_core::registry::search::{
    DirectoryEntry, MemberQuery, SortKey, SortOrder, directory_entry,
};
use federa_core::registry::{Category, Member, Membership};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::Date;

use super::{REG_ORG_COLS, categories_in, date_of, reg_org_from_row};
use crate::{Backend, Result, Store, StoreError};

/// Matches counted at most.
pub const COUNT_CAP: u64 = 10_000;

/// One member unit found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberHit {
    pub membership_id: i64,
    pub organisation: federa_core::registry::Organisation,
    /// The category as stored (a key, or the text of an organisation without categories).
    pub category: String,
    /// The category's display name.
    pub category_name: String,
    #[serde(with = "federa_core::registry::dates")]
    pub joined: Date,
    #[serde(with = "federa_core::registry::dates::option", default)]
    pub left: Option<Date>,
    pub status: MemberStatus,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchPage<T> {
    pub items: Vec<T>,
    /// Matches, counted up to [`COUNT_CAP`].
    pub total: u64,
    /// Whether `total` is the exact count (false when it reached the cap).
    pub total_exact: bool,
    pub page: u32,
    pub page_size: u32,
}

enum Bind {
    Text(String),
    Int(i64),
}

struct Sql {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Sql {
    fn n(&self) -> usize {
        self.binds.len() + 1
    }
    fn push(&mut self, clause: impl Into<String>, b: Bind) {
        self.clauses.push(clause.into());
        self.binds.push(b);
    }
}

fn order_by(q: &MemberQuery) -> String {
    let (dir, nulls) = match q.order {
        SortOrder::Asc => ("ASC", "NULLS FIRST"),
        SortOrder::Desc => ("DESC", "NULLS LAST"),
    };
    // Districts and sectors may be missing: first in ascending order, as SQLite sorts them.
    let key = match q.sort {
        SortKey::Name => return format!("m.member_name {dir}, m.id {dir}"),
        SortKey::Joined => format!("m.joined {dir}"),
        SortKey::District => format!("m.member_district {dir} {nulls}"),
        SortKey::Sector => format!("m.member_sector {dir} {nulls}"),
        SortKey::Category => format!("m.category {dir}"),
    };
    format!("{key}, m.member_name {dir}, m.id {dir}")
}

/// The trigram indexes (FTS5 on SQLite, pg_trgm on PostgreSQL) match substrings of three
/// characters or more.
const TRIGRAM: usize = 3;

/// The members (first by name) whose names show how common a text is, and how many of them
/// must contain it for a search to read the members' name copies in order rather than start
/// from the organisations found by trigrams: with a fifth of the members matching, the capped
/// count fills within about 50,000 members read.
const SAMPLE: i64 = 100;
const COMMON_IN_SAMPLE: i64 = 20;

/// How PostgreSQL tests a lower-cased text against the membership's copy of the name, which is
/// `COLLATE "C"`: lower-cased with the database's collation, as LOWER(o.name) is, unless no
/// character of the text has a case (Chinese, digits, punctuation), when no lower-casing can
/// make a name match or miss it and the copy's bytes are compared as they are. Lower-casing
/// every name a common text reads cost more than the rest of the search.
fn pg_name(text: &str, column: &str) -> String {
    let uncased = |c: char| {
        (c.is_ascii() && !c.is_ascii_alphabetic())
            || (c >= '\u{3000}' && !c.is_lowercase() && !c.is_uppercase())
    };
    if text.chars().all(uncased) {
        column.to_string()
    } else {
        format!("LOWER({column} COLLATE \"default\")")
    }
}

/// The text as an FTS5 query: one phrase (a substring, with the trigram tokenizer) in the
/// columns searched.
fn fts_query(text: &str, public: bool) -> String {
    let columns = if public {
        "{name short_name}"
    } else {
        "{name short_name registration_number}"
    };
    format!("{columns} : \"{}\"", text.replace('"', "\"\""))
}

impl Store {
    /// Whether `pattern` (a lower-cased LIKE pattern) matches at least [`COMMON_IN_SAMPLE`] of
    /// the organisation's first [`SAMPLE`] members by name: the same plan for every text, the
    /// first entries of one index. On SQLite this spares a common text the trigram count, which
    /// would read [`COUNT_CAP`] organisations only to find there are too many.
    async fn common_text(&self, org: i64, pattern: &str) -> Result<bool> {
        // SQLite's LIKE ignores ASCII case, so its copy is tested as it is.
        let name = match self.backend {
            Backend::Sqlite => "member_name".to_string(),
            Backend::Postgres => pg_name(pattern, "member_name"),
        };
        let in_sample: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM (SELECT member_name FROM memberships \
             WHERE organisation_id = $1 AND member_name IS NOT NULL \
             ORDER BY organisation_id, member_name, id LIMIT $2) sample \
             WHERE {name} LIKE $3 ESCAPE '\\'"
        )))
        .bind(org)
        .bind(SAMPLE)
        .bind(pattern)
        .fetch_one(&self.pool)
        .await?;
        Ok(in_sample >= COMMON_IN_SAMPLE)
    }

    /// The forms a category filter matches. A membership may name its category by key or by
    /// name; only the forms this organisation's memberships use are kept, so that the filter is
    /// one value an index can follow in order.
    async fn category_forms(
        &self,
        organisation_id: i64,
        wanted: &str,
        categories: &[Category],
    ) -> Result<Vec<String>> {
        let Some(found) = Category::find(categories, wanted) else {
            return Ok(vec![wanted.to_string()]);
        };
        if found.key == found.name {
            return Ok(vec![found.key.clone()]);
        }
        let mut used = Vec::with_capacity(2);
        for form in [&found.key, &found.name] {
            // The order of memberships_search_category_idx makes every plan read that index,
            // and at most one entry of it; a bare `LIMIT 1` may be planned (generically, for a
            // prepared statement) as a scan that reads every row when the form is unused.
            let seen: Option<String> = sqlx::query_scalar(
                "SELECT category FROM memberships WHERE organisation_id = $1 AND category = $2 \
                 ORDER BY organisation_id, category, member_name, id LIMIT 1",
            )
            .bind(organisation_id)
            .bind(form.clone())
            .fetch_optional(&self.pool)
            .await?;
            if seen.is_some() {
                used.push(form.clone());
            }
        }
        if used.is_empty() {
            // Nothing matches either way; one form keeps the query simple.
            used.push(found.key.clone());
        }
        Ok(used)
    }

    /// The conditions of a search. `public` leaves registration numbers out of the text search.
    /// Returns them with whether they read the member organisation's row.
    async fn where_of(
        &self,
        org: i64,
        q: &MemberQuery,
        categories: &[Category],
        public: bool,
    ) -> Result<(Sql, bool)> {
        let mut s = Sql {
            // Unit memberships only (a person's has no member name).
            clauses: vec![
                "m.organisation_id = $1".into(),
                "m.member_name IS NOT NULL".into(),
            ],
            binds: vec![Bind::Int(org)],
        };
        let mut reads_org = false;
        if let (Some(text), Some(p)) = (&q.text, q.like_pattern()) {
            let text = text.to_lowercase();
            let p = p.to_lowercase();
            // A text of one or two characters has no trigram to look up, and a text in many
            // names finds too many organisations: both read the members' name copies in order,
            // which fill the page and the capped count soonest.
            let many = text.chars().count() < TRIGRAM || self.common_text(org, &p).await?;
            // PostgreSQL finds the other texts through trigram indexes of the lower-cased
            // columns (the exact test below); SQLite asks its FTS5 trigram table first.
            if self.backend == Backend::Sqlite && !many {
                // Organisations whose texts contain the text's trigrams: a superset of the
                // matches, exact below. When they are few, the search starts from them.
                let fts = fts_query(&text, public);
                let candidates: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM (SELECT 1 AS one FROM organisations_text \
                     WHERE organisations_text MATCH $1 LIMIT $2) capped",
                )
                .bind(fts.clone())
                .bind(COUNT_CAP as i64 + 1)
                .fetch_one(&self.pool)
                .await?;
                if candidates as u64 <= COUNT_CAP {
                    let n = s.n();
                    // `+` keeps SQLite from walking the organisation's whole member list.
                    s.clauses[0] = "+m.organisation_id = $1".into();
                    s.push(
                        format!(
                            "m.member_id IN (SELECT rowid FROM organisations_text \
                             WHERE organisations_text MATCH ${n})"
                        ),
                        Bind::Text(fts),
                    );
                }
            }
            let n = s.n();
            let test = |c: &str| format!("{c} LIKE ${n} ESCAPE '\\'");
            let other = if public {
                vec!["short_name"]
            } else {
                vec!["short_name", "registration_number"]
            };
            match self.backend {
                Backend::Sqlite => {
                    // SQLite's LIKE ignores ASCII case and its LOWER folds nothing else, so the
                    // plain column is the same test. The name is the membership's copy: when it
                    // matches, the organisation's row is not read.
                    let others: Vec<String> =
                        other.iter().map(|c| test(&format!("t.{c}"))).collect();
                    s.push(
                        format!(
                            "({} OR EXISTS (SELECT 1 FROM organisations t \
                             WHERE t.id = m.member_id AND ({})))",
                            test("m.member_name"),
                            others.join(" OR ")
                        ),
                        Bind::Text(p),
                    );
                }
                Backend::Postgres => {
                    // Many matches read the membership's name copy, and the organisation only
                    // for members whose name does not match.
                    if many {
                        // The copy is `COLLATE "C"`, whose LOWER folds ASCII only; the
                        // database's collation folds as LOWER(o.name) does (see `pg_name`).
                        let others: Vec<String> = other
                            .iter()
                            .map(|c| test(&format!("LOWER(t.{c})")))
                            .collect();
                        s.push(
                            format!(
                                "({} OR m.member_id IN (SELECT t.id FROM organisations t \
                                 WHERE {}))",
                                test(&pg_name(&text, "m.member_name")),
                                others.join(" OR ")
                            ),
                            Bind::Text(p),
                        );
                    } else {
                        // One trigram index per column, combined by the planner.
                        reads_org = true;
                        let tests: Vec<String> = std::iter::once("name")
                            .chain(other)
                            .map(|c| test(&format!("LOWER(o.{c})")))
                            .collect();
                        s.push(format!("({})", tests.join(" OR ")), Bind::Text(p));
                    }
                }
            }
        }
        if let Some(d) = &q.district {
            let n = s.n();
            s.push(format!("m.member_district = ${n}"), Bind::Text(d.clone()));
        }
        if let Some(d) = &q.sector {
            let n = s.n();
            s.push(format!("m.member_sector = ${n}"), Bind::Text(d.clone()));
        }
        if let Some(c) = &q.category {
            let forms = self.category_forms(org, c, categories).await?;
            let n = s.n();
            let marks: Vec<String> = (0..forms.len()).map(|i| format!("${}", n + i)).collect();
            s.clauses.push(if forms.len() == 1 {
                format!("m.category = ${n}")
            } else {
                format!("m.category IN ({})", marks.join(", "))
            });
            s.binds.extend(forms.into_iter().map(Bind::Text));
        }
        if let Some(st) = q.status {
            let n = s.n();
            s.push(format!("m.status = ${n}"), Bind::Text(st.as_str().into()));
        }
        Ok((s, reads_org))
    }
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(i) => q.bind(*i),
            };
        }
        q
    }};
}

fn hit_from_row(row: &AnyRow, categories: &[Category]) -> Result<MemberHit> {
    let id: i64 = row.try_get("membership_id")?;
    let joined: String = row.try_get("joined")?;
    let left: Option<String> = row.try_get("left_on")?;
    let status: String = row.try_get("m_status")?;
    let category: String = row.try_get("category")?;
    Ok(MemberHit {
        membership_id: id,
        organisation: reg_org_from_row(row)?,
        category_name: Category::find(categories, &category)
            .map_or_else(|| category.clone(), |c| c.name.clone()),
        category,
        joined: date_of("membership", id, &joined)?,
        left: left
            .as_deref()
            .map(|l| date_of("membership", id, l))
            .transpose()?,
        status: MemberStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
            entity: "membership",
            id: id.to_string(),
            reason: format!("unknown status {status:?}"),
        })?,
    })
}

impl Store {
    async fn search_rows(
        &self,
        organisation_id: i64,
        q: &MemberQuery,
        extra: &[&str],
        categories: &[Category],
    ) -> Result<(Vec<AnyRow>, u64, bool)> {
        let (mut s, reads_org) = self
            .where_of(organisation_id, q, categories, !extra.is_empty())
            .await?;
        for e in extra {
            s.clauses.push((*e).to_string());
        }
        let cond = s.clauses.join(" AND ");
        // The member organisation's row only when a condition reads it: the count and the
        // page's order then come from an index of memberships alone.
        let from = if reads_org || !extra.is_empty() {
            "memberships m JOIN organisations o ON o.id = m.member_id"
        } else {
            "memberships m"
        };
        let n = s.n();
        let counted: i64 = bind_all!(
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM (SELECT 1 AS one FROM {from} WHERE {cond} LIMIT ${n}) capped"
            ))),
            &s.binds
        )
        .bind(COUNT_CAP as i64 + 1)
        .fetch_one(&self.pool)
        .await?;
        // The page's ids first, then their rows: rows skipped by the offset are never read.
        let order = order_by(q);
        let rows = bind_all!(
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT m.id AS membership_id, m.category, m.joined, m.left_on, \
                 m.status AS m_status, {REG_ORG_COLS} \
                 FROM (SELECT m.id AS page_id FROM {from} WHERE {cond} ORDER BY {order} \
                 LIMIT ${n} OFFSET ${}) page \
                 JOIN memberships m ON m.id = page.page_id \
                 JOIN organisations o ON o.id = m.member_id ORDER BY {order}",
                n + 1
            ))),
            &s.binds
        )
        .bind(i64::from(q.page_size))
        .bind(q.offset() as i64)
        .fetch_all(&self.pool)
        .await?;
        let counted = counted as u64;
        Ok((rows, counted.min(COUNT_CAP), counted <= COUNT_CAP))
    }

    /// An organisation's member units matching the query (name, short name or registration
    /// number contains the text; district, sector, category and status match), one page.
    pub async fn search_members(
        &self,
        organisation_id: i64,
        q: &MemberQuery,
    ) -> Result<SearchPage<MemberHit>> {
        let categories = categories_in(&self.pool, organisation_id).await?;
        let (rows, total, total_exact) = self
            .search_rows(organisation_id, q, &[], &categories)
            .await?;
        Ok(SearchPage {
            items: rows
                .iter()
                .map(|r| hit_from_row(r, &categories))
                .collect::<Result<_>>()?,
            total,
            total_exact,
            page: q.page,
            page_size: q.page_size,
        })
    }

    /// The public member directory: admitted member units in force on `today` whose
    /// organisation is marked public, with only what the directory shows (no registration
    /// number, no contacts). The status filter of the query is ignored.
    pub async fn public_directory(
        &self,
        organisation_id: i64,
        q: &MemberQuery,
        today: Date,
    ) -> Result<SearchPage<DirectoryEntry>> {
        let categories = categories_in(&self.pool, organisation_id).await?;
        let q = MemberQuery {
            status: Some(MemberStatus::Admitted),
            // Registration numbers are not public, so they are not searched either.
            ..q.clone()
        };
        let today_s = format_date(today);
        // The date is a literal of our own formatting (digits and dashes only).
        let joined = format!("m.joined <= '{today_s}'");
        let (rows, total, total_exact) = self
            .search_rows(
                organisation_id,
                &q,
                &["o.public = 1", "m.left_on IS NULL", &joined],
                &categories,
            )
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            let hit = hit_from_row(r, &categories)?;
            let m = Membership {
                id: hit.membership_id,
                organisation_id,
                member: Member::Organisation(hit.organisation.id),
                category: hit.category.clone(),
                joined: hit.joined,
                left: hit.left,
                status: hit.status,
                representative: None,
                contacts: Vec::new(),
            };
            if let Some(e) = directory_entry(&hit.organisation, &m, &categories, today) {
                items.push(e);
            }
        }
        Ok(SearchPage {
            items,
            total,
            total_exact,
            page: q.page,
            page_size: q.page_size,
        })
    }

    /// Organisations the public may list directories of: those with public member units.
    pub async fn organisations_with_public_members(
        &self,
    ) -> Result<Vec<federa_core::registry::Organisation>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REG_ORG_COLS} FROM organisations o WHERE EXISTS (SELECT 1 FROM memberships m \
             JOIN organisations u ON u.id = m.member_id WHERE m.organisation_id = o.id \
             AND u.public = 1 AND m.left_on IS NULL) ORDER BY o.name"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(reg_org_from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::pg_name;

    #[test]
    fn only_texts_without_case_skip_lower_casing_the_name() {
        for plain in [
            "网络科技",
            "第123457号",
            "%网络\\_科技%",
            "（重庆）",
            "2017-05",
        ] {
            assert_eq!(pg_name(plain, "m.member_name"), "m.member_name", "{plain}");
        }
        // Latin letters, accented ones and full-width ones all have a case.
        for cased in ["abc", "ç", "网络abc", "ａｂｃ", "ß", "ǆ"] {
            assert_eq!(
                pg_name(cased, "m.member_name"),
                "LOWER(m.member_name COLLATE \"default\")",
                "{cased}"
            );
        }
    }
}
