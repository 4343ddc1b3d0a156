//! Times the phases of reading and counting a large synthetic BLT file:
//! `cargo run --release -p federa-tally --example phases -- [ballots] [reps]`, with
//! `PARSE_ONLY=1` to time reading alone, or `ONLY=meek`, `irv` or `schulze` for the best of ten
//! counts of one method.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use tally::formats::blt;
use tally::stv::{MeekArithmetic, StvMethod, StvOptions};
use tally::synth::{self, SynthSpec};
use tally::{irv, schulze};

/// Meek in nine-decimal fixed point, as `federa bench` counts it.
fn meek() -> StvOptions {
    StvOptions::new(StvMethod::Meek).with_arithmetic(MeekArithmetic::Fixed9)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map_or(1_000_000, |a| a.parse().unwrap());
    let reps: usize = args.next().map_or(3, |a| a.parse().unwrap());
    let path = std::env::temp_dir().join(format!("federa-phases-{n}.blt"));
    if !path.is_file() {
        std::fs::write(&path, synth::blt(&SynthSpec::new(15, 5, n, 2017))).unwrap();
    }
    for _ in 0..reps {
        let t = Instant::now();
        let text = std::fs::read_to_string(&path).unwrap();
        let read = t.elapsed();
        let t = Instant::now();
        let e = blt::parse_flat(&text).unwrap();
        let parse = t.elapsed();
        if let Some(m) = std::env::var_os("ONLY") {
            let mut best = f64::MAX;
            for _ in 0..10 {
                let t = Instant::now();
                match m.to_str() {
                    Some("irv") => drop(irv::count_flat(&e, &irv::IrvOptions::default())),
                    Some("schulze") => drop(schulze::count_flat(&e, &Default::default())),
                    _ => drop(tally::stv::count_flat(&e, &meek())),
                }
                best = best.min(t.elapsed().as_secs_f64());
            }
            println!("{m:?}: best of 10: {best:.4}");
            continue;
        }
        if std::env::var_os("PARSE_ONLY").is_some() {
            println!(
                "read {:.3} parse {:.3}",
                read.as_secs_f64(),
                parse.as_secs_f64()
            );
            continue;
        }
        let t = Instant::now();
        let o = tally::stv::count_flat(&e, &meek()).unwrap();
        let meek = t.elapsed();
        let t = Instant::now();
        let i = irv::count_flat(&e, &irv::IrvOptions::default()).unwrap();
        let irv_t = t.elapsed();
        let t = Instant::now();
        let s = schulze::count_flat(&e, &schulze::SchulzeOptions::default()).unwrap();
        let schulze_t = t.elapsed();
        println!(
            "read {:.3} parse {:.3} ({} distinct) meek {:.3} irv {:.3} schulze {:.3}  [{:?} {:?} {:?}]",
            read.as_secs_f64(),
            parse.as_secs_f64(),
            e.ballots.len(),
            meek.as_secs_f64(),
            irv_t.as_secs_f64(),
            schulze_t.as_secs_f64(),
            o.elected,
            i.elected,
            s.elected
        );
    }
}
