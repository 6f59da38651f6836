//! Candidates as a collection: one page, newest first, by keyset on `(created_at, id)`.
//!
//! A page reads the index `candidates_created` and the page's rows only; the summary fields
//! (name, total months, highest degree) come out of the stored profile with `json_extract`, so
//! no profile is decoded and the cost of a page does not grow with the number of candidates
//! (the `total` is one `COUNT(*)` over the same filter).
//!
//! `created_at` is compared as text: every stored time is written by `Utc::now().to_rfc3339()`
//! (`+00:00`, whole seconds then an optional fraction), and for that form text order is time
//! order (`+` sorts before `.` and before every digit, so `…:05+00:00` < `…:05.1+00:00`).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params_from_iter, types::Value};
use uuid::Uuid;

use super::{SqliteStore, StoreError};

/// Where a page starts: strictly after (older than) this row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListKey {
    /// As stored (RFC 3339 text).
    pub created_at: String,
    pub id: String,
}

/// What a listing is limited to; every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub external_id: Option<String>,
    pub created_since: Option<DateTime<Utc>>,
    pub updated_since: Option<DateTime<Utc>>,
    /// Only these candidates (by seq): the matches of a keyword query.
    pub seqs: Option<Vec<u64>>,
    /// Whose candidates: always applied (the default tenant's by default).
    pub tenant: crate::tenant::Tenant,
}

/// One row of a page: what a list shows without the whole profile.
#[derive(Debug, Clone)]
pub struct ListedCandidate {
    pub seq: u64,
    pub id: Uuid,
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub display_name: Option<String>,
    pub file_name: Option<String>,
    pub media_type: String,
    pub total_months: u32,
    pub highest_degree: String,
    /// The keyset position of this row, for the next page's cursor.
    pub key: ListKey,
}

#[derive(Debug, Clone)]
pub struct ListPage {
    /// Candidates matching the filter, on every page.
    pub total: u64,
    pub results: Vec<ListedCandidate>,
    /// Whether rows remain after the last one returned.
    pub more: bool,
}

impl ListFilter {
    /// The SQL conditions and their parameters (numbered from 1, in order).
    fn conditions(&self) -> (Vec<&'static str>, Vec<Value>) {
        let mut conditions = vec!["tenant = ?"];
        let mut values = vec![Value::Text(self.tenant.as_stored().to_owned())];
        if let Some(external_id) = &self.external_id {
            conditions.push("external_id = ?");
            values.push(Value::Text(external_id.clone()));
        }
        if let Some(since) = self.created_since {
            conditions.push("created_at >= ?");
            values.push(Value::Text(since.to_rfc3339()));
        }
        if let Some(since) = self.updated_since {
            conditions.push("updated_at >= ?");
            values.push(Value::Text(since.to_rfc3339()));
        }
        if let Some(seqs) = &self.seqs {
            // One JSON parameter rather than thousands of placeholders (SQLite caps those).
            conditions.push("seq IN (SELECT value FROM json_each(?))");
            values.push(Value::Text(
                serde_json::to_string(seqs).unwrap_or_else(|_| "[]".into()),
            ));
        }
        (conditions, values)
    }
}

fn where_clause(conditions: &[&str]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    }
}

fn parse_time(seq: i64, what: &str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("candidate seq {seq}: {what}: {e}")))
}

/// The page's query: walks `candidates_created` backwards from the cursor, so a page costs its
/// own rows whatever the number of candidates.
fn page_sql(conditions: &[&str]) -> String {
    format!(
        "SELECT seq, id, external_id, created_at, updated_at,
                json_extract(profile, '$.contact.name'), file_name, media_type,
                json_extract(profile, '$.experience.total_months'),
                json_extract(profile, '$.highest_degree')
         FROM candidates {} ORDER BY created_at DESC, id DESC LIMIT ?",
        where_clause(conditions)
    )
}

pub trait ListingStore {
    /// One page of candidates, newest first, after `after` when given.
    fn list_candidates(
        &self,
        filter: &ListFilter,
        after: Option<&ListKey>,
        limit: usize,
    ) -> Result<ListPage, StoreError>;
}

