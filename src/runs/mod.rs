//! Screening runs: rank a selection of candidates against a role as a background task, with a
//! status (`enqueued`, `processing`, `succeeded`, `failed`, `canceled`), progress (phase, done,
//! total), cancellation, results kept in the store and paged by cursor, and CSV / JSON Lines
//! exports. Runs survive restarts: one found `processing` at start-up is started over (scores
//! are deterministic, so the outcome is the same as if it had not been interrupted).
//!
//! One worker thread (started by `crate::workers`) claims runs from the store in creation order
//! (`RunStore::claim_next_run`); ranking itself uses all cores (rayon). No SQL here: the runs'
//! tables are reached through `RunStore`.

pub mod webhook_target;
pub mod webhooks;

use std::sync::{Arc, Condvar, Mutex, Weak};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::engine::{Engine, EngineError, RankQuery, RankedCandidate};
use crate::store::{NewRun, NewRunResult, StoreError};
use crate::tenant::Tenant;
use webhooks::Webhooks;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Enqueued,
    Processing,
    Succeeded,
    Failed,
    Canceled,
}

impl RunStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RunStatus::Enqueued => "enqueued",
            RunStatus::Processing => "processing",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Canceled => "canceled",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        [
            RunStatus::Enqueued,
            RunStatus::Processing,
            RunStatus::Succeeded,
            RunStatus::Failed,
            RunStatus::Canceled,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunStatus::Succeeded | RunStatus::Failed | RunStatus::Canceled
        )
    }
}

