//! `federa demo`: a fresh data directory, the demo federation seeded through the store API,
//! an administrator with a generated password, and the server.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use federa_store::{OrgFilter, Page, Store};

use crate::server::{runtime, serve, sqlite_url};

/// Marks a directory `federa demo` created, so it may wipe it next time.
const MARKER: &str = ".federa-demo";

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Directory for the demo's database; wiped if a previous demo made it, refused if it
    /// holds anything else.
    #[arg(long, env = "FEDERA_DATA_DIR", default_value = "federa-demo")]
    pub data_dir: PathBuf,
    /// Seed an empty database at this URL instead (e.g. a PostgreSQL schema).
    #[arg(long, env = "FEDERA_DATABASE_URL")]
    pub database: Option<String>,
    #[arg(long, env = "FEDERA_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let url = match &args.database {
            Some(url) => url.clone(),
            None => {
                fresh_dir(&args.data_dir)?;
                sqlite_url(&args.data_dir)?
            }
        };
        let store = Store::connect(&url)
            .await
            .context("opening the demo database")?;
        let existing = store
            .list_organisations(&OrgFilter::default(), Page::new(0, 1))
            .await?;
        if existing.total > 0 {
            bail!("the demo needs an empty database, and this one holds organisations");
        }
        tracing::info!("seeding the demo");
        let seeded = crate::seed::seed(&store)
            .await
            .context("seeding the demo")?;
        let banner = format!(
            "demo: {} with {} member units\nsign in as {} with password {}\ndata: {}",
            seeded.association_name,
            seeded.member_units,
            seeded.admin_username,
            seeded.admin_password,
            args.database.as_deref().map_or_else(
                || args.data_dir.display().to_string(),
                |_| "(database URL)".into()
            ),
        );
        serve(store, &args.listen, Some(banner)).await
    })
}

/// Empties `dir` if a previous demo made it (or it is empty or missing) and marks it.
fn fresh_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .next()
            .is_none();
        if !empty && !dir.join(MARKER).exists() {
            bail!(
                "{} is not empty and was not made by `federa demo`; choose another --data-dir",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("wiping {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(
        dir.join(MARKER),
        "made by federa demo; wiped by the next one\n",
    )?;
    Ok(())
}
