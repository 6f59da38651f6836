//! Drafting a role from job-description text (`POST /v1/roles/draft`): rules over the text's
//! sentences that find what a resume can evidence (years and kinds of experience, CRM and named
//! products, Excel and Office, degree level and fields, travel, team management, languages, the
//! "proven work experience as ..." line) and turn each into a requirement citing its sentence in
//! `source`. The draft is a starting point for a recruiter to edit, never stored by itself.
//!
//! Rules, not a model: a job description is short, its requirement phrases are formulaic, and a
//! recruiter must be able to see why each requirement is there.

use std::sync::LazyLock;

use regex::Regex;

use super::{Requirement, Role, Spec, vocab};
use crate::profile::{Category, DegreeLevel};

/// Longest job description read, in bytes: drafting is linear, but a request is bounded.
const MAX_TEXT: usize = 200_000;

static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").expect("valid regex"));
static TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*#*\s*(.{3,80}?)\s+job description\s*:?\s*$").expect("valid regex")
});
static YEARS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)\s*(?:\(\d{1,2}\)\s*)?\+?\s*(?:or more\s+)?(?:plus\s+)?years?\b",
    )
    .expect("valid regex")
});
static PROVEN_AS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:proven|demonstrated|previous|prior)\s+(?:work\s+)?experience\s+as\s+(?:an?\s+)?(.+)")
        .expect("valid regex")
});
static RECORD_AS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)record of (?:achievement|success)\s+(?:in|as)\s+(?:the\s+|an?\s+)?(.+)")
        .expect("valid regex")
});
/// "sales" as a word: not the "sales" in "Salesforce".
static SALES_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bsales\b").expect("valid regex"));
/// "Excel" as a word: not the "excel" in "Excellent".
static EXCEL_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bexcel\b").expect("valid regex"));
static DEGREE_IN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:degree|diploma|bsc|ba/bs|bachelor'?s?|mba)\s+(?:in|of)\s+(.+)")
        .expect("valid regex")
});

fn number(word: &str) -> Option<f32> {
    let words = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    if let Ok(n) = word.parse::<f32>() {
        return Some(n);
    }
    let lower = word.to_lowercase();
    if let Some(n) = words.iter().position(|w| *w == lower) {
        return Some(n as f32);
    }
    match lower.as_str() {
        "fifteen" => Some(15.0),
        "twenty" => Some(20.0),
        _ => None,
    }
}

/// A sentence of the description, cleaned for matching, with the original words for `source`.
struct Sentence {
    source: String,
    lower: String,
    /// Under a "Requirements"/"Qualifications" heading: stated requirements weigh more than
    /// responsibilities.
    in_requirements: bool,
    /// The line ends in "or": its requirement and the next line's are alternatives.
    ends_with_or: bool,
    line: usize,
}

fn sentences(text: &str) -> Vec<Sentence> {
    let text = if text.len() > MAX_TEXT {
        let mut cut = MAX_TEXT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        &text[..cut]
    } else {
        text
    };
    let clean = TAG.replace_all(text, "");
    let mut out = Vec::new();
    let mut in_requirements = false;
    for (line_number, raw_line) in clean.lines().enumerate() {
        let line = raw_line
            .trim()
            .trim_start_matches(['*', '-', '•', '#', ' ', '\t'])
            .trim();
        if line.is_empty() {
            continue;
        }
        let lower_line = line.to_lowercase();
        let heading = raw_line.trim_start().starts_with('#')
            || (line.len() < 60
                && line == line.to_uppercase()
                && line.chars().any(char::is_alphabetic));
        if heading {
            in_requirements = [
                "requirement",
                "qualification",
                "skills",
                "what you need",
                "must have",
            ]
            .iter()
            .any(|w| lower_line.contains(w));
        }
        let pieces: Vec<&str> = line
            .split_inclusive(". ")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let count = pieces.len();
        for (i, piece) in pieces.into_iter().enumerate() {
            let lower = piece.to_lowercase();
            let trimmed = lower.trim_end_matches(['.', ';', ',', ' ', ':']);
            let ends_with_or = i + 1 == count && (trimmed.ends_with(" or") || trimmed == "or");
            out.push(Sentence {
                source: piece.to_owned(),
                lower,
                in_requirements,
                ends_with_or,
                line: line_number,
            });
        }
    }
    out
}

