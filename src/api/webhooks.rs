//! Webhook subscriptions as a resource: subscribe (the secret is shown once), list, delete,
//! and a subscription's deliveries. Sending is [`crate::runs::webhooks::Webhooks`]'s.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::AppState;
use super::blocking::blocking;
use super::error::ApiError;
use crate::ids::WebhookId;

type ApiResult = Result<HttpResponse, ApiError>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    url: String,
    secret: Option<String>,
    #[serde(default)]
    events: Vec<String>,
}

pub async fn create_webhook(state: web::Data<AppState>, body: web::Json<NewWebhook>) -> ApiResult {
    let webhooks = Arc::clone(&state.webhooks);
    let NewWebhook {
        url,
        secret,
        events,
    } = body.into_inner();
    let (subscription, secret) = blocking(move || webhooks.subscribe(&url, secret, events)).await?;
    let mut body = serde_json::to_value(&subscription).map_err(|_| ApiError::internal())?;
    body["secret"] = serde_json::Value::String(secret);
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/webhooks/{}", subscription.id),
        ))
        .json(body))
}

pub async fn list_webhooks(state: web::Data<AppState>) -> ApiResult {
    Ok(HttpResponse::Ok().json(state.webhooks.list()))
}

pub async fn delete_webhook(state: web::Data<AppState>, id: web::Path<String>) -> ApiResult {
    let id = WebhookId::parse(&id)?.to_string();
    let webhooks = Arc::clone(&state.webhooks);
    blocking(move || webhooks.delete(&id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn webhook_deliveries(state: web::Data<AppState>, id: web::Path<String>) -> ApiResult {
    let id = WebhookId::parse(&id)?.to_string();
    let webhooks = Arc::clone(&state.webhooks);
    Ok(HttpResponse::Ok().json(blocking(move || webhooks.deliveries(&id)).await?))
}
