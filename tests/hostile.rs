//! The hostile suite: requests a careful attacker (or a broken client) sends. Each case must be
//! answered quickly (printed past 2 s, failed past 10 s) by a 4xx `application/problem+json`
//! with its stable code, store nothing, and leave the server serving. The table grows: every new way in gets a row.
//!
//! Faults that need a whole process (SIGKILL, a damaged index, a full disk, the log) are in
//! `tests/faults.rs`.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{TestApp, assert_problem, spawn_app, spawn_app_with};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use shortlist::api::{AdmissionSettings, ApiSettings};

/// The answer time the hostile review asks for; printed for every case slower than it (speed is
/// measured, not asserted: a loaded CI machine running a debug build takes longer).
const ANSWER_WITHIN: Duration = Duration::from_secs(2);
/// What is asserted: no case comes near a hang (the per-document time budget is 10 s).
const HANG_LIMIT: Duration = Duration::from_secs(10);

/// An upload's status follows from its code: 415 for a type that is not read at all, 422 for
/// a document of a read type that cannot be read.
const UPLOAD_STATUS: u16 = 0;

fn upload_status(code: &str) -> u16 {
    match code {
        "unsupported_media_type" => 415,
        _ => 422,
    }
}

/// A request of the table and what it must get.
struct Case {
    name: &'static str,
    request: Request,
    status: u16,
    /// Any of these codes (some inputs fail in one of several equally right ways).
    codes: &'static [&'static str],
}

enum Request {
    Upload {
        bytes: Vec<u8>,
        file_name: &'static str,
    },
    UploadForm(Form),
    Raw {
        method: reqwest::Method,
        path: String,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    Get(String),
}

fn upload(
    name: &'static str,
    bytes: Vec<u8>,
    file_name: &'static str,
    codes: &'static [&'static str],
) -> Case {
    Case {
        name,
        request: Request::Upload { bytes, file_name },
        status: UPLOAD_STATUS,
        codes,
    }
}

fn get(
    name: &'static str,
    path: impl Into<String>,
    status: u16,
    codes: &'static [&'static str],
) -> Case {
    Case {
        name,
        request: Request::Get(path.into()),
        status,
        codes,
    }
}

fn raw(
    name: &'static str,
    method: &str,
    path: &str,
    headers: &[(&'static str, &str)],
    body: impl Into<Vec<u8>>,
    status: u16,
    codes: &'static [&'static str],
) -> Case {
    Case {
        name,
        request: Request::Raw {
            method: method.parse().unwrap(),
            path: path.to_owned(),
            headers: headers.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            body: body.into(),
        },
        status,
        codes,
    }
}

fn json_put(
    name: &'static str,
    path: &str,
    body: impl Into<Vec<u8>>,
    status: u16,
    codes: &'static [&'static str],
) -> Case {
    raw(
        name,
        "PUT",
        path,
        &[("content-type", "application/json")],
        body,
        status,
        codes,
    )
}

fn json_post(
    name: &'static str,
    path: &str,
    body: impl Into<Vec<u8>>,
    status: u16,
    codes: &'static [&'static str],
) -> Case {
    raw(
        name,
        "POST",
        path,
        &[("content-type", "application/json")],
        body,
        status,
        codes,
    )
}

fn form_case(name: &'static str, form: Form, status: u16, codes: &'static [&'static str]) -> Case {
    Case {
        name,
        request: Request::UploadForm(form),
        status,
        codes,
    }
}

/// A valid text resume, for forms whose other fields are the hostile part.
fn resume() -> Vec<u8> {
    b"Account Manager\nExperience\n01/2015 to Current Account Manager\nAcme Corp - Boston, MA\nManaged key accounts in Salesforce.\n".to_vec()
}

fn resume_form() -> Form {
    Form::new().part("file", Part::bytes(resume()).file_name("cv.txt"))
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut bytes);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, content) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap();
    bytes.into_inner()
}

/// A zip entry of `mib` MiB of zeros, written a block at a time.
fn zip_of_zeros(name: &str, mib: usize) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut bytes);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file(name, options).unwrap();
    let block = vec![0u8; 1 << 20];
    for _ in 0..mib {
        zip.write_all(&block).unwrap();
    }
    zip.finish().unwrap();
    bytes.into_inner()
}

fn docx_with(document_xml: &str) -> Vec<u8> {
    zip_of(&[
        ("[Content_Types].xml", b"<?xml version=\"1.0\"?><Types/>"),
        ("word/document.xml", document_xml.as_bytes()),
    ])
}

