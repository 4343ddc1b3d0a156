//! The registry's pages, in zh-CN and en (every string in `i18n/*/registry.txt`): member search
//! with export, a member (representative, contacts, status history with decisions, dues),
//! people, categories, dues per year with a CSV download, the import page, and the public
//! member directory. Forms keep what the user typed and show each error next to its field.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use federa_core::error::FieldError;
use federa_core::org::{OrgKind, format_date, parse_date};
use federa_core::registry::search::MemberQueryInput;
use federa_core::registry::{
    Category, DirectoryEntry, DuesYear, ImportMode, Member, Organisation, Payment, Person,
    PersonInput, Preview, Succession,
};
use federa_store::{
    DuesReport, HistoryEntry, ImportReport, MemberHit, OrgFilter, Page, SearchPage,
};

use super::api::{DecisionJson, ImportQuery, date_field, export_response};
use super::{
    collected_csv, member_of, query_input, read_members, write_member, write_members, yuan,
};
use crate::auth::{Action, Auth};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::pages::{
    Ctx, FormState, PageCtx, all_organisations, download, field_message, keep, page_link, render,
    static_file,
};
use crate::upload::{self, Upload};
use crate::{AppState, today};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/registry.js", get(script))
        .route("/registry", get(index))
        .route("/directory/{id}", get(directory))
        .route("/organisations/{id}/registry", get(search))
        .route("/organisations/{id}/registry/export.csv", get(export_csv))
        .route("/organisations/{id}/registry/export.xlsx", get(export_xlsx))
        .route("/registry/members/{mid}", get(member))
        .route("/registry/members/{mid}/status", post(member_status))
        .route("/registry/members/{mid}/representative", post(member_rep))
        .route("/registry/members/{mid}/contacts", post(member_contact))
        .route("/registry/members/{mid}/payments", post(member_pay))
        .route(
            "/organisations/{id}/people",
            get(people).post(people_create),
        )
        .route(
            "/organisations/{id}/categories",
            get(categories).post(categories_define),
        )
        .route("/organisations/{id}/dues", get(dues))
        .route("/organisations/{id}/dues/bill", post(dues_bill))
        .route("/organisations/{id}/dues/collected.csv", get(dues_csv))
        .route(
            "/organisations/{id}/succession",
            get(succession).post(succession_run),
        )
        .route(
            "/organisations/{id}/import",
            get(import_page).post(import_run).layer(upload::layer()),
        )
}

async fn script() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../../static/registry.js"),
    )
}

/// Puts a refusal next to its field (the form's own names via `rename`), in this area's words
/// (`reg.error.CODE`) where it has some; other errors pass.
fn absorb(
    f: &mut FormState,
    err: AppError,
    l: Locale,
    rename: &[(&str, &str)],
) -> Result<(), AppError> {
    f.absorb_as(err, l, Some(REG_ERROR), |field| {
        rename
            .iter()
            .find(|(from, _)| *from == field)
            .map_or(field.to_string(), |(_, to)| (*to).to_string())
    })
}

/// The prefix of this area's own texts for refusals.
const REG_ERROR: &str = "reg.error.";

fn opt(form: &HashMap<String, String>, k: &str) -> Option<String> {
    form.get(k)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A number typed in `key`, if any; refused as `field` when it is not one.
fn number<T: std::str::FromStr>(
    form: &HashMap<String, String>,
    key: &str,
    field: &str,
) -> Result<Option<T>, AppError> {
    opt(form, key)
        .map(|v| {
            v.parse::<T>()
                .map_err(|_| AppError::invalid(field, "not_a_number"))
        })
        .transpose()
}

/// A number that must be typed in `key`; refused as `field`.
fn required_number<T: std::str::FromStr>(
    form: &HashMap<String, String>,
    key: &str,
    field: &str,
) -> Result<T, AppError> {
    number(form, key, field)?.ok_or_else(|| AppError::invalid(field, "required"))
}

/// What the registry pages show of a member status.
pub struct Labels {
    pub locale: Locale,
}

impl Labels {
    pub fn status(&self, s: &federa_core::org::MemberStatus) -> &'static str {
        self.locale.t(&format!("member_status.{}", s.as_str()))
    }

    pub fn decision(&self, d: &federa_core::registry::Decision) -> String {
        use federa_core::registry::Decision::*;
        let l = self.locale;
        match d {
            Motion { motion_id } => {
                l.fill("reg.decision.motion", &[("id", &motion_id.to_string())])
            }
            Secretariat { reference } => l.fill("reg.decision.secretariat", &[("ref", reference)]),
            Succession { predecessor_id } => l.fill(
                "reg.decision.succession",
                &[("id", &predecessor_id.to_string())],
            ),
            Import { batch } => l.fill("reg.decision.import", &[("batch", batch)]),
            Recorded => l.t("reg.decision.recorded").to_string(),
        }
    }

    pub fn yuan(&self, fen: &i64) -> String {
        yuan(*fen)
    }

    pub fn yuan_v(&self, fen: i64) -> String {
        yuan(fen)
    }

    pub fn date(&self, d: &time::Date) -> String {
        format_date(*d)
    }
}

