//! Scoring: a role compiles into a [`Scorer`] over compact per-candidate [`Features`]; ranking is
//! one rayon pass over all of them; explanations are built only for the results returned.

use serde::{Deserialize, Serialize};

use crate::profile::Profile;
use crate::role::{Role, RoleError};

/// What scoring needs of one candidate, small enough to hold millions in memory.
#[derive(Debug, Clone, Default)]
pub struct Features {}

impl Features {
    pub fn from_profile(_profile: &Profile) -> Features {
        Features {}
    }
}

/// A role compiled for scoring.
#[derive(Debug, Clone)]
pub struct Scorer {}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Absolute, 0 to 100.
    pub score: f32,
    pub must_haves_met: bool,
}

impl Scorer {
    pub fn compile(_role: &Role) -> Result<Scorer, RoleError> {
        Ok(Scorer {})
    }

    pub fn score(&self, _features: &Features) -> Score {
        Score {
            score: 0.0,
            must_haves_met: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Met,
    Partial,
    NotMet,
    Unknown,
}

/// One requirement's verdict for one candidate, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequirementResult {
    pub id: String,
    pub verdict: Verdict,
    pub score: f32,
    pub evidence: Vec<String>,
}

pub fn explain(_role: &Role, _profile: &Profile) -> Vec<RequirementResult> {
    Vec::new()
}
