//! The source of truth: candidates (profile, text, original file) and roles.
//!
//! [`SqliteStore`] keeps them in an embedded SQLite database (WAL, `synchronous = FULL`) in the
//! data directory, and the original files content-addressed beside it (`files/ab/abcdef…`).
//! A write returns only once it is durable: the file is synced and renamed into place before
//! the row that points at it is committed, so a crash leaves no row without its file (an
//! orphan file without a row is harmless and is reused by the next upload of the same bytes).
//!
//! The [`Store`] trait is what the engine, the run worker and the webhook worker see, so that a
//! PostgreSQL store can serve several API nodes later without them changing: every table is
//! reached through it (runs in [`RunStore`], webhooks and deliveries in [`WebhookStore`], the
//! audit log, overrides and demographics in [`OversightStore`]), and no database connection
//! leaves this module.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::profile::Profile;
use crate::role::Role;
use crate::tenant::Tenant;

mod listing;
mod oversight;
mod pool;
mod postgres;
mod runs;
#[doc(hidden)]
pub mod testing;
mod webhooks;
pub use listing::{ListFilter, ListKey, ListPage, ListedCandidate, ListingStore};
pub use oversight::OversightStore;
pub use pool::{PoolRow, PoolStore};
pub use postgres::{DEFAULT_RUN_LEASE, PgStore};
pub use runs::{NewRun, NewRunResult, RunStore};
pub use webhooks::{AttemptOutcome, DueDelivery, NewDelivery, WebhookStore};
mod tenancy;
pub use tenancy::{Owned, TenancyStore};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("file storage: {0}")]
    Io(#[from] std::io::Error),
    #[error("stored data cannot be read back: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Postgres(#[from] ::postgres::Error),
    /// The database cannot be reached (refused, timed out, every connection busy): the request
    /// may succeed later, and nothing was stored.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
}

impl StoreError {
    /// The database cannot be reached now (PostgreSQL down, the network, a closed connection):
    /// a 503 that the caller may retry, not a fault of the request or of the data.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Unavailable(_) => true,
            StoreError::Postgres(error) => {
                error.is_closed()
                    || std::error::Error::source(error)
                        .is_some_and(|source| source.is::<std::io::Error>())
                    || error.code().is_some_and(|code| {
                        // Class 08: connection exceptions; 57P01-03: the server is shutting down
                        // or cannot connect now.
                        code.code().starts_with("08")
                            || matches!(code.code(), "57P01" | "57P02" | "57P03")
                    })
            }
            _ => false,
        }
    }

    /// The disk (or the user's quota) is full: the caller can do nothing but wait, and the
    /// operator must free space. Nothing was stored (the transaction rolled back, the temporary
    /// file was removed).
    pub fn is_disk_full(&self) -> bool {
        const ENOSPC: i32 = 28;
        const EFBIG: i32 = 27;
        const EDQUOT: i32 = 122;
        match self {
            StoreError::Io(error) => {
                matches!(error.raw_os_error(), Some(ENOSPC | EFBIG | EDQUOT))
                    || error.kind() == std::io::ErrorKind::StorageFull
            }
            StoreError::Database(rusqlite::Error::SqliteFailure(failure, _)) => {
                failure.code == rusqlite::ErrorCode::DiskFull
            }
            StoreError::Postgres(error) => {
                error.code() == Some(&::postgres::error::SqlState::DISK_FULL)
            }
            _ => false,
        }
    }
}

/// A candidate as stored.
#[derive(Debug, Clone)]
pub struct StoredCandidate {
    /// Insertion sequence: stable across restarts, the tie-breaker of rankings.
    pub seq: u64,
    pub id: Uuid,
    pub external_id: Option<String>,
    pub file_sha256: String,
    pub file_name: Option<String>,
    pub media_type: String,
    pub profile: Profile,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Whose candidate it is.
    pub tenant: Tenant,
}

/// What an upload stores.
pub struct NewCandidate<'a> {
    pub external_id: Option<&'a str>,
    pub file_bytes: &'a [u8],
    /// SHA-256 of `file_bytes`, in hex ([`sha256_hex`]): the stored file's name.
    pub file_sha256: String,
    pub file_name: Option<&'a str>,
    pub batch_id: Option<&'a str>,
    /// Whose candidate it is: `external_id` is unique within a tenant.
    pub tenant: &'a Tenant,
    pub media_type: &'a str,
    pub profile: &'a Profile,
    pub text: &'a str,
    /// The candidate's ranking features as the engine encodes them, kept in the `pool` table
    /// (see `pool.rs`).
    pub features: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    /// An existing candidate with the same `external_id` was replaced (same id and seq).
    Replaced,
}

