//! Tenants in the store: the `tenant` column of candidates, roles, runs and webhooks, the
//! migration of a database from before tenants, and the lookups that scope reads to a tenant.
//!
//! The default tenant is stored as `''`, so that existing rows are the default tenant's. An
//! `external_id` is unique within a tenant (`UNIQUE (tenant, external_id)`): the same ATS id in
//! two tenants is two candidates. Role, run and webhook ids stay one namespace (they are
//! unique as they were); each row records its owner, and another tenant's id reads as absent.

use std::collections::HashSet;

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, StoreError, Upserted};
use crate::role::Role;
use crate::tenant::Tenant;

/// The candidates table. Kept here, not in the schema, because a database from before tenants
/// is rebuilt into it (SQLite cannot change a UNIQUE constraint in place).
const CANDIDATES_TABLE: &str = "
CREATE TABLE IF NOT EXISTS candidates (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    tenant       TEXT NOT NULL DEFAULT '',
    external_id  TEXT,
    file_sha256  TEXT NOT NULL,
    file_name    TEXT,
    batch_id     TEXT,
    media_type   TEXT NOT NULL,
    profile      TEXT NOT NULL,
    text         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (tenant, external_id)
);
";

fn has_column(connection: &Connection, table: &str, column: &str) -> Result<bool, StoreError> {
    Ok(connection
        .prepare(&format!(
            "SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"
        ))?
        .exists(params![column])?)
}

/// Creates the candidates table, or rebuilds one from before tenants into it in one
/// transaction: every row kept (same seq, so the index and cursors stay valid) in the default
/// tenant, and the AUTOINCREMENT counter kept, so that no seq is ever reused.
pub(super) fn create_or_migrate_candidates(connection: &mut Connection) -> Result<(), StoreError> {
    let exists = connection
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'candidates'")?
        .exists([])?;
    if !exists {
        connection.execute_batch(CANDIDATES_TABLE)?;
        return Ok(());
    }
    if has_column(connection, "candidates", "tenant")? {
        return Ok(());
    }
    let transaction = connection.transaction()?;
    let columns: Vec<String> = transaction
        .prepare("SELECT name FROM pragma_table_info('candidates')")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let counter: Option<i64> = transaction
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'candidates'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    transaction.execute_batch("ALTER TABLE candidates RENAME TO candidates_before_tenants")?;
    transaction.execute_batch(CANDIDATES_TABLE)?;
    // Columns another version added are carried over when the new table has them too.
    let new_columns: HashSet<String> = transaction
        .prepare("SELECT name FROM pragma_table_info('candidates')")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let carried: Vec<&str> = columns
        .iter()
        .filter(|column| new_columns.contains(*column))
        .map(String::as_str)
        .collect();
    let list = carried.join(", ");
    transaction.execute_batch(&format!(
        "INSERT INTO candidates ({list}) SELECT {list} FROM candidates_before_tenants;
         DROP TABLE candidates_before_tenants;"
    ))?;
    if let Some(counter) = counter {
        transaction.execute(
            "UPDATE sqlite_sequence SET seq = MAX(seq, ?1) WHERE name = 'candidates'",
            params![counter],
        )?;
    }
    transaction.commit()?;
    tracing::info!("candidates table migrated: every candidate is in the default tenant");
    Ok(())
}

/// Indexes on the tenant columns (after the columns exist).
pub(super) fn create_indexes(connection: &Connection) -> Result<(), StoreError> {
    connection.execute_batch(
        "CREATE INDEX IF NOT EXISTS candidates_tenant ON candidates(tenant, seq);
         CREATE INDEX IF NOT EXISTS roles_tenant ON roles(tenant);
         CREATE INDEX IF NOT EXISTS runs_tenant ON runs(tenant);
         CREATE INDEX IF NOT EXISTS webhooks_tenant ON webhooks(tenant);",
    )?;
    Ok(())
}

/// The tables whose rows belong to a tenant, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owned {
    Candidate,
    Role,
    Run,
    Webhook,
}

impl Owned {
    /// The table its rows are in (the same name in every backend).
    pub(super) fn table(self) -> &'static str {
        match self {
            Owned::Candidate => "candidates",
            Owned::Role => "roles",
            Owned::Run => "runs",
            Owned::Webhook => "webhooks",
        }
    }
}

/// Whose each row is, and the lookups that scope reads to a tenant.
pub trait TenancyStore {
    /// The tenant a row belongs to; `None` when there is no such row.
    fn owner(&self, kind: Owned, id: &str) -> Result<Option<Tenant>, StoreError>;

    /// Whether the row exists and is `tenant`'s: what every tenant check asks (another
    /// tenant's row then answers as a missing one).
    fn owned_by(&self, kind: Owned, id: &str, tenant: &Tenant) -> Result<bool, StoreError> {
        Ok(self.owner(kind, id)?.as_ref() == Some(tenant))
    }

    /// The ids of `tenant`'s rows of a table.
    fn owned_ids(&self, kind: Owned, tenant: &Tenant) -> Result<HashSet<String>, StoreError>;

    /// Sets the tenant of a row just created (a webhook subscription).
    fn set_owner(&self, kind: Owned, id: &str, tenant: &Tenant) -> Result<(), StoreError>;

