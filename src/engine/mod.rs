//! The engine: what the API and the CLI call. It owns the store (source of truth), the search
//! index (derived), the in-memory candidate features and the compiled roles, and keeps them in
//! step. It knows nothing of HTTP.
//!
//! Writes (uploads, deletions) are serialised by one lock so that store, index and features
//! change together; reads (rankings, lookups) take only the read side of the feature pool.
//!
//! Each job lives in a room of its own, so that a change to one is read (and merged) without
//! the others: `ingest` (extraction and parsing, the CPU side of an upload), `commit` (the write
//! side: duplicate planning, the store, the index and the pool changed together, erasure, the
//! index committer thread), `group` (single uploads committed together), `pool` (the in-memory features), `rank` (the role registry and
//! ranking), `cursor` (the ranking cursor's codec), `listing` (the candidate list) and `ops`
//! (readiness, original files). This file holds the engine's types, its opening and the small
//! lookups (candidates, idempotency, audit, oversight) that need no room.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use crate::extract::{self, ExtractError, Limits};
use crate::ids::CandidateId;
use crate::index::{Facts, IndexError, SearchIndex};
use crate::parse::Parser;
use crate::profile::Profile;
use crate::role::{Role, RoleError};
use crate::score::Features;
use crate::store::{IdempotentResponse, SqliteStore, Store, StoreError, StoredCandidate};

mod commit;
mod cursor;
mod feed;
mod group;
mod ingest;
mod listing;
mod memo;
mod ops;
mod pool;
mod rank;
mod tenancy;
pub use group::OwnedUpload;
pub use listing::{CandidateList, CandidateSummary, ListQuery};
pub use ops::{NotReady, OriginalFile, Readiness};
pub use rank::{RankQuery, RankedCandidate, RankingPage};

use commit::{CleanMarker, IndexCommitter};
use pool::Pool;
use rank::CompiledRole;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Extract(#[from] ExtractError),
    #[error("no candidate with id {0}")]
    CandidateNotFound(String),
    #[error("no role with id {0:?}")]
    RoleNotFound(String),
    #[error("{0}")]
    InvalidRole(String),
    #[error("the role {0:?} is disabled: {1}; replace it with PUT /v1/roles/{0}")]
    RoleDisabled(String, String),
    #[error("{0}")]
    BadQuery(String),
    #[error("the cursor is not one this server issued (or it has expired); start again without it")]
    BadCursor,
    #[error("the external_id is too long or contains control or invisible formatting characters")]
    BadExternalId,
    #[error("the role {role_id:?} has no requirement {requirement_id:?}")]
    RequirementNotFound {
        role_id: String,
        requirement_id: String,
    },
    #[error("no override of {0}")]
    OverrideNotFound(String),
    #[error("{0}")]
    InvalidOverride(String),
    #[error("{0}")]
    InvalidDemographics(String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("index: {0}")]
    Index(IndexError),
}

impl From<IndexError> for EngineError {
    fn from(error: IndexError) -> Self {
        match error {
            IndexError::BadQuery(message) => EngineError::BadQuery(message),
            other => EngineError::Index(other),
        }
    }
}

impl From<RoleError> for EngineError {
    fn from(error: RoleError) -> Self {
        EngineError::InvalidRole(error.to_string())
    }
}

/// A candidate as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateView {
    pub id: Uuid,
    pub external_id: Option<String>,
    pub profile: Profile,
}

impl From<StoredCandidate> for CandidateView {
    fn from(stored: StoredCandidate) -> Self {
        Self {
            id: stored.id,
            external_id: stored.external_id,
            profile: stored.profile,
        }
    }
}

/// One upload.
pub struct Upload<'a> {
    pub bytes: &'a [u8],
    pub file_name: Option<&'a str>,
    pub external_id: Option<&'a str>,
    /// The date the uploader says the document was written; used when the document states none.
    pub document_date: Option<NaiveDate>,
    /// The upload batch this file came in, for screening runs over a batch.
    pub batch_id: Option<&'a str>,
    /// Whose candidate it is (`external_id` and duplicates are per tenant).
    pub tenant: crate::tenant::Tenant,
}

