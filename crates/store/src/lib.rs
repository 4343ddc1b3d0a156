//! `federa_store` is the only crate that speaks SQL.
//!
//! It keeps federa's records in SQLite (the default, one file) or PostgreSQL (several server
//! instances, several federa instances in one database through schemas), behind one API whose
//! calls take and return `federa_core` values. It refuses to decide domain rules: inputs are
//! validated by `federa_core`, and the store only adds what needs the database (uniqueness,
//! existence, the audit chain).
//!
//! Every change is one transaction that also appends a hash-chained audit event. Writing
//! transactions first lock the chain head (`BEGIN IMMEDIATE` on SQLite, `SELECT ... FOR UPDATE`
//! on PostgreSQL), so changes are serialised and the chain never forks.
//!
//! Queries go through sqlx's `Any` driver, written once in the SQL both databases accept
//! (`$1` placeholders, `RETURNING`, partial indexes); the schema keeps to the types `Any`
//! carries (integers, text and bytes), and the two dialects differ only in their migration
//! files and in how a writing transaction begins.

mod accounts;
mod audit;
mod checkpoint;
mod engagement;
mod error;
pub mod governance;
mod orgs;
mod registry;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use time::OffsetDateTime;

use checkpoint::Checkpoints;

pub use accounts::{ApiToken, NewSession, NewUser, Role, RoleGrant, Session, User};
pub use audit::{AuditEvent, ChainReport};
pub use engagement::{
    ActivityInput, AttachmentData, AttendanceInput, CircularInput, CircularRecord, CircularSummary,
    ComplaintAdvance, ComplaintInput, ComplaintRecord, Convention, ConventionInput,
    ConventionRecord, DEFAULT_COMPLAINT_BODY, EmailOutcome, EmailState, InboxItem, IndicatorInput,
    MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, MemberRow, NewAttachment, Recipient, Reminder,
    SignatureRecord, UnitContact,
};
pub use error::{Result, StoreError};
pub use federa_core::error::{FieldError, Invalid};
pub use federa_core::org::{
    EndMembershipInput, MemberStatus, Membership, MembershipInput, OrgInput, OrgKind, OrgStatus,
    Organisation,
};
pub use orgs::{MembershipFilter, MembershipSort, MembershipUpdate, OrgFilter, OrgSort};
pub use registry::{
    COUNT_CAP, DuesLine, DuesReport, HistoryEntry, ImportReport, MemberHit, NewMember, SearchPage,
    SuccessionOutcome,
};

/// Which database a store talks to, chosen from the URL scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Who makes a change, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// federa itself (migrations, the demo seed, the command line before any user exists).
    System,
    User(i64),
}

impl Actor {
    fn user_id(self) -> Option<i64> {
        match self {
            Actor::System => None,
            Actor::User(id) => Some(id),
        }
    }

    fn label(self) -> String {
        match self {
            Actor::System => "system".to_string(),
            Actor::User(id) => format!("user:{id}"),
        }
    }
}

/// A page of a list: skip `offset` rows, return at most `limit` (1 to [`Page::MAX_LIMIT`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: u64,
    pub limit: u64,
}

impl Page {
    pub const DEFAULT_LIMIT: u64 = 50;
    pub const MAX_LIMIT: u64 = 500;

    pub fn new(offset: u64, limit: u64) -> Page {
        Page { offset, limit }
    }

    fn checked(self) -> Result<(i64, i64)> {
        if self.limit == 0 || self.limit > Page::MAX_LIMIT {
            return Err(StoreError::invalid("limit", "out_of_range"));
        }
        let offset = i64::try_from(self.offset)
            .map_err(|_| StoreError::invalid("offset", "out_of_range"))?;
        Ok((offset, self.limit as i64))
    }
}

impl Default for Page {
    fn default() -> Page {
        Page {
            offset: 0,
            limit: Page::DEFAULT_LIMIT,
        }
    }
}

/// One page of results and the number of rows matching in all.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
}

/// The store: a connection pool and the backend it speaks to. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite's log checkpoint task, for a database file (see `checkpoint`).
    checkpoints: Option<Checkpoints>,
}

static SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "registry",
        include_str!("../migrations/sqlite/0002_registry.sql"),
    ),
    (
        3,
        "engagement",
        include_str!("../migrations/sqlite/0003_engagement.sql"),
    ),
    (
        4,
        "governance",
        include_str!("../migrations/sqlite/0004_governance.sql"),
    ),
    (
        5,
        "member search",
        include_str!("../migrations/sqlite/0005_member_search.sql"),
    ),
    (
        6,
        "import copies",
        include_str!("../migrations/sqlite/0006_import_copies.sql"),
    ),
    (
        7,
        "bulk import",
        include_str!("../migrations/sqlite/0007_bulk_import.sql"),
    ),
    (
        8,
        "lean indexes",
        include_str!("../migrations/sqlite/0008_lean_indexes.sql"),
    ),
    (
        9,
        "statement triggers",
        include_str!("../migrations/sqlite/0009_statement_triggers.sql"),
    ),
];
static POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "registry",
        include_str!("../migrations/postgres/0002_registry.sql"),
    ),
    (
        3,
        "engagement",
        include_str!("../migrations/postgres/0003_engagement.sql"),
    ),
    (
        4,
        "governance",
        include_str!("../migrations/postgres/0004_governance.sql"),
    ),
    (
        5,
        "member search",
        include_str!("../migrations/postgres/0005_member_search.sql"),
    ),
    (
        6,
        "import copies",
        include_str!("../migrations/postgres/0006_import_copies.sql"),
    ),
    (
        7,
        "bulk import",
        include_str!("../migrations/postgres/0007_bulk_import.sql"),
    ),
    (
        8,
        "lean indexes",
        include_str!("../migrations/postgres/0008_lean_indexes.sql"),
    ),
    (
        9,
        "statement triggers",
        include_str!("../migrations/postgres/0009_statement_triggers.sql"),
    ),
];

fn migrator(backend: Backend) -> sqlx::migrate::Migrator {
    let files = match backend {
        Backend::Sqlite => SQLITE_MIGRATIONS,
        Backend::Postgres => POSTGRES_MIGRATIONS,
    };
    let migrations = files
        .iter()
        .map(|(version, description, sql)| {
            sqlx::migrate::Migration::new(
                *version,
                (*description).into(),
                sqlx::migrate::MigrationType::Simple,
                sqlx::AssertSqlSafe(*sql).into_sql_str(),
                false,
            )
        })
        .collect::<Vec<_>>();
    sqlx::migrate::Migrator {
        migrations: migrations.into(),
        ..sqlx::migrate::Migrator::DEFAULT
    }
}

use sqlx::SqlSafeStr as _;

/// A PostgreSQL schema name we accept in `?schema=`: a plain lower-case identifier.
fn valid_schema(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.len() <= 63
}

/// Splits `schema=NAME` off a PostgreSQL URL's query string.
fn split_schema(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut schema = None;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.strip_prefix("schema=") {
            Some(v) => {
                schema = Some(v.to_string());
                false
            }
            None => !kv.is_empty(),
        })
        .collect();
    if rest.is_empty() {
        (base.to_string(), schema)
    } else {
        (format!("{base}?{}", rest.join("&")), schema)
    }
}

