//! `GET /v1/candidates/{id}/file`: the original upload, byte for byte, as an attachment.
//!
//! The file name came from the uploader, so it is never written into the header as it is: the
//! `filename` parameter gets a plain ASCII stand-in (quotes, backslashes, control and non-ASCII
//! characters replaced) and `filename*` the exact name, percent-encoded as UTF-8 (RFC 6266,
//! RFC 8187). A header can then neither be split nor forged by a name.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::AppState;
use super::error::ApiError;
use crate::engine::{Engine, OriginalFile};
use crate::ids::CandidateId;

/// RFC 8187's `attr-char`: everything else is percent-encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// The longest file name put in a header; longer names are cut (at a character boundary).
const MAX_NAME_CHARS: usize = 200;

/// The name a download gets: the uploaded name without any folder part, else one made from
/// the id and the media type.
fn download_name(file: &OriginalFile) -> String {
    let uploaded = file
        .file_name
        .as_deref()
        .map(|name| name.rsplit(['/', '\\']).next().unwrap_or(name).trim())
        .filter(|name| !name.is_empty() && *name != "." && *name != "..");
    match uploaded {
        Some(name) => name.chars().take(MAX_NAME_CHARS).collect(),
        None => format!("candidate-{}.{}", file.id, extension(&file.media_type)),
    }
}

fn extension(media_type: &str) -> &'static str {
    match media_type {
        "application/pdf" => "pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.oasis.opendocument.text" => "odt",
        "text/html" => "html",
        "application/rtf" | "text/rtf" => "rtf",
        "application/json" => "json",
        "text/plain" => "txt",
        _ => "bin",
    }
}

/// `attachment; filename="<ascii>"; filename*=UTF-8''<encoded>`.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(name, ATTR_CHAR)
    )
}

pub async fn download_file(
    state: web::Data<AppState>,
    tenant: crate::tenant::Tenant,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = CandidateId::parse(&id)?;
    let engine: Arc<Engine> = Arc::clone(&state.engine);
    let file = match web::block(move || {
        engine.check_candidate(&tenant, id)?;
        engine.original_file(id)
    })
    .await
    {
        Ok(result) => result?,
        Err(error) => {
            tracing::error!(%error, "blocking task failed");
            return Err(ApiError::internal());
        }
    };
    let name = download_name(&file);
    Ok(HttpResponse::Ok()
        .content_type(file.media_type.as_str())
        .insert_header((header::CONTENT_DISPOSITION, content_disposition(&name)))
        // The bytes are the uploader's: a browser must not guess them into HTML.
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(file.bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_break_out_of_the_header() {
        assert_eq!(
            content_disposition("cv.pdf"),
            "attachment; filename=\"cv.pdf\"; filename*=UTF-8''cv.pdf"
        );
        let hostile = content_disposition("a\"b\\c\r\nSet-Cookie: x=1.pdf");
        assert!(
            !hostile.contains('\r') && !hostile.contains('\n'),
            "{hostile}"
        );
        assert!(hostile.starts_with("attachment; filename=\"a_b_c__Set-Cookie: x=1.pdf\";"));
        assert_eq!(
            content_disposition("Zoë Müller.docx"),
            "attachment; filename=\"Zo_ M_ller.docx\"; filename*=UTF-8''Zo%C3%AB%20M%C3%BCller.docx"
        );
    }
}
