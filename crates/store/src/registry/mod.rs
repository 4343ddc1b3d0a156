//! The member registry in the database: people, unit and individual memberships with their
//! representatives and contacts, the categories each organisation defines, status history,
//! dues, nesting, succession, import and export of member lists, and member search.
//!
//! The rules are `federa_core::registry`'s: this module loads the stored values the rules need,
//! asks them, and writes what they return in one transaction with its audit event. A refused
//! change writes nothing.

mod dues;
mod import;
mod search;
mod succession;

use federa_core::error::{FieldError, Invalid};
use federa_core::org::{MAX_TEXT, MemberStatus, OrgKind, OrgStatus, format_date, parse_date};
use federa_core::registry::model::{check_registration_number, would_nest_cycle};
use federa_core::registry::{
    Category, ContactPerson, Decision, Member, Membership, Organisation, Person, PersonInput,
    RegistryError, StatusChange, StatusHistory,
};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::Date;

use crate::audit::Write;
use crate::{Actor, Page, Paged, Result, Store, StoreError};

pub use dues::{DuesLine, DuesReport};
pub use import::ImportReport;
pub use search::{COUNT_CAP, MemberHit, SearchPage};
pub use succession::SuccessionOutcome;

/// A membership to add: who, in which category, since when, in what status (applied or
/// admitted), and the decision that admitted them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMember {
    pub member: Member,
    pub category: String,
    #[serde(with = "federa_core::registry::dates")]
    pub joined: Date,
    pub status: MemberStatus,
    pub decision: Decision,
}

/// One entry of a membership's status history, with the membership it was recorded on (a
/// membership carried over by a succession shows its predecessor's history first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub membership_id: i64,
    pub organisation_id: i64,
    #[serde(flatten)]
    pub change: StatusChange,
}

/// Turns a rule's refusal into the store's `Invalid`, naming the field and the stable code.
pub(crate) fn refused(e: RegistryError) -> StoreError {
    let fe = match &e {
        RegistryError::InvalidValue { field, reason } => FieldError::new(field, reason),
        RegistryError::IllegalTransition { .. } => FieldError::new("status", e.code()),
        RegistryError::ChangeBeforePrevious { .. } => FieldError::new("on", e.code()),
        RegistryError::NestingCycle { .. } => FieldError::new("member_id", e.code()),
        RegistryError::Unknown { what, .. } => FieldError::new(what, &format!("unknown_{what}")),
        RegistryError::IllegalState { kind, .. } => FieldError::new(kind, e.code()),
        RegistryError::FileTooLarge { limit, .. } => FieldError {
            limit: Some(*limit),
            ..FieldError::new("file", e.code())
        },
        _ => FieldError::new("file", e.code()),
    };
    StoreError::Invalid(Invalid(vec![fe]))
}

/// Maps a unique violation or a registry trigger's refusal to a field error; other database
/// errors pass through.
pub(crate) fn db_refusal(err: sqlx::Error, unique_field: &str, value: &str) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        if db.is_unique_violation() {
            return StoreError::Conflict {
                entity: "registry",
                field: leak_field(unique_field),
                value: value.to_string(),
            };
        }
        if db.message().contains("unknown_category") {
            return StoreError::invalid("category", "unknown_category");
        }
    }
    StoreError::Database(err)
}

/// The fields a registry conflict can name (`Conflict::field` is `&'static str`).
fn leak_field(f: &str) -> &'static str {
    const FIELDS: &[&str] = &[
        "member",
        "registration_number",
        "key",
        "name",
        "role",
        "predecessor_id",
        "year",
    ];
    FIELDS.iter().copied().find(|x| *x == f).unwrap_or("value")
}

fn bad_date(entity: &'static str, id: i64, v: &str) -> StoreError {
    StoreError::Corrupt {
        entity,
        id: id.to_string(),
        reason: format!("bad date {v:?}"),
    }
}

pub(crate) fn date_of(entity: &'static str, id: i64, v: &str) -> Result<Date> {
    parse_date(v).ok_or_else(|| bad_date(entity, id, v))
}

fn status_of(entity: &'static str, id: i64, v: &str) -> Result<MemberStatus> {
    MemberStatus::parse(v).ok_or_else(|| StoreError::Corrupt {
        entity,
        id: id.to_string(),
        reason: format!("unknown status {v:?}"),
    })
}