impl Store {
    /// Connects to the database the URL names and brings its schema up to date.
    ///
    /// `sqlite://PATH?mode=rwc` (a file, created if missing), `sqlite::memory:`, or
    /// `postgres://...` / `postgresql://...`, optionally with `?schema=NAME` to keep this
    /// instance in its own PostgreSQL schema (created if missing). Any other scheme is an error.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact(url)));
        };
        let pool = match backend {
            Backend::Sqlite => {
                let options = AnyConnectOptions::from_str(url)?;
                let memory = is_memory(url);
                AnyPoolOptions::new()
                    // An in-memory database lives and dies with its one connection.
                    .max_connections(if memory { 1 } else { 8 })
                    .acquire_timeout(Duration::from_secs(60))
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000;")
                                .await?;
                            if !memory {
                                conn.execute(
                                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                     PRAGMA wal_autocheckpoint = 0;",
                                )
                                .await?;
                            }
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                let (base, schema) = split_schema(url);
                if let Some(s) = &schema
                    && !valid_schema(s)
                {
                    return Err(StoreError::invalid("schema", "invalid_schema_name"));
                }
                let options = AnyConnectOptions::from_str(&base)?;
                if let Some(s) = &schema {
                    // Create the schema before any pooled connection points its search_path
                    // at it; several instances may race here, which IF NOT EXISTS tolerates
                    // except for a rare duplicate-key error we retry once.
                    let mut conn =
                        <sqlx::AnyConnection as sqlx::Connection>::connect_with(&options).await?;
                    let create = format!("CREATE SCHEMA IF NOT EXISTS \"{s}\"");
                    if conn
                        .execute(sqlx::AssertSqlSafe(create.clone()))
                        .await
                        .is_err()
                    {
                        conn.execute(sqlx::AssertSqlSafe(create)).await?;
                    }
                    sqlx::Connection::close(conn).await?;
                }
                let set_path = schema.map(|s| format!("SET search_path TO \"{s}\""));
                AnyPoolOptions::new()
                    .max_connections(10)
                    .acquire_timeout(Duration::from_secs(60))
                    .after_connect(move |conn, _| {
                        let set_path = set_path.clone();
                        Box::pin(async move {
                            if let Some(sql) = set_path {
                                conn.execute(sqlx::AssertSqlSafe(sql)).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
        };
        migrator(backend).run(&pool).await?;
        tracing::debug!(?backend, "store connected and migrated");
        let file = backend == Backend::Sqlite && !is_memory(url);
        let checkpoints = file.then(|| Checkpoints::start(pool.clone()));
        Ok(Store {
            pool,
            backend,
            checkpoints,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Answers once the database does (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Copies SQLite's log into the database file now, after any copy the store's task is
    /// making (which it does a moment after writes anyway); nothing to do on PostgreSQL or an
    /// in-memory database.
    pub async fn checkpoint(&self) -> Result<()> {
        match &self.checkpoints {
            Some(c) => c.now(&self.pool).await,
            None => Ok(()),
        }
    }

    /// Closes every connection; the store is unusable afterwards.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Runs one raw SQL statement outside the audit log. Only for tests and maintenance
    /// (e.g. a test that tampers with the audit table to see the chain check catch it).
    #[doc(hidden)]
    pub async fn execute_unaudited(&self, sql: &str) -> Result<u64> {
        let done = self
            .pool
            .execute(sqlx::AssertSqlSafe(sql.to_string()))
            .await?;
        Ok(done.rows_affected())
    }

    /// Begins a writing transaction holding the audit chain head.
    async fn write(&self) -> Result<audit::Write> {
        audit::Write::begin(&self.pool, self.backend, self.checkpoints.clone()).await
    }
}

/// Whether a SQLite URL names an in-memory database, which has no log.
fn is_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Hides a password in a URL we echo in an error.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

/// The one text format of stored times: UTC, fixed width, so text order is time order.
pub(crate) fn format_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

pub(crate) fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

pub(crate) fn now() -> String {
    format_time(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_split_from_the_url() {
        assert_eq!(
            split_schema("postgres://h/db?schema=fed_a"),
            ("postgres://h/db".to_string(), Some("fed_a".to_string()))
        );
        assert_eq!(
            split_schema("postgres://h/db?sslmode=disable&schema=x&a=b"),
            (
                "postgres://h/db?sslmode=disable&a=b".to_string(),
                Some("x".to_string())
            )
        );
        assert_eq!(
            split_schema("postgres://h/db"),
            ("postgres://h/db".to_string(), None)
        );
        assert!(valid_schema("fed_a1"));
        assert!(!valid_schema("Fed"));
        assert!(!valid_schema("a\"; drop"));
        assert!(!valid_schema(""));
    }

    #[test]
    fn times_round_trip_and_sort_as_text() {
        let t = OffsetDateTime::from_unix_timestamp(1_700_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let s = format_time(t);
        assert_eq!(s, "2023-11-14T22:13:20.000000Z");
        assert_eq!(parse_time(&s), Some(t));
        assert!(format_time(OffsetDateTime::UNIX_EPOCH) < s);
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("mysql://u:pw@h/db"), "mysql://***@h/db");
    }
}
