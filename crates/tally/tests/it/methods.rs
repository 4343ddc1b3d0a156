//! Tests: the non-STV methods, on the reference elections and on generated ones.

use proptest::prelude::*;
use tally::approval::{self, ApprovalOptions, Threshold};
use tally::borda::{self, BordaOptions};
use tally::irv::{self, IrvOptions, IrvTie};
use tally::plurality::{self, PluralityOptions};
use tally::schulze::{self, SchulzeOptions, Strength};
use tally::{CandidateId, Election, Outcome};

use crate::formats::{arb_election, read_blt, testdata};

fn elected_names(e: &Election, o: &Outcome) -> Vec<String> {
    o.elected
        .iter()
        .map(|c| e.candidates[c.index()].clone())
        .collect()
}

fn run(method: &str, e: &Election) -> Option<Outcome> {
    let o = match method {
        "schulze" => schulze::count(e, &SchulzeOptions::default()),
        "plurality" => plurality::count(e, &PluralityOptions::default()),
        "irv" => irv::count(e, &IrvOptions::default()),
        "borda" => borda::count(e, &BordaOptions::default()),
        "approval" => approval::count(e, &ApprovalOptions::default()),
        _ => return None,
    };
    Some(o.unwrap())
}

fn load(file: &str) -> Election {
    if file.ends_with(".blt") {
        read_blt(&format!("reference/{file}"))
    } else {
        let text = std::fs::read_to_string(testdata().join("reference").join(file)).unwrap();
        tally::formats::preflib::parse(&text, 1).unwrap()
    }
}

/// Every case of reference/expected.toml whose method is not STV.
#[test]
fn every_non_stv_reference_case() {
    let text = std::fs::read_to_string(testdata().join("reference/expected.toml")).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let mut checked = 0;
    for case in doc["case"].as_array().unwrap() {
        let file = case["file"].as_str().unwrap();
        let method = case["method"].as_str().unwrap();
        let mut expectations: Vec<(String, Vec<String>)> = Vec::new();
        if let Some(elected) = case.get("elected").and_then(|v| v.as_array()) {
            let names = elected
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect();
            expectations.push((method.to_owned(), names));
        }
        if let Some(also) = case.get("also").and_then(|v| v.as_table()) {
            for (m, winner) in also {
                expectations.push((m.clone(), vec![winner.as_str().unwrap().to_owned()]));
            }
        }
        let e = load(file);
        for (m, expected) in expectations {
            let Some(o) = run(&m, &e) else { continue };
            let mut got = elected_names(&e, &o);
            let mut want = expected.clone();
            got.sort();
            want.sort();
            assert_eq!(got, want, "{file} by {m}");
            checked += 1;
            if m == method
                && let Some(order) = case.get("order").and_then(|v| v.as_array())
            {
                let want: Vec<Vec<String>> = order
                    .iter()
                    .map(|v| vec![v.as_str().unwrap().to_owned()])
                    .collect();
                let got: Vec<Vec<String>> = o
                    .order
                    .as_ref()
                    .unwrap()
                    .iter()
                    .map(|t| t.iter().map(|c| e.candidates[c.index()].clone()).collect())
                    .collect();
                assert_eq!(got, want, "{file}: order");
            }
        }
    }
    // tennessee (4 methods), wikipedia 45, and the two Debian elections.
    assert_eq!(checked, 7);
}

#[test]
fn irv_tie_rule_is_explicit_on_the_45_voter_example() {
    let e = read_blt("reference/schulze_wikipedia_45.blt");
    let winner = |tie| {
        let o = irv::count(&e, &IrvOptions { tie, seed: 7 }).unwrap();
        elected_names(&e, &o)
    };
    assert_eq!(winner(IrvTie::PreviousRounds), ["C"]);
    assert_eq!(winner(IrvTie::AllTied), ["A"]);
    for seed in 0..8 {
        let o = irv::count(
            &e,
            &IrvOptions {
                tie: IrvTie::Lot,
                seed,
            },
        )
        .unwrap();
        assert_eq!(elected_names(&e, &o), ["C"]);
        assert!(
            o.rounds[1].action.contains("by lot"),
            "{}",
            o.rounds[1].action
        );
    }
    let o = irv::count(&e, &IrvOptions::default()).unwrap();
    let round2 = &o.rounds[1];
    assert!(round2.action.contains("B and E tied"), "{}", round2.action);
    let o = irv::count(
        &e,
        &IrvOptions {
            tie: IrvTie::AllTied,
            seed: 0,
        },
    )
    .unwrap();
    assert_eq!(o.rounds[1].excluded, [CandidateId(1), CandidateId(4)]);
}