pub(crate) const REG_ORG_COLS: &str = "o.id, o.name, o.short_name, o.kind, o.district, \
    o.sector, o.founded, o.registration_number, o.status, o.predecessor_id, o.public";

pub(crate) fn reg_org_from_row(row: &AnyRow) -> Result<Organisation> {
    let id: i64 = row.try_get("id")?;
    let kind: String = row.try_get("kind")?;
    let status: String = row.try_get("status")?;
    let founded: Option<String> = row.try_get("founded")?;
    let public: i64 = row.try_get("public")?;
    let corrupt = |what: &str, v: &str| StoreError::Corrupt {
        entity: "organisation",
        id: id.to_string(),
        reason: format!("unknown {what} {v:?}"),
    };
    Ok(Organisation {
        id,
        name: row.try_get("name")?,
        short_name: row.try_get("short_name")?,
        kind: OrgKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        district: row.try_get("district")?,
        sector: row.try_get("sector")?,
        founded: founded
            .as_deref()
            .map(|f| date_of("organisation", id, f))
            .transpose()?,
        registration_number: row.try_get("registration_number")?,
        status: OrgStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        predecessor_id: row.try_get("predecessor_id")?,
        public: public != 0,
    })
}

const PERSON_COLS: &str = "id, organisation_id, name, title, phone, email, public";

fn person_from_row(row: &AnyRow) -> Result<Person> {
    let public: i64 = row.try_get("public")?;
    Ok(Person {
        id: row.try_get("id")?,
        organisation_id: row.try_get("organisation_id")?,
        name: row.try_get("name")?,
        title: row.try_get("title")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        public: public != 0,
    })
}

const CATEGORY_COLS: &str = "key, name, name_en, rank, annual_dues_fen";

fn category_from_row(row: &AnyRow) -> Result<Category> {
    let rank: i64 = row.try_get("rank")?;
    Ok(Category {
        key: row.try_get("key")?,
        name: row.try_get("name")?,
        name_en: row.try_get("name_en")?,
        rank: u16::try_from(rank).unwrap_or(u16::MAX),
        annual_dues_fen: row.try_get("annual_dues_fen")?,
    })
}

pub(crate) const MS_COLS: &str = "m.id, m.organisation_id, m.member_id, m.person_id, \
    m.category, m.joined, m.left_on, m.status";

/// A membership row without its people (see [`with_people`]).
pub(crate) fn membership_from_row(row: &AnyRow) -> Result<Membership> {
    let id: i64 = row.try_get("id")?;
    let member_id: Option<i64> = row.try_get("member_id")?;
    let person_id: Option<i64> = row.try_get("person_id")?;
    let member = match (member_id, person_id) {
        (Some(o), _) => Member::Organisation(o),
        (None, Some(p)) => Member::Person(p),
        (None, None) => {
            return Err(StoreError::Corrupt {
                entity: "membership",
                id: id.to_string(),
                reason: "no member".into(),
            });
        }
    };
    let joined: String = row.try_get("joined")?;
    let left: Option<String> = row.try_get("left_on")?;
    let status: String = row.try_get("status")?;
    Ok(Membership {
        id,
        organisation_id: row.try_get("organisation_id")?,
        member,
        category: row.try_get("category")?,
        joined: date_of("membership", id, &joined)?,
        left: left
            .as_deref()
            .map(|l| date_of("membership", id, l))
            .transpose()?,
        status: status_of("membership", id, &status)?,
        representative: None,
        contacts: Vec::new(),
    })
}

type Tx = Transaction<'static, Any>;

async fn with_people<'e, E>(exec: E, mut m: Membership) -> Result<Membership>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows = sqlx::query(
        "SELECT person_id, role, representative FROM membership_people \
         WHERE membership_id = $1 ORDER BY id",
    )
    .bind(m.id)
    .fetch_all(exec)
    .await?;
    for r in rows {
        let person_id: i64 = r.try_get("person_id")?;
        let rep: i64 = r.try_get("representative")?;
        if rep != 0 {
            m.representative = Some(person_id);
        } else {
            m.contacts.push(ContactPerson {
                person_id,
                role: r.try_get("role")?,
            });
        }
    }
    Ok(m)
}

