//! The JSON API under `/api/`: organisations, their member units, API tokens, and the OpenAPI
//! document generated from these handlers.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use federa_core::org::{EndMembershipInput, Membership, MembershipInput, OrgInput, Organisation};
use federa_store::{MembershipFilter, MembershipUpdate, OrgFilter, Page};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::auth::{Action, Auth};
use crate::error::{ApiJson, AppError, ErrorBody};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/organisations", get(list_orgs).post(create_org))
        .route("/api/organisations/{id}", get(show_org).put(update_org))
        .route(
            "/api/organisations/{id}/members",
            get(list_members).post(add_member),
        )
        .route(
            "/api/organisations/{id}/members/{mid}",
            get(show_member).patch(update_member),
        )
        .route(
            "/api/organisations/{id}/members/{mid}/end",
            post(end_member),
        )
        .route("/api/tokens", post(create_token))
        .fallback(api_not_found)
}

async fn api_not_found() -> AppError {
    AppError::NotFound("route".into())
}

#[derive(OpenApi)]
#[openapi(
    info(title = "federa API", description = "Organisations and their member units."),
    paths(list_orgs, create_org, show_org, update_org, list_members, add_member, show_member,
          update_member, end_member, create_token),
    components(schemas(ErrorBody, OrgPage, MemberPage, MemberChange, NewToken, TokenCreated,
                       Organisation, OrgInput, Membership, MembershipInput, EndMembershipInput)),
    modifiers(&Security)
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::registry::RegistryDoc::openapi());
    doc.merge(crate::engagement::api::EngagementDoc::openapi());
    doc.merge(crate::governance::api::openapi_doc());
    Json(doc)
}

/// Query of the organisation list: filters and paging.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrgQuery {
    /// Part of the name or short name.
    pub q: Option<String>,
    pub kind: Option<String>,
    pub district: Option<String>,
    pub sector: Option<String>,
    pub status: Option<String>,
    /// name, name_desc, created, created_desc, district, sector
    pub sort: Option<String>,
    pub offset: Option<u64>,
    /// 1 to 500, default 50
    pub limit: Option<u64>,
}

fn enum_field<T: serde::de::DeserializeOwned>(
    field: &str,
    v: Option<&str>,
) -> Result<Option<T>, AppError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => serde_json::from_value(serde_json::Value::String(s.to_string()))
            .map(Some)
            .map_err(|_| AppError::invalid(field, "unknown_value")),
    }
}

impl OrgQuery {
    pub fn filter(&self) -> Result<(OrgFilter, Page), AppError> {
        Ok((
            OrgFilter {
                q: self.q.clone(),
                kind: enum_field("kind", self.kind.as_deref())?,
                district: self.district.clone(),
                sector: self.sector.clone(),
                status: enum_field("status", self.status.as_deref())?,
                sort: enum_field("sort", self.sort.as_deref())?.unwrap_or_default(),
            },
            page(self.offset, self.limit),
        ))
    }
}

