//! The web page's server side, black-box: the page and its assets (types, caching, the
//! Content-Security-Policy, no key needed) and `POST /v1/rankings`, the ranking of an unsaved
//! role that the page calls on every edit. The page itself is driven in `tests/browser.rs`.

mod common;

use common::{assert_problem, spawn_app, spawn_app_in};
use serde_json::{Value, json};

fn text_resume(title: &str, years: &str, skills: &str) -> Vec<u8> {
    format!(
        "{title}\nSummary\nExperienced professional.\nExperience\n{years} {title}\nCompany Name - City , State\n\
         Managed key accounts for corporate clients using {skills}.\n\
         Education\nBachelor of Science : Business Administration , 2005\nState University\n"
    )
    .into_bytes()
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_with_their_types_a_strict_csp_and_validators() {
    let app = spawn_app().await;
    for (path, content_type, marker) in [
        ("/", "text/html; charset=utf-8", "<!doctype html>"),
        ("/assets/app.js", "text/javascript; charset=utf-8", "export"),
        ("/assets/app.css", "text/css; charset=utf-8", "--"),
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "content-type"), content_type, "{path}");
        let csp = header(&response, "content-security-policy");
        assert!(csp.starts_with("default-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        let etag = header(&response, "etag");
        assert!(etag.starts_with('"') && etag.len() > 10, "{path}: {etag}");
        let body = response.text().await.unwrap();
        assert!(
            body.to_lowercase().contains(marker),
            "{path} holds {marker}"
        );

        let revalidated = app
            .client
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(revalidated.status(), 304, "{path} revalidates");
        assert!(revalidated.text().await.unwrap().is_empty());
    }
    let head = app.client.head(app.url("/")).send().await.unwrap();
    assert_eq!(head.status(), 200);

    let missing = app
        .client
        .get(app.url("/assets/nope.js"))
        .send()
        .await
        .unwrap();
    assert_problem(missing, 404, "asset_not_found").await;
    let posted = app.client.post(app.url("/")).send().await.unwrap();
    assert_problem(posted, 405, "method_not_allowed").await;
    app.stop().await;
}

#[tokio::test]
async fn with_api_keys_only_the_page_and_its_assets_go_without_a_key() {
    let temp = tempfile::tempdir().unwrap();
    let app = spawn_app_in(
        temp.path(),
        vec![shortlist::config::hash_api_key("s3cret-key")],
    )
    .await;
    for path in ["/", "/assets/app.js", "/assets/app.css"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path} needs no key");
    }
    // Unknown assets answer 404 without a key: they hold no data either.
    let missing = app.client.get(app.url("/assets/x")).send().await.unwrap();
    assert_problem(missing, 404, "asset_not_found").await;
    for path in ["/v1/roles", "/assets", "/index.html", "/v1/assets/app.js"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_problem(response, 401, "unauthorized").await;
    }
    let ranking = app
        .client
        .post(app.url("/v1/rankings"))
        .json(&json!({"role": {"title": "x"}}))
        .send()
        .await
        .unwrap();
    assert_problem(ranking, 401, "unauthorized").await;
    let keyed = app
        .client
        .get(app.url("/v1/roles"))
        .bearer_auth("s3cret-key")
        .send()
        .await
        .unwrap();
    assert_eq!(keyed.status(), 200);
    app.stop().await;
}