/// What became of an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ingested {
    Created,
    /// An existing candidate with the same `external_id` was replaced.
    Replaced,
    /// The same file was already stored (and no `external_id` was given): nothing new stored.
    Duplicate,
}

/// One upload's outcome in a batch: stored (how), or why not.
pub type IngestOutcome = Result<(CandidateView, Ingested), EngineError>;

/// An upload extracted and parsed, not yet stored.
pub struct Prepared {
    pub profile: Profile,
    pub document: extract::Document,
    features: Features,
}

impl Prepared {
    /// An upload already read: a profile and the document it came from. For bulk loads that
    /// hold parsed profiles (the million-candidate bench), which skip extraction and parsing.
    pub fn from_parts(profile: Profile, document: extract::Document) -> Prepared {
        let features = Features::from_profile(&profile);
        Prepared {
            profile,
            document,
            features,
        }
    }
}

pub const MAX_PAGE_SIZE: usize = 100;

/// Characters an external id may not hold: control characters, and the invisible ones that
/// change how the id displays (bidirectional overrides and isolates, zero-width characters, the
/// byte-order mark), which would let one id pass for another in a list or an export.
fn is_hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}' | '\u{061C}' | '\u{00AD}')
}
const MAX_EXTERNAL_ID_CHARS: usize = 256;

pub struct Engine {
    store: Arc<dyn Store>,
    index: Arc<SearchIndex>,
    parser: Parser,
    limits: Limits,
    pool: RwLock<Pool>,
    roles: RwLock<BTreeMap<String, CompiledRole>>,
    writes: Mutex<()>,
    events: RwLock<Option<EventSink>>,
    committer: Mutex<IndexCommitter>,
    group: group::GroupCommit,
    /// Scores of stored roles remembered between rankings (see `memo.rs`).
    memos: memo::Memos,
    /// The change feed's position this node has applied (see `feed.rs`); `None` without one.
    feed: Mutex<Option<u64>>,
    /// Set when this node found changes it had not applied already pruned from the feed: its
    /// index may be stale until it restarts and rebuilds, and `/readyz` says so.
    fell_behind: std::sync::atomic::AtomicBool,
    /// Where the index's clean shutdown is recorded (see `commit.rs`).
    clean_marker: CleanMarker,
}

/// Where the engine reports events (`candidate.parsed`): the webhooks, when the server runs.
/// Called with one event's type and the data of each occurrence (a group commit announces its
/// candidates together).
pub type EventSink = Arc<dyn Fn(&str, &[serde_json::Value]) + Send + Sync>;

impl Engine {
    /// Opens the data directory: the store, the index (rebuilt from the store when they
    /// disagree), the roles (seeded from `roles_dir`, else the compiled-in roles, on first start)
    /// and the in-memory features of every candidate.
    pub fn open(data_dir: &Path, roles_dir: &Path, limits: Limits) -> Result<Engine, EngineError> {
        let store = Arc::new(SqliteStore::open(data_dir)?);
        Engine::open_with_store(store, data_dir, roles_dir, limits)
    }

    /// [`Engine::open`] with the store the configuration names: PostgreSQL at `database_url`
    /// when given (the data directory then keeps only the derived index, and a claimed run is
    /// held for `run_lease`), else SQLite.
    pub fn open_configured(
        data_dir: &Path,
        database_url: Option<&str>,
        run_lease: std::time::Duration,
        roles_dir: &Path,
        limits: Limits,
    ) -> Result<Engine, EngineError> {
        let store = crate::store::open_store_with_lease(data_dir, database_url, run_lease)?;
        Engine::open_with_store(store, data_dir, roles_dir, limits)
    }

    /// The engine parsing new uploads with `parser` instead of the built-in one: for evaluating
    /// a parser variant end to end (`examples/fit_roles.rs` scores each fold's resumes with a
    /// category model trained without them). Candidates stored already keep their profiles.
    pub fn with_parser(mut self, parser: Parser) -> Engine {
        self.parser = parser;
        self
    }

