//! Contact details: name, e-mails, phones, location, links. Kept apart from everything scores
//! read: nothing here may influence a ranking.

use regex::Regex;

use super::lines::Line;
use super::sections::SectionKind;
use crate::profile::Contact;

#[derive(Debug, Clone)]
pub struct ContactReader {
    email: Regex,
    phone: Regex,
    link: Regex,
    location: Regex,
    name: Regex,
}

impl Default for ContactReader {
    fn default() -> Self {
        Self::new()
    }
}

/// A page number or a heading that can stand above the name.
fn is_filler_above_name(text: &str) -> bool {
    let text = text.trim().trim_end_matches(':').trim();
    let lower = text.to_lowercase();
    text.chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || "-/.".contains(c))
        || lower.starts_with("page ")
        || matches!(
            lower.as_str(),
            "contact"
                | "contact information"
                | "contact info"
                | "contact details"
                | "personal details"
                | "personal information"
                | "resume"
                | "résumé"
                | "curriculum vitae"
                | "cv"
        )
}

/// Words that show a line is a headline or a heading, not a person's name.
const NOT_NAME_WORDS: &[&str] = &[
    "resume",
    "curriculum",
    "vitae",
    "cv",
    "manager",
    "sales",
    "associate",
    "director",
    "representative",
    "specialist",
    "engineer",
    "consultant",
    "executive",
    "assistant",
    "analyst",
    "accountant",
    "teacher",
    "chef",
    "summary",
    "profile",
    "experience",
    "education",
    "skills",
    "contact",
    "objective",
    "senior",
    "officer",
    "coordinator",
    "developer",
    "designer",
    "nurse",
    "advocate",
    "intern",
    "administrator",
    "professional",
    "account",
    "business",
    "development",
    "marketing",
    "customer",
    "service",
    "technician",
    "supervisor",
    "lead",
    "agent",
    "clerk",
];

impl ContactReader {
    pub fn new() -> Self {
        let compile = super::compile_ascii_words;
        Self {
            email: compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"),
            phone: compile(
                r"(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)\s?|\b\d{2,4}[\s.-])\d{3,4}[\s.-]\d{3,4}\b",
            ),
            link: compile(
                r"(?i)\b(?:https?://[^\s,;)]+|www\.[^\s,;)]+|(?:linkedin\.com|github\.com|gitlab\.com|behance\.net|dribbble\.com)/[^\s,;)]+)",
            ),
            location: compile(
                r"\b[A-Z][a-zA-Z.]+(?: [A-Z][a-zA-Z.]+){0,2}, (?:[A-Z]{2}(?: \d{5}(?:-\d{4})?)?|[A-Z][a-z]+ \d{4,5}|[A-Z][a-z]+ \d{5})\b",
            ),
            name: compile(r"^[A-Z][A-Za-z'’.-]+(?:\s+[A-Z][A-Za-z'’.-]*){1,3}$"),
        }
    }

    pub fn read(&self, text: &str, lines: &[Line<'_>]) -> Contact {
        let mut contact = Contact::default();
        for m in self.email.find_iter(text) {
            let email = m.as_str().to_owned();
            if !contact.emails.contains(&email) {
                contact.emails.push(email);
            }
        }
        for m in self.link.find_iter(text) {
            let link = m.as_str().trim_end_matches('.').to_owned();
            if !contact.links.contains(&link) && !link.contains('@') {
                contact.links.push(link);
            }
        }
        // Phones and the address are at the top; numbers further down are figures.
        let top: Vec<&Line<'_>> = lines
            .iter()
            .take(8)
            .filter(|line| line.section == SectionKind::Top)
            .collect();
        for line in &top {
            for m in self.phone.find_iter(line.text) {
                let digits = m.as_str().chars().filter(char::is_ascii_digit).count();
                let phone = m.as_str().trim().to_owned();
                if (7..=15).contains(&digits) && !contact.phones.contains(&phone) {
                    contact.phones.push(phone);
                }
            }
        }
        contact.location = top.iter().find_map(|line| {
            let m = self.location.find(line.text)?;
            (m.as_str() != "City , State").then(|| m.as_str().to_owned())
        });
        // The name is on the first line, after a page number or a "Contact information" or
        // "Resume" heading that some templates put above it.
        let first = lines
            .iter()
            .take(4)
            .find(|line| !is_filler_above_name(line.text));
        contact.name = first.and_then(|line| {
            let text = line.text.trim();
            let candidate = text.split(['|', '•', ',']).next().unwrap_or("").trim();
            let lower = candidate.to_lowercase();
            let looks_like_name = self.name.is_match(candidate)
                && !lower
                    .split_whitespace()
                    .any(|word| NOT_NAME_WORDS.contains(&word));
            looks_like_name.then(|| candidate.to_owned())
        });
        contact
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::lines::split_lines;
    use crate::parse::sections::HeadingTable;

    #[test]
    fn reads_contact_lines() {
        let text = "Jane Q. Doe\nBoston, MA 02110 | (617) 555-0134 | jane.doe@example.com\nlinkedin.com/in/janedoe\nSummary\nSold things.";
        let lines = split_lines(text, &HeadingTable::new());
        let contact = ContactReader::new().read(text, &lines);
        assert_eq!(contact.name.as_deref(), Some("Jane Q. Doe"));
        assert_eq!(contact.emails, ["jane.doe@example.com"]);
        assert_eq!(contact.phones, ["(617) 555-0134"]);
        assert_eq!(contact.location.as_deref(), Some("Boston, MA 02110"));
        assert_eq!(contact.links, ["linkedin.com/in/janedoe"]);
    }

    #[test]
    fn a_page_number_or_contact_heading_above_the_name_is_skipped() {
        for text in [
            "2\nLeo Leopard\nleo@example.com",
            "CONTACT INFORMATION\n\nMolly A. Adams\n930 Via Mil",
        ] {
            let lines = split_lines(text, &HeadingTable::new());
            let name = ContactReader::new().read(text, &lines).name;
            assert!(
                matches!(name.as_deref(), Some("Leo Leopard" | "Molly A. Adams")),
                "{text}: {name:?}"
            );
        }
    }

    #[test]
    fn a_headline_is_not_a_name() {
        let text = "SALES MANAGER\nSummary";
        let lines = split_lines(text, &HeadingTable::new());
        assert_eq!(ContactReader::new().read(text, &lines).name, None);
    }
}
