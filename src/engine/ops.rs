//! What operations and downloads ask of the engine: readiness (`GET /readyz`) and a candidate's
//! original file (`GET /v1/candidates/{id}/file`).

use serde::Serialize;
use uuid::Uuid;

use super::{Engine, EngineError};
use crate::store::Store as _;

/// A candidate's original upload, as it was received.
#[derive(Debug, Clone)]
pub struct OriginalFile {
    pub bytes: Vec<u8>,
    pub media_type: String,
    pub file_name: Option<String>,
    pub id: Uuid,
}

/// What the readiness probe found when everything answered.
#[derive(Debug, Clone, Serialize)]
pub struct Readiness {
    pub candidates: u64,
    pub indexed: u64,
    pub features: usize,
}

/// Why the server cannot take work now: said to the operator, never containing resume data.
#[derive(Debug, Clone)]
pub struct NotReady(pub String);

impl Engine {
    pub fn original_file(&self, id: &str) -> Result<OriginalFile, EngineError> {
        let not_found = || EngineError::CandidateNotFound(id.to_owned());
        let uuid = Uuid::parse_str(id).map_err(|_| not_found())?;
        let candidate = self.store.get_candidate(uuid)?.ok_or_else(not_found)?;
        let bytes = self.store.read_file(&candidate.file_sha256)?;
        Ok(OriginalFile {
            bytes,
            media_type: candidate.media_type,
            file_name: candidate.file_name,
            id: candidate.id,
        })
    }

    /// Checks that the store is reachable and writable, the index answers and commits, and the
    /// features are loaded. The features count is compared with the store only when no write is
    /// in flight (a write changes the store before the pool): the probe never waits on one.
    pub fn readiness(&self) -> Result<Readiness, NotReady> {
        self.store
            .check_writable()
            .map_err(|e| NotReady(format!("the store does not take writes: {e}")))?;
        let candidates = self
            .store
            .count_candidates()
            .map_err(|e| NotReady(format!("the store cannot be read: {e}")))?;
        let indexed = self
            .index
            .check_ready()
            .map_err(|e| NotReady(format!("the search index does not answer: {e}")))?;
        let features = self.candidate_count();
        if let Ok(_writing) = self.writes.try_lock()
            && features as u64 != self.store.count_candidates().unwrap_or(candidates)
        {
            return Err(NotReady(format!(
                "the features hold {features} candidates and the store {candidates}"
            )));
        }
        Ok(Readiness {
            candidates,
            indexed,
            features,
        })
    }
}

impl Engine {
    /// A JSON Resume upload as a profile and the document it stands for (its rendered text is
    /// what the index and the stored text hold); refused like any document with too little text.
    pub(super) fn read_json_resume(
        &self,
        resume: &serde_json::Value,
        document_date: Option<chrono::NaiveDate>,
    ) -> Result<(crate::profile::Profile, crate::extract::Document), EngineError> {
        let fallback_date = document_date.unwrap_or_else(|| chrono::Utc::now().date_naive());
        let (profile, text) = self
            .parser
            .parse_json_resume(resume, &crate::parse::ParseOptions { fallback_date });
        let document = crate::extract::Document {
            media_type: crate::extract::MediaType::JsonResume,
            pages: 1,
            document_date: None,
            text,
            page_starts: Vec::new(),
            warnings: Vec::new(),
        };
        crate::extract::check_resume_text(&document)?;
        Ok((profile, document))
    }
}
