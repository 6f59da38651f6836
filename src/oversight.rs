//! Human oversight and fairness checks: recruiters' overrides of a requirement's verdict (kept
//! with the reason, applied by rankings, runs and exports), demographics supplied by the ATS
//! (stored apart from profiles and never read by scoring), and the adverse-impact report of a
//! run's selection (EEOC four-fifths rule).

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::score::{OverrideNote, Verdict};
use crate::store::StoreError;

/// A recruiter's verdict on one requirement for one candidate under one role.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Override {
    pub role_id: String,
    pub candidate_id: String,
    pub requirement_id: String,
    pub verdict: Verdict,
    pub reason: String,
    pub by: String,
    pub at: String,
}

impl Override {
    pub fn note(&self, computed_verdict: Verdict) -> OverrideNote {
        OverrideNote {
            verdict: self.verdict,
            reason: self.reason.clone(),
            by: self.by.clone(),
            at: self.at.clone(),
            computed_verdict,
        }
    }
}

/// Parses a verdict as a recruiter writes it: the ranking's names, and `partly_met`.
pub fn parse_verdict(text: &str) -> Option<Verdict> {
    match text {
        "met" => Some(Verdict::Met),
        "partial" | "partly_met" => Some(Verdict::Partial),
        "not_met" => Some(Verdict::NotMet),
        "unknown" => Some(Verdict::Unknown),
        _ => None,
    }
}

pub(crate) fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Met => "met",
        Verdict::Partial => "partial",
        Verdict::NotMet => "not_met",
        Verdict::Unknown => "unknown",
    }
}

/// Stores (or replaces) an override.
pub fn put_override(
    connection: &Connection,
    role_id: &str,
    candidate_id: &str,
    requirement_id: &str,
    verdict: Verdict,
    reason: &str,
    by: &str,
) -> Result<Override, StoreError> {
    let at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    connection.execute(
        "INSERT INTO overrides (role_id, candidate_id, requirement_id, verdict, reason, by_key, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(role_id, candidate_id, requirement_id) DO UPDATE SET
           verdict = excluded.verdict, reason = excluded.reason, by_key = excluded.by_key,
           at = excluded.at",
        params![
            role_id,
            candidate_id,
            requirement_id,
            verdict_name(verdict),
            reason,
            by,
            at
        ],
    )?;
    Ok(Override {
        role_id: role_id.to_owned(),
        candidate_id: candidate_id.to_owned(),
        requirement_id: requirement_id.to_owned(),
        verdict,
        reason: reason.to_owned(),
        by: by.to_owned(),
        at,
    })
}

/// Removes an override; false when there was none.
pub fn delete_override(
    connection: &Connection,
    role_id: &str,
    candidate_id: &str,
    requirement_id: &str,
) -> Result<bool, StoreError> {
    let deleted = connection.execute(
        "DELETE FROM overrides WHERE role_id = ?1 AND candidate_id = ?2 AND requirement_id = ?3",
        params![role_id, candidate_id, requirement_id],
    )?;
    Ok(deleted > 0)
}

