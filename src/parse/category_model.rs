//! A trained model of a position's categories: one logistic regression per category over the
//! words of the title and of the description, with the hand-written rules' signals
//! ([`Categorizer::signals`]) as features too.
//!
//! Why a model beside the rules: the rules were written while reading the golden resumes, and
//! on resumes nobody read they judged account and people management right for only 57-79% of
//! resumes. Weighted words learnt from labelled positions generalise better, and the rules'
//! signals stay in as features, so a rule that is usually right keeps most of its say.
//!
//! The weights are data, in `config/models/categories.tsv` (compiled in), written by
//! `cargo run --release --example train_categories` from the labelled dev and golden resumes;
//! that command also compares rules, model and both by 5-fold cross-validation. Training is
//! deterministic: the same labels give the same file.

use std::collections::HashMap;

use super::categories::Categorizer;
use crate::profile::Category;

/// The shipped weights.
const BUILTIN: &str = include_str!("../../config/models/categories.tsv");

/// Words too common to carry a category.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "the", "of", "to", "in", "for", "on", "with", "at", "by", "from", "as", "or",
    "is", "was", "were", "be", "been", "are", "this", "that", "all", "my", "our", "their", "its",
    "it", "into", "over", "new", "per", "within", "through", "up", "name", "company", "city",
    "state",
];

/// Which families of features to compute: every one for training, only those the shipped
/// model weighs when parsing (a family the model has no weight for would cost a pass over the
/// description for nothing).
#[derive(Debug, Clone, Copy)]
pub struct Families {
    /// The named signal rows of `config/rules/category_signals.toml`.
    pub signal_rows: bool,
    /// Verb-object pairs of the description (`vo:`).
    pub verb_objects: bool,
}

impl Families {
    pub const ALL: Families = Families {
        signal_rows: true,
        verb_objects: true,
    };
}

/// Features of a position: its rule signals, its title's words and word pairs, its
/// description's words (each once), and the families asked for.
pub fn features(categorizer: &Categorizer, title: &str, description: &str) -> Vec<String> {
    let by_rules = categorizer.categorize_by_rules(title, description);
    features_given(categorizer, title, description, &by_rules, Families::ALL)
}

/// [`features`] with the rules' categories already known.
fn features_given(
    categorizer: &Categorizer,
    title: &str,
    description: &str,
    by_rules: &[(Category, String)],
    families: Families,
) -> Vec<String> {
    let mut out: Vec<String> = categorizer
        .signals_given(title, description, by_rules)
        .into_iter()
        .map(|signal| format!("rule:{signal}"))
        .collect();
    if families.signal_rows {
        out.extend(
            categorizer
                .signal_rows(title, description)
                .into_iter()
                .map(|row| format!("rule:{row}")),
        );
    }
    let title_words = words(title);
    for word in &title_words {
        out.push(format!("t:{word}"));
    }
    for pair in title_words.windows(2) {
        out.push(format!("t:{}_{}", pair[0], pair[1]));
    }
    if title_words.is_empty() {
        out.push("t:(none)".to_owned());
    }
    for word in words(description) {
        out.push(format!("d:{word}"));
    }
    if families.verb_objects {
        verb_objects(description, &mut out);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Verbs whose object says what the job did to whom: supervising, selling, serving. Each
/// names a class of phrasing, not a resume. Whole word forms (as [`words`] leaves them:
/// lowercased, a plural `s` taken off), never stems, so that a noun ("manager", "service",
/// "director", "assistant", "ledger") is not read as its verb.
const VERBS: &[(&[&str], &str)] = &[
    (
        &["supervise", "supervised", "supervising", "supervision"],
        "supervise",
    ),
    (&["manage", "managed", "managing"], "manage"),
    (&["lead", "led", "leading"], "lead"),
    (&["directed", "directing"], "direct"),
    (&["oversee", "oversaw", "overseeing"], "oversee"),
    (&["train", "trained"], "train"),
    (
        &[
            "coach",
            "coached",
            "coaching",
            "mentor",
            "mentored",
            "mentoring",
        ],
        "coach",
    ),
    (
        &[
            "hire",
            "hired",
            "hiring",
            "recruit",
            "recruited",
            "recruiting",
        ],
        "hire",
    ),
    (&["scheduled", "scheduling"], "schedule"),
    (&["evaluate", "evaluated", "evaluating"], "evaluate"),
    (&["sell", "sold", "selling"], "sell"),
    (&["call", "called", "calling"], "call"),
    (&["visit", "visited", "visiting"], "visit"),
    (&["prospected", "prospecting"], "prospect"),
    (&["negotiate", "negotiated", "negotiating"], "negotiate"),
    (&["serve", "served", "serving"], "serve"),
    (&["assisted", "assisting"], "assist"),
];

/// How many words after a verb can still be its object ("managed a team", "supervised the
/// night-shift warehouse crew").
const OBJECT_WINDOW: usize = 4;

/// `vo:VERB_WORD` for each word shortly after a verb of [`VERBS`], within one clause: "Managed
/// Analysts", "supervised and led IT infrastructure team" and "trained new sales associates"
/// say who was managed, where bag-of-words features lose which verb went with which noun.
fn verb_objects(description: &str, out: &mut Vec<String>) {
    for clause in description.split(['.', ';', '\n', '•', '|']) {
        let clause_words = words(clause);
        for (i, word) in clause_words.iter().enumerate() {
            let Some((_, verb)) = VERBS
                .iter()
                .find(|(forms, _)| forms.contains(&word.as_str()))
            else {
                continue;
            };
            for object in clause_words.iter().skip(i + 1).take(OBJECT_WINDOW) {
                out.push(format!("vo:{verb}_{object}"));
            }
        }
    }
}

/// Lowercased words of at least two letters, stop words left out, a plural `s` taken off.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 2 && w.chars().any(char::is_alphabetic))
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| {
            if w.len() > 4 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_owned()
            } else {
                w
            }
        })
        .collect()
}

