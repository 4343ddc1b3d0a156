//! The member registry: organisations, people, memberships, status history, dues, import and
//! export of member lists, searching, statistics, activities, circulars and self-regulation.
//!
//! Everything here is pure: functions take bytes, strings, stored values and "today", and return
//! values or a [`RegistryError`]. The store persists what comes back; the web layer translates
//! each error's [`RegistryError::code`].
//!
//! Money is counted in fen (0.01 yuan) as `i64`, so that sums are exact. Dates are
//! [`time::Date`] and serialise as `YYYY-MM-DD`.

pub mod activity;
pub mod circular;
pub mod conduct;
pub mod dues;
pub mod import;
pub mod model;
pub mod search;
pub mod stats;
pub mod status;

pub use activity::{Activity, ActivityKind, Attendance, Invitation};
pub use circular::{Attachment, Audience, Circular, CircularProgress, Delivery, DeliveryState};
pub use conduct::{Complaint, ComplaintState, ComplaintStep, ConventionSignature, Outcome};
pub use dues::{DuesYear, DuesYearSummary, Payment};
pub use import::{
    ExistingMember, ExportFormat, HeaderLang, ImportContext, ImportMode, ImportOptions,
    ImportOutcome, MemberRow, Preview, ProblemCode, RowProblem,
};
pub use model::{
    CarriedMembership, Category, ContactPerson, Member, Membership, Organisation, Person,
    PersonInput, Succession, SuccessionPlan, ValidPerson,
};
pub use search::{DirectoryEntry, MemberQuery, MemberQueryInput, SortKey, SortOrder};
pub use stats::{Count, Dimension, Indicator, Participation};
pub use status::{Decision, StatusChange, StatusHistory};

/// Serde for [`time::Date`] as `YYYY-MM-DD` (and `dates::option` for `Option<Date>`).
pub mod dates {
    time::serde::format_description!(ymd, Date, "[year]-[month]-[day]");
    pub use ymd::*;
}

/// Why a registry operation refused its input. Each variant has a stable snake_case
/// [`code`](RegistryError::code) the UI translates; the fields say what and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("a membership cannot go from {from} to {to}")]
    IllegalTransition { from: String, to: String },
    #[error("a status change on {date} is earlier than the previous one on {previous}")]
    ChangeBeforePrevious { date: String, previous: String },
    #[error("the file is empty")]
    EmptyFile,
    #[error("the file is {size} bytes, more than the limit of {limit}")]
    FileTooLarge { size: usize, limit: usize },
    #[error("the file is not a table (CSV or XLSX): {reason}")]
    NotTabular { reason: String },
    #[error("the workbook has several sheets ({}); name the one to import", .sheets.join(", "))]
    SeveralSheets { sheets: Vec<String> },
    #[error("the workbook has no sheet named {name}")]
    NoSuchSheet { name: String },
    #[error("the file has {count} problems; nothing was imported")]
    InvalidRows { count: usize },
    #[error("export failed: {reason}")]
    Export { reason: String },
    #[error("{field}: {reason}")]
    InvalidValue { field: String, reason: String },
    #[error("the {kind} state cannot go from {from} to {to}")]
    IllegalState {
        kind: String,
        from: String,
        to: String,
    },
    #[error("{what} {id} is not known here")]
    Unknown { what: String, id: String },
    #[error("the membership graph has a cycle through organisation {org}")]
    NestingCycle { org: i64 },
}

impl RegistryError {
    /// The stable snake_case code the UI translates.
    pub fn code(&self) -> &'static str {
        match self {
            RegistryError::IllegalTransition { .. } => "illegal_transition",
            RegistryError::ChangeBeforePrevious { .. } => "change_before_previous",
            RegistryError::EmptyFile => "empty_file",
            RegistryError::FileTooLarge { .. } => "file_too_large",
            RegistryError::NotTabular { .. } => "not_tabular",
            RegistryError::SeveralSheets { .. } => "several_sheets",
            RegistryError::NoSuchSheet { .. } => "no_such_sheet",
            RegistryError::InvalidRows { .. } => "invalid_rows",
            RegistryError::Export { .. } => "export_failed",
            RegistryError::InvalidValue { .. } => "invalid_value",
            RegistryError::IllegalState { .. } => "illegal_state",
            RegistryError::Unknown { .. } => "unknown",
            RegistryError::NestingCycle { .. } => "nesting_cycle",
        }
    }

    pub(crate) fn invalid(field: &str, reason: &str) -> Self {
        RegistryError::InvalidValue {
            field: field.to_string(),
            reason: reason.to_string(),
        }
    }
}
