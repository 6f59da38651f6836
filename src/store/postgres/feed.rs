//! The change feed in PostgreSQL (migration `0002_change_feed.sql`): a trigger numbers every
//! candidate write from one counter row, in commit order, and sends a `NOTIFY` as a wake-up.
//! Each node reads the rows after the last position it applied; the notification only saves it
//! waiting for its next poll, so a lost one (a dropped listening connection) delays a change by
//! at most one poll, never loses it.

use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, Transaction};

use super::PgStore;
use crate::store::{Change, StoreError};

const CHANNEL: &str = "shortlist_changes";

/// Takes the feed's counter first in a transaction that writes candidates: its trigger would
/// take it anyway, and taking it before any candidate row keeps two nodes' writes from
/// deadlocking on a candidate and the counter in opposite orders.
pub(super) fn lock(transaction: &mut Transaction<'_>) -> Result<(), StoreError> {
    transaction.execute("SELECT seq FROM change_counter FOR UPDATE", &[])?;
    Ok(())
}

impl PgStore {
    pub(super) fn feed_position(&self) -> Result<Option<u64>, StoreError> {
        let row = self
            .connection()?
            .query_one("SELECT seq FROM change_counter", &[])?;
        Ok(Some(row.try_get::<_, i64>(0)? as u64))
    }

    pub(super) fn feed_after(&self, after: u64, limit: usize) -> Result<Vec<Change>, StoreError> {
        let rows = self.connection()?.query(
            "SELECT seq, candidate_seq, deleted FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&(after as i64), &(limit as i64)],
        )?;
        rows.iter()
            .map(|row| {
                Ok(Change {
                    position: row.try_get::<_, i64>(0)? as u64,
                    candidate_seq: row.try_get::<_, i64>(1)? as u64,
                    deleted: row.try_get(2)?,
                })
            })
            .collect()
    }

    /// Waits on a connection of its own that `LISTEN`s; a broken one is dropped and opened
    /// again at the next wait (after sleeping out this one, so a database that is down is not
    /// hammered).
    pub(super) fn feed_wait(&self, timeout: Duration) {
        let mut listener = self.listener.lock().unwrap_or_else(|p| p.into_inner());
        if listener.is_none() {
            match self.listen() {
                Ok(client) => *listener = Some(client),
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for changes; polling");
                    drop(listener);
                    std::thread::sleep(timeout);
                    return;
                }
            }
        }
        let Some(client) = listener.as_mut() else {
            return;
        };
        let drained = {
            let mut notifications = client.notifications();
            let woke = notifications.timeout_iter(timeout).next();
            // Every wake-up waiting now is folded into this one.
            woke.and_then(|_| {
                let mut rest = notifications.iter();
                while rest.next()?.is_some() {}
                Ok(())
            })
        };
        if let Err(error) = drained {
            tracing::warn!(%error, "the change listener broke; listening again");
            if let Some(client) = listener.take() {
                super::drop_off_runtime(vec![client]);
            }
        }
    }

    fn listen(&self) -> Result<Client, StoreError> {
        let mut client = self
            .pool
            .config
            .connect(postgres::NoTls)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
        Ok(client)
    }
}
