//! Every error code Shortlist reports, in one table: the HTTP API's problem `code`, the CLI's
//! `error.code` and a batch item's `error.code` all come from here, so that one failure has one
//! name wherever it is seen. Each layer's error (`ExtractError`, `ArchiveError`, `EngineError`,
//! `StoreError`, `RunError`, `WebhookError`, `ImportError`) says which entry it is through its
//! `code()`; the HTTP mapping in `src/api/error.rs` reads status, title and fault from the entry.
//!
//! The code strings are a contract: clients match on them, and the contract and README list
//! some. Add an entry rather than rename one. A test walks `src/` and checks that each string
//! occurs in this file and nowhere else, so a code cannot be invented on the side again.

use actix_web::http::StatusCode;

/// Whose fault a failure is. A caller's fault is answered with what was wrong (the `detail` is
/// written for them); a server's fault is answered with a fixed sentence, and its cause goes to
/// the log only, since it may name files, SQL or addresses the caller has no business seeing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Caller,
    Server,
}

/// Builds [`Code`] from one line per code: `Variant = "code_string", STATUS, Fault, "Title";`.
/// As meilisearch's `make_error_codes!`, but the string is written out rather than derived from
/// the variant's name, so that `grep` for a code a client saw finds its line.
macro_rules! make_error_codes {
    ($($variant:ident = $code:literal, $status:ident, $fault:ident, $title:literal;)*) => {
        /// One entry of the error table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($variant),*
        }

        impl Code {
            /// Every entry, in table order.
            pub const ALL: &[Code] = &[$(Code::$variant),*];

            /// The stable string clients see.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code),*
                }
            }

            /// The HTTP status of a response with this code.
            pub fn status(self) -> StatusCode {
                match self {
                    $(Code::$variant => StatusCode::$status),*
                }
            }

            pub fn fault(self) -> Fault {
                match self {
                    $(Code::$variant => Fault::$fault),*
                }
            }

            /// The problem document's `title`: short, the same for every response with the code.
            pub fn title(self) -> &'static str {
                match self {
                    $(Code::$variant => $title),*
                }
            }
        }
    };
}

