//! `GET /openapi.json`: the OpenAPI 3.1 document of every call the server answers, built once at
//! the first request.
//!
//! The schemas are generated from the types the handlers really read and write (utoipa's
//! `ToSchema` and `IntoParams` derives on them), so a field added to a profile, a role or a run
//! is in the document without a word here. The operations are listed in [`operations`], one
//! entry per `.route(` in `super::routes`, rather than as `#[utoipa::path]` attributes on the
//! handlers: one table reads against the route table at a glance, and `tests/api.rs` checks the
//! two agree both ways on a running server.
//!
//! Error responses are built from real [`ApiError`]s (the engine's errors mapped by
//! `error.rs`, the helpers there), so each code's status and example body are the ones the
//! server sends; codes a handler writes at the edge come from the error table (`Code`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Value, json};
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathItem, Paths, Ref,
    RefOr, Required, ResponseBuilder, Schema, Tag,
};
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use super::{candidates_list, rankings, trust};
use crate::engine::{CandidateList, CandidateView, EngineError, RankingPage};
use crate::error_code::Code;
use crate::extract::ExtractError;
use crate::oversight::Override;
use crate::role::Role;
use crate::runs::webhooks::{Delivery, Subscription, WebhookError};
use crate::runs::{AdverseImpactReport, Run, RunError, RunResult, RunResultsPage, RunStatus};

/// The security scheme's name in the document.
const API_KEY: &str = "api_key";
const PROBLEM: &str = "Problem";
const PROBLEM_JSON: &str = "application/problem+json";
const JSON: &str = "application/json";

static DOCUMENT: LazyLock<Option<String>> = LazyLock::new(|| match document().to_json() {
    Ok(json) => Some(json),
    Err(error) => {
        tracing::error!(%error, "the OpenAPI document cannot be encoded");
        None
    }
});

/// `GET /openapi.json`.
pub async fn serve() -> Result<HttpResponse, ApiError> {
    let json = DOCUMENT.as_deref().ok_or_else(ApiError::internal)?;
    Ok(HttpResponse::Ok().content_type(JSON).body(json))
}

/// The whole document.
pub fn document() -> OpenApi {
    let mut registry = Registry::default();
    let operations = operations(&mut registry);
    let mut paths = Paths::new();
    for entry in operations {
        let path = entry.path;
        let item = PathItem::new(entry.method.clone(), entry.finish());
        paths
            .paths
            .entry(path.to_owned())
            .or_default()
            .merge_operations(item);
    }
    let mut components = ComponentsBuilder::new()
        .schemas_from_iter(registry.schemas)
        .schema(PROBLEM, problem_schema())
        .security_scheme(
            API_KEY,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("API key")
                    .description(Some(
                        "`Authorization: Bearer <key>`. Without configured keys a server bound \
                         to loopback needs none.",
                    ))
                    .build(),
            ),
        );
    components = components.schemas_from_iter(extra_schemas());
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Shortlist")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(INFO))
                .build(),
        )
        .paths(paths)
        .components(Some(components.build()))
        .security(Some([SecurityRequirement::new(
            API_KEY,
            Vec::<String>::new(),
        )]))
        .tags(Some(
            [
                ("candidates", "Upload, read, list and erase candidates."),
                ("roles", "Roles, drafting and rankings."),
                (
                    "runs",
                    "Screening runs over a selection, their results and exports.",
                ),
                ("webhooks", "Subscriptions and their deliveries."),
                (
                    "oversight",
                    "The audit log, overrides, demographics and adverse impact.",
                ),
                ("operations", "Probes, metrics and this document."),
                (
                    "web",
                    "The recruiter page, its assets and the API docs page.",
                ),
            ]
            .map(|(name, text)| {
                let mut tag = Tag::new(name);
                tag.description = Some(text.to_owned());
                tag
            }),
        ))
        .build()
}

const INFO: &str = "Candidate screening: upload resumes, describe a role, read a ranking with \
the evidence for every verdict. Every error is `application/problem+json` with a stable `code`; \
each operation lists the codes it can return. Any request may also be refused at the connection \
with `malformed_request`, `request_head_too_large`, `uri_too_long` or `head_timeout`.";

/// The schemas the derives produced, by name.
#[derive(Default)]
struct Registry {
    schemas: BTreeMap<String, RefOr<Schema>>,
}

