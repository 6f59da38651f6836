//! Every error the API returns, as `application/problem+json` (RFC 9457) with a stable `code`.
//! The mapping from engine errors to HTTP lives here and only here.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::engine::EngineError;
use crate::extract::ExtractError;

/// An error response. `detail` is written for the person reading it; a 500 never carries
/// internals (the log keeps the cause).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
    /// Seconds for a `Retry-After` header: the request can succeed later, unchanged.
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    code: &'a str,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            title,
            detail: detail.into(),
            retry_after: None,
        }
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The server has more work than it takes at once: nothing was done, try again shortly.
    /// 503 (not 422): the request is fine, and clients retry a 503 with `Retry-After`.
    pub fn overloaded(what: &str) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "Server busy",
            format!("The server is busy with other {what}; nothing was stored. Retry after the Retry-After delay."),
        )
        .retry_after(2)
    }

    /// The client stopped sending its body.
    pub fn body_timeout() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            "Request timeout",
            "The request body stopped arriving; the request was cut off and nothing was stored.",
        )
    }

    /// The payload error that [`super::middleware::body_timeout`] raises, seen by a reader.
    pub fn is_body_timeout(error: &actix_web::error::PayloadError) -> bool {
        matches!(error, actix_web::error::PayloadError::Io(io)
            if io.kind() == std::io::ErrorKind::TimedOut)
    }

    /// The request line or headers are not HTTP/1.1 (answered at the connection: see
    /// [`super::wire`]).
    pub fn malformed_request() -> Self {
        Self::bad_request(
            "malformed_request",
            "The request line or its headers cannot be parsed as HTTP/1.1; nothing was done.",
        )
    }

    /// The request line and headers are larger than the connection reads before a request
    /// starts (answered at the connection: see [`super::wire`]).
    pub fn request_head_too_large() -> Self {
        Self::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request_head_too_large",
            "Request head too large",
            "The request line and headers exceed 128 KiB or 96 headers; send long data in the body.",
        )
    }

    /// A URL longer than any call of the API needs.
    pub fn uri_too_long(limit: usize) -> Self {
        Self::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            "URI too long",
            format!("The URL is longer than {limit} bytes; no call of this API needs that much."),
        )
    }

    /// The request line and headers did not arrive in time (answered at the connection: see
    /// [`super::wire`]).
    pub fn head_timeout() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "head_timeout",
            "Request timeout",
            "The request line and headers did not arrive in time; the connection was closed.",
        )
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "Bad request", detail)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal server error",
            "Something went wrong on our side. The request id in the X-Request-Id header \
             helps us find it.",
        )
    }

    pub fn not_found_route() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "route_not_found",
            "Not found",
            "There is no such endpoint. The API lives under /v1 (see the README).",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method not allowed",
            "This endpoint does not accept that HTTP method.",
        )
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Payload too large",
            format!("The request body is larger than the limit of {limit} bytes."),
        )
    }

    /// The server cannot take work now (`GET /readyz`); `reason` is for the operator.
    pub fn not_ready(reason: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "Not ready",
            reason,
        )
        .retry_after(5)
    }

    /// A page size outside 1..=`max`.
    pub fn invalid_limit(max: usize) -> Self {
        Self::bad_request(
            "invalid_limit",
            format!("limit is a whole number from 1 to {max}."),
        )
    }

    /// A `created_since` / `updated_since` that is neither RFC 3339 nor YYYY-MM-DD.
    pub fn invalid_timestamp(parameter: &str) -> Self {
        Self::bad_request(
            "invalid_timestamp",
            format!(
                "{parameter} is a time in RFC 3339 (2026-01-31T09:00:00Z) or a date (2026-01-31)."
            ),
        )
    }

    /// A path under `/assets/` that the web page does not have.
    pub fn asset_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "asset_not_found",
            "Not found",
            "The web page has no such asset.",
        )
    }

    /// A role in a request body that cannot be read or does not validate.
    pub fn invalid_role(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_role",
            "Invalid role",
            detail,
        )
    }

    /// A retried upload whose candidate was deleted since: the recorded answer was erased with
    /// it, and the upload is not done again under the same key.
    pub fn candidate_deleted() -> Self {
        Self::new(
            StatusCode::GONE,
            "candidate_deleted",
            "Candidate deleted",
            "The candidate this request created was deleted since; its recorded response was \
             erased. Upload again with a new Idempotency-Key to create a new candidate.",
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Unauthorized",
            "This server needs an API key: send it as `Authorization: Bearer <key>`.",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status, self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(seconds)));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        response.body(self.problem_json())
    }
}

