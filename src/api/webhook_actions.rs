//! Actions on a webhook subscription: a test delivery (`ping`) and the redelivery of an event,
//! each sent at once and answered with the delivery as recorded. Kept apart from the
//! subscription handlers so that the resource's CRUD and its actions change separately.

use std::sync::Arc;

use actix_web::{HttpResponse, web};

use super::AppState;
use super::error::ApiError;
use super::tasks::blocking;

/// `POST /v1/webhooks/{id}/test`: sends a signed `ping` now. 200 with the delivery whether the
/// receiver took it or not: the outcome is in its `status` and `last_error`.
pub async fn test_webhook(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let webhooks = Arc::clone(&state.webhooks);
    let delivery = blocking(move || webhooks.test(&id)).await?;
    Ok(HttpResponse::Ok().json(delivery))
}

/// `POST /v1/webhooks/{id}/deliveries/{delivery_id}/redeliver`: sends the delivery's event
/// again now, as a new delivery. 201 with it (`redelivery_of` names the first), whatever the
/// receiver answered.
pub async fn redeliver(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let webhooks = Arc::clone(&state.webhooks);
    let (webhook_id, delivery_id) = path.into_inner();
    let delivery = blocking(move || webhooks.redeliver(&webhook_id, &delivery_id)).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/v1/webhooks/{}/deliveries", delivery.webhook_id),
        ))
        .json(delivery))
}
