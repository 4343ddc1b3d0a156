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

use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::mpsc;

/// How long the task waits after a commit, so that a burst of commits is copied back once.
const SETTLE: Duration = Duration::from_millis(100);
/// How often the task checkpoints without being woken.
const TICK: Duration = Duration::from_secs(5);

/// Wakes the checkpoint task of a store; cheap to clone and to call.
#[derive(Clone, Debug)]
pub(crate) struct Checkpoints(mpsc::Sender<()>);

impl Checkpoints {
    /// Starts the task for a pool of file connections that do not checkpoint themselves. It
    /// ends once every `Checkpoints` of the store is dropped, or when the pool is closed.
    pub(crate) fn start(pool: AnyPool) -> Checkpoints {
        let (tx, mut rx) = mpsc::channel(1);
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
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&pool)
                    .await
                {
                    if pool.is_closed() {
                        break;
                    }
                    tracing::warn!(error = %e, "SQLite log checkpoint failed");
                }
            }
        });
        Checkpoints(tx)
    }

    /// Asks for a checkpoint soon; one already asked for covers this one too.
    pub(crate) fn wake(&self) {
        let _ = self.0.try_send(());
    }
}
