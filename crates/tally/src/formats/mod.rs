//! Reading and writing ballot files: BLT, PrefLib, and ranked cast-vote records.
//!
//! Every reader takes the file's contents (text or bytes) and returns an [`Election`], or a
//! [`ParseError`] that names where the input went wrong (line or row, column) and what was
//! expected there. Nothing here opens a file: the caller reads it and hands over the contents.

pub mod blt;
pub mod cvr;
pub mod preflib;

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use crate::{Ballot, CandidateId, Election, SetAside};

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

/// An election read from a file, with what the reader set aside on the way.
///
/// Formats that record each voter's marks (cast-vote records) can hold ballots with no
/// countable preference; the reader sets them aside here, with the reason, instead of
/// dropping them. A count adds these to its own [`crate::Outcome::set_aside`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub election: Election,
    pub set_aside: Vec<SetAside>,
    /// What the reader did that a reader of the count should know.
    pub notes: Vec<String>,
}

impl From<Election> for Import {
    fn from(election: Election) -> Self {
        Import {
            election,
            set_aside: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Reads an election from a file's bytes in the given format.
///
/// `seats` is used where the format does not give one (PrefLib, cast-vote records); BLT's own
/// seat count is kept.
pub fn read(bytes: &[u8], format: Format, seats: u32) -> Result<Import, ParseError> {
    let text = || {
        std::str::from_utf8(bytes).map_err(|e| {
            let before = &bytes[..e.valid_up_to()];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&before[line_start..])
                .chars()
                .count()
                + 1;
            ParseError::at_line(line, column, "UTF-8 text", "bytes that are not UTF-8")
        })
    };
    match format {
        Format::Blt => blt::parse(text()?).map(Import::from),
        Format::PrefLib => preflib::parse(text()?, seats).map(Import::from),
        Format::CvrCsv => cvr::parse_csv(bytes, &cvr::CvrOptions::with_seats(seats)),
        Format::CvrXlsx => cvr::parse_xlsx(bytes, &cvr::CvrOptions::with_seats(seats)),
    }
}

/// Marks the boundary between two ranks in the flat key of a ballot.
pub(crate) const NEXT_RANK: u32 = u32::MAX;

/// FxHash (the hash rustc uses for its own tables): a multiply-rotate hash, much faster than
/// SipHash on short keys. Ballot keys come from the file being counted, not from an adversary
/// who could exploit collisions against a server.
#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The multiplication leaves the low bits poorly mixed, and hash tables pick buckets by
        // the low bits: rotate the well-mixed high bits down (as rustc-hash 2 does).
        self.0.rotate_left(26)
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

/// A hasher for keys that are already hashes.
#[derive(Default)]
pub(crate) struct KeyIsHash(u64);

impl Hasher for KeyIsHash {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Merges identical ballots into one weighted ballot, in order of first appearance.
///
/// A ballot is given as a flat key: candidate numbers, with [`NEXT_RANK`] between ranks. Keys
/// are kept end to end in one arena and found through their hash, so adding a ballot that was
/// seen before allocates nothing, and a new one allocates only when the arena grows.
#[derive(Default)]
pub(crate) struct Merger {
    /// Short keys (up to 7 numbers below 65535), packed exactly into a u128 -> their ballot.
    /// Most ballots are short: finding them needs no visit to the arena.
    short: HashMap<u128, u32, FxBuild>,
    /// Hash of a key -> the first distinct ballot with that hash.
    first: HashMap<u64, u32, BuildHasherDefault<KeyIsHash>>,
    /// The next distinct ballot with the same hash, or `u32::MAX`.
    next: Vec<u32>,
    spans: Vec<(u32, u32)>,
    arena: Vec<u32>,
    weights: Vec<u64>,
}

impl Merger {
    fn hash(key: &[u32]) -> u64 {
        let mut h = FxHasher(key.len() as u64);
        let mut pairs = key.chunks_exact(2);
        for pair in &mut pairs {
            h.add(u64::from(pair[0]) | (u64::from(pair[1]) << 32));
        }
        if let [last] = pairs.remainder() {
            h.add(u64::from(*last));
        }
        h.finish()
    }

    fn key(&self, i: u32) -> &[u32] {
        let (start, end) = self.spans[i as usize];
        &self.arena[start as usize..end as usize]
    }

    /// `key` packed exactly into a u128 (16 bits for its length, 16 for each number), if short.
    #[inline]
    fn pack(key: &[u32]) -> Option<u128> {
        if key.len() > 7 {
            return None;
        }
        let mut packed = key.len() as u128;
        for (i, &c) in key.iter().enumerate() {
            let c = if c == NEXT_RANK {
                0xFFFF
            } else if c < 0xFFFF {
                c
            } else {
                return None;
            };
            packed |= u128::from(c) << (16 * (i + 1));
        }
        Some(packed)
    }

    fn push(&mut self, key: &[u32], weight: u64) {
        let start = self.arena.len() as u32;
        self.arena.extend_from_slice(key);
        self.spans.push((start, self.arena.len() as u32));
        self.next.push(u32::MAX);
        self.weights.push(weight);
    }

    /// Adds `weight` copies of the ballot `key`. Returns false if a weight overflows.
    pub(crate) fn add(&mut self, key: &[u32], weight: u64) -> bool {
        let new = self.spans.len() as u32;
        if let Some(packed) = Self::pack(key) {
            return match self.short.entry(packed) {
                std::collections::hash_map::Entry::Occupied(slot) => {
                    let w = &mut self.weights[*slot.get() as usize];
                    match w.checked_add(weight) {
                        Some(sum) => {
                            *w = sum;
                            true
                        }
                        None => false,
                    }
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(new);
                    self.push(key, weight);
                    true
                }
            };
        }
        let h = Self::hash(key);
        let mut at = match self.first.entry(h) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(new);
                u32::MAX
            }
            std::collections::hash_map::Entry::Occupied(slot) => *slot.get(),
        };
        let mut last = u32::MAX;
        while at != u32::MAX {
            let seen = self.key(at);
            // A plain loop: keys are a few numbers long, shorter than a memcmp call is worth.
            if seen.len() == key.len() && seen.iter().zip(key).all(|(a, b)| a == b) {
                let w = &mut self.weights[at as usize];
                return match w.checked_add(weight) {
                    Some(sum) => {
                        *w = sum;
                        true
                    }
                    None => false,
                };
            }
            last = at;
            at = self.next[at as usize];
        }
        if last != u32::MAX {
            self.next[last as usize] = new;
        }
        self.push(key, weight);
        true
    }

    /// Adds every distinct ballot of `other`, in its order. Returns false if a weight overflows.
    pub(crate) fn absorb(&mut self, other: &Merger) -> bool {
        (0..other.spans.len() as u32).all(|i| self.add(other.key(i), other.weights[i as usize]))
    }

    /// The distinct ballots with their summed weights, in order of first appearance.
    pub(crate) fn finish(self) -> Vec<Ballot> {
        let mut ballots = Vec::with_capacity(self.spans.len());
        for (i, &weight) in self.weights.iter().enumerate() {
            let key = self.key(i as u32);
            let mut ranks = Vec::new();
            if !key.is_empty() {
                // Exact capacities: a million small vectors should not each grow twice.
                ranks.reserve_exact(1 + key.iter().filter(|&&c| c == NEXT_RANK).count());
                for rank in key.split(|&c| c == NEXT_RANK) {
                    let mut r = Vec::with_capacity(rank.len());
                    r.extend(rank.iter().map(|&c| CandidateId(c)));
                    ranks.push(r);
                }
            }
            ballots.push(Ballot { weight, ranks });
        }
        ballots
    }
}
