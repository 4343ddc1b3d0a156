//! Activities (study sessions, trainings, forums): invitations of member units, registration,
//! attendance, and each unit's participation over a year.

use federa_core::org::{MAX_TEXT, format_date};
use federa_core::registry::activity::{Activity, ActivityKind, Attendance, Invitation};
use federa_core::registry::stats::{self, Participation};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::Date;

use super::{date_field, is_current_member, opt_date_field, rule, stored_date};
use crate::{Actor, Result, Store, StoreError};

/// A new activity as a user gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    /// study_session, training, forum, other
    pub kind: String,
    pub title: String,
    /// `YYYY-MM-DD`
    pub starts: String,
    /// `YYYY-MM-DD`; the start day when absent.
    #[serde(default)]
    pub ends: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    /// `YYYY-MM-DD`, last day to register.
    #[serde(default)]
    pub registration_deadline: Option<String>,
    #[serde(default)]
    pub capacity: Option<u32>,
}

/// Attendance as a user records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttendanceInput {
    pub unit: i64,
    /// attended, excused, absent, not_recorded
    pub state: String,
    /// People who came, for `attended`.
    #[serde(default)]
    pub people: Option<u32>,
}

impl AttendanceInput {
    pub fn attendance(&self) -> Result<Attendance> {
        Ok(match self.state.trim() {
            "attended" => Attendance::Attended {
                people: self
                    .people
                    .filter(|p| *p > 0)
                    .ok_or_else(|| StoreError::invalid("people", "not_positive"))?,
            },
            "excused" => Attendance::Excused,
            "absent" => Attendance::Absent,
            "not_recorded" => Attendance::NotRecorded,
            _ => return Err(StoreError::invalid("state", "unknown_value")),
        })
    }
}

pub(crate) fn kind_str(k: ActivityKind) -> &'static str {
    match k {
        ActivityKind::StudySession => "study_session",
        ActivityKind::Training => "training",
        ActivityKind::Forum => "forum",
        ActivityKind::Other => "other",
    }
}

fn parse_kind(s: &str) -> Option<ActivityKind> {
    [
        ActivityKind::StudySession,
        ActivityKind::Training,
        ActivityKind::Forum,
        ActivityKind::Other,
    ]
    .into_iter()
    .find(|k| kind_str(*k) == s)
}

fn attendance_str(a: Attendance) -> (&'static str, i64) {
    match a {
        Attendance::NotRecorded => ("not_recorded", 0),
        Attendance::Attended { people } => ("attended", i64::from(people)),
        Attendance::Excused => ("excused", 0),
        Attendance::Absent => ("absent", 0),
    }
}

impl ActivityInput {
    fn validate(&self, organisation_id: i64) -> Result<Activity> {
        let kind = parse_kind(self.kind.trim())
            .ok_or_else(|| StoreError::invalid("kind", "unknown_value"))?;
        let starts = date_field("starts", &self.starts)?;
        let ends = opt_date_field("ends", self.ends.as_deref())?.unwrap_or(starts);
        let mut a =
            Activity::new(0, organisation_id, kind, &self.title, starts, ends).map_err(rule)?;
        a.place = self
            .place
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        if a.place
            .as_ref()
            .is_some_and(|p| p.chars().count() > MAX_TEXT)
        {
            return Err(StoreError::invalid("place", "too_long"));
        }
        a.registration_deadline = opt_date_field(
            "registration_deadline",
            self.registration_deadline.as_deref(),
        )?;
        if a.registration_deadline.is_some_and(|d| d > a.ends) {
            return Err(StoreError::invalid("registration_deadline", "after_ends"));
        }
        a.capacity = self.capacity;
        if a.capacity == Some(0) {
            return Err(StoreError::invalid("capacity", "not_positive"));
        }
        Ok(a)
    }
}

const ACTIVITY_COLS: &str = "id, organisation_id, kind, title, starts, ends, place, \
    registration_deadline, capacity";

