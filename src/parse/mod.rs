//! [`Document`] to [`Profile`]: sections, positions and date ranges, the overlap-merged
//! timeline by category, skills through the taxonomy in `config/taxonomy/`, education, travel,
//! languages, certifications and contact details. Every fact keeps the text it came from.
//!
//! Everything that compiles (regexes, the taxonomy automata) is built once in [`Parser`]; a
//! parse borrows lines from the document text and allocates only what the profile keeps.

mod achievements;
pub mod categories;
pub mod category_model;
pub mod category_signals;
mod contact;
pub mod dates;
mod education;
mod extras;
pub mod json_resume;
mod lines;
mod positions;
mod rule_set;
pub mod sections;
pub mod taxonomy;
pub mod timeline;
mod travel;

use std::path::Path;
use std::sync::{Arc, LazyLock};

use chrono::{Datelike, NaiveDate};

use crate::extract::Document;
use crate::profile::{
    Category, CategoryEvidence, DegreeLevel, DocumentInfo, Education, Evidence, Experience,
    PartialDate, Position, Profile, Skill, Travel,
};

use self::achievements::AchievementReader;
use self::category_model::Categories;
use self::contact::ContactReader;
use self::dates::DateParser;
use self::education::EducationReader;
use self::extras::{CertificationReader, LanguageReader};
use self::lines::{Line, split_lines};
use self::positions::PositionReader;
use self::sections::{HeadingTable, SectionKind};
use self::taxonomy::{Taxonomy, TaxonomyError};
use self::timeline::{MonthSpan, gaps, merged_months, month_of, position_span};

/// `pattern` with every `\b` on ASCII word edges: Unicode word edges make the lazy DFA give up
/// on non-ASCII text, and the rules are written for ASCII words.
pub(crate) fn ascii_word_edges(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

/// What every rule row of `config/rules/` carries beside its pattern: phrases it must match and
/// phrases it must not. Read only by each rule file's own unit test, which checks them.
#[derive(Debug, Default, serde::Deserialize)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct RuleExamples {
    #[serde(default)]
    pub matches: Vec<String>,
    #[serde(default)]
    pub not_matches: Vec<String>,
}

/// Compiles a pattern searched over whole texts or paragraphs, with ASCII word boundaries.
///
/// Why: a Unicode `\b` makes the regex crate leave its fast lazy DFA for the PikeVM as soon as
/// the text holds one non-ASCII character (most resumes do: "－", "•"), which made travel
/// detection alone cost more than all the rest of parsing. The words these patterns look for
/// are ASCII at their edges, so ASCII boundaries find the same matches.
pub(crate) fn compile_ascii_words(pattern: &str) -> regex::Regex {
    let pattern = ascii_word_edges(pattern);
    regex::RegexBuilder::new(&pattern)
        .dfa_size_limit(LAZY_DFA_CACHE_BYTES)
        .build()
        .unwrap_or_else(|e| panic!("invalid built-in pattern {pattern:?}: {e}"))
}

/// A pattern only ever searched over a line or a few words: a title, an education line, a
/// line that may name languages.
pub(crate) type LineRegex = regex_automata::meta::Regex;

/// Compiles a pattern like [`compile_ascii_words`], without a literal prefilter.
///
/// Why: a prefilter only pays on long texts, and extracting the literals of a long
/// case-insensitive alternation was half or more of building such a pattern (the category
/// title groups, the education and language patterns: about 8 ms, each measured alone). A
/// line is read by the lazy DFA as fast as a prefilter would skip it. `LineRegex` is the engine
/// under `regex::Regex` with the same syntax and leftmost-first matching: the same matches.
pub(crate) fn compile_line_words(pattern: &str) -> LineRegex {
    let pattern = ascii_word_edges(pattern);
    LineRegex::builder()
        .configure(
            LineRegex::config()
                .auto_prefilter(false)
                .hybrid_cache_capacity(LAZY_DFA_CACHE_BYTES),
        )
        .build(&pattern)
        .unwrap_or_else(|e| panic!("invalid built-in pattern {pattern:?}: {e}"))
}

/// `text` with every match of `re` replaced by a space, as `Regex::replace_all(text, " ")`.
pub(crate) fn blank_out(re: &LineRegex, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in re.find_iter(text) {
        out.push_str(text.get(last..m.start()).unwrap_or(""));
        out.push(' ');
        last = m.end();
    }
    out.push_str(text.get(last..).unwrap_or(""));
    out
}

