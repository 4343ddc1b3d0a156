//! Who is asking, and may they: passwords, sessions, API tokens, CSRF, and the one permission
//! check.
//!
//! A browser signs in with a username and password (argon2id) and gets a session cookie
//! (HttpOnly, SameSite=Lax) holding a random token; the store keeps only its SHA-256. Each
//! session has a CSRF secret that every form carries (`csrf` field) and that script calls on a
//! cookie session carry as `X-CSRF-Token`; before sign-in, a `federa_csrf` cookie plays that
//! part (double submit), so even the sign-in form is protected. Scripts authenticate with
//! `Authorization: Bearer TOKEN` and are exempt from CSRF, as a browser never sends that header
//! on its own.
//!
//! [`resolve`] runs once per request as middleware: it finds the caller, checks CSRF for every
//! unsafe method, and stores an [`Auth`] in the request's extensions. Handlers take `Auth` as
//! an extractor and call [`Auth::require`] with an [`Action`]; [`authorize`] is the one place
//! that says which role may do what.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use federa_store::{Role, RoleGrant, Session, User};
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::AppState;
use crate::error::AppError;

pub const SESSION_COOKIE: &str = "federa_session";
pub const PRE_CSRF_COOKIE: &str = "federa_csrf";
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lasts.
pub const SESSION_DAYS: i64 = 14;
/// Largest url-encoded form body the CSRF check buffers, and how far into a multipart body it
/// looks for the token.
const MAX_FORM: usize = 1 << 20;

/// Hashes a password with argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("hashing a password: {e}")))
}

/// Whether `password` matches the PHC string `hash`; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A fresh random token (32 bytes, hex).
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    Anonymous,
    Session(Session),
    Bearer,
}

/// The caller of a request: a user with their role grants, or nobody.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: Option<User>,
    pub grants: Vec<RoleGrant>,
    pub via: Via,
    /// The token forms must carry (the session's, or the pre-session cookie's).
    pub csrf: String,
}

/// What someone wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read the public registry (organisations, member units).
    ReadRegistry,
    /// Create an organisation (a new federation or association on this instance).
    CreateOrganisation,
    /// Edit an organisation, or add, change and end its member units.
    ManageOrganisation(i64),
    /// Decide for the organisation as a whole, e.g. that another succeeds it (its admin).
    AdministerOrganisation(i64),
    /// Create API tokens for oneself.
    ManageOwnTokens,
    /// Read an organisation's member registry beyond the public directory: people, contacts,
    /// status history, dues (its admin, secretariat and member representatives).
    ReadMembers(i64),
    /// Set up an organisation's bodies and terms, convene and run its meetings, open and close
    /// votes (its admin and secretariat).
    RunMeetings(i64),
    /// Sign in to and vote in an organisation's meetings as a delegate (a member
    /// representative; which seat holders the user speaks for is checked against the store's
    /// delegate links).
    Vote(i64),
    /// Act for a member unit: read its inbox, acknowledge circulars, register for activities
    /// and sign the convention for it (whoever holds [`ACTS_FOR`] on the unit's own record).
    ActFor(i64),
}

/// The roles on a member unit's organisation record that let a user act for the unit.
pub const ACTS_FOR: [Role; 2] = [Role::Representative, Role::Admin];

/// The one permission table. A global admin may do everything; an organisation's admin and
/// secretariat manage it; a member representative and anonymous callers read.
pub fn authorize(
    user: Option<&User>,
    grants: &[RoleGrant],
    action: Action,
) -> Result<(), AppError> {
    let Some(user) = user else {
        return match action {
            Action::ReadRegistry => Ok(()),
            _ => Err(AppError::Unauthenticated),
        };
    };
    if user.is_admin {
        return Ok(());
    }
    let has = |org: i64, roles: &[Role]| {
        grants
            .iter()
            .any(|g| g.organisation_id == org && roles.contains(&g.role))
    };
    let allowed = match action {
        Action::ReadRegistry | Action::ManageOwnTokens => true,
        Action::CreateOrganisation => false,
        Action::ReadMembers(org) => {
            has(org, &[Role::Admin, Role::Secretariat, Role::Representative])
        }
        Action::ManageOrganisation(org) | Action::RunMeetings(org) => {
            has(org, &[Role::Admin, Role::Secretariat])
        }
        Action::AdministerOrganisation(org) => has(org, &[Role::Admin]),
        Action::Vote(org) => has(org, &[Role::Representative, Role::Admin, Role::Secretariat]),
        Action::ActFor(unit) => has(unit, &ACTS_FOR),
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

impl Auth {
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        authorize(self.user.as_ref(), &self.grants, action)
    }

    pub fn may(&self, action: Action) -> bool {
        self.require(action).is_ok()
    }

    /// The signed-in user, or `unauthenticated`.
    pub fn user(&self) -> Result<&User, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthenticated)
    }

    pub fn actor(&self) -> federa_store::Actor {
        match &self.user {
            Some(u) => federa_store::Actor::User(u.id),
            None => federa_store::Actor::System,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Auth>()
            .cloned()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("auth middleware missing")))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Compares two tokens in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Who made a request that ended in an error, for the error page's header.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: Option<String>,
    pub csrf: String,
}

