//! Repair of UTF-8 text that was decoded as Windows-1252 somewhere upstream ("â€¢" for "•",
//! "Â" before a no-break space). Conservative: a sequence is replaced only when its characters,
//! mapped back to cp1252 bytes, form one valid UTF-8 character.

/// The cp1252 byte of `c`, for the characters that cp1252 puts at 0x80..=0xFF.
fn cp1252_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if (0xa0..=0xff).contains(&u) || (0x80..=0x9f).contains(&u) {
        return Some(u as u8);
    }
    Some(match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8a,
        '‹' => 0x8b,
        'Œ' => 0x8c,
        'Ž' => 0x8e,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9a,
        '›' => 0x9b,
        'œ' => 0x9c,
        'ž' => 0x9e,
        'Ÿ' => 0x9f,
        _ => return None,
    })
}

/// Three-byte characters whose last byte cp1252 lacks, so that the renderer drew U+200B in its
/// place: the two characters before it and the character meant.
const LOST_LAST_BYTE: [(char, char, char); 2] = [
    // EF BC 8D, the fullwidth hyphen-minus.
    ('ï', '¼', '－'),
    // E2 80 9D, the closing double quote.
    ('â', '€', '”'),
];

/// Repairs `text`; returns the repaired text and how many sequences were replaced.
pub fn repair(text: &str) -> (String, usize) {
    // Fast path: every mojibake sequence starts with a character in U+00C2..=U+00F4.
    if !text.chars().any(|c| ('\u{c2}'..='\u{f4}').contains(&c)) {
        return (text.to_owned(), 0);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut repaired = 0;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if let Some((decoded, used)) = decode_at(&chars, i) {
            out.push(decoded);
            repaired += 1;
            i += used;
            continue;
        }
        // The renderer turned some C1 bytes into U+200B ("ï¼\u{200b}" was U+FF0D, "Â\u{200b}"
        // a lone C2 0x8D-style pair with nothing visible).
        if chars.get(i + 2) == Some(&'\u{200b}')
            && let Some(&(_, _, decoded)) = LOST_LAST_BYTE
                .iter()
                .find(|(a, b, _)| c == *a && chars.get(i + 1) == Some(b))
        {
            out.push(decoded);
            repaired += 1;
            i += 3;
            continue;
        }
        if c == 'Â' {
            let next = chars.get(i + 1).copied();
            let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
            // "Â" left before a no-break space that became a space, or standing alone: it was
            // the first byte of U+00A0.
            if next == Some('\u{200b}') {
                repaired += 1;
                i += 2;
                continue;
            }
            if next.is_none_or(char::is_whitespace) || prev.is_none_or(char::is_whitespace) {
                if next.is_some_and(|n| !n.is_whitespace()) {
                    out.push(' ');
                }
                repaired += 1;
                i += 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    if repaired > 0 {
        // Removing a lone "Â" between two spaces leaves a double space.
        let mut clean = String::with_capacity(out.len());
        let mut prev_space = false;
        for c in out.chars() {
            let space = c == ' ';
            if !(space && prev_space) {
                clean.push(c);
            }
            prev_space = space;
        }
        let clean = clean.lines().map(str::trim).collect::<Vec<_>>().join("\n");
        return (clean, repaired);
    }
    (out, 0)
}

fn decode_at(chars: &[char], i: usize) -> Option<(char, usize)> {
    let lead = cp1252_byte(*chars.get(i)?)?;
    let n = match lead {
        0xc2..=0xdf => 1,
        0xe0..=0xef => 2,
        0xf0..=0xf4 => 3,
        _ => return None,
    };
    let mut bytes = [lead, 0, 0, 0];
    for k in 1..=n {
        let b = cp1252_byte(*chars.get(i + k)?)?;
        if !(0x80..=0xbf).contains(&b) {
            return None;
        }
        *bytes.get_mut(k)? = b;
    }
    let s = std::str::from_utf8(bytes.get(..=n)?).ok()?;
    let c = s.chars().next()?;
    Some((c, n + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_cp1252_mojibake() {
        assert_eq!(repair("â€¢ Sales").0, "• Sales");
        assert_eq!(repair("Name ï¼\u{200b} City").0, "Name － City");
        assert_eq!(repair("â€œhow-toâ€\u{200b} guides").0, "“how-to” guides");
        assert_eq!(
            repair("Professional Â well-versed").0,
            "Professional well-versed"
        );
        assert_eq!(repair("deadlines.Â Versatile").0, "deadlines. Versatile");
        assert_eq!(repair("cafÃ©").0, "café");
    }

    #[test]
    fn leaves_clean_text_alone() {
        assert_eq!(repair("Crème brûlée – naïve").1, 0);
        assert_eq!(repair("Ångström").1, 0);
    }
}
