//! Experience categories of a position, judged from its title AND its bullets, each with the
//! words that show it.
//!
//! - `sales`: the title is a selling role (sales, account executive/manager, business
//!   development, territory, national accounts, mortgage consultant, loan officer, industrial
//!   representative, ...; not a sales and marketing analyst or assistant), or the bullets show
//!   selling as the main work (at least two distinct strong signs: quota, prospecting, closing
//!   deals, cold calls, selling advertising or services, new and existing business, sales of
//!   industrial goods, ...).
//! - `b2b_sales`: a sales position whose buyers are organisations: the title says so (key account,
//!   enterprise, corporate, wholesale, channel, business development, account executive/manager:
//!   an account is a client organisation, franchise sales) or the bullets do (corporate clients,
//!   corporate and government clients, B2B, decision makers, distributors, hospitals, bulk goods,
//!   client routes through stores, buyers at retailers, merchants, advertising sold, accounts in
//!   an industry, small to medium sized businesses, industrial goods (`INDUSTRIAL_GOODS`), OEMs,
//!   builders, a team of account executives or a business development team, software or web
//!   development services, a formal proposal process or RFQs, ...); an indirect channel title.
//!   A retail title (sales associate, cashier, store) needs an explicit B2B phrase, unless it
//!   sells to retail accounts (a newspaper's retail account executive). "Associate" alone is no
//!   retail title ("Business Development Associate").
//! - `account_management`: owns client accounts: an account/client/relationship manager title, or
//!   bullets such as "managed a portfolio of 40 accounts".
//! - `people_management`: supervises staff: a supervisory title (supervisor, team lead, director,
//!   store/branch/sales manager, ...) or bullets such as "supervised a team of 8".
//!
//! The patterns are data: rows of `config/rules/categories.toml`, each a named class of
//! phrasing (quota language, cold calling, distributors and dealers as buyers, ...) with
//! examples it must and must not match (`every_category_rule_matches_its_examples`). Each row
//! belongs to a group, one per field of `Categorizer`; a group's rows are joined in file order
//! into one alternation `(?i)\b(row|row|...)\b`, which is exactly the hand-written alternation
//! the group once was, so leftmost-first matching, `distinct_matches` (distinct phrases over the
//! whole group) and evidence are unchanged. Per group a `RegexSet` of the rows, built on first
//! use, names the rows that fire ([`Categorizer::rows_fired`]); parsing does not build it.

use std::sync::OnceLock;

use regex::{Regex, RegexSet, RegexSetBuilder};
use serde::Deserialize;

use super::category_signals::CategorySignals;
use crate::profile::Category;

/// The shipped rules: one row per class of phrasing, with the examples each must and must not
/// match (see the file's header).
const RULES: &str = include_str!("../../config/rules/categories.toml");

#[derive(Debug, Deserialize)]
struct RulesFile {
    rule: Vec<Row>,
}

#[derive(Debug, Deserialize)]
struct Row {
    id: String,
    group: Group,
    pattern: String,
    /// Checked by this file's unit test.
    #[serde(flatten)]
    #[cfg_attr(not(test), allow(dead_code))]
    examples: crate::parse::RuleExamples,
}

/// The pattern a row belongs to: the code asks whether a group matches, where, and how many
/// different phrases it finds, never a single row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    SalesTitle,
    NotSalesTitle,
    SalesBullet,
    B2bTitle,
    B2bBullet,
    RetailTitle,
    TableServiceBullet,
    AccountTitle,
    AccountBullet,
    PeopleTitle,
    PeopleBullet,
    SupervisorTitle,
    PeopleCountBullet,
}

/// A group's pattern from its rows' patterns (`{goods}` put in): one alternation, the rows in
/// file order, so leftmost-first matching, and with it every match, count and evidence, is the
/// same as the single hand-written alternation each group once was.
fn group_pattern<'a>(patterns: impl IntoIterator<Item = &'a str>) -> String {
    let joined: Vec<&str> = patterns.into_iter().collect();
    format!(r"(?i)\b({})\b", joined.join("|")).replace("{goods}", &INDUSTRIAL_GOODS.join("|"))
}

/// The rows of every group, kept to name the rows that fire.
#[derive(Debug, Clone)]
struct RuleRows {
    rows: Vec<(Group, String, String)>,
    sets: Vec<(Group, Vec<usize>, OnceLock<RegexSet>)>,
}

