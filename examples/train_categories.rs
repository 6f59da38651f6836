//! Trains the position-category model (`src/parse/category_model.rs`) from the labelled
//! resumes, compares it with the hand-written rules by 5-fold cross-validation on dev, and
//! writes the weights to `config/models/categories.tsv`.
//!
//! `cargo run --release --example train_categories` (reads `../shared/corpus`; `--check` only
//! prints the comparison and leaves the weights alone; `--show CATEGORY` lists the dev positions
//! where rules and labels disagree; `--errors CATEGORY` lists the dev positions the model gets
//! wrong in cross-validation, with λ fixed at 3; `--verb-objects` offers the model the
//! description's verb-object pairs too; `--second-wave` compares the shipped model with one
//! trained the same way today, on the dev resumes neither was trained on).
//!
//! Each category's probability threshold is chosen too, from the best setting's out-of-fold
//! probabilities, and kept (a `(threshold)` row) only when thresholds chosen on the other folds
//! beat one half on the fold left out. On the 270 dev resumes they did not (77.9% against
//! 78.7% mean months), so the shipped file has no such row.
//!
//! Training data: the dev part of the eval set (all four categories) and the golden set (sales
//! and B2B only: it never labelled the other two). Held-out resumes are never read here. Each
//! labelled position is matched to the parsed position with the same title (the alignment the
//! evaluation uses); the features are the parsed position's, so the model learns from what the
//! parser will see. Training is plain stochastic gradient descent in a fixed order from zero
//! weights: deterministic, so the same labels always give the same file.

#[path = "common/category_training.rs"]
mod category_training;
#[path = "../tests/common/labels.rs"]
#[allow(dead_code)]
mod labels;

use std::collections::{HashMap, HashSet};

use category_training::{Example, FOLDS, NAMES, Resume, prepare, train};
use labels::{LabelledResume, Split};
use shortlist::parse::Parser;
use shortlist::parse::categories::Categorizer;
use shortlist::parse::category_model::CategoryModel;

#[derive(Default, Clone, Copy)]
struct Score {
    months_right: usize,
    resumes: usize,
    positions_right: usize,
    positions: usize,
}

/// How a way of categorising does on `resumes`: resume-level months within tolerance (what the
/// evaluation measures) and position-level agreement, per category.
fn score(resumes: &[&Resume], decide: &dyn Fn(&Example) -> [bool; 4]) -> [Score; 4] {
    let mut scores = [Score::default(); 4];
    for r in resumes {
        let decisions: Vec<[bool; 4]> = r.examples.iter().map(decide).collect();
        add(&mut scores, score_decisions(r, &decisions));
    }
    scores
}

/// [`score`] for one resume, given a decision for each of its examples.
fn score_decisions(r: &Resume, decisions: &[[bool; 4]]) -> [Score; 4] {
    let mut scores = [Score::default(); 4];
    for (k, score) in scores.iter_mut().enumerate() {
        if r.labels.split == Split::Golden && k >= 2 {
            continue;
        }
        let intervals: Vec<(i32, i32)> = r
            .examples
            .iter()
            .zip(decisions)
            .filter(|(_, d)| d[k])
            .filter_map(|(e, _)| e.interval)
            .collect();
        let got = labels::merged_months(&intervals);
        let want = labels::months(&r.labels, Some(NAMES[k]));
        score.resumes += 1;
        score.months_right += usize::from(labels::months_ok(want, got));
        for (e, d) in r.examples.iter().zip(decisions) {
            if let Some(label) = e.label.and_then(|l| l[k]) {
                score.positions += 1;
                score.positions_right += usize::from(label == d[k]);
            }
        }
    }
    scores
}

fn model_decision(model: &CategoryModel, e: &Example) -> [bool; 4] {
    model.decide(&e.features).0
}

/// The thresholds tried for each category.
const THRESHOLDS: [f32; 10] = [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6];

/// Out-of-fold probabilities: for each dev resume, each example's probabilities from the model
/// trained without its fold.
type OutOfFold = HashMap<usize, Vec<[f32; 4]>>;

/// How `thresholds` do on the dev resumes `indices`, from their out-of-fold probabilities.
fn score_thresholds(
    dev: &[Resume],
    oof: &OutOfFold,
    indices: &[usize],
    thresholds: [f32; 4],
) -> [Score; 4] {
    let mut total = [Score::default(); 4];
    for &i in indices {
        let decisions: Vec<[bool; 4]> = oof[&i]
            .iter()
            .map(|p| CategoryModel::decide_with(*p, thresholds))
            .collect();
        add(&mut total, score_decisions(&dev[i], &decisions));
    }
    total
}

