//! Statistics: member units counted by district, sector, category and joining year, and the
//! published indicators an organisation records (figure, unit, date, source).

use federa_core::org::{MAX_TEXT, format_date};
use federa_core::registry::stats::{self, Count, Dimension, Indicator};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::Date;

use super::{date_field, member_pair, rule, stored_date};
use crate::{Actor, Result, Store, StoreError};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IndicatorInput {
    pub name: String,
    /// A decimal number as published, e.g. `11.08`.
    pub figure: String,
    /// `%`, `亿人`, ...
    pub unit: String,
    /// `YYYY-MM-DD`, the day the figure refers to.
    pub as_of: String,
    pub source: String,
    #[serde(default)]
    pub source_url: Option<String>,
}

/// A member unit in force, for listing beside a count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberRow {
    pub unit: i64,
    pub name: String,
}

fn indicator_from_row(r: &AnyRow) -> Result<Indicator> {
    let id: i64 = r.try_get("id")?;
    let as_of: String = r.try_get("as_of")?;
    Ok(Indicator {
        id,
        name: r.try_get("name")?,
        figure: r.try_get("figure")?,
        unit: r.try_get("unit")?,
        as_of: stored_date("indicator", id, &as_of)?,
        source: r.try_get("source")?,
        source_url: r.try_get("source_url")?,
    })
}

impl Store {
    /// The organisation's member units in force on `on`, counted by a dimension.
    pub async fn members_by(
        &self,
        organisation_id: i64,
        dim: Dimension,
        on: Date,
    ) -> Result<Vec<Count>> {
        let rows = sqlx::query(super::MEMBER_PAIR_SQL)
            .bind(organisation_id)
            .fetch_all(&self.pool)
            .await?;
        let pairs = rows.iter().map(member_pair).collect::<Result<Vec<_>>>()?;
        Ok(stats::members_by(&pairs, dim, on))
    }

    /// Records a published figure, checked against `today`.
    pub async fn create_indicator(
        &self,
        actor: Actor,
        organisation_id: i64,
        input: &IndicatorInput,
        today: Date,
    ) -> Result<Indicator> {
        let ind = Indicator {
            id: 0,
            name: input.name.trim().to_string(),
            figure: input.figure.trim().to_string(),
            unit: input.unit.trim().to_string(),
            as_of: date_field("as_of", &input.as_of)?,
            source: input.source.trim().to_string(),
            source_url: input
                .source_url
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_string),
        };
        ind.validate(today).map_err(rule)?;
        if let Some(u) = &ind.source_url
            && (u.chars().count() > MAX_TEXT
                || !(u.starts_with("https://") || u.starts_with("http://")))
        {
            return Err(StoreError::invalid("source_url", "invalid_url"));
        }
        let mut w = self.write().await?;
        if !super::org_exists(&mut w.tx, organisation_id).await? {
            return Err(StoreError::not_found("organisation", organisation_id));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO indicators (organisation_id, name, figure, unit, as_of, source, \
             source_url, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(organisation_id)
        .bind(&ind.name)
        .bind(&ind.figure)
        .bind(&ind.unit)
        .bind(format_date(ind.as_of))
        .bind(&ind.source)
        .bind(&ind.source_url)
        .bind(crate::now())
        .fetch_one(&mut *w.tx)
        .await?;
        let ind = Indicator { id, ..ind };
        w.audit(actor, "indicator", id, "create", None::<&()>, Some(&ind))
            .await?;
        w.commit().await?;
        Ok(ind)
    }

    /// An organisation's published indicators, latest first.
    pub async fn list_indicators(&self, organisation_id: i64) -> Result<Vec<Indicator>> {
        let rows = sqlx::query(
            "SELECT id, name, figure, unit, as_of, source, source_url FROM indicators \
             WHERE organisation_id = $1 ORDER BY as_of DESC, id DESC",
        )
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(indicator_from_row).collect()
    }

    /// Removes a published indicator (recorded in the audit log with its value).
    pub async fn delete_indicator(
        &self,
        actor: Actor,
        organisation_id: i64,
        id: i64,
    ) -> Result<()> {
        let mut w = self.write().await?;
        let row = sqlx::query(
            "SELECT id, name, figure, unit, as_of, source, source_url FROM indicators \
             WHERE id = $1 AND organisation_id = $2",
        )
        .bind(id)
        .bind(organisation_id)
        .fetch_optional(&mut *w.tx)
        .await?
        .ok_or_else(|| StoreError::not_found("indicator", id))?;
        let before = indicator_from_row(&row)?;
        sqlx::query("DELETE FROM indicators WHERE id = $1")
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        w.audit(actor, "indicator", id, "delete", Some(&before), None::<&()>)
            .await?;
        w.commit().await?;
        Ok(())
    }
}
