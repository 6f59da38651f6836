//! The fixed vocabularies that roles name and that scoring turns into bits: skills and skill
//! groups (a snapshot of `config/taxonomy/skills.toml`), fields of study, languages and
//! certifications.
//!
//! The vocabularies are compiled in because a candidate's [`crate::score::Features`] store
//! *positions* in them: a bit per skill, a byte per field. Adding an entry at the end keeps every
//! stored feature valid; reordering would not (features are rebuilt from profiles at start-up, so
//! even that only costs a restart). A role may still name a skill or certification outside the
//! vocabulary: scoring then answers it through the full-text index, like a keyword requirement.

use std::sync::LazyLock;

use serde::Deserialize;

/// Canonical skill names and their taxonomy group, in bit order. At most 128 entries.
pub const SKILLS: &[(&str, &str)] = &[
    ("Salesforce", "crm"),
    ("HubSpot", "crm"),
    ("Zoho CRM", "crm"),
    ("Microsoft Dynamics", "crm"),
    ("Siebel", "crm"),
    ("SAP CRM", "crm"),
    ("Oracle CRM", "crm"),
    ("NetSuite", "crm"),
    ("Pipedrive", "crm"),
    ("SugarCRM", "crm"),
    ("Act!", "crm"),
    ("GoldMine", "crm"),
    ("SalesLogix", "crm"),
    ("Zendesk", "crm"),
    ("Freshsales", "crm"),
    ("Insightly", "crm"),
    ("Copper", "crm"),
    ("Veeva CRM", "crm"),
    ("Maximizer CRM", "crm"),
    ("CRM", "crm"),
    ("Microsoft Office", "office"),
    ("Microsoft Excel", "office"),
    ("Microsoft Word", "office"),
    ("Microsoft PowerPoint", "office"),
    ("Microsoft Outlook", "office"),
    ("Microsoft Access", "office"),
    ("Google Workspace", "office"),
    ("SPIN Selling", "sales_method"),
    ("Challenger Sale", "sales_method"),
    ("MEDDIC", "sales_method"),
    ("Solution Selling", "sales_method"),
    ("Consultative Selling", "sales_method"),
    ("Sandler Selling System", "sales_method"),
    ("Miller Heiman", "sales_method"),
    ("Value Selling", "sales_method"),
    ("Target Account Selling", "sales_method"),
    ("BANT", "sales_method"),
    ("Customer Centric Selling", "sales_method"),
    ("Cold Calling", "sales_skill"),
    ("Lead Generation", "sales_skill"),
    ("Prospecting", "sales_skill"),
    ("Negotiation", "sales_skill"),
    ("Account Management", "sales_skill"),
    ("Business Development", "sales_skill"),
    ("Pipeline Management", "sales_skill"),
    ("Sales Forecasting", "sales_skill"),
    ("Territory Management", "sales_skill"),
    ("Closing", "sales_skill"),
    ("Upselling", "sales_skill"),
    ("Customer Service", "sales_skill"),
    ("Relationship Building", "sales_skill"),
    ("Presentation Skills", "sales_skill"),
    ("RFP Management", "sales_skill"),
    ("LinkedIn Sales Navigator", "sales_tool"),
    ("ZoomInfo", "sales_tool"),
    ("Outreach", "sales_tool"),
    ("Salesloft", "sales_tool"),
    ("Gong", "sales_tool"),
    ("Marketo", "marketing_tool"),
    ("Pardot", "marketing_tool"),
    ("Mailchimp", "marketing_tool"),
    ("Google Analytics", "marketing_tool"),
    ("Constant Contact", "marketing_tool"),
    ("Tableau", "analytics"),
    ("Power BI", "analytics"),
    ("SQL", "analytics"),
    ("SAP", "erp"),
    ("Oracle", "erp"),
    ("QuickBooks", "accounting"),
];