async fn membership_tx(tx: &mut Tx, id: i64) -> Result<Membership> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MS_COLS} FROM memberships m WHERE m.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::not_found("membership", id))?;
    let m = membership_from_row(&row)?;
    with_people(&mut **tx, m).await
}

async fn org_exists(tx: &mut Tx, id: i64) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(found.is_some())
}

async fn person_tx(tx: &mut Tx, id: i64) -> Result<Option<Person>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PERSON_COLS} FROM people WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(person_from_row).transpose()
}

pub(crate) async fn categories_in<'e, E>(exec: E, org: i64) -> Result<Vec<Category>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CATEGORY_COLS} FROM membership_categories WHERE organisation_id = $1 \
         ORDER BY rank, key"
    )))
    .bind(org)
    .fetch_all(exec)
    .await?;
    rows.iter().map(category_from_row).collect()
}

/// The category text to store: the key of the organisation's category the text names, or the
/// text itself when the organisation defines none.
fn resolve_category(categories: &[Category], text: &str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(StoreError::invalid("category", "required"));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(StoreError::Invalid(Invalid(vec![FieldError::too_long(
            "category", MAX_TEXT,
        )])));
    }
    if categories.is_empty() {
        return Ok(t.to_string());
    }
    Category::find(categories, t)
        .map(|c| c.key.clone())
        .ok_or_else(|| StoreError::invalid("category", "unknown_category"))
}

/// The organisation-to-organisation memberships in force below `root` (the root's members,
/// their members, ...), as the core's nesting rules take them.
pub(crate) async fn unit_edges_below<'e, E>(exec: E, root: i64) -> Result<Vec<Membership>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows = sqlx::query(
        "WITH RECURSIVE below(id) AS ( \
           SELECT CAST($1 AS BIGINT) \
           UNION \
           SELECT m.member_id FROM memberships m JOIN below b ON m.organisation_id = b.id \
           WHERE m.member_id IS NOT NULL AND m.left_on IS NULL \
             AND m.status NOT IN ('withdrawn', 'expelled')) \
         SELECT m.id, m.organisation_id, m.member_id FROM memberships m \
         JOIN below b ON m.organisation_id = b.id \
         WHERE m.member_id IS NOT NULL AND m.left_on IS NULL \
           AND m.status NOT IN ('withdrawn', 'expelled')",
    )
    .bind(root)
    .fetch_all(exec)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Membership {
                id: r.try_get("id")?,
                organisation_id: r.try_get("organisation_id")?,
                member: Member::Organisation(r.try_get("member_id")?),
                category: String::new(),
                joined: Date::MIN,
                left: None,
                status: MemberStatus::Admitted,
                representative: None,
                contacts: Vec::new(),
            })
        })
        .collect()
}

/// Inserts a membership inside a writing transaction: the category resolved against the
/// organisation's, a nesting cycle refused, the first history row citing the decision.
async fn insert_member(
    w: &mut Write,
    actor: Actor,
    organisation_id: i64,
    new: &NewMember,
) -> Result<Membership> {
    StatusHistory::start(new.status, new.joined, new.decision.clone()).map_err(refused)?;
    if !org_exists(&mut w.tx, organisation_id).await? {
        return Err(StoreError::not_found("organisation", organisation_id));
    }
    let categories = categories_in(&mut *w.tx, organisation_id).await?;
    let category = resolve_category(&categories, &new.category)?;
    let (member_id, person_id) = match new.member {
        Member::Organisation(o) => {
            if !org_exists(&mut w.tx, o).await? {
                return Err(StoreError::invalid("member_id", "not_found"));
            }
            let below = unit_edges_below(&mut *w.tx, o).await?;
            if would_nest_cycle(organisation_id, o, &below) {
                return Err(refused(RegistryError::NestingCycle {
                    org: organisation_id,
                }));
            }
            (Some(o), None)
        }
        Member::Person(p) => {
            if person_tx(&mut w.tx, p).await?.is_none() {
                return Err(StoreError::invalid("person_id", "not_found"));
            }
            (None, Some(p))
        }
    };
    let now = crate::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO memberships (organisation_id, member_id, person_id, category, joined, \
         status, created_at, updated_at, initial_decision_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
    )
    .bind(organisation_id)
    .bind(member_id)
    .bind(person_id)
    .bind(&category)
    .bind(format_date(new.joined))
    .bind(new.status.as_str())
    .bind(&now)
    .bind(serde_json::to_string(&new.decision)?)
    .fetch_one(&mut *w.tx)
    .await
    .map_err(|e| db_refusal(e, "member", &format!("{:?}", new.member)))?;
    let m = membership_tx(&mut w.tx, id).await?;
    w.audit(actor, "membership", id, "create", None::<&()>, Some(&m))
        .await?;
    Ok(m)
}

