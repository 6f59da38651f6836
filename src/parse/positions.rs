//! Positions: a heading with a date range ("Company Name July 2011 to November 2012 Accountant",
//! "09/2012 to 07/2014" followed by "Sales Manager Company Name － City , State", "Sales Manager"
//! followed by "Jan 2019 – Present") and the description below it.
//!
//! A position is anchored on its date line. The heading around it is the date line plus the
//! short lines next to it that carry the title, employer or location; the description is every
//! line from there to the next heading. Title and employer are told apart with the placeholder
//! "Company Name" when the resume is anonymised, else with a lexicon of job-title words and
//! organisation suffixes.

use regex::Regex;

use super::dates::{DateParser, DateRange};
use super::lines::Line;
use super::sections::SectionKind;

/// A position as read from the text, before dates become months and categories.
#[derive(Debug, Clone)]
pub struct RawPosition {
    pub title: Option<String>,
    pub employer: Option<String>,
    pub location: Option<String>,
    pub range: DateRange,
    /// Line indices of the heading (first..=last).
    pub heading_lines: (usize, usize),
    /// Line indices of the description (first..end, exclusive), possibly empty.
    pub description_lines: (usize, usize),
}

const TITLE_WORDS: &[&str] = &[
    "manager",
    "director",
    "associate",
    "representative",
    "rep",
    "specialist",
    "coordinator",
    "assistant",
    "analyst",
    "engineer",
    "consultant",
    "executive",
    "officer",
    "supervisor",
    "lead",
    "leader",
    "intern",
    "internship",
    "clerk",
    "accountant",
    "teacher",
    "chef",
    "cook",
    "nurse",
    "administrator",
    "advisor",
    "adviser",
    "agent",
    "cashier",
    "server",
    "developer",
    "designer",
    "president",
    "vp",
    "owner",
    "founder",
    "co-founder",
    "partner",
    "technician",
    "instructor",
    "recruiter",
    "generalist",
    "sales",
    "account",
    "attendant",
    "driver",
    "operator",
    "auditor",
    "banker",
    "teller",
    "buyer",
    "planner",
    "trainer",
    "writer",
    "editor",
    "producer",
    "strategist",
    "architect",
    "programmer",
    "scientist",
    "researcher",
    "head",
    "chief",
    "principal",
    "volunteer",
    "worker",
    "aide",
    "therapist",
    "counselor",
    "professor",
    "tutor",
    "mechanic",
    "electrician",
    "merchandiser",
    "stylist",
    "receptionist",
    "secretary",
    "bookkeeper",
    "controller",
    "examiner",
    "underwriter",
    "broker",
    "realtor",
    "inspector",
    "foreman",
    "superintendent",
    "captain",
    "sergeant",
    "pilot",
    "host",
    "hostess",
    "bartender",
    "waiter",
    "waitress",
    "caregiver",
    "pharmacist",
    "physician",
    "paralegal",
    "attorney",
    "lawyer",
    "administrative",
    "senior",
    "junior",
    "sr",
    "jr",
    "trainee",
    "apprentice",
    "handler",
    "dispatcher",
    "estimator",
    "surveyor",
    "educator",
    "faculty",
    "lecturer",
    "fellow",
    "member",
    "ceo",
    "cfo",
    "coo",
    "cto",
    "owner/operator",
    "geschäftsführer",
    "leiter",
    "berater",
    "verkäufer",
    "vendeur",
    "responsable",
    "gerente",
    "vendedor",
    "ejecutivo",
];

const ORGANISATION_WORDS: &[&str] = &[
    "inc",
    "llc",
    "ltd",
    "corp",
    "corporation",
    "company",
    "co",
    "gmbh",
    "ag",
    "sa",
    "plc",
    "group",
    "bank",
    "university",
    "college",
    "hospital",
    "school",
    "agency",
    "associates",
    "partners",
    "solutions",
    "systems",
    "technologies",
    "services",
    "international",
    "holdings",
    "foundation",
    "institute",
    "department",
    "county",
    "city",
    "army",
    "navy",
    "force",
    "corps",
];

/// Compiled patterns for position headings.
#[derive(Debug, Clone)]
pub struct PositionReader {
    location: Regex,
    separators: Regex,
}

impl Default for PositionReader {
    fn default() -> Self {
        Self::new()
    }
}

