//! Each requirement kind's verdicts (met, partial, not_met, unknown), on profiles built by hand.

use shortlist::profile::{
    Category, Certification, Contact, DegreeLevel, Education, Evidence, Experience, Language,
    PartialDate, Position, Profile, Skill, Travel, TravelStatus,
};
use shortlist::role::Role;
use shortlist::score::{Features, Scorer, SlotSet, Verdict, explain, explain_with};

fn role(requirements: &str) -> Role {
    let role = Role::from_toml(&format!("id = \"t\"\ntitle = \"T\"\n{requirements}")).unwrap();
    role.validate().unwrap();
    role
}

fn position(title: &str, start: &str, end: &str, months: u32, categories: &[Category]) -> Position {
    Position {
        title: Some(title.to_owned()),
        employer: Some("Acme".to_owned()),
        start: start.parse::<PartialDate>().ok(),
        end: end.parse::<PartialDate>().ok(),
        months: Some(months),
        categories: categories.to_vec(),
        evidence: Evidence::new(title, Some(1)),
        ..Position::default()
    }
}

fn skill(name: &str, group: &str, months: Option<u32>) -> Skill {
    Skill {
        name: name.to_owned(),
        group: group.to_owned(),
        months,
        last_used: None,
        evidence: vec![Evidence::new(format!("Tools: {name}"), Some(1))],
    }
}

fn degree(level: DegreeLevel, field: Option<&str>, completed: bool) -> Education {
    Education {
        level,
        degree: None,
        field: field.map(str::to_owned),
        institution: Some("State University".to_owned()),
        year: Some(2005),
        completed,
        evidence: Evidence::new("B.S. 2005", Some(1)),
    }
}

/// A B2B account manager: 48 months B2B account management, 12 months inside sales.
fn seller() -> Profile {
    Profile {
        positions: vec![
            position(
                "Key Account Manager",
                "2015-01",
                "2019-01",
                48,
                &[
                    Category::Sales,
                    Category::B2bSales,
                    Category::AccountManagement,
                ],
            ),
            position("Inside Sales", "2014-01", "2015-01", 12, &[Category::Sales]),
        ],
        experience: Experience {
            total_months: 60,
            sales_months: 60,
            b2b_sales_months: 48,
            account_management_months: 48,
            people_management_months: 0,
        },
        skills: vec![
            skill("Salesforce", "crm", Some(36)),
            skill("Microsoft Excel", "office", None),
        ],
        ..Profile::default()
    }
}

fn verdict(role: &Role, profile: &Profile) -> (Verdict, f32, Vec<String>) {
    let results = explain(role, profile);
    let first = results.into_iter().next().unwrap();
    (first.verdict, first.score, first.evidence)
}

#[test]
fn experience_met_partial_not_met_unknown() {
    let b2b = |years: u32| {
        role(&format!(
            "[[requirements]]\nid = \"b2b\"\nkind = \"experience\"\ncategory = \"b2b_sales\"\nmin_years = {years}\n"
        ))
    };
    let (v, s, evidence) = verdict(&b2b(4), &seller());
    assert_eq!((v, s), (Verdict::Met, 1.0));
    assert!(
        evidence
            .iter()
            .any(|e| e == "Key Account Manager at Acme 2015-01 to 2019-01: 48 months B2B"),
        "{evidence:?}"
    );
    let (v, s, _) = verdict(&b2b(6), &seller());
    assert_eq!((v, s), (Verdict::Partial, 0.67));

    let people = role(
        "[[requirements]]\nid = \"p\"\nkind = \"experience\"\ncategory = \"people_management\"\nmin_years = 2\n",
    );
    assert_eq!(verdict(&people, &seller()).0, Verdict::NotMet);
    assert_eq!(verdict(&people, &Profile::default()).0, Verdict::Unknown);
}

