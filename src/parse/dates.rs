//! Dates and date ranges as resumes write them: "09/2012 to 07/2014", "Jan 2019 – Present",
//! "2015-2018", "'22", "Summer 2019", "seit März 2018", "janvier 2015 à aujourd'hui", ...
//!
//! Conventions (kept in one place so the timeline stays consistent):
//! - a season is its first month: spring = March, summer = June, fall/autumn = September,
//!   winter = December;
//! - a two-digit year ("'22") belongs to the century that keeps it at most one year after the
//!   document year;
//! - year-only precision is kept (`PartialDate::year`); how many months it spans is decided by
//!   [`crate::parse::timeline`].

use regex::Regex;

use super::compile_ascii_words;
use crate::profile::PartialDate;

/// A date range found in a line. `start..end` are byte offsets of the whole range in the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateRange {
    pub start: PartialDate,
    /// `None` when the range is open-ended ("Present") or a single date was given.
    pub end: Option<PartialDate>,
    pub current: bool,
    pub span: (usize, usize),
}

/// One date written in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DateToken {
    date: PartialDate,
    span: (usize, usize),
}

const MONTH_NAMES: &[(&str, u8)] = &[
    // English
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
    // German
    ("januar", 1),
    ("jänner", 1),
    ("februar", 2),
    ("märz", 3),
    ("maerz", 3),
    ("mär", 3),
    ("mai", 5),
    ("juni", 6),
    ("juli", 7),
    ("oktober", 10),
    ("okt", 10),
    ("dezember", 12),
    ("dez", 12),
    // French
    ("janvier", 1),
    ("janv", 1),
    ("février", 2),
    ("fevrier", 2),
    ("févr", 2),
    ("fév", 2),
    ("mars", 3),
    ("avril", 4),
    ("avr", 4),
    ("juin", 6),
    ("juillet", 7),
    ("juil", 7),
    ("août", 8),
    ("aout", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("décembre", 12),
    ("decembre", 12),
    ("déc", 12),
    // Spanish
    ("enero", 1),
    ("ene", 1),
    ("febrero", 2),
    ("marzo", 3),
    ("abril", 4),
    ("abr", 4),
    ("mayo", 5),
    ("junio", 6),
    ("julio", 7),
    ("agosto", 8),
    ("ago", 8),
    ("septiembre", 9),
    ("setiembre", 9),
    ("octubre", 10),
    ("noviembre", 11),
    ("diciembre", 12),
    ("dic", 12),
];

const SEASONS: &[(&str, u8)] = &[
    ("spring", 3),
    ("summer", 6),
    ("fall", 9),
    ("autumn", 9),
    ("winter", 12),
    ("frühling", 3),
    ("sommer", 6),
    ("herbst", 9),
    ("printemps", 3),
    ("été", 6),
    ("automne", 9),
    ("hiver", 12),
    ("primavera", 3),
    ("verano", 6),
    ("otoño", 9),
    ("invierno", 12),
];

/// Words for "until now", after a range separator or on their own.
const PRESENT_WORDS: &str = r"present|current(?:ly)?|now|to\s+date|date|today|ongoing|heute|aktuell|jetzt|dato|présent|present|actuel(?:lement)?|aujourd'hui|aujourd’hui|ce\s+jour|presente|actualidad|la\s+actualidad|hoy|actual";

/// Words between the two ends of a range.
const SEPARATORS: &str = r"-|–|—|－|~|to|until|till|through|thru|bis|au|à|a|hasta|al";

/// Compiled date patterns. Built once per [`crate::parse::Parser`].
#[derive(Debug, Clone)]
pub struct DateParser {
    token: Regex,
    range_sep: Regex,
    open_tail: Regex,
    since: Regex,
    bare_sep: Regex,
    trailing_sep: Regex,
}

impl Default for DateParser {
    fn default() -> Self {
        Self::new()
    }
}

fn alternation(names: &[&str]) -> String {
    let mut names = names.to_vec();
    // Longest first so that "june" wins over "jun" in the alternation.
    names.sort_by_key(|name| std::cmp::Reverse(name.len()));
    names.dedup();
    names
        .iter()
        .map(|name| regex::escape(name))
        .collect::<Vec<_>>()
        .join("|")
}

/// The alternation of `words`, each preceded by a word boundary, but for the words that begin
/// with a non-ASCII letter: the patterns use ASCII boundaries, which never hold before one.
fn bounded_alternation(words: &[(&str, u8)]) -> String {
    let ascii_initial = |name: &&str| name.chars().next().is_some_and(|c| c.is_ascii());
    let (ascii, other): (Vec<&str>, Vec<&str>) =
        words.iter().map(|(name, _)| *name).partition(ascii_initial);
    let mut parts = Vec::new();
    if !ascii.is_empty() {
        parts.push(format!(r"\b(?:{})", alternation(&ascii)));
    }
    if !other.is_empty() {
        parts.push(alternation(&other));
    }
    parts.join("|")
}

fn lookup(words: &[(&str, u8)], text: &str) -> Option<u8> {
    let key = text.trim_end_matches('.').to_lowercase();
    words
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, month)| *month)
}

