//! Request ids, access logs without personal data, body timeouts. (API keys, scopes and rate
//! limits are in `auth.rs`.)

use std::future::Future;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use futures_util::StreamExt;
use tracing::Instrument;

use super::AppState;
use super::error::ApiError;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest URL answered: a ranking's `q` of 4 KB, percent-encoded three times over, with room
/// to spare. Longer ones get 414 before any handler parses them.
const MAX_URI_BYTES: usize = 16 * 1024;

/// Gives each request an id (echoed in `X-Request-Id`) and logs one line per request: method,
/// route pattern, status and duration. The query string and bodies are never logged: they can
/// hold names or resume text.
///
/// An incoming `X-Request-Id` (from a proxy or the caller) is kept when it is short and plain,
/// so that one id follows the request through every hop.
///
/// The span is attached to the request's future with `Instrument`, never entered across an
/// `.await`: an entered guard stays on the worker thread while the future sleeps, so every
/// other request that thread polls meanwhile would nest inside it and log its id (under load,
/// lines grew to hundreds of kilobytes).
pub async fn request_id_and_log(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|id| is_plain_request_id(id))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let uri_bytes = request
        .uri()
        .path_and_query()
        .map_or(0, |path| path.as_str().len());
    if uri_bytes > MAX_URI_BYTES {
        return Err(ApiError::uri_too_long(MAX_URI_BYTES).into());
    }
    let span = tracing::info_span!("request", id = %request_id);
    handle_and_log(request, next, request_id)
        .instrument(span)
        .await
}

/// At most 128 characters of letters, digits and `-_.:`: anything else could forge log lines.
fn is_plain_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

async fn handle_and_log(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    request_id: String,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let method = request.method().to_string();
    let mut response = match next.call(request).await {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => {
            // Errors raised before a handler ran still leave as problem+json.
            return Err(error);
        }
    };
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "(unmatched)".to_owned());
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    tracing::info!(
        %method,
        %route,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "handled"
    );
    Ok(response)
}

/// Cuts off a request body that sends nothing for `body_timeout`: actix-web times out only the
/// headers, so a client that stalls mid-body would hold its connection (and a worker's upload
/// buffer) forever. The body's stream fails with `TimedOut`, which the readers answer with 408
/// `body_timeout`.
pub async fn body_timeout(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(timeout) = request
        .app_data::<web::Data<AppState>>()
        .map(|state| state.settings.body_timeout)
    else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let payload = request.take_payload();
    let guarded: std::pin::Pin<
        Box<dyn futures_util::Stream<Item = Result<actix_web::web::Bytes, PayloadError>>>,
    > = Box::pin(IdleTimeout::new(payload, timeout));
    request.set_payload(Payload::from(guarded));
    Ok(next.call(request).await?.map_into_boxed_body())
}

/// A request body that fails with `TimedOut` when no chunk arrives for `timeout`.
struct IdleTimeout {
    inner: Payload,
    timeout: Duration,
    sleep: std::pin::Pin<Box<tokio::time::Sleep>>,
    finished: bool,
}

impl IdleTimeout {
    fn new(inner: Payload, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            sleep: Box::pin(tokio::time::sleep(timeout)),
            finished: false,
        }
    }
}

impl futures_util::Stream for IdleTimeout {
    type Item = Result<actix_web::web::Bytes, PayloadError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        if self.finished {
            return Poll::Ready(None);
        }
        match self.inner.poll_next_unpin(context) {
            Poll::Ready(Some(chunk)) => {
                let deadline = tokio::time::Instant::now() + self.timeout;
                self.sleep.as_mut().reset(deadline);
                Poll::Ready(Some(chunk))
            }
            Poll::Ready(None) => {
                self.finished = true;
                Poll::Ready(None)
            }
            Poll::Pending => match self.sleep.as_mut().poll(context) {
                Poll::Ready(()) => {
                    self.finished = true;
                    Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the request body stopped arriving",
                    )))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header; the scheme name is case-insensitive
/// (RFC 9110, section 11.1).
pub(super) fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearerabc"), None);
    }

    #[test]
    fn only_plain_incoming_request_ids_are_kept() {
        assert!(is_plain_request_id("req-42_a.b:c"));
        assert!(!is_plain_request_id(""));
        assert!(!is_plain_request_id("a b"));
        assert!(!is_plain_request_id("line\nbreak"));
        assert!(!is_plain_request_id(&"x".repeat(129)));
    }
}
