//! `federa bench`: measures the counting engine, side by side with a peer.
//!
//! It writes seeded synthetic elections as BLT files, times our parse + count on them (several
//! repetitions, the median), counts all the Scottish 2017 council wards, and, where `stv-rs` is
//! installed, runs it on the same files in the same run and prints the ratio.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tally::Election;
use tally::formats::blt;
use tally::stv::{MeekArithmetic, StvMethod, StvOptions, count};
use tally::synth::{self, SynthSpec};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// One size (1 M ballots) and three repetitions, instead of 100 k and 1 M and five.
    #[arg(long)]
    pub quick: bool,
    /// Repetitions of each measurement (the median is shown).
    #[arg(long)]
    pub reps: Option<usize>,
    /// Where to write the synthetic ballot files.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The folder of the Scottish 2017 ward files.
    #[arg(long, default_value = "testdata/tally/scotland2017/blt")]
    pub scotland: PathBuf,
    /// The stv-rs binary (found on PATH or in ~/.cargo/bin when not given).
    #[arg(long)]
    pub stv_rs: Option<PathBuf>,
    /// Do not run peers, only our own counts.
    #[arg(long)]
    pub no_peers: bool,
    /// Seed of the synthetic elections.
    #[arg(long, default_value_t = 2017)]
    pub seed: u64,
}

struct Row {
    what: String,
    ours: Duration,
    peer: Option<(Duration, Option<bool>)>,
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}

fn time<T>(f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<(Duration, T)> {
    let t = Instant::now();
    let x = f()?;
    Ok((t.elapsed(), x))
}

fn parse_file(path: &Path) -> anyhow::Result<Election> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    blt::parse(&text).with_context(|| format!("parsing {}", path.display()))
}

fn meek_names(path: &Path) -> anyhow::Result<Vec<String>> {
    let e = parse_file(path)?;
    let o = count(&e, &StvOptions::new(StvMethod::Meek))?;
    let mut names: Vec<String> = o
        .elected
        .iter()
        .map(|c| e.candidates[c.index()].clone())
        .collect();
    names.sort();
    Ok(names)
}

fn find_stv_rs(given: Option<PathBuf>) -> Option<PathBuf> {
    if let Some(p) = given {
        return Some(p);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("stv-rs"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        let home = std::env::var_os("HOME")?;
        let p = PathBuf::from(home).join(".cargo/bin/stv-rs");
        p.is_file().then_some(p)
    })
}

/// Runs stv-rs's Meek count (nine-decimal fixed point, as ours) and returns the time and the
/// names it elected.
fn run_stv_rs(bin: &Path, file: &Path) -> anyhow::Result<(Duration, Vec<String>)> {
    let (d, out) = time(|| {
        Command::new(bin)
            .args(["--arithmetic", "fixed9", "--input"])
            .arg(file)
            .arg("meek")
            .output()
            .context("running stv-rs")
    })?;
    if !out.status.success() {
        bail!("stv-rs failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut elected: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Elected: "))
        .map(|l| {
            l.rsplit_once(" (")
                .map_or(l, |(name, _)| name)
                .trim()
                .to_owned()
        })
        .collect();
    elected.sort();
    elected.dedup();
    Ok((d, elected))
}

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    let reps = args.reps.unwrap_or(if args.quick { 3 } else { 5 }).max(1);
    let sizes: &[u64] = if args.quick {
        &[1_000_000]
    } else {
        &[100_000, 1_000_000]
    };
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("federa-bench"));
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let peer = if args.no_peers {
        None
    } else {
        find_stv_rs(args.stv_rs.clone())
    };
    eprintln!(
        "federa bench: {reps} repetitions, files in {}, peer: {}",
        dir.display(),
        peer.as_ref().map_or(
            "none (install with `cargo install stv-rs --locked`)".to_owned(),
            |p| p.display().to_string()
        )
    );

    let mut rows = Vec::new();
    for &n in sizes {
        let spec = SynthSpec::new(15, 5, n, args.seed);
        let file = dir.join(format!("synthetic-{n}-15c-5s-seed{}.blt", args.seed));
        if !file.is_file() {
            eprintln!("writing {}", file.display());
            fs::write(&file, synth::blt(&spec))?;
        }
        let mut ours = Vec::new();
        let (mut parse, mut counting) = (Vec::new(), Vec::new());
        for _ in 0..reps {
            let t = Instant::now();
            let e = parse_file(&file)?;
            let parsed = t.elapsed();
            count(
                &e,
                &StvOptions::new(StvMethod::Meek).with_arithmetic(MeekArithmetic::Fixed9),
            )?;
            ours.push(t.elapsed());
            parse.push(parsed);
            counting.push(t.elapsed() - parsed);
        }
        eprintln!(
            "{n} ballots: read + parse {:.3} s, count {:.3} s (medians)",
            median(parse).as_secs_f64(),
            median(counting).as_secs_f64()
        );
        let peer_result = match &peer {
            Some(bin) => {
                let mine = meek_names(&file)?;
                let mut times = Vec::new();
                let mut agree = None;
                for _ in 0..reps.min(3) {
                    let (d, names) = run_stv_rs(bin, &file)?;
                    times.push(d);
                    if !names.is_empty() && names != mine {
                        eprintln!("elected differ: federa {mine:?}, stv-rs {names:?}");
                    }
                    agree = Some(!names.is_empty() && names == mine);
                }
                Some((median(times), agree))
            }
            None => None,
        };
        rows.push(Row {
            what: format!(
                "Meek (9 d.p.), {} ballots, 15 candidates, 5 seats",
                thousands(n)
            ),
            ours: median(ours),
            peer: peer_result,
        });
    }

    // All Scottish 2017 wards, read, parsed and counted.
    let mut wards: Vec<PathBuf> = match fs::read_dir(&args.scotland) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "blt"))
            .collect(),
        Err(_) => Vec::new(),
    };
    wards.sort();
    if wards.is_empty() {
        eprintln!(
            "no ward files in {}: skipping the Scottish wards",
            args.scotland.display()
        );
    } else {
        let mut ours = Vec::new();
        for _ in 0..reps {
            let (d, _) = time(|| {
                for w in &wards {
                    let e = parse_file(w)?;
                    count(&e, &StvOptions::new(StvMethod::Scottish))?;
                }
                Ok(())
            })?;
            ours.push(d);
        }
        rows.push(Row {
            what: format!("Scottish STV, all {} wards of 2017", wards.len()),
            ours: median(ours),
            peer: None,
        });
    }

    println!(
        "| count (parse + count, median of {reps}) | federa | stv-rs | stv-rs / federa | same elected |"
    );
    println!("| --- | ---: | ---: | ---: | --- |");
    for r in rows {
        let (p, ratio, same) = match r.peer {
            Some((d, agree)) => (
                format!("{:.3} s", d.as_secs_f64()),
                format!("{:.1}×", d.as_secs_f64() / r.ours.as_secs_f64().max(1e-9)),
                match agree {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "?",
                }
                .to_owned(),
            ),
            None => ("–".into(), "–".into(), "–".into()),
        };
        println!(
            "| {} | {:.3} s | {p} | {ratio} | {same} |",
            r.what,
            r.ours.as_secs_f64()
        );
    }
    Ok(())
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
