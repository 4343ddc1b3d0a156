//! `federa_web` is the only crate that knows HTTP.
//!
//! It serves federa's JSON API under `/api/` (with its OpenAPI document at
//! `/api/openapi.json`) and its server-rendered pages in zh-CN and en. Handlers extract, check
//! permission in one place ([`auth::authorize`]), call the store (which calls the core rules),
//! and respond. It refuses to hold domain rules or SQL: those live in `federa_core` and
//! `federa_store`.

pub mod api;
pub mod auth;
pub mod engagement;
pub mod error;
pub mod governance;
pub mod i18n;
pub mod pages;
pub mod registry;
pub mod upload;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::get;
use federa_store::Store;
use time::{Date, OffsetDateTime};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use auth::{hash_password, verify_password};
pub use error::AppError;

/// Largest request body accepted, in bytes, except on the upload routes (see [`upload`]).
pub const BODY_LIMIT: usize = 256 * 1024;

/// What every handler shares: the store. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    /// Sends email copies of circulars and reminders, when an SMTP server is configured.
    pub mailer: Option<engagement::Mailer>,
}

impl AppState {
    pub fn new(store: Store) -> AppState {
        AppState {
            store,
            mailer: None,
        }
    }

    /// The same state, emailing copies of circulars through `mailer`.
    pub fn with_mailer(mut self, mailer: engagement::Mailer) -> AppState {
        self.mailer = Some(mailer);
        self
    }
}

/// The clock handlers read: now, in UTC.
pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Today's date (UTC).
pub(crate) fn today() -> Date {
    now().date()
}

/// The whole web application: pages, API, health check, with its middleware.
pub fn app(state: AppState) -> Router {
    let h = |v: &'static str| HeaderValue::from_static(v);
    Router::new()
        .merge(pages::router())
        .merge(api::router())
        .merge(registry::router())
        .merge(governance::api::router())
        .merge(governance::pages::router())
        .merge(engagement::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::resolve,
        ))
        // Outside the auth check, so a refused CSRF token also gets a translated page.
        .layer(axum::middleware::from_fn(pages::render_errors))
        .route("/healthz", get(healthz))
        // Every body is read through an extractor bounded by this (or by an upload route's own
        // `upload::layer`), or by the CSRF check's own bound.
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            h("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            h("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            h("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            h("default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// 200 once the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}
