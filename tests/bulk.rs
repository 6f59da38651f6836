//! Bulk ingestion over HTTP: batches, zip archives, duplicates by content, idempotent retries.

mod common;

use std::io::Write;

use common::{assert_problem, spawn_app};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

fn resume(title: &str) -> Vec<u8> {
    format!("{title}\nExperience\n01/2012 to Current {title}\nCompany Name - City , State\nSold software to corporate clients.\n")
        .into_bytes()
}

fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut bytes);
    for (name, content) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap();
    bytes.into_inner()
}

#[tokio::test]
async fn a_batch_with_an_archive_reports_each_file_and_stores_duplicates_once() {
    let app = spawn_app().await;
    let archive = zip_of(&[
        ("in-zip/one.txt", resume("Account Manager")),
        ("in-zip/two.txt", resume("Sales Manager")),
        ("in-zip/same-as-one.txt", resume("Account Manager")),
        ("in-zip/empty.txt", Vec::new()),
    ]);
    let form = Form::new()
        .part(
            "file",
            Part::bytes(resume("Key Account Manager")).file_name("direct.txt"),
        )
        .part("file", Part::bytes(archive).file_name("resumes.zip"))
        .part(
            "file",
            Part::bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()).file_name("photo.png"),
        );
    let response = app
        .client
        .post(app.url("/v1/candidates/batch"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let summary: Value = response.json().await.unwrap();
    assert_eq!(summary["created"], 3, "{summary}");
    assert_eq!(summary["duplicates"], 1, "{summary}");
    assert_eq!(summary["rejected"], 2, "{summary}");
    let items = summary["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    let by_file = |name: &str| {
        items
            .iter()
            .find(|i| i["file"] == name)
            .unwrap_or_else(|| panic!("{name} in {summary}"))
    };
    assert_eq!(by_file("in-zip/same-as-one.txt")["outcome"], "duplicate");
    assert_eq!(
        by_file("in-zip/same-as-one.txt")["id"],
        by_file("in-zip/one.txt")["id"]
    );
    assert_eq!(by_file("in-zip/empty.txt")["error"]["code"], "empty_file");
    assert_eq!(
        by_file("photo.png")["error"]["code"],
        "unsupported_media_type"
    );

    // The same file again, alone: a duplicate, not a new candidate.
    let again = app.upload(resume("Sales Manager"), "again.txt", None).await;
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(again.headers()["shortlist-outcome"], "duplicate");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], by_file("in-zip/two.txt")["id"]);

    let page: Value = app
        .client
        .get(app.url("/v1/roles/account-manager/ranking"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        page["total"], 3,
        "every accepted resume is rankable at once"
    );
}

#[tokio::test]
async fn a_zip_bomb_in_a_batch_is_refused_and_the_rest_is_kept() {
    let app = spawn_app().await;
    let mut bytes = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut bytes);
        let options = zip::write::SimpleFileOptions::default().large_file(true);
        zip.start_file("zeros.txt", options).unwrap();
        let block = vec![0u8; 1 << 20];
        for _ in 0..600 {
            zip.write_all(&block).unwrap();
        }
        zip.finish().unwrap();
    }
    let form = Form::new()
        .part(
            "file",
            Part::bytes(bytes.into_inner()).file_name("bomb.zip"),
        )
        .part(
            "file",
            Part::bytes(resume("Account Executive")).file_name("fine.txt"),
        );
    let summary: Value = app
        .client
        .post(app.url("/v1/candidates/batch"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary["created"], 1, "{summary}");
    assert_eq!(summary["rejected"], 1, "{summary}");
    assert_eq!(
        summary["items"][0]["error"]["code"], "archive_bomb",
        "{summary}"
    );
}

#[tokio::test]
async fn a_retried_upload_with_the_same_idempotency_key_is_answered_once() {
    let app = spawn_app().await;
    let send = |key: &'static str, external_id: &'static str| {
        let form = Form::new()
            .part(
                "file",
                Part::bytes(resume("Account Manager")).file_name("cv.txt"),
            )
            .text("external_id", external_id);
        app.client
            .post(app.url("/v1/candidates"))
            .header("Idempotency-Key", key)
            .multipart(form)
            .send()
    };
    let first = send("retry-1", "ats-1").await.unwrap();
    assert_eq!(first.status().as_u16(), 201);
    let first: Value = first.json().await.unwrap();
    let second = send("retry-1", "ats-1").await.unwrap();
    assert_eq!(
        second.status().as_u16(),
        201,
        "the recorded answer, status included"
    );
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let second: Value = second.json().await.unwrap();
    assert_eq!(first, second);
    let misuse = send("retry-1", "ats-2").await.unwrap();
    assert_problem(misuse, 422, "idempotency_key_reused").await;
    let page: Value = app
        .client
        .get(app.url("/v1/roles/account-manager/ranking"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
}

#[tokio::test]
async fn import_sends_a_folder_in_batches_and_reports_rejections() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    for i in 0..5 {
        std::fs::write(
            dir.path().join(format!("cv{i}.txt")),
            resume(&format!("Account Manager {i}")),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("sub/copy.txt"), resume("Account Manager 0")).unwrap();
    std::fs::write(dir.path().join("sub/broken.pdf"), b"%PDF-1.4 truncated").unwrap();
    std::fs::write(dir.path().join(".hidden"), b"ignored").unwrap();
    let url = app.address.clone();
    let path = dir.path().to_owned();
    let summary = tokio::task::spawn_blocking(move || {
        let options = shortlist::import::ImportOptions {
            batch_size: 3,
            external_ids_from_paths: false,
            document_date: None,
        };
        shortlist::import::import_dir(
            &path,
            shortlist::import::Target::Server {
                url: &url,
                api_key: None,
            },
            &options,
        )
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!((summary.created, summary.duplicates), (5, 1), "{summary:?}");
    assert_eq!(summary.rejected.len(), 1, "{summary:?}");
    assert_eq!(summary.rejected[0].0, "sub/broken.pdf");
}
