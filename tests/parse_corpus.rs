//! The parser over the whole real-resume corpus (`../shared/corpus/resumes_text.csv`): every
//! text parses without a panic, and a handful of resumes whose facts were checked by hand give
//! those facts. Skips with a message when the corpus is absent.

use std::path::PathBuf;

use chrono::NaiveDate;
use shortlist::extract::{Document, MediaType};
use shortlist::parse::{ParseOptions, Parser};
use shortlist::profile::{Category, DegreeLevel, Profile, TravelStatus};

fn corpus_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/resumes_text.csv")
}

/// (id, text) of every corpus resume, or `None` when the corpus is not there.
fn corpus() -> Option<Vec<(String, String)>> {
    let path = corpus_path();
    let Ok(mut reader) = csv::Reader::from_path(&path) else {
        eprintln!("skipping: corpus not found at {}", path.display());
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

fn parse_id(rows: &[(String, String)], id: &str) -> Profile {
    let (_, text) = rows
        .iter()
        .find(|(row_id, _)| row_id == id)
        .unwrap_or_else(|| panic!("resume {id} is not in the corpus"));
    Parser::builtin().parse(&document(text), &options())
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

/// Prints the profiles of the ids in `SHORTLIST_DUMP` (comma-separated) as JSON: a development
/// aid, run with `SHORTLIST_DUMP=123,456 cargo test --test parse_corpus dump -- --nocapture`.
#[test]
fn dump() {
    let Ok(ids) = std::env::var("SHORTLIST_DUMP") else {
        return;
    };
    let Some(rows) = corpus() else { return };
    for id in ids.split(',') {
        let profile = parse_id(&rows, id);
        println!(
            "== {id}\n{}",
            serde_json::to_string_pretty(&profile).unwrap_or_default()
        );
    }
}

/// Corpus-wide figures for development: `SHORTLIST_STATS=1 cargo test --test parse_corpus stats -- --nocapture`.
#[test]
fn stats() {
    if std::env::var("SHORTLIST_STATS").is_err() {
        return;
    }
    let Some(rows) = corpus() else { return };
    let parser = Parser::builtin();
    let (mut no_pos, mut no_title, mut positions, mut no_edu, mut travel_yes, mut crm) =
        (0, 0, 0, 0, 0, 0);
    for (id, text) in &rows {
        let p = parser.parse(&document(text), &options());
        if p.positions.is_empty() {
            no_pos += 1;
            println!("NOPOS {id}");
        }
        positions += p.positions.len();
        for pos in &p.positions {
            if pos.title.is_none() {
                no_title += 1;
                println!("NOTITLE {id} {:?}", pos.evidence.text);
            }
        }
        if p.education.is_empty() {
            no_edu += 1;
        }
        if p.travel.status == TravelStatus::Yes {
            travel_yes += 1;
            println!("TRAVEL {id} {:?}", p.travel.evidence);
        }
        if p.skills.iter().any(|s| s.group == "crm") {
            crm += 1;
        }
        let _ = DegreeLevel::None;
    }
    println!(
        "resumes {} no_positions {no_pos} positions {positions} no_title {no_title} no_education {no_edu} travel_yes {travel_yes} crm {crm}",
        rows.len()
    );
}

/// Lines for reviewing judgements across the corpus: `SHORTLIST_REVIEW=1 cargo test --test
/// parse_corpus review -- --nocapture`.
#[test]
fn review() {
    if std::env::var("SHORTLIST_REVIEW").is_err() {
        return;
    }
    let Some(rows) = corpus() else { return };
    let parser = Parser::builtin();
    for (id, text) in &rows {
        let p = parser.parse(&document(text), &options());
        let crm: Vec<&str> = p
            .skills
            .iter()
            .filter(|s| s.group == "crm")
            .map(|s| s.name.as_str())
            .collect();
        println!(
            "PROFILE\t{id}\t{}\t{:?} {:?}\t{:?}\t{} {} {}",
            p.highest_degree.as_str(),
            p.travel.status,
            p.travel.evidence,
            crm,
            p.experience.total_months,
            p.experience.sales_months,
            p.experience.b2b_sales_months
        );
        for pos in &p.positions {
            let cats: Vec<&str> = pos.categories.iter().map(|c| c.as_str()).collect();
            println!(
                "POS\t{id}\t{}\t{}\t{:?}",
                pos.title.as_deref().unwrap_or("-"),
                cats.join(","),
                pos.category_evidence
                    .iter()
                    .map(|e| format!(
                        "{}={}",
                        e.category.as_str(),
                        e.evidence.text.chars().take(90).collect::<String>()
                    ))
                    .collect::<Vec<_>>()
            );
        }
        for skill in &p.skills {
            println!(
                "SKILL\t{id}\t{}\t{}\t{}",
                skill.name,
                skill.group,
                skill
                    .evidence
                    .first()
                    .map(|e| e.text.chars().take(120).collect::<String>())
                    .unwrap_or_default()
            );
        }
        for e in &p.education {
            println!(
                "EDU\t{id}\t{}\t{:?}\t{:?}\t{:?}\t{:?}\t{}\t{}",
                e.level.as_str(),
                e.degree,
                e.field,
                e.institution,
                e.year,
                e.completed,
                e.evidence
                    .text
                    .replace('\n', " / ")
                    .chars()
                    .take(120)
                    .collect::<String>()
            );
        }
    }
}
