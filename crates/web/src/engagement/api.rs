//! The engagement JSON API under `/api/`: activities, circulars and inboxes, statistics and
//! indicators, the convention and complaints. Its paths join the OpenAPI document through
//! [`EngagementDoc`].

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::Engine as _;
use federa_core::registry::activity::Activity;
use federa_core::registry::circular::Audience;
use federa_core::registry::stats::{Count, Dimension, Indicator, Participation};
use federa_store::{
    ActivityInput, AttendanceInput, CircularInput, CircularRecord, CircularSummary,
    ComplaintAdvance, ComplaintInput, ComplaintRecord, Convention, ConventionInput,
    ConventionRecord, InboxItem, IndicatorInput, NewAttachment, Reminder, UnitContact,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{actor_user, require_manage, require_represents};
use crate::AppState;
use crate::auth::{Action, Auth};
use crate::error::{ApiJson, AppError, ErrorBody};
use crate::{now, today};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/organisations/{id}/activities",
            get(list_activities).post(create_activity),
        )
        .route("/api/activities/{aid}", get(show_activity))
        .route("/api/activities/{aid}/invitations", post(invite))
        .route("/api/activities/{aid}/registrations", post(register))
        .route("/api/activities/{aid}/attendance", post(attendance))
        .route("/api/organisations/{id}/participation", get(participation))
        .route(
            "/api/organisations/{id}/circulars",
            get(list_circulars)
                .post(send_circular)
                .layer(crate::upload::layer()),
        )
        .route("/api/circulars/{cid}", get(show_circular))
        .route("/api/circulars/{cid}/reminders", post(remind))
        .route("/api/circulars/{cid}/emails/resend", post(resend_email))
        .route("/api/circulars/{cid}/read", post(read))
        .route("/api/circulars/{cid}/acknowledge", post(acknowledge))
        .route(
            "/api/circulars/{cid}/attachments/{att}",
            get(download_attachment),
        )
        .route("/api/units/{uid}/inbox", get(inbox))
        .route("/api/units/{uid}/contact", put(set_contact))
        .route(
            "/api/organisations/{id}/statistics/members",
            get(members_by),
        )
        .route(
            "/api/organisations/{id}/indicators",
            get(list_indicators).post(create_indicator),
        )
        .route(
            "/api/organisations/{id}/conventions",
            get(list_conventions).post(create_convention),
        )
        .route("/api/conventions/{cid}", get(show_convention))
        .route("/api/conventions/{cid}/signatures", post(sign))
        .route(
            "/api/organisations/{id}/complaints",
            get(list_complaints).post(file_complaint),
        )
        .route(
            "/api/organisations/{id}/complaint-body",
            get(complaint_body).put(set_complaint_body),
        )
        .route("/api/complaints/{cid}", get(show_complaint))
        .route("/api/complaints/{cid}/steps", post(advance_complaint))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_activities,
        create_activity,
        show_activity,
        invite,
        register,
        attendance,
        participation,
        list_circulars,
        send_circular,
        show_circular,
        remind,
        resend_email,
        read,
        acknowledge,
        download_attachment,
        inbox,
        set_contact,
        members_by,
        list_indicators,
        create_indicator,
        list_conventions,
        create_convention,
        show_convention,
        sign,
        list_complaints,
        file_complaint,
        show_complaint,
        advance_complaint
    ),
    components(schemas(
        Activity,
        ActivityInput,
        Units,
        Registration,
        AttendanceList,
        AttendanceEntry,
        Participation,
        CircularJson,
        AttachmentJson,
        Audience,
        CircularRecord,
        CircularSummary,
        Reminder,
        UnitRef,
        InboxItem,
        UnitContact,
        Count,
        Indicator,
        IndicatorInput,
        Convention,
        ConventionInput,
        ConventionRecord,
        ComplaintInput,
        ComplaintAdvance,
        ComplaintRecord
    ))
)]
pub struct EngagementDoc;

