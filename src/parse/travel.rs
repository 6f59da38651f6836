//! Travel: willing or able to travel, a job that plainly involved it (a territory covering five
//! states, traveled extensively, attended national conferences or regional tournaments, client
//! meetings held domestically), or a statement that the candidate cannot travel.
//!
//! A "no" statement wins over "yes" signs: it is about the candidate now, where the signs may be
//! about past jobs. Mentions of travel as a subject ("travel arrangements", "Defense Travel
//! System", "travel agent") are not signs.

use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

use super::rule_set::RuleSet;
use crate::profile::TravelStatus;

/// US states by name: a territory "in California and Nevada" or "covering North Carolina, South
/// Carolina and Georgia" spans states.
const US_STATES: &[&str] = &[
    "Alabama",
    "Alaska",
    "Arizona",
    "Arkansas",
    "California",
    "Colorado",
    "Connecticut",
    "Delaware",
    "Florida",
    "Georgia",
    "Hawaii",
    "Idaho",
    "Illinois",
    "Indiana",
    "Iowa",
    "Kansas",
    "Kentucky",
    "Louisiana",
    "Maine",
    "Maryland",
    "Massachusetts",
    "Michigan",
    "Minnesota",
    "Mississippi",
    "Missouri",
    "Montana",
    "Nebraska",
    "Nevada",
    r"New\s+Hampshire",
    r"New\s+Jersey",
    r"New\s+Mexico",
    r"New\s+York",
    r"North\s+Carolina",
    r"North\s+Dakota",
    "Ohio",
    "Oklahoma",
    "Oregon",
    "Pennsylvania",
    r"Rhode\s+Island",
    r"South\s+Carolina",
    r"South\s+Dakota",
    "Tennessee",
    "Texas",
    "Utah",
    "Vermont",
    "Virginia",
    "Washington",
    r"West\s+Virginia",
    "Wisconsin",
    "Wyoming",
];

/// The shipped rules: one row per class of phrasing, with the examples each must and must not
/// match (see the file's header).
const RULES: &str = include_str!("../../config/rules/travel.toml");

#[derive(Debug, Deserialize)]
struct RulesFile {
    rule: Vec<RuleRow>,
}

#[derive(Debug, Deserialize)]
struct RuleRow {
    id: String,
    status: String,
    pattern: String,
    #[serde(default)]
    not_before: Option<String>,
    #[serde(default)]
    not_after: Option<String>,
    /// Checked by this file's unit test.
    #[serde(flatten)]
    #[cfg_attr(not(test), allow(dead_code))]
    examples: crate::parse::RuleExamples,
}

#[derive(Debug)]
struct Rule {
    id: String,
    status: TravelStatus,
    /// The row's patterns with `{states}` expanded, compiled on the rule's first use.
    sources: RuleSources,
    compiled: OnceLock<RulePatterns>,
}

#[derive(Debug)]
struct RuleSources {
    pattern: String,
    not_before: Option<String>,
    not_after: Option<String>,
}

#[derive(Debug)]
struct RulePatterns {
    pattern: Regex,
    not_before: Option<Regex>,
    not_after: Option<Regex>,
}

impl Rule {
    /// The rule's own patterns, compiled the first time a text can match it ([`TravelReader::any`]
    /// says when). Why lazily: each rule is compiled a second time here, beside the set, and
    /// two of them hold the fifty states' alternation several times over; a text matches
    /// two or three rules at most, so most are never needed.
    fn patterns(&self) -> &RulePatterns {
        self.compiled.get_or_init(|| {
            let compile = super::compile_ascii_words;
            RulePatterns {
                pattern: compile(&self.sources.pattern),
                not_before: self.sources.not_before.as_deref().map(compile),
                not_after: self.sources.not_after.as_deref().map(compile),
            }
        })
    }
}

/// Words after, before or around a match that make it no journey of the candidate's: compiled
/// only when a rule matched.
#[derive(Debug)]
struct ContextFilters {
    /// Words after a match that make it someone else's travel ("travel arrangements").
    not_candidate_after: Regex,
    /// Words just before a match that make it no journey of the candidate's: a licence or policy
    /// "covering 40 countries", "management of a 9-state region" (a remit, not travel).
    not_candidate_before: Regex,
    /// Words on the line that make it a pastime ("Hobbies: International Travel").
    pastime: Regex,
}

