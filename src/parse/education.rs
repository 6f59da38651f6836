//! Education: degree level from every common spelling (BSc, B.S., Bachelor's, Associate of ...,
//! MBA, M.S., PhD, High School Diploma, GED, ...), field, institution, year, and whether it is
//! completed ("in progress", "expected", "pursuing", "current", "plan to" are not; "coursework
//! in ..." under a degree lists its courses and does not make it unfinished).

use regex::Regex;

use super::lines::Line;
use super::sections::SectionKind;
use super::{LineRegex, blank_out, compile_line_words as compile_line};
use crate::profile::DegreeLevel;

#[derive(Debug, Clone)]
pub struct RawEducation {
    pub level: DegreeLevel,
    pub degree: String,
    pub field: Option<String>,
    pub institution: Option<String>,
    pub year: Option<u16>,
    pub completed: bool,
    /// Line indices the entry was read from (first..=last).
    pub lines: (usize, usize),
}

#[derive(Debug, Clone)]
pub struct EducationReader {
    degrees: Vec<(DegreeLevel, LineRegex)>,
    incomplete: LineRegex,
    /// The part of `incomplete` that can speak of a high-school diploma itself: on a diploma's
    /// line, "attended", "some college" or "some coursework" are about the years there or later
    /// studies ("High School Diploma, 1997 Ocean Lakes High School ... Attended Professional
    /// Marketing"), not about the diploma; "working toward a GED" still is.
    high_school_unfinished: LineRegex,
    /// "Current" on an education line: still attending ("2016 to Current", "N/A, Current Varina
    /// High School"), unless it is the current GPA.
    current: Regex,
    /// Wording that a high school was finished: a school's name alone is not a diploma.
    high_school_finished: LineRegex,
    institution: LineRegex,
    year: LineRegex,
    field_after: Regex,
    /// Schools and studies that give no degree (see [`Self::schools_without_a_degree`]).
    not_a_degree: LineRegex,
    two_year_college: LineRegex,
    degree_school: LineRegex,
    graduated: LineRegex,
    /// A certification or licence as the thing being pursued ("pursuing PMP and Scrum Master
    /// certifications"), not a degree.
    pursues_a_certification: LineRegex,
    /// Wording just before a degree in a summary that the candidate holds it ("my Master's at
    /// Bentley", "holds an MBA", "earned a Bachelor's degree").
    held_before: LineRegex,
}

impl Default for EducationReader {
    fn default() -> Self {
        Self::new()
    }
}

use super::compile_ascii_words as compile;

