//! Screening runs and their results in the store: the queue the run worker takes from, its
//! progress, and the results it saves (tables `runs` and `run_results`).
//!
//! The methods are named for what the worker and the API mean, not for SQL, so that another
//! store (PostgreSQL, for several nodes) implements the same steps. Claiming work is one atomic
//! step ([`RunStore::claim_next_run`]): with one SQLite connection behind a mutex that is one
//! transaction; in PostgreSQL it is `SELECT … FOR UPDATE SKIP LOCKED` inside the claiming
//! `UPDATE`.

use std::collections::HashSet;

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, StoreError, sha256_hex};
use crate::runs::{Progress, Run, RunResult, RunStatus, Selection};

/// A run as it is queued.
pub struct NewRun<'a> {
    pub id: &'a str,
    pub role_id: &'a str,
    pub selection: &'a Selection,
    /// The API key id of who started it, for the audit entry of its end.
    pub created_by: &'a str,
    /// Whose run it is: it ranks only this tenant's candidates.
    pub tenant: &'a crate::tenant::Tenant,
}

/// One ranked candidate of a run, as the worker saves it.
pub struct NewRunResult {
    pub rank: u64,
    pub candidate_id: String,
    pub external_id: Option<String>,
    /// As ranked (single precision): the erased form hashes this exact value.
    pub score: f32,
    pub must_haves_met: bool,
    /// The requirements' verdicts and evidence, as JSON.
    pub requirements: String,
}

pub trait RunStore {
    /// Queues a run (`enqueued`, created now).
    fn insert_run(&self, run: &NewRun<'_>) -> Result<(), StoreError>;
    fn get_run(&self, id: &str) -> Result<Option<Run>, StoreError>;
    /// `tenant`'s newest `limit` runs, newest first.
    fn list_runs(
        &self,
        limit: usize,
        tenant: &crate::tenant::Tenant,
    ) -> Result<Vec<Run>, StoreError>;
    /// Who started the run (an API key id); `None` for runs from before this was kept.
    fn run_created_by(&self, id: &str) -> Result<Option<String>, StoreError>;
    /// Asks a run to stop, atomically: an enqueued run is canceled at once, a processing one is
    /// flagged for its worker (who sees it in [`RunStore::record_run_progress`]); a finished run
    /// is left as it is.
    fn request_run_cancel(&self, id: &str) -> Result<(), StoreError>;
    /// Puts runs left `processing` by a stopped process back in the queue (scores are
    /// deterministic, so starting over gives the same outcome). Returns how many. With one
    /// process per store every `processing` run at start-up is such a run; a store shared by
    /// several nodes would requeue only runs whose worker's lease has expired.
    fn requeue_interrupted_runs(&self) -> Result<usize, StoreError>;
    /// Claims the oldest enqueued run, in one atomic step: it becomes `processing` (started
    /// now, phase `selecting`), results of an earlier attempt are removed, and it is returned.
    /// Two workers never claim the same run (PostgreSQL: the `UPDATE` picks its row with
    /// `FOR UPDATE SKIP LOCKED`, so a second worker skips it rather than waiting).
    fn claim_next_run(&self) -> Result<Option<Run>, StoreError>;
    /// Records a processing run's progress. Returns whether it was asked to stop.
    fn record_run_progress(
        &self,
        id: &str,
        phase: &str,
        done: u64,
        total: u64,
    ) -> Result<bool, StoreError>;
    /// Records the end of a run (finished now). False when this process no longer holds the
    /// run (PostgreSQL: its lease expired and another node took the run over): nothing was
    /// recorded, and the caller neither audits nor announces the end.
    fn finish_run(
        &self,
        id: &str,
        status: RunStatus,
        error: Option<&str>,
    ) -> Result<bool, StoreError>;
    /// Saves a chunk of results, all or none. A result whose candidate was deleted after it was
    /// ranked is saved erased, as the deletion would have left it.
    fn save_run_results(&self, run_id: &str, results: &[NewRunResult]) -> Result<(), StoreError>;
    /// The run's results after rank `after_rank`, by rank, at most `limit`, with how many it
    /// has in all. Each carries its candidate's name and file name while the candidate exists.
    fn run_results_page(
        &self,
        run_id: &str,
        after_rank: u64,
        limit: usize,
    ) -> Result<(u64, Vec<RunResult>), StoreError>;
    /// The seqs of the candidates a selection names (`None`: every candidate). Names that match
    /// no candidate are left out.
    fn selected_seqs(&self, selection: &Selection) -> Result<Option<HashSet<u64>>, StoreError>;
}

const RUN_COLUMNS: &str = "id, role_id, selection, status, phase, done, total, error, created_at,
     started_at, finished_at";

impl RunStore for SqliteStore {
    fn insert_run(&self, run: &NewRun<'_>) -> Result<(), StoreError> {
        let selection = serde_json::to_string(run.selection)
            .map_err(|e| StoreError::Corrupt(format!("selection cannot be encoded: {e}")))?;
        self.connection().execute(
            "INSERT INTO runs (id, role_id, selection, status, created_at, created_by, tenant)
             VALUES (?1, ?2, ?3, 'enqueued', ?4, ?5, ?6)",
            params![
                run.id,
                run.role_id,
                selection,
                Utc::now().to_rfc3339(),
                run.created_by,
                run.tenant.as_stored()
            ],
        )?;
        Ok(())
    }

