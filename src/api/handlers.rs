//! Request handlers: parse the request, call the engine off the executor, map the result.

use std::sync::Arc;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::{AppState, Caller};
use crate::audit::{Action, AuditEvent};
use crate::engine::{CandidateView, Engine, EngineError, Ingested, OwnedUpload, RankQuery, Upload};
use crate::role::Role;
use crate::store::{ERASED_REPLAY_STATUS, IdempotentResponse, Upserted};

type ApiResult = Result<HttpResponse, ApiError>;

/// Runs engine work on the blocking pool, off the async workers.
pub(super) async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, EngineError> + Send + 'static,
    T: Send + 'static,
{
    match web::block(work).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(error) => {
            tracing::error!(%error, "blocking task failed");
            Err(ApiError::internal())
        }
    }
}

/// Appends to the audit log; the request fails if its action cannot be recorded.
pub(super) async fn audit(engine: &Arc<Engine>, event: AuditEvent) -> Result<(), ApiError> {
    let engine = Arc::clone(engine);
    blocking(move || engine.audit(event).map(|_| ())).await
}

/// `?blind=true|false`, else the server's default. Other parameters are ignored, as they were
/// before this one existed (a client that sends some must keep working).
#[derive(Deserialize)]
pub struct BlindParams {
    blind: Option<bool>,
}

pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// What reading a document may hold in memory, as a multiple of its size: the bytes, the
/// decompressed streams, the glyphs, the text and the profile. An estimate for admission's
/// memory budget, on the high side.
const DOCUMENT_MEMORY_FACTOR: usize = 8;

/// Largest text form field (`external_id`, `document_date`).
const MAX_FORM_FIELD_BYTES: usize = 4096;
/// Most files in one batch request (archives included).
const MAX_BATCH_FILES: usize = 10_000;

struct UploadedFile {
    file_name: Option<String>,
    bytes: Vec<u8>,
}

struct UploadForm {
    files: Vec<UploadedFile>,
    external_id: Option<String>,
    document_date: Option<NaiveDate>,
    external_ids_from_file_names: bool,
}

/// Reads the multipart body, refusing it as soon as a part (or the whole) passes its limit.
async fn read_upload_form(
    request: &HttpRequest,
    payload: web::Payload,
    max_file_bytes: usize,
    max_total_bytes: usize,
) -> Result<UploadForm, ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected_multipart",
            "Unsupported media type",
            "Upload resumes as multipart/form-data with each file in a part named `file`.",
        ));
    }
    // A declared length far over the limit is refused before a byte is read.
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > max_total_bytes + 64 * 1024) {
        return Err(ApiError::payload_too_large(max_total_bytes));
    }

    let malformed = |e: actix_multipart::MultipartError| match e {
        actix_multipart::MultipartError::Payload(ref payload)
            if ApiError::is_body_timeout(payload) =>
        {
            ApiError::body_timeout()
        }
        e => ApiError::bad_request(
            "malformed_multipart",
            format!("The multipart body cannot be read: {e}"),
        ),
    };
    let mut multipart = Multipart::new(request.headers(), payload);
    let mut form = UploadForm {
        files: Vec::new(),
        external_id: None,
        document_date: None,
        external_ids_from_file_names: false,
    };
    let mut total_bytes = 0usize;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or("").to_owned();
        let is_file = name == "file";
        let limit = if is_file {
            max_file_bytes
        } else {
            MAX_FORM_FIELD_BYTES
        };
        let file_name = field
            .content_disposition()
            .and_then(|disposition| disposition.get_filename())
            .map(|file_name| file_name.chars().take(255).collect::<String>());
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            total_bytes += chunk.len();
            if bytes.len() + chunk.len() > limit || total_bytes > max_total_bytes {
                return Err(if is_file {
                    ApiError::payload_too_large(limit.min(max_total_bytes))
                } else {
                    ApiError::bad_request(
                        "form_field_too_large",
                        format!("The form field `{name}` is longer than {limit} bytes."),
                    )
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => {
                if form.files.len() >= MAX_BATCH_FILES {
                    return Err(ApiError::bad_request(
                        "too_many_files",
                        format!("At most {MAX_BATCH_FILES} files go in one request."),
                    ));
                }
                form.files.push(UploadedFile { file_name, bytes });
            }
            "external_id" => form.external_id = Some(text_field(&name, bytes)?),
            "document_date" => {
                let text = text_field(&name, bytes)?;
                let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
                    ApiError::bad_request(
                        "invalid_document_date",
                        format!("document_date must be a date as YYYY-MM-DD, got {text:?}."),
                    )
                })?;
                form.document_date = Some(date);
            }
            "external_ids_from_file_names" => {
                form.external_ids_from_file_names = text_field(&name, bytes)?.trim() == "true";
            }
            // Unknown parts are read (to stay within limits) and ignored.
            _ => {}
        }
    }
    if form.files.is_empty() {
        return Err(ApiError::bad_request(
            "missing_file",
            "The upload has no part named `file`: send each resume as a `file` field.",
        ));
    }
    Ok(form)
}

