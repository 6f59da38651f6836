//! Durability: a server killed with SIGKILL in the middle of an import loses nothing it
//! acknowledged, stores nothing twice, and shows nothing half-written after a restart.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_server(data_dir: &std::path::Path, port: u16) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_shortlist"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data_dir)
        .envs(
            // PostgreSQL in CI's second pass: the same database at every restart.
            shortlist::store::testing::test_database_url(data_dir)
                .map(|url| ("SHORTLIST_DATABASE_URL", url)),
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    shortlist::tls::install_crypto();
    let client = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .is_err()
    {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(25));
    }
    child
}

fn resume(i: usize) -> Vec<u8> {
    format!(
        "ACCOUNT MANAGER {i}\nExperience\n01/20{:02} to Current Account Manager\nCompany Name - City , State\nKey accounts, Salesforce, case {i}.\n",
        i % 20
    )
    .into_bytes()
}

#[test]
fn a_server_killed_mid_import_keeps_every_acknowledged_resume_exactly_once() {
    kill_mid_import(4, true);
}

/// Single uploads from 8 clients at once, without external ids: stored in groups (the group
/// commit), each group durable before any of its uploads is answered, and the content hash kept
/// with the rows, so that a resume sent again after the restart is a duplicate.
#[test]
fn a_server_killed_mid_group_commit_keeps_every_acknowledged_resume_exactly_once() {
    kill_mid_import(8, false);
}

/// Uploads `resume(i)` from `clients` threads until about 150 are acknowledged, kills the
/// server, restarts it, and checks every acknowledged upload is there, whole, and once.
fn kill_mid_import(clients: usize, with_external_ids: bool) {
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = start_server(data.path(), port);
    let base = format!("http://127.0.0.1:{port}");

    let acknowledged: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let uploaders: Vec<_> = (0..clients)
        .map(|worker| {
            let (acknowledged, stop, base) =
                (Arc::clone(&acknowledged), Arc::clone(&stop), base.clone());
            std::thread::spawn(move || {
                shortlist::tls::install_crypto();
                let client = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap();
                for i in (worker..100_000).step_by(clients) {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    // Without external ids, each resume is known by its number (its content).
                    let external_id = format!("crash-{i}");
                    let mut form = reqwest::blocking::multipart::Form::new().part(
                        "file",
                        reqwest::blocking::multipart::Part::bytes(resume(i)).file_name("cv.txt"),
                    );
                    if with_external_ids {
                        form = form.text("external_id", external_id.clone());
                    }
                    match client
                        .post(format!("{base}/v1/candidates"))
                        .multipart(form)
                        .send()
                    {
                        Ok(response) if response.status().as_u16() == 201 => {
                            let body: Value = response.json().unwrap_or(Value::Null);
                            if let Some(id) = body["id"].as_str() {
                                acknowledged
                                    .lock()
                                    .unwrap()
                                    .push((id.to_owned(), external_id));
                            }
                        }
                        // The server died under us: stop sending.
                        _ => return,
                    }
                }
            })
        })
        .collect();

    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < 150 {
        assert!(Instant::now() < deadline, "uploads too slow");
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill().unwrap(); // SIGKILL on Unix
    server.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for uploader in uploaders {
        uploader.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    let mut server = start_server(data.path(), port);
    shortlist::tls::install_crypto();
    let client = reqwest::blocking::Client::new();
    for (id, external_id) in &acknowledged {
        let response = client
            .get(format!("{base}/v1/candidates/{id}"))
            .send()
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            200,
            "acknowledged {external_id} survives"
        );
        let candidate: Value = response.json().unwrap();
        if with_external_ids {
            assert_eq!(candidate["external_id"], external_id.as_str());
        }
        assert!(
            candidate["profile"]["document"]["chars"].as_u64().unwrap() > 0,
            "a whole profile"
        );
    }
    // Everything stored is rankable, once, and whole (acknowledged or caught in flight).
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/v1/roles/account-manager/ranking?limit=100");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let page: Value = client.get(url).send().unwrap().json().unwrap();
        for result in page["results"].as_array().unwrap() {
            let key = if with_external_ids {
                result["external_id"].as_str().unwrap().to_owned()
            } else {
                result["candidate_id"].as_str().unwrap().to_owned()
            };
            assert!(seen.insert(key.clone()), "{key} appears once");
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    for (id, external_id) in &acknowledged {
        let key = if with_external_ids { external_id } else { id };
        assert!(
            seen.contains(key),
            "{external_id} is rankable after the restart"
        );
    }
    if !with_external_ids {
        // The same bytes again: the stored content hash finds the acknowledged candidate.
        let (id, external_id) = &acknowledged[acknowledged.len() / 2];
        let number: usize = external_id.trim_start_matches("crash-").parse().unwrap();
        let form = reqwest::blocking::multipart::Form::new().part(
            "file",
            reqwest::blocking::multipart::Part::bytes(resume(number)).file_name("cv.txt"),
        );
        let response = client
            .post(format!("{base}/v1/candidates"))
            .multipart(form)
            .send()
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            200,
            "a duplicate, not a new candidate"
        );
        let again: Value = response.json().unwrap();
        assert_eq!(
            again["id"].as_str(),
            Some(id.as_str()),
            "the same candidate"
        );
    }
    let found: Value = client
        .get(format!(
            "{base}/v1/roles/account-manager/ranking?q=salesforce&limit=1"
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        found["total"].as_u64().unwrap() as usize,
        seen.len(),
        "the index was repaired too"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
