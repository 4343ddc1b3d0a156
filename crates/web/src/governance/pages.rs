//! The governance pages: an organisation's bodies, terms, seats and offices; a meeting with its
//! notice, agenda, attendance, proxies, the quorum as it stands and the presiding officer's
//! controls; motions with amendments as diffs and their result; the charter's versions and a
//! comparison of two; elections with candidates, eligibility and rounds (an STV count's table);
//! the ballot and its receipt; and the minutes as printable HTML and PDF, the results as CSV and
//! the meeting as iCalendar.
//!
//! Handlers read through the store's governance API and call core's rules through it; they
//! translate every value and every refusal (`error.CODE` with the refusal's numbers filled in).
//! Who may do what: reading is the registry's (public); the secretariat and admins of the
//! organisation ([`Action::RunMeetings`]) sign others in, record proxies and preside; a
//! delegate ([`Action::Vote`], and a user linked to a holder in the store) signs themself in
//! and casts the votes of the holders they represent.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;

use askama::Template;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use federa_core::governance::minutes::{self, Minutes, Names, RoundTable};
use federa_core::governance::{
    BallotContent, BallotForm, Bodies, BodyId, Change, DocumentId, DocumentRef, ElectionId,
    ElectionState, Fills, GovError, Holder, Meeting, MeetingId, MeetingState, Method, MotionId,
    MotionState, OfficeKind, ParagraphDiff, Poll, PollId, PollState, PollSubject, Secrecy, TermId,
    VersionStatus,
};
use federa_core::registry::stats::table_csv;
use federa_store::governance::{GovernanceError, PollProgress, holder_key, parse_holder};
use federa_store::{MembershipFilter, Page};
use tally::decision::{Base, Choice, Comparison, Fraction, Majority, Quorum, QuorumCheck};
use tally::stv::StvMethod;
use time::OffsetDateTime;
use time::macros::format_description;

use super::prepare::{self, NewElection, NewMotion, Refusal};
use crate::AppState;
use crate::auth::{Action, Auth};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::pages::{
    Ctx, PageCtx, all_memberships, download, field_message, form_page, render, static_file,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/governance.js", get(live_js))
        .route("/governance", get(index_page))
        .route("/organisations/{id}/governance", get(org_page))
        .route(
            "/organisations/{id}/governance/meetings",
            post(convene_form),
        )
        .route("/governance/meetings/{id}", get(meeting_page))
        .route("/governance/meetings/{id}/agenda", post(agenda_form))
        .route("/governance/meetings/{id}/motions", post(motion_form))
        .route(
            "/governance/meetings/{id}/motions/{mid}/amendments",
            post(amendment_form),
        )
        .route("/governance/meetings/{id}/elections", post(election_form))
        .route(
            "/governance/meetings/{id}/elections/{eid}/candidates",
            post(nominate_form),
        )
        .route("/governance/meetings/{id}/attendance", post(attendance))
        .route("/governance/meetings/{id}/control", post(control))
        .route(
            "/governance/meetings/{id}/approve-minutes",
            post(approve_minutes),
        )
        .route("/governance/meetings/{id}/motions/{mid}", get(motion_page))
        .route(
            "/governance/meetings/{id}/elections/{eid}",
            get(election_page),
        )
        .route("/governance/meetings/{id}/minutes", get(minutes_page))
        .route("/governance/meetings/{id}/minutes.pdf", get(minutes_pdf))
        .route("/governance/meetings/{id}/results.csv", get(results_csv))
        .route("/governance/meetings/{id}/meeting.ics", get(meeting_ics))
        .route(
            "/governance/polls/{pid}/ballot",
            get(ballot_page).post(cast),
        )
        .route("/governance/documents/{id}", get(document_page))
}

/// Reloads a page marked `data-live` every 10 seconds (the live quorum and vote progress),
/// unless the user is typing in a form on it.
async fn live_js() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../../static/governance.js"),
    )
}

// ---------------------------------------------------------------------------------------------
// Translation of values and refusals

fn when(t: OffsetDateTime) -> String {
    let f = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(f)
        .unwrap_or_default()
}

fn when_opt(t: Option<OffsetDateTime>) -> String {
    t.map(when).unwrap_or_else(|| "—".into())
}

fn fraction(l: Locale, f: Fraction) -> String {
    let key = format!("gov.fraction.{}_{}", f.num(), f.den());
    if l.has(&key) {
        l.t(&key).to_string()
    } else {
        format!("{}/{}", f.num(), f.den())
    }
}

fn comparison_key(c: Comparison) -> &'static str {
    match c {
        Comparison::AtLeast => "at_least",
        Comparison::MoreThan => "more_than",
    }
}

/// The majority rule in the reader's language, e.g. "at least two thirds of the members present".
pub fn majority_text(l: Locale, m: &Majority) -> String {
    let base = match m.base {
        Base::Cast => "cast",
        Base::CastAndAbstentions => "cast_and_abstentions",
        Base::Present => "present",
        Base::Members => "members",
    };
    l.fill(
        &format!("gov.majority.{}", comparison_key(m.comparison)),
        &[
            ("fraction", &fraction(l, m.fraction)),
            ("base", l.t(&format!("gov.base.{base}"))),
        ],
    )
}

pub fn quorum_text(l: Locale, q: &Quorum) -> String {
    match q {
        Quorum::None => l.t("gov.quorum.none").to_string(),
        Quorum::Share {
            fraction: f,
            comparison,
        } => l.fill(
            &format!("gov.quorum.{}", comparison_key(*comparison)),
            &[("fraction", &fraction(l, *f))],
        ),
        Quorum::Number { present } => {
            l.fill("gov.quorum.number", &[("present", &present.to_string())])
        }
    }
}

fn state(l: Locale, code: &str) -> String {
    l.t(&format!("gov.state.{code}")).to_string()
}

fn poll_state(s: PollState) -> &'static str {
    match s {
        PollState::Open => "poll_open",
        PollState::Closed => "poll_closed",
    }
}

fn secrecy(l: Locale, s: Secrecy) -> String {
    match s {
        Secrecy::Named => l.t("gov.secrecy.named").into(),
        Secrecy::Secret => l.t("gov.secrecy.secret").into(),
    }
}

fn choice(l: Locale, c: Choice) -> String {
    match c {
        Choice::Yes => l.t("gov.choice.yes").into(),
        Choice::No => l.t("gov.choice.no").into(),
        Choice::Abstain => l.t("gov.choice.abstain").into(),
    }
}

fn office(l: Locale, k: &OfficeKind) -> String {
    match k {
        OfficeKind::President => l.t("gov.office.president").into(),
        OfficeKind::VicePresident => l.t("gov.office.vice_president").into(),
        OfficeKind::SecretaryGeneral => l.t("gov.office.secretary_general").into(),
        OfficeKind::ChairOfSupervisors => l.t("gov.office.chair_of_supervisors").into(),
        OfficeKind::Other(s) => s.clone(),
    }
}

fn method(l: Locale, m: &Method) -> String {
    match m {
        Method::Approval { threshold: Some(f) } => {
            l.fill("gov.method.approval", &[("fraction", &fraction(l, *f))])
        }
        Method::Approval { threshold: None } => l.t("gov.method.approval_most").into(),
        Method::Block => l.t("gov.method.block").into(),
        Method::Irv => l.t("gov.method.irv").into(),
        Method::Stv { method } => l
            .t(match method {
                StvMethod::Scottish => "gov.method.stv_scottish",
                StvMethod::Meek => "gov.method.stv_meek",
                StvMethod::Wigm => "gov.method.stv_wigm",
            })
            .into(),
    }
}

fn holder_name(names: &Names, l: Locale, h: Holder) -> String {
    names.get(&h).cloned().unwrap_or_else(|| match h {
        Holder::Unit(id) => l.fill("gov.holder.unit", &[("id", &id.to_string())]),
        Holder::Person(id) => l.fill("gov.holder.person", &[("id", &id.to_string())]),
    })
}

fn body_name(bodies: &Bodies, id: BodyId) -> String {
    bodies
        .body(id)
        .map(|b| b.name.clone())
        .unwrap_or_else(|_| id.to_string())
}

/// The translated message of a refusal, its numbers and names filled in.
pub fn gov_message(l: Locale, e: &GovError, names: &Names, bodies: &Bodies) -> String {
    let json = serde_json::to_value(e).unwrap_or_default();
    let mut args: Vec<(String, String)> = Vec::new();
    if let Some(obj) = json.as_object() {
        for (k, v) in obj {
            if k == "code" {
                continue;
            }
            let text = if let Ok(h) = serde_json::from_value::<Holder>(v.clone()) {
                holder_name(names, l, h)
            } else if let Some(rule) = v.get("rule").and_then(|r| r.as_str()) {
                let body = v
                    .get("body")
                    .and_then(|b| b.as_u64())
                    .map(|b| body_name(bodies, BodyId(b)))
                    .unwrap_or_default();
                l.fill(&format!("gov.why.{rule}"), &[("body", &body)])
            } else if k == "state" {
                state(l, v.as_str().unwrap_or_default())
            } else if k == "paragraph"
                && let Some(p) = v.as_u64()
            {
                // The core counts paragraphs from 0; the pages number them from 1.
                (p + 1).to_string()
            } else if k == "body"
                && let Some(b) = v.as_u64()
            {
                body_name(bodies, BodyId(b))
            } else if let Some(s) = v.as_str() {
                s.to_string()
            } else {
                v.to_string()
            };
            args.push((k.clone(), text));
        }
    }
    let refs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    l.fill(&format!("error.{}", e.code()), &refs)
}

#[derive(Template)]
#[template(path = "governance/refused.html")]
struct Refused {
    c: Ctx,
    error_code: &'static str,
    message: String,
    /// For a refused form: where its "back to the form" link leads when script does not run.
    back_to_form: Option<String>,
    back: String,
}

/// The page a form was sent from, when its `Referer` names a page of this site (see
/// [`form_page`]): a refusal leads back to it, so that what was typed is not lost.
struct SentFrom(Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for SentFrom {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(SentFrom(form_page(&parts.headers, &parts.uri)))
    }
}

impl SentFrom {
    /// The ways out of this form's refusal: back to the form (to `page` when its page is not
    /// known), then on to `page`.
    fn back(self, page: String) -> Back {
        Back {
            form: Some(self.0.unwrap_or_else(|| page.clone())),
            page,
        }
    }
}

/// The ways out of a refusal page: back to the refused form, when a form was sent, and on to
/// a page.
struct Back {
    form: Option<String>,
    page: String,
}

impl Back {
    /// Out of a page that could not be shown: on to `page` alone.
    fn to(page: String) -> Back {
        Back { form: None, page }
    }
}

