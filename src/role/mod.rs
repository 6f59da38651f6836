//! Roles: what a recruiter asks for, as a list of weighted requirements. Loaded from
//! `config/roles/*.toml`, stored and edited over HTTP as JSON, drafted from job-description text.
//!
//! A requirement has a `kind` (flat tag, the same in TOML and JSON):
//!
//! | kind | fields | met when |
//! | --- | --- | --- |
//! | `skill` | `any_of` (names or `group:crm`), `min_months`? | one of them is in the resume (for at least `min_months`) |
//! | `experience` | `category`, `min_years` | the merged months in that category reach `min_years` (partial credit below); `category = "total"` is experience in the job's own line of work, read as all the work experience the resume shows |
//! | `track_record` | `category`, `min_years`, `related`?, `past_min`?, `recent`? | as `experience`, but a related record counts at its `credit` (B2B sales for account management at 0.9), and a share `past_min` of the credit is earned only past the minimum, with diminishing returns; with `recent = {years, credit}` a record whose last position ended longer ago keeps only `credit` of it |
//! | `degree` | `min_level`, `fields`, `related_fields`, `equivalent_years`? | a completed degree at that level in one of the fields (or a related one), or that many years of experience instead |
//! | `travel` | | the resume says the candidate travels or will |
//! | `keyword` | `query` (Boolean, tantivy syntax) | the resume's text matches the query |
//! | `language` | `any_of` | one of the languages is listed |
//! | `certification` | `any_of` | one of the certifications is listed |
//! | `location` | `any_of` | the candidate's location names one of the places |
//! | `any_of` | `alternatives` (requirements) | the best alternative counts |
//!
//! Every requirement also has `id` (slug), `label` (the recruiter's words), `weight` (> 0,
//! default 1), `must_have` (default false) and, when drafted, `source` (the sentence it came from).

mod draft;
pub mod vocab;

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::profile::{Category, DegreeLevel};

pub use draft::draft;

/// A role and its requirements (see `docs/contract.md`, "Role format").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Role {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub requirements: Vec<Requirement>,
}

/// One thing the recruiter asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Requirement {
    pub id: String,
    /// The recruiter's own words ("Hands on experience with CRM software").
    #[serde(default)]
    pub label: String,
    #[serde(default = "default_weight")]
    pub weight: f32,
    #[serde(default)]
    pub must_have: bool,
    /// The job-description sentence a drafted requirement came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(flatten)]
    pub spec: Spec,
}

fn default_weight() -> f32 {
    1.0
}

fn is_zero(value: &f32) -> bool {
    *value == 0.0
}

/// A category accepted in place of a track record's own, at partial credit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RelatedRecord {
    pub category: Category,
    /// What one month of it is worth against one month of the asked category, in (0, 1].
    pub credit: f32,
}

/// A record is recent when a position in its category (or a related one) ended at most
/// `years` before the document's date, or is current; otherwise it keeps `credit` of its credit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Recency {
    pub years: f32,
    /// The share of the credit a record keeps when it is not recent, in [0, 1].
    pub credit: f32,
}

fn default_true() -> bool {
    true
}

/// What an experience requirement counts: one of the profile's categories, or `total`, the
/// experience in the job's own line of work ("3 years of public accounting", "5 years as an RN").
/// A resume's positions carry no such category, so `total` counts every month of work: the
/// nearest the profile comes to "in this line of work" until positions are classed by trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExperienceCategory {
    Total,
    Sales,
    B2bSales,
    AccountManagement,
    PeopleManagement,
}

impl ExperienceCategory {
    pub fn as_str(self) -> &'static str {
        match self.category() {
            Some(category) => category.as_str(),
            None => "total",
        }
    }

    /// The profile category counted, or `None` for all experience.
    pub fn category(self) -> Option<Category> {
        match self {
            ExperienceCategory::Total => None,
            ExperienceCategory::Sales => Some(Category::Sales),
            ExperienceCategory::B2bSales => Some(Category::B2bSales),
            ExperienceCategory::AccountManagement => Some(Category::AccountManagement),
            ExperienceCategory::PeopleManagement => Some(Category::PeopleManagement),
        }
    }
}