impl EducationReader {
    pub fn new() -> Self {
        // Abbreviations are matched as written (case-sensitive) so that "MS Office", "as" and
        // "ba" in prose do not become degrees; spelled-out names in any case.
        let degrees = vec![
            (
                DegreeLevel::Doctorate,
                compile_line(
                    r"(?i:\bdoctor(?:ate)?\s+(?:of|in)\b|\bdoctorate\b|\bjuris\s+doctor\b|\bdoktor\b|\bdoctorat\b|\bdoctorado\b)|\bPh\.?\s?D\b\.?|\bD\.\s?Phil\b|\bEd\.\s?D\b|\bEdD\b|\bJ\.D\.|\bJD\b|\bM\.D\.|\bPharm\.?\s?D\b|\bD\.B\.A\.|\bPsy\.?D\b",
                ),
            ),
            (
                DegreeLevel::Master,
                compile_line(
                    r"(?i:\bmaster['’]?s\b(?:\s+(?:of|in|degree)\b)?|\bmaster\s+(?:of|in|degree)\b|^\s*master\s*:|\bmagister\b|\bmaîtrise\b|\bmaestr[ií]a\b)|\bM\.?B\.?A\b\.?|\bE\.?M\.?B\.?A\b|\bM\.\s?S\.|\bMS(?:c)?\b(?:\s+(?:in|of)\b)|\bM\.\s?Sc\b\.?|\bMSc\b|\bM\.\s?A\.|\bM\.[AS]\b|\bMA\b(?:\s+(?:in|of)\b)|\bM\.\s?Ed\b\.?|\bMEd\b|\bMPA\b|\bMPH\b|\bMFA\b|\bMSW\b|\bMHA\b|\bLL\.?M\b|\bM\.\s?Eng\b|\bMEng\b|\bM\.?Tech\b|\bMSN\b|\bMAT\b|\bMCA\b",
                ),
            ),
            (
                DegreeLevel::Bachelor,
                compile_line(
                    r"(?i:\bbachelor'?s?\b|\bbaccalaureate\b|\bbachelier\b|\blicenciatura\b|\blicence\b)|\bB\.\s?A\.|\bBA\b|\bB\.\s?S\.|\bBS\b|\bB\.[AS]\b|\bB\.\s?Sc\b\.?|\bBSc\b|\bB\.?B\.?A\b\.?|\bBFA\b|\bB\.\s?Com\b|\bBCom\b|\bB\.\s?Eng\b|\bBEng\b|\bB\.\s?Tech\b|\bBTech\b|\bBSN\b|\bBSBA\b|\bBAS\b|\bB\.\s?Ed\b|\bBEd\b|\bLLB\b|\bB\.?E\.\s|\bB\.E\b",
                ),
            ),
            (
                DegreeLevel::Associate,
                compile_line(
                    r"(?i:\bassociates?['’]?s?\s+(?:of|in|degree)\b|\bassociate['’]s\b|\bassociates?\s*:)|\bA\.\s?A\.|\bAA\b|\bA\.\s?S\.|\bAS\b(?:\s+(?:in|of)\b)|\bA\.?A\.?S\.?\b|\bAAS\b|\bAAB\b",
                ),
            ),
            (
                DegreeLevel::HighSchool,
                compile_line(
                    r"(?i:\bhigh\s+school\b|\bG\.?E\.?D\b|\bgeneral\s+(?:educational|equivalency)\s+(?:development|diploma)\b|\bsecondary\s+school\b|\babitur\b|\bbaccalauréat\b|\bbachillerato\b|\bdiploma\b)",
                ),
            ),
        ];
        Self {
            degrees,
            incomplete: compile_line(
                r"(?i)\b(in\s+progress|expected|anticipated|pursuing|currently\s+(enrolled|attending|studying)|(some|partial)\s+course\s?work|plan(s|ning)?\s+(on|to)|after\s+graduation|(degree|mba|ph\.?d|doctoral|master'?s|bachelor'?s)\s+candidate|ongoing|to\s+be\s+completed|not\s+completed|incomplete|some\s+college|attended|will\s+graduate|obtaining|working\s+towards?|toward)\b",
            ),
            high_school_unfinished: compile_line(
                r"(?i)\b(in\s+progress|expected|anticipated|pursuing|currently\s+(enrolled|attending|studying)|ongoing|to\s+be\s+completed|not\s+completed|incomplete|will\s+graduate|plan(s|ning)?\s+(on|to)|obtaining|working\s+towards?|toward)\b",
            ),
            current: compile(r"(?i)\bcurrent\b(?:\s+(?P<gpa>gpa|cumulative|grade))?"),
            high_school_finished: compile_line(
                r"(?i)\b(diploma|graduat\w*|completed|g\.?e\.?d|equivalen\w*)\b|\b(19[5-9]\d|20[0-4]\d)\b",
            ),
            institution: compile_line(
                r"(?i)\b(university|college|institute|school|academy|universidad|université|universität|hochschule|polytechnic|seminary|conservatory)\b",
            ),
            year: compile_line(r"\b(19[5-9]\d|20[0-4]\d)\b"),
            not_a_degree: compile_line(
                r"(?i)\b(certificate|certification|credentials?|program(me)?s?|training|continu(ed|ing)|extension|course(s|work)?|seminars?|workshops?|bootcamp|academy|high\s+school)\b",
            ),
            two_year_college: compile_line(r"(?i)\b(community|junior|technical)\s+college\b"),
            degree_school: compile_line(
                r"(?i)\b(university|college|institute\s+of\s+technology|universidad|université|universität|polytechnic)\b",
            ),
            graduated: compile_line(r"(?i)\bgraduat(ed|e|ion)\b"),
            pursues_a_certification: compile_line(
                r"(?i)\b(pursuing|obtaining|working\s+towards?|studying\s+for|preparing\s+for)\s+([^\s]+\s+){0,5}(certifications?|certificates?|licen[cs]es?|licensure)\b",
            ),
            held_before: compile_line(
                r"(?i)\b(my|holds?|holding|earned|received|completed|possess(es|ing)?|have|has|with)\s+(an?\s+|the\s+|two\s+)?$",
            ),
            field_after: compile(
                r"(?i)^\s*(?:(?:of\s+)?(?:arts|science|sciences|business\s+administration|fine\s+arts|applied\s+science|education|engineering)\b)?\s*(?:degree\b)?\s*(?:[:,\-–]|\bin\b)\s*(?:in\s+)?(?P<field>[A-Za-z&/][A-Za-z&/ ,'-]{1,80})",
            ),
        }
    }

