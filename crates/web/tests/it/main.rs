//! HTTP integration tests: each starts the real server (axum on 127.0.0.1:0) on a fresh
//! database, once on SQLite and once on PostgreSQL (`FEDERA_TEST_POSTGRES`, default
//! `postgres://postgres@127.0.0.1:5432/test`; unreachable fails), and drives it with reqwest.
//! The browser test drives headless Chromium through chromedriver.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)]

mod api;
mod browser;
mod engagement;
mod founding_day;
mod governance_api;
mod governance_browser;
mod governance_forms;
mod governance_pages;
mod governance_stv;
mod i18n;
mod pages;
mod refusal_back;
mod registry;
mod succession;
mod support;
mod uploads;

/// Generates, for each named `async fn NAME(app: TestApp)`, a module with a `sqlite` and a
/// `postgres` test that run it against a server on a fresh database of that kind.
#[macro_export]
macro_rules! both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::support::TestApp::sqlite().await;
                super::$name(&app).await;
                app.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::support::TestApp::postgres().await;
                super::$name(&app).await;
                app.finish().await;
            }
        }
    )*};
}
