//! Extraction speed over the corpus PDFs: ours single-threaded in this process, and pdftotext
//! spawned once per file as a user would run it, over the same files.
//!
//! Run: `cargo bench --bench extract` (corpus at `../shared/corpus`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use shortlist::extract::{Limits, extract};

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

    // Warm-up pass, then the timed passes.
    let mut chars = 0usize;
    for bytes in &inputs {
        chars += extract(bytes, None, &limits).map_or(0, |d| d.text.len());
    }
    let rounds = 5;
    let start = Instant::now();
    for _ in 0..rounds {
        for bytes in &inputs {
            chars += extract(bytes, None, &limits).map_or(0, |d| d.text.len());
        }
    }
    let ours = (inputs.len() * rounds) as f64 / start.elapsed().as_secs_f64();
    println!(
        "ours:      {ours:8.1} documents/s on one core ({} PDFs x {rounds}; {chars} bytes of text)",
        inputs.len()
    );

    let available = Command::new("pdftotext")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !available {
        println!("pdftotext: not installed, skipped (apt-get install poppler-utils)");
        return;
    }
    let start = Instant::now();
    for file in &files {
        let _ = Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(file)
            .arg("-")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let theirs = files.len() as f64 / start.elapsed().as_secs_f64();
    println!("pdftotext: {theirs:8.1} documents/s on one core (one process per file)");
    println!("ratio:     {:8.1}x", ours / theirs);
}