fn words_lower(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '/'))
        .filter(|word| !word.is_empty())
        .map(|word| word.to_lowercase())
}

fn has_title_word(text: &str) -> bool {
    words_lower(text).any(|word| TITLE_WORDS.contains(&word.as_str()))
}

fn has_organisation_word(text: &str) -> bool {
    words_lower(text).any(|word| ORGANISATION_WORDS.contains(&word.as_str()))
}

/// A company's name: a short line that ends with a legal form, as written ("Convergence Inc.
/// LLC", "Avalon Digital Marketing Systems, Inc. (European Division)"). Words like "Company"
/// are left out: they end titles ("Teacher and Company") and sentences too.
fn is_company_name(text: &str) -> bool {
    let without_note = text.split('(').next().unwrap_or(text);
    word_count(without_note) <= 10
        && without_note
            .split(|c: char| !c.is_alphanumeric())
            .rfind(|word| !word.is_empty())
            .is_some_and(|word| {
                matches!(
                    word,
                    "Inc"
                        | "INC"
                        | "LLC"
                        | "Ltd"
                        | "LTD"
                        | "Corp"
                        | "CORP"
                        | "GmbH"
                        | "PLC"
                        | "Plc"
                        | "LP"
                        | "LLP"
                        | "Co"
                )
            })
}

/// Every word starts with a capital or a digit ("ABC Company", "Acme Widgets"), as names do
/// and sentences of a description do not.
fn is_title_case(text: &str) -> bool {
    text.split_whitespace().all(|word| {
        word.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || c == '&')
            || matches!(word, "of" | "and" | "the" | "for" | "de")
    })
}

/// Words that begin a two-word city name ("San Francisco", "New York", "Fort Worth").
const CITY_FIRST_WORDS: &[&str] = &[
    "san",
    "santa",
    "los",
    "las",
    "new",
    "fort",
    "ft.",
    "saint",
    "st.",
    "salt",
    "palo",
    "baton",
    "ann",
    "des",
    "el",
    "grand",
    "long",
    "little",
    "mountain",
    "redwood",
    "kansas",
    "oklahoma",
    "jersey",
    "palm",
    "west",
    "north",
    "south",
    "east",
    "cedar",
    "sioux",
    "colorado",
    "silver",
    "boca",
    "coral",
    "daly",
    "menlo",
    "la",
    "lake",
    "glen",
    "park",
    "round",
    "bowling",
    "virginia",
    "corpus",
    "el",
    "del",
    "costa",
    "newport",
    "huntington",
    "iowa",
    "carson",
    "rapid",
    "twin",
];

/// Words that end a two-word city name ("Kansas City", "Palm Springs", "Long Beach").
const CITY_LAST_WORDS: &[&str] = &[
    "city", "beach", "springs", "falls", "park", "heights", "hills", "valley", "rapids", "rock",
    "island", "point", "creek", "grove", "harbor", "lake", "village", "station", "bluffs",
];

/// The location regex reads up to three capitalised words before ", ST", so an employer written
/// just before the city ("Stripe San Francisco, CA") ends up inside it: the leading words that
/// are not the city come back apart.
fn split_place(found: &str) -> (&str, &str) {
    let Some((before, _)) = found.split_once(',') else {
        return ("", found);
    };
    let words: Vec<(usize, &str)> = before
        .split_whitespace()
        .map(|w| (w.as_ptr() as usize - found.as_ptr() as usize, w))
        .collect();
    if words.len() < 2 || before.trim() == "City" {
        return ("", found);
    }
    let lower = |i: usize| words[i].1.to_lowercase();
    let last = words.len() - 1;
    let mut city_words = 1;
    if CITY_LAST_WORDS.contains(&lower(last).as_str())
        || CITY_FIRST_WORDS.contains(&lower(last - 1).as_str())
    {
        city_words = 2;
        if last >= 2 && CITY_FIRST_WORDS.contains(&lower(last - 2).as_str()) {
            city_words = 3;
        }
    }
    if city_words > last {
        return ("", found);
    }
    let start = words[words.len() - city_words].0;
    (found[..start].trim(), &found[start..])
}

/// Words from which a line below a heading reads as a sentence of the description rather than
/// a title ("Consistently exceeded monthly sales quotas ...").
const SENTENCE_WORDS: usize = 5;

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

