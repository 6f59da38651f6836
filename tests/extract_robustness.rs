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

/// A PDF with one page whose content stream is `content`, Helvetica as `/F1`.
fn one_page_pdf(content: &[u8]) -> Vec<u8> {
    let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    stream.extend_from_slice(content);
    stream.extend_from_slice(b"\nendstream");
    let objects: [&[u8]; 5] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
          /Resources << /Font << /F1 5 0 R >> >> >>",
        &stream,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// `BT /F1 1 Tf 10 700 Td <tz> (AAAA…) Tj ET` with `count` letters.
fn one_string(tz: &str, count: usize) -> Vec<u8> {
    let mut content = format!("BT /F1 1 Tf 10 700 Td {tz} (").into_bytes();
    content.resize(content.len() + count, b'A');
    content.extend_from_slice(b") Tj ET");
    one_page_pdf(&content)
}

fn too_complex_reason(result: Result<extract::Document, ExtractError>) -> String {
    match result {
        Err(ExtractError::TooComplex(reason)) => reason,
        other => panic!(
            "expected too complex, got {:?}",
            other.map(|d| d.text.len())
        ),
    }
}

fn stopped_drawing(doc: &extract::Document) -> bool {
    doc.warnings
        .iter()
        .any(|w| w.code == "text_truncated" && w.message.contains("drawing stopped"))
}

/// Found with the fuzz build's limits (a 150 KB PDF whose deflated stream is one 150 MB string
/// ran past the 10 s timeout at 600 MB): the operator limit did not bound one `Tj`, which made
/// a glyph per byte, visible or not, up to the decompressed size (200 MB).
#[test]
fn one_huge_string_is_bounded_by_the_glyph_and_operation_budgets() {
    let limits = Limits::default();
    // Visible glyphs (no advance, `0 Tz`, so all stay on the page): drawing stops once the
    // document has drawn twice the text limit; the text read so far is kept.
    let doc = within(60, || {
        extract::extract(
            &one_string("0 Tz", 2 * limits.max_text_chars + 10),
            None,
            &limits,
        )
    })
    .unwrap();
    // (Glyphs drawn over one another are one letter to layout, so the text itself is short.)
    assert!(stopped_drawing(&doc), "{:?}", doc.warnings);
    // Glyphs off the page are not kept, but each still costs an operation.
    let reason = too_complex_reason(extract::extract(&one_string("", 5_000_010), None, &limits));
    assert!(reason.contains("operations"), "{reason}");
}

#[test]
fn the_glyph_budget_counts_every_page_and_spares_ordinary_text() {
    let small = Limits {
        max_text_chars: 100,
        ..Limits::default()
    };
    // 150 glyphs (200 pt wide, on the page): within twice the text limit, so all drawn, and the
    // text then cut to the limit.
    let doc = extract::extract(
        &one_page_pdf(format!("BT /F1 2 Tf 10 700 Td ({}) Tj ET", "A".repeat(150)).as_bytes()),
        None,
        &small,
    )
    .unwrap();
    assert_eq!(doc.text.chars().count(), 100);
    assert!(!stopped_drawing(&doc), "{:?}", doc.warnings);
    // The budget is per document, not per operator: many short strings add up, and only one
    // warning says the text is cut.
    let many = "(AAAAAAAAAA) Tj 0 -14 Td ".repeat(25);
    let doc = extract::extract(
        &one_page_pdf(format!("BT /F1 12 Tf 10 700 Td {many} ET").as_bytes()),
        None,
        &small,
    )
    .unwrap();
    assert!(stopped_drawing(&doc), "{:?}", doc.warnings);
    assert_eq!(
        doc.warnings
            .iter()
            .filter(|w| w.code == "text_truncated")
            .count(),
        1
    );
}

/// Runs `f` and fails if it takes longer than `seconds`: the inputs below take milliseconds
/// when the work is linear and hours when it is quadratic, so the bound is far from both.
fn within<T>(seconds: u64, f: impl FnOnce() -> T) -> T {
    let start = std::time::Instant::now();
    let value = f();
    let elapsed = start.elapsed();
    assert!(
        elapsed < std::time::Duration::from_secs(seconds),
        "took {elapsed:?}"
    );
    value
}

/// Every `&` searched the whole rest of the document for the `;` that ends an entity, so 4 MB
/// of `&`s was about 10^13 steps.
#[test]
fn html_ampersands_without_semicolons_are_linear() {
    let limits = Limits::default();
    let html = vec![b'&'; 4 * 1024 * 1024];
    let doc = within(30, || {
        extract::extract_typed(&html, MediaType::Html, &limits)
    })
    .unwrap();
    assert_eq!(doc.text.chars().count(), limits.max_text_chars);
    assert!(doc.text.chars().all(|c| c == '&'));
    // Entities still decode.
    let doc = extract::extract_typed(b"A&amp;B &#233; &nbsp;C", MediaType::Html, &limits).unwrap();
    assert_eq!(doc.text, "A&B \u{e9} C");
}

/// Each `<title>` (or script, style, head) lowercased a copy of the rest of the document to find
/// its end tag, so many small ones were quadratic.
#[test]
fn html_many_skipped_elements_are_linear() {
    let limits = Limits::default();
    let html = "<TITLE>t</Title>x".repeat(300_000);
    let doc = within(30, || {
        extract::extract_typed(html.as_bytes(), MediaType::Html, &limits)
    })
    .unwrap();
    assert_eq!(doc.text, "x".repeat(300_000));
}
