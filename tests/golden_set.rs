//! Profile accuracy on resumes labelled by hand (`tests/golden/`, see its README): the golden
//! set (63 resumes, read while the rules were written: memory), and the eval set (312 resumes
//! labelled blind, split before any rule work into `dev`, read freely, and `held_out`, of which
//! only aggregate figures are ever printed).
//!
//! `cargo test --release --test golden_set -- --nocapture` prints every field for golden, dev and
//! held-out side by side, the misses of golden and dev (never held-out's), and the agreement of
//! the two labellers on the 30 doubly labelled resumes. Eval resumes are read from their corpus
//! PDF end to end where the corpus has one, else from their text; golden from its text.
//!
//! The labels are an independent truth: written from reading the resumes, never from the
//! parser's output. The golden set's recorded month totals are checked against its positions
//! (`golden_data_is_consistent`), so that a slip of arithmetic cannot pass as a parser error.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;

use common::labels::{self, LabelledPosition, LabelledResume, Split};
use serde::Deserialize;
use shortlist::parse::Parser;
use shortlist::parse::taxonomy::Taxonomy;
use shortlist::profile::{Profile, TravelStatus};

/// Targets from the acceptance issues: the table reports each figure against them.
const TARGETS: [(&str, f64); 13] = [
    ("highest_degree", 0.97),
    ("crm_mentioned", 0.97),
    ("crm_products_f1", 0.95),
    ("excel", 0.97),
    ("travel", 0.97),
    ("total_months", 0.95),
    ("sales_months", 0.95),
    ("b2b_sales_months", 0.95),
    ("account_management_months", 0.95),
    ("people_management_months", 0.95),
    ("dates_f1", 0.97),
    ("dates", 0.95),
    ("office", 0.97),
];

/// Floors the tests assert: what the parser reaches today, just under the measured rate, so
/// that a change making any figure worse fails here. Raise a floor when a figure improves;
/// never lower one to make a change pass. Where a floor is below its target, the target is not
/// met, and the table says so.
const GOLDEN_FLOORS: [(&str, f64); 8] = [
    ("highest_degree", 0.99),
    ("crm_mentioned", 0.99),
    ("excel", 0.97),
    // Re-based on 2026-12-07: the contract's travel definition grew (trade shows, field
    // territories, visits, business across countries) and the travel rules follow it; five
    // golden labels were relabelled for it, and the golden set's older, narrower reading of
    // the rest still differs on a few resumes (see the misses). Held-out travel rose from 74%
    // to 84% with the same change.
    ("travel", 0.95),
    ("total_months", 0.99),
    ("sales_months", 0.96),
    ("b2b_sales_months", 0.95),
    ("dates", 0.97),
];

/// Held-out floors: set from held-out aggregates only, a little under what was measured.
const HELD_OUT_FLOORS: [(&str, f64); 10] = [
    // 78.9% -> 84.3% on 2026-12-07: "B.S : Field" and schools listed without a degree word
    // (the labelling guide's conventions), found on dev.
    ("highest_degree", 0.82),
    ("crm_mentioned", 0.94),
    ("excel", 0.97),
    ("travel", 0.80),
    ("total_months", 0.92),
    ("sales_months", 0.80),
    ("b2b_sales_months", 0.86),
    ("account_management_months", 0.80),
    ("people_management_months", 0.60),
    ("dates_f1", 0.90),
];

// ---------------------------------------------------------------------------------------------
// The golden file's own consistency: its recorded month totals against its positions.

#[derive(Deserialize)]
struct GoldenFile {
    resume: Vec<GoldenRecord>,
}

#[derive(Deserialize)]
struct GoldenRecord {
    id: String,
    highest_degree: String,
    travel: String,
    total_months: u32,
    sales_months: u32,
    b2b_sales_months: u32,
    #[serde(default)]
    positions: Vec<LabelledPosition>,
}

