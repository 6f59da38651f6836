//! Scores remembered between rankings. A stored role ranked again and again (a recruiter
//! paging, an ATS polling, eight clients at once) would score every candidate each time: at a
//! million candidates that is most of a core's 40 ms per ranking. Its own room because it
//! keeps a promise to the pool: a memo is valid for exactly one compiled scorer (the role as
//! stored; a `PUT` compiles a new one) and one pool generation, and is brought forward by
//! rescoring only the slots changed since (`Pool::changed_at`), so that uploads arriving
//! between rankings cost their own candidates, not the whole pool.
//!
//! Only what depends on nothing but the features is remembered: a role with keyword
//! requirements (answered by the index at each ranking) or with recruiters' overrides is
//! scored afresh, and so is a role ranked without being stored (`POST /v1/rankings`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::pool::Pool;
use crate::score::Scorer;

/// Roles remembered at most; past it the memos start over (each is 4 bytes a candidate).
const MAX_ROLES: usize = 64;

/// Slots scored per parallel task when a memo is brought forward.
const CHUNK: usize = 16 * 1024;

#[derive(Default)]
pub(super) struct Memos {
    by_role: Mutex<HashMap<String, Arc<Mutex<Option<Memo>>>>>,
}

struct Memo {
    scorer: Arc<Scorer>,
    generation: u64,
    scores: Arc<Vec<u32>>,
}

impl Memos {
    /// Every slot's packed score ([`crate::score::Score::pack`]) under `scorer`, current with
    /// `pool`. The caller holds the pool's read lock, so the pool cannot change meanwhile.
    pub(super) fn scores(&self, role_id: &str, scorer: &Arc<Scorer>, pool: &Pool) -> Arc<Vec<u32>> {
        let entry = {
            let mut by_role = self.by_role.lock().unwrap_or_else(|p| p.into_inner());
            if by_role.len() >= MAX_ROLES && !by_role.contains_key(role_id) {
                by_role.clear();
            }
            Arc::clone(by_role.entry(role_id.to_owned()).or_default())
        };
        // One ranking brings a role's memo forward while the others wait for it, rather than
        // all of them scoring the same pool at once.
        let mut memo = entry.lock().unwrap_or_else(|p| p.into_inner());
        match memo.as_mut() {
            Some(memo) if Arc::ptr_eq(&memo.scorer, scorer) => {
                if memo.generation != pool.generation {
                    let since = memo.generation;
                    let scores = Arc::make_mut(&mut memo.scores);
                    scores.resize(pool.features.len(), 0);
                    scores
                        .par_chunks_mut(CHUNK)
                        .enumerate()
                        .for_each(|(chunk, scores)| {
                            let base = chunk * CHUNK;
                            for (offset, score) in scores.iter_mut().enumerate() {
                                let slot = base + offset;
                                if pool.changed_at[slot] > since {
                                    *score = scorer.score_slot(slot, &pool.features[slot]).pack();
                                }
                            }
                        });
                    memo.generation = pool.generation;
                }
                Arc::clone(&memo.scores)
            }
            _ => {
                let scores: Vec<u32> = pool
                    .features
                    .par_iter()
                    .enumerate()
                    .map(|(slot, features)| scorer.score_slot(slot, features).pack())
                    .collect();
                let scores = Arc::new(scores);
                *memo = Some(Memo {
                    scorer: Arc::clone(scorer),
                    generation: pool.generation,
                    scores: Arc::clone(&scores),
                });
                scores
            }
        }
    }
}
