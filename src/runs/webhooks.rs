//! Webhooks: subscriptions (URL, secret, events), deliveries kept in the store and sent by a
//! background thread, retried with backoff, each one signed:
//!
//! `Shortlist-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
//!
//! as Stripe does, so that a receiver can check both who sent it and that it is fresh.
//! Events: `candidate.parsed`, `run.completed`, `run.failed`.

use std::sync::{Arc, Condvar, Mutex, RwLock, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use super::webhook_target::TargetPolicy;
use crate::engine::Engine;
use crate::store::{SqliteStore, StoreError};

pub const EVENTS: [&str; 3] = ["candidate.parsed", "run.completed", "run.failed"];

/// Delay before each retry; after the last, a delivery is marked failed.
const RETRY_DELAYS: [Duration; 7] = [
    Duration::from_secs(1),
    Duration::from_secs(5),
    Duration::from_secs(30),
    Duration::from_secs(120),
    Duration::from_secs(600),
    Duration::from_secs(3600),
    Duration::from_secs(4 * 3600),
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: String,
    pub webhook_id: String,
    pub event: String,
    pub status: String,
    pub attempts: u32,
    pub next_attempt_at: String,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("{0}")]
    Invalid(String),
    #[error("no webhook with id {0}")]
    NotFound(String),
    /// The server's own failure: a 500, never the caller's 422.
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for WebhookError {
    fn from(error: rusqlite::Error) -> Self {
        WebhookError::Store(StoreError::Database(error))
    }
}

pub struct Webhooks {
    engine: Arc<Engine>,
    /// Which targets deliveries may reach (see `webhook_target`).
    policy: TargetPolicy,
    /// Subscriptions, cached: most events have no subscriber and cost nothing then.
    subscriptions: RwLock<Vec<(Subscription, String)>>,
    wake: Condvar,
    due: Mutex<bool>,
}

/// The signature header value for `body` sent at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail; an empty MAC would only fail checks.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return format!("t={timestamp},v1=");
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Checks a signature header as a receiver would (used by our tests; receivers in other
/// languages do the same with their HMAC library).
pub fn verify(secret: &str, header: &str, body: &str, now: i64, tolerance_seconds: i64) -> bool {
    let mut timestamp = None;
    let mut signature = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signature = Some(value),
            _ => {}
        }
    }
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return false;
    };
    if (now - timestamp).abs() > tolerance_seconds {
        return false;
    }
    let expected = sign(secret, timestamp, body);
    let expected = expected.rsplit("v1=").next().unwrap_or("");
    expected.len() == signature.len()
        && expected
            .bytes()
            .zip(signature.bytes())
            .fold(0u8, |d, (a, b)| d | (a ^ b))
            == 0
}

impl Webhooks {
    pub fn start(engine: Arc<Engine>, policy: TargetPolicy) -> Result<Arc<Webhooks>, WebhookError> {
        let webhooks = Arc::new(Webhooks {
            engine,
            policy,
            subscriptions: RwLock::new(Vec::new()),
            wake: Condvar::new(),
            due: Mutex::new(true),
        });
        webhooks.reload()?;
        let worker = Arc::downgrade(&webhooks);
        std::thread::Builder::new()
            .name("webhook-sender".into())
            .spawn(move || send_loop(worker))
            .map_err(|e| WebhookError::Internal(format!("cannot start the webhook sender: {e}")))?;
        Ok(webhooks)
    }

    fn store(&self) -> &SqliteStore {
        self.engine.store()
    }

