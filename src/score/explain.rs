//! Explanations: each requirement's verdict, credit and the profile's words behind it. Built only
//! for the results a ranking returns, from the full [`Profile`]. Verdicts and credits come from
//! the very code that scores ([`Scorer`] over [`Features`]), so an explanation always agrees with
//! the score; this module only adds the evidence.

use crate::profile::{Category, Position, Profile, TravelStatus};
use crate::role::{ExperienceCategory, Requirement, Role, Spec, vocab};

use super::features::location_words;
use super::quotes::{DocumentLines, Quote};
use super::{Features, RequirementResult, Scorer, Verdict};

/// Longest evidence quote, in characters: enough to check the fact, short enough to list.
const MAX_QUOTE: usize = 200;
/// Positions listed as evidence for one experience requirement.
const MAX_POSITIONS: usize = 6;

/// Explains a role against a profile, with keyword requirements unknown.
pub fn explain(role: &Role, profile: &Profile) -> Vec<RequirementResult> {
    explain_with(role, profile, &mut |_| None)
}

/// Explains a role against a profile; `keyword_matched(query)` says whether the resume's text
/// matches a full-text query (keyword requirements, and skills or certifications outside the
/// vocabulary), `None` when not known.
pub fn explain_with(
    role: &Role,
    profile: &Profile,
    keyword_matched: &mut dyn FnMut(&str) -> Option<bool>,
) -> Vec<RequirementResult> {
    match Scorer::compile(role) {
        Ok(scorer) => {
            let answers: Vec<Option<bool>> = scorer.queries().map(&mut *keyword_matched).collect();
            explain_scored(&scorer, profile, None, |term| {
                answers.get(term).copied().flatten()
            })
        }
        Err(error) => role
            .requirements
            .iter()
            .map(|requirement| RequirementResult {
                id: requirement.id.clone(),
                verdict: Verdict::Unknown,
                score: 0.0,
                evidence: vec![format!("the role does not compile: {error}")],
                quotes: Vec::new(),
                label: requirement.label.clone(),
                must_have: requirement.must_have,
                via: None,
                overridden: None,
            })
            .collect(),
    }
}

impl Scorer {
    /// Explains this scorer's role for the candidate in `slot` (full-text requirements answered
    /// by the sets given to [`Scorer::compile_with`]), or with them unknown when `slot` is `None`.
    pub fn explain(&self, profile: &Profile, slot: Option<usize>) -> Vec<RequirementResult> {
        self.explain_in(profile, None, slot)
    }

    /// [`Scorer::explain`], with each fact found again in the resume's extracted `text` and
    /// quoted with its line and page (keyword requirements quote the lines that matched).
    pub fn explain_in(
        &self,
        profile: &Profile,
        text: Option<&str>,
        slot: Option<usize>,
    ) -> Vec<RequirementResult> {
        let lines = text.map(|text| DocumentLines::new(text, &profile.document.page_starts));
        explain_scored(self, profile, lines.as_ref(), |term| {
            let slot = slot?;
            self.terms
                .get(term)
                .and_then(|t| t.matches.as_ref())
                .map(|set| set.contains(slot))
        })
    }
}

