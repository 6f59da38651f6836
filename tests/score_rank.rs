//! Ranking: scores are absolute (the pool never changes a candidate's score), ranking is
//! deterministic, and cursor pages never skip or repeat, even with candidates added in between.

use std::collections::HashSet;

use proptest::prelude::*;
use shortlist::role;
use shortlist::score::{self, Features, RankFilter, Scorer, SlotSet, synthetic};

fn scorer() -> Scorer {
    let role = role::shipped()
        .into_iter()
        .find(|r| r.id == "strategic-account-manager")
        .unwrap();
    Scorer::compile(&role).unwrap()
}

fn rank_all(
    scorer: &Scorer,
    features: &[Features],
    seqs: &[u64],
    live: &[bool],
    after: Option<(f32, u64)>,
    limit: usize,
) -> score::RankPage {
    let filter = RankFilter {
        live,
        tenant: None,
        memo: None,
        must_haves_only: false,
        min_score: None,
    };
    score::rank(scorer, features, seqs, &filter, after, limit)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_pool_never_changes_a_candidates_score(
        seed in any::<u64>(),
        candidate in 0u64..1000,
        others in proptest::collection::vec(0u64..1000, 0..40),
    ) {
        let scorer = scorer();
        let alone = scorer.score(&Features::from_profile(&synthetic::profile(seed, candidate)));
        let mut pool: Vec<u64> = others.clone();
        pool.push(candidate);
        let features: Vec<Features> = pool.iter().map(|&i| Features::from_profile(&synthetic::profile(seed, i))).collect();
        // Seqs 0..n; the candidate is the last one; rank everything.
        let seqs: Vec<u64> = (0..pool.len() as u64).collect();
        let live = vec![true; pool.len()];
        let page = rank_all(&scorer, &features, &seqs, &live, None, pool.len());
        let hit = page.hits.iter().find(|h| h.seq == pool.len() as u64 - 1).unwrap();
        prop_assert_eq!(hit.score, alone.score);
        prop_assert_eq!(hit.must_haves_met, alone.must_haves_met);
    }
}

#[test]
fn ranking_is_deterministic_and_ordered() {
    let scorer = scorer();
    let features = synthetic::features(7, 50_000);
    let seqs: Vec<u64> = (0..features.len() as u64).map(|i| i * 3 + 1).collect();
    let live: Vec<bool> = (0..features.len()).map(|i| i % 17 != 0).collect();
    let first = rank_all(&scorer, &features, &seqs, &live, None, 25);
    for _ in 0..3 {
        assert_eq!(rank_all(&scorer, &features, &seqs, &live, None, 25), first);
    }
    assert_eq!(first.total, live.iter().filter(|l| **l).count());
    assert!(
        first
            .hits
            .windows(2)
            .all(|w| w[0].score > w[1].score || (w[0].score == w[1].score && w[0].seq < w[1].seq))
    );
    // The top 25 are truly the best: no live candidate outside them beats the last.
    let last = first.hits.last().unwrap();
    let kept: HashSet<u64> = first.hits.iter().map(|h| h.seq).collect();
    for (slot, f) in features.iter().enumerate() {
        if !live[slot] || kept.contains(&seqs[slot]) {
            continue;
        }
        let s = scorer.score(f).score;
        assert!(s < last.score || (s == last.score && seqs[slot] > last.seq));
    }
    // Deleted slots never appear.
    assert!(first.hits.iter().all(|h| live[h.slot]));
}

#[test]
fn cursor_pages_never_skip_or_repeat_while_candidates_arrive() {
    let scorer = scorer();
    let mut features = synthetic::features(11, 3_000);
    let mut seqs: Vec<u64> = (0..features.len() as u64).collect();
    let mut live = vec![true; features.len()];
    let original: HashSet<u64> = seqs.iter().copied().collect();
    let mut seen = Vec::new();
    let mut after = None;
    let mut added = 0u64;
    loop {
        let page = rank_all(&scorer, &features, &seqs, &live, after, 97);
        if page.hits.is_empty() {
            break;
        }
        seen.extend(page.hits.iter().map(|h| h.seq));
        let last = page.hits.last().unwrap();
        after = Some((last.score, last.seq));
        // Between pages: 50 newcomers (some will rank above the cursor, some below) and a
        // deletion of a candidate already shown.
        for _ in 0..50 {
            let seq = 1_000_000 + added;
            features.push(Features::from_profile(&synthetic::profile(99, added)));
            seqs.push(seq);
            live.push(true);
            added += 1;
        }
        let shown_slot = seqs
            .iter()
            .position(|s| *s == seen[seen.len() / 2])
            .unwrap();
        live[shown_slot] = false;
    }
    let unique: HashSet<u64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "a candidate was repeated");
    for seq in &original {
        assert!(unique.contains(seq), "candidate {seq} was skipped");
    }
    // The order across pages is the ranking order.
    let score_of = |seq: u64| {
        let slot = seqs.iter().position(|s| *s == seq).unwrap();
        scorer.score(&features[slot]).score
    };
    for pair in seen.windows(2) {
        let (a, b) = (score_of(pair[0]), score_of(pair[1]));
        assert!(a > b || (a == b && pair[0] < pair[1]));
    }
}

