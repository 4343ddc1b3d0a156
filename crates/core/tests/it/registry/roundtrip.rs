//! Export then import gives the same rows back, in CSV and XLSX, in both header languages.

use std::collections::HashSet;

use federa_core::org::OrgKind;
use federa_core::registry::import::{self, HeaderLang, name_key};
use federa_core::registry::model::registration_number_with_check;
use federa_core::registry::{ExportFormat, ImportOptions, MemberRow};
use proptest::prelude::*;
use time::{Date, Duration};

use super::{categories, ctx};

/// Text that survives a file: no control characters, no surrounding spaces (import trims),
/// but commas, quotes, semicolons and inner spaces that CSV must quote.
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[a-zA-Z0-9\\p{{Han}},;\"' ]{{1,{max}}}"))
        .unwrap()
        .prop_map(|s| s.trim().to_string())
        .prop_filter("non-empty after trimming", |s| !s.is_empty())
}

fn opt(max: usize) -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text(max))
}

fn date() -> impl Strategy<Value = Date> {
    let base = Date::from_calendar_date(1990, time::Month::January, 1).unwrap();
    (0i64..13_000).prop_map(move |d| base + Duration::days(d))
}

fn row() -> impl Strategy<Value = MemberRow> {
    (
        (
            text(40),
            opt(20),
            0usize..7,
            proptest::option::of("[0-9A-HJ-NP-RTUW-Y]{17}"),
        ),
        (
            opt(20),
            opt(20),
            0usize..3,
            date(),
            proptest::option::of(date()),
        ),
        (
            opt(10),
            proptest::option::of("[0-9]{3,4}-[0-9]{7,8}"),
            proptest::option::of("[a-z]{1,8}@[a-z]{1,8}\\.cn"),
        ),
    )
        .prop_map(
            |(
                (name, short_name, kind, reg),
                (district, sector, cat, joined, founded),
                (representative, phone, email),
            )| {
                MemberRow {
                    row: 0,
                    name,
                    short_name,
                    kind: OrgKind::ALL[kind],
                    registration_number: reg.and_then(|r| registration_number_with_check(&r)),
                    district,
                    sector,
                    category: categories()[cat].key.clone(),
                    joined,
                    founded,
                    representative,
                    phone,
                    email,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn export_then_import_round_trips(rows in proptest::collection::vec(row(), 1..30), xlsx: bool, en: bool) {
        // The importer refuses duplicates, so keep each name and number once.
        let mut names = HashSet::new();
        let mut regs = HashSet::new();
        let rows: Vec<MemberRow> = rows
            .into_iter()
            .filter(|r| names.insert(name_key(&r.name)))
            .filter(|r| r.registration_number.as_ref().is_none_or(|n| regs.insert(n.clone())))
            .collect();
        let cats = categories();
        let format = if xlsx { ExportFormat::Xlsx } else { ExportFormat::Csv };
        let lang = if en { HeaderLang::En } else { HeaderLang::Zh };
        let bytes = import::export(&rows, &cats, format, lang).unwrap();
        let p = import::preview(&bytes, &ImportOptions::default(), &ctx(&cats, &[])).unwrap();
        prop_assert!(p.is_clean(), "{:?}", p.problems);
        let back: Vec<MemberRow> = p.valid.into_iter().map(|r| MemberRow { row: 0, ..r }).collect();
        prop_assert_eq!(back, rows);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    /// Whatever the bytes, the importer answers with a preview or an error, never a panic,
    /// and a preview accounts for every row.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let cats = categories();
        if let Ok(p) = import::preview(&bytes, &ImportOptions::default(), &ctx(&cats, &[])) {
            prop_assert_eq!(p.valid.len() + p.invalid_rows, p.rows_read);
        }
    }

    /// Text made of template headers, cells and separators, the likeliest near-misses.
    #[test]
    fn csv_like_text_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("单位名称".to_string()), Just("会员类别".to_string()),
                Just("入会日期".to_string()), Just("统一社会信用代码".to_string()),
                Just(",".to_string()), Just("\n".to_string()), Just("\"".to_string()),
                Just("2017年3月1日".to_string()), Just("会员单位".to_string()),
                "[a-z0-9 年月日/.-]{0,6}",
            ],
            0..80,
        )
    ) {
        let cats = categories();
        let text: String = parts.concat();
        if let Ok(p) = import::preview(text.as_bytes(), &ImportOptions::default(), &ctx(&cats, &[])) {
            prop_assert_eq!(p.valid.len() + p.invalid_rows, p.rows_read);
        }
    }
}