fn explain_scored(
    scorer: &Scorer,
    profile: &Profile,
    lines: Option<&DocumentLines>,
    term: impl Fn(usize) -> Option<bool>,
) -> Vec<RequirementResult> {
    let features = Features::from_profile(profile);
    let mut results = Vec::with_capacity(scorer.nodes.len());
    for (node, requirement) in scorer.nodes.iter().zip(&scorer.role.requirements) {
        let (credit, verdict, test_index) = scorer.node_credit(node, &features, &term);
        let (counted, via) = match &requirement.spec {
            Spec::AnyOf { alternatives } => {
                let chosen = alternatives.get(test_index - node.tests.start);
                (chosen.unwrap_or(requirement), chosen.map(|r| r.id.clone()))
            }
            _ => (requirement, None),
        };
        let answered = counted_term(scorer, test_index).and_then(&term);
        let mut sources = Sources {
            lines,
            quotes: Vec::new(),
        };
        let mut evidence =
            evidence_for(counted, profile, &features, verdict, answered, &mut sources);
        // A line stating age, gender, religion or the like is never put forward as a reason;
        // the explanation says that something was withheld rather than look unfounded.
        let quoted = evidence.len();
        evidence.retain(|quote| !super::protected::is_protected(quote));
        sources
            .quotes
            .retain(|quote| !super::protected::is_protected(&quote.text));
        if quoted > 0 && evidence.is_empty() {
            evidence.push(super::protected::WITHHELD.to_owned());
        }
        if let Some(chosen) = &via {
            evidence.insert(0, format!("via {chosen}: {}", counted.display_label()));
        }
        results.push(RequirementResult {
            id: requirement.id.clone(),
            verdict,
            score: (credit * 100.0).round() / 100.0,
            evidence,
            quotes: sources.quotes,
            label: requirement.label.clone(),
            must_have: requirement.must_have,
            via,
            overridden: None,
        });
    }
    results
}

fn counted_term(scorer: &Scorer, test_index: usize) -> Option<usize> {
    use super::Test;
    match scorer.tests.get(test_index)? {
        Test::Keyword { term } => Some(*term),
        Test::Skill { term, .. } | Test::Certification { term, .. } => *term,
        _ => None,
    }
}

fn quote(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(MAX_QUOTE) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn category_label(category: ExperienceCategory) -> &'static str {
    record_label(category.category())
}

/// What a record of `category` is called in evidence; `None` is all work experience.
fn record_label(category: Option<Category>) -> &'static str {
    match category {
        None => "work experience",
        Some(Category::Sales) => "sales",
        Some(Category::B2bSales) => "B2B",
        Some(Category::AccountManagement) => "account management",
        Some(Category::PeopleManagement) => "people management",
    }
}

/// The resume's lines, when known, and the quotes found in them so far.
struct Sources<'a, 'b> {
    lines: Option<&'b DocumentLines<'a>>,
    quotes: Vec<Quote>,
}

impl Sources<'_, '_> {
    /// Finds a fact's own words in the resume: the quote is kept, and `line` (the evidence
    /// string quoting it) says where it is.
    fn locate(&mut self, line: &mut String, words: &str) {
        let Some(quote) = self.lines.and_then(|lines| lines.locate(words)) else {
            return;
        };
        line.push_str(&format!(" ({})", quote.location()));
        if !self.quotes.contains(&quote) {
            self.quotes.push(quote);
        }
    }
}

fn position_line(position: &Position, what: &str) -> String {
    let mut line = position
        .title
        .clone()
        .unwrap_or_else(|| "Untitled position".to_owned());
    if let Some(employer) = &position.employer {
        line.push_str(" at ");
        line.push_str(employer);
    }
    let start = position
        .start
        .map_or_else(|| "?".to_owned(), |d| d.to_string());
    let end = match (position.end, position.current) {
        (Some(end), _) => end.to_string(),
        (None, true) => "present".to_owned(),
        (None, false) => "?".to_owned(),
    };
    let months = position
        .months
        .map_or_else(|| "unknown months".to_owned(), |m| format!("{m} months"));
    format!("{} {start} to {end}: {months} {what}", quote(&line))
}

