//! The engine: what the API and the CLI call. It owns the store (source of truth), the search
//! index (derived), the in-memory candidate features and the compiled roles, and keeps them in
//! step. It knows nothing of HTTP.
//!
//! Writes (uploads, deletions) are serialised by one lock so that store, index and features
//! change together; reads (rankings, lookups) take only the read side of the feature pool.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use crate::extract::{self, ExtractError, Limits};
use crate::index::{Facts, IndexError, SearchIndex};
use crate::parse::{ParseOptions, Parser};
use crate::profile::Profile;
use crate::role::{self, Role, RoleError};
use crate::score::{self, Features, RequirementResult, Scorer, SlotSet};
use crate::store::{
    IdempotentResponse, NewCandidate, SqliteStore, Store, StoreError, StoredCandidate, Upserted,
    sha256_hex,
};
// The audit log, overrides and demographics are reached through the store too.
use crate::store::OversightStore;

mod listing;
mod ops;
pub use listing::{CandidateList, CandidateSummary, ListQuery};
pub use ops::{NotReady, OriginalFile, Readiness};

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
#[derive(Debug, Clone, Serialize)]
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
}

#[derive(Debug, Clone, Default)]
pub struct RankQuery {
    pub limit: usize,
    pub cursor: Option<String>,
    /// A Boolean keyword filter over the resume text.
    pub q: Option<String>,
    pub must_haves_only: bool,
    pub min_score: Option<f32>,
    /// Only these candidates (by seq): a screening run's selection.
    pub only_seqs: Option<Arc<HashSet<u64>>>,
    /// Blind review: evidence keeps no name, contact or location (see [`crate::blind`]).
    pub blind: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankedCandidate {
    pub candidate_id: Uuid,
    pub external_id: Option<String>,
    /// The name read from the resume's contact details, so that a list reads without a
    /// lookup per row.
    pub display_name: Option<String>,
    /// The original upload's file name.
    pub file_name: Option<String>,
    pub rank: usize,
    pub score: f32,
    pub must_haves_met: bool,
    pub requirements: Vec<RequirementResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankingPage {
    pub role_id: String,
    /// The version of the role this page was ranked against ([`crate::audit::role_version_hash`]),
    /// for the audit log: the role may change between the ranking and the entry.
    #[serde(skip)]
    pub role_version_hash: String,
    pub total: usize,
    pub results: Vec<RankedCandidate>,
    pub next_cursor: Option<String>,
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

/// Set to "1" on a clean shutdown (index fully committed), "0" while running.
const INDEX_CLEAN_KEY: &str = "index_clean_shutdown";
/// How often pending index writes are committed when no query forces it sooner.
const INDEX_COMMIT_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);

/// Commits index writes in the background until told to stop (by the engine's `Drop`, which
/// joins it, so that nothing holds the index, and tantivy's writer lock, after the engine).
struct IndexCommitter {
    stop: Arc<(Mutex<bool>, std::sync::Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl IndexCommitter {
    fn start(index: std::sync::Weak<SearchIndex>) -> IndexCommitter {
        let stop = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let signal = Arc::clone(&stop);
        let spawned = std::thread::Builder::new()
            .name("index-committer".into())
            .spawn(move || {
                let (stopped, wake) = &*signal;
                loop {
                    let guard = stopped.lock().unwrap_or_else(|p| p.into_inner());
                    let (guard, _) = wake
                        .wait_timeout_while(guard, INDEX_COMMIT_INTERVAL, |stopped| !*stopped)
                        .unwrap_or_else(|p| p.into_inner());
                    if *guard {
                        return;
                    }
                    drop(guard);
                    let Some(index) = index.upgrade() else { return };
                    if let Err(error) = index.commit_pending() {
                        tracing::error!(%error, "committing the search index failed; will retry");
                    }
                }
            });
        let thread = match spawned {
            Ok(thread) => Some(thread),
            Err(error) => {
                // Queries still commit before they search; only background batching is lost.
                tracing::error!(%error, "cannot start the index committer thread");
                None
            }
        };
        IndexCommitter { stop, thread }
    }

    fn stop(&mut self) {
        let (stopped, wake) = &*self.stop;
        *stopped.lock().unwrap_or_else(|p| p.into_inner()) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.committer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .stop();
        let _writing = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        match self.index.commit_pending() {
            Ok(()) => {
                if let Err(error) = self.store.set_meta(INDEX_CLEAN_KEY, "1") {
                    tracing::error!(%error, "cannot record the clean shutdown");
                }
            }
            Err(error) => {
                tracing::error!(%error, "final index commit failed; rebuilt at next start")
            }
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

/// The candidates held in memory for ranking: parallel vectors indexed by slot. A deleted
/// candidate leaves a dead slot (reused by nobody) so that slots never shift under a ranking.
#[derive(Default)]
struct Pool {
    seqs: Vec<u64>,
    ids: Vec<Uuid>,
    external_ids: Vec<Option<String>>,
    features: Vec<Features>,
    live: Vec<bool>,
    slot_by_seq: HashMap<u64, usize>,
    live_count: usize,
}

impl Pool {
    fn upsert(&mut self, seq: u64, id: Uuid, external_id: Option<String>, features: Features) {
        if let Some(&slot) = self.slot_by_seq.get(&seq) {
            self.external_ids[slot] = external_id;
            self.features[slot] = features;
            if !self.live[slot] {
                self.live[slot] = true;
                self.live_count += 1;
            }
            return;
        }
        self.slot_by_seq.insert(seq, self.seqs.len());
        self.seqs.push(seq);
        self.ids.push(id);
        self.external_ids.push(external_id);
        self.features.push(features);
        self.live.push(true);
        self.live_count += 1;
    }

    fn remove(&mut self, seq: u64) {
        if let Some(slot) = self.slot_by_seq.remove(&seq)
            && self.live[slot]
        {
            self.live[slot] = false;
            self.features[slot] = Features::default();
            self.live_count -= 1;
        }
    }
}

struct CompiledRole {
    role: Role,
    /// The compiled scorer, or why the stored role cannot be used (see [`Engine::load_roles`]).
    scorer: Result<Arc<Scorer>, String>,
}

pub struct Engine {
    store: SqliteStore,
    index: Arc<SearchIndex>,
    parser: Parser,
    limits: Limits,
    pool: RwLock<Pool>,
    roles: RwLock<BTreeMap<String, CompiledRole>>,
    writes: Mutex<()>,
    events: RwLock<Option<EventSink>>,
    committer: Mutex<IndexCommitter>,
}

/// Where the engine reports events (`candidate.parsed`): the webhooks, when the server runs.
pub type EventSink = Arc<dyn Fn(&str, &serde_json::Value) + Send + Sync>;

/// Recruiters' overrides under one role, by the seq of their candidate.
type OverridesBySeq = HashMap<u64, Vec<crate::oversight::Override>>;

/// Where ranking resumes: the last result of the previous page, by (score, seq).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cursor {
    score: f32,
    seq: u64,
}

impl Cursor {
    fn encode(self) -> String {
        format!("{:08x}{:016x}", self.score.to_bits(), self.seq)
    }

    fn decode(text: &str) -> Option<Cursor> {
        if text.len() != 24 || !text.is_ascii() {
            return None;
        }
        let score = f32::from_bits(u32::from_str_radix(&text[..8], 16).ok()?);
        let seq = u64::from_str_radix(&text[8..], 16).ok()?;
        score.is_finite().then_some(Cursor { score, seq })
    }
}

/// Ranking order: best score first, then the earlier upload. Total, so pages are stable.
fn ranks_before(a: (f32, u64), b: (f32, u64)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
}

impl Engine {
    /// Opens the data directory: the store, the index (rebuilt from the store when they
    /// disagree), the roles (seeded from `roles_dir`, else the compiled-in roles, on first start)
    /// and the in-memory features of every candidate.
    pub fn open(data_dir: &Path, roles_dir: &Path, limits: Limits) -> Result<Engine, EngineError> {
        let store = SqliteStore::open(data_dir)?;
        let (index, recreated) = SearchIndex::open_or_recreate(&data_dir.join("tantivy"))?;
        if recreated {
            // A fresh index vouches for nothing: rebuilt from the store below.
            store.set_meta(INDEX_CLEAN_KEY, "0")?;
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
        };
        engine.seed_roles(roles_dir)?;
        engine.load_roles()?;
        engine.load_candidates()?;
        Ok(engine)
    }

    fn seed_roles(&self, roles_dir: &Path) -> Result<(), EngineError> {
        if self.store.get_meta("roles_seeded")?.is_some() {
            return Ok(());
        }
        let roles = if roles_dir.is_dir() {
            role::load_dir(roles_dir)?
        } else {
            role::shipped()
        };
        for role in &roles {
            role.validate()?;
            self.store.put_role(role)?;
        }
        tracing::info!(roles = roles.len(), "seeded the shipped roles");
        self.store.set_meta("roles_seeded", "1")?;
        Ok(())
    }

    /// Compiles every stored role. A stored role that today's rules refuse (written by an older
    /// version, or edited in the database) is disabled with a log line rather than stopping the
    /// start-up: its rankings and runs answer `role_disabled` until it is replaced with `PUT`.
    /// A server that would not start, or that crashed on a run re-queued at every start, could
    /// not be repaired over HTTP.
    fn load_roles(&self) -> Result<(), EngineError> {
        let mut compiled = BTreeMap::new();
        for role in self.store.get_roles()? {
            let scorer = role
                .validate()
                .and_then(|()| Scorer::compile(&role))
                .map(Arc::new)
                .map_err(|error| error.to_string());
            if let Err(reason) = &scorer {
                tracing::error!(
                    role = %role.id,
                    %reason,
                    "role disabled: it fails validation; replace it with PUT /v1/roles/{{id}}"
                );
            }
            compiled.insert(role.id.clone(), CompiledRole { role, scorer });
        }
        *self.roles.write().unwrap_or_else(|p| p.into_inner()) = compiled;
        Ok(())
    }

    fn load_candidates(&self) -> Result<(), EngineError> {
        let mut pool = Pool::default();
        let mut stored_seqs = HashSet::new();
        self.store.for_each_candidate(&mut |candidate| {
            stored_seqs.insert(candidate.seq);
            let features = Features::from_profile(&candidate.profile);
            pool.upsert(candidate.seq, candidate.id, candidate.external_id, features);
            Ok(())
        })?;
        // Index writes are committed in batches: after a crash the last ones may be missing, or
        // a replaced resume may still be indexed with its old text. Only a clean shutdown
        // vouches for the index; otherwise, or when it disagrees with the store, rebuild it.
        let clean_shutdown = self.store.get_meta(INDEX_CLEAN_KEY)?.as_deref() == Some("1");
        let indexed = self.index.all_seqs()?;
        if !clean_shutdown || indexed != stored_seqs {
            tracing::warn!(
                stored = stored_seqs.len(),
                indexed = indexed.len(),
                clean_shutdown,
                "rebuilding the search index from the store"
            );
            let mut documents = Vec::with_capacity(stored_seqs.len());
            self.store.for_each_candidate(&mut |candidate| {
                let facts = Facts::from_profile(&candidate.profile);
                documents.push((candidate.seq, candidate.text, facts));
                Ok(())
            })?;
            self.index.rebuild(
                documents
                    .iter()
                    .map(|(seq, text, facts)| (*seq, text.as_str(), facts.clone())),
            )?;
        }
        self.store.set_meta(INDEX_CLEAN_KEY, "0")?;
        tracing::info!(candidates = pool.live_count, "loaded candidates");
        *self.pool.write().unwrap_or_else(|p| p.into_inner()) = pool;
        Ok(())
    }

    /// Extracts and parses a document without storing anything (the CLI's `parse`).
    pub fn parse_bytes(
        parser: &Parser,
        bytes: &[u8],
        file_name: Option<&str>,
        document_date: Option<NaiveDate>,
        limits: &Limits,
    ) -> Result<(Profile, extract::Document), ExtractError> {
        // A JSON Resume is read field by field, not as extracted text, within the same size
        // limit as any document (which `extract` checks otherwise).
        if bytes.len() <= limits.max_input_bytes
            && let Some(resume) = crate::parse::json_resume::detect(bytes)
        {
            return Self::read_json_resume(parser, &resume, document_date, limits);
        }
        let document = extract::extract(bytes, file_name, limits)?;
        extract::check_resume_text(&document)?;
        let fallback_date = document_date.unwrap_or_else(|| chrono::Utc::now().date_naive());
        let profile = parser.parse(&document, &ParseOptions { fallback_date });
        Ok((profile, document))
    }

    /// Extracts and parses an upload: the CPU work, done before anything is stored so that a
    /// rejected (or timed-out) upload leaves nothing behind.
    pub fn prepare(&self, upload: &Upload<'_>) -> Result<Prepared, EngineError> {
        let _timer = crate::telemetry::Timer::start(&crate::telemetry::engine_timings().parse);
        if let Some(external_id) = upload.external_id
            && (external_id.is_empty()
                || external_id.chars().count() > MAX_EXTERNAL_ID_CHARS
                || external_id.chars().any(is_hidden_char))
        {
            return Err(EngineError::BadExternalId);
        }
        let (profile, document) = Self::parse_bytes(
            &self.parser,
            upload.bytes,
            upload.file_name,
            upload.document_date,
            &self.limits,
        )?;
        let features = Features::from_profile(&profile);
        Ok(Prepared {
            profile,
            document,
            features,
        })
    }

    /// Stores a prepared upload: the store (durable before this returns), then the index and
    /// the in-memory features, so that it is rankable as soon as it is acknowledged. The same
    /// bytes uploaded again without an `external_id` are a duplicate: nothing new is stored.
    pub fn commit(
        &self,
        upload: &Upload<'_>,
        prepared: Prepared,
    ) -> Result<(CandidateView, Ingested), EngineError> {
        let mut outcomes = self.commit_batch(vec![(upload, prepared)])?;
        outcomes.pop().ok_or_else(|| {
            EngineError::Store(StoreError::Corrupt("a committed candidate vanished".into()))
        })
    }

    /// Stores prepared uploads in one transaction (one sync for the lot), in order.
    pub fn commit_batch(
        &self,
        batch: Vec<(&Upload<'_>, Prepared)>,
    ) -> Result<Vec<(CandidateView, Ingested)>, EngineError> {
        let _writing = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        // Each item is either a duplicate of a stored candidate (or of an earlier item of this
        // batch), or goes to the store.
        enum Plan {
            Duplicate(Box<CandidateView>),
            DuplicateOfBatchItem(usize),
            Store(usize),
        }
        let mut plans = Vec::with_capacity(batch.len());
        let mut to_store = Vec::new();
        let mut first_with_bytes: HashMap<String, usize> = HashMap::new();
        for (position, (upload, prepared)) in batch.iter().enumerate() {
            // Hashed once here: the duplicate check and the store's file name both use it.
            let sha256 = sha256_hex(upload.bytes);
            if upload.external_id.is_none() {
                if let Some(existing) = self.store.find_by_file(&sha256)? {
                    plans.push(Plan::Duplicate(Box::new(existing.into())));
                    continue;
                }
                if let Some(&earlier) = first_with_bytes.get(&sha256) {
                    plans.push(Plan::DuplicateOfBatchItem(earlier));
                    continue;
                }
                first_with_bytes.insert(sha256.clone(), position);
            }
            plans.push(Plan::Store(to_store.len()));
            to_store.push(NewCandidate {
                external_id: upload.external_id,
                file_bytes: upload.bytes,
                file_sha256: sha256,
                file_name: upload.file_name,
                batch_id: upload.batch_id,
                media_type: prepared.document.media_type.mime(),
                profile: &prepared.profile,
                text: &prepared.document.text,
            });
        }
        let stored = self.store.put_candidates(&to_store)?;
        drop(to_store);

        {
            let mut pool = self.pool.write().unwrap_or_else(|p| p.into_inner());
            for (stored_index, (candidate, _)) in stored.iter().enumerate() {
                let Some(position) = plans
                    .iter()
                    .position(|plan| matches!(plan, Plan::Store(index) if *index == stored_index))
                else {
                    continue;
                };
                let prepared = &batch[position].1;
                if let Err(error) = self.index.upsert(
                    candidate.seq,
                    &prepared.document.text,
                    &Facts::from_profile(&prepared.profile),
                ) {
                    // The store has it; the start-up check re-indexes it. Ranking works without
                    // the index; only keyword filters would miss this candidate until then.
                    tracing::error!(seq = candidate.seq, %error, "indexing failed after storing");
                }
                pool.upsert(
                    candidate.seq,
                    candidate.id,
                    candidate.external_id.clone(),
                    prepared.features,
                );
            }
        }

        let stored_views: Vec<(CandidateView, Ingested)> = stored
            .into_iter()
            .map(|(candidate, upserted)| {
                let ingested = match upserted {
                    Upserted::Created => Ingested::Created,
                    Upserted::Replaced => Ingested::Replaced,
                };
                (CandidateView::from(candidate), ingested)
            })
            .collect();
        let sink = self
            .events
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(sink) = sink {
            for (candidate, _) in &stored_views {
                sink(
                    "candidate.parsed",
                    &serde_json::json!({"candidate_id": candidate.id, "external_id": candidate.external_id}),
                );
            }
        }
        let mut outcomes: Vec<(CandidateView, Ingested)> = Vec::with_capacity(plans.len());
        for plan in plans {
            let outcome = match plan {
                Plan::Duplicate(existing) => (*existing, Ingested::Duplicate),
                Plan::Store(index) => stored_views[index].clone(),
                Plan::DuplicateOfBatchItem(earlier) => {
                    (outcomes[earlier].0.clone(), Ingested::Duplicate)
                }
            };
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    /// Extracts and parses every upload in parallel on all cores, then stores those that were
    /// read in one transaction. One result per upload, in order.
    pub fn ingest_batch(&self, uploads: &[Upload<'_>]) -> Result<Vec<IngestOutcome>, EngineError> {
        use rayon::prelude::*;
        let prepared: Vec<Result<Prepared, EngineError>> = uploads
            .par_iter()
            .map(|upload| self.prepare(upload))
            .collect();
        let mut results: Vec<Option<IngestOutcome>> = Vec::with_capacity(uploads.len());
        let mut batch = Vec::new();
        let mut positions = Vec::new();
        for (position, (upload, prepared)) in uploads.iter().zip(prepared).enumerate() {
            match prepared {
                Ok(prepared) => {
                    batch.push((upload, prepared));
                    positions.push(position);
                    results.push(None);
                }
                Err(error) => results.push(Some(Err(error))),
            }
        }
        for (position, outcome) in positions.into_iter().zip(self.commit_batch(batch)?) {
            results[position] = Some(Ok(outcome));
        }
        Ok(results.into_iter().flatten().collect())
    }

    /// [`Engine::prepare`] then [`Engine::commit`].
    pub fn ingest(&self, upload: Upload<'_>) -> Result<(CandidateView, Ingested), EngineError> {
        let prepared = self.prepare(&upload)?;
        self.commit(&upload, prepared)
    }

    pub fn candidate(&self, id: &str) -> Result<CandidateView, EngineError> {
        let not_found = || EngineError::CandidateNotFound(id.to_owned());
        let uuid = Uuid::parse_str(id).map_err(|_| not_found())?;
        self.store
            .get_candidate(uuid)?
            .map(CandidateView::from)
            .ok_or_else(not_found)
    }

    /// The candidate as a blind reviewer sees it (no name, contact, photo or location).
    pub fn blind_candidate(&self, id: &str) -> Result<CandidateView, EngineError> {
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

    /// Erases a candidate: the store's row and original file, what other tables kept of it
    /// (run results, idempotent replays, webhook payloads, overrides, demographics: see the
    /// store's `erase_traces`), the in-memory features, and the index entry, whose segment is
    /// rewritten so that the resume's words leave the index files too.
    pub fn delete_candidate(&self, id: &str) -> Result<(), EngineError> {
        let not_found = || EngineError::CandidateNotFound(id.to_owned());
        let uuid = Uuid::parse_str(id).map_err(|_| not_found())?;
        {
            let _writing = self.writes.lock().unwrap_or_else(|p| p.into_inner());
            self.erase_locked(uuid)?.ok_or_else(not_found)?;
        }
        // Outside the write lock: uploads go on while the index is rewritten.
        self.purge_index();
        Ok(())
    }

    /// [`Engine::delete_candidate`]'s work, with the write lock held, the index left to purge.
    fn erase_locked(&self, id: Uuid) -> Result<Option<u64>, EngineError> {
        let Some(seq) = self.store.delete_candidate(id)? else {
            return Ok(None);
        };
        self.pool
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(seq);
        if let Err(error) = self.index.delete(seq) {
            tracing::error!(seq, %error, "removing from the index failed; repaired at next start");
        }
        Ok(Some(seq))
    }

    fn purge_index(&self) {
        if let Err(error) = self.index.purge_deleted() {
            // The document is deleted (no query finds it); only its bytes wait for a merge.
            tracing::error!(%error, "rewriting the index without erased documents failed");
        }
    }

    /// Erases every candidate not updated since `cutoff` (a retention period), each recorded
    /// in the audit log. Returns how many; the log line says how many, never who.
    pub fn erase_not_updated_since(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize, EngineError> {
        let expired = self.store.candidates_not_updated_since(cutoff)?;
        if expired.is_empty() {
            return Ok(0);
        }
        let mut erased = 0;
        {
            let _writing = self.writes.lock().unwrap_or_else(|p| p.into_inner());
            for id in expired {
                if self.erase_locked(id)?.is_some() {
                    erased += 1;
                    self.audit(
                        crate::audit::AuditEvent::new(
                            crate::audit::Action::CandidateErasedByRetention,
                            crate::audit::SYSTEM_CALLER,
                        )
                        .candidates([id]),
                    )?;
                }
            }
        }
        self.purge_index();
        tracing::info!(
            erased,
            "retention: erased candidates past the retention period"
        );
        Ok(erased)
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

    /// A page of the audit log, after the entry `cursor` (a seq).
    pub fn audit_page(
        &self,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<crate::audit::AuditEntry>, Option<String>), EngineError> {
        let after = match cursor {
            Some(text) => text.parse::<u64>().map_err(|_| EngineError::BadCursor)?,
            None => 0,
        };
        Ok(self.store.audit_page(after, limit.clamp(1, 1000))?)
    }

    /// Records a recruiter's verdict on one requirement of a role for one candidate.
    pub fn put_override(
        &self,
        role_id: &str,
        candidate_id: &str,
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
        Ok(self
            .store
            .put_override(role_id, candidate_id, requirement_id, verdict, reason, by)?)
    }

    pub fn delete_override(
        &self,
        role_id: &str,
        candidate_id: &str,
        requirement_id: &str,
    ) -> Result<(), EngineError> {
        let role = self.role(role_id)?;
        self.check_override_target(&role, candidate_id, requirement_id)?;
        if !self
            .store
            .delete_override(role_id, candidate_id, requirement_id)?
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
        candidate_id: &str,
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
        candidate_id: &str,
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
        Ok(self.store.put_demographics(candidate_id, groups)?)
    }

    pub fn record_idempotent_response(
        &self,
        key: &str,
        response: &IdempotentResponse,
    ) -> Result<(), EngineError> {
        Ok(self.store.put_idempotent(key, response)?)
    }

    /// The store, for the task queues (runs, webhooks) that keep their state beside it.
    pub fn store(&self) -> &SqliteStore {
        &self.store
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

    pub fn roles(&self) -> Vec<Role> {
        let roles = self.roles.read().unwrap_or_else(|p| p.into_inner());
        roles
            .values()
            .map(|compiled| compiled.role.clone())
            .collect()
    }

    pub fn role(&self, id: &str) -> Result<Role, EngineError> {
        let roles = self.roles.read().unwrap_or_else(|p| p.into_inner());
        roles
            .get(id)
            .map(|compiled| compiled.role.clone())
            .ok_or_else(|| EngineError::RoleNotFound(id.to_owned()))
    }

    /// Creates or replaces a role. Rankings use it at once; nothing is re-indexed.
    pub fn put_role(&self, id: &str, role: Role) -> Result<(Role, Upserted), EngineError> {
        if role.id != id {
            return Err(EngineError::InvalidRole(format!(
                "the role's id {:?} differs from the id in the path {id:?}",
                role.id
            )));
        }
        role.validate()?;
        let scorer = Arc::new(Scorer::compile(&role)?);
        let upserted = self.store.put_role(&role)?;
        self.roles
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                role.id.clone(),
                CompiledRole {
                    role: role.clone(),
                    scorer: Ok(scorer),
                },
            );
        Ok((role, upserted))
    }

    /// Recruiters' overrides under a role: the slot overrides the scorer applies, and each
    /// override by candidate seq for the explanations.
    fn role_overrides(
        &self,
        role: &Role,
        pool: &Pool,
    ) -> Result<(Arc<score::SlotOverrides>, OverridesBySeq), EngineError> {
        let stored = self.store.overrides_for_role(&role.id)?;
        let mut slots = score::SlotOverrides::default();
        let mut by_seq: OverridesBySeq = HashMap::new();
        for (seq, decided) in stored {
            // An override of a requirement the role no longer has is kept but not applied.
            let Some(index) = role
                .requirements
                .iter()
                .position(|r| r.id == decided.requirement_id)
            else {
                continue;
            };
            if let Some(&slot) = pool.slot_by_seq.get(&seq) {
                slots.insert(slot, index, decided.verdict);
            }
            by_seq.entry(seq).or_default().push(decided);
        }
        Ok((Arc::new(slots), by_seq))
    }

    pub fn delete_role(&self, id: &str) -> Result<(), EngineError> {
        if !self.store.delete_role(id)? {
            return Err(EngineError::RoleNotFound(id.to_owned()));
        }
        self.roles
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        Ok(())
    }

    pub fn draft_role(&self, text: &str) -> Role {
        role::draft(text)
    }

    /// Ranks every live candidate against the role: one parallel scoring pass over the
    /// in-memory features, then explanations for the returned page only.
    pub fn rank(&self, role_id: &str, query: &RankQuery) -> Result<RankingPage, EngineError> {
        let _timer = crate::telemetry::Timer::start(&crate::telemetry::engine_timings().rank);
        let (role, scorer) = {
            let roles = self.roles.read().unwrap_or_else(|p| p.into_inner());
            let compiled = roles
                .get(role_id)
                .ok_or_else(|| EngineError::RoleNotFound(role_id.to_owned()))?;
            let scorer = compiled
                .scorer
                .as_ref()
                .map_err(|reason| EngineError::RoleDisabled(role_id.to_owned(), reason.clone()))?;
            (compiled.role.clone(), Arc::clone(scorer))
        };
        self.rank_compiled(&role, scorer, query)
    }

    /// Ranks every live candidate against a role given by the caller and not stored (the web
    /// page's unsaved edits), validated exactly as [`Engine::put_role`] validates a role. The
    /// page carries `role.id` as given.
    pub fn rank_unsaved(&self, role: &Role, query: &RankQuery) -> Result<RankingPage, EngineError> {
        role.validate()?;
        let scorer = Arc::new(Scorer::compile(role)?);
        self.rank_compiled(role, scorer, query)
    }

    /// The ranking itself, shared by stored and unsaved roles so that both score alike.
    fn rank_compiled(
        &self,
        role: &Role,
        scorer: Arc<Scorer>,
        query: &RankQuery,
    ) -> Result<RankingPage, EngineError> {
        let role_id = role.id.as_str();
        let cursor = match &query.cursor {
            Some(text) => Some(Cursor::decode(text).ok_or(EngineError::BadCursor)?),
            None => None,
        };
        let matching: Option<HashSet<u64>> = match &query.q {
            Some(q) if !q.trim().is_empty() => Some(self.index.matching_seqs(q)?),
            _ => None,
        };
        let allowed: Option<HashSet<u64>> = match (matching, &query.only_seqs) {
            (Some(matching), Some(only)) => Some(matching.intersection(only).copied().collect()),
            (Some(matching), None) => Some(matching),
            (None, Some(only)) => Some(only.as_ref().clone()),
            (None, None) => None,
        };
        let limit = query.limit.clamp(1, MAX_PAGE_SIZE);

        let (page, scorer, overrides) = {
            let pool = self.pool.read().unwrap_or_else(|p| p.into_inner());
            // Keyword requirements (and skills outside the vocabulary) are answered by the
            // index: compiled now, against the current pool, so that every upload counts.
            let scorer = if scorer.queries().next().is_some() {
                let mut resolve = |query: &str| -> Result<SlotSet, RoleError> {
                    let seqs = self
                        .index
                        .matching_seqs(query)
                        .map_err(|e| RoleError::Invalid(format!("query {query:?}: {e}")))?;
                    let mut slots = SlotSet::with_capacity(pool.seqs.len());
                    for seq in seqs {
                        if let Some(&slot) = pool.slot_by_seq.get(&seq) {
                            slots.insert(slot);
                        }
                    }
                    Ok(slots)
                };
                Arc::new(Scorer::compile_with(role, &mut resolve)?)
            } else {
                scorer
            };
            let (slot_overrides, overrides) = self.role_overrides(role, &pool)?;
            let scorer = if slot_overrides.is_empty() {
                scorer
            } else {
                Arc::new(scorer.with_overrides(slot_overrides))
            };
            let page = score::rank(
                &scorer,
                &pool.features,
                &pool.seqs,
                &score::RankFilter {
                    live: &pool.live,
                    allowed_seqs: allowed.as_ref(),
                    must_haves_only: query.must_haves_only,
                    min_score: query.min_score,
                },
                cursor.map(|c| (c.score, c.seq)),
                limit,
            );
            (page, scorer, overrides)
        };

        let seqs: Vec<u64> = page.hits.iter().map(|hit| hit.seq).collect();
        let stored: HashMap<u64, StoredCandidate> = self
            .store
            .get_candidates_by_seq(&seqs)?
            .into_iter()
            .map(|candidate| (candidate.seq, candidate))
            .collect();
        let mut results = Vec::with_capacity(page.hits.len());
        for (offset, hit) in page.hits.iter().enumerate() {
            // A candidate deleted between scoring and this read is left out of the page.
            let Some(candidate) = stored.get(&hit.seq) else {
                continue;
            };
            let mut requirements =
                scorer.explain_in(&candidate.profile, Some(&candidate.text), Some(hit.slot));
            for decided in overrides.get(&hit.seq).into_iter().flatten() {
                if let Some(result) = requirements
                    .iter_mut()
                    .find(|r| r.id == decided.requirement_id)
                {
                    let computed = result.verdict;
                    result.score =
                        (score::overridden_credit(decided.verdict, result.score) * 100.0).round()
                            / 100.0;
                    result.verdict = decided.verdict;
                    result.overridden = Some(decided.note(computed));
                }
            }
            if query.blind {
                let identifying = crate::blind::Identifying::of(&candidate.profile);
                for requirement in &mut requirements {
                    for quote in &mut requirement.evidence {
                        *quote = crate::blind::redact_text(quote, &identifying);
                    }
                    for quote in &mut requirement.quotes {
                        quote.text = crate::blind::redact_text(&quote.text, &identifying);
                    }
                }
            }
            results.push(RankedCandidate {
                candidate_id: candidate.id,
                external_id: candidate.external_id.clone(),
                // Blind review: no name, and no file name (it often carries the name).
                display_name: (!query.blind)
                    .then(|| candidate.profile.contact.name.clone())
                    .flatten(),
                file_name: (!query.blind)
                    .then(|| candidate.file_name.clone())
                    .flatten(),
                rank: page.ranked_before + offset + 1,
                score: hit.score,
                must_haves_met: hit.must_haves_met,
                requirements,
            });
        }
        let next_cursor = match page.hits.last() {
            Some(last) if page.ranked_before + page.hits.len() < page.total => Some(
                Cursor {
                    score: last.score,
                    seq: last.seq,
                }
                .encode(),
            ),
            _ => None,
        };
        debug_assert!(
            page.hits
                .windows(2)
                .all(|w| ranks_before((w[0].score, w[0].seq), (w[1].score, w[1].seq)))
        );
        Ok(RankingPage {
            role_id: role_id.to_owned(),
            role_version_hash: crate::audit::role_version_hash(role),
            total: page.total,
            results,
            next_cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor {
            score: 87.25,
            seq: 42,
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("not a cursor"), None);
        assert_eq!(
            Cursor::decode("ffffffff0000000000000001"),
            None,
            "NaN scores are refused"
        );
        assert_eq!(Cursor::decode("é"), None);
    }
}
