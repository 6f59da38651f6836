//! Ranking: scores are absolute (the pool never changes a candidate's score), ranking is
//! deterministic, and cursor pages never skip or repeat, even with candidates added in between.

use std::collections::HashSet;

use proptest::prelude::*;
use shortlist::role;
use shortlist::score::{self, Features, RankFilter, Scorer, SlotSet, synthetic};

fn scorer() -> Scorer {
    let role = role::shipped()
        .into_iter()
        .find(|r| r.id == "strategic-account-manager")
        .unwrap();
    Scorer::compile(&role).unwrap()
}

fn rank_all(
    scorer: &Scorer,
    features: &[Features],
    seqs: &[u64],
    live: &[bool],
    after: Option<(f32, u64)>,
    limit: usize,
) -> score::RankPage {
    let filter = RankFilter {
        live,
        allowed_seqs: None,
        tenant: None,
        must_haves_only: false,
        min_score: None,
    };
    score::rank(scorer, features, seqs, &filter, after, limit)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_pool_never_changes_a_candidates_score(
        seed in any::<u64>(),
        candidate in 0u64..1000,
        others in proptest::collection::vec(0u64..1000, 0..40),
    ) {
        let scorer = scorer();
        let alone = scorer.score(&Features::from_profile(&synthetic::profile(seed, candidate)));
        let mut pool: Vec<u64> = others.clone();
        pool.push(candidate);
        let features: Vec<Features> = pool.iter().map(|&i| Features::from_profile(&synthetic::profile(seed, i))).collect();
        // Seqs 0..n; the candidate is the last one; rank everything.
        let seqs: Vec<u64> = (0..pool.len() as u64).collect();
        let live = vec![true; pool.len()];
        let page = rank_all(&scorer, &features, &seqs, &live, None, pool.len());
        let hit = page.hits.iter().find(|h| h.seq == pool.len() as u64 - 1).unwrap();
        prop_assert_eq!(hit.score, alone.score);
        prop_assert_eq!(hit.must_haves_met, alone.must_haves_met);
    }
}

#[test]
fn ranking_is_deterministic_and_ordered() {
    let scorer = scorer();
    let features = synthetic::features(7, 50_000);
    let seqs: Vec<u64> = (0..features.len() as u64).map(|i| i * 3 + 1).collect();
    let live: Vec<bool> = (0..features.len()).map(|i| i % 17 != 0).collect();
    let first = rank_all(&scorer, &features, &seqs, &live, None, 25);
    for _ in 0..3 {
        assert_eq!(rank_all(&scorer, &features, &seqs, &live, None, 25), first);
    }
    assert_eq!(first.total, live.iter().filter(|l| **l).count());
    assert!(
        first
            .hits
            .windows(2)
            .all(|w| w[0].score > w[1].score || (w[0].score == w[1].score && w[0].seq < w[1].seq))
    );
    // The top 25 are truly the best: no live candidate outside them beats the last.
    let last = first.hits.last().unwrap();
    let kept: HashSet<u64> = first.hits.iter().map(|h| h.seq).collect();
    for (slot, f) in features.iter().enumerate() {
        if !live[slot] || kept.contains(&seqs[slot]) {
            continue;
        }
        let s = scorer.score(f).score;
        assert!(s < last.score || (s == last.score && seqs[slot] > last.seq));
    }
    // Deleted slots never appear.
    assert!(first.hits.iter().all(|h| live[h.slot]));
}

#[test]
fn cursor_pages_never_skip_or_repeat_while_candidates_arrive() {
    let scorer = scorer();
    let mut features = synthetic::features(11, 3_000);
    let mut seqs: Vec<u64> = (0..features.len() as u64).collect();
    let mut live = vec![true; features.len()];
    let original: HashSet<u64> = seqs.iter().copied().collect();
    let mut seen = Vec::new();
    let mut after = None;
    let mut added = 0u64;
    loop {
        let page = rank_all(&scorer, &features, &seqs, &live, after, 97);
        if page.hits.is_empty() {
            break;
        }
        seen.extend(page.hits.iter().map(|h| h.seq));
        let last = page.hits.last().unwrap();
        after = Some((last.score, last.seq));
        // Between pages: 50 newcomers (some will rank above the cursor, some below) and a
        // deletion of a candidate already shown.
        for _ in 0..50 {
            let seq = 1_000_000 + added;
            features.push(Features::from_profile(&synthetic::profile(99, added)));
            seqs.push(seq);
            live.push(true);
            added += 1;
        }
        let shown_slot = seqs
            .iter()
            .position(|s| *s == seen[seen.len() / 2])
            .unwrap();
        live[shown_slot] = false;
    }
    let unique: HashSet<u64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "a candidate was repeated");
    for seq in &original {
        assert!(unique.contains(seq), "candidate {seq} was skipped");
    }
    // The order across pages is the ranking order.
    let score_of = |seq: u64| {
        let slot = seqs.iter().position(|s| *s == seq).unwrap();
        scorer.score(&features[slot]).score
    };
    for pair in seen.windows(2) {
        let (a, b) = (score_of(pair[0]), score_of(pair[1]));
        assert!(a > b || (a == b && pair[0] < pair[1]));
    }
}

#[test]
fn filters_must_haves_min_score_and_allowed_slots() {
    let scorer = scorer();
    let features = synthetic::features(5, 5_000);
    let seqs: Vec<u64> = (0..features.len() as u64).collect();
    let live = vec![true; features.len()];
    let filter = RankFilter {
        live: &live,
        allowed_seqs: None,
        tenant: None,
        must_haves_only: true,
        min_score: Some(40.0),
    };
    let page = score::rank(&scorer, &features, &seqs, &filter, None, 10);
    let expected = features
        .iter()
        .map(|f| scorer.score(f))
        .filter(|s| s.must_haves_met && s.score >= 40.0)
        .count();
    assert_eq!(page.total, expected);
    assert!(
        page.hits
            .iter()
            .all(|h| h.must_haves_met && h.score >= 40.0)
    );

    let allowed: SlotSet = (0..features.len()).filter(|s| s % 3 == 0).collect();
    let no_filter = RankFilter {
        live: &live,
        allowed_seqs: None,
        tenant: None,
        must_haves_only: false,
        min_score: None,
    };
    let page = score::rank_in(
        &scorer,
        &features,
        &seqs,
        &no_filter,
        Some(&allowed),
        None,
        10,
    );
    assert_eq!(page.total, allowed.len());
    assert!(page.hits.iter().all(|h| h.slot % 3 == 0));
}
