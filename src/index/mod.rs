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
}

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
    pub fn commit_pending(&self) -> Result<(), IndexError> {
        if !self.pending.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut writer = self.writer();
        // Cleared under the writer lock: a write that lands after this is left pending.
        if !self.pending.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        if let Err(error) = writer.commit() {
            self.pending.store(true, Ordering::Release);
            return Err(error.into());
        }
        drop(writer);
        self.reader.reload()?;
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
    pub fn matching_seqs(&self, query: &str) -> Result<HashSet<u64>, IndexError> {
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