/// Other spellings a recruiter may write in a role for a canonical skill name.
const SKILL_ALIASES: &[(&str, &str)] = &[
    ("excel", "Microsoft Excel"),
    ("ms excel", "Microsoft Excel"),
    ("ms office", "Microsoft Office"),
    ("office", "Microsoft Office"),
    ("microsoft office suite", "Microsoft Office"),
    ("word", "Microsoft Word"),
    ("ms word", "Microsoft Word"),
    ("powerpoint", "Microsoft PowerPoint"),
    ("ms powerpoint", "Microsoft PowerPoint"),
    ("outlook", "Microsoft Outlook"),
    ("salesforce.com", "Salesforce"),
    ("sfdc", "Salesforce"),
    ("zoho", "Zoho CRM"),
    ("dynamics", "Microsoft Dynamics"),
    ("dynamics crm", "Microsoft Dynamics"),
    ("ms dynamics", "Microsoft Dynamics"),
    ("sugar crm", "SugarCRM"),
    ("act", "Act!"),
];

/// Skill groups roles can ask for as `group:<name>`, in bit order. At most 32 entries.
pub const GROUPS: &[&str] = &[
    "crm",
    "office",
    "sales_method",
    "sales_skill",
    "sales_tool",
    "marketing_tool",
    "analytics",
    "erp",
    "accounting",
];

/// The index of a canonical skill, from its canonical name or an alias, ignoring case.
pub fn skill_index(name: &str) -> Option<usize> {
    let name = name.trim();
    if let Some(i) = SKILLS
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case(name))
    {
        return Some(i);
    }
    let canonical = SKILL_ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
        .map(|(_, canonical)| *canonical)?;
    SKILLS.iter().position(|(n, _)| *n == canonical)
}

pub fn group_index(group: &str) -> Option<usize> {
    GROUPS
        .iter()
        .position(|g| g.eq_ignore_ascii_case(group.trim()))
}

/// Fields of study a degree requirement can name, in byte order, with the words that show each
/// in free text (lowercase, matched on word starts). At most 16 entries.
pub const FIELDS: &[(&str, &[&str])] = &[
    (
        "business_administration",
        &[
            "business administration",
            "business admin",
            "business management",
            "bba",
            "mba",
            "business studies",
            "business",
        ],
    ),
    ("sales", &["sales", "selling", "salesmanship"]),
    ("marketing", &["marketing", "advertising"]),
    ("management", &["management", "organizational leadership"]),
    ("economics", &["economics", "economy"]),
    ("finance", &["finance", "financial", "banking"]),
    ("accounting", &["accounting", "accountancy"]),
    ("commerce", &["commerce", "b.com", "bcom", "trade"]),
    (
        "communications",
        &["communication", "journalism", "public relations"],
    ),
    (
        "international_business",
        &["international business", "international relations"],
    ),
    ("psychology", &["psychology"]),
    ("engineering", &["engineering"]),
    (
        "computer_science",
        &["computer science", "information technology", "computing"],
    ),
    ("science", &["biology", "chemistry", "physics", "science"]),
    (
        "humanities",
        &[
            "english",
            "history",
            "arts",
            "liberal",
            "philosophy",
            "literature",
        ],
    ),
    ("hospitality", &["hospitality", "tourism", "hotel"]),
];

/// Fields that count as "relevant" to each other when a role says "or relevant field": the
/// business family. A sales role that asks for Business Administration is equally served by
/// Marketing or Economics; not by Chemistry.
pub const BUSINESS_FAMILY: &[&str] = &[
    "business_administration",
    "sales",
    "marketing",
    "management",
    "economics",
    "finance",
    "accounting",
    "commerce",
    "communications",
    "international_business",
    "hospitality",
];

pub fn field_index(id: &str) -> Option<usize> {
    FIELDS.iter().position(|(f, _)| *f == id)
}

/// The field a free-text field of study ("B.S. Marketing Management") belongs to: the first
/// vocabulary entry whose phrase occurs in it at a word start. Specific phrases come before
/// broad ones ("business administration" before "business").
pub fn detect_field(text: &str) -> Option<usize> {
    let lower = text.to_lowercase();
    FIELDS.iter().position(|(_, phrases)| {
        phrases
            .iter()
            .any(|phrase| contains_at_word_start(&lower, phrase))
    })
}

/// A role names a field in the recruiter's words ("Business Administration") or as an id.
pub fn resolve_field(name: &str) -> Option<usize> {
    let id = name.trim().to_lowercase().replace([' ', '-'], "_");
    field_index(&id).or_else(|| detect_field(name))
}

pub fn in_business_family(field: usize) -> bool {
    FIELDS
        .get(field)
        .is_some_and(|(id, _)| BUSINESS_FAMILY.contains(id))
}

