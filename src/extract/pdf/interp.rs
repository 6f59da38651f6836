//! The content-stream interpreter: runs the text and graphics-state operators of a page and
//! emits positioned glyphs in display space (origin top left, y down, page rotation applied).

use lopdf::{Dictionary, Document, Object};

use super::font::{FontCache, as_number, deref};
use super::lexer::{Lexer, Tok};
use crate::extract::layout::{Glyph, PageGlyphs};

/// Form XObjects nest at most this deep (a form drawing itself would otherwise loop forever).
const MAX_FORM_DEPTH: u32 = 8;
/// Operators run per page before the page is abandoned as too complex.
const MAX_OPS_PER_PAGE: usize = 5_000_000;

/// An operator as a number: its (at most three) bytes packed, so that dispatch is one integer
/// `match` rather than a chain of slice comparisons; longer operators are none we handle.
const fn op_key(op: &[u8]) -> u32 {
    match *op {
        [a] => a as u32,
        [a, b] => (a as u32) << 8 | b as u32,
        [a, b, c] => (a as u32) << 16 | (b as u32) << 8 | c as u32,
        _ => u32::MAX,
    }
}

/// The operators the interpreter runs (ISO 32000-1, tables 57, 74, 105, 107).
mod op {
    use super::op_key;
    pub const SAVE: u32 = op_key(b"q");
    pub const RESTORE: u32 = op_key(b"Q");
    pub const CM: u32 = op_key(b"cm");
    pub const BT: u32 = op_key(b"BT");
    pub const TF: u32 = op_key(b"Tf");
    pub const TC: u32 = op_key(b"Tc");
    pub const TW: u32 = op_key(b"Tw");
    pub const TZ: u32 = op_key(b"Tz");
    pub const TL: u32 = op_key(b"TL");
    pub const TS: u32 = op_key(b"Ts");
    pub const TR: u32 = op_key(b"Tr");
    pub const TD_LOWER: u32 = op_key(b"Td");
    pub const TD_UPPER: u32 = op_key(b"TD");
    pub const TM: u32 = op_key(b"Tm");
    pub const T_STAR: u32 = op_key(b"T*");
    pub const TJ_LOWER: u32 = op_key(b"Tj");
    pub const QUOTE: u32 = op_key(b"'");
    pub const DOUBLE_QUOTE: u32 = op_key(b"\"");
    pub const TJ_UPPER: u32 = op_key(b"TJ");
    pub const GRAY: u32 = op_key(b"g");
    pub const RGB: u32 = op_key(b"rg");
    pub const CMYK: u32 = op_key(b"k");
    pub const SC: u32 = op_key(b"sc");
    pub const SCN: u32 = op_key(b"scn");
    pub const CS: u32 = op_key(b"cs");
    pub const DO: u32 = op_key(b"Do");
    pub const BI: u32 = op_key(b"BI");
    pub const MOVE: u32 = op_key(b"m");
    pub const LINE: u32 = op_key(b"l");
    pub const CURVE: u32 = op_key(b"c");
    pub const CURVE_V: u32 = op_key(b"v");
    pub const CURVE_Y: u32 = op_key(b"y");
    pub const RECT: u32 = op_key(b"re");
    pub const CLIP: u32 = op_key(b"W");
    pub const CLIP_EO: u32 = op_key(b"W*");
    pub const NO_PAINT: u32 = op_key(b"n");
    pub const STROKE: u32 = op_key(b"S");
    pub const CLOSE_STROKE: u32 = op_key(b"s");
    pub const FILL: u32 = op_key(b"f");
    pub const FILL_OLD: u32 = op_key(b"F");
    pub const FILL_EO: u32 = op_key(b"f*");
    pub const FILL_STROKE: u32 = op_key(b"B");
    pub const FILL_STROKE_EO: u32 = op_key(b"B*");
    pub const CLOSE_FILL_STROKE: u32 = op_key(b"b");
    pub const CLOSE_FILL_STROKE_EO: u32 = op_key(b"b*");
}

type Matrix = [f32; 6];
/// A box in display space: x0, y0, x1, y1.
type Rect = [f32; 4];

