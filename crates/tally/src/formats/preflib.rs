//! PrefLib's ordinal formats: `.soc` (strict complete orders), `.soi` (strict incomplete
//! orders) and `.toc` (orders with ties).
//!
//! Source: N. Mattei and T. Walsh, "PrefLib: A Library for Preferences", and the format
//! description at preflib.org (2022 revision):
//!
//! ```text
//! # TITLE: Debian 2007 Leader
//! # NUMBER ALTERNATIVES: 3
//! # ALTERNATIVE NAME 1: Wouter Verhelst
//! # ALTERNATIVE NAME 2: Aigars Mahinovs
//! # ALTERNATIVE NAME 3: None Of The Above
//! 12: 3
//! 6: 1,3
//! 2: 2,{1,3}
//! ```
//!
//! Each data line is `count: order`; in `.toc` files `{a,b}` groups alternatives ranked
//! equally. Alternatives left out of an incomplete order are simply not ranked: how a method
//! treats them (e.g. Schulze ranks them below every ranked one) is the method's to say.
//!
//! The older format (before 2022) is read too: a first line with the number of alternatives,
//! one `number,name` line each, a `voters,sum of counts,unique orders` line, then
//! `count,order` lines. PrefLib gives no number of seats: the caller says how many.
//! Identical orders are merged into one weighted ballot, as in [`super::blt`].

use super::{Merger, NEXT_RANK, ParseError};
use crate::Election;

/// Parses a PrefLib `.soc`, `.soi` or `.toc` file (either revision of the format).
pub fn parse(input: &str, seats: u32) -> Result<Election, ParseError> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let first = input
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if first.starts_with('#') || first.contains(':') {
        parse_2022(input, seats)
    } else {
        parse_legacy(input, seats)
    }
}

fn column(line: &str, part: &str) -> usize {
    // `part` is a subslice of `line`: its byte offset, in characters, plus one.
    let offset = (part.as_ptr() as usize).saturating_sub(line.as_ptr() as usize);
    line.get(..offset).map_or(1, |s| s.chars().count() + 1)
}

fn parse_2022(input: &str, seats: u32) -> Result<Election, ParseError> {
    let mut title = String::new();
    let mut declared: Option<usize> = None;
    let mut names: Vec<(usize, String)> = Vec::new();
    let mut merger = Merger::default();
    let mut key = Vec::new();
    let mut data_started = false;
    let mut candidates = 0usize;

    for (i, raw) in input.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(meta) = trimmed.strip_prefix('#') {
            if data_started {
                continue;
            }
            let meta = meta.trim();
            let Some((k, v)) = meta.split_once(':') else {
                continue;
            };
            let (k, v) = (k.trim(), v.trim());
            if k.eq_ignore_ascii_case("TITLE") {
                title = v.to_owned();
            } else if k.eq_ignore_ascii_case("NUMBER ALTERNATIVES") {
                declared = Some(v.parse().map_err(|_| {
                    ParseError::at_line(
                        line_no,
                        column(line, v),
                        "a number of alternatives",
                        format!("`{v}`"),
                    )
                })?);
            } else if let Some(n) = k.strip_prefix("ALTERNATIVE NAME ") {
                let n: usize = n.trim().parse().map_err(|_| {
                    ParseError::at_line(
                        line_no,
                        column(line, n),
                        "an alternative's number",
                        format!("`{n}`"),
                    )
                })?;
                names.push((n, v.to_owned()));
            }
            continue;
        }
        if !data_started {
            data_started = true;
            candidates =
                declared.unwrap_or_else(|| names.iter().map(|&(n, _)| n).max().unwrap_or(0));
            if candidates == 0 {
                return Err(ParseError::at_line(
                    line_no,
                    1,
                    "`# NUMBER ALTERNATIVES: n` or `# ALTERNATIVE NAME i: name` before the orders",
                    "an order",
                ));
            }
        }
        let Some((count, order)) = trimmed.split_once(':') else {
            return Err(ParseError::at_line(
                line_no,
                column(line, trimmed),
                "`count: order`",
                format!("`{trimmed}`"),
            ));
        };
        let weight = count.trim().parse::<u64>().map_err(|_| {
            ParseError::at_line(
                line_no,
                column(line, count.trim()),
                "a count of voters (a whole number)",
                format!("`{}`", count.trim()),
            )
        })?;
        order_key(order, line, line_no, candidates, ',', &mut key)?;
        if !merger.add(&key, weight) {
            return Err(ParseError::at_line(
                line_no,
                1,
                "a total count below 2^64",
                "more",
            ));
        }
    }
    let mut candidate_names: Vec<String> = (1..=candidates).map(|i| i.to_string()).collect();
    for (n, name) in names {
        if n >= 1 && n <= candidates {
            candidate_names[n - 1] = name;
        }
    }
    Ok(Election {
        title,
        candidates: candidate_names,
        seats,
        withdrawn: Vec::new(),
        ballots: merger.finish(),
    })
}