fn text_field(name: &str, bytes: Vec<u8>) -> Result<String, ApiError> {
    String::from_utf8(bytes).map_err(|_| {
        ApiError::bad_request(
            "invalid_form_field",
            format!("The form field `{name}` is not UTF-8 text."),
        )
    })
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The `Idempotency-Key` header, if any, and the hash of what the request asks for (so that the
/// same key reused for a different request is refused rather than answered wrongly).
fn idempotency(
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
        return Err(ApiError::bad_request(
            "invalid_idempotency_key",
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
        format!("{}:{}", request.path(), key),
        hex::encode(hasher.finalize()),
    )))
}

/// Answers a retried request with the response recorded for its key, if there is one.
async fn replay(
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
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "Idempotency key reused",
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
async fn record(
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
        return Err(ApiError::bad_request(
            "too_many_files",
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
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "document_too_complex",
                    "The document cannot be read",
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
        blocking(move || engine.commit_grouped(upload, prepared, Some(caller))).await?
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
            if is_zip(file) {
                max_batch_bytes
            } else {
                file.bytes.len().saturating_mul(DOCUMENT_MEMORY_FACTOR)
            }
        })
        .fold(0, usize::saturating_add);
    let admitted = state.admission.batch(holds).await?;
    let summary = {
        let engine = Arc::clone(&engine);
        blocking(move || {
            let _admitted = admitted;
            Ok(ingest_form(&engine, form, max_file_bytes, max_batch_bytes))
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
            audit(&engine, AuditEvent::new(action, &caller).candidates(ids)).await?;
        }
    }
    let quoted: Vec<uuid::Uuid> = summary.items.iter().filter_map(|item| item.id).collect();
    let body = json_body(&summary)?;
    record(&engine, idempotency, StatusCode::OK, &body, quoted).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

fn is_zip(file: &UploadedFile) -> bool {
    file.file_name
        .as_deref()
        .is_some_and(|n| n.to_ascii_lowercase().ends_with(".zip"))
}

fn ingest_form(
    engine: &Engine,
    form: UploadForm,
    max_file_bytes: usize,
    max_batch_bytes: usize,
) -> Result<BatchSummary, ApiError> {
    let mut files = Vec::new();
    let mut early_errors = Vec::new();
    for file in form.files {
        if !is_zip(&file) {
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
                        "code": "hidden_file",
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
    id: web::Path<String>,
    params: web::Query<BlindParams>,
) -> ApiResult {
    let engine = Arc::clone(&state.engine);
    let blind = params.blind.unwrap_or(state.settings.blind);
    let candidate = if blind {
        blocking(move || engine.blind_candidate(&id)).await?
    } else {
        blocking(move || engine.candidate(&id)).await?
    };
    Ok(HttpResponse::Ok().json(candidate))
}

pub async fn delete_candidate(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
) -> ApiResult {
    let engine = Arc::clone(&state.engine);
    let candidate_id = id.clone();
    blocking(move || engine.delete_candidate(&candidate_id)).await?;
    // The entry keeps the id only: the person's data is gone.
    audit(
        &state.engine,
        AuditEvent::new(Action::CandidateDeleted, &Caller::of(&request)).candidates([id.as_str()]),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn list_roles(state: web::Data<AppState>) -> ApiResult {
    Ok(HttpResponse::Ok().json(state.engine.roles()))
}

pub async fn get_role(state: web::Data<AppState>, id: web::Path<String>) -> ApiResult {
    Ok(HttpResponse::Ok().json(state.engine.role(&id)?))
}

/// The body may leave out `id`: the path gives it.
pub async fn put_role(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> ApiResult {
    let id = id.into_inner();
    let mut body = body.into_inner();
    if let Some(object) = body.as_object_mut() {
        object
            .entry("id")
            .or_insert_with(|| serde_json::Value::String(id.clone()));
    }
    let role: Role = serde_json::from_value(body).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_role",
            "Invalid role",
            e.to_string(),
        )
    })?;
    let engine = Arc::clone(&state.engine);
    let (role, upserted) = blocking(move || engine.put_role(&id, role)).await?;
    audit(
        &state.engine,
        AuditEvent::new(Action::RolePut, &Caller::of(&request)).role(&role),
    )
    .await?;
    let status = match upserted {
        Upserted::Created => StatusCode::CREATED,
        Upserted::Replaced => StatusCode::OK,
    };
    Ok(HttpResponse::build(status).json(role))
}

pub async fn delete_role(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
) -> ApiResult {
    let engine = Arc::clone(&state.engine);
    let role = state.engine.role(&id).ok();
    let role_id = id.clone();
    blocking(move || engine.delete_role(&role_id)).await?;
    let event = AuditEvent::new(Action::RoleDeleted, &Caller::of(&request));
    let event = match &role {
        Some(role) => event.role(role),
        None => event.role_id(&id),
    };
    audit(&state.engine, event).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct DraftRequest {
    text: String,
}

pub async fn draft_role(state: web::Data<AppState>, body: web::Json<DraftRequest>) -> ApiResult {
    if body.text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "empty_text",
            "Send the job description as `text`.",
        ));
    }
    let engine = Arc::clone(&state.engine);
    let text = body.into_inner().text;
    let role = blocking(move || Ok(engine.draft_role(&text))).await?;
    Ok(HttpResponse::Ok().json(role))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankingParams {
    limit: Option<usize>,
    cursor: Option<String>,
    q: Option<String>,
    #[serde(default)]
    must_haves_only: bool,
    min_score: Option<f32>,
    blind: Option<bool>,
}

pub const DEFAULT_PAGE_SIZE: usize = 20;

pub async fn ranking(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    params: web::Query<RankingParams>,
) -> ApiResult {
    let params = params.into_inner();
    if params.limit == Some(0) {
        return Err(ApiError::bad_request(
            "invalid_limit",
            "limit must be at least 1.",
        ));
    }
    if params
        .min_score
        .is_some_and(|min| !(0.0..=100.0).contains(&min))
    {
        return Err(ApiError::bad_request(
            "invalid_min_score",
            "min_score is between 0 and 100.",
        ));
    }
    let query = RankQuery {
        limit: params.limit.unwrap_or(DEFAULT_PAGE_SIZE),
        cursor: params.cursor,
        q: params.q,
        must_haves_only: params.must_haves_only,
        min_score: params.min_score,
        only_seqs: None,
        blind: params.blind.unwrap_or(state.settings.blind),
    };
    let engine = Arc::clone(&state.engine);
    let page = blocking(move || engine.rank(&id, &query)).await?;
    // Who saw whom, against which version of the role.
    let event = AuditEvent::new(Action::RankingRead, &Caller::of(&request))
        .role_version(&page.role_id, &page.role_version_hash)
        .candidates(page.results.iter().map(|result| result.candidate_id));
    audit(&state.engine, event).await?;
    Ok(HttpResponse::Ok().json(page))
}

pub fn json_error(error: actix_web::error::JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    let api_error = match &error {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ApiError::payload_too_large(*limit),
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected_json",
            "Unsupported media type",
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        JsonPayloadError::Payload(payload) if ApiError::is_body_timeout(payload) => {
            ApiError::body_timeout()
        }
        JsonPayloadError::Deserialize(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "Bad request",
            format!("The JSON body cannot be read: {e}"),
        ),
        other => ApiError::bad_request(
            "malformed_json",
            format!("The JSON body cannot be read: {other}"),
        ),
    };
    api_error.into()
}

pub fn query_error(
    error: actix_web::error::QueryPayloadError,
    _: &HttpRequest,
) -> actix_web::Error {
    ApiError::bad_request(
        "invalid_query_parameters",
        format!("The query parameters are not valid: {error}"),
    )
    .into()
}

pub fn path_error(error: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request("invalid_path", format!("The path is not valid: {error}")).into()
}