pub(crate) fn contains_at_word_start(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(at, _)| {
        at == 0
            || haystack[..at]
                .chars()
                .next_back()
                .is_some_and(|c| !c.is_alphanumeric())
    })
}

/// Languages in bit order (canonical English names, as the parser emits them). At most 64.
pub const LANGUAGES: &[&str] = &[
    "English",
    "Spanish",
    "French",
    "German",
    "Italian",
    "Portuguese",
    "Chinese",
    "Japanese",
    "Korean",
    "Arabic",
    "Russian",
    "Hindi",
    "Urdu",
    "Bengali",
    "Punjabi",
    "Gujarati",
    "Tamil",
    "Telugu",
    "Marathi",
    "Malayalam",
    "Kannada",
    "Dutch",
    "Swedish",
    "Norwegian",
    "Danish",
    "Finnish",
    "Polish",
    "Czech",
    "Greek",
    "Turkish",
    "Hebrew",
    "Persian",
    "Vietnamese",
    "Thai",
    "Indonesian",
    "Malay",
    "Tagalog",
    "Swahili",
    "Romanian",
    "Hungarian",
    "Ukrainian",
    "Serbian",
    "Croatian",
    "Bulgarian",
    "Slovak",
    "Afrikaans",
    "Sign Language",
];

pub fn language_index(name: &str) -> Option<usize> {
    LANGUAGES
        .iter()
        .position(|l| l.eq_ignore_ascii_case(name.trim()))
}

/// Sales certifications common enough to hold as bits. At most 32. Others go to the index.
pub const CERTIFICATIONS: &[(&str, &[&str])] = &[
    (
        "Certified Sales Professional",
        &["certified sales professional", "csp"],
    ),
    (
        "Certified Professional Sales Person",
        &["certified professional sales person", "cpsp"],
    ),
    (
        "Certified Strategic Account Manager",
        &["certified strategic account manager", "csam"],
    ),
    (
        "Strategic Account Management Association",
        &["sama", "strategic account management association"],
    ),
    (
        "Salesforce Certified Administrator",
        &[
            "salesforce certified administrator",
            "salesforce administrator",
        ],
    ),
    (
        "HubSpot Sales Certification",
        &["hubspot sales", "hubspot inbound sales"],
    ),
    (
        "Project Management Professional",
        &["project management professional", "pmp"],
    ),
    (
        "Certified Public Accountant",
        &["certified public accountant", "cpa"],
    ),
    ("Six Sigma", &["six sigma", "lean six sigma"]),
    (
        "Certified Key Account Manager",
        &["certified key account manager"],
    ),
];

/// The certification a free-text name denotes, by its phrases.
pub fn certification_index(name: &str) -> Option<usize> {
    let lower = name.trim().to_lowercase();
    CERTIFICATIONS.iter().position(|(canonical, phrases)| {
        canonical.eq_ignore_ascii_case(&lower)
            || phrases
                .iter()
                .any(|phrase| contains_at_word_start(&lower, phrase))
    })
}

/// The certifications and licences job ads ask for (`config/taxonomy/certifications.toml`):
/// what drafting recognises, wider than the scorer's bit vocabulary above.
pub const BUILTIN_CREDENTIALS: &str = include_str!("../../config/taxonomy/certifications.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Credential {
    pub name: String,
    #[serde(default)]
    pub synonyms: Vec<String>,
    #[serde(default)]
    pub case_sensitive: Vec<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub not_examples: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct CredentialsFile {
    certification: Vec<Credential>,
}

/// A credential found in text: which entry, and where (byte offsets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CredentialHit {
    pub entry: usize,
    pub start: usize,
    pub end: usize,
}

/// The credentials table, parsed once. The builtin table is checked by the tests; were it ever
/// invalid, drafting would find no credentials rather than fail.
pub fn credentials() -> &'static [Credential] {
    static TABLE: LazyLock<Vec<Credential>> = LazyLock::new(|| {
        toml::from_str::<CredentialsFile>(BUILTIN_CREDENTIALS)
            .map(|file| file.certification)
            .unwrap_or_default()
    });
    &TABLE
}

fn is_word_byte(text: &str, at: usize, before: bool) -> bool {
    let c = if before {
        text.get(..at).and_then(|h| h.chars().next_back())
    } else {
        text.get(at..).and_then(|t| t.chars().next())
    };
    c.is_some_and(char::is_alphanumeric)
}

