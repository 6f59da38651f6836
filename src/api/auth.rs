//! Who is calling, what they may do, and how fast: API keys with scopes and a tenant, the scope
//! each route needs, per-key rate limits and the slowing of wrong keys.
//!
//! One middleware ([`authenticate`]) answers in this order, so that a refused request costs
//! little and says little:
//!
//! 1. the probes and the web page pass untouched (they hold no data);
//! 2. a client address that sent too many wrong keys gets 429 `too_many_failed_attempts`
//!    before its key is even looked at (a correct guess must not tell itself apart);
//! 3. no key, or an unknown one: 401, counted against the address;
//! 4. the caller's bucket (its key, or its address when the server has no keys): 429
//!    `rate_limited` with `Retry-After` when empty;
//! 5. the route's scope ([`required_scope`]): 403 `insufficient_scope`.
//!
//! Every answer past step 3 carries `RateLimit-Limit`, `RateLimit-Remaining` and
//! `RateLimit-Reset` (draft-ietf-httpapi-ratelimit-headers). Handlers read the caller's tenant
//! as an extractor argument ([`Tenant`] implements `FromRequest`).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, ResponseError, web};

use super::error::ApiError;
use super::rate_limit::{Buckets, Failures, Verdict};
use super::{ApiSettings, AppState, Caller};
use crate::config::hash_api_key;
use crate::engine::Engine;
use crate::runs::RunError;
use crate::runs::webhooks::WebhookError;
use crate::store::Owned;
use crate::tenant::{KeyGrant, Scope, Tenant};

/// The accepted keys and the limiters, built once per server.
pub struct Auth {
    keys: Vec<KeyGrant>,
    requests: Option<Buckets>,
    failures: Option<Failures>,
}

impl Auth {
    pub fn new(settings: &ApiSettings) -> Auth {
        let keys = settings
            .api_key_sha256
            .iter()
            .map(|hash| KeyGrant::full(hash.to_ascii_lowercase()))
            .chain(settings.api_keys.iter().cloned())
            .collect();
        Auth {
            keys,
            requests: Buckets::new(&settings.rate_limit),
            failures: Failures::new(&settings.rate_limit),
        }
    }

    /// The grant of the key presented, comparing every stored hash in full so that timing
    /// says nothing about which one was close.
    fn find(&self, key: &str) -> Option<&KeyGrant> {
        let presented = hash_api_key(key.trim());
        self.keys.iter().fold(None, |found, grant| {
            let same = grant.sha256.len() == presented.len()
                && grant
                    .sha256
                    .bytes()
                    .zip(presented.bytes())
                    .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                    == 0;
            if same { Some(grant) } else { found }
        })
    }
}

/// The scope a route needs, by method and route pattern; `None` for a path no route matches
/// (its 404 or 405 tells nothing). Reads need `read`; anything that changes data needs
/// `write`; oversight (the audit log, demographics and adverse impact, overrides) and the
/// server's metrics need `admin`. A route added later defaults by its method: safe methods
/// `read`, the others `write`. The README's scopes table lists the same.
pub fn required_scope(method: &Method, pattern: Option<&str>) -> Option<Scope> {
    let pattern = pattern?;
    Some(match pattern {
        "/v1/audit"
        | "/v1/runs/{id}/adverse-impact"
        | "/v1/candidates/{id}/demographics"
        | "/v1/roles/{role_id}/candidates/{candidate_id}/overrides/{requirement_id}"
        | "/metrics" => Scope::Admin,
        // Computed from the request alone, nothing stored: a reader may draft and try roles.
        "/v1/rankings" | "/v1/roles/draft" if method == Method::POST => Scope::Read,
        _ if method == Method::GET || method == Method::HEAD => Scope::Read,
        _ => Scope::Write,
    })
}

/// What the middleware found out about the caller, for the handlers.
#[derive(Debug, Clone)]
struct Grant {
    tenant: Tenant,
}

impl FromRequest for Tenant {
    type Error = Error;
    type Future = std::future::Ready<Result<Tenant, Error>>;

    /// The caller's tenant; the default tenant where no key was needed.
    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(tenant_of(request)))
    }
}

/// The caller's tenant, for handlers that read the request itself.
pub fn tenant_of(request: &HttpRequest) -> Tenant {
    request
        .extensions()
        .get::<Grant>()
        .map(|grant| grant.tenant.clone())
        .unwrap_or_default()
}

/// `Ok` when the run exists and is `tenant`'s; otherwise not found (never forbidden, so that
/// another tenant's run ids reveal nothing).
pub fn check_run(engine: &Engine, tenant: &Tenant, id: &str) -> Result<(), RunError> {
    if engine.store().owned_by(Owned::Run, id, tenant)? {
        Ok(())
    } else {
        Err(RunError::NotFound(id.to_owned()))
    }
}

