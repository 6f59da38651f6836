//! The write side: whatever changes the store, the index and the in-memory pool together, under
//! the engine's one write lock (duplicate planning and the durable commit of uploads, erasure),
//! and the thread that commits the index in the background. Its own room because its ordering
//! (the store durable first, then the derived index and pool) is what crash safety rests on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use super::{CandidateView, Engine, EngineError, Ingested, Prepared, Upload};
use crate::audit::{Action, AuditEvent};
use crate::ids::CandidateId;
use crate::index::{Facts, SearchIndex};
use crate::store::{NewCandidate, StoreError, Upserted, sha256_hex};

/// Set to "1" on a clean shutdown (index fully committed), "0" while running.
const INDEX_CLEAN_KEY: &str = "index_clean_shutdown";

/// Where the flag "the index was shut down cleanly" is kept: in `meta` for a store only this
/// process writes (SQLite), in the data directory beside the index for a shared one
/// (PostgreSQL): each node has its own index, and one node's clean shutdown vouches for no
/// other's.
pub(super) enum CleanMarker {
    Meta,
    File(std::path::PathBuf),
}

impl CleanMarker {
    pub(super) fn for_store(
        store: &dyn crate::store::Store,
        data_dir: &std::path::Path,
    ) -> Result<CleanMarker, StoreError> {
        Ok(match store.change_feed_position()? {
            Some(_) => CleanMarker::File(data_dir.join("index-clean")),
            None => CleanMarker::Meta,
        })
    }

    pub(super) fn is_set(&self, store: &dyn crate::store::Store) -> Result<bool, StoreError> {
        Ok(match self {
            CleanMarker::Meta => store.get_meta(INDEX_CLEAN_KEY)?.as_deref() == Some("1"),
            CleanMarker::File(path) => path.is_file(),
        })
    }

    /// The change feed position the index had applied at its clean shutdown (a shared store
    /// only): a node restarting replays the changes after it, so that a candidate replaced
    /// while it was down (same seq, new text) is indexed anew.
    pub(super) fn applied_position(&self) -> Option<u64> {
        match self {
            CleanMarker::Meta => None,
            CleanMarker::File(path) => std::fs::read_to_string(path).ok()?.trim().parse().ok(),
        }
    }

    /// Records a clean shutdown (`clean`, with the feed position applied) or its absence.
    pub(super) fn set(
        &self,
        store: &dyn crate::store::Store,
        clean: bool,
        position: Option<u64>,
    ) -> Result<(), StoreError> {
        match self {
            CleanMarker::Meta => store.set_meta(INDEX_CLEAN_KEY, if clean { "1" } else { "0" }),
            CleanMarker::File(path) if clean => Ok(std::fs::write(
                path,
                position.map(|p| p.to_string()).unwrap_or_default(),
            )?),
            CleanMarker::File(path) => match std::fs::remove_file(path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error.into()),
                _ => Ok(()),
            },
        }
    }
}
/// How often pending index writes are committed when no query forces it sooner.
const INDEX_COMMIT_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);

/// Commits index writes in the background until told to stop (by the engine's `Drop`, which
/// joins it, so that nothing holds the index, and tantivy's writer lock, after the engine).
pub(super) struct IndexCommitter {
    stop: Arc<(Mutex<bool>, std::sync::Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl IndexCommitter {
    pub(super) fn start(index: std::sync::Weak<SearchIndex>) -> IndexCommitter {
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
                // On a thread of its own: the last reference may be dropped inside an async
                // task (a test's, an HTTP worker's), where a PostgreSQL client cannot block.
                let recorded = std::thread::scope(|scope| {
                    scope
                        .spawn(|| {
                            let applied = *self.feed.lock().unwrap_or_else(|p| p.into_inner());
                            // A node that missed pruned changes vouches for nothing: its next
                            // start rebuilds the index.
                            let clean = !self.fell_behind_the_feed();
                            self.clean_marker.set(self.store.as_ref(), clean, applied)
                        })
                        .join()
                });
                match recorded {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => {
                        tracing::error!(%error, "cannot record the clean shutdown")
                    }
                    Err(_) => tracing::error!("recording the clean shutdown panicked"),
                }
            }
            Err(error) => {
                tracing::error!(%error, "final index commit failed; rebuilt at next start")
            }
        }
    }
}

impl Engine {
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
        let batch: Vec<(&Upload<'_>, &Prepared)> = batch
            .iter()
            .map(|(upload, prepared)| (*upload, prepared))
            .collect();
        self.commit_batch_audited(&batch, &[])
    }

