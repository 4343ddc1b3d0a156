//! The engagement pages: a hub, activities, circulars (compose with attachments, progress,
//! reminders), a member unit's inbox, statistics with SVG charts and CSV downloads, the
//! convention with its signatures, and complaints with their handling.
//!
//! Times are shown and entered in China Standard Time (UTC+8), the organisations' own.

use std::collections::HashMap;

use askama::Template;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use federa_core::registry::activity::{Activity, Attendance};
use federa_core::registry::circular::Audience;
use federa_core::registry::conduct::{ComplaintState, Outcome};
use federa_core::registry::stats::{self, Count, Dimension, Indicator, Participation};
use federa_core::registry::status::Decision;
use federa_store::{
    ActivityInput, AttendanceInput, CircularInput, CircularRecord, CircularSummary,
    ComplaintAdvance, ComplaintInput, ComplaintRecord, ConventionInput, ConventionRecord,
    InboxItem, IndicatorInput, Membership, MembershipFilter, NewAttachment, Organisation, Page,
    Reminder,
};
use time::{OffsetDateTime, UtcOffset};

use super::{represented_units, represents, require_manage, require_represents};
use crate::AppState;
use crate::auth::{Action, Auth};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::pages::{Ctx, FormState, PageCtx, all_memberships, download, render};
use crate::{now, today};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/engagement", get(hub))
        .route(
            "/organisations/{id}/activities",
            get(activities).post(activity_create),
        )
        .route("/activities/{aid}", get(activity_show))
        .route("/activities/{aid}/invite", post(activity_invite))
        .route("/activities/{aid}/register", post(activity_register))
        .route("/activities/{aid}/attendance", post(activity_attendance))
        .route(
            "/organisations/{id}/circulars",
            get(circulars)
                .post(circular_send)
                .layer(crate::upload::layer()),
        )
        .route("/circulars/{cid}", get(circular_show))
        .route("/circulars/{cid}/remind", post(circular_remind))
        .route("/circulars/{cid}/resend", post(circular_resend))
        .route(
            "/circulars/{cid}/attachments/{att}",
            get(attachment_download),
        )
        .route("/units/{uid}/inbox", get(inbox))
        .route("/units/{uid}/inbox/{cid}", get(inbox_item))
        .route("/units/{uid}/inbox/{cid}/acknowledge", post(inbox_ack))
        .route("/units/{uid}/contact", post(contact_set))
        .route(
            "/organisations/{id}/statistics",
            get(statistics).post(indicator_create),
        )
        .route(
            "/organisations/{id}/statistics/{file}",
            get(statistics_file),
        )
        .route(
            "/organisations/{id}/convention",
            get(convention).post(convention_create),
        )
        .route("/conventions/{cid}/sign", post(convention_sign))
        .route(
            "/organisations/{id}/complaints",
            get(complaints).post(complaint_file),
        )
        .route(
            "/complaints/{cid}",
            get(complaint_show).post(complaint_advance),
        )
}

const CST: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// A time as shown: `YYYY-MM-DD HH:MM` in UTC+8.
pub fn show_time(t: &OffsetDateTime) -> String {
    let t = t.to_offset(CST);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

pub fn show_opt_time(t: &Option<OffsetDateTime>) -> String {
    t.as_ref().map(show_time).unwrap_or_else(|| "—".into())
}

/// Times as the circular pages show them (`self.when(..)` in their templates).
trait ShowsTimes {
    fn when(&self, t: &OffsetDateTime) -> String {
        show_time(t)
    }

    fn when_opt(&self, t: &Option<OffsetDateTime>) -> String {
        show_opt_time(t)
    }
}

/// A `datetime-local` value (UTC+8), or RFC 3339.
fn parse_local(field: &str, v: &str) -> Result<Option<OffsetDateTime>, AppError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339) {
        return Ok(Some(t));
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    time::PrimitiveDateTime::parse(v, &fmt)
        .map(|p| Some(p.assume_offset(CST)))
        .map_err(|_| AppError::invalid(field, "invalid_time"))
}

/// Puts a refusal next to its field, in this area's words (`eng.field.CODE`) where it has
/// some; other errors propagate.
fn absorb(f: &mut FormState, err: AppError, l: Locale) -> Result<(), AppError> {
    f.absorb_as(err, l, Some("eng.field."), str::to_string)
}

fn values(form: &[(String, String)]) -> HashMap<String, String> {
    form.iter().cloned().collect()
}

fn all_of(form: &[(String, String)], key: &str) -> Vec<String> {
    form.iter()
        .filter(|(k, v)| k == key && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_string())
        .collect()
}

