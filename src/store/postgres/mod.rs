//! The store in PostgreSQL: every table the SQLite store keeps, and the original files as rows
//! (`files`, content-addressed by SHA-256), so that several nodes can share one database.
//!
//! Same traits, same meanings as [`super::SqliteStore`]: one file per concern, mirroring the
//! SQLite ones (`runs.rs`, `webhooks.rs`, `oversight.rs`, `pool.rs`, `tenancy.rs`,
//! `listing.rs`). The schema is versioned: numbered SQL files under `migrations/postgres/`,
//! compiled in, applied at open in one transaction each and recorded in `schema_migrations`
//! (`migrate.rs`).
//!
//! The `postgres` crate is synchronous, as the store traits are: every caller is on a plain
//! thread (the API reaches the engine through `web::block`, the workers have their own threads).
//! It must never be called from inside an async task: its client runs a small runtime of its
//! own and would panic there.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::{Client, NoTls, Transaction};
use uuid::Uuid;

use super::{
    AuditOfStored, Change, ERASED_REPLAY_STATUS, IdempotentResponse, NewCandidate, Store,
    StoreError, StoredCandidate, Upserted, sha256_hex,
};
use crate::profile::Profile;
use crate::role::Role;
use crate::tenant::Tenant;

mod feed;
mod listing;
mod migrate;
mod oversight;
mod pool;
mod runs;
mod tenancy;
mod webhooks;

/// Connections kept open at most. The engine serialises candidate writes itself, the readers
/// are the API's blocking threads and two workers: a handful is enough, and each PostgreSQL
/// connection costs the server a process.
const MAX_CONNECTIONS: usize = 8;

/// How long opening a connection may take before the database counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a claimed run stays held past its last progress report, unless configured
/// (`run_lease_seconds`): the worker reports after each chunk of results (well under a second
/// each), so only a dead or stalled node lets it expire; another node then takes the run over.
pub const DEFAULT_RUN_LEASE: Duration = Duration::from_secs(60);

/// How long a caller waits for a free connection when all are in use.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(30);

/// A small pool of connections, written here rather than taken from `r2d2_postgres`: the store
/// needs only check-out, check-in, a cap and dropping a broken connection, and this keeps two
/// crates and a scheduler thread out of the build. A connection that failed is checked for
/// `is_closed` when it comes back and dropped, so the next checkout reconnects: the store
/// recovers by itself when the database returns.
struct Pool {
    config: postgres::Config,
    idle: Mutex<PoolState>,
    returned: Condvar,
}

struct PoolState {
    idle: Vec<Client>,
    /// Connections open, idle or checked out.
    open: usize,
}

/// A connection checked out of the pool, returned when dropped.
struct Connection<'a> {
    pool: &'a Pool,
    client: Option<Client>,
}

impl std::ops::Deref for Connection<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("a checked-out connection")
    }
}

impl std::ops::DerefMut for Connection<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("a checked-out connection")
    }
}

impl Drop for Connection<'_> {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        let mut state = self.pool.lock();
        if client.is_closed() {
            state.open -= 1;
            drop(state);
            drop_off_runtime(vec![client]);
        } else {
            state.idle.push(client);
        }
        self.pool.returned.notify_one();
    }
}

impl Pool {
    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self) -> Result<Connection<'_>, StoreError> {
        let deadline = std::time::Instant::now() + CHECKOUT_TIMEOUT;
        let mut state = self.lock();
        loop {
            if let Some(client) = state.idle.pop() {
                return Ok(Connection {
                    pool: self,
                    client: Some(client),
                });
            }
            if state.open < MAX_CONNECTIONS {
                state.open += 1;
                drop(state);
                return match self.config.connect(NoTls) {
                    Ok(client) => Ok(Connection {
                        pool: self,
                        client: Some(client),
                    }),
                    Err(error) => {
                        self.lock().open -= 1;
                        self.returned.notify_one();
                        Err(StoreError::Unavailable(error.to_string()))
                    }
                };
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return Err(StoreError::Unavailable(
                    "every database connection stayed busy".into(),
                ));
            }
            state = self
                .returned
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let clients = std::mem::take(&mut self.lock().idle);
        drop_off_runtime(clients);
    }
}

