//! Server-rendered pages: sign-in, the organisation list and detail, and the forms to create
//! and edit organisations and to add and end member units. Every string comes from the
//! catalogues through [`Ctx::t`].

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use federa_core::org::{
    EndMembershipInput, Membership, MembershipInput, OrgInput, OrgKind, Organisation,
};
use federa_store::{FieldError, MembershipFilter, OrgFilter, Page};

use crate::AppState;
use crate::api::{MemberQuery, OrgQuery};
use crate::auth::{self, Action, Auth};
use crate::error::{AppError, ErrorMark};
use crate::i18n::{LOCALE_COOKIE, Locale};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/organisations") }))
        .route("/static/style.css", get(style))
        .route("/static/back.js", get(back_js))
        .route("/lang/{code}", get(switch_lang))
        .route("/signin", get(signin_page).post(signin))
        .route("/signout", post(signout))
        .route("/tokens", get(tokens_page).post(tokens_create))
        .route("/organisations", get(org_list).post(org_create))
        .route("/organisations/new", get(org_new))
        .route("/organisations/{id}", get(org_show))
        .route("/organisations/{id}/edit", get(org_edit).post(org_update))
        .route(
            "/organisations/{id}/members/new",
            get(member_new).post(member_add),
        )
        .route(
            "/organisations/{id}/members/{mid}/end",
            get(member_end_form).post(member_end),
        )
}

async fn style() -> Response {
    static_file(
        "text/css; charset=utf-8",
        include_str!("../static/style.css"),
    )
}

/// Takes a refusal page's "back to the form" link back in the history, so the browser restores
/// what was typed.
async fn back_js() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../static/back.js"),
    )
}

/// A file built into the binary, cached for an hour.
pub(crate) fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// A file to save under `name` (plain ASCII).
pub(crate) fn download(content_type: &str, name: &str, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// What every page needs: the language, the caller, the CSRF token, the current path.
pub struct Ctx {
    pub locale: Locale,
    pub user: Option<String>,
    pub csrf: String,
    pub path: String,
    pub can_create: bool,
}

impl Ctx {
    pub fn t(&self, key: &str) -> &'static str {
        self.locale.t(key)
    }

    pub fn lang(&self) -> &'static str {
        self.locale.code()
    }

    /// The other language, for the switch.
    pub fn other_lang(&self) -> (&'static str, &'static str) {
        match self.locale {
            Locale::ZhCn => ("en", "English"),
            Locale::En => ("zh-CN", "中文"),
        }
    }

    pub fn kind(&self, k: &OrgKind) -> &'static str {
        self.t(&format!("kind.{}", k.as_str()))
    }

    pub fn member_status(&self, m: &Membership) -> &'static str {
        self.t(&format!("member_status.{}", m.status.as_str()))
    }

    pub fn org_status(&self, o: &Organisation) -> &'static str {
        self.t(&format!("org_status.{}", o.status.as_str()))
    }
}

/// Builds the page context from the request's headers and caller.
pub struct PageCtx(pub Ctx);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PageCtx {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        s: &S,
    ) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_request_parts(parts, s).await?;
        Ok(PageCtx(ctx_of(&parts.headers, parts.uri.path(), &auth)))
    }
}

fn ctx_of(headers: &axum::http::HeaderMap, path: &str, auth: &Auth) -> Ctx {
    Ctx {
        locale: Locale::from_request(headers),
        user: auth
            .user
            .as_ref()
            .map(|u| u.display_name.clone().unwrap_or_else(|| u.username.clone())),
        csrf: auth.csrf.clone(),
        path: path.to_string(),
        can_create: auth.may(Action::CreateOrganisation),
    }
}

pub(crate) fn render(t: &impl Template, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => AppError::internal(e).into_response(),
    }
}

/// A form's typed values and its errors, translated, by field.
#[derive(Default)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub errors: HashMap<String, String>,
}

