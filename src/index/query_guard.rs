//! Bounds on a Boolean query's shape, checked before tantivy parses it.
//!
//! tantivy's query grammar is a recursive-descent parser: every `(`, every `field:(` group and
//! every `NOT` prefix is one more level of native recursion, in the parser and again when the
//! parsed tree is turned into a query and dropped. A few thousand of them overflow the thread's
//! stack, and a stack overflow aborts the whole process (it is not a panic that a handler could
//! catch). So the shape is measured here, in one linear pass that does not recurse, and a query
//! past the bounds is refused as the user's error before the parser sees it.
//!
//! The bounds are far above anything a recruiter writes ("salesforce AND (b2b OR \"key
//! account\")" has depth 1) and far below what overflows a 2 MiB thread stack (about 2,000).

/// Longest query accepted, in bytes (a role's keyword query and a ranking's `q` alike).
pub const MAX_QUERY_BYTES: usize = 4096;
/// Deepest nesting of groups and `NOT` prefixes.
pub const MAX_QUERY_DEPTH: usize = 16;
/// Most terms, phrases and groups in one query.
pub const MAX_QUERY_CLAUSES: usize = 256;

/// Why a query's shape is refused, written for the person who typed it.
pub fn check(query: &str) -> Result<(), String> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(format!(
            "the query is {} bytes long; at most {MAX_QUERY_BYTES} are accepted",
            query.len()
        ));
    }
    if query.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return Err("the query contains control characters".to_owned());
    }
    let shape = Shape::of(query);
    if shape.max_depth > MAX_QUERY_DEPTH {
        return Err(format!(
            "the query nests groups or NOT {} deep; at most {MAX_QUERY_DEPTH} levels are accepted",
            shape.max_depth
        ));
    }
    if shape.clauses > MAX_QUERY_CLAUSES {
        return Err(format!(
            "the query has {} terms and groups; at most {MAX_QUERY_CLAUSES} are accepted",
            shape.clauses
        ));
    }
    Ok(())
}

#[derive(Debug, Default, PartialEq)]
struct Shape {
    max_depth: usize,
    clauses: usize,
}

impl Shape {
    /// One pass over the query. Text inside double quotes is a phrase (no nesting there). A
    /// run of `NOT` prefixes counts towards the depth of what follows it, until the next term
    /// or group closes the run; unclosed parentheses count as open to the end, since the
    /// parser descends into them before it finds they never close.
    fn of(query: &str) -> Shape {
        let mut shape = Shape::default();
        let mut open_groups = 0usize;
        let mut pending_nots = 0usize;
        let mut in_phrase = false;
        let mut escaped = false;
        let mut word = String::new();
        let finish_word = |word: &mut String, shape: &mut Shape, pending_nots: &mut usize| {
            if word.is_empty() {
                return;
            }
            if word == "NOT" {
                *pending_nots += 1;
            } else if word != "AND" && word != "OR" {
                shape.clauses += 1;
                *pending_nots = 0;
            }
            word.clear();
        };
        for c in query.chars() {
            if in_phrase {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_phrase = false,
                    _ => {}
                }
                continue;
            }
            let depth_here = open_groups + pending_nots;
            shape.max_depth = shape.max_depth.max(depth_here);
            match c {
                '"' => {
                    finish_word(&mut word, &mut shape, &mut pending_nots);
                    in_phrase = true;
                    shape.clauses += 1;
                    pending_nots = 0;
                }
                '(' => {
                    finish_word(&mut word, &mut shape, &mut pending_nots);
                    // A group inside a NOT run nests under every NOT of the run.
                    open_groups += 1 + pending_nots;
                    pending_nots = 0;
                    shape.clauses += 1;
                    shape.max_depth = shape.max_depth.max(open_groups);
                }
                ')' => {
                    finish_word(&mut word, &mut shape, &mut pending_nots);
                    open_groups = open_groups.saturating_sub(1);
                }
                c if c.is_whitespace() => {
                    finish_word(&mut word, &mut shape, &mut pending_nots);
                }
                c => {
                    if word.len() < 8 {
                        word.push(c);
                    } else if !word.is_empty() && word != "#long" {
                        // Long words only matter as one clause.
                        word.clear();
                        word.push_str("#long");
                    }
                }
            }
            shape.max_depth = shape.max_depth.max(open_groups + pending_nots);
        }
        finish_word(&mut word, &mut shape, &mut pending_nots);
        shape.max_depth = shape.max_depth.max(open_groups + pending_nots);
        shape
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyday_queries_pass() {
        for query in [
            "salesforce",
            "salesforce AND (b2b OR \"key account\")",
            "NOT retail",
            "crm -cashier +\"account manager\"",
            "\"(((((((((((((((((((((\"",
        ] {
            assert_eq!(check(query), Ok(()), "{query}");
        }
    }

    #[test]
    fn deep_nesting_unclosed_groups_and_not_chains_are_refused() {
        let nested = format!("{}a{}", "(".repeat(2200), ")".repeat(2200));
        assert!(check(&nested).is_err());
        assert!(check(&"(".repeat(3000)).is_err());
        assert!(check(&"NOT ".repeat(500)).is_err());
        assert!(check(&format!("{}a", "NOT (".repeat(9))).is_err());
        let at_limit = format!("{}a{}", "(".repeat(16), ")".repeat(16));
        assert_eq!(check(&at_limit), Ok(()));
        let past_limit = format!("{}a{}", "(".repeat(17), ")".repeat(17));
        assert!(check(&past_limit).is_err());
    }

    #[test]
    fn long_and_wide_queries_are_refused() {
        assert!(check(&"a ".repeat(3000)).is_err(), "too long");
        assert!(check(&"ab OR ".repeat(300)).is_err(), "too many clauses");
        assert!(check("sales\u{0}force").is_err(), "control characters");
    }
}