fn starts_with_bullet(text: &str) -> bool {
    text.trim_start().starts_with([
        '•', '●', '▪', '◦', '*', '·', '-', '–', '➢', '►', '■', '□', '✓', '❖',
    ])
}

/// A line short and plain enough to be part of a position heading rather than a sentence.
fn is_heading_like(text: &str) -> bool {
    let trimmed = text.trim();
    !trimmed.is_empty()
        && word_count(trimmed) <= 10
        && trimmed.len() <= 90
        && !trimmed.ends_with('.')
        && !trimmed.ends_with(';')
        && !starts_with_bullet(trimmed)
        && trimmed
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_numeric())
}

impl PositionReader {
    pub fn new() -> Self {
        Self {
            location: Regex::new(
                r"(?x)
                \bCity\s*,\s*State(?:\s*,\s*(?:USA|United\ States|[A-Z][A-Za-z]+))?
                |\bCity\b
                |\b[A-Z][a-zA-Z.]+(?:\ [A-Z][a-zA-Z.]+){0,2}\s*,\s*(?:A[LKZR]|C[AOT]|D[EC]|FL|GA|HI|I[DLNA]|K[SY]|LA|M[EDAINSOT]|N[EVHJMYCD]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[TA]|W[AVIY])\b(?:\s+\d{5})?
                |\bRemote\b",
            )
            .unwrap_or_else(|e| panic!("location regex: {e}")),
            separators: Regex::new(r"\s+[－–—|@•·]\s+|\s+-\s+|\s+at\s+|\t+|\s*,\s*$|^\s*,\s*")
                .unwrap_or_else(|e| panic!("separator regex: {e}")),
        }
    }

