//! Reading and writing ballot files: BLT, PrefLib, and ranked cast-vote records.
//!
//! Every reader takes the file's contents (text or bytes) and returns an [`Election`], or a
//! [`ParseError`] that names where the input went wrong (line or row, column) and what was
//! expected there. Nothing here opens a file: the caller reads it and hands over the contents.

pub mod blt;

use std::fmt;

/// Whether a [`ParseError`]'s position counts lines of text or rows of a spreadsheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Line,
    Row,
}

/// What went wrong in an input, and where: a 1-based line (or row) and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub place: Place,
    /// 1-based line of a text file, or row of a spreadsheet (the header row is row 1).
    pub line: usize,
    /// 1-based column: characters for text, cells for a spreadsheet; 0 where no column applies.
    pub column: usize,
    /// What the reader expected at that place.
    pub expected: String,
    /// What it found instead.
    pub found: String,
}

impl ParseError {
    pub(crate) fn at_line(
        line: usize,
        column: usize,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        ParseError {
            place: Place::Line,
            line,
            column,
            expected: expected.into(),
            found: found.into(),
        }
    }

    #[allow(dead_code)]
    pub(crate) fn at_row(
        row: usize,
        column: usize,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        ParseError {
            place: Place::Row,
            line: row,
            column,
            expected: expected.into(),
            found: found.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = match self.place {
            Place::Line => "line",
            Place::Row => "row",
        };
        write!(f, "{place} {}", self.line)?;
        if self.column > 0 {
            write!(f, ", column {}", self.column)?;
        }
        write!(f, ": expected {}, found {}", self.expected, self.found)
    }
}

impl std::error::Error for ParseError {}

/// The file formats the readers understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The ballot format of ERS/OpenSTV/Droop ([`blt`]).
    Blt,
    /// PrefLib strict orders, incomplete (`.soi`), complete (`.soc`), or with ties (`.toc`).
    PrefLib,
    /// Ranked cast-vote records, CSV ([`cvr`]).
    CvrCsv,
    /// Ranked cast-vote records, XLSX spreadsheet ([`cvr`]).
    CvrXlsx,
}

impl Format {
    /// The format a file extension stands for (`blt`, `soi`, `soc`, `toc`, `csv`, `xlsx`).
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext.to_ascii_lowercase().as_str() {
            "blt" => Some(Format::Blt),
            "soi" | "soc" | "toc" => Some(Format::PrefLib),
            "csv" => Some(Format::CvrCsv),
            "xlsx" => Some(Format::CvrXlsx),
            _ => None,
        }
    }
}
