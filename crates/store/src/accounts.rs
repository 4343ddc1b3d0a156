//! Users, their roles, sign-in sessions and API tokens.
//!
//! The store never sees a password or a token: callers hash them (argon2id for passwords, a
//! digest for random tokens) and the store keeps and looks up the hashes.

use federa_core::error::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;

use crate::error::map_unique;
use crate::{Actor, Page, Paged, Result, Store, StoreError, format_time, parse_time};

/// Longest username, in characters.
pub const MAX_USERNAME: usize = 64;
const MAX_HASH: usize = 512;
const MAX_NAME: usize = 200;

/// A role a user holds in one organisation. Someone with no grant is anonymous there; a global
/// admin ([`User::is_admin`]) may do everything everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages the organisation: its registry, its users' roles.
    Admin,
    /// Staff: keeps the registry, convenes meetings, sends notices.
    Secretariat,
    /// Represents a member unit: receives notices, signs in at meetings, votes.
    Representative,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Secretariat, Role::Representative];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Secretariat => "secretariat",
            Role::Representative => "representative",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: Option<String>,
    /// The PHC string of the password hash; never serialised.
    #[serde(skip)]
    pub password_hash: String,
    /// A global administrator.
    pub is_admin: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: Option<String>,
    /// The already hashed password (e.g. an argon2id PHC string).
    pub password_hash: String,
    pub is_admin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleGrant {
    pub id: i64,
    pub user_id: i64,
    pub organisation_id: i64,
    pub role: Role,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub user_id: i64,
    /// A digest of the cookie's token; the token itself is never stored.
    pub token_hash: String,
    pub csrf_secret: String,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: i64,
    pub user_id: i64,
    pub csrf_secret: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

const USER_COLS: &str = "u.id AS u_id, u.username AS u_username, u.display_name AS u_display_name, \
    u.password_hash AS u_password_hash, u.is_admin AS u_is_admin, u.created_at AS u_created_at";

fn user_from_row(row: &AnyRow) -> Result<User> {
    let admin: i64 = row.try_get("u_is_admin")?;
    Ok(User {
        id: row.try_get("u_id")?,
        username: row.try_get("u_username")?,
        display_name: row.try_get("u_display_name")?,
        password_hash: row.try_get("u_password_hash")?,
        is_admin: admin != 0,
        created_at: row.try_get("u_created_at")?,
    })
}

fn grant_from_row(row: &AnyRow) -> Result<RoleGrant> {
    let id: i64 = row.try_get("id")?;
    let role: String = row.try_get("role")?;
    Ok(RoleGrant {
        id,
        user_id: row.try_get("user_id")?,
        organisation_id: row.try_get("organisation_id")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
            entity: "role_grant",
            id: id.to_string(),
            reason: format!("unknown role {role:?}"),
        })?,
        created_at: row.try_get("created_at")?,
    })
}

fn token_from_row(row: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

fn session_from_row(row: &AnyRow) -> Result<Session> {
    let id: i64 = row.try_get("s_id")?;
    let time = |col: &str| -> Result<OffsetDateTime> {
        let s: String = row.try_get(col)?;
        parse_time(&s).ok_or_else(|| StoreError::Corrupt {
            entity: "session",
            id: id.to_string(),
            reason: format!("bad time {s:?}"),
        })
    };
    Ok(Session {
        id,
        user_id: row.try_get("s_user_id")?,
        csrf_secret: row.try_get("s_csrf_secret")?,
        created_at: time("s_created_at")?,
        expires_at: time("s_expires_at")?,
    })
}

fn check_text(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        errors.push(FieldError::new(field, "required"));
    } else if value.chars().count() > max {
        errors.push(FieldError::too_long(field, max));
    }
}

async fn user_in(tx: &mut Transaction<'static, Any>, id: i64) -> Result<User> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLS} FROM users u WHERE u.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        Some(row) => user_from_row(&row),
        None => Err(StoreError::not_found("user", id)),
    }
}

