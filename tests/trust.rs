//! Trust (issue 15): erasure that erases, the audit log, human oversight and adverse impact,
//! end to end on a real server, real SQLite and a real tantivy index.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{TestApp, assert_problem, spawn_app, spawn_receiver};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

/// The person the erasure test erases: every one of these is looked for afterwards.
const NAME: &str = "Zephyrine Quallsworth";
const EMAIL: &str = "zephyrine.quallsworth@example.net";
const PHONE: &str = "(555) 013-2468";
const SENTENCE: &str = "Orchestrated the Marblehaven lighthouse partnership";
/// Only in the earlier version, replaced through the same external_id.
const EARLIER_SENTENCE: &str = "Quillfeather harbour expansion";

fn resume(extra: &str) -> Vec<u8> {
    format!(
        "{NAME}\n{EMAIL} | {PHONE}\nKey Account Manager\nSummary\n{extra} across nine coastal \
         distributors.\nExperience\n01/2012 to Current Key Account Manager\nCompany Name - City , \
         State\nManaged key accounts for corporate clients using Salesforce CRM and Microsoft \
         Excel.\nEducation\nBachelor of Science : Business Administration , 2005\nState University\n"
    )
    .into_bytes()
}

/// What is looked for in every byte of the data directory and in every response: the name (its
/// rarer part alone too: the index keeps words), the e-mail, the resume's own words.
fn needles() -> Vec<&'static str> {
    vec![
        NAME,
        "quallsworth",
        "zephyrine",
        EMAIL,
        "013-2468",
        SENTENCE,
        "marblehaven",
        EARLIER_SENTENCE,
        "quillfeather",
    ]
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// Every (file, needle) where a file under `dir` holds the needle, ignoring ASCII case.
fn traces_in(dir: &Path, needles: &[&str]) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    for path in files_under(dir) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let bytes = bytes.to_ascii_lowercase();
        for needle in needles {
            let needle = needle.to_ascii_lowercase();
            if bytes
                .windows(needle.len())
                .any(|window| window == needle.as_bytes())
            {
                found.push((path.clone(), needle));
            }
        }
    }
    found
}

/// The words of `words` that some segment of the tantivy index under `data_dir` still holds in
/// its term dictionary, deleted documents included: a deleted document's words stay in its
/// segment until a merge rewrites it (and the dictionary's encoding hides them from a byte
/// search, so this asks tantivy itself).
fn words_in_index(data_dir: &Path, words: &[&str]) -> Vec<String> {
    let index = tantivy::Index::open_in_dir(data_dir.join("tantivy")).unwrap();
    let text = index.schema().get_field("text").unwrap();
    let reader = index.reader().unwrap();
    let searcher = reader.searcher();
    let mut found = Vec::new();
    for segment in searcher.segment_readers() {
        let terms = segment.inverted_index(text).unwrap();
        for word in words {
            if terms.terms().get(word.as_bytes()).unwrap().is_some() {
                found.push(format!("{word} in segment {:?}", segment.segment_id()));
            }
        }
    }
    found
}

fn traces_in_text(text: &str, needles: &[&str]) -> Vec<String> {
    let text = text.to_ascii_lowercase();
    needles
        .iter()
        .filter(|needle| text.contains(&needle.to_ascii_lowercase()))
        .map(|needle| needle.to_string())
        .collect()
}

