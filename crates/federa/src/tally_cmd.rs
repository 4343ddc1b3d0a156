//! `federa tally FILE --method ...`: reads a ballot file, counts it, prints the report.

#[derive(clap::Args)]
pub struct TallyArgs {
    /// The ballot file.
    pub file: std::path::PathBuf,
}

pub fn run(args: TallyArgs) -> anyhow::Result<()> {
    anyhow::bail!("counting {} is not built yet", args.file.display())
}