#[test]
fn skills_by_group_name_and_months() {
    let crm = role("[[requirements]]\nid = \"crm\"\nkind = \"skill\"\nany_of = [\"group:crm\"]\n");
    let (v, _, evidence) = verdict(&crm, &seller());
    assert_eq!(v, Verdict::Met);
    assert!(
        evidence.iter().any(|e| e.starts_with("Salesforce")),
        "{evidence:?}"
    );

    let hubspot = role("[[requirements]]\nid = \"h\"\nkind = \"skill\"\nany_of = [\"HubSpot\"]\n");
    assert_eq!(verdict(&hubspot, &seller()).0, Verdict::NotMet);
    assert_eq!(verdict(&hubspot, &Profile::default()).0, Verdict::Unknown);

    let long_crm = role(
        "[[requirements]]\nid = \"c\"\nkind = \"skill\"\nany_of = [\"Salesforce\"]\nmin_months = 48\n",
    );
    assert_eq!(verdict(&long_crm, &seller()).0, Verdict::Partial);
    assert_eq!(verdict(&long_crm, &seller()).1, 0.75);

    let excel_years = role(
        "[[requirements]]\nid = \"x\"\nkind = \"skill\"\nany_of = [\"MS Excel\"]\nmin_months = 12\n",
    );
    // Listed without a duration: partial, never met.
    assert_eq!(verdict(&excel_years, &seller()).0, Verdict::Partial);
}

#[test]
fn skills_outside_the_vocabulary_ask_the_index() {
    let python = role("[[requirements]]\nid = \"py\"\nkind = \"skill\"\nany_of = [\"Python\"]\n");
    let mut asked = Vec::new();
    let scorer = Scorer::compile_with(&python, &mut |query| {
        asked.push(query.to_owned());
        Ok([3usize].into_iter().collect::<SlotSet>())
    })
    .unwrap();
    assert_eq!(asked, ["\"Python\""]);
    let features = Features::from_profile(&seller());
    assert_eq!(scorer.score_slot(3, &features).score, 100.0);
    assert_eq!(scorer.score_slot(4, &features).score, 0.0);
    assert_eq!(scorer.explain(&seller(), Some(3))[0].verdict, Verdict::Met);
}

#[test]
fn degree_levels_fields_and_substitutes() {
    let bsc = role(
        "[[requirements]]\nid = \"d\"\nkind = \"degree\"\nmin_level = \"bachelor\"\nfields = [\"Business Administration\", \"Sales\"]\nrelated_fields = true\n",
    );
    let with = |education: Vec<Education>, highest: DegreeLevel| Profile {
        education,
        highest_degree: highest,
        ..seller()
    };
    let exact = with(
        vec![degree(
            DegreeLevel::Bachelor,
            Some("Business Administration"),
            true,
        )],
        DegreeLevel::Bachelor,
    );
    assert_eq!(verdict(&bsc, &exact).0, Verdict::Met);
    let related = with(
        vec![degree(DegreeLevel::Master, Some("Marketing"), true)],
        DegreeLevel::Master,
    );
    assert_eq!(verdict(&bsc, &related).0, Verdict::Met);
    let unrelated = with(
        vec![degree(DegreeLevel::Bachelor, Some("Chemistry"), true)],
        DegreeLevel::Bachelor,
    );
    assert_eq!(
        verdict(&bsc, &unrelated),
        (Verdict::Partial, 0.5, verdict(&bsc, &unrelated).2)
    );
    let no_field = with(
        vec![degree(DegreeLevel::Bachelor, None, true)],
        DegreeLevel::Bachelor,
    );
    assert_eq!(verdict(&bsc, &no_field).1, 0.75);
    let associate = with(
        vec![degree(DegreeLevel::Associate, Some("Business"), true)],
        DegreeLevel::Associate,
    );
    assert_eq!(verdict(&bsc, &associate).0, Verdict::Partial);
    let unfinished = with(
        vec![degree(DegreeLevel::Bachelor, Some("Business"), false)],
        DegreeLevel::None,
    );
    assert_eq!(verdict(&bsc, &unfinished).0, Verdict::NotMet);
    // No education section: the resume says nothing, unknown; never met.
    let (v, s, evidence) = verdict(&bsc, &seller());
    assert_eq!((v, s), (Verdict::Unknown, 0.0));
    assert!(evidence.iter().any(|e| e.contains("no education")));

    let or_equivalent = role(
        "[[requirements]]\nid = \"d\"\nkind = \"degree\"\nmin_level = \"bachelor\"\nequivalent_years = 4\n",
    );
    assert_eq!(verdict(&or_equivalent, &seller()).0, Verdict::Met);
    let longer = role(
        "[[requirements]]\nid = \"d\"\nkind = \"degree\"\nmin_level = \"bachelor\"\nequivalent_years = 8\n",
    );
    assert_eq!(verdict(&longer, &seller()).0, Verdict::Unknown);
}