/// The name a page shows for a user.
trait ShownName {
    fn shown_name(&self) -> String;
}

impl ShownName for User {
    fn shown_name(&self) -> String {
        self.display_name
            .clone()
            .unwrap_or_else(|| self.username.clone())
    }
}

/// Middleware: finds the caller, enforces CSRF on unsafe methods, stores [`Auth`].
pub async fn resolve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match resolve_inner(&state, req).await {
        Ok((req, new_pre_csrf)) => {
            let caller = req.extensions().get::<Auth>().map(|a| Caller {
                name: a.user.as_ref().map(User::shown_name),
                csrf: a.csrf.clone(),
            });
            let mut res = next.run(req).await;
            // An error page rendered further out still shows who is signed in.
            if let Some(c) = caller
                && res.extensions().get::<crate::error::ErrorMark>().is_some()
            {
                res.extensions_mut().insert(c);
            }
            if let Some(token) = new_pre_csrf {
                let c = Cookie::build((PRE_CSRF_COOKIE, token))
                    .path("/")
                    .http_only(true)
                    .same_site(SameSite::Lax)
                    .build();
                if let Ok(v) = c.to_string().parse() {
                    res.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            res
        }
        Err(e) => axum::response::IntoResponse::into_response(e),
    }
}

async fn resolve_inner(
    state: &AppState,
    req: Request,
) -> Result<(Request, Option<String>), AppError> {
    let (mut parts, body) = req.into_parts();
    let jar = CookieJar::from_headers(&parts.headers);
    let is_api = parts.uri.path().starts_with("/api/");
    let mut new_pre_csrf = None;
    let auth = if let Some(token) = bearer(&parts.headers) {
        let user = state
            .store
            .find_user_by_api_token(&token_hash(token))
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let grants = state.store.roles_of_user(user.id).await?;
        Auth {
            user: Some(user),
            grants,
            via: Via::Bearer,
            csrf: String::new(),
        }
    } else {
        let session = match jar.get(SESSION_COOKIE) {
            Some(c) => {
                state
                    .store
                    .find_session(&token_hash(c.value()), OffsetDateTime::now_utc())
                    .await?
            }
            None => None,
        };
        match session {
            Some((session, user)) => {
                let grants = state.store.roles_of_user(user.id).await?;
                let csrf = session.csrf_secret.clone();
                Auth {
                    user: Some(user),
                    grants,
                    via: Via::Session(session),
                    csrf,
                }
            }
            None => {
                let csrf = match jar.get(PRE_CSRF_COOKIE) {
                    Some(c) if c.value().len() == 64 => c.value().to_string(),
                    _ => {
                        let t = random_token();
                        new_pre_csrf = Some(t.clone());
                        t
                    }
                };
                Auth {
                    user: None,
                    grants: Vec::new(),
                    via: Via::Anonymous,
                    csrf,
                }
            }
        }
    };
    let body = if is_safe(&parts.method) || matches!(auth.via, Via::Bearer) {
        body
    } else if is_api {
        // Script calls on a cookie session carry the token as a header; anonymous API calls
        // hold no ambient authority and fail on permission instead.
        if let Via::Session(_) = auth.via {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !same(sent, &auth.csrf) {
                return Err(AppError::Csrf);
            }
        }
        body
    } else {
        // Pages: a script sends the token as a header (and the body as it is, e.g. a file to
        // import); a form sends it as a field, which we read and put back.
        let header = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let (sent, body) = match header {
            Some(h) => (h, body),
            None if is_multipart(&parts.headers) => form_token_ahead(&parts.headers, body).await?,
            // Anything else that is not a url-encoded form carries no token.
            None if !is_urlencoded(&parts.headers) => (String::new(), body),
            None => {
                let bytes = axum::body::to_bytes(body, MAX_FORM)
                    .await
                    .map_err(|_| AppError::PayloadTooLarge)?;
                let sent = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                    .unwrap_or_default()
                    .into_iter()
                    .find(|(k, _)| k == CSRF_FIELD)
                    .map(|(_, v)| v)
                    .unwrap_or_default();
                (sent, axum::body::Body::from(bytes))
            }
        };
        if new_pre_csrf.is_some() || !same(&sent, &auth.csrf) {
            return Err(AppError::Csrf);
        }
        body
    };
    parts.extensions.insert(auth);
    Ok((Request::from_parts(parts, body), new_pre_csrf))
}

fn content_type_is(headers: &HeaderMap, essence: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|ct| ct.trim().eq_ignore_ascii_case(essence))
}

fn is_multipart(headers: &HeaderMap) -> bool {
    content_type_is(headers, "multipart/form-data")
}

fn is_urlencoded(headers: &HeaderMap) -> bool {
    content_type_is(headers, "application/x-www-form-urlencoded")
}

