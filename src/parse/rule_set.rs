//! Which of many rule patterns match a text, anywhere: what a `regex::RegexSet` answers, built
//! with only the part of it that answers that.
//!
//! Why not a `RegexSet`: besides the forward automaton it also compiles every pattern a second
//! time, backwards, and extracts literal prefilters, neither of which a which-patterns search
//! uses. For the travel rules (the fifty states' alternation several times over) that was a
//! third of the set's build, and the set was the dearest single build of a one-file
//! `shortlist parse`. The answer is the same: which patterns match is a property of the
//! patterns and the text, not of the engine that finds it.

use std::sync::Mutex;

use regex_automata::hybrid::dfa::{self, DFA};
use regex_automata::nfa::thompson::pikevm::{self, PikeVM};
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind, PatternSet};

#[derive(Debug)]
pub(crate) struct RuleSet {
    /// Every pattern in one forward lazy DFA reporting all the patterns that match.
    dfa: DFA,
    /// The same automaton searched without a DFA, for the texts where the lazy DFA gives up
    /// (its cache cleared too often): the `RegexSet` fell back the same way.
    pikevm: PikeVM,
    /// Search state kept between searches, one per thread searching at once.
    caches: Mutex<Vec<(dfa::Cache, pikevm::Cache)>>,
}

impl RuleSet {
    /// `patterns` as a `RegexSetBuilder` with the same options would read them (Unicode, and
    /// `case_insensitive` as given), with `cache_bytes` for the lazy DFA's states.
    pub(crate) fn new<I, P>(
        patterns: I,
        case_insensitive: bool,
        cache_bytes: usize,
    ) -> Result<Self, String>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<str>,
    {
        let patterns: Vec<P> = patterns.into_iter().collect();
        let nfa = thompson::Compiler::new()
            .syntax(syntax::Config::new().case_insensitive(case_insensitive))
            .configure(thompson::Config::new().which_captures(WhichCaptures::None))
            .build_many(&patterns)
            .map_err(|e| e.to_string())?;
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .unicode_word_boundary(true)
                    .cache_capacity(cache_bytes)
                    .minimum_cache_clear_count(Some(3))
                    .minimum_bytes_per_state(Some(10)),
            )
            .build_from_nfa(nfa.clone())
            .map_err(|e| e.to_string())?;
        let pikevm = PikeVM::builder()
            .configure(PikeVM::config().match_kind(MatchKind::All))
            .build_from_nfa(nfa)
            .map_err(|e| e.to_string())?;
        Ok(Self {
            dfa,
            pikevm,
            caches: Mutex::new(Vec::new()),
        })
    }

    /// The indices of the patterns that match somewhere in `text`, in ascending order.
    pub(crate) fn matches(&self, text: &str) -> Vec<usize> {
        let cached = self.caches.lock().ok().and_then(|mut caches| caches.pop());
        let (mut dfa_cache, mut pikevm_cache) =
            cached.unwrap_or_else(|| (self.dfa.create_cache(), self.pikevm.create_cache()));
        let input = Input::new(text);
        let mut found = PatternSet::new(self.dfa.pattern_len());
        if self
            .dfa
            .try_which_overlapping_matches(&mut dfa_cache, &input, &mut found)
            .is_err()
        {
            found.clear();
            self.pikevm
                .which_overlapping_matches(&mut pikevm_cache, &input, &mut found);
        }
        if let Ok(mut caches) = self.caches.lock() {
            caches.push((dfa_cache, pikevm_cache));
        }
        found.iter().map(|id| id.as_usize()).collect()
    }
}

/// A copy starts with no search state of its own, like a cloned `RegexSet`.
impl Clone for RuleSet {
    fn clone(&self) -> Self {
        Self {
            dfa: self.dfa.clone(),
            pikevm: self.pikevm.clone(),
            caches: Mutex::new(Vec::new()),
        }
    }
}
