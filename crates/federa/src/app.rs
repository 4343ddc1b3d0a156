//! The router `serve` runs. The web app lives in `federa_web`; until it exposes its router,
//! this answers `/healthz` only.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use federa_store::Store;

pub fn router(store: Store) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .with_state(store)
}

/// 200 once the database answers, 503 otherwise.
async fn healthz(State(store): State<Store>) -> (StatusCode, &'static str) {
    match store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::warn!("health check: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}
