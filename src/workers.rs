//! The background workers, started in one place at start-up (by `shortlist serve`, and by the
//! tests' servers) rather than by the HTTP server: the run worker, the webhook sender, and
//! housekeeping. Each holds the engine weakly or through what the server holds, so that they
//! end when the server lets go.
//!
//! A store shared by several nodes (PostgreSQL) starts the same workers on each: they take
//! their work through the store's atomic claims (`RunStore::claim_next_run`,
//! `WebhookStore::claim_due_deliveries`), never from memory, and each node follows the others'
//! candidate writes through the change feed (`Engine::follow_changes`).

use std::sync::Arc;
use std::time::Duration;

use crate::api::ApiSettings;
use crate::engine::Engine;
use crate::runs::Runs;
use crate::runs::webhook_target::TargetPolicy;
use crate::runs::webhooks::{self, DeliverySettings, Webhooks};

/// What the API hands work to.
pub struct Workers {
    pub runs: Arc<Runs>,
    pub webhooks: Arc<Webhooks>,
}

/// Starts every worker, and routes the engine's events (`candidate.parsed`) to the webhooks.
/// Fails when the webhook CA file cannot be read: a server that would silently refuse its
/// receivers' certificates should not start.
pub fn start(engine: &Arc<Engine>, settings: &ApiSettings) -> std::io::Result<Workers> {
    let extra_roots = match &settings.webhook_ca_file {
        Some(path) => webhooks::read_roots(path)
            .map_err(|reason| std::io::Error::other(format!("webhook_ca_file: {reason}")))?,
        None => Vec::new(),
    };
    let delivery = DeliverySettings {
        policy: TargetPolicy {
            allowed_hosts: settings.webhook_allowed_hosts.clone(),
        },
        extra_roots,
    };
    let webhooks = Webhooks::start(Arc::clone(engine), delivery).map_err(std::io::Error::other)?;
    // Other nodes' candidate writes, when the store is shared (PostgreSQL).
    Engine::follow_changes(engine)?;
    let runs =
        Runs::start(Arc::clone(engine), Arc::clone(&webhooks)).map_err(std::io::Error::other)?;
    // Weak: the engine must not keep the webhooks (which hold the engine) alive.
    let sink_target = Arc::downgrade(&webhooks);
    engine.set_event_sink(Arc::new(move |event: &str, data: &[serde_json::Value]| {
        if let Some(webhooks) = sink_target.upgrade() {
            webhooks.emit_all(event, data);
        }
    }));
    start_housekeeping(engine, settings)?;
    Ok(Workers { runs, webhooks })
}

/// Erases what has outlived its period, at start-up and then every `interval`: idempotency
/// records past their TTL, the change feed's entries past its retention (PostgreSQL), and
/// candidates past `retention_days` (when set). Holds the engine
/// weakly, so that it ends with the server.
fn start_housekeeping(engine: &Arc<Engine>, settings: &ApiSettings) -> std::io::Result<()> {
    let engine = Arc::downgrade(engine);
    let (ttl, retention_days, interval) = (
        settings.idempotency_ttl,
        settings.retention_days,
        settings.housekeeping_interval.max(Duration::from_secs(1)),
    );
    std::thread::Builder::new()
        .name("housekeeping".into())
        .spawn(move || {
            loop {
                {
                    let Some(engine) = engine.upgrade() else {
                        return;
                    };
                    match engine.purge_expired_idempotency(ttl) {
                        Ok(0) => {}
                        Ok(purged) => tracing::info!(purged, "expired idempotency records removed"),
                        Err(error) => tracing::error!(%error, "purging idempotency records failed"),
                    }
                    match engine.prune_change_feed() {
                        Ok(0) => {}
                        Ok(pruned) => tracing::info!(pruned, "old changes pruned from the feed"),
                        Err(error) => tracing::error!(%error, "pruning the change feed failed"),
                    }
                    if retention_days > 0 {
                        let cutoff =
                            chrono::Utc::now() - chrono::Duration::days(i64::from(retention_days));
                        if let Err(error) = engine.erase_not_updated_since(cutoff) {
                            tracing::error!(%error, "retention: erasing old candidates failed");
                        }
                    }
                }
                // Slept in short steps, checking without taking a strong reference, so that a
                // stopping server is never held up.
                let started = std::time::Instant::now();
                while started.elapsed() < interval {
                    if engine.strong_count() == 0 {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        })?;
    Ok(())
}
