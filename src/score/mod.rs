//! Scoring: a role compiles into a [`Scorer`] over compact per-candidate [`Features`]; ranking is
//! one rayon pass over all of them ([`rank`]); explanations are built only for the results
//! returned ([`explain`]).
//!
//! # The formula
//!
//! Each top-level requirement gets a credit in [0, 1]:
//!
//! - **met** = 1; **partial** = a fraction; **not_met** = 0; **unknown** = 0. Unknown (the resume
//!   says nothing either way) is never counted as met: a resume that does not show a requirement
//!   earns nothing for it, whether it denies it or is silent.
//! - experience: merged months in the category ÷ (`min_years` × 12), capped at 1.
//! - track record: the same ratio r, but `past_min` (p) of the credit is earned only past the
//!   minimum: (1 − p)·r below it, (1 − p) + p·(1 − 2^(1 − r)) from it on, so years far past the
//!   minimum still count, each minimum's worth half as much as the one before. A `related`
//!   category counts at its declared credit times the same curve over its own months; the best
//!   reading counts. With `recent`, a record whose latest position (in the category or a related
//!   one) ended more than `recent.years` before the document's date keeps `recent.credit` of its
//!   credit and is partial at best. Met when the asked category (or one declared fully equivalent) reaches the
//!   minimum; partial otherwise.
//! - skill: 1 if one of the skills (or a skill of one of the groups) is listed; with
//!   `min_months`, months ÷ `min_months` for stated durations and 0.5 when the duration is not
//!   stated.
//! - degree: 1 for a completed degree at `min_level` or above in a wanted field (or a related one
//!   when `related_fields`); 0.75 when the field is not stated, or related without
//!   `related_fields`; 0.5 for an unrelated field; 0.5 × level ÷ `min_level` below the level;
//!   1 when `equivalent_years` of experience stand in.
//! - travel, language, certification, location, keyword: 1 or 0.
//! - an `any_of` group: the best alternative's credit.
//!
//! score = 100 × Σ weight·credit ÷ Σ weight × Π over must-haves (½ + ½·credit), rounded to
//! hundredths. A must-have not shown halves the score and a partly shown one costs in proportion,
//! so a candidate who lacks what the role cannot do without falls below one who has it even when
//! the nice-to-haves add up to the same weight; the candidate still appears, with the reason. The
//! score depends on the resume and the role only: absolute, the same whoever else is in the pool,
//! the same on every run.
//! `must_haves_met` is true when every `must_have` requirement is met (for a track record, credit
//! past the minimum is still rising, so met is read from the months, not from a credit of 1).

mod explain;
pub mod features;
pub mod protected;
pub mod quotes;
mod rank;
pub mod synthetic;

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::role::{Requirement, Role, RoleError, Spec, vocab};

pub use explain::{explain, explain_with};
pub use features::{Features, SlotSet};
pub use rank::{Hit, RankFilter, RankPage, rank, rank_in};

use features::{
    HAS_CERTIFICATIONS, HAS_EDUCATION, HAS_LANGUAGES, HAS_LOCATION, HAS_POSITIONS, HAS_SKILLS,
    NO_SKILL, TRAVEL_NO, TRAVEL_YES, level_rank, location_hash, location_words,
};

/// Credit for a degree at the level whose field is not stated, or related while the role did
/// not say "or relevant field".
const FIELD_UNSURE_CREDIT: f32 = 0.75;
const FIELD_UNRELATED_CREDIT: f32 = 0.5;
/// Credit for a listed skill whose duration the resume does not state, against `min_months`.
const SKILL_MONTHS_UNSTATED_CREDIT: f32 = 0.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Met,
    Partial,
    NotMet,
    Unknown,
}

impl Verdict {
    fn from_credit(credit: f32, silent: bool) -> Verdict {
        if credit >= 1.0 {
            Verdict::Met
        } else if credit > 0.0 {
            Verdict::Partial
        } else if silent {
            Verdict::Unknown
        } else {
            Verdict::NotMet
        }
    }

    /// For choosing among alternatives of equal credit: the more informative verdict.
    fn strength(self) -> u8 {
        match self {
            Verdict::Met => 3,
            Verdict::Partial => 2,
            Verdict::NotMet => 1,
            Verdict::Unknown => 0,
        }
    }
}