impl Registry {
    /// A reference to `T`'s schema, recorded with the schemas it refers to.
    fn schema<T: ToSchema>(&mut self) -> RefOr<Schema> {
        let mut parts = Vec::new();
        T::schemas(&mut parts);
        for (name, schema) in parts {
            self.schemas.entry(name).or_insert(schema);
        }
        let name = T::name().into_owned();
        self.schemas.entry(name.clone()).or_insert_with(T::schema);
        Ref::from_schema_name(name).into()
    }

    fn array<T: ToSchema>(&mut self) -> RefOr<Schema> {
        ArrayBuilder::new().items(self.schema::<T>()).into()
    }
}

fn named(name: &str) -> RefOr<Schema> {
    Ref::from_schema_name(name).into()
}

/// One operation being described.
struct Entry {
    method: HttpMethod,
    path: &'static str,
    operation: OperationBuilder,
    errors: Vec<ApiError>,
    public: bool,
}

fn op(method: HttpMethod, path: &'static str, tag: &str, id: &str, summary: &str) -> Entry {
    Entry {
        method,
        path,
        operation: OperationBuilder::new()
            .tag(tag)
            .operation_id(Some(id))
            .summary(Some(summary)),
        errors: vec![ApiError::internal()],
        public: false,
    }
}

impl Entry {
    fn describe(mut self, text: &str) -> Self {
        self.operation = self.operation.description(Some(text));
        self
    }

    /// Needs no API key (probes, the pages).
    fn public(mut self) -> Self {
        self.operation = self.operation.security(SecurityRequirement::default());
        self.public = true;
        self
    }

    fn path_param(mut self, name: &str, text: &str) -> Self {
        self.operation = self.operation.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(text))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
        );
        self
    }

    /// The query parameters of a handler's `web::Query<P>`.
    fn query<P: IntoParams>(mut self) -> Self {
        self.operation = self
            .operation
            .parameters(Some(P::into_params(|| Some(ParameterIn::Query))));
        self.errors.push(query_error());
        self
    }

    fn body(mut self, content_type: &str, schema: RefOr<Schema>, example: Value) -> Self {
        let content = ContentBuilder::new()
            .schema(Some(schema))
            .example(Some(example))
            .build();
        self.operation = self.operation.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(content_type, content)
                .build(),
        ));
        self
    }

    /// A JSON body, with the errors actix's reader answers for it.
    fn json_body(mut self, schema: RefOr<Schema>, example: Value) -> Self {
        self.errors.extend(json_errors());
        self.body(JSON, schema, example)
    }

    fn ok(self, status: u16, text: &str, schema: RefOr<Schema>) -> Self {
        self.respond(status, text, Some((JSON, schema)))
    }

    fn respond(mut self, status: u16, text: &str, content: Option<(&str, RefOr<Schema>)>) -> Self {
        let mut response = ResponseBuilder::new().description(text);
        if let Some((content_type, schema)) = content {
            response = response.content(
                content_type,
                ContentBuilder::new().schema(Some(schema)).build(),
            );
        }
        self.operation = self
            .operation
            .response(status.to_string(), response.build());
        self
    }

    fn errors(mut self, errors: impl IntoIterator<Item = ApiError>) -> Self {
        self.errors.extend(errors);
        self
    }

    /// The operation, with one response per error status listing its codes, each code an
    /// example body as the server sends it.
    fn finish(self) -> Operation {
        let Entry {
            mut operation,
            mut errors,
            public,
            ..
        } = self;
        // With keys configured, everything but the public paths can be refused: no key or a
        // wrong one, a key without the route's scope, a spent rate limit, an address locked
        // out after wrong keys (src/api/auth.rs).
        if !public {
            errors.push(ApiError::unauthorized());
            errors.push(ApiError::insufficient_scope("write"));
            errors.push(ApiError::rate_limited().retry_after(1));
            errors.push(ApiError::too_many_failed_attempts().retry_after(300));
        }
        let mut by_status: BTreeMap<u16, Vec<ApiError>> = BTreeMap::new();
        for error in errors {
            let same = by_status.entry(error.status().as_u16()).or_default();
            if !same.iter().any(|known| known.code == error.code) {
                same.push(error);
            }
        }
        for (status, errors) in by_status {
            let codes: Vec<&str> = errors.iter().map(|error| error.code.as_str()).collect();
            let examples = errors.iter().map(|error| {
                let body: Value = serde_json::from_str(&error.problem_json()).unwrap_or_default();
                (
                    error.code.as_str(),
                    ExampleBuilder::new()
                        .summary(error.title())
                        .value(Some(body))
                        .build(),
                )
            });
            let content = ContentBuilder::new()
                .schema(Some(named(PROBLEM)))
                .examples_from_iter(examples)
                .build();
            let text = format!(
                "{}: `{}`",
                StatusCode::from_u16(status)
                    .ok()
                    .and_then(|status| status.canonical_reason())
                    .unwrap_or("Error"),
                codes.join("`, `")
            );
            operation = operation.response(
                status.to_string(),
                ResponseBuilder::new()
                    .description(text)
                    .content(PROBLEM_JSON, content)
                    .build(),
            );
        }
        operation.build()
    }
}

