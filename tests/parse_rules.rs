//! `Parser::parse` on small written resumes: each test states one rule of the contract.

use chrono::NaiveDate;
use shortlist::extract::{Document, MediaType};
use shortlist::parse::{ParseOptions, Parser};
use shortlist::profile::{Category, DegreeLevel, PartialDate, Profile, TravelStatus};

fn parse_with(text: &str, document_date: Option<NaiveDate>) -> Profile {
    let document = Document {
        media_type: MediaType::Text,
        pages: 1,
        document_date,
        text: text.to_owned(),
        page_starts: vec![],
        warnings: vec![],
    };
    let options = ParseOptions {
        fallback_date: NaiveDate::from_ymd_opt(2024, 3, 15).unwrap(),
    };
    Parser::builtin().parse(&document, &options)
}

fn parse(text: &str) -> Profile {
    parse_with(text, NaiveDate::from_ymd_opt(2021, 8, 8))
}

fn ym(year: u16, month: u8) -> Option<PartialDate> {
    PartialDate::month(year, month)
}

const KEY_ACCOUNT: &str = "Jane Doe
jane@example.com | +1 (617) 555-0134
Summary
Key account manager. Willing to travel 50%.
Professional Experience
Key Account Manager, Acme Industrial Supply Inc, Boston, MA
Jan 2015 – Present
Managed a portfolio of 40 corporate clients and grew revenue 30%.
Supervised a team of 8 inside sales representatives.
Achieved 132% of annual quota in 2019 using Salesforce and SPIN Selling.
Sales Associate, Macy's
06/2012 to 12/2014
Helped shoppers choose products and met monthly sales goals.
Excel at customer service.
Line Cook
2010 - 2012
Prepared meals for 200 guests a night.
Education
MBA in Marketing, Boston University, 2014
B.S. in Economics, University of Massachusetts, 2010
PhD in Economics (in progress), MIT
Languages
English (native), Spanish (conversational)
Certifications
Certified Sales Professional (CSP)
";

#[test]
fn a_key_account_manager_resume_reads_completely() {
    let p = parse(KEY_ACCOUNT);
    assert_eq!(p.contact.name.as_deref(), Some("Jane Doe"));
    assert_eq!(p.contact.emails, ["jane@example.com"]);
    assert_eq!(p.positions.len(), 3);

    let kam = &p.positions[0];
    assert_eq!(kam.title.as_deref(), Some("Key Account Manager"));
    assert_eq!(kam.employer.as_deref(), Some("Acme Industrial Supply Inc"));
    assert_eq!(kam.location.as_deref(), Some("Boston, MA"));
    assert_eq!((kam.start, kam.end, kam.current), (ym(2015, 1), None, true));
    assert_eq!(kam.months, Some(79));
    assert_eq!(
        kam.categories,
        [
            Category::Sales,
            Category::B2bSales,
            Category::AccountManagement,
            Category::PeopleManagement
        ]
    );
    assert_eq!(kam.category_evidence.len(), 4);

    let retail = &p.positions[1];
    assert_eq!(retail.categories, [Category::Sales]);
    let cook = &p.positions[2];
    assert!(cook.categories.is_empty());
    assert_eq!(cook.start, Some(PartialDate::year(2010)));
    assert_eq!(cook.end, Some(PartialDate::year(2012)));
    assert_eq!(cook.months, Some(24));

    // 2010-01..2012-01 cook, 2012-06..2014-12 retail, 2015-01..2021-08: a 5-month gap in 2012.
    assert_eq!(p.experience.total_months, 24 + 30 + 79);
    assert_eq!(p.experience.sales_months, 30 + 79);
    assert_eq!(p.experience.b2b_sales_months, 79);
    assert_eq!(p.experience.account_management_months, 79);
    assert_eq!(p.experience.people_management_months, 79);
    assert_eq!(p.employment_gaps.len(), 1);
    assert_eq!(p.employment_gaps[0].months, 5);

    let salesforce = p.skills.iter().find(|s| s.name == "Salesforce").unwrap();
    assert_eq!(salesforce.group, "crm");
    assert_eq!(salesforce.months, Some(79));
    assert_eq!(salesforce.last_used, ym(2021, 7));
    assert!(salesforce.evidence[0].text.contains("Salesforce"));
    assert!(
        p.skills
            .iter()
            .any(|s| s.name == "SPIN Selling" && s.group == "sales_method")
    );
    // "Excel at customer service" is not the spreadsheet.
    assert!(!p.skills.iter().any(|s| s.name == "Microsoft Excel"));

    let levels: Vec<_> = p.education.iter().map(|e| (e.level, e.completed)).collect();
    assert_eq!(
        levels,
        [
            (DegreeLevel::Master, true),
            (DegreeLevel::Bachelor, true),
            (DegreeLevel::Doctorate, false)
        ]
    );
    assert_eq!(p.highest_degree, DegreeLevel::Master);
    assert_eq!(p.education[0].field.as_deref(), Some("Marketing"));
    assert_eq!(
        p.education[0].institution.as_deref(),
        Some("Boston University")
    );

    assert_eq!(p.travel.status, TravelStatus::Yes);
    assert_eq!(p.travel.evidence.as_deref(), Some("Willing to travel 50%"));
    let languages: Vec<_> = p
        .languages
        .iter()
        .map(|l| (l.name.as_str(), l.proficiency.as_deref()))
        .collect();
    assert_eq!(
        languages,
        [
            ("English", Some("native")),
            ("Spanish", Some("conversational"))
        ]
    );
    assert_eq!(
        p.certifications[0].name,
        "Certified Sales Professional (CSP)"
    );
    assert!(
        p.achievements
            .iter()
            .any(|a| a.kind == "quota_attainment" && a.value == 132.0)
    );
}

