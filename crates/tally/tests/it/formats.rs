//! Tests: the file formats, on the shared test data and on generated elections.

use std::path::PathBuf;

use proptest::prelude::*;
use tally::formats::blt;
use tally::{Ballot, CandidateId, Election};

pub fn testdata() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/tally"))
}

pub fn read_blt(name: &str) -> Election {
    let path = testdata().join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    blt::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_reference_blt_parses() {
    let e = read_blt("reference/a123.blt");
    assert_eq!(e.candidates, ["Adam", "Basil", "Charlotte", "Donald"]);
    assert_eq!(e.withdrawn, [CandidateId(1)]);
    assert_eq!(e.seats, 2);
    assert_eq!(e.ballots.iter().map(|b| b.weight).sum::<u64>(), 13);

    let e = read_blt("reference/meek_eq1.blt");
    assert_eq!(e.candidates, ["A", "B", "C"]);
    assert_eq!(
        e.ballots[1].ranks,
        vec![vec![CandidateId(1), CandidateId(2)]]
    );

    let e = read_blt("reference/M135.blt");
    assert_eq!(e.candidates.len(), 25);
    assert_eq!(e.title, "M135: Gen v1.1 1 3 45");

    for entry in std::fs::read_dir(testdata().join("reference")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "blt") {
            let text = std::fs::read_to_string(&path).unwrap();
            let e = blt::parse(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            assert!(!e.title.is_empty(), "{}", path.display());
        }
    }
}

#[test]
fn every_scottish_ward_parses() {
    let mut files = 0;
    for entry in std::fs::read_dir(testdata().join("scotland2017/blt")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let e = blt::parse(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        assert!(e.seats >= 1 && e.candidates.len() >= e.seats as usize);
        // An independent count of the ballots: the first number of each line up to the lone 0.
        let lines: u64 = text
            .lines()
            .skip(1)
            .map(str::trim)
            .take_while(|l| *l != "0")
            .filter(|l| !l.starts_with('-') && !l.starts_with('['))
            .map(|l| l.split_whitespace().next().unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(e.ballots.iter().map(|b| b.weight).sum::<u64>(), lines);
        assert!(lines > 500);
        files += 1;
    }
    assert!(files > 300);
}

#[test]
fn blt_errors_say_where_and_what() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("3 x\n", 1, 3, "number of seats"),
        ("3 1 2\n", 1, 5, "end of the first line"),
        ("3 1\n-4\n0\n", 2, 2, "withdrawn"),
        ("3 1\n1 2 9 0\n0\n", 2, 5, "1 to 3"),
        ("3 1\n1 2 =0\n0\n", 2, 6, "candidate after `=`"),
        ("3 1\n1 = 2 0\n0\n", 2, 3, "candidate before `=`"),
        ("3 1\n1.5 2 0\n0\n", 2, 1, "whole number"),
        ("3 1\n1 2 0 3\n0\n", 2, 7, "end of the ballot line"),
        ("3 1\n[nick a b]\n0\n", 2, 1, "3 nicknames"),
        ("3 1\n1 2 0\n0\n\"A\"\n\"B\n", 5, 1, "candidate 2 of 3"),
        ("3 1\n1 2 0\n", 3, 1, "ends the ballots"),
    ];
    for &(input, line, column, expected) in cases {
        let err = blt::parse(input).unwrap_err();
        assert_eq!((err.line, err.column), (line, column), "{input:?}: {err}");
        assert!(err.expected.contains(expected), "{input:?}: {err}");
        assert!(
            err.to_string().starts_with(&format!("line {line}")),
            "{err}"
        );
    }
}

#[test]
fn blt_reads_what_files_in_the_wild_carry() {
    let text = "\u{feff}4 2   # four candidates\r\n-2 -3\r\n[title Option title]\r\n\
                [tie 1 2 3 4]\r\n3 1 3=4 0\r\n\r\n2 4 0\r\n3 1 3=4 0\r\n1 0\r\n0\r\n\
                Adam Smith\r\n\"Basil\" \"Charlotte\"\r\nDonald # not a comment\r\n\"The title\"\r\n\
                Notes: counted by hand.";
    let e = blt::parse(text).unwrap();
    assert_eq!(
        e.candidates,
        ["Adam Smith", "Basil", "Charlotte", "Donald # not a comment"]
    );
    assert_eq!(e.withdrawn, [CandidateId(1), CandidateId(2)]);
    assert_eq!(e.title, "The title");
    assert_eq!(e.ballots.len(), 3);
    assert_eq!(e.ballots[0].weight, 6);
    assert_eq!(e.ballots[2].ranks, Vec::<Vec<CandidateId>>::new());

    let e = blt::parse("2 1\n1 1 0\n0\n\"A\"\n\"B\"").unwrap();
    assert_eq!(e.title, "");
    let e = blt::parse("2 1\n[title From the option]\n1 1 0\n0\n\"A\"\n\"B\"").unwrap();
    assert_eq!(e.title, "From the option");
}

/// What parsing does to an election: identical ballots merged, in order of first appearance.
fn merged(e: &Election) -> Election {
    let mut out = Election {
        ballots: Vec::new(),
        ..e.clone()
    };
    for b in &e.ballots {
        match out.ballots.iter_mut().find(|x| x.ranks == b.ranks) {
            Some(x) => x.weight += b.weight,
            None => out.ballots.push(b.clone()),
        }
    }
    out
}

pub fn arb_election() -> impl Strategy<Value = Election> {
    (1usize..7, 1u32..4).prop_flat_map(|(n, seats)| {
        let names = proptest::collection::vec("[A-Za-z][A-Za-z0-9 .'-]{0,12}[A-Za-z]", n);
        let ballot = (
            1u64..20,
            Just(()).prop_perturb(move |_, mut rng| {
                // A random order of a random subset, cut into ranks, some of them equal.
                let mut cs: Vec<u32> = (0..n as u32).collect();
                for i in (1..cs.len()).rev() {
                    cs.swap(i, rng.random_range(0..=i));
                }
                cs.truncate(rng.random_range(0..=n));
                let mut ranks: Vec<Vec<CandidateId>> = Vec::new();
                for c in cs {
                    match ranks.last_mut() {
                        Some(r) if rng.random_bool(0.2) => r.push(CandidateId(c)),
                        _ => ranks.push(vec![CandidateId(c)]),
                    }
                }
                ranks
            }),
        )
            .prop_map(|(weight, ranks)| Ballot { weight, ranks });
        (
            names,
            proptest::collection::vec(ballot, 0..30),
            proptest::collection::vec(0..n as u32, 0..2),
            "[A-Za-z0-9 ,:]{1,20}",
        )
            .prop_map(move |(candidates, ballots, withdrawn, title)| {
                // The last candidate never withdraws, so somebody always stands.
                let mut withdrawn: Vec<CandidateId> = withdrawn
                    .into_iter()
                    .filter(|&c| (c as usize) + 1 < n)
                    .map(CandidateId)
                    .collect();
                withdrawn.sort();
                withdrawn.dedup();
                Election {
                    title: title.trim().to_owned(),
                    candidates,
                    seats,
                    withdrawn,
                    ballots,
                }
            })
    })
}

proptest! {
    #[test]
    fn blt_round_trips(e in arb_election()) {
        let text = blt::write(&e);
        let back = blt::parse(&text).map_err(|err| TestCaseError::fail(format!("{err}\n{text}")))?;
        prop_assert_eq!(&back, &merged(&e));
        prop_assert_eq!(blt::write(&back), blt::write(&merged(&e)));
    }

    #[test]
    fn blt_never_panics_on_arbitrary_text(text in "[0-9 =\\-\n\"a-z\\[\\]#]{0,200}") {
        let _ = blt::parse(&text);
    }
}

#[test]
fn preflib_debian_elections_parse() {
    let text = std::fs::read_to_string(testdata().join("preflib/00002-00000005.soi")).unwrap();
    let e = tally::formats::preflib::parse(&text, 1).unwrap();
    assert_eq!(e.title, "Debian 2007 Leader");
    assert_eq!(e.candidates.len(), 9);
    assert_eq!(e.candidates[3], "Sam Hocevar");
    assert_eq!(e.ballots.iter().map(|b| b.weight).sum::<u64>(), 482);
    assert_eq!(e.ballots.len(), 430);
}

#[test]
fn minneapolis_records_parse_and_account_for_every_ballot() {
    let bytes =
        std::fs::read(testdata().join("minneapolis2017/2017_minneapolis_mayor_cvr.xlsx")).unwrap();
    let import = tally::formats::read(&bytes, tally::formats::Format::CvrXlsx, 1).unwrap();
    let e = &import.election;
    assert!(e.candidates.iter().any(|c| c == "Jacob Frey"));
    assert!(e.candidates.iter().any(|c| c == "UWI"));
    assert!(
        !e.candidates
            .iter()
            .any(|c| c.eq_ignore_ascii_case("overvote"))
    );
    assert!(
        !e.candidates
            .iter()
            .any(|c| c.eq_ignore_ascii_case("undervote"))
    );
    assert_eq!(e.candidates.len(), 19);
    let counted: u64 = e.ballots.iter().map(|b| b.weight).sum();
    let aside: u64 = import.set_aside.iter().map(|s| s.count).sum();
    assert!(aside > 0);
    assert_eq!(counted + aside, 105_928);
}

proptest! {
    #[test]
    fn preflib_never_panics_on_arbitrary_text(text in "(# [A-Z ]{0,12}: [0-9a-z ]{0,6}\n){0,4}([0-9]{0,2}: [0-9,{} ]{0,12}\n){0,6}") {
        let _ = tally::formats::preflib::parse(&text, 1);
    }

    #[test]
    fn cvr_csv_never_panics_on_arbitrary_text(text in "(1st Choice,2nd Choice,Count\n)?([a-c,\"]{0,3},(overvote|undervote|[a-c]{0,2}),[0-9x]{0,2}\n){0,6}") {
        let options = tally::formats::cvr::CvrOptions::with_seats(1);
        if let Ok(import) = tally::formats::cvr::parse_csv(text.as_bytes(), &options) {
            // Every ballot row is either counted or set aside.
            let counted: u64 = import.election.ballots.iter().map(|b| b.weight).sum();
            let aside: u64 = import.set_aside.iter().map(|s| s.count).sum();
            let rows = text.lines().skip(1).filter(|l| !l.trim_matches(',').trim().is_empty()).count();
            prop_assert!(counted + aside <= rows as u64 * 99);
        }
    }
}

/// A BLT file large enough to be read on two threads, and the same ballots read line by line.
#[test]
fn large_blt_files_read_in_parallel_give_the_same_election() {
    let mut lot = tally::Lot::new(11);
    let mut text = String::from("6 2\n[nick a b c d e f]\n");
    let mut lines = Vec::new();
    for i in 0..120_000 {
        let len = 1 + lot.draw(6).unwrap();
        let mut cs: Vec<u32> = (0..6).collect();
        for j in (1..6).rev() {
            cs.swap(j, lot.draw(j + 1).unwrap());
        }
        let prefs: Vec<String> = cs[..len]
            .iter()
            .map(|&c| {
                if i % 2 == 0 {
                    (c + 1).to_string()
                } else {
                    ((b'a' + c as u8) as char).to_string()
                }
            })
            .collect();
        lines.push(format!(
            "{} {} 0",
            1 + lot.draw(3).unwrap(),
            prefs.join(" ")
        ));
    }
    text.push_str(&lines.join("\n"));
    text.push_str("\n# a comment among the ballots\n\n0\nA\nB\nC\nD\nE\nF\n\"Large\"\n");
    assert!(text.len() > 1 << 20);
    let big = blt::parse(&text).unwrap();
    // Reference: the same ballots, parsed in small pieces that stay on one thread.
    let mut expected: Vec<Ballot> = Vec::new();
    for chunk in lines.chunks(1000) {
        let small = format!(
            "6 2\n[nick a b c d e f]\n{}\n0\nA\nB\nC\nD\nE\nF\n\"Large\"\n",
            chunk.join("\n")
        );
        for b in blt::parse(&small).unwrap().ballots {
            match expected.iter_mut().find(|x| x.ranks == b.ranks) {
                Some(x) => x.weight += b.weight,
                None => expected.push(b),
            }
        }
    }
    assert_eq!(big.ballots, expected);
    assert_eq!(big.candidates, ["A", "B", "C", "D", "E", "F"]);
    assert_eq!(big.title, "Large");

    // An error in the second half names its line in the whole file.
    let mut bad = lines.clone();
    bad[100_000] = "1 1 9 0".into();
    let text = format!(
        "6 2\n[nick a b c d e f]\n{}\n0\nA\nB\nC\nD\nE\nF\n\"T\"\n",
        bad.join("\n")
    );
    let err = blt::parse(&text).unwrap_err();
    assert_eq!((err.line, err.column), (100_003, 5), "{err}");
    // And one in the first half too.
    let mut bad = lines;
    bad[10] = "1 1 1 0".into();
    let text = format!(
        "6 2\n[nick a b c d e f]\n{}\n0\nA\nB\nC\nD\nE\nF\n\"T\"\n",
        bad.join("\n")
    );
    let err = blt::parse(&text).unwrap_err();
    assert_eq!(err.line, 13, "{err}");
}

#[test]
fn long_notes_after_the_title_do_not_confuse_the_parallel_reader() {
    let notes = "a note line that is not a ballot\n".repeat(60_000);
    let text = format!("2 1\n3 1 2 0\n1 2 0\n0\n\"A\"\n\"B\"\n\"T\"\n{notes}");
    assert!(text.len() > 1 << 20);
    let e = blt::parse(&text).unwrap();
    assert_eq!(e.ballots.len(), 2);
    assert_eq!(e.title, "T");
}