make_error_codes! {
    // The connection and the request as HTTP.
    MalformedRequest = "malformed_request", BAD_REQUEST, Caller, "Bad request";
    RequestHeadTooLarge = "request_head_too_large", REQUEST_HEADER_FIELDS_TOO_LARGE, Caller, "Request head too large";
    HeadTimeout = "head_timeout", REQUEST_TIMEOUT, Caller, "Request timeout";
    BodyTimeout = "body_timeout", REQUEST_TIMEOUT, Caller, "Request timeout";
    UriTooLong = "uri_too_long", URI_TOO_LONG, Caller, "URI too long";
    PayloadTooLarge = "payload_too_large", PAYLOAD_TOO_LARGE, Caller, "Payload too large";
    RouteNotFound = "route_not_found", NOT_FOUND, Caller, "Not found";
    MethodNotAllowed = "method_not_allowed", METHOD_NOT_ALLOWED, Caller, "Method not allowed";
    AssetNotFound = "asset_not_found", NOT_FOUND, Caller, "Not found";
    Unauthorized = "unauthorized", UNAUTHORIZED, Caller, "Unauthorized";
    // The key is valid but lacks the scope the route needs (README, "Keys and scopes").
    InsufficientScope = "insufficient_scope", FORBIDDEN, Caller, "Insufficient scope";
    // The key's (or, without keys, the address's) request budget is spent.
    RateLimited = "rate_limited", TOO_MANY_REQUESTS, Caller, "Too many requests";
    // The client address sent too many wrong keys and waits out the window.
    TooManyFailedAttempts = "too_many_failed_attempts", TOO_MANY_REQUESTS, Caller, "Too many failed attempts";

    // Bodies, paths and query parameters.
    ExpectedJson = "expected_json", UNSUPPORTED_MEDIA_TYPE, Caller, "Unsupported media type";
    MalformedJson = "malformed_json", BAD_REQUEST, Caller, "Bad request";
    InvalidQueryParameters = "invalid_query_parameters", BAD_REQUEST, Caller, "Bad request";
    InvalidPath = "invalid_path", BAD_REQUEST, Caller, "Bad request";
    InvalidLimit = "invalid_limit", BAD_REQUEST, Caller, "Bad request";
    InvalidCursor = "invalid_cursor", BAD_REQUEST, Caller, "Bad request";
    InvalidTimestamp = "invalid_timestamp", BAD_REQUEST, Caller, "Bad request";
    InvalidMinScore = "invalid_min_score", BAD_REQUEST, Caller, "Bad request";
    InvalidFormat = "invalid_format", BAD_REQUEST, Caller, "Bad request";
    InvalidQuery = "invalid_query", BAD_REQUEST, Caller, "Bad request";
    InvalidExternalId = "invalid_external_id", BAD_REQUEST, Caller, "Bad request";
    EmptyText = "empty_text", BAD_REQUEST, Caller, "Bad request";

    // Uploads: the multipart form and its idempotency key.
    ExpectedMultipart = "expected_multipart", UNSUPPORTED_MEDIA_TYPE, Caller, "Unsupported media type";
    MalformedMultipart = "malformed_multipart", BAD_REQUEST, Caller, "Bad request";
    FormFieldTooLarge = "form_field_too_large", BAD_REQUEST, Caller, "Bad request";
    InvalidFormField = "invalid_form_field", BAD_REQUEST, Caller, "Bad request";
    InvalidDocumentDate = "invalid_document_date", BAD_REQUEST, Caller, "Bad request";
    MissingFile = "missing_file", BAD_REQUEST, Caller, "Bad request";
    // A form with too many files, a file sent alone where one is taken, or an archive with too
    // many entries: one failure (too many files in one request), one code.
    TooManyFiles = "too_many_files", BAD_REQUEST, Caller, "Bad request";
    InvalidIdempotencyKey = "invalid_idempotency_key", BAD_REQUEST, Caller, "Bad request";
    IdempotencyKeyReused = "idempotency_key_reused", UNPROCESSABLE_ENTITY, Caller, "Idempotency key reused";
    CandidateDeleted = "candidate_deleted", GONE, Caller, "Candidate deleted";

    // Documents that cannot be read (`ExtractError`, `ArchiveError`; the CLI's reading of a
    // file). In a batch these are the items' codes, with the batch answered 200.
    EmptyFile = "empty_file", UNPROCESSABLE_ENTITY, Caller, "The document cannot be read";
    FileTooLarge = "file_too_large", PAYLOAD_TOO_LARGE, Caller, "The document cannot be read";
    UnsupportedMediaType = "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE, Caller, "The document cannot be read";
    MalformedDocument = "malformed_document", UNPROCESSABLE_ENTITY, Caller, "The document cannot be read";
    EncryptedDocument = "encrypted_document", UNPROCESSABLE_ENTITY, Caller, "The document cannot be read";
    NoTextLayer = "no_text_layer", UNPROCESSABLE_ENTITY, Caller, "The document cannot be read";
    NoText = "no_text", UNPROCESSABLE_ENTITY, Caller, "The document cannot be read";
    TooLittleText = "too_little_text", UNPROCESSABLE_ENTITY, Caller, "The document cannot be read";
    ArchiveBomb = "archive_bomb", UNPROCESSABLE_ENTITY, Caller, "The document cannot be read";
    DocumentTooComplex = "document_too_complex", UNPROCESSABLE_ENTITY, Caller, "The document cannot be read";
    MalformedArchive = "malformed_archive", UNPROCESSABLE_ENTITY, Caller, "The document cannot be read";
    // A dot file or `__MACOSX/` entry of an archive, left out (a batch item "skipped").
    HiddenFile = "hidden_file", UNPROCESSABLE_ENTITY, Caller, "The document cannot be read";
    // The CLI could not read a file from disk (`parse`, `import`).
    UnreadableFile = "unreadable_file", UNPROCESSABLE_ENTITY, Caller, "The document cannot be read";

    // Candidates, roles and the trust calls.
    CandidateNotFound = "candidate_not_found", NOT_FOUND, Caller, "Candidate not found";
    RoleNotFound = "role_not_found", NOT_FOUND, Caller, "Role not found";
    InvalidRole = "invalid_role", UNPROCESSABLE_ENTITY, Caller, "Invalid role";
    RoleDisabled = "role_disabled", UNPROCESSABLE_ENTITY, Caller, "Role disabled";
    RequirementNotFound = "requirement_not_found", NOT_FOUND, Caller, "Requirement not found";
    OverrideNotFound = "override_not_found", NOT_FOUND, Caller, "Override not found";
    InvalidOverride = "invalid_override", UNPROCESSABLE_ENTITY, Caller, "Invalid override";
    InvalidDemographics = "invalid_demographics", UNPROCESSABLE_ENTITY, Caller, "Invalid demographics";

    // Runs and webhooks.
    RunNotFound = "run_not_found", NOT_FOUND, Caller, "Run not found";
    InvalidRun = "invalid_run", UNPROCESSABLE_ENTITY, Caller, "Invalid run";
    RunNotFinished = "run_not_finished", CONFLICT, Caller, "Run not finished";
    InvalidSelected = "invalid_selected", BAD_REQUEST, Caller, "Bad request";
    InvalidWebhook = "invalid_webhook", UNPROCESSABLE_ENTITY, Caller, "Invalid webhook";
    WebhookNotFound = "webhook_not_found", NOT_FOUND, Caller, "Webhook not found";
    DeliveryNotFound = "delivery_not_found", NOT_FOUND, Caller, "Delivery not found";

    // The server's side: the detail is a fixed sentence, the cause is logged.
    InternalError = "internal_error", INTERNAL_SERVER_ERROR, Server, "Internal server error";
    InsufficientStorage = "insufficient_storage", INSUFFICIENT_STORAGE, Server, "Insufficient storage";
    Overloaded = "overloaded", SERVICE_UNAVAILABLE, Server, "Server busy";
    NotReady = "not_ready", SERVICE_UNAVAILABLE, Server, "Not ready";
    // The database (PostgreSQL) cannot be reached: nothing was stored, a retry may succeed.
    DatabaseUnavailable = "database_unavailable", SERVICE_UNAVAILABLE, Server, "Database unavailable";
    // A test delivery or redelivery asked of a webhook sender that is not running or did not
    // answer in time; the delivery stays queued.
    WebhookSenderUnavailable = "webhook_sender_unavailable", SERVICE_UNAVAILABLE, Server, "Webhook sender unavailable";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

// Each layer's error as an entry of the table, in one place: the matches are exhaustive, so a
// new variant does not compile until someone decides which entry (and so whose fault) it is.
// `ExtractError` and `ArchiveError` carry theirs in their own files (the fuzz targets and the
// CLI read them without the rest of the crate's layers).

impl crate::store::StoreError {
    pub fn code(&self) -> Code {
        if self.is_disk_full() {
            Code::InsufficientStorage
        } else if self.is_unavailable() {
            Code::DatabaseUnavailable
        } else {
            Code::InternalError
        }
    }
}

impl crate::engine::EngineError {
    pub fn code(&self) -> Code {
        use crate::engine::EngineError;
        match self {
            EngineError::Extract(error) => error.code(),
            EngineError::CandidateNotFound(_) => Code::CandidateNotFound,
            EngineError::RoleNotFound(_) => Code::RoleNotFound,
            EngineError::InvalidRole(_) => Code::InvalidRole,
            EngineError::RoleDisabled(..) => Code::RoleDisabled,
            EngineError::BadQuery(_) => Code::InvalidQuery,
            EngineError::BadCursor => Code::InvalidCursor,
            EngineError::BadExternalId => Code::InvalidExternalId,
            EngineError::RequirementNotFound { .. } => Code::RequirementNotFound,
            EngineError::OverrideNotFound(_) => Code::OverrideNotFound,
            EngineError::InvalidOverride(_) => Code::InvalidOverride,
            EngineError::InvalidDemographics(_) => Code::InvalidDemographics,
            EngineError::Store(error) => error.code(),
            EngineError::Index(_) => Code::InternalError,
        }
    }
}

impl crate::runs::RunError {
    pub fn code(&self) -> Code {
        use crate::runs::RunError;
        match self {
            RunError::NotFound(_) => Code::RunNotFound,
            RunError::Invalid(_) => Code::InvalidRun,
            RunError::NotFinished(_) => Code::RunNotFinished,
            RunError::BadSelection(_) => Code::InvalidSelected,
            RunError::Internal(_) => Code::InternalError,
            RunError::Engine(error) => error.code(),
        }
    }
}

impl crate::runs::webhooks::WebhookError {
    pub fn code(&self) -> Code {
        use crate::runs::webhooks::WebhookError;
        match self {
            WebhookError::Invalid(_) => Code::InvalidWebhook,
            WebhookError::NotFound(_) => Code::WebhookNotFound,
            WebhookError::DeliveryNotFound(_) => Code::DeliveryNotFound,
            WebhookError::Unavailable(_) => Code::WebhookSenderUnavailable,
            WebhookError::Internal(_) => Code::InternalError,
            WebhookError::Store(error) => error.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::path::Path;

    use super::*;

    #[test]
    fn codes_are_unique_and_snake_case() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "{name} is in the table twice");
            let snake = !name.is_empty()
                && name.starts_with(|c: char| c.is_ascii_lowercase())
                && !name.ends_with('_')
                && !name.contains("__")
                && name.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            assert!(snake, "{name:?} is not snake_case");
        }
    }

    #[test]
    fn status_matches_fault() {
        for code in Code::ALL {
            let status = code.status();
            match code.fault() {
                Fault::Caller => assert!(status.is_client_error(), "{code}: {status}"),
                Fault::Server => assert!(status.is_server_error(), "{code}: {status}"),
            }
        }
    }

    /// The source text outside `#[cfg(test)]` modules (each file's tests come last, by the
    /// crate's habit), so that a test asserting on a code does not count as a second place.
    fn without_tests(source: &str) -> &str {
        match source.find("#[cfg(test)]") {
            Some(start) => &source[..start],
            None => source,
        }
    }

    fn rust_files(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        let entries = std::fs::read_dir(dir).expect("src/ is readable");
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                rust_files(&path, files);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }

    /// Strings spelled like a code that name something else: the audit log's action
    /// `candidate_deleted` (`src/audit.rs`) is an event, the code a refused replay. Both are
    /// stored or sent to clients, so neither can be renamed; that file is not counted for it.
    const SAME_SPELLING_ELSEWHERE: &[(&str, &str)] = &[("candidate_deleted", "src/audit.rs")];

    /// Each code's string literal occurs once in `src/`: here. A second occurrence is a code
    /// made up on the side, which drifts from the table's status and spelling.
    #[test]
    fn each_code_string_is_written_once() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let sources: Vec<(String, String)> = files
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).expect("a source file is UTF-8");
                (path.display().to_string(), without_tests(&text).to_owned())
            })
            .collect();
        let mut misplaced = Vec::new();
        for code in Code::ALL {
            let literal = format!("\"{}\"", code.as_str());
            let places: Vec<&str> = sources
                .iter()
                .filter(|(path, _)| {
                    !SAME_SPELLING_ELSEWHERE
                        .iter()
                        .any(|(spelled, file)| *spelled == code.as_str() && path.ends_with(file))
                })
                .flat_map(|(path, text)| {
                    std::iter::repeat_n(path.as_str(), text.matches(&literal).count())
                })
                .collect();
            if places.len() != 1 {
                misplaced.push(format!("{literal}: {places:?}"));
            }
        }
        assert!(
            misplaced.is_empty(),
            "each code string belongs in src/error_code.rs only:\n{}",
            misplaced.join("\n")
        );
    }
}
