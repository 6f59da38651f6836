//! PDF extraction: lopdf parses the file structure; our interpreter ([`interp`]) runs each
//! page's content stream to positioned glyphs, and [`crate::extract::layout`] rebuilds words,
//! lines, columns and reading order from the positions alone.

mod font;
mod interp;
mod lexer;
mod tables;

use lopdf::{Dictionary, Document as PdfDocument, LoadOptions, Object, ObjectId, Stream};

use super::layout::{self, PageGlyphs};
use super::{ExtractError, Limits};
use crate::profile::Warning;
use font::{FontCache, as_number, deref};
use interp::{GlyphBudget, Interpreter, PageFrame, Stop};

/// The raw result before the shared post-processing (mojibake repair, limits) in `extract`.
pub struct PdfText {
    pub pages: u32,
    pub text: String,
    pub page_starts: Vec<usize>,
    pub date: Option<chrono::NaiveDate>,
    pub warnings: Vec<Warning>,
}

pub fn extract(bytes: &[u8], limits: &Limits) -> Result<PdfText, ExtractError> {
    let options = LoadOptions {
        max_decompressed_size: Some(limits.max_decompressed_bytes),
        ..LoadOptions::default()
    };
    let mut doc = PdfDocument::load_mem_with_options(bytes, options).map_err(|e| {
        let reason = e.to_string();
        if reason.to_ascii_lowercase().contains("password")
            || reason.to_ascii_lowercase().contains("decrypt")
        {
            ExtractError::Encrypted
        } else {
            ExtractError::Malformed {
                format: "PDF",
                reason,
            }
        }
    })?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err(ExtractError::Encrypted);
    }
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(ExtractError::Malformed {
            format: "PDF",
            reason: "it has no pages".into(),
        });
    }
    let page_count = pages.len() as u32;
    if page_count > limits.max_pages {
        return Err(ExtractError::TooComplex(format!(
            "{page_count} pages, more than the limit of {}",
            limits.max_pages
        )));
    }
    let deadline = limits
        .time_budget
        .map(|budget| std::time::Instant::now() + budget);
    let mut fonts = FontCache::default();
    let mut budget = limits.max_decompressed_bytes;
    let mut page_glyphs: Vec<PageGlyphs> = Vec::with_capacity(pages.len());
    let mut text_ops = 0usize;
    let mut hidden_chars = 0usize;
    let mut has_images = false;
    // Twice the text limit in glyphs (spaces and glyphs that layout drops included), at most 8
    // bytes of text per kept character: beyond that the text would be cut anyway, so drawing
    // stops there and the text read so far is kept, like text past `max_text_chars`.
    let glyph_cap = limits.max_text_chars.saturating_mul(2);
    let mut drawing_stopped = false;
    let mut glyph_budget = GlyphBudget {
        glyphs: glyph_cap,
        text_bytes: limits.max_text_chars.saturating_mul(8),
    };
    for (_, &page_id) in pages.iter() {
        let Ok(page) = doc.get_dictionary(page_id) else {
            continue;
        };
        let frame = page_frame(&doc, page);
        let content = page_content(&doc, page_id, budget).ok_or_else(|| {
            ExtractError::TooComplex("the page content expands past the size limit".into())
        })?;
        budget = budget.saturating_sub(content.len());
        let (own, ids) = doc
            .get_page_resources(page_id)
            .unwrap_or((None, Vec::new()));
        let mut resources: Vec<&Dictionary> = Vec::new();
        if let Some(own) = own {
            resources.push(own);
        }
        resources.extend(ids.iter().filter_map(|id| doc.get_dictionary(*id).ok()));
        has_images |= resources.iter().any(|r| {
            deref(&doc, r.get(b"XObject").ok())
                .and_then(|x| x.as_dict().ok())
                .is_some_and(|x| !x.is_empty())
        });
        let mut interp = Interpreter::new(&doc, &mut fonts, &mut budget, glyph_budget, frame);
        interp.deadline = deadline;
        let ctm = initial_ctm();
        match interp.run(&content, &resources, ctm, None, 0) {
            Ok(()) => {}
            Err(Stop::TooComplex) => {
                return Err(ExtractError::TooComplex(
                    "a page has too many drawing operations".into(),
                ));
            }
            Err(Stop::OutOfTime) => {
                return Err(ExtractError::TooComplex(
                    "the document took longer to read than the time limit".into(),
                ));
            }
            Err(Stop::TooMuchText) => drawing_stopped = true,
        }
        text_ops += interp.text_ops;
        hidden_chars += interp.hidden_chars;
        let glyphs = interp.finish();
        glyph_budget.glyphs = glyph_budget.glyphs.saturating_sub(glyphs.glyphs.len());
        glyph_budget.text_bytes = glyph_budget.text_bytes.saturating_sub(glyphs.text.len());
        page_glyphs.push(glyphs);
        if drawing_stopped {
            break;
        }
    }
    let mut warnings = Vec::new();
    if drawing_stopped {
        warnings.push(Warning::new(
            "text_truncated",
            format!(
                "the pages draw more than {glyph_cap} characters; drawing stopped there and the rest of the document was not read"
            ),
        ));
    }
    if hidden_chars > 0 {
        warnings.push(Warning::new(
            "hidden_text",
            format!(
                "{hidden_chars} characters of invisible text (white, transparent, tiny or off the page) were left out"
            ),
        ));
    }
    let laid_out = layout::lay_out(&page_glyphs, hyphenation(&doc));
    if laid_out.text.trim().is_empty() {
        if text_ops == 0 || has_images && hidden_chars == 0 {
            return Err(ExtractError::NoTextLayer);
        }
        return Err(ExtractError::NoText);
    }
    let date = info_date(&doc);
    // Decryption state is no longer needed; drop the document before returning the text.
    drop(std::mem::take(&mut doc.objects));
    Ok(PdfText {
        pages: page_count,
        text: laid_out.text,
        page_starts: laid_out.page_starts,
        date,
        warnings,
    })
}

