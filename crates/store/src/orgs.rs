//! Organisations and their member units.

use federa_core::error::{FieldError, Invalid};
use federa_core::org::{
    EndMembershipInput, MAX_TEXT, MemberStatus, Membership, MembershipInput, NewMember, OrgInput,
    OrgKind, OrgStatus, Organisation, ValidOrg, format_date, parse_date,
};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::error::map_unique;
use crate::{Actor, Page, Paged, Result, Store, StoreError};

/// Which organisations to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct OrgFilter {
    /// Part of the name or short name, case-insensitive for ASCII letters.
    pub q: Option<String>,
    pub kind: Option<OrgKind>,
    pub district: Option<String>,
    pub sector: Option<String>,
    pub status: Option<OrgStatus>,
    pub sort: OrgSort,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgSort {
    #[default]
    Name,
    NameDesc,
    /// Oldest record first.
    Created,
    /// Newest record first.
    CreatedDesc,
    District,
    Sector,
}

impl OrgSort {
    fn order_by(self) -> &'static str {
        match self {
            OrgSort::Name => "o.name ASC, o.id ASC",
            OrgSort::NameDesc => "o.name DESC, o.id DESC",
            OrgSort::Created => "o.id ASC",
            OrgSort::CreatedDesc => "o.id DESC",
            OrgSort::District => "o.district ASC, o.name ASC, o.id ASC",
            OrgSort::Sector => "o.sector ASC, o.name ASC, o.id ASC",
        }
    }
}

/// Which member units of an organisation to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct MembershipFilter {
    /// Part of the member's name or short name.
    pub q: Option<String>,
    pub status: Option<MemberStatus>,
    pub category: Option<String>,
    pub district: Option<String>,
    pub sector: Option<String>,
    pub kind: Option<OrgKind>,
    /// Only memberships that have not ended.
    #[serde(default)]
    pub current_only: bool,
    pub sort: MembershipSort,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MembershipSort {
    #[default]
    MemberName,
    Joined,
    JoinedDesc,
    District,
    Sector,
}

impl MembershipSort {
    fn order_by(self) -> &'static str {
        match self {
            MembershipSort::MemberName => "o.name ASC, m.id ASC",
            MembershipSort::Joined => "m.joined ASC, m.id ASC",
            MembershipSort::JoinedDesc => "m.joined DESC, m.id DESC",
            MembershipSort::District => "o.district ASC, o.name ASC, m.id ASC",
            MembershipSort::Sector => "o.sector ASC, o.name ASC, m.id ASC",
        }
    }
}

/// A change to a current membership: its category, or its status among applied, admitted and
/// suspended (ending one goes through [`Store::end_membership`]). Absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipUpdate {
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// Columns of `organisations o`, prefixed so they can sit beside a membership's.
const ORG_COLS: &str = "o.id AS o_id, o.name AS o_name, o.short_name AS o_short_name, \
    o.kind AS o_kind, o.district AS o_district, o.sector AS o_sector, o.founded AS o_founded, \
    o.status AS o_status, o.predecessor_id AS o_predecessor_id, o.created_at AS o_created_at, \
    o.updated_at AS o_updated_at";

const MEMBERSHIP_COLS: &str = "m.id AS m_id, m.organisation_id AS m_organisation_id, \
    m.category AS m_category, m.joined AS m_joined, m.left_on AS m_left_on, \
    m.status AS m_status, m.end_reason AS m_end_reason";

fn org_from_row(row: &AnyRow) -> Result<Organisation> {
    let id: i64 = row.try_get("o_id")?;
    let corrupt = |what: &str, v: &str| StoreError::Corrupt {
        entity: "organisation",
        id: id.to_string(),
        reason: format!("unknown {what} {v:?}"),
    };
    let kind: String = row.try_get("o_kind")?;
    let status: String = row.try_get("o_status")?;
    Ok(Organisation {
        id,
        name: row.try_get("o_name")?,
        short_name: row.try_get("o_short_name")?,
        kind: OrgKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        district: row.try_get("o_district")?,
        sector: row.try_get("o_sector")?,
        founded: row.try_get("o_founded")?,
        status: OrgStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        predecessor_id: row.try_get("o_predecessor_id")?,
        created_at: row.try_get("o_created_at")?,
        updated_at: row.try_get("o_updated_at")?,
    })
}

fn membership_from_row(row: &AnyRow) -> Result<Membership> {
    let id: i64 = row.try_get("m_id")?;
    let status: String = row.try_get("m_status")?;
    Ok(Membership {
        id,
        organisation_id: row.try_get("m_organisation_id")?,
        member: org_from_row(row)?,
        category: row.try_get("m_category")?,
        joined: row.try_get("m_joined")?,
        left_on: row.try_get("m_left_on")?,
        status: MemberStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
            entity: "membership",
            id: id.to_string(),
            reason: format!("unknown status {status:?}"),
        })?,
        end_reason: row.try_get("m_end_reason")?,
    })
}