/// Every override under a role, with the seq of its (live) candidate.
pub fn overrides_for_role(
    connection: &Connection,
    role_id: &str,
) -> Result<Vec<(u64, Override)>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT c.seq, o.candidate_id, o.requirement_id, o.verdict, o.reason, o.by_key, o.at
         FROM overrides o JOIN candidates c ON c.id = o.candidate_id WHERE o.role_id = ?1",
    )?;
    let rows = statement
        .query_map(params![role_id], |row| {
            Ok((
                row.get::<_, i64>(0)? as u64,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, String>(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(
            |(seq, candidate_id, requirement_id, verdict, reason, by, at)| {
                let verdict = parse_verdict(&verdict).ok_or_else(|| {
                    StoreError::Corrupt(format!("override verdict {verdict:?} is unknown"))
                })?;
                Ok((
                    seq,
                    Override {
                        role_id: role_id.to_owned(),
                        candidate_id,
                        requirement_id,
                        verdict,
                        reason,
                        by,
                        at,
                    },
                ))
            },
        )
        .collect()
}

/// Groups by category, as the ATS reports them (`{"sex": "female", "race_ethnicity": "…"}`).
pub type Groups = BTreeMap<String, String>;

pub fn put_demographics(
    connection: &Connection,
    candidate_id: &str,
    groups: &Groups,
) -> Result<(), StoreError> {
    let body = serde_json::to_string(groups)
        .map_err(|e| StoreError::Corrupt(format!("demographics cannot be encoded: {e}")))?;
    connection.execute(
        "INSERT INTO demographics (candidate_id, groups, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(candidate_id) DO UPDATE SET groups = excluded.groups,
           updated_at = excluded.updated_at",
        params![candidate_id, body, Utc::now().to_rfc3339()],
    )?;
    Ok(())
}

/// The demographics of these candidates, by candidate id (those with none are left out).
pub fn demographics_of(
    connection: &Connection,
    candidate_ids: &[String],
) -> Result<HashMap<String, Groups>, StoreError> {
    let mut statement =
        connection.prepare_cached("SELECT groups FROM demographics WHERE candidate_id = ?1")?;
    let mut found = HashMap::new();
    for id in candidate_ids {
        let mut rows = statement.query(params![id])?;
        if let Some(row) = rows.next()? {
            let body: String = row.get(0)?;
            let groups: Groups = serde_json::from_str(&body)
                .map_err(|e| StoreError::Corrupt(format!("demographics of {id}: {e}")))?;
            found.insert(id.clone(), groups);
        }
    }
    Ok(found)
}

/// The four-fifths rule: a group selected at less than this fraction of the rate of the group
/// selected most often shows adverse impact (EEOC Uniform Guidelines, 29 CFR 1607.4(D)).
pub const FOUR_FIFTHS: f64 = 0.8;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupImpact {
    pub group: String,
    pub applicants: u64,
    pub selected: u64,
    pub selection_rate: f64,
    /// This group's rate ÷ the highest group's rate.
    pub impact_ratio: f64,
    /// The impact ratio is below four fifths.
    pub flagged: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CategoryImpact {
    pub category: String,
    pub groups: Vec<GroupImpact>,
    /// Applicants whose group in this category the ATS did not report (not in the rates).
    pub not_reported: u64,
    /// Some group in the category is flagged.
    pub flagged: bool,
}

/// Selection rates by group for each category. `applicants` are (candidate id, selected).
pub fn adverse_impact(
    applicants: &[(String, bool)],
    demographics: &HashMap<String, Groups>,
) -> Vec<CategoryImpact> {
    let mut categories: BTreeMap<&str, BTreeMap<&str, (u64, u64)>> = BTreeMap::new();
    for groups in demographics.values() {
        for category in groups.keys() {
            categories.entry(category.as_str()).or_default();
        }
    }
    let mut reports = Vec::with_capacity(categories.len());
    for (category, mut counts) in categories {
        let mut not_reported = 0;
        for (candidate_id, selected) in applicants {
            match demographics
                .get(candidate_id)
                .and_then(|groups| groups.get(category))
            {
                Some(group) => {
                    let count = counts.entry(group.as_str()).or_default();
                    count.0 += 1;
                    count.1 += u64::from(*selected);
                }
                None => not_reported += 1,
            }
        }
        let rate = |(applicants, selected): (u64, u64)| {
            if applicants == 0 {
                0.0
            } else {
                selected as f64 / applicants as f64
            }
        };
        let highest = counts.values().map(|c| rate(*c)).fold(0.0f64, f64::max);
        let groups: Vec<GroupImpact> = counts
            .into_iter()
            .map(|(group, count)| {
                let selection_rate = rate(count);
                let impact_ratio = if highest > 0.0 {
                    selection_rate / highest
                } else {
                    1.0
                };
                GroupImpact {
                    group: group.to_owned(),
                    applicants: count.0,
                    selected: count.1,
                    selection_rate: round4(selection_rate),
                    impact_ratio: round4(impact_ratio),
                    flagged: impact_ratio < FOUR_FIFTHS,
                }
            })
            .collect();
        reports.push(CategoryImpact {
            category: category.to_owned(),
            flagged: groups.iter().any(|g| g.flagged),
            groups,
            not_reported,
        });
    }
    reports
}

fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(spec: &[(&str, u64, u64)]) -> (Vec<(String, bool)>, HashMap<String, Groups>) {
        let mut applicants = Vec::new();
        let mut demographics = HashMap::new();
        for (group, total, selected) in spec {
            for i in 0..*total {
                let id = format!("{group}-{i}");
                applicants.push((id.clone(), i < *selected));
                demographics.insert(id, Groups::from([("sex".into(), group.to_string())]));
            }
        }
        (applicants, demographics)
    }

    #[test]
    fn the_four_fifths_rule_flags_a_low_ratio_and_not_a_balanced_one() {
        // 48/80 = 0.60 against 12/40 = 0.30: ratio 0.5, flagged (the EEOC guidelines' example).
        let (applicants, demographics) = people(&[("male", 80, 48), ("female", 40, 12)]);
        let report = adverse_impact(&applicants, &demographics);
        let female = report[0]
            .groups
            .iter()
            .find(|g| g.group == "female")
            .unwrap();
        assert_eq!((female.selection_rate, female.impact_ratio), (0.3, 0.5));
        assert!(female.flagged && report[0].flagged);
        // 0.60 against 0.50: ratio 0.83, not flagged.
        let (applicants, demographics) = people(&[("male", 80, 48), ("female", 40, 20)]);
        let report = adverse_impact(&applicants, &demographics);
        assert!(!report[0].flagged, "{report:?}");
    }

    #[test]
    fn applicants_without_a_group_are_counted_apart() {
        let (mut applicants, demographics) = people(&[("male", 2, 1), ("female", 2, 1)]);
        applicants.push(("unknown-1".into(), true));
        let report = adverse_impact(&applicants, &demographics);
        assert_eq!(report[0].not_reported, 1);
        assert_eq!(
            report[0].groups.iter().map(|g| g.applicants).sum::<u64>(),
            4
        );
    }

    #[test]
    fn recruiters_verdict_names_parse() {
        assert_eq!(parse_verdict("partly_met"), Some(Verdict::Partial));
        assert_eq!(parse_verdict("met"), Some(Verdict::Met));
        assert_eq!(parse_verdict("yes"), None);
    }
}
