//! The whole corpus in bulk, end to end over real HTTP: all 388 PDFs and all 2,484 resume texts
//! uploaded in multipart batches, each of the five shipped roles run over everyone as a screening
//! run, every run exported as CSV, and every `run.completed` webhook received by a real receiver
//! and its signature verified.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::{Duration, Instant};

use common::{TestApp, corpus, spawn_app, spawn_receiver};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

/// Files per request: a realistic ATS batch, well inside the batch size limit.
const FILES_PER_BATCH: usize = 100;

struct Upload {
    name: String,
    bytes: Vec<u8>,
}

fn corpus_files(corpus: &std::path::Path) -> Vec<Upload> {
    let mut files = Vec::new();
    let mut pdfs: Vec<_> = std::fs::read_dir(corpus.join("pdf"))
        .unwrap()
        .flatten()
        .flat_map(|category| std::fs::read_dir(category.path()).unwrap().flatten())
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "pdf"))
        .collect();
    pdfs.sort();
    for path in pdfs {
        let category = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy();
        let file = path.file_name().unwrap().to_string_lossy();
        files.push(Upload {
            name: format!("{category}/{file}"),
            bytes: std::fs::read(&path).unwrap(),
        });
    }
    let mut reader = csv::Reader::from_path(corpus.join("resumes_text.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, category, text) = (column("ID"), column("Category"), column("Text_repaired"));
    for record in reader.records() {
        let record = record.unwrap();
        files.push(Upload {
            name: format!("{}/{}.txt", &record[category], &record[id]),
            bytes: record[text].as_bytes().to_vec(),
        });
    }
    files
}

async fn wait_for_final(app: &TestApp, run_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let run: Value = app
            .client
            .get(app.url(&format!("/v1/runs/{run_id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if ["succeeded", "failed", "canceled"].contains(&run["status"].as_str().unwrap()) {
            return run;
        }
        assert!(
            Instant::now() < deadline,
            "run {run_id} did not finish: {run}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_corpus_is_imported_screened_by_five_roles_exported_and_announced() {
    let Some(corpus) = corpus() else { return };
    let files = corpus_files(&corpus);
    assert_eq!(
        files.len(),
        388 + 2_484,
        "the corpus as SOURCE.md describes it"
    );

    // What the server must say, worked out here from the files themselves: a file whose bytes
    // were seen before is a duplicate; a file with no readable text is rejected.
    let mut seen = HashSet::new();
    let mut expected_duplicates = BTreeSet::new();
    let mut expected_blank = BTreeSet::new();
    for file in &files {
        let is_pdf = file.name.ends_with(".pdf");
        if !is_pdf && String::from_utf8_lossy(&file.bytes).trim().is_empty() {
            expected_blank.insert(file.name.clone());
        } else if !seen.insert(file.bytes.clone()) {
            expected_duplicates.insert(file.name.clone());
        }
    }
    expected_blank.insert("BUSINESS-DEVELOPMENT/12632728.pdf".to_owned());

    let app = spawn_app().await;
    let (hook_url, received, receiver) = spawn_receiver().await;
    let secret = "whsec_bulk_corpus_0123456789";
    let subscribed = app
        .client
        .post(app.url("/v1/webhooks"))
        .json(
            &json!({"url": hook_url, "secret": secret, "events": ["run.completed", "run.failed"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(subscribed.status().as_u16(), 201);

    let mut outcomes: BTreeMap<String, Value> = BTreeMap::new();
    for chunk in files.chunks(FILES_PER_BATCH) {
        let mut form = Form::new();
        for file in chunk {
            form = form.part(
                "file",
                Part::bytes(file.bytes.clone()).file_name(file.name.clone()),
            );
        }
        let response = app
            .client
            .post(app.url("/v1/candidates/batch"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "a batch is answered without error: {}",
            response.status()
        );
        let summary: Value = response.json().await.unwrap();
        for item in summary["items"].as_array().unwrap() {
            outcomes.insert(item["file"].as_str().unwrap().to_owned(), item.clone());
        }
    }
    assert_eq!(outcomes.len(), files.len(), "every file has an outcome");
    let with = |outcome: &str| -> BTreeSet<String> {
        outcomes
            .iter()
            .filter(|(_, item)| item["outcome"] == outcome)
            .map(|(name, _)| name.clone())
            .collect()
    };
    let rejected = with("rejected");
    assert_eq!(
        rejected, expected_blank,
        "only the blank files are rejected"
    );
    for name in &rejected {
        let code = outcomes[name]["error"]["code"].as_str().unwrap();
        assert!(
            ["no_text_layer", "no_text", "empty_file"].contains(&code),
            "{name}: {code}"
        );
    }
    assert_eq!(with("duplicate"), expected_duplicates);
    let created = with("created").len();
    assert_eq!(
        created,
        files.len() - expected_blank.len() - expected_duplicates.len()
    );

    // The five shipped roles, each as a screening run over everyone.
    let roles: Value = app
        .client
        .get(app.url("/v1/roles"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let roles: Vec<String> = roles
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(roles.len(), 5);
    let mut run_ids = BTreeSet::new();
    for role in &roles {
        let started = app
            .client
            .post(app.url("/v1/runs"))
            .json(&json!({"role_id": role, "selection": {"all": true}}))
            .send()
            .await
            .unwrap();
        assert_eq!(started.status().as_u16(), 202);
        let started: Value = started.json().await.unwrap();
        run_ids.insert(started["id"].as_str().unwrap().to_owned());
    }
    for run_id in &run_ids {
        let run = wait_for_final(&app, run_id).await;
        assert_eq!(run["status"], "succeeded", "{run}");
        assert_eq!(run["progress"]["done"], created as u64, "{run}");
        assert_eq!(run["progress"]["total"], created as u64, "{run}");

        let export = app
            .client
            .get(app.url(&format!("/v1/runs/{run_id}/export?format=csv")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut reader = csv::Reader::from_reader(export.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let rank_at = headers.iter().position(|h| h == "rank").unwrap();
        let score_at = headers.iter().position(|h| h == "score").unwrap();
        let id_at = headers.iter().position(|h| h == "candidate_id").unwrap();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), created, "one row per candidate");
        let ids: HashSet<&str> = rows.iter().map(|r| &r[id_at]).collect();
        assert_eq!(ids.len(), created, "no candidate twice");
        let mut last = f64::MAX;
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row[rank_at].parse::<usize>().unwrap(), i + 1);
            let score: f64 = row[score_at].parse().unwrap();
            assert!((0.0..=100.0).contains(&score));
            assert!(score <= last, "rows are in score order");
            last = score;
        }
    }

    // One signed `run.completed` per run.
    let deadline = Instant::now() + Duration::from_secs(60);
    while received.lock().unwrap().len() < run_ids.len() {
        assert!(Instant::now() < deadline, "not every webhook arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let now = chrono::Utc::now().timestamp();
    let mut announced = BTreeSet::new();
    for (signature, body) in received.lock().unwrap().iter() {
        assert!(
            shortlist::runs::webhooks::verify(secret, signature, body, now, 300),
            "signature {signature}"
        );
        let event: Value = serde_json::from_str(body).unwrap();
        assert_eq!(event["type"], "run.completed");
        announced.insert(event["data"]["run"]["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(announced, run_ids);

    // A run stopped half way: canceled as soon as its first chunk is saved, it ends `canceled`
    // with the progress it had made, short of the whole pool.
    let started: Value = app
        .client
        .post(app.url("/v1/runs"))
        .json(&json!({"role_id": roles[0], "selection": {"all": true}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let run_id = started["id"].as_str().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let run: Value = app
            .client
            .get(app.url(&format!("/v1/runs/{run_id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if run["progress"]["done"].as_u64().unwrap_or(0) > 0 {
            break;
        }
        assert_ne!(run["status"], "succeeded", "canceled before the end: {run}");
        assert!(Instant::now() < deadline, "the run never started: {run}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let cancel = app
        .client
        .post(app.url(&format!("/v1/runs/{run_id}/cancel")))
        .send()
        .await
        .unwrap();
    assert!(cancel.status().is_success());
    let run = wait_for_final(&app, run_id).await;
    assert_eq!(run["status"], "canceled", "{run}");
    let done = run["progress"]["done"].as_u64().unwrap();
    assert!(done > 0 && done < created as u64, "stopped half way: {run}");
    let partial: Value = app
        .client
        .get(app.url(&format!("/v1/runs/{run_id}/results?limit=1000")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(partial["total"].as_u64().unwrap(), done, "{partial}");
    receiver.stop(true).await;
}