fn requirement(id: &str, label: &str, sentence: &Sentence, weight: f32, spec: Spec) -> Requirement {
    Requirement {
        id: id.to_owned(),
        label: label.to_owned(),
        weight,
        must_have: false,
        source: Some(sentence.source.clone()),
        spec,
    }
}

/// The experience category a phrase ("Senior account manager", "sales in a B2B segment")
/// names, if any.
fn category_of(phrase: &str) -> Option<Category> {
    let p = phrase.to_lowercase();
    if p.contains("business-to-business") || p.contains("b2b") || p.contains("business to business")
    {
        Some(Category::B2bSales)
    } else if p.contains("account manag")
        || p.contains("account executive")
        || p.contains("key account")
        || p.contains("client manag")
    {
        Some(Category::AccountManagement)
    } else if SALES_WORD.is_match(&p) || p.contains("selling") || p.contains("business development")
    {
        Some(Category::Sales)
    } else if p.contains("team lead")
        || p.contains("supervisor")
        || p.contains("people manag")
        || p.contains("team manag")
    {
        Some(Category::PeopleManagement)
    } else {
        None
    }
}

fn experience_id(category: Category) -> &'static str {
    match category {
        Category::Sales => "sales-years",
        Category::B2bSales => "b2b-sales-years",
        Category::AccountManagement => "account-management-years",
        Category::PeopleManagement => "team-management",
    }
}

/// Years a "proven experience as X" line asks for when it names none: seniority in the title.
fn implied_years(title: &str) -> f32 {
    let t = title.to_lowercase();
    if t.contains("junior") || t.contains("entry") {
        1.0
    } else if t.contains("senior") || t.contains("director") || t.contains("head of") {
        4.0
    } else if t.contains("strategic") || t.contains("key account") || t.contains("lead") {
        3.0
    } else {
        2.0
    }
}

