//! Section headings under any wording ("Work History", "PROFESSIONAL EXPERIENCE", "Education and
//! Training:", "Sprachen", ...) and the split of a document into sections of lines.

use std::collections::HashMap;

/// What a section is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SectionKind {
    /// Lines before the first heading: headline and contact details.
    Top,
    Summary,
    Skills,
    Experience,
    Education,
    Certifications,
    Languages,
    Accomplishments,
    Other,
}

/// Heading wordings (lowercase, without trailing colon) and their kinds. Kept as a table so that a
/// new wording is one line.
const HEADINGS: &[(&str, SectionKind)] = &[
    ("summary", SectionKind::Summary),
    ("professional summary", SectionKind::Summary),
    ("executive summary", SectionKind::Summary),
    ("career summary", SectionKind::Summary),
    ("summary of qualifications", SectionKind::Summary),
    ("profile", SectionKind::Summary),
    ("professional profile", SectionKind::Summary),
    ("executive profile", SectionKind::Summary),
    ("career overview", SectionKind::Summary),
    ("professional overview", SectionKind::Summary),
    ("executive overview", SectionKind::Summary),
    ("career focus", SectionKind::Summary),
    ("objective", SectionKind::Summary),
    ("career objective", SectionKind::Summary),
    ("professional objective", SectionKind::Summary),
    ("about me", SectionKind::Summary),
    ("qualifications", SectionKind::Summary),
    ("qualifications summary", SectionKind::Summary),
    ("kurzprofil", SectionKind::Summary),
    ("profil", SectionKind::Summary),
    ("resumen", SectionKind::Summary),
    ("perfil", SectionKind::Summary),
    ("highlights", SectionKind::Skills),
    ("skills", SectionKind::Skills),
    ("skill highlights", SectionKind::Skills),
    ("core qualifications", SectionKind::Skills),
    ("core competencies", SectionKind::Skills),
    ("core strengths", SectionKind::Skills),
    ("key skills", SectionKind::Skills),
    ("technical skills", SectionKind::Skills),
    ("computer skills", SectionKind::Skills),
    ("summary of skills", SectionKind::Skills),
    ("skills summary", SectionKind::Skills),
    ("areas of expertise", SectionKind::Skills),
    ("expertise", SectionKind::Skills),
    ("competencies", SectionKind::Skills),
    ("technical skills and qualifications", SectionKind::Skills),
    ("software", SectionKind::Skills),
    ("tools", SectionKind::Skills),
    ("kenntnisse", SectionKind::Skills),
    ("compétences", SectionKind::Skills),
    ("competences", SectionKind::Skills),
    ("habilidades", SectionKind::Skills),
    ("experience", SectionKind::Experience),
    ("work experience", SectionKind::Experience),
    ("professional experience", SectionKind::Experience),
    ("relevant experience", SectionKind::Experience),
    ("related experience", SectionKind::Experience),
    ("sales experience", SectionKind::Experience),
    ("work history", SectionKind::Experience),
    ("employment", SectionKind::Experience),
    ("employment history", SectionKind::Experience),
    ("professional history", SectionKind::Experience),
    ("career history", SectionKind::Experience),
    ("career highlights", SectionKind::Experience),
    ("career experience", SectionKind::Experience),
    ("experience highlights", SectionKind::Experience),
    ("military experience", SectionKind::Experience),
    ("professional background", SectionKind::Experience),
    ("employment experience", SectionKind::Experience),
    ("berufserfahrung", SectionKind::Experience),
    ("berufliche erfahrung", SectionKind::Experience),
    ("expérience professionnelle", SectionKind::Experience),
    ("experience professionnelle", SectionKind::Experience),
    ("expériences professionnelles", SectionKind::Experience),
    ("experiencia", SectionKind::Experience),
    ("experiencia laboral", SectionKind::Experience),
    ("experiencia profesional", SectionKind::Experience),
    ("education", SectionKind::Education),
    ("education and training", SectionKind::Education),
    ("educational background", SectionKind::Education),
    ("education & training", SectionKind::Education),
    ("academic background", SectionKind::Education),
    ("academic qualifications", SectionKind::Education),
    ("education and certifications", SectionKind::Education),
    ("education & certifications", SectionKind::Education),
    ("training", SectionKind::Education),
    ("specialized training", SectionKind::Education),
    ("ausbildung", SectionKind::Education),
    ("bildung", SectionKind::Education),
    ("formation", SectionKind::Education),
    ("educación", SectionKind::Education),
    ("formación", SectionKind::Education),
    ("certifications", SectionKind::Certifications),
    ("certification", SectionKind::Certifications),
    ("certificates", SectionKind::Certifications),
    ("licenses", SectionKind::Certifications),
    ("licenses and certifications", SectionKind::Certifications),
    ("certifications and licenses", SectionKind::Certifications),
    ("licenses & certifications", SectionKind::Certifications),
    ("certifications & licenses", SectionKind::Certifications),
    ("professional certifications", SectionKind::Certifications),
    ("credentials", SectionKind::Certifications),
    ("zertifikate", SectionKind::Certifications),
    ("languages", SectionKind::Languages),
    ("language", SectionKind::Languages),
    ("language skills", SectionKind::Languages),
    ("sprachen", SectionKind::Languages),
    ("sprachkenntnisse", SectionKind::Languages),
    ("langues", SectionKind::Languages),
    ("idiomas", SectionKind::Languages),
    ("accomplishments", SectionKind::Accomplishments),
    ("core accomplishments", SectionKind::Accomplishments),
    ("achievements", SectionKind::Accomplishments),
    ("key achievements", SectionKind::Accomplishments),
    ("awards", SectionKind::Accomplishments),
    ("honors", SectionKind::Accomplishments),
    ("awards and honors", SectionKind::Accomplishments),
    ("activities and honors", SectionKind::Accomplishments),
    ("additional information", SectionKind::Other),
    ("interests", SectionKind::Other),
    ("affiliations", SectionKind::Other),
    ("professional affiliations", SectionKind::Other),
    ("personal information", SectionKind::Other),
    ("publications", SectionKind::Other),
    ("presentations", SectionKind::Other),
    ("volunteer experience", SectionKind::Other),
    ("volunteer work", SectionKind::Other),
    ("community service", SectionKind::Other),
    ("references", SectionKind::Other),
    ("projects", SectionKind::Other),
    ("hobbies", SectionKind::Other),
    ("memberships", SectionKind::Other),
];

