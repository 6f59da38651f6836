//! Screening runs as a resource: start one (`POST /v1/runs`), list, read, cancel, page its
//! results and export them as CSV or JSON lines. The work is [`crate::runs::Runs`]'s.

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::auth::check_run;
use super::blocking::{audit, blocking};
use super::error::ApiError;
use super::{AppState, Caller};
use crate::audit::Action;
use crate::error_code::Code;
use crate::ids::{RoleId, RunId};
use crate::runs::{Selection, results_csv};

type ApiResult = Result<HttpResponse, ApiError>;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRun {
    role_id: String,
    selection: Selection,
}

pub async fn create_run(
    state: web::Data<AppState>,
    request: HttpRequest,
    tenant: crate::tenant::Tenant,
    body: web::Json<NewRun>,
) -> ApiResult {
    let runs = Arc::clone(&state.runs);
    let engine = Arc::clone(&state.engine);
    let NewRun { role_id, selection } = body.into_inner();
    let role_id = RoleId::parse(&role_id)?;
    let caller = Caller::of(&request);
    let created_by = caller.key_id.clone();
    let run = blocking(move || {
        engine.check_role(&tenant, role_id.as_str())?;
        runs.create(role_id.as_str(), selection, &created_by, &tenant)
    })
    .await?;
    let event = caller
        .event(Action::RunStarted)
        .detail(format!("run {}", run.id));
    let event = match state.engine.role(&run.role_id) {
        Ok(role) => event.role(&role),
        Err(_) => event.role_id(&run.role_id),
    };
    audit(&state.engine, event).await?;
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/v1/runs/{}", run.id)))
        .json(run))
}

pub async fn list_runs(state: web::Data<AppState>, tenant: crate::tenant::Tenant) -> ApiResult {
    let runs = Arc::clone(&state.runs);
    Ok(HttpResponse::Ok().json(blocking(move || runs.list(&tenant)).await?))
}

pub async fn get_run(
    state: web::Data<AppState>,
    tenant: crate::tenant::Tenant,
    id: web::Path<String>,
) -> ApiResult {
    let id = RunId::parse(&id)?.to_string();
    let runs = Arc::clone(&state.runs);
    let engine = Arc::clone(&state.engine);
    Ok(HttpResponse::Ok().json(
        blocking(move || {
            check_run(&engine, &tenant, &id)?;
            runs.get(&id)
        })
        .await?,
    ))
}

pub async fn cancel_run(
    state: web::Data<AppState>,
    tenant: crate::tenant::Tenant,
    id: web::Path<String>,
) -> ApiResult {
    let id = RunId::parse(&id)?.to_string();
    let runs = Arc::clone(&state.runs);
    let engine = Arc::clone(&state.engine);
    Ok(HttpResponse::Accepted().json(
        blocking(move || {
            check_run(&engine, &tenant, &id)?;
            runs.cancel(&id)
        })
        .await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ResultsParams {
    limit: Option<usize>,
    cursor: Option<String>,
    blind: Option<bool>,
}

/// Who read a run's ranking (its results or an export): the run's role and the candidates.
async fn audit_run_read(
    state: &AppState,
    request: &HttpRequest,
    action: Action,
    run_id: &str,
    candidate_ids: Vec<String>,
) -> Result<(), ApiError> {
    let runs = Arc::clone(&state.runs);
    let id = run_id.to_owned();
    let run = blocking(move || runs.get(&id)).await?;
    // The role by id only: the version the run ranked against is in its `run_finished` entry,
    // and the role may have changed since.
    let event = Caller::of(request)
        .event(action)
        .role_id(&run.role_id)
        .candidates(candidate_ids)
        .detail(format!("run {run_id}"));
    audit(&state.engine, event).await
}

pub async fn run_results(
    state: web::Data<AppState>,
    request: HttpRequest,
    tenant: crate::tenant::Tenant,
    id: web::Path<String>,
    params: web::Query<ResultsParams>,
) -> ApiResult {
    let id = RunId::parse(&id)?.to_string();
    let run_id = id.clone();
    let runs = Arc::clone(&state.runs);
    let engine = Arc::clone(&state.engine);
    let ResultsParams {
        limit,
        cursor,
        blind,
    } = params.into_inner();
    let blind = blind.unwrap_or(state.settings.blind);
    let page = blocking(move || {
        check_run(&engine, &tenant, &id)?;
        let mut page = runs.results(&id, limit.unwrap_or(100), cursor.as_deref())?;
        if blind {
            runs.redact(&mut page.results)?;
        }
        Ok::<_, crate::runs::RunError>(page)
    })
    .await?;
    let read: Vec<String> = page
        .results
        .iter()
        .map(|r| r.candidate_id.clone())
        .collect();
    audit_run_read(&state, &request, Action::RunResultsRead, &run_id, read).await?;
    Ok(HttpResponse::Ok().json(page))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    format: Option<String>,
    blind: Option<bool>,
}

pub async fn export_run(
    state: web::Data<AppState>,
    request: HttpRequest,
    tenant: crate::tenant::Tenant,
    id: web::Path<String>,
    params: web::Query<ExportParams>,
) -> ApiResult {
    let ExportParams { format, blind } = params.into_inner();
    let format = format.unwrap_or_else(|| "csv".to_owned());
    let blind = blind.unwrap_or(state.settings.blind);
    if format != "csv" && format != "jsonl" {
        return Err(ApiError::new(
            Code::InvalidFormat,
            "format is csv or jsonl.",
        ));
    }
    let id = RunId::parse(&id)?.to_string();
    let runs = Arc::clone(&state.runs);
    let engine = Arc::clone(&state.engine);
    let run_id = id.clone();
    let results = blocking(move || {
        check_run(&engine, &tenant, &run_id)?;
        let mut results = runs.all_results(&run_id)?;
        if blind {
            runs.redact(&mut results)?;
        }
        Ok::<_, crate::runs::RunError>(results)
    })
    .await?;
    let exported: Vec<String> = results.iter().map(|r| r.candidate_id.clone()).collect();
    audit_run_read(&state, &request, Action::RunExported, id.as_str(), exported).await?;
    let (content_type, body, extension) = if format == "csv" {
        ("text/csv; charset=utf-8", results_csv(&results), "csv")
    } else {
        let mut lines = String::new();
        for result in &results {
            lines.push_str(&serde_json::to_string(result).map_err(|_| ApiError::internal())?);
            lines.push('\n');
        }
        ("application/x-ndjson", lines, "jsonl")
    };
    Ok(HttpResponse::build(StatusCode::OK)
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"run-{}.{extension}\"", id.as_str()),
        ))
        .body(body))
}
