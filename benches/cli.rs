//! The `shortlist` command as a user runs it: whole processes, start-up included, beside
//! poppler's `pdftotext` run the same way in the same run.
//!
//! - `shortlist parse FILE` on one resume: the median of many runs (nearly all of it is
//!   start-up: the process, then building only the parser readers that document needs);
//! - `shortlist parse` over every corpus PDF in one process with `RAYON_NUM_THREADS=1`, against
//!   `pdftotext` spawned once per file over the same files (the issue 13 target is 12x);
//! - `shortlist serve` on an empty data directory until `/readyz` answers 200.
//!
//! Run: `cargo bench --bench cli` (builds the release binary; corpus at `../shared/corpus`;
//! pdftotext from Debian's `poppler-utils`). The machine is shared: the load average is printed
//! at the start and the end, and each figure is a median over rounds that alternate ours and
//! theirs, so that both see the same load.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SHORTLIST: &str = env!("CARGO_BIN_EXE_shortlist");
/// Whole-process runs on one file, each way.
const SINGLE_RUNS: usize = 31;
/// Rounds over the whole corpus, each way.
const CORPUS_ROUNDS: usize = 5;
/// Server starts.
const SERVE_RUNS: usize = 5;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pdf");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|category| std::fs::read_dir(category.path()).into_iter().flatten())
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "pdf"))
        .collect();
    if files.is_empty() {
        eprintln!("skipped: no corpus PDFs under {}", dir.display());
        return;
    }
    files.sort();
    let pdftotext = Command::new("pdftotext")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !pdftotext {
        eprintln!("pdftotext not found (apt-get install poppler-utils): ours only");
    }
    println!("load at start: {}", load_average());

    // One resume: the first SALES one, a typical two-page PDF.
    let one = files
        .iter()
        .find(|f| f.to_string_lossy().contains("/SALES/"))
        .unwrap_or(&files[0])
        .clone();
    run_parse(std::slice::from_ref(&one)); // page cache
    let mut ours = Vec::with_capacity(SINGLE_RUNS);
    let mut theirs = Vec::with_capacity(SINGLE_RUNS);
    for _ in 0..SINGLE_RUNS {
        ours.push(run_parse(std::slice::from_ref(&one)));
        if pdftotext {
            theirs.push(run_pdftotext(std::slice::from_ref(&one)));
        }
    }
    println!(
        "one resume ({}): shortlist parse median {:.1} ms (min {:.1}), pdftotext median {}",
        one.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
        median(&mut ours) * 1e3,
        ours.iter().copied().fold(f64::MAX, f64::min) * 1e3,
        if theirs.is_empty() {
            "n/a".to_owned()
        } else {
            format!("{:.1} ms", median(&mut theirs) * 1e3)
        },
    );

    // The corpus in one process on one rayon thread, against pdftotext once per file.
    let mut ours = Vec::with_capacity(CORPUS_ROUNDS);
    let mut theirs = Vec::with_capacity(CORPUS_ROUNDS);
    let mut ratios = Vec::with_capacity(CORPUS_ROUNDS);
    for round in 0..CORPUS_ROUNDS {
        let mine = run_parse(&files);
        ours.push(mine);
        if pdftotext {
            let other = run_pdftotext(&files);
            theirs.push(other);
            ratios.push(other / mine);
            println!(
                "round {round}: {} PDFs: shortlist parse {:.3} s, pdftotext {:.3} s, {:.1}x",
                files.len(),
                mine,
                other,
                other / mine
            );
        } else {
            println!(
                "round {round}: {} PDFs: shortlist parse {mine:.3} s",
                files.len()
            );
        }
    }
    if pdftotext {
        println!(
            "corpus ({} PDFs, RAYON_NUM_THREADS=1): shortlist parse median {:.3} s, pdftotext median {:.3} s; ratio median {:.1}x (range {:.1}x to {:.1}x)",
            files.len(),
            median(&mut ours),
            median(&mut theirs),
            median(&mut ratios),
            ratios.iter().copied().fold(f64::MAX, f64::min),
            ratios.iter().copied().fold(0.0, f64::max),
        );
    }

    // The server, from nothing to ready.
    let mut ready = Vec::with_capacity(SERVE_RUNS);
    for _ in 0..SERVE_RUNS {
        match time_to_ready() {
            Ok(seconds) => ready.push(seconds),
            Err(error) => {
                eprintln!("serve: {error}");
                break;
            }
        }
    }
    if !ready.is_empty() {
        println!(
            "serve on an empty data directory until /readyz is 200: median {:.0} ms (max {:.0} ms, {} starts)",
            median(&mut ready) * 1e3,
            ready.iter().copied().fold(0.0, f64::max) * 1e3,
            ready.len()
        );
    }
    println!("load at end: {}", load_average());
}

/// Seconds for one `shortlist parse` process over `files`, output discarded.
fn run_parse(files: &[PathBuf]) -> f64 {
    let started = Instant::now();
    let status = Command::new(SHORTLIST)
        .arg("parse")
        .args(files)
        .env("RAYON_NUM_THREADS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let seconds = started.elapsed().as_secs_f64();
    // One corpus PDF is a scan without text: exit 1 for it is expected, not a failure here.
    if status.is_err() {
        eprintln!("cannot run {SHORTLIST}");
    }
    seconds
}

/// Seconds for `pdftotext` spawned once per file, one after the other, output discarded.
fn run_pdftotext(files: &[PathBuf]) -> f64 {
    let started = Instant::now();
    for file in files {
        let _ = Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(file)
            .arg("-")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    started.elapsed().as_secs_f64()
}

/// Seconds from spawning `shortlist serve` on a new, empty data directory to its first `200`
/// from `/readyz`.
fn time_to_ready() -> Result<f64, String> {
    let data = tempfile::tempdir().map_err(|e| e.to_string())?;
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let started = Instant::now();
    let mut child = Command::new(SHORTLIST)
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data.path())
        .env("RUST_LOG", "warn")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let outcome = loop {
        if readyz_ok(port) {
            break Ok(started.elapsed().as_secs_f64());
        }
        if started.elapsed() > Duration::from_secs(60) {
            break Err("not ready within 60 s".to_owned());
        }
        if let Ok(Some(status)) = child.try_wait() {
            break Err(format!("the server exited: {status}"));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let _ = child.kill();
    let _ = child.wait();
    outcome
}

fn readyz_ok(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let request = "GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let mut answer = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut answer).is_ok()
        && answer.starts_with("HTTP/1.1 200")
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}