/// The CSRF field of a `multipart/form-data` body, read from its start (forms put the token
/// before their files), and the whole body to pass on: what was read, then the rest unread.
/// A token not within [`MAX_FORM`] bytes counts as missing, so a large upload is never held
/// here.
async fn form_token_ahead(
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<(String, axum::body::Body), AppError> {
    use futures_util::StreamExt as _;
    let mut rest = body.into_data_stream();
    let mut head = Vec::new();
    loop {
        if let Some(t) = multipart_field(headers, &head, CSRF_FIELD, false) {
            let head = futures_util::stream::once(async move {
                Ok::<_, axum::Error>(axum::body::Bytes::from(head))
            });
            return Ok((t, axum::body::Body::from_stream(head.chain(rest))));
        }
        if head.len() > MAX_FORM {
            return Ok((String::new(), axum::body::Body::empty()));
        }
        match rest.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(_)) => return Err(AppError::invalid("body", "unreadable_upload")),
            None => {
                let t = multipart_field(headers, &head, CSRF_FIELD, true).unwrap_or_default();
                return Ok((t, axum::body::Body::from(head)));
            }
        }
    }
}

/// The text value of field `name` in a `multipart/form-data` body (a form with file uploads
/// carries its CSRF token as an ordinary field). With `complete` false the body is only its
/// start, and a part not yet followed by the next boundary is not read.
fn multipart_field(headers: &HeaderMap, body: &[u8], name: &str, complete: bool) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    if !ct.trim_start().starts_with("multipart/form-data") {
        return None;
    }
    let boundary = ct
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    let delim = format!("--{boundary}");
    let text = String::from_utf8_lossy(body);
    let want = format!("name=\"{name}\"");
    let mut parts: Vec<&str> = text.split(delim.as_str()).collect();
    if !complete {
        parts.pop();
    }
    parts.into_iter().find_map(|part| {
        let (head, value) = part.split_once("\r\n\r\n")?;
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
        (disposition.contains(&want) && !disposition.contains("filename="))
            .then(|| value.trim_end_matches("\r\n").to_string())
    })
}

/// A new session for `user`: the cookie to set (holding the token) and nothing else to keep.
pub async fn start_session(state: &AppState, user: &User) -> Result<Cookie<'static>, AppError> {
    // Sign-ins are rare enough to sweep expired sessions here instead of in a timer.
    state
        .store
        .purge_expired_sessions(federa_store::Actor::System, OffsetDateTime::now_utc())
        .await?;
    let token = random_token();
    state
        .store
        .create_session(
            federa_store::Actor::User(user.id),
            &federa_store::NewSession {
                user_id: user.id,
                token_hash: token_hash(&token),
                csrf_secret: random_token(),
                expires_at: OffsetDateTime::now_utc() + Duration::days(SESSION_DAYS),
            },
        )
        .await?;
    Ok(Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(Duration::days(SESSION_DAYS))
        .build())
}

/// Checks a username and password; the same error for an unknown user and a wrong password.
pub async fn check_credentials(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<User, AppError> {
    let user = state.store.find_user_by_username(username.trim()).await?;
    match user {
        Some(u) if verify_password(password, &u.password_hash) => Ok(u),
        Some(_) => Err(AppError::BadCredentials),
        None => {
            // Spend the same time as a real check, so timing does not reveal usernames.
            let _ = hash_password(password);
            Err(AppError::BadCredentials)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::type_complexity)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    fn user(admin: bool) -> User {
        User {
            id: 1,
            username: "u".into(),
            display_name: None,
            password_hash: String::new(),
            is_admin: admin,
            created_at: String::new(),
        }
    }

    fn grant(org: i64, role: Role) -> RoleGrant {
        RoleGrant {
            id: 1,
            user_id: 1,
            organisation_id: org,
            role,
            created_at: String::new(),
        }
    }

    #[test]
    fn the_permission_table() {
        use Action::*;
        let sec = [grant(7, Role::Secretariat)];
        let rep = [grant(7, Role::Representative)];
        let cases: &[(Option<User>, &[RoleGrant], Action, Option<&str>)] = &[
            (None, &[], ReadRegistry, None),
            (None, &[], ManageOrganisation(7), Some("unauthenticated")),
            (Some(user(false)), &sec, ManageOrganisation(7), None),
            (
                Some(user(false)),
                &sec,
                ManageOrganisation(8),
                Some("forbidden"),
            ),
            (
                Some(user(false)),
                &rep,
                ManageOrganisation(7),
                Some("forbidden"),
            ),
            (
                Some(user(false)),
                &sec,
                CreateOrganisation,
                Some("forbidden"),
            ),
            (Some(user(true)), &[], CreateOrganisation, None),
            (Some(user(true)), &[], ManageOrganisation(8), None),
        ];
        for (u, g, a, want) in cases {
            let got = authorize(u.as_ref(), g, *a).err().map(|e| e.code());
            assert_eq!(got, *want, "{a:?}");
        }
    }
}