    /// [`Engine::commit_batch`], with an audit entry in the same transaction for each upload
    /// stored (created or replaced) whose caller is given: `callers[i]` for `batch[i]`, none
    /// when missing. The group commit's path: one sync covers the uploads and their entries.
    pub(super) fn commit_batch_audited(
        &self,
        batch: &[(&Upload<'_>, &Prepared)],
        callers: &[Option<String>],
    ) -> Result<Vec<(CandidateView, Ingested)>, EngineError> {
        let writing = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        // Each item is either a duplicate of a stored candidate (or of an earlier item of this
        // batch), or goes to the store.
        enum Plan {
            Duplicate(Box<CandidateView>),
            DuplicateOfBatchItem(usize),
            Store(usize),
        }
        let mut plans = Vec::with_capacity(batch.len());
        // The batch position of each upload sent to the store, in the store's order.
        let mut stored_positions = Vec::new();
        let mut to_store = Vec::new();
        let mut first_with_bytes: HashMap<(crate::tenant::Tenant, String), usize> = HashMap::new();
        // Stored beside each candidate for the next start-up (see `store/pool.rs`).
        let encoded: Vec<Vec<u8>> = batch
            .iter()
            .map(|(_, prepared)| prepared.features.to_bytes())
            .collect();
        for (position, (upload, prepared)) in batch.iter().enumerate() {
            // Hashed once here: the duplicate check and the store's file name both use it.
            let sha256 = sha256_hex(upload.bytes);
            if upload.external_id.is_none() {
                if let Some(existing) = self.store.find_by_file(&sha256, &upload.tenant)? {
                    plans.push(Plan::Duplicate(Box::new(existing.into())));
                    continue;
                }
                // Per tenant: a group commit holds uploads of several callers.
                let key = (upload.tenant.clone(), sha256.clone());
                if let Some(&earlier) = first_with_bytes.get(&key) {
                    plans.push(Plan::DuplicateOfBatchItem(earlier));
                    continue;
                }
                first_with_bytes.insert(key, position);
            }
            plans.push(Plan::Store(to_store.len()));
            stored_positions.push(position);
            to_store.push(NewCandidate {
                external_id: upload.external_id,
                file_bytes: upload.bytes,
                file_sha256: sha256,
                file_name: upload.file_name,
                batch_id: upload.batch_id,
                tenant: &upload.tenant,
                media_type: prepared.document.media_type.mime(),
                profile: &prepared.profile,
                text: &prepared.document.text,
                features: &encoded[position],
            });
        }
        let stored = self
            .store
            .put_candidates_audited(&to_store, &mut |stored| {
                let mut events = Vec::new();
                for ((candidate, upserted), position) in stored.iter().zip(&stored_positions) {
                    let Some(Some(caller)) = callers.get(*position) else {
                        continue;
                    };
                    let action = match upserted {
                        Upserted::Created => Action::CandidateUploaded,
                        Upserted::Replaced => Action::CandidateReplaced,
                    };
                    events.push(
                        AuditEvent::new(action, caller)
                            .candidates([candidate.id])
                            .tenant(candidate.tenant.clone()),
                    );
                }
                events
            })?;
        drop(to_store);

        {
            let mut pool = self.pool.write().unwrap_or_else(|p| p.into_inner());
            for ((candidate, _), &position) in stored.iter().zip(&stored_positions) {
                let prepared = batch[position].1;
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
                    &candidate.tenant,
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
        // Announced outside the write lock: queuing webhook deliveries reads the store, and the
        // next group need not wait for it.
        drop(writing);
        let sink = self
            .events
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(sink) = sink
            && !stored_views.is_empty()
        {
            let parsed: Vec<serde_json::Value> = stored_views
                .iter()
                .map(|(candidate, _)| {
                    serde_json::json!({"candidate_id": candidate.id, "external_id": candidate.external_id})
                })
                .collect();
            sink("candidate.parsed", &parsed);
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

    /// Erases a candidate: the store's row and original file, what other tables kept of it
    /// (run results, idempotent replays, webhook payloads, overrides, demographics: see the
    /// store's `erase_traces`), the in-memory features, and the index entry, whose segment is
    /// rewritten so that the resume's words leave the index files too.
    pub fn delete_candidate(&self, id: CandidateId) -> Result<(), EngineError> {
        let not_found = || EngineError::CandidateNotFound(id.to_string());
        let uuid = id.as_uuid();
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

    pub(super) fn purge_index(&self) {
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
}
