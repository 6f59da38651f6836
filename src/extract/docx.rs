//! DOCX and ODT: the zip is read with a running count of uncompressed bytes (headers are not
//! trusted), and the XML parts are read with quick-xml, which does no DTD processing; a part
//! that declares a DOCTYPE is refused, so entity expansion cannot happen.

use std::io::Read;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::{ExtractError, Limits, MediaType, Raw};

/// Entries in an archive beyond this are refused: real documents have a few dozen.
const MAX_ENTRIES: usize = 5_000;

/// DOCX or ODT, from the archive's contents; other zips are unsupported.
pub fn kind(bytes: &[u8]) -> Result<MediaType, ExtractError> {
    let archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| ExtractError::Malformed {
            format: "zip archive",
            reason: e.to_string(),
        })?;
    if archive.index_for_name("word/document.xml").is_some() {
        return Ok(MediaType::Docx);
    }
    if archive.index_for_name("content.xml").is_some() {
        return Ok(MediaType::Odt);
    }
    Err(ExtractError::UnsupportedType(
        "a zip archive that is not a DOCX or ODT document".into(),
    ))
}

struct Archive<'a> {
    zip: zip::ZipArchive<std::io::Cursor<&'a [u8]>>,
    remaining: usize,
    limit: usize,
}

impl Archive<'_> {
    fn read(&mut self, name: &str) -> Result<Option<String>, ExtractError> {
        let Some(index) = self.zip.index_for_name(name) else {
            return Ok(None);
        };
        let file = self
            .zip
            .by_index(index)
            .map_err(|e| ExtractError::Malformed {
                format: "zip archive",
                reason: e.to_string(),
            })?;
        let mut data = Vec::new();
        let read = file
            .take(self.remaining as u64 + 1)
            .read_to_end(&mut data)
            .map_err(|e| ExtractError::Malformed {
                format: "zip archive",
                reason: e.to_string(),
            })?;
        if read > self.remaining {
            return Err(ExtractError::ArchiveBomb { limit: self.limit });
        }
        self.remaining -= read;
        Ok(Some(String::from_utf8_lossy(&data).into_owned()))
    }
}

pub fn extract(bytes: &[u8], media_type: MediaType, limits: &Limits) -> Result<Raw, ExtractError> {
    let zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| ExtractError::Malformed {
            format: "zip archive",
            reason: e.to_string(),
        })?;
    if zip.len() > MAX_ENTRIES {
        return Err(ExtractError::TooComplex(format!(
            "the archive has {} entries",
            zip.len()
        )));
    }
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let mut archive = Archive {
        zip,
        remaining: limits.max_decompressed_bytes,
        limit: limits.max_decompressed_bytes,
    };
    let (text, date) = if media_type == MediaType::Docx {
        let mut parts: Vec<String> = Vec::new();
        let mut headers: Vec<&String> = names
            .iter()
            .filter(|n| n.starts_with("word/header") && n.ends_with(".xml"))
            .collect();
        headers.sort();
        let mut footers: Vec<&String> = names
            .iter()
            .filter(|n| n.starts_with("word/footer") && n.ends_with(".xml"))
            .collect();
        footers.sort();
        for name in headers {
            if let Some(xml) = archive.read(name)? {
                parts.push(xml_text(&xml, Flavor::Word)?);
            }
        }
        let body = archive.read("word/document.xml")?.unwrap_or_default();
        parts.push(xml_text(&body, Flavor::Word)?);
        for name in footers {
            if let Some(xml) = archive.read(name)? {
                parts.push(xml_text(&xml, Flavor::Word)?);
            }
        }
        let core = archive.read("docProps/core.xml")?.unwrap_or_default();
        let date = tag_date(&core, &["dcterms:created", "dcterms:modified"]);
        (join_parts(parts), date)
    } else {
        let body = archive.read("content.xml")?.unwrap_or_default();
        let meta = archive.read("meta.xml")?.unwrap_or_default();
        let date = tag_date(&meta, &["meta:creation-date", "dc:date"]);
        (xml_text(&body, Flavor::Odt)?, date)
    };
    Ok(Raw {
        pages: 1,
        text,
        page_starts: Vec::new(),
        date,
        warnings: Vec::new(),
    })
}

