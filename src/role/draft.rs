//! Drafting a role from job-description text (`POST /v1/roles/draft`): rules over the text's
//! sentences that find what a resume can evidence (years and kinds of experience, skills and
//! tools through the taxonomy, certifications and licences, degree levels and fields, travel,
//! team management, languages) and turn each into a requirement citing its sentence in `source`
//! and labelled with its own words. The draft is a starting point for a recruiter to edit, never
//! stored by itself.
//!
//! Rules, not a model: a job description is short, its requirement phrases are formulaic, and a
//! recruiter must be able to see why each requirement is there. How the text is read:
//!
//! - **Sections.** A heading ("Requirements", "Nice to have", "What you'll do", "What we
//!   offer") says what its lines are: required, preferred, duties, the offer, or things the job
//!   does *not* need. Duties and the offer draft no requirements (a CRM the team uses, a
//!   certification exam the employer pays for), except team management and travel, which are
//!   conditions of the job wherever they are written. The title block above the first blank
//!   line is the job's name, not a requirement.
//! - **Clauses.** A sentence is cut into clauses (`;`, ", and", ", but", " - ") so that
//!   "High school diploma required; bachelor's degree preferred" drafts two degrees, each with
//!   its own must-have.
//! - **Must-have.** A clause that says preferred / a plus / nice to have / ideally / bonus /
//!   helpful drafts a weighted requirement; otherwise "required", "must", "minimum", "at least",
//!   "should" anywhere in the sentence, or a requirements heading, makes it a must-have.
//!   "Preferably in HVAC" and "ideally in manufacturing" qualify the setting, not the
//!   requirement.
//! - **Negation.** "No travel required", "degree not required", "things you don't need" draft
//!   nothing.

use std::sync::LazyLock;

use regex::Regex;

use super::{ExperienceCategory, Requirement, Role, Spec, vocab};
use crate::parse::taxonomy::Taxonomy;
use crate::profile::{Category, DegreeLevel};

/// Longest job description read, in bytes: drafting is linear, but a request is bounded.
const MAX_TEXT: usize = 200_000;

static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").expect("valid regex"));
static TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*#*\s*(.{3,80}?)\s+job description\s*:?\s*$").expect("valid regex")
});
/// A number of years, in digits or words, alone or as a range ("3-5 years": 3).
static YEARS: LazyLock<Regex> = LazyLock::new(|| {
    let number =
        r"\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty";
    Regex::new(&format!(
        r"(?i)\b({number})(?:\s*(?:-|–|to)\s*(?:{number}))?\s*(?:\(\d{{1,2}}\)\s*)?\+?\s*(?:or more\s+|plus\s+)?(?:years?|months)\b"
    ))
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
static DEGREE_IN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:degree|diploma|bsc|ba/bs|bachelor'?s?|mba|master'?s?|b\.s\.)\s+(?:in|of)\s+(.+)",
    )
    .expect("valid regex")
});
/// "Managing a national grocery account", "owning a book of accounts": accounts in someone's
/// care. The words between are checked by [`client_accounts`].
static MANAGES_ACCOUNTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(manag\w*|own\w*|grow\w*|servic\w*)\s+((\w+\s+){0,5}?)accounts?\b(\s+\w+)?")
        .expect("valid regex")
});

/// Whether a phrase manages clients' accounts, not the ledger's ("accounts payable", "general
/// ledger accounts"), a platform's ("social media accounts", "user accounts") or a bank's.
fn client_accounts(phrase: &str) -> bool {
    const NOT_CLIENTS: &[&str] = &[
        "social",
        "media",
        "user",
        "users",
        "email",
        "e-mail",
        "ledger",
        "gl",
        "bank",
        "vendor",
        "vendors",
        "payable",
        "receivable",
        "expense",
        "network",
        "system",
        "instagram",
    ];
    MANAGES_ACCOUNTS.captures_iter(phrase).any(|c| {
        let between = c.get(2).map_or("", |m| m.as_str());
        let after = c.get(4).map_or("", |m| m.as_str().trim());
        !between
            .split_whitespace()
            .chain(std::iter::once(after))
            .any(|w| NOT_CLIENTS.contains(&w))
    })
}
/// Selling whose buyers are businesses: "selling to grocery retailers", "to distributors".
static SELLS_TO_BUSINESSES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bsell\w*\s+(\w+\s+){0,3}to\s+(\w+\s+){0,2}(businesses|companies|retailers|distributors|wholesalers|dealers|dealerships|hospitals|clinics|manufacturers|contractors|restaurants|schools|agencies|chains|enterprises)\b")
        .expect("valid regex")
});
/// "Label: text" on one line ("Travel: up to 15%", "Things you don't need: a degree").
static INLINE_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z][A-Za-z'’ ]{1,40}):\s+(\S.*)$").expect("valid regex"));
static TRAVEL_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\btravel").expect("valid regex"));

/// The skills and languages taxonomy the parser reads resumes with: drafting names skills as
/// resumes will be read. It is checked by the tests; were it invalid, no skill is drafted.
static TAXONOMY: LazyLock<Option<Taxonomy>> = LazyLock::new(|| Taxonomy::builtin().ok());

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

/// What the lines under a heading are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// No heading yet, or one that says nothing of its lines ("About the unit" aside).
    Neutral,
    Required,
    Preferred,
    Duties,
    Offer,
    /// "Things you don't need".
    NotAsked,
}

/// Heading words, checked in this order: the first class a heading holds words of wins
/// ("Preferred qualifications" is preferred, "Required qualifications" required).
const HEADING_CLASSES: &[(Section, &[&str])] = &[
    (
        Section::NotAsked,
        &[
            "don't need",
            "do not need",
            "not required",
            "no need",
            "not necessary",
        ],
    ),
    (
        Section::Preferred,
        &[
            "nice to have",
            "nice-to-have",
            "preferred",
            "bonus",
            "a plus",
            "plus",
            "desired",
            "desirable",
            "good to have",
            "helpful",
            "extra credit",
            "an asset",
            "would be great",
        ],
    ),
    (
        Section::Required,
        &[
            "requirement",
            "qualification",
            "required",
            "must have",
            "must-have",
            "what you need",
            "you'll need",
            "you will need",
            "looking for",
            "you have",
            "you bring",
            "you'll bring",
            "who you are",
            "about you",
            "skills",
            "experience",
            "minimum",
            "essential",
            "your profile",
            "ideal candidate",
            "to be considered",
            "what it takes",
            "you'll have",
            "you've got",
            "we need",
        ],
    ),
    (
        Section::Offer,
        &[
            "offer",
            "benefit",
            "compensation",
            "salary",
            "pay",
            "perks",
            "the details",
            "why join",
            "why work",
        ],
    ),
    (
        Section::Duties,
        &[
            "responsibilit",
            "what you'll do",
            "what you will do",
            "you will",
            "duties",
            "role",
            "day to day",
            "day-to-day",
            "in this role",
            "summary",
            "about",
            "who we are",
            "job brief",
            "overview",
            "description",
            "schedule",
            "process",
            "thrives",
            "the job",
            "the position",
            "environment",
            "the team",
            "accountabilit",
            "alignment",
        ],
    ),
];

fn heading_class(text: &str) -> Option<Section> {
    let lower = text.to_lowercase().replace('’', "'");
    HEADING_CLASSES
        .iter()
        .find(|(_, words)| {
            words
                .iter()
                .any(|w| vocab::contains_at_word_start(&lower, w))
        })
        .map(|(section, _)| *section)
}

