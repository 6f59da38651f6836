//! Two nodes on one PostgreSQL database (CI's PostgreSQL pass): a candidate stored through one
//! is rankable, keyword filter included, on the other within a second; a deletion is gone from
//! the other within a second; a node that was down catches up when it starts. On SQLite (no
//! shared store) the test says it skips; with `SHORTLIST_REQUIRE_POSTGRES=1` it fails instead.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use shortlist::engine::{Engine, RankQuery, Upload};
use shortlist::extract::Limits;
use shortlist::ids::CandidateId;

/// What a node must do within, by the contract.
const PROPAGATION: Duration = Duration::from_secs(1);

fn node(data_dir: &Path, url: &str) -> Arc<Engine> {
    let store = shortlist::store::open_store(data_dir, Some(url)).expect("the store opens");
    let engine = Engine::open_with_store(
        store,
        data_dir,
        &common::repo_root().join("config/roles"),
        Limits::default(),
    )
    .expect("the node opens");
    let engine = Arc::new(engine);
    Engine::follow_changes(&engine).expect("the node follows the feed");
    engine
}

fn resume(word: &str) -> Vec<u8> {
    format!(
        "Account Manager\nSummary\nExperienced professional, {word}.\nExperience\n\
         2015 - 2020 Account Manager\nCompany Name - City , State\n\
         Managed key accounts for corporate clients using Salesforce CRM.\n\
         Education\nBachelor of Science : Business Administration , 2005\nState University\n"
    )
    .into_bytes()
}

fn upload(engine: &Engine, word: &str) -> CandidateId {
    upload_as(engine, word, None)
}

fn upload_as(engine: &Engine, word: &str, external_id: Option<&str>) -> CandidateId {
    let bytes = resume(word);
    let (view, _) = engine
        .ingest(Upload {
            bytes: &bytes,
            file_name: Some("cv.txt"),
            external_id,
            document_date: None,
            batch_id: None,
            tenant: Default::default(),
        })
        .expect("the upload is stored");
    CandidateId::from(view.id)
}

/// How many candidates `engine` ranks whose text holds `word`.
fn matching(engine: &Engine, word: &str) -> usize {
    let query = RankQuery {
        limit: 10,
        q: Some(word.to_owned()),
        ..RankQuery::default()
    };
    engine
        .rank("account-manager", &query)
        .expect("the ranking answers")
        .total
}

/// Waits until `done` holds, at most [`PROPAGATION`]; returns how long it took.
fn within_a_second(what: &str, mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < PROPAGATION,
            "{what}: not seen within {PROPAGATION:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    start.elapsed()
}

#[test]
fn writes_on_one_node_reach_the_other_within_a_second_and_a_restarted_node_catches_up() {
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let Some(url) = shortlist::store::testing::test_database_url(dir_a.path()) else {
        eprintln!("skipping: two nodes need PostgreSQL (set SHORTLIST_TEST_DATABASE_URL)");
        return;
    };
    let a = node(dir_a.path(), &url);
    let b = node(dir_b.path(), &url);

    // Stored on A: rankable on B, keyword filter (the index) included.
    let on_a = upload(&a, "zanzibar");
    let took = within_a_second("an upload on A, ranked on B", || {
        matching(&b, "zanzibar") == 1
    });
    eprintln!("an upload on A was rankable on B after {took:?}");
    assert_eq!(b.candidate_count(), 1);

    // And the other way.
    let on_b = upload(&b, "kilimanjaro");
    within_a_second("an upload on B, ranked on A", || {
        matching(&a, "kilimanjaro") == 1
    });
    assert_eq!(a.candidate_count(), 2);

    // Deleted on B: gone from A.
    b.delete_candidate(on_a).expect("the deletion");
    let took = within_a_second("a deletion on B, gone from A", || {
        a.candidate_count() == 1 && matching(&a, "zanzibar") == 0
    });
    eprintln!("a deletion on B was gone from A after {took:?}");

    // An ATS candidate, replaced later through its external id (same seq, new text).
    upload_as(&a, "samarkand", Some("ats-7"));
    within_a_second("an ATS upload on A, ranked on B", || {
        matching(&b, "samarkand") == 1
    });

    // B stops cleanly; on A the ATS candidate is replaced (same seq, so B's index holds the
    // same seqs as the store and is trusted as of B's shutdown); B starts again on its old data
    // directory and replays what changed since.
    drop(b);
    upload_as(&a, "ulaanbaatar", Some("ats-7"));
    let b = node(dir_b.path(), &url);
    assert_eq!(
        (matching(&b, "ulaanbaatar"), matching(&b, "samarkand")),
        (1, 0),
        "the replacement made while B was down, in B's index"
    );

    // Down again, while A adds one and deletes one.
    drop(b);
    let while_down = upload(&a, "timbuktu");
    a.delete_candidate(on_b)
        .expect("a deletion while B is down");
    let b = node(dir_b.path(), &url);
    assert_eq!(b.candidate_count(), 2, "B caught up: two candidates left");
    assert_eq!(
        matching(&b, "timbuktu"),
        1,
        "the upload made while B was down"
    );
    assert_eq!(
        matching(&b, "kilimanjaro"),
        0,
        "the deletion made while B was down"
    );
    assert_eq!(
        b.candidate(while_down).expect("readable on B").id,
        while_down.as_uuid()
    );
}