/// A refusal by a rule becomes a translated page (409, or 403 for votes one may not cast);
/// the store's own errors become the app's.
async fn refused(
    s: &AppState,
    c: Ctx,
    org: Option<i64>,
    e: GovernanceError,
    back: Back,
) -> Result<Response, AppError> {
    match e {
        GovernanceError::Refused(g) => {
            // The holders the refusal names, to name them.
            let holders: Vec<Holder> = match serde_json::to_value(&g) {
                Ok(serde_json::Value::Object(obj)) => obj
                    .values()
                    .filter_map(|v| serde_json::from_value::<Holder>(v.clone()).ok())
                    .collect(),
                _ => Vec::new(),
            };
            let (names, bodies) = match org {
                Some(o) => (
                    names_for(s, o, holders.into_iter(), c.locale).await,
                    s.store
                        .bodies(o)
                        .await
                        .map(|b| b.bodies)
                        .unwrap_or_default(),
                ),
                None => (Names::new(), Bodies::default()),
            };
            let status = match g.code() {
                "not_entitled" | "not_proxy" => StatusCode::FORBIDDEN,
                "bad_ballot" => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            let message = gov_message(c.locale, &g, &names, &bodies);
            Ok(render(
                &Refused {
                    c,
                    error_code: g.code(),
                    message,
                    back_to_form: back.form,
                    back: back.page,
                },
                status,
            ))
        }
        GovernanceError::Store(st) => Err(st.into()),
    }
}

fn store_err(e: GovernanceError) -> AppError {
    match e {
        GovernanceError::Store(s) => s.into(),
        GovernanceError::Refused(g) => AppError::internal(g),
    }
}

/// The names of the member units of `org`, and of `extra` holders (the organisations they
/// are, or a translated "person N").
async fn names_for(
    s: &AppState,
    org: i64,
    extra: impl Iterator<Item = Holder>,
    l: Locale,
) -> Names {
    let mut names: Names = all_memberships(s, org, &MembershipFilter::default())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|m| (Holder::Unit(m.member.id as u64), m.member.name))
        .collect();
    for h in extra {
        if names.contains_key(&h) {
            continue;
        }
        let name = match h {
            Holder::Unit(id) => match s.store.get_organisation(id as i64).await {
                Ok(o) => o.name,
                Err(_) => holder_name(&Names::new(), l, h),
            },
            Holder::Person(_) => holder_name(&Names::new(), l, h),
        };
        names.insert(h, name);
    }
    names
}

async fn load_meeting(s: &AppState, id: u64) -> Result<(i64, Meeting), AppError> {
    let r = s
        .store
        .get_meeting(MeetingId(id))
        .await
        .map_err(store_err)?;
    Ok((r.organisation_id, r.meeting))
}

/// The meeting with its polls complete (voters, and ballots once closed), for the minutes.
async fn load_full_meeting(s: &AppState, id: u64) -> Result<(i64, Meeting), AppError> {
    let r = s
        .store
        .get_meeting_with_polls(MeetingId(id))
        .await
        .map_err(store_err)?;
    Ok((r.organisation_id, r.meeting))
}

/// The progress of every poll of meeting `id`, read at once.
async fn poll_progress(s: &AppState, id: u64) -> Result<BTreeMap<PollId, PollProgress>, AppError> {
    s.store
        .meeting_poll_progress(MeetingId(id))
        .await
        .map_err(store_err)
}

async fn delegate_holders(s: &AppState, auth: &Auth, org: i64) -> Vec<Holder> {
    match &auth.user {
        Some(u) => s
            .store
            .delegate_holders(u.id, org)
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    }
}

fn quorum_view(l: Locale, q: &QuorumCheck) -> QuorumView {
    QuorumView {
        rule: quorum_text(l, &q.rule),
        present: q.present,
        required: q.required,
        members: q.members,
        met: q.met,
        status: if q.met {
            l.t("gov.quorum.met").into()
        } else {
            l.fill(
                "gov.quorum.missing",
                &[("more", &(q.required.saturating_sub(q.present)).to_string())],
            )
        },
    }
}

pub struct QuorumView {
    pub rule: String,
    pub present: u64,
    pub required: u64,
    pub members: u64,
    pub met: bool,
    pub status: String,
}

impl QuorumView {
    /// The share of the members present, in percent of the bar's width.
    pub fn percent(&self) -> u64 {
        (self.present * 100).checked_div(self.members).unwrap_or(0)
    }

    pub fn mark(&self) -> u64 {
        (self.required * 100).checked_div(self.members).unwrap_or(0)
    }
}

