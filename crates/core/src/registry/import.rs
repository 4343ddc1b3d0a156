#![doc = include_str!("IMPORT.md")]

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use super::RegistryError;
use super::model::{Category, check_registration_number};
use crate::org::{OrgKind, format_date};

/// Largest file accepted, in bytes (checked before anything is read).
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;

/// The template to download: the header and one example row.
pub const TEMPLATE_CSV: &str = "\u{feff}单位名称,简称,类型,统一社会信用代码,区县,行业,会员类别,入会日期,成立日期,代表,电话,邮箱\n\
重庆示例网络科技有限公司,示例科技,企业,91500103MA5U7A2B3U,渝中区,软件和信息技术服务业,会员单位,2017-03-01,2015-06-18,张三,023-63000000,contact@example.cn\n";

/// One column of the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The canonical (English) name, also the field of [`MemberRow`].
    pub key: &'static str,
    /// The Chinese header written on export.
    pub zh: &'static str,
    /// Other accepted headers.
    pub aliases: &'static [&'static str],
    pub required: bool,
    /// Most characters.
    pub max_chars: usize,
}

const fn col(
    key: &'static str,
    zh: &'static str,
    aliases: &'static [&'static str],
    required: bool,
    max_chars: usize,
) -> Column {
    Column {
        key,
        zh,
        aliases,
        required,
        max_chars,
    }
}

/// Every column of the template, in template order.
pub const COLUMNS: [Column; 12] = [
    col(
        "name",
        "单位名称",
        &[
            "名称",
            "会员单位",
            "unit name",
            "organisation",
            "organization",
        ],
        true,
        200,
    ),
    col("short_name", "简称", &["单位简称", "short name"], false, 60),
    col("kind", "类型", &["单位类型", "type"], false, 20),
    col(
        "registration_number",
        "统一社会信用代码",
        &["信用代码", "社会信用代码", "registration number", "uscc"],
        false,
        18,
    ),
    col(
        "district",
        "区县",
        &["所在区县", "地区", "区域"],
        false,
        200,
    ),
    col("sector", "行业", &["所属行业", "industry"], false, 200),
    col("category", "会员类别", &["类别", "会员类型"], true, 200),
    col(
        "joined",
        "入会日期",
        &["入会时间", "join date", "joined on"],
        true,
        40,
    ),
    col(
        "founded",
        "成立日期",
        &["成立时间", "founded on"],
        false,
        40,
    ),
    col(
        "representative",
        "代表",
        &["会员代表", "单位代表"],
        false,
        60,
    ),
    col(
        "phone",
        "电话",
        &["联系电话", "telephone", "tel"],
        false,
        40,
    ),
    col("email", "邮箱", &["电子邮箱", "e-mail", "mail"], false, 254),
];

const NAME: usize = 0;
const SHORT: usize = 1;
const KIND: usize = 2;
const REGNO: usize = 3;
const DISTRICT: usize = 4;
const SECTOR: usize = 5;
const CATEGORY: usize = 6;
const JOINED: usize = 7;
const FOUNDED: usize = 8;
const REPR: usize = 9;
const PHONE: usize = 10;
const EMAIL: usize = 11;

/// A reason a row or the header is not acceptable. Serialised as a stable snake_case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// No header cell names a template column: the first row is not a header.
    WrongHeader,
    UnknownColumn,
    DuplicateColumn,
    MissingColumn,
    Required,
    TooLong,
    InvalidDate,
    DateInFuture,
    UnknownCategory,
    UnknownKind,
    InvalidRegistrationNumber,
    InvalidPhone,
    InvalidEmail,
    /// More cells than header columns.
    ExtraCells,
    DuplicateInFile,
    DuplicateExisting,
}