impl FormState {
    /// A form showing `values` (as typed, or as stored), without errors.
    pub fn with_values(values: HashMap<String, String>) -> FormState {
        FormState {
            values,
            errors: HashMap::new(),
        }
    }

    pub fn v(&self, k: &str) -> &str {
        self.values.get(k).map(String::as_str).unwrap_or("")
    }

    pub fn e(&self, k: &str) -> Option<&str> {
        self.errors.get(k).map(String::as_str)
    }

    pub fn selected(&self, k: &str, v: &str) -> bool {
        self.v(k) == v
    }

    /// Puts an error from the store or the rules next to its field; other errors propagate.
    fn absorb(&mut self, err: AppError, l: Locale, prefix: &str) -> Result<(), AppError> {
        self.absorb_as(err, l, None, |f| {
            f.strip_prefix(prefix).unwrap_or(f).to_string()
        })
    }

    /// Puts a refusal next to its field, named in the form by `name`, in words from the
    /// area's own `{area}CODE` texts where there are any (see [`field_message`]); other
    /// errors propagate.
    pub(crate) fn absorb_as(
        &mut self,
        err: AppError,
        l: Locale,
        area: Option<&str>,
        name: impl Fn(&str) -> String,
    ) -> Result<(), AppError> {
        match err {
            AppError::Invalid(es) => {
                for e in es {
                    self.errors
                        .insert(name(&e.field), field_message(l, &e, area));
                }
                Ok(())
            }
            AppError::Conflict { field, .. } => {
                self.errors
                    .insert(name(&field), l.t("field.taken").to_string());
                Ok(())
            }
            other => Err(other),
        }
    }
}

/// A refusal in words: the area's own `{area}CODE` text, else the shared `field.CODE`, else
/// the code itself in `field.invalid`.
pub(crate) fn field_message(l: Locale, e: &FieldError, area: Option<&str>) -> String {
    let limit = e.limit.map(|n| n.to_string()).unwrap_or_default();
    let own = area.map(|a| format!("{a}{}", e.code));
    for key in own.into_iter().chain([format!("field.{}", e.code)]) {
        if l.has(&key) {
            return l.fill(&key, &[("limit", &limit)]);
        }
    }
    l.fill("field.invalid", &[("code", &e.code)])
}

/// Turns error responses of page routes into translated pages (and `unauthenticated` into the
/// sign-in page).
pub async fn render_errors(req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let locale = Locale::from_request(req.headers());
    let path = req.uri().path().to_string();
    // A refused form offers a way back to it; a page that could not be shown does not.
    let back_to_form = (!req.method().is_safe())
        .then(|| form_page(req.headers(), req.uri()).unwrap_or_else(|| "/organisations".into()));
    let res = next.run(req).await;
    let Some(mark) = res.extensions().get::<ErrorMark>().cloned() else {
        return res;
    };
    if mark.code == "unauthenticated" {
        let to = format!("/signin?next={}", urlencode(&path));
        return Redirect::to(&to).into_response();
    }
    let caller = res.extensions().get::<auth::Caller>().cloned();
    let page = ErrorPage {
        c: Ctx {
            locale,
            user: caller.as_ref().and_then(|c| c.name.clone()),
            csrf: caller.map(|c| c.csrf).unwrap_or_default(),
            path,
            can_create: false,
        },
        status: mark.status.as_u16(),
        message: locale.error(mark.code),
        back_to_form,
    };
    render(&page, mark.status)
}

/// The path (and query) of the page a form was sent from, when the `Referer` names a page of
/// this site; `None` for another site's page or no `Referer`. Only a path that stays on this
/// site is returned, so the link built from it cannot lead elsewhere.
pub(crate) fn form_page(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    let referer: Uri = headers.get(header::REFERER)?.to_str().ok()?.parse().ok()?;
    let host = match headers.get(header::HOST) {
        Some(h) => h.to_str().ok()?,
        None => uri.authority()?.as_str(),
    };
    let same_site = matches!(referer.scheme_str(), Some("http" | "https"))
        && referer
            .authority()
            .is_some_and(|a| a.as_str().eq_ignore_ascii_case(host));
    let page = referer.path_and_query()?.as_str();
    // `//host` and `/\host` would be read by a browser as another site.
    let local = page.starts_with('/') && !page.starts_with("//") && !page.starts_with("/\\");
    (same_site && local).then(|| page.to_string())
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Ctx,
    status: u16,
    message: String,
    /// For a refused form: where its "back to the form" link leads when script does not run.
    back_to_form: Option<String>,
}