impl ContextFilters {
    fn new() -> Self {
        let compile = super::compile_ascii_words;
        Self {
            not_candidate_after: compile(
                r"(?i)^[\s/]*(arrangements?|plans?|planning|bookings?|booked|itinerar[0-9A-Za-z_]*|expenses?|reservations?|logistics|schedules?|budgets?|agency|agencies|agents?|industry|insurance|coordinat[0-9A-Za-z_]*|requests?|reimbursements?|authorizations?|documents?|vouchers?|orders?|management|system|policy|policies|needs|accommodations?|visas?|graphics|displays?\s+design)\b",
            ),
            not_candidate_before: compile(
                r"(?i)\b(licens[0-9A-Za-z_]*|certific[0-9A-Za-z_]*|polic(y|ies)|coverage|management\s+of(\s+[0-9A-Za-z_]+){0,2}|design(ed|ing)?(\s+[0-9A-Za-z_]+){0,2}|book(ed|ing)?(\s+[0-9A-Za-z_]+){0,2}|for\s+(the\s+)?(staff|employees|team|others|executives|attendees|clients)(\s+on)?|logistics\s+(for|of))[\s-]*$",
            ),
            pastime: compile(r"(?i)\b(hobbies|interests|enjoy|enjoys|love|loves|passion)\b"),
        }
    }
}

#[derive(Debug)]
pub struct TravelReader {
    rules: Vec<Rule>,
    /// Every rule's pattern at once: one pass says which rules can match at all.
    any: RuleSet,
    filters: OnceLock<ContextFilters>,
}

/// What the reader found: the status, where its words are, and the rule that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct TravelFinding {
    pub status: TravelStatus,
    pub span: Option<(usize, usize)>,
    pub rule: Option<String>,
}

impl Default for TravelReader {
    fn default() -> Self {
        Self::new()
    }
}

impl TravelReader {
    pub fn new() -> Self {
        // ASCII case folding for the state names: Unicode folding ("k" also matching the Kelvin
        // sign, "s" the long s) made each of the nine copies of the fifty names several times
        // larger to compile, for letters no resume writes in a state's name.
        let states = format!("(?-u:({}))", US_STATES.join("|"));
        // The shipped file is checked by the unit tests; a broken one is a build defect.
        let file: RulesFile = toml::from_str(RULES).expect("config/rules/travel.toml parses");
        let expand = |pattern: &str| format!("(?i){}", pattern.replace("{states}", &states));
        let rules: Vec<Rule> = file
            .rule
            .iter()
            .map(|row| Rule {
                id: row.id.clone(),
                status: match row.status.as_str() {
                    "no" => TravelStatus::No,
                    _ => TravelStatus::Yes,
                },
                sources: RuleSources {
                    pattern: expand(&row.pattern),
                    not_before: row.not_before.as_deref().map(expand),
                    not_after: row.not_after.as_deref().map(expand),
                },
                compiled: OnceLock::new(),
            })
            .collect();
        // ASCII word boundaries, as `compile_ascii_words` gives each rule (its comment says why).
        // With the same lazy DFA cache as each rule (`LAZY_DFA_CACHE_BYTES`).
        let any = RuleSet::new(
            rules
                .iter()
                .map(|rule| super::ascii_word_edges(&rule.sources.pattern)),
            false,
            super::LAZY_DFA_CACHE_BYTES,
        )
        .expect("the travel rules compile together");
        Self {
            rules,
            any,
            filters: OnceLock::new(),
        }
    }

    /// The status, the words that show it and the rule that found them: a "no" rule wins;
    /// else the earliest "yes" match in the text that is the candidate's own journey.
    pub fn find(&self, text: &str) -> TravelFinding {
        let candidates: Vec<&Rule> = self
            .any
            .matches(text)
            .into_iter()
            .map(|index| &self.rules[index])
            .collect();
        for status in [TravelStatus::No, TravelStatus::Yes] {
            let mut earliest: Option<(usize, usize, &Rule)> = None;
            for rule in candidates.iter().filter(|rule| rule.status == status) {
                if let Some((start, end)) = self.first_own_match(rule, text)
                    && earliest.is_none_or(|(s, _, _)| start < s)
                {
                    earliest = Some((start, end, rule));
                }
            }
            if let Some((start, end, rule)) = earliest {
                return TravelFinding {
                    status,
                    span: Some((start, end)),
                    rule: Some(rule.id.clone()),
                };
            }
        }
        TravelFinding {
            status: TravelStatus::Unknown,
            span: None,
            rule: None,
        }
    }