impl ProblemCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::WrongHeader => "wrong_header",
            ProblemCode::UnknownColumn => "unknown_column",
            ProblemCode::DuplicateColumn => "duplicate_column",
            ProblemCode::MissingColumn => "missing_column",
            ProblemCode::Required => "required",
            ProblemCode::TooLong => "too_long",
            ProblemCode::InvalidDate => "invalid_date",
            ProblemCode::DateInFuture => "date_in_future",
            ProblemCode::UnknownCategory => "unknown_category",
            ProblemCode::UnknownKind => "unknown_kind",
            ProblemCode::InvalidRegistrationNumber => "invalid_registration_number",
            ProblemCode::InvalidPhone => "invalid_phone",
            ProblemCode::InvalidEmail => "invalid_email",
            ProblemCode::ExtraCells => "extra_cells",
            ProblemCode::DuplicateInFile => "duplicate_in_file",
            ProblemCode::DuplicateExisting => "duplicate_existing",
        }
    }
}

/// One problem: where and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowProblem {
    /// The row as the spreadsheet numbers it (1 = first line of the file).
    pub row: usize,
    /// The column's canonical key, or the header text as written for an unknown column.
    pub column: Option<String>,
    pub code: ProblemCode,
    /// The offending value, the limit, or the row of the earlier duplicate.
    pub detail: Option<String>,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}", self.row)?;
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
        }
        write!(f, ": {}", self.code.as_str())?;
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

/// A valid member-unit row, ready for the store; also the row type of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    /// The file row it came from (0 for rows built elsewhere, e.g. for export).
    pub row: usize,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: OrgKind,
    pub registration_number: Option<String>,
    pub district: Option<String>,
    pub sector: Option<String>,
    /// The [`Category::key`].
    pub category: String,
    #[serde(with = "super::dates")]
    pub joined: Date,
    #[serde(with = "super::dates::option", default)]
    pub founded: Option<Date>,
    pub representative: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// An organisation's current member, for duplicate detection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExistingMember {
    pub name: String,
    pub registration_number: Option<String>,
}

/// What an import is checked against.
#[derive(Debug, Clone, Copy)]
pub struct ImportContext<'a> {
    pub categories: &'a [Category],
    pub existing: &'a [ExistingMember],
    pub today: Date,
}

/// How to read the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// The sheet of a workbook to read; required when it has several.
    pub sheet: Option<String>,
    pub max_bytes: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            sheet: None,
            max_bytes: MAX_FILE_BYTES,
        }
    }
}

/// Whether a file with problems imports nothing or its valid rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    AllOrNothing,
    ValidRowsOnly,
}

/// The result of reading and checking a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    /// Data rows read (blank rows are not counted).
    pub rows_read: usize,
    pub valid: Vec<MemberRow>,
    /// Every problem, in file order.
    pub problems: Vec<RowProblem>,
    /// Data rows with at least one problem (all of them if a required column is missing).
    pub invalid_rows: usize,
}

/// What to store after a preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub rows: Vec<MemberRow>,
    pub skipped_rows: usize,
    pub problems: Vec<RowProblem>,
}

impl Preview {
    /// No problem at all.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// Applies the mode: all-or-nothing refuses a file with any problem.
    pub fn outcome(self, mode: ImportMode) -> Result<ImportOutcome, RegistryError> {
        if mode == ImportMode::AllOrNothing && !self.problems.is_empty() {
            return Err(RegistryError::InvalidRows {
                count: self.problems.len(),
            });
        }
        Ok(ImportOutcome {
            skipped_rows: self.rows_read - self.valid.len(),
            rows: self.valid,
            problems: self.problems,
        })
    }
}

/// A table read from a file: the header and the data rows with their file row numbers.
/// Rows are kept as [`csv::StringRecord`]s (a few allocations a row rather than one a cell).
/// [`preview`] does not build one for CSV: it checks each record as it is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub header_row: usize,
    pub header: Vec<String>,
    pub rows: Vec<(usize, csv::StringRecord)>,
}

