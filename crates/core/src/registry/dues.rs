//! Membership dues per year: the amount due, the payments made (possibly several), what is
//! outstanding, and a summary per year. Amounts are in fen.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use super::RegistryError;
use super::model::{Category, Membership};

/// One payment towards a year's dues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    #[serde(with = "super::dates")]
    pub on: Date,
    pub amount_fen: i64,
    /// Receipt or bank reference.
    pub reference: Option<String>,
}

/// A membership's dues for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuesYear {
    pub membership_id: i64,
    pub year: i32,
    pub due_fen: i64,
    pub payments: Vec<Payment>,
}

impl DuesYear {
    pub fn new(membership_id: i64, year: i32, due_fen: i64) -> Result<DuesYear, RegistryError> {
        if due_fen < 0 {
            return Err(RegistryError::invalid("due_fen", "negative"));
        }
        Ok(DuesYear {
            membership_id,
            year,
            due_fen,
            payments: Vec::new(),
        })
    }

    /// Records a payment: a positive amount, not dated in the future.
    pub fn pay(&mut self, payment: Payment, today: Date) -> Result<(), RegistryError> {
        if payment.amount_fen <= 0 {
            return Err(RegistryError::invalid("amount_fen", "not_positive"));
        }
        if payment.on > today {
            return Err(RegistryError::invalid("on", "in_future"));
        }
        self.payments.push(payment);
        Ok(())
    }

    pub fn paid_fen(&self) -> i64 {
        self.payments.iter().map(|p| p.amount_fen).sum()
    }

    /// What is still to pay (never negative; an overpayment shows in [`DuesYear::overpaid_fen`]).
    pub fn outstanding_fen(&self) -> i64 {
        (self.due_fen - self.paid_fen()).max(0)
    }

    pub fn overpaid_fen(&self) -> i64 {
        (self.paid_fen() - self.due_fen).max(0)
    }

    pub fn is_settled(&self) -> bool {
        self.outstanding_fen() == 0
    }

    /// The date of the last payment.
    pub fn last_paid_on(&self) -> Option<Date> {
        self.payments.iter().map(|p| p.on).max()
    }
}

/// Dues for every membership in force at some point of `year`, at its category's rate.
/// Memberships whose category is unknown are skipped (the category list is validated on entry).
pub fn bill_year(memberships: &[Membership], categories: &[Category], year: i32) -> Vec<DuesYear> {
    memberships
        .iter()
        .filter(|m| {
            m.joined.year() <= year
                && m.left.is_none_or(|l| l.year() >= year)
                && !matches!(m.status, crate::org::MemberStatus::Applied)
        })
        .filter_map(|m| {
            let c = Category::find(categories, &m.category)?;
            Some(DuesYear {
                membership_id: m.id,
                year,
                due_fen: c.annual_dues_fen,
                payments: Vec::new(),
            })
        })
        .collect()
}

/// Totals for one year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuesYearSummary {
    pub year: i32,
    pub members: u64,
    pub due_fen: i64,
    /// Collected towards that year's dues.
    pub paid_fen: i64,
    pub outstanding_fen: i64,
    pub settled: u64,
    pub partly_paid: u64,
    pub unpaid: u64,
}

/// One summary per year, in year order.
pub fn summarise(years: &[DuesYear]) -> Vec<DuesYearSummary> {
    let mut by_year: BTreeMap<i32, DuesYearSummary> = BTreeMap::new();
    for d in years {
        let s = by_year.entry(d.year).or_insert_with(|| DuesYearSummary {
            year: d.year,
            ..DuesYearSummary::default()
        });
        let paid = d.paid_fen();
        s.members += 1;
        s.due_fen += d.due_fen;
        s.paid_fen += paid;
        s.outstanding_fen += d.outstanding_fen();
        if d.is_settled() {
            s.settled += 1;
        } else if paid > 0 {
            s.partly_paid += 1;
        } else {
            s.unpaid += 1;
        }
    }
    by_year.into_values().collect()
}

/// Money collected per calendar year of payment (whatever year's dues it paid), in year order.
pub fn collected_by_payment_year(years: &[DuesYear]) -> Vec<(i32, i64)> {
    let mut by_year: BTreeMap<i32, i64> = BTreeMap::new();
    for p in years.iter().flat_map(|d| &d.payments) {
        *by_year.entry(p.on.year()).or_default() += p.amount_fen;
    }
    by_year.into_iter().collect()
}
