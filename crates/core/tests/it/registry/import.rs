//! Reading member lists: encodings, headers, dates, duplicates, sheets, limits.

use federa_core::org::OrgKind;
use federa_core::registry::import::{self, ProblemCode, TEMPLATE_CSV};
use federa_core::registry::{ExistingMember, ImportMode, ImportOptions, Preview, RegistryError};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::{categories, ctx, day};

const HEADER: &str = "单位名称,简称,统一社会信用代码,区县,行业,会员类别,入会日期,代表,电话,邮箱";

fn run(bytes: &[u8]) -> Result<Preview, RegistryError> {
    run_with(bytes, &[], &ImportOptions::default())
}

fn run_with(
    bytes: &[u8],
    existing: &[ExistingMember],
    options: &ImportOptions,
) -> Result<Preview, RegistryError> {
    let cats = categories();
    import::preview(bytes, options, &ctx(&cats, existing))
}

/// The problems as (row, column, code) triples.
fn problems(p: &Preview) -> Vec<(usize, Option<&str>, &'static str)> {
    p.problems
        .iter()
        .map(|x| (x.row, x.column.as_deref(), x.code.as_str()))
        .collect()
}

#[test]
fn the_template_imports_cleanly() {
    let p = run(TEMPLATE_CSV.as_bytes()).unwrap();
    assert!(p.is_clean(), "{:?}", p.problems);
    assert_eq!(p.valid.len(), 1);
    let r = &p.valid[0];
    assert_eq!(r.name, "重庆示例网络科技有限公司");
    assert_eq!(r.kind, OrgKind::Company);
    assert_eq!(r.category, "ordinary_unit");
    assert_eq!(r.joined, day("2017-03-01"));
    assert_eq!(r.founded, Some(day("2015-06-18")));
    assert_eq!(r.row, 2);
}