/// The body of every error (RFC 9457), as `ApiError::problem_json` writes it.
fn problem_schema() -> Schema {
    let text = || ObjectBuilder::new().schema_type(Type::String);
    ObjectBuilder::new()
        .description(Some("An error, as `application/problem+json` (RFC 9457)."))
        .property(
            "type",
            text().description(Some(
                "A URI naming the problem; its last segment is the code.",
            )),
        )
        .property("title", text())
        .property("status", ObjectBuilder::new().schema_type(Type::Integer))
        .property(
            "detail",
            text().description(Some("For the person reading it.")),
        )
        .property(
            "code",
            text().description(Some(
                "Stable: clients branch on it. Added to, never renamed.",
            )),
        )
        .required("type")
        .required("title")
        .required("status")
        .required("detail")
        .required("code")
        .into()
}

/// Bodies written with `json!` in a handler, described here.
fn extra_schemas() -> Vec<(&'static str, Schema)> {
    let text = || ObjectBuilder::new().schema_type(Type::String);
    let count = || {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
    };
    let nullable_text =
        || ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null]));
    vec![
        (
            "Health",
            ObjectBuilder::new()
                .property("status", text().enum_values(Some(["ok"])))
                .required("status")
                .into(),
        ),
        (
            "Readiness",
            ObjectBuilder::new()
                .property("status", text().enum_values(Some(["ready"])))
                .property("candidates", count())
                .property("indexed", count())
                .property("features", count())
                .required("status")
                .into(),
        ),
        (
            "AuditPage",
            ObjectBuilder::new()
                .property("results", ArrayBuilder::new().items(named("AuditEntry")))
                .property("next_cursor", nullable_text())
                .required("results")
                .required("next_cursor")
                .into(),
        ),
        (
            "NewSubscription",
            ObjectBuilder::new()
                .description(Some(
                    "The subscription, with its signing secret: shown this once, never again.",
                ))
                .property("id", text())
                .property("url", text())
                .property("events", ArrayBuilder::new().items(text()))
                .property("created_at", text())
                .property("secret", text())
                .required("id")
                .required("secret")
                .into(),
        ),
        (
            "BatchSummary",
            ObjectBuilder::new()
                .property(
                    "batch_id",
                    text().description(Some("Select this batch in a run: `{\"batch_id\": …}`.")),
                )
                .property("created", count())
                .property("replaced", count())
                .property("duplicates", count())
                .property("rejected", count())
                .property("skipped", count())
                .property(
                    "items",
                    ArrayBuilder::new().items(
                        ObjectBuilder::new()
                            .property("file", nullable_text())
                            .property(
                                "outcome",
                                text().enum_values(Some([
                                    "created",
                                    "replaced",
                                    "duplicate",
                                    "rejected",
                                    "skipped",
                                ])),
                            )
                            .property(
                                "id",
                                text().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
                            )
                            .property("external_id", text())
                            .property(
                                "error",
                                ObjectBuilder::new()
                                    .property("code", text())
                                    .property("message", text()),
                            )
                            .required("outcome"),
                    ),
                )
                .required("batch_id")
                .required("items")
                .into(),
        ),
        (
            "UploadForm",
            ObjectBuilder::new()
                .property(
                    "file",
                    text()
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                        .description(Some(
                            "The resume: PDF, DOCX, ODT, HTML, RTF, text or a JSON Resume.",
                        )),
                )
                .property(
                    "external_id",
                    text()
                        .description(Some("Your id; the same one again replaces that candidate.")),
                )
                .property(
                    "document_date",
                    text()
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
                        .description(Some("When the document was written, if it does not say.")),
                )
                .required("file")
                .into(),
        ),
        (
            "BatchForm",
            ObjectBuilder::new()
                .property(
                    "file",
                    ArrayBuilder::new()
                        .items(text().format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary))))
                        .description(Some("One part per resume; a `.zip` part is unpacked.")),
                )
                .property("external_id", text())
                .property(
                    "document_date",
                    text().format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
                )
                .property(
                    "external_ids_from_file_names",
                    text().enum_values(Some(["true", "false"])),
                )
                .required("file")
                .into(),
        ),
    ]
}

