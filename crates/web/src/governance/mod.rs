//! Governance over HTTP: the pages and the documents they produce (minutes as
//! PDF, meetings as iCalendar).

pub mod ical;
pub mod minutes_pdf;
pub mod pages;
