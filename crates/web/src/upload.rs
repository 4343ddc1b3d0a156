//! Uploads. Most routes take small bodies ([`crate::BODY_LIMIT`]); the few that take a file (a
//! member list to import, a circular with attachments) take up to [`UPLOAD_LIMIT`] through
//! [`layer`]. A larger body is refused with `file_too_large`, naming the limit, before any of
//! it is stored.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::{StatusCode, header};

use crate::auth::Auth;
use crate::error::AppError;

/// Largest request body of an upload route, in bytes.
pub const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;

/// The body limit of an upload route.
pub fn layer() -> DefaultBodyLimit {
    DefaultBodyLimit::max(UPLOAD_LIMIT)
}

/// `file_too_large`: the file is over `limit` bytes.
pub fn too_large(limit: usize) -> AppError {
    AppError::Refused {
        code: "file_too_large",
        message: format!(
            "file: file_too_large (the limit is {limit} bytes, {})",
            mib(limit)
        ),
        field: Some("file".into()),
        status: StatusCode::PAYLOAD_TOO_LARGE,
    }
}

/// A limit as people read it: `64 MiB`.
pub fn mib(bytes: usize) -> String {
    let whole = bytes / (1024 * 1024);
    if whole * 1024 * 1024 == bytes {
        format!("{whole} MiB")
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// The whole request body of an upload route. Only a signed-in caller's body is read at all;
/// a declared length over [`UPLOAD_LIMIT`] is refused before the body is read, and a body that
/// turns out longer is refused once it passes.
pub struct Upload(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let signed_in = req
            .extensions()
            .get::<Auth>()
            .is_some_and(|a| a.user.is_some());
        if !signed_in {
            return Err(AppError::Unauthenticated);
        }
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > UPLOAD_LIMIT as u64) {
            return Err(too_large(UPLOAD_LIMIT));
        }
        match Bytes::from_request(req, state).await {
            Ok(b) => Ok(Upload(b)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large(UPLOAD_LIMIT)),
            Err(_) => Err(AppError::invalid("file", "unreadable_upload")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_in_mebibytes() {
        assert_eq!(mib(UPLOAD_LIMIT), "64 MiB");
        assert_eq!(mib(50 * 1024 * 1024), "50 MiB");
        assert_eq!(mib(1024 * 1024 + 512 * 1024), "1.5 MiB");
    }
}