/// Reads and checks a member list (CSV or XLSX, told apart by content).
pub fn preview(
    bytes: &[u8],
    options: &ImportOptions,
    ctx: &ImportContext<'_>,
) -> Result<Preview, RegistryError> {
    if is_workbook(check_size(bytes, options)?) {
        let table = read_table(bytes, options)?;
        return Ok(validate_table(&table, ctx));
    }
    // CSV is checked while it is read: no row is held beyond its own check.
    let mut checker: Option<Checker<'_>> = None;
    // About 100 bytes a row; capped so that a large file of bad rows reserves little.
    let hint = (bytes.len() / 100).min(1 << 17);
    for_each_csv_record(bytes, |line, record| match &mut checker {
        Some(c) => c.row(line, record),
        None => {
            let header: Vec<String> = record.iter().map(str::to_string).collect();
            checker = Some(Checker::new(&header, line, *ctx, hint));
        }
    })?;
    match checker {
        Some(c) if c.rows_read > 0 => Ok(c.finish()),
        _ => Err(RegistryError::EmptyFile),
    }
}

fn check_size<'b>(bytes: &'b [u8], options: &ImportOptions) -> Result<&'b [u8], RegistryError> {
    if bytes.len() > options.max_bytes {
        return Err(RegistryError::FileTooLarge {
            size: bytes.len(),
            limit: options.max_bytes,
        });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(RegistryError::EmptyFile);
    }
    Ok(bytes)
}

fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Reads a file into a [`Table`] after the file-level checks.
pub fn read_table(bytes: &[u8], options: &ImportOptions) -> Result<Table, RegistryError> {
    let table = if is_workbook(check_size(bytes, options)?) {
        read_xlsx(bytes, options.sheet.as_deref())?
    } else {
        let mut table = Table::default();
        for_each_csv_record(bytes, |line, record| {
            if table.header.is_empty() {
                table.header_row = line;
                table.header = record.iter().map(str::to_string).collect();
            } else {
                table.rows.push((line, record.clone()));
            }
        })?;
        table
    };
    // A header without data rows (the template's header alone) has nothing to import.
    if table.header.is_empty() || table.rows.is_empty() {
        return Err(RegistryError::EmptyFile);
    }
    Ok(table)
}

fn not_tabular(reason: impl Into<String>) -> RegistryError {
    RegistryError::NotTabular {
        reason: reason.into(),
    }
}

/// Decodes CSV bytes: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030 (a superset of GBK).
pub fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, RegistryError> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(not_tabular(format!("not valid {} text", enc.name())));
        }
        return Ok(text);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(s));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(not_tabular("text is neither UTF-8 nor GBK/GB18030"));
    }
    Ok(text)
}

/// Calls `f` with every non-blank record of a CSV file and the line it starts on.
fn for_each_csv_record(
    bytes: &[u8],
    mut f: impl FnMut(usize, &csv::StringRecord),
) -> Result<(), RegistryError> {
    let head = &bytes[..bytes.len().min(8192)];
    let utf16 = matches!(
        encoding_rs::Encoding::for_bom(bytes),
        Some((e, _)) if e != encoding_rs::UTF_8
    );
    if !utf16 {
        if head.starts_with(b"%PDF") {
            return Err(not_tabular("a PDF document"));
        }
        if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return Err(not_tabular("an old .xls workbook; save it as .xlsx or CSV"));
        }
        if head.contains(&0) {
            return Err(not_tabular("binary data"));
        }
    }
    let text = decode_text(bytes)?;
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| first_line.bytes().filter(|&b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(not_tabular(e.to_string())),
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        f(record.position().map_or(0, |p| p.line() as usize), &record);
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8], sheet: Option<&str>) -> Result<Table, RegistryError> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| not_tabular(format!("not a readable workbook: {e}")))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => {
            if !names.iter().any(|n| n == s) {
                return Err(RegistryError::NoSuchSheet {
                    name: s.to_string(),
                });
            }
            s.to_string()
        }
        None => match names.as_slice() {
            [one] => one.clone(),
            [] => return Err(RegistryError::EmptyFile),
            _ => return Err(RegistryError::SeveralSheets { sheets: names }),
        },
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| not_tabular(format!("sheet {name}: {e}")))?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let mut table = Table::default();
    for (i, row) in range.rows().enumerate() {
        let mut cells: Vec<String> = vec![String::new(); first_col];
        cells.extend(row.iter().map(cell_text));
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        while cells.last().is_some_and(|c| c.is_empty()) {
            cells.pop();
        }
        let line = first_row + i + 1;
        if table.header.is_empty() {
            table.header_row = line;
            table.header = cells;
        } else {
            table.rows.push((line, csv::StringRecord::from(cells)));
        }
    }
    Ok(table)
}

fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            excel_serial_date(d.as_f64()).map_or_else(|| d.to_string(), format_date)
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The calendar date of an Excel serial day number (1900 system, with its phantom
/// 29 February 1900: serials from 61 count from 1899-12-30).
pub fn excel_serial_date(serial: f64) -> Option<Date> {
    let days = serial.floor() as i64;
    if !(1..=2_958_465).contains(&days) {
        return None;
    }
    let base = Date::from_calendar_date(1899, Month::December, 30).ok()?;
    let days = if days < 61 { days + 1 } else { days };
    base.checked_add(time::Duration::days(days))
}

/// Parses a date in any accepted form (see the module doc).
pub fn parse_flexible_date(s: &str) -> Option<Date> {
    let s = s.trim();
    // A time part after the date (`2017-03-01 00:00:00`, `2017-03-01T00:00:00`) is ignored.
    let s = s.split([' ', 'T']).next().unwrap_or(s);
    let (y, m, d) = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        (&s[0..4], &s[4..6], &s[6..8])
    } else {
        let s = s.strip_suffix('日').unwrap_or(s);
        let mut parts = s.split(['-', '/', '.', '年', '月']);
        let y = parts.next()?;
        let m = parts.next()?;
        let d = parts.next()?;
        if parts.next().is_some() {
            return None;
        }
        (y, m, d)
    };
    let digits = |p: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(y, 4, 4) || !digits(m, 1, 2) || !digits(d, 1, 2) {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

fn normalise_header(h: &str) -> String {
    let h = h.trim().trim_start_matches('\u{feff}');
    let h = h.trim_end_matches(['*', '＊']).trim();
    let mut out = String::with_capacity(h.len());
    let mut space = false;
    for c in h.chars() {
        let c = if matches!(c, '_' | '-') { ' ' } else { c };
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn column_for(header: &str) -> Option<usize> {
    let h = normalise_header(header);
    COLUMNS.iter().position(|c| {
        normalise_header(c.key) == h
            || c.zh == h
            || c.aliases.iter().any(|a| normalise_header(a) == h)
    })
}

/// A name normalised for duplicate detection: full-width ASCII folded to half-width,
/// whitespace removed, ASCII lower-cased.
pub fn name_key(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0),
            '\u{3000}' => None,
            c if c.is_whitespace() => None,
            c => Some(c),
        })
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn parse_kind(s: &str) -> Option<OrgKind> {
    let t = s.trim();
    if t.is_empty() {
        return Some(OrgKind::Company);
    }
    OrgKind::parse(&t.to_ascii_lowercase()).or(match t {
        "联合会" => Some(OrgKind::Federation),
        "协会" | "学会" | "商会" | "社会组织" => Some(OrgKind::Association),
        "企业" | "公司" => Some(OrgKind::Company),
        "高校" | "大学" | "学校" => Some(OrgKind::University),
        "科研院所" | "研究院" | "研究所" => Some(OrgKind::Institute),
        "政府" | "机关" | "事业单位" => Some(OrgKind::Government),
        "其他" => Some(OrgKind::Other),
        _ => None,
    })
}

fn kind_zh(k: OrgKind) -> &'static str {
    match k {
        OrgKind::Federation => "联合会",
        OrgKind::Association => "协会",
        OrgKind::Company => "企业",
        OrgKind::University => "高校",
        OrgKind::Institute => "科研院所",
        OrgKind::Government => "政府",
        OrgKind::Other => "其他",
    }
}

/// Digits with spaces, `+ - ( )` and extension marks.
pub fn valid_phone(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit())
        && s.chars().all(|c| {
            c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '转' | ',' | '/')
        })
}

