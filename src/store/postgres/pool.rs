//! [`PoolStore`] in PostgreSQL: the derived `pool` rows the ranking pool is built from at
//! start-up (see `src/store/pool.rs` for what they are and when they count).

use super::PgStore;
use crate::store::{PoolRow, PoolStore, Store, StoreError};
use crate::tenant::Tenant;

const FORMAT_KEY: &str = "pool_format";

/// Writes a candidate's pool row from its candidates row and the encoded features (`$1` seq,
/// `$2` features): used by every write of a candidate, in its transaction.
pub(super) const COPY_ROW: &str = "INSERT INTO pool (seq, id, tenant, external_id, features)
     SELECT seq, id, tenant, external_id, $2 FROM candidates WHERE seq = $1
     ON CONFLICT (seq) DO UPDATE SET id = excluded.id, tenant = excluded.tenant,
       external_id = excluded.external_id, features = excluded.features";

impl PoolStore for PgStore {
    fn for_each_pool_row(
        &self,
        format: &str,
        visit: &mut dyn FnMut(PoolRow) -> Result<(), StoreError>,
    ) -> Result<bool, StoreError> {
        if self.get_meta(FORMAT_KEY)?.as_deref() != Some(format) {
            return Ok(false);
        }
        let mut connection = self.connection()?;
        // One snapshot for the count and the rows (REPEATABLE READ), read in portions.
        let mut transaction = connection
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let counts = transaction.query_one(
            "SELECT (SELECT COUNT(*) FROM pool), (SELECT COUNT(*) FROM candidates)",
            &[],
        )?;
        if counts.try_get::<_, i64>(0)? != counts.try_get::<_, i64>(1)? {
            return Ok(false);
        }
        let portal = transaction.bind(
            "SELECT seq, id, tenant, external_id, features FROM pool ORDER BY seq",
            &[],
        )?;
        loop {
            let rows = transaction.query_portal(&portal, 10_000)?;
            if rows.is_empty() {
                break;
            }
            for row in rows {
                let seq: i64 = row.try_get(0)?;
                let id: String = row.try_get(1)?;
                let id = uuid::Uuid::parse_str(&id)
                    .map_err(|e| StoreError::Corrupt(format!("pool row {seq}: id: {e}")))?;
                let tenant: String = row.try_get(2)?;
                visit(PoolRow {
                    seq: seq as u64,
                    id,
                    tenant: Tenant::from_stored(&tenant),
                    external_id: row.try_get(3)?,
                    features: row.try_get(4)?,
                })?;
            }
        }
        transaction.commit()?;
        Ok(true)
    }

    fn rewrite_pool(&self, rows: &[(u64, Vec<u8>)], format: &str) -> Result<(), StoreError> {
        self.in_transaction(|transaction| {
            transaction.execute("DELETE FROM pool", &[])?;
            let insert = transaction.prepare(COPY_ROW)?;
            for (seq, features) in rows {
                transaction.execute(&insert, &[&(*seq as i64), features])?;
            }
            transaction.execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&FORMAT_KEY, &format],
            )?;
            Ok(())
        })
    }
}
