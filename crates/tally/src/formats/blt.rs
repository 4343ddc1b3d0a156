//! The BLT ballot format, as ERS, OpenSTV and Droop read and write it.
//!
//! ```text
//! 4 2                  # candidates seats
//! -2                   # optional: withdrawn candidates, as negative numbers
//! [nick a b c d]       # optional option lines (Droop): nicknames usable in ballots
//! 3 1 3 4 0            # weight, preferences in order, 0 ends the ballot
//! 1 b=c 0              # `=` ranks candidates equally
//! 0                    # a lone 0 ends the ballots
//! "Adam"               # one name per candidate, quoted or not
//! Basil Brown
//! "Charlotte" "Donald"
//! "The title"
//! anything after the title is a note and is ignored
//! ```
//!
//! `#` starts a comment that runs to the end of the line (outside quoted names). The last line
//! need not end with a newline. Recognised option lines are `[nick ...]` (one nickname per
//! candidate, in order), `[withdrawn ...]` (numbers or nicknames) and `[title ...]`; other
//! option lines (`[tie ...]`, `[droop ...]`) are read and ignored.
//!
//! **Identical ballots are merged.** Ballot lines with the same preferences (the same ranks in
//! the same order) become one [`Ballot`] whose weight is the sum of theirs, in the order each
//! such ballot first appears. Every count in this crate is a function of the multiset of
//! ballots, so merging does not change a result; it makes counting a million ballots cost what
//! counting their distinct orders costs. A ballot that ranks nobody (`1 0`) is kept: methods set
//! it aside and report it.
//!
//! The parser works on bytes, with no regular expression and no allocation per token: a ballot
//! line allocates only when it is the first of its kind.

use std::collections::HashMap;

use super::{BATCH, FxBuild, Merger, NEXT_RANK, ParseError};
use crate::{CandidateId, Election, FlatElection};

/// Parses a BLT file. See the [module documentation](self) for the dialect.
pub fn parse(input: &str) -> Result<Election, ParseError> {
    parse_flat(input).map(FlatElection::into_election)
}

/// Parses a BLT file into an election whose ballots are kept flat ([`FlatElection`]): the
/// same ballots as [`parse`], in the same order, without a vector per ballot. The `count_flat`
/// functions count it.
pub fn parse_flat(input: &str) -> Result<FlatElection, ParseError> {
    Parser::new(input).parse()
}

/// Writes an election as BLT: header, withdrawn line (if any), one line per ballot (equal
/// ranks joined by `=`), `0`, quoted names, quoted title.
///
/// A `"` or line break inside a name or the title cannot be written in BLT; it is written as
/// `'` or a space.
pub fn write(election: &Election) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(64 + election.ballots.len() * 16);
    let _ = writeln!(out, "{} {}", election.candidates.len(), election.seats);
    if !election.withdrawn.is_empty() {
        let line: Vec<String> = election
            .withdrawn
            .iter()
            .map(|c| format!("-{}", c.0 + 1))
            .collect();
        let _ = writeln!(out, "{}", line.join(" "));
    }
    for ballot in &election.ballots {
        let _ = write!(out, "{}", ballot.weight);
        for rank in &ballot.ranks {
            out.push(' ');
            for (i, c) in rank.iter().enumerate() {
                if i > 0 {
                    out.push('=');
                }
                let _ = write!(out, "{}", c.0 + 1);
            }
        }
        out.push_str(" 0\n");
    }
    out.push_str("0\n");
    let clean = |s: &str| s.replace('"', "'").replace(['\n', '\r'], " ");
    for name in &election.candidates {
        let _ = writeln!(out, "\"{}\"", clean(name));
    }
    let _ = writeln!(out, "\"{}\"", clean(&election.title));
    out
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
    /// Whether plain ballot lines go through [`fast_line`] (always, but in the tests that
    /// compare it with the general reader).
    fast: bool,
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == b'\r' || b == b'\x0c'
}

