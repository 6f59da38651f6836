//! A million candidates on one machine: fills a data directory with realistic synthetic
//! candidates (stored profiles, text, original files and index entries, through the engine's
//! own commit path), then starts the real `shortlist serve` on it and measures what a staffing
//! firm's deployment lives with:
//!
//! - start-up: seconds from spawning the server to `/readyz` answering 200, and its resident
//!   memory once ready and at its peak;
//! - ranking over HTTP at 8 concurrent clients, p50 and p99: a first page, a page 25 cursors
//!   deep, and a keyword-filtered ranking (`q=salesforce`);
//! - single uploads (corpus PDFs, 8 concurrent clients) while 2 clients keep ranking;
//! - disk used per candidate.
//!
//! The candidates are the corpus's 2,484 text resumes, parsed once, each stored again and again
//! with a reference line of its own appended (so that every file, row and index entry is its
//! own, as with real applicants), under external ids `syn-N`. Filling takes a while (the
//! engine's durable path: files synced, rows committed in batches of 1,000, the text indexed);
//! the directory is kept, so a second run only measures. Without a corpus the bench says so
//! and exits.
//!
//! `cargo bench --bench million` (`SHORTLIST_MILLION=N` candidates, default 1,000,000;
//! `SHORTLIST_MILLION_DIR`, default `target/million`). The targets printed beside the figures
//! are issue 13's acceptance: ready within 15 s, at most 2 GB resident, ranking p99 at most
//! 250 ms, single uploads at least 500/s.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use shortlist::engine::{Engine, Prepared, Upload};
use shortlist::extract::Limits;

const SHORTLIST: &str = env!("CARGO_BIN_EXE_shortlist");
const BATCH: usize = 1000;
const CLIENTS: usize = 8;
const ROLE: &str = "account-manager";

fn main() {
    shortlist::tls::install_crypto();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus = repo.join("../shared/corpus");
    if !corpus.join("resumes_text.csv").exists() {
        eprintln!(
            "million: no corpus at {}; nothing measured",
            corpus.display()
        );
        return;
    }
    let target: usize = std::env::var("SHORTLIST_MILLION")
        .ok()
        .and_then(|n| n.replace(['_', ','], "").parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::var_os("SHORTLIST_MILLION_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target/million"));
    std::fs::create_dir_all(&dir).expect("data directory");

    let count = fill(&repo, &corpus, &dir, target);
    let server = Server::start(&dir);
    println!(
        "million: {count} candidates in {}; ready {:.2} s after start (target <= 15 s), {} MB resident ({} MB the process's own)",
        dir.display(),
        server.ready_seconds,
        server.resident_mb(),
        server.status_kb("RssAnon:") / 1024
    );

    let first = format!("/v1/roles/{ROLE}/ranking?limit=20");
    let deep = deep_page(&server, &first, 25);
    let keyword = format!("/v1/roles/{ROLE}/ranking?limit=20&q=salesforce");
    for (what, path, rounds) in [
        ("first page", first.clone(), 40),
        ("25 cursors deep", deep, 25),
        ("q=salesforce", keyword, 25),
    ] {
        let latencies = concurrent_gets(&server, &path, CLIENTS, rounds);
        println!(
            "million: ranking, {what}, {CLIENTS} clients x {rounds}: p50 {:.0} ms, p99 {:.0} ms (target p99 <= 250 ms)",
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.99)
        );
    }

    let (uploads, seconds, _) = uploads_while_ranking(&server, &corpus, None, "alone");
    println!(
        "million: {uploads} single uploads from {CLIENTS} clients, nothing else running: {:.0}/s (target >= 500/s)",
        uploads as f64 / seconds
    );
    let (uploads, seconds, ranking_p99) =
        uploads_while_ranking(&server, &corpus, Some(&first), "ranked");
    println!(
        "million: {uploads} single uploads from {CLIENTS} clients while 2 clients rank without pause: {:.0}/s; ranking p99 meanwhile {:.0} ms",
        uploads as f64 / seconds,
        ranking_p99
    );
    println!(
        "million: peak resident memory {} MB (target <= 2,048 MB); now {} MB, of which {} MB the process's own and {} MB mapped files (index pages that searches read; page cache the kernel can take back)",
        server.peak_mb(),
        server.resident_mb(),
        server.status_kb("RssAnon:") / 1024,
        server.status_kb("RssFile:") / 1024
    );
    server.stop();
    let bytes = directory_bytes(&dir);
    println!(
        "million: {:.1} KB on disk per candidate ({:.1} GB for {})",
        bytes as f64 / 1024.0 / count.max(1) as f64,
        bytes as f64 / 1e9,
        count
    );
}

