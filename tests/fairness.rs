//! Fairness (issue 15): the same resume with a different name, contact details, address,
//! pronouns, family and community memberships and birth year gets the same score and the same
//! verdicts from every shipped role; and no explanation quotes a protected fact. Real corpus
//! resumes (read at run time) and synthetic ones, through a real server, so that keyword
//! requirements answered by the index count too.

mod common;

use std::collections::BTreeMap;

use common::{TestApp, corpus, spawn_app};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

const SHIPPED_ROLE_IDS: [&str; 5] = [
    "senior-account-manager",
    "sales-account-manager",
    "senior-account-manager-b2b",
    "account-manager",
    "strategic-account-manager",
];

/// One person's protected and identifying facts. Every variant of a resume carries one of
/// these in the same places: the header, a sentence of the summary, a "Personal" section.
struct Persona {
    name: &'static str,
    email: &'static str,
    phone: &'static str,
    address: &'static str,
    pronoun_sentence: &'static str,
    memberships: &'static [&'static str],
    personal: &'static [&'static str],
}

const PERSONAS: [Persona; 6] = [
    Persona {
        name: "James Whitfield",
        email: "james.whitfield@example.com",
        phone: "(203) 555-0147",
        address: "14 Oak Lane, Greenwich, CT 06830",
        pronoun_sentence: "He is known for steady, long-term client relationships.",
        memberships: &["Member, Rotary Club", "Member, Greenwich Country Club"],
        personal: &[
            "Date of birth: 12 March 1961",
            "Marital status: Married, 3 children",
        ],
    },
    Persona {
        name: "Lakisha Washington",
        email: "lakisha.washington@example.com",
        phone: "(404) 555-0199",
        address: "2210 Martin Luther King Jr Blvd, Atlanta, GA 30310",
        pronoun_sentence: "She is known for steady, long-term client relationships.",
        memberships: &[
            "Member, National Black MBA Association",
            "Member, Women in Sales Network",
        ],
        personal: &["Date of birth: 3 June 1994", "Marital status: Single"],
    },
    Persona {
        name: "Alex Nguyen",
        email: "alex.nguyen@example.org",
        phone: "+1 415 555 0123",
        address: "88 Mission Street, Apt 5, San Francisco, CA 94105",
        pronoun_sentence: "They are known for steady, long-term client relationships.",
        memberships: &[
            "Member, Asian Professionals Network",
            "Member, Out & Equal Workplace Alliance",
        ],
        personal: &["Pronouns: they/them", "Born in 1988"],
    },
    Persona {
        name: "Mohammed Al-Rashid",
        email: "m.alrashid@example.net",
        phone: "(313) 555-0178",
        address: "5 Warren Avenue, Dearborn, MI 48126",
        pronoun_sentence: "He is known for steady, long-term client relationships.",
        memberships: &[
            "Member, Islamic Center of America",
            "Volunteer, Arab American Chamber of Commerce",
        ],
        personal: &["Age: 49", "Religion: Muslim"],
    },
    Persona {
        name: "María José González",
        email: "mjgonzalez@example.com",
        phone: "(305) 555-0111",
        address: "1200 Calle Ocho, Miami, FL 33135",
        pronoun_sentence: "She is known for steady, long-term client relationships.",
        memberships: &[
            "Member, Hispanic Chamber of Commerce",
            "Member, St. Michael's Parish Council",
        ],
        personal: &["Veteran status: protected veteran", "Disability: none"],
    },
    Persona {
        name: "Ethan O'Brien",
        email: "ethan.obrien@example.com",
        phone: "617-555-0190",
        address: "9 Beacon Street, Boston, MA 02108",
        pronoun_sentence: "He is known for steady, long-term client relationships.",
        memberships: &[
            "Member, Harvard Club of Boston",
            "Member, Young Republicans",
        ],
        personal: &["Date of birth: 01/01/1979", "Gender: Male"],
    },
];

