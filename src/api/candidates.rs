//! Candidates as a resource: one upload (`POST /v1/candidates`), a batch of files and zip
//! archives (`POST /v1/candidates/batch`), reading and erasing one (`GET`/`DELETE
//! /v1/candidates/{id}`). The form is read in [`super::multipart`], retries answered in
//! [`super::idempotency`].

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::blocking::{audit, blocking};
use super::error::ApiError;
use super::idempotency::{idempotency, record, replay};
use super::multipart::{MAX_BATCH_FILES, UploadForm, UploadedFile, read_upload_form};
use super::{AppState, Caller};
use crate::audit::Action;
use crate::engine::{CandidateView, Engine, Ingested, OwnedUpload, Upload};
use crate::error_code::Code;
use crate::ids::CandidateId;
use crate::tenant::Tenant;

type ApiResult = Result<HttpResponse, ApiError>;

/// `?blind=true|false`, else the server's default. Other parameters are ignored, as they were
/// before this one existed (a client that sends some must keep working).
#[derive(Deserialize, utoipa::IntoParams)]
pub struct BlindParams {
    blind: Option<bool>,
}

/// What reading a document may hold in memory, as a multiple of its size: the bytes, the
/// decompressed streams, the glyphs, the text and the profile. An estimate for admission's
/// memory budget, on the high side.
const DOCUMENT_MEMORY_FACTOR: usize = 8;

fn json_body<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|error| {
        tracing::error!(%error, "response cannot be encoded");
        ApiError::internal()
    })
}

/// `POST /v1/candidates`: one resume.
pub async fn upload_candidate(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> ApiResult {
    let max = state.settings.max_upload_bytes;
    let mut form = read_upload_form(&request, payload, max, max).await?;
    if form.files.len() > 1 {
        return Err(ApiError::new(
            Code::TooManyFiles,
            "This endpoint takes one file; send several to /v1/candidates/batch.",
        ));
    }
    let idempotency = idempotency(&request, &form)?;
    let engine: Arc<Engine> = Arc::clone(&state.engine);
    if let Some(replayed) = replay(&engine, &idempotency, state.settings.idempotency_ttl).await? {
        return Ok(replayed);
    }
    let file = form.files.pop().ok_or_else(ApiError::internal)?;
    let upload = Arc::new(OwnedUpload {
        bytes: file.bytes,
        file_name: file.file_name,
        external_id: form.external_id,
        document_date: form.document_date,
        batch_id: None,
        tenant: super::auth::tenant_of(&request),
    });

    // Extraction and parsing wait their turn (see `admission`), then are bounded in time from
    // when they start. Nothing is stored unless they finish in time: a hostile file that keeps
    // its worker busy costs a thread, never a stored half-candidate. The admission ticket moves
    // into the task, so a task that outlives its budget keeps its worker until it really ends.
    let admitted = state
        .admission
        .document(upload.bytes.len().saturating_mul(DOCUMENT_MEMORY_FACTOR))
        .await?;
    let prepare = {
        let (engine, upload) = (Arc::clone(&engine), Arc::clone(&upload));
        web::block(move || (engine.prepare(&upload.borrowed()), admitted))
    };
    let (prepared, mut admitted) =
        match tokio::time::timeout(state.settings.extract_timeout, prepare).await {
            Err(_elapsed) => {
                return Err(ApiError::new(
                    Code::DocumentTooComplex,
                    "The document took longer to read than the time limit and was refused.",
                ));
            }
            Ok(Err(error)) => {
                tracing::error!(%error, "blocking task failed");
                return Err(ApiError::internal());
            }
            Ok(Ok((result, admitted))) => (result?, admitted),
        };
    // The core goes to the next document; the memory stays reserved until this one is stored.
    // Stored with whatever other uploads are ready (the engine's group commit), the audit entry
    // in the same transaction.
    admitted.release_worker();
    let committing = state.admission.commit().await?;
    let (candidate, ingested) = {
        let engine = Arc::clone(&engine);
        let caller = Caller::of(&request);
        blocking(move || engine.commit_grouped(upload, prepared, Some(caller.key_id))).await?
    };
    drop((committing, admitted));
    let status = match ingested {
        Ingested::Created => StatusCode::CREATED,
        Ingested::Replaced | Ingested::Duplicate => StatusCode::OK,
    };
    let body = json_body(&candidate)?;
    record(&engine, idempotency, status, &body, vec![candidate.id]).await?;
    Ok(HttpResponse::build(status)
        .insert_header((header::LOCATION, format!("/v1/candidates/{}", candidate.id)))
        .insert_header(("shortlist-outcome", ingested_name(ingested)))
        .content_type("application/json")
        .body(body))
}

fn ingested_name(ingested: Ingested) -> &'static str {
    match ingested {
        Ingested::Created => "created",
        Ingested::Replaced => "replaced",
        Ingested::Duplicate => "duplicate",
    }
}