/// One requirement's verdict for one candidate, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequirementResult {
    pub id: String,
    pub verdict: Verdict,
    /// The credit, 0 to 1.
    pub score: f32,
    pub evidence: Vec<String>,
    /// The resume's lines the evidence quotes, each with its line and page.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quotes: Vec<quotes::Quote>,
    /// The recruiter's words for the requirement.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    #[serde(default)]
    pub must_have: bool,
    /// For an `any_of` group: the alternative that counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// A recruiter's verdict in place of the computed one: `verdict` and `score` above are
    /// the overridden ones, and this says who decided, when, why, and what was computed.
    #[serde(rename = "override", default, skip_serializing_if = "Option::is_none")]
    pub overridden: Option<OverrideNote>,
}

/// Who overrode a requirement's verdict, when and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OverrideNote {
    pub verdict: Verdict,
    pub reason: String,
    /// The API key id of the recruiter who decided.
    pub by: String,
    pub at: String,
    /// The verdict the scorer computed, before the override.
    pub computed_verdict: Verdict,
}

/// The version of the scoring rules, recorded in the audit log beside each ranking. Raise it
/// whenever a change to the formula or the parser can change a score.
pub const SCORER_VERSION: &str = "shortlist-scorer/2026-12";

/// The credit a requirement earns under an overridden verdict: met is full credit, not met and
/// unknown none, partial keeps the computed credit when that was partial, else half.
pub fn overridden_credit(verdict: Verdict, computed_credit: f32) -> f32 {
    match verdict {
        Verdict::Met => 1.0,
        Verdict::Partial if computed_credit > 0.0 && computed_credit < 1.0 => computed_credit,
        Verdict::Partial => 0.5,
        Verdict::NotMet | Verdict::Unknown => 0.0,
    }
}

/// Recruiters' verdicts, by candidate slot: (requirement index in the role, verdict).
#[derive(Debug, Clone, Default)]
pub struct SlotOverrides {
    slots: SlotSet,
    by_slot: std::collections::HashMap<usize, Vec<(usize, Verdict)>>,
}

impl SlotOverrides {
    pub fn insert(&mut self, slot: usize, requirement_index: usize, verdict: Verdict) {
        self.slots.insert(slot);
        let entries = self.by_slot.entry(slot).or_default();
        entries.retain(|(index, _)| *index != requirement_index);
        entries.push((requirement_index, verdict));
    }

    pub fn is_empty(&self) -> bool {
        self.by_slot.is_empty()
    }

    fn for_slot(&self, slot: usize) -> Option<&[(usize, Verdict)]> {
        if !self.slots.contains(slot) {
            return None;
        }
        self.by_slot.get(&slot).map(Vec::as_slice)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Absolute, 0 to 100, a multiple of 0.01.
    pub score: f32,
    pub must_haves_met: bool,
}

impl Score {
    /// The score in hundredths: exact, for ordering and cursors.
    pub fn hundredths(&self) -> u16 {
        to_hundredths(self.score)
    }

    /// The score in 32 bits, as the engine remembers it between rankings: the hundredths, and
    /// the must-haves bit above them. Exact: [`Score::unpack`] gives the same score back.
    pub fn pack(&self) -> u32 {
        u32::from(self.hundredths()) | (u32::from(self.must_haves_met) << 16)
    }

