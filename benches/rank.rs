//! Ranking speed: the median time to rank 100k and 1M synthetic candidates against a role with
//! eight requirements (top 20), and the memory each candidate's features take.
//!
//! Run: `cargo bench --bench rank` (release build). Targets on a 2-core machine: ≤ 10 ms at
//! 100k, ≤ 100 ms at 1M.

use std::time::{Duration, Instant};

use shortlist::role::Role;
use shortlist::score::{self, Features, RankFilter, Scorer, synthetic};

const ROLE: &str = r#"
id = "bench"
title = "Eight requirements"

[[requirements]]
id = "account-management"
kind = "experience"
category = "account_management"
min_years = 3
weight = 3
must_have = true

[[requirements]]
id = "b2b"
kind = "any_of"
weight = 3
[[requirements.alternatives]]
id = "b2b-years"
kind = "experience"
category = "b2b_sales"
min_years = 6
[[requirements.alternatives]]
id = "sales-years"
kind = "experience"
category = "sales"
min_years = 8

[[requirements]]
id = "people"
kind = "experience"
category = "people_management"
min_years = 2
weight = 1

[[requirements]]
id = "crm"
kind = "skill"
any_of = ["group:crm"]
weight = 2

[[requirements]]
id = "excel"
kind = "skill"
any_of = ["Microsoft Excel"]
min_months = 24
weight = 1

[[requirements]]
id = "degree"
kind = "degree"
min_level = "bachelor"
fields = ["Business Administration", "Sales"]
weight = 1.5

[[requirements]]
id = "travel"
kind = "travel"
weight = 1

[[requirements]]
id = "language"
kind = "language"
any_of = ["Spanish", "French"]
weight = 0.5
"#;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time_rank(
    scorer: &Scorer,
    features: &[Features],
    seqs: &[u64],
    live: &[bool],
    must_haves_only: bool,
    after: Option<(f32, u64)>,
) -> (Duration, score::RankPage) {
    let filter = RankFilter {
        live,
        tenant: None,
        memo: None,
        must_haves_only,
        min_score: None,
    };
    let mut samples = Vec::new();
    let mut page = None;
    for _ in 0..21 {
        let started = Instant::now();
        let result = score::rank(scorer, features, seqs, &filter, after, 20);
        samples.push(started.elapsed());
        page = Some(result);
    }
    (median(samples), page.expect("ran at least once"))
}

fn main() {
    let role = Role::from_toml(ROLE).expect("the bench role parses");
    let scorer = Scorer::compile(&role).expect("the bench role compiles");
    println!(
        "features per candidate: {} bytes (size_of::<Features>())",
        std::mem::size_of::<Features>()
    );
    println!("threads: {}", rayon::current_num_threads());
    let started = Instant::now();
    let all = synthetic::features(42, 1_000_000);
    println!(
        "built 1M synthetic features in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    for n in [100_000usize, 1_000_000] {
        let features = &all[..n];
        let seqs: Vec<u64> = (0..n as u64).collect();
        let live = vec![true; n];
        let (first, page) = time_rank(&scorer, features, &seqs, &live, false, None);
        let last = page.hits.last().map(|h| (h.score, h.seq));
        let (next, _) = time_rank(&scorer, features, &seqs, &live, false, last);
        let (must, must_page) = time_rank(&scorer, features, &seqs, &live, true, None);
        println!(
            "{n:>9} candidates: top 20 in {:.2} ms (median of 21); page 2 via cursor {:.2} ms; \
             must-haves only {:.2} ms ({} of {} pass); best score {:.2}",
            first.as_secs_f64() * 1e3,
            next.as_secs_f64() * 1e3,
            must.as_secs_f64() * 1e3,
            must_page.total,
            page.total,
            page.hits.first().map_or(0.0, |h| h.score),
        );
    }
}