impl Store {
    /// Creates a user. The username is trimmed, 1 to 64 characters without spaces.
    pub async fn create_user(&self, actor: Actor, new: &NewUser) -> Result<User> {
        let username = new.username.trim();
        let mut errors = Vec::new();
        check_text(&mut errors, "username", username, MAX_USERNAME);
        if username.chars().any(char::is_whitespace) {
            errors.push(FieldError::new("username", "no_spaces"));
        }
        check_text(&mut errors, "password_hash", &new.password_hash, MAX_HASH);
        let display_name = new
            .display_name
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if let Some(d) = display_name {
            check_text(&mut errors, "display_name", d, MAX_NAME);
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(Invalid(errors)));
        }
        let mut w = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, password_hash, is_admin, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(username)
        .bind(display_name)
        .bind(&new.password_hash)
        .bind(i64::from(new.is_admin))
        .bind(crate::now())
        .fetch_one(&mut *w.tx)
        .await
        .map_err(|e| map_unique(e, |_| username.to_string()))?;
        let user = user_in(&mut w.tx, id).await?;
        w.audit(actor, "user", id, "create", None::<&()>, Some(&user))
            .await?;
        w.commit().await?;
        Ok(user)
    }

    pub async fn get_user(&self, id: i64) -> Result<User> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLS} FROM users u WHERE u.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => user_from_row(&row),
            None => Err(StoreError::not_found("user", id)),
        }
    }

    pub async fn find_user_by_username(&self, username: &str) -> Result<Option<User>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLS} FROM users u WHERE u.username = $1"
        )))
        .bind(username.trim())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Users by username.
    pub async fn list_users(&self, page: Page) -> Result<Paged<User>> {
        let (offset, limit) = page.checked()?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLS} FROM users u ORDER BY u.username, u.id LIMIT $1 OFFSET $2"
        )))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(Paged {
            items: rows.iter().map(user_from_row).collect::<Result<_>>()?,
            total: total as u64,
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// Replaces a user's password hash.
    pub async fn set_password_hash(&self, actor: Actor, user_id: i64, hash: &str) -> Result<()> {
        let mut errors = Vec::new();
        check_text(&mut errors, "password_hash", hash, MAX_HASH);
        if !errors.is_empty() {
            return Err(StoreError::Invalid(Invalid(errors)));
        }
        let mut w = self.write().await?;
        user_in(&mut w.tx, user_id).await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(&mut *w.tx)
            .await?;
        w.audit(
            actor,
            "user",
            user_id,
            "set_password",
            None::<&()>,
            None::<&()>,
        )
        .await?;
        w.commit().await
    }

    /// Makes a user a global administrator, or no longer one.
    pub async fn set_user_admin(&self, actor: Actor, user_id: i64, is_admin: bool) -> Result<User> {
        let mut w = self.write().await?;
        let before = user_in(&mut w.tx, user_id).await?;
        sqlx::query("UPDATE users SET is_admin = $1 WHERE id = $2")
            .bind(i64::from(is_admin))
            .bind(user_id)
            .execute(&mut *w.tx)
            .await?;
        let after = user_in(&mut w.tx, user_id).await?;
        w.audit(
            actor,
            "user",
            user_id,
            "set_admin",
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// Grants a user a role in an organisation.
    pub async fn grant_role(
        &self,
        actor: Actor,
        user_id: i64,
        organisation_id: i64,
        role: Role,
    ) -> Result<RoleGrant> {
        let mut w = self.write().await?;
        user_in(&mut w.tx, user_id).await?;
        let org: Option<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE id = $1")
            .bind(organisation_id)
            .fetch_optional(&mut *w.tx)
            .await?;
        if org.is_none() {
            return Err(StoreError::not_found("organisation", organisation_id));
        }
        let row = sqlx::query(
            "INSERT INTO role_grants (user_id, organisation_id, role, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id, user_id, organisation_id, role, created_at",
        )
        .bind(user_id)
        .bind(organisation_id)
        .bind(role.as_str())
        .bind(crate::now())
        .fetch_one(&mut *w.tx)
        .await
        .map_err(|e| map_unique(e, |_| role.as_str().to_string()))?;
        let grant = grant_from_row(&row)?;
        w.audit(
            actor,
            "role_grant",
            grant.id,
            "grant",
            None::<&()>,
            Some(&grant),
        )
        .await?;
        w.commit().await?;
        Ok(grant)
    }

    /// Takes a role away; `NotFound` if the user did not hold it.
    pub async fn revoke_role(
        &self,
        actor: Actor,
        user_id: i64,
        organisation_id: i64,
        role: Role,
    ) -> Result<()> {
        let mut w = self.write().await?;
        let row = sqlx::query(
            "SELECT id, user_id, organisation_id, role, created_at FROM role_grants \
             WHERE user_id = $1 AND organisation_id = $2 AND role = $3",
        )
        .bind(user_id)
        .bind(organisation_id)
        .bind(role.as_str())
        .fetch_optional(&mut *w.tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::not_found(
                "role_grant",
                format!("{user_id}/{organisation_id}/{}", role.as_str()),
            ));
        };
        let grant = grant_from_row(&row)?;
        sqlx::query("DELETE FROM role_grants WHERE id = $1")
            .bind(grant.id)
            .execute(&mut *w.tx)
            .await?;
        w.audit(
            actor,
            "role_grant",
            grant.id,
            "revoke",
            Some(&grant),
            None::<&()>,
        )
        .await?;
        w.commit().await
    }

    /// Every role a user holds, in any organisation.
    pub async fn roles_of_user(&self, user_id: i64) -> Result<Vec<RoleGrant>> {
        let rows = sqlx::query(
            "SELECT id, user_id, organisation_id, role, created_at FROM role_grants \
             WHERE user_id = $1 ORDER BY organisation_id, role",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(grant_from_row).collect()
    }

    /// Who holds which role in an organisation.
    pub async fn role_grants_in(&self, organisation_id: i64) -> Result<Vec<RoleGrant>> {
        let rows = sqlx::query(
            "SELECT id, user_id, organisation_id, role, created_at FROM role_grants \
             WHERE organisation_id = $1 ORDER BY user_id, role",
        )
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(grant_from_row).collect()
    }

    /// Records a sign-in session.
    pub async fn create_session(&self, actor: Actor, new: &NewSession) -> Result<Session> {
        let mut errors = Vec::new();
        check_text(&mut errors, "token_hash", &new.token_hash, MAX_HASH);
        check_text(&mut errors, "csrf_secret", &new.csrf_secret, MAX_HASH);
        if !errors.is_empty() {
            return Err(StoreError::Invalid(Invalid(errors)));
        }
        let mut w = self.write().await?;
        user_in(&mut w.tx, new.user_id).await?;
        let expires = format_time(new.expires_at);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sessions (token_hash, user_id, csrf_secret, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&new.token_hash)
        .bind(new.user_id)
        .bind(&new.csrf_secret)
        .bind(crate::now())
        .bind(&expires)
        .fetch_one(&mut *w.tx)
        .await
        .map_err(|e| map_unique(e, |_| "(hidden)".to_string()))?;
        let session = session_in(&mut w.tx, id).await?;
        let summary = serde_json::json!({ "user_id": new.user_id, "expires_at": expires });
        w.audit(actor, "session", id, "create", None::<&()>, Some(&summary))
            .await?;
        w.commit().await?;
        Ok(session)
    }

    /// The unexpired session with this token hash, and its user.
    pub async fn find_session(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(Session, User)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SESSION_COLS}, {USER_COLS} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        )))
        .bind(token_hash)
        .bind(format_time(now))
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some((session_from_row(&row)?, user_from_row(&row)?))),
            None => Ok(None),
        }
    }

    /// Ends a session (sign-out). Returns whether there was one.
    pub async fn delete_session(&self, actor: Actor, token_hash: &str) -> Result<bool> {
        let mut w = self.write().await?;
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&mut *w.tx)
            .await?;
        let Some(id) = id else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        w.audit(actor, "session", id, "delete", None::<&()>, None::<&()>)
            .await?;
        w.commit().await?;
        Ok(true)
    }

    /// Deletes sessions that expired at or before `now`; returns how many.
    pub async fn purge_expired_sessions(&self, actor: Actor, now: OffsetDateTime) -> Result<u64> {
        let mut w = self.write().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(format_time(now))
            .execute(&mut *w.tx)
            .await?;
        let n = done.rows_affected();
        if n > 0 {
            let summary = serde_json::json!({ "deleted": n });
            w.audit(
                actor,
                "session",
                "expired",
                "purge",
                None::<&()>,
                Some(&summary),
            )
            .await?;
        }
        w.commit().await?;
        Ok(n)
    }

    /// Records an API token for a user (the caller keeps the token, the store its hash).
    pub async fn create_api_token(
        &self,
        actor: Actor,
        user_id: i64,
        name: &str,
        token_hash: &str,
    ) -> Result<ApiToken> {
        let mut errors = Vec::new();
        check_text(&mut errors, "name", name, MAX_NAME);
        check_text(&mut errors, "token_hash", token_hash, MAX_HASH);
        if !errors.is_empty() {
            return Err(StoreError::Invalid(Invalid(errors)));
        }
        let mut w = self.write().await?;
        user_in(&mut w.tx, user_id).await?;
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, user_id, name, created_at, revoked_at",
        )
        .bind(user_id)
        .bind(name.trim())
        .bind(token_hash)
        .bind(crate::now())
        .fetch_one(&mut *w.tx)
        .await
        .map_err(|e| map_unique(e, |_| "(hidden)".to_string()))?;
        let token = token_from_row(&row)?;
        w.audit(
            actor,
            "api_token",
            token.id,
            "create",
            None::<&()>,
            Some(&token),
        )
        .await?;
        w.commit().await?;
        Ok(token)
    }

    /// The user an unrevoked API token belongs to.
    pub async fn find_user_by_api_token(&self, token_hash: &str) -> Result<Option<User>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        )))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn list_api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, user_id, name, created_at, revoked_at FROM api_tokens WHERE user_id = $1 \
             ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// Revokes an API token; revoking twice is a no-op that still answers the token.
    pub async fn revoke_api_token(&self, actor: Actor, id: i64) -> Result<ApiToken> {
        let mut w = self.write().await?;
        let row = sqlx::query(
            "SELECT id, user_id, name, created_at, revoked_at FROM api_tokens WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await?;
        let before = match row {
            Some(row) => token_from_row(&row)?,
            None => return Err(StoreError::not_found("api_token", id)),
        };
        if before.revoked_at.is_some() {
            return Ok(before);
        }
        let row = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 \
             RETURNING id, user_id, name, created_at, revoked_at",
        )
        .bind(crate::now())
        .bind(id)
        .fetch_one(&mut *w.tx)
        .await?;
        let after = token_from_row(&row)?;
        w.audit(
            actor,
            "api_token",
            id,
            "revoke",
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }
}

const SESSION_COLS: &str = "s.id AS s_id, s.user_id AS s_user_id, s.csrf_secret AS s_csrf_secret, \
    s.created_at AS s_created_at, s.expires_at AS s_expires_at";

async fn session_in(tx: &mut Transaction<'static, Any>, id: i64) -> Result<Session> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SESSION_COLS} FROM sessions s WHERE s.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        Some(row) => session_from_row(&row),
        None => Err(StoreError::not_found("session", id)),
    }
}
