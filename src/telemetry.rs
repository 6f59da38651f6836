//! Timings of the engine's work (parsing an upload, ranking), kept for `GET /metrics`.
//!
//! Process-wide statics rather than engine fields: the engine stays free of any notion of a
//! scrape, and a process serves one engine (tests that start several servers in one process see
//! the sum, which only ever makes the figures move).

use std::sync::OnceLock;
use std::time::Duration;

use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

/// The engine's histograms; cloning one shares it (prometheus-client metrics are handles).
pub struct EngineTimings {
    /// Extraction and parsing of one upload, seconds.
    pub parse: Histogram,
    /// One ranking page (scoring pass and explanations), seconds.
    pub rank: Histogram,
}

/// 1 ms to about 33 s: a plain text resume parses in milliseconds, a hostile PDF is cut off
/// at the time budget (10 s by default).
fn buckets() -> impl Iterator<Item = f64> {
    exponential_buckets(0.001, 2.0, 16)
}

pub fn engine_timings() -> &'static EngineTimings {
    static TIMINGS: OnceLock<EngineTimings> = OnceLock::new();
    TIMINGS.get_or_init(|| EngineTimings {
        parse: Histogram::new(buckets()),
        rank: Histogram::new(buckets()),
    })
}

pub fn observe(histogram: &Histogram, elapsed: Duration) {
    histogram.observe(elapsed.as_secs_f64());
}

/// Observes the time from its creation to its drop into a histogram: the whole of a call,
/// whichever way it returns.
pub struct Timer<'a> {
    histogram: &'a Histogram,
    started: std::time::Instant,
}

impl<'a> Timer<'a> {
    pub fn start(histogram: &'a Histogram) -> Self {
        Self {
            histogram,
            started: std::time::Instant::now(),
        }
    }
}

impl Drop for Timer<'_> {
    fn drop(&mut self) {
        observe(self.histogram, self.started.elapsed());
    }
}
