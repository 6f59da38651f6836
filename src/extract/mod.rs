//! Bytes to [`Document`]: the visible text of a resume in reading order, with what the extractor
//! saw about the file (pages, the date it states about itself, quality warnings).
//!
//! Formats: PDF (our own content-stream interpreter on lopdf), DOCX and ODT (zip + quick-xml),
//! HTML, RTF and plain text. Extraction never panics: every failure is an [`ExtractError`] with a
//! stable code that the API and the CLI show as they are.

mod docx;
mod html;
pub mod layout;
mod mojibake;
mod pdf;
mod rtf;
mod text;

use crate::error_code::Code;
use crate::profile::Warning;

/// What kind of document the bytes are, detected from their content (the file name is only a
/// tie-breaker for formats without a signature, such as plain text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    Pdf,
    Docx,
    Odt,
    Html,
    Rtf,
    Text,
    /// A JSON Resume document (jsonresume.org): read field by field by
    /// `Parser::parse_json_resume`, never extracted as text; `sniff` does not return it.
    JsonResume,
}

impl MediaType {
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            MediaType::Odt => "application/vnd.oasis.opendocument.text",
            MediaType::Html => "text/html",
            MediaType::Rtf => "application/rtf",
            MediaType::Text => "text/plain",
            MediaType::JsonResume => "application/json",
        }
    }
}

/// The extracted document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub media_type: MediaType,
    /// Number of pages (1 for formats without pages).
    pub pages: u32,
    /// The date the document states about itself (PDF Info/XMP, DOCX core.xml), if any.
    pub document_date: Option<chrono::NaiveDate>,
    /// Visible text in reading order: one line of the document per `\n`, paragraphs or blocks
    /// separated by an empty line. Text a person cannot see is not here (see `warnings`).
    pub text: String,
    /// Byte offsets into `text` where page 2, 3, ... begin (empty for single-page documents).
    pub page_starts: Vec<usize>,
    pub warnings: Vec<Warning>,
}

impl Document {
    /// The 1-based page that the byte offset `at` of `text` is on.
    pub fn page_of(&self, at: usize) -> u32 {
        1 + self.page_starts.partition_point(|&start| start <= at) as u32
    }
}

/// Limits that keep one hostile document from taking the machine: sizes are checked before work
/// is done, and the PDF interpreter and archive readers stop at them.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest input accepted, in bytes.
    pub max_input_bytes: usize,
    /// Largest total of uncompressed bytes read from an archive (DOCX, ODT) or from PDF streams.
    pub max_decompressed_bytes: usize,
    /// Largest number of pages interpreted.
    pub max_pages: u32,
    /// Largest number of characters of text kept.
    pub max_text_chars: usize,
    /// The most wall time one document's interpretation may take, counted from when its work
    /// starts (never while it waits for a worker). Past it the PDF interpreter stops and the
    /// document is refused as too complex. `None`: no time limit (the fuzz targets, which must
    /// be deterministic; size and operator budgets bound the work anyway).
    pub time_budget: Option<std::time::Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_bytes: 20 * 1024 * 1024,
            max_decompressed_bytes: 200 * 1024 * 1024,
            max_pages: 100,
            max_text_chars: 1_000_000,
            time_budget: None,
        }
    }
}

/// The fewest letters and digits a document must hold to be read as a resume ("Sales manager,
/// Acme" has 17; the shortest corpus resume has thousands). Checked by [`check_resume_text`]
/// where a document becomes a profile (upload and `shortlist parse`), not by extraction itself:
/// `shortlist extract` prints whatever text there is.
pub const MIN_RESUME_CHARS: usize = 20;

/// A byte or a word is no resume: storing it as a candidate would only clutter rankings.
pub fn check_resume_text(document: &Document) -> Result<(), ExtractError> {
    let found = document
        .text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .take(MIN_RESUME_CHARS)
        .count();
    if found < MIN_RESUME_CHARS {
        return Err(ExtractError::TooLittleText { found });
    }
    Ok(())
}

/// Why a document could not be read. `code()` is its entry in [`crate::error_code`]; the
/// `Display` text is a sentence a person understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error(
        "this kind of file is not supported ({0}); send a PDF, DOCX, ODT, HTML, RTF or plain text resume"
    )]
    UnsupportedType(String),
    #[error("the file looks like a {format} but cannot be read: {reason}")]
    Malformed {
        format: &'static str,
        reason: String,
    },
    #[error("the PDF is encrypted with a password; send it without a password")]
    Encrypted,
    #[error(
        "the document has no text layer (it is probably a scan or an image); send a document with selectable text"
    )]
    NoTextLayer,
    #[error("the document contains no text")]
    NoText,
    #[error(
        "the document holds only {found} letters or digits, fewer than the {MIN_RESUME_CHARS} a \
         resume has at the least"
    )]
    TooLittleText { found: usize },
    #[error(
        "the archive expands to more than {limit} bytes, which is refused as a possible zip bomb"
    )]
    ArchiveBomb { limit: usize },
    #[error("the document is too complex to read within the limits ({0})")]
    TooComplex(String),
}

