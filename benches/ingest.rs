//! End-to-end ingestion over HTTP: corpus PDFs uploaded to a real server (in this process, on
//! port 0, with a temporary data directory) until every one is rankable. Prints resumes per
//! second for single uploads (8 concurrent clients, as ATS integrations send them) and for
//! batches of 32 (2 clients) in the same run, and their ratio; and checks that every
//! acknowledged single upload was rankable within 1 s of its acknowledgement (worst lag shown).
//!
//! The lag is measured by a ranking poller running beside the uploads: an upload counts as
//! rankable at the start of the first ranking whose total reaches the number of uploads
//! acknowledged up to and including it (candidates only ever join the pool here).
//!
//! `cargo bench --bench ingest` (reads ../shared/corpus/pdf; repeats the corpus `--rounds N`
//! times with a byte appended to each copy, so that copies are not duplicates). The store is
//! SQLite. With `SHORTLIST_TEST_DATABASE_URL` naming a PostgreSQL server, the same two modes
//! run again on two nodes sharing a fresh database on it (each node its own engine, index and
//! workers, following the other through the change feed), the clients spread over both, until
//! every upload is rankable on both; the SQLite figures of the same run are the baseline.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use shortlist::api::{self, ApiSettings};
use shortlist::engine::Engine;
use shortlist::extract::Limits;

const SINGLE_CLIENTS: usize = 8;
const BATCH_CLIENTS: usize = 2;
const BATCH_SIZE: usize = 32;
const MAX_LAG: Duration = Duration::from_secs(1);

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

/// Starts a node on `data_dir`: SQLite there, or PostgreSQL at `database_url`.
fn start_server(data_dir: &Path, database_url: Option<&str>) -> String {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let store = shortlist::store::open_store(data_dir, database_url).expect("store");
    let engine = Arc::new(
        Engine::open_with_store(
            store,
            data_dir,
            &repo.join("config/roles"),
            Limits::default(),
        )
        .expect("engine"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let settings = ApiSettings::default();
    // Outside the server's runtime: a PostgreSQL store must not be called from async code.
    let workers = shortlist::workers::start(&engine, &settings).expect("workers");
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            api::serve(engine, workers, settings, listener)
                .expect("server")
                .await
                .expect("serve");
        });
    });
    address
}

/// Which store the nodes of a run share.
#[derive(Clone, Copy)]
enum Setup {
    /// One node, SQLite in its data directory.
    Sqlite,
    /// Two nodes on a fresh PostgreSQL database on the server named by
    /// `SHORTLIST_TEST_DATABASE_URL`.
    TwoPostgresNodes,
}