impl ListingStore for SqliteStore {
    fn list_candidates(
        &self,
        filter: &ListFilter,
        after: Option<&ListKey>,
        limit: usize,
    ) -> Result<ListPage, StoreError> {
        let (mut conditions, mut values) = filter.conditions();
        let connection = self.connection();
        let total: i64 = connection.query_row(
            &format!(
                "SELECT COUNT(*) FROM candidates {}",
                where_clause(&conditions)
            ),
            params_from_iter(values.iter()),
            |row| row.get(0),
        )?;
        if let Some(after) = after {
            conditions.push("(created_at, id) < (?, ?)");
            values.push(Value::Text(after.created_at.clone()));
            values.push(Value::Text(after.id.clone()));
        }
        values.push(Value::Integer(limit as i64 + 1));
        let mut statement = connection.prepare(&page_sql(&conditions))?;
        let mut rows = statement.query(params_from_iter(values.iter()))?;
        let mut results = Vec::with_capacity(limit.min(128));
        let mut more = false;
        while let Some(row) = rows.next()? {
            if results.len() == limit {
                more = true;
                break;
            }
            let seq: i64 = row.get(0)?;
            let id: String = row.get(1)?;
            let created_at: String = row.get(3)?;
            let updated_at: String = row.get(4)?;
            let total_months: Option<i64> = row.get(8)?;
            let highest_degree: Option<String> = row.get(9)?;
            results.push(ListedCandidate {
                seq: seq as u64,
                id: Uuid::parse_str(&id)
                    .map_err(|e| StoreError::Corrupt(format!("candidate seq {seq}: id: {e}")))?,
                external_id: row.get(2)?,
                created_at: parse_time(seq, "created_at", &created_at)?,
                updated_at: parse_time(seq, "updated_at", &updated_at)?,
                display_name: row.get(5)?,
                file_name: row.get(6)?,
                media_type: row.get(7)?,
                total_months: total_months.unwrap_or(0).clamp(0, u32::MAX as i64) as u32,
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

impl SqliteStore {
    /// [`super::Store::meta_or_insert`].
    pub(super) fn meta_or_insert_sqlite(
        &self,
        key: &str,
        value: &str,
    ) -> Result<String, StoreError> {
        let connection = self.connection();
        let existing: Option<String> = connection
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?;
        if let Some(value) = existing {
            return Ok(value);
        }
        connection.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
            [key, value],
        )?;
        Ok(
            connection.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })?,
        )
    }

    /// Whether the store takes writes now: a row written and rolled back in SQLite (which takes
    /// the write lock and needs a writable database), and a file created and removed beside the
    /// original files (a read-only or full disk, or a missing directory, fails here). Cheap
    /// enough for a readiness probe: nothing is synced.
    pub(super) fn check_writable_sqlite(&self) -> Result<(), StoreError> {
        {
            let mut connection = self.connection();
            let transaction =
                connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            transaction.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('readiness_probe', ?1)",
                [Utc::now().to_rfc3339()],
            )?;
            transaction.rollback()?;
        }
        let probe = self.files_dir.join(format!(
            ".readiness-{}{}",
            Uuid::new_v4(),
            super::TEMPORARY_SUFFIX
        ));
        std::fs::write(&probe, b"ready")?;
        std::fs::remove_file(&probe)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan SQLite picks for a page, with and without a cursor: the index, never a sort of
    /// every row.
    #[test]
    fn pages_walk_the_created_index_without_sorting() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let connection = store.connection();
        for conditions in [vec![], vec!["(created_at, id) < (?, ?)"]] {
            let sql = format!("EXPLAIN QUERY PLAN {}", page_sql(&conditions));
            let mut statement = connection.prepare(&sql).unwrap();
            let parameters = conditions.len() * 2 + 1;
            let values: Vec<Value> = (0..parameters).map(|_| Value::Integer(1)).collect();
            let plan: Vec<String> = statement
                .query_map(params_from_iter(values.iter()), |row| {
                    row.get::<_, String>(3)
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let plan = plan.join(" | ");
            assert!(plan.contains("candidates_created"), "{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        }
    }
}