/// The lazy DFA's cache per pattern (and per thread using it). The default, 2 MiB, is too
/// small for the long case-insensitive alternations of the category and travel rules: the
/// cache filled and was cleared over and over, and rebuilding DFA states took a tenth of all
/// ingestion time. States are built once and kept at this size.
pub(crate) const LAZY_DFA_CACHE_BYTES: usize = 16 << 20;

/// What parsing needs besides the document.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// The date open-ended positions run to when the document states no date of its own: the
    /// upload's `document_date`, else the day of upload.
    pub fallback_date: NaiveDate,
}

/// Gaps shorter than this are job changes, not gaps.
const MIN_GAP_MONTHS: u32 = 3;
/// Evidence kept per skill: enough to check it, not every mention.
const MAX_SKILL_EVIDENCE: usize = 3;

/// A taxonomy built on first use: the built-in one, or one given to [`Parser::with_taxonomy`].
type LazyTaxonomy = LazyLock<Taxonomy, Box<dyn FnOnce() -> Taxonomy + Send>>;

/// The category rules and model built on first use: the built-in ones, or a model given to
/// [`Parser::with_category_model`].
type LazyCategories = LazyLock<Categories, Box<dyn FnOnce() -> Categories + Send>>;

/// Honours and awards by their usual names: under an honours heading such a dated line is not a
/// job (see `parse`).
static HONOURS: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(dean['’]?s\s+list|president['’]?s\s+list|honou?r\s+roll|honou?rs?|awards?|winner|scholarship|scholar|cum\s+laude|medal(ist)?|recipient)\b")
        .expect("valid regex")
});

/// Every reader is built on its first use, not with the parser.
///
/// Why: building them all (about a hundred regexes, the taxonomy's automata, the category
/// model) was nearly all of a one-file `shortlist parse` and sat in front of the server's
/// readiness, though a server needs none of them until its first upload and a file that fails
/// extraction needs none at all. Built lazily, each costs only the process that needs it,
/// once; [`Parser::warm_up`] builds the rest ahead of need, on another thread, while the first
/// document is still being extracted.
#[derive(Debug)]
struct Compiled {
    headings: LazyLock<HeadingTable>,
    dates: LazyLock<DateParser>,
    positions: LazyLock<PositionReader>,
    categories: LazyCategories,
    education: LazyLock<EducationReader>,
    travel: LazyLock<travel::TravelReader>,
    contact: LazyLock<ContactReader>,
    achievements: LazyLock<AchievementReader>,
    languages: LazyLock<LanguageReader>,
    certifications: LazyLock<CertificationReader>,
    taxonomy: LazyTaxonomy,
}

impl Compiled {
    fn new(taxonomy: LazyTaxonomy) -> Self {
        Self::with_categories(taxonomy, LazyLock::new(Box::new(Categories::default)))
    }

    fn with_categories(taxonomy: LazyTaxonomy, categories: LazyCategories) -> Self {
        Self {
            headings: LazyLock::new(HeadingTable::new),
            dates: LazyLock::new(DateParser::new),
            positions: LazyLock::new(PositionReader::new),
            categories,
            education: LazyLock::new(EducationReader::new),
            travel: LazyLock::new(travel::TravelReader::new),
            contact: LazyLock::new(ContactReader::new),
            achievements: LazyLock::new(AchievementReader::new),
            languages: LazyLock::new(LanguageReader::new),
            certifications: LazyLock::new(CertificationReader::new),
            taxonomy,
        }
    }
}

/// The built-in parser, shared by every caller of [`Parser::builtin`] in the process: nothing
/// in it changes after it is built, so one build serves them all.
static BUILTIN: LazyLock<Parser> = LazyLock::new(|| Parser {
    compiled: Arc::new(Compiled::new(builtin_taxonomy())),
});

/// The taxonomy compiled into the binary, read on first use.
fn builtin_taxonomy() -> LazyTaxonomy {
    LazyLock::new(Box::new(|| match Taxonomy::builtin() {
        Ok(taxonomy) => taxonomy,
        // The builtin taxonomy is checked by the tests; reaching this is a build defect.
        Err(error) => panic!("the builtin taxonomy is invalid: {error}"),
    }))
}

/// A parser with its taxonomy loaded. Cheap to clone and share between threads.
#[derive(Debug, Clone)]
pub struct Parser {
    compiled: Arc<Compiled>,
}

impl Default for Parser {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Parser {
    /// The parser with the taxonomy compiled into the binary from `config/taxonomy/`. Its
    /// readers are built on first use (see [`Parser::warm_up`]) and shared by every parser
    /// this returns.
    pub fn builtin() -> Self {
        BUILTIN.clone()
    }

