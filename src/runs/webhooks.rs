//! Webhooks: subscriptions (URL, secret, events), deliveries kept in the store and sent by a
//! background thread, retried with backoff, each one signed:
//!
//! `Shortlist-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
//!
//! as Stripe does, so that a receiver can check both who sent it and that it is fresh.
//! Events: `candidate.parsed`, `run.completed`, `run.failed`; and `ping`, sent only on request
//! ([`Webhooks::test`]) to check a receiver.
//!
//! Receivers are reached over `http` or `https`; TLS is rustls (no system OpenSSL), trusting
//! the system's roots and the operator's extra ones (`webhook_ca_file`, for private CAs). A
//! failed delivery can be sent again on request ([`Webhooks::redeliver`]): a new delivery of
//! the same body, signed afresh, recorded with the id of the one it repeats.
//!
//! One thread sends (see `crate::workers`): it owns the HTTP client, claims due deliveries from
//! the store, and also makes the attempts asked for by the API, so that every attempt goes
//! through the same code and is recorded the same way.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use super::webhook_target::TargetPolicy;
use crate::engine::Engine;
use crate::store::{AttemptOutcome, DueDelivery, NewDelivery, Store, StoreError};
use crate::tenant::Tenant;

pub const EVENTS: [&str; 3] = ["candidate.parsed", "run.completed", "run.failed"];

/// The event of a test delivery: never subscribed to, sent only on request.
pub const PING: &str = "ping";

/// How long a worker holds a delivery it claimed: longer than a batch of sends can take
/// (`CLAIM_BATCH` × the client's timeout, 50 s, plus checking each target's addresses and
/// recording each attempt), so that no claim expires while it is being sent, and short, so
/// that when a node dies holding claims (PostgreSQL, several nodes) another node sends those
/// deliveries about two minutes later. Small batches keep both true.
const CLAIM_FOR: Duration = Duration::from_secs(120);
const CLAIM_BATCH: usize = 5;
/// The HTTP client's limit for one attempt.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

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

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Subscription {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
    /// The delivery this one sends again (a redelivery on request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redelivery_of: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("{0}")]
    Invalid(String),
    #[error("no webhook with id {0}")]
    NotFound(String),
    #[error("the webhook has no delivery with id {0}")]
    DeliveryNotFound(String),
    #[error("{0}")]
    Unavailable(String),
    /// The server's own failure: a 500, never the caller's 422.
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How deliveries are sent: where they may go and which certificates are trusted.
#[derive(Clone, Default)]
pub struct DeliverySettings {
    /// Which targets deliveries may reach (see `webhook_target`).
    pub policy: TargetPolicy,
    /// Roots trusted for https receivers beyond the system's (private CAs).
    pub extra_roots: Vec<reqwest::Certificate>,
}

/// Reads a PEM file of trusted root certificates (`webhook_ca_file`): one or more
/// `CERTIFICATE` blocks; a file with none is an error, not an empty trust.
pub fn read_roots(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let roots = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("{} is not a PEM certificate file: {e}", path.display()))?;
    if roots.is_empty() {
        return Err(format!("{} holds no PEM certificate", path.display()));
    }
    Ok(roots)
}

/// What the sender thread is asked to do.
enum Job {
    /// Deliveries were queued: look for due ones now.
    Wake,
    /// Send this claimed delivery now, once (no retry), and say when it is recorded.
    SendNow(DueDelivery, mpsc::Sender<()>),
}

pub struct Webhooks {
    engine: Arc<Engine>,
    settings: DeliverySettings,
    jobs: Mutex<mpsc::Sender<Job>>,
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
    /// Starts the sender thread (see `crate::workers`). Claims left by a stopped process are
    /// released: their deliveries are due again at once.
    pub fn start(
        engine: Arc<Engine>,
        settings: DeliverySettings,
    ) -> Result<Arc<Webhooks>, WebhookError> {
        engine.store().release_delivery_claims()?;
        let (jobs, inbox) = mpsc::channel();
        let webhooks = Arc::new(Webhooks {
            engine,
            settings,
            jobs: Mutex::new(jobs),
        });
        let worker = Arc::downgrade(&webhooks);
        std::thread::Builder::new()
            .name("webhook-sender".into())
            .spawn(move || send_loop(worker, inbox))
            .map_err(|e| WebhookError::Internal(format!("cannot start the webhook sender: {e}")))?;
        Ok(webhooks)
    }