/// Each case: a CSV body under [`HEADER`] (or a whole file when it starts with `!`), and the
/// problems expected, as (row, column, code).
#[test]
fn row_problems_table() {
    type Case<'a> = (&'a str, &'a str, Vec<(usize, Option<&'a str>, &'a str)>);
    let long = format!(
        "{},,,,,会员单位,2017-03-01,,,\n乙,,91500103MA5U7A2B3X,,,会员单位,2017-03-01,,电话,a@@b\n丙,,12345,,,会员单位,2017-03-01,,,x@y",
        "长".repeat(201)
    );
    let cases: Vec<Case> = vec![
        (
            "valid row",
            "甲公司,甲,,渝中区,软件,会员单位,2017-03-01,张三,023-1234567,a@b.cn",
            vec![],
        ),
        (
            "dates in every accepted form",
            "甲,,,,,会员单位,2017/3/1,,,\n乙,,,,,理事单位,2017年3月1日,,,\n丙,,,,,council unit,20170301,,,\n丁,,,,,ordinary_unit,2017.03.01,,,\n戊,,,,,会员单位,2017-3-1 00:00:00,,,",
            vec![],
        ),
        (
            "bad dates",
            "甲,,,,,会员单位,2017-13-01,,,\n乙,,,,,会员单位,2017-02-30,,,\n丙,,,,,会员单位,01/03/2017,,,\n丁,,,,,会员单位,2030-01-01,,,",
            vec![
                (2, Some("joined"), "invalid_date"),
                (3, Some("joined"), "invalid_date"),
                (4, Some("joined"), "invalid_date"),
                (5, Some("joined"), "date_in_future"),
            ],
        ),
        (
            "required fields empty and unknown category",
            " ,,,,,会员单位,2017-03-01,,,\n乙,,,,,,,,,\n丙,,,,,常务理事单位,2017-03-01,,,",
            vec![
                (2, Some("name"), "required"),
                (3, Some("category"), "required"),
                (3, Some("joined"), "required"),
                (4, Some("category"), "unknown_category"),
            ],
        ),
        (
            "over-long field, bad registration number, phone, email",
            &long,
            vec![
                (2, Some("name"), "too_long"),
                (
                    3,
                    Some("registration_number"),
                    "invalid_registration_number",
                ),
                (3, Some("phone"), "invalid_phone"),
                (3, Some("email"), "invalid_email"),
                (
                    4,
                    Some("registration_number"),
                    "invalid_registration_number",
                ),
                (4, Some("email"), "invalid_email"),
            ],
        ),
        (
            "duplicates within the file by name (spaces and full-width ignored) and number",
            "甲公司ＡＢ,,91500103MA5U7A2B3U,,,会员单位,2017-03-01,,,\n甲公司 ab,,,,,会员单位,2017-03-01,,,\n乙,,91500103ma5u7a2b3u,,,会员单位,2017-03-01,,,",
            vec![
                (3, Some("name"), "duplicate_in_file"),
                (4, Some("registration_number"), "duplicate_in_file"),
            ],
        ),
        (
            "more cells than columns",
            "甲,,,,,会员单位,2017-03-01,,,,多余",
            vec![(2, None, "extra_cells")],
        ),
        (
            "!wrong header",
            "!公司,日期\n甲,2017-03-01",
            vec![(1, None, "wrong_header")],
        ),
        (
            "!unknown and missing columns",
            "!单位名称,会员类别,备注\n甲,会员单位,x",
            vec![
                (1, Some("备注"), "unknown_column"),
                (1, Some("joined"), "missing_column"),
            ],
        ),
        (
            "!duplicate column, English headers, required marks, blank lines skipped",
            "!Name*,Category,Joined,name\n\n甲,council unit,2017-03-01,乙\n",
            vec![(1, Some("name"), "duplicate_column")],
        ),
        (
            "!a quoted field over two lines keeps the file's row numbers",
            "!单位名称,会员类别,入会日期\n\"甲\n公司\",会员单位,2017-03-01\n乙,会员单位,bad",
            vec![(4, Some("joined"), "invalid_date")],
        ),
    ];
    for (name, body, expected) in cases {
        let file = match body.strip_prefix('!') {
            Some(whole) => whole.to_string(),
            None => format!("{HEADER}\n{body}\n"),
        };
        let p = run(file.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(problems(&p), expected, "{name}");
        let bad_rows: std::collections::BTreeSet<usize> = p
            .problems
            .iter()
            .filter(|x| x.row > 1)
            .map(|x| x.row)
            .collect();
        if p.problems.iter().all(|x| x.row > 1) {
            assert_eq!(p.invalid_rows, bad_rows.len(), "{name}");
            assert_eq!(p.valid.len() + p.invalid_rows, p.rows_read, "{name}");
        }
    }
}

#[test]
fn duplicates_against_existing_members() {
    let existing = vec![
        ExistingMember {
            name: "重庆甲网络科技有限公司".into(),
            registration_number: None,
        },
        ExistingMember {
            name: "别的名字".into(),
            registration_number: Some("91500103MA5U7A2B3U".into()),
        },
    ];
    let file = format!(
        "{HEADER}\n重庆甲网络科技有限公司,,,,,会员单位,2017-03-01,,,\n乙,,91500103MA5U7A2B3U,,,会员单位,2017-03-01,,,\n丙,,,,,会员单位,2017-03-01,,,\n"
    );
    let p = run_with(file.as_bytes(), &existing, &ImportOptions::default()).unwrap();
    assert_eq!(
        problems(&p),
        vec![
            (2, Some("name"), "duplicate_existing"),
            (3, Some("registration_number"), "duplicate_existing"),
        ]
    );
    assert_eq!(p.valid.len(), 1);

    // The modes: all-or-nothing refuses the file, valid-rows-only keeps row 4.
    let err = p.clone().outcome(ImportMode::AllOrNothing).unwrap_err();
    assert_eq!(err.code(), "invalid_rows");
    let out = p.outcome(ImportMode::ValidRowsOnly).unwrap();
    assert_eq!(out.rows.len(), 1);
    assert_eq!(out.rows[0].name, "丙");
    assert_eq!(out.skipped_rows, 2);
}

#[test]
fn gbk_and_other_encodings_are_decoded() {
    let text = format!(
        "{HEADER}\n重庆市渝中区某某信息技术有限公司,某某,,渝中区,软件和信息技术服务业,理事单位,2017年3月1日,王五,,\n"
    );
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "the sample must not be UTF-8"
    );
    let (gb18030, _, _) = encoding_rs::GB18030.encode(&text);
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(text.as_bytes());
    let (utf16, _, _) = encoding_rs::UTF_16LE.encode(&text);
    let mut utf16_bom = vec![0xFF, 0xFE];
    // encoding_rs encodes UTF-16 as UTF-8 (the WHATWG rule), so build UTF-16LE by hand.
    let _ = utf16;
    for u in text.encode_utf16() {
        utf16_bom.extend_from_slice(&u.to_le_bytes());
    }
    for (name, bytes) in [
        ("gbk", gbk.to_vec()),
        ("gb18030", gb18030.to_vec()),
        ("utf-8 with bom", bom),
        ("utf-8", text.as_bytes().to_vec()),
        ("utf-16le with bom", utf16_bom),
    ] {
        let p = run(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(p.is_clean(), "{name}: {:?}", p.problems);
        assert_eq!(
            p.valid[0].name, "重庆市渝中区某某信息技术有限公司",
            "{name}"
        );
        assert_eq!(p.valid[0].district.as_deref(), Some("渝中区"), "{name}");
        assert_eq!(p.valid[0].category, "council_unit", "{name}");
    }
    // Semicolon- and tab-separated files are read too.
    for sep in [";", "\t"] {
        let p = run(text.replace(',', sep).as_bytes()).unwrap();
        assert!(p.is_clean(), "{sep:?}: {:?}", p.problems);
    }
}

#[test]
fn file_level_errors() {
    let small = ImportOptions {
        sheet: None,
        max_bytes: 100,
    };
    let over = vec![b'a'; import::MAX_FILE_BYTES + 1];
    let mut zip_garbage = b"PK\x03\x04".to_vec();
    zip_garbage.extend_from_slice(&[7; 64]);
    let cases: Vec<(&str, Vec<u8>, ImportOptions, &str)> = vec![
        ("empty", vec![], ImportOptions::default(), "empty_file"),
        (
            "whitespace",
            b" \n\r\n ".to_vec(),
            ImportOptions::default(),
            "empty_file",
        ),
        (
            "header only",
            format!("{HEADER}\n").into_bytes(),
            ImportOptions::default(),
            "empty_file",
        ),
        (
            "over 50 MB",
            over,
            ImportOptions::default(),
            "file_too_large",
        ),
        (
            "over a set limit",
            TEMPLATE_CSV.repeat(3).into_bytes(),
            small,
            "file_too_large",
        ),
        (
            "pdf",
            b"%PDF-1.7\n...".to_vec(),
            ImportOptions::default(),
            "not_tabular",
        ),
        (
            "binary",
            vec![0, 1, 2, 3, 255, 0, 9],
            ImportOptions::default(),
            "not_tabular",
        ),
        (
            "old xls",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1],
            ImportOptions::default(),
            "not_tabular",
        ),
        (
            "broken zip",
            zip_garbage,
            ImportOptions::default(),
            "not_tabular",
        ),
        (
            "neither utf-8 nor gbk",
            vec![b'a', b',', 0x81, 0x20, b'\n'],
            ImportOptions::default(),
            "not_tabular",
        ),
    ];
    for (name, bytes, options, code) in cases {
        let err = run_with(&bytes, &[], &options).unwrap_err();
        assert_eq!(err.code(), code, "{name}: {err}");
    }
}