    pub fn unpack(packed: u32) -> Score {
        Score {
            score: f32::from(packed as u16) / 100.0,
            must_haves_met: (packed >> 16) & 1 == 1,
        }
    }
}

/// Related records a track record may accept: every other category.
const RELATED_SLOTS: usize = crate::profile::Category::ALL.len() - 1;

/// A track record's credit for `months` against `min_months`: `(1 − past_min)` of it earned in
/// proportion up to the minimum, the rest past it, halving the distance to full credit with
/// every further minimum's worth of months (so ten years against a minimum of two still beat
/// five, but by less than five beat two).
pub(crate) fn record_credit(months: u16, min_months: u16, past_min: f32) -> f32 {
    if min_months == 0 {
        return if months > 0 { 1.0 } else { 0.0 };
    }
    let ratio = f32::from(months) / f32::from(min_months);
    if ratio < 1.0 {
        (1.0 - past_min) * ratio
    } else {
        (1.0 - past_min) + past_min * (1.0 - (1.0 - ratio).exp2())
    }
}

impl Features {
    /// Whether every position in the category and its related ones ended more than
    /// `recent_months` before the document's date (a record with no dated position is not
    /// called stale: nothing shows it).
    #[inline]
    fn record_is_stale(
        &self,
        category: usize,
        related: &[(usize, f32)],
        recent_months: u16,
    ) -> bool {
        let since = |slot: usize| {
            slot.checked_sub(1)
                .and_then(|i| self.months_since.get(i))
                .copied()
                .unwrap_or(features::NOT_DATED)
        };
        let latest = related
            .iter()
            .take_while(|(_, worth)| *worth > 0.0)
            .map(|(slot, _)| since(*slot))
            .fold(since(category), u16::min);
        latest != features::NOT_DATED && latest > recent_months
    }
}

fn category_slot(category: crate::profile::Category) -> usize {
    crate::profile::Category::ALL
        .iter()
        .position(|c| *c == category)
        .map_or(0, |i| i + 1)
}

/// What is left of a score when a must-have requirement has no credit at all.
const MUST_HAVE_FLOOR: f32 = 0.5;

pub(crate) fn to_hundredths(score: f32) -> u16 {
    let h = (score * 100.0).round();
    if h.is_nan() || h <= 0.0 {
        0
    } else if h >= 10_000.0 {
        10_000
    } else {
        h as u16
    }
}

/// One atomic test against [`Features`].
#[derive(Debug, Clone)]
enum Test {
    Skill {
        skills: [u64; 2],
        groups: u32,
        /// Every vocabulary skill that satisfies the requirement (named or in a named group).
        wanted: [u64; 2],
        min_months: u16,
        /// Names outside the vocabulary, answered by the index.
        term: Option<usize>,
    },
    Experience {
        category: usize,
        min_months: u16,
    },
    TrackRecord {
        category: usize,
        min_months: u16,
        /// (category slot, credit); a credit of 0 ends the list.
        related: [(usize, f32); RELATED_SLOTS],
        past_min: f32,
        /// Longest gap since the record's latest position for it to count in full; 0 = any.
        recent_months: u16,
        stale_credit: f32,
    },
    Degree {
        min_level: u8,
        /// Bit per wanted field; 0 = any field.
        fields: u32,
        /// Bit per field related to a wanted one.
        related: u32,
        related_fields: bool,
        equivalent_months: Option<u16>,
    },
    Travel,
    Keyword {
        term: usize,
    },
    Language {
        bits: u64,
    },
    Certification {
        bits: u32,
        term: Option<usize>,
    },
    Location {
        /// Places, each a run of word hashes in `Scorer::places`.
        places: Range<usize>,
    },
}

/// A top-level requirement: its tests (more than one for `any_of`), weight and must-have.
#[derive(Debug, Clone)]
struct Node {
    tests: Range<usize>,
    weight: f32,
    must_have: bool,
}

/// A full-text query a requirement depends on, and the slots that match it once resolved.
#[derive(Debug, Clone)]
struct Term {
    query: String,
    matches: Option<SlotSet>,
}

/// Resolves a keyword query to the candidate slots whose text matches it (the index does this
/// in the engine; tests pass a closure).
pub type Resolver<'a> = dyn FnMut(&str) -> Result<SlotSet, RoleError> + 'a;

/// A role compiled for scoring. Holds the role, so that it can explain its own scores.
#[derive(Debug, Clone)]
pub struct Scorer {
    role: Role,
    nodes: Vec<Node>,
    tests: Vec<Test>,
    terms: Vec<Term>,
    /// Hash runs of location places: (start, len) into `place_words`.
    places: Vec<(usize, usize)>,
    place_words: Vec<u32>,
    total_weight: f32,
    /// Recruiters' verdicts that replace computed ones for some candidates.
    overrides: Option<std::sync::Arc<SlotOverrides>>,
}

impl Scorer {
    /// This scorer with recruiters' verdicts applied to the candidates they name.
    pub fn with_overrides(&self, overrides: std::sync::Arc<SlotOverrides>) -> Scorer {
        Scorer {
            overrides: (!overrides.is_empty()).then_some(overrides),
            ..self.clone()
        }
    }

    /// Compiles a role; keyword requirements (and skills or certifications outside the
    /// vocabulary) stay unknown, since nothing answers them.
    pub fn compile(role: &Role) -> Result<Scorer, RoleError> {
        Scorer::build(role, None)
    }

