//! The full-text index (tantivy): resume text searchable with the Boolean queries recruiters
//! write ("salesforce AND (b2b OR \"key account\")"). It is derived data: the store is the source
//! of truth, and a mismatch found at start-up is repaired by re-indexing from the store.
//!
//! Documents are keyed by the candidate's sequence number (`seq`), a u64 fast field, so that a
//! query answers with the set of matching candidates without loading stored documents.
//!
//! Writes are not committed one by one (a tantivy commit syncs files): they are committed in
//! batches by [`SearchIndex::commit_pending`], which the engine calls from a background thread
//! a few times a second, and which every query calls first, so that a query always sees every
//! write made before it.

pub mod facts;
pub mod query_guard;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::directory::MmapDirectory;
use tantivy::index::SegmentReader;
use tantivy::query::QueryParser;
use tantivy::schema::{FAST, Field, INDEXED, STORED, Schema, TEXT};
use tantivy::{DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, TantivyDocument, Term};

use facts::FactFields;
pub use facts::Facts;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The query text is not a valid query: the user's error, shown to them.
    #[error("invalid search query: {0}")]
    BadQuery(String),
    #[error("search index failure: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(String),
    /// Another process holds the index's writer lock, still after waiting for it.
    #[error(
        "the search index is locked by another process (is another shortlist server using this \
         data directory?)"
    )]
    Locked,
    #[error("the search index is damaged: {0}")]
    Damaged(String),
}

/// How long opening waits for the writer lock: a process killed a moment ago may not have let go
/// of its lock file yet when its replacement starts.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Memory for the single index writer. One writer thread: the machine has two cores and
/// parsing needs them more than indexing does.
const WRITER_MEMORY_BYTES: usize = 50_000_000;

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    /// The one `IndexWriter`, owned here and nowhere else.
    writer: Mutex<IndexWriter>,
    seq_field: Field,
    text_field: Field,
    fact_fields: FactFields,
    /// Writes not yet committed.
    pending: AtomicBool,
    /// One purge of erased documents at a time: two would fight over the same segments.
    purging: Mutex<()>,
}

impl SearchIndex {
    /// Opens the index in `dir` and checks it whole; an index that cannot be opened or read, or
    /// whose files fail their checksums, is wiped and created empty, and `true` says so: the
    /// index is derived data, and the caller rebuilds it from the store. Only a directory that
    /// cannot be written, or a lock held by another live process, is an error.
    pub fn open_or_recreate(dir: &Path) -> Result<(Self, bool), IndexError> {
        // The checksums are checked once the writer's lock is ours: another live process on
        // this directory must make us wait or fail, never see its index wiped.
        let opened = Self::open_waiting_for_lock(dir).and_then(|index| {
            Self::verify_checksums(dir)?;
            index.all_seqs()?;
            Ok(index)
        });
        match opened {
            Ok(index) => Ok((index, false)),
            Err(error @ (IndexError::Directory(_) | IndexError::Locked)) => Err(error),
            Err(error) => {
                tracing::warn!(%error, "the search index is damaged; rebuilding it from the store");
                std::fs::remove_dir_all(dir).map_err(|e| IndexError::Directory(e.to_string()))?;
                Ok((Self::open_waiting_for_lock(dir)?, true))
            }
        }
    }

