//! The skills and languages taxonomies: data in `config/taxonomy/*.toml` (compiled into the
//! binary, or loaded from a directory), matched in one pass with Aho-Corasick on word boundaries.
//!
//! Two automata: one for spellings that are unambiguous in any case ("Salesforce", "SFDC"), one
//! for spellings that are products only as written ("Excel" but not "excel at", "Act!" but not
//! "act"). Matches are collected overlapping and then chosen leftmost-longest, so that
//! "Zoho CRM" is Zoho CRM and not also the generic CRM.
//!
//! A third kind of spelling is a product only as an item of a software list ("ACT" beside
//! "Microsoft Office, Adobe Acrobat"; "Sales Force" in a list with Excel and Outlook): alone it is
//! an exam or a team of sellers, so it counts only where other software is listed with it.

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
    /// Spellings (as written) that name the skill only as a whole item of a list that also
    /// names software ("Microsoft Office, Adobe Acrobat, ACT."): see [`SOFTWARE_GROUPS`].
    #[serde(default)]
    pub in_software_list: Vec<String>,
}

/// Groups whose skills are software products: a list naming one of them is a software list.
const SOFTWARE_GROUPS: &[&str] = &[
    "crm",
    "office",
    "erp",
    "accounting",
    "analytics",
    "marketing_tool",
    "sales_tool",
];

/// How far a one-item line looks for the rest of its list (one item per line), in lines.
const LIST_NEIGHBOUR_LINES: usize = 12;
/// Lines longer than this are prose, not list items.
const LIST_ITEM_MAX_LEN: usize = 60;

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
    /// Per case-sensitive pattern: it counts only as an item of a software list.
    sensitive_listed: Vec<bool>,
    /// Per entry: it is a software product (its group is one of [`SOFTWARE_GROUPS`]).
    software: Vec<bool>,
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

/// The byte range of the line holding `at`, without its newline.
fn line_around(text: &str, at: usize) -> (usize, usize) {
    super::lines::line_bounds(text, at, at)
}

/// Whether `start..end` is a whole list item: between list separators (`,` `;` `/` `|` `•`
/// `:` brackets, "and", the line's ends) with nothing else but spaces and a final full stop.
fn is_whole_item(text: &str, start: usize, end: usize) -> bool {
    let (line_start, line_end) = line_around(text, start);
    let before = text.get(line_start..start).unwrap_or("").trim_end();
    let after = text.get(end..line_end).unwrap_or("").trim_start();
    let separated_before = before.is_empty()
        || before.ends_with([',', ';', '/', '|', '•', ':', '(', '·', '-'])
        || before.ends_with(" and")
        || before.ends_with(" &");
    let after = after.strip_prefix('.').map_or(after, str::trim_start);
    let separated_after = after.is_empty()
        || after.starts_with([',', ';', '/', '|', '•', ')', '·'])
        || after.starts_with("and ")
        || after.starts_with("& ");
    separated_before && separated_after
}