    pub(super) fn level_of(&self, text: &str) -> Option<(DegreeLevel, usize, usize)> {
        // The highest level mentioned wins ("MBA, BS" is a master's line at first; each degree
        // on its own line is read separately by the caller).
        let mut best: Option<(DegreeLevel, usize, usize)> = None;
        for (level, re) in &self.degrees {
            // The first mention that names a degree; a later one on the line can ("Master :
            // 2016 Master of Business Administration").
            let found = re.find_iter(text).find_map(|m| {
                // "MS Office" and "BA" as a state or word are not degrees.
                let after = text.get(m.end()..).unwrap_or("").trim_start();
                if after.starts_with("Office") || after.starts_with("Excel") {
                    return None;
                }
                // The "Level : Field" layout ("Master : Accounting 2014 Keller Graduate School",
                // "Associates : Accounting") names the level before a colon, at the start of
                // the line. The colon is the field's, not the degree's: the degree ends before
                // it. With no field after it ("Master : 2014 Six Sigma") or a certificate for a
                // field ("Master : Certificate in Project Management"), it names no degree.
                let matched = text.get(m.start()..m.end()).unwrap_or("");
                if !matched.ends_with(':') {
                    return Some((m.start(), m.end()));
                }
                let field = after.trim_start_matches(':').trim_start();
                let names_field = field.starts_with(char::is_alphabetic)
                    && !(*level == DegreeLevel::Master && self.not_a_degree.is_match(text));
                let end = m.start() + matched.trim_end_matches(':').trim_end().len();
                names_field.then_some((m.start(), end))
            });
            if let Some((start, end)) = found {
                match best {
                    Some((_, best_start, _)) if best_start <= start => {}
                    _ => best = Some((*level, start, end)),
                }
            }
        }
        best
    }

