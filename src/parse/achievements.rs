//! Sales achievements: quota attainment ("132% of quota", "exceeded quota by 20%") and revenue
//! figures ("$2.5M in new business"), each with its words.

use crate::profile::{Achievement, Evidence};
use regex::Regex;

#[derive(Debug, Clone)]
pub struct AchievementReader {
    attainment: Regex,
    attainment_after: Regex,
    exceeded: Regex,
    revenue: Regex,
}

impl Default for AchievementReader {
    fn default() -> Self {
        Self::new()
    }
}

fn number(text: &str) -> Option<f64> {
    text.replace(',', "").parse().ok()
}

impl AchievementReader {
    pub fn new() -> Self {
        let compile = super::compile_ascii_words;
        Self {
            attainment: compile(
                r"(?i)(?P<pct>\d{2,3}(?:\.\d+)?)\s?%\s+(?:of\s+)?(?:(?:my|the|his|her|annual|monthly|quarterly|yearly|sales|revenue|assigned|territory|team)\s+){0,3}(?:quota|goal|target|plan)s?\b",
            ),
            attainment_after: compile(
                r"(?i)\b(?:quota|goal|target)s?\s+(?:attainment|achievement)\s+(?:of\s+)?(?P<pct>\d{2,3}(?:\.\d+)?)\s?%",
            ),
            exceeded: compile(
                r"(?i)\b(?:exceed|surpass|beat|outperform)\w*\s+(?:\w+\s+){0,4}?(?:quota|goal|target|plan)s?\s+by\s+(?P<pct>\d{1,3}(?:\.\d+)?)\s?%",
            ),
            revenue: compile(
                r"(?i)\$\s?(?P<amount>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?P<unit>k|m|mm|b|bn|million|billion|thousand)?\b[^.\n]{0,40}?\b(?:in\s+)?(?:sales|revenue|revenues|bookings|new\s+business|business|contracts?|deals?|pipeline|accounts?|portfolio|territory|book\s+of\s+business)\b",
            ),
        }
    }

    pub fn read(&self, text: &str, page_of: impl Fn(usize) -> u32 + Copy) -> Vec<Achievement> {
        let mut found = Vec::new();
        let evidence = |start: usize, end: usize| {
            Evidence::new(
                text.get(start..end).unwrap_or("").trim(),
                Some(page_of(start)),
            )
        };
        // The three quota patterns need a '%' and the revenue pattern a '$': a byte scan spares
        // the texts without them (most resumes) four regex searches over the whole text.
        let has_percent = text.as_bytes().contains(&b'%');
        let has_dollar = text.as_bytes().contains(&b'$');
        let quota_patterns = [
            ("quota_attainment", &self.attainment),
            ("quota_attainment", &self.attainment_after),
            ("quota_exceeded", &self.exceeded),
        ];
        for (kind, re) in quota_patterns.into_iter().filter(|_| has_percent) {
            for caps in re.captures_iter(text) {
                let (Some(whole), Some(value)) = (
                    caps.get(0),
                    caps.name("pct").and_then(|m| number(m.as_str())),
                ) else {
                    continue;
                };
                found.push(Achievement {
                    kind: kind.to_owned(),
                    value,
                    evidence: evidence(whole.start(), whole.end()),
                });
            }
        }
        let revenue = has_dollar.then(|| self.revenue.captures_iter(text));
        for caps in revenue.into_iter().flatten() {
            let (Some(whole), Some(amount)) = (
                caps.get(0),
                caps.name("amount").and_then(|m| number(m.as_str())),
            ) else {
                continue;
            };
            let multiplier = match caps
                .name("unit")
                .map(|m| m.as_str().to_lowercase())
                .as_deref()
            {
                Some("k" | "thousand") => 1e3,
                Some("m" | "mm" | "million") => 1e6,
                Some("b" | "bn" | "billion") => 1e9,
                _ => 1.0,
            };
            found.push(Achievement {
                kind: "revenue".to_owned(),
                value: amount * multiplier,
                evidence: evidence(whole.start(), whole.end()),
            });
        }
        found.sort_by_key(|a| a.evidence.text.len());
        found.dedup_by(|a, b| a.evidence.text == b.evidence.text);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quota_and_revenue() {
        let reader = AchievementReader::new();
        let found = reader.read(
            "Achieved 132% of annual quota. Exceeded sales goals by 20%. Generated $2.5M in new business.",
            |_| 1,
        );
        let kinds: Vec<(&str, f64)> = found.iter().map(|a| (a.kind.as_str(), a.value)).collect();
        assert!(kinds.contains(&("quota_attainment", 132.0)), "{kinds:?}");
        assert!(kinds.contains(&("quota_exceeded", 20.0)), "{kinds:?}");
        assert!(kinds.contains(&("revenue", 2_500_000.0)), "{kinds:?}");
    }
}