/// Which candidates a run ranks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Selection {
    /// Every candidate (`{"all": true}`).
    All(bool),
    CandidateIds(Vec<String>),
    ExternalIds(Vec<String>),
    /// The candidates of one upload batch (`batch_id` of `POST /v1/candidates/batch`).
    BatchId(String),
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub phase: Option<String>,
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Run {
    pub id: String,
    pub role_id: String,
    pub selection: Selection,
    pub status: RunStatus,
    pub progress: Progress,
    pub error: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunResult {
    pub rank: u64,
    pub candidate_id: String,
    pub external_id: Option<String>,
    /// The candidate's name and original file name, read from the candidate when the results
    /// are read (absent once the candidate is deleted).
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub file_name: Option<String>,
    pub score: f64,
    pub must_haves_met: bool,
    pub requirements: serde_json::Value,
    /// The candidate was erased: this result keeps its rank and the candidate's id only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub erased: bool,
    /// For an erased result: the SHA-256 of the result as it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased_sha256: Option<String>,
}

/// The adverse-impact report of a run's selection.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AdverseImpactReport {
    pub run_id: String,
    pub role_id: String,
    /// How the selection was read: `top_n` or `min_score`.
    pub selection_rule: String,
    pub applicants: u64,
    pub selected: u64,
    /// Groups whose selection rate is below this fraction of the highest group's are flagged.
    pub threshold: f64,
    pub categories: Vec<crate::oversight::CategoryImpact>,
    /// Some group in some category is flagged.
    pub flagged: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunResultsPage {
    pub run_id: String,
    pub total: u64,
    pub results: Vec<RunResult>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("no run with id {0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the run is {0:?}: it has no results to read yet")]
    NotFinished(RunStatus),
    #[error("{0}")]
    BadSelection(String),
    /// The server's own failure (a worker that cannot start, stored data that cannot be read
    /// back): a 500, never the caller's 422.
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<StoreError> for RunError {
    fn from(error: StoreError) -> Self {
        RunError::Engine(EngineError::Store(error))
    }
}

/// Results are explained and saved in chunks of this many, with progress and cancellation
/// checked between chunks.
const CHUNK: usize = 100;

pub struct Runs {
    engine: Arc<Engine>,
    webhooks: Arc<Webhooks>,
    wake: Condvar,
    queued: Mutex<bool>,
}

impl Runs {
    /// Starts the worker (see `crate::workers`). Runs left `processing` by a stopped server
    /// are queued again.
    pub fn start(engine: Arc<Engine>, webhooks: Arc<Webhooks>) -> Result<Arc<Runs>, RunError> {
        let requeued = engine.store().requeue_interrupted_runs()?;
        if requeued > 0 {
            tracing::warn!(requeued, "runs interrupted by a stop are queued again");
        }
        let runs = Arc::new(Runs {
            engine,
            webhooks,
            wake: Condvar::new(),
            queued: Mutex::new(true),
        });
        let worker = Arc::downgrade(&runs);
        std::thread::Builder::new()
            .name("run-worker".into())
            .spawn(move || work(worker))
            .map_err(|e| RunError::Internal(format!("cannot start the run worker: {e}")))?;
        Ok(runs)
    }

    /// Queues a run of `role_id` over `selection`, started by `created_by` (an API key id), in
    /// `tenant`: it ranks only that tenant's candidates.
    pub fn create(
        &self,
        role_id: &str,
        selection: Selection,
        created_by: &str,
        tenant: &Tenant,
    ) -> Result<Run, RunError> {
        self.engine.role(role_id)?;
        if selection == Selection::All(false) {
            return Err(RunError::Invalid(
                "selection {\"all\": false} selects nobody".into(),
            ));
        }
        let id = Uuid::new_v4().to_string();
        self.engine.store().insert_run(&NewRun {
            id: &id,
            role_id,
            selection: &selection,
            created_by,
            tenant,
        })?;
        self.notify();
        self.get(&id)
    }

    fn notify(&self) {
        *self.queued.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.wake.notify_all();
    }

    pub fn get(&self, id: &str) -> Result<Run, RunError> {
        self.engine
            .store()
            .get_run(id)?
            .ok_or_else(|| RunError::NotFound(id.to_owned()))
    }

    /// `tenant`'s newest 1,000 runs.
    pub fn list(&self, tenant: &Tenant) -> Result<Vec<Run>, RunError> {
        Ok(self.engine.store().list_runs(1000, tenant)?)
    }

    /// Asks a run to stop. An enqueued run is canceled at once; a processing one stops at its
    /// next chunk. A finished run is left as it is.
    pub fn cancel(&self, id: &str) -> Result<Run, RunError> {
        self.get(id)?;
        self.engine.store().request_run_cancel(id)?;
        self.get(id)
    }

    /// Results by rank, `limit` at a time; the cursor is the last rank returned.
    pub fn results(
        &self,
        id: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<RunResultsPage, RunError> {
        let run = self.get(id)?;
        if !matches!(run.status, RunStatus::Succeeded | RunStatus::Canceled) {
            return Err(RunError::NotFinished(run.status));
        }
        // The cursor is the last rank returned: a non-negative number the store can hold (a
        // value past i64 would wrap to a negative rank and restart at page 1).
        let after: i64 = match cursor {
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|rank| *rank >= 0)
                .ok_or(RunError::Engine(EngineError::BadCursor))?,
            None => 0,
        };
        let limit = limit.clamp(1, 1000);
        let (total, results) = self
            .engine
            .store()
            .run_results_page(id, after as u64, limit)?;
        let next_cursor = match results.last() {
            Some(last) if last.rank < total => Some(last.rank.to_string()),
            _ => None,
        };
        Ok(RunResultsPage {
            run_id: id.to_owned(),
            total,
            results,
            next_cursor,
        })
    }

    /// Every result, in rank order, for an export.
    pub fn all_results(&self, id: &str) -> Result<Vec<RunResult>, RunError> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.results(id, 1000, cursor.as_deref())?;
            all.extend(page.results);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// Blind review: takes each candidate's name, contact and location out of its results.
    pub fn redact(&self, results: &mut [RunResult]) -> Result<(), RunError> {
        let ids: Vec<String> = results.iter().map(|r| r.candidate_id.clone()).collect();
        let identifying = self.engine.identifying(&ids)?;
        for result in results {
            result.display_name = None;
            result.file_name = None;
            if let Some(facts) = identifying.get(&result.candidate_id) {
                crate::blind::redact_value(&mut result.requirements, facts);
            }
        }
        Ok(())
    }

    /// Selection rates by group among the run's results (erased candidates left out): the top
    /// `selected` results, or those scoring at least `min_score`, count as selected.
    pub fn adverse_impact(
        &self,
        id: &str,
        selected: Option<usize>,
        min_score: Option<f64>,
    ) -> Result<AdverseImpactReport, RunError> {
        let run = self.get(id)?;
        let results: Vec<RunResult> = self
            .all_results(id)?
            .into_iter()
            .filter(|result| !result.erased)
            .collect();
        let (selection_rule, applicants): (&str, Vec<(String, bool)>) = match (selected, min_score)
        {
            (Some(top), None) => (
                "top_n",
                results
                    .iter()
                    .enumerate()
                    .map(|(position, r)| (r.candidate_id.clone(), position < top))
                    .collect(),
            ),
            (None, Some(min)) => (
                "min_score",
                results
                    .iter()
                    .map(|r| (r.candidate_id.clone(), r.score >= min))
                    .collect(),
            ),
            _ => {
                return Err(RunError::BadSelection(
                    "say which results count as selected: either selected=N (the top N) or \
                     min_score=S (those scoring at least S)"
                        .into(),
                ));
            }
        };
        let ids: Vec<String> = applicants.iter().map(|(id, _)| id.clone()).collect();
        let demographics = self.engine.store().demographics_of(&ids)?;
        let categories = crate::oversight::adverse_impact(&applicants, &demographics);
        Ok(AdverseImpactReport {
            run_id: run.id,
            role_id: run.role_id,
            selection_rule: selection_rule.to_owned(),
            applicants: applicants.len() as u64,
            selected: applicants.iter().filter(|(_, s)| *s).count() as u64,
            threshold: crate::oversight::FOUR_FIFTHS,
            flagged: categories.iter().any(|c| c.flagged),
            categories,
        })
    }

    /// Ranks the run's selection and saves every result with its explanation. The run was
    /// claimed ([`RunStore::claim_next_run`]): it is `processing` and has no
    /// results from an earlier attempt.
    fn process(&self, run: &Run) -> Result<RunStatus, RunError> {
        let store = self.engine.store();
        let only_seqs = store.selected_seqs(&run.selection)?.map(Arc::new);
        // Only the run's tenant's candidates, whatever the selection names.
        let tenant = store
            .owner(crate::store::Owned::Run, &run.id)?
            .ok_or_else(|| RunError::NotFound(run.id.clone()))?;
        let mut cursor = None;
        let mut done = 0u64;
        loop {
            let query = RankQuery {
                limit: CHUNK,
                cursor: cursor.clone(),
                only_seqs: only_seqs.clone(),
                tenant: tenant.clone(),
                ..RankQuery::default()
            };
            let page = self.engine.rank(&run.role_id, &query)?;
            let total = page.total as u64;
            store.save_run_results(&run.id, &new_results(&page.results)?)?;
            done += page.results.len() as u64;
            let stop = store.record_run_progress(&run.id, "ranking", done, total)?;
            match page.next_cursor {
                // Every result is saved: a cancellation asked for while the last page was
                // ranked came too late to stop anything.
                None => return Ok(RunStatus::Succeeded),
                Some(_) if stop => return Ok(RunStatus::Canceled),
                Some(next) => cursor = Some(next),
            }
            pause_between_pages();
        }
    }

    /// Records the end of a run in the audit log: the role's version and who was ranked.
    fn audit_finished(&self, run: &Run) {
        let ranked: Vec<String> = match self.all_results(&run.id) {
            Ok(results) => results.into_iter().map(|r| r.candidate_id).collect(),
            Err(_) => Vec::new(),
        };
        // On the account of whoever started it; `system` for runs from before this was kept.
        let created_by = self.engine.store().run_created_by(&run.id).ok().flatten();
        let event = crate::audit::AuditEvent::new(
            crate::audit::Action::RunFinished,
            created_by.as_deref().unwrap_or(crate::audit::SYSTEM_CALLER),
        )
        .candidates(ranked)
        .detail(format!("run {}", run.id));
        // In the part of the log of the tenant whose run it is.
        let event = match self.engine.store().owner(crate::store::Owned::Run, &run.id) {
            Ok(Some(tenant)) => event.tenant(tenant),
            _ => event,
        };
        let event = match self.engine.role(&run.role_id) {
            Ok(role) => event.role(&role),
            Err(_) => event.role_id(&run.role_id),
        };
        if let Err(error) = self.engine.audit(event) {
            tracing::error!(%error, run = %run.id, "cannot record the end of a run in the audit log");
        }
    }
}

/// Fault injection for the tests that kill a node in the middle of a run (`tests/nodes.rs`):
/// a ranking of a few hundred candidates ends in milliseconds, too soon to be interrupted, so
/// debug builds wait `SHORTLIST_TEST_RUN_PAGE_PAUSE_MS` between pages. Release builds have no
/// such pause and do not read the variable.
fn pause_between_pages() {
    #[cfg(debug_assertions)]
    if let Some(pause) = std::env::var("SHORTLIST_TEST_RUN_PAGE_PAUSE_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(pause));
    }
}

/// The page's results as the store saves them.
fn new_results(results: &[RankedCandidate]) -> Result<Vec<NewRunResult>, RunError> {
    results
        .iter()
        .map(|result| {
            Ok(NewRunResult {
                rank: result.rank as u64,
                candidate_id: result.candidate_id.to_string(),
                external_id: result.external_id.clone(),
                score: result.score,
                must_haves_met: result.must_haves_met,
                requirements: serde_json::to_string(&result.requirements)
                    .map_err(|e| RunError::Internal(e.to_string()))?,
            })
        })
        .collect()
}

fn work(runs: Weak<Runs>) {
    loop {
        let Some(strong) = runs.upgrade() else { return };
        match strong.engine.store().claim_next_run() {
            Ok(Some(run)) => {
                let outcome = strong.process(&run);
                let (status, error) = match outcome {
                    Ok(status) => (status, None),
                    Err(error) => (RunStatus::Failed, Some(error.to_string())),
                };
                match strong
                    .engine
                    .store()
                    .finish_run(&run.id, status, error.as_deref())
                {
                    Ok(true) => {}
                    Ok(false) => {
                        // Another node took the run over (this one's lease expired): it
                        // finishes, audits and announces the run, once.
                        tracing::warn!(run = %run.id, "the run was taken over by another node");
                        continue;
                    }
                    Err(error) => {
                        tracing::error!(%error, run = %run.id, "cannot record the end of a run")
                    }
                }
                let event = if status == RunStatus::Failed {
                    "run.failed"
                } else {
                    "run.completed"
                };
                strong.audit_finished(&run);
                if let Ok(finished) = strong.get(&run.id) {
                    strong
                        .webhooks
                        .emit(event, &serde_json::json!({"run": finished}));
                }
                tracing::info!(run = %run.id, status = status.as_str(), "run finished");
            }
            Ok(None) => {
                // Wait for a new run, waking now and then so that a dropped `Runs` ends us.
                let queued = strong.queued.lock().unwrap_or_else(|p| p.into_inner());
                let mut queued = strong
                    .wake
                    .wait_timeout_while(queued, std::time::Duration::from_millis(500), |q| !*q)
                    .map(|(guard, _)| guard)
                    .unwrap_or_else(|p| p.into_inner().0);
                *queued = false;
            }
            Err(error) => {
                tracing::error!(%error, "cannot read the run queue");
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
    }
}

/// One CSV line per result: rank, ids, score, must-haves, and each requirement's verdict.
pub fn results_csv(results: &[RunResult]) -> String {
    let mut requirement_ids: Vec<String> = Vec::new();
    for result in results {
        for requirement in result.requirements.as_array().into_iter().flatten() {
            if let Some(id) = requirement["id"].as_str()
                && !requirement_ids.iter().any(|known| known == id)
            {
                requirement_ids.push(id.to_owned());
            }
        }
    }
    let mut csv =
        String::from("rank,candidate_id,external_id,score,must_haves_met,display_name,file_name");
    for id in &requirement_ids {
        csv.push(',');
        csv.push_str(&csv_field(id));
    }
    csv.push_str(",overrides,erased\n");
    for result in results {
        csv.push_str(&format!(
            "{},{},{},{:.2},{},{},{}",
            result.rank,
            result.candidate_id,
            csv_field(result.external_id.as_deref().unwrap_or("")),
            result.score,
            result.must_haves_met,
            csv_field(result.display_name.as_deref().unwrap_or("")),
            csv_field(result.file_name.as_deref().unwrap_or(""))
        ));
        for id in &requirement_ids {
            let verdict = result
                .requirements
                .as_array()
                .and_then(|all| all.iter().find(|r| r["id"] == id.as_str()))
                .and_then(|r| r["verdict"].as_str())
                .unwrap_or("");
            csv.push(',');
            csv.push_str(verdict);
        }
        // Each recruiter's override: "requirement=verdict by KEY at TIME: reason".
        let overrides: Vec<String> = result
            .requirements
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["override"].is_object())
            .map(|r| {
                let decided = &r["override"];
                format!(
                    "{}={} by {} at {}: {}",
                    r["id"].as_str().unwrap_or(""),
                    decided["verdict"].as_str().unwrap_or(""),
                    decided["by"].as_str().unwrap_or(""),
                    decided["at"].as_str().unwrap_or(""),
                    decided["reason"].as_str().unwrap_or("")
                )
            })
            .collect();
        csv.push(',');
        csv.push_str(&csv_field(&overrides.join("; ")));
        csv.push(',');
        csv.push_str(if result.erased { "true" } else { "false" });
        csv.push('\n');
    }
    csv
}

/// RFC 4180 quoting, and a leading `'` before `= + - @` (also behind leading white space, which
/// spreadsheets skip) and before a leading tab or carriage return, so that a spreadsheet never
/// runs a cell as a formula (external ids come from outside).
fn csv_field(value: &str) -> String {
    let after_space = value.trim_start_matches([' ', '\t', '\r', '\n']);
    let value = if after_space.starts_with(['=', '+', '-', '@']) || value.starts_with(['\t', '\r'])
    {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field(" =HYPERLINK(1)"), "' =HYPERLINK(1)");
        assert_eq!(csv_field("\t@SUM(A1)"), "'\t@SUM(A1)");
    }

    #[test]
    fn selections_read_as_the_api_documents_them() {
        let all: Selection = serde_json::from_str(r#"{"all": true}"#).unwrap();
        assert_eq!(all, Selection::All(true));
        let ids: Selection = serde_json::from_str(r#"{"external_ids": ["a", "b"]}"#).unwrap();
        assert_eq!(ids, Selection::ExternalIds(vec!["a".into(), "b".into()]));
        assert!(serde_json::from_str::<Selection>(r#"{"everyone": true}"#).is_err());
    }
}
