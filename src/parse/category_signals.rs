//! Category signals kept as data: named phrasings (`config/rules/category_signals.toml`) that
//! bear on a position's categories, each a feature of the trained category model.
//!
//! Why rows and not more alternations in `categories.rs`: a row names the class of phrasing it
//! covers, carries examples that test it (`every_signal_matches_its_examples`), and the model,
//! not the row, decides how much it counts, by what the labelled positions show. The rows of
//! one field are compiled together as one `RuleSet`, so a position costs one pass per field
//! however many rows there are.

use std::sync::OnceLock;

use serde::Deserialize;

use super::rule_set::RuleSet;

const RULES: &str = include_str!("../../config/rules/category_signals.toml");

/// A verb of supervising people (the noun forms too: "oversight of", "responsible for").
/// Forms, not stems, where a stem would also be a noun ("leads", "direct sales").
const VERB: &str = r"(supervis[a-z]*|manag(e|es|ed|ing)|led|lead|leading|direct(s|ed|ing)|oversaw|overse(e|es|eing)|oversight\s+of|coach(es|ed|ing)?|mentor(s|ed|ing)?|delegat[a-z]*|responsib(le|ility)\s+(for|over))";

/// Nouns for the people a supervisor is responsible for.
const STAFF: &str = r"(teams?|staffs?|crews?|employees?|associates|representatives|reps|agents|personnel|workers|subordinates|direct\s+reports|nurses|aides|technicians|techs|engineers|developers|analysts|specialists|clerks|cashiers|servers|drivers|managers|supervisors|coordinators|assistants|interns|trainees|tellers|bankers|recruiters|consultants|officers|members|cooks|chefs|housekeepers|hires|people|salespeople|sales\s+force|workforce|department)";

/// Up to five words between a verb and its object, within one clause: no full stop, semicolon
/// or line break in between (bullets are lines).
const GAP: &str = r"([ \t,&/()-]+[0-9A-Za-z'-]+){0,5}?[ \t,&/()-]+";

/// A number of people, in digits or words.
const COUNT: &str = r"(\d{1,4}\+?|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundreds?|several|dozens?)";

#[derive(Debug, Deserialize)]
struct RulesFile {
    rule: Vec<Row>,
}

#[derive(Debug, Deserialize)]
struct Row {
    id: String,
    field: Field,
    pattern: String,
    /// Checked by this file's unit test.
    #[serde(flatten)]
    #[cfg_attr(not(test), allow(dead_code))]
    examples: crate::parse::RuleExamples,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Field {
    Title,
    Description,
}

/// The rows of one field, compiled together on first use.
///
/// Why lazily: the shipped category model weighs no signal row (`Categories` asks it), so a
/// parse never matches them, and compiling them was a twentieth of a one-file
/// `shortlist parse`. Training and evaluation, which do match them, compile them once.
#[derive(Debug, Clone)]
struct FieldRules {
    ids: Vec<String>,
    patterns: Vec<String>,
    set: OnceLock<RuleSet>,
}

impl FieldRules {
    fn new(rows: Vec<(String, String)>) -> Self {
        let (ids, patterns) = rows.into_iter().unzip();
        Self {
            ids,
            patterns,
            set: OnceLock::new(),
        }
    }

    fn set(&self) -> &RuleSet {
        self.set.get_or_init(|| {
            // The shipped rows are checked by the unit tests; a broken one is a build defect.
            RuleSet::new(&self.patterns, true, super::LAZY_DFA_CACHE_BYTES)
                .unwrap_or_else(|e| panic!("invalid category signal: {e}"))
        })
    }

    fn fired<'a>(&'a self, text: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.set()
            .matches(text)
            .into_iter()
            .map(|index| self.ids[index].as_str())
    }
}

/// The shipped signal rows, ready to match.
#[derive(Debug, Clone)]
pub struct CategorySignals {
    title: FieldRules,
    description: FieldRules,
}

impl Default for CategorySignals {
    fn default() -> Self {
        Self::new()
    }
}

impl CategorySignals {
    pub fn new() -> Self {
        let file: RulesFile = toml::from_str(RULES)
            .unwrap_or_else(|e| panic!("config/rules/category_signals.toml is not valid: {e}"));
        let mut title = Vec::new();
        let mut description = Vec::new();
        for row in file.rule {
            let (id, pattern) = (row.id, expand(&row.pattern));
            match row.field {
                Field::Title => title.push((id, pattern)),
                Field::Description => description.push((id, pattern)),
            }
        }
        Self {
            title: FieldRules::new(title),
            description: FieldRules::new(description),
        }
    }

    /// Every row's id.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.title
            .ids
            .iter()
            .chain(&self.description.ids)
            .map(String::as_str)
    }

    /// The ids of the rows that fire on this position, title rows first.
    pub fn fired(&self, title: &str, description: &str) -> Vec<&str> {
        self.title
            .fired(title)
            .chain(self.description.fired(description))
            .collect()
    }
}

/// A row's pattern with the shared fragments put in and `\b` on ASCII word edges.
fn expand(pattern: &str) -> String {
    super::ascii_word_edges(
        &pattern
            .replace("{verb}", VERB)
            .replace("{staff}", STAFF)
            .replace("{gap}", GAP)
            .replace("{count}", COUNT),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signal_matches_its_examples() {
        let signals = CategorySignals::new();
        let file: RulesFile = toml::from_str(RULES).unwrap();
        for row in &file.rule {
            assert!(!row.examples.matches.is_empty(), "{}: has examples", row.id);
            let fires = |text: &str| match row.field {
                Field::Title => signals.fired(text, "").contains(&row.id.as_str()),
                Field::Description => signals.fired("", text).contains(&row.id.as_str()),
            };
            for example in &row.examples.matches {
                assert!(fires(example), "{} matches {example:?}", row.id);
            }
            for counter in &row.examples.not_matches {
                assert!(!fires(counter), "{} does not match {counter:?}", row.id);
            }
        }
    }

    #[test]
    fn ids_are_unique() {
        let file: RulesFile = toml::from_str(RULES).unwrap();
        let mut ids: Vec<&str> = file.rule.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len());
    }
}