/// Starts the run's nodes; returns their addresses and the directories to keep until the end.
fn start_nodes(setup: Setup) -> (Vec<String>, Vec<tempfile::TempDir>) {
    let first = tempfile::tempdir().expect("temp dir");
    match setup {
        Setup::Sqlite => (vec![start_server(first.path(), None)], vec![first]),
        Setup::TwoPostgresNodes => {
            let url = shortlist::store::testing::test_database_url(first.path())
                .expect("SHORTLIST_TEST_DATABASE_URL names a PostgreSQL server");
            let second = tempfile::tempdir().expect("temp dir");
            let nodes = vec![
                start_server(first.path(), Some(&url)),
                start_server(second.path(), Some(&url)),
            ];
            (nodes, vec![first, second])
        }
    }
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

/// One mode's run: resumes rankable per second, and for single uploads the worst lag.
struct Run {
    resumes: u64,
    seconds: f64,
    worst_lag: Option<Duration>,
    lagging: usize,
}

/// The fewest candidates any node ranks: a resume counts as rankable once every node ranks it.
fn ranked_everywhere(client: &reqwest::blocking::Client, nodes: &[String]) -> u64 {
    nodes
        .iter()
        .map(|node| ranked_total(client, node))
        .min()
        .unwrap_or(0)
}

fn run(
    setup: Setup,
    files: &[(String, Vec<u8>)],
    expected: u64,
    clients: usize,
    batch: usize,
) -> Run {
    let (nodes, _data) = start_nodes(setup);
    shortlist::tls::install_crypto();
    let client = reqwest::blocking::Client::new();
    for node in &nodes {
        while client.get(format!("{node}/healthz")).send().is_err() {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    // When each created upload was acknowledged, in order of acknowledgement.
    let acknowledged: Arc<Mutex<Vec<Instant>>> = Arc::default();
    // (start of a ranking, its total), in order.
    let polls: Arc<Mutex<Vec<(Instant, u64)>>> = Arc::default();
    let uploading = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let started = Instant::now();
    std::thread::scope(|scope| {
        if batch == 1 {
            let (polls, uploading, nodes) = (Arc::clone(&polls), Arc::clone(&uploading), &nodes);
            scope.spawn(move || {
                shortlist::tls::install_crypto();
                let client = reqwest::blocking::Client::new();
                while uploading.load(std::sync::atomic::Ordering::Relaxed) {
                    let at = Instant::now();
                    let total = ranked_everywhere(&client, nodes);
                    polls.lock().unwrap().push((at, total));
                    std::thread::sleep(Duration::from_millis(20));
                }
            });
        }
        let workers: Vec<_> = (0..clients)
            .map(|worker| {
                // The clients spread over the nodes, as behind a load balancer.
                let (acknowledged, address) =
                    (Arc::clone(&acknowledged), &nodes[worker % nodes.len()]);
                scope.spawn(move || {
                    shortlist::tls::install_crypto();
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
                        match client
                            .post(format!("{address}/v1/{endpoint}"))
                            .multipart(form)
                            .send()
                        {
                            Ok(response) if batch == 1 && response.status().as_u16() == 201 => {
                                acknowledged.lock().unwrap().push(Instant::now());
                            }
                            Ok(_) => {}
                            Err(error) => eprintln!("upload failed: {error}"),
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("client");
        }
        while ranked_everywhere(&client, &nodes) < expected {
            std::thread::sleep(Duration::from_millis(5));
        }
        uploading.store(false, std::sync::atomic::Ordering::Relaxed);
    });
    let seconds = started.elapsed().as_secs_f64();
    let (mut worst_lag, mut lagging) = (None, 0);
    if batch == 1 {
        let acknowledged = acknowledged.lock().unwrap();
        let mut polls = polls.lock().unwrap().clone();
        // The final check counts as a ranking too.
        polls.push((Instant::now(), expected));
        let mut worst = Duration::ZERO;
        for (index, at) in acknowledged.iter().enumerate() {
            let needed = index as u64 + 1;
            let seen = polls
                .iter()
                .find(|(polled, total)| polled >= at && *total >= needed)
                .map(|(polled, _)| polled.duration_since(*at))
                .unwrap_or(Duration::MAX);
            if seen > MAX_LAG {
                lagging += 1;
            }
            worst = worst.max(seen);
        }
        worst_lag = Some(worst);
    }
    Run {
        resumes: expected,
        seconds,
        worst_lag,
        lagging,
    }
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
    let expected = files.len() as u64 - rounds as u64; // the blank PDF is refused each round

    let mut setups = vec![("SQLite, one node", Setup::Sqlite)];
    if std::env::var(shortlist::store::testing::URL_VARIABLE).is_ok_and(|url| !url.is_empty()) {
        setups.push(("PostgreSQL, two nodes", Setup::TwoPostgresNodes));
    }
    let rate = |run: &Run| run.resumes as f64 / run.seconds;
    let mut lagging = 0;
    let mut baseline = None;
    for (name, setup) in setups {
        let single = run(setup, &files, expected, SINGLE_CLIENTS, 1);
        let batches = run(setup, &files, expected, BATCH_CLIENTS, BATCH_SIZE);
        println!("{name}:");
        for (mode, run) in [
            (format!("single uploads, {SINGLE_CLIENTS} clients"), &single),
            (
                format!("batches of {BATCH_SIZE}, {BATCH_CLIENTS} clients"),
                &batches,
            ),
        ] {
            println!(
                "  {mode}: {} resumes rankable in {:.2} s = {:.0} resumes/s ({:.0} per core)",
                run.resumes,
                run.seconds,
                rate(run),
                rate(run) / cores as f64
            );
        }
        println!(
            "  single uploads against batches (the baseline): {:.2}x",
            rate(&single) / rate(&batches)
        );
        match baseline {
            None => baseline = Some((rate(&single), rate(&batches))),
            Some((single_sqlite, batches_sqlite)) => println!(
                "  against SQLite in this run: single uploads {:.2}x, batches {:.2}x",
                rate(&single) / single_sqlite,
                rate(&batches) / batches_sqlite
            ),
        }
        let worst = single.worst_lag.unwrap_or_default();
        println!(
            "  acknowledgement to rankable (on every node), single uploads: worst {:.0} ms; \
             {} of {expected} over {} ms",
            worst.as_secs_f64() * 1000.0,
            single.lagging,
            MAX_LAG.as_millis()
        );
        lagging += single.lagging;
    }
    if lagging > 0 {
        eprintln!("FAILED: some acknowledged uploads were not rankable within 1 s");
        std::process::exit(1);
    }
}
