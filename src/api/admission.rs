//! Admission control: how much document work the server takes on at once.
//!
//! Reading a document (extraction and parsing) is CPU work that can also inflate a small upload
//! into hundreds of megabytes (a zip of large files, a PDF of compressed streams). Without a
//! bound, sixteen uploads at once on two cores all ran past their time budget together, and six
//! zip batches at once held 3.6 GB. So:
//!
//! - **CPU.** One permit per core. An upload waits for a permit in a bounded queue; its time
//!   budget starts when its work starts, so waiting never makes a valid resume "too complex".
//!   Past the queue's length, or after waiting `queue_wait`, the answer is `503 overloaded` with
//!   `Retry-After`: the client's request is fine and will succeed later.
//! - **Memory.** A budget of bytes in flight: each request reserves what it will hold (the
//!   upload, and for archives the most they may inflate to) before it unpacks or reads anything.
//!   A request larger than the whole budget reserves the whole budget, so it runs alone. A
//!   single upload keeps its share until it is stored, not only while it is read: its bytes and
//!   profile wait in the engine's group commit.
//! - **Commits.** A read upload gives its core back and waits for a commit slot (`max_queued`
//!   of them): when the disk falls behind the cores, uploads wait here, and past `max_queued`
//!   waiting (or after `queue_wait`) get `503 overloaded`, as for the cores.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::ApiError;

/// The granule of the memory budget: semaphores count permits, not bytes.
const MEMORY_UNIT: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct AdmissionSettings {
    /// Documents read at once (one per core by default).
    pub workers: usize,
    /// Requests that may wait for a worker before the next is answered 503.
    pub max_queued: usize,
    /// The longest a request waits for a worker or for memory before it is answered 503.
    pub queue_wait: Duration,
    /// Bytes that document work may hold at once, across every request.
    pub max_inflight_bytes: usize,
}

impl Default for AdmissionSettings {
    fn default() -> Self {
        Self {
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            max_queued: 64,
            queue_wait: Duration::from_secs(30),
            max_inflight_bytes: 1024 * 1024 * 1024,
        }
    }
}

pub struct Admission {
    settings: AdmissionSettings,
    workers: Arc<Semaphore>,
    waiting: AtomicUsize,
    commits: Arc<Semaphore>,
    waiting_to_commit: AtomicUsize,
    memory: Arc<Semaphore>,
    memory_units: u32,
}

/// What a request holds while its document work runs; dropping it frees the worker and memory.
/// It is moved into the blocking task, so a task that outlives its request's time budget keeps
/// its share until it really ends.
#[derive(Debug)]
pub struct Admitted {
    _worker: Option<OwnedSemaphorePermit>,
    _memory: OwnedSemaphorePermit,
}

impl Admitted {
    /// Gives the worker back once the document is read, keeping the memory until the upload is
    /// stored.
    pub fn release_worker(&mut self) {
        self._worker = None;
    }
}

/// A place among the uploads being committed; dropping it frees the place.
#[derive(Debug)]
pub struct Committing(#[allow(dead_code)] OwnedSemaphorePermit);

impl Admission {
    pub fn new(settings: AdmissionSettings) -> Self {
        let memory_units = (settings.max_inflight_bytes / MEMORY_UNIT).clamp(1, u32::MAX as usize);
        Self {
            workers: Arc::new(Semaphore::new(settings.workers.max(1))),
            waiting: AtomicUsize::new(0),
            commits: Arc::new(Semaphore::new(settings.max_queued.max(1))),
            waiting_to_commit: AtomicUsize::new(0),
            memory: Arc::new(Semaphore::new(memory_units)),
            memory_units: memory_units as u32,
            settings,
        }
    }

    /// Uploads waiting for a worker now (the metrics' queue depth).
    pub fn queued(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// Reserves `bytes` of the memory budget, then a worker: what a single upload needs.
    pub async fn document(&self, bytes: usize) -> Result<Admitted, ApiError> {
        let memory = self.memory(bytes).await?;
        let worker = self.worker().await?;
        Ok(Admitted {
            _worker: Some(worker),
            _memory: memory,
        })
    }

    /// Reserves `bytes` of the memory budget only: a batch, whose documents are then read on the
    /// shared parallel pool (itself one thread per core).
    pub async fn batch(&self, bytes: usize) -> Result<Admitted, ApiError> {
        Ok(Admitted {
            _worker: None,
            _memory: self.memory(bytes).await?,
        })
    }

    /// A place among the uploads being committed (see the module doc), for a read upload.
    pub async fn commit(&self) -> Result<Committing, ApiError> {
        self.queue_for(&self.commits, &self.waiting_to_commit)
            .await
            .map(Committing)
    }

    async fn worker(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.queue_for(&self.workers, &self.waiting).await
    }

    /// A permit of `permits`, waiting in a queue bounded by length (`waiting` counts it) and by
    /// time.
    async fn queue_for(
        &self,
        permits: &Arc<Semaphore>,
        waiting: &AtomicUsize,
    ) -> Result<OwnedSemaphorePermit, ApiError> {
        if let Ok(permit) = Arc::clone(permits).try_acquire_owned() {
            return Ok(permit);
        }
        // Counted while waiting: the queue is bounded by length as well as by time.
        let queued = waiting.fetch_add(1, Ordering::AcqRel);
        let _leave = Leave(waiting);
        if queued >= self.settings.max_queued {
            return Err(ApiError::overloaded("uploads"));
        }
        match tokio::time::timeout(
            self.settings.queue_wait,
            Arc::clone(permits).acquire_owned(),
        )
        .await
        {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::overloaded("uploads")),
        }
    }

    async fn memory(&self, bytes: usize) -> Result<OwnedSemaphorePermit, ApiError> {
        let units = (bytes.div_ceil(MEMORY_UNIT)).clamp(1, self.memory_units as usize) as u32;
        match tokio::time::timeout(
            self.settings.queue_wait,
            Arc::clone(&self.memory).acquire_many_owned(units),
        )
        .await
        {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::overloaded("large uploads")),
        }
    }
}