pub fn page(offset: Option<u64>, limit: Option<u64>) -> Page {
    Page::new(offset.unwrap_or(0), limit.unwrap_or(Page::DEFAULT_LIMIT))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    pub q: Option<String>,
    /// applied, admitted, suspended, withdrawn, expelled
    pub status: Option<String>,
    pub category: Option<String>,
    pub district: Option<String>,
    pub sector: Option<String>,
    pub kind: Option<String>,
    /// Only memberships that have not ended.
    pub current_only: Option<bool>,
    /// member_name, joined, joined_desc, district, sector
    pub sort: Option<String>,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

impl MemberQuery {
    pub fn filter(&self) -> Result<(MembershipFilter, Page), AppError> {
        Ok((
            MembershipFilter {
                q: self.q.clone(),
                status: enum_field("status", self.status.as_deref())?,
                category: self.category.clone(),
                district: self.district.clone(),
                sector: self.sector.clone(),
                kind: enum_field("kind", self.kind.as_deref())?,
                current_only: self.current_only.unwrap_or(false),
                sort: enum_field("sort", self.sort.as_deref())?.unwrap_or_default(),
            },
            page(self.offset, self.limit),
        ))
    }
}

/// Turns a query-string rejection into our error format.
pub(crate) fn query<T>(
    q: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, AppError> {
    q.map(|Query(t)| t).map_err(|e| {
        let text = e.body_text();
        let field = text.split('`').nth(1).map(str::to_string);
        match field {
            Some(f) if text.contains("unknown field") => AppError::UnknownField(f),
            _ => AppError::invalid("query", "invalid_query"),
        }
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgPage {
    pub items: Vec<Organisation>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberPage {
    pub items: Vec<Membership>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
}

/// List organisations, filtered and paged.
#[utoipa::path(get, path = "/api/organisations", params(OrgQuery),
    responses((status = 200, body = OrgPage), (status = 422, body = ErrorBody)))]
async fn list_orgs(
    State(s): State<AppState>,
    auth: Auth,
    q: Result<Query<OrgQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<OrgPage>, AppError> {
    auth.require(Action::ReadRegistry)?;
    let (filter, page) = query(q)?.filter()?;
    let p = s.store.list_organisations(&filter, page).await?;
    Ok(Json(OrgPage {
        items: p.items,
        total: p.total,
        offset: p.offset,
        limit: p.limit,
    }))
}

/// Create an organisation (global admin).
#[utoipa::path(post, path = "/api/organisations", request_body = OrgInput,
    responses((status = 201, body = Organisation), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_org(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<OrgInput>,
) -> Result<(StatusCode, Json<Organisation>), AppError> {
    auth.require(Action::CreateOrganisation)?;
    let org = s.store.create_organisation(auth.actor(), &input).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

/// Show an organisation.
#[utoipa::path(get, path = "/api/organisations/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Organisation), (status = 404, body = ErrorBody)))]
async fn show_org(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Json<Organisation>, AppError> {
    auth.require(Action::ReadRegistry)?;
    Ok(Json(s.store.get_organisation(id).await?))
}

/// Replace an organisation's fields (its admin or secretariat).
#[utoipa::path(put, path = "/api/organisations/{id}", params(("id" = i64, Path)),
    request_body = OrgInput,
    responses((status = 200, body = Organisation), (status = 404, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn update_org(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<OrgInput>,
) -> Result<Json<Organisation>, AppError> {
    auth.require(Action::ManageOrganisation(id))?;
    Ok(Json(
        s.store
            .update_organisation(auth.actor(), id, &input)
            .await?,
    ))
}

/// List an organisation's member units, filtered and paged.
#[utoipa::path(get, path = "/api/organisations/{id}/members",
    params(("id" = i64, Path), MemberQuery),
    responses((status = 200, body = MemberPage), (status = 404, body = ErrorBody)))]
async fn list_members(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    q: Result<Query<MemberQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<MemberPage>, AppError> {
    auth.require(Action::ReadRegistry)?;
    let (filter, page) = query(q)?.filter()?;
    s.store.get_organisation(id).await?;
    let p = s.store.list_memberships(id, &filter, page).await?;
    Ok(Json(MemberPage {
        items: p.items,
        total: p.total,
        offset: p.offset,
        limit: p.limit,
    }))
}

/// Add a member unit: an existing organisation (`member_id`) or a new one (`new_member`).
#[utoipa::path(post, path = "/api/organisations/{id}/members", params(("id" = i64, Path)),
    request_body = MembershipInput,
    responses((status = 201, body = Membership), (status = 404, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn add_member(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<MembershipInput>,
) -> Result<(StatusCode, Json<Membership>), AppError> {
    auth.require(Action::ManageOrganisation(id))?;
    let m = s.store.add_membership(auth.actor(), id, &input).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

async fn membership_of(s: &AppState, id: i64, mid: i64) -> Result<Membership, AppError> {
    let m = s.store.get_membership(mid).await?;
    if m.organisation_id != id {
        return Err(AppError::NotFound(format!("membership {mid}")));
    }
    Ok(m)
}

/// Show one membership.
#[utoipa::path(get, path = "/api/organisations/{id}/members/{mid}",
    params(("id" = i64, Path), ("mid" = i64, Path)),
    responses((status = 200, body = Membership), (status = 404, body = ErrorBody)))]
async fn show_member(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, mid)): Path<(i64, i64)>,
) -> Result<Json<Membership>, AppError> {
    auth.require(Action::ReadRegistry)?;
    Ok(Json(membership_of(&s, id, mid).await?))
}

/// A change to a current membership; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberChange {
    #[serde(default)]
    pub category: Option<String>,
    /// applied, admitted or suspended
    #[serde(default)]
    pub status: Option<String>,
}

/// Change a membership's category or status.
#[utoipa::path(patch, path = "/api/organisations/{id}/members/{mid}",
    params(("id" = i64, Path), ("mid" = i64, Path)), request_body = MemberChange,
    responses((status = 200, body = Membership), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn update_member(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, mid)): Path<(i64, i64)>,
    ApiJson(change): ApiJson<MemberChange>,
) -> Result<Json<Membership>, AppError> {
    auth.require(Action::ManageOrganisation(id))?;
    membership_of(&s, id, mid).await?;
    let change = MembershipUpdate {
        category: change.category,
        status: change.status,
    };
    Ok(Json(
        s.store
            .update_membership(auth.actor(), mid, &change)
            .await?,
    ))
}

/// End a membership (withdrawn or expelled) on a date.
#[utoipa::path(post, path = "/api/organisations/{id}/members/{mid}/end",
    params(("id" = i64, Path), ("mid" = i64, Path)), request_body = EndMembershipInput,
    responses((status = 200, body = Membership), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn end_member(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, mid)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<EndMembershipInput>,
) -> Result<Json<Membership>, AppError> {
    auth.require(Action::ManageOrganisation(id))?;
    membership_of(&s, id, mid).await?;
    Ok(Json(
        s.store.end_membership(auth.actor(), mid, &input).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    pub id: i64,
    pub name: String,
    /// Shown once; send it as `Authorization: Bearer TOKEN`.
    pub token: String,
}

/// Create an API token for the signed-in user.
#[utoipa::path(post, path = "/api/tokens", request_body = NewToken,
    responses((status = 201, body = TokenCreated), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_token(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<TokenCreated>), AppError> {
    auth.require(Action::ManageOwnTokens)?;
    let (id, token) = new_token(&s, &auth, &input.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated {
            id,
            name: input.name,
            token,
        }),
    ))
}

pub async fn new_token(s: &AppState, auth: &Auth, name: &str) -> Result<(i64, String), AppError> {
    let user = auth.user()?;
    let token = crate::auth::random_token();
    let t = s
        .store
        .create_api_token(
            auth.actor(),
            user.id,
            name,
            &crate::auth::token_hash(&token),
        )
        .await?;
    Ok((t.id, token))
}
