//! The HTTP API (actix-web), thin: each handler turns the request into engine types, calls the
//! engine off the async executor, and maps the result. Errors become problem+json in
//! [`error`], and nowhere else.

mod admission;
mod auth;
mod blocking;
mod candidate_file;
mod candidates;
mod candidates_list;
pub mod error;
mod idempotency;
mod json_resume;
mod metrics;
mod middleware;
mod multipart;
mod openapi;
mod ops;
mod page;
mod params;
mod rankings;
mod rate_limit;
mod roles;
mod runs;
mod trust;
mod webhooks;
mod wire;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_http::HttpService;
use actix_service::{IntoServiceFactory as _, ServiceFactoryExt as _, fn_service, map_config};
use actix_web::dev::{AppConfig, Server};
use actix_web::{App, web};

use crate::engine::Engine;
use crate::runs::Runs;
use crate::runs::webhooks::Webhooks;
use crate::tenant::Tenant;
use crate::workers::Workers;
use admission::Admission;
pub use admission::AdmissionSettings;
use error::ApiError;
pub use rate_limit::RateLimitSettings;

/// What every handler can reach.
pub struct AppState {
    pub engine: Arc<Engine>,
    pub admission: Admission,
    pub runs: Arc<Runs>,
    pub webhooks: Arc<Webhooks>,
    pub settings: ApiSettings,
    pub metrics: metrics::Metrics,
    /// The accepted keys and the rate limiters (see [`auth`]).
    pub auth: auth::Auth,
}

#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Lowercase hex SHA-256 of each accepted key (every scope, the default tenant); empty,
    /// with `api_keys` empty too, means no authentication.
    pub api_key_sha256: Vec<String>,
    /// Keys with scopes and a tenant.
    pub api_keys: Vec<crate::tenant::KeyGrant>,
    /// Requests per key (or client address), and wrong keys per client address.
    pub rate_limit: RateLimitSettings,
    pub max_upload_bytes: usize,
    /// Largest batch request (many files or a zip archive), and the most its archives may
    /// inflate to.
    pub max_batch_bytes: usize,
    pub max_json_bytes: usize,
    pub extract_timeout: Duration,
    /// How much document work runs at once, and how long a request waits for its turn.
    pub admission: AdmissionSettings,
    /// A request body that sends nothing for this long is cut off (408 `body_timeout`).
    pub body_timeout: Duration,
    /// Webhook hosts allowed although they resolve to loopback or private addresses.
    pub webhook_allowed_hosts: Vec<String>,
    /// A PEM file of root certificates trusted for https webhook receivers beyond the
    /// system's (a private CA).
    pub webhook_ca_file: Option<std::path::PathBuf>,
    /// A request line and headers that take longer than this to arrive are answered 408
    /// `head_timeout` and the connection closed.
    pub header_timeout: Duration,
    /// How long a response is kept for replay under its `Idempotency-Key`.
    pub idempotency_ttl: Duration,
    /// Candidates not updated for this many days are erased; 0 keeps them.
    pub retention_days: u32,
    /// How often expired idempotency records and candidates past retention are erased.
    pub housekeeping_interval: Duration,
    /// Blind review by default: profiles, rankings, run results and exports leave out name,
    /// contact, photo and location unless a request asks `?blind=false`.
    pub blind: bool,
}

impl Default for ApiSettings {
    /// The compiled-in defaults of `config/default.toml`.
    fn default() -> Self {
        Self {
            api_key_sha256: Vec::new(),
            api_keys: Vec::new(),
            rate_limit: RateLimitSettings::default(),
            max_upload_bytes: 20 * 1024 * 1024,
            max_batch_bytes: 512 * 1024 * 1024,
            max_json_bytes: 1024 * 1024,
            extract_timeout: Duration::from_secs(10),
            admission: AdmissionSettings::default(),
            body_timeout: Duration::from_secs(30),
            webhook_allowed_hosts: Vec::new(),
            webhook_ca_file: None,
            header_timeout: Duration::from_secs(60),
            idempotency_ttl: Duration::from_secs(24 * 3600),
            retention_days: 0,
            housekeeping_interval: Duration::from_secs(3600),
            blind: false,
        }
    }
}