fn is_token_end(b: u8) -> bool {
    b.is_ascii_whitespace() || b == b'#' || b == b'='
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Parser {
            text,
            s: text.as_bytes(),
            pos: 0,
            line: 1,
            line_start: 0,
            fast: true,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn newline(&mut self) {
        self.pos += 1;
        self.line += 1;
        self.line_start = self.pos;
    }

    fn skip_comment(&mut self) {
        while let Some(b) = self.peek() {
            if b == b'\n' {
                break;
            }
            self.pos += 1;
        }
    }

    /// Skips spaces and comments on the current line, stopping before a newline.
    fn skip_inline(&mut self) {
        while let Some(b) = self.peek() {
            if is_space(b) {
                self.pos += 1;
            } else if b == b'#' {
                self.skip_comment();
            } else {
                break;
            }
        }
    }

    /// Skips spaces, comments and line breaks.
    fn skip_all(&mut self) {
        loop {
            self.skip_inline();
            if self.peek() == Some(b'\n') {
                self.newline();
            } else {
                break;
            }
        }
    }

    fn column_of(&self, pos: usize) -> usize {
        let start = self.line_start.min(pos);
        self.text
            .get(start..pos)
            .map_or(pos - start, |t| t.chars().count())
            + 1
    }

    /// A short description of what stands at `pos`, for an error message.
    fn found_at(&self, pos: usize) -> String {
        match self.s.get(pos) {
            None => "the end of the file".into(),
            Some(b'\n') | Some(b'\r') => "the end of the line".into(),
            Some(_) => {
                let rest = self.text.get(pos..).unwrap_or("");
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '#')
                    .unwrap_or(rest.len())
                    .max(1);
                let token: String = rest.get(..end).unwrap_or(rest).chars().take(24).collect();
                format!("`{token}`")
            }
        }
    }

    fn error_at(&self, pos: usize, expected: impl Into<String>) -> ParseError {
        ParseError::at_line(self.line, self.column_of(pos), expected, self.found_at(pos))
    }

    /// The fast path of [`Parser::unsigned`]: a number of at most 18 digits followed by a token
    /// end, or `None` (without moving) for anything else, which the slow path then explains.
    #[inline(always)]
    fn quick_number(&mut self) -> Option<u64> {
        let start = self.pos;
        let mut value: u64 = 0;
        let mut p = start;
        while let Some(&b) = self.s.get(p) {
            if !b.is_ascii_digit() {
                break;
            }
            value = value * 10 + u64::from(b - b'0');
            p += 1;
        }
        let len = p - start;
        if len == 0 || len > 18 || self.s.get(p).is_some_and(|&b| !is_token_end(b)) {
            return None;
        }
        self.pos = p;
        Some(value)
    }

    /// Reads an unsigned integer at the current position, which must be followed by a token
    /// end. Returns `None` (without moving) if there is no digit here.
    fn unsigned(&mut self, what: &str) -> Result<Option<u64>, ParseError> {
        let start = self.pos;
        let mut value: u64 = 0;
        while let Some(b) = self.peek() {
            if !b.is_ascii_digit() {
                break;
            }
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(b - b'0')))
                .ok_or_else(|| self.error_at(start, format!("{what} (too large)")))?;
            self.pos += 1;
        }
        if self.pos == start {
            return Ok(None);
        }
        match self.peek() {
            Some(b) if !is_token_end(b) => {
                self.pos = start;
                Err(self.error_at(start, what))
            }
            _ => Ok(Some(value)),
        }
    }

    fn word(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if is_token_end(b) || b == b']' {
                break;
            }
            self.pos += 1;
        }
        self.text.get(start..self.pos).unwrap_or("")
    }

    fn parse(mut self) -> Result<FlatElection, ParseError> {
        self.skip_all();
        let start = self.pos;
        let candidates = match self.unsigned("the number of candidates")? {
            Some(n) if n >= 1 && n < u64::from(NEXT_RANK) => n as usize,
            _ => return Err(self.error_at(start, "the number of candidates (at least 1)")),
        };
        self.skip_inline();
        let start = self.pos;
        let seats = match self.unsigned("the number of seats")? {
            Some(n) if n >= 1 && n <= u64::from(u32::MAX) => n as u32,
            _ => return Err(self.error_at(start, "the number of seats (at least 1)")),
        };
        self.skip_inline();
        if !matches!(self.peek(), None | Some(b'\n')) {
            return Err(self.error_at(self.pos, "the end of the first line (`candidates seats`)"));
        }

        let mut election = FlatElection {
            title: String::new(),
            candidates: Vec::with_capacity(candidates),
            seats,
            withdrawn: Vec::new(),
            ballots: Default::default(),
        };
        let mut nicks: HashMap<&'a str, u32, FxBuild> = HashMap::default();
        let mut title_option: Option<String> = None;

        // Withdrawn candidates and option lines, before the ballots.
        loop {
            self.skip_all();
            match self.peek() {
                Some(b'-') => {
                    self.pos += 1;
                    let start = self.pos;
                    let c = self.candidate_number(
                        candidates,
                        start,
                        "a withdrawn candidate's number after `-`",
                    )?;
                    if !election.withdrawn.contains(&c) {
                        election.withdrawn.push(c);
                    }
                }
                Some(b'[') => {
                    self.option_line(
                        candidates,
                        &mut nicks,
                        &mut election.withdrawn,
                        &mut title_option,
                    )?;
                }
                _ => break,
            }
        }

        self.ballots(candidates, &nicks, &mut election, &mut title_option)?;

        // Names, then the title; anything after is a note.
        for i in 0..candidates {
            self.skip_all();
            match self.name() {
                Some(name) => election.candidates.push(name),
                None => {
                    return Err(self.error_at(
                        self.pos,
                        format!("the name of candidate {} of {candidates}", i + 1),
                    ));
                }
            }
        }
        self.skip_all();
        election.title = self.name().or(title_option).unwrap_or_default();
        Ok(election)
    }

    /// Reads a candidate number `1..=candidates` at the current position.
    fn candidate_number(
        &mut self,
        candidates: usize,
        start: usize,
        what: &str,
    ) -> Result<CandidateId, ParseError> {
        match self.unsigned(what)? {
            Some(n) if n >= 1 && n <= candidates as u64 => Ok(CandidateId((n - 1) as u32)),
            _ => Err(self.error_at(start, format!("{what} (1 to {candidates})"))),
        }
    }

    /// Reads a quoted name, or the rest of the line as an unquoted one.
    fn name(&mut self) -> Option<String> {
        match self.peek()? {
            b'"' => {
                let start = self.pos + 1;
                let rest = self.s.get(start..)?;
                let len = rest.iter().position(|&b| b == b'"' || b == b'\n')?;
                if rest.get(len) != Some(&b'"') {
                    return None;
                }
                self.pos = start + len + 1;
                self.text.get(start..start + len).map(str::to_owned)
            }
            b'[' => {
                // An option line among the names (e.g. a late `[title ...]`): skip it.
                self.skip_comment();
                self.skip_all();
                self.name()
            }
            _ => {
                let start = self.pos;
                self.skip_comment();
                self.text.get(start..self.pos).map(|s| s.trim().to_owned())
            }
        }
    }

    fn option_line(
        &mut self,
        candidates: usize,
        nicks: &mut HashMap<&'a str, u32, FxBuild>,
        withdrawn: &mut Vec<CandidateId>,
        title: &mut Option<String>,
    ) -> Result<(), ParseError> {
        let open = self.pos;
        self.pos += 1;
        self.skip_inline();
        let keyword = self.word();
        let mut words: Vec<(usize, &'a str)> = Vec::new();
        loop {
            self.skip_inline();
            match self.peek() {
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                None | Some(b'\n') => {
                    return Err(self.error_at(self.pos, "`]` closing the option line"));
                }
                Some(b'"') => {
                    let start = self.pos;
                    let name = self
                        .name()
                        .ok_or_else(|| self.error_at(start, "a closing `\"`"))?;
                    *title = Some(name);
                }
                Some(_) => {
                    let start = self.pos;
                    let w = self.word();
                    if w.is_empty() {
                        // A lone `=` or similar: step over it so the loop advances.
                        self.pos += 1;
                    }
                    words.push((start, w));
                }
            }
        }
        match keyword {
            "nick" => {
                if words.len() != candidates {
                    return Err(ParseError::at_line(
                        self.line,
                        self.column_of(open),
                        format!("{candidates} nicknames, one per candidate"),
                        format!("{}", words.len()),
                    ));
                }
                for (i, &(start, w)) in words.iter().enumerate() {
                    if w.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(self.error_at(start, "a nickname that is not a number"));
                    }
                    if nicks.insert(w, i as u32).is_some() {
                        return Err(self.error_at(start, "a nickname not used before"));
                    }
                }
            }
            "withdrawn" | "withdraw" => {
                for &(start, w) in &words {
                    let c = match nicks.get(w) {
                        Some(&c) => CandidateId(c),
                        None => match w.parse::<usize>() {
                            Ok(n) if n >= 1 && n <= candidates => CandidateId((n - 1) as u32),
                            _ => {
                                return Err(self.error_at(
                                    start,
                                    format!("a candidate number (1 to {candidates}) or nickname"),
                                ));
                            }
                        },
                    };
                    if !withdrawn.contains(&c) {
                        withdrawn.push(c);
                    }
                }
            }
            "title" if !words.is_empty() => {
                let text: Vec<&str> = words.iter().map(|&(_, w)| w).collect();
                *title = Some(text.join(" "));
            }
            _ => {}
        }
        self.skip_inline();
        if !matches!(self.peek(), None | Some(b'\n')) {
            return Err(self.error_at(self.pos, "the end of the line after the option `]`"));
        }
        Ok(())
    }

    /// Reads the ballot lines into `election`, on two threads when there are many.
    ///
    /// The ballot section is cut at a line start near its middle; this thread reads the first
    /// half while another reads the second, each merging its own ballots, and the second
    /// half's distinct ballots are then added after the first's, so the result (order of first
    /// appearance included) is exactly that of one pass. Lines are independent in BLT, so a
    /// line start is always a safe cut; if the ballots end before the cut, the second half's
    /// work is discarded.
    fn ballots(
        &mut self,
        candidates: usize,
        nicks: &HashMap<&'a str, u32, FxBuild>,
        election: &mut FlatElection,
        title: &mut Option<String>,
    ) -> Result<(), ParseError> {
        let mut merger = Merger::with_candidates(candidates);
        let rest = self.s.len() - self.pos;
        let cut = if rest >= PARALLEL_BYTES {
            let middle = self.pos + rest / 2;
            self.s[middle..]
                .iter()
                .position(|&b| b == b'\n')
                .map(|i| middle + i + 1)
        } else {
            None
        };
        // A guess at the distinct ballots of the whole section, which this merger ends up
        // holding: lines are some 16 bytes, and large files repeat their common ballots; the
        // table grows if the guess is short.
        merger.expect(rest / 64);
        let Some(cut) = cut else {
            self.ballot_lines(
                candidates,
                nicks,
                &mut merger,
                &mut election.withdrawn,
                title,
                usize::MAX,
            )?;
            election.ballots = merger.finish_flat();
            return Ok(());
        };
        let mut second = Parser {
            text: self.text,
            s: self.s,
            pos: cut,
            line: 1,
            line_start: cut,
            fast: self.fast,
        };
        let (first_result, second_result) = std::thread::scope(|scope| {
            let handle = scope.spawn(|| {
                let mut merger = Merger::with_candidates(candidates);
                merger.expect((self.s.len() - cut) / 64);
                let mut withdrawn = Vec::new();
                let mut title = None;
                let result = second.ballot_lines(
                    candidates,
                    nicks,
                    &mut merger,
                    &mut withdrawn,
                    &mut title,
                    usize::MAX,
                );
                (result, merger, withdrawn, title)
            });
            let first = self.ballot_lines(
                candidates,
                nicks,
                &mut merger,
                &mut election.withdrawn,
                title,
                cut,
            );
            (first, handle.join())
        });
        let ended_before_cut = first_result?;
        if !ended_before_cut {
            // The first half stopped at the cut; the second half counted its lines from 1.
            let offset = self.s[..cut].iter().filter(|&&b| b == b'\n').count();
            let (result, other, withdrawn, other_title) = second_result.map_err(|_| {
                ParseError::at_line(
                    offset + 1,
                    1,
                    "ballot lines",
                    "a failure while reading them",
                )
            })?;
            result.map_err(|mut e| {
                e.line += offset;
                e
            })?;
            if !merger.absorb(&other) {
                return Err(ParseError::at_line(
                    offset + 1,
                    1,
                    "a total ballot weight below 2^64",
                    "more",
                ));
            }
            for c in withdrawn {
                if !election.withdrawn.contains(&c) {
                    election.withdrawn.push(c);
                }
            }
            if other_title.is_some() {
                *title = other_title;
            }
            self.pos = second.pos;
            self.line = second.line + offset;
            self.line_start = second.line_start;
        }
        election.ballots = merger.finish_flat();
        Ok(())
    }

    /// Reads ballot lines up to the lone `0` (returning true) or up to the first line that
    /// starts at or after `stop` (returning false).
    fn ballot_lines(
        &mut self,
        candidates: usize,
        nicks: &HashMap<&'a str, u32, FxBuild>,
        merger: &mut Merger,
        withdrawn: &mut Vec<CandidateId>,
        title: &mut Option<String>,
        stop: usize,
    ) -> Result<bool, ParseError> {
        let mut key: Vec<u32> = Vec::with_capacity(64);
        // `stamp[c] == line` when candidate c was already ranked on this ballot line.
        let mut stamp: Vec<usize> = vec![0; candidates];
        // Nicknames of up to 8 bytes, packed into a u64: one multiply to hash, one compare.
        let short: HashMap<u64, u32, FxBuild> = nicks
            .iter()
            .filter_map(|(w, &c)| pack(w.as_bytes()).map(|k| (k, c)))
            .collect();
        let mut nicks_withdrawn = Vec::new();
        let table = NickTable::new(&short);
        let (bits, fits) = merger.packing();
        let fast = self.fast && candidates <= 64 && fits > 0;
        // Lines read by the fast path and not yet merged: (packed key, weight).
        let mut batch: Vec<(u64, u64)> = Vec::with_capacity(BATCH);
        loop {
            self.skip_all();
            let start = self.pos;
            match self.peek() {
                Some(b'1'..=b'9') if fast && start < stop => {
                    if let Some(line) = fast_line(self.s, start, candidates, bits, fits, &table) {
                        batch.push((line.key, line.weight));
                        if batch.len() == BATCH {
                            flush(merger, &mut batch, self.line)?;
                        }
                        self.pos = line.end;
                        self.line += 1;
                        self.line_start = line.end;
                        continue;
                    }
                }
                _ => {}
            }
            // Every line the fast path read is counted before any other line is looked at.
            flush(merger, &mut batch, self.line)?;
            if start >= stop {
                return Ok(false);
            }
            match self.peek() {
                None => {
                    return Err(
                        self.error_at(start, "a ballot line or the `0` that ends the ballots")
                    );
                }
                Some(b'[') => {
                    self.option_line(candidates, &mut nicks.clone(), &mut nicks_withdrawn, title)?;
                    for c in nicks_withdrawn.drain(..) {
                        if !withdrawn.contains(&c) {
                            withdrawn.push(c);
                        }
                    }
                    continue;
                }
                _ => {}
            }
            let weight = match self.quick_number() {
                Some(w) => w,
                None => self
                    .unsigned("a ballot weight (a whole number)")?
                    .ok_or_else(|| {
                        self.error_at(
                            start,
                            "a ballot weight (a whole number) or the `0` that ends the ballots",
                        )
                    })?,
            };
            self.skip_inline();
            if weight == 0 && matches!(self.peek(), None | Some(b'\n')) {
                return Ok(true);
            }
            key.clear();
            let line = self.line;
            let mut after_equals = true; // no rank open yet: the next candidate starts one
            let mut first = true;
            loop {
                self.skip_inline();
                let at = self.pos;
                let c = match self.peek() {
                    Some(b'0'..=b'9') => {
                        let n = match self.quick_number() {
                            Some(n) => n,
                            None => self.unsigned("a candidate number")?.unwrap_or(0),
                        };
                        if n == 0 {
                            if after_equals && !first {
                                return Err(self.error_at(at, "a candidate after `=`"));
                            }
                            break;
                        }
                        if n > candidates as u64 {
                            return Err(self.error_at(
                                at,
                                format!(
                                    "a candidate number (1 to {candidates}) or 0 ending the ballot"
                                ),
                            ));
                        }
                        (n - 1) as u32
                    }
                    Some(b'=') => {
                        if after_equals {
                            return Err(self.error_at(at, "a candidate before `=`"));
                        }
                        self.pos += 1;
                        after_equals = true;
                        continue;
                    }
                    None | Some(b'\n') => {
                        return Err(
                            self.error_at(at, "a candidate or the `0` that ends the ballot")
                        );
                    }
                    Some(_) => {
                        let w = self.word();
                        let found = match pack(w.as_bytes()) {
                            Some(k) => short.get(&k),
                            None => nicks.get(w),
                        };
                        match found {
                            Some(&c) => c,
                            None => {
                                self.pos = at;
                                return Err(self.error_at(
                                    at,
                                    format!("a candidate number (1 to {candidates}), a nickname, or 0 ending the ballot"),
                                ));
                            }
                        }
                    }
                };
                let slot = &mut stamp[c as usize];
                if *slot == line {
                    return Err(self.error_at(at, "a candidate not already ranked on this ballot"));
                }
                *slot = line;
                if !after_equals {
                    key.push(NEXT_RANK);
                }
                key.push(c);
                after_equals = false;
                first = false;
            }
            self.skip_inline();
            if !matches!(self.peek(), None | Some(b'\n')) {
                return Err(self.error_at(self.pos, "the end of the ballot line after its `0`"));
            }
            if !merger.add(&key, weight) {
                return Err(ParseError::at_line(
                    line,
                    1,
                    "a total ballot weight below 2^64",
                    "more",
                ));
            }
        }
    }
}