/// Words that make a clause's requirement a nice-to-have.
const PREFERRED_WORDS: &[&str] = &[
    "preferred",
    "preferably",
    "a plus",
    "big plus",
    "huge plus",
    "added plus",
    "definite plus",
    "nice to have",
    "nice-to-have",
    "ideally",
    "is ideal",
    "would be ideal",
    "bonus",
    "helpful",
    "desired",
    "desirable",
    "advantage",
    "encouraged",
    "beneficial",
    "good to have",
    "optional",
    // "is an asset", "a strong plus", "would be great": the same wish in other words.
    "an asset",
    "strong plus",
    "real plus",
    "great plus",
    "would be great",
];
/// After these words "preferably" and "ideally" qualify the setting ("preferably in HVAC"),
/// not the requirement.
const QUALIFIER_PREPOSITIONS: &[&str] = &["in", "with", "at", "within", "from", "on", "for"];
/// Words that make a sentence's requirements must-haves, under any heading.
const REQUIRED_WORDS: &[&str] = &[
    "required",
    "require",
    "requires",
    "must",
    "mandatory",
    "essential",
    "to be considered",
    "necessary",
];
/// Words that make them must-haves outside a "Preferred" list: there, "at least two years of
/// classroom teaching" is the size of a wish.
const MINIMUM_WORDS: &[&str] = &[
    "minimum", "at least", "should", "need to", "needs to", "you need",
];
/// Words that say the clause's requirement is not asked for.
const NEGATIONS: &[&str] = &[
    "not required",
    "not necessary",
    "don't need",
    "do not need",
    "not needed",
    "isn't required",
    "not a requirement",
    "no degree",
    "no college degree",
    "no travel",
    "not travel",
    "doesn't travel",
    "does not travel",
    "not require",
    "without travel",
    "no overnight travel",
];
/// Sentences about pay and benefits: a "CPA exam reimbursement" is not a requirement.
const OFFER_WORDS: &[&str] = &[
    "401(k)",
    "403(b)",
    "salary",
    "per hour",
    "/hour",
    "an hour",
    "we offer",
    "benefits include",
    "paid time off",
    "pto",
    "stipend",
    "sign-on bonus",
    "reimbursement",
    "tuition assistance",
    "equal opportunity",
];
/// Before a credential in its clause, these make it a thing to get after hiring, not to have.
const LATER_CREDENTIAL: &[&str] = &[
    "obtain",
    "register",
    "earn",
    "pursue",
    "working toward",
    "willing to get",
    "reimburse",
    "paid ",
    "upon hire",
];
/// Words after which named products are examples of the generic system named before them.
const EXAMPLE_MARKERS: &[&str] = &[
    "such as",
    "e.g.",
    "e.g",
    "like",
    "including",
    "for example",
    "for instance",
    "we use",
    "(",
];
/// Words around a language name that show it is spoken, not a market or a cuisine.
const LANGUAGE_CONTEXT: &[&str] = &[
    "fluent",
    "fluency",
    "bilingual",
    "speak",
    "speaker",
    "speaking",
    "language",
    "proficien",
    "conversational",
    "native",
    "level",
    "written",
    "spoken",
    "skills",
    "helpful",
    "plus",
    "preferred",
    "required",
    "must",
    "advantage",
];
/// Team management stated as a skill or a duty ("Team management skills", "supervise ...").
const TEAM_WORDS: &[&str] = &[
    "team management",
    "manage a team",
    "managing a team",
    "people management",
    "leadership skills",
    "supervise",
    "direct report",
];
/// Before a number of years, these make it the employer's history.
const COMPANY_HISTORY: &[&str] = &[
    "for over",
    "for more than",
    "we have",
    "we've",
    "has been",
    "have been",
    "founded",
    "in business",
];
/// "Solid sales experience" with no number: the shipped roles' seeds ask so.
const SUBSTANTIAL: &[&str] = &[
    "solid",
    "hands on",
    "hands-on",
    "extensive",
    "substantial",
    "significant",
];
/// In a years phrase, these say the years are of managing people.
const PEOPLE_MANAGEMENT_WORDS: &[&str] = &[
    "managing teams",
    "managing a team",
    "manage a team",
    "managing people",
    "managing staff",
    "direct reports",
    "supervising",
    "supervisory",
    "supervisor",
    "people management",
    "team management",
    "people leadership",
    "team leadership",
    "leading teams",
    "leading a team",
    "leadership role",
    "leadership position",
    "leadership experience",
    "team lead",
];

/// A sentence of the description, cleaned for matching, with the original words for `source`.
struct Sentence {
    source: String,
    lower: String,
    section: Section,
    /// The line ends in "or": its requirement and the next line's are alternatives.
    ends_with_or: bool,
    line: usize,
}

/// Splits a line into sentences at ". " where the word before the stop is not an abbreviation
/// ("e.g.", "B.S.", "U.S.").
fn split_sentences(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (at, _) in line.match_indices(". ") {
        let word = line[start..at]
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or("");
        let lower = word.to_lowercase();
        let abbreviation = word.contains('.')
            || word.chars().count() <= 1
            || [
                "e.g", "i.e", "etc", "vs", "approx", "incl", "inc", "st", "no",
            ]
            .contains(&lower.trim_start_matches('('));
        if abbreviation {
            continue;
        }
        out.push(line[start..=at].trim());
        start = at + 2;
    }
    if start < line.len() {
        out.push(line[start..].trim());
    }
    out.into_iter().filter(|s| !s.is_empty()).collect()
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
    let clean = TAG
        .replace_all(text, "")
        .replace(['’', '‘'], "'")
        .replace(['“', '”'], "\"");
    let lines: Vec<&str> = clean.lines().collect();
    // The title block: up to three short lines before the first blank one name the job, its
    // employer and place ("Lone Oak High School" is not a diploma).
    let first_blank = lines.iter().position(|l| l.trim().is_empty());
    let header_lines = match first_blank {
        Some(n) if n <= 3 && lines[..n].iter().all(|l| l.len() <= 120) => n,
        _ => 0,
    };
    let mut out = Vec::new();
    let mut section = Section::Neutral;
    for (line_number, raw_line) in lines.iter().enumerate().skip(header_lines) {
        let bulleted = raw_line.trim_start().starts_with(['*', '-', '•', '·', '–']);
        let line = raw_line
            .trim()
            .trim_start_matches(['*', '-', '•', '·', '–', '#', ' ', '\t'])
            .trim();
        if line.is_empty() {
            continue;
        }
        let words = line.split_whitespace().count();
        let class = heading_class(line);
        // A line in capitals is a heading ("REQUIREMENTS", "EDUCATION"), but a bulleted "MBA"
        // is a credential asked for.
        let marked = raw_line.trim_start().starts_with('#')
            || (line.len() < 60
                && line == line.to_uppercase()
                && line.chars().any(char::is_alphabetic)
                && !bulleted)
            || (!bulleted && words <= 8 && line.ends_with(':'));
        // A short line without a bullet may be a heading ("Preferred Qualifications"), but not
        // one that names a tool or a number: in a list written without bullets, "Experience
        // with ADP Workforce Now payroll" and "Intermediate Excel skills" are requirements.
        let plain = !bulleted
            && words <= 6
            && !line.ends_with(['.', '!', '?', ',', ';'])
            && !line.chars().any(|c| c.is_ascii_digit())
            && TAXONOMY
                .as_ref()
                .is_none_or(|t| t.find_skills(line).is_empty());
        if marked || (plain && class.is_some()) {
            section = class.unwrap_or(Section::Neutral);
            continue;
        }
        let (line_section, content) = match INLINE_LABEL.captures(line) {
            Some(c) if c[1].split_whitespace().count() <= 5 => {
                let label_section = heading_class(&c[1]);
                // "Travel: up to 20%" names its requirement in the label: keep it.
                let value = c.get(2).map_or("", |m| m.as_str()).to_lowercase();
                let no_travel = ["none", "no", "0%", "n/a", "na", "not required"]
                    .iter()
                    .any(|w| value.trim_end_matches(['.', ' ']) == *w);
                let rest = if TRAVEL_WORD.is_match(&c[1]) && !no_travel {
                    line
                } else {
                    c.get(2).map_or(line, |m| m.as_str())
                };
                (label_section.unwrap_or(section), rest)
            }
            _ => (section, line),
        };
        let pieces = split_sentences(content);
        let count = pieces.len();
        for (i, piece) in pieces.into_iter().enumerate() {
            let lower = piece.to_lowercase();
            let trimmed = lower.trim_end_matches(['.', ';', ',', ' ', ':']);
            let ends_with_or = i + 1 == count && (trimmed.ends_with(" or") || trimmed == "or");
            out.push(Sentence {
                source: piece.to_owned(),
                lower,
                section: line_section,
                ends_with_or,
                line: line_number,
            });
        }
    }
    out
}

/// A clause of a sentence: where it starts in the sentence, and its text.
struct Clause<'a> {
    text: &'a str,
    lower: String,
}

