//! The structured candidate profile: what parsing produces, what the store keeps, what scoring
//! reads and what the API returns. Field names and meanings follow `docs/contract.md`; fields
//! beyond the contract are additions, never renames.
//!
//! Every fact carries [`Evidence`]: the text it was read from, so that a recruiter can check it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub mod json_resume;

/// A month or a year, as resumes give them: `"2010-01"` or `"2010"` where only the year is known.
/// Precision is kept: a year-only date is not silently turned into January.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartialDate {
    pub year: u16,
    /// 1..=12, or `None` when the resume gives only the year.
    pub month: Option<u8>,
}

impl PartialDate {
    pub fn month(year: u16, month: u8) -> Option<Self> {
        (1..=12).contains(&month).then_some(Self {
            year,
            month: Some(month),
        })
    }

    pub fn year(year: u16) -> Self {
        Self { year, month: None }
    }

    /// Months since year 0 for arithmetic; a year-only date counts as its `default_month`.
    pub fn month_index(self, default_month: u8) -> i32 {
        self.year as i32 * 12 + (self.month.unwrap_or(default_month) as i32 - 1)
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.month {
            Some(month) => write!(f, "{:04}-{:02}", self.year, month),
            None => write!(f, "{:04}", self.year),
        }
    }
}

impl FromStr for PartialDate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected YYYY or YYYY-MM, got {s:?}");
        let (year, month) = match s.split_once('-') {
            Some((y, m)) => (y, Some(m)),
            None => (s, None),
        };
        if year.len() != 4 {
            return Err(bad());
        }
        let year: u16 = year.parse().map_err(|_| bad())?;
        match month {
            None => Ok(Self::year(year)),
            Some(m) if m.len() == 2 => {
                let m: u8 = m.parse().map_err(|_| bad())?;
                Self::month(year, m).ok_or_else(bad)
            }
            Some(_) => Err(bad()),
        }
    }
}

/// In the API's schema a `PartialDate` is the string it serializes to.
impl utoipa::PartialSchema for PartialDate {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^[0-9]{4}(-(0[1-9]|1[0-2]))?$"))
            .description(Some(
                "A month (YYYY-MM), or a year (YYYY) where only the year is known.",
            ))
            .examples(["2010-01"])
            .into()
    }
}

impl utoipa::ToSchema for PartialDate {}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Where a fact came from: the words in the document, and the page they are on (1-based) when
/// the document has pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct Evidence {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
}

impl Evidence {
    pub fn new(text: impl Into<String>, page: Option<u32>) -> Self {
        Self {
            text: text.into(),
            page,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct Profile {
    pub document: DocumentInfo,
    pub contact: Contact,
    pub positions: Vec<Position>,
    pub experience: Experience,
    pub skills: Vec<Skill>,
    pub education: Vec<Education>,
    pub highest_degree: DegreeLevel,
    pub travel: Travel,
    #[serde(default)]
    pub languages: Vec<Language>,
    #[serde(default)]
    pub certifications: Vec<Certification>,
    /// The headline or summary title at the top of the resume, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    /// Stretches of at least three months without any position, between the first and the last.
    #[serde(default)]
    pub employment_gaps: Vec<Gap>,
    /// Measured sales results (quota attainment, revenue), each with its words.
    #[serde(default)]
    pub achievements: Vec<Achievement>,
}

/// A stretch without any position between two positions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Gap {
    /// The first month without work.
    pub start: PartialDate,
    /// The month work began again.
    pub end: PartialDate,
    pub months: u32,
}

/// A measured sales result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Achievement {
    /// `quota_attainment` (percent of quota or goal reached), `quota_exceeded` (percent above
    /// quota or goal), or `revenue` (US dollars of sales, revenue or bookings).
    pub kind: String,
    pub value: f64,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct DocumentInfo {
    pub media_type: String,
    pub pages: u32,
    /// The date the document states about itself, else the upload's `document_date`, else the
    /// day of upload: open-ended positions run to it.
    pub document_date: Option<chrono::NaiveDate>,
    pub chars: usize,
    pub warnings: Vec<Warning>,
    /// Where pages 2, 3, ... begin in the extracted text (byte offsets), so evidence can say
    /// which page a line is on. Empty for one-page documents and for profiles stored before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub page_starts: Vec<usize>,
}

/// Something the reader of a profile should know about the document (hidden text, repaired
/// encoding, a page without text, ...). `code` is stable; `message` is for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Warning {
    pub code: String,
    pub message: String,
}

impl Warning {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct Contact {
    pub name: Option<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub location: Option<String>,
    pub links: Vec<String>,
}

/// The kinds of experience the timeline merges. Names are the contract's.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Sales,
    B2bSales,
    AccountManagement,
    PeopleManagement,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::Sales,
        Category::B2bSales,
        Category::AccountManagement,
        Category::PeopleManagement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Sales => "sales",
            Category::B2bSales => "b2b_sales",
            Category::AccountManagement => "account_management",
            Category::PeopleManagement => "people_management",
        }
    }
}

