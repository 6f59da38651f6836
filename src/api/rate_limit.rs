//! Per-key request budgets (token buckets) and the count of wrong keys per client address.
//!
//! Hand-written rather than `governor`: the `RateLimit-Remaining` and `RateLimit-Reset` headers
//! need the bucket's level, which governor's GCRA state does not expose, and a bucket is a few
//! lines of arithmetic under a mutex held for nanoseconds.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitSettings {
    /// Requests per second a key (or client address) may make on average; 0: no limit.
    pub per_second: u32,
    /// Requests it may make at once above the average (the bucket's size).
    pub burst: u32,
    /// Wrong keys a client address may present within `auth_failure_window`; 0: no limit.
    pub auth_failure_limit: u32,
    pub auth_failure_window: Duration,
}

impl Default for RateLimitSettings {
    /// The compiled-in defaults of `config/default.toml`: far above what a person or the test
    /// suite sends, low enough that a flood of thousands of requests meets 429s.
    fn default() -> Self {
        Self {
            per_second: 1000,
            burst: 2000,
            auth_failure_limit: 20,
            auth_failure_window: Duration::from_secs(300),
        }
    }
}

/// What a request's bucket said: whether it may go on, and the `RateLimit-*` header values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    /// The bucket's size (`RateLimit-Limit`).
    pub limit: u32,
    /// Requests left now (`RateLimit-Remaining`).
    pub remaining: u32,
    /// Seconds until the bucket is full again (`RateLimit-Reset`).
    pub reset: u64,
    /// Seconds until one request is allowed again (`Retry-After`), when refused.
    pub retry_after: u64,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Buckets kept before idle ones are dropped: an idle bucket is full, so dropping it changes
/// nothing, and the map cannot grow with the number of client addresses ever seen.
const PRUNE_ABOVE: usize = 10_000;

/// One token bucket per caller (a key id, or a client address without keys).
pub struct Buckets {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Buckets {
    /// `None` when the limit is off.
    pub fn new(settings: &RateLimitSettings) -> Option<Buckets> {
        (settings.per_second > 0).then(|| Buckets {
            rate: f64::from(settings.per_second),
            burst: f64::from(settings.burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Takes one request from `caller`'s bucket, if it has one left.
    pub fn take(&self, caller: &str, now: Instant) -> Verdict {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > PRUNE_ABOVE && !buckets.contains_key(caller) {
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, bucket| {
                bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * rate < burst
            });
        }
        let bucket = buckets.entry(caller.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.updated = now;
        let allowed = bucket.tokens >= 1.0;
        if allowed {
            bucket.tokens -= 1.0;
        }
        let seconds = |tokens_missing: f64| (tokens_missing.max(0.0) / self.rate).ceil() as u64;
        Verdict {
            allowed,
            limit: self.burst as u32,
            remaining: bucket.tokens.floor() as u32,
            reset: seconds(self.burst - bucket.tokens),
            retry_after: seconds(1.0 - bucket.tokens).max(1),
        }
    }
}

/// Wrong keys per client address, in a fixed window from the first one: past the limit the
/// address gets 429 for the rest of the window, whatever key it sends, so that guessing keys
/// costs a window per few guesses. Other addresses, and their valid keys, are unaffected.
pub struct Failures {
    limit: u32,
    window: Duration,
    seen: Mutex<Seen>,
}

/// Wrong keys by client network, and when expired entries were last dropped.
#[derive(Default)]
struct Seen {
    by_network: HashMap<IpAddr, (u32, Instant)>,
    pruned: Option<Instant>,
}

/// Networks tracked at most: past this (after dropping expired ones), a new network's wrong
/// keys are not counted, so that memory stays bounded whatever an attacker sends from.
const MAX_NETWORKS: usize = 100_000;

/// The network a client address is counted under: the address itself for IPv4, its /64 for
/// IPv6, since one IPv6 host commonly holds a whole /64 and could rotate through it.
pub fn network(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(std::net::Ipv6Addr::from(bits))
            }
        },
    }
}

impl Failures {
    pub fn new(settings: &RateLimitSettings) -> Option<Failures> {
        (settings.auth_failure_limit > 0).then(|| Failures {
            limit: settings.auth_failure_limit,
            window: settings.auth_failure_window,
            seen: Mutex::new(Seen::default()),
        })
    }