#[test]
fn open_positions_run_to_the_fallback_date_without_a_document_date() {
    let text = "SALES REP\nExperience\nSales Representative 01/2020 to Current Company Name\nSold.";
    let p = parse_with(text, None);
    assert_eq!(p.positions[0].months, Some(50)); // 2020-01 to 2024-03
    assert_eq!(
        p.document.document_date,
        NaiveDate::from_ymd_opt(2024, 3, 15)
    );
}

#[test]
fn positions_are_found_without_an_experience_heading() {
    let text = "ACCOUNT EXECUTIVE\nAccount Executive, Initech Corp\nMarch 2016 - June 2019\nClosed new business with enterprise accounts and exceeded quota.\nEducation\nBA, History, 2015";
    let p = parse(text);
    assert_eq!(p.positions.len(), 1);
    assert_eq!(p.positions[0].months, Some(39));
    assert!(p.positions[0].categories.contains(&Category::B2bSales));
    assert_eq!(p.highest_degree, DegreeLevel::Bachelor);
}

#[test]
fn german_and_french_resumes_read_their_dates() {
    let german = "VERTRIEBSLEITER\nBerufserfahrung\nKey Account Manager, Beispiel GmbH\nMärz 2018 – heute\nBetreuung von Großkunden.\nAusbildung\nMaster of Science, Universität Mannheim, 2017";
    let p = parse(german);
    assert_eq!(p.positions.len(), 1);
    assert_eq!(
        (p.positions[0].start, p.positions[0].current),
        (ym(2018, 3), true)
    );
    assert_eq!(p.highest_degree, DegreeLevel::Master);
    let french = "COMMERCIAL\nExpérience professionnelle\nIngénieur commercial, Exemple SA\njanvier 2015 à décembre 2019\nDéveloppement du portefeuille.";
    let p = parse(french);
    assert_eq!(p.positions[0].start, ym(2015, 1));
    assert_eq!(p.positions[0].end, ym(2019, 12));
}

#[test]
fn two_jobs_at_once_count_once() {
    let text = "HEADLINE\nWork History\nSales Manager, Alpha Inc\n2015 - 2018\nLed the sales team.\nAccount Manager, Beta LLC\n2016 - 2017\nManaged key accounts.";
    let p = parse(text);
    assert_eq!(p.positions.len(), 2);
    assert_eq!(p.experience.total_months, 36);
    assert_eq!(p.experience.sales_months, 36);
}

#[test]
fn unable_to_travel_is_no() {
    let p = parse("HEADLINE\nSummary\nUnable to travel; looking for a local role.");
    assert_eq!(p.travel.status, TravelStatus::No);
    assert_eq!(p.travel.evidence.as_deref(), Some("Unable to travel"));
}

#[test]
fn empty_and_odd_input_gives_an_empty_profile() {
    for text in [
        "",
        "\n\n",
        "Experience",
        "2019 - 2018",
        "\u{200b}",
        "－ to －",
    ] {
        let p = parse(text);
        assert_eq!(p.experience.total_months, 0, "{text:?}");
    }
}

/// A degree's evidence is the lines it was read from, never a line of another section above it
/// (a military discharge was quoted as a high-school diploma's evidence).
#[test]
fn degree_evidence_quotes_the_degree_lines_only() {
    let p = parse(
        "Jane Roe\nEducation\n2002 United States Air Force Air National Guard － City , State Received Honorable Discharge from service\nGeorge Washington High School － City , State Diploma 2001\nBachelor of Science : Business Administration 2006",
    );
    for education in &p.education {
        assert!(
            !education.evidence.text.contains("Discharge"),
            "{:?}",
            education.evidence
        );
    }
    let bachelor = p
        .education
        .iter()
        .find(|e| e.level == DegreeLevel::Bachelor)
        .expect("the bachelor's is read");
    assert!(
        bachelor
            .evidence
            .text
            .starts_with("Bachelor of Science : Business Administration"),
        "{:?}",
        bachelor.evidence
    );
}
