//! Ranked cast-vote records: one row per ballot, one column per rank, from CSV or XLSX.
//!
//! The layout is the one ES&S election systems export (e.g. the Minneapolis 2017 mayoral
//! records): a header row, then one row per ballot. Columns whose header names a rank (it
//! contains `choice` or `rank`, as `1st Choice`, `Rank 2`) are the ranks, in the order they
//! appear; a column headed `count`, `weight` or `ballots` gives how many ballots the row
//! stands for (otherwise 1); other columns (precinct, ballot id) are ignored. A cell holds a
//! candidate's name, or one of the markings:
//!
//! - `overvote`: more than one candidate marked at that rank;
//! - `undervote` or an empty cell: no candidate marked at that rank.
//!
//! What is done with them follows the Minneapolis Code of Ordinances, section 167.60(c)(2):
//! a skipped ranking, an overvote or a repeat ranking of the same candidate is passed over and
//! the ballot counts for its next valid ranking ([`OvervoteRule::SkipToNextRank`]). Where the
//! rule is instead that a ballot is exhausted at its first overvote (as in some other
//! jurisdictions), choose [`OvervoteRule::Exhaust`].
//!
//! A ballot left with no candidate at all is set aside, and [`Import::set_aside`] says how many
//! and why (no candidate marked; or only overvotes). Ballots on which something was passed
//! over are counted, and [`Import::notes`] says how many of each kind there were. Write-ins
//! appear under the name the export gives them (ES&S: `UWI`, undeclared write-in) and are
//! counted as one candidate of that name.

use std::collections::HashMap;
use std::io::Cursor;

use super::{FxBuild, Import, Merger, NEXT_RANK, ParseError};
use crate::{Election, SetAside};

/// What to do with a ballot at a rank marked for more than one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OvervoteRule {
    /// Pass over the overvoted rank and go on to the next one (Minneapolis 167.60(c)(2)).
    #[default]
    SkipToNextRank,
    /// The ballot is exhausted at its first overvote: later ranks are not counted.
    Exhaust,
}

/// How to read cast-vote records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CvrOptions {
    pub seats: u32,
    pub overvote: OvervoteRule,
    /// Cell texts meaning an overvote (compared without case).
    pub overvote_labels: Vec<String>,
    /// Cell texts meaning no candidate at that rank (compared without case); an empty cell
    /// always means that.
    pub blank_labels: Vec<String>,
    /// 0-based columns holding the ranks, first preference first; `None` finds them from the
    /// header row.
    pub rank_columns: Option<Vec<usize>>,
    pub title: String,
}

impl CvrOptions {
    /// ES&S conventions and the Minneapolis rule, for `seats` seats.
    pub fn with_seats(seats: u32) -> Self {
        CvrOptions {
            seats,
            overvote: OvervoteRule::default(),
            overvote_labels: vec!["overvote".into()],
            blank_labels: vec!["undervote".into(), "skipped".into()],
            rank_columns: None,
            title: String::new(),
        }
    }
}

impl Default for CvrOptions {
    fn default() -> Self {
        CvrOptions::with_seats(1)
    }
}

/// One cell of a record.
#[derive(Debug, Clone, Copy)]
enum Cell<'a> {
    Text(&'a str),
    Number(f64),
    Empty,
}

/// Reads cast-vote records from CSV text (comma-separated, first row the header).
pub fn parse_csv(bytes: &[u8], options: &CvrOptions) -> Result<Import, ParseError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut reader_state = Reader::new(options);
    let mut record = csv::StringRecord::new();
    let mut row = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let (line, column) = match e.position() {
                    Some(p) => (p.line() as usize, 0),
                    None => (row + 1, 0),
                };
                let found = match e.kind() {
                    csv::ErrorKind::Utf8 { err, .. } => {
                        format!("bytes that are not UTF-8 in field {}", err.field() + 1)
                    }
                    _ => e.to_string(),
                };
                return Err(ParseError::at_row(line, column, "a CSV record", found));
            }
        }
        row = record.position().map_or(row + 1, |p| p.line() as usize);
        let cells: Vec<Cell<'_>> = record
            .iter()
            .map(|s| {
                let s = s.trim();
                if s.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(s)
                }
            })
            .collect();
        reader_state.row(row, &cells)?;
    }
    reader_state.finish(row)
}