fn draft_sentence(s: &Sentence) -> Vec<Requirement> {
    let l = &s.lower;
    let mut found = Vec::new();
    let core_weight = if s.in_requirements { 1.0 } else { 0.5 };

    // Experience: "proven work experience as a Senior account manager".
    if let Some(title) = PROVEN_AS.captures(&s.source).and_then(|c| c.get(1)) {
        let title = title.as_str();
        if let Some(category) = category_of(title) {
            let mut r = requirement(
                experience_id(category),
                &s.source,
                s,
                3.0,
                Spec::Experience {
                    category: category.into(),
                    min_years: implied_years(title),
                },
            );
            r.must_have = true;
            found.push(r);
        }
    } else if let Some(title) = RECORD_AS.captures(&s.source).and_then(|c| c.get(1)) {
        if let Some(category) = category_of(title.as_str()) {
            let id = if category == Category::AccountManagement {
                "account-manager-record"
            } else {
                experience_id(category)
            };
            found.push(requirement(
                id,
                &s.source,
                s,
                3.0,
                Spec::Experience {
                    category: category.into(),
                    min_years: 3.0,
                },
            ));
        }
    } else if l.contains("experience") {
        // "Minimum six years of sales experience in a business-to-business ... segment".
        let years = YEARS
            .captures(l)
            .and_then(|c| c.get(1))
            .and_then(|m| number(m.as_str()));
        let category = category_of(l);
        match (years, category) {
            (Some(years), Some(category)) => {
                let mut r = requirement(
                    experience_id(category),
                    &s.source,
                    s,
                    3.0,
                    Spec::Experience {
                        category: category.into(),
                        min_years: years,
                    },
                );
                r.must_have = l.contains("minimum") || l.contains("at least") || l.contains("must");
                found.push(r);
            }
            (None, Some(category)) if category != Category::PeopleManagement => {
                // "Solid sales experience in B2B environment", "Hands on experience in sales".
                let years = if category == Category::B2bSales {
                    3.0
                } else {
                    2.0
                };
                let weight = if category == Category::B2bSales {
                    3.0
                } else {
                    2.0
                };
                found.push(requirement(
                    experience_id(category),
                    &s.source,
                    s,
                    weight * core_weight,
                    Spec::Experience {
                        category: category.into(),
                        min_years: years,
                    },
                ));
            }
            _ => {}
        }
    }

    // Team management: stated ("Team management skills") or a duty ("supervise ...").
    let team_words = [
        "team management",
        "manage a team",
        "managing a team",
        "people management",
        "leadership skills",
        "supervise",
        "direct report",
    ];
    if team_words.iter().any(|w| l.contains(w)) {
        let stated = s.in_requirements && !l.contains("may ");
        found.push(requirement(
            "team-management",
            &s.source,
            s,
            if stated { 2.0 } else { 0.5 },
            Spec::Experience {
                category: Category::PeopleManagement.into(),
                min_years: if stated { 2.0 } else { 1.0 },
            },
        ));
    }

    // CRM and named products.
    let named: Vec<&str> = vocab::SKILLS
        .iter()
        .filter(|(name, group)| *group == "crm" && *name != "CRM")
        .map(|(name, _)| *name)
        .filter(|name| vocab::contains_at_word_start(l, &name.to_lowercase()))
        .collect();
    if l.contains("crm") || !named.is_empty() {
        found.push(requirement(
            "crm",
            &s.source,
            s,
            2.0,
            Spec::Skill {
                any_of: vec!["group:crm".to_owned()],
                min_months: None,
            },
        ));
    }
    if !named.is_empty() {
        found.push(requirement(
            "named-crm",
            &named.join(", "),
            s,
            0.5,
            Spec::Skill {
                any_of: named.iter().map(|n| (*n).to_owned()).collect(),
                min_months: None,
            },
        ));
    }

    // Office: Excel named on its own, the suite as a plus, "PC proficiency" as the suite.
    if EXCEL_WORD.is_match(l) {
        found.push(requirement(
            "excel",
            "MS Excel",
            s,
            1.0,
            Spec::Skill {
                any_of: vec!["Microsoft Excel".to_owned()],
                min_months: None,
            },
        ));
    }
    if l.contains("ms office") || l.contains("microsoft office") {
        found.push(requirement(
            "ms-office",
            "MS Office",
            s,
            0.5,
            Spec::Skill {
                any_of: vec!["group:office".to_owned()],
                min_months: None,
            },
        ));
    }
    if l.contains("pc proficiency")
        || l.contains("computer skills")
        || l.contains("computer literate")
    {
        found.push(requirement(
            "pc-proficiency",
            &s.source,
            s,
            1.0,
            Spec::Skill {
                any_of: vec!["group:office".to_owned()],
                min_months: None,
            },
        ));
    }
    if l.contains("negotiation") && s.in_requirements {
        let mut any_of = vec!["Negotiation".to_owned()];
        if l.contains("presentation") {
            any_of.push("Presentation Skills".to_owned());
        }
        found.push(requirement(
            "negotiation",
            &s.source,
            s,
            0.5,
            Spec::Skill {
                any_of,
                min_months: None,
            },
        ));
    }
    if s.in_requirements && (l.contains("large/strategic") || l.contains("strategic customer")) {
        found.push(requirement(
            "strategic-accounts",
            "Large/strategic customer segment",
            s,
            0.5,
            Spec::Keyword {
                query: STRATEGIC_QUERY.to_owned(),
            },
        ));
    }

    if let Some(degree) = draft_degree(s) {
        found.push(degree);
    }

    if vocab::contains_at_word_start(l, "travel") {
        let occasional = l.contains("occasional") || l.contains("may require");
        found.push(requirement(
            "travel",
            &s.source,
            s,
            if occasional { 0.5 } else { 1.0 },
            Spec::Travel {},
        ));
    }

    if ["fluent", "speak", "language", "bilingual", "proficien"]
        .iter()
        .any(|w| l.contains(w))
    {
        let languages: Vec<String> = vocab::LANGUAGES
            .iter()
            .filter(|name| vocab::contains_at_word_start(l, &name.to_lowercase()))
            .map(|name| (*name).to_owned())
            .collect();
        if !languages.is_empty() {
            found.push(requirement(
                "language",
                &s.source,
                s,
                1.0,
                Spec::Language { any_of: languages },
            ));
        }
    }

    if s.in_requirements && (l.contains("sales performance metrics") || l.contains("sales metrics"))
    {
        found.push(requirement(
            "sales-metrics",
            &s.source,
            s,
            0.5,
            Spec::Keyword {
                query: "\"sales metrics\" OR \"performance metrics\" OR KPI OR KPIs OR quota OR quotas OR forecasting".to_owned(),
            },
        ));
    }
    found
}

