#![no_main]
//! DOCX. An input that starts like a zip (`PK`) is read as it is, to fuzz the archive reader;
//! any other input is the XML of the parts, separated by NUL bytes, wrapped in a valid archive
//! so that mutations reach the XML reader instead of failing at the zip header.

use libfuzzer_sys::fuzz_target;
use shortlist::extract::{self, MediaType};

const PARTS: &[&str] = &[
    "word/document.xml",
    "docProps/core.xml",
    "word/header1.xml",
    "word/footer1.xml",
];

fuzz_target!(|data: &[u8]| {
    let limits = shortlist_fuzz::limits();
    let result = if data.starts_with(b"PK") {
        extract::extract_typed(data, MediaType::Docx, &limits)
    } else {
        let archive = shortlist_fuzz::zip_of_parts(data, PARTS);
        extract::extract_typed(&archive, MediaType::Docx, &limits)
    };
    shortlist_fuzz::check(&result, &limits);
});