fn workbook(sheets: &[&str], rows: &[[&str; 3]]) -> Vec<u8> {
    let mut book = Workbook::new();
    for name in sheets {
        let s = book.add_worksheet();
        s.set_name(*name).unwrap();
        for (c, h) in ["单位名称", "会员类别", "入会日期"].iter().enumerate() {
            s.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                s.write_string(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn xlsx_sheets() {
    let rows = [
        ["甲", "会员单位", "2017-03-01"],
        ["乙", "理事单位", "2017/3/32"],
    ];
    let one = workbook(&["会员"], &rows);
    let p = run(&one).unwrap();
    assert_eq!(problems(&p), vec![(3, Some("joined"), "invalid_date")]);
    assert_eq!(p.valid[0].name, "甲");

    let several = workbook(&["2023", "2024"], &rows);
    let err = run(&several).unwrap_err();
    assert_eq!(err.code(), "several_sheets");
    assert!(err.to_string().contains("2023, 2024"), "{err}");
    let named = ImportOptions {
        sheet: Some("2024".into()),
        ..ImportOptions::default()
    };
    assert_eq!(run_with(&several, &[], &named).unwrap().valid.len(), 1);
    let missing = ImportOptions {
        sheet: Some("2025".into()),
        ..ImportOptions::default()
    };
    assert_eq!(
        run_with(&several, &[], &missing).unwrap_err().code(),
        "no_such_sheet"
    );
}

#[test]
fn xlsx_date_and_number_cells() {
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, h) in ["单位名称", "会员类别", "入会日期", "电话", "成立日期"]
        .iter()
        .enumerate()
    {
        s.write_string(2, c as u16 + 1, *h).unwrap();
    }
    s.write_string(3, 1, "甲").unwrap();
    s.write_string(3, 2, "会员单位").unwrap();
    s.write_datetime_with_format(3, 3, ExcelDateTime::from_ymd(2017, 3, 1).unwrap(), &date)
        .unwrap();
    s.write_number(3, 4, 13800138000.0).unwrap();
    s.write_datetime_with_format(3, 5, ExcelDateTime::from_ymd(1900, 1, 15).unwrap(), &date)
        .unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let p = run(&bytes).unwrap();
    assert!(p.is_clean(), "{:?}", p.problems);
    let r = &p.valid[0];
    // The header sits on the sheet's row 3 and the data on row 4, as the user sees them.
    assert_eq!(r.row, 4);
    assert_eq!(r.joined, day("2017-03-01"));
    assert_eq!(r.founded, Some(day("1900-01-15")));
    assert_eq!(r.phone.as_deref(), Some("13800138000"));
}

#[test]
fn excel_serial_dates() {
    for (serial, date) in [
        (1.0, "1900-01-01"),
        (59.0, "1900-02-28"),
        (61.0, "1900-03-01"),
        (42795.0, "2017-03-01"),
        (45658.75, "2025-01-01"),
    ] {
        assert_eq!(
            import::excel_serial_date(serial),
            Some(day(date)),
            "{serial}"
        );
    }
    assert_eq!(import::excel_serial_date(0.0), None);
}

#[test]
fn problem_codes_are_snake_case_and_render() {
    let file = format!("{HEADER}\n甲,,,,,会员单位,2017-13-01,,,\n");
    let p = run(file.as_bytes()).unwrap();
    assert_eq!(
        p.problems[0].to_string(),
        "row 2, column joined: invalid_date (2017-13-01)"
    );
    let json = serde_json::to_string(&p.problems[0]).unwrap();
    assert!(json.contains("\"code\":\"invalid_date\""), "{json}");
    assert_eq!(
        serde_json::to_string(&ProblemCode::DuplicateExisting).unwrap(),
        "\"duplicate_existing\""
    );
}

#[test]
fn reading_then_validating_equals_the_streaming_preview() {
    let cats = categories();
    let existing = [ExistingMember {
        name: "丙".into(),
        registration_number: None,
    }];
    let file = format!(
        "{HEADER},备注\n甲,,,,,会员单位,2017-03-01,,,,\n甲,,,,,会员单位,bad,,,,\n丙,,,,,x,2017-03-01,,,,\n\n丁,,,,,理事单位,2017-03-01,,,,"
    );
    let options = ImportOptions::default();
    let streamed = import::preview(file.as_bytes(), &options, &ctx(&cats, &existing)).unwrap();
    let table = import::read_table(file.as_bytes(), &options).unwrap();
    assert_eq!(table.rows.len(), 4);
    assert_eq!(
        import::validate_table(&table, &ctx(&cats, &existing)),
        streamed
    );
    assert_eq!(
        (
            streamed.rows_read,
            streamed.valid.len(),
            streamed.invalid_rows
        ),
        (4, 2, 2)
    );
}