/// A PDF from raw object bodies (object `i + 1` is `objects[i]`), with a correct xref table.
fn pdf_of(objects: &[Vec<u8>]) -> Vec<u8> {
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

fn stream(dictionary: &str, content: &[u8]) -> Vec<u8> {
    let mut object = format!("<< {dictionary} /Length {} >>\nstream\n", content.len()).into_bytes();
    object.extend_from_slice(content);
    object.extend_from_slice(b"\nendstream");
    object
}

fn one_page_pdf(content: Vec<u8>) -> Vec<u8> {
    pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
        content,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ])
}

/// A content stream that inflates to `mib` MiB: far past the 200 MiB decompression budget when
/// large enough.
fn flate_bomb_pdf(mib: usize) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![b' '; 1 << 20];
    for _ in 0..mib {
        encoder.write_all(&block).unwrap();
    }
    let compressed = encoder.finish().unwrap();
    one_page_pdf(stream("/Filter /FlateDecode", &compressed))
}

fn cases() -> Vec<Case> {
    let random: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let png =
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
            .to_vec();
    let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00".to_vec();
    let billion_laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]><w:document xmlns:w="w"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"#;
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><w:document xmlns:w="w"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"#;
    let deep_html = format!(
        "<html><body>{}x{}</body></html>",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    let deep_rtf = format!("{{\\rtf1 {}x{}}}", "{".repeat(100_000), "}".repeat(100_000));
    let cyclic_pdf = pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>".to_vec(),
        b"<< /Type /Page /Parent 3 0 R /Contents 3 0 R >>".to_vec(),
    ]);
    let self_form_pdf = pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /X 5 0 R >> >> >>".to_vec(),
        stream("", b"/X Do"),
        stream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /XObject << /X 5 0 R >> >>", b"/X Do"),
    ]);
    // Six million operators (past the five million a page may have), compressed.
    let operator_flood = {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        for _ in 0..3_000_000 {
            encoder.write_all(b"q Q ").unwrap();
        }
        one_page_pdf(stream("/Filter /FlateDecode", &encoder.finish().unwrap()))
    };
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let many_requirements = {
        let requirements: Vec<Value> = (0..10_000)
            .map(|i| json!({"id": format!("r{i}"), "kind": "travel"}))
            .collect();
        json!({"title": "Huge", "requirements": requirements}).to_string()
    };
    let deep_query_role = json!({"title": "Deep", "requirements": [{"id": "k", "kind": "keyword",
        "query": format!("{}sales{}", "(".repeat(2200), ")".repeat(2200))}]})
    .to_string();
    let deep_q = format!("{}sales{}", "(".repeat(2200), ")".repeat(2200));
    let ranking = |query: &str| format!("/v1/roles/account-manager/ranking?{query}");
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };

    let mut cases = vec![
        // Documents: every format, broken or hostile, and types named as others.
        upload("empty file", Vec::new(), "empty.pdf", &["empty_file"]),
        upload(
            "text named .pdf",
            b"Sales Manager\nExperience at Acme since 2010\n".to_vec(),
            "resume.pdf",
            &["malformed_document"],
        ),
        upload(
            "truncated PDF",
            b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\nstream\nBT (Hello"
                .to_vec(),
            "cut.pdf",
            &["malformed_document", "no_text_layer", "no_text"],
        ),
        upload(
            "random bytes",
            random.clone(),
            "random.bin",
            &["unsupported_media_type"],
        ),
        upload(
            "random bytes named .docx",
            random.clone(),
            "cv.docx",
            &["unsupported_media_type"],
        ),
        upload(
            "random bytes named .pdf",
            random,
            "cv.pdf",
            &["malformed_document"],
        ),
        upload(
            "a PNG image",
            png.clone(),
            "photo.png",
            &["unsupported_media_type"],
        ),
        upload(
            "a PNG named .pdf",
            png,
            "photo.pdf",
            &["unsupported_media_type"],
        ),
        upload(
            "an executable named .txt",
            elf.clone(),
            "cv.txt",
            &["unsupported_media_type"],
        ),
        upload(
            "an executable named .rtf",
            elf,
            "cv.rtf",
            &["unsupported_media_type"],
        ),
        upload(
            "a legacy .doc named .docx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0\0\0".to_vec(),
            "cv.docx",
            &["unsupported_media_type"],
        ),
        upload(
            "a zip of text named .docx",
            zip_of(&[("notes.txt", b"hello")]),
            "cv.docx",
            &["unsupported_media_type", "malformed_document"],
        ),
        upload(
            "a DOCX zip bomb (300 MiB of spaces)",
            {
                let mut bytes = std::io::Cursor::new(Vec::new());
                let mut zip = zip::ZipWriter::new(&mut bytes);
                let options = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated)
                    .large_file(true);
                zip.start_file("[Content_Types].xml", options).unwrap();
                zip.write_all(b"<Types/>").unwrap();
                zip.start_file("word/document.xml", options).unwrap();
                let block = vec![b' '; 1 << 20];
                for _ in 0..300 {
                    zip.write_all(&block).unwrap();
                }
                zip.finish().unwrap();
                bytes.into_inner()
            },
            "bomb.docx",
            &["archive_bomb"],
        ),
        upload(
            "a DOCX bomb named .pdf",
            zip_of_zeros("word/document.xml", 300),
            "bomb.pdf",
            &[
                "archive_bomb",
                "unsupported_media_type",
                "malformed_document",
            ],
        ),
        upload(
            "XML entity expansion (billion laughs) in a DOCX",
            docx_with(billion_laughs),
            "laughs.docx",
            &[
                "malformed_document",
                "no_text",
                "too_little_text",
                "document_too_complex",
            ],
        ),
        upload(
            "an external entity (XXE) in a DOCX",
            docx_with(xxe),
            "xxe.docx",
            &[
                "malformed_document",
                "no_text",
                "too_little_text",
                "document_too_complex",
            ],
        ),
        upload(
            "HTML nested 100,000 deep",
            deep_html.into_bytes(),
            "deep.html",
            &["no_text", "too_little_text", "document_too_complex"],
        ),
        upload(
            "RTF nested 100,000 deep",
            deep_rtf.into_bytes(),
            "deep.rtf",
            &[
                "no_text",
                "too_little_text",
                "document_too_complex",
                "malformed_document",
            ],
        ),
        upload(
            "a PDF whose page tree is a cycle",
            cyclic_pdf,
            "cycle.pdf",
            &["malformed_document", "no_text_layer", "no_text"],
        ),
        upload(
            "a PDF form that draws itself",
            self_form_pdf,
            "form.pdf",
            &[
                "document_too_complex",
                "no_text_layer",
                "no_text",
                "malformed_document",
            ],
        ),
        upload(
            "a PDF stream inflating past the budget",
            flate_bomb_pdf(260),
            "inflate.pdf",
            &["document_too_complex"],
        ),
        upload(
            "a PDF of 6 million drawing operators",
            operator_flood,
            "ops.pdf",
            &["document_too_complex"],
        ),
        upload(
            "a one-byte text file",
            b"x".to_vec(),
            "cv.txt",
            &["too_little_text"],
        ),
        upload(
            "a one-word text file",
            b"Salesforce".to_vec(),
            "cv.txt",
            &["too_little_text"],
        ),
        upload(
            "white space only",
            b" \n\t \n".to_vec(),
            "cv.txt",
            &["no_text"],
        ),
        // Multipart and form fields.
        raw(
            "a body that is not multipart",
            "POST",
            "/v1/candidates",
            &[("content-type", "text/plain")],
            "hello",
            415,
            &["expected_multipart"],
        ),
        raw(
            "multipart with a wrong boundary",
            "POST",
            "/v1/candidates",
            &[("content-type", "multipart/form-data; boundary=abc")],
            "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello\r\n--xyz--\r\n",
            400,
            &["malformed_multipart", "missing_file"],
        ),
        raw(
            "multipart cut off mid-part",
            "POST",
            "/v1/candidates",
            &[("content-type", "multipart/form-data; boundary=abc")],
            "--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nAccount manager since",
            400,
            &["malformed_multipart"],
        ),
        raw(
            "multipart without a boundary",
            "POST",
            "/v1/candidates",
            &[("content-type", "multipart/form-data")],
            "--abc--",
            400,
            &["malformed_multipart"],
        ),
        form_case(
            "no file part",
            Form::new().text("external_id", "x"),
            400,
            &["missing_file"],
        ),
        form_case(
            "two files to the single upload",
            resume_form().part("file", Part::bytes(resume()).file_name("b.txt")),
            400,
            &["too_many_files"],
        ),
        form_case(
            "a 10 KB external_id",
            resume_form().text("external_id", "x".repeat(10_000)),
            400,
            &["form_field_too_large"],
        ),
        form_case(
            "an external_id that is not UTF-8",
            resume_form().part("external_id", Part::bytes(vec![0xff, 0xfe, 0x00])),
            400,
            &["invalid_form_field"],
        ),
        form_case(
            "an external_id with a right-to-left override",
            resume_form().text("external_id", "ats-\u{202E}fdp.exe"),
            400,
            &["invalid_external_id"],
        ),
        form_case(
            "an external_id with a zero-width space",
            resume_form().text("external_id", "ats-1\u{200B}"),
            400,
            &["invalid_external_id"],
        ),
        form_case(
            "an external_id with a control character",
            resume_form().text("external_id", "ats-\u{7}1"),
            400,
            &["invalid_external_id"],
        ),
        form_case(
            "a document_date that is no date",
            resume_form().text("document_date", "yesterday"),
            400,
            &["invalid_document_date"],
        ),
        raw(
            "a declared length far past the limit",
            "POST",
            "/v1/candidates",
            &[
                ("content-type", "multipart/form-data; boundary=abc"),
                ("content-length", "900000000"),
            ],
            Vec::new(),
            413,
            &["payload_too_large"],
        ),
        raw(
            "an Idempotency-Key of 300 characters",
            "POST",
            "/v1/candidates",
            &[
                ("content-type", "multipart/form-data; boundary=abc"),
                ("idempotency-key", &"k".repeat(300)),
            ],
            "--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nAccount manager at Acme Corp since 2015, key accounts\r\n--abc--\r\n",
            400,
            &["invalid_idempotency_key"],
        ),
        // JSON bodies: roles, drafts, runs, webhooks.
        json_put(
            "malformed JSON",
            "/v1/roles/x",
            "{\"title\": ",
            400,
            &["malformed_json"],
        ),
        raw(
            "a role sent as text/plain",
            "PUT",
            "/v1/roles/x",
            &[("content-type", "text/plain")],
            "{}",
            415,
            &["expected_json"],
        ),
        json_put(
            "JSON nested 100,000 deep",
            "/v1/roles/x",
            deep_json,
            400,
            &["malformed_json"],
        ),
        json_put(
            "a role of 10,000 requirements",
            "/v1/roles/huge",
            many_requirements,
            422,
            &["invalid_role"],
        ),
        json_put(
            "a role whose keyword query nests 2,200 deep",
            "/v1/roles/deep",
            deep_query_role,
            422,
            &["invalid_role"],
        ),
        json_put(
            "a role whose id differs from the path",
            "/v1/roles/a",
            json!({"id": "b", "title": "B", "requirements": []}).to_string(),
            422,
            &["invalid_role"],
        ),
        json_put(
            "a requirement of an unknown kind",
            "/v1/roles/x",
            json!({"title": "X", "requirements": [{"id": "a", "kind": "telepathy"}]}).to_string(),
            422,
            &["invalid_role"],
        ),
        json_put(
            "a negative weight",
            "/v1/roles/x",
            json!({"title": "X", "requirements": [{"id": "a", "kind": "travel", "weight": -1}]})
                .to_string(),
            422,
            &["invalid_role"],
        ),
        json_post(
            "a draft of empty text",
            "/v1/roles/draft",
            json!({"text": "   "}).to_string(),
            400,
            &["empty_text"],
        ),
        json_post(
            "a draft body past 1 MB",
            "/v1/roles/draft",
            json!({"text": "a".repeat(1_100_000)}).to_string(),
            413,
            &["payload_too_large"],
        ),
        json_post(
            "an unsaved ranking of a role that does not validate",
            "/v1/rankings",
            json!({"role": {"title": "X", "requirements": [{"id": "a", "kind": "travel", "weight": -1}]}})
                .to_string(),
            422,
            &["invalid_role"],
        ),
        json_post(
            "an unsaved ranking whose keyword query nests 2,200 deep",
            "/v1/rankings",
            json!({"role": {"title": "X", "requirements": [{"id": "a", "kind": "keyword", "query": format!("{}sales{}", "(".repeat(2200), ")".repeat(2200))}]}})
                .to_string(),
            422,
            &["invalid_role"],
        ),
        json_post(
            "an unsaved ranking body past 1 MB",
            "/v1/rankings",
            json!({"role": {"title": "a".repeat(1_100_000)}}).to_string(),
            413,
            &["payload_too_large"],
        ),
        json_post(
            "a run for an unknown role",
            "/v1/runs",
            json!({"role_id": "astronaut", "selection": {"all": true}}).to_string(),
            404,
            &["role_not_found"],
        ),
        json_post(
            "a run with a malformed selection",
            "/v1/runs",
            json!({"role_id": "account-manager", "selection": {"everyone": true}}).to_string(),
            400,
            &["malformed_json"],
        ),
        json_post(
            "a webhook to the cloud metadata address",
            "/v1/webhooks",
            json!({"url": "http://169.254.169.254/latest/meta-data/"}).to_string(),
            422,
            &["invalid_webhook"],
        ),
        json_post(
            "a webhook to a private address",
            "/v1/webhooks",
            json!({"url": "http://10.0.0.7:8080/hook"}).to_string(),
            422,
            &["invalid_webhook"],
        ),
        json_post(
            "a webhook to localhost by name",
            "/v1/webhooks",
            json!({"url": "http://localhost:9/hook"}).to_string(),
            422,
            &["invalid_webhook"],
        ),
        json_post(
            "a webhook without a host",
            "/v1/webhooks",
            json!({"url": "http:///hook"}).to_string(),
            422,
            &["invalid_webhook"],
        ),
        json_post(
            "a webhook on port 99999",
            "/v1/webhooks",
            json!({"url": "http://93.184.216.34:99999/hook"}).to_string(),
            422,
            &["invalid_webhook"],
        ),
        json_post(
            "a webhook with credentials in the URL",
            "/v1/webhooks",
            json!({"url": "http://user:pw@93.184.216.34/hook"}).to_string(),
            422,
            &["invalid_webhook"],
        ),
        // Queries, cursors and paths.
        get(
            "a ranking q nested 2,200 deep",
            ranking(&format!("q={}", encode(&deep_q))),
            400,
            &["invalid_query"],
        ),
        get(
            "a ranking q of 3,000 unclosed parentheses",
            ranking(&format!("q={}", "%28".repeat(3000))),
            400,
            &["invalid_query"],
        ),
        get(
            "a ranking q of 1,000 NOTs",
            ranking(&format!("q={}", encode(&"NOT ".repeat(1000)))),
            400,
            &["invalid_query"],
        ),
        get(
            "a URL of 20 KB",
            format!("/v1/roles?pad={}", "a".repeat(20_000)),
            414,
            &["uri_too_long"],
        ),
        get(
            "a ranking q with an open phrase",
            ranking("q=%22key%20account"),
            400,
            &["invalid_query"],
        ),
        get(
            "a ranking q past 4 KB",
            ranking(&format!("q={}", "a%20".repeat(2100))),
            400,
            &["invalid_query"],
        ),
        get(
            "a ranking cursor of garbage",
            ranking("cursor=not-a-cursor"),
            400,
            &["invalid_cursor"],
        ),
        get(
            "a ranking cursor holding NaN",
            ranking("cursor=ffffffff0000000000000001"),
            400,
            &["invalid_cursor"],
        ),
        get(
            "a ranking limit of 0",
            ranking("limit=0"),
            400,
            &["invalid_limit"],
        ),
        get(
            "a ranking limit that is no number",
            ranking("limit=ten"),
            400,
            &["invalid_query_parameters"],
        ),
        get(
            "a ranking limit past 2^64",
            ranking("limit=99999999999999999999999"),
            400,
            &["invalid_query_parameters"],
        ),
        get(
            "an unknown ranking parameter",
            ranking("sort=name"),
            400,
            &["invalid_query_parameters"],
        ),
        get(
            "a min_score of 500",
            ranking("min_score=500"),
            400,
            &["invalid_min_score"],
        ),
        get(
            "a min_score of NaN",
            ranking("min_score=NaN"),
            400,
            &["invalid_min_score", "invalid_query_parameters"],
        ),
        get(
            "a ranking for an unknown role",
            "/v1/roles/astronaut/ranking",
            404,
            &["role_not_found"],
        ),
        get(
            "a candidate id that is no UUID",
            "/v1/candidates/not-a-uuid",
            404,
            &["candidate_not_found"],
        ),
        // Ids are parsed where the request arrives (src/ids.rs); a malformed one keeps the
        // code it had when the engine found nothing under it.
        get(
            "a role id that is no slug",
            "/v1/roles/Sales%20Manager",
            404,
            &["role_not_found"],
        ),
        get(
            "a run id that is no UUID",
            "/v1/runs/nope/results",
            404,
            &["run_not_found"],
        ),
        get(
            "a webhook id that is no UUID",
            "/v1/webhooks/nope/deliveries",
            404,
            &["webhook_not_found"],
        ),
        raw(
            "a role put under an id that is no slug",
            "PUT",
            "/v1/roles/Sales%20Manager",
            &[("content-type", "application/json")],
            r#"{"title": "Sales", "requirements": []}"#,
            422,
            &["invalid_role"],
        ),
        get(
            "a candidate path with traversal",
            "/v1/candidates/..%2F..%2Fetc%2Fpasswd",
            404,
            &["candidate_not_found", "route_not_found"],
        ),
        get(
            "results of an unknown run",
            "/v1/runs/00000000-0000-0000-0000-000000000000/results",
            404,
            &["run_not_found"],
        ),
        get(
            "an unknown route",
            "/v2/everything",
            404,
            &["route_not_found"],
        ),
        raw(
            "a method the route does not take",
            "PATCH",
            "/v1/roles",
            &[],
            Vec::new(),
            405,
            &["method_not_allowed"],
        ),
    ];
    cases.push(Case {
        name: "an upload with no body and no content type",
        request: Request::Raw {
            method: reqwest::Method::POST,
            path: "/v1/candidates".into(),
            headers: vec![],
            body: Vec::new(),
        },
        status: 415,
        codes: &["expected_multipart"],
    });
    cases
}

