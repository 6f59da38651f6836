//! [`Features`]: the fixed-size digest of a profile that scoring reads, and [`SlotSet`], a bitset
//! of candidate slots (what the full-text index answers for keyword requirements).

use crate::profile::{DegreeLevel, Profile, TravelStatus};
use crate::role::vocab;

/// Months per category, in this order: total, then `Category::ALL`.
pub(crate) const TOTAL: usize = 0;
pub(crate) const MONTH_SLOTS: usize = 5;
/// Skills whose months the resume states, kept per candidate (the rest count as present with
/// months unknown).
pub(crate) const SKILL_MONTH_SLOTS: usize = 8;
pub(crate) const NO_SKILL: u8 = u8::MAX;
pub(crate) const CATEGORY_SLOTS: usize = crate::profile::Category::ALL.len();
pub(crate) const NOT_DATED: u16 = u16::MAX;
pub(crate) const FIELD_SLOTS: usize = 16;
/// Degree level ranks 0 (none) to 5 (doctorate).
pub(crate) const LEVELS: usize = 6;
pub(crate) const LOCATION_TOKENS: usize = 6;

pub(crate) const HAS_POSITIONS: u8 = 1;
pub(crate) const HAS_EDUCATION: u8 = 1 << 1;
pub(crate) const HAS_SKILLS: u8 = 1 << 2;
pub(crate) const HAS_LANGUAGES: u8 = 1 << 3;
pub(crate) const HAS_CERTIFICATIONS: u8 = 1 << 4;
pub(crate) const HAS_LOCATION: u8 = 1 << 5;

pub(crate) const TRAVEL_UNKNOWN: u8 = 0;
pub(crate) const TRAVEL_YES: u8 = 1;
pub(crate) const TRAVEL_NO: u8 = 2;

/// What scoring needs of one candidate: plain bits and small integers, no heap, about 110 bytes,
/// so that millions fit in memory and a scoring pass streams through them.
///
/// Skills outside the vocabulary, and keywords, are not here: the full-text index answers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Features {
    /// Bit per entry of [`vocab::SKILLS`].
    pub(crate) skills: [u64; 2],
    /// Bit per entry of [`vocab::LANGUAGES`].
    pub(crate) languages: u64,
    /// Bit per entry of [`vocab::GROUPS`].
    pub(crate) groups: u32,
    /// Bit per entry of [`vocab::CERTIFICATIONS`].
    pub(crate) certifications: u32,
    /// FNV-1a hashes of the first words of the candidate's location (0 = none).
    pub(crate) location: [u32; LOCATION_TOKENS],
    /// Overlap-merged months: total, sales, b2b_sales, account_management, people_management.
    pub(crate) months: [u16; MONTH_SLOTS],
    /// Per category (`Category::ALL` order): months from the end of the latest position in it
    /// to the document's date, 0 for a current one; [`NOT_DATED`] when no position in it ends
    /// on a known date.
    pub(crate) months_since: [u16; CATEGORY_SLOTS],
    /// Months per skill, for the skills whose duration the resume states.
    pub(crate) skill_months: [u16; SKILL_MONTH_SLOTS],
    pub(crate) skill_month_ids: [u8; SKILL_MONTH_SLOTS],
    /// Per degree level (index = level rank), a bit per field of [`vocab::FIELDS`] in which the
    /// candidate completed a degree at that level.
    pub(crate) fields_at_level: [u16; LEVELS],
    /// Highest completed level among degrees whose field is stated but not in the vocabulary.
    pub(crate) other_field_level: u8,
    /// Highest completed level among degrees with no field stated.
    pub(crate) no_field_level: u8,
    pub(crate) highest: u8,
    pub(crate) travel: u8,
    pub(crate) flags: u8,
}

pub(crate) fn level_rank(level: DegreeLevel) -> u8 {
    match level {
        DegreeLevel::None => 0,
        DegreeLevel::HighSchool => 1,
        DegreeLevel::Associate => 2,
        DegreeLevel::Bachelor => 3,
        DegreeLevel::Master => 4,
        DegreeLevel::Doctorate => 5,
    }
}

fn months16(months: u32) -> u16 {
    u16::try_from(months).unwrap_or(u16::MAX)
}

