//! Candidates as a collection (`GET /v1/candidates`): filters, the keyword query answered by
//! the index, and the page cursor.
//!
//! The cursor is opaque to clients: the keyset position of the last row, signed with a key kept
//! in the store's `meta` table (HMAC-SHA256, 8 bytes). A cursor that was edited, truncated or
//! made up is refused as `BadCursor` rather than silently starting somewhere else; a signed
//! cursor survives restarts because its key does.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;
use uuid::Uuid;

use super::{Engine, EngineError, MAX_PAGE_SIZE};
use crate::store::{ListFilter, ListKey, ListedCandidate};

/// The `meta` key of the cursor signing key.
const CURSOR_KEY_META: &str = "list_cursor_key";
/// Bytes of the MAC kept in a cursor: enough that guessing one is hopeless.
const MAC_BYTES: usize = 8;

/// What a client asks of the collection.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub limit: usize,
    pub cursor: Option<String>,
    pub external_id: Option<String>,
    /// A Boolean keyword query over the resume text, as rankings take.
    pub q: Option<String>,
    pub created_since: Option<DateTime<Utc>>,
    pub updated_since: Option<DateTime<Utc>>,
    /// Whose candidates are listed.
    pub tenant: crate::tenant::Tenant,
}

/// One candidate in the list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateSummary {
    pub id: Uuid,
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The name read from the resume's contact details.
    pub display_name: Option<String>,
    /// The original upload's file name.
    pub file_name: Option<String>,
    pub media_type: String,
    pub total_months: u32,
    pub highest_degree: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateList {
    pub total: u64,
    pub results: Vec<CandidateSummary>,
    pub next_cursor: Option<String>,
}

impl From<ListedCandidate> for CandidateSummary {
    fn from(row: ListedCandidate) -> Self {
        Self {
            id: row.id,
            external_id: row.external_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
            display_name: row.display_name,
            file_name: row.file_name,
            media_type: row.media_type,
            total_months: row.total_months,
            highest_degree: row.highest_degree,
        }
    }
}

/// Signs and reads list cursors.
struct CursorCodec {
    key: Vec<u8>,
}

impl CursorCodec {
    fn mac(&self, payload: &[u8]) -> [u8; MAC_BYTES] {
        // HMAC takes a key of any length: this cannot fail.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(payload);
        let full = mac.finalize().into_bytes();
        let mut short = [0u8; MAC_BYTES];
        short.copy_from_slice(&full[..MAC_BYTES]);
        short
    }

    /// `hex(created_at '|' id) '.' hex(mac)`.
    fn encode(&self, key: &ListKey) -> String {
        let payload = format!("{}|{}", key.created_at, key.id);
        format!(
            "{}.{}",
            hex::encode(payload.as_bytes()),
            hex::encode(self.mac(payload.as_bytes()))
        )
    }

    fn decode(&self, text: &str) -> Option<ListKey> {
        // A created_at, a separator and a uuid, hex-encoded: well under 256 characters.
        if text.len() > 256 {
            return None;
        }
        let (payload, mac) = text.split_once('.')?;
        let payload = hex::decode(payload).ok()?;
        let mac = hex::decode(mac).ok()?;
        // Compared in full whatever the first differing byte, so timing says nothing.
        let expected = self.mac(&payload);
        if mac.len() != MAC_BYTES
            || mac
                .iter()
                .zip(expected.iter())
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                != 0
        {
            return None;
        }
        let payload = String::from_utf8(payload).ok()?;
        let (created_at, id) = payload.split_once('|')?;
        Some(ListKey {
            created_at: created_at.to_owned(),
            id: id.to_owned(),
        })
    }
}

impl Engine {
    fn cursor_codec(&self) -> Result<CursorCodec, EngineError> {
        // A fresh key costs two UUIDs; it is kept only by the first call on a new store.
        let mut fresh = Uuid::new_v4().simple().to_string();
        fresh.push_str(&Uuid::new_v4().simple().to_string());
        let key = self.store.meta_or_insert(CURSOR_KEY_META, &fresh)?;
        Ok(CursorCodec {
            key: key.into_bytes(),
        })
    }

    /// One page of the candidates, newest first.
    pub fn list_candidates(&self, query: &ListQuery) -> Result<CandidateList, EngineError> {
        let codec = self.cursor_codec()?;
        let after = match &query.cursor {
            Some(text) => Some(codec.decode(text).ok_or(EngineError::BadCursor)?),
            None => None,
        };
        let seqs = match &query.q {
            Some(q) if !q.trim().is_empty() => {
                let mut seqs: Vec<u64> = self.index.matching_seqs(q)?.into_iter().collect();
                seqs.sort_unstable();
                Some(seqs)
            }
            _ => None,
        };
        let filter = ListFilter {
            external_id: query.external_id.clone(),
            created_since: query.created_since,
            updated_since: query.updated_since,
            seqs,
            tenant: query.tenant.clone(),
        };
        let limit = query.limit.clamp(1, MAX_PAGE_SIZE);
        let page = self.store.list_candidates(&filter, after.as_ref(), limit)?;
        let next_cursor = match page.results.last() {
            Some(last) if page.more => Some(codec.encode(&last.key)),
            _ => None,
        };
        Ok(CandidateList {
            total: page.total,
            results: page.results.into_iter().map(Into::into).collect(),
            next_cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_edited_ones_are_refused() {
        let codec = CursorCodec {
            key: b"a key".to_vec(),
        };
        let key = ListKey {
            created_at: "2026-01-02T03:04:05.123+00:00".into(),
            id: Uuid::new_v4().to_string(),
        };
        let cursor = codec.encode(&key);
        assert_eq!(codec.decode(&cursor), Some(key.clone()));

        // One character changed anywhere is caught.
        for at in 0..cursor.len() {
            let mut edited = cursor.clone().into_bytes();
            edited[at] = if edited[at] == b'0' { b'1' } else { b'0' };
            let edited = String::from_utf8(edited).unwrap();
            if edited != cursor {
                assert_eq!(codec.decode(&edited), None, "{edited}");
            }
        }
        // Another key's cursor, garbage and the ranking's cursors are not ours.
        let other = CursorCodec {
            key: b"another key".to_vec(),
        };
        assert_eq!(other.decode(&cursor), None);
        for garbage in ["", ".", "zz.zz", "ffffffff0000000000000001", "é"] {
            assert_eq!(codec.decode(garbage), None, "{garbage}");
        }
    }
}