/// `Ok` when the webhook exists and is `tenant`'s; otherwise not found.
pub fn check_webhook(engine: &Engine, tenant: &Tenant, id: &str) -> Result<(), WebhookError> {
    if engine.store().owned_by(Owned::Webhook, id, tenant)? {
        Ok(())
    } else {
        Err(WebhookError::NotFound(id.to_owned()))
    }
}

const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

fn add_ratelimit_headers(headers: &mut header::HeaderMap, verdict: &Verdict) {
    headers.insert(RATELIMIT_LIMIT, HeaderValue::from(verdict.limit));
    headers.insert(RATELIMIT_REMAINING, HeaderValue::from(verdict.remaining));
    headers.insert(RATELIMIT_RESET, HeaderValue::from(verdict.reset));
}

fn refuse(request: ServiceRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    request.into_response(error.error_response())
}

pub async fn authenticate(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let exempt = matches!(request.path(), "/healthz" | "/readyz")
        || super::page::is_page_path(request.path());
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    if exempt {
        request.extensions_mut().insert(Caller {
            key_id: crate::audit::LOCAL_CALLER.to_owned(),
            tenant: Tenant::default(),
        });
        return Ok(next.call(request).await?.map_into_boxed_body());
    }
    let auth = &state.auth;
    let now = Instant::now();
    let address = request
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |peer| peer.ip());

    let (caller, bucket, scopes, tenant) = if auth.keys.is_empty() {
        // The contract's loopback rule: no keys configured, no credentials needed (the server
        // refuses to start on another address). Limited per client address.
        let caller = crate::audit::LOCAL_CALLER.to_owned();
        (
            caller,
            format!("ip:{}", super::rate_limit::network(address)),
            Scope::ALL.to_vec(),
            Tenant::default(),
        )
    } else {
        if let Some(retry_after) = auth
            .failures
            .as_ref()
            .and_then(|failures| failures.blocked(address, now))
        {
            return Ok(refuse(
                request,
                ApiError::too_many_failed_attempts().retry_after(retry_after),
            ));
        }
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(super::middleware::bearer_token);
        let Some(grant) = presented.and_then(|key| auth.find(key)) else {
            if let Some(failures) = &auth.failures {
                failures.record(address, now);
            }
            return Ok(refuse(request, ApiError::unauthorized()));
        };
        let caller = crate::audit::api_key_id(&grant.sha256);
        let bucket = format!("key:{caller}");
        (caller, bucket, grant.scopes.clone(), grant.tenant.clone())
    };

    let verdict = auth
        .requests
        .as_ref()
        .map(|buckets| buckets.take(&bucket, now));
    if let Some(verdict) = verdict.filter(|verdict| !verdict.allowed) {
        let mut response = refuse(
            request,
            ApiError::rate_limited().retry_after(verdict.retry_after),
        );
        add_ratelimit_headers(response.headers_mut(), &verdict);
        return Ok(response);
    }
    let needed = required_scope(request.method(), request.match_pattern().as_deref());
    if let Some(needed) = needed.filter(|needed| !scopes.contains(needed)) {
        let mut response = refuse(request, ApiError::insufficient_scope(needed.as_str()));
        if let Some(verdict) = &verdict {
            add_ratelimit_headers(response.headers_mut(), verdict);
        }
        return Ok(response);
    }
    // `/metrics` counts every tenant's uploads and candidates: the operator's, not a tenant's.
    if request.match_pattern().as_deref() == Some("/metrics") && !tenant.is_default() {
        let error = ApiError::new(
            crate::error_code::Code::InsufficientScope,
            "Server-wide metrics are for admin keys of the default tenant; this key belongs to a \
             tenant.",
        );
        let mut response = refuse(request, error);
        if let Some(verdict) = &verdict {
            add_ratelimit_headers(response.headers_mut(), verdict);
        }
        return Ok(response);
    }
    request.extensions_mut().insert(Caller {
        key_id: caller,
        tenant: tenant.clone(),
    });
    request.extensions_mut().insert(Grant { tenant });
    let mut response = next.call(request).await?.map_into_boxed_body();
    if let Some(verdict) = &verdict {
        add_ratelimit_headers(response.headers_mut(), verdict);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_need_the_scope_the_readme_lists() {
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(
            required_scope(&get, Some("/v1/candidates")),
            Some(Scope::Read)
        );
        assert_eq!(
            required_scope(&post, Some("/v1/candidates")),
            Some(Scope::Write)
        );
        assert_eq!(
            required_scope(&Method::DELETE, Some("/v1/candidates/{id}")),
            Some(Scope::Write)
        );
        assert_eq!(
            required_scope(&post, Some("/v1/rankings")),
            Some(Scope::Read)
        );
        assert_eq!(
            required_scope(&post, Some("/v1/roles/draft")),
            Some(Scope::Read)
        );
        assert_eq!(required_scope(&get, Some("/v1/audit")), Some(Scope::Admin));
        assert_eq!(
            required_scope(&Method::PUT, Some("/v1/candidates/{id}/demographics")),
            Some(Scope::Admin)
        );
        assert_eq!(required_scope(&post, None), None);
    }
}
