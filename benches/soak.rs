//! Soak: the real `shortlist serve` process under 100 concurrent connections mixing uploads,
//! rankings (some with a keyword filter) and deletions, for 60 s. Prints p50 and p99 latency per
//! kind of request, errors (any 5xx but a 503 with Retry-After, any transport failure, any
//! unexpected status), requests shed with 503, log bytes written (in total, per request, and per
//! ten-second window, to show they grow linearly with requests) and the server's peak resident
//! memory.
//!
//! `cargo bench --bench soak [-- --seconds N --connections N]` (reads corpus PDFs from
//! ../shared/corpus/pdf to upload; without the corpus it uploads generated text resumes).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn arg(name: &str, default: u64) -> u64 {
    std::env::args()
        .skip_while(|a| a != name)
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn corpus_files() -> Vec<(String, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pdf");
    let mut files = Vec::new();
    for category in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(category.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = file.path();
            if let Ok(bytes) = std::fs::read(&path) {
                files.push((
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                    bytes,
                ));
            }
        }
    }
    if files.is_empty() {
        eprintln!(
            "no corpus at {}: uploading generated text resumes",
            root.display()
        );
        for i in 0..200 {
            let text = format!(
                "Account Manager {i}\nExperience\n01/20{:02} to Current Account Manager\nAcme Corp\nKey accounts in Salesforce, B2B.\n",
                i % 20
            );
            files.push((format!("cv{i}.txt"), text.into_bytes()));
        }
    }
    files.sort();
    files
}

fn peak_memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[derive(Default)]
struct Tally {
    latencies: Mutex<Vec<(&'static str, f64)>>,
    requests: AtomicU64,
    errors: AtomicU64,
    shed: AtomicU64,
    first_errors: Mutex<Vec<String>>,
}

impl Tally {
    fn record(
        &self,
        kind: &'static str,
        started: Instant,
        outcome: Result<u16, String>,
        ok: &[u16],
    ) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        self.latencies.lock().unwrap().push((kind, millis));
        match outcome {
            Ok(status) if ok.contains(&status) => {}
            Ok(503) => {
                self.shed.fetch_add(1, Ordering::Relaxed);
            }
            other => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                let mut first = self.first_errors.lock().unwrap();
                if first.len() < 5 {
                    first.push(format!("{kind}: {other:?}"));
                }
            }
        }
    }
}

