//! A content-stream tokenizer that works on the decompressed bytes in place.
//!
//! lopdf's content parser builds an `Operation` with owned `Object`s and a `String` operator for
//! every operator; wkhtmltopdf output has one `Td` and one `Tj` per glyph, so that costs several
//! allocations per glyph. This lexer borrows names and operators from the input and writes
//! string operands into one reused buffer, which keeps the interpreter allocation-free per glyph.

/// One token. Ranges index the input (`Name`, `Op`) or the string buffer (`Str`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tok {
    Num(f32),
    Name(u32, u32),
    Str(u32, u32),
    ArrOpen,
    ArrClose,
    DictOpen,
    DictClose,
    Op(u32, u32),
    Other,
}

pub struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
}

/// Byte classes of the PDF syntax (ISO 32000-1, 7.2.2), looked up once per byte: the lexer's
/// inner loops run over every byte of every content stream.
const REGULAR: u8 = 0;
const WHITE: u8 = 1;
const DELIM: u8 = 2;
const CLASS: [u8; 256] = {
    let mut table = [REGULAR; 256];
    let white = [b' ', b'\n', b'\r', b'\t', b'\x0c', 0];
    let mut i = 0;
    while i < white.len() {
        table[white[i] as usize] = WHITE;
        i += 1;
    }
    let delims = *b"()<>[]{}/%";
    let mut i = 0;
    while i < delims.len() {
        table[delims[i] as usize] = DELIM;
        i += 1;
    }
    table
};

fn is_white(b: u8) -> bool {
    CLASS[b as usize] == WHITE
}

