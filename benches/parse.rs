//! Parsing speed on the real-resume corpus: every text of `../shared/corpus/resumes_text.csv`
//! parsed single-threaded, best of a few rounds, reported as resumes per second.
//!
//! Run: `cargo bench --bench parse` (release profile). The target is 2,000 resumes per second
//! per core.

use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use shortlist::extract::{Document, MediaType};
use shortlist::parse::{ParseOptions, Parser};

fn main() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/resumes_text.csv");
    let Ok(mut reader) = csv::Reader::from_path(&path) else {
        eprintln!("skipping: corpus not found at {}", path.display());
        return;
    };
    let Ok(headers) = reader.headers().cloned() else {
        eprintln!("skipping: the corpus has no header row");
        return;
    };
    let Some(text_column) = headers.iter().position(|h| h == "Text_repaired") else {
        eprintln!("skipping: the corpus has no Text_repaired column");
        return;
    };
    let documents: Vec<Document> = reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|record| record.get(text_column).map(str::to_owned))
        .map(|text| Document {
            media_type: MediaType::Text,
            pages: 1,
            document_date: NaiveDate::from_ymd_opt(2021, 8, 8),
            text,
            page_starts: vec![],
            warnings: vec![],
        })
        .collect();
    let options = ParseOptions {
        fallback_date: NaiveDate::from_ymd_opt(2021, 8, 8).unwrap_or_default(),
    };

    let started = Instant::now();
    let parser = Parser::builtin();
    // Readers are built on first use: build them all here, so that the rounds time parsing.
    parser.warm_up();
    println!(
        "parser build: {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );

    let bytes: usize = documents.iter().map(|d| d.text.len()).sum();
    let mut best = f64::MAX;
    let mut positions = 0;
    for round in 0..3 {
        let started = Instant::now();
        positions = 0;
        for document in &documents {
            let profile = parser.parse(document, &options);
            positions += std::hint::black_box(profile).positions.len();
        }
        let seconds = started.elapsed().as_secs_f64();
        best = best.min(seconds);
        println!(
            "round {round}: {} resumes in {:.3} s = {:.0} resumes/s",
            documents.len(),
            seconds,
            documents.len() as f64 / seconds
        );
    }
    println!(
        "best: {:.0} resumes/s single-threaded ({:.1} MB/s, {} resumes, {} positions)",
        documents.len() as f64 / best,
        bytes as f64 / best / 1e6,
        documents.len(),
        positions
    );
}
