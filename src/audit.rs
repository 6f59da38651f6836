//! The audit log: who ranked whom against which version of a role, every run, role change,
//! upload, deletion and override. Append-only (SQLite triggers refuse updates and deletes
//! through SQL) and tamper-evident: each entry carries the hash of the one before, and
//! `hash = SHA-256(prev_hash || canonical JSON of the entry)`, so that changing, removing or
//! reordering an entry breaks the chain from there on ([`verify`] names the first bad seq).
//!
//! Entries hold ids and hashes only: never resume text, names or contact details. The API key
//! is recorded by its id ([`api_key_id`]), never the key.

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::role::Role;
use crate::score::SCORER_VERSION;
use crate::store::{StoreError, sha256_hex};
use crate::tenant::Tenant;

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The `api_key_id` of a request made where no API keys are configured (a loopback server).
pub const LOCAL_CALLER: &str = "local";
/// The `api_key_id` of work the server does on its own (retention, run workers).
pub const SYSTEM_CALLER: &str = "system";

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    RankingRead,
    RunResultsRead,
    RunExported,
    RunStarted,
    RunFinished,
    RolePut,
    RoleDeleted,
    CandidateUploaded,
    CandidateReplaced,
    CandidateDeleted,
    CandidateErasedByRetention,
    OverridePut,
    OverrideDeleted,
    DemographicsPut,
    AdverseImpactRead,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::RankingRead => "ranking_read",
            Action::RunResultsRead => "run_results_read",
            Action::RunExported => "run_exported",
            Action::RunStarted => "run_started",
            Action::RunFinished => "run_finished",
            Action::RolePut => "role_put",
            Action::RoleDeleted => "role_deleted",
            Action::CandidateUploaded => "candidate_uploaded",
            Action::CandidateReplaced => "candidate_replaced",
            Action::CandidateDeleted => "candidate_deleted",
            Action::CandidateErasedByRetention => "candidate_erased_by_retention",
            Action::OverridePut => "override_put",
            Action::OverrideDeleted => "override_deleted",
            Action::DemographicsPut => "demographics_put",
            Action::AdverseImpactRead => "adverse_impact_read",
        }
    }
}

/// An event to record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub action: Action,
    pub api_key_id: String,
    pub role_id: Option<String>,
    pub role_version_hash: Option<String>,
    pub candidate_ids: Vec<String>,
    /// Ids that say what else was touched (a run id, a requirement id); never personal data.
    pub detail: Option<String>,
    /// Whose part of the log it is in: the tenant of the key that caused it. Kept beside the
    /// entry, outside the hash chain (whose fields are fixed), and read as a filter only.
    pub tenant: Tenant,
}

impl AuditEvent {
    pub fn new(action: Action, api_key_id: &str) -> AuditEvent {
        AuditEvent {
            action,
            api_key_id: api_key_id.to_owned(),
            role_id: None,
            role_version_hash: None,
            candidate_ids: Vec::new(),
            detail: None,
            tenant: Tenant::default(),
        }
    }

    pub fn tenant(mut self, tenant: Tenant) -> AuditEvent {
        self.tenant = tenant;
        self
    }

    /// The role, by id and by the hash of its version.
    pub fn role(mut self, role: &Role) -> AuditEvent {
        self.role_id = Some(role.id.clone());
        self.role_version_hash = Some(role_version_hash(role));
        self
    }

    /// A role by id and the hash of the version that was used.
    pub fn role_version(mut self, role_id: &str, version_hash: &str) -> AuditEvent {
        self.role_id = Some(role_id.to_owned());
        self.role_version_hash = Some(version_hash.to_owned());
        self
    }

    /// A role known only by id (a deleted one).
    pub fn role_id(mut self, role_id: &str) -> AuditEvent {
        self.role_id = Some(role_id.to_owned());
        self
    }

    pub fn candidates<I: IntoIterator<Item = S>, S: ToString>(mut self, ids: I) -> AuditEvent {
        self.candidate_ids = ids.into_iter().map(|id| id.to_string()).collect();
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> AuditEvent {
        self.detail = Some(detail.into());
        self
    }
}

/// An entry as stored and as `GET /v1/audit` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub seq: u64,
    pub time: String,
    pub action: String,
    pub api_key_id: String,
    pub role_id: Option<String>,
    pub role_version_hash: Option<String>,
    pub scorer_version: String,
    pub candidate_ids: Vec<String>,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields the hash covers, in a fixed order (serde writes struct fields in order).
#[derive(Serialize)]
struct Canonical<'a> {
    seq: u64,
    time: &'a str,
    action: &'a str,
    api_key_id: &'a str,
    role_id: Option<&'a str>,
    role_version_hash: Option<&'a str>,
    scorer_version: &'a str,
    candidate_ids: &'a [String],
    detail: Option<&'a str>,
}

