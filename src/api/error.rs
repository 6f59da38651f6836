//! Every error the API returns, as `application/problem+json` (RFC 9457) with a stable `code`.
//! The codes, their statuses and whose fault each is are in [`crate::error_code`]; this file
//! turns an entry of that table (and each layer's error, through its `code()`) into a response.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use crate::engine::EngineError;
use crate::error_code::{Code, Fault};
use crate::extract::ExtractError;

/// An error response: an entry of the error table and a `detail` written for the person reading
/// it. A server's fault never carries internals in `detail` (the log keeps the cause).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: Code,
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
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// A layer's error as the caller sees it: its own words when the caller can act on them,
    /// else the fixed sentence of its entry, with the cause logged.
    pub fn from_failure(code: Code, error: &dyn std::fmt::Display) -> Self {
        match code.fault() {
            Fault::Caller => Self::new(code, error.to_string()),
            Fault::Server => {
                tracing::error!(%error, code = code.as_str(), "request failed on the server's side");
                Self::server_failure(code)
            }
        }
    }

    /// What a server's fault says: nothing about its cause.
    fn server_failure(code: Code) -> Self {
        match code {
            Code::InsufficientStorage => Self::new(
                code,
                "The server's disk is full: nothing was stored. Try again later.",
            )
            .retry_after(60),
            Code::Overloaded => Self::overloaded("requests"),
            Code::NotReady => Self::not_ready("the server is not ready"),
            Code::DatabaseUnavailable => Self::new(
                code,
                "The database cannot be reached: nothing was stored. Try again later.",
            )
            .retry_after(5),
            _ => Self::internal(),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    pub fn title(&self) -> &'static str {
        self.code.title()
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The server has more work than it takes at once: nothing was done, try again shortly.
    /// 503 (not 422): the request is fine, and clients retry a 503 with `Retry-After`.
    pub fn overloaded(what: &str) -> Self {
        Self::new(
            Code::Overloaded,
            format!("The server is busy with other {what}; nothing was stored. Retry after the Retry-After delay."),
        )
        .retry_after(2)
    }

    /// The client stopped sending its body.
    pub fn body_timeout() -> Self {
        Self::new(
            Code::BodyTimeout,
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
        Self::new(
            Code::MalformedRequest,
            "The request line or its headers cannot be parsed as HTTP/1.1; nothing was done.",
        )
    }

    /// The request line and headers are larger than the connection reads before a request
    /// starts (answered at the connection: see [`super::wire`]).
    pub fn request_head_too_large() -> Self {
        Self::new(
            Code::RequestHeadTooLarge,
            "The request line and headers exceed 128 KiB or 96 headers; send long data in the body.",
        )
    }

    /// A URL longer than any call of the API needs.
    pub fn uri_too_long(limit: usize) -> Self {
        Self::new(
            Code::UriTooLong,
            format!("The URL is longer than {limit} bytes; no call of this API needs that much."),
        )
    }

    /// The request line and headers did not arrive in time (answered at the connection: see
    /// [`super::wire`]).
    pub fn head_timeout() -> Self {
        Self::new(
            Code::HeadTimeout,
            "The request line and headers did not arrive in time; the connection was closed.",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            Code::InternalError,
            "Something went wrong on our side. The request id in the X-Request-Id header \
             helps us find it.",
        )
    }

    pub fn not_found_route() -> Self {
        Self::new(
            Code::RouteNotFound,
            "There is no such endpoint. The API lives under /v1 (see the README).",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            Code::MethodNotAllowed,
            "This endpoint does not accept that HTTP method.",
        )
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            Code::PayloadTooLarge,
            format!("The request body is larger than the limit of {limit} bytes."),
        )
    }

    /// The server cannot take work now (`GET /readyz`); `reason` is for the operator.
    pub fn not_ready(reason: impl Into<String>) -> Self {
        Self::new(Code::NotReady, reason).retry_after(5)
    }

    /// A page size outside 1..=`max`.
    pub fn invalid_limit(max: usize) -> Self {
        Self::new(
            Code::InvalidLimit,
            format!("limit is a whole number from 1 to {max}."),
        )
    }

    /// A `created_since` / `updated_since` that is neither RFC 3339 nor YYYY-MM-DD.
    pub fn invalid_timestamp(parameter: &str) -> Self {
        Self::new(
            Code::InvalidTimestamp,
            format!(
                "{parameter} is a time in RFC 3339 (2026-01-31T09:00:00Z) or a date (2026-01-31)."
            ),
        )
    }

    /// A path under `/assets/` that the web page does not have.
    pub fn asset_not_found() -> Self {
        Self::new(Code::AssetNotFound, "The web page has no such asset.")
    }

    /// A role in a request body that cannot be read or does not validate.
    pub fn invalid_role(detail: impl Into<String>) -> Self {
        Self::new(Code::InvalidRole, detail)
    }

    /// A retried upload whose candidate was deleted since: the recorded answer was erased with
    /// it, and the upload is not done again under the same key.
    pub fn candidate_deleted() -> Self {
        Self::new(
            Code::CandidateDeleted,
            "The candidate this request created was deleted since; its recorded response was \
             erased. Upload again with a new Idempotency-Key to create a new candidate.",
        )
    }

    /// The key is valid but may not do this (see the README's scopes table).
    pub fn insufficient_scope(needed: &str) -> Self {
        Self::new(
            Code::InsufficientScope,
            format!("This API key lacks the `{needed}` scope this request needs."),
        )
    }

    /// The caller's request budget is spent; `Retry-After` says when one more fits.
    pub fn rate_limited() -> Self {
        Self::new(
            Code::RateLimited,
            "This API key (or client address) sent more requests than its rate limit allows; \
             nothing was done. Retry after the seconds in Retry-After.",
        )
    }

    /// Too many wrong keys came from this client address: it waits out the window.
    pub fn too_many_failed_attempts() -> Self {
        Self::new(
            Code::TooManyFailedAttempts,
            "Too many requests from this address presented a wrong API key; its requests are \
             refused until Retry-After has passed.",
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            Code::Unauthorized,
            "This server needs an API key: send it as `Authorization: Bearer <key>`.",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status());
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(seconds)));
        }
        if self.status() == StatusCode::UNAUTHORIZED {
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
            title: self.title(),
            status: self.status().as_u16(),
            detail: &self.detail,
            code: self.code.as_str(),
        };
        // Serializing plain strings and a number cannot fail.
        serde_json::to_string(&problem).unwrap_or_default()
    }
}

