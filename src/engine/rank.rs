//! The role registry and ranking: roles compiled once into scorers and kept in memory, and the
//! ranking that scores every live candidate in the pool against one, then explains the page.
//! Its own room because it is the read path: it takes only read locks and never writes the
//! store, so a change here cannot disturb an upload.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use uuid::Uuid;

use super::cursor::{Cursor, ranks_before};
use super::pool::Pool;
use super::{Engine, EngineError, MAX_PAGE_SIZE};
use crate::role::{self, Role, RoleError};
use crate::score::{self, RequirementResult, Scorer, SlotSet};
use crate::store::{StoredCandidate, Upserted};

/// Whether the role ranked is the stored one (whose scores may be remembered) or an unsaved
/// draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stored {
    Yes,
    No,
}

#[derive(Debug, Clone, Default)]
pub struct RankQuery {
    pub limit: usize,
    pub cursor: Option<String>,
    /// A Boolean keyword filter over the resume text.
    pub q: Option<String>,
    pub must_haves_only: bool,
    pub min_score: Option<f32>,
    /// Only these candidates (by seq): a screening run's selection.
    pub only_seqs: Option<Arc<HashSet<u64>>>,
    /// Whose candidates are ranked (the default tenant unless the caller's key has one).
    pub tenant: crate::tenant::Tenant,
    /// Blind review: evidence keeps no name, contact or location (see [`crate::blind`]).
    pub blind: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RankedCandidate {
    pub candidate_id: Uuid,
    pub external_id: Option<String>,
    /// The name read from the resume's contact details, so that a list reads without a
    /// lookup per row.
    pub display_name: Option<String>,
    /// The original upload's file name.
    pub file_name: Option<String>,
    pub rank: usize,
    pub score: f32,
    pub must_haves_met: bool,
    pub requirements: Vec<RequirementResult>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RankingPage {
    pub role_id: String,
    /// The version of the role this page was ranked against ([`crate::audit::role_version_hash`]),
    /// for the audit log: the role may change between the ranking and the entry.
    #[serde(skip)]
    pub role_version_hash: String,
    pub total: usize,
    pub results: Vec<RankedCandidate>,
    pub next_cursor: Option<String>,
}

pub(super) struct CompiledRole {
    role: Role,
    /// The compiled scorer, or why the stored role cannot be used (see [`Engine::load_roles`]).
    scorer: Result<Arc<Scorer>, String>,
}

impl CompiledRole {
    /// A role that validated and compiled.
    pub(super) fn ready(role: Role, scorer: Arc<Scorer>) -> CompiledRole {
        CompiledRole {
            role,
            scorer: Ok(scorer),
        }
    }
}

/// Recruiters' overrides under one role, by the seq of their candidate.
type OverridesBySeq = HashMap<u64, Vec<crate::oversight::Override>>;

impl Engine {
    pub(super) fn seed_roles(&self, roles_dir: &Path) -> Result<(), EngineError> {
        if self.store.get_meta("roles_seeded")?.is_some() {
            return Ok(());
        }
        let roles = if roles_dir.is_dir() {
            role::load_dir(roles_dir)?
        } else {
            role::shipped()
        };
        for role in &roles {
            role.validate()?;
            self.store.put_role(role)?;
        }
        tracing::info!(roles = roles.len(), "seeded the shipped roles");
        self.store.set_meta("roles_seeded", "1")?;
        Ok(())
    }

    /// Compiles every stored role. A stored role that today's rules refuse (written by an older
    /// version, or edited in the database) is disabled with a log line rather than stopping the
    /// start-up: its rankings and runs answer `role_disabled` until it is replaced with `PUT`.
    /// A server that would not start, or that crashed on a run re-queued at every start, could
    /// not be repaired over HTTP.
    pub(super) fn load_roles(&self) -> Result<(), EngineError> {
        let mut compiled = BTreeMap::new();
        for role in self.store.get_roles()? {
            let scorer = role
                .validate()
                .and_then(|()| Scorer::compile(&role))
                .map(Arc::new)
                .map_err(|error| error.to_string());
            if let Err(reason) = &scorer {
                tracing::error!(
                    role = %role.id,
                    %reason,
                    "role disabled: it fails validation; replace it with PUT /v1/roles/{{id}}"
                );
            }
            compiled.insert(role.id.clone(), CompiledRole { role, scorer });
        }
        *self.roles.write().unwrap_or_else(|p| p.into_inner()) = compiled;
        Ok(())
    }

    pub fn roles(&self) -> Vec<Role> {
        let roles = self.roles.read().unwrap_or_else(|p| p.into_inner());
        roles
            .values()
            .map(|compiled| compiled.role.clone())
            .collect()
    }

    pub fn role(&self, id: &str) -> Result<Role, EngineError> {
        let roles = self.roles.read().unwrap_or_else(|p| p.into_inner());
        roles
            .get(id)
            .map(|compiled| compiled.role.clone())
            .ok_or_else(|| EngineError::RoleNotFound(id.to_owned()))
    }

    /// Creates or replaces a role. Rankings use it at once; nothing is re-indexed.
    pub fn put_role(&self, id: &str, role: Role) -> Result<(Role, Upserted), EngineError> {
        if role.id != id {
            return Err(EngineError::InvalidRole(format!(
                "the role's id {:?} differs from the id in the path {id:?}",
                role.id
            )));
        }
        role.validate()?;
        let scorer = Arc::new(Scorer::compile(&role)?);
        let upserted = self.store.put_role(&role)?;
        self.roles
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                role.id.clone(),
                CompiledRole {
                    role: role.clone(),
                    scorer: Ok(scorer),
                },
            );
        Ok((role, upserted))
    }

    /// Recruiters' overrides under a role: the slot overrides the scorer applies, and each
    /// override by candidate seq for the explanations.
    fn role_overrides(
        &self,
        role: &Role,
        pool: &Pool,
    ) -> Result<(Arc<score::SlotOverrides>, OverridesBySeq), EngineError> {
        let stored = self.store.overrides_for_role(&role.id)?;
        let mut slots = score::SlotOverrides::default();
        let mut by_seq: OverridesBySeq = HashMap::new();
        for (seq, decided) in stored {
            // An override of a requirement the role no longer has is kept but not applied.
            let Some(index) = role
                .requirements
                .iter()
                .position(|r| r.id == decided.requirement_id)
            else {
                continue;
            };
            if let Some(&slot) = pool.slot_by_seq.get(&seq) {
                slots.insert(slot, index, decided.verdict);
            }
            by_seq.entry(seq).or_default().push(decided);
        }
        Ok((Arc::new(slots), by_seq))
    }

    pub fn delete_role(&self, id: &str) -> Result<(), EngineError> {
        if !self.store.delete_role(id)? {
            return Err(EngineError::RoleNotFound(id.to_owned()));
        }
        self.roles
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        Ok(())
    }

    pub fn draft_role(&self, text: &str) -> Role {
        role::draft(text)
    }

    /// Ranks every live candidate against the role: one parallel scoring pass over the
    /// in-memory features, then explanations for the returned page only.
    pub fn rank(&self, role_id: &str, query: &RankQuery) -> Result<RankingPage, EngineError> {
        let _timer = crate::telemetry::Timer::start(&crate::telemetry::engine_timings().rank);
        let (role, scorer) = {
            let roles = self.roles.read().unwrap_or_else(|p| p.into_inner());
            let compiled = roles
                .get(role_id)
                .ok_or_else(|| EngineError::RoleNotFound(role_id.to_owned()))?;
            let scorer = compiled
                .scorer
                .as_ref()
                .map_err(|reason| EngineError::RoleDisabled(role_id.to_owned(), reason.clone()))?;
            (compiled.role.clone(), Arc::clone(scorer))
        };
        self.rank_compiled(&role, scorer, query, Stored::Yes)
    }

    /// Ranks every live candidate against a role given by the caller and not stored (the web
    /// page's unsaved edits), validated exactly as [`Engine::put_role`] validates a role. The
    /// page carries `role.id` as given.
    pub fn rank_unsaved(&self, role: &Role, query: &RankQuery) -> Result<RankingPage, EngineError> {
        role.validate()?;
        let scorer = Arc::new(Scorer::compile(role)?);
        self.rank_compiled(role, scorer, query, Stored::No)
    }

    /// The ranking itself, shared by stored and unsaved roles so that both score alike.
    fn rank_compiled(
        &self,
        role: &Role,
        scorer: Arc<Scorer>,
        query: &RankQuery,
        stored: Stored,
    ) -> Result<RankingPage, EngineError> {
        let role_id = role.id.as_str();
        // Scores that depend on the features alone can be remembered (see `memo.rs`).
        let rememberable = stored == Stored::Yes && scorer.queries().next().is_none();
        let cursor = match &query.cursor {
            Some(text) => Some(Cursor::decode(text).ok_or(EngineError::BadCursor)?),
            None => None,
        };
        let matching: Option<HashSet<u64>> = match &query.q {
            Some(q) if !q.trim().is_empty() => Some(self.index.matching_seqs(q)?),
            _ => None,
        };
        let limit = query.limit.clamp(1, MAX_PAGE_SIZE);

        let (page, scorer, overrides) = {
            let pool = self.pool.read().unwrap_or_else(|p| p.into_inner());
            // Keyword requirements (and skills outside the vocabulary) are answered by the
            // index: compiled now, against the current pool, so that every upload counts.
            let scorer = if scorer.queries().next().is_some() {
                let mut resolve = |query: &str| -> Result<SlotSet, RoleError> {
                    let seqs = self
                        .index
                        .matching_seqs(query)
                        .map_err(|e| RoleError::Invalid(format!("query {query:?}: {e}")))?;
                    let mut slots = SlotSet::with_capacity(pool.seqs.len());
                    for seq in seqs {
                        if let Some(&slot) = pool.slot_by_seq.get(&seq) {
                            slots.insert(slot);
                        }
                    }
                    Ok(slots)
                };
                Arc::new(Scorer::compile_with(role, &mut resolve)?)
            } else {
                scorer
            };
            let (slot_overrides, overrides) = self.role_overrides(role, &pool)?;
            let memo = (rememberable && slot_overrides.is_empty())
                .then(|| self.memos.scores(role_id, &scorer, &pool));
            let scorer = if slot_overrides.is_empty() {
                scorer
            } else {
                Arc::new(scorer.with_overrides(slot_overrides))
            };
            // The keyword filter and a run's selection as one bitset of slots: a bit test per
            // candidate in the pass rather than a hash lookup (a million of them per ranking),
            // built straight from the sets without copying them.
            let slots_of = |seqs: &mut dyn Iterator<Item = &u64>| {
                let mut slots = SlotSet::with_capacity(pool.seqs.len());
                for seq in seqs {
                    if let Some(&slot) = pool.slot_by_seq.get(seq) {
                        slots.insert(slot);
                    }
                }
                slots
            };
            let allowed_slots = match (&matching, query.only_seqs.as_deref()) {
                (Some(matching), Some(only)) => Some(slots_of(
                    &mut matching.iter().filter(|seq| only.contains(seq)),
                )),
                (Some(matching), None) => Some(slots_of(&mut matching.iter())),
                (None, Some(only)) => Some(slots_of(&mut only.iter())),
                (None, None) => None,
            };
            let page = score::rank_in(
                &scorer,
                &pool.features,
                &pool.seqs,
                &score::RankFilter {
                    live: &pool.live,
                    tenant: Some((&pool.tenants, pool.tenant_number(&query.tenant))),
                    memo: memo.as_deref().map(Vec::as_slice),
                    must_haves_only: query.must_haves_only,
                    min_score: query.min_score,
                },
                allowed_slots.as_ref(),
                cursor.map(|c| (c.score, c.seq)),
                limit,
            );
            (page, scorer, overrides)
        };

        let seqs: Vec<u64> = page.hits.iter().map(|hit| hit.seq).collect();
        let stored: HashMap<u64, StoredCandidate> = self
            .store
            .get_candidates_by_seq(&seqs)?
            .into_iter()
            .map(|candidate| (candidate.seq, candidate))
            .collect();
        let mut results = Vec::with_capacity(page.hits.len());
        for (offset, hit) in page.hits.iter().enumerate() {
            // A candidate deleted between scoring and this read is left out of the page.
            let Some(candidate) = stored.get(&hit.seq) else {
                continue;
            };
            let mut requirements =
                scorer.explain_in(&candidate.profile, Some(&candidate.text), Some(hit.slot));
            for decided in overrides.get(&hit.seq).into_iter().flatten() {
                if let Some(result) = requirements
                    .iter_mut()
                    .find(|r| r.id == decided.requirement_id)
                {
                    let computed = result.verdict;
                    result.score =
                        (score::overridden_credit(decided.verdict, result.score) * 100.0).round()
                            / 100.0;
                    result.verdict = decided.verdict;
                    result.overridden = Some(decided.note(computed));
                }
            }
            if query.blind {
                let identifying = crate::blind::Identifying::of(&candidate.profile);
                for requirement in &mut requirements {
                    for quote in &mut requirement.evidence {
                        *quote = crate::blind::redact_text(quote, &identifying);
                    }
                    for quote in &mut requirement.quotes {
                        quote.text = crate::blind::redact_text(&quote.text, &identifying);
                    }
                }
            }
            results.push(RankedCandidate {
                candidate_id: candidate.id,
                external_id: candidate.external_id.clone(),
                // Blind review: no name, and no file name (it often carries the name).
                display_name: (!query.blind)
                    .then(|| candidate.profile.contact.name.clone())
                    .flatten(),
                file_name: (!query.blind)
                    .then(|| candidate.file_name.clone())
                    .flatten(),
                rank: page.ranked_before + offset + 1,
                score: hit.score,
                must_haves_met: hit.must_haves_met,
                requirements,
            });
        }
        let next_cursor = match page.hits.last() {
            Some(last) if page.ranked_before + page.hits.len() < page.total => Some(
                Cursor {
                    score: last.score,
                    seq: last.seq,
                }
                .encode(),
            ),
            _ => None,
        };
        debug_assert!(
            page.hits
                .windows(2)
                .all(|w| ranks_before((w[0].score, w[0].seq), (w[1].score, w[1].seq)))
        );
        Ok(RankingPage {
            role_id: role_id.to_owned(),
            role_version_hash: crate::audit::role_version_hash(role),
            total: page.total,
            results,
            next_cursor,
        })
    }
}
