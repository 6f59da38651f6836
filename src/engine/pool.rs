//! The candidates' features in memory, by slot: what a ranking scores. Its own room because
//! slots are a promise to the ranking (they never shift, a deleted candidate leaves a dead one)
//! that every writer must keep.

use std::collections::HashMap;

use uuid::Uuid;

use crate::score::Features;
use crate::tenant::Tenant;

/// The candidates held in memory for ranking: parallel vectors indexed by slot. A deleted
/// candidate leaves a dead slot (reused by nobody) so that slots never shift under a ranking.
#[derive(Default)]
pub(super) struct Pool {
    pub(super) seqs: Vec<u64>,
    pub(super) ids: Vec<Uuid>,
    pub(super) external_ids: Vec<Option<String>>,
    pub(super) features: Vec<Features>,
    pub(super) live: Vec<bool>,
    /// Each slot's tenant, as its number in `tenant_numbers`: a ranking keeps the slots of the
    /// caller's tenant in the same pass that skips dead ones, so that a candidate another
    /// tenant uploads mid-ranking (or mid-run) is never scored for this one.
    pub(super) tenants: Vec<u32>,
    tenant_numbers: HashMap<Tenant, u32>,
    pub(super) slot_by_seq: HashMap<u64, usize>,
    pub(super) live_count: usize,
    /// Counts every change to the pool; `changed_at[slot]` is the count at the slot's last
    /// change. A score memo made at generation `g` is brought up to date by rescoring only the
    /// slots changed after `g` (see `memo.rs`).
    pub(super) generation: u64,
    pub(super) changed_at: Vec<u64>,
}

/// The tenant number no slot has: what a tenant with no candidates filters by.
pub(super) const NO_TENANT: u32 = u32::MAX;

impl Pool {
    /// The number of `tenant`'s slots, [`NO_TENANT`] when it has never had a candidate here.
    pub(super) fn tenant_number(&self, tenant: &Tenant) -> u32 {
        self.tenant_numbers
            .get(tenant)
            .copied()
            .unwrap_or(NO_TENANT)
    }

    pub(super) fn upsert(
        &mut self,
        seq: u64,
        id: Uuid,
        external_id: Option<String>,
        features: Features,
        tenant: &Tenant,
    ) {
        let next = self.tenant_numbers.len() as u32;
        let tenant = *self.tenant_numbers.entry(tenant.clone()).or_insert(next);
        self.generation += 1;
        if let Some(&slot) = self.slot_by_seq.get(&seq) {
            self.changed_at[slot] = self.generation;
            self.tenants[slot] = tenant;
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
        self.tenants.push(tenant);
        self.changed_at.push(self.generation);
        self.live_count += 1;
    }

    pub(super) fn remove(&mut self, seq: u64) {
        if let Some(slot) = self.slot_by_seq.remove(&seq)
            && self.live[slot]
        {
            self.live[slot] = false;
            self.features[slot] = Features::default();
            self.generation += 1;
            self.changed_at[slot] = self.generation;
            self.live_count -= 1;
        }
    }
}