#[test]
fn filters_must_haves_min_score_and_allowed_slots() {
    let scorer = scorer();
    let features = synthetic::features(5, 5_000);
    let seqs: Vec<u64> = (0..features.len() as u64).collect();
    let live = vec![true; features.len()];
    let filter = RankFilter {
        live: &live,
        tenant: None,
        memo: None,
        must_haves_only: true,
        min_score: Some(40.0),
    };
    let page = score::rank(&scorer, &features, &seqs, &filter, None, 10);
    let expected = features
        .iter()
        .map(|f| scorer.score(f))
        .filter(|s| s.must_haves_met && s.score >= 40.0)
        .count();
    assert_eq!(page.total, expected);
    assert!(
        page.hits
            .iter()
            .all(|h| h.must_haves_met && h.score >= 40.0)
    );

    let allowed: SlotSet = (0..features.len()).filter(|s| s % 3 == 0).collect();
    let no_filter = RankFilter {
        live: &live,
        tenant: None,
        memo: None,
        must_haves_only: false,
        min_score: None,
    };
    let page = score::rank_in(
        &scorer,
        &features,
        &seqs,
        &no_filter,
        Some(&allowed),
        None,
        10,
    );
    assert_eq!(page.total, allowed.len());
    assert!(page.hits.iter().all(|h| h.slot % 3 == 0));
}

/// A varied text resume: years, kind of selling, degree and CRM differ with `n`.
fn varied_resume(n: usize) -> Vec<u8> {
    let start = 2000 + n % 22;
    let title = [
        "Key Account Manager",
        "Sales Representative",
        "Account Executive",
        "Sales Manager",
    ][n % 4];
    let market = if n.is_multiple_of(3) {
        "corporate B2B clients"
    } else {
        "retail customers"
    };
    let degree = if n.is_multiple_of(2) {
        "Education\nBachelor of Science : Business Administration , 1999\nState University\n"
    } else {
        ""
    };
    let crm = if n.is_multiple_of(5) {
        " using Salesforce CRM"
    } else {
        ""
    };
    format!(
        "Candidate {n}\nSummary\nSeller number {n}.\nExperience\n01/{start} to Current {title}\n\
         Company Name - City , State\nManaged accounts for {market}{crm} and led a team of {} \
         people; travel to clients weekly.\n{degree}",
        n % 7
    )
    .into_bytes()
}