/// The rules and the model together: what the parser asks for a position's categories.
#[derive(Debug, Clone)]
pub struct Categories {
    rules: Categorizer,
    model: CategoryModel,
    /// The feature families the model weighs.
    families: Families,
}

impl Default for Categories {
    fn default() -> Self {
        Self::new(Categorizer::new(), CategoryModel::builtin())
    }
}

impl Categories {
    pub fn new(rules: Categorizer, model: CategoryModel) -> Self {
        let families = Families {
            signal_rows: rules
                .signal_row_ids()
                .any(|id| model.weighs(&format!("rule:{id}"))),
            verb_objects: model.weights.keys().any(|f| f.starts_with("vo:")),
        };
        Self {
            rules,
            model,
            families,
        }
    }

    pub fn rules(&self) -> &Categorizer {
        &self.rules
    }

    /// Each category the model gives (probability at least its threshold), with evidence: the
    /// rules' words where the rules agree, else the words that weighed most. Selling to
    /// businesses implies selling. With no model, the rules alone.
    pub fn categorize(&self, title: &str, description: &str) -> Vec<(Category, String)> {
        let by_rules = self.rules.categorize_by_rules(title, description);
        if self.model.is_empty() {
            return by_rules;
        }
        let features = features_given(&self.rules, title, description, &by_rules, self.families);
        let (given, _) = self.model.decide(&features);
        CATEGORIES
            .iter()
            .enumerate()
            .filter(|(index, _)| given[*index])
            .map(|(index, category)| {
                let evidence = by_rules
                    .iter()
                    .find(|(c, _)| c == category)
                    .map(|(_, evidence)| evidence.clone())
                    .unwrap_or_else(|| self.model_evidence(&features, index, title, description));
                (*category, evidence)
            })
            .collect()
    }

    fn model_evidence(
        &self,
        features: &[String],
        index: usize,
        title: &str,
        description: &str,
    ) -> String {
        let from_description = self
            .model
            .strongest(features, index)
            .and_then(|feature| feature.strip_prefix("d:"))
            .and_then(|word| {
                let lower = description.to_lowercase();
                let at = lower.find(word)?;
                // Lowercasing keeps byte offsets for the ASCII words the features hold.
                lower
                    .is_char_boundary(at)
                    .then(|| super::categories::evidence_around(description, at, at + word.len()))
            });
        from_description.unwrap_or_else(|| title.trim().to_owned())
    }
}

/// The four categories, in the contract's order: the columns of the weights.
pub const CATEGORIES: [Category; 4] = Category::ALL;