// The extractors' own failures (a JSON body, query string or path that does not deserialize),
// as problems: registered in `super::app`.

pub fn json_error(error: actix_web::error::JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    let api_error = match &error {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ApiError::payload_too_large(*limit),
        JsonPayloadError::ContentType => ApiError::new(
            Code::ExpectedJson,
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        JsonPayloadError::Payload(payload) if ApiError::is_body_timeout(payload) => {
            ApiError::body_timeout()
        }
        // Two arms for one code: serde's message reads better without actix's prefix.
        JsonPayloadError::Deserialize(e) => ApiError::new(
            Code::MalformedJson,
            format!("The JSON body cannot be read: {e}"),
        ),
        other => ApiError::new(
            Code::MalformedJson,
            format!("The JSON body cannot be read: {other}"),
        ),
    };
    api_error.into()
}

pub fn query_error(
    error: actix_web::error::QueryPayloadError,
    _: &HttpRequest,
) -> actix_web::Error {
    ApiError::new(
        Code::InvalidQueryParameters,
        format!("The query parameters are not valid: {error}"),
    )
    .into()
}

pub fn path_error(error: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(Code::InvalidPath, format!("The path is not valid: {error}")).into()
}

impl From<crate::ids::IdError> for ApiError {
    fn from(error: crate::ids::IdError) -> Self {
        Self::from_failure(error.code(), &error)
    }
}

impl From<ExtractError> for ApiError {
    fn from(error: ExtractError) -> Self {
        Self::from_failure(error.code(), &error)
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> Self {
        Self::from_failure(error.code(), &error)
    }
}

impl From<crate::runs::RunError> for ApiError {
    fn from(error: crate::runs::RunError) -> Self {
        Self::from_failure(error.code(), &error)
    }
}

impl From<crate::runs::webhooks::WebhookError> for ApiError {
    fn from(error: crate::runs::webhooks::WebhookError) -> Self {
        Self::from_failure(error.code(), &error)
    }
}