    /// The date range a line carries, reading a range split over this and the next one or two
    /// lines. Returns the range and how many extra lines it took.
    fn range_at(
        &self,
        lines: &[Line<'_>],
        index: usize,
        dates: &DateParser,
        year: u16,
    ) -> Option<(DateRange, usize, String)> {
        let text = lines.get(index)?.text;
        // Every date has a digit: most description lines are rejected here without a regex.
        if text.len() > 220 || !text.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        let next = lines.get(index + 1).map(|l| l.text);
        let after = lines.get(index + 2).map(|l| l.text);
        // "Jan 2019 -" / "Present", or "Jan 2019" / "to" / "Dec 2020".
        let (joined, extra) = match (next, after) {
            (Some(sep), Some(end))
                if dates.is_bare_separator(sep)
                    && dates.ends_with_date(text, year)
                    && (dates.starts_with_range_end(end, year)
                        || dates.ends_with_date(end, year)) =>
            {
                (
                    format!("{} {} {}", text.trim_end(), sep.trim(), end.trim()),
                    2,
                )
            }
            (Some(end), _)
                if (dates.ends_with_open_separator(text, year)
                    || dates.ends_with_date(text, year))
                    && dates.starts_with_range_end(end, year) =>
            {
                (format!("{} {}", text.trim_end(), end.trim()), 1)
            }
            _ => (text.to_owned(), 0),
        };
        let ranges = dates.ranges(&joined, year);
        // A heading has one range; a line with several dates is prose or a list.
        let with_end: Vec<&DateRange> = ranges
            .iter()
            .filter(|r| r.end.is_some() || r.current)
            .collect();
        let chosen = match with_end.as_slice() {
            [one] => (*one).clone(),
            [] if ranges.len() == 1 => ranges.first()?.clone(),
            _ => return None,
        };
        let mut rest = remove_span(&joined, chosen.span);
        // A range written backwards is a heading's only next to a job title ("Receptionist
        // 09/2008 to 04/2005"); alone ("2019 - 2018") it is no position.
        if chosen.end.is_some_and(|end| end < chosen.start) && !has_title_word(&rest) {
            return None;
        }
        let is_range = chosen.end.is_some() || chosen.current;
        // "December 2007 to August 2014 Company Name － City , State Generated several new
        // accounts ...": a heading whose description runs on in the same line. The heading ends
        // with the employer and location near the start; the rest of the line is description.
        let starts_line = joined
            .get(..chosen.span.0)
            .is_some_and(|head| head.trim().is_empty());
        if is_range && starts_line {
            let employer_end = rest.find("Company Name").map(|i| i + "Company Name".len());
            let location_end = self.location.find(&rest).map(|m| m.end());
            // The description starts with a past-tense verb ("Developed", "Managed").
            let description_follows =
                |end: usize| rest.get(end..).is_some_and(starts_with_past_tense_verb);
            if let Some(end) = location_end
                .or(employer_end)
                .filter(|&end| end <= 80 && description_follows(end))
            {
                rest.truncate(end);
            }
        }
        // "Company Name City , State Dispatcher 10/2005 to 10/2008 Provided support to ...": the
        // heading ends with the range and the description runs on after it.
        let after_range = joined.get(chosen.span.1..).unwrap_or("");
        if is_range && !starts_line && starts_with_past_tense_verb(after_range) {
            rest = joined.get(..chosen.span.0).unwrap_or("").to_owned();
        }
        // "Senior Buyer 08/2015 to Current Company Name City , State Searching for new products
        // and ...": the title before the range, the anonymised employer and its location after
        // it, then a description that runs on in the same line (whatever its first word).
        if is_range
            && !starts_line
            && let Some(heading_end) = self.anonymised_employer_end(after_range)
            && after_range
                .get(heading_end..)
                .is_some_and(|description| word_count(description) >= SENTENCE_WORDS)
        {
            rest = format!(
                "{} {}",
                joined.get(..chosen.span.0).unwrap_or(""),
                after_range.get(..heading_end).unwrap_or("")
            );
        }
        let plausible = if is_range {
            // "January 17th 2007- Present).": a date line with only punctuation left over.
            !rest.chars().any(char::is_alphabetic)
                || word_count(&rest) <= 16 && !rest.trim_end().ends_with('.')
        } else {
            // A lone date is a heading only next to the anonymised employer or in a short line,
            // or alone on its line above the employer and title ("July 2006" / "Company Name
            // City , State Summer Analyst").
            let next_is_heading = next.is_some_and(|n| {
                is_heading_like(n) && (n.contains("Company Name") || has_title_word(n))
            });
            // "Top Producer in July 2014 with $1.8M in sales": a date after a preposition is
            // when something happened, inside a sentence.
            let after_preposition = joined
                .get(..chosen.span.0)
                .and_then(|head| head.split_whitespace().next_back())
                .is_some_and(|word| {
                    ["in", "since", "during", "until", "by"]
                        .iter()
                        .any(|p| word.eq_ignore_ascii_case(p))
                });
            !after_preposition
                && (rest.contains("Company Name")
                    || (is_heading_like(&rest) && word_count(&rest) <= 8)
                    || (!rest.chars().any(char::is_alphabetic) && extra == 0 && next_is_heading))
        };
        plausible.then_some((chosen, extra, rest))
    }

    /// Reads the positions in the lines whose section is accepted by `in_scope`.
    pub fn read(
        &self,
        lines: &[Line<'_>],
        dates: &DateParser,
        year: u16,
        in_scope: impl Fn(SectionKind) -> bool,
    ) -> Vec<RawPosition> {
        struct Anchor {
            range: DateRange,
            first: usize,
            last: usize,
            header_text: Vec<String>,
        }
        // Each line's range is read once: heading detection asks about neighbours repeatedly.
        let ranges: Vec<Option<(DateRange, usize, String)>> = (0..lines.len())
            .map(|i| {
                lines
                    .get(i)
                    .filter(|line| !line.is_heading && in_scope(line.section))
                    .and_then(|_| self.range_at(lines, i, dates, year))
            })
            .collect();
        let range_at = |i: usize| ranges.get(i).and_then(Option::as_ref);
        let mut anchors: Vec<Anchor> = Vec::new();
        let mut index = 0;
        while index < lines.len() {
            let Some(line) = lines.get(index) else { break };
            if line.is_heading || !in_scope(line.section) {
                index += 1;
                continue;
            }
            let Some((range, extra, rest)) = range_at(index).cloned() else {
                index += 1;
                continue;
            };
            let mut first = index;
            let mut last = index + extra;
            let rest_has_employer = rest.contains("Company Name");
            let mut header_text = vec![rest];
            // Lines after: the employer and location line, or the title line when the date line
            // had none.
            let mut title_found = self.title_candidate(header_text.join(" ").as_str());
            // "Strategic Account Sales and Consulting" / "December 2012 to August 2014 Company
            // Name - City , State" / "Consistently exceeded monthly sales quotas": when the date
            // line already carries the employer, a title-like line above it is the title, and
            // a sentence below starts the description (a short line below, "Senior Accountant"
            // under a repeated headline "TEACHER", is still the title).
            let title_above = rest_has_employer
                && anchors.last().is_none_or(|a| a.last + 1 < index)
                && index
                    .checked_sub(1)
                    .and_then(|i| lines.get(i))
                    .is_some_and(|previous| {
                        !previous.is_heading
                            && previous.section == line.section
                            && is_heading_like(previous.text)
                            && has_title_word(previous.text)
                            && range_at(index - 1).is_none()
                    });
            let mut after_employer_line = false;
            for _ in 0..2 {
                let Some(next) = lines.get(last + 1) else {
                    break;
                };
                if next.is_heading || next.section != line.section {
                    break;
                }
                if range_at(last + 1).is_some() {
                    break;
                }
                // The employer and its place: "Company Name - City , State", "Boston, MA",
                // or "Stripe • San Francisco, CA" (a name, a separator, the place).
                let placeholder = next.text.contains("Company Name")
                    || word_count(next.text) <= 8
                        && self.location.find(next.text).is_some_and(|m| {
                            m.start() < 3
                                || !has_title_word(next.text)
                                    && next.text[..m.start()]
                                        .trim_end()
                                        .ends_with(['•', '·', '|', '–', '-', ','])
                        });
                // "October 2004 – Current" / "Convergence Inc. LLC" / "Director of ...": under
                // a line that is only the dates, a company's name is the employer, not a title.
                let employer_line = !header_text
                    .iter()
                    .any(|t| t.chars().any(char::is_alphabetic))
                    && is_heading_like(next.text.trim_end_matches('.'))
                    && word_count(next.text) <= 8
                    && is_company_name(next.text);
                // A title line right above the next date line is that position's title.
                let sentence_under_title = title_above && word_count(next.text) >= SENTENCE_WORDS;
                // Under a company's name on its own line, the short line is the title, whatever
                // its words ("Contractor – Web Development").
                let title_line = !title_found
                    && !sentence_under_title
                    && is_heading_like(next.text)
                    && (has_title_word(next.text)
                        || after_employer_line && word_count(next.text) <= 8)
                    && range_at(last + 2).is_none();
                if !(placeholder || title_line || employer_line) {
                    break;
                }
                header_text.push(next.text.to_owned());
                title_found =
                    title_found || !employer_line && (title_line || has_title_word(next.text));
                after_employer_line = employer_line;
                last += 1;
            }
            // The line before: a title written above the dates ("Sales Manager" / "Jan 2019 -
            // Present"), only when the heading has no title yet.
            if !self.title_candidate(header_text.join(" ").as_str())
                && let Some(previous) = index.checked_sub(1).and_then(|i| lines.get(i))
            {
                let free = anchors.last().is_none_or(|a| a.last < index - 1);
                if free
                    && !previous.is_heading
                    && previous.section == line.section
                    && is_heading_like(previous.text)
                {
                    header_text.insert(0, previous.text.to_owned());
                    first = index - 1;
                    // "Company Name Network Support Engineer" / "City" / the dates: above a line
                    // that is only the location, the title line.
                    let location_only = self
                        .location
                        .find(previous.text)
                        .is_some_and(|m| m.start() < 3 && m.end() + 3 >= previous.text.len());
                    if let Some(above) = index.checked_sub(2).and_then(|i| lines.get(i))
                        && location_only
                        && anchors.last().is_none_or(|a| a.last < index - 2)
                        && !above.is_heading
                        && above.section == line.section
                        && is_heading_like(above.text)
                        && range_at(index - 2).is_none()
                    {
                        header_text.insert(0, above.text.to_owned());
                        first = index - 2;
                    }
                }
            }
            // "ABC Company" / "Software Engineer May 2023 - Present": a title-cased name of an
            // organisation right above a heading that has a title but no employer.
            if first == index
                && self.title_candidate(header_text.join(" ").as_str())
                && self.split_heading(&header_text).1.is_none()
                && let Some(previous) = index.checked_sub(1).and_then(|i| lines.get(i))
                && anchors.last().is_none_or(|a| a.last < index - 1)
                && !previous.is_heading
                && previous.section == line.section
                && is_heading_like(previous.text)
                && word_count(previous.text) <= 6
                && !has_title_word(previous.text)
                && (has_organisation_word(previous.text) || is_title_case(previous.text))
            {
                header_text.insert(0, previous.text.to_owned());
                first = index - 1;
            }
            anchors.push(Anchor {
                range,
                first,
                last,
                header_text,
            });
            index = last + 1;
        }

        let mut positions = Vec::with_capacity(anchors.len());
        for (n, anchor) in anchors.iter().enumerate() {
            let section = lines.get(anchor.first).map(|l| l.section);
            let mut end = anchor.last + 1;
            let limit = anchors.get(n + 1).map_or(lines.len(), |next| next.first);
            while end < limit {
                let Some(line) = lines.get(end) else { break };
                if line.is_heading || Some(line.section) != section {
                    break;
                }
                end += 1;
            }
            let (title, employer, location) = self.split_heading(&anchor.header_text);
            positions.push(RawPosition {
                title,
                employer,
                location,
                range: anchor.range.clone(),
                heading_lines: (anchor.first, anchor.last),
                description_lines: (anchor.last + 1, end),
            });
        }
        positions
    }

    /// Where the anonymised employer and its location end in `text`, when `text` starts with
    /// them ("Company Name City , State ...", "Company Name State ...").
    fn anonymised_employer_end(&self, text: &str) -> Option<usize> {
        let employer =
            text.trim_start_matches(|c: char| c.is_whitespace() || "－–—-|,".contains(c));
        if !employer.starts_with("Company Name") {
            return None;
        }
        let mut end = text.len() - employer.len() + "Company Name".len();
        let after = text.get(end..).unwrap_or("");
        if let Some(found) = self.location.find(after).filter(|m| m.start() < 4) {
            end += found.end();
        } else {
            // The anonymiser also writes the location as a bare "State".
            let state = after.trim_start();
            if state.starts_with("State ") {
                end += after.len() - state.len() + "State".len();
            }
        }
        Some(end)
    }

    fn title_candidate(&self, text: &str) -> bool {
        let without_employer = text.replace("Company Name", " ");
        let cleaned = self.location.replace_all(&without_employer, " ");
        has_title_word(&cleaned)
    }

    /// Title, employer and location from the heading lines with the dates taken out.
    fn split_heading(&self, header: &[String]) -> (Option<String>, Option<String>, Option<String>) {
        let mut location = None;
        let mut employer = None;
        let mut segments: Vec<String> = Vec::new();
        for text in header {
            let mut text = text.clone();
            if text.contains("Company Name") {
                employer.get_or_insert_with(|| "Company Name".to_owned());
                text = text.replace("Company Name", " | ");
            }
            if let Some(found) = self.location.find(&text) {
                let (leading, place) = split_place(found.as_str().trim());
                location.get_or_insert_with(|| place.to_owned());
                text = format!(
                    "{} | {} | {}",
                    text.get(..found.start()).unwrap_or(""),
                    leading,
                    text.get(found.end()..).unwrap_or("")
                );
            }
            for segment in self.separators.split(&text) {
                for piece in split_commas(segment) {
                    let piece = piece
                        .trim()
                        .trim_matches(|c: char| {
                            c == ','
                                || c == '－'
                                || c == '-'
                                || c == '–'
                                || c == ':'
                                || c == '('
                                || c == ')' && !piece.contains('(')
                        })
                        .trim();
                    if piece.chars().any(char::is_alphabetic) {
                        segments.push(piece.to_owned());
                    }
                }
            }
        }
        let title_index = segments
            .iter()
            .position(|s| has_title_word(s) && !has_organisation_word(s))
            .or_else(|| {
                segments
                    .iter()
                    .position(|s| has_title_word(s) && !is_company_name(s))
            })
            .or_else(|| segments.iter().position(|s| !is_company_name(s)));
        let title = title_index.and_then(|i| segments.get(i).map(|s| cut_at_sentence(s)));
        if employer.is_none() {
            employer = segments
                .iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != title_index)
                .map(|(_, s)| s)
                .find(|s| has_organisation_word(s) || !has_title_word(s))
                .cloned();
        }
        // A title split at a comma ("Registered Nurse, Supervisor") is one title.
        let title = match (title_index, title) {
            (Some(i), Some(title)) => {
                let mut joined = title;
                for next in segments.iter().skip(i + 1) {
                    if Some(next) == employer.as_ref() || !has_title_word(next) {
                        break;
                    }
                    joined.push_str(", ");
                    joined.push_str(next);
                }
                Some(joined)
            }
            _ => None,
        };
        (title, employer, location)
    }
}

/// A title followed by the first words of a description on the same line ("Pharmacy Clerk
/// Maintained front end of store"): cut before the first capitalised past-tense verb.
fn cut_at_sentence(title: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for (index, word) in title.split_whitespace().enumerate() {
        let verb_like = index >= 1
            && word.len() > 4
            && word.ends_with("ed")
            && word.chars().next().is_some_and(char::is_uppercase)
            && !word.chars().all(|c| c.is_uppercase());
        if verb_like || kept.len() >= 12 {
            break;
        }
        kept.push(word);
    }
    kept.join(" ")
}

/// Whether `text` starts with a capitalised past-tense verb ("Developed", "Managed"): the first
/// words of a description.
fn starts_with_past_tense_verb(text: &str) -> bool {
    text.split_whitespace().next().is_some_and(|word| {
        word.len() > 4
            && word.ends_with("ed")
            && word.chars().next().is_some_and(char::is_uppercase)
    })
}

/// Pieces of a heading segment split at "|" and at commas that end a title ("Senior Account
/// Manager, Acme Corp"); a comma inside a title ("Registered Nurse, Supervisor") is kept.
static LEGAL_FORM_AFTER_COMMA: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"(?i),\s+(?P<form>inc\b\.?|llc\b|ltd\b\.?|corp\b\.?|l\.?l\.?c\.?)")
        .unwrap_or_else(|e| panic!("legal form regex: {e}"))
});

