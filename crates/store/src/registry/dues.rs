//! Dues per membership and year, and the payments towards them, in fen.

use std::collections::HashMap;

use federa_core::org::format_date;
use federa_core::registry::dues::{self, DuesYear, DuesYearSummary, Payment};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::Date;

use super::{MS_COLS, Tx, categories_in, date_of, membership_from_row, membership_tx, refused};
use crate::{Actor, Result, Store, StoreError};

/// One membership's dues for one year, with the member's name and category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuesLine {
    pub member_name: String,
    pub category: String,
    #[serde(flatten)]
    pub dues: DuesYear,
    pub paid_fen: i64,
    pub outstanding_fen: i64,
}

/// An organisation's dues: the lines asked for, the summary per year, and what was collected
/// per calendar year of payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuesReport {
    pub lines: Vec<DuesLine>,
    pub summary: Vec<DuesYearSummary>,
    pub collected_by_year: Vec<(i32, i64)>,
}

fn payment_row(r: &AnyRow) -> Result<Payment> {
    let id: i64 = r.try_get("id")?;
    let on: String = r.try_get("on_date")?;
    Ok(Payment {
        on: date_of("dues_payment", id, &on)?,
        amount_fen: r.try_get("amount_fen")?,
        reference: r.try_get("reference")?,
    })
}

async fn payments_of(
    exec: &sqlx::AnyPool,
    dues_year_ids: &[i64],
) -> Result<HashMap<i64, Vec<Payment>>> {
    let mut out: HashMap<i64, Vec<Payment>> = HashMap::new();
    for chunk in dues_year_ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, dues_year_id, on_date, amount_fen, reference FROM dues_payments \
             WHERE dues_year_id IN ({}) ORDER BY on_date, id",
            marks.join(", ")
        )));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(exec).await? {
            out.entry(r.try_get("dues_year_id")?)
                .or_default()
                .push(payment_row(&r)?);
        }
    }
    Ok(out)
}

fn year_row(r: &AnyRow) -> Result<(i64, DuesYear)> {
    let year: i64 = r.try_get("year")?;
    Ok((
        r.try_get("id")?,
        DuesYear {
            membership_id: r.try_get("membership_id")?,
            year: i32::try_from(year).unwrap_or(0),
            due_fen: r.try_get("due_fen")?,
            payments: Vec::new(),
        },
    ))
}