/// The engine remembers a stored role's scores between rankings (src/engine/memo.rs) and
/// brings them forward as the pool changes; an unsaved copy of the same role is always scored
/// afresh. The two must rank alike after uploads, replacements, deletions and a changed role.
#[test]
fn a_remembered_ranking_equals_a_fresh_one_as_the_pool_and_the_role_change() {
    use shortlist::engine::{Engine, RankQuery, Upload};
    let dir = tempfile::tempdir().unwrap();
    let roles = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/roles");
    let engine = Engine::open(dir.path(), &roles, shortlist::extract::Limits::default()).unwrap();
    let upload = |range: std::ops::Range<usize>, external: bool| {
        let files: Vec<(Vec<u8>, String)> = range
            .map(|n| (varied_resume(n), format!("ext-{}", n % 40)))
            .collect();
        let uploads: Vec<Upload<'_>> = files
            .iter()
            .map(|(bytes, external_id)| Upload {
                bytes,
                file_name: Some("cv.txt"),
                external_id: external.then_some(external_id.as_str()),
                document_date: None,
                batch_id: None,
                tenant: Default::default(),
            })
            .collect();
        for outcome in engine.ingest_batch(&uploads).unwrap() {
            outcome.unwrap();
        }
    };
    let query = RankQuery {
        limit: 100,
        ..RankQuery::default()
    };
    let same = |role_id: &str, moment: &str| {
        let stored = engine.rank(role_id, &query).unwrap();
        let fresh = engine
            .rank_unsaved(&engine.role(role_id).unwrap(), &query)
            .unwrap();
        let view = |page: &shortlist::engine::RankingPage| -> Vec<(String, String, bool)> {
            page.results
                .iter()
                .map(|r| {
                    (
                        r.candidate_id.to_string(),
                        format!("{:.2}", r.score),
                        r.must_haves_met,
                    )
                })
                .collect()
        };
        assert_eq!(stored.total, fresh.total, "{moment}");
        assert_eq!(view(&stored), view(&fresh), "{moment}");
        assert!(!stored.results.is_empty(), "{moment}");
    };
    // A role without keyword requirements, so that its stored rankings are remembered.
    let role = engine.role("account-manager").unwrap();
    assert_eq!(Scorer::compile(&role).unwrap().queries().count(), 0);
    upload(0..30, true);
    same("account-manager", "first ranking");
    same("account-manager", "remembered");
    upload(30..60, true); // ext-30.. new, then ext-0..19 replaced by other resumes
    upload(60..75, false);
    same("account-manager", "after uploads and replacements");
    let victims: Vec<String> = engine.rank("account-manager", &query).unwrap().results[..5]
        .iter()
        .map(|r| r.candidate_id.to_string())
        .collect();
    for id in victims {
        engine
            .delete_candidate(shortlist::ids::CandidateId::parse(&id).unwrap())
            .unwrap();
    }
    same("account-manager", "after deletions");
    let mut role = engine.role("account-manager").unwrap();
    role.requirements[0].weight *= 3.0;
    engine.put_role(&role.id.clone(), role).unwrap();
    same("account-manager", "after the role changed");
    same("strategic-account-manager", "another role");
}

/// At start-up the pool is read from the store's small `pool` rows when they are in the
/// running features format, and rebuilt from the stored profiles when they are not: both give
/// the ranking the candidates had before the restart.
#[test]
fn a_restart_ranks_alike_from_the_pool_rows_and_from_the_profiles() {
    use shortlist::engine::{Engine, RankQuery, Upload};
    let dir = tempfile::tempdir().unwrap();
    let roles = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/roles");
    let open = || Engine::open(dir.path(), &roles, shortlist::extract::Limits::default()).unwrap();
    let query = RankQuery {
        limit: 100,
        ..RankQuery::default()
    };
    let ranking = |engine: &Engine| -> Vec<(String, String)> {
        engine
            .rank("strategic-account-manager", &query)
            .unwrap()
            .results
            .iter()
            .map(|r| (r.candidate_id.to_string(), format!("{:.2}", r.score)))
            .collect()
    };
    let before = {
        let engine = open();
        let files: Vec<Vec<u8>> = (0..40).map(varied_resume).collect();
        let uploads: Vec<Upload<'_>> = files
            .iter()
            .map(|bytes| Upload {
                bytes,
                file_name: Some("cv.txt"),
                external_id: None,
                document_date: None,
                batch_id: None,
                tenant: Default::default(),
            })
            .collect();
        for outcome in engine.ingest_batch(&uploads).unwrap() {
            outcome.unwrap();
        }
        ranking(&engine)
    };
    assert_eq!(before.len(), 40);
    let engine = open();
    assert_eq!(ranking(&engine), before, "from the pool rows");
    engine
        .store()
        .set_meta("pool_format", "an older format")
        .unwrap();
    drop(engine);
    let engine = open();
    assert_eq!(ranking(&engine), before, "rebuilt from the profiles");
    assert_eq!(
        engine.store().get_meta("pool_format").unwrap(),
        Some(Features::format()),
        "the rebuilt rows are recorded in the current format"
    );
    drop(engine);

    // A program that knows nothing of the pool rows (an older release run on this directory)
    // changes a candidate's profile behind their back: the next start must not rank on the
    // old features.
    {
        let db = rusqlite::Connection::open(dir.path().join("shortlist.sqlite3")).unwrap();
        let changed = db
            .execute(
                "UPDATE candidates SET profile = (SELECT profile FROM candidates
                     WHERE seq = (SELECT MIN(seq) FROM candidates))
                 WHERE seq = (SELECT MAX(seq) FROM candidates)",
                [],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }
    let after_update = ranking(&open());
    assert_ne!(
        after_update, before,
        "the changed profile moves its candidate"
    );
    let engine = open();
    engine
        .store()
        .set_meta("pool_format", "an older format")
        .unwrap();
    drop(engine);
    assert_eq!(
        after_update,
        ranking(&open()),
        "ranked as if rebuilt from every profile"
    );
}
