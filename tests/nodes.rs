//! Two nodes on one PostgreSQL database (CI's PostgreSQL pass): a candidate stored through one
//! is rankable, keyword filter included, on the other within a second; a deletion is gone from
//! the other within a second; a node that was down catches up when it starts. On SQLite (no
//! shared store) the test says it skips; with `SHORTLIST_REQUIRE_POSTGRES=1` it fails instead.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