/// Tops the directory up to `target` candidates; returns how many it holds.
fn fill(repo: &Path, corpus: &Path, dir: &Path, target: usize) -> usize {
    let engine = Engine::open(dir, &repo.join("config/roles"), Limits::default()).expect("engine");
    let have = engine.candidate_count();
    if have >= target {
        return have;
    }
    let templates = templates(&engine, corpus);
    println!(
        "million: filling {} from {have} to {target} candidates ({} templates)",
        dir.display(),
        templates.len()
    );
    let started = Instant::now();
    let mut next = have;
    while next < target {
        let end = (next + BATCH).min(target);
        let (files, prepared): (Vec<(Vec<u8>, String)>, Vec<Prepared>) = (next..end)
            .into_par_iter()
            .map(|n| {
                let (bytes, profile, document) = &templates[n % templates.len()];
                let line = format!("\nReference SL-{n:08}\n");
                let mut bytes = bytes.clone();
                bytes.extend_from_slice(line.as_bytes());
                let mut document = document.clone();
                document.text.push_str(&line);
                let prepared = Prepared::from_parts(profile.clone(), document);
                ((bytes, format!("syn-{n}")), prepared)
            })
            .unzip();
        let uploads: Vec<Upload<'_>> = files
            .iter()
            .map(|(bytes, external_id)| Upload {
                bytes,
                file_name: Some("resume.txt"),
                external_id: Some(external_id),
                document_date: None,
                batch_id: None,
                tenant: Default::default(),
            })
            .collect();
        let batch = uploads.iter().zip(prepared).collect();
        engine.commit_batch(batch).expect("a batch stored");
        next = end;
        if next % 50_000 < BATCH || next == target {
            let rate = (next - have) as f64 / started.elapsed().as_secs_f64();
            println!(
                "million: {next} stored, {rate:.0}/s, about {:.0} s to go",
                (target - next) as f64 / rate
            );
        }
    }
    let count = engine.candidate_count();
    drop(engine);
    count
}

/// The corpus's text resumes, parsed once: (file bytes, profile, document).
fn templates(
    engine: &Engine,
    corpus: &Path,
) -> Vec<(
    Vec<u8>,
    shortlist::profile::Profile,
    shortlist::extract::Document,
)> {
    let mut reader = csv::Reader::from_path(corpus.join("resumes_text.csv")).expect("corpus csv");
    let headers = reader.headers().expect("header row").clone();
    let text_column = headers
        .iter()
        .position(|h| h == "Text_repaired")
        .expect("Text_repaired column");
    let texts: Vec<String> = reader
        .records()
        .filter_map(|record| record.ok()?.get(text_column).map(str::to_owned))
        .collect();
    texts
        .par_iter()
        .filter_map(|text| {
            let upload = Upload {
                bytes: text.as_bytes(),
                file_name: Some("resume.txt"),
                external_id: None,
                document_date: None,
                batch_id: None,
                tenant: Default::default(),
            };
            let prepared = engine.prepare(&upload).ok()?;
            Some((
                text.clone().into_bytes(),
                prepared.profile,
                prepared.document,
            ))
        })
        .collect()
}