    fn store(&self) -> &dyn Store {
        self.engine.store()
    }

    /// Every subscription with its secret, read from the store each time rather than cached:
    /// on several nodes (PostgreSQL) a subscription made through one node must be heard of by
    /// the others at once, both when an event is queued and when a delivery is sent. The table
    /// holds a handful of rows; it is read once per group commit and once per batch of sends.
    fn subscriptions(&self) -> Result<Vec<(Subscription, String)>, WebhookError> {
        Ok(self.store().webhooks()?)
    }

    fn post(&self, job: Job) -> bool {
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .is_ok()
    }

    /// Adds a subscription. Returns it with its secret (generated when none is given): the
    /// only time the secret is shown.
    pub fn subscribe(
        &self,
        url: &str,
        secret: Option<String>,
        events: Vec<String>,
        tenant: &Tenant,
    ) -> Result<(Subscription, String), WebhookError> {
        if url.len() > 2048 {
            return Err(WebhookError::Invalid("the webhook URL is too long".into()));
        }
        self.settings
            .policy
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
        self.store()
            .insert_webhook(&subscription, &secret, tenant)?;
        Ok((subscription, secret))
    }

    pub fn list(&self) -> Result<Vec<Subscription>, WebhookError> {
        Ok(self.subscriptions()?.into_iter().map(|(s, _)| s).collect())
    }

    fn exists(&self, webhook_id: &str) -> Result<(), WebhookError> {
        if self.list()?.iter().any(|s| s.id == webhook_id) {
            Ok(())
        } else {
            Err(WebhookError::NotFound(webhook_id.to_owned()))
        }
    }

    pub fn delete(&self, id: &str) -> Result<(), WebhookError> {
        if !self.store().delete_webhook(id)? {
            return Err(WebhookError::NotFound(id.to_owned()));
        }
        Ok(())
    }

    pub fn deliveries(&self, webhook_id: &str) -> Result<Vec<Delivery>, WebhookError> {
        self.exists(webhook_id)?;
        Ok(self.store().deliveries(webhook_id, 500)?)
    }

    /// Queues `event` for every subscriber. Never fails the caller: a delivery that cannot be
    /// queued is logged.
    pub fn emit(&self, event: &str, data: &serde_json::Value) {
        self.emit_all(event, std::slice::from_ref(data));
    }

    /// Queues each occurrence of `event` (one per element of `data`) for every subscriber,
    /// reading the subscriptions once.
    pub fn emit_all(&self, event: &str, data: &[serde_json::Value]) {
        let subscriptions = match self.subscriptions() {
            Ok(subscriptions) => subscriptions,
            Err(error) => {
                tracing::error!(%error, event, "cannot read the webhook subscriptions; not delivered");
                return;
            }
        };
        let subscribed: Vec<String> = subscriptions
            .into_iter()
            .filter(|(s, _)| s.events.iter().any(|e| e == event))
            .map(|(s, _)| s.id)
            .collect();
        if subscribed.is_empty() {
            return;
        }
        let now = Utc::now().to_rfc3339();
        for data in data {
            // Only the subscriptions of the tenant whose candidate or run the event is about.
            let targets = match self.store().webhooks_for_event(subscribed.clone(), data) {
                Ok(targets) => targets,
                Err(error) => {
                    tracing::error!(%error, event, "cannot find whose event this is; not delivered");
                    continue;
                }
            };
            for webhook_id in targets {
                let id = Uuid::new_v4().to_string();
                let payload =
                    serde_json::json!({"id": id, "type": event, "created_at": now, "data": data})
                        .to_string();
                let queued = self.store().queue_delivery(&NewDelivery {
                    id: &id,
                    webhook_id: &webhook_id,
                    event,
                    payload: &payload,
                    redelivery_of: None,
                    claimed_until: None,
                });
                if let Err(error) = queued {
                    tracing::error!(%error, event, "cannot queue a webhook delivery");
                }
            }
        }
        self.post(Job::Wake);
    }

