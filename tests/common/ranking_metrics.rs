//! Ranking metrics against graded relevance, shared by `tests/ranking_eval.rs` and
//! `examples/fit_roles.rs`: nDCG@k (gain 2^grade − 1, log2 discount, ties averaged over their
//! orders, McSherry and Najork 2008) and pairwise order accuracy (ties count half).

/// One ranked item: its grade and its score (higher ranks first).
#[derive(Debug, Clone, Copy)]
pub struct Ranked {
    pub grade: u8,
    pub score: f64,
}

fn gain(grade: u8) -> f64 {
    f64::from((1u32 << grade) - 1)
}

fn discount(position: usize) -> f64 {
    1.0 / ((position + 2) as f64).log2()
}

/// DCG@k of `items` ordered by score descending, ties averaged over their orders.
pub fn dcg_at(items: &[Ranked], k: usize) -> f64 {
    let mut sorted = items.to_vec();
    sorted.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut dcg = 0.0;
    let mut start = 0;
    while start < sorted.len() && start < k {
        let mut end = start + 1;
        while end < sorted.len() && sorted[end].score == sorted[start].score {
            end += 1;
        }
        let mean_discount: f64 =
            (start..end.min(k)).map(discount).sum::<f64>() / (end - start) as f64;
        let gains: f64 = sorted[start..end].iter().map(|r| gain(r.grade)).sum();
        dcg += gains * mean_discount;
        start = end;
    }
    dcg
}

/// nDCG@k; `None` when no item has a positive grade (nothing to rank).
pub fn ndcg_at(items: &[Ranked], k: usize) -> Option<f64> {
    let ideal: Vec<Ranked> = items
        .iter()
        .map(|r| Ranked {
            grade: r.grade,
            score: f64::from(r.grade),
        })
        .collect();
    let ideal_dcg = dcg_at(&ideal, k);
    (ideal_dcg > 0.0).then(|| dcg_at(items, k) / ideal_dcg)
}

/// Share of the pairs with different grades that the scores order right (ties count half).
pub fn pairwise(items: &[Ranked]) -> f64 {
    let (mut right, mut pairs) = (0.0, 0.0);
    for (i, a) in items.iter().enumerate() {
        for b in &items[i + 1..] {
            if a.grade == b.grade {
                continue;
            }
            let (high, low) = if a.grade > b.grade { (a, b) } else { (b, a) };
            pairs += 1.0;
            if high.score > low.score {
                right += 1.0;
            } else if high.score == low.score {
                right += 0.5;
            }
        }
    }
    if pairs == 0.0 { 1.0 } else { right / pairs }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Figures {
    pub ndcg10: f64,
    pub ndcg20: f64,
    pub pairwise: f64,
}

pub fn figures(items: &[Ranked]) -> Figures {
    Figures {
        ndcg10: ndcg_at(items, 10).unwrap_or(1.0),
        ndcg20: ndcg_at(items, 20).unwrap_or(1.0),
        pairwise: pairwise(items),
    }
}