    fn open_waiting_for_lock(dir: &Path) -> Result<Self, IndexError> {
        let started = std::time::Instant::now();
        loop {
            match Self::open(dir) {
                Err(IndexError::Tantivy(tantivy::TantivyError::LockFailure(..))) => {
                    if started.elapsed() >= LOCK_WAIT {
                        return Err(IndexError::Locked);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                other => return other,
            }
        }
    }

    /// Reads every active file once and checks its checksum, through an index opened for
    /// this alone and dropped after: its file mappings go with it, so that the pages the check
    /// read (the whole index: 1.6 GB at a million candidates) do not stay in the server's
    /// resident memory. The index the server keeps maps only what its searches read.
    fn verify_checksums(dir: &Path) -> Result<(), IndexError> {
        if !dir.join("meta.json").exists() {
            return Ok(());
        }
        let directory =
            MmapDirectory::open(dir).map_err(|e| IndexError::Directory(e.to_string()))?;
        let index = Index::open(directory)?;
        let damaged = index.validate_checksum()?;
        if !damaged.is_empty() {
            let mut names: Vec<String> = damaged
                .iter()
                .map(|path| path.display().to_string())
                .collect();
            names.sort();
            return Err(IndexError::Damaged(format!(
                "files failing their checksum: {}",
                names.join(", ")
            )));
        }
        Ok(())
    }

    /// Opens the index in `dir`, creating it when absent. An index with another schema (from an
    /// older version) is wiped and recreated: it is derived data and gets rebuilt from the store.
    pub fn open(dir: &Path) -> Result<Self, IndexError> {
        std::fs::create_dir_all(dir).map_err(|e| IndexError::Directory(e.to_string()))?;
        let schema = Self::schema();
        let directory =
            MmapDirectory::open(dir).map_err(|e| IndexError::Directory(e.to_string()))?;
        let index = match Index::open_or_create(directory, schema.clone()) {
            Ok(index) => index,
            Err(tantivy::TantivyError::SchemaError(_)) => {
                std::fs::remove_dir_all(dir).map_err(|e| IndexError::Directory(e.to_string()))?;
                std::fs::create_dir_all(dir).map_err(|e| IndexError::Directory(e.to_string()))?;
                Index::create_in_dir(dir, schema.clone())?
            }
            Err(other) => return Err(other.into()),
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY_BYTES)?;
        let seq_field = schema.get_field("seq")?;
        let text_field = schema.get_field("text")?;
        let fact_fields = FactFields::from_schema(&schema)?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(writer),
            seq_field,
            text_field,
            fact_fields,
            pending: AtomicBool::new(false),
            purging: Mutex::new(()),
        })
    }