/// The page's content streams, concatenated, or `None` when they inflate past `limit` bytes.
///
/// Written here rather than taken from lopdf's `get_page_content_with_limit` for speed: lopdf
/// inflates each stream into a vector that starts at twice the compressed size and doubles
/// (content streams inflate five to ten times), then copies it into the page buffer; reallocating
/// and copying took a tenth of extraction time. Streams filtered by Flate alone, nearly all of
/// them, are inflated here straight into the page buffer; any other filter chain, parameters, or
/// a stream that fails to inflate goes through lopdf, whose fallbacks (raw deflate, the raw bytes
/// of a stream that is not compressed after all) then apply as before.
fn page_content(doc: &PdfDocument, page_id: ObjectId, limit: usize) -> Option<Vec<u8>> {
    let mut content = Vec::new();
    for id in doc.get_page_contents(page_id) {
        let Ok(stream) = doc.get_object(id).and_then(Object::as_stream) else {
            continue;
        };
        let remaining = limit.saturating_sub(content.len());
        let start = content.len();
        match inflate_plain_flate(stream, &mut content, remaining) {
            Inflated::Done => {}
            Inflated::TooBig => return None,
            Inflated::NotPlain => {
                content.truncate(start);
                match stream.decompressed_content_with_limit(remaining) {
                    Ok(data) => content.extend_from_slice(&data),
                    Err(lopdf::Error::Decompress(_)) => return None,
                    Err(_) if stream.content.len() <= remaining => {
                        content.extend_from_slice(&stream.content);
                    }
                    Err(_) => return None,
                }
            }
        }
        content.push(b'\n');
    }
    Some(content)
}

enum Inflated {
    Done,
    TooBig,
    /// Not a plain Flate stream, or a corrupt one: lopdf's decoder takes it.
    NotPlain,
}

/// Inflates a stream whose only filter is `FlateDecode` (without `DecodeParms`) onto `out`.
fn inflate_plain_flate(stream: &Stream, out: &mut Vec<u8>, max: usize) -> Inflated {
    let plain_flate = matches!(stream.filters().as_deref(), Ok([b"FlateDecode"]))
        && stream.dict.get(b"DecodeParms").is_err();
    if !plain_flate || stream.content.is_empty() {
        return Inflated::NotPlain;
    }
    let input = stream.content.as_slice();
    let start = out.len();
    out.reserve(
        input
            .len()
            .saturating_mul(8)
            .max(4096)
            .min(max.saturating_add(1)),
    );
    let mut inflater = flate2::Decompress::new(true);
    loop {
        if out.len() - start > max {
            return Inflated::TooBig;
        }
        if out.len() == out.capacity() {
            // Grow by half what was inflated so far (at least 4 KB), never far past the limit.
            let grow = ((out.len() - start) / 2)
                .max(4096)
                .min(max.saturating_add(1));
            out.reserve(grow);
        }
        let consumed = usize::try_from(inflater.total_in()).unwrap_or(usize::MAX);
        let rest = input.get(consumed..).unwrap_or(&[]);
        let before = out.len();
        match inflater.decompress_vec(rest, out, flate2::FlushDecompress::Finish) {
            Ok(flate2::Status::StreamEnd) => break,
            Ok(_) if out.len() > before || out.len() == out.capacity() => {}
            // No progress with room to write: the input ended before the stream did.
            Ok(_) | Err(_) => return Inflated::NotPlain,
        }
    }
    if out.len() - start > max {
        return Inflated::TooBig;
    }
    Inflated::Done
}

