//! The hand-labelled sets (`tests/golden/`): loading them, the month conventions, and running
//! Shortlist on their resumes end to end (the corpus PDF where there is one, else the text).
//! Only ids and labels live in the repository; resume text and PDFs are read from
//! `../shared/corpus` at run time.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use shortlist::engine::{Engine, Upload};
use shortlist::extract::{Document, Limits, MediaType};
use shortlist::parse::{ParseOptions, Parser};
use shortlist::profile::{PartialDate, Position, Profile};

/// Corpus PDFs are dated 2021-08-08: open-ended positions run to 2021-08.
pub const DOCUMENT_DATE: (i32, u32, u32) = (2021, 8, 8);

pub fn document_date() -> NaiveDate {
    let (y, m, d) = DOCUMENT_DATE;
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Split {
    Golden,
    Dev,
    HeldOut,
}

impl Split {
    pub fn name(self) -> &'static str {
        match self {
            Split::Golden => "golden",
            Split::Dev => "dev",
            Split::HeldOut => "held_out",
        }
    }
}

/// The five seed roles, in the order of the seeds.
pub const ROLES: [&str; 5] = [
    "senior-account-manager",
    "sales-account-manager",
    "senior-account-manager-b2b",
    "account-manager",
    "strategic-account-manager",
];

#[derive(Debug, Clone, Deserialize)]
pub struct LabelledPosition {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub employer: Option<String>,
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
    #[serde(default)]
    pub cats: Vec<String>,
}

/// A resume's labels, from either set (golden leaves out what it never recorded).
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledResume {
    pub id: String,
    pub category: String,
    pub highest_degree: String,
    /// Golden: `crm`; eval: `crm_generic`.
    #[serde(alias = "crm")]
    pub crm_generic: bool,
    /// Eval only.
    #[serde(default)]
    pub crm_tools: Option<Vec<String>>,
    pub excel: bool,
    #[serde(default)]
    pub office: Option<bool>,
    pub travel: String,
    #[serde(default)]
    pub languages: Option<Vec<String>>,
    #[serde(default)]
    pub certifications: Option<Vec<String>>,
    #[serde(default)]
    pub grades: BTreeMap<String, u8>,
    #[serde(default)]
    pub positions: Vec<LabelledPosition>,
    #[serde(skip, default = "golden_split")]
    pub split: Split,
    #[serde(skip)]
    pub pdf: bool,
}

fn golden_split() -> Split {
    Split::Golden
}

#[derive(Deserialize)]
struct File {
    resume: Vec<LabelledResume>,
}

pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

fn read_file(path: &Path) -> Vec<LabelledResume> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let file: File =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{} is not valid: {e}", path.display()));
    file.resume
}

pub fn golden() -> Vec<LabelledResume> {
    read_file(&golden_dir().join("golden.toml"))
}

/// id → (split, has a corpus PDF), from `eval_split.csv`.
pub fn eval_split() -> BTreeMap<String, (Split, bool)> {
    let path = golden_dir().join("eval_split.csv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let split = match fields[2] {
                "dev" => Split::Dev,
                "held_out" => Split::HeldOut,
                other => panic!("unknown split {other:?} in {}", path.display()),
            };
            (fields[0].to_owned(), (split, fields[3] == "yes"))
        })
        .collect()
}

/// Every eval resume, with its split, in id order.
pub fn eval() -> Vec<LabelledResume> {
    let split = eval_split();
    let mut resumes = Vec::new();
    let mut parts: Vec<PathBuf> = std::fs::read_dir(golden_dir().join("eval"))
        .expect("tests/golden/eval")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    parts.sort();
    for part in parts {
        resumes.extend(read_file(&part));
    }
    for resume in &mut resumes {
        let (s, pdf) = split
            .get(&resume.id)
            .unwrap_or_else(|| panic!("{} is labelled but not in eval_split.csv", resume.id));
        resume.split = *s;
        resume.pdf = *pdf;
    }
    resumes.sort_by(|a, b| a.id.cmp(&b.id));
    resumes
}