/// The resume with the persona's facts in the header, the summary and a closing section.
fn variant(base: &str, persona: &Persona) -> String {
    let mut lines = base.lines();
    let first = lines.next().unwrap_or("");
    let rest: Vec<&str> = lines.collect();
    let mut text = format!(
        "{}\n{} | {} | {}\n{first}\n{}\n{}\n",
        persona.name,
        persona.email,
        persona.phone,
        persona.address,
        persona.pronoun_sentence,
        rest.join("\n")
    );
    text.push_str("\nAffiliations\n");
    for membership in persona.memberships {
        text.push_str(membership);
        text.push('\n');
    }
    text.push_str("\nPersonal Information\n");
    for line in persona.personal {
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// Synthetic resumes for every shipped role's requirements, used with or without the corpus.
fn synthetic_bases() -> Vec<(String, String)> {
    vec![
        (
            "synthetic-key-account".into(),
            "Key Account Manager\nSummary\nB2B sales professional with ten years in industrial \
             distribution.\nExperience\n03/2014 to Current Key Account Manager\nAcme Industrial \
             Supply - Chicago , IL\nManaged a portfolio of 40 corporate accounts worth $12M; \
             exceeded quota 115% in 2019. Travel 40% to client sites across the Midwest.\n\
             06/2010 to 02/2014 Inside Sales Representative\nBeta Components - Chicago , IL\n\
             Sold components to manufacturers and distributors by phone.\nSkills\nSalesforce, \
             HubSpot, Microsoft Excel, Negotiation, Presentation Skills\nEducation\nBachelor of \
             Science : Marketing , 2010\nUniversity of Illinois\nLanguages\nSpanish (fluent)\n"
                .into(),
        ),
        (
            "synthetic-retail".into(),
            "Store Manager\nSummary\nRetail leader.\nExperience\n01/2016 to Current Store \
             Manager\nShoe Outlet - Dallas , TX\nLed a team of 12 associates; sold to walk-in \
             customers.\nEducation\nHigh School Diploma , 2008\nDallas High School\n"
                .into(),
        ),
    ]
}

/// A few real resumes' text from the corpus (sales and neighbouring trades), by id.
fn corpus_bases() -> Vec<(String, String)> {
    let Some(corpus) = corpus() else {
        return Vec::new();
    };
    let mut reader = csv::Reader::from_path(corpus.join("resumes_text.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, category, text) = (column("ID"), column("Category"), column("Text_repaired"));
    let mut wanted: BTreeMap<&str, usize> =
        [("SALES", 3), ("BUSINESS-DEVELOPMENT", 2), ("BANKING", 1)]
            .into_iter()
            .collect();
    let mut bases = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        let Some(left) = wanted.get_mut(&record[category]) else {
            continue;
        };
        if *left == 0 || record[text].len() < 1500 {
            continue;
        }
        *left -= 1;
        bases.push((format!("corpus-{}", &record[id]), record[text].to_owned()));
    }
    assert!(
        bases.len() >= 4,
        "the corpus has the resumes this test reads"
    );
    bases
}

async fn upload_all(app: &TestApp, files: &[(String, String)]) -> BTreeMap<String, String> {
    let mut form = Form::new().text("document_date", "2024-06-01");
    for (name, text) in files {
        form = form.part(
            "file",
            Part::bytes(text.clone().into_bytes()).file_name(format!("{name}.txt")),
        );
    }
    let batch: Value = app
        .client
        .post(app.url("/v1/candidates/batch"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(batch["created"], files.len(), "{batch}");
    batch["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["id"].as_str().unwrap().to_owned(),
                item["file"]
                    .as_str()
                    .unwrap()
                    .trim_end_matches(".txt")
                    .to_owned(),
            )
        })
        .collect()
}

async fn ranking(app: &TestApp, role: &str) -> Vec<Value> {
    let mut results = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/v1/roles/{role}/ranking?limit=100&cursor={cursor}"),
            None => format!("/v1/roles/{role}/ranking?limit=100"),
        };
        let page: Value = app
            .client
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        results.extend(page["results"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return results,
        }
    }
}

/// What must not differ between variants: the score, must-haves, each verdict and credit.
fn outcome(result: &Value) -> Value {
    let requirements: Vec<Value> = result["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| serde_json::json!([r["id"], r["verdict"], r["score"]]))
        .collect();
    serde_json::json!({
        "score": result["score"],
        "must_haves_met": result["must_haves_met"],
        "requirements": requirements,
    })
}

#[tokio::test]
async fn swapping_protected_and_identifying_facts_changes_no_score_or_verdict_for_any_role() {
    let mut bases = synthetic_bases();
    bases.extend(corpus_bases());
    let mut files = Vec::new();
    for (base_name, base_text) in &bases {
        for (index, persona) in PERSONAS.iter().enumerate() {
            files.push((format!("{base_name}--{index}"), variant(base_text, persona)));
        }
    }
    let app = spawn_app().await;
    let names = upload_all(&app, &files).await;
    // Every protected line of every persona: none may be quoted as evidence.
    let protected: Vec<&str> = PERSONAS
        .iter()
        .flat_map(|p| p.personal.iter().chain(p.memberships.iter()).copied())
        .chain(PERSONAS.iter().map(|p| p.pronoun_sentence))
        .collect();

    let mut compared = 0;
    for role in SHIPPED_ROLE_IDS {
        let results = ranking(&app, role).await;
        assert_eq!(results.len(), files.len(), "{role} ranks every variant");
        let mut by_base: BTreeMap<&str, Vec<(&str, Value)>> = BTreeMap::new();
        for result in &results {
            let name = &names[result["candidate_id"].as_str().unwrap()];
            let (base, persona) = name.rsplit_once("--").unwrap();
            by_base
                .entry(base)
                .or_default()
                .push((persona, outcome(result)));
            for requirement in result["requirements"].as_array().unwrap() {
                for evidence in requirement["evidence"].as_array().unwrap() {
                    let evidence = evidence.as_str().unwrap();
                    for line in &protected {
                        assert!(
                            !evidence.contains(line),
                            "{role}/{}: evidence quotes a protected fact {line:?}: {evidence:?}",
                            requirement["id"]
                        );
                    }
                    assert!(
                        shortlist::score::protected::protected_fact(evidence).is_none(),
                        "{role}: evidence {evidence:?} states a protected fact"
                    );
                }
            }
        }
        for (base, variants) in &by_base {
            assert_eq!(variants.len(), PERSONAS.len(), "{base}");
            let (first_persona, first) = &variants[0];
            for (persona, other) in &variants[1..] {
                assert_eq!(
                    first, other,
                    "{role}: {base} scores differently as persona {first_persona} and {persona}"
                );
                compared += 1;
            }
        }
    }
    assert!(compared >= SHIPPED_ROLE_IDS.len() * 2 * (PERSONAS.len() - 1));
}

#[test]
fn a_protected_line_is_never_evidence_even_where_it_would_match() {
    // A language requirement reads the languages section: a nationality line beside it must
    // not become its evidence, nor a birth date beside an education entry.
    use shortlist::score::protected::is_protected;
    for line in [
        "Nationality: Spanish",
        "Date of birth: 01/01/1979",
        "Member, National Black MBA Association",
        "Women in Sales Network",
        "Religion: Muslim",
        "Veteran status: protected veteran",
        "Age: 49",
        "Gender: Male",
    ] {
        assert!(is_protected(line), "{line}");
    }
}