/// Whether `spelling` found at `start..end` of `text` stands on word boundaries (a boundary is
/// only needed where the spelling itself starts or ends with a letter or digit: "Security+").
fn on_word_boundaries(text: &str, spelling: &str, start: usize, end: usize) -> bool {
    let first_is_word = spelling.chars().next().is_some_and(char::is_alphanumeric);
    let last_is_word = spelling
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric);
    (!first_is_word || !is_word_byte(text, start, true))
        && (!last_is_word || !is_word_byte(text, end, false))
}

/// Credentials named in `text`, leftmost-longest, in text order. Drafting reads short sentences,
/// so a scan per spelling is plenty; resumes are not read with this.
pub fn find_credentials(text: &str) -> Vec<CredentialHit> {
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII; then only exact-case spellings are
    // looked for, at their true offsets.
    let same_offsets = lower.len() == text.len();
    let mut hits = Vec::new();
    for (entry, credential) in credentials().iter().enumerate() {
        // The name is a spelling too, in any case unless it is an abbreviation kept as written.
        let abbreviation =
            credential.name.len() <= 4 && credential.name.chars().all(|c| !c.is_lowercase());
        let name_folds = !abbreviation && !credential.case_sensitive.contains(&credential.name);
        let insensitive = credential
            .synonyms
            .iter()
            .chain(std::iter::once(&credential.name).filter(|_| name_folds))
            .map(|s| (s.to_lowercase(), true));
        let sensitive = credential.case_sensitive.iter().map(|s| (s.clone(), false));
        for (spelling, folded) in insensitive.chain(sensitive) {
            if spelling.is_empty() {
                continue;
            }
            let haystack = if folded && same_offsets { &lower } else { text };
            for (start, _) in haystack.match_indices(spelling.as_str()) {
                let end = start + spelling.len();
                if on_word_boundaries(haystack, &spelling, start, end) {
                    hits.push(CredentialHit { entry, start, end });
                }
            }
        }
    }
    hits.sort_by_key(|hit| (hit.start, std::cmp::Reverse(hit.end)));
    let mut chosen: Vec<CredentialHit> = Vec::new();
    for hit in hits {
        if chosen.last().is_none_or(|last| hit.start >= last.end) {
            chosen.push(hit);
        }
    }
    chosen
}

/// The canonical name of a credential written as a name ("Active CPA license", "PE"), if the
/// table knows it: an exact name or spelling first, else the one credential the words name.
pub fn certification_canonical(name: &str) -> Option<&'static str> {
    let name = name.trim();
    let table = credentials();
    if let Some(credential) = table.iter().find(|c| {
        (c.name.eq_ignore_ascii_case(name) && !c.case_sensitive.contains(&c.name))
            || c.name == name
            || c.synonyms.iter().any(|s| s.eq_ignore_ascii_case(name))
            || c.case_sensitive.iter().any(|s| s == name)
    }) {
        return Some(credential.name.as_str());
    }
    let hits = find_credentials(name);
    match hits.as_slice() {
        [only] => table.get(only.entry).map(|c| c.name.as_str()),
        _ => None,
    }
}

