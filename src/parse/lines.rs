//! The document as lines, each with its byte offset and the section it belongs to.

use super::sections::{HeadingTable, SectionKind};

#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// The line without its line break, trimmed of surrounding whitespace.
    pub text: &'a str,
    /// Byte offset of `text` in the document text.
    pub offset: usize,
    pub section: SectionKind,
    pub is_heading: bool,
}

/// The byte range of the line (or lines) holding `start..end` in `text`, without line breaks.
pub fn line_bounds(text: &str, start: usize, end: usize) -> (usize, usize) {
    let line_start = text
        .get(..start)
        .and_then(|head| head.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = text
        .get(end..)
        .and_then(|tail| tail.find('\n'))
        .map_or(text.len(), |i| end + i);
    (line_start, line_end)
}

/// Splits `text` into non-empty lines and assigns each to the section of the heading above it.
/// Content written after an inline heading ("Skills: Excel, Word") becomes a line of its own.
pub fn split_lines<'a>(text: &'a str, headings: &HeadingTable) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let mut section = SectionKind::Top;
    let mut offset = 0;
    for raw in text.split('\n') {
        let line_start = offset;
        offset += raw.len() + 1;
        let trimmed = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{200b}');
        if trimmed.is_empty() {
            continue;
        }
        // `trimmed` is a subslice of `raw`: its offset is the pointer difference.
        let start = line_start + (trimmed.as_ptr() as usize - raw.as_ptr() as usize);
        // The first line is the headline; it is never a heading even if it reads "Sales".
        let heading = if lines.is_empty() {
            None
        } else {
            headings.classify(trimmed)
        };
        match heading {
            Some(heading) => {
                // In an education list, "Certification : Phlebotomy Technician 2014 Arkansas
                // College" is one typed entry, written like the "Associate of Arts : General
                // Studies" below it: its own line is a certification, and the lines after it
                // are still education, not a certifications section.
                // Only the template's singular "Certification :" or "Certificate :": a
                // "Certifications: PMP" or "Licenses and Certifications:" block is a heading.
                let education_entry = section == SectionKind::Education
                    && heading.kind == SectionKind::Certifications
                    && heading.content_from.is_some_and(|from| {
                        let head = trimmed.get(..from).unwrap_or("");
                        let head = head.trim_end_matches(':').trim().to_ascii_lowercase();
                        matches!(head.as_str(), "certification" | "certificate")
                            && !trimmed.get(from..).unwrap_or("").trim().is_empty()
                    });
                section = heading.kind;
                lines.push(Line {
                    text: trimmed,
                    offset: start,
                    section,
                    is_heading: true,
                });
                if let Some(from) = heading.content_from {
                    let rest = trimmed.get(from..).unwrap_or("");
                    let rest_trimmed = rest.trim();
                    if !rest_trimmed.is_empty() {
                        let rest_offset = start
                            + from
                            + (rest_trimmed.as_ptr() as usize - rest.as_ptr() as usize);
                        lines.push(Line {
                            text: rest_trimmed,
                            offset: rest_offset,
                            section,
                            is_heading: false,
                        });
                    }
                }
                if education_entry {
                    section = SectionKind::Education;
                }
            }
            None => lines.push(Line {
                text: trimmed,
                offset: start,
                section,
                is_heading: false,
            }),
        }
    }
    lines
}
