//! Reading an upload's `multipart/form-data` body into an [`UploadForm`], refusing it as soon as
//! a part, or the whole, passes its limit: nothing larger than the limit is ever held.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, web};
use chrono::NaiveDate;
use futures_util::StreamExt;

use super::error::ApiError;
use crate::error_code::Code;

/// Largest text form field (`external_id`, `document_date`).
const MAX_FORM_FIELD_BYTES: usize = 4096;
/// Most files in one batch request (archives included).
pub(super) const MAX_BATCH_FILES: usize = 10_000;

/// One `file` part: its bytes and the file name the client gave (at most 255 characters).
pub(super) struct UploadedFile {
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

impl UploadedFile {
    /// A `.zip` part, unpacked by the batch upload rather than read as a resume.
    pub fn is_zip(&self) -> bool {
        self.file_name
            .as_deref()
            .is_some_and(|n| n.to_ascii_lowercase().ends_with(".zip"))
    }
}

/// An upload's form: its files and the fields that apply to them.
pub(super) struct UploadForm {
    pub files: Vec<UploadedFile>,
    pub external_id: Option<String>,
    pub document_date: Option<NaiveDate>,
    pub external_ids_from_file_names: bool,
}

/// Reads the multipart body, refusing it as soon as a part (or the whole) passes its limit.
pub(super) async fn read_upload_form(
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
            Code::ExpectedMultipart,
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
        e => ApiError::new(
            Code::MalformedMultipart,
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
                    ApiError::new(
                        Code::FormFieldTooLarge,
                        format!("The form field `{name}` is longer than {limit} bytes."),
                    )
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => {
                if form.files.len() >= MAX_BATCH_FILES {
                    return Err(ApiError::new(
                        Code::TooManyFiles,
                        format!("At most {MAX_BATCH_FILES} files go in one request."),
                    ));
                }
                form.files.push(UploadedFile { file_name, bytes });
            }
            "external_id" => form.external_id = Some(text_field(&name, bytes)?),
            "document_date" => {
                let text = text_field(&name, bytes)?;
                let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
                    ApiError::new(
                        Code::InvalidDocumentDate,
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
        return Err(ApiError::new(
            Code::MissingFile,
            "The upload has no part named `file`: send each resume as a `file` field.",
        ));
    }
    Ok(form)
}

fn text_field(name: &str, bytes: Vec<u8>) -> Result<String, ApiError> {
    String::from_utf8(bytes).map_err(|_| {
        ApiError::new(
            Code::InvalidFormField,
            format!("The form field `{name}` is not UTF-8 text."),
        )
    })
}
