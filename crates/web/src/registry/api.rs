//! The member registry's JSON API under `/api/`: member search, members with their history,
//! representative, contacts and dues, people, categories, import and export, and the public
//! directory. Its paths join the OpenAPI document through [`RegistryDoc`].

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use federa_core::org::{MemberStatus, parse_date};
use federa_core::registry::search::MemberQueryInput;
use federa_core::registry::{
    Category, Decision, ExportFormat, HeaderLang, ImportMode, ImportOptions, Member, Payment,
    PersonInput,
};
use federa_store::{NewMember, Page};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{collected_csv, member_of, query_input, read_members, write_member, write_members};
use crate::AppState;
use crate::api::query;
use crate::auth::Auth;
use crate::error::{ApiJson, AppError, ErrorBody};
use crate::pages::download;
use crate::today;
use crate::upload::{self, Upload};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/organisations/{id}/registry/members",
            get(search).post(add_member),
        )
        .route("/api/registry/members/{mid}", get(show_member))
        .route("/api/registry/members/{mid}/status", post(change_status))
        .route(
            "/api/registry/members/{mid}/representative",
            put(set_representative),
        )
        .route("/api/registry/members/{mid}/contacts", post(add_contact))
        .route("/api/registry/members/{mid}/dues/{year}", put(set_dues))
        .route(
            "/api/registry/members/{mid}/dues/{year}/payments",
            post(pay),
        )
        .route(
            "/api/organisations/{id}/people",
            get(list_people).post(create_person),
        )
        .route(
            "/api/organisations/{id}/categories",
            get(list_categories).post(define_category),
        )
        .route("/api/organisations/{id}/dues", get(dues))
        .route("/api/organisations/{id}/dues/{year}/bill", post(bill))
        .route("/api/organisations/{id}/dues/collected.csv", get(collected))
        .route(
            "/api/organisations/{id}/import/preview",
            post(preview).layer(upload::layer()),
        )
        .route(
            "/api/organisations/{id}/import",
            post(import).layer(upload::layer()),
        )
        .route("/api/organisations/{id}/export", get(export))
        .route("/api/organisations/{id}/directory", get(directory))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        search,
        add_member,
        show_member,
        change_status,
        set_representative,
        add_contact,
        set_dues,
        pay,
        list_people,
        create_person,
        list_categories,
        define_category,
        dues,
        bill,
        collected,
        preview,
        import,
        export,
        directory
    ),
    components(schemas(
        RegistryJson,
        NewMemberJson,
        DecisionJson,
        StatusChangeJson,
        RepresentativeJson,
        ContactJson,
        DuesJson,
        PaymentJson,
        PersonJson,
        CategoryJson
    ))
)]
pub struct RegistryDoc;

/// A registry value as the store returns it (see the field list of each endpoint's summary).
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct RegistryJson(serde_json::Value);

fn json<T: Serialize>(v: &T) -> Result<Json<RegistryJson>, AppError> {
    serde_json::to_value(v)
        .map(|v| Json(RegistryJson(v)))
        .map_err(AppError::internal)
}

/// The decision that made a change: a motion, a secretariat decision by its reference, or
/// none (recorded).
#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionJson {
    #[serde(default)]
    pub motion_id: Option<i64>,
    #[serde(default)]
    pub reference: Option<String>,
}

impl DecisionJson {
    pub fn decision(&self) -> Result<Decision, AppError> {
        let reference = self
            .reference
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        match (self.motion_id, reference) {
            (Some(_), Some(_)) => Err(AppError::invalid("decision", "motion_or_reference")),
            (Some(motion_id), None) => Ok(Decision::Motion { motion_id }),
            (None, Some(r)) if r.chars().count() > 100 => {
                Err(AppError::invalid("reference", "too_long"))
            }
            (None, Some(r)) => Ok(Decision::Secretariat {
                reference: r.to_string(),
            }),
            (None, None) => Ok(Decision::Recorded),
        }
    }
}

pub fn date_field(field: &str, v: &str) -> Result<time::Date, AppError> {
    if v.trim().is_empty() {
        return Err(AppError::invalid(field, "required"));
    }
    parse_date(v).ok_or_else(|| AppError::invalid(field, "invalid_date"))
}