/// Links to the previous and next pages of a search, keeping its filters.
fn pager(
    base: &str,
    raw: &HashMap<String, String>,
    page: u32,
    size: u32,
    total: u64,
) -> (Option<String>, Option<String>) {
    let link = |p: u32| page_link(base, raw, "page", p.into());
    let prev = (page > 1).then(|| link(page - 1));
    let next = (u64::from(page) * u64::from(size) < total).then(|| link(page + 1));
    (prev, next)
}

fn search_input(raw: &HashMap<String, String>) -> MemberQueryInput {
    let get = |k: &str| raw.get(k).cloned().filter(|v| !v.trim().is_empty());
    MemberQueryInput {
        q: get("q"),
        district: get("district"),
        sector: get("sector"),
        category: get("category"),
        status: get("status"),
        sort: get("sort"),
        order: get("order"),
        page: get("page").and_then(|p| p.parse().ok()),
        page_size: None,
    }
}

// ----- index and public directory -----

#[derive(Template)]
#[template(path = "registry/index.html")]
struct IndexPage {
    c: Ctx,
    /// The registries the caller may read, and whether they may manage each.
    orgs: Vec<(federa_core::org::Organisation, bool)>,
    public: Vec<Organisation>,
}

async fn index(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
) -> Result<Response, AppError> {
    let public = s.store.organisations_with_public_members().await?;
    let mut orgs = Vec::new();
    if auth.user.is_some() {
        let all = s
            .store
            .list_organisations(&Default::default(), Page::new(0, Page::MAX_LIMIT))
            .await?;
        for o in all.items {
            if auth.may(Action::ReadMembers(o.id)) {
                let manage = auth.may(Action::ManageOrganisation(o.id));
                orgs.push((o, manage));
            }
        }
    }
    Ok(render(&IndexPage { c, orgs, public }, StatusCode::OK))
}

#[derive(Template)]
#[template(path = "registry/directory.html")]
struct DirectoryPage {
    c: Ctx,
    org: Organisation,
    q: FormState,
    items: Vec<DirectoryEntry>,
    total: u64,
    prev: Option<String>,
    next: Option<String>,
    categories: Vec<Category>,
}

async fn directory(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    Path(id): Path<i64>,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let org = s.store.registry_organisation(id).await?;
    let mut input = search_input(&raw);
    input.status = None;
    let q = query_input(input)?;
    let page: SearchPage<DirectoryEntry> = s.store.public_directory(id, &q, today()).await?;
    let (prev, next) = pager(
        &format!("/directory/{id}"),
        &raw,
        q.page,
        q.page_size,
        page.total,
    );
    let categories = s.store.list_categories(id).await?;
    Ok(render(
        &DirectoryPage {
            c,
            org,
            q: FormState::with_values(raw),
            items: page.items,
            total: page.total,
            prev,
            next,
            categories,
        },
        StatusCode::OK,
    ))
}

// ----- member search and export -----

#[derive(Template)]
#[template(path = "registry/search.html")]
struct SearchPageT {
    c: Ctx,
    l: Labels,
    org: Organisation,
    q: FormState,
    hits: Vec<MemberHit>,
    total: u64,
    total_exact: bool,
    prev: Option<String>,
    next: Option<String>,
    categories: Vec<Category>,
    can_manage: bool,
}