impl RuleRows {
    fn new(rows: Vec<Row>) -> Self {
        let rows: Vec<(Group, String, String)> = rows
            .into_iter()
            .map(|row| (row.group, row.id, row.pattern))
            .collect();
        let mut sets: Vec<(Group, Vec<usize>, OnceLock<RegexSet>)> = Vec::new();
        for (index, (group, _, _)) in rows.iter().enumerate() {
            match sets.iter_mut().find(|(g, _, _)| g == group) {
                Some((_, members, _)) => members.push(index),
                None => sets.push((*group, vec![index], OnceLock::new())),
            }
        }
        Self { rows, sets }
    }

    fn members(&self, group: Group) -> &(Group, Vec<usize>, OnceLock<RegexSet>) {
        self.sets
            .iter()
            .find(|(g, _, _)| *g == group)
            .unwrap_or_else(|| panic!("config/rules/categories.toml has no {group:?} row"))
    }

    /// The group's rows joined into its one pattern.
    fn union(&self, group: Group) -> String {
        let (_, members, _) = self.members(group);
        group_pattern(members.iter().map(|&index| self.rows[index].2.as_str()))
    }

    fn fired(&self, group: Group, text: &str) -> Vec<&str> {
        let (_, members, set) = self.members(group);
        let set = set.get_or_init(|| {
            let patterns = members.iter().map(|&index| {
                super::ascii_word_edges(&group_pattern([self.rows[index].2.as_str()]))
            });
            RegexSetBuilder::new(patterns)
                .dfa_size_limit(super::LAZY_DFA_CACHE_BYTES)
                .build()
                .unwrap_or_else(|e| panic!("invalid category rule in {group:?}: {e}"))
        });
        set.matches(text)
            .into_iter()
            .map(|at| self.rows[members[at]].1.as_str())
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct Categorizer {
    sales_title: TitleRegex,
    not_sales_title: TitleRegex,
    sales_bullet: Regex,
    b2b_title: TitleRegex,
    b2b_bullet: Regex,
    retail_title: TitleRegex,
    /// Table service in the bullets: under a bare "Sales" title (a department, not a role) the
    /// job is serving guests.
    table_service_bullet: Regex,
    account_title: TitleRegex,
    account_bullet: Regex,
    people_title: TitleRegex,
    people_bullet: Regex,
    /// Titles that name a supervisor of staff outright (not "Director", whose staff may be none).
    supervisor_title: TitleRegex,
    /// A count of people supervised ("team of 8", "supervised 12 associates").
    people_count_bullet: Regex,
    /// The signal rows kept as data (`config/rules/category_signals.toml`): features of the
    /// trained model, not rules that decide alone.
    signal_rows: CategorySignals,
    /// The rows every pattern above is joined from (`config/rules/categories.toml`).
    rows: RuleRows,
}

impl Default for Categorizer {
    fn default() -> Self {
        Self::new()
    }
}

use super::compile_ascii_words as compile;
use super::lines::line_bounds;
use super::{LineRegex, blank_out, compile_line_words as compile_title};

/// A title group's pattern: only ever searched over a title, a few words, so compiled without
/// a literal prefilter ([`compile_line_words`]).
type TitleRegex = LineRegex;

/// Goods that organisations buy and households do not (pattern fragments, matched as whole
/// words): a seller of steel coil, printed circuit boards or process valves sells to businesses
/// whether or not the resume names the buyers, and "steel sales" is a selling job.
const INDUSTRIAL_GOODS: &[&str] = &[
    r"(sheet|coil|structural|carbon|flat[\s-]rolled)\s+steel",
    r"steel\s+(products|coils?|sheets?|plates?|pipes?|tub(es|ing)|bars?|beams|grating|mills?|industry)",
    r"(industrial|ferrous|non-ferrous|scrap|specialty)\s+metals",
    r"aluminum\s+(extrusions?|sheets?|coils?|products)",
    r"(industrial|specialty|fine|process|water\s+treatment)\s+chemicals",
    r"resins",
    r"polymers",
    r"pcbs?",
    r"printed\s+circuit\s+boards?",
    r"interconnects?",
    r"semiconductors?",
    r"electronic\s+components",
    r"machinery",
    r"machine\s+tools",
    r"fasteners",
    r"bearings",
    r"valves",
    r"compressors",
    r"hydraulics",
    r"actuat(ors|ion\s+systems)",
    r"packaging\s+materials",
    r"raw\s+materials",
    r"castings",
    r"forgings",
    r"capital\s+equipment",
    r"heavy\s+equipment",
    r"industrial\s+(products|equipment|supplies|customers|clients|accounts|markets?)",
    r"mro",
];

/// How many different phrases (ignoring case) `re` finds in `text`.
fn distinct_matches(re: &Regex, text: &str) -> usize {
    let mut phrases: Vec<String> = re
        .find_iter(text)
        .map(|m| m.as_str().to_lowercase())
        .collect();
    phrases.sort_unstable();
    phrases.dedup();
    phrases.len()
}

/// The line of `text` around a match, shortened, as evidence.
pub(super) fn evidence_around(text: &str, start: usize, end: usize) -> String {
    let (line_start, line_end) = line_bounds(text, start, end);
    let line = text.get(line_start..line_end).unwrap_or("").trim();
    if line.chars().count() <= 200 {
        return line.to_owned();
    }
    // Keep the match and some words around it.
    let from = floor_char_boundary(text, start.saturating_sub(80).max(line_start));
    let to = ceil_char_boundary(text, (end + 80).min(line_end));
    format!("…{}…", text.get(from..to).unwrap_or("").trim())
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char_boundary(text: &str, mut at: usize) -> usize {
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at.min(text.len())
}

impl Categorizer {
    pub fn new() -> Self {
        let file: RulesFile = toml::from_str(RULES)
            .unwrap_or_else(|e| panic!("config/rules/categories.toml is not valid: {e}"));
        let rows = RuleRows::new(file.rule);
        let title = |group: Group| compile_title(&rows.union(group));
        let bullet = |group: Group| compile(&rows.union(group));
        Self {
            sales_title: title(Group::SalesTitle),
            not_sales_title: title(Group::NotSalesTitle),
            sales_bullet: bullet(Group::SalesBullet),
            b2b_title: title(Group::B2bTitle),
            b2b_bullet: bullet(Group::B2bBullet),
            retail_title: title(Group::RetailTitle),
            table_service_bullet: bullet(Group::TableServiceBullet),
            account_title: title(Group::AccountTitle),
            account_bullet: bullet(Group::AccountBullet),
            people_title: title(Group::PeopleTitle),
            people_bullet: bullet(Group::PeopleBullet),
            supervisor_title: title(Group::SupervisorTitle),
            people_count_bullet: bullet(Group::PeopleCountBullet),
            signal_rows: CategorySignals::new(),
            rows,
        }
    }

    /// The ids of the rows of `group` that match `text` (the title for a title group, the
    /// description for a bullet group), in file order: which phrasing a group's match came
    /// from. Compiles the group's `RegexSet` on first use; parsing itself never needs it.
    pub fn rows_fired(&self, group: Group, text: &str) -> Vec<&str> {
        self.rows.fired(group, text)
    }

    /// The names of the rule signals that fire on a position: each pattern that matches, and
    /// each category the rules give. The category model ([`super::category_model`]) weighs them
    /// beside the words.
    pub fn signals(&self, title: &str, description: &str) -> Vec<&str> {
        let by_rules = self.categorize_by_rules(title, description);
        self.signals_given(title, description, &by_rules)
    }

    /// [`Categorizer::signals`] with the rules' categories already known (the caller needs
    /// them too, and they are the dearest part).
    pub fn signals_given(
        &self,
        title: &str,
        description: &str,
        by_rules: &[(Category, String)],
    ) -> Vec<&str> {
        let mut signals = Vec::new();
        let selling_part = blank_out(&self.not_sales_title, title);
        let mut add = |fires: bool, name: &'static str| {
            if fires {
                signals.push(name);
            }
        };
        add(self.sales_title.is_match(&selling_part), "sales_title");
        add(self.not_sales_title.is_match(title), "not_sales_title");
        let sales_signs = distinct_matches(&self.sales_bullet, description);
        add(sales_signs == 1, "sales_bullet_1");
        add(sales_signs >= 2, "sales_bullets_2");
        add(self.b2b_title.is_match(title), "b2b_title");
        add(self.b2b_bullet.is_match(description), "b2b_bullet");
        add(self.retail_title.is_match(title), "retail_title");
        add(
            distinct_matches(&self.table_service_bullet, description) >= 2,
            "table_service",
        );
        add(self.account_title.is_match(title), "account_title");
        add(self.account_bullet.is_match(description), "account_bullet");
        add(self.people_title.is_match(title), "people_title");
        add(self.people_bullet.is_match(description), "people_bullet");
        add(self.supervisor_title.is_match(title), "supervisor_title");
        add(
            self.people_count_bullet.is_match(description),
            "people_count_bullet",
        );
        for (category, _) in by_rules {
            signals.push(match category {
                Category::Sales => "is_sales",
                Category::B2bSales => "is_b2b_sales",
                Category::AccountManagement => "is_account_management",
                Category::PeopleManagement => "is_people_management",
            });
        }
        signals
    }

    /// Every signal row's id.
    pub fn signal_row_ids(&self) -> impl Iterator<Item = &str> {
        self.signal_rows.ids()
    }

    /// The ids of the signal rows (`config/rules/category_signals.toml`) that fire on this
    /// position.
    pub fn signal_rows(&self, title: &str, description: &str) -> Vec<&str> {
        self.signal_rows.fired(title, description)
    }

    /// Categories of a position by the hand-written rules alone, each with its evidence, in
    /// the contract's order.
    pub fn categorize_by_rules(&self, title: &str, description: &str) -> Vec<(Category, String)> {
        let mut found: Vec<(Category, String)> = Vec::new();
        let title_match = |re: &TitleRegex| re.find(title).map(|_| title.trim().to_owned());
        let bullet_match = |re: &Regex| {
            re.find(description)
                .map(|m| evidence_around(description, m.start(), m.end()))
        };

        // "Sales Operations" is no selling title, but "Director of Sales Operations and Business
        // Development" is one: the title sells when a selling phrase is left once the non-selling
        // ones are taken out.
        let selling_part = blank_out(&self.not_sales_title, title);
        let bare_department = title.trim().eq_ignore_ascii_case("sales");
        let table_service =
            bare_department && distinct_matches(&self.table_service_bullet, description) >= 2;
        let sales_by_title = self.sales_title.is_match(&selling_part) && !table_service;
        let sales_signs = distinct_matches(&self.sales_bullet, description);
        let sales = if sales_by_title {
            Some(title.trim().to_owned())
        } else if sales_signs >= 2 {
            bullet_match(&self.sales_bullet)
        } else {
            None
        };
        if let Some(evidence) = &sales {
            found.push((Category::Sales, evidence.clone()));
            let retail = self.retail_title.is_match(title);
            let b2b = if !retail && self.b2b_title.is_match(title) {
                title_match(&self.b2b_title)
            } else {
                let explicit = bullet_match(&self.b2b_bullet);
                // A retail seller's "customers" are consumers: only an explicit B2B phrase counts.
                // A retail account executive's accounts are stores, though (newspaper and media
                // sellers): their bullets are read like any seller's.
                let retail_accounts = retail && self.account_title.is_match(title);
                match (&explicit, retail && !retail_accounts) {
                    (Some(text), true) => {
                        let lower = text.to_lowercase();
                        (lower.contains("b2b")
                            || lower.contains("business-to-business")
                            || lower.contains("business to business")
                            || lower.contains("corporate")
                            || lower.contains("merchant"))
                        .then_some(text.clone())
                    }
                    _ => explicit,
                }
            };
            if let Some(evidence) = b2b {
                found.push((Category::B2bSales, evidence));
            }
        }
        let account = if self.account_title.is_match(title) {
            title_match(&self.account_title)
        } else {
            bullet_match(&self.account_bullet)
        };
        if let Some(evidence) = account {
            found.push((Category::AccountManagement, evidence));
        }
        let people = if self.people_title.is_match(title) {
            title_match(&self.people_title)
        } else {
            bullet_match(&self.people_bullet)
        };
        if let Some(evidence) = people {
            found.push((Category::PeopleManagement, evidence));
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cats(title: &str, description: &str) -> Vec<Category> {
        Categorizer::new()
            .categorize_by_rules(title, description)
            .into_iter()
            .map(|(c, _)| c)
            .collect()
    }

    fn b2b(title: &str, description: &str) -> bool {
        cats(title, description).contains(&Category::B2bSales)
    }

    /// Every row matches its own examples and none of its counter-examples, alone (its own
    /// pattern) and as the set of its group names it.
    #[test]
    fn every_category_rule_matches_its_examples() {
        let categorizer = Categorizer::new();
        let file: RulesFile = toml::from_str(RULES).unwrap();
        for row in &file.rule {
            assert!(
                row.examples.matches.len() >= 2,
                "{}: has two examples",
                row.id
            );
            assert!(
                !row.examples.not_matches.is_empty(),
                "{}: has a counter-example",
                row.id
            );
            let alone = compile(&group_pattern([row.pattern.as_str()]));
            for example in &row.examples.matches {
                assert!(alone.is_match(example), "{} matches {example:?}", row.id);
                assert!(
                    categorizer
                        .rows_fired(row.group, example)
                        .contains(&row.id.as_str()),
                    "{} fires on {example:?}",
                    row.id
                );
            }
            for counter in &row.examples.not_matches {
                assert!(
                    !alone.is_match(counter),
                    "{} does not match {counter:?}",
                    row.id
                );
                assert!(
                    !categorizer
                        .rows_fired(row.group, counter)
                        .contains(&row.id.as_str()),
                    "{} does not fire on {counter:?}",
                    row.id
                );
            }
        }
    }

    #[test]
    fn category_rule_ids_are_unique() {
        let file: RulesFile = toml::from_str(RULES).unwrap();
        let mut ids: Vec<&str> = file.rule.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len());
    }

    /// A group's match is its rows' match: the rule that fired is named.
    #[test]
    fn names_the_rows_that_fire() {
        let categorizer = Categorizer::new();
        assert_eq!(
            categorizer.rows_fired(
                Group::SalesBullet,
                "Exceeded quota.\nProspecting and cold calling to hospitals."
            ),
            ["quota_language", "prospecting_and_cold_calls"]
        );
        assert!(
            categorizer
                .rows_fired(Group::PeopleTitle, "Chef de cuisine")
                .is_empty()
        );
    }

    #[test]
    fn judges_from_title_and_bullets() {
        assert_eq!(
            cats(
                "Key Account Manager",
                "Grew revenue with corporate clients."
            ),
            [
                Category::Sales,
                Category::B2bSales,
                Category::AccountManagement
            ]
        );
        assert_eq!(
            cats(
                "Sales Associate",
                "Helped customers find products. Met sales goals."
            ),
            [Category::Sales]
        );
        assert_eq!(
            cats(
                "Operations Lead",
                "Supervised a team of 8 warehouse workers."
            ),
            [Category::PeopleManagement]
        );
        assert_eq!(
            cats(
                "Consultant",
                "Managed a portfolio of 30 accounts for the firm."
            ),
            [Category::AccountManagement]
        );
        assert!(cats("Chef", "Prepared meals and created seasonal menus.").is_empty());
        assert!(cats("Accountant", "Reconciled accounts payable and receivable.").is_empty());
    }

    /// Titles that are selling jobs by their name: salespeople, real-estate agents, bankers who
    /// win clients, insurance producers, leasing agents.
    #[test]
    fn selling_job_titles_are_sales() {
        for title in [
            "Automobile Salesperson",
            "Realtor",
            "Real Estate Agent",
            "Personal Banker",
            "Relationship Banker II",
            "Licensed Insurance Agent",
            "Leasing Consultant",
        ] {
            assert!(cats(title, "").contains(&Category::Sales), "{title}");
        }
        for title in [
            "Bank Teller",
            "Insurance Claims Adjuster",
            "Real Estate Paralegal",
        ] {
            assert!(!cats(title, "").contains(&Category::Sales), "{title}");
        }
    }

    #[test]
    fn account_and_franchise_sellers_sell_to_organisations() {
        assert_eq!(
            cats("Account Executive", "Exceeded quota.")[..2],
            [Category::Sales, Category::B2bSales]
        );
        assert_eq!(
            cats(
                "Director of Franchise Sales",
                "Managed the consultative sales process."
            )[..2],
            [Category::Sales, Category::B2bSales]
        );
        assert_eq!(
            cats("Director of Sales Operations and Business Development", "")[..2],
            [Category::Sales, Category::B2bSales]
        );
        assert!(!cats("Sales Operations Analyst", "").contains(&Category::Sales));
        assert!(
            !cats("Accountant, Account Executive Compensation Dept", "").contains(&Category::Sales)
        );
        assert!(
            cats(
                "Sales",
                "Greeted and served guests.\nKnew the menu items and talked with kitchen staff."
            )
            .is_empty()
        );
        assert_eq!(cats("Sales", "Sold cars.")[..1], [Category::Sales]);
        assert_eq!(
            cats(
                "Sales Representative",
                "Planned and organized client routes within territory."
            ),
            [Category::Sales, Category::B2bSales]
        );
        assert_eq!(
            cats("Mortgage Consultant", "Advised home buyers."),
            [Category::Sales]
        );
        assert_eq!(
            cats("Retail Account Executive", "Sold to shoppers."),
            [Category::Sales, Category::AccountManagement]
        );
    }

    #[test]
    fn reads_buyers_from_the_business_sold_to() {
        assert!(b2b(
            "Vice President of Sales",
            "Direct client relationships with major corporate and government clients."
        ));
        assert!(b2b(
            "Category Sales Manager",
            "Interacted directly with buyers at Kroger and Safeway."
        ));
        assert!(b2b(
            "Territory Field Representative",
            "Exceeded quota by acquiring small to medium sized businesses."
        ));
        assert!(b2b(
            "Business Manager",
            "Selling online advertising and sponsorships to new customers."
        ));
        assert!(b2b(
            "Retail Account Executive",
            "Worked closely with advertising agencies on client needs."
        ));
        assert!(b2b("Senior Associate Business Development", ""));
        assert!(b2b(
            "Sales Manager",
            "Managed 10 accounts in the cable industry sector.\nGrew advertising revenue."
        ));
        assert!(b2b(
            "Strategic National Accounts",
            "Generated $26.8M in sales."
        ));
        assert!(b2b(
            "Business Products Specialist",
            "Exceeded sales goal 12%.\nProduced qualified leads.\nServed business owners."
        ));
        assert!(!b2b("Sales Associate", "Helped corporate event planners."));
        assert!(!cats("Territory HR Manager", "").contains(&Category::Sales));
        assert!(!cats("National Sales and Marketing Analyst", "").contains(&Category::Sales));
        assert!(cats("Strategic National Accounts", "").contains(&Category::Sales));
    }

    #[test]
    fn industrial_goods_are_sold_to_businesses() {
        assert!(b2b(
            "Regional Sales Director",
            "Grew revenue for the printed circuit board division by 30%."
        ));
        assert!(b2b(
            "Sales Engineer",
            "Sold hydraulic valves and pumps to OEMs."
        ));
        // "<goods> sales" and winning business are selling, without a selling title.
        assert_eq!(
            cats(
                "General Manager",
                "Sheet steel sales; won new and existing business in the region."
            )[..2],
            [Category::Sales, Category::B2bSales]
        );
        // Household goods are no sign of business buyers, even with steel or metal in them.
        assert!(!b2b(
            "Sales Representative",
            "Sold stainless steel appliances, precious metals jewelry and pool chemicals."
        ));
        assert!(
            !cats(
                "Warehouse Lead",
                "Unloaded steel beams and stacked pallets."
            )
            .contains(&Category::Sales)
        );
    }

    #[test]
    fn reads_business_buyers_from_who_the_seller_works_with() {
        assert!(b2b(
            "Area Sales Supervisor",
            "Ran seminars for home builders and their site managers."
        ));
        assert!(!b2b(
            "Area Sales Supervisor",
            "Known in the office as one of the team builders."
        ));
        assert!(b2b(
            "Station Sales Manager",
            "Coached 6 account executives selling airtime."
        ));
        assert!(b2b(
            "Sales Lead",
            "Member of a business development team that doubled revenue."
        ));
        assert!(!b2b(
            "Sales Lead",
            "Reported business development activities weekly."
        ));
        assert!(b2b(
            "Sales Manager",
            "Closed deals as sales manager of a software development firm."
        ));
        assert!(b2b("Indirect Sales Representative", "Met sales goals."));
        assert!(!b2b(
            "Direct Sales Representative",
            "Met sales goals door to door."
        ));
        // An industrial representative is a seller to industrial customers; an industrial
        // engineer is no seller.
        assert_eq!(
            cats(
                "Industrial Gas Representative",
                "Promoted the company's service."
            ),
            [Category::Sales, Category::B2bSales]
        );
        assert!(
            !cats("Industrial Engineer", "Balanced assembly lines.").contains(&Category::Sales)
        );
    }

    #[test]
    fn a_formal_proposal_process_means_business_buyers() {
        assert!(b2b(
            "Sales Manager",
            "Led the proposal process for large bids."
        ));
        assert!(b2b(
            "Inside Sales Representative",
            "Answered RFQs within a day."
        ));
        assert!(b2b("Sales Engineer", "Wrote technical proposals."));
        // Helping a store's sales team with paperwork is not a bid process.
        assert!(!b2b(
            "Sales Manager",
            "Helped the sales team with proposals and trained sales associates."
        ));
    }

    #[test]
    fn selling_in_the_bullets_makes_a_sales_job() {
        assert_eq!(
            cats(
                "Representative",
                "Exceeded quota every quarter.\nProspecting and cold calling to hospitals."
            ),
            [Category::Sales, Category::B2bSales]
        );
    }
}
