//! Profile facts as fields of the index, so that the Boolean `q` filter can name them beside the
//! words of the text: `skill:Salesforce`, `degree:bachelor`, `b2b_sales_months:>=60`,
//! `travel:yes`. tantivy then does the Boolean algebra over text and facts alike, and a fact
//! filter costs what a word does.
//!
//! Degrees are indexed as every level up to the highest completed one, so `degree:bachelor`
//! reads "at least a bachelor's", as a recruiter means it. Skills are indexed by name and by
//! taxonomy group (`skill:crm` finds any CRM).

use tantivy::TantivyDocument;
use tantivy::schema::{FAST, Field, INDEXED, Schema, SchemaBuilder, TEXT};

use crate::profile::{Category, DegreeLevel, Profile, TravelStatus};

/// The month fields, in the order of [`Facts::months`].
const MONTH_FIELDS: [&str; 5] = [
    "total_months",
    "sales_months",
    "b2b_sales_months",
    "account_management_months",
    "people_management_months",
];

/// The fact fields of the schema.
#[derive(Clone, Copy)]
pub struct FactFields {
    skill: Field,
    degree: Field,
    travel: Field,
    language: Field,
    certification: Field,
    months: [Field; 5],
}

impl FactFields {
    pub fn add_to(builder: &mut SchemaBuilder) {
        for name in ["skill", "degree", "travel", "language", "certification"] {
            builder.add_text_field(name, TEXT);
        }
        for name in MONTH_FIELDS {
            builder.add_u64_field(name, INDEXED | FAST);
        }
    }

    pub fn from_schema(schema: &Schema) -> tantivy::Result<Self> {
        let months = MONTH_FIELDS.map(|name| schema.get_field(name));
        let [a, b, c, d, e] = months;
        Ok(Self {
            skill: schema.get_field("skill")?,
            degree: schema.get_field("degree")?,
            travel: schema.get_field("travel")?,
            language: schema.get_field("language")?,
            certification: schema.get_field("certification")?,
            months: [a?, b?, c?, d?, e?],
        })
    }

    pub fn add(&self, document: &mut TantivyDocument, facts: &Facts) {
        for skill in &facts.skills {
            document.add_text(self.skill, skill);
        }
        for degree in &facts.degrees {
            document.add_text(self.degree, degree);
        }
        document.add_text(self.travel, facts.travel);
        for language in &facts.languages {
            document.add_text(self.language, language);
        }
        for certification in &facts.certifications {
            document.add_text(self.certification, certification);
        }
        for (field, months) in self.months.iter().zip(facts.months) {
            document.add_u64(*field, months);
        }
    }
}

/// What the index keeps of a profile besides its text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    skills: Vec<String>,
    degrees: Vec<&'static str>,
    travel: &'static str,
    languages: Vec<String>,
    certifications: Vec<String>,
    months: [u64; 5],
}

impl Facts {
    pub fn from_profile(profile: &Profile) -> Self {
        let mut skills: Vec<String> = Vec::new();
        for skill in &profile.skills {
            for value in [&skill.name, &skill.group] {
                if !skills.contains(value) {
                    skills.push(value.clone());
                }
            }
        }
        let degrees = [
            DegreeLevel::HighSchool,
            DegreeLevel::Associate,
            DegreeLevel::Bachelor,
            DegreeLevel::Master,
            DegreeLevel::Doctorate,
        ]
        .into_iter()
        .filter(|level| *level <= profile.highest_degree)
        .map(DegreeLevel::as_str)
        .collect();
        let experience = &profile.experience;
        Self {
            skills,
            degrees,
            travel: match profile.travel.status {
                TravelStatus::Yes => "yes",
                TravelStatus::No => "no",
                TravelStatus::Unknown => "unknown",
            },
            languages: profile.languages.iter().map(|l| l.name.clone()).collect(),
            certifications: profile
                .certifications
                .iter()
                .map(|c| c.name.clone())
                .collect(),
            months: [
                experience.total_months,
                experience.months(Category::Sales),
                experience.months(Category::B2bSales),
                experience.months(Category::AccountManagement),
                experience.months(Category::PeopleManagement),
            ]
            .map(u64::from),
        }
    }
}
