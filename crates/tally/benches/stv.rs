//! Benchmarks of the STV counts: `cargo bench -p federa-tally --bench stv`.
//!
//! The synthetic elections are generated in memory (identical ballots merged), so these measure
//! the count alone; `federa bench` measures parse + count from files, next to a peer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use tally::Election;
use tally::formats::blt;
use tally::stv::{MeekArithmetic, StvMethod, StvOptions, count};
use tally::synth::{self, SynthSpec};

fn main() {
    divan::main();
}

fn synthetic(n: u64) -> &'static Election {
    static CACHE: OnceLock<Vec<(u64, Election)>> = OnceLock::new();
    let all = CACHE.get_or_init(|| {
        [100_000u64, 1_000_000]
            .iter()
            .map(|&n| (n, synth::election(&SynthSpec::new(15, 5, n, 2017))))
            .collect()
    });
    &all.iter().find(|(m, _)| *m == n).unwrap().1
}

#[divan::bench(args = [100_000, 1_000_000], sample_count = 10)]
fn meek_fixed9(n: u64) {
    let e = synthetic(n);
    divan::black_box(
        count(
            e,
            &StvOptions::new(StvMethod::Meek).with_arithmetic(MeekArithmetic::Fixed9),
        )
        .unwrap(),
    );
}

#[divan::bench(args = [100_000, 1_000_000], sample_count = 10)]
fn wigm(n: u64) {
    let e = synthetic(n);
    divan::black_box(count(e, &StvOptions::new(StvMethod::Wigm)).unwrap());
}

#[divan::bench(sample_count = 10)]
fn scotland_2017_count_only(bencher: divan::Bencher) {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/tally/scotland2017/blt"
    );
    let wards: Vec<Election> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| blt::parse(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap())
        .collect();
    bencher.bench(|| {
        for e in &wards {
            divan::black_box(count(e, &StvOptions::new(StvMethod::Scottish)).unwrap());
        }
    });
}
