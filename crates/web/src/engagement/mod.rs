//! The secretariat's engagement with member units over HTTP: activities, circulars (with email
//! copies), statistics with SVG charts and CSV downloads, the self-regulation convention and
//! complaints. `api` is the JSON API (merged into the OpenAPI document), `pages` the
//! server-rendered pages, `mail` the SMTP copies, `charts` the SVG charts.
//!
//! Who may do what: an organisation's admin and secretariat (and a global admin) write; a user
//! represents a member unit when they hold the `representative` (or `admin`) role on that unit's
//! organisation record, and then reads the unit's inbox, acknowledges circulars, registers for
//! activities and signs the convention for it; any signed-in user may file a complaint.

pub mod api;
pub mod charts;
pub mod mail;
pub mod pages;

use axum::Router;
use federa_store::{Actor, CircularRecord, EmailOutcome, EmailState, Reminder};

pub use mail::Mailer;

use crate::AppState;
use crate::auth::{ACTS_FOR, Action, Auth};
use crate::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new().merge(api::router()).merge(pages::router())
}

/// Whether the caller may act for a member unit (its representative, or an admin).
pub fn represents(auth: &Auth, unit: i64) -> bool {
    auth.may(Action::ActFor(unit))
}

pub fn require_represents(auth: &Auth, unit: i64) -> Result<(), AppError> {
    auth.require(Action::ActFor(unit))
}

/// Writes for an organisation: its admin or secretariat.
pub fn require_manage(auth: &Auth, org: i64) -> Result<(), AppError> {
    auth.require(Action::ManageOrganisation(org))
}

/// Circular `cid`, for someone who manages its organisation.
pub async fn managed_circular(
    s: &AppState,
    auth: &Auth,
    cid: i64,
) -> Result<CircularRecord, AppError> {
    let rec = s.store.get_circular(cid).await?;
    require_manage(auth, rec.organisation_id)?;
    Ok(rec)
}

/// The units the caller represents, from their role grants.
pub fn represented_units(auth: &Auth) -> Vec<i64> {
    let mut v: Vec<i64> = auth
        .grants
        .iter()
        .filter(|g| ACTS_FOR.contains(&g.role))
        .map(|g| g.organisation_id)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn actor_user(auth: &Auth) -> Result<Actor, AppError> {
    Ok(Actor::User(auth.user()?.id))
}

fn email_text(rec: &CircularRecord, unit: i64, reminder: bool) -> (String, String) {
    let subject = if reminder {
        format!("[提醒 Reminder] {}", rec.title)
    } else {
        rec.title.clone()
    };
    let mut body = String::new();
    if reminder {
        body.push_str("请尽快阅读并回执此通知。Please read and acknowledge this circular.\n\n");
    }
    body.push_str(&rec.body);
    if !rec.attachments.is_empty() {
        body.push_str("\n\n附件 Attachments:\n");
        for a in &rec.attachments {
            body.push_str(&format!(
                "- {} ({} bytes)\n",
                a.attachment.file_name, a.attachment.size
            ));
        }
    }
    body.push_str(&format!(
        "\n\n阅读、下载附件与回执 Read, download and acknowledge: /units/{unit}/inbox/{}\n",
        rec.id
    ));
    (subject, body)
}

/// Emails the copies a newly sent circular queued, recording each outcome; returns the record
/// as it stands afterwards. Without a mailer nothing was queued and nothing is sent.
pub async fn email_circular(
    s: &AppState,
    actor: Actor,
    rec: CircularRecord,
) -> Result<CircularRecord, AppError> {
    let Some(mailer) = &s.mailer else {
        return Ok(rec);
    };
    let mut any = false;
    for r in rec
        .recipients
        .iter()
        .filter(|r| r.email_state == EmailState::Pending)
    {
        let Some(to) = &r.email_to else { continue };
        let (subject, body) = email_text(&rec, r.unit, false);
        let outcome = match mailer.send(to, &subject, &body).await {
            Ok(()) => EmailOutcome::Sent,
            Err(e) => {
                tracing::warn!(circular = rec.id, unit = r.unit, error = %e, "email copy failed");
                EmailOutcome::Failed(e)
            }
        };
        s.store
            .record_email(actor, rec.id, r.unit, None, &outcome)
            .await?;
        any = true;
    }
    if any {
        Ok(s.store.get_circular(rec.id).await?)
    } else {
        Ok(rec)
    }
}

/// Emails the reminder copies queued, recording each outcome.
pub async fn email_reminders(
    s: &AppState,
    actor: Actor,
    circular_id: i64,
    reminders: Vec<Reminder>,
) -> Result<Vec<Reminder>, AppError> {
    let Some(mailer) = &s.mailer else {
        return Ok(reminders);
    };
    let rec = s.store.get_circular(circular_id).await?;
    let mut out = Vec::with_capacity(reminders.len());
    for mut r in reminders {
        if r.email_state == EmailState::Pending
            && let Some(to) = r.email_to.clone()
        {
            let (subject, body) = email_text(&rec, r.unit, true);
            let outcome = match mailer.send(&to, &subject, &body).await {
                Ok(()) => EmailOutcome::Sent,
                Err(e) => EmailOutcome::Failed(e),
            };
            s.store
                .record_email(actor, circular_id, r.unit, Some(r.id), &outcome)
                .await?;
            match outcome {
                EmailOutcome::Sent => r.email_state = EmailState::Sent,
                EmailOutcome::Failed(e) => {
                    r.email_state = EmailState::Failed;
                    r.email_error = Some(e);
                }
            }
        }
        out.push(r);
    }
    Ok(out)
}

/// Sends again the email copies whose sending failed, the circular's and its reminders',
/// recording each new outcome (a copy that goes through now counts as sent, its error
/// cleared); copies already sent are not sent twice. Returns how many were tried. Refused
/// (`mail_not_configured`) when no mail server is configured. `rec` is the circular as the
/// caller read it to check who may resend.
pub async fn resend_failed_email(
    s: &AppState,
    actor: Actor,
    rec: &CircularRecord,
) -> Result<usize, AppError> {
    let Some(mailer) = &s.mailer else {
        return Err(AppError::Refused {
            code: "mail_not_configured",
            message: "no mail server is configured (federa serve --smtp-url)".into(),
            field: None,
            status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        });
    };
    let circular_id = rec.id;
    let send = |to: String, unit: i64, reminder: bool| {
        let (subject, body) = email_text(rec, unit, reminder);
        async move {
            match mailer.send(&to, &subject, &body).await {
                Ok(()) => EmailOutcome::Sent,
                Err(e) => {
                    tracing::warn!(circular = circular_id, unit, error = %e, "email copy failed again");
                    EmailOutcome::Failed(e)
                }
            }
        }
    };
    let mut tried = 0;
    for r in rec
        .recipients
        .iter()
        .filter(|r| r.email_state == EmailState::Failed)
    {
        let Some(to) = r.email_to.clone() else {
            continue;
        };
        let outcome = send(to, r.unit, false).await;
        s.store
            .record_email(actor, circular_id, r.unit, None, &outcome)
            .await?;
        tried += 1;
    }
    for r in s.store.list_reminders(circular_id).await? {
        if r.email_state != EmailState::Failed {
            continue;
        }
        let Some(to) = r.email_to.clone() else {
            continue;
        };
        let outcome = send(to, r.unit, true).await;
        s.store
            .record_email(actor, circular_id, r.unit, Some(r.id), &outcome)
            .await?;
        tried += 1;
    }
    Ok(tried)
}
