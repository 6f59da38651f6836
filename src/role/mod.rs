//! Roles: what a recruiter asks for, as a list of weighted requirements. Loaded from
//! `config/roles/*.toml`, stored and edited over HTTP as JSON, drafted from job-description text.

use serde::{Deserialize, Serialize};

/// A role and its requirements (see `docs/contract.md`, "Role format").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub requirements: Vec<serde_json::Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    #[error("invalid role: {0}")]
    Invalid(String),
}

impl Role {
    pub fn from_toml(text: &str) -> Result<Role, RoleError> {
        toml::from_str(text).map_err(|e| RoleError::Invalid(e.to_string()))
    }

    /// Checks what serde cannot: ids, weights, ranges.
    pub fn validate(&self) -> Result<(), RoleError> {
        if self.id.is_empty() {
            return Err(RoleError::Invalid("id is empty".into()));
        }
        Ok(())
    }
}

/// Loads every `*.toml` role in `dir`.
pub fn load_dir(dir: &std::path::Path) -> Result<Vec<Role>, RoleError> {
    let mut roles = Vec::new();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| RoleError::Invalid(format!("{}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "toml") {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| RoleError::Invalid(format!("{}: {e}", path.display())))?;
            roles.push(Role::from_toml(&text)?);
        }
    }
    Ok(roles)
}

/// The roles compiled into the binary.
pub fn shipped() -> Vec<Role> {
    Vec::new()
}

/// Drafts a role from job-description text.
pub fn draft(_text: &str) -> Role {
    Role {
        id: "draft".into(),
        title: "Draft".into(),
        requirements: Vec::new(),
    }
}