#[test]
fn golden_data_is_consistent() {
    let path = labels::golden_dir().join("golden.toml");
    let file: GoldenFile = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for r in &file.resume {
        if !seen.insert(r.id.as_str()) {
            problems.push(format!("{}: listed twice", r.id));
        }
        problems.extend(check_common(
            &r.id,
            &r.highest_degree,
            &r.travel,
            &r.positions,
            &["sales", "b2b_sales"],
        ));
        let as_labelled = LabelledResume {
            id: r.id.clone(),
            category: String::new(),
            highest_degree: r.highest_degree.clone(),
            crm_generic: false,
            crm_tools: None,
            excel: false,
            office: None,
            travel: r.travel.clone(),
            languages: None,
            certifications: None,
            grades: BTreeMap::new(),
            positions: r.positions.clone(),
            split: Split::Golden,
            pdf: false,
        };
        let computed = (
            labels::months(&as_labelled, None),
            labels::months(&as_labelled, Some("sales")),
            labels::months(&as_labelled, Some("b2b_sales")),
        );
        let recorded = (r.total_months, r.sales_months, r.b2b_sales_months);
        if recorded != computed {
            problems.push(format!(
                "{}: recorded (total, sales, b2b) {recorded:?} but positions give {computed:?}",
                r.id
            ));
        }
    }
    assert!(
        file.resume.len() >= 45,
        "the golden set holds {}",
        file.resume.len()
    );
    assert!(
        problems.is_empty(),
        "golden data problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn eval_data_is_consistent() {
    let split = labels::eval_split();
    let eval = labels::eval();
    let mut problems = Vec::new();
    let ids: BTreeSet<&str> = eval.iter().map(|r| r.id.as_str()).collect();
    if ids.len() != eval.len() {
        problems.push("an id is labelled twice".to_owned());
    }
    if ids.len() != split.len() {
        problems.push(format!(
            "{} labelled of {} in the split",
            ids.len(),
            split.len()
        ));
    }
    let cats = [
        "sales",
        "b2b_sales",
        "account_management",
        "people_management",
    ];
    for r in eval.iter().chain(labels::second().iter()) {
        problems.extend(check_common(
            &r.id,
            &r.highest_degree,
            &r.travel,
            &r.positions,
            &cats,
        ));
        let grades: BTreeSet<&str> = r.grades.keys().map(String::as_str).collect();
        if grades != labels::ROLES.into_iter().collect() || r.grades.values().any(|g| *g > 3) {
            problems.push(format!("{}: grades {:?}", r.id, r.grades));
        }
        if r.crm_tools.as_ref().is_some_and(|t| !t.is_empty()) && !r.crm_generic {
            problems.push(format!(
                "{}: a CRM product named but crm_generic false",
                r.id
            ));
        }
    }
    let held_out = eval.iter().filter(|r| r.split == Split::HeldOut).count();
    assert!(
        eval.len() >= 300 && held_out >= 150,
        "{} labelled, {held_out} held out",
        eval.len()
    );
    assert!(
        problems.is_empty(),
        "eval data problems:\n{}",
        problems.join("\n")
    );
}

fn check_common(
    id: &str,
    degree: &str,
    travel: &str,
    positions: &[LabelledPosition],
    cats: &[&str],
) -> Vec<String> {
    let mut problems = Vec::new();
    if degree.parse::<shortlist::profile::DegreeLevel>().is_err() {
        problems.push(format!("{id}: bad highest_degree {degree:?}"));
    }
    if !["yes", "no", "unknown"].contains(&travel) {
        problems.push(format!("{id}: bad travel {travel:?}"));
    }
    for p in positions {
        if let Some(c) = p.cats.iter().find(|c| !cats.contains(&c.as_str())) {
            problems.push(format!("{id}: unknown category {c:?} on {:?}", p.title));
        }
        if p.cats.iter().any(|c| c == "b2b_sales") && !p.cats.iter().any(|c| c == "sales") {
            problems.push(format!("{id}: {:?} is b2b_sales without sales", p.title));
        }
        if p.start.is_some() && p.end.is_none() {
            problems.push(format!("{id}: {:?} has a start and no end", p.title));
        }
        for date in [&p.start, &p.end].into_iter().flatten() {
            if date != "current" && date.parse::<shortlist::profile::PartialDate>().is_err() {
                problems.push(format!("{id}: bad date {date:?} on {:?}", p.title));
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// Figures.

#[derive(Default, Clone, Copy)]
struct Tally {
    right: usize,
    total: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.right += usize::from(ok);
    }
    fn rate(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.right as f64 / self.total as f64
        }
    }
}

/// Counts for an F1 figure, summed over resumes (micro-averaged).
#[derive(Default, Clone, Copy)]
struct F1 {
    true_positives: usize,
    expected: usize,
    found: usize,
}

impl F1 {
    fn add(&mut self, expected: &BTreeSet<String>, found: &BTreeSet<String>) {
        self.true_positives += expected.intersection(found).count();
        self.expected += expected.len();
        self.found += found.len();
    }
    fn score(&self) -> f64 {
        if self.expected + self.found == 0 {
            return 1.0;
        }
        2.0 * self.true_positives as f64 / (self.expected + self.found) as f64
    }
}

#[derive(Default)]
struct Figures {
    rates: BTreeMap<&'static str, Tally>,
    f1: BTreeMap<&'static str, F1>,
    resumes: usize,
    misses: Vec<String>,
}

impl Figures {
    fn value(&self, name: &str) -> Option<(f64, String)> {
        if let Some(t) = self.rates.get(name) {
            return Some((
                t.rate(),
                format!("{:.1}% ({}/{})", 100.0 * t.rate(), t.right, t.total),
            ));
        }
        self.f1.get(name).map(|f| {
            (
                f.score(),
                format!(
                    "{:.3} ({}/{}/{})",
                    f.score(),
                    f.true_positives,
                    f.expected,
                    f.found
                ),
            )
        })
    }
}

/// Canonical names through the taxonomy ("Sales Force" → "Salesforce"), lowercased; a name the
/// taxonomy does not know is kept as written, so that it counts as missed.
fn canonical(taxonomy: &Taxonomy, name: &str) -> String {
    let trimmed = name.trim();
    taxonomy
        .find_skills(trimmed)
        .into_iter()
        .find(|hit| hit.start == 0 && hit.end == trimmed.len())
        .map(|hit| taxonomy.skills[hit.entry].name.clone())
        .unwrap_or_else(|| trimmed.to_owned())
        .to_lowercase()
}

fn travel_str(status: TravelStatus) -> &'static str {
    match status {
        TravelStatus::Yes => "yes",
        TravelStatus::No => "no",
        TravelStatus::Unknown => "unknown",
    }
}

/// Compares one resume's labels with its profile, adding to `figures`; `misses` says whether
/// the per-resume misses may be recorded (never for held-out).
fn compare(
    taxonomy: &Taxonomy,
    r: &LabelledResume,
    p: &Profile,
    figures: &mut Figures,
    misses: bool,
) {
    let id = format!("{} {}", r.id, r.category);
    let mut miss = |field: &str, want: String, got: String| {
        if misses {
            figures
                .misses
                .push(format!("{id:<30} {field:<44} {want:<22} {got}"));
        }
    };
    let mut rates: Vec<(&'static str, bool)> = Vec::new();
    figures.resumes += 1;

    let degree = p.highest_degree.as_str();
    rates.push(("highest_degree", degree == r.highest_degree));
    if degree != r.highest_degree {
        miss("highest_degree", r.highest_degree.clone(), degree.into());
    }
    let crm: BTreeSet<String> = p
        .skills
        .iter()
        .filter(|s| s.group == "crm")
        .map(|s| s.name.to_lowercase())
        .collect();
    rates.push(("crm_mentioned", crm.is_empty() != r.crm_generic));
    if crm.is_empty() == r.crm_generic {
        miss(
            "crm_mentioned",
            r.crm_generic.to_string(),
            format!("{crm:?}"),
        );
    }
    if let Some(tools) = &r.crm_tools {
        let expected: BTreeSet<String> = tools.iter().map(|t| canonical(taxonomy, t)).collect();
        let found: BTreeSet<String> = crm.iter().filter(|n| *n != "crm").cloned().collect();
        figures
            .f1
            .entry("crm_products_f1")
            .or_default()
            .add(&expected, &found);
        if expected != found {
            miss(
                "crm_products",
                format!("{expected:?}"),
                format!("{found:?}"),
            );
        }
    }
    let excel = p.skills.iter().any(|s| s.name == "Microsoft Excel");
    rates.push(("excel", excel == r.excel));
    if excel != r.excel {
        miss("excel", r.excel.to_string(), excel.to_string());
    }
    if let Some(office) = r.office {
        let got = p.skills.iter().any(|s| s.group == "office");
        rates.push(("office", got == office));
        if got != office {
            miss("office", office.to_string(), got.to_string());
        }
    }
    let travel = travel_str(p.travel.status);
    rates.push(("travel", travel == r.travel));
    if travel != r.travel {
        miss(
            "travel",
            r.travel.clone(),
            format!("{travel} ({})", p.travel.evidence.as_deref().unwrap_or("")),
        );
    }

    let mut month_fields: Vec<(&'static str, Option<&str>, u32)> = vec![
        ("total_months", None, p.experience.total_months),
        ("sales_months", Some("sales"), p.experience.sales_months),
        (
            "b2b_sales_months",
            Some("b2b_sales"),
            p.experience.b2b_sales_months,
        ),
    ];
    if r.split != Split::Golden {
        month_fields.push((
            "account_management_months",
            Some("account_management"),
            p.experience.account_management_months,
        ));
        month_fields.push((
            "people_management_months",
            Some("people_management"),
            p.experience.people_management_months,
        ));
    }
    for (field, category, got) in month_fields {
        let want = labels::months(r, category);
        let ok = labels::months_ok(want, got);
        rates.push((field, ok));
        if !ok {
            miss(field, want.to_string(), got.to_string());
        }
    }

    if let Some(languages) = &r.languages {
        let expected: BTreeSet<String> =
            languages.iter().map(|l| l.trim().to_lowercase()).collect();
        let found: BTreeSet<String> = p.languages.iter().map(|l| l.name.to_lowercase()).collect();
        figures
            .f1
            .entry("languages_f1")
            .or_default()
            .add(&expected, &found);
    }
    if let Some(certifications) = &r.certifications {
        let expected: BTreeSet<String> = certifications
            .iter()
            .map(|c| c.trim().to_lowercase())
            .collect();
        let found: BTreeSet<String> = p
            .certifications
            .iter()
            .map(|c| c.name.to_lowercase())
            .collect();
        figures
            .f1
            .entry("certifications_f1")
            .or_default()
            .add(&expected, &found);
    }

    // Positions: aligned by title, in order. `dates` counts each start and end of a labelled,
    // titled, dated position; `dates_f1` counts positions whose start and end are both exact,
    // against every dated position labelled and every dated position parsed.
    let aligned = labels::align(&r.positions, &p.positions);
    let scored = |w: &LabelledPosition| w.start.is_some() && !labels::words(&w.title).is_empty();
    let mut expected_dated = BTreeSet::new();
    let mut found_exact = BTreeSet::new();
    for (k, (want, slot)) in r.positions.iter().zip(&aligned).enumerate() {
        if !scored(want) {
            continue;
        }
        expected_dated.insert(k.to_string());
        let field = format!("position {} {:?}", k + 1, want.title);
        let Some(got) = slot.and_then(|j| p.positions.get(j)) else {
            rates.push(("dates", false));
            rates.push(("dates", false));
            let want_dates = format!(
                "{}..{}",
                want.start.as_deref().unwrap_or("none"),
                want.end.as_deref().unwrap_or("none")
            );
            miss(&field, want_dates, "no matching position".into());
            continue;
        };
        let want_start = want.start.as_deref().unwrap_or("none");
        let got_start = labels::show_date(got.start);
        let want_end = want.end.as_deref().unwrap_or("none");
        let got_end = labels::end_label(got);
        rates.push(("dates", want_start == got_start));
        rates.push(("dates", want_end == got_end));
        if want_start == got_start && want_end == got_end {
            found_exact.insert(k.to_string());
        } else {
            miss(
                &field,
                format!("{want_start}..{want_end}"),
                format!("{got_start}..{got_end}"),
            );
        }
    }
    let parsed_dated = p.positions.iter().filter(|g| g.start.is_some()).count();
    let f1 = figures.f1.entry("dates_f1").or_default();
    f1.true_positives += found_exact.len();
    f1.expected += expected_dated.len();
    f1.found += parsed_dated;
    for (name, ok) in rates {
        figures.rates.entry(name).or_default().add(ok);
    }
}

fn measure(
    parser: &Parser,
    taxonomy: &Taxonomy,
    resumes: &[&LabelledResume],
    texts: &BTreeMap<String, String>,
    misses: bool,
) -> Figures {
    let mut figures = Figures::default();
    for r in resumes {
        let profile = labels::profile(parser, r, texts);
        compare(taxonomy, r, &profile, &mut figures, misses);
    }
    figures
}

const FIELDS: [&str; 16] = [
    "highest_degree",
    "crm_mentioned",
    "crm_products_f1",
    "excel",
    "office",
    "travel",
    "total_months",
    "sales_months",
    "b2b_sales_months",
    "account_management_months",
    "people_management_months",
    "dates_f1",
    "dates",
    "languages_f1",
    "certifications_f1",
    "resumes",
];

fn table(columns: &[(&str, &Figures)]) -> String {
    let mut out = String::new();
    let _ = write!(out, "{:<28}", "field");
    for (name, figures) in columns {
        let _ = write!(out, " {:>22}", format!("{name} ({})", figures.resumes));
    }
    let _ = writeln!(out, " {:>7}", "target");
    for field in FIELDS.iter().filter(|f| **f != "resumes") {
        let _ = write!(out, "{field:<28}");
        for (_, figures) in columns {
            let cell = figures
                .value(field)
                .map_or_else(|| "-".to_owned(), |(_, text)| text);
            let _ = write!(out, " {cell:>22}");
        }
        let target = TARGETS
            .iter()
            .find(|(n, _)| n == field)
            .map_or("-".to_owned(), |(_, t)| format!("{t}"));
        let _ = writeln!(out, " {target:>7}");
    }
    out
}

fn below_floors(figures: &Figures, floors: &[(&str, f64)]) -> Vec<String> {
    floors
        .iter()
        .filter_map(|(name, floor)| {
            let (value, text) = figures.value(name)?;
            (value < *floor).then(|| format!("{name}: {text} below the floor {floor}"))
        })
        .collect()
}

fn corpus_or_skip(ids: &HashSet<&str>) -> Option<BTreeMap<String, String>> {
    let texts = labels::corpus_texts(ids);
    if texts.is_none() {
        assert!(
            std::env::var_os("SHORTLIST_REQUIRE_CORPUS").is_none(),
            "SHORTLIST_REQUIRE_CORPUS is set but the corpus is not at {}",
            labels::corpus_dir().display()
        );
        eprintln!(
            "skipping: the corpus is not at {}",
            labels::corpus_dir().display()
        );
    }
    texts
}

#[test]
fn profiles_on_golden_dev_and_held_out() {
    let golden = labels::golden();
    let eval = labels::eval();
    let ids: HashSet<&str> = golden.iter().chain(&eval).map(|r| r.id.as_str()).collect();
    let Some(texts) = corpus_or_skip(&ids) else {
        return;
    };
    let parser = Parser::builtin();
    let taxonomy = Taxonomy::builtin().expect("the built-in taxonomy");

    let of = |split: Split| -> Vec<&LabelledResume> {
        eval.iter().filter(|r| r.split == split).collect()
    };
    let golden_refs: Vec<&LabelledResume> = golden.iter().collect();
    let golden_figures = measure(&parser, &taxonomy, &golden_refs, &texts, true);
    let dev = measure(&parser, &taxonomy, &of(Split::Dev), &texts, true);
    // Held-out: aggregates only; its misses are never recorded.
    let held_out = measure(&parser, &taxonomy, &of(Split::HeldOut), &texts, false);
    assert!(held_out.misses.is_empty());

    let mut report = String::new();
    let _ = writeln!(report, "misses, golden ({}):", golden_figures.misses.len());
    for line in &golden_figures.misses {
        let _ = writeln!(report, "  {line}");
    }
    let _ = writeln!(report, "misses, dev ({}):", dev.misses.len());
    for line in &dev.misses {
        let _ = writeln!(report, "  {line}");
    }
    let _ = writeln!(
        report,
        "\nprofile accuracy (eval resumes with a corpus PDF read end to end from it):"
    );
    report.push_str(&table(&[
        ("golden", &golden_figures),
        ("dev", &dev),
        ("held_out", &held_out),
    ]));
    println!("{report}");

    let mut failed = below_floors(&golden_figures, &GOLDEN_FLOORS);
    failed.extend(
        below_floors(&held_out, &HELD_OUT_FLOORS)
            .into_iter()
            .map(|f| format!("held_out {f}")),
    );
    assert!(
        failed.is_empty(),
        "below the floors:\n{}",
        failed.join("\n")
    );
}

/// How far two labellers agree on the 30 resumes both labelled: the ceiling to quote beside the
/// parser's figures. The second labeller's profile is compared exactly as the parser's is.
#[test]
fn labellers_agree_on_the_doubly_labelled_resumes() {
    let eval = labels::eval();
    let second = labels::second();
    let taxonomy = Taxonomy::builtin().expect("the built-in taxonomy");
    let mut figures = Figures::default();
    let mut grades_exact = Tally::default();
    let mut grades_within_one = Tally::default();
    for theirs in &second {
        let ours = eval
            .iter()
            .find(|r| r.id == theirs.id)
            .expect("labelled twice");
        assert_eq!(ours.split, Split::Dev, "the agreement sample is from dev");
        let as_profile = profile_of_labels(&taxonomy, theirs);
        compare(&taxonomy, ours, &as_profile, &mut figures, false);
        for role in labels::ROLES {
            let (a, b) = (ours.grades[role], theirs.grades[role]);
            grades_exact.add(a == b);
            grades_within_one.add(a.abs_diff(b) <= 1);
        }
    }
    figures.rates.insert("grades_exact", grades_exact);
    figures.rates.insert("grades_within_one", grades_within_one);
    println!(
        "agreement between two labellers ({} resumes):",
        second.len()
    );
    println!("{}", table(&[("agreement", &figures)]));
    println!(
        "grades: {:.1}% the same, {:.1}% within one",
        100.0 * grades_exact.rate(),
        100.0 * grades_within_one.rate()
    );
    assert_eq!(second.len(), 30);
}

/// A second labeller's labels in the shape of a profile, so `compare` can score them.
fn profile_of_labels(taxonomy: &Taxonomy, r: &LabelledResume) -> Profile {
    use shortlist::profile::{
        Category, Certification, Evidence, Language, PartialDate, Position, Skill,
    };
    let mut profile: Profile = serde_json::from_value(serde_json::json!({
        "document": {"media_type": "text/plain", "pages": 1, "document_date": null, "chars": 0, "warnings": []},
        "contact": {"name": null, "emails": [], "phones": [], "location": null, "links": []},
        "positions": [],
        "experience": {"total_months": 0, "sales_months": 0, "b2b_sales_months": 0,
                       "account_management_months": 0, "people_management_months": 0},
        "skills": [], "education": [], "highest_degree": r.highest_degree,
        "travel": {"status": r.travel, "evidence": null}
    }))
    .expect("a minimal profile");
    let skill = |name: String, group: &str| -> Skill {
        serde_json::from_value(serde_json::json!({"name": name, "group": group})).expect("a skill")
    };
    for tool in r.crm_tools.iter().flatten() {
        let name = canonical(taxonomy, tool);
        profile.skills.push(skill(name, "crm"));
    }
    if r.crm_generic {
        profile.skills.push(skill("crm".into(), "crm"));
    }
    if r.excel {
        profile
            .skills
            .push(skill("Microsoft Excel".into(), "office"));
    }
    if r.office == Some(true) {
        profile
            .skills
            .push(skill("Microsoft Office".into(), "office"));
    }
    for name in r.languages.iter().flatten() {
        profile.languages.push(Language {
            name: name.clone(),
            proficiency: None,
            evidence: Evidence::new("", None),
        });
    }
    for name in r.certifications.iter().flatten() {
        profile.certifications.push(Certification {
            name: name.clone(),
            evidence: Evidence::new("", None),
        });
    }
    let months = |c: Option<&str>| labels::months(r, c);
    profile.experience.total_months = months(None);
    profile.experience.sales_months = months(Some("sales"));
    profile.experience.b2b_sales_months = months(Some("b2b_sales"));
    profile.experience.account_management_months = months(Some("account_management"));
    profile.experience.people_management_months = months(Some("people_management"));
    for p in &r.positions {
        let mut position: Position = serde_json::from_value(serde_json::json!({
            "title": p.title, "employer": p.employer, "start": null, "end": null,
            "current": p.end.as_deref() == Some("current"), "months": null, "categories": [],
            "evidence": {"text": ""}
        }))
        .expect("a position");
        position.start = p
            .start
            .as_deref()
            .and_then(|d| d.parse::<PartialDate>().ok());
        position.end = p
            .end
            .as_deref()
            .filter(|e| *e != "current")
            .and_then(|d| d.parse::<PartialDate>().ok());
        position.categories = p
            .cats
            .iter()
            .filter_map(|c| Category::ALL.into_iter().find(|k| k.as_str() == c))
            .collect();
        profile.positions.push(position);
    }
    profile
}