/// Merges the lines the fast path read (the last of which is on the line before `line`), or
/// names the line whose weight made a total overflow.
fn flush(merger: &mut Merger, batch: &mut Vec<(u64, u64)>, line: usize) -> Result<(), ParseError> {
    let result = merger.add_packed_batch(batch);
    let read = batch.len();
    batch.clear();
    result.map_err(|i| {
        ParseError::at_line(
            line - read + i,
            1,
            "a total ballot weight below 2^64",
            "more",
        )
    })
}

/// A ballot line read by [`fast_line`].
struct FastLine {
    /// Just after the line's `\n`.
    end: usize,
    weight: u64,
    /// The ballot packed as [`Merger::add_packed`] takes it.
    key: u64,
}

/// Reads the ballot line at `p` if it is of the plain kind almost every line is: a weight
/// above 0, candidate numbers or short nicknames (each at most once, `=` between equal ones),
/// `0`, the line break, with no comment and no more candidates than a packed key holds.
/// Returns `None` for anything else, and the caller reads that line slowly, which also
/// explains any error; so this path changes no result and no message, only the speed.
#[inline]
fn fast_line(
    s: &[u8],
    mut p: usize,
    candidates: usize,
    bits: u32,
    fits: usize,
    nicks: &NickTable,
) -> Option<FastLine> {
    let start = p;
    let mut weight = 0u64;
    while let Some(&b) = s.get(p) {
        if !b.is_ascii_digit() {
            break;
        }
        weight = weight.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
        p += 1;
    }
    if p - start > 18 || weight == 0 || !matches!(s.get(p), Some(b' ' | b'\t')) {
        return None;
    }
    let mut key = 0u64;
    let mut len_codes = 0usize;
    let mut seen = 0u64;
    let mut after_equals = true;
    loop {
        while s.get(p).is_some_and(|&b| is_space(b)) {
            p += 1;
        }
        let b = *s.get(p)?;
        let c = if b == b'=' {
            if after_equals {
                return None;
            }
            p += 1;
            after_equals = true;
            continue;
        } else if b == b'\n' || b == b'#' {
            return None;
        } else {
            // The token's first (up to) 8 bytes in one load; it ends at its first stop byte.
            let word = load8(s, p);
            let len = (stops(word).trailing_zeros() / 8) as usize;
            let end = *s.get(p + len)?;
            let token = if len == 8 {
                word
            } else {
                word & ((1 << (8 * len)) - 1)
            };
            p += len;
            if b.is_ascii_digit() {
                // A candidate number: digits only, up to a token end (as `unsigned` reads it).
                if !is_token_end(end) {
                    return None;
                }
                let mut v = 0u64;
                for i in 0..len {
                    let d = (token >> (8 * i)) as u8;
                    if !d.is_ascii_digit() {
                        return None;
                    }
                    v = v * 10 + u64::from(d - b'0');
                }
                if v == 0 {
                    if after_equals && len_codes > 0 {
                        return None;
                    }
                    break;
                }
                if v > candidates as u64 {
                    return None;
                }
                v - 1
            } else {
                // A nickname of at most 8 bytes, up to where [`Parser::word`] stops.
                if !(is_token_end(end) || end == b']') {
                    return None;
                }
                u64::from(nicks.get(token)?)
            }
        };
        if seen & (1 << c) != 0 {
            return None;
        }
        seen |= 1 << c;
        if after_equals && len_codes > 0 {
            // After `=`: the code 0 puts `c` in the previous candidate's rank.
            len_codes += 1;
        }
        if len_codes >= fits {
            return None;
        }
        key |= (c + 1) << (bits as usize * len_codes);
        len_codes += 1;
        after_equals = false;
    }
    while s.get(p).is_some_and(|&b| is_space(b)) {
        p += 1;
    }
    if s.get(p) != Some(&b'\n') {
        return None;
    }
    Some(FastLine {
        end: p + 1,
        weight,
        key: key | 1 << (bits as usize * len_codes),
    })
}