/// A bound value of a dynamically built query.
enum Bind {
    Text(String),
    Int(i64),
}

/// A `WHERE` clause built from optional filters, with its values bound in order.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Where {
    fn next(&self) -> usize {
        self.binds.len() + 1
    }

    fn eq(&mut self, column: &str, value: Option<&str>) {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            self.clauses.push(format!("{column} = ${}", self.next()));
            self.binds.push(Bind::Text(v.to_string()));
        }
    }

    fn id(&mut self, column: &str, value: i64) {
        self.clauses.push(format!("{column} = ${}", self.next()));
        self.binds.push(Bind::Int(value));
    }

    /// Name or short name contains `q`.
    fn search(&mut self, q: Option<&str>) {
        if let Some(q) = q.map(str::trim).filter(|v| !v.is_empty()) {
            let n = self.next();
            self.clauses.push(format!(
                "(LOWER(o.name) LIKE ${n} ESCAPE '\\' OR LOWER(COALESCE(o.short_name, '')) LIKE ${n} ESCAPE '\\')"
            ));
            let escaped = q
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            self.binds.push(Bind::Text(format!("%{escaped}%")));
        }
    }

    fn raw(&mut self, clause: &str) {
        self.clauses.push(clause.to_string());
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1 = 1".to_string()
        } else {
            self.clauses.join(" AND ")
        }
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

async fn org_in(tx: &mut Transaction<'static, Any>, id: i64) -> Result<Option<Organisation>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ORG_COLS} FROM organisations o WHERE o.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(org_from_row).transpose()
}

async fn membership_in(tx: &mut Transaction<'static, Any>, id: i64) -> Result<Option<Membership>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MEMBERSHIP_COLS}, {ORG_COLS} FROM memberships m \
         JOIN organisations o ON o.id = m.member_id WHERE m.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(membership_from_row).transpose()
}