/// The second, blind labelling of 30 dev resumes (for agreement).
pub fn second() -> Vec<LabelledResume> {
    let mut resumes = read_file(&golden_dir().join("eval/second/part-1.toml"));
    resumes.sort_by(|a, b| a.id.cmp(&b.id));
    resumes
}

// ---------------------------------------------------------------------------------------------
// Months, by the conventions of the contract (the same as golden.toml's header): a position is
// the half-open month interval [start, end); a current one runs to 2021-08.

/// The half-open interval of a labelled position in months since year 0, or `None` without a
/// start (or without an end other than "current").
pub fn interval(start: Option<&str>, end: Option<&str>) -> Option<(i32, i32)> {
    let s: PartialDate = start?.parse().ok()?;
    let start_idx = s.month_index(1);
    let end_idx = match end? {
        "current" => {
            let (y, m, _) = DOCUMENT_DATE;
            y * 12 + (m as i32 - 1)
        }
        e => {
            let e: PartialDate = e.parse().ok()?;
            let idx = e.month_index(1);
            if e.month.is_none() && e.year == s.year {
                (e.year as i32 + 1) * 12
            } else if idx == start_idx {
                idx + 1
            } else {
                idx
            }
        }
    };
    Some((start_idx.min(end_idx), start_idx.max(end_idx)))
}

pub fn merged_months(intervals: &[(i32, i32)]) -> u32 {
    let mut sorted = intervals.to_vec();
    sorted.sort_unstable();
    let mut total = 0;
    let mut current: Option<(i32, i32)> = None;
    for (s, e) in sorted {
        current = match current {
            Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                Some((s, e))
            }
            None => Some((s, e)),
        };
    }
    if let Some((cs, ce)) = current {
        total += ce - cs;
    }
    total.max(0) as u32
}

/// Merged months of the positions with `category` (every position for `None`).
pub fn months(resume: &LabelledResume, category: Option<&str>) -> u32 {
    let intervals: Vec<(i32, i32)> = resume
        .positions
        .iter()
        .filter(|p| category.is_none_or(|c| p.cats.iter().any(|have| have == c)))
        .filter_map(|p| interval(p.start.as_deref(), p.end.as_deref()))
        .collect();
    merged_months(&intervals)
}

/// Within 3 months or 10%, whichever is larger.
pub fn months_ok(expected: u32, got: u32) -> bool {
    let diff = expected.abs_diff(got) as f64;
    diff <= 3.0 || diff <= 0.10 * expected as f64
}

// ---------------------------------------------------------------------------------------------
// Running Shortlist on the labelled resumes.