/// The bounding box of the clipping path, which is exact for the rectangles producers clip
/// with (the page's printable area, a table cell). Text drawn outside it is not seen: HTML
/// renderers draw a line cut by a page break on both pages, clipped away on the first.
fn intersect(a: Option<Rect>, b: Rect) -> Option<Rect> {
    Some(match a {
        None => b,
        Some(a) => [
            a[0].max(b[0]),
            a[1].max(b[1]),
            a[2].min(b[2]),
            a[3].min(b[3]),
        ],
    })
}
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a` then `b` (row-vector convention of the PDF specification).
fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

#[derive(Clone)]
struct GState {
    ctm: Matrix,
    font: Option<usize>,
    size: f32,
    char_spacing: f32,
    word_spacing: f32,
    scale: f32,
    leading: f32,
    rise: f32,
    render: u8,
    fill_white: bool,
    clip: Option<Rect>,
}

impl Default for GState {
    fn default() -> Self {
        Self {
            ctm: IDENTITY,
            font: None,
            size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            scale: 1.0,
            leading: 0.0,
            rise: 0.0,
            render: 0,
            fill_white: false,
            clip: None,
        }
    }
}

/// What a page box and rotation make of user space.
#[derive(Clone, Copy)]
pub struct PageFrame {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    pub rotate: i64,
}

impl PageFrame {
    fn display_point(&self, x: f32, y: f32) -> (f32, f32) {
        match self.rotate {
            90 => (y - self.y0, x - self.x0),
            180 => (self.x1 - x, y - self.y0),
            270 => (self.y1 - y, self.x1 - x),
            _ => (x - self.x0, self.y1 - y),
        }
    }

    pub fn display_size(&self) -> (f32, f32) {
        let (w, h) = (self.x1 - self.x0, self.y1 - self.y0);
        if self.rotate == 90 || self.rotate == 270 {
            (h, w)
        } else {
            (w, h)
        }
    }
}

/// Why interpretation stopped early.
pub enum Stop {
    TooComplex,
    /// The document's time budget ran out.
    OutOfTime,
    /// The glyph or text budget ([`GlyphBudget`]) ran out: the page stops, the glyphs drawn so
    /// far are kept.
    TooMuchText,
}

/// What the rest of the document may still draw. The operator limit alone does not bound
/// memory: one `Tj` can show a string as long as the (decompressed) content stream, so a 150 KB
/// PDF whose stream inflates to 150 MB of one string made 150 million glyphs (gigabytes, and
/// minutes of layout). Kept glyphs and their text are therefore counted against the document.
#[derive(Debug, Clone, Copy)]
pub struct GlyphBudget {
    pub glyphs: usize,
    pub text_bytes: usize,
}

pub struct Interpreter<'d> {
    doc: &'d Document,
    pub fonts: &'d mut FontCache,
    pub budget: &'d mut usize,
    glyph_budget: GlyphBudget,
    frame: PageFrame,
    out: PageGlyphs,
    strings: Vec<u8>,
    ops: usize,
    /// When the document's time budget runs out, checked every few thousand operators.
    pub deadline: Option<std::time::Instant>,
    /// Text-showing operators seen (even if their glyphs were hidden or unmapped).
    pub text_ops: usize,
    pub hidden_chars: usize,
}

impl<'d> Interpreter<'d> {
    pub fn new(
        doc: &'d Document,
        fonts: &'d mut FontCache,
        budget: &'d mut usize,
        glyph_budget: GlyphBudget,
        frame: PageFrame,
    ) -> Self {
        let (width, height) = frame.display_size();
        Self {
            doc,
            fonts,
            budget,
            glyph_budget,
            frame,
            out: PageGlyphs {
                glyphs: Vec::new(),
                text: String::new(),
                width,
                height,
            },
            strings: Vec::new(),
            ops: 0,
            deadline: None,
            text_ops: 0,
            hidden_chars: 0,
        }
    }

    pub fn finish(self) -> PageGlyphs {
        self.out
    }

    fn over_glyph_budget(&self) -> bool {
        self.out.glyphs.len() > self.glyph_budget.glyphs
            || self.out.text.len() > self.glyph_budget.text_bytes
    }

    /// Runs one content stream with `resources` in the given state.
    pub fn run(
        &mut self,
        content: &[u8],
        resources: &[&'d Dictionary],
        ctm: Matrix,
        clip: Option<Rect>,
        depth: u32,
    ) -> Result<(), Stop> {
        let mut lexer = Lexer::new(content);
        let mut operands: Vec<Tok> = Vec::with_capacity(16);
        let mut gs = GState {
            ctm,
            clip,
            ..GState::default()
        };
        // The current path's bounding box in display space, and whether a `W` made it the
        // next clip.
        let mut path: Option<Rect> = None;
        let mut clip_pending = false;
        let mut stack: Vec<GState> = Vec::new();
        let mut tm = IDENTITY;
        let mut tlm = IDENTITY;
        // Fonts already resolved in this stream by resource name: producers that set the font
        // before every glyph would otherwise look it up through the resource dictionaries (and
        // the font cache's hash) each time.
        let mut font_names: Vec<(&[u8], Option<usize>)> = Vec::new();
        self.strings.clear();
        while let Some(tok) = lexer.next_token(&mut self.strings) {
            let Tok::Op(s, e) = tok else {
                if operands.len() < 4096 {
                    operands.push(tok);
                }
                continue;
            };
            self.ops += 1;
            if self.ops > MAX_OPS_PER_PAGE {
                return Err(Stop::TooComplex);
            }
            if self.ops.is_multiple_of(4096)
                && self
                    .deadline
                    .is_some_and(|deadline| std::time::Instant::now() >= deadline)
            {
                return Err(Stop::OutOfTime);
            }
            let op = lexer.slice(s, e);
            let num = |i: usize| -> f32 {
                match operands.get(i) {
                    Some(Tok::Num(n)) => *n,
                    _ => 0.0,
                }
            };
            match op_key(op) {
                // Nesting is bounded: a hostile stream of `q`s costs nothing past 256 levels.
                op::SAVE if stack.len() < 256 => stack.push(gs.clone()),
                op::SAVE => {}
                op::RESTORE => {
                    if let Some(saved) = stack.pop() {
                        gs = saved;
                    }
                }
                op::CM if operands.len() >= 6 => {
                    let m = [num(0), num(1), num(2), num(3), num(4), num(5)];
                    gs.ctm = mul(&m, &gs.ctm);
                }
                op::BT => {
                    tm = IDENTITY;
                    tlm = IDENTITY;
                }
                op::TF => {
                    gs.size = num(1);
                    gs.font = match operands.first() {
                        Some(Tok::Name(s, e)) => {
                            let name = lexer.slice(*s, *e);
                            match font_names.iter().find(|(n, _)| *n == name) {
                                Some(&(_, font)) => font,
                                None => {
                                    let font = self.font_named(name, resources);
                                    if font_names.len() < 64 {
                                        font_names.push((name, font));
                                    }
                                    font
                                }
                            }
                        }
                        _ => None,
                    };
                }
                op::TC => gs.char_spacing = num(0),
                op::TW => gs.word_spacing = num(0),
                op::TZ => gs.scale = num(0) / 100.0,
                op::TL => gs.leading = num(0),
                op::TS => gs.rise = num(0),
                op::TR => gs.render = num(0).clamp(0.0, 7.0) as u8,
                op::TD_LOWER => {
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, num(0), num(1)], &tlm);
                    tm = tlm;
                }
                op::TD_UPPER => {
                    gs.leading = -num(1);
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, num(0), num(1)], &tlm);
                    tm = tlm;
                }
                op::TM if operands.len() >= 6 => {
                    tlm = [num(0), num(1), num(2), num(3), num(4), num(5)];
                    tm = tlm;
                }
                op::T_STAR => {
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading], &tlm);
                    tm = tlm;
                }
                op::TJ_LOWER => {
                    if let Some(Tok::Str(s, e)) = operands.last() {
                        self.show(*s, *e, &gs, &mut tm);
                    }
                }
                op::QUOTE | op::DOUBLE_QUOTE => {
                    if op_key(op) == op::DOUBLE_QUOTE {
                        gs.word_spacing = num(0);
                        gs.char_spacing = num(1);
                    }
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading], &tlm);
                    tm = tlm;
                    if let Some(Tok::Str(s, e)) = operands.last() {
                        self.show(*s, *e, &gs, &mut tm);
                    }
                }
                op::TJ_UPPER => {
                    for i in 0..operands.len() {
                        match operands.get(i) {
                            Some(Tok::Str(s, e)) => self.show(*s, *e, &gs, &mut tm),
                            Some(Tok::Num(n)) => {
                                let tx = -n / 1000.0 * gs.size * gs.scale;
                                tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &tm);
                            }
                            _ => {}
                        }
                    }
                }
                op::GRAY => gs.fill_white = num(0) >= 0.99,
                op::RGB => gs.fill_white = num(0) >= 0.99 && num(1) >= 0.99 && num(2) >= 0.99,
                op::CMYK => {
                    gs.fill_white =
                        num(0) <= 0.01 && num(1) <= 0.01 && num(2) <= 0.01 && num(3) <= 0.01
                }
                op::SC | op::SCN => {
                    // Gray or RGB white; a pattern name or other spaces are not white.
                    let mut nums = [0f32; 3];
                    let mut count = 0;
                    for tok in &operands {
                        if let Tok::Num(n) = tok {
                            if let Some(slot) = nums.get_mut(count) {
                                *slot = *n;
                            }
                            count += 1;
                        }
                    }
                    gs.fill_white = match count {
                        1 => nums[0] >= 0.99,
                        3 => nums.iter().all(|&c| c >= 0.99),
                        _ => false,
                    };
                }
                op::CS => gs.fill_white = false,
                op::MOVE | op::LINE | op::CURVE | op::CURVE_V | op::CURVE_Y => {
                    let mut k = 0;
                    while k + 1 < operands.len() {
                        let point = self.display(&gs.ctm, num(k), num(k + 1));
                        path = Some(grow(path, point));
                        k += 2;
                    }
                }
                op::RECT if operands.len() >= 4 => {
                    let (x, y, w, h) = (num(0), num(1), num(2), num(3));
                    for (px, py) in [(x, y), (x + w, y), (x, y + h), (x + w, y + h)] {
                        let point = self.display(&gs.ctm, px, py);
                        path = Some(grow(path, point));
                    }
                }
                op::CLIP | op::CLIP_EO => clip_pending = true,
                op::NO_PAINT
                | op::STROKE
                | op::CLOSE_STROKE
                | op::FILL
                | op::FILL_OLD
                | op::FILL_EO
                | op::FILL_STROKE
                | op::FILL_STROKE_EO
                | op::CLOSE_FILL_STROKE
                | op::CLOSE_FILL_STROKE_EO => {
                    if clip_pending && let Some(rect) = path {
                        gs.clip = intersect(gs.clip, rect);
                    }
                    path = None;
                    clip_pending = false;
                }
                op::DO if depth < MAX_FORM_DEPTH => {
                    if let Some(Tok::Name(s, e)) = operands.first() {
                        let name = lexer.slice(*s, *e);
                        let saved = std::mem::take(&mut self.strings);
                        let result = self.run_form(name, resources, &gs.ctm, gs.clip, depth);
                        self.strings = saved;
                        result?;
                    }
                }
                op::BI => {
                    // Skip the image dictionary up to `ID`, then the binary data.
                    loop {
                        match lexer.next_token(&mut self.strings) {
                            Some(Tok::Op(s, e)) if lexer.slice(s, e) == b"ID" => {
                                lexer.skip_inline_image();
                                break;
                            }
                            Some(_) => {}
                            None => break,
                        }
                    }
                }
                _ => {}
            }
            // `show` stops early at either limit; the page stops here.
            if self.ops > MAX_OPS_PER_PAGE {
                return Err(Stop::TooComplex);
            }
            if self.over_glyph_budget() {
                return Err(Stop::TooMuchText);
            }
            operands.clear();
            self.strings.clear();
        }
        Ok(())
    }

    fn font_named(&mut self, name: &[u8], resources: &[&'d Dictionary]) -> Option<usize> {
        let obj = lookup(self.doc, resources, b"Font", name)?;
        self.fonts.get_or_load(self.doc, obj, self.budget)
    }

    fn run_form(
        &mut self,
        name: &[u8],
        resources: &[&'d Dictionary],
        ctm: &Matrix,
        clip: Option<Rect>,
        depth: u32,
    ) -> Result<(), Stop> {
        let doc = self.doc;
        let Some(stream) = lookup(doc, resources, b"XObject", name)
            .and_then(|o| deref(doc, Some(o)))
            .and_then(|o| o.as_stream().ok())
        else {
            return Ok(());
        };
        if stream.dict.get(b"Subtype").and_then(|s| s.as_name()).ok() != Some(b"Form") {
            return Ok(());
        }
        let matrix = match deref(doc, stream.dict.get(b"Matrix").ok()) {
            Some(Object::Array(items)) if items.len() == 6 => {
                let mut m = IDENTITY;
                for (slot, item) in m.iter_mut().zip(items) {
                    *slot = deref(doc, Some(item)).and_then(as_number).unwrap_or(0.0);
                }
                m
            }
            _ => IDENTITY,
        };
        let content = if stream.is_compressed() {
            match stream.decompressed_content_with_limit(*self.budget) {
                Ok(c) => c,
                Err(_) => return Err(Stop::TooComplex),
            }
        } else {
            stream.content.clone()
        };
        *self.budget = self.budget.saturating_sub(content.len());
        let own = deref(doc, stream.dict.get(b"Resources").ok()).and_then(|o| o.as_dict().ok());
        let mut form_resources: Vec<&'d Dictionary> = Vec::with_capacity(resources.len() + 1);
        if let Some(own) = own {
            form_resources.push(own);
        }
        form_resources.extend_from_slice(resources);
        self.run(
            &content,
            &form_resources,
            mul(&matrix, ctm),
            clip,
            depth + 1,
        )
    }

    /// A point of user space (under `ctm`) in display space.
    fn display(&self, ctm: &Matrix, x: f32, y: f32) -> (f32, f32) {
        let (ux, uy) = (
            x * ctm[0] + y * ctm[2] + ctm[4],
            x * ctm[1] + y * ctm[3] + ctm[5],
        );
        self.frame.display_point(ux, uy)
    }

    fn show(&mut self, start: u32, end: u32, gs: &GState, tm: &mut Matrix) {
        self.text_ops += 1;
        let Some(font) = gs.font.and_then(|i| self.fonts.fonts.get(i)) else {
            return;
        };
        let bytes = self
            .strings
            .get(start as usize..end as usize)
            .unwrap_or(&[]);
        let step = if font.two_byte { 2 } else { 1 };
        // Text space to user space, `tm` x `ctm`. Within one string only the text matrix's
        // translation moves, by each glyph's advance along its first row, so the product is
        // formed once here and moved glyph by glyph instead of multiplied out per glyph.
        let mut m = mul(tm, &gs.ctm);
        // Display size: the length of the glyph's vertical axis in device space, the same for
        // every glyph of the string.
        let (v0, v1) = (gs.size * m[2], gs.size * m[3]);
        let size = (v0 * v0 + v1 * v1).sqrt();
        let mut i = 0;
        while i < bytes.len() {
            // Each glyph costs an operation, hidden or not, so one huge string is bounded like
            // many operators.
            self.ops += 1;
            if self.ops > MAX_OPS_PER_PAGE || self.over_glyph_budget() {
                return;
            }
            let code = if step == 2 {
                u32::from(bytes.get(i).copied().unwrap_or(0)) << 8
                    | u32::from(bytes.get(i + 1).copied().unwrap_or(0))
            } else {
                u32::from(bytes.get(i).copied().unwrap_or(0))
            };
            i += step;
            let w0 = font.width(code);
            // The glyph's origin (the rise above the baseline applied) and the end of its
            // advance width, in user space: rows of [size·scale 0; 0 size; 0 rise] x m.
            let (ux0, uy0) = (gs.rise * m[2] + m[4], gs.rise * m[3] + m[5]);
            let hscale = w0 * gs.size * gs.scale;
            let (ux1, uy1) = (hscale * m[0] + ux0, hscale * m[1] + uy0);
            let (x0, y0) = self.frame.display_point(ux0, uy0);
            let (x1, y1) = self.frame.display_point(ux1, uy1);
            let is_space = step == 1 && code == 32;
            let advance =
                (w0 * gs.size + gs.char_spacing + if is_space { gs.word_spacing } else { 0.0 })
                    * gs.scale;
            // Translate by the advance: tm := [1 0 0 1 advance 0] x tm, and m alike.
            tm[4] += advance * tm[0];
            tm[5] += advance * tm[1];
            m[4] += advance * m[0];
            m[5] += advance * m[1];

            let text = font.text(code);
            let mut fallback = [0u8; 4];
            let text = if text.is_empty() {
                match font.fallback(code) {
                    Some(c) => &*c.encode_utf8(&mut fallback),
                    None => continue,
                }
            } else {
                text
            };
            let blank = text.chars().all(char::is_whitespace);
            let (w, h) = (self.out.width, self.out.height);
            let outside = x0 < -1.0 || y0 < -1.0 || x0 > w + 1.0 || y0 > h + size.max(1.0);
            let hidden = gs.render == 3 || gs.render == 7 || gs.fill_white || size < 1.0 || outside;
            if hidden {
                if !blank {
                    self.hidden_chars += text.chars().count();
                }
                continue;
            }
            let horizontal = (x1 - x0).abs() >= (y1 - y0).abs();
            // Clipped away: no part of the glyph's advance along the baseline is inside the
            // clip (with a point of slack across the baseline). Not counted as hidden text: it
            // is nearly always a line cut by a page break and drawn again whole on the next
            // page, and it is left out of parsing all the same. A glyph partly inside is seen:
            // Chromium clips a sidebar at its box, and a line's last glyph can reach past it
            // ("Computer Scienc" when the glyph's middle point had to be inside).
            if let Some([cx0, cy0, cx1, cy1]) = gs.clip {
                let (lo_x, hi_x) = (x0.min(x1), x0.max(x1));
                let (lo_y, hi_y) = (y0.min(y1), y0.max(y1));
                let clipped = if horizontal {
                    hi_x <= cx0 || lo_x >= cx1 || hi_y < cy0 - 1.0 || lo_y > cy1 + 1.0
                } else {
                    hi_y <= cy0 || lo_y >= cy1 || hi_x < cx0 - 1.0 || lo_x > cx1 + 1.0
                };
                if clipped {
                    continue;
                }
            }
            let (gx0, gx1) = if horizontal && x1 >= x0 {
                (x0, x1)
            } else {
                (x0, x0 + size * w0.max(0.3))
            };
            let start = self.out.text.len() as u32;
            self.out.text.push_str(text);
            self.out.glyphs.push(Glyph {
                x0: gx0,
                x1: gx1,
                y: y0,
                size: size.max(1.0),
                start,
                len: (self.out.text.len() as u32 - start) as u16,
                space: blank,
            });
        }
    }
}

/// `rect` grown to take in `point`.
fn grow(rect: Option<Rect>, (x, y): (f32, f32)) -> Rect {
    match rect {
        None => [x, y, x, y],
        Some([x0, y0, x1, y1]) => [x0.min(x), y0.min(y), x1.max(x), y1.max(y)],
    }
}

/// Finds `/category /name` in the first resource dictionary that has it.
fn lookup<'d>(
    doc: &'d Document,
    resources: &[&'d Dictionary],
    category: &[u8],
    name: &[u8],
) -> Option<&'d Object> {
    resources.iter().find_map(|res| {
        deref(doc, res.get(category).ok())
            .and_then(|c| c.as_dict().ok())
            .and_then(|c| c.get(name).ok())
    })
}
