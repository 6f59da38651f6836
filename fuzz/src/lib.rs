//! Helpers shared by the fuzz targets: the limits every target runs with, the invariants every
//! successful extraction must keep, and the archive wrapper that lets the DOCX and ODT targets
//! mutate the XML inside a valid zip (random bytes almost never form a readable zip, so without
//! it the XML readers would barely be reached).

use std::io::Write;

use shortlist::extract::{Document, ExtractError, Limits};

/// The limits `shortlist extract` and the server use.
pub fn limits() -> Limits {
    Limits::default()
}

/// Separates the parts of an archive in a fuzz input (see [`zip_of_parts`]). A NUL byte never
/// occurs in well-formed XML, and the fuzzer inserts one easily.
pub const PART_SEPARATOR: u8 = 0;

/// Fails (panics, which libFuzzer reports as a crash) if a successful extraction breaks what the
/// rest of the service relies on: text within the limit and not blank, pages within the limit,
/// and page starts that are non-decreasing byte offsets on character boundaries of the text.
pub fn check(result: &Result<Document, ExtractError>, limits: &Limits) {
    let Ok(doc) = result else {
        return;
    };
    assert!(
        !doc.text.trim().is_empty(),
        "blank text returned as a success"
    );
    let chars = doc.text.chars().count();
    assert!(
        chars <= limits.max_text_chars,
        "{chars} characters, limit {}",
        limits.max_text_chars
    );
    assert!(
        (1..=limits.max_pages).contains(&doc.pages),
        "{} pages",
        doc.pages
    );
    // Empty pages share a start, so starts only never decrease.
    assert!(
        doc.page_starts.len() < doc.pages as usize,
        "{} page starts for {} pages",
        doc.page_starts.len(),
        doc.pages
    );
    let mut previous = 0;
    for &start in &doc.page_starts {
        assert!(start >= previous, "page starts {:?}", doc.page_starts);
        assert!(start < doc.text.len(), "page start {start} past the text");
        assert!(
            doc.text.is_char_boundary(start),
            "page start {start} inside a character"
        );
        previous = start;
    }
}

/// A stored (uncompressed) zip whose entries are `names`, filled in order with the parts of
/// `data` split at [`PART_SEPARATOR`]; missing parts are left out, extra parts are ignored.
pub fn zip_of_parts(data: &[u8], names: &[&str]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, part) in names.iter().zip(data.split(|&b| b == PART_SEPARATOR)) {
            zip.start_file(*name, options).expect("zip entry");
            zip.write_all(part).expect("zip write");
        }
        zip.finish().expect("zip finish");
    }
    out.into_inner()
}
