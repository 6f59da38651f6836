//! Webhook subscriptions as a resource: subscribe (the secret is shown once), list, delete,
//! a subscription's deliveries, and two actions on it: a test delivery (`ping`) and the
//! redelivery of an event, each sent at once and answered with the delivery as recorded.
//! Sending is [`crate::runs::webhooks::Webhooks`]'s.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::AppState;
use super::auth::check_webhook;
use super::blocking::blocking;
use super::error::ApiError;
use crate::ids::{DeliveryId, WebhookId};
use crate::store::Owned;
use crate::tenant::Tenant;

type ApiResult = Result<HttpResponse, ApiError>;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    url: String,
    secret: Option<String>,
    #[serde(default)]
    events: Vec<String>,
}

pub async fn create_webhook(
    state: web::Data<AppState>,
    tenant: Tenant,
    body: web::Json<NewWebhook>,
) -> ApiResult {
    let webhooks = Arc::clone(&state.webhooks);
    let NewWebhook {
        url,
        secret,
        events,
    } = body.into_inner();
    let (subscription, secret) =
        blocking(move || webhooks.subscribe(&url, secret, events, &tenant)).await?;
    let mut body = serde_json::to_value(&subscription).map_err(|_| ApiError::internal())?;
    body["secret"] = serde_json::Value::String(secret);
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/webhooks/{}", subscription.id),
        ))
        .json(body))
}

/// The caller's tenant's subscriptions only.
pub async fn list_webhooks(state: web::Data<AppState>, tenant: Tenant) -> ApiResult {
    let engine = Arc::clone(&state.engine);
    let webhooks = Arc::clone(&state.webhooks);
    let subscriptions = blocking(move || {
        let mine = engine
            .store()
            .owned_ids(Owned::Webhook, &tenant)
            .map_err(crate::engine::EngineError::from)?;
        let mut subscriptions = webhooks.list()?;
        subscriptions.retain(|subscription| mine.contains(&subscription.id));
        Ok::<_, ApiError>(subscriptions)
    })
    .await?;
    Ok(HttpResponse::Ok().json(subscriptions))
}

pub async fn delete_webhook(
    state: web::Data<AppState>,
    tenant: Tenant,
    id: web::Path<String>,
) -> ApiResult {
    let id = WebhookId::parse(&id)?.to_string();
    let webhooks = Arc::clone(&state.webhooks);
    let engine = Arc::clone(&state.engine);
    blocking(move || {
        check_webhook(&engine, &tenant, &id)?;
        webhooks.delete(&id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn webhook_deliveries(
    state: web::Data<AppState>,
    tenant: Tenant,
    id: web::Path<String>,
) -> ApiResult {
    let id = WebhookId::parse(&id)?.to_string();
    let webhooks = Arc::clone(&state.webhooks);
    let engine = Arc::clone(&state.engine);
    Ok(HttpResponse::Ok().json(
        blocking(move || {
            check_webhook(&engine, &tenant, &id)?;
            webhooks.deliveries(&id)
        })
        .await?,
    ))
}

/// `POST /v1/webhooks/{id}/test`: sends a signed `ping` now. 200 with the delivery whether the
/// receiver took it or not: the outcome is in its `status` and `last_error`.
pub async fn test_webhook(
    state: web::Data<AppState>,
    tenant: Tenant,
    id: web::Path<String>,
) -> ApiResult {
    let id = WebhookId::parse(&id)?.to_string();
    let webhooks = Arc::clone(&state.webhooks);
    let engine = Arc::clone(&state.engine);
    let delivery = blocking(move || {
        check_webhook(&engine, &tenant, &id)?;
        webhooks.test(&id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(delivery))
}

/// `POST /v1/webhooks/{id}/deliveries/{delivery_id}/redeliver`: sends the delivery's event
/// again now, as a new delivery. 201 with it (`redelivery_of` names the first), whatever the
/// receiver answered.
pub async fn redeliver(
    state: web::Data<AppState>,
    tenant: Tenant,
    path: web::Path<(String, String)>,
) -> ApiResult {
    let (webhook_id, delivery_id) = path.into_inner();
    let webhook_id = WebhookId::parse(&webhook_id)?.to_string();
    let delivery_id = DeliveryId::parse(&delivery_id)?.to_string();
    let webhooks = Arc::clone(&state.webhooks);
    let engine = Arc::clone(&state.engine);
    let delivery = blocking(move || {
        check_webhook(&engine, &tenant, &webhook_id)?;
        webhooks.redeliver(&webhook_id, &delivery_id)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/webhooks/{}/deliveries", delivery.webhook_id),
        ))
        .json(delivery))
}
