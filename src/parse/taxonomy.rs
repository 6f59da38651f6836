//! The skills and languages taxonomies: data in `config/taxonomy/*.toml` (compiled into the
//! binary, or loaded from a directory), matched in one pass with Aho-Corasick on word boundaries.
//!
//! Two automata: one for spellings that are unambiguous in any case ("Salesforce", "SFDC"), one
//! for spellings that are products only as written ("Excel" but not "excel at", "Act!" but not
//! "act"). Matches are collected overlapping and then chosen leftmost-longest, so that
//! "Zoho CRM" is Zoho CRM and not also the generic CRM.

use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use serde::Deserialize;

pub const BUILTIN_SKILLS: &str = include_str!("../../config/taxonomy/skills.toml");
pub const BUILTIN_LANGUAGES: &str = include_str!("../../config/taxonomy/languages.toml");

#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{file} is not a valid taxonomy: {source}")]
    Invalid {
        file: String,
        source: toml::de::Error,
    },
    #[error("the taxonomy cannot be compiled: {0}")]
    Build(#[from] aho_corasick::BuildError),
}

#[derive(Debug, Clone, Deserialize)]
pub struct SkillEntry {
    pub name: String,
    pub group: String,
    #[serde(default)]
    pub synonyms: Vec<String>,
    #[serde(default)]
    pub case_sensitive: Vec<String>,
    #[serde(default)]
    pub not_followed_by: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct SkillsFile {
    skill: Vec<SkillEntry>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LanguageEntry {
    pub name: String,
    #[serde(default)]
    pub synonyms: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct LanguagesFile {
    languages: Vec<LanguageEntry>,
}

/// A term found in text: which entry, and where (byte offsets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub entry: usize,
    pub start: usize,
    pub end: usize,
}

/// An automaton over a list of spellings, each pointing to an entry.
#[derive(Debug, Clone)]
struct TermMatcher {
    insensitive: AhoCorasick,
    insensitive_entry: Vec<usize>,
    sensitive: AhoCorasick,
    sensitive_entry: Vec<usize>,
    /// Per entry: lowercase words that, next after a case-sensitive spelling, reject it.
    not_followed_by: Vec<Vec<String>>,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn at_word_boundaries(text: &str, start: usize, end: usize) -> bool {
    let pattern = text.get(start..end).unwrap_or("");
    let first_is_word = pattern.chars().next().is_some_and(is_word_char);
    let last_is_word = pattern.chars().next_back().is_some_and(is_word_char);
    let before_ok = !first_is_word
        || text
            .get(..start)
            .and_then(|head| head.chars().next_back())
            .is_none_or(|c| !is_word_char(c));
    let after_ok = !last_is_word
        || text
            .get(end..)
            .and_then(|tail| tail.chars().next())
            .is_none_or(|c| !is_word_char(c));
    before_ok && after_ok
}

fn next_word(text: &str, end: usize) -> String {
    text.get(end..)
        .unwrap_or("")
        .split(|c: char| !c.is_alphanumeric())
        .find(|word| !word.is_empty())
        .unwrap_or("")
        .to_lowercase()
}

impl TermMatcher {
    fn build(
        insensitive_terms: Vec<(String, usize)>,
        sensitive_terms: Vec<(String, usize)>,
        not_followed_by: Vec<Vec<String>>,
    ) -> Result<Self, aho_corasick::BuildError> {
        let (insensitive_patterns, insensitive_entry): (Vec<String>, Vec<usize>) =
            insensitive_terms.into_iter().unzip();
        let (sensitive_patterns, sensitive_entry): (Vec<String>, Vec<usize>) =
            sensitive_terms.into_iter().unzip();
        Ok(Self {
            // A full DFA: a few hundred patterns make it small, and it is the fastest to search.
            insensitive: AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .kind(Some(AhoCorasickKind::DFA))
                .match_kind(MatchKind::Standard)
                .build(&insensitive_patterns)?,
            insensitive_entry,
            sensitive: AhoCorasickBuilder::new()
                .kind(Some(AhoCorasickKind::DFA))
                .match_kind(MatchKind::Standard)
                .build(&sensitive_patterns)?,
            sensitive_entry,
            not_followed_by,
        })
    }

    /// Non-overlapping hits on word boundaries, leftmost-longest, in text order.
    fn find(&self, text: &str) -> Vec<Hit> {
        let mut hits: Vec<Hit> = Vec::new();
        for found in self.insensitive.find_overlapping_iter(text) {
            let Some(&entry) = self.insensitive_entry.get(found.pattern().as_usize()) else {
                continue;
            };
            if at_word_boundaries(text, found.start(), found.end()) {
                hits.push(Hit {
                    entry,
                    start: found.start(),
                    end: found.end(),
                });
            }
        }
        for found in self.sensitive.find_overlapping_iter(text) {
            let Some(&entry) = self.sensitive_entry.get(found.pattern().as_usize()) else {
                continue;
            };
            if !at_word_boundaries(text, found.start(), found.end()) {
                continue;
            }
            let rejected = self
                .not_followed_by
                .get(entry)
                .is_some_and(|words| words.contains(&next_word(text, found.end())));
            if !rejected {
                hits.push(Hit {
                    entry,
                    start: found.start(),
                    end: found.end(),
                });
            }
        }
        hits.sort_unstable_by_key(|hit| (hit.start, std::cmp::Reverse(hit.end)));
        let mut chosen: Vec<Hit> = Vec::with_capacity(hits.len());
        for hit in hits {
            if chosen.last().is_none_or(|last| hit.start >= last.end) {
                chosen.push(hit);
            }
        }
        chosen
    }
}

/// The compiled skills and languages taxonomies.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub skills: Vec<SkillEntry>,
    skill_matcher: TermMatcher,
    pub languages: Vec<LanguageEntry>,
    language_matcher: TermMatcher,
}

impl Taxonomy {
    /// The taxonomy compiled into the binary.
    pub fn builtin() -> Result<Self, TaxonomyError> {
        Self::from_toml(BUILTIN_SKILLS, BUILTIN_LANGUAGES)
    }

    /// `skills.toml` and `languages.toml` from `dir`, for deployments that tune the taxonomy
    /// without rebuilding.
    pub fn from_dir(dir: &Path) -> Result<Self, TaxonomyError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| TaxonomyError::Read {
                path: path.display().to_string(),
                source,
            })
        };
        Self::from_toml(&read("skills.toml")?, &read("languages.toml")?)
    }

    pub fn from_toml(skills_toml: &str, languages_toml: &str) -> Result<Self, TaxonomyError> {
        let skills: SkillsFile =
            toml::from_str(skills_toml).map_err(|source| TaxonomyError::Invalid {
                file: "skills.toml".into(),
                source,
            })?;
        let languages: LanguagesFile =
            toml::from_str(languages_toml).map_err(|source| TaxonomyError::Invalid {
                file: "languages.toml".into(),
                source,
            })?;
        let mut insensitive = Vec::new();
        let mut sensitive = Vec::new();
        for (index, skill) in skills.skill.iter().enumerate() {
            for term in &skill.synonyms {
                insensitive.push((term.clone(), index));
            }
            for term in &skill.case_sensitive {
                sensitive.push((term.clone(), index));
            }
        }
        let not_followed_by = skills
            .skill
            .iter()
            .map(|skill| {
                skill
                    .not_followed_by
                    .iter()
                    .map(|w| w.to_lowercase())
                    .collect()
            })
            .collect();
        let skill_matcher = TermMatcher::build(insensitive, sensitive, not_followed_by)?;

        let mut language_terms = Vec::new();
        for (index, language) in languages.languages.iter().enumerate() {
            language_terms.push((language.name.clone(), index));
            for term in &language.synonyms {
                language_terms.push((term.clone(), index));
            }
        }
        let language_matcher = TermMatcher::build(language_terms, Vec::new(), Vec::new())?;
        Ok(Self {
            skills: skills.skill,
            skill_matcher,
            languages: languages.languages,
            language_matcher,
        })
    }

    pub fn find_skills(&self, text: &str) -> Vec<Hit> {
        self.skill_matcher.find(text)
    }

    pub fn find_languages(&self, text: &str) -> Vec<Hit> {
        self.language_matcher.find(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        let taxonomy = Taxonomy::builtin().unwrap();
        taxonomy
            .find_skills(text)
            .iter()
            .map(|hit| taxonomy.skills[hit.entry].name.clone())
            .collect()
    }

    #[test]
    fn the_builtin_taxonomy_has_the_contract_names_once() {
        let taxonomy = Taxonomy::builtin().unwrap();
        let mut names: Vec<&str> = taxonomy.skills.iter().map(|s| s.name.as_str()).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a skill name appears twice");
        for crm in [
            "Salesforce",
            "HubSpot",
            "Zoho CRM",
            "Microsoft Dynamics",
            "Siebel",
            "SAP CRM",
            "Oracle CRM",
            "NetSuite",
            "Pipedrive",
            "SugarCRM",
            "Act!",
            "GoldMine",
            "SalesLogix",
            "CRM",
        ] {
            let entry = taxonomy.skills.iter().find(|s| s.name == crm).unwrap();
            assert_eq!(entry.group, "crm", "{crm}");
        }
        let excel = taxonomy
            .skills
            .iter()
            .find(|s| s.name == "Microsoft Excel")
            .unwrap();
        assert_eq!(excel.group, "office");
    }

    #[test]
    fn the_taxonomy_directory_loads_like_the_builtin() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/taxonomy");
        let loaded = Taxonomy::from_dir(&dir).unwrap();
        assert_eq!(
            loaded.skills.len(),
            Taxonomy::builtin().unwrap().skills.len()
        );
        assert!(Taxonomy::from_dir(std::path::Path::new("/nonexistent")).is_err());
    }

    #[test]
    fn finds_crm_products_by_vendor_name() {
        assert_eq!(
            names("Used SFDC and Salesforce.com daily"),
            ["Salesforce", "Salesforce"]
        );
        assert_eq!(
            names("Zoho CRM, Dynamics 365"),
            ["Zoho CRM", "Microsoft Dynamics"]
        );
        assert_eq!(names("entered leads in the CRM"), ["CRM"]);
        assert_eq!(names("ACT! and GoldMine"), ["Act!", "GoldMine"]);
        assert_eq!(names("Microsoft Dynamics GP"), ["Microsoft Dynamics ERP"]);
        assert!(names("led a sales force of 20").is_empty());
    }

    #[test]
    fn ignores_common_words_that_look_like_products() {
        assert!(names("I excel at closing and act fast").is_empty());
        assert!(names("Strive to Excel in every role").is_empty());
        assert!(names("word of mouth referrals").is_empty());
        assert!(names("Scrmable").is_empty());
        assert_eq!(
            names("Proficient in Excel and Word."),
            ["Microsoft Excel", "Microsoft Word"]
        );
    }
}
