//! Languages and certifications.
//!
//! Languages come from a Languages section, or from phrases that say the candidate speaks one
//! ("fluent in Spanish", "bilingual English/French"): a language name alone ("Spanish
//! literature") is not enough. Certifications come from a Certifications section, and elsewhere
//! from "Certified ..." phrases and well-known credential abbreviations.

use regex::Regex;

use super::LineRegex;
use super::lines::Line;
use super::sections::SectionKind;
use super::taxonomy::Taxonomy;
use crate::profile::{Certification, Evidence, Language};

#[derive(Debug, Clone)]
pub struct LanguageReader {
    context: LineRegex,
    proficiency: LineRegex,
}

impl Default for LanguageReader {
    fn default() -> Self {
        Self::new()
    }
}

impl LanguageReader {
    pub fn new() -> Self {
        // Read one line at a time: no prefilter (see `compile_line_words`).
        let compile = super::compile_line_words;
        Self {
            context: compile(
                r"(?i)\b(fluent(ly)?|fluency|bilingual|trilingual|multilingual|native|conversational|speak(s|ing)?|spoken|languages?|mother\s+tongue|proficient\s+in|working\s+knowledge\s+of|verhandlungssicher|flie(ß|ss)end|courant|bilingüe)\b",
            ),
            proficiency: compile(
                r"(?i)\b(native|mother\s+tongue|fluent|bilingual|professional\s+working|full\s+professional|conversational|functional|intermediate|advanced|basic|elementary|beginner|proficient|limited|working\s+knowledge|[ABC][12])\b",
            ),
        }
    }

    pub fn read(
        &self,
        lines: &[Line<'_>],
        taxonomy: &Taxonomy,
        page_of: &dyn Fn(usize) -> u32,
    ) -> Vec<Language> {
        let mut languages: Vec<Language> = Vec::new();
        for line in lines {
            let in_section = line.section == SectionKind::Languages && !line.is_heading;
            let context = self.context.find(line.text);
            if !in_section && context.is_none() {
                continue;
            }
            for hit in taxonomy.find_languages(line.text) {
                // Outside a Languages section the language must be near the words that say it
                // is spoken.
                if !in_section {
                    let Some(context) = context else { continue };
                    let distance = if hit.start >= context.end() {
                        hit.start - context.end()
                    } else {
                        context.start().saturating_sub(hit.end)
                    };
                    if distance > 60 {
                        continue;
                    }
                }
                let Some(entry) = taxonomy.languages.get(hit.entry) else {
                    continue;
                };
                if languages.iter().any(|l| l.name == entry.name) {
                    continue;
                }
                // The proficiency in the same list item as the language.
                let item_start = line
                    .text
                    .get(..hit.start)
                    .and_then(|h| h.rfind([',', ';', '|', '•']))
                    .map_or(0, |i| i + 1);
                let item_end = line
                    .text
                    .get(hit.end..)
                    .and_then(|t| t.find([',', ';', '|', '•']))
                    .map_or(line.text.len(), |i| hit.end + i);
                let item = line.text.get(item_start..item_end).unwrap_or("");
                let proficiency = [item, line.text]
                    .into_iter()
                    .find_map(|text| text.get(self.proficiency.find(text)?.range()))
                    .map(str::to_lowercase);
                languages.push(Language {
                    name: entry.name.clone(),
                    proficiency,
                    evidence: Evidence::new(line.text, Some(page_of(line.offset))),
                });
            }
        }
        languages
    }
}

/// Credentials known by their abbreviation, matched as written on word boundaries.
const KNOWN_CREDENTIALS: &str = r"\b(CPA|PMP|CAPM|CFA|CFP|CMA|CIA|CISA|CISSP|CSP|CPSP|CSE|CSM|PHR|SPHR|SHRM-CP|SHRM-SCP|CCNA|CCNP|MCSE|ITIL|Six Sigma(?: (?:Green|Black|Yellow) Belt)?|Series \d{1,2}|CompTIA [A-Za-z+]+|CDL(?: Class [ABC])?|ServSafe|CPR|RN|LPN|CNA)\b";

#[derive(Debug, Clone)]
pub struct CertificationReader {
    phrase: Regex,
    known: Regex,
}

impl Default for CertificationReader {
    fn default() -> Self {
        Self::new()
    }
}

impl CertificationReader {
    pub fn new() -> Self {
        let compile = super::compile_ascii_words;
        Self {
            // ASCII classes: with Unicode `\w` and `\s` this pattern's lazy DFA kept outgrowing
            // its cache and rebuilding states, a fifth of all parsing time; credential names
            // are written in ASCII.
            phrase: compile(
                r"(?-u)\b(?:Certified\s+(?:[A-Z][\w&/-]*\s*){1,6}|(?:[A-Z][\w&/-]*\s+){1,5}Certifi(?:cation|cate)\b|Certificate\s+(?:in|of)\s+(?:[A-Z][\w&/-]*\s*){1,6}|Licensed\s+(?:[A-Z][\w&/-]*\s*){1,4})",
            ),
            known: compile(KNOWN_CREDENTIALS),
        }
    }

    pub fn read(&self, lines: &[Line<'_>], page_of: &dyn Fn(usize) -> u32) -> Vec<Certification> {
        let mut found: Vec<Certification> = Vec::new();
        let mut push = |name: &str, line: &Line<'_>| {
            let name = name
                .trim()
                .trim_matches(|c: char| c == ',' || c == ';' || c == ':' || c == '-' || c == '.')
                .trim();
            if name.len() < 2 || found.iter().any(|c| c.name.eq_ignore_ascii_case(name)) {
                return;
            }
            found.push(Certification {
                name: name.to_owned(),
                evidence: Evidence::new(line.text, Some(page_of(line.offset))),
            });
        };
        for line in lines.iter().filter(|l| !l.is_heading) {
            if line.section == SectionKind::Certifications {
                if line.text.len() <= 150 {
                    push(line.text, line);
                }
                continue;
            }
            if matches!(line.section, SectionKind::Experience) {
                // Bullets in jobs mention certifications of products and customers too often.
                continue;
            }
            // The phrase pattern is costly per line; it needs one of these stems to match.
            let lower_has = |stem: &str| {
                line.text
                    .as_bytes()
                    .windows(stem.len())
                    .any(|w| w.eq_ignore_ascii_case(stem.as_bytes()))
            };
            if lower_has("certifi") || lower_has("licensed") {
                for m in self.phrase.find_iter(line.text) {
                    push(m.as_str(), line);
                }
            }
            for m in self.known.find_iter(line.text) {
                push(m.as_str(), line);
            }
        }
        found
    }
}