/// Hash of one lowercase location word. Deterministic across runs and builds (FNV-1a), never 0.
pub(crate) fn location_hash(word: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in word.bytes() {
        hash ^= u32::from(byte.to_ascii_lowercase());
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash.max(1)
}

/// The words of a place name, lowercase: "New York, NY" → new, york, ny.
pub(crate) fn location_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// The persisted form of [`Features`] (the store's `pool` table, read at start-up instead of
/// every profile): fixed-size little-endian fields in declaration order. Hand-written rather
/// than a serde format because the layout must stay byte-exact across versions of any crate,
/// and a bump of [`ENCODING_VERSION`] (or any edit of what gives the bits their meaning) must
/// turn old rows into "recompute", never into misread features.
const ENCODING_VERSION: u32 = 1;

impl Features {
    /// Bytes of [`Features::to_bytes`].
    pub const ENCODED_LEN: usize = 8 * 2
        + 8
        + 4
        + 4
        + 4 * LOCATION_TOKENS
        + 2 * MONTH_SLOTS
        + 2 * CATEGORY_SLOTS
        + 2 * SKILL_MONTH_SLOTS
        + SKILL_MONTH_SLOTS
        + 2 * LEVELS
        + 5;

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::ENCODED_LEN);
        for word in self.skills {
            out.extend(word.to_le_bytes());
        }
        out.extend(self.languages.to_le_bytes());
        out.extend(self.groups.to_le_bytes());
        out.extend(self.certifications.to_le_bytes());
        for hash in self.location {
            out.extend(hash.to_le_bytes());
        }
        for months in self
            .months
            .iter()
            .chain(&self.months_since)
            .chain(&self.skill_months)
        {
            out.extend(months.to_le_bytes());
        }
        out.extend(self.skill_month_ids);
        for fields in self.fields_at_level {
            out.extend(fields.to_le_bytes());
        }
        out.extend([
            self.other_field_level,
            self.no_field_level,
            self.highest,
            self.travel,
            self.flags,
        ]);
        debug_assert_eq!(out.len(), Self::ENCODED_LEN);
        out
    }

    /// `None` when `bytes` is not [`Features::to_bytes`]'s length.
    pub fn from_bytes(bytes: &[u8]) -> Option<Features> {
        if bytes.len() != Self::ENCODED_LEN {
            return None;
        }
        let mut at = 0;
        let mut take = |n: usize| {
            let field = &bytes[at..at + n];
            at += n;
            field
        };
        let mut f = Features::default();
        for word in &mut f.skills {
            *word = u64::from_le_bytes(take(8).try_into().ok()?);
        }
        f.languages = u64::from_le_bytes(take(8).try_into().ok()?);
        f.groups = u32::from_le_bytes(take(4).try_into().ok()?);
        f.certifications = u32::from_le_bytes(take(4).try_into().ok()?);
        for hash in &mut f.location {
            *hash = u32::from_le_bytes(take(4).try_into().ok()?);
        }
        for months in f
            .months
            .iter_mut()
            .chain(&mut f.months_since)
            .chain(&mut f.skill_months)
        {
            *months = u16::from_le_bytes(take(2).try_into().ok()?);
        }
        f.skill_month_ids.copy_from_slice(take(SKILL_MONTH_SLOTS));
        for fields in &mut f.fields_at_level {
            *fields = u16::from_le_bytes(take(2).try_into().ok()?);
        }
        let tail = take(5);
        f.other_field_level = tail[0];
        f.no_field_level = tail[1];
        f.highest = tail[2];
        f.travel = tail[3];
        f.flags = tail[4];
        Some(f)
    }

    /// What persisted features depend on: the encoding, the order of the categories, and the
    /// source of the code and the vocabularies that turn a profile into them (this file and
    /// `role/vocab.rs`, with the credential table it compiles in). A change to any of them changes this, and the pool
    /// is rebuilt from the stored profiles at the next start: conservative, never stale.
    pub fn format() -> String {
        // FNV-1a, 64 bits: a fingerprint, not a defence against anyone.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        // The order of the categories gives `months` and `months_since` their meaning.
        let categories = format!("{:?}", crate::profile::Category::ALL);
        for part in [
            ENCODING_VERSION.to_string().as_str(),
            categories.as_str(),
            include_str!("features.rs"),
            include_str!("../role/vocab.rs"),
            vocab::BUILTIN_CREDENTIALS,
        ] {
            for byte in part.bytes().chain([0xff]) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("features-v{ENCODING_VERSION}-{hash:016x}")
    }
}