fn evidence_for(
    requirement: &Requirement,
    profile: &Profile,
    features: &Features,
    verdict: Verdict,
    answered: Option<bool>,
    sources: &mut Sources,
) -> Vec<String> {
    let mut evidence = Vec::new();
    match &requirement.spec {
        Spec::Experience {
            category,
            min_years,
        } => {
            let label = category_label(*category);
            for position in profile
                .positions
                .iter()
                .filter(|p| {
                    category
                        .category()
                        .is_none_or(|c| p.categories.contains(&c))
                })
                .take(MAX_POSITIONS)
            {
                let mut line = position_line(position, label);
                sources.locate(&mut line, &position.evidence.text);
                evidence.push(line);
            }
            let merged = match category.category() {
                Some(c) => profile.experience.months(c),
                None => profile.experience.total_months,
            };
            if profile.positions.is_empty() {
                evidence.push("the resume lists no positions".to_owned());
            } else {
                evidence.push(format!(
                    "{merged} months of {label} in total (overlaps counted once); {} asked",
                    years_text(*min_years)
                ));
            }
        }
        Spec::TrackRecord {
            category,
            min_years,
            related,
            past_min: _,
            recent,
        } => {
            if profile.positions.is_empty() {
                evidence.push("the resume lists no positions".to_owned());
                return evidence;
            }
            let counted: Vec<(Category, f32)> = std::iter::once((*category, 1.0))
                .chain(related.iter().map(|r| (r.category, r.credit)))
                .collect();
            let mut listed = 0;
            for position in &profile.positions {
                let Some((kind, _)) = counted
                    .iter()
                    .find(|(c, _)| position.categories.contains(c))
                else {
                    continue;
                };
                if listed == MAX_POSITIONS {
                    break;
                }
                listed += 1;
                let mut line = position_line(position, record_label(Some(*kind)));
                sources.locate(&mut line, &position.evidence.text);
                evidence.push(line);
            }
            let asked = record_label(Some(*category));
            evidence.push(format!(
                "{} months of {asked} in total (overlaps counted once); {} asked",
                profile.experience.months(*category),
                years_text(*min_years)
            ));
            if let Some(recent) = recent
                && verdict != Verdict::Unknown
            {
                let latest = features.latest_end_months(*category, related);
                match latest {
                    Some(months) if f32::from(months) > recent.years * 12.0 => evidence.push(format!(
                        "the latest such position ended {months} months before the resume's date; \
                         {} asked, so {:.0}% of the credit counts",
                        years_text(recent.years),
                        recent.credit * 100.0
                    )),
                    Some(months) => evidence.push(format!(
                        "recent: the latest such position ended {months} months before the resume's date"
                    )),
                    None => {}
                }
            }
            for record in related {
                let months = profile.experience.months(record.category);
                if months > 0 {
                    evidence.push(format!(
                        "{months} months of {} count as {asked} at {:.0}%",
                        record_label(Some(record.category)),
                        record.credit * 100.0
                    ));
                }
            }
        }
        Spec::Skill { any_of, min_months } => {
            let wanted_names: Vec<&str> = any_of.iter().map(|s| s.trim()).collect();
            for skill in &profile.skills {
                let in_group = wanted_names.iter().any(|w| {
                    w.strip_prefix("group:")
                        .is_some_and(|g| g.eq_ignore_ascii_case(&skill.group))
                        || vocab::skill_index(&skill.name)
                            .and_then(|i| vocab::SKILLS.get(i))
                            .is_some_and(|(_, group)| {
                                w.strip_prefix("group:")
                                    .is_some_and(|g| g.eq_ignore_ascii_case(group))
                            })
                });
                let named = wanted_names.iter().any(|w| {
                    w.eq_ignore_ascii_case(&skill.name)
                        || (vocab::skill_index(w).is_some()
                            && vocab::skill_index(w) == vocab::skill_index(&skill.name))
                });
                if !(in_group || named) {
                    continue;
                }
                let mut line = skill.name.clone();
                if let Some(months) = skill.months {
                    line.push_str(&format!(" ({months} months)"));
                } else if min_months.is_some() {
                    line.push_str(" (duration not stated)");
                }
                if let Some(first) = skill.evidence.first() {
                    line.push_str(": ");
                    line.push_str(&quote(&first.text));
                    sources.locate(&mut line, &first.text);
                }
                evidence.push(line);
            }
            if answered == Some(true) {
                evidence.push("the resume's text names it".to_owned());
            }
            if evidence.is_empty() && verdict == Verdict::NotMet {
                evidence.push("not among the resume's skills".to_owned());
            }
        }
        Spec::Degree {
            equivalent_years, ..
        } => {
            for education in &profile.education {
                let mut parts = vec![education.level.as_str().replace('_', " ")];
                parts.extend(education.degree.iter().cloned());
                parts.extend(education.field.iter().cloned());
                parts.extend(education.institution.iter().cloned());
                parts.extend(education.year.map(|y| y.to_string()));
                let mut line = quote(&parts.join(", "));
                if !education.completed {
                    line.push_str(" (not completed)");
                }
                if !education.evidence.text.is_empty() {
                    line.push_str(": ");
                    line.push_str(&quote(&education.evidence.text));
                    sources.locate(&mut line, &education.evidence.text);
                }
                evidence.push(line);
            }
            if let Some(years) = equivalent_years {
                let total = features.total_months();
                if f32::from(total) >= years * 12.0 && *years > 0.0 {
                    evidence.push(format!(
                        "{total} months of experience stand in for the degree ({} asked)",
                        years_text(*years)
                    ));
                }
            }
            if profile.education.is_empty() {
                evidence.push("the resume has no education section".to_owned());
            }
        }
        Spec::Travel {} => match (&profile.travel.status, &profile.travel.evidence) {
            (TravelStatus::Unknown, _) => {
                evidence.push("the resume says nothing about travel".to_owned())
            }
            (_, Some(text)) => {
                let mut line = quote(text);
                sources.locate(&mut line, text);
                evidence.push(line);
            }
            (status, None) => evidence.push(format!("travel: {status:?}")),
        },
        Spec::Keyword { query } => {
            // The lines that matched, not the query: the recruiter checks the resume's words.
            let matched = match (answered, sources.lines) {
                (Some(true), Some(lines)) => lines.matching(query),
                _ => Vec::new(),
            };
            if matched.is_empty() {
                evidence.push(match answered {
                    Some(true) => format!("the resume's text matches {query}"),
                    Some(false) => format!("the resume's text does not match {query}"),
                    None => format!("not checked against the text: {query}"),
                });
            }
            for quote in matched {
                evidence.push(format!("{} ({})", quote.text, quote.location()));
                sources.quotes.push(quote);
            }
        }
        Spec::Language { any_of } => {
            for language in &profile.languages {
                if any_of
                    .iter()
                    .any(|l| l.eq_ignore_ascii_case(&language.name))
                {
                    let mut line = language.name.clone();
                    if let Some(level) = &language.proficiency {
                        line.push_str(&format!(" ({level})"));
                    }
                    line.push_str(": ");
                    line.push_str(&quote(&language.evidence.text));
                    sources.locate(&mut line, &language.evidence.text);
                    evidence.push(line);
                }
            }
            if profile.languages.is_empty() {
                evidence.push("the resume lists no languages".to_owned());
            }
        }
        Spec::Certification { any_of } => {
            for certification in &profile.certifications {
                let wanted = vocab::certification_index(&certification.name);
                if any_of.iter().any(|c| {
                    c.eq_ignore_ascii_case(&certification.name)
                        || (wanted.is_some() && vocab::certification_index(c) == wanted)
                }) {
                    let mut line = format!(
                        "{}: {}",
                        certification.name,
                        quote(&certification.evidence.text)
                    );
                    sources.locate(&mut line, &certification.evidence.text);
                    evidence.push(line);
                }
            }
            if answered == Some(true) {
                evidence.push("the resume's text names it".to_owned());
            }
            if profile.certifications.is_empty() && answered.is_none() {
                evidence.push("the resume lists no certifications".to_owned());
            }
        }
        Spec::Location { .. } => match &profile.contact.location {
            Some(location) if location_words(location).next().is_some() => {
                evidence.push(format!("location: {}", quote(location)))
            }
            _ => evidence.push("the resume gives no location".to_owned()),
        },
        Spec::AnyOf { .. } => {}
    }
    evidence
}

fn years_text(years: f32) -> String {
    let months = (years * 12.0).round();
    if months > 0.0 && months % 12.0 == 0.0 {
        format!("{} years", months / 12.0)
    } else {
        format!("{months} months")
    }
}
