//! The golden set: corpus resumes whose facts were read and recorded by hand in
//! `tests/golden/golden.toml` (ids and expected values only, never resume text), measured against
//! the built-in parser on the plain `Text_repaired` of `../shared/corpus/resumes_text.csv`.
//!
//! The expected values are an independent truth: they were written from reading the resumes, not
//! from the parser's output. The month conventions are written at the top of the data file and
//! are checked here against the recorded positions (`golden_data_is_consistent`), so that a slip
//! of arithmetic in the data cannot pass as a parser error.
//!
//! Run `cargo test --test golden_set -- --nocapture` to see the figures table on a passing run;
//! on a failing run the table and every miss are printed before the assertion.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use shortlist::extract::{Document, MediaType};
use shortlist::parse::{ParseOptions, Parser};
use shortlist::profile::{PartialDate, Position, Profile, TravelStatus};

/// Corpus PDFs are dated 2021-08-08: open-ended positions run to 2021-08.
const DOCUMENT_DATE: (i32, u32, u32) = (2021, 8, 8);

/// Targets from the acceptance issue: the table reports each figure against them.
const FLAG_TARGET: f64 = 0.97;
const MONTHS_TARGET: f64 = 0.95;
const DATES_TARGET: f64 = 0.95;

/// Floors the test asserts: what the parser reaches today, just under the measured rate, so that
/// a change making any figure worse fails here. Raise a floor when a figure improves; never lower
/// one to make a change pass. Where a floor is below its target, the target is not yet met, and
/// the table says so.
const FLOORS: [(&str, f64); 8] = [
    ("highest_degree", 0.98),
    ("crm", 0.99),
    ("excel", 0.97),
    ("travel", 0.98),
    ("total_months", 0.99),
    ("sales_months", 0.96),
    ("b2b_sales_months", 0.95),
    ("dates", 0.97),
];

/// A parsed position is the counterpart of an expected one when at least this share of the
/// expected title's words appear in its title.
const TITLE_MATCH: f64 = 0.5;

#[derive(Debug, Deserialize)]
struct Golden {
    resume: Vec<GoldenResume>,
}

#[derive(Debug, Deserialize)]
struct GoldenResume {
    id: String,
    category: String,
    highest_degree: String,
    crm: bool,
    #[allow(dead_code)] // kept in the data for people checking it
    #[serde(default)]
    crm_evidence: String,
    excel: bool,
    #[allow(dead_code)]
    #[serde(default)]
    excel_evidence: String,
    travel: String,
    #[allow(dead_code)]
    #[serde(default)]
    travel_evidence: String,
    total_months: u32,
    sales_months: u32,
    b2b_sales_months: u32,
    #[allow(dead_code)]
    #[serde(default)]
    note: String,
    #[serde(default)]
    positions: Vec<GoldenPosition>,
}

#[derive(Debug, Deserialize)]
struct GoldenPosition {
    title: String,
    /// "YYYY-MM" or "YYYY"; absent when the resume gives no date.
    #[serde(default)]
    start: Option<String>,
    /// As `start`, or "current".
    #[serde(default)]
    end: Option<String>,
    /// `sales` and/or `b2b_sales`, as judged by reading the job's description.
    #[serde(default)]
    cats: Vec<String>,
}

fn golden_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/golden.toml")
}

fn corpus_csv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/resumes_text.csv")
}

fn load_golden() -> Golden {
    let path = golden_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{} is not valid: {e}", path.display()))
}