/// The thresholds that get the most resumes' months right on `indices`, one category at a time
/// (twice round, since B2B and sales decide together), ties to the one nearest one half.
fn choose_thresholds(dev: &[Resume], oof: &OutOfFold, indices: &[usize]) -> [f32; 4] {
    let mut chosen = [0.5f32; 4];
    for _ in 0..2 {
        for k in 0..4 {
            let mut best = (0usize, f32::MAX, chosen[k]);
            for t in THRESHOLDS {
                let mut trial = chosen;
                trial[k] = t;
                let right = score_thresholds(dev, oof, indices, trial)[k].months_right;
                let distance = (t - 0.5).abs();
                if right > best.0 || (right == best.0 && distance < best.1) {
                    best = (right, distance, t);
                }
            }
            chosen[k] = best.2;
        }
    }
    chosen
}

fn add(total: &mut [Score; 4], part: [Score; 4]) {
    for (t, p) in total.iter_mut().zip(part) {
        t.months_right += p.months_right;
        t.resumes += p.resumes;
        t.positions_right += p.positions_right;
        t.positions += p.positions;
    }
}

fn print_row(name: &str, scores: &[Score; 4]) {
    print!("{name:<28}");
    for s in scores {
        print!(
            "  {:>5.1}% {:>5.1}%",
            100.0 * s.months_right as f64 / s.resumes.max(1) as f64,
            100.0 * s.positions_right as f64 / s.positions.max(1) as f64
        );
    }
    println!();
}

