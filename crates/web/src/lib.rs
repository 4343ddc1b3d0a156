//! `federa_web` is the only crate that knows HTTP.
//!
//! It serves federa's JSON API under `/api/` (with its OpenAPI document at
//! `/api/openapi.json`) and its server-rendered pages in zh-CN and en. Handlers extract, check
//! permission in one place ([`auth::authorize`]), call the store (which calls the core rules),
//! and respond. It refuses to hold domain rules or SQL: those live in `federa_core` and
//! `federa_store`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use federa_store::Store;

/// What every handler shares: the store. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
}

impl AppState {
    pub fn new(store: Store) -> AppState {
        AppState { store }
    }
}

/// The whole web application: pages, API, health check, with its middleware.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
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
