//! `GET /v1/candidates/{id}/json-resume`: the profile as a JSON Resume document (schema 1.0).
//! Uploading such a document is `POST /v1/candidates` (detected by its shape in the engine).

use std::sync::Arc;

use actix_web::{HttpResponse, web};

use super::AppState;
use super::error::ApiError;
use crate::engine::Engine;
use crate::ids::CandidateId;
use crate::profile::json_resume::to_json_resume;

pub async fn export(
    state: web::Data<AppState>,
    tenant: crate::tenant::Tenant,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = CandidateId::parse(&id)?;
    let engine: Arc<Engine> = Arc::clone(&state.engine);
    let candidate = match web::block(move || {
        engine.check_candidate(&tenant, id)?;
        engine.candidate(id)
    })
    .await
    {
        Ok(result) => result?,
        Err(error) => {
            tracing::error!(%error, "blocking task failed");
            return Err(ApiError::internal());
        }
    };
    Ok(HttpResponse::Ok().json(to_json_resume(&candidate.profile)))
}