/// One `@`, a dotted domain, no spaces.
pub fn valid_email(s: &str) -> bool {
    let mut parts = s.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
        }
        _ => false,
    }
}

/// Validates a table read from a file.
pub fn validate_table(table: &Table, ctx: &ImportContext<'_>) -> Preview {
    let mut checker = Checker::new(&table.header, table.header_row, *ctx, table.rows.len());
    for (row, cells) in &table.rows {
        checker.row(*row, cells);
    }
    checker.finish()
}

/// Checks rows one at a time against the header and the context, so that a CSV file is
/// validated while it is read, without holding every row.
struct Checker<'a> {
    ctx: ImportContext<'a>,
    map: [Option<usize>; COLUMNS.len()],
    width: usize,
    /// The header is wrong or lacks a required column: every row is invalid.
    fatal: bool,
    problems: Vec<RowProblem>,
    valid: Vec<MemberRow>,
    rows_read: usize,
    invalid_rows: usize,
    existing_names: HashSet<String>,
    existing_regnos: HashSet<String>,
    seen_names: HashMap<String, usize>,
    seen_regnos: HashMap<String, usize>,
}

impl<'a> Checker<'a> {
    fn new(header: &[String], header_row: usize, ctx: ImportContext<'a>, rows_hint: usize) -> Self {
        let mut problems = Vec::new();
        let mut map: [Option<usize>; COLUMNS.len()] = [None; COLUMNS.len()];
        let mut known = 0;
        for (i, h) in header.iter().enumerate() {
            if h.trim().is_empty() {
                continue;
            }
            match column_for(h) {
                Some(c) if map[c].is_some() => problems.push(RowProblem {
                    row: header_row,
                    column: Some(COLUMNS[c].key.into()),
                    code: ProblemCode::DuplicateColumn,
                    detail: Some(h.trim().into()),
                }),
                Some(c) => {
                    map[c] = Some(i);
                    known += 1;
                }
                None => problems.push(RowProblem {
                    row: header_row,
                    column: Some(h.trim().into()),
                    code: ProblemCode::UnknownColumn,
                    detail: None,
                }),
            }
        }
        let mut fatal = false;
        if known == 0 {
            // Not a header at all: one problem says so rather than one per cell.
            fatal = true;
            problems = vec![RowProblem {
                row: header_row,
                column: None,
                code: ProblemCode::WrongHeader,
                detail: Some(header.join(",").chars().take(200).collect()),
            }];
        } else {
            for (c, column) in COLUMNS.iter().enumerate() {
                if column.required && map[c].is_none() {
                    fatal = true;
                    problems.push(RowProblem {
                        row: header_row,
                        column: Some(column.key.into()),
                        code: ProblemCode::MissingColumn,
                        detail: Some(column.zh.into()),
                    });
                }
            }
        }
        let existing_names = ctx.existing.iter().map(|e| name_key(&e.name)).collect();
        let existing_regnos = ctx
            .existing
            .iter()
            .filter_map(|e| e.registration_number.as_ref())
            .map(|r| r.trim().to_ascii_uppercase())
            .collect();
        let hint = if fatal { 0 } else { rows_hint };
        Checker {
            ctx,
            map,
            width: header.len(),
            fatal,
            problems,
            valid: Vec::with_capacity(hint),
            rows_read: 0,
            invalid_rows: 0,
            existing_names,
            existing_regnos,
            seen_names: HashMap::with_capacity(hint),
            seen_regnos: HashMap::with_capacity(hint),
        }
    }

