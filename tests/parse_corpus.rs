//! The parser over the whole real-resume corpus (`../shared/corpus/resumes_text.csv`): every
//! text parses without a panic into a profile whose figures hold together. Skips with a message
//! when the corpus is absent (fails where `SHORTLIST_REQUIRE_CORPUS` is set, as in CI). Review
//! aids over the corpus are `examples/corpus_review.rs`.

mod common;

use std::path::PathBuf;

use chrono::NaiveDate;
use shortlist::extract::{Document, MediaType};
use shortlist::parse::{ParseOptions, Parser};
use shortlist::profile::Category;

fn corpus_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/resumes_text.csv")
}

/// (id, text) of every corpus resume, or `None` when the corpus is not there.
fn corpus() -> Option<Vec<(String, String)>> {
    let path = corpus_path();
    let Ok(mut reader) = csv::Reader::from_path(&path) else {
        common::corpus_absent(&path);
        return None;
    };
    let headers = reader.headers().ok()?.clone();
    let id_column = headers.iter().position(|h| h == "ID")?;
    let text_column = headers.iter().position(|h| h == "Text_repaired")?;
    let rows = reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|record| {
            Some((
                record.get(id_column)?.to_owned(),
                record.get(text_column)?.to_owned(),
            ))
        })
        .collect();
    Some(rows)
}

fn document(text: &str) -> Document {
    Document {
        media_type: MediaType::Text,
        pages: 1,
        document_date: NaiveDate::from_ymd_opt(2021, 8, 8),
        text: text.to_owned(),
        page_starts: vec![],
        warnings: vec![],
    }
}

fn options() -> ParseOptions {
    ParseOptions {
        fallback_date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
    }
}

#[test]
fn every_corpus_text_parses() {
    let Some(rows) = corpus() else { return };
    assert_eq!(rows.len(), 2484);
    let parser = Parser::builtin();
    let mut without_positions = 0;
    for (id, text) in &rows {
        let profile = parser.parse(&document(text), &options());
        if profile.positions.is_empty() {
            without_positions += 1;
        }
        for position in &profile.positions {
            assert!(
                position.months.is_none_or(|m| m <= 12 * 80),
                "{id}: implausible months {position:?}"
            );
        }
        let e = &profile.experience;
        for category in Category::ALL {
            assert!(e.months(category) <= e.total_months, "{id}: {e:?}");
        }
        assert!(e.b2b_sales_months <= e.sales_months, "{id}: {e:?}");
    }
    // Almost every livecareer resume has dated positions.
    assert!(
        without_positions < rows.len() / 20,
        "{without_positions} without positions"
    );
}

/// Every fact keeps the words it came from; explanations find those words again in the text to
/// say where they are (line and page). Over the corpus, nearly every fact's words are found.
#[test]
fn facts_are_found_again_in_the_text_they_came_from() {
    use shortlist::score::quotes::DocumentLines;
    let Some(rows) = corpus() else { return };
    let parser = Parser::builtin();
    let (mut facts, mut found) = (0usize, 0usize);
    for (_, text) in rows.iter().step_by(5) {
        let document = document(text);
        let profile = parser.parse(&document, &options());
        let lines = DocumentLines::new(&document.text, &document.page_starts);
        let mut snippets: Vec<&str> = Vec::new();
        snippets.extend(profile.positions.iter().map(|p| p.evidence.text.as_str()));
        snippets.extend(profile.education.iter().map(|e| e.evidence.text.as_str()));
        snippets.extend(
            profile
                .skills
                .iter()
                .filter_map(|s| s.evidence.first())
                .map(|e| e.text.as_str()),
        );
        snippets.extend(profile.travel.evidence.as_deref());
        for snippet in snippets.into_iter().filter(|s| !s.trim().is_empty()) {
            facts += 1;
            found += usize::from(lines.locate(snippet).is_some());
        }
    }
    let share = found as f64 / facts as f64;
    println!(
        "facts located in their text: {found} of {facts} ({:.1}%)",
        share * 100.0
    );
    assert!(facts > 4_000, "{facts}");
    assert!(share >= 0.97, "{found} of {facts}");
}
