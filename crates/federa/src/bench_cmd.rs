//! `federa bench`: measures the counting engine, side by side with its peers.
//!
//! It writes seeded synthetic elections as BLT files, times our read + parse + count on them
//! (several repetitions, the median), counts all the Scottish 2017 council wards, and runs the
//! peers it finds on the same files in the same run: stv-rs (Meek), tallystick (IRV and
//! Schulze, through the runner in `bench/tallystick-runner`). It prints one table with each
//! peer's time, the ratio and whether the elected sets agree. Droop, the peer for the Scottish
//! wards, is not on PyPI: it runs only when `--droop` names a copy's `Droop.py` (see
//! [`run_droop`]).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tally::formats::blt;
use tally::stv::{self, MeekArithmetic, StvMethod, StvOptions};
use tally::synth::{self, SynthSpec};
use tally::{CandidateId, FlatElection, irv, schulze};

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
    /// The tallystick runner binary (default: built from bench/tallystick-runner, see
    /// --build-peers).
    #[arg(long)]
    pub tallystick: Option<PathBuf>,
    /// Build the tallystick runner (cargo +nightly, release) before measuring, if it is not
    /// built yet.
    #[arg(long)]
    pub build_peers: bool,
    /// Do not run peers, only our own counts.
    #[arg(long)]
    pub no_peers: bool,
    /// Seed of the synthetic elections.
    #[arg(long, default_value_t = 2017)]
    pub seed: u64,
    /// Droop's `Droop.py` (beside its `droop` package; Droop is not on PyPI, see
    /// crates/tally/README.md): counts the Scottish wards with its `scotland` rule, once.
    #[arg(long, value_name = "PATH")]
    pub droop: Option<PathBuf>,
    /// The Python 3 interpreter that runs Droop.
    #[arg(long, default_value = "python3")]
    pub droop_python: PathBuf,
}

/// A peer's figure for one row.
struct Peer {
    name: &'static str,
    time: Duration,
    /// Whether the peer's time covers the same work as `Row::ours` (reading and parsing the
    /// file included) or only the count, compared with `Row::count`.
    count_only: bool,
    agree: Option<bool>,
}

struct Row {
    what: String,
    /// Read + parse + count.
    ours: Duration,
    /// The count alone.
    count: Duration,
    peer: Option<Peer>,
    /// Why no peer figure, if none.
    missing: Option<String>,
}

/// Why the Scottish wards have no peer figure when `--droop` is not given.
const DROOP_MISSING: &str = "not run: give `--droop PATH/Droop.py`; Droop is not on PyPI (`pip download droop`: \"No matching distribution found for droop\"), its source is the repository jklundell/droop (see crates/tally/README.md)";

/// Counts ward files with Droop's package in one Python process, through the API its
/// `election.py` describes (an `ElectionProfile` from the file, an `Election` with the rule,
/// `count()`), and prints one line per file: the path, then the names elected, tab-separated.
/// Without the report Droop's CLI would format, this is Droop's read + parse + count.
const DROOP_DRIVER: &str = r#"
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[1])))
from droop.profile import ElectionProfile
from droop.election import Election
for path in sys.argv[2:]:
    E = Election(ElectionProfile(path=path), {'rule': 'scotland'})
    E.count()
    print('\t'.join([path] + [c.name for c in E.elected]))
"#;

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}

fn read_flat(path: &Path) -> anyhow::Result<FlatElection> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    blt::parse_flat(&text).with_context(|| format!("parsing {}", path.display()))
}

fn sorted_names(e: &FlatElection, ids: &[CandidateId]) -> Vec<String> {
    let mut names: Vec<String> = ids
        .iter()
        .map(|c| e.candidates[c.index()].clone())
        .collect();
    names.sort();
    names
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    Meek,
    Irv,
    Schulze,
}