fn status_field(field: &str, v: &str) -> Result<MemberStatus, AppError> {
    MemberStatus::parse(v.trim()).ok_or_else(|| AppError::invalid(field, "unknown_status"))
}

/// A member to add: a unit (`member_id`) or a person (`person_id`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMemberJson {
    #[serde(default)]
    pub member_id: Option<i64>,
    #[serde(default)]
    pub person_id: Option<i64>,
    /// A category of the organisation, by key or name.
    pub category: String,
    /// `YYYY-MM-DD`
    pub joined: String,
    /// `applied` or `admitted` (the default).
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub decision: Option<DecisionJson>,
}

impl NewMemberJson {
    pub fn new_member(&self) -> Result<NewMember, AppError> {
        let member = match (self.member_id, self.person_id) {
            (Some(o), None) => Member::Organisation(o),
            (None, Some(p)) => Member::Person(p),
            (Some(_), Some(_)) => {
                return Err(AppError::invalid("member_id", "member_id_or_person_id"));
            }
            (None, None) => return Err(AppError::invalid("member_id", "required")),
        };
        Ok(NewMember {
            member,
            category: self.category.clone(),
            joined: date_field("joined", &self.joined)?,
            status: match self.status.as_deref().map(str::trim) {
                None | Some("") => MemberStatus::Admitted,
                Some(s) => status_field("status", s)?,
            },
            decision: self.decision.clone().unwrap_or_default().decision()?,
        })
    }
}

/// A change of status on a date, by a decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChangeJson {
    /// applied, admitted, suspended, withdrawn, expelled
    pub to: String,
    /// `YYYY-MM-DD`
    pub on: String,
    #[serde(default)]
    pub decision: Option<DecisionJson>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepresentativeJson {
    /// The person, or null for nobody.
    pub person_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactJson {
    pub person_id: i64,
    /// What they do for the unit, e.g. 联系人, 财务.
    pub role: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DuesJson {
    /// The amount due for the year, in fen.
    pub due_fen: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentJson {
    /// `YYYY-MM-DD`, not in the future.
    pub on: String,
    /// In fen, positive.
    pub amount_fen: i64,
    #[serde(default)]
    pub reference: Option<String>,
}

/// A person's fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonJson {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub public: bool,
}

/// A membership category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryJson {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    #[serde(default)]
    pub rank: u16,
    /// Annual dues in fen.
    #[serde(default)]
    pub annual_dues_fen: i64,
}

/// Member search: text, filters, sorting and paging.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Part of the name, short name or registration number.
    pub q: Option<String>,
    pub district: Option<String>,
    pub sector: Option<String>,
    /// A category key or name.
    pub category: Option<String>,
    /// applied, admitted, suspended, withdrawn, expelled
    pub status: Option<String>,
    /// name, joined, district, sector, category
    pub sort: Option<String>,
    /// asc or desc
    pub order: Option<String>,
    /// From 1.
    pub page: Option<u32>,
    /// 1 to 200, default 20.
    pub page_size: Option<u32>,
}

impl From<SearchQuery> for MemberQueryInput {
    fn from(q: SearchQuery) -> MemberQueryInput {
        MemberQueryInput {
            q: q.q,
            district: q.district,
            sector: q.sector,
            category: q.category,
            status: q.status,
            sort: q.sort,
            order: q.order,
            page: q.page,
            page_size: q.page_size,
        }
    }
}

type Q<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;