const STRATEGIC_QUERY: &str = "\"key account\" OR \"key accounts\" OR \"strategic account\" OR \"strategic accounts\" OR \"national account\" OR \"national accounts\" OR \"named accounts\" OR enterprise";

fn draft_degree(s: &Sentence) -> Option<Requirement> {
    let l = &s.lower;
    let level = if l.contains("master") || vocab::contains_at_word_start(l, "mba") {
        DegreeLevel::Master
    } else if l.contains("bsc")
        || l.contains("ba/bs")
        || l.contains("bachelor")
        || l.contains("b.s.")
        || l.contains("b.a.")
        || l.contains("college degree")
        || l.contains("university degree")
        || l.contains("four year")
        || l.contains("four-year")
        || l.contains("4-year")
        || l.contains("4 year")
    {
        DegreeLevel::Bachelor
    } else if l.contains("associate degree") || l.contains("associate's degree") {
        DegreeLevel::Associate
    } else if l.contains("high school") || l.contains("ged") {
        DegreeLevel::HighSchool
    } else {
        return None;
    };
    if !(l.contains("degree")
        || l.contains("bsc")
        || l.contains("ba/bs")
        || l.contains("bachelor")
        || l.contains("diploma")
        || l.contains("mba")
        || l.contains("high school"))
    {
        return None;
    }
    let mut fields = Vec::new();
    if let Some(list) = DEGREE_IN.captures(&s.source).and_then(|c| c.get(1)) {
        for part in list
            .as_str()
            .split([',', ';', '/'])
            .flat_map(|p| p.split(" or "))
            .flat_map(|p| p.split(" and "))
        {
            let part = part.trim().trim_end_matches('.');
            let lower = part.to_lowercase();
            if part.is_empty() || lower.contains("relevant") || lower.contains("related") {
                continue;
            }
            if vocab::resolve_field(part).is_some() && !fields.iter().any(|f: &String| f == part) {
                fields.push(part.to_owned());
            }
        }
    }
    let related_fields = l.contains("relevant") || l.contains("related") || fields.is_empty();
    let equivalent_years = l.contains("equivalent").then(|| {
        YEARS
            .captures(l)
            .and_then(|c| c.get(1))
            .and_then(|m| number(m.as_str()))
            .unwrap_or(4.0)
    });
    let weight = if fields.is_empty() { 2.0 } else { 1.5 };
    Some(requirement(
        "degree",
        &s.source,
        s,
        weight,
        Spec::Degree {
            min_level: level,
            fields,
            related_fields,
            equivalent_years,
        },
    ))
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut out = out.trim_end_matches('-').to_owned();
    out.truncate(64);
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "draft".to_owned()
    } else {
        out
    }
}

fn title_of(text: &str) -> String {
    text.lines()
        .take(200)
        .find_map(|line| {
            TITLE
                .captures(&TAG.replace_all(line, ""))
                .and_then(|c| c.get(1))
                .map(|m| m.as_str().trim().to_owned())
        })
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "Drafted role".to_owned())
}

/// Adds a requirement, or merges it into one with the same id: the higher weight and the
/// must-have win, the first source stays.
fn add(requirements: &mut Vec<Requirement>, new: Requirement) {
    if let Some(existing) = requirements.iter_mut().find(|r| r.id == new.id) {
        if new.weight > existing.weight {
            let must_have = existing.must_have || new.must_have;
            *existing = new;
            existing.must_have = must_have;
        } else {
            existing.must_have |= new.must_have;
        }
        return;
    }
    requirements.push(new);
}