/// `Text_repaired` of the corpus resumes with these ids; `None` without the corpus.
pub fn corpus_texts(ids: &HashSet<&str>) -> Option<BTreeMap<String, String>> {
    let path = corpus_dir().join("resumes_text.csv");
    if !path.exists() {
        return None;
    }
    let mut reader = csv::Reader::from_path(&path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let headers = reader.headers().expect("a header row").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect("a column");
    let (id_col, text_col) = (col("ID"), col("Text_repaired"));
    let mut texts = BTreeMap::new();
    for record in reader.records() {
        let record = record.expect("a row");
        if let (Some(id), Some(text)) = (record.get(id_col), record.get(text_col))
            && ids.contains(id)
        {
            texts.insert(id.to_owned(), text.to_owned());
        }
    }
    Some(texts)
}

pub fn parse_text(parser: &Parser, text: &str) -> Profile {
    let document = Document {
        media_type: MediaType::Text,
        pages: 1,
        document_date: Some(document_date()),
        text: text.to_owned(),
        page_starts: Vec::new(),
        warnings: Vec::new(),
    };
    parser.parse(
        &document,
        &ParseOptions {
            fallback_date: document_date(),
        },
    )
}

/// The profile Shortlist makes of a labelled resume: from its corpus PDF end to end (extraction
/// included) where the resume has one, else from its text.
pub fn profile(
    parser: &Parser,
    resume: &LabelledResume,
    texts: &BTreeMap<String, String>,
) -> Profile {
    let (bytes, name) = original(resume, texts);
    if resume.pdf {
        let (profile, _) = Engine::parse_bytes(
            parser,
            &bytes,
            Some(name),
            Some(document_date()),
            &Limits::default(),
        )
        .unwrap_or_else(|e| panic!("{} ({name}): {e}", resume.id));
        return profile;
    }
    parse_text(parser, &String::from_utf8_lossy(&bytes))
}

/// What is uploaded for a labelled resume, with its file name: its corpus PDF where it has one,
/// else its text.
pub fn original(
    resume: &LabelledResume,
    texts: &BTreeMap<String, String>,
) -> (Vec<u8>, &'static str) {
    if resume.pdf {
        let path = corpus_dir()
            .join("pdf")
            .join(&resume.category)
            .join(format!("{}.pdf", resume.id));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return (bytes, "resume.pdf");
    }
    let text = texts
        .get(&resume.id)
        .unwrap_or_else(|| panic!("{} is not in the corpus text", resume.id));
    (text.as_bytes().to_vec(), "resume.txt")
}

/// Uploads every resume (its original, dated 2021-08-08, its id as external id) into `engine`
/// in batches of 32, and fails if one is refused.
pub fn ingest(engine: &Engine, resumes: &[LabelledResume], texts: &BTreeMap<String, String>) {
    let files: Vec<(Vec<u8>, &'static str)> = resumes.iter().map(|r| original(r, texts)).collect();
    for chunk in resumes.iter().zip(&files).collect::<Vec<_>>().chunks(32) {
        let uploads: Vec<Upload<'_>> = chunk
            .iter()
            .map(|(r, (bytes, name))| Upload {
                bytes,
                file_name: Some(name),
                external_id: Some(&r.id),
                document_date: Some(document_date()),
                batch_id: None,
                tenant: Default::default(),
            })
            .collect();
        let outcomes = engine.ingest_batch(&uploads).expect("a batch");
        for (outcome, (r, _)) in outcomes.iter().zip(chunk) {
            assert!(
                outcome.is_ok(),
                "{} was not ingested: {:?}",
                r.id,
                outcome.as_ref().err()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Positions: aligning labelled positions with parsed ones by title.

pub fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Share of the expected title's words found in the parsed title.
pub fn title_similarity(expected: &str, got: Option<&str>) -> f64 {
    let want = words(expected);
    let have: HashSet<String> = got.map(words).unwrap_or_default().into_iter().collect();
    if want.is_empty() {
        return 0.0;
    }
    want.iter().filter(|w| have.contains(*w)).count() as f64 / want.len() as f64
}

/// A parsed position is the counterpart of an expected one when at least this share of the
/// expected title's words appear in its title.
pub const TITLE_MATCH: f64 = 0.5;

/// Order-preserving alignment of expected to parsed positions that maximises title similarity
/// (a longest-common-subsequence over pairs similar enough). For each expected position, the
/// index of its parsed counterpart.
pub fn align(expected: &[LabelledPosition], got: &[Position]) -> Vec<Option<usize>> {
    let (n, m) = (expected.len(), got.len());
    let sim: Vec<Vec<f64>> = expected
        .iter()
        .map(|e| {
            got.iter()
                .map(|g| title_similarity(&e.title, g.title.as_deref()))
                .collect()
        })
        .collect();
    let mut best = vec![vec![0.0f64; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let mut b = best[i + 1][j].max(best[i][j + 1]);
            if sim[i][j] >= TITLE_MATCH {
                b = b.max(1.0 + sim[i][j] + best[i + 1][j + 1]);
            }
            best[i][j] = b;
        }
    }
    let mut out = vec![None; n];
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if sim[i][j] >= TITLE_MATCH
            && (best[i][j] - (1.0 + sim[i][j] + best[i + 1][j + 1])).abs() < 1e-9
        {
            out[i] = Some(j);
            i += 1;
            j += 1;
        } else if (best[i][j] - best[i + 1][j]).abs() < 1e-9 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

pub fn show_date(d: Option<PartialDate>) -> String {
    d.map_or_else(|| "none".to_owned(), |d| d.to_string())
}

/// A parsed position's end as labels write it.
pub fn end_label(position: &Position) -> String {
    if position.current && position.end.is_none() {
        "current".to_owned()
    } else {
        show_date(position.end)
    }
}