    /// Compiles a role, asking `resolve` for the slots that match each full-text query the role
    /// needs: keyword requirements' `query` as written (tantivy query syntax), and a quoted
    /// phrase query (`"Python" OR "Go"`) for skills and certifications outside the vocabulary.
    pub fn compile_with(role: &Role, resolve: &mut Resolver<'_>) -> Result<Scorer, RoleError> {
        Scorer::build(role, Some(resolve))
    }

    fn build(role: &Role, mut resolve: Option<&mut Resolver<'_>>) -> Result<Scorer, RoleError> {
        role.validate()?;
        let mut scorer = Scorer {
            role: role.clone(),
            nodes: Vec::with_capacity(role.requirements.len()),
            tests: Vec::new(),
            terms: Vec::new(),
            places: Vec::new(),
            place_words: Vec::new(),
            total_weight: 0.0,
            overrides: None,
        };
        for requirement in &role.requirements {
            let start = scorer.tests.len();
            match &requirement.spec {
                Spec::AnyOf { alternatives } => {
                    for alternative in alternatives {
                        let test = scorer.compile_test(alternative, &mut resolve)?;
                        scorer.tests.push(test);
                    }
                }
                _ => {
                    let test = scorer.compile_test(requirement, &mut resolve)?;
                    scorer.tests.push(test);
                }
            }
            scorer.nodes.push(Node {
                tests: start..scorer.tests.len(),
                weight: requirement.weight,
                must_have: requirement.must_have,
            });
            scorer.total_weight += requirement.weight;
        }
        Ok(scorer)
    }

    fn add_term(
        &mut self,
        query: String,
        resolve: &mut Option<&mut Resolver<'_>>,
    ) -> Result<usize, RoleError> {
        let matches = match resolve {
            Some(resolve) => Some(resolve(&query)?),
            None => None,
        };
        self.terms.push(Term { query, matches });
        Ok(self.terms.len() - 1)
    }