/// Drops clients on a thread of their own: a client owns a small tokio runtime, and dropping
/// one inside an async task (a test's, or the server's at shutdown) would panic.
fn drop_off_runtime(clients: Vec<Client>) {
    if clients.is_empty() {
        return;
    }
    let _ = std::thread::spawn(move || drop(clients)).join();
}

pub struct PgStore {
    pool: Pool,
    /// The connection that `LISTEN`s for the change feed's wake-ups (see `feed.rs`).
    listener: Mutex<Option<Client>>,
    /// The runs this process holds, with their lease tokens (see `runs.rs`).
    run_claims: Mutex<std::collections::HashMap<String, String>>,
    /// How long a claimed run is held past its last progress report.
    run_lease: chrono::Duration,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        let listener = self
            .listener
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        drop_off_runtime(listener.into_iter().collect());
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/database`, or key=value form) and applies
    /// the schema migrations not yet applied.
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Unavailable(format!("the database URL is not valid: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("shortlist");
        let store = PgStore {
            pool: Pool {
                config,
                idle: Mutex::new(PoolState {
                    idle: Vec::new(),
                    open: 0,
                }),
                returned: Condvar::new(),
            },
            listener: Mutex::new(None),
            run_claims: Mutex::new(std::collections::HashMap::new()),
            run_lease: chrono::Duration::from_std(DEFAULT_RUN_LEASE).unwrap_or_default(),
        };
        migrate::apply(&mut *store.connection()?)?;
        Ok(store)
    }

    /// The same store, holding claimed runs for `lease` instead of [`DEFAULT_RUN_LEASE`]: a
    /// shorter lease hands a dead node's run to another sooner.
    pub fn with_run_lease(mut self, lease: Duration) -> PgStore {
        if let Ok(lease) = chrono::Duration::from_std(lease) {
            self.run_lease = lease;
        }
        self
    }

    fn connection(&self) -> Result<Connection<'_>, StoreError> {
        self.pool.get()
    }

    /// Runs `work` in one transaction, committed when it returns `Ok`.
    fn in_transaction<T>(
        &self,
        work: impl FnOnce(&mut Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut connection = self.connection()?;
        let mut transaction = connection.transaction()?;
        let value = work(&mut transaction)?;
        transaction.commit()?;
        Ok(value)
    }
}

const CANDIDATE_COLUMNS: &str = "seq, id, external_id, file_sha256, file_name, media_type, profile, text, created_at, updated_at, tenant";

fn candidate_from_row(row: &postgres::Row) -> Result<StoredCandidate, StoreError> {
    let seq: i64 = row.try_get(0)?;
    let corrupt = |what: &str, error: String| {
        StoreError::Corrupt(format!("candidate seq {seq}: {what}: {error}"))
    };
    let id: String = row.try_get(1)?;
    let profile: String = row.try_get(6)?;
    let created_at: String = row.try_get(8)?;
    let updated_at: String = row.try_get(9)?;
    let tenant: String = row.try_get(10)?;
    Ok(StoredCandidate {
        seq: seq as u64,
        id: Uuid::parse_str(&id).map_err(|e| corrupt("id", e.to_string()))?,
        external_id: row.try_get(2)?,
        file_sha256: row.try_get(3)?,
        file_name: row.try_get(4)?,
        media_type: row.try_get(5)?,
        profile: serde_json::from_str::<Profile>(&profile)
            .map_err(|e| corrupt("profile", e.to_string()))?,
        text: row.try_get(7)?,
        created_at: DateTime::parse_from_rfc3339(&created_at)
            .map_err(|e| corrupt("created_at", e.to_string()))?
            .with_timezone(&Utc),
        updated_at: DateTime::parse_from_rfc3339(&updated_at)
            .map_err(|e| corrupt("updated_at", e.to_string()))?
            .with_timezone(&Utc),
        tenant: Tenant::from_stored(&tenant),
    })
}

/// Removes the file row when no candidate points at it any more.
fn drop_file_if_unused(transaction: &mut Transaction<'_>, sha256: &str) -> Result<(), StoreError> {
    transaction.execute(
        "DELETE FROM files WHERE sha256 = $1
         AND NOT EXISTS (SELECT 1 FROM candidates WHERE file_sha256 = $1)",
        &[&sha256],
    )?;
    Ok(())
}

/// Takes the audit log's append lock for the rest of the transaction: entries are chained by
/// hash, so two nodes must never append after the same last entry.
pub(super) fn lock_audit(transaction: &mut Transaction<'_>) -> Result<(), StoreError> {
    /// Any constant the other users of advisory locks (none in this schema) would not pick.
    const AUDIT_LOCK: i64 = 0x5348_4f52_5441_5544; // "SHORTAUD"
    transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&AUDIT_LOCK])?;
    Ok(())
}

/// Erases what other tables keep of a deleted candidate, in its transaction: the same as the
/// SQLite store's `erase_traces` (see its comment).
fn erase_traces(transaction: &mut Transaction<'_>, candidate_id: &str) -> Result<(), StoreError> {
    let results = transaction.query(
        "SELECT run_id, rank, candidate_id, external_id, score, must_haves_met, requirements
         FROM run_results WHERE candidate_id = $1 AND erased_sha256 IS NULL",
        &[&candidate_id],
    )?;
    for row in results {
        let run_id: String = row.try_get(0)?;
        let rank: i64 = row.try_get(1)?;
        let as_it_was = serde_json::json!([
            run_id,
            rank,
            row.try_get::<_, String>(2)?,
            row.try_get::<_, Option<String>>(3)?,
            row.try_get::<_, f64>(4)?,
            row.try_get::<_, bool>(5)? as i64,
            row.try_get::<_, String>(6)?,
        ]);
        transaction.execute(
            "UPDATE run_results SET external_id = NULL, score = 0, must_haves_met = FALSE,
             requirements = '[]', erased_sha256 = $3 WHERE run_id = $1 AND rank = $2",
            &[
                &run_id,
                &rank,
                &sha256_hex(as_it_was.to_string().as_bytes()),
            ],
        )?;
    }
    transaction.execute(
        "UPDATE idempotency SET status = $2, body = '' WHERE key IN
         (SELECT key FROM idempotency_candidates WHERE candidate_id = $1)",
        &[&candidate_id, &(ERASED_REPLAY_STATUS as i32)],
    )?;
    transaction.execute(
        "DELETE FROM idempotency_candidates WHERE candidate_id = $1",
        &[&candidate_id],
    )?;
    let deliveries = transaction.query(
        "SELECT id, event FROM deliveries WHERE strpos(payload, $1) > 0",
        &[&candidate_id],
    )?;
    for row in deliveries {
        let delivery_id: String = row.try_get(0)?;
        let event: String = row.try_get(1)?;
        let payload = serde_json::json!({
            "id": delivery_id,
            "type": event,
            "data": {"candidate_id": candidate_id, "erased": true},
        });
        transaction.execute(
            "UPDATE deliveries SET payload = $2,
             status = CASE status WHEN 'pending' THEN 'canceled' ELSE status END WHERE id = $1",
            &[&delivery_id, &payload.to_string()],
        )?;
    }
    transaction.execute(
        "DELETE FROM overrides WHERE candidate_id = $1",
        &[&candidate_id],
    )?;
    transaction.execute(
        "DELETE FROM demographics WHERE candidate_id = $1",
        &[&candidate_id],
    )?;
    Ok(())
}

impl Store for PgStore {
    fn put_candidates_audited(
        &self,
        candidates: &[NewCandidate<'_>],
        audit: &mut AuditOfStored<'_>,
    ) -> Result<Vec<(StoredCandidate, Upserted)>, StoreError> {
        let mut prepared = Vec::with_capacity(candidates.len());
        for candidate in candidates {
            let profile_json = serde_json::to_string(candidate.profile)
                .map_err(|e| StoreError::Corrupt(format!("profile cannot be encoded: {e}")))?;
            prepared.push((candidate, profile_json));
        }
        let now = Utc::now().to_rfc3339();
        self.in_transaction(|transaction| {
            feed::lock(transaction)?;
            let mut stored = Vec::with_capacity(candidates.len());
            let mut replaced_files = Vec::new();
            for (candidate, profile_json) in &prepared {
                let sha256 = &candidate.file_sha256;
                // The file first, in the same transaction: the row and its file commit together.
                transaction.execute(
                    "INSERT INTO files (sha256, bytes) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    &[sha256, &candidate.file_bytes],
                )?;
                let tenant = candidate.tenant.as_stored();
                let existing = match candidate.external_id {
                    Some(external_id) => transaction.query_opt(
                        "SELECT seq, file_sha256 FROM candidates
                         WHERE external_id = $1 AND tenant = $2 FOR UPDATE",
                        &[&external_id, &tenant],
                    )?,
                    None => None,
                };
                let (seq, upserted): (i64, Upserted) = match existing {
                    Some(row) => {
                        let seq: i64 = row.try_get(0)?;
                        let earlier_sha256: String = row.try_get(1)?;
                        if &earlier_sha256 != sha256 {
                            replaced_files.push(earlier_sha256);
                        }
                        transaction.execute(
                            "UPDATE candidates SET file_sha256 = $2, file_name = $3,
                             media_type = $4, profile = $5, text = $6, updated_at = $7,
                             batch_id = $8 WHERE seq = $1",
                            &[
                                &seq,
                                sha256,
                                &candidate.file_name,
                                &candidate.media_type,
                                profile_json,
                                &candidate.text,
                                &now,
                                &candidate.batch_id,
                            ],
                        )?;
                        (seq, Upserted::Replaced)
                    }
                    None => {
                        let row = transaction.query_one(
                            "INSERT INTO candidates (id, external_id, file_sha256, file_name,
                             media_type, profile, text, created_at, updated_at, batch_id, tenant)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10) RETURNING seq",
                            &[
                                &Uuid::new_v4().to_string(),
                                &candidate.external_id,
                                sha256,
                                &candidate.file_name,
                                &candidate.media_type,
                                profile_json,
                                &candidate.text,
                                &now,
                                &candidate.batch_id,
                                &tenant,
                            ],
                        )?;
                        (row.try_get(0)?, Upserted::Created)
                    }
                };
                transaction.execute(pool::COPY_ROW, &[&seq, &candidate.features])?;
                let row = transaction.query_one(
                    &format!("SELECT {CANDIDATE_COLUMNS} FROM candidates WHERE seq = $1"),
                    &[&seq],
                )?;
                stored.push((candidate_from_row(&row)?, upserted));
            }
            // An earlier version's file goes with it, as in SQLite.
            for earlier_sha256 in replaced_files {
                drop_file_if_unused(transaction, &earlier_sha256)?;
            }
            let events = audit(stored.as_slice());
            if !events.is_empty() {
                lock_audit(transaction)?;
                for event in events {
                    oversight::append_in(transaction, event)?;
                }
            }
            Ok(stored)
        })
    }

    fn read_file(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        let row = self
            .connection()?
            .query_opt("SELECT bytes FROM files WHERE sha256 = $1", &[&sha256])?;
        match row {
            Some(row) => Ok(row.try_get(0)?),
            None => Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no stored file {sha256}"),
            ))),
        }
    }

    fn candidates_not_updated_since(&self, cutoff: DateTime<Utc>) -> Result<Vec<Uuid>, StoreError> {
        let rows = self
            .connection()?
            .query("SELECT id, updated_at FROM candidates ORDER BY seq", &[])?;
        let mut old = Vec::new();
        for row in rows {
            let id: String = row.try_get(0)?;
            let updated_at: String = row.try_get(1)?;
            let updated_at = DateTime::parse_from_rfc3339(&updated_at)
                .map_err(|e| StoreError::Corrupt(format!("candidate {id}: updated_at: {e}")))?;
            if updated_at < cutoff {
                old.push(
                    Uuid::parse_str(&id)
                        .map_err(|e| StoreError::Corrupt(format!("candidate id {id}: {e}")))?,
                );
            }
        }
        Ok(old)
    }

    fn purge_idempotent_before(&self, cutoff: DateTime<Utc>) -> Result<usize, StoreError> {
        self.in_transaction(|transaction| {
            let rows = transaction.query("SELECT key, created_at FROM idempotency", &[])?;
            let mut expired = Vec::new();
            for row in rows {
                let key: String = row.try_get(0)?;
                let created_at: String = row.try_get(1)?;
                if DateTime::parse_from_rfc3339(&created_at).is_ok_and(|at| at < cutoff) {
                    expired.push(key);
                }
            }
            for key in &expired {
                transaction.execute("DELETE FROM idempotency WHERE key = $1", &[key])?;
                transaction.execute("DELETE FROM idempotency_candidates WHERE key = $1", &[key])?;
            }
            Ok(expired.len())
        })
    }

    fn meta_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        let mut connection = self.connection()?;
        connection.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            &[&key, &value],
        )?;
        let row = connection.query_one("SELECT value FROM meta WHERE key = $1", &[&key])?;
        Ok(row.try_get(0)?)
    }

    fn check_writable(&self) -> Result<(), StoreError> {
        // A write in a transaction rolled back: a read-only replica, a full disk or a lost
        // connection fails here.
        let mut connection = self.connection()?;
        let mut transaction = connection.transaction()?;
        transaction.execute(
            "INSERT INTO meta (key, value) VALUES ('readiness_probe', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&Utc::now().to_rfc3339()],
        )?;
        transaction.rollback()?;
        Ok(())
    }

    fn change_feed_position(&self) -> Result<Option<u64>, StoreError> {
        self.feed_position()
    }

    fn changes_after(&self, after: u64, limit: usize) -> Result<Vec<Change>, StoreError> {
        self.feed_after(after, limit)
    }

    fn change_feed_pruned_through(&self) -> Result<u64, StoreError> {
        self.feed_pruned_through()
    }

    fn prune_changes(&self, before: chrono::DateTime<chrono::Utc>) -> Result<usize, StoreError> {
        self.feed_prune(before)
    }

    fn wait_for_changes(&self, timeout: Duration) {
        self.feed_wait(timeout)
    }

    fn find_by_file(
        &self,
        sha256: &str,
        tenant: &Tenant,
    ) -> Result<Option<StoredCandidate>, StoreError> {
        let row = self.connection()?.query_opt(
            &format!(
                "SELECT {CANDIDATE_COLUMNS} FROM candidates WHERE file_sha256 = $1
                 AND tenant = $2 ORDER BY seq LIMIT 1"
            ),
            &[&sha256, &tenant.as_stored()],
        )?;
        row.as_ref().map(candidate_from_row).transpose()
    }

    fn get_candidate(&self, id: Uuid) -> Result<Option<StoredCandidate>, StoreError> {
        let row = self.connection()?.query_opt(
            &format!("SELECT {CANDIDATE_COLUMNS} FROM candidates WHERE id = $1"),
            &[&id.to_string()],
        )?;
        row.as_ref().map(candidate_from_row).transpose()
    }

    fn get_candidates_by_seq(&self, seqs: &[u64]) -> Result<Vec<StoredCandidate>, StoreError> {
        let seqs: Vec<i64> = seqs.iter().map(|&seq| seq as i64).collect();
        let rows = self.connection()?.query(
            &format!("SELECT {CANDIDATE_COLUMNS} FROM candidates WHERE seq = ANY($1)"),
            &[&seqs],
        )?;
        // In the order asked, as the SQLite store returns them.
        let mut by_seq: std::collections::HashMap<u64, StoredCandidate> = rows
            .iter()
            .map(|row| candidate_from_row(row).map(|candidate| (candidate.seq, candidate)))
            .collect::<Result<_, _>>()?;
        Ok(seqs
            .iter()
            .filter_map(|&seq| by_seq.remove(&(seq as u64)))
            .collect())
    }

    fn delete_candidate(&self, id: Uuid) -> Result<Option<u64>, StoreError> {
        let id = id.to_string();
        self.in_transaction(|transaction| {
            feed::lock(transaction)?;
            let Some(row) = transaction.query_opt(
                "DELETE FROM candidates WHERE id = $1 RETURNING seq, file_sha256",
                &[&id],
            )?
            else {
                return Ok(None);
            };
            let seq: i64 = row.try_get(0)?;
            let sha256: String = row.try_get(1)?;
            transaction.execute("DELETE FROM pool WHERE seq = $1", &[&seq])?;
            erase_traces(transaction, &id)?;
            drop_file_if_unused(transaction, &sha256)?;
            Ok(Some(seq as u64))
        })
    }

    fn for_each_candidate(
        &self,
        visit: &mut dyn FnMut(StoredCandidate) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        // A cursor a thousand rows at a time: at a million candidates their profiles would not
        // fit in memory at once.
        let mut connection = self.connection()?;
        let mut transaction = connection.transaction()?;
        let portal = transaction.bind(
            &format!("SELECT {CANDIDATE_COLUMNS} FROM candidates ORDER BY seq"),
            &[],
        )?;
        loop {
            let rows = transaction.query_portal(&portal, 1000)?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                visit(candidate_from_row(row)?)?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    fn count_candidates(&self) -> Result<u64, StoreError> {
        let row = self
            .connection()?
            .query_one("SELECT COUNT(*) FROM candidates", &[])?;
        Ok(row.try_get::<_, i64>(0)? as u64)
    }

    fn put_role(&self, role: &Role) -> Result<Upserted, StoreError> {
        let body = serde_json::to_string(role)
            .map_err(|e| StoreError::Corrupt(format!("role cannot be encoded: {e}")))?;
        let row = self.connection()?.query_one(
            // `xmax = 0` is true for a row this statement inserted, false for one it updated.
            "INSERT INTO roles (id, body, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
             RETURNING (xmax = 0)",
            &[&role.id, &body, &Utc::now().to_rfc3339()],
        )?;
        Ok(if row.try_get::<_, bool>(0)? {
            Upserted::Created
        } else {
            Upserted::Replaced
        })
    }

    fn get_roles(&self) -> Result<Vec<Role>, StoreError> {
        let rows = self
            .connection()?
            .query("SELECT id, body FROM roles ORDER BY id", &[])?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get(0)?;
                let body: String = row.try_get(1)?;
                serde_json::from_str(&body)
                    .map_err(|e| StoreError::Corrupt(format!("role {id}: {e}")))
            })
            .collect()
    }

    fn delete_role(&self, id: &str) -> Result<bool, StoreError> {
        let deleted = self
            .connection()?
            .execute("DELETE FROM roles WHERE id = $1", &[&id])?;
        Ok(deleted > 0)
    }

    fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = self
            .connection()?
            .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?;
        Ok(row.map(|row| row.try_get(0)).transpose()?)
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.connection()?.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn get_idempotent(
        &self,
        key: &str,
        not_before: DateTime<Utc>,
    ) -> Result<Option<IdempotentResponse>, StoreError> {
        let Some(row) = self.connection()?.query_opt(
            "SELECT request_sha256, status, body, created_at FROM idempotency WHERE key = $1",
            &[&key],
        )?
        else {
            return Ok(None);
        };
        let created_at: String = row.try_get(3)?;
        let expired = DateTime::parse_from_rfc3339(&created_at)
            .map(|created_at| created_at < not_before)
            .unwrap_or(true);
        if expired {
            return Ok(None);
        }
        Ok(Some(IdempotentResponse {
            request_sha256: row.try_get(0)?,
            status: row.try_get::<_, i32>(1)? as u16,
            body: row.try_get(2)?,
            candidate_ids: Vec::new(),
        }))
    }

    fn put_idempotent(&self, key: &str, response: &IdempotentResponse) -> Result<(), StoreError> {
        self.in_transaction(|transaction| {
            transaction.execute("DELETE FROM idempotency WHERE key = $1", &[&key])?;
            transaction.execute("DELETE FROM idempotency_candidates WHERE key = $1", &[&key])?;
            // A candidate deleted between the upload and this record: born erased.
            let ids: Vec<String> = response
                .candidate_ids
                .iter()
                .map(|id| id.to_string())
                .collect();
            let present: i64 = transaction
                .query_one(
                    "SELECT COUNT(DISTINCT id) FROM candidates WHERE id = ANY($1)",
                    &[&ids],
                )?
                .try_get(0)?;
            let distinct: std::collections::HashSet<&String> = ids.iter().collect();
            let erased = (present as usize) < distinct.len();
            let (status, body) = if erased {
                (ERASED_REPLAY_STATUS, "")
            } else {
                (response.status, response.body.as_str())
            };
            transaction.execute(
                "INSERT INTO idempotency (key, request_sha256, status, body, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &key,
                    &response.request_sha256,
                    &(status as i32),
                    &body,
                    &Utc::now().to_rfc3339(),
                ],
            )?;
            for id in &ids {
                transaction.execute(
                    "INSERT INTO idempotency_candidates (key, candidate_id) VALUES ($1, $2)
                     ON CONFLICT DO NOTHING",
                    &[&key, id],
                )?;
            }
            Ok(())
        })
    }
}