/// Reads cast-vote records from the first worksheet of an XLSX workbook (its bytes).
pub fn parse_xlsx(bytes: &[u8], options: &CvrOptions) -> Result<Import, ParseError> {
    use calamine::{Data, Reader as _, Xlsx, open_workbook_from_rs};
    let mut workbook: Xlsx<Cursor<&[u8]>> =
        open_workbook_from_rs(Cursor::new(bytes)).map_err(|e: calamine::XlsxError| {
            ParseError::at_row(0, 0, "an XLSX workbook", e.to_string())
        })?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| ParseError::at_row(0, 0, "a worksheet", "a workbook with none"))?
        .map_err(|e| ParseError::at_row(0, 0, "a readable worksheet", e.to_string()))?;
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut reader = Reader::new(options);
    let mut cells: Vec<Cell<'_>> = Vec::new();
    let mut last = 0usize;
    for (i, data) in range.rows().enumerate() {
        let row = first_row as usize + i + 1;
        last = row;
        cells.clear();
        // Columns left of the range are empty: keep column numbers those of the sheet.
        cells.extend(std::iter::repeat_n(Cell::Empty, first_col as usize));
        cells.extend(data.iter().map(|d| match d {
            Data::String(s) if s.trim().is_empty() => Cell::Empty,
            Data::String(s) => Cell::Text(s.trim()),
            Data::Float(f) => Cell::Number(*f),
            Data::Int(i) => Cell::Number(*i as f64),
            Data::Empty => Cell::Empty,
            Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.as_str()),
            _ => Cell::Text("?"),
        }));
        reader.row(row, &cells)?;
    }
    reader.finish(last)
}

#[derive(Default)]
struct Counts {
    no_mark: u64,
    only_overvotes: u64,
    overvote_passed: u64,
    exhausted_at_overvote: u64,
    skipped_rank: u64,
    repeat: u64,
}

struct Reader<'o> {
    options: &'o CvrOptions,
    header_seen: bool,
    ranks: Vec<usize>,
    weight_col: Option<usize>,
    names: Vec<String>,
    ids: HashMap<String, u32, FxBuild>,
    merger: Merger,
    key: Vec<u32>,
    stamp: Vec<usize>,
    counts: Counts,
    ballots: u64,
}

fn is_label(text: &str, labels: &[String]) -> bool {
    labels.iter().any(|l| l.eq_ignore_ascii_case(text))
}

impl<'o> Reader<'o> {
    fn new(options: &'o CvrOptions) -> Self {
        Reader {
            options,
            header_seen: false,
            ranks: Vec::new(),
            weight_col: None,
            names: Vec::new(),
            ids: HashMap::default(),
            merger: Merger::default(),
            key: Vec::new(),
            stamp: Vec::new(),
            counts: Counts::default(),
            ballots: 0,
        }
    }