impl AuditEntry {
    fn canonical(&self) -> String {
        let canonical = Canonical {
            seq: self.seq,
            time: &self.time,
            action: &self.action,
            api_key_id: &self.api_key_id,
            role_id: self.role_id.as_deref(),
            role_version_hash: self.role_version_hash.as_deref(),
            scorer_version: &self.scorer_version,
            candidate_ids: &self.candidate_ids,
            detail: self.detail.as_deref(),
        };
        // Strings and numbers only: this cannot fail.
        serde_json::to_string(&canonical).unwrap_or_default()
    }

    fn expected_hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.prev_hash.as_bytes());
        hasher.update(self.canonical().as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// SHA-256 of the role's canonical JSON: which version of a role a ranking used.
pub fn role_version_hash(role: &Role) -> String {
    sha256_hex(serde_json::to_string(role).unwrap_or_default().as_bytes())
}

/// The id of an API key, from the hash the server keeps of it: a short, stable name for the key
/// that reveals nothing about it (it is a hash of the hash, never the key).
pub fn api_key_id(key_sha256: &str) -> String {
    let digest = sha256_hex(format!("shortlist-api-key-id:{key_sha256}").as_bytes());
    format!("key_{}", &digest[..16])
}

pub(crate) const COLUMNS: &str = "seq, time, action, api_key_id, role_id, role_version_hash, scorer_version, \
                       candidate_ids, detail, prev_hash, hash";

fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(AuditEntry, String)> {
    let candidate_ids: String = row.get(7)?;
    Ok((
        AuditEntry {
            seq: row.get::<_, i64>(0)? as u64,
            time: row.get(1)?,
            action: row.get(2)?,
            api_key_id: row.get(3)?,
            role_id: row.get(4)?,
            role_version_hash: row.get(5)?,
            scorer_version: row.get(6)?,
            candidate_ids: Vec::new(),
            detail: row.get(8)?,
            prev_hash: row.get(9)?,
            hash: row.get(10)?,
        },
        candidate_ids,
    ))
}

fn decode((mut entry, candidate_ids): (AuditEntry, String)) -> Result<AuditEntry, (u64, String)> {
    entry.candidate_ids = serde_json::from_str(&candidate_ids).map_err(|e| {
        (
            entry.seq,
            format!("candidate_ids is not a JSON list of ids: {e}"),
        )
    })?;
    Ok(entry)
}

/// The entry that records `event` after `last` (the seq and hash of the chain's last entry;
/// `None` for the first): every store appends what this returns, so that the chain is the
/// same whichever database keeps it.
pub(crate) fn chain_entry(last: Option<(u64, String)>, event: &AuditEvent) -> AuditEntry {
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let mut entry = AuditEntry {
        seq,
        time: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        action: event.action.as_str().to_owned(),
        api_key_id: event.api_key_id.clone(),
        role_id: event.role_id.clone(),
        role_version_hash: event.role_version_hash.clone(),
        scorer_version: SCORER_VERSION.to_owned(),
        candidate_ids: event.candidate_ids.clone(),
        detail: event.detail.clone(),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry.expected_hash();
    entry
}

/// An entry read back whole: `candidate_ids` as stored (a JSON list) decoded into it.
pub(crate) fn stored_entry(
    entry: AuditEntry,
    candidate_ids: String,
) -> Result<AuditEntry, (u64, String)> {
    decode((entry, candidate_ids))
}

/// Recomputes a chain read in seq order: the number of entries, or the first that fails.
pub(crate) fn verify_entries(
    entries: impl Iterator<Item = Result<(AuditEntry, String), String>>,
) -> Result<u64, ChainError> {
    let mut expected_prev = GENESIS_HASH.to_owned();
    let mut count = 0u64;
    for (expected_seq, raw) in (1u64..).zip(entries) {
        let raw = raw.map_err(ChainError::Unreadable)?;
        let entry = decode(raw).map_err(|(seq, reason)| ChainError::Broken { seq, reason })?;
        let broken = |reason: String| ChainError::Broken {
            seq: entry.seq,
            reason,
        };
        if entry.seq != expected_seq {
            return Err(ChainError::Broken {
                seq: expected_seq,
                reason: format!("missing: the next entry is {}", entry.seq),
            });
        }
        if entry.prev_hash != expected_prev {
            return Err(broken(
                "its prev_hash is not the hash of the entry before".into(),
            ));
        }
        if entry.hash != entry.expected_hash() {
            return Err(broken(
                "its hash does not match its content (it was changed)".into(),
            ));
        }
        expected_prev = entry.hash;
        count += 1;
    }
    Ok(count)
}

/// Appends an entry at the end of the chain, in one transaction.
pub fn append(connection: &mut Connection, event: AuditEvent) -> Result<AuditEntry, StoreError> {
    let transaction = connection.transaction()?;
    let entry = append_in(&transaction, event)?;
    transaction.commit()?;
    Ok(entry)
}

/// [`append`] within a transaction the caller commits: an entry durable together with what it
/// records (the group commit's uploads), in one sync.
pub fn append_in(transaction: &Connection, event: AuditEvent) -> Result<AuditEntry, StoreError> {
    let last: Option<(i64, String)> = transaction
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let entry = chain_entry(last.map(|(seq, hash)| (seq as u64, hash)), &event);
    let candidate_ids = serde_json::to_string(&entry.candidate_ids)
        .map_err(|e| StoreError::Corrupt(format!("audit candidate ids: {e}")))?;
    transaction.execute(
        &format!(
            "INSERT INTO audit ({COLUMNS}, tenant)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ),
        params![
            entry.seq as i64,
            entry.time,
            entry.action,
            entry.api_key_id,
            entry.role_id,
            entry.role_version_hash,
            entry.scorer_version,
            candidate_ids,
            entry.detail,
            entry.prev_hash,
            entry.hash,
            event.tenant.as_stored()
        ],
    )?;
    Ok(entry)
}

/// A page of `tenant`'s entries in order, after `after_seq`; the cursor is the last seq
/// returned.
pub fn page(
    connection: &Connection,
    after_seq: u64,
    limit: usize,
    tenant: &Tenant,
) -> Result<(Vec<AuditEntry>, Option<String>), StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM audit WHERE seq > ?1 AND tenant = ?3 ORDER BY seq LIMIT ?2"
    ))?;
    let rows = statement
        .query_map(
            params![after_seq as i64, limit as i64 + 1, tenant.as_stored()],
            entry_from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let more = rows.len() > limit;
    let mut entries = Vec::with_capacity(limit);
    for row in rows.into_iter().take(limit) {
        entries.push(
            decode(row)
                .map_err(|(seq, why)| StoreError::Corrupt(format!("audit entry {seq}: {why}")))?,
        );
    }
    let next_cursor = match entries.last() {
        Some(last) if more => Some(last.seq.to_string()),
        _ => None,
    };
    Ok((entries, next_cursor))
}

/// Why the chain does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("audit entry {seq} is not intact: {reason}")]
    Broken { seq: u64, reason: String },
    #[error("the audit log cannot be read: {0}")]
    Unreadable(String),
}

