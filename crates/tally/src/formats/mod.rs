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

use crate::{Ballot, CandidateId, Election, FlatBallots, SetAside};

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
pub(crate) const NEXT_RANK: u32 = crate::RANK_BREAK.0;

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
/// A ballot is given as a flat key: candidate numbers, with [`NEXT_RANK`] between ranks. Most
/// keys are short: they are packed exactly into a u64 (a few bits per candidate) and kept in an
/// open-addressing table whose slot holds the packed key and its summed weight, so adding a
/// ballot seen before touches one cache line and allocates nothing. Longer keys are kept end
/// to end in one arena and found through their hash.
pub(crate) struct Merger {
    /// Bits per packed code (a candidate `c` is `c + 1`; 0 joins the next candidate to the
    /// previous one's rank).
    bits: u32,
    /// How many codes fit in a packed key (below its sentinel bit).
    fits: usize,
    /// Packed keys (0: empty slot) with their summed weights.
    slots: Vec<Slot>,
    /// The distinct ballot each occupied slot holds.
    slot_ballot: Vec<u32>,
    /// `slots.len()` is `1 << shift_bits`.
    shift_bits: u32,
    packed: usize,
    /// Hash of a long key -> the first distinct ballot with that hash.
    first: HashMap<u64, u32, BuildHasherDefault<KeyIsHash>>,
    /// Per distinct ballot, in order of first appearance.
    ballots: Vec<Entry>,
    /// Long keys, end to end.
    arena: Vec<u32>,
}

#[derive(Clone, Copy, Default)]
struct Slot {
    key: u64,
    weight: u64,
}

/// Where a distinct ballot lives: a packed key's slot, or a long key's span of the arena.
#[derive(Clone, Copy)]
enum Entry {
    Packed {
        slot: u32,
    },
    /// `next`: the next distinct ballot whose long key has the same hash, or `u32::MAX`.
    Long {
        start: u32,
        end: u32,
        weight: u64,
        next: u32,
    },
}

impl Default for Merger {
    /// A merger for keys of candidates below 255 (up to 7 numbers packed).
    fn default() -> Self {
        Merger::with_bits(8)
    }
}

/// Whether a packed table of `len` slots holding `used` keys should grow.
#[inline]
fn too_full(used: usize, len: usize) -> bool {
    used * 2 >= len
}

impl Merger {
    /// A merger for ballots over `candidates` candidates (numbers `0..candidates`).
    pub(crate) fn with_candidates(candidates: usize) -> Self {
        let bits = usize::BITS - candidates.max(1).leading_zeros();
        Merger::with_bits(bits.min(32))
    }

    fn with_bits(bits: u32) -> Self {
        let shift_bits = 10;
        Merger {
            bits,
            fits: (63 / bits) as usize,
            slots: vec![Slot::default(); 1 << shift_bits],
            slot_ballot: vec![0; 1 << shift_bits],
            shift_bits,
            packed: 0,
            first: HashMap::default(),
            ballots: Vec::new(),
            arena: Vec::new(),
        }
    }

    /// Makes room for about `distinct` packed keys before any is added, so the table does not
    /// grow step by step.
    pub(crate) fn expect(&mut self, distinct: usize) {
        let want = (distinct.saturating_mul(2))
            .next_power_of_two()
            .clamp(1 << 10, 1 << 26);
        if self.packed == 0 && want > self.slots.len() {
            self.shift_bits = want.trailing_zeros();
            self.slots = vec![Slot::default(); want];
            self.slot_ballot = vec![0; want];
        }
    }

    /// `key` packed exactly into a u64, if it fits: codes of `bits` bits, lowest first, and a
    /// sentinel bit above the last (so the key is never 0 and its length is known).
    ///
    /// A candidate `c` is the code `c + 1`, and each candidate opens a new rank unless the code
    /// 0 stands before it, which puts it in the previous candidate's rank. Strict rankings, almost
    /// every ballot, thus take one code per candidate (all 15 of a 15-candidate election fit in
    /// 4-bit codes), and only `=` costs a code. A key with a [`NEXT_RANK`] at either end or two
    /// in a row (which no reader builds) is not packed, so packing stays exact.
    #[inline]
    pub(crate) fn pack(&self, key: &[u32]) -> Option<u64> {
        let limit = (1u64 << self.bits) - 1;
        let mut packed = 0u64;
        let mut len = 0usize;
        // Whether the previous element of `key` was a candidate (not a rank break).
        let mut after_candidate = false;
        for &c in key {
            if c == NEXT_RANK {
                if !after_candidate {
                    return None;
                }
                after_candidate = false;
                continue;
            }
            if after_candidate {
                // The code 0: `c` shares the previous candidate's rank.
                len += 1;
            }
            let code = u64::from(c) + 1;
            if code > limit || len >= self.fits {
                return None;
            }
            packed |= code << (self.bits as usize * len);
            len += 1;
            after_candidate = true;
        }
        if !after_candidate && !key.is_empty() {
            return None;
        }
        Some(packed | 1u64 << (self.bits as usize * len))
    }