/// Search an organisation's member units (its admin, secretariat and representatives).
#[utoipa::path(get, path = "/api/organisations/{id}/registry/members",
    params(("id" = i64, Path), SearchQuery),
    responses((status = 200, body = RegistryJson), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn search(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    q: Q<SearchQuery>,
) -> Result<Json<RegistryJson>, AppError> {
    read_members(&auth, id)?;
    let q = query_input(query(q)?.into())?;
    s.store.get_organisation(id).await?;
    json(&s.store.search_members(id, &q).await?)
}

/// Add a member unit or an individual member, citing the decision.
#[utoipa::path(post, path = "/api/organisations/{id}/registry/members",
    params(("id" = i64, Path)), request_body = NewMemberJson,
    responses((status = 201, body = RegistryJson), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn add_member(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<NewMemberJson>,
) -> Result<(StatusCode, Json<RegistryJson>), AppError> {
    write_members(&auth, id)?;
    let m = s
        .store
        .add_member(auth.actor(), id, &input.new_member()?)
        .await?;
    Ok((StatusCode::CREATED, json(&m)?))
}

/// A membership with its status history (with decisions) and dues.
#[derive(Serialize)]
struct MemberDetail {
    membership: federa_core::registry::Membership,
    history: Vec<federa_store::HistoryEntry>,
    dues: Vec<federa_core::registry::DuesYear>,
}

/// Show a membership: representative, contacts, status history, dues.
#[utoipa::path(get, path = "/api/registry/members/{mid}", params(("mid" = i64, Path)),
    responses((status = 200, body = RegistryJson), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn show_member(
    State(s): State<AppState>,
    auth: Auth,
    Path(mid): Path<i64>,
) -> Result<Json<RegistryJson>, AppError> {
    let m = member_of(&s, mid).await?;
    read_members(&auth, m.organisation_id)?;
    json(&MemberDetail {
        history: s.store.member_history(mid).await?,
        dues: s.store.member_dues(mid).await?,
        membership: m,
    })
}

/// Change a membership's status (applied → admitted → suspended, withdrawn, expelled).
#[utoipa::path(post, path = "/api/registry/members/{mid}/status", params(("mid" = i64, Path)),
    request_body = StatusChangeJson,
    responses((status = 200, body = RegistryJson), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn change_status(
    State(s): State<AppState>,
    auth: Auth,
    Path(mid): Path<i64>,
    ApiJson(input): ApiJson<StatusChangeJson>,
) -> Result<Json<RegistryJson>, AppError> {
    write_member(&s, &auth, mid).await?;
    let to = status_field("to", &input.to)?;
    let on = date_field("on", &input.on)?;
    let decision = input.decision.unwrap_or_default().decision()?;
    json(
        &s.store
            .change_member_status(auth.actor(), mid, to, on, decision)
            .await?,
    )
}

/// Name a member unit's representative (or nobody).
#[utoipa::path(put, path = "/api/registry/members/{mid}/representative",
    params(("mid" = i64, Path)), request_body = RepresentativeJson,
    responses((status = 200, body = RegistryJson), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn set_representative(
    State(s): State<AppState>,
    auth: Auth,
    Path(mid): Path<i64>,
    ApiJson(input): ApiJson<RepresentativeJson>,
) -> Result<Json<RegistryJson>, AppError> {
    write_member(&s, &auth, mid).await?;
    json(
        &s.store
            .set_representative(auth.actor(), mid, input.person_id)
            .await?,
    )
}

/// Add a contact person to a member unit.
#[utoipa::path(post, path = "/api/registry/members/{mid}/contacts",
    params(("mid" = i64, Path)), request_body = ContactJson,
    responses((status = 200, body = RegistryJson), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn add_contact(
    State(s): State<AppState>,
    auth: Auth,
    Path(mid): Path<i64>,
    ApiJson(input): ApiJson<ContactJson>,
) -> Result<Json<RegistryJson>, AppError> {
    write_member(&s, &auth, mid).await?;
    json(
        &s.store
            .add_contact(auth.actor(), mid, input.person_id, &input.role)
            .await?,
    )
}

/// Set what a membership owes for a year, in fen.
#[utoipa::path(put, path = "/api/registry/members/{mid}/dues/{year}",
    params(("mid" = i64, Path), ("year" = i32, Path)), request_body = DuesJson,
    responses((status = 200, body = RegistryJson), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn set_dues(
    State(s): State<AppState>,
    auth: Auth,
    Path((mid, year)): Path<(i64, i32)>,
    ApiJson(input): ApiJson<DuesJson>,
) -> Result<Json<RegistryJson>, AppError> {
    write_member(&s, &auth, mid).await?;
    json(
        &s.store
            .set_dues(auth.actor(), mid, year, input.due_fen)
            .await?,
    )
}

/// Record a payment towards a year's dues.
#[utoipa::path(post, path = "/api/registry/members/{mid}/dues/{year}/payments",
    params(("mid" = i64, Path), ("year" = i32, Path)), request_body = PaymentJson,
    responses((status = 200, body = RegistryJson), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn pay(
    State(s): State<AppState>,
    auth: Auth,
    Path((mid, year)): Path<(i64, i32)>,
    ApiJson(input): ApiJson<PaymentJson>,
) -> Result<Json<RegistryJson>, AppError> {
    write_member(&s, &auth, mid).await?;
    let payment = Payment {
        on: date_field("on", &input.on)?,
        amount_fen: input.amount_fen,
        reference: input.reference,
    };
    json(
        &s.store
            .record_payment(auth.actor(), mid, year, &payment, today())
            .await?,
    )
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Part of the name.
    pub q: Option<String>,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

/// The people an organisation keeps.
#[utoipa::path(get, path = "/api/organisations/{id}/people",
    params(("id" = i64, Path), PeopleQuery),
    responses((status = 200, body = RegistryJson), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_people(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    q: Q<PeopleQuery>,
) -> Result<Json<RegistryJson>, AppError> {
    read_members(&auth, id)?;
    let q = query(q)?;
    let page = Page::new(
        q.offset.unwrap_or(0),
        q.limit.unwrap_or(Page::DEFAULT_LIMIT),
    );
    json(&s.store.list_people(id, q.q.as_deref(), page).await?)
}

/// Add a person (an individual member, a representative, a contact).
#[utoipa::path(post, path = "/api/organisations/{id}/people", params(("id" = i64, Path)),
    request_body = PersonJson,
    responses((status = 201, body = RegistryJson), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_person(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(p): ApiJson<PersonJson>,
) -> Result<(StatusCode, Json<RegistryJson>), AppError> {
    write_members(&auth, id)?;
    let input = PersonInput {
        name: p.name,
        title: p.title,
        phone: p.phone,
        email: p.email,
        public: p.public,
    };
    let person = s.store.create_person(auth.actor(), id, &input).await?;
    Ok((StatusCode::CREATED, json(&person)?))
}

/// The membership categories an organisation defines (public).
#[utoipa::path(get, path = "/api/organisations/{id}/categories", params(("id" = i64, Path)),
    responses((status = 200, body = RegistryJson)))]
async fn list_categories(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<RegistryJson>, AppError> {
    s.store.get_organisation(id).await?;
    json(&s.store.list_categories(id).await?)
}

/// Define a category, or change the one with the same key.
#[utoipa::path(post, path = "/api/organisations/{id}/categories", params(("id" = i64, Path)),
    request_body = CategoryJson,
    responses((status = 200, body = RegistryJson), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn define_category(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(c): ApiJson<CategoryJson>,
) -> Result<Json<RegistryJson>, AppError> {
    write_members(&auth, id)?;
    let c = Category {
        key: c.key,
        name: c.name,
        name_en: c.name_en,
        rank: c.rank,
        annual_dues_fen: c.annual_dues_fen,
    };
    json(&s.store.define_category(auth.actor(), id, &c).await?)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    pub year: Option<i32>,
}

/// An organisation's dues: lines of a year (or all), summary per year, collected per year.
#[utoipa::path(get, path = "/api/organisations/{id}/dues",
    params(("id" = i64, Path), YearQuery),
    responses((status = 200, body = RegistryJson), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn dues(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    q: Q<YearQuery>,
) -> Result<Json<RegistryJson>, AppError> {
    read_members(&auth, id)?;
    json(&s.store.dues_report(id, query(q)?.year).await?)
}

/// Bill a year: every member in force that year owes its category's dues.
#[utoipa::path(post, path = "/api/organisations/{id}/dues/{year}/bill",
    params(("id" = i64, Path), ("year" = i32, Path)),
    responses((status = 200, body = RegistryJson), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn bill(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, year)): Path<(i64, i32)>,
) -> Result<Json<RegistryJson>, AppError> {
    write_members(&auth, id)?;
    let billed = s.store.bill_dues_year(auth.actor(), id, year).await?;
    json(&serde_json::json!({ "year": year, "billed": billed }))
}

/// Dues collected by calendar year of payment, as CSV (UTF-8 with BOM).
#[utoipa::path(get, path = "/api/organisations/{id}/dues/collected.csv",
    params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/csv", body = String),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn collected(
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

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The sheet of a workbook with several.
    pub sheet: Option<String>,
    /// all_or_nothing (default) or valid_rows_only
    pub mode: Option<String>,
}

impl ImportQuery {
    pub fn options(&self) -> ImportOptions {
        ImportOptions {
            sheet: self
                .sheet
                .clone()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            ..ImportOptions::default()
        }
    }

    pub fn mode(&self) -> Result<ImportMode, AppError> {
        match self.mode.as_deref().map(str::trim) {
            None | Some("") | Some("all_or_nothing") => Ok(ImportMode::AllOrNothing),
            Some("valid_rows_only") => Ok(ImportMode::ValidRowsOnly),
            Some(_) => Err(AppError::invalid("mode", "unknown_mode")),
        }
    }
}

/// Check a member list (the request body: CSV or XLSX bytes) without importing it: every
/// problem by row, column and reason.
#[utoipa::path(post, path = "/api/organisations/{id}/import/preview",
    params(("id" = i64, Path), ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = RegistryJson), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn preview(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    q: Q<ImportQuery>,
    Upload(body): Upload,
) -> Result<Json<RegistryJson>, AppError> {
    write_members(&auth, id)?;
    let q = query(q)?;
    json(
        &s.store
            .preview_member_import(id, &body, &q.options(), today())
            .await?,
    )
}

/// Import a member list in one transaction: all rows or nothing, or only the valid rows.
#[utoipa::path(post, path = "/api/organisations/{id}/import",
    params(("id" = i64, Path), ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = RegistryJson), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn import(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    q: Q<ImportQuery>,
    Upload(body): Upload,
) -> Result<Json<RegistryJson>, AppError> {
    write_members(&auth, id)?;
    let q = query(q)?;
    let report = s
        .store
        .import_members(
            auth.actor(),
            id,
            &body,
            &q.options(),
            q.mode()?,
            today(),
            &|_, _| {},
        )
        .await?;
    json(&report)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// csv (default) or xlsx
    pub format: Option<String>,
    /// zh (default) or en headers
    pub lang: Option<String>,
}

/// Export the current member units as CSV or XLSX in the import template's layout.
#[utoipa::path(get, path = "/api/organisations/{id}/export",
    params(("id" = i64, Path), ExportQuery),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn export(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    q: Q<ExportQuery>,
) -> Result<Response, AppError> {
    read_members(&auth, id)?;
    let q = query(q)?;
    export_response(&s, id, q.format.as_deref(), q.lang.as_deref()).await
}

pub async fn export_response(
    s: &AppState,
    id: i64,
    format: Option<&str>,
    lang: Option<&str>,
) -> Result<Response, AppError> {
    let format = match format.unwrap_or("csv") {
        "csv" => ExportFormat::Csv,
        "xlsx" => ExportFormat::Xlsx,
        _ => return Err(AppError::invalid("format", "unknown_format")),
    };
    let lang = match lang.unwrap_or("zh") {
        "zh" => HeaderLang::Zh,
        "en" => HeaderLang::En,
        _ => return Err(AppError::invalid("lang", "unknown_lang")),
    };
    s.store.get_organisation(id).await?;
    let bytes = s.store.export_members(id, format, lang).await?;
    Ok(match format {
        ExportFormat::Csv => download(
            "text/csv; charset=utf-8",
            &format!("members-{id}.csv"),
            bytes,
        ),
        ExportFormat::Xlsx => download(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("members-{id}.xlsx"),
            bytes,
        ),
    })
}

/// The public member directory (no sign-in): admitted member units the organisation marks
/// public, without registration numbers or contacts.
#[utoipa::path(get, path = "/api/organisations/{id}/directory",
    params(("id" = i64, Path), SearchQuery),
    responses((status = 200, body = RegistryJson), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn directory(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    q: Q<SearchQuery>,
) -> Result<Json<RegistryJson>, AppError> {
    let q = query_input(query(q)?.into())?;
    s.store.get_organisation(id).await?;
    json(&s.store.public_directory(id, &q, today()).await?)
}
