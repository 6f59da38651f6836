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