#[derive(serde::Deserialize)]
struct Back {
    back: Option<String>,
}

/// The visible language switch: sets the cookie and goes back where the user was.
async fn switch_lang(
    Path(code): Path<String>,
    Query(b): Query<Back>,
    jar: CookieJar,
) -> Result<(CookieJar, Redirect), AppError> {
    let l = Locale::parse(&code).ok_or_else(|| AppError::NotFound(format!("language {code}")))?;
    let back = b
        .back
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    let c = Cookie::build((LOCALE_COOKIE, l.code()))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(365))
        .build();
    Ok((jar.add(c), Redirect::to(&back)))
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage {
    c: Ctx,
    f: FormState,
    next: String,
}

#[derive(serde::Deserialize)]
struct Next_ {
    next: Option<String>,
}

fn safe_next(n: Option<&str>) -> String {
    n.filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or("/organisations")
        .to_string()
}

async fn signin_page(PageCtx(c): PageCtx, Query(n): Query<Next_>) -> Response {
    let next = safe_next(n.next.as_deref());
    render(
        &SigninPage {
            c,
            f: FormState::default(),
            next,
        },
        StatusCode::OK,
    )
}

async fn signin(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    jar: CookieJar,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let username = form.get("username").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let next = safe_next(form.get("next").map(String::as_str));
    match auth::check_credentials(&s, &username, &password).await {
        Ok(user) => {
            let cookie = auth::start_session(&s, &user).await?;
            Ok((jar.add(cookie), Redirect::to(&next)).into_response())
        }
        Err(AppError::BadCredentials) => {
            let mut f = FormState::default();
            f.values.insert("username".into(), username);
            f.errors
                .insert("password".into(), c.locale.error("bad_credentials"));
            Ok(render(&SigninPage { c, f, next }, StatusCode::UNAUTHORIZED))
        }
        Err(e) => Err(e),
    }
}

async fn signout(
    State(s): State<AppState>,
    auth: Auth,
    jar: CookieJar,
) -> Result<Response, AppError> {
    if let Some(c) = jar.get(auth::SESSION_COOKIE) {
        s.store
            .delete_session(auth.actor(), &auth::token_hash(c.value()))
            .await?;
    }
    let jar = jar.remove(Cookie::build(auth::SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/organisations")).into_response())
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    c: Ctx,
    tokens: Vec<federa_store::ApiToken>,
    created: Option<String>,
    f: FormState,
}

async fn tokens_page(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
) -> Result<Response, AppError> {
    auth.require(Action::ManageOwnTokens)?;
    let user = auth.user()?;
    let tokens = s.store.list_api_tokens(user.id).await?;
    Ok(render(
        &TokensPage {
            c,
            tokens,
            created: None,
            f: FormState::default(),
        },
        StatusCode::OK,
    ))
}

async fn tokens_create(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require(Action::ManageOwnTokens)?;
    let name = form.get("name").cloned().unwrap_or_default();
    let mut f = FormState::default();
    let created = match crate::api::new_token(&s, &auth, &name).await {
        Ok((_, token)) => Some(token),
        Err(e) => {
            f.values.insert("name".into(), name);
            f.absorb(e, c.locale, "")?;
            None
        }
    };
    let tokens = s.store.list_api_tokens(auth.user()?.id).await?;
    Ok(render(
        &TokensPage {
            c,
            tokens,
            created,
            f,
        },
        StatusCode::OK,
    ))
}

#[derive(Template)]
#[template(path = "org_list.html")]
struct OrgList {
    c: Ctx,
    q: FormState,
    orgs: Vec<Organisation>,
    total: u64,
    from: u64,
    to: u64,
    prev: Option<String>,
    next: Option<String>,
    kinds: Vec<(String, &'static str)>,
}

fn kinds(c: &Ctx) -> Vec<(String, &'static str)> {
    OrgKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), c.kind(k)))
        .collect()
}