async fn send(app: &TestApp, request: Request) -> reqwest::Response {
    let client = &app.client;
    let builder = match request {
        Request::Upload { bytes, file_name } => client
            .post(app.url("/v1/candidates"))
            .multipart(Form::new().part("file", Part::bytes(bytes).file_name(file_name))),
        Request::UploadForm(form) => client.post(app.url("/v1/candidates")).multipart(form),
        Request::Raw {
            method,
            path,
            headers,
            body,
        } => {
            let mut builder = client.request(method, app.url(&path)).body(body);
            for (name, value) in headers {
                builder = builder.header(name, value);
            }
            builder
        }
        Request::Get(path) => client.get(app.url(&path)),
    };
    builder.send().await.expect("the server answers")
}

async fn candidate_count(app: &TestApp) -> u64 {
    let page: Value = app
        .get_json("/v1/roles/account-manager/ranking?limit=1")
        .await;
    page["total"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_request_gets_a_quick_problem_stores_nothing_and_the_server_stays_up() {
    let app = spawn_app().await;
    let cases = cases();
    assert!(cases.len() >= 50, "the suite has {} cases", cases.len());
    let mut slow = Vec::new();
    let mut wrong = Vec::new();
    for case in cases {
        let started = Instant::now();
        let response = send(&app, case.request).await;
        let took = started.elapsed();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let code = body["code"].as_str().unwrap_or("");
        let expected = match case.status {
            UPLOAD_STATUS => upload_status(code),
            status => status,
        };
        if status != expected
            || content_type != "application/problem+json"
            || !case.codes.contains(&code)
            || body["detail"].as_str().is_none_or(|d| d.len() <= 10)
        {
            wrong.push(format!(
                "{}: {status} {content_type} {body} (expected {expected} {:?})",
                case.name, case.codes
            ));
        }
        assert!(took < HANG_LIMIT, "{}: {took:?}", case.name);
        if took > ANSWER_WITHIN {
            slow.push(format!("{} ({took:?})", case.name));
        }
        let health = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status().as_u16(), 200, "alive after {}", case.name);
    }
    assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));
    if !slow.is_empty() {
        println!("answered later than {ANSWER_WITHIN:?} on this machine: {slow:?}");
    }
    assert_eq!(candidate_count(&app).await, 0, "nothing stored");
    let files = walk_files(&app.data_dir.join("files"));
    assert!(files.is_empty(), "no file kept: {files:?}");
    let roles: Vec<Value> = app.get_json("/v1/roles").await;
    assert_eq!(roles.len(), 5, "no hostile role stored");
    let webhooks: Value = app.get_json("/v1/webhooks").await;
    assert_eq!(
        webhooks.as_array().map_or(0, Vec::len),
        0,
        "no hostile webhook stored: {webhooks}"
    );
}

fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk_files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// A batch of hostile archive entries: each gets its own item (rejected or skipped), nothing is
/// stored, and no file lands outside the data directory.
#[tokio::test]
async fn a_hostile_zip_in_a_batch_is_reported_entry_by_entry_and_stores_nothing() {
    let app = spawn_app().await;
    let archive = zip_of(&[
        ("../../../../tmp/shortlist-escape.txt", b"x"),
        ("/etc/cron.d/evil", b"y"),
        (
            ".hidden.txt",
            b"Account manager at Acme Corp since 2015, key accounts",
        ),
        ("__MACOSX/._cv.txt", b"z"),
        ("nested/..\\..\\evil.txt", b"w"),
    ]);
    let form = Form::new().part("file", Part::bytes(archive).file_name("cvs.zip"));
    let response = app
        .client
        .post(app.url("/v1/candidates/batch"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let summary: Value = response.json().await.unwrap();
    assert_eq!(summary["created"], 0, "{summary}");
    // `..\..\evil.txt` is a dot file by its base name.
    assert_eq!(
        summary["skipped"], 3,
        "hidden and system files are said, not dropped: {summary}"
    );
    let items = summary["items"].as_array().unwrap();
    assert_eq!(items.len(), 5, "one item per entry: {summary}");
    for item in items {
        assert!(
            ["rejected", "skipped"].contains(&item["outcome"].as_str().unwrap()),
            "{item}"
        );
        assert!(item["error"]["code"].is_string(), "{item}");
    }
    assert!(!std::path::Path::new("/tmp/shortlist-escape.txt").exists());
    assert_eq!(candidate_count(&app).await, 0);

    // The zip-bomb message names the limit that was passed.
    let bomb = zip_of_zeros("big.txt", 30);
    let form = Form::new().part("file", Part::bytes(bomb).file_name("bomb.zip"));
    let summary: Value = app
        .client
        .post(app.url("/v1/candidates/batch"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let message = summary["items"][0]["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        summary["items"][0]["error"]["code"], "archive_bomb",
        "{summary}"
    );
    assert!(
        message.contains("one file") && message.contains(&(20 * 1024 * 1024).to_string()),
        "{message}"
    );
}

/// Past the queue, uploads get 503 with Retry-After, never a 422: the client may retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn uploads_past_the_queue_get_503_with_retry_after_and_the_rest_succeed() {
    let settings = ApiSettings {
        admission: AdmissionSettings {
            workers: 1,
            max_queued: 2,
            queue_wait: Duration::from_secs(30),
            max_inflight_bytes: 1 << 30,
        },
        ..ApiSettings::default()
    };
    let app = spawn_app_with(settings).await;
    // Large valid resumes (about 1 MB of text each), so that each keeps the one worker busy.
    let big = |i: usize| -> Vec<u8> {
        let mut text = format!(
            "Account Manager {i}\nExperience\n01/2015 to Current Account Manager\nAcme Corp\n"
        );
        while text.len() < 1_000_000 {
            text.push_str(
                "Managed key accounts for enterprise clients in Salesforce and grew revenue. ",
            );
            text.push_str(&i.to_string());
            text.push('\n');
        }
        text.into_bytes()
    };
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (client, url, bytes) = (app.client.clone(), app.url("/v1/candidates"), big(i));
        tasks.push(tokio::spawn(async move {
            let form = Form::new().part("file", Part::bytes(bytes).file_name(format!("cv{i}.txt")));
            let response = client.post(url).multipart(form).send().await.unwrap();
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            let body: Value = response.json().await.unwrap();
            (status, retry_after, body)
        }));
    }
    let (mut created, mut overloaded) = (0, 0);
    for task in tasks {
        let (status, retry_after, body) = task.await.unwrap();
        match status {
            201 => created += 1,
            503 => {
                overloaded += 1;
                assert_eq!(body["code"], "overloaded", "{body}");
                assert!(retry_after.is_some(), "Retry-After on a 503");
            }
            other => panic!("status {other}: {body}"),
        }
    }
    assert!(overloaded > 0, "more than the queue holds was refused");
    assert!(
        created >= 3,
        "the worker and the queue were served: {created}"
    );
    assert_eq!(candidate_count(&app).await, created);
}

/// Sixteen valid 1 MB resumes at once on the default settings: every one is stored. Waiting
/// for a worker is not the document's fault (it used to answer 422 `document_too_complex`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_valid_uploads_are_never_refused_as_too_complex() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (client, url) = (app.client.clone(), app.url("/v1/candidates"));
        tasks.push(tokio::spawn(async move {
            let mut text =
                format!("Sales Manager {i}\nExperience\n01/2012 to Current Sales Manager\nAcme\n");
            while text.len() < 1_000_000 {
                text.push_str("Led a team of account executives selling to corporate clients. ");
            }
            let form = Form::new().part(
                "file",
                Part::bytes(text.into_bytes()).file_name(format!("cv{i}.txt")),
            );
            client
                .post(url)
                .multipart(form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 201);
    }
    assert_eq!(candidate_count(&app).await, 16);
}

/// A body that stops arriving is cut off with 408 problem+json, and nothing is stored.
#[tokio::test]
async fn a_stalled_request_body_is_cut_off() {
    let settings = ApiSettings {
        body_timeout: Duration::from_millis(500),
        ..ApiSettings::default()
    };
    let app = spawn_app_with(settings).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let started = Instant::now();
    let answer = tokio::task::spawn_blocking(move || {
        let head = "POST /v1/candidates HTTP/1.1\r\nHost: x\r\ncontent-type: multipart/form-data; boundary=abc\r\ncontent-length: 100000\r\n\r\n--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nAccount manager";
        raw_exchange(&address, head.as_bytes())
    })
    .await
    .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "cut off promptly"
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("application/problem+json") && answer.contains("body_timeout"),
        "{answer}"
    );
    assert_eq!(candidate_count(&app).await, 0);
}

/// Sends `request` on a fresh connection and reads the answer until the server closes it.
fn raw_exchange(address: &str, request: &[u8]) -> String {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // The server may answer and close before the whole of a huge head is sent.
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// The answers actix-http writes before any handler runs (a head it cannot parse, one past its
/// buffer, one that stalls) leave as problem+json with their codes, like every other error.
#[tokio::test]
async fn over_long_urls_malformed_heads_and_stalled_heads_get_problems() {
    let settings = ApiSettings {
        header_timeout: Duration::from_millis(500),
        ..ApiSettings::default()
    };
    let app = spawn_app_with(settings).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (
            format!(
                "GET /v1/roles?pad={} HTTP/1.1\r\nHost: x\r\n\r\n",
                "a".repeat(200_000)
            )
            .into_bytes(),
            "HTTP/1.1 431",
            "request_head_too_large",
        ),
        (
            b"GET /v1/roles HTTP/1.1\r\nHost: x\r\nbad header line\r\n\r\n".to_vec(),
            "HTTP/1.1 400",
            "malformed_request",
        ),
        (
            b"\x01\x02 nothing like HTTP\r\n\r\n".to_vec(),
            "HTTP/1.1 400",
            "malformed_request",
        ),
        // Half a head, then nothing: cut off after the header timeout.
        (
            b"GET /v1/roles HTTP/1.1\r\nHost: x\r\n".to_vec(),
            "HTTP/1.1 408",
            "head_timeout",
        ),
    ];
    for (request, status_line, code) in cases {
        let address = address.clone();
        let started = Instant::now();
        let answer = tokio::task::spawn_blocking(move || raw_exchange(&address, &request))
            .await
            .unwrap();
        assert!(started.elapsed() < HANG_LIMIT, "{code}: no hang");
        assert!(answer.starts_with(status_line), "{code}: {answer}");
        let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
        assert!(
            head.contains("content-type: application/problem+json"),
            "{code}: {head}"
        );
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let problem: Value = serde_json::from_str(body).expect("problem+json");
        assert_eq!(problem["code"], code, "{body}");
    }
    // And the server goes on serving.
    let roles = app.client.get(app.url("/v1/roles")).send().await.unwrap();
    assert_eq!(roles.status().as_u16(), 200);
}

/// Smaller ones from the hostile review, each at its cause.
#[tokio::test]
async fn health_answers_head_bearer_is_case_insensitive_and_request_ids_follow_the_request() {
    let app = spawn_app().await;
    let head = app.client.head(app.url("/healthz")).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 200);

    let echoed = app
        .client
        .get(app.url("/v1/roles"))
        .header("x-request-id", "ats-req-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "ats-req-42");
    let forged = app
        .client
        .get(app.url("/v1/roles"))
        .header("x-request-id", "a b\tc")
        .send()
        .await
        .unwrap();
    assert_ne!(
        forged.headers()["x-request-id"],
        "a b\tc",
        "a forged id is replaced"
    );

    let stopped = app.stop().await.expect("temporary directory");
    let app = common::spawn_app_in(
        stopped.path(),
        vec![shortlist::config::hash_api_key("k-123")],
    )
    .await;
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let response = app
            .client
            .get(app.url("/v1/roles"))
            .header("authorization", format!("{scheme} k-123"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{scheme}");
    }
    let wrong = app
        .client
        .get(app.url("/v1/roles"))
        .header("authorization", "Basic k-123")
        .send()
        .await
        .unwrap();
    assert_problem(wrong, 401, "unauthorized").await;
    drop(stopped);
}

/// Run results: a bad cursor is `invalid_cursor` like rankings', and 2^64-1 does not wrap to
/// page 1.
#[tokio::test]
async fn run_result_cursors_are_checked_like_ranking_cursors() {
    let app = spawn_app().await;
    app.upload(resume(), "cv.txt", None).await;
    let run: Value = app
        .client
        .post(app.url("/v1/runs"))
        .json(&json!({"role_id": "account-manager", "selection": {"all": true}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = run["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let run: Value = app.get_json(&format!("/v1/runs/{id}")).await;
        if run["status"] == "succeeded" {
            break;
        }
        assert!(Instant::now() < deadline, "run finishes: {run}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for cursor in ["abc", "-1", "18446744073709551615"] {
        let response = app
            .client
            .get(app.url(&format!("/v1/runs/{id}/results?cursor={cursor}")))
            .send()
            .await
            .unwrap();
        assert_problem(response, 400, "invalid_cursor").await;
    }
    let page: Value = app
        .get_json(&format!("/v1/runs/{id}/results?cursor=0"))
        .await;
    assert_eq!(page["results"].as_array().unwrap().len(), 1);
}

/// A role whose text is only a repeated header on every page is read, not refused as empty.
#[tokio::test]
async fn a_pdf_whose_pages_all_repeat_one_line_is_read() {
    let app = spawn_app().await;
    let page = |n: u32| -> Vec<u8> {
        stream(
            "",
            format!("BT /F1 12 Tf 72 700 Td (Account Manager at Acme Corp since 2015 {n}) Tj ET")
                .as_bytes(),
        )
    };
    // Three pages, each drawing the same line (digits differ, which running-head detection
    // ignores).
    let pdf = pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 /Resources << /Font << /F1 9 0 R >> >> /MediaBox [0 0 612 792] >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /Contents 6 0 R >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /Contents 7 0 R >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /Contents 8 0 R >>".to_vec(),
        page(1),
        page(2),
        page(3),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ]);
    let response = app.upload(pdf, "cv.pdf", None).await;
    assert_eq!(
        response.status().as_u16(),
        201,
        "{}",
        response.text().await.unwrap()
    );
}
