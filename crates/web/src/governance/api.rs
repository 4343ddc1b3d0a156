//! The governance JSON API: bodies, terms, seats and offices; delegates; meetings (convene,
//! sign in, proxies, live quorum, open, close, approve minutes); agenda, motions, amendments
//! with diffs, documents and version comparison; elections (nominate, eligibility, rounds);
//! polls (open, cast, close, result with the rule and numbers, every round of the count).
//!
//! Values are `federa_core::governance`'s in their JSON form: a holder is
//! `{"kind":"unit","id":5}` or `{"kind":"person","id":3}`, a ballot
//! `{"kind":"motion","choice":"yes"}`, `{"kind":"marks","marked":[0,2]}` or
//! `{"kind":"ranking","ranks":[[1],[0]]}` (candidates numbered in the round's order). A refused
//! operation answers the rule's code (`not_entitled`, `already_voted`, `poll_closed`,
//! `no_quorum`, `ineligible`, `motion_in_poll`, ...) with the field concerned, and changes
//! nothing.
//!
//! Roles: an organisation's admin and secretariat set up bodies and run meetings; a delegate
//! (a user linked to a seat holder, `POST .../delegates`) signs themself in, gives their proxy
//! and casts their own vote and those whose proxy they carry. Reading is public.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use federa_core::governance::{
    BallotContent, Body, BodyId, BodyKind, BodyRules, Candidate, DocumentId, DocumentKind,
    DocumentRef, ElectionId, ElectionRound, Fills, GovError, Holder, Meeting, MeetingId, Method,
    MotionId, OfficeKind, ParagraphDiff, Poll, PollId, PollSubject, Receipt, Secrecy, Term, TermId,
};
use federa_store::governance::{
    DocumentRecord, GovernanceError, MeetingSummary, NewMeeting, PollProgress, StoredBodies,
};
use serde::{Deserialize, Serialize};
use tally::decision::{Decision, Majority, QuorumCheck};
use time::{Date, OffsetDateTime};
use utoipa::{OpenApi, ToSchema};

use super::prepare;
use crate::auth::{Action, Auth};
use crate::error::{ApiJson, AppError, ErrorBody};
use crate::{AppState, now};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/organisations/{org}/bodies",
            get(show_bodies).post(add_body),
        )
        .route("/api/organisations/{org}/terms", post(add_term))
        .route(
            "/api/organisations/{org}/terms/{term}/seats",
            post(fill_seats),
        )
        .route(
            "/api/organisations/{org}/terms/{term}/offices",
            post(appoint),
        )
        .route("/api/organisations/{org}/delegates", post(link_delegate))
        .route(
            "/api/organisations/{org}/meetings",
            get(list_meetings).post(convene),
        )
        .route(
            "/api/organisations/{org}/documents",
            get(list_documents).post(create_document),
        )
        .route("/api/meetings/{id}", get(show_meeting))
        .route("/api/meetings/{id}/quorum", get(show_quorum))
        .route("/api/meetings/{id}/sign-in", post(sign_in))
        .route("/api/meetings/{id}/sign-out", post(sign_out))
        .route("/api/meetings/{id}/proxies", post(give_proxy))
        .route("/api/meetings/{id}/open", post(open_meeting))
        .route("/api/meetings/{id}/close", post(close_meeting))
        .route("/api/meetings/{id}/approve-minutes", post(approve_minutes))
        .route("/api/meetings/{id}/agenda", post(add_agenda_item))
        .route("/api/meetings/{id}/motions", post(submit_motion))
        .route(
            "/api/meetings/{id}/motions/{motion}/agenda",
            post(put_on_agenda),
        )
        .route(
            "/api/meetings/{id}/motions/{motion}/amendments",
            post(propose_amendment),
        )
        .route(
            "/api/meetings/{id}/motions/{motion}/amendments/{n}",
            post(decide_amendment),
        )
        .route(
            "/api/meetings/{id}/motions/{motion}/poll",
            post(open_motion_poll),
        )
        .route(
            "/api/meetings/{id}/motions/{motion}/adopt",
            post(adopt_document),
        )
        .route("/api/meetings/{id}/elections", post(add_election))
        .route(
            "/api/meetings/{id}/elections/{election}/candidates",
            post(nominate),
        )
        .route(
            "/api/meetings/{id}/elections/{election}/eligibility",
            get(eligibility),
        )
        .route(
            "/api/meetings/{id}/elections/{election}/poll",
            post(open_election_poll),
        )
        .route(
            "/api/meetings/{id}/elections/{election}/install",
            post(install),
        )
        .route("/api/polls/{poll}", get(show_poll))
        .route("/api/polls/{poll}/votes", post(cast_vote))
        .route("/api/polls/{poll}/close", post(close_poll))
        .route("/api/documents/{doc}", get(show_document))
        .route("/api/documents/{doc}/compare", get(compare_versions))
        .route("/api/documents/{doc}/drafts", post(add_draft))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "federa governance API",
        description = "Bodies, meetings, motions, documents, elections and polls."
    ),
    paths(
        show_bodies,
        add_body,
        add_term,
        fill_seats,
        appoint,
        link_delegate,
        list_meetings,
        convene,
        list_documents,
        create_document,
        show_meeting,
        show_quorum,
        sign_in,
        sign_out,
        give_proxy,
        open_meeting,
        close_meeting,
        approve_minutes,
        add_agenda_item,
        submit_motion,
        put_on_agenda,
        propose_amendment,
        decide_amendment,
        open_motion_poll,
        adopt_document,
        add_election,
        nominate,
        eligibility,
        open_election_poll,
        install,
        show_poll,
        cast_vote,
        close_poll,
        show_document,
        compare_versions,
        add_draft
    ),
    components(schemas(
        ErrorBody,
        BodiesView,
        NewBody,
        NewTerm,
        NewSeats,
        NewOffice,
        NewDelegate,
        ConveneInput,
        MeetingView,
        QuorumView,
        HoldersInput,
        HolderInput,
        ProxyInput,
        ApproveInput,
        AgendaInput,
        Numbered,
        MotionInput,
        ItemInput,
        AmendmentInput,
        AmendmentView,
        DecideInput,
        PollInput,
        ProgressView,
        ElectionInput,
        NominateInput,
        EligibilityView,
        PollView,
        VoteInput,
        ReceiptView,
        CloseView,
        DocumentView,
        DocumentInput,
        DraftInput,
        CompareView,
        MeetingList,
        DocumentList,
        Done
    ))
)]
pub struct GovernanceApiDoc;

