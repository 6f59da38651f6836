//! Roles as a resource: list, read, create or replace (`PUT /v1/roles/{id}`), delete, draft one
//! from a job description, and a stored role's ranking (`GET /v1/roles/{id}/ranking`).

use std::num::NonZeroUsize;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::blocking::{audit, blocking};
use super::error::ApiError;
use super::params::{MinScore, PageLimit};
use super::{AppState, Caller};
use crate::audit::Action;
use crate::engine::RankQuery;
use crate::error_code::Code;
use crate::ids::RoleId;
use crate::role::Role;
use crate::store::Upserted;
use crate::tenant::Tenant;

type ApiResult = Result<HttpResponse, ApiError>;

/// The caller's tenant's roles (the shipped roles are the default tenant's).
pub async fn list_roles(state: web::Data<AppState>, tenant: Tenant) -> ApiResult {
    let engine = Arc::clone(&state.engine);
    Ok(HttpResponse::Ok().json(blocking(move || engine.roles_of(&tenant)).await?))
}

pub async fn get_role(
    state: web::Data<AppState>,
    tenant: Tenant,
    id: web::Path<String>,
) -> ApiResult {
    let id = RoleId::parse(&id)?;
    let engine = Arc::clone(&state.engine);
    let role = blocking(move || {
        engine.check_role(&tenant, id.as_str())?;
        engine.role(id.as_str())
    })
    .await?;
    Ok(HttpResponse::Ok().json(role))
}

/// The body may leave out `id`: the path gives it.
pub async fn put_role(
    state: web::Data<AppState>,
    request: HttpRequest,
    tenant: Tenant,
    id: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> ApiResult {
    // A path that is no role id makes the role invalid (it would not pass `Role::validate`),
    // not missing: this call creates it.
    let id = RoleId::parse(&id)
        .map_err(|_| {
            ApiError::invalid_role(format!(
                "role id {:?} must be 1 to {} lowercase letters, digits, '-' or '_'",
                id.as_str(),
                RoleId::MAX_LEN
            ))
        })?
        .into_string();
    let mut body = body.into_inner();
    if let Some(object) = body.as_object_mut() {
        object
            .entry("id")
            .or_insert_with(|| serde_json::Value::String(id.clone()));
    }
    let role: Role =
        serde_json::from_value(body).map_err(|e| ApiError::invalid_role(e.to_string()))?;
    let engine = Arc::clone(&state.engine);
    let (role, upserted) = blocking(move || engine.put_role_in(&tenant, &id, role)).await?;
    audit(
        &state.engine,
        Caller::of(&request).event(Action::RolePut).role(&role),
    )
    .await?;
    let status = match upserted {
        Upserted::Created => StatusCode::CREATED,
        Upserted::Replaced => StatusCode::OK,
    };
    Ok(HttpResponse::build(status).json(role))
}

pub async fn delete_role(
    state: web::Data<AppState>,
    request: HttpRequest,
    tenant: Tenant,
    id: web::Path<String>,
) -> ApiResult {
    let id = RoleId::parse(&id)?;
    let engine = Arc::clone(&state.engine);
    let role_id = id.clone();
    let role = blocking(move || {
        engine.check_role(&tenant, role_id.as_str())?;
        let role = engine.role(role_id.as_str()).ok();
        engine.delete_role(role_id.as_str())?;
        Ok::<_, crate::engine::EngineError>(role)
    })
    .await?;
    let event = Caller::of(&request).event(Action::RoleDeleted);
    let event = match &role {
        Some(role) => event.role(role),
        None => event.role_id(id.as_str()),
    };
    audit(&state.engine, event).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DraftRequest {
    text: String,
}

pub async fn draft_role(state: web::Data<AppState>, body: web::Json<DraftRequest>) -> ApiResult {
    if body.text.trim().is_empty() {
        return Err(ApiError::new(
            Code::EmptyText,
            "Send the job description as `text`.",
        ));
    }
    let engine = Arc::clone(&state.engine);
    let text = body.into_inner().text;
    let role = blocking(move || Ok::<_, ApiError>(engine.draft_role(&text))).await?;
    Ok(HttpResponse::Ok().json(role))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RankingParams {
    limit: Option<usize>,
    cursor: Option<String>,
    q: Option<String>,
    #[serde(default)]
    must_haves_only: bool,
    min_score: Option<f32>,
    blind: Option<bool>,
}

pub const DEFAULT_PAGE_SIZE: usize = 20;
const DEFAULT_PAGE: NonZeroUsize = NonZeroUsize::new(DEFAULT_PAGE_SIZE).unwrap();

pub async fn ranking(
    state: web::Data<AppState>,
    request: HttpRequest,
    tenant: Tenant,
    id: web::Path<String>,
    params: web::Query<RankingParams>,
) -> ApiResult {
    let params = params.into_inner();
    let limit = PageLimit::parse(params.limit, DEFAULT_PAGE)?;
    let min_score = params.min_score.map(MinScore::parse).transpose()?;
    let id = RoleId::parse(&id)?;
    let query = RankQuery {
        limit: limit.get(),
        cursor: params.cursor,
        q: params.q,
        must_haves_only: params.must_haves_only,
        min_score: min_score.map(MinScore::get),
        only_seqs: None,
        blind: params.blind.unwrap_or(state.settings.blind),
        tenant: tenant.clone(),
    };
    let engine = Arc::clone(&state.engine);
    let page = blocking(move || {
        engine.check_role(&tenant, id.as_str())?;
        engine.rank(id.as_str(), &query)
    })
    .await?;
    // Who saw whom, against which version of the role.
    let event = Caller::of(&request)
        .event(Action::RankingRead)
        .role_version(&page.role_id, &page.role_version_hash)
        .candidates(page.results.iter().map(|result| result.candidate_id));
    audit(&state.engine, event).await?;
    Ok(HttpResponse::Ok().json(page))
}
