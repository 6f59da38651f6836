//! Positioned glyphs to reading-order text, from geometry alone (content-stream order is not
//! trusted: producers draw columns alternately, bottom to top, or one glyph at a time).
//!
//! 1. Glyphs are grouped by baseline and split into words at gaps (spaces are inferred from the
//!    distance between glyphs, as most producers write no space characters).
//! 2. Words are cut recursively into blocks (an XY-cut): a vertical gutter that runs through a
//!    whole region separates columns, read left column first, top to bottom; otherwise the
//!    region is cut at wide horizontal gaps into bands. Cells of a table whose rows line up are
//!    kept on their row instead of being read column by column.
//! 3. Lines of a block are joined, hyphenated line ends rejoined; repeated headers, footers and
//!    page numbers are dropped.

/// One glyph in display space (origin top left, y down), text in `PageGlyphs::text`.
#[derive(Debug, Clone, Copy)]
pub struct Glyph {
    pub x0: f32,
    pub x1: f32,
    /// Baseline.
    pub y: f32,
    pub size: f32,
    pub start: u32,
    pub len: u16,
    /// White space: separates words, is not itself output.
    pub space: bool,
}

#[derive(Debug, Default)]
pub struct PageGlyphs {
    pub glyphs: Vec<Glyph>,
    pub text: String,
    pub width: f32,
    pub height: f32,
}

pub struct LaidOut {
    pub text: String,
    pub page_starts: Vec<usize>,
}

#[derive(Debug, Clone, Copy)]
struct Word {
    x0: f32,
    x1: f32,
    y: f32,
    size: f32,
    /// The word's text: a range of the page's word text ([`Words::text`]). One buffer for the
    /// page rather than a `String` per word: allocating and growing those was a tenth of
    /// extraction time.
    start: u32,
    end: u32,
}

struct Words {
    words: Vec<Word>,
    text: String,
}

impl Words {
    fn text_of(&self, word: &Word) -> &str {
        self.text
            .get(word.start as usize..word.end as usize)
            .unwrap_or("")
    }
}

/// A gap wider than this fraction of the font size between two glyphs is a word break. Word
/// spaces are at least 0.2 em in text fonts; kerning and rounded positions stay well below 0.1.
const WORD_GAP: f32 = 0.15;
/// On a line whose producer wrote space characters, only a gap this wide is an unwritten space
/// (glyph widths of some embedded fonts are wrong enough to open 0.2 em gaps inside words).
const WORD_GAP_WITH_SPACES: f32 = 0.5;
/// A column gutter is at least this many font sizes wide.
const GUTTER: f32 = 1.0;