/// The governance part of the OpenAPI document.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    GovernanceApiDoc::openapi()
}

/// The field a refusal concerns.
fn gov_field(e: &GovError) -> Option<&'static str> {
    Some(match e {
        GovError::MeetingState { .. } | GovError::NoticeTooShort { .. } => "meeting",
        GovError::NotOnRoll { .. } => "holder",
        GovError::ProxiesNotAllowed | GovError::ProxyToSelf { .. } => "principal",
        GovError::TooManyProxies { .. } | GovError::CarrierNotPresent { .. } => "carrier",
        GovError::NoQuorum { .. } => "quorum",
        GovError::NoSuchAgendaItem { .. } => "agenda_item",
        GovError::NoSuchMotion { .. }
        | GovError::MotionState { .. }
        | GovError::MotionInPoll { .. }
        | GovError::NotAdopted { .. } => "motion",
        GovError::NoSuchParagraph { .. } => "paragraph",
        GovError::NoSuchAmendment { .. } => "amendment",
        GovError::NoSuchElection { .. }
        | GovError::ElectionState { .. }
        | GovError::NoCandidates { .. } => "election",
        GovError::NoSuchPoll { .. } | GovError::PollClosed { .. } => "poll",
        GovError::PollStillOpen { .. } => "poll",
        GovError::NoSuchTerm { .. } | GovError::SeatsFull { .. } => "term",
        GovError::NoSuchBody { .. } => "body",
        GovError::DuplicateId { .. } => "id",
        GovError::NotEntitled { .. } | GovError::AlreadyVoted { .. } => "voter",
        GovError::NotProxy { .. } => "by",
        GovError::BadBallot { .. } => "ballot",
        GovError::Ineligible { .. }
        | GovError::NotACandidate { .. }
        | GovError::DuplicateCandidate { .. } => "candidate",
        GovError::Count { .. } | GovError::Decision { .. } => "poll",
        GovError::NoSuchVersion { .. } => "version",
    })
}

impl From<GovernanceError> for AppError {
    fn from(e: GovernanceError) -> AppError {
        match e {
            GovernanceError::Refused(e) => {
                let code = e.code();
                AppError::Refused {
                    code,
                    message: e.to_string(),
                    field: gov_field(&e).map(str::to_string),
                    status: if code.starts_with("no_such_") {
                        StatusCode::NOT_FOUND
                    } else {
                        StatusCode::CONFLICT
                    },
                }
            }
            GovernanceError::Store(e) => e.into(),
        }
    }
}

impl From<GovError> for AppError {
    fn from(e: GovError) -> AppError {
        GovernanceError::Refused(e).into()
    }
}

fn parse_date(field: &str, s: &str) -> Result<Date, AppError> {
    federa_core::org::parse_date(s).ok_or_else(|| AppError::invalid(field, "invalid_date"))
}

fn parse_time(field: &str, s: &str) -> Result<OffsetDateTime, AppError> {
    OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .map_err(|_| AppError::invalid(field, "invalid_time"))
}

/// The holders the signed-in user is a delegate of in `org`.
async fn own_holders(s: &AppState, auth: &Auth, org: i64) -> Result<Vec<Holder>, AppError> {
    let user = auth.user()?;
    Ok(s.store.delegate_holders(user.id, org).await?)
}

/// The organisation of a meeting, after checking `action` on it.
async fn meeting_org(
    s: &AppState,
    auth: &Auth,
    id: u64,
    action: fn(i64) -> Action,
) -> Result<i64, AppError> {
    let org = s.store.meeting_organisation(MeetingId(id)).await?;
    auth.require(action(org))?;
    Ok(org)
}

/// A change acknowledged with nothing more to say.
#[derive(Debug, Serialize, ToSchema)]
pub struct Done {
    pub ok: bool,
}

// ----- Bodies, terms, seats, offices, delegates -----

#[derive(Debug, Serialize, ToSchema)]
pub struct BodiesView {
    pub organisation_id: i64,
    /// One more with each change.
    pub version: i64,
    /// `federa_core::governance::Bodies`: bodies with their rules, terms with seats and offices.
    #[schema(value_type = Object)]
    pub bodies: federa_core::governance::Bodies,
}

impl From<StoredBodies> for BodiesView {
    fn from(b: StoredBodies) -> BodiesView {
        BodiesView {
            organisation_id: b.organisation_id,
            version: b.version,
            bodies: b.bodies,
        }
    }
}

/// The bodies of an organisation with their terms, seats and offices.
#[utoipa::path(get, path = "/api/organisations/{org}/bodies", params(("org" = i64, Path)),
    responses((status = 200, body = BodiesView), (status = 404, body = ErrorBody)))]
