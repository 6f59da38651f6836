//! Request ids, access logs without personal data, and API-key authentication.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};

use super::AppState;
use super::error::ApiError;
use crate::config::hash_api_key;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Gives each request an id (echoed in `X-Request-Id`) and logs one line per request: method,
/// route pattern, status and duration. The query string and bodies are never logged: they can
/// hold names or resume text.
pub async fn request_id_and_log(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let request_id = uuid::Uuid::new_v4().to_string();
    let started = Instant::now();
    let method = request.method().to_string();
    let span = tracing::info_span!("request", id = %request_id);
    let _entered = span.enter();
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

/// With API keys configured, every endpoint but `/healthz` needs `Authorization: Bearer <key>`.
pub async fn authenticate(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let needs_key = match request.app_data::<web::Data<AppState>>() {
        Some(state) => !state.settings.api_key_sha256.is_empty() && request.path() != "/healthz",
        None => false,
    };
    if needs_key && !has_valid_key(&request) {
        let response = ApiError::unauthorized().error_response();
        return Ok(request.into_response(response));
    }
    Ok(next.call(request).await?.map_into_boxed_body())
}

fn has_valid_key(request: &ServiceRequest) -> bool {
    let Some(state) = request.app_data::<web::Data<AppState>>() else {
        return false;
    };
    let Some(key) = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return false;
    };
    let presented = hash_api_key(key.trim());
    // Compare every stored hash in full, so timing says nothing about which one was close.
    state
        .settings
        .api_key_sha256
        .iter()
        .fold(false, |found, stored| {
            let same = stored.len() == presented.len()
                && stored
                    .bytes()
                    .zip(presented.bytes())
                    .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                    == 0;
            found | same
        })
}