fn activity_from_row(row: &AnyRow) -> Result<Activity> {
    let id: i64 = row.try_get("id")?;
    let kind: String = row.try_get("kind")?;
    let starts: String = row.try_get("starts")?;
    let ends: String = row.try_get("ends")?;
    let deadline: Option<String> = row.try_get("registration_deadline")?;
    let capacity: Option<i64> = row.try_get("capacity")?;
    Ok(Activity {
        id,
        organisation_id: row.try_get("organisation_id")?,
        kind: parse_kind(&kind).ok_or_else(|| StoreError::Corrupt {
            entity: "activity",
            id: id.to_string(),
            reason: format!("unknown kind {kind:?}"),
        })?,
        title: row.try_get("title")?,
        starts: stored_date("activity", id, &starts)?,
        ends: stored_date("activity", id, &ends)?,
        place: row.try_get("place")?,
        registration_deadline: deadline
            .as_deref()
            .map(|d| stored_date("activity", id, d))
            .transpose()?,
        capacity: capacity.map(|c| c as u32),
        invitations: Vec::new(),
    })
}

fn invitation_from_row(row: &AnyRow) -> Result<Invitation> {
    let unit: i64 = row.try_get("unit_id")?;
    let reg: Option<String> = row.try_get("registered_on")?;
    let people: i64 = row.try_get("registered_people")?;
    let att: String = row.try_get("attendance")?;
    let attended: i64 = row.try_get("attended_people")?;
    Ok(Invitation {
        unit,
        registered_on: reg
            .as_deref()
            .map(|d| stored_date("invitation", unit, d))
            .transpose()?,
        registered_people: people as u32,
        attendance: match att.as_str() {
            "attended" => Attendance::Attended {
                people: attended as u32,
            },
            "excused" => Attendance::Excused,
            "absent" => Attendance::Absent,
            _ => Attendance::NotRecorded,
        },
    })
}

async fn load(conn: &mut sqlx::AnyConnection, id: i64) -> Result<Option<Activity>> {
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ACTIVITY_COLS} FROM activities WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let mut a = activity_from_row(&row)?;
    let rows = sqlx::query(
        "SELECT unit_id, registered_on, registered_people, attendance, attended_people \
         FROM activity_invitations WHERE activity_id = $1 ORDER BY unit_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    a.invitations = rows
        .iter()
        .map(invitation_from_row)
        .collect::<Result<_>>()?;
    Ok(Some(a))
}

async fn load_tx(tx: &mut Transaction<'static, Any>, id: i64) -> Result<Activity> {
    load(tx, id)
        .await?
        .ok_or_else(|| StoreError::not_found("activity", id))
}