impl Features {
    pub fn from_profile(profile: &Profile) -> Features {
        let mut f = Features {
            skill_month_ids: [NO_SKILL; SKILL_MONTH_SLOTS],
            months_since: [NOT_DATED; CATEGORY_SLOTS],
            ..Features::default()
        };
        f.record_recency(profile);
        let experience = &profile.experience;
        f.months = [
            months16(experience.total_months),
            months16(experience.sales_months),
            months16(experience.b2b_sales_months),
            months16(experience.account_management_months),
            months16(experience.people_management_months),
        ];
        if !profile.positions.is_empty() {
            f.flags |= HAS_POSITIONS;
        }

        if !profile.skills.is_empty() {
            f.flags |= HAS_SKILLS;
        }
        for skill in &profile.skills {
            if let Some(group) = vocab::group_index(&skill.group) {
                f.groups |= 1 << group;
            }
            let Some(index) = vocab::skill_index(&skill.name) else {
                continue;
            };
            if let Some(word) = f.skills.get_mut(index / 64) {
                *word |= 1 << (index % 64);
            }
            // The taxonomy may place a known skill in a group; the vocabulary's group counts too.
            if let Some(group) = vocab::SKILLS
                .get(index)
                .and_then(|(_, g)| vocab::group_index(g))
            {
                f.groups |= 1 << group;
            }
            if let Some(months) = skill.months {
                f.record_skill_months(index, months16(months));
            }
        }

        let mut highest_listed = 0;
        for education in profile.education.iter().filter(|e| e.completed) {
            let level = level_rank(education.level);
            highest_listed = highest_listed.max(level);
            let field_text = education.field.as_deref().or(education.degree.as_deref());
            let detected = field_text.and_then(vocab::detect_field);
            match (detected, education.field.as_deref()) {
                (Some(field), _) if field < FIELD_SLOTS => {
                    if let Some(mask) = f.fields_at_level.get_mut(usize::from(level)) {
                        *mask |= 1 << field;
                    }
                }
                (Some(_), _) => f.other_field_level = f.other_field_level.max(level),
                (None, Some(_)) => f.other_field_level = f.other_field_level.max(level),
                (None, None) => f.no_field_level = f.no_field_level.max(level),
            }
        }
        let stated_highest = level_rank(profile.highest_degree);
        if stated_highest > highest_listed {
            // A level the parser is sure of without a listed entry: its field is not known.
            f.no_field_level = f.no_field_level.max(stated_highest);
        }
        f.highest = stated_highest.max(highest_listed);
        if !profile.education.is_empty() || profile.highest_degree != DegreeLevel::None {
            f.flags |= HAS_EDUCATION;
        }

        f.travel = match profile.travel.status {
            TravelStatus::Yes => TRAVEL_YES,
            TravelStatus::No => TRAVEL_NO,
            TravelStatus::Unknown => TRAVEL_UNKNOWN,
        };

        if !profile.languages.is_empty() {
            f.flags |= HAS_LANGUAGES;
        }
        for language in &profile.languages {
            if let Some(index) = vocab::language_index(&language.name) {
                f.languages |= 1 << index;
            }
        }
        if !profile.certifications.is_empty() {
            f.flags |= HAS_CERTIFICATIONS;
        }
        for certification in &profile.certifications {
            if let Some(index) = vocab::certification_index(&certification.name) {
                f.certifications |= 1 << index;
            }
        }

        if let Some(location) = profile.contact.location.as_deref() {
            let mut words = location_words(location);
            for slot in f.location.iter_mut() {
                match words.next() {
                    Some(word) => *slot = location_hash(&word),
                    None => break,
                }
            }
            if f.location[0] != 0 {
                f.flags |= HAS_LOCATION;
            }
        }
        f
    }