impl ExtractError {
    /// Its entry in the error table (the same for the API, a batch item and the CLI).
    pub fn code(&self) -> Code {
        match self {
            ExtractError::Empty => Code::EmptyFile,
            ExtractError::TooLarge { .. } => Code::FileTooLarge,
            ExtractError::UnsupportedType(_) => Code::UnsupportedMediaType,
            ExtractError::Malformed { .. } => Code::MalformedDocument,
            ExtractError::Encrypted => Code::EncryptedDocument,
            ExtractError::NoTextLayer => Code::NoTextLayer,
            ExtractError::NoText => Code::NoText,
            ExtractError::TooLittleText { .. } => Code::TooLittleText,
            ExtractError::ArchiveBomb { .. } => Code::ArchiveBomb,
            ExtractError::TooComplex(_) => Code::DocumentTooComplex,
        }
    }
}

/// Extracts the document in `bytes`. `file_name` is only a hint, used when the content has no
/// signature (plain text versus HTML, for instance).
pub fn extract(
    bytes: &[u8],
    file_name: Option<&str>,
    limits: &Limits,
) -> Result<Document, ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    if bytes.len() > limits.max_input_bytes {
        return Err(ExtractError::TooLarge {
            size: bytes.len(),
            limit: limits.max_input_bytes,
        });
    }
    let media_type = sniff(bytes, file_name)?;
    extract_typed(bytes, media_type, limits)
}

/// Extracts `bytes` as `media_type`, skipping content sniffing: for callers that already know
/// the format, and for the fuzz targets (`fuzz/`), which drive one format reader each with
/// arbitrary bytes. The size checks, the panic guard and the shared post-processing are the same
/// as in [`extract`].
pub fn extract_typed(
    bytes: &[u8],
    media_type: MediaType,
    limits: &Limits,
) -> Result<Document, ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    if bytes.len() > limits.max_input_bytes {
        return Err(ExtractError::TooLarge {
            size: bytes.len(),
            limit: limits.max_input_bytes,
        });
    }
    // Last line of defence: lopdf and zip are large parsers fed hostile input. A panic inside
    // them must become an error for this one document, not take down a worker thread (the API
    // runs extraction on a shared pool). Our own code does not panic by construction.
    let result = std::panic::catch_unwind(|| extract_as(media_type, bytes, limits))
        .unwrap_or_else(|_| {
            Err(ExtractError::Malformed {
                format: format_name(media_type),
                reason: "the file's structure could not be parsed".into(),
            })
        })?;
    finish(media_type, result, limits)
}

/// What a format reader returns before the shared post-processing.
struct Raw {
    pages: u32,
    text: String,
    page_starts: Vec<usize>,
    date: Option<chrono::NaiveDate>,
    warnings: Vec<Warning>,
}

fn extract_as(media_type: MediaType, bytes: &[u8], limits: &Limits) -> Result<Raw, ExtractError> {
    match media_type {
        MediaType::Pdf => pdf::extract(bytes, limits).map(|p| Raw {
            pages: p.pages,
            text: p.text,
            page_starts: p.page_starts,
            date: p.date,
            warnings: p.warnings,
        }),
        MediaType::Docx | MediaType::Odt => docx::extract(bytes, media_type, limits),
        MediaType::Html => Ok(Raw::single(html::extract(&text::decode(bytes)))),
        MediaType::Rtf => Ok(Raw::single(rtf::extract(bytes))),
        // Read as the text it is when a caller names the type (the JSON Resume reader is
        // `Parser::parse_json_resume`).
        MediaType::Text | MediaType::JsonResume => {
            Ok(Raw::single(text::normalise(&text::decode(bytes))))
        }
    }
}

impl Raw {
    fn single(text: String) -> Self {
        Self {
            pages: 1,
            text,
            page_starts: Vec::new(),
            date: None,
            warnings: Vec::new(),
        }
    }
}

fn format_name(media_type: MediaType) -> &'static str {
    match media_type {
        MediaType::Pdf => "PDF",
        MediaType::Docx => "DOCX",
        MediaType::Odt => "ODT",
        MediaType::Html => "HTML",
        MediaType::Rtf => "RTF",
        MediaType::Text => "text file",
        MediaType::JsonResume => "JSON Resume",
    }
}

