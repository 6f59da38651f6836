//! `GET /metrics`: Prometheus metrics, every name prefixed `shortlist_`.
//!
//! Kept with the `prometheus-client` crate (the Prometheus project's own Rust client), which
//! writes the OpenMetrics text format; Prometheus scrapes it as such (the content type says so),
//! and it is the text exposition format with `_total` counters and a closing `# EOF`.
//!
//! What is counted:
//! - every request, by method, route pattern (never the raw path: ids would make a series per
//!   candidate) and status, with its latency;
//! - single uploads by outcome (`created`, `replaced`, `duplicate`, `rejected`) and, when
//!   rejected, the problem's `code`; read from the response in the middleware, so the upload
//!   handler knows nothing of metrics;
//! - parse and rank durations (measured in the engine: `crate::telemetry`);
//! - at each scrape: the admission queue's depth and the candidates stored.
//!
//! Unlike `/healthz` and `/readyz`, `/metrics` needs the API key when keys are configured: it
//! says how much the service holds and does.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use super::AppState;
use super::error::ApiError;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UploadLabels {
    outcome: String,
    /// The problem's `code` for a rejected upload, empty otherwise.
    code: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: HistogramFamily<RequestLabels>,
    uploads: Family<UploadLabels, Counter>,
    admission_queued: Gauge,
    candidates: Gauge,
}

/// 1 ms to about 33 s.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("shortlist");
        let requests = Family::<RequestLabels, Counter>::default();
        let request_seconds: HistogramFamily<RequestLabels> =
            Family::new_with_constructor(latency_histogram);
        let uploads = Family::<UploadLabels, Counter>::default();
        let admission_queued = Gauge::default();
        let candidates = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request, by method, route pattern and status",
            Unit::Seconds,
            request_seconds.clone(),
        );
        registry.register(
            "uploads",
            "Single resume uploads by outcome, and the problem code of those rejected",
            uploads.clone(),
        );
        let timings = crate::telemetry::engine_timings();
        registry.register_with_unit(
            "parse_duration",
            "Time to extract and parse one uploaded document",
            Unit::Seconds,
            timings.parse.clone(),
        );
        registry.register_with_unit(
            "rank_duration",
            "Time to rank the candidates for one ranking page",
            Unit::Seconds,
            timings.rank.clone(),
        );
        registry.register(
            "admission_queue_depth",
            "Uploads waiting for a document worker",
            admission_queued.clone(),
        );
        registry.register(
            "candidates_stored",
            "Candidates held (rankable) by this server",
            candidates.clone(),
        );
        Self {
            registry,
            requests,
            request_seconds,
            uploads,
            admission_queued,
            candidates,
        }
    }

    fn observe_request(&self, labels: RequestLabels, seconds: f64) {
        self.requests.get_or_create(&labels).inc();
        self.request_seconds.get_or_create(&labels).observe(seconds);
    }

    fn observe_upload(&self, outcome: &str, code: &str) {
        self.uploads
            .get_or_create(&UploadLabels {
                outcome: outcome.to_owned(),
                code: code.to_owned(),
            })
            .inc();
    }

    /// The text exposition, with the gauges read now.
    fn encode(&self, queued: usize, candidates: usize) -> Result<String, std::fmt::Error> {
        self.admission_queued.set(queued as i64);
        self.candidates.set(candidates as i64);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The method as a label: the standard ones by name, any other as `other`, so that a client
/// inventing methods cannot make a series per request.
fn method_label(method: &actix_web::http::Method) -> String {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
    ];
    let name = method.as_str();
    if KNOWN.contains(&name) {
        name.to_owned()
    } else {
        "other".to_owned()
    }
}

/// Counts and times every request (outside authentication, so refused ones count too).
pub async fn record(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let started = Instant::now();
    let method = method_label(request.method());
    let result = next.call(request).await;
    let (status, route, problem_code, outcome) = match &result {
        Ok(response) => (
            response.status().as_u16(),
            response.request().match_pattern(),
            response
                .response()
                .error()
                .and_then(|error| error.as_error::<ApiError>())
                .map(|error| error.code.as_str()),
            response
                .headers()
                .get("shortlist-outcome")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
        ),
        Err(error) => (
            error.as_response_error().status_code().as_u16(),
            None,
            error
                .as_error::<ApiError>()
                .map(|error| error.code.as_str()),
            None,
        ),
    };
    let route = route.unwrap_or_else(|| "(unmatched)".to_owned());
    if method == "POST" && route == "/v1/candidates" {
        match (&outcome, problem_code) {
            (Some(outcome), _) => state.metrics.observe_upload(outcome, ""),
            (None, Some(code)) => state.metrics.observe_upload("rejected", code),
            (None, None) => state.metrics.observe_upload(
                "rejected",
                if status >= 500 {
                    crate::error_code::Code::InternalError.as_str()
                } else {
                    ""
                },
            ),
        }
    }
    state.metrics.observe_request(
        RequestLabels {
            method,
            route,
            status,
        },
        started.elapsed().as_secs_f64(),
    );
    Ok(result?.map_into_boxed_body())
}

pub async fn scrape(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let state: Arc<AppState> = state.into_inner();
    let queued = state.admission.queued();
    let candidates = state.engine.candidate_count();
    let text = state.metrics.encode(queued, candidates).map_err(|error| {
        tracing::error!(%error, "metrics cannot be encoded");
        ApiError::internal()
    })?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(text))
}
