//! The `federa` command: a thin bootstrap over the library crates.

mod admin;
mod app;
mod bench_cmd;
mod demo;
mod import_cmd;
mod seed;
mod server;
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
    /// Run the server (SQLite in ./federa-data unless --database says otherwise).
    Serve(server::ServeArgs),
    /// Run the server on a fresh demo federation with 92 member units and an administrator.
    Demo(demo::DemoArgs),
    /// Maintenance: create users.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Import member lists (CSV or XLSX) into the registry.
    #[command(subcommand)]
    Import(import_cmd::ImportCommand),
    /// Count an election from a ballot file (BLT, PrefLib, CSV, XLSX) and print the report.
    Tally(tally_cmd::TallyArgs),
    /// Measure the counting engine on synthetic and real elections, side by side with peers.
    Bench(bench_cmd::BenchArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing();
    match cli.command {
        Command::Serve(args) => server::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Admin(cmd) => admin::run(cmd),
        Command::Import(cmd) => import_cmd::run(cmd),
        Command::Tally(args) => tally_cmd::run(args),
        Command::Bench(args) => bench_cmd::run(args),
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default: info, with sqlx's per-query logs off).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