async fn search(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    read_members(&auth, id)?;
    let org = s.store.registry_organisation(id).await?;
    let categories = s.store.list_categories(id).await?;
    let l = Labels { locale: c.locale };
    let mut q = FormState::with_values(raw.clone());
    let (hits, total, total_exact, prev, next) = match query_input(search_input(&raw)) {
        Ok(query) => {
            let p = s.store.search_members(id, &query).await?;
            let (prev, next) = pager(
                &format!("/organisations/{id}/registry"),
                &raw,
                query.page,
                query.page_size,
                p.total,
            );
            (p.items, p.total, p.total_exact, prev, next)
        }
        Err(e) => {
            absorb(&mut q, e, c.locale, &[])?;
            (Vec::new(), 0, true, None, None)
        }
    };
    let status = if q.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        &SearchPageT {
            c,
            l,
            org,
            q,
            hits,
            total,
            total_exact,
            prev,
            next,
            categories,
            can_manage: auth.may(Action::ManageOrganisation(id)),
        },
        status,
    ))
}

async fn export_csv(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    read_members(&auth, id)?;
    export_response(&s, id, Some("csv"), Some("zh")).await
}

async fn export_xlsx(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    read_members(&auth, id)?;
    export_response(&s, id, Some("xlsx"), Some("zh")).await
}

// ----- one member -----

#[derive(Template)]
#[template(path = "registry/member.html")]
struct MemberPage {
    c: Ctx,
    l: Labels,
    org: Organisation,
    mid: i64,
    name: String,
    is_unit: bool,
    unit_id: Option<i64>,
    category: String,
    joined: String,
    left: Option<String>,
    status: federa_core::org::MemberStatus,
    representative: Option<Person>,
    contacts: Vec<(Person, String)>,
    history: Vec<HistoryEntry>,
    dues: Vec<DuesYear>,
    people: Vec<Person>,
    can_manage: bool,
    /// The form that was sent, with its values and errors.
    f: FormState,
    form: String,
}

async fn member_page(
    s: &AppState,
    c: Ctx,
    auth: &Auth,
    mid: i64,
    f: FormState,
    form: &str,
    status: StatusCode,
) -> Result<Response, AppError> {
    let m = member_of(s, mid).await?;
    read_members(auth, m.organisation_id)?;
    let org = s.store.registry_organisation(m.organisation_id).await?;
    let categories = s.store.list_categories(m.organisation_id).await?;
    let (name, is_unit, unit_id) = match m.member {
        Member::Organisation(o) => (s.store.get_organisation(o).await?.name, true, Some(o)),
        Member::Person(p) => (s.store.get_person(p).await?.name, false, None),
    };
    let representative = match m.representative {
        Some(p) => Some(s.store.get_person(p).await?),
        None => None,
    };
    let mut contacts = Vec::new();
    for cp in &m.contacts {
        contacts.push((s.store.get_person(cp.person_id).await?, cp.role.clone()));
    }
    let can_manage = auth.may(Action::ManageOrganisation(m.organisation_id));
    let people = if can_manage {
        s.store
            .list_people(m.organisation_id, None, Page::new(0, Page::MAX_LIMIT))
            .await?
            .items
    } else {
        Vec::new()
    };
    let category = Category::find(&categories, &m.category)
        .map_or_else(|| m.category.clone(), |cat| cat.name.clone());
    let page = MemberPage {
        l: Labels { locale: c.locale },
        c,
        org,
        mid,
        name,
        is_unit,
        unit_id,
        category,
        joined: format_date(m.joined),
        left: m.left.map(format_date),
        status: m.status,
        representative,
        contacts,
        history: s.store.member_history(mid).await?,
        dues: s.store.member_dues(mid).await?,
        people,
        can_manage,
        f,
        form: form.to_string(),
    };
    Ok(render(&page, status))
}

async fn member(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(mid): Path<i64>,
) -> Result<Response, AppError> {
    let mut f = FormState::default();
    f.values.insert("on".into(), format_date(today()));
    f.values.insert("year".into(), today().year().to_string());
    member_page(&s, c, &auth, mid, f, "", StatusCode::OK).await
}