/// Comma- or 、-separated values of a text field.
fn list_field(v: &str) -> Vec<String> {
    v.split([',', '，', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The current member units of an organisation, by name.
async fn current_members(s: &AppState, org: i64) -> Result<Vec<Membership>, AppError> {
    let current = MembershipFilter {
        current_only: true,
        ..MembershipFilter::default()
    };
    all_memberships(s, org, &current).await
}

fn unit_names(members: &[Membership]) -> HashMap<i64, String> {
    members
        .iter()
        .map(|m| (m.member.id, m.member.name.clone()))
        .collect()
}

/// Adds the names of those of `units` that `names` lacks, each looked up by itself.
async fn name_others(
    s: &AppState,
    names: &mut HashMap<i64, String>,
    units: Vec<i64>,
) -> Result<(), AppError> {
    for unit in units {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(unit) {
            e.insert(s.store.get_organisation(unit).await?.name);
        }
    }
    Ok(())
}

/// A year's participation of `org`'s member units, with their names: those of its member
/// units (current or former) from one listing, any other by itself.
async fn participation_named(
    s: &AppState,
    org: i64,
    year: i32,
) -> Result<(Vec<Participation>, HashMap<i64, String>), AppError> {
    let p = s.store.participation(org, year).await?;
    let mut names = unit_names(&all_memberships(s, org, &MembershipFilter::default()).await?);
    name_others(s, &mut names, p.iter().map(|x| x.unit).collect()).await?;
    Ok((p, names))
}

// ---------------------------------------------------------------------------------------------
// Hub

#[derive(Template)]
#[template(path = "engagement/hub.html")]
struct Hub {
    c: Ctx,
    managed: Vec<Organisation>,
    units: Vec<Organisation>,
}

async fn hub(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
) -> Result<Response, AppError> {
    let user = auth.user()?;
    let mut managed = Vec::new();
    if user.is_admin {
        let p = s
            .store
            .list_organisations(&Default::default(), Page::new(0, Page::MAX_LIMIT))
            .await?;
        managed = p
            .items
            .into_iter()
            .filter(|o| {
                matches!(
                    o.kind,
                    federa_core::org::OrgKind::Association | federa_core::org::OrgKind::Federation
                )
            })
            .collect();
    } else {
        let mut ids: Vec<i64> = auth
            .grants
            .iter()
            .filter(|g| auth.may(Action::ManageOrganisation(g.organisation_id)))
            .map(|g| g.organisation_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            managed.push(s.store.get_organisation(id).await?);
        }
    }
    let mut units = Vec::new();
    for id in represented_units(&auth) {
        units.push(s.store.get_organisation(id).await?);
    }
    Ok(render(&Hub { c, managed, units }, StatusCode::OK))
}

// ---------------------------------------------------------------------------------------------
// Activities

#[derive(Template)]
#[template(path = "engagement/activities.html")]
struct ActivitiesPage {
    c: Ctx,
    org: Organisation,
    list: Vec<Activity>,
    can_manage: bool,
    f: FormState,
}

fn kind_label(c: &Ctx, a: &Activity) -> &'static str {
    let k = serde_json::to_value(a.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    c.t(&format!("eng.kind.{k}"))
}

impl ActivitiesPage {
    fn kind(&self, a: &Activity) -> &'static str {
        kind_label(&self.c, a)
    }
}

async fn activities(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let org = s.store.get_organisation(id).await?;
    let list = s.store.list_activities(id, None).await?;
    let mut f = FormState::default();
    f.values.insert("kind".into(), "study_session".into());
    Ok(render(
        &ActivitiesPage {
            c,
            org,
            list,
            can_manage: auth.may(Action::ManageOrganisation(id)),
            f,
        },
        StatusCode::OK,
    ))
}

async fn activity_create(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_manage(&auth, id)?;
    let v = values(&form);
    let g = |k: &str| v.get(k).cloned().filter(|x| !x.trim().is_empty());
    let capacity = match g("capacity") {
        None => Ok(None),
        Some(x) => x
            .trim()
            .parse::<u32>()
            .map(Some)
            .map_err(|_| AppError::invalid("capacity", "not_a_number")),
    };
    let result = match capacity {
        Ok(capacity) => s
            .store
            .create_activity(
                auth.actor(),
                id,
                &ActivityInput {
                    kind: g("kind").unwrap_or_default(),
                    title: g("title").unwrap_or_default(),
                    starts: g("starts").unwrap_or_default(),
                    ends: g("ends"),
                    place: g("place"),
                    registration_deadline: g("registration_deadline"),
                    capacity,
                },
            )
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(a) => Ok(Redirect::to(&format!("/activities/{}", a.id)).into_response()),
        Err(e) => {
            let mut f = FormState::with_values(v);
            absorb(&mut f, e, c.locale)?;
            let org = s.store.get_organisation(id).await?;
            let list = s.store.list_activities(id, None).await?;
            Ok(render(
                &ActivitiesPage {
                    c,
                    org,
                    list,
                    can_manage: true,
                    f,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "engagement/activity.html")]
struct ActivityPage {
    c: Ctx,
    org: Organisation,
    a: Activity,
    names: HashMap<i64, String>,
    /// Current members not yet invited.
    uninvited: Vec<Membership>,
    /// Invited units the caller may register.
    registrable: Vec<i64>,
    can_manage: bool,
    f: FormState,
}

impl ActivityPage {
    fn name(&self, u: &i64) -> String {
        self.names.get(u).cloned().unwrap_or_else(|| u.to_string())
    }

    fn kind(&self) -> &'static str {
        kind_label(&self.c, &self.a)
    }

    fn attendance(&self, a: &Attendance) -> String {
        match a {
            Attendance::Attended { people } => self
                .c
                .locale
                .fill("eng.att.attended_n", &[("n", &people.to_string())]),
            Attendance::Excused => self.c.t("eng.att.excused").into(),
            Attendance::Absent => self.c.t("eng.att.absent").into(),
            Attendance::NotRecorded => self.c.t("eng.att.not_recorded").into(),
        }
    }

    fn att_state(&self, a: &Attendance) -> &'static str {
        match a {
            Attendance::Attended { .. } => "attended",
            Attendance::Excused => "excused",
            Attendance::Absent => "absent",
            Attendance::NotRecorded => "not_recorded",
        }
    }

    fn att_is(&self, a: &Attendance, st: &str) -> bool {
        self.att_state(a) == st
    }

    fn att_people(&self, a: &Attendance) -> String {
        match a {
            Attendance::Attended { people } => people.to_string(),
            _ => String::new(),
        }
    }
}

async fn activity_page(
    s: &AppState,
    c: Ctx,
    auth: &Auth,
    aid: i64,
    f: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let a = s.store.get_activity(aid).await?;
    let org = s.store.get_organisation(a.organisation_id).await?;
    let can_manage = auth.may(Action::ManageOrganisation(org.id));
    let members = current_members(s, org.id).await?;
    let mut names = unit_names(&members);
    let invited = a.invitations.iter().map(|i| i.unit).collect();
    name_others(s, &mut names, invited).await?;
    let uninvited = members
        .into_iter()
        .filter(|m| !a.invitations.iter().any(|i| i.unit == m.member.id))
        .collect();
    let registrable = a
        .invitations
        .iter()
        .map(|i| i.unit)
        .filter(|u| can_manage || represents(auth, *u))
        .collect();
    Ok(render(
        &ActivityPage {
            c,
            org,
            a,
            names,
            uninvited,
            registrable,
            can_manage,
            f,
        },
        status,
    ))
}

async fn activity_show(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(aid): Path<i64>,
) -> Result<Response, AppError> {
    activity_page(&s, c, &auth, aid, FormState::default(), StatusCode::OK).await
}

async fn after_activity_post(
    s: &AppState,
    c: Ctx,
    auth: &Auth,
    aid: i64,
    form: HashMap<String, String>,
    r: Result<Activity, AppError>,
) -> Result<Response, AppError> {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/activities/{aid}")).into_response()),
        Err(e) => {
            let mut f = FormState::with_values(form);
            absorb(&mut f, e, c.locale)?;
            activity_page(s, c, auth, aid, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn activity_invite(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(aid): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let a = s.store.get_activity(aid).await?;
    require_manage(&auth, a.organisation_id)?;
    let units: Vec<i64> = all_of(&form, "unit")
        .iter()
        .filter_map(|u| u.parse().ok())
        .collect();
    let r = s
        .store
        .invite_units(auth.actor(), aid, &units)
        .await
        .map_err(AppError::from);
    after_activity_post(&s, c, &auth, aid, values(&form), r).await
}

async fn activity_register(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(aid): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let a = s.store.get_activity(aid).await?;
    let v = values(&form);
    let unit: i64 = v.get("unit").and_then(|u| u.parse().ok()).unwrap_or(0);
    if require_manage(&auth, a.organisation_id).is_err() {
        require_represents(&auth, unit)?;
    }
    let r = match v.get("people").and_then(|p| p.trim().parse::<u32>().ok()) {
        None => Err(AppError::invalid("people", "not_a_number")),
        Some(people) => s
            .store
            .register_for_activity(auth.actor(), aid, unit, people, today())
            .await
            .map_err(AppError::from),
    };
    after_activity_post(&s, c, &auth, aid, v, r).await
}

async fn activity_attendance(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(aid): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let a = s.store.get_activity(aid).await?;
    require_manage(&auth, a.organisation_id)?;
    let v = values(&form);
    let entries: Vec<AttendanceInput> = a
        .invitations
        .iter()
        .filter_map(|i| {
            let state = v.get(&format!("state_{}", i.unit))?.clone();
            let people = v
                .get(&format!("people_{}", i.unit))
                .and_then(|p| p.trim().parse().ok());
            Some(AttendanceInput {
                unit: i.unit,
                state,
                people,
            })
        })
        .collect();
    let r = s
        .store
        .record_attendance(auth.actor(), aid, &entries, today())
        .await
        .map_err(AppError::from);
    after_activity_post(&s, c, &auth, aid, v, r).await
}

// ---------------------------------------------------------------------------------------------
// Circulars

#[derive(Template)]
#[template(path = "engagement/circulars.html")]
struct CircularsPage {
    c: Ctx,
    org: Organisation,
    list: Vec<CircularSummary>,
    f: FormState,
    statuses: Vec<String>,
    mail: bool,
    max_size: String,
}

impl ShowsTimes for CircularsPage {}

impl CircularsPage {
    fn status_checked(&self, s: &str) -> bool {
        self.statuses.iter().any(|x| x == s)
    }
}

async fn circulars_page(
    s: &AppState,
    c: Ctx,
    id: i64,
    f: FormState,
    statuses: Vec<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let org = s.store.get_organisation(id).await?;
    let list = s.store.list_circulars(id).await?;
    Ok(render(
        &CircularsPage {
            c,
            org,
            list,
            f,
            statuses,
            mail: s.mailer.is_some(),
            max_size: crate::upload::mib(federa_store::MAX_ATTACHMENT_BYTES),
        },
        status,
    ))
}

async fn circulars(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_manage(&auth, id)?;
    circulars_page(&s, c, id, FormState::default(), Vec::new(), StatusCode::OK).await
}

async fn circular_send(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> Result<Response, AppError> {
    require_manage(&auth, id)?;
    let mut v: HashMap<String, String> = HashMap::new();
    let mut statuses = Vec::new();
    let mut files = Vec::new();
    let bad = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            crate::upload::too_large(crate::upload::UPLOAD_LIMIT)
        } else {
            AppError::invalid("attachments", "unreadable_upload")
        }
    };
    let read = async {
        while let Some(field) = mp.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or("").to_string();
            if name == "attachment" {
                let file_name = field.file_name().unwrap_or("").to_string();
                let media = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                let bytes = field.bytes().await.map_err(bad)?;
                if !file_name.is_empty() || !bytes.is_empty() {
                    files.push(NewAttachment {
                        file_name,
                        media_type: media,
                        content: bytes.to_vec(),
                    });
                }
            } else {
                let text = field.text().await.map_err(bad)?;
                if name == "status" {
                    statuses.push(text);
                } else {
                    v.insert(name, text);
                }
            }
        }
        Ok::<(), AppError>(())
    }
    .await;
    match read {
        Ok(()) => {}
        // Too large: the form again, saying the limit; nothing was sent.
        Err(e) if e.code() == "file_too_large" => {
            v.remove("csrf");
            let mut f = FormState::with_values(v);
            f.errors.insert(
                "attachments".into(),
                c.locale.fill(
                    "eng.circ.too_large",
                    &[("size", &crate::upload::mib(crate::upload::UPLOAD_LIMIT))],
                ),
            );
            return circulars_page(&s, c, id, f, statuses, StatusCode::PAYLOAD_TOO_LARGE).await;
        }
        Err(e) => return Err(e),
    }
    let g = |k: &str| v.get(k).cloned().unwrap_or_default();
    let (districts, sectors, categories) = (
        list_field(&g("districts")),
        list_field(&g("sectors")),
        list_field(&g("categories")),
    );
    let audience = if districts.is_empty() && sectors.is_empty() && categories.is_empty() {
        Audience::All
    } else {
        Audience::Filtered {
            districts,
            sectors,
            categories,
        }
    };
    let result = match parse_local("acknowledge_by", &g("acknowledge_by")) {
        Err(e) => Err(e),
        Ok(by) => {
            let input = CircularInput {
                title: g("title"),
                body: g("body"),
                audience,
                statuses: statuses.clone(),
                acknowledge_by: by,
                attachments: files,
                email: s.mailer.is_some(),
            };
            s.store
                .send_circular(auth.actor(), id, &input, now())
                .await
                .map_err(AppError::from)
        }
    };
    match result {
        Ok(rec) => {
            let rec = super::email_circular(&s, auth.actor(), rec).await?;
            Ok(Redirect::to(&format!("/circulars/{}", rec.id)).into_response())
        }
        Err(e) => {
            v.remove("csrf");
            let mut f = FormState::with_values(v);
            absorb(&mut f, e, c.locale)?;
            circulars_page(&s, c, id, f, statuses, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Template)]
#[template(path = "engagement/circular.html")]
struct CircularPage {
    c: Ctx,
    org: Organisation,
    r: CircularRecord,
    reminders: Vec<Reminder>,
    names: HashMap<i64, String>,
    notice: Option<String>,
    error: Option<String>,
}

impl ShowsTimes for CircularPage {}

impl CircularPage {
    /// Whether any email copy, of the circular or a reminder, failed.
    fn any_failed(&self) -> bool {
        use federa_store::EmailState::Failed;
        self.r.recipients.iter().any(|x| x.email_state == Failed)
            || self.reminders.iter().any(|x| x.email_state == Failed)
    }

    fn state(&self, s: &federa_core::registry::circular::DeliveryState) -> &'static str {
        let k = serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        self.c.t(&format!("eng.delivery.{k}"))
    }

    fn email(&self, s: &federa_store::EmailState) -> &'static str {
        self.c.t(&format!("eng.email.{}", s.as_str()))
    }

    fn name(&self, u: &i64) -> String {
        self.names.get(u).cloned().unwrap_or_else(|| u.to_string())
    }

    fn audience(&self) -> String {
        let mut parts = Vec::new();
        match &self.r.audience {
            Audience::All => parts.push(self.c.t("eng.circ.audience_all").to_string()),
            Audience::Filtered {
                districts,
                sectors,
                categories,
            } => {
                for (k, l) in [
                    ("eng.circ.districts", districts),
                    ("eng.circ.sectors", sectors),
                    ("eng.circ.categories", categories),
                ] {
                    if !l.is_empty() {
                        parts.push(format!("{}: {}", self.c.t(k), l.join("、")));
                    }
                }
            }
        }
        if !self.r.statuses.is_empty() {
            let st: Vec<&str> = self
                .r
                .statuses
                .iter()
                .map(|s| self.c.t(&format!("member_status.{s}")))
                .collect();
            parts.push(format!(
                "{}: {}",
                self.c.t("eng.circ.statuses"),
                st.join("、")
            ));
        }
        parts.join("; ")
    }
}

async fn circular_page(
    s: &AppState,
    c: Ctx,
    cid: i64,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let r = s.store.get_circular(cid).await?;
    let org = s.store.get_organisation(r.organisation_id).await?;
    let reminders = s.store.list_reminders(cid).await?;
    let names = r
        .recipients
        .iter()
        .map(|x| (x.unit, x.unit_name.clone()))
        .collect();
    Ok(render(
        &CircularPage {
            c,
            org,
            r,
            reminders,
            names,
            notice,
            error,
        },
        status,
    ))
}

async fn circular_show(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(cid): Path<i64>,
) -> Result<Response, AppError> {
    super::managed_circular(&s, &auth, cid).await?;
    circular_page(&s, c, cid, None, None, StatusCode::OK).await
}

async fn circular_remind(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(cid): Path<i64>,
) -> Result<Response, AppError> {
    super::managed_circular(&s, &auth, cid).await?;
    match s
        .store
        .send_reminders(auth.actor(), cid, now(), s.mailer.is_some())
        .await
    {
        Ok(sent) => {
            let sent = super::email_reminders(&s, auth.actor(), cid, sent).await?;
            let n = sent.len().to_string();
            let notice = c.locale.fill("eng.circ.reminded", &[("n", &n)]);
            circular_page(&s, c, cid, Some(notice), None, StatusCode::OK).await
        }
        Err(e) => {
            let mut f = FormState::default();
            absorb(&mut f, e.into(), c.locale)?;
            let msg = f.errors.into_values().collect::<Vec<_>>().join(" ");
            circular_page(
                &s,
                c,
                cid,
                None,
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Sends again the email copies that failed, and shows how many went through.
async fn circular_resend(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(cid): Path<i64>,
) -> Result<Response, AppError> {
    let r = super::managed_circular(&s, &auth, cid).await?;
    let tried = super::resend_failed_email(&s, auth.actor(), &r).await?;
    let notice = c
        .locale
        .fill("eng.circ.resent", &[("n", &tried.to_string())]);
    circular_page(&s, c, cid, Some(notice), None, StatusCode::OK).await
}

async fn attachment_download(
    State(s): State<AppState>,
    auth: Auth,
    Path((cid, att)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let rec = s.store.get_circular(cid).await?;
    super::api::may_see_circular(&s, &auth, &rec).await?;
    let (meta, bytes) = s.store.circular_attachment(cid, att).await?;
    Ok(super::api::attachment_response(
        &meta.attachment.file_name,
        &meta.attachment.media_type,
        bytes,
    ))
}

// ---------------------------------------------------------------------------------------------
// Inbox

#[derive(Template)]
#[template(path = "engagement/inbox.html")]
struct InboxPage {
    c: Ctx,
    unit: Organisation,
    items: Vec<InboxItem>,
    contact: FormState,
}

impl ShowsTimes for InboxPage {}

impl InboxPage {
    fn state(&self, s: &federa_core::registry::circular::DeliveryState) -> &'static str {
        let k = serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        self.c.t(&format!("eng.delivery.{k}"))
    }
}

async fn inbox_page(
    s: &AppState,
    c: Ctx,
    uid: i64,
    contact: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    let unit = s.store.get_organisation(uid).await?;
    let items = s.store.inbox(uid).await?;
    let mut contact = contact;
    if contact.values.is_empty()
        && let Some(k) = s.store.unit_contact(uid).await?
    {
        contact.values.insert("email".into(), k.email);
        contact
            .values
            .insert("name".into(), k.name.unwrap_or_default());
    }
    Ok(render(
        &InboxPage {
            c,
            unit,
            items,
            contact,
        },
        status,
    ))
}

async fn inbox(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(uid): Path<i64>,
) -> Result<Response, AppError> {
    require_represents(&auth, uid)?;
    inbox_page(&s, c, uid, FormState::default(), StatusCode::OK).await
}

async fn contact_set(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(uid): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    super::api::may_edit_contact(&s, &auth, uid).await?;
    let v = values(&form);
    let k = federa_store::UnitContact {
        email: v.get("email").cloned().unwrap_or_default(),
        name: v.get("name").cloned(),
    };
    match s.store.set_unit_contact(auth.actor(), uid, &k).await {
        Ok(_) => Ok(Redirect::to(&format!("/units/{uid}/inbox")).into_response()),
        Err(e) => {
            let mut f = FormState::with_values(v);
            absorb(&mut f, e.into(), c.locale)?;
            inbox_page(&s, c, uid, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Template)]
#[template(path = "engagement/inbox_item.html")]
struct InboxItemPage {
    c: Ctx,
    unit: Organisation,
    r: CircularRecord,
    from: Organisation,
    acknowledged_at: Option<OffsetDateTime>,
}

impl ShowsTimes for InboxItemPage {}

/// Opening a circular in the inbox records that the unit read it.
async fn inbox_item(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path((uid, cid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    require_represents(&auth, uid)?;
    let r = s.store.get_circular(cid).await?;
    if !r.recipients.iter().any(|x| x.unit == uid) {
        return Err(AppError::NotFound(format!("circular {cid}")));
    }
    let r = s
        .store
        .mark_circular_read(super::actor_user(&auth)?, cid, uid, now())
        .await?;
    let unit = s.store.get_organisation(uid).await?;
    let from = s.store.get_organisation(r.organisation_id).await?;
    let acknowledged_at = r
        .recipients
        .iter()
        .find(|x| x.unit == uid)
        .and_then(|x| x.acknowledged_at);
    Ok(render(
        &InboxItemPage {
            c,
            unit,
            r,
            from,
            acknowledged_at,
        },
        StatusCode::OK,
    ))
}

async fn inbox_ack(
    State(s): State<AppState>,
    auth: Auth,
    Path((uid, cid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    require_represents(&auth, uid)?;
    s.store
        .acknowledge_circular(super::actor_user(&auth)?, cid, uid, now())
        .await?;
    Ok(Redirect::to(&format!("/units/{uid}/inbox/{cid}")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Statistics

/// The tables of the statistics page, each with its chart and CSV download.
const DIMENSIONS: [(&str, Dimension); 4] = [
    ("district", Dimension::District),
    ("sector", Dimension::Sector),
    ("category", Dimension::Category),
    ("join_year", Dimension::JoinYear),
];

struct Table {
    key: &'static str,
    rows: Vec<Count>,
}

#[derive(Template)]
#[template(path = "engagement/statistics.html")]
struct StatisticsPage {
    c: Ctx,
    org: Organisation,
    on: String,
    year: i32,
    tables: Vec<Table>,
    participation: Vec<Participation>,
    names: HashMap<i64, String>,
    indicators: Vec<Indicator>,
    can_manage: bool,
    f: FormState,
}

impl StatisticsPage {
    fn label(&self, k: &str) -> String {
        if k.is_empty() {
            self.c.t("eng.stats.unspecified").to_string()
        } else {
            k.to_string()
        }
    }

    fn name(&self, u: &i64) -> String {
        self.names.get(u).cloned().unwrap_or_else(|| u.to_string())
    }

    fn rate(&self, p: &Participation) -> String {
        let r = p.rate_permille();
        format!("{}.{} %", r / 10, r % 10)
    }
}

fn day_param(q: &HashMap<String, String>) -> Result<time::Date, AppError> {
    match q.get("on").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(today()),
        Some(d) => {
            federa_core::org::parse_date(d).ok_or_else(|| AppError::invalid("on", "invalid_date"))
        }
    }
}

fn year_param(q: &HashMap<String, String>) -> i32 {
    q.get("year")
        .and_then(|y| y.trim().parse().ok())
        .unwrap_or_else(|| today().year())
}

async fn statistics_page(
    s: &AppState,
    c: Ctx,
    auth: &Auth,
    id: i64,
    q: &HashMap<String, String>,
    f: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let org = s.store.get_organisation(id).await?;
    let on = day_param(q)?;
    let year = year_param(q);
    let mut tables = Vec::new();
    for (key, dim) in DIMENSIONS {
        tables.push(Table {
            key,
            rows: s.store.members_by(id, dim, on).await?,
        });
    }
    let (participation, names) = participation_named(s, id, year).await?;
    let indicators = s.store.list_indicators(id).await?;
    Ok(render(
        &StatisticsPage {
            c,
            org,
            on: federa_core::org::format_date(on),
            year,
            tables,
            participation,
            names,
            indicators,
            can_manage: auth.may(Action::ManageOrganisation(id)),
            f,
        },
        status,
    ))
}

async fn statistics(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    statistics_page(&s, c, &auth, id, &q, FormState::default(), StatusCode::OK).await
}

async fn indicator_create(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_manage(&auth, id)?;
    let v = values(&form);
    let g = |k: &str| v.get(k).cloned().unwrap_or_default();
    let input = IndicatorInput {
        name: g("name"),
        figure: g("figure"),
        unit: g("unit"),
        as_of: g("as_of"),
        source: g("source"),
        source_url: Some(g("source_url")),
    };
    match s
        .store
        .create_indicator(auth.actor(), id, &input, today())
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/organisations/{id}/statistics#indicators")).into_response())
        }
        Err(e) => {
            let mut f = FormState::with_values(v);
            absorb(&mut f, e.into(), c.locale)?;
            statistics_page(
                &s,
                c,
                &auth,
                id,
                &HashMap::new(),
                f,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `members_by_{dim}.csv`, `members_by_{dim}.svg`, `participation.csv`, `participation.svg`,
/// `indicators.csv`.
async fn statistics_file(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path((id, file)): Path<(i64, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    s.store.get_organisation(id).await?;
    let not_found = || AppError::NotFound(format!("statistics file {file}"));
    let (stem, ext) = file.rsplit_once('.').ok_or_else(not_found)?;
    let csv = |header: &[&str], rows: Vec<Vec<String>>| -> Result<Response, AppError> {
        let bytes = stats::table_csv(header, rows).map_err(AppError::internal)?;
        Ok(download(
            "text/csv; charset=utf-8",
            &format!("{stem}.csv"),
            bytes,
        ))
    };
    let svg = |title: &str, bars: Vec<(String, u64)>| -> Result<Response, AppError> {
        let doc = super::charts::bar_chart(title, &bars)
            .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
        Ok((
            [
                (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            doc,
        )
            .into_response())
    };
    let unspecified = c.t("eng.stats.unspecified");
    if let Some(key) = stem.strip_prefix("members_by_") {
        let dim = DIMENSIONS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, d)| *d)
            .ok_or_else(not_found)?;
        let rows = s.store.members_by(id, dim, day_param(&q)?).await?;
        let head = c.t(&format!("eng.stats.by_{key}"));
        return match ext {
            "csv" => csv(
                &[head, c.t("eng.stats.members")],
                rows.iter()
                    .map(|r| {
                        vec![
                            if r.key.is_empty() {
                                unspecified.to_string()
                            } else {
                                r.key.clone()
                            },
                            r.members.to_string(),
                        ]
                    })
                    .collect(),
            ),
            "svg" => svg(
                &c.locale.fill("eng.stats.chart_title", &[("by", head)]),
                rows.iter()
                    .map(|r| {
                        (
                            if r.key.is_empty() {
                                unspecified.to_string()
                            } else {
                                r.key.clone()
                            },
                            r.members,
                        )
                    })
                    .collect(),
            ),
            _ => Err(not_found()),
        };
    }
    match (stem, ext) {
        ("participation", _) => {
            let year = year_param(&q);
            let (p, names) = participation_named(&s, id, year).await?;
            let name = |u: i64| names.get(&u).cloned().unwrap_or_default();
            if ext == "svg" {
                return svg(
                    &c.locale.fill(
                        "eng.stats.participation_title",
                        &[("year", &year.to_string())],
                    ),
                    p.iter()
                        .map(|x| (name(x.unit), u64::from(x.attended)))
                        .collect(),
                );
            }
            if ext != "csv" {
                return Err(not_found());
            }
            csv(
                &[
                    c.t("eng.stats.unit"),
                    c.t("eng.stats.year"),
                    c.t("eng.stats.invited"),
                    c.t("eng.stats.registered"),
                    c.t("eng.stats.attended"),
                    c.t("eng.stats.people"),
                    c.t("eng.stats.rate_permille"),
                ],
                p.iter()
                    .map(|x| {
                        vec![
                            name(x.unit),
                            x.year.to_string(),
                            x.invited.to_string(),
                            x.registered.to_string(),
                            x.attended.to_string(),
                            x.people.to_string(),
                            x.rate_permille().to_string(),
                        ]
                    })
                    .collect(),
            )
        }
        ("indicators", "csv") => {
            let list = s.store.list_indicators(id).await?;
            csv(
                &[
                    c.t("eng.ind.name"),
                    c.t("eng.ind.figure"),
                    c.t("eng.ind.unit"),
                    c.t("eng.ind.as_of"),
                    c.t("eng.ind.source"),
                    c.t("eng.ind.source_url"),
                ],
                list.into_iter()
                    .map(|i| {
                        vec![
                            i.name,
                            i.figure,
                            i.unit,
                            federa_core::org::format_date(i.as_of),
                            i.source,
                            i.source_url.unwrap_or_default(),
                        ]
                    })
                    .collect(),
            )
        }
        _ => Err(not_found()),
    }
}

// ---------------------------------------------------------------------------------------------
// Convention

#[derive(Template)]
#[template(path = "engagement/convention.html")]
struct ConventionPage {
    c: Ctx,
    org: Organisation,
    current: Option<ConventionRecord>,
    versions: Vec<federa_store::Convention>,
    /// Units the caller represents that have not signed the current version.
    may_sign: Vec<(i64, String)>,
    can_manage: bool,
    f: FormState,
}

async fn convention_page(
    s: &AppState,
    c: Ctx,
    auth: &Auth,
    id: i64,
    f: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let org = s.store.get_organisation(id).await?;
    let versions = s.store.list_conventions(id).await?;
    let current = match versions.first() {
        Some(v) => Some(s.store.get_convention(v.id).await?),
        None => None,
    };
    let may_sign = current
        .as_ref()
        .map(|r| {
            r.not_signed
                .iter()
                .filter(|(u, _)| auth.user.is_some() && represents(auth, *u))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    Ok(render(
        &ConventionPage {
            c,
            org,
            current,
            versions,
            may_sign,
            can_manage: auth.may(Action::ManageOrganisation(id)),
            f,
        },
        status,
    ))
}

async fn convention(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    convention_page(&s, c, &auth, id, FormState::default(), StatusCode::OK).await
}

async fn convention_create(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_manage(&auth, id)?;
    let v = values(&form);
    let g = |k: &str| v.get(k).cloned().unwrap_or_default();
    let input = ConventionInput {
        title: g("title"),
        body: g("body"),
        adopted_on: g("adopted_on"),
    };
    match s.store.create_convention(auth.actor(), id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/organisations/{id}/convention")).into_response()),
        Err(e) => {
            let mut f = FormState::with_values(v);
            absorb(&mut f, e.into(), c.locale)?;
            convention_page(&s, c, &auth, id, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn convention_sign(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(cid): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let v = values(&form);
    let unit: i64 = v.get("unit").and_then(|u| u.parse().ok()).unwrap_or(0);
    let conv = s.store.get_convention(cid).await?;
    let org = conv.convention.organisation_id;
    match s
        .store
        .sign_convention(super::actor_user(&auth)?, cid, unit, today())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/organisations/{org}/convention")).into_response()),
        Err(e) => {
            let mut f = FormState::with_values(v);
            absorb(&mut f, e.into(), c.locale)?;
            convention_page(&s, c, &auth, org, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Complaints

#[derive(Template)]
#[template(path = "engagement/complaints.html")]
struct ComplaintsPage {
    c: Ctx,
    org: Organisation,
    list: Vec<ComplaintRecord>,
    members: Vec<Membership>,
    body: String,
    can_manage: bool,
    f: FormState,
}

fn complaint_state(c: &Ctx, s: &ComplaintState) -> &'static str {
    c.t(&format!("eng.complaint.{}", s.as_str()))
}

fn body_label(c: &Ctx, b: &str) -> String {
    if b == federa_store::DEFAULT_COMPLAINT_BODY {
        c.t("eng.complaint.board_of_supervisors").to_string()
    } else {
        b.to_string()
    }
}

impl ComplaintsPage {
    fn state(&self, s: &ComplaintState) -> &'static str {
        complaint_state(&self.c, s)
    }

    fn body_name(&self, b: &str) -> String {
        body_label(&self.c, b)
    }
}

async fn complaints_page(
    s: &AppState,
    c: Ctx,
    auth: &Auth,
    id: i64,
    f: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = auth.user()?.id;
    let org = s.store.get_organisation(id).await?;
    let can_manage = auth.may(Action::ManageOrganisation(id));
    let list = s
        .store
        .list_complaints(id, (!can_manage).then_some(user))
        .await?;
    let members = current_members(s, id).await?;
    let body = s.store.complaint_body(id).await?;
    Ok(render(
        &ComplaintsPage {
            c,
            org,
            list,
            members,
            body,
            can_manage,
            f,
        },
        status,
    ))
}

async fn complaints(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    complaints_page(&s, c, &auth, id, FormState::default(), StatusCode::OK).await
}

async fn complaint_file(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let actor = super::actor_user(&auth)?;
    let v = values(&form);
    let input = ComplaintInput {
        against: v.get("against").and_then(|u| u.parse().ok()).unwrap_or(0),
        summary: v.get("summary").cloned().unwrap_or_default(),
    };
    match s.store.file_complaint(actor, id, &input, today()).await {
        Ok(r) => Ok(Redirect::to(&format!("/complaints/{}", r.id)).into_response()),
        Err(e) => {
            let mut f = FormState::with_values(v);
            absorb(&mut f, e.into(), c.locale)?;
            complaints_page(&s, c, &auth, id, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Template)]
#[template(path = "engagement/complaint.html")]
struct ComplaintPage {
    c: Ctx,
    r: ComplaintRecord,
    can_manage: bool,
    is_filer: bool,
    f: FormState,
}

impl ComplaintPage {
    fn state(&self, s: &ComplaintState) -> &'static str {
        complaint_state(&self.c, s)
    }

    fn body_name(&self) -> String {
        body_label(&self.c, &self.r.handled_by)
    }

    fn may_choose(&self, st: &str) -> bool {
        if st == "withdrawn" {
            self.is_filer
        } else {
            self.can_manage
        }
    }

    fn decision(&self, o: &Outcome) -> String {
        match &o.decision {
            Decision::Secretariat { reference } => reference.clone(),
            Decision::Motion { motion_id } => self
                .c
                .locale
                .fill("eng.complaint.motion", &[("id", &motion_id.to_string())]),
            other => format!("{other:?}"),
        }
    }
}

async fn complaint_page(
    s: &AppState,
    c: Ctx,
    auth: &Auth,
    cid: i64,
    f: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    let r = s.store.get_complaint(cid).await?;
    super::api::may_see_complaint(auth, &r)?;
    let can_manage = auth.may(Action::ManageOrganisation(r.organisation_id));
    let is_filer = auth.user()?.id == r.filed_by;
    Ok(render(
        &ComplaintPage {
            c,
            r,
            can_manage,
            is_filer,
            f,
        },
        status,
    ))
}

async fn complaint_show(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(cid): Path<i64>,
) -> Result<Response, AppError> {
    complaint_page(&s, c, &auth, cid, FormState::default(), StatusCode::OK).await
}

async fn complaint_advance(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(cid): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let r = s.store.get_complaint(cid).await?;
    let user = auth.user()?.id;
    let v = values(&form);
    let to = v.get("to").cloned().unwrap_or_default();
    let to: Option<ComplaintState> =
        serde_json::from_value(serde_json::Value::String(to.trim().to_string())).ok();
    if !(to == Some(ComplaintState::Withdrawn) && user == r.filed_by) {
        require_manage(&auth, r.organisation_id)?;
    }
    let g = |k: &str| v.get(k).cloned().filter(|x| !x.trim().is_empty());
    let result = match to {
        None => Err(AppError::invalid("to", "unknown_value")),
        Some(to) => {
            let outcome = g("outcome").map(|text| Outcome {
                text,
                decision: Decision::Secretariat {
                    reference: g("reference").unwrap_or_default(),
                },
            });
            s.store
                .advance_complaint(
                    super::actor_user(&auth)?,
                    cid,
                    &ComplaintAdvance {
                        to,
                        note: g("note"),
                        outcome,
                    },
                    today(),
                )
                .await
                .map_err(AppError::from)
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/complaints/{cid}")).into_response()),
        Err(e) => {
            let mut f = FormState::with_values(v);
            absorb(&mut f, e, c.locale)?;
            complaint_page(&s, c, &auth, cid, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
