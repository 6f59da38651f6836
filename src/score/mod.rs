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

/// What the ranking pass may keep.
pub struct RankFilter<'a> {
    /// `false` for a deleted slot.
    pub live: &'a [bool],
    /// Only these candidates (by seq), when a keyword filter is given.
    pub allowed_seqs: Option<&'a std::collections::HashSet<u64>>,
    pub must_haves_only: bool,
    pub min_score: Option<f32>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub seq: u64,
    pub score: f32,
    pub must_haves_met: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RankPage {
    /// Candidates that pass the filters.
    pub total: usize,
    /// How many of them rank before this page (before the cursor).
    pub ranked_before: usize,
    pub hits: Vec<Hit>,
}

/// Interim ranking pass (to be replaced by the allocation-free top-k one).
pub fn rank(
    scorer: &Scorer,
    features: &[Features],
    seqs: &[u64],
    filter: &RankFilter<'_>,
    after: Option<(f32, u64)>,
    limit: usize,
) -> RankPage {
    use rayon::prelude::*;
    let mut all: Vec<Hit> = (0..features.len())
        .into_par_iter()
        .filter(|&slot| filter.live[slot])
        .filter(|&slot| {
            filter
                .allowed_seqs
                .is_none_or(|allowed| allowed.contains(&seqs[slot]))
        })
        .filter_map(|slot| {
            let score = scorer.score(&features[slot]);
            let keep = (!filter.must_haves_only || score.must_haves_met)
                && filter.min_score.is_none_or(|min| score.score >= min);
            keep.then_some(Hit {
                seq: seqs[slot],
                score: score.score,
                must_haves_met: score.must_haves_met,
            })
        })
        .collect();
    all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.seq.cmp(&b.seq)));
    let ranked_before = match after {
        Some((score, seq)) => {
            all.partition_point(|h| h.score > score || (h.score == score && h.seq <= seq))
        }
        None => 0,
    };
    let hits = all
        .iter()
        .skip(ranked_before)
        .take(limit)
        .copied()
        .collect();
    RankPage {
        total: all.len(),
        ranked_before,
        hits,
    }
}