fn join_parts(parts: Vec<String>) -> String {
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn tag_date(xml: &str, tags: &[&str]) -> Option<chrono::NaiveDate> {
    tags.iter().find_map(|tag| {
        let at = xml.find(&format!("<{tag}"))?;
        let rest = xml.get(at..)?;
        let value = rest.get(rest.find('>')? + 1..)?;
        chrono::NaiveDate::parse_from_str(value.get(..10)?, "%Y-%m-%d").ok()
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Flavor {
    Word,
    Odt,
}

/// Ends a paragraph inside a table cell while its row is being read (see [`row_text`]).
const PARAGRAPH_END: char = '\u{1e}';
/// Ends a table cell while its row is being read.
const CELL_END: char = '\u{1f}';

/// Text of a WordprocessingML or ODF part: paragraphs as lines, table rows as [`row_text`]
/// makes them.
fn xml_text(xml: &str, flavor: Flavor) -> Result<String, ExtractError> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    let mut in_text = false;
    let mut table_depth = 0usize;
    // Where each open table row's text starts in `out` (rows nest with tables).
    let mut row_starts: Vec<usize> = Vec::new();
    let mut skip_depth = 0usize;
    let mut events = 0usize;
    loop {
        events += 1;
        if events > 20_000_000 {
            return Err(ExtractError::TooComplex("an XML part is too large".into()));
        }
        let event = reader.read_event().map_err(|e| ExtractError::Malformed {
            format: if flavor == Flavor::Word {
                "DOCX"
            } else {
                "ODT"
            },
            reason: e.to_string(),
        })?;
        match event {
            Event::Eof => break,
            Event::DocType(_) => {
                return Err(ExtractError::TooComplex(
                    "an XML part declares a DOCTYPE (entity definitions are refused)".into(),
                ));
            }
            Event::Start(e) => {
                let name = e.name();
                let name: &str = name.as_ref();
                if skip_depth > 0
                    || name == "mc:Fallback"
                    || name == "w:instrText"
                    || name == "w:delText"
                {
                    skip_depth += 1;
                    continue;
                }
                match (flavor, name) {
                    (Flavor::Word, "w:t") => in_text = true,
                    (Flavor::Word, "w:tbl") | (Flavor::Odt, "table:table") => table_depth += 1,
                    (Flavor::Word, "w:tr") | (Flavor::Odt, "table:table-row") => {
                        row_starts.push(out.len())
                    }
                    (Flavor::Odt, "text:p" | "text:h" | "text:span" | "text:a") => in_text = true,
                    _ => {}
                }
            }
            Event::Empty(e) => {
                if skip_depth > 0 {
                    continue;
                }
                let name = e.name();
                let name: &str = name.as_ref();
                match (flavor, name) {
                    (Flavor::Word, "w:tab") | (Flavor::Odt, "text:tab" | "text:s") => out.push(' '),
                    (Flavor::Word, "w:br" | "w:cr") | (Flavor::Odt, "text:line-break") => {
                        out.push('\n')
                    }
                    _ => {}
                }
            }
            Event::End(e) => {
                let name = e.name();
                let name: &str = name.as_ref();
                if skip_depth > 0 {
                    skip_depth -= 1;
                    continue;
                }
                match (flavor, name) {
                    (Flavor::Word, "w:t") => in_text = false,
                    (Flavor::Word, "w:p") | (Flavor::Odt, "text:p" | "text:h") => {
                        if flavor == Flavor::Odt {
                            in_text = false;
                        }
                        out.push(if row_starts.is_empty() {
                            '\n'
                        } else {
                            PARAGRAPH_END
                        });
                    }
                    (Flavor::Word, "w:tc") | (Flavor::Odt, "table:table-cell") => {
                        out.push(CELL_END);
                    }
                    (Flavor::Word, "w:tr") | (Flavor::Odt, "table:table-row") => {
                        if let Some(start) = row_starts.pop()
                            && start <= out.len()
                            && out.is_char_boundary(start)
                        {
                            let row = out.split_off(start);
                            out.push_str(&row_text(&row));
                        }
                        out.push('\n');
                    }
                    (Flavor::Word, "w:tbl") | (Flavor::Odt, "table:table") => {
                        table_depth = table_depth.saturating_sub(1);
                        out.push('\n');
                    }
                    _ => {}
                }
            }
            Event::Text(t) if in_text && skip_depth == 0 => {
                let text = t.xml10_content();
                out.extend(
                    text.chars()
                        .filter(|&c| c != PARAGRAPH_END && c != CELL_END),
                );
            }
            Event::GeneralRef(r) if in_text && skip_depth == 0 => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    out.push(c);
                } else {
                    match r.as_ref() {
                        "amp" => out.push('&'),
                        "lt" => out.push('<'),
                        "gt" => out.push('>'),
                        "quot" => out.push('"'),
                        "apos" => out.push('\''),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Ok(super::text::normalise(&out))
}

/// One table row's text (cells ended by [`CELL_END`], their paragraphs by [`PARAGRAPH_END`] or
/// a line break). A row of one-line cells is a row of data, one line with its cells separated
/// by " | " ("2019 | Sales lead"). A row with a cell of several lines is layout: a template
/// that puts each section heading in a narrow cell beside the section's text, or a sidebar
/// cell beside the main one. It is read cell by cell, one line per paragraph, so a heading
/// stays on a line of its own right above its section, and paragraphs stay lines.
fn row_text(row: &str) -> String {
    let cells: Vec<Vec<&str>> = row
        .split(CELL_END)
        .map(|cell| {
            cell.split([PARAGRAPH_END, '\n'])
                .map(str::trim)
                .filter(|paragraph| !paragraph.is_empty())
                .collect::<Vec<&str>>()
        })
        .filter(|cell| !cell.is_empty())
        .collect();
    if cells.iter().any(|cell| cell.len() > 1) {
        cells.concat().join("\n")
    } else {
        cells
            .iter()
            .map(|cell| cell.join(" "))
            .collect::<Vec<String>>()
            .join(" | ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_paragraphs_and_tables() {
        let xml = r#"<w:document><w:body><w:p><w:r><w:t>Jane</w:t></w:r><w:r><w:tab/><w:t>Doe &amp; Co</w:t></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>2019</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Sales lead</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            </w:body></w:document>"#;
        assert_eq!(
            xml_text(xml, Flavor::Word).ok().as_deref(),
            Some("Jane Doe & Co\n2019 | Sales lead")
        );
    }

    #[test]
    fn rows_of_one_line_cells_stay_lines_and_rows_with_paragraphs_go_cell_by_cell() {
        assert_eq!(
            row_text("2019\u{1e}\u{1f}Sales lead\u{1e}\u{1f}"),
            "2019 | Sales lead"
        );
        assert_eq!(row_text("\u{1f}Sales\u{1e}\u{1f}"), "Sales");
        assert_eq!(
            row_text("Skills\u{1e}\u{1f}Excel\u{1e}Salesforce\u{1e}\u{1f}"),
            "Skills\nExcel\nSalesforce"
        );
        // A nested table's rows arrive as lines of the outer cell.
        assert_eq!(
            row_text("Work\u{1e}\u{1f}2019 | Acme\n2020 | Beta\n\u{1f}"),
            "Work\n2019 | Acme\n2020 | Beta"
        );
    }

    #[test]
    fn doctype_is_refused() {
        let xml = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><w:t>&a;</w:t>"#;
        assert!(matches!(
            xml_text(xml, Flavor::Word),
            Err(ExtractError::TooComplex(_))
        ));
    }
}
