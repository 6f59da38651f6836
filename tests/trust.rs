//! Trust (issue 15): erasure that erases, the audit log, human oversight and adverse impact,
//! end to end on a real server, real SQLite and a real tantivy index.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
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
