//! `federa bench`: measures the counting engine.

#[derive(clap::Args)]
pub struct BenchArgs {}

pub fn run(_args: BenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("the benchmark is not built yet")
}