/// Degree words a ", " may start a clause with ("Bachelor's degree required, MBA preferred").
const DEGREE_STARTS: &[&str] = &[
    "master",
    "mba",
    "bachelor",
    "associate",
    "phd",
    "ph.d",
    "doctora",
    "high school",
    "graduate",
    "advanced degree",
    "bsn",
    "msn",
];

fn clauses(sentence: &str) -> Vec<Clause<'_>> {
    let lower = sentence.to_ascii_lowercase();
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for separator in [
        "; ", ", and ", ", but ", ", while ", ", as is ", " - ", " – ", " — ", ", so ",
    ] {
        for (at, _) in lower.match_indices(separator) {
            cuts.push((at, at + separator.len()));
        }
    }
    for (at, _) in lower.match_indices(", ") {
        let rest = lower[at + 2..]
            .trim_start_matches("and ")
            .trim_start_matches("or ")
            .trim_start_matches("an ")
            .trim_start_matches("a ");
        if DEGREE_STARTS.iter().any(|d| rest.starts_with(d)) {
            cuts.push((at, at + 2));
        }
    }
    // ", medical device preferred": a short wish after the requirement is its own clause, so
    // its "preferred" does not soften what comes before it.
    for (at, _) in lower.match_indices(", ") {
        let rest = lower[at + 2..].trim_end_matches(['.', ';', ' ']);
        let short = rest.split_whitespace().count() <= 4;
        // "Marketing, Communications, or related field preferred", "Excel, Word and PowerPoint
        // preferred": the last item of a list, whose wish covers the whole list.
        let list_item = rest.starts_with("or ")
            || rest.starts_with("and ")
            || rest.contains(',')
            || rest.contains(" or ")
            || rest.contains(" and ");
        if short && !list_item && (rest.ends_with(" preferred") || rest.ends_with(" a plus")) {
            cuts.push((at, at + 2));
        }
    }
    // Inside brackets a comma lists alternatives ("MBA or other advanced degree (JD, PhD,
    // MD)"), never a new clause.
    let in_brackets =
        |at: usize| lower[..at].matches('(').count() > lower[..at].matches(')').count();
    cuts.retain(|(at, _)| !in_brackets(*at));
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for (cut_start, cut_end) in cuts {
        if cut_start < start {
            continue;
        }
        out.push(&sentence[start..cut_start]);
        start = cut_end;
    }
    out.push(&sentence[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|text| Clause {
            text,
            // ASCII lower case keeps byte offsets: a position in `lower` is one in `text`.
            lower: text.to_ascii_lowercase(),
        })
        .collect()
}

fn has_any(lower: &str, words: &[&str]) -> bool {
    words
        .iter()
        .any(|w| vocab::contains_at_word_start(lower, w))
}

fn preferred(clause: &str) -> bool {
    PREFERRED_WORDS.iter().any(|word| {
        clause.match_indices(word).any(|(at, _)| {
            let starts_word = at == 0
                || clause[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| !c.is_alphanumeric());
            // "an asset", not "an asset manager"; "a plus", not "a plush".
            let rest = &clause[at + word.len()..];
            let ends_word = rest.chars().next().is_none_or(|c| !c.is_alphanumeric());
            let asset_manager = *word == "an asset" && rest.trim_start().starts_with("manag");
            if !starts_word || !ends_word || asset_manager {
                return false;
            }
            let next = rest.split_whitespace().next().unwrap_or("");
            let qualifier = (*word == "preferably" || *word == "ideally")
                && QUALIFIER_PREPOSITIONS.contains(&next);
            !qualifier
        })
    })
}

fn must_have(clause: &Clause<'_>, sentence: &Sentence) -> bool {
    if preferred(&clause.lower) {
        return false;
    }
    if has_any(&sentence.lower, REQUIRED_WORDS) {
        return true;
    }
    if sentence.section != Section::Preferred && has_any(&sentence.lower, MINIMUM_WORDS) {
        return true;
    }
    sentence.section == Section::Required
}