async fn rank_unsaved(app: &common::TestApp, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/v1/rankings"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_unsaved_role_ranks_like_the_stored_one_and_edits_change_the_ranking_at_once() {
    let app = spawn_app().await;
    for (title, years, skills, id) in [
        (
            "Account Manager",
            "2012 - 2020",
            "Salesforce CRM and Microsoft Excel",
            "a",
        ),
        ("Account Manager", "2016 - 2019", "spreadsheets", "b"),
    ] {
        let response = app
            .upload(text_resume(title, years, skills), "cv.txt", Some(id))
            .await;
        assert_eq!(response.status(), 201);
    }
    let stored: Value = app
        .client
        .get(app.url("/v1/roles/account-manager/ranking"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut role: Value = app
        .client
        .get(app.url("/v1/roles/account-manager"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // The same role, sent: the same page, requirement by requirement.
    let response = rank_unsaved(&app, json!({"role": role})).await;
    assert_eq!(response.status(), 200);
    let unsaved: Value = response.json().await.unwrap();
    assert_eq!(unsaved["role_id"], "account-manager");
    assert_eq!(unsaved["results"], stored["results"]);
    assert_eq!(unsaved["total"], 2);

    // Excel made a must-have: the candidate without it drops below the one with it, and says so.
    let requirements = role["requirements"].as_array_mut().unwrap();
    let excel = requirements
        .iter_mut()
        .find(|r| r["id"] == "excel")
        .expect("account-manager asks for Excel");
    excel["must_have"] = json!(true);
    excel["weight"] = json!(6.0);
    let edited: Value = rank_unsaved(&app, json!({"role": role, "limit": 5}))
        .await
        .json()
        .await
        .unwrap();
    let by_id = |page: &Value, id: &str| -> Value {
        page["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["external_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} ranked in {page}"))
    };
    assert_eq!(by_id(&edited, "a")["must_haves_met"], true);
    assert_eq!(by_id(&edited, "b")["must_haves_met"], false);
    assert_eq!(edited["results"][0]["external_id"], "a");
    assert_ne!(by_id(&edited, "b")["score"], by_id(&stored, "b")["score"]);

    // Nothing was stored: the stored role still ranks as before.
    let again: Value = app
        .client
        .get(app.url("/v1/roles/account-manager/ranking"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["results"], stored["results"]);

    // A role without an id ranks as `unsaved`, which is not stored either; cursors page it.
    role.as_object_mut().unwrap().remove("id");
    let first: Value = rank_unsaved(&app, json!({"role": role, "limit": 1}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["role_id"], "unsaved");
    assert_eq!(first["results"].as_array().unwrap().len(), 1);
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second: Value = rank_unsaved(&app, json!({"role": role, "limit": 1, "cursor": cursor}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["results"][0]["rank"], 2);
    assert_ne!(
        second["results"][0]["candidate_id"],
        first["results"][0]["candidate_id"]
    );
    let lookup = app
        .client
        .get(app.url("/v1/roles/unsaved"))
        .send()
        .await
        .unwrap();
    assert_problem(lookup, 404, "role_not_found").await;
    app.stop().await;
}

#[tokio::test]
async fn a_bad_unsaved_ranking_request_gets_a_problem_with_a_stable_code() {
    let app = spawn_app().await;
    let requirement = json!({"id": "crm", "kind": "skill", "any_of": ["group:crm"]});
    let cases = [
        (json!({}), 422, "invalid_role"),
        (json!({"role": "account-manager"}), 422, "invalid_role"),
        (json!({"role": {"requirements": []}}), 422, "invalid_role"),
        (
            json!({"role": {"title": " ", "requirements": []}}),
            422,
            "invalid_role",
        ),
        (
            json!({"role": {"title": "T", "requirements": [{"id": "x", "kind": "telepathy"}]}}),
            422,
            "invalid_role",
        ),
        (
            json!({"role": {"id": "Not A Slug", "title": "T", "requirements": [requirement]}}),
            422,
            "invalid_role",
        ),
        (
            json!({"role": {"title": "T", "requirements": [{"id": "crm", "kind": "skill", "any_of": ["group:crm"], "weight": -1}]}}),
            422,
            "invalid_role",
        ),
        (
            json!({"role": {"title": "T", "requirements": [requirement]}, "limit": 0}),
            400,
            "invalid_limit",
        ),
        (
            json!({"role": {"title": "T", "requirements": [requirement]}, "cursor": "zz"}),
            400,
            "invalid_cursor",
        ),
        (
            json!({"role": {"title": "T", "requirements": [requirement]}, "q": "sales"}),
            400,
            "malformed_json",
        ),
    ];
    for (body, status, code) in cases {
        let response = rank_unsaved(&app, body.clone()).await;
        let problem = assert_problem(response, status, code).await;
        assert!(!problem["detail"].as_str().unwrap().is_empty(), "{body}");
    }
    let get = app
        .client
        .get(app.url("/v1/rankings"))
        .send()
        .await
        .unwrap();
    assert_problem(get, 405, "method_not_allowed").await;
    app.stop().await;
}
