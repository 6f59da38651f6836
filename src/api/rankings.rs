//! `POST /v1/rankings`: a ranking against a role sent in the body and not stored, so that the
//! web page shows what an edit (a weight, a must-have) does before the recruiter saves it. The
//! role is read and validated exactly as `PUT /v1/roles/{id}` reads it, and ranked by the same
//! engine code as `GET /v1/roles/{id}/ranking`.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::AppState;
use super::blocking::blocking;
use super::error::ApiError;
use super::roles::DEFAULT_PAGE_SIZE;
use crate::engine::RankQuery;
use crate::role::Role;

/// The id a role sent without one ranks under (it is never stored).
const UNSAVED_ROLE_ID: &str = "unsaved";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
pub struct RankingRequest {
    /// A role in the format of `PUT /v1/roles/{id}`; `id` may be left out.
    #[schema(value_type = Option<crate::role::Role>)]
    role: Option<serde_json::Value>,
    limit: Option<usize>,
    cursor: Option<String>,
}

pub async fn rank_unsaved(
    state: web::Data<AppState>,
    tenant: crate::tenant::Tenant,
    body: web::Json<RankingRequest>,
) -> Result<HttpResponse, ApiError> {
    let RankingRequest {
        role,
        limit,
        cursor,
    } = body.into_inner();
    if limit.is_some_and(|limit| !(1..=crate::engine::MAX_PAGE_SIZE).contains(&limit)) {
        return Err(ApiError::invalid_limit(crate::engine::MAX_PAGE_SIZE));
    }
    let role = parse_role(role)?;
    let query = RankQuery {
        limit: limit.unwrap_or(DEFAULT_PAGE_SIZE),
        cursor,
        tenant,
        ..RankQuery::default()
    };
    let engine = Arc::clone(&state.engine);
    let page = blocking(move || engine.rank_unsaved(&role, &query)).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The body's `role`, as `PUT /v1/roles/{id}` reads its body (`id` may be left out).
fn parse_role(role: Option<serde_json::Value>) -> Result<Role, ApiError> {
    let Some(mut role) = role else {
        return Err(ApiError::invalid_role(
            "Send the role to rank against as `role`, in the role format of PUT /v1/roles/{id}.",
        ));
    };
    if let Some(object) = role.as_object_mut() {
        object
            .entry("id")
            .or_insert_with(|| serde_json::Value::String(UNSAVED_ROLE_ID.to_owned()));
    }
    serde_json::from_value(role).map_err(|error| ApiError::invalid_role(error.to_string()))
}