impl From<Category> for ExperienceCategory {
    fn from(category: Category) -> Self {
        match category {
            Category::Sales => ExperienceCategory::Sales,
            Category::B2bSales => ExperienceCategory::B2bSales,
            Category::AccountManagement => ExperienceCategory::AccountManagement,
            Category::PeopleManagement => ExperienceCategory::PeopleManagement,
        }
    }
}

/// What a requirement asks for, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Spec {
    Skill {
        /// Skill names (canonical or common spellings) or `group:<group>`; any one suffices.
        any_of: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_months: Option<u32>,
    },
    Experience {
        category: ExperienceCategory,
        min_years: f32,
    },
    Degree {
        min_level: DegreeLevel,
        /// Fields of study (empty: any field).
        #[serde(default)]
        fields: Vec<String>,
        /// "or relevant field": a degree in a related field counts fully.
        #[serde(default = "default_true")]
        related_fields: bool,
        /// "or equivalent experience": this many years of experience stand in for the degree.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        equivalent_years: Option<f32>,
    },
    /// A record in a line of work as a recruiter reads it: related records count at partial
    /// credit, declared here and never hidden, and years past the minimum keep adding credit
    /// with diminishing returns (see `score` for the curve).
    TrackRecord {
        category: Category,
        min_years: f32,
        /// Other categories accepted in place of `category`, each at a credit in (0, 1].
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        related: Vec<RelatedRecord>,
        /// The share of the credit earned only past `min_years` (0 to 0.9): 0 makes the
        /// minimum a ceiling, as `experience` does; 0.5 gives half the credit at the minimum,
        /// three quarters at twice it, seven eighths at three times it.
        #[serde(default, skip_serializing_if = "is_zero")]
        past_min: f32,
        /// When the record counts in full only if recent: see [`Recency`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recent: Option<Recency>,
    },
    Travel {},
    Keyword {
        query: String,
    },
    Language {
        any_of: Vec<String>,
    },
    Certification {
        any_of: Vec<String>,
    },
    Location {
        any_of: Vec<String>,
    },
    /// Alternatives: the best one counts ("six years of B2B sales, or a record of achievement as
    /// Account Manager"). The group's weight and must-have apply; the alternatives' do not.
    AnyOf {
        // Requirement holds a Spec: the schema refers to itself rather than recursing.
        #[schema(no_recursion)]
        alternatives: Vec<Requirement>,
    },
}

impl Spec {
    pub fn kind(&self) -> &'static str {
        match self {
            Spec::Skill { .. } => "skill",
            Spec::Experience { .. } => "experience",
            Spec::TrackRecord { .. } => "track_record",
            Spec::Degree { .. } => "degree",
            Spec::Travel {} => "travel",
            Spec::Keyword { .. } => "keyword",
            Spec::Language { .. } => "language",
            Spec::Certification { .. } => "certification",
            Spec::Location { .. } => "location",
            Spec::AnyOf { .. } => "any_of",
        }
    }
}