    /// Reads education entries from lines of the education sections, and degree lines anywhere
    /// when there is no education section.
    pub fn read(
        &self,
        lines: &[Line<'_>],
        in_scope: impl Fn(usize) -> bool,
        document_year: u16,
    ) -> Vec<RawEducation> {
        let mut entries: Vec<RawEducation> = Vec::new();
        // Per entry: whether a mention of it said it is unfinished.
        let mut said_unfinished: Vec<bool> = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            if line.is_heading || line.text.len() > 250 {
                continue;
            }
            // Outside the education scope only summary lines can name a degree held (below);
            // the degree patterns are the costly part, so other lines stop here.
            let summary_line = matches!(line.section, SectionKind::Summary | SectionKind::Top);
            if !summary_line && !in_scope(index) {
                continue;
            }
            let Some((level, start, end)) = self.level_of(line.text) else {
                continue;
            };
            // A degree the summary says the candidate holds counts even where the education
            // section names the school and field but no degree type.
            let before = line.text.get(..start).unwrap_or("");
            let held_in_summary = summary_line
                && level > DegreeLevel::HighSchool
                && (before.trim().is_empty() || self.held_before.is_match(before));
            if !in_scope(index) && !held_in_summary {
                continue;
            }
            let degree_text = self.degree_name(line.text, start, end);
            let tail = line.text.get(end..).unwrap_or("");
            let field = self.field_after.captures(tail).and_then(|caps| {
                let raw = caps.name("field")?.as_str();
                let cut = raw
                    .split([',', '－', '–', '|', '('])
                    .next()
                    .unwrap_or("")
                    .split(" - ")
                    .next()
                    .unwrap_or("")
                    .split(" City")
                    .next()
                    .unwrap_or("")
                    .split(" GPA")
                    .next()
                    .unwrap_or("");
                let cut = self
                    .institution
                    .find(cut)
                    .map_or(cut, |m| {
                        // "Business Saint Mary's College": keep words before the institution name.
                        let head = cut.get(..m.start()).unwrap_or("");
                        head.rsplit_once(' ').map_or("", |(h, _)| h)
                    })
                    .trim();
                let cleaned = clean_field(cut);
                (!cleaned.is_empty() && cleaned.split_whitespace().count() <= 8).then_some(cleaned)
            });
            let neighbours: Vec<(usize, &str)> = [index.checked_sub(1), Some(index + 1)]
                .into_iter()
                .flatten()
                .filter_map(|i| lines.get(i).map(|l| (i, l)))
                .filter(|(i, l)| !l.is_heading && in_scope(*i) && self.level_of(l.text).is_none())
                .map(|(i, l)| (i, l.text))
                .collect();
            // The lines a fact was read from: the evidence quotes them and no others, so a line
            // of another section above the degree ("Received Honorable Discharge ...") is not
            // quoted as the degree's evidence.
            let mut used = vec![index];
            let own_institution = self.institution_in(line.text);
            let institution = own_institution
                .clone()
                .or_else(|| {
                    neighbours.iter().find_map(|(i, text)| {
                        let found = self.institution_in(text)?;
                        used.push(*i);
                        Some(found)
                    })
                })
                .or_else(|| {
                    // "UC Berkeley | 2019" above the degree in an education section: a short
                    // name beside the degree is its school, though no word says "university".
                    (line.section == SectionKind::Education).then_some(())?;
                    neighbours.iter().find_map(|(i, text)| {
                        let found = self.short_school_name(text)?;
                        used.push(*i);
                        Some(found)
                    })
                });
            let year_in = |text: &str| {
                self.year
                    .find_iter(text)
                    .filter_map(|m| text.get(m.range())?.parse::<u16>().ok())
                    .last()
            };
            let year = year_in(line.text).or_else(|| {
                neighbours
                    .iter()
                    .filter(|(_, text)| text.len() < 40)
                    .find_map(|(i, text)| {
                        let found = year_in(text)?;
                        used.push(*i);
                        Some(found)
                    })
            });
            let unfinished_words = if level == DegreeLevel::HighSchool {
                &self.high_school_unfinished
            } else {
                &self.incomplete
            };
            let next_text = lines.get(index + 1).map_or("", |l| l.text);
            // "in progress" on the short line below counts, unless that line is another degree
            // or another school's entry ("High School Diploma : 2006 Taft High School" above
            // "Some coursework completed Del Mar College").
            // Asked only when the line below says unfinished: the same school named with other
            // words around it ("Walden University" and "Currently enrolled at Walden
            // University") is not another school.
            let same_school = || match (&own_institution, self.institution_in(next_text)) {
                (Some(a), Some(b)) => {
                    let (a, b) = (a.to_lowercase(), b.to_lowercase());
                    a.contains(&b) || b.contains(&a)
                }
                _ => true,
            };
            // "Actively pursuing PMP and Scrum Master certifications" below a degree speaks of
            // the certifications, not of the degree.
            let next_says_unfinished = next_text.len() < 60
                && unfinished_words.is_match(next_text)
                && self.level_of(next_text).is_none()
                && !self.pursues_a_certification.is_match(next_text)
                && same_school();
            let says_current = self
                .current
                .captures_iter(line.text)
                .any(|caps| caps.name("gpa").is_none());
            // Said to be unfinished, as opposed to not shown to be finished (below).
            let unfinished = unfinished_words.is_match(line.text)
                || says_current
                || next_says_unfinished
                || year.is_some_and(|y| y > document_year);
            // "Arvin High School" alone names a school, not a finished diploma; but it does not
            // unsay a diploma listed elsewhere ("GED Ravenswood Annex" and "General Studies
            // Ravenswood High School").
            let unproven_high_school = level == DegreeLevel::HighSchool
                && year.is_none()
                && !self.high_school_finished.is_match(line.text);
            let completed = !unfinished && !unproven_high_school;
            let first = used.iter().copied().min().unwrap_or(index);
            let last = used.iter().copied().max().unwrap_or(index);
            if let Some(k) = entries.iter().position(|e| {
                e.level == level && e.year == year && (e.field == field || field.is_none())
            }) {
                if unfinished {
                    entries[k].completed = false;
                    said_unfinished[k] = true;
                } else if completed && !said_unfinished[k] {
                    entries[k].completed = true;
                }
                continue;
            }
            said_unfinished.push(unfinished);
            entries.push(RawEducation {
                level,
                degree: degree_text,
                field,
                institution,
                year,
                completed,
                lines: (first, last),
            });
        }
        // The same degree written twice ("A.A., 2016" and "Graduation expected in 2016 - A.A.";
        // "Bachelor of Arts" and later "a goal of obtaining a B.A. Degree (May 2020)"): unfinished
        // in one mention is unfinished in the others of its level that give no other year. Only
        // a mention said to be unfinished counts: a school's name alone unsays nothing.
        let unfinished: Vec<(DegreeLevel, Option<u16>)> = entries
            .iter()
            .zip(&said_unfinished)
            .filter(|(_, said)| **said)
            .map(|(e, _)| (e.level, e.year))
            .collect();
        for entry in &mut entries {
            if unfinished.iter().any(|(level, year)| {
                *level == entry.level && (entry.year.is_none() || entry.year == *year)
            }) {
                entry.completed = false;
            }
        }
        if entries.is_empty() {
            entries.extend(self.schools_without_a_degree(lines, &in_scope, document_year));
        }
        entries
    }