async fn upload_with_key(
    app: &TestApp,
    bytes: Vec<u8>,
    external_id: &str,
    key: &str,
) -> reqwest::Response {
    let form = Form::new()
        .part("file", Part::bytes(bytes).file_name("cv.txt"))
        .text("external_id", external_id.to_owned());
    app.client
        .post(app.url("/v1/candidates"))
        .header("Idempotency-Key", key)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn get_text(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn get_json(app: &TestApp, path: &str) -> Value {
    let (status, body) = get_text(app, path).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn start_run(app: &TestApp, role: &str, selection: Value) -> String {
    let created = app
        .client
        .post(app.url("/v1/runs"))
        .json(&json!({"role_id": role, "selection": selection}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 202);
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let run = get_json(app, &format!("/v1/runs/{id}")).await;
        if run["status"] == "succeeded" {
            return id;
        }
        assert!(
            !["failed", "canceled"].contains(&run["status"].as_str().unwrap()),
            "{run}"
        );
        assert!(Instant::now() < deadline, "run {id} did not finish: {run}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn audit_log(app: &TestApp) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/v1/audit?limit=3&cursor={cursor}"),
            None => "/v1/audit?limit=3".to_owned(),
        };
        let page = get_json(app, &path).await;
        entries.extend(page["results"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return entries,
        }
    }
}

fn verify_audit(data_dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_shortlist"))
        .args(["audit", "verify", "--data-dir"])
        .arg(data_dir)
        .output()
        .unwrap()
}

#[tokio::test]
async fn erasure_leaves_no_trace_of_the_person_and_the_audit_log_records_the_walkthrough() {
    let app = spawn_app().await;
    let (hook_url, received, receiver) = spawn_receiver().await;
    let webhook = app
        .client
        .post(app.url("/v1/webhooks"))
        .json(&json!({"url": hook_url, "events": ["candidate.parsed", "run.completed"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(webhook.status().as_u16(), 201);

    // An earlier version, then the current one through the same external_id.
    let first = upload_with_key(&app, resume(EARLIER_SENTENCE), "ats-erase-1", "erase-key-1").await;
    assert_eq!(first.status().as_u16(), 201);
    let first: Value = first.json().await.unwrap();
    let id = first["id"].as_str().unwrap().to_owned();
    assert_eq!(first["profile"]["contact"]["emails"][0], EMAIL);
    let replaced = app
        .upload(resume(SENTENCE), "cv-2026.txt", Some("ats-erase-1"))
        .await;
    assert_eq!(replaced.status().as_u16(), 200);
    let other = app
        .upload(
            b"Account Manager\nExperience\n01/2015 to Current Account Manager\nCompany Name - \
              City , State\nManaged corporate accounts in HubSpot.\n"
                .to_vec(),
            "other.txt",
            None,
        )
        .await;
    assert_eq!(other.status().as_u16(), 201);
    let other: Value = other.json().await.unwrap();
    let other_id = other["id"].as_str().unwrap().to_owned();

    // A role change, rankings (one through the index), a run, its exports.
    let mut role = get_json(&app, "/v1/roles/account-manager").await;
    role["title"] = json!("Account Manager (audited)");
    let put = app
        .client
        .put(app.url("/v1/roles/account-manager"))
        .json(&role)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 200);
    let by_keyword = get_json(&app, "/v1/roles/account-manager/ranking?q=marblehaven").await;
    assert_eq!(by_keyword["total"], 1, "the index holds the resume's words");
    assert_eq!(by_keyword["results"][0]["candidate_id"], id.as_str());
    let ranking = get_json(&app, "/v1/roles/account-manager/ranking").await;
    assert_eq!(ranking["total"], 2);
    let run_id = start_run(&app, "account-manager", json!({"all": true})).await;
    let results = get_json(&app, &format!("/v1/runs/{run_id}/results")).await;
    assert!(results.to_string().contains(&id));
    let (_, csv) = get_text(&app, &format!("/v1/runs/{run_id}/export?format=csv")).await;
    assert!(csv.contains(&id), "{csv}");
    let (_, jsonl) = get_text(&app, &format!("/v1/runs/{run_id}/export?format=jsonl")).await;
    assert!(jsonl.contains(&id));

    // Blind review leaves the person out of every view, while the normal view shows them.
    let seen = get_json(&app, &format!("/v1/candidates/{id}")).await;
    assert_eq!(seen["profile"]["contact"]["name"], NAME);
    let blind = get_json(&app, &format!("/v1/candidates/{id}?blind=true")).await;
    let blind_text = blind.to_string();
    assert!(
        traces_in_text(&blind_text, &[NAME, "quallsworth", EMAIL, "013-2468"]).is_empty(),
        "{blind_text}"
    );
    assert_eq!(blind["profile"]["contact"]["emails"], json!([]));
    for path in [
        "/v1/roles/account-manager/ranking?blind=true".to_owned(),
        "/v1/candidates?blind=true".to_owned(),
        format!("/v1/runs/{run_id}/results?blind=true"),
        format!("/v1/runs/{run_id}/export?format=csv&blind=true"),
        format!("/v1/runs/{run_id}/export?format=jsonl&blind=true"),
    ] {
        let (status, body) = get_text(&app, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            traces_in_text(&body, &[NAME, "quallsworth", EMAIL]).is_empty(),
            "{path}: {body}"
        );
    }

    // Both webhooks were delivered: the upload's and the run's.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let bodies: Vec<String> = received
            .lock()
            .unwrap()
            .iter()
            .map(|(_, body)| body.clone())
            .collect();
        if bodies.iter().any(|b| b.contains("run.completed"))
            && bodies
                .iter()
                .any(|b| b.contains("candidate.parsed") && b.contains(&id))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "webhooks not delivered: {bodies:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Before the deletion the person is on disk (this proves the search below can find them).
    let before = traces_in(&app.data_dir, &needles());
    for needle in [NAME, EMAIL, SENTENCE, "quillfeather"] {
        assert!(
            before
                .iter()
                .any(|(_, found)| *found == needle.to_ascii_lowercase()),
            "{needle:?} should be on disk before the deletion: {before:?}"
        );
    }

    let index_words = ["quallsworth", "zephyrine", "marblehaven"];
    assert_eq!(
        words_in_index(&app.data_dir, &index_words).len(),
        index_words.len(),
        "the index holds the resume's words before the deletion"
    );

    let deleted = app
        .client
        .delete(app.url(&format!("/v1/candidates/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let left_in_index = words_in_index(
        &app.data_dir,
        &[&index_words[..], &["quillfeather"]].concat(),
    );
    assert!(
        left_in_index.is_empty(),
        "the index still holds the erased resume's words: {left_in_index:?}"
    );

    // No response quotes the person any more.
    assert_problem(
        app.client
            .get(app.url(&format!("/v1/candidates/{id}")))
            .send()
            .await
            .unwrap(),
        404,
        "candidate_not_found",
    )
    .await;
    let replay =
        upload_with_key(&app, resume(EARLIER_SENTENCE), "ats-erase-1", "erase-key-1").await;
    let replay = assert_problem(replay, 410, "candidate_deleted").await;
    assert!(traces_in_text(&replay.to_string(), &needles()).is_empty());
    let ranking = get_json(&app, "/v1/roles/account-manager/ranking").await;
    assert_eq!(ranking["total"], 1);
    assert_eq!(ranking["results"][0]["candidate_id"], other_id.as_str());
    let by_keyword = get_json(&app, "/v1/roles/account-manager/ranking?q=marblehaven").await;
    assert_eq!(by_keyword["total"], 0);
    let results = get_json(&app, &format!("/v1/runs/{run_id}/results")).await;
    assert_eq!(results["total"], 2, "the finished run keeps its count");
    let erased: Vec<&Value> = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["candidate_id"] == id.as_str())
        .collect();
    assert_eq!(erased.len(), 1);
    assert_eq!(erased[0]["erased"], true);
    assert_eq!(erased[0]["requirements"], json!([]));
    assert_eq!(erased[0]["erased_sha256"].as_str().unwrap().len(), 64);
    let mut responses = vec![results.to_string(), ranking.to_string()];
    for format in ["csv", "jsonl"] {
        let (status, body) =
            get_text(&app, &format!("/v1/runs/{run_id}/export?format={format}")).await;
        assert_eq!(status, 200);
        responses.push(body);
    }
    let webhooks = get_json(&app, "/v1/webhooks").await;
    let webhook_id = webhooks[0]["id"].as_str().unwrap();
    responses.push(
        get_text(&app, &format!("/v1/webhooks/{webhook_id}/deliveries"))
            .await
            .1,
    );
    for body in &responses {
        let found = traces_in_text(body, &needles());
        assert!(found.is_empty(), "{found:?} in a response: {body}");
    }

    // Nor does any file of the data directory: database, WAL, index segments, files.
    let after = traces_in(&app.data_dir, &needles());
    assert!(
        after.is_empty(),
        "the person is still on disk after the deletion: {after:?}"
    );

    // The audit log shows each action, with ids only, and its chain verifies.
    let entries = audit_log(&app).await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "candidate_uploaded",
        "candidate_replaced",
        "role_put",
        "ranking_read",
        "run_started",
        "run_finished",
        "run_results_read",
        "run_exported",
        "candidate_deleted",
    ] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    let names = |action: &str| -> Vec<Value> {
        entries
            .iter()
            .filter(|e| e["action"] == action)
            .map(|e| e["candidate_ids"].clone())
            .collect()
    };
    assert!(names("candidate_deleted").contains(&json!([id])));
    assert!(
        names("ranking_read")
            .iter()
            .any(|ids| ids.as_array().unwrap().contains(&json!(id)))
    );
    let role_put = entries
        .iter()
        .find(|e| e["action"] == "role_put")
        .unwrap()
        .clone();
    for entry in &entries {
        // The end of a run is recorded on the account of whoever started it.
        assert_eq!(entry["api_key_id"], "local", "{entry}");
        assert!(
            entry["scorer_version"]
                .as_str()
                .unwrap()
                .starts_with("shortlist-scorer/")
        );
        if entry["action"] == "ranking_read" {
            assert_eq!(entry["role_id"], "account-manager");
            // Every ranking came after the role change: ranked against that version.
            assert_eq!(
                entry["role_version_hash"], role_put["role_version_hash"],
                "{entry}"
            );
        }
    }
    assert_eq!(role_put["role_version_hash"].as_str().unwrap().len(), 64);
    let audit_text = serde_json::to_string(&entries).unwrap();
    assert!(traces_in_text(&audit_text, &needles()).is_empty());
    for pair in entries.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }

    receiver.stop(true).await;
    let data_dir = app.data_dir.clone();
    let _kept = app.stop().await;
    let intact = verify_audit(&data_dir);
    assert_eq!(
        intact.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&intact.stderr)
    );
    assert!(String::from_utf8_lossy(&intact.stdout).contains("intact"));

    // Someone with the file edits an entry (dropping the trigger that refuses it first).
    let connection = rusqlite::Connection::open(data_dir.join("shortlist.sqlite3")).unwrap();
    assert!(
        connection
            .execute(
                "UPDATE audit SET api_key_id = 'someone-else' WHERE seq = 3",
                []
            )
            .is_err(),
        "the log refuses edits through SQL"
    );
    connection
        .execute_batch(
            "DROP TRIGGER audit_no_update;
             UPDATE audit SET api_key_id = 'someone-else' WHERE seq = 3;",
        )
        .unwrap();
    drop(connection);
    let broken = verify_audit(&data_dir);
    assert_eq!(broken.status.code(), Some(1));
    let message = String::from_utf8_lossy(&broken.stderr);
    assert!(message.contains("entry 3"), "{message}");
}

async fn upload_text(app: &TestApp, text: &str, name: &str) -> String {
    let response = app.upload(text.as_bytes().to_vec(), name, None).await;
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

fn rank_of(ranking: &Value, id: &str) -> u64 {
    ranking["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["candidate_id"] == id)
        .map(|r| r["rank"].as_u64().unwrap())
        .unwrap_or_else(|| panic!("{id} not ranked: {ranking}"))
}

fn requirement<'a>(ranking: &'a Value, id: &str, requirement: &str) -> &'a Value {
    ranking["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["candidate_id"] == id)
        .and_then(|r| {
            r["requirements"]
                .as_array()
                .unwrap()
                .iter()
                .find(|q| q["id"] == requirement)
        })
        .unwrap()
}

#[tokio::test]
async fn a_recruiters_override_moves_a_candidate_shows_in_runs_and_exports_and_is_audited() {
    let app = spawn_app().await;
    // A chef who knows the tools but has never managed accounts (the must-have), and an
    // account manager who lacks them.
    let chef = upload_text(
        &app,
        "Chef\nExperience\n01/2012 to Current Head Chef\nCompany Name - City , State\nRan the \
         kitchen; kept stock in Salesforce CRM and Microsoft Excel; negotiation with suppliers.\n\
         Education\nBachelor of Science : Business Administration , 2005\nState University\n",
        "chef.txt",
    )
    .await;
    let manager = upload_text(
        &app,
        "Account Manager\nExperience\n01/2021 to 01/2024 Account Manager\nCompany Name - City , \
         State\nManaged a portfolio of corporate client accounts.\n",
        "manager.txt",
    )
    .await;
    let before = get_json(&app, "/v1/roles/account-manager/ranking").await;
    let must_have = requirement(&before, &chef, "account-management-years");
    assert_ne!(must_have["verdict"], "met", "{must_have}");
    assert!(
        rank_of(&before, &chef) > rank_of(&before, &manager),
        "{before}"
    );
    let chef_score_before = before["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["candidate_id"] == chef.as_str())
        .unwrap()["score"]
        .as_f64()
        .unwrap();

    let path =
        format!("/v1/roles/account-manager/candidates/{chef}/overrides/account-management-years");
    let missing_reason = app
        .client
        .put(app.url(&path))
        .json(&json!({"verdict": "met", "reason": "  "}))
        .send()
        .await
        .unwrap();
    assert_problem(missing_reason, 422, "invalid_override").await;
    let bad_requirement = app
        .client
        .put(app.url(&format!(
            "/v1/roles/account-manager/candidates/{chef}/overrides/no-such-requirement"
        )))
        .json(&json!({"verdict": "met", "reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(bad_requirement, 404, "requirement_not_found").await;
    let reason = "Ran supplier accounts for a restaurant group for six years (checked by phone)";
    let put = app
        .client
        .put(app.url(&path))
        .json(&json!({"verdict": "met", "reason": reason}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 200);

    let after = get_json(&app, "/v1/roles/account-manager/ranking").await;
    assert!(
        rank_of(&after, &chef) < rank_of(&after, &manager),
        "the override moves the chef up: {after}"
    );
    let overridden = requirement(&after, &chef, "account-management-years");
    assert_eq!(overridden["verdict"], "met");
    assert_eq!(overridden["score"], 1.0);
    assert_eq!(overridden["override"]["reason"], reason);
    assert_eq!(overridden["override"]["by"], "local");
    assert_eq!(
        overridden["override"]["computed_verdict"],
        must_have["verdict"]
    );
    assert!(overridden["override"]["at"].is_string());
    let chef_result = after["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["candidate_id"] == chef.as_str())
        .unwrap();
    assert_eq!(chef_result["must_haves_met"], true);
    assert!(chef_result["score"].as_f64().unwrap() > chef_score_before);

    // Runs and exports carry it.
    let run_id = start_run(&app, "account-manager", json!({"all": true})).await;
    let results = get_json(&app, &format!("/v1/runs/{run_id}/results")).await;
    assert_eq!(results["results"][0]["candidate_id"], chef.as_str());
    assert!(results.to_string().contains(reason));
    let (_, csv) = get_text(&app, &format!("/v1/runs/{run_id}/export?format=csv")).await;
    assert!(
        csv.lines().next().unwrap().ends_with(",overrides,erased"),
        "{csv}"
    );
    assert!(
        csv.contains("account-management-years=met by local"),
        "{csv}"
    );

    // Removed, the computed verdict is back.
    let removed = app.client.delete(app.url(&path)).send().await.unwrap();
    assert_eq!(removed.status().as_u16(), 204);
    let again = get_json(&app, "/v1/roles/account-manager/ranking").await;
    assert_eq!(
        requirement(&again, &chef, "account-management-years")["verdict"],
        must_have["verdict"]
    );
    assert!(again.to_string().find("\"override\"").is_none());
    let twice = app.client.delete(app.url(&path)).send().await.unwrap();
    assert_problem(twice, 404, "override_not_found").await;

    // Deleting the candidate deletes its overrides.
    let put = app
        .client
        .put(app.url(&path))
        .json(&json!({"verdict": "met", "reason": reason}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 200);
    let deleted = app
        .client
        .delete(app.url(&format!("/v1/candidates/{chef}")))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let connection = rusqlite::Connection::open(app.data_dir.join("shortlist.sqlite3")).unwrap();
    let left: i64 = connection
        .query_row("SELECT COUNT(*) FROM overrides", [], |row| row.get(0))
        .unwrap();
    assert_eq!(left, 0);

    let actions: Vec<String> = audit_log(&app)
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(actions.iter().any(|a| a == "override_put"), "{actions:?}");
    assert!(
        actions.iter().any(|a| a == "override_deleted"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn the_adverse_impact_report_flags_a_selection_that_breaks_the_four_fifths_rule() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for years in 1..=8 {
        let text = format!(
            "Account Manager\nExperience\n01/{} to 01/2024 Account Manager\nCompany Name - City \
             , State\nManaged a portfolio of corporate client accounts in Salesforce CRM.\n",
            2024 - years
        );
        ids.push(upload_text(&app, &text, &format!("cv{years}.txt")).await);
    }
    let scores_before = get_json(&app, "/v1/roles/account-manager/ranking").await;
    let run_id = start_run(&app, "account-manager", json!({"all": true})).await;
    let results = get_json(&app, &format!("/v1/runs/{run_id}/results")).await;
    let ranked: Vec<String> = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["candidate_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ranked.len(), 8);

    let put_groups = |id: String, sex: &'static str| {
        let app = &app;
        async move {
            let response = app
                .client
                .put(app.url(&format!("/v1/candidates/{id}/demographics")))
                .json(&json!({"groups": {"sex": sex, "race_ethnicity": "not_specified"}}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 204);
        }
    };
    // The top four are all men: women are selected at 0 against 1.
    for (position, id) in ranked.iter().enumerate() {
        put_groups(id.clone(), if position < 4 { "male" } else { "female" }).await;
    }
    let report = get_json(
        &app,
        &format!("/v1/runs/{run_id}/adverse-impact?selected=4"),
    )
    .await;
    assert_eq!(report["applicants"], 8);
    assert_eq!(report["selected"], 4);
    assert_eq!(report["flagged"], true, "{report}");
    let sex = report["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "sex")
        .unwrap();
    let female = sex["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "female")
        .unwrap();
    assert_eq!(female["selection_rate"], 0.0);
    assert_eq!(female["impact_ratio"], 0.0);
    assert_eq!(female["flagged"], true);

    // Alternating by rank: two of each selected, ratio 1, nothing flagged.
    for (position, id) in ranked.iter().enumerate() {
        put_groups(
            id.clone(),
            if position % 2 == 0 { "male" } else { "female" },
        )
        .await;
    }
    let report = get_json(
        &app,
        &format!("/v1/runs/{run_id}/adverse-impact?selected=4"),
    )
    .await;
    assert_eq!(report["flagged"], false, "{report}");

    // Demographics are never scored.
    let scores_after = get_json(&app, "/v1/roles/account-manager/ranking").await;
    assert_eq!(scores_before["results"], scores_after["results"]);

    let unspecified = app
        .client
        .get(app.url(&format!("/v1/runs/{run_id}/adverse-impact")))
        .send()
        .await
        .unwrap();
    assert_problem(unspecified, 400, "invalid_selected").await;
    let bad = app
        .client
        .put(app.url(&format!("/v1/candidates/{}/demographics", ids[0])))
        .json(&json!({"groups": {}}))
        .send()
        .await
        .unwrap();
    assert_problem(bad, 422, "invalid_demographics").await;
}

async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn idempotency_records_expire_and_retention_erases_candidates_past_it() {
    let settings = shortlist::api::ApiSettings {
        // Long enough for the immediate retry below to be answered on a loaded machine.
        idempotency_ttl: Duration::from_secs(3),
        retention_days: 30,
        housekeeping_interval: Duration::from_secs(1),
        ..shortlist::api::ApiSettings::default()
    };
    let app = common::spawn_app_with(settings).await;
    let upload = |key: &'static str| {
        let app = &app;
        async move {
            let form = Form::new().part("file", Part::bytes(resume(SENTENCE)).file_name("cv.txt"));
            app.client
                .post(app.url("/v1/candidates"))
                .header("Idempotency-Key", key)
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let first = upload("ttl-key").await;
    assert_eq!(first.status().as_u16(), 201);
    let first: Value = first.json().await.unwrap();
    let id = first["id"].as_str().unwrap().to_owned();
    let replayed = upload("ttl-key").await;
    assert_eq!(replayed.status().as_u16(), 201);
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");

    // Past the TTL the record is neither answered nor kept.
    let database = app.data_dir.join("shortlist.sqlite3");
    wait_until("the idempotency record is purged", || {
        let database = database.clone();
        async move {
            let connection = rusqlite::Connection::open(&database).unwrap();
            let left: i64 = connection
                .query_row("SELECT COUNT(*) FROM idempotency", [], |row| row.get(0))
                .unwrap();
            left == 0
        }
    })
    .await;
    let after_ttl = upload("ttl-key").await;
    assert_eq!(
        after_ttl.status().as_u16(),
        200,
        "the same bytes: a duplicate"
    );
    assert!(after_ttl.headers().get("idempotent-replayed").is_none());
    assert_eq!(after_ttl.headers()["shortlist-outcome"], "duplicate");

    // A candidate last updated long ago is erased by the retention task.
    let connection = rusqlite::Connection::open(&database).unwrap();
    connection
        .execute(
            "UPDATE candidates SET updated_at = '2001-01-01T00:00:00+00:00' WHERE id = ?1",
            [&id],
        )
        .unwrap();
    drop(connection);
    // The audit entry is written once the candidate is out of the store and the ranking pool.
    wait_until("retention erases the candidate", || {
        let app = &app;
        async move {
            let log = get_json(app, "/v1/audit?limit=1000").await;
            log["results"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "candidate_erased_by_retention")
        }
    })
    .await;
    let (status, _) = get_text(&app, &format!("/v1/candidates/{id}")).await;
    assert_eq!(status, 404);
    let ranking = get_json(&app, "/v1/roles/account-manager/ranking").await;
    assert_eq!(ranking["total"], 0);
    let entries = audit_log(&app).await;
    let erased = entries
        .iter()
        .find(|e| e["action"] == "candidate_erased_by_retention")
        .expect("the retention erasure is audited");
    assert_eq!(erased["candidate_ids"], json!([id]));
    assert_eq!(erased["api_key_id"], "system");
    assert!(traces_in(&app.data_dir, &[NAME, EMAIL, SENTENCE]).is_empty());
}

#[tokio::test]
async fn the_audit_log_names_the_api_key_by_its_id_never_the_key() {
    let key = "sk-live-trust-0123456789";
    let key_sha256 = shortlist::config::hash_api_key(key);
    let temp = tempfile::tempdir().unwrap();
    let app = common::spawn_app_in(temp.path(), vec![key_sha256.clone()]).await;
    let form = Form::new().part("file", Part::bytes(resume(SENTENCE)).file_name("cv.txt"));
    let created = app
        .client
        .post(app.url("/v1/candidates"))
        .bearer_auth(key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let anonymous = app.client.get(app.url("/v1/audit")).send().await.unwrap();
    assert_problem(anonymous, 401, "unauthorized").await;
    let log: Value = app
        .client
        .get(app.url("/v1/audit"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entry = &log["results"][0];
    assert_eq!(entry["action"], "candidate_uploaded");
    assert_eq!(
        entry["api_key_id"],
        shortlist::audit::api_key_id(&key_sha256).as_str()
    );
    let text = log.to_string();
    assert!(!text.contains(key) && !text.contains(&key_sha256), "{text}");
    let _ = app.stop().await;
}

// Keys, scopes, tenants and limits (issue 14).

use shortlist::api::{ApiSettings, RateLimitSettings};
use shortlist::config::hash_api_key;
use shortlist::tenant::{KeyGrant, Scope, Tenant};

fn grant(key: &str, scopes: &[Scope], tenant: Option<&str>) -> KeyGrant {
    KeyGrant {
        sha256: hash_api_key(key),
        scopes: scopes.to_vec(),
        tenant: tenant.map_or_else(Tenant::default, |name| Tenant::named(name).unwrap()),
    }
}

/// A request with `key` as its bearer token.
fn with_key(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    key: &str,
) -> reqwest::RequestBuilder {
    app.client.request(method, app.url(path)).bearer_auth(key)
}

async fn json_with_key(app: &TestApp, path: &str, key: &str) -> Value {
    let response = with_key(app, reqwest::Method::GET, path, key)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn upload_as(app: &TestApp, key: &str, text: &[u8], external_id: Option<&str>) -> Value {
    let mut form = Form::new().part("file", Part::bytes(text.to_vec()).file_name("cv.txt"));
    if let Some(external_id) = external_id {
        form = form.text("external_id", external_id.to_owned());
    }
    let response = with_key(app, reqwest::Method::POST, "/v1/candidates", key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

async fn run_as(app: &TestApp, key: &str, role: &str, selection: Value) -> String {
    let created = with_key(app, reqwest::Method::POST, "/v1/runs", key)
        .json(&json!({"role_id": role, "selection": selection}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 202);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    wait_until("the run finishes", || {
        let path = format!("/v1/runs/{id}");
        async move { json_with_key(app, &path, key).await["status"] == "succeeded" }
    })
    .await;
    id
}

/// Every `(method, route pattern)` that `routes` in src/api/mod.rs declares, read from the
/// source so that a route added later is walked too.
fn declared_routes() -> Vec<(reqwest::Method, String)> {
    let source = std::fs::read_to_string(common::repo_root().join("src/api/mod.rs")).unwrap();
    let routes = &source[source.find("fn routes(").expect("the routes function")..];
    let mut found = Vec::new();
    for resource in routes.split("web::resource(").skip(1) {
        let Some(pattern) = resource.split('"').nth(1) else {
            continue;
        };
        let pattern = if pattern.starts_with("/v1/")
            || ["/healthz", "/readyz", "/metrics", "/openapi.json"].contains(&pattern)
        {
            pattern.to_owned()
        } else {
            format!("/v1{pattern}")
        };
        for (marker, method) in [
            (".route(web::get()", reqwest::Method::GET),
            (".route(web::post()", reqwest::Method::POST),
            (".route(web::put()", reqwest::Method::PUT),
            (".route(web::delete()", reqwest::Method::DELETE),
        ] {
            if resource.contains(marker) {
                found.push((method, pattern.clone()));
            }
        }
    }
    assert!(
        found.len() >= 30,
        "routes read from src/api/mod.rs: {found:?}"
    );
    found
}

/// The scope the README's table gives each route.
fn scope_of(method: &reqwest::Method, pattern: &str) -> Option<Scope> {
    if ["/healthz", "/readyz"].contains(&pattern) {
        return None;
    }
    let admin = pattern == "/v1/audit"
        || pattern == "/metrics"
        || pattern.ends_with("/adverse-impact")
        || pattern.ends_with("/demographics")
        || pattern.contains("/overrides/");
    Some(if admin {
        Scope::Admin
    } else if method == reqwest::Method::GET
        || ["/v1/rankings", "/v1/roles/draft"].contains(&pattern)
    {
        Scope::Read
    } else {
        Scope::Write
    })
}

#[tokio::test]
async fn each_route_needs_its_scope_a_reader_reads_everything_and_changes_nothing() {
    let (url, _received, receiver) = spawn_receiver().await;
    let app = common::spawn_app_with(ApiSettings {
        api_keys: vec![
            grant("reader-key", &[Scope::Read], None),
            grant("writer-key", &[Scope::Read, Scope::Write], None),
            grant("admin-key", &[Scope::Admin], None),
        ],
        ..ApiSettings::default()
    })
    .await;
    let writer = "writer-key";
    let candidate = upload_as(&app, writer, &resume(SENTENCE), None).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let roles = json_with_key(&app, "/v1/roles", "reader-key").await;
    let role = roles[0].clone();
    let role_id = role["id"].as_str().unwrap().to_owned();
    let requirement_id = role["requirements"][0]["id"].as_str().unwrap().to_owned();
    let run = run_as(&app, writer, &role_id, json!({"all": true})).await;
    let webhook = with_key(&app, reqwest::Method::POST, "/v1/webhooks", writer)
        .json(&json!({"url": url}))
        .send()
        .await
        .unwrap();
    assert_eq!(webhook.status().as_u16(), 201);
    let webhook = webhook.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let concrete = |pattern: &str| {
        let id = if pattern.starts_with("/v1/candidates/") {
            &candidate
        } else if pattern.starts_with("/v1/roles/") {
            &role_id
        } else if pattern.starts_with("/v1/runs/") {
            &run
        } else {
            &webhook
        };
        pattern
            .replace("{role_id}", &role_id)
            .replace("{candidate_id}", &candidate)
            .replace("{requirement_id}", &requirement_id)
            .replace("{id}", id)
    };
    let mut walked = 0;
    for (method, pattern) in declared_routes() {
        let Some(needed) = scope_of(&method, &pattern) else {
            continue;
        };
        let path = concrete(&pattern);
        let body = match pattern.as_str() {
            "/v1/rankings" => json!({"role": role}),
            "/v1/roles/draft" => json!({"text": "We need a key account manager with Salesforce."}),
            _ => json!({}),
        };
        for (key, scopes) in [
            ("reader-key", &[Scope::Read][..]),
            ("writer-key", &[Scope::Read, Scope::Write][..]),
            ("admin-key", &[Scope::Admin][..]),
        ] {
            if scopes.contains(&needed) && method == reqwest::Method::DELETE {
                // Allowed, but not sent: the routes after this one need what it would delete.
                continue;
            }
            let response = with_key(&app, method.clone(), &path, key)
                .json(&body)
                .send()
                .await
                .unwrap();
            if scopes.contains(&needed) {
                // Reads answer in full for the reader; the others only must not be refused
                // for their scope (their bodies here are empty).
                let status = response.status().as_u16();
                if needed == Scope::Read {
                    assert_eq!(status, 200, "{method} {path} as {key}");
                } else {
                    assert!(
                        ![401, 403].contains(&status),
                        "{method} {path} as {key}: {status}"
                    );
                }
            } else {
                let problem = assert_problem(response, 403, "insufficient_scope").await;
                assert!(
                    problem["detail"]
                        .as_str()
                        .unwrap()
                        .contains(needed_name(needed)),
                    "{problem}"
                );
            }
        }
        walked += 1;
    }
    assert!(walked >= 25, "walked {walked} routes");
    // Nothing the reader tried changed anything.
    assert_eq!(
        json_with_key(&app, "/v1/candidates", "reader-key").await["total"],
        1
    );
    receiver.stop(true).await;
}

fn needed_name(scope: Scope) -> &'static str {
    scope.as_str()
}

#[tokio::test]
async fn a_tenants_keys_never_see_another_tenants_candidates_roles_runs_or_webhooks() {
    let (url, received, receiver) = spawn_receiver().await;
    let both = [Scope::Read, Scope::Write];
    let app = common::spawn_app_with(ApiSettings {
        api_keys: vec![
            grant("acme-key", &both, Some("acme")),
            grant("acme-admin", &[Scope::Admin], Some("acme")),
            grant("globex-key", &both, Some("globex")),
            grant(
                "default-key",
                &[Scope::Read, Scope::Write, Scope::Admin],
                None,
            ),
        ],
        ..ApiSettings::default()
    })
    .await;
    let (acme, globex) = ("acme-key", "globex-key");
    let get = |path: String, key: &'static str| {
        let app = &app;
        async move {
            with_key(app, reqwest::Method::GET, &path, key)
                .send()
                .await
                .unwrap()
        }
    };

    // The same file with the same external id in two tenants: two candidates.
    let acme_one = upload_as(&app, acme, &resume(SENTENCE), Some("ats-1")).await;
    let globex_one = upload_as(&app, globex, &resume(SENTENCE), Some("ats-1")).await;
    assert_ne!(acme_one["id"], globex_one["id"]);
    let acme_two = upload_as(&app, acme, &resume("Sold grain silos"), None).await;
    let acme_ids: Vec<String> = [&acme_one, &acme_two]
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let globex_id = globex_one["id"].as_str().unwrap().to_owned();

    let listed = json_with_key(&app, "/v1/candidates", globex).await;
    assert_eq!(listed["total"], 1, "{listed}");
    assert_eq!(listed["results"][0]["id"], globex_id.as_str());
    assert_eq!(
        json_with_key(&app, "/v1/candidates", acme).await["total"],
        2
    );
    assert_eq!(
        json_with_key(&app, "/v1/candidates", "default-key").await["total"],
        0
    );
    for path in ["", "/file", "/json-resume"] {
        let response = get(format!("/v1/candidates/{}{path}", acme_ids[0]), globex).await;
        assert_problem(response, 404, "candidate_not_found").await;
    }
    let deleted = with_key(
        &app,
        reqwest::Method::DELETE,
        &format!("/v1/candidates/{}", acme_ids[0]),
        globex,
    )
    .send()
    .await
    .unwrap();
    assert_problem(deleted, 404, "candidate_not_found").await;

    // Roles: the shipped ones are the default tenant's; each tenant has its own.
    let mut role = json_with_key(&app, "/v1/roles", "default-key").await[0].clone();
    assert!(
        json_with_key(&app, "/v1/roles", acme)
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    let shipped_id = role["id"].as_str().unwrap().to_owned();
    assert_problem(
        get(format!("/v1/roles/{shipped_id}"), acme).await,
        404,
        "role_not_found",
    )
    .await;
    for (key, id) in [(acme, "acme-role"), (globex, "globex-role")] {
        role["id"] = json!(id);
        let put = with_key(&app, reqwest::Method::PUT, &format!("/v1/roles/{id}"), key)
            .json(&role)
            .send()
            .await
            .unwrap();
        assert_eq!(put.status().as_u16(), 201);
    }
    let taken = with_key(&app, reqwest::Method::PUT, "/v1/roles/acme-role", globex)
        .json(&role)
        .send()
        .await
        .unwrap();
    assert_eq!(
        taken.status().as_u16(),
        422,
        "another tenant's role is never replaced"
    );
    assert_eq!(
        json_with_key(&app, "/v1/roles/acme-role", acme).await["id"],
        "acme-role"
    );
    let globex_roles = json_with_key(&app, "/v1/roles", globex).await;
    assert_eq!(globex_roles.as_array().unwrap().len(), 1, "{globex_roles}");
    assert_problem(
        get("/v1/roles/acme-role".into(), globex).await,
        404,
        "role_not_found",
    )
    .await;
    assert_problem(
        get("/v1/roles/acme-role/ranking".into(), globex).await,
        404,
        "role_not_found",
    )
    .await;

    // Rankings select the tenant's candidates only, saved or unsaved.
    let ranked_ids = |ranking: &Value| -> Vec<String> {
        ranking["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["candidate_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let globex_ranking = json_with_key(&app, "/v1/roles/globex-role/ranking", globex).await;
    assert_eq!(globex_ranking["total"], 1, "{globex_ranking}");
    assert_eq!(ranked_ids(&globex_ranking), vec![globex_id.clone()]);
    let acme_ranking = json_with_key(&app, "/v1/roles/acme-role/ranking", acme).await;
    let mut acme_ranked = ranked_ids(&acme_ranking);
    acme_ranked.sort();
    let mut expected = acme_ids.clone();
    expected.sort();
    assert_eq!(acme_ranked, expected);
    let default_ranking = json_with_key(
        &app,
        &format!("/v1/roles/{shipped_id}/ranking"),
        "default-key",
    )
    .await;
    assert_eq!(default_ranking["total"], 0, "{default_ranking}");
    let unsaved = with_key(&app, reqwest::Method::POST, "/v1/rankings", globex)
        .json(&json!({"role": role}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        ranked_ids(&unsaved.json().await.unwrap()),
        vec![globex_id.clone()]
    );

    // Runs and exports: an external id names the tenant's own candidate.
    let globex_run = run_as(
        &app,
        globex,
        "globex-role",
        json!({"external_ids": ["ats-1"]}),
    )
    .await;
    let results = json_with_key(&app, &format!("/v1/runs/{globex_run}/results"), globex).await;
    let run_ids: Vec<&str> = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["candidate_id"].as_str().unwrap())
        .collect();
    assert_eq!(run_ids, vec![globex_id.as_str()]);
    let acme_run = run_as(&app, acme, "acme-role", json!({"all": true})).await;
    let export = with_key(
        &app,
        reqwest::Method::GET,
        &format!("/v1/runs/{acme_run}/export"),
        acme,
    )
    .send()
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(
        acme_ids.iter().all(|id| export.contains(id.as_str())),
        "{export}"
    );
    assert!(!export.contains(globex_id.as_str()), "{export}");
    let globex_runs = json_with_key(&app, "/v1/runs", globex).await;
    assert_eq!(globex_runs.as_array().unwrap().len(), 1, "{globex_runs}");
    for path in ["", "/results", "/export"] {
        let response = get(format!("/v1/runs/{acme_run}{path}"), globex).await;
        assert_problem(response, 404, "run_not_found").await;
    }
    assert_problem(
        with_key(&app, reqwest::Method::POST, "/v1/runs", globex)
            .json(&json!({"role_id": "acme-role", "selection": {"all": true}}))
            .send()
            .await
            .unwrap(),
        404,
        "role_not_found",
    )
    .await;

    // Webhooks.
    let webhook = with_key(&app, reqwest::Method::POST, "/v1/webhooks", acme)
        .json(&json!({"url": url}))
        .send()
        .await
        .unwrap();
    assert_eq!(webhook.status().as_u16(), 201);
    let webhook = webhook.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        json_with_key(&app, "/v1/webhooks", globex)
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        json_with_key(&app, "/v1/webhooks", acme)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let deleted = with_key(
        &app,
        reqwest::Method::DELETE,
        &format!("/v1/webhooks/{webhook}"),
        globex,
    )
    .send()
    .await
    .unwrap();
    assert_problem(deleted, 404, "webhook_not_found").await;

    // Events reach the webhooks of the tenant they are about only: globex's upload is never
    // delivered to acme's receiver, acme's is.
    let globex_later = upload_as(&app, globex, &resume("Globex-only grain contract"), None).await;
    let acme_later = upload_as(&app, acme, &resume("Acme-only silo contract"), None).await;
    let delivered = |id: &Value| {
        let id = id.as_str().unwrap().to_owned();
        let received = Arc::clone(&received);
        move || {
            let id = id.clone();
            let received = Arc::clone(&received);
            async move {
                received
                    .lock()
                    .unwrap()
                    .iter()
                    .any(|(_, body)| body.contains(&id))
            }
        }
    };
    wait_until(
        "acme's upload reaches acme's webhook",
        delivered(&acme_later["id"]),
    )
    .await;
    // Deliveries go out oldest first: globex's event came first, so by now (and half a second
    // more) it would have arrived had it been queued for acme's webhook.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !delivered(&globex_later["id"])().await,
        "globex's event reached acme"
    );

    // The same file in two tenants without an external id is two candidates (201 both
    // times), not a duplicate of the other tenant's.
    let again = upload_as(&app, globex, &resume("Sold grain silos"), None).await;
    assert_ne!(again["id"], acme_two["id"]);

    // An Idempotency-Key is the tenant's own: the same key with another body in another
    // tenant is a new request, not a conflict or a replay.
    for (key, text) in [
        (acme, "Idempotent acme text"),
        (globex, "Idempotent globex text"),
    ] {
        let form = Form::new().part("file", Part::bytes(resume(text)).file_name("cv.txt"));
        let response = with_key(&app, reqwest::Method::POST, "/v1/candidates", key)
            .header("idempotency-key", "shared-key-1")
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201, "{key}");
    }

    // Each tenant's admin reads its own part of the audit log; the default tenant's admin
    // reads none of the tenants' entries; server-wide metrics are not a tenant's.
    let audit = json_with_key(&app, "/v1/audit?limit=1000", "default-key").await;
    let mentioned = audit.to_string();
    for id in acme_ids.iter().chain([&globex_id]) {
        assert!(!mentioned.contains(id.as_str()), "{id} in {mentioned}");
    }
    let audit = json_with_key(&app, "/v1/audit?limit=1000", "acme-admin").await;
    let mentioned = audit.to_string();
    assert!(
        acme_ids.iter().all(|id| mentioned.contains(id.as_str())),
        "acme's uploads in acme's audit log: {mentioned}"
    );
    assert!(!mentioned.contains(globex_id.as_str()), "{mentioned}");
    assert_problem(
        get("/metrics".into(), "acme-admin").await,
        403,
        "insufficient_scope",
    )
    .await;
    receiver.stop(true).await;
}

#[tokio::test]
async fn a_burst_past_the_limit_gets_429_with_retry_after_and_ratelimit_headers() {
    let app = common::spawn_app_with(ApiSettings {
        api_keys: vec![
            grant("busy-key", &[Scope::Read], None),
            grant("calm-key", &[Scope::Read], None),
        ],
        rate_limit: RateLimitSettings {
            per_second: 1,
            burst: 5,
            ..RateLimitSettings::default()
        },
        ..ApiSettings::default()
    })
    .await;
    // Five at once, then one a second: the flood meets 429 within a few requests however
    // slowly they go (a refill every second cannot keep up with requests a few ms apart).
    let mut remaining = Vec::new();
    let refused = loop {
        let response = with_key(&app, reqwest::Method::GET, "/v1/roles", "busy-key")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["ratelimit-limit"], "5");
        assert!(response.headers().contains_key("ratelimit-reset"));
        if response.status().as_u16() == 429 {
            break response;
        }
        assert_eq!(response.status().as_u16(), 200);
        let left: u32 = response.headers()["ratelimit-remaining"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        remaining.push(left);
        assert!(
            remaining.len() < 100,
            "no 429 after 100 requests: {remaining:?}"
        );
    };
    assert!(
        remaining.len() >= 5,
        "the burst of 5 was allowed: {remaining:?}"
    );
    assert_eq!(remaining[0], 4, "{remaining:?}");
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=5).contains(&retry_after), "{retry_after}");
    assert_eq!(refused.headers()["ratelimit-remaining"], "0");
    assert_problem(refused, 429, "rate_limited").await;
    // Each key has its own bucket.
    let calm = with_key(&app, reqwest::Method::GET, "/v1/roles", "calm-key")
        .send()
        .await
        .unwrap();
    assert_eq!(calm.status().as_u16(), 200);

    // Without keys (loopback), the client address has the bucket.
    let open = common::spawn_app_with(ApiSettings {
        rate_limit: RateLimitSettings {
            per_second: 1,
            burst: 3,
            ..RateLimitSettings::default()
        },
        ..ApiSettings::default()
    })
    .await;
    let mut statuses = Vec::new();
    while !statuses.contains(&429) {
        let response = open.client.get(open.url("/v1/roles")).send().await.unwrap();
        statuses.push(response.status().as_u16());
        assert!(statuses.len() < 100, "no 429 after 100 requests");
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
}

#[tokio::test]
async fn many_wrong_keys_from_one_address_get_429_while_a_valid_key_from_another_works() {
    let app = common::spawn_app_with(ApiSettings {
        api_keys: vec![grant("the-right-key", &[Scope::Read], None)],
        ..ApiSettings::default()
    })
    .await;
    let limit = RateLimitSettings::default().auth_failure_limit as usize;
    let mut statuses = Vec::new();
    for guess in 0..60 {
        let response = with_key(
            &app,
            reqwest::Method::GET,
            "/v1/candidates",
            &format!("guess-{guess}"),
        )
        .send()
        .await
        .unwrap();
        statuses.push(response.status().as_u16());
        if guess == 59 {
            assert!(response.headers().contains_key("retry-after"));
            assert_problem(response, 429, "too_many_failed_attempts").await;
        }
    }
    assert!(statuses[..limit].iter().all(|&s| s == 401), "{statuses:?}");
    assert!(statuses[limit..].iter().all(|&s| s == 429), "{statuses:?}");
    // Even the right key is refused from that address for the window: a guess that happens
    // to be right must not tell itself apart.
    let same_address = with_key(
        &app,
        reqwest::Method::GET,
        "/v1/candidates",
        "the-right-key",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(same_address.status().as_u16(), 429);
    // Another address (127.0.0.2 is loopback too) is not locked out.
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let response = elsewhere
        .get(app.url("/v1/candidates"))
        .bearer_auth("the-right-key")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}
