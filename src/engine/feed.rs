//! Following the store's change feed (PostgreSQL, several nodes on one database): candidate
//! writes made through any node reach this node's in-memory features and search index.
//!
//! At open the engine reads the feed's position before it reads the candidates, so a write
//! committed while it loads is applied again afterwards (applying is idempotent: a change says
//! only which candidate changed, and the candidate is read as it is now). A node that was down
//! catches up by that same full load at its start. The follower thread then wakes on each
//! notification, or at least every [`POLL`], and applies what came after its position, in
//! order. This node's own writes come back through the feed too and are applied again; that
//! costs a read per candidate and keeps one path for every write, whoever made it.
//!
//! Changes older than [`FEED_RETENTION`] are pruned by housekeeping. A node whose index was
//! shut down before the oldest kept change rebuilds it at its start; a running node that finds
//! it missed pruned changes (its database connection was gone that long) reports not ready
//! until it is restarted.
//!
//! SQLite has no feed (one process writes it): the follower is not started.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::{Engine, EngineError};
use crate::index::Facts;
use crate::score::Features;

/// The longest a change waits when its notification is lost: within the one second a change
/// on one node must take to be rankable on every other.
const POLL: Duration = Duration::from_millis(500);

/// Changes applied at once.
const BATCH: usize = 500;

/// How long the feed keeps a change: a node down for longer rebuilds its index from the
/// database at its start instead of replaying the changes (about 40 bytes each in the
/// database; a million writes a week is 40 MB).
pub const FEED_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

impl Engine {
    /// Starts the thread that applies other nodes' writes, when the store has a change feed.
    /// It holds the engine weakly and ends when the engine is dropped.
    pub fn follow_changes(engine: &Arc<Engine>) -> std::io::Result<()> {
        if engine.feed_position().is_none() {
            return Ok(());
        }
        let weak = Arc::downgrade(engine);
        let store = Arc::clone(&engine.store);
        std::thread::Builder::new()
            .name("change-feed".into())
            .spawn(move || follow(weak, store))
            .map(|_| ())
    }

    fn feed_position(&self) -> Option<u64> {
        *self.feed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies the changes after this node's position, in order. Returns how many.
    pub fn apply_changes(&self) -> Result<usize, EngineError> {
        let mut position = self.feed.lock().unwrap_or_else(|p| p.into_inner());
        let Some(after) = *position else {
            return Ok(0);
        };
        let changes = self.store.changes_after(after, BATCH)?;
        // Positions are consecutive, so only a batch that is empty or does not follow on can
        // hide a gap; the mark is read after the changes (see the store's feed), so a gap
        // cannot slip between the two reads.
        if changes
            .first()
            .is_none_or(|first| first.position != after + 1)
        {
            let pruned_through = self.store.change_feed_pruned_through()?;
            if after < pruned_through
                && !self
                    .fell_behind
                    .swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                tracing::error!(
                    after,
                    pruned_through,
                    "this node missed changes the feed no longer keeps: restart it to rebuild \
                     its index"
                );
            }
        }
        let mut deleted_any = false;
        for change in &changes {
            let seq = change.candidate_seq;
            let current = if change.deleted {
                None
            } else {
                self.store.get_candidates_by_seq(&[seq])?.pop()
            };
            match current {
                Some(candidate) => {
                    if let Err(error) = self.index.upsert(
                        seq,
                        &candidate.text,
                        &Facts::from_profile(&candidate.profile),
                    ) {
                        tracing::error!(seq, %error, "indexing a change failed; rebuilt at next start");
                    }
                    self.pool.write().unwrap_or_else(|p| p.into_inner()).upsert(
                        seq,
                        candidate.id,
                        candidate.external_id,
                        Features::from_profile(&candidate.profile),
                        &candidate.tenant,
                    );
                }
                // Deleted, or deleted since this change was written: gone here too.
                None => {
                    self.pool
                        .write()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(seq);
                    if let Err(error) = self.index.delete(seq) {
                        tracing::error!(seq, %error, "removing a change from the index failed");
                    }
                    deleted_any = true;
                }
            }
            *position = Some(change.position);
        }
        drop(position);
        if deleted_any {
            // An erasure on another node leaves this node's index files too.
            self.purge_index();
        }
        Ok(changes.len())
    }

    /// Whether this node missed changes already pruned from the feed (see [`Engine::apply_changes`]).
    pub fn fell_behind_the_feed(&self) -> bool {
        self.fell_behind.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Forgets the feed's changes older than [`FEED_RETENTION`] (housekeeping); returns how many.
    pub fn prune_change_feed(&self) -> Result<usize, EngineError> {
        let retention = chrono::Duration::from_std(FEED_RETENTION).unwrap_or_default();
        Ok(self.store.prune_changes(chrono::Utc::now() - retention)?)
    }
}

fn follow(engine: Weak<Engine>, store: Arc<dyn crate::store::Store>) {
    loop {
        let Some(engine) = engine.upgrade() else {
            return;
        };
        let applied = engine.apply_changes();
        drop(engine);
        match applied {
            // A full batch: more may be waiting.
            Ok(BATCH) => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "cannot read the change feed; trying again"),
        }
        store.wait_for_changes(POLL);
    }
}