/// Reads, parses and counts `file` `reps` times; returns the medians of the whole and of the
/// count alone, and the names elected (sorted).
fn measure(
    file: &Path,
    method: Method,
    reps: usize,
) -> anyhow::Result<(Duration, Duration, Vec<String>)> {
    let (mut whole, mut counting) = (Vec::new(), Vec::new());
    let mut names = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        let e = read_flat(file)?;
        let parsed = t.elapsed();
        let elected = match method {
            Method::Meek => {
                stv::count_flat(
                    &e,
                    &StvOptions::new(StvMethod::Meek).with_arithmetic(MeekArithmetic::Fixed9),
                )?
                .elected
            }
            Method::Irv => irv::count_flat(&e, &irv::IrvOptions::default())?.elected,
            Method::Schulze => {
                let options = schulze::SchulzeOptions {
                    seats: Some(1),
                    ..Default::default()
                };
                schulze::count_flat(&e, &options)?.elected
            }
        };
        let done = t.elapsed();
        whole.push(done);
        counting.push(done - parsed);
        names = sorted_names(&e, &elected);
        // Dropping the election is not part of the count.
        drop(e);
    }
    Ok((median(whole), median(counting), names))
}

fn find_on_path(name: &str, cargo_bin: bool) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        if !cargo_bin {
            return None;
        }
        let home = std::env::var_os("HOME")?;
        let p = PathBuf::from(home).join(".cargo/bin").join(name);
        p.is_file().then_some(p)
    })
}

/// Runs stv-rs's Meek count (nine-decimal fixed point, as ours) and returns the time and the
/// names it elected.
fn run_stv_rs(bin: &Path, file: &Path) -> anyhow::Result<(Duration, Vec<String>)> {
    let t = Instant::now();
    let out = Command::new(bin)
        .args(["--arithmetic", "fixed9", "--input"])
        .arg(file)
        .arg("meek")
        .output()
        .context("running stv-rs")?;
    let d = t.elapsed();
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

/// Where the tallystick runner's binary is built.
fn runner_target() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("bench"),
        None => PathBuf::from("bench/tallystick-runner/target"),
    }
}

fn find_tallystick(args: &BenchArgs) -> Result<PathBuf, String> {
    if let Some(p) = &args.tallystick {
        return Ok(p.clone());
    }
    let bin = runner_target().join("release/tallystick-runner");
    if bin.is_file() {
        return Ok(bin);
    }
    let manifest = Path::new("bench/tallystick-runner/Cargo.toml");
    if !args.build_peers {
        return Err(format!(
            "not built: run `bench/run`, or `federa bench --build-peers` from the repository root ({} not found)",
            bin.display()
        ));
    }
    if !manifest.is_file() {
        return Err(format!(
            "{} not found: run from the repository root",
            manifest.display()
        ));
    }
    // tallystick's IRV and Schulze need a nightly toolchain (its `nightly` feature).
    eprintln!("building the tallystick runner (cargo +nightly build --release, once)");
    let status = Command::new("cargo")
        .args([
            "+nightly",
            "build",
            "--release",
            "--locked",
            "--manifest-path",
        ])
        .arg(manifest)
        .env("CARGO_TARGET_DIR", runner_target())
        .status()
        .map_err(|e| format!("running cargo: {e}"))?;
    if !status.success() || !bin.is_file() {
        return Err(format!("building the runner failed ({status})"));
    }
    Ok(bin)
}

/// The tallystick runner's times (adding the ballots and asking for the winner) and winners,
/// for IRV and Schulze.
struct TallystickRun {
    irv: (Duration, Vec<String>),
    schulze: (Duration, Vec<String>),
}

