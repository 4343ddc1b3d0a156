//! Succession: an organisation takes over its predecessor's members, people, categories, dues
//! and history (an association becoming a federation), in one transaction.

use std::collections::BTreeMap;

use federa_core::org::format_date;
use federa_core::registry::{Decision, Member, Succession, SuccessionPlan};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use time::Date;

use super::{
    MS_COLS, categories_in, db_refusal, insert_category, membership_from_row, org_exists, refused,
    with_people,
};
use crate::{Actor, Result, Store, StoreError};

/// What a succession did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuccessionOutcome {
    pub id: i64,
    pub predecessor_id: i64,
    pub successor_id: i64,
    #[serde(with = "federa_core::registry::dates")]
    pub on: Date,
    pub plan: SuccessionPlan,
    /// Predecessor membership id → the successor's membership that continues it.
    pub carried: BTreeMap<i64, i64>,
    /// People whose keeping organisation moved to the successor.
    pub people_moved: u64,
    /// Dues years re-attached to the continuing memberships.
    pub dues_moved: u64,
    /// Documents (the charter and others, with every version) now kept by the successor.
    pub documents_moved: u64,
}

impl Store {
    /// `successor` succeeds `predecessor` on `on`: the predecessor's current members become the
    /// successor's (same category, joining date, status, representative and contacts; their
    /// history continues, see [`Store::member_history`]), its people and categories move over,
    /// dues follow the memberships, the predecessor's memberships end on `on` and it is marked
    /// succeeded; its documents (with every version) move too. Recorded as a secretariat decision; see
    /// [`Store::succeed_organisation_with`] to cite a motion or map categories.
    pub async fn succeed_organisation(
        &self,
        predecessor: i64,
        successor: i64,
        on: Date,
        actor: Actor,
    ) -> Result<SuccessionOutcome> {
        self.succeed_organisation_with(
            actor,
            &Succession {
                predecessor_id: predecessor,
                successor_id: successor,
                on,
                decision: Decision::Secretariat {
                    reference: "succession".into(),
                },
                category_map: BTreeMap::new(),
            },
        )
        .await
    }

