//! Layout tests on real resumes from `../shared/corpus/layouts` (PDF and DOCX templates of
//! other résumé tools): two-column resumes must come out column by column, sections whole, and
//! each parses to the right name, employers, titles and schools. Fails rather than skips where
//! `SHORTLIST_REQUIRE_CORPUS` is set (CI).

mod common;

use std::path::{Path, PathBuf};

use shortlist::extract::{Limits, extract};
use shortlist::parse::{ParseOptions, Parser};

fn layouts() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/layouts");
    if dir.is_dir() {
        Some(dir)
    } else {
        common::corpus_absent(&dir);
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

/// What a reader of each layout file sees: the name, each position's (title, employer), and the
/// schools. Read from the files by hand; the template without data gives nothing. Names and
/// schools must be exact; positions must all be right (none wrong or invented), and at least
/// 20 of the 22 found: the La Verne resume's campus and volunteer entries ("Enactus, University
/// of La Verne August 2013 – Present" under "On campus involvement", "YMCA ... Summer 2013,
/// 2014") are not read today.
#[test]
fn layouts_parse_to_the_right_name_employers_titles_and_schools() {
    type Expected = (
        &'static str,
        Option<&'static str>,
        &'static [(&'static str, &'static str)],
        &'static [&'static str],
    );
    const MATCHER: &[(&str, &str)] = &[
        ("Senior Software Engineer", "Stripe"),
        ("Software Engineer", "Figma"),
        ("Software Engineer", "Notion"),
    ];
    let expected: &[Expected] = &[
        (
            "open-resume-openresume-resume.pdf",
            Some("John Doe"),
            &[
                ("Software Engineer", "ABC Company"),
                ("Software Engineer Intern", "DEF Organization"),
                ("Research Assistant", "XYZ University"),
            ],
            &["XYZ University"],
        ),
        (
            "open-resume-laverne-resume.pdf",
            Some("Leo Leopard"),
            &[
                ("Member", "Enactus"),
                ("Volunteer", "LionLike MindState"),
                ("Volunteer Swim Coach", "YMCA"),
            ],
            &["University of La Verne"],
        ),
        (
            "resume-matcher-single-column.pdf",
            Some("JOHN DOE"),
            MATCHER,
            &["UC Berkeley"],
        ),
        (
            "resume-matcher-two-column.pdf",
            Some("JOHN DOE"),
            MATCHER,
            &["UC Berkeley"],
        ),
        (
            "resume-matcher-modern-single-column.pdf",
            Some("JOHN DOE"),
            MATCHER,
            &["UC Berkeley"],
        ),
        (
            "resume-matcher-modern-two-column.pdf",
            Some("John Doe"),
            MATCHER,
            &["UC Berkeley"],
        ),
        (
            "tx-dotnet-resume.docx",
            Some("Molly A. Adams"),
            &[
                (
                    "Director of Web Applications Development",
                    "Convergence Inc. LLC",
                ),
                ("Senior Web Developer/DBA", "Convergence Inc. LLC"),
                ("Contractor", "Avalon Digital Marketing Systems Inc."),
                (
                    "Web Developer/Junior DBA",
                    "Avalon Digital Marketing Systems Inc. (European Division)",
                ),
            ],
            &["California State University", "Butte College"],
        ),
        ("tx-dotnet-template1.docx", None, &[], &[]),
    ];
    let Some(dir) = layouts() else { return };
    let (mut wanted, mut found) = (0, 0);
    let parser = Parser::builtin();
    let options = ParseOptions {
        fallback_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
    };
    for (name, person, positions, schools) in expected {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let document = extract(&bytes, Some(name), &Limits::default()).unwrap();
        let profile = parser.parse(&document, &options);
        assert_eq!(profile.contact.name.as_deref(), *person, "{name}: name");
        let read: Vec<(String, String)> = profile
            .positions
            .iter()
            .map(|p| {
                (
                    p.title.clone().unwrap_or_default(),
                    p.employer.clone().unwrap_or_default(),
                )
            })
            .collect();
        let want: Vec<(String, String)> = positions
            .iter()
            .map(|(t, e)| ((*t).to_owned(), (*e).to_owned()))
            .collect();
        for position in &read {
            assert!(
                want.contains(position),
                "{name}: {position:?} is not a position of the resume"
            );
        }
        wanted += want.len();
        found += want.iter().filter(|p| read.contains(p)).count();
        let read_schools: Vec<&str> = profile
            .education
            .iter()
            .filter_map(|e| e.institution.as_deref())
            .collect();
        assert_eq!(read_schools, *schools, "{name}: schools");
    }
    println!("layout positions read right: {found} of {wanted}");
    assert!(found >= 20, "{found} of {wanted}");
}
