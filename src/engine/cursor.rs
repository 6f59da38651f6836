//! The ranking cursor's codec and the order it resumes in. Its own room because the encoding is
//! part of the contract (a client holds cursors across calls): it changes only on purpose.

/// Where ranking resumes: the last result of the previous page, by (score, seq).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Cursor {
    pub(super) score: f32,
    pub(super) seq: u64,
}

impl Cursor {
    pub(super) fn encode(self) -> String {
        format!("{:08x}{:016x}", self.score.to_bits(), self.seq)
    }

    pub(super) fn decode(text: &str) -> Option<Cursor> {
        if text.len() != 24 || !text.is_ascii() {
            return None;
        }
        let score = f32::from_bits(u32::from_str_radix(&text[..8], 16).ok()?);
        let seq = u64::from_str_radix(&text[8..], 16).ok()?;
        score.is_finite().then_some(Cursor { score, seq })
    }
}

/// Ranking order: best score first, then the earlier upload. Total, so pages are stable.
pub(super) fn ranks_before(a: (f32, u64), b: (f32, u64)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor {
            score: 87.25,
            seq: 42,
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("not a cursor"), None);
        assert_eq!(
            Cursor::decode("ffffffff0000000000000001"),
            None,
            "NaN scores are refused"
        );
        assert_eq!(Cursor::decode("é"), None);
    }
}