    /// [`Engine::open`] on a store opened by the caller (PostgreSQL, or SQLite elsewhere): the
    /// index and the other derived data still live in `data_dir`.
    pub fn open_with_store(
        store: Arc<dyn Store>,
        data_dir: &Path,
        roles_dir: &Path,
        limits: Limits,
    ) -> Result<Engine, EngineError> {
        std::fs::create_dir_all(data_dir).map_err(crate::store::StoreError::from)?;
        let (index, recreated) = SearchIndex::open_or_recreate(&data_dir.join("tantivy"))?;
        let clean_marker = CleanMarker::for_store(store.as_ref(), data_dir)?;
        if recreated {
            // A fresh index vouches for nothing: rebuilt from the store below.
            clean_marker.set(store.as_ref(), false, None)?;
        }
        let index = Arc::new(index);
        let committer = Mutex::new(IndexCommitter::start(Arc::downgrade(&index)));
        let engine = Engine {
            store,
            index,
            parser: Parser::builtin(),
            limits,
            pool: RwLock::new(Pool::default()),
            roles: RwLock::new(BTreeMap::new()),
            writes: Mutex::new(()),
            events: RwLock::new(None),
            committer,
            group: group::GroupCommit::default(),
            memos: memo::Memos::default(),
            feed: Mutex::new(None),
            fell_behind: Default::default(),
            clean_marker,
        };
        engine.seed_roles(roles_dir)?;
        engine.load_roles()?;
        engine.load_candidates()?;
        // A shared store: what changed while loading, or since this node's index was shut
        // down, is applied before the node serves (the follower thread takes over after).
        while engine.apply_changes()? > 0 {}
        Ok(engine)
    }

    /// Builds the ranking pool from the store's `pool` rows (about 200 bytes a candidate), or,
    /// when they are missing or from another features format, from every stored profile, and
    /// then writes them for the next start.
    fn load_candidates(&self) -> Result<(), EngineError> {
        // Before the candidates are read: what commits while they load is applied after.
        *self.feed.lock().unwrap_or_else(|p| p.into_inner()) = self.store.change_feed_position()?;
        let format = Features::format();
        let mut pool = Pool::default();
        let mut stored_seqs = HashSet::new();
        let mut unreadable = 0usize;
        let current = self.store.for_each_pool_row(&format, &mut |row| {
            let Some(features) = Features::from_bytes(&row.features) else {
                unreadable += 1;
                return Ok(());
            };
            stored_seqs.insert(row.seq);
            pool.upsert(row.seq, row.id, row.external_id, features, &row.tenant);
            Ok(())
        })?;
        if !current || unreadable > 0 {
            tracing::info!(
                unreadable,
                "computing the ranking features from the stored profiles"
            );
            pool = Pool::default();
            stored_seqs.clear();
            let mut rows = Vec::new();
            self.store.for_each_candidate(&mut |candidate| {
                stored_seqs.insert(candidate.seq);
                let features = Features::from_profile(&candidate.profile);
                rows.push((candidate.seq, features.to_bytes()));
                pool.upsert(
                    candidate.seq,
                    candidate.id,
                    candidate.external_id,
                    features,
                    &candidate.tenant,
                );
                Ok(())
            })?;
            self.store.rewrite_pool(&rows, &format)?;
        }
        // Index writes are committed in batches: after a crash the last ones may be missing, or
        // a replaced resume may still be indexed with its old text. Only a clean shutdown
        // vouches for the index; otherwise, or when it disagrees with the store, rebuild it.
        let clean_shutdown = self.clean_marker.is_set(self.store.as_ref())?;
        let indexed = self.index.all_seqs()?;
        let mut rebuild = !clean_shutdown || indexed != stored_seqs;
        if !rebuild && let Some(applied) = self.clean_marker.applied_position() {
            if applied < self.store.change_feed_pruned_through()? {
                // Down longer than the feed keeps changes: what changed meanwhile is unknown.
                tracing::warn!(
                    applied,
                    "the changes since this node's index was shut down are no longer kept"
                );
                rebuild = true;
            } else {
                // The index is this node's, as of its shutdown: replay what changed since then
                // (a candidate replaced meanwhile keeps its seq, so the seqs above agree).
                let mut feed = self.feed.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(now) = *feed {
                    *feed = Some(applied.min(now));
                }
            }
        }
        if rebuild {
            tracing::warn!(
                stored = stored_seqs.len(),
                indexed = indexed.len(),
                clean_shutdown,
                "rebuilding the search index from the store"
            );
            // Read back a thousand at a time: at a million candidates their text would not fit
            // in memory at once.
            let mut seqs: Vec<u64> = stored_seqs.iter().copied().collect();
            seqs.sort_unstable();
            let documents = seqs.chunks(1000).flat_map(|chunk| {
                let candidates = match self.store.get_candidates_by_seq(chunk) {
                    Ok(candidates) => candidates.into_iter().map(Ok).collect(),
                    Err(error) => vec![Err(EngineError::from(error))],
                };
                candidates.into_iter().map(|candidate| {
                    candidate.map(|candidate| {
                        let facts = Facts::from_profile(&candidate.profile);
                        (candidate.seq, candidate.text, facts)
                    })
                })
            });
            self.index.rebuild::<EngineError>(documents)?;
        }
        self.clean_marker.set(self.store.as_ref(), false, None)?;
        tracing::info!(candidates = pool.live_count, "loaded candidates");
        *self.pool.write().unwrap_or_else(|p| p.into_inner()) = pool;
        Ok(())
    }

