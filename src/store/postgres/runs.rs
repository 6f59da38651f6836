//! [`RunStore`] in PostgreSQL: the run queue and its results. Claiming is one statement: the
//! `UPDATE` picks the oldest enqueued run with `FOR UPDATE SKIP LOCKED`, so two workers (on one
//! node or on several) never take the same run, and neither waits on the other's row.
//!
//! A claim is a lease (migration `0003_run_leases.sql`): the run is held until `lease_until`,
//! extended by each progress report, under a random token only the claiming process knows
//! (`PgStore::run_claims`). A run whose lease expired (its node died or stalled) is claimed again
//! like an enqueued one, its earlier results cleared. Every write of the worker names its token:
//! once another node holds the run, the first one's progress report answers "stop", its results
//! are not saved and its `finish_run` records nothing and returns false, so each result is
//! saved, and the run's end audited and announced, exactly once.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::PgStore;
use crate::runs::{Progress, Run, RunResult, RunStatus, Selection};
use crate::store::{NewRun, NewRunResult, RunStore, StoreError, sha256_hex};

const RUN_COLUMNS: &str = "id, role_id, selection, status, phase, done, total, error, created_at,
     started_at, finished_at";

impl RunStore for PgStore {
    fn insert_run(&self, run: &NewRun<'_>) -> Result<(), StoreError> {
        let selection = serde_json::to_string(run.selection)
            .map_err(|e| StoreError::Corrupt(format!("selection cannot be encoded: {e}")))?;
        self.connection()?.execute(
            "INSERT INTO runs (id, role_id, selection, status, created_at, created_by, tenant)
             VALUES ($1, $2, $3, 'enqueued', $4, $5, $6)",
            &[
                &run.id,
                &run.role_id,
                &selection,
                &Utc::now().to_rfc3339(),
                &run.created_by,
                &run.tenant.as_stored(),
            ],
        )?;
        Ok(())
    }

    fn get_run(&self, id: &str) -> Result<Option<Run>, StoreError> {
        let row = self.connection()?.query_opt(
            &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = $1"),
            &[&id],
        )?;
        row.as_ref().map(run_from_row).transpose()
    }

    fn list_runs(
        &self,
        limit: usize,
        tenant: &crate::tenant::Tenant,
    ) -> Result<Vec<Run>, StoreError> {
        let rows = self.connection()?.query(
            &format!(
                "SELECT {RUN_COLUMNS} FROM runs WHERE tenant = $2
                 ORDER BY created_at DESC LIMIT $1"
            ),
            &[&(limit as i64), &tenant.as_stored()],
        )?;
        rows.iter().map(run_from_row).collect()
    }

    fn run_created_by(&self, id: &str) -> Result<Option<String>, StoreError> {
        let row = self
            .connection()?
            .query_opt("SELECT created_by FROM runs WHERE id = $1", &[&id])?;
        Ok(row
            .map(|row| row.try_get::<_, Option<String>>(0))
            .transpose()?
            .flatten())
    }

