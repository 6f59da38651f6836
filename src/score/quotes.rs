//! Where evidence is in the document: each fact an explanation rests on, found again in the
//! resume's extracted text (the text `shortlist extract` prints) and quoted with its line and
//! page, so a recruiter can check it against the resume itself.
//!
//! Facts keep the words they came from, but not their position; finding those words again in
//! the text costs one pass over a resume of a few hundred lines, done only for the results a
//! page of ranking returns.

use serde::{Deserialize, Serialize};

/// Longest quoted line, in characters.
const MAX_LINE: usize = 200;
/// Lines quoted for one keyword requirement.
const MAX_KEYWORD_LINES: usize = 3;

/// One line of the resume that a verdict rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Quote {
    /// The line as extracted (whitespace collapsed, cut at 200 characters).
    pub text: String,
    /// 1-based line of the extracted text.
    pub line: u32,
    /// 1-based page, for documents with pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
}

/// A resume's extracted text as lines, ready to find quotes in.
pub struct DocumentLines<'a> {
    lines: Vec<Line<'a>>,
    paged: bool,
}

struct Line<'a> {
    text: &'a str,
    /// Lowercase words of the line, for matching whatever the case and punctuation.
    words: Vec<String>,
    page: u32,
}

impl<'a> DocumentLines<'a> {
    /// `page_starts`: byte offsets where page 2, 3, ... begin (see `extract::Document`).
    pub fn new(text: &'a str, page_starts: &[usize]) -> Self {
        let mut lines = Vec::new();
        let mut offset = 0;
        for raw in text.split('\n') {
            let page = 1 + page_starts.partition_point(|&start| start <= offset) as u32;
            lines.push(Line {
                text: raw,
                words: words(raw),
                page,
            });
            offset += raw.len() + 1;
        }
        Self {
            lines,
            paged: !page_starts.is_empty(),
        }
    }

    fn quote(&self, index: usize) -> Quote {
        let line = &self.lines[index];
        Quote {
            text: cut(line.text),
            line: index as u32 + 1,
            page: self.paged.then_some(line.page),
        }
    }

    /// The line where a fact's own words (`snippet`, as kept in the profile) begin; `None` when
    /// they are not in the text (a fact built from several places, or an older profile).
    pub fn locate(&self, snippet: &str) -> Option<Quote> {
        let wanted = words(snippet);
        let first_line_words = wanted.len().min(8);
        if first_line_words == 0 {
            return None;
        }
        // The snippet may span lines: its first words must begin on one line, and run on into
        // the next lines when the line ends first.
        let head = &wanted[..first_line_words];
        for (index, line) in self.lines.iter().enumerate() {
            if line.words.is_empty() {
                continue;
            }
            for start in 0..line.words.len() {
                if self.runs_from(index, start, head) {
                    return Some(self.quote(index));
                }
            }
        }
        None
    }

    /// Whether `wanted` reads from word `start` of line `index` on, continuing over lines.
    fn runs_from(&self, mut index: usize, mut at: usize, wanted: &[String]) -> bool {
        for word in wanted {
            while at >= self.lines[index].words.len() {
                index += 1;
                at = 0;
                if index >= self.lines.len() {
                    return false;
                }
            }
            if self.lines[index].words[at] != *word {
                return false;
            }
            at += 1;
        }
        true
    }

    /// The lines that match a keyword query best: those holding the most of its positive terms
    /// (words and phrases outside `NOT`/`-`), at most three, in document order.
    pub fn matching(&self, query: &str) -> Vec<Quote> {
        let terms = positive_terms(query);
        if terms.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(usize, usize)> = self
            .lines
            .iter()
            .enumerate()
            .filter_map(|(index, line)| {
                let found = terms
                    .iter()
                    .filter(|term| contains_run(&line.words, term))
                    .count();
                (found > 0).then_some((found, index))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut best: Vec<usize> = scored
            .into_iter()
            .take(MAX_KEYWORD_LINES)
            .map(|(_, index)| index)
            .collect();
        best.sort_unstable();
        best.into_iter().map(|index| self.quote(index)).collect()
    }
}

impl Quote {
    /// Where the quote is, as a reader says it: `page 2, line 31`.
    pub fn location(&self) -> String {
        match self.page {
            Some(page) => format!("page {page}, line {}", self.line),
            None => format!("line {}", self.line),
        }
    }
}

fn cut(line: &str) -> String {
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(MAX_LINE) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// Lowercase runs of letters and digits, as the index's tokenizer splits them.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn contains_run(words: &[String], run: &[String]) -> bool {
    !run.is_empty() && words.windows(run.len()).any(|window| window == run)
}

/// The words and phrases a query asks for: those not excluded by `NOT` or `-`, without field
/// names, operators and range bounds. Each is a run of words to find on one line.
fn positive_terms(query: &str) -> Vec<Vec<String>> {
    let mut terms = Vec::new();
    let mut negated = false;
    let mut rest = query;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() || c == '(' || c == ')' || c == '+' {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '-' {
            negated = true;
            rest = &rest[1..];
            continue;
        }
        let (token, after) = if c == '"' {
            let body = &rest[1..];
            let end = body.find('"').unwrap_or(body.len());
            (&body[..end], body.get(end + 1..).unwrap_or(""))
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '"')
                .unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        rest = after;
        match token {
            "NOT" => {
                negated = true;
                continue;
            }
            "AND" | "OR" => continue,
            _ => {}
        }
        // A field clause (`skill:Salesforce`, `b2b_sales_months:>=60`) is about the profile,
        // not a line of text; `text:word` is the text.
        let token = match token.split_once(':') {
            Some(("text", word)) => word,
            Some(_) => {
                negated = false;
                continue;
            }
            None => token,
        };
        let run = words(token);
        if !negated && !run.is_empty() {
            terms.push(run);
        }
        negated = false;
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESUME: &str = "Jane Roe\nKey Account Manager, Acme Corp\n2015 - 2019\nGrew B2B revenue with Salesforce\n\nEducation\nB.S. Business Administration, 2005";

    #[test]
    fn facts_are_found_on_their_line_and_page() {
        let lines = DocumentLines::new(RESUME, &[RESUME.find("Education").unwrap()]);
        let quote = lines.locate("B.S. Business Administration, 2005").unwrap();
        assert_eq!((quote.line, quote.page), (7, Some(2)));
        assert_eq!(quote.location(), "page 2, line 7");
        // Words running over a line break, in another case.
        let title = lines.locate("key account manager, acme corp 2015").unwrap();
        assert_eq!(title.line, 2);
        assert_eq!(lines.locate("Chief Executive Officer"), None);
        assert_eq!(lines.locate("  "), None);
    }

    #[test]
    fn a_keyword_query_quotes_the_lines_that_match_not_the_query() {
        let lines = DocumentLines::new(RESUME, &[]);
        let quotes = lines.matching("salesforce AND (b2b OR \"key account\")");
        let found: Vec<(u32, &str)> = quotes.iter().map(|q| (q.line, q.text.as_str())).collect();
        assert_eq!(
            found,
            [
                (2, "Key Account Manager, Acme Corp"),
                (4, "Grew B2B revenue with Salesforce")
            ]
        );
        assert_eq!(quotes[0].page, None);
        // Excluded words and profile facts are not quoted.
        assert!(lines.matching("NOT salesforce -b2b").is_empty());
        assert!(
            lines
                .matching("skill:Salesforce b2b_sales_months:>=60")
                .is_empty()
        );
        assert_eq!(lines.matching("text:acme")[0].line, 2);
    }
}