    /// Sends a signed `ping` to the subscription now, once, and returns the recorded delivery
    /// (delivered, or failed with the reason).
    pub fn test(&self, webhook_id: &str) -> Result<Delivery, WebhookError> {
        self.exists(webhook_id)?;
        let id = Uuid::new_v4().to_string();
        let payload = serde_json::json!({
            "id": id,
            "type": PING,
            "created_at": Utc::now().to_rfc3339(),
            "data": {"webhook_id": webhook_id},
        })
        .to_string();
        self.send_now(webhook_id, &id, PING, payload, None)
    }

    /// Sends a delivery's event again, now, as a new delivery (same body, signed afresh,
    /// `redelivery_of` naming the first); returns it as recorded. A pending delivery is sent
    /// again too: the receiver tells repeats apart by the body's `id`, which stays the same.
    pub fn redeliver(&self, webhook_id: &str, delivery_id: &str) -> Result<Delivery, WebhookError> {
        self.exists(webhook_id)?;
        let (earlier, payload) = self
            .store()
            .delivery(webhook_id, delivery_id)?
            .ok_or_else(|| WebhookError::DeliveryNotFound(delivery_id.to_owned()))?;
        let id = Uuid::new_v4().to_string();
        self.send_now(webhook_id, &id, &earlier.event, payload, Some(delivery_id))
    }

    /// Queues a delivery claimed by this call, has the sender make one attempt at once, and
    /// reads back what was recorded.
    fn send_now(
        &self,
        webhook_id: &str,
        id: &str,
        event: &str,
        payload: String,
        redelivery_of: Option<&str>,
    ) -> Result<Delivery, WebhookError> {
        self.store().queue_delivery(&NewDelivery {
            id,
            webhook_id,
            event,
            payload: &payload,
            redelivery_of,
            claimed_until: Some(Utc::now() + CLAIM_FOR),
        })?;
        let due = DueDelivery {
            id: id.to_owned(),
            webhook_id: webhook_id.to_owned(),
            payload,
            attempts: 0,
        };
        let (done, recorded) = mpsc::channel();
        if !self.post(Job::SendNow(due, done)) {
            return Err(WebhookError::Unavailable(
                "the webhook sender is not running".into(),
            ));
        }
        // The sender may be busy with due deliveries first; each attempt is bounded by the
        // client's timeout, so this wait is too.
        let waited = recorded.recv_timeout(SEND_TIMEOUT * (CLAIM_BATCH as u32 + 2));
        if waited.is_err() {
            return Err(WebhookError::Unavailable(
                "the webhook sender did not answer in time; the delivery stays queued".into(),
            ));
        }
        self.store()
            .delivery(webhook_id, id)?
            .map(|(delivery, _)| delivery)
            .ok_or_else(|| WebhookError::DeliveryNotFound(id.to_owned()))
    }

    /// Sends every delivery that is due. Returns how many were attempted.
    fn send_due(&self, client: &reqwest::blocking::Client) -> Result<usize, WebhookError> {
        let due = self
            .store()
            .claim_due_deliveries(CLAIM_BATCH, Utc::now() + CLAIM_FOR)?;
        if due.is_empty() {
            return Ok(0);
        }
        let subscriptions = self.subscriptions()?;
        for delivery in &due {
            self.attempt(client, &subscriptions, delivery, true)?;
        }
        Ok(due.len())
    }