fn run_tallystick(bin: &Path, file: &Path) -> anyhow::Result<TallystickRun> {
    let out = Command::new(bin)
        .arg(file)
        .output()
        .context("running the tallystick runner")?;
    if !out.status.success() {
        bail!(
            "the tallystick runner failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = |method: &str| -> anyhow::Result<(Duration, Vec<String>)> {
        let l = text
            .lines()
            .find_map(|l| l.strip_prefix(method).and_then(|r| r.strip_prefix(' ')))
            .with_context(|| format!("no `{method}` line from the tallystick runner"))?;
        let mut parts = l.split('\t');
        let secs: f64 = parts
            .next()
            .and_then(|s| s.trim().parse().ok())
            .with_context(|| format!("no time on the runner's `{method}` line"))?;
        let mut names: Vec<String> = parts.map(str::to_owned).collect();
        names.sort();
        Ok((Duration::from_secs_f64(secs), names))
    };
    Ok(TallystickRun {
        irv: line("irv")?,
        schulze: line("schulze")?,
    })
}

/// Runs Droop's Scottish rule on `wards` in one Python process ([`DROOP_DRIVER`]); returns
/// the process's wall time and, for each ward in order, the names elected (sorted).
fn run_droop(
    python: &Path,
    droop_py: &Path,
    wards: &[PathBuf],
) -> anyhow::Result<(Duration, Vec<Vec<String>>)> {
    let package = droop_py
        .parent()
        .unwrap_or(Path::new("."))
        .join("droop/election.py");
    if !droop_py.is_file() || !package.is_file() {
        bail!(
            "{} is not Droop.py beside its droop package ({} not found)",
            droop_py.display(),
            package.display()
        );
    }
    let t = Instant::now();
    let out = Command::new(python)
        .arg("-c")
        .arg(DROOP_DRIVER)
        .arg(droop_py)
        .args(wards)
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    let d = t.elapsed();
    if !out.status.success() {
        bail!(
            "Droop failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let elected = parse_droop_output(&String::from_utf8_lossy(&out.stdout), wards)?;
    Ok((d, elected))
}

/// Reads the driver's lines (path, then names, tab-separated), one per ward in `wards`' order.
fn parse_droop_output(text: &str, wards: &[PathBuf]) -> anyhow::Result<Vec<Vec<String>>> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    if lines.len() != wards.len() {
        bail!(
            "Droop printed {} result lines for {} wards",
            lines.len(),
            wards.len()
        );
    }
    lines
        .iter()
        .zip(wards)
        .map(|(line, ward)| {
            let mut fields = line.split('\t');
            let path = fields.next().unwrap_or_default();
            if Path::new(path) != ward.as_path() {
                bail!(
                    "Droop's result for {path} where {} was expected",
                    ward.display()
                );
            }
            let mut names: Vec<String> = fields.map(normalize_name).collect();
            names.sort();
            Ok(names)
        })
        .collect()
}

/// A candidate's name with runs of white space made one space: Droop joins the words of a
/// quoted BLT name with single spaces.
fn normalize_name(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
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
    let stv_rs = if args.no_peers {
        Err("not run (--no-peers)".to_owned())
    } else {
        args.stv_rs
            .clone()
            .or_else(|| find_on_path("stv-rs", true))
            .ok_or_else(|| "not installed (`cargo install stv-rs --locked`)".to_owned())
    };
    let tallystick = if args.no_peers {
        Err("not run (--no-peers)".to_owned())
    } else {
        find_tallystick(&args)
    };
    let droop = match (&args.droop, args.no_peers) {
        (_, true) => Err("not run (--no-peers)".to_owned()),
        (Some(p), false) => Ok(p.clone()),
        (None, false) => Err(DROOP_MISSING.to_owned()),
    };
    let show = |p: &Result<PathBuf, String>| match p {
        Ok(p) => p.display().to_string(),
        Err(why) => why.clone(),
    };
    eprintln!(
        "federa bench: {reps} repetitions, files in {}\n  stv-rs: {}\n  tallystick: {}\n  Droop: {}",
        dir.display(),
        show(&stv_rs),
        show(&tallystick),
        show(&droop),
    );

    let mut rows = Vec::new();
    for &n in sizes {
        let spec = SynthSpec::new(15, 5, n, args.seed);
        let file = dir.join(format!("synthetic-{n}-15c-5s-seed{}.blt", args.seed));
        if !file.is_file() {
            eprintln!("writing {}", file.display());
            fs::write(&file, synth::blt(&spec))?;
        }
        let (ours, count, mine) = measure(&file, Method::Meek, reps)?;
        eprintln!(
            "Meek, {n} ballots: read + parse {:.3} s, count {:.3} s (medians)",
            (ours - count).as_secs_f64(),
            count.as_secs_f64()
        );
        let (peer, missing) = match &stv_rs {
            Ok(bin) => {
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
                let peer = Peer {
                    name: "stv-rs",
                    time: median(times),
                    count_only: false,
                    agree,
                };
                (Some(peer), None)
            }
            Err(why) => (None, Some(format!("stv-rs {why}"))),
        };
        rows.push(Row {
            what: format!(
                "Meek (9 d.p.), {} ballots, 15 candidates, 5 seats",
                thousands(n)
            ),
            ours,
            count,
            peer,
            missing,
        });

        if n != 1_000_000 {
            continue;
        }
        // IRV and Schulze on the same file, next to tallystick.
        let mut ts_runs = Vec::new();
        let mut ts_error = None;
        if let Ok(bin) = &tallystick {
            for _ in 0..reps.min(3) {
                match run_tallystick(bin, &file) {
                    Ok(r) => ts_runs.push(r),
                    Err(e) => {
                        ts_error = Some(format!("tallystick: {e:#}"));
                        break;
                    }
                }
            }
        }
        for method in [Method::Irv, Method::Schulze] {
            let (ours, count, mine) = measure(&file, method, reps)?;
            let name = if method == Method::Irv {
                "IRV"
            } else {
                "Schulze (winning votes)"
            };
            eprintln!(
                "{name}, {n} ballots: read + parse {:.3} s, count {:.3} s (medians)",
                (ours - count).as_secs_f64(),
                count.as_secs_f64()
            );
            let (peer, missing) = if ts_runs.is_empty() {
                let why = match (&tallystick, &ts_error) {
                    (_, Some(e)) => e.clone(),
                    (Err(why), None) => format!("tallystick runner {why}"),
                    (Ok(_), None) => "tallystick: no run".into(),
                };
                (None, Some(why))
            } else {
                let pick = |r: &TallystickRun| {
                    if method == Method::Irv {
                        r.irv.clone()
                    } else {
                        r.schulze.clone()
                    }
                };
                let times = ts_runs.iter().map(|r| pick(r).0).collect();
                let agree = ts_runs.iter().all(|r| {
                    let names = pick(r).1;
                    if names != mine {
                        eprintln!("{name}: elected differ: federa {mine:?}, tallystick {names:?}");
                    }
                    names == mine
                });
                let peer = Peer {
                    name: "tallystick",
                    time: median(times),
                    count_only: true,
                    agree: Some(agree),
                };
                (Some(peer), None)
            };
            rows.push(Row {
                what: format!("{name}, {} ballots, 15 candidates", thousands(n)),
                ours,
                count,
                peer,
                missing,
            });
        }
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
        let mut whole = Vec::new();
        let mut counting = Vec::new();
        for _ in 0..reps {
            let mut in_count = Duration::ZERO;
            let t = Instant::now();
            for w in &wards {
                let e = read_flat(w)?;
                let c = Instant::now();
                stv::count_flat(&e, &StvOptions::new(StvMethod::Scottish))?;
                in_count += c.elapsed();
            }
            whole.push(t.elapsed());
            counting.push(in_count);
        }
        let (peer, missing) = match &droop {
            Err(why) => (None, Some(format!("Droop {why}"))),
            Ok(droop_py) => {
                eprintln!(
                    "running Droop's scotland rule on the {} wards (once)",
                    wards.len()
                );
                match run_droop(&args.droop_python, droop_py, &wards) {
                    Err(e) => (None, Some(format!("Droop: {e:#}"))),
                    Ok((time, theirs)) => {
                        let mut agree = true;
                        for (w, names) in wards.iter().zip(&theirs) {
                            let e = read_flat(w)?;
                            let outcome =
                                stv::count_flat(&e, &StvOptions::new(StvMethod::Scottish))?;
                            let mine: Vec<String> = sorted_names(&e, &outcome.elected)
                                .iter()
                                .map(|n| normalize_name(n))
                                .collect();
                            if &mine != names {
                                eprintln!(
                                    "{}: elected differ: federa {mine:?}, Droop {names:?}",
                                    w.display()
                                );
                                agree = false;
                            }
                        }
                        eprintln!(
                            "Droop, {} wards: {:.3} s (one run, one Python process)",
                            wards.len(),
                            time.as_secs_f64()
                        );
                        let peer = Peer {
                            name: "Droop",
                            time,
                            count_only: false,
                            agree: Some(agree),
                        };
                        (Some(peer), None)
                    }
                }
            }
        };
        rows.push(Row {
            what: format!("Scottish STV, all {} wards of 2017", wards.len()),
            ours: median(whole),
            count: median(counting),
            peer,
            missing,
        });
    }

    println!(
        "| count (median of {reps}) | federa: read + parse + count | federa: count | peer | peer | peer / federa | same elected |"
    );
    println!("| --- | ---: | ---: | --- | ---: | ---: | --- |");
    let mut notes = Vec::new();
    for r in rows {
        let (name, p, ratio, same) = match &r.peer {
            Some(peer) => {
                let base = if peer.count_only { r.count } else { r.ours };
                (
                    peer.name.to_owned(),
                    format!(
                        "{:.3} s{}",
                        peer.time.as_secs_f64(),
                        if peer.count_only { " (count)" } else { "" }
                    ),
                    format!(
                        "{:.1}×",
                        peer.time.as_secs_f64() / base.as_secs_f64().max(1e-9)
                    ),
                    match peer.agree {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "?",
                    }
                    .to_owned(),
                )
            }
            None => ("–".into(), "–".into(), "–".into(), "–".into()),
        };
        if let Some(m) = r.missing {
            notes.push(format!("{}: {m}", r.what));
        }
        println!(
            "| {} | {:.3} s | {:.3} s | {name} | {p} | {ratio} | {same} |",
            r.what,
            r.ours.as_secs_f64(),
            r.count.as_secs_f64()
        );
    }
    for n in notes {
        println!("\n{n}");
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn wards() -> Vec<PathBuf> {
        vec![PathBuf::from("w/a.blt"), PathBuf::from("w/b.blt")]
    }

    #[test]
    fn droop_output_gives_sorted_names_per_ward() {
        let text = "w/a.blt\tZoe  SMITH (Lab)\tAnn JONES (SNP)\nw/b.blt\tBo LEE (Con)\n";
        let elected = parse_droop_output(text, &wards()).unwrap();
        assert_eq!(
            elected,
            vec![
                vec!["Ann JONES (SNP)".to_owned(), "Zoe SMITH (Lab)".to_owned()],
                vec!["Bo LEE (Con)".to_owned()],
            ]
        );
    }

    #[test]
    fn droop_output_for_other_wards_is_an_error() {
        let missing = parse_droop_output("w/a.blt\tAnn JONES (SNP)\n", &wards()).unwrap_err();
        assert!(missing.to_string().contains("1 result lines for 2 wards"));
        let swapped = parse_droop_output("w/b.blt\tX\nw/a.blt\tY\n", &wards()).unwrap_err();
        assert!(swapped.to_string().contains("w/b.blt"), "{swapped}");
    }

    #[test]
    fn missing_droop_package_is_named() {
        let dir = std::env::temp_dir().join("federa-bench-no-droop");
        let err = run_droop(Path::new("python3"), &dir.join("Droop.py"), &wards()).unwrap_err();
        assert!(err.to_string().contains("droop/election.py"), "{err}");
    }
}