#[test]
fn travel_yes_no_unknown() {
    let travel = role("[[requirements]]\nid = \"t\"\nkind = \"travel\"\n");
    let with = |status, evidence: Option<&str>| Profile {
        travel: Travel {
            status,
            evidence: evidence.map(str::to_owned),
            page: Some(1),
            rule: None,
        },
        ..seller()
    };
    let (v, _, evidence) = verdict(
        &travel,
        &with(TravelStatus::Yes, Some("willing to travel 50%")),
    );
    assert_eq!(v, Verdict::Met);
    assert_eq!(evidence, ["willing to travel 50%"]);
    assert_eq!(
        verdict(&travel, &with(TravelStatus::No, Some("cannot travel"))).0,
        Verdict::NotMet
    );
    assert_eq!(
        verdict(&travel, &with(TravelStatus::Unknown, None)).0,
        Verdict::Unknown
    );
}

#[test]
fn keywords_unknown_until_answered() {
    let keyword =
        role("[[requirements]]\nid = \"k\"\nkind = \"keyword\"\nquery = \"quota AND exceeded\"\n");
    assert_eq!(verdict(&keyword, &seller()).0, Verdict::Unknown);
    let answered = explain_with(&keyword, &seller(), &mut |q| {
        Some(q == "quota AND exceeded")
    });
    assert_eq!(answered[0].verdict, Verdict::Met);
    let denied = explain_with(&keyword, &seller(), &mut |_| Some(false));
    assert_eq!(denied[0].verdict, Verdict::NotMet);
    let scorer = Scorer::compile(&keyword).unwrap();
    assert_eq!(scorer.score(&Features::from_profile(&seller())).score, 0.0);
}

#[test]
fn languages_certifications_locations() {
    let spanish =
        role("[[requirements]]\nid = \"l\"\nkind = \"language\"\nany_of = [\"Spanish\"]\n");
    let cert = role("[[requirements]]\nid = \"c\"\nkind = \"certification\"\nany_of = [\"CSP\"]\n");
    let place = role(
        "[[requirements]]\nid = \"loc\"\nkind = \"location\"\nany_of = [\"New York\", \"Boston\"]\n",
    );
    assert_eq!(verdict(&spanish, &seller()).0, Verdict::Unknown);
    assert_eq!(verdict(&cert, &seller()).0, Verdict::Unknown);
    assert_eq!(verdict(&place, &seller()).0, Verdict::Unknown);
    let mut profile = seller();
    profile.languages.push(Language {
        name: "French".into(),
        proficiency: None,
        evidence: Evidence::new("French (fluent)", Some(2)),
    });
    profile.certifications.push(Certification {
        name: "Certified Sales Professional".into(),
        evidence: Evidence::new("Certified Sales Professional (CSP), 2018", Some(2)),
    });
    profile.contact = Contact {
        location: Some("Brooklyn, New York".into()),
        ..Contact::default()
    };
    assert_eq!(verdict(&spanish, &profile).0, Verdict::NotMet);
    assert_eq!(verdict(&cert, &profile).0, Verdict::Met);
    assert_eq!(verdict(&place, &profile).0, Verdict::Met);
    profile.contact.location = Some("York, PA".into());
    assert_eq!(verdict(&place, &profile).0, Verdict::NotMet);
}

