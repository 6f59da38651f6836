//! Request handlers: parse the request, call the engine off the executor, map the result.

use std::sync::Arc;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use futures_util::StreamExt;
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;
use crate::engine::{Engine, EngineError, RankQuery, Upload};
use crate::role::Role;
use crate::store::Upserted;

type ApiResult = Result<HttpResponse, ApiError>;

/// Runs engine work on the blocking pool, off the async workers.
async fn blocking<T, F>(work: F) -> Result<T, ApiError>
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

pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// Largest text form field (`external_id`, `document_date`).
const MAX_FORM_FIELD_BYTES: usize = 4096;

struct UploadForm {
    file: Vec<u8>,
    file_name: Option<String>,
    external_id: Option<String>,
    document_date: Option<NaiveDate>,
}

/// Reads the multipart body, refusing it as soon as a part passes its limit.
async fn read_upload_form(
    request: &HttpRequest,
    payload: web::Payload,
    max_upload_bytes: usize,
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
            "Upload a resume as multipart/form-data with the file in a part named `file`.",
        ));
    }
    // A declared length far over the limit is refused before a byte is read.
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > max_upload_bytes + 64 * 1024) {
        return Err(ApiError::payload_too_large(max_upload_bytes));
    }

    let mut multipart = Multipart::new(request.headers(), payload);
    let mut form = UploadForm {
        file: Vec::new(),
        file_name: None,
        external_id: None,
        document_date: None,
    };
    let mut saw_file = false;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|e| {
            ApiError::bad_request(
                "malformed_multipart",
                format!("The multipart body cannot be read: {e}"),
            )
        })?;
        let name = field.name().unwrap_or("").to_owned();
        let limit = if name == "file" {
            max_upload_bytes
        } else {
            MAX_FORM_FIELD_BYTES
        };
        if name == "file" {
            saw_file = true;
            form.file_name = field
                .content_disposition()
                .and_then(|disposition| disposition.get_filename())
                .map(|file_name| file_name.chars().take(255).collect());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::bad_request(
                    "malformed_multipart",
                    format!("The multipart body cannot be read: {e}"),
                )
            })?;
            if bytes.len() + chunk.len() > limit {
                return Err(if name == "file" {
                    ApiError::payload_too_large(max_upload_bytes)
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
            "file" => form.file = bytes,
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
            // Unknown parts are read (to stay within limits) and ignored.
            _ => {}
        }
    }
    if !saw_file {
        return Err(ApiError::bad_request(
            "missing_file",
            "The upload has no part named `file`: send the resume as the `file` field.",
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

pub async fn upload_candidate(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> ApiResult {
    let form = read_upload_form(&request, payload, state.settings.max_upload_bytes).await?;
    let form = Arc::new(form);
    let engine: Arc<Engine> = Arc::clone(&state.engine);

    // Extraction and parsing, bounded in time. Nothing is stored unless they finish in time:
    // a hostile file that keeps its worker busy costs a thread, never a stored half-candidate.
    let prepare = {
        let (engine, form) = (Arc::clone(&engine), Arc::clone(&form));
        web::block(move || engine.prepare(&upload_of(&form)))
    };
    let prepared = match tokio::time::timeout(state.settings.extract_timeout, prepare).await {
        Err(_elapsed) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "document_too_complex",
                "The document cannot be read",
                "The document took too long to read and was refused.",
            ));
        }
        Ok(Err(error)) => {
            tracing::error!(%error, "blocking task failed");
            return Err(ApiError::internal());
        }
        Ok(Ok(result)) => result?,
    };
    let (candidate, upserted) =
        blocking(move || engine.commit(&upload_of(&form), prepared)).await?;
    let status = match upserted {
        Upserted::Created => StatusCode::CREATED,
        Upserted::Replaced => StatusCode::OK,
    };
    Ok(HttpResponse::build(status)
        .insert_header((header::LOCATION, format!("/v1/candidates/{}", candidate.id)))
        .json(candidate))
}

fn upload_of(form: &UploadForm) -> Upload<'_> {
    Upload {
        bytes: &form.file,
        file_name: form.file_name.as_deref(),
        external_id: form.external_id.as_deref(),
        document_date: form.document_date,
    }
}

pub async fn get_candidate(state: web::Data<AppState>, id: web::Path<String>) -> ApiResult {
    let engine = Arc::clone(&state.engine);
    let candidate = blocking(move || engine.candidate(&id)).await?;
    Ok(HttpResponse::Ok().json(candidate))
}

pub async fn delete_candidate(state: web::Data<AppState>, id: web::Path<String>) -> ApiResult {
    let engine = Arc::clone(&state.engine);
    blocking(move || engine.delete_candidate(&id)).await?;
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
    let status = match upserted {
        Upserted::Created => StatusCode::CREATED,
        Upserted::Replaced => StatusCode::OK,
    };
    Ok(HttpResponse::build(status).json(role))
}

pub async fn delete_role(state: web::Data<AppState>, id: web::Path<String>) -> ApiResult {
    let engine = Arc::clone(&state.engine);
    blocking(move || engine.delete_role(&id)).await?;
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
}

pub const DEFAULT_PAGE_SIZE: usize = 20;

pub async fn ranking(
    state: web::Data<AppState>,
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
    };
    let engine = Arc::clone(&state.engine);
    let page = blocking(move || engine.rank(&id, &query)).await?;
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
