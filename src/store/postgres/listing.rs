//! [`ListingStore`] in PostgreSQL: one page of candidates, newest first, by keyset on
//! `(created_at, id)` (both `COLLATE "C"`, so that text order is the SQLite store's order and
//! a cursor made by one node reads the same on another).

use chrono::{DateTime, Utc};
use postgres::types::ToSql;
use uuid::Uuid;

use super::PgStore;
use crate::store::{ListFilter, ListKey, ListPage, ListedCandidate, ListingStore, StoreError};

fn parse_time(seq: i64, what: &str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("candidate seq {seq}: {what}: {e}")))
}

impl ListingStore for PgStore {
    fn list_candidates(
        &self,
        filter: &ListFilter,
        after: Option<&ListKey>,
        limit: usize,
    ) -> Result<ListPage, StoreError> {
        let tenant = filter.tenant.as_stored().to_owned();
        let created_since = filter.created_since.map(|since| since.to_rfc3339());
        let updated_since = filter.updated_since.map(|since| since.to_rfc3339());
        let seqs: Option<Vec<i64>> = filter
            .seqs
            .as_ref()
            .map(|seqs| seqs.iter().map(|&seq| seq as i64).collect());
        let mut conditions: Vec<String> = Vec::new();
        let mut values: Vec<&(dyn ToSql + Sync)> = Vec::new();
        conditions.push(format!("tenant = ${}", values.len() + 1));
        values.push(&tenant);
        if let Some(external_id) = &filter.external_id {
            conditions.push(format!("external_id = ${}", values.len() + 1));
            values.push(external_id);
        }
        if let Some(since) = &created_since {
            conditions.push(format!("created_at >= ${}", values.len() + 1));
            values.push(since);
        }
        if let Some(since) = &updated_since {
            conditions.push(format!("updated_at >= ${}", values.len() + 1));
            values.push(since);
        }
        if let Some(seqs) = &seqs {
            conditions.push(format!("seq = ANY(${})", values.len() + 1));
            values.push(seqs);
        }
        let mut connection = self.connection()?;
        let total: i64 = connection
            .query_one(
                &format!(
                    "SELECT COUNT(*) FROM candidates WHERE {}",
                    conditions.join(" AND ")
                ),
                &values,
            )?
            .try_get(0)?;
        if let Some(after) = after {
            conditions.push(format!(
                "(created_at, id) < (${}, ${})",
                values.len() + 1,
                values.len() + 2
            ));
            values.push(&after.created_at);
            values.push(&after.id);
        }
        let fetch = limit as i64 + 1;
        let limit_at = values.len() + 1;
        values.push(&fetch);
        let rows = connection.query(
            &format!(
                "SELECT seq, id, external_id, created_at, updated_at,
                        profile::jsonb #>> '{{contact,name}}', file_name, media_type,
                        profile::jsonb #>> '{{experience,total_months}}',
                        profile::jsonb #>> '{{highest_degree}}'
                 FROM candidates WHERE {} ORDER BY created_at DESC, id DESC LIMIT ${limit_at}",
                conditions.join(" AND ")
            ),
            &values,
        )?;
        let more = rows.len() > limit;
        let mut results = Vec::with_capacity(rows.len().min(limit));
        for row in rows.iter().take(limit) {
            let seq: i64 = row.try_get(0)?;
            let id: String = row.try_get(1)?;
            let created_at: String = row.try_get(3)?;
            let updated_at: String = row.try_get(4)?;
            let total_months: Option<String> = row.try_get(8)?;
            let highest_degree: Option<String> = row.try_get(9)?;
            results.push(ListedCandidate {
                seq: seq as u64,
                id: Uuid::parse_str(&id)
                    .map_err(|e| StoreError::Corrupt(format!("candidate seq {seq}: id: {e}")))?,
                external_id: row.try_get(2)?,
                created_at: parse_time(seq, "created_at", &created_at)?,
                updated_at: parse_time(seq, "updated_at", &updated_at)?,
                display_name: row.try_get(5)?,
                file_name: row.try_get(6)?,
                media_type: row.try_get(7)?,
                total_months: total_months
                    .and_then(|months| months.parse::<f64>().ok())
                    .map_or(0, |months| months.clamp(0.0, u32::MAX as f64) as u32),
                highest_degree: highest_degree.unwrap_or_else(|| "none".into()),
                key: ListKey { created_at, id },
            });
        }
        Ok(ListPage {
            total: total as u64,
            results,
            more,
        })
    }
}