/// Runs a member form's change; on a refusal, shows the page again with the errors.
#[allow(clippy::too_many_arguments)]
async fn member_form<F, Fut>(
    s: &AppState,
    c: Ctx,
    auth: &Auth,
    mid: i64,
    form: &HashMap<String, String>,
    which: &str,
    fields: &[&str],
    rename: &[(&str, &str)],
    run: F,
) -> Result<Response, AppError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
{
    write_member(s, auth, mid).await?;
    match run().await {
        Ok(()) => Ok(Redirect::to(&format!("/registry/members/{mid}")).into_response()),
        Err(e) => {
            let mut f = FormState::with_values(keep(form, fields));
            absorb(&mut f, e, c.locale, rename)?;
            member_page(s, c, auth, mid, f, which, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

fn decision_of(
    form: &HashMap<String, String>,
) -> Result<federa_core::registry::Decision, AppError> {
    DecisionJson {
        motion_id: number(form, "motion_id", "motion_id")?,
        reference: opt(form, "reference"),
    }
    .decision()
}

async fn member_status(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(mid): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let actor = auth.actor();
    let st = s.clone();
    let form2 = form.clone();
    member_form(
        &s,
        c,
        &auth,
        mid,
        &form,
        "status",
        &["to", "on", "reference", "motion_id"],
        &[("decision", "reference")],
        || async move {
            let to =
                federa_core::org::MemberStatus::parse(opt(&form2, "to").as_deref().unwrap_or(""))
                    .ok_or_else(|| AppError::invalid("to", "unknown_status"))?;
            let on = date_field("on", form2.get("on").map_or("", String::as_str))?;
            let decision = decision_of(&form2)?;
            st.store
                .change_member_status(actor, mid, to, on, decision)
                .await?;
            Ok(())
        },
    )
    .await
}

async fn member_rep(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(mid): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let actor = auth.actor();
    let st = s.clone();
    let form2 = form.clone();
    member_form(
        &s,
        c,
        &auth,
        mid,
        &form,
        "rep",
        &["person_id"],
        &[("membership_id", "person_id")],
        || async move {
            let person = number(&form2, "person_id", "person_id")?;
            st.store.set_representative(actor, mid, person).await?;
            Ok(())
        },
    )
    .await
}

async fn member_contact(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(mid): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let actor = auth.actor();
    let st = s.clone();
    let form2 = form.clone();
    member_form(
        &s,
        c,
        &auth,
        mid,
        &form,
        "contact",
        &["contact_person_id", "role"],
        &[
            ("person_id", "contact_person_id"),
            ("membership_id", "contact_person_id"),
        ],
        || async move {
            let person = required_number(&form2, "contact_person_id", "person_id")?;
            st.store
                .add_contact(
                    actor,
                    mid,
                    person,
                    form2.get("role").map_or("", String::as_str),
                )
                .await?;
            Ok(())
        },
    )
    .await
}

async fn member_pay(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(mid): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let actor = auth.actor();
    let st = s.clone();
    let form2 = form.clone();
    member_form(
        &s,
        c,
        &auth,
        mid,
        &form,
        "pay",
        &["year", "pay_on", "amount", "pay_reference"],
        &[
            ("on", "pay_on"),
            ("amount_fen", "amount"),
            ("reference", "pay_reference"),
        ],
        || async move {
            let year = required_number(&form2, "year", "year")?;
            let on = date_field("on", form2.get("pay_on").map_or("", String::as_str))?;
            let amount_fen = parse_yuan(form2.get("amount").map_or("", String::as_str))
                .ok_or_else(|| AppError::invalid("amount_fen", "not_an_amount"))?;
            st.store
                .record_payment(
                    actor,
                    mid,
                    year,
                    &Payment {
                        on,
                        amount_fen,
                        reference: opt(&form2, "pay_reference"),
                    },
                    today(),
                )
                .await?;
            Ok(())
        },
    )
    .await
}

/// Parses yuan as typed (`1500`, `1,500.5`, `1500.50`) into fen.
pub fn parse_yuan(s: &str) -> Option<i64> {
    let t: String = s
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .collect();
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    w.checked_mul(100)?.checked_add(f)
}

// ----- people -----

#[derive(Template)]
#[template(path = "registry/people.html")]
struct PeoplePage {
    c: Ctx,
    org: Organisation,
    people: Vec<Person>,
    total: u64,
    q: String,
    f: FormState,
    can_manage: bool,
}

async fn people_page(
    s: &AppState,
    c: Ctx,
    auth: &Auth,
    id: i64,
    q: &str,
    f: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    read_members(auth, id)?;
    let org = s.store.registry_organisation(id).await?;
    let p = s
        .store
        .list_people(id, Some(q), Page::new(0, Page::MAX_LIMIT))
        .await?;
    Ok(render(
        &PeoplePage {
            c,
            org,
            people: p.items,
            total: p.total,
            q: q.to_string(),
            f,
            can_manage: auth.may(Action::ManageOrganisation(id)),
        },
        status,
    ))
}

async fn people(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let q = raw.get("q").cloned().unwrap_or_default();
    people_page(&s, c, &auth, id, &q, FormState::default(), StatusCode::OK).await
}

async fn people_create(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    write_members(&auth, id)?;
    let input = PersonInput {
        name: form.get("name").cloned().unwrap_or_default(),
        title: opt(&form, "title"),
        phone: opt(&form, "phone"),
        email: opt(&form, "email"),
        public: form.get("public").is_some_and(|v| v == "1"),
    };
    match s.store.create_person(auth.actor(), id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/organisations/{id}/people")).into_response()),
        Err(e) => {
            let mut f =
                FormState::with_values(keep(&form, &["name", "title", "phone", "email", "public"]));
            absorb(&mut f, e.into(), c.locale, &[])?;
            people_page(&s, c, &auth, id, "", f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

// ----- categories -----

#[derive(Template)]
#[template(path = "registry/categories.html")]
struct CategoriesPage {
    c: Ctx,
    l: Labels,
    org: Organisation,
    categories: Vec<Category>,
    f: FormState,
    can_manage: bool,
}

async fn categories_page(
    s: &AppState,
    c: Ctx,
    auth: &Auth,
    id: i64,
    f: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    read_members(auth, id)?;
    let org = s.store.registry_organisation(id).await?;
    let categories = s.store.list_categories(id).await?;
    Ok(render(
        &CategoriesPage {
            l: Labels { locale: c.locale },
            c,
            org,
            categories,
            f,
            can_manage: auth.may(Action::ManageOrganisation(id)),
        },
        status,
    ))
}

async fn categories(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    categories_page(&s, c, &auth, id, FormState::default(), StatusCode::OK).await
}

async fn categories_define(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    write_members(&auth, id)?;
    let result = async {
        let rank = number(&form, "rank", "rank")?.unwrap_or(0);
        let dues = match opt(&form, "annual_dues") {
            None => 0,
            Some(v) => parse_yuan(&v)
                .ok_or_else(|| AppError::invalid("annual_dues_fen", "not_an_amount"))?,
        };
        let cat = Category {
            key: form.get("key").cloned().unwrap_or_default(),
            name: form.get("name").cloned().unwrap_or_default(),
            name_en: opt(&form, "name_en"),
            rank,
            annual_dues_fen: dues,
        };
        s.store.define_category(auth.actor(), id, &cat).await?;
        Ok::<(), AppError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/organisations/{id}/categories")).into_response()),
        Err(e) => {
            let mut f = FormState::with_values(keep(
                &form,
                &["key", "name", "name_en", "rank", "annual_dues"],
            ));
            absorb(&mut f, e, c.locale, &[("annual_dues_fen", "annual_dues")])?;
            categories_page(&s, c, &auth, id, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

// ----- dues -----

#[derive(Template)]
#[template(path = "registry/dues.html")]
struct DuesPage {
    c: Ctx,
    l: Labels,
    org: Organisation,
    year: Option<i32>,
    report: DuesReport,
    f: FormState,
    can_manage: bool,
}

async fn dues_page(
    s: &AppState,
    c: Ctx,
    auth: &Auth,
    id: i64,
    year: Option<i32>,
    f: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    read_members(auth, id)?;
    let org = s.store.registry_organisation(id).await?;
    let report = s.store.dues_report(id, year).await?;
    Ok(render(
        &DuesPage {
            l: Labels { locale: c.locale },
            c,
            org,
            year,
            report,
            f,
            can_manage: auth.may(Action::ManageOrganisation(id)),
        },
        status,
    ))
}

async fn dues(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let year = raw.get("year").and_then(|y| y.trim().parse().ok());
    let mut f = FormState::default();
    f.values.insert("year".into(), today().year().to_string());
    dues_page(&s, c, &auth, id, year, f, StatusCode::OK).await
}

async fn dues_bill(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    write_members(&auth, id)?;
    let result = async {
        let year: i32 = required_number(&form, "year", "year")?;
        s.store.bill_dues_year(auth.actor(), id, year).await?;
        Ok::<i32, AppError>(year)
    }
    .await;
    match result {
        Ok(year) => {
            Ok(Redirect::to(&format!("/organisations/{id}/dues?year={year}")).into_response())
        }
        Err(e) => {
            let mut f = FormState::with_values(keep(&form, &["year"]));
            absorb(&mut f, e, c.locale, &[])?;
            dues_page(&s, c, &auth, id, None, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn dues_csv(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    read_members(&auth, id)?;
    let report = s.store.dues_report(id, None).await?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("dues-collected-{id}.csv"),
        collected_csv(&report).into_bytes(),
    ))
}

// ----- import -----

#[derive(Template)]
#[template(path = "registry/import.html")]
struct ImportPage {
    c: Ctx,
    org: Organisation,
    limit_text: String,
    /// The largest file the page sends, and what it says of a larger one without sending it.
    max_bytes: usize,
    too_large: String,
}

async fn import_page(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    write_members(&auth, id)?;
    let org = s.store.registry_organisation(id).await?;
    let limit_text = c.locale.fill(
        "reg.import.limit",
        &[("size", &upload::mib(import_limit()))],
    );
    let too_large = too_large_text(c.locale, import_limit());
    Ok(render(
        &ImportPage {
            c,
            org,
            limit_text,
            max_bytes: import_limit(),
            too_large,
        },
        StatusCode::OK,
    ))
}

/// The import page's result region: a preview with every problem, or what an import did, or
/// why the file was refused.
#[derive(Template)]
#[template(path = "registry/import_result.html")]
struct ImportResult {
    c: Ctx,
    org: Organisation,
    preview: Option<Preview>,
    report: Option<ImportReport>,
    error: Option<String>,
}

impl ImportResult {
    fn problem(&self, code: &federa_core::registry::ProblemCode) -> &'static str {
        self.c.t(&format!("reg.problem.{}", code.as_str()))
    }

    fn column(&self, col: &Option<String>) -> String {
        match col {
            None => String::new(),
            Some(c) => {
                let key = format!("reg.column.{c}");
                if self.c.locale.has(&key) {
                    self.c.t(&key).to_string()
                } else {
                    c.clone()
                }
            }
        }
    }
}

/// The largest file the import takes: the upload limit or the import's own, whichever is less.
fn import_limit() -> usize {
    upload::UPLOAD_LIMIT.min(federa_core::registry::import::MAX_FILE_BYTES)
}

/// "The file is larger than the limit of 50 MiB."
fn too_large_text(l: Locale, limit: usize) -> String {
    l.fill("reg.import.too_large", &[("size", &upload::mib(limit))])
}

/// Receives the file as the request body (sent by `registry.js` with the CSRF header):
/// `action=preview` checks it, `all` and `valid` import it.
async fn import_run(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
    body: Result<Upload, AppError>,
) -> Result<Response, AppError> {
    write_members(&auth, id)?;
    let org = s.store.registry_organisation(id).await?;
    let iq = ImportQuery {
        sheet: q.get("sheet").cloned(),
        mode: None,
    };
    let options = iq.options();
    let action = q.get("action").map_or("preview", String::as_str);
    let mut page = ImportResult {
        c,
        org,
        preview: None,
        report: None,
        error: None,
    };
    let l = page.c.locale;
    let body = match body {
        Ok(Upload(b)) => b,
        Err(e) if e.code() == "file_too_large" => {
            page.error = Some(too_large_text(l, upload::UPLOAD_LIMIT));
            return Ok(render(&page, StatusCode::PAYLOAD_TOO_LARGE));
        }
        Err(e) => return Err(e),
    };
    let result = match action {
        "preview" => s
            .store
            .preview_member_import(id, &body, &options, today())
            .await
            .map(|p| page.preview = Some(p)),
        "all" | "valid" => {
            let mode = if action == "all" {
                ImportMode::AllOrNothing
            } else {
                ImportMode::ValidRowsOnly
            };
            s.store
                .import_members(auth.actor(), id, &body, &options, mode, today(), &|_, _| {})
                .await
                .map(|r| page.report = Some(r))
        }
        _ => return Err(AppError::invalid("action", "unknown_action")),
    };
    let status = match result {
        Ok(()) => StatusCode::OK,
        Err(e) => match AppError::from(e) {
            AppError::Invalid(es) => {
                page.error = Some(
                    es.iter()
                        .map(|e| match (e.code.as_str(), e.limit) {
                            ("file_too_large", Some(limit)) => too_large_text(l, limit),
                            _ => field_message(l, e, Some(REG_ERROR)),
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                );
                StatusCode::UNPROCESSABLE_ENTITY
            }
            other => return Err(other),
        },
    };
    Ok(render(&page, status))
}

// ----- succession -----

#[derive(Template)]
#[template(path = "registry/succession.html")]
struct SuccessionPage {
    c: Ctx,
    l: Labels,
    org: Organisation,
    /// Who succeeded this organisation, and when, once it has been.
    succeeded_by: Option<(Organisation, time::Date)>,
    /// Whom this organisation succeeded.
    predecessor: Option<Organisation>,
    /// The organisations that may succeed it (id, name): those the user administers.
    successors: Vec<(i64, String)>,
    can_succeed: bool,
    f: FormState,
}

async fn succession_page(
    s: &AppState,
    c: Ctx,
    auth: &Auth,
    id: i64,
    f: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    let org = s.store.registry_organisation(id).await?;
    let succeeded_by = match s.store.succession_of(id).await? {
        Some((_, successor, on)) => Some((s.store.registry_organisation(successor).await?, on)),
        None => None,
    };
    let predecessor = match org.predecessor_id {
        Some(p) => Some(s.store.registry_organisation(p).await?),
        None => None,
    };
    let can_succeed = succeeded_by.is_none() && auth.may(Action::AdministerOrganisation(id));
    let mut successors = Vec::new();
    if can_succeed {
        // Federations and associations, not member units: those are what take over members.
        for kind in [OrgKind::Federation, OrgKind::Association] {
            let filter = OrgFilter {
                kind: Some(kind),
                ..OrgFilter::default()
            };
            successors.extend(
                all_organisations(s, &filter)
                    .await?
                    .into_iter()
                    .filter(|o| o.id != id && auth.may(Action::AdministerOrganisation(o.id)))
                    .map(|o| (o.id, o.name)),
            );
        }
        successors.sort_by(|a, b| a.1.cmp(&b.1));
    }
    Ok(render(
        &SuccessionPage {
            l: Labels { locale: c.locale },
            c,
            org,
            succeeded_by,
            predecessor,
            successors,
            can_succeed,
            f,
        },
        status,
    ))
}

async fn succession(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    read_members(&auth, id)?;
    let f = FormState::with_values(HashMap::from([("on".to_string(), format_date(today()))]));
    succession_page(&s, c, &auth, id, f, StatusCode::OK).await
}

/// `successor` succeeds this organisation: it takes over the members, people, categories, dues
/// and documents (see [`federa_store::Store::succeed_organisation_with`]). Only an admin of both
/// may, and only after typing this organisation's name to confirm.
async fn succession_run(
    State(s): State<AppState>,
    PageCtx(c): PageCtx,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require(Action::AdministerOrganisation(id))?;
    let org = s.store.registry_organisation(id).await?;
    let result = async {
        let successor: i64 = required_number(&form, "successor", "successor")?;
        auth.require(Action::AdministerOrganisation(successor))?;
        let mut refused = Vec::new();
        let on = match opt(&form, "on") {
            None => {
                refused.push(FieldError::new("on", "required"));
                None
            }
            Some(v) => {
                let d = parse_date(&v);
                if d.is_none() {
                    refused.push(FieldError::new("on", "invalid_date"));
                }
                d
            }
        };
        let reference = opt(&form, "reference");
        if reference.is_none() {
            refused.push(FieldError::new("reference", "required"));
        }
        if opt(&form, "confirm").as_deref() != Some(org.name.as_str()) {
            refused.push(FieldError::new("confirm", "confirm_mismatch"));
        }
        let (Some(on), Some(reference), true) = (on, reference, refused.is_empty()) else {
            return Err(AppError::Invalid(refused));
        };
        let done = s
            .store
            .succeed_organisation_with(
                auth.actor(),
                &Succession {
                    predecessor_id: id,
                    successor_id: successor,
                    on,
                    decision: federa_core::registry::Decision::Secretariat { reference },
                    category_map: Default::default(),
                },
            )
            .await?;
        Ok::<i64, AppError>(done.successor_id)
    }
    .await;
    match result {
        Ok(successor) => {
            Ok(Redirect::to(&format!("/organisations/{successor}/registry")).into_response())
        }
        Err(e) => {
            let mut f = FormState::with_values(keep(&form, &["successor", "on", "reference"]));
            absorb(
                &mut f,
                e,
                c.locale,
                &[
                    ("successor_id", "successor"),
                    ("predecessor_id", "successor"),
                ],
            )?;
            succession_page(&s, c, &auth, id, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