    /// Bits per packed code and how many codes a packed key holds, for a caller that packs
    /// keys itself (the BLT reader's fast path) and hands them to [`Merger::add_packed`].
    pub(crate) fn packing(&self) -> (u32, usize) {
        (self.bits, self.fits)
    }

    /// The flat key that [`Merger::pack`] packed into `packed`.
    fn unpack(&self, packed: u64, out: &mut Vec<u32>) {
        let len = (63 - packed.leading_zeros()) / self.bits;
        let mask = (1u64 << self.bits) - 1;
        out.clear();
        let mut same_rank = false;
        for i in 0..len {
            let code = (packed >> (self.bits * i)) & mask;
            if code == 0 {
                same_rank = true;
                continue;
            }
            if !out.is_empty() && !same_rank {
                out.push(NEXT_RANK);
            }
            out.push((code - 1) as u32);
            same_rank = false;
        }
    }

    #[inline]
    fn home(&self, packed: u64) -> usize {
        (packed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.shift_bits)) as usize
    }

    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        let old_ballot = std::mem::take(&mut self.slot_ballot);
        self.shift_bits += 1;
        self.slots = vec![Slot::default(); 1 << self.shift_bits];
        self.slot_ballot = vec![0; 1 << self.shift_bits];
        let mask = self.slots.len() - 1;
        for (slot, &b) in old.iter().zip(&old_ballot) {
            if slot.key == 0 {
                continue;
            }
            let mut at = self.home(slot.key);
            while self.slots[at].key != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = *slot;
            self.slot_ballot[at] = b;
            self.ballots[b as usize] = Entry::Packed { slot: at as u32 };
        }
    }

    /// Adds `weight` copies of the ballot whose packed key (see [`Merger::pack`]) is `packed`.
    /// Returns false if a weight overflows.
    #[inline]
    pub(crate) fn add_packed(&mut self, packed: u64, weight: u64) -> bool {
        let mask = self.slots.len() - 1;
        let mut at = self.home(packed);
        loop {
            let slot = &mut self.slots[at];
            if slot.key == packed {
                return match slot.weight.checked_add(weight) {
                    Some(sum) => {
                        slot.weight = sum;
                        true
                    }
                    None => false,
                };
            }
            if slot.key == 0 {
                break;
            }
            at = (at + 1) & mask;
        }
        if too_full(self.packed + 1, self.slots.len()) {
            self.grow();
            return self.add_packed(packed, weight);
        }
        self.slots[at] = Slot {
            key: packed,
            weight,
        };
        self.slot_ballot[at] = self.ballots.len() as u32;
        self.ballots.push(Entry::Packed { slot: at as u32 });
        self.packed += 1;
        true
    }

    /// Adds a batch of packed keys with their weights, in order; returns the position of the
    /// first one whose weight overflows. A first pass only reads the slot each key hashes to,
    /// so the cache misses of the whole batch overlap instead of coming one after another.
    pub(crate) fn add_packed_batch(&mut self, batch: &[(u64, u64)]) -> Result<(), usize> {
        let mut touched = 0u64;
        for &(packed, _) in batch {
            touched ^= self.slots[self.home(packed)].key;
        }
        std::hint::black_box(touched);
        for (i, &(packed, weight)) in batch.iter().enumerate() {
            if !self.add_packed(packed, weight) {
                return Err(i);
            }
        }
        Ok(())
    }

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

    /// Adds `weight` copies of the ballot `key`. Returns false if a weight overflows.
    pub(crate) fn add(&mut self, key: &[u32], weight: u64) -> bool {
        if let Some(packed) = self.pack(key) {
            return self.add_packed(packed, weight);
        }
        let new = self.ballots.len() as u32;
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
            let Entry::Long {
                start,
                end,
                weight: w,
                next,
            } = self.ballots[at as usize]
            else {
                break;
            };
            let seen = &self.arena[start as usize..end as usize];
            // A plain loop: keys are a few numbers long, shorter than a memcmp call is worth.
            if seen.len() == key.len() && seen.iter().zip(key).all(|(a, b)| a == b) {
                let Some(sum) = w.checked_add(weight) else {
                    return false;
                };
                self.ballots[at as usize] = Entry::Long {
                    start,
                    end,
                    weight: sum,
                    next,
                };
                return true;
            }
            last = at;
            at = next;
        }
        if let Some(Entry::Long { next, .. }) = self.ballots.get_mut(last as usize) {
            *next = new;
        }
        let start = self.arena.len() as u32;
        self.arena.extend_from_slice(key);
        self.ballots.push(Entry::Long {
            start,
            end: self.arena.len() as u32,
            weight,
            next: u32::MAX,
        });
        true
    }

    /// Adds every distinct ballot of `other`, in its order. Returns false if a weight overflows.
    pub(crate) fn absorb(&mut self, other: &Merger) -> bool {
        let mut key = Vec::new();
        for (i, entry) in other.ballots.iter().enumerate() {
            if i % BATCH == 0 {
                let mut touched = 0u64;
                for e in other.ballots.iter().skip(i).take(BATCH) {
                    if let Entry::Packed { slot } = *e {
                        let key = other.slots[slot as usize].key;
                        touched ^= key ^ self.slots[self.home(key)].key;
                    }
                }
                std::hint::black_box(touched);
            }
            let ok = match *entry {
                Entry::Packed { slot } => {
                    let slot = other.slots[slot as usize];
                    if other.bits == self.bits {
                        self.add_packed(slot.key, slot.weight)
                    } else {
                        other.unpack(slot.key, &mut key);
                        self.add(&key, slot.weight)
                    }
                }
                Entry::Long {
                    start, end, weight, ..
                } => self.add(&other.arena[start as usize..end as usize], weight),
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// The distinct ballots with their summed weights, in order of first appearance.
    pub(crate) fn finish_flat(self) -> FlatBallots {
        let mut flat = FlatBallots::with_capacity(self.ballots.len(), self.ballots.len() * 6);
        let mut buf = Vec::new();
        for (i, entry) in self.ballots.iter().enumerate() {
            if i % BATCH == 0 {
                // Read ahead, so that the cache misses of the next slots overlap.
                let mut touched = 0u64;
                for e in self.ballots.iter().skip(i).take(BATCH) {
                    if let Entry::Packed { slot } = *e {
                        touched ^= self.slots[slot as usize].key;
                    }
                }
                std::hint::black_box(touched);
            }
            match *entry {
                Entry::Packed { slot } => {
                    let slot = self.slots[slot as usize];
                    self.unpack(slot.key, &mut buf);
                    flat.push_flat(slot.weight, buf.iter().map(|&c| CandidateId(c)));
                }
                Entry::Long {
                    start, end, weight, ..
                } => flat.push_flat(
                    weight,
                    self.arena[start as usize..end as usize]
                        .iter()
                        .map(|&c| CandidateId(c)),
                ),
            }
        }
        flat
    }

    /// The distinct ballots with their summed weights, in order of first appearance.
    pub(crate) fn finish(self) -> Vec<Ballot> {
        self.finish_flat().to_ballots()
    }
}

/// How many packed keys [`Merger::add_packed_batch`] is best given at once.
pub(crate) const BATCH: usize = 32;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn packed_keys_unpack_to_the_same_ranks() {
        let merger = Merger::with_candidates(15);
        let r = NEXT_RANK;
        let keys: [&[u32]; 7] = [
            &[],
            &[0],
            &[14, r, 0],
            &[3, 4, r, 5],
            &[3, r, 4, 5],
            &[3, 4, 5],
            &[
                14, r, 13, r, 12, r, 11, r, 10, r, 9, r, 8, r, 7, r, 6, r, 5, r, 4, r, 3, r, 2, r,
                1, r, 0,
            ],
        ];
        let mut seen = Vec::new();
        for key in keys {
            let packed = merger.pack(key).unwrap();
            let mut back = Vec::new();
            merger.unpack(packed, &mut back);
            assert_eq!(back, key);
            assert!(!seen.contains(&packed), "{key:?} packs like another key");
            seen.push(packed);
        }
        // Rank breaks at an end or two in a row are not packed, so never confused.
        for key in [&[r, 1][..], &[1, r], &[1, r, r, 2], &[r]] {
            assert_eq!(merger.pack(key), None);
        }
        // Too many codes for a u64.
        assert_eq!(
            merger.pack(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0]),
            None
        );
    }
}