/// Who made a request: the id of its API key ([`crate::audit::api_key_id`]), or
/// [`crate::audit::LOCAL_CALLER`] where no keys are configured, and the key's tenant. Set by
/// the authentication middleware, read by handlers for the audit log.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: String,
    pub tenant: Tenant,
}

impl Caller {
    pub fn of(request: &actix_web::HttpRequest) -> Caller {
        use actix_web::HttpMessage;
        request
            .extensions()
            .get::<Caller>()
            .cloned()
            .unwrap_or_else(|| Caller {
                key_id: crate::audit::LOCAL_CALLER.to_owned(),
                tenant: Tenant::default(),
            })
    }

    /// An audit entry of this caller's, in its tenant's part of the log.
    pub fn event(&self, action: crate::audit::Action) -> crate::audit::AuditEvent {
        crate::audit::AuditEvent::new(action, &self.key_id).tenant(self.tenant.clone())
    }
}

/// Starts the background workers ([`crate::workers::start`]) and builds the server on an
/// already bound listener: the whole service in one call, for the benches and embedders.
/// `shortlist serve` and the tests start the workers themselves and call [`serve`].
pub fn server(
    engine: Arc<Engine>,
    settings: ApiSettings,
    listener: TcpListener,
) -> std::io::Result<Server> {
    let workers = crate::workers::start(&engine, &settings)?;
    serve(engine, workers, settings, listener)
}

/// Builds the server on an already bound listener (tests bind port 0), handing requests to
/// `workers` (started by [`crate::workers::start`]; the server starts no threads of its own).
pub fn serve(
    engine: Arc<Engine>,
    workers: Workers,
    settings: ApiSettings,
    listener: TcpListener,
) -> std::io::Result<Server> {
    let Workers { runs, webhooks } = workers;
    let state = web::Data::new(AppState {
        auth: auth::Auth::new(&settings),
        admission: Admission::new(settings.admission.clone()),
        engine,
        runs,
        webhooks,
        settings,
        metrics: metrics::Metrics::new(),
    });
    let header_timeout = state.settings.header_timeout;
    // actix-web's `HttpServer`, assembled by hand so that each connection passes through
    // [`wire::ProblemWire`]: the answers actix-http writes itself leave as problem+json too.
    let server = actix_server::Server::build()
        .shutdown_timeout(10)
        .listen("shortlist", listener, move || {
            let app = app(state.clone())
                .into_factory()
                .map_err(|error: actix_web::Error| error.error_response());
            let http = HttpService::build()
                // A request head that stalls is cut off rather than holding a connection.
                .client_request_timeout(header_timeout)
                // As actix-web's `HttpServer` does: a refused upload's answer (413) is read by
                // a client still sending its body, rather than cut off with a broken pipe.
                .client_disconnect_timeout(Duration::from_secs(1))
                .h1(map_config(app, |_| AppConfig::default()));
            fn_service(|io: actix_rt::net::TcpStream| {
                let peer = io.peer_addr().ok();
                let _ = io.set_nodelay(true);
                std::future::ready(Ok((wire::ProblemWire::new(io), peer)))
            })
            .and_then(http)
        })?
        .run();
    Ok(server)
}

/// The application: state, extractor settings, middleware and routes.
fn app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let max_json_bytes = state.settings.max_json_bytes;
    App::new()
        .app_data(state)
        .app_data(
            web::JsonConfig::default()
                .limit(max_json_bytes)
                .error_handler(error::json_error),
        )
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .wrap(actix_web::middleware::from_fn(auth::authenticate))
        .wrap(actix_web::middleware::from_fn(middleware::body_timeout))
        .wrap(actix_web::middleware::from_fn(
            middleware::request_id_and_log,
        ))
        .wrap(actix_web::middleware::from_fn(metrics::record))
        .configure(routes)
        .default_service(web::to(|| async {
            Err::<String, _>(ApiError::not_found_route())
        }))
}