/// Weights per feature and category; a missing feature weighs nothing.
#[derive(Debug, Clone, Default)]
pub struct CategoryModel {
    bias: [f32; 4],
    weights: HashMap<String, [f32; 4]>,
    /// The probability from which each category is given (the `(threshold)` row; one half when
    /// the file has none), chosen by cross-validation on dev with the weights.
    thresholds: Option<[f32; 4]>,
}

/// The threshold of a model file without a `(threshold)` row.
const DEFAULT_THRESHOLD: f32 = 0.5;

impl CategoryModel {
    /// The model compiled into the binary; empty (rules only) if the shipped file is.
    pub fn builtin() -> Self {
        // The shipped file is checked by a unit test; a broken one would fail there, not here.
        Self::from_tsv(BUILTIN).unwrap_or_default()
    }

    /// Reads `feature<TAB>sales<TAB>b2b_sales<TAB>account_management<TAB>people_management`
    /// lines; `#` starts a comment; the feature `(bias)` holds the intercepts.
    pub fn from_tsv(text: &str) -> Result<Self, String> {
        let mut model = CategoryModel::default();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() != 5 {
                return Err(format!(
                    "line {}: expected 5 tab-separated fields",
                    number + 1
                ));
            }
            let mut weights = [0.0f32; 4];
            for (slot, field) in weights.iter_mut().zip(&fields[1..]) {
                *slot = field
                    .parse()
                    .map_err(|_| format!("line {}: {field:?} is not a number", number + 1))?;
            }
            if fields[0] == "(bias)" {
                model.bias = weights;
            } else if fields[0] == "(threshold)" {
                if weights.iter().any(|t| !(0.0..=1.0).contains(t)) {
                    return Err(format!("line {}: thresholds lie in [0, 1]", number + 1));
                }
                model.thresholds = Some(weights);
            } else {
                model.weights.insert(fields[0].to_owned(), weights);
            }
        }
        Ok(model)
    }

    /// Writes the model in the form [`CategoryModel::from_tsv`] reads, features sorted.
    pub fn to_tsv(&self, header: &str) -> String {
        let mut out = String::new();
        for line in header.lines() {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
        out.push_str("# feature\tsales\tb2b_sales\taccount_management\tpeople_management\n");
        let row = |name: &str, w: &[f32; 4]| {
            format!(
                "{name}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\n",
                w[0], w[1], w[2], w[3]
            )
        };
        out.push_str(&row("(bias)", &self.bias));
        if let Some(thresholds) = &self.thresholds {
            out.push_str(&row("(threshold)", thresholds));
        }
        let mut names: Vec<&String> = self.weights.keys().collect();
        names.sort();
        for name in names {
            out.push_str(&row(name, &self.weights[name]));
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// Whether the model has a weight for `feature`.
    pub fn weighs(&self, feature: &str) -> bool {
        self.weights.contains_key(feature)
    }

    pub fn new(bias: [f32; 4], weights: HashMap<String, [f32; 4]>) -> Self {
        Self {
            bias,
            weights,
            thresholds: None,
        }
    }

    /// The same weights, giving each category from its own probability threshold.
    pub fn with_thresholds(mut self, thresholds: [f32; 4]) -> Self {
        self.thresholds = Some(thresholds);
        self
    }

    pub fn thresholds(&self) -> [f32; 4] {
        self.thresholds.unwrap_or([DEFAULT_THRESHOLD; 4])
    }

    /// Which categories probabilities `p` give, with these thresholds. Selling to businesses
    /// implies selling: where the model gives B2B but not sales, the one further from its
    /// threshold decides both.
    pub fn decide_with(p: [f32; 4], thresholds: [f32; 4]) -> [bool; 4] {
        let mut given = [0, 1, 2, 3].map(|k| p[k] >= thresholds[k]);
        if given[1] && !given[0] {
            // `p1 - t1 >= t0 - p0`, written so that with both at one half it is bit for bit
            // the rule before thresholds, `p1 >= 1 - p0` (0.5 + 0.5 is exactly 1).
            given[0] = p[1] >= (thresholds[0] + thresholds[1]) - p[0];
            given[1] = given[0];
        }
        given
    }

    /// The categories the model gives for these features, and their probabilities.
    pub fn decide(&self, features: &[String]) -> ([bool; 4], [f32; 4]) {
        let p = self.probabilities(features);
        (Self::decide_with(p, self.thresholds()), p)
    }

    /// The probability of each category (in [`CATEGORIES`] order).
    pub fn probabilities(&self, features: &[String]) -> [f32; 4] {
        let mut sums = self.bias;
        for feature in features {
            if let Some(w) = self.weights.get(feature) {
                for (sum, weight) in sums.iter_mut().zip(w) {
                    *sum += weight;
                }
            }
        }
        sums.map(|z| 1.0 / (1.0 + (-z).exp()))
    }

    /// The feature that pushed `category` up the most, among `features` (for evidence).
    pub fn strongest<'f>(&self, features: &'f [String], category: usize) -> Option<&'f str> {
        features
            .iter()
            .filter_map(|f| self.weights.get(f).map(|w| (f.as_str(), w[category])))
            .filter(|(_, w)| *w > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(f, _)| f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_weights_read_back() {
        let model = CategoryModel::from_tsv(BUILTIN).expect("the shipped weights parse");
        let again = CategoryModel::from_tsv(&model.to_tsv("again")).unwrap();
        assert_eq!(model.weights.len(), again.weights.len());
        assert_eq!(model.bias, again.bias);
    }

    #[test]
    fn thresholds_read_back_and_decide_each_category() {
        let text = "(bias)\t0\t0\t0\t0\n(threshold)\t0.5\t0.5\t0.4\t0.3\nw\t0\t0\t0\t0\n";
        let model = CategoryModel::from_tsv(text).unwrap();
        assert_eq!(model.thresholds(), [0.5, 0.5, 0.4, 0.3]);
        let again = CategoryModel::from_tsv(&model.to_tsv("again")).unwrap();
        assert_eq!(again.thresholds(), model.thresholds());
        assert!(CategoryModel::from_tsv("(threshold)\t2\t0\t0\t0\n").is_err());
        // Without a row, one half.
        assert_eq!(CategoryModel::default().thresholds(), [0.5; 4]);
        let p = [0.2, 0.1, 0.45, 0.35];
        assert_eq!(
            CategoryModel::decide_with(p, model.thresholds()),
            [false, false, true, true]
        );
        assert_eq!(
            CategoryModel::decide_with(p, [0.5; 4]),
            [false, false, false, false]
        );
        // B2B without sales: the one further from its threshold decides both.
        assert_eq!(
            CategoryModel::decide_with([0.45, 0.9, 0.0, 0.0], [0.5; 4]),
            [true, true, false, false]
        );
        assert_eq!(
            CategoryModel::decide_with([0.1, 0.55, 0.0, 0.0], [0.5; 4]),
            [false, false, false, false]
        );
        // At the last bit, as the rule before thresholds decided (`p1 >= 1 - p0`).
        for (p0, p1) in [
            (0.25 + 3.0 * 2f32.powi(-25), 0.75 - 2f32.powi(-23)),
            (5.0 * 2f32.powi(-27), 1.0 - 2f32.powi(-24)),
        ] {
            let decided = CategoryModel::decide_with([p0, p1, 0.0, 0.0], [0.5; 4]);
            assert_eq!(decided[0], p1 >= 1.0 - p0);
            assert_eq!(decided[1], decided[0]);
        }
    }

    #[test]
    fn features_are_words_pairs_and_rule_signals() {
        let categorizer = Categorizer::new();
        let f = features(
            &categorizer,
            "Key Account Manager",
            "Managed 40 corporate accounts.",
        );
        assert!(f.contains(&"t:key_account".to_owned()));
        assert!(f.contains(&"d:corporate".to_owned()));
        assert!(f.contains(&"d:account".to_owned()), "plural folded: {f:?}");
        assert!(f.iter().any(|x| x.starts_with("rule:")), "{f:?}");
        assert!(!f.contains(&"d:the".to_owned()));
    }

    #[test]
    fn probabilities_add_weights_to_the_bias() {
        let mut weights = HashMap::new();
        weights.insert("t:sale".to_owned(), [4.0, 0.0, 0.0, 0.0]);
        let model = CategoryModel::new([-2.0, -2.0, -2.0, -2.0], weights);
        let p = model.probabilities(&["t:sale".to_owned()]);
        assert!(p[0] > 0.85 && p[1] < 0.15);
        assert_eq!(model.strongest(&["t:sale".to_owned()], 0), Some("t:sale"));
    }
}
