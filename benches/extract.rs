//! Extraction speed over the corpus PDFs, side by side with poppler's `pdftotext`:
//!
//! - ours, extraction only, one thread, in this process;
//! - ours, extraction plus parsing into a profile, one thread (what an upload costs);
//! - `pdftotext` spawned once per file, as a user or a pipeline runs it, over the same files.
//!
//! Each figure is documents per second on one core; the ratios compare ours with pdftotext
//! measured in the same run. Run: `cargo bench --bench extract` (corpus at `../shared/corpus`;
//! pdftotext from Debian's `poppler-utils`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use chrono::NaiveDate;
use shortlist::extract::{Limits, extract};
use shortlist::parse::{ParseOptions, Parser};

/// Timed rounds; each figure is its best round.
const ROUNDS: usize = 3;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pdf");
    let mut files: Vec<PathBuf> = Vec::new();
    for category in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(category.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if file.path().extension().is_some_and(|e| e == "pdf") {
                files.push(file.path());
            }
        }
    }
    if files.is_empty() {
        eprintln!("skipped: no corpus PDFs under {}", dir.display());
        return;
    }
    files.sort();
    let inputs: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).unwrap_or_default())
        .collect();
    let limits = Limits::default();
    let parser = Parser::builtin();
    let options = ParseOptions {
        fallback_date: NaiveDate::from_ymd_opt(2021, 8, 8).unwrap_or_default(),
    };

    let available = Command::new("pdftotext")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();

    // Warm-up pass (page cache, allocator), then the timed rounds. Each round times the three
    // passes one after the other, so that the machine's state (frequency, other load) is shared
    // by all three, and each figure is the best of its rounds.
    let mut chars = 0usize;
    for bytes in &inputs {
        chars += extract(bytes, None, &limits).map_or(0, |d| d.text.len());
    }
    let mut positions = 0usize;
    let (mut extract_only, mut with_parsing, mut theirs) = (0f64, 0f64, 0f64);
    for _ in 0..ROUNDS {
        extract_only = extract_only.max(rate(inputs.len(), || {
            for bytes in &inputs {
                let text = extract(bytes, None, &limits).map_or(0, |d| d.text.len());
                std::hint::black_box(text);
            }
        }));
        with_parsing = with_parsing.max(rate(inputs.len(), || {
            positions = 0;
            for bytes in &inputs {
                if let Ok(document) = extract(bytes, None, &limits) {
                    positions += std::hint::black_box(parser.parse(&document, &options))
                        .positions
                        .len();
                }
            }
        }));
        if available {
            theirs = theirs.max(rate(files.len(), || {
                for file in &files {
                    let _ = Command::new("pdftotext")
                        .args(["-enc", "UTF-8"])
                        .arg(file)
                        .arg("-")
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .status();
                }
            }));
        }
    }
    println!(
        "{} corpus PDFs, {chars} bytes of text, {positions} positions; best of {ROUNDS} rounds",
        inputs.len()
    );
    println!("ours, extraction:           {extract_only:8.1} documents/s on one core");
    println!("ours, extraction + parsing: {with_parsing:8.1} documents/s on one core");
    if !available {
        println!("pdftotext: not installed, skipped (apt-get install poppler-utils)");
        return;
    }
    println!(
        "pdftotext:                  {theirs:8.1} documents/s on one core (one process per file)"
    );
    println!(
        "ratio, extraction:           {:6.1}x pdftotext",
        extract_only / theirs
    );
    println!(
        "ratio, extraction + parsing: {:6.1}x pdftotext",
        with_parsing / theirs
    );
}

/// Times one pass over `documents` files and returns its rate in documents per second.
fn rate(documents: usize, pass: impl FnOnce()) -> f64 {
    let start = Instant::now();
    pass();
    documents as f64 / start.elapsed().as_secs_f64()
}