/// Member units to invite.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Units {
    pub units: Vec<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub unit: i64,
    pub people: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceEntry {
    pub unit: i64,
    /// attended, excused, absent, not_recorded
    pub state: String,
    #[serde(default)]
    pub people: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceList {
    pub entries: Vec<AttendanceEntry>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitRef {
    pub unit: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    pub year: Option<i32>,
}

/// A file to attach, its bytes in base64.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentJson {
    pub file_name: String,
    #[serde(default)]
    pub media_type: Option<String>,
    pub content_base64: String,
}

/// A circular to send.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CircularJson {
    pub title: String,
    pub body: String,
    /// Everyone in force (default) or a filter by district, sector and category.
    #[serde(default = "all")]
    pub audience: Audience,
    /// Only memberships with these statuses (applied, admitted, suspended).
    #[serde(default)]
    pub statuses: Vec<String>,
    /// RFC 3339, e.g. `2025-03-08T17:00:00+08:00`.
    #[serde(default)]
    pub acknowledge_by: Option<String>,
    #[serde(default)]
    pub attachments: Vec<AttachmentJson>,
}

fn all() -> Audience {
    Audience::All
}

pub(crate) fn parse_deadline(v: Option<&str>) -> Result<Option<time::OffsetDateTime>, AppError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .map(Some)
            .map_err(|_| AppError::invalid("acknowledge_by", "invalid_time")),
    }
}

impl CircularJson {
    fn input(self, email: bool) -> Result<CircularInput, AppError> {
        let mut attachments = Vec::new();
        for a in self.attachments {
            let content = base64::engine::general_purpose::STANDARD
                .decode(a.content_base64.trim())
                .map_err(|_| AppError::invalid("attachments", "invalid_base64"))?;
            attachments.push(NewAttachment {
                file_name: a.file_name,
                media_type: a
                    .media_type
                    .unwrap_or_else(|| "application/octet-stream".into()),
                content,
            });
        }
        Ok(CircularInput {
            acknowledge_by: parse_deadline(self.acknowledge_by.as_deref())?,
            title: self.title,
            body: self.body,
            audience: self.audience,
            statuses: self.statuses,
            attachments,
            email,
        })
    }
}

/// List an organisation's activities (optionally of one year).
#[utoipa::path(get, path = "/api/organisations/{id}/activities",
    params(("id" = i64, Path), YearQuery), responses((status = 200, body = [Activity])))]
