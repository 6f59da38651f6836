//! The timeline: how many months a position spans, and overlap-merged months in total and per
//! category (two jobs held at once count once), plus the gaps between jobs.
//!
//! Month convention: a position is the half-open interval [start month, end month), so
//! "01/2010 to 01/2011" is 12 months and an open-ended position runs to the month of the
//! document date (the contract's example: 2010-01 to a document of 2021-08-08 is 139 months).
//! Year-only dates count as January: "2015-2018" is 36 months (Jan 2015 to Jan 2018). A position
//! that starts and ends in the same month counts one month; one that starts and ends in the same
//! year-only year ("2018 - 2018", or the single date "2018") counts twelve. End dates after the
//! document date are cut at the document date. A range written backwards ("09/2008 to 04/2005")
//! counts the months between its dates.

use crate::profile::{Gap, PartialDate};

/// A half-open month interval, in months since year 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MonthSpan {
    pub start: i32,
    pub end: i32,
}

impl MonthSpan {
    pub fn months(self) -> u32 {
        u32::try_from(self.end - self.start).unwrap_or(0)
    }
}

/// The month index of a calendar date.
pub fn month_of(date: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    date.year() * 12 + date.month0() as i32
}

/// The span a position covers, or `None` when it has no start. A range written backwards
/// ("09/2008 to 04/2005") covers the months between its dates.
/// `end: None` with `current` runs to `document_month`; `end: None` without `current` is a
/// single date.
pub fn position_span(
    start: Option<PartialDate>,
    end: Option<PartialDate>,
    current: bool,
    document_month: i32,
) -> Option<MonthSpan> {
    let start_date = start?;
    let begin = start_date.month_index(1);
    let finish = match (end, current) {
        (_, true) => document_month,
        (Some(end_date), false) => {
            if end_date.month.is_none() && end_date.year == start_date.year {
                begin + 12
            } else {
                end_date.month_index(1)
            }
        }
        (None, false) if start_date.month.is_none() => begin + 12,
        (None, false) => begin + 1,
    };
    let (begin, finish) = (begin.min(finish), begin.max(finish));
    let finish = finish.min(document_month.max(begin + 1));
    Some(MonthSpan {
        start: begin,
        end: finish.max(begin + 1),
    })
}

/// Spans sorted and merged: overlapping or touching spans become one.
pub fn merge(spans: &[MonthSpan]) -> Vec<MonthSpan> {
    let mut sorted: Vec<MonthSpan> = spans.iter().copied().filter(|s| s.end > s.start).collect();
    sorted.sort_unstable();
    let mut merged: Vec<MonthSpan> = Vec::with_capacity(sorted.len());
    for span in sorted {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

/// Months covered by at least one span.
pub fn merged_months(spans: &[MonthSpan]) -> u32 {
    merge(spans).iter().map(|span| span.months()).sum()
}

fn date_of(index: i32) -> Option<PartialDate> {
    let year = u16::try_from(index.div_euclid(12)).ok()?;
    PartialDate::month(year, u8::try_from(index.rem_euclid(12) + 1).ok()?)
}

/// Gaps of at least `min_months` between merged spans.
pub fn gaps(spans: &[MonthSpan], min_months: u32) -> Vec<Gap> {
    merge(spans)
        .windows(2)
        .filter_map(|pair| {
            let [before, after] = pair else { return None };
            let months = u32::try_from(after.start - before.end).ok()?;
            if months < min_months {
                return None;
            }
            Some(Gap {
                start: date_of(before.end)?,
                end: date_of(after.start)?,
                months,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ym(year: u16, month: u8) -> Option<PartialDate> {
        PartialDate::month(year, month)
    }

    const AUG_2021: i32 = 2021 * 12 + 7;

    #[test]
    fn follows_the_month_convention() {
        let span = |s, e, c| position_span(s, e, c, AUG_2021).map(MonthSpan::months);
        assert_eq!(span(ym(2010, 1), None, true), Some(139));
        assert_eq!(span(ym(2012, 9), ym(2014, 7), false), Some(22));
        let y = |year| Some(PartialDate::year(year));
        assert_eq!(span(y(2015), y(2018), false), Some(36));
        assert_eq!(span(y(2018), y(2018), false), Some(12));
        assert_eq!(span(y(2018), None, false), Some(12));
        assert_eq!(span(ym(2019, 3), ym(2019, 3), false), Some(1));
        // A range written backwards counts the months between its dates.
        assert_eq!(span(ym(2019, 3), ym(2018, 3), false), Some(12));
        // An end after the document date is cut at the document date.
        assert_eq!(span(ym(2021, 1), ym(2023, 1), false), Some(7));
    }

    #[test]
    fn two_jobs_at_once_count_once() {
        let a = MonthSpan { start: 0, end: 24 };
        let b = MonthSpan { start: 12, end: 36 };
        assert_eq!(merged_months(&[a, b]), 36);
        let gap = gaps(&[a, MonthSpan { start: 30, end: 40 }], 1);
        assert_eq!(gap.len(), 1);
        assert_eq!(gap[0].months, 6);
    }

    fn spans() -> impl Strategy<Value = Vec<MonthSpan>> {
        prop::collection::vec(
            (23_000i32..24_300, 0i32..200).prop_map(|(start, len)| MonthSpan {
                start,
                end: start + len,
            }),
            0..12,
        )
    }

    proptest! {
        #[test]
        fn merged_is_between_the_longest_and_the_sum(spans in spans()) {
            let merged = merged_months(&spans);
            let sum: u32 = spans.iter().map(|s| s.months()).sum();
            let longest = spans.iter().map(|s| s.months()).max().unwrap_or(0);
            prop_assert!(merged <= sum);
            prop_assert!(merged >= longest);
        }

        #[test]
        fn order_does_not_matter(mut spans in spans()) {
            let before = merged_months(&spans);
            spans.reverse();
            prop_assert_eq!(before, merged_months(&spans));
            spans.sort_by_key(|s| s.end);
            prop_assert_eq!(before, merged_months(&spans));
        }

        #[test]
        fn a_duplicate_never_adds_months(spans in spans()) {
            let before = merged_months(&spans);
            let mut doubled = spans.clone();
            doubled.extend(spans.iter().copied());
            prop_assert_eq!(before, merged_months(&doubled));
        }

        #[test]
        fn merged_spans_are_disjoint_and_sorted(spans in spans()) {
            let merged = merge(&spans);
            for pair in merged.windows(2) {
                prop_assert!(pair[0].end < pair[1].start);
            }
        }
    }
}