    fn schema() -> Schema {
        let mut builder = Schema::builder();
        builder.add_u64_field("seq", INDEXED | FAST | STORED);
        builder.add_text_field("text", TEXT);
        FactFields::add_to(&mut builder);
        builder.build()
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        // A panic while holding the writer cannot leave it half-updated in a way that matters:
        // uncommitted changes are simply lost and the start-up check repairs the index.
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn document(&self, seq: u64, text: &str, facts: &Facts) -> TantivyDocument {
        let mut document = TantivyDocument::default();
        document.add_u64(self.seq_field, seq);
        document.add_text(self.text_field, text);
        self.fact_fields.add(&mut document, facts);
        document
    }

    /// Adds or replaces the candidate `seq`; searchable after the next commit.
    pub fn upsert(&self, seq: u64, text: &str, facts: &Facts) -> Result<(), IndexError> {
        let writer = self.writer();
        writer.delete_term(Term::from_field_u64(self.seq_field, seq));
        writer.add_document(self.document(seq, text, facts))?;
        self.pending.store(true, Ordering::Release);
        Ok(())
    }

    pub fn delete(&self, seq: u64) -> Result<(), IndexError> {
        let writer = self.writer();
        writer.delete_term(Term::from_field_u64(self.seq_field, seq));
        self.pending.store(true, Ordering::Release);
        Ok(())
    }

    /// Commits the writes made so far, if any, and makes them visible to queries.
    ///
    /// The writer lock is taken even when nothing is pending, and held through the reload: a
    /// commit in flight on the background committer (which has already cleared `pending`) must
    /// be visible before a query that arrives meanwhile searches, or the query would miss a
    /// write acknowledged before it.
    pub fn commit_pending(&self) -> Result<(), IndexError> {
        let mut writer = self.writer();
        // Cleared under the writer lock: a write that lands after this is left pending.
        if !self.pending.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        if let Err(error) = writer.commit() {
            self.pending.store(true, Ordering::Release);
            return Err(error.into());
        }
        self.reader.reload()?;
        drop(writer);
        Ok(())
    }

    /// Rewrites every segment that holds deleted documents without them, then removes the
    /// files no longer used. tantivy only marks a deleted document as deleted: its terms (the
    /// words of the resume, a name or an e-mail among them) stay in the segment's files until
    /// a merge rewrites it. An erasure calls this so that those bytes leave the disk.
    ///
    /// The merges are started under the writer lock and waited for without it, so queries and
    /// uploads go on while the segments are rewritten (held through the wait, every ranking and
    /// upload stalled behind each deletion under load).
    pub fn purge_deleted(&self) -> Result<(), IndexError> {
        let _purging = self
            .purging
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        {
            let mut writer = self.writer();
            if self.pending.swap(false, Ordering::AcqRel)
                && let Err(error) = writer.commit()
            {
                self.pending.store(true, Ordering::Release);
                return Err(error.into());
            }
        }
        // A background merge may hold one of the segments for a moment: try again after it.
        let mut attempts = 0;
        loop {
            let with_deletes: Vec<tantivy::index::SegmentId> = self
                .index
                .searchable_segment_metas()?
                .iter()
                .filter(|meta| meta.has_deletes())
                .map(|meta| meta.id())
                .collect();
            if with_deletes.is_empty() {
                break;
            }
            let merge = self.writer().merge(&with_deletes);
            match merge.wait() {
                Ok(_) => break,
                Err(error) if attempts < 20 => {
                    attempts += 1;
                    tracing::debug!(%error, "segments busy; merging again shortly");
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(error) => return Err(error.into()),
            }
        }
        self.reader.reload()?;
        let collect = self.writer().garbage_collect_files();
        collect.wait()?;
        Ok(())
    }

    /// Replaces the whole index with `documents` (seq, text, facts), in one commit.
    /// Replaces every document with `documents`, committed once at the end. The documents
    /// may come from a fallible reader (the store): its first error stops the rebuild, and
    /// nothing of it is committed.
    pub fn rebuild<E: From<IndexError>>(
        &self,
        documents: impl Iterator<Item = Result<(u64, String, Facts), E>>,
    ) -> Result<(), E> {
        let mut writer = self.writer();
        writer.delete_all_documents().map_err(IndexError::from)?;
        for document in documents {
            let (seq, text, facts) = document?;
            writer
                .add_document(self.document(seq, &text, &facts))
                .map_err(IndexError::from)?;
        }
        writer.commit().map_err(IndexError::from)?;
        self.pending.store(false, Ordering::Release);
        drop(writer);
        self.reader.reload().map_err(IndexError::from)?;
        Ok(())
    }

    /// Whether the index answers and takes commits now (the readiness probe): pending writes
    /// are committed, then the searcher counts its documents.
    pub fn check_ready(&self) -> Result<u64, IndexError> {
        self.commit_pending()?;
        Ok(self.reader.searcher().num_docs())
    }

    /// The sequence numbers of every indexed candidate, to compare with the store at start-up.
    pub fn all_seqs(&self) -> Result<HashSet<u64>, IndexError> {
        self.commit_pending()?;
        let searcher = self.reader.searcher();
        Ok(searcher.search(&tantivy::query::AllQuery, &SeqCollector)?)
    }

    /// The candidates whose resume text matches `query`: Boolean operators (`AND`, `OR`, `NOT`,
    /// `-term`), phrases in quotes, parentheses. Terms are joined by AND when no operator is
    /// given, as recruiters expect of a search box. Profile facts can be named as fields
    /// ([`facts`]): `skill:Salesforce`, `degree:bachelor`, `b2b_sales_months:>=60`.
    /// The query's shape is checked first ([`query_guard`]): tantivy's parser recurses once per
    /// nesting level, and a deep enough query would overflow the stack and abort the process.
    pub fn matching_seqs(&self, query: &str) -> Result<HashSet<u64>, IndexError> {
        query_guard::check(query).map_err(IndexError::BadQuery)?;
        let mut parser = QueryParser::for_index(&self.index, vec![self.text_field]);
        parser.set_conjunction_by_default();
        let query = parser
            .parse_query(&not_as_minus(query))
            .map_err(|e| IndexError::BadQuery(e.to_string()))?;
        self.commit_pending()?;
        let searcher = self.reader.searcher();
        Ok(searcher.search(&query, &SeqCollector)?)
    }
}

/// `a AND NOT b` written as `a AND -b`. tantivy's parser reads `NOT b` after an operator as a
/// clause of its own with nothing positive in it, which matches no document, so the whole
/// conjunction came back empty (tantivy issue #2584); `-b` is the exclusion recruiters mean.
/// Words inside quotes are left alone.
fn not_as_minus(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut in_quotes = false;
    let mut rest = query;
    while let Some(c) = rest.chars().next() {
        let at_boundary = out
            .chars()
            .last()
            .is_none_or(|p| p.is_whitespace() || p == '(');
        if !in_quotes && at_boundary && rest.starts_with("NOT") {
            let after = &rest[3..];
            if after.starts_with(char::is_whitespace) {
                out.push('-');
                rest = after.trim_start();
                continue;
            }
        }
        if c == '"' {
            in_quotes = !in_quotes;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Collects the `seq` fast field of every matching document: no stored document is loaded.
struct SeqCollector;

struct SeqSegmentCollector {
    seqs: Column<u64>,
    found: HashSet<u64>,
}

impl Collector for SeqCollector {
    type Fruit = HashSet<u64>;
    type Child = SeqSegmentCollector;

    fn for_segment(
        &self,
        _segment_local_id: u32,
        segment: &SegmentReader,
    ) -> tantivy::Result<SeqSegmentCollector> {
        Ok(SeqSegmentCollector {
            seqs: segment.fast_fields().u64("seq")?,
            found: HashSet::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<HashSet<u64>>) -> tantivy::Result<HashSet<u64>> {
        let mut all = HashSet::new();
        for fruit in fruits {
            all.extend(fruit);
        }
        Ok(all)
    }
}

impl SegmentCollector for SeqSegmentCollector {
    type Fruit = HashSet<u64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(seq) = self.seqs.first(doc) {
            self.found.insert(seq);
        }
    }

    fn harvest(self) -> HashSet<u64> {
        self.found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every query the guard lets through parses and runs on a thread with an eighth of the
    /// usual stack, so the bounds keep a wide margin; the queries past them never reach the
    /// parser (before the guard, a ranking `q` of 2,200 nested parentheses aborted the server).
    #[test]
    fn queries_at_the_guard_bounds_run_on_a_small_stack_and_deeper_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path()).unwrap();
        index
            .upsert(1, "key account manager b2b salesforce", &Facts::default())
            .unwrap();
        let depth = query_guard::MAX_QUERY_DEPTH;
        let allowed = vec![
            format!("{}b2b{}", "(".repeat(depth), ")".repeat(depth)),
            format!("{}b2b", "NOT ".repeat(depth)),
            format!("{}b2b{}", "NOT (".repeat(depth / 2), ")".repeat(depth / 2)),
            format!("{}b2b{}", "text:(".repeat(depth), ")".repeat(depth)),
            vec!["b2b"; query_guard::MAX_QUERY_CLAUSES].join(" OR "),
            format!("{}b2b{}", "+(".repeat(depth), ")".repeat(depth)),
        ];
        let refused = vec![
            format!("{}b2b{}", "(".repeat(2200), ")".repeat(2200)),
            "(".repeat(3000),
            "NOT ".repeat(1000),
            format!("{}b2b{}", "text:(".repeat(600), ")".repeat(600)),
            format!("{}b2b", "-(".repeat(2000)),
        ];
        let index = std::sync::Arc::new(index);
        let worker = std::sync::Arc::clone(&index);
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                for query in &allowed {
                    assert!(query_guard::check(query).is_ok(), "{query}");
                    // A query may still be invalid syntax (a parse error is fine); it must
                    // not overflow.
                    let _ = worker.matching_seqs(query);
                }
                for query in &refused {
                    assert!(
                        matches!(worker.matching_seqs(query), Err(IndexError::BadQuery(_))),
                        "refused before parsing: {}",
                        &query[..40]
                    );
                }
            })
            .unwrap()
            .join()
            .expect("no stack overflow");
    }

    #[test]
    fn boolean_queries_select_the_right_candidates_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let index = SearchIndex::open(dir.path()).unwrap();
            index
                .upsert(
                    1,
                    "Key account manager, Salesforce, B2B enterprise clients",
                    &Facts::default(),
                )
                .unwrap();
            index
                .upsert(2, "Chef de cuisine, menu planning", &Facts::default())
                .unwrap();
            index
                .upsert(
                    3,
                    "Account executive using HubSpot for retail clients",
                    &Facts::default(),
                )
                .unwrap();
            let found = index.matching_seqs("salesforce OR hubspot").unwrap();
            assert_eq!(found, HashSet::from([1, 3]));
            let found = index.matching_seqs("account AND -hubspot").unwrap();
            assert_eq!(found, HashSet::from([1]));
            let found = index.matching_seqs("\"key account\"").unwrap();
            assert_eq!(found, HashSet::from([1]));
            index.delete(1).unwrap();
            index.commit_pending().unwrap();
        }
        let reopened = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(reopened.all_seqs().unwrap(), HashSet::from([2, 3]));
        assert!(matches!(
            reopened.matching_seqs("(unclosed"),
            Err(IndexError::BadQuery(_))
        ));
    }

    #[test]
    fn not_after_an_operator_excludes_instead_of_emptying_the_query() {
        assert_eq!(not_as_minus("a AND NOT b"), "a AND -b");
        assert_eq!(not_as_minus("NOT (a OR b) c"), "-(a OR b) c");
        assert_eq!(not_as_minus("(NOT a)"), "(-a)");
        assert_eq!(
            not_as_minus("\"do NOT travel\" NOTE"),
            "\"do NOT travel\" NOTE"
        );
        assert_eq!(not_as_minus("KNOT tying"), "KNOT tying");
    }

    #[test]
    fn queries_name_profile_facts_beside_words_of_the_text() {
        use crate::profile::{DegreeLevel, Experience, Profile, Skill, TravelStatus};
        let profile = |skill: &str, group: &str, degree, b2b: u32, travel| {
            let mut profile = Profile::default();
            profile.skills.push(Skill {
                name: skill.to_owned(),
                group: group.to_owned(),
                months: None,
                last_used: None,
                evidence: Vec::new(),
            });
            profile.highest_degree = degree;
            profile.experience = Experience {
                total_months: b2b + 12,
                sales_months: b2b,
                b2b_sales_months: b2b,
                account_management_months: 0,
                people_management_months: 0,
            };
            profile.travel.status = travel;
            Facts::from_profile(&profile)
        };
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path()).unwrap();
        let seller = profile(
            "Salesforce",
            "crm",
            DegreeLevel::Master,
            72,
            TravelStatus::Yes,
        );
        let junior = profile(
            "HubSpot",
            "crm",
            DegreeLevel::Associate,
            24,
            TravelStatus::Unknown,
        );
        index.upsert(1, "Key account manager", &seller).unwrap();
        index.upsert(2, "Account executive", &junior).unwrap();
        let found = |q: &str| {
            let mut seqs: Vec<u64> = index.matching_seqs(q).unwrap().into_iter().collect();
            seqs.sort_unstable();
            seqs
        };
        assert_eq!(found("skill:Salesforce"), [1]);
        assert_eq!(
            found("skill:crm"),
            [1, 2],
            "a taxonomy group names every member"
        );
        assert_eq!(found("degree:bachelor"), [1], "at least a bachelor's");
        assert_eq!(found("degree:associate"), [1, 2]);
        assert_eq!(found("b2b_sales_months:>=60"), [1]);
        assert_eq!(found("b2b_sales_months:[12 TO 36]"), [2]);
        assert_eq!(found("travel:yes"), [1]);
        assert_eq!(found("account -skill:salesforce"), [2]);
        assert_eq!(found("account AND NOT key"), [2]);
        assert_eq!(found("executive OR b2b_sales_months:>70"), [1, 2]);
        assert!(matches!(
            index.matching_seqs("shoe_size:>=40"),
            Err(IndexError::BadQuery(_))
        ));
    }
}