/// The range of text a list item's list spans: its line, or, for an item alone on a short
/// line, the run of short lines around it (a list written one item per line).
fn list_around(text: &str, start: usize, end: usize) -> (usize, usize) {
    let (line_start, line_end) = line_around(text, start);
    let line = text.get(line_start..line_end).unwrap_or("").trim();
    let alone = line.len() <= end - start + 1;
    if !alone {
        return (line_start, line_end);
    }
    let mut from = line_start;
    for _ in 0..LIST_NEIGHBOUR_LINES {
        let Some(prev_end) = from.checked_sub(1) else {
            break;
        };
        let (s, _) = line_around(text, prev_end);
        if text.get(s..prev_end).unwrap_or("").len() > LIST_ITEM_MAX_LEN {
            break;
        }
        from = s;
    }
    let mut to = line_end;
    for _ in 0..LIST_NEIGHBOUR_LINES {
        if to >= text.len() {
            break;
        }
        let (_, e) = line_around(text, to + 1);
        if text.get(to + 1..e).unwrap_or("").len() > LIST_ITEM_MAX_LEN {
            break;
        }
        to = e;
    }
    (from, to)
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
        sensitive_terms: Vec<(String, usize, bool)>,
        not_followed_by: Vec<Vec<String>>,
        software: Vec<bool>,
    ) -> Result<Self, aho_corasick::BuildError> {
        let (insensitive_patterns, insensitive_entry): (Vec<String>, Vec<usize>) =
            insensitive_terms.into_iter().unzip();
        let mut sensitive_patterns = Vec::with_capacity(sensitive_terms.len());
        let mut sensitive_entry = Vec::with_capacity(sensitive_terms.len());
        let mut sensitive_listed = Vec::with_capacity(sensitive_terms.len());
        for (pattern, entry, listed) in sensitive_terms {
            sensitive_patterns.push(pattern);
            sensitive_entry.push(entry);
            sensitive_listed.push(listed);
        }
        Ok(Self {
            // A contiguous NFA, not a full DFA: the DFA searched a little faster, but building
            // it (a transition for every state and byte class) was a third of a one-file
            // `shortlist parse`, more than extracting and parsing the resume; the NFA builds in
            // a fraction of that, and a resume is searched once.
            insensitive: AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .match_kind(MatchKind::Standard)
                .build(&insensitive_patterns)?,
            insensitive_entry,
            sensitive: AhoCorasickBuilder::new()
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .match_kind(MatchKind::Standard)
                .build(&sensitive_patterns)?,
            sensitive_entry,
            not_followed_by,
            sensitive_listed,
            software,
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
        let mut listed: Vec<Hit> = Vec::new();
        for found in self.sensitive.find_overlapping_iter(text) {
            let pattern = found.pattern().as_usize();
            let Some(&entry) = self.sensitive_entry.get(pattern) else {
                continue;
            };
            if !at_word_boundaries(text, found.start(), found.end()) {
                continue;
            }
            if self.sensitive_listed.get(pattern).copied().unwrap_or(false) {
                listed.push(Hit {
                    entry,
                    start: found.start(),
                    end: found.end(),
                });
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
        if listed.is_empty() {
            return chosen;
        }
        let mut accepted = Vec::new();
        for hit in listed {
            if !is_whole_item(text, hit.start, hit.end) {
                continue;
            }
            let (from, to) = list_around(text, hit.start, hit.end);
            let with_software = chosen.iter().any(|other| {
                from <= other.start
                    && other.end <= to
                    && self.software.get(other.entry).copied().unwrap_or(false)
            });
            let overlaps = chosen
                .iter()
                .any(|other| other.start < hit.end && hit.start < other.end);
            if with_software && !overlaps {
                accepted.push(hit);
            }
        }
        chosen.extend(accepted);
        chosen.sort_unstable_by_key(|hit| hit.start);
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
                sensitive.push((term.clone(), index, false));
            }
            for term in &skill.in_software_list {
                sensitive.push((term.clone(), index, true));
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
        let software = skills
            .skill
            .iter()
            .map(|skill| SOFTWARE_GROUPS.contains(&skill.group.as_str()))
            .collect();
        let skill_matcher = TermMatcher::build(insensitive, sensitive, not_followed_by, software)?;

        let mut language_terms = Vec::new();
        for (index, language) in languages.languages.iter().enumerate() {
            language_terms.push((language.name.clone(), index));
            for term in &language.synonyms {
                language_terms.push((term.clone(), index));
            }
        }
        let language_matcher =
            TermMatcher::build(language_terms, Vec::new(), Vec::new(), Vec::new())?;
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
    fn reads_list_only_spellings_as_products_only_in_software_lists() {
        assert_eq!(
            names("Managed desktop applications: Microsoft Office, Adobe Acrobat, ACT."),
            ["Microsoft Office", "Adobe Acrobat", "Act!"]
        );
        assert_eq!(
            names("Microsoft Word, Excel, PowerPoint, Sales Force and Outlook"),
            [
                "Microsoft Word",
                "Microsoft Excel",
                "Microsoft PowerPoint",
                "Salesforce",
                "Microsoft Outlook"
            ]
        );
        assert_eq!(
            names("Skills\nMicrosoft Office\nCold Calling\nSales Force\n"),
            ["Microsoft Office", "Cold Calling", "Salesforce"]
        );
        // The exam, a team of sellers, an association: no software listed with them.
        assert!(names("Motivated students for FSA, ACT and SAT").is_empty());
        assert!(names("SAT and ACT testing, using Excel").len() == 1);
        assert!(names("Retail Sales, Sales Activities, Sales Force, Sales Management").is_empty());
        assert!(names("Trained the Sales Force on Excel reporting").len() == 1);
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
