//! `federa import members FILE --org ORG`: checks a member list (CSV or XLSX) and imports it
//! through the store in one transaction, with a progress bar and the same report as the
//! import page (every problem by row, column and reason).

use std::path::PathBuf;

use anyhow::{Context, bail};
use federa_core::registry::import::MAX_FILE_BYTES;
use federa_core::registry::{ImportMode, ImportOptions, Preview};
use federa_store::{Actor, Store};
use indicatif::{ProgressBar, ProgressStyle};

use crate::server::{DataArgs, runtime};

#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// Import member units into an organisation from a CSV or XLSX file in the template's
    /// columns. Nothing is written when any row has a problem, unless --valid-only.
    Members(MembersArgs),
}

#[derive(Debug, clap::Args)]
pub struct MembersArgs {
    /// The member list (CSV: UTF-8, UTF-16 or GBK; or XLSX).
    pub file: PathBuf,
    /// The organisation the members join: its id or exact name.
    #[arg(long)]
    pub org: String,
    #[command(flatten)]
    pub data: DataArgs,
    /// Import the valid rows and skip the others (their problems are still reported).
    #[arg(long)]
    pub valid_only: bool,
    /// The sheet to read from a workbook with several.
    #[arg(long)]
    pub sheet: Option<String>,
}

pub fn run(cmd: ImportCommand) -> anyhow::Result<()> {
    match cmd {
        ImportCommand::Members(args) => runtime()?.block_on(members(args)),
    }
}

async fn find_org(store: &Store, org: &str) -> anyhow::Result<i64> {
    if let Ok(id) = org.trim().parse::<i64>() {
        return Ok(store
            .get_organisation(id)
            .await
            .with_context(|| format!("no organisation with id {id}"))?
            .id);
    }
    match store.find_organisation_by_name(org).await? {
        Some(o) => Ok(o.id),
        None => bail!("no organisation named {org:?}"),
    }
}

fn print_problems(p: &Preview) {
    for x in &p.problems {
        eprintln!("  {x}");
    }
}

async fn members(args: MembersArgs) -> anyhow::Result<()> {
    // The size is checked before the file is read.
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?
        .len();
    if size > MAX_FILE_BYTES as u64 {
        bail!(
            "{}: file_too_large: {size} bytes, more than the limit of {MAX_FILE_BYTES}",
            args.file.display()
        );
    }
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let store = args.data.open().await?;
    let org = find_org(&store, &args.org).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let options = ImportOptions {
        sheet: args.sheet.clone(),
        ..ImportOptions::default()
    };
    let spinner = ProgressBar::new_spinner().with_message("checking the file");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let preview = store
        .preview_member_import(org, &bytes, &options, today)
        .await;
    spinner.finish_and_clear();
    let preview = preview.map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    eprintln!(
        "{}: {} rows read, {} valid, {} with problems",
        args.file.display(),
        preview.rows_read,
        preview.valid.len(),
        preview.invalid_rows
    );
    print_problems(&preview);
    if !preview.is_clean() && !args.valid_only {
        bail!(
            "{} problems; nothing was imported (fix the file, or pass --valid-only to import \
             the valid rows)",
            preview.problems.len()
        );
    }
    let mode = if args.valid_only {
        ImportMode::ValidRowsOnly
    } else {
        ImportMode::AllOrNothing
    };
    let bar = ProgressBar::new(preview.valid.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = {
        let bar = bar.clone();
        move |done: usize, _total: usize| bar.set_position(done as u64)
    };
    let report = store
        .import_members(Actor::System, org, &bytes, &options, mode, today, &progress)
        .await;
    bar.finish_and_clear();
    let report = report.map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    println!(
        "imported {} members ({} organisations created, {} existing), skipped {} rows; batch {}",
        report.imported,
        report.organisations_created,
        report.organisations_reused,
        report.skipped_rows,
        report.batch
    );
    store.close().await;
    Ok(())
}
