//! PDF fonts as the interpreter needs them: how to split a string into character codes, the
//! Unicode text of each code, and each code's advance width. A font is decoded once per document
//! into flat tables so that showing a glyph is two array lookups.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

use super::tables;

/// A decoded font.
pub struct Font {
    /// Two-byte codes (Type0 fonts); otherwise one byte per code.
    pub two_byte: bool,
    /// `text_of[code] = (start, len)` into `text`; `len == 0` means unmapped.
    text_of: Vec<(u32, u8)>,
    text: String,
    /// Width of each code in glyph space: thousandths of the font size, except in Type 3 fonts,
    /// whose glyph space is whatever their `FontMatrix` says (see `glyph_to_text`).
    widths: Vec<f32>,
    default_width: f32,
    /// Text space units (font sizes) per glyph-space unit along the baseline: 1/1000 for every
    /// font but Type 3, where it is the `FontMatrix`'s first entry. Chromium (Skia) draws body
    /// text as Type 3 fonts in units of 1/2048: read as thousandths, each glyph came out twice
    /// as wide as it is, so a "W" overlapped the next glyph by more than a font size and the
    /// word broke ("AW S"), and a line's last glyph reached past its clip and was dropped.
    glyph_to_text: f32,
    /// For unmapped two-byte codes without a usable ToUnicode: show the code as a Unicode
    /// scalar (what most producers without a ToUnicode CMap meant).
    code_as_unicode: bool,
}

impl Font {
    /// The text of `code`, or "" when the font does not say.
    pub fn text(&self, code: u32) -> &str {
        match self.text_of.get(code as usize) {
            Some(&(start, len)) if len > 0 => self
                .text
                .get(start as usize..start as usize + len as usize)
                .unwrap_or(""),
            _ => "",
        }
    }

    /// A fallback character for a code with no mapping.
    pub fn fallback(&self, code: u32) -> Option<char> {
        if !self.code_as_unicode {
            return None;
        }
        char::from_u32(code).filter(|c| !c.is_control())
    }

    /// The advance width of `code` in text space (a fraction of the font size).
    pub fn width(&self, code: u32) -> f32 {
        let glyph_width = match self.widths.get(code as usize) {
            Some(&w) if w > 0.0 => w,
            _ => self.default_width,
        };
        glyph_width * self.glyph_to_text
    }

    fn set_text(&mut self, code: u32, text: &str) {
        if code > 0xffff || text.is_empty() || text.len() > 255 {
            return;
        }
        let index = code as usize;
        if self.text_of.len() <= index {
            self.text_of.resize(index + 1, (0, 0));
        }
        let start = self.text.len() as u32;
        self.text.push_str(text);
        if let Some(slot) = self.text_of.get_mut(index) {
            *slot = (start, text.len() as u8);
        }
    }

    /// Decodes a font dictionary. `budget` bounds the decompressed bytes read (ToUnicode).
    pub fn load(doc: &Document, dict: &Dictionary, budget: &mut usize) -> Font {
        let subtype = name_of(doc, dict.get(b"Subtype").ok()).unwrap_or_default();
        let mut font = Font {
            two_byte: subtype == b"Type0",
            text_of: Vec::new(),
            text: String::new(),
            widths: Vec::new(),
            default_width: 500.0,
            glyph_to_text: 0.001,
            code_as_unicode: false,
        };
        if subtype == b"Type3" {
            font.glyph_to_text = type3_scale(doc, dict);
            // Half an em when a code has no width, as for the other fonts.
            font.default_width = 0.5 / font.glyph_to_text;
        }
        if font.two_byte {
            font.load_type0(doc, dict);
        } else {
            font.load_simple(doc, dict, &subtype);
        }
        // ToUnicode wins over the encoding where it maps a code.
        if let Some(stream) =
            deref(doc, dict.get(b"ToUnicode").ok()).and_then(|o| o.as_stream().ok())
        {
            let limit = (*budget).min(4 * 1024 * 1024);
            if let Ok(data) = stream.decompressed_content_with_limit(limit) {
                *budget = budget.saturating_sub(data.len());
                font.apply_to_unicode(&data);
            } else if !stream.is_compressed() {
                font.apply_to_unicode(&stream.content);
            }
        }
        if font.two_byte && font.text_of.iter().all(|&(_, len)| len == 0) {
            font.code_as_unicode = true;
        }
        font
    }

