//! Robustness of extraction against hostile or broken input: the entry point the fuzz targets
//! (`fuzz/`) drive, and one regression test per input the fuzzers found. Every input is built in
//! code so the failure it guards against is visible here.

use shortlist::extract::{self, ExtractError, Limits, MediaType};

#[test]
fn extract_typed_skips_sniffing_but_keeps_the_checks() {
    let limits = Limits::default();
    // HTML read as plain text keeps its markup: the caller's type wins over the content.
    let doc = extract::extract_typed(b"<p>Jane Doe</p>", MediaType::Text, &limits).unwrap();
    assert_eq!(doc.media_type, MediaType::Text);
    assert!(doc.text.contains("<p>"), "{:?}", doc.text);
    assert_eq!(
        extract::extract_typed(b"", MediaType::Pdf, &limits),
        Err(ExtractError::Empty)
    );
    let small = Limits {
        max_input_bytes: 4,
        ..limits
    };
    assert!(matches!(
        extract::extract_typed(b"hello", MediaType::Text, &small),
        Err(ExtractError::TooLarge { size: 5, limit: 4 })
    ));
    // Bytes that are not the stated format are an error, not a panic.
    assert!(matches!(
        extract::extract_typed(b"not a pdf", MediaType::Pdf, &limits),
        Err(ExtractError::Malformed { .. })
    ));
    assert!(matches!(
        extract::extract_typed(b"not a zip", MediaType::Docx, &limits),
        Err(ExtractError::Malformed { .. })
    ));
}