/// [`verify`] on a store's audit log (what `shortlist audit verify` runs).
pub fn verify_store(store: &dyn crate::store::Store) -> Result<u64, ChainError> {
    store.verify_audit()
}

/// Recomputes the whole chain. Returns the number of entries, or the first one that fails.
pub fn verify(connection: &Connection) -> Result<u64, ChainError> {
    let unreadable = |e: rusqlite::Error| ChainError::Unreadable(e.to_string());
    let mut statement = connection
        .prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"))
        .map_err(unreadable)?;
    let rows = statement
        .query_map([], entry_from_row)
        .map_err(unreadable)?
        .map(|row| row.map_err(|e| e.to_string()));
    verify_entries(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> (tempfile::TempDir, crate::store::SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::SqliteStore::open(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn the_chain_verifies_and_an_edited_entry_is_named() {
        use crate::store::OversightStore;
        let (dir, store) = open();
        for action in [
            Action::CandidateUploaded,
            Action::RankingRead,
            Action::CandidateDeleted,
        ] {
            store
                .append_audit(AuditEvent::new(action, LOCAL_CALLER).candidates(["c-1", "c-2"]))
                .unwrap();
        }
        assert_eq!(store.verify_audit(), Ok(3));
        let (first, next) = store.audit_page(0, 2, &Tenant::default()).unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(first[1].prev_hash, first[0].hash);
        assert_eq!(next.as_deref(), Some("2"));
        let (rest, next) = store.audit_page(2, 2, &Tenant::default()).unwrap();
        assert_eq!((rest.len(), next), (1, None));

        // Tampering as someone with the database file would: through a connection of their own.
        let connection = Connection::open(dir.path().join("shortlist.sqlite3")).unwrap();
        let refused = connection.execute("UPDATE audit SET api_key_id = 'x' WHERE seq = 2", []);
        assert!(refused.is_err(), "the triggers keep the log append-only");
        connection
            .execute_batch(
                "DROP TRIGGER audit_no_update;
                 UPDATE audit SET candidate_ids = '[\"c-9\"]' WHERE seq = 2;",
            )
            .unwrap();
        assert!(matches!(
            verify(&connection),
            Err(ChainError::Broken { seq: 2, .. })
        ));
        assert!(matches!(
            store.verify_audit(),
            Err(ChainError::Broken { seq: 2, .. })
        ));
    }

    #[test]
    fn api_key_ids_are_stable_and_reveal_nothing_of_the_key() {
        let hash = crate::config::hash_api_key("secret-key-123");
        let id = api_key_id(&hash);
        assert_eq!(id, api_key_id(&hash));
        assert!(id.starts_with("key_") && id.len() == 20);
        assert!(!hash.contains(&id[4..]));
    }
}