/// The 8 bytes of `s` from `p` as a little-endian u64, with zero bytes past the end.
#[inline(always)]
fn load8(s: &[u8], p: usize) -> u64 {
    if let Some(bytes) = s.get(p..p + 8).and_then(|b| <[u8; 8]>::try_from(b).ok()) {
        return u64::from_le_bytes(bytes);
    }
    let mut buf = [0u8; 8];
    let rest = s.get(p..).unwrap_or(&[]);
    buf[..rest.len()].copy_from_slice(rest);
    u64::from_le_bytes(buf)
}

/// The high bit of each byte of `word` that is below `n` (at most 0x80), exact for the lowest
/// such byte (a borrow can mark bytes above it, never below), which is all [`stops`] needs.
#[inline(always)]
fn bytes_below(word: u64, n: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    word.wrapping_sub(ONES * u64::from(n)) & !word & (ONES << 7)
}

/// Marks the bytes of `word` where a token may stop: spaces, control bytes, `#`, `=` and `]`.
/// Its lowest mark is the first such byte (see [`bytes_below`]); a control byte that is no
/// token end makes the caller give the line to the general reader.
#[inline(always)]
fn stops(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let equal = |b: u8| bytes_below(word ^ (ONES * u64::from(b)), 1);
    bytes_below(word, 0x21) | equal(b'#') | equal(b'=') | equal(b']')
}

