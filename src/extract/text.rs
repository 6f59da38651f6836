//! Plain text: encoding detection (BOM, UTF-16 without BOM, UTF-8, else Windows-1252) and line
//! normalisation.

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};

/// Decodes bytes of unknown encoding.
pub fn decode(bytes: &[u8]) -> String {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let body = bytes.get(bom_len..).unwrap_or(&[]);
        return encoding.decode_without_bom_handling(body).0.into_owned();
    }
    if let Some(utf16) = utf16_without_bom(bytes) {
        return utf16.decode_without_bom_handling(bytes).0.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// UTF-16 text without a BOM shows as every other byte zero in ASCII-heavy text.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let sample = bytes.get(..bytes.len().min(512))?;
    if sample.len() < 4 {
        return None;
    }
    let even_zero = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_zero = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|&&b| b == 0)
        .count();
    let half = sample.len() / 2;
    if odd_zero * 10 >= half * 7 && even_zero * 10 <= half {
        Some(UTF_16LE)
    } else if even_zero * 10 >= half * 7 && odd_zero * 10 <= half {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Whether the bytes are text in an encoding we read (not binary data).
pub fn is_text(bytes: &[u8]) -> bool {
    if encoding_rs::Encoding::for_bom(bytes).is_some() || utf16_without_bom(bytes).is_some() {
        return true;
    }
    let sample = bytes.get(..bytes.len().min(8192)).unwrap_or(bytes);
    let controls = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    // A few stray control bytes occur in real text; binary data is full of them.
    controls * 100 <= sample.len()
}

/// Line endings to `\n`, form feeds to blank lines, trailing spaces trimmed, runs of blank lines
/// collapsed to one.
pub fn normalise(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace(['\r', '\x0c'], "\n");
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.extend(line.chars().filter(|c| !c.is_control() || *c == '\t'));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_common_encodings() {
        assert_eq!(decode("héllo".as_bytes()), "héllo");
        assert_eq!(decode(b"\xef\xbb\xbfhi"), "hi");
        assert_eq!(
            decode(b"h\x00i\x00 \x00t\x00h\x00e\x00r\x00e\x00"),
            "hi there"
        );
        assert_eq!(
            decode(b"\x00h\x00i\x00 \x00t\x00h\x00e\x00r\x00e"),
            "hi there"
        );
        assert_eq!(decode(b"caf\xe9 \x93q\x94"), "café “q”");
        assert_eq!(normalise("a\r\nb\r\n\r\n\r\nc  "), "a\nb\n\nc");
    }
}
