//! Webhook subscriptions and their deliveries in the store (tables `webhooks` and
//! `deliveries`): what the API subscribes and lists, and the queue the delivery worker claims
//! from and records each attempt in.
//!
//! Claiming is one atomic step ([`WebhookStore::claim_due_deliveries`], or queueing a delivery
//! already claimed by the caller that sends it at once): a claimed delivery carries `claimed_until`, and no other
//! claim takes it before then, so one event is sent by one worker at a time. With one SQLite
//! connection behind a mutex the claim is one transaction; in PostgreSQL it is an `UPDATE …
//! WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …`. A worker that dies holding a
//! claim leaves the delivery to be taken again once the claim has expired.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, StoreError};
use crate::runs::webhooks::{Delivery, Subscription};

/// A delivery as it is queued.
pub struct NewDelivery<'a> {
    pub id: &'a str,
    pub webhook_id: &'a str,
    pub event: &'a str,
    /// The JSON body sent, signed at each attempt.
    pub payload: &'a str,
    /// The earlier delivery of the same event this one sends again, if any.
    pub redelivery_of: Option<&'a str>,
    /// Claimed by the caller until then (it sends the delivery itself, now); `None` leaves it
    /// to the delivery worker.
    pub claimed_until: Option<DateTime<Utc>>,
}

/// A claimed delivery: what the worker needs to send it.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: String,
    pub webhook_id: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub enum AttemptOutcome {
    /// The receiver answered 2xx.
    Delivered { status: u16 },
    /// Failed; tried again at `at`.
    Retry {
        status: Option<u16>,
        error: String,
        at: DateTime<Utc>,
    },
    /// Failed, and not tried again.
    Failed { status: Option<u16>, error: String },
    /// Not sent: its subscription is gone.
    Canceled,
}

pub trait WebhookStore {
    /// Stores a subscription, owned by `tenant`: events about another tenant never reach it.
    fn insert_webhook(
        &self,
        subscription: &Subscription,
        secret: &str,
        tenant: &crate::tenant::Tenant,
    ) -> Result<(), StoreError>;
    /// Every subscription with its secret, oldest first.
    fn webhooks(&self) -> Result<Vec<(Subscription, String)>, StoreError>;
    /// Removes a subscription and cancels its pending deliveries, together. False when there
    /// was no such subscription.
    fn delete_webhook(&self, id: &str) -> Result<bool, StoreError>;
    fn queue_delivery(&self, delivery: &NewDelivery<'_>) -> Result<(), StoreError>;
    /// A subscription's deliveries, newest first, at most `limit`.
    fn deliveries(&self, webhook_id: &str, limit: usize) -> Result<Vec<Delivery>, StoreError>;
    /// One delivery of a subscription, with its payload.
    fn delivery(
        &self,
        webhook_id: &str,
        id: &str,
    ) -> Result<Option<(Delivery, String)>, StoreError>;
    /// Claims up to `limit` pending deliveries that are due and not claimed, oldest due first,
    /// until `claimed_until`, in one atomic step.
    fn claim_due_deliveries(
        &self,
        limit: usize,
        claimed_until: DateTime<Utc>,
    ) -> Result<Vec<DueDelivery>, StoreError>;
    /// Records an attempt (the `attempts`-th) and releases the claim.
    fn record_delivery_attempt(
        &self,
        id: &str,
        attempts: u32,
        outcome: &AttemptOutcome,
    ) -> Result<(), StoreError>;
    /// Releases every claim: at start-up, when no worker of this store is running yet. A store
    /// shared by several nodes (PostgreSQL) releases none, since a claim may be another live
    /// node's: a claim that outlived its worker expires instead (`claimed_until`).
    fn release_delivery_claims(&self) -> Result<usize, StoreError>;
}

const DELIVERY_COLUMNS: &str = "id, webhook_id, event, status, attempts, next_attempt_at,
     last_status, last_error, created_at, delivered_at, redelivery_of";

impl WebhookStore for SqliteStore {
    fn insert_webhook(
        &self,
        subscription: &Subscription,
        secret: &str,
        tenant: &crate::tenant::Tenant,
    ) -> Result<(), StoreError> {
        let events = serde_json::to_string(&subscription.events).unwrap_or_else(|_| "[]".into());
        self.connection().execute(
            "INSERT INTO webhooks (id, url, secret, events, created_at, tenant)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                subscription.id,
                subscription.url,
                secret,
                events,
                subscription.created_at,
                tenant.as_stored()
            ],
        )?;
        Ok(())
    }