    fn header(&mut self, row: usize, cells: &[Cell<'_>]) -> Result<(), ParseError> {
        for (col, cell) in cells.iter().enumerate() {
            let Cell::Text(text) = cell else { continue };
            let lower = text.to_ascii_lowercase();
            if lower.contains("choice") || lower.contains("rank") || lower.contains("preference") {
                self.ranks.push(col);
            } else if ["count", "weight", "ballots", "ballot count"].contains(&lower.as_str()) {
                self.weight_col = Some(col);
            }
        }
        if let Some(cols) = &self.options.rank_columns {
            self.ranks = cols.clone();
        }
        if self.ranks.is_empty() {
            return Err(ParseError::at_row(
                row,
                1,
                "a header row naming the rank columns (e.g. `1st Choice`, `Rank 2`)",
                "no such column",
            ));
        }
        Ok(())
    }

    fn row(&mut self, row: usize, cells: &[Cell<'_>]) -> Result<(), ParseError> {
        if !self.header_seen {
            self.header_seen = true;
            return self.header(row, cells);
        }
        if cells.iter().all(|c| matches!(c, Cell::Empty)) {
            return Ok(());
        }
        let weight = match self.weight_col.map(|c| (c, cells.get(c).copied())) {
            None => 1,
            Some((col, cell)) => {
                let parsed = match cell {
                    Some(Cell::Number(f)) if f >= 0.0 && f.fract() == 0.0 && f < 1e18 => {
                        Some(f as u64)
                    }
                    Some(Cell::Text(t)) => t.parse::<u64>().ok(),
                    _ => None,
                };
                parsed.ok_or_else(|| {
                    ParseError::at_row(
                        row,
                        col + 1,
                        "a count of ballots (a whole number)",
                        describe(cell),
                    )
                })?
            }
        };
        self.ballots += weight;
        self.key.clear();
        let mut skipped_blank = false;
        let (mut skipped, mut overvote, mut repeat, mut exhausted) = (false, false, false, false);
        for &col in &self.ranks {
            let text = match cells.get(col).copied().unwrap_or(Cell::Empty) {
                Cell::Empty => None,
                Cell::Text(t) if is_label(t, &self.options.blank_labels) => None,
                Cell::Text(t) => Some(std::borrow::Cow::Borrowed(t)),
                Cell::Number(f) => Some(std::borrow::Cow::Owned(format!("{f}"))),
            };
            let Some(text) = text else {
                skipped_blank = true;
                continue;
            };
            if is_label(&text, &self.options.overvote_labels) {
                overvote = true;
                if self.options.overvote == OvervoteRule::Exhaust {
                    exhausted = true;
                    break;
                }
                continue;
            }
            let id = match self.ids.get(text.as_ref()) {
                Some(&id) => id,
                None => {
                    let id = self.names.len() as u32;
                    self.names.push(text.clone().into_owned());
                    self.ids.insert(text.into_owned(), id);
                    self.stamp.push(0);
                    id
                }
            };
            if self.stamp[id as usize] == row {
                repeat = true;
                continue;
            }
            self.stamp[id as usize] = row;
            if skipped_blank {
                skipped = true;
            }
            if !self.key.is_empty() {
                self.key.push(NEXT_RANK);
            }
            self.key.push(id);
        }
        let c = &mut self.counts;
        if self.key.is_empty() {
            if overvote {
                c.only_overvotes += weight;
            } else {
                c.no_mark += weight;
            }
            return Ok(());
        }
        if exhausted {
            c.exhausted_at_overvote += weight;
        } else if overvote {
            c.overvote_passed += weight;
        }
        if skipped {
            c.skipped_rank += weight;
        }
        if repeat {
            c.repeat += weight;
        }
        if !self.merger.add(&self.key, weight) {
            return Err(ParseError::at_row(
                row,
                0,
                "a total count below 2^64",
                "more",
            ));
        }
        Ok(())
    }

    fn finish(self, last_row: usize) -> Result<Import, ParseError> {
        if !self.header_seen {
            return Err(ParseError::at_row(
                last_row + 1,
                1,
                "a header row and ballot rows",
                "an empty file",
            ));
        }
        let c = &self.counts;
        let mut set_aside = Vec::new();
        if c.no_mark > 0 {
            set_aside.push(SetAside {
                ballot: None,
                count: c.no_mark,
                reason: "no candidate marked at any rank (undervote)".into(),
            });
        }
        if c.only_overvotes > 0 {
            set_aside.push(SetAside {
                ballot: None,
                count: c.only_overvotes,
                reason: "no rank could be counted: every marked rank was an overvote".into(),
            });
        }
        let mut notes = vec![format!(
            "{} ballot records read; {} rank columns",
            self.ballots,
            self.ranks.len()
        )];
        let mut note = |n: u64, what: &str| {
            if n > 0 {
                notes.push(format!("{n} ballots {what}"));
            }
        };
        note(
            c.overvote_passed,
            "had an overvote at some rank: that rank was passed over and the next valid one counted (Minneapolis 167.60(c)(2))",
        );
        note(
            c.exhausted_at_overvote,
            "had an overvote after a valid rank: ranks from the overvote on are not counted",
        );
        note(
            c.skipped_rank,
            "skipped a rank before a later one: the later rank counts in its place",
        );
        note(
            c.repeat,
            "ranked a candidate more than once: the repeats were passed over",
        );
        Ok(Import {
            election: Election {
                title: self.options.title.clone(),
                candidates: self.names,
                seats: self.options.seats,
                withdrawn: Vec::new(),
                ballots: self.merger.finish(),
            },
            set_aside,
            notes,
        })
    }
}

fn describe(cell: Option<Cell<'_>>) -> String {
    match cell {
        None | Some(Cell::Empty) => "an empty cell".into(),
        Some(Cell::Text(t)) => format!("`{t}`"),
        Some(Cell::Number(f)) => format!("{f}"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::CandidateId;

    const CSV: &str = "Precinct,1st Choice,2nd Choice,3rd Choice,Count\n\
        P1,Ann,Bob,Cy,1\n\
        P1,Ann,undervote,Bob,2\n\
        P2,overvote,Bob,Ann,1\n\
        P2,undervote,undervote,undervote,3\n\
        P2,overvote,undervote,,1\n\
        P3,Cy,Cy,Ann,1\n\
        P3,Ann,Bob,Cy,4\n";

    #[test]
    fn reads_minneapolis_style_records() {
        let imp = parse_csv(CSV.as_bytes(), &CvrOptions::with_seats(1)).unwrap();
        let e = &imp.election;
        assert_eq!(e.candidates, ["Ann", "Bob", "Cy"]);
        let total: u64 = e.ballots.iter().map(|b| b.weight).sum();
        assert_eq!(total, 9);
        assert_eq!(e.ballots[0].weight, 5);
        assert_eq!(
            e.ballots[1].ranks,
            vec![vec![CandidateId(0)], vec![CandidateId(1)]]
        );
        let aside: Vec<(u64, &str)> = imp
            .set_aside
            .iter()
            .map(|s| (s.count, s.reason.as_str()))
            .collect();
        assert_eq!(aside.len(), 2);
        assert_eq!(aside[0].0, 3);
        assert_eq!(aside[1].0, 1);
        assert!(
            imp.notes
                .iter()
                .any(|n| n.starts_with("1 ballots ranked a candidate more than once"))
        );
        assert!(
            imp.notes
                .iter()
                .any(|n| n.starts_with("2 ballots skipped a rank"))
        );
    }

    #[test]
    fn overvotes_can_exhaust() {
        let options = CvrOptions {
            overvote: OvervoteRule::Exhaust,
            ..CvrOptions::with_seats(1)
        };
        let imp = parse_csv(CSV.as_bytes(), &options).unwrap();
        let total: u64 = imp.election.ballots.iter().map(|b| b.weight).sum();
        assert_eq!(total, 8);
        assert_eq!(imp.set_aside[1].count, 2);
    }

    #[test]
    fn errors_name_row_and_column() {
        let err = parse_csv(
            b"Precinct,1st Choice,Count\nP1,Ann,x\n",
            &CvrOptions::default(),
        )
        .unwrap_err();
        assert_eq!((err.line, err.column), (2, 3));
        assert!(err.to_string().starts_with("row 2, column 3"), "{err}");
        let err = parse_csv(b"a,b\n1,2\n", &CvrOptions::default()).unwrap_err();
        assert_eq!(err.line, 1);
        let err = parse_xlsx(b"not a zip", &CvrOptions::default()).unwrap_err();
        assert!(err.expected.contains("XLSX"));
    }
}
