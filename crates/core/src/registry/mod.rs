//! The member registry: organisations, people, memberships, status history, dues, import rows, statistics.
