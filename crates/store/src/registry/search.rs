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
use crate::{Result, Store, StoreError};

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
    let dir = match q.order {
        SortOrder::Asc => "ASC",
        SortOrder::Desc => "DESC",
    };
    let key = match q.sort {
        SortKey::Name => "o.name",
        SortKey::Joined => "m.joined",
        SortKey::District => "o.district",
        SortKey::Sector => "o.sector",
        SortKey::Category => "m.category",
    };
    if q.sort == SortKey::Name {
        format!("o.name {dir}, m.id {dir}")
    } else {
        format!("{key} {dir}, o.name {dir}, m.id {dir}")
    }
}

fn where_of(org: i64, q: &MemberQuery, categories: &[Category], public: bool) -> Sql {
    let mut s = Sql {
        clauses: vec!["m.organisation_id = $1".into()],
        binds: vec![Bind::Int(org)],
    };
    if let Some(p) = q.like_pattern() {
        let n = s.n();
        s.push(
            format!(
                "(LOWER(o.name) LIKE ${n} ESCAPE '\\' \
                 OR LOWER(COALESCE(o.short_name, '')) LIKE ${n} ESCAPE '\\'{})",
                if public {
                    String::new()
                } else {
                    format!(" OR LOWER(COALESCE(o.registration_number, '')) LIKE ${n} ESCAPE '\\'")
                }
            ),
            Bind::Text(p.to_lowercase()),
        );
    }
    if let Some(d) = &q.district {
        let n = s.n();
        s.push(format!("o.district = ${n}"), Bind::Text(d.clone()));
    }
    if let Some(d) = &q.sector {
        let n = s.n();
        s.push(format!("o.sector = ${n}"), Bind::Text(d.clone()));
    }
    if let Some(c) = &q.category {
        // A membership may name its category by key or by name.
        let found = Category::find(categories, c);
        let (key, name) = found.map_or((c.clone(), c.clone()), |f| (f.key.clone(), f.name.clone()));
        let n = s.n();
        s.clauses.push(format!("m.category IN (${n}, ${})", n + 1));
        s.binds.push(Bind::Text(key));
        s.binds.push(Bind::Text(name));
    }
    if let Some(st) = q.status {
        let n = s.n();
        s.push(format!("m.status = ${n}"), Bind::Text(st.as_str().into()));
    }
    s
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
        let mut s = where_of(organisation_id, q, categories, !extra.is_empty());
        for e in extra {
            s.clauses.push((*e).to_string());
        }
        let cond = s.clauses.join(" AND ");
        let from = "FROM memberships m JOIN organisations o ON o.id = m.member_id";
        let n = s.n();
        let counted: i64 = bind_all!(
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM (SELECT 1 AS one {from} WHERE {cond} LIMIT ${n}) capped"
            ))),
            &s.binds
        )
        .bind(COUNT_CAP as i64 + 1)
        .fetch_one(&self.pool)
        .await?;
        let rows = bind_all!(
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT m.id AS membership_id, m.category, m.joined, m.left_on, \
                 m.status AS m_status, {REG_ORG_COLS} {from} WHERE {cond} ORDER BY {} \
                 LIMIT ${n} OFFSET ${}",
                order_by(q),
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
