//! Validation errors: every problem names its field and a stable code the UI translates.

use serde::{Deserialize, Serialize};

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field, as named in the input (`new_member.name` for a nested one).
    pub field: String,
    /// A stable snake_case code, e.g. `required`, `too_long`, `invalid_date`.
    pub code: String,
    /// The limit, where the code is about one (`too_long`: the most characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

impl FieldError {
    pub fn new(field: &str, code: &str) -> Self {
        FieldError {
            field: field.to_string(),
            code: code.to_string(),
            limit: None,
        }
    }

    pub fn too_long(field: &str, max: usize) -> Self {
        FieldError {
            limit: Some(max),
            ..FieldError::new(field, "too_long")
        }
    }
}

/// Input that broke one or more rules; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(|e| format!("{} ({})", e.field, e.code)).collect::<Vec<_>>().join(", "))]
pub struct Invalid(pub Vec<FieldError>);