    fn reload(&self) -> Result<(), WebhookError> {
        let connection = self.store().connection();
        let mut statement = connection.prepare(
            "SELECT id, url, secret, events, created_at FROM webhooks ORDER BY created_at",
        )?;
        let rows = statement
            .query_map([], |row| {
                let events: String = row.get(3)?;
                Ok((
                    Subscription {
                        id: row.get(0)?,
                        url: row.get(1)?,
                        events: serde_json::from_str(&events).unwrap_or_default(),
                        created_at: row.get(4)?,
                    },
                    row.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        drop(statement);
        drop(connection);
        *self
            .subscriptions
            .write()
            .unwrap_or_else(|p| p.into_inner()) = rows;
        Ok(())
    }

    /// Adds a subscription. Returns it with its secret (generated when none is given): the
    /// only time the secret is shown.
    pub fn subscribe(
        &self,
        url: &str,
        secret: Option<String>,
        events: Vec<String>,
    ) -> Result<(Subscription, String), WebhookError> {
        if url.len() > 2048 {
            return Err(WebhookError::Invalid("the webhook URL is too long".into()));
        }
        self.policy
            .check(url)
            .map_err(|reason| WebhookError::Invalid(format!("webhook URL {url:?}: {reason}")))?;
        let events = if events.is_empty() {
            EVENTS.iter().map(|e| e.to_string()).collect()
        } else {
            events
        };
        if let Some(unknown) = events.iter().find(|e| !EVENTS.contains(&e.as_str())) {
            return Err(WebhookError::Invalid(format!(
                "unknown event {unknown:?}; events are {EVENTS:?}"
            )));
        }
        let secret = match secret {
            Some(secret) if secret.len() >= 16 => secret,
            Some(_) => {
                return Err(WebhookError::Invalid(
                    "a webhook secret has at least 16 characters".into(),
                ));
            }
            None => format!("whsec_{}", Uuid::new_v4().simple()),
        };
        let subscription = Subscription {
            id: Uuid::new_v4().to_string(),
            url: url.to_owned(),
            events,
            created_at: Utc::now().to_rfc3339(),
        };
        let events_json =
            serde_json::to_string(&subscription.events).unwrap_or_else(|_| "[]".into());
        self.store().connection().execute(
            "INSERT INTO webhooks (id, url, secret, events, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![subscription.id, subscription.url, secret, events_json, subscription.created_at],
        )?;
        self.reload()?;
        Ok((subscription, secret))
    }

    pub fn list(&self) -> Vec<Subscription> {
        let subscriptions = self.subscriptions.read().unwrap_or_else(|p| p.into_inner());
        subscriptions.iter().map(|(s, _)| s.clone()).collect()
    }

    pub fn delete(&self, id: &str) -> Result<(), WebhookError> {
        let deleted = self
            .store()
            .connection()
            .execute("DELETE FROM webhooks WHERE id = ?1", params![id])?;
        if deleted == 0 {
            return Err(WebhookError::NotFound(id.to_owned()));
        }
        self.store().connection().execute(
            "UPDATE deliveries SET status = 'canceled' WHERE webhook_id = ?1 AND status = 'pending'",
            params![id],
        )?;
        self.reload()
    }

    pub fn deliveries(&self, webhook_id: &str) -> Result<Vec<Delivery>, WebhookError> {
        if !self.list().iter().any(|s| s.id == webhook_id) {
            return Err(WebhookError::NotFound(webhook_id.to_owned()));
        }
        let connection = self.store().connection();
        let mut statement = connection.prepare(
            "SELECT id, webhook_id, event, status, attempts, next_attempt_at, last_status, last_error,
             created_at, delivered_at FROM deliveries WHERE webhook_id = ?1 ORDER BY created_at DESC LIMIT 500",
        )?;
        let rows = statement
            .query_map(params![webhook_id], |row| {
                Ok(Delivery {
                    id: row.get(0)?,
                    webhook_id: row.get(1)?,
                    event: row.get(2)?,
                    status: row.get(3)?,
                    attempts: row.get(4)?,
                    next_attempt_at: row.get(5)?,
                    last_status: row.get(6)?,
                    last_error: row.get(7)?,
                    created_at: row.get(8)?,
                    delivered_at: row.get(9)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Queues `event` for every subscriber. Never fails the caller: a delivery that cannot be
    /// queued is logged.
    pub fn emit(&self, event: &str, data: &serde_json::Value) {
        let targets: Vec<String> = {
            let subscriptions = self.subscriptions.read().unwrap_or_else(|p| p.into_inner());
            subscriptions
                .iter()
                .filter(|(s, _)| s.events.iter().any(|e| e == event))
                .map(|(s, _)| s.id.clone())
                .collect()
        };
        if targets.is_empty() {
            return;
        }
        let now = Utc::now().to_rfc3339();
        for webhook_id in targets {
            let id = Uuid::new_v4().to_string();
            let payload =
                serde_json::json!({"id": id, "type": event, "created_at": now, "data": data})
                    .to_string();
            let inserted = self.store().connection().execute(
                "INSERT INTO deliveries (id, webhook_id, event, payload, status, next_attempt_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5)",
                params![id, webhook_id, event, payload, now],
            );
            if let Err(error) = inserted {
                tracing::error!(%error, event, "cannot queue a webhook delivery");
            }
        }
        *self.due.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.wake.notify_all();
    }

    /// Sends every delivery that is due. Returns how many were attempted.
    fn send_due(&self, client: &reqwest::blocking::Client) -> Result<usize, WebhookError> {
        let now = Utc::now();
        let due: Vec<(String, String, String, u32)> = {
            let connection = self.store().connection();
            let mut statement = connection.prepare(
                "SELECT id, webhook_id, payload, attempts FROM deliveries
                 WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT 50",
            )?;
            statement
                .query_map(params![now.to_rfc3339()], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })?
                .collect::<Result<Vec<_>, _>>()?
        };
        for (id, webhook_id, payload, attempts) in &due {
            let target = {
                let subscriptions = self.subscriptions.read().unwrap_or_else(|p| p.into_inner());
                subscriptions
                    .iter()
                    .find(|(s, _)| &s.id == webhook_id)
                    .map(|(s, secret)| (s.url.clone(), secret.clone()))
            };
            let Some((url, secret)) = target else {
                self.store().connection().execute(
                    "UPDATE deliveries SET status = 'canceled' WHERE id = ?1",
                    params![id],
                )?;
                continue;
            };
            // Checked again at each delivery: the policy or the name's addresses may have
            // changed since the subscription was made.
            if let Err(reason) = self.policy.check(&url) {
                self.store().connection().execute(
                    "UPDATE deliveries SET status = 'failed', attempts = ?2, last_error = ?3 WHERE id = ?1",
                    params![id, attempts + 1, format!("target refused: {reason}")],
                )?;
                continue;
            }
            let sent_at = Utc::now().timestamp();
            let event = serde_json::from_str::<serde_json::Value>(payload)
                .ok()
                .and_then(|v| v["type"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let outcome = client
                .post(&url)
                .header("content-type", "application/json")
                .header("shortlist-event", event)
                .header("shortlist-delivery", id.as_str())
                .header("shortlist-signature", sign(&secret, sent_at, payload))
                .body(payload.clone())
                .send();
            let attempts = attempts + 1;
            let (status_code, error) = match outcome {
                Ok(response) if response.status().is_success() => {
                    (Some(response.status().as_u16()), None)
                }
                Ok(response) => (
                    Some(response.status().as_u16()),
                    Some(format!("HTTP {}", response.status())),
                ),
                Err(error) => (None, Some(error.to_string())),
            };
            let connection = self.store().connection();
            match error {
                None => connection.execute(
                    "UPDATE deliveries SET status = 'delivered', attempts = ?2, last_status = ?3,
                     last_error = NULL, delivered_at = ?4 WHERE id = ?1",
                    params![id, attempts, status_code, Utc::now().to_rfc3339()],
                )?,
                Some(error) => {
                    let (status, next): (&str, DateTime<Utc>) =
                        match RETRY_DELAYS.get(attempts as usize - 1) {
                            Some(delay) => ("pending", Utc::now() + *delay),
                            None => ("failed", Utc::now()),
                        };
                    connection.execute(
                        "UPDATE deliveries SET status = ?2, attempts = ?3, last_status = ?4, last_error = ?5,
                         next_attempt_at = ?6 WHERE id = ?1",
                        params![id, status, attempts, status_code, error, next.to_rfc3339()],
                    )?
                }
            };
        }
        Ok(due.len())
    }
}

fn send_loop(webhooks: Weak<Webhooks>) {
    // Built here, on the sender's own thread: a blocking client owns a runtime, which must not be
    // created or dropped inside the server's async runtime.
    let Some(resolver) = webhooks.upgrade().map(|w| w.policy.resolver()) else {
        return;
    };
    let client = match reqwest::blocking::Client::builder()
        .dns_resolver(resolver)
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "cannot build the webhook HTTP client; webhooks are not sent");
            return;
        }
    };
    loop {
        let Some(strong) = webhooks.upgrade() else {
            return;
        };
        let sent = match strong.send_due(&client) {
            Ok(sent) => sent,
            Err(error) => {
                tracing::error!(%error, "webhook sender failed; retrying");
                0
            }
        };
        if sent > 0 {
            continue;
        }
        let due = strong.due.lock().unwrap_or_else(|p| p.into_inner());
        let mut due = strong
            .wake
            .wait_timeout_while(due, Duration::from_millis(500), |d| !*d)
            .map(|(guard, _)| guard)
            .unwrap_or_else(|p| p.into_inner().0);
        *due = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_tampering_or_staleness_fails() {
        let header = sign("whsec_test_secret_123", 1_700_000_000, "{\"a\":1}");
        assert!(header.starts_with("t=1700000000,v1="));
        assert!(verify(
            "whsec_test_secret_123",
            &header,
            "{\"a\":1}",
            1_700_000_010,
            300
        ));
        assert!(!verify(
            "whsec_test_secret_123",
            &header,
            "{\"a\":2}",
            1_700_000_010,
            300
        ));
        assert!(!verify(
            "another_secret_12345",
            &header,
            "{\"a\":1}",
            1_700_000_010,
            300
        ));
        assert!(!verify(
            "whsec_test_secret_123",
            &header,
            "{\"a\":1}",
            1_700_009_999,
            300
        ));
        assert!(!verify(
            "whsec_test_secret_123",
            "garbage",
            "{\"a\":1}",
            1_700_000_000,
            300
        ));
    }
}