    fn load_simple(&mut self, doc: &Document, dict: &Dictionary, subtype: &[u8]) {
        let base_font = name_of(doc, dict.get(b"BaseFont").ok()).unwrap_or_default();
        let symbolic = base_font.windows(6).any(|w| w == b"Symbol");
        let mut table: [u16; 256] = if symbolic {
            tables::SYMBOL
        } else if subtype == b"Type1" || subtype == b"MMType1" {
            tables::STANDARD
        } else {
            tables::WIN_ANSI
        };
        match deref(doc, dict.get(b"Encoding").ok()) {
            Some(Object::Name(name)) => table = named_encoding(name).unwrap_or(table),
            Some(Object::Dictionary(enc)) => {
                if let Some(base) = name_of(doc, enc.get(b"BaseEncoding").ok()) {
                    table = named_encoding(&base).unwrap_or(table);
                } else if !symbolic {
                    table = tables::STANDARD;
                }
                if let Some(Object::Array(diffs)) = deref(doc, enc.get(b"Differences").ok()) {
                    let mut code: i64 = 0;
                    for item in diffs {
                        match deref(doc, Some(item)) {
                            Some(Object::Integer(n)) => code = *n,
                            Some(Object::Name(name)) => {
                                if let (Ok(index), Some(u)) =
                                    (usize::try_from(code), glyph_name_to_unicode(name))
                                    && let Some(slot) = table.get_mut(index)
                                {
                                    *slot = u;
                                }
                                code += 1;
                            }
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
        let mut buf = [0u8; 4];
        for (code, &u) in table.iter().enumerate() {
            if let Some(c) = char::from_u32(u32::from(u)).filter(|_| u != 0) {
                self.set_text(code as u32, c.encode_utf8(&mut buf));
            }
        }
        // Widths: explicit array, else the standard 14 metrics we carry, else MissingWidth.
        let first = deref(doc, dict.get(b"FirstChar").ok())
            .and_then(as_number)
            .unwrap_or(0.0) as usize;
        if let Some(Object::Array(widths)) = deref(doc, dict.get(b"Widths").ok()) {
            self.widths = vec![0.0; 256];
            for (i, w) in widths.iter().enumerate() {
                if let (Some(slot), Some(w)) = (
                    self.widths.get_mut(first + i),
                    deref(doc, Some(w)).and_then(as_number),
                ) {
                    *slot = w;
                }
            }
        } else if let Some(metrics) = standard_metrics(&base_font) {
            self.widths = vec![0.0; 256];
            for (code, &u) in table.iter().enumerate() {
                if let (Some(slot), Some(w)) = (self.widths.get_mut(code), metrics(u)) {
                    *slot = w;
                }
            }
        }
        let descriptor =
            deref(doc, dict.get(b"FontDescriptor").ok()).and_then(|o| o.as_dict().ok());
        if let Some(w) = descriptor
            .and_then(|d| deref(doc, d.get(b"MissingWidth").ok()))
            .and_then(as_number)
            .filter(|w| *w > 0.0)
        {
            self.default_width = w;
        }
    }

    fn load_type0(&mut self, doc: &Document, dict: &Dictionary) {
        self.default_width = 1000.0;
        let descendant = match deref(doc, dict.get(b"DescendantFonts").ok()) {
            Some(Object::Array(fonts)) => fonts
                .first()
                .and_then(|f| deref(doc, Some(f)))
                .and_then(|f| f.as_dict().ok()),
            _ => None,
        };
        let Some(cid_font) = descendant else { return };
        if let Some(dw) = deref(doc, cid_font.get(b"DW").ok()).and_then(as_number) {
            self.default_width = dw;
        }
        let Some(Object::Array(w)) = deref(doc, cid_font.get(b"W").ok()) else {
            return;
        };
        // `W` is a list of `c [w1 w2 ...]` and `c_first c_last w` entries.
        let items: Vec<&Object> = w.iter().filter_map(|o| deref(doc, Some(o))).collect();
        let mut i = 0;
        while let Some(first) = items.get(i).and_then(|o| as_number(o)) {
            let first = first.max(0.0) as usize;
            match items.get(i + 1) {
                Some(Object::Array(ws)) => {
                    for (k, w) in ws.iter().enumerate() {
                        if let Some(w) = deref(doc, Some(w)).and_then(as_number) {
                            self.put_width(first + k, w);
                        }
                    }
                    i += 2;
                }
                Some(last) => {
                    let last = as_number(last).unwrap_or(0.0).max(0.0) as usize;
                    let w = items.get(i + 2).and_then(|o| as_number(o)).unwrap_or(0.0);
                    for code in first..=last.min(first + 0xffff).min(0xffff) {
                        self.put_width(code, w);
                    }
                    i += 3;
                }
                None => break,
            }
        }
    }

    fn put_width(&mut self, code: usize, w: f32) {
        if code > 0xffff {
            return;
        }
        if self.widths.len() <= code {
            self.widths.resize(code + 1, 0.0);
        }
        if let Some(slot) = self.widths.get_mut(code) {
            *slot = w;
        }
    }

    /// Reads `bfchar` and `bfrange` sections of a ToUnicode CMap. Malformed entries are skipped:
    /// a broken CMap should cost the codes it breaks, not the font.
    fn apply_to_unicode(&mut self, data: &[u8]) {
        let mut tokens = CMapTokens { data, pos: 0 };
        let mut mode = 0u8; // 1 = bfchar, 2 = bfrange
        let mut pending: Vec<CTok> = Vec::new();
        let mut text = String::new();
        let mut guard = 0usize;
        for tok in tokens.by_ref() {
            guard += 1;
            if guard > 2_000_000 {
                break;
            }
            match tok {
                CTok::Word(w) if w == b"beginbfchar" => {
                    mode = 1;
                    pending.clear();
                }
                CTok::Word(w) if w == b"beginbfrange" => {
                    mode = 2;
                    pending.clear();
                }
                CTok::Word(w) if w.starts_with(b"end") => {
                    mode = 0;
                    pending.clear();
                }
                CTok::Word(_) => {}
                other if mode == 1 => {
                    pending.push(other);
                    if let [CTok::Hex(src), CTok::Hex(dst)] = pending.as_slice() {
                        text.clear();
                        utf16_to_string(dst, &mut text);
                        self.set_text(bytes_to_code(src), &text);
                    }
                    if pending.len() >= 2 {
                        pending.clear();
                    }
                }
                other if mode == 2 => {
                    let is_array_end = matches!(other, CTok::ArrayEnd);
                    pending.push(other);
                    self.apply_range(&mut pending, is_array_end, &mut text);
                }
                _ => {}
            }
        }
    }

    fn apply_range(&mut self, pending: &mut Vec<CTok>, array_end: bool, text: &mut String) {
        match pending.as_slice() {
            [CTok::Hex(lo), CTok::Hex(hi), CTok::Hex(dst)] => {
                let (lo, hi) = (bytes_to_code(lo), bytes_to_code(hi));
                let mut units: Vec<u16> = dst
                    .chunks(2)
                    .map(|c| {
                        u16::from_be_bytes([
                            c.first().copied().unwrap_or(0),
                            c.get(1).copied().unwrap_or(0),
                        ])
                    })
                    .collect();
                for code in lo..=hi.min(lo.saturating_add(0xffff)) {
                    text.clear();
                    for ch in char::decode_utf16(units.iter().copied()).flatten() {
                        text.push(ch);
                    }
                    self.set_text(code, text);
                    if let Some(last) = units.last_mut() {
                        *last = last.wrapping_add(1);
                    }
                }
                pending.clear();
            }
            [CTok::Hex(_), CTok::Hex(_), CTok::ArrayStart, ..] if array_end => {
                let (lo, items) = match pending.as_slice() {
                    [CTok::Hex(lo), _, CTok::ArrayStart, items @ ..] => (bytes_to_code(lo), items),
                    _ => return,
                };
                let mut code = lo;
                let mut updates = Vec::new();
                for item in items {
                    if let CTok::Hex(dst) = item {
                        text.clear();
                        utf16_to_string(dst, text);
                        updates.push((code, text.clone()));
                        code = code.saturating_add(1);
                    }
                }
                for (code, t) in updates {
                    self.set_text(code, &t);
                }
                pending.clear();
            }
            [_, _, CTok::ArrayStart, ..] => {}
            [_, _, _, ..] => pending.clear(),
            _ => {}
        }
    }
}

/// Text space per glyph-space unit along the baseline of a Type 3 font: the first entry of its
/// `FontMatrix` (ISO 32000-1, 9.6.5), 1/1000 when that is missing or unusable.
fn type3_scale(doc: &Document, dict: &Dictionary) -> f32 {
    let first = match deref(doc, dict.get(b"FontMatrix").ok()) {
        Some(Object::Array(items)) => items
            .first()
            .and_then(|item| deref(doc, Some(item)))
            .and_then(as_number),
        _ => None,
    };
    // A matrix that mirrors glyphs still advances by its magnitude in reading order. Glyph
    // spaces run from 1/2048 of the size (Skia) to the size itself ([1 0 0 1 0 0], widths in
    // ems); a scale outside that is no real font's.
    first
        .map(f32::abs)
        .filter(|scale| (1e-5..=1.0).contains(scale))
        .unwrap_or(0.001)
}

fn bytes_to_code(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .fold(0u32, |acc, &b| acc << 8 | u32::from(b))
}

fn utf16_to_string(bytes: &[u8], out: &mut String) {
    let units = bytes.chunks(2).map(|c| {
        u16::from_be_bytes([
            c.first().copied().unwrap_or(0),
            c.get(1).copied().unwrap_or(0),
        ])
    });
    for ch in char::decode_utf16(units).flatten() {
        out.push(ch);
    }
}

enum CTok<'a> {
    Hex(Vec<u8>),
    Word(&'a [u8]),
    ArrayStart,
    ArrayEnd,
}

struct CMapTokens<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for CMapTokens<'a> {
    type Item = CTok<'a>;

    fn next(&mut self) -> Option<CTok<'a>> {
        loop {
            let b = *self.data.get(self.pos)?;
            match b {
                b'<' => {
                    self.pos += 1;
                    if self.data.get(self.pos) == Some(&b'<') {
                        self.pos += 1;
                        continue;
                    }
                    let mut out = Vec::new();
                    let mut high: Option<u8> = None;
                    while let Some(&c) = self.data.get(self.pos) {
                        self.pos += 1;
                        if c == b'>' {
                            break;
                        }
                        let v = match c {
                            b'0'..=b'9' => c - b'0',
                            b'a'..=b'f' => c - b'a' + 10,
                            b'A'..=b'F' => c - b'A' + 10,
                            _ => continue,
                        };
                        match high.take() {
                            Some(h) => out.push(h << 4 | v),
                            None => high = Some(v),
                        }
                    }
                    return Some(CTok::Hex(out));
                }
                b'[' => {
                    self.pos += 1;
                    return Some(CTok::ArrayStart);
                }
                b']' => {
                    self.pos += 1;
                    return Some(CTok::ArrayEnd);
                }
                b'%' => {
                    while let Some(&c) = self.data.get(self.pos) {
                        if c == b'\n' || c == b'\r' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                b'(' => {
                    // Literal strings occur in the CMap header only; skip them.
                    while let Some(&c) = self.data.get(self.pos) {
                        self.pos += 1;
                        if c == b')' {
                            break;
                        }
                    }
                }
                c if c.is_ascii_whitespace()
                    || c == b'>'
                    || c == b'/'
                    || c == b'{'
                    || c == b'}' =>
                {
                    self.pos += 1
                }
                _ => {
                    let start = self.pos;
                    while let Some(&c) = self.data.get(self.pos) {
                        if c.is_ascii_whitespace() || b"<>[]/%(){}".contains(&c) {
                            break;
                        }
                        self.pos += 1;
                    }
                    return Some(CTok::Word(self.data.get(start..self.pos).unwrap_or(&[])));
                }
            }
        }
    }
}

fn named_encoding(name: &[u8]) -> Option<[u16; 256]> {
    match name {
        b"WinAnsiEncoding" => Some(tables::WIN_ANSI),
        b"MacRomanEncoding" => Some(tables::MAC_ROMAN),
        b"StandardEncoding" => Some(tables::STANDARD),
        _ => None,
    }
}

/// Unicode of a glyph name: the Adobe Glyph List, `uniXXXX`, `uXXXX[XX]`, and `name.suffix`.
pub fn glyph_name_to_unicode(name: &[u8]) -> Option<u16> {
    let name = std::str::from_utf8(name).ok()?;
    let base = name.split(['.', '_']).next().unwrap_or(name);
    if let Ok(i) = tables::GLYPH_NAMES.binary_search_by(|(n, _)| (*n).cmp(base)) {
        return tables::GLYPH_NAMES.get(i).map(|&(_, u)| u);
    }
    let hex = base
        .strip_prefix("uni")
        .or_else(|| base.strip_prefix('u'))?;
    if hex.len() < 4 {
        return None;
    }
    u16::from_str_radix(hex.get(..4)?, 16).ok()
}

type Metrics = fn(u16) -> Option<f32>;

/// Advance widths of the standard 14 fonts for ASCII, used when a font has no `Widths` (PDFs that
/// reference Helvetica or Times without embedding them). Bold and oblique faces are close
/// enough to their regular face for word spacing, which is all we use widths for.
fn standard_metrics(base_font: &[u8]) -> Option<Metrics> {
    let name = String::from_utf8_lossy(base_font).to_ascii_lowercase();
    if name.contains("courier") {
        Some(|_| Some(600.0))
    } else if name.contains("helvetica") || name.contains("arial") {
        Some(|u| ascii_width(&HELVETICA, u))
    } else if name.contains("times") {
        Some(|u| ascii_width(&TIMES, u))
    } else {
        None
    }
}

fn ascii_width(table: &[u16; 95], u: u16) -> Option<f32> {
    let index = usize::from(u.checked_sub(32)?);
    table.get(index).map(|&w| f32::from(w))
}

#[rustfmt::skip]
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    222, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

#[rustfmt::skip]
const TIMES: [u16; 95] = [
    250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278,
    500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444,
    921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722,
    556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500,
    333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500,
    500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541,
];

pub fn deref<'a>(doc: &'a Document, obj: Option<&'a Object>) -> Option<&'a Object> {
    let mut obj = obj?;
    for _ in 0..16 {
        match obj {
            Object::Reference(id) => obj = doc.get_object(*id).ok()?,
            other => return Some(other),
        }
    }
    None
}

pub fn as_number(obj: &Object) -> Option<f32> {
    match obj {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r).filter(|r| r.is_finite()),
        _ => None,
    }
}

pub fn name_of(doc: &Document, obj: Option<&Object>) -> Option<Vec<u8>> {
    match deref(doc, obj)? {
        Object::Name(n) => Some(n.clone()),
        _ => None,
    }
}

/// Fonts of one document, each decoded once, keyed by object id (direct dictionaries are keyed
/// by address, which is stable while the document is borrowed).
#[derive(Default)]
pub struct FontCache {
    pub fonts: Vec<Font>,
    by_key: HashMap<(u32, u16, usize), usize>,
}

impl FontCache {
    pub fn get_or_load(
        &mut self,
        doc: &Document,
        obj: &Object,
        budget: &mut usize,
    ) -> Option<usize> {
        let key = match obj {
            Object::Reference(id) => (id.0, id.1, 0),
            other => (0, 0, other as *const Object as usize),
        };
        if let Some(&i) = self.by_key.get(&key) {
            return Some(i);
        }
        let dict = deref(doc, Some(obj))?.as_dict().ok()?;
        let font = Font::load(doc, dict, budget);
        self.fonts.push(font);
        let index = self.fonts.len() - 1;
        self.by_key.insert(key, index);
        Some(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyph_names_resolve() {
        assert_eq!(glyph_name_to_unicode(b"bullet"), Some(0x2022));
        assert_eq!(glyph_name_to_unicode(b"uni00E9"), Some(0xe9));
        assert_eq!(glyph_name_to_unicode(b"A.sc"), Some(0x41));
        assert_eq!(glyph_name_to_unicode(b"nonsense_glyph"), None);
    }

    #[test]
    fn to_unicode_bfchar_and_bfrange() {
        let mut font = Font {
            two_byte: true,
            text_of: Vec::new(),
            text: String::new(),
            widths: Vec::new(),
            default_width: 1000.0,
            glyph_to_text: 0.001,
            code_as_unicode: false,
        };
        font.apply_to_unicode(
            b"2 beginbfchar <0001> <0041> <0002> <FB01> endbfchar\n\
              2 beginbfrange <0010> <0012> <0061> <0020> <0021> [<0078> <00790079>] endbfrange",
        );
        assert_eq!(font.text(1), "A");
        assert_eq!(font.text(2), "\u{fb01}");
        assert_eq!(font.text(0x11), "b");
        assert_eq!(font.text(0x21), "yy");
        assert_eq!(font.text(3), "");
    }
}
