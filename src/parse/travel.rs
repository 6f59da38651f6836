//! Travel: willing or able to travel, a job that plainly involved it (a territory covering five
//! states, traveled extensively, attended national conferences or regional tournaments, client
//! meetings held domestically), or a statement that the candidate cannot travel.
//!
//! A "no" statement wins over "yes" signs: it is about the candidate now, where the signs may be
//! about past jobs. Mentions of travel as a subject ("travel arrangements", "Defense Travel
//! System", "travel agent") are not signs.

use regex::Regex;

use crate::profile::TravelStatus;

/// US states by name: a territory "in California and Nevada" or "covering North Carolina, South
/// Carolina and Georgia" spans states.
const US_STATES: &[&str] = &[
    "Alabama",
    "Alaska",
    "Arizona",
    "Arkansas",
    "California",
    "Colorado",
    "Connecticut",
    "Delaware",
    "Florida",
    "Georgia",
    "Hawaii",
    "Idaho",
    "Illinois",
    "Indiana",
    "Iowa",
    "Kansas",
    "Kentucky",
    "Louisiana",
    "Maine",
    "Maryland",
    "Massachusetts",
    "Michigan",
    "Minnesota",
    "Mississippi",
    "Missouri",
    "Montana",
    "Nebraska",
    "Nevada",
    r"New\s+Hampshire",
    r"New\s+Jersey",
    r"New\s+Mexico",
    r"New\s+York",
    r"North\s+Carolina",
    r"North\s+Dakota",
    "Ohio",
    "Oklahoma",
    "Oregon",
    "Pennsylvania",
    r"Rhode\s+Island",
    r"South\s+Carolina",
    r"South\s+Dakota",
    "Tennessee",
    "Texas",
    "Utah",
    "Vermont",
    "Virginia",
    "Washington",
    r"West\s+Virginia",
    "Wisconsin",
    "Wyoming",
];

#[derive(Debug, Clone)]
pub struct TravelReader {
    no: Regex,
    yes: Regex,
    /// Words after a match that make it someone else's travel ("travel arrangements").
    not_candidate_after: Regex,
    /// Words just before a match that make it no journey of the candidate's: a licence or policy
    /// "covering 40 countries", "management of a 9-state region" (a remit, not travel).
    not_candidate_before: Regex,
    /// Words on the line that make it a pastime ("Hobbies: International Travel").
    pastime: Regex,
}

impl Default for TravelReader {
    fn default() -> Self {
        Self::new()
    }
}

impl TravelReader {
    pub fn new() -> Self {
        let compile = super::compile_ascii_words;
        let states = format!(r"\b({})\b", US_STATES.join("|"));
        Self {
            no: compile(
                r"(?i)\b(unable\s+to\s+travel|cannot\s+travel|can\s*not\s+travel|can't\s+travel|can’t\s+travel|not\s+(willing|able|available|open)\s+to\s+travel|unwilling\s+to\s+travel|no\s+travel(ing)?\s+(please|preferred|required)|(do|does)\s+not\s+travel|prefer\s+(not\s+to|no)\s+travel|keine\s+reisebereitschaft|pas\s+de\s+déplacements?)\b",
            ),
            yes: compile(&format!(
                r"(?i)\b((willing|able|available|open|ready|happy|eager)\s+to\s+(travel|relocate\s+and\s+travel)(\s+(up\s+to\s+)?\d{{1,3}}\s?%)?|travels?\s+(up\s+to\s+)?\d{{1,3}}\s?%|\d{{1,3}}\s?%\s+(overnight\s+)?travel|travel(l?ed|l?ing)\s+(extensively|frequently|regularly|nationally|internationally|throughout|across|weekly|overnight|to\s+(client|customer|trade|various|multiple|accounts|sites|offices|meetings|meet|visit)|\d+\s?%)|extensive(ly)?\s+travel|frequent\s+travel|overnight\s+travel|(regional|national|international|domestic)\s+travel|travel\s+(required|throughout|across|within)|territory\s+(covering|spanning|encompassing|including|comprised\s+of|of)\s+[^.\n]{{0,40}}\b(states|counties|countries|regions|provinces|cities)|(multi|tri|five|four|three|two|six|seven|eight|\d+)[\s-]state\s+(territory|region)|(multi|five|four|six|seven|eight|\d+)[\s-]state\s+area|covering\s+([0-9A-Za-z_]+\s+){{0,2}}(states|counties|countries|provinces)|attend(ed|s|ing)?\s+([0-9A-Za-z_]+\s+)?(regional|national|international|out[\s-]of[\s-]state)\s+(and\s+(national|international)\s+)?([0-9A-Za-z_]+\s+)?(events|tournaments|conferences|trade\s*shows|conventions|expos)|(client|customer)\s+(meetings|visits)\s+([0-9A-Za-z_]+\s+){{0,3}}(domestically|nationally|internationally|nationwide)|reisebereitschaft|disponible\s+(pour\s+)?(les\s+)?déplacements|disponibilidad\s+para\s+viajar|covering\s+{states}(\s*,\s*{states})*\s*,?\s+(and|&)\s+{states}|territor(y|ies)\b[^.\n]{{0,80}}?\b(in|across|throughout|of)\s+{states}(\s*,\s*{states})*\s*,?\s+(and|&)\s+{states}|territor(y|ies)\b[^.\n]{{0,60}}?\b\d+\s+states\b)"
            )),
            not_candidate_after: compile(
                r"(?i)^[\s/]*(arrangements?|plans?|planning|bookings?|booked|itinerar[0-9A-Za-z_]*|expenses?|reservations?|logistics|schedules?|budgets?|agency|agencies|agents?|industry|insurance|coordinat[0-9A-Za-z_]*|requests?|reimbursements?|authorizations?|documents?|vouchers?|orders?|management|system|policy|policies|needs|accommodations?|visas?)\b",
            ),
            not_candidate_before: compile(
                r"(?i)\b(licens[0-9A-Za-z_]*|certific[0-9A-Za-z_]*|polic(y|ies)|coverage|management\s+of(\s+[0-9A-Za-z_]+){0,2})\s*$",
            ),
            pastime: compile(r"(?i)\b(hobbies|interests|enjoy|enjoys|love|loves|passion)\b"),
        }
    }

