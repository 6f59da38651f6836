//! The audit log, recruiters' overrides and demographics in the store (tables `audit`,
//! `overrides`, `demographics`). What each record means, and the SQL of the SQLite form, stay
//! in `crate::audit` and `crate::oversight`; this trait is how the engine and the runs reach
//! them without a database connection in hand.

use std::collections::HashMap;

use super::{SqliteStore, StoreError};
use crate::audit::{AuditEntry, AuditEvent, ChainError};
use crate::oversight::{Groups, Override};
use crate::score::Verdict;

pub trait OversightStore {
    /// Appends to the audit log, at the end of its hash chain, atomically.
    fn append_audit(&self, event: AuditEvent) -> Result<AuditEntry, StoreError>;
    /// `tenant`'s entries after `after_seq`, at most `limit`, with the cursor of the next page.
    fn audit_page(
        &self,
        after_seq: u64,
        limit: usize,
        tenant: &crate::tenant::Tenant,
    ) -> Result<(Vec<AuditEntry>, Option<String>), StoreError>;
    /// Recomputes the whole chain: the number of entries, or the first that fails.
    fn verify_audit(&self) -> Result<u64, ChainError>;
    fn put_override(
        &self,
        role_id: &str,
        candidate_id: &str,
        requirement_id: &str,
        verdict: Verdict,
        reason: &str,
        by: &str,
    ) -> Result<Override, StoreError>;
    fn delete_override(
        &self,
        role_id: &str,
        candidate_id: &str,
        requirement_id: &str,
    ) -> Result<bool, StoreError>;
    /// Every override under a role, with the seq of its (live) candidate.
    fn overrides_for_role(&self, role_id: &str) -> Result<Vec<(u64, Override)>, StoreError>;
    fn put_demographics(&self, candidate_id: &str, groups: &Groups) -> Result<(), StoreError>;
    /// The demographics of these candidates, by candidate id (those with none left out).
    fn demographics_of(
        &self,
        candidate_ids: &[String],
    ) -> Result<HashMap<String, Groups>, StoreError>;
}

impl OversightStore for SqliteStore {
    fn append_audit(&self, event: AuditEvent) -> Result<AuditEntry, StoreError> {
        crate::audit::append(&mut self.connection(), event)
    }

    fn audit_page(
        &self,
        after_seq: u64,
        limit: usize,
        tenant: &crate::tenant::Tenant,
    ) -> Result<(Vec<AuditEntry>, Option<String>), StoreError> {
        crate::audit::page(&self.connection(), after_seq, limit, tenant)
    }

    fn verify_audit(&self) -> Result<u64, ChainError> {
        crate::audit::verify(&self.connection())
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
        crate::oversight::put_override(
            &self.connection(),
            role_id,
            candidate_id,
            requirement_id,
            verdict,
            reason,
            by,
        )
    }

    fn delete_override(
        &self,
        role_id: &str,
        candidate_id: &str,
        requirement_id: &str,
    ) -> Result<bool, StoreError> {
        crate::oversight::delete_override(&self.connection(), role_id, candidate_id, requirement_id)
    }

    fn overrides_for_role(&self, role_id: &str) -> Result<Vec<(u64, Override)>, StoreError> {
        crate::oversight::overrides_for_role(&self.connection(), role_id)
    }

    fn put_demographics(&self, candidate_id: &str, groups: &Groups) -> Result<(), StoreError> {
        crate::oversight::put_demographics(&self.connection(), candidate_id, groups)
    }

    fn demographics_of(
        &self,
        candidate_ids: &[String],
    ) -> Result<HashMap<String, Groups>, StoreError> {
        crate::oversight::demographics_of(&self.connection(), candidate_ids)
    }
}