    fn get_run(&self, id: &str) -> Result<Option<Run>, StoreError> {
        get_run(&self.connection(), id)
    }

    fn list_runs(
        &self,
        limit: usize,
        tenant: &crate::tenant::Tenant,
    ) -> Result<Vec<Run>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare(&format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE tenant = ?2 ORDER BY created_at DESC LIMIT ?1"
        ))?;
        let rows = statement
            .query_map(params![limit as i64, tenant.as_stored()], run_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    fn run_created_by(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .connection()
            .query_row(
                "SELECT created_by FROM runs WHERE id = ?1",
                params![id],
                |row| row.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten())
    }

    fn request_run_cancel(&self, id: &str) -> Result<(), StoreError> {
        self.connection().execute(
            "UPDATE runs SET cancel_requested = 1,
               status = CASE status WHEN 'enqueued' THEN 'canceled' ELSE status END,
               finished_at = CASE status WHEN 'enqueued' THEN ?2 ELSE finished_at END
             WHERE id = ?1 AND status IN ('enqueued', 'processing')",
            params![id, Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }

    fn requeue_interrupted_runs(&self) -> Result<usize, StoreError> {
        Ok(self.connection().execute(
            "UPDATE runs SET status = 'enqueued', phase = NULL, done = 0 WHERE status = 'processing'",
            [],
        )?)
    }

    fn claim_next_run(&self) -> Result<Option<Run>, StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let id: Option<String> = transaction
            .query_row(
                "SELECT id FROM runs WHERE status = 'enqueued' ORDER BY created_at, id LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()?;
        let Some(id) = id else {
            return Ok(None);
        };
        transaction.execute(
            "UPDATE runs SET status = 'processing', started_at = ?2, phase = 'selecting'
             WHERE id = ?1",
            params![id, Utc::now().to_rfc3339()],
        )?;
        transaction.execute("DELETE FROM run_results WHERE run_id = ?1", params![id])?;
        let run = get_run(&transaction, &id)?;
        transaction.commit()?;
        Ok(run)
    }

    fn record_run_progress(
        &self,
        id: &str,
        phase: &str,
        done: u64,
        total: u64,
    ) -> Result<bool, StoreError> {
        let cancel_requested: Option<i64> = self
            .connection()
            .query_row(
                "UPDATE runs SET phase = ?2, done = ?3, total = ?4 WHERE id = ?1
                 RETURNING cancel_requested",
                params![id, phase, done as i64, total as i64],
                |row| row.get(0),
            )
            .optional()?;
        Ok(cancel_requested.is_some_and(|flag| flag != 0))
    }

    fn finish_run(
        &self,
        id: &str,
        status: RunStatus,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
        // One process per database: the worker that claimed the run always still holds it.
        self.connection().execute(
            "UPDATE runs SET status = ?2, error = ?3, finished_at = ?4 WHERE id = ?1",
            params![id, status.as_str(), error, Utc::now().to_rfc3339()],
        )?;
        Ok(true)
    }

    fn save_run_results(&self, run_id: &str, results: &[NewRunResult]) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        {
            let mut insert = transaction.prepare_cached(
                "INSERT INTO run_results (run_id, rank, candidate_id, external_id, score, must_haves_met, requirements)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let mut insert_erased = transaction.prepare_cached(
                "INSERT INTO run_results (run_id, rank, candidate_id, external_id, score, must_haves_met,
                 requirements, erased_sha256) VALUES (?1, ?2, ?3, NULL, 0, 0, '[]', ?4)",
            )?;
            let mut exists =
                transaction.prepare_cached("SELECT 1 FROM candidates WHERE id = ?1")?;
            for result in results {
                if !exists.exists(params![result.candidate_id])? {
                    let as_it_was = serde_json::json!([
                        run_id,
                        result.rank,
                        result.candidate_id,
                        result.external_id,
                        result.score,
                        result.must_haves_met,
                        result.requirements
                    ]);
                    insert_erased.execute(params![
                        run_id,
                        result.rank as i64,
                        result.candidate_id,
                        sha256_hex(as_it_was.to_string().as_bytes())
                    ])?;
                    continue;
                }
                insert.execute(params![
                    run_id,
                    result.rank as i64,
                    result.candidate_id,
                    result.external_id,
                    result.score as f64,
                    result.must_haves_met,
                    result.requirements
                ])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    fn run_results_page(
        &self,
        run_id: &str,
        after_rank: u64,
        limit: usize,
    ) -> Result<(u64, Vec<RunResult>), StoreError> {
        let connection = self.connection();
        let total: i64 = connection.query_row(
            "SELECT COUNT(*) FROM run_results WHERE run_id = ?1",
            params![run_id],
            |r| r.get(0),
        )?;
        let mut statement = connection.prepare_cached(
            "SELECT r.rank, r.candidate_id, r.external_id, r.score, r.must_haves_met,
                    r.requirements, r.erased_sha256, json_extract(c.profile, '$.contact.name'),
                    c.file_name
             FROM run_results r LEFT JOIN candidates c ON c.id = r.candidate_id
             WHERE r.run_id = ?1 AND r.rank > ?2 ORDER BY r.rank LIMIT ?3",
        )?;
        let results = statement
            .query_map(
                params![run_id, after_rank as i64, limit as i64],
                result_from_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok((total as u64, results))
    }

    fn selected_seqs(&self, selection: &Selection) -> Result<Option<HashSet<u64>>, StoreError> {
        let connection = self.connection();
        let seqs = |sql: &str, keys: &[String]| -> Result<HashSet<u64>, StoreError> {
            let mut statement = connection.prepare_cached(sql)?;
            let mut found = HashSet::new();
            // Every match: an external id may name a candidate in each tenant (the run worker
            // keeps its run's tenant's).
            for key in keys {
                for seq in statement.query_map(params![key], |r| r.get::<_, i64>(0))? {
                    found.insert(seq? as u64);
                }
            }
            Ok(found)
        };
        Ok(match selection {
            Selection::All(_) => None,
            Selection::CandidateIds(ids) => {
                Some(seqs("SELECT seq FROM candidates WHERE id = ?1", ids)?)
            }
            Selection::ExternalIds(ids) => Some(seqs(
                "SELECT seq FROM candidates WHERE external_id = ?1",
                ids,
            )?),
            Selection::BatchId(batch) => {
                let mut statement =
                    connection.prepare("SELECT seq FROM candidates WHERE batch_id = ?1")?;
                let found = statement
                    .query_map(params![batch], |r| r.get::<_, i64>(0))?
                    .map(|seq| seq.map(|s| s as u64))
                    .collect::<Result<HashSet<u64>, _>>()?;
                Some(found)
            }
        })
    }
}

fn get_run(connection: &Connection, id: &str) -> Result<Option<Run>, StoreError> {
    connection
        .query_row(
            &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"),
            params![id],
            run_from_row,
        )
        .optional()?
        .transpose()
}

/// A row before its JSON and status are decoded: a corrupt row is an error that names the run.
fn run_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Run, StoreError>> {
    let selection: String = row.get(2)?;
    let status: String = row.get(3)?;
    let id: String = row.get(0)?;
    let selection = match serde_json::from_str(&selection) {
        Ok(selection) => selection,
        Err(e) => {
            return Ok(Err(StoreError::Corrupt(format!(
                "run {id}: stored selection: {e}"
            ))));
        }
    };
    let Some(status) = RunStatus::parse(&status) else {
        return Ok(Err(StoreError::Corrupt(format!(
            "run {id}: unknown status {status:?}"
        ))));
    };
    Ok(Ok(Run {
        id,
        role_id: row.get(1)?,
        selection,
        status,
        progress: Progress {
            phase: row.get(4)?,
            done: row.get::<_, i64>(5)? as u64,
            total: row.get::<_, i64>(6)? as u64,
        },
        error: row.get(7)?,
        created_at: row.get(8)?,
        started_at: row.get(9)?,
        finished_at: row.get(10)?,
    }))
}

fn result_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RunResult> {
    let requirements: String = row.get(5)?;
    Ok(RunResult {
        rank: row.get::<_, i64>(0)? as u64,
        candidate_id: row.get(1)?,
        external_id: row.get(2)?,
        display_name: row.get(7)?,
        file_name: row.get(8)?,
        score: row.get(3)?,
        must_haves_met: row.get(4)?,
        requirements: serde_json::from_str(&requirements).unwrap_or(serde_json::Value::Null),
        erased: row.get::<_, Option<String>>(6)?.is_some(),
        erased_sha256: row.get(6)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_claimed_once_and_sees_its_cancellation() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::testing::open_test_store(dir.path());
        for id in ["first", "second"] {
            store
                .insert_run(&NewRun {
                    id,
                    role_id: "role",
                    selection: &Selection::All(true),
                    created_by: "key_test",
                    tenant: &crate::tenant::DEFAULT_TENANT,
                })
                .unwrap();
        }
        let claimed = store.claim_next_run().unwrap().unwrap();
        assert_eq!(
            (claimed.id.as_str(), claimed.status),
            ("first", RunStatus::Processing)
        );
        let next = store.claim_next_run().unwrap().unwrap();
        assert_eq!(next.id, "second", "a claimed run is not claimed again");
        assert!(store.claim_next_run().unwrap().is_none());

        assert!(!store.record_run_progress("first", "ranking", 1, 2).unwrap());
        store.request_run_cancel("first").unwrap();
        assert!(store.record_run_progress("first", "ranking", 2, 2).unwrap());
        assert!(
            store
                .finish_run("first", RunStatus::Canceled, None)
                .unwrap()
        );
        store.request_run_cancel("first").unwrap();
        assert_eq!(
            store.get_run("first").unwrap().unwrap().status,
            RunStatus::Canceled,
            "a finished run stays as it was"
        );

        if store.change_feed_position().unwrap().is_some() {
            // A shared store (PostgreSQL): the run is held under a lease that has not expired,
            // so a restart elsewhere neither requeues it nor claims it (see
            // `postgres::runs` for the takeover once it expires).
            assert_eq!(store.requeue_interrupted_runs().unwrap(), 0);
            assert!(store.claim_next_run().unwrap().is_none());
        } else {
            // A stop mid-run: the processing one is queued again and claimed again.
            assert_eq!(store.requeue_interrupted_runs().unwrap(), 1);
            assert_eq!(store.claim_next_run().unwrap().unwrap().id, "second");
        }
        assert_eq!(
            store.run_created_by("second").unwrap().as_deref(),
            Some("key_test")
        );
    }
}
