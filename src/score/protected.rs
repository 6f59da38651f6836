//! Protected facts: the lines of a resume that state age, sex or gender, marital status,
//! religion, ethnicity, disability or veteran status. Explanations never quote them as
//! evidence: the rows of `config/rules/protected.toml` say what such a line looks like, each
//! with examples it must and must not match (checked by the test below).

use std::sync::LazyLock;

use regex::RegexSet;
use serde::Deserialize;

const RULES: &str = include_str!("../../config/rules/protected.toml");

#[derive(Debug, Deserialize)]
struct RulesFile {
    rule: Vec<RuleRow>,
}

#[derive(Debug, Deserialize)]
struct RuleRow {
    id: String,
    pattern: String,
    /// Checked by this file's unit test.
    #[serde(flatten)]
    #[cfg_attr(not(test), allow(dead_code))]
    examples: crate::parse::RuleExamples,
}

struct ProtectedRules {
    ids: Vec<String>,
    any: RegexSet,
}

static PROTECTED: LazyLock<ProtectedRules> = LazyLock::new(|| {
    // The shipped file is checked by the unit test; a broken one is a build defect.
    let file: RulesFile = toml::from_str(RULES).expect("config/rules/protected.toml parses");
    let patterns: Vec<String> = file
        .rule
        .iter()
        .map(|row| format!("(?i){}", row.pattern))
        .collect();
    ProtectedRules {
        ids: file.rule.into_iter().map(|row| row.id).collect(),
        any: RegexSet::new(&patterns).expect("the protected-fact rules compile"),
    }
});

/// What an explanation shows in place of evidence that only protected lines gave.
pub const WITHHELD: &str = "(evidence withheld: the words state a protected fact)";

/// The id of the first rule that finds a protected fact in `text`, if any.
pub fn protected_fact(text: &str) -> Option<&'static str> {
    let rules = &*PROTECTED;
    let first = rules.any.matches(text).into_iter().next()?;
    rules.ids.get(first).map(String::as_str)
}

/// Whether `text` states a protected fact and so may not be quoted as evidence.
pub fn is_protected(text: &str) -> bool {
    PROTECTED.any.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    #[test]
    fn every_protected_rule_matches_its_examples() {
        let file: RulesFile = toml::from_str(RULES).unwrap();
        assert!(file.rule.len() >= 8, "every protected ground has a row");
        for row in &file.rule {
            let pattern = Regex::new(&format!("(?i){}", row.pattern))
                .unwrap_or_else(|e| panic!("rule {}: {e}", row.id));
            assert!(
                !row.examples.matches.is_empty(),
                "rule {} has examples",
                row.id
            );
            for example in &row.examples.matches {
                assert!(
                    pattern.is_match(example),
                    "rule {} misses its example {example:?}",
                    row.id
                );
            }
            for example in &row.examples.not_matches {
                assert!(
                    !is_protected(example),
                    "{example:?} (a non-example of rule {}) is taken for a protected fact by {:?}",
                    row.id,
                    protected_fact(example)
                );
            }
        }
    }

    #[test]
    fn ordinary_evidence_passes() {
        for evidence in [
            "Key Account Manager 2015-01 to 2019-01: 48 months B2B",
            "Salesforce",
            "Bachelor of Science, Business Administration (2005)",
            "willing to travel 50%",
            WITHHELD,
        ] {
            assert!(!is_protected(evidence), "{evidence:?}");
        }
    }
}
