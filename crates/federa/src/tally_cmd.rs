//! `federa tally FILE --method ...`: reads a ballot file, counts it, prints the report.
//!
//! The format comes from the file's extension (`.blt`, `.soi`/`.soc`/`.toc`, `.csv`,
//! `.xlsx`) or from `--format`. The report is readable text, or with `--json` one JSON object
//! with at least `elected` (names, as in the file) and `rounds`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::ValueEnum;
use tally::formats::{self, Format};
use tally::stv::{MeekArithmetic, StvMethod, StvOptions};
use tally::{Election, Outcome, approval, borda, irv, plurality, schulze};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Scottish STV (SSI 2007/42 Schedule 1 rules 45 to 52).
    ScottishStv,
    /// Meek STV (Algorithm 123; 9-decimal fixed point unless --arithmetic says otherwise).
    Meek,
    /// Weighted inclusive Gregory STV.
    Wigm,
    /// Instant runoff (one seat).
    Irv,
    /// Schulze (winner and full order).
    Schulze,
    /// Borda count.
    Borda,
    /// Plurality (one seat) or block vote (several).
    Plurality,
    /// Approval with a threshold of more than half of the valid ballots.
    Approval,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Blt,
    Preflib,
    Csv,
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TieArg {
    /// IRV: exclude the tied candidate with fewer votes in an earlier round, then by lot.
    PreviousRounds,
    /// IRV: exclude one tied candidate by lot.
    Lot,
    /// IRV: exclude all candidates tied for the fewest votes together.
    AllTied,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ArithmeticArg {
    /// Meek: 9 decimal places (the PR Foundation reference rule).
    Fixed9,
    /// Meek: 30 decimal places.
    HighPrecision,
    /// Meek: exact rationals.
    Rational,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThresholdArg {
    /// Approval: elected only with more than half of the valid ballots.
    Half,
    /// Approval: no threshold, the most approved are elected.
    None,
}

#[derive(clap::Args)]
pub struct TallyArgs {
    /// The ballot file.
    pub file: PathBuf,
    /// The counting method.
    #[arg(long, value_enum)]
    pub method: Method,
    /// Seats to fill (default: the file's own number, or 1 where the format has none).
    #[arg(long)]
    pub seats: Option<u32>,
    /// Seed of the lot that breaks ties the rule leaves to chance (recorded in the report).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print one JSON object instead of the readable report.
    #[arg(long)]
    pub json: bool,
    /// The file's format, where its extension does not say.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// IRV's rule for a tie for the fewest votes.
    #[arg(long, value_enum, default_value = "previous-rounds")]
    pub tie: TieArg,
    /// Meek's arithmetic.
    #[arg(long, value_enum, default_value = "fixed9")]
    pub arithmetic: ArithmeticArg,
    /// Approval's threshold.
    #[arg(long, value_enum, default_value = "half")]
    pub threshold: ThresholdArg,
    /// Approval: count ballots that approve more candidates than there are seats (by default
    /// they are void).
    #[arg(long)]
    pub allow_extra_marks: bool,
    /// Approval: decide a tie for the last seat by lot instead of leaving it to a further vote.
    #[arg(long)]
    pub ties_by_lot: bool,
}

pub fn run(args: TallyArgs) -> anyhow::Result<()> {
    let format = match args.format {
        Some(FormatArg::Blt) => Format::Blt,
        Some(FormatArg::Preflib) => Format::PrefLib,
        Some(FormatArg::Csv) => Format::CvrCsv,
        Some(FormatArg::Xlsx) => Format::CvrXlsx,
        None => {
            let ext = args.file.extension().and_then(|e| e.to_str()).unwrap_or("");
            match Format::from_extension(ext) {
                Some(f) => f,
                None => bail!(
                    "{}: cannot tell the format from the extension `{ext}`: use .blt, .soi, .soc, .toc, .csv or .xlsx, or --format",
                    args.file.display()
                ),
            }
        }
    };
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let import = formats::read(&bytes, format, args.seats.unwrap_or(1))
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    let mut election = import.election;
    if let Some(seats) = args.seats {
        election.seats = seats;
    }
    let mut outcome = count(&election, &args)?;
    // What the reader set aside comes first: it never reached the count.
    let mut set_aside = import.set_aside;
    set_aside.append(&mut outcome.set_aside);
    outcome.set_aside = set_aside;
    let mut notes = import.notes;
    notes.append(&mut outcome.notes);
    outcome.notes = notes;

    if args.json {
        let mut json = outcome.to_json(&election.candidates);
        if let Some(obj) = json.as_object_mut() {
            obj.insert("title".into(), serde_json::json!(election.title));
            obj.insert("candidates".into(), serde_json::json!(election.candidates));
        }
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        if !election.title.is_empty() {
            println!("{}\n", election.title);
        }
        print!("{}", outcome.to_text(&election.candidates));
    }
    Ok(())
}

fn count(election: &Election, args: &TallyArgs) -> anyhow::Result<Outcome> {
    let seats = args.seats;
    let seed = args.seed;
    let stv = |method| {
        let mut options = StvOptions::new(method).with_seed(seed);
        options.seats = seats;
        options.arithmetic = match args.arithmetic {
            ArithmeticArg::Fixed9 => MeekArithmetic::Fixed9,
            ArithmeticArg::HighPrecision => MeekArithmetic::HighPrecision,
            ArithmeticArg::Rational => MeekArithmetic::Rational,
        };
        tally::stv::count(election, &options).map_err(anyhow::Error::from)
    };
    let outcome = match args.method {
        Method::ScottishStv => stv(StvMethod::Scottish)?,
        Method::Meek => stv(StvMethod::Meek)?,
        Method::Wigm => stv(StvMethod::Wigm)?,
        Method::Irv => irv::count(
            election,
            &irv::IrvOptions {
                tie: match args.tie {
                    TieArg::PreviousRounds => irv::IrvTie::PreviousRounds,
                    TieArg::Lot => irv::IrvTie::Lot,
                    TieArg::AllTied => irv::IrvTie::AllTied,
                },
                seed,
            },
        )?,
        Method::Schulze => schulze::count(
            election,
            &schulze::SchulzeOptions {
                seats,
                seed,
                ..Default::default()
            },
        )?,
        Method::Borda => borda::count(election, &borda::BordaOptions { seats, seed })?,
        Method::Plurality => {
            plurality::count(election, &plurality::PluralityOptions { seats, seed })?
        }
        Method::Approval => approval::count(
            election,
            &approval::ApprovalOptions {
                seats,
                seed,
                threshold: match args.threshold {
                    ThresholdArg::Half => approval::Threshold::MoreThanHalf,
                    ThresholdArg::None => approval::Threshold::None,
                },
                void_over_seats: !args.allow_extra_marks,
                tie: if args.ties_by_lot {
                    approval::TieRule::Lot
                } else {
                    approval::TieRule::FurtherVote
                },
            },
        )?,
    };
    Ok(outcome)
}
