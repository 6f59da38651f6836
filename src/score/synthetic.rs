//! Synthetic candidates for benchmarks and property tests: seeded and deterministic, with
//! distributions shaped like a sales-hiring pool (most have some sales experience, fewer B2B,
//! fewer still manage people; bachelor's degrees dominate; travel mostly unstated).
//!
//! The generator is a hand-written SplitMix64: ten lines, and its output must never change under
//! us, so that a benchmark at one commit runs the same candidates as at another.

use crate::profile::{
    Category, Certification, Contact, DegreeLevel, Education, Evidence, Experience, Language,
    PartialDate, Position, Profile, Skill, Travel, TravelStatus,
};
use crate::role::vocab;

use super::Features;

/// SplitMix64 (Steele, Lea, Flood 2014).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

const TITLES: &[(&str, &[Category])] = &[
    (
        "Key Account Manager",
        &[
            Category::Sales,
            Category::B2bSales,
            Category::AccountManagement,
        ],
    ),
    (
        "Account Manager",
        &[Category::Sales, Category::AccountManagement],
    ),
    ("Sales Representative", &[Category::Sales]),
    (
        "Sales Manager",
        &[
            Category::Sales,
            Category::B2bSales,
            Category::PeopleManagement,
        ],
    ),
    ("Inside Sales Associate", &[Category::Sales]),
    ("Customer Service Representative", &[]),
    ("Office Administrator", &[]),
    (
        "Regional Sales Director",
        &[
            Category::Sales,
            Category::B2bSales,
            Category::AccountManagement,
            Category::PeopleManagement,
        ],
    ),
    (
        "Business Development Manager",
        &[Category::Sales, Category::B2bSales],
    ),
];

const FIELDS: &[&str] = &[
    "Business Administration",
    "Marketing",
    "Economics",
    "Communications",
    "Psychology",
    "Biology",
    "Finance",
    "History",
];

/// The `index`-th synthetic candidate of the pool seeded with `seed`: the same arguments give the
/// same profile, independently of any other candidate.
pub fn profile(seed: u64, index: u64) -> Profile {
    let mut rng = Rng::new(seed ^ index.wrapping_mul(0xa076_1d64_78bd_642f));
    let mut profile = Profile::default();

    // Careers of 0 to ~25 years, as 1 to 5 positions back to back from 2024 backwards.
    let position_count = rng.below(6);
    let mut end_month = 2024 * 12 + 6;
    let mut months_by_category = [0u32; 4];
    for i in 0..position_count {
        let (title, categories) = TITLES[rng.below(TITLES.len() as u64) as usize];
        let months = 6 + rng.below(66) as u32;
        let start_month = end_month - months as i32;
        let date = |m: i32| PartialDate::month((m / 12) as u16, (m % 12 + 1) as u8);
        for category in categories {
            if let Some(slot) = Category::ALL.iter().position(|c| c == category) {
                months_by_category[slot] += months;
            }
        }
        profile.positions.push(Position {
            title: Some(title.to_owned()),
            employer: Some(format!("Employer {}", rng.below(10_000))),
            start: date(start_month),
            end: if i == 0 { None } else { date(end_month) },
            current: i == 0,
            months: Some(months),
            categories: categories.to_vec(),
            evidence: Evidence::new(title, Some(1)),
            ..Position::default()
        });
        end_month = start_month - rng.below(6) as i32;
    }
    let total: u32 = profile.positions.iter().filter_map(|p| p.months).sum();
    profile.experience = Experience {
        total_months: total,
        sales_months: months_by_category[0],
        b2b_sales_months: months_by_category[1],
        account_management_months: months_by_category[2],
        people_management_months: months_by_category[3],
    };

    // Skills: a CRM for about half, Excel for 60%, a few others from the vocabulary.
    let mut add_skill = |rng: &mut Rng, index: usize| {
        if let Some((name, group)) = vocab::SKILLS.get(index) {
            profile.skills.push(Skill {
                name: (*name).to_owned(),
                group: (*group).to_owned(),
                months: rng.chance(0.2).then(|| 6 + rng.below(96) as u32),
                last_used: None,
                evidence: vec![Evidence::new(format!("Skills: {name}"), Some(1))],
            });
        }
    };
    if rng.chance(0.5) {
        let index = rng.below(20) as usize;
        add_skill(&mut rng, index);
    }
    if rng.chance(0.6) {
        add_skill(&mut rng, vocab::skill_index("Microsoft Excel").unwrap_or(0));
    }
    for _ in 0..rng.below(5) {
        let index = rng.below(vocab::SKILLS.len() as u64) as usize;
        add_skill(&mut rng, index);
    }

    // Education: 15% none listed, else mostly bachelor's.
    if !rng.chance(0.15) {
        let level = match rng.below(100) {
            0..=9 => DegreeLevel::HighSchool,
            10..=19 => DegreeLevel::Associate,
            20..=79 => DegreeLevel::Bachelor,
            80..=97 => DegreeLevel::Master,
            _ => DegreeLevel::Doctorate,
        };
        let field = rng
            .chance(0.85)
            .then(|| FIELDS[rng.below(FIELDS.len() as u64) as usize].to_owned());
        profile.education.push(Education {
            level,
            degree: None,
            field,
            institution: Some("State University".to_owned()),
            year: Some(1990 + rng.below(34) as u16),
            completed: !rng.chance(0.05),
            evidence: Evidence::new("Education", Some(1)),
        });
        if profile.education.iter().any(|e| e.completed) {
            profile.highest_degree = level;
        }
    }

    profile.travel = match rng.below(10) {
        0..=2 => Travel {
            status: TravelStatus::Yes,
            evidence: Some("willing to travel".to_owned()),
            page: Some(1),
            rule: Some("willing_to_travel".to_owned()),
        },
        3 => Travel {
            status: TravelStatus::No,
            evidence: Some("unable to travel".to_owned()),
            page: Some(1),
            rule: Some("cannot_travel".to_owned()),
        },
        _ => Travel::default(),
    };
    if rng.chance(0.2) {
        let name = vocab::LANGUAGES[rng.below(8) as usize];
        profile.languages.push(Language {
            name: name.to_owned(),
            proficiency: None,
            evidence: Evidence::new(name, Some(1)),
        });
    }
    if rng.chance(0.05) {
        profile.certifications.push(Certification {
            name: "Certified Sales Professional".to_owned(),
            evidence: Evidence::new("CSP", Some(1)),
        });
    }
    profile.contact = Contact {
        location: rng.chance(0.7).then(|| {
            ["Chicago, IL", "New York, NY", "Austin, TX", "London"][rng.below(4) as usize]
                .to_owned()
        }),
        ..Contact::default()
    };
    profile
}

/// Features of `count` synthetic candidates, built in parallel through [`Features::from_profile`].
pub fn features(seed: u64, count: usize) -> Vec<Features> {
    use rayon::prelude::*;
    (0..count as u64)
        .into_par_iter()
        .map(|index| Features::from_profile(&profile(seed, index)))
        .collect()
}
