//! [`OversightStore`] in PostgreSQL: the audit log, overrides and demographics. The audit
//! chain is built by `crate::audit` (the same entries and hashes as in SQLite); appending takes
//! a transaction-scoped advisory lock, so that entries from several nodes still form one chain.

use std::collections::HashMap;

use chrono::Utc;
use postgres::Transaction;

use super::{PgStore, lock_audit};
use crate::audit::{AuditEntry, AuditEvent, ChainError};
use crate::oversight::{Groups, Override};
use crate::score::Verdict;
use crate::store::{OversightStore, StoreError};

/// Appends `event` at the end of the chain, in `transaction`; the caller holds the audit lock.
pub(super) fn append_in(
    transaction: &mut Transaction<'_>,
    event: AuditEvent,
) -> Result<AuditEntry, StoreError> {
    let last =
        transaction.query_opt("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &[])?;
    let last = match last {
        Some(row) => Some((row.try_get::<_, i64>(0)? as u64, row.try_get(1)?)),
        None => None,
    };
    let entry = crate::audit::chain_entry(last, &event);
    let candidate_ids = serde_json::to_string(&entry.candidate_ids)
        .map_err(|e| StoreError::Corrupt(format!("audit candidate ids: {e}")))?;
    transaction.execute(
        &format!(
            "INSERT INTO audit ({}, tenant)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            crate::audit::COLUMNS
        ),
        &[
            &(entry.seq as i64),
            &entry.time,
            &entry.action,
            &entry.api_key_id,
            &entry.role_id,
            &entry.role_version_hash,
            &entry.scorer_version,
            &candidate_ids,
            &entry.detail,
            &entry.prev_hash,
            &entry.hash,
            &event.tenant.as_stored(),
        ],
    )?;
    Ok(entry)
}

fn entry_from_row(row: &postgres::Row) -> Result<(AuditEntry, String), postgres::Error> {
    Ok((
        AuditEntry {
            seq: row.try_get::<_, i64>(0)? as u64,
            time: row.try_get(1)?,
            action: row.try_get(2)?,
            api_key_id: row.try_get(3)?,
            role_id: row.try_get(4)?,
            role_version_hash: row.try_get(5)?,
            scorer_version: row.try_get(6)?,
            candidate_ids: Vec::new(),
            detail: row.try_get(8)?,
            prev_hash: row.try_get(9)?,
            hash: row.try_get(10)?,
        },
        row.try_get(7)?,
    ))
}

impl OversightStore for PgStore {
    fn append_audit(&self, event: AuditEvent) -> Result<AuditEntry, StoreError> {
        self.in_transaction(|transaction| {
            lock_audit(transaction)?;
            append_in(transaction, event)
        })
    }

    fn audit_page(
        &self,
        after_seq: u64,
        limit: usize,
        tenant: &crate::tenant::Tenant,
    ) -> Result<(Vec<AuditEntry>, Option<String>), StoreError> {
        let rows = self.connection()?.query(
            &format!(
                "SELECT {} FROM audit WHERE seq > $1 AND tenant = $3 ORDER BY seq LIMIT $2",
                crate::audit::COLUMNS
            ),
            &[
                &(after_seq as i64),
                &(limit as i64 + 1),
                &tenant.as_stored(),
            ],
        )?;
        let more = rows.len() > limit;
        let mut entries = Vec::with_capacity(limit);
        for row in rows.iter().take(limit) {
            let (entry, candidate_ids) = entry_from_row(row)?;
            entries.push(
                crate::audit::stored_entry(entry, candidate_ids).map_err(|(seq, why)| {
                    StoreError::Corrupt(format!("audit entry {seq}: {why}"))
                })?,
            );
        }
        let next_cursor = match entries.last() {
            Some(last) if more => Some(last.seq.to_string()),
            _ => None,
        };
        Ok((entries, next_cursor))
    }

    fn verify_audit(&self) -> Result<u64, ChainError> {
        let unreadable = |e: StoreError| ChainError::Unreadable(e.to_string());
        let mut connection = self.connection().map_err(unreadable)?;
        let rows = connection
            .query(
                &format!("SELECT {} FROM audit ORDER BY seq", crate::audit::COLUMNS),
                &[],
            )
            .map_err(|e| ChainError::Unreadable(e.to_string()))?;
        crate::audit::verify_entries(
            rows.iter()
                .map(|row| entry_from_row(row).map_err(|e| e.to_string())),
        )
    }

    fn put_override(
        &self,
        role_id: &str,
        candidate_id: &str,
        requirement_id: &str,
        verdict: Verdict,
        reason: &str,
        by: &str,
    ) -> Result<Override, StoreError> {
        let at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.connection()?.execute(
            "INSERT INTO overrides (role_id, candidate_id, requirement_id, verdict, reason,
             by_key, at) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (role_id, candidate_id, requirement_id) DO UPDATE SET
               verdict = excluded.verdict, reason = excluded.reason, by_key = excluded.by_key,
               at = excluded.at",
            &[
                &role_id,
                &candidate_id,
                &requirement_id,
                &crate::oversight::verdict_name(verdict),
                &reason,
                &by,
                &at,
            ],
        )?;
        Ok(Override {
            role_id: role_id.to_owned(),
            candidate_id: candidate_id.to_owned(),
            requirement_id: requirement_id.to_owned(),
            verdict,
            reason: reason.to_owned(),
            by: by.to_owned(),
            at,
        })
    }

    fn delete_override(
        &self,
        role_id: &str,
        candidate_id: &str,
        requirement_id: &str,
    ) -> Result<bool, StoreError> {
        let deleted = self.connection()?.execute(
            "DELETE FROM overrides WHERE role_id = $1 AND candidate_id = $2
             AND requirement_id = $3",
            &[&role_id, &candidate_id, &requirement_id],
        )?;
        Ok(deleted > 0)
    }

    fn overrides_for_role(&self, role_id: &str) -> Result<Vec<(u64, Override)>, StoreError> {
        let rows = self.connection()?.query(
            "SELECT c.seq, o.candidate_id, o.requirement_id, o.verdict, o.reason, o.by_key, o.at
             FROM overrides o JOIN candidates c ON c.id = o.candidate_id WHERE o.role_id = $1",
            &[&role_id],
        )?;
        rows.iter()
            .map(|row| {
                let verdict: String = row.try_get(3)?;
                let verdict = crate::oversight::parse_verdict(&verdict).ok_or_else(|| {
                    StoreError::Corrupt(format!("override verdict {verdict:?} is unknown"))
                })?;
                Ok((
                    row.try_get::<_, i64>(0)? as u64,
                    Override {
                        role_id: role_id.to_owned(),
                        candidate_id: row.try_get(1)?,
                        requirement_id: row.try_get(2)?,
                        verdict,
                        reason: row.try_get(4)?,
                        by: row.try_get(5)?,
                        at: row.try_get(6)?,
                    },
                ))
            })
            .collect()
    }

    fn put_demographics(&self, candidate_id: &str, groups: &Groups) -> Result<(), StoreError> {
        let body = serde_json::to_string(groups)
            .map_err(|e| StoreError::Corrupt(format!("demographics cannot be encoded: {e}")))?;
        self.connection()?.execute(
            "INSERT INTO demographics (candidate_id, groups, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (candidate_id) DO UPDATE SET groups = excluded.groups,
               updated_at = excluded.updated_at",
            &[&candidate_id, &body, &Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }

    fn demographics_of(
        &self,
        candidate_ids: &[String],
    ) -> Result<HashMap<String, Groups>, StoreError> {
        let rows = self.connection()?.query(
            "SELECT candidate_id, groups FROM demographics WHERE candidate_id = ANY($1)",
            &[&candidate_ids],
        )?;
        let mut found = HashMap::new();
        for row in rows {
            let id: String = row.try_get(0)?;
            let body: String = row.try_get(1)?;
            let groups: Groups = serde_json::from_str(&body)
                .map_err(|e| StoreError::Corrupt(format!("demographics of {id}: {e}")))?;
            found.insert(id, groups);
        }
        Ok(found)
    }
}
