//! Governance over HTTP: the JSON API, the pages and the documents they produce (minutes as
//! PDF, meetings as iCalendar).

pub mod api;
pub mod ical;
pub mod minutes_pdf;
pub mod pages;
