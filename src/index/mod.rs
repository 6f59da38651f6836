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
    /// Writes not yet committed.
    pending: AtomicBool,
}

impl SearchIndex {
    /// Opens the index in `dir` and checks it whole; an index that cannot be opened or read, or
    /// whose files fail their checksums, is wiped and created empty, and `true` says so: the
    /// index is derived data, and the caller rebuilds it from the store. Only a directory that
    /// cannot be written, or a lock held by another live process, is an error.
    pub fn open_or_recreate(dir: &Path) -> Result<(Self, bool), IndexError> {
        let opened = Self::open_waiting_for_lock(dir).and_then(|index| {
            index.verify()?;
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

    /// Reads every active file once: checksums, then the sequence numbers of every document.
    fn verify(&self) -> Result<(), IndexError> {
        let damaged = self.index.validate_checksum()?;
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
        self.all_seqs()?;
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
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(writer),
            seq_field,
            text_field,
            pending: AtomicBool::new(false),
        })
    }

    fn schema() -> Schema {
        let mut builder = Schema::builder();
        builder.add_u64_field("seq", INDEXED | FAST | STORED);
        builder.add_text_field("text", TEXT);
        builder.build()
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        // A panic while holding the writer cannot leave it half-updated in a way that matters:
        // uncommitted changes are simply lost and the start-up check repairs the index.
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds or replaces the candidate `seq`; searchable after the next commit.
    pub fn upsert(&self, seq: u64, text: &str) -> Result<(), IndexError> {
        let writer = self.writer();
        writer.delete_term(Term::from_field_u64(self.seq_field, seq));
        let mut document = TantivyDocument::default();
        document.add_u64(self.seq_field, seq);
        document.add_text(self.text_field, text);
        writer.add_document(document)?;
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
    pub fn purge_deleted(&self) -> Result<(), IndexError> {
        let mut writer = self.writer();
        if self.pending.swap(false, Ordering::AcqRel)
            && let Err(error) = writer.commit()
        {
            self.pending.store(true, Ordering::Release);
            return Err(error.into());
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
            match writer.merge(&with_deletes).wait() {
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
        writer.garbage_collect_files().wait()?;
        Ok(())
    }

    /// Replaces the whole index with `documents` (seq, text), in one commit.
    pub fn rebuild<'a>(
        &self,
        documents: impl Iterator<Item = (u64, &'a str)>,
    ) -> Result<(), IndexError> {
        let mut writer = self.writer();
        writer.delete_all_documents()?;
        for (seq, text) in documents {
            let mut document = TantivyDocument::default();
            document.add_u64(self.seq_field, seq);
            document.add_text(self.text_field, text);
            writer.add_document(document)?;
        }
        writer.commit()?;
        self.pending.store(false, Ordering::Release);
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// The sequence numbers of every indexed candidate, to compare with the store at start-up.
    pub fn all_seqs(&self) -> Result<HashSet<u64>, IndexError> {
        self.commit_pending()?;
        let searcher = self.reader.searcher();
        Ok(searcher.search(&tantivy::query::AllQuery, &SeqCollector)?)
    }

    /// The candidates whose resume text matches `query`: Boolean operators (`AND`, `OR`, `NOT`,
    /// `-term`), phrases in quotes, parentheses. Terms are joined by AND when no operator is
    /// given, as recruiters expect of a search box.
    /// The query's shape is checked first ([`query_guard`]): tantivy's parser recurses once per
    /// nesting level, and a deep enough query would overflow the stack and abort the process.
    pub fn matching_seqs(&self, query: &str) -> Result<HashSet<u64>, IndexError> {
        query_guard::check(query).map_err(IndexError::BadQuery)?;
        let mut parser = QueryParser::for_index(&self.index, vec![self.text_field]);
        parser.set_conjunction_by_default();
        let query = parser
            .parse_query(query)
            .map_err(|e| IndexError::BadQuery(e.to_string()))?;
        self.commit_pending()?;
        let searcher = self.reader.searcher();
        Ok(searcher.search(&query, &SeqCollector)?)
    }
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
            .upsert(1, "key account manager b2b salesforce")
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
                .upsert(1, "Key account manager, Salesforce, B2B enterprise clients")
                .unwrap();
            index.upsert(2, "Chef de cuisine, menu planning").unwrap();
            index
                .upsert(3, "Account executive using HubSpot for retail clients")
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
}