/// A request made up to hand to actix's error handlers, which read nothing from it.
fn any_request() -> HttpRequest {
    actix_web::test::TestRequest::default().to_http_request()
}

fn from_actix(error: actix_web::Error) -> ApiError {
    error
        .as_error::<ApiError>()
        .cloned()
        .unwrap_or_else(ApiError::internal)
}

/// What the query reader answers for a parameter of the wrong type or an unknown one.
fn query_error() -> ApiError {
    let cause = <serde::de::value::Error as serde::de::Error>::custom("unknown field `colour`");
    from_actix(super::error::query_error(
        actix_web::error::QueryPayloadError::Deserialize(cause),
        &any_request(),
    ))
}

/// What the JSON reader answers: wrong content type, unreadable JSON, too large, too slow.
fn json_errors() -> Vec<ApiError> {
    use actix_web::error::JsonPayloadError;
    let unreadable = serde_json::from_str::<Value>("{").map_err(JsonPayloadError::Deserialize);
    let mut errors: Vec<ApiError> = [
        Some(JsonPayloadError::ContentType),
        unreadable.err(),
        Some(JsonPayloadError::Overflow {
            limit: super::ApiSettings::default().max_json_bytes,
        }),
    ]
    .into_iter()
    .flatten()
    .map(|error| from_actix(super::error::json_error(error, &any_request())))
    .collect();
    errors.push(ApiError::body_timeout());
    errors
}

fn engine(error: EngineError) -> ApiError {
    error.into()
}

fn run(error: RunError) -> ApiError {
    error.into()
}

fn webhook(error: WebhookError) -> ApiError {
    error.into()
}

fn candidate_not_found() -> ApiError {
    engine(EngineError::CandidateNotFound("3f0c…".into()))
}

fn role_not_found() -> ApiError {
    engine(EngineError::RoleNotFound("account-manager".into()))
}

fn run_not_found() -> ApiError {
    run(RunError::NotFound("7d1e…".into()))
}

/// Every way a document is refused.
fn document_errors() -> Vec<ApiError> {
    [
        ExtractError::Empty,
        ExtractError::TooLarge {
            size: 30_000_000,
            limit: 20_971_520,
        },
        ExtractError::UnsupportedType("image/png".into()),
        ExtractError::Malformed {
            format: "PDF",
            reason: "no trailer".into(),
        },
        ExtractError::Encrypted,
        ExtractError::NoTextLayer,
        ExtractError::NoText,
        ExtractError::TooLittleText { found: 12 },
        ExtractError::ArchiveBomb { limit: 536_870_912 },
        ExtractError::TooComplex("more than 2,000 pages".into()),
    ]
    .into_iter()
    .map(ApiError::from)
    .collect()
}

/// What reading a multipart upload can refuse, before any document is read.
fn upload_form_errors() -> Vec<ApiError> {
    let bad = |code: Code, detail: &str| ApiError::new(code, detail);
    vec![
        ApiError::new(
            Code::ExpectedMultipart,
            "Upload resumes as multipart/form-data with each file in a part named `file`.",
        ),
        bad(
            Code::MalformedMultipart,
            "The multipart body cannot be read.",
        ),
        bad(
            Code::FormFieldTooLarge,
            "The form field `external_id` is longer than 4096 bytes.",
        ),
        bad(
            Code::TooManyFiles,
            "This endpoint takes one file; send several to /v1/candidates/batch.",
        ),
        bad(
            Code::InvalidFormField,
            "The form field `external_id` is not UTF-8 text.",
        ),
        bad(
            Code::InvalidDocumentDate,
            "document_date must be a date as YYYY-MM-DD.",
        ),
        bad(Code::MissingFile, "The upload has no part named `file`."),
        bad(
            Code::InvalidIdempotencyKey,
            "The Idempotency-Key header is 1 to 255 visible characters.",
        ),
        ApiError::new(
            Code::IdempotencyKeyReused,
            "This Idempotency-Key was already used for a different request.",
        ),
        ApiError::candidate_deleted(),
        ApiError::payload_too_large(super::ApiSettings::default().max_upload_bytes),
        ApiError::body_timeout(),
        ApiError::overloaded("uploads"),
        engine(EngineError::BadExternalId),
    ]
}