impl FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown experience category {s:?}"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct Position {
    pub title: Option<String>,
    pub employer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub start: Option<PartialDate>,
    pub end: Option<PartialDate>,
    pub current: bool,
    /// Months from start to end (or to the document date when current); `None` without a start.
    pub months: Option<u32>,
    pub categories: Vec<Category>,
    /// Why each category was given: the words that show it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category_evidence: Vec<CategoryEvidence>,
    /// The heading line(s) of the position as written.
    pub evidence: Evidence,
    /// The description under the heading (bullets), as extracted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CategoryEvidence {
    pub category: Category,
    pub evidence: Evidence,
}

/// Overlap-merged months: two jobs held at once count once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct Experience {
    pub total_months: u32,
    pub sales_months: u32,
    pub b2b_sales_months: u32,
    pub account_management_months: u32,
    pub people_management_months: u32,
}

impl Experience {
    pub fn months(&self, category: Category) -> u32 {
        match category {
            Category::Sales => self.sales_months,
            Category::B2bSales => self.b2b_sales_months,
            Category::AccountManagement => self.account_management_months,
            Category::PeopleManagement => self.people_management_months,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skill {
    /// The canonical name from the taxonomy (`Salesforce`, `Microsoft Excel`, `CRM`).
    pub name: String,
    /// The taxonomy group (`crm`, `office`, `sales_method`, ...).
    pub group: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<PartialDate>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

/// Degree levels in increasing order, so that `>=` compares them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    Default,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DegreeLevel {
    #[default]
    None,
    HighSchool,
    Associate,
    Bachelor,
    Master,
    Doctorate,
}

impl DegreeLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            DegreeLevel::None => "none",
            DegreeLevel::HighSchool => "high_school",
            DegreeLevel::Associate => "associate",
            DegreeLevel::Bachelor => "bachelor",
            DegreeLevel::Master => "master",
            DegreeLevel::Doctorate => "doctorate",
        }
    }
}

impl FromStr for DegreeLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            DegreeLevel::None,
            DegreeLevel::HighSchool,
            DegreeLevel::Associate,
            DegreeLevel::Bachelor,
            DegreeLevel::Master,
            DegreeLevel::Doctorate,
        ]
        .into_iter()
        .find(|level| level.as_str() == s)
        .ok_or_else(|| format!("unknown degree level {s:?}"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Education {
    pub level: DegreeLevel,
    pub degree: Option<String>,
    pub field: Option<String>,
    pub institution: Option<String>,
    pub year: Option<u16>,
    /// False for "in progress", "expected", "coursework": these do not count toward
    /// `highest_degree`.
    #[serde(default = "default_true")]
    pub completed: bool,
    pub evidence: Evidence,
}

fn default_true() -> bool {
    true
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TravelStatus {
    Yes,
    No,
    #[default]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct Travel {
    pub status: TravelStatus,
    /// The words that show it (contract: a string), `None` when unknown.
    pub evidence: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// The id of the rule in `config/rules/travel.toml` that found it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Language {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proficiency: Option<String>,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Certification {
    pub name: String,
    pub evidence: Evidence,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_round_trip_with_their_precision() {
        for text in ["2010-01", "2010", "1999-12"] {
            let date: PartialDate = text.parse().unwrap();
            assert_eq!(date.to_string(), text);
        }
        assert!("2010-13".parse::<PartialDate>().is_err());
        assert!("10-01".parse::<PartialDate>().is_err());
        assert!("2010-1".parse::<PartialDate>().is_err());
    }

    #[test]
    fn degree_levels_order_from_none_to_doctorate() {
        assert!(DegreeLevel::Bachelor > DegreeLevel::Associate);
        assert!(DegreeLevel::Doctorate > DegreeLevel::Master);
        assert_eq!(
            "high_school".parse::<DegreeLevel>(),
            Ok(DegreeLevel::HighSchool)
        );
    }
}
