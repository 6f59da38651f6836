//! Engine and store work off the async executor, and the audit entry each write leaves.

use std::sync::Arc;

use actix_web::web;

use super::error::ApiError;
use crate::audit::AuditEvent;
use crate::engine::Engine;

/// Runs engine or store work on the blocking pool, off the async workers; its error (any
/// layer's) becomes the problem it maps to in the error table.
pub(super) async fn blocking<T, E, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Into<ApiError> + Send + 'static,
{
    match web::block(work).await {
        Ok(result) => result.map_err(Into::into),
        Err(error) => {
            tracing::error!(%error, "blocking task failed");
            Err(ApiError::internal())
        }
    }
}

/// Appends to the audit log; the request fails if its action cannot be recorded.
pub(super) async fn audit(engine: &Arc<Engine>, event: AuditEvent) -> Result<(), ApiError> {
    let engine = Arc::clone(engine);
    blocking(move || engine.audit(event).map(|_| ())).await
}