    fn compile_test(
        &mut self,
        requirement: &Requirement,
        resolve: &mut Option<&mut Resolver<'_>>,
    ) -> Result<Test, RoleError> {
        Ok(match &requirement.spec {
            Spec::Skill { any_of, min_months } => {
                let mut skills = [0u64; 2];
                let mut groups = 0u32;
                let mut outside = Vec::new();
                for name in any_of {
                    if let Some(group) = name.trim().strip_prefix("group:") {
                        if let Some(index) = vocab::group_index(group) {
                            groups |= 1 << index;
                        }
                    } else if let Some(index) = vocab::skill_index(name) {
                        set_bit(&mut skills, index);
                    } else {
                        outside.push(name.trim());
                    }
                }
                let mut wanted = skills;
                for (index, (_, group)) in vocab::SKILLS.iter().enumerate() {
                    if vocab::group_index(group).is_some_and(|g| groups & (1 << g) != 0) {
                        set_bit(&mut wanted, index);
                    }
                }
                let term = if outside.is_empty() {
                    None
                } else {
                    Some(self.add_term(phrase_query(&outside), resolve)?)
                };
                Test::Skill {
                    skills,
                    groups,
                    wanted,
                    min_months: min_months.map_or(0, |m| u16::try_from(m).unwrap_or(u16::MAX)),
                    term,
                }
            }
            Spec::Experience {
                category,
                min_years,
            } => {
                // `total` has no profile category: slot 0, all experience.
                let index = category
                    .category()
                    .and_then(|wanted| {
                        crate::profile::Category::ALL
                            .iter()
                            .position(|c| *c == wanted)
                    })
                    .map_or(0, |i| i + 1);
                Test::Experience {
                    category: index,
                    min_months: years_to_months(*min_years),
                }
            }
            Spec::TrackRecord {
                category,
                min_years,
                related,
                past_min,
                recent,
            } => {
                let mut slots = [(0usize, 0.0f32); RELATED_SLOTS];
                for (slot, record) in slots.iter_mut().zip(related) {
                    *slot = (category_slot(record.category), record.credit);
                }
                Test::TrackRecord {
                    category: category_slot(*category),
                    min_months: years_to_months(*min_years),
                    related: slots,
                    past_min: *past_min,
                    recent_months: recent.map_or(0, |r| years_to_months(r.years).max(1)),
                    stale_credit: recent.map_or(1.0, |r| r.credit),
                }
            }
            Spec::Degree {
                min_level,
                fields,
                related_fields,
                equivalent_years,
            } => {
                let mut wanted = 0u32;
                for field in fields {
                    if let Some(index) = vocab::resolve_field(field) {
                        wanted |= 1 << index;
                    }
                }
                let wants_business = (0..vocab::FIELDS.len())
                    .any(|i| wanted & (1 << i) != 0 && vocab::in_business_family(i));
                let mut related = 0u32;
                if wants_business {
                    for i in 0..vocab::FIELDS.len() {
                        if vocab::in_business_family(i) {
                            related |= 1 << i;
                        }
                    }
                }
                Test::Degree {
                    min_level: level_rank(*min_level),
                    fields: wanted,
                    related: related & !wanted,
                    related_fields: *related_fields,
                    equivalent_months: equivalent_years.map(years_to_months),
                }
            }
            Spec::Travel {} => Test::Travel,
            Spec::Keyword { query } => Test::Keyword {
                term: self.add_term(query.clone(), resolve)?,
            },
            Spec::Language { any_of } => {
                let mut bits = 0u64;
                for name in any_of {
                    if let Some(index) = vocab::language_index(name) {
                        bits |= 1 << index;
                    }
                }
                Test::Language { bits }
            }
            Spec::Certification { any_of } => {
                let mut bits = 0u32;
                let mut outside = Vec::new();
                for name in any_of {
                    match vocab::certification_index(name) {
                        Some(index) => bits |= 1 << index,
                        None => outside.push(name.trim()),
                    }
                }
                let term = if outside.is_empty() {
                    None
                } else {
                    Some(self.add_term(phrase_query(&outside), resolve)?)
                };
                Test::Certification { bits, term }
            }
            Spec::Location { any_of } => {
                let start = self.places.len();
                for place in any_of {
                    let word_start = self.place_words.len();
                    self.place_words
                        .extend(location_words(place).map(|w| location_hash(&w)));
                    let len = self.place_words.len() - word_start;
                    if len > 0 {
                        self.places.push((word_start, len));
                    }
                }
                Test::Location {
                    places: start..self.places.len(),
                }
            }
            Spec::AnyOf { .. } => {
                return Err(RoleError::Invalid(format!(
                    "requirement {:?}: alternatives cannot nest",
                    requirement.id
                )));
            }
        })
    }

    /// The role this scorer was compiled from.
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// The full-text queries the role needs (keyword requirements and skills or certifications
    /// outside the vocabulary), in the order `compile_with` asks for them.
    pub fn queries(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().map(|t| t.query.as_str())
    }

    /// Scores a candidate, with full-text requirements unknown. Allocation-free.
    pub fn score(&self, features: &Features) -> Score {
        self.evaluate(features, |_| None)
    }

    /// Scores the candidate in `slot`, answering full-text requirements from the sets given to
    /// [`Scorer::compile_with`]. Allocation-free.
    #[inline]
    pub fn score_slot(&self, slot: usize, features: &Features) -> Score {
        let overridden = self
            .overrides
            .as_deref()
            .and_then(|overrides| overrides.for_slot(slot))
            .unwrap_or(&[]);
        self.evaluate_overridden(features, overridden, |term| {
            self.terms
                .get(term)
                .and_then(|t| t.matches.as_ref())
                .map(|set| set.contains(slot))
        })
    }

    #[inline]
    fn evaluate(&self, features: &Features, term: impl Fn(usize) -> Option<bool>) -> Score {
        self.evaluate_overridden(features, &[], term)
    }

    #[inline]
    fn evaluate_overridden(
        &self,
        features: &Features,
        overridden: &[(usize, Verdict)],
        term: impl Fn(usize) -> Option<bool>,
    ) -> Score {
        let mut sum = 0.0f32;
        let mut must_have_factor = 1.0f32;
        let mut must_haves_met = true;
        for (index, node) in self.nodes.iter().enumerate() {
            let (mut credit, mut verdict, _) = self.node_credit(node, features, &term);
            if let Some((_, decided)) = overridden.iter().find(|(i, _)| *i == index) {
                credit = overridden_credit(*decided, credit);
                verdict = *decided;
            }
            sum += node.weight * credit;
            if node.must_have {
                must_have_factor *= MUST_HAVE_FLOOR + (1.0 - MUST_HAVE_FLOOR) * credit;
                if verdict != Verdict::Met {
                    must_haves_met = false;
                }
            }
        }
        Score {
            score: self.quantise(sum, must_have_factor),
            must_haves_met,
        }
    }