pub fn lay_out(pages: &[PageGlyphs]) -> LaidOut {
    let mut page_lines: Vec<Vec<Vec<String>>> = pages.iter().map(page_blocks).collect();
    drop_running_heads(&mut page_lines);
    let mut text = String::new();
    let mut page_starts = Vec::new();
    for (i, blocks) in page_lines.iter().enumerate() {
        if i > 0 {
            if !text.is_empty() && !text.ends_with("\n\n") {
                text.push_str(if text.ends_with('\n') { "\n" } else { "\n\n" });
            }
            page_starts.push(text.len());
        }
        for block in blocks.iter().filter(|b| !b.is_empty()) {
            if !text.is_empty() && !text.ends_with("\n\n") {
                text.push_str(if text.ends_with('\n') { "\n" } else { "\n\n" });
            }
            for line in block {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    while text.ends_with('\n') {
        text.pop();
    }
    page_starts.retain(|&s| s < text.len());
    LaidOut { text, page_starts }
}

/// The page as blocks of lines.
fn page_blocks(page: &PageGlyphs) -> Vec<Vec<String>> {
    let words = words_of(page);
    let mut blocks = Vec::new();
    let mut indices: Vec<usize> = (0..words.words.len()).collect();
    cut(&words.words, &mut indices, &mut blocks, 0);
    blocks
        .into_iter()
        .map(|lines| finish_block(&words, lines))
        .collect()
}

fn words_of(page: &PageGlyphs) -> Words {
    let glyphs = &page.glyphs;
    let mut order: Vec<usize> = (0..glyphs.len()).collect();
    order.sort_by(|&a, &b| key_y(glyphs, a).total_cmp(&key_y(glyphs, b)));
    let mut words = Words {
        words: Vec::with_capacity(glyphs.len() / 4),
        text: String::with_capacity(page.text.len()),
    };
    let mut line: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let Some(first) = order.get(i).and_then(|&g| glyphs.get(g)) else {
            break;
        };
        let (base, size) = (first.y, first.size);
        line.clear();
        while let Some(g) = order.get(i).and_then(|&g| glyphs.get(g).map(|x| (g, x))) {
            if g.1.y - base > 0.3 * size.min(g.1.size) {
                break;
            }
            line.push(g.0);
            i += 1;
        }
        line.sort_by(|&a, &b| {
            let (ga, gb) = (glyphs.get(a), glyphs.get(b));
            ga.map_or(0.0, |g| g.x0)
                .total_cmp(&gb.map_or(0.0, |g| g.x0))
        });
        split_words(page, &line, &mut words);
    }
    words
}

fn key_y(glyphs: &[Glyph], i: usize) -> f32 {
    glyphs.get(i).map_or(0.0, |g| g.y)
}

fn split_words(page: &PageGlyphs, line: &[usize], out: &mut Words) {
    let mut current: Option<Word> = None;
    let mut last: Option<&Glyph> = None;
    let has_spaces = line
        .iter()
        .any(|&i| page.glyphs.get(i).is_some_and(|g| g.space));
    let gap = if has_spaces {
        WORD_GAP_WITH_SPACES
    } else {
        WORD_GAP
    };
    for g in line.iter().filter_map(|&i| page.glyphs.get(i)) {
        let text = page
            .text
            .get(g.start as usize..g.start as usize + g.len as usize)
            .unwrap_or("");
        // Fake bold: the same glyph drawn twice at almost the same place.
        if let Some(prev) = last
            && (g.x0 - prev.x0).abs() < 0.15 * g.size
            && page
                .text
                .get(prev.start as usize..prev.start as usize + prev.len as usize)
                == Some(text)
        {
            continue;
        }
        last = Some(g);
        if g.space {
            if let Some(w) = current.take() {
                out.words.push(w);
            }
            continue;
        }
        // The current word is always the last text written to `out.text`, so extending it is
        // appending to the buffer.
        match current.as_mut() {
            Some(w) if g.x0 - w.x1 <= gap * g.size.max(w.size) && g.x0 - w.x1 > -g.size => {
                out.text.push_str(text);
                w.end = out.text.len() as u32;
                w.x1 = w.x1.max(g.x1);
                w.size = w.size.max(g.size);
            }
            _ => {
                if let Some(w) = current.take() {
                    out.words.push(w);
                }
                let start = out.text.len() as u32;
                out.text.push_str(text);
                current = Some(Word {
                    x0: g.x0,
                    x1: g.x1.max(g.x0),
                    y: g.y,
                    size: g.size,
                    start,
                    end: out.text.len() as u32,
                });
            }
        }
    }
    if let Some(w) = current {
        out.words.push(w);
    }
}

/// Lines of `indices` (sorted top to bottom, each line sorted left to right).
fn lines_of(words: &[Word], indices: &mut [usize]) -> Vec<Vec<usize>> {
    indices.sort_by(|&a, &b| {
        let (wa, wb) = (words.get(a), words.get(b));
        wa.map_or(0.0, |w| w.y).total_cmp(&wb.map_or(0.0, |w| w.y))
    });
    let mut lines: Vec<Vec<usize>> = Vec::new();
    let mut base = f32::NEG_INFINITY;
    let mut base_size = 0f32;
    for &i in indices.iter() {
        let Some(w) = words.get(i) else { continue };
        match lines.last_mut() {
            Some(line) if w.y - base <= 0.3 * w.size.min(base_size) => line.push(i),
            _ => {
                let mut line = Vec::with_capacity(16);
                line.push(i);
                lines.push(line);
                base = w.y;
                base_size = w.size;
            }
        }
    }
    for line in &mut lines {
        line.sort_by(|&a, &b| {
            let (wa, wb) = (words.get(a), words.get(b));
            wa.map_or(0.0, |w| w.x0)
                .total_cmp(&wb.map_or(0.0, |w| w.x0))
        });
    }
    lines
}

fn median_size(words: &[Word], indices: &[usize]) -> f32 {
    let mut sizes: Vec<f32> = indices
        .iter()
        .filter_map(|&i| words.get(i).map(|w| w.size))
        .collect();
    if sizes.is_empty() {
        return 10.0;
    }
    // The middle value under the total order is the same whichever way it is found.
    let middle = sizes.len() / 2;
    sizes.select_nth_unstable_by(middle, f32::total_cmp);
    sizes.get(middle).copied().unwrap_or(10.0)
}

/// The widest vertical strip no word crosses, as (left edge, right edge).
fn gutter(words: &[Word], indices: &[usize], min_width: f32) -> Option<(f32, f32)> {
    let mut spans: Vec<(f32, f32)> = indices
        .iter()
        .filter_map(|&i| words.get(i).map(|w| (w.x0, w.x1)))
        .collect();
    // Unstable: spans with equal left edges give the same gutter in any order (after the first
    // of them the reach is at least that edge), and the stable sort was a third of layout.
    spans.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut best: Option<(f32, f32)> = None;
    let mut reach = f32::NEG_INFINITY;
    for (x0, x1) in spans {
        if reach.is_finite()
            && x0 - reach >= min_width
            && best.is_none_or(|(l, r)| x0 - reach > r - l)
        {
            best = Some((reach, x0));
        }
        reach = reach.max(x1);
    }
    best
}

/// Recursive XY-cut; appends leaf blocks (as lines of word indices) in reading order.
fn cut(words: &[Word], indices: &mut [usize], out: &mut Vec<Vec<Vec<usize>>>, depth: u32) {
    if indices.is_empty() {
        return;
    }
    let lines = lines_of(words, indices);
    if depth > 40 || lines.len() <= 1 {
        out.push(lines);
        return;
    }
    let size = median_size(words, indices);
    if let Some(split) = column_split(words, indices, &lines, size) {
        let (mut left, mut right): (Vec<usize>, Vec<usize>) = indices
            .iter()
            .partition(|&&i| words.get(i).is_some_and(|w| w.x1 <= split));
        cut(words, &mut left, out, depth + 1);
        cut(words, &mut right, out, depth + 1);
        return;
    }
    // Bands separated by gaps clearly wider than the line spacing.
    let bands = bands_of(words, &lines, size);
    if bands.len() <= 1 {
        out.push(lines);
        return;
    }
    // Bands that share a gutter are one two-column region (gaps that happen to line up across
    // both columns must not make us read them band by band).
    let mut merged: Vec<Vec<usize>> = Vec::new();
    for band in bands {
        if let Some(prev) = merged.last_mut() {
            let mut union: Vec<usize> = prev.iter().chain(band.iter()).copied().collect();
            let union_lines = lines_of(words, &mut union);
            if column_split(words, &union, &union_lines, size).is_some() {
                *prev = union;
                continue;
            }
        }
        merged.push(band);
    }
    if merged.len() == 1 {
        if let Some(mut only) = merged.pop() {
            let only_lines = lines_of(words, &mut only);
            out.push(only_lines);
        }
        return;
    }
    for mut band in merged {
        cut(words, &mut band, out, depth + 1);
    }
}

/// Where to split a region into columns, if it has a gutter with text on both sides that is not
/// simply the cells of table rows (rows stay whole).
fn column_split(words: &[Word], indices: &[usize], lines: &[Vec<usize>], size: f32) -> Option<f32> {
    if lines.len() < 2 {
        return None;
    }
    let (left_edge, right_edge) = gutter(words, indices, GUTTER * size)?;
    let side_lines = |left: bool| -> Vec<f32> {
        let mut ys: Vec<f32> = Vec::new();
        for line in lines {
            let y = line.iter().find_map(|&i| {
                words
                    .get(i)
                    .filter(|w| (w.x1 <= left_edge + 0.01) == left)
                    .map(|w| w.y)
            });
            if let Some(y) = y {
                ys.push(y);
            }
        }
        ys
    };
    let (left, right) = (side_lines(true), side_lines(false));
    if left.is_empty() || right.is_empty() {
        return None;
    }
    let (small, big) = if left.len() <= right.len() {
        (&left, &right)
    } else {
        (&right, &left)
    };
    let aligned = small
        .iter()
        .all(|y| big.iter().any(|b| (b - y).abs() <= 0.3 * size));
    // Table rows: every line on the sparse side sits on a line of the other side, and the sides
    // are as long as each other (a grid) or one side is a few labels (dates next to titles).
    // A grid whose cells on one side are short (dates, labels) is read row by row; two columns
    // of running text that happen to share baselines are read column by column.
    if aligned && small.len() == big.len() {
        let (min_x, max_x) = indices
            .iter()
            .filter_map(|&i| words.get(i))
            .fold((f32::MAX, f32::MIN), |(a, b), w| (a.min(w.x0), b.max(w.x1)));
        let mean_width = |left: bool| -> f32 {
            let mut total = 0.0;
            let mut count = 0.0;
            for line in lines {
                let side = line
                    .iter()
                    .filter_map(|&i| words.get(i))
                    .filter(|w| (w.x1 <= left_edge + 0.01) == left);
                let (a, b) =
                    side.fold((f32::MAX, f32::MIN), |(a, b), w| (a.min(w.x0), b.max(w.x1)));
                if b > a {
                    total += b - a;
                    count += 1.0;
                }
            }
            if count > 0.0 { total / count } else { 0.0 }
        };
        let narrow = mean_width(true).min(mean_width(false));
        if narrow < 0.3 * (max_x - min_x) {
            return None;
        }
    }
    if small.len() < 3 {
        // A line or two beside a column is a caption, a date or a split header line, not a
        // column: columns are tall.
        return None;
    }
    Some((left_edge + right_edge) / 2.0)
}

/// Splits lines into bands at vertical gaps wider than the usual line spacing.
fn bands_of(words: &[Word], lines: &[Vec<usize>], size: f32) -> Vec<Vec<usize>> {
    let baselines: Vec<f32> = lines
        .iter()
        .map(|l| l.first().and_then(|&i| words.get(i)).map_or(0.0, |w| w.y))
        .collect();
    let mut pitches: Vec<f32> = baselines.windows(2).map(|w| w[1] - w[0]).collect();
    pitches.sort_by(f32::total_cmp);
    let typical = pitches
        .get(pitches.len() / 2)
        .copied()
        .unwrap_or(size * 1.2);
    let threshold = (typical * 1.4).max(size * 1.5);
    let mut bands: Vec<Vec<usize>> = Vec::new();
    let mut prev: Option<f32> = None;
    for (line, &y) in lines.iter().zip(&baselines) {
        match (bands.last_mut(), prev) {
            (Some(band), Some(p)) if y - p <= threshold => band.extend_from_slice(line),
            _ => bands.push(line.clone()),
        }
        prev = Some(y);
    }
    bands
}

/// Block lines to text: words joined by spaces, ligatures and bullets normalised, hyphenated
/// line ends rejoined.
fn finish_block(words: &Words, lines: Vec<Vec<usize>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    for line in lines {
        let mut text = String::with_capacity(line.len() * 8);
        for w in line.iter().filter_map(|&i| words.words.get(i)) {
            if !text.is_empty() {
                text.push(' ');
            }
            normalise_word(words.text_of(w), &mut text);
        }
        if text.is_empty() {
            continue;
        }
        if let Some(prev) = out.last_mut()
            && dehyphenate(prev, &mut text)
            && text.is_empty()
        {
            continue;
        }
        out.push(text);
    }
    out
}

fn normalise_word(word: &str, out: &mut String) {
    let mut chars = word.chars();
    if let (Some(c), None) = (chars.next(), chars.next())
        && is_bullet(c)
    {
        out.push('•');
        return;
    }
    for c in word.chars() {
        match c {
            '\u{fb00}' => out.push_str("ff"),
            '\u{fb01}' => out.push_str("fi"),
            '\u{fb02}' => out.push_str("fl"),
            '\u{fb03}' => out.push_str("ffi"),
            '\u{fb04}' => out.push_str("ffl"),
            '\u{fb05}' | '\u{fb06}' => out.push_str("st"),
            '\u{a0}' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

fn is_bullet(c: char) -> bool {
    matches!(
        c,
        '•' | '●'
            | '▪'
            | '■'
            | '◦'
            | '○'
            | '‣'
            | '∙'
            | '⁃'
            | '➢'
            | '➤'
            | '►'
            | '▶'
            | '◆'
            | '♦'
            | '\u{f0b7}'
            | '\u{f0a7}'
            | '\u{f076}'
            | '\u{f0d8}'
    )
}

/// `prev` ends with "-" after a letter and `next` starts with a lower-case letter: the word was
/// hyphenated at the line end. Moves the rest of the word up. Returns whether it did.
fn dehyphenate(prev: &mut String, next: &mut String) -> bool {
    let mut tail = prev.chars().rev();
    let (Some('-'), Some(letter)) = (tail.next(), tail.next()) else {
        return false;
    };
    if !letter.is_alphabetic() || !next.chars().next().is_some_and(char::is_lowercase) {
        return false;
    }
    let end = next.find(' ').unwrap_or(next.len());
    let rest = next.get(end..).unwrap_or("").trim_start().to_owned();
    prev.pop();
    prev.push_str(next.get(..end).unwrap_or(""));
    *next = rest;
    true
}

/// Drops lines that repeat at the top or bottom of several pages (running heads and feet, with
/// digits ignored so "Page 2" matches "Page 3") and bare page numbers.
fn drop_running_heads(pages: &mut [Vec<Vec<String>>]) {
    if pages.len() < 2 {
        return;
    }
    let key = |line: &str| -> String {
        line.chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect()
    };
    let edge_lines = |page: &Vec<Vec<String>>| -> Vec<String> {
        let mut v = Vec::new();
        if let Some(first) = page.iter().find_map(|b| b.first()) {
            v.push(key(first));
        }
        if let Some(last) = page.iter().rev().find_map(|b| b.last()) {
            v.push(key(last));
        }
        v
    };
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for page in pages.iter() {
        let mut seen = edge_lines(page);
        seen.dedup();
        for k in seen {
            *counts.entry(k).or_default() += 1;
        }
    }
    for page in pages.iter_mut() {
        let first_block = page.iter().position(|b| !b.is_empty());
        let last_block = page.iter().rposition(|b| !b.is_empty());
        let drop = |line: &str| {
            is_page_number(line)
                || counts.get(&key(line)).copied().unwrap_or(0) >= 2 && line.len() < 120
        };
        if let Some(block) = first_block.and_then(|i| page.get_mut(i))
            && block.first().is_some_and(|l| drop(l))
        {
            block.remove(0);
        }
        if let Some(block) = last_block.and_then(|i| page.get_mut(i))
            && block.last().is_some_and(|l| drop(l))
        {
            block.pop();
        }
    }
}

fn is_page_number(line: &str) -> bool {
    let lower = line.trim().to_ascii_lowercase();
    let rest = lower
        .trim_matches(|c: char| c == '-' || c == '–' || c.is_whitespace())
        .trim_start_matches("page")
        .trim();
    !rest.is_empty()
        && rest.len() <= 12
        && rest
            .split(|c: char| c.is_whitespace() || c == '/')
            .all(|part| {
                part.is_empty()
                    || part == "of"
                    || part.len() <= 3 && part.chars().all(|c| c.is_ascii_digit())
            })
        && rest.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(words: &[(&str, f32, f32)]) -> PageGlyphs {
        // Each word as glyphs 6 units wide at size 10.
        let mut p = PageGlyphs {
            width: 600.0,
            height: 800.0,
            ..PageGlyphs::default()
        };
        for &(word, x, y) in words {
            for (k, c) in word.chars().enumerate() {
                let start = p.text.len() as u32;
                p.text.push(c);
                p.glyphs.push(Glyph {
                    x0: x + 6.0 * k as f32,
                    x1: x + 6.0 * (k + 1) as f32,
                    y,
                    size: 10.0,
                    start,
                    len: c.len_utf8() as u16,
                    space: false,
                });
            }
        }
        p
    }

    #[test]
    fn words_from_gaps_and_dehyphenation() {
        let p = page(&[
            ("Hello", 10.0, 100.0),
            ("world", 43.0, 100.0),
            ("experi-", 10.0, 112.0),
            ("ence", 10.0, 124.0),
        ]);
        let out = lay_out(&[p]);
        assert_eq!(out.text, "Hello world\nexperience");
    }

    #[test]
    fn page_numbers_are_recognised() {
        assert!(is_page_number("Page 2 of 3"));
        assert!(is_page_number("- 4 -"));
        assert!(!is_page_number("2019"));
        assert!(!is_page_number("Sales"));
    }
}