#[derive(serde::Serialize)]
struct BatchItem {
    file: Option<String>,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<uuid::Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<serde_json::Value>,
}

#[derive(serde::Serialize)]
struct BatchSummary {
    /// Select this batch's candidates in a screening run: `{"batch_id": "…"}`.
    batch_id: String,
    created: usize,
    replaced: usize,
    duplicates: usize,
    rejected: usize,
    /// Hidden or system files in archives, left out (each has an item saying so).
    skipped: usize,
    items: Vec<BatchItem>,
}

/// `POST /v1/candidates/batch`: many resumes in one request (each a `file` part; a `.zip` part
/// is unpacked). Parsed in parallel on all cores, stored in one transaction. Each file gets its
/// own outcome: one bad file does not fail the others.
pub async fn upload_batch(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> ApiResult {
    let settings = &state.settings;
    let form = read_upload_form(
        &request,
        payload,
        settings.max_batch_bytes,
        settings.max_batch_bytes,
    )
    .await?;
    let idempotency = idempotency(&request, &form)?;
    let engine: Arc<Engine> = Arc::clone(&state.engine);
    if let Some(replayed) = replay(&engine, &idempotency, state.settings.idempotency_ttl).await? {
        return Ok(replayed);
    }
    let max_file_bytes = settings.max_upload_bytes;
    let max_batch_bytes = settings.max_batch_bytes;
    // Reserved before anything is unpacked: an archive may inflate to the batch limit.
    let holds: usize = form
        .files
        .iter()
        .map(|file| {
            if file.is_zip() {
                max_batch_bytes
            } else {
                file.bytes.len().saturating_mul(DOCUMENT_MEMORY_FACTOR)
            }
        })
        .fold(0, usize::saturating_add);
    let admitted = state.admission.batch(holds).await?;
    let tenant = super::auth::tenant_of(&request);
    let summary = {
        let engine = Arc::clone(&engine);
        blocking(move || {
            let _admitted = admitted;
            Ok::<_, ApiError>(ingest_form(
                &engine,
                form,
                max_file_bytes,
                max_batch_bytes,
                &tenant,
            ))
        })
        .await??
    };
    let caller = Caller::of(&request);
    for (action, outcome) in [
        (Action::CandidateUploaded, "created"),
        (Action::CandidateReplaced, "replaced"),
    ] {
        let ids: Vec<uuid::Uuid> = summary
            .items
            .iter()
            .filter(|item| item.outcome == outcome)
            .filter_map(|item| item.id)
            .collect();
        if !ids.is_empty() {
            audit(&engine, caller.event(action).candidates(ids)).await?;
        }
    }
    let quoted: Vec<uuid::Uuid> = summary.items.iter().filter_map(|item| item.id).collect();
    let body = json_body(&summary)?;
    record(&engine, idempotency, StatusCode::OK, &body, quoted).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

fn ingest_form(
    engine: &Engine,
    form: UploadForm,
    max_file_bytes: usize,
    max_batch_bytes: usize,
    tenant: &Tenant,
) -> Result<BatchSummary, ApiError> {
    let mut files = Vec::new();
    let mut early_errors = Vec::new();
    for file in form.files {
        if !file.is_zip() {
            files.push(file);
            continue;
        }
        match crate::archive::unpack_zip(
            &file.bytes,
            max_file_bytes,
            max_batch_bytes,
            MAX_BATCH_FILES,
        ) {
            Ok(unpacked) => {
                files.extend(
                    unpacked
                        .files
                        .into_iter()
                        .map(|(name, bytes)| UploadedFile {
                            file_name: Some(name),
                            bytes,
                        }),
                );
                // Said, not silently dropped: the sender may have meant to include them.
                early_errors.extend(unpacked.skipped.into_iter().map(|name| BatchItem {
                    file: Some(name),
                    outcome: "skipped",
                    id: None,
                    external_id: None,
                    error: Some(serde_json::json!({
                        "code": Code::HiddenFile,
                        "message": "hidden and system files in an archive (dot files, __MACOSX/) are not read"
                    })),
                }));
            }
            Err(error) => early_errors.push(BatchItem {
                file: file.file_name,
                outcome: "rejected",
                id: None,
                external_id: None,
                error: Some(
                    serde_json::json!({"code": error.code(), "message": error.to_string()}),
                ),
            }),
        }
    }
    let external_ids: Vec<Option<String>> = files
        .iter()
        .map(|file| {
            if form.external_ids_from_file_names {
                file.file_name.clone()
            } else if files.len() == 1 {
                form.external_id.clone()
            } else {
                None
            }
        })
        .collect();
    let batch_id = uuid::Uuid::new_v4().to_string();
    let uploads: Vec<Upload<'_>> = files
        .iter()
        .zip(&external_ids)
        .map(|(file, external_id)| Upload {
            bytes: &file.bytes,
            file_name: file.file_name.as_deref(),
            external_id: external_id.as_deref(),
            document_date: form.document_date,
            batch_id: Some(&batch_id),
            tenant: tenant.clone(),
        })
        .collect();
    let results = engine.ingest_batch(&uploads).map_err(ApiError::from)?;
    let mut summary = BatchSummary {
        batch_id: batch_id.clone(),
        created: 0,
        replaced: 0,
        duplicates: 0,
        rejected: early_errors
            .iter()
            .filter(|item| item.outcome == "rejected")
            .count(),
        skipped: early_errors
            .iter()
            .filter(|item| item.outcome == "skipped")
            .count(),
        items: early_errors,
    };
    for (file, result) in files.iter().zip(results) {
        let item = match result {
            Ok((candidate, ingested)) => {
                match ingested {
                    Ingested::Created => summary.created += 1,
                    Ingested::Replaced => summary.replaced += 1,
                    Ingested::Duplicate => summary.duplicates += 1,
                }
                let CandidateView {
                    id, external_id, ..
                } = candidate;
                BatchItem {
                    file: file.file_name.clone(),
                    outcome: ingested_name(ingested),
                    id: Some(id),
                    external_id,
                    error: None,
                }
            }
            Err(error) => {
                summary.rejected += 1;
                let api_error = ApiError::from(error);
                BatchItem {
                    file: file.file_name.clone(),
                    outcome: "rejected",
                    id: None,
                    external_id: None,
                    error: Some(
                        serde_json::json!({"code": api_error.code, "message": api_error.detail}),
                    ),
                }
            }
        };
        summary.items.push(item);
    }
    Ok(summary)
}

pub async fn get_candidate(
    state: web::Data<AppState>,
    tenant: Tenant,
    id: web::Path<String>,
    params: web::Query<BlindParams>,
) -> ApiResult {
    let id = CandidateId::parse(&id)?;
    let engine = Arc::clone(&state.engine);
    let blind = params.blind.unwrap_or(state.settings.blind);
    let candidate = blocking(move || {
        engine.check_candidate(&tenant, id)?;
        if blind {
            engine.blind_candidate(id)
        } else {
            engine.candidate(id)
        }
    })
    .await?;
    Ok(HttpResponse::Ok().json(candidate))
}

pub async fn delete_candidate(
    state: web::Data<AppState>,
    request: HttpRequest,
    tenant: Tenant,
    id: web::Path<String>,
) -> ApiResult {
    let id = CandidateId::parse(&id)?;
    let engine = Arc::clone(&state.engine);
    blocking(move || {
        engine.check_candidate(&tenant, id)?;
        engine.delete_candidate(id)
    })
    .await?;
    // The entry keeps the id only: the person's data is gone.
    audit(
        &state.engine,
        Caller::of(&request)
            .event(Action::CandidateDeleted)
            .candidates([id]),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