fn split_commas(segment: &str) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    for part in segment.split('|') {
        let mut current = String::new();
        // A legal form stays with its name: "Avalon Digital Marketing Systems, Inc."
        let part = LEGAL_FORM_AFTER_COMMA.replace_all(part, " $form");
        for piece in part.split(", ") {
            let organisation = has_organisation_word(piece) && !has_title_word(piece);
            if organisation && !current.trim().is_empty() {
                pieces.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push_str(", ");
            }
            current.push_str(piece);
            if organisation {
                pieces.push(std::mem::take(&mut current));
            }
        }
        if !current.trim().is_empty() {
            pieces.push(current);
        }
    }
    pieces
}

fn remove_span(text: &str, span: (usize, usize)) -> String {
    format!(
        "{} {}",
        text.get(..span.0).unwrap_or(""),
        text.get(span.1..).unwrap_or("")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::lines::split_lines;
    use crate::parse::sections::HeadingTable;

    fn read(text: &str) -> Vec<RawPosition> {
        let table = HeadingTable::new();
        let lines = split_lines(text, &table);
        PositionReader::new().read(&lines, &DateParser::new(), 2021, |kind| {
            kind == SectionKind::Experience
        })
    }

    #[test]
    fn reads_the_livecareer_heading_shapes() {
        let text = "HEADLINE\nExperience\n\
            Company Name July 2011 to November 2012 Accountant\n\
            City , State\n\
            Reconciled accounts.\n\
            09/2013 to Current\n\
            Registered Nurse, Supervisor Company Name - City , State\n\
            Supervised a team of 8 nurses.\n\
            Health Revenue Specialist , 02/2019 to Current\n\
            Company Name – City , State\n\
            Force Analyst\n\
            May 2013 to Current Company Name\n\
            Trained soldiers.\n";
        let positions = read(text);
        let titles: Vec<_> = positions.iter().map(|p| p.title.clone()).collect();
        assert_eq!(
            titles,
            [
                Some("Accountant".into()),
                Some("Registered Nurse, Supervisor".into()),
                Some("Health Revenue Specialist".into()),
                Some("Force Analyst".into()),
            ]
        );
        assert_eq!(positions[0].employer.as_deref(), Some("Company Name"));
        assert_eq!(positions[0].location.as_deref(), Some("City , State"));
        assert_eq!(positions[0].description_lines, (4, 5));
        assert!(positions[1].range.current);
    }

    #[test]
    fn reads_a_heading_whose_description_runs_on_in_the_date_line() {
        let text = "HEADLINE\nExperience\nRegional Account Manager\n\
            December 2001 to December 2007 Company Name － City , State Developed several new accounts and provided regional sales leadership of\n\
            the System Development Group.\n";
        let positions = read(text);
        assert_eq!(positions.len(), 1);
        assert_eq!(
            positions[0].title.as_deref(),
            Some("Regional Account Manager")
        );
        assert_eq!(positions[0].location.as_deref(), Some("City , State"));
    }

    #[test]
    fn reads_a_title_range_employer_line_whose_description_runs_on() {
        // Whatever the description's first word: it follows the anonymised employer and place.
        let text = "HEADLINE\nExperience\n\
            Purchasing Lead 03/2016 to Current Company Name City , State Looking for new suppliers of\n\
            kitchen goods and agreeing on prices.\n\
            Store Clerk 01/2010 to 01/2013 Company Name State I kept the shelves stocked and helped\n\
            customers at the till.\n";
        let positions = read(text);
        let titles: Vec<_> = positions.iter().map(|p| p.title.clone()).collect();
        assert_eq!(
            titles,
            [Some("Purchasing Lead".into()), Some("Store Clerk".into())]
        );
        assert_eq!(positions[0].location.as_deref(), Some("City , State"));
        // A sentence that merely mentions a range, or a date after a preposition, is no heading.
        assert!(read("HEADLINE\nExperience\nTop Seller in March 2015 2.1M Sold\n").is_empty());
        let text = "HEADLINE\nExperience\n\
            We grew 40% from 2010 to 2012 and the Company Name City , State office doubled its staff again.\n";
        assert!(read(text).is_empty());
    }

    #[test]
    fn a_title_above_an_employer_date_line_wins_over_a_sentence_below() {
        let text = "HEADLINE\nExperience\nStrategic Account Sales and Consulting\n\
            December 2012 to August 2014 Company Name - City , State\n\
            Consistently exceeded monthly sales quotas by more than 100%\n\
            Negotiated prices and terms.\n";
        let positions = read(text);
        assert_eq!(
            positions[0].title.as_deref(),
            Some("Strategic Account Sales and Consulting")
        );
        // A short title line below still is the title (the line above repeats the headline).
        let text = "HEADLINE\nExperience\nTEACHER\nMarch 2013 to Current Company Name\n\
            Senior Accountant\nReconciled accounts.\n";
        assert_eq!(read(text)[0].title.as_deref(), Some("Senior Accountant"));
    }

    #[test]
    fn reads_a_title_above_the_location_line_and_dates_in_brackets() {
        let text = "HEADLINE\nExperience\nCompany Name Administrator of Information Technology\nCity\n\
            January 17th 2007- Present).\nResearch and support new technologies.\n";
        let positions = read(text);
        assert_eq!(positions.len(), 1);
        assert_eq!(
            positions[0].title.as_deref(),
            Some("Administrator of Information Technology")
        );
        assert!(positions[0].range.current);
    }

    #[test]
    fn reads_a_description_after_the_range_and_a_lone_date_above_the_heading() {
        let text = "HEADLINE\nExperience\n\
            Company Name City , State Dispatcher 10/2005 to 10/2008 Provided support to the sales and service teams ensuring all objectives were met.\n\
            July 2006\n\
            Company Name City , State Summer Analyst\n\
            Conducted research for portfolio managers.\n";
        let positions = read(text);
        let titles: Vec<_> = positions.iter().map(|p| p.title.clone()).collect();
        assert_eq!(
            titles,
            [Some("Dispatcher".into()), Some("Summer Analyst".into())]
        );
        assert_eq!(positions[1].range.end, None);
    }

    #[test]
    fn reads_real_names_and_split_ranges() {
        let text = "HEADLINE\nWork History\nSenior Account Manager, Acme Corp, Boston, MA\nJan 2019 -\nPresent\n\
            Managed a portfolio of 40 accounts.\n";
        let positions = read(text);
        assert_eq!(positions.len(), 1);
        let p = &positions[0];
        assert_eq!(p.title.as_deref(), Some("Senior Account Manager"));
        assert_eq!(p.employer.as_deref(), Some("Acme Corp"));
        assert_eq!(p.location.as_deref(), Some("Boston, MA"));
        assert!(p.range.current);
    }
}