    /// An education section that names schools but no degree (the labelling guide: education
    /// counts under any heading, and `none` only when no education is listed): a program,
    /// certificate, training or continuing education counts as `high_school`; a community or
    /// junior college as `associate`; a university or other college with a year or
    /// "graduated" as `bachelor`. The highest one is kept.
    fn schools_without_a_degree(
        &self,
        lines: &[Line<'_>],
        in_scope: &impl Fn(usize) -> bool,
        document_year: u16,
    ) -> Option<RawEducation> {
        let mut best: Option<RawEducation> = None;
        for (index, line) in lines.iter().enumerate() {
            if line.is_heading || line.section != SectionKind::Education || !in_scope(index) {
                continue;
            }
            let school = self.institution.find(line.text);
            let next = lines.get(index + 1).map_or("", |l| l.text);
            let year = self
                .year
                .find_iter(line.text)
                .filter_map(|m| line.text.get(m.range())?.parse::<u16>().ok())
                .last();
            let graduated = self.graduated.is_match(line.text) || self.graduated.is_match(next);
            let level =
                if self.not_a_degree.is_match(line.text) && (school.is_some() || year.is_some()) {
                    DegreeLevel::HighSchool
                } else if school.is_none() {
                    continue;
                } else if self.two_year_college.is_match(line.text) {
                    DegreeLevel::Associate
                } else if self.degree_school.is_match(line.text) && (year.is_some() || graduated) {
                    DegreeLevel::Bachelor
                } else {
                    continue;
                };
            let completed = !self.incomplete.is_match(line.text)
                && !self.current.is_match(line.text)
                && year.is_none_or(|y| y <= document_year);
            if best
                .as_ref()
                .is_some_and(|b| (b.completed, b.level) >= (completed, level))
            {
                continue;
            }
            best = Some(RawEducation {
                level,
                degree: String::new(),
                field: None,
                institution: school
                    .map(|m| line.text[m.start()..].trim().to_owned())
                    .filter(|s| s.split_whitespace().count() <= 8),
                year,
                completed,
                lines: (index, index),
            });
        }
        best
    }

    /// A line that is only a name in capitals and, maybe, a year ("UC Berkeley | 2019").
    fn short_school_name(&self, text: &str) -> Option<String> {
        let without_year = blank_out(&self.year, text);
        let name = without_year
            .split(['|', '–', '-', ',', '•'])
            .map(str::trim)
            .find(|part| !part.is_empty())?;
        let words = name.split_whitespace().count();
        let capitalised = name
            .split_whitespace()
            .all(|word| word.chars().next().is_some_and(char::is_uppercase));
        let only_name = without_year
            .split(['|', '–', '-', ',', '•'])
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .count()
            == 1;
        ((1..=5).contains(&words)
            && capitalised
            && only_name
            && !name.chars().any(|c| c.is_ascii_digit()))
        .then(|| name.to_owned())
    }

    /// The degree as written: from its first word to the field separator, the year or the
    /// institution ("Bachelor of Science : Nursing" gives "Bachelor of Science").
    fn degree_name(&self, text: &str, start: usize, end: usize) -> String {
        let rest = text.get(start..).unwrap_or("");
        let mut stop = rest
            .find([':', ',', '－', '–', '|', '(', ';'])
            .unwrap_or(rest.len());
        for pattern in [&self.year, &self.institution] {
            if let Some(m) = pattern.find(rest) {
                stop = stop.min(m.start());
            }
        }
        for word in [" in ", " - ", " City", " GPA", " Major", " major"] {
            if let Some(i) = rest.find(word) {
                stop = stop.min(i);
            }
        }
        let stop = stop.max(end - start);
        let name: Vec<&str> = rest
            .get(..stop)
            .unwrap_or(rest)
            .split_whitespace()
            .take(7)
            .collect();
        name.join(" ")
            .trim_end_matches([':', '.', ',', '-'])
            .trim()
            .to_owned()
    }

    fn institution_in(&self, text: &str) -> Option<String> {
        let found = self.institution.find(text)?;
        // The institution is the segment around the keyword, between separators.
        let before = text.get(..found.start()).unwrap_or("");
        let after = text.get(found.end()..).unwrap_or("");
        let seg_start = before
            .rfind([',', '－', '–', '|', ':', ';'])
            .map_or(0, |i| {
                i + before
                    .get(i..)
                    .and_then(|s| s.chars().next())
                    .map_or(1, char::len_utf8)
            });
        let seg_start = self
            .year
            .find_iter(before)
            .filter(|m| m.end() > seg_start)
            .last()
            .map_or(seg_start, |m| m.end());
        let seg_end = after
            .find([',', '－', '–', '|', ';', '('])
            .map_or(text.len(), |i| found.end() + i);
        let seg_end = after
            .find(" - ")
            .map_or(seg_end, |i| seg_end.min(found.end() + i));
        let seg_end = after
            .find("City")
            .map_or(seg_end, |i| seg_end.min(found.end() + i));
        let name = text.get(seg_start..seg_end)?.trim();
        let name = name.trim_start_matches(|c: char| !c.is_alphabetic());
        let name = name
            .strip_prefix("Attended ")
            .or_else(|| name.strip_prefix("attended "))
            .unwrap_or(name);
        let name = name.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_whitespace());
        // A degree on the same segment ("MBA 2015 Saint Mary's College", "Saint Mary's College
        // MBA : Finance"): keep the side that names the institution.
        let name = match self.level_of(name) {
            Some((_, start, end)) => {
                let before = name.get(..start).unwrap_or("");
                let after = name.get(end..).unwrap_or("");
                if self.institution.is_match(before) {
                    before
                } else {
                    after
                }
            }
            None => name,
        };
        let name = name
            .trim_matches(|c: char| !c.is_alphabetic() && c != ')' && c != '.')
            .trim();
        (name.len() > 3 && name.split_whitespace().count() <= 12).then(|| name.to_owned())
    }
}