/// A recognised heading: its kind, and any content written after it on the same line
/// ("Skills: Salesforce, Excel"), as a byte offset into the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heading {
    pub kind: SectionKind,
    pub content_from: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct HeadingTable {
    by_wording: HashMap<String, SectionKind>,
}

impl Default for HeadingTable {
    fn default() -> Self {
        Self::new()
    }
}

fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .trim()
        .trim_end_matches([':', '.', '-', '–'])
        .split_whitespace()
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word.to_lowercase());
    }
    out
}

impl HeadingTable {
    pub fn new() -> Self {
        Self {
            by_wording: HEADINGS
                .iter()
                .map(|(wording, kind)| ((*wording).to_owned(), *kind))
                .collect(),
        }
    }

    /// The heading `line` is, if it is one.
    pub fn classify(&self, line: &str) -> Option<Heading> {
        let trimmed = line.trim();
        // Headings start with a capital and do not end a sentence: "achievements." wrapped from
        // the line above is prose.
        if trimmed.ends_with('.') || trimmed.chars().next().is_some_and(char::is_lowercase) {
            return None;
        }
        if trimmed.len() > 60 || trimmed.split_whitespace().count() > 6 {
            return self.classify_inline(line);
        }
        let wording = normalise(trimmed);
        if let Some(kind) = self
            .by_wording
            .get(&wording)
            .copied()
            .or_else(|| self.classify_joined(&wording))
        {
            return Some(Heading {
                kind,
                content_from: None,
            });
        }
        self.classify_inline(line)
    }

    /// A heading that joins a known wording to others ("Education and Credentials", "Awards &
    /// Recognition", "Education, Certifications, Endorsements") is a section of the first one's
    /// kind, when what follows is a short name or two (no dates: "Education, Oct 2014" is a
    /// line of content). "Training and Development" is not taken: it is far more often a
    /// skill in a list than a heading.
    fn classify_joined(&self, wording: &str) -> Option<SectionKind> {
        let mut parts = wording
            .split([',', '&', '/'])
            .flat_map(|part| part.split(" and "))
            .map(str::trim)
            .filter(|part| !part.is_empty());
        let first = parts.next()?;
        let kind = *self.by_wording.get(first)?;
        let rest: Vec<&str> = parts.collect();
        let short_names = rest.iter().all(|part| {
            part.split_whitespace().count() <= 2
                && part.chars().all(|c| c.is_alphabetic() || c == ' ')
        });
        (first != "training" && !rest.is_empty() && short_names).then_some(kind)
    }

    /// "Skills: Salesforce, Excel": a heading and its first content on one line.
    fn classify_inline(&self, line: &str) -> Option<Heading> {
        let colon = line.find(':')?;
        let head = line.get(..colon)?;
        if head.split_whitespace().count() > 4 {
            return None;
        }
        let kind = *self.by_wording.get(&normalise(head))?;
        // "Experience: 5 years" in a summary is not a heading; only list-like sections inline.
        if !matches!(
            kind,
            SectionKind::Skills | SectionKind::Languages | SectionKind::Certifications
        ) {
            return None;
        }
        Some(Heading {
            kind,
            content_from: Some(colon + 1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_heading_wordings() {
        let table = HeadingTable::new();
        let kind = |line: &str| table.classify(line).map(|h| h.kind);
        assert_eq!(kind("Work History"), Some(SectionKind::Experience));
        assert_eq!(
            kind("PROFESSIONAL EXPERIENCE"),
            Some(SectionKind::Experience)
        );
        assert_eq!(
            kind("Education and Training:"),
            Some(SectionKind::Education)
        );
        assert_eq!(kind("Sprachen"), Some(SectionKind::Languages));
        assert_eq!(kind("Skills: Salesforce, Excel"), Some(SectionKind::Skills));
        assert_eq!(kind("Sales Manager"), None);
        // Joined wordings take the first one's kind.
        assert_eq!(
            kind("Education and Coursework"),
            Some(SectionKind::Education)
        );
        assert_eq!(
            kind("Education and Professional Training"),
            Some(SectionKind::Education)
        );
        assert_eq!(
            kind("Awards & Recognition"),
            Some(SectionKind::Accomplishments)
        );
        assert_eq!(kind("Skills and Expertise"), Some(SectionKind::Skills));
        assert_eq!(kind("Training and Development"), None);
        assert_eq!(kind("Education, Oct 2014"), None);
        assert_eq!(kind("Software/Hardware Support Experience"), None);
        assert_eq!(kind("achievements."), None);
        assert_eq!(kind("Experience: 5 years in retail"), None);
    }
}
