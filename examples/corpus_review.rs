//! Review aids over the whole corpus (`../shared/corpus/resumes_text.csv`), for people improving
//! the parser: profiles of chosen ids, corpus-wide counts, and one line per judgement to grep.
//! They assert nothing, so they are an example, not tests:
//!
//! ```sh
//! SHORTLIST_DUMP=123,456 cargo run --release --example corpus_review dump
//! cargo run --release --example corpus_review stats
//! cargo run --release --example corpus_review review > review.tsv
//! ```
//!
//! Never point them at the held-out resumes of `tests/golden/eval_split.csv`.

use std::path::PathBuf;

use chrono::NaiveDate;
use shortlist::extract::{Document, MediaType};
use shortlist::parse::{ParseOptions, Parser};
use shortlist::profile::{DegreeLevel, Profile, TravelStatus};

fn corpus() -> Vec<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/resumes_text.csv");
    let mut reader = csv::Reader::from_path(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let headers = reader.headers().expect("a header row").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect("a column");
    let (id_column, text_column) = (column("ID"), column("Text_repaired"));
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|record| {
            Some((
                record.get(id_column)?.to_owned(),
                record.get(text_column)?.to_owned(),
            ))
        })
        .collect()
}

fn document(text: &str) -> Document {
    Document {
        media_type: MediaType::Text,
        pages: 1,
        document_date: NaiveDate::from_ymd_opt(2021, 8, 8),
        text: text.to_owned(),
        page_starts: Vec::new(),
        warnings: Vec::new(),
    }
}

fn options() -> ParseOptions {
    ParseOptions {
        fallback_date: NaiveDate::from_ymd_opt(2021, 8, 8).unwrap_or_default(),
    }
}

fn parse_id(rows: &[(String, String)], id: &str) -> Profile {
    let text = &rows
        .iter()
        .find(|(i, _)| i == id)
        .unwrap_or_else(|| panic!("no resume {id}"))
        .1;
    Parser::builtin().parse(&document(text), &options())
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("dump") => dump(),
        Some("stats") => stats(),
        Some("review") => review(),
        Some("education") => education(),
        _ => eprintln!("usage: corpus_review dump|stats|review|education"),
    }
}

/// Prints the profiles of the ids in `SHORTLIST_DUMP` (comma-separated) as JSON: a development
/// aid, run with `SHORTLIST_DUMP=123,456 cargo run --release --example corpus_review dump`.
fn dump() {
    let Ok(ids) = std::env::var("SHORTLIST_DUMP") else {
        eprintln!("set SHORTLIST_DUMP to comma-separated ids");
        return;
    };
    let rows = corpus();
    for id in ids.split(',') {
        let profile = parse_id(&rows, id);
        println!(
            "== {id}\n{}",
            serde_json::to_string_pretty(&profile).unwrap_or_default()
        );
    }
}

/// Education entries whose evidence reads like another section (military service, awards):
/// `cargo run --example corpus_review education`.
fn education() {
    let rows = corpus();
    let parser = Parser::builtin();
    let odd = [
        "discharg",
        "military",
        "army",
        "navy",
        "honorabl",
        "award",
        "clearance",
    ];
    for (id, text) in &rows {
        let p = parser.parse(&document(text), &options());
        for e in &p.education {
            let lower = e.evidence.text.to_lowercase();
            if odd.iter().any(|w| lower.contains(w)) {
                println!("{id} {:?} {:?} | {}", e.level, e.degree, e.evidence.text);
            }
        }
    }
}

/// Corpus-wide figures for development: `cargo run --release --example corpus_review stats`.
fn stats() {
    let rows = corpus();
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

/// Lines for reviewing judgements across the corpus: `cargo run --release --example
/// corpus_review review`.
fn review() {
    let rows = corpus();
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
