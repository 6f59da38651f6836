//! Layout tests on real PDFs from `../shared/corpus/layouts`: two-column resumes must come out
//! column by column, sections whole.

use std::path::{Path, PathBuf};

use shortlist::extract::{Limits, extract};

fn layouts() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/layouts");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: corpus not found at {}", dir.display());
        None
    }
}

fn text_of(name: &str) -> Option<String> {
    let dir = layouts()?;
    let bytes = std::fs::read(dir.join(name)).ok()?;
    let doc = extract(&bytes, Some(name), &Limits::default());
    match doc {
        Ok(doc) => Some(doc.text),
        Err(e) => panic!("{name}: {e}"),
    }
}

fn position(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not found in:\n{text}"))
}

#[test]
fn dump() {
    if let Ok(name) = std::env::var("LAYOUT_DUMP")
        && let Some(text) = text_of(&name)
    {
        println!("{text}");
    }
}

/// The two resume-matcher two-column templates (main column left, sidebar right): each column
/// is read whole, top to bottom, main column first; no line mixes the two columns.
fn assert_columns_whole(text: &str) {
    let main = [
        "SUMMARY",
        "Senior Software Engineer with 5+ years",
        "EXPERIENCE",
        "Senior Software Engineer Jan 2023 - Present",
        "Software Engineer Jun 2021 - Dec 2022",
        "Software Engineer Jul 2019 - May 2021",
        "PROJECTS",
        "DevFlow",
        "Real-time Transit Prediction App 2022",
    ];
    let sidebar = [
        "EDUCATION",
        "UC Berkeley | 2019",
        "SKILLS",
        "Distributed Systems",
        "LINKS",
    ];
    let mut last = 0;
    for needle in main.iter().chain(&sidebar) {
        let at = position(text, needle);
        assert!(at >= last, "{needle:?} is out of order in:\n{text}");
        last = at;
    }
    for line in text.lines() {
        let has_main = ["SUMMARY", "EXPERIENCE", "PROJECTS", "Stripe", "Figma"]
            .iter()
            .any(|m| line.contains(m));
        let has_side = ["EDUCATION", "SKILLS", "LINKS", "Berkeley", "PostgreSQL"]
            .iter()
            .any(|m| line.contains(m));
        assert!(!(has_main && has_side), "columns interleaved on {line:?}");
    }
}

#[test]
fn resume_matcher_two_column_reads_column_by_column() {
    if let Some(text) = text_of("resume-matcher-two-column.pdf") {
        assert_columns_whole(&text);
    }
}

#[test]
fn resume_matcher_modern_two_column_reads_column_by_column() {
    if let Some(text) = text_of("resume-matcher-modern-two-column.pdf") {
        assert_columns_whole(&text);
    }
}

#[test]
fn single_column_layouts_extract() {
    for name in [
        "resume-matcher-single-column.pdf",
        "resume-matcher-modern-single-column.pdf",
        "open-resume-openresume-resume.pdf",
        "open-resume-laverne-resume.pdf",
    ] {
        if let Some(text) = text_of(name) {
            assert!(text.split_whitespace().count() > 100, "{name}:\n{text}");
        }
    }
}

#[test]
fn docx_fixtures_extract() {
    let Some(dir) = layouts() else { return };
    for name in ["tx-dotnet-resume.docx", "tx-dotnet-template1.docx"] {
        let bytes = std::fs::read(dir.join(name)).unwrap_or_default();
        let doc = extract(&bytes, Some(name), &Limits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.media_type, shortlist::extract::MediaType::Docx);
        assert!(
            doc.text.split_whitespace().count() > 50,
            "{name}:\n{}",
            doc.text
        );
    }
}
