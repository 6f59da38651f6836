//! Handlers for the audit log, human oversight (overrides) and fairness checks (demographics,
//! adverse impact).

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::blocking::audit as record_audit;
use super::blocking::blocking;
use super::error::ApiError;
use super::{AppState, Caller};
use crate::audit::Action;
use crate::error_code::Code;
use crate::ids::CandidateId;
use crate::oversight::Groups;

type ApiResult = Result<HttpResponse, ApiError>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::IntoParams)]
pub struct AuditParams {
    cursor: Option<String>,
    limit: Option<usize>,
}

/// `GET /v1/audit?cursor=C&limit=N`: the audit log in order, `{results, next_cursor}`.
/// A tenant's admin reads its own tenant's entries only (each entry keeps the tenant of the
/// key that caused it, so rotating a key moves nothing).
pub async fn audit(
    state: web::Data<AppState>,
    tenant: crate::tenant::Tenant,
    params: web::Query<AuditParams>,
) -> ApiResult {
    let AuditParams { cursor, limit } = params.into_inner();
    if limit == Some(0) {
        return Err(ApiError::new(
            Code::InvalidLimit,
            "limit must be at least 1.",
        ));
    }
    let engine = Arc::clone(&state.engine);
    let (results, next_cursor) =
        blocking(move || engine.audit_page(cursor.as_deref(), limit.unwrap_or(100), &tenant))
            .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "results": results,
        "next_cursor": next_cursor,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
pub struct OverrideBody {
    verdict: String,
    reason: String,
}

/// `PUT /v1/roles/{role_id}/candidates/{candidate_id}/overrides/{requirement_id}`
/// `{"verdict": "met", "reason": "…"}`: the recruiter's verdict replaces the computed one in
/// rankings, runs and exports, with who, when and why.
pub async fn put_override(
    state: web::Data<AppState>,
    request: HttpRequest,
    tenant: crate::tenant::Tenant,
    path: web::Path<(String, String, String)>,
    body: web::Json<OverrideBody>,
) -> ApiResult {
    let (role_id, candidate_id, requirement_id) = path.into_inner();
    let candidate_id = CandidateId::parse(&candidate_id)?;
    let OverrideBody { verdict, reason } = body.into_inner();
    let caller = Caller::of(&request);
    let engine = Arc::clone(&state.engine);
    let by = caller.key_id.clone();
    let decided = blocking(move || {
        engine.check_role(&tenant, &role_id)?;
        engine.check_candidate(&tenant, candidate_id)?;
        engine.put_override(
            &role_id,
            candidate_id,
            &requirement_id,
            &verdict,
            &reason,
            &by,
        )
    })
    .await?;
    let role = state.engine.role(&decided.role_id)?;
    record_audit(
        &state.engine,
        caller
            .event(Action::OverridePut)
            .role(&role)
            .candidates([decided.candidate_id.as_str()])
            .detail(format!(
                "requirement {}: {}",
                decided.requirement_id,
                serde_json::to_value(decided.verdict)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            )),
    )
    .await?;
    Ok(HttpResponse::Ok().json(decided))
}

pub async fn delete_override(
    state: web::Data<AppState>,
    request: HttpRequest,
    tenant: crate::tenant::Tenant,
    path: web::Path<(String, String, String)>,
) -> ApiResult {
    let (role_id, candidate_id, requirement_id) = path.into_inner();
    let candidate_id = CandidateId::parse(&candidate_id)?;
    let engine = Arc::clone(&state.engine);
    let (role, requirement) = (role_id.clone(), requirement_id.clone());
    blocking(move || {
        engine.check_role(&tenant, &role)?;
        engine.check_candidate(&tenant, candidate_id)?;
        engine.delete_override(&role, candidate_id, &requirement)
    })
    .await?;
    let role = state.engine.role(&role_id)?;
    record_audit(
        &state.engine,
        Caller::of(&request)
            .event(Action::OverrideDeleted)
            .role(&role)
            .candidates([candidate_id])
            .detail(format!("requirement {requirement_id}")),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
pub struct DemographicsBody {
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    groups: Groups,
}

/// `PUT /v1/candidates/{id}/demographics` `{"groups": {"sex": "female", …}}`: stored apart
/// from the profile, for adverse-impact reports only; scoring never reads it.
pub async fn put_demographics(
    state: web::Data<AppState>,
    request: HttpRequest,
    tenant: crate::tenant::Tenant,
    id: web::Path<String>,
    body: web::Json<DemographicsBody>,
) -> ApiResult {
    let groups = body.into_inner().groups;
    let candidate_id = CandidateId::parse(&id)?;
    let engine = Arc::clone(&state.engine);
    blocking(move || {
        engine.check_candidate(&tenant, candidate_id)?;
        engine.put_demographics(candidate_id, &groups)
    })
    .await?;
    // The audit entry names the candidate, never the groups.
    record_audit(
        &state.engine,
        Caller::of(&request)
            .event(Action::DemographicsPut)
            .candidates([candidate_id]),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::IntoParams)]
pub struct AdverseImpactParams {
    /// The top N results count as selected.
    selected: Option<usize>,
    /// Or: results scoring at least this count as selected.
    min_score: Option<f64>,
}

/// `GET /v1/runs/{id}/adverse-impact?selected=N` (or `?min_score=S`): selection rates by group
/// and the four-fifths rule.
pub async fn adverse_impact(
    state: web::Data<AppState>,
    request: HttpRequest,
    tenant: crate::tenant::Tenant,
    id: web::Path<String>,
    params: web::Query<AdverseImpactParams>,
) -> ApiResult {
    let AdverseImpactParams {
        selected,
        min_score,
    } = params.into_inner();
    let runs = Arc::clone(&state.runs);
    let engine = Arc::clone(&state.engine);
    let run_id = id.clone();
    let report = blocking(move || {
        super::auth::check_run(&engine, &tenant, &run_id)?;
        runs.adverse_impact(&run_id, selected, min_score)
    })
    .await?;
    record_audit(
        &state.engine,
        Caller::of(&request)
            .event(Action::AdverseImpactRead)
            .role_id(&report.role_id)
            .detail(format!("run {}", id.as_str())),
    )
    .await?;
    Ok(HttpResponse::Ok().json(report))
}