/// Mojibake repair, the text limit and the empty check, shared by all formats.
fn finish(media_type: MediaType, raw: Raw, limits: &Limits) -> Result<Document, ExtractError> {
    let Raw {
        pages,
        mut text,
        mut page_starts,
        date,
        mut warnings,
    } = raw;
    let (repaired, count) = mojibake::repair(&text);
    if count > 0 {
        // Offsets move with the repair: recompute page starts from the page separators kept
        // by counting characters is not possible after a rewrite, so scale them by position.
        page_starts = remap_offsets(&text, &repaired, &page_starts);
        text = repaired;
        warnings.push(Warning::new(
            "mojibake_repaired",
            format!("{count} character sequences garbled by a wrong text encoding were repaired"),
        ));
    }
    if text.chars().count() > limits.max_text_chars {
        let cut = text
            .char_indices()
            .nth(limits.max_text_chars)
            .map_or(text.len(), |(i, _)| i);
        text.truncate(cut);
        page_starts.retain(|&s| s < text.len());
        // A reader that already stopped early (the PDF glyph budget) said so more precisely.
        if !warnings.iter().any(|w| w.code == "text_truncated") {
            warnings.push(Warning::new(
                "text_truncated",
                format!("the text was cut at {} characters", limits.max_text_chars),
            ));
        }
    }
    if text.trim().is_empty() {
        return Err(ExtractError::NoText);
    }
    Ok(Document {
        media_type,
        pages,
        document_date: date,
        text,
        page_starts,
        warnings,
    })
}

/// Maps byte offsets of line starts in `before` to the same line starts in `after` (the repair
/// keeps the number of lines).
fn remap_offsets(before: &str, after: &str, offsets: &[usize]) -> Vec<usize> {
    let line_index = |at: usize| before.get(..at).map_or(0, |s| s.matches('\n').count());
    let starts: Vec<usize> = std::iter::once(0)
        .chain(after.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    offsets
        .iter()
        .filter_map(|&o| starts.get(line_index(o)).copied())
        .collect()
}

/// The media type from the content; the file name decides only between text and HTML.
pub fn sniff(bytes: &[u8], file_name: Option<&str>) -> Result<MediaType, ExtractError> {
    let head = bytes.get(..bytes.len().min(1024)).unwrap_or(bytes);
    let trimmed = trim_start_ascii(head);
    if head.windows(5).take(1020).any(|w| w == b"%PDF-") {
        return Ok(MediaType::Pdf);
    }
    let image = [
        (b"\x89PNG".as_slice(), "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"II*\0", "a TIFF image"),
        (b"MM\0*", "a TIFF image"),
        (b"BM", "a BMP image"),
    ];
    for (magic, what) in image {
        if head.starts_with(magic) && !(magic == b"BM" && bytes.is_ascii()) {
            return Err(ExtractError::UnsupportedType(format!(
                "{what}; scanned resumes need text recognition first"
            )));
        }
    }
    if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        return Err(ExtractError::UnsupportedType("a WebP image".into()));
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return docx::kind(bytes);
    }
    if head.starts_with(b"\xd0\xcf\x11\xe0") {
        return Err(ExtractError::UnsupportedType(
            "a legacy Microsoft Office file (.doc); save it as DOCX or PDF".into(),
        ));
    }
    if trimmed.starts_with(b"{\\rtf") {
        return Ok(MediaType::Rtf);
    }
    let lower_name = file_name.unwrap_or("").to_ascii_lowercase();
    if (looks_like_html(trimmed) || lower_name.ends_with(".html") || lower_name.ends_with(".htm"))
        && text::is_text(bytes)
    {
        return Ok(MediaType::Html);
    }
    if text::is_text(bytes) {
        if lower_name.ends_with(".pdf") {
            return Err(ExtractError::Malformed {
                format: "PDF",
                reason: "the file is named .pdf but contains plain text, not a PDF".into(),
            });
        }
        return Ok(MediaType::Text);
    }
    if lower_name.ends_with(".pdf") {
        return Err(ExtractError::Malformed {
            format: "PDF",
            reason: "the file has no PDF header".into(),
        });
    }
    Err(ExtractError::UnsupportedType(
        "unrecognised binary data".into(),
    ))
}

fn trim_start_ascii(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or(&[])
}

fn looks_like_html(trimmed: &[u8]) -> bool {
    let head: Vec<u8> = trimmed
        .iter()
        .take(256)
        .map(u8::to_ascii_lowercase)
        .collect();
    head.starts_with(b"<!doctype html")
        || head.starts_with(b"<html")
        || head.starts_with(b"<head")
        || head.starts_with(b"<body")
        || head.starts_with(b"<div")
        || head.starts_with(b"<p>")
        || head.starts_with(b"<?xml") && head.windows(5).any(|w| w == b"xhtml")
}
