//! Property tests for date-range parsing: every written form of a random range reads back as
//! that range, with its precision, and the months of a position follow the timeline convention.

use proptest::prelude::*;
use shortlist::parse::dates::DateParser;
use shortlist::parse::timeline::position_span;
use shortlist::profile::PartialDate;

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

fn month_name(style: usize, month: u8) -> String {
    let index = usize::from(month - 1);
    match style {
        0 => MONTHS_EN[index].to_owned(),
        1 => MONTHS_EN[index][..3].to_owned(),
        2 => MONTHS_DE[index].to_owned(),
        3 => MONTHS_FR[index].to_owned(),
        _ => MONTHS_ES[index].to_owned(),
    }
}

/// A written month date in one of the styles resumes use.
fn write(style: usize, year: u16, month: u8) -> String {
    match style {
        0..=4 => format!("{} {year}", month_name(style, month)),
        5 => format!("{month:02}/{year}"),
        6 => format!("{month}/{year}"),
        _ => format!("{year}-{month:02}"),
    }
}

fn ordered_months() -> impl Strategy<Value = ((u16, u8), (u16, u8))> {
    ((1960u16..2030, 1u8..=12), (0u16..30, 0u8..12)).prop_map(|((y, m), (dy, dm))| {
        let start = (y, m);
        let total = i32::from(y) * 12 + i32::from(m - 1) + i32::from(dy) * 12 + i32::from(dm);
        let end = ((total / 12) as u16, (total % 12 + 1) as u8);
        (start, end)
    })
}

proptest! {
    #[test]
    fn every_written_range_reads_back(
        ((sy, sm), (ey, em)) in ordered_months(),
        style in 0usize..8,
        separator in prop::sample::select(vec![" to ", " - ", " – ", "-", " — ", " － ", " until "]),
    ) {
        prop_assume!(ey < 2050);
        let text = format!("Sales Manager {}{separator}{} Company Name", write(style, sy, sm), write(style, ey, em));
        let ranges = DateParser::new().ranges(&text, 2021);
        prop_assert_eq!(ranges.len(), 1, "{:?} gave {:?}", text, ranges);
        prop_assert_eq!(ranges[0].start, PartialDate::month(sy, sm).unwrap());
        prop_assert_eq!(ranges[0].end, PartialDate::month(ey, em));
        prop_assert!(!ranges[0].current);
    }

    #[test]
    fn open_ranges_are_current(
        (sy, sm) in (1960u16..2021, 1u8..=12),
        style in 0usize..8,
        present in prop::sample::select(vec!["Present", "Current", "now", "to date", "Today", "heute", "aujourd'hui", "actualidad"]),
    ) {
        let text = format!("{} - {present}", write(style, sy, sm));
        let ranges = DateParser::new().ranges(&text, 2021);
        prop_assert_eq!(ranges.len(), 1, "{:?} gave {:?}", text, ranges);
        prop_assert!(ranges[0].current);
        prop_assert_eq!(ranges[0].end, None);
    }

    #[test]
    fn year_ranges_keep_year_precision(start in 1960u16..2021, length in 0u16..20) {
        let end = start + length;
        let text = format!("{start}-{end}");
        let ranges = DateParser::new().ranges(&text, 2021);
        prop_assert_eq!(ranges.len(), 1, "{:?} gave {:?}", text, ranges);
        prop_assert_eq!(ranges[0].start, PartialDate::year(start));
        prop_assert_eq!(ranges[0].end, Some(PartialDate::year(end)));
        // "2015-2018" is 36 months (January to January); a single year is 12.
        let months = position_span(Some(ranges[0].start), ranges[0].end, false, 2100 * 12)
            .map(|s| s.months());
        let expected = if length == 0 { 12 } else { u32::from(length) * 12 };
        prop_assert_eq!(months, Some(expected));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = DateParser::new().ranges(&text, 2021);
    }

    #[test]
    fn month_counts_are_end_minus_start(((sy, sm), (ey, em)) in ordered_months()) {
        let start = PartialDate::month(sy, sm);
        let end = PartialDate::month(ey, em);
        let span = position_span(start, end, false, 2100 * 12).map(|s| s.months());
        let difference = (i32::from(ey) - i32::from(sy)) * 12 + i32::from(em) - i32::from(sm);
        prop_assert_eq!(span, Some(difference.max(1) as u32));
    }
}
