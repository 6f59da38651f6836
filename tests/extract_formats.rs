//! DOCX, ODT, HTML, RTF and plain text, with archives built here with the `zip` crate, and the
//! archive attacks (zip bombs, entity expansion) refused.

use std::io::Write;

use shortlist::extract::{ExtractError, Limits, MediaType, extract};

fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in parts {
            zip.start_file(*name, options).expect("zip entry");
            zip.write_all(data).expect("zip write");
        }
        zip.finish().expect("zip finish");
    }
    out.into_inner()
}

const DOCUMENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>Jane Doe</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Account </w:t></w:r><w:r><w:t>Executive</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>09/2012 to 07/2014</w:t></w:r></w:p></w:tc>
<w:tc><w:p><w:r><w:t>Sales Manager</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>01/2010 to Current</w:t></w:r></w:p></w:tc>
<w:tc><w:p><w:r><w:t>Sales Associate</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:pict><v:textbox><w:txbxContent><w:p><w:r><w:t>Text box words</w:t></w:r></w:p></w:txbxContent></v:textbox></w:pict></w:r></w:p>
</w:body></w:document>"#;

const CORE: &str = r#"<cp:coreProperties xmlns:cp="x" xmlns:dcterms="y"><dcterms:created xsi:type="dcterms:W3CDTF">2020-05-06T07:08:09Z</dcterms:created></cp:coreProperties>"#;

#[test]
fn docx_paragraphs_tables_text_boxes_headers_and_date() {
    let header = r#"<w:hdr><w:p><w:r><w:t>Header line</w:t></w:r></w:p></w:hdr>"#;
    let bytes = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", DOCUMENT.as_bytes()),
        ("word/header1.xml", header.as_bytes()),
        ("docProps/core.xml", CORE.as_bytes()),
    ]);
    let doc = extract(&bytes, Some("cv.docx"), &Limits::default()).expect("extracts");
    assert_eq!(doc.media_type, MediaType::Docx);
    assert_eq!(
        doc.text,
        "Header line\n\nJane Doe\nAccount Executive\n09/2012 to 07/2014 | Sales Manager\n01/2010 to Current | Sales Associate\n\nText box words"
    );
    assert_eq!(
        doc.document_date,
        chrono::NaiveDate::from_ymd_opt(2020, 5, 6)
    );
}

/// A template laid out with a table: each row a section, its heading in a narrow left cell,
/// its paragraphs in the wide right cell. The heading stays on its own line right above its
/// section and each paragraph stays a line; a row of one-line cells stays one line.
#[test]
fn docx_label_column_tables_are_read_row_by_row() {
    let cell = |paragraphs: &[&str]| -> String {
        let mut xml = String::from("<w:tc>");
        for p in paragraphs {
            xml.push_str(&format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"));
        }
        xml.push_str("</w:tc>");
        xml
    };
    let rows: [(&[&str], &[&str]); 3] = [
        (
            &["Experience"],
            &[
                "Key Account Manager, Acme Freight, 2018 to present",
                "Managed a portfolio of 40 corporate accounts",
                "Led a team of four account executives",
            ],
        ),
        (
            &["Education"],
            &["BBA, University of Michigan, 2014", "Dean's list"],
        ),
        (&["Languages"], &["English, Spanish"]),
    ];
    let mut document = String::from(
        r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Jane Doe</w:t></w:r></w:p><w:tbl>"#,
    );
    for (label, content) in rows {
        document.push_str(&format!("<w:tr>{}{}</w:tr>", cell(label), cell(content)));
    }
    document.push_str("</w:tbl></w:body></w:document>");
    let bytes = zip_of(&[("word/document.xml", document.as_bytes())]);
    let doc = extract(&bytes, Some("cv.docx"), &Limits::default()).expect("extracts");
    assert_eq!(
        doc.text,
        "Jane Doe\nExperience\nKey Account Manager, Acme Freight, 2018 to present\n\
         Managed a portfolio of 40 corporate accounts\nLed a team of four account executives\n\
         Education\nBBA, University of Michigan, 2014\nDean's list\n\
         Languages | English, Spanish"
    );
}

#[test]
fn odt_paragraphs_and_tables() {
    let content = r#"<office:document-content><office:body><office:text>
        <text:h>Jane Doe</text:h><text:p>Sales<text:s/>lead</text:p>
        <table:table><table:table-row><table:table-cell><text:p>2019</text:p></table:table-cell>
        <table:table-cell><text:p>Manager</text:p></table:table-cell></table:table-row></table:table>
        </office:text></office:body></office:document-content>"#;
    let meta = r#"<office:meta><meta:creation-date>2018-01-02T00:00:00</meta:creation-date></office:meta>"#;
    let bytes = zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", content.as_bytes()),
        ("meta.xml", meta.as_bytes()),
    ]);
    let doc = extract(&bytes, Some("cv.odt"), &Limits::default()).expect("extracts");
    assert_eq!(doc.media_type, MediaType::Odt);
    assert_eq!(doc.text, "Jane Doe\nSales lead\n2019 | Manager");
    assert_eq!(
        doc.document_date,
        chrono::NaiveDate::from_ymd_opt(2018, 1, 2)
    );
}

#[test]
fn zip_bombs_and_entity_expansion_are_refused() {
    // 50 MB of zeros compresses to about 50 KB; the limit is 10 MB.
    let zeros = vec![b'0'; 50 * 1024 * 1024];
    let bomb = zip_of(&[("word/document.xml", &zeros)]);
    let limits = Limits {
        max_decompressed_bytes: 10 * 1024 * 1024,
        ..Limits::default()
    };
    assert!(matches!(
        extract(&bomb, Some("bomb.docx"), &limits),
        Err(ExtractError::ArchiveBomb { .. })
    ));
    let billion_laughs = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><w:document><w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"#;
    let bytes = zip_of(&[("word/document.xml", billion_laughs)]);
    assert!(matches!(
        extract(&bytes, Some("lol.docx"), &Limits::default()),
        Err(ExtractError::TooComplex(_))
    ));
    let other_zip = zip_of(&[("readme.txt", b"hello")]);
    assert!(matches!(
        extract(&other_zip, None, &Limits::default()),
        Err(ExtractError::UnsupportedType(_))
    ));
    let broken = b"PK\x03\x04 this is not really a zip archive at all";
    assert!(extract(broken, None, &Limits::default()).is_err());
}

#[test]
fn html_rtf_and_text() {
    let limits = Limits::default();
    let html = b"<!DOCTYPE html><html><body><h1>Jane</h1><p>Sales &amp; more</p><script>x()</script></body></html>";
    let doc = extract(html, None, &limits).expect("html");
    assert_eq!(
        (doc.media_type, doc.text.as_str()),
        (MediaType::Html, "Jane\n\nSales & more")
    );
    let rtf = br"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 Jane\par Caf\'e9\par}";
    let doc = extract(rtf, None, &limits).expect("rtf");
    assert_eq!(
        (doc.media_type, doc.text.as_str()),
        (MediaType::Rtf, "Jane\nCaf\u{e9}")
    );
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(
            "Jane Doe\r\nSales"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let doc = extract(&utf16, Some("cv.txt"), &limits).expect("utf-16");
    assert_eq!(doc.text, "Jane Doe\nSales");
    let cp1252 = b"Ren\xe9e \x96 sales";
    assert_eq!(
        extract(cp1252, None, &limits).expect("cp1252").text,
        "Ren\u{e9}e \u{2013} sales"
    );
    assert_eq!(
        extract(b"   \n\n ", None, &limits),
        Err(ExtractError::NoText)
    );
}