    pub fn candidate(&self, id: CandidateId) -> Result<CandidateView, EngineError> {
        let not_found = || EngineError::CandidateNotFound(id.to_string());
        self.store
            .get_candidate(id.as_uuid())?
            .map(CandidateView::from)
            .ok_or_else(not_found)
    }

    /// The candidate as a blind reviewer sees it (no name, contact, photo or location).
    pub fn blind_candidate(&self, id: CandidateId) -> Result<CandidateView, EngineError> {
        let mut view = self.candidate(id)?;
        view.profile = crate::blind::blind_profile(&view.profile);
        Ok(view)
    }

    /// What identifies each of these candidates (those still stored), for blind redaction.
    pub fn identifying(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, crate::blind::Identifying>, EngineError> {
        let mut identifying = HashMap::new();
        for id in ids {
            let Ok(uuid) = Uuid::parse_str(id) else {
                continue;
            };
            if let Some(candidate) = self.store.get_candidate(uuid)? {
                identifying.insert(
                    id.clone(),
                    crate::blind::Identifying::of(&candidate.profile),
                );
            }
        }
        Ok(identifying)
    }

    /// The response recorded for an idempotency key within `ttl`.
    pub fn idempotent_response(
        &self,
        key: &str,
        ttl: std::time::Duration,
    ) -> Result<Option<IdempotentResponse>, EngineError> {
        let not_before =
            chrono::Utc::now() - chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        Ok(self.store.get_idempotent(key, not_before)?)
    }

    /// Removes idempotency records older than `ttl`. Returns how many.
    pub fn purge_expired_idempotency(
        &self,
        ttl: std::time::Duration,
    ) -> Result<usize, EngineError> {
        let cutoff =
            chrono::Utc::now() - chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        Ok(self.store.purge_idempotent_before(cutoff)?)
    }

    /// Appends to the audit log.
    pub fn audit(
        &self,
        event: crate::audit::AuditEvent,
    ) -> Result<crate::audit::AuditEntry, EngineError> {
        Ok(self.store.append_audit(event)?)
    }

    /// A page of `tenant`'s part of the audit log, after the entry `cursor` (a seq).
    pub fn audit_page(
        &self,
        cursor: Option<&str>,
        limit: usize,
        tenant: &crate::tenant::Tenant,
    ) -> Result<(Vec<crate::audit::AuditEntry>, Option<String>), EngineError> {
        let after = match cursor {
            Some(text) => text.parse::<u64>().map_err(|_| EngineError::BadCursor)?,
            None => 0,
        };
        Ok(self.store.audit_page(after, limit.clamp(1, 1000), tenant)?)
    }

    /// Records a recruiter's verdict on one requirement of a role for one candidate.
    pub fn put_override(
        &self,
        role_id: &str,
        candidate_id: CandidateId,
        requirement_id: &str,
        verdict: &str,
        reason: &str,
        by: &str,
    ) -> Result<crate::oversight::Override, EngineError> {
        let role = self.role(role_id)?;
        self.check_override_target(&role, candidate_id, requirement_id)?;
        let verdict = crate::oversight::parse_verdict(verdict).ok_or_else(|| {
            EngineError::InvalidOverride(format!(
                "verdict {verdict:?} is not one of met, partly_met (or partial), not_met, unknown"
            ))
        })?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 2000 {
            return Err(EngineError::InvalidOverride(
                "an override needs a reason: 1 to 2000 characters".into(),
            ));
        }
        Ok(self.store.put_override(
            role_id,
            &candidate_id.to_string(),
            requirement_id,
            verdict,
            reason,
            by,
        )?)
    }

    pub fn delete_override(
        &self,
        role_id: &str,
        candidate_id: CandidateId,
        requirement_id: &str,
    ) -> Result<(), EngineError> {
        let role = self.role(role_id)?;
        self.check_override_target(&role, candidate_id, requirement_id)?;
        if !self
            .store
            .delete_override(role_id, &candidate_id.to_string(), requirement_id)?
        {
            return Err(EngineError::OverrideNotFound(format!(
                "{requirement_id:?} for candidate {candidate_id} under role {role_id:?}"
            )));
        }
        Ok(())
    }

    fn check_override_target(
        &self,
        role: &Role,
        candidate_id: CandidateId,
        requirement_id: &str,
    ) -> Result<(), EngineError> {
        if !role.requirements.iter().any(|r| r.id == requirement_id) {
            return Err(EngineError::RequirementNotFound {
                role_id: role.id.clone(),
                requirement_id: requirement_id.to_owned(),
            });
        }
        self.candidate(candidate_id)?;
        Ok(())
    }

    /// Stores the groups the ATS reports for a candidate, apart from the profile: read only by
    /// adverse-impact reports, never by scoring.
    pub fn put_demographics(
        &self,
        candidate_id: CandidateId,
        groups: &crate::oversight::Groups,
    ) -> Result<(), EngineError> {
        self.candidate(candidate_id)?;
        if groups.is_empty() || groups.len() > 20 {
            return Err(EngineError::InvalidDemographics(
                "groups holds 1 to 20 categories, e.g. {\"sex\": \"female\"}".into(),
            ));
        }
        let bad = |text: &str| {
            text.trim().is_empty() || text.chars().count() > 100 || text.chars().any(is_hidden_char)
        };
        if let Some((category, group)) = groups.iter().find(|(c, g)| bad(c) || bad(g)) {
            return Err(EngineError::InvalidDemographics(format!(
                "category {category:?} and group {group:?} must be 1 to 100 visible characters"
            )));
        }
        Ok(self
            .store
            .put_demographics(&candidate_id.to_string(), groups)?)
    }

    pub fn record_idempotent_response(
        &self,
        key: &str,
        response: &IdempotentResponse,
    ) -> Result<(), EngineError> {
        Ok(self.store.put_idempotent(key, response)?)
    }

    /// The store, for the task queues (runs, webhooks) that keep their state beside it.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Reports events to `sink` from now on.
    pub fn set_event_sink(&self, sink: EventSink) {
        *self.events.write().unwrap_or_else(|p| p.into_inner()) = Some(sink);
    }

    pub fn candidate_count(&self) -> usize {
        self.pool
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .live_count
    }
}
