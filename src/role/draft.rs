//! Drafting a role from job-description text.
use super::Role;

pub fn draft(_text: &str) -> Role {
    Role {
        id: "draft".into(),
        title: "Draft".into(),
        description: None,
        requirements: Vec::new(),
    }
}
