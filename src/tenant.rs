//! Who may do what, and whose data they see: API key scopes and tenants.
//!
//! A key carries scopes (`read`, `write`, `admin`) and at most one tenant. A tenant is a
//! namespace of candidates, roles, runs and webhooks: a tenant's keys see only its own, and a
//! key without a tenant works in the default tenant (stored as the empty string, so that data
//! written before tenants existed is the default tenant's without any rewrite).
//!
//! Plain domain types: the HTTP layer (`src/api/auth.rs`) decides which scope a route needs,
//! the store and the engine filter by [`Tenant`].

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;

/// A tenant's name; [`Tenant::default`] is the default tenant. Cheap to clone.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Tenant(Option<Arc<str>>);

/// The default tenant, for callers that need a reference that lives forever.
pub static DEFAULT_TENANT: Tenant = Tenant(None);

/// Longest tenant name accepted.
const MAX_TENANT_CHARS: usize = 64;

impl Tenant {
    /// A named tenant: 1 to 64 lowercase letters, digits, `-` or `_`. Plain names only, since
    /// they appear in logs and in the store.
    pub fn named(name: &str) -> Result<Tenant, String> {
        let plain = !name.is_empty()
            && name.len() <= MAX_TENANT_CHARS
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_'));
        if !plain {
            return Err(format!(
                "a tenant is 1 to {MAX_TENANT_CHARS} lowercase letters, digits, '-' or '_', got {name:?}"
            ));
        }
        Ok(Tenant(Some(Arc::from(name))))
    }

    /// The value kept in the store's `tenant` columns: empty for the default tenant.
    pub fn as_stored(&self) -> &str {
        self.0.as_deref().unwrap_or("")
    }

    /// Reads a stored `tenant` column back.
    pub fn from_stored(stored: &str) -> Tenant {
        if stored.is_empty() {
            Tenant::default()
        } else {
            Tenant(Some(Arc::from(stored)))
        }
    }

    pub fn is_default(&self) -> bool {
        self.0.is_none()
    }

    /// An `Idempotency-Key` as the store keeps it: a tenant's keys never replay another
    /// tenant's recorded answer. The default tenant's keys are kept as they were.
    pub fn scoped_key(&self, key: &str) -> String {
        match &self.0 {
            None => key.to_owned(),
            Some(name) => format!("tenant:{name}:{key}"),
        }
    }
}

impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tenant({})", self)
    }
}

impl fmt::Display for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_deref().unwrap_or("(default)"))
    }
}

/// What a key may do. `admin` is oversight (the audit log, demographics and adverse impact,
/// recruiters' overrides, metrics); it does not imply `read` or `write`, which a key lists too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Read,
    Write,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }
}

/// One accepted key: its hash (never the key), what it may do and in which tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyGrant {
    /// Lowercase hex SHA-256 of the key.
    pub sha256: String,
    pub scopes: Vec<Scope>,
    pub tenant: Tenant,
}

impl KeyGrant {
    /// A key of the plain `api_key_sha256` list: every scope, the default tenant (what any key
    /// could do before scopes existed).
    pub fn full(sha256: String) -> KeyGrant {
        KeyGrant {
            sha256,
            scopes: Scope::ALL.to_vec(),
            tenant: Tenant::default(),
        }
    }

    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_names_are_plain_and_the_default_is_stored_empty() {
        assert!(Tenant::named("acme-eu_2").is_ok());
        for bad in ["", "Acme", "a b", "a/b", "x\n", &"a".repeat(65)] {
            assert!(Tenant::named(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Tenant::default().as_stored(), "");
        let acme = Tenant::named("acme").unwrap();
        assert_eq!(Tenant::from_stored(acme.as_stored()), acme);
        assert_eq!(Tenant::from_stored(""), Tenant::default());
        assert_ne!(acme.scoped_key("k"), Tenant::default().scoped_key("k"));
        assert_eq!(Tenant::default().scoped_key("k"), "k");
    }
}