/// The feed keeps changes for a week. A node whose index is older than the oldest change kept
/// rebuilds it at its start (a replay would miss what was pruned); a running node that finds
/// it missed pruned changes says so on `/readyz` until it is restarted.
#[test]
fn a_node_behind_the_pruned_feed_rebuilds_at_start_and_a_running_one_is_not_ready() {
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let dir_c = tempfile::tempdir().unwrap();
    let Some(url) = shortlist::store::testing::test_database_url(dir_a.path()) else {
        eprintln!("skipping: the change feed is PostgreSQL's (set SHORTLIST_TEST_DATABASE_URL)");
        return;
    };
    let a = node(dir_a.path(), &url);
    let b = node(dir_b.path(), &url);
    upload_as(&a, "samarkand", Some("ats-9"));
    within_a_second("an upload on A, ranked on B", || {
        matching(&b, "samarkand") == 1
    });

    // B stops cleanly; the candidate is replaced (same seq, new text) and the feed pruned.
    drop(b);
    upload_as(&a, "ulaanbaatar", Some("ats-9"));
    let store = shortlist::store::open_store(dir_a.path(), Some(&url)).expect("the store opens");
    let everything = chrono::Utc::now() + chrono::Duration::seconds(1);
    assert!(store.prune_changes(everything).unwrap() >= 2);
    assert!(store.changes_after(0, 10).unwrap().is_empty());
    assert_eq!(store.prune_changes(everything).unwrap(), 0, "nothing left");

    let b = node(dir_b.path(), &url);
    assert_eq!(
        (matching(&b, "ulaanbaatar"), matching(&b, "samarkand")),
        (1, 0),
        "B rebuilt its index: the replacement's change was pruned"
    );
    assert!(b.readiness().is_ok());

    // A node that does not follow the feed, so that it falls behind: the candidate is replaced
    // again (same seq, so nothing but the change says so) and the change pruned.
    let open_c = || {
        Engine::open_with_store(
            shortlist::store::open_store(dir_c.path(), Some(&url)).expect("the store opens"),
            dir_c.path(),
            &common::repo_root().join("config/roles"),
            Limits::default(),
        )
        .expect("the node opens")
    };
    let c = open_c();
    upload_as(&a, "montevideo", Some("ats-9"));
    store
        .prune_changes(chrono::Utc::now() + chrono::Duration::seconds(1))
        .unwrap();
    c.apply_changes().unwrap();
    assert!(c.fell_behind_the_feed());
    let Err(shortlist::engine::NotReady(reason)) = c.readiness() else {
        panic!("a node that missed pruned changes is not ready");
    };
    assert!(reason.contains("restart"), "{reason}");
    assert_eq!(matching(&c, "montevideo"), 0, "the missed replacement");

    // Restarted (a clean shutdown, which vouches for nothing now): rebuilt, current, ready.
    drop(c);
    let c = open_c();
    assert_eq!(
        (matching(&c, "montevideo"), matching(&c, "ulaanbaatar")),
        (1, 0),
        "the restart rebuilt the index"
    );
    assert!(c.readiness().is_ok());
}

