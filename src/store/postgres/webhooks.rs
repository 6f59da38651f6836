//! [`WebhookStore`] in PostgreSQL: subscriptions and the delivery queue. A claim is one
//! `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …`: a due delivery is
//! taken by one worker, on whichever node, until its `claimed_until`; a worker that dies holding
//! it leaves it to be taken again once the claim has expired.

use chrono::{DateTime, Utc};

use super::PgStore;
use crate::runs::webhooks::{Delivery, Subscription};
use crate::store::{AttemptOutcome, DueDelivery, NewDelivery, StoreError, WebhookStore};

const DELIVERY_COLUMNS: &str = "id, webhook_id, event, status, attempts, next_attempt_at,
     last_status, last_error, created_at, delivered_at, redelivery_of";

impl WebhookStore for PgStore {
    fn insert_webhook(
        &self,
        subscription: &Subscription,
        secret: &str,
        tenant: &crate::tenant::Tenant,
    ) -> Result<(), StoreError> {
        let events = serde_json::to_string(&subscription.events).unwrap_or_else(|_| "[]".into());
        self.connection()?.execute(
            "INSERT INTO webhooks (id, url, secret, events, created_at, tenant)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &subscription.id,
                &subscription.url,
                &secret,
                &events,
                &subscription.created_at,
                &tenant.as_stored(),
            ],
        )?;
        Ok(())
    }

    fn webhooks(&self) -> Result<Vec<(Subscription, String)>, StoreError> {
        let rows = self.connection()?.query(
            "SELECT id, url, secret, events, created_at FROM webhooks ORDER BY created_at",
            &[],
        )?;
        rows.iter()
            .map(|row| {
                let events: String = row.try_get(3)?;
                Ok((
                    Subscription {
                        id: row.try_get(0)?,
                        url: row.try_get(1)?,
                        events: serde_json::from_str(&events).unwrap_or_default(),
                        created_at: row.try_get(4)?,
                    },
                    row.try_get(2)?,
                ))
            })
            .collect()
    }

    fn delete_webhook(&self, id: &str) -> Result<bool, StoreError> {
        self.in_transaction(|transaction| {
            let deleted = transaction.execute("DELETE FROM webhooks WHERE id = $1", &[&id])?;
            transaction.execute(
                "UPDATE deliveries SET status = 'canceled', claimed_until = NULL
                 WHERE webhook_id = $1 AND status = 'pending'",
                &[&id],
            )?;
            Ok(deleted > 0)
        })
    }

    fn queue_delivery(&self, delivery: &NewDelivery<'_>) -> Result<(), StoreError> {
        self.connection()?.execute(
            "INSERT INTO deliveries (id, webhook_id, event, payload, status, next_attempt_at,
             created_at, redelivery_of, claimed_until)
             VALUES ($1, $2, $3, $4, 'pending', $5, $5, $6, $7)",
            &[
                &delivery.id,
                &delivery.webhook_id,
                &delivery.event,
                &delivery.payload,
                &Utc::now().to_rfc3339(),
                &delivery.redelivery_of,
                &delivery.claimed_until.map(|until| until.to_rfc3339()),
            ],
        )?;
        Ok(())
    }

    fn deliveries(&self, webhook_id: &str, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        let rows = self.connection()?.query(
            &format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE webhook_id = $1
                 ORDER BY created_at DESC LIMIT $2"
            ),
            &[&webhook_id, &(limit as i64)],
        )?;
        rows.iter().map(delivery_from_row).collect()
    }

    fn delivery(
        &self,
        webhook_id: &str,
        id: &str,
    ) -> Result<Option<(Delivery, String)>, StoreError> {
        let row = self.connection()?.query_opt(
            &format!(
                "SELECT {DELIVERY_COLUMNS}, payload FROM deliveries
                 WHERE webhook_id = $1 AND id = $2"
            ),
            &[&webhook_id, &id],
        )?;
        row.map(|row| Ok((delivery_from_row(&row)?, row.try_get(11)?)))
            .transpose()
    }

    fn claim_due_deliveries(
        &self,
        limit: usize,
        claimed_until: DateTime<Utc>,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let now = Utc::now().to_rfc3339();
        let rows = self.connection()?.query(
            "UPDATE deliveries SET claimed_until = $3
             WHERE id IN (SELECT id FROM deliveries
                          WHERE status = 'pending' AND next_attempt_at <= $1
                            AND (claimed_until IS NULL OR claimed_until <= $1)
                          ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
             RETURNING id, webhook_id, payload, attempts, next_attempt_at",
            &[&now, &(limit as i64), &claimed_until.to_rfc3339()],
        )?;
        let mut due = rows
            .iter()
            .map(|row| {
                Ok((
                    row.try_get::<_, String>(4)?,
                    DueDelivery {
                        id: row.try_get(0)?,
                        webhook_id: row.try_get(1)?,
                        payload: row.try_get(2)?,
                        attempts: row.try_get::<_, i64>(3)? as u32,
                    },
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // RETURNING keeps no order: oldest due first, as the SQLite store returns them.
        due.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(due.into_iter().map(|(_, delivery)| delivery).collect())
    }

    fn record_delivery_attempt(
        &self,
        id: &str,
        attempts: u32,
        outcome: &AttemptOutcome,
    ) -> Result<(), StoreError> {
        let now = Utc::now().to_rfc3339();
        let attempts = attempts as i64;
        let mut connection = self.connection()?;
        match outcome {
            AttemptOutcome::Delivered { status } => connection.execute(
                "UPDATE deliveries SET status = 'delivered', attempts = $2, last_status = $3,
                 last_error = NULL, delivered_at = $4, claimed_until = NULL WHERE id = $1",
                &[&id, &attempts, &(*status as i64), &now],
            )?,
            AttemptOutcome::Retry { status, error, at } => connection.execute(
                "UPDATE deliveries SET status = 'pending', attempts = $2, last_status = $3,
                 last_error = $4, next_attempt_at = $5, claimed_until = NULL WHERE id = $1",
                &[
                    &id,
                    &attempts,
                    &status.map(i64::from),
                    error,
                    &at.to_rfc3339(),
                ],
            )?,
            AttemptOutcome::Failed { status, error } => connection.execute(
                "UPDATE deliveries SET status = 'failed', attempts = $2, last_status = $3,
                 last_error = $4, next_attempt_at = $5, claimed_until = NULL WHERE id = $1",
                &[&id, &attempts, &status.map(i64::from), error, &now],
            )?,
            AttemptOutcome::Canceled => connection.execute(
                "UPDATE deliveries SET status = 'canceled', claimed_until = NULL WHERE id = $1",
                &[&id],
            )?,
        };
        Ok(())
    }

    fn release_delivery_claims(&self) -> Result<usize, StoreError> {
        // Several nodes share the queue: a claim may be another live node's, and releasing it
        // would send its delivery twice. A claim that outlived its worker expires instead.
        Ok(0)
    }
}

fn delivery_from_row(row: &postgres::Row) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: row.try_get(0)?,
        webhook_id: row.try_get(1)?,
        event: row.try_get(2)?,
        status: row.try_get(3)?,
        attempts: row.try_get::<_, i64>(4)? as u32,
        next_attempt_at: row.try_get(5)?,
        last_status: row
            .try_get::<_, Option<i64>>(6)?
            .map(|status| status as u16),
        last_error: row.try_get(7)?,
        created_at: row.try_get(8)?,
        delivered_at: row.try_get(9)?,
        redelivery_of: row.try_get(10)?,
    })
}
