//! Tests: flat ballots (`parse_flat`, `count_flat`) give exactly what the nested ones give, and
//! the BLT reader's fast path reads every plain line as the general reader does.

use proptest::prelude::*;
use tally::formats::blt;
use tally::stv::{self, MeekArithmetic, StvMethod, StvOptions};
use tally::synth::{self, SynthSpec};
use tally::{Ballot, CandidateId, Election, FlatBallots, FlatElection, irv, schulze};

use super::formats::{arb_election, read_blt};

/// Identical ballots merged, in order of first appearance, as the readers return them.
fn merged(ballots: &[Ballot]) -> Vec<Ballot> {
    let mut out: Vec<Ballot> = Vec::new();
    for b in ballots {
        match out.iter_mut().find(|x| x.ranks == b.ranks) {
            Some(x) => x.weight += b.weight,
            None => out.push(b.clone()),
        }
    }
    out
}

fn same_counts(e: &Election) {
    let flat = FlatElection::from(e);
    assert_eq!(flat.clone().into_election(), *e);
    for method in [StvMethod::Scottish, StvMethod::Wigm, StvMethod::Meek] {
        let options = StvOptions::new(method).with_seed(7);
        assert_eq!(
            stv::count(e, &options),
            stv::count_flat(&flat, &options),
            "{method:?}"
        );
    }
    let options = StvOptions::new(StvMethod::Meek).with_arithmetic(MeekArithmetic::HighPrecision);
    assert_eq!(stv::count(e, &options), stv::count_flat(&flat, &options));
    let options = irv::IrvOptions::default();
    assert_eq!(irv::count(e, &options), irv::count_flat(&flat, &options));
    let options = schulze::SchulzeOptions::default();
    assert_eq!(
        schulze::count(e, &options),
        schulze::count_flat(&flat, &options)
    );
}

#[test]
fn flat_counts_equal_nested_counts_on_real_and_synthetic_elections() {
    same_counts(&read_blt("scotland2017/blt/aberdeen_2017_ward1.blt"));
    same_counts(&synth::election(&SynthSpec::new(9, 3, 20_000, 5)));
}

#[test]
fn flat_ballots_keep_ranks_and_empty_ballots() {
    let mut flat = FlatBallots::default();
    let (a, b, c) = (CandidateId(0), CandidateId(1), CandidateId(2));
    flat.push(3, [&[a][..], &[b, c][..]]);
    flat.push(1, std::iter::empty::<&[CandidateId]>());
    assert_eq!(flat.len(), 2);
    assert_eq!(flat.ranks(0).collect::<Vec<_>>(), [&[a][..], &[b, c][..]]);
    assert_eq!(flat.ranks(1).count(), 0);
    let ballots = flat.to_ballots();
    assert_eq!(ballots[0].ranks, vec![vec![a], vec![b, c]]);
    assert!(ballots[1].ranks.is_empty());
    assert_eq!(FlatBallots::from(ballots.as_slice()), flat);
}

#[test]
fn parse_flat_gives_the_ballots_parse_gives() {
    let path = super::formats::testdata().join("scotland2017/blt");
    for entry in std::fs::read_dir(path).unwrap().take(40) {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let flat = blt::parse_flat(&text).unwrap();
        assert_eq!(flat.into_election(), blt::parse(&text).unwrap());
    }
}

#[test]
fn errors_after_plain_lines_name_their_line() {
    let text = "3 1\n[nick a b c]\n1 a b 0\n2 1 2 0\n1 b c b 0\n0\nA\nB\nC\n";
    let err = blt::parse(text).unwrap_err();
    assert_eq!((err.line, err.column), (5, 7), "{err}");
    assert!(err.expected.contains("not already ranked"), "{err}");
    let err = blt::parse("3 1\n1 1 0\n1 2 0 x\n0\n").unwrap_err();
    assert_eq!((err.line, err.column), (3, 7), "{err}");
    // A total weight that overflows is named at the line that made it overflow, even when
    // the lines before it were merged in a batch.
    let text = "2 1\n18446744073709551615 1 0\n1 2 0\n1 1 0\n1 2 0\n0\nA\nB\n";
    let err = blt::parse(text).unwrap_err();
    assert_eq!((err.line, err.column), (4, 1), "{err}");
    assert_eq!(err.expected, "a total ballot weight below 2^64");
}

/// One ballot line written in one of the styles a BLT file may use.
fn styled(b: &Ballot, nicks: bool, style: u8) -> String {
    let sep = match style % 4 {
        0 => " ",
        1 => "  ",
        2 => "\t",
        _ => " \t ",
    };
    let name = |c: CandidateId| {
        if nicks && (c.0 + style as u32).is_multiple_of(2) {
            format!("n{}", c.0)
        } else {
            (c.0 + 1).to_string()
        }
    };
    let mut line = b.weight.to_string();
    for rank in &b.ranks {
        line.push_str(sep);
        let names: Vec<String> = rank.iter().map(|&c| name(c)).collect();
        line.push_str(&names.join(if style.is_multiple_of(3) { "=" } else { " = " }));
    }
    line.push_str(sep);
    line.push('0');
    match style % 5 {
        0 => line.push_str("   "),
        1 => line.push_str(" # a comment"),
        2 => line.push('\r'),
        _ => {}
    }
    line
}

proptest! {
    #[test]
    fn every_line_style_reads_as_its_ballot(
        e in arb_election(),
        styles in proptest::collection::vec(0u8..60, 30),
        nicks in any::<bool>(),
    ) {
        let mut text = format!("{} {}\n", e.candidates.len(), e.seats);
        if nicks {
            let names: Vec<String> = (0..e.candidates.len()).map(|i| format!("n{i}")).collect();
            text.push_str(&format!("[nick {}]\n", names.join(" ")));
        }
        for (i, b) in e.ballots.iter().enumerate() {
            text.push_str(&styled(b, nicks, styles[i % styles.len()]));
            text.push('\n');
        }
        text.push_str("0\n");
        for name in &e.candidates {
            text.push_str(&format!("\"{name}\"\n"));
        }
        let back = blt::parse(&text).map_err(|err| TestCaseError::fail(format!("{err}\n{text}")))?;
        prop_assert_eq!(back.ballots, merged(&e.ballots));
        let flat = blt::parse_flat(&text).map_err(|err| TestCaseError::fail(format!("{err}")))?;
        prop_assert_eq!(flat.ballots, FlatBallots::from(merged(&e.ballots).as_slice()));
    }

    #[test]
    fn flat_counts_equal_nested_counts(e in arb_election()) {
        same_counts(&e);
    }
}