/// Drafts a role from job-description text. Always returns a role that validates.
pub fn draft(text: &str) -> Role {
    let title = title_of(text);
    let mut requirements: Vec<Requirement> = Vec::new();
    // Requirements of a line ending in "or", waiting for the next line's alternatives.
    let mut pending: Option<(usize, Vec<Requirement>)> = None;
    for sentence in sentences(text) {
        let drafted = draft_sentence(&sentence);
        if let Some((line, first)) = pending.take() {
            if sentence.line > line && !drafted.is_empty() {
                // Experience lines become the alternatives; anything else on them stands alone.
                let (experience, others): (Vec<_>, Vec<_>) = first
                    .into_iter()
                    .chain(drafted)
                    .partition(|r| matches!(r.spec, Spec::Experience { .. }));
                if experience.len() > 1 {
                    add(&mut requirements, alternatives(experience));
                } else {
                    for r in experience {
                        add(&mut requirements, r);
                    }
                }
                for r in others {
                    add(&mut requirements, r);
                }
                continue;
            }
            for r in first {
                add(&mut requirements, r);
            }
        }
        if sentence.ends_with_or && !drafted.is_empty() {
            pending = Some((sentence.line, drafted));
            continue;
        }
        for r in drafted {
            add(&mut requirements, r);
        }
    }
    if let Some((_, first)) = pending {
        for r in first {
            add(&mut requirements, r);
        }
    }
    let role = Role {
        id: slug(&title),
        title,
        description: Some("Drafted from a job description: review before use.".to_owned()),
        requirements,
    };
    // Rules only build valid requirements; should one slip through, drop it rather than hand
    // the recruiter a draft the API would refuse.
    if role.validate().is_ok() {
        return role;
    }
    let mut valid = Role {
        requirements: Vec::new(),
        ..role.clone()
    };
    for requirement in role.requirements {
        valid.requirements.push(requirement);
        if valid.validate().is_err() {
            valid.requirements.pop();
        }
    }
    valid
}

/// "A; or B": one `any_of` group whose weight and must-have are the strongest of its parts.
fn alternatives(drafted: Vec<Requirement>) -> Requirement {
    let mut parts: Vec<Requirement> = Vec::new();
    for r in drafted {
        if !parts.iter().any(|p| p.id == r.id) {
            parts.push(r);
        }
    }
    let weight = parts.iter().map(|p| p.weight).fold(0.0, f32::max) + 1.0;
    let must_have = parts.iter().any(|p| p.must_have);
    let id = slug(
        &parts
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join("-or-"),
    );
    let source = parts
        .iter()
        .filter_map(|p| p.source.as_deref())
        .collect::<Vec<_>>()
        .join(" ");
    for part in &mut parts {
        part.must_have = false;
        part.weight = 1.0;
    }
    Requirement {
        id,
        label: source.clone(),
        weight,
        must_have,
        source: Some(source),
        spec: Spec::AnyOf {
            alternatives: parts,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_in_words_and_digits() {
        let role = draft(
            "## Requirements\n* Minimum six years of sales experience in a B2B segment\n* 3+ years experience in account management\n",
        );
        let years: Vec<(Category, f32)> = role
            .requirements
            .iter()
            .filter_map(|r| match &r.spec {
                Spec::Experience {
                    category,
                    min_years,
                } => category.category().map(|c| (c, *min_years)),
                _ => None,
            })
            .collect();
        assert!(years.contains(&(Category::B2bSales, 6.0)), "{years:?}");
        assert!(
            years.contains(&(Category::AccountManagement, 3.0)),
            "{years:?}"
        );
    }

    #[test]
    fn every_requirement_cites_its_sentence() {
        let role = draft(
            "# Sales Lead job description\n## Requirements\n* BSc degree in Marketing or relevant field\n* Availability to travel\n",
        );
        assert_eq!(role.title, "Sales Lead");
        assert_eq!(role.id, "sales-lead");
        assert_eq!(role.requirements.len(), 2);
        for r in &role.requirements {
            let source = r.source.as_deref().unwrap_or("");
            assert!(!source.is_empty());
        }
        role.validate().unwrap();
    }

    #[test]
    fn garbage_drafts_to_an_empty_valid_role() {
        for text in ["", "\u{0}\u{1}<<<>>>", &"x. ".repeat(10_000)] {
            draft(text).validate().unwrap();
        }
    }
}