    fn webhooks(&self) -> Result<Vec<(Subscription, String)>, StoreError> {
        let connection = self.connection();
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
        Ok(rows)
    }

    fn delete_webhook(&self, id: &str) -> Result<bool, StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let deleted = transaction.execute("DELETE FROM webhooks WHERE id = ?1", params![id])?;
        transaction.execute(
            "UPDATE deliveries SET status = 'canceled', claimed_until = NULL
             WHERE webhook_id = ?1 AND status = 'pending'",
            params![id],
        )?;
        transaction.commit()?;
        Ok(deleted > 0)
    }

    fn queue_delivery(&self, delivery: &NewDelivery<'_>) -> Result<(), StoreError> {
        self.connection().execute(
            "INSERT INTO deliveries (id, webhook_id, event, payload, status, next_attempt_at,
             created_at, redelivery_of, claimed_until)
             VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5, ?6, ?7)",
            params![
                delivery.id,
                delivery.webhook_id,
                delivery.event,
                delivery.payload,
                Utc::now().to_rfc3339(),
                delivery.redelivery_of,
                delivery.claimed_until.map(|until| until.to_rfc3339())
            ],
        )?;
        Ok(())
    }

    fn deliveries(&self, webhook_id: &str, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE webhook_id = ?1
             ORDER BY created_at DESC LIMIT ?2"
        ))?;
        let rows = statement
            .query_map(params![webhook_id, limit as i64], delivery_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn delivery(
        &self,
        webhook_id: &str,
        id: &str,
    ) -> Result<Option<(Delivery, String)>, StoreError> {
        Ok(self
            .connection()
            .query_row(
                &format!(
                    "SELECT {DELIVERY_COLUMNS}, payload FROM deliveries
                     WHERE webhook_id = ?1 AND id = ?2"
                ),
                params![webhook_id, id],
                |row| Ok((delivery_from_row(row)?, row.get(11)?)),
            )
            .optional()?)
    }

    fn claim_due_deliveries(
        &self,
        limit: usize,
        claimed_until: DateTime<Utc>,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let now = Utc::now().to_rfc3339();
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let due: Vec<DueDelivery> = transaction
            .prepare(
                "SELECT id, webhook_id, payload, attempts FROM deliveries
                 WHERE status = 'pending' AND next_attempt_at <= ?1
                   AND (claimed_until IS NULL OR claimed_until <= ?1)
                 ORDER BY next_attempt_at LIMIT ?2",
            )?
            .query_map(params![now, limit as i64], due_from_row)?
            .collect::<Result<_, _>>()?;
        claim(&transaction, &due, claimed_until)?;
        transaction.commit()?;
        Ok(due)
    }

    fn record_delivery_attempt(
        &self,
        id: &str,
        attempts: u32,
        outcome: &AttemptOutcome,
    ) -> Result<(), StoreError> {
        let now = Utc::now().to_rfc3339();
        let connection = self.connection();
        match outcome {
            AttemptOutcome::Delivered { status } => connection.execute(
                "UPDATE deliveries SET status = 'delivered', attempts = ?2, last_status = ?3,
                 last_error = NULL, delivered_at = ?4, claimed_until = NULL WHERE id = ?1",
                params![id, attempts, status, now],
            )?,
            AttemptOutcome::Retry { status, error, at } => connection.execute(
                "UPDATE deliveries SET status = 'pending', attempts = ?2, last_status = ?3,
                 last_error = ?4, next_attempt_at = ?5, claimed_until = NULL WHERE id = ?1",
                params![id, attempts, status, error, at.to_rfc3339()],
            )?,
            AttemptOutcome::Failed { status, error } => connection.execute(
                "UPDATE deliveries SET status = 'failed', attempts = ?2, last_status = ?3,
                 last_error = ?4, next_attempt_at = ?5, claimed_until = NULL WHERE id = ?1",
                params![id, attempts, status, error, now],
            )?,
            AttemptOutcome::Canceled => connection.execute(
                "UPDATE deliveries SET status = 'canceled', claimed_until = NULL WHERE id = ?1",
                params![id],
            )?,
        };
        Ok(())
    }

    fn release_delivery_claims(&self) -> Result<usize, StoreError> {
        Ok(self.connection().execute(
            "UPDATE deliveries SET claimed_until = NULL WHERE claimed_until IS NOT NULL",
            [],
        )?)
    }
}