/// Reads one order (`1,{2,3},4`) into a flat ballot key.
fn order_key(
    order: &str,
    line: &str,
    line_no: usize,
    candidates: usize,
    sep: char,
    key: &mut Vec<u32>,
) -> Result<(), ParseError> {
    key.clear();
    let mut seen = vec![false; candidates];
    let mut in_group = false;
    let mut group_open = false;
    let mut rest = order;
    while !rest.trim().is_empty() {
        let t = rest.trim_start();
        let (token, after) = match t.find([sep, '{', '}']) {
            Some(0) => t.split_at(1),
            Some(i) => t.split_at(i),
            None => (t, ""),
        };
        rest = after;
        let token_trim = token.trim();
        match token_trim {
            "" => continue,
            "{" if !in_group => {
                in_group = true;
                group_open = false;
            }
            "}" if in_group => in_group = false,
            s if s.len() == 1 && s.starts_with(sep) => {}
            s => {
                let n: usize = s
                    .parse()
                    .ok()
                    .filter(|&n| n >= 1 && n <= candidates)
                    .ok_or_else(|| {
                        ParseError::at_line(
                            line_no,
                            column(line, token_trim),
                            format!("an alternative's number (1 to {candidates})"),
                            format!("`{s}`"),
                        )
                    })?;
                if std::mem::replace(&mut seen[n - 1], true) {
                    return Err(ParseError::at_line(
                        line_no,
                        column(line, token_trim),
                        "an alternative not already in this order",
                        format!("`{s}` again"),
                    ));
                }
                let continues_group = in_group && group_open;
                if !key.is_empty() && !continues_group {
                    key.push(NEXT_RANK);
                }
                if in_group {
                    group_open = true;
                }
                key.push((n - 1) as u32);
            }
        }
    }
    if in_group {
        return Err(ParseError::at_line(
            line_no,
            line.chars().count() + 1,
            "`}` closing the group",
            "the end of the line",
        ));
    }
    Ok(())
}

fn parse_legacy(input: &str, seats: u32) -> Result<Election, ParseError> {
    let mut lines = input
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty());
    let (line_no, line) = lines.next().unwrap_or((1, ""));
    let candidates: usize = line
        .trim()
        .parse()
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| {
            ParseError::at_line(
                line_no,
                1,
                "the number of alternatives",
                format!("`{}`", line.trim()),
            )
        })?;
    let mut names = Vec::with_capacity(candidates);
    for i in 0..candidates {
        let (line_no, line) = lines.next().unwrap_or((line_no + i + 1, ""));
        let Some((n, name)) = line.split_once(',') else {
            return Err(ParseError::at_line(
                line_no,
                1,
                format!("`{},name`", i + 1),
                format!("`{}`", line.trim()),
            ));
        };
        if n.trim().parse::<usize>().ok() != Some(i + 1) {
            return Err(ParseError::at_line(
                line_no,
                1,
                format!("alternative number {}", i + 1),
                format!("`{}`", n.trim()),
            ));
        }
        names.push(name.trim().to_owned());
    }
    let _totals = lines.next();
    let mut merger = Merger::default();
    let mut key = Vec::new();
    for (line_no, line) in lines {
        let t = line.trim();
        let (count, order) = t.split_once(',').unwrap_or((t, ""));
        let weight = count.trim().parse::<u64>().map_err(|_| {
            ParseError::at_line(
                line_no,
                column(line, count.trim()),
                "a count of voters (a whole number)",
                format!("`{}`", count.trim()),
            )
        })?;
        order_key(order, line, line_no, candidates, ',', &mut key)?;
        if !merger.add(&key, weight) {
            return Err(ParseError::at_line(
                line_no,
                1,
                "a total count below 2^64",
                "more",
            ));
        }
    }
    Ok(Election {
        title: String::new(),
        candidates: names,
        seats,
        withdrawn: Vec::new(),
        ballots: merger.finish(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::CandidateId;

    #[test]
    fn reads_ties_and_merges() {
        let e = parse(
            "# TITLE: T\n# NUMBER ALTERNATIVES: 3\n# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n# ALTERNATIVE NAME 3: C\n2: 1,{2,3}\n1: 3\n3: 1,{2,3}\n",
            1,
        )
        .unwrap();
        assert_eq!(e.candidates, ["A", "B", "C"]);
        assert_eq!(e.title, "T");
        assert_eq!(e.ballots.len(), 2);
        assert_eq!(e.ballots[0].weight, 5);
        assert_eq!(
            e.ballots[0].ranks,
            vec![vec![CandidateId(0)], vec![CandidateId(1), CandidateId(2)]]
        );
    }

    #[test]
    fn reads_the_legacy_format() {
        let e = parse("2\n1,A\n2,B\n3,3,2\n2,1,2\n1,2\n", 1).unwrap();
        assert_eq!(e.candidates, ["A", "B"]);
        assert_eq!(e.ballots.len(), 2);
    }

    #[test]
    fn errors_say_where() {
        let err = parse("# NUMBER ALTERNATIVES: 2\n1: 1,3\n", 1).unwrap_err();
        assert_eq!((err.line, err.column), (2, 6));
        let err = parse("# NUMBER ALTERNATIVES: 2\nx: 1\n", 1).unwrap_err();
        assert_eq!((err.line, err.column), (2, 1));
        let err = parse("# NUMBER ALTERNATIVES: 2\n1: {1,2\n", 1).unwrap_err();
        assert!(err.expected.contains('}'));
        let err = parse("# NUMBER ALTERNATIVES: 2\n1: 1,1\n", 1).unwrap_err();
        assert!(err.expected.contains("not already"));
    }
}