    /// The first match of `rule` that passes the context checks.
    fn first_own_match(&self, rule: &Rule, text: &str) -> Option<(usize, usize)> {
        let patterns = rule.patterns();
        let filters = self.filters.get_or_init(ContextFilters::new);
        patterns.pattern.find_iter(text).find_map(|m| {
            let after = text.get(m.end()..).unwrap_or("");
            let (line_start, _) = super::lines::line_bounds(text, m.start(), m.start());
            let before = text.get(line_start..m.start()).unwrap_or("");
            let refused = rule.status == TravelStatus::Yes
                && (filters.not_candidate_after.is_match(after)
                    || filters.pastime.is_match(before)
                    || filters.not_candidate_before.is_match(before)
                    || patterns
                        .not_before
                        .as_ref()
                        .is_some_and(|re| re.is_match(before))
                    || patterns
                        .not_after
                        .as_ref()
                        .is_some_and(|re| re.is_match(after)));
            (!refused).then_some((m.start(), m.end()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(text: &str) -> TravelStatus {
        TravelReader::new().find(text).status
    }

    /// Each row of config/rules/travel.toml fires on its examples and on none of its
    /// counter-examples, with the reader's context checks applied.
    #[test]
    fn every_travel_rule_matches_its_examples() {
        let reader = TravelReader::new();
        let file: RulesFile = toml::from_str(RULES).unwrap();
        assert_eq!(file.rule.len(), reader.rules.len());
        for (row, rule) in file.rule.iter().zip(&reader.rules) {
            assert!(!row.examples.matches.is_empty(), "{}: has examples", row.id);
            for example in &row.examples.matches {
                assert!(
                    reader.first_own_match(rule, example).is_some(),
                    "{} matches {example:?}",
                    row.id
                );
            }
            for counter in &row.examples.not_matches {
                assert!(
                    reader.first_own_match(rule, counter).is_none(),
                    "{} does not match {counter:?}",
                    row.id
                );
            }
        }
    }

    #[test]
    fn the_reader_names_the_rule_that_fired() {
        let finding = TravelReader::new().find("Exhibited at trade shows in Chicago.");
        assert_eq!(finding.status, TravelStatus::Yes);
        assert_eq!(finding.rule.as_deref(), Some("events_away"));
        let finding = TravelReader::new().find("Booked travel arrangements. Unable to travel.");
        assert_eq!(finding.status, TravelStatus::No);
    }

    #[test]
    fn reads_travel_statements() {
        assert_eq!(status("Willing to travel 50%"), TravelStatus::Yes);
        assert_eq!(
            status("Position requires travel up to 50%"),
            TravelStatus::Yes
        );
        assert_eq!(
            status("Managed a territory covering five states"),
            TravelStatus::Yes
        );
        assert_eq!(
            status("Traveled extensively across the Midwest"),
            TravelStatus::Yes
        );
        assert_eq!(status("Unable to travel due to family"), TravelStatus::No);
        assert_eq!(
            status("Booked travel arrangements for executives"),
            TravelStatus::Unknown
        );
        assert_eq!(status("Defense Travel System (DTS)"), TravelStatus::Unknown);
        assert_eq!(
            status("Handled domestic and international travel arrangements"),
            TravelStatus::Unknown
        );
        assert_eq!(
            status("Hobbies: International Travel, Cruising"),
            TravelStatus::Unknown
        );
    }

    #[test]
    fn reads_territories_across_states_and_travel_shares() {
        for yes in [
            "Travels 35% for out of state recruitment.",
            "traveling to meet individual customers",
            "Director of Business Development covering North\nCarolina, South Carolina and Georgia.",
            "a sales territory comprised of commercial accounts in California and Nevada.",
            "Increased territory penetration 25% from 19 to 25 States.",
            "Attended regional and national AAU tournaments to recruit student-athletes",
            "prospecting, cold calling, attending national conferences",
            "Consistently arranges client meetings locally and domestically",
        ] {
            assert_eq!(status(yes), TravelStatus::Yes, "{yes}");
        }
        for unknown in [
            "Earned CIPS certification licensing covering 40 countries",
            "Manage travel and budget for staff on-site visits",
            "Manage event logistics for tradeshows and sales meetings",
            "small accounts across the tri state area",
            "Assisted the Director in management of large 9-state region",
            "Attended local networking events",
        ] {
            assert_eq!(status(unknown), TravelStatus::Unknown, "{unknown}");
        }
    }
}
