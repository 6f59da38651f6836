//! `GET /readyz`: whether this server can take work now (a load balancer's readiness probe),
//! open like `/healthz`. `/healthz` says the process answers; this says the store takes writes,
//! the index answers and the features are loaded, each checked on every probe.

use std::sync::Arc;

use actix_web::{HttpResponse, web};

use super::AppState;
use super::error::ApiError;
use crate::engine::Engine;

pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let engine: Arc<Engine> = Arc::clone(&state.engine);
    match web::block(move || engine.readiness()).await {
        Ok(Ok(readiness)) => Ok(HttpResponse::Ok().json(serde_json::json!({
            "status": "ready",
            "candidates": readiness.candidates,
            "indexed": readiness.indexed,
            "features": readiness.features,
        }))),
        Ok(Err(not_ready)) => {
            tracing::warn!(reason = %not_ready.0, "not ready");
            Err(ApiError::not_ready(not_ready.0))
        }
        Err(error) => {
            tracing::error!(%error, "blocking task failed");
            Err(ApiError::not_ready("the readiness check could not run"))
        }
    }
}

/// `GET /healthz`: the process answers (liveness; readiness is `/readyz`).
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}
