//! Faults that take a whole process or a damaged data directory: SIGKILL during a run, a
//! restart right after SIGKILL, a damaged search index, a stored role that today's rules refuse,
//! a full disk, and the log under concurrency. Each must leave Shortlist serving and correct.

mod common;

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shortlist::engine::{Engine, RankQuery, Upload};
use shortlist::extract::Limits;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    child: Child,
    url: String,
}

impl Server {
    /// Starts `shortlist serve` on `data_dir`, its stderr (the log) appended to `log`.
    fn start(data_dir: &Path, log: Option<&Path>) -> Server {
        let port = free_port();
        let stderr = match log {
            Some(path) => Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .unwrap(),
            ),
            None => Stdio::null(),
        };
        let child = Command::new(env!("CARGO_BIN_EXE_shortlist"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(data_dir)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        server.wait_healthy();
        server
    }

    fn wait_healthy(&mut self) {
        shortlist::tls::install_crypto();
        let client = reqwest::blocking::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the server exited at start-up: {status}");
            }
            if client.get(format!("{}/healthz", self.url)).send().is_ok() {
                return;
            }
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn stop(mut self) {
        // SIGTERM: a clean shutdown.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        self.child.wait().unwrap();
    }
}

fn client() -> reqwest::blocking::Client {
    shortlist::tls::install_crypto();
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

fn resume(i: usize) -> String {
    let title = ["Key Account Manager", "Chef", "Sales Manager", "Teacher"][i % 4];
    format!(
        "{title} {i}\nExperience\n01/20{:02} to Current {title}\nAcme Corp - Boston, MA\nManaged corporate accounts in Salesforce CRM, case {i}.\n",
        i % 15
    )
}

fn upload_batch(url: &str, range: std::ops::Range<usize>) -> Value {
    let mut form = reqwest::blocking::multipart::Form::new();
    for i in range {
        form = form.part(
            "file",
            reqwest::blocking::multipart::Part::bytes(resume(i).into_bytes())
                .file_name(format!("cv{i}.txt")),
        );
    }
    client()
        .post(format!("{url}/v1/candidates/batch"))
        .multipart(form)
        .send()
        .unwrap()
        .json()
        .unwrap()
}

fn total(url: &str, role: &str) -> u64 {
    let page: Value = client()
        .get(format!("{url}/v1/roles/{role}/ranking?limit=1"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    page["total"].as_u64().unwrap_or_else(|| panic!("{page}"))
}

fn wait_for_run(url: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let run: Value = client()
            .get(format!("{url}/v1/runs/{id}"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        if ["succeeded", "failed", "canceled"].contains(&run["status"].as_str().unwrap_or("")) {
            return run;
        }
        assert!(Instant::now() < deadline, "the run ends: {run}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_run_killed_mid_way_is_finished_after_the_restart_with_every_result_once() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    let summary = upload_batch(&server.url, 0..400);
    assert_eq!(summary["created"], 400, "{summary}");
    let run: Value = client()
        .post(format!("{}/v1/runs", server.url))
        .json(&json!({"role_id": "account-manager", "selection": {"all": true}}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = run["id"].as_str().unwrap().to_owned();
    std::thread::sleep(Duration::from_millis(30));
    server.kill();

    let server = Server::start(data.path(), None);
    let run = wait_for_run(&server.url, &id);
    assert_eq!(run["status"], "succeeded", "{run}");
    let mut ranks = HashSet::new();
    let mut candidates = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{}/v1/runs/{id}/results?limit=1000", server.url);
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let page: Value = client().get(url).send().unwrap().json().unwrap();
        for result in page["results"].as_array().unwrap() {
            assert!(ranks.insert(result["rank"].as_u64().unwrap()), "rank once");
            assert!(
                candidates.insert(result["candidate_id"].as_str().unwrap().to_owned()),
                "candidate once"
            );
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(candidates.len(), 400, "every candidate exactly once");
    server.stop();
}

#[test]
fn a_restart_right_after_sigkill_opens_the_index_every_time() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Server::start(data.path(), None);
    for round in 0..5 {
        let summary = upload_batch(&server.url, round * 10..round * 10 + 10);
        assert_eq!(summary["created"], 10);
        server.kill();
        // No pause: the killed process may still be letting go of its files.
        server = Server::start(data.path(), None);
        assert_eq!(
            total(&server.url, "account-manager"),
            (round as u64 + 1) * 10
        );
    }
    server.stop();
}

/// A data directory with `count` candidates, cleanly closed; returns the index folder.
fn populated(dir: &Path, count: usize) -> PathBuf {
    let roles = common::repo_root().join("config/roles");
    let engine = Engine::open(dir, &roles, Limits::default()).unwrap();
    for i in 0..count {
        let text = resume(i);
        engine
            .ingest(Upload {
                bytes: text.as_bytes(),
                file_name: Some("cv.txt"),
                external_id: None,
                document_date: None,
                batch_id: None,
                tenant: Default::default(),
            })
            .unwrap();
    }
    drop(engine);
    dir.join("tantivy")
}

fn largest_file(dir: &Path, suffix: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .unwrap_or_else(|| panic!("a {suffix} file in {}", dir.display()))
}

#[test]
fn a_damaged_or_missing_index_is_rebuilt_from_the_store_at_start_up() {
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 5] = [
        ("random bytes in a segment file", |index| {
            let file = largest_file(index, ".idx");
            let mut bytes = std::fs::read(&file).unwrap();
            for (i, byte) in bytes.iter_mut().enumerate().skip(8).step_by(7) {
                *byte ^= (i as u8).wrapping_mul(31) | 1;
            }
            std::fs::write(file, bytes).unwrap();
        }),
        ("a truncated term file", |index| {
            let file = largest_file(index, ".term");
            let bytes = std::fs::read(&file).unwrap();
            std::fs::write(file, &bytes[..bytes.len() / 2]).unwrap();
        }),
        ("garbage in meta.json", |index| {
            std::fs::write(index.join("meta.json"), b"{\"segments\": [garbage").unwrap();
        }),
        ("a missing segment file", |index| {
            std::fs::remove_file(largest_file(index, ".store")).unwrap();
        }),
        ("the whole index folder missing", |index| {
            std::fs::remove_dir_all(index).unwrap();
        }),
    ];
    let roles = common::repo_root().join("config/roles");
    for (what, damage) in damages {
        let dir = tempfile::tempdir().unwrap();
        let index = populated(dir.path(), 24);
        damage(&index);
        let engine = Engine::open(dir.path(), &roles, Limits::default())
            .unwrap_or_else(|e| panic!("{what}: the engine opens: {e}"));
        assert_eq!(engine.candidate_count(), 24, "{what}");
        let query = RankQuery {
            limit: 100,
            q: Some("salesforce AND chef".into()),
            ..RankQuery::default()
        };
        let page = engine.rank("account-manager", &query).unwrap();
        assert_eq!(
            page.total, 6,
            "{what}: keyword search works after the rebuild"
        );
    }
}

#[test]
fn a_stored_role_that_todays_rules_refuse_is_disabled_and_never_crashes_the_server() {
    let data = tempfile::tempdir().unwrap();
    populated(data.path(), 4);
    let deep = format!("{}sales{}", "(".repeat(2200), ")".repeat(2200));
    let role = json!({"id": "deep", "title": "Deep", "requirements": [{"id": "k", "kind": "keyword", "query": deep}]});
    {
        let db = rusqlite::Connection::open(data.path().join("shortlist.sqlite3")).unwrap();
        db.execute(
            "INSERT INTO roles (id, body, updated_at) VALUES ('deep', ?1, '2026-01-01T00:00:00Z')",
            [role.to_string()],
        )
        .unwrap();
        // A run on it that was processing when the server stopped: re-queued at start-up.
        db.execute(
            "INSERT INTO runs (id, role_id, selection, status, created_at, started_at)
             VALUES ('00000000-0000-0000-0000-00000000dead', 'deep', '{\"all\":true}', 'processing',
                     '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z')",
            [],
        )
        .unwrap();
    }
    for _restart in 0..2 {
        let server = Server::start(data.path(), None);
        let response = client()
            .get(format!("{}/v1/roles/deep/ranking", server.url))
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 422);
        let problem: Value = response.json().unwrap();
        assert_eq!(problem["code"], "role_disabled", "{problem}");
        let run = wait_for_run(&server.url, "00000000-0000-0000-0000-00000000dead");
        assert_eq!(run["status"], "failed", "{run}");
        assert_eq!(
            total(&server.url, "account-manager"),
            4,
            "other roles serve"
        );
        server.kill();
    }
    // Replacing the role over HTTP repairs it.
    let server = Server::start(data.path(), None);
    let fixed = json!({"title": "Fixed", "requirements": [{"id": "k", "kind": "keyword", "query": "sales"}]});
    let response = client()
        .put(format!("{}/v1/roles/deep", server.url))
        .json(&fixed)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(total(&server.url, "deep"), 4);
    server.stop();
}

/// Mounts a tmpfs of `mib` MiB on `dir`; `false` where this machine does not allow it.
fn mount_tmpfs(dir: &Path, mib: usize) -> bool {
    Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
        .arg(dir)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test]
async fn a_full_disk_answers_507_stores_nothing_and_leaves_no_temporary_files() {
    let mount = tempfile::tempdir().unwrap();
    if !mount_tmpfs(mount.path(), 16) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root and must mount a tmpfs for the full-disk test"
        );
        eprintln!("skipping: cannot mount a tmpfs here (not root)");
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mount.path().to_owned());
    let data_dir = mount.path().join("data");
    let app = common::spawn_app_in(&data_dir, Vec::new()).await;
    assert_eq!(
        app.upload(resume(1).into_bytes(), "a.txt", None)
            .await
            .status()
            .as_u16(),
        201
    );

    // Fill the disk, leaving less than the next upload needs.
    let filler = mount.path().join("filler");
    {
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = vec![7u8; 64 * 1024];
        while std::io::Write::write_all(&mut file, &block).is_ok() {}
    }
    let mut big = resume(2);
    while big.len() < 3_000_000 {
        big.push_str("Grew key accounts across the region with Salesforce. ");
    }
    let response = app.upload(big.clone().into_bytes(), "big.txt", None).await;
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned()),
        Some("60".into())
    );
    common::assert_problem(response, 507, "insufficient_storage").await;
    let leftovers: Vec<String> = walk(&data_dir.join("files"))
        .into_iter()
        .filter(|p| p.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files: {leftovers:?}");
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );

    // Space again: the same upload succeeds, and a temporary file left by a crash is removed at
    // the next start.
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(
        app.upload(big.into_bytes(), "big.txt", None)
            .await
            .status()
            .as_u16(),
        201
    );
    let stale = data_dir.join("files").join("ab").join(".abcdef.1234.tmp");
    std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
    std::fs::write(&stale, b"half a file").unwrap();
    app.stop().await;
    let app = common::spawn_app_in(&data_dir, Vec::new()).await;
    assert!(!stale.exists(), "temporary files are cleaned at start-up");
    let page: Value = app
        .client
        .get(app.url("/v1/roles/account-manager/ranking"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 2);
    app.stop().await;
}

fn walk(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path.display().to_string());
        }
    }
    found
}

#[test]
fn under_concurrency_each_log_line_carries_only_its_own_request_id() {
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("server.log");
    let server = Server::start(&data.path().join("data"), Some(&log));
    upload_batch(&server.url, 0..50);
    let requests = 400;
    std::thread::scope(|scope| {
        for worker in 0..40 {
            let url = server.url.clone();
            scope.spawn(move || {
                let client = client();
                for i in (worker..requests).step_by(40) {
                    let response = client
                        .get(format!("{url}/v1/roles/account-manager/ranking?limit=50"))
                        .header("x-request-id", format!("req-{i}"))
                        .send()
                        .unwrap();
                    assert_eq!(response.status().as_u16(), 200);
                }
            });
        }
    });
    server.stop();
    let mut text = String::new();
    std::fs::File::open(&log)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let handled: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("handled") && l.contains("req-"))
        .collect();
    assert_eq!(handled.len(), requests, "one line per request");
    let mut seen = HashSet::new();
    for line in &handled {
        assert_eq!(
            line.matches("request{").count(),
            1,
            "one request span per line: {line}"
        );
        let id = line
            .split("id=")
            .nth(1)
            .and_then(|rest| rest.split('}').next())
            .unwrap();
        assert!(seen.insert(id.to_owned()), "each id once: {id}");
        assert!(line.len() < 400, "a short line: {line}");
    }
    assert!(
        text.len() < requests * 600 + 100_000,
        "log bytes grow linearly: {}",
        text.len()
    );
}
