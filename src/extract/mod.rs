//! Bytes to [`Document`]: the visible text of a resume in reading order, with what the extractor
//! saw about the file (pages, the date it states about itself, quality warnings).
//!
//! Formats: PDF (our own content-stream interpreter on lopdf), DOCX and ODT (zip + quick-xml),
//! HTML, RTF and plain text. Extraction never panics: every failure is an [`ExtractError`] with a
//! stable code that the API and the CLI show as they are.

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
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_bytes: 20 * 1024 * 1024,
            max_decompressed_bytes: 200 * 1024 * 1024,
            max_pages: 100,
            max_text_chars: 1_000_000,
        }
    }
}

/// Why a document could not be read. `code()` is stable (API `code`, CLI `error.code`); the
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
        "the archive expands to more than {limit} bytes, which is refused as a possible zip bomb"
    )]
    ArchiveBomb { limit: usize },
    #[error("the document is too complex to read within the limits ({0})")]
    TooComplex(String),
}

impl ExtractError {
    pub fn code(&self) -> &'static str {
        match self {
            ExtractError::Empty => "empty_file",
            ExtractError::TooLarge { .. } => "file_too_large",
            ExtractError::UnsupportedType(_) => "unsupported_media_type",
            ExtractError::Malformed { .. } => "malformed_document",
            ExtractError::Encrypted => "encrypted_document",
            ExtractError::NoTextLayer => "no_text_layer",
            ExtractError::NoText => "no_text",
            ExtractError::ArchiveBomb { .. } => "archive_bomb",
            ExtractError::TooComplex(_) => "document_too_complex",
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
    let _ = file_name;
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    if bytes.len() > limits.max_input_bytes {
        return Err(ExtractError::TooLarge {
            size: bytes.len(),
            limit: limits.max_input_bytes,
        });
    }
    // First version: plain UTF-8 only. PDF, DOCX and the rest are being built.
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ExtractError::UnsupportedType("binary data".into()))?
        .to_owned();
    if text.trim().is_empty() {
        return Err(ExtractError::NoText);
    }
    Ok(Document {
        media_type: MediaType::Text,
        pages: 1,
        document_date: None,
        text,
        page_starts: Vec::new(),
        warnings: Vec::new(),
    })
}
