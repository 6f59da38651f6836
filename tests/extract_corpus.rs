//! Extraction over the real-resume corpus (`../shared/corpus`): every PDF extracts (the blank
//! one fails clearly), and the text is compared word by word with pdftotext's output and, for the
//! INFORMATION-TECHNOLOGY PDFs, with the original text the PDFs were rendered from.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use shortlist::extract::{ExtractError, Limits, extract};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.join("pdf").is_dir() {
        Some(dir)
    } else {
        common::corpus_absent(&dir);
        None
    }
}

fn pdfs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for category in std::fs::read_dir(dir.join("pdf"))
        .into_iter()
        .flatten()
        .flatten()
    {
        for file in std::fs::read_dir(category.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if file.path().extension().is_some_and(|e| e == "pdf") {
                out.push(file.path());
            }
        }
    }
    out.sort();
    out
}

fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    // A small RFC 4180 reader: quoted fields with doubled quotes and embedded newlines.
    let data = std::fs::read_to_string(path).unwrap_or_default();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = data.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => row.push(std::mem::take(&mut field)),
                '\n' => {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                '\r' => {}
                c => field.push(c),
            }
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    let mut iter = rows.into_iter();
    let header = iter.next().unwrap_or_default();
    iter.map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

/// Word-level similarity: 2 * matched words / total words (difflib's ratio over word lists).
fn similarity(a: &str, b: &str) -> f64 {
    let wa: Vec<&str> = a.split_whitespace().collect();
    let wb: Vec<&str> = b.split_whitespace().collect();
    similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .timeout(std::time::Duration::from_secs(5))
        .diff_slices(&wa, &wb)
        .ratio() as f64
}

fn id_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn every_corpus_pdf_extracts_and_matches_pdftotext() {
    let Some(dir) = corpus() else { return };
    let texts: HashMap<String, String> = read_csv(&dir.join("resumes_text.csv"))
        .into_iter()
        .filter_map(|mut r| Some((r.remove("ID")?, r.remove("Text_pdftotext")?)))
        .collect();
    let dump = std::env::var("EXTRACT_DUMP").ok();
    let limits = Limits::default();
    let mut scores = Vec::new();
    let mut worst: Vec<(f64, String)> = Vec::new();
    for path in pdfs(&dir) {
        let bytes = std::fs::read(&path).unwrap_or_default();
        let id = id_of(&path);
        let result = extract(&bytes, path.to_str(), &limits);
        if id == "12632728" {
            assert!(
                matches!(
                    result,
                    Err(ExtractError::NoTextLayer | ExtractError::NoText)
                ),
                "the blank PDF must fail clearly, got {result:?}"
            );
            continue;
        }
        let doc = match result {
            Ok(doc) => doc,
            Err(e) => panic!("{} failed: {e}", path.display()),
        };
        if dump.as_deref() == Some(id.as_str()) {
            println!("{}", doc.text);
        }
        let reference = texts.get(&id).cloned().unwrap_or_default();
        // pdftotext keeps the mojibake; compare against it with the same repair applied.
        let (reference, _) = repair_like_ours(&reference);
        let score = similarity(&doc.text, &reference);
        worst.push((score, id));
        scores.push(score);
    }
    worst.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mean = scores.iter().sum::<f64>() / scores.len().max(1) as f64;
    eprintln!(
        "word similarity to pdftotext over {} PDFs: mean {mean:.4}",
        scores.len()
    );
    eprintln!("lowest: {:?}", worst.iter().take(5).collect::<Vec<_>>());
    assert_eq!(scores.len(), 387);
    assert!(mean > 0.97, "mean similarity {mean}");
}

/// pdftotext's text with the same mojibake repair our extractor applies (a round trip through
/// `extract` on the text itself).
fn repair_like_ours(text: &str) -> (String, ()) {
    let doc = extract(text.as_bytes(), Some("reference.txt"), &Limits::default());
    (doc.map(|d| d.text).unwrap_or_else(|_| text.to_owned()), ())
}

#[test]
fn information_technology_pdfs_match_the_original_text() {
    let Some(dir) = corpus() else { return };
    let originals = read_csv(&dir.join("original_csv_subset/Resume_INFORMATION-TECHNOLOGY.csv"));
    let limits = Limits::default();
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let pdftotext: HashMap<String, String> = read_csv(&dir.join("resumes_text.csv"))
        .into_iter()
        .filter_map(|mut r| Some((r.remove("ID")?, r.remove("Text_pdftotext")?)))
        .collect();
    let mut worst = Vec::new();
    for row in &originals {
        let (Some(id), Some(original)) = (row.get("ID"), row.get("Resume_str")) else {
            continue;
        };
        let path = dir
            .join("pdf/INFORMATION-TECHNOLOGY")
            .join(format!("{id}.pdf"));
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok(doc) = extract(&bytes, None, &limits) else {
            panic!("{id} failed");
        };
        let s = similarity(&doc.text, original);
        worst.push((s, id.clone()));
        ours.push(s);
        if let Some(p) = pdftotext.get(id) {
            theirs.push(similarity(&repair_like_ours(p).0, original));
        }
    }
    worst.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    eprintln!(
        "word similarity to the original Resume_str over {} IT PDFs: ours {:.5}, pdftotext (repaired) {:.5}",
        ours.len(),
        mean(&ours),
        mean(&theirs)
    );
    eprintln!("lowest: {:?}", worst.iter().take(5).collect::<Vec<_>>());
    assert_eq!(ours.len(), 117);
    // The target; today 0.99902. A layout change that reads these resumes worse fails
    // here.
    assert!(mean(&ours) >= 0.999, "mean similarity {}", mean(&ours));
}