fn main() {
    let seconds = arg("--seconds", 60);
    let connections = arg("--connections", 100) as usize;
    let files = Arc::new(corpus_files());
    let temp = tempfile::tempdir().expect("temporary directory");
    let log_path = temp.path().join("server.log");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_shortlist"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(temp.path().join("data"))
        .env("RUST_LOG", "info")
        // 100 connections from one address measure the server, not the per-address limit.
        .env("SHORTLIST_RATE_LIMIT_PER_SECOND", "1000000")
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&log_path).unwrap()))
        .spawn()
        .expect("the server starts");
    let url = format!("http://127.0.0.1:{port}");
    shortlist::tls::install_crypto();
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.get(format!("{url}/healthz")).send().is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(25));
    }
    // A pool to rank: the first half of the files, in batches.
    for chunk in files[..files.len() / 2].chunks(32) {
        let mut form = reqwest::blocking::multipart::Form::new();
        for (name, bytes) in chunk {
            form = form.part(
                "file",
                reqwest::blocking::multipart::Part::bytes(bytes.clone()).file_name(name.clone()),
            );
        }
        client
            .post(format!("{url}/v1/candidates/batch"))
            .multipart(form)
            .send()
            .expect("preload");
    }
    let log_before = std::fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0);
    println!(
        "soak: {connections} connections for {seconds} s against a pool of {} resumes",
        files.len() / 2
    );

    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|worker| {
            let (tally, stop, counter, files, url) = (
                Arc::clone(&tally),
                Arc::clone(&stop),
                Arc::clone(&counter),
                Arc::clone(&files),
                url.clone(),
            );
            std::thread::spawn(move || {
                shortlist::tls::install_crypto();
                let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
                let mut mine: Vec<String> = Vec::new();
                let mut step = worker;
                while !stop.load(Ordering::Relaxed) {
                    step += 1;
                    let started = Instant::now();
                    match step % 10 {
                        0..=2 => {
                            // A single upload, made unique so it is never a duplicate.
                            let n = counter.fetch_add(1, Ordering::Relaxed);
                            let (name, bytes) = &files[files.len() / 2 + n as usize % (files.len() - files.len() / 2)];
                            let mut bytes = bytes.clone();
                            bytes.extend_from_slice(format!("\n% soak {n}\n").as_bytes());
                            let form = reqwest::blocking::multipart::Form::new()
                                .part("file", reqwest::blocking::multipart::Part::bytes(bytes).file_name(name.clone()));
                            let outcome = client.post(format!("{url}/v1/candidates")).multipart(form).send();
                            let outcome = outcome.map_err(|e| e.to_string()).map(|response| {
                                let status = response.status().as_u16();
                                if status == 201
                                    && let Ok(body) = response.json::<serde_json::Value>()
                                    && let Some(id) = body["id"].as_str()
                                {
                                    mine.push(id.to_owned());
                                }
                                status
                            });
                            tally.record("upload", started, outcome, &[200, 201]);
                        }
                        3 if !mine.is_empty() => {
                            let id = mine.remove(0);
                            let outcome = client.delete(format!("{url}/v1/candidates/{id}")).send();
                            tally.record("delete", started, outcome.map(|r| r.status().as_u16()).map_err(|e| e.to_string()), &[204]);
                        }
                        4 => {
                            let outcome = client
                                .get(format!("{url}/v1/roles/strategic-account-manager/ranking?limit=20&q=salesforce%20OR%20b2b"))
                                .send();
                            tally.record("ranking with q", started, outcome.map(|r| r.status().as_u16()).map_err(|e| e.to_string()), &[200]);
                        }
                        _ => {
                            let role = ["account-manager", "senior-account-manager", "sales-account-manager"][step % 3];
                            let outcome = client.get(format!("{url}/v1/roles/{role}/ranking?limit=20")).send();
                            tally.record("ranking", started, outcome.map(|r| r.status().as_u16()).map_err(|e| e.to_string()), &[200]);
                        }
                    }
                }
            })
        })
        .collect();

    let mut windows = Vec::new();
    let (mut last_requests, mut last_log) = (0, log_before);
    while started.elapsed() < Duration::from_secs(seconds) {
        std::thread::sleep(Duration::from_secs(10).min(Duration::from_secs(seconds)));
        let requests = tally.requests.load(Ordering::Relaxed);
        let log = std::fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0);
        windows.push((requests - last_requests, log - last_log));
        (last_requests, last_log) = (requests, log);
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        let _ = worker.join();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (peak_kib, rss_kib) = peak_memory_kib(server.id());
    let _ = Command::new("kill").arg(server.id().to_string()).status();
    let _ = server.wait();
    let log_bytes = std::fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0) - log_before;

    let latencies = tally.latencies.lock().unwrap();
    let requests = tally.requests.load(Ordering::Relaxed);
    println!(
        "requests: {requests} in {elapsed:.1} s ({:.0}/s)",
        requests as f64 / elapsed
    );
    for kind in ["all", "ranking", "ranking with q", "upload", "delete"] {
        let mut millis: Vec<f64> = latencies
            .iter()
            .filter(|(k, _)| kind == "all" || *k == kind)
            .map(|(_, ms)| *ms)
            .collect();
        millis.sort_by(f64::total_cmp);
        println!(
            "  {kind:<15} {:>7} requests   p50 {:>7.1} ms   p99 {:>7.1} ms",
            millis.len(),
            percentile(&millis, 0.5),
            percentile(&millis, 0.99)
        );
    }
    println!(
        "errors: {}   shed with 503: {}",
        tally.errors.load(Ordering::Relaxed),
        tally.shed.load(Ordering::Relaxed)
    );
    for error in tally.first_errors.lock().unwrap().iter() {
        println!("  {error}");
    }
    println!(
        "log: {log_bytes} bytes, {:.0} bytes per request; per 10 s window (requests, bytes, bytes/request):",
        log_bytes as f64 / requests.max(1) as f64
    );
    for (requests, bytes) in windows {
        println!(
            "  {requests:>7} {bytes:>10} {:>7.0}",
            bytes as f64 / requests.max(1) as f64
        );
    }
    println!(
        "server memory: peak {:.0} MiB resident, {:.0} MiB at the end",
        peak_kib as f64 / 1024.0,
        rss_kib as f64 / 1024.0
    );
}
