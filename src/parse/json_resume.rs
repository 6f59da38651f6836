//! A JSON Resume document (jsonresume.org, schema 1.0) read as a profile.
//!
//! The document already says which text is a job title, an employer or a date, so its fields
//! are mapped straight into the profile instead of being found in extracted text. What the
//! schema leaves to free text goes through the same readers as a resume's text: a position's
//! categories (title and summary), skills (the taxonomy over every line), the degree level
//! (`studyType`), travel and achievements. Every fact's evidence is the JSON's own text, as one
//! line of the text rendered here, which is also what the search index holds.
//!
//! The reverse, a profile written as a JSON Resume, is `crate::profile::json_resume`.

use serde_json::Value;

use super::timeline::{MonthSpan, gaps, month_of, position_span};
use super::{MAX_SKILL_EVIDENCE, MIN_GAP_MONTHS, ParseOptions, Parser, experience_of};
use crate::profile::{
    CategoryEvidence, Certification, Contact, DegreeLevel, DocumentInfo, Education, Evidence,
    Language, PartialDate, Position, Profile, Skill, Travel,
};

/// The document as JSON when its shape is a JSON Resume: an object with a `basics` object or a
/// `work` array. Anything else (other JSON, a text resume starting with `{`) is not one.
pub fn detect(bytes: &[u8]) -> Option<Value> {
    // A UTF-8 byte-order mark, then white space, may come before the object.
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let body = bytes.get(start..)?;
    if body.first() != Some(&b'{') {
        return None;
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    let shaped = object.get("basics").is_some_and(Value::is_object)
        || object.get("work").is_some_and(Value::is_array);
    shaped.then_some(value)
}

/// A string field, trimmed, when present and not empty.
fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn items<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The entries of an array field that are objects: anything else in it says nothing.
fn objects<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    items(value, key).filter(|item| item.is_object())
}

/// `YYYY-MM-DD`, `YYYY-MM` or `YYYY` at the precision given (the day is dropped: positions
/// count months).
fn partial_date(text: &str) -> Option<PartialDate> {
    let mut parts = text.trim().splitn(3, '-');
    let year: u16 = parts.next()?.parse().ok()?;
    if !(1900..=2200).contains(&year) {
        return None;
    }
    match parts.next() {
        None => Some(PartialDate::year(year)),
        Some(month) => PartialDate::month(year, month.parse().ok()?),
    }
}

/// The text rendered from the document, a line at a time, with what each line belongs to.
#[derive(Default)]
struct Rendered {
    text: String,
    /// Byte offsets of each line's start, and the work entry's span it describes, if any.
    lines: Vec<(usize, Option<MonthSpan>)>,
}

impl Rendered {
    fn line(&mut self, line: &str, span: Option<MonthSpan>) {
        let line = line.replace(['\r', '\n'], " ");
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        self.lines.push((self.text.len(), span));
        self.text.push_str(line);
        self.text.push('\n');
    }

    fn heading(&mut self, heading: &str) {
        self.text.push('\n');
        self.line(heading, None);
    }

    fn line_text(&self, index: usize) -> &str {
        let start = self.lines[index].0;
        let end = self
            .lines
            .get(index + 1)
            .map_or(self.text.len(), |next| next.0);
        self.text[start..end].trim()
    }
}

/// Joins the present parts with `separator`.
fn joined(parts: &[Option<String>], separator: &str) -> Option<String> {
    let present: Vec<&str> = parts.iter().flatten().map(String::as_str).collect();
    (!present.is_empty()).then(|| present.join(separator))
}