fn method_not_allowed() -> actix_web::Route {
    web::route().to(|| async { Err::<String, _>(ApiError::method_not_allowed()) })
}

fn routes(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/healthz")
                .route(web::get().to(ops::health))
                .route(web::head().to(ops::health))
                .default_service(method_not_allowed()),
        )
        // The web page and its assets (no API key), and the ranking of an unsaved role it
        // calls; outside the /v1 scope below only so that the list there stays as it was.
        .configure(page::routes)
        .service(
            web::resource("/v1/rankings")
                .route(web::post().to(rankings::rank_unsaved))
                .default_service(method_not_allowed()),
        )
        .service(
            web::scope("/v1")
                .service(
                    web::resource("/candidates")
                        .route(web::post().to(candidates::upload_candidate))
                        .route(web::get().to(candidates_list::list_candidates))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/candidates/batch")
                        .route(web::post().to(candidates::upload_batch))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/candidates/{id}")
                        .route(web::get().to(candidates::get_candidate))
                        .route(web::delete().to(candidates::delete_candidate))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/candidates/{id}/demographics")
                        .route(web::put().to(trust::put_demographics))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/audit")
                        .route(web::get().to(trust::audit))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource(
                        "/roles/{role_id}/candidates/{candidate_id}/overrides/{requirement_id}",
                    )
                    .route(web::put().to(trust::put_override))
                    .route(web::delete().to(trust::delete_override))
                    .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/runs/{id}/adverse-impact")
                        .route(web::get().to(trust::adverse_impact))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/roles")
                        .route(web::get().to(roles::list_roles))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/roles/draft")
                        .route(web::post().to(roles::draft_role))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/roles/{id}")
                        .route(web::get().to(roles::get_role))
                        .route(web::put().to(roles::put_role))
                        .route(web::delete().to(roles::delete_role))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/runs")
                        .route(web::post().to(runs::create_run))
                        .route(web::get().to(runs::list_runs))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/runs/{id}")
                        .route(web::get().to(runs::get_run))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/runs/{id}/cancel")
                        .route(web::post().to(runs::cancel_run))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/runs/{id}/results")
                        .route(web::get().to(runs::run_results))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/runs/{id}/export")
                        .route(web::get().to(runs::export_run))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/webhooks")
                        .route(web::post().to(webhooks::create_webhook))
                        .route(web::get().to(webhooks::list_webhooks))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/webhooks/{id}")
                        .route(web::delete().to(webhooks::delete_webhook))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/webhooks/{id}/deliveries")
                        .route(web::get().to(webhooks::webhook_deliveries))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/roles/{id}/ranking")
                        .route(web::get().to(roles::ranking))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/candidates/{id}/file")
                        .route(web::get().to(candidate_file::download_file))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/candidates/{id}/json-resume")
                        .route(web::get().to(json_resume::export))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/webhooks/{id}/test")
                        .route(web::post().to(webhooks::test_webhook))
                        .default_service(method_not_allowed()),
                )
                .service(
                    web::resource("/webhooks/{id}/deliveries/{delivery_id}/redeliver")
                        .route(web::post().to(webhooks::redeliver))
                        .default_service(method_not_allowed()),
                ),
        )
        .service(
            web::resource("/readyz")
                .route(web::get().to(ops::ready))
                .default_service(method_not_allowed()),
        )
        .service(
            web::resource("/metrics")
                .route(web::get().to(metrics::scrape))
                .default_service(method_not_allowed()),
        )
        .service(
            web::resource("/openapi.json")
                .route(web::get().to(openapi::serve))
                .default_service(method_not_allowed()),
        );
}