    /// The webhooks among `targets` that may hear of an event: those of the tenant owning the
    /// candidate (`candidate_id`) or run (`run.id`) it is about. An event about neither, or
    /// about a row already gone, goes to no one.
    fn webhooks_for_event(
        &self,
        targets: Vec<String>,
        data: &serde_json::Value,
    ) -> Result<Vec<String>, StoreError> {
        let owner = if let Some(id) = data.get("candidate_id").and_then(|id| id.as_str()) {
            self.owner(Owned::Candidate, id)?
        } else if let Some(id) = data.pointer("/run/id").and_then(|id| id.as_str()) {
            self.owner(Owned::Run, id)?
        } else {
            None
        };
        // A row already gone (a candidate deleted the moment it was parsed) has no owner to
        // ask: its event reaches no one rather than risk reaching another tenant.
        let Some(owner) = owner else {
            return Ok(Vec::new());
        };
        let mine = self.owned_ids(Owned::Webhook, &owner)?;
        Ok(targets.into_iter().filter(|id| mine.contains(id)).collect())
    }

    /// Creates or replaces `tenant`'s role. `None` when the id is another tenant's role: role
    /// ids are one namespace, and a tenant never overwrites another's role.
    fn put_role_in(&self, role: &Role, tenant: &Tenant) -> Result<Option<Upserted>, StoreError>;
}

impl TenancyStore for SqliteStore {
    /// The tenant a row belongs to; `None` when there is no such row.
    fn owner(&self, kind: Owned, id: &str) -> Result<Option<Tenant>, StoreError> {
        let tenant: Option<String> = self
            .connection()
            .query_row(
                &format!("SELECT tenant FROM {} WHERE id = ?1", kind.table()),
                params![id],
                |row| row.get(0),
            )
            .optional()?;
        Ok(tenant.as_deref().map(Tenant::from_stored))
    }

    /// The ids of `tenant`'s rows of a table.
    fn owned_ids(&self, kind: Owned, tenant: &Tenant) -> Result<HashSet<String>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare(&format!(
            "SELECT id FROM {} WHERE tenant = ?1",
            kind.table()
        ))?;
        let ids = statement
            .query_map(params![tenant.as_stored()], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Sets the tenant of a row just created (a webhook subscription).
    fn set_owner(&self, kind: Owned, id: &str, tenant: &Tenant) -> Result<(), StoreError> {
        self.connection().execute(
            &format!("UPDATE {} SET tenant = ?2 WHERE id = ?1", kind.table()),
            params![id, tenant.as_stored()],
        )?;
        Ok(())
    }

    /// Creates or replaces `tenant`'s role. `None` when the id is another tenant's role: role
    /// ids are one namespace, and a tenant never overwrites another's role.
    fn put_role_in(&self, role: &Role, tenant: &Tenant) -> Result<Option<Upserted>, StoreError> {
        let body = serde_json::to_string(role)
            .map_err(|e| StoreError::Corrupt(format!("role cannot be encoded: {e}")))?;
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let owner: Option<String> = transaction
            .query_row(
                "SELECT tenant FROM roles WHERE id = ?1",
                params![role.id],
                |row| row.get(0),
            )
            .optional()?;
        let upserted = match owner {
            Some(owner) if owner != tenant.as_stored() => return Ok(None),
            Some(_) => Upserted::Replaced,
            None => Upserted::Created,
        };
        transaction.execute(
            "INSERT INTO roles (id, body, updated_at, tenant) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            params![role.id, body, Utc::now().to_rfc3339(), tenant.as_stored()],
        )?;
        transaction.commit()?;
        Ok(Some(upserted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_from_before_tenants_keeps_its_candidates_in_the_default_tenant() {
        let dir = tempfile::tempdir().unwrap();
        {
            let connection = Connection::open(dir.path().join("shortlist.sqlite3")).unwrap();
            connection
                .execute_batch(
                    "CREATE TABLE candidates (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
                        external_id TEXT UNIQUE, file_sha256 TEXT NOT NULL, file_name TEXT,
                        batch_id TEXT, media_type TEXT NOT NULL, profile TEXT NOT NULL,
                        text TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
                     INSERT INTO candidates (seq, id, external_id, file_sha256, media_type,
                        profile, text, created_at, updated_at)
                        VALUES (7, 'a', 'ats-1', 'f', 'text/plain', '{}', 't', 'c', 'u');
                     INSERT INTO candidates (seq, id, external_id, file_sha256, media_type,
                        profile, text, created_at, updated_at)
                        VALUES (9, 'b', NULL, 'f', 'text/plain', '{}', 't', 'c', 'u');
                     DELETE FROM candidates WHERE seq = 9;",
                )
                .unwrap();
        }
        let store = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(
            store.owner(Owned::Candidate, "a").unwrap(),
            Some(Tenant::default())
        );
        assert_eq!(
            store
                .owned_ids(Owned::Candidate, &Tenant::named("acme").unwrap())
                .unwrap(),
            HashSet::new(),
            "another tenant owns none of the default tenant's candidates"
        );
        let connection = store.connection();
        // The same external id is free in another tenant, taken in the same one.
        connection
            .execute(
                "INSERT INTO candidates (id, tenant, external_id, file_sha256, media_type,
                 profile, text, created_at, updated_at)
                 VALUES ('c', 'acme', 'ats-1', 'f', 'text/plain', '{}', 't', 'c', 'u')",
                [],
            )
            .unwrap();
        let seq: i64 = connection
            .query_row("SELECT seq FROM candidates WHERE id = 'c'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(
            seq, 10,
            "a seq deleted before the migration is never reused"
        );
        assert!(
            connection
                .execute(
                    "INSERT INTO candidates (id, tenant, external_id, file_sha256, media_type,
                     profile, text, created_at, updated_at)
                     VALUES ('d', 'acme', 'ats-1', 'f', 'text/plain', '{}', 't', 'c', 'u')",
                    [],
                )
                .is_err()
        );
    }
}