    fn quantise(&self, weighted: f32, must_have_factor: f32) -> f32 {
        if self.total_weight <= 0.0 {
            return 0.0;
        }
        let score = 100.0 * weighted / self.total_weight * must_have_factor;
        f32::from(to_hundredths(score)) / 100.0
    }

    /// The best credit among a node's tests, with its verdict and the index of that test.
    #[inline]
    fn node_credit(
        &self,
        node: &Node,
        features: &Features,
        term: &impl Fn(usize) -> Option<bool>,
    ) -> (f32, Verdict, usize) {
        let mut best = (0.0f32, Verdict::Unknown, node.tests.start);
        let tests = self.tests.get(node.tests.clone()).unwrap_or(&[]);
        for (offset, test) in tests.iter().enumerate() {
            let (credit, verdict) = self.test_credit(test, features, term);
            if credit > best.0 || (credit == best.0 && verdict.strength() > best.1.strength()) {
                best = (credit, verdict, node.tests.start + offset);
            }
        }
        best
    }

    #[inline]
    fn test_credit(
        &self,
        test: &Test,
        f: &Features,
        term: &impl Fn(usize) -> Option<bool>,
    ) -> (f32, Verdict) {
        match test {
            Test::Skill {
                skills,
                groups,
                wanted,
                min_months,
                term: outside,
            } => {
                let listed = (f.skills[0] & skills[0]) | (f.skills[1] & skills[1]) != 0
                    || f.groups & groups != 0;
                let found_outside = outside.and_then(term);
                let present = listed || found_outside == Some(true);
                let silent = !f.has(HAS_SKILLS) && !f.has(HAS_POSITIONS);
                if !present {
                    return (0.0, Verdict::from_credit(0.0, silent));
                }
                if *min_months == 0 {
                    return (1.0, Verdict::Met);
                }
                let mut best_months: Option<u16> = None;
                for (id, months) in f.skill_month_ids.iter().zip(&f.skill_months) {
                    if *id != NO_SKILL && has_bit(wanted, usize::from(*id)) {
                        best_months = Some(best_months.map_or(*months, |b| b.max(*months)));
                    }
                }
                let credit = match best_months {
                    Some(months) => (f32::from(months) / f32::from(*min_months)).min(1.0),
                    None => SKILL_MONTHS_UNSTATED_CREDIT,
                };
                (credit, Verdict::from_credit(credit, false))
            }
            Test::Experience {
                category,
                min_months,
            } => {
                let months = f.months.get(*category).copied().unwrap_or(0);
                let silent = !f.has(HAS_POSITIONS);
                if *min_months == 0 {
                    let credit = if silent { 0.0 } else { 1.0 };
                    return (credit, Verdict::from_credit(credit, silent));
                }
                let credit = (f32::from(months) / f32::from(*min_months)).min(1.0);
                (credit, Verdict::from_credit(credit, silent))
            }
            Test::TrackRecord {
                category,
                min_months,
                related,
                past_min,
                recent_months,
                stale_credit,
            } => {
                let silent = !f.has(HAS_POSITIONS);
                let own = f.months.get(*category).copied().unwrap_or(0);
                let mut credit = record_credit(own, *min_months, *past_min);
                let mut met = own >= *min_months && !silent;
                for &(slot, worth) in related.iter().take_while(|(_, worth)| *worth > 0.0) {
                    let months = f.months.get(slot).copied().unwrap_or(0);
                    let related_credit = worth * record_credit(months, *min_months, *past_min);
                    credit = credit.max(related_credit);
                    // Only a record declared fully equivalent meets the requirement.
                    met |= worth >= 1.0 && months >= *min_months;
                }
                if silent {
                    return (0.0, Verdict::Unknown);
                }
                if *recent_months > 0 && f.record_is_stale(*category, related, *recent_months) {
                    credit *= stale_credit;
                    met = false;
                }
                let verdict = if met {
                    Verdict::Met
                } else if credit > 0.0 {
                    Verdict::Partial
                } else {
                    Verdict::NotMet
                };
                (credit, verdict)
            }
            Test::Degree {
                min_level,
                fields,
                related,
                related_fields,
                equivalent_months,
            } => {
                let credit = degree_credit(f, *min_level, *fields, *related, *related_fields);
                let substitute = equivalent_months
                    .is_some_and(|needed| f.months[features::TOTAL] >= needed && needed > 0);
                if substitute {
                    return (1.0, Verdict::Met);
                }
                (credit, Verdict::from_credit(credit, !f.has(HAS_EDUCATION)))
            }
            Test::Travel => match f.travel {
                TRAVEL_YES => (1.0, Verdict::Met),
                TRAVEL_NO => (0.0, Verdict::NotMet),
                _ => (0.0, Verdict::Unknown),
            },
            Test::Keyword { term: index } => match term(*index) {
                Some(true) => (1.0, Verdict::Met),
                Some(false) => (0.0, Verdict::NotMet),
                None => (0.0, Verdict::Unknown),
            },
            Test::Language { bits } => {
                if f.languages & bits != 0 {
                    (1.0, Verdict::Met)
                } else {
                    (0.0, Verdict::from_credit(0.0, !f.has(HAS_LANGUAGES)))
                }
            }
            Test::Certification {
                bits,
                term: outside,
            } => {
                let found_outside = outside.and_then(term);
                if f.certifications & bits != 0 || found_outside == Some(true) {
                    (1.0, Verdict::Met)
                } else {
                    let silent = !f.has(HAS_CERTIFICATIONS) && found_outside.is_none();
                    (0.0, Verdict::from_credit(0.0, silent))
                }
            }
            Test::Location { places } => {
                let places = self.places.get(places.clone()).unwrap_or(&[]);
                let found = places.iter().any(|&(start, len)| {
                    self.place_words
                        .get(start..start + len)
                        .is_some_and(|words| words.iter().all(|w| f.location.contains(w)))
                });
                if found {
                    (1.0, Verdict::Met)
                } else {
                    (0.0, Verdict::from_credit(0.0, !f.has(HAS_LOCATION)))
                }
            }
        }
    }
}

fn degree_credit(f: &Features, min_level: u8, fields: u32, related: u32, related_ok: bool) -> f32 {
    if f.highest == 0 {
        return 0.0;
    }
    if f.highest < min_level {
        return 0.5 * f32::from(f.highest) / f32::from(min_level.max(1));
    }
    let mut best = 0.0f32;
    let held = f.fields_from_level(min_level);
    if held != 0 {
        best = if fields == 0 || held & fields != 0 || (related_ok && held & related != 0) {
            1.0
        } else if held & related != 0 {
            FIELD_UNSURE_CREDIT
        } else {
            FIELD_UNRELATED_CREDIT
        };
    }
    if f.no_field_level >= min_level {
        best = best.max(if fields == 0 {
            1.0
        } else {
            FIELD_UNSURE_CREDIT
        });
    }
    if f.other_field_level >= min_level {
        best = best.max(if fields == 0 {
            1.0
        } else {
            FIELD_UNRELATED_CREDIT
        });
    }
    best
}

fn years_to_months(years: f32) -> u16 {
    let months = (years * 12.0).round();
    if months.is_nan() || months <= 0.0 {
        0
    } else {
        months.min(f32::from(u16::MAX)) as u16
    }
}

fn set_bit(bits: &mut [u64; 2], index: usize) {
    if let Some(word) = bits.get_mut(index / 64) {
        *word |= 1 << (index % 64);
    }
}

fn has_bit(bits: &[u64; 2], index: usize) -> bool {
    bits.get(index / 64)
        .is_some_and(|word| word & (1 << (index % 64)) != 0)
}

/// `"A" OR "B"`: names as phrases, quotes inside a name dropped so the query always parses.
fn phrase_query(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("\"{}\"", name.replace('"', " ")))
        .collect::<Vec<_>>()
        .join(" OR ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_stay_small() {
        assert!(std::mem::size_of::<Features>() <= 128);
    }

    #[test]
    fn every_shipped_role_compiles() {
        for role in crate::role::shipped() {
            let scorer = Scorer::compile(&role).unwrap();
            let empty = scorer.score(&Features::default());
            assert_eq!(empty.score, 0.0);
        }
    }
}
