//! Counts a BLT file with tallystick: `tallystick-runner FILE.blt`.
//!
//! Prints one line per method, `METHOD SECONDS<TAB>WINNER...`, where SECONDS covers adding the
//! ballots to tallystick's tally and asking it for the winners (reading and splitting the file
//! is timed separately, on the `read` line). Each ballot line is added as it is, one vote per
//! unit of weight, as a program that uses tallystick would.

use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: tallystick-runner FILE.blt");
        std::process::exit(2)
    });
    let t = Instant::now();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("reading {path}: {e}");
        std::process::exit(1)
    });
    let (names, ballots) = read_blt(&text);
    println!("read {:.6}", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let mut irv = tallystick::irv::DefaultTally::<u32>::new(tallystick::Transfer::Meek);
    for (weight, ranking) in &ballots {
        for _ in 0..*weight {
            irv.add_ref(ranking);
        }
    }
    let winners = irv.tally_winners().into_unranked();
    let secs = t.elapsed().as_secs_f64();
    println!("irv {secs:.6}\t{}", named(&names, &winners));

    let t = Instant::now();
    let mut schulze = tallystick::schulze::DefaultSchulzeTally::<u32>::with_candidates(
        1,
        tallystick::schulze::Variant::Winning,
        (0..names.len() as u32).collect(),
    );
    for (weight, ranking) in &ballots {
        for _ in 0..*weight {
            if let Err(e) = schulze.add(ranking) {
                eprintln!("tallystick refused a ballot: {e:?}");
                std::process::exit(1);
            }
        }
    }
    let winners = schulze.winners().into_unranked();
    let secs = t.elapsed().as_secs_f64();
    println!("schulze {secs:.6}\t{}", named(&names, &winners));
}

fn named(names: &[String], winners: &[u32]) -> String {
    winners
        .iter()
        .map(|&c| names.get(c as usize).cloned().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\t")
}

/// A plain BLT reader for the files `federa bench` writes: `candidates seats`, an optional
/// `[nick ...]` line, `weight c... 0` lines, `0`, quoted names.
fn read_blt(text: &str) -> (Vec<String>, Vec<(u64, Vec<u32>)>) {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let header = lines.next().unwrap_or("");
    let n: usize = header
        .split_whitespace()
        .next()
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    let mut nicks = std::collections::HashMap::new();
    let mut ballots = Vec::new();
    for line in lines.by_ref() {
        if let Some(rest) = line.strip_prefix("[nick") {
            for (i, w) in rest.trim_end_matches(']').split_whitespace().enumerate() {
                nicks.insert(w.to_owned(), i as u32);
            }
            continue;
        }
        if line == "0" {
            break;
        }
        let mut words = line.split_whitespace();
        let weight: u64 = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
        let mut ranking = Vec::new();
        for w in words {
            if w == "0" {
                break;
            }
            let c = match nicks.get(w) {
                Some(&c) => c,
                None => w.parse::<u32>().map(|c| c - 1).unwrap_or(u32::MAX),
            };
            ranking.push(c);
        }
        ballots.push((weight, ranking));
    }
    let names = lines
        .take(n)
        .map(|l| l.trim_matches('"').to_owned())
        .collect();
    (names, ballots)
}
