//! The router `serve` runs: the web app of `federa_web` over the store.

use axum::Router;
use federa_store::Store;

pub fn router(store: Store) -> Router {
    federa_web::app(federa_web::AppState::new(store))
}
