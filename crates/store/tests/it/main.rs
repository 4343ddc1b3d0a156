//! The store conformance suite: every test runs once on SQLite (a fresh file) and once on
//! PostgreSQL (a fresh schema in the database `FEDERA_TEST_POSTGRES` names, default
//! `postgres://postgres@127.0.0.1:5432/test`). An unreachable PostgreSQL fails the suite.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod audit;
mod engagement;
mod governance;
mod instances;
mod orgs;
mod registry;
mod support;

/// Generates, for each named `async fn NAME(store: Store)`, a module with a `sqlite` and a
/// `postgres` test that run it on a fresh database of that kind.
#[macro_export]
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let db = $crate::support::TestDb::sqlite().await;
                super::$name(db.store.clone()).await;
                db.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let db = $crate::support::TestDb::postgres().await;
                super::$name(db.store.clone()).await;
                db.finish().await;
            }
        }
    )*};
}