impl Requirement {
    /// The label, or the id when the recruiter gave none.
    pub fn display_label(&self) -> &str {
        if self.label.trim().is_empty() {
            &self.id
        } else {
            &self.label
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    #[error("invalid role: {0}")]
    Invalid(String),
}

fn invalid(message: impl Into<String>) -> RoleError {
    RoleError::Invalid(message.into())
}

/// Most requirements a role may have, so that a stored role can never make scoring slow.
pub const MAX_REQUIREMENTS: usize = 64;
const MAX_ALTERNATIVES: usize = 16;
const MAX_LIST: usize = 64;
const MAX_TEXT: usize = 4096;

impl Role {
    pub fn from_toml(text: &str) -> Result<Role, RoleError> {
        toml::from_str(text).map_err(|e| invalid(e.to_string()))
    }

    pub fn from_json(text: &str) -> Result<Role, RoleError> {
        serde_json::from_str(text).map_err(|e| invalid(e.to_string()))
    }

    pub fn to_toml(&self) -> Result<String, RoleError> {
        toml::to_string(self).map_err(|e| invalid(e.to_string()))
    }

    /// Checks what serde cannot: ids unique and slug-like, weights positive and finite, years in
    /// range, skill groups, fields and languages known, no nested alternatives.
    pub fn validate(&self) -> Result<(), RoleError> {
        check_slug("role id", &self.id)?;
        if self.title.trim().is_empty() {
            return Err(invalid("title is empty"));
        }
        if self.title.len() > MAX_TEXT {
            return Err(invalid("title is too long"));
        }
        if self.requirements.len() > MAX_REQUIREMENTS {
            return Err(invalid(format!(
                "{} requirements; at most {MAX_REQUIREMENTS}",
                self.requirements.len()
            )));
        }
        let mut ids = HashSet::new();
        for requirement in &self.requirements {
            validate_requirement(requirement, &mut ids, true)?;
        }
        Ok(())
    }

    /// All requirements, alternatives included, in order.
    pub fn all_requirements(&self) -> impl Iterator<Item = &Requirement> {
        self.requirements.iter().flat_map(|r| {
            let nested: &[Requirement] = match &r.spec {
                Spec::AnyOf { alternatives } => alternatives,
                _ => &[],
            };
            std::iter::once(r).chain(nested.iter())
        })
    }
}

fn check_slug(what: &str, id: &str) -> Result<(), RoleError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !id.starts_with('-')
        && !id.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} {id:?} must be 1 to 64 lowercase letters, digits, '-' or '_'"
        )))
    }
}

fn check_list(id: &str, field: &str, list: &[String]) -> Result<(), RoleError> {
    if list.is_empty() {
        return Err(invalid(format!("requirement {id:?}: {field} is empty")));
    }
    if list.len() > MAX_LIST || list.iter().any(|s| s.trim().is_empty() || s.len() > 256) {
        return Err(invalid(format!(
            "requirement {id:?}: {field} has an empty or over-long entry, or too many"
        )));
    }
    Ok(())
}

