//! Governance over HTTP: the JSON API, the pages and the documents they produce (minutes as
//! PDF, meetings as iCalendar); `prepare` holds the steps of preparing a meeting that both
//! the API and the pages take.

pub mod api;
pub mod ical;
pub mod minutes_pdf;
pub mod pages;
pub mod prepare;