async fn list_activities(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Json<Vec<Activity>>, AppError> {
    auth.require(Action::ReadRegistry)?;
    s.store.get_organisation(id).await?;
    Ok(Json(s.store.list_activities(id, q.year).await?))
}

/// Create an activity (study session, training, forum).
#[utoipa::path(post, path = "/api/organisations/{id}/activities", params(("id" = i64, Path)),
    request_body = ActivityInput,
    responses((status = 201, body = Activity), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn create_activity(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ActivityInput>,
) -> Result<(StatusCode, Json<Activity>), AppError> {
    require_manage(&auth, id)?;
    let a = s.store.create_activity(auth.actor(), id, &input).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// Show an activity with its invitations.
#[utoipa::path(get, path = "/api/activities/{aid}", params(("aid" = i64, Path)),
    responses((status = 200, body = Activity), (status = 404, body = ErrorBody)))]
async fn show_activity(
    State(s): State<AppState>,
    auth: Auth,
    Path(aid): Path<i64>,
) -> Result<Json<Activity>, AppError> {
    auth.require(Action::ReadRegistry)?;
    Ok(Json(s.store.get_activity(aid).await?))
}

/// Invite member units.
#[utoipa::path(post, path = "/api/activities/{aid}/invitations", params(("aid" = i64, Path)),
    request_body = Units,
    responses((status = 200, body = Activity), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn invite(
    State(s): State<AppState>,
    auth: Auth,
    Path(aid): Path<i64>,
    ApiJson(u): ApiJson<Units>,
) -> Result<Json<Activity>, AppError> {
    let a = s.store.get_activity(aid).await?;
    require_manage(&auth, a.organisation_id)?;
    Ok(Json(
        s.store.invite_units(auth.actor(), aid, &u.units).await?,
    ))
}

/// Register an invited unit (its representative, or the secretariat).
#[utoipa::path(post, path = "/api/activities/{aid}/registrations", params(("aid" = i64, Path)),
    request_body = Registration,
    responses((status = 200, body = Activity), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn register(
    State(s): State<AppState>,
    auth: Auth,
    Path(aid): Path<i64>,
    ApiJson(r): ApiJson<Registration>,
) -> Result<Json<Activity>, AppError> {
    let a = s.store.get_activity(aid).await?;
    if require_manage(&auth, a.organisation_id).is_err() {
        require_represents(&auth, r.unit)?;
    }
    Ok(Json(
        s.store
            .register_for_activity(auth.actor(), aid, r.unit, r.people, today())
            .await?,
    ))
}

/// Record attendance (all entries or none).
#[utoipa::path(post, path = "/api/activities/{aid}/attendance", params(("aid" = i64, Path)),
    request_body = AttendanceList,
    responses((status = 200, body = Activity), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn attendance(
    State(s): State<AppState>,
    auth: Auth,
    Path(aid): Path<i64>,
    ApiJson(l): ApiJson<AttendanceList>,
) -> Result<Json<Activity>, AppError> {
    let a = s.store.get_activity(aid).await?;
    require_manage(&auth, a.organisation_id)?;
    let entries: Vec<AttendanceInput> = l
        .entries
        .into_iter()
        .map(|e| AttendanceInput {
            unit: e.unit,
            state: e.state,
            people: e.people,
        })
        .collect();
    Ok(Json(
        s.store
            .record_attendance(auth.actor(), aid, &entries, today())
            .await?,
    ))
}

/// Each invited unit's participation in a year (default this year).
#[utoipa::path(get, path = "/api/organisations/{id}/participation",
    params(("id" = i64, Path), YearQuery), responses((status = 200, body = [Participation])))]
async fn participation(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Json<Vec<Participation>>, AppError> {
    auth.require(Action::ReadRegistry)?;
    s.store.get_organisation(id).await?;
    let year = q.year.unwrap_or_else(|| today().year());
    Ok(Json(s.store.participation(id, year).await?))
}

/// List an organisation's circulars with their progress (its secretariat).
#[utoipa::path(get, path = "/api/organisations/{id}/circulars", params(("id" = i64, Path)),
    responses((status = 200, body = [CircularSummary]), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_circulars(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Json<Vec<CircularSummary>>, AppError> {
    require_manage(&auth, id)?;
    Ok(Json(s.store.list_circulars(id).await?))
}

/// Send a circular to all member units in force or a filtered set; emails a copy to each
/// recipient's contact address when a mail server is configured.
#[utoipa::path(post, path = "/api/organisations/{id}/circulars", params(("id" = i64, Path)),
    request_body = CircularJson,
    responses((status = 201, body = CircularRecord), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn send_circular(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(c): ApiJson<CircularJson>,
) -> Result<(StatusCode, Json<CircularRecord>), AppError> {
    require_manage(&auth, id)?;
    let input = c.input(s.mailer.is_some())?;
    let rec = s
        .store
        .send_circular(auth.actor(), id, &input, now())
        .await?;
    let rec = super::email_circular(&s, auth.actor(), rec).await?;
    Ok((StatusCode::CREATED, Json(rec)))
}

/// A circular with every recipient's delivered, read and acknowledged times.
#[utoipa::path(get, path = "/api/circulars/{cid}", params(("cid" = i64, Path)),
    responses((status = 200, body = CircularRecord), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn show_circular(
    State(s): State<AppState>,
    auth: Auth,
    Path(cid): Path<i64>,
) -> Result<Json<CircularRecord>, AppError> {
    let rec = super::managed_circular(&s, &auth, cid).await?;
    Ok(Json(rec))
}

/// Send again the email copies (of the circular and its reminders) whose sending failed; the
/// copies already sent are not sent again.
#[utoipa::path(post, path = "/api/circulars/{cid}/emails/resend", params(("cid" = i64, Path)),
    responses((status = 200, body = CircularRecord), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn resend_email(
    State(s): State<AppState>,
    auth: Auth,
    Path(cid): Path<i64>,
) -> Result<Json<CircularRecord>, AppError> {
    let rec = super::managed_circular(&s, &auth, cid).await?;
    super::resend_failed_email(&s, auth.actor(), &rec).await?;
    Ok(Json(s.store.get_circular(cid).await?))
}

/// Remind every recipient that has not acknowledged, once the deadline has come.
#[utoipa::path(post, path = "/api/circulars/{cid}/reminders", params(("cid" = i64, Path)),
    responses((status = 200, body = [Reminder]), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn remind(
    State(s): State<AppState>,
    auth: Auth,
    Path(cid): Path<i64>,
) -> Result<Json<Vec<Reminder>>, AppError> {
    super::managed_circular(&s, &auth, cid).await?;
    let r = s
        .store
        .send_reminders(auth.actor(), cid, now(), s.mailer.is_some())
        .await?;
    Ok(Json(
        super::email_reminders(&s, auth.actor(), cid, r).await?,
    ))
}

/// A recipient unit read the circular (its representative).
#[utoipa::path(post, path = "/api/circulars/{cid}/read", params(("cid" = i64, Path)),
    request_body = UnitRef,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn read(
    State(s): State<AppState>,
    auth: Auth,
    Path(cid): Path<i64>,
    ApiJson(u): ApiJson<UnitRef>,
) -> Result<StatusCode, AppError> {
    require_represents(&auth, u.unit)?;
    s.store
        .mark_circular_read(actor_user(&auth)?, cid, u.unit, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A recipient unit acknowledges the circular (its representative).
#[utoipa::path(post, path = "/api/circulars/{cid}/acknowledge", params(("cid" = i64, Path)),
    request_body = UnitRef,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn acknowledge(
    State(s): State<AppState>,
    auth: Auth,
    Path(cid): Path<i64>,
    ApiJson(u): ApiJson<UnitRef>,
) -> Result<StatusCode, AppError> {
    require_represents(&auth, u.unit)?;
    s.store
        .acknowledge_circular(actor_user(&auth)?, cid, u.unit, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether the caller may see a circular: its organisation's secretariat, or a recipient's
/// representative.
pub(crate) async fn may_see_circular(
    s: &AppState,
    auth: &Auth,
    rec: &CircularRecord,
) -> Result<(), AppError> {
    if require_manage(auth, rec.organisation_id).is_ok()
        || rec
            .recipients
            .iter()
            .any(|r| super::represents(auth, r.unit))
    {
        return Ok(());
    }
    let _ = s;
    auth.user()?;
    Err(AppError::Forbidden)
}

/// An attachment as a file download.
pub(crate) fn attachment_response(name: &str, media: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, media.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Download an attachment (secretariat or a recipient's representative).
#[utoipa::path(get, path = "/api/circulars/{cid}/attachments/{att}",
    params(("cid" = i64, Path), ("att" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn download_attachment(
    State(s): State<AppState>,
    auth: Auth,
    Path((cid, att)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let rec = s.store.get_circular(cid).await?;
    may_see_circular(&s, &auth, &rec).await?;
    let (meta, bytes) = s.store.circular_attachment(cid, att).await?;
    Ok(attachment_response(
        &meta.attachment.file_name,
        &meta.attachment.media_type,
        bytes,
    ))
}

/// A member unit's inbox (its representative).
#[utoipa::path(get, path = "/api/units/{uid}/inbox", params(("uid" = i64, Path)),
    responses((status = 200, body = [InboxItem]), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn inbox(
    State(s): State<AppState>,
    auth: Auth,
    Path(uid): Path<i64>,
) -> Result<Json<Vec<InboxItem>>, AppError> {
    require_represents(&auth, uid)?;
    Ok(Json(s.store.inbox(uid).await?))
}

/// Set the address a member unit's circulars are emailed to (the unit's representative or an
/// organisation's secretariat it is a member of).
#[utoipa::path(put, path = "/api/units/{uid}/contact", params(("uid" = i64, Path)),
    request_body = UnitContact,
    responses((status = 200, body = UnitContact), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn set_contact(
    State(s): State<AppState>,
    auth: Auth,
    Path(uid): Path<i64>,
    ApiJson(c): ApiJson<UnitContact>,
) -> Result<Json<UnitContact>, AppError> {
    may_edit_contact(&s, &auth, uid).await?;
    Ok(Json(s.store.set_unit_contact(auth.actor(), uid, &c).await?))
}

pub(crate) async fn may_edit_contact(s: &AppState, auth: &Auth, uid: i64) -> Result<(), AppError> {
    auth.user()?;
    if super::represents(auth, uid) {
        return Ok(());
    }
    let of = s.store.memberships_of_member(uid).await?;
    if of
        .iter()
        .any(|m| m.left_on.is_none() && require_manage(auth, m.organisation_id).is_ok())
    {
        return Ok(());
    }
    Err(AppError::Forbidden)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersByQuery {
    /// district, sector, category, join_year
    pub by: String,
    /// `YYYY-MM-DD`, default today.
    pub on: Option<String>,
}

pub(crate) fn dimension(by: &str) -> Result<Dimension, AppError> {
    serde_json::from_value(serde_json::Value::String(by.trim().to_string()))
        .map_err(|_| AppError::invalid("by", "unknown_value"))
}

/// Member units in force on a day, counted by district, sector, category or joining year.
#[utoipa::path(get, path = "/api/organisations/{id}/statistics/members",
    params(("id" = i64, Path), MembersByQuery), responses((status = 200, body = [Count])))]
async fn members_by(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<MembersByQuery>,
) -> Result<Json<Vec<Count>>, AppError> {
    auth.require(Action::ReadRegistry)?;
    s.store.get_organisation(id).await?;
    let on = match q.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => today(),
        Some(d) => federa_core::org::parse_date(d)
            .ok_or_else(|| AppError::invalid("on", "invalid_date"))?,
    };
    Ok(Json(s.store.members_by(id, dimension(&q.by)?, on).await?))
}

/// Published indicators, latest first.
#[utoipa::path(get, path = "/api/organisations/{id}/indicators", params(("id" = i64, Path)),
    responses((status = 200, body = [Indicator])))]
async fn list_indicators(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Indicator>>, AppError> {
    auth.require(Action::ReadRegistry)?;
    Ok(Json(s.store.list_indicators(id).await?))
}

/// Record a published indicator (figure, unit, date, source).
#[utoipa::path(post, path = "/api/organisations/{id}/indicators", params(("id" = i64, Path)),
    request_body = IndicatorInput,
    responses((status = 201, body = Indicator), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_indicator(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<IndicatorInput>,
) -> Result<(StatusCode, Json<Indicator>), AppError> {
    require_manage(&auth, id)?;
    let ind = s
        .store
        .create_indicator(auth.actor(), id, &i, today())
        .await?;
    Ok((StatusCode::CREATED, Json(ind)))
}

/// The organisation's convention versions, latest first.
#[utoipa::path(get, path = "/api/organisations/{id}/conventions", params(("id" = i64, Path)),
    responses((status = 200, body = [Convention])))]
async fn list_conventions(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Convention>>, AppError> {
    auth.require(Action::ReadRegistry)?;
    Ok(Json(s.store.list_conventions(id).await?))
}

/// Adopt a new version of the convention.
#[utoipa::path(post, path = "/api/organisations/{id}/conventions", params(("id" = i64, Path)),
    request_body = ConventionInput,
    responses((status = 201, body = Convention), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_convention(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(c): ApiJson<ConventionInput>,
) -> Result<(StatusCode, Json<Convention>), AppError> {
    require_manage(&auth, id)?;
    let c = s.store.create_convention(auth.actor(), id, &c).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// A convention with its signatures and the member units that have not signed.
#[utoipa::path(get, path = "/api/conventions/{cid}", params(("cid" = i64, Path)),
    responses((status = 200, body = ConventionRecord), (status = 404, body = ErrorBody)))]
async fn show_convention(
    State(s): State<AppState>,
    auth: Auth,
    Path(cid): Path<i64>,
) -> Result<Json<ConventionRecord>, AppError> {
    auth.require(Action::ReadRegistry)?;
    Ok(Json(s.store.get_convention(cid).await?))
}

/// Sign the convention for a member unit (its representative).
#[utoipa::path(post, path = "/api/conventions/{cid}/signatures", params(("cid" = i64, Path)),
    request_body = UnitRef,
    responses((status = 201, body = ConventionRecord), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn sign(
    State(s): State<AppState>,
    auth: Auth,
    Path(cid): Path<i64>,
    ApiJson(u): ApiJson<UnitRef>,
) -> Result<(StatusCode, Json<ConventionRecord>), AppError> {
    let actor = actor_user(&auth)?;
    let rec = s.store.sign_convention(actor, cid, u.unit, today()).await?;
    Ok((StatusCode::CREATED, Json(rec)))
}

/// Complaints: all of them for the secretariat, one's own for anyone else.
#[utoipa::path(get, path = "/api/organisations/{id}/complaints", params(("id" = i64, Path)),
    responses((status = 200, body = [ComplaintRecord]), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_complaints(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ComplaintRecord>>, AppError> {
    let user = auth.user()?.id;
    let only = if require_manage(&auth, id).is_ok() {
        None
    } else {
        Some(user)
    };
    Ok(Json(s.store.list_complaints(id, only).await?))
}

/// File a complaint about a member unit (any signed-in person).
#[utoipa::path(post, path = "/api/organisations/{id}/complaints", params(("id" = i64, Path)),
    request_body = ComplaintInput,
    responses((status = 201, body = ComplaintRecord), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn file_complaint(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(c): ApiJson<ComplaintInput>,
) -> Result<(StatusCode, Json<ComplaintRecord>), AppError> {
    let actor = actor_user(&auth)?;
    s.store.get_organisation(id).await?;
    let rec = s.store.file_complaint(actor, id, &c, today()).await?;
    Ok((StatusCode::CREATED, Json(rec)))
}

pub(crate) fn may_see_complaint(auth: &Auth, c: &ComplaintRecord) -> Result<(), AppError> {
    let user = auth.user()?;
    if user.id == c.filed_by || require_manage(auth, c.organisation_id).is_ok() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A complaint with its steps and outcome (the complainant or the secretariat).
#[utoipa::path(get, path = "/api/complaints/{cid}", params(("cid" = i64, Path)),
    responses((status = 200, body = ComplaintRecord), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn show_complaint(
    State(s): State<AppState>,
    auth: Auth,
    Path(cid): Path<i64>,
) -> Result<Json<ComplaintRecord>, AppError> {
    let c = s.store.get_complaint(cid).await?;
    may_see_complaint(&auth, &c)?;
    Ok(Json(c))
}

/// Move a complaint on: the secretariat records the handling body's steps and outcome; the
/// complainant may withdraw.
#[utoipa::path(post, path = "/api/complaints/{cid}/steps", params(("cid" = i64, Path)),
    request_body = ComplaintAdvance,
    responses((status = 200, body = ComplaintRecord), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn advance_complaint(
    State(s): State<AppState>,
    auth: Auth,
    Path(cid): Path<i64>,
    ApiJson(step): ApiJson<ComplaintAdvance>,
) -> Result<Json<ComplaintRecord>, AppError> {
    let c = s.store.get_complaint(cid).await?;
    let user = auth.user()?.id;
    let withdrawing =
        step.to == federa_core::registry::conduct::ComplaintState::Withdrawn && user == c.filed_by;
    if !withdrawing {
        require_manage(&auth, c.organisation_id)?;
    }
    Ok(Json(
        s.store
            .advance_complaint(actor_user(&auth)?, cid, &step, today())
            .await?,
    ))
}

/// The body that handles an organisation's complaints (`board_of_supervisors` unless named).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintBody {
    pub body: String,
}

/// Which body handles the organisation's complaints.
#[utoipa::path(get, path = "/api/organisations/{id}/complaint-body", params(("id" = i64, Path)),
    responses((status = 200, body = ComplaintBody)))]
async fn complaint_body(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Json<ComplaintBody>, AppError> {
    auth.require(Action::ReadRegistry)?;
    s.store.get_organisation(id).await?;
    Ok(Json(ComplaintBody {
        body: s.store.complaint_body(id).await?,
    }))
}

/// Name the body that handles complaints filed from now on.
#[utoipa::path(put, path = "/api/organisations/{id}/complaint-body", params(("id" = i64, Path)),
    request_body = ComplaintBody,
    responses((status = 200, body = ComplaintBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn set_complaint_body(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ComplaintBody>,
) -> Result<Json<ComplaintBody>, AppError> {
    require_manage(&auth, id)?;
    let body = s
        .store
        .set_complaint_body(auth.actor(), id, &b.body)
        .await?;
    Ok(Json(ComplaintBody { body }))
}