    /// The status and the words that show it.
    pub fn read(&self, text: &str) -> (TravelStatus, Option<(usize, usize)>) {
        if let Some(m) = self.no.find(text) {
            return (TravelStatus::No, Some((m.start(), m.end())));
        }
        for m in self.yes.find_iter(text) {
            let after = text.get(m.end()..).unwrap_or("");
            if self.not_candidate_after.is_match(after) {
                continue;
            }
            let (line_start, _) = super::lines::line_bounds(text, m.start(), m.start());
            let line = text.get(line_start..m.start()).unwrap_or("");
            if self.pastime.is_match(line) || self.not_candidate_before.is_match(line) {
                continue;
            }
            return (TravelStatus::Yes, Some((m.start(), m.end())));
        }
        (TravelStatus::Unknown, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(text: &str) -> TravelStatus {
        TravelReader::new().read(text).0
    }

    #[test]
    fn reads_travel_statements() {
        assert_eq!(status("Willing to travel 50%"), TravelStatus::Yes);
        assert_eq!(
            status("Position requires travel up to 50%"),
            TravelStatus::Yes
        );
        assert_eq!(
            status("Managed a territory covering five states"),
            TravelStatus::Yes
        );
        assert_eq!(
            status("Traveled extensively across the Midwest"),
            TravelStatus::Yes
        );
        assert_eq!(status("Unable to travel due to family"), TravelStatus::No);
        assert_eq!(
            status("Booked travel arrangements for executives"),
            TravelStatus::Unknown
        );
        assert_eq!(status("Defense Travel System (DTS)"), TravelStatus::Unknown);
        assert_eq!(
            status("Handled domestic and international travel arrangements"),
            TravelStatus::Unknown
        );
        assert_eq!(
            status("Hobbies: International Travel, Cruising"),
            TravelStatus::Unknown
        );
    }

    #[test]
    fn reads_territories_across_states_and_travel_shares() {
        for yes in [
            "Travels 35% for out of state recruitment.",
            "traveling to meet individual customers",
            "Director of Business Development covering North\nCarolina, South Carolina and Georgia.",
            "a sales territory comprised of commercial accounts in California and Nevada.",
            "Increased territory penetration 25% from 19 to 25 States.",
            "Attended regional and national AAU tournaments to recruit student-athletes",
            "prospecting, cold calling, attending national conferences",
            "Consistently arranges client meetings locally and domestically",
        ] {
            assert_eq!(status(yes), TravelStatus::Yes, "{yes}");
        }
        for unknown in [
            "Earned CIPS certification licensing covering 40 countries",
            "small accounts across the tri state area",
            "Assisted the Director in management of large 9-state region",
            "cold emails, networking and attending trade shows",
            "Attended local networking events",
        ] {
            assert_eq!(status(unknown), TravelStatus::Unknown, "{unknown}");
        }
    }
}
