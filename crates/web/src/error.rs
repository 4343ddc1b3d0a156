//! The one error type of the web layer, its JSON form, and the JSON body extractor.
//!
//! Every variant has a stable snake_case code the UI translates (`error.CODE` in the
//! catalogues). API routes answer `{"error":{"code","message","field"}}`; page routes turn the
//! same error into a translated page (see `pages::render_errors`). Internal errors answer an
//! opaque 500 and are logged with their cause.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use federa_store::{FieldError, StoreError};
use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0} not found")]
    NotFound(String),
    /// A value that must be unique is taken.
    #[error("{field} {value:?} is already taken")]
    Conflict { field: String, value: String },
    /// One or more fields broke a rule; nothing was written.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("sign in first")]
    Unauthenticated,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("you do not have the role this needs")]
    Forbidden,
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("malformed JSON: {message}")]
    MalformedJson {
        message: String,
        field: Option<String>,
    },
    #[error("unknown field {0}")]
    UnknownField(String),
    #[error("missing field {0}")]
    MissingField(String),
    #[error("expected Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("request body too large")]
    PayloadTooLarge,
    /// A domain rule refused the operation (e.g. `not_entitled`, `no_quorum`); nothing was
    /// written. `code` is the rule's own stable code.
    #[error("{message}")]
    Refused {
        code: &'static str,
        message: String,
        field: Option<String>,
        status: StatusCode,
    },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    /// The stable code clients and translations key on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not_found",
            AppError::Conflict { .. } => "conflict",
            AppError::Invalid(_) => "invalid_field",
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials => "bad_credentials",
            AppError::Forbidden => "forbidden",
            AppError::Csrf => "csrf",
            AppError::MalformedJson { .. } => "malformed_json",
            AppError::UnknownField(_) => "unknown_field",
            AppError::MissingField(_) => "missing_field",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::Refused { code, .. } => code,
            AppError::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Invalid(_)
            | AppError::MalformedJson { .. }
            | AppError::UnknownField(_)
            | AppError::MissingField(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Refused { status, .. } => *status,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The field concerned, where there is one (the first, for several invalid fields).
    pub fn field(&self) -> Option<String> {
        match self {
            AppError::Conflict { field, .. } => Some(field.clone()),
            AppError::Invalid(es) => es.first().map(|e| e.field.clone()),
            AppError::MalformedJson { field, .. } => field.clone(),
            AppError::UnknownField(f) | AppError::MissingField(f) => Some(f.clone()),
            AppError::Refused { field, .. } => field.clone(),
            _ => None,
        }
    }

    /// The English message of the API; internal causes are never shown.
    pub fn message(&self) -> String {
        match self {
            AppError::Invalid(es) => es
                .iter()
                .map(|e| match e.limit {
                    Some(l) => format!("{}: {} (at most {l})", e.field, e.code),
                    None => format!("{}: {}", e.field, e.code),
                })
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        }
    }

    /// One field refused with a stable code.
    pub fn invalid(field: &str, code: &str) -> AppError {
        AppError::Invalid(vec![FieldError::new(field, code)])
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> AppError {
        AppError::Internal(e.into())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound { entity, id } => AppError::NotFound(format!("{entity} {id}")),
            StoreError::Conflict { field, value, .. } => AppError::Conflict {
                field: field.to_string(),
                value,
            },
            StoreError::Invalid(inv) => AppError::Invalid(inv.0),
            other => AppError::Internal(other.into()),
        }
    }
}

/// The JSON body of an error.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code, e.g. `not_found`, `invalid_field`, `conflict`.
    pub code: String,
    pub message: String,
    /// The field concerned (`new_member.name` for a nested one), if any.
    pub field: Option<String>,
    /// Every invalid field with its code, for `invalid_field`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// Set on error responses so page routes can render the error as a translated page.
#[derive(Debug, Clone)]
pub struct ErrorMark {
    pub code: &'static str,
    pub status: StatusCode,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(error = ?cause, "internal error");
        }
        let status = self.status();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message: if matches!(self, AppError::Internal(_)) {
                    "internal error".to_string()
                } else {
                    self.message()
                },
                field: self.field(),
                fields: match &self {
                    AppError::Invalid(es) => es.clone(),
                    _ => Vec::new(),
                },
            },
        };
        let mut res = (status, Json(body)).into_response();
        res.extensions_mut().insert(ErrorMark {
            code: self.code(),
            status,
        });
        res
    }
}

/// A JSON body that must parse into `T`; anything else becomes an [`AppError`] naming the field.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("application/json"));
        if !json {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON, naming the field of an unknown, missing or mistyped value.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        let join = |name: &str| {
            if path.is_empty() || path == "." {
                name.to_string()
            } else {
                format!("{path}.{name}")
            }
        };
        let quoted = message.split('`').nth(1).map(str::to_string);
        if message.starts_with("unknown field")
            && let Some(name) = quoted.as_deref()
        {
            // serde_path_to_error's path already ends at the unknown field.
            let field = if path.ends_with(name) {
                path.clone()
            } else {
                join(name)
            };
            return AppError::UnknownField(field);
        }
        if message.starts_with("missing field")
            && let Some(name) = quoted.as_deref()
        {
            return AppError::MissingField(join(name));
        }
        let field = (!path.is_empty() && path != ".").then_some(path);
        AppError::MalformedJson { message, field }
    })
}