    /// The parser with the taxonomy read from `dir` (`skills.toml`, `languages.toml`).
    pub fn from_taxonomy_dir(dir: &Path) -> Result<Self, TaxonomyError> {
        Ok(Self::with_taxonomy(Taxonomy::from_dir(dir)?))
    }

    pub fn with_taxonomy(taxonomy: Taxonomy) -> Self {
        Self {
            compiled: Arc::new(Compiled::new(LazyLock::new(Box::new(move || taxonomy)))),
        }
    }

    /// The built-in parser with another position-category model: for evaluating a model
    /// trained without the resumes it is scored on (`examples/fit_roles.rs`, out of fold).
    pub fn with_category_model(model: category_model::CategoryModel) -> Self {
        let categories: LazyCategories = LazyLock::new(Box::new(move || {
            Categories::new(categories::Categorizer::new(), model)
        }));
        Self {
            compiled: Arc::new(Compiled::with_categories(builtin_taxonomy(), categories)),
        }
    }

    /// Builds every reader not built yet. A parse builds what it needs anyway; this is for a
    /// caller that can do it ahead of need, off its critical path ([`Parser::warm_up_in_background`]).
    ///
    /// The order is the reverse of a parse's, so that a parse running beside it (on another
    /// core) and this meet in the middle instead of waiting on the same reader.
    pub fn warm_up(&self) {
        let c = &*self.compiled;
        LazyLock::force(&c.certifications);
        LazyLock::force(&c.languages);
        LazyLock::force(&c.achievements);
        LazyLock::force(&c.contact);
        LazyLock::force(&c.travel);
        LazyLock::force(&c.education);
        LazyLock::force(&c.taxonomy);
        LazyLock::force(&c.categories);
        LazyLock::force(&c.positions);
        LazyLock::force(&c.dates);
        LazyLock::force(&c.headings);
    }

    /// [`Parser::warm_up`] on a thread of its own: the caller goes on (reading and extracting
    /// its first document, or starting to serve) while the readers are built on another core.
    pub fn warm_up_in_background(&self) {
        let parser = self.clone();
        // A failed spawn only means each reader is built on first use instead.
        let _ = std::thread::Builder::new()
            .name("parser-warm-up".into())
            .spawn(move || parser.warm_up());
    }

