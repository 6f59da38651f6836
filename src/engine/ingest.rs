//! The CPU side of an upload: extraction and parsing, done before anything is stored (and
//! without any lock) so that a rejected or timed-out upload leaves nothing behind, and batches
//! that prepare in parallel and commit once. Its own room because it is where the cores go.

use chrono::NaiveDate;

use super::{
    CandidateView, Engine, EngineError, IngestOutcome, Ingested, MAX_EXTERNAL_ID_CHARS, Prepared,
    Upload, is_hidden_char,
};
use crate::extract::{self, ExtractError, Limits};
use crate::parse::{ParseOptions, Parser};
use crate::profile::Profile;
use crate::score::Features;

impl Engine {
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
}
