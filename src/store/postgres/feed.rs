//! The change feed in PostgreSQL (migration `0002_change_feed.sql`): a trigger numbers every
//! candidate write from one counter row, in commit order, and sends a `NOTIFY` as a wake-up.
//! Each node reads the rows after the last position it applied; the notification only saves it
//! waiting for its next poll, so a lost one (a dropped listening connection) delays a change by
//! at most one poll, never loses it.
//!
//! Housekeeping forgets changes older than the retention (migration `0004`). It first records
//! the last position it will forget (`pruned_through`), and only then deletes: a reader that
//! reads the changes and then that mark can never miss a gap (it may see one that its read
//! did not suffer, and rebuild for nothing).

use std::time::Duration;

use chrono::{DateTime, Utc};

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

    pub(super) fn feed_pruned_through(&self) -> Result<u64, StoreError> {
        let row = self
            .connection()?
            .query_one("SELECT pruned_through FROM change_counter", &[])?;
        Ok(row.try_get::<_, i64>(0)? as u64)
    }

    /// Forgets the changes written before `before`; returns how many. The mark is raised in its
    /// own committed statement before the rows go (see the module doc).
    pub(super) fn feed_prune(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut connection = self.connection()?;
        let last: Option<i64> = connection
            .query_one(
                "SELECT max(seq) FROM changes WHERE at < CAST($1::text AS timestamptz)",
                &[&before.to_rfc3339()],
            )?
            .try_get(0)?;
        let Some(last) = last else {
            return Ok(0);
        };
        connection.execute(
            "UPDATE change_counter SET pruned_through = GREATEST(pruned_through, $1)",
            &[&last],
        )?;
        Ok(connection.execute("DELETE FROM changes WHERE seq <= $1", &[&last])? as usize)
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