/// Inserts a validated organisation inside a writing transaction and records it.
async fn insert_org(
    w: &mut crate::audit::Write,
    actor: Actor,
    v: &ValidOrg,
) -> Result<Organisation> {
    if let Some(p) = v.predecessor_id
        && org_in(&mut w.tx, p).await?.is_none()
    {
        return Err(StoreError::invalid("predecessor_id", "not_found"));
    }
    let now = crate::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO organisations (name, short_name, kind, district, sector, founded, status, \
         predecessor_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(&v.name)
    .bind(&v.short_name)
    .bind(v.kind.as_str())
    .bind(&v.district)
    .bind(&v.sector)
    .bind(v.founded.map(format_date))
    .bind(OrgStatus::Active.as_str())
    .bind(v.predecessor_id)
    .bind(&now)
    .fetch_one(&mut *w.tx)
    .await
    .map_err(|e| map_unique(e, |_| v.name.clone()))?;
    let org = org_in(&mut w.tx, id)
        .await?
        .ok_or_else(|| StoreError::not_found("organisation", id))?;
    w.audit(actor, "organisation", id, "create", None::<&()>, Some(&org))
        .await?;
    Ok(org)
}

impl Store {
    /// Creates an organisation from user input (validated by `federa_core`).
    pub async fn create_organisation(
        &self,
        actor: Actor,
        input: &OrgInput,
    ) -> Result<Organisation> {
        let v = input.validate()?;
        let mut w = self.write().await?;
        let org = insert_org(&mut w, actor, &v).await?;
        w.commit().await?;
        Ok(org)
    }

    pub async fn get_organisation(&self, id: i64) -> Result<Organisation> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORG_COLS} FROM organisations o WHERE o.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => org_from_row(&row),
            None => Err(StoreError::not_found("organisation", id)),
        }
    }

    /// Finds an organisation by its exact name.
    pub async fn find_organisation_by_name(&self, name: &str) -> Result<Option<Organisation>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORG_COLS} FROM organisations o WHERE o.name = $1"
        )))
        .bind(name.trim())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    /// Replaces an organisation's editable fields.
    pub async fn update_organisation(
        &self,
        actor: Actor,
        id: i64,
        input: &OrgInput,
    ) -> Result<Organisation> {
        let v = input.validate()?;
        let mut w = self.write().await?;
        let before = org_in(&mut w.tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("organisation", id))?;
        if let Some(p) = v.predecessor_id {
            if p == id {
                return Err(StoreError::invalid("predecessor_id", "self"));
            }
            if org_in(&mut w.tx, p).await?.is_none() {
                return Err(StoreError::invalid("predecessor_id", "not_found"));
            }
        }
        sqlx::query(
            "UPDATE organisations SET name = $1, short_name = $2, kind = $3, district = $4, \
             sector = $5, founded = $6, predecessor_id = $7, updated_at = $8 WHERE id = $9",
        )
        .bind(&v.name)
        .bind(&v.short_name)
        .bind(v.kind.as_str())
        .bind(&v.district)
        .bind(&v.sector)
        .bind(v.founded.map(format_date))
        .bind(v.predecessor_id)
        .bind(crate::now())
        .bind(id)
        .execute(&mut *w.tx)
        .await
        .map_err(|e| map_unique(e, |_| v.name.clone()))?;
        let after = org_in(&mut w.tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("organisation", id))?;
        w.audit(
            actor,
            "organisation",
            id,
            "update",
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// Sets an organisation's status (active, dissolved, succeeded).
    pub async fn set_organisation_status(
        &self,
        actor: Actor,
        id: i64,
        status: OrgStatus,
    ) -> Result<Organisation> {
        let mut w = self.write().await?;
        let before = org_in(&mut w.tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("organisation", id))?;
        sqlx::query("UPDATE organisations SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(crate::now())
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        let after = org_in(&mut w.tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("organisation", id))?;
        w.audit(
            actor,
            "organisation",
            id,
            "set_status",
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// Organisations matching the filter, one page, in the filter's order.
    pub async fn list_organisations(
        &self,
        filter: &OrgFilter,
        page: Page,
    ) -> Result<Paged<Organisation>> {
        let (offset, limit) = page.checked()?;
        let mut w = Where::default();
        w.search(filter.q.as_deref());
        w.eq("o.kind", filter.kind.map(OrgKind::as_str));
        w.eq("o.district", filter.district.as_deref());
        w.eq("o.sector", filter.sector.as_deref());
        w.eq("o.status", filter.status.map(OrgStatus::as_str));
        let cond = w.sql();
        let total: i64 = bind_all!(
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM organisations o WHERE {cond}"
            ))),
            &w.binds
        )
        .fetch_one(&self.pool)
        .await?;
        let n = w.next();
        let rows = bind_all!(
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ORG_COLS} FROM organisations o WHERE {cond} ORDER BY {} LIMIT ${n} OFFSET ${}",
                filter.sort.order_by(),
                n + 1
            ))),
            &w.binds
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(Paged {
            items: rows.iter().map(org_from_row).collect::<Result<_>>()?,
            total: total as u64,
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// Adds a member unit to an organisation: an existing organisation, or a new one created in
    /// the same transaction.
    pub async fn add_membership(
        &self,
        actor: Actor,
        organisation_id: i64,
        input: &MembershipInput,
    ) -> Result<Membership> {
        let v = input.validate()?;
        let mut w = self.write().await?;
        if org_in(&mut w.tx, organisation_id).await?.is_none() {
            return Err(StoreError::not_found("organisation", organisation_id));
        }
        let member_id = match &v.member {
            NewMember::Existing(id) => {
                if org_in(&mut w.tx, *id).await?.is_none() {
                    return Err(StoreError::invalid("member_id", "not_found"));
                }
                *id
            }
            NewMember::New(org) => match insert_org(&mut w, actor, org).await {
                Ok(o) => o.id,
                Err(StoreError::Conflict {
                    entity,
                    field,
                    value,
                }) => {
                    return Err(StoreError::Conflict {
                        entity,
                        field: if field == "name" {
                            "new_member.name"
                        } else {
                            field
                        },
                        value,
                    });
                }
                Err(StoreError::Invalid(Invalid(es))) => {
                    return Err(StoreError::Invalid(Invalid(
                        es.into_iter()
                            .map(|e| FieldError {
                                field: format!("new_member.{}", e.field),
                                ..e
                            })
                            .collect(),
                    )));
                }
                Err(e) => return Err(e),
            },
        };
        if member_id == organisation_id {
            return Err(StoreError::invalid("member_id", "self"));
        }
        let now = crate::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO memberships (organisation_id, member_id, category, joined, status, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(organisation_id)
        .bind(member_id)
        .bind(&v.category)
        .bind(format_date(v.joined))
        .bind(v.status.as_str())
        .bind(&now)
        .fetch_one(&mut *w.tx)
        .await
        .map_err(|e| map_unique(e, |_| member_id.to_string()))?;
        let m = membership_in(&mut w.tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("membership", id))?;
        w.audit(actor, "membership", id, "create", None::<&()>, Some(&m))
            .await?;
        w.commit().await?;
        Ok(m)
    }

    pub async fn get_membership(&self, id: i64) -> Result<Membership> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEMBERSHIP_COLS}, {ORG_COLS} FROM memberships m \
             JOIN organisations o ON o.id = m.member_id WHERE m.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => membership_from_row(&row),
            None => Err(StoreError::not_found("membership", id)),
        }
    }

    /// The member units of an organisation matching the filter, one page.
    pub async fn list_memberships(
        &self,
        organisation_id: i64,
        filter: &MembershipFilter,
        page: Page,
    ) -> Result<Paged<Membership>> {
        let (offset, limit) = page.checked()?;
        let mut w = Where::default();
        w.id("m.organisation_id", organisation_id);
        w.search(filter.q.as_deref());
        w.eq("m.status", filter.status.map(MemberStatus::as_str));
        w.eq("m.category", filter.category.as_deref());
        w.eq("o.district", filter.district.as_deref());
        w.eq("o.sector", filter.sector.as_deref());
        w.eq("o.kind", filter.kind.map(OrgKind::as_str));
        if filter.current_only {
            w.raw("m.left_on IS NULL");
        }
        let cond = w.sql();
        let from = "FROM memberships m JOIN organisations o ON o.id = m.member_id";
        let total: i64 = bind_all!(
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) {from} WHERE {cond}"
            ))),
            &w.binds
        )
        .fetch_one(&self.pool)
        .await?;
        let n = w.next();
        let rows = bind_all!(
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {MEMBERSHIP_COLS}, {ORG_COLS} {from} WHERE {cond} ORDER BY {} LIMIT ${n} OFFSET ${}",
                filter.sort.order_by(),
                n + 1
            ))),
            &w.binds
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(Paged {
            items: rows
                .iter()
                .map(membership_from_row)
                .collect::<Result<_>>()?,
            total: total as u64,
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// The organisations a given organisation is (or was) a member of.
    pub async fn memberships_of_member(&self, member_id: i64) -> Result<Vec<Membership>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEMBERSHIP_COLS}, {ORG_COLS} FROM memberships m \
             JOIN organisations o ON o.id = m.member_id WHERE m.member_id = $1 ORDER BY m.id"
        )))
        .bind(member_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(membership_from_row).collect()
    }

    /// Changes a current membership's category or status (applied, admitted, suspended).
    pub async fn update_membership(
        &self,
        actor: Actor,
        id: i64,
        change: &MembershipUpdate,
    ) -> Result<Membership> {
        let mut w = self.write().await?;
        let before = membership_in(&mut w.tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("membership", id))?;
        let mut errors = Vec::new();
        let category = match change.category.as_deref().map(str::trim) {
            None => before.category.clone(),
            Some("") => {
                errors.push(FieldError::new("category", "required"));
                String::new()
            }
            Some(c) if c.chars().count() > MAX_TEXT => {
                errors.push(FieldError::too_long("category", MAX_TEXT));
                String::new()
            }
            Some(c) => c.to_string(),
        };
        let status = match change
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => before.status,
            Some(s) => match MemberStatus::parse(s) {
                Some(st) if st == before.status => st,
                Some(st) if st.is_ended() => {
                    errors.push(FieldError::new("status", "use_end_membership"));
                    before.status
                }
                Some(st) if before.status.may_become(st) => st,
                Some(_) => {
                    errors.push(FieldError::new("status", "transition_not_allowed"));
                    before.status
                }
                None => {
                    errors.push(FieldError::new("status", "unknown_status"));
                    before.status
                }
            },
        };
        if !errors.is_empty() {
            return Err(StoreError::Invalid(Invalid(errors)));
        }
        sqlx::query(
            "UPDATE memberships SET category = $1, status = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(&category)
        .bind(status.as_str())
        .bind(crate::now())
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
        let after = membership_in(&mut w.tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("membership", id))?;
        w.audit(
            actor,
            "membership",
            id,
            "update",
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// Ends a membership on a date, as withdrawn (default) or expelled, with a reason.
    pub async fn end_membership(
        &self,
        actor: Actor,
        id: i64,
        input: &EndMembershipInput,
    ) -> Result<Membership> {
        let mut w = self.write().await?;
        let before = membership_in(&mut w.tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("membership", id))?;
        let joined = parse_date(&before.joined).ok_or_else(|| StoreError::Corrupt {
            entity: "membership",
            id: id.to_string(),
            reason: format!("bad join date {:?}", before.joined),
        })?;
        let v = input.validate(joined, before.status)?;
        sqlx::query(
            "UPDATE memberships SET left_on = $1, status = $2, end_reason = $3, updated_at = $4 \
             WHERE id = $5",
        )
        .bind(format_date(v.left_on))
        .bind(v.status.as_str())
        .bind(&v.reason)
        .bind(crate::now())
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
        let after = membership_in(&mut w.tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("membership", id))?;
        w.audit(actor, "membership", id, "end", Some(&before), Some(&after))
            .await?;
        w.commit().await?;
        Ok(after)
    }
}