#[test]
fn alternatives_count_the_best_and_say_which() {
    let either = role(
        r#"
[[requirements]]
id = "b2b-or-am"
kind = "any_of"
weight = 4
must_have = true
[[requirements.alternatives]]
id = "b2b-years"
kind = "experience"
category = "b2b_sales"
min_years = 6
[[requirements.alternatives]]
id = "am-record"
kind = "experience"
category = "account_management"
min_years = 3
"#,
    );
    let results = explain(&either, &seller());
    assert_eq!(results[0].verdict, Verdict::Met);
    assert_eq!(results[0].via.as_deref(), Some("am-record"));
    let scorer = Scorer::compile(&either).unwrap();
    let score = scorer.score(&Features::from_profile(&seller()));
    assert_eq!(score.score, 100.0);
    assert!(score.must_haves_met);
}

#[test]
fn score_is_the_weighted_mean_of_credits_and_matches_explain() {
    let mixed = role(
        r#"
[[requirements]]
id = "b2b"
kind = "experience"
category = "b2b_sales"
min_years = 6
weight = 3
must_have = true
[[requirements]]
id = "crm"
kind = "skill"
any_of = ["group:crm"]
weight = 2
[[requirements]]
id = "travel"
kind = "travel"
weight = 1
"#,
    );
    let scorer = Scorer::compile(&mixed).unwrap();
    let score = scorer.score(&Features::from_profile(&seller()));
    // (3 × 48/72 + 2 × 1 + 1 × 0) / 6 × 100 = 66.67, times the must-have factor
    // ½ + ½ × 48/72 = 5/6 for the partly met must-have: 55.56.
    assert_eq!(score.score, 55.56);
    assert!(!score.must_haves_met);
    let results = explain(&mixed, &seller());
    let recomputed: f32 = results
        .iter()
        .zip([3.0, 2.0, 1.0])
        .map(|(r, w)| r.score * w)
        .sum::<f32>()
        / 6.0
        * 100.0
        * (0.5 + 0.5 * results[0].score);
    // Explanations show credits rounded to hundredths: within half a point of the score.
    assert!(
        (recomputed - score.score).abs() < 0.5,
        "{recomputed} vs {}",
        score.score
    );
}

fn track_record(min_years: u32, related: &str, past_min: f32, must_have: bool) -> Role {
    role(&format!(
        "[[requirements]]\nid = \"am\"\nkind = \"track_record\"\ncategory = \"account_management\"\n\
         min_years = {min_years}\nrelated = [{related}]\npast_min = {past_min}\nmust_have = {must_have}\nweight = 3\n\
         [[requirements]]\nid = \"crm\"\nkind = \"skill\"\nany_of = [\"group:crm\"]\nweight = 1\n"
    ))
}

/// A seller whose whole record is B2B selling, none of it classed as account management.
fn b2b_seller(months: u32) -> Profile {
    Profile {
        positions: vec![position(
            "Sales Executive",
            "2010-01",
            "2020-01",
            months,
            &[Category::Sales, Category::B2bSales],
        )],
        experience: Experience {
            total_months: months,
            sales_months: months,
            b2b_sales_months: months,
            ..Experience::default()
        },
        ..Profile::default()
    }
}

#[test]
fn track_record_credit_keeps_rising_past_the_minimum_with_diminishing_returns() {
    let role = track_record(2, "", 0.5, false);
    let credit = |months: u32| {
        let mut profile = seller();
        profile.experience.account_management_months = months;
        verdict(&role, &profile)
    };
    // Half the credit up to the minimum, then half the remaining distance per minimum's worth.
    assert_eq!(credit(12).1, 0.25);
    assert_eq!(credit(24), (Verdict::Met, 0.5, credit(24).2));
    assert_eq!(credit(48).1, 0.75);
    assert_eq!(credit(72).1, 0.88);
    let gains: Vec<f32> = [24, 48, 72, 96]
        .windows(2)
        .map(|w| credit(w[1]).1 - credit(w[0]).1)
        .collect();
    assert!(gains.iter().all(|g| *g > 0.0), "{gains:?}");
    assert!(gains.windows(2).all(|g| g[1] < g[0]), "{gains:?}");
    // Without past_min the minimum is a ceiling, as for `experience`.
    let flat = track_record(2, "", 0.0, false);
    assert_eq!(verdict(&flat, &seller()).1, 1.0);
}