impl Parser {
    /// The profile of a JSON Resume document, and the text rendered from it (for the search
    /// index and the stored text).
    pub fn parse_json_resume(&self, resume: &Value, options: &ParseOptions) -> (Profile, String) {
        let c = &*self.compiled;
        let document_month = month_of(options.fallback_date);
        let mut rendered = Rendered::default();
        let null = Value::Null;
        let basics = resume.get("basics").unwrap_or(&null);

        // Contact: read as given, never from text.
        let location = basics.get("location").and_then(|location| {
            joined(
                &[
                    text(location, "address"),
                    text(location, "city"),
                    text(location, "region"),
                    text(location, "countryCode"),
                ],
                ", ",
            )
        });
        let mut links: Vec<String> = text(basics, "url").into_iter().collect();
        links.extend(objects(basics, "profiles").filter_map(|profile| text(profile, "url")));
        let contact = Contact {
            name: text(basics, "name"),
            emails: text(basics, "email").into_iter().collect(),
            phones: text(basics, "phone").into_iter().collect(),
            location: location.clone(),
            links,
        };
        let headline = text(basics, "label");
        for line in [
            contact.name.clone(),
            headline.clone(),
            contact.emails.first().cloned(),
            contact.phones.first().cloned(),
            location,
        ]
        .into_iter()
        .flatten()
        .chain(contact.links.iter().cloned())
        {
            rendered.line(&line, None);
        }
        if let Some(summary) = text(basics, "summary") {
            rendered.heading("Summary");
            rendered.line(&summary, None);
        }

        // Positions, in the document's order.
        let mut positions = Vec::new();
        let mut spans = Vec::new();
        let work: Vec<&Value> = objects(resume, "work")
            .chain(objects(resume, "volunteer"))
            .collect();
        if !work.is_empty() {
            rendered.heading("Experience");
        }
        for entry in work {
            let title = text(entry, "position");
            let employer = text(entry, "name").or_else(|| text(entry, "organization"));
            let start = text(entry, "startDate").as_deref().and_then(partial_date);
            let end = text(entry, "endDate").as_deref().and_then(partial_date);
            // JSON Resume leaves `endDate` out of a position that has not ended.
            let current = start.is_some() && end.is_none();
            let span = position_span(start, end, current, document_month);
            let dates = match (start, end) {
                (Some(start), Some(end)) => format!("{start} - {end}"),
                (Some(start), None) => format!("{start} - Present"),
                (None, _) => String::new(),
            };
            let heading = joined(
                &[
                    title.clone(),
                    employer.clone(),
                    text(entry, "location"),
                    (!dates.is_empty()).then_some(dates),
                ],
                ", ",
            )
            .unwrap_or_default();
            rendered.line(&heading, span);
            let mut description_lines: Vec<String> = text(entry, "summary").into_iter().collect();
            description_lines.extend(
                items(entry, "highlights")
                    .filter_map(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            );
            for line in &description_lines {
                rendered.line(line, span);
            }
            let description = description_lines.join("\n");
            let categorized = c
                .categories
                .categorize(title.as_deref().unwrap_or(""), &description);
            positions.push(Position {
                title,
                employer,
                location: text(entry, "location"),
                start,
                end: if current { None } else { end.or(start) },
                current,
                months: span.map(MonthSpan::months),
                categories: categorized.iter().map(|(category, _)| *category).collect(),
                category_evidence: categorized
                    .into_iter()
                    .map(|(category, evidence)| CategoryEvidence {
                        category,
                        evidence: Evidence::new(evidence, Some(1)),
                    })
                    .collect(),
                evidence: Evidence::new(heading, Some(1)),
                description: (!description.is_empty()).then_some(description),
            });
            spans.push(span);
        }
        let experience = experience_of(&positions, &spans);
        let all_spans: Vec<MonthSpan> = spans.iter().flatten().copied().collect();
        let employment_gaps = gaps(&all_spans, MIN_GAP_MONTHS);

        // Education: the level read from `studyType` by the parser's own degree patterns.
        let mut education = Vec::new();
        let schools: Vec<&Value> = objects(resume, "education").collect();
        if !schools.is_empty() {
            rendered.heading("Education");
        }
        for entry in schools {
            let degree = text(entry, "studyType");
            let field = text(entry, "area");
            let institution = text(entry, "institution");
            let end = text(entry, "endDate").as_deref().and_then(partial_date);
            let started = text(entry, "startDate").is_some();
            let line = joined(
                &[
                    joined(&[degree.clone(), field.clone()], ", "),
                    institution.clone(),
                    end.map(|end| end.year.to_string()),
                ],
                " - ",
            )
            .unwrap_or_default();
            rendered.line(&line, None);
            let level = c
                .education
                .level_of(degree.as_deref().unwrap_or(""))
                .map_or(DegreeLevel::None, |(level, _, _)| level);
            education.push(Education {
                level,
                degree,
                field,
                institution,
                year: end.map(|end| end.year),
                // Started and not ended: still studying.
                completed: end.is_some() || !started,
                evidence: Evidence::new(line, Some(1)),
            });
        }
        let highest_degree = education
            .iter()
            .filter(|e| e.completed)
            .map(|e| e.level)
            .max()
            .unwrap_or(DegreeLevel::None);

        // Skills, languages and certificates, each on its own line.
        let skill_entries: Vec<&Value> = objects(resume, "skills").collect();
        if !skill_entries.is_empty() {
            rendered.heading("Skills");
        }
        for entry in skill_entries {
            let mut words: Vec<String> = text(entry, "name").into_iter().collect();
            words.extend(
                items(entry, "keywords")
                    .filter_map(Value::as_str)
                    .map(str::to_owned),
            );
            rendered.line(&words.join(", "), None);
        }
        let mut languages = Vec::new();
        let language_entries: Vec<&Value> = objects(resume, "languages").collect();
        if !language_entries.is_empty() {
            rendered.heading("Languages");
        }
        for entry in language_entries {
            let Some(name) = text(entry, "language") else {
                continue;
            };
            let proficiency = text(entry, "fluency");
            let line = joined(&[Some(name.clone()), proficiency.clone()], ": ").unwrap_or_default();
            rendered.line(&line, None);
            // The taxonomy's name when it knows the language ("Deutsch" is German).
            let name = c
                .taxonomy
                .find_languages(&name)
                .first()
                .and_then(|hit| c.taxonomy.languages.get(hit.entry))
                .map_or(name, |entry| entry.name.clone());
            languages.push(Language {
                name,
                proficiency,
                evidence: Evidence::new(line, Some(1)),
            });
        }
        let mut certifications = Vec::new();
        let certificate_entries: Vec<&Value> = objects(resume, "certificates").collect();
        if !certificate_entries.is_empty() {
            rendered.heading("Certifications");
        }
        for entry in certificate_entries {
            let Some(name) = text(entry, "name") else {
                continue;
            };
            let line =
                joined(&[Some(name.clone()), text(entry, "issuer")], ", ").unwrap_or_default();
            rendered.line(&line, None);
            certifications.push(Certification {
                name,
                evidence: Evidence::new(line, Some(1)),
            });
        }

        let skills = self.json_resume_skills(&rendered);
        let text = rendered.text;
        let finding = c.travel.find(&text);
        let travel = Travel {
            status: finding.status,
            evidence: finding
                .span
                .and_then(|(start, end)| text.get(start..end))
                .map(str::to_owned),
            page: finding.span.map(|_| 1),
            rule: finding.rule,
        };
        let profile = Profile {
            document: DocumentInfo {
                media_type: crate::extract::MediaType::JsonResume.mime().to_owned(),
                pages: 1,
                document_date: Some(options.fallback_date),
                chars: text.chars().count(),
                warnings: Vec::new(),
                page_starts: Vec::new(),
            },
            contact,
            positions,
            experience,
            skills,
            education,
            highest_degree,
            travel,
            languages,
            certifications,
            headline,
            employment_gaps,
            achievements: c.achievements.read(&text, |_| 1),
        };
        (profile, text)
    }

    /// Skills through the taxonomy over every rendered line, with the months of the positions
    /// whose lines name them (as a text resume's skills are found).
    fn json_resume_skills(&self, rendered: &Rendered) -> Vec<Skill> {
        let taxonomy = &self.compiled.taxonomy;
        let mut found: Vec<(usize, Vec<Evidence>, Vec<MonthSpan>)> = Vec::new();
        for (index, &(_, span)) in rendered.lines.iter().enumerate() {
            let line = rendered.line_text(index);
            for hit in taxonomy.find_skills(line) {
                let slot = match found.iter().position(|(entry, ..)| *entry == hit.entry) {
                    Some(slot) => slot,
                    None => {
                        found.push((hit.entry, Vec::new(), Vec::new()));
                        found.len() - 1
                    }
                };
                let (_, evidence, spans) = &mut found[slot];
                if evidence.len() < MAX_SKILL_EVIDENCE && !evidence.iter().any(|e| e.text == line) {
                    evidence.push(Evidence::new(line, Some(1)));
                }
                spans.extend(span);
            }
        }
        found
            .into_iter()
            .filter_map(|(entry, evidence, spans)| {
                let entry = taxonomy.skills.get(entry)?;
                Some(Skill {
                    name: entry.name.clone(),
                    group: entry.group.clone(),
                    months: (!spans.is_empty()).then(|| super::merged_months(&spans)),
                    last_used: spans
                        .iter()
                        .map(|s| s.end - 1)
                        .max()
                        .and_then(super::date_of_month_index),
                    evidence,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_json_resume_shapes_are_detected() {
        assert!(detect(br#"{"basics": {"name": "A"}}"#).is_some());
        assert!(detect(b"\xef\xbb\xbf  {\"work\": []}").is_some());
        assert!(detect(br#"{"name": "A"}"#).is_none());
        assert!(detect(br#"[{"basics": {}}]"#).is_none());
        assert!(detect(b"{ Jane Doe } Account Manager").is_none());
        assert!(detect(b"Jane Doe").is_none());
    }

    #[test]
    fn dates_keep_their_precision() {
        assert_eq!(partial_date("2019-03-15"), PartialDate::month(2019, 3));
        assert_eq!(partial_date("2019-03"), PartialDate::month(2019, 3));
        assert_eq!(partial_date("2019"), Some(PartialDate::year(2019)));
        assert_eq!(partial_date("March 2019"), None);
        assert_eq!(partial_date("2019-13"), None);
    }
}