    pub fn parse(&self, document: &Document, options: &ParseOptions) -> Profile {
        let c = &*self.compiled;
        let text = document.text.as_str();
        let document_date = document.document_date.unwrap_or(options.fallback_date);
        let document_month = month_of(document_date);
        let document_year = u16::try_from(document_date.year()).unwrap_or(2000);
        let page_of = |offset: usize| document.page_of(offset);
        let lines = split_lines(text, &c.headings);

        let has_experience = lines.iter().any(|l| l.section == SectionKind::Experience);
        let positions_scope = |kind: SectionKind| {
            if has_experience {
                kind == SectionKind::Experience
            } else {
                matches!(
                    kind,
                    SectionKind::Top
                        | SectionKind::Summary
                        | SectionKind::Accomplishments
                        | SectionKind::Other
                )
            }
        };
        let mut raw_positions = c
            .positions
            .read(&lines, &c.dates, document_year, positions_scope);
        // Under an honours heading a dated "Dean's List" or "Cover Design Winner" is an award,
        // not a job; the jobs a resume without an Experience heading lists there stay.
        raw_positions.retain(|raw| {
            let honours = lines
                .get(raw.heading_lines.0)
                .is_some_and(|l| l.section == SectionKind::Accomplishments);
            !(honours && raw.title.as_deref().is_some_and(|t| HONOURS.is_match(t)))
        });

        // A lone date with no end ("Sales Manager 05/2010") on the latest job (no other starts
        // as late) of a work history with ranges is that job's start: it runs to now. On an
        // earlier job it is a job within that month.
        let latest_lone_start = {
            let starts: Vec<i32> = raw_positions
                .iter()
                .map(|raw| raw.range.start.month_index(1))
                .collect();
            let latest = starts.iter().copied().max();
            let latest_count = starts.iter().filter(|&&s| Some(s) == latest).count();
            starts
                .iter()
                .position(|start| Some(*start) == latest)
                .filter(|&index| {
                    // Where every job gives a lone date ("July 2009", "July 2008" for summer
                    // internships) the dates are single months, the latest one too.
                    let others_have_ranges = raw_positions
                        .iter()
                        .any(|raw| raw.range.end.is_some() || raw.range.current);
                    latest_count == 1
                        && others_have_ranges
                        && raw_positions
                            .get(index)
                            .is_some_and(|raw| raw.range.end.is_none() && !raw.range.current)
                })
        };
        let mut positions = Vec::with_capacity(raw_positions.len());
        let mut spans: Vec<Option<MonthSpan>> = Vec::with_capacity(raw_positions.len());
        let mut seen: Vec<(Option<&str>, PartialDate, Option<PartialDate>)> = Vec::new();
        let mut raw_spans: Vec<Option<MonthSpan>> = Vec::with_capacity(raw_positions.len());
        for (index, raw) in raw_positions.iter().enumerate() {
            let current = raw.range.current || latest_lone_start == Some(index);
            let span = position_span(
                Some(raw.range.start),
                raw.range.end,
                current,
                document_month,
            );
            raw_spans.push(span);
            // Some resumes repeat a block (a second copy of the work history): count it once.
            let key = (raw.title.as_deref(), raw.range.start, raw.range.end);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let heading = join_lines(&lines, raw.heading_lines.0, raw.heading_lines.1 + 1);
            let description = join_lines(&lines, raw.description_lines.0, raw.description_lines.1);
            let heading_page = lines.get(raw.heading_lines.0).map(|l| page_of(l.offset));
            let title = raw.title.clone().unwrap_or_default();
            let categorized = c.categories.categorize(&title, &description);
            let (end, current) = if current {
                (None, true)
            } else {
                // A single date is a position of that month (or year): it ends where it starts.
                (Some(raw.range.end.unwrap_or(raw.range.start)), false)
            };
            positions.push(Position {
                title: raw.title.clone(),
                employer: raw.employer.clone(),
                location: raw.location.clone(),
                start: Some(raw.range.start),
                end,
                current,
                months: span.map(MonthSpan::months),
                categories: categorized.iter().map(|(category, _)| *category).collect(),
                category_evidence: categorized
                    .into_iter()
                    .map(|(category, evidence)| CategoryEvidence {
                        category,
                        evidence: Evidence::new(evidence, heading_page),
                    })
                    .collect(),
                evidence: Evidence::new(heading, heading_page),
                description: (!description.is_empty()).then_some(description),
            });
            spans.push(span);
        }

        let experience = experience_of(&positions, &spans);
        let all_spans: Vec<MonthSpan> = spans.iter().flatten().copied().collect();
        let employment_gaps = gaps(&all_spans, MIN_GAP_MONTHS);

        let skills = self.skills(text, &lines, &raw_positions, &raw_spans, &page_of);

        let has_education = lines.iter().any(|l| l.section == SectionKind::Education);
        let education_scope = |index: usize| {
            lines.get(index).is_some_and(|line| {
                if has_education {
                    line.section == SectionKind::Education
                } else {
                    !matches!(line.section, SectionKind::Experience | SectionKind::Skills)
                }
            })
        };
        let education: Vec<Education> = c
            .education
            .read(&lines, education_scope, document_year)
            .into_iter()
            .map(|raw| Education {
                level: raw.level,
                degree: Some(raw.degree),
                field: raw.field,
                institution: raw.institution,
                year: raw.year,
                completed: raw.completed,
                evidence: Evidence::new(
                    join_lines(&lines, raw.lines.0, raw.lines.1 + 1),
                    lines.get(raw.lines.1).map(|l| page_of(l.offset)),
                ),
            })
            .collect();
        let highest_degree = education
            .iter()
            .filter(|e| e.completed)
            .map(|e| e.level)
            .max()
            .unwrap_or(DegreeLevel::None);

        let finding = c.travel.find(text);
        let travel = Travel {
            status: finding.status,
            evidence: finding
                .span
                .and_then(|(start, end)| text.get(start..end))
                .map(str::to_owned),
            page: finding.span.map(|(start, _)| page_of(start)),
            rule: finding.rule,
        };

        let contact = c.contact.read(text, &lines);
        let headline = lines
            .first()
            .filter(|line| contact.name.as_deref() != Some(line.text))
            .filter(|line| line.text.split_whitespace().count() <= 12)
            .map(|line| line.text.to_owned());

        Profile {
            document: DocumentInfo {
                media_type: document.media_type.mime().to_owned(),
                pages: document.pages,
                document_date: Some(document_date),
                chars: text.chars().count(),
                warnings: document.warnings.clone(),
                page_starts: document.page_starts.clone(),
            },
            contact,
            positions,
            experience,
            skills,
            education,
            highest_degree,
            travel,
            languages: c.languages.read(&lines, &c.taxonomy, &page_of),
            certifications: c.certifications.read(&lines, &page_of),
            headline,
            employment_gaps,
            achievements: c.achievements.read(text, page_of),
        }
    }