/// A run claimed by a node that then stops reporting (it died, or stalled) is taken over by
/// another node once its lease expires; the first node's late writes change nothing, so every
/// result is saved once and the run's end is recorded once.
#[test]
fn a_run_whose_node_stopped_is_taken_over_and_finished_once() {
    use shortlist::runs::{RunStatus, Selection};
    use shortlist::store::{NewRun, NewRunResult, PgStore, RunStore};

    let dir = tempfile::tempdir().unwrap();
    let Some(url) = shortlist::store::testing::test_database_url(dir.path()) else {
        eprintln!("skipping: run leases are PostgreSQL's (set SHORTLIST_TEST_DATABASE_URL)");
        return;
    };
    let lease = Duration::from_millis(300);
    let node = || {
        PgStore::open(&url)
            .expect("the store opens")
            .with_run_lease(lease)
    };
    let (a, b) = (node(), node());
    let result = |rank: u64| NewRunResult {
        rank,
        candidate_id: format!("candidate-{rank}"),
        external_id: None,
        score: 50.0,
        must_haves_met: true,
        requirements: "[]".into(),
    };
    a.insert_run(&NewRun {
        id: "run-1",
        role_id: "account-manager",
        selection: &Selection::All(true),
        created_by: "key_test",
        tenant: &Default::default(),
    })
    .unwrap();
    assert_eq!(a.claim_next_run().unwrap().unwrap().id, "run-1");
    a.save_run_results("run-1", &[result(1)]).unwrap();
    assert!(!a.record_run_progress("run-1", "ranking", 1, 2).unwrap());
    assert!(
        b.claim_next_run().unwrap().is_none(),
        "a run under a live lease is not taken"
    );

    // A reports nothing for longer than the lease: B takes the run over, from the start.
    std::thread::sleep(lease + Duration::from_millis(100));
    assert_eq!(b.claim_next_run().unwrap().unwrap().id, "run-1");
    assert_eq!(b.run_results_page("run-1", 0, 10).unwrap().0, 0);

    // A comes back late: told to stop, its results not saved, its end not recorded.
    assert!(a.record_run_progress("run-1", "ranking", 2, 2).unwrap());
    a.save_run_results("run-1", &[result(2)]).unwrap();
    assert!(!a.finish_run("run-1", RunStatus::Succeeded, None).unwrap());

    b.save_run_results("run-1", &[result(1), result(2)])
        .unwrap();
    assert!(!b.record_run_progress("run-1", "ranking", 2, 2).unwrap());
    assert!(b.finish_run("run-1", RunStatus::Succeeded, None).unwrap());
    let (total, results) = b.run_results_page("run-1", 0, 10).unwrap();
    let ranks: Vec<u64> = results.iter().map(|r| r.rank).collect();
    assert_eq!((total, ranks), (2, vec![1, 2]), "every result exactly once");
    assert_eq!(
        b.get_run("run-1").unwrap().unwrap().status,
        RunStatus::Succeeded
    );
    assert!(
        b.claim_next_run().unwrap().is_none(),
        "a finished run stays finished"
    );
}

