//! Operations and candidates as a collection, black box through a real server: the candidate
//! list (pages, cursors, filters, `Link`), the original file, JSON Resume out and in, names in
//! rankings and run exports, `/readyz` and `/metrics`.

mod common;

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use common::{TestApp, assert_problem, spawn_app, spawn_app_with};
use serde_json::{Value, json};
use shortlist::api::ApiSettings;

/// A text resume the parser reads fully: contact, two dated positions, a degree, skills.
fn resume(name: &str, employer: &str) -> Vec<u8> {
    let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
    format!(
        "{name}\n{email} | (512) 555-0147 | Austin, TX\nhttps://www.linkedin.com/in/{handle}\n\
         Summary\nAccount manager with B2B sales experience.\n\
         Experience\n01/2015 to Current Account Manager\n{employer} - Austin , TX\n\
         Managed key accounts for corporate clients using Salesforce CRM and Microsoft Excel.\n\
         06/2010 to 12/2014 Sales Representative\nBeta Inc - Dallas , TX\n\
         Sold software subscriptions to small businesses and exceeded quota.\n\
         Education\nBachelor of Science : Business Administration , 2009\nState University\n\
         Skills\nSalesforce, Microsoft Excel, negotiation\n",
        handle = name.to_lowercase().replace(' ', ""),
    )
    .into_bytes()
}

async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    let body = response.text().await.unwrap();
    serde_json::from_str(&body).unwrap_or_else(|_| panic!("{status}: not JSON: {body}"))
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.unwrap()
}

async fn upload_ok(app: &TestApp, bytes: Vec<u8>, file_name: &str, external_id: &str) -> Value {
    let response = app.upload(bytes, file_name, Some(external_id)).await;
    assert_eq!(response.status().as_u16(), 201, "upload of {file_name}");
    json_of(response).await
}