    /// Makes one attempt at a claimed delivery and records it; a failure is retried later
    /// (with backoff) when `retry` is set, and is final otherwise.
    fn attempt(
        &self,
        client: &reqwest::blocking::Client,
        subscriptions: &[(Subscription, String)],
        delivery: &DueDelivery,
        retry: bool,
    ) -> Result<(), WebhookError> {
        let target = subscriptions
            .iter()
            .find(|(s, _)| s.id == delivery.webhook_id)
            .map(|(s, secret)| (s.url.clone(), secret.clone()));
        let attempts = delivery.attempts + 1;
        let Some((url, secret)) = target else {
            self.store().record_delivery_attempt(
                &delivery.id,
                delivery.attempts,
                &AttemptOutcome::Canceled,
            )?;
            return Ok(());
        };
        // Checked again at each delivery: the policy or the name's addresses may have
        // changed since the subscription was made.
        if let Err(reason) = self.settings.policy.check(&url) {
            let outcome = AttemptOutcome::Failed {
                status: None,
                error: format!("target refused: {reason}"),
            };
            self.store()
                .record_delivery_attempt(&delivery.id, attempts, &outcome)?;
            return Ok(());
        }
        let sent_at = Utc::now().timestamp();
        let event = serde_json::from_str::<serde_json::Value>(&delivery.payload)
            .ok()
            .and_then(|v| v["type"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let sent = client
            .post(&url)
            .header("content-type", "application/json")
            .header("shortlist-event", event)
            .header("shortlist-delivery", delivery.id.as_str())
            .header(
                "shortlist-signature",
                sign(&secret, sent_at, &delivery.payload),
            )
            .body(delivery.payload.clone())
            .send();
        let (status, error) = match sent {
            Ok(response) if response.status().is_success() => (response.status().as_u16(), None),
            Ok(response) => (
                response.status().as_u16(),
                Some(format!("HTTP {}", response.status())),
            ),
            Err(error) => (0, Some(describe_send_error(&error))),
        };
        let status = (status != 0).then_some(status);
        let outcome = match error {
            None => AttemptOutcome::Delivered {
                status: status.unwrap_or_default(),
            },
            Some(error) => match RETRY_DELAYS.get(attempts as usize - 1).filter(|_| retry) {
                Some(delay) => AttemptOutcome::Retry {
                    status,
                    error,
                    at: Utc::now() + *delay,
                },
                None => AttemptOutcome::Failed { status, error },
            },
        };
        self.store()
            .record_delivery_attempt(&delivery.id, attempts, &outcome)?;
        Ok(())
    }
}

/// A failed send, with its causes: reqwest's own message names only the URL, and the reason
/// (refused connection, an untrusted certificate, a timeout) is further down the chain.
fn describe_send_error(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = std::error::Error::source(inner);
    }
    if text.contains("certificate") {
        text.push_str(
            " (the receiver's TLS certificate is not trusted: a private CA goes in \
             webhook_ca_file)",
        );
    }
    text
}

/// The client every attempt goes through: the checked resolver, no redirects, a timeout, and
/// rustls trusting the system's roots plus the configured ones.
fn client(settings: &DeliverySettings) -> reqwest::Result<reqwest::blocking::Client> {
    crate::tls::install_crypto();
    reqwest::blocking::Client::builder()
        .dns_resolver(settings.policy.resolver())
        .timeout(SEND_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .tls_certs_merge(settings.extra_roots.clone())
        .build()
}

fn send_loop(webhooks: Weak<Webhooks>, inbox: mpsc::Receiver<Job>) {
    // Built here, on the sender's own thread: a blocking client owns a runtime, which must not be
    // created or dropped inside the server's async runtime.
    let Some(settings) = webhooks.upgrade().map(|w| w.settings.clone()) else {
        return;
    };
    let client = match client(&settings) {
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
        // Waiting, hold no strong reference: a dropped `Webhooks` ends this thread.
        drop(strong);
        let job = if sent > 0 {
            inbox.try_recv().ok()
        } else {
            match inbox.recv_timeout(Duration::from_millis(500)) {
                Ok(job) => Some(job),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        };
        if let Some(Job::SendNow(delivery, done)) = job {
            let Some(strong) = webhooks.upgrade() else {
                return;
            };
            let attempted = strong.subscriptions().and_then(|subscriptions| {
                strong.attempt(&client, &subscriptions, &delivery, false)
            });
            if let Err(error) = attempted {
                tracing::error!(%error, delivery = %delivery.id, "cannot record a webhook attempt");
            }
            let _ = done.send(());
        }
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