/// The acceptance test as an operator would see it: two `shortlist serve` processes on one
/// PostgreSQL database. A subscription made through one node is heard of by the other; uploads
/// spread over both are rankable on both within a second; a deletion propagates; a node killed
/// with SIGKILL catches up when it starts again; a run started on A, A killed with SIGKILL
/// mid-run, is finished by B with every result exactly once; every webhook is delivered exactly
/// once per event, whichever node queued or sent it.
#[test]
fn two_node_processes_share_uploads_a_killed_nodes_run_and_webhooks() {
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let Some(url) = shortlist::store::testing::test_database_url(dir_a.path()) else {
        eprintln!("skipping: two nodes need PostgreSQL (set SHORTLIST_TEST_DATABASE_URL)");
        return;
    };
    let receiver = Receiver::start();
    // A two-second lease, so that B takes A's run over soon after A dies.
    let config = dir_a.path().join("node.toml");
    std::fs::write(
        &config,
        "webhook_allowed_hosts = [\"127.0.0.1\"]\nrun_lease_seconds = 2\n",
    )
    .unwrap();
    // A pauses between the pages of a run (debug builds only), so that it can be killed mid-way.
    let a = Node::start(dir_a.path(), &url, &config, Some(400));
    let b = Node::start(dir_b.path(), &url, &config, None);

    // Subscribed through A; B lists the subscription and sends its events too.
    let webhook: Value = http()
        .post(a.url("/v1/webhooks"))
        .json(&json!({
            "url": receiver.url,
            "secret": "whsec_two_nodes_secret",
            "events": ["candidate.parsed", "run.completed"],
        }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let webhook_id = webhook["id"].as_str().expect("the subscription").to_owned();
    let on_b: Value = http()
        .get(b.url("/v1/webhooks"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        on_b[0]["id"], webhook_id,
        "B lists A's subscription: {on_b}"
    );

    // Batches and single uploads spread over both nodes, each rankable on the other within 1 s.
    let mut expected = 0;
    for (round, (node, other)) in [(&a, &b), (&b, &a), (&a, &b), (&b, &a)].iter().enumerate() {
        let created = node.upload_batch(round * 60..(round + 1) * 60);
        expected += created.len();
        let took = within_a_second("a batch on one node, ranked on the other", || {
            other.total() == expected
        });
        eprintln!("a batch of 60 on one node was rankable on the other after {took:?}");
        node.upload_one(1000 + round);
        expected += 1;
        within_a_second("a single upload, ranked on the other node", || {
            other.total() == expected
        });
    }

    // A ranking's next page may come from either node: the cursor from A reads the same on B.
    let first = a.json("/v1/roles/account-manager/ranking?limit=10");
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let path = format!("/v1/roles/account-manager/ranking?limit=10&cursor={cursor}");
    let (on_a, on_b) = (a.json(&path), b.json(&path));
    assert_eq!(on_b["results"].as_array().map(Vec::len), Some(10), "{on_b}");
    let ids = |page: &Value| -> Vec<String> {
        page["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["candidate_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&on_a), ids(&on_b), "A's cursor pages the same on B");

    // Deleted through B: gone from A.
    let doomed = a.upload_one(2000);
    expected += 1;
    within_a_second("an upload on A, on B", || b.total() == expected);
    // Its event delivered first: erasing a candidate cancels the deliveries still queued about it.
    receiver.wait_for(expected, "the webhook of the candidate to delete");
    b.delete(&doomed);
    expected -= 1;
    within_a_second("a deletion on B, gone from A", || {
        a.total() == expected && a.status(&format!("/v1/candidates/{doomed}")) == 404
    });

    // B dies (once every delivery so far is recorded as sent: one it had claimed would wait
    // out the claim, two minutes, before A sent it); A takes uploads and a deletion meanwhile,
    // and sends their webhooks.
    a.wait_delivered(&webhook_id, expected + 1);
    b.kill();
    for i in 0..5 {
        a.upload_one(3000 + i);
    }
    let gone = a.upload_one(3100);
    expected += 5;
    let parsed = expected + 2; // every upload made, the two deleted ones included
    receiver.wait_for(parsed, "every candidate.parsed event");
    a.wait_delivered(&webhook_id, parsed);
    a.delete(&gone);

    // A run on A, killed with A after its first page.
    let run: Value = http()
        .post(a.url("/v1/runs"))
        .json(&json!({"role_id": "account-manager", "selection": {"all": true}}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let run_id = run["id"].as_str().expect("the run").to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let run = a.json(&format!("/v1/runs/{run_id}"));
        let done = run["progress"]["done"].as_u64().unwrap_or(0);
        let status = run["status"].as_str().unwrap_or_default();
        assert!(
            status == "processing" || (status == "enqueued" && done == 0),
            "A is mid-run before it is killed: {run}"
        );
        if done >= 100 {
            assert!(done < expected as u64, "{run}");
            break;
        }
        assert!(Instant::now() < deadline, "A never reported a page: {run}");
        std::thread::sleep(Duration::from_millis(20));
    }
    a.kill();
    // Killed mid-run: the database says so, before any node could take the run over.
    let (status, done) = run_row(&url, &run_id);
    assert_eq!(status, "processing");
    assert!((100..expected as i64).contains(&done), "{done} done");

    // B starts on its old data directory: it has caught up on what it missed, and takes the run
    // over once A's lease has run out.
    let b = Node::start(dir_b.path(), &url, &config, None);
    assert_eq!(
        b.total(),
        expected,
        "B caught up on the changes made while it was down"
    );
    assert_eq!(b.status(&format!("/v1/candidates/{gone}")), 404);
    let deadline = Instant::now() + Duration::from_secs(60);
    let run = loop {
        let run = b.json(&format!("/v1/runs/{run_id}"));
        if run["status"] != "processing" && run["status"] != "enqueued" {
            break run;
        }
        assert!(Instant::now() < deadline, "B never finished A's run: {run}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(run["status"], "succeeded", "{run}");
    let mut ranks = Vec::new();
    let mut candidates = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/runs/{run_id}/results?limit=100");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = b.json(&path);
        for result in page["results"].as_array().unwrap() {
            ranks.push(result["rank"].as_u64().unwrap());
            assert!(
                candidates.insert(result["candidate_id"].as_str().unwrap().to_owned()),
                "a candidate twice in the run's results"
            );
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        ranks,
        (1..=expected as u64).collect::<Vec<_>>(),
        "every result exactly once"
    );

    // Each event delivered once: the run's completion (sent by B) and every upload's parse.
    receiver.wait_for(parsed + 1, "the run's completion");
    std::thread::sleep(Duration::from_millis(600)); // room for a duplicate to show up
    let events = receiver.events();
    let ids: HashSet<&str> = events.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), events.len(), "an event delivered twice");
    let count = |kind: &str| events.iter().filter(|(_, t)| t == kind).count();
    assert_eq!(
        (count("candidate.parsed"), count("run.completed")),
        (parsed, 1)
    );
    let deliveries = b.json(&format!("/v1/webhooks/{webhook_id}/deliveries"));
    let deliveries = deliveries.as_array().expect("the deliveries");
    assert_eq!(deliveries.len(), parsed + 1);
    for delivery in deliveries {
        assert_eq!(
            (&delivery["status"], &delivery["attempts"]),
            (&json!("delivered"), &json!(1)),
            "{delivery}"
        );
    }
    b.kill();
}

/// The run's status and results done, read from the database itself (no node answers).
fn run_row(url: &str, run_id: &str) -> (String, i64) {
    let (url, run_id) = (url.to_owned(), run_id.to_owned());
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("the database");
        let row = client
            .query_one("SELECT status, done FROM runs WHERE id = $1", &[&run_id])
            .expect("the run's row");
        (row.get::<_, String>(0), row.get::<_, i64>(1))
    })
    .join()
    .unwrap()
}

/// A `shortlist serve` process on the test's database.
struct Node {
    child: std::process::Child,
    base: String,
}

impl Node {
    fn start(data_dir: &Path, url: &str, config: &Path, run_page_pause_ms: Option<u64>) -> Node {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_shortlist"));
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--config"])
            .arg(config)
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--database-url", url])
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null());
        if let Some(pause) = run_page_pause_ms {
            command.env("SHORTLIST_TEST_RUN_PAGE_PAUSE_MS", pause.to_string());
        }
        let mut node = Node {
            child: command.spawn().expect("the node starts"),
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !http()
            .get(node.url("/readyz"))
            .send()
            .is_ok_and(|response| response.status().is_success())
        {
            if let Some(status) = node.child.try_wait().unwrap() {
                panic!("the node exited at start-up: {status}");
            }
            assert!(Instant::now() < deadline, "the node did not become ready");
            std::thread::sleep(Duration::from_millis(25));
        }
        node
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn json(&self, path: &str) -> Value {
        http().get(self.url(path)).send().unwrap().json().unwrap()
    }

    fn status(&self, path: &str) -> u16 {
        http().get(self.url(path)).send().unwrap().status().as_u16()
    }

    /// How many candidates the node ranks for `account-manager`.
    fn total(&self) -> usize {
        let page = self.json("/v1/roles/account-manager/ranking?limit=1");
        page["total"].as_u64().unwrap_or_else(|| panic!("{page}")) as usize
    }

    /// Uploads `process_resume(i)` for each `i` as one batch; returns the created ids.
    fn upload_batch(&self, range: std::ops::Range<usize>) -> Vec<String> {
        let mut form = reqwest::blocking::multipart::Form::new();
        for i in range.clone() {
            form = form.part(
                "file",
                reqwest::blocking::multipart::Part::bytes(process_resume(i))
                    .file_name(format!("cv{i}.txt")),
            );
        }
        let summary: Value = http()
            .post(self.url("/v1/candidates/batch"))
            .multipart(form)
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(summary["created"], range.len(), "{summary}");
        summary["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_owned())
            .collect()
    }

    fn upload_one(&self, i: usize) -> String {
        let form = reqwest::blocking::multipart::Form::new().part(
            "file",
            reqwest::blocking::multipart::Part::bytes(process_resume(i))
                .file_name(format!("cv{i}.txt")),
        );
        let response = http()
            .post(self.url("/v1/candidates"))
            .multipart(form)
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    fn delete(&self, id: &str) {
        let response = http()
            .delete(self.url(&format!("/v1/candidates/{id}")))
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 204);
    }

    /// Waits (up to 30 s) until the subscription has `count` deliveries, each recorded as
    /// delivered.
    fn wait_delivered(&self, webhook_id: &str, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let deliveries = self.json(&format!("/v1/webhooks/{webhook_id}/deliveries"));
            let delivered = deliveries
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["status"] == "delivered")
                .count();
            if delivered >= count {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{delivered} of {count} deliveries recorded as delivered"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no shutdown, no last writes.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http() -> reqwest::blocking::Client {
    shortlist::tls::install_crypto();
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

fn process_resume(i: usize) -> Vec<u8> {
    format!(
        "Key Account Manager {i}\nExperience\n01/20{:02} to Current Key Account Manager\n\
         Acme Corp - Boston, MA\nManaged corporate accounts in Salesforce CRM, case {i}.\n",
        i % 15
    )
    .into_bytes()
}

/// A webhook receiver on a thread: records each request's event (body `id`, `type`) and
/// answers 200. HTTP/1.1 read by hand, one request per connection: enough for our sender.
struct Receiver {
    url: String,
    events: Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

impl Receiver {
    fn start() -> Receiver {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let events = Arc::new(std::sync::Mutex::new(Vec::new()));
        let recorded = Arc::clone(&events);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                let event: Value = serde_json::from_slice(&body).unwrap_or_default();
                recorded.lock().unwrap().push((
                    event["id"].as_str().unwrap_or_default().to_owned(),
                    event["type"].as_str().unwrap_or_default().to_owned(),
                ));
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            }
        });
        Receiver { url, events }
    }

    fn events(&self) -> Vec<(String, String)> {
        self.events.lock().unwrap().clone()
    }

    /// Waits (up to 30 s) until `count` events have arrived.
    fn wait_for(&self, count: usize, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.events().len() < count {
            assert!(
                Instant::now() < deadline,
                "{what}: {} of {count} webhooks arrived",
                self.events().len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
