//! The candidates' features in memory, by slot: what a ranking scores. Its own room because
//! slots are a promise to the ranking (they never shift, a deleted candidate leaves a dead one)
//! that every writer must keep.

use std::collections::HashMap;

use uuid::Uuid;

use crate::score::Features;

/// The candidates held in memory for ranking: parallel vectors indexed by slot. A deleted
/// candidate leaves a dead slot (reused by nobody) so that slots never shift under a ranking.
#[derive(Default)]
pub(super) struct Pool {
    pub(super) seqs: Vec<u64>,
    pub(super) ids: Vec<Uuid>,
    pub(super) external_ids: Vec<Option<String>>,
    pub(super) features: Vec<Features>,
    pub(super) live: Vec<bool>,
    pub(super) slot_by_seq: HashMap<u64, usize>,
    pub(super) live_count: usize,
}

impl Pool {
    pub(super) fn upsert(
        &mut self,
        seq: u64,
        id: Uuid,
        external_id: Option<String>,
        features: Features,
    ) {
        if let Some(&slot) = self.slot_by_seq.get(&seq) {
            self.external_ids[slot] = external_id;
            self.features[slot] = features;
            if !self.live[slot] {
                self.live[slot] = true;
                self.live_count += 1;
            }
            return;
        }
        self.slot_by_seq.insert(seq, self.seqs.len());
        self.seqs.push(seq);
        self.ids.push(id);
        self.external_ids.push(external_id);
        self.features.push(features);
        self.live.push(true);
        self.live_count += 1;
    }

    pub(super) fn remove(&mut self, seq: u64) {
        if let Some(slot) = self.slot_by_seq.remove(&seq)
            && self.live[slot]
        {
            self.live[slot] = false;
            self.features[slot] = Features::default();
            self.live_count -= 1;
        }
    }
}