    fn request_run_cancel(&self, id: &str) -> Result<(), StoreError> {
        self.connection()?.execute(
            "UPDATE runs SET cancel_requested = TRUE,
               status = CASE status WHEN 'enqueued' THEN 'canceled' ELSE status END,
               finished_at = CASE status WHEN 'enqueued' THEN $2 ELSE finished_at END
             WHERE id = $1 AND status IN ('enqueued', 'processing')",
            &[&id, &Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }

    fn requeue_interrupted_runs(&self) -> Result<usize, StoreError> {
        // Only runs no live node holds: a lease that expired, or none (claimed before leases).
        Ok(self.connection()?.execute(
            "UPDATE runs SET status = 'enqueued', phase = NULL, done = 0, lease_until = NULL,
               lease_token = NULL
             WHERE status = 'processing' AND (lease_until IS NULL OR lease_until <= $1)",
            &[&Utc::now().to_rfc3339()],
        )? as usize)
    }

    fn claim_next_run(&self) -> Result<Option<Run>, StoreError> {
        let now = Utc::now();
        let token = uuid::Uuid::new_v4().simple().to_string();
        let run = self.in_transaction(|transaction| {
            let Some(row) = transaction.query_opt(
                "UPDATE runs SET status = 'processing', started_at = $1, phase = 'selecting',
                   done = 0, lease_until = $2, lease_token = $3
                 WHERE id = (SELECT id FROM runs
                             WHERE status = 'enqueued'
                                OR (status = 'processing' AND lease_until <= $1)
                             ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                 RETURNING id",
                &[&now.to_rfc3339(), &self.lease_end(now), &token],
            )?
            else {
                return Ok(None);
            };
            let id: String = row.try_get(0)?;
            transaction.execute("DELETE FROM run_results WHERE run_id = $1", &[&id])?;
            let row = transaction.query_one(
                &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = $1"),
                &[&id],
            )?;
            run_from_row(&row).map(Some)
        })?;
        if let Some(run) = &run {
            self.claims().insert(run.id.clone(), token);
        }
        Ok(run)
    }

    fn record_run_progress(
        &self,
        id: &str,
        phase: &str,
        done: u64,
        total: u64,
    ) -> Result<bool, StoreError> {
        let Some(token) = self.claims().get(id).cloned() else {
            return Ok(true);
        };
        let row = self.connection()?.query_opt(
            "UPDATE runs SET phase = $2, done = $3, total = $4, lease_until = $5
             WHERE id = $1 AND lease_token = $6 RETURNING cancel_requested",
            &[
                &id,
                &phase,
                &(done as i64),
                &(total as i64),
                &self.lease_end(Utc::now()),
                &token,
            ],
        )?;
        match row {
            Some(row) => Ok(row.try_get::<_, bool>(0)?),
            // Taken over by another node: this worker stops.
            None => {
                self.claims().remove(id);
                Ok(true)
            }
        }
    }

    fn finish_run(
        &self,
        id: &str,
        status: RunStatus,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
        let Some(token) = self.claims().remove(id) else {
            return Ok(false);
        };
        let finished = self.connection()?.execute(
            "UPDATE runs SET status = $2, error = $3, finished_at = $4, lease_until = NULL,
               lease_token = NULL
             WHERE id = $1 AND lease_token = $5",
            &[
                &id,
                &status.as_str(),
                &error,
                &Utc::now().to_rfc3339(),
                &token,
            ],
        )?;
        Ok(finished == 1)
    }

    fn save_run_results(&self, run_id: &str, results: &[NewRunResult]) -> Result<(), StoreError> {
        let Some(token) = self.claims().get(run_id).cloned() else {
            return Ok(());
        };
        self.in_transaction(|transaction| {
            // Held until the commit: a takeover waits for (skips) the row meanwhile, then clears
            // what was saved.
            let held = transaction.query_opt(
                "SELECT 1 FROM runs WHERE id = $1 AND lease_token = $2 FOR UPDATE",
                &[&run_id, &token],
            )?;
            if held.is_none() {
                tracing::warn!(run = run_id, "not saving results: the run was taken over");
                return Ok(());
            }
            let insert = transaction.prepare(
                "INSERT INTO run_results (run_id, rank, candidate_id, external_id, score,
                 must_haves_met, requirements) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )?;
            let insert_erased = transaction.prepare(
                "INSERT INTO run_results (run_id, rank, candidate_id, external_id, score,
                 must_haves_met, requirements, erased_sha256)
                 VALUES ($1, $2, $3, NULL, 0, FALSE, '[]', $4)",
            )?;
            let exists = transaction.prepare("SELECT 1 FROM candidates WHERE id = $1")?;
            for result in results {
                let rank = result.rank as i64;
                if transaction
                    .query_opt(&exists, &[&result.candidate_id])?
                    .is_none()
                {
                    // Hashed exactly as the SQLite store hashes it.
                    let as_it_was = serde_json::json!([
                        run_id,
                        result.rank,
                        result.candidate_id,
                        result.external_id,
                        result.score,
                        result.must_haves_met,
                        result.requirements
                    ]);
                    transaction.execute(
                        &insert_erased,
                        &[
                            &run_id,
                            &rank,
                            &result.candidate_id,
                            &sha256_hex(as_it_was.to_string().as_bytes()),
                        ],
                    )?;
                    continue;
                }
                transaction.execute(
                    &insert,
                    &[
                        &run_id,
                        &rank,
                        &result.candidate_id,
                        &result.external_id,
                        &(result.score as f64),
                        &result.must_haves_met,
                        &result.requirements,
                    ],
                )?;
            }
            Ok(())
        })
    }

    fn run_results_page(
        &self,
        run_id: &str,
        after_rank: u64,
        limit: usize,
    ) -> Result<(u64, Vec<RunResult>), StoreError> {
        let mut connection = self.connection()?;
        let total: i64 = connection
            .query_one(
                "SELECT COUNT(*) FROM run_results WHERE run_id = $1",
                &[&run_id],
            )?
            .try_get(0)?;
        let rows = connection.query(
            "SELECT r.rank, r.candidate_id, r.external_id, r.score, r.must_haves_met,
                    r.requirements, r.erased_sha256, c.profile::jsonb #>> '{contact,name}',
                    c.file_name
             FROM run_results r LEFT JOIN candidates c ON c.id = r.candidate_id
             WHERE r.run_id = $1 AND r.rank > $2 ORDER BY r.rank LIMIT $3",
            &[&run_id, &(after_rank as i64), &(limit as i64)],
        )?;
        let mut results = Vec::with_capacity(rows.len());
        for row in rows {
            let requirements: String = row.try_get(5)?;
            let erased_sha256: Option<String> = row.try_get(6)?;
            results.push(RunResult {
                rank: row.try_get::<_, i64>(0)? as u64,
                candidate_id: row.try_get(1)?,
                external_id: row.try_get(2)?,
                display_name: row.try_get(7)?,
                file_name: row.try_get(8)?,
                score: row.try_get(3)?,
                must_haves_met: row.try_get(4)?,
                requirements: serde_json::from_str(&requirements)
                    .unwrap_or(serde_json::Value::Null),
                erased: erased_sha256.is_some(),
                erased_sha256,
            });
        }
        Ok((total as u64, results))
    }

    fn selected_seqs(&self, selection: &Selection) -> Result<Option<HashSet<u64>>, StoreError> {
        let (sql, keys): (&str, Vec<String>) = match selection {
            Selection::All(_) => return Ok(None),
            Selection::CandidateIds(ids) => {
                ("SELECT seq FROM candidates WHERE id = ANY($1)", ids.clone())
            }
            // Every match: an external id may name a candidate in each tenant (the run worker
            // keeps its run's tenant's).
            Selection::ExternalIds(ids) => (
                "SELECT seq FROM candidates WHERE external_id = ANY($1)",
                ids.clone(),
            ),
            Selection::BatchId(batch) => (
                "SELECT seq FROM candidates WHERE batch_id = ANY($1)",
                vec![batch.clone()],
            ),
        };
        let rows = self.connection()?.query(sql, &[&keys])?;
        let found = rows
            .iter()
            .map(|row| row.try_get::<_, i64>(0).map(|seq| seq as u64))
            .collect::<Result<HashSet<u64>, _>>()?;
        Ok(Some(found))
    }
}

impl PgStore {
    fn claims(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, String>> {
        self.run_claims.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lease_end(&self, now: DateTime<Utc>) -> String {
        (now + self.run_lease).to_rfc3339()
    }
}

fn run_from_row(row: &postgres::Row) -> Result<Run, StoreError> {
    let id: String = row.try_get(0)?;
    let selection: String = row.try_get(2)?;
    let status: String = row.try_get(3)?;
    let selection = serde_json::from_str(&selection)
        .map_err(|e| StoreError::Corrupt(format!("run {id}: stored selection: {e}")))?;
    let Some(status) = RunStatus::parse(&status) else {
        return Err(StoreError::Corrupt(format!(
            "run {id}: unknown status {status:?}"
        )));
    };
    Ok(Run {
        role_id: row.try_get(1)?,
        selection,
        status,
        progress: Progress {
            phase: row.try_get(4)?,
            done: row.try_get::<_, i64>(5)? as u64,
            total: row.try_get::<_, i64>(6)? as u64,
        },
        error: row.try_get(7)?,
        created_at: row.try_get(8)?,
        started_at: row.try_get(9)?,
        finished_at: row.try_get(10)?,
        id,
    })
}