    /// Skills through the taxonomy, with the months and last use of the positions that mention
    /// them.
    fn skills(
        &self,
        text: &str,
        lines: &[Line<'_>],
        positions: &[positions::RawPosition],
        spans: &[Option<MonthSpan>],
        page_of: &dyn Fn(usize) -> u32,
    ) -> Vec<Skill> {
        let taxonomy = &self.compiled.taxonomy;
        struct Found {
            entry: usize,
            evidence: Vec<Evidence>,
            spans: Vec<MonthSpan>,
        }
        let mut found: Vec<Found> = Vec::new();
        // One pass over the whole text; each hit is then placed on its line.
        for text_hit in taxonomy.find_skills(text) {
            let Some(line_index) = lines
                .partition_point(|l| l.offset <= text_hit.start)
                .checked_sub(1)
            else {
                continue;
            };
            let Some(line) = lines.get(line_index) else {
                continue;
            };
            if text_hit.end > line.offset + line.text.len() {
                continue;
            }
            let hit = taxonomy::Hit {
                entry: text_hit.entry,
                start: text_hit.start - line.offset,
                end: text_hit.end - line.offset,
            };
            let position_span = positions
                .iter()
                .zip(spans)
                .find(|(p, _)| {
                    p.heading_lines.0 <= line_index
                        && line_index < p.description_lines.1.max(p.heading_lines.1 + 1)
                })
                .and_then(|(_, span)| *span);
            {
                let index = match found.iter().position(|f| f.entry == hit.entry) {
                    Some(index) => index,
                    None => {
                        found.push(Found {
                            entry: hit.entry,
                            evidence: Vec::new(),
                            spans: Vec::new(),
                        });
                        found.len() - 1
                    }
                };
                let Some(slot) = found.get_mut(index) else {
                    continue;
                };
                if slot.evidence.len() < MAX_SKILL_EVIDENCE
                    && !slot.evidence.iter().any(|e| e.text == line.text)
                {
                    slot.evidence.push(Evidence::new(
                        shorten(line.text, hit.start, hit.end),
                        Some(page_of(line.offset + hit.start)),
                    ));
                }
                if let Some(span) = position_span {
                    slot.spans.push(span);
                }
            }
        }
        // The generic CRM is also implied by any CRM product, but a profile lists what is
        // written: roles ask for `group:crm` to accept either.
        found
            .into_iter()
            .filter_map(|f| {
                let entry = taxonomy.skills.get(f.entry)?;
                let months = (!f.spans.is_empty()).then(|| merged_months(&f.spans));
                let last_used = f
                    .spans
                    .iter()
                    .map(|s| s.end - 1)
                    .max()
                    .and_then(date_of_month_index);
                Some(Skill {
                    name: entry.name.clone(),
                    group: entry.group.clone(),
                    months,
                    last_used,
                    evidence: f.evidence,
                })
            })
            .collect()
    }
}

fn date_of_month_index(index: i32) -> Option<PartialDate> {
    let year = u16::try_from(index.div_euclid(12)).ok()?;
    PartialDate::month(year, u8::try_from(index.rem_euclid(12) + 1).ok()?)
}

/// The line around a skill mention, cut to a readable length.
fn shorten(line: &str, start: usize, end: usize) -> String {
    const AROUND: usize = 70;
    if line.len() <= 2 * AROUND + (end - start) {
        return line.to_owned();
    }
    let mut from = start.saturating_sub(AROUND);
    while from > 0 && !line.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (end + AROUND).min(line.len());
    while to < line.len() && !line.is_char_boundary(to) {
        to += 1;
    }
    line.get(from..to).unwrap_or(line).trim().to_owned()
}

fn join_lines(lines: &[Line<'_>], from: usize, to: usize) -> String {
    lines
        .get(from..to.min(lines.len()))
        .unwrap_or(&[])
        .iter()
        .map(|l| l.text)
        .collect::<Vec<_>>()
        .join("\n")
}

fn experience_of(positions: &[Position], spans: &[Option<MonthSpan>]) -> Experience {
    let months_for = |category: Option<Category>| {
        let selected: Vec<MonthSpan> = positions
            .iter()
            .zip(spans)
            .filter(|(p, _)| category.is_none_or(|c| p.categories.contains(&c)))
            .filter_map(|(_, span)| *span)
            .collect();
        merged_months(&selected)
    };
    Experience {
        total_months: months_for(None),
        sales_months: months_for(Some(Category::Sales)),
        b2b_sales_months: months_for(Some(Category::B2bSales)),
        account_management_months: months_for(Some(Category::AccountManagement)),
        people_management_months: months_for(Some(Category::PeopleManagement)),
    }
}
