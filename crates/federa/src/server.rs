//! `federa serve`: opens the store, binds the address, serves the web app until Ctrl-C or
//! SIGTERM, then finishes the requests in flight and closes the database.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use federa_store::Store;

/// Where federa keeps its data and where it listens; shared by `serve`, `demo` and `admin`.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// Directory for the SQLite database (created if missing).
    #[arg(long, env = "FEDERA_DATA_DIR", default_value = "federa-data")]
    pub data_dir: PathBuf,
    /// Database URL instead of the SQLite file in the data directory:
    /// `postgres://user@host/db` (optionally `?schema=NAME`) or `sqlite://PATH?mode=rwc`.
    #[arg(long, env = "FEDERA_DATABASE_URL")]
    pub database: Option<String>,
}

impl DataArgs {
    /// The database URL to use, creating the data directory for the default SQLite file.
    pub fn database_url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database {
            return Ok(url.clone());
        }
        sqlite_url(&self.data_dir)
    }

    pub async fn open(&self) -> anyhow::Result<Store> {
        let url = self.database_url()?;
        Store::connect(&url)
            .await
            .with_context(|| format!("opening the database {}", redact(&url)))
    }
}

/// `sqlite://DIR/federa.db?mode=rwc`, creating `DIR`.
pub fn sqlite_url(dir: &Path) -> anyhow::Result<String> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the data directory {}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("resolving {}", dir.display()))?;
    Ok(format!(
        "sqlite://{}?mode=rwc",
        dir.join("federa.db").display()
    ))
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

/// The mail server that emails copies of circulars and reminders (none: inbox only).
#[derive(Debug, Clone, clap::Args)]
pub struct MailArgs {
    /// SMTP server for email copies of circulars and reminders, `smtp://host:port`.
    #[arg(long, env = "FEDERA_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Sender address of those emails.
    #[arg(
        long,
        env = "FEDERA_SMTP_FROM",
        default_value = "federa <federa@localhost>"
    )]
    pub smtp_from: String,
}

impl MailArgs {
    pub fn mailer(&self) -> anyhow::Result<Option<federa_web::engagement::Mailer>> {
        match &self.smtp_url {
            None => Ok(None),
            Some(url) => federa_web::engagement::Mailer::new(url, &self.smtp_from)
                .map(Some)
                .map_err(|e| anyhow::anyhow!("configuring the mail server: {e}")),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub mail: MailArgs,
    /// Address to listen on; port 0 picks a free port (the printed URL says which).
    #[arg(long, env = "FEDERA_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let mailer = args.mail.mailer()?;
        let store = args.data.open().await?;
        serve_with(store, &args.listen, None, mailer).await
    })
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Serves the app on `listen` until a shutdown signal; prints `federa listening on URL` (and
/// `banner`, if any) once the socket is bound, so scripts and tests can wait for that line.
pub async fn serve(store: Store, listen: &str, banner: Option<String>) -> anyhow::Result<()> {
    serve_with(store, listen, banner, None).await
}

/// [`serve`], emailing copies of circulars and reminders through `mailer` when given.
pub async fn serve_with(
    store: Store,
    listen: &str,
    banner: Option<String>,
    mailer: Option<federa_web::engagement::Mailer>,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    let app = match mailer {
        Some(m) => {
            tracing::info!(mailer = ?m, "emailing circulars");
            federa_web::app(federa_web::AppState::new(store.clone()).with_mailer(m))
        }
        None => crate::app::router(store.clone()),
    };
    let shutdown = shutdown_signal()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "federa listening on http://{addr}/")?;
        if let Some(b) = banner {
            writeln!(out, "{b}")?;
        }
        out.flush()?;
    }
    tracing::info!(%addr, backend = ?store.backend(), "serving");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving HTTP")?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed when this is called,
/// before the URL is printed, so a signal sent right after that line is never missed.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt()).context("listening for Ctrl-C")?;
    let mut term = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => tracing::info!("Ctrl-C: shutting down"),
            _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C: shutting down");
        }
    })
}
