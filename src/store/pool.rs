//! The `pool` table: what the in-memory ranking pool is built from at start-up. One small row
//! per candidate (seq, id, tenant, external id, and its ranking features as the engine encodes
//! them), written in the same transaction as the candidate's row, so that a restart reads
//! about 200 bytes per candidate instead of decoding every profile: at a million candidates,
//! a second or two rather than minutes.
//!
//! The rows are derived data. They count only when they were written in the format the
//! running engine reads (`meta` key `pool_format`, the engine's `Features::format`) and there
//! is one per candidate; otherwise the engine rebuilds them from the stored profiles
//! ([`PoolStore::rewrite_pool`]) and records the format.

use rusqlite::params;
use uuid::Uuid;

use super::{SqliteStore, Store, StoreError};
use crate::tenant::Tenant;

const FORMAT_KEY: &str = "pool_format";

/// One candidate as the pool needs it.
pub struct PoolRow {
    pub seq: u64,
    pub id: Uuid,
    pub tenant: Tenant,
    pub external_id: Option<String>,
    /// The ranking features, encoded by the engine; opaque here.
    pub features: Vec<u8>,
}

pub trait PoolStore {
    /// Visits every row in seq order and returns true, when the rows are complete and in
    /// `format`; returns false, visiting nothing, otherwise.
    fn for_each_pool_row(
        &self,
        format: &str,
        visit: &mut dyn FnMut(PoolRow) -> Result<(), StoreError>,
    ) -> Result<bool, StoreError>;
    /// Replaces every row with `rows` (seq and encoded features; the rest is copied from the
    /// candidates table) and records `format`, in one transaction.
    fn rewrite_pool(&self, rows: &[(u64, Vec<u8>)], format: &str) -> Result<(), StoreError>;
}

impl PoolStore for SqliteStore {
    fn for_each_pool_row(
        &self,
        format: &str,
        visit: &mut dyn FnMut(PoolRow) -> Result<(), StoreError>,
    ) -> Result<bool, StoreError> {
        if self.get_meta(FORMAT_KEY)?.as_deref() != Some(format) {
            return Ok(false);
        }
        let connection = self.connection();
        let (rows, candidates): (i64, i64) = connection.query_row(
            "SELECT (SELECT COUNT(*) FROM pool), (SELECT COUNT(*) FROM candidates)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        if rows != candidates {
            return Ok(false);
        }
        let mut statement = connection
            .prepare("SELECT seq, id, tenant, external_id, features FROM pool ORDER BY seq")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let id: String = row.get(1)?;
            let id = Uuid::parse_str(&id)
                .map_err(|e| StoreError::Corrupt(format!("pool row {seq}: id: {e}")))?;
            let tenant: String = row.get(2)?;
            visit(PoolRow {
                seq: seq as u64,
                id,
                tenant: Tenant::from_stored(&tenant),
                external_id: row.get(3)?,
                features: row.get(4)?,
            })?;
        }
        Ok(true)
    }

    fn rewrite_pool(&self, rows: &[(u64, Vec<u8>)], format: &str) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        transaction.execute("DELETE FROM pool", [])?;
        {
            let mut insert = transaction.prepare(COPY_ROW)?;
            for (seq, features) in rows {
                insert.execute(params![*seq as i64, features])?;
            }
        }
        transaction.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![FORMAT_KEY, format],
        )?;
        transaction.commit()?;
        Ok(())
    }
}

/// Writes a candidate's pool row from its candidates row and the encoded features (`?1` seq,
/// `?2` features): used by every write of a candidate, in its transaction.
pub(super) const COPY_ROW: &str =
    "INSERT OR REPLACE INTO pool (seq, id, tenant, external_id, features)
     SELECT seq, id, tenant, external_id, ?2 FROM candidates WHERE seq = ?1";