fn history_from_row(row: &AnyRow) -> Result<HistoryEntry> {
    let id: i64 = row.try_get("membership_id")?;
    let from: Option<String> = row.try_get("from_status")?;
    let to: String = row.try_get("to_status")?;
    let on: String = row.try_get("on_date")?;
    let decision: String = row.try_get("decision_json")?;
    Ok(HistoryEntry {
        membership_id: id,
        organisation_id: row.try_get("organisation_id")?,
        change: StatusChange {
            from: from
                .as_deref()
                .map(|f| status_of("membership", id, f))
                .transpose()?,
            to: status_of("membership", id, &to)?,
            on: date_of("membership", id, &on)?,
            decision: serde_json::from_str(&decision)?,
        },
    })
}

async fn own_history<'e, E>(exec: E, membership_id: i64) -> Result<Vec<HistoryEntry>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows = sqlx::query(
        "SELECT h.membership_id, m.organisation_id, h.from_status, h.to_status, h.on_date, \
         h.decision_json FROM membership_status_changes h \
         JOIN memberships m ON m.id = h.membership_id \
         WHERE h.membership_id = $1 ORDER BY h.seq",
    )
    .bind(membership_id)
    .fetch_all(exec)
    .await?;
    rows.iter().map(history_from_row).collect()
}

impl Store {
    // ----- organisations' registry fields -----

