//! Black-box tests of the HTTP API: a real server on port 0, real HTTP, a temporary data dir.

mod common;

use std::collections::HashSet;
use std::io::Write;

use common::{assert_problem, spawn_app, spawn_app_in};
use serde_json::{Value, json};

const SHIPPED_ROLE_IDS: [&str; 5] = [
    "senior-account-manager",
    "sales-account-manager",
    "senior-account-manager-b2b",
    "account-manager",
    "strategic-account-manager",
];

fn text_resume(title: &str, years: &str) -> Vec<u8> {
    format!(
        "{title}\nSummary\nExperienced professional.\nExperience\n{years} {title}\nCompany Name - City , State\n\
         Managed key accounts for corporate clients using Salesforce CRM and Microsoft Excel.\n\
         Education\nBachelor of Science : Business Administration , 2005\nState University\n"
    )
    .into_bytes()
}

async fn total_for(app: &common::TestApp, role: &str) -> u64 {
    let page: Value = app.get_json(&format!("/v1/roles/{role}/ranking")).await;
    page["total"].as_u64().expect("ranking has a total")
}

#[tokio::test]
async fn health_is_open_and_unknown_routes_and_methods_are_problems() {
    let app = spawn_app().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert!(health.headers().contains_key("x-request-id"));

    let missing = app
        .client
        .get(app.url("/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_problem(missing, 404, "route_not_found").await;
    let wrong_method = app
        .client
        .patch(app.url("/v1/candidates"))
        .send()
        .await
        .unwrap();
    assert_problem(wrong_method, 405, "method_not_allowed").await;
    let unknown_candidate = app
        .client
        .get(app.url("/v1/candidates/not-a-uuid"))
        .send()
        .await
        .unwrap();
    assert_problem(unknown_candidate, 404, "candidate_not_found").await;
}

#[tokio::test]
async fn a_resume_uploads_reads_back_replaces_by_external_id_and_deletes() {
    let app = spawn_app().await;
    let created = app
        .upload(
            text_resume("Account Manager", "01/2010 to Current"),
            "cv.txt",
            Some("ats-42"),
        )
        .await;
    assert_eq!(created.status().as_u16(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/v1/candidates/{id}"));
    assert_eq!(created["external_id"], "ats-42");
    assert_eq!(created["profile"]["document"]["media_type"], "text/plain");

    let fetched: Value = app.get_json(&location).await;
    assert_eq!(fetched["id"], id.as_str());
    assert_eq!(fetched["profile"], created["profile"]);

    let replaced = app
        .upload(
            text_resume("Key Account Manager", "2012 to 2020"),
            "cv2.txt",
            Some("ats-42"),
        )
        .await;
    assert_eq!(replaced.status().as_u16(), 200, "same external_id replaces");
    let replaced: Value = replaced.json().await.unwrap();
    assert_eq!(replaced["id"], id.as_str(), "the candidate keeps its id");
    assert_eq!(total_for(&app, "account-manager").await, 1);

    let deleted = app.client.delete(app.url(&location)).send().await.unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    assert_problem(
        app.client.get(app.url(&location)).send().await.unwrap(),
        404,
        "candidate_not_found",
    )
    .await;
    assert_problem(
        app.client.delete(app.url(&location)).send().await.unwrap(),
        404,
        "candidate_not_found",
    )
    .await;
    assert_eq!(
        total_for(&app, "account-manager").await,
        0,
        "gone from rankings"
    );
}

fn zip_bomb_docx() -> Vec<u8> {
    // A DOCX-shaped zip whose document.xml inflates to 300 MB of zeros from well under 1 MB.
    let mut bytes = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut bytes);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(b"<?xml version=\"1.0\"?><Types/>").unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    let block = vec![b' '; 1 << 20];
    for _ in 0..300 {
        zip.write_all(&block).unwrap();
    }
    zip.finish().unwrap();
    bytes.into_inner()
}

#[tokio::test]
async fn bad_uploads_get_clear_problems_and_nothing_is_stored() {
    let app = spawn_app().await;
    let mut truncated_pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec();
    truncated_pdf.extend_from_slice(b"\nstream\nBT /F1 12 Tf (Hello");
    let png =
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
            .to_vec();
    let random: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00".to_vec();
    let cases: Vec<(&str, Vec<u8>, &str, &[&str])> = vec![
        ("empty file", Vec::new(), "empty.pdf", &["empty_file"]),
        (
            "text named .pdf",
            b"Sales Manager\nExperience\n".to_vec(),
            "resume.pdf",
            &["malformed_document"],
        ),
        (
            "truncated PDF",
            truncated_pdf,
            "truncated.pdf",
            &["malformed_document", "no_text_layer", "no_text"],
        ),
        (
            "random bytes",
            random,
            "random.bin",
            &["unsupported_media_type"],
        ),
        ("an image", png, "photo.png", &["unsupported_media_type"]),
        (
            "an unknown type",
            elf,
            "program",
            &["unsupported_media_type"],
        ),
        (
            "a DOCX zip bomb",
            zip_bomb_docx(),
            "bomb.docx",
            &["archive_bomb"],
        ),
    ];
    for (what, bytes, file_name, codes) in cases {
        let response = app.upload(bytes, file_name, None).await;
        let status = response.status().as_u16();
        assert!((400..500).contains(&status), "{what}: status {status}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{what}"
        );
        let body: Value = response.json().await.unwrap();
        let code = body["code"].as_str().unwrap_or_default();
        assert!(codes.contains(&code), "{what}: code {code:?}, body {body}");
        assert!(
            body["detail"].as_str().is_some_and(|d| d.len() > 10),
            "{what}: a sentence: {body}"
        );
    }

    let not_multipart = app
        .client
        .post(app.url("/v1/candidates"))
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_problem(not_multipart, 415, "expected_multipart").await;
    let no_file = app
        .client
        .post(app.url("/v1/candidates"))
        .multipart(reqwest::multipart::Form::new().text("external_id", "x"))
        .send()
        .await
        .unwrap();
    assert_problem(no_file, 400, "missing_file").await;
    let bad_date = app
        .client
        .post(app.url("/v1/candidates"))
        .multipart(
            reqwest::multipart::Form::new()
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(text_resume("Sales", "2010 to 2012"))
                        .file_name("a.txt"),
                )
                .text("document_date", "yesterday"),
        )
        .send()
        .await
        .unwrap();
    assert_problem(bad_date, 400, "invalid_document_date").await;

    for role in SHIPPED_ROLE_IDS {
        assert_eq!(
            total_for(&app, role).await,
            0,
            "nothing stored for a rejected upload"
        );
    }
    let files = shortlist::store::testing::stored_file_count(&app.data_dir);
    assert_eq!(files, 0, "no original file kept for a rejected upload");
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200, "the server keeps serving");
}

#[tokio::test]
async fn an_upload_over_the_size_limit_is_refused_with_413() {
    let app = spawn_app().await;
    let response = app
        .upload(vec![b'a'; 21 * 1024 * 1024], "huge.txt", None)
        .await;
    assert_problem(response, 413, "payload_too_large").await;
}

#[tokio::test]
async fn the_shipped_roles_are_served_and_roles_can_be_edited() {
    let app = spawn_app().await;
    let roles: Value = app.get_json("/v1/roles").await;
    let ids: HashSet<&str> = roles
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, SHIPPED_ROLE_IDS.into_iter().collect());
    for role in roles.as_array().unwrap() {
        assert!(
            !role["requirements"].as_array().unwrap().is_empty(),
            "{} has requirements",
            role["id"]
        );
    }

    let mut role: Value = app.get_json("/v1/roles/account-manager").await;
    role["id"] = json!("account-manager-copy");
    let url = app.url("/v1/roles/account-manager-copy");
    assert_eq!(
        app.client
            .put(&url)
            .json(&role)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        201
    );
    assert_eq!(
        app.client
            .put(&url)
            .json(&role)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let mismatched = app
        .client
        .put(app.url("/v1/roles/other-id"))
        .json(&role)
        .send()
        .await
        .unwrap();
    assert_problem(mismatched, 422, "invalid_role").await;
    let malformed = app
        .client
        .put(&url)
        .header("content-type", "application/json")
        .body("{\"id\": ")
        .send()
        .await
        .unwrap();
    assert_problem(malformed, 400, "malformed_json").await;
    let not_json = app
        .client
        .put(&url)
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_problem(not_json, 415, "expected_json").await;
    let wrong_shape = app
        .client
        .put(&url)
        .json(&json!({"title": 5}))
        .send()
        .await
        .unwrap();
    assert_problem(wrong_shape, 422, "invalid_role").await;

    let ranking = app
        .client
        .get(app.url("/v1/roles/account-manager-copy/ranking"))
        .send()
        .await
        .unwrap();
    assert_eq!(ranking.status().as_u16(), 200);
    assert_eq!(
        app.client
            .delete(&url)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        204
    );
    assert_problem(
        app.client.get(&url).send().await.unwrap(),
        404,
        "role_not_found",
    )
    .await;
    assert_problem(
        app.client
            .get(app.url("/v1/roles/account-manager-copy/ranking"))
            .send()
            .await
            .unwrap(),
        404,
        "role_not_found",
    )
    .await;

    let draft = app
        .client
        .post(app.url("/v1/roles/draft"))
        .json(&json!({"text": "Account Manager. Requirements: 5 years of B2B sales, Salesforce CRM, MS Excel, BSc in Business Administration, willing to travel."}))
        .send()
        .await
        .unwrap();
    assert_eq!(draft.status().as_u16(), 200);
    let draft: Value = draft.json().await.unwrap();
    assert!(
        !draft["requirements"].as_array().unwrap().is_empty(),
        "draft: {draft}"
    );
}

#[tokio::test]
async fn ranking_pages_never_skip_or_repeat_while_uploads_happen_between_pages() {
    let app = spawn_app().await;
    let titles = [
        ("Key Account Manager", "01/2008 to Current"),
        ("Sales Manager", "2010 to 2019"),
        ("Chef", "2012 to 2020"),
        ("Account Executive", "03/2015 to 06/2020"),
        ("Teacher", "2001 to 2018"),
        ("Business Development Manager", "2005 to 2012"),
        ("Help Desk Technician", "2016 to 2021"),
    ];
    for (title, years) in titles {
        assert_eq!(
            app.upload(text_resume(title, years), "cv.txt", None)
                .await
                .status()
                .as_u16(),
            201
        );
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut url = app.url("/v1/roles/account-manager/ranking?limit=3");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let page: Value = app
            .client
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let results = page["results"].as_array().unwrap();
        for result in results {
            assert_eq!(
                result["rank"].as_u64().unwrap() as usize,
                seen.len() + 1,
                "ranks run on"
            );
            seen.push((
                result["candidate_id"].as_str().unwrap().to_owned(),
                result["score"].as_f64().unwrap(),
            ));
            assert!(result["requirements"].as_array().is_some());
        }
        pages += 1;
        if pages == 1 {
            // A new upload between pages: it may appear before or after the cursor, never twice.
            app.upload(
                text_resume("Retail Cashier", "2019 to 2021"),
                "new.txt",
                None,
            )
            .await;
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 10, "pagination ends");
    }
    let unique: HashSet<&String> = seen.iter().map(|(id, _)| id).collect();
    assert_eq!(unique.len(), seen.len(), "no candidate repeated");
    assert!(
        seen.len() >= titles.len(),
        "none of the first seven skipped"
    );
    assert!(seen.windows(2).all(|w| w[0].1 >= w[1].1), "best first");

    let bad_cursor = app
        .client
        .get(app.url("/v1/roles/account-manager/ranking?cursor=zzz"))
        .send()
        .await
        .unwrap();
    assert_problem(bad_cursor, 400, "invalid_cursor").await;
    let bad_limit = app
        .client
        .get(app.url("/v1/roles/account-manager/ranking?limit=abc"))
        .send()
        .await
        .unwrap();
    assert_problem(bad_limit, 400, "invalid_query_parameters").await;
    let bad_q = app
        .client
        .get(app.url("/v1/roles/account-manager/ranking?q=(unclosed"))
        .send()
        .await
        .unwrap();
    assert_problem(bad_q, 400, "invalid_query").await;

    let filtered: Value = app
        .get_json("/v1/roles/account-manager/ranking?q=chef")
        .await;
    assert_eq!(filtered["total"], 1, "keyword filter: {filtered}");
}

#[tokio::test]
async fn restarting_keeps_every_candidate_and_role() {
    let temp = tempfile::tempdir().unwrap();
    let app = spawn_app_in(temp.path(), Vec::new()).await;
    let created: Value = app
        .upload(
            text_resume("Account Manager", "2010 to 2020"),
            "cv.txt",
            Some("keep-me"),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let mut role: Value = app.get_json("/v1/roles/account-manager").await;
    role["id"] = json!("custom-role");
    role["title"] = json!("Custom role");
    assert_eq!(
        app.client
            .put(app.url("/v1/roles/custom-role"))
            .json(&role)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        201
    );
    let before: Value = app.get_json("/v1/roles/custom-role/ranking").await;
    app.stop().await;

    let app = spawn_app_in(temp.path(), Vec::new()).await;
    let fetched: Value = app.get_json(&format!("/v1/candidates/{id}")).await;
    assert_eq!(fetched["profile"], created["profile"]);
    assert_eq!(fetched["external_id"], "keep-me");
    let after: Value = app.get_json("/v1/roles/custom-role/ranking").await;
    assert_eq!(after, before, "the same ranking after a restart");
    let roles: Value = app.get_json("/v1/roles").await;
    assert_eq!(roles.as_array().unwrap().len(), SHIPPED_ROLE_IDS.len() + 1);
    let found: Value = app
        .get_json("/v1/roles/custom-role/ranking?q=account")
        .await;
    assert_eq!(found["total"], 1, "the index survives the restart too");
    app.stop().await;
}

#[tokio::test]
async fn with_api_keys_every_endpoint_but_health_needs_a_bearer_key() {
    let temp = tempfile::tempdir().unwrap();
    let app = spawn_app_in(
        temp.path(),
        vec![shortlist::config::hash_api_key("s3cret-key")],
    )
    .await;
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let anonymous = app.client.get(app.url("/v1/roles")).send().await.unwrap();
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    assert_problem(anonymous, 401, "unauthorized").await;
    let wrong = app
        .client
        .get(app.url("/v1/roles"))
        .bearer_auth("guess")
        .send()
        .await
        .unwrap();
    assert_problem(wrong, 401, "unauthorized").await;
    let upload_without_key = app
        .upload(text_resume("Sales", "2010 to 2012"), "a.txt", None)
        .await;
    assert_problem(upload_without_key, 401, "unauthorized").await;
    let right = app
        .client
        .get(app.url("/v1/roles"))
        .bearer_auth("s3cret-key")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status().as_u16(), 200);
    app.stop().await;
}

#[tokio::test]
async fn keyword_requirements_are_answered_by_the_index_including_later_uploads() {
    let app = spawn_app().await;
    let role = json!({
        "id": "hubspot-seller", "title": "HubSpot seller",
        "requirements": [{"id": "hubspot-or-pipedrive", "kind": "keyword", "query": "hubspot OR pipedrive",
                          "label": "HubSpot or Pipedrive", "weight": 1}]
    });
    let url = app.url("/v1/roles/hubspot-seller");
    assert_eq!(
        app.client
            .put(&url)
            .json(&role)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        201
    );
    let with = |tool: &str| {
        format!("Account Executive\nExperience\n2015 to 2020 Account Executive\nCompany Name\nUsed {tool} daily.\n").into_bytes()
    };
    app.upload(with("HubSpot"), "a.txt", Some("uses-hubspot"))
        .await;
    app.upload(with("a spreadsheet"), "b.txt", Some("uses-nothing"))
        .await;
    let verdicts = |page: &Value| -> Vec<(String, String)> {
        page["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["external_id"].as_str().unwrap().to_owned(),
                    r["requirements"][0]["verdict"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let page: Value = app.get_json("/v1/roles/hubspot-seller/ranking").await;
    assert_eq!(
        verdicts(&page),
        [
            ("uses-hubspot".into(), "met".into()),
            ("uses-nothing".into(), "not_met".into())
        ]
    );
    // The evidence quotes the resume's line that matched, with where it is, not the query.
    let met = &page["results"][0]["requirements"][0];
    assert_eq!(
        met["evidence"],
        json!(["Used HubSpot daily. (line 5)"]),
        "{met}"
    );
    assert_eq!(
        met["quotes"],
        json!([{"text": "Used HubSpot daily.", "line": 5}]),
        "{met}"
    );
    app.upload(with("Pipedrive"), "c.txt", Some("uses-pipedrive"))
        .await;
    let page: Value = app.get_json("/v1/roles/hubspot-seller/ranking").await;
    assert!(
        verdicts(&page).contains(&("uses-pipedrive".into(), "met".into())),
        "{page}"
    );
}

/// The README's walkthrough, call by call, against what the server answers: the merged
/// experience it quotes, its abridged ranking item (scores, verdicts, labels and each evidence
/// line it shows), and the score it gives for its own `my-role.json`, which is read from the
/// README itself. A change that moves any of them fails here until the README says the same.
#[tokio::test]
async fn the_readme_walkthrough_answers_what_the_readme_shows() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let between = |start: &str, end: &str| -> String {
        let from = readme
            .find(start)
            .unwrap_or_else(|| panic!("README has {start:?}"))
            + start.len();
        let to = from + readme[from..].find(end).expect("the block ends");
        readme[from..to].to_owned()
    };
    let app = spawn_app().await;

    let pdf = std::fs::read(corpus.join("pdf/BUSINESS-DEVELOPMENT/16846478.pdf")).unwrap();
    let response = app.upload(pdf, "16846478.pdf", Some("ats-16846478")).await;
    assert_eq!(response.status(), 201);
    let candidate: Value = response.json().await.unwrap();
    let id = candidate["id"].as_str().unwrap().to_owned();

    // "experience": {...} as the README quotes it.
    let quoted: Value = serde_json::from_str(&between("\"experience\": ", "\n```"))
        .expect("the quoted experience is JSON");
    for (field, months) in quoted.as_object().unwrap() {
        assert_eq!(
            &candidate["profile"]["experience"][field], months,
            "README's experience.{field}"
        );
    }

    let roles: Value = app.get_json("/v1/roles").await;
    let ids: HashSet<&str> = roles
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, SHIPPED_ROLE_IDS.into_iter().collect());

    // The abridged ranking item.
    let item_text = between("```json\n{\"candidate_id\": \"…\"", "\n```");
    let item: Value = serde_json::from_str(&format!("{{\"candidate_id\": \"{id}\"{item_text}"))
        .expect("the README's ranking item is JSON");
    let page: Value = app
        .get_json("/v1/roles/strategic-account-manager/ranking?limit=10")
        .await;
    let ranked = &page["results"][0];
    for field in ["candidate_id", "external_id", "rank", "must_haves_met"] {
        assert_eq!(ranked[field], item[field], "README's ranking item {field}");
    }
    let close = |a: &Value, b: &Value| (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 0.005;
    assert!(
        close(&ranked["score"], &item["score"]),
        "README's score {} is {}",
        item["score"],
        ranked["score"]
    );
    for shown in item["requirements"].as_array().unwrap() {
        let got = ranked["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == shown["id"])
            .unwrap_or_else(|| panic!("requirement {} ranked", shown["id"]));
        for field in ["verdict", "label", "must_have"] {
            assert_eq!(got[field], shown[field], "README's {} {field}", shown["id"]);
        }
        assert!(
            close(&got["score"], &shown["score"]),
            "README's {} score",
            shown["id"]
        );
        for line in shown["evidence"].as_array().unwrap() {
            assert!(
                got["evidence"].as_array().unwrap().contains(line),
                "README's evidence line {line} is among {}",
                got["evidence"]
            );
        }
    }

    // The README's own role, and the score its comment gives.
    let role = between("cat > my-role.json <<'EOF'\n", "\nEOF\n");
    let response = app
        .client
        .put(app.url("/v1/roles/my-role"))
        .header("content-type", "application/json")
        .body(role)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "README's my-role.json is accepted");
    let expected: f64 = between(
        "/v1/roles/my-role/ranking' | python3 -m json.tool  # ats-16846478: ",
        "\n",
    )
    .trim()
    .parse()
    .expect("the README gives a score");
    let page: Value = app.get_json("/v1/roles/my-role/ranking").await;
    let score = page["results"][0]["score"].as_f64().unwrap();
    assert!(
        (score - expected).abs() < 0.005,
        "README says {expected}, the ranking {score}"
    );

    let response = app
        .client
        .delete(app.url(&format!("/v1/candidates/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(total_for(&app, "my-role").await, 0);
    app.stop().await;
}

/// PostgreSQL only (CI's second pass): with the database unreachable, a request that needs it
/// gets 503 `database_unavailable` and `/readyz` says why; when it comes back, the same server
/// answers again without a restart.
#[tokio::test]
async fn an_unreachable_database_is_a_503_and_the_server_recovers_when_it_returns() {
    let app = spawn_app().await;
    let stored = app
        .upload(
            text_resume("Account Manager", "2015 - 2020"),
            "cv.txt",
            None,
        )
        .await;
    assert_eq!(stored.status().as_u16(), 201);
    let id = stored.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    if !shortlist::store::testing::set_database_reachable(&app.data_dir, false) {
        eprintln!("skipping: the store is SQLite (set SHORTLIST_TEST_DATABASE_URL)");
        return;
    }
    let candidate = app
        .client
        .get(app.url(&format!("/v1/candidates/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(candidate.headers()["retry-after"], "5");
    let problem = assert_problem(candidate, 503, "database_unavailable").await;
    assert!(
        !problem.to_string().contains("postgres://"),
        "the URL stays out of the answer: {problem}"
    );
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    let ready = assert_problem(ready, 503, "not_ready").await;
    assert!(
        ready["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("database cannot be reached")),
        "readyz says why: {ready}"
    );

    shortlist::store::testing::set_database_reachable(&app.data_dir, true);
    let candidate = app
        .client
        .get(app.url(&format!("/v1/candidates/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        candidate.status().as_u16(),
        200,
        "served again without a restart"
    );
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    app.stop().await;
}