    /// The succession as the core describes it (decision, category map).
    pub async fn succeed_organisation_with(
        &self,
        actor: Actor,
        s: &Succession,
    ) -> Result<SuccessionOutcome> {
        let (pred, succ) = (s.predecessor_id, s.successor_id);
        let mut w = self.write().await?;
        if !org_exists(&mut w.tx, pred).await? {
            return Err(StoreError::invalid("predecessor_id", "not_found"));
        }
        if !org_exists(&mut w.tx, succ).await? {
            return Err(StoreError::invalid("successor_id", "not_found"));
        }
        let already: Option<i64> =
            sqlx::query_scalar("SELECT id FROM successions WHERE predecessor_id = $1")
                .bind(pred)
                .fetch_optional(&mut *w.tx)
                .await?;
        if already.is_some() {
            return Err(StoreError::invalid("predecessor_id", "already_succeeded"));
        }
        // The successor takes over the predecessor's categories it does not define yet.
        let pred_categories = categories_in(&mut *w.tx, pred).await?;
        let succ_categories = categories_in(&mut *w.tx, succ).await?;
        let now = crate::now();
        for c in &pred_categories {
            if succ_categories
                .iter()
                .any(|x| x.key == c.key || x.name == c.name)
            {
                continue;
            }
            insert_category(&mut w.tx, succ, c, &now).await?;
        }
        let succ_categories = categories_in(&mut *w.tx, succ).await?;

        let load = |org: i64| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {MS_COLS} FROM memberships m WHERE m.organisation_id = $1 ORDER BY m.id"
            )))
            .bind(org)
        };
        let mut pred_ms = Vec::new();
        for r in load(pred).fetch_all(&mut *w.tx).await? {
            pred_ms.push(with_people(&mut *w.tx, membership_from_row(&r)?).await?);
        }
        // An ended membership whose row has not been closed yet counts as current for the
        // plan only by its status, which the core reads.
        let succ_ms = load(succ)
            .fetch_all(&mut *w.tx)
            .await?
            .iter()
            .map(membership_from_row)
            .collect::<Result<Vec<_>>>()?;
        // When no categories are defined on either side, the carried text is kept as is.
        let plan = if succ_categories.is_empty() {
            let mut with_text = succ_categories.clone();
            for m in &pred_ms {
                let key = s.category_map.get(&m.category).unwrap_or(&m.category);
                if !with_text.iter().any(|c| &c.key == key) {
                    with_text.push(federa_core::registry::Category {
                        key: key.clone(),
                        name: key.clone(),
                        name_en: None,
                        rank: 0,
                        annual_dues_fen: 0,
                    });
                }
            }
            s.plan(&pred_ms, &succ_ms, &with_text)
        } else {
            s.plan(&pred_ms, &succ_ms, &succ_categories)
        }
        .map_err(refused)?;

        let decision = serde_json::to_string(&Decision::Succession {
            predecessor_id: pred,
        })?;
        let mut carried = BTreeMap::new();
        for c in &plan.carried {
            let (member_id, person_id) = match c.member {
                Member::Organisation(o) => (Some(o), None),
                Member::Person(p) => (None, Some(p)),
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO memberships (organisation_id, member_id, person_id, category, \
                 joined, status, created_at, updated_at, continues_membership_id, \
                 initial_decision_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9) \
                 RETURNING id",
            )
            .bind(succ)
            .bind(member_id)
            .bind(person_id)
            .bind(&c.category)
            .bind(format_date(c.joined))
            .bind(c.status.as_str())
            .bind(&now)
            .bind(c.from_membership)
            .bind(&decision)
            .fetch_one(&mut *w.tx)
            .await
            .map_err(|e| db_refusal(e, "member", &c.from_membership.to_string()))?;
            if let Some(r) = c.representative {
                sqlx::query(
                    "INSERT INTO membership_people (membership_id, person_id, role, \
                     representative, created_at) VALUES ($1, $2, 'representative', 1, $3)",
                )
                .bind(id)
                .bind(r)
                .bind(&now)
                .execute(&mut *w.tx)
                .await?;
            }
            for p in &c.contacts {
                sqlx::query(
                    "INSERT INTO membership_people (membership_id, person_id, role, \
                     representative, created_at) VALUES ($1, $2, $3, 0, $4)",
                )
                .bind(id)
                .bind(p.person_id)
                .bind(&p.role)
                .bind(&now)
                .execute(&mut *w.tx)
                .await?;
            }
            carried.insert(c.from_membership, id);
        }
        let mut dues_moved = 0;
        for (from, to) in &carried {
            dues_moved +=
                sqlx::query("UPDATE dues_years SET membership_id = $1 WHERE membership_id = $2")
                    .bind(to)
                    .bind(from)
                    .execute(&mut *w.tx)
                    .await?
                    .rows_affected();
        }
        // The predecessor's memberships end on the succession date; their status stays, as
        // they continue in the successor.
        for id in &plan.closed {
            sqlx::query(
                "UPDATE memberships SET left_on = $1, end_reason = 'succeeded', updated_at = $2 \
                 WHERE id = $3 AND left_on IS NULL",
            )
            .bind(format_date(s.on))
            .bind(&now)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        }
        let people_moved = sqlx::query(
            "UPDATE people SET organisation_id = $1, updated_at = $2 WHERE organisation_id = $3",
        )
        .bind(succ)
        .bind(&now)
        .bind(pred)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        let documents_moved =
            sqlx::query("UPDATE gov_documents SET organisation_id = $1 WHERE organisation_id = $2")
                .bind(succ)
                .bind(pred)
                .execute(&mut *w.tx)
                .await?
                .rows_affected();
        sqlx::query("UPDATE organisations SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(plan.predecessor_status.as_str())
            .bind(&now)
            .bind(pred)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query("UPDATE organisations SET predecessor_id = $1, updated_at = $2 WHERE id = $3")
            .bind(pred)
            .bind(&now)
            .bind(succ)
            .execute(&mut *w.tx)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO successions (predecessor_id, successor_id, on_date, decision_json, \
             plan_json, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(pred)
        .bind(succ)
        .bind(format_date(s.on))
        .bind(serde_json::to_string(&s.decision)?)
        .bind(serde_json::to_string(&plan)?)
        .bind(&now)
        .fetch_one(&mut *w.tx)
        .await?;
        let outcome = SuccessionOutcome {
            id,
            predecessor_id: pred,
            successor_id: succ,
            on: s.on,
            plan,
            carried,
            people_moved,
            dues_moved,
            documents_moved,
        };
        w.audit(
            actor,
            "succession",
            id,
            "create",
            None::<&()>,
            Some(&outcome),
        )
        .await?;
        w.commit().await?;
        Ok(outcome)
    }

    /// The succession that ended an organisation, if any.
    pub async fn succession_of(&self, predecessor: i64) -> Result<Option<(i64, i64, Date)>> {
        let row = sqlx::query(
            "SELECT id, successor_id, on_date FROM successions WHERE predecessor_id = $1",
        )
        .bind(predecessor)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => {
                let id: i64 = r.try_get("id")?;
                let on: String = r.try_get("on_date")?;
                Ok(Some((
                    id,
                    r.try_get("successor_id")?,
                    super::date_of("succession", id, &on)?,
                )))
            }
        }
    }
}