fn claim(
    transaction: &Connection,
    due: &[DueDelivery],
    claimed_until: DateTime<Utc>,
) -> Result<(), StoreError> {
    let until = claimed_until.to_rfc3339();
    let mut statement =
        transaction.prepare_cached("UPDATE deliveries SET claimed_until = ?2 WHERE id = ?1")?;
    for delivery in due {
        statement.execute(params![delivery.id, until])?;
    }
    Ok(())
}

fn due_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<DueDelivery> {
    Ok(DueDelivery {
        id: row.get(0)?,
        webhook_id: row.get(1)?,
        payload: row.get(2)?,
        attempts: row.get(3)?,
    })
}

fn delivery_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Delivery> {
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
        redelivery_of: row.get(10)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_due_delivery_is_claimed_by_one_worker_until_its_attempt_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::testing::open_test_store(dir.path());
        let subscription = Subscription {
            id: "hook".into(),
            url: "https://example.com/hook".into(),
            events: vec!["run.completed".into()],
            created_at: Utc::now().to_rfc3339(),
        };
        store
            .insert_webhook(
                &subscription,
                "whsec_0123456789abcdef",
                &crate::tenant::DEFAULT_TENANT,
            )
            .unwrap();
        store
            .queue_delivery(&NewDelivery {
                id: "d1",
                webhook_id: "hook",
                event: "run.completed",
                payload: "{}",
                redelivery_of: None,
                claimed_until: None,
            })
            .unwrap();
        let until = Utc::now() + chrono::Duration::minutes(15);
        let first = store.claim_due_deliveries(10, until).unwrap();
        assert_eq!(first.len(), 1);
        assert!(
            store.claim_due_deliveries(10, until).unwrap().is_empty(),
            "a claimed delivery is not claimed again"
        );
        let retry_at = Utc::now() - chrono::Duration::seconds(1);
        let retry = AttemptOutcome::Retry {
            status: Some(500),
            error: "HTTP 500".into(),
            at: retry_at,
        };
        store.record_delivery_attempt("d1", 1, &retry).unwrap();
        let again = store.claim_due_deliveries(10, until).unwrap();
        assert_eq!(
            (again.len(), again[0].attempts),
            (1, 1),
            "due again, claim released"
        );
        if store.change_feed_position().unwrap().is_some() {
            // A shared store (PostgreSQL): a start-up releases nothing (the claim may be another
            // live node's); a claim that outlived its worker expires instead.
            assert_eq!(store.release_delivery_claims().unwrap(), 0);
            assert!(store.claim_due_deliveries(10, until).unwrap().is_empty());
            store.record_delivery_attempt("d1", 1, &retry).unwrap();
            let soon = Utc::now() + chrono::Duration::milliseconds(200);
            assert_eq!(store.claim_due_deliveries(10, soon).unwrap().len(), 1);
            assert!(store.claim_due_deliveries(10, until).unwrap().is_empty());
            std::thread::sleep(std::time::Duration::from_millis(300));
            assert_eq!(
                store.claim_due_deliveries(10, until).unwrap().len(),
                1,
                "an expired claim is taken again"
            );
        } else {
            // A worker that died holding the claim: released at the next start.
            assert_eq!(store.release_delivery_claims().unwrap(), 1);
            assert_eq!(store.claim_due_deliveries(10, until).unwrap().len(), 1);
        }
        store
            .record_delivery_attempt("d1", 2, &AttemptOutcome::Delivered { status: 204 })
            .unwrap();
        let (delivery, _) = store.delivery("hook", "d1").unwrap().unwrap();
        assert_eq!(
            (
                delivery.status.as_str(),
                delivery.attempts,
                delivery.last_status
            ),
            ("delivered", 2, Some(204))
        );
        assert!(store.delete_webhook("hook").unwrap());
        assert!(!store.delete_webhook("hook").unwrap());
    }
}