/// Runs of a diff: (`same`, `added` or `removed`, text).
pub type Runs = Vec<(&'static str, String)>;

/// A diff as (kind, text) runs: `same`, `added`, `removed`.
fn runs(changes: &[Change]) -> Runs {
    changes
        .iter()
        .map(|c| match c {
            Change::Same(t) => ("same", t.clone()),
            Change::Added(t) => ("added", t.clone()),
            Change::Removed(t) => ("removed", t.clone()),
        })
        .collect()
}

pub struct TableView {
    pub stages: Vec<u32>,
    /// Candidate, votes per stage, status.
    pub rows: Vec<(String, Vec<String>, String, &'static str)>,
    pub quota: Option<Vec<String>>,
    pub non_transferable: Option<Vec<String>>,
    pub actions: Vec<(u32, String)>,
}

fn table_view(l: Locale, t: &RoundTable) -> TableView {
    let opt = |v: &Vec<Option<String>>| v.iter().map(|x| x.clone().unwrap_or_default()).collect();
    TableView {
        stages: t.stages.clone(),
        rows: t
            .rows
            .iter()
            .map(|r| {
                let (status, class) = match (r.elected_at, r.excluded_at) {
                    (Some(n), _) => (
                        l.fill("gov.round.elected_at", &[("stage", &n.to_string())]),
                        "elected",
                    ),
                    (None, Some(n)) => (
                        l.fill("gov.round.excluded_at", &[("stage", &n.to_string())]),
                        "excluded",
                    ),
                    _ => (l.t("gov.round.not_elected").into(), "continuing"),
                };
                (
                    r.candidate.clone(),
                    r.votes
                        .iter()
                        .map(|v| v.clone().unwrap_or_else(|| "—".into()))
                        .collect(),
                    status,
                    class,
                )
            })
            .collect(),
        quota: t.has_quota().then(|| opt(&t.quota)),
        non_transferable: t.has_non_transferable().then(|| opt(&t.non_transferable)),
        actions: t
            .stages
            .iter()
            .copied()
            .zip(t.actions.iter().cloned())
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// The organisation's bodies

#[derive(Template)]
#[template(path = "governance/index.html")]
struct IndexPage {
    c: Ctx,
    orgs: Vec<(i64, String)>,
}

/// The organisations (federations and associations first), each linking to its governance.
async fn index_page(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let p = s
        .store
        .list_organisations(&Default::default(), Page::new(0, Page::MAX_LIMIT))
        .await?;
    let mut orgs: Vec<(bool, i64, String)> = p
        .items
        .into_iter()
        .map(|o| {
            let top = matches!(
                o.kind,
                federa_core::org::OrgKind::Federation | federa_core::org::OrgKind::Association
            );
            (!top, o.id, o.name)
        })
        .collect();
    orgs.sort();
    let orgs = orgs.into_iter().map(|(_, id, n)| (id, n)).collect();
    Ok(render(&IndexPage { c, orgs }, StatusCode::OK))
}

pub struct BodyView {
    pub name: String,
    pub kind: String,
    pub rules: Vec<(String, String)>,
    pub terms: Vec<TermView>,
}

pub struct TermView {
    pub heading: String,
    pub period: String,
    pub seats: Vec<(String, String)>,
    pub offices: Vec<(String, String, String)>,
}

pub struct MeetingLine {
    pub id: u64,
    pub title: String,
    pub starts_at: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "governance/org.html")]
struct OrgPage {
    c: Ctx,
    org_id: i64,
    org_name: String,
    bodies: Vec<BodyView>,
    meetings: Vec<MeetingLine>,
    documents: Vec<(u64, String, String)>,
    /// The secretariat convenes meetings here.
    can_manage: bool,
    terms: Vec<(String, String)>,
}

/// The terms a meeting or an election can be of, as the forms offer them (`body:term`): body
/// by body, the latest term first.
fn term_choices(l: Locale, bodies: &Bodies) -> Vec<(String, String)> {
    bodies
        .bodies
        .iter()
        .flat_map(|b| bodies.terms.iter().rev().filter(move |t| t.body == b.id))
        .map(|t| {
            let heading = l.fill(
                "gov.term.heading",
                &[
                    ("number", &t.number.to_string()),
                    ("body", &body_name(bodies, t.body)),
                ],
            );
            (format!("{}:{}", t.body.0, t.id.0), heading)
        })
        .collect()
}

async fn org_page(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(org): Path<i64>,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let o = s.store.get_organisation(org).await?;
    let l = c.locale;
    let bodies = s.store.bodies(org).await.map_err(store_err)?.bodies;
    let holders = bodies
        .terms
        .iter()
        .flat_map(|t| t.seats.iter().map(|s| s.holder))
        .collect::<Vec<_>>();
    let names = names_for(&s, org, holders.into_iter(), l).await;
    let date = |d: time::Date| federa_core::org::format_date(d);
    let views = bodies
        .bodies
        .iter()
        .map(|b| {
            let r = &b.rules;
            let mut rules = vec![
                (
                    l.t("gov.body.seats").to_string(),
                    r.seats
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| l.t("gov.body.every_member").into()),
                ),
                (l.t("gov.body.quorum").into(), quorum_text(l, &r.quorum)),
                (
                    l.t("gov.body.majority").into(),
                    majority_text(l, &r.majority),
                ),
                (
                    l.t("gov.body.proxies").into(),
                    if r.proxies.max_per_carrier == 0 {
                        l.t("gov.body.no_proxies").into()
                    } else {
                        l.fill(
                            "gov.body.proxies_max",
                            &[("max", &r.proxies.max_per_carrier.to_string())],
                        )
                    },
                ),
                (
                    l.t("gov.body.notice").into(),
                    l.fill(
                        "gov.body.notice_days",
                        &[("days", &r.notice_days.to_string())],
                    ),
                ),
            ];
            if let Some(by) = r.elected_by {
                rules.push((l.t("gov.body.elected_by").into(), body_name(&bodies, by)));
            }
            if let Some(from) = r.drawn_from {
                rules.push((l.t("gov.body.drawn_from").into(), body_name(&bodies, from)));
            }
            for other in &r.incompatible_with {
                rules.push((
                    l.t("gov.body.incompatible_with").into(),
                    body_name(&bodies, *other),
                ));
            }
            let mut terms: Vec<TermView> = bodies
                .terms
                .iter()
                .filter(|t| t.body == b.id)
                .map(|t| TermView {
                    heading: l.fill(
                        "gov.term.heading",
                        &[("number", &t.number.to_string()), ("body", &b.name)],
                    ),
                    period: format!(
                        "{} – {}",
                        date(t.start),
                        t.end.map(date).unwrap_or_default()
                    ),
                    seats: t
                        .seats
                        .iter()
                        .filter(|s| s.end.is_none())
                        .map(|s| (holder_name(&names, l, s.holder), date(s.start)))
                        .collect(),
                    offices: t
                        .offices
                        .iter()
                        .filter(|o| o.end.is_none())
                        .map(|o| {
                            (
                                office(l, &o.kind),
                                holder_name(&names, l, o.holder),
                                date(o.start),
                            )
                        })
                        .collect(),
                })
                .collect();
            terms.reverse();
            BodyView {
                name: b.name.clone(),
                kind: l
                    .t(&format!("gov.body_kind.{}", body_kind(b.kind)))
                    .to_string(),
                rules,
                terms,
            }
        })
        .collect();
    let meetings = s
        .store
        .list_meetings(org)
        .await
        .map_err(store_err)?
        .into_iter()
        .map(|m| MeetingLine {
            id: m.id.0,
            title: m.title,
            starts_at: OffsetDateTime::parse(
                &m.starts_at,
                &time::format_description::well_known::Rfc3339,
            )
            .map_or_else(|_| m.starts_at.clone(), when),
            state: state(l, m.state.as_str()),
        })
        .collect();
    let documents = s
        .store
        .list_documents(org)
        .await
        .map_err(store_err)?
        .into_iter()
        .map(|d| {
            let current = d
                .document
                .current
                .map(|v| l.fill("gov.doc.current_version", &[("version", &v.to_string())]))
                .unwrap_or_else(|| l.t("gov.doc.no_current").into());
            (d.document.id.0, d.document.title, current)
        })
        .collect();
    Ok(render(
        &OrgPage {
            can_manage: auth.may(Action::RunMeetings(org)),
            terms: term_choices(l, &bodies),
            c,
            org_id: org,
            org_name: o.name,
            bodies: views,
            meetings,
            documents,
        },
        StatusCode::OK,
    ))
}

fn body_kind(k: federa_core::governance::BodyKind) -> &'static str {
    use federa_core::governance::BodyKind::*;
    match k {
        Congress => "congress",
        Council => "council",
        ExecutiveCouncil => "executive_council",
        Supervisors => "supervisors",
        Committee => "committee",
    }
}

// ---------------------------------------------------------------------------------------------
// A meeting

pub struct RollLine {
    pub key: String,
    pub name: String,
    pub weight: u64,
    pub presence: &'static str,
    pub label: String,
    /// The delegate viewing the page represents this holder and may sign them in.
    pub mine: bool,
}

pub struct MotionLine {
    pub id: u64,
    pub title: String,
    pub state: String,
    pub item: String,
    pub can_open_poll: bool,
}

pub struct ElectionLine {
    pub id: u64,
    pub heading: String,
    pub state: String,
    pub can_open_round: bool,
}

pub struct PollLine {
    pub id: u64,
    pub subject: String,
    pub href: String,
    pub open: bool,
    pub state: String,
    pub progress: String,
    /// The viewer casts a vote in this poll.
    pub may_vote: bool,
}

impl PollLine {
    /// A poll as listed, with how many of those entitled have voted so far (from `progress`,
    /// the meeting's polls' progress read at once); the viewer may vote in it while it is open
    /// and `may_vote` says they hold a vote.
    fn of(
        l: Locale,
        p: &Poll,
        progress: &BTreeMap<PollId, PollProgress>,
        (subject, href): (String, String),
        may_vote: bool,
    ) -> Result<PollLine, AppError> {
        let progress = progress
            .get(&p.id)
            .ok_or_else(|| AppError::NotFound(format!("poll {}", p.id)))?;
        let open = p.state == PollState::Open;
        Ok(PollLine {
            id: p.id.0,
            subject,
            href,
            open,
            state: state(l, poll_state(p.state)),
            progress: l.fill(
                "gov.poll.progress",
                &[
                    ("voted", &progress.voted.to_string()),
                    ("entitled", &progress.entitled.to_string()),
                ],
            ),
            may_vote: open && may_vote,
        })
    }
}

#[derive(Template)]
#[template(path = "governance/meeting.html")]
struct MeetingPage {
    c: Ctx,
    id: u64,
    org_id: i64,
    org_name: String,
    title: String,
    body: String,
    state_code: &'static str,
    state: String,
    facts: Vec<(String, String)>,
    quorum: QuorumView,
    agenda: Vec<(u32, String)>,
    roll: Vec<RollLine>,
    present_keys: Vec<(String, String)>,
    motions: Vec<MotionLine>,
    elections: Vec<ElectionLine>,
    polls: Vec<PollLine>,
    can_manage: bool,
    mine_absent: Vec<(String, String)>,
    approvable: Vec<(u64, String)>,
    live: bool,
    /// The notice's own words.
    notice: String,
    /// The secretariat prepares the meeting (agenda, motions, elections) until it closes.
    preparing: bool,
    terms: Vec<(String, String)>,
    /// The documents a motion may adopt, each at its latest version (`document:version`).
    document_versions: Vec<(String, String)>,
}

fn poll_subject(l: Locale, m: &Meeting, subject: &PollSubject) -> (String, String) {
    match subject {
        PollSubject::Motion { motion } => (
            m.motion(*motion)
                .map(|x| x.title.clone())
                .unwrap_or_default(),
            format!("/governance/meetings/{}/motions/{}", m.id, motion),
        ),
        PollSubject::Election { election, round } => (
            l.fill(
                "gov.poll.election_round",
                &[
                    ("election", &election.to_string()),
                    ("round", &round.to_string()),
                ],
            ),
            format!("/governance/meetings/{}/elections/{}", m.id, election),
        ),
    }
}

async fn meeting_page(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<u64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let (org, m) = load_meeting(&s, id).await?;
    let l = c.locale;
    let o = s.store.get_organisation(org).await?;
    let bodies = s.store.bodies(org).await.map_err(store_err)?.bodies;
    let names = names_for(&s, org, m.roll.keys().copied(), l).await;
    let mine = delegate_holders(&s, &auth, org).await;
    let can_manage = auth.may(Action::RunMeetings(org));
    let body = bodies.body(m.body).ok();
    let term = bodies.term(m.term).ok();
    let body_line = l.fill(
        "gov.term.heading",
        &[
            ("number", &term.map(|t| t.number).unwrap_or(0).to_string()),
            ("body", &body.map(|b| b.name.clone()).unwrap_or_default()),
        ],
    );
    let roll = m
        .roll
        .iter()
        .map(|(h, a)| {
            let (presence, label) = match a.presence {
                federa_core::governance::Presence::Present => {
                    ("present", l.t("gov.presence.present").to_string())
                }
                federa_core::governance::Presence::Proxy { carrier } => (
                    "proxy",
                    l.fill(
                        "gov.presence.proxy",
                        &[("carrier", &holder_name(&names, l, carrier))],
                    ),
                ),
                federa_core::governance::Presence::Absent => {
                    ("absent", l.t("gov.presence.absent").to_string())
                }
            };
            RollLine {
                key: holder_key(*h),
                name: holder_name(&names, l, *h),
                weight: a.weight,
                presence,
                label,
                mine: mine.contains(h),
            }
        })
        .collect::<Vec<_>>();
    let present_keys = roll
        .iter()
        .filter(|r| r.presence == "present")
        .map(|r| (r.key.clone(), r.name.clone()))
        .collect();
    let mine_absent = roll
        .iter()
        .filter(|r| r.mine && r.presence != "present")
        .map(|r| (r.key.clone(), r.name.clone()))
        .collect();
    let open = m.state == MeetingState::Open;
    let motions = m
        .motions
        .iter()
        .map(|mo| MotionLine {
            id: mo.id.0,
            title: mo.title.clone(),
            state: state(l, mo.state.as_str()),
            item: mo
                .agenda_item
                .map(|i| i.to_string())
                .unwrap_or_else(|| "—".into()),
            can_open_poll: can_manage && open && mo.state == MotionState::OnAgenda,
        })
        .collect();
    let elections = m
        .elections
        .iter()
        .map(|e| ElectionLine {
            id: e.id.0,
            heading: election_heading(l, e, &bodies),
            state: state(l, e.state.as_str()),
            can_open_round: can_manage
                && open
                && e.state != ElectionState::Done
                && e.rounds.last().is_none_or(|r| r.outcome.is_some()),
        })
        .collect();
    let mut polls = Vec::new();
    // The viewer casts for a holder present (or whose proxy a holder of theirs carries) when
    // the poll opened.
    let holds_vote = mine.iter().any(|h| m.roll.contains_key(h));
    let progress = poll_progress(&s, id).await?;
    for p in &m.polls {
        let subject = poll_subject(l, &m, &p.subject);
        polls.push(PollLine::of(l, p, &progress, subject, holds_vote)?);
    }
    let approvable = if can_manage && open {
        s.store
            .list_meetings(org)
            .await
            .map_err(store_err)?
            .into_iter()
            .filter(|x| x.id != m.id && x.body == m.body && x.state == MeetingState::Closed)
            .map(|x| (x.id.0, x.title))
            .collect()
    } else {
        Vec::new()
    };
    let mut facts = vec![
        (l.t("gov.meeting.notice_at").to_string(), when(m.notice_at)),
        (l.t("gov.meeting.starts_at").into(), when(m.starts_at)),
    ];
    if m.opened_at.is_some() {
        facts.push((l.t("gov.meeting.opened_at").into(), when_opt(m.opened_at)));
    }
    if m.closed_at.is_some() {
        facts.push((l.t("gov.meeting.closed_at").into(), when_opt(m.closed_at)));
    }
    if let Some(by) = m.minutes_approved_by {
        facts.push((
            l.t("gov.meeting.minutes_approved_by").into(),
            l.fill("gov.meeting.meeting_n", &[("id", &by.to_string())]),
        ));
    }
    let in_session = matches!(m.state, MeetingState::Convened | MeetingState::Open);
    let live = q.get("live").is_some_and(|v| v == "1") || (in_session && !can_manage);
    if !m.place.is_empty() {
        facts.push((l.t("gov.meeting.place").into(), m.place.clone()));
    }
    let preparing = can_manage && in_session;
    let document_versions = if preparing {
        s.store
            .list_documents(org)
            .await
            .map_err(store_err)?
            .into_iter()
            .filter_map(|d| {
                let v = d.document.versions.last()?.number;
                let label = l.fill(
                    "gov.prepare.document_version",
                    &[("document", &d.document.title), ("version", &v.to_string())],
                );
                Some((format!("{}:{v}", d.document.id.0), label))
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(render(
        &MeetingPage {
            quorum: quorum_view(l, &m.quorum()),
            id,
            org_id: org,
            org_name: o.name,
            title: m.title.clone(),
            body: body_line,
            state_code: m.state.as_str(),
            state: state(l, m.state.as_str()),
            facts,
            agenda: m
                .agenda
                .iter()
                .map(|a| (a.number, a.title.clone()))
                .collect(),
            roll,
            present_keys,
            motions,
            elections,
            polls,
            can_manage,
            mine_absent,
            approvable,
            live,
            preparing,
            terms: if preparing {
                term_choices(l, &bodies)
            } else {
                Vec::new()
            },
            document_versions,
            notice: m.notice.clone(),
            c,
        },
        StatusCode::OK,
    ))
}

fn election_heading(l: Locale, e: &federa_core::governance::Election, bodies: &Bodies) -> String {
    let what = match &e.fills {
        Fills::Seats => body_name(bodies, e.body),
        Fills::Office { office: k } => office(l, k),
    };
    l.fill(
        "gov.election.heading",
        &[("what", &what), ("seats", &e.seats.to_string())],
    )
}

fn form_holder(form: &HashMap<String, String>, k: &str) -> Result<Holder, AppError> {
    form.get(k)
        .and_then(|v| parse_holder(v))
        .ok_or_else(|| AppError::invalid(k, "required"))
}

fn form_id(form: &HashMap<String, String>, k: &str) -> Result<u64, AppError> {
    form.get(k)
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| AppError::invalid(k, "required"))
}

/// Sign-in (a delegate themself, or the secretariat for anyone), sign-out and proxies.
async fn attendance(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    from: SentFrom,
    Path(id): Path<u64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (org, _) = load_meeting(&s, id).await?;
    let action = form.get("action").map(String::as_str).unwrap_or("");
    let holder = form_holder(&form, "holder")?;
    let manage = auth.may(Action::RunMeetings(org));
    if !manage {
        auth.require(Action::Vote(org))?;
        let own = action == "sign_in" && delegate_holders(&s, &auth, org).await.contains(&holder);
        if !own {
            return Err(AppError::Forbidden);
        }
    }
    let r = match action {
        "sign_in" => {
            s.store
                .update_meeting(auth.actor(), MeetingId(id), "sign_in", |m, _, _| {
                    m.sign_in(holder)
                })
                .await
        }
        "sign_out" => {
            s.store
                .update_meeting(auth.actor(), MeetingId(id), "sign_out", |m, _, _| {
                    m.sign_out(holder)
                })
                .await
        }
        "proxy" => {
            let carrier = form_holder(&form, "carrier")?;
            s.store
                .update_meeting(auth.actor(), MeetingId(id), "give_proxy", |m, _, _| {
                    m.give_proxy(holder, carrier)
                })
                .await
        }
        _ => {
            return Err(AppError::invalid("action", "unknown_value"));
        }
    };
    let back = format!("/governance/meetings/{id}");
    match r {
        Ok(()) => Ok(Redirect::to(&back).into_response()),
        Err(e) => refused(&s, c, Some(org), e, from.back(back)).await,
    }
}

fn secrecy_of(form: &HashMap<String, String>) -> Secrecy {
    match form.get("secrecy").map(String::as_str) {
        Some("named") => Secrecy::Named,
        _ => Secrecy::Secret,
    }
}

/// The presiding officer's controls: open and close the meeting, open and close polls. A
/// closed motion poll that adopts a document makes its text current; a finished election
/// seats the elected (or gives them the office).
async fn control(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    from: SentFrom,
    Path(id): Path<u64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (org, m) = load_meeting(&s, id).await?;
    auth.require(Action::RunMeetings(org))?;
    let now = OffsetDateTime::now_utc();
    let actor = auth.actor();
    let mid = MeetingId(id);
    let back = format!("/governance/meetings/{id}");
    let r: Result<(), GovernanceError> = match form.get("action").map(String::as_str) {
        Some("open") => s
            .store
            .update_meeting(actor, mid, "open", |m, _, _| m.open(now))
            .await
            .map(|_| ()),
        Some("close") => {
            s.store
                .update_meeting(actor, mid, "close", |m, _, _| m.close(now))
                .await
        }
        Some("open_motion_poll") => {
            let motion = MotionId(form_id(&form, "motion")?);
            s.store
                .open_motion_poll(actor, mid, motion, secrecy_of(&form), now)
                .await
                .map(|_| ())
        }
        Some("open_election_poll") => {
            let election = ElectionId(form_id(&form, "election")?);
            s.store
                .open_election_poll(actor, mid, election, secrecy_of(&form), now)
                .await
                .map(|_| ())
        }
        Some("close_poll") => {
            let poll = PollId(form_id(&form, "poll")?);
            match m.poll(poll).map(|p| p.subject) {
                Ok(PollSubject::Motion { motion }) => {
                    match s.store.close_motion_poll(actor, poll, now).await {
                        Ok(d) => {
                            let adopts = m.motion(motion).is_ok_and(|x| x.document.is_some());
                            if d.adopted && adopts {
                                s.store
                                    .adopt_document(actor, mid, motion, now)
                                    .await
                                    .map(|_| ())
                            } else {
                                Ok(())
                            }
                        }
                        Err(e) => Err(e),
                    }
                }
                Ok(PollSubject::Election { election, .. }) => {
                    match s.store.close_election_poll(actor, poll, now).await {
                        Ok(_) => {
                            let (_, after) = load_meeting(&s, id).await?;
                            if after
                                .election(election)
                                .is_ok_and(|e| e.state == ElectionState::Done)
                            {
                                s.store
                                    .update_meeting(actor, mid, "install", |m, b, _| {
                                        m.election(election)?.install(b, now.date())
                                    })
                                    .await
                            } else {
                                Ok(())
                            }
                        }
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e.into()),
            }
        }
        _ => {
            return Err(AppError::invalid("action", "unknown_value"));
        }
    };
    match r {
        Ok(()) => Ok(Redirect::to(&back).into_response()),
        Err(e) => refused(&s, c, Some(org), e, from.back(back)).await,
    }
}

/// This meeting (open) approves the minutes of an earlier, closed meeting of the same
/// organisation.
async fn approve_minutes(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    from: SentFrom,
    Path(id): Path<u64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (org, m) = load_meeting(&s, id).await?;
    auth.require(Action::RunMeetings(org))?;
    let of = form_id(&form, "of")?;
    let (of_org, _) = load_meeting(&s, of).await?;
    if of_org != org {
        return Err(AppError::NotFound(format!("meeting {of}")));
    }
    let back = format!("/governance/meetings/{id}");
    if m.state != MeetingState::Open {
        let e = GovError::MeetingState {
            action: "approve minutes in".into(),
            state: m.state.as_str().into(),
        };
        return refused(&s, c, Some(org), e.into(), from.back(back)).await;
    }
    match s
        .store
        .update_meeting(auth.actor(), MeetingId(of), "approve_minutes", |x, _, _| {
            x.approve_minutes(MeetingId(id))
        })
        .await
    {
        Ok(()) => Ok(Redirect::to(&back).into_response()),
        Err(e) => refused(&s, c, Some(org), e, from.back(back)).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Preparing a meeting: the secretariat's forms. The steps are `prepare`'s, which the API takes
// too; a handler reads the form, takes the step and answers.

/// Answers a preparation form: on to `to` once done; a refusal in words, with a way `back`.
async fn prepared<T>(
    s: &AppState,
    c: Ctx,
    org: i64,
    r: Result<T, Refusal>,
    to: impl FnOnce(T) -> String,
    back: Back,
) -> Result<Response, AppError> {
    match r {
        Ok(v) => Ok(Redirect::to(&to(v)).into_response()),
        Err(Refusal::Rule(e)) => refused(s, c, Some(org), e, back).await,
        Err(Refusal::Input(e)) => input_refused(c, e, back),
    }
}

/// A field of a form refused: the field's label and what is wrong with it.
fn input_refused(c: Ctx, e: AppError, back: Back) -> Result<Response, AppError> {
    let l = c.locale;
    let label = |f: &str| {
        let key = format!("gov.field.{f}");
        if l.has(&key) {
            l.t(&key).to_string()
        } else {
            f.to_string()
        }
    };
    let message = match &e {
        AppError::Invalid(es) => es
            .iter()
            .map(|x| {
                let why = field_message(l, x, Some("gov.field_error."));
                format!("{}: {why}", label(&x.field))
            })
            .collect::<Vec<_>>()
            .join(" "),
        AppError::MissingField(f) => format!("{}: {}", label(f), l.t("field.required")),
        _ => return Err(e),
    };
    let status = e.status();
    Ok(render(
        &Refused {
            c,
            error_code: e.code(),
            message,
            back_to_form: back.form,
            back: back.page,
        },
        status,
    ))
}

/// The trimmed text of `k`, empty when the form left it out.
fn text<'a>(form: &'a HashMap<String, String>, k: &str) -> &'a str {
    form.get(k).map_or("", |v| v.trim())
}

/// The lines of a text area that hold something: agenda items, paragraphs.
fn lines(form: &HashMap<String, String>, k: &str) -> Vec<String> {
    text(form, k)
        .lines()
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// A pair of ids `a:b`, as the forms' choices of a body's term or a document's version carry.
fn id_pair(form: &HashMap<String, String>, k: &str) -> Result<(u64, u64), AppError> {
    text(form, k)
        .split_once(':')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .ok_or_else(|| AppError::invalid(k, "unknown_value"))
}

/// A time typed in `k` (UTC, as the pages show times): the browser's `YYYY-MM-DDTHH:MM`, or
/// RFC 3339; `None` when left empty.
fn form_time(form: &HashMap<String, String>, k: &str) -> Result<Option<OffsetDateTime>, AppError> {
    let v = text(form, k);
    if v.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339) {
        return Ok(Some(t));
    }
    let local = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    time::PrimitiveDateTime::parse(v, &local)
        .map(|t| Some(t.assume_utc()))
        .map_err(|_| AppError::invalid(k, "invalid_time"))
}

/// The organisation of meeting `id`, once the caller is found to run its meetings.
async fn secretariat_of(s: &AppState, auth: &Auth, id: u64) -> Result<i64, AppError> {
    let org = s
        .store
        .meeting_organisation(MeetingId(id))
        .await
        .map_err(store_err)?;
    auth.require(Action::RunMeetings(org))?;
    Ok(org)
}

/// Convenes a meeting of a body's term, with its notice and agenda (one item a line).
async fn convene_form(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    from: SentFrom,
    Path(org): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require(Action::RunMeetings(org))?;
    let r = async {
        let (body, term) = id_pair(&form, "term")?;
        let starts_at = form_time(&form, "starts_at")?
            .ok_or_else(|| AppError::invalid("starts_at", "required"))?;
        let new = federa_store::governance::NewMeeting {
            body: BodyId(body),
            term: TermId(term),
            title: text(&form, "title").into(),
            notice_at: form_time(&form, "notice_at")?.unwrap_or_else(crate::now),
            starts_at,
            place: text(&form, "place").into(),
            notice: text(&form, "notice").into(),
            agenda: lines(&form, "agenda"),
        };
        prepare::convene(&s, auth.actor(), org, new).await
    }
    .await;
    let to = |m: federa_store::governance::MeetingRecord| {
        format!("/governance/meetings/{}", m.meeting.id)
    };
    let back = format!("/organisations/{org}/governance");
    prepared(&s, c, org, r, to, from.back(back)).await
}

/// Adds an agenda item.
async fn agenda_form(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    from: SentFrom,
    Path(id): Path<u64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let org = secretariat_of(&s, &auth, id).await?;
    let r = prepare::add_agenda_item(&s, auth.actor(), MeetingId(id), text(&form, "title")).await;
    let back = format!("/governance/meetings/{id}");
    prepared(&s, c, org, r, |_| back.clone(), from.back(back.clone())).await
}

/// Puts a motion on an agenda item: its text typed (a paragraph a line), or a document's
/// version to adopt.
async fn motion_form(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    from: SentFrom,
    Path(id): Path<u64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let org = secretariat_of(&s, &auth, id).await?;
    let r = async {
        let document = match text(&form, "document") {
            "" => None,
            _ => {
                let (document, version) = id_pair(&form, "document")?;
                Some(DocumentRef {
                    document: DocumentId(document),
                    version: u32::try_from(version)
                        .map_err(|_| AppError::invalid("document", "unknown_value"))?,
                })
            }
        };
        let paragraphs = lines(&form, "text");
        let new = NewMotion {
            title: text(&form, "title").into(),
            text: (!paragraphs.is_empty()).then_some(paragraphs),
            majority: None,
            document,
            agenda_item: Some(form_number(&form, "item")?),
        };
        prepare::submit_motion(&s, auth.actor(), org, MeetingId(id), new).await
    }
    .await;
    let to = |m: MotionId| format!("/governance/meetings/{id}/motions/{m}");
    let back = format!("/governance/meetings/{id}");
    prepared(&s, c, org, r, to, from.back(back)).await
}

/// Proposes an amendment to a paragraph of a motion; the motion's page shows its diff.
async fn amendment_form(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    from: SentFrom,
    Path((id, mid)): Path<(u64, u64)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let org = secretariat_of(&s, &auth, id).await?;
    let page = format!("/governance/meetings/{id}/motions/{mid}");
    let r = async {
        // The form numbers paragraphs from 1, as the motion's page shows them.
        let paragraph = form_number(&form, "paragraph")?
            .checked_sub(1)
            .ok_or_else(|| AppError::invalid("paragraph", "out_of_range"))?;
        let (motion, amended) = (MotionId(mid), text(&form, "text"));
        prepare::propose_amendment(
            &s,
            auth.actor(),
            MeetingId(id),
            motion,
            paragraph as usize,
            amended,
        )
        .await
    }
    .await;
    prepared(&s, c, org, r, |_| page.clone(), from.back(page.clone())).await
}

/// A number typed or chosen in `k`.
fn form_number(form: &HashMap<String, String>, k: &str) -> Result<u32, AppError> {
    text(form, k)
        .parse()
        .map_err(|_| AppError::invalid(k, "required"))
}

/// The counting methods the election form offers, by the value it sends.
fn method_of(v: &str) -> Option<Method> {
    Some(match v {
        "approval_majority" => Method::APPROVAL_MAJORITY,
        "approval_most" => Method::Approval { threshold: None },
        "block" => Method::Block,
        "irv" => Method::Irv,
        "stv_scottish" => Method::Stv {
            method: StvMethod::Scottish,
        },
        "stv_meek" => Method::Stv {
            method: StvMethod::Meek,
        },
        "stv_wigm" => Method::Stv {
            method: StvMethod::Wigm,
        },
        _ => return None,
    })
}

/// What an election fills, by the value the form sends: `seats`, or an office.
fn fills_of(v: &str) -> Option<Fills> {
    match v {
        "seats" => Some(Fills::Seats),
        _ => serde_json::from_value::<OfficeKind>(serde_json::Value::String(v.into()))
            .ok()
            .map(|office| Fills::Office { office }),
    }
}

/// Adds an election to an agenda item; nominations open.
async fn election_form(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    from: SentFrom,
    Path(id): Path<u64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let org = secretariat_of(&s, &auth, id).await?;
    let r = async {
        let (body, term) = id_pair(&form, "term")?;
        let new = NewElection {
            body: BodyId(body),
            term: TermId(term),
            fills: fills_of(text(&form, "fills"))
                .ok_or_else(|| AppError::invalid("fills", "unknown_value"))?,
            seats: form_number(&form, "seats")?,
            method: method_of(text(&form, "method"))
                .ok_or_else(|| AppError::invalid("method", "unknown_value"))?,
            agenda_item: form_number(&form, "item")?,
        };
        prepare::add_election(&s, auth.actor(), MeetingId(id), new).await
    }
    .await;
    let to = |e: ElectionId| format!("/governance/meetings/{id}/elections/{e}");
    let back = format!("/governance/meetings/{id}");
    prepared(&s, c, org, r, to, from.back(back)).await
}

/// Nominates a candidate, under the name typed or else the holder's own; an ineligible one is
/// refused with the rule it breaks.
async fn nominate_form(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    from: SentFrom,
    Path((id, eid)): Path<(u64, u64)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let org = secretariat_of(&s, &auth, id).await?;
    let holder = form_holder(&form, "holder")?;
    let name = match text(&form, "name") {
        "" => {
            let names = names_for(&s, org, std::iter::once(holder), c.locale).await;
            holder_name(&names, c.locale, holder)
        }
        typed => typed.to_string(),
    };
    let r = prepare::nominate(
        &s,
        auth.actor(),
        MeetingId(id),
        ElectionId(eid),
        holder,
        &name,
    )
    .await;
    let page = format!("/governance/meetings/{id}/elections/{eid}");
    prepared(&s, c, org, r, |_| page.clone(), from.back(page.clone())).await
}

// ---------------------------------------------------------------------------------------------
// A motion

pub struct DecisionView {
    pub adopted: bool,
    pub result: String,
    pub reason: String,
    pub rule: String,
    pub source: String,
    pub numbers: Vec<(String, String)>,
}

fn decision_view(l: Locale, d: &tally::decision::Decision) -> DecisionView {
    let n = |x: u64| x.to_string();
    DecisionView {
        adopted: d.adopted,
        result: l
            .t(if d.adopted {
                "gov.result.adopted"
            } else {
                "gov.result.rejected"
            })
            .into(),
        reason: l.fill(
            &format!("gov.reason.{}", d.reason.code()),
            &[
                ("yes", &n(d.counts.yes)),
                ("threshold", &n(d.threshold)),
                ("base", &n(d.base)),
            ],
        ),
        rule: majority_text(l, &d.majority),
        source: d.source.clone(),
        numbers: vec![
            (l.t("gov.choice.yes").into(), n(d.counts.yes)),
            (l.t("gov.choice.no").into(), n(d.counts.no)),
            (l.t("gov.choice.abstain").into(), n(d.counts.abstain)),
            (l.t("gov.result.present").into(), n(d.counts.present)),
            (l.t("gov.result.members").into(), n(d.counts.members)),
            (l.t("gov.result.base").into(), n(d.base)),
            (l.t("gov.result.threshold").into(), n(d.threshold)),
        ],
    }
}

#[derive(Template)]
#[template(path = "governance/motion.html")]
struct MotionPage {
    c: Ctx,
    meeting_id: u64,
    mid: u64,
    meeting_title: String,
    title: String,
    state_code: &'static str,
    state: String,
    item: Option<(u32, String)>,
    text: Vec<String>,
    document: Option<(u64, String)>,
    majority: String,
    majority_source: String,
    amendments: Vec<(String, String, Runs)>,
    poll: Option<PollLine>,
    decision: Option<DecisionView>,
    live: bool,
    /// The secretariat may propose amendments: the paragraphs (numbered from 1, and one more
    /// to add a paragraph) with their start.
    amend: Vec<(usize, String)>,
}

async fn motion_page(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path((id, mid)): Path<(u64, u64)>,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let (org, m) = load_meeting(&s, id).await?;
    let l = c.locale;
    let mo = m
        .motion(MotionId(mid))
        .map_err(|_| AppError::NotFound(format!("motion {mid}")))?;
    let document = match mo.document {
        Some(d) => {
            let title = s
                .store
                .get_document(d.document)
                .await
                .map(|r| r.document.title)
                .unwrap_or_default();
            Some((
                d.document.0,
                l.fill(
                    "gov.motion.adopts",
                    &[("document", &title), ("version", &d.version.to_string())],
                ),
            ))
        }
        None => None,
    };
    let mine = delegate_holders(&s, &auth, org).await;
    let poll = match mo.poll.and_then(|p| m.poll(p).ok()) {
        Some(p) => {
            let subject = (secrecy(l, p.secrecy), String::new());
            let progress = poll_progress(&s, id).await?;
            Some(PollLine::of(l, p, &progress, subject, !mine.is_empty())?)
        }
        None => None,
    };
    let live = poll.as_ref().is_some_and(|p| p.open);
    let amendable = matches!(mo.state, MotionState::Submitted | MotionState::OnAgenda);
    let amend = if amendable && auth.may(Action::RunMeetings(org)) {
        let start = |p: &String| p.chars().take(24).collect::<String>();
        mo.text
            .iter()
            .map(start)
            .chain([l.t("gov.prepare.new_paragraph").to_string()])
            .enumerate()
            .map(|(i, t)| (i + 1, t))
            .collect()
    } else {
        Vec::new()
    };
    Ok(render(
        &MotionPage {
            amend,
            mid,
            meeting_id: id,
            meeting_title: m.title.clone(),
            title: mo.title.clone(),
            state_code: mo.state.as_str(),
            state: state(l, mo.state.as_str()),
            item: mo.agenda_item.and_then(|i| {
                m.agenda
                    .iter()
                    .find(|a| a.number == i)
                    .map(|a| (i, a.title.clone()))
            }),
            text: mo.text.clone(),
            document,
            majority: majority_text(l, &mo.majority),
            majority_source: mo.majority.source().to_string(),
            amendments: mo
                .amendments
                .iter()
                .map(|a| {
                    let st = match a.state {
                        federa_core::governance::AmendmentState::Proposed => "proposed",
                        federa_core::governance::AmendmentState::Accepted => "accepted",
                        federa_core::governance::AmendmentState::Rejected => "rejected_amendment",
                    };
                    (
                        l.fill(
                            "gov.amendment.heading",
                            &[("paragraph", &(a.paragraph + 1).to_string())],
                        ),
                        state(l, st),
                        runs(&a.diff()),
                    )
                })
                .collect(),
            poll,
            decision: mo.decision.as_ref().map(|d| decision_view(l, d)),
            live,
            c,
        },
        StatusCode::OK,
    ))
}

// ---------------------------------------------------------------------------------------------
// An election

pub struct RoundView {
    pub heading: String,
    pub poll: Option<PollLine>,
    pub table: Option<TableView>,
    pub elected: String,
    pub rule: Option<(String, String)>,
    pub set_aside: Vec<String>,
}

#[derive(Template)]
#[template(path = "governance/election.html")]
struct ElectionPage {
    c: Ctx,
    meeting_id: u64,
    eid: u64,
    meeting_title: String,
    heading: String,
    state: String,
    facts: Vec<(String, String)>,
    eligibility: Vec<String>,
    candidates: Vec<(String, String, &'static str)>,
    rounds: Vec<RoundView>,
    elected: Vec<String>,
    live: bool,
    /// While nominations are open, the secretariat's choice of member units not yet standing.
    nominees: Vec<(String, String)>,
}

async fn election_page(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path((id, eid)): Path<(u64, u64)>,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let (org, m) = load_meeting(&s, id).await?;
    let l = c.locale;
    let e = m
        .election(ElectionId(eid))
        .map_err(|_| AppError::NotFound(format!("election {eid}")))?;
    let bodies = s.store.bodies(org).await.map_err(store_err)?.bodies;
    // The member units, and whoever sits in a body (who may stand where it draws from).
    let seated: Vec<Holder> = bodies
        .terms
        .iter()
        .flat_map(|t| t.seats.iter().map(|x| x.holder))
        .collect();
    let names = names_for(&s, org, seated.into_iter(), l).await;
    let mine = delegate_holders(&s, &auth, org).await;
    let mut eligibility = Vec::new();
    match &e.fills {
        Fills::Seats => {
            if let Ok(b) = bodies.body(e.body) {
                if let Some(from) = b.rules.drawn_from {
                    eligibility.push(l.fill(
                        "gov.eligibility.drawn_from",
                        &[("body", &body_name(&bodies, from))],
                    ));
                }
                for x in &b.rules.incompatible_with {
                    eligibility.push(l.fill(
                        "gov.eligibility.incompatible",
                        &[("body", &body_name(&bodies, *x))],
                    ));
                }
            }
        }
        Fills::Office { .. } => eligibility.push(l.fill(
            "gov.eligibility.office",
            &[("body", &body_name(&bodies, e.body))],
        )),
    }
    if eligibility.is_empty() {
        eligibility.push(l.t("gov.eligibility.any").into());
    }
    let candidates = e
        .candidates
        .iter()
        .map(|cand| {
            let round = e
                .rounds
                .iter()
                .find(|r| r.elected.contains(&cand.holder))
                .map(|r| r.number);
            let (status, class) = match (round, cand.withdrawn) {
                (Some(n), _) => (
                    l.fill("gov.candidate.elected_in", &[("round", &n.to_string())]),
                    "elected",
                ),
                (None, true) => (l.t("gov.candidate.withdrawn").into(), "withdrawn"),
                (None, false) => (l.t("gov.candidate.standing").into(), "continuing"),
            };
            (cand.name.clone(), status, class)
        })
        .collect();
    // The name an elected holder stood under, else the holder's own.
    let elected_name = |h: &Holder| {
        e.candidates
            .iter()
            .find(|x| x.holder == *h)
            .map_or_else(|| holder_name(&names, l, *h), |x| x.name.clone())
    };
    let mut rounds = Vec::new();
    let mut live = false;
    let progress = poll_progress(&s, id).await?;
    for r in &e.rounds {
        let cand_names: Vec<String> = r
            .candidates
            .iter()
            .map(|&i| {
                e.candidates
                    .get(i)
                    .map(|x| x.name.clone())
                    .unwrap_or_default()
            })
            .collect();
        let poll = match m.poll(r.poll) {
            Ok(p) => {
                let subject = (secrecy(l, p.secrecy), String::new());
                let line = PollLine::of(l, p, &progress, subject, !mine.is_empty())?;
                live |= line.open;
                Some(line)
            }
            Err(_) => None,
        };
        let elected = r
            .elected
            .iter()
            .map(elected_name)
            .collect::<Vec<_>>()
            .join("、");
        rounds.push(RoundView {
            heading: l.fill(
                "gov.round.heading",
                &[
                    ("round", &r.number.to_string()),
                    ("seats", &r.seats.to_string()),
                    ("candidates", &r.candidates.len().to_string()),
                ],
            ),
            poll,
            table: r
                .outcome
                .as_ref()
                .map(|o| table_view(l, &minutes::round_table(o, &cand_names))),
            elected,
            rule: r
                .outcome
                .as_ref()
                .map(|o| (o.method.clone(), o.source.clone())),
            set_aside: r
                .outcome
                .as_ref()
                .map(|o| {
                    o.set_aside
                        .iter()
                        .map(|x| {
                            l.fill(
                                "gov.round.set_aside",
                                &[("count", &x.count.to_string()), ("reason", &x.reason)],
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    let facts = vec![
        (l.t("gov.election.method").to_string(), method(l, &e.method)),
        (l.t("gov.election.seats").into(), e.seats.to_string()),
        (
            l.t("gov.election.competitive").into(),
            l.t(if e.competitive() {
                "gov.election.competitive_yes"
            } else {
                "gov.election.competitive_no"
            })
            .into(),
        ),
        (
            l.t("gov.election.open_seats").into(),
            e.open_seats().to_string(),
        ),
    ];
    let elected = e.elected.iter().map(elected_name).collect();
    let nominees = if e.state == ElectionState::Nominating && auth.may(Action::RunMeetings(org)) {
        names
            .iter()
            .filter(|(h, _)| !e.candidates.iter().any(|x| x.holder == **h))
            .map(|(h, n)| (holder_key(*h), n.clone()))
            .collect()
    } else {
        Vec::new()
    };
    Ok(render(
        &ElectionPage {
            nominees,
            eid,
            meeting_id: id,
            meeting_title: m.title.clone(),
            heading: election_heading(l, e, &bodies),
            state: state(l, e.state.as_str()),
            facts,
            eligibility,
            candidates,
            rounds,
            elected,
            live,
            c,
        },
        StatusCode::OK,
    ))
}

// ---------------------------------------------------------------------------------------------
// The ballot and the receipt

pub struct BallotChoice {
    pub key: String,
    pub label: String,
    pub voted: bool,
}

#[derive(Template)]
#[template(path = "governance/ballot.html")]
struct BallotPage {
    c: Ctx,
    poll_id: u64,
    meeting_id: u64,
    subject: String,
    subject_href: String,
    instructions: String,
    /// `motion`, `marks` or `ranking`.
    form: &'static str,
    text: Vec<String>,
    candidates: Vec<(u32, String)>,
    voters: Vec<BallotChoice>,
    open: bool,
    secret: bool,
    message: Option<String>,
}

#[derive(Template)]
#[template(path = "governance/receipt.html")]
struct ReceiptPage {
    c: Ctx,
    meeting_id: u64,
    poll_id: u64,
    subject: String,
    voter: String,
    weight: u64,
    remaining: Vec<BallotChoice>,
}

struct BallotContext {
    org: i64,
    meeting: Meeting,
    poll: federa_core::governance::Poll,
    subject: String,
    subject_href: String,
    text: Vec<String>,
    candidates: Vec<(u32, String)>,
    instructions: String,
    names: Names,
}

async fn ballot_context(s: &AppState, pid: u64, l: Locale) -> Result<BallotContext, AppError> {
    let rec = s.store.get_poll(PollId(pid)).await.map_err(store_err)?;
    let (org, meeting) = load_meeting(s, rec.meeting.0).await?;
    let poll = rec.poll;
    let (subject, subject_href) = poll_subject(l, &meeting, &poll.subject);
    let (mut text, mut candidates, mut instructions) = (Vec::new(), Vec::new(), String::new());
    match poll.subject {
        PollSubject::Motion { motion } => {
            if let Ok(mo) = meeting.motion(motion) {
                text = mo.text.clone();
                instructions = l.fill(
                    "gov.ballot.motion_rule",
                    &[("rule", &majority_text(l, &mo.majority))],
                );
            }
        }
        PollSubject::Election { election, round } => {
            if let Ok(e) = meeting.election(election)
                && let Some(r) = e.rounds.iter().find(|r| r.number == round)
            {
                candidates = r
                    .candidates
                    .iter()
                    .enumerate()
                    .map(|(k, &i)| {
                        (
                            k as u32,
                            e.candidates
                                .get(i)
                                .map(|x| x.name.clone())
                                .unwrap_or_default(),
                        )
                    })
                    .collect();
                instructions = match poll.form {
                    BallotForm::Ranking { .. } => l.t("gov.ballot.rank_rule").into(),
                    _ => l.fill("gov.ballot.marks_rule", &[("seats", &r.seats.to_string())]),
                };
            }
        }
    }
    let names = names_for(s, org, poll.entitled.keys().copied(), l).await;
    Ok(BallotContext {
        org,
        meeting,
        poll,
        subject,
        subject_href,
        text,
        candidates,
        instructions,
        names,
    })
}

/// The votes the viewer casts in the poll: their own holders' and those whose proxy they carry.
fn voters_of(bc: &BallotContext, mine: &[Holder], l: Locale) -> Vec<BallotChoice> {
    bc.poll
        .entitled
        .iter()
        .filter(|(_, e)| mine.contains(&e.cast_by))
        .map(|(h, e)| BallotChoice {
            key: holder_key(*h),
            label: if *h == e.cast_by {
                holder_name(&bc.names, l, *h)
            } else {
                l.fill(
                    "gov.ballot.for_proxy",
                    &[("voter", &holder_name(&bc.names, l, *h))],
                )
            },
            voted: bc.poll.voted.contains(h),
        })
        .collect()
}

fn form_kind(f: BallotForm) -> &'static str {
    match f {
        BallotForm::Motion => "motion",
        BallotForm::Marks { .. } => "marks",
        BallotForm::Ranking { .. } => "ranking",
    }
}

async fn ballot_page(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(pid): Path<u64>,
) -> Result<Response, AppError> {
    auth.user()?;
    let l = c.locale;
    let bc = ballot_context(&s, pid, l).await?;
    let mine = delegate_holders(&s, &auth, bc.org).await;
    let voters = voters_of(&bc, &mine, l);
    let open = bc.poll.state == PollState::Open;
    let (message, status) = if !open {
        (
            Some(gov_message(
                l,
                &GovError::PollClosed { poll: bc.poll.id },
                &bc.names,
                &Bodies::default(),
            )),
            StatusCode::OK,
        )
    } else if voters.is_empty() {
        (
            Some(l.t("gov.ballot.not_entitled").to_string()),
            StatusCode::FORBIDDEN,
        )
    } else {
        (None, StatusCode::OK)
    };
    Ok(render(
        &BallotPage {
            poll_id: pid,
            meeting_id: bc.meeting.id.0,
            subject: bc.subject,
            subject_href: bc.subject_href,
            instructions: bc.instructions,
            form: form_kind(bc.poll.form),
            text: bc.text,
            candidates: bc.candidates,
            voters,
            open,
            secret: bc.poll.secrecy == Secrecy::Secret,
            message,
            c,
        },
        status,
    ))
}

/// Reads the ballot from the form: `choice`; `mark` (repeated); `rank_N` (a number per
/// candidate, blank for unranked, equal numbers for equal ranks).
fn ballot_of(
    form: &[(String, String)],
    f: BallotForm,
    poll: PollId,
) -> Result<BallotContent, GovError> {
    let bad = |why: &str| GovError::BadBallot {
        poll,
        why: why.into(),
    };
    match f {
        BallotForm::Motion => {
            let c = form
                .iter()
                .find(|(k, _)| k == "choice")
                .map(|(_, v)| v.as_str());
            let choice = match c {
                Some("yes") => Choice::Yes,
                Some("no") => Choice::No,
                Some("abstain") => Choice::Abstain,
                _ => return Err(bad("choose yes, no or abstain")),
            };
            Ok(BallotContent::Motion { choice })
        }
        BallotForm::Marks { .. } => {
            let mut marked = std::collections::BTreeSet::new();
            for (_, v) in form.iter().filter(|(k, _)| k == "mark") {
                marked.insert(v.parse::<u32>().map_err(|_| bad("not a candidate"))?);
            }
            Ok(BallotContent::Marks { marked })
        }
        BallotForm::Ranking { .. } => {
            let mut by_rank: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
            for (k, v) in form {
                let Some(cand) = k.strip_prefix("rank_") else {
                    continue;
                };
                if v.trim().is_empty() {
                    continue;
                }
                let cand = cand.parse::<u32>().map_err(|_| bad("not a candidate"))?;
                let rank = v
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|r| *r >= 1)
                    .ok_or_else(|| bad("a rank is a whole number from 1"))?;
                by_rank.entry(rank).or_default().push(cand);
            }
            Ok(BallotContent::Ranking {
                ranks: by_rank.into_values().collect(),
            })
        }
    }
}

async fn cast(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    from: SentFrom,
    Path(pid): Path<u64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    auth.user()?;
    let l = c.locale;
    let bc = ballot_context(&s, pid, l).await?;
    auth.require(Action::Vote(bc.org))?;
    let mine = delegate_holders(&s, &auth, bc.org).await;
    let back = format!("/governance/polls/{pid}/ballot");
    let voter = form
        .iter()
        .find(|(k, _)| k == "voter")
        .and_then(|(_, v)| parse_holder(v))
        .or_else(|| mine.first().copied());
    let Some(voter) = voter else {
        let e = GovError::NotEntitled {
            poll: PollId(pid),
            voter: Holder::Person(auth.user()?.id as u64),
        };
        return refused(&s, c, Some(bc.org), e.into(), from.back(back)).await;
    };
    // The vote is cast by whoever carries it, if the viewer represents them; else by the
    // viewer's own holder, which the rules then refuse (not entitled, or not the carrier).
    let by = bc
        .poll
        .entitled
        .get(&voter)
        .map(|e| e.cast_by)
        .filter(|b| mine.contains(b))
        .or_else(|| mine.first().copied())
        .unwrap_or(voter);
    if !mine.contains(&by) {
        let e = GovError::NotEntitled {
            poll: PollId(pid),
            voter,
        };
        return refused(&s, c, Some(bc.org), e.into(), from.back(back)).await;
    }
    let ballot = match ballot_of(&form, bc.poll.form, bc.poll.id) {
        Ok(b) => b,
        Err(e) => return refused(&s, c, Some(bc.org), e.into(), from.back(back)).await,
    };
    match s
        .store
        .cast_vote(auth.actor(), PollId(pid), by, voter, ballot)
        .await
    {
        Ok(receipt) => {
            let after = ballot_context(&s, pid, l).await?;
            let remaining = voters_of(&after, &mine, l)
                .into_iter()
                .filter(|v| !v.voted)
                .collect();
            Ok(render(
                &ReceiptPage {
                    meeting_id: bc.meeting.id.0,
                    poll_id: pid,
                    subject: bc.subject,
                    voter: holder_name(&bc.names, l, receipt.voter),
                    weight: receipt.weight,
                    remaining,
                    c,
                },
                StatusCode::OK,
            ))
        }
        Err(e) => refused(&s, c, Some(bc.org), e, from.back(back)).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Documents

#[derive(Template)]
#[template(path = "governance/document.html")]
struct DocumentPage {
    c: Ctx,
    id: u64,
    org_id: i64,
    title: String,
    versions: Vec<(u32, String, &'static str, String)>,
    numbers: Vec<(u32, bool)>,
    numbers_b: Vec<(u32, bool)>,
    a: u32,
    b: u32,
    diff: Vec<(&'static str, Runs)>,
    current: Vec<String>,
}

async fn document_page(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<u64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let l = c.locale;
    let rec = s
        .store
        .get_document(DocumentId(id))
        .await
        .map_err(store_err)?;
    let d = rec.document;
    let versions = d
        .versions
        .iter()
        .map(|v| {
            let (code, class) = match v.status {
                VersionStatus::Draft => ("draft", "draft"),
                VersionStatus::Adopted => ("adopted_version", "adopted"),
                VersionStatus::Superseded => ("superseded", "superseded"),
            };
            let mut info = state(l, code);
            if let Some(a) = &v.adoption {
                info = l.fill(
                    "gov.doc.adopted_by",
                    &[
                        ("status", &info),
                        ("meeting", &a.meeting.to_string()),
                        ("motion", &a.motion.to_string()),
                        ("at", &when(a.at)),
                    ],
                );
            }
            if let Some(b) = v.based_on {
                info.push_str(&l.fill("gov.doc.based_on", &[("version", &b.to_string())]));
            }
            (v.number, info, class, String::new())
        })
        .collect();
    let numbers: Vec<u32> = d.versions.iter().map(|v| v.number).collect();
    let last = numbers.last().copied().unwrap_or(1);
    let get = |k: &str| q.get(k).and_then(|v| v.parse::<u32>().ok());
    let b = get("b").unwrap_or(d.current.unwrap_or(last));
    let a = get("a").unwrap_or_else(|| {
        d.version(b)
            .ok()
            .and_then(|v| v.based_on)
            .unwrap_or(1.max(b.saturating_sub(1)))
    });
    let diff = match d.compare(a, b) {
        Ok(diff) => diff
            .iter()
            .map(|p| match p {
                ParagraphDiff::Same { text } => ("same", vec![("same", text.clone())]),
                ParagraphDiff::Added { text } => ("added", vec![("added", text.clone())]),
                ParagraphDiff::Removed { text } => ("removed", vec![("removed", text.clone())]),
                ParagraphDiff::Changed { changes } => ("changed", runs(changes)),
            })
            .collect(),
        Err(e) => {
            return refused(
                &s,
                c,
                Some(rec.organisation_id),
                e.into(),
                Back::to(format!("/governance/documents/{id}")),
            )
            .await;
        }
    };
    let current = d
        .current
        .and_then(|n| d.version(n).ok())
        .map(|v| v.paragraphs.clone())
        .unwrap_or_default();
    Ok(render(
        &DocumentPage {
            id,
            org_id: rec.organisation_id,
            title: d.title.clone(),
            versions,
            numbers: numbers.iter().map(|&n| (n, n == a)).collect(),
            numbers_b: numbers.iter().map(|&n| (n, n == b)).collect(),
            a,
            b,
            diff,
            current,
            c,
        },
        StatusCode::OK,
    ))
}

// ---------------------------------------------------------------------------------------------
// Minutes, results, calendar

/// The minutes in the reader's language: what the HTML page and the PDF both show.
pub struct MinutesView {
    pub title: String,
    pub subtitle: String,
    pub facts: Vec<(String, String)>,
    pub attendance_summary: String,
    pub attendance: Vec<(String, String)>,
    pub quorum: String,
    pub items: Vec<MinItem>,
    pub elections: Vec<MinElection>,
}

pub struct MinItem {
    pub heading: String,
    pub motions: Vec<MinMotion>,
    pub elections: Vec<MinElection>,
}

pub struct MinMotion {
    pub title: String,
    pub document: Option<String>,
    pub text: Vec<String>,
    pub amendments: Vec<(String, Runs)>,
    pub majority: String,
    pub poll: Option<String>,
    pub result: Option<String>,
    pub roll_call: Vec<(String, String)>,
}

pub struct MinElection {
    pub heading: String,
    pub method: String,
    pub candidates: String,
    pub rounds: Vec<MinRound>,
    pub elected: String,
}

pub struct MinRound {
    pub heading: String,
    pub poll: Option<String>,
    pub table: Option<TableView>,
    pub elected: String,
}

fn poll_sentence(l: Locale, p: &minutes::PollRecord) -> String {
    l.fill(
        "gov.min.poll",
        &[
            ("poll", &p.id.to_string()),
            ("secrecy", &secrecy(l, p.secrecy)),
            ("opened", &when(p.opened_at)),
            ("closed", &when_opt(p.closed_at)),
            ("present", &p.quorum.present.to_string()),
            ("members", &p.quorum.members.to_string()),
            ("required", &p.quorum.required.to_string()),
            ("voted", &p.voted.to_string()),
            ("entitled", &p.entitled.to_string()),
        ],
    )
}

fn minutes_view(l: Locale, m: &Minutes) -> MinutesView {
    let a = &m.attendance;
    let mut facts = vec![
        (l.t("gov.meeting.notice_at").to_string(), when(m.notice_at)),
        (l.t("gov.meeting.starts_at").into(), when(m.starts_at)),
        (l.t("gov.meeting.opened_at").into(), when_opt(m.opened_at)),
        (l.t("gov.meeting.closed_at").into(), when_opt(m.closed_at)),
        (l.t("gov.meeting.state").into(), state(l, m.state.as_str())),
    ];
    if let Some(by) = m.approved_by {
        facts.push((
            l.t("gov.meeting.minutes_approved_by").into(),
            l.fill("gov.meeting.meeting_n", &[("id", &by.to_string())]),
        ));
    }
    let motion = |mo: &minutes::MotionRecord| MinMotion {
        title: mo.title.clone(),
        document: mo.document.as_ref().map(|(_, t, v)| {
            l.fill(
                "gov.motion.adopts",
                &[("document", t), ("version", &v.to_string())],
            )
        }),
        text: mo.text.clone(),
        amendments: mo
            .amendments
            .iter()
            .map(|am| {
                let st = match am.state {
                    federa_core::governance::AmendmentState::Proposed => "proposed",
                    federa_core::governance::AmendmentState::Accepted => "accepted",
                    federa_core::governance::AmendmentState::Rejected => "rejected_amendment",
                };
                (
                    format!(
                        "{} ({})",
                        l.fill(
                            "gov.amendment.heading",
                            &[("paragraph", &am.paragraph.to_string())]
                        ),
                        state(l, st)
                    ),
                    runs(&am.diff),
                )
            })
            .collect(),
        majority: majority_text(l, &mo.majority),
        poll: mo.poll.as_ref().map(|p| poll_sentence(l, p)),
        result: mo.decision.as_ref().map(|d| {
            l.fill(
                "gov.min.result",
                &[
                    (
                        "result",
                        l.t(if d.adopted {
                            "gov.result.adopted"
                        } else {
                            "gov.result.rejected"
                        }),
                    ),
                    ("yes", &d.counts.yes.to_string()),
                    ("no", &d.counts.no.to_string()),
                    ("abstain", &d.counts.abstain.to_string()),
                    ("threshold", &d.threshold.to_string()),
                    ("base", &d.base.to_string()),
                    ("rule", &majority_text(l, &d.majority)),
                ],
            )
        }),
        roll_call: mo
            .poll
            .as_ref()
            .map(|p| {
                p.roll_call
                    .iter()
                    .map(|(n, ch)| (n.clone(), choice(l, *ch)))
                    .collect()
            })
            .unwrap_or_default(),
    };
    let election = |e: &minutes::ElectionRecord| MinElection {
        heading: {
            let what = match &e.fills {
                Fills::Seats => e.body_name.clone(),
                Fills::Office { office: k } => office(l, k),
            };
            l.fill(
                "gov.election.heading",
                &[("what", &what), ("seats", &e.seats.to_string())],
            )
        },
        method: method(l, &e.method),
        candidates: e
            .candidates
            .iter()
            .map(|x| x.name.clone())
            .collect::<Vec<_>>()
            .join("、"),
        rounds: e
            .rounds
            .iter()
            .map(|r| MinRound {
                heading: l.fill(
                    "gov.round.heading",
                    &[
                        ("round", &r.number.to_string()),
                        ("seats", &r.seats.to_string()),
                        ("candidates", &r.candidates.len().to_string()),
                    ],
                ),
                poll: r.poll.as_ref().map(|p| poll_sentence(l, p)),
                table: r.table.as_ref().map(|t| table_view(l, t)),
                elected: r.elected.join("、"),
            })
            .collect(),
        elected: e.elected.join("、"),
    };
    let mut items: Vec<MinItem> = m
        .items
        .iter()
        .map(|i| MinItem {
            heading: format!("{}. {}", i.number, i.title),
            motions: i.motions.iter().map(motion).collect(),
            elections: i.elections.iter().map(election).collect(),
        })
        .collect();
    if !m.unscheduled.is_empty() {
        items.push(MinItem {
            heading: l.t("gov.min.unscheduled").into(),
            motions: m.unscheduled.iter().map(motion).collect(),
            elections: Vec::new(),
        });
    }
    MinutesView {
        title: m.title.clone(),
        subtitle: l.fill(
            "gov.term.heading",
            &[
                ("number", &m.term_number.to_string()),
                ("body", &m.body_name),
            ],
        ),
        facts,
        attendance_summary: l.fill(
            "gov.min.attendance",
            &[
                ("members", &a.members.to_string()),
                ("in_person", &a.in_person.to_string()),
                ("by_proxy", &a.by_proxy.to_string()),
                ("absent", &a.absent.to_string()),
            ],
        ),
        attendance: a
            .lines
            .iter()
            .map(|x| {
                let p = match &x.presence {
                    minutes::PresenceRecord::Present => l.t("gov.presence.present").to_string(),
                    minutes::PresenceRecord::Proxy { carrier_name, .. } => {
                        l.fill("gov.presence.proxy", &[("carrier", carrier_name)])
                    }
                    minutes::PresenceRecord::Absent => l.t("gov.presence.absent").to_string(),
                };
                (x.name.clone(), p)
            })
            .collect(),
        quorum: l.fill(
            "gov.min.quorum",
            &[
                ("rule", &quorum_text(l, &m.quorum.rule)),
                ("present", &m.quorum.present.to_string()),
                ("members", &m.quorum.members.to_string()),
                ("required", &m.quorum.required.to_string()),
            ],
        ),
        items,
        elections: m.elections.iter().map(election).collect(),
    }
}

async fn minutes_of(s: &AppState, id: u64, l: Locale) -> Result<(i64, Meeting, Minutes), AppError> {
    let (org, m) = load_full_meeting(s, id).await?;
    let bodies = s.store.bodies(org).await.map_err(store_err)?.bodies;
    let documents: Vec<_> = s
        .store
        .list_documents(org)
        .await
        .map_err(store_err)?
        .into_iter()
        .map(|d| d.document)
        .collect();
    let names = names_for(s, org, m.roll.keys().copied(), l).await;
    let min = minutes::minutes(&m, &bodies, &documents, &names).map_err(AppError::internal)?;
    Ok((org, m, min))
}

#[derive(Template)]
#[template(path = "governance/minutes.html")]
struct MinutesPage {
    c: Ctx,
    id: u64,
    v: MinutesView,
}

async fn minutes_page(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<u64>,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let (_, _, min) = minutes_of(&s, id, c.locale).await?;
    let v = minutes_view(c.locale, &min);
    Ok(render(&MinutesPage { c, id, v }, StatusCode::OK))
}

/// The minutes as lines for the PDF.
fn pdf_lines(l: Locale, v: &MinutesView) -> Vec<super::minutes_pdf::Line> {
    use super::minutes_pdf::Line;
    let mut out = vec![
        Line::heading(v.title.clone(), 18.0),
        Line::text(v.subtitle.clone(), 0.0),
    ];
    for (k, val) in &v.facts {
        out.push(Line::text(format!("{k}: {val}"), 0.0));
    }
    out.push(Line::heading(l.t("gov.min.attendance_h"), 13.0));
    out.push(Line::text(v.attendance_summary.clone(), 0.0));
    out.push(Line::text(v.quorum.clone(), 0.0));
    let present: Vec<String> = v
        .attendance
        .iter()
        .map(|(n, p)| format!("{n} ({p})"))
        .collect();
    out.push(Line::text(present.join("; "), 12.0));
    out.push(Line::heading(l.t("gov.min.business_h"), 13.0));
    for item in &v.items {
        out.push(Line::heading(item.heading.clone(), 11.5));
        for mo in &item.motions {
            out.push(Line::text(
                format!("{}: {}", l.t("gov.motion.title"), mo.title),
                0.0,
            ));
            if let Some(d) = &mo.document {
                out.push(Line::text(d.clone(), 12.0));
            }
            for p in &mo.text {
                out.push(Line::text(p.clone(), 12.0));
            }
            for (h, diff) in &mo.amendments {
                let text: String = diff
                    .iter()
                    .map(|(k, t)| match *k {
                        "added" => format!("[+{t}]"),
                        "removed" => format!("[-{t}]"),
                        _ => t.clone(),
                    })
                    .collect();
                out.push(Line::text(format!("{h}: {text}"), 12.0));
            }
            out.push(Line::text(
                format!("{}: {}", l.t("gov.motion.majority"), mo.majority),
                12.0,
            ));
            if let Some(p) = &mo.poll {
                out.push(Line::text(p.clone(), 12.0));
            }
            if let Some(r) = &mo.result {
                out.push(Line::text(r.clone(), 12.0));
            }
        }
        for e in &item.elections {
            pdf_election(l, e, &mut out);
        }
    }
    for e in &v.elections {
        pdf_election(l, e, &mut out);
    }
    out
}

/// An election in the PDF's lines: its method, candidates, each round's count, the elected.
fn pdf_election(l: Locale, e: &MinElection, out: &mut Vec<super::minutes_pdf::Line>) {
    use super::minutes_pdf::Line;
    out.push(Line::heading(e.heading.clone(), 11.5));
    out.push(Line::text(
        format!("{}: {}", l.t("gov.election.method"), e.method),
        0.0,
    ));
    out.push(Line::text(
        format!("{}: {}", l.t("gov.election.candidates"), e.candidates),
        0.0,
    ));
    for r in &e.rounds {
        out.push(Line::text(r.heading.clone(), 6.0));
        if let Some(p) = &r.poll {
            out.push(Line::text(p.clone(), 12.0));
        }
        if let Some(t) = &r.table {
            for (name, votes, status, _) in &t.rows {
                out.push(Line::text(
                    format!("{name}: {} — {status}", votes.join(" → ")),
                    12.0,
                ));
            }
        }
        out.push(Line::text(
            format!("{}: {}", l.t("gov.election.elected"), r.elected),
            12.0,
        ));
    }
    out.push(Line::text(
        format!("{}: {}", l.t("gov.election.elected"), e.elected),
        0.0,
    ));
}

async fn minutes_pdf(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<u64>,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let l = c.locale;
    let (_, _, min) = minutes_of(&s, id, l).await?;
    let v = minutes_view(l, &min);
    let lines = pdf_lines(l, &v);
    let title = format!("{} — {}", v.title, l.t("gov.min.title"));
    let pdf =
        tokio::task::spawn_blocking(move || super::minutes_pdf::render(&title, l.code(), &lines))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"minutes-{id}.pdf\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

async fn results_csv(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<u64>,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let (_, _, min) = minutes_of(&s, id, c.locale).await?;
    // With a byte order mark, so that spreadsheet programs read the Chinese names as UTF-8.
    let out = table_csv(
        &minutes::ResultRow::HEADER,
        minutes::result_rows(&min).iter().map(|r| r.cells()),
    )
    .map_err(AppError::internal)?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("results-{id}.csv"),
        out,
    ))
}

async fn meeting_ics(
    State(s): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let (org, m) = load_meeting(&s, id).await?;
    let bodies = s.store.bodies(org).await.map_err(store_err)?.bodies;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    let ev = minutes::calendar_event(
        &m,
        &bodies,
        host.split(':').next().unwrap_or("localhost"),
        time::Duration::hours(3),
        OffsetDateTime::now_utc(),
    );
    let url = format!("http://{host}/governance/meetings/{id}");
    Ok(download(
        "text/calendar; charset=utf-8",
        &format!("meeting-{id}.ics"),
        super::ical::calendar(&ev, &url),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_with_their_numbers_in_both_languages() {
        let e = GovError::NoQuorum {
            present: 61,
            required: 62,
        };
        for l in [Locale::En, Locale::ZhCn] {
            let m = gov_message(l, &e, &Names::new(), &Bodies::default());
            assert!(m.contains("61") && m.contains("62"), "{m}");
        }
        let mut names = Names::new();
        names.insert(Holder::Unit(5), "重庆网".into());
        let e = GovError::AlreadyVoted {
            poll: PollId(3),
            voter: Holder::Unit(5),
        };
        assert!(gov_message(Locale::ZhCn, &e, &names, &Bodies::default()).contains("重庆网"));
    }

    #[test]
    fn every_refusal_code_has_a_translation() {
        let keys = crate::i18n::keys(Locale::En);
        let codes = [
            "meeting_state",
            "notice_too_short",
            "not_on_roll",
            "proxies_not_allowed",
            "too_many_proxies",
            "carrier_not_present",
            "proxy_to_self",
            "no_quorum",
            "no_such_agenda_item",
            "no_such_motion",
            "no_such_election",
            "no_such_poll",
            "no_such_term",
            "no_such_body",
            "duplicate_id",
            "motion_state",
            "motion_in_poll",
            "no_such_paragraph",
            "no_such_amendment",
            "poll_closed",
            "poll_still_open",
            "not_entitled",
            "already_voted",
            "not_proxy",
            "bad_ballot",
            "ineligible",
            "not_a_candidate",
            "duplicate_candidate",
            "election_state",
            "no_candidates",
            "seats_full",
            "count_failed",
            "decision_failed",
            "no_such_version",
            "not_adopted",
        ];
        for code in codes {
            let key = format!("error.{code}");
            assert!(keys.contains(&key.as_str()), "{key} is missing");
        }
    }

    #[test]
    fn majorities_read_in_both_languages() {
        assert_eq!(
            majority_text(Locale::En, &Majority::TWO_THIRDS_OF_PRESENT),
            "at least two thirds of the members present"
        );
        assert_eq!(
            majority_text(Locale::ZhCn, &Majority::TWO_THIRDS_OF_PRESENT),
            "到会成员的三分之二以上（含本数）"
        );
    }

    #[test]
    fn ballots_are_read_from_the_form() {
        let f = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let p = PollId(1);
        assert_eq!(
            ballot_of(&f(&[("choice", "no")]), BallotForm::Motion, p).unwrap(),
            BallotContent::Motion { choice: Choice::No }
        );
        assert_eq!(
            ballot_of(&f(&[]), BallotForm::Motion, p)
                .unwrap_err()
                .code(),
            "bad_ballot"
        );
        assert_eq!(
            ballot_of(
                &f(&[
                    ("rank_2", "1"),
                    ("rank_0", "2"),
                    ("rank_1", ""),
                    ("rank_3", "2")
                ]),
                BallotForm::Ranking { candidates: 4 },
                p
            )
            .unwrap(),
            BallotContent::Ranking {
                ranks: vec![vec![2], vec![0, 3]]
            }
        );
        assert_eq!(
            ballot_of(
                &f(&[("rank_0", "x")]),
                BallotForm::Ranking { candidates: 4 },
                p
            )
            .unwrap_err()
            .code(),
            "bad_ballot"
        );
    }
}
