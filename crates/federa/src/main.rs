//! The `federa` command: a thin bootstrap over the library crates.

mod bench_cmd;
mod tally_cmd;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "federa",
    version,
    about = "The software an association or federation runs itself on"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Count an election from a ballot file (BLT, PrefLib, CSV, XLSX) and print the report.
    Tally(tally_cmd::TallyArgs),
    /// Measure the counting engine on synthetic and real elections, side by side with peers.
    Bench(bench_cmd::BenchArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Tally(args) => tally_cmd::run(args),
        Command::Bench(args) => bench_cmd::run(args),
    }
}