fn initial_ctm() -> [f32; 6] {
    [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
}

/// The page's crop box (else media box, inherited through the page tree) and rotation.
fn page_frame(doc: &PdfDocument, page: &Dictionary) -> PageFrame {
    let mut bbox: Option<[f32; 4]> = None;
    let mut crop: Option<[f32; 4]> = None;
    let mut rotate: Option<i64> = None;
    let mut node = Some(page);
    for _ in 0..32 {
        let Some(dict) = node else { break };
        if crop.is_none() {
            crop = rect(doc, dict.get(b"CropBox").ok());
        }
        if bbox.is_none() {
            bbox = rect(doc, dict.get(b"MediaBox").ok());
        }
        if rotate.is_none() {
            rotate = match deref(doc, dict.get(b"Rotate").ok()) {
                Some(Object::Integer(r)) => Some(*r),
                _ => None,
            };
        }
        node = deref(doc, dict.get(b"Parent").ok()).and_then(|p| p.as_dict().ok());
    }
    let [x0, y0, x1, y1] = crop.or(bbox).unwrap_or([0.0, 0.0, 612.0, 792.0]);
    PageFrame {
        x0: x0.min(x1),
        y0: y0.min(y1),
        x1: x0.max(x1),
        y1: y0.max(y1),
        rotate: rotate.unwrap_or(0).rem_euclid(360),
    }
}

fn rect(doc: &PdfDocument, obj: Option<&Object>) -> Option<[f32; 4]> {
    let Some(Object::Array(items)) = deref(doc, obj) else {
        return None;
    };
    let mut out = [0f32; 4];
    if items.len() != 4 {
        return None;
    }
    for (slot, item) in out.iter_mut().zip(items) {
        *slot = deref(doc, Some(item)).and_then(as_number)?;
    }
    ((out[2] - out[0]).abs() > 1.0 && (out[3] - out[1]).abs() > 1.0).then_some(out)
}

/// The trailer's Info dictionary, if the document has one.
fn info_dict(doc: &PdfDocument) -> Option<&Dictionary> {
    deref(doc, doc.trailer.get(b"Info").ok()).and_then(|o| o.as_dict().ok())
}

/// How the program that made the PDF breaks lines: from the Info dictionary's `Producer` and
/// `Creator` (the latter names the application when the former names a PDF library).
fn hyphenation(doc: &PdfDocument) -> layout::Hyphenation {
    let info = info_dict(doc);
    let mut names = String::new();
    for key in [b"Producer".as_slice(), b"Creator"] {
        if let Some(Object::String(bytes, _)) = info.and_then(|i| deref(doc, i.get(key).ok())) {
            names.push_str(&String::from_utf8_lossy(bytes));
            names.push(' ');
        }
    }
    layout::Hyphenation::of_producer(&names)
}

/// `CreationDate`, else `ModDate`, of the Info dictionary, else `xmp:CreateDate` in the catalog's
/// metadata stream.
fn info_date(doc: &PdfDocument) -> Option<chrono::NaiveDate> {
    let info = info_dict(doc);
    if let Some(info) = info {
        for key in [b"CreationDate".as_slice(), b"ModDate"] {
            if let Some(Object::String(bytes, _)) = deref(doc, info.get(key).ok())
                && let Some(date) = parse_pdf_date(bytes)
            {
                return Some(date);
            }
        }
    }
    let catalog = doc.catalog().ok()?;
    let stream = deref(doc, catalog.get(b"Metadata").ok())?
        .as_stream()
        .ok()?;
    let xml = stream
        .decompressed_content_with_limit(1 << 20)
        .unwrap_or_else(|_| stream.content.clone());
    xmp_date(&String::from_utf8_lossy(&xml))
}

/// `D:YYYYMMDD...` (the prefix and everything after the day are optional).
pub fn parse_pdf_date(bytes: &[u8]) -> Option<chrono::NaiveDate> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    let digits = text.strip_prefix("D:").unwrap_or(text);
    let year: i32 = digits.get(0..4)?.parse().ok()?;
    let month: u32 = digits.get(4..6).and_then(|m| m.parse().ok()).unwrap_or(1);
    let day: u32 = digits.get(6..8).and_then(|d| d.parse().ok()).unwrap_or(1);
    chrono::NaiveDate::from_ymd_opt(year, month, day)
}

fn xmp_date(xml: &str) -> Option<chrono::NaiveDate> {
    for tag in ["xmp:CreateDate", "xmp:ModifyDate"] {
        let open = format!("<{tag}>");
        if let Some(at) = xml.find(&open) {
            let value = xml.get(at + open.len()..)?;
            let date = value.get(..10)?;
            if let Ok(d) = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d") {
                return Some(d);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_parse() {
        assert_eq!(
            parse_pdf_date(b"D:20210808154131+05'30'"),
            chrono::NaiveDate::from_ymd_opt(2021, 8, 8)
        );
        assert_eq!(
            parse_pdf_date(b"D:2019"),
            chrono::NaiveDate::from_ymd_opt(2019, 1, 1)
        );
        assert_eq!(parse_pdf_date(b"garbage"), None);
        assert_eq!(
            xmp_date("<x><xmp:CreateDate>2020-02-03T10:00:00Z</xmp:CreateDate></x>"),
            chrono::NaiveDate::from_ymd_opt(2020, 2, 3)
        );
    }
}
