//! [`TenancyStore`] in PostgreSQL: whose each candidate, role, run and webhook is (the
//! `tenant` columns; `''` is the default tenant, as in SQLite).

use std::collections::HashSet;

use chrono::Utc;

use super::PgStore;
use crate::role::Role;
use crate::store::{Owned, StoreError, TenancyStore, Upserted};
use crate::tenant::Tenant;

impl TenancyStore for PgStore {
    fn owner(&self, kind: Owned, id: &str) -> Result<Option<Tenant>, StoreError> {
        let row = self.connection()?.query_opt(
            &format!("SELECT tenant FROM {} WHERE id = $1", kind.table()),
            &[&id],
        )?;
        Ok(row
            .map(|row| row.try_get::<_, String>(0))
            .transpose()?
            .as_deref()
            .map(Tenant::from_stored))
    }

    fn owned_ids(&self, kind: Owned, tenant: &Tenant) -> Result<HashSet<String>, StoreError> {
        let rows = self.connection()?.query(
            &format!("SELECT id FROM {} WHERE tenant = $1", kind.table()),
            &[&tenant.as_stored()],
        )?;
        Ok(rows
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    fn set_owner(&self, kind: Owned, id: &str, tenant: &Tenant) -> Result<(), StoreError> {
        self.connection()?.execute(
            &format!("UPDATE {} SET tenant = $2 WHERE id = $1", kind.table()),
            &[&id, &tenant.as_stored()],
        )?;
        Ok(())
    }

    fn put_role_in(&self, role: &Role, tenant: &Tenant) -> Result<Option<Upserted>, StoreError> {
        let body = serde_json::to_string(role)
            .map_err(|e| StoreError::Corrupt(format!("role cannot be encoded: {e}")))?;
        self.in_transaction(|transaction| {
            // Locks the row, when there is one, until the write: two nodes putting the same
            // role id for two tenants cannot both pass the owner check.
            let owner = transaction.query_opt(
                "SELECT tenant FROM roles WHERE id = $1 FOR UPDATE",
                &[&role.id],
            )?;
            let upserted = match owner {
                Some(row) if row.try_get::<_, String>(0)? != tenant.as_stored() => {
                    return Ok(None);
                }
                Some(_) => Upserted::Replaced,
                None => Upserted::Created,
            };
            let written = transaction.execute(
                "INSERT INTO roles (id, body, updated_at, tenant) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body,
                   updated_at = excluded.updated_at
                 WHERE roles.tenant = excluded.tenant",
                &[
                    &role.id,
                    &body,
                    &Utc::now().to_rfc3339(),
                    &tenant.as_stored(),
                ],
            )?;
            // Another tenant created the id between the check and the insert.
            Ok((written == 1).then_some(upserted))
        })
    }
}