    /// An organisation with its registry fields (registration number, public flag).
    pub async fn registry_organisation(&self, id: i64) -> Result<Organisation> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REG_ORG_COLS} FROM organisations o WHERE o.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("organisation", id))?;
        reg_org_from_row(&row)
    }

    /// Sets an organisation's registration number (统一社会信用代码, checked) and whether the
    /// public directory may show it.
    pub async fn set_registry_fields(
        &self,
        actor: Actor,
        id: i64,
        registration_number: Option<&str>,
        public: bool,
    ) -> Result<Organisation> {
        let regno = registration_number
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_ascii_uppercase);
        if regno
            .as_deref()
            .is_some_and(|r| !check_registration_number(r))
        {
            return Err(StoreError::invalid(
                "registration_number",
                "invalid_registration_number",
            ));
        }
        let mut w = self.write().await?;
        let before = reg_org_in(&mut w.tx, id).await?;
        sqlx::query(
            "UPDATE organisations SET registration_number = $1, public = $2, updated_at = $3 \
             WHERE id = $4",
        )
        .bind(&regno)
        .bind(i64::from(public))
        .bind(crate::now())
        .bind(id)
        .execute(&mut *w.tx)
        .await
        .map_err(|e| db_refusal(e, "registration_number", regno.as_deref().unwrap_or("")))?;
        let after = reg_org_in(&mut w.tx, id).await?;
        w.audit(
            actor,
            "organisation",
            id,
            "set_registry_fields",
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    // ----- categories -----

    /// The membership categories an organisation defines, by rank.
    pub async fn list_categories(&self, organisation_id: i64) -> Result<Vec<Category>> {
        categories_in(&self.pool, organisation_id).await
    }

    /// Defines a category or changes the one with the same key (see
    /// [`Store::define_categories`]).
    pub async fn define_category(
        &self,
        actor: Actor,
        organisation_id: i64,
        category: &Category,
    ) -> Result<Category> {
        let mut out = self
            .define_categories(actor, organisation_id, std::slice::from_ref(category))
            .await?;
        out.pop()
            .ok_or_else(|| StoreError::invalid("category", "required"))
    }

    /// Defines categories, or changes those with the same keys, in one transaction. The
    /// organisation's whole list must stay valid (keys and names unique, dues not negative),
    /// and every membership must still name one of its categories.
    pub async fn define_categories(
        &self,
        actor: Actor,
        organisation_id: i64,
        categories: &[Category],
    ) -> Result<Vec<Category>> {
        let mut cleaned = Vec::with_capacity(categories.len());
        for category in categories {
            cleaned.push(clean_category(category)?);
        }
        let mut w = self.write().await?;
        if !org_exists(&mut w.tx, organisation_id).await? {
            return Err(StoreError::not_found("organisation", organisation_id));
        }
        for c in &cleaned {
            upsert_category(&mut w, actor, organisation_id, c).await?;
        }
        // Memberships that already name a category the organisation does not define would no
        // longer pass the category check: define those too, or refuse.
        let stray: Option<String> = sqlx::query_scalar(
            "SELECT m.category FROM memberships m WHERE m.organisation_id = $1 \
             AND NOT EXISTS (SELECT 1 FROM membership_categories c \
               WHERE c.organisation_id = m.organisation_id \
               AND (c.key = m.category OR c.name = m.category)) LIMIT 1",
        )
        .bind(organisation_id)
        .fetch_optional(&mut *w.tx)
        .await?;
        if stray.is_some() {
            return Err(StoreError::invalid(
                "key",
                "memberships_name_undefined_category",
            ));
        }
        w.commit().await?;
        Ok(cleaned)
    }

    /// Removes a category no membership names.
    pub async fn remove_category(
        &self,
        actor: Actor,
        organisation_id: i64,
        key: &str,
    ) -> Result<()> {
        let mut w = self.write().await?;
        let all = categories_in(&mut *w.tx, organisation_id).await?;
        let c = all
            .iter()
            .find(|c| c.key == key)
            .cloned()
            .ok_or_else(|| StoreError::not_found("category", key))?;
        let used: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM memberships WHERE organisation_id = $1 \
             AND (category = $2 OR category = $3)",
        )
        .bind(organisation_id)
        .bind(&c.key)
        .bind(&c.name)
        .fetch_one(&mut *w.tx)
        .await?;
        if used > 0 {
            return Err(StoreError::invalid("key", "category_in_use"));
        }
        sqlx::query("DELETE FROM membership_categories WHERE organisation_id = $1 AND key = $2")
            .bind(organisation_id)
            .bind(key)
            .execute(&mut *w.tx)
            .await?;
        w.audit(
            actor,
            "membership_category",
            format!("{organisation_id}/{key}"),
            "delete",
            Some(&c),
            None::<&()>,
        )
        .await?;
        w.commit().await
    }

    // ----- people -----

    /// Adds a person to an organisation's registry.
    pub async fn create_person(
        &self,
        actor: Actor,
        organisation_id: i64,
        input: &PersonInput,
    ) -> Result<Person> {
        let v = input.validate()?;
        let mut w = self.write().await?;
        if !org_exists(&mut w.tx, organisation_id).await? {
            return Err(StoreError::not_found("organisation", organisation_id));
        }
        let now = crate::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO people (organisation_id, name, title, phone, email, public, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(organisation_id)
        .bind(&v.name)
        .bind(&v.title)
        .bind(&v.phone)
        .bind(&v.email)
        .bind(i64::from(v.public))
        .bind(&now)
        .fetch_one(&mut *w.tx)
        .await?;
        let p = person_tx(&mut w.tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("person", id))?;
        w.audit(actor, "person", id, "create", None::<&()>, Some(&p))
            .await?;
        w.commit().await?;
        Ok(p)
    }

    pub async fn update_person(
        &self,
        actor: Actor,
        id: i64,
        input: &PersonInput,
    ) -> Result<Person> {
        let v = input.validate()?;
        let mut w = self.write().await?;
        let before = person_tx(&mut w.tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("person", id))?;
        sqlx::query(
            "UPDATE people SET name = $1, title = $2, phone = $3, email = $4, public = $5, \
             updated_at = $6 WHERE id = $7",
        )
        .bind(&v.name)
        .bind(&v.title)
        .bind(&v.phone)
        .bind(&v.email)
        .bind(i64::from(v.public))
        .bind(crate::now())
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
        let after = person_tx(&mut w.tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("person", id))?;
        w.audit(actor, "person", id, "update", Some(&before), Some(&after))
            .await?;
        w.commit().await?;
        Ok(after)
    }

    pub async fn get_person(&self, id: i64) -> Result<Person> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PERSON_COLS} FROM people WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("person", id))?;
        person_from_row(&row)
    }

    /// The people an organisation keeps, by name; `q` matches part of the name.
    pub async fn list_people(
        &self,
        organisation_id: i64,
        q: Option<&str>,
        page: Page,
    ) -> Result<Paged<Person>> {
        let (offset, limit) = page.checked()?;
        let pattern = q
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("%{}%", escape_like(&s.to_lowercase())));
        let cond = "organisation_id = $1 AND ($2 IS NULL OR LOWER(name) LIKE $2 ESCAPE '\\')";
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM people WHERE {cond}"
        )))
        .bind(organisation_id)
        .bind(&pattern)
        .fetch_one(&self.pool)
        .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PERSON_COLS} FROM people WHERE {cond} ORDER BY name, id LIMIT $3 OFFSET $4"
        )))
        .bind(organisation_id)
        .bind(&pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(Paged {
            items: rows.iter().map(person_from_row).collect::<Result<_>>()?,
            total: total as u64,
            offset: page.offset,
            limit: page.limit,
        })
    }

    // ----- memberships -----

    /// Adds a member (a unit or a person) to an organisation: the category must be one the
    /// organisation defines (when it defines any), a unit may not end up a member of itself
    /// through nesting, and the first history entry cites the decision.
    pub async fn add_member(
        &self,
        actor: Actor,
        organisation_id: i64,
        new: &NewMember,
    ) -> Result<Membership> {
        let mut w = self.write().await?;
        let m = insert_member(&mut w, actor, organisation_id, new).await?;
        w.commit().await?;
        Ok(m)
    }

    /// A membership with its representative and contacts.
    pub async fn get_member(&self, membership_id: i64) -> Result<Membership> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MS_COLS} FROM memberships m WHERE m.id = $1"
        )))
        .bind(membership_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("membership", membership_id))?;
        with_people(&self.pool, membership_from_row(&row)?).await
    }

    /// Names the person who represents a member unit (replacing the previous one), or nobody.
    pub async fn set_representative(
        &self,
        actor: Actor,
        membership_id: i64,
        person_id: Option<i64>,
    ) -> Result<Membership> {
        let mut w = self.write().await?;
        let before = membership_tx(&mut w.tx, membership_id).await?;
        if !matches!(before.member, Member::Organisation(_)) {
            return Err(StoreError::invalid("membership_id", "not_a_member_unit"));
        }
        if let Some(p) = person_id
            && person_tx(&mut w.tx, p).await?.is_none()
        {
            return Err(StoreError::invalid("person_id", "not_found"));
        }
        sqlx::query(
            "DELETE FROM membership_people WHERE membership_id = $1 AND representative = 1",
        )
        .bind(membership_id)
        .execute(&mut *w.tx)
        .await?;
        if let Some(p) = person_id {
            sqlx::query(
                "INSERT INTO membership_people (membership_id, person_id, role, representative, \
                 created_at) VALUES ($1, $2, 'representative', 1, $3)",
            )
            .bind(membership_id)
            .bind(p)
            .bind(crate::now())
            .execute(&mut *w.tx)
            .await?;
        }
        let after = membership_tx(&mut w.tx, membership_id).await?;
        w.audit(
            actor,
            "membership",
            membership_id,
            "set_representative",
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// Adds a contact person to a member unit, with what they do for it (`联系人`, `财务`).
    pub async fn add_contact(
        &self,
        actor: Actor,
        membership_id: i64,
        person_id: i64,
        role: &str,
    ) -> Result<Membership> {
        let role = role.trim();
        if role.is_empty() {
            return Err(StoreError::invalid("role", "required"));
        }
        if role.chars().count() > 60 || role == "representative" {
            return Err(StoreError::invalid("role", "invalid_role"));
        }
        let mut w = self.write().await?;
        let before = membership_tx(&mut w.tx, membership_id).await?;
        if !matches!(before.member, Member::Organisation(_)) {
            return Err(StoreError::invalid("membership_id", "not_a_member_unit"));
        }
        if person_tx(&mut w.tx, person_id).await?.is_none() {
            return Err(StoreError::invalid("person_id", "not_found"));
        }
        sqlx::query(
            "INSERT INTO membership_people (membership_id, person_id, role, representative, \
             created_at) VALUES ($1, $2, $3, 0, $4)",
        )
        .bind(membership_id)
        .bind(person_id)
        .bind(role)
        .bind(crate::now())
        .execute(&mut *w.tx)
        .await
        .map_err(|e| db_refusal(e, "role", role))?;
        let after = membership_tx(&mut w.tx, membership_id).await?;
        w.audit(
            actor,
            "membership",
            membership_id,
            "add_contact",
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// Removes a contact person from a member unit.
    pub async fn remove_contact(
        &self,
        actor: Actor,
        membership_id: i64,
        person_id: i64,
        role: &str,
    ) -> Result<Membership> {
        let mut w = self.write().await?;
        let before = membership_tx(&mut w.tx, membership_id).await?;
        let done = sqlx::query(
            "DELETE FROM membership_people WHERE membership_id = $1 AND person_id = $2 \
             AND role = $3 AND representative = 0",
        )
        .bind(membership_id)
        .bind(person_id)
        .bind(role.trim())
        .execute(&mut *w.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("contact", person_id));
        }
        let after = membership_tx(&mut w.tx, membership_id).await?;
        w.audit(
            actor,
            "membership",
            membership_id,
            "remove_contact",
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// Changes a membership's status on a date, by a decision: the change must be one the
    /// core's state machine allows and not dated before the previous one. The change is a new
    /// history row; ending a membership (withdrawn, expelled) also sets its end date.
    pub async fn change_member_status(
        &self,
        actor: Actor,
        membership_id: i64,
        to: MemberStatus,
        on: Date,
        decision: Decision,
    ) -> Result<Membership> {
        let mut w = self.write().await?;
        let before = membership_tx(&mut w.tx, membership_id).await?;
        let stored = own_history(&mut *w.tx, membership_id).await?;
        let mut history =
            StatusHistory::from_changes(stored.iter().map(|h| h.change.clone()).collect())
                .map_err(refused)?;
        if history.current() != before.status {
            return Err(StoreError::Corrupt {
                entity: "membership",
                id: membership_id.to_string(),
                reason: "status differs from its history".into(),
            });
        }
        let change = history.change(to, on, decision).map_err(refused)?.clone();
        let now = crate::now();
        sqlx::query(
            "INSERT INTO membership_status_changes (membership_id, seq, from_status, to_status, \
             on_date, decision_json, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(membership_id)
        .bind(stored.len() as i64 + 1)
        .bind(change.from.map(MemberStatus::as_str))
        .bind(change.to.as_str())
        .bind(format_date(change.on))
        .bind(serde_json::to_string(&change.decision)?)
        .bind(&now)
        .execute(&mut *w.tx)
        .await?;
        let left = to.is_ended().then(|| format_date(on));
        sqlx::query(
            "UPDATE memberships SET status = $1, left_on = COALESCE($2, left_on), updated_at = $3 \
             WHERE id = $4",
        )
        .bind(to.as_str())
        .bind(left)
        .bind(&now)
        .bind(membership_id)
        .execute(&mut *w.tx)
        .await?;
        let after = membership_tx(&mut w.tx, membership_id).await?;
        w.audit(
            actor,
            "membership",
            membership_id,
            "change_status",
            Some(&before),
            Some(&serde_json::json!({ "membership": after, "change": change })),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// A membership's status history, oldest first; a membership carried over by a succession
    /// shows the history of the one it continues first.
    pub async fn member_history(&self, membership_id: i64) -> Result<Vec<HistoryEntry>> {
        let mut chain = vec![membership_id];
        let mut at = membership_id;
        loop {
            let prev: Option<Option<i64>> =
                sqlx::query_scalar("SELECT continues_membership_id FROM memberships WHERE id = $1")
                    .bind(at)
                    .fetch_optional(&self.pool)
                    .await?;
            match prev {
                None if at == membership_id => {
                    return Err(StoreError::not_found("membership", membership_id));
                }
                Some(Some(p)) if !chain.contains(&p) => {
                    chain.push(p);
                    at = p;
                }
                _ => break,
            }
        }
        let mut out = Vec::new();
        for id in chain.into_iter().rev() {
            out.extend(own_history(&self.pool, id).await?);
        }
        Ok(out)
    }

    /// Every organisation below `organisation_id` through member units that are associations
    /// with members of their own, with its depth (1 = a direct member).
    pub async fn nested_members(&self, organisation_id: i64) -> Result<Vec<(i64, u32)>> {
        let edges = unit_edges_below(&self.pool, organisation_id).await?;
        federa_core::registry::model::nested_members(organisation_id, &edges).map_err(refused)
    }
}

fn clean_category(category: &Category) -> Result<Category> {
    let c = Category {
        key: category.key.trim().to_string(),
        name: category.name.trim().to_string(),
        name_en: category
            .name_en
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        ..category.clone()
    };
    let mut errors = Vec::new();
    if c.key.is_empty() {
        errors.push(FieldError::new("key", "required"));
    } else if c.key.chars().count() > 40 {
        errors.push(FieldError::too_long("key", 40));
    }
    if c.name.is_empty() {
        errors.push(FieldError::new("name", "required"));
    } else if c.name.chars().count() > 60 {
        errors.push(FieldError::too_long("name", 60));
    }
    if c.name_en.as_ref().is_some_and(|n| n.chars().count() > 60) {
        errors.push(FieldError::too_long("name_en", 60));
    }
    if c.annual_dues_fen < 0 {
        errors.push(FieldError::new("annual_dues_fen", "negative"));
    }
    if errors.is_empty() {
        Ok(c)
    } else {
        Err(StoreError::Invalid(Invalid(errors)))
    }
}

async fn upsert_category(
    w: &mut Write,
    actor: Actor,
    organisation_id: i64,
    c: &Category,
) -> Result<()> {
    let mut all = categories_in(&mut *w.tx, organisation_id).await?;
    let before = all.iter().find(|x| x.key == c.key).cloned();
    all.retain(|x| x.key != c.key);
    if all.iter().any(|x| x.name == c.name) {
        return Err(StoreError::Conflict {
            entity: "category",
            field: "name",
            value: c.name.clone(),
        });
    }
    all.push(c.clone());
    Category::validate_all(&all).map_err(refused)?;
    let now = crate::now();
    if let Some(old) = &before {
        // Memberships that name the category by its old name keep naming it, by its key.
        sqlx::query(
            "UPDATE memberships SET category = $1 WHERE organisation_id = $2 AND category = $3",
        )
        .bind(&c.key)
        .bind(organisation_id)
        .bind(&old.name)
        .execute(&mut *w.tx)
        .await?;
        sqlx::query(
            "UPDATE membership_categories SET name = $1, name_en = $2, rank = $3, \
             annual_dues_fen = $4, updated_at = $5 WHERE organisation_id = $6 AND key = $7",
        )
        .bind(&c.name)
        .bind(&c.name_en)
        .bind(i64::from(c.rank))
        .bind(c.annual_dues_fen)
        .bind(&now)
        .bind(organisation_id)
        .bind(&c.key)
        .execute(&mut *w.tx)
        .await?;
    } else {
        insert_category(&mut w.tx, organisation_id, c, &now)
            .await
            .map_err(|e| db_refusal(e, "key", &c.key))?;
    }
    w.audit(
        actor,
        "membership_category",
        format!("{organisation_id}/{}", c.key),
        if before.is_some() { "update" } else { "create" },
        before.as_ref(),
        Some(c),
    )
    .await
}

/// Adds one category to an organisation's.
pub(crate) async fn insert_category(
    tx: &mut Tx,
    organisation_id: i64,
    c: &Category,
    now: &str,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO membership_categories (organisation_id, key, name, name_en, rank, \
         annual_dues_fen, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(organisation_id)
    .bind(&c.key)
    .bind(&c.name)
    .bind(&c.name_en)
    .bind(i64::from(c.rank))
    .bind(c.annual_dues_fen)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn reg_org_in(tx: &mut Tx, id: i64) -> Result<Organisation> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REG_ORG_COLS} FROM organisations o WHERE o.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::not_found("organisation", id))?;
    reg_org_from_row(&row)
}

/// Escapes `%`, `_` and `\` for `LIKE ... ESCAPE '\'`.
pub(crate) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