/// Writes an invitation's registration and attendance back.
async fn save_invitation(
    tx: &mut Transaction<'static, Any>,
    activity: i64,
    i: &Invitation,
) -> Result<()> {
    let (att, people) = attendance_str(i.attendance);
    sqlx::query(
        "UPDATE activity_invitations SET registered_on = $1, registered_people = $2, \
         attendance = $3, attended_people = $4 WHERE activity_id = $5 AND unit_id = $6",
    )
    .bind(i.registered_on.map(format_date))
    .bind(i64::from(i.registered_people))
    .bind(att)
    .bind(people)
    .bind(activity)
    .bind(i.unit)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Creates an activity of an organisation, without invitations.
    pub async fn create_activity(
        &self,
        actor: Actor,
        organisation_id: i64,
        input: &ActivityInput,
    ) -> Result<Activity> {
        let a = input.validate(organisation_id)?;
        let mut w = self.write().await?;
        if !super::org_exists(&mut w.tx, organisation_id).await? {
            return Err(StoreError::not_found("organisation", organisation_id));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO activities (organisation_id, kind, title, starts, ends, place, \
             registration_deadline, capacity, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(organisation_id)
        .bind(kind_str(a.kind))
        .bind(&a.title)
        .bind(format_date(a.starts))
        .bind(format_date(a.ends))
        .bind(&a.place)
        .bind(a.registration_deadline.map(format_date))
        .bind(a.capacity.map(i64::from))
        .bind(crate::now())
        .fetch_one(&mut *w.tx)
        .await?;
        let a = load_tx(&mut w.tx, id).await?;
        w.audit(actor, "activity", id, "create", None::<&()>, Some(&a))
            .await?;
        w.commit().await?;
        Ok(a)
    }

    pub async fn get_activity(&self, id: i64) -> Result<Activity> {
        let mut c = self.pool.acquire().await?;
        load(&mut c, id)
            .await?
            .ok_or_else(|| StoreError::not_found("activity", id))
    }

    /// An organisation's activities, latest first; only those starting in `year` when given.
    pub async fn list_activities(
        &self,
        organisation_id: i64,
        year: Option<i32>,
    ) -> Result<Vec<Activity>> {
        let (from, to) = match year {
            Some(y) => (format!("{y:04}-01-01"), format!("{y:04}-12-31")),
            None => ("0000-01-01".to_string(), "9999-12-31".to_string()),
        };
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM activities WHERE organisation_id = $1 AND starts >= $2 \
             AND starts <= $3 ORDER BY starts DESC, id DESC",
        )
        .bind(organisation_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.get_activity(id).await?);
        }
        Ok(out)
    }

    /// Invites member units (current members of the activity's organisation); units already
    /// invited stay as they are.
    pub async fn invite_units(
        &self,
        actor: Actor,
        activity_id: i64,
        units: &[i64],
    ) -> Result<Activity> {
        if units.is_empty() {
            return Err(StoreError::invalid("units", "required"));
        }
        let mut w = self.write().await?;
        let before = load_tx(&mut w.tx, activity_id).await?;
        for &u in units {
            if !is_current_member(&mut w.tx, before.organisation_id, u).await? {
                return Err(StoreError::invalid("units", "not_a_member"));
            }
        }
        let mut after = before.clone();
        if after.invite(units.iter().copied()) == 0 {
            return Err(StoreError::invalid("units", "already_invited"));
        }
        for i in after.invitations.iter().skip(before.invitations.len()) {
            sqlx::query("INSERT INTO activity_invitations (activity_id, unit_id) VALUES ($1, $2)")
                .bind(activity_id)
                .bind(i.unit)
                .execute(&mut *w.tx)
                .await?;
        }
        let after = load_tx(&mut w.tx, activity_id).await?;
        w.audit(
            actor,
            "activity",
            activity_id,
            "invite",
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// Registers an invited unit with a number of people, on `today`.
    pub async fn register_for_activity(
        &self,
        actor: Actor,
        activity_id: i64,
        unit: i64,
        people: u32,
        today: Date,
    ) -> Result<Activity> {
        let mut w = self.write().await?;
        let before = load_tx(&mut w.tx, activity_id).await?;
        let mut after = before.clone();
        after.register(unit, people, today).map_err(rule)?;
        if let Some(i) = after.invitations.iter().find(|i| i.unit == unit) {
            save_invitation(&mut w.tx, activity_id, i).await?;
        }
        w.audit(
            actor,
            "activity",
            activity_id,
            "register",
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// Records each listed unit's attendance, all or nothing.
    pub async fn record_attendance(
        &self,
        actor: Actor,
        activity_id: i64,
        entries: &[AttendanceInput],
        today: Date,
    ) -> Result<Activity> {
        if entries.is_empty() {
            return Err(StoreError::invalid("attendance", "required"));
        }
        let mut w = self.write().await?;
        let before = load_tx(&mut w.tx, activity_id).await?;
        let mut after = before.clone();
        for e in entries {
            after
                .record_attendance(e.unit, e.attendance()?, today)
                .map_err(rule)?;
        }
        for i in after
            .invitations
            .iter()
            .filter(|i| entries.iter().any(|e| e.unit == i.unit))
        {
            save_invitation(&mut w.tx, activity_id, i).await?;
        }
        w.audit(
            actor,
            "activity",
            activity_id,
            "attendance",
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// Each invited unit's participation in the organisation's activities starting in `year`.
    pub async fn participation(
        &self,
        organisation_id: i64,
        year: i32,
    ) -> Result<Vec<Participation>> {
        let acts = self.list_activities(organisation_id, Some(year)).await?;
        Ok(stats::participation(&acts, year))
    }

    /// The activities a unit was invited to, latest first.
    pub async fn activities_of_unit(&self, unit: i64) -> Result<Vec<Activity>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT a.id FROM activities a JOIN activity_invitations i ON i.activity_id = a.id \
             WHERE i.unit_id = $1 ORDER BY a.starts DESC, a.id DESC",
        )
        .bind(unit)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.get_activity(id).await?);
        }
        Ok(out)
    }
}