    fn row(&mut self, row: usize, cells: &csv::StringRecord) {
        self.rows_read += 1;
        if self.fatal {
            self.invalid_rows += 1;
            return;
        }
        let Checker {
            ctx,
            map,
            width,
            problems,
            valid,
            invalid_rows,
            existing_names,
            existing_regnos,
            seen_names,
            seen_regnos,
            ..
        } = self;
        let before = problems.len();
        let mut problem = |c: usize, code: ProblemCode, detail: Option<String>| {
            problems.push(RowProblem {
                row,
                column: Some(COLUMNS[c].key.into()),
                code,
                detail,
            })
        };
        let cell =
            |c: usize| -> &str { map[c].and_then(|i| cells.get(i)).map_or("", |s| s.trim()) };
        let mut text = |c: usize| -> Option<String> {
            let v = cell(c);
            if v.is_empty() {
                if COLUMNS[c].required {
                    problem(c, ProblemCode::Required, None);
                }
                return None;
            }
            if v.chars().count() > COLUMNS[c].max_chars {
                problem(
                    c,
                    ProblemCode::TooLong,
                    Some(COLUMNS[c].max_chars.to_string()),
                );
            }
            Some(v.to_string())
        };
        let name = text(NAME);
        let short_name = text(SHORT);
        let kind_text = text(KIND);
        let regno = text(REGNO).map(|mut r| {
            r.make_ascii_uppercase();
            r
        });
        let district = text(DISTRICT);
        let sector = text(SECTOR);
        let category_text = text(CATEGORY);
        let joined_text = text(JOINED);
        let founded_text = text(FOUNDED);
        let representative = text(REPR);
        let phone = text(PHONE);
        let email = text(EMAIL);
        if cells.len() > *width && cells.iter().skip(*width).any(|c| !c.trim().is_empty()) {
            problems.push(RowProblem {
                row,
                column: None,
                code: ProblemCode::ExtraCells,
                detail: Some(format!("{} > {}", cells.len(), *width)),
            });
        }
        let mut problem = |c: usize, code: ProblemCode, detail: Option<String>| {
            problems.push(RowProblem {
                row,
                column: Some(COLUMNS[c].key.into()),
                code,
                detail,
            })
        };
        let kind = parse_kind(kind_text.as_deref().unwrap_or(""));
        if kind.is_none() {
            problem(KIND, ProblemCode::UnknownKind, kind_text.clone());
        }
        if let Some(r) = &regno
            && !check_registration_number(r)
        {
            problem(
                REGNO,
                ProblemCode::InvalidRegistrationNumber,
                Some(r.clone()),
            );
        }
        let category = category_text.as_deref().and_then(|t| {
            let c = Category::find(ctx.categories, t);
            if c.is_none() {
                problem(CATEGORY, ProblemCode::UnknownCategory, Some(t.to_string()));
            }
            c
        });
        let mut date = |c: usize, t: Option<&str>| -> Option<Date> {
            let t = t?;
            match parse_flexible_date(t) {
                None => {
                    problem(c, ProblemCode::InvalidDate, Some(t.to_string()));
                    None
                }
                Some(d) if d > ctx.today => {
                    problem(c, ProblemCode::DateInFuture, Some(t.to_string()));
                    None
                }
                Some(d) => Some(d),
            }
        };
        let joined = date(JOINED, joined_text.as_deref());
        let founded = date(FOUNDED, founded_text.as_deref());
        if let Some(p) = &phone
            && !valid_phone(p)
        {
            problem(PHONE, ProblemCode::InvalidPhone, Some(p.clone()));
        }
        if let Some(e) = &email
            && !valid_email(e)
        {
            problem(EMAIL, ProblemCode::InvalidEmail, Some(e.clone()));
        }
        if let Some(n) = &name {
            let key = name_key(n);
            if existing_names.contains(&key) {
                problem(NAME, ProblemCode::DuplicateExisting, Some(n.clone()));
            } else if let Some(&first) = seen_names.get(&key) {
                problem(
                    NAME,
                    ProblemCode::DuplicateInFile,
                    Some(format!("row {first}")),
                );
            } else {
                seen_names.insert(key, row);
            }
        }
        if let Some(r) = &regno {
            if existing_regnos.contains(r) {
                problem(REGNO, ProblemCode::DuplicateExisting, Some(r.clone()));
            } else if let Some(&first) = seen_regnos.get(r) {
                problem(
                    REGNO,
                    ProblemCode::DuplicateInFile,
                    Some(format!("row {first}")),
                );
            } else {
                seen_regnos.insert(r.clone(), row);
            }
        }
        if problems.len() > before {
            *invalid_rows += 1;
            return;
        }
        if let (Some(name), Some(kind), Some(category), Some(joined)) =
            (name, kind, category, joined)
        {
            valid.push(MemberRow {
                row,
                name,
                short_name,
                kind,
                registration_number: regno,
                district,
                sector,
                category: category.key.clone(),
                joined,
                founded,
                representative,
                phone,
                email,
            });
        }
    }