#[test]
fn track_record_accepts_a_related_record_at_its_declared_credit() {
    let related =
        "{ category = \"b2b_sales\", credit = 0.9 }, { category = \"sales\", credit = 0.7 }";
    let role = track_record(4, related, 0.0, true);
    let (v, s, evidence) = verdict(&role, &b2b_seller(96));
    assert_eq!((v, s), (Verdict::Partial, 0.9));
    assert!(
        evidence
            .iter()
            .any(|e| e == "96 months of B2B count as account management at 90%"),
        "{evidence:?}"
    );
    assert!(
        evidence
            .iter()
            .any(|e| e.starts_with("Sales Executive at Acme")),
        "{evidence:?}"
    );
    // Not declared: not counted.
    assert_eq!(
        verdict(&track_record(4, "", 0.0, true), &b2b_seller(96)).0,
        Verdict::NotMet
    );
    // Declared fully equivalent: met.
    let equal = track_record(4, "{ category = \"b2b_sales\", credit = 1.0 }", 0.0, true);
    assert_eq!(verdict(&equal, &b2b_seller(96)).0, Verdict::Met);
}

#[test]
fn a_must_have_met_by_a_related_record_is_not_buried() {
    let related =
        "{ category = \"b2b_sales\", credit = 0.9 }, { category = \"sales\", credit = 0.7 }";
    let role = track_record(4, related, 0.5, true);
    let scorer = Scorer::compile(&role).unwrap();
    let score = |profile: &Profile| scorer.score(&Features::from_profile(profile));
    let long_b2b = score(&b2b_seller(120));
    let mut short_am = seller();
    short_am.experience.account_management_months = 12;
    short_am.skills.clear();
    let nothing = score(&b2b_seller(0));
    assert!(!long_b2b.must_haves_met);
    assert!(long_b2b.score > score(&short_am).score, "{long_b2b:?}");
    assert!(long_b2b.score > nothing.score);
}

#[test]
fn track_records_refuse_bad_credits() {
    for bad in [
        "related = [{ category = \"sales\", credit = 1.5 }]",
        "related = [{ category = \"sales\", credit = 0.0 }]",
        "related = [{ category = \"account_management\", credit = 0.5 }]",
        "past_min = 0.95",
    ] {
        let role = Role::from_toml(&format!(
            "id = \"t\"\ntitle = \"T\"\n[[requirements]]\nid = \"am\"\nkind = \"track_record\"\ncategory = \"account_management\"\nmin_years = 2\n{bad}\n"
        ))
        .unwrap();
        assert!(role.validate().is_err(), "{bad}");
    }
}

#[test]
fn a_record_that_ended_long_ago_keeps_only_part_of_its_credit() {
    let role = role(
        "[[requirements]]\nid = \"am\"\nkind = \"track_record\"\ncategory = \"account_management\"\n\
         min_years = 2\nrelated = [{ category = \"sales\", credit = 0.7 }]\nrecent = { years = 5, credit = 0.6 }\n",
    );
    let dated = |end: &str| {
        let mut profile = seller();
        profile.document.document_date = chrono::NaiveDate::from_ymd_opt(2021, 8, 8);
        for position in &mut profile.positions {
            position.end = end.parse::<PartialDate>().ok();
        }
        profile
    };
    let (v, s, _) = verdict(&role, &dated("2019-01"));
    assert_eq!((v, s), (Verdict::Met, 1.0));
    let (v, s, evidence) = verdict(&role, &dated("2012-01"));
    assert_eq!((v, s), (Verdict::Partial, 0.6));
    assert!(
        evidence
            .iter()
            .any(|e| e.starts_with("the latest such position ended 115 months")),
        "{evidence:?}"
    );
    // No document date: nothing can be called stale.
    let mut undated = dated("2012-01");
    undated.document.document_date = None;
    assert_eq!(verdict(&role, &undated).0, Verdict::Met);
}