fn ids(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The `next` target of a `Link` header.
fn next_link(response: &reqwest::Response) -> Option<String> {
    let link = response.headers().get("link")?.to_str().ok()?.to_owned();
    assert!(link.ends_with("; rel=\"next\""), "{link}");
    Some(link[link.find('<')? + 1..link.find('>')?].to_owned())
}

#[tokio::test]
async fn the_candidate_list_pages_newest_first_by_cursor_and_link_and_filters() {
    let app = spawn_app().await;
    let names = [
        "Ada Brown",
        "Ben Clark",
        "Cleo Diaz",
        "Dan Evans",
        "Eva Fox",
    ];
    let mut uploaded = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let employer = if i % 2 == 0 { "Northwind" } else { "Contoso" };
        let created = upload_ok(
            &app,
            resume(name, employer),
            &format!("cv-{i}.txt"),
            &format!("ats-{i}"),
        )
        .await;
        uploaded.push(created["id"].as_str().unwrap().to_owned());
    }
    let newest_first: Vec<String> = uploaded.iter().rev().cloned().collect();

    // Page by page through the Link header: every candidate once, newest first.
    let first = get(&app, "/v1/candidates?limit=2").await;
    assert_eq!(first.status().as_u16(), 200);
    let mut link = next_link(&first);
    let first = json_of(first).await;
    assert_eq!(first["total"], 5);
    assert!(first["next_cursor"].is_string());
    let mut seen = ids(&first);
    let row = &first["results"][0];
    assert_eq!(row["external_id"], "ats-4");
    assert_eq!(row["display_name"], "Eva Fox", "{row}");
    assert_eq!(row["file_name"], "cv-4.txt");
    assert_eq!(row["highest_degree"], "bachelor");
    assert!(row["total_months"].as_u64().unwrap() > 100, "{row}");
    for field in ["created_at", "updated_at"] {
        let time = row[field].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{time}");
    }
    while let Some(next) = link {
        assert!(next.contains("limit=2"), "{next}");
        let page = get(&app, &next).await;
        link = next_link(&page);
        let page = json_of(page).await;
        assert_eq!(page["total"], 5);
        assert_eq!(link.is_some(), page["next_cursor"].is_string());
        seen.extend(ids(&page));
    }
    assert_eq!(seen, newest_first);

    // The body's cursor gives the same page as the link.
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = json_of(get(&app, &format!("/v1/candidates?limit=2&cursor={cursor}")).await).await;
    assert_eq!(ids(&second), newest_first[2..4]);

    // Filters: external id, keywords through the index, times.
    let one = json_of(get(&app, "/v1/candidates?external_id=ats-2").await).await;
    assert_eq!(one["total"], 1);
    assert_eq!(ids(&one), [uploaded[2].clone()]);
    let northwind = json_of(get(&app, "/v1/candidates?q=northwind").await).await;
    assert_eq!(northwind["total"], 3, "{northwind}");
    assert_eq!(
        ids(&northwind),
        [
            uploaded[4].clone(),
            uploaded[2].clone(),
            uploaded[0].clone()
        ]
    );
    let both =
        json_of(get(&app, "/v1/candidates?q=salesforce%20AND%20contoso&limit=1").await).await;
    assert_eq!(both["total"], 2);
    assert_eq!(ids(&both), [uploaded[3].clone()]);
    let filtered_link = get(&app, "/v1/candidates?q=salesforce%20AND%20contoso&limit=1").await;
    let next = next_link(&filtered_link).expect("a second page");
    assert!(next.contains("q=salesforce%20AND%20contoso"), "{next}");
    let page = json_of(get(&app, &next).await).await;
    assert_eq!(ids(&page), [uploaded[1].clone()]);
    assert!(page["next_cursor"].is_null());

    let all_since = json_of(get(&app, "/v1/candidates?created_since=2000-01-01").await).await;
    assert_eq!(all_since["total"], 5);
    let none_since =
        json_of(get(&app, "/v1/candidates?updated_since=2999-01-01T00:00:00Z").await).await;
    assert_eq!(none_since["total"], 0);
    assert_eq!(none_since["results"], json!([]));
    assert!(none_since["next_cursor"].is_null());
    // Since the third upload: the last three.
    let third_created = json_of(get(&app, "/v1/candidates?external_id=ats-2").await).await["results"][0]
        ["created_at"]
        .as_str()
        .unwrap()
        .to_owned();
    let since = json_of(
        get(
            &app,
            &format!(
                "/v1/candidates?created_since={}",
                third_created.replace('+', "%2B")
            ),
        )
        .await,
    )
    .await;
    assert_eq!(ids(&since), newest_first[..3]);

    // Bad input: each a problem with its own code.
    for (query, code) in [
        ("limit=0", "invalid_limit"),
        ("limit=101", "invalid_limit"),
        ("limit=ten", "invalid_limit"),
        ("created_since=yesterday", "invalid_timestamp"),
        ("updated_since=2026-02-30", "invalid_timestamp"),
        ("cursor=not-a-cursor", "invalid_cursor"),
        (
            "q=((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((a",
            "invalid_query",
        ),
        ("colour=blue", "invalid_query_parameters"),
    ] {
        let response = get(&app, &format!("/v1/candidates?{query}")).await;
        assert_problem(response, 400, code).await;
    }
    // A cursor edited by one character is refused, not followed somewhere else.
    let mut edited = cursor.to_owned().into_bytes();
    edited[3] = if edited[3] == b'0' { b'1' } else { b'0' };
    let edited = String::from_utf8(edited).unwrap();
    assert_problem(
        get(&app, &format!("/v1/candidates?cursor={edited}")).await,
        400,
        "invalid_cursor",
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn the_original_file_downloads_with_its_type_and_a_safe_name() {
    let app = spawn_app().await;
    let bytes = resume("Zoe Miller", "Northwind");
    let created = upload_ok(&app, bytes.clone(), "Zoë \"CV\".txt", "ats-file").await;
    let id = created["id"].as_str().unwrap();

    let file = get(&app, &format!("/v1/candidates/{id}/file")).await;
    assert_eq!(file.status().as_u16(), 200);
    let headers = file.headers().clone();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"),
        "{headers:?}"
    );
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\""),
        "{disposition}"
    );
    assert!(
        disposition.contains("filename*=UTF-8''Zo%C3%AB%20%22CV%22"),
        "{disposition}"
    );
    assert!(!disposition.contains('\r') && !disposition.contains('\n'));
    assert_eq!(file.bytes().await.unwrap().as_ref(), bytes.as_slice());

    let missing = get(
        &app,
        "/v1/candidates/00000000-0000-4000-8000-000000000000/file",
    )
    .await;
    assert_problem(missing, 404, "candidate_not_found").await;
    assert_problem(
        get(&app, "/v1/candidates/not-an-id/file").await,
        404,
        "candidate_not_found",
    )
    .await;
    let wrong_method = app
        .client
        .delete(app.url(&format!("/v1/candidates/{id}/file")))
        .send()
        .await
        .unwrap();
    assert_problem(wrong_method, 405, "method_not_allowed").await;
    app.stop().await;
}

