//! Fresh databases for the conformance tests, and small builders.

use std::sync::atomic::{AtomicU32, Ordering};

use federa_store::{Actor, MembershipInput, OrgInput, Store};

pub struct TestDb {
    pub store: Store,
    /// The URL the store was opened with, for opening a second instance on the same data.
    pub url: String,
    /// Keeps the SQLite file's directory alive for the test.
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL schema to drop afterwards, with the server URL.
    schema: Option<(String, String)>,
}

pub fn postgres_url() -> String {
    std::env::var("FEDERA_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A schema name no other test (in this or a concurrent process) uses.
pub fn fresh_schema() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        nanos
    )
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("federa.db").display()
        );
        let store = Store::connect(&url).await.unwrap();
        TestDb {
            store,
            url,
            _dir: Some(dir),
            schema: None,
        }
    }

    pub async fn postgres() -> TestDb {
        let base = postgres_url();
        let schema = fresh_schema();
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}schema={schema}");
        let store = match Store::connect(&url).await {
            Ok(s) => s,
            Err(e) => panic!(
                "PostgreSQL is required for the store conformance suite and {base} is not \
                 usable: {e}. Start PostgreSQL (scripts/test does) or set FEDERA_TEST_POSTGRES."
            ),
        };
        TestDb {
            store,
            url,
            _dir: None,
            schema: Some((base, schema)),
        }
    }

    /// The SQLite database file of a `TestDb::sqlite`.
    pub fn sqlite_file(&self) -> String {
        self.url
            .trim_start_matches("sqlite://")
            .trim_end_matches("?mode=rwc")
            .to_string()
    }

    /// Closes the store and drops the PostgreSQL schema.
    pub async fn finish(mut self) {
        if let Some((_, schema)) = self.schema.take() {
            self.store
                .execute_unaudited(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                .await
                .unwrap();
        }
        self.store.close().await;
    }
}

pub fn org(name: &str, kind: &str) -> OrgInput {
    OrgInput {
        name: name.to_string(),
        kind: kind.to_string(),
        ..OrgInput::default()
    }
}

pub fn full_org(name: &str, kind: &str, district: &str, sector: &str) -> OrgInput {
    OrgInput {
        name: name.to_string(),
        short_name: Some(format!("{name} (short)")),
        kind: kind.to_string(),
        district: Some(district.to_string()),
        sector: Some(sector.to_string()),
        founded: Some("2010-05-04".to_string()),
        predecessor_id: None,
    }
}

pub fn new_member(o: OrgInput, category: &str, joined: &str) -> MembershipInput {
    MembershipInput {
        member_id: None,
        new_member: Some(o),
        category: category.to_string(),
        joined: joined.to_string(),
        status: None,
    }
}

/// Makes an existing organisation a member, through the plain membership form.
pub fn existing_member(member_id: i64, category: &str, joined: &str) -> MembershipInput {
    MembershipInput {
        member_id: Some(member_id),
        new_member: None,
        category: category.to_string(),
        joined: joined.to_string(),
        status: None,
    }
}

pub const SYS: Actor = Actor::System;

/// How many audit events the store holds.
pub async fn audit_count(store: &Store) -> u64 {
    store
        .list_audit_events(None, None, federa_store::Page::new(0, 1))
        .await
        .unwrap()
        .total
}

impl Drop for TestDb {
    /// A test that panicked before `finish` still drops its PostgreSQL schema, from a thread
    /// with its own runtime (the test's runtime may be unwinding).
    fn drop(&mut self) {
        let Some((base, schema)) = self.schema.take() else {
            return;
        };
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                let sep = if base.contains('?') { '&' } else { '?' };
                if let Ok(store) = Store::connect(&format!("{base}{sep}schema={schema}")).await {
                    let _ = store
                        .execute_unaudited(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                        .await;
                    store.close().await;
                }
            });
        })
        .join();
    }
}