    fn finish(self) -> Preview {
        Preview {
            rows_read: self.rows_read,
            valid: self.valid,
            problems: self.problems,
            invalid_rows: self.invalid_rows,
        }
    }
}

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// The language of an export's header row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderLang {
    Zh,
    En,
}

fn export_cells(row: &MemberRow, categories: &[Category]) -> [String; COLUMNS.len()] {
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    [
        row.name.clone(),
        opt(&row.short_name),
        kind_zh(row.kind).to_string(),
        opt(&row.registration_number),
        opt(&row.district),
        opt(&row.sector),
        Category::find(categories, &row.category)
            .map_or_else(|| row.category.clone(), |c| c.name.clone()),
        format_date(row.joined),
        row.founded.map(format_date).unwrap_or_default(),
        opt(&row.representative),
        opt(&row.phone),
        opt(&row.email),
    ]
}

fn header(lang: HeaderLang) -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().map(move |c| match lang {
        HeaderLang::Zh => c.zh,
        HeaderLang::En => c.key,
    })
}

/// Writes rows in the template's layout, so that an export imports again unchanged. CSV is
/// UTF-8 with a BOM (spreadsheet programs then read Chinese correctly); XLSX has one sheet
/// with every cell as text.
pub fn export(
    rows: &[MemberRow],
    categories: &[Category],
    format: ExportFormat,
    lang: HeaderLang,
) -> Result<Vec<u8>, RegistryError> {
    let fail = |e: &dyn std::fmt::Display| RegistryError::Export {
        reason: e.to_string(),
    };
    match format {
        ExportFormat::Csv => {
            let mut out = "\u{feff}".as_bytes().to_vec();
            {
                let mut w = csv::Writer::from_writer(&mut out);
                w.write_record(header(lang)).map_err(|e| fail(&e))?;
                for r in rows {
                    w.write_record(export_cells(r, categories))
                        .map_err(|e| fail(&e))?;
                }
                w.flush().map_err(|e| fail(&e))?;
            }
            Ok(out)
        }
        ExportFormat::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let bold = rust_xlsxwriter::Format::new().set_bold();
            let sheet = book.add_worksheet();
            sheet.set_name("会员单位").map_err(|e| fail(&e))?;
            for (c, h) in header(lang).enumerate() {
                sheet
                    .write_string_with_format(0, c as u16, h, &bold)
                    .map_err(|e| fail(&e))?;
            }
            for (i, r) in rows.iter().enumerate() {
                let line = u32::try_from(i + 1).map_err(|e| fail(&e))?;
                for (c, v) in export_cells(r, categories).iter().enumerate() {
                    if !v.is_empty() {
                        sheet
                            .write_string(line, c as u16, v)
                            .map_err(|e| fail(&e))?;
                    }
                }
            }
            book.save_to_buffer().map_err(|e| fail(&e))
        }
    }
}