const MONTH_WORDS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "expected",
    "gpa",
    "cum",
    "magna",
    "summa",
];

/// A field as livecareer prints it, often twice and followed by a month: "Finance Finance",
/// "Accounting August" become "Finance", "Accounting".
fn clean_field(raw: &str) -> String {
    let mut words: Vec<&str> = Vec::new();
    for word in raw.split_whitespace() {
        if MONTH_WORDS.contains(&word.to_lowercase().trim_end_matches(['.', ','])) {
            break;
        }
        words.push(word);
    }
    let half = words.len() / 2;
    if words.len() >= 2 && words.len().is_multiple_of(2) && words.get(..half) == words.get(half..) {
        words.truncate(half);
    }
    words
        .join(" ")
        .trim_end_matches([',', '.', '-', ':'])
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::lines::split_lines;
    use crate::parse::sections::HeadingTable;

    fn read(text: &str) -> Vec<RawEducation> {
        let lines = split_lines(text, &HeadingTable::new());
        EducationReader::new().read(&lines, |_| true, 2021)
    }

    /// Each entry's level and whether it is finished, for a text under a headline.
    fn completed(text: &str) -> Vec<(DegreeLevel, bool)> {
        read(&format!("HEADLINE\n{text}"))
            .iter()
            .map(|e| (e.level, e.completed))
            .collect()
    }

    #[test]
    fn schools_listed_without_a_degree_give_the_level_they_imply() {
        let level = |text: &str| {
            read(&format!("HEADLINE\nEducation\n{text}\nSkills\nExcel"))
                .iter()
                .filter(|e| e.completed)
                .map(|e| e.level)
                .max()
        };
        let cases = [
            (
                "Journalism and Technical Communication December 2012 Colorado State University",
                Some(DegreeLevel::Bachelor),
            ),
            (
                "Business Management 2001 Bergen Community College",
                Some(DegreeLevel::Associate),
            ),
            (
                "Certificate of Completion Business Administration 1997 Texas A&M Extension Services",
                Some(DegreeLevel::HighSchool),
            ),
            (
                "Executive Management , Accelerated Management Program 1990 Columbia University",
                Some(DegreeLevel::HighSchool),
            ),
            (
                "Psychology and Economics, Duke University\nGraduated Cum Laude",
                Some(DegreeLevel::Bachelor),
            ),
            // A school with neither a year nor "graduated" is not evidence of a degree, and one
            // still attended is not completed.
            ("Colorado State University", None),
            (
                "Credential American Red Cross First Aid and CPR 2014 Fort Myers Institute of Technology",
                Some(DegreeLevel::HighSchool),
            ),
            ("Marketing, Colorado State University 2019 to Current", None),
        ];
        for (text, want) in cases {
            assert_eq!(level(text), want, "{text}");
        }
        // A degree named anywhere in scope wins over the inference.
        assert_eq!(
            level("MBA 2010 Boston University\nCertificate program 2012 Harvard Extension"),
            Some(DegreeLevel::Master)
        );
    }

    /// The "Level : Field" layout: the level before a colon, the field after it.
    #[test]
    fn reads_a_level_named_before_its_field() {
        let entries = read(
            "HEADLINE\nEducation\nMaster : Public Relations 2015 Full Sail University\nAssociates : Accounting , 1994 Northern Maine Community College\nSkills\nExcel",
        );
        let got: Vec<(DegreeLevel, bool, Option<&str>)> = entries
            .iter()
            .map(|e| (e.level, e.completed, e.field.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (DegreeLevel::Master, true, Some("Public Relations")),
                (DegreeLevel::Associate, true, Some("Accounting")),
            ]
        );
        // No field after the colon: a certificate's year, or a word ending a sentence.
        assert!(
            completed(
                "Master : 2014 Six Sigma Villanova University Master Certificate in Six Sigma"
            )
            .iter()
            .all(|(level, _)| *level != DegreeLevel::Master)
        );
        assert!(completed("Accountable for MIS, HRIS and Employee Master :").is_empty());
        // Only at the start of the line, and not for a certificate.
        for text in [
            "Scrum Master : Scrum Alliance 2019",
            "Certified Scrum Master : CSM 2019",
            "Employee Master : updated records 2015",
            "Master : Certificate in Project Management 2016 Boston University",
        ] {
            assert!(
                completed(text)
                    .iter()
                    .all(|(level, _)| *level != DegreeLevel::Master),
                "{text}"
            );
        }
        // A later mention on the line still names the degree.
        assert_eq!(
            completed("Master : 2016 Master of Business Administration University of Phoenix"),
            [(DegreeLevel::Master, true)]
        );
        assert_eq!(
            completed("Master : Économie 2015 Université Paris"),
            [(DegreeLevel::Master, true)]
        );
    }

    /// Pursuing something else on the line below a degree leaves the degree finished.
    #[test]
    fn a_certification_pursued_below_a_degree_leaves_it_finished() {
        assert_eq!(
            completed(
                "Bachelor of Science : Computer Information Systems Wingate University\nActively pursuing PMP and Scrum Master certifications"
            ),
            [(DegreeLevel::Bachelor, true)]
        );
        assert_eq!(
            completed("Bachelor of Science : Nursing\nCurrently pursuing"),
            [(DegreeLevel::Bachelor, false)]
        );
        // Unfinished, with a licence to follow: still the degree's own state.
        assert_eq!(
            completed(
                "Bachelor of Science in Nursing, University of Florida\nIn progress, then NCLEX licensure"
            ),
            [(DegreeLevel::Bachelor, false)]
        );
    }

    /// A certification written as a typed entry of the education list ("Certification : X") is
    /// not a certifications heading: the degree on the next line is still education.
    #[test]
    fn a_certification_entry_does_not_end_the_education_list() {
        let entries = read(
            "HEADLINE\nEducation and Training\nCertification : Pharmacy Technician 2015 Bryant College City , State\nAssociate of Arts : General Studies 2011 Bryant College City , State\nSkills\nExcel",
        );
        let got: Vec<(DegreeLevel, bool)> =
            entries.iter().map(|e| (e.level, e.completed)).collect();
        assert_eq!(got, [(DegreeLevel::Associate, true)]);
    }

    #[test]
    fn reads_levels_from_every_spelling() {
        let cases = [
            ("BSc Computer Science, 2010", DegreeLevel::Bachelor),
            ("B.S. in Marketing", DegreeLevel::Bachelor),
            ("BBA 2005", DegreeLevel::Bachelor),
            ("Bachelor's degree in Finance", DegreeLevel::Bachelor),
            (
                "Associate of Applied Science : Nursing",
                DegreeLevel::Associate,
            ),
            ("MBA, Harvard Business School", DegreeLevel::Master),
            ("M.S. Chemistry", DegreeLevel::Master),
            ("PhD in Physics", DegreeLevel::Doctorate),
            ("High School Diploma 1999", DegreeLevel::HighSchool),
            ("B.S : Chemistry 2009", DegreeLevel::Bachelor),
            ("B.A : English, Boston College", DegreeLevel::Bachelor),
            (
                "GED : General Education Studies 2011",
                DegreeLevel::HighSchool,
            ),
        ];
        for (text, level) in cases {
            let entries = read(&format!("HEADLINE\n{text}"));
            assert_eq!(entries.first().map(|e| e.level), Some(level), "{text}");
        }
    }

    #[test]
    fn reads_a_degree_the_summary_says_is_held() {
        let only_education = |text: &str| {
            let lines = split_lines(text, &HeadingTable::new());
            EducationReader::new()
                .read(&lines, |i| lines[i].section == SectionKind::Education, 2021)
                .iter()
                .map(|e| (e.level, e.completed))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            only_education(
                "Summary\nA financial background through my Master's at Bentley University.\nEducation\nFinance, Bentley University 2012"
            ),
            [(DegreeLevel::Master, true)]
        );
        // A degree named in the summary without saying it is held, or still to come, is not one.
        assert!(
            only_education(
                "Summary\nLooking for work that needs a Bachelor's degree.\nEducation\nBentley University"
            )
            .is_empty()
        );
        assert_eq!(
            only_education(
                "Summary\nCurrently pursuing my Bachelor's degree.\nEducation\nBentley University"
            ),
            [(DegreeLevel::Bachelor, false)]
        );
    }

    #[test]
    fn reads_field_institution_year_and_completion() {
        let entries = read(
            "HEADLINE\nBachelor of Science : Community Health , 2017\nUniversity Of Illinois At Urbana-Champaign - City , State\nMaster of Business Administration , Expected in 2022 Saint Mary's College",
        );
        let first = &entries[0];
        assert_eq!(first.field.as_deref(), Some("Community Health"));
        assert_eq!(
            first.institution.as_deref(),
            Some("University Of Illinois At Urbana-Champaign")
        );
        assert_eq!(first.year, Some(2017));
        assert!(first.completed);
        assert!(!entries[1].completed);
    }

    #[test]
    fn tells_finished_degrees_from_courses_plans_and_school_names() {
        assert_eq!(
            completed("Master of Science : Accounting 2012\nCoursework in:"),
            [(DegreeLevel::Master, true)]
        );
        assert_eq!(
            completed("Plan on moving to MBA after graduation"),
            [(DegreeLevel::Master, false)]
        );
        assert_eq!(
            completed("N/A, Current Varina High School"),
            [(DegreeLevel::HighSchool, false)]
        );
        assert_eq!(
            completed("Arvin High School Bakersfield College"),
            [(DegreeLevel::HighSchool, false)]
        );
        assert_eq!(
            completed("Lincoln High School, 2005"),
            [(DegreeLevel::HighSchool, true)]
        );
        assert!(completed("Master Resiliency Trainers Course").is_empty());
        assert!(completed("Coached our associates on sales goals").is_empty());
        assert_eq!(
            completed(
                "A.A. : Accounting , 2016\nCurrent GPA 3.85 Graduation expected in 2016 - A.A. in Accounting"
            ),
            [(DegreeLevel::Associate, false)]
        );
        // Unfinished wording on the line below belongs to that line's own school.
        assert_eq!(
            completed(
                "Bachelor of Science : Computer Science 2014 University of Maryland College Park\nAttended Towson University (2014)"
            ),
            [(DegreeLevel::Bachelor, true)]
        );
        // The same school, named again with the unfinished wording.
        assert_eq!(
            completed(
                "Master of Business Administration, Walden University\nCurrently enrolled at Walden University"
            ),
            [(DegreeLevel::Master, false)]
        );
    }

    #[test]
    fn a_listed_diploma_is_finished_whatever_else_the_lines_say() {
        // "Attended" on a diploma's line is about the years there or later studies.
        assert_eq!(
            completed(
                "High School Diploma 1985 BUFFALO HIGH SCHOOL City , State , US BUFFALO HIGH SCHOOL YEARS ATTENDED (1981-1985)"
            ),
            [(DegreeLevel::HighSchool, true)]
        );
        // A school named without a diploma does not unsay the diploma named elsewhere.
        assert_eq!(
            completed(
                "GED Pinewood Adult School - City , State\nGeneral Studies Pinewood High School"
            ),
            [(DegreeLevel::HighSchool, true)]
        );
        assert_eq!(
            completed("High School Diploma Clifton High School Expected in Jun 2023"),
            [(DegreeLevel::HighSchool, false)]
        );
        assert_eq!(
            completed("Working towards GED - Lincoln Adult Education"),
            [(DegreeLevel::HighSchool, false)]
        );
    }

    #[test]
    fn tells_degree_abbreviations_from_job_words() {
        let levels = |text: &str| {
            completed(text)
                .into_iter()
                .map(|(level, _)| level)
                .collect::<Vec<_>>()
        };
        // A database administrator is not a Doctor of Business Administration.
        assert!(levels("Oracle DBA 11g Admin Workshop, Oracle University").is_empty());
        assert_eq!(
            levels("M.A , Political Science 1989 Fordham University"),
            [DegreeLevel::Master]
        );
        assert_eq!(
            levels("B.E : Electrical Engineering , 87 Devi Ahilya University"),
            [DegreeLevel::Bachelor]
        );
        assert_eq!(
            levels("MCA : CMR Institute of Management studies, University of Bangalore"),
            [DegreeLevel::Master]
        );
    }
}