fn validate_requirement(
    requirement: &Requirement,
    ids: &mut HashSet<String>,
    top_level: bool,
) -> Result<(), RoleError> {
    let id = &requirement.id;
    check_slug("requirement id", id)?;
    if !ids.insert(id.clone()) {
        return Err(invalid(format!("requirement id {id:?} is used twice")));
    }
    if !(requirement.weight.is_finite() && requirement.weight > 0.0 && requirement.weight <= 1000.0)
    {
        return Err(invalid(format!(
            "requirement {id:?}: weight must be above 0 and at most 1000"
        )));
    }
    if requirement.label.len() > MAX_TEXT
        || requirement
            .source
            .as_ref()
            .is_some_and(|s| s.len() > MAX_TEXT)
    {
        return Err(invalid(format!(
            "requirement {id:?}: label or source too long"
        )));
    }
    match &requirement.spec {
        Spec::Skill { any_of, .. } => {
            check_list(id, "any_of", any_of)?;
            for name in any_of {
                if let Some(group) = name.trim().strip_prefix("group:")
                    && vocab::group_index(group).is_none()
                {
                    return Err(invalid(format!(
                        "requirement {id:?}: unknown skill group {group:?} (known: {})",
                        vocab::GROUPS.join(", ")
                    )));
                }
            }
        }
        Spec::Experience { min_years, .. } => check_years(id, "min_years", *min_years)?,
        Spec::TrackRecord {
            category,
            min_years,
            related,
            past_min,
            recent,
        } => {
            check_years(id, "min_years", *min_years)?;
            if let Some(recent) = recent {
                check_years(id, "recent.years", recent.years)?;
                if !(recent.credit.is_finite() && (0.0..=1.0).contains(&recent.credit)) {
                    return Err(invalid(format!(
                        "requirement {id:?}: recent.credit must be between 0 and 1"
                    )));
                }
            }
            if !(past_min.is_finite() && (0.0..=0.9).contains(past_min)) {
                return Err(invalid(format!(
                    "requirement {id:?}: past_min must be between 0 and 0.9"
                )));
            }
            let mut seen = vec![*category];
            for record in related {
                if !(record.credit.is_finite() && record.credit > 0.0 && record.credit <= 1.0) {
                    return Err(invalid(format!(
                        "requirement {id:?}: a related record's credit must be above 0 and at most 1"
                    )));
                }
                if seen.contains(&record.category) {
                    return Err(invalid(format!(
                        "requirement {id:?}: category {:?} is named twice",
                        record.category.as_str()
                    )));
                }
                seen.push(record.category);
            }
        }
        Spec::Degree {
            fields,
            equivalent_years,
            ..
        } => {
            for field in fields {
                if vocab::resolve_field(field).is_none() {
                    return Err(invalid(format!(
                        "requirement {id:?}: unknown field of study {field:?}"
                    )));
                }
            }
            if let Some(years) = equivalent_years {
                check_years(id, "equivalent_years", *years)?;
            }
        }
        Spec::Travel {} => {}
        Spec::Keyword { query } => {
            if query.trim().is_empty() || query.len() > MAX_TEXT {
                return Err(invalid(format!(
                    "requirement {id:?}: query is empty or too long"
                )));
            }
            crate::index::query_guard::check(query)
                .map_err(|reason| invalid(format!("requirement {id:?}: {reason}")))?;
        }
        Spec::Language { any_of } => {
            check_list(id, "any_of", any_of)?;
            for name in any_of {
                if vocab::language_index(name).is_none() {
                    return Err(invalid(format!(
                        "requirement {id:?}: unknown language {name:?}"
                    )));
                }
            }
        }
        Spec::Certification { any_of } | Spec::Location { any_of } => {
            check_list(id, "any_of", any_of)?;
        }
        Spec::AnyOf { alternatives } => {
            if !top_level {
                return Err(invalid(format!(
                    "requirement {id:?}: alternatives cannot nest"
                )));
            }
            if alternatives.is_empty() || alternatives.len() > MAX_ALTERNATIVES {
                return Err(invalid(format!(
                    "requirement {id:?}: 1 to {MAX_ALTERNATIVES} alternatives"
                )));
            }
            for alternative in alternatives {
                validate_requirement(alternative, ids, false)?;
            }
        }
    }
    Ok(())
}

fn check_years(id: &str, field: &str, years: f32) -> Result<(), RoleError> {
    if years.is_finite() && (0.0..=60.0).contains(&years) {
        Ok(())
    } else {
        Err(invalid(format!(
            "requirement {id:?}: {field} must be between 0 and 60"
        )))
    }
}

/// Loads and validates every `*.toml` role in `dir`, sorted by id.
pub fn load_dir(dir: &Path) -> Result<Vec<Role>, RoleError> {
    let mut roles = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| invalid(format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry
            .map_err(|e| invalid(format!("{}: {e}", dir.display())))?
            .path();
        if path.extension().is_some_and(|ext| ext == "toml") {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| invalid(format!("{}: {e}", path.display())))?;
            let role = Role::from_toml(&text)
                .and_then(|role| role.validate().map(|()| role))
                .map_err(|e| invalid(format!("{}: {e}", path.display())))?;
            roles.push(role);
        }
    }
    roles.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(roles)
}

