//! The member registry: import and export, the status state machine, dues, succession,
//! search, statistics, activities, circulars and self-regulation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod import;
mod roundtrip;
mod rules;

use federa_core::registry::{Category, ExistingMember, ImportContext};
use time::Date;

pub fn day(s: &str) -> Date {
    federa_core::org::parse_date(s).unwrap()
}

pub fn categories() -> Vec<Category> {
    let c = |key: &str, name: &str, en: &str, rank, dues| Category {
        key: key.into(),
        name: name.into(),
        name_en: Some(en.into()),
        rank,
        annual_dues_fen: dues,
    };
    vec![
        c(
            "vice_president_unit",
            "副会长单位",
            "vice-president unit",
            1,
            5_000_000,
        ),
        c("council_unit", "理事单位", "council unit", 2, 1_000_000),
        c("ordinary_unit", "会员单位", "ordinary unit", 3, 200_000),
    ]
}

pub fn ctx<'a>(cats: &'a [Category], existing: &'a [ExistingMember]) -> ImportContext<'a> {
    ImportContext {
        categories: cats,
        existing,
        today: day("2026-11-28"),
    }
}
