//! The member registry over HTTP: `api` is the JSON API (merged into the OpenAPI document),
//! `pages` the server-rendered pages (member search, a member with its representative,
//! contacts, status history and dues, people, categories, dues per year, import and export,
//! and the public member directory).
//!
//! Who may do what (see [`crate::auth::authorize`]): an organisation's admin and secretariat
//! write; its member representatives read; anonymous callers see only the public directory.

pub mod api;
pub mod pages;

use axum::Router;
use federa_core::registry::Membership;
use federa_core::registry::search::{MemberQuery, MemberQueryInput};
use federa_store::{DuesReport, StoreError};

use crate::AppState;
use crate::auth::{Action, Auth};
use crate::error::AppError;

pub use api::RegistryDoc;

pub fn router() -> Router<AppState> {
    Router::new().merge(api::router()).merge(pages::router())
}

/// Reading beyond the public directory: the organisation's admin, secretariat, representatives.
pub(crate) fn read_members(auth: &Auth, org: i64) -> Result<(), AppError> {
    auth.require(Action::ReadMembers(org))
}

/// Writing: the organisation's admin and secretariat.
pub(crate) fn write_members(auth: &Auth, org: i64) -> Result<(), AppError> {
    auth.require(Action::ManageOrganisation(org))
}

/// Writing a membership: its organisation's admin and secretariat.
pub(crate) async fn write_member(s: &AppState, auth: &Auth, mid: i64) -> Result<(), AppError> {
    let m = member_of(s, mid).await?;
    write_members(auth, m.organisation_id)
}

pub(crate) async fn member_of(s: &AppState, mid: i64) -> Result<Membership, AppError> {
    match s.store.get_member(mid).await {
        Ok(m) => Ok(m),
        Err(StoreError::NotFound { .. }) => Err(AppError::NotFound(format!("membership {mid}"))),
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn query_input(q: MemberQueryInput) -> Result<MemberQuery, AppError> {
    q.validate().map_err(|e| match e {
        federa_core::registry::RegistryError::InvalidValue { field, reason } => {
            AppError::invalid(&field, &reason)
        }
        other => AppError::invalid("query", other.code()),
    })
}

/// Fen as yuan with two decimals.
pub(crate) fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    format!("{sign}{}.{:02}", f / 100, f % 100)
}

/// Dues per year as CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese header):
/// for each year, what was due, paid towards it and outstanding, and what was collected in
/// that calendar year whatever year's dues it paid. Amounts in yuan.
pub(crate) fn collected_csv(report: &DuesReport) -> String {
    let mut out = String::from(
        "\u{feff}年度 year,会员数 members,应缴 due,已缴 paid,欠缴 outstanding,当年实收 collected\n",
    );
    let mut years: Vec<i32> = report.summary.iter().map(|s| s.year).collect();
    years.extend(report.collected_by_year.iter().map(|(y, _)| *y));
    years.sort_unstable();
    years.dedup();
    for y in years {
        let s = report.summary.iter().find(|s| s.year == y);
        let collected = report
            .collected_by_year
            .iter()
            .find(|(yy, _)| *yy == y)
            .map_or(0, |(_, f)| *f);
        out.push_str(&format!(
            "{y},{},{},{},{},{}\n",
            s.map_or(0, |s| s.members),
            yuan(s.map_or(0, |s| s.due_fen)),
            yuan(s.map_or(0, |s| s.paid_fen)),
            yuan(s.map_or(0, |s| s.outstanding_fen)),
            yuan(collected),
        ));
    }
    out
}
