//! End-to-end ingestion over HTTP: corpus PDFs uploaded to a real server (in this process, on
//! port 0, with a temporary data directory) until every one is rankable. Prints resumes per
//! second for single uploads (4 concurrent clients) and for batches of 32.
//!
//! `cargo bench --bench ingest` (reads ../shared/corpus/pdf; repeats the corpus `--rounds N`
//! times with a byte appended to each copy, so that copies are not duplicates).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use shortlist::api::{self, ApiSettings};
use shortlist::engine::Engine;
use shortlist::extract::Limits;

fn corpus_pdfs(root: &Path) -> Vec<PathBuf> {
    let mut pdfs = Vec::new();
    for category in std::fs::read_dir(root).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(category.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            pdfs.push(file.path());
        }
    }
    pdfs.sort();
    pdfs
}

fn start_server(data_dir: &Path) -> String {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let engine = Arc::new(
        Engine::open(data_dir, &repo.join("config/roles"), Limits::default()).expect("engine"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let settings = ApiSettings::default();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            api::server(engine, settings, listener)
                .expect("server")
                .await
                .expect("serve");
        });
    });
    address
}

fn ranked_total(client: &reqwest::blocking::Client, address: &str) -> u64 {
    let page: serde_json::Value = client
        .get(format!(
            "{address}/v1/roles/account-manager/ranking?limit=1"
        ))
        .send()
        .and_then(|r| r.json())
        .unwrap_or_default();
    page["total"].as_u64().unwrap_or(0)
}

fn main() {
    let rounds: usize = std::env::args()
        .skip_while(|a| a != "--rounds")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(2);
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pdf");
    let pdfs = corpus_pdfs(&corpus);
    if pdfs.is_empty() {
        eprintln!("skipping: no corpus PDFs at {}", corpus.display());
        return;
    }
    let files: Vec<(String, Vec<u8>)> = (0..rounds)
        .flat_map(|round| {
            pdfs.iter().map(move |path| {
                let mut bytes = std::fs::read(path).expect("read");
                bytes.extend(std::iter::repeat_n(b'\n', round));
                (
                    format!(
                        "{round}-{}",
                        path.file_name().unwrap_or_default().to_string_lossy()
                    ),
                    bytes,
                )
            })
        })
        .collect();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!(
        "ingesting {} PDFs ({} rounds of the corpus) on {cores} cores",
        files.len(),
        rounds
    );

    for mode in ["single uploads, 4 clients", "batches of 32, 2 clients"] {
        let data = tempfile::tempdir().expect("temp dir");
        let address = start_server(data.path());
        let client = reqwest::blocking::Client::new();
        while client.get(format!("{address}/healthz")).send().is_err() {
            std::thread::sleep(Duration::from_millis(10));
        }
        let started = Instant::now();
        let (clients, batch) = if mode.starts_with("single") {
            (4, 1)
        } else {
            (2, 32)
        };
        std::thread::scope(|scope| {
            for worker in 0..clients {
                let (files, address) = (&files, &address);
                scope.spawn(move || {
                    let client = reqwest::blocking::Client::new();
                    let mine: Vec<&(String, Vec<u8>)> =
                        files.iter().skip(worker).step_by(clients).collect();
                    for chunk in mine.chunks(batch) {
                        let mut form = reqwest::blocking::multipart::Form::new();
                        for (name, bytes) in chunk {
                            form = form.part(
                                "file",
                                reqwest::blocking::multipart::Part::bytes(bytes.clone())
                                    .file_name(name.clone()),
                            );
                        }
                        let endpoint = if batch == 1 {
                            "candidates"
                        } else {
                            "candidates/batch"
                        };
                        let response = client
                            .post(format!("{address}/v1/{endpoint}"))
                            .multipart(form)
                            .send();
                        if let Err(error) = response {
                            eprintln!("upload failed: {error}");
                        }
                    }
                });
            }
        });
        let expected = files.len() as u64 - rounds as u64; // the blank PDF is refused each round
        while ranked_total(&client, &address) < expected {
            std::thread::sleep(Duration::from_millis(5));
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{mode}: {expected} resumes rankable in {seconds:.2} s = {:.0} resumes/s ({:.0} per core)",
            expected as f64 / seconds,
            expected as f64 / seconds / cores as f64
        );
    }
}