/// Every table of the store, whichever database holds it. The engine, the workers and the CLI
/// hold an `Arc<dyn Store>` and never a concrete store, so that SQLite and PostgreSQL serve the
/// same code.
pub trait Store:
    RunStore + WebhookStore + OversightStore + PoolStore + TenancyStore + ListingStore + Send + Sync
{
    /// Stores the candidates in one transaction: all or none are durable when this returns.
    fn put_candidates(
        &self,
        candidates: &[NewCandidate<'_>],
    ) -> Result<Vec<(StoredCandidate, Upserted)>, StoreError> {
        self.put_candidates_audited(candidates, &mut |_| Vec::new())
    }
    /// [`Store::put_candidates`], and the audit entries `audit` returns for what was stored,
    /// appended in the same transaction (the group commit's entries): they commit, or fail,
    /// with the candidates, at the cost of no further sync.
    fn put_candidates_audited(
        &self,
        candidates: &[NewCandidate<'_>],
        audit: &mut AuditOfStored<'_>,
    ) -> Result<Vec<(StoredCandidate, Upserted)>, StoreError>;
    /// The original bytes of a stored file, by SHA-256.
    fn read_file(&self, sha256: &str) -> Result<Vec<u8>, StoreError>;
    /// Candidates not updated since `cutoff`, oldest first: those a retention period erases.
    fn candidates_not_updated_since(&self, cutoff: DateTime<Utc>) -> Result<Vec<Uuid>, StoreError>;
    /// Removes recorded idempotent responses older than `cutoff`. Returns how many.
    fn purge_idempotent_before(&self, cutoff: DateTime<Utc>) -> Result<usize, StoreError>;
    /// A value kept in `meta`, set to `value` the first time it is asked for: two callers
    /// racing on the first call both get the value that won.
    fn meta_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError>;
    /// Whether the store takes writes now, cheaply enough for a readiness probe.
    fn check_writable(&self) -> Result<(), StoreError>;

    /// The change feed's last position: where a node that has just read every candidate
    /// follows on from. `None` when the store has no feed (SQLite: one process writes it, and
    /// its engine sees every write it makes).
    fn change_feed_position(&self) -> Result<Option<u64>, StoreError> {
        Ok(None)
    }
    /// Candidate writes after position `after`, in commit order, at most `limit`.
    fn changes_after(&self, _after: u64, _limit: usize) -> Result<Vec<Change>, StoreError> {
        Ok(Vec::new())
    }
    /// The last position the feed no longer holds (pruned by [`Store::prune_changes`]); 0 when
    /// none was. A reader at a position before it has missed changes for good.
    fn change_feed_pruned_through(&self) -> Result<u64, StoreError> {
        Ok(0)
    }
    /// Forgets the changes written before `before`; returns how many.
    fn prune_changes(&self, _before: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(0)
    }
    /// Waits up to `timeout` for a wake-up that something changed (it may come early, or not
    /// at all: the caller reads [`Store::changes_after`] either way).
    fn wait_for_changes(&self, timeout: std::time::Duration) {
        std::thread::sleep(timeout);
    }
    fn put_candidate(
        &self,
        candidate: NewCandidate<'_>,
    ) -> Result<(StoredCandidate, Upserted), StoreError> {
        let mut stored = self.put_candidates(std::slice::from_ref(&candidate))?;
        stored
            .pop()
            .ok_or_else(|| StoreError::Corrupt("a stored candidate vanished".into()))
    }
    /// A candidate of `tenant` whose original file has these bytes (by SHA-256), if any.
    fn find_by_file(
        &self,
        sha256: &str,
        tenant: &Tenant,
    ) -> Result<Option<StoredCandidate>, StoreError>;
    fn get_candidate(&self, id: Uuid) -> Result<Option<StoredCandidate>, StoreError>;
    fn get_candidates_by_seq(&self, seqs: &[u64]) -> Result<Vec<StoredCandidate>, StoreError>;
    /// Removes the candidate and, when no other candidate has the same bytes, its file.
    /// Returns the removed candidate's seq.
    fn delete_candidate(&self, id: Uuid) -> Result<Option<u64>, StoreError>;
    /// Every candidate in seq order, for building the in-memory features at start-up.
    fn for_each_candidate(
        &self,
        visit: &mut dyn FnMut(StoredCandidate) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    fn count_candidates(&self) -> Result<u64, StoreError>;

    fn put_role(&self, role: &Role) -> Result<Upserted, StoreError>;
    fn get_roles(&self) -> Result<Vec<Role>, StoreError>;
    fn delete_role(&self, id: &str) -> Result<bool, StoreError>;

    fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError>;
    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError>;

    /// The response recorded for an `Idempotency-Key` since `not_before`, with the hash of the
    /// request it answered (`candidate_ids` is left empty).
    fn get_idempotent(
        &self,
        key: &str,
        not_before: DateTime<Utc>,
    ) -> Result<Option<IdempotentResponse>, StoreError>;
    fn put_idempotent(&self, key: &str, response: &IdempotentResponse) -> Result<(), StoreError>;
}

/// Opens the store: PostgreSQL at `database_url` when given, else SQLite in `data_dir`.
pub fn open_store(
    data_dir: &Path,
    database_url: Option<&str>,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    open_store_with_lease(data_dir, database_url, DEFAULT_RUN_LEASE)
}

/// [`open_store`], with PostgreSQL holding a claimed run for `run_lease` past its last progress
/// report (`run_lease_seconds`) before another node may take it over. SQLite serves one node
/// and has no leases: a run found `processing` at start-up is started over.
pub fn open_store_with_lease(
    data_dir: &Path,
    database_url: Option<&str>,
    run_lease: std::time::Duration,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    Ok(match database_url {
        Some(url) => std::sync::Arc::new(PgStore::open(url)?.with_run_lease(run_lease)),
        None => std::sync::Arc::new(SqliteStore::open(data_dir)?),
    })
}

/// The audit entries for a group of candidates just written (see
/// [`Store::put_candidates_audited`]).
pub type AuditOfStored<'a> =
    dyn FnMut(&[(StoredCandidate, Upserted)]) -> Vec<crate::audit::AuditEvent> + 'a;

/// One entry of the change feed: a candidate written (created or replaced) or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The feed's position after this change.
    pub position: u64,
    pub candidate_seq: u64,
    pub deleted: bool,
}

/// A response kept so that a retried request with the same `Idempotency-Key` gets it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentResponse {
    pub request_sha256: String,
    /// [`ERASED_REPLAY_STATUS`] once a candidate it quotes was erased (and `body` is empty).
    pub status: u16,
    pub body: String,
    /// The candidates the body quotes: erasing one of them empties the record.
    pub candidate_ids: Vec<Uuid>,
}

pub struct SqliteStore {
    connection: Mutex<Connection>,
    files_dir: PathBuf,
}

const SCHEMA: &str = "
-- The table's definition is `tenancy::CANDIDATES_TABLE` (one place: a database from before
-- tenants is rebuilt into it).
CREATE INDEX IF NOT EXISTS candidates_file ON candidates(file_sha256);
-- The candidate list pages newest first by keyset (src/store/listing.rs).
CREATE INDEX IF NOT EXISTS candidates_created ON candidates(created_at, id);
CREATE TABLE IF NOT EXISTS roles (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    key             TEXT PRIMARY KEY,
    request_sha256  TEXT NOT NULL,
    status          INTEGER NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id          TEXT PRIMARY KEY,
    role_id     TEXT NOT NULL,
    selection   TEXT NOT NULL,
    status      TEXT NOT NULL,
    phase       TEXT,
    done        INTEGER NOT NULL DEFAULT 0,
    total       INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    started_at  TEXT,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS run_results (
    run_id       TEXT NOT NULL,
    rank         INTEGER NOT NULL,
    candidate_id TEXT NOT NULL,
    external_id  TEXT,
    score        REAL NOT NULL,
    must_haves_met INTEGER NOT NULL,
    requirements TEXT NOT NULL,
    PRIMARY KEY (run_id, rank)
);
CREATE TABLE IF NOT EXISTS webhooks (
    id          TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    events      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL,
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(status, next_attempt_at);
-- What the ranking pool is built from at start-up (src/store/pool.rs): derived, one row per
-- candidate, written with it.
CREATE TABLE IF NOT EXISTS pool (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL,
    tenant       TEXT NOT NULL,
    external_id  TEXT,
    features     BLOB NOT NULL
);
-- A candidate updated or deleted by any writer loses its pool row (this program writes it again
-- in the same transaction): a program that knows nothing of `pool` (an older release run on
-- this directory) leaves a missing row, which start-up notices by count, never a stale one.
CREATE TRIGGER IF NOT EXISTS pool_follows_update AFTER UPDATE ON candidates
BEGIN DELETE FROM pool WHERE seq = OLD.seq; END;
CREATE TRIGGER IF NOT EXISTS pool_follows_delete AFTER DELETE ON candidates
BEGIN DELETE FROM pool WHERE seq = OLD.seq; END;
CREATE TABLE IF NOT EXISTS meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS run_results_candidate ON run_results(candidate_id);
-- Which candidates a recorded idempotent response quotes, so that erasing one finds them.
CREATE TABLE IF NOT EXISTS idempotency_candidates (
    key           TEXT NOT NULL,
    candidate_id  TEXT NOT NULL,
    PRIMARY KEY (key, candidate_id)
);
CREATE INDEX IF NOT EXISTS idempotency_candidates_candidate
    ON idempotency_candidates(candidate_id);
CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency(created_at);
-- A recruiter's verdict on one requirement for one candidate, in place of the computed one.
CREATE TABLE IF NOT EXISTS overrides (
    role_id         TEXT NOT NULL,
    candidate_id    TEXT NOT NULL,
    requirement_id  TEXT NOT NULL,
    verdict         TEXT NOT NULL,
    reason          TEXT NOT NULL,
    by_key          TEXT NOT NULL,
    at              TEXT NOT NULL,
    PRIMARY KEY (role_id, candidate_id, requirement_id)
);
CREATE INDEX IF NOT EXISTS overrides_candidate ON overrides(candidate_id);
-- Self-reported groups from the ATS, for adverse-impact reports only: kept apart from the
-- profiles and never read by scoring.
CREATE TABLE IF NOT EXISTS demographics (
    candidate_id  TEXT PRIMARY KEY,
    groups        TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
-- The audit log: append-only (the triggers refuse changes through SQL) and tamper-evident
-- (each entry's hash covers the one before; `shortlist audit verify` recomputes the chain).
CREATE TABLE IF NOT EXISTS audit (
    seq                INTEGER PRIMARY KEY,
    time               TEXT NOT NULL,
    action             TEXT NOT NULL,
    api_key_id         TEXT NOT NULL,
    role_id            TEXT,
    role_version_hash  TEXT,
    scorer_version     TEXT NOT NULL,
    candidate_ids      TEXT NOT NULL,
    detail             TEXT,
    prev_hash          TEXT NOT NULL,
    hash               TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// Columns added after the first release, with their definitions: added to older databases at
/// open (SQLite's `CREATE TABLE IF NOT EXISTS` leaves an existing table as it was).
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    // The tenant whose part of the audit log an entry is in (outside its hash); '' is the
    // default tenant's, as every entry from before tenants was.
    ("audit", "tenant", "TEXT NOT NULL DEFAULT ''"),
    // Set when the candidate was erased: the hash of the result as it was, which now keeps
    // only the candidate's id and its rank (so the run's counts stay).
    ("run_results", "erased_sha256", "TEXT"),
    // The API key id of who started a run, for the audit entry of its end.
    ("runs", "created_by", "TEXT"),
    // The delivery of the same event this one sends again (redelivery on request).
    ("deliveries", "redelivery_of", "TEXT"),
    // Until when a worker holds the delivery (see `webhooks.rs`); NULL when no one does.
    ("deliveries", "claimed_until", "TEXT"),
    // Whose role, run or webhook it is (src/tenant.rs); '' is the default tenant, so rows from
    // before tenants existed are the default tenant's.
    ("roles", "tenant", "TEXT NOT NULL DEFAULT ''"),
    ("runs", "tenant", "TEXT NOT NULL DEFAULT ''"),
    ("webhooks", "tenant", "TEXT NOT NULL DEFAULT ''"),
];

/// The status a recorded idempotent response takes once a candidate it quotes is erased: its
/// body is emptied, and a replay answers that the candidate was deleted.
pub const ERASED_REPLAY_STATUS: u16 = 410;

/// Ends the name of a file being written, until it is renamed into place.
const TEMPORARY_SUFFIX: &str = ".tmp";

impl SqliteStore {
    /// Opens (creating when needed) the store in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        let files_dir = data_dir.join("files");
        std::fs::create_dir_all(&files_dir)?;
        match Self::remove_temporary_files(&files_dir) {
            Ok(0) => {}
            Ok(removed) => {
                tracing::warn!(removed, "removed temporary files left by a stopped write")
            }
            Err(error) => tracing::warn!(%error, "cannot clean temporary files"),
        }
        let mut connection = Connection::open(data_dir.join("shortlist.sqlite3"))?;
        // FULL: an acknowledged upload survives a power cut, not only a process crash.
        // secure_delete: a deleted or overwritten row's bytes are zeroed in its page, so that an
        // erased candidate's text does not linger in free space of the database file.
        connection.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000; PRAGMA secure_delete = ON;",
        )?;
        tenancy::create_or_migrate_candidates(&mut connection)?;
        connection.execute_batch(SCHEMA)?;
        for (table, column, definition) in ADDED_COLUMNS {
            let exists: bool = connection
                .prepare(&format!(
                    "SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"
                ))?
                .exists(params![column])?;
            if !exists {
                connection.execute_batch(&format!(
                    "ALTER TABLE {table} ADD COLUMN {column} {definition}"
                ))?;
            }
        }
        tenancy::create_indexes(&connection)?;
        Ok(Self {
            connection: Mutex::new(connection),
            files_dir,
        })
    }

    /// The one connection, for this module's files only: everything outside reaches the
    /// tables through the [`Store`] traits.
    fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock rolled back its transaction: the connection is usable.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn file_path(&self, sha256: &str) -> PathBuf {
        let shard = sha256.get(..2).unwrap_or("00");
        self.files_dir.join(shard).join(sha256)
    }

    /// Writes the file durably (temporary file, fsync, rename, fsync of the directory) unless
    /// the same content is already there.
    fn write_file(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.file_path(sha256);
        if path.exists() {
            return Ok(());
        }
        let dir = path.parent().unwrap_or(&self.files_dir);
        std::fs::create_dir_all(dir)?;
        let temporary = dir.join(format!(".{sha256}.{}{TEMPORARY_SUFFIX}", Uuid::new_v4()));
        let written = (|| {
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&temporary, &path)
        })();
        if let Err(error) = written {
            // A full disk must not also leak the partial file.
            let _ = std::fs::remove_file(&temporary);
            return Err(error.into());
        }
        std::fs::File::open(dir)?.sync_all()?;
        Ok(())
    }

    /// Removes temporary files left by a process that stopped mid-write (a crash, a kill, a
    /// full disk): they are never referenced, since a file is renamed into place before its row
    /// is committed. Returns how many were removed.
    fn remove_temporary_files(files_dir: &Path) -> std::io::Result<usize> {
        let mut removed = 0;
        for shard in std::fs::read_dir(files_dir)? {
            let shard = shard?.path();
            if !shard.is_dir() {
                continue;
            }
            for entry in std::fs::read_dir(&shard)? {
                let path = entry?.path();
                let is_temporary = path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with('.') && name.ends_with(TEMPORARY_SUFFIX));
                if is_temporary {
                    std::fs::remove_file(&path)?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// Writes the files of a batch durably, several at a time: each write waits on its own
    /// fsyncs, and one after the other those waits were most of a batch's time on a virtual
    /// disk. Files with the same content are written once.
    fn write_files(&self, candidates: &[NewCandidate<'_>]) -> Result<(), StoreError> {
        /// Writers at once: enough to overlap the disk's waits, few enough to stay cheap.
        const WRITERS: usize = 8;
        let mut seen = std::collections::HashSet::new();
        let files: Vec<(&str, &[u8])> = candidates
            .iter()
            .filter(|candidate| seen.insert(candidate.file_sha256.as_str()))
            .map(|candidate| (candidate.file_sha256.as_str(), candidate.file_bytes))
            .collect();
        if files.len() <= 1 {
            return files
                .iter()
                .try_for_each(|(sha256, bytes)| self.write_file(sha256, bytes));
        }
        let per_writer = files.len().div_ceil(WRITERS);
        std::thread::scope(|scope| {
            let writers: Vec<_> = files
                .chunks(per_writer)
                .map(|chunk| {
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .try_for_each(|(sha256, bytes)| self.write_file(sha256, bytes))
                    })
                })
                .collect();
            writers.into_iter().try_for_each(|writer| {
                writer.join().unwrap_or_else(|_| {
                    Err(StoreError::Corrupt(
                        "a file writer stopped unexpectedly".into(),
                    ))
                })
            })
        })
    }

    fn file_in_use(connection: &Connection, sha256: &str) -> Result<bool, StoreError> {
        Ok(connection
            .prepare_cached("SELECT 1 FROM candidates WHERE file_sha256 = ?1 LIMIT 1")?
            .exists(params![sha256])?)
    }

    fn remove_file(&self, sha256: &str) -> Result<(), StoreError> {
        match std::fs::remove_file(self.file_path(sha256)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn candidates_not_updated_since_sqlite(
        &self,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError> {
        let connection = self.connection();
        let mut statement =
            connection.prepare("SELECT id, updated_at FROM candidates ORDER BY seq")?;
        let rows = statement
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut old = Vec::new();
        for (id, updated_at) in rows {
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

    fn purge_idempotent_before_sqlite(&self, cutoff: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let cutoff = cutoff.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
        let expired: Vec<String> = transaction
            .prepare("SELECT key, created_at FROM idempotency")?
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?
            .filter_map(|row| match row {
                Ok((key, created_at)) => {
                    let created_at = DateTime::parse_from_rfc3339(&created_at).ok()?;
                    let created_at = created_at
                        .with_timezone(&Utc)
                        .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
                    (created_at < cutoff).then_some(Ok(key))
                }
                Err(error) => Some(Err(error)),
            })
            .collect::<Result<_, _>>()?;
        for key in &expired {
            transaction.execute("DELETE FROM idempotency WHERE key = ?1", params![key])?;
            transaction.execute(
                "DELETE FROM idempotency_candidates WHERE key = ?1",
                params![key],
            )?;
        }
        transaction.commit()?;
        Ok(expired.len())
    }

    fn row_to_candidate(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawCandidate> {
        Ok(RawCandidate {
            seq: row.get(0)?,
            id: row.get(1)?,
            external_id: row.get(2)?,
            file_sha256: row.get(3)?,
            file_name: row.get(4)?,
            media_type: row.get(5)?,
            profile: row.get(6)?,
            text: row.get(7)?,
            created_at: row.get(8)?,
            updated_at: row.get(9)?,
            tenant: row.get(10)?,
        })
    }
}

const CANDIDATE_COLUMNS: &str = "seq, id, external_id, file_sha256, file_name, media_type, profile, text, created_at, updated_at, tenant";

/// A row before its JSON and dates are decoded (decoding happens outside the SQLite callback so
/// that a corrupt row is an error that names itself, not a panic).
struct RawCandidate {
    tenant: String,
    seq: i64,
    id: String,
    external_id: Option<String>,
    file_sha256: String,
    file_name: Option<String>,
    media_type: String,
    profile: String,
    text: String,
    created_at: String,
    updated_at: String,
}

impl RawCandidate {
    fn decode(self) -> Result<StoredCandidate, StoreError> {
        let corrupt = |what: &str, error: String| {
            StoreError::Corrupt(format!("candidate seq {}: {what}: {error}", self.seq))
        };
        let id = Uuid::parse_str(&self.id).map_err(|e| corrupt("id", e.to_string()))?;
        let profile: Profile =
            serde_json::from_str(&self.profile).map_err(|e| corrupt("profile", e.to_string()))?;
        let created_at = DateTime::parse_from_rfc3339(&self.created_at)
            .map_err(|e| corrupt("created_at", e.to_string()))?
            .with_timezone(&Utc);
        let updated_at = DateTime::parse_from_rfc3339(&self.updated_at)
            .map_err(|e| corrupt("updated_at", e.to_string()))?
            .with_timezone(&Utc);
        Ok(StoredCandidate {
            seq: self.seq as u64,
            id,
            external_id: self.external_id,
            file_sha256: self.file_sha256,
            file_name: self.file_name,
            media_type: self.media_type,
            profile,
            text: self.text,
            created_at,
            updated_at,
            tenant: Tenant::from_stored(&self.tenant),
        })
    }
}

/// Removes what other tables keep of an erased candidate, in the deleting transaction: a
/// screening run's result keeps its rank (so the run's counts stay) and the candidate's id with
/// a hash of what it said, nothing else; a recorded idempotent response that quotes the
/// candidate is emptied and answers that the candidate was deleted; a webhook payload that
/// names it keeps only its id; overrides and demographics go.
fn erase_traces(transaction: &Connection, candidate_id: &str) -> Result<(), StoreError> {
    let results: Vec<(String, i64, String)> = transaction
        .prepare(
            "SELECT run_id, rank, json_array(run_id, rank, candidate_id, external_id, score,
                    must_haves_met, requirements)
             FROM run_results WHERE candidate_id = ?1 AND erased_sha256 IS NULL",
        )?
        .query_map(params![candidate_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    for (run_id, rank, as_it_was) in results {
        transaction.execute(
            "UPDATE run_results SET external_id = NULL, score = 0, must_haves_met = 0,
             requirements = '[]', erased_sha256 = ?3 WHERE run_id = ?1 AND rank = ?2",
            params![run_id, rank, sha256_hex(as_it_was.as_bytes())],
        )?;
    }
    transaction.execute(
        "UPDATE idempotency SET status = ?2, body = '' WHERE key IN
         (SELECT key FROM idempotency_candidates WHERE candidate_id = ?1)",
        params![candidate_id, ERASED_REPLAY_STATUS],
    )?;
    transaction.execute(
        "DELETE FROM idempotency_candidates WHERE candidate_id = ?1",
        params![candidate_id],
    )?;
    let deliveries: Vec<(String, String)> = transaction
        .prepare("SELECT id, event FROM deliveries WHERE instr(payload, ?1) > 0")?
        .query_map(params![candidate_id], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (delivery_id, event) in deliveries {
        let payload = serde_json::json!({
            "id": delivery_id,
            "type": event,
            "data": {"candidate_id": candidate_id, "erased": true},
        });
        transaction.execute(
            "UPDATE deliveries SET payload = ?2,
             status = CASE status WHEN 'pending' THEN 'canceled' ELSE status END WHERE id = ?1",
            params![delivery_id, payload.to_string()],
        )?;
    }
    transaction.execute(
        "DELETE FROM overrides WHERE candidate_id = ?1",
        params![candidate_id],
    )?;
    transaction.execute(
        "DELETE FROM demographics WHERE candidate_id = ?1",
        params![candidate_id],
    )?;
    Ok(())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl SqliteStore {
    /// [`Store::put_candidates`], then `then` in the same transaction before it commits: what
    /// must be durable together with the candidates (the group commit's audit entries), at the
    /// cost of no further sync.
    fn put_candidates_then(
        &self,
        candidates: &[NewCandidate<'_>],
        then: &mut AlsoInTransaction<'_>,
    ) -> Result<Vec<(StoredCandidate, Upserted)>, StoreError> {
        // Files first, each synced: a row is never committed before the file it points at.
        self.write_files(candidates)?;
        let mut prepared = Vec::with_capacity(candidates.len());
        for candidate in candidates {
            let profile_json = serde_json::to_string(candidate.profile)
                .map_err(|e| StoreError::Corrupt(format!("profile cannot be encoded: {e}")))?;
            prepared.push((candidate, profile_json));
        }
        let now = Utc::now().to_rfc3339();

        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let mut stored = Vec::with_capacity(candidates.len());
        // Files of earlier versions replaced here: removed after the commit unless still used.
        let mut replaced_files = Vec::new();
        for (candidate, profile_json) in prepared {
            let sha256 = &candidate.file_sha256;
            let existing: Option<(i64, String)> = match candidate.external_id {
                Some(external_id) => transaction
                    .query_row(
                        "SELECT seq, file_sha256 FROM candidates
                         WHERE external_id = ?1 AND tenant = ?2",
                        params![external_id, candidate.tenant.as_stored()],
                        |row| Ok((row.get(0)?, row.get(1)?)),
                    )
                    .optional()?,
                None => None,
            };
            let (seq, upserted) = match existing {
                Some((seq, earlier_sha256)) => {
                    if &earlier_sha256 != sha256 {
                        replaced_files.push(earlier_sha256);
                    }
                    transaction.execute(
                        "UPDATE candidates SET file_sha256 = ?2, file_name = ?3, media_type = ?4,
                         profile = ?5, text = ?6, updated_at = ?7, batch_id = ?8 WHERE seq = ?1",
                        params![
                            seq,
                            sha256,
                            candidate.file_name,
                            candidate.media_type,
                            profile_json,
                            candidate.text,
                            now,
                            candidate.batch_id
                        ],
                    )?;
                    (seq, Upserted::Replaced)
                }
                None => {
                    transaction.execute(
                        "INSERT INTO candidates (id, external_id, file_sha256, file_name,
                         media_type, profile, text, created_at, updated_at, batch_id, tenant)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10)",
                        params![
                            Uuid::new_v4().to_string(),
                            candidate.external_id,
                            sha256,
                            candidate.file_name,
                            candidate.media_type,
                            profile_json,
                            candidate.text,
                            now,
                            candidate.batch_id,
                            candidate.tenant.as_stored()
                        ],
                    )?;
                    (transaction.last_insert_rowid(), Upserted::Created)
                }
            };
            transaction.execute(pool::COPY_ROW, params![seq, candidate.features])?;
            let raw = transaction.query_row(
                &format!("SELECT {CANDIDATE_COLUMNS} FROM candidates WHERE seq = ?1"),
                params![seq],
                Self::row_to_candidate,
            )?;
            stored.push((raw.decode()?, upserted));
        }
        let mut unused_files = Vec::new();
        for earlier_sha256 in replaced_files {
            if !Self::file_in_use(&transaction, &earlier_sha256)? {
                unused_files.push(earlier_sha256);
            }
        }
        then(&transaction, stored.as_slice())?;
        transaction.commit()?;
        drop(connection);
        // An earlier version's original file goes with it: replacing a resume must not leave
        // the old one (with whatever it said) on disk.
        for earlier_sha256 in unused_files {
            self.remove_file(&earlier_sha256)?;
        }
        Ok(stored)
    }
}

impl Store for SqliteStore {
    fn put_candidates_audited(
        &self,
        candidates: &[NewCandidate<'_>],
        audit: &mut AuditOfStored<'_>,
    ) -> Result<Vec<(StoredCandidate, Upserted)>, StoreError> {
        self.put_candidates_then(candidates, &mut |transaction, stored| {
            for event in audit(stored) {
                crate::audit::append_in(transaction, event)?;
            }
            Ok(())
        })
    }

    fn read_file(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        Ok(std::fs::read(self.file_path(sha256))?)
    }

    fn candidates_not_updated_since(&self, cutoff: DateTime<Utc>) -> Result<Vec<Uuid>, StoreError> {
        self.candidates_not_updated_since_sqlite(cutoff)
    }

    fn purge_idempotent_before(&self, cutoff: DateTime<Utc>) -> Result<usize, StoreError> {
        self.purge_idempotent_before_sqlite(cutoff)
    }

    fn meta_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        self.meta_or_insert_sqlite(key, value)
    }

    fn check_writable(&self) -> Result<(), StoreError> {
        self.check_writable_sqlite()
    }

    fn find_by_file(
        &self,
        sha256: &str,
        tenant: &Tenant,
    ) -> Result<Option<StoredCandidate>, StoreError> {
        let raw = self
            .connection()
            .query_row(
                &format!(
                    "SELECT {CANDIDATE_COLUMNS} FROM candidates WHERE file_sha256 = ?1
                     AND tenant = ?2 ORDER BY seq LIMIT 1"
                ),
                params![sha256, tenant.as_stored()],
                Self::row_to_candidate,
            )
            .optional()?;
        raw.map(RawCandidate::decode).transpose()
    }

    fn get_candidate(&self, id: Uuid) -> Result<Option<StoredCandidate>, StoreError> {
        let raw = self
            .connection()
            .query_row(
                &format!("SELECT {CANDIDATE_COLUMNS} FROM candidates WHERE id = ?1"),
                params![id.to_string()],
                Self::row_to_candidate,
            )
            .optional()?;
        raw.map(RawCandidate::decode).transpose()
    }

    fn get_candidates_by_seq(&self, seqs: &[u64]) -> Result<Vec<StoredCandidate>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(&format!(
            "SELECT {CANDIDATE_COLUMNS} FROM candidates WHERE seq = ?1"
        ))?;
        let mut found = Vec::with_capacity(seqs.len());
        for &seq in seqs {
            if let Some(raw) = statement
                .query_row(params![seq as i64], Self::row_to_candidate)
                .optional()?
            {
                found.push(raw.decode()?);
            }
        }
        Ok(found)
    }

    fn delete_candidate(&self, id: Uuid) -> Result<Option<u64>, StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let row: Option<(i64, String)> = transaction
            .query_row(
                "SELECT seq, file_sha256 FROM candidates WHERE id = ?1",
                params![id.to_string()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let Some((seq, sha256)) = row else {
            return Ok(None);
        };
        // Its `pool` row goes with it (the trigger `pool_follows_delete`).
        transaction.execute("DELETE FROM candidates WHERE seq = ?1", params![seq])?;
        erase_traces(&transaction, &id.to_string())?;
        let still_used = Self::file_in_use(&transaction, &sha256)?;
        transaction.commit()?;
        if !still_used {
            // After the commit: a crash here leaves an orphan file, never a dangling row.
            self.remove_file(&sha256)?;
        }
        // The WAL still holds the pages as they were before the deletion: copy the zeroed pages
        // back into the database and empty the WAL, so that no file keeps the erased text.
        connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(Some(seq as u64))
    }

    fn for_each_candidate(
        &self,
        visit: &mut dyn FnMut(StoredCandidate) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare(&format!(
            "SELECT {CANDIDATE_COLUMNS} FROM candidates ORDER BY seq"
        ))?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            visit(Self::row_to_candidate(row)?.decode()?)?;
        }
        Ok(())
    }

    fn count_candidates(&self) -> Result<u64, StoreError> {
        let count: i64 =
            self.connection()
                .query_row("SELECT COUNT(*) FROM candidates", [], |row| row.get(0))?;
        Ok(count as u64)
    }

    fn put_role(&self, role: &Role) -> Result<Upserted, StoreError> {
        let body = serde_json::to_string(role)
            .map_err(|e| StoreError::Corrupt(format!("role cannot be encoded: {e}")))?;
        let connection = self.connection();
        let existed: bool = connection
            .query_row(
                "SELECT 1 FROM roles WHERE id = ?1",
                params![role.id],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        connection.execute(
            "INSERT INTO roles (id, body, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            params![role.id, body, Utc::now().to_rfc3339()],
        )?;
        Ok(if existed {
            Upserted::Replaced
        } else {
            Upserted::Created
        })
    }

    fn get_roles(&self) -> Result<Vec<Role>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare("SELECT id, body FROM roles ORDER BY id")?;
        let rows = statement
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, body)| {
                serde_json::from_str(&body)
                    .map_err(|e| StoreError::Corrupt(format!("role {id}: {e}")))
            })
            .collect()
    }

    fn delete_role(&self, id: &str) -> Result<bool, StoreError> {
        let deleted = self
            .connection()
            .execute("DELETE FROM roles WHERE id = ?1", params![id])?;
        Ok(deleted > 0)
    }

    fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .connection()
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                params![key],
                |row| row.get(0),
            )
            .optional()?)
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.connection().execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    fn get_idempotent(
        &self,
        key: &str,
        not_before: DateTime<Utc>,
    ) -> Result<Option<IdempotentResponse>, StoreError> {
        let found = self
            .connection()
            .query_row(
                "SELECT request_sha256, status, body, created_at FROM idempotency WHERE key = ?1",
                params![key],
                |row| {
                    Ok((
                        IdempotentResponse {
                            request_sha256: row.get(0)?,
                            status: row.get(1)?,
                            body: row.get(2)?,
                            candidate_ids: Vec::new(),
                        },
                        row.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?;
        let Some((response, created_at)) = found else {
            return Ok(None);
        };
        // An expired record is never answered, even before the purge removes it.
        let expired = DateTime::parse_from_rfc3339(&created_at)
            .map(|created_at| created_at < not_before)
            .unwrap_or(true);
        Ok((!expired).then_some(response))
    }

    fn put_idempotent(&self, key: &str, response: &IdempotentResponse) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        // A record left from an expired use of the key is replaced.
        transaction.execute("DELETE FROM idempotency WHERE key = ?1", params![key])?;
        transaction.execute(
            "DELETE FROM idempotency_candidates WHERE key = ?1",
            params![key],
        )?;
        // A candidate deleted between the upload and this record: the record is born erased,
        // or a retry would bring the deleted profile back.
        let mut erased = false;
        for candidate_id in &response.candidate_ids {
            erased |= !transaction
                .prepare_cached("SELECT 1 FROM candidates WHERE id = ?1")?
                .exists(params![candidate_id.to_string()])?;
        }
        let (status, body) = if erased {
            (ERASED_REPLAY_STATUS, "")
        } else {
            (response.status, response.body.as_str())
        };
        transaction.execute(
            "INSERT INTO idempotency (key, request_sha256, status, body, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                key,
                response.request_sha256,
                status,
                body,
                Utc::now().to_rfc3339()
            ],
        )?;
        for candidate_id in &response.candidate_ids {
            transaction.execute(
                "INSERT OR IGNORE INTO idempotency_candidates (key, candidate_id) VALUES (?1, ?2)",
                params![key, candidate_id.to_string()],
            )?;
        }
        transaction.commit()?;
        Ok(())
    }
}

/// Work done in the transaction that stores a group of candidates, after their rows are
/// written (the group commit's audit entries): it commits, or fails, with them.
type AlsoInTransaction<'a> = dyn FnMut(&rusqlite::Transaction<'_>, &[(StoredCandidate, Upserted)]) -> Result<(), StoreError>
    + 'a;

#[cfg(test)]
mod tests {
    use super::*;

    fn new_candidate<'a>(
        external_id: Option<&'a str>,
        bytes: &'a [u8],
        profile: &'a Profile,
    ) -> NewCandidate<'a> {
        NewCandidate {
            external_id,
            file_bytes: bytes,
            tenant: &crate::tenant::DEFAULT_TENANT,
            file_sha256: sha256_hex(bytes),
            file_name: Some("cv.txt"),
            batch_id: None,
            media_type: "text/plain",
            profile,
            text: "resume text",
            features: &[],
        }
    }

    #[test]
    fn a_response_recorded_after_its_candidate_was_deleted_is_born_erased() {
        let dir = tempfile::tempdir().unwrap();
        let store = testing::open_test_store(dir.path());
        let profile = Profile::default();
        let (kept, _) = store
            .put_candidate(new_candidate(None, b"kept", &profile))
            .unwrap();
        let record = |key: &str, id: Uuid| {
            store
                .put_idempotent(
                    key,
                    &IdempotentResponse {
                        request_sha256: "r".into(),
                        status: 201,
                        body: "{\"profile\": \"quoted\"}".into(),
                        candidate_ids: vec![id],
                    },
                )
                .unwrap();
            store
                .get_idempotent(key, Utc::now() - chrono::Duration::hours(1))
                .unwrap()
                .unwrap()
        };
        assert_eq!(record("k1", kept.id).status, 201);
        let gone = record("k2", Uuid::new_v4());
        assert_eq!(
            (gone.status, gone.body.as_str()),
            (ERASED_REPLAY_STATUS, "")
        );
        store.delete_candidate(kept.id).unwrap();
        let erased = store
            .get_idempotent("k1", Utc::now() - chrono::Duration::hours(1))
            .unwrap()
            .unwrap();
        assert_eq!(
            (erased.status, erased.body.as_str()),
            (ERASED_REPLAY_STATUS, "")
        );
        assert!(
            store
                .get_idempotent("k1", Utc::now() + chrono::Duration::hours(1))
                .unwrap()
                .is_none(),
            "an expired record is not answered"
        );
    }

    #[test]
    fn candidates_survive_reopening_and_external_ids_replace() {
        let dir = tempfile::tempdir().unwrap();
        let profile = Profile::default();
        let (first_id, first_seq) = {
            let store = testing::open_test_store(dir.path());
            let (first, how) = store
                .put_candidate(new_candidate(Some("ats-1"), b"one", &profile))
                .unwrap();
            assert_eq!(how, Upserted::Created);
            let (again, how) = store
                .put_candidate(new_candidate(Some("ats-1"), b"two", &profile))
                .unwrap();
            assert_eq!(how, Upserted::Replaced);
            assert_eq!((again.id, again.seq), (first.id, first.seq));
            assert_eq!(store.read_file(&again.file_sha256).unwrap(), b"two");
            store
                .put_candidate(new_candidate(None, b"three", &profile))
                .unwrap();
            (first.id, first.seq)
        };
        let store = testing::open_test_store(dir.path());
        assert_eq!(store.count_candidates().unwrap(), 2);
        let got = store.get_candidate(first_id).unwrap().unwrap();
        assert_eq!(got.seq, first_seq);
        assert_eq!(store.delete_candidate(first_id).unwrap(), Some(first_seq));
        assert!(store.get_candidate(first_id).unwrap().is_none());
        assert!(
            store.read_file(&sha256_hex(b"two")).is_err(),
            "an unused file is removed"
        );
        assert_eq!(store.delete_candidate(first_id).unwrap(), None);
    }
}