impl ApiError {
    /// The problem document (RFC 9457) this error is sent as.
    pub fn problem_json(&self) -> String {
        let problem = Problem {
            kind: format!("https://shortlist.invalid/problems/{}", self.code),
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
            code: self.code,
        };
        // Serializing plain strings and a number cannot fail.
        serde_json::to_string(&problem).unwrap_or_default()
    }
}

impl From<ExtractError> for ApiError {
    fn from(error: ExtractError) -> Self {
        let status = match &error {
            ExtractError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ExtractError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ExtractError::Empty
            | ExtractError::Malformed { .. }
            | ExtractError::Encrypted
            | ExtractError::NoTextLayer
            | ExtractError::NoText
            | ExtractError::TooLittleText { .. }
            | ExtractError::ArchiveBomb { .. }
            | ExtractError::TooComplex(_) => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError::new(
            status,
            error.code(),
            "The document cannot be read",
            error.to_string(),
        )
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> Self {
        match error {
            EngineError::Extract(error) => error.into(),
            EngineError::CandidateNotFound(_) => ApiError::new(
                StatusCode::NOT_FOUND,
                "candidate_not_found",
                "Candidate not found",
                error.to_string(),
            ),
            EngineError::RoleNotFound(_) => ApiError::new(
                StatusCode::NOT_FOUND,
                "role_not_found",
                "Role not found",
                error.to_string(),
            ),
            EngineError::InvalidRole(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_role",
                "Invalid role",
                error.to_string(),
            ),
            EngineError::RoleDisabled(..) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "role_disabled",
                "Role disabled",
                error.to_string(),
            ),
            EngineError::RequirementNotFound { .. } => ApiError::new(
                StatusCode::NOT_FOUND,
                "requirement_not_found",
                "Requirement not found",
                error.to_string(),
            ),
            EngineError::OverrideNotFound(_) => ApiError::new(
                StatusCode::NOT_FOUND,
                "override_not_found",
                "Override not found",
                error.to_string(),
            ),
            EngineError::InvalidOverride(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_override",
                "Invalid override",
                error.to_string(),
            ),
            EngineError::InvalidDemographics(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_demographics",
                "Invalid demographics",
                error.to_string(),
            ),
            EngineError::BadQuery(_) => ApiError::bad_request("invalid_query", error.to_string()),
            EngineError::BadCursor => ApiError::bad_request("invalid_cursor", error.to_string()),
            EngineError::BadExternalId => {
                ApiError::bad_request("invalid_external_id", error.to_string())
            }
            EngineError::Store(ref store) if store.is_disk_full() => {
                tracing::error!(%error, "the disk is full");
                ApiError::new(
                    StatusCode::INSUFFICIENT_STORAGE,
                    "insufficient_storage",
                    "Insufficient storage",
                    "The server's disk is full: nothing was stored. Try again later.",
                )
                .retry_after(60)
            }
            EngineError::Store(_) | EngineError::Index(_) => {
                tracing::error!(%error, "internal error");
                ApiError::internal()
            }
        }
    }
}

impl From<crate::runs::RunError> for ApiError {
    fn from(error: crate::runs::RunError) -> Self {
        use crate::runs::RunError;
        match error {
            RunError::NotFound(_) => ApiError::new(
                StatusCode::NOT_FOUND,
                "run_not_found",
                "Run not found",
                error.to_string(),
            ),
            RunError::Invalid(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_run",
                "Invalid run",
                error.to_string(),
            ),
            RunError::NotFinished(_) => ApiError::new(
                StatusCode::CONFLICT,
                "run_not_finished",
                "Run not finished",
                error.to_string(),
            ),
            RunError::BadSelection(_) => {
                ApiError::bad_request("invalid_selected", error.to_string())
            }
            RunError::Engine(error) => error.into(),
        }
    }
}

impl From<crate::runs::webhooks::WebhookError> for ApiError {
    fn from(error: crate::runs::webhooks::WebhookError) -> Self {
        use crate::runs::webhooks::WebhookError;
        match error {
            WebhookError::Invalid(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_webhook",
                "Invalid webhook",
                error.to_string(),
            ),
            WebhookError::NotFound(_) => ApiError::new(
                StatusCode::NOT_FOUND,
                "webhook_not_found",
                "Webhook not found",
                error.to_string(),
            ),
            WebhookError::DeliveryNotFound(_) => ApiError::new(
                StatusCode::NOT_FOUND,
                "delivery_not_found",
                "Delivery not found",
                error.to_string(),
            ),
            WebhookError::Unavailable(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "webhook_sender_unavailable",
                "Webhook sender unavailable",
                error.to_string(),
            ),
            WebhookError::Store(error) => EngineError::Store(error).into(),
        }
    }
}