/// The recruiter's own words for a requirement found at `at..end` of a clause: the clause, or
/// for a long one the comma-separated part holding it, without a trailing aside in brackets.
fn own_words(clause: &str, at: usize, end: usize) -> String {
    let floor = |mut i: usize| {
        i = i.min(clause.len());
        while !clause.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let (at, end) = (floor(at), floor(end.max(at)));
    let mut from = 0;
    let mut to = clause.len();
    if clause.split_whitespace().count() > 10 {
        from = clause[..at].rfind(", ").map_or(0, |i| i + 2);
        to = clause[end.min(clause.len())..]
            .find(", ")
            .map_or(clause.len(), |i| end + i);
    }
    let mut label = &clause[from..to];
    let trigger_end = end.saturating_sub(from).min(label.len());
    // An aside left open by the cut, or closing the label after the requirement's words.
    if let Some(open) = label[trigger_end..].find('(').map(|i| i + trigger_end) {
        let closed = label[open..].find(')').map(|i| open + i);
        match closed {
            None => label = &label[..open],
            Some(close) if label[close + 1..].trim().is_empty() => label = &label[..open],
            _ => {}
        }
    }
    let mut label = label
        .trim()
        .trim_end_matches([',', ';', ':', '.', ' ', '-'])
        .trim();
    for lead in ["and ", "or ", "but "] {
        if let Some(rest) = label.strip_prefix(lead) {
            label = rest;
        }
    }
    // Still long: the words around the requirement.
    let words: Vec<&str> = label.split_whitespace().collect();
    if words.len() > 16 {
        let offset = label.find(&clause[at..end.min(clause.len())]).unwrap_or(0);
        let before = label[..offset].split_whitespace().count();
        let first = before.saturating_sub(6);
        let last = (before + 10).min(words.len());
        let start_word = words[first];
        let end_word = words[last - 1];
        let start = label[..offset]
            .rfind(start_word)
            .filter(|_| first < before)
            .unwrap_or(offset.min(label.len()));
        let end = label[start..]
            .find(end_word)
            .map_or(label.len(), |i| start + i + end_word.len());
        return label[start..end].trim().to_owned();
    }
    label.to_owned()
}

fn requirement(
    id: &str,
    label: String,
    sentence: &Sentence,
    weight: f32,
    spec: Spec,
) -> Requirement {
    Requirement {
        id: id.to_owned(),
        label,
        weight,
        must_have: false,
        source: Some(sentence.source.clone()),
        spec,
    }
}

/// The experience category a phrase ("Senior account manager", "sales in a B2B segment")
/// names, if any. Account management first: "customer success or account management at a SaaS
/// company" owns accounts whatever it sells.
fn category_of(phrase: &str) -> Option<Category> {
    let p = phrase.to_lowercase();
    if p.contains("account manag")
        || p.contains("account executive")
        || p.contains("key account")
        || p.contains("client manag")
        || p.contains("customer success")
        || p.contains("relationship manag")
        || client_accounts(&p)
    {
        Some(Category::AccountManagement)
    } else if p.contains("business-to-business")
        || p.contains("b2b")
        || p.contains("business to business")
        || p.contains("channel sales")
        || p.contains("enterprise")
        || p.contains("saas")
        || p.contains("software sales")
        || p.contains("medical device")
        || p.contains("pharmaceutical sales")
        || p.contains("industrial sales")
        || p.contains("technical sales")
        || p.contains("corporate sales")
        || p.contains("commercial sales")
        || p.contains("wholesale")
        || p.contains("cpg")
        || p.contains("consumer packaged goods")
        || SELLS_TO_BUSINESSES.is_match(&p)
    {
        Some(Category::B2bSales)
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

fn experience_id(category: ExperienceCategory) -> &'static str {
    match category {
        ExperienceCategory::Total => "years-in-the-field",
        ExperienceCategory::Sales => "sales-years",
        ExperienceCategory::B2bSales => "b2b-sales-years",
        ExperienceCategory::AccountManagement => "account-management-years",
        ExperienceCategory::PeopleManagement => "team-management",
    }
}

/// The text without its bracketed asides (an aside left open runs to the end).
fn without_asides(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// "Sales management experience", "managing a team of nurses", "as a supervisor": years of
/// leading people, whatever the trade. "Account management" and "project management" are not.
fn manages_people(words: &str) -> bool {
    const LED: &[&str] = &[
        "team",
        "teams",
        "staff",
        "people",
        "reports",
        "employees",
        "associates",
        "representatives",
        "reps",
        "sellers",
        "engineers",
        "nurses",
        "crew",
        "crews",
        "line",
        "technicians",
        "agents",
        "stylists",
        "cooks",
        "leaders",
        "managers",
        "supervisors",
        "assistant",
        "assistants",
        "analysts",
        "specialists",
        "coordinators",
        "recruiters",
        "designers",
        "developers",
        "teachers",
        "personnel",
        "salespeople",
        "workers",
    ];
    const ROLES: &[&str] = &[
        "as a manager",
        "as a supervisor",
        "in a supervisory",
        "in a leadership",
        "in a management role",
        "in management",
        "of management experience",
    ];
    const OF_PEOPLE: &[&str] = &[
        "sales",
        "retail",
        "store",
        "restaurant",
        "team",
        "people",
        "staff",
        "kitchen",
        "branch",
        "department",
        "general",
        "district",
        "regional",
        "line",
        "shift",
        "unit",
        "clinic",
        "office",
    ];
    // A verb of leading among the phrase's first words ("experience leading a sales team",
    // "directly managing project engineers"), with the people it leads within a few words.
    let tokens: Vec<&str> = words
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    // The object ends at a preposition: "managing relationships with store managers" and
    // "managing calendars as an assistant" lead no one.
    const ENDS_OBJECT: &[&str] = &["with", "as", "for", "to", "in", "on", "at", "by", "from"];
    let leads = tokens.iter().take(6).enumerate().any(|(i, word)| {
        [
            "managing",
            "supervising",
            "leading",
            "directing",
            "overseeing",
        ]
        .contains(word)
            && tokens[i + 1..]
                .iter()
                .take(6)
                .take_while(|w| !ENDS_OBJECT.contains(w))
                .any(|w| LED.contains(w))
    });
    if leads {
        return true;
    }
    // "in management" as a role ("in management", "in management roles"), not "in management
    // consulting" or "in management accounting".
    if ROLES.iter().any(|r| {
        words.match_indices(r).any(|(at, _)| {
            let rest = &words[at + r.len()..];
            let next = rest
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_end_matches([',', '.', ';']);
            rest.chars().next().is_none_or(|c| !c.is_alphanumeric())
                && (next.is_empty()
                    || ["role", "roles", "position", "positions", "capacity"].contains(&next))
        })
    }) {
        return true;
    }
    words.match_indices("management experience").any(|(at, _)| {
        let before = words[..at].split_whitespace().next_back().unwrap_or("");
        OF_PEOPLE.contains(&before)
    })
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

/// Whether the section's lines can state requirements (not duties, the offer or non-needs).
fn states_requirements(section: Section) -> bool {
    matches!(
        section,
        Section::Neutral | Section::Required | Section::Preferred
    )
}

fn draft_sentence(s: &Sentence) -> Vec<Requirement> {
    let mut found = Vec::new();
    if s.section == Section::NotAsked || s.section == Section::Offer {
        return found;
    }
    let offer = has_any(&s.lower, OFFER_WORDS);
    let stated = states_requirements(s.section) && !offer;
    for clause in clauses(&s.source) {
        if has_any(&clause.lower, NEGATIONS) {
            continue;
        }
        let must = must_have(&clause, s);
        let before = found.len();
        if stated {
            draft_experience(s, &clause, must, &mut found);
            draft_degree(s, &clause, must, &mut found);
            draft_skills(s, &clause, must, &mut found);
            draft_credentials(s, &clause, must, &mut found);
            draft_languages(s, &clause, must, &mut found);
            draft_seed_rules(s, &clause, must, &mut found);
        }
        let years_of_management = found[before..].iter().any(|r| {
            matches!(
                r.spec,
                Spec::Experience {
                    category: ExperienceCategory::PeopleManagement,
                    ..
                }
            )
        });
        if !offer && !years_of_management {
            draft_team_duty(s, &clause, &mut found);
        }
        if !offer {
            draft_travel(s, &clause, must, &mut found);
        }
    }
    found
}

/// Years of experience: every "N years" of the clause, each read in its own words ("10 years
/// of B2B sales experience, including five years managing teams": two requirements).
fn draft_experience(s: &Sentence, clause: &Clause<'_>, must: bool, found: &mut Vec<Requirement>) {
    let l = &clause.lower;
    if let Some(title) = PROVEN_AS.captures(clause.text).and_then(|c| c.get(1)) {
        if let Some(category) = category_of(title.as_str()) {
            let category = ExperienceCategory::from(category);
            let mut r = requirement(
                experience_id(category),
                own_words(clause.text, 0, title.end()),
                s,
                3.0,
                Spec::Experience {
                    category,
                    min_years: implied_years(title.as_str()),
                },
            );
            r.must_have = true;
            found.push(r);
        }
        return;
    }
    if let Some(title) = RECORD_AS.captures(clause.text).and_then(|c| c.get(1)) {
        if let Some(category) = category_of(title.as_str()) {
            let id = if category == Category::AccountManagement {
                "account-manager-record"
            } else {
                experience_id(category.into())
            };
            found.push(requirement(
                id,
                own_words(clause.text, 0, title.end()),
                s,
                3.0,
                Spec::Experience {
                    category: category.into(),
                    min_years: 3.0,
                },
            ));
        }
        return;
    }
    let matches: Vec<regex::Captures<'_>> = YEARS.captures_iter(l).collect();
    for (i, years_match) in matches.iter().enumerate() {
        let whole = years_match.get(0).expect("group 0");
        let Some(mut years) = years_match.get(1).and_then(|m| number(m.as_str())) else {
            continue;
        };
        if whole.as_str().contains("month") {
            years = (years / 12.0 * 100.0).round() / 100.0;
        }
        let segment_end = matches
            .get(i + 1)
            .and_then(|m| m.get(0))
            .map_or(l.len(), |m| m.start());
        let segment = &l[whole.end()..segment_end];
        let before = &l[..whole.start()];
        // Only the words just before these years, since the previous years and past any ")",
        // " and " or ";", can make these the degree's: "Bachelor's degree (or 4 years in lieu of
        // a degree) and 3+ years of B2B sales" asks for the 3 years outright.
        let since_previous = &l[i
            .checked_sub(1)
            .and_then(|j| matches.get(j))
            .and_then(|m| m.get(0))
            .map_or(0, |m| m.end())..whole.start()];
        let since_previous = [")", " and ", ";"]
            .iter()
            .filter_map(|sep| since_previous.rfind(sep).map(|i| i + sep.len()))
            .max()
            .map_or(since_previous, |from| &since_previous[from..]);
        if COMPANY_HISTORY.iter().any(|w| before.contains(w)) {
            // "We have served the region for over 20 years": the employer's, not the job's.
            continue;
        }
        if ["equivalent", "in lieu of"]
            .iter()
            .any(|w| segment.contains(w) || since_previous.contains(w))
        {
            // "Bachelor's degree, or 4 years of equivalent experience": the degree's.
            continue;
        }
        // "3 years directly managing ...": an adverb before the verb.
        let after_adverb = {
            let t = segment.trim_start().trim_start_matches("of ");
            match t.split_once(' ') {
                Some((first, rest)) if first.ends_with("ly") => rest,
                _ => t,
            }
        };
        let about_work = segment.contains("experience")
            || [
                "managing",
                "supervising",
                "leading",
                "selling",
                "working",
                "teaching",
            ]
            .iter()
            .any(|w| after_adverb.starts_with(w))
            || segment.trim_start().starts_with("in ")
            || segment.trim_start().starts_with("as ");
        let words = if about_work {
            segment
        } else if i == 0 && l[..whole.start()].contains("experience") {
            &l[..whole.start()]
        } else {
            continue;
        };
        // What a bracketed aside lists ("(retail, hospitality, SaaS - it all counts)") widens
        // the requirement; it does not name its kind.
        let words = &without_asides(words);
        let category = if has_any(words, PEOPLE_MANAGEMENT_WORDS) || manages_people(words) {
            ExperienceCategory::PeopleManagement
        } else {
            category_of(words).map_or(ExperienceCategory::Total, ExperienceCategory::from)
        };
        let mut r = requirement(
            experience_id(category),
            own_words(
                clause.text,
                whole.start(),
                segment_end.min(whole.end() + 40),
            ),
            s,
            3.0,
            Spec::Experience {
                category,
                min_years: years,
            },
        );
        r.must_have = must;
        found.push(r);
    }
    if matches.is_empty()
        && s.section == Section::Required
        && l.contains("experience")
        && has_any(l, SUBSTANTIAL)
    {
        // "Solid sales experience in B2B environment", "Hands on experience in sales".
        let Some(category) = category_of(l) else {
            return;
        };
        if category == Category::PeopleManagement {
            return;
        }
        let (years, weight) = if category == Category::B2bSales {
            (3.0, 3.0)
        } else {
            (2.0, 2.0)
        };
        let at = l.find("experience").unwrap_or(0);
        let mut r = requirement(
            experience_id(category.into()),
            own_words(clause.text, at, at + "experience".len()),
            s,
            weight,
            Spec::Experience {
                category: category.into(),
                min_years: years,
            },
        );
        r.must_have = must;
        found.push(r);
    }
}

/// Degree words by level, lowest first, matched at word starts in lower case.
const DEGREE_WORDS: &[(DegreeLevel, &[&str])] = &[
    (
        DegreeLevel::HighSchool,
        &[
            "high school diploma",
            "high school degree",
            "high school education",
            "high school graduate",
            "high-school diploma",
            "high school or equivalent",
            "high school/ged",
            "secondary school diploma",
            "ged",
        ],
    ),
    (
        DegreeLevel::Associate,
        &[
            "associate degree",
            "associate's degree",
            "associates degree",
            "associate of",
            "associate's in",
            "adn",
            "a.a.s.",
            "two-year degree",
            "2-year degree",
            // Canada's two- and three-year college credential.
            "college diploma",
        ],
    ),
    (
        DegreeLevel::Bachelor,
        &[
            "bachelor",
            "b.s.",
            "b.a.",
            "bsc",
            "b.sc",
            "ba/bs",
            "bs/ba",
            "bsn",
            "b.eng",
            "beng",
            "college degree",
            "university degree",
            "four-year degree",
            "4-year degree",
            "four year degree",
            "4 year degree",
            "undergraduate degree",
            "bs in",
            "ba in",
            "bs degree",
            "ba degree",
        ],
    ),
    (
        DegreeLevel::Master,
        &[
            "master's",
            "masters",
            "master of",
            "master degree",
            "mba",
            "m.s.",
            "msc",
            "m.sc",
            "m.a.",
            "macc",
            "msn",
            "mph",
            "m.ed",
            "graduate degree",
            "advanced degree",
            "postgraduate",
        ],
    ),
    (
        DegreeLevel::Doctorate,
        &[
            "phd",
            "ph.d",
            "doctorate",
            "doctoral degree",
            "juris doctor",
            "j.d.",
            "pharmd",
            "pharm.d",
            "dnp",
            "ed.d",
        ],
    ),
];

/// A degree with no level word ("a degree in Engineering"): taken as a bachelor's.
const BARE_DEGREE: &[&str] = &[
    "degree in",
    "a degree",
    "relevant degree",
    "related degree",
    "degree required",
    "degree preferred",
    "degree from",
];

fn draft_degree(s: &Sentence, clause: &Clause<'_>, must: bool, found: &mut Vec<Requirement>) {
    let l = &clause.lower;
    // The lowest level the clause names: "associate or bachelor's degree" asks for an associate.
    let mut level_at: Option<(DegreeLevel, usize, usize)> = None;
    for (level, words) in DEGREE_WORDS {
        let first = words
            .iter()
            .filter_map(|w| {
                l.match_indices(w)
                    .find(|(at, _)| {
                        vocab::contains_at_word_start(&l[*at..], w)
                            && (*at == 0
                                || l[..*at]
                                    .chars()
                                    .next_back()
                                    .is_some_and(|c| !c.is_alphanumeric()))
                            && l[at + w.len()..]
                                .chars()
                                .next()
                                .is_none_or(|c| !c.is_alphanumeric() || w.ends_with(['.', ' ']))
                    })
                    .map(|(at, _)| (at, at + w.len()))
            })
            .min();
        if let Some((at, end)) = first {
            level_at = Some((*level, at, end));
            break;
        }
    }
    if level_at.is_none()
        && let Some((at, word)) = BARE_DEGREE
            .iter()
            .filter_map(|w| l.find(w).map(|at| (at, *w)))
            .min()
    {
        level_at = Some((DegreeLevel::Bachelor, at, at + word.len()));
    }
    let Some((level, at, end)) = level_at else {
        return;
    };
    let mut fields = Vec::new();
    if let Some(list) = DEGREE_IN.captures(clause.text).and_then(|c| c.get(1)) {
        for part in list
            .as_str()
            .split([',', ';', '/', '('])
            .flat_map(|p| p.split(" or "))
            .flat_map(|p| p.split(" and "))
        {
            let part = part.trim().trim_end_matches(['.', ')']);
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
    // "or equivalent experience": years stand in for the degree ("or equivalent" alone, after
    // a diploma, is a GED).
    // "or four more years of experience in lieu of a degree" says the same.
    let equivalent_years = l
        .find("equivalent")
        .or_else(|| l.find("in lieu of"))
        .and_then(|at| {
            // Fifty characters, not bytes: an en dash or an accent may sit at byte 50.
            let tail: String = l[at..].chars().take(50).collect();
            let about_work = tail.contains("experience") || tail.contains("work");
            // "with 4 years of related experience accepted in lieu of a degree": the years come
            // before "in lieu", with or without an "or".
            let years_before = if l[at..].starts_with("in lieu of") {
                YEARS.captures_iter(&l[..at]).last()
            } else {
                l[..at]
                    .rfind(" or ")
                    .map(|or| &l[or..at])
                    .and_then(|piece| YEARS.captures(piece))
            };
            if !about_work && years_before.is_none() {
                return None;
            }
            Some(
                years_before
                    .or_else(|| YEARS.captures(l))
                    .and_then(|c| c.get(1))
                    .and_then(|m| number(m.as_str()))
                    .unwrap_or(4.0),
            )
        });
    let weight = if fields.is_empty() { 2.0 } else { 1.5 };
    let mut r = requirement(
        "degree",
        own_words(clause.text, at, end),
        s,
        weight,
        Spec::Degree {
            min_level: level,
            fields,
            related_fields,
            equivalent_years,
        },
    );
    r.must_have = must;
    found.push(r);
}

/// Skill groups that draft no requirement from a taxonomy hit: soft and general sales skills
/// ("negotiation", "customer service") are screened by the seed rules or not at all.
const UNDRAFTED_GROUPS: &[&str] = &["sales_skill"];

fn draft_skills(s: &Sentence, clause: &Clause<'_>, must: bool, found: &mut Vec<Requirement>) {
    let Some(taxonomy) = TAXONOMY.as_ref() else {
        return;
    };
    let hits = taxonomy.find_skills(clause.text);
    let credentials = vocab::find_credentials(clause.text);
    let generic = vocab::generic_skills();
    let is_generic = |name: &str| generic.iter().any(|g| g == name);
    let example_start = |after: usize| {
        EXAMPLE_MARKERS
            .iter()
            .filter_map(|m| clause.lower[after..].find(m).map(|i| after + i))
            .filter(|&at| {
                // "(particularly MS Excel)" stresses one program; it does not give examples.
                let aside = &clause.lower[at..];
                let aside = &aside[..aside.find(')').unwrap_or(aside.len())];
                !(aside.starts_with('(')
                    && ["particular", "especially", "notably"]
                        .iter()
                        .any(|w| aside.contains(w)))
            })
            .min()
    };
    // The generic system named first, and where its examples start.
    let first_generic = hits.iter().find(|hit| {
        taxonomy
            .skills
            .get(hit.entry)
            .is_some_and(|e| is_generic(&e.name) && e.name != "CRM")
    });
    let examples_from = first_generic.and_then(|hit| example_start(hit.end));
    let crm_generic = hits.iter().find(|hit| {
        taxonomy
            .skills
            .get(hit.entry)
            .is_some_and(|e| e.name == "CRM")
    });
    // "HubSpot, our CRM", "your CRM (HubSpot)": the CRM is the product named, not a second
    // thing to ask for. "The CRM platforms such as Salesforce" stays generic.
    let names_a_crm_product = hits.iter().any(|hit| {
        taxonomy
            .skills
            .get(hit.entry)
            .is_some_and(|e| e.group == "crm" && e.name != "CRM")
    });
    let crm_is_the_product = names_a_crm_product
        && crm_generic.is_some_and(|hit| {
            let before = &clause.lower[..hit.start];
            ["our ", "your "].iter().any(|w| before.ends_with(w))
        });
    let crm_generic = crm_generic.filter(|_| !crm_is_the_product);
    let mut generic_requirement: Option<usize> = None;
    let mut named_crm: Vec<String> = Vec::new();
    let mut named_span: Option<(usize, usize)> = None;
    for hit in &hits {
        let Some(entry) = taxonomy.skills.get(hit.entry) else {
            continue;
        };
        if UNDRAFTED_GROUPS.contains(&entry.group.as_str()) {
            continue;
        }
        let name = entry.name.as_str();
        if name == "CRM" && crm_is_the_product {
            continue;
        }
        // "Google Ads certification" asks for the credential (drafted as one), not the skill;
        // "Salesforce certification", which the credentials table does not know, stays a skill.
        if credentials
            .iter()
            .any(|c| c.start <= hit.start && hit.end <= c.end)
        {
            continue;
        }
        if entry.group == "crm"
            && name != "CRM"
            && let Some(crm) = crm_generic
        {
            // The shipped roles weigh the products named beside a CRM lightly; the CRM
            // the employer uses ("we use Salesforce") is not asked of the candidate.
            let employer_uses = clause.lower[crm.end.min(hit.start)..hit.start].contains("we use")
                || clause.lower[..hit.start].ends_with("our ");
            if !employer_uses && !named_crm.iter().any(|n| n == name) {
                named_crm.push(name.to_owned());
                named_span = Some(named_span.map_or((hit.start, hit.end), |(a, _)| (a, hit.end)));
            }
            continue;
        }
        if examples_from.is_some_and(|from| hit.start > from)
            && let Some(index) = generic_requirement
        {
            // "an HRIS such as UKG or Workday": UKG and Workday count for the HRIS.
            if let Some(Spec::Skill { any_of, .. }) = found.get_mut(index).map(|r| &mut r.spec)
                && !any_of.iter().any(|n| n == name)
            {
                any_of.push(name.to_owned());
            }
            continue;
        }
        let (id, any_of, weight) = match name {
            "CRM" => ("crm".to_owned(), "group:crm".to_owned(), 2.0),
            "Microsoft Office" => ("ms-office".to_owned(), "group:office".to_owned(), 0.5),
            "Microsoft Excel" => ("excel".to_owned(), name.to_owned(), 1.0),
            _ => (slug(name), name.to_owned(), if must { 2.0 } else { 1.0 }),
        };
        let mut r = requirement(
            &id,
            own_words(clause.text, hit.start, hit.end),
            s,
            weight,
            Spec::Skill {
                any_of: vec![any_of],
                min_months: None,
            },
        );
        r.must_have = must;
        if is_generic(name) && name != "CRM" {
            generic_requirement = Some(found.len());
        }
        found.push(r);
    }
    if let Some((start, end)) = named_span {
        let label = clause.text[start..end].to_owned();
        found.push(requirement(
            "named-crm",
            label,
            s,
            0.5,
            Spec::Skill {
                any_of: named_crm,
                min_months: None,
            },
        ));
    }
}

/// A credential the table does not know, named by its abbreviation: "(CRCS)" after its long
/// name, or "CPCA certification".
static CREDENTIAL_ABBREVIATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\(([A-Z][A-Za-z0-9&+\-]{1,9})\)|\b([A-Z][A-Z0-9&+\-]{1,9})\s+(?:certification|certificate|credential|license|licence|designation)\b")
        .expect("valid regex")
});
/// Words that show a clause speaks of a credential.
const CREDENTIAL_WORDS: &[&str] = &[
    "certification",
    "certificate",
    "certified",
    "credential",
    "license",
    "licence",
    "licensed",
    "designation",
    "registration",
];
/// Abbreviations of the bodies that issue credentials, not credentials.
const ISSUERS: &[&str] = &[
    "AHA", "ABA", "FAA", "FINRA", "NALA", "AMA", "ANCC", "AICPA", "SHRM", "HRCI", "PMI", "EPA",
    "DOT", "DMV", "US", "USA", "ISO", "NHA", "AAMA", "ABET", "TREC", "AOG", "MEL", "PTO",
];

fn draft_credentials(s: &Sentence, clause: &Clause<'_>, must: bool, found: &mut Vec<Requirement>) {
    let table = vocab::credentials();
    let hits = vocab::find_credentials(clause.text);
    if hits.is_empty() && has_any(&clause.lower, CREDENTIAL_WORDS) {
        let abbreviation = CREDENTIAL_ABBREVIATION
            .captures_iter(clause.text)
            .find_map(|c| {
                let m = c.get(1).or_else(|| c.get(2))?;
                let upper = m.as_str().chars().filter(|c| c.is_uppercase()).count();
                (upper >= 2 && !ISSUERS.contains(&m.as_str())).then_some(m)
            });
        if let Some(m) = abbreviation
            && !has_any(&clause.lower[..m.start()], LATER_CREDENTIAL)
        {
            let name = m.as_str().to_owned();
            let mut r = requirement(
                &format!("certification-{}", slug(&name)),
                own_words(clause.text, m.start(), m.end()),
                s,
                if must { 2.0 } else { 1.0 },
                Spec::Certification { any_of: vec![name] },
            );
            r.must_have = must;
            found.push(r);
        }
        return;
    }
    for hit in hits {
        let Some(credential) = table.get(hit.entry) else {
            continue;
        };
        if has_any(
            &clause.lower[..hit.start.min(clause.lower.len())],
            LATER_CREDENTIAL,
        ) {
            continue;
        }
        // The canonical name, and the spellings a resume may use (the full-text index answers
        // credentials outside the scorer's bit vocabulary).
        let mut any_of = vec![credential.name.clone()];
        for spelling in credential.synonyms.iter().chain(&credential.case_sensitive) {
            if any_of.len() >= 6 {
                break;
            }
            if !any_of.iter().any(|n| n.eq_ignore_ascii_case(spelling)) {
                any_of.push(spelling.clone());
            }
        }
        let mut r = requirement(
            &format!("certification-{}", slug(&credential.name)),
            own_words(clause.text, hit.start, hit.end),
            s,
            if must { 2.0 } else { 1.0 },
            Spec::Certification { any_of },
        );
        r.must_have = must;
        found.push(r);
    }
}

fn draft_languages(s: &Sentence, clause: &Clause<'_>, must: bool, found: &mut Vec<Requirement>) {
    let Some(taxonomy) = TAXONOMY.as_ref() else {
        return;
    };
    let l = &clause.lower;
    let mut named: Vec<(String, usize, usize)> = Vec::new();
    for hit in taxonomy.find_languages(clause.text) {
        let Some(entry) = taxonomy.languages.get(hit.entry) else {
            continue;
        };
        if vocab::language_index(&entry.name).is_none() {
            continue;
        }
        let next = l[hit.end.min(l.len())..]
            .split(|c: char| !c.is_alphanumeric())
            .find(|w| !w.is_empty())
            .unwrap_or("");
        // "Japanese partners", "the Chinese market": a people or a place, not a language.
        let names_a_thing = [
            "partners",
            "partner",
            "market",
            "markets",
            "customers",
            "clients",
            "companies",
            "cuisine",
            "food",
            "culture",
            "law",
            "owned",
            "government",
            "office",
            "offices",
            "team",
            "teams",
            "region",
        ]
        .contains(&next);
        let spoken = has_any(l, LANGUAGE_CONTEXT) || next.is_empty();
        if names_a_thing || !spoken || named.iter().any(|(n, _, _)| *n == entry.name) {
            continue;
        }
        named.push((entry.name.clone(), hit.start, hit.end));
    }
    // "Bilingual English/Spanish": the ad is written in English; Spanish is what it asks.
    if named.len() > 1 {
        named.retain(|(name, _, _)| name != "English");
    }
    for (name, start, end) in named {
        let mut r = requirement(
            &format!("language-{}", slug(&name)),
            own_words(clause.text, start, end),
            s,
            1.0,
            Spec::Language { any_of: vec![name] },
        );
        r.must_have = must;
        found.push(r);
    }
}

/// The rules the shipped roles were drafted with: named Office skills, negotiation, sales
/// metrics and strategic accounts under a requirements heading.
fn draft_seed_rules(s: &Sentence, clause: &Clause<'_>, must: bool, found: &mut Vec<Requirement>) {
    let l = &clause.lower;
    let required = s.section == Section::Required;
    if let Some(at) = [
        "pc proficiency",
        "computer literate",
        "computer literacy",
        "pc skills",
    ]
    .iter()
    .find_map(|w| l.find(w))
    {
        let mut r = requirement(
            "pc-proficiency",
            own_words(clause.text, at, at + 2),
            s,
            1.0,
            Spec::Skill {
                any_of: vec!["group:office".to_owned()],
                min_months: None,
            },
        );
        r.must_have = must;
        found.push(r);
    }
    if required && let Some(at) = l.find("negotiation") {
        let mut any_of = vec!["Negotiation".to_owned()];
        if l.contains("presentation") {
            any_of.push("Presentation Skills".to_owned());
        }
        found.push(requirement(
            "negotiation",
            own_words(clause.text, at, at + "negotiation".len()),
            s,
            0.5,
            Spec::Skill {
                any_of,
                min_months: None,
            },
        ));
    }
    if required
        && let Some(at) = ["large/strategic", "strategic customer"]
            .iter()
            .find_map(|w| l.find(w))
    {
        found.push(requirement(
            "strategic-accounts",
            own_words(clause.text, at, at + 15),
            s,
            0.5,
            Spec::Keyword {
                query: STRATEGIC_QUERY.to_owned(),
            },
        ));
    }
    if required
        && let Some(at) = ["sales performance metrics", "sales metrics"]
            .iter()
            .find_map(|w| l.find(w))
    {
        found.push(requirement(
            "sales-metrics",
            own_words(clause.text, at, at + 13),
            s,
            0.5,
            Spec::Keyword {
                query: "\"sales metrics\" OR \"performance metrics\" OR KPI OR KPIs OR quota OR quotas OR forecasting".to_owned(),
            },
        ));
    }
}

/// Team management stated ("Team management skills") or a duty ("supervise ...").
fn draft_team_duty(s: &Sentence, clause: &Clause<'_>, found: &mut Vec<Requirement>) {
    let l = &clause.lower;
    let Some(at) = TEAM_WORDS.iter().find_map(|w| l.find(w)) else {
        return;
    };
    let stated = s.section == Section::Required && !l.contains("may ");
    found.push(requirement(
        "team-management",
        own_words(clause.text, at, at + 8),
        s,
        if stated { 2.0 } else { 0.5 },
        Spec::Experience {
            category: ExperienceCategory::PeopleManagement,
            min_years: if stated { 2.0 } else { 1.0 },
        },
    ));
}

/// Travel the job involves: a condition wherever the ad states it, never in the offer
/// ("travel benefits") and never when it says there is none.
fn draft_travel(s: &Sentence, clause: &Clause<'_>, must: bool, found: &mut Vec<Requirement>) {
    let l = &clause.lower;
    let Some(at) = TRAVEL_WORD.find(l).map(|m| m.start()) else {
        return;
    };
    if [
        "travel benefit",
        "travel perk",
        "travel discount",
        "travel agency",
        "travel industry",
        "travel insurance",
    ]
    .iter()
    .any(|w| l.contains(w))
    {
        return;
    }
    // "Occasional travel" is a nice-to-have; "travel up to 40%, with occasional trips" is not.
    let occasional = l.contains("occasional travel")
        || l.contains("occasionally travel")
        || l.contains("may require");
    let mut r = requirement(
        "travel",
        own_words(clause.text, at, at + 6),
        s,
        if occasional { 0.5 } else { 1.0 },
        Spec::Travel {},
    );
    // "This role involves travel of up to 25%" describes the job; "ability to travel up to
    // 25%" or "travel required" asks it of the candidate.
    let describes_the_job = [
        "involves travel",
        "includes travel",
        "will involve",
        "role involves",
    ]
    .iter()
    .any(|w| l.contains(w))
        && !has_any(
            l,
            &[
                "willing",
                "ability",
                "able to",
                "must",
                "require",
                "available",
            ],
        );
    r.must_have = must && !occasional && !describes_the_job;
    found.push(r);
}

const STRATEGIC_QUERY: &str = "\"key account\" OR \"key accounts\" OR \"strategic account\" OR \"strategic accounts\" OR \"national account\" OR \"national accounts\" OR \"named accounts\" OR enterprise";

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

/// "X job description", else the ad's first line (its title), else a placeholder.
fn title_of(text: &str) -> String {
    let titled = text.lines().take(200).find_map(|line| {
        TITLE
            .captures(&TAG.replace_all(line, ""))
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().trim().to_owned())
    });
    titled
        .or_else(|| {
            text.lines()
                .map(|l| {
                    TAG.replace_all(l, "")
                        .trim()
                        .trim_start_matches('#')
                        .trim()
                        .to_owned()
                })
                .find(|l| !l.is_empty())
                .filter(|l| l.len() <= 80)
        })
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "Drafted role".to_owned())
}

/// Adds a requirement, or merges it into the one it repeats (same id; degrees by level): the
/// first stays, a must-have wins, the higher weight wins.
fn add(requirements: &mut Vec<Requirement>, mut new: Requirement) {
    if let Spec::Degree { min_level, .. } = &new.spec {
        let level = *min_level;
        let same_level = requirements
            .iter_mut()
            .find(|r| matches!(&r.spec, Spec::Degree { min_level, .. } if *min_level == level));
        if let Some(existing) = same_level {
            existing.must_have |= new.must_have;
            existing.weight = existing.weight.max(new.weight);
            return;
        }
        if requirements.iter().any(|r| r.id == new.id) {
            new.id = format!("degree-{}", level.as_str().replace('_', "-"));
        }
    }
    if let Some(existing) = requirements.iter_mut().find(|r| r.id == new.id) {
        existing.must_have |= new.must_have;
        existing.weight = existing.weight.max(new.weight);
        return;
    }
    requirements.push(new);
}

/// Whatever rule drafted it, a requirement's label is a piece of its sentence and never the
/// whole of a long one: the label is the recruiter's words for this requirement alone.
fn keep_own_words(requirement: &mut Requirement) {
    if matches!(requirement.spec, Spec::AnyOf { .. }) {
        return;
    }
    let Some(source) = requirement.source.as_deref() else {
        return;
    };
    let label = requirement.label.trim();
    let inside = !label.is_empty() && source.to_lowercase().contains(&label.to_lowercase());
    let alphanumeric_words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let source_words = alphanumeric_words(source);
    let whole = source_words.len() > 16 && alphanumeric_words(label) == source_words;
    if inside && !whole {
        return;
    }
    // The sentence's first twelve words.
    let mut end = source.len();
    let mut words = 0;
    let mut in_word = false;
    for (at, c) in source.char_indices() {
        if c.is_whitespace() {
            if in_word {
                words += 1;
                if words == 12 {
                    end = at;
                    break;
                }
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    requirement.label = source[..end.min(source.len())]
        .trim()
        .trim_end_matches([',', ';', ':'])
        .to_owned();
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
    requirements.truncate(super::MAX_REQUIREMENTS);
    for requirement in &mut requirements {
        keep_own_words(requirement);
        if let Spec::AnyOf { alternatives } = &mut requirement.spec {
            alternatives.iter_mut().for_each(keep_own_words);
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
    let label = parts
        .iter()
        .map(|p| p.label.as_str())
        .collect::<Vec<_>>()
        .join(", or ");
    for part in &mut parts {
        part.must_have = false;
        part.weight = 1.0;
    }
    Requirement {
        id,
        label,
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

    fn experience(role: &Role) -> Vec<(ExperienceCategory, f32, bool)> {
        role.requirements
            .iter()
            .filter_map(|r| match &r.spec {
                Spec::Experience {
                    category,
                    min_years,
                } => Some((*category, *min_years, r.must_have)),
                _ => None,
            })
            .collect()
    }

    fn degrees(role: &Role) -> Vec<(DegreeLevel, bool)> {
        role.requirements
            .iter()
            .filter_map(|r| match &r.spec {
                Spec::Degree { min_level, .. } => Some((*min_level, r.must_have)),
                _ => None,
            })
            .collect()
    }

    fn skills(role: &Role) -> Vec<(String, bool)> {
        role.requirements
            .iter()
            .filter_map(|r| match &r.spec {
                Spec::Skill { any_of, .. } => Some((any_of.join("|"), r.must_have)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn wishes_cover_the_list_they_end() {
        // A wish after a list covers the whole list.
        let role =
            draft("Requirements\n- Experience with Salesforce, HubSpot, or Zoho CRM preferred\n");
        assert!(
            skills(&role).iter().all(|(_, must)| !must),
            "{:?}",
            skills(&role)
        );
        let role = draft(
            "Requirements\n- Bachelor's degree in Marketing, Communications, or related field preferred\n",
        );
        assert_eq!(degrees(&role), [(DegreeLevel::Bachelor, false)]);
        // A short wish after a requirement is its own.
        let role = draft("Requirements\n- 4+ years of B2B sales experience, SaaS preferred\n");
        assert_eq!(
            experience(&role),
            [(ExperienceCategory::B2bSales, 4.0, true)]
        );
        // "an asset", but not an asset manager.
        let role = draft("Requirements\n- 3+ years of experience as an asset manager\n");
        assert!(
            experience(&role).iter().all(|(_, _, must)| *must),
            "{:?}",
            experience(&role)
        );
    }

    #[test]
    fn reads_awkward_lines_without_panicking_or_misfiling() {
        // A multi-byte dash fifty bytes after "equivalent" once panicked.
        let role = draft(
            "Requirements\n- Bachelor's degree or equivalent experience in food or retail sales (3\u{2013}5 years)\n",
        );
        assert_eq!(degrees(&role).len(), 1);
        // A heading in capitals still heads its lines; a bulleted "MBA" is a degree.
        let role = draft(
            "RESPONSIBILITIES\n- Grow key accounts\nEDUCATION\n- Bachelor's degree required\n- MBA\n",
        );
        assert_eq!(
            degrees(&role),
            [(DegreeLevel::Bachelor, true), (DegreeLevel::Master, false)]
        );
        // "Travel: None" asks for no travel.
        let role = draft("Requirements\nTravel: None\n- 2+ years of sales experience\n");
        assert!(
            !role
                .requirements
                .iter()
                .any(|r| matches!(r.spec, Spec::Travel {}))
        );
        // Accounts on a platform are not clients; relationships with managers are not staff.
        let role = draft(
            "Requirements\n- 3+ years managing social media accounts\n- 3+ years of experience in sales, managing relationships with store managers\n",
        );
        assert!(
            experience(&role).iter().all(|(c, _, _)| !matches!(
                c,
                ExperienceCategory::AccountManagement | ExperienceCategory::PeopleManagement
            )),
            "{:?}",
            experience(&role)
        );
        // A certification the credentials table does not know stays a skill.
        let role = draft("Requirements\n- Salesforce certification required\n");
        assert!(
            skills(&role).iter().any(|(s, _)| s == "Salesforce"),
            "{:?}",
            skills(&role)
        );
        // "in lieu of" gives the degree's equivalent years, and only the years before it.
        let role = draft(
            "Requirements\n- Bachelor's degree (or 4 years of experience in lieu of degree) and 3+ years of B2B sales experience\n",
        );
        assert!(
            experience(&role).contains(&(ExperienceCategory::B2bSales, 3.0, true)),
            "{:?}",
            experience(&role)
        );
        let equivalent = role.requirements.iter().find_map(|r| match &r.spec {
            Spec::Degree {
                equivalent_years, ..
            } => *equivalent_years,
            _ => None,
        });
        assert_eq!(equivalent, Some(4.0));
    }

    #[test]
    fn years_in_words_digits_and_ranges() {
        let role = draft(
            "## Requirements\n* Minimum six years of sales experience in a B2B segment\n* 3+ years experience in account management\n* 2-4 years of accounting experience\n",
        );
        let years = experience(&role);
        assert!(
            years.contains(&(ExperienceCategory::B2bSales, 6.0, true)),
            "{years:?}"
        );
        assert!(
            years.contains(&(ExperienceCategory::AccountManagement, 3.0, true)),
            "{years:?}"
        );
        assert!(
            years.contains(&(ExperienceCategory::Total, 2.0, true)),
            "{years:?}"
        );
    }

    #[test]
    fn two_kinds_of_years_in_one_sentence() {
        let role = draft(
            "The successful candidate will bring at least 10 years of B2B sales experience, including a minimum of five years managing teams of eight or more sellers.",
        );
        let years = experience(&role);
        assert!(years.contains(&(ExperienceCategory::B2bSales, 10.0, true)));
        assert!(years.contains(&(ExperienceCategory::PeopleManagement, 5.0, true)));
    }

    #[test]
    fn required_and_preferred_degrees_are_two_requirements() {
        let role = draft(
            "Requirements\n- High school diploma or GED required; bachelor's degree preferred\n",
        );
        assert_eq!(
            degrees(&role),
            [
                (DegreeLevel::HighSchool, true),
                (DegreeLevel::Bachelor, false)
            ]
        );
        let role = draft("A bachelor's degree is required, and an MBA is strongly preferred.");
        assert_eq!(
            degrees(&role),
            [(DegreeLevel::Bachelor, true), (DegreeLevel::Master, false)]
        );
    }

    #[test]
    fn negations_draft_nothing() {
        for text in [
            "This team sits in our office five days a week. No travel required.",
            "Requirements\n- A college degree is not required.\n",
            "Degree not required - we care about what you've built.",
            "Things you don't need: a legal background, a car, or a college degree.",
            "This position works at a single branch and does not travel.",
        ] {
            let role = draft(text);
            assert!(
                role.requirements.is_empty(),
                "{text}: {:?}",
                role.requirements
            );
        }
    }

    #[test]
    fn preferably_in_a_setting_keeps_the_must_have() {
        let role = draft(
            "Requirements\n- 2+ years of outside B2B sales experience, preferably in HVAC distribution\n",
        );
        assert_eq!(
            experience(&role),
            [(ExperienceCategory::B2bSales, 2.0, true)]
        );
    }

    #[test]
    fn credentials_skills_and_languages_of_non_sales_ads() {
        let role = draft(
            "Qualifications\n- Active CPA license required\n- QuickBooks Online experience required\n- Experience with AppFolio a plus\n- Fluency in Korean is a plus\n",
        );
        let names: Vec<(String, bool)> = role
            .requirements
            .iter()
            .map(|r| {
                let name = match &r.spec {
                    Spec::Skill { any_of, .. }
                    | Spec::Certification { any_of }
                    | Spec::Language { any_of } => any_of[0].clone(),
                    other => other.kind().to_owned(),
                };
                (name, r.must_have)
            })
            .collect();
        assert_eq!(
            names,
            [
                ("CPA".to_owned(), true),
                ("QuickBooks".to_owned(), true),
                ("AppFolio".to_owned(), false),
                ("Korean".to_owned(), false)
            ]
        );
    }

    #[test]
    fn examples_of_a_generic_system_are_not_requirements_of_their_own() {
        let role =
            draft("You should have hands-on experience with an HRIS such as UKG or Workday.");
        assert_eq!(role.requirements.len(), 1, "{:?}", role.requirements);
        let Spec::Skill { any_of, .. } = &role.requirements[0].spec else {
            panic!("not a skill");
        };
        assert_eq!(any_of, &["HRIS", "UKG", "Workday"]);
    }

    #[test]
    fn every_requirement_cites_its_sentence_in_its_own_words() {
        let role = draft(
            "# Sales Lead job description\n## Requirements\n* BSc degree in Marketing or relevant field\n* Availability to travel\n* Working knowledge of Excel - you'll build your own pipeline reports\n",
        );
        assert_eq!(role.title, "Sales Lead");
        assert_eq!(role.id, "sales-lead");
        assert_eq!(role.requirements.len(), 3);
        for r in &role.requirements {
            let source = r.source.as_deref().unwrap_or("");
            assert!(!source.is_empty());
            assert!(source.contains(&r.label), "{:?} not in {source:?}", r.label);
        }
        assert_eq!(role.requirements[2].label, "Working knowledge of Excel");
        role.validate().unwrap();
    }

    #[test]
    fn garbage_drafts_to_an_empty_valid_role() {
        for text in ["", "\u{0}\u{1}<<<>>>", &"x. ".repeat(10_000)] {
            draft(text).validate().unwrap();
        }
    }
}