    /// Fills `months_since`. Without a document date nothing can be stale: every category with
    /// a position counts as current.
    fn record_recency(&mut self, profile: &Profile) {
        use chrono::Datelike;
        let document = profile
            .document
            .document_date
            .map(|d| d.year() * 12 + d.month0() as i32);
        for position in &profile.positions {
            let end = if position.current {
                document
            } else {
                position.end.map(|end| end.month_index(12))
            };
            let since = match (document, end) {
                (Some(document), Some(end)) => months16((document - end).max(0) as u32),
                (None, _) => 0,
                (Some(_), None) => continue,
            };
            for (slot, category) in crate::profile::Category::ALL.iter().enumerate() {
                if position.categories.contains(category)
                    && let Some(kept) = self.months_since.get_mut(slot)
                {
                    *kept = (*kept).min(since);
                }
            }
        }
    }

    fn record_skill_months(&mut self, index: usize, months: u16) {
        let Ok(id) = u8::try_from(index) else {
            return;
        };
        for (slot_id, slot_months) in self.skill_month_ids.iter_mut().zip(&mut self.skill_months) {
            if *slot_id == id {
                *slot_months = (*slot_months).max(months);
                return;
            }
            if *slot_id == NO_SKILL {
                *slot_id = id;
                *slot_months = months;
                return;
            }
        }
    }

    /// Fields of the completed degrees at `min_level` or above.
    #[inline]
    pub(crate) fn fields_from_level(&self, min_level: u8) -> u32 {
        let mut mask = 0u32;
        for (level, fields) in self.fields_at_level.iter().enumerate() {
            if level >= usize::from(min_level.max(1)) {
                mask |= u32::from(*fields);
            }
        }
        mask
    }

    /// Months from the latest position in `category` or one of `related` to the document's date.
    pub(crate) fn latest_end_months(
        &self,
        category: crate::profile::Category,
        related: &[crate::role::RelatedRecord],
    ) -> Option<u16> {
        let slot = |c: crate::profile::Category| {
            crate::profile::Category::ALL
                .iter()
                .position(|x| *x == c)
                .and_then(|i| self.months_since.get(i))
                .copied()
                .unwrap_or(NOT_DATED)
        };
        let latest = related
            .iter()
            .map(|r| slot(r.category))
            .fold(slot(category), u16::min);
        (latest != NOT_DATED).then_some(latest)
    }

    pub(crate) fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Overlap-merged months of all experience.
    pub fn total_months(&self) -> u16 {
        self.months[TOTAL]
    }
}

/// A set of candidate slots, as a bitset: what a keyword query matches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlotSet {
    words: Vec<u64>,
}

impl SlotSet {
    pub fn new() -> SlotSet {
        SlotSet::default()
    }

    /// An empty set sized for `slots` slots (it grows on insert anyway).
    pub fn with_capacity(slots: usize) -> SlotSet {
        SlotSet {
            words: Vec::with_capacity(slots.div_ceil(64)),
        }
    }

    pub fn insert(&mut self, slot: usize) {
        let word = slot / 64;
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        if let Some(w) = self.words.get_mut(word) {
            *w |= 1 << (slot % 64);
        }
    }

    #[inline]
    pub fn contains(&self, slot: usize) -> bool {
        self.words
            .get(slot / 64)
            .is_some_and(|w| w & (1 << (slot % 64)) != 0)
    }

    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    pub fn intersect_with(&mut self, other: &SlotSet) {
        for (i, w) in self.words.iter_mut().enumerate() {
            *w &= other.words.get(i).copied().unwrap_or(0);
        }
    }
}

impl FromIterator<usize> for SlotSet {
    fn from_iter<I: IntoIterator<Item = usize>>(iter: I) -> SlotSet {
        let mut set = SlotSet::new();
        for slot in iter {
            set.insert(slot);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_read_back_from_their_bytes_exactly() {
        let all = crate::score::synthetic::features(7, 500);
        for features in &all {
            let bytes = features.to_bytes();
            assert_eq!(bytes.len(), Features::ENCODED_LEN);
            assert_eq!(Features::from_bytes(&bytes).as_ref(), Some(features));
        }
        // The synthetic pool sets every kind of field, or a field the encoding dropped would
        // pass unnoticed as its default.
        assert!(all.iter().any(|f| f.skills[0] != 0 && f.months[TOTAL] != 0));
        assert!(all.iter().any(|f| f.skill_month_ids[0] != NO_SKILL));
        assert!(
            all.iter()
                .any(|f| f.highest != 0 && f.travel != TRAVEL_UNKNOWN)
        );
        assert_eq!(Features::from_bytes(&[0; 3]), None);
        assert!(Features::format().starts_with("features-v1-"));
    }
}
