//! Unpacking the zip archives of bulk uploads. Sizes are enforced on the bytes actually
//! inflated, never on what the archive's headers claim, so a zip bomb is stopped at the limit.

use std::io::Read;

use crate::error_code::Code;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("the zip archive cannot be read: {0}")]
    Malformed(String),
    #[error(
        "{what} of the zip archive expands to more than {limit} bytes, which is refused as a \
         possible zip bomb"
    )]
    Bomb {
        /// Which limit was passed: "one file" (each file's) or "the files together" (the batch's).
        what: &'static str,
        limit: usize,
    },
    #[error("the zip archive holds more than {limit} files")]
    TooManyEntries { limit: usize },
}

impl ArchiveError {
    /// Its entry in the error table: a batch item's code.
    pub fn code(&self) -> Code {
        match self {
            ArchiveError::Malformed(_) => Code::MalformedArchive,
            ArchiveError::Bomb { .. } => Code::ArchiveBomb,
            ArchiveError::TooManyEntries { .. } => Code::TooManyFiles,
        }
    }
}

/// What a zip archive holds: its files as (path, bytes), and the entries left out as hidden or
/// system files (`__MACOSX/`, dot files), by path, so that the caller can report each one.
#[derive(Debug, Default)]
pub struct Unpacked {
    pub files: Vec<(String, Vec<u8>)>,
    pub skipped: Vec<String>,
}

/// The files in a zip archive, folders left out and hidden or system files set aside. Each
/// entry may inflate to `max_entry_bytes`, all of them together to `max_total_bytes`.
pub fn unpack_zip(
    bytes: &[u8],
    max_entry_bytes: usize,
    max_total_bytes: usize,
    max_entries: usize,
) -> Result<Unpacked, ArchiveError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| ArchiveError::Malformed(e.to_string()))?;
    let mut unpacked = Unpacked::default();
    let files = &mut unpacked.files;
    let mut total = 0usize;
    for index in 0..archive.len() {
        let entry = archive
            .by_index(index)
            .map_err(|e| ArchiveError::Malformed(e.to_string()))?;
        let name = entry
            .name()
            .map_err(|e| ArchiveError::Malformed(e.to_string()))?
            .into_owned();
        let base_name = name.rsplit('/').next().unwrap_or("");
        if entry.is_dir() || base_name.is_empty() {
            continue;
        }
        if name.starts_with("__MACOSX/") || base_name.starts_with('.') {
            unpacked.skipped.push(name);
            continue;
        }
        if files.len() == max_entries {
            return Err(ArchiveError::TooManyEntries { limit: max_entries });
        }
        let room = max_entry_bytes.min(max_total_bytes - total);
        let mut content = Vec::new();
        entry
            .take(room as u64 + 1)
            .read_to_end(&mut content)
            .map_err(|e| ArchiveError::Malformed(e.to_string()))?;
        if content.len() > room {
            return Err(if room == max_entry_bytes {
                ArchiveError::Bomb {
                    what: "one file",
                    limit: max_entry_bytes,
                }
            } else {
                ArchiveError::Bomb {
                    what: "the files together",
                    limit: max_total_bytes,
                }
            });
        }
        total += content.len();
        files.push((name, content));
    }
    Ok(unpacked)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut bytes = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut bytes);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in entries {
            zip.start_file(*name, options).unwrap();
            zip.write_all(content).unwrap();
        }
        zip.finish().unwrap();
        bytes.into_inner()
    }

    #[test]
    fn files_come_out_and_system_files_are_skipped() {
        let archive = zip_of(&[
            ("a.txt", b"one"),
            ("dir/b.pdf", b"two"),
            ("__MACOSX/x", b"z"),
            (".DS_Store", b"z"),
        ]);
        let unpacked = unpack_zip(&archive, 100, 1000, 10).unwrap();
        let names: Vec<&str> = unpacked.files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a.txt", "dir/b.pdf"]);
        assert_eq!(unpacked.files[1].1, b"two");
        assert_eq!(unpacked.skipped, ["__MACOSX/x", ".DS_Store"]);
    }

    #[test]
    fn bombs_and_garbage_are_refused() {
        let big = vec![0u8; 10_000];
        let archive = zip_of(&[("a.txt", &big)]);
        assert!(archive.len() < 1000, "compresses well");
        assert!(matches!(
            unpack_zip(&archive, 5_000, 100_000, 10),
            Err(ArchiveError::Bomb {
                what: "one file",
                limit: 5_000
            })
        ));
        let two = zip_of(&[("a.txt", &big), ("b.txt", &big)]);
        assert!(matches!(
            unpack_zip(&two, 20_000, 15_000, 10),
            Err(ArchiveError::Bomb {
                what: "the files together",
                limit: 15_000
            })
        ));
        assert!(matches!(
            unpack_zip(&two, 20_000, 100_000, 1),
            Err(ArchiveError::TooManyEntries { .. })
        ));
        assert!(matches!(
            unpack_zip(b"PK\x03\x04 not really", 10, 10, 10),
            Err(ArchiveError::Malformed(_))
        ));
    }
}