async fn show_bodies(
    State(s): State<AppState>,
    auth: Auth,
    Path(org): Path<i64>,
) -> Result<Json<BodiesView>, AppError> {
    auth.require(Action::ReadRegistry)?;
    Ok(Json(s.store.bodies(org).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBody {
    /// congress, council, executive_council, supervisors, committee
    #[schema(value_type = String)]
    pub kind: BodyKind,
    pub name: String,
    /// `federa_core::governance::BodyRules`: seats, elected_by, drawn_from,
    /// incompatible_with, quorum, majority, proxies, notice_days.
    #[schema(value_type = Object)]
    pub rules: BodyRules,
}

/// Add a body (admin, secretariat).
#[utoipa::path(post, path = "/api/organisations/{org}/bodies", params(("org" = i64, Path)),
    request_body = NewBody,
    responses((status = 201, body = BodiesView), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn add_body(
    State(s): State<AppState>,
    auth: Auth,
    Path(org): Path<i64>,
    ApiJson(input): ApiJson<NewBody>,
) -> Result<(StatusCode, Json<BodiesView>), AppError> {
    auth.require(Action::RunMeetings(org))?;
    let name = input.name.trim().to_string();
    if name.is_empty() {
        return Err(AppError::invalid("name", "required"));
    }
    let (_, b) = s
        .store
        .update_bodies(org, auth.actor(), "add_body", |b, ids| {
            for id in [input.rules.elected_by, input.rules.drawn_from]
                .into_iter()
                .flatten()
                .chain(input.rules.incompatible_with.iter().copied())
            {
                b.body(id)?;
            }
            let body = Body {
                id: BodyId(ids.fresh()),
                kind: input.kind,
                name,
                rules: input.rules,
            };
            b.bodies.push(body.clone());
            Ok(body)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(b.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTerm {
    #[schema(value_type = u64)]
    pub body: BodyId,
    /// 1 for the first term (届).
    pub number: u32,
    /// YYYY-MM-DD
    pub start: String,
}

/// Add a term of a body (admin, secretariat).
#[utoipa::path(post, path = "/api/organisations/{org}/terms", params(("org" = i64, Path)),
    request_body = NewTerm,
    responses((status = 201, body = BodiesView), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn add_term(
    State(s): State<AppState>,
    auth: Auth,
    Path(org): Path<i64>,
    ApiJson(input): ApiJson<NewTerm>,
) -> Result<(StatusCode, Json<BodiesView>), AppError> {
    auth.require(Action::RunMeetings(org))?;
    let start = parse_date("start", &input.start)?;
    if input.number == 0 {
        return Err(AppError::invalid("number", "out_of_range"));
    }
    let (_, b) = s
        .store
        .update_bodies(org, auth.actor(), "add_term", |b, ids| {
            b.body(input.body)?;
            let t = Term::new(TermId(ids.fresh()), input.body, input.number, start);
            b.terms.push(t.clone());
            Ok(t)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(b.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSeats {
    #[schema(value_type = Vec<Object>)]
    pub holders: Vec<Holder>,
    /// YYYY-MM-DD
    pub start: String,
}

/// Seat holders in a term by appointment or by right (elections seat theirs on install).
#[utoipa::path(post, path = "/api/organisations/{org}/terms/{term}/seats",
    params(("org" = i64, Path), ("term" = u64, Path)), request_body = NewSeats,
    responses((status = 200, body = BodiesView), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn fill_seats(
    State(s): State<AppState>,
    auth: Auth,
    Path((org, term)): Path<(i64, u64)>,
    ApiJson(input): ApiJson<NewSeats>,
) -> Result<Json<BodiesView>, AppError> {
    auth.require(Action::RunMeetings(org))?;
    let start = parse_date("start", &input.start)?;
    let (_, b) = s
        .store
        .update_bodies(org, auth.actor(), "fill_seats", |b, _| {
            let body = b.term(TermId(term))?.body;
            let rules = b.body(body)?.rules.clone();
            b.term_mut(TermId(term))?
                .fill_seats(&rules, &input.holders, start, None)?;
            Ok(input.holders.len())
        })
        .await?;
    Ok(Json(b.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOffice {
    /// president, vice_president, secretary_general, chair_of_supervisors, or {"other": name}
    #[schema(value_type = Object)]
    pub office: OfficeKind,
    #[schema(value_type = Object)]
    pub holder: Holder,
    /// YYYY-MM-DD
    pub start: String,
}

/// Give an office in a term to one of its members, by appointment.
#[utoipa::path(post, path = "/api/organisations/{org}/terms/{term}/offices",
    params(("org" = i64, Path), ("term" = u64, Path)), request_body = NewOffice,
    responses((status = 200, body = BodiesView), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn appoint(
    State(s): State<AppState>,
    auth: Auth,
    Path((org, term)): Path<(i64, u64)>,
    ApiJson(input): ApiJson<NewOffice>,
) -> Result<Json<BodiesView>, AppError> {
    auth.require(Action::RunMeetings(org))?;
    let start = parse_date("start", &input.start)?;
    let (_, b) = s
        .store
        .update_bodies(org, auth.actor(), "appoint", |b, _| {
            b.term_mut(TermId(term))?
                .appoint(input.office, input.holder, start, None)
        })
        .await?;
    Ok(Json(b.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDelegate {
    pub user_id: i64,
    #[schema(value_type = Object)]
    pub holder: Holder,
}

/// Link a user as the delegate of a seat holder (admin, secretariat).
#[utoipa::path(post, path = "/api/organisations/{org}/delegates", params(("org" = i64, Path)),
    request_body = NewDelegate,
    responses((status = 201, body = Done), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn link_delegate(
    State(s): State<AppState>,
    auth: Auth,
    Path(org): Path<i64>,
    ApiJson(input): ApiJson<NewDelegate>,
) -> Result<(StatusCode, Json<Done>), AppError> {
    auth.require(Action::RunMeetings(org))?;
    s.store
        .link_delegate(auth.actor(), org, input.user_id, input.holder)
        .await?;
    Ok((StatusCode::CREATED, Json(Done { ok: true })))
}

// ----- Meetings -----

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingList {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<MeetingSummary>,
}

/// The meetings of an organisation, latest first.
#[utoipa::path(get, path = "/api/organisations/{org}/meetings", params(("org" = i64, Path)),
    responses((status = 200, body = MeetingList)))]
async fn list_meetings(
    State(s): State<AppState>,
    auth: Auth,
    Path(org): Path<i64>,
) -> Result<Json<MeetingList>, AppError> {
    auth.require(Action::ReadRegistry)?;
    Ok(Json(MeetingList {
        items: s.store.list_meetings(org).await?,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConveneInput {
    #[schema(value_type = u64)]
    pub body: BodyId,
    #[schema(value_type = u64)]
    pub term: TermId,
    pub title: String,
    /// RFC 3339, when the notice went out.
    pub notice_at: String,
    /// RFC 3339
    pub starts_at: String,
    /// Where the meeting is held.
    #[serde(default)]
    pub place: String,
    /// The notice's text to the members.
    #[serde(default)]
    pub notice: String,
    /// The agenda's first items, in order.
    #[serde(default)]
    pub agenda: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingView {
    pub organisation_id: i64,
    pub version: i64,
    /// `federa_core::governance::Meeting` with its roll; polls without voters (see
    /// `/api/polls/{poll}`).
    #[schema(value_type = Object)]
    pub meeting: Meeting,
    /// The quorum as it stands.
    #[schema(value_type = Object)]
    pub quorum: QuorumCheck,
}

/// Convene a meeting of a term of a body (admin, secretariat).
#[utoipa::path(post, path = "/api/organisations/{org}/meetings", params(("org" = i64, Path)),
    request_body = ConveneInput,
    responses((status = 201, body = MeetingView), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn convene(
    State(s): State<AppState>,
    auth: Auth,
    Path(org): Path<i64>,
    ApiJson(input): ApiJson<ConveneInput>,
) -> Result<(StatusCode, Json<MeetingView>), AppError> {
    auth.require(Action::RunMeetings(org))?;
    let new = NewMeeting {
        body: input.body,
        term: input.term,
        title: input.title,
        notice_at: parse_time("notice_at", &input.notice_at)?,
        starts_at: parse_time("starts_at", &input.starts_at)?,
        place: input.place,
        notice: input.notice,
        agenda: input.agenda,
    };
    let r = prepare::convene(&s, auth.actor(), org, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(MeetingView {
            organisation_id: r.organisation_id,
            version: r.version,
            quorum: r.quorum(),
            meeting: r.meeting,
        }),
    ))
}

/// A meeting with its roll, agenda, motions, elections and polls, and its quorum.
#[utoipa::path(get, path = "/api/meetings/{id}", params(("id" = u64, Path)),
    responses((status = 200, body = MeetingView), (status = 404, body = ErrorBody)))]
async fn show_meeting(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<u64>,
) -> Result<Json<MeetingView>, AppError> {
    auth.require(Action::ReadRegistry)?;
    let r = s.store.get_meeting(MeetingId(id)).await?;
    Ok(Json(MeetingView {
        organisation_id: r.organisation_id,
        version: r.version,
        quorum: r.quorum(),
        meeting: r.meeting,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuorumView {
    /// The quorum as it stands: rule, members, present, required, met.
    #[schema(value_type = Object)]
    pub quorum: QuorumCheck,
    /// Members present in person.
    pub in_person: u64,
    /// Members represented by proxy.
    pub by_proxy: u64,
}

async fn quorum_view(s: &AppState, id: u64) -> Result<QuorumView, AppError> {
    let r = s.store.get_meeting(MeetingId(id)).await?;
    let voters = r.meeting.voters();
    let in_person = voters.iter().filter(|(h, e)| e.cast_by == **h).count() as u64;
    Ok(QuorumView {
        quorum: r.quorum(),
        in_person,
        by_proxy: voters.len() as u64 - in_person,
    })
}

/// The live quorum of a meeting.
#[utoipa::path(get, path = "/api/meetings/{id}/quorum", params(("id" = u64, Path)),
    responses((status = 200, body = QuorumView), (status = 404, body = ErrorBody)))]
async fn show_quorum(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<u64>,
) -> Result<Json<QuorumView>, AppError> {
    auth.require(Action::ReadRegistry)?;
    Ok(Json(quorum_view(&s, id).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldersInput {
    /// Whom to sign in. The secretariat names them; a delegate may leave this out to sign in
    /// every holder they are the delegate of.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub holders: Option<Vec<Holder>>,
}

/// Who may act for `holders`: the secretariat for anyone, a delegate for the holders linked
/// to them. Returns the holders.
async fn acting_for(
    s: &AppState,
    auth: &Auth,
    org: i64,
    holders: Option<Vec<Holder>>,
) -> Result<Vec<Holder>, AppError> {
    if auth.may(Action::RunMeetings(org)) {
        return holders.ok_or_else(|| AppError::MissingField("holders".into()));
    }
    auth.require(Action::Vote(org))?;
    let own = own_holders(s, auth, org).await?;
    match holders {
        None if own.is_empty() => Err(AppError::Forbidden),
        None => Ok(own),
        Some(hs) if hs.iter().all(|h| own.contains(h)) => Ok(hs),
        Some(_) => Err(AppError::Forbidden),
    }
}

/// Sign in: a delegate signs themself in, or the secretariat signs in delegates.
#[utoipa::path(post, path = "/api/meetings/{id}/sign-in", params(("id" = u64, Path)),
    request_body = HoldersInput,
    responses((status = 200, body = QuorumView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)), security(("bearer" = [])))]
async fn sign_in(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<u64>,
    ApiJson(input): ApiJson<HoldersInput>,
) -> Result<Json<QuorumView>, AppError> {
    let org = s.store.meeting_organisation(MeetingId(id)).await?;
    let holders = acting_for(&s, &auth, org, input.holders).await?;
    s.store
        .update_meeting(auth.actor(), MeetingId(id), "sign_in", |m, _, _| {
            for h in &holders {
                m.sign_in(*h)?;
            }
            Ok(holders.clone())
        })
        .await?;
    Ok(Json(quorum_view(&s, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolderInput {
    #[schema(value_type = Object)]
    pub holder: Holder,
}

/// Record that a member left (the secretariat, or the delegate themself).
#[utoipa::path(post, path = "/api/meetings/{id}/sign-out", params(("id" = u64, Path)),
    request_body = HolderInput,
    responses((status = 200, body = QuorumView), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn sign_out(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<u64>,
    ApiJson(input): ApiJson<HolderInput>,
) -> Result<Json<QuorumView>, AppError> {
    let org = s.store.meeting_organisation(MeetingId(id)).await?;
    let holders = acting_for(&s, &auth, org, Some(vec![input.holder])).await?;
    s.store
        .update_meeting(auth.actor(), MeetingId(id), "sign_out", |m, _, _| {
            for h in &holders {
                m.sign_out(*h)?;
            }
            Ok(holders.clone())
        })
        .await?;
    Ok(Json(quorum_view(&s, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProxyInput {
    /// Who gives their proxy.
    #[schema(value_type = Object)]
    pub principal: Holder,
    /// Who carries it (present in person).
    #[schema(value_type = Object)]
    pub carrier: Holder,
}

/// Give a proxy: recorded by the secretariat, or given by the principal's delegate.
#[utoipa::path(post, path = "/api/meetings/{id}/proxies", params(("id" = u64, Path)),
    request_body = ProxyInput,
    responses((status = 200, body = QuorumView), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn give_proxy(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<u64>,
    ApiJson(input): ApiJson<ProxyInput>,
) -> Result<Json<QuorumView>, AppError> {
    let org = s.store.meeting_organisation(MeetingId(id)).await?;
    acting_for(&s, &auth, org, Some(vec![input.principal])).await?;
    s.store
        .update_meeting(auth.actor(), MeetingId(id), "give_proxy", |m, _, _| {
            m.give_proxy(input.principal, input.carrier)?;
            Ok((input.principal, input.carrier))
        })
        .await?;
    Ok(Json(quorum_view(&s, id).await?))
}

/// Open the meeting; refused without quorum (admin, secretariat).
#[utoipa::path(post, path = "/api/meetings/{id}/open", params(("id" = u64, Path)),
    responses((status = 200, body = QuorumView), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn open_meeting(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<u64>,
) -> Result<Json<QuorumView>, AppError> {
    meeting_org(&s, &auth, id, Action::RunMeetings).await?;
    s.store
        .update_meeting(auth.actor(), MeetingId(id), "open", |m, _, _| m.open(now()))
        .await?;
    Ok(Json(quorum_view(&s, id).await?))
}

/// Close the meeting; refused while a poll is open (admin, secretariat).
#[utoipa::path(post, path = "/api/meetings/{id}/close", params(("id" = u64, Path)),
    responses((status = 200, body = Done), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn close_meeting(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<u64>,
) -> Result<Json<Done>, AppError> {
    meeting_org(&s, &auth, id, Action::RunMeetings).await?;
    s.store
        .update_meeting(auth.actor(), MeetingId(id), "close", |m, _, _| {
            m.close(now())
        })
        .await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveInput {
    /// The meeting whose vote approved the minutes.
    #[schema(value_type = u64)]
    pub by: MeetingId,
}

/// Record that a later meeting approved these minutes (admin, secretariat).
#[utoipa::path(post, path = "/api/meetings/{id}/approve-minutes", params(("id" = u64, Path)),
    request_body = ApproveInput,
    responses((status = 200, body = Done), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn approve_minutes(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<u64>,
    ApiJson(input): ApiJson<ApproveInput>,
) -> Result<Json<Done>, AppError> {
    let org = meeting_org(&s, &auth, id, Action::RunMeetings).await?;
    if s.store.meeting_organisation(input.by).await? != org {
        return Err(AppError::invalid("by", "not_found"));
    }
    s.store
        .update_meeting(auth.actor(), MeetingId(id), "approve_minutes", |m, _, _| {
            m.approve_minutes(input.by)
        })
        .await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaInput {
    pub title: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Numbered {
    /// The agenda item's number, the motion's or the election's id.
    pub id: u64,
}

/// Add an agenda item (admin, secretariat).
#[utoipa::path(post, path = "/api/meetings/{id}/agenda", params(("id" = u64, Path)),
    request_body = AgendaInput,
    responses((status = 201, body = Numbered), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn add_agenda_item(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<u64>,
    ApiJson(input): ApiJson<AgendaInput>,
) -> Result<(StatusCode, Json<Numbered>), AppError> {
    meeting_org(&s, &auth, id, Action::RunMeetings).await?;
    let n = prepare::add_agenda_item(&s, auth.actor(), MeetingId(id), &input.title).await?;
    Ok((StatusCode::CREATED, Json(Numbered { id: u64::from(n) })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MotionInput {
    pub title: String,
    /// The text, paragraph by paragraph. Left out with `document`: the version's text.
    #[serde(default)]
    pub text: Option<Vec<String>>,
    /// The majority required (`federa_tally` Majority: fraction, comparison, base); the
    /// body's default when left out.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub majority: Option<Majority>,
    /// A document version the motion proposes to adopt: {"document": id, "version": n}.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub document: Option<DocumentRef>,
    /// Put the motion on this agenda item.
    #[serde(default)]
    pub agenda_item: Option<u32>,
}

/// Submit a motion, optionally adopting a document version and put on an agenda item.
#[utoipa::path(post, path = "/api/meetings/{id}/motions", params(("id" = u64, Path)),
    request_body = MotionInput,
    responses((status = 201, body = Numbered), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn submit_motion(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<u64>,
    ApiJson(input): ApiJson<MotionInput>,
) -> Result<(StatusCode, Json<Numbered>), AppError> {
    let org = meeting_org(&s, &auth, id, Action::RunMeetings).await?;
    let new = prepare::NewMotion {
        title: input.title,
        text: input.text,
        majority: input.majority,
        document: input.document,
        agenda_item: input.agenda_item,
    };
    let motion = prepare::submit_motion(&s, auth.actor(), org, MeetingId(id), new).await?;
    Ok((StatusCode::CREATED, Json(Numbered { id: motion.0 })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    /// The agenda item's number.
    pub item: u32,
}

/// Put a submitted motion on an agenda item (admin, secretariat).
#[utoipa::path(post, path = "/api/meetings/{id}/motions/{motion}/agenda",
    params(("id" = u64, Path), ("motion" = u64, Path)), request_body = ItemInput,
    responses((status = 200, body = Done), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn put_on_agenda(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, motion)): Path<(u64, u64)>,
    ApiJson(input): ApiJson<ItemInput>,
) -> Result<Json<Done>, AppError> {
    meeting_org(&s, &auth, id, Action::RunMeetings).await?;
    s.store
        .update_meeting(auth.actor(), MeetingId(id), "put_on_agenda", |m, _, _| {
            m.put_on_agenda(MotionId(motion), input.item)
        })
        .await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentInput {
    /// 0-based; the number of paragraphs appends one.
    pub paragraph: usize,
    /// The new text; empty strikes the paragraph out.
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AmendmentView {
    pub number: usize,
    /// The change word by word: [{"op":"same"|"added"|"removed","text":...}].
    #[schema(value_type = Vec<Object>)]
    pub diff: Vec<federa_core::governance::Change>,
}

/// Propose an amendment to a paragraph of a motion (admin, secretariat); answers its diff.
#[utoipa::path(post, path = "/api/meetings/{id}/motions/{motion}/amendments",
    params(("id" = u64, Path), ("motion" = u64, Path)), request_body = AmendmentInput,
    responses((status = 201, body = AmendmentView), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn propose_amendment(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, motion)): Path<(u64, u64)>,
    ApiJson(input): ApiJson<AmendmentInput>,
) -> Result<(StatusCode, Json<AmendmentView>), AppError> {
    meeting_org(&s, &auth, id, Action::RunMeetings).await?;
    let view = prepare::propose_amendment(
        &s,
        auth.actor(),
        MeetingId(id),
        MotionId(motion),
        input.paragraph,
        &input.text,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(AmendmentView {
            number: view.0,
            diff: view.1,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideInput {
    pub accept: bool,
}

/// Accept or reject a proposed amendment; an accepted one changes the motion's text.
#[utoipa::path(post, path = "/api/meetings/{id}/motions/{motion}/amendments/{n}",
    params(("id" = u64, Path), ("motion" = u64, Path), ("n" = usize, Path)),
    request_body = DecideInput,
    responses((status = 200, body = Done), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn decide_amendment(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, motion, n)): Path<(u64, u64, usize)>,
    ApiJson(input): ApiJson<DecideInput>,
) -> Result<Json<Done>, AppError> {
    meeting_org(&s, &auth, id, Action::RunMeetings).await?;
    s.store
        .update_meeting(
            auth.actor(),
            MeetingId(id),
            "decide_amendment",
            |m, _, _| {
                m.motion_mut(MotionId(motion))?
                    .decide_amendment(n, input.accept)
            },
        )
        .await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PollInput {
    /// named or secret
    #[schema(value_type = String)]
    pub secrecy: Secrecy,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressView {
    /// poll, state, entitled, entitled_weight, voted, voted_weight
    #[schema(value_type = Object)]
    pub progress: PollProgress,
}

/// Open the vote on a motion on the agenda (quorum checked, voters snapshotted).
#[utoipa::path(post, path = "/api/meetings/{id}/motions/{motion}/poll",
    params(("id" = u64, Path), ("motion" = u64, Path)), request_body = PollInput,
    responses((status = 201, body = ProgressView), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn open_motion_poll(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, motion)): Path<(u64, u64)>,
    ApiJson(input): ApiJson<PollInput>,
) -> Result<(StatusCode, Json<ProgressView>), AppError> {
    meeting_org(&s, &auth, id, Action::RunMeetings).await?;
    let progress = s
        .store
        .open_motion_poll(
            auth.actor(),
            MeetingId(id),
            MotionId(motion),
            input.secrecy,
            now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ProgressView { progress })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub organisation_id: i64,
    pub version: i64,
    /// `federa_core::governance::Document`: every version, the current one, adoptions.
    #[schema(value_type = Object)]
    pub document: federa_core::governance::Document,
}

impl From<DocumentRecord> for DocumentView {
    fn from(d: DocumentRecord) -> DocumentView {
        DocumentView {
            organisation_id: d.organisation_id,
            version: d.version,
            document: d.document,
        }
    }
}

/// Make an adopted motion's text the current version of its document, linked to the motion
/// and its poll (admin, secretariat).
#[utoipa::path(post, path = "/api/meetings/{id}/motions/{motion}/adopt",
    params(("id" = u64, Path), ("motion" = u64, Path)),
    responses((status = 200, body = DocumentView), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn adopt_document(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, motion)): Path<(u64, u64)>,
) -> Result<Json<DocumentView>, AppError> {
    meeting_org(&s, &auth, id, Action::RunMeetings).await?;
    let (d, _) = s
        .store
        .adopt_document(auth.actor(), MeetingId(id), MotionId(motion), now())
        .await?;
    Ok(Json(d.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ElectionInput {
    /// The body whose seats (or office) are filled.
    #[schema(value_type = u64)]
    pub body: BodyId,
    #[schema(value_type = u64)]
    pub term: TermId,
    /// {"kind":"seats"} or {"kind":"office","office":"president"}
    #[schema(value_type = Object)]
    pub fills: Fills,
    pub seats: u32,
    /// {"kind":"approval","threshold":{"num":1,"den":2}}, {"kind":"block"}, {"kind":"irv"},
    /// {"kind":"stv","method":...}
    #[schema(value_type = Object)]
    pub method: Method,
    pub agenda_item: u32,
}

/// Add an election to an agenda item (admin, secretariat).
#[utoipa::path(post, path = "/api/meetings/{id}/elections", params(("id" = u64, Path)),
    request_body = ElectionInput,
    responses((status = 201, body = Numbered), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn add_election(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<u64>,
    ApiJson(input): ApiJson<ElectionInput>,
) -> Result<(StatusCode, Json<Numbered>), AppError> {
    meeting_org(&s, &auth, id, Action::RunMeetings).await?;
    let new = prepare::NewElection {
        body: input.body,
        term: input.term,
        fills: input.fills,
        seats: input.seats,
        method: input.method,
        agenda_item: input.agenda_item,
    };
    let e = prepare::add_election(&s, auth.actor(), MeetingId(id), new).await?;
    Ok((StatusCode::CREATED, Json(Numbered { id: e.0 })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NominateInput {
    #[schema(value_type = Object)]
    pub holder: Holder,
    pub name: String,
}

/// Nominate a candidate, checked against the body's rules (admin, secretariat).
#[utoipa::path(post, path = "/api/meetings/{id}/elections/{election}/candidates",
    params(("id" = u64, Path), ("election" = u64, Path)), request_body = NominateInput,
    responses((status = 201, body = Done), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn nominate(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, election)): Path<(u64, u64)>,
    ApiJson(input): ApiJson<NominateInput>,
) -> Result<(StatusCode, Json<Done>), AppError> {
    meeting_org(&s, &auth, id, Action::RunMeetings).await?;
    prepare::nominate(
        &s,
        auth.actor(),
        MeetingId(id),
        ElectionId(election),
        input.holder,
        &input.name,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Done { ok: true })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HolderQuery {
    /// unit or person
    pub kind: String,
    pub id: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EligibilityView {
    pub eligible: bool,
    /// Why not: the rule's code and its reason, as a refusal would say.
    #[schema(value_type = Object)]
    pub reason: Option<GovError>,
}

/// Whether a holder may stand in an election, and why not.
#[utoipa::path(get, path = "/api/meetings/{id}/elections/{election}/eligibility",
    params(("id" = u64, Path), ("election" = u64, Path), HolderQuery),
    responses((status = 200, body = EligibilityView), (status = 404, body = ErrorBody)))]
async fn eligibility(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, election)): Path<(u64, u64)>,
    Query(q): Query<HolderQuery>,
) -> Result<Json<EligibilityView>, AppError> {
    auth.require(Action::ReadRegistry)?;
    let holder = match q.kind.as_str() {
        "unit" => Holder::Unit(q.id),
        "person" => Holder::Person(q.id),
        _ => return Err(AppError::invalid("kind", "unknown_value")),
    };
    let r = s.store.get_meeting(MeetingId(id)).await?;
    let bodies = s.store.bodies(r.organisation_id).await?.bodies;
    let mut e = r.meeting.election(ElectionId(election))?.clone();
    // Nominating on a copy answers with exactly the rule a nomination would meet.
    e.state = federa_core::governance::ElectionState::Nominating;
    e.candidates.retain(|c| c.holder != holder);
    let reason = e
        .nominate(&bodies, holder, "-", r.meeting.starts_at.date())
        .err();
    Ok(Json(EligibilityView {
        eligible: reason.is_none(),
        reason,
    }))
}

/// Open the next round of an election (quorum checked, voters snapshotted).
#[utoipa::path(post, path = "/api/meetings/{id}/elections/{election}/poll",
    params(("id" = u64, Path), ("election" = u64, Path)), request_body = PollInput,
    responses((status = 201, body = ProgressView), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn open_election_poll(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, election)): Path<(u64, u64)>,
    ApiJson(input): ApiJson<PollInput>,
) -> Result<(StatusCode, Json<ProgressView>), AppError> {
    meeting_org(&s, &auth, id, Action::RunMeetings).await?;
    let progress = s
        .store
        .open_election_poll(
            auth.actor(),
            MeetingId(id),
            ElectionId(election),
            input.secrecy,
            now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ProgressView { progress })))
}

/// Seat the elected in the term, or give them the office (admin, secretariat).
#[utoipa::path(post, path = "/api/meetings/{id}/elections/{election}/install",
    params(("id" = u64, Path), ("election" = u64, Path)),
    responses((status = 200, body = BodiesView), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn install(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, election)): Path<(u64, u64)>,
) -> Result<Json<BodiesView>, AppError> {
    let org = meeting_org(&s, &auth, id, Action::RunMeetings).await?;
    s.store
        .update_meeting(auth.actor(), MeetingId(id), "install", |m, b, _| {
            let e = m.election(ElectionId(election))?;
            if e.state != federa_core::governance::ElectionState::Done {
                return Err(GovError::ElectionState {
                    election: e.id,
                    action: "install".into(),
                    state: e.state.as_str().into(),
                });
            }
            e.install(b, m.starts_at.date())?;
            Ok(e.elected.clone())
        })
        .await?;
    Ok(Json(s.store.bodies(org).await?.into()))
}

// ----- Polls -----

#[derive(Debug, Serialize, ToSchema)]
pub struct PollView {
    pub meeting: u64,
    #[schema(value_type = Object)]
    pub progress: PollProgress,
    /// {"kind":"motion","motion":id} or {"kind":"election","election":id,"round":n}
    #[schema(value_type = Object)]
    pub subject: PollSubject,
    #[schema(value_type = String)]
    pub secrecy: Secrecy,
    /// What a ballot may hold.
    #[schema(value_type = Object)]
    pub form: federa_core::governance::BallotForm,
    /// The quorum when the poll opened, and the bases "present" and "members".
    #[schema(value_type = Object)]
    pub quorum: QuorumCheck,
    pub present: u64,
    pub members: u64,
    /// An election round's candidates, in ballot order (ballots number them from 0).
    #[schema(value_type = Vec<Object>)]
    pub candidates: Vec<Candidate>,
    /// Once closed: a motion's decision (rule, numbers, reason, explanation).
    #[schema(value_type = Object)]
    pub decision: Option<Decision>,
    /// Once closed: an election round with its count, every round of it explained.
    #[schema(value_type = Object)]
    pub round: Option<ElectionRound>,
    /// Once closed: the ballots. Named polls: [[voter, ballot], ...]; secret: [[ballot,
    /// {ballots, weight}], ...], with no voter.
    #[schema(value_type = Object)]
    pub ballots: Option<serde_json::Value>,
}

async fn poll_view(s: &AppState, poll: u64) -> Result<PollView, AppError> {
    let rec = s.store.get_poll(PollId(poll)).await?;
    let progress = s.store.poll_progress(PollId(poll)).await?;
    let meeting = s.store.get_meeting(rec.meeting).await?.meeting;
    let p: Poll = rec.poll;
    let closed = p.state == federa_core::governance::PollState::Closed;
    let (mut decision, mut round, mut candidates) = (None, None, Vec::new());
    match p.subject {
        PollSubject::Motion { motion } => {
            decision = meeting.motion(motion)?.decision.clone();
        }
        PollSubject::Election { election, round: n } => {
            let e = meeting.election(election)?;
            if let Some(r) = e.rounds.iter().find(|r| r.number == n) {
                candidates = r
                    .candidates
                    .iter()
                    .filter_map(|&i| e.candidates.get(i).cloned())
                    .collect();
                round = r.outcome.is_some().then(|| r.clone());
            }
        }
    }
    let ballots = if closed {
        Some(match p.secrecy {
            Secrecy::Named => serde_json::to_value(p.named.iter().collect::<Vec<_>>()),
            Secrecy::Secret => serde_json::to_value(p.secret.iter().collect::<Vec<_>>()),
        })
        .transpose()
        .map_err(AppError::internal)?
    } else {
        None
    };
    Ok(PollView {
        meeting: rec.meeting.0,
        progress,
        subject: p.subject,
        secrecy: p.secrecy,
        form: p.form,
        quorum: p.quorum,
        present: p.present,
        members: p.members,
        candidates,
        decision: if closed { decision } else { None },
        round,
        ballots,
    })
}

/// A poll: progress while open; once closed, the result with the rule and numbers (and
/// every round of an election's count) and the ballots (secret ones without voters).
#[utoipa::path(get, path = "/api/polls/{poll}", params(("poll" = u64, Path)),
    responses((status = 200, body = PollView), (status = 404, body = ErrorBody)))]
async fn show_poll(
    State(s): State<AppState>,
    auth: Auth,
    Path(poll): Path<u64>,
) -> Result<Json<PollView>, AppError> {
    auth.require(Action::ReadRegistry)?;
    Ok(Json(poll_view(&s, poll).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteInput {
    /// Whose vote: the delegate's own holder (the default when they speak for one), or one
    /// whose proxy they carry.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub voter: Option<Holder>,
    /// Who casts it, among the holders the delegate speaks for (the default: the voter if the
    /// delegate speaks for them, else their one holder).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub by: Option<Holder>,
    #[schema(value_type = Object)]
    pub ballot: BallotContent,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptView {
    /// poll, voter, weight: the vote was recorded; the receipt names no ballot.
    #[schema(value_type = Object)]
    pub receipt: Receipt,
}

/// Cast a vote, one's own or a proxy's (a delegate).
#[utoipa::path(post, path = "/api/polls/{poll}/votes", params(("poll" = u64, Path)),
    request_body = VoteInput,
    responses((status = 201, body = ReceiptView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)), security(("bearer" = [])))]
async fn cast_vote(
    State(s): State<AppState>,
    auth: Auth,
    Path(poll): Path<u64>,
    ApiJson(input): ApiJson<VoteInput>,
) -> Result<(StatusCode, Json<ReceiptView>), AppError> {
    let (_, org) = s.store.poll_organisation(PollId(poll)).await?;
    auth.require(Action::Vote(org))?;
    let own = own_holders(&s, &auth, org).await?;
    let not_delegate = |by: Option<Holder>| AppError::Refused {
        code: "not_delegate",
        message: match by {
            Some(by) => format!("you are not the delegate of {by}"),
            None => "you are the delegate of no member here".into(),
        },
        field: Some("by".into()),
        status: StatusCode::FORBIDDEN,
    };
    if own.is_empty() {
        return Err(not_delegate(input.by));
    }
    let single = |v: &[Holder]| match v {
        [one] => Some(*one),
        _ => None,
    };
    let by = match (input.by, input.voter) {
        (Some(b), _) => b,
        (None, Some(v)) if own.contains(&v) => v,
        (None, _) => single(&own).ok_or_else(|| AppError::MissingField("by".into()))?,
    };
    if !own.contains(&by) {
        return Err(not_delegate(Some(by)));
    }
    let voter = input.voter.unwrap_or(by);
    let receipt = s
        .store
        .cast_vote(auth.actor(), PollId(poll), by, voter, input.ballot)
        .await?;
    Ok((StatusCode::CREATED, Json(ReceiptView { receipt })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CloseView {
    /// A motion's decision: rule, numbers (yes, no, abstain, base, threshold), reason.
    #[schema(value_type = Object)]
    pub decision: Option<Decision>,
    /// An election round: who was elected, the count with every round explained.
    #[schema(value_type = Object)]
    pub round: Option<ElectionRound>,
}

/// Close a poll and count it (admin, secretariat).
#[utoipa::path(post, path = "/api/polls/{poll}/close", params(("poll" = u64, Path)),
    responses((status = 200, body = CloseView), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn close_poll(
    State(s): State<AppState>,
    auth: Auth,
    Path(poll): Path<u64>,
) -> Result<Json<CloseView>, AppError> {
    let (meeting, org) = s.store.poll_organisation(PollId(poll)).await?;
    auth.require(Action::RunMeetings(org))?;
    let m = s.store.get_meeting(meeting).await?.meeting;
    let view = match m.poll(PollId(poll))?.subject {
        PollSubject::Motion { .. } => CloseView {
            decision: Some(
                s.store
                    .close_motion_poll(auth.actor(), PollId(poll), now())
                    .await?,
            ),
            round: None,
        },
        PollSubject::Election { .. } => CloseView {
            decision: None,
            round: Some(
                s.store
                    .close_election_poll(auth.actor(), PollId(poll), now())
                    .await?,
            ),
        },
    };
    Ok(Json(view))
}

// ----- Documents -----

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    pub items: Vec<DocumentView>,
}

/// The documents of an organisation (the charter, rules, conventions).
#[utoipa::path(get, path = "/api/organisations/{org}/documents", params(("org" = i64, Path)),
    responses((status = 200, body = DocumentList)))]
async fn list_documents(
    State(s): State<AppState>,
    auth: Auth,
    Path(org): Path<i64>,
) -> Result<Json<DocumentList>, AppError> {
    auth.require(Action::ReadRegistry)?;
    Ok(Json(DocumentList {
        items: s
            .store
            .list_documents(org)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// charter, rules, convention, other
    #[schema(value_type = String)]
    pub kind: DocumentKind,
    pub title: String,
    /// The first draft, paragraph by paragraph.
    pub paragraphs: Vec<String>,
}

/// Create a document with its first draft (admin, secretariat).
#[utoipa::path(post, path = "/api/organisations/{org}/documents", params(("org" = i64, Path)),
    request_body = DocumentInput,
    responses((status = 201, body = DocumentView), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_document(
    State(s): State<AppState>,
    auth: Auth,
    Path(org): Path<i64>,
    ApiJson(input): ApiJson<DocumentInput>,
) -> Result<(StatusCode, Json<DocumentView>), AppError> {
    auth.require(Action::RunMeetings(org))?;
    let d = s
        .store
        .create_document(
            auth.actor(),
            org,
            input.kind,
            &input.title,
            input.paragraphs,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// A document with every version.
#[utoipa::path(get, path = "/api/documents/{doc}", params(("doc" = u64, Path)),
    responses((status = 200, body = DocumentView), (status = 404, body = ErrorBody)))]
async fn show_document(
    State(s): State<AppState>,
    auth: Auth,
    Path(doc): Path<u64>,
) -> Result<Json<DocumentView>, AppError> {
    auth.require(Action::ReadRegistry)?;
    Ok(Json(s.store.get_document(DocumentId(doc)).await?.into()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CompareQuery {
    pub from: u32,
    pub to: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompareView {
    pub from: u32,
    pub to: u32,
    /// Paragraph by paragraph: same, added, removed, or changed with a word diff.
    #[schema(value_type = Vec<Object>)]
    pub paragraphs: Vec<ParagraphDiff>,
}

/// How one version of a document differs from another.
#[utoipa::path(get, path = "/api/documents/{doc}/compare",
    params(("doc" = u64, Path), CompareQuery),
    responses((status = 200, body = CompareView), (status = 404, body = ErrorBody)))]
async fn compare_versions(
    State(s): State<AppState>,
    auth: Auth,
    Path(doc): Path<u64>,
    Query(q): Query<CompareQuery>,
) -> Result<Json<CompareView>, AppError> {
    auth.require(Action::ReadRegistry)?;
    let d = s.store.get_document(DocumentId(doc)).await?;
    Ok(Json(CompareView {
        from: q.from,
        to: q.to,
        paragraphs: d.document.compare(q.from, q.to)?,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftInput {
    pub paragraphs: Vec<String>,
    /// The version this draft revises.
    #[serde(default)]
    pub based_on: Option<u32>,
}

/// Add a draft version to a document (admin, secretariat).
#[utoipa::path(post, path = "/api/documents/{doc}/drafts", params(("doc" = u64, Path)),
    request_body = DraftInput,
    responses((status = 201, body = DocumentView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn add_draft(
    State(s): State<AppState>,
    auth: Auth,
    Path(doc): Path<u64>,
    ApiJson(input): ApiJson<DraftInput>,
) -> Result<(StatusCode, Json<DocumentView>), AppError> {
    let d = s.store.get_document(DocumentId(doc)).await?;
    auth.require(Action::RunMeetings(d.organisation_id))?;
    let (_, d) = s
        .store
        .update_document(auth.actor(), DocumentId(doc), "draft", |d| {
            if let Some(b) = input.based_on {
                d.version(b)?;
            }
            Ok(d.draft(input.paragraphs, input.based_on))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}