#[test]
fn irv_on_the_minneapolis_2017_records_elects_jacob_frey() {
    let bytes =
        std::fs::read(testdata().join("minneapolis2017/2017_minneapolis_mayor_cvr.xlsx")).unwrap();
    let import = tally::formats::read(&bytes, tally::formats::Format::CvrXlsx, 1).unwrap();
    let e = &import.election;
    let o = irv::count(e, &IrvOptions::default()).unwrap();
    assert_eq!(elected_names(e, &o), ["Jacob Frey"]);
    // Every ballot is accounted for in every round: continuing votes plus exhausted.
    let total: u64 = e.ballots.iter().map(|b| b.weight).sum();
    for r in &o.rounds {
        let live: u64 = r
            .tallies
            .iter()
            .map(|t| t.votes.parse::<u64>().unwrap())
            .sum();
        let exhausted: u64 = r.non_transferable.as_ref().unwrap().parse().unwrap();
        assert_eq!(live + exhausted, total, "round {}", r.number);
    }
    let last = o.rounds.last().unwrap();
    assert_eq!(last.tallies[0].candidate, o.elected[0]);
}

#[test]
fn schulze_paper_example_and_margins() {
    // Schulze (2011), section 3.1 example: the 45-voter example, also under margins.
    let e = read_blt("reference/schulze_wikipedia_45.blt");
    let paths = schulze::paths(&e, Strength::WinningVotes).unwrap();
    // d[A][B] = 20, d[B][A] = 25 (the paper's matrix).
    assert_eq!((paths.d[0][1], paths.d[1][0]), (20, 25));
    assert_eq!((paths.d[0][2], paths.d[2][0]), (26, 19));
    // Strongest paths from the paper: p[E][A] = 25, p[A][E] = 24.
    assert_eq!((paths.p[4][0], paths.p[0][4]), (25, 24));
    let o = schulze::count(
        &e,
        &SchulzeOptions {
            strength: Strength::Margins,
            ..SchulzeOptions::default()
        },
    )
    .unwrap();
    assert_eq!(elected_names(&e, &o), ["E"]);
}

#[test]
fn schulze_treats_unranked_as_below_ranked() {
    // Two voters rank only A; one ranks B then A; C is never ranked: A beats B 2-1, both beat C.
    let e = tally::formats::blt::parse("3 1\n2 1 0\n1 2 1 0\n0\nA\nB\nC\nT\n").unwrap();
    let o = schulze::count(&e, &SchulzeOptions::default()).unwrap();
    let order: Vec<Vec<CandidateId>> = o.order.unwrap();
    assert_eq!(
        order,
        vec![
            vec![CandidateId(0)],
            vec![CandidateId(1)],
            vec![CandidateId(2)]
        ]
    );
}

#[test]
fn approval_threshold_on_a_reference_file() {
    // Tennessee: 100 ballots ranking all four; every candidate is approved by everyone when
    // marks are unlimited, so everyone passes; with the void rule every ballot is void.
    let e = read_blt("reference/tennessee.blt");
    let o = approval::count(&e, &ApprovalOptions::default()).unwrap();
    assert!(o.elected.is_empty());
    assert_eq!(o.set_aside[0].count, 100);
    let o = approval::count(
        &e,
        &ApprovalOptions {
            void_over_seats: false,
            threshold: Threshold::MoreThan { num: 2, den: 3 },
            tie: approval::TieRule::Lot,
            ..ApprovalOptions::default()
        },
    )
    .unwrap();
    assert_eq!(o.elected.len(), 1);
}

