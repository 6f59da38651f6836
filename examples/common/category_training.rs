//! Training the position-category model, shared by `train_categories` (which writes the
//! shipped weights) and `fit_roles` (which scores each fold's resumes with a model trained
//! without them). Included by `#[path]`, as `tests/common/labels.rs` is.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::labels::{self, LabelledResume, Split};
use shortlist::parse::Parser;
use shortlist::parse::categories::Categorizer;
use shortlist::parse::category_model::{self, CATEGORIES, CategoryModel};
use shortlist::profile::Position;

pub const NAMES: [&str; 4] = [
    "sales",
    "b2b_sales",
    "account_management",
    "people_management",
];
pub const FOLDS: usize = 5;

/// Each id's fold: the ids in a fixed order of their hash, dealt round-robin into [`FOLDS`]
/// folds of equal size. One assignment for every tool, so their folds are the same.
pub fn folds<'a>(ids: impl IntoIterator<Item = &'a str>) -> HashMap<String, usize> {
    let mut order: Vec<&str> = ids.into_iter().collect();
    order.sort_by_key(|id| {
        id.bytes()
            .fold(17u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
    });
    order
        .into_iter()
        .enumerate()
        .map(|(rank, id)| (id.to_owned(), rank % FOLDS))
        .collect()
}

pub const EPOCHS: usize = 40;
pub const LEARNING_RATE: f32 = 0.05;
/// Features seen in fewer training positions than this are left out.
pub const MIN_COUNT: usize = 3;

/// One parsed position, with its label where a labelled position matched it.
pub struct Example {
    /// The parsed title and description, for `--errors`.
    pub title: String,
    pub description: String,
    pub features: Vec<String>,
    pub rules: [bool; 4],
    /// The label per category, `None` where the resume's set did not label that category.
    pub label: Option<[Option<bool>; 4]>,
    pub interval: Option<(i32, i32)>,
}

pub struct Resume {
    pub labels: LabelledResume,
    pub examples: Vec<Example>,
}

pub fn interval_of(position: &Position) -> Option<(i32, i32)> {
    let start = position.start?.to_string();
    let end = labels::end_label(position);
    labels::interval(Some(&start), Some(&end))
}

pub fn prepare(
    parser: &Parser,
    rules: &Categorizer,
    resumes: Vec<LabelledResume>,
    with_verb_objects: bool,
) -> Vec<Resume> {
    let ids: HashSet<&str> = resumes.iter().map(|r| r.id.as_str()).collect();
    let texts = labels::corpus_texts(&ids).expect("the corpus at ../shared/corpus");
    let mut out = Vec::new();
    for r in resumes {
        let profile = labels::profile(parser, &r, &texts);
        let aligned = labels::align(&r.positions, &profile.positions);
        let mut label_of: HashMap<usize, [Option<bool>; 4]> = HashMap::new();
        for (want, slot) in r.positions.iter().zip(&aligned) {
            let Some(j) = slot else { continue };
            let mut label = [None; 4];
            for (k, name) in NAMES.iter().enumerate() {
                let labelled = r.split != Split::Golden || k < 2;
                if labelled {
                    label[k] = Some(want.cats.iter().any(|c| c == name));
                }
            }
            label_of.insert(*j, label);
        }
        let examples = profile
            .positions
            .iter()
            .enumerate()
            .map(|(j, position)| {
                let title = position.title.as_deref().unwrap_or("");
                let description = position.description.as_deref().unwrap_or("");
                let by_rules = rules.categorize_by_rules(title, description);
                let mut rule_flags = [false; 4];
                for (k, category) in CATEGORIES.iter().enumerate() {
                    rule_flags[k] = by_rules.iter().any(|(c, _)| c == category);
                }
                Example {
                    title: title.to_owned(),
                    description: description.to_owned(),
                    features: category_model::features(rules, title, description)
                        .into_iter()
                        .filter(|f| with_verb_objects || !f.starts_with("vo:"))
                        .collect(),
                    rules: rule_flags,
                    label: label_of.get(&j).copied(),
                    interval: interval_of(position),
                }
            })
            .collect();
        out.push(Resume {
            labels: r,
            examples,
        });
    }
    out
}

pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// Logistic regression per category, L2-regularised with strength `lambda`, by SGD in a fixed
/// order. `words_only` leaves the rule signals out (to measure what the rules add).
pub fn train(resumes: &[&Resume], lambda: f32, words_only: bool) -> CategoryModel {
    let usable = |f: &String| !(words_only && f.starts_with("rule:"));
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for example in resumes
        .iter()
        .flat_map(|r| &r.examples)
        .filter(|e| e.label.is_some())
    {
        for f in example.features.iter().filter(|f| usable(f)) {
            *counts.entry(f).or_default() += 1;
        }
    }
    let vocabulary: Vec<&str> = counts
        .iter()
        .filter(|(_, n)| **n >= MIN_COUNT)
        .map(|(f, _)| *f)
        .collect();
    let index: HashMap<&str, usize> = vocabulary
        .iter()
        .enumerate()
        .map(|(i, f)| (*f, i))
        .collect();
    let examples: Vec<(Vec<usize>, [Option<bool>; 4])> = resumes
        .iter()
        .flat_map(|r| &r.examples)
        .filter_map(|e| {
            let label = e.label?;
            let features = e
                .features
                .iter()
                .filter_map(|f| index.get(f.as_str()).copied())
                .collect();
            Some((features, label))
        })
        .collect();
    let n = examples.len().max(1) as f32;
    let mut weights = vec![[0.0f32; 4]; vocabulary.len()];
    let mut bias = [0.0f32; 4];
    for epoch in 0..EPOCHS {
        let rate = LEARNING_RATE / (1.0 + epoch as f32 * 0.1);
        for (features, label) in &examples {
            for k in 0..4 {
                let Some(y) = label[k] else { continue };
                let z = bias[k] + features.iter().map(|&f| weights[f][k]).sum::<f32>();
                let gradient = sigmoid(z) - f32::from(u8::from(y));
                bias[k] -= rate * gradient;
                for &f in features {
                    weights[f][k] -= rate * (gradient + lambda / n * weights[f][k]);
                }
            }
        }
    }
    let kept: HashMap<String, [f32; 4]> = vocabulary
        .iter()
        .zip(weights)
        .filter(|(_, w)| w.iter().any(|x| x.abs() >= 0.005))
        .map(|(f, w)| ((*f).to_owned(), w))
        .collect();
    CategoryModel::new(bias, kept)
}
