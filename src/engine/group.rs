//! Group commit for single uploads (`POST /v1/candidates`). Uploads are extracted and parsed
//! in parallel (see [`super::ingest`]), then wait here to be made durable together: one store
//! transaction, one WAL sync and one round of file syncs for whatever arrived while the
//! previous group was being written, each upload answered only once its group is durable and
//! in the pool (so rankable at once). One commit per upload paid a sync or four per upload
//! (file, directory, row, audit entry), one after the other under the write lock: on a 2-core
//! machine single uploads topped out near 230/s while the cores waited on the disk.
//!
//! The pattern is a WAL group commit with no thread of its own: a waiter that finds no leader
//! becomes it, takes what is queued (at most [`MAX_GROUP`]), commits it through the batch
//! path (`commit_batch_audited`: the same duplicate planning, external-id replacement, index
//! and pool updates as a batch, and each upload's audit entry in the same transaction), hands
//! every waiter its outcome and steps down; a waiter still without an outcome leads the next
//! group. The queue holds at most [`CAPACITY`] uploads; past that a submitter waits for room
//! (the API answers `503 overloaded` well before, see `src/api/admission.rs`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use chrono::NaiveDate;

use super::{CandidateView, Engine, EngineError, Ingested, Prepared, Upload};
use crate::store::StoreError;

/// The most uploads one group commits: enough to spread a sync over many uploads, few enough
/// that the first of them does not wait long behind the last one's row and file.
const MAX_GROUP: usize = 128;
/// The most uploads waiting for a group at once: a bound on the memory they hold.
const CAPACITY: usize = 1024;

/// An upload that owns its bytes, so that the thread of another request can commit it.
#[derive(Debug, Clone, Default)]
pub struct OwnedUpload {
    pub bytes: Vec<u8>,
    pub file_name: Option<String>,
    pub external_id: Option<String>,
    pub document_date: Option<NaiveDate>,
    pub batch_id: Option<String>,
    pub tenant: crate::tenant::Tenant,
}

impl OwnedUpload {
    pub fn borrowed(&self) -> Upload<'_> {
        Upload {
            bytes: &self.bytes,
            file_name: self.file_name.as_deref(),
            external_id: self.external_id.as_deref(),
            document_date: self.document_date,
            batch_id: self.batch_id.as_deref(),
            tenant: self.tenant.clone(),
        }
    }
}

type Outcome = Result<(CandidateView, Ingested), EngineError>;

/// One upload waiting for its group.
struct Waiting {
    ticket: u64,
    upload: Arc<OwnedUpload>,
    prepared: Prepared,
    /// Who the audit entry names if the upload is stored (`None`: no entry).
    caller: Option<String>,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Waiting>,
    /// Outcomes of committed uploads, until their waiters take them.
    done: HashMap<u64, Outcome>,
    leading: bool,
    next_ticket: u64,
}

/// The uploads waiting to be committed, and whether a leader is committing.
#[derive(Default)]
pub(super) struct GroupCommit {
    queue: Mutex<Queue>,
    /// Signalled when outcomes arrive, a leader steps down, or room is made.
    changed: Condvar,
}

/// Steps the leader down even if committing panicked, so that the queue never stalls: the
/// uploads of a group that did not finish get an error rather than a wait without end.
struct Leading<'a> {
    group: &'a GroupCommit,
    tickets: Vec<u64>,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        let mut queue = self.group.lock();
        for ticket in self.tickets.drain(..) {
            queue.done.entry(ticket).or_insert_with(|| {
                Err(EngineError::Store(StoreError::Corrupt(
                    "the group commit stopped unexpectedly".into(),
                )))
            });
        }
        queue.leading = false;
        drop(queue);
        self.group.changed.notify_all();
    }
}

impl GroupCommit {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn wait<'a>(&self, queue: MutexGuard<'a, Queue>) -> MutexGuard<'a, Queue> {
        self.changed.wait(queue).unwrap_or_else(|p| p.into_inner())
    }
}

fn only(mut outcomes: Vec<(CandidateView, Ingested)>) -> Outcome {
    outcomes.pop().ok_or_else(|| {
        EngineError::Store(StoreError::Corrupt("a committed upload vanished".into()))
    })
}

impl Engine {
    /// Stores a prepared upload as part of a group (see the module doc) and returns once the
    /// group is durable and the upload rankable, with the outcome [`Engine::commit`] would
    /// give. When `caller` is given and the upload is stored (created or replaced), its audit
    /// entry is written in the same transaction.
    pub fn commit_grouped(
        &self,
        upload: Arc<OwnedUpload>,
        prepared: Prepared,
        caller: Option<String>,
    ) -> Result<(CandidateView, Ingested), EngineError> {
        let group = &self.group;
        let mut queue = group.lock();
        while queue.waiting.len() >= CAPACITY {
            queue = group.wait(queue);
        }
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        queue.waiting.push_back(Waiting {
            ticket,
            upload,
            prepared,
            caller,
        });
        loop {
            if let Some(outcome) = queue.done.remove(&ticket) {
                return outcome;
            }
            if queue.leading || queue.waiting.is_empty() {
                queue = group.wait(queue);
                continue;
            }
            queue.leading = true;
            let take = queue.waiting.len().min(MAX_GROUP);
            let members: Vec<Waiting> = queue.waiting.drain(..take).collect();
            drop(queue);
            // Room was made for submitters waiting for it.
            group.changed.notify_all();
            let mut leading = Leading {
                group,
                tickets: members.iter().map(|member| member.ticket).collect(),
            };
            let outcomes = self.commit_members(&members);
            {
                let mut queue = group.lock();
                let mut outcomes = outcomes.into_iter();
                for member in &members {
                    let outcome = outcomes.next().unwrap_or_else(|| {
                        Err(EngineError::Store(StoreError::Corrupt(
                            "a group commit lost an upload".into(),
                        )))
                    });
                    queue.done.insert(member.ticket, outcome);
                }
                leading.tickets.clear();
            }
            // Steps down and wakes the waiters (`Leading::drop`).
            drop(leading);
            drop(members);
            queue = group.lock();
        }
    }

    /// Commits one group, one outcome per member, in order. When the group fails as a whole
    /// (a full disk, a constraint), each upload is tried alone, so that one upload's failure is
    /// not every waiter's.
    fn commit_members(&self, members: &[Waiting]) -> Vec<Outcome> {
        let uploads: Vec<Upload<'_>> = members.iter().map(|m| m.upload.borrowed()).collect();
        let callers: Vec<Option<String>> = members.iter().map(|m| m.caller.clone()).collect();
        let batch: Vec<(&Upload<'_>, &Prepared)> = uploads
            .iter()
            .zip(members.iter().map(|m| &m.prepared))
            .collect();
        match self.commit_batch_audited(&batch, &callers) {
            Ok(outcomes) if outcomes.len() == members.len() => {
                outcomes.into_iter().map(Ok).collect()
            }
            Ok(_) => members
                .iter()
                .map(|_| {
                    Err(EngineError::Store(StoreError::Corrupt(
                        "a group commit lost an upload".into(),
                    )))
                })
                .collect(),
            Err(error) if members.len() == 1 => vec![Err(error)],
            Err(error) => {
                tracing::warn!(
                    %error,
                    uploads = members.len(),
                    "a group commit failed; committing its uploads one by one"
                );
                batch
                    .iter()
                    .zip(&callers)
                    .map(|(item, caller)| {
                        self.commit_batch_audited(
                            std::slice::from_ref(item),
                            std::slice::from_ref(caller),
                        )
                        .and_then(only)
                    })
                    .collect()
            }
        }
    }
}
