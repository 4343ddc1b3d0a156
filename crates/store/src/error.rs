//! The one error type of the store: what the caller can act on, plus the database's own.

use federa_core::error::{FieldError, Invalid};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such row.
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    /// A value that must be unique is taken (mapped from the database's unique violation).
    #[error("{entity} with {field} {value:?} already exists")]
    Conflict {
        entity: &'static str,
        field: &'static str,
        value: String,
    },
    /// The input broke a rule; every problem names its field. Nothing was written.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The database URL names no backend we support.
    #[error("unsupported database URL {0:?}: use sqlite://PATH, sqlite::memory: or postgres://...")]
    UnsupportedUrl(String),
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Anything else the database reported.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value the store cannot read back (e.g. an unknown enum string).
    #[error("corrupt {entity} {id}: {reason}")]
    Corrupt {
        entity: &'static str,
        id: String,
        reason: String,
    },
}

impl StoreError {
    /// One invalid field with a stable code (`required`, `too_long`, `not_found`, ...).
    pub fn invalid(field: &str, code: &str) -> StoreError {
        StoreError::Invalid(Invalid(vec![FieldError::new(field, code)]))
    }

    pub(crate) fn not_found(entity: &'static str, id: impl ToString) -> StoreError {
        StoreError::NotFound {
            entity,
            id: id.to_string(),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Unique constraints by name (PostgreSQL reports the name) and by column list (SQLite reports
/// `table.column, ...`): the entity and the field a user would fix.
const UNIQUES: &[(&str, &str, &str, &str)] = &[
    // (constraint, sqlite columns, entity, field)
    (
        "organisations_name_key",
        "organisations.name",
        "organisation",
        "name",
    ),
    (
        "memberships_open_uq",
        "memberships.organisation_id, memberships.member_id",
        "membership",
        "member_id",
    ),
    ("users_username_key", "users.username", "user", "username"),
    (
        "role_grants_uq",
        "role_grants.user_id, role_grants.organisation_id, role_grants.role",
        "role_grant",
        "role",
    ),
    (
        "sessions_token_hash_key",
        "sessions.token_hash",
        "session",
        "token_hash",
    ),
    (
        "api_tokens_token_hash_key",
        "api_tokens.token_hash",
        "api_token",
        "token_hash",
    ),
];

/// Turns a unique violation into [`StoreError::Conflict`]; `value` gives the offending value
/// for a field name. Any other error passes through as [`StoreError::Database`].
pub(crate) fn map_unique(err: sqlx::Error, value: impl Fn(&str) -> String) -> StoreError {
    if let sqlx::Error::Database(db) = &err
        && db.is_unique_violation()
    {
        let constraint = db.constraint().unwrap_or_default().to_string();
        let message = db.message().to_string();
        for (name, columns, entity, field) in UNIQUES {
            let sqlite_hit = message
                .strip_prefix("UNIQUE constraint failed: ")
                .is_some_and(|c| c == *columns);
            if constraint == *name || sqlite_hit || message.contains(name) {
                return StoreError::Conflict {
                    entity,
                    field,
                    value: value(field),
                };
            }
        }
    }
    StoreError::Database(err)
}