/// The shipped roles' TOML, compiled in so that a server needs no files to start.
pub const SHIPPED_TOML: [(&str, &str); 5] = [
    (
        "senior-account-manager",
        include_str!("../../config/roles/senior-account-manager.toml"),
    ),
    (
        "sales-account-manager",
        include_str!("../../config/roles/sales-account-manager.toml"),
    ),
    (
        "senior-account-manager-b2b",
        include_str!("../../config/roles/senior-account-manager-b2b.toml"),
    ),
    (
        "account-manager",
        include_str!("../../config/roles/account-manager.toml"),
    ),
    (
        "strategic-account-manager",
        include_str!("../../config/roles/strategic-account-manager.toml"),
    ),
];

/// The roles compiled into the binary, in contract order (`000` to `004`). A shipped role that
/// does not parse is a build defect caught by the tests; it is skipped here (and logged) rather
/// than taking the server down.
pub fn shipped() -> Vec<Role> {
    SHIPPED_TOML
        .iter()
        .filter_map(|(id, text)| {
            match Role::from_toml(text).and_then(|r| r.validate().map(|()| r)) {
                Ok(role) => Some(role),
                Err(error) => {
                    tracing::error!(role = id, %error, "a shipped role does not load");
                    None
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_example_parses() {
        let role = Role::from_toml(
            r#"
id = "strategic-account-manager"
title = "Strategic Account Manager"

[[requirements]]
id = "crm"
kind = "skill"
any_of = ["group:crm"]
weight = 3
must_have = false

[[requirements]]
id = "b2b-years"
kind = "experience"
category = "b2b_sales"
min_years = 6
weight = 3
"#,
        )
        .unwrap();
        role.validate().unwrap();
        assert_eq!(role.requirements.len(), 2);
        assert_eq!(role.requirements[1].weight, 3.0);
        assert!(matches!(
            role.requirements[1].spec,
            Spec::Experience {
                category: ExperienceCategory::B2bSales,
                ..
            }
        ));
    }

    #[test]
    fn total_experience_reads_and_writes_as_total() {
        let role = Role::from_toml(
            "id = \"x\"\ntitle = \"X\"\n[[requirements]]\nid = \"a\"\nkind = \"experience\"\ncategory = \"total\"\nmin_years = 3\n",
        )
        .unwrap();
        role.validate().unwrap();
        let Spec::Experience { category, .. } = role.requirements[0].spec else {
            panic!("not an experience requirement");
        };
        assert_eq!(category, ExperienceCategory::Total);
        assert_eq!(category.category(), None);
        assert!(role.to_toml().unwrap().contains("category = \"total\""));
        for category in Category::ALL {
            let json = serde_json::to_string(&ExperienceCategory::from(category)).unwrap();
            assert_eq!(json, format!("\"{}\"", category.as_str()));
        }
    }

    #[test]
    fn json_and_toml_are_the_same_shape() {
        for role in shipped() {
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(Role::from_json(&json).unwrap(), role);
            let toml = role.to_toml().unwrap();
            assert_eq!(Role::from_toml(&toml).unwrap(), role);
        }
    }

    #[test]
    fn validation_rejects_bad_roles() {
        let base = shipped().into_iter().next().unwrap();
        let mut twice = base.clone();
        twice.requirements.push(twice.requirements[0].clone());
        assert!(twice.validate().is_err());
        let mut weightless = base.clone();
        weightless.requirements[0].weight = 0.0;
        assert!(weightless.validate().is_err());
        let mut bad_id = base.clone();
        bad_id.id = "Senior Account Manager".into();
        assert!(bad_id.validate().is_err());
        let unknown_group = Role::from_toml(
            "id = \"x\"\ntitle = \"X\"\n[[requirements]]\nid = \"a\"\nkind = \"skill\"\nany_of = [\"group:nope\"]\n",
        )
        .unwrap();
        assert!(unknown_group.validate().is_err());
        let negative = Role::from_toml(
            "id = \"x\"\ntitle = \"X\"\n[[requirements]]\nid = \"a\"\nkind = \"experience\"\ncategory = \"sales\"\nmin_years = -1\n",
        )
        .unwrap();
        assert!(negative.validate().is_err());
    }
}