    /// Seconds until `address` may try again, when it has used up its wrong keys.
    pub fn blocked(&self, address: IpAddr, now: Instant) -> Option<u64> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let &(count, started) = seen.by_network.get(&network(address))?;
        let ends = started + self.window;
        (count >= self.limit && now < ends)
            .then(|| ends.duration_since(now).as_secs_f64().ceil().max(1.0) as u64)
    }

    pub fn record(&self, address: IpAddr, now: Instant) {
        let address = network(address);
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let Seen { by_network, pruned } = &mut *seen;
        if by_network.len() > PRUNE_ABOVE && !by_network.contains_key(&address) {
            // At most once a second: a flood of new networks must not buy a full scan each.
            if pruned.is_none_or(|at| now.saturating_duration_since(at) >= Duration::from_secs(1)) {
                let window = self.window;
                by_network.retain(|_, (_, started)| now.duration_since(*started) < window);
                *pruned = Some(now);
            }
            if by_network.len() >= MAX_NETWORKS {
                return;
            }
        }
        let entry = by_network.entry(address).or_insert((0, now));
        if now.duration_since(entry.1) >= self.window {
            *entry = (0, now);
        }
        entry.0 = entry.0.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(per_second: u32, burst: u32) -> RateLimitSettings {
        RateLimitSettings {
            per_second,
            burst,
            auth_failure_limit: 3,
            auth_failure_window: Duration::from_secs(60),
        }
    }

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_the_rate() {
        let buckets = Buckets::new(&settings(2, 3)).unwrap();
        let start = Instant::now();
        for left in [2, 1, 0] {
            let verdict = buckets.take("k", start);
            assert!(verdict.allowed);
            assert_eq!(verdict.remaining, left);
            assert_eq!(verdict.limit, 3);
        }
        let refused = buckets.take("k", start);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after, 1);
        assert_eq!(refused.reset, 2, "3 tokens at 2 per second");
        // Another caller has its own bucket.
        assert!(buckets.take("other", start).allowed);
        // Half a second later one token is back.
        assert!(
            buckets
                .take("k", start + Duration::from_millis(500))
                .allowed
        );
        assert!(
            !buckets
                .take("k", start + Duration::from_millis(500))
                .allowed
        );
        assert!(Buckets::new(&settings(0, 3)).is_none());
    }

    #[test]
    fn wrong_keys_block_their_address_for_the_window_only() {
        let failures = Failures::new(&settings(1, 1)).unwrap();
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(failures.blocked(a, start), None);
            failures.record(a, start);
        }
        assert_eq!(failures.blocked(a, start), Some(60));
        assert_eq!(failures.blocked(b, start), None);
        assert_eq!(failures.blocked(a, start + Duration::from_secs(60)), None);
        failures.record(a, start + Duration::from_secs(61));
        assert_eq!(failures.blocked(a, start + Duration::from_secs(61)), None);
    }

    #[test]
    fn an_ipv6_host_cannot_rotate_through_its_64_to_escape_the_lock_out() {
        let failures = Failures::new(&settings(1, 1)).unwrap();
        let start = Instant::now();
        for host in 1..=3u16 {
            let address: IpAddr = format!("2001:db8:1:2::{host:x}").parse().unwrap();
            failures.record(address, start);
        }
        let neighbour: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(failures.blocked(neighbour, start), Some(60), "same /64");
        let elsewhere: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(failures.blocked(elsewhere, start), None, "another /64");
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(network(mapped), "10.0.0.1".parse::<IpAddr>().unwrap());
    }
}