/// Skills of `config/taxonomy/skills.toml` marked `generic`: the name of a kind of system
/// (CRM, HRIS, EHR, POS). Products named after one ("an HRIS such as UKG or Workday") are
/// examples of it, not requirements of their own.
pub fn generic_skills() -> &'static [String] {
    static GENERIC: LazyLock<Vec<String>> = LazyLock::new(|| {
        #[derive(Deserialize)]
        struct Row {
            name: String,
            #[serde(default)]
            generic: bool,
        }
        #[derive(Deserialize)]
        struct File {
            skill: Vec<Row>,
        }
        let mut names: Vec<String> = toml::from_str::<File>(crate::parse::taxonomy::BUILTIN_SKILLS)
            .map(|file| {
                file.skill
                    .into_iter()
                    .filter(|row| row.generic)
                    .map(|row| row.name)
                    .collect()
            })
            .unwrap_or_default();
        // The generic CRM mention and the Office suite predate the flag: "Microsoft Office
        // (Word, Outlook, Excel)" names the suite's programs as examples.
        names.push("CRM".to_owned());
        names.push("Microsoft Office".to_owned());
        names
    });
    &GENERIC
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_fit_their_bitsets() {
        assert!(SKILLS.len() <= 128);
        assert!(GROUPS.len() <= 32);
        assert!(FIELDS.len() <= 16);
        assert!(LANGUAGES.len() <= 64);
        assert!(CERTIFICATIONS.len() <= 32);
        for (_, group) in SKILLS {
            assert!(group_index(group).is_some(), "{group} is not a known group");
        }
    }

    #[test]
    fn fields_are_detected_in_free_text() {
        let field = |t| detect_field(t).map(|i| FIELDS[i].0);
        assert_eq!(
            field("Business Administration"),
            Some("business_administration")
        );
        assert_eq!(field("B.S. Marketing"), Some("marketing"));
        assert_eq!(field("Chemistry"), Some("science"));
        assert_eq!(field("Underwater basket weaving"), None);
        assert_eq!(resolve_field("sales"), field_index("sales"));
    }

    #[test]
    fn skills_resolve_through_aliases() {
        assert_eq!(skill_index("MS Excel"), skill_index("Microsoft Excel"));
        assert!(skill_index("salesforce").is_some());
        assert!(skill_index("Python").is_none());
    }

    #[test]
    fn every_credential_is_found_in_its_examples_and_not_in_its_counter_examples() {
        let table = credentials();
        assert!(table.len() >= 100, "the credentials table did not load");
        let mut names: Vec<&str> = table.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "a credential name appears twice");
        for credential in table {
            assert!(
                !credential.examples.is_empty(),
                "{} has no example",
                credential.name
            );
            for example in &credential.examples {
                let found: Vec<&str> = find_credentials(example)
                    .iter()
                    .map(|hit| table[hit.entry].name.as_str())
                    .collect();
                assert!(
                    found.contains(&credential.name.as_str()),
                    "{}: not found in {example:?} (found {found:?})",
                    credential.name
                );
            }
            for example in &credential.not_examples {
                let found: Vec<&str> = find_credentials(example)
                    .iter()
                    .map(|hit| table[hit.entry].name.as_str())
                    .collect();
                assert!(
                    !found.contains(&credential.name.as_str()),
                    "{}: wrongly found in {example:?}",
                    credential.name
                );
            }
        }
    }

    #[test]
    fn credentials_resolve_to_their_canonical_names() {
        assert_eq!(
            certification_canonical("cpa"),
            None,
            "abbreviations keep their case"
        );
        assert_eq!(certification_canonical("CPA"), Some("CPA"));
        assert_eq!(
            certification_canonical("Certified Public Accountant"),
            Some("CPA")
        );
        assert_eq!(
            certification_canonical("Active Texas real estate salesperson license"),
            Some("Real Estate License")
        );
        assert_eq!(certification_canonical("Underwater basket weaving"), None);
    }

    /// Skill rows with `examples`/`not_examples` (the rows beyond sales) are found by the
    /// parser's taxonomy where they should be, and not where they should not.
    #[test]
    fn every_skill_row_is_found_in_its_examples_and_not_in_its_counter_examples() {
        #[derive(Deserialize)]
        struct Row {
            name: String,
            #[serde(default)]
            examples: Vec<String>,
            #[serde(default)]
            not_examples: Vec<String>,
        }
        #[derive(Deserialize)]
        struct File {
            skill: Vec<Row>,
        }
        let file: File = toml::from_str(crate::parse::taxonomy::BUILTIN_SKILLS).unwrap();
        let taxonomy = crate::parse::taxonomy::Taxonomy::builtin().unwrap();
        let names = |text: &str| -> Vec<String> {
            taxonomy
                .find_skills(text)
                .iter()
                .map(|hit| taxonomy.skills[hit.entry].name.clone())
                .collect()
        };
        let mut checked = 0;
        for row in &file.skill {
            for example in &row.examples {
                checked += 1;
                assert!(
                    names(example).contains(&row.name),
                    "{}: not found in {example:?} (found {:?})",
                    row.name,
                    names(example)
                );
            }
            for example in &row.not_examples {
                assert!(
                    !names(example).contains(&row.name),
                    "{}: wrongly found in {example:?}",
                    row.name
                );
            }
        }
        assert!(checked >= 100, "only {checked} skill examples");
        assert!(generic_skills().iter().any(|g| g == "HRIS"));
    }
}