fn document_date() -> NaiveDate {
    let (y, m, d) = DOCUMENT_DATE;
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Month arithmetic by the conventions written at the top of golden.toml.

/// Half-open month interval [start, end) in months since year 0, or `None` without a start.
fn interval(start: Option<&str>, end: Option<&str>) -> Result<Option<(i32, i32)>, String> {
    let Some(start) = start else { return Ok(None) };
    let s: PartialDate = start.parse()?;
    let start_idx = s.month_index(1);
    let end_idx = match end {
        None => return Err(format!("position starting {start} has no end")),
        Some("current") => {
            let (y, m, _) = DOCUMENT_DATE;
            y * 12 + (m as i32 - 1)
        }
        Some(e) => {
            let e: PartialDate = e.parse()?;
            let idx = e.month_index(1);
            if e.month.is_none() && e.year == s.year {
                // "2015 to 2015", or "06/2015 to 2015": runs to the end of that year.
                (e.year as i32 + 1) * 12
            } else if idx == start_idx {
                // "06/2015 to 06/2015": one month.
                idx + 1
            } else {
                idx
            }
        }
    };
    // "09/2008 to 04/2005": a range written backwards counts as the span between the dates.
    Ok(Some((start_idx.min(end_idx), start_idx.max(end_idx))))
}

fn merged_months(intervals: &[(i32, i32)]) -> u32 {
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

/// (total, sales, b2b_sales) merged months from the recorded positions.
fn months_from_positions(resume: &GoldenResume) -> Result<(u32, u32, u32), String> {
    let mut all = Vec::new();
    let mut sales = Vec::new();
    let mut b2b = Vec::new();
    for p in &resume.positions {
        for c in &p.cats {
            if c != "sales" && c != "b2b_sales" {
                return Err(format!("unknown category {c:?} on {:?}", p.title));
            }
        }
        if p.cats.iter().any(|c| c == "b2b_sales") && !p.cats.iter().any(|c| c == "sales") {
            return Err(format!("{:?} is b2b_sales without sales", p.title));
        }
        if let Some(iv) = interval(p.start.as_deref(), p.end.as_deref())? {
            all.push(iv);
            if p.cats.iter().any(|c| c == "sales") {
                sales.push(iv);
            }
            if p.cats.iter().any(|c| c == "b2b_sales") {
                b2b.push(iv);
            }
        }
    }
    Ok((
        merged_months(&all),
        merged_months(&sales),
        merged_months(&b2b),
    ))
}

#[test]
fn golden_data_is_consistent() {
    let golden = load_golden();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for r in &golden.resume {
        if !seen.insert(r.id.as_str()) {
            problems.push(format!("{}: listed twice", r.id));
        }
        if r.highest_degree
            .parse::<shortlist::profile::DegreeLevel>()
            .is_err()
        {
            problems.push(format!(
                "{}: bad highest_degree {:?}",
                r.id, r.highest_degree
            ));
        }
        if !["yes", "no", "unknown"].contains(&r.travel.as_str()) {
            problems.push(format!("{}: bad travel {:?}", r.id, r.travel));
        }
        match months_from_positions(r) {
            Ok((total, sales, b2b)) => {
                let recorded = (r.total_months, r.sales_months, r.b2b_sales_months);
                if recorded != (total, sales, b2b) {
                    problems.push(format!(
                        "{}: recorded (total, sales, b2b) {recorded:?} but positions give {:?}",
                        r.id,
                        (total, sales, b2b)
                    ));
                }
            }
            Err(e) => problems.push(format!("{}: {e}", r.id)),
        }
    }
    assert!(
        golden.resume.len() >= 45,
        "the golden set should hold at least 45 resumes, it holds {}",
        golden.resume.len()
    );
    assert!(
        problems.is_empty(),
        "golden data problems:\n{}",
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Measuring the parser.

fn load_texts(ids: &HashSet<&str>) -> Option<BTreeMap<String, String>> {
    let path = corpus_csv();
    if !path.exists() {
        return None;
    }
    let mut reader = csv::Reader::from_path(&path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let headers = reader
        .headers()
        .unwrap_or_else(|e| panic!("cannot read the header of {}: {e}", path.display()))
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{} has no column {name}", path.display()))
    };
    let (id_col, text_col) = (col("ID"), col("Text_repaired"));
    let mut texts = BTreeMap::new();
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| panic!("bad row in {}: {e}", path.display()));
        if let (Some(id), Some(text)) = (record.get(id_col), record.get(text_col))
            && ids.contains(id)
        {
            texts.insert(id.to_owned(), text.to_owned());
        }
    }
    Some(texts)
}

fn parse(text: &str) -> Profile {
    let doc = Document {
        media_type: MediaType::Text,
        pages: 1,
        document_date: Some(document_date()),
        text: text.to_owned(),
        page_starts: Vec::new(),
        warnings: Vec::new(),
    };
    Parser::builtin().parse(
        &doc,
        &ParseOptions {
            fallback_date: document_date(),
        },
    )
}

fn travel_str(status: TravelStatus) -> &'static str {
    match status {
        TravelStatus::Yes => "yes",
        TravelStatus::No => "no",
        TravelStatus::Unknown => "unknown",
    }
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Share of the expected title's words found in the parsed title.
fn title_similarity(expected: &str, got: Option<&str>) -> f64 {
    let want = words(expected);
    let have: HashSet<String> = got.map(words).unwrap_or_default().into_iter().collect();
    if want.is_empty() {
        return 0.0;
    }
    let found = want.iter().filter(|w| have.contains(*w)).count();
    found as f64 / want.len() as f64
}

/// Order-preserving alignment of expected to parsed positions that maximises title similarity
/// (a longest-common-subsequence over pairs similar enough). Returns, for each expected
/// position, the index of its parsed counterpart.
fn align(expected: &[GoldenPosition], got: &[Position]) -> Vec<Option<usize>> {
    let (n, m) = (expected.len(), got.len());
    let sim: Vec<Vec<f64>> = expected
        .iter()
        .map(|e| {
            got.iter()
                .map(|g| title_similarity(&e.title, g.title.as_deref()))
                .collect()
        })
        .collect();
    // best[i][j]: best score aligning expected[i..] with got[j..].
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

fn show_date(d: Option<PartialDate>) -> String {
    d.map_or_else(|| "none".to_owned(), |d| d.to_string())
}

fn months_ok(expected: u32, got: u32) -> bool {
    let diff = expected.abs_diff(got) as f64;
    diff <= 3.0 || diff <= 0.10 * expected as f64
}

#[derive(Default)]
struct Tally {
    right: usize,
    total: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        if ok {
            self.right += 1;
        }
    }
    fn rate(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.right as f64 / self.total as f64
        }
    }
}

#[test]
fn parser_holds_the_golden_set_floors() {
    let golden = load_golden();
    let ids: HashSet<&str> = golden.resume.iter().map(|r| r.id.as_str()).collect();
    let Some(texts) = load_texts(&ids) else {
        eprintln!(
            "golden_set: corpus not found at {}; skipping the golden-set measurement",
            corpus_csv().display()
        );
        return;
    };
    let absent: Vec<&str> = golden
        .resume
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| !texts.contains_key(*id))
        .collect();
    assert!(
        absent.is_empty(),
        "golden ids missing from the corpus: {absent:?}"
    );

    let mut figures: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut misses: Vec<(String, String, String, String)> = Vec::new();
    let mut miss = |id: &str, field: &str, want: String, got: String| {
        misses.push((id.to_owned(), field.to_owned(), want, got));
    };

    for r in &golden.resume {
        let Some(text) = texts.get(&r.id) else {
            continue;
        };
        let p = parse(text);
        let id = format!("{} {}", r.id, r.category);

        let got_degree = p.highest_degree.as_str();
        let ok = got_degree == r.highest_degree;
        figures.entry("highest_degree").or_default().add(ok);
        if !ok {
            miss(
                &id,
                "highest_degree",
                r.highest_degree.clone(),
                got_degree.into(),
            );
        }

        let crm: Vec<&str> = p
            .skills
            .iter()
            .filter(|s| s.group == "crm")
            .map(|s| s.name.as_str())
            .collect();
        let ok = crm.is_empty() != r.crm;
        figures.entry("crm").or_default().add(ok);
        if !ok {
            miss(&id, "crm", r.crm.to_string(), format!("{crm:?}"));
        }

        let excel = p.skills.iter().any(|s| s.name == "Microsoft Excel");
        let ok = excel == r.excel;
        figures.entry("excel").or_default().add(ok);
        if !ok {
            miss(&id, "excel", r.excel.to_string(), excel.to_string());
        }

        let travel = travel_str(p.travel.status);
        let ok = travel == r.travel;
        figures.entry("travel").or_default().add(ok);
        if !ok {
            let got = format!("{travel} ({})", p.travel.evidence.as_deref().unwrap_or(""));
            miss(&id, "travel", r.travel.clone(), got);
        }

        for (field, want, got) in [
            ("total_months", r.total_months, p.experience.total_months),
            ("sales_months", r.sales_months, p.experience.sales_months),
            (
                "b2b_sales_months",
                r.b2b_sales_months,
                p.experience.b2b_sales_months,
            ),
        ] {
            let ok = months_ok(want, got);
            figures.entry(field).or_default().add(ok);
            if !ok {
                miss(&id, field, want.to_string(), got.to_string());
            }
        }

        // Positions the resume gives no dates or no title for are aligned (they hold their
        // place in the order) but not scored.
        let aligned = align(&r.positions, &p.positions);
        let mut all_dates_right = true;
        for (k, (want, slot)) in r.positions.iter().zip(&aligned).enumerate() {
            if (want.start.is_none() && want.end.is_none()) || words(&want.title).is_empty() {
                // Undated, or untitled (nothing to match it by): counted in the months only.
                continue;
            }
            let field = format!("position {} {:?}", k + 1, want.title);
            let Some(g) = slot.and_then(|j| p.positions.get(j)) else {
                figures.entry("dates").or_default().add(false);
                figures.entry("dates").or_default().add(false);
                figures.entry("positions_found").or_default().add(false);
                all_dates_right = false;
                let want_dates = format!(
                    "{}..{}",
                    want.start.as_deref().unwrap_or("none"),
                    want.end.as_deref().unwrap_or("none")
                );
                miss(&id, &field, want_dates, "no matching position".into());
                continue;
            };
            figures.entry("positions_found").or_default().add(true);
            let want_start = want.start.as_deref().unwrap_or("none");
            let got_start = show_date(g.start);
            let ok = want_start == got_start;
            figures.entry("dates").or_default().add(ok);
            all_dates_right &= ok;
            if !ok {
                miss(&id, &format!("{field} start"), want_start.into(), got_start);
            }
            let want_end = want.end.as_deref().unwrap_or("none");
            let got_end = if g.current && g.end.is_none() {
                "current".to_owned()
            } else {
                show_date(g.end)
            };
            let ok = want_end == got_end;
            figures.entry("dates").or_default().add(ok);
            all_dates_right &= ok;
            if !ok {
                miss(&id, &format!("{field} end"), want_end.into(), got_end);
            }
        }
        if r.positions
            .iter()
            .any(|w| w.start.is_some() && !words(&w.title).is_empty())
        {
            figures
                .entry("resumes_all_dates_exact")
                .or_default()
                .add(all_dates_right);
        }
    }

    let targets: [(&str, f64); 8] = [
        ("highest_degree", FLAG_TARGET),
        ("crm", FLAG_TARGET),
        ("excel", FLAG_TARGET),
        ("travel", FLAG_TARGET),
        ("total_months", MONTHS_TARGET),
        ("sales_months", MONTHS_TARGET),
        ("b2b_sales_months", MONTHS_TARGET),
        ("dates", DATES_TARGET),
    ];
    let mut report = String::new();
    let _ = writeln!(report, "misses ({}):", misses.len());
    let _ = writeln!(
        report,
        "{:<32} {:<44} {:<20} got",
        "resume", "field", "expected"
    );
    for (id, field, want, got) in &misses {
        let _ = writeln!(report, "{id:<32} {field:<44} {want:<20} {got}");
    }
    let _ = writeln!(report);
    let _ = writeln!(
        report,
        "golden set: {} resumes, document date {}",
        golden.resume.len(),
        document_date()
    );
    let _ = writeln!(
        report,
        "{:<24} {:>7} {:>7} {:>8} {:>7} {:>7}  result",
        "figure", "right", "of", "rate", "floor", "target"
    );
    let percent =
        |t: Option<f64>| t.map_or_else(|| "-".to_owned(), |t| format!("{:.0}%", 100.0 * t));
    let mut failed = Vec::new();
    for (name, tally) in &figures {
        let floor = FLOORS.iter().find(|(n, _)| n == name).map(|(_, t)| *t);
        let target = targets.iter().find(|(n, _)| n == name).map(|(_, t)| *t);
        let above_floor = floor.is_none_or(|t| tally.rate() >= t);
        if !above_floor {
            failed.push(*name);
        }
        let _ = writeln!(
            report,
            "{:<24} {:>7} {:>7} {:>7.1}% {:>7} {:>7}  {}",
            name,
            tally.right,
            tally.total,
            100.0 * tally.rate(),
            percent(floor),
            percent(target),
            match (above_floor, target) {
                (false, _) => "FAIL: below floor",
                (true, None) => "(info)",
                (true, Some(t)) if tally.rate() >= t => "target met",
                (true, Some(_)) => "below target",
            }
        );
    }
    println!("{report}");

    assert!(
        failed.is_empty(),
        "golden set below its floor on {failed:?} (table and misses above)"
    );
}
