//! What operations and downloads ask of the engine: readiness (`GET /readyz`) and a candidate's
//! original file (`GET /v1/candidates/{id}/file`).

use serde::Serialize;
use uuid::Uuid;

use super::{Engine, EngineError};
use crate::ids::CandidateId;

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
    pub fn original_file(&self, id: CandidateId) -> Result<OriginalFile, EngineError> {
        let not_found = || EngineError::CandidateNotFound(id.to_string());
        let candidate = self
            .store
            .get_candidate(id.as_uuid())?
            .ok_or_else(not_found)?;
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
        self.store.check_writable().map_err(|e| {
            NotReady(if e.is_unavailable() {
                format!("the database cannot be reached: {e}")
            } else {
                format!("the store does not take writes: {e}")
            })
        })?;
        if self.fell_behind_the_feed() {
            return Err(NotReady(
                "this node missed changes the database no longer keeps (the change feed keeps \
                 them 7 days): restart it to rebuild its index"
                    .into(),
            ));
        }
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
    /// A JSON Resume upload (through the API or the CLI's `parse`) as a profile and the document it stands for (its rendered text is
    /// what the index and the stored text hold); refused like any document with too little text.
    pub(super) fn read_json_resume(
        parser: &crate::parse::Parser,
        resume: &serde_json::Value,
        document_date: Option<chrono::NaiveDate>,
        limits: &crate::extract::Limits,
    ) -> Result<(crate::profile::Profile, crate::extract::Document), crate::extract::ExtractError>
    {
        let fallback_date = document_date.unwrap_or_else(|| chrono::Utc::now().date_naive());
        let (mut profile, mut text) =
            parser.parse_json_resume(resume, &crate::parse::ParseOptions { fallback_date });
        let mut warnings = Vec::new();
        // The index and the stored text keep what any document keeps, at most.
        if let Some((cut, _)) = text.char_indices().nth(limits.max_text_chars) {
            text.truncate(cut);
            warnings.push(crate::profile::Warning::new(
                "text_truncated",
                format!("the text was cut at {} characters", limits.max_text_chars),
            ));
        }
        profile.document.warnings.extend(warnings.iter().cloned());
        let document = crate::extract::Document {
            media_type: crate::extract::MediaType::JsonResume,
            pages: 1,
            document_date: None,
            text,
            page_starts: Vec::new(),
            warnings,
        };
        crate::extract::check_resume_text(&document)?;
        Ok((profile, document))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Limits;
    use crate::parse::Parser;

    const RESUME: &str = r#"{"basics": {"name": "Jane Doe", "label": "Key Account Manager"},
        "work": [{"name": "Acme", "position": "Key Account Manager", "startDate": "2018-03",
                  "summary": "Managed key accounts and renewals for enterprise clients."}],
        "education": [{"institution": "State University", "studyType": "Master of Business Administration", "endDate": "2016"}]}"#;

    /// The CLI's `parse` and uploads share `parse_bytes`: both read a JSON Resume as one.
    #[test]
    fn parse_bytes_reads_a_json_resume_field_by_field_within_the_text_limit() {
        let parser = Parser::builtin();
        let date = chrono::NaiveDate::from_ymd_opt(2024, 3, 1);
        let (profile, document) =
            Engine::parse_bytes(&parser, RESUME.as_bytes(), None, date, &Limits::default())
                .unwrap();
        assert_eq!(document.media_type.mime(), "application/json");
        assert_eq!(profile.contact.name.as_deref(), Some("Jane Doe"));
        assert_eq!(profile.positions.len(), 1);
        assert!(profile.positions[0].current);
        assert_eq!(profile.positions[0].employer.as_deref(), Some("Acme"));
        assert_eq!(profile.experience.total_months, 72);
        assert_eq!(profile.highest_degree, crate::profile::DegreeLevel::Master);
        assert!(document.text.contains("Managed key accounts"));

        let tight = Limits {
            max_text_chars: 60,
            ..Limits::default()
        };
        let (profile, document) =
            Engine::parse_bytes(&parser, RESUME.as_bytes(), None, date, &tight).unwrap();
        assert_eq!(document.text.chars().count(), 60);
        assert!(
            profile
                .document
                .warnings
                .iter()
                .any(|w| w.code == "text_truncated")
        );
    }
}
