//! SQLite's log checkpoints, run on the store's own task instead of by the writer whose commit
//! happens to fill the log.
//!
//! In WAL mode a commit appends pages to the log, and by default the connection that commits
//! once the log passes 1,000 pages copies the whole log back into the database file before its
//! commit returns: a 100,000-row import then waits for a second of copying and syncing that has
//! nothing to do with it. SQLite's documentation suggests the alternative used here: the
//! connections do not checkpoint (`PRAGMA wal_autocheckpoint = 0`), and one task checkpoints
//! soon after writes, in `PASSIVE` mode, which neither waits for nor blocks readers and
//! writers. Each commit of a writing transaction wakes the task; a timer also wakes it, so
//! writes outside those transactions (migrations, maintenance) are copied back too. Closing
//! the store's last connection checkpoints whatever is left.

use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::{Mutex, mpsc};

use crate::Result;

/// How long the task waits after a commit, so that a burst of commits is copied back once.
const SETTLE: Duration = Duration::from_millis(100);
/// How often the task checkpoints without being woken.
const TICK: Duration = Duration::from_secs(5);

/// Wakes the checkpoint task of a store; cheap to clone and to call.
#[derive(Clone, Debug)]
pub(crate) struct Checkpoints {
    wake: mpsc::Sender<()>,
    /// Held while a checkpoint runs, so that [`Checkpoints::now`] waits for the task's.
    running: Arc<Mutex<()>>,
}

/// Copies the log into the database file, in `PASSIVE` mode, once `running` is free.
async fn checkpoint(pool: &AnyPool, running: &Mutex<()>) -> Result<()> {
    let _running = running.lock().await;
    sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .execute(pool)
        .await?;
    Ok(())
}

impl Checkpoints {
    /// Starts the task for a pool of file connections that do not checkpoint themselves. It
    /// ends once every `Checkpoints` of the store is dropped, or when the pool is closed.
    pub(crate) fn start(pool: AnyPool) -> Checkpoints {
        let (tx, mut rx) = mpsc::channel(1);
        let running = Arc::new(Mutex::new(()));
        let task_running = running.clone();
        tokio::spawn(async move {
            loop {
                let woken = tokio::time::timeout(TICK, rx.recv()).await;
                if let Ok(None) = woken {
                    break;
                }
                if woken.is_ok() {
                    tokio::time::sleep(SETTLE).await;
                    while rx.try_recv().is_ok() {}
                }
                if pool.is_closed() {
                    break;
                }
                if let Err(e) = checkpoint(&pool, &task_running).await {
                    if pool.is_closed() {
                        break;
                    }
                    tracing::warn!(error = %e, "SQLite log checkpoint failed");
                }
            }
        });
        Checkpoints { wake: tx, running }
    }

    /// Asks for a checkpoint soon; one already asked for covers this one too.
    pub(crate) fn wake(&self) {
        let _ = self.wake.try_send(());
    }

    /// Checkpoints now, after the one the task may be running.
    pub(crate) async fn now(&self, pool: &AnyPool) -> Result<()> {
        checkpoint(pool, &self.running).await
    }
}