struct Leave<'a>(&'a AtomicUsize);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admission(workers: usize, max_queued: usize, wait_ms: u64, mib: usize) -> Admission {
        Admission::new(AdmissionSettings {
            workers,
            max_queued,
            queue_wait: Duration::from_millis(wait_ms),
            max_inflight_bytes: mib * MEMORY_UNIT,
        })
    }

    #[tokio::test]
    async fn past_the_queue_or_the_wait_requests_get_503_with_retry_after() {
        let admission = Arc::new(admission(1, 1, 200, 100));
        let first = admission.document(10).await.expect("a free worker");
        // One waits in the queue; the next finds the queue full at once.
        let waiting = {
            let admission = Arc::clone(&admission);
            tokio::spawn(async move { admission.document(10).await.map(|_| ()) })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let refused = admission.document(10).await.expect_err("queue full");
        assert_eq!(refused.status().as_u16(), 503);
        assert_eq!(refused.code.as_str(), "overloaded");
        assert_eq!(refused.retry_after, Some(2));
        // The queued one times out while the worker stays busy.
        let timed_out = waiting.await.unwrap().expect_err("waited too long");
        assert_eq!(timed_out.status().as_u16(), 503);
        drop(first);
        admission.document(10).await.expect("free again");
    }

    #[tokio::test]
    async fn past_the_commit_queue_uploads_get_503_and_a_freed_place_is_taken() {
        // Two places being committed, two waiting for one; the fifth is refused at once.
        let admission = Arc::new(admission(1, 2, 300, 100));
        let first = admission.commit().await.expect("a free place");
        let _second = admission.commit().await.expect("a free place");
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let admission = Arc::clone(&admission);
                tokio::spawn(async move {
                    // Held past the other's wait, so that only one of them is served.
                    let place = admission.commit().await?;
                    tokio::time::sleep(Duration::from_millis(600)).await;
                    drop(place);
                    Ok(())
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let refused = admission.commit().await.expect_err("queue full");
        assert_eq!(refused.status().as_u16(), 503);
        assert_eq!(refused.code, crate::error_code::Code::Overloaded);
        assert!(refused.retry_after.is_some());
        drop(first);
        let outcomes: Vec<bool> = futures_outcomes(waiters).await;
        assert_eq!(
            outcomes.iter().filter(|ok| **ok).count(),
            1,
            "the freed place went to one waiter, the other timed out: {outcomes:?}"
        );
    }

    async fn futures_outcomes(
        tasks: Vec<tokio::task::JoinHandle<Result<(), ApiError>>>,
    ) -> Vec<bool> {
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.unwrap().is_ok());
        }
        outcomes
    }

    #[tokio::test]
    async fn the_memory_budget_holds_requests_until_memory_is_freed() {
        let admission = Arc::new(admission(4, 10, 300, 100));
        let big = admission.batch(80 * MEMORY_UNIT).await.unwrap();
        assert!(
            admission.batch(30 * MEMORY_UNIT).await.is_err(),
            "over budget"
        );
        let later = {
            let admission = Arc::clone(&admission);
            tokio::spawn(async move { admission.batch(30 * MEMORY_UNIT).await.map(|_| ()) })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(big);
        later
            .await
            .unwrap()
            .expect("admitted once memory was freed");
        // Larger than the whole budget: takes the whole budget, runs alone.
        admission.batch(500 * MEMORY_UNIT).await.expect("capped");
    }
}