fn all_methods(e: &Election) -> Vec<Outcome> {
    ["schulze", "plurality", "irv", "borda", "approval"]
        .iter()
        .filter_map(|m| run(m, e))
        .collect()
}

fn decided_by_lot(o: &Outcome) -> bool {
    o.rounds.iter().any(|r| r.action.contains("lot")) || o.notes.iter().any(|n| n.contains("lot"))
}

proptest! {
    #[test]
    fn results_do_not_depend_on_ballot_order(e in arb_election(), seed in any::<u64>()) {
        let mut shuffled = e.clone();
        let mut lot = tally::Lot::new(seed);
        for i in (1..shuffled.ballots.len()).rev() {
            let j = lot.draw(i + 1).unwrap();
            shuffled.ballots.swap(i, j);
        }
        let a = all_methods(&e);
        let b = all_methods(&shuffled);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn renaming_candidates_renames_the_result(e in arb_election(), seed in any::<u64>()) {
        // A permutation of the candidates' numbers, and new names.
        let n = e.candidates.len();
        let mut perm: Vec<u32> = (0..n as u32).collect();
        let mut lot = tally::Lot::new(seed);
        for i in (1..n).rev() {
            perm.swap(i, lot.draw(i + 1).unwrap());
        }
        let mut renamed = e.clone();
        renamed.candidates = vec![String::new(); n];
        for (old, &new) in perm.iter().enumerate() {
            renamed.candidates[new as usize] = format!("new {}", e.candidates[old]);
        }
        renamed.withdrawn = e.withdrawn.iter().map(|c| CandidateId(perm[c.index()])).collect();
        for b in &mut renamed.ballots {
            for rank in &mut b.ranks {
                for c in rank.iter_mut() {
                    *c = CandidateId(perm[c.index()]);
                }
            }
        }
        for (a, b) in all_methods(&e).iter().zip(all_methods(&renamed).iter()) {
            if decided_by_lot(a) || decided_by_lot(b) {
                continue;
            }
            let mut x: Vec<String> = elected_names(&e, a).iter().map(|s| format!("new {s}")).collect();
            let mut y = elected_names(&renamed, b);
            if a.method != "irv" {
                x.sort();
                y.sort();
            }
            prop_assert_eq!(x, y, "{}", a.method);
        }
    }

    #[test]
    fn schulze_winners_beat_or_tie_everyone_by_strongest_path(e in arb_election()) {
        let paths = schulze::paths(&e, Strength::WinningVotes).unwrap();
        let o = schulze::count(&e, &SchulzeOptions::default()).unwrap();
        let order = o.order.unwrap();
        let pos = |c: CandidateId| paths.candidates.iter().position(|&x| x == c).unwrap();
        for &w in &order[0] {
            for y in 0..paths.candidates.len() {
                prop_assert!(paths.p[pos(w)][y] >= paths.p[y][pos(w)]);
            }
        }
        // The order is consistent with the strongest-path relation.
        for (i, tier) in order.iter().enumerate() {
            for later in &order[i + 1..] {
                for &x in tier {
                    for &y in later {
                        prop_assert!(paths.p[pos(x)][pos(y)] >= paths.p[pos(y)][pos(x)]);
                    }
                }
            }
        }
        let seats = (e.seats as usize).min(paths.candidates.len());
        prop_assert_eq!(o.elected.len(), seats);
    }

    #[test]
    fn irv_accounts_for_every_ballot_in_every_round(e in arb_election()) {
        let o = irv::count(&e, &IrvOptions::default()).unwrap();
        let standing = |c: &CandidateId| !e.withdrawn.contains(c);
        let with_a_standing_candidate: u64 = e
            .ballots
            .iter()
            .filter(|b| b.ranks.iter().flatten().any(standing))
            .map(|b| b.weight)
            .sum();
        for r in &o.rounds {
            let live: u64 = r.tallies.iter().map(|t| t.votes.parse::<u64>().unwrap()).sum();
            let exhausted: u64 = r.non_transferable.as_ref().unwrap().parse().unwrap();
            prop_assert_eq!(live + exhausted, with_a_standing_candidate);
        }
        prop_assert_eq!(o.elected.len(), 1);
    }
}
