//! `Idempotency-Key` for uploads: a retried request gets the answer recorded for its key, the
//! same key reused for a different request is refused, and an answer that quoted a candidate
//! since erased is not replayed (nor the upload done again, which would bring the person back).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::blocking::blocking;
use super::error::ApiError;
use super::multipart::UploadForm;
use crate::engine::Engine;
use crate::error_code::Code;
use crate::store::{ERASED_REPLAY_STATUS, IdempotentResponse};

const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The `Idempotency-Key` header, if any, and the hash of what the request asks for (so that the
/// same key reused for a different request is refused rather than answered wrongly).
pub(super) fn idempotency(
    request: &HttpRequest,
    form: &UploadForm,
) -> Result<Option<(String, String)>, ApiError> {
    let Some(value) = request.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255);
    let Some(key) = key else {
        return Err(ApiError::new(
            Code::InvalidIdempotencyKey,
            "The Idempotency-Key header is 1 to 255 visible characters.",
        ));
    };
    let mut hasher = Sha256::new();
    hasher.update(request.path().as_bytes());
    for file in &form.files {
        hasher.update(Sha256::digest(&file.bytes));
        hasher.update(file.file_name.as_deref().unwrap_or("").as_bytes());
    }
    hasher.update(form.external_id.as_deref().unwrap_or("").as_bytes());
    hasher.update(
        form.document_date
            .map(|d| d.to_string())
            .unwrap_or_default()
            .as_bytes(),
    );
    hasher.update([u8::from(form.external_ids_from_file_names)]);
    Ok(Some((
        super::auth::tenant_of(request).scoped_key(&format!("{}:{}", request.path(), key)),
        hex::encode(hasher.finalize()),
    )))
}

/// Answers a retried request with the response recorded for its key, if there is one.
pub(super) async fn replay(
    engine: &Arc<Engine>,
    idempotency: &Option<(String, String)>,
    ttl: std::time::Duration,
) -> Result<Option<HttpResponse>, ApiError> {
    let Some((key, request_sha256)) = idempotency.clone() else {
        return Ok(None);
    };
    let engine = Arc::clone(engine);
    let Some(recorded) = blocking(move || engine.idempotent_response(&key, ttl)).await? else {
        return Ok(None);
    };
    if recorded.request_sha256 != request_sha256 {
        return Err(ApiError::new(
            Code::IdempotencyKeyReused,
            "This Idempotency-Key was already used for a different request.",
        ));
    }
    // A candidate this response quoted was erased: so was the response, and the upload is
    // not done again under the same key (that would bring the person back).
    if recorded.status == ERASED_REPLAY_STATUS {
        return Err(ApiError::candidate_deleted());
    }
    let status = StatusCode::from_u16(recorded.status).unwrap_or(StatusCode::OK);
    Ok(Some(
        HttpResponse::build(status)
            .content_type("application/json")
            .insert_header(("idempotent-replayed", "true"))
            .body(recorded.body),
    ))
}

/// Keeps a successful response for its idempotency key.
pub(super) async fn record(
    engine: &Arc<Engine>,
    idempotency: Option<(String, String)>,
    status: StatusCode,
    body: &str,
    candidate_ids: Vec<uuid::Uuid>,
) -> Result<(), ApiError> {
    let Some((key, request_sha256)) = idempotency else {
        return Ok(());
    };
    let engine = Arc::clone(engine);
    let response = IdempotentResponse {
        request_sha256,
        status: status.as_u16(),
        body: body.to_owned(),
        candidate_ids,
    };
    blocking(move || engine.record_idempotent_response(&key, &response)).await
}