/// The value of each hex digit, 0xff for other bytes.
const HEX: [u8; 256] = {
    let mut table = [0xff; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

impl<'a> Lexer<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    pub fn slice(&self, start: u32, end: u32) -> &'a [u8] {
        self.data.get(start as usize..end as usize).unwrap_or(&[])
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// The end of the run of regular bytes (a name, number or operator) from `pos`.
    fn regular_end(data: &[u8], mut pos: usize) -> usize {
        while let Some(&b) = data.get(pos) {
            if CLASS[b as usize] != REGULAR {
                break;
            }
            pos += 1;
        }
        pos
    }

    /// The next token, or `None` at the end. String contents are appended to `strings`.
    ///
    /// Written over a local position with plain loops and inlined into the interpreter's loop:
    /// this runs once per token of every content stream (five tokens a glyph in wkhtmltopdf
    /// output, `11 0 Td <0002> Tj`), and the call, the iterator adaptors and the write-back of
    /// the position per byte were half of its cost.
    #[inline(always)]
    pub fn next_token(&mut self, strings: &mut Vec<u8>) -> Option<Tok> {
        let data = self.data;
        let mut pos = self.pos;
        // White space and comments.
        loop {
            while let Some(&b) = data.get(pos) {
                if CLASS[b as usize] != WHITE {
                    break;
                }
                pos += 1;
            }
            if data.get(pos) != Some(&b'%') {
                break;
            }
            while let Some(&b) = data.get(pos) {
                if b == b'\n' || b == b'\r' {
                    break;
                }
                pos += 1;
            }
        }
        let Some(&b) = data.get(pos) else {
            self.pos = pos;
            return None;
        };
        match b {
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                let end = Self::regular_end(data, pos + 1);
                let text = data.get(pos..end).unwrap_or(&[]);
                self.pos = end;
                Some(Tok::Num(match text {
                    // Most numbers in content streams are one or two plain digits.
                    [d @ b'0'..=b'9'] => f32::from(d - b'0'),
                    [d @ b'0'..=b'9', e @ b'0'..=b'9'] => f32::from((d - b'0') * 10 + (e - b'0')),
                    _ => parse_number(text),
                }))
            }
            b'/' => {
                let end = Self::regular_end(data, pos + 1);
                self.pos = end;
                Some(Tok::Name((pos + 1) as u32, end as u32))
            }
            b'(' => {
                self.pos = pos + 1;
                let start = strings.len();
                self.literal_string(strings);
                Some(Tok::Str(start as u32, strings.len() as u32))
            }
            b'<' => {
                if data.get(pos + 1) == Some(&b'<') {
                    self.pos = pos + 2;
                    return Some(Tok::DictOpen);
                }
                self.pos = pos + 1;
                let start = strings.len();
                self.hex_string(strings);
                Some(Tok::Str(start as u32, strings.len() as u32))
            }
            b'>' => {
                self.pos = if data.get(pos + 1) == Some(&b'>') {
                    pos + 2
                } else {
                    pos + 1
                };
                Some(Tok::DictClose)
            }
            b'[' => {
                self.pos = pos + 1;
                Some(Tok::ArrOpen)
            }
            b']' => {
                self.pos = pos + 1;
                Some(Tok::ArrClose)
            }
            b'{' | b'}' | b')' => {
                self.pos = pos + 1;
                Some(Tok::Other)
            }
            _ => {
                let end = Self::regular_end(data, pos);
                if end == pos {
                    // A byte that is neither regular nor handled above: step over it.
                    self.pos = pos + 1;
                    return Some(Tok::Other);
                }
                self.pos = end;
                Some(Tok::Op(pos as u32, end as u32))
            }
        }
    }

    fn literal_string(&mut self, out: &mut Vec<u8>) {
        let mut depth = 1u32;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                    out.push(b);
                }
                b'\\' => {
                    let Some(c) = self.peek() else { return };
                    self.pos += 1;
                    match c {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(c - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
    }

    fn hex_string(&mut self, out: &mut Vec<u8>) {
        let data = self.data;
        let mut pos = self.pos;
        // Fast path: whole pairs of hex digits up to `>`, as producers write them (`<0041>`, one
        // per glyph in wkhtmltopdf output). At anything else (white space inside, an odd digit,
        // the end of the data) the general loop below takes over from a pair boundary.
        loop {
            match (data.get(pos), data.get(pos + 1)) {
                (Some(&a), Some(&b)) => {
                    let (high, low) = (HEX[a as usize], HEX[b as usize]);
                    if high | low < 16 {
                        out.push(high << 4 | low);
                        pos += 2;
                        continue;
                    }
                    if a == b'>' {
                        self.pos = pos + 1;
                        return;
                    }
                    break;
                }
                (Some(&b'>'), None) => {
                    self.pos = pos + 1;
                    return;
                }
                _ => break,
            }
        }
        self.pos = pos;
        let mut high: Option<u8> = None;
        while let Some(b) = self.peek() {
            self.pos += 1;
            if b == b'>' {
                break;
            }
            let Some(v) = hex_val(b) else { continue };
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
    }

    /// Skips inline image data after `ID`, up to and including `EI`.
    pub fn skip_inline_image(&mut self) {
        // The data is binary and has no length we trust: look for `EI` between white space.
        self.pos += 1;
        while self.pos + 2 <= self.data.len() {
            if self.data.get(self.pos..self.pos + 2) == Some(b"EI")
                && self
                    .pos
                    .checked_sub(1)
                    .and_then(|p| self.data.get(p))
                    .is_some_and(|&b| is_white(b))
                && self.data.get(self.pos + 2).is_none_or(|&b| is_white(b))
            {
                self.pos += 2;
                return;
            }
            self.pos += 1;
        }
        self.pos = self.data.len();
    }
}

const POW10: [f64; 19] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18,
];

/// A PDF number (`12`, `-3.5`, `.25`, `+7`). Digits accumulate in an integer and one division
/// places the point: content streams are mostly numbers, so this runs for most tokens.
fn parse_number(text: &[u8]) -> f32 {
    let mut negative = false;
    let mut mantissa: u64 = 0;
    let mut fraction_digits: i32 = 0;
    let mut in_fraction = false;
    let mut seen_digit = false;
    let mut skipped_exponent: i32 = 0;
    for &b in text {
        match b {
            b'-' if !seen_digit => negative = !negative,
            b'+' => {}
            b'.' if !in_fraction => in_fraction = true,
            b'0'..=b'9' => {
                seen_digit = true;
                if mantissa < 1_000_000_000_000_000 {
                    mantissa = mantissa * 10 + u64::from(b - b'0');
                    if in_fraction {
                        fraction_digits += 1;
                    }
                } else if !in_fraction {
                    // Beyond 18 digits the value is clamped below anyway: keep its magnitude.
                    skipped_exponent += 1;
                }
            }
            _ => break,
        }
    }
    let mut value = mantissa as f64;
    if fraction_digits > 0 {
        value /= POW10.get(fraction_digits as usize).copied().unwrap_or(1e18);
    }
    if skipped_exponent > 0 {
        value *= 10f64.powi(skipped_exponent);
    }
    if negative {
        value = -value;
    }
    if value.is_finite() {
        value.clamp(-1e9, 1e9) as f32
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes_text_operators_and_strings() {
        let mut strings = Vec::new();
        let mut lexer =
            Lexer::new(b"BT /F1 12 Tf (a\\(b\\)\\101) Tj <0041 42> Tj [(x) -250 (y)] TJ ET");
        let mut toks = Vec::new();
        while let Some(t) = lexer.next_token(&mut strings) {
            toks.push(t);
        }
        assert_eq!(toks.len(), 15);
        assert_eq!(toks[2], Tok::Num(12.0));
        assert_eq!(&strings[..6], b"a(b)A\x00");
        assert_eq!(parse_number(b"-.5"), -0.5);
        assert_eq!(parse_number(b"3.25"), 3.25);
        assert_eq!(parse_number(b"12"), 12.0);
        assert_eq!(parse_number(b"--4"), 4.0);
        assert_eq!(parse_number(b"0.001"), 0.001);
        assert_eq!(parse_number(b"1.2.3"), 1.2);
        assert_eq!(parse_number(b"99999999999999999999999"), 1e9);
        assert_eq!(parse_number(b"-"), 0.0);
        // Hex strings: pairs, white space inside, an odd last digit, a missing `>`.
        for (input, bytes) in [
            (b"<0041>".as_slice(), b"\x00A".as_slice()),
            (b"<00 41 4>", b"\x00A\x40"),
            (b"<4>", b"\x40"),
            (b"<>", b""),
            (b"<0g41>", b"\x04\x10"),
            (b"<004", b"\x00\x40"),
        ] {
            let mut strings = Vec::new();
            let mut lexer = Lexer::new(input);
            let tok = lexer.next_token(&mut strings);
            assert_eq!(tok, Some(Tok::Str(0, bytes.len() as u32)), "{input:?}");
            assert_eq!(strings, bytes, "{input:?}");
            assert_eq!(lexer.next_token(&mut strings), None, "{input:?}");
        }
        let mut strings = Vec::new();
        let mut lexer = Lexer::new(b"% a comment\r\n  %another\n/Name 1 0 0 1 72 700 Tm");
        assert_eq!(lexer.next_token(&mut strings), Some(Tok::Name(25, 29)));
    }
}