impl DateParser {
    pub fn new() -> Self {
        let months = bounded_alternation(MONTH_NAMES);
        let seasons = bounded_alternation(SEASONS);
        // The alternatives are tried left to right at each position: the most specific forms
        // come first so that "09/2012" is not read as the bare year "2012".
        //
        // Compiled with ASCII word boundaries (`compile_ascii_words`): a Unicode `\b` makes the
        // lazy DFA give up on any line with a non-ASCII character (a bullet, a dash, an accent),
        // and the slower engines it falls back to were a third of all parsing time. Names that
        // begin with a non-ASCII letter ("été") have no boundary before them
        // (`bounded_alternation`).
        let token = format!(
            r"(?ix)
            (?P<mon>{months})\.?,?\s*(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?(?:(?P<my>(?:19|20)\d\d)\b|['’](?P<my2>\d\d)\b)
            |(?P<season>{seasons})\s*(?P<sy>(?:19|20)\d\d)\b
            |\b(?P<nm>0?[1-9]|1[0-2])\s*[/.]\s*(?:\d{{1,2}}\s*[/.]\s*)?(?P<ny>(?:19|20)\d\d)\b
            |\b(?P<nm2>0[1-9]|1[0-2])-(?P<ny2>(?:19|20)\d\d)\b
            |\b(?P<iy>(?:19|20)\d\d)[-/](?P<im>0[1-9]|1[0-2])\b(?:[^\d]|$)
            |\b(?P<y>(?:19|20)\d\d)\b
            |['’](?P<y2>\d\d)\b"
        );
        let separators = SEPARATORS;
        let present = PRESENT_WORDS;
        Self {
            token: compile_ascii_words(&token),
            range_sep: Regex::new(&format!(r"(?i)^\s*(?:{separators})\s*$"))
                .unwrap_or_else(|e| panic!("range separator regex: {e}")),
            open_tail: compile_ascii_words(&format!(
                r"(?i)^\s*(?:(?:{separators})\s*(?:the\s+)?)?(?:{present})\b\.?"
            )),
            since: Regex::new(r"(?i)(?:since|seit|depuis|desde)\s*$")
                .unwrap_or_else(|e| panic!("since regex: {e}")),
            bare_sep: Regex::new(&format!(r"(?i)^\s*(?:{separators})\s*$"))
                .unwrap_or_else(|e| panic!("bare separator regex: {e}")),
            trailing_sep: Regex::new(&format!(r"(?i)(?:{separators})\s*$"))
                .unwrap_or_else(|e| panic!("trailing separator regex: {e}")),
        }
    }

    fn tokens(&self, line: &str, document_year: u16) -> Vec<DateToken> {
        let mut tokens = Vec::new();
        // Every form of date has ASCII digits (a year, or a month and a year), and most lines
        // have none: a byte scan spares them the date pattern.
        if !line.bytes().any(|b| b.is_ascii_digit()) {
            return tokens;
        }
        for caps in self.token.captures_iter(line) {
            let Some(whole) = caps.get(0) else { continue };
            let year_of = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u16>().ok());
            let short_year = |name: &str| {
                caps.name(name)
                    .and_then(|m| m.as_str().parse::<u16>().ok())
                    .map(|yy| expand_two_digit_year(yy, document_year))
            };
            let month_of = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u8>().ok());
            let date = if let Some(name) = caps.name("mon") {
                let year = year_of("my").or_else(|| short_year("my2"));
                match (lookup(MONTH_NAMES, name.as_str()), year) {
                    (Some(month), Some(year)) => PartialDate::month(year, month),
                    _ => None,
                }
            } else if let Some(name) = caps.name("season") {
                match (lookup(SEASONS, name.as_str()), year_of("sy")) {
                    (Some(month), Some(year)) => PartialDate::month(year, month),
                    _ => None,
                }
            } else if let (Some(month), Some(year)) = (month_of("nm"), year_of("ny")) {
                PartialDate::month(year, month)
            } else if let (Some(month), Some(year)) = (month_of("nm2"), year_of("ny2")) {
                PartialDate::month(year, month)
            } else if let (Some(year), Some(month)) = (year_of("iy"), month_of("im")) {
                PartialDate::month(year, month)
            } else if let Some(year) = year_of("y") {
                Some(PartialDate::year(year))
            } else {
                short_year("y2").map(PartialDate::year)
            };
            let Some(date) = date else { continue };
            let mut end = whole.end();
            // The ISO alternative consumes one character after the month to reject "2015-2018".
            if caps.name("im").is_some() {
                end = caps.name("im").map_or(end, |m| m.end());
            }
            tokens.push(DateToken {
                date,
                span: (whole.start(), end),
            });
        }
        tokens
    }

    /// All date ranges in `line`, in order. A single date not part of a range is returned as a
    /// range with `end: None, current: false`, so that callers can decide what it means.
    pub fn ranges(&self, line: &str, document_year: u16) -> Vec<DateRange> {
        let tokens = self.tokens(line, document_year);
        let mut ranges = Vec::new();
        let mut index = 0;
        while let Some(first) = tokens.get(index) {
            let between_next = tokens
                .get(index + 1)
                .and_then(|next| line.get(first.span.1..next.span.0).map(|gap| (next, gap)));
            if let Some((next, gap)) = between_next
                && self.range_sep.is_match(gap)
            {
                // A range written backwards ("09/2008 to 04/2005") is kept as written: it is
                // still the heading's range, and the timeline counts the span between its dates.
                ranges.push(DateRange {
                    start: first.date,
                    end: Some(next.date),
                    current: false,
                    span: (first.span.0, next.span.1),
                });
                index += 2;
                continue;
            }
            let tail = line.get(first.span.1..).unwrap_or("");
            if let Some(open) = self.open_tail.find(tail) {
                ranges.push(DateRange {
                    start: first.date,
                    end: None,
                    current: true,
                    span: (first.span.0, first.span.1 + open.end()),
                });
                index += 1;
                continue;
            }
            let head = line.get(..first.span.0).unwrap_or("");
            let since = self.since.find(head);
            ranges.push(DateRange {
                start: first.date,
                end: None,
                current: since.is_some(),
                span: (since.map_or(first.span.0, |m| m.start()), first.span.1),
            });
            index += 1;
        }
        ranges
    }

    /// Whether `line` is only a range separator ("to", "-"): a range split over lines.
    pub fn is_bare_separator(&self, line: &str) -> bool {
        self.bare_sep.is_match(line)
    }

    /// Whether `line` ends with a date followed by a separator ("Jan 2019 -"), waiting for its
    /// end on the next line.
    pub fn ends_with_open_separator(&self, line: &str, document_year: u16) -> bool {
        let Some(sep) = self.trailing_sep.find(line) else {
            return false;
        };
        let head = line.get(..sep.start()).unwrap_or("").trim_end();
        self.tokens(head, document_year)
            .last()
            .is_some_and(|token| token.span.1 == head.len())
    }

    /// Whether `line` ends with a date ("... 01/2010"), so that a next line beginning with a
    /// separator or a date may finish a range.
    pub fn ends_with_date(&self, line: &str, document_year: u16) -> bool {
        let trimmed = line.trim_end();
        self.tokens(trimmed, document_year)
            .last()
            .is_some_and(|token| token.span.1 == trimmed.len())
    }

    /// Whether `line` begins with an end of range: a separator and a date or a present word, or
    /// a present word alone.
    pub fn starts_with_range_end(&self, line: &str, document_year: u16) -> bool {
        if self.open_tail.is_match(line) {
            return true;
        }
        let trimmed = line.trim_start();
        let stripped = [
            "to ", "- ", "– ", "— ", "－ ", "until ", "through ", "bis ", "hasta ",
        ]
        .iter()
        .find_map(|sep| {
            trimmed
                .get(..sep.len())
                .filter(|head| head.eq_ignore_ascii_case(sep))
                .map(|_| &trimmed[sep.len()..])
        });
        match stripped {
            Some(rest) => self
                .tokens(rest, document_year)
                .first()
                .is_some_and(|token| {
                    rest.get(..token.span.0)
                        .is_some_and(|h| h.trim().is_empty())
                }),
            None => false,
        }
    }
}

/// "'22" in a document of 2021 is 2022; "'98" is 1998.
pub fn expand_two_digit_year(yy: u16, document_year: u16) -> u16 {
    let pivot = (document_year + 1) % 100;
    if yy <= pivot { 2000 + yy } else { 1900 + yy }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> DateRange {
        let ranges = DateParser::new().ranges(text, 2021);
        assert_eq!(ranges.len(), 1, "{text:?} gave {ranges:?}");
        ranges.into_iter().next().unwrap()
    }

    fn ym(year: u16, month: u8) -> PartialDate {
        PartialDate::month(year, month).unwrap()
    }

    #[test]
    fn reads_the_common_range_forms() {
        let r = one("09/2012 to 07/2014");
        assert_eq!(
            (r.start, r.end, r.current),
            (ym(2012, 9), Some(ym(2014, 7)), false)
        );
        let r = one("Jan 2019 – Present");
        assert_eq!((r.start, r.end, r.current), (ym(2019, 1), None, true));
        let r = one("2015-2018");
        assert_eq!(
            (r.start, r.end),
            (PartialDate::year(2015), Some(PartialDate::year(2018)))
        );
        let r = one("Summer 2019");
        assert_eq!(r.start, ym(2019, 6));
        let r = one("2019 - now");
        assert!(r.current);
        let r = one("March 2010 to date");
        assert!(r.current);
        let r = one("01/2010 to Current");
        assert_eq!((r.start, r.current), (ym(2010, 1), true));
        let r = one("'18 - '22");
        assert_eq!(
            (r.start, r.end),
            (PartialDate::year(2018), Some(PartialDate::year(2022)))
        );
        let r = one("Company Name July 2011 to November 2012 Accountant");
        assert_eq!((r.start, r.end), (ym(2011, 7), Some(ym(2012, 11))));
        let r = one("Quality Control Inspector 10/2011 － Current Company Name");
        assert!(r.current);
    }

    #[test]
    fn reads_month_names_in_four_languages() {
        assert_eq!(one("März 2018 bis heute").start, ym(2018, 3));
        assert!(one("März 2018 bis heute").current);
        assert_eq!(one("seit Oktober 2017").start, ym(2017, 10));
        assert!(one("seit Oktober 2017").current);
        let r = one("janvier 2015 à décembre 2016");
        assert_eq!((r.start, r.end), (ym(2015, 1), Some(ym(2016, 12))));
        let r = one("enero 2014 - actualidad");
        assert_eq!((r.start, r.current), (ym(2014, 1), true));
        let r = one("août 2012 – aujourd'hui");
        assert_eq!((r.start, r.current), (ym(2012, 8), true));
        // Capitals, accents next to the boundaries, a season beginning with an accent.
        let r = one("• DÉCEMBRE 2016 – AOÛT 2019");
        assert_eq!((r.start, r.end), (ym(2016, 12), Some(ym(2019, 8))));
        let r = one("Été 2019 – Hiver 2020");
        assert_eq!((r.start, r.end), (ym(2019, 6), Some(ym(2020, 12))));
    }

    #[test]
    fn does_not_mistake_numbers_for_dates() {
        assert!(
            DateParser::new()
                .ranges("Managed 150 accounts and 3000 SKUs", 2021)
                .is_empty()
        );
        let r = one("Bachelor of Science : Nutrition Science , 2013");
        assert_eq!(
            (r.start, r.end, r.current),
            (PartialDate::year(2013), None, false)
        );
    }

    #[test]
    fn recognises_split_ranges() {
        let dates = DateParser::new();
        assert!(dates.is_bare_separator("to"));
        assert!(dates.ends_with_open_separator("Sales Manager Jan 2019 -", 2021));
        assert!(dates.starts_with_range_end("Present", 2021));
        assert!(dates.starts_with_range_end("to 07/2014", 2021));
        assert!(dates.ends_with_date("Sales Manager 09/2012", 2021));
    }
}