fn cursor_errors() -> Vec<ApiError> {
    vec![
        engine(EngineError::BadCursor),
        ApiError::invalid_limit(crate::engine::MAX_PAGE_SIZE),
    ]
}

const ID: &str = "The candidate's id (a UUID).";
const ROLE_ID: &str = "The role's id.";
const RUN_ID: &str = "The run's id.";
const WEBHOOK_ID: &str = "The subscription's id.";

fn role_example() -> Value {
    json!({
        "id": "account-manager",
        "title": "Account Manager",
        "requirements": [
            {"id": "b2b", "label": "Three years of B2B sales", "kind": "experience",
             "category": "b2b_sales", "min_years": 3, "must_have": true, "weight": 2},
            {"id": "crm", "label": "A CRM", "kind": "skill", "any_of": ["group:crm"]},
            {"id": "degree", "kind": "degree", "min_level": "bachelor",
             "fields": ["business"], "related_fields": true}
        ]
    })
}

/// Every operation the server answers: one entry per `.route(` in `super::routes` and
/// `super::page::routes`.
fn operations(r: &mut Registry) -> Vec<Entry> {
    use HttpMethod::{Delete, Get, Head, Post, Put};
    let text = |content_type: &'static str| {
        (
            content_type,
            RefOr::T(Schema::from(ObjectBuilder::new().schema_type(Type::String))),
        )
    };
    let binary = || {
        RefOr::T(Schema::from(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary))),
        ))
    };
    let page = |method, path, id, summary, content_type| {
        op(method, path, "web", id, summary).public().respond(
            200,
            "The page or asset (304 when `If-None-Match` matches).",
            Some(text(content_type)),
        )
    };
    // The JSON Lines export's lines.
    let _ = r.schema::<RunResult>();
    // The audit page's entries (the page itself is written out in `extra_schemas`).
    let _ = r.schema::<crate::audit::AuditEntry>();
    vec![
        // Operations.
        op(Get, "/healthz", "operations", "health", "Liveness: the process answers")
            .public()
            .ok(200, "Always, while the process runs.", named("Health")),
        op(Head, "/healthz", "operations", "health_head", "Liveness, without a body")
            .public()
            .respond(200, "Always, while the process runs.", None),
        op(Get, "/readyz", "operations", "ready", "Readiness: the store, index and features answer")
            .public()
            .ok(200, "Ready to take work.", named("Readiness"))
            .errors([ApiError::not_ready("the store does not take writes")]),
        op(Get, "/metrics", "operations", "metrics", "Prometheus metrics")
            .respond(200, "Text exposition format, names prefixed `shortlist_`.", Some(text("text/plain; version=0.0.4"))),
        op(Get, "/openapi.json", "operations", "openapi", "This document")
            .respond(200, "The OpenAPI 3.1 document.", Some((JSON, RefOr::T(Schema::from(ObjectBuilder::new()))))),
        // The pages.
        page(Get, "/", "page", "The recruiter web page", "text/html"),
        page(Head, "/", "page_head", "The recruiter web page's headers", "text/html"),
        page(Get, "/assets/{name}", "asset", "An asset of the web pages", "text/javascript")
            .path_param("name", "The asset's file name, e.g. `app.js`.")
            .errors([ApiError::asset_not_found()]),
        page(Head, "/assets/{name}", "asset_head", "An asset's headers", "text/javascript")
            .path_param("name", "The asset's file name.")
            .errors([ApiError::asset_not_found()]),
        page(Get, "/docs", "docs", "This API's documentation page", "text/html"),
        page(Head, "/docs", "docs_head", "The documentation page's headers", "text/html"),
        // Candidates.
        op(Post, "/v1/candidates", "candidates", "upload_candidate", "Upload one resume")
            .describe(
                "The file is read, parsed and stored before the answer. `201` for a new \
                 candidate; `200` when `external_id` replaced one or the same file was already \
                 stored (header `Shortlist-Outcome`: `created`, `replaced` or `duplicate`). \
                 An `Idempotency-Key` header replays the first answer to a retried request.",
            )
            .body(
                "multipart/form-data",
                named("UploadForm"),
                json!({"file": "(resume.pdf)", "external_id": "ats-4711", "document_date": "2024-03-01"}),
            )
            .ok(201, "Stored: the candidate and its profile.", r.schema::<CandidateView>())
            .ok(200, "Replaced, or a duplicate of a stored file.", r.schema::<CandidateView>())
            .errors(upload_form_errors())
            .errors(document_errors()),
        op(Get, "/v1/candidates", "candidates", "list_candidates", "List candidates, newest first")
            .describe("The next page is in `next_cursor` and in a `Link: <…>; rel=\"next\"` header.")
            .query::<candidates_list::ListParams>()
            .ok(200, "A page of candidates.", r.schema::<CandidateList>())
            .errors(cursor_errors())
            .errors([
                ApiError::invalid_timestamp("created_since"),
                engine(EngineError::BadQuery("unbalanced parenthesis".into())),
            ]),
        op(Post, "/v1/candidates/batch", "candidates", "upload_batch", "Upload many resumes, or zip archives of them")
            .describe(
                "Each file gets its own outcome: one bad file does not fail the others. Parsed \
                 in parallel, stored in one transaction.",
            )
            .body(
                "multipart/form-data",
                named("BatchForm"),
                json!({"file": ["(a.pdf)", "(b.docx)", "(more.zip)"], "external_ids_from_file_names": "true"}),
            )
            .ok(200, "An outcome per file.", named("BatchSummary"))
            .errors(upload_form_errors())
            .errors([ApiError::from(ExtractError::ArchiveBomb { limit: 536_870_912 })]),
        op(Get, "/v1/candidates/{id}", "candidates", "get_candidate", "A candidate and its profile")
            .path_param("id", ID)
            .query::<super::candidates::BlindParams>()
            .ok(200, "The candidate.", r.schema::<CandidateView>())
            .errors([candidate_not_found()]),
        op(Delete, "/v1/candidates/{id}", "candidates", "delete_candidate", "Erase a candidate")
            .describe("Gone from the store, the index, rankings and runs; the audit log keeps the id.")
            .path_param("id", ID)
            .respond(204, "Erased.", None)
            .errors([candidate_not_found()]),
        op(Get, "/v1/candidates/{id}/file", "candidates", "download_file", "The original file, byte for byte")
            .path_param("id", ID)
            .respond(200, "The file as uploaded, as an attachment.", Some(("application/octet-stream", binary())))
            .errors([candidate_not_found()]),
        op(Get, "/v1/candidates/{id}/json-resume", "candidates", "json_resume", "The profile as a JSON Resume")
            .path_param("id", ID)
            .respond(
                200,
                "A JSON Resume (jsonresume.org schema 1.0) document.",
                Some((JSON, RefOr::T(Schema::from(ObjectBuilder::new().description(Some("JSON Resume 1.0")))))),
            )
            .errors([candidate_not_found()]),
        op(Put, "/v1/candidates/{id}/demographics", "oversight", "put_demographics", "Record a candidate's demographic groups")
            .describe("Kept apart from the profile, for adverse-impact reports only; scoring never reads it.")
            .path_param("id", ID)
            .json_body(
                r.schema::<trust::DemographicsBody>(),
                json!({"groups": {"sex": "female", "race_ethnicity": "hispanic_or_latino"}}),
            )
            .respond(204, "Recorded.", None)
            .errors([
                candidate_not_found(),
                engine(EngineError::InvalidDemographics("unknown category".into())),
            ]),
        // Roles and rankings.
        op(Get, "/v1/roles", "roles", "list_roles", "Every role")
            .ok(200, "The roles.", r.array::<Role>()),
        op(Post, "/v1/roles/draft", "roles", "draft_role", "Draft a role from a job description")
            .describe("Not stored: review it, then `PUT /v1/roles/{id}`. Each requirement cites its sentence.")
            .json_body(
                r.schema::<super::roles::DraftRequest>(),
                json!({"text": "Account Manager. 3+ years of B2B sales, Salesforce, a bachelor's degree."}),
            )
            .ok(200, "The drafted role.", r.schema::<Role>())
            .errors([ApiError::new(Code::EmptyText, "Send the job description as `text`.")]),
        op(Get, "/v1/roles/{id}", "roles", "get_role", "A role")
            .path_param("id", ROLE_ID)
            .ok(200, "The role.", r.schema::<Role>())
            .errors([role_not_found()]),
        op(Put, "/v1/roles/{id}", "roles", "put_role", "Create or replace a role")
            .describe("The body may leave out `id`: the path gives it.")
            .path_param("id", ROLE_ID)
            .json_body(r.schema::<Role>(), role_example())
            .ok(201, "Created.", r.schema::<Role>())
            .ok(200, "Replaced.", r.schema::<Role>())
            .errors([ApiError::invalid_role("requirement b2b: min_years must be positive")]),
        op(Delete, "/v1/roles/{id}", "roles", "delete_role", "Delete a role")
            .path_param("id", ROLE_ID)
            .respond(204, "Deleted.", None)
            .errors([role_not_found()]),
        op(Get, "/v1/roles/{id}/ranking", "roles", "ranking", "Candidates ranked against a role, best first")
            .describe("Each result has a verdict, credit and evidence per requirement.")
            .path_param("id", ROLE_ID)
            .query::<super::roles::RankingParams>()
            .ok(200, "A page of the ranking.", r.schema::<RankingPage>())
            .errors([
                role_not_found(),
                engine(EngineError::RoleDisabled("account-manager".into(), "an unknown skill".into())),
                engine(EngineError::BadQuery("unbalanced parenthesis".into())),
                ApiError::new(Code::InvalidMinScore, "min_score is between 0 and 100."),
            ])
            .errors(cursor_errors()),
        op(Post, "/v1/rankings", "roles", "rank_unsaved", "Rank against a role sent in the body, without storing it")
            .json_body(
                r.schema::<rankings::RankingRequest>(),
                json!({"role": {"title": "Account Manager", "requirements": [
                    {"id": "crm", "kind": "skill", "any_of": ["Salesforce"], "must_have": true}]},
                    "limit": 10}),
            )
            .ok(200, "A page of the ranking.", r.schema::<RankingPage>())
            .errors([ApiError::invalid_role("Send the role to rank against as `role`.")])
            .errors(cursor_errors()),
        op(Put, "/v1/roles/{role_id}/candidates/{candidate_id}/overrides/{requirement_id}", "oversight", "put_override", "Override a requirement's verdict for a candidate")
            .describe("The recruiter's verdict replaces the computed one in rankings, runs and exports, with who, when and why.")
            .path_param("role_id", ROLE_ID)
            .path_param("candidate_id", ID)
            .path_param("requirement_id", "The requirement's id in the role.")
            .json_body(r.schema::<trust::OverrideBody>(), json!({"verdict": "met", "reason": "Confirmed by phone: five years at Acme."}))
            .ok(200, "The override.", r.schema::<Override>())
            .errors([
                role_not_found(),
                candidate_not_found(),
                engine(EngineError::RequirementNotFound { role_id: "account-manager".into(), requirement_id: "crm".into() }),
                engine(EngineError::InvalidOverride("verdict is met, partial, not_met or unknown".into())),
            ]),
        op(Delete, "/v1/roles/{role_id}/candidates/{candidate_id}/overrides/{requirement_id}", "oversight", "delete_override", "Remove an override")
            .path_param("role_id", ROLE_ID)
            .path_param("candidate_id", ID)
            .path_param("requirement_id", "The requirement's id in the role.")
            .respond(204, "Removed: the computed verdict counts again.", None)
            .errors([role_not_found(), engine(EngineError::OverrideNotFound("crm".into()))]),
        op(Get, "/v1/audit", "oversight", "audit", "The append-only audit log, in order")
            .query::<trust::AuditParams>()
            .ok(200, "A page of entries.", named("AuditPage"))
            .errors(cursor_errors()),
        // Runs.
        op(Post, "/v1/runs", "runs", "create_run", "Start a screening run")
            .describe("Ranks a selection against a role in the background; poll the run or subscribe to `run.completed`.")
            .json_body(r.schema::<super::runs::NewRun>(), json!({"role_id": "account-manager", "selection": {"all": true}}))
            .ok(202, "Enqueued (header `Location`).", r.schema::<Run>())
            .errors([
                role_not_found(),
                run(RunError::Invalid("role_id is required".into())),
                run(RunError::BadSelection("the selection is empty".into())),
            ]),
        op(Get, "/v1/runs", "runs", "list_runs", "Every run")
            .ok(200, "The runs, newest first.", r.array::<Run>()),
        op(Get, "/v1/runs/{id}", "runs", "get_run", "A run and its progress")
            .path_param("id", RUN_ID)
            .ok(200, "The run.", r.schema::<Run>())
            .errors([run_not_found()]),
        op(Post, "/v1/runs/{id}/cancel", "runs", "cancel_run", "Cancel a run")
            .path_param("id", RUN_ID)
            .ok(202, "The run, canceled or about to be.", r.schema::<Run>())
            .errors([run_not_found()]),
        op(Get, "/v1/runs/{id}/results", "runs", "run_results", "A page of a finished run's results")
            .path_param("id", RUN_ID)
            .query::<super::runs::ResultsParams>()
            .ok(200, "A page of results, best first.", r.schema::<RunResultsPage>())
            .errors([run_not_found(), run(RunError::NotFinished(RunStatus::Processing))])
            .errors(cursor_errors()),
        op(Get, "/v1/runs/{id}/export", "runs", "export_run", "Every result of a finished run, as CSV or JSON Lines")
            .path_param("id", RUN_ID)
            .query::<super::runs::ExportParams>()
            .respond(200, "`text/csv` (default) or `application/x-ndjson`, one `RunResult` a line.", Some(text("text/csv")))
            .errors([
                run_not_found(),
                run(RunError::NotFinished(RunStatus::Processing)),
                ApiError::new(Code::InvalidFormat, "format is csv or jsonl."),
            ]),
        op(Get, "/v1/runs/{id}/adverse-impact", "oversight", "adverse_impact", "Selection rates by group and the four-fifths rule")
            .path_param("id", RUN_ID)
            .query::<trust::AdverseImpactParams>()
            .ok(200, "The report.", r.schema::<AdverseImpactReport>())
            .errors([run_not_found(), run(RunError::NotFinished(RunStatus::Processing)), run(RunError::BadSelection("selected or min_score".into()))]),
        // Webhooks.
        op(Post, "/v1/webhooks", "webhooks", "create_webhook", "Subscribe to events")
            .describe("Events: `candidate.parsed`, `run.completed`, `run.failed`. Deliveries are signed (`Shortlist-Signature: t=…,v1=…`) and retried.")
            .json_body(
                r.schema::<super::webhooks::NewWebhook>(),
                json!({"url": "https://ats.example.com/hooks/shortlist", "events": ["run.completed"]}),
            )
            .ok(201, "Subscribed (header `Location`); the secret is shown this once.", named("NewSubscription"))
            .errors([webhook(WebhookError::Invalid("the url must be https".into()))]),
        op(Get, "/v1/webhooks", "webhooks", "list_webhooks", "Every subscription")
            .ok(200, "The subscriptions (without secrets).", r.array::<Subscription>()),
        op(Delete, "/v1/webhooks/{id}", "webhooks", "delete_webhook", "Unsubscribe")
            .path_param("id", WEBHOOK_ID)
            .respond(204, "Deleted.", None)
            .errors([webhook(WebhookError::NotFound("9a…".into()))]),
        op(Get, "/v1/webhooks/{id}/deliveries", "webhooks", "webhook_deliveries", "A subscription's deliveries")
            .path_param("id", WEBHOOK_ID)
            .ok(200, "The deliveries, newest first.", r.array::<Delivery>())
            .errors([webhook(WebhookError::NotFound("9a…".into()))]),
        op(Post, "/v1/webhooks/{id}/test", "webhooks", "test_webhook", "Send a signed `ping` now")
            .describe("Sent at once through the same sender as every event; the answer is the delivery as recorded, whether the receiver took it or not (`status`, `last_error`).")
            .path_param("id", WEBHOOK_ID)
            .ok(200, "The test delivery.", r.schema::<Delivery>())
            .errors([
                webhook(WebhookError::NotFound("9a…".into())),
                webhook(WebhookError::Unavailable("the webhook sender is not running".into())),
            ]),
        op(Post, "/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", "webhooks", "redeliver", "Send an event again")
            .describe("The delivery's event is sent again now, newly signed, as a new delivery whose `redelivery_of` names the first.")
            .path_param("id", WEBHOOK_ID)
            .path_param("delivery_id", "The delivery to send again (a UUID from the deliveries list).")
            .ok(201, "The new delivery (header `Location`).", r.schema::<Delivery>())
            .errors([
                webhook(WebhookError::NotFound("9a…".into())),
                webhook(WebhookError::DeliveryNotFound("9a…".into())),
                webhook(WebhookError::Unavailable("the webhook sender is not running".into())),
            ]),
    ]
}