/// Nicknames of up to 8 bytes (packed by [`pack`]) -> candidate, in an open-addressing table
/// small enough to stay in the fastest cache.
struct NickTable {
    slots: Vec<(u64, u32)>,
    shift: u32,
}

impl NickTable {
    fn new(nicks: &HashMap<u64, u32, FxBuild>) -> Self {
        let size = (nicks.len() * 4).next_power_of_two().max(16);
        let mut table = NickTable {
            slots: vec![(0, 0); size],
            shift: 64 - size.trailing_zeros(),
        };
        for (&k, &c) in nicks {
            if k == 0 {
                continue;
            }
            let mut at = table.home(k);
            while table.slots[at].0 != 0 {
                at = (at + 1) & (size - 1);
            }
            table.slots[at] = (k, c);
        }
        table
    }

    #[inline]
    fn home(&self, k: u64) -> usize {
        (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    #[inline]
    fn get(&self, k: u64) -> Option<u32> {
        if k == 0 {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut at = self.home(k);
        loop {
            let (key, c) = self.slots[at];
            if key == k {
                return Some(c);
            }
            if key == 0 {
                return None;
            }
            at = (at + 1) & mask;
        }
    }
}

/// Ballot sections at least this long are read on two threads.
const PARALLEL_BYTES: usize = 1 << 20;

/// A word of 1 to 8 bytes as a u64 (a nickname never holds a NUL byte, so this is exact).
#[inline]
fn pack(word: &[u8]) -> Option<u64> {
    if word.is_empty() || word.len() > 8 {
        return None;
    }
    // Shifts rather than a copy into a buffer: no memcpy call, no store-to-load stall.
    let mut packed = 0u64;
    for (i, &b) in word.iter().enumerate() {
        packed |= u64::from(b) << (8 * i);
    }
    Some(packed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_basic_dialect() {
        let e = parse("3 2\n-2\n4 1 2 0\n2 3 0\n4 1 2 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"T\"").unwrap();
        assert_eq!(e.candidates, ["A", "B", "C"]);
        assert_eq!(e.seats, 2);
        assert_eq!(e.withdrawn, [CandidateId(1)]);
        assert_eq!(e.title, "T");
        assert_eq!(e.ballots.len(), 2);
        assert_eq!(e.ballots[0].weight, 8);
        assert_eq!(
            e.ballots[0].ranks,
            vec![vec![CandidateId(0)], vec![CandidateId(1)]]
        );
    }

    #[test]
    fn reads_nicknames_equal_ranks_and_unquoted_names() {
        let e = parse(
            "# a comment\n3 1 # header\n[nick a b c]\n5 a b 0\n1 b=c 0\n1 2 = 3 0\n0\nAnn Lee\n\"Bo\" \"Cy\"\nMy title\nnotes here\n",
        )
        .unwrap();
        assert_eq!(e.candidates, ["Ann Lee", "Bo", "Cy"]);
        assert_eq!(e.title, "My title");
        assert_eq!(e.ballots.len(), 2);
        assert_eq!(e.ballots[1].weight, 2);
        assert_eq!(
            e.ballots[1].ranks,
            vec![vec![CandidateId(1), CandidateId(2)]]
        );
    }

    /// Reads `text` with the general reader alone, for every line.
    fn parse_slowly(text: &str) -> Result<FlatElection, ParseError> {
        let mut parser = Parser::new(text);
        parser.fast = false;
        parser.parse()
    }

    /// What sends a line (or the file) to the general reader or to an error.
    fn odd_token() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("=".to_owned()),
            Just("0".to_owned()),
            Just("007".to_owned()),
            Just("3".to_owned()),
            Just("n4".to_owned()),
            Just("# note".to_owned()),
            Just("longnickname".to_owned()),
            Just("x".to_owned()),
            Just("9".to_owned()),
            Just("1]".to_owned()),
            Just("\u{b}".to_owned()),
            Just("\u{0}".to_owned()),
            Just("n1=n2".to_owned()),
            Just("123456789012".to_owned()),
            Just("é".to_owned()),
            Just("[tie 1 2]".to_owned()),
        ]
    }

    fn separator() -> impl Strategy<Value = &'static str> {
        prop_oneof![8 => Just(" "), 1 => Just("\t"), 1 => Just("  "), 1 => Just(" \r")]
    }

    /// A ballot line: a weight, distinct candidates (as numbers or nicknames) in ranks joined
    /// by `=`, mostly a closing `0`, and sometimes an odd token somewhere.
    fn ballot_line() -> impl Strategy<Value = String> {
        let ranking =
            proptest::sample::subsequence((1u32..=5).collect::<Vec<_>>(), 0..=5).prop_shuffle();
        (
            prop_oneof![8 => (1u64..4).prop_map(|w| w.to_string()), 1 => Just("18446744073709551615".to_owned()), 1 => Just("0".to_owned())],
            ranking,
            proptest::collection::vec((separator(), 0u8..8), 5),
            proptest::option::weighted(0.2, (0usize..6, odd_token())),
            prop_oneof![6 => Just(" 0"), 1 => Just(""), 1 => Just(" 0 # done"), 1 => Just(" 0 \r")],
        )
            .prop_map(|(weight, ranking, styles, odd, end)| {
                let mut tokens: Vec<String> = Vec::new();
                for (i, c) in ranking.into_iter().enumerate() {
                    let (sep, style) = styles[i];
                    if i > 0 && style < 2 {
                        tokens.push("=".to_owned());
                    }
                    tokens.push(if style % 2 == 0 { c.to_string() } else { format!("n{c}") });
                    if sep != " " {
                        tokens.push(sep.to_owned());
                    }
                }
                if let Some((at, token)) = odd {
                    tokens.insert(at.min(tokens.len()), token);
                }
                let mut line = weight;
                for token in tokens {
                    if !token.trim().is_empty() {
                        line.push(' ');
                    }
                    line.push_str(&token);
                }
                line.push_str(end);
                line
            })
    }

    /// A BLT file of 5 candidates: maybe withdrawn and option lines, ballot lines, the
    /// closing `0`, quoted names and a title, maybe without a final newline.
    fn blt_text() -> impl Strategy<Value = String> {
        (
            any::<bool>(),
            any::<bool>(),
            proptest::collection::vec(ballot_line(), 0..12),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(withdrawn, nick, lines, close, final_newline)| {
                let mut text = "5 2\n".to_owned();
                if withdrawn {
                    text.push_str("-4\n");
                }
                if nick {
                    text.push_str("[nick n1 n2 n3 n4 n5]\n");
                }
                for line in lines {
                    text.push_str(&line);
                    text.push('\n');
                }
                if close {
                    text.push_str("0\n");
                }
                text.push_str("\"Ann\"\n\"Bo\" \"Cy\"\nDee Lee\n\"Eve\"\n\"The title\"");
                if final_newline {
                    text.push('\n');
                }
                text
            })
    }

    proptest! {
        /// The fast path for plain lines changes nothing: the same election, or the same
        /// error at the same line and column, as the general reader gives for every line.
        #[test]
        fn the_fast_path_reads_as_the_general_reader(text in blt_text()) {
            prop_assert_eq!(parse_flat(&text), parse_slowly(&text), "{}", text);
        }

        /// A line read by the fast path and the same line read by the general reader (as a
        /// line with a comment always is) make the same ballot, into which the two merge.
        #[test]
        fn the_fast_path_keys_ballots_as_the_general_reader(line in ballot_line()) {
            let text = format!(
                "5 1\n[nick n1 n2 n3 n4 n5]\n{line}\n{line} # read slowly\n0\nA\nB\nC\nD\nE\n"
            );
            let fast = parse_flat(&text);
            prop_assert_eq!(&fast, &parse_slowly(&text), "{}", text);
            if let Ok(e) = fast {
                prop_assert!(e.ballots.len() <= 1, "{}", text);
            }
        }

        /// A file whose last line, a ballot line, ends without a newline: an error naming it.
        #[test]
        fn the_fast_path_reads_a_last_line_without_newline(line in ballot_line()) {
            let text = format!("5 1\n[nick n1 n2 n3 n4 n5]\n1 1 0\n{line}");
            prop_assert_eq!(parse_flat(&text), parse_slowly(&text), "{}", text);
        }
    }

    #[test]
    fn the_fast_path_reads_large_files_as_the_general_reader() {
        let spec = crate::synth::SynthSpec::new(15, 5, 120_000, 7);
        let text = crate::synth::blt(&spec);
        assert!(text.len() >= PARALLEL_BYTES, "two threads read this file");
        let fast = parse_flat(&text).unwrap();
        assert_eq!(fast, parse_slowly(&text).unwrap());
        // With `=` ranks, which take a code of their own in a packed key.
        let (head, lines) = text.split_at(text.find("]\n").unwrap() + 2);
        let equal = format!("{head}{}", lines.replace(" c2 c", " c2=c"));
        assert_ne!(equal, text);
        assert_eq!(parse_flat(&equal).unwrap(), parse_slowly(&equal).unwrap());
    }

    #[test]
    fn errors_name_line_column_and_expectation() {
        let err = parse("3 1\n1 1 4 0\n0\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 5));
        assert!(err.expected.contains("1 to 3"), "{err}");
        let err = parse("3 1\n1 1 2\n0\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 6));
        let err = parse("3 1\n1 1 1 0\n0\n").unwrap_err();
        assert!(err.expected.contains("not already ranked"), "{err}");
        let err = parse("3 1\n1 1 0\n0\n\"A\"\n\"B\"\n").unwrap_err();
        assert!(err.expected.contains("candidate 3 of 3"), "{err}");
        let err = parse("x 1\n").unwrap_err();
        assert_eq!((err.line, err.column), (1, 1));
        let err = parse("2 1\n1 1 0\n").unwrap_err();
        assert_eq!(err.found, "the end of the file");
    }
}
