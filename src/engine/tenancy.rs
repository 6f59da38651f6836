//! The engine's reads and writes scoped to a tenant (see `src/tenant.rs`). Handlers call a
//! check before the engine call they always made (a candidate or role of another tenant reads
//! as not found, never as forbidden, so that its existence is not revealed). Rankings keep the
//! tenant's candidates through `RankQuery::tenant`, checked slot by slot (`pool.rs`).

use std::sync::Arc;

use super::{CompiledRole, Engine, EngineError};
use crate::ids::CandidateId;
use crate::role::Role;
use crate::score::Scorer;
use crate::store::{Owned, Upserted};
use crate::tenant::Tenant;

impl Engine {
    /// `Ok` when the candidate exists and is `tenant`'s; otherwise not found.
    pub fn check_candidate(&self, tenant: &Tenant, id: CandidateId) -> Result<(), EngineError> {
        let id = id.to_string();
        if self.store.owned_by(Owned::Candidate, &id, tenant)? {
            Ok(())
        } else {
            Err(EngineError::CandidateNotFound(id))
        }
    }

    /// `Ok` when the role exists and is `tenant`'s; otherwise not found.
    pub fn check_role(&self, tenant: &Tenant, id: &str) -> Result<(), EngineError> {
        if self.store.owned_by(Owned::Role, id, tenant)? {
            Ok(())
        } else {
            Err(EngineError::RoleNotFound(id.to_owned()))
        }
    }

    /// `tenant`'s roles.
    pub fn roles_of(&self, tenant: &Tenant) -> Result<Vec<Role>, EngineError> {
        let mine = self.store.owned_ids(Owned::Role, tenant)?;
        let mut roles = self.roles();
        roles.retain(|role| mine.contains(&role.id));
        Ok(roles)
    }

    /// [`Engine::put_role`] for `tenant`: the role is stored with its owner in one statement,
    /// and another tenant's role with the same id is never replaced.
    pub fn put_role_in(
        &self,
        tenant: &Tenant,
        id: &str,
        role: Role,
    ) -> Result<(Role, Upserted), EngineError> {
        if role.id != id {
            return Err(EngineError::InvalidRole(format!(
                "the role's id {:?} differs from the id in the path {id:?}",
                role.id
            )));
        }
        role.validate()?;
        let scorer = Arc::new(Scorer::compile(&role)?);
        // Under the roles' write lock, so that the store and the compiled roles agree even
        // when two tenants race for one id.
        let mut roles = self.roles.write().unwrap_or_else(|p| p.into_inner());
        let Some(upserted) = self.store.put_role_in(&role, tenant)? else {
            return Err(EngineError::InvalidRole(format!(
                "the role id {id:?} is taken; choose another id"
            )));
        };
        roles.insert(role.id.clone(), CompiledRole::ready(role.clone(), scorer));
        Ok((role, upserted))
    }
}
