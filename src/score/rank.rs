//! Ranking: one rayon pass over every candidate's [`Features`], keeping the top `limit` after a
//! cursor in a bounded heap per chunk. Nothing is allocated per candidate.
//!
//! Order: score descending, then the stable key (the insertion sequence number) ascending. The
//! order is total, so a cursor `(score, key)` names a unique position: a page resumes strictly
//! after it and never skips or repeats a candidate, even when candidates are added between pages
//! (a newcomer that ranks before the cursor is simply not on the later pages).

use std::collections::BinaryHeap;

use rayon::prelude::*;

use super::{Features, Scorer, SlotSet, to_hundredths};

/// Candidates per parallel task: large enough that the per-task heap and bookkeeping vanish,
/// small enough that both cores stay busy to the end.
const CHUNK: usize = 16 * 1024;

/// What the ranking pass may keep.
pub struct RankFilter<'a> {
    /// `false` for a deleted slot.
    pub live: &'a [bool],
    /// Only the slots whose entry in the slice (parallel to `features`) is this number: the
    /// caller's tenant (see `src/engine/pool.rs`).
    pub tenant: Option<(&'a [u32], u32)>,
    pub must_haves_only: bool,
    pub min_score: Option<f32>,
    /// Every slot's score under this scorer, computed earlier ([`super::Score::pack`]), in
    /// place of scoring each candidate again: the engine's memo of a stored role.
    pub memo: Option<&'a [u32]>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub seq: u64,
    pub slot: usize,
    pub score: f32,
    pub must_haves_met: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RankPage {
    /// Candidates that pass the filters.
    pub total: usize,
    /// How many of them rank before this page (before the cursor).
    pub ranked_before: usize,
    pub hits: Vec<Hit>,
}

/// Sort key: smaller ranks first. Score descending in the high half, seq ascending in the low.
fn order_key(hundredths: u16, seq: u64) -> u128 {
    (u128::from(10_000u16.saturating_sub(hundredths)) << 64) | u128::from(seq)
}

#[derive(Default)]
struct Partial {
    total: usize,
    ranked_before: usize,
    /// Max-heap of the best keys so far: the root is the worst kept, the one to evict.
    best: BinaryHeap<(u128, usize, bool)>,
}

/// Ranks the live candidates: `features[slot]` and `seqs[slot]` are parallel; `filter.live[slot]`
/// is false for a deleted slot (a slot missing from any slice counts as deleted). `after` is the
/// last `(score, seq)` of the previous page.
pub fn rank(
    scorer: &Scorer,
    features: &[Features],
    seqs: &[u64],
    filter: &RankFilter<'_>,
    after: Option<(f32, u64)>,
    limit: usize,
) -> RankPage {
    rank_in(scorer, features, seqs, filter, None, after, limit)
}

/// [`rank`] restricted to `allowed_slots` when given: a keyword `q` filter or a run's
/// selection, as a bitset of slots.
pub fn rank_in(
    scorer: &Scorer,
    features: &[Features],
    seqs: &[u64],
    filter: &RankFilter<'_>,
    allowed_slots: Option<&SlotSet>,
    after: Option<(f32, u64)>,
    limit: usize,
) -> RankPage {
    let after_key = after.map(|(score, seq)| order_key(to_hundredths(score), seq));
    let min_hundredths = filter.min_score.map(|min| {
        // The smallest displayed score that is ≥ min.
        let h = (min * 100.0).ceil();
        if h.is_nan() || h <= 0.0 {
            0
        } else {
            h.min(10_001.0) as u32
        }
    });
    let partials: Vec<Partial> = features
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(chunk_index, chunk)| {
            let base = chunk_index * CHUNK;
            let mut partial = Partial::default();
            for (offset, candidate) in chunk.iter().enumerate() {
                let slot = base + offset;
                if !filter.live.get(slot).copied().unwrap_or(false) {
                    continue;
                }
                let Some(&seq) = seqs.get(slot) else {
                    continue;
                };
                if allowed_slots.is_some_and(|set| !set.contains(slot))
                    || filter
                        .tenant
                        .is_some_and(|(tenants, tenant)| tenants.get(slot) != Some(&tenant))
                {
                    continue;
                }
                let score = match filter.memo.and_then(|memo| memo.get(slot)) {
                    Some(&packed) => super::Score::unpack(packed),
                    None => scorer.score_slot(slot, candidate),
                };
                if filter.must_haves_only && !score.must_haves_met {
                    continue;
                }
                let hundredths = score.hundredths();
                if min_hundredths.is_some_and(|min| u32::from(hundredths) < min) {
                    continue;
                }
                partial.total += 1;
                let key = order_key(hundredths, seq);
                if after_key.is_some_and(|after| key <= after) {
                    partial.ranked_before += 1;
                    continue;
                }
                if limit == 0 {
                    continue;
                }
                if partial.best.len() < limit {
                    partial.best.push((key, slot, score.must_haves_met));
                } else if partial.best.peek().is_some_and(|worst| key < worst.0) {
                    partial.best.pop();
                    partial.best.push((key, slot, score.must_haves_met));
                }
            }
            partial
        })
        .collect();

    let mut total = 0;
    let mut ranked_before = 0;
    let mut best: Vec<(u128, usize, bool)> = Vec::new();
    for partial in partials {
        total += partial.total;
        ranked_before += partial.ranked_before;
        best.extend(partial.best);
    }
    best.sort_unstable_by_key(|entry| entry.0);
    best.truncate(limit);
    let hits = best
        .into_iter()
        .map(|(key, slot, must_haves_met)| {
            let hundredths = 10_000u16.saturating_sub((key >> 64) as u16);
            Hit {
                seq: key as u64,
                slot,
                score: f32::from(hundredths) / 100.0,
                must_haves_met,
            }
        })
        .collect();
    RankPage {
        total,
        ranked_before,
        hits,
    }
}