/// What a round trip must keep of a profile.
fn essentials(profile: &Value) -> Value {
    let positions: Vec<Value> = profile["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            json!([
                p["title"],
                p["employer"],
                p["start"],
                p["end"],
                p["current"],
                p["categories"]
            ])
        })
        .collect();
    let skills: BTreeSet<String> = profile["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    json!({
        "positions": positions,
        "highest_degree": profile["highest_degree"],
        "total_months": profile["experience"]["total_months"],
        "skills": skills,
    })
}

#[tokio::test]
async fn a_json_resume_export_imports_back_to_the_same_profile() {
    let app = spawn_app().await;
    let original = upload_ok(&app, resume("Ada Brown", "Northwind"), "ada.txt", "ats-ada").await;
    let id = original["id"].as_str().unwrap();
    let profile = &original["profile"];
    assert_eq!(
        profile["positions"].as_array().unwrap().len(),
        2,
        "{profile}"
    );
    assert!(!profile["skills"].as_array().unwrap().is_empty());

    let exported = get(&app, &format!("/v1/candidates/{id}/json-resume")).await;
    assert_eq!(exported.status().as_u16(), 200);
    assert!(
        exported.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let exported = json_of(exported).await;
    assert_eq!(exported["basics"]["name"], "Ada Brown");
    assert_eq!(exported["basics"]["email"], "ada.brown@example.com");
    assert_eq!(exported["basics"]["profiles"][0]["network"], "LinkedIn");
    assert_eq!(exported["work"][0]["position"], "Account Manager");
    assert_eq!(exported["work"][0]["startDate"], "2015-01");
    assert!(
        exported["work"][0].get("endDate").is_none(),
        "current: no end"
    );
    assert_eq!(exported["work"][1]["startDate"], "2010-06");
    assert_eq!(exported["work"][1]["endDate"], "2014-12");
    assert_eq!(exported["education"][0]["endDate"], "2009");
    assert!(exported["skills"].as_array().unwrap().len() >= 2);

    // Imported as a new candidate (another external id): the same facts.
    let document = serde_json::to_vec_pretty(&exported).unwrap();
    let imported = upload_ok(&app, document.clone(), "ada.json", "ats-ada-json").await;
    let imported_profile = &imported["profile"];
    assert_eq!(essentials(imported_profile), essentials(profile));
    assert_eq!(
        imported_profile["document"]["media_type"],
        "application/json"
    );
    assert_eq!(imported_profile["contact"]["name"], "Ada Brown");
    // Evidence is the JSON's own text.
    let evidence = imported_profile["positions"][0]["evidence"]["text"]
        .as_str()
        .unwrap();
    assert!(
        evidence.contains("Account Manager") && evidence.contains("2015-01"),
        "{evidence}"
    );
    // It is searchable and downloadable as sent.
    let found =
        json_of(get(&app, "/v1/candidates?q=northwind&external_id=ats-ada-json").await).await;
    assert_eq!(found["total"], 1);
    let imported_id = imported["id"].as_str().unwrap();
    let file = get(&app, &format!("/v1/candidates/{imported_id}/file")).await;
    assert_eq!(file.headers()["content-type"], "application/json");
    assert_eq!(file.bytes().await.unwrap().as_ref(), document.as_slice());

    // JSON that is not a JSON Resume is read as text, and refused when it has too little.
    let other = app
        .upload(br#"{"a": 1}"#.to_vec(), "other.json", Some("ats-other"))
        .await;
    assert_eq!(other.status().as_u16(), 422);
    // Fields of the wrong type are left out, never a failure; nesting past serde_json's depth
    // limit is not a JSON Resume (read as text, refused as too little of it).
    let odd = json!({
        "basics": {"name": 5, "profiles": "none"},
        "work": [1, null, "x", {"position": "Account Manager", "name": ["Acme"],
                 "startDate": "someday", "highlights": [3, "Grew key accounts by 40% in a year"]}],
        "skills": {"name": "Salesforce"}
    });
    let odd = app
        .upload(
            serde_json::to_vec(&odd).unwrap(),
            "odd.json",
            Some("ats-odd"),
        )
        .await;
    assert_eq!(odd.status().as_u16(), 201);
    let odd = json_of(odd).await;
    assert_eq!(odd["profile"]["positions"][0]["title"], "Account Manager");
    assert!(odd["profile"]["positions"][0]["start"].is_null());
    let deep = format!(
        "{{\"basics\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let deep = app
        .upload(deep.into_bytes(), "deep.json", Some("ats-deep"))
        .await;
    assert_problem(deep, 422, "too_little_text").await;
    app.stop().await;
}

async fn wait_for_run(app: &TestApp, run_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let run = json_of(get(app, &format!("/v1/runs/{run_id}")).await).await;
        if ["succeeded", "failed", "canceled"].contains(&run["status"].as_str().unwrap()) {
            return run;
        }
        assert!(Instant::now() < deadline, "run did not finish: {run}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn rankings_and_run_exports_carry_names_and_file_names() {
    let app = spawn_app().await;
    upload_ok(
        &app,
        resume("Ada Brown", "Northwind"),
        "ada.pdf.txt",
        "ats-1",
    )
    .await;
    upload_ok(&app, resume("Ben Clark", "Contoso"), "ben.txt", "ats-2").await;

    let ranking = json_of(get(&app, "/v1/roles/account-manager/ranking").await).await;
    let named: HashSet<(String, String)> = ranking["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["display_name"].as_str().unwrap().to_owned(),
                r["file_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        named,
        HashSet::from([
            ("Ada Brown".to_owned(), "ada.pdf.txt".to_owned()),
            ("Ben Clark".to_owned(), "ben.txt".to_owned())
        ])
    );

    let created = app
        .client
        .post(app.url("/v1/runs"))
        .json(&json!({"role_id": "account-manager", "selection": {"all": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 202);
    let run_id = json_of(created).await["id"].as_str().unwrap().to_owned();
    assert_eq!(wait_for_run(&app, &run_id).await["status"], "succeeded");
    let lines = get(&app, &format!("/v1/runs/{run_id}/export?format=jsonl"))
        .await
        .text()
        .await
        .unwrap();
    let rows: Vec<Value> = lines
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert!(
            row["display_name"].is_string() && row["file_name"].is_string(),
            "{row}"
        );
    }
    let csv = get(&app, &format!("/v1/runs/{run_id}/export?format=csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with(
            "rank,candidate_id,external_id,score,must_haves_met,display_name,file_name"
        ),
        "{csv}"
    );
    assert!(csv.contains(",Ada Brown,ada.pdf.txt"), "{csv}");
    app.stop().await;
}

#[tokio::test]
async fn readyz_answers_ready_and_503_when_the_store_cannot_write() {
    let app = spawn_app().await;
    upload_ok(&app, resume("Ada Brown", "Northwind"), "ada.txt", "ats-1").await;
    let ready = get(&app, "/readyz").await;
    assert_eq!(ready.status().as_u16(), 200);
    let ready = json_of(ready).await;
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["candidates"], 1);
    assert_eq!(ready["indexed"], 1);
    assert_eq!(ready["features"], 1);

    // The files folder replaced by a file: nothing can be stored, whoever the process runs as.
    let files = app.data_dir.join("files");
    let aside = app.data_dir.join("files-aside");
    std::fs::rename(&files, &aside).unwrap();
    std::fs::write(&files, b"not a folder").unwrap();
    let body = assert_problem(get(&app, "/readyz").await, 503, "not_ready").await;
    assert!(body["detail"].as_str().unwrap().contains("store"), "{body}");
    std::fs::remove_file(&files).unwrap();
    std::fs::rename(&aside, &files).unwrap();
    assert_eq!(get(&app, "/readyz").await.status().as_u16(), 200);
    app.stop().await;
}

/// The samples of a text exposition: (name with labels, value).
fn samples(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (name, value) = line.rsplit_once(' ').unwrap();
            (name.to_owned(), value.parse().unwrap())
        })
        .collect()
}

fn sample(text: &str, name: &str) -> f64 {
    samples(text)
        .into_iter()
        .find(|(sample, _)| sample == name)
        .map_or(0.0, |(_, value)| value)
}

async fn scrape(app: &TestApp) -> String {
    let response = get(app, "/metrics").await;
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_are_prometheus_text_and_move_with_requests() {
    let app = spawn_app().await;
    let before = scrape(&app).await;
    assert!(before.trim_end().ends_with("# EOF"));

    // Requests, uploads (stored and refused), parses and rankings move their series.
    for _ in 0..3 {
        get(&app, "/healthz").await;
    }
    upload_ok(&app, resume("Ada Brown", "Northwind"), "ada.txt", "ats-1").await;
    let refused = app.upload(b"hi".to_vec(), "tiny.txt", None).await;
    let refused_code = json_of(refused).await["code"].as_str().unwrap().to_owned();
    get(&app, "/v1/roles/account-manager/ranking").await;
    get(&app, "/v1/candidates/00000000-0000-4000-8000-000000000000").await;
    for invented in ["BREW", "XYZZY"] {
        let method = reqwest::Method::from_bytes(invented.as_bytes()).unwrap();
        app.client
            .request(method, app.url("/healthz"))
            .send()
            .await
            .unwrap();
    }
    let after = scrape(&app).await;

    // The format: TYPE lines (a labelled family shows once it has a series), every name
    // prefixed, the end marker, parseable samples.
    let types: Vec<(String, String)> = after
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .map(|line| {
            let (name, kind) = line.split_once(' ').unwrap();
            (name.to_owned(), kind.to_owned())
        })
        .collect();
    for (name, kind) in [
        ("shortlist_http_requests", "counter"),
        ("shortlist_http_request_duration_seconds", "histogram"),
        ("shortlist_uploads", "counter"),
        ("shortlist_parse_duration_seconds", "histogram"),
        ("shortlist_rank_duration_seconds", "histogram"),
        ("shortlist_admission_queue_depth", "gauge"),
        ("shortlist_candidates_stored", "gauge"),
    ] {
        assert!(
            types.contains(&(name.to_owned(), kind.to_owned())),
            "{name} {kind} in {types:?}"
        );
    }
    assert!(types.iter().all(|(name, _)| name.starts_with("shortlist_")));
    assert!(after.trim_end().ends_with("# EOF"));
    assert!(!samples(&after).is_empty());

    let healthz = r#"shortlist_http_requests_total{method="GET",route="/healthz",status="200"}"#;
    assert_eq!(
        sample(&after, healthz) - sample(&before, healthz),
        3.0,
        "{after}"
    );
    let not_found =
        r#"shortlist_http_requests_total{method="GET",route="/v1/candidates/{id}",status="404"}"#;
    assert_eq!(sample(&after, not_found), 1.0, "{after}");
    let latency = r#"shortlist_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"}"#;
    assert_eq!(sample(&after, latency) - sample(&before, latency), 3.0);
    // Invented methods share one label value.
    let other = r#"shortlist_http_requests_total{method="other",route="/healthz",status="405"}"#;
    assert_eq!(sample(&after, other), 2.0, "{after}");
    assert!(!after.contains("BREW") && !after.contains("XYZZY"));
    let created = r#"shortlist_uploads_total{outcome="created",code=""}"#;
    assert_eq!(sample(&after, created), 1.0, "{after}");
    let rejected =
        format!(r#"shortlist_uploads_total{{outcome="rejected",code="{refused_code}"}}"#);
    assert_eq!(sample(&after, &rejected), 1.0, "{after}");
    // Process-wide timings: other tests in this binary may add to them, never take away.
    assert!(
        sample(&after, "shortlist_parse_duration_seconds_count")
            > sample(&before, "shortlist_parse_duration_seconds_count")
    );
    assert!(
        sample(&after, "shortlist_rank_duration_seconds_count")
            > sample(&before, "shortlist_rank_duration_seconds_count")
    );
    assert_eq!(sample(&after, "shortlist_candidates_stored"), 1.0);
    assert_eq!(sample(&after, "shortlist_admission_queue_depth"), 0.0);
    app.stop().await;
}

#[tokio::test]
async fn with_api_keys_metrics_need_one_and_the_probes_do_not() {
    let settings = ApiSettings {
        api_key_sha256: vec![shortlist::config::hash_api_key("s3cret-key")],
        ..ApiSettings::default()
    };
    let app = spawn_app_with(settings).await;
    assert_eq!(get(&app, "/healthz").await.status().as_u16(), 200);
    assert_eq!(get(&app, "/readyz").await.status().as_u16(), 200);
    assert_problem(get(&app, "/metrics").await, 401, "unauthorized").await;
    assert_problem(get(&app, "/v1/candidates").await, 401, "unauthorized").await;
    let scraped = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("s3cret-key")
        .send()
        .await
        .unwrap();
    assert_eq!(scraped.status().as_u16(), 200);
    let text = scraped.text().await.unwrap();
    // The refused requests were counted too.
    assert!(
        text.contains(
            r#"shortlist_http_requests_total{method="GET",route="/metrics",status="401"} 1"#
        ),
        "{text}"
    );
    app.stop().await;
}