/// Links to the previous and next pages, keeping the filters.
fn pager(
    base: &str,
    q: &HashMap<String, String>,
    offset: u64,
    limit: u64,
    total: u64,
) -> (Option<String>, Option<String>) {
    let link = |off: u64| page_link(base, q, "offset", off);
    let prev = (offset > 0).then(|| link(offset.saturating_sub(limit)));
    let next = (offset + limit < total).then(|| link(offset + limit));
    (prev, next)
}

/// A link to `base` keeping the query's filters, with the position `key` set to `at`.
pub(crate) fn page_link(base: &str, q: &HashMap<String, String>, key: &str, at: u64) -> String {
    let mut pairs: Vec<(&str, String)> = q
        .iter()
        .filter(|(k, v)| k.as_str() != key && !v.is_empty())
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    pairs.sort();
    pairs.push((key, at.to_string()));
    format!(
        "{base}?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

const PAGE_SIZE: u64 = 20;

async fn org_list(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let get = |k: &str| raw.get(k).cloned().filter(|v| !v.trim().is_empty());
    let offset = get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
    let q = OrgQuery {
        q: get("q"),
        kind: get("kind"),
        district: get("district"),
        sector: get("sector"),
        status: get("status"),
        sort: None,
        offset: Some(offset),
        limit: Some(PAGE_SIZE),
    };
    let (filter, page) = q.filter()?;
    let p = s.store.list_organisations(&filter, page).await?;
    let (prev, next) = pager("/organisations", &raw, offset, PAGE_SIZE, p.total);
    let from = if p.total == 0 { 0 } else { offset + 1 };
    let to = offset + p.items.len() as u64;
    let kinds = kinds(&c);
    Ok(render(
        &OrgList {
            c,
            q: FormState::with_values(raw),
            orgs: p.items,
            total: p.total,
            from,
            to,
            prev,
            next,
            kinds,
        },
        StatusCode::OK,
    ))
}

#[derive(Template)]
#[template(path = "org_form.html")]
struct OrgForm {
    c: Ctx,
    f: FormState,
    /// The organisation being edited, or none for a new one.
    id: Option<i64>,
    kinds: Vec<(String, &'static str)>,
}

const ORG_FIELDS: [&str; 6] = [
    "name",
    "short_name",
    "kind",
    "district",
    "sector",
    "founded",
];

fn org_input(form: &HashMap<String, String>, prefix: &str) -> OrgInput {
    let opt = |k: &str| {
        form.get(&format!("{prefix}{k}"))
            .cloned()
            .filter(|v| !v.trim().is_empty())
    };
    OrgInput {
        name: opt("name").unwrap_or_default(),
        short_name: opt("short_name"),
        kind: opt("kind").unwrap_or_default(),
        district: opt("district"),
        sector: opt("sector"),
        founded: opt("founded"),
        predecessor_id: None,
    }
}

fn org_values(o: &Organisation) -> HashMap<String, String> {
    let mut v = HashMap::new();
    v.insert("name".into(), o.name.clone());
    v.insert(
        "short_name".into(),
        o.short_name.clone().unwrap_or_default(),
    );
    v.insert("kind".into(), o.kind.as_str().into());
    v.insert("district".into(), o.district.clone().unwrap_or_default());
    v.insert("sector".into(), o.sector.clone().unwrap_or_default());
    v.insert("founded".into(), o.founded.clone().unwrap_or_default());
    v
}

/// The values of `fields` as the form sent them, to show the form again.
pub(crate) fn keep(form: &HashMap<String, String>, fields: &[&str]) -> HashMap<String, String> {
    fields
        .iter()
        .map(|k| (k.to_string(), form.get(*k).cloned().unwrap_or_default()))
        .collect()
}

async fn org_new(PageCtx(c): PageCtx, auth: Auth) -> Result<Response, AppError> {
    auth.require(Action::CreateOrganisation)?;
    let kinds = kinds(&c);
    let mut f = FormState::default();
    f.values.insert("kind".into(), "association".into());
    Ok(render(
        &OrgForm {
            c,
            f,
            id: None,
            kinds,
        },
        StatusCode::OK,
    ))
}

async fn org_create(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require(Action::CreateOrganisation)?;
    match s
        .store
        .create_organisation(auth.actor(), &org_input(&form, ""))
        .await
    {
        Ok(o) => Ok(Redirect::to(&format!("/organisations/{}", o.id)).into_response()),
        Err(e) => {
            let mut f = FormState::with_values(keep(&form, &ORG_FIELDS));
            f.absorb(e.into(), c.locale, "")?;
            let kinds = kinds(&c);
            Ok(render(
                &OrgForm {
                    c,
                    f,
                    id: None,
                    kinds,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

async fn org_edit(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    auth.require(Action::ManageOrganisation(id))?;
    let o = s.store.get_organisation(id).await?;
    let kinds = kinds(&c);
    let f = FormState::with_values(org_values(&o));
    Ok(render(
        &OrgForm {
            c,
            f,
            id: Some(id),
            kinds,
        },
        StatusCode::OK,
    ))
}

async fn org_update(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require(Action::ManageOrganisation(id))?;
    match s
        .store
        .update_organisation(auth.actor(), id, &org_input(&form, ""))
        .await
    {
        Ok(o) => Ok(Redirect::to(&format!("/organisations/{}", o.id)).into_response()),
        Err(e) => {
            let mut f = FormState::with_values(keep(&form, &ORG_FIELDS));
            f.absorb(e.into(), c.locale, "")?;
            let kinds = kinds(&c);
            Ok(render(
                &OrgForm {
                    c,
                    f,
                    id: Some(id),
                    kinds,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "org_show.html")]
struct OrgShow {
    c: Ctx,
    org: Organisation,
    q: FormState,
    members: Vec<Membership>,
    total: u64,
    prev: Option<String>,
    next: Option<String>,
    can_manage: bool,
}

async fn org_show(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require(Action::ReadRegistry)?;
    let org = s.store.get_organisation(id).await?;
    let get = |k: &str| raw.get(k).cloned().filter(|v| !v.trim().is_empty());
    let offset = get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
    let q = MemberQuery {
        q: get("q"),
        status: get("status"),
        offset: Some(offset),
        limit: Some(PAGE_SIZE),
        ..MemberQuery::default()
    };
    let (filter, page) = q.filter()?;
    let p = s.store.list_memberships(id, &filter, page).await?;
    let (prev, next) = pager(
        &format!("/organisations/{id}"),
        &raw,
        offset,
        PAGE_SIZE,
        p.total,
    );
    Ok(render(
        &OrgShow {
            c,
            org,
            q: FormState::with_values(raw),
            members: p.items,
            total: p.total,
            prev,
            next,
            can_manage: auth.may(Action::ManageOrganisation(id)),
        },
        StatusCode::OK,
    ))
}

#[derive(Template)]
#[template(path = "member_form.html")]
struct MemberForm {
    c: Ctx,
    org: Organisation,
    f: FormState,
    kinds: Vec<(String, &'static str)>,
}

const MEMBER_FIELDS: [&str; 9] = [
    "name",
    "short_name",
    "kind",
    "district",
    "sector",
    "founded",
    "category",
    "joined",
    "status",
];

async fn member_new(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    auth.require(Action::ManageOrganisation(id))?;
    let org = s.store.get_organisation(id).await?;
    let kinds = kinds(&c);
    let mut f = FormState::default();
    f.values.insert("kind".into(), "company".into());
    f.values.insert("status".into(), "admitted".into());
    f.values.insert(
        "joined".into(),
        federa_core::org::format_date(crate::today()),
    );
    Ok(render(&MemberForm { c, org, f, kinds }, StatusCode::OK))
}

async fn member_add(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require(Action::ManageOrganisation(id))?;
    let org = s.store.get_organisation(id).await?;
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let input = MembershipInput {
        member_id: None,
        new_member: Some(org_input(&form, "")),
        category: field("category"),
        joined: field("joined"),
        status: Some(field("status")).filter(|v| !v.is_empty()),
    };
    match s.store.add_membership(auth.actor(), id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/organisations/{id}")).into_response()),
        Err(e) => {
            let mut f = FormState::with_values(keep(&form, &MEMBER_FIELDS));
            f.absorb(e.into(), c.locale, "new_member.")?;
            let kinds = kinds(&c);
            Ok(render(
                &MemberForm { c, org, f, kinds },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "member_end.html")]
struct MemberEnd {
    c: Ctx,
    org: Organisation,
    m: Membership,
    f: FormState,
}

async fn member_end_form(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path((id, mid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    auth.require(Action::ManageOrganisation(id))?;
    let org = s.store.get_organisation(id).await?;
    let m = member_of(&s, id, mid).await?;
    let mut f = FormState::default();
    f.values.insert("status".into(), "withdrawn".into());
    f.values.insert(
        "left_on".into(),
        federa_core::org::format_date(crate::today()),
    );
    Ok(render(&MemberEnd { c, org, m, f }, StatusCode::OK))
}

/// Every organisation that `filter` lets through, page by page.
pub(crate) async fn all_organisations(
    s: &AppState,
    filter: &OrgFilter,
) -> Result<Vec<Organisation>, AppError> {
    let mut out = Vec::new();
    loop {
        let offset = out.len() as u64;
        let p = s
            .store
            .list_organisations(filter, Page::new(offset, Page::MAX_LIMIT))
            .await?;
        let done = p.items.is_empty() || offset + p.items.len() as u64 >= p.total;
        out.extend(p.items);
        if done {
            return Ok(out);
        }
    }
}

/// Every membership of `org` that `filter` lets through, page by page.
pub(crate) async fn all_memberships(
    s: &AppState,
    org: i64,
    filter: &MembershipFilter,
) -> Result<Vec<Membership>, AppError> {
    let mut out = Vec::new();
    loop {
        let offset = out.len() as u64;
        let p = s
            .store
            .list_memberships(org, filter, Page::new(offset, Page::MAX_LIMIT))
            .await?;
        let done = p.items.is_empty() || offset + p.items.len() as u64 >= p.total;
        out.extend(p.items);
        if done {
            return Ok(out);
        }
    }
}

async fn member_of(s: &AppState, id: i64, mid: i64) -> Result<Membership, AppError> {
    let m = s.store.get_membership(mid).await?;
    if m.organisation_id != id {
        return Err(AppError::NotFound(format!("membership {mid}")));
    }
    Ok(m)
}

async fn member_end(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path((id, mid)): Path<(i64, i64)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require(Action::ManageOrganisation(id))?;
    let org = s.store.get_organisation(id).await?;
    let m = member_of(&s, id, mid).await?;
    let field = |k: &str| form.get(k).cloned().filter(|v| !v.trim().is_empty());
    let input = EndMembershipInput {
        left_on: field("left_on").unwrap_or_default(),
        status: field("status"),
        reason: field("reason"),
    };
    match s.store.end_membership(auth.actor(), mid, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/organisations/{id}")).into_response()),
        Err(e) => {
            let mut f = FormState::with_values(keep(&form, &["left_on", "status", "reason"]));
            f.absorb(e.into(), c.locale, "")?;
            Ok(render(
                &MemberEnd { c, org, m, f },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}