async fn dues_year_tx(
    tx: &mut Tx,
    membership_id: i64,
    year: i32,
) -> Result<Option<(i64, DuesYear)>> {
    let row = sqlx::query(
        "SELECT id, membership_id, year, due_fen FROM dues_years \
         WHERE membership_id = $1 AND year = $2",
    )
    .bind(membership_id)
    .bind(i64::from(year))
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let (id, mut d) = year_row(&row)?;
    d.payments = sqlx::query(
        "SELECT id, on_date, amount_fen, reference FROM dues_payments WHERE dues_year_id = $1 \
         ORDER BY on_date, id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(payment_row)
    .collect::<Result<_>>()?;
    Ok(Some((id, d)))
}

impl Store {
    /// Sets what a membership owes for a year (creating the year, or changing the amount).
    pub async fn set_dues(
        &self,
        actor: Actor,
        membership_id: i64,
        year: i32,
        due_fen: i64,
    ) -> Result<DuesYear> {
        let fresh = DuesYear::new(membership_id, year, due_fen).map_err(refused)?;
        if !(1900..=9999).contains(&year) {
            return Err(StoreError::invalid("year", "out_of_range"));
        }
        let mut w = self.write().await?;
        membership_tx(&mut w.tx, membership_id).await?;
        let before = dues_year_tx(&mut w.tx, membership_id, year).await?;
        match &before {
            Some((id, _)) => {
                sqlx::query("UPDATE dues_years SET due_fen = $1 WHERE id = $2")
                    .bind(due_fen)
                    .bind(id)
                    .execute(&mut *w.tx)
                    .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO dues_years (membership_id, year, due_fen, created_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(membership_id)
                .bind(i64::from(year))
                .bind(due_fen)
                .bind(crate::now())
                .execute(&mut *w.tx)
                .await?;
            }
        }
        let after = dues_year_tx(&mut w.tx, membership_id, year)
            .await?
            .map(|(_, d)| d)
            .unwrap_or(fresh);
        w.audit(
            actor,
            "dues_year",
            format!("{membership_id}/{year}"),
            "set",
            before.as_ref().map(|(_, d)| d),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// Bills a year: every membership in force at some point of it gets that year's dues at
    /// its category's rate, unless it has them already. Returns how many were billed.
    pub async fn bill_dues_year(
        &self,
        actor: Actor,
        organisation_id: i64,
        year: i32,
    ) -> Result<u64> {
        if !(1900..=9999).contains(&year) {
            return Err(StoreError::invalid("year", "out_of_range"));
        }
        let mut w = self.write().await?;
        let categories = categories_in(&mut *w.tx, organisation_id).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MS_COLS} FROM memberships m WHERE m.organisation_id = $1 \
             AND NOT EXISTS (SELECT 1 FROM dues_years d WHERE d.membership_id = m.id \
             AND d.year = $2)"
        )))
        .bind(organisation_id)
        .bind(i64::from(year))
        .fetch_all(&mut *w.tx)
        .await?;
        let ms = rows
            .iter()
            .map(membership_from_row)
            .collect::<Result<Vec<_>>>()?;
        let billed = dues::bill_year(&ms, &categories, year);
        let now = crate::now();
        for chunk in billed.chunks(200) {
            let mut sql = String::from(
                "INSERT INTO dues_years (membership_id, year, due_fen, created_at) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * 4;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("(${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4));
            }
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for d in chunk {
                q = q
                    .bind(d.membership_id)
                    .bind(i64::from(d.year))
                    .bind(d.due_fen)
                    .bind(now.clone());
            }
            q.execute(&mut *w.tx).await?;
        }
        let n = billed.len() as u64;
        w.audit(
            actor,
            "dues_year",
            format!("{organisation_id}/{year}"),
            "bill",
            None::<&()>,
            Some(&serde_json::json!({ "year": year, "billed": n,
                "due_fen": billed.iter().map(|d| d.due_fen).sum::<i64>() })),
        )
        .await?;
        w.commit().await?;
        Ok(n)
    }

    /// Records a payment towards a membership's dues for a year: positive, not in the future.
    pub async fn record_payment(
        &self,
        actor: Actor,
        membership_id: i64,
        year: i32,
        payment: &Payment,
        today: Date,
    ) -> Result<DuesYear> {
        let mut w = self.write().await?;
        membership_tx(&mut w.tx, membership_id).await?;
        let (id, before) = dues_year_tx(&mut w.tx, membership_id, year)
            .await?
            .ok_or_else(|| StoreError::invalid("year", "no_dues_for_year"))?;
        let mut after = before.clone();
        let reference = payment
            .reference
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        if reference.as_ref().is_some_and(|r| r.chars().count() > 100) {
            return Err(StoreError::invalid("reference", "too_long"));
        }
        after
            .pay(
                Payment {
                    reference: reference.clone(),
                    ..payment.clone()
                },
                today,
            )
            .map_err(refused)?;
        sqlx::query(
            "INSERT INTO dues_payments (dues_year_id, on_date, amount_fen, reference, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(format_date(payment.on))
        .bind(payment.amount_fen)
        .bind(&reference)
        .bind(crate::now())
        .execute(&mut *w.tx)
        .await?;
        w.audit(
            actor,
            "dues_year",
            format!("{membership_id}/{year}"),
            "pay",
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// A membership's dues, by year.
    pub async fn member_dues(&self, membership_id: i64) -> Result<Vec<DuesYear>> {
        let rows = sqlx::query(
            "SELECT id, membership_id, year, due_fen FROM dues_years WHERE membership_id = $1 \
             ORDER BY year",
        )
        .bind(membership_id)
        .fetch_all(&self.pool)
        .await?;
        let years = rows.iter().map(year_row).collect::<Result<Vec<_>>>()?;
        let ids: Vec<i64> = years.iter().map(|(id, _)| *id).collect();
        let mut payments = payments_of(&self.pool, &ids).await?;
        Ok(years
            .into_iter()
            .map(|(id, mut d)| {
                d.payments = payments.remove(&id).unwrap_or_default();
                d
            })
            .collect())
    }

    /// An organisation's dues: the lines of one year (or all years), the summary of every
    /// year, and what was collected per calendar year of payment.
    pub async fn dues_report(&self, organisation_id: i64, year: Option<i32>) -> Result<DuesReport> {
        let rows = sqlx::query(
            "SELECT d.id, d.membership_id, d.year, d.due_fen, m.category, \
             COALESCE(o.name, p.name) AS member_name \
             FROM dues_years d JOIN memberships m ON m.id = d.membership_id \
             LEFT JOIN organisations o ON o.id = m.member_id \
             LEFT JOIN people p ON p.id = m.person_id \
             WHERE m.organisation_id = $1 ORDER BY d.year DESC, member_name, d.id",
        )
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await?;
        let mut all = Vec::with_capacity(rows.len());
        for r in &rows {
            let (id, d) = year_row(r)?;
            let name: Option<String> = r.try_get("member_name")?;
            all.push((
                id,
                d,
                name.unwrap_or_default(),
                r.try_get::<String, _>("category")?,
            ));
        }
        let ids: Vec<i64> = all.iter().map(|(id, ..)| *id).collect();
        let mut payments = payments_of(&self.pool, &ids).await?;
        let mut years = Vec::with_capacity(all.len());
        let mut lines = Vec::new();
        for (id, mut d, name, category) in all {
            d.payments = payments.remove(&id).unwrap_or_default();
            if year.is_none_or(|y| y == d.year) {
                lines.push(DuesLine {
                    member_name: name,
                    category,
                    paid_fen: d.paid_fen(),
                    outstanding_fen: d.outstanding_fen(),
                    dues: d.clone(),
                });
            }
            years.push(d);
        }
        Ok(DuesReport {
            lines,
            summary: dues::summarise(&years),
            collected_by_year: dues::collected_by_payment_year(&years),
        })
    }
}