fn main() {
    let check_only = std::env::args().any(|a| a == "--check");
    let parser = Parser::builtin();
    let rules = Categorizer::new();
    let dev: Vec<LabelledResume> = labels::eval()
        .into_iter()
        .filter(|r| r.split == Split::Dev)
        .collect();
    let golden = labels::golden();
    eprintln!(
        "reading {} dev and {} golden resumes...",
        dev.len(),
        golden.len()
    );
    // Verb-object pairs only when asked: on the 270 dev resumes they added nothing by
    // cross-validation (78.7% mean months with and without them) and a model that weighs them
    // makes parsing pay a pass over every description for them.
    let with_verb_objects = std::env::args().any(|a| a == "--verb-objects");
    let dev = prepare(&parser, &rules, dev, with_verb_objects);
    let golden = prepare(&parser, &rules, golden, with_verb_objects);

    // `--show CATEGORY`: the dev positions where the rules and the labels disagree on it.
    if let Some(name) = std::env::args().skip_while(|a| a != "--show").nth(1) {
        let k = NAMES
            .iter()
            .position(|n| *n == name)
            .expect("a category name");
        for r in &dev {
            for e in &r.examples {
                if let Some(label) = e.label.and_then(|l| l[k])
                    && label != e.rules[k]
                {
                    let title: Vec<&str> = e
                        .features
                        .iter()
                        .filter(|f| f.starts_with("t:") && !f.contains('_'))
                        .map(String::as_str)
                        .collect();
                    let signals: Vec<&str> = e
                        .features
                        .iter()
                        .filter(|f| f.starts_with("rule:"))
                        .map(String::as_str)
                        .collect();
                    println!("{} label={label} {:?} {:?}", r.labels.id, title, signals);
                    // The words themselves, to judge the disagreement by reading.
                    let description: String = e.description.chars().take(3000).collect();
                    println!("    | {} | {}", e.title, description.replace('\n', " / "));
                    // The description rows that fired, by id: which class of phrasing decided.
                    use shortlist::parse::categories::Group;
                    let fired: Vec<&str> = [
                        Group::SalesBullet,
                        Group::B2bBullet,
                        Group::AccountBullet,
                        Group::PeopleBullet,
                        Group::PeopleCountBullet,
                    ]
                    .into_iter()
                    .flat_map(|group| rules.rows_fired(group, &e.description))
                    .collect();
                    println!("    rows: {fired:?}");
                }
            }
        }
        return;
    }

    // `--second-wave`: the shipped model was trained before the second wave of dev resumes
    // (eval parts 8 to 11) was labelled, so those resumes are unseen by it. Trained again the
    // same way on the first wave only, a model with today's rules and features is compared
    // with the shipped one, both out of sample, on the same 124 resumes.
    if std::env::args().any(|a| a == "--second-wave") {
        let second: HashSet<String> = (8..=11)
            .flat_map(|part| {
                let path = labels::golden_dir().join(format!("eval/part-{part}.toml"));
                let text = std::fs::read_to_string(&path).expect("an eval part");
                text.lines()
                    .filter_map(|l| l.strip_prefix("id = \""))
                    .map(|l| l.trim_end_matches('"').to_owned())
                    .collect::<Vec<_>>()
            })
            .collect();
        let (later, first): (Vec<&Resume>, Vec<&Resume>) =
            dev.iter().partition(|r| second.contains(&r.labels.id));
        let train_set: Vec<&Resume> = first.iter().copied().chain(golden.iter()).collect();
        println!(
            "trained on {} first-wave dev and {} golden resumes, scored on {} second-wave dev resumes",
            first.len(),
            golden.len(),
            later.len()
        );
        print!("{:<28}", "method (months%, positions%)");
        for name in NAMES {
            print!("  {name:>13}");
        }
        println!();
        print_row("rules", &score(&later, &|e| e.rules));
        let shipped = CategoryModel::builtin();
        print_row(
            "shipped model",
            &score(&later, &|e| model_decision(&shipped, e)),
        );
        for lambda in [1.0, 3.0, 10.0] {
            let model = train(&train_set, lambda, false);
            print_row(
                &format!("retrained λ={lambda}"),
                &score(&later, &|e| model_decision(&model, e)),
            );
        }
        return;
    }

    // Each dev resume's fold, by index.
    let by_id = category_training::folds(dev.iter().map(|r| r.labels.id.as_str()));
    let fold_of: HashMap<usize, usize> = (0..dev.len())
        .map(|i| (i, by_id[&dev[i].labels.id]))
        .collect();

    println!("5-fold cross-validation on dev (train: golden + the other dev folds)");
    print!("{:<28}", "method (months%, positions%)");
    for name in NAMES {
        print!("  {name:>13}");
    }
    println!();
    let lambdas = [0.3f32, 1.0, 3.0, 10.0];
    let mut rules_total = [Score::default(); 4];
    let mut oracle_total = [Score::default(); 4];
    let mut totals: Vec<(String, f32, bool, [Score; 4])> = Vec::new();
    for &lambda in &lambdas {
        for words_only in [false, true] {
            totals.push((
                format!(
                    "model{} λ={lambda}",
                    if words_only { " (words only)" } else { "" }
                ),
                lambda,
                words_only,
                [Score::default(); 4],
            ));
        }
    }
    // A fold's training set: golden and the other dev folds.
    let training = |fold: usize| -> Vec<&Resume> {
        (0..dev.len())
            .filter(|i| fold_of[i] != fold)
            .map(|i| &dev[i])
            .chain(golden.iter())
            .collect()
    };
    // Each setting's out-of-fold probabilities, kept for choosing thresholds below.
    let mut out_of_fold: Vec<OutOfFold> = vec![HashMap::new(); totals.len()];
    for fold in 0..FOLDS {
        let test: Vec<&Resume> = (0..dev.len())
            .filter(|i| fold_of[i] == fold)
            .map(|i| &dev[i])
            .collect();
        let train_set = training(fold);
        add(&mut rules_total, score(&test, &|e| e.rules));
        // The labels themselves where a labelled position matched: the most any way of
        // categorising parsed positions could reach, given the positions as parsed.
        add(
            &mut oracle_total,
            score(&test, &|e| match e.label {
                Some(label) => {
                    let mut given = e.rules;
                    for (slot, l) in given.iter_mut().zip(label) {
                        if let Some(l) = l {
                            *slot = l;
                        }
                    }
                    given
                }
                None => e.rules,
            }),
        );
        for ((_, lambda, words_only, total), oof) in totals.iter_mut().zip(&mut out_of_fold) {
            let model = train(&train_set, *lambda, *words_only);
            add(total, score(&test, &|e| model_decision(&model, e)));
            for i in (0..dev.len()).filter(|i| fold_of[i] == fold) {
                let probabilities = dev[i]
                    .examples
                    .iter()
                    .map(|e| model.probabilities(&e.features))
                    .collect();
                oof.insert(i, probabilities);
            }
        }
    }
    // `--errors CATEGORY`: the dev positions the cross-validated model (λ=3) gets wrong.
    if let Some(name) = std::env::args().skip_while(|a| a != "--errors").nth(1) {
        let k = NAMES
            .iter()
            .position(|n| *n == name)
            .expect("a category name");
        for fold in 0..FOLDS {
            let model = train(&training(fold), 3.0, false);
            for r in (0..dev.len())
                .filter(|i| fold_of[i] == fold)
                .map(|i| &dev[i])
            {
                for e in &r.examples {
                    let Some(label) = e.label.and_then(|l| l[k]) else {
                        continue;
                    };
                    let p = model.probabilities(&e.features)[k];
                    if label != (p >= 0.5) {
                        let months = e.interval.map_or(0, |(a, b)| b - a);
                        let description: String = e.description.chars().take(300).collect();
                        println!(
                            "{} label={label} p={p:.2} months={months} rules={} | {} | {}",
                            r.labels.id,
                            e.rules[k],
                            e.title,
                            description.replace('\n', " / ")
                        );
                    }
                }
            }
        }
        return;
    }
    print_row("rules", &rules_total);
    print_row("(labels where matched)", &oracle_total);
    for (name, _, _, total) in &totals {
        print_row(name, total);
    }
    let mean_months = |s: &[Score; 4]| -> f64 {
        s.iter()
            .map(|x| x.months_right as f64 / x.resumes.max(1) as f64)
            .sum::<f64>()
            / 4.0
    };
    let (best_index, (best_name, best_lambda, best_words_only, best)) = totals
        .iter()
        .enumerate()
        .max_by(|a, b| mean_months(&a.1.3).total_cmp(&mean_months(&b.1.3)))
        .expect("at least one setting");
    println!(
        "best: {best_name} (mean months {:.1}%; rules {:.1}%)",
        100.0 * mean_months(best),
        100.0 * mean_months(&rules_total)
    );

    // Thresholds for the best setting, from its out-of-fold probabilities. Their own estimate
    // is cross-validated too: each fold is scored with thresholds chosen on the other folds.
    let oof = &out_of_fold[best_index];
    let mut thresholded = [Score::default(); 4];
    for fold in 0..FOLDS {
        let others: Vec<usize> = (0..dev.len()).filter(|i| fold_of[i] != fold).collect();
        let mine: Vec<usize> = (0..dev.len()).filter(|i| fold_of[i] == fold).collect();
        let thresholds = choose_thresholds(&dev, oof, &others);
        add(
            &mut thresholded,
            score_thresholds(&dev, oof, &mine, thresholds),
        );
    }
    let everyone: Vec<usize> = (0..dev.len()).collect();
    let thresholds = choose_thresholds(&dev, oof, &everyone);
    print_row(&format!("{best_name}, thresholds"), &thresholded);
    println!(
        "thresholds chosen on all of dev: {thresholds:?} (mean months {:.1}% with thresholds \
         chosen on the other folds, {:.1}% at one half)",
        100.0 * mean_months(&thresholded),
        100.0 * mean_months(best)
    );
    let use_thresholds = mean_months(&thresholded) > mean_months(best);
    let best_months = mean_months(best).max(mean_months(&thresholded));
    if best_months <= mean_months(&rules_total) {
        println!("the model does not beat the rules in cross-validation: weights left empty");
    }
    if check_only {
        return;
    }
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/models/categories.tsv");
    let all: Vec<&Resume> = dev.iter().chain(golden.iter()).collect();
    let text = if best_months > mean_months(&rules_total) {
        let mut model = train(&all, *best_lambda, *best_words_only);
        let mut chosen = best_name.clone();
        if use_thresholds {
            model = model.with_thresholds(thresholds);
            chosen.push_str(&format!(", thresholds {thresholds:?}"));
        }
        model.to_tsv(&format!(
            "Position-category model: logistic regression per category (see src/parse/category_model.rs).\n\
             Written by `cargo run --release --example train_categories` from {} dev and {} golden resumes.\n\
             Chosen by 5-fold cross-validation on dev: {chosen}; mean months within tolerance {:.1}% (rules alone {:.1}%).",
            dev.len(),
            golden.len(),
            100.0 * best_months,
            100.0 * mean_months(&rules_total)
        ))
    } else {
        "# The model did not beat the rules in cross-validation: the rules alone decide.\n"
            .to_owned()
    };
    std::fs::write(&path, text).expect("the weights file is written");
    println!("wrote {}", path.display());
}