/// `shortlist serve` on the directory, as a child process.
struct Server {
    child: Child,
    port: u16,
    ready_seconds: f64,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let started = Instant::now();
        let mut child = Command::new(SHORTLIST)
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(dir)
            .env("RUST_LOG", "warn")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("shortlist serve");
        loop {
            if get_status(port, "/readyz") == Some(200) {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("the server exited while starting: {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(1800),
                "not ready within 30 minutes"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Server {
            ready_seconds: started.elapsed().as_secs_f64(),
            child,
            port,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn status_kb(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find(|line| line.starts_with(field))
                    .and_then(|line| line.split_whitespace().nth(1))
                    .and_then(|kb| kb.parse().ok())
            })
            .unwrap_or(0)
    }

    fn resident_mb(&self) -> u64 {
        self.status_kb("VmRSS:") / 1024
    }

    fn peak_mb(&self) -> u64 {
        self.status_kb("VmHWM:") / 1024
    }

    /// SIGTERM, so that the server shuts down cleanly (a killed one rebuilds its index at the
    /// next start, which is not what a restart should measure).
    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The status of a bodyless GET, over a plain socket (no client pool to warm up).
fn get_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.get(9..12)?.parse().ok()
}

/// The path of the page `depth` cursors after the first.
fn deep_page(server: &Server, first: &str, depth: usize) -> String {
    let client = reqwest::blocking::Client::new();
    let mut path = first.to_owned();
    for _ in 0..depth {
        let page: serde_json::Value = client
            .get(server.url(&path))
            .send()
            .and_then(|response| response.json())
            .expect("a ranking page");
        let Some(cursor) = page["next_cursor"].as_str() else {
            break;
        };
        path = format!("{first}&cursor={cursor}");
    }
    path
}

/// Milliseconds per request, `clients` threads each sending `rounds` requests.
fn concurrent_gets(server: &Server, path: &str, clients: usize, rounds: usize) -> Vec<f64> {
    let latencies = Mutex::new(Vec::with_capacity(clients * rounds));
    std::thread::scope(|scope| {
        for _ in 0..clients {
            scope.spawn(|| {
                let client = reqwest::blocking::Client::new();
                for _ in 0..rounds {
                    let started = Instant::now();
                    let response = client.get(server.url(path)).send().expect("a ranking");
                    assert!(response.status().is_success(), "{}", response.status());
                    let _ = response.bytes();
                    let ms = started.elapsed().as_secs_f64() * 1000.0;
                    latencies.lock().unwrap().push(ms);
                }
            });
        }
    });
    latencies.into_inner().unwrap()
}

/// The corpus PDFs uploaded one per request by 8 clients, while 2 clients rank without pause
/// when `ranking` is given: (uploads, seconds, the rankers' p99 in ms). `tag` keeps each
/// pass's external ids apart.
fn uploads_while_ranking(
    server: &Server,
    corpus: &Path,
    ranking: Option<&str>,
    tag: &str,
) -> (usize, f64, f64) {
    let mut pdfs: Vec<PathBuf> = walk(&corpus.join("pdf"));
    pdfs.sort();
    let files: Vec<(String, Vec<u8>)> = pdfs
        .iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            Some((name, std::fs::read(path).ok()?))
        })
        .collect();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let next = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let ranking_ms = Mutex::new(Vec::new());
    let accepted = AtomicUsize::new(0);
    let started = Instant::now();
    let seconds = std::thread::scope(|scope| {
        for _ in 0..ranking.map_or(0, |_| 2) {
            scope.spawn(|| {
                let client = reqwest::blocking::Client::new();
                let ranking = ranking.unwrap_or_default();
                while !done.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    if client.get(server.url(ranking)).send().is_ok() {
                        let ms = started.elapsed().as_secs_f64() * 1000.0;
                        ranking_ms.lock().unwrap().push(ms);
                    }
                }
            });
        }
        let uploaders: Vec<_> = (0..CLIENTS)
            .map(|_| {
                scope.spawn(|| {
                    let client = reqwest::blocking::Client::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((name, bytes)) = files.get(i) else {
                            break;
                        };
                        let form = reqwest::blocking::multipart::Form::new()
                            .part(
                                "file",
                                reqwest::blocking::multipart::Part::bytes(bytes.clone())
                                    .file_name(name.clone()),
                            )
                            .text("external_id", format!("live-{stamp}-{tag}-{i}"));
                        let response = client
                            .post(server.url("/v1/candidates"))
                            .multipart(form)
                            .send()
                            .expect("an upload");
                        if response.status().is_success() {
                            accepted.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for uploader in uploaders {
            let _ = uploader.join();
        }
        let seconds = started.elapsed().as_secs_f64();
        done.store(true, Ordering::Relaxed);
        seconds
    });
    let ranking_ms = ranking_ms.into_inner().unwrap();
    (
        accepted.load(Ordering::Relaxed),
        seconds,
        percentile(&ranking_ms, 0.99),
    )
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn directory_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            total += directory_bytes(&path);
        } else if let Ok(metadata) = entry.metadata() {
            total += metadata.len();
        }
    }
    total
}

fn percentile(values: &[f64], quantile: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let index = ((sorted.len() as f64 - 1.0) * quantile).round() as usize;
    sorted[index]
}
